"""The small part of TeX a blueprint reader needs: comments and verbatim removed exactly as TeX
would (keeping every offset, so a position in the cleaned text is a position in the file),
balanced-group arguments, and offsets turned into line and column.

Nothing here expands macros: a blueprint's marks (``\\leanok``, ``\\lean{…}``, ``\\uses{…}``) are
read where they are written, the way leanblueprint's plasTeX package reads them.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

#: environments whose body TeX does not read as commands (``comment`` hides its body entirely)
VERBATIM_ENVS = ("verbatim", "verbatim*", "Verbatim", "Verbatim*", "lstlisting", "minted", "comment",
                 "filecontents", "filecontents*")

_SCAN = re.compile(
    r"\\begin\s*\{(?P<venv>" + "|".join(re.escape(e) for e in VERBATIM_ENVS) + r")\}"
    r"|\\verb\*?(?P<vdelim>[^A-Za-z\s*])"
    r"|\\(?P<iffalse>iffalse)(?![A-Za-z@])"
    r"|\\(?P<endinput>endinput)(?![A-Za-z@])"
    r"|\\[^A-Za-z@]"  # a control symbol: `\%` is no comment, and `\\%` is a line break then one
    r"|%[^\n]*",
    re.S,
)


_CONDITIONAL = re.compile(r"\\(if[A-Za-z@]*|fi)(?![A-Za-z@])")


def _blank(s: str) -> str:
    """The same length, newlines kept, everything else a space."""
    return re.sub(r"[^\n]", " ", s)


@dataclass(frozen=True)
class Cleaned:
    text: str  # comments and verbatim blanked; same length and lines as the original
    unterminated: tuple[tuple[str, int], ...] = ()  # verbatim environments never closed: (name, offset)


def strip_comments(src: str) -> Cleaned:
    """Blank comments (``%`` to the end of the line, but not ``\\%``), verbatim material,
    ``\\iffalse`` … ``\\fi`` blocks and whatever follows ``\\endinput``'s line."""
    out: list[str] = []
    pos = 0
    open_envs: list[tuple[str, int]] = []
    at = 0
    while True:
        m = _SCAN.search(src, max(at, pos))
        if m is None:
            break
        at = m.end()
        tok = m.group(0)
        if tok.startswith("%"):
            out.append(src[pos:m.start()])
            out.append(_blank(tok))
            pos = m.end()
        elif m.group("venv"):
            env = m.group("venv")
            end = src.find("\\end{" + env + "}", m.end())
            body_end = end if end >= 0 else len(src)
            if end < 0:
                open_envs.append((env, m.start()))
            out.append(src[pos:m.end()] if env != "comment" else src[pos:m.start()] + _blank(tok))
            out.append(_blank(src[m.end():body_end]))
            pos = body_end
            if end >= 0 and env == "comment":
                closing = "\\end{" + env + "}"
                out.append(_blank(closing))
                pos = end + len(closing)
        elif m.group("iffalse"):  # skipped up to its own \\fi, nested conditionals counted
            depth, stop = 1, len(src)
            for c in _CONDITIONAL.finditer(src, m.end()):
                depth += -1 if c.group(1) == "fi" else 1
                if depth == 0:
                    stop = c.end()
                    break
            out.append(src[pos:m.start()])
            out.append(_blank(src[m.start():stop]))
            pos = stop
        elif m.group("endinput"):  # TeX reads the rest of this line, then stops reading the file
            eol = src.find("\n", m.end())
            stop = len(src) if eol < 0 else eol
            out.append(src[pos:stop])
            out.append(_blank(src[stop:]))
            pos = len(src)
            break
        elif m.group("vdelim"):
            delim = m.group("vdelim")
            end = src.find(delim, m.end())
            line_end = src.find("\n", m.end())
            if end < 0 or (0 <= line_end < end):
                continue  # TeX would complain; leave it to be read as text
            out.append(src[pos:m.end()])
            out.append(_blank(src[m.end():end]))
            pos = end
        # a control sequence: kept as it is
    out.append(src[pos:])
    text = "".join(out)
    assert len(text) == len(src)
    return Cleaned(text, tuple(open_envs))


