"""Read a leanblueprint (``blueprint/src/*.tex``) into nodes: every theorem-like environment with
its label, title, statement, Lean names and the marks people put on it by hand.

The files are followed the way TeX follows them (``\\input``, ``\\include``, ``\\subfile``) from
the entry files (``web.tex``, ``print.tex`` and ``content.tex``; else every ``.tex`` file); each
file is read once.  What the reader cannot make sense of (a missing file, an unbalanced brace, a
misspelt blueprint command) is a positioned :class:`~zerosorry.ledger.model.Diagnostic`, and the
rest of the blueprint is still read.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..ledger.model import Diagnostic, Severity
from . import tex

#: the environments leanblueprint's dependency graph draws by default; more come from \newtheorem
STANDARD_ENVS = ("definition", "lemma", "proposition", "theorem", "corollary")
ENTRY_FILES = ("web.tex", "print.tex", "content.tex")
SECTIONING = ("part", "chapter", "section", "subsection")
#: the blueprint's own commands; an undefined command close to one of these is almost surely a typo
#: that silently drops a mark, so it is reported
BLUEPRINT_COMMANDS = ("lean", "leanok", "mathlibok", "notready", "uses", "proves", "discussion", "label")

_META = re.compile(r"\\(lean|leanok|mathlibok|notready|uses|proves|discussion|label)(?![A-Za-z@])")


@dataclass(frozen=True)
class Macro:
    """A macro the preamble defines, as KaTeX takes it (``\\name`` -> body with #1..#n)."""

    name: str  # with its backslash
    body: str
    nargs: int
    file: str
    line: int
    problem: str | None = None  # why KaTeX cannot take it (e.g. an optional argument)


@dataclass
class Node:
    env: str
    file: str  # relative to the project root
    line: int
    label: str | None = None  # the last \label, as leanblueprint names the node
    aliases: tuple[str, ...] = ()  # every \label of the node (a \uses may name any of them)
    title: str | None = None
    statement: str = ""
    lean: tuple[str, ...] = ()
    leanok: bool = False  # the statement is formalised
    mathlibok: bool = False
    notready: bool = False
    uses: tuple[str, ...] = ()
    proves: str | None = None  # a \proves in the proof names its statement
    discussion: str | None = None
    has_proof: bool = False
    proof_leanok: bool = False
    proof_uses: tuple[str, ...] = ()
    #: where each \uses item is written: label -> (file, line, column)
    uses_at: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    proof_file: str | None = None
    proof_line: int | None = None
    chapter: str | None = None
    section: str | None = None

    @property
    def key(self) -> str:
        """The label, else a stable stand-in (``file:line``)."""
        return self.label or f"{self.file}:{self.line}"

    @property
    def proof_claimed(self) -> bool:
        """What the blueprint claims: the proof is formalised (a statement with no proof
        environment, such as a definition, is claimed by its own \\leanok)."""
        if self.mathlibok:
            return True
        return self.proof_leanok if self.has_proof else self.leanok

    @property
    def all_uses(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.uses + self.proof_uses))


@dataclass
class Blueprint:
    root: Path  # the blueprint's folder (blueprint/src)
    files: list[str] = field(default_factory=list)  # read, relative to the project root
    nodes: list[Node] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    macros: list[Macro] = field(default_factory=list)
    envs: tuple[str, ...] = STANDARD_ENVS
    home: str | None = None  # \home{url}
    github: str | None = None

    def by_label(self) -> dict[str, Node]:
        """Every label (aliases included) to its node."""
        return {a: n for n in self.nodes for a in (n.aliases or ((n.label,) if n.label else ()))}


def find_blueprint(project: Path, given: Path | None = None) -> Path | None:
    """``given`` (relative to the project when relative), else ``PROJECT/blueprint/src`` when it
    holds a .tex file, else None."""
    if given is not None:
        return given if given.is_absolute() or given.exists() else project / given
    default = project / "blueprint" / "src"
    return default if default.is_dir() and any(default.glob("*.tex")) else None


