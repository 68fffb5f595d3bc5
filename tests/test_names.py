"""Name resolution against the project's own declarations, the way Lean looks names up."""

from __future__ import annotations

from zerosorry.ledger.model import SourceInfo, Status
from zerosorry.scan import scan_files


def scan(files: dict[str, str]) -> dict[str, object]:
    ledger = scan_files({k: v.encode() for k, v in files.items()}, source=SourceInfo("t"),
                        generated="2026-01-01T00:00:00Z", jobs=1)
    return {r.name: r for r in ledger.records}


def statuses(files: dict[str, str]) -> dict[str, str]:
    return {name: r.status.value for name, r in scan(files).items()}  # type: ignore[attr-defined]


LAKE = 'name = "D"\n\n[[lean_lib]]\nname = "D"\n'


def test_export_makes_an_alias() -> None:
    got = scan({
        "A.lean": "namespace Impl\ntheorem gap : 1 = 1 := sorry\nend Impl\nnamespace Api\nexport Impl (gap)\nend Api\n",
        "B.lean": "import A\ntheorem user : 1 = 1 := Api.gap\n",
    })
    assert got["user"].via == ["user", "Impl.gap"]  # type: ignore[attr-defined]


def test_protected_needs_its_namespace() -> None:
    got = scan({
        "A.lean": "namespace N\nprotected theorem p : 1 = 1 := sorry\n"
                  "theorem bare : 1 = 1 := p\ntheorem qualified : 1 = 1 := N.p\nend N\n",
    })
    assert got["N.bare"].status is Status.PROVEN  # type: ignore[attr-defined]
    assert got["N.qualified"].status is Status.DEFERRED  # type: ignore[attr-defined]


def test_private_is_invisible_from_other_files() -> None:
    got = scan({
        "A.lean": "private theorem hidden : 1 = 1 := sorry\ntheorem same_file : 1 = 1 := hidden\n",
        "B.lean": "import A\ntheorem other_file : 1 = 1 := hidden\n",
    })
    assert got["same_file"].status is Status.DEFERRED  # type: ignore[attr-defined]
    assert got["other_file"].status is Status.PROVEN  # type: ignore[attr-defined]


def test_only_imported_modules_are_visible() -> None:
    got = scan({
        "Lib/A.lean": "theorem gap : 1 = 1 := sorry\n",
        "Lib/B.lean": "theorem user_without_import : 1 = 1 := gap\n",
        "Lib/C.lean": "import Lib.A\ntheorem user_with_import : 1 = 1 := gap\n",
        "Lib/D.lean": "import Lib.C\ntheorem transitive : 1 = 1 := gap\n",
    })
    assert got["user_without_import"].status is Status.PROVEN  # type: ignore[attr-defined]
    assert got["user_with_import"].status is Status.DEFERRED  # type: ignore[attr-defined]
    assert got["transitive"].status is Status.DEFERRED  # type: ignore[attr-defined]


def test_unknown_project_import_errs_towards_deferred() -> None:
    ledger = scan_files(
        {"Lib/A.lean": b"theorem gap : 1 = 1 := sorry\n",
         "Lib/B.lean": b"import Lib.Missing\ntheorem user : 1 = 1 := gap\n"},
        source=SourceInfo("t"), generated="2026-01-01T00:00:00Z", jobs=1)
    by = {r.name: r for r in ledger.records}
    assert by["user"].status is Status.DEFERRED
    assert any(d.code == "unresolved-import" and d.file == "Lib/B.lean" for d in ledger.diagnostics)


def test_field_notation_is_resolved_by_the_receivers_written_type() -> None:
    got = scan({"A.lean": "structure Foo where\n  n : Nat\n"
                          "theorem Foo.helper_gap (x : Foo) : x = x := sorry\n"
                          "theorem user (h : Foo) : h = h := h.helper_gap\n"
                          "theorem on_nat (h : Nat) : h = h := h.helper_gap\n"
                          "theorem untyped (p : ∃ _ : Nat, True) : True := by\n  obtain ⟨h, _⟩ := p\n"
                          "  exact h.helper_gap\n"})
    user = got["user"]
    assert user.status is Status.DEFERRED  # type: ignore[attr-defined]
    assert user.uses == ["Foo", "Foo.helper_gap"]  # type: ignore[attr-defined]
    assert user.possible_uses == []  # type: ignore[attr-defined]
    # `h : Nat`: Lean looks in `Nat`, where the project declares no `helper_gap`
    assert got["on_nat"].status is Status.PROVEN  # type: ignore[attr-defined]
    # `obtain ⟨h, _⟩` states no type: a possible use of every project `*.helper_gap`
    untyped = got["untyped"]
    assert untyped.status is Status.DEFERRED  # type: ignore[attr-defined]
    assert untyped.possible_uses == ["Foo.helper_gap"]  # type: ignore[attr-defined]
    assert untyped.possible_deferral  # type: ignore[attr-defined]


