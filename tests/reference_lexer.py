"""The lexer as it was before it was rewritten for speed (one ``match`` per token from a
moving position): kept only as the oracle the rewritten :func:`zerosorry.lean.lexer.lex` is
checked against, token for token."""

from __future__ import annotations

import re

from zerosorry.lean.lexer import (
    _CHAR_OK_BEFORE,
    _PART,
    _SYMBOLS,
    CHAR,
    COMMENT,
    DOC,
    ID_FIRST,
    ID_REST,
    IDENT,
    MODDOC,
    NAME,
    NUMBER,
    STRING,
    SYMBOL,
    LexDiagnostic,
    LexResult,
    Token,
    _close_comment,
)

_WS = re.compile(r"[ \t\r\n\f]*")
_MASTER = re.compile(
    r"[ \t\r\n\f]*(?:"
    + "|".join(
        [
            r"(?P<line>--[^\n]*)",
            r"(?P<block>/-)",
            r'(?P<str>"(?:[^"\\]|\\.)*")',
            r'(?P<raw>r#*")',
            # a char literal never follows a glued symbol: `∑'`, `⁻¹'` are notation tokens
            r"(?P<char>(?<![^\s(\[{⟨⦃,;:=|>])'(?:[^'\\\n]|\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[^\n]))')",
            f"(?P<name>``?{_PART}(?:\\.{_PART})*)",
            r"(?P<num>0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+"
            r"|[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9]+)?)",
            f"(?P<ident>{_PART}(?:\\.{_PART})*)",
            # `#check` …, and `#s₁` (notation before a name): the whole Lean identifier
            f"(?P<hash>#[{ID_FIRST}][{ID_REST}]*)",
            "(?P<sym>" + "|".join(re.escape(s) for s in _SYMBOLS) + ")",
        ]
    )
    + ")",
    re.DOTALL,
)


def reference_lex(text: str, *, keep_comments: bool = False) -> LexResult:
    """Tokenize Lean 4 source.  Never raises; linear time.

    Lines are tracked with one pointer to the next newline, advanced as tokens pass it, so
    every token gets its line and column in amortised constant time."""
    tokens: list[Token] = []
    diags: list[LexDiagnostic] = []
    append = tokens.append
    match = _MASTER.match
    find = text.find
    n = len(text)
    pos = 0
    line = 1
    line_start = 0  # offset where the current line starts
    nl = find("\n")  # the next newline at or after line_start
    if nl < 0:
        nl = n

    while pos < n:
        m = match(text, pos)
        if m is None:
            ws = _WS.match(text, pos)  # `*` always matches
            start = ws.end() if ws else pos
            if start >= n:
                break
            kind = None
            end = start + 1
        else:
            kind = m.lastgroup
            start = m.start(kind)  # type: ignore[arg-type]
            end = m.end()
        while nl < start:
            line += 1
            line_start = nl + 1
            nl = find("\n", line_start)
            if nl < 0:
                nl = n
        col = start - line_start + 1
        if kind is None:
            # one character that starts nothing longer: a symbol (or an error we keep as text)
            c = text[start]
            if c == '"':
                diags.append(LexDiagnostic("unterminated-string", "unterminated string literal", line, col))
                append(Token(STRING, text[start:], start, n, line, col))
                pos = n
                continue
            if c == "«":
                diags.append(
                    LexDiagnostic("unterminated-identifier", "missing '»' to end the identifier", line, col)
                )
                stop = nl  # to the end of the line
                append(Token(IDENT, text[start:stop], start, stop, line, col))
                pos = stop
                continue
            if c == "'" and start + 1 < n and text[start + 1] != "'" and (
                start == 0 or text[start - 1] in _CHAR_OK_BEFORE
            ):
                diags.append(LexDiagnostic("bad-char-literal", "malformed character literal", line, col))
            append(Token(SYMBOL, c, start, end, line, col))
            pos = end
            continue
        if kind == "ident":
            append(Token(IDENT, text[start:end], start, end, line, col))
        elif kind == "sym" or kind == "hash":
            append(Token(SYMBOL, text[start:end], start, end, line, col))
        elif kind == "num":
            append(Token(NUMBER, text[start:end], start, end, line, col))
        elif kind == "line":
            if keep_comments:
                append(Token(COMMENT, text[start:end], start, end, line, col))
        elif kind == "block":
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
            end = close
        elif kind == "raw":
            hashes = end - start - 2
            closing = '"' + "#" * hashes
            stop = find(closing, end)
            if stop < 0:
                diags.append(LexDiagnostic("unterminated-string", "unterminated raw string literal", line, col))
                stop = n
            else:
                stop += len(closing)
            append(Token(STRING, text[start:stop], start, stop, line, col))
            end = stop
        elif kind == "str":
            append(Token(STRING, text[start:end], start, end, line, col))
        elif kind == "char":
            append(Token(CHAR, text[start:end], start, end, line, col))
        else:  # name literal
            append(Token(NAME, text[start:end], start, end, line, col))
        pos = end
    lines = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    return LexResult(tokens, diags, lines)
