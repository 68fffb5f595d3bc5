"""The parser: each declaration form, scoping command and modifier."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from zerosorry.lean.parser import parse

from .strategies import lean_like_text


def decls(src: str) -> dict[str, tuple[str, int, int]]:
    return {d.name: (d.kind, d.line, d.end_line) for d in parse(src).declarations}


def one(src: str):  # type: ignore[no-untyped-def]
    ds = parse(src).declarations
    assert len(ds) == 1, [d.name for d in ds]
    return ds[0]


@pytest.mark.parametrize(
    ("src", "name", "kind"),
    [
        ("theorem t : True := trivial", "t", "theorem"),
        ("lemma l : True := trivial", "l", "lemma"),
        ("def f (n : Nat) : Nat := n", "f", "def"),
        ("abbrev A := Nat", "A", "abbrev"),
        ("axiom ax : False", "ax", "axiom"),
        ("opaque o : Nat", "o", "opaque"),
        ("inductive T where\n  | a\n  | b", "T", "inductive"),
        ("coinductive S : Prop where\n  | mk : S → S", "S", "coinductive"),
        ("structure P where\n  x : Nat\n  y : Nat", "P", "structure"),
        ("class C (α : Type) where\n  op : α → α", "C", "class"),
        ("class inductive D where\n  | a", "D", "class inductive"),
        ("instance instFoo : Inhabited Nat := ⟨0⟩", "instFoo", "instance"),
        ("irreducible_def g (n : Nat) : Nat := n + 1", "g", "def"),
        ("proof_wanted pw : 1 = 1", "pw", "proof_wanted"),
        ("noncomputable def nc : Nat := 0", "nc", "def"),
        ("partial def loop (n : Nat) : Nat := loop n", "loop", "def"),
        ("unsafe def u : Nat := 0", "u", "def"),
        ("nonrec theorem nr : True := trivial", "nr", "theorem"),
        ("meta def m : Nat := 0", "m", "def"),
        ("public theorem pub : True := trivial", "pub", "theorem"),
        ("theorem «weird name» : True := trivial", "weird name", "theorem"),
        ("theorem univ.{u} (α : Sort u) : True := trivial", "univ", "theorem"),
    ],
)
def test_declaration_forms(src: str, name: str, kind: str) -> None:
    d = one(src)
    assert (d.name, d.kind) == (name, kind)


def test_namespaces_sections_and_root() -> None:
    src = """namespace A
theorem x : True := trivial
namespace B
theorem y : True := trivial
theorem _root_.z : True := trivial
end B
section S
theorem w : True := trivial
end S
theorem B.v : True := trivial
end A
namespace C.D
theorem u : True := trivial
end C.D
"""
    assert set(decls(src)) == {"A.x", "A.B.y", "z", "A.w", "A.B.v", "C.D.u"}


def test_expose_public_noncomputable_section() -> None:
    src = "module\npublic import Mathlib\n@[expose] public noncomputable section\nnamespace N\ndef f : Nat := 0\nend N\nend\n"
    pf = parse(src)
    assert pf.module_header
    assert [d.name for d in pf.declarations] == ["N.f"]
    assert not [x for x in pf.diagnostics if x.code in ("unmatched-end", "mismatched-end")]


def test_docstring_attributes_modifiers_and_span() -> None:
    src = '''/-- The answer.
  Second line. -/
@[simp, norm_num] protected noncomputable def answer : Nat :=
  42
'''
    d = one(src)
    assert d.docstring == "The answer.\nSecond line."
    assert d.attributes == ("simp", "norm_num")
    assert d.modifiers == ("protected", "noncomputable")
    assert (d.line, d.end_line) == (3, 4)
    assert d.signature == "def answer : Nat"


def test_signature_and_type_text_drop_comments_and_newlines() -> None:
    d = one("theorem t (x : Nat) -- the argument\n    (h : x = 1) :\n    x = 1 := h")
    assert d.signature == "theorem t (x : Nat) (h : x = 1) : x = 1"
    assert d.type_text == "x = 1"


def test_instance_forms() -> None:
    src = """instance : Inhabited Foo := ⟨⟨⟩⟩
