"""Issue 11, causes 1 and 2: field notation resolved by the receiver's written type, possible
uses where it is not written (ledger, why, gate, site), and `open` relative to what is open.

Each test is a small project written here, with the positive case beside a negative one."""

from __future__ import annotations

import json
from pathlib import Path

from zerosorry.appendix import manifest as mf
from zerosorry.appendix.site import build_site
from zerosorry.commands.why import render_text, why
from zerosorry.gate import GateEntry, GateManifest, evaluate
from zerosorry.lean.names import NameIndex
from zerosorry.lean.parser import parse
from zerosorry.ledger.io import from_json, to_json, validate
from zerosorry.ledger.model import Ledger, Record, SourceInfo, Status
from zerosorry.scan import ParseCache, scan_files

#: `Good.mk'` states a `Nice` result; `Nice.comp` holds a sorry, `Other.comp` does not
GOOD_NICE = """\
structure Good (n : Nat) : Prop where
  ok : True
structure Nice (n : Nat) : Prop where
  ok : True
theorem Good.mk' {n : Nat} (hg : Good n) : Fin 3 → Nice n := fun _ => ⟨trivial⟩
theorem Nice.comp {n : Nat} (h : Nice n) : n = n := sorry
theorem Other.comp (n : Nat) : n = n := rfl
theorem Good.lift {n : Nat} (hg : Good n) : n = n := sorry
theorem Nice.lift {n : Nat} (h : Nice n) : n = n := rfl
"""


def ledger_of(files: dict[str, str], cache: ParseCache | None = None) -> Ledger:
    return scan_files({k: v.encode() for k, v in files.items()}, source=SourceInfo("t"),
                      generated="2026-01-01T00:00:00Z", jobs=1, cache=cache)


def scan(files: dict[str, str]) -> dict[str, Record]:
    return ledger_of(files).by_name()


def user(body: str, *, extra: str = "") -> dict[str, Record]:
    return scan({"A.lean": GOOD_NICE + extra + body})


# ------------------------------------------------------------------------------ by the written type
def test_signature_binder_type_picks_the_namespace() -> None:
    got = user("theorem u {n : Nat} (hg : Good n) : n = n := hg.lift\n"
               "theorem v {n : Nat} (h : Nice n) : n = n := h.lift\n")
    assert got["u"].status is Status.DEFERRED and got["u"].uses == ["Good", "Good.lift"]
    assert got["u"].possible_uses == [] and not got["u"].possible_deferral
    # the negative: `Nice.lift` is proven, and `Good.lift` (sorry) is not `h.lift` for `h : Nice n`
    assert got["v"].status is Status.PROVEN and "Good.lift" not in got["v"].uses + got["v"].possible_uses


def test_variable_binder_type_is_read() -> None:
    got = user("section\nvariable {n : Nat} {hg : Good n}\n"
               "include hg in\ntheorem u : n = n := hg.lift\nend\n"
               "section\nvariable {n : Nat} {h : Nice n}\ninclude h in\ntheorem v : n = n := h.lift\nend\n")
    assert got["u"].status is Status.DEFERRED and "Good.lift" in got["u"].uses
    assert got["v"].status is Status.PROVEN


def test_have_obtain_fun_let_state_types() -> None:
    got = user(
        "theorem t1 (n : Nat) (p : Good n) : n = n := by\n  have h : Good n := p\n  exact h.lift\n"
        "theorem t2 (n : Nat) (p : Nice n) : n = n := by\n  have h : Nice n := p\n  exact h.lift\n"
        "theorem t3 (n : Nat) (p : ∃ _ : Nat, Good n) : n = n := by\n  obtain h : Good n := p.2\n  exact h.lift\n"
        "theorem t4 (n : Nat) : Good n → n = n := fun (h : Good n) => h.lift\n"
        "theorem t5 (n : Nat) : Nice n → n = n := fun (h : Nice n) => h.lift\n"
        "theorem t6 (n : Nat) (p : Good n) : n = n := by\n  let h : Good n := p\n  exact h.lift\n")
    assert {k: got[k].status.value for k in ("t1", "t2", "t3", "t4", "t5", "t6")} == {
        "t1": "deferred", "t2": "proven", "t3": "deferred", "t4": "deferred", "t5": "proven", "t6": "deferred"}
    assert not any(got[k].possible_uses for k in ("t1", "t2", "t4", "t5", "t6"))


def test_stated_result_type_of_the_producing_lemma() -> None:
    got = user("theorem chain {n : Nat} (hg : Good n) : n = n := hg.mk'.comp\n"
               "theorem applied {n : Nat} (hg : Good n) : n = n := (hg.mk' 0).comp\n"
               "theorem piped {n : Nat} (hg : Good n) : n = n := hg.mk' 0 |>.comp\n"
               "theorem head {n : Nat} (hg : Good n) : n = n := (Good.mk' hg 1).comp\n")
    for name in ("chain", "applied", "piped", "head"):
        r = got[name]
        assert r.status is Status.DEFERRED, name
        assert "Nice.comp" in r.uses and "Other.comp" not in r.uses + r.possible_uses, name
        assert not r.possible_deferral, name


