"""The ``--from-blueprint`` side of ``zerosorry init`` (kept apart from the command's module)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError
from ..ledger.model import Ledger
from .appendix import build_manifest
from .reader import find_blueprint, read_blueprint


def from_blueprint(args: argparse.Namespace, ledger: Ledger, out: Path) -> str:
    root = find_blueprint(args.path, args.blueprint)
    if root is None or not root.is_dir():
        raise InputError(f"{args.blueprint or args.path / 'blueprint' / 'src'}: no blueprint there (give --blueprint DIR)")
    bp = read_blueprint(root, project=args.path)
    title = f"{args.path.resolve().name}: formal appendix"
    web = root.parent / "web"
    text, problems, skipped = build_manifest(bp, ledger, title=title, url=args.blueprint_url, web=web)
    for d in bp.diagnostics:
        print(f"zerosorry init: {d}", file=sys.stderr)
    for p in problems:
        print(f"zerosorry init: {p}", file=sys.stderr)
    if skipped and not args.quiet:
        print(f"zerosorry init: {skipped} nodes left out: none of their \\lean names is a project declaration",
              file=sys.stderr)
    if args.strict and problems:
        raise InputError(f"--strict: {len(problems)} macro(s) or statement(s) KaTeX cannot take; {out} not written")
    if "[[entries]]" not in text.splitlines():
        raise InputError(f"{root}: no blueprint node names a declaration of this project; nothing to write")
    return text
