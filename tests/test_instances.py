"""Possible instance uses: an instance that is not proven, which type-class search may pick for
what a declaration elaborates, is a possible use of it (ledger, why, gate, site).

Each test is a small project written here, the positive case beside a negative one."""

from __future__ import annotations

from pathlib import Path

from zerosorry.appendix import manifest as mf
from zerosorry.appendix.site import build_site
from zerosorry.commands.why import render_text, why
from zerosorry.gate import GateEntry, GateManifest, evaluate
from zerosorry.ledger.instances import stated_type
from zerosorry.ledger.io import from_json, to_json, validate
from zerosorry.ledger.model import Ledger, Record, SourceInfo, Status
from zerosorry.ledger.possible import INSTANCE_HINT
from zerosorry.scan import scan_files

from .test_field_notation import MANIFEST as FIELD_MANIFEST

LAKE = 'name = "p"\n\n[[lean_lib]]\nname = "P"\n'

NICE = """\
class Nice (α : Type) : Prop where
  ok : True
instance instNiceNat : Nice Nat := sorry
class Fine (α : Type) : Prop where
  ok : True
instance instFineNat : Fine Nat := ⟨trivial⟩
theorem t : Nice Nat := inferInstance
theorem tf : Fine Nat := inferInstance
theorem unrelated : (2 : Int) + 2 = 4 := by decide
"""

ADELE = """\
import P.Nice
def FiniteAdeleRing : Type := Unit
instance : CommRing FiniteAdeleRing := sorry
def f : ℕ → FiniteAdeleRing := fun _ => ()
theorem u : f 0 + f 1 = f 1 + f 0 := by ring
theorem v (x : FiniteAdeleRing) : x * 1 = x := by ring
theorem w : (3 : ℤ) * 1 = 3 := by ring
theorem f_eq : f 0 = f 0 := rfl
theorem two_steps : (3 : ℤ) = 3 := by rw [f_eq]; ring
"""


def ledger_of(files: dict[str, str]) -> Ledger:
    return scan_files({k: v.encode() for k, v in files.items()}, source=SourceInfo("t"),
                      generated="2026-01-01T00:00:00Z", jobs=1)


def project(**more: str) -> dict[str, str]:
    files = {"lakefile.toml": LAKE, "P/Nice.lean": NICE, "P/Adele.lean": ADELE}
    files.update({f"P/{k}.lean": v for k, v in more.items()})
    return files


def scan(**more: str) -> dict[str, Record]:
    return ledger_of(project(**more)).by_name()


def test_nice_nat_rests_on_the_sorried_instance_type_class_search_picks() -> None:
    got = scan()
    t = got["t"]
    assert (t.status, t.possible_deferral) == (Status.DEFERRED, True)
    assert t.via == ["t", "instNiceNat"]
    assert t.uses == ["Nice"] and t.possible_uses == ["instNiceNat"]
    assert [(p.ref, p.candidates) for p in t.possible_refs] == [("instance search", ["instNiceNat"])]
    # a proven instance adds nothing: no possible use, no record changed by it
    tf = got["tf"]
    assert (tf.status, tf.possible_uses, tf.possible_refs) == (Status.PROVEN, [], [])
    assert all("instFineNat" not in r.possible_uses for r in got.values())
    assert got["unrelated"].status is Status.PROVEN and got["unrelated"].possible_uses == []


def test_a_type_named_only_in_a_statement_read_brings_its_instances() -> None:
    got = scan()
    inst = "instCommRingFiniteAdeleRing"
    # `u` names `f`, whose statement names FiniteAdeleRing: `ring` searches CommRing FiniteAdeleRing
    for name in ("u", "v"):
        r = got[name]
        assert (r.status, r.possible_deferral, r.via) == (Status.DEFERRED, True, [name, inst]), name
        assert r.possible_uses == [inst]
    # through two statements: `f_eq` names `f`, whose statement names the type
    assert got["two_steps"].via == ["two_steps", inst]
    # arithmetic on library types only stays proven
    assert got["w"].status is Status.PROVEN and got["w"].possible_uses == []
    # `Nice Nat` is found only where `Nice` may be elaborated (a project class extending nothing)
    assert "instNiceNat" not in got["u"].possible_uses


