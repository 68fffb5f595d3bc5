"""``zerosorry scan PATH``: classify every declaration and write ``lean_status.json``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..ledger import io
from ..report import summary
from ..scan import left_out
from ._common import add_scan_options, obtain_scan, validated_lines

NAME = "scan"
HELP = "scan a Lean 4 project and write its proof-status ledger (lean_status.json)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_scan_options(p)
    p.add_argument("-o", "--out", type=Path, default=None,
                   help="write the ledger here (e.g. PATH/lean_status.json); atomically")
    p.add_argument("--format", choices=("table", "json", "markdown"), default="table",
                   help="what to print: a summary table (default), the ledger JSON, or Markdown")


def run(args: argparse.Namespace) -> int:
    ledger, memo = obtain_scan(args)
    if args.out is not None:
        io.write(ledger, args.out, validated=validated_lines(args), memo=memo)
    if args.format == "json":  # asked for explicitly: printed even with -q
        sys.stdout.write(io.dumps(ledger))
    elif args.format == "markdown":
        sys.stdout.write(summary.markdown(ledger))
    elif args.quiet:
        return 0
    else:
        from rich.console import Console

        console = Console()
        console.print(summary.rich_table(ledger))
        console.print(summary.kind_table(ledger))
        # plain lines, written as they are: rich would wrap and style each (a real project's
        # hundreds of diagnostics cost more than the warm re-scan that found them)
        lines = [*summary.diagnostics_text(ledger), *summary.left_out_text(left_out(ledger)),
                 *summary.disagreements_text(ledger), *([f"wrote {args.out}"] if args.out is not None else [])]
        console.file.write("".join(f"{line}\n" for line in lines))
    return 0