instance (priority := low) named : Inhabited Bar := ⟨⟨⟩⟩
scoped instance [Foo α] : ToString (List α) := ⟨fun _ => ""⟩
local instance instLocal : Inhabited Baz := ⟨⟨⟩⟩
"""
    ds = parse(src).declarations
    assert [(d.name, d.auto_named) for d in ds] == [
        ("instInhabitedFoo", True), ("named", False), ("instToStringList", True), ("instLocal", False)
    ]
    assert ds[2].modifiers == ("scoped",)


def test_example_is_recorded() -> None:
    d = one("example : 1 = 1 := rfl")
    assert d.kind == "example"


def test_mutual_block() -> None:
    src = """mutual
def even : Nat → Bool
  | 0 => true
  | n+1 => odd n
def odd : Nat → Bool
  | 0 => false
  | n+1 => even n
end
theorem after : True := trivial
"""
    ds = parse(src).declarations
    assert [d.name for d in ds] == ["even", "odd", "after"]
    assert "odd" in ds[0].refs and "even" in ds[1].refs
    assert ds[0].end_line == 4


def test_open_in_applies_to_next_command_only() -> None:
    src = "open Foo in\ntheorem a : True := trivial\ntheorem b : True := trivial\n"
    ds = parse(src).declarations
    assert "Foo" in ds[0].opens and "Foo" not in ds[1].opens


def test_open_lasts_until_end_of_section() -> None:
    src = "section\nopen Foo\ntheorem a : True := trivial\nend\ntheorem b : True := trivial\n"
    ds = parse(src).declarations
    assert "Foo" in ds[0].opens and "Foo" not in ds[1].opens


def test_set_option_in_before_declaration() -> None:
    src = "set_option maxHeartbeats 400000 in\ntheorem a : True := by\n  set_option simp.debug true in\n  trivial\ntheorem b : True := trivial\n"
    assert list(decls(src)) == ["a", "b"]


def test_tactic_open_inside_proof_does_not_split() -> None:
    src = "theorem a : True := by\n  open Classical in\n  sorry\ntheorem b : True := trivial\n"
    ds = parse(src).declarations
    assert [d.name for d in ds] == ["a", "b"]
    assert ds[0].sorry_lines == (3,)


def test_where_helpers_are_declarations() -> None:
    src = """def main (n : Nat) : Nat := go n 0
where
  go : Nat → Nat → Nat
    | 0, acc => acc
    | k+1, acc => go k (acc + 1)
  helper (x : Nat) : Nat := sorry
theorem next : True := trivial
"""
    ds = parse(src).declarations
    assert [d.name for d in ds] == ["main", "main.go", "main.helper", "next"]
    assert ds[2].sorry_lines == (6,)
    assert not ds[0].sorry_lines
    assert "_root_.main.helper" in ds[0].refs


def test_structure_instance_where_is_not_helpers() -> None:
    src = "instance : Inhabited Nat where\n  default := sorry\n"
    d = one(src)
    assert d.sorry_lines == (2,)


def test_termination_and_decreasing_by_belong_to_the_body() -> None:
    src = """def f : Nat → Nat
  | 0 => 0
  | n+1 => f n