def test_a_mathlib_type_makes_the_field_mathlibs() -> None:
    # `h : Continuous f`: Lean looks in `Continuous`, where the project declares no `comp`; the
    # project's `Nice.comp` (sorry) is not used.  But a project lemma in that namespace is.
    extra = "theorem Continuous.myLemma {f : Nat → Nat} (h : Continuous f) : True := sorry\n"
    got = user("theorem neg {f : Nat → Nat} (h : Continuous f) : Continuous (f ∘ f) := h.comp h\n"
               "theorem pos {f : Nat → Nat} (h : Continuous f) : True := h.myLemma\n", extra=extra)
    assert got["neg"].status is Status.PROVEN
    assert got["neg"].uses == [] and got["neg"].possible_uses == []
    assert got["pos"].status is Status.DEFERRED and got["pos"].uses == ["Continuous.myLemma"]


def test_fields_of_an_extended_structure() -> None:
    got = scan({"A.lean": "structure Base where\n  n : Nat\n"
                          "theorem Base.gap (b : Base) : b.n = b.n := sorry\n"
                          "structure Child extends Base where\n  m : Nat\n"
                          "theorem Other.gap (n : Nat) : n = n := rfl\n"
                          "theorem u (c : Child) : c.n = c.n := c.gap\n"})
    assert got["u"].status is Status.DEFERRED and "Base.gap" in got["u"].uses
    assert got["u"].possible_uses == []


# ------------------------------------------------------------------------------ possible uses
#: `obtain ⟨x, _⟩ := p` writes no type for x: its `x.comp` may be any project `*.comp`
POSSIBLE = ("theorem unknown (n : Nat) (p : ∃ _ : Nat, True) : n = n := by\n  obtain ⟨x, _⟩ := p\n  exact x.comp\n"
            "theorem dot (n : Nat) (p : Good n) : Nice n := by\n  exact .comp\n"
            "theorem both (n : Nat) (hg : Good n) (p : ∃ _ : Nat, True) : n = n := by\n"
            "  obtain ⟨x, _⟩ := p\n  have := hg.lift\n  exact x.comp\n")


def test_an_unread_type_is_a_possible_use_of_every_candidate() -> None:
    got = user(POSSIBLE)
    r = got["unknown"]
    assert r.status is Status.DEFERRED and r.possible_deferral
    assert r.possible_uses == ["Nice.comp", "Other.comp"]
    assert [(p.ref, p.candidates) for p in r.possible_refs] == [("x.comp", ["Nice.comp", "Other.comp"])]
    assert r.via == ["unknown", "Nice.comp"]
    # a certain deferral through another use is not possible, and its chain is the certain one
    b = got["both"]
    assert b.status is Status.DEFERRED and not b.possible_deferral and b.via == ["both", "Good.lift"]
    # `.comp` against an unread expected type: possible as well
    assert got["dot"].possible_deferral and "Nice.comp" in got["dot"].possible_uses


def test_a_unique_last_component_is_still_only_possible() -> None:
    got = scan({"A.lean": "theorem Only.step (n : Nat) : n = n := sorry\n"
                          "theorem u (p : ∃ _ : Nat, True) : True := by\n  obtain ⟨h, _⟩ := p\n  exact h.step\n"
                          "theorem w (p : ∃ _ : Nat, True) : True := by\n  obtain ⟨h, _⟩ := p\n  exact h.other\n"})
    assert got["u"].status is Status.DEFERRED and got["u"].possible_uses == ["Only.step"]
    assert got["u"].possible_deferral
    assert got["w"].status is Status.PROVEN  # no project declaration ends in `.other`


def test_possible_fields_round_trip_through_the_schema() -> None:
    ledger = ledger_of({"A.lean": GOOD_NICE + POSSIBLE})
    data = to_json(ledger)
    assert validate(data) == []
    rec = next(d for d in data["declarations"] if d["name"] == "unknown")
    assert rec["possible_deferral"] is True
    assert rec["possible_refs"] == [{"ref": "x.comp", "candidates": ["Nice.comp", "Other.comp"]}]
    proven = next(d for d in data["declarations"] if d["name"] == "Other.comp")
    assert "possible_uses" not in proven and "possible_deferral" not in proven  # absent when empty
    back = from_json(json.loads(json.dumps(data)))
    assert to_json(back) == data
    data["declarations"][0]["possible_deferral"] = False
    assert validate(data)  # only `true` is allowed: absence says "not possible"


def test_axioms_are_reached_through_possible_uses() -> None:
    got = scan({"A.lean": "axiom Ax.comp (n : Nat) : n = n\n"
                          "theorem u (p : ∃ _ : Nat, True) : True := by\n  obtain ⟨h, _⟩ := p\n  exact h.comp\n"})
    assert got["u"].axioms == ["Ax.comp"]