def test_constant_followed_by_projection() -> None:
    got = scan({"A.lean": "theorem iff_gap : True ↔ True := sorry\ntheorem user : True → True := iff_gap.mp\n"})
    assert got["user"].uses == ["iff_gap"]  # type: ignore[attr-defined]
    assert got["user"].approximate == []  # type: ignore[attr-defined]


def test_dot_prefixed_name_resolves_when_unique() -> None:
    got = scan({"A.lean": "inductive Mode where\n  | fast\n  | slow\n"
                          "def pick : Mode := .fast\n"})
    assert got["pick"].uses == ["Mode"]  # type: ignore[attr-defined]


def test_innermost_namespace_wins() -> None:
    got = scan({"A.lean": "theorem lemma_x : 1 = 1 := rfl\nnamespace N\ntheorem lemma_x : 1 = 1 := sorry\n"
                          "theorem user : 1 = 1 := lemma_x\nend N\ntheorem root_user : 1 = 1 := lemma_x\n"})
    assert got["N.user"].uses == ["N.lemma_x"]  # type: ignore[attr-defined]
    assert got["root_user"].uses == ["lemma_x"]  # type: ignore[attr-defined]


def test_external_names_are_counted_not_guessed() -> None:
    got = scan({"A.lean": "theorem t (x : Nat) : x + 0 = x := Nat.add_zero x\n"})
    assert got["t"].uses == [] and got["t"].external_refs == 2  # type: ignore[attr-defined]


def test_names_after_intro_on_the_next_line_are_references() -> None:
    """`intro n` binds n; the tactic on the next line (`exact bad n`, `rw [bad]`) uses bad."""
    for proof in ("by\n  intro n\n  exact bad n", "by\n  rintro n\n  apply bad", "by\n  intro n\n  rw [bad]"):
        got = statuses({"A.lean": f"theorem bad (n : Nat) : n = n := sorry\ntheorem main : ∀ n : Nat, n = n := {proof}\n"})
        assert got["main"] == "deferred", proof


def test_a_renamed_duplicate_is_still_found_by_its_declared_name() -> None:
    """Each file's private `aux`, and a public name reused by modules that never meet: code
    refers to them as declared, and only the one it can see counts."""
    got = statuses({"lakefile.toml": LAKE,
                    "D/A.lean": "private theorem aux : 1 = 1 := rfl\ntheorem a_ok : 1 = 1 := aux\n",
                    "D/B.lean": "private theorem aux : 1 = 1 := sorry\ntheorem main : 1 = 1 := aux\n"})
    assert (got["a_ok"], got["main"]) == ("proven", "deferred")
    got = statuses({"lakefile.toml": LAKE,
                    "D/A.lean": "theorem aux : 1 = 1 := rfl\n",
                    "D/B.lean": "theorem aux : 1 = 1 := sorry\n",
                    "D/C.lean": "import D.B\ntheorem main : 1 = 1 := aux\n"})
    assert got["main"] == "deferred"


def test_a_root_name_declared_in_a_namespace_resolves_in_that_namespace() -> None:
    src = ("namespace A\ntheorem foo : 1 = 1 := sorry\ntheorem _root_.bar : 1 = 1 := foo\n"
           "theorem _root_.B.baz : 1 = 1 := foo\nend A\ntheorem main : 1 = 1 := bar\n")
    got = statuses({"A.lean": src})
    assert (got["bar"], got["B.baz"], got["main"]) == ("deferred", "deferred", "deferred")


def test_project_names_that_look_like_tactics_or_need_guillemets_are_references() -> None:
    got = statuses({"A.lean": "def bound (n : Nat) : Nat := sorry\ntheorem m1 : bound 1 = bound 1 := rfl\n"
                              "namespace Foo\ndef set : Nat := sorry\ntheorem m2 : set = set := rfl\nend Foo\n"
                              "def «my def» : Nat := sorry\ntheorem m3 : «my def» = «my def» := rfl\n"})
    assert (got["m1"], got["Foo.m2"], got["m3"]) == ("deferred", "deferred", "deferred")


