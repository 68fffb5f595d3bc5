"""``zerosorry history PATH``: scan every first-parent commit into SQLite (resumable) and,
with ``--plot``, draw the burn-down as SVG."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import gitsource, history
from ..errors import InputError
from ..ledger import io

NAME = "history"
HELP = "record proof status over the first-parent git history (SQLite, resumable); --plot draws the burn-down SVG"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", type=Path, help="the Lean project's root, inside a git repository")
    p.add_argument("--db", type=Path, default=None,
                   help="the history database (default: PATH/.zerosorry/history.sqlite3)")
    p.add_argument("--since", default=None, metavar="REV",
                   help="start at this revision (inclusive) instead of the first commit")
    p.add_argument("--max-commits", type=int, default=None, metavar="N",
                   help="only the newest N commits of the walk")
    p.add_argument("--rev", default="HEAD", help="walk back from this revision (default: HEAD)")
    p.add_argument("--plot", type=Path, default=None, metavar="OUT.svg",
                   help="write the burn-down (sorries, deferred, proven load-bearing entries) as SVG")
    p.add_argument("-j", "--jobs", type=int, default=None, help="parallel parser processes")
    p.add_argument("--no-cache", action="store_true", help="do not use the content-hash parse cache")
    p.add_argument("--cache-dir", type=Path, default=None, help="where the parse cache lives")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors")


def run(args: argparse.Namespace) -> int:
    if args.max_commits is not None and args.max_commits < 1:
        raise InputError("--max-commits must be at least 1")
    if not args.path.is_dir():
        raise InputError(f"{args.path}: not a directory (give the Lean project's folder)")
    repo, project = gitsource.toplevel(args.path)
    revs = gitsource.first_parent_history(repo, args.rev, since=args.since, max_commits=args.max_commits)
    db_path = args.db if args.db is not None else args.path / ".zerosorry" / "history.sqlite3"
    db = history.open_db(db_path, project=project, repository=gitsource.root_commits(repo, args.rev))
    cache = gitsource.open_cache(not args.no_cache, args.cache_dir)

    def say(i: int, n: int, c: history.CommitCounts) -> None:
        if not args.quiet:
            entries = "" if c.entries_total is None else f", entries proven {c.entries_proven}/{c.entries_total}"
            print(f"[{i}/{n}] {c.sha[:12]} sorries {c.sorries}, deferred {c.deferred}, "
                  f"proven {c.proven}{entries}", flush=True)

    try:
        with gitsource.GitObjects(repo) as objects:
            report = history.record_history(db, objects, revs, project, cache=cache, jobs=args.jobs,
                                             on_commit=say)
        if args.plot is not None:
            counts = history.load_counts(db, [r.sha for r in revs])
            label = project or repo.name
            svg = history.burndown_svg(counts, title=f"zerosorry burn-down: {label}")
            io.atomic_write_text(args.plot, svg)
    finally:
        db.close()
        if cache is not None:
            cache.close()
    if not args.quiet:
        print(f"history {db_path}: {report.total} commits, {report.scanned} scanned, "
              f"{report.skipped} already recorded", file=sys.stdout)
        if args.plot is not None:
            print(f"wrote {args.plot}")
    return 0