class _Reader:
    def __init__(self, root: Path, project: Path) -> None:
        self.root = root
        self.project = project
        self.bp = Blueprint(root)
        self.texts: dict[str, tuple[str, str, tex.Lines]] = {}  # rel -> (raw, cleaned, lines)
        self.order: list[str] = []
        self.defined: set[str] = set()
        self.inputs: dict[str, list[tuple[int, str]]] = {}  # rel -> (offset, file it inputs there)
        self.roots: list[str] = []
        self.chapter: str | None = None
        self.section: str | None = None
        self.last: Node | None = None
        self.proofs: list[tuple[_Marks, str, int, Node | None]] = []

    # ------------------------------------------------------------------ files
    def rel(self, path: Path) -> str:
        try:
            return Path(os.path.relpath(path, self.project)).as_posix()
        except ValueError:
            return path.as_posix()

    def diag(self, code: str, message: str, file: str | None, offset: int | None = None,
             severity: Severity = Severity.WARNING) -> None:
        line = col = None
        if file is not None and offset is not None and file in self.texts:
            line, col = self.texts[file][2].at(offset)
        self.bp.diagnostics.append(Diagnostic(code, message, file, line, col, severity))

    def load(self, path: Path) -> str | None:
        rel = self.rel(path)
        if rel in self.texts:
            return None
        try:
            raw = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            self.bp.diagnostics.append(Diagnostic("unreadable-file", f"cannot read: {exc.strerror or exc}",
                                                  rel, None, None, Severity.ERROR))
            return None
        cleaned = tex.strip_comments(raw)
        self.texts[rel] = (raw, cleaned.text, tex.Lines(raw))
        self.order.append(rel)
        for env, off in cleaned.unterminated:
            self.diag("unterminated-verbatim", f"\\begin{{{env}}} is never closed; the rest of the file is "
                      "read as verbatim", rel, off, Severity.ERROR)
        for kind, off in tex.unbalanced_braces(cleaned.text):
            msg = "'}' closes no group" if kind == "}" else "'{' is never closed"
            self.diag("unbalanced-brace", msg, rel, off, Severity.ERROR)
        return rel

    def resolve_input(self, name: str, base: Path) -> Path | None:
        name = name.strip()
        for folder in (self.root, base):
            for cand in (folder / name, folder / (name + ".tex")):
                if cand.is_file():
                    return cand
        return None

    def follow(self, path: Path) -> None:
        """Read ``path`` and, depth first in order, the files it inputs."""
        rel = self.load(path)
        if rel is None:
            return
        _, text, _ = self.texts[rel]
        self.inputs[rel] = []
        for command, arg, at in tex.input_commands(text):
            target = self.resolve_input(arg, path.parent)
            if target is None:
                built = "; it lies in a build folder: build it first (lake build, the blueprint's own step)" \
                    if ".lake/" in arg else ""
                self.diag("missing-file", f"\\{command}{{{arg.strip()}}}: no such file "
                          f"({arg.strip()} or {arg.strip()}.tex in {self.rel(self.root) or '.'}){built}",
                          rel, at, Severity.ERROR)
                continue
            child = self.rel(target)
            if child not in self.texts:
                self.inputs.setdefault(rel, []).append((at, child))
            self.follow(target)

    # ------------------------------------------------------------------ preamble
    def preamble(self) -> None:
        envs = list(STANDARD_ENVS)
        for rel in self.order:
            _, text, _ = self.texts[rel]
            for m in re.finditer(r"\\(newtheorem|declaretheorem|spnewtheorem)\*?(?![A-Za-z@])", text):
                try:
                    g = tex.group(text, m.end())
                except tex.Unbalanced:
                    continue
                if g and g[0].strip() and g[0].strip() not in envs:
                    envs.append(g[0].strip())
            for m in re.finditer(r"\\(newcommand|renewcommand|providecommand|DeclareMathOperator|def)(\*?)"
                                 r"(?![A-Za-z@])", text):
                self.macro(rel, text, m)
            for m in re.finditer(r"\\(home|github)(?![A-Za-z@])", text):
                try:
                    g = tex.group(text, m.end())
                except tex.Unbalanced:
                    continue
                if g:
                    setattr(self.bp, m.group(1), g[0].strip().rstrip("/") or None)
        self.bp.envs = tuple(envs)

    def macro(self, rel: str, text: str, m: re.Match[str]) -> None:
        kind, star = m.group(1), m.group(2)
        pos = tex.skip_space(text, m.end())
        line = self.texts[rel][2].at(m.start())[0]
        try:
            if kind == "def":
                nm = re.match(r"\\([A-Za-z@]+|.)", text[pos:])
                if not nm:
                    return
                name = "\\" + nm.group(1)
                pos += nm.end()
                params = re.match(r"(#\d)*", text[pos:])
                nparams = params.group(0).count("#") if params else 0
                pos += params.end() if params else 0
                body = tex.group(text, pos)
                if body is None:
                    self.defined.add(name[1:])
                    self.bp.macros.append(Macro(name, "", 0, rel, line,
                                                "\\def with delimited parameters: KaTeX cannot take it"))
                    return
                self.add_macro(Macro(name, body[0], nparams, rel, line))
                return
            g = tex.group(text, pos)
            if g is not None:
                name, pos = g[0].strip(), g[1]
            else:
                nm = re.match(r"\s*(\\(?:[A-Za-z@]+|.))", text[pos:])
                if not nm:
                    return
                name, pos = nm.group(1), pos + nm.end()
            if not name.startswith("\\"):
                return
            if kind == "DeclareMathOperator":
                body = tex.group(text, pos)
                if body is None:
                    return
                op = "\\operatorname*" if star else "\\operatorname"
                self.add_macro(Macro(name, f"{op}{{{body[0]}}}", 0, rel, line))
                return
            nargs = 0
            n = tex.group(text, pos, "[", "]")
            if n is not None:
                nargs = int(n[0].strip()) if n[0].strip().isdigit() else 0
                pos = n[1]
            optional = tex.group(text, pos, "[", "]")
            if optional is not None:
                pos = optional[1]
            body = tex.group(text, pos)
            if body is None:
                return
            problem = ("an optional argument (KaTeX macros take only mandatory ones)"
                       if optional is not None else None)
            if kind == "providecommand" and name in {mc.name for mc in self.bp.macros}:
                return
            self.add_macro(Macro(name, body[0].strip(), nargs, rel, line, problem))
        except tex.Unbalanced:
            return  # reported as an unbalanced brace

    def add_macro(self, macro: Macro) -> None:
        self.defined.add(macro.name[1:])
        self.bp.macros = [mc for mc in self.bp.macros if mc.name != macro.name] + [macro]

    # ------------------------------------------------------------------ nodes
    def nodes(self, rel: str) -> None:
        """Read the nodes of ``rel``, and of the files it inputs where it inputs them."""
        start = 0
        for offset, child in self.inputs.get(rel, []):
            self.scan(rel, start, offset)
            self.nodes(child)
            start = offset
        self.scan(rel, start, len(self.texts[rel][1]))

    _PATTERN = re.compile(r"\\(?P<sec>part|chapter|section)\*?(?![A-Za-z@])|\\begin\s*\{(?P<env>[^{}]*)\}")

    def scan(self, rel: str, pos: int, stop: int) -> None:
        envs = set(self.bp.envs)
        _, text, lines = self.texts[rel]
        while True:
            m = self._PATTERN.search(text, pos, stop)
            if m is None:
                break
            pos = m.end()
            if m.group("sec"):
                try:
                    short = tex.group(text, pos, "[", "]")
                    g = tex.group(text, short[1] if short else pos)
                except tex.Unbalanced:
                    continue
                heading = " ".join((g[0] if g else "").split())
                if m.group("sec") in ("part", "chapter"):
                    self.chapter, self.section = heading, None
                else:
                    self.section = heading
                self.last = None
                continue
            env = m.group("env").strip()
            if env != "proof" and env not in envs:
                continue
            end = self.find_end(text, env, m.end())
            if end is None:
                self.diag("unclosed-environment", f"\\begin{{{env}}} is never closed", rel, m.start(),
                          Severity.ERROR)
                continue
            pos = end
            if env == "proof":
                self.proof(rel, text, m.start(), m.end(), end, self.last)
                continue
            node = Node(env, rel, lines.at(m.start())[0], chapter=self.chapter, section=self.section)
            body_start = m.end()
            try:
                title = tex.group(text, body_start, "[", "]")
            except tex.Unbalanced:
                title = None
            if title is not None:
                node.title = " ".join(title[0].split())
                body_start = title[1]
            marks = self.marks(rel, text, body_start, end)
            node.label = marks.labels[-1] if marks.labels else None
            node.aliases = marks.labels
            node.lean = marks.lean
            node.leanok, node.mathlibok, node.notready = marks.leanok, marks.mathlibok, marks.notready
            node.uses = marks.uses
            node.uses_at = {u: (rel, *lines.at(off)) for u, off in marks.uses_at.items()}
            node.discussion = marks.discussion
            node.statement = marks.rest
            if marks.proves:
                self.diag("proves-in-statement", "\\proves belongs in a proof environment", rel, body_start)
            self.bp.nodes.append(node)
            self.last = node

    @staticmethod
    def find_end(text: str, env: str, start: int) -> int | None:
        """The offset of the ``\\end{env}`` that closes the one open at ``start`` (nesting kept)."""
        depth = 1
        pat = re.compile(r"\\(begin|end)\s*\{" + re.escape(env) + r"\}")
        for m in pat.finditer(text, start):
            depth += 1 if m.group(1) == "begin" else -1
            if depth == 0:
                return m.start()
        return None

    def proof(self, rel: str, text: str, begin: int, start: int, end: int, last: Node | None) -> None:
        marks = self.marks(rel, text, start, end)
        if marks.lean:
            self.diag("lean-in-proof", "\\lean belongs in the statement; leanblueprint ignores it in a proof",
                      rel, begin)
        self.proofs.append((marks, rel, begin, last))

    def attach_proofs(self) -> None:
        """Proofs to their statements as leanblueprint does: first each \\proves{label} (resolved
        after the whole blueprint is read, so it may name a later node), then in document order every
        other proof to the theorem-like environment before it (a later proof replaces an earlier)."""
        by = self.bp.by_label()
        plain: list[tuple[_Marks, str, int, Node | None]] = []
        for marks, rel, begin, last in self.proofs:
            if not marks.proves:
                plain.append((marks, rel, begin, last))
            elif marks.proves in by:
                self.attach(by[marks.proves], marks, rel, begin)
            else:
                self.diag("unknown-label", f"\\proves{{{marks.proves}}}: no node has this label; the proof "
                          "goes to the statement before it", rel, begin)
                plain.append((marks, rel, begin, last))
        for marks, rel, begin, last in plain:
            if last is not None:  # else a proof of something that is not a blueprint node
                self.attach(last, marks, rel, begin)

    def attach(self, target: Node, marks: _Marks, rel: str, begin: int) -> None:
        target.has_proof = True
        target.proof_leanok = marks.leanok or marks.mathlibok
        target.proof_uses = marks.uses
        lines = self.texts[rel][2]
        target.uses_at.update({u: (rel, *lines.at(off)) for u, off in marks.uses_at.items()})
        target.proof_file = rel
        target.proof_line = self.texts[rel][2].at(begin)[0]
        target.proves = marks.proves

    def marks(self, rel: str, text: str, start: int, end: int) -> _Marks:
        out = _Marks()
        keep: list[str] = []
        pos = start
        lean: list[str] = []
        uses: list[str] = []
        nested = _nested_spans(text, start, end)
        for m in _META.finditer(text, start, end):
            if m.start() < pos or any(a <= m.start() < b for a, b in nested):
                continue  # a mark inside a nested environment (an equation's \label) is not the node's
            cmd = m.group(1)
            keep.append(text[pos:m.start()])
            pos = m.end()
            if cmd in ("leanok", "mathlibok", "notready"):
                setattr(out, cmd, True)
                if cmd == "mathlibok":
                    out.leanok = True
                continue
            try:
                g = tex.group(text, m.end())
            except tex.Unbalanced:
                g = None
            if g is None or g[1] > end:
                self.diag("missing-argument", f"\\{cmd} needs an argument in braces", rel, m.start(),
                          Severity.ERROR)
                continue
            pos = g[1]
            arg = g[0]
            if cmd == "lean":
                lean += [re.sub(r"\s+", "", n) for n in tex.split_list(arg)]
            elif cmd == "uses":
                uses += tex.split_list(arg)
                for u in tex.split_list(arg):
                    out.uses_at.setdefault(u, m.start())
            elif cmd == "label":
                out.labels += (" ".join(arg.split()),)
            elif cmd == "proves":
                out.proves = arg.strip()
            elif cmd == "discussion":
                out.discussion = arg.strip().lstrip("#").strip()
        keep.append(text[pos:end])
        out.lean = tuple(dict.fromkeys(lean))
        out.uses = tuple(dict.fromkeys(uses))
        # the statement as TeX reads it (comments dropped), marks removed
        out.rest = _tidy("".join(keep))
        return out

    # ------------------------------------------------------------------ checks
    def misspelt(self) -> None:
        """Each undefined command close to a blueprint command, once, where it first occurs."""
        known = set(BLUEPRINT_COMMANDS) | self.defined
        verdict: dict[str, str | None] = {}
        for rel in self.order:
            _, text, _ = self.texts[rel]
            for m in re.finditer(r"\\([A-Za-z@]+)", text):
                word = m.group(1)
                if word in known or word in verdict:
                    continue
                close = verdict[word] = _near(word, BLUEPRINT_COMMANDS)
                if close:
                    self.diag("unknown-macro", f"unknown macro \\{word} (did you mean \\{close}?); "
                              "leanblueprint does not see it as a blueprint mark", rel, m.start())

    def check_labels(self) -> None:
        labels: dict[str, Node] = {}
        for n in self.bp.nodes:
            for label in n.aliases:
                if label in labels and labels[label] is not n:
                    first = labels[label]
                    self.bp.diagnostics.append(Diagnostic(
                        "duplicate-label", f"label {label} is already used at {first.file}:{first.line}",
                        n.file, n.line, None, Severity.ERROR))
                else:
                    labels.setdefault(label, n)
        all_labels = set(labels)
        for rel in self.order:
            _, text, _ = self.texts[rel]
            for m in re.finditer(r"\\label\s*\{([^{}]*)\}", text):
                all_labels.add(m.group(1).strip())
        for n in self.bp.nodes:
            for used in n.all_uses:
                if used not in all_labels:
                    close = difflib.get_close_matches(used, sorted(labels), n=1)
                    hint = f" (did you mean {close[0]}?)" if close else ""
                    file, line, col = n.uses_at.get(used, (n.file, n.line, 0))
                    self.bp.diagnostics.append(Diagnostic(
                        "unknown-label", f"{n.key} uses {used}, which no \\label defines{hint}",
                        file, line, col or None, Severity.WARNING))

    def resolve_uses(self) -> None:
        """\\uses naming a node by another of its labels: the node's label (its key) instead."""
        by = self.bp.by_label()
        for n in self.bp.nodes:
            n.uses = tuple(dict.fromkeys(by[u].key if u in by else u for u in n.uses))
            n.proof_uses = tuple(dict.fromkeys(by[u].key if u in by else u for u in n.proof_uses))
            n.uses_at = {(by[u].key if u in by else u): at for u, at in reversed(n.uses_at.items())}


