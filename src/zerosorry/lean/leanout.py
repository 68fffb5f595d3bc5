"""Pure parsers for what Lean and Lake print: build logs and ``#print axioms`` answers.

No processes, no files: text in, values out, so that every format variant is testable
without a toolchain.  The formats, as Lean's own sources print them:

* Lean's command line (``lean File.lean``, ``lake env lean File.lean``) prints a warning or
  an error as ``File.lean:12:8: warning: declaration uses 'sorry'``; newer Lean may add an
  end position (``12:8-12:15``) and an error name (``error(lean.unknownIdentifier):``).  An
  information message (what ``#print axioms`` logs) is printed bare, without position.
* Lake logs the same messages as ``warning: ./././File.lean:12:8: declaration uses 'sorry'``
  (older Lake repeats ``./``; newer prints ``File.lean:12:8``), after a job line such as
  ``⚠ [3/7] Built Pkg.File (1.2s)`` or ``✖ [4/7] Building Pkg.Other``, and ends a failed
  build with ``Some required targets logged failures:`` and one ``- caption`` per failure.
* The sorry warning reads ``declaration uses 'sorry'`` in older Lean and
  ``declaration uses `sorry` `` in newer Lean.
* ``#print axioms X`` answers ``'X' depends on axioms: [a, b, c]`` (the list is wrapped,
  one name per line indented by one space, when it does not fit the line width) or
  ``'X' does not depend on any axioms``.  Names are printed with Lean's escaping
  (``Foo.«bar baz»``).

Lines are 1-based; columns are converted from Lean's 0-based columns to 1-based ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..ledger.model import STANDARD_AXIOMS
from .lexer import ID_FIRST, ID_REST

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")

_PATH = r"(?P<file>(?:[A-Za-z]:)?[^\s:][^:\n]*?\.lean)"
_POS = r":(?P<line>\d+)(?::(?P<col>\d+))?(?:-(?P<eline>\d+):(?P<ecol>\d+))?"
_SEV = r"(?P<sev>error|warning|info|information|trace)"

#: ``File.lean:12:8: warning: msg`` (Lean's own form; optional end position and error name)
_LEAN_FORM = re.compile(rf"^{_PATH}{_POS}: {_SEV}(?:\((?P<ename>[^)\s]*)\))?: ?(?P<msg>.*)$")
#: ``warning: File.lean:12:8: msg`` (Lake's log form)
_LAKE_FORM = re.compile(rf"^{_SEV}: {_PATH}{_POS}: ?(?P<msg>.*)$")
#: ``error: msg`` without a position (Lake's own messages, e.g. ``error: build failed``)
_BARE_FORM = re.compile(rf"^{_SEV}: (?P<msg>.*)$")
#: ``⚠ [3/7] Built Pkg.File (1.2s)``; the icon is absent in some Lake versions
_PROGRESS = re.compile(
    r"^(?P<icon>[✔⚠✖ℹ⣾⣷⣯⣟⡿⢿⣻⣽])?\s*\[(?P<n>\d+)/(?P<m>\d+)\]\s*(?P<opt>\(Optional\)\s*)?"
    r"(?P<verb>\S+)\s+(?P<caption>.*?)(?:\s+\((?P<time>[\d.]+m?s)\))?\s*$"
)
_FAILURES_HEADER = "Some required targets logged failures:"
_SUMMARY_LINES = re.compile(
    r"^(?:Build completed successfully.*|Nothing to build\.|All targets up-to-date.*|Build summary:"
    r"|\s+[✔⚠✖] \d+ jobs? .*|Compiling .*|Building .*|Running .*)$"
)

#: older Lean quotes 'sorry'; newer back-quotes the sorry term, which with `pp.sorrySource`
#: carries its origin: declaration uses `sorry `«.tmp».tmpcm:363:12`
SORRY_WARNING = re.compile(r"declaration uses (?:'sorry'|`sorry`|`sorry\s[^\n]*`)")

_LEVELS = {"information": "info", "trace": "info"}


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


@dataclass
class LeanMessage:
    """One message of Lean or Lake, possibly spanning several lines."""

    severity: str  # error | warning | info
    text: str
    file: str | None = None  # as printed (normalised by the caller)
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    end_line: int | None = None
    end_column: int | None = None
    error_name: str | None = None  # newer Lean: error(lean.unknownIdentifier)

    @property
    def is_sorry_warning(self) -> bool:
        return self.severity == "warning" and SORRY_WARNING.search(self.text) is not None

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0]


@dataclass(frozen=True)
class ProgressLine:
    icon: str | None
    done: int
    total: int
    verb: str  # Built, Building (failed), Replayed, Fetched, Ran, ...
    caption: str  # usually a module name
    time: str | None = None

    @property
    def failed(self) -> bool:
        return self.icon == "✖"


@dataclass
class BuildLog:
    messages: list[LeanMessage] = field(default_factory=list)
    progress: list[ProgressLine] = field(default_factory=list)
    #: captions listed after "Some required targets logged failures:"
    failed_targets: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[LeanMessage]:
        return [m for m in self.messages if m.severity == "error"]

    @property
    def sorry_warnings(self) -> list[LeanMessage]:
        return [m for m in self.messages if m.is_sorry_warning]


def parse_progress(line: str) -> ProgressLine | None:
    m = _PROGRESS.match(strip_ansi(line).strip())
    if m is None:
        return None
    return ProgressLine(m["icon"], int(m["n"]), int(m["m"]), m["verb"], m["caption"], m["time"])


def _int(s: str | None, plus: int = 0) -> int | None:
    return None if s is None else int(s) + plus


def parse_message_start(line: str) -> LeanMessage | None:
    """The message a line starts, or None when it continues the previous one."""
    m = _LEAN_FORM.match(line)
    if m is not None:
        sev = _LEVELS.get(m["sev"], m["sev"])
        return LeanMessage(sev, m["msg"], m["file"], _int(m["line"]), _int(m["col"], 1),
                           _int(m["eline"]), _int(m["ecol"], 1), m["ename"] or None)
    m = _LAKE_FORM.match(line)
    if m is not None:
        sev = _LEVELS.get(m["sev"], m["sev"])
        msg = m["msg"]
        ename = None
        # a Lake entry wrapping a Lean-form message repeats the severity: drop the repeat
        inner = re.match(rf"^{_SEV}(?:\((?P<ename>[^)\s]*)\))?: (?P<msg>.*)$", msg)
        if inner is not None:
            sev = _LEVELS.get(inner["sev"], inner["sev"])
            msg, ename = inner["msg"], inner["ename"]
        return LeanMessage(sev, msg, m["file"], _int(m["line"]), _int(m["col"], 1),
                           _int(m["eline"]), _int(m["ecol"], 1), ename or None)
    m = _BARE_FORM.match(line)
    if m is not None:
        return LeanMessage(_LEVELS.get(m["sev"], m["sev"]), m["msg"])
    return None


def parse_build_log(text: str) -> BuildLog:
    """Split ``lake build`` output into messages (with continuation lines), job lines and
    the failed targets Lake lists at the end."""
    log = BuildLog()
    current: LeanMessage | None = None
    in_failures = False
    for raw in strip_ansi(text).split("\n"):
        line = raw.rstrip()
        if not line.strip():
            if current is not None:
                current.text += "\n"
            continue
        if line.strip() == _FAILURES_HEADER:
            current, in_failures = None, True
            continue
        if in_failures and line.startswith("- "):
            log.failed_targets.append(line[2:].strip())
            continue
        in_failures = False
        prog = parse_progress(line)
        if prog is not None:
            log.progress.append(prog)
            current = None
            continue
        start = parse_message_start(line)
        if start is not None:
            log.messages.append(start)
            current = start
            continue
        if _SUMMARY_LINES.match(line):
            current = None
            continue
        if current is not None:
            current.text += "\n" + line
        # a stray line outside any message (tool chatter) is dropped
    for msg in log.messages:
        msg.text = msg.text.rstrip("\n")
    return log


# ------------------------------------------------------------------------------------ names
_KEYWORD_TEXT = """at by do then else fun have show from if let in match with where end namespace section
    theorem lemma def example instance structure class inductive axiom open import variable
    universe calc deriving mutual private protected noncomputable partial unsafe macro syntax
    set_option attribute local scoped Type Sort Prop forall exists nomatch nofun return for
    unless try catch finally mut break continue this abbrev opaque extends export omit include
    termination_by decreasing_by suffices obtain using renaming hiding"""
_KEYWORDS = frozenset(_KEYWORD_TEXT.split())


# Lean's own identifier classes (isIdFirst / isIdRest), as the lexer reads them: Python's
# isalpha() would admit letters Lean does not (中, ж), and a name printed unescaped fails to parse
_ID_FIRST_RE = re.compile(f"[{ID_FIRST}]")
_ID_REST_RE = re.compile(f"[{ID_REST}]")


def _latin_letter(c: str) -> bool:
    """Latin-1 and Latin Extended-A letters: identifier characters only in newer Lean, so a name
    holding one is written in guillemets, which every version reads."""
    return 0xC0 <= ord(c) <= 0x17F


def _id_first(c: str) -> bool:
    return _ID_FIRST_RE.fullmatch(c) is not None and not _latin_letter(c)


def _id_rest(c: str) -> bool:
    return _ID_REST_RE.fullmatch(c) is not None and not _latin_letter(c)


def split_name(name: str) -> tuple[str, ...]:
    """``Foo.«bar.baz».qux`` -> ``("Foo", "bar.baz", "qux")``: components, guillemets removed."""
    if "«" not in name:
        return tuple(name.split("."))
    parts: list[str] = []
    buf: list[str] = []
    i = 0
    while i < len(name):
        c = name[i]
        if c == "«":
            j = name.find("»", i + 1)
            if j < 0:  # unbalanced: take the rest literally
                buf.append(name[i + 1 :])
                break
            buf.append(name[i + 1 : j])
            i = j + 1
            continue
        if c == ".":
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(c)
        i += 1
    parts.append("".join(buf))
    return tuple(parts)


def canonical_name(name: str) -> str:
    """The name with Lean's escaping removed, for comparing names printed in different ways
    (components that themselves contain a dot keep their guillemets)."""
    name = name.strip()
    if "«" not in name:
        return name
    return ".".join(p if "." not in p else f"«{p}»" for p in split_name(name))


def escape_component(part: str) -> str:
    if part and _id_first(part[0]) and all(_id_rest(c) for c in part[1:]) and part not in _KEYWORDS:
        return part
    return f"«{part}»"


def escape_name(name: str) -> str:
    """The name as it must be written in a Lean command: every component that is not a plain
    identifier (or is a keyword) in guillemets."""
    return ".".join(escape_component(p) for p in split_name(name))


def is_queryable(name: str) -> bool:
    """Can ``#print axioms`` name it from another file?  Not a private or numbered name, and
    no component that guillemets cannot hold."""
    parts = split_name(name)
    if not name or parts[0] == "_private":
        return False
    return all(p and "»" not in p and "«" not in p and not p.isdigit() for p in parts)


# ------------------------------------------------------------------------- #print axioms
@dataclass(frozen=True)
class AxiomAnswer:
    name: str  # canonical (see canonical_name)
    axioms: tuple[str, ...]  # canonical, in Lean's order
    printed: str  # the name exactly as Lean printed it


_ANSWER = re.compile(
    rf"^(?:info: )?(?:{_PATH}{_POS}: (?:(?:info|information): )?)?"
    r"(?P<q>['`])(?P<name>.+?)(?P=q) (?P<kind>depends on axioms: \[|does not depend on any axioms)",
    re.MULTILINE,
)


def _split_list(body: str) -> list[str]:
    items: list[str] = []
    buf: list[str] = []
    inside = False
    for c in body:
        if c == "«":
            inside = True
        elif c == "»":
            inside = False
        if c == "," and not inside:
            items.append("".join(buf))
            buf = []
        else:
            buf.append(c)
    items.append("".join(buf))
    return [" ".join(x.split()) for x in items if x.strip()]


def _list_end(text: str, start: int) -> int:
    """Index of the ``]`` closing the list opened just before ``start`` (outside «»)."""
    inside = False
    for i in range(start, len(text)):
        c = text[i]
        if c == "«":
            inside = True
        elif c == "»":
            inside = False
        elif c == "]" and not inside:
            return i
    return -1


def parse_axiom_answers(text: str) -> list[AxiomAnswer]:
    """Every ``#print axioms`` answer in ``text`` (Lean's output), in order.  A list wrapped
    over several lines is joined; a list cut off (no closing bracket) is dropped."""
    text = strip_ansi(text)
    out: list[AxiomAnswer] = []
    for m in _ANSWER.finditer(text):
        printed = m["name"]
        if m["kind"].startswith("does not"):
            out.append(AxiomAnswer(canonical_name(printed), (), printed))
            continue
        end = _list_end(text, m.end())
        if end < 0:
            continue
        axioms = tuple(canonical_name(a) for a in _split_list(text[m.end() : end]))
        out.append(AxiomAnswer(canonical_name(printed), axioms, printed))
    return out


def parse_json_messages(text: str) -> list[LeanMessage]:
    """Messages from ``lean --json`` output (one JSON object a line); other lines are ignored."""
    out: list[LeanMessage] = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if not isinstance(obj, dict) or "data" not in obj or "severity" not in obj:
            continue
        pos = obj.get("pos") or {}
        end = obj.get("endPos") or {}
        sev = _LEVELS.get(str(obj["severity"]), str(obj["severity"]))
        col = pos.get("column")
        ecol = end.get("column")
        out.append(LeanMessage(sev, str(obj["data"]), obj.get("fileName"), pos.get("line"),
                               None if col is None else int(col) + 1, end.get("line"),
                               None if ecol is None else int(ecol) + 1))
    return out


# ------------------------------------------------------------------------- axiom classes
#: axioms that extend the trusted base to the compiler (native_decide and friends)
#: axioms that make the compiler or the interpreter trusted (Init/Core.lean)
TRUST_AXIOMS = frozenset({"Lean.ofReduceBool", "Lean.ofReduceNat", "Lean.trustCompiler"})
SORRY_AXIOM = "sorryAx"
_NATIVE = re.compile(r"\._native\.(?P<tactic>[^.]+)\.ax(?:_[\d_]+)?$")
_NATIVE_TRUST = {"native_decide": "native_decide", "decide": "decide +native",
                 "bv_decide": "bv_decide"}


@dataclass(frozen=True)
class AxiomClasses:
    sorry: bool
    project: tuple[str, ...]  # the project's own axioms (and any non-standard one)
    trusts: tuple[str, ...]


def classify_axioms(axioms: Iterable[str]) -> AxiomClasses:
    """Sort ``#print axioms`` names: ``sorryAx`` means deferred; ``Lean.ofReduceBool``,
    ``Lean.trustCompiler`` and newer Lean's per-use ``<decl>._native.<tactic>.ax_<n>`` are
    trust extensions (reported by tactic); ``propext``, ``Classical.choice`` and
    ``Quot.sound`` are the standard base and dropped; everything else is an axiom."""
    sorry = False
    project: set[str] = set()
    trusts: set[str] = set()
    for a in axioms:
        if a == SORRY_AXIOM:
            sorry = True
        elif a in STANDARD_AXIOMS:
            continue
        elif a in TRUST_AXIOMS:
            trusts.add(a)
        elif (m := _NATIVE.search(a)) is not None:
            trusts.add(_NATIVE_TRUST.get(m["tactic"], m["tactic"]))
        else:
            project.add(a)
    return AxiomClasses(sorry, tuple(sorted(project)), tuple(sorted(trusts)))