def test_why_says_which_reference_may_be_which() -> None:
    ledger = ledger_of({"A.lean": GOOD_NICE + POSSIBLE})
    rec = ledger.by_name()["unknown"]
    reasons = why(ledger, "unknown")
    assert reasons[0].possible and reasons[0].chain[-1].name == "Nice.comp"
    text = render_text(rec, reasons)
    assert "possibly: sorry at A.lean:6 in Nice.comp:" in text
    assert "?> Nice.comp" in text
    assert "x.comp may be Nice.comp (sorry) or Other.comp" in text
    assert "`--engine lean` settles it" in text
    certain = render_text(ledger.by_name()["both"], why(ledger, "both"))
    assert certain.splitlines()[2] == "sorry at A.lean:8 in Good.lift:"


def test_gate_fails_a_possible_deferral_and_says_so() -> None:
    ledger = ledger_of({"A.lean": GOOD_NICE + POSSIBLE})
    manifest = GateManifest((GateEntry("e1", ("unknown",), "zero-sorry"), GateEntry("e2", ("both",), "zero-sorry")))
    findings = evaluate(ledger, manifest=manifest, witnesses=False).findings
    texts = [f.text() for f in findings if f.KIND == "entry-not-proven"]
    assert texts == [
        "[zero-sorry] entry e1 (unknown) is possibly deferred (a possible deferral): via unknown -> Nice.comp "
        "(A.lean:6); x.comp may be Nice.comp (sorry) or Other.comp; the source does not pin the field: the "
        "receiver's type is not stated, or Lean may unfold it (a library definition); `--engine lean` settles it",
        "[zero-sorry] entry e2 (both) is deferred: via both -> Good.lift (A.lean:8)",
    ]


ENTRY = """
[[entries]]
id = "{id}"
lean = ["{lean}"]
family = "f"
title = "Entry {id}"
statement = 'x'
summary = "S"
why = "W"
target = "zero-sorry"
"""
MANIFEST = """
[site]
title = "T"
paper_title = "P"

[[families]]
id = "f"
title = "F"
explanation = "E"
""" + ENTRY.format(id="e1", lean="unknown")


def test_site_marks_a_possible_deferral(tmp_path: Path) -> None:
    ledger = ledger_of({"A.lean": GOOD_NICE + POSSIBLE})
    # a hostile name in a candidate list is escaped like every other text
    manifest = mf.parse_manifest(MANIFEST + ENTRY.format(id="e2", lean="both"), path="appendix.toml")
    build_site(ledger, manifest, tmp_path / "site")
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    card = html[html.index('id="entry-e1"'):html.index('id="entry-e2"')]
    assert 'data-testid="possible-deferral"' in card
    assert "possible use: x.comp may be Nice.comp (sorry) or Other.comp" in card
    other = html[html.index('id="entry-e2"'):]
    assert 'data-testid="possible-deferral"' not in other
    table_js = (tmp_path / "site" / "static" / "table.js").read_text(encoding="utf-8")
    assert "possible_deferral" in table_js


def test_possible_ref_text_is_escaped_on_the_site(tmp_path: Path) -> None:
    ledger = ledger_of({"A.lean": GOOD_NICE + POSSIBLE})
    rec = ledger.by_name()["unknown"]
    rec.possible_refs[0] = type(rec.possible_refs[0])("<script>x</script>.comp", ["Nice.comp"])
    manifest = mf.parse_manifest(MANIFEST, path="appendix.toml")
    build_site(ledger, manifest, tmp_path / "site")
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;x&lt;/script&gt;.comp may be Nice.comp (sorry)" in html
    assert "<script>x</script>" not in html


# ------------------------------------------------------------------------------ cache
def test_warm_scan_keeps_possible_uses_and_sees_another_files_result_type(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "cache")
    try:
        files = {"A.lean": GOOD_NICE, "B.lean": "import A\n" + POSSIBLE.replace("theorem dot", "theorem dot2")
                 + "theorem chain {n : Nat} (hg : Good n) : n = n := hg.mk'.comp\n"}
        cold = to_json(ledger_of(files, cache))
        warm = to_json(ledger_of(files, cache))
        assert cold == warm
        # A's lemma now states an `Other` result: B's text is unchanged, its resolution is not
        changed = dict(files)
        changed["A.lean"] = GOOD_NICE.replace("Fin 3 → Nice n := fun _ => ⟨trivial⟩", "Other := sorry")
        after = ledger_of(changed, cache).by_name()
        assert "Nice.comp" not in after["chain"].uses
    finally:
        cache.close()


# ------------------------------------------------------------------------------ cause 2: opens
def test_open_relative_to_what_is_open() -> None:
    got = scan({"A.lean": "namespace Outer\nnamespace Inner\ntheorem gap : 1 = 1 := sorry\nend Inner\n"
                          "theorem outer_gap : 2 = 2 := sorry\nend Outer\n"
                          "namespace Z\nopen Outer\nopen Inner\ntheorem u : 1 = 1 := gap\nend Z\n"
                          "open Outer in\nopen Inner in\ntheorem v : 1 = 1 := gap\n"
                          "theorem w : 1 = 1 := by\n  open Outer in exact Inner.gap\n"
                          "namespace Outer\nopen Inner\ntheorem x : 1 = 1 := gap\nend Outer\n"
                          "open Inner\ntheorem neg : 1 = 1 := rfl\n"
                          "theorem neg2 : 2 = 2 := gap\n"})
    assert got["Z.u"].uses == ["Outer.Inner.gap"]
    assert got["v"].uses == ["Outer.Inner.gap"]
    assert got["w"].uses == ["Outer.Inner.gap"]
    assert got["Outer.x"].uses == ["Outer.Inner.gap"]
    # `open Inner` at the top level, nothing open: `Inner` is no namespace, `gap` stays unknown
    assert got["neg2"].status is Status.PROVEN


