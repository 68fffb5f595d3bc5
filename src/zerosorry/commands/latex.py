"""``zerosorry latex PATH --out DIR``: write ``zerosorry.sty`` and ``zerosorry-status.tex``, the
LaTeX package that binds a paper's claims to the ledger (docs/latex.md)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from ..errors import InputError
from ..ledger import io
from ._common import add_scan_options, ledger_option, obtain_ledger, require_file

NAME = "latex"
HELP = "write zerosorry.sty and zerosorry-status.tex: the paper's claims, checked against the ledger"

_SITE_URL = re.compile(r"https?://[^\s\\{}%#\"<>^`|]+\Z")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_scan_options(p)
    p.add_argument("-o", "--out", type=Path, required=True,
                   help="the folder to write into (usually the paper's own folder)")
    p.add_argument("--manifest", type=Path, default=None,
                   help="the author's manifest (default: PATH/appendix.toml)")
    p.add_argument("--ledger", type=Path, default=None,
                   help="read this ledger (lean_status.json) instead of scanning")
    p.add_argument("--site-url", default=None, metavar="URL",
                   help="where the appendix site is published (https://…/); each chip then links "
                        "to its card")


def manifest_entries(path: Path) -> list[tuple[str, tuple[str, ...], str]]:
    """The manifest's entries as (id, Lean names, title): what the paper may cite."""
    from ..appendix import manifest as mf

    return [(e.id, tuple(e.lean), e.title) for e in mf.load_manifest(path).entries]


def find_manifest(args: argparse.Namespace) -> Path:
    if args.manifest is not None:
        return require_file(args.manifest, "manifest")
    default: Path = args.path / "appendix.toml"
    if not default.is_file():
        raise InputError(f"{args.path}: no appendix.toml: the paper cites the manifest's entries "
                         f"(run `zerosorry init {args.path}` to start one, or give --manifest FILE)")
    return default


def run(args: argparse.Namespace) -> int:
    from ..paper import paper_status
    from ..report import latex

    if not args.path.is_dir():
        raise InputError(f"{args.path}: no such folder")
    if args.site_url is not None and not _SITE_URL.match(args.site_url):
        raise InputError(f"--site-url {args.site_url!r}: give an http(s) URL without spaces, "
                         "quotes, braces, backslashes, % or #")
    entries = manifest_entries(find_manifest(args))
    ledger_file = ledger_option(args)
    ledger = obtain_ledger(args, ledger_file=ledger_file)
    status = paper_status(ledger, entries, site_url=args.site_url)
    if args.out.exists() and not args.out.is_dir():
        raise InputError(f"--out {args.out}: not a folder")
    io.atomic_write_text(args.out / latex.PACKAGE_FILE, latex.package_text())
    io.atomic_write_text(args.out / latex.STATUS_FILE, latex.render_status(status))
    if not args.quiet:
        counts = status.entry_counts()
        print(f"wrote {args.out / latex.PACKAGE_FILE} and {args.out / latex.STATUS_FILE}: "
              f"{counts['proven']} of {len(status.entries())} load-bearing results proven "
              f"({len(status.items)} citable ids)", file=sys.stdout)
    return 0
