"""Noise of the source engine's possible instance uses on real projects.

Type-class search can pick an instance no name in the source points to, so the source engine
counts every visible instance that is not proven and that search may find for what a
declaration elaborates as a *possible use* (zerosorry.ledger.instances).  Each is sound, and
noise when Lean picks another instance.  For each project given, this scans it twice in one
process (source engine, parse cache under ``ZEROSORRY_CACHE_DIR`` or the default): without the
instance uses and with them, and prints:

* declarations; instances, and of those the ones not proven;
* the declarations proven without instance uses that are possible deferrals with them
  (``newly``), those still proven that rest on more project axioms or trusts with them
  (``+axioms``), those the rule gives an instance use at all (``holders``), the instance uses
  in all (``edges``), and the seconds the instance pass took;
* with ``--list N``, N of the new possible deferrals with the instance step of their chain.

``--steps K`` reads statements K steps deep instead of the engine's setting (its noise for
comparison).

    python bench/instances.py PATH [PATH ...] [--list N] [--steps K] [--json OUT]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zerosorry import scan
from zerosorry.ledger import instances
from zerosorry.ledger.model import Status
from zerosorry.ledger.possible import possible_steps

sys.path.insert(0, str(Path(__file__).resolve().parent))
from possible import report  # bench/possible.py, beside this file


def measure(root: Path, *, listing: int) -> dict[str, object]:
    real = scan.with_instances
    spent = [0.0]

    def timed(*args: Any) -> Any:
        t = time.perf_counter()
        try:
            return real(*args)
        finally:
            spent[0] += time.perf_counter() - t

    def nothing(decls: Any, uses: Any, possible: Any, refs: Any, *_: Any) -> Any:
        return {}, list(possible), list(refs)

    try:
        scan.with_instances = nothing  # type: ignore[assignment]
        before = scan.scan_project(root, jobs=1)
        scan.with_instances = timed  # type: ignore[assignment]
        after = scan.scan_project(root, jobs=1)
    finally:
        scan.with_instances = real
    was = {r.name: r.status for r in before.records}
    had = {r.name: (set(r.axioms), set(r.trusts)) for r in before.records}
    by_name = after.by_name()
    recs = after.records
    insts = [r for r in recs if r.kind == "instance" or "instance" in r.attributes]
    newly = [r for r in recs if was.get(r.name) is Status.PROVEN and r.status is not Status.PROVEN]
    inst_refs = [[p for p in r.possible_refs if p.ref == instances.INSTANCE_REF] for r in recs]
    out: dict[str, object] = {
        "project": root.name,
        "declarations": len(recs),
        "instances": len(insts),
        "instances_not_proven": sum(r.status is not Status.PROVEN or bool(r.axioms or r.trusts) for r in insts),
        "newly_possible": len(newly),
        "holders": sum(bool(x) for x in inst_refs),
        "edges": sum(len(p.candidates) for x in inst_refs for p in x),
        # proven still, but resting on more project axioms or trust extensions (through an instance)
        "more_axioms": sum(r.status is Status.PROVEN and r.name in had
                           and (set(r.axioms) > had[r.name][0] or set(r.trusts) > had[r.name][1]) for r in recs),
        "seconds": round(spent[0], 3),
        # by the first folder of the file (a tree of projects: which project they are in)
        "newly_by_folder": dict(sorted(Counter(r.file.partition("/")[0] for r in newly).items())),
    }
    if listing:
        out["list"] = {r.name: [s for s in possible_steps(r.via, by_name) if "type-class" in s][:1]
                       for r in newly[:listing]}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", type=Path, nargs="+", help="Lean project roots")
    ap.add_argument("--list", type=int, default=0, metavar="N", help="name N new possible deferrals")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--steps", type=int, default=None,
                    help="read statements this many steps deep (default: the engine's setting)")
    args = ap.parse_args(argv)
    if args.steps is not None:
        instances.STATEMENT_STEPS = args.steps
    rows = [measure(p, listing=args.list) for p in args.paths]
    report(rows, [("project", "project", 14), ("decls", "declarations", 7), ("insts", "instances", 7),
                  ("not prv", "instances_not_proven", 8), ("newly", "newly_possible", 7),
                  ("+axioms", "more_axioms", 8), ("holders", "holders", 8), ("edges", "edges", 8),
                  ("s", "seconds", 7)], args.json, extra=["newly_by_folder"])
    return 0

if __name__ == "__main__":
    sys.exit(main())