def test_a_variable_s_type_counts_for_the_declarations_of_its_section() -> None:
    src = ("def IsGood (n : Nat) : Prop := sorry\nsection\nvariable (n : Nat) (hn : IsGood n)\ninclude hn\n"
           "theorem main : n = n := rfl\nend\ntheorem outside (m : Nat) : m = m := rfl\n")
    got = statuses({"A.lean": src})
    assert (got["main"], got["outside"]) == ("deferred", "proven")


def test_opens_indented_under_a_namespace_or_inside_a_proof_count() -> None:
    foo = "namespace Foo\ntheorem bar : 1 = 1 := sorry\nend Foo\n"
    got = statuses({"A.lean": foo + "namespace A\n  open Foo\n  theorem main : 1 = 1 := bar\nend A\n"})
    assert got["A.main"] == "deferred"
    got = statuses({"A.lean": foo + "theorem t1 : 1 = 1 := by open Foo in exact bar\n"
                              "theorem t2 : 1 = 1 := open Foo in bar\n"})
    assert (got["t1"], got["t2"]) == ("deferred", "deferred")


def test_field_notation_after_the_head_and_in_chains() -> None:
    src = ("structure P where\n  x : Nat\n"
           "theorem P.foo (p : P) : p.x = p.x + 0 := sorry\n"
           "theorem chain (p : P) : p.x + 0 = p.x := p.foo.symm\n"
           "def P.bad (p : P) : Nat := sorry\ndef origin : P := ⟨0⟩\n"
           "theorem on_const : origin.bad = origin.bad := rfl\n")
    got = statuses({"A.lean": src})
    assert (got["chain"], got["on_const"]) == ("deferred", "deferred")


def test_a_root_name_and_an_opened_one_are_both_candidates() -> None:
    src = ("theorem helper : 1 = 1 := rfl\nnamespace O\ntheorem helper : 2 = 2 := sorry\nend O\n"
           "open O\ntheorem main : 2 = 2 := helper\n")
    assert statuses({"A.lean": src})["main"] == "deferred"


def test_names_generated_by_ext_and_to_additive_are_found() -> None:
    src = ("@[to_additive] theorem mul_foo : 1 = 1 := sorry\ntheorem m1 : 1 = 1 := add_foo\n"
           "@[to_additive my_add] theorem mul_bar : 1 = 1 := sorry\ntheorem m2 : 1 = 1 := my_add\n"
           "structure S where\n  x : Nat\n"
           "@[ext] theorem S.ext (a b : S) (h : a.x = b.x) : a = b := sorry\n"
           "theorem m3 (a b : S) : a = b ↔ a.x = b.x := S.ext_iff\n")
    got = statuses({"A.lean": src})
    assert (got["m1"], got["m2"], got["m3"]) == ("deferred", "deferred", "deferred")


def test_code_inside_interpolated_strings_counts() -> None:
    src = ('def foo (n : Nat) : Nat := sorry\ndef msg : String := s!"value {foo 3}"\n'
           'def msg2 : String := s!"v {(sorry : Nat)} \\\\{not code}"\ndef plain : String := "{foo 3}"\n')
    got = statuses({"A.lean": src})
    assert (got["msg"], got["msg2"], got["plain"]) == ("deferred", "deferred", "proven")