def test_export_relative_to_an_open_namespace() -> None:
    got = scan({"A.lean": "namespace Outer\nnamespace Impl\ntheorem gap : 1 = 1 := sorry\nend Impl\nend Outer\n"
                          "open Outer\nnamespace Api\nexport Impl (gap)\nend Api\n"
                          "theorem u : 1 = 1 := Api.gap\n"})
    assert got["u"].via == ["u", "Outer.Impl.gap"]


def test_name_index_reads_types_without_a_scan() -> None:
    pf = parse(GOOD_NICE + "theorem u {n : Nat} (hg : Good n) : n = n := hg.lift\n")
    for d in pf.declarations:
        d.file = "A.lean"
    idx = NameIndex.build(pf.declarations, pf.members.items())
    res = idx.resolve(pf.declarations[-1])
    assert [pf.declarations[i].name for i in res.uses] == ["Good", "Good.lift"] and res.possible == []


def test_engines_disagreement_names_a_possible_use() -> None:
    from zerosorry.lean.toolchain import _Evidence, likely_cause

    ledger = ledger_of({"A.lean": GOOD_NICE + POSSIBLE})
    src = ledger.by_name()
    lean = {n: Record(**{**r.__dict__, "status": Status.PROVEN if n == "unknown" else r.status})
            for n, r in src.items()}
    cause = likely_cause(src["unknown"], lean["unknown"], _Evidence(), lean, src)
    assert cause.startswith("possible use: ") and "x.comp may be Nice.comp (sorry) or Other.comp" in cause
    # a certain deferral is not explained as a possible use
    lean["both"] = Record(**{**src["both"].__dict__, "status": Status.PROVEN})
    assert not likely_cause(src["both"], lean["both"], _Evidence(), lean, src).startswith("possible use")


def test_a_core_notation_unfolds_to_the_namespace_it_is_defined_by() -> None:
    got = scan({"A.lean": "theorem LE.le.gap {a b : Nat} (h : a ≤ b) : a ≤ b := sorry\n"
                          "theorem u (a b : Nat) (h : a ≥ b) : b ≤ a := h.gap\n"
                          "theorem v (a b : Nat) (h : a = b) : a = b := h.gap\n"})
    assert got["u"].uses == ["LE.le.gap"]  # `≥` is `GE.ge`, which unfolds to `LE.le`
    assert got["v"].status is Status.PROVEN  # `Eq.gap` is no project declaration


def test_a_value_takes_the_type_its_head_states() -> None:
    extra = "theorem good_of (n : Nat) : Good n := ⟨trivial⟩\n"
    got = user("theorem t1 (n : Nat) : n = n := by\n  have hg := good_of n\n  exact hg.lift\n"
               "theorem t2 (n : Nat) (p : Nice n) : n = n := by\n  have h := p\n  exact h.lift\n"
               "theorem t3 (n : Nat) : n = n := by\n  have : Good n := good_of n\n  exact this.lift\n"
               "theorem t4 (n : Nat) : n = n := by\n  have hg := Nat.rec n\n  exact hg.lift\n", extra=extra)
    assert got["t1"].uses == ["Good.lift", "good_of"] and not got["t1"].possible_uses
    assert got["t2"].status is Status.PROVEN  # `h := p` with `p : Nice n`: `Nice.lift`, proven
    assert "Good.lift" in got["t3"].uses and not got["t3"].possible_uses
    # an external head states nothing the project can read: every `*.lift` is possible
    assert got["t4"].possible_uses == ["Good.lift", "Nice.lift"] and got["t4"].possible_deferral


def test_a_first_intro_names_the_stated_binders() -> None:
    got = user("theorem t1 (n : Nat) : Good n → n = n := by\n  intro hg\n  exact hg.lift\n"
               "theorem t2 : ∀ n : Nat, Nice n → n = n := by\n  intro n h\n  exact h.lift\n"
               "theorem t3 : ∀ (n : Nat) (h : Good n), n = n := fun n h => h.lift\n"
               "theorem t4 (n : Nat) : Good n → n = n := by\n  simp\n  intro hg\n  exact hg.lift\n")
    assert "Good.lift" in got["t1"].uses and not got["t1"].possible_uses
    assert got["t2"].status is Status.PROVEN and not got["t2"].possible_uses  # `Nice.lift`
    assert "Good.lift" in got["t3"].uses and not got["t3"].possible_uses
    # an intro after another tactic meets a goal the source does not state: possible
    assert got["t4"].possible_uses == ["Good.lift", "Nice.lift"]


