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
        for line in [*summary.diagnostics_text(ledger), *summary.left_out_text(left_out(ledger))]:
            console.print(line, markup=False, highlight=False)
        for line in summary.disagreements_text(ledger):
            console.print(line, markup=False, highlight=False)
        if args.out is not None:
            console.print(f"wrote {args.out}", markup=False, highlight=False)
    return 0
