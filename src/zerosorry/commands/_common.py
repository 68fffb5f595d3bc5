"""Options and steps shared by the commands that need a ledger (scan, site, check, why, …)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..ledger import io
from ..ledger.model import Ledger

if TYPE_CHECKING:  # imported where a manifest is read: a scan does without
    from ..gate import GateManifest

ENGINES = ("source", "lean", "both", "auto")


def add_scan_options(p: argparse.ArgumentParser, *, engine: bool = True) -> None:
    p.add_argument("path", type=Path, help="the Lean project's root (where its lakefile is)")
    if engine:
        p.add_argument("--engine", choices=ENGINES, default="source",
                       help="source (default; no Lean needed), lean (the project's own toolchain), "
                            "both (record both verdicts and their disagreements), auto")
        p.add_argument("--lean-timeout", type=float, default=1800.0, metavar="SECONDS",
                       help="give up on `lake` after this long (lean engine)")
    p.add_argument("-j", "--jobs", type=int, default=None, help="parallel parser processes")
    p.add_argument("--no-cache", action="store_true", help="do not use the content-hash parse cache")
    p.add_argument("--cache-dir", type=Path, default=None, help="where the parse cache lives")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors")


def _progress_bar(quiet: bool):  # type: ignore[no-untyped-def]
    """A rich progress bar on a terminal for long scans; nothing otherwise."""
    if quiet or not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), transient=True)
    task = bar.add_task("parsing", total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update


def obtain_ledger(args: argparse.Namespace, *, ledger_file: Path | None = None) -> Ledger:
    """Read ``ledger_file`` if given, else scan ``args.path`` with the requested engine."""
    if ledger_file is not None:
        return io.read(ledger_file)
    return obtain_scan(args)[0]


def obtain_scan(args: argparse.Namespace) -> tuple[Ledger, io.LineMemo | None]:
    """Scan ``args.path`` with the requested engine: with the cache, through the project's
    stored state (zerosorry.warm: a re-scan redoes only what changed).  Also the memo of the
    declarations' encoded lines, for :func:`zerosorry.ledger.io.write` (None: the lean
    engine changed the records)."""
    from ..scan import default_cache_dir, scan_project

    bar, update = _progress_bar(getattr(args, "quiet", False))
    memo: io.LineMemo | None = None
    try:
        if bar is not None:
            bar.start()
        if args.no_cache:
            ledger = scan_project(args.path, jobs=args.jobs, use_cache=False, progress=update)
        else:
            from ..warm import scan

            if not args.path.is_dir():  # the errors scan_project gives
                scan_project(args.path, jobs=args.jobs, use_cache=False)
            ledger, memo = scan(args.path, args.cache_dir or default_cache_dir(), jobs=args.jobs, progress=update)
    finally:
        if bar is not None:
            bar.stop()
    engine = getattr(args, "engine", "source")
    if engine != "source":
        memo = None
        from ..lean.toolchain import apply_engine

        def say(line: str) -> None:
            if not getattr(args, "quiet", False):
                print(line, file=sys.stderr)

        ledger = apply_engine(ledger, args.path, engine, timeout=args.lean_timeout, progress=say)
    return ledger, memo


def validated_lines(args: argparse.Namespace) -> io.ValidatedLines:
    """The memo of ledger lines already found valid, kept beside the parse cache (none with
    --no-cache: then every line is validated)."""
    if getattr(args, "no_cache", False):
        return io.ValidatedLines()
    from ..scan import default_cache_dir

    return io.ValidatedLines((args.cache_dir or default_cache_dir()) / "validated-lines.bin")


def require_file(path: Path, what: str) -> Path:
    if not path.is_file():
        raise InputError(f"{path}: no such {what}")
    return path


def ledger_option(args: argparse.Namespace) -> Path | None:
    """``--ledger``, which must name a file; None when it is not given (scan instead)."""
    return require_file(args.ledger, "ledger") if args.ledger is not None else None


def gate_manifest(args: argparse.Namespace) -> GateManifest | None:
    """The manifest a command reads for its load-bearing entries: ``--manifest``, else
    ``PATH/appendix.toml`` when there is one, else none."""
    from ..gate import load_manifest

    if args.manifest is not None:
        if not args.manifest.is_file():
            raise InputError(f"{args.manifest}: no such manifest")
        return load_manifest(args.manifest, project_root=args.path)
    default = args.path / "appendix.toml"
    return load_manifest(default, project_root=args.path) if default.is_file() else None


def add_witness_options(p: argparse.ArgumentParser) -> None:
    """How the manifest's numeric witnesses run: each in its own process, with limits."""
    from ..witnesses import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT

    p.add_argument("--no-witnesses", action="store_true",
                   help="do not run the manifest's numeric witnesses (they are the project's own code: "
                        "pass this on untrusted pull requests)")
    p.add_argument("--witness-timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"a witness still running after this long fails (default: {DEFAULT_TIMEOUT:g})")
    p.add_argument("--witness-memory", type=int, default=DEFAULT_MEMORY_MB, metavar="MIB",
                   help=f"address-space limit of each witness process, 0 for none (default: {DEFAULT_MEMORY_MB})")


def witness_runner(args: argparse.Namespace, specs: Iterable[str]) -> Callable[[str], Mapping[str, Any]]:
    """Run every witness of ``specs`` now, in parallel and isolated; a runner answering from
    those results (and running any other spec the same way)."""
    from ..witnesses import Limits, run_all, run_isolated

    if args.witness_timeout <= 0:
        raise InputError("--witness-timeout must be positive")
    limits = Limits(args.witness_timeout, args.witness_memory or None, getattr(args, "jobs", None))
    results = run_all(specs, limits) if not args.no_witnesses else {}
    return lambda spec: results[spec] if spec in results else run_isolated(spec, limits)