def test_an_anonymous_instance_binder_is_one_premise() -> None:
    # `∀ [Inhabited Nat] (h : Nice 0), Good 0 → …`: `intro i h hg` gives hg the type `Good 0`;
    # counting `Inhabited` and `Nat` as two binders shifted it onto `Nice 0` (a false proven)
    stated = "∀ [Inhabited Nat] (h : Nice 0), Good 0 → 0 = 0"
    got = user(f"theorem t1 : {stated} := by\n  intro i h hg\n  exact hg.lift\n"
               f"theorem t2 : {stated} := fun i h hg => hg.lift\n"
               f"theorem t3 : {stated} := by\n  intro i h hg\n  exact h.lift\n")
    for k in ("t1", "t2"):
        assert got[k].status is Status.DEFERRED and "Good.lift" in got[k].uses, k
    assert got["t3"].status is Status.PROVEN and "Nice.lift" in got["t3"].uses  # the negative


def test_a_match_alternative_binds_an_untyped_name() -> None:
    got = user("theorem m (n : Nat) (o : Option (Good n)) : n = n := by\n  match o with\n"
               "  | some G => exact G.lift\n  | none => rfl\n")
    # `G` has no written type; an upper-case name is not taken for a library namespace
    assert got["m"].possible_uses == ["Good.lift", "Nice.lift"] and got["m"].possible_deferral


#: `pick` states its result as its own type variable: what `(pick g)` is depends on `g`
TYPE_VARIABLE = ("structure Box where\n  n : Nat\n"
                 "theorem Box.gap (b : Box) : b.n = b.n := sorry\n"
                 "theorem Other.gap (n : Nat) : n = n := rfl\n")


def test_a_type_variable_in_a_stated_result_type_is_no_namespace() -> None:
    # Lean instantiates `α` at the use: `(pick b).gap` is `Box.gap` (a sorry).  The source does not
    # state that type, so the field is a possible use of every `*.gap`, never a namespace `α`
    section = "section\nvariable {α : Type}\ndef pick (x : α) : α := x\nend\n"
    named = "section\nvariable {Obj : Type}\ndef pick (x : Obj) : Obj := x\nend\n"
    auto = "def pick (x : α) : α := x\n"  # an auto-bound implicit
    uses = {"paren": "theorem u (b : Box) : b.n = b.n := (pick b).gap\n",
            "pipe": "theorem u (b : Box) : b.n = b.n := pick b |>.gap\n",
            "have": "theorem u (b : Box) : b.n = b.n := by\n  have h := pick b\n  exact h.gap\n"}
    for how, head in (("section variable", section), ("named variable", named), ("auto-bound", auto)):
        for form, use in uses.items():
            r = scan({"A.lean": TYPE_VARIABLE + head + use})["u"]
            assert r.status is Status.DEFERRED, (how, form)
            assert "Box.gap" in r.possible_uses and r.possible_deferral, (how, form)


#: `Box.bad` and `Function.gap` hold a sorry; `Other.*` are proven decoys in a library namespace
UNFOLD = ("theorem Function.gap {α : Type} (p : α → Prop) : True := sorry\n"
          "theorem Other.gap (n : Nat) : True := trivial\n"
          "structure Box where\n  n : Nat\n"
          "theorem Box.bad (b : Box) : True := sorry\n"
          "theorem Other.bad (n : Nat) : True := trivial\n")


def test_a_library_definition_unfolds_to_a_project_namespace() -> None:
    got = scan({"A.lean": UNFOLD
                + "theorem u (s : Set Nat) : True := s.gap\n"
                + "theorem w (b : OrderDual Box) : True := b.bad\n"
                + "theorem w2 (b : OrderDual (OrderDual Box)) : True := b.bad\n"
                + "theorem v (s : Set Box) : True := s.bad\n"})
    # `Set.gap` is missing: `Set α` is `α → Prop`, whose fields are `Function`'s (certain)
    assert got["u"].status is Status.DEFERRED and got["u"].uses == ["Function.gap"]
    # `OrderDual.bad` is missing: `OrderDual Box` is `Box` (possible: the argument's type)
    for k in ("w", "w2"):
        assert got[k].status is Status.DEFERRED and got[k].possible_uses == ["Box.bad"], k
        assert got[k].possible_deferral and "Other.bad" not in got[k].possible_uses, k
    # `Set Box` unfolds to a function, never to `Box`: no `Box.bad`, no `Other.bad`
    assert got["v"].status is Status.PROVEN and got["v"].possible_uses == []


def test_a_library_head_the_tables_do_not_know_may_unfold_anywhere_outside_project_types() -> None:
    # `Foo.Bar` is no library constant the engine knows: when its namespace holds no `gap`, Lean
    # unfolds it, possibly to `Function` or to any library namespace (`Other`), never to a project
    # structure that neither the type nor an instance names
    got = scan({"A.lean": UNFOLD + "theorem u (s : Foo.Bar Nat) : True := s.gap\n"
                                   "theorem w (s : Foo.Bar Nat) : True := s.bad\n"
                                   "theorem x (s : Foo.Bar Box) : True := s.bad\n"
                                   "theorem Foo.Bar.mine (s : Nat) : True := sorry\n"
                                   "theorem y (s : Foo.Bar Nat) : True := s.mine\n"})
    assert got["u"].possible_uses == ["Function.gap", "Other.gap"] and got["u"].possible_deferral
    assert got["w"].possible_uses == ["Other.bad"] and got["w"].status is Status.PROVEN
    assert got["x"].possible_uses == ["Box.bad", "Other.bad"] and got["x"].possible_deferral  # written
    # the head's own namespace holds the field: Lean stops there (certain), nothing unfolds
    assert got["y"].uses == ["Foo.Bar.mine"] and got["y"].possible_uses == []