@dataclass
class _Marks:
    labels: tuple[str, ...] = ()
    lean: tuple[str, ...] = ()
    leanok: bool = False
    mathlibok: bool = False
    notready: bool = False
    uses: tuple[str, ...] = ()
    uses_at: dict[str, int] = field(default_factory=dict)  # label -> offset of its \uses
    proves: str | None = None
    discussion: str | None = None
    rest: str = ""


_BEGIN_END = re.compile(r"\\(begin|end)\s*\{[^{}]*\}|\\\[|\\\]")


def _nested_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of the environments (and ``\\[…\\]``) nested in ``text[start:end]``."""
    spans: list[tuple[int, int]] = []
    depth, opened = 0, start
    for m in _BEGIN_END.finditer(text, start, end):
        opening = m.group(1) == "begin" or m.group(0) == "\\["
        if opening:
            if depth == 0:
                opened = m.start()
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0:
                spans.append((opened, m.end()))
    if depth > 0:
        spans.append((opened, end))
    return spans


def _tidy(cleaned: str) -> str:
    """The statement text: lines stripped, runs of blank lines collapsed."""
    lines = [ln.rstrip() for ln in cleaned.strip().splitlines()]
    text = "\n".join(ln.strip() for ln in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _near(word: str, options: Iterable[str]) -> str | None:
    lower = word.lower()
    for o in options:
        if lower == o and word != o:
            return o
    if len(word) < 4:
        return None
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.85)
    return close[0] if close else None


def read_blueprint(root: Path, *, project: Path | None = None) -> Blueprint:
    """Read the blueprint in folder ``root``; paths in nodes and diagnostics are relative to
    ``project`` (default: the folder above ``blueprint/``, else ``root``)."""
    if project is None:
        project = root.parent.parent if root.name == "src" and root.parent.name == "blueprint" else root
    r = _Reader(root, project)
    if not root.is_dir():
        r.bp.diagnostics.append(Diagnostic("missing-blueprint", "no such blueprint folder", r.rel(root),
                                           severity=Severity.ERROR))
        return r.bp
    entries = [root / f for f in ENTRY_FILES if (root / f).is_file()]
    if not entries:
        entries = sorted(root.rglob("*.tex"))
    for e in entries:
        if r.rel(e) not in r.texts:
            r.roots.append(r.rel(e))
            r.follow(e)
    r.bp.files = list(r.order)
    r.preamble()
    for root_file in r.roots:
        r.nodes(root_file)
    r.attach_proofs()
    r.misspelt()
    r.check_labels()
    r.resolve_uses()
    rank = {f: i for i, f in enumerate(r.order)}
    r.bp.diagnostics.sort(key=lambda d: (rank.get(d.file or "", -1), d.line or 0, d.column or 0))
    return r.bp
