"""The ``zerosorry`` command line.  The only place that exits.

Each sub-command lives in :mod:`zerosorry.commands` as a module with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``; they are discovered, not listed here.
Exit codes: 0 success, 1 a policy is broken (the gate), 2 usage or input error.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

from . import __version__, commands, engine
from .errors import InputError
from .ledger.io import LedgerError


def _command_modules(wanted: str | None = None) -> list[ModuleType]:
    """Every command's module; only ``wanted``'s when it names one (each module is named as its
    command: a scan need not import what the site or the gate run on)."""
    names = sorted(info.name for info in pkgutil.iter_modules(commands.__path__) if not info.name.startswith("_"))
    if wanted in names:
        names = [wanted]
    return [importlib.import_module(f"{commands.__name__}.{name}") for name in names]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse's own usage errors: one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command (``command``: of that one alone, when it is one)."""
    parser = _Parser(
        prog="zerosorry",
        description="Lean 4 proof-status ledger, living appendix and CI gate.",
    )
    parser.add_argument("--version", action="version", version=f"zerosorry {__version__} ({engine.describe()})")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for mod in _command_modules(command):
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    try:
        code: int = args._run(args)
    except (InputError, LedgerError) as exc:
        print(f"zerosorry {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zerosorry: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
