"""The paper side: what a paper may say about the ledger, and what a paper's sources claim.

Two halves, both pure over data:

* :func:`paper_status` — the statuses a paper can cite: one :class:`PaperItem` per load-bearing
  entry of the manifest (every entry) and per declaration the manifest names, each with its
  status, the length of the chain to the sorry that holds it back, that sorry's declaration and
  place, and the URL of its card on the site when the site's URL is known.  The LaTeX renderer
  (:mod:`zerosorry.report.latex`) writes exactly these; the gate checks claims against them.
* :func:`read_paper` — the commands of ``zerosorry.sty`` found in a paper's ``.tex`` sources
  without running TeX: it follows ``\\input`` and ``\\include``, skips comments, ``\\iffalse``
  blocks and verbatim text, and reports a file it cannot find at the command that names it.
  :func:`claim_findings` turns what it found into gate findings (policy ``paper``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

from .appendix.view import combined_status
from .blueprint.tex import input_commands, strip_comments
from .errors import InputError
from .gate import Finding, _suggest, sorry_site
from .ledger.model import STATUS_ORDER, Ledger, Record, Status
from .location import Location


# ------------------------------------------------------------------------------ statuses
@dataclass(frozen=True)
class PaperItem:
    """One id a paper may cite: an entry id or a Lean name the manifest names."""

    key: str
    kind: str  # "entry" | "declaration"
    status: Status
    names: tuple[str, ...]  # the Lean declarations (an entry's; a declaration's own name)
    title: str  # the entry's one-line statement (its title); a declaration's own entry's title
    chain: int  # declarations from it to the sorry that holds it back, both included; 0 if none
    root: str | None  # the declaration whose own sorry holds it back
    root_file: str | None
    root_line: int | None
    card: str | None  # the URL of its card on the site
    missing: tuple[str, ...] = ()  # names the scan does not find (the item counts as deferred)
    #: deferred only through possible uses (ambiguous field notation, an instance type-class search
    #: may pick; ledger `possible_deferral`)
    possible: bool = False

    @property
    def where(self) -> str | None:
        if self.root_file is None:
            return None
        return f"{self.root_file}:{self.root_line}" if self.root_line is not None else self.root_file

    def reason(self) -> str:
        """Why it is not proven, in one phrase (empty when proven)."""
        if self.missing:
            return f"the scan does not find {', '.join(self.missing)}"
        if self.status is Status.PROVEN:
            return ""
        if self.status is Status.DEFERRED and self.root:
            at = f" ({self.where})" if self.where else ""
            if self.possible:
                return (f"possibly held back by the sorry in {self.root}{at}, through a possible use "
                        "the lean engine settles")
            return f"held back by the sorry in {self.root}{at}"
        if self.status is Status.STUB:
            return f"a stub (: True := sorry) at {self.where}"
        return f"rests on an axiom at {self.where}" if self.status is Status.AXIOM else ""


@dataclass(frozen=True)
class PaperStatus:
    items: tuple[PaperItem, ...]  # entries in manifest order, then the declarations they name
    commit: str | None
    dirty: bool | None
    generated: str  # the ledger's generation time (honours SOURCE_DATE_EPOCH)
    declarations: int  # in the whole ledger

    @cached_property
    def keys(self) -> dict[str, PaperItem]:
        return {i.key: i for i in self.items}

    def lookup(self, key: str) -> PaperItem | None:
        return self.keys.get(key)

    def entries(self) -> tuple[PaperItem, ...]:
        return tuple(i for i in self.items if i.kind == "entry")

    def entry_counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in STATUS_ORDER}
        for i in self.entries():
            counts[i.status.value] += 1
        return counts


def card_url(site_url: str | None, entry_id: str) -> str | None:
    """The URL of an entry's card on the site published at ``site_url``."""
    if not site_url:
        return None
    return f"{site_url.rstrip('/')}/index.html#entry-{quote(entry_id, safe='')}"


def _root_of(records: Sequence[Record], by_name: Mapping[str, Record]) -> tuple[int, str | None, str | None, int | None]:
    """(chain length, root declaration, its file, its line) of the worst of ``records``."""
    status = combined_status(records)  # the worst, as on the site's cards
    worst = next(r for r in records if r.status is status)
    if worst.status is Status.DEFERRED:
        via = worst.via or [worst.name]
        f, ln = sorry_site(by_name, via)
        return len(via), via[-1], f, ln
    if worst.status in (Status.STUB, Status.AXIOM):
        return 0, worst.name, worst.file, worst.line
    return 0, None, None, None


