"""The lexer: one test per lexical rule, and properties on arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from zerosorry.lean.lexer import (
    CHAR,
    COMMENT,
    DOC,
    IDENT,
    MODDOC,
    NAME,
    NUMBER,
    STRING,
    SYMBOL,
    doc_text,
    lex,
)

from .strategies import lean_like_text


def kinds(src: str, **kw: bool) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in lex(src, **kw).tokens]


def test_positions_are_one_based_lines_and_columns() -> None:
    toks = lex("theorem foo\n  : True").tokens
    assert [(t.text, t.line, t.col) for t in toks] == [
        ("theorem", 1, 1), ("foo", 1, 9), (":", 2, 3), ("True", 2, 5)
    ]


def test_columns_count_code_points_not_bytes() -> None:
    toks = lex("ℝ → ℕ").tokens
    assert [(t.text, t.col) for t in toks] == [("ℝ", 1), ("→", 3), ("ℕ", 5)]


def test_line_comment_is_whitespace() -> None:
    assert kinds("a -- sorry here\nb") == [(IDENT, "a"), (IDENT, "b")]


def test_nested_block_comment() -> None:
    assert kinds("a /- x /- sorry -/ still comment -/ b") == [(IDENT, "a"), (IDENT, "b")]


def test_doc_and_module_doc_are_tokens_and_nest() -> None:
    src = "/-! module /- inner -/ doc -/\n/-- doc /- inner -/ text -/\ndef x := 1"
    toks = lex(src).tokens
    assert toks[0].kind == MODDOC and toks[0].text.endswith("doc -/")
    assert toks[1].kind == DOC and toks[1].text == "/-- doc /- inner -/ text -/"
    assert doc_text(toks[1].text) == "doc /- inner -/ text"


def test_keep_comments_returns_them() -> None:
    assert kinds("a -- c\n/- d -/", keep_comments=True) == [
        (IDENT, "a"), (COMMENT, "-- c"), (COMMENT, "/- d -/")
    ]


def test_string_with_escapes_and_gap() -> None:
    src = '"a \\" sorry \\\n   continued \\x41 \\u03B1" x'
    assert kinds(src) == [(STRING, src[:-2]), (IDENT, "x")]


@pytest.mark.parametrize(
    "src", ['r"plain sorry"', 'r#"has "quote" inside"#', 'r##"a "# b"##']
)
def test_raw_strings(src: str) -> None:
    assert kinds(src + " y") == [(STRING, src), (IDENT, "y")]


def test_char_literal_versus_prime_in_identifier() -> None:
    assert kinds("foo' 'a' x'' '\\n' '\\x41'") == [
        (IDENT, "foo'"), (CHAR, "'a'"), (IDENT, "x''"), (CHAR, "'\\n'"), (CHAR, "'\\x41'")
    ]


def test_image_notation_two_quotes() -> None:
    assert kinds("f '' s") == [(IDENT, "f"), (SYMBOL, "''"), (IDENT, "s")]


def test_guillemet_identifiers() -> None:
    assert kinds("«my theorem».x «a.b»") == [(IDENT, "«my theorem».x"), (IDENT, "«a.b»")]


def test_name_literals() -> None:
    assert kinds("`foo.bar ``Nat.succ `(term)") == [
        (NAME, "`foo.bar"), (NAME, "``Nat.succ"), (SYMBOL, "`("), (IDENT, "term"), (SYMBOL, ")")
    ]


@pytest.mark.parametrize("num", ["0", "42", "0x1F", "0b1010", "0o17", "1.5", "2e10", "1.5e-3", "1_000"])
def test_numbers(num: str) -> None:
    assert kinds(num) == [(NUMBER, num)]


def test_projection_is_not_a_number_or_identifier_part() -> None:
    assert kinds("h.1") == [(IDENT, "h"), (SYMBOL, "."), (NUMBER, "1")]


@pytest.mark.parametrize(
    "ident",
    ["x", "_x", "α", "hα₁", "x!", "x?", "Nat.succ_le", "ℝ", "𝔼", "xᵢ", "aⱼ", "café", "ε'", "Ω"],
)
def test_identifier_characters(ident: str) -> None:
    assert kinds(ident) == [(IDENT, ident)]


@pytest.mark.parametrize("notid", ["λ", "Π", "Σ"])
def test_lambda_pi_sigma_are_not_letters(notid: str) -> None:
    assert kinds(notid) == [(SYMBOL, notid)]


def test_sorry_only_as_a_whole_token() -> None:
    toks = lex('sorry_free -- sorry\n"sorry" /- sorry -/ Foo.sorry sorry').tokens
    assert [t.text for t in toks if t.text == "sorry"] == ["sorry"]
    assert toks[-1].line == 2


def test_multichar_symbols() -> None:
    assert [t.text for t in lex("a := b => c <;> d @[simp] ⟨x, y⟩ |>.f").tokens] == [
        "a", ":=", "b", "=>", "c", "<;>", "d", "@[", "simp", "]", "⟨", "x", ",", "y", "⟩", "|>.", "f"
    ]


@pytest.mark.parametrize(
    ("src", "code", "line", "col"),
    [
        ("x\n  /- never closed", "unterminated-comment", 2, 3),
        ("/-- doc never closed", "unterminated-comment", 1, 1),
        ('a "open string', "unterminated-string", 1, 3),
        ('r#"raw', "unterminated-string", 1, 1),
        ("«open", "unterminated-identifier", 1, 1),
        ("'ab", "bad-char-literal", 1, 1),
    ],
)
def test_unterminated_input_is_a_positioned_diagnostic(src: str, code: str, line: int, col: int) -> None:
    res = lex(src)
    assert [(d.code, d.line, d.col) for d in res.diagnostics] == [(code, line, col)]


def test_unterminated_comment_swallows_the_rest() -> None:
    assert [t.text for t in lex("a /- b\nsorry").tokens] == ["a"]


def test_line_count() -> None:
    assert lex("a\nb\n").lines == 2
    assert lex("a\nb").lines == 2
    assert lex("").lines == 0


@settings(max_examples=400, deadline=None)
@given(lean_like_text())
def test_never_crashes_and_positions_are_consistent(src: str) -> None:
    res = lex(src, keep_comments=True)
    prev_end = 0
    for t in res.tokens:
        assert 0 <= prev_end <= t.start < t.end <= len(src)
        assert src[t.start : t.end] == t.text
        line = src.count("\n", 0, t.start) + 1
        col = t.start - (src.rfind("\n", 0, t.start) + 1) + 1
        assert (t.line, t.col) == (line, col)
        prev_end = t.end
    for d in res.diagnostics:
        assert 1 <= d.line <= src.count("\n") + 1


@settings(max_examples=200, deadline=None)
@given(lean_like_text())
def test_gaps_between_tokens_are_only_whitespace_when_comments_are_kept(src: str) -> None:
    res = lex(src, keep_comments=True)
    pos = 0
    for t in res.tokens:
        assert src[pos : t.start].strip(" \t\r\n\f") == ""
        pos = t.end
    assert src[pos:].strip(" \t\r\n\f") == ""


def test_linear_time_on_pathological_input() -> None:
    # nested comment openers and unterminated strings must not go quadratic; this would take
    # minutes if each opener rescanned the rest of the input
    src = "/-" * 20000 + '"' + "a" * 20000
    res = lex(src)
    assert res.diagnostics[0].code == "unterminated-comment"
    res2 = lex('"\\' * 20000)
    assert res2.diagnostics[0].code == "unterminated-string"
