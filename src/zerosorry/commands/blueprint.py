"""``zerosorry blueprint PATH``: the drift between a leanblueprint's hand-written marks and the
derived statuses.  Exit 0 when no node marked proven is contradicted (no class 1 or 2 finding),
1 when one is, 2 on a usage or input error."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import InputError
from ._common import add_scan_options, ledger_option, obtain_ledger

NAME = "blueprint"
HELP = "check a leanblueprint's \\leanok marks against the derived statuses (drift report)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ..blueprint.report import FORMATS

    add_scan_options(p)
    p.add_argument("--blueprint", type=Path, default=None, metavar="DIR",
                   help="the blueprint's source folder (default: PATH/blueprint/src)")
    p.add_argument("--ledger", type=Path, default=None,
                   help="read this ledger instead of scanning PATH")
    p.add_argument("--hide", action="append", default=[], metavar="CLASS",
                   help="do not list the findings of this informational class (3-6, by number or name, "
                        "e.g. --hide uses-contradicted); they are still counted; repeatable")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="text (default), markdown, json, or github (annotations on the .tex files; the "
                        "default when GITHUB_ACTIONS=true)")


def run(args: argparse.Namespace) -> int:
    from ..blueprint import check, find_blueprint
    from ..blueprint import report as rp
    from ..blueprint.drift import hideable

    if not args.path.is_dir():
        raise InputError(f"{args.path}: no such directory")
    if args.blueprint is not None and not (args.blueprint if args.blueprint.is_absolute() or args.blueprint.exists()
                                           else args.path / args.blueprint).is_dir():
        raise InputError(f"--blueprint {args.blueprint}: no such folder")
    ledger_file = ledger_option(args)
    if find_blueprint(args.path, args.blueprint) is None:
        raise InputError(f"{args.path}: no blueprint (no .tex file in {args.path / 'blueprint' / 'src'}; "
                         "give --blueprint DIR)")
    try:  # before the (slower) scan
        hide = [hideable(c) for c in args.hide]
    except ValueError as exc:
        raise InputError(f"--hide: {exc}") from exc
    ledger = obtain_ledger(args, ledger_file=ledger_file)
    found = check(args.path, ledger, args.blueprint)
    assert found is not None
    bp, report = found
    report = report.hiding(hide)
    fmt = args.format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    target = str(args.path)
    if fmt == "json":
        out = rp.json_report(bp, report, target=target)
    elif fmt == "markdown":
        out = rp.markdown(bp, report, target=target)
    elif fmt == "github":
        from .check import _repo_prefix

        out = rp.github(bp, report, target=target, prefix=_repo_prefix(args.path))
    else:
        out = rp.text(bp, report, target=target)
    if not (args.quiet and not report.failing):
        sys.stdout.write(out)
    if not bp.nodes and any(d.severity.value == "error" for d in bp.diagnostics):
        return 2
    return 1 if report.failing else 0