class Lines:
    """Offsets to 1-based (line, column)."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1


_SPACE = re.compile(r"\s*")
_BRACES = re.compile(r"\\[^A-Za-z@]|[{}]")
_BRACKETS = re.compile(r"\\[^A-Za-z@]|[{}\]]")


def skip_space(text: str, pos: int) -> int:
    m = _SPACE.match(text, pos)
    return m.end() if m else pos


def group(text: str, pos: int, open_: str = "{", close: str = "}") -> tuple[str, int] | None:
    """The balanced group starting at ``pos`` (after spaces): (its contents, the offset after it),
    or None when there is none.  Raises :class:`Unbalanced` when it never closes."""
    pos = skip_space(text, pos)
    if pos >= len(text) or text[pos] != open_:
        return None
    depth = 0
    for m in (_BRACES if open_ == "{" else _BRACKETS).finditer(text, pos + 1):
        c = m.group(0)
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:  # closes the group (a `{` group) or strays out of a `[` one
                if open_ == "{":
                    return text[pos + 1:m.start()], m.end()
                break
            depth -= 1
        elif c == close and depth == 0:
            return text[pos + 1:m.start()], m.end()
    raise Unbalanced(pos)


class Unbalanced(ValueError):
    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


def unbalanced_braces(text: str) -> list[tuple[str, int]]:
    """Every ``}`` with no ``{`` before it, and every ``{`` never closed: (kind, offset)."""
    stack: list[int] = []
    out: list[tuple[str, int]] = []
    for m in _BRACES.finditer(text):
        c = m.group(0)
        if c == "{":
            stack.append(m.start())
        elif c == "}":
            if stack:
                stack.pop()
            else:
                out.append(("}", m.start()))
    out += [("{", p) for p in stack]
    return sorted(out, key=lambda t: t[1])


def split_list(arg: str) -> list[str]:
    """A comma-separated argument (``\\lean{a, b}``) as its non-empty, stripped items."""
    return [s.strip() for s in arg.split(",") if s.strip()]


_INPUT = re.compile(r"\\(input|include|subfile|import|subimport|inputfrom|subinputfrom|includefrom|subincludefrom)"
                    r"(?![A-Za-z@])\*?")
_BARE = re.compile(r"\s*([^\s\\{}%]+)")
#: the ``import`` package's commands: a folder, then a file in it
_TWO_ARGUMENTS = frozenset({"import", "subimport", "inputfrom", "subinputfrom", "includefrom", "subincludefrom"})


def input_commands(masked: str) -> Iterator[tuple[str, str, int]]:
    """(command, file name as written, offset) of every ``\\input``, ``\\include``,
    ``\\subfile`` and ``import``-package command (``\\import{dir/}{file}``, ``\\subimport``,
    ``\\inputfrom``…: the name is the folder joined to the file) of ``masked`` (text with
    comments blanked: :func:`strip_comments`), with a braced or a bare argument (``\\input
    chapter``).  One that cannot be followed is left out: no argument, an unbalanced brace
    (reported elsewhere), or a computed name (``\\input{#1}`` in a macro definition,
    ``\\input{\\dir/x}``).  The one reader of inputs, for the paper gate and the blueprint
    reader; each resolves the names by its own rules (a folder of ``\\subimport`` is relative to
    the file that holds it, one of ``\\import`` to the main file: both resolve against both)."""
    for m in _INPUT.finditer(masked):
        try:
            g = group(masked, m.end())
            second = group(masked, g[1]) if g is not None and m.group(1) in _TWO_ARGUMENTS else None
        except Unbalanced:
            continue
        if m.group(1) in _TWO_ARGUMENTS:
            if g is None or second is None:
                continue
            folder = g[0].strip()
            target = (folder.rstrip("/") + "/" if folder else "") + second[0].strip()
        elif g is None:
            bare = _BARE.match(masked, m.end())
            target = bare.group(1) if bare else ""
        else:
            target = g[0].strip()
        if target and "\\" not in target and "#" not in target:
            yield m.group(1), target, m.start()

