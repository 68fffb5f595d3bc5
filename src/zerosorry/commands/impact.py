"""``zerosorry impact NAME [PATH]``: everything whose status depends on a declaration
(everything that uses it, transitively), load-bearing entries first."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass

from ..gate import GateManifest
from ..ledger.model import Ledger
from ._common import gate_manifest
from .why import Step, _bfs, _chain, add_source_options, lookup, source_ledger

NAME = "impact"
HELP = "list everything whose status depends on a declaration, load-bearing entries first"


@dataclass(frozen=True)
class Dependent:
    name: str
    status: str
    file: str
    line: int
    entries: tuple[str, ...]  # manifest entries naming it (load-bearing when non-empty)
    chain: tuple[Step, ...]  # from the dependent down to the declaration asked about


def impact(ledger: Ledger, name: str, manifest: GateManifest | None = None) -> list[Dependent]:
    by_name = ledger.by_name()
    root = lookup(ledger, name)
    rev: dict[str, list[str]] = {}
    for r in ledger.records:
        for u in r.uses:
            if u in by_name:
                rev.setdefault(u, []).append(r.name)
    parent = _bfs(root.name, rev)
    entries: dict[str, list[str]] = {}
    for e in manifest.entries if manifest else ():
        for n in e.lean:
            entries.setdefault(n, []).append(e.id)
    out = []
    for n in parent:
        if n == root.name:
            continue
        r = by_name[n]
        chain = tuple(reversed(_chain(parent, n, by_name)))
        out.append(Dependent(n, r.status.value, r.file, r.line, tuple(entries.get(n, ())), chain))
    out.sort(key=lambda d: (not d.entries, len(d.chain), d.name))
    return out


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_source_options(p)


def run(args: argparse.Namespace) -> int:
    ledger = source_ledger(args)
    manifest = gate_manifest(args)
    record = lookup(ledger, args.name)
    deps = impact(ledger, record.name, manifest)
    if args.format == "json":
        data = {"name": record.name, "status": record.status.value, "file": record.file,
                "line": record.line, "dependents": [asdict(d) for d in deps]}
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return 0
    head = f"{record.name} ({record.file}:{record.line}, {record.status})"
    if not deps:
        sys.stdout.write(f"nothing in the project uses {head}\n")
        return 0
    lines = [f"{len(deps)} declaration(s) depend on {head}"]
    bearing = [d for d in deps if d.entries]
    others = [d for d in deps if not d.entries]
    if manifest is not None:
        lines += ["", f"load-bearing entries ({len(bearing)}):"]
        lines += [f"  {', '.join(d.entries)}: {d.name}  {d.status}  {d.file}:{d.line}  "
                  f"via {' -> '.join(s.name for s in d.chain)}" for d in bearing] or ["  none"]
        lines += ["", f"other declarations ({len(others)}):"]
    lines += [f"  {d.name}  {d.status}  {d.file}:{d.line}  "
              f"via {' -> '.join(s.name for s in d.chain)}" for d in others]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
