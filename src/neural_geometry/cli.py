"""``zerosorry-geometry``: measure key tensors and run the numeric witnesses.

    zerosorry-geometry measure KEYS [--out FILE.json|FILE.csv] [--center] [--baseline B]
    zerosorry-geometry witnesses [NAME ...] [--json FILE]

Subcommands are registered on one argparse ``subparsers`` object; if the optional module
``neural_geometry.lab.cli`` is importable, its ``register(subparsers)`` adds more (``lab``).
A registered subcommand sets ``func`` (``Callable[[argparse.Namespace], int]``) via
``set_defaults``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from neural_geometry.formulas import GAUSSIAN_BETA
from neural_geometry.keys import format_table, load_keys, measure, write_table

PROG = "zerosorry-geometry"


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2."""

    def error(self, message: str) -> Any:  # argparse declares NoReturn; we raise instead
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _cmd_measure(args: argparse.Namespace) -> int:
    keys_path = Path(args.keys)
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in (".json", ".csv"):
        raise ValueError(f"{out}: --out must end in .json or .csv")
    keys = load_keys(keys_path)
    rows = measure(keys, gauge_baseline=args.baseline, center=args.center)
    print(f"{keys_path}: {keys.shape[0]} layers × {keys.shape[1]} heads × "
          f"{keys.shape[2]} tokens, d = {keys.shape[3]}")
    print(format_table(rows))
    if out is not None:
        write_table(rows, out)
        print(f"wrote {out}")
    return 0


def _cmd_witnesses(args: argparse.Namespace) -> int:
    import json
    import time

    from neural_geometry.witnesses import WITNESSES

    names = list(args.names) or list(WITNESSES)
    unknown = [n for n in names if n not in WITNESSES]
    if unknown:
        raise ValueError(f"unknown witness {unknown[0]!r} (known: {', '.join(WITNESSES)})")
    report = {}
    failed = 0
    for name in names:
        start = time.perf_counter()
        res = WITNESSES[name]()
        elapsed = time.perf_counter() - start
        report[name] = {**res, "seconds": round(elapsed, 3)}
        mark = "pass" if res["passed"] else "FAIL"
        failed += not res["passed"]
        print(f"{mark}  {name}  ({elapsed:.2f}s)  {res['summary']}")
        if res["counterexample"]:
            print(f"      counterexample: {res['counterexample']}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"{len(names) - failed} of {len(names)} witnesses passed")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Numeric companion of the moe-gauge appendix.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    m = subparsers.add_parser(
        "measure",
        help="per-layer β, angle, gauge and bits of a (layers, heads, tokens, d) key tensor",
    )
    m.add_argument("keys", metavar="KEYS", help="a .npy or .safetensors file")
    m.add_argument("--out", metavar="FILE", help="also write the table (.json or .csv)")
    m.add_argument("--center", action="store_true", help="DC-centre each head over tokens first")
    m.add_argument(
        "--baseline",
        type=float,
        default=GAUSSIAN_BETA,
        help="β baseline subtracted from per-head means before the gauge's max(0, ·) "
        "(default 2/π)",
    )
    m.set_defaults(func=_cmd_measure)
    w = subparsers.add_parser("witnesses", help="run the numeric witnesses (exit 1 if any fails)")
    w.add_argument("names", nargs="*", metavar="NAME", help="witness names (default: all)")
    w.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    w.set_defaults(func=_cmd_witnesses)
    _register_optional(subparsers)
    return parser


def _register_optional(subparsers: Any) -> None:
    """Let ``neural_geometry.lab.cli.register(subparsers)`` add the ``lab`` subcommand.

    * lab package absent → nothing is added;
    * lab present but a third-party dependency missing (the ``[lab]`` extra: torch, …) → a
      ``lab`` subcommand that explains what to install, so ``measure`` keeps working;
    * any other import error inside our own package surfaces.
    """
    try:
        lab_cli = importlib.import_module("neural_geometry.lab.cli")
    except ImportError as exc:
        missing = exc.name or ""
        if missing in ("neural_geometry.lab", "neural_geometry.lab.cli"):
            return
        if missing == "neural_geometry" or missing.startswith("neural_geometry."):
            raise
        reason = str(exc)

        def unavailable(_args: argparse.Namespace) -> int:
            raise ValueError(
                f"the lab needs the optional dependencies (pip install 'zerosorry[lab]'): {reason}"
            )

        lab = subparsers.add_parser("lab", help="the empirical lab (needs the [lab] extra)")
        lab.set_defaults(func=unavailable)
        return
    register: Callable[[Any], None] = lab_cli.register
    register(subparsers)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except _UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        print(f"{PROG}: error: a command is required (measure, witnesses)", file=sys.stderr)
        return 2
    try:
        return func(args)
    except (ValueError, OSError) as exc:
        message = " ".join(str(exc).split())
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
