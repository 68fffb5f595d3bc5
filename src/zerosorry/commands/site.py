"""``zerosorry site PATH --out DIR``: scan, check the manifest, run the witnesses, render the site."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError
from ._common import (
    add_scan_options,
    add_witness_options,
    ledger_option,
    obtain_ledger,
    require_file,
    witness_runner,
)

NAME = "site"
HELP = "scan a Lean project and render its appendix site (status panel, theorems page, tables)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_scan_options(p)
    p.add_argument("-o", "--out", type=Path, required=True, help="the folder to write the site into")
    p.add_argument("--manifest", type=Path, default=None,
                   help="the author's manifest (default: PATH/appendix.toml if it exists)")
    p.add_argument("--ledger", type=Path, default=None,
                   help="render this ledger (lean_status.json) instead of scanning")
    p.add_argument("--history-db", type=Path, default=None,
                   help="embed the burn-down from this history database "
                        "(default: PATH/.zerosorry/history.sqlite3 if it exists)")
    add_witness_options(p)
    p.add_argument("--blueprint", type=Path, default=None, metavar="DIR",
                   help="the leanblueprint source folder (default: PATH/blueprint/src when it exists); "
                        "the site gets a Blueprint page")
    p.add_argument("--no-blueprint", action="store_true", help="no Blueprint page even if there is a blueprint")
    p.add_argument("--force", action="store_true",
                   help="replace --out even if it is a non-empty folder that zerosorry did not write")


def run(args: argparse.Namespace) -> int:
    from ..appendix import manifest as mf
    from ..appendix.site import build_site, load_history, read_sources

    if not args.path.is_dir():
        raise InputError(f"{args.path}: no such folder")
    project = args.path.resolve()
    if project == args.out.resolve() or project.is_relative_to(args.out.resolve()):
        raise InputError(f"--out {args.out}: that is the project folder (or holds it); the site "
                         "replaces its --out folder, so give a folder of its own, like site/")
    manifest_path = args.manifest
    if manifest_path is None and (args.path / "appendix.toml").is_file():
        manifest_path = args.path / "appendix.toml"
    # Read and check the manifest's own structure before the (slower) scan.
    manifest = mf.load_manifest(require_file(manifest_path, "manifest")) if manifest_path else None
    ledger_file = ledger_option(args)
    ledger = obtain_ledger(args, ledger_file=ledger_file)
    db = args.history_db if args.history_db is not None else args.path / ".zerosorry" / "history.sqlite3"
    hist = load_history(db, title="Burn-down")
    specs = [e.witness for e in manifest.entries if e.witness] if manifest is not None else []
    blueprint = None
    if not args.no_blueprint:
        from ..blueprint.view import page

        blueprint = page(args.path, ledger, args.blueprint)
    result = build_site(ledger, manifest, args.out, run_witnesses=not args.no_witnesses,
                        runner=witness_runner(args, specs), force=args.force,
                        history_svg=hist.svg if hist else None, history_changes=hist.changes if hist else None,
                        blueprint=blueprint,
                        sources=read_sources(args.path, ledger))
    if not args.quiet:
        panel = result.view.panel
        counts = ", ".join(f"{n} {s}" for s, n in panel.counts.items())
        print(f"wrote {args.out}/index.html ({result.files} files): {panel.total} declarations ({counts})",
              file=sys.stdout)
        if manifest is not None:
            print(f"load-bearing results: {panel.entries_zero_sorry} of {panel.entries_total} zero-sorry; "
                  f"promised zero-sorry: {panel.entries_promised_met} of {panel.entries_promised} hold")
        else:
            print("no appendix.toml: the theorems page is empty (run `zerosorry init PATH` to start one)")
        for note in result.notes:
            print(f"note: {note}", file=sys.stderr)
        if args.ledger is not None:
            print(f"note: the site shows {args.ledger} as it is; `zerosorry check {args.path} --ledger "
                  f"{args.ledger}` tells whether it still matches the sources", file=sys.stderr)
        for spec in result.witnesses_failed:
            print(f"numeric witness failed: {spec}", file=sys.stderr)
        if ledger.engine.fallback_reason:
            print(f"engine: {ledger.engine.fallback_reason}", file=sys.stderr)
    return 0
