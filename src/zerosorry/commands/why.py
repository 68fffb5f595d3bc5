"""``zerosorry why NAME [PATH]``: the shortest chain from a declaration to every sorry,
project axiom and trust extension its derivation reaches, with file:line at every step.

The graph queries (``why``, ``impact``, name lookup) live here and are shared by
:mod:`zerosorry.commands.impact`."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import InputError
from ..gate import own_trusts
from ..ledger.derive import WANTED_KINDS, WANTED_REASON
from ..ledger.model import Ledger, Record
from ..ledger.possible import INSTANCE_HINT, SETTLE_HINT, settle_hint, step_notes

NAME = "why"
HELP = "show the shortest chain from a declaration to each sorry, project axiom and trust extension it rests on"


@dataclass(frozen=True)
class Step:
    name: str
    file: str
    line: int
    #: reached through a possible use: the ambiguous reference, in words (ledger/possible.py)
    possible: str | None = None

    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Reason:
    kind: str  # sorry | axiom | trust
    what: str  # "sorry" (or the holder's reason), the axiom's name, or the trust extension
    chain: tuple[Step, ...]  # from the declaration asked about to the holder, both included
    line: int  # the sorry's line, or the holder's declaration line
    #: reached only through possible uses (ambiguous field notation): a possible deferral
    possible: bool = False


# ------------------------------------------------------------------------------ queries
def lookup(ledger: Ledger, name: str) -> Record:
    """The record called ``name`` (or, when unambiguous, ending in ``.name``); an unknown name is
    an input error that suggests close matches."""
    by_name = ledger.by_name()
    if name in by_name:
        return by_name[name]
    tail = [n for n in by_name if n.endswith("." + name)]
    if len(tail) == 1:
        return by_name[tail[0]]
    if len(tail) > 1:
        raise InputError(f"{name} is ambiguous: {', '.join(sorted(tail)[:8])}")
    # compare last components (a shared namespace would make every name look alike), then whole names
    shorts: dict[str, list[str]] = {}
    for n in by_name:
        shorts.setdefault(n.rsplit(".", 1)[-1], []).append(n)
    close: list[str] = []
    for s in difflib.get_close_matches(name.rsplit(".", 1)[-1], list(shorts), n=5, cutoff=0.75):
        close.extend(sorted(shorts[s]))
    close += [n for n in difflib.get_close_matches(name, list(by_name), n=5, cutoff=0.9) if n not in close]
    hint = f"; did you mean {', '.join(close[:5])}?" if close else ""
    raise InputError(f"unknown declaration {name}{hint}")


def _bfs(start: str, edges: Mapping[str, list[str]]) -> dict[str, str | None]:
    """Parents of a breadth-first search from ``start`` (shortest chains, ties by name)."""
    parent: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        v = queue.popleft()
        for w in sorted(edges.get(v, ())):
            if w not in parent:
                parent[w] = v
                queue.append(w)
    return parent


def _chain(parent: Mapping[str, str | None], end: str, by_name: Mapping[str, Record]) -> tuple[Step, ...]:
    names = []
    cur: str | None = end
    while cur is not None:
        names.append(cur)
        cur = parent[cur]
    names.reverse()
    return tuple(Step(n, by_name[n].file, by_name[n].line, note)
                 for n, note in zip(names, step_notes(names, by_name), strict=True))


def why(ledger: Ledger, name: str) -> list[Reason]:
    """Each sorry holder, project axiom and trust-extension user reached from ``name``, with the
    shortest chain to it, nearest first.  Chains take certain uses where they can; one that
    needs a possible use (ambiguous field notation) is marked possible."""
    by_name = ledger.by_name()
    root = lookup(ledger, name)
    certain = _bfs(root.name, {r.name: [u for u in r.uses if u in by_name] for r in ledger.records})
    anyway = _bfs(root.name, {r.name: [u for u in (*r.uses, *r.possible_uses) if u in by_name]
                              for r in ledger.records})
    parent = {n: certain[n] if n in certain else anyway[n] for n in anyway}
    order = [n for n in anyway if n in certain] + [n for n in anyway if n not in certain]
    trusts = own_trusts(by_name)
    reasons: list[Reason] = []
    found_trusts: set[str] = set()
    for n in order:
        r = by_name[n]
        maybe = n not in certain
        for line in r.sorry_lines[:1]:
            reasons.append(Reason("sorry", r.reason or "sorry", _chain(parent, n, by_name), line, maybe))
        if not r.sorry_lines and r.kind in WANTED_KINDS:  # a statement without a proof
            reasons.append(Reason("sorry", r.reason or WANTED_REASON, _chain(parent, n, by_name), r.line, maybe))
        if r.kind == "axiom":
            reasons.append(Reason("axiom", n, _chain(parent, n, by_name), r.line, maybe))
        for t in sorted(trusts.get(n, ())):
            reasons.append(Reason("trust", t, _chain(parent, n, by_name), r.line, maybe))
            found_trusts.add(t)
    # a trust used only inside a mutual block has no single owner: point at its deepest member
    for t in sorted(set(root.trusts) - found_trusts):
        holders = [n for n in order if t in by_name[n].trusts]
        if holders:
            n = holders[-1]
            reasons.append(Reason("trust", t, _chain(parent, n, by_name), by_name[n].line, n not in certain))
    rank = {"sorry": 0, "axiom": 1, "trust": 2}
    reasons.sort(key=lambda x: (x.possible, rank[x.kind], len(x.chain), x.chain[-1].name))
    return reasons


# ------------------------------------------------------------------------------ CLI
def add_source_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="a declaration's name (fully qualified, or its unambiguous last part)")
    p.add_argument("path", nargs="?", type=Path, default=Path("."),
                   help="the Lean project's root, scanned on the fly (default: .)")
    p.add_argument("--ledger", type=Path, default=None, help="read this ledger instead of scanning")
    p.add_argument("--manifest", type=Path, default=None,
                   help="the author's manifest (default: PATH/appendix.toml when it exists)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("-j", "--jobs", type=int, default=None, help="parallel parser processes")
    p.add_argument("--no-cache", action="store_true", help="do not use the content-hash parse cache")
    p.add_argument("--cache-dir", type=Path, default=None, help="where the parse cache lives")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def source_ledger(args: argparse.Namespace) -> Ledger:
    from ._common import obtain_ledger

    if args.ledger is None and not args.path.is_dir():
        raise InputError(f"{args.path}: no such directory")
    return obtain_ledger(args, ledger_file=args.ledger)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_source_options(p)


def _arrowed(chain: tuple[Step, ...]) -> list[str]:
    """One line per step; a step through a possible use is drawn ``?>`` and says why."""
    width = max(len(s.name) for s in chain)
    out = []
    for i, s in enumerate(chain):
        arrow = "   " if i == 0 else ("?> " if s.possible else "-> ")
        line = f"  {arrow}{s.name.ljust(width)}  {s.where()}"
        out.append(f"{line}  (possible: {s.possible})" if s.possible else line)
    return out


def render_text(record: Record, reasons: list[Reason]) -> str:
    head = f"{record.name} ({record.file}:{record.line}) is {record.status}"
    if not reasons:
        return f"{head}: no sorry, project axiom or trust extension anywhere in its derivation.\n"
    counts = {k: sum(1 for r in reasons if r.kind == k) for k in ("sorry", "axiom", "trust")}
    lines = [f"{head}; its derivation reaches {counts['sorry']} sorry holder(s), "
             f"{counts['axiom']} project axiom(s), {counts['trust']} trust extension use(s)."]
    for r in reasons:
        end = r.chain[-1]
        if r.kind == "sorry":
            # the holder's reason when its text says more than a sorry token (project syntax
            # that expands to sorry, a statement without a proof, the lean engine's message)
            title = f"sorry at {end.file}:{r.line} in {end.name}{'' if r.what == 'sorry' else f' ({r.what})'}:"
        elif r.kind == "axiom":
            title = f"project axiom {r.what} ({end.where()}):"
        else:
            title = f"trust extension {r.what} in {end.name} ({end.where()}):"
        lines += ["", f"possibly: {title}" if r.possible else title, *_arrowed(r.chain)]
    notes = [s.possible for r in reasons if r.possible for s in r.chain if s.possible]
    if record.possible_deferral:
        lines += ["", f"{record.name} is deferred only through possible uses (a possible deferral): "
                      f"{settle_hint(notes)}."]
    elif any(r.possible for r in reasons):
        what = ("possible instance uses" if settle_hint(notes) == INSTANCE_HINT
                else "ambiguous field notation" if settle_hint(notes) == SETTLE_HINT
                else "ambiguous field notation or possible instance uses")
        lines += ["", f"chains marked possible pass through {what}: {settle_hint(notes)}."]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    ledger = source_ledger(args)
    record = lookup(ledger, args.name)
    reasons = why(ledger, record.name)
    if args.format == "json":
        data = {"name": record.name, "status": record.status.value, "file": record.file,
                "line": record.line, "possible_deferral": record.possible_deferral,
                "reasons": [asdict(r) for r in reasons]}
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_text(record, reasons))
    return 0