def paper_status(ledger: Ledger, entries: Iterable[tuple[str, Sequence[str], str]], *,
                 site_url: str | None = None) -> PaperStatus:
    """The citable statuses: ``entries`` are the manifest's (id, Lean names, title)."""
    by_name = ledger.by_name()
    items: list[PaperItem] = []
    decls: dict[str, PaperItem] = {}
    for entry_id, names, title in entries:
        found = [by_name[n] for n in names if n in by_name]
        missing = tuple(n for n in names if n not in by_name)
        if found and not missing:
            status = combined_status(found)
            chain, root, f, ln = _root_of(found, by_name)
        else:  # a name the scan does not find proves nothing: never proven
            status, chain, root, f, ln = Status.DEFERRED, 0, None, None, None
        card = card_url(site_url, entry_id)
        possible = status is Status.DEFERRED and not missing and all(
            r.possible_deferral for r in found if r.status is Status.DEFERRED)
        items.append(PaperItem(entry_id, "entry", status, tuple(names), title, chain, root, f, ln,
                               card, missing, possible))
        for n in names:
            if n in decls:
                continue
            r = by_name.get(n)
            if r is None:
                decls[n] = PaperItem(n, "declaration", Status.DEFERRED, (n,), title, 0, None, None,
                                     None, card, (n,))
                continue
            chain, root, f, ln = _root_of([r], by_name)
            decls[n] = PaperItem(n, "declaration", r.status, (n,), title, chain, root, f, ln, card,
                                 possible=r.possible_deferral)
    ids = {i.key for i in items}
    items += [d for n, d in decls.items() if n not in ids]
    return PaperStatus(tuple(items), ledger.source.commit, ledger.source.dirty, ledger.generated,
                       len(ledger.records))


# ------------------------------------------------------------------------------ the sources
#: The commands of zerosorry.sty that take an id; a claim fails the gate unless proven.
CLAIM = "leanproved"
ID_COMMANDS = ("leanproved", "leanstatus", "leanchainlength", "leansorryroot")
_COMMAND = re.compile(r"\\(" + "|".join(ID_COMMANDS) + r")(?![A-Za-z@])\s*(?:\{([^{}]*)\})?")


@dataclass(frozen=True)
class PaperUse:
    """One use of an id-taking command in the sources."""

    command: str
    key: str | None  # None: the argument is not a literal id (a macro, a missing brace)
    at: Location
    raw: str = ""  # the argument as written


@dataclass(frozen=True)
class MissingInput:
    target: str
    at: Location


@dataclass(frozen=True)
class PaperSources:
    main: str
    files: tuple[str, ...]  # every source read, in order
    uses: tuple[PaperUse, ...]
    missing: tuple[MissingInput, ...]
    #: the statuses the paper's own zerosorry-status.tex records (key -> (status, where)), if
    #: there is one beside the main file: TeX prints these, so they must match the sources
    printed: Mapping[str, tuple[str, Location]] | None = None


_RECORD = re.compile(r"^\\zs@record\{([^{}]*)\}\{[^{}]*\}\{([a-z]+)\}", re.MULTILINE)


def read_status_file(path: Path, label: str) -> dict[str, tuple[str, Location]]:
    """The status each record of a ``zerosorry-status.tex`` gives, with its line."""
    text = path.read_text(encoding="utf-8", errors="replace")
    return {m.group(1): (m.group(2), Location(label, text.count("\n", 0, m.start()) + 1, 1))
            for m in _RECORD.finditer(text)}