def test_a_class_projection_unfolds_through_a_project_instance() -> None:
    # `a ≤ b` is `LE.le a b`; with the project's instance Lean unfolds it to `Box.Le a b`
    src = ("structure Box where\n  n : Nat\n"
           "structure Box.Le (a b : Box) : Prop where\n  h : a.n ≤ b.n\n"
           "theorem Box.Le.gap {a b : Box} (h : Box.Le a b) : True := sorry\n"
           "structure Cup where\n  n : Nat\n"
           "theorem Cup.gap (c : Cup) : True := sorry\n")
    got = scan({"A.lean": src + "instance : LE Box := ⟨Box.Le⟩\n"
                + "theorem u (a b : Box) (h : a ≤ b) : True := h.gap\n"})
    assert "Box.Le.gap" in got["u"].possible_uses and got["u"].status is Status.DEFERRED
    assert "Cup.gap" not in got["u"].possible_uses  # a project structure no instance names
    # without the instance nothing leads there
    quiet = scan({"A.lean": src + "theorem u (a b : Nat) (h : a ≤ b) : True := h.gap\n"})
    assert quiet["u"].possible_uses == [] and quiet["u"].status is Status.PROVEN


def test_structures_and_inductives_of_the_library_never_unfold() -> None:
    # the noise cases: `Continuous` is a structure and `Eq` an inductive type, so `h.comp` and
    # `h.trans` are the library's, even with project `*.comp`/`*.trans` in library namespaces
    got = scan({"A.lean": "theorem Other.comp (n : Nat) : True := sorry\n"
                          "theorem LE.le.trans' (n : Nat) : True := sorry\n"
                          "theorem Other.trans (n : Nat) : True := sorry\n"
                          "theorem LE.le.gap (n : Nat) : True := sorry\n"
                          "theorem c {f : Nat → Nat} (h : Continuous f) : True := (h.comp h).elim\n"
                          "theorem e (a b : Nat) (h : a = b) : b = a := h.trans rfl\n"
                          "theorem g (a b : Nat) (h : a = b) : True := h.gap\n"
                          "theorem m (x : ℝ) (hx : Measurable id) : True := hx.trans\n"
                          "theorem r (x : ℝ) : True := x.trans\n"})
    for k in ("c", "e", "g", "r"):
        assert got[k].status is Status.PROVEN and got[k].possible_uses == [] and got[k].uses == [], k
    # `Measurable f` is a definition whose body is a `∀`: only `Function.trans` could be it
    assert got["m"].status is Status.PROVEN and got["m"].possible_uses == []


def test_a_library_structure_searches_its_parents_then_stops() -> None:
    # `Subgroup` extends `Submonoid`: a project `Submonoid.gap` is `H.gap`; `Other.gap` never is
    got = scan({"A.lean": "theorem Submonoid.gap (n : Nat) : True := sorry\n"
                          "theorem Other.gap2 (n : Nat) : True := sorry\n"
                          "theorem u {G : Type} [Group G] (H : Subgroup G) : True := H.gap\n"
                          "theorem w {G : Type} [Group G] (H : Subgroup G) : True := H.gap2\n"})
    assert got["u"].uses == ["Submonoid.gap"] and got["u"].possible_uses == []
    assert got["w"].status is Status.PROVEN and got["w"].possible_uses == []


def test_a_notation_for_a_number_type_is_its_constant() -> None:
    got = scan({"A.lean": "theorem Real.gap (x : Real) : True := sorry\n"
                          "theorem u (x : ℝ) : True := x.gap\n"})
    assert got["u"].uses == ["Real.gap"] and got["u"].status is Status.DEFERRED


def test_the_instance_closure_changes_the_resolution_fingerprint(tmp_path: Path) -> None:
    # another file's instance decides where `≤` may lead: a warm scan must see it change
    cache = ParseCache(tmp_path / "cache")
    try:
        base = ("structure Box where\n  n : Nat\n"
                "structure Box.Le (a b : Box) : Prop where\n  h : a.n ≤ b.n\n"
                "structure Box.Ge (a b : Box) : Prop where\n  h : b.n ≤ a.n\n"
                "theorem Box.Le.gap {a b : Box} (h : Box.Le a b) : True := sorry\n")
        files = {"A.lean": base + "instance : LE Box := ⟨Box.Ge⟩\n",
                 "B.lean": "import A\ntheorem u (a b : Box) (h : a ≤ b) : True := h.gap\n"}
        assert ledger_of(files, cache).by_name()["u"].status is Status.PROVEN
        files["A.lean"] = base + "instance : LE Box := ⟨Box.Le⟩\n"
        assert ledger_of(files, cache).by_name()["u"].status is Status.DEFERRED
    finally:
        cache.close()