def test_second_soundness_review_cases() -> None:
    """Each of these used to show `u` proven although its derivation reaches a sorry."""
    cases = {
        "ascription": "def C : Nat := sorry\ntheorem u : (C : Int) = (C : Int) := rfl\n",
        "set literal": "def pt : Nat := sorry\ntheorem u : {pt} = ({pt} : List Nat) := rfl\n",
        "module name": ("class Foo (α : Type) where x : Nat\ninstance module : Foo Nat := ⟨sorry⟩\n"
                        "theorem u : module.x = module.x := rfl\n"),
        "let module": "def u : Nat :=\n  let module := 3\n  module + sorry\n",
        "using": ("theorem bad (n : Nat) : n = n := sorry\ntheorem u (n : Nat) : n = n := by\n"
                  "  filter_upwards [foo] with x hx using bad n\n"),
        "dot intro": "theorem bad (n : Nat) : n = n := sorry\ntheorem u : True ∧ 0 = 0 := .intro trivial (bad 0)\n",
        "pipe dot": ("structure Foo where\n  x : Nat\ntheorem Foo.bad_lemma (f : Foo) : f.x = f.x := sorry\n"
                     "theorem u (f : Foo) : f.x = f.x := f |>.bad_lemma\n"),
        "numeric projection": ("structure Foo where\n  x : Nat\ntheorem Foo.bad_lemma (f : Foo) : f.x = f.x := sorry\n"
                               "theorem u (f : Foo × Foo) : f.1.x = f.1.x := f.1.bad_lemma\n"),
        "card notation": "def badSet : List Nat := sorry\ntheorem u : #badSet = #badSet := rfl\n",
        "reassoc": "@[reassoc]\ntheorem w (n : Nat) : n = n := sorry\ntheorem u : 0 = 0 := w_assoc 0\n",
        "to_additive namespace": ("@[to_additive]\ntheorem Subgroup.mul_foo : 1 = 1 := sorry\n"
                                  "theorem u : 0 = 0 := by\n  have := AddSubgroup.add_foo\n  rfl\n"),
    }
    for what, src in cases.items():
        got = statuses({"lakefile.toml": LAKE, "D/A.lean": src})
        assert got["u"] == "deferred", what
    # export and open … renaming make usable aliases, even when the last name part is ambiguous
    for a, b in (("namespace Foo\ntheorem bar : 1 = 1 := sorry\nend Foo\nnamespace Other\ntheorem bar : 1 = 1 := rfl\n"
                  "end Other\nexport Foo (bar)\n", "import D.A\ntheorem u : 1 = 1 := bar\n"),
                 ("namespace Foo\ntheorem bar : 1 = 1 := sorry\nend Foo\nnamespace Other\ntheorem bar : 1 = 1 := rfl\n"
                  "end Other\n", "import D.A\nopen Foo renaming bar → baz\ntheorem u : 1 = 1 := baz\n")):
        got = statuses({"lakefile.toml": LAKE, "D/A.lean": a, "D/B.lean": b})
        assert got["u"] == "deferred", b


def test_third_soundness_review_cases() -> None:
    cases = {
        "simps": ("structure E where\n  f : Nat → Nat\n  h : True\n@[simps]\ndef badE : E where\n  f := id\n  h := sorry\n"
                  "theorem u : True := by\n  have := @badE_apply\n  trivial\n"),
        "mk_iff": ("def bad : Nat := sorry\n@[mk_iff]\ninductive P : Prop where\n  | a : bad = bad → P\n"
                   "theorem u : True := by\n  have := @P_iff\n  exact trivial\n"),
        "card at line start": "def badSet : List Nat := sorry\ntheorem u : 3 ≤\n    #badSet + 3 := Nat.le_add_left _ _\n",
        "card with subscript": "def s : List Nat := []\ndef s₁ : List Nat := sorry\ntheorem u : 3 ≤ #s₁ + 3 := Nat.le_add_left _ _\n",
        "indented open": ("namespace D\ntheorem bad : 1 = 2 := sorry\nend D\nnamespace X\ntheorem a : 1 = 1 := rfl\n"
                          "  open D\ntheorem u : 1 = 2 := bad\nend X\n"),
        "string receiver": ("namespace String\ntheorem bad (x : String) : x.length = 7 := sorry\nend String\n"
                            'theorem u : "abc".length = 7 := "abc".bad\n'),
    }
    for what, src in cases.items():
        got = statuses({"lakefile.toml": LAKE, "D/A.lean": src})
        key = "X.u" if "X.u" in got else "u"
        assert got[key] == "deferred", what


def test_a_have_that_reuses_a_project_name_still_uses_it_on_its_right() -> None:
    src = ("theorem bad (n : Nat) : n = n := sorry\ntheorem u : 0 = 0 := by\n  have bad := bad 0\n  exact bad\n"
           "theorem v (h : 0 = 0) : 0 = 0 := by\n  have h := h\n  exact h\n")
    got = statuses({"A.lean": src})
    assert (got["u"], got["v"]) == ("deferred", "proven")


def test_a_where_helper_body_at_the_helper_s_column_stays_in_the_helper() -> None:
    src = ("def badf (n : Nat) : Nat := sorry\ndef t : Nat := go 0\nwhere\n  go (n : Nat) : Nat :=\n  badf n\n"
           "  other : Nat := 1\n")
    got = statuses({"A.lean": src})
    assert got["t.go"] == "deferred" and got["t"] == "deferred" and "t.badf" not in got and "t.other" in got