def mask_tex(text: str) -> str:
    """``text`` with comments, ``\\iffalse`` blocks and verbatim text blanked out (newlines and
    every other character's offset kept, so positions still point into the original).  The one
    TeX masker, shared with the blueprint reader."""
    return strip_comments(text).text


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _kpsewhich(name: str) -> bool:
    """Whether TeX itself would find ``name`` in its own tree (a class or system file, not one of
    the paper's sources); False when kpsewhich is not installed."""
    exe = shutil.which("kpsewhich")
    if exe is None:
        return False
    try:
        return subprocess.run([exe, name], capture_output=True, timeout=20, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _resolve(base: Path, target: str, command: str) -> Path | None:
    """The file LaTeX reads: ``\\include`` adds ``.tex``; ``\\input`` tries ``.tex`` first."""
    names = [target + ".tex"] if command.startswith(("include", "subinclude")) else [target + ".tex", target]
    return next((base / n for n in names if (base / n).is_file()), None)


def read_paper(main: Path, *, label: Callable[[Path], str] | None = None,
               in_tex_tree: Callable[[str], bool] = _kpsewhich) -> PaperSources:
    """Every id-taking command of the paper rooted at ``main``, in reading order.  Paths in
    ``\\input`` resolve against the main file's folder (where LaTeX runs)."""
    if not main.is_file():
        raise InputError(f"{main}: no such paper (give the main .tex file)")
    show = label or (lambda p: str(p))
    base = main.parent
    uses: list[PaperUse] = []
    missing: list[MissingInput] = []
    files: list[str] = []
    seen: set[Path] = set()

    def visit(path: Path) -> None:
        resolved = path.resolve()
        if resolved in seen:  # read once: a second \input adds no new claim
            return
        seen.add(resolved)
        name = show(path)
        files.append(name)
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from exc
        masked = mask_tex(text)
        events: list[tuple[int, re.Match[str] | tuple[str, str]]] = [(m.start(), m) for m in _COMMAND.finditer(masked)]
        events += [(at, (command, target)) for command, target, at in input_commands(masked)]
        for start, ev in sorted(events, key=lambda e: e[0]):
            line, col = _position(masked, start)
            at = Location(name, line, col)
            if isinstance(ev, re.Match):
                raw = ev.group(2)
                key = raw.strip() if raw is not None else None
                if key is not None and ("\\" in key or not key):
                    key = None
                uses.append(PaperUse(ev.group(1), key, at, raw or ""))
                continue
            command, target = ev
            # \subimport's folder (and its kin's) is relative to the file that holds it
            found = _resolve(path.parent if command.startswith("sub") and command != "subfile" else base,
                             target, command)
            if found is not None:
                visit(found)
            elif not in_tex_tree(target if Path(target).suffix else target + ".tex"):
                missing.append(MissingInput(target, at))

    visit(main)
    status_file = base / "zerosorry-status.tex"
    printed = read_status_file(status_file, show(status_file)) if status_file.is_file() else None
    return PaperSources(show(main), tuple(files), tuple(uses), tuple(missing), printed)


# ------------------------------------------------------------------------------ findings
@dataclass(frozen=True)
class PaperFinding(Finding):
    """A finding of the ``paper`` policy: it points at a place in the paper's sources."""

    POLICY: ClassVar[str] = "paper"


@dataclass(frozen=True)
class PaperClaimNotProven(PaperFinding):
    """``\\leanproved{X}`` where X is not proven."""

    KIND: ClassVar[str] = "paper-claim-not-proven"
    key: str
    status: Status
    reason: str

    def message(self) -> str:
        return (f"{self.at}: the paper claims \\{CLAIM}{{{self.key}}}, but {self.key} is "
                f"{self.status}: {self.reason}")


@dataclass(frozen=True)
class PaperUnknownId(PaperFinding):
    """An id-taking command whose id is neither an entry id nor a Lean name of the manifest."""

    KIND: ClassVar[str] = "paper-unknown-id"
    command: str
    key: str
    suggestion: str | None = None

    def message(self) -> str:
        if not self.key:
            return (f"{self.at}: \\{self.command} takes a literal id in braces, which the gate can "
                    "check; this one is computed or missing")
        hint = f" (did you mean {self.suggestion}?)" if self.suggestion else ""
        return (f"{self.at}: \\{self.command}{{{self.key}}}: unknown id: neither an entry id of the "
                f"manifest nor a Lean name it names{hint}")


@dataclass(frozen=True)
class PaperInputMissing(PaperFinding):
    """An ``\\input``/``\\include`` whose file does not exist: its claims cannot be checked."""

    KIND: ClassVar[str] = "paper-input-missing"
    target: str

    def message(self) -> str:
        return f"{self.at}: no such file {self.target!r} (nor .tex): the claims it may hold cannot be checked"


@dataclass(frozen=True)
class PaperStatusStale(PaperFinding):
    """The paper's ``zerosorry-status.tex`` prints a status the sources no longer have."""

    KIND: ClassVar[str] = "paper-status-stale"
    key: str
    printed: str
    status: Status

    def message(self) -> str:
        return (f"{self.at}: the paper's status file says {self.key} is {self.printed}, the sources say "
                f"{self.status}: regenerate it with zerosorry latex")


def claim_findings(sources: PaperSources, status: PaperStatus) -> list[Finding]:
    """A finding per claim that is not proven, per unknown id, per missing input, and per status
    that the paper's own status file prints wrongly."""
    out: list[Finding] = []
    for use in sources.uses:
        item = status.lookup(use.key) if use.key is not None else None
        if item is None:
            hint = _suggest(use.key, status.keys) if use.key else None
            out.append(PaperUnknownId(use.command, use.key or "", hint, at=use.at))
        elif use.command == CLAIM and (item.status is not Status.PROVEN or item.missing):
            out.append(PaperClaimNotProven(item.key, item.status, item.reason(), at=use.at))
    out += [PaperInputMissing(m.target, at=m.at) for m in sources.missing]
    for key, (printed, at) in (sources.printed or {}).items():
        item = status.lookup(key)
        if item is not None and item.status.value != printed:
            out.append(PaperStatusStale(key, printed, item.status, at=at))
    return out


def paper_policy(sources: PaperSources, entries: Iterable[tuple[str, Sequence[str]]]) -> Callable[[Ledger], list[Finding]]:
    """The gate's ``paper`` policy for these sources and the manifest's (id, Lean names)."""
    cited = [(entry_id, tuple(names), "") for entry_id, names in entries]

    def check(ledger: Ledger) -> list[Finding]:
        return claim_findings(sources, paper_status(ledger, cited))

    return check
