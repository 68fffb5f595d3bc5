"""``zerosorry history PATH``: scan every first-parent commit into SQLite (resumable) and,
with ``--plot``, draw the burn-down as SVG."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import gitsource, history
from ..errors import InputError
from ..ledger import io
from ..report import summary

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
    p.add_argument("--list", action="store_true",
                   help="print the recorded series in history order (no scanning) and exit")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table",
                   help="the format of --list (default: table)")
    p.add_argument("--steps", type=int, default=5, metavar="K",
                   help="label the K largest changes on the burn-down (default: 5)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors")


COLUMNS = ("position", "commit", "date", "author", "subject", "declarations", "proven", "deferred", "stub",
           "axiom", "sorries", "load_bearing_zero_sorry", "load_bearing_entries")


def rows(counts: list[history.CommitCounts]) -> list[dict[str, object]]:
    return [{"position": c.position, "commit": c.sha, "date": history.commit_date(c.committed), "author": c.author,
             "subject": c.subject, "declarations": c.declarations, "proven": c.proven, "deferred": c.deferred,
             "stub": c.stub, "axiom": c.axiom, "sorries": c.sorries,
             "load_bearing_zero_sorry": c.entries_proven, "load_bearing_entries": c.entries_total}
            for c in counts]


def render_list(counts: list[history.CommitCounts], fmt: str) -> str:
    """The series as a table (subject last, cut to fit), CSV or JSON, oldest first."""
    data = rows(counts)
    if fmt == "json":
        import json

        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        import csv
        import io as _io

        buf = _io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)
        return buf.getvalue()
    head = ("#", "commit", "date", "author", "decls", "proven", "deferred", "stub", "axiom", "sorries",
            "entries", "subject")
    table = [head]
    for r, c in zip(data, counts, strict=True):
        entries = "" if c.entries_total is None else f"{c.entries_proven}/{c.entries_total}"
        table.append((str(r["position"] or ""), c.sha[:12], str(r["date"]), c.author[:20], str(c.declarations),
                      str(c.proven), str(c.deferred), str(c.stub), str(c.axiom), str(c.sorries), entries,
                      c.subject[:72]))
    widths = [max(len(row[k]) for row in table) for k in range(len(head) - 1)]
    numeric = {0, 4, 5, 6, 7, 8, 9, 10}
    lines = ["  ".join([*(cell.rjust(wd) if k in numeric else cell.ljust(wd)
                          for k, (cell, wd) in enumerate(zip(row, widths, strict=False))), row[-1]])
             for row in table]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def run(args: argparse.Namespace) -> int:
    if args.max_commits is not None and args.max_commits < 1:
        raise InputError("--max-commits must be at least 1")
    if not args.path.is_dir():
        raise InputError(f"{args.path}: not a directory (give the Lean project's folder)")
    repo, project = gitsource.toplevel(args.path)
    revs = gitsource.first_parent_history(repo, args.rev, since=args.since, max_commits=args.max_commits)
    db_path = args.db if args.db is not None else args.path / ".zerosorry" / "history.sqlite3"
    if args.list and not db_path.is_file():
        raise InputError(f"{db_path}: no history recorded yet (run zerosorry history {args.path} first)")
    db = history.open_db(db_path, project=project, repository=gitsource.root_commits(repo, args.rev))
    if args.list:
        try:
            history.set_positions(db, revs)
            counts = history.load_counts(db)
            if args.since is not None or args.max_commits is not None:
                wanted = {r.sha for r in revs}
                counts = [c for c in counts if c.sha in wanted]
            sys.stdout.write(render_list(counts, args.format))
        finally:
            db.close()
        return 0
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
            svg = history.burndown_svg(counts, title=f"zerosorry burn-down: {label}",
                                       causes=history.step_labels(db, counts, args.steps), steps=args.steps)
            io.atomic_write_text(args.plot, svg)
    finally:
        db.close()
        if cache is not None:
            cache.close()
    if not args.quiet:
        print(f"history {db_path}: {report.total} commits, {report.scanned} scanned, "
              f"{report.skipped} already recorded", file=sys.stdout)
        for line in summary.left_out_text(report.left_out):
            print(line)
        if args.plot is not None:
            print(f"wrote {args.plot}")
    return 0
