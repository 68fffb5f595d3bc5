"""Noise of the source engine's possible uses on real projects.

A reference the source engine cannot pin (field notation whose receiver's type it does not read)
is a *possible* use of every candidate; a declaration deferred only through such uses is a
*possible deferral* (``possible_deferral``).  Each is sound but noise when Lean would have
picked a proven candidate.  For each project given, this scans it (source engine, parse cache
under ``ZEROSORRY_CACHE_DIR`` or the default) and prints:

* declarations, deferred, and of those the possible deferrals;
* declarations with at least one possible reference, the possible references in all, and the
  possible-use edges (declaration -> a candidate it may use; a sorry in the candidate would make
  the declaration a possible deferral);
* with ``--list``, each possible deferral with its chain's possible steps, in words.

    python bench/possible.py PATH [PATH ...] [--list] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from zerosorry.ledger.model import Status
from zerosorry.ledger.possible import possible_steps
from zerosorry.scan import scan_project


def measure(root: Path, *, listing: bool) -> dict[str, object]:
    ledger = scan_project(root, jobs=1)
    by_name = ledger.by_name()
    recs = ledger.records
    possible = [r for r in recs if r.possible_deferral]
    out: dict[str, object] = {
        "project": root.name,
        "declarations": len(recs),
        "deferred": sum(r.status is Status.DEFERRED for r in recs),
        "possible_deferred": len(possible),
        "with_possible_refs": sum(bool(r.possible_refs) for r in recs),
        "possible_refs": sum(len(r.possible_refs) for r in recs),
        "possible_edges": sum(len(r.possible_uses) for r in recs),
    }
    if listing:
        out["list"] = {r.name: possible_steps(r.via, by_name) for r in possible}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", type=Path, nargs="+", help="Lean project roots")
    ap.add_argument("--list", action="store_true", help="name each possible deferral and its possible steps")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    rows = [measure(p, listing=args.list) for p in args.paths]
    report(rows, [("project", "project", 12), ("decls", "declarations", 7), ("deferred", "deferred", 10),
                  ("possible", "possible_deferred", 10), ("w/ refs", "with_possible_refs", 9),
                  ("refs", "possible_refs", 7), ("edges", "possible_edges", 7)], args.json)
    return 0


def report(rows: list[dict[str, object]], columns: Sequence[tuple[str, str, int]], json_path: Path | None,
           extra: Sequence[str] = ()) -> None:
    """``rows`` as a table (``columns``: header, key, width; the first left-aligned), each row
    followed by its ``extra`` keys' values and its listed possible deferrals; and as JSON at
    ``json_path`` when given."""
    head, *rest = columns
    print(f"{head[0]:<{head[2]}}" + "".join(f"{h:>{w}}" for h, _, w in rest))
    for r in rows:
        print(f"{r[head[1]]!s:<{head[2]}}" + "".join(f"{r[k]!s:>{w}}" for _, k, w in rest))
        for key in extra:
            print(f"  {key.replace('_', ' ')}: {r[key]}")
        for name, steps in dict(r.get("list") or {}).items():  # type: ignore[call-overload]
            print(f"  {name}: {'; '.join(steps)}")
    if json_path:
        json_path.write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n", encoding="utf-8")

if __name__ == "__main__":
    sys.exit(main())