def test_an_instance_in_a_file_not_imported_does_not_count() -> None:
    other = "class Nice2 (α : Type) : Prop where\n  ok : True\ntheorem t2 : (1 : Nat) = 1 := rfl\n"
    got = scan(Other="theorem far : FiniteAdeleRing = FiniteAdeleRing := rfl\n"
                     "theorem far2 : Nice Nat := inferInstance\n", Other2=other)
    assert got["far"].status is Status.PROVEN and got["far"].possible_uses == []
    assert got["far2"].status is Status.PROVEN
    # the same text in a file that imports them: possibly deferred
    near = scan(Near="import P.Adele\ntheorem near : FiniteAdeleRing = FiniteAdeleRing := rfl\n")["near"]
    assert (near.status, near.possible_deferral) == (Status.DEFERRED, True)


def test_an_instance_declared_later_in_the_file_does_not_count() -> None:
    text = ("class Good (α : Type) : Prop where\n  ok : True\n"
            "theorem early : Good Nat := sorry_free\n"
            "instance : Good Nat := sorry\n"
            "theorem late : Good Nat := inferInstance\n")
    got = scan(Order=text)
    assert got["early"].status is Status.PROVEN
    assert got["late"].via == ["late", "instGoodNat"]


def test_an_instance_resting_on_a_sorried_instance_passes_it_on() -> None:
    text = ("import P.Nice\n"
            "instance instNiceList : Nice (List Nat) := ⟨(inferInstance : Nice Nat).ok⟩\n"
            "theorem lists : Nice (List Nat) := inferInstance\n")
    got = scan(Lists=text)
    mid = got["instNiceList"]
    assert (mid.status, mid.possible_deferral, mid.via) == (Status.DEFERRED, True, ["instNiceList", "instNiceNat"])
    assert got["lists"].via[0] == "lists" and got["lists"].via[-1] == "instNiceNat"


def test_axiom_and_trust_behind_an_instance_are_reached() -> None:
    text = ("import P.Nice\n"
            "axiom big : False\n"
            "class Big (α : Type) : Prop where\n  ok : True\n"
            "instance instBigNat : Big Nat := big.elim\n"
            "theorem uses_big : Big Nat := inferInstance\n"
            "theorem no_big : (1 : Nat) = 1 := rfl\n")
    got = scan(Ax=text)
    assert got["uses_big"].status is Status.PROVEN and got["uses_big"].axioms == ["big"]
    assert got["uses_big"].possible_uses == ["instBigNat"]
    assert got["no_big"].axioms == [] and got["no_big"].possible_uses == []


def test_ledger_with_instance_uses_is_schema_valid_and_round_trips() -> None:
    ledger = ledger_of(project())
    data = to_json(ledger)
    assert validate(data) == []
    assert to_json(from_json(data)) == data


def test_why_says_it_is_a_possible_instance_use() -> None:
    ledger = ledger_of(project())
    text = render_text(ledger.by_name()["u"], why(ledger, "u"))
    assert "possibly: sorry at P/Adele.lean:3 in instCommRingFiniteAdeleRing:" in text
    assert ("?> instCommRingFiniteAdeleRing  P/Adele.lean:3  (possible: type-class search for "
            "CommRing FiniteAdeleRing may pick instCommRingFiniteAdeleRing (sorry))") in text
    assert INSTANCE_HINT in text and "field" not in text


def test_gate_fails_a_possible_instance_deferral_and_says_so() -> None:
    ledger = ledger_of(project())
    manifest = GateManifest((GateEntry("e1", ("t",), "zero-sorry"), GateEntry("e2", ("w",), "zero-sorry")))
    texts = [f.text() for f in evaluate(ledger, manifest=manifest, witnesses=False).findings
             if f.KIND == "entry-not-proven"]
    assert texts == [
        "[zero-sorry] entry e1 (t) is possibly deferred (a possible deferral): via t -> instNiceNat "
        "(P/Nice.lean:3); type-class search for Nice Nat may pick instNiceNat (sorry); " + INSTANCE_HINT]


#: the field-notation tests' manifest, its entry on `u`
MANIFEST = FIELD_MANIFEST.replace('lean = ["unknown"]', 'lean = ["u"]')
assert 'lean = ["u"]' in MANIFEST


def test_site_shows_the_possible_instance_step(tmp_path: Path) -> None:
    ledger = ledger_of(project())
    build_site(ledger, mf.parse_manifest(MANIFEST, path="appendix.toml"), tmp_path / "site")
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    card = html[html.index('id="entry-e1"'):]
    assert 'data-testid="possible-deferral"' in card
    assert ("possible use: type-class search for CommRing FiniteAdeleRing may pick "
            "instCommRingFiniteAdeleRing (sorry)") in card


