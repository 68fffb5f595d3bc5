"""Lean 4's lexical rules, in Python, with a line and column on every token.

The rules follow Lean's own tokenizer (``Lean.Parser.Basic``) and its character classes
(``isIdFirst``, ``isIdRest``, ``isLetterLike``, ``isSubScriptAlnum`` in ``Init/Meta``):

* whitespace and ``--`` line comments and nested ``/- … -/`` block comments separate tokens;
* ``/-- … -/`` (doc comment) and ``/-! … -/`` (module doc) are tokens, with the same nesting rule;
* string literals with escapes and ``\\``-newline gaps; raw strings ``r"…"``, ``r#"…"#`` with any
  number of ``#``; char literals ``'a'`` versus the ``'`` inside identifiers such as ``foo'``;
* identifiers made of dot-separated parts, each ``isIdFirst isIdRest*`` or ``«…»``;
* name literals ```foo`` and ````foo``; numbers (decimal, ``0x``, ``0b``, ``0o``, scientific).

The lexer never raises and runs in time linear in the input: every step consumes at least one
character and no step rescans.  Unterminated comments, strings and ``«`` become diagnostics
with their position; the token still extends to the end of the input so nothing after it is
misread as code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, NamedTuple

IDENT: Final = "ident"
NUMBER: Final = "number"
STRING: Final = "string"
CHAR: Final = "char"
NAME: Final = "name"  # name literal `foo / ``foo
SYMBOL: Final = "symbol"
DOC: Final = "doc"  # /-- … -/
MODDOC: Final = "moddoc"  # /-! … -/
COMMENT: Final = "comment"  # -- … and /- … -/ (only with keep_comments=True)


def _ranges(*pairs: tuple[int, int]) -> str:
    return "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in pairs)


# isLetterLike: Greek (but λ, Π, Σ), Coptic, polytonic Greek, the letter-like block, the
# mathematical alphanumeric block; newer Lean also admits Latin-1 and Latin Extended-A letters.
_LETTER_LIKE: Final = _ranges(
    (0x3B1, 0x3BA),
    (0x3BC, 0x3C9),  # lower Greek without λ (0x3BB)
    (0x391, 0x39F),
    (0x3A1, 0x3A2),
    (0x3A4, 0x3A9),  # upper Greek without Π (0x3A0) and Σ (0x3A3)
    (0x3CA, 0x3FB),  # Coptic
    (0x1F00, 0x1FFE),  # polytonic Greek
    (0x2100, 0x214F),  # letter-like symbols
    (0x1D49C, 0x1D59F),  # script, double-struck, fraktur
    (0xC0, 0xD6),
    (0xD8, 0xF6),
    (0xF8, 0xFF),  # Latin-1 letters without × and ÷
    (0x100, 0x17F),  # Latin Extended-A
)
# isSubScriptAlnum: numeric subscripts, subscript letters, and subscript j.
_SUBSCRIPT: Final = _ranges((0x2080, 0x2089), (0x2090, 0x209C), (0x1D62, 0x1D6A), (0x2C7C, 0x2C7C))

ID_FIRST: Final = f"A-Za-z_{_LETTER_LIKE}"
ID_REST: Final = f"A-Za-z0-9_'!?{_LETTER_LIKE}{_SUBSCRIPT}"
_PART: Final = f"(?:[{ID_FIRST}][{ID_REST}]*|«[^»]*»)"
IDENT_RE: Final = re.compile(f"{_PART}(?:\\.{_PART})*")

# Multi-character symbols the parser cares about, longest first.  Everything else is one char.
_SYMBOLS: Final = [
    "...", "<->", "|>.", "<;>", ":=", "::", "=>", "->", "<-", "..", "@[", "#[", "%[", "|>", "<|",
    "`(", "`[", "``(", "!=", "==", "&&", "||", "<=", ">=", "++", "^^", "''",
]  # fmt: skip
_SYMBOLS.sort(key=len, reverse=True)

#: (name, pattern) of each token the regular expression ends, tried in this order at the first
#: character after whitespace.  Only ``raw`` and ``ident`` can both match at one place (`r"`):
#: every other pair starts with different characters, so the most frequent come first
_ALTERNATIVES: Final = [
    ("raw", r'r#*"'),
    ("ident", f"{_PART}(?:\\.{_PART})*"),
    ("sym", "|".join(re.escape(s) for s in _SYMBOLS)),
    ("line", r"--[^\n]*"),
    ("block", r"/-"),
    ("str", r'"(?:[^"\\]|\\.)*"'),
    ("num", r"0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9]+)?"),
    # a char literal never follows a glued symbol: `∑'`, `⁻¹'` are notation tokens
    ("char", r"(?<![^\s(\[{⟨⦃,;:=|>])'(?:[^'\\\n]|\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[^\n]))'"),
    ("name", f"``?{_PART}(?:\\.{_PART})*"),
    # `#check` …, and `#s₁` (notation before a name): the whole Lean identifier
    ("hash", f"#[{ID_FIRST}][{ID_REST}]*"),
    # one character that starts nothing longer: `'` (maybe a malformed char literal), `"` and
    # `«` (unterminated: their token runs on), any other character a one-character symbol
    ("quote", "'"),
    ("open", '["«]'),
    ("one", r"[^ \t\r\n\f]"),
]
# group 1 is the whitespace before the token; each alternative ends with an empty group that
# names it (a branch that starts with a literal is skipped by its first character)
_MASTER: Final = re.compile(
    r"([ \t\r\n\f]*)(?:" + "|".join(f"(?:{rx})(?P<{name}>)" for name, rx in _ALTERNATIVES) + ")",
    re.DOTALL,
)
_G: Final = _MASTER.groupindex
#: group number -> the kind of the token it makes as it is (None: handled case by case)
_SIMPLE: Final[list[str | None]] = [None] * (_MASTER.groups + 1)
for _g, _k in (("str", STRING), ("char", CHAR), ("name", NAME), ("num", NUMBER), ("ident", IDENT),
               ("hash", SYMBOL), ("sym", SYMBOL), ("one", SYMBOL)):
    _SIMPLE[_G[_g]] = _k
_LINE: Final = _G["line"]
_BLOCK: Final = _G["block"]
_RAW: Final = _G["raw"]
_QUOTE: Final = _G["quote"]
_CHAR_OK_BEFORE: Final = frozenset(" \t\r\n\f([{⟨⦃,;:=|>")
_COMMENT_DELIM: Final = re.compile(r"/-|-/")


class Token(NamedTuple):
    kind: str
    text: str
    start: int  # offset in code points
    end: int
    line: int  # 1-based
    col: int  # 1-based, code points

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.text!r}, {self.line}:{self.col})"


@dataclass(frozen=True, slots=True)
class LexDiagnostic:
    code: str
    message: str
    line: int
    col: int


@dataclass
class LexResult:
    tokens: list[Token]
    diagnostics: list[LexDiagnostic] = field(default_factory=list)
    lines: int = 0


def _close_comment(text: str, pos: int) -> int:
    """Offset just past the ``-/`` closing a comment whose body starts at ``pos`` (nesting), or -1."""
    depth = 1
    search = _COMMENT_DELIM.search
    while True:
        m = search(text, pos)
        if m is None:
            return -1
        pos = m.end()
        if m.group() == "/-":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return pos


def lex(text: str, *, keep_comments: bool = False) -> LexResult:
    """Tokenize Lean 4 source.  Never raises; linear time.

    One ``finditer`` pass over the text, restarted only after a token the regular expression
    cannot end (a block comment, a raw string, an unterminated literal).  Lines are tracked with
    one pointer to the next newline, advanced as tokens pass it, so every token gets its line
    and column in amortised constant time."""
    tokens: list[Token] = []
    diags: list[LexDiagnostic] = []
    append = tokens.append
    new = tuple.__new__
    simple = _SIMPLE
    find = text.find
    n = len(text)
    pos = 0
    line = 1
    line_start = 0  # offset where the current line starts
    nl = find("\n")  # the next newline at or after line_start
    if nl < 0:
        nl = n
    while pos < n:
        restart = -1
        for m in _MASTER.finditer(text, pos):
            g: int = m.lastindex  # type: ignore[assignment]
            start = m.end(1)
            end = m.end()
            if nl < start:
                while nl < start:
                    line += 1
                    line_start = nl + 1
                    nl = find("\n", line_start)
                    if nl < 0:
                        nl = n
            kind = simple[g]
            if kind is not None:
                append(new(Token, (kind, text[start:end], start, end, line, start - line_start + 1)))
                continue
            col = start - line_start + 1
            if g == _LINE:
                if keep_comments:
                    append(Token(COMMENT, text[start:end], start, end, line, col))
                continue
            if g == _QUOTE:
                if start + 1 < n and text[start + 1] != "'" and (start == 0 or text[start - 1] in _CHAR_OK_BEFORE):
                    diags.append(LexDiagnostic("bad-char-literal", "malformed character literal", line, col))
                append(Token(SYMBOL, "'", start, end, line, col))
                continue
            if g == _BLOCK:
                nxt = text[end] if end < n else ""
                close = _close_comment(text, end)
                tkind = DOC if nxt == "-" else MODDOC if nxt == "!" else COMMENT
                if close < 0:
                    what = {DOC: "doc comment", MODDOC: "module doc", COMMENT: "comment"}[tkind]
                    diags.append(
                        LexDiagnostic("unterminated-comment", f"unterminated {what}: missing '-/'", line, col)
                    )
                    close = n
                if tkind != COMMENT or keep_comments:
                    append(Token(tkind, text[start:close], start, close, line, col))
                restart = close
            elif g == _RAW:
                hashes = end - start - 2
                closing = '"' + "#" * hashes
                stop = find(closing, end)
                if stop < 0:
                    diags.append(LexDiagnostic("unterminated-string", "unterminated raw string literal", line, col))
                    stop = n
                else:
                    stop += len(closing)
                append(Token(STRING, text[start:stop], start, stop, line, col))
                restart = stop
            elif text[start] == '"':  # a string that is never closed: the rest of the text
                diags.append(LexDiagnostic("unterminated-string", "unterminated string literal", line, col))
                append(Token(STRING, text[start:], start, n, line, col))
                restart = n
            else:  # `«` never closed: to the end of the line
                diags.append(LexDiagnostic("unterminated-identifier", "missing '»' to end the identifier", line, col))
                append(Token(IDENT, text[start:nl], start, nl, line, col))
                restart = nl
            break
        if restart < 0:
            break  # the pass reached the end (only whitespace may follow)
        pos = restart
    lines = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    return LexResult(tokens, diags, lines)


#: brackets, opening -> closing (`@[`, `` `( `` and the like open too)
OPEN_BRACKETS: Final = {"(": ")", "[": "]", "{": "}", "⟨": "⟩", "⦃": "⦄", "@[": "]", "#[": "]", "%[": "]",
                 "`(": ")", "``(": ")", "`[": "]", "‹": "›", "⟦": "⟧"}  # fmt: skip
CLOSE_BRACKETS: Final = frozenset(OPEN_BRACKETS.values())


def matching_close(toks: Sequence[Token], i: int, end: int) -> int:
    """The index of the bracket closing the one at ``toks[i]`` (counting every bracket kind),
    or ``end`` when it is not closed before ``end``."""
    depth = 0
    for j in range(i, end):
        t = toks[j]
        if t.kind == SYMBOL and t.text in OPEN_BRACKETS:
            depth += 1
        elif t.kind == SYMBOL and t.text in CLOSE_BRACKETS:
            depth -= 1
            if depth == 0:
                return j
    return end


def doc_text(token_text: str) -> str:
    """The text of a ``/-- … -/`` or ``/-! … -/`` token without its delimiters, dedented."""
    body = token_text[3:]
    if body.endswith("-/"):
        body = body[:-2]
    lines = body.strip("\n").splitlines()
    indents = [len(ln) - len(ln.lstrip()) for ln in lines[1:] if ln.strip()]
    cut = min(indents) if indents else 0
    if lines:
        lines = [lines[0].strip()] + [ln[cut:].rstrip() for ln in lines[1:]]
    return "\n".join(lines).strip()
