"""The lexer, rewritten for speed (one ``finditer`` pass, alternatives reordered), gives the
token stream, the diagnostics and the line count of the lexer it replaced
(tests/reference_lexer.py), on the fixtures, on hand-picked edge cases and on generated text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerosorry.lean.lexer import lex

from .reference_lexer import reference_lex
from .strategies import LEAN_FRAGMENTS, lean_like_text

FIXTURES = Path(__file__).parent / "fixtures"
#: the characters around which the two lexers could part: whitespace of every kind, the
#: openers of multi-character tokens, quotes before and after glued symbols
EDGE_ALPHABET = [*LEAN_FRAGMENTS, "\t", "\r", "\f", "\v", "\u00a0", "r", "#", "##\"", "r##\"", "\"##",
                 "∑'", "⁻¹'", "''", "'''", "x'", "('", "--\n", "-/-", "/-/", "`(", "``(", "`[", "#[",
                 "%[", "#check", "#s₁", "0b", "0o7", "1.", "1e", "e+", "...", "|>.", "<;>", "\\\n",
                 "«a", "a»", "«»", "\"\\\"", "'\\x4", "'\\u00e9'", "\x00"]


def same(src: str) -> None:
    for keep in (False, True):
        new, old = lex(src, keep_comments=keep), reference_lex(src, keep_comments=keep)
        assert new.tokens == old.tokens
        assert [type(t) for t in new.tokens] == [type(t) for t in old.tokens]
        assert new.diagnostics == old.diagnostics
        assert new.lines == old.lines


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.lean")), ids=lambda p: p.name)
def test_fixture_files(path: Path) -> None:
    same(path.read_text(encoding="utf-8", errors="replace"))


@pytest.mark.parametrize("src", [
    "", " ", "\n", "x", "r\"a\" r#\"b\"# r##\"c\"#\"##", "r#\"never closed", "\"never closed\nx",
    "«never closed\nnext line", "a 'b' ('c') ∑' x ⁻¹' y", "'", "''", "'ab'", "x /- a /- b -/ c",
    "/-- doc", "/-! mod", "-- line only", "#check foo #[1] #s₁", "1.5e3 0xFF 0b1_0 7.", "\v\u00a0\x00",
    "`(tactic| x) ``foo `bar.baz", "a.«b c».d", "theorem t : True := by\n  sorry\n",
], ids=repr)
def test_edge_cases(src: str) -> None:
    same(src)


@settings(max_examples=400, deadline=None)
@given(lean_like_text())
def test_lean_like_text(src: str) -> None:
    same(src)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(EDGE_ALPHABET), st.characters()), max_size=80).map("".join))
def test_edge_alphabet(src: str) -> None:
    same(src)
