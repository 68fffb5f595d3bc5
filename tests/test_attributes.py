"""Attribute arguments read by their grammar (issue 11, cause 3)."""

from __future__ import annotations

from zerosorry.lean.attributes import generated_names, split_top
from zerosorry.lean.lexer import lex
from zerosorry.lean.parser import parse

from .test_names import LAKE, statuses


def _made(full: str, attr: str) -> list[str]:
    toks = lex(attr).tokens
    (inst,) = split_top(toks)
    return sorted(generated_names(full, inst))


def test_a_doc_comment_with_commas_is_one_attribute_and_names_nothing() -> None:
    src = ("@[to_additive /-- The sum, as a finset, x stays the same. -/]\n"
           "theorem mul_foo : 1 = 1 := rfl\n")
    (d,) = parse(src).declarations
    assert len(d.attributes) == 1
    assert parse(src).members == {"add_foo": "mul_foo"}


def test_to_additive_grammar() -> None:
    assert _made("Foo.mul_bar", "to_additive") == ["Foo.add_bar"]
    assert _made("mul_bar", "to_additive (reorder := 1 2) (dont_translate := β x) add_bar' \"doc, x\"") == [
        "add_bar'"]
    assert _made("mul_bar", "to_additive existing") == []
    assert _made("mul_bar", "to_additive existing add_bar") == []
    assert _made("mul_bar", "to_additive self") == []
    assert _made("mul_bar", 'to_additive "the sum, stays"') == ["add_bar"]
    assert _made("mul_bar", "to_additive (attr := simp, reassoc) /-- doc, words -/") == ["add_bar", "add_bar_assoc"]
    assert _made("mul_bar", "to_additive? (attr := simps) my_add") == sorted(
        ["my_add"] + [f"my_add_{p}" for p in ("apply", "symm_apply", "coe", "toFun", "invFun", "fst", "snd", "val",
                                              "hom", "inv", "hom_app", "inv_app", "obj", "map")])


def test_other_generating_attributes() -> None:
    assert _made("e", "simps (config := .asFn) apply symm_apply") == ["e_apply", "e_symm_apply"]
    assert _made("e", "simps -isSimp apply") == ["e_apply"]
    assert _made("P", "mk_iff my_iff") == ["my_iff"]
    assert _made("A.P", "mk_iff") == ["A.P_iff"]
    assert _made("w", "reassoc (attr := simp)") == ["w_assoc"]
    assert _made("w", "elementwise (attr := to_additive)") == ["w_apply"]
    assert _made("S", "ext (iff := false)") == ["S.ext", "S.ext_iff"]
    assert _made("S.ext", "ext") == ["S.ext_iff"]


def test_a_comma_word_in_a_to_additive_doc_makes_no_false_dependency() -> None:
    """The real-project bug: `, x` in the doc comment named a twin `x`, so every declaration
    mentioning a variable `x` depended on the sorried lemma."""
    for doc in ("/-- The sum, x is fixed, bar holds. -/", '"The sum of x, bar"'):
        src = (f"@[to_additive {doc}]\n"
               "theorem mul_foo : 1 = 1 := sorry\n"
               "theorem uses_x (x : Nat) : x = x := rfl\n"
               "theorem uses_words : 1 = 1 := by\n  have := The\n  have := sum\n  have := bar\n  rfl\n"
               "theorem uses_twin : 0 = 0 := add_foo\n")
        got = statuses({"lakefile.toml": LAKE, "D/A.lean": src})
        assert (got["uses_x"], got["uses_words"], got["uses_twin"]) == ("proven", "proven", "deferred"), doc


def test_the_attribute_command_generates_names_too() -> None:
    src = ("theorem mul_foo : 1 = 1 := sorry\nattribute [to_additive] mul_foo\n"
           "theorem bad_e : 1 = 1 := sorry\nattribute [local simp, reassoc] bad_e\n"
           "theorem u : 0 = 0 := add_foo\ntheorem v : 0 = 0 := bad_e_assoc\n")
    got = statuses({"lakefile.toml": LAKE, "D/A.lean": src})
    assert (got["u"], got["v"]) == ("deferred", "deferred")