def test_baseline_names_a_possible_deferral() -> None:
    from zerosorry.gate import check_baseline

    before = ledger_of({"A.lean": GOOD_NICE.replace(":= sorry", ":= rfl") + POSSIBLE})
    after = ledger_of({"A.lean": GOOD_NICE + POSSIBLE})
    texts = {f.message() for f in check_baseline(after, before, None) if f.KIND == "newly-deferred"}
    assert ("unknown was proven in the baseline and is now possibly deferred (a possible deferral): "
            "via unknown -> Nice.comp (A.lean:6); x.comp may be Nice.comp (sorry) or Other.comp; "
            "the source does not pin the field: the receiver's type is not stated, or Lean may unfold it "
            "(a library definition); `--engine lean` settles it") in texts
    assert "both was proven in the baseline and is now deferred: via both -> Good.lift (A.lean:8)" in texts


def test_paper_status_says_possibly_held_back() -> None:
    from zerosorry.paper import paper_status

    ledger = ledger_of({"A.lean": GOOD_NICE + POSSIBLE})
    st = paper_status(ledger, [("e1", ["unknown"], "E1"), ("e2", ["both"], "E2")])
    reasons = {i.key: i.reason() for i in st.items}
    assert reasons["e1"] == ("possibly held back by the sorry in Nice.comp (A.lean:6), through a possible "
                             "use the lean engine settles")
    assert reasons["e2"] == "held back by the sorry in Good.lift (A.lean:8)"


# ------------------------------------------------------------------ audit misses (mutation harness)
#: (a one-letter type name reads as an auto-bound variable: `Pt`, not `P`)
P_GOOD = """\
structure Pt where
  n : Nat
def Pt.Good (p : Pt) : Prop := p.n = p.n
theorem Pt.Good.ins {p : Pt} (h : p.Good) : p.n = p.n := sorry
theorem Q.ins : 1 = 1 := rfl
"""


def test_a_hypothesis_type_in_field_notation_is_read_through_the_local() -> None:
    got = scan({"A.lean": P_GOOD
                + "theorem user {p : Pt} (hp : p.Good) : p.n = p.n := hp.ins\n"
                + "theorem user2 {p : Pt} (hp : Pt.Good p) : p.n = p.n := hp.ins\n"
                + "theorem other (q : Nat) : 1 = 1 := Q.ins\n"})
    assert got["user"].status is Status.DEFERRED and "Pt.Good.ins" in got["user"].uses
    assert got["user2"].status is Status.DEFERRED and "Pt.Good.ins" in got["user2"].uses
    assert got["other"].status is Status.PROVEN
    # the audit's own shape, with a one-letter type name (read as possibly a type variable)
    one = P_GOOD.replace("Pt", "P") + "theorem user {p : P} (hp : p.Good) : p.n = p.n := hp.ins\n"
    rec = scan({"A.lean": one})["user"]
    assert rec.status is Status.DEFERRED and "P.Good.ins" in rec.uses + rec.possible_uses


def test_a_dotted_type_on_a_local_of_unknown_type_is_a_possible_use() -> None:
    got = scan({"A.lean": P_GOOD
                + "theorem user (f : Nat → Pt) : ∀ p, (f 0).n = (f 0).n := by\n"
                + "  intro p\n  have hp : p.Good := rfl\n  exact hp.ins\n"})
    rec = got["user"]
    assert rec.status is Status.DEFERRED
    assert "Pt.Good.ins" in rec.uses + rec.possible_uses


SHADOW = """\
structure A where
  n : Nat
structure B where
  n : Nat
theorem B.foo (b : B) : b.n = b.n := sorry
theorem A.foo (a : A) : a.n = a.n := rfl
variable (w : A)
structure W where
  b : B
  h : b.n = b.n
"""


def test_a_where_field_binder_shadows_a_section_variable() -> None:
    got = scan({"A.lean": SHADOW + "instance inst : Coe B W where\n  coe w := ⟨w, w.foo⟩\n"})
    rec = got["inst"]
    assert rec.status is Status.DEFERRED and "B.foo" in rec.uses + rec.possible_uses


def test_binding_forms_shadow_a_typed_name_with_an_unknown_type() -> None:
    bodies = {
        "t_fun": "theorem t_fun : ∀ w : B, w.n = w.n := fun w => w.foo\n",
        "t_anon": "theorem t_anon : B × B → True := fun ⟨w, _⟩ => (w.foo).elim\n",
        "t_match": "def t_match : B → Nat\n  | w => (w.foo).elim\n",
        "t_intro": "theorem t_intro : ∀ w : B, w.n = w.n := by\n  intro w\n  exact w.foo\n",
        "t_rintro": "theorem t_rintro : B × B → True := by\n  rintro ⟨w, _⟩\n  exact (w.foo).elim\n",
        "t_cases": "theorem t_cases (x : B × B) : True := by\n  cases x with\n  | mk w _ => exact (w.foo).elim\n",
        "t_forall": "theorem t_forall : (∀ w : B, w.n = w.n) := by\n  exact fun w ↦ w.foo\n",
        "t_sum": "def t_sum (s : List B) : Nat := (s.map fun w => (w.foo).elim).length\n",
        "t_lam": "theorem t_lam : ∀ w : B, w.n = w.n := λ w => w.foo\n",
        "t_all": "theorem t_all : ∀ w, w.foo = w.foo := fun _ => rfl\n",
        "t_big": "def t_big (s : List B) : Nat := ∑ w ∈ s, (w.foo).elim\n",
    }
    got = scan({"A.lean": SHADOW + "".join(bodies.values())})
    for name in bodies:
        rec = got[name]
        assert rec.status is Status.DEFERRED, name
        assert "B.foo" in rec.uses + rec.possible_uses, name