def test_a_project_without_unproven_instances_gets_no_instance_use() -> None:
    text = NICE.replace("instance instNiceNat : Nice Nat := sorry", "instance instNiceNat : Nice Nat := ⟨trivial⟩")
    recs = ledger_of({"lakefile.toml": LAKE, "P/Nice.lean": text}).records
    assert all(not r.possible_uses and not r.possible_refs for r in recs)
    assert {r.name: r.status for r in recs}["t"] is Status.PROVEN


def test_stated_type_reads_past_binders() -> None:
    assert stated_type("instance foo {K : Type} [Field K] : CommRing (A K)") == "CommRing (A K)"
    assert stated_type("instance : Nice Nat") == "Nice Nat"


def test_one_reference_lists_every_instance_a_declaration_may_find() -> None:
    text = ("import P.Nice\n"
            "instance instNiceInt : Nice Int := sorry\n"
            "theorem both : Nice Nat ∧ Nice Int := ⟨inferInstance, inferInstance⟩\n")
    ledger = ledger_of(project(Two=text))
    rec = ledger.by_name()["both"]
    assert [(p.ref, p.candidates) for p in rec.possible_refs] == [("instance search", ["instNiceInt", "instNiceNat"])]
    assert rec.possible_uses == ["instNiceInt", "instNiceNat"]
    step = rec.via[1]
    text_why = render_text(rec, why(ledger, "both"))
    wanted = {"instNiceInt": "Nice Int", "instNiceNat": "Nice Nat"}[step]
    assert (f"type-class search for {wanted} may pick {step} (sorry) (one of 2 instances it may find)"
            in text_why)


#: what a review found shown *proven* though Lean's instance search reaches a sorried instance:
#: (file text, the declarations that must be possible deferrals, those that must stay proven)
REVIEW_HOLES = {
    # a definition whose type is inferred (its body fixes it), a structure's field types
    "Infer": ("structure Foo where\n  n : Nat\ndef a : Foo := ⟨1⟩\ndef b := a\n"
              "structure S where\n  f : Foo\n"
              "instance : Add Foo := sorry\n"
              "theorem tb : b + b = b + b := rfl\n"
              "theorem tField (s : S) : s.f + s.f = s.f + s.f := rfl\n"
              "theorem apart (n : Nat) : n + n = n + n := rfl\n",
              ["tb", "tField"], ["apart"]),
    # a proven instance taking an instance argument: a search for what it gives searches the class
    "Chain": ("class MyC (α : Type) where\n  op : α → α → α\n"
              "instance instMulOfMyC {α : Type} [MyC α] : Mul α := ⟨MyC.op⟩\n"
              "structure Bar where\n  n : Nat\n"
              "instance : MyC Bar := sorry\n"
              "instance : MyC String := sorry\n"
              "theorem tBar (x : Bar) : x * x = x * x := rfl\n"
              "theorem tStr (s : String) : s * s = s * s := rfl\n"
              "theorem tNat (n : Nat) : n * n = n * n := rfl\n",
              # (`tNat` counts `MyC String` too: a string literal's type is written by no name)
              ["tBar", "tStr", "tNat"], []),
    # an abbreviation of a literal: instance search unfolds it to what no name writes
    "Lit": ("abbrev N : Nat := 3\nclass Good (α : Type) : Prop where\n  ok : True\n"
            "instance : Good (Fin N) := sorry\n"
            "theorem tFin : Good (Fin 3) := inferInstance\n"
            "theorem tOther (n : Nat) : n = n := rfl\n",
            ["tFin"], ["tOther"]),
    # a literal's type other than Nat's, and `Fact`, which library instances take as arguments
    "Types": ("instance : Mul String := sorry\n"
              "instance : Fact (Nat.Prime 5) := ⟨sorry⟩\n"
              "theorem tS : \"a\" * \"b\" = \"a\" * \"b\" := rfl\n"
              "theorem tZ (x : ZMod 5) (h : x ≠ 0) : x * x⁻¹ = 1 := mul_inv_cancel₀ h\n",
              ["tS", "tZ"], []),
}


def test_what_the_review_found_is_a_possible_deferral() -> None:
    for name, (text, deferred, proven) in REVIEW_HOLES.items():
        got = scan(**{name: text})
        for d in deferred:
            assert (got[d].status, got[d].possible_deferral) == (Status.DEFERRED, True), (name, d)
        for d in proven:
            assert got[d].status is Status.PROVEN, (name, d, got[d].possible_uses)