termination_by n => n
decreasing_by sorry
theorem g : True := trivial
"""
    ds = parse(src).declarations
    assert [d.name for d in ds] == ["f", "g"]
    assert ds[0].sorry_lines == (5,)


def test_sorry_admit_stop_and_not_lookalikes() -> None:
    src = '''theorem a : 1 = 1 := by
  -- sorry
  have := "sorry"
  exact sorry_free
theorem b : 1 = 1 := by admit
theorem c : 1 = 1 := by
  stop
  rfl
theorem d : sorry := rfl
'''
    ds = {d.name: d.sorry_lines for d in parse(src).declarations}
    assert ds == {"a": (), "b": (5,), "c": (7,), "d": (9,)}


@pytest.mark.parametrize(
    ("body", "trust"),
    [
        ("by native_decide", "native_decide"),
        ("by decide +native", "decide +native"),
        ("by bv_decide", "bv_decide"),
        ("Lean.ofReduceBool _ _ rfl", "Lean.ofReduceBool"),
    ],
)
def test_trust_extensions(body: str, trust: str) -> None:
    d = one(f"theorem t : 1 = 1 := {body}")
    assert [t.name for t in d.trusts] == [trust]


def test_skip_kernel_tc_option_is_a_trust_for_following_declarations() -> None:
    src = "set_option debug.skipKernelTC true in\ntheorem a : True := trivial\ntheorem b : True := trivial\n"
    ds = parse(src).declarations
    assert [t.name for t in ds[0].trusts] == ["debug.skipKernelTC"]
    assert ds[1].trusts == ()


@pytest.mark.parametrize(
    ("src", "stub"),
    [
        ("theorem s : True := sorry", True),
        ("theorem s : True := by sorry", True),
        ("theorem s : True := by\n  sorry", True),
        ("theorem s : True := trivial", False),
        ("theorem s : 1 = 1 := sorry", False),
        ("theorem s : True := by\n  have h : 1 = 1 := rfl\n  sorry", False),
    ],
)
def test_stub(src: str, stub: bool) -> None:
    assert one(src).is_stub is stub


def test_binders_are_not_references() -> None:
    d = one("theorem t (helper : Nat) {α : Type} [inst : Foo α] : helper = helper := other_lemma helper")
    assert "helper" not in d.refs and "inst" not in d.refs
    assert "other_lemma" in d.refs and "Foo" in d.refs


def test_dot_prefixed_names_are_marked() -> None:
    d = one("def t : Option Nat := .some (.zero)")
    assert ".some" in d.refs and ".zero" in d.refs


def test_structure_members_and_inductive_constructors() -> None:
    pf = parse("structure P where\n  x : Nat\n  y z : Nat\ninductive T where\n  | a : T\n  | b (n : Nat) : T\n")
    assert {"P.mk", "P.x", "P.y", "P.z", "T.a", "T.b"} <= set(pf.members)


def test_alias() -> None:
    pf = parse("alias foo := bar\nalias ⟨mp, mpr⟩ := baz_iff\n")
    ds = pf.declarations
    assert [(d.name, d.kind, d.refs) for d in ds] == [
        ("foo", "alias", ("bar",)), ("mp", "alias", ("baz_iff",)), ("mpr", "alias", ("baz_iff",))
    ]


def test_library_keywords_are_identifiers_inside_other_commands() -> None:
    """`alias`, `proof_wanted`, `irreducible_def` are Batteries/Mathlib commands, not Lean's:
    mid-line they are identifiers (a syntax variable, a local), never a new declaration."""
    src = (
        'elab (name := alias) mods:declModifiers "alias " alias:ident " := " t:ident : command => do\n'
        "  let decl := alias.getId\n"
        "  addDeclarationRangesFromSyntax decl (← getRef) alias\n"
        "\n"
        "theorem real : True := trivial\n"
        "@[simp] alias real' := real\n"
        "#guard_msgs in proof_wanted later : 1 = 2\n"
        "open Nat in\n"
        "irreducible_def c : Nat := 3\n"
    )
    pf = parse(src)
    assert [(d.name, d.kind) for d in pf.declarations] == [
        ("real", "theorem"), ("real'", "alias"), ("later", "proof_wanted"), ("c", "def")]
    assert [d.code for d in pf.diagnostics if d.severity.value != "info"] == []
    # a registered command follows the same rule
    pf = parse("def f (my_thm : Nat) : Nat := my_thm\nmy_thm t : 1 = 1 := sorry\n",
               extra_commands={"my_thm": "theorem"})
    assert [(d.name, d.kind) for d in pf.declarations] == [("f", "def"), ("t", "theorem")]


def test_export_records_an_alias() -> None:
    pf = parse("namespace N\nexport Foo (bar)\nend N\n")
    assert pf.aliases == [("N.bar", "Foo.bar", "N", ())]


def test_registered_declaring_command() -> None:
    pf = parse("my_theorem t : 1 = 1 := sorry\n", extra_commands={"my_theorem": "theorem"})
    assert [(d.name, d.kind, d.sorry_lines) for d in pf.declarations] == [("t", "theorem", (1,))]


def test_mismatched_and_unmatched_end_are_diagnostics() -> None:
    pf = parse("namespace A\nend B\nend\n")
    assert [(d.code, d.line) for d in pf.diagnostics] == [("mismatched-end", 2), ("unmatched-end", 3)]


def test_command_keyword_inside_a_doc_comment_is_text() -> None:
    src = "/-- theorem fake : False := sorry -/\ntheorem real : True := trivial\n"
    d = one(src)
    assert d.name == "real" and d.sorry_lines == ()


@settings(max_examples=300, deadline=None)
@given(lean_like_text())
def test_parser_never_crashes(src: str) -> None:
    pf = parse(src)
    for d in pf.declarations:
        assert 1 <= d.line <= d.end_line


def test_stop_binder_is_not_the_stop_tactic() -> None:
    d = one("theorem t {stop : Nat} (h : stop ≤ 3) : stop ≤ 3 := by\n  exact h")
    assert d.sorry_lines == ()


def test_glued_quote_notation_is_not_a_char_literal() -> None:
    pf = parse("theorem t : ∑' n : ℕ, f n = g ⁻¹' s := by\n  sorry\n")
    assert [d.sorry_lines for d in pf.declarations] == [(2,)]
    assert pf.diagnostics == []


def test_namespace_with_dots_is_closed_part_by_part() -> None:
    src = "namespace A.B\ntheorem x : True := trivial\nend B\ntheorem y : True := trivial\nend A\n"
    pf = parse(src)
    assert [d.name for d in pf.declarations] == ["A.B.x", "A.y"]
    assert pf.diagnostics == []


def test_colliding_anonymous_instance_names_are_numbered() -> None:
    ds = parse("instance : Inhabited Foo := ⟨a⟩\ninstance : Inhabited Foo := ⟨b⟩\n").declarations
    assert [d.name for d in ds] == ["instInhabitedFoo", "instInhabitedFoo_1"]


def test_keywords_inside_syntax_quotations_do_not_start_commands() -> None:
    src = "macro \"mk\" : command => `(\n    def generated : Nat := sorry)\ntheorem after : True := trivial\n"
    assert [d.name for d in parse(src).declarations] == ["after"]


def test_imports_are_recorded() -> None:
    assert parse("module\npublic import A.B\nimport all C\nimport D\n").imports == ["A.B", "C", "D"]


def test_an_unknown_command_at_the_margin_is_said_not_split() -> None:
    """A project's own `my_theorem` (not registered) stays part of the `def` above (splitting
    it off would also split a tactic written at the margin from its proof, hiding its sorry):
    the scan says so, with a warning when a sorry is involved, else a note once per word."""
    pf = parse("def sorry_free : Nat := 1\nmy_theorem custom_one : 1 = 1 := sorry\n"
               "register_option x : Bool := {}\nregister_option y : Bool := {}\n")
    assert [(d.name, d.sorry_lines) for d in pf.declarations] == [("sorry_free", (2,))]
    assert [(d.code, d.line, d.severity.value) for d in pf.diagnostics] == [
        ("unknown-command", 2, "warning"), ("unknown-command", 3, "info")]
    # a tactic at the margin keeps its sorry in its theorem
    pf = parse("theorem foo (x : Nat) (h : x = 1) : x = 1 := by\nreplace h : x = 1 := by sorry\nexact h\n")
    assert [(d.name, d.sorry_lines) for d in pf.declarations] == [("foo", (2,))]
    # a term continued at the margin is not a command
    pf = parse("theorem t : 1 + 1 = 2 :=\nNat.add_comm 1 1 ▸ rfl\n")
    assert [d.name for d in pf.declarations] == ["t"] and not pf.diagnostics