def test_a_field_after_a_possible_one_is_read_as_unknown() -> None:
    # `h` is given two types: `Good` (whose `mk'` states a `Nice` result) and `Foo.Bar Nat` (a
    # library head the tables do not know, which may unfold to `Other`, whose `mk'` states a
    # `Cup`).  The `.comp` after `h.mk'` may then be `Cup.comp` (a sorry), not only `Nice.comp`
    src = ("structure Good where\n  n : Nat\nstructure Nice where\n  n : Nat\nstructure Cup where\n  n : Nat\n"
           "theorem Good.mk' (g : Good) : Nice := ⟨g.n⟩\n"
           "theorem Nice.comp (x : Nice) : True := trivial\n"
           "theorem Other.mk' (n : Nat) : Cup := ⟨n⟩\n"
           "theorem Cup.comp (c : Cup) : True := sorry\n"
           "theorem u (p : Good) (q : Foo.Bar Nat) : True := by\n"
           "  have h : Good := p\n  have h : Foo.Bar Nat := q\n  exact h.mk'.comp\n")
    r = scan({"A.lean": src})["u"]
    assert "Good.mk'" in r.uses and "Other.mk'" in r.possible_uses
    assert r.status is Status.DEFERRED and "Cup.comp" in r.possible_uses


def test_number_type_notations_split_by_the_lexer_are_types() -> None:
    # `ℝ≥0` lexes as `ℝ`, `≥`, `0`: it is `NNReal` (a subtype), not the proposition `ℝ ≥ 0`
    got = scan({"A.lean": "theorem NNReal.gap (x : NNReal) : True := sorry\n"
                          "theorem ENNReal.gap2 (x : ENNReal) : True := sorry\n"
                          "theorem LE.le.gap (n : Nat) : True := sorry\n"
                          "theorem u (x : ℝ≥0) : True := x.gap\n"
                          "theorem w (x : ℝ≥0∞) : True := x.gap2\n"
                          "theorem v (x : ℝ) (h : x ≥ 0) : True := h.gap\n"
                          "theorem q (x : ℝ≥0) : True := x.gap2\n"})
    assert got["u"].uses == ["NNReal.gap"] and got["w"].uses == ["ENNReal.gap2"]
    assert "LE.le.gap" in got["v"].uses  # a real `≥` is still `GE.ge`, which unfolds to `LE.le`
    assert got["q"].status is Status.PROVEN and got["q"].possible_uses == []  # NNReal is no ENNReal


def test_tendsto_unfolds_through_the_filter_order_to_a_function() -> None:
    # `Tendsto f l₁ l₂` is `l₁.map f ≤ l₂`; Mathlib's filter order makes that a `∀`
    got = scan({"A.lean": UNFOLD
                + "theorem LE.le.bad (n : Nat) : True := sorry\n"
                + "theorem u (f : Nat → Nat) (h : Filter.Tendsto f l l') : True := h.gap\n"
                + "open Filter in\ntheorem w (f : Nat → Nat) (h : Tendsto f l l') : True := h.bad\n"
                + "theorem x (f : Nat → Nat) (h : ContinuousAt f 0) : True := h.gap\n"})
    assert got["u"].uses == ["Function.gap"] and got["u"].possible_uses == []  # no `Other.gap`
    assert got["w"].uses == ["LE.le.bad"] and got["w"].possible_uses == []  # no `Box.bad`, `Other.bad`
    assert got["x"].uses == ["Function.gap"] and got["x"].possible_uses == []


def test_a_project_structure_extending_an_unlisted_library_structure() -> None:
    # `Hom` extends the library's `AlgHom`, whose own parents (`RingHom`, …) the tables do not
    # list: Lean searches them, so a project `RingHom.gap` may be `f.gap`; a project structure
    # that no type names (`Box`) may not.  Extending a listed structure (`Subgroup`) is exact.
    got = scan({"A.lean": "structure Box where\n  n : Nat\n"
                          "theorem Box.gap (b : Box) : True := sorry\n"
                          "theorem RingHom.gap (n : Nat) : True := sorry\n"
                          "theorem Submonoid.gap2 (n : Nat) : True := sorry\n"
                          "theorem Other.gap2 (n : Nat) : True := sorry\n"
                          "structure Hom extends AlgHom R A B where\n  ok : True\n"
                          "structure Grp extends Subgroup G where\n  ok : True\n"
                          "theorem u (f : Hom) : True := f.gap\n"
                          "theorem w (g : Grp) : True := g.gap2\n"})
    assert got["u"].possible_uses == ["RingHom.gap"] and got["u"].possible_deferral
    assert "Submonoid.gap2" in got["w"].uses and got["w"].possible_uses == []
