"""``zerosorry check PATH``: the CI gate.  Exit 0 when every policy holds, 1 when one is
broken, 2 on a usage or input error."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from ..errors import InputError
from ..gate import Finding, GateManifest, evaluate
from ..identity import carry_over
from ..ledger import io
from ..ledger.model import Ledger
from ..report import gate_report
from ..rootcause import RootCause, root_causes
from ._common import (
    add_scan_options,
    add_witness_options,
    gate_manifest,
    ledger_option,
    obtain_ledger,
    witness_runner,
)

NAME = "check"
HELP = "the CI gate: exit 1 when a policy (zero-sorry entries, baseline, axioms, stale ledger) is broken"

FORMATS = ("text", "github", "markdown", "json")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_scan_options(p)
    p.add_argument("--manifest", type=Path, default=None,
                   help="the author's manifest (default: PATH/appendix.toml when it exists)")
    p.add_argument("--ship", action="store_true",
                   help="also require every load-bearing entry (every manifest entry) to be proven")
    p.add_argument("--baseline", default=None, metavar="FILE|REV",
                   help="a committed ledger (or a git revision of the project) that must not regress")
    p.add_argument("--allow-axiom", action="append", default=[], metavar="NAME",
                   help="a project axiom load-bearing derivations may rest on (repeatable; adds to "
                        "the manifest's allowed_axioms)")
    p.add_argument("--ledger", type=Path, default=None,
                   help="the committed ledger that must match the sources "
                        "(default: PATH/lean_status.json when it exists)")
    add_witness_options(p)
    p.add_argument("--no-blueprint", action="store_true",
                   help="skip the blueprint policy (on by default when PATH/blueprint/src exists)")
    p.add_argument("--blueprint", type=Path, default=None, metavar="DIR",
                   help="the leanblueprint source folder (default: PATH/blueprint/src)")
    p.add_argument("--paper", type=Path, default=None, metavar="MAIN.tex",
                   help="also check the paper: every \\leanproved claim in MAIN.tex and the files it "
                        "\\inputs must be proven (docs/latex.md)")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="text (default), github (workflow annotations; the default when "
                        "GITHUB_ACTIONS=true), markdown or json")


def _baseline(args: argparse.Namespace) -> Ledger | None:
    spec = args.baseline
    if spec is None:
        return None
    if Path(spec).is_file():
        return io.read(Path(spec))
    from .. import gitsource

    try:
        repo, project = gitsource.toplevel(args.path)
    except InputError:
        raise InputError(f"--baseline {spec}: no such ledger file") from None
    if not gitsource.is_revision(repo, spec):
        raise InputError(f"--baseline {spec}: neither a ledger file nor a revision of {repo}")
    with gitsource.GitObjects(repo) as objects:
        cache = gitsource.open_cache(not args.no_cache, args.cache_dir)
        try:
            return gitsource.scan_revision(objects, gitsource.resolve(repo, spec), project, cache=cache,
                                           jobs=args.jobs, allow_empty=True)
        finally:
            if cache is not None:
                cache.close()


def _paper(args: argparse.Namespace, manifest: GateManifest | None) -> Callable[[Ledger], list[Finding]] | None:
    """The paper policy for ``--paper`` (its sources read now, before the scan)."""
    if args.paper is None:
        return None
    from ..paper import paper_policy, read_paper

    if manifest is None:
        raise InputError(f"--paper needs a manifest: the paper cites its entries, and there is no "
                         f"appendix.toml in {args.path} (give --manifest FILE)")
    root = args.path.resolve()
    try:  # a paper beside the project in its repository is named from the project: ../paper/x.tex
        from .. import gitsource

        outer = gitsource.toplevel(args.path)[0].resolve()
    except InputError:
        outer = root

    def label(p: Path) -> str:  # relative to the project root, like every finding's file
        full = p.resolve()
        return Path(os.path.relpath(full, root)).as_posix() if full.is_relative_to(outer) else str(full)

    sources = read_paper(args.paper, label=label)
    return paper_policy(sources, [(e.id, e.lean) for e in manifest.entries])


def _repo_prefix(path: Path) -> str:
    from .. import gitsource

    try:
        return gitsource.toplevel(path)[1]
    except InputError:
        return ""


def run(args: argparse.Namespace) -> int:
    if not args.path.is_dir():
        what = "not a directory (give the Lean project's folder)" if args.path.exists() else "no such directory"
        raise InputError(f"{args.path}: {what}")
    manifest = gate_manifest(args)
    if args.ship and manifest is None:
        raise InputError(f"--ship needs a manifest: no appendix.toml in {args.path} (give --manifest FILE)")
    paper = _paper(args, manifest)
    baseline = _baseline(args)
    committed_path = ledger_option(args) or args.path / "lean_status.json"
    committed = io.read(committed_path) if committed_path.is_file() else None
    ledger = obtain_ledger(args)
    notes: list[str] = []
    if ledger.engine.fallback_reason:
        notes.append(f"--engine {ledger.engine.requested}: the lean engine was not used "
                     f"({ledger.engine.fallback_reason}); statuses come from the source engine")
    if baseline is not None and not baseline.records and any(d.code == "empty-revision" for d in baseline.diagnostics):
        notes.append(f"--baseline {args.baseline}: the project does not exist at that revision, so the "
                     "baseline policy has nothing to compare with and did not run")
        baseline = None
    causes: list[RootCause] = []
    if baseline is not None:
        # a renamed or moved declaration is compared with itself (its status carries over)
        baseline = carry_over(baseline, ledger)
        causes = root_causes(baseline, ledger, manifest, mapping={})
    # what the scan could not read may hide a sorry (an unterminated comment hides the rest of
    # its file): every error is said, so a passing gate never rests on it silently
    errors = [d for d in ledger.diagnostics if d.severity.value == "error"]
    notes += [f"scan error: {d}" for d in errors[:10]]
    if len(errors) > 10:
        notes.append(f"… and {len(errors) - 10} more scan errors (zerosorry scan {args.path} lists them)")
    refresh = f"zerosorry scan {args.path} --out {committed_path}"
    try:
        inside = committed_path.resolve().relative_to(args.path.resolve()).as_posix()
    except ValueError:
        inside = None
    specs = [e.witness for e in manifest.entries if e.witness] if manifest is not None else []
    result = evaluate(
        ledger,
        manifest=manifest,
        ship=args.ship,
        witnesses=not args.no_witnesses,
        allowed_axioms=args.allow_axiom,
        baseline=baseline,
        committed=committed,
        committed_label=str(committed_path),
        committed_file=inside,
        refresh_command=refresh,
        runner=witness_runner(args, specs),
        paper=paper,
    )
    if not args.no_blueprint:
        from ..blueprint.gate import policy

        ran, found, bp_notes = policy(args.path, ledger, args.blueprint)
        if ran:
            result.policies.append("blueprint")
            result.findings += found
            notes += bp_notes
    result.notes = notes + result.notes
    fmt = args.format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    target = str(args.path)
    prefix = _repo_prefix(args.path) if fmt in ("github", "markdown") or os.environ.get("GITHUB_STEP_SUMMARY") else ""
    if fmt == "json":
        out = gate_report.json_report(result, target=target, causes=causes)
    elif fmt == "github":
        out = gate_report.github(result, target=target, prefix=prefix, causes=causes)
    elif fmt == "markdown":
        out = gate_report.markdown(result, target=target, prefix=prefix, causes=causes)
    else:
        out = gate_report.text(result, target=target, causes=causes)
    if not (args.quiet and result.holds):
        sys.stdout.write(out)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        try:
            with open(summary_file, "a", encoding="utf-8") as fh:
                fh.write(gate_report.markdown(result, target=target, prefix=prefix, causes=causes))
        except OSError as exc:
            print(f"zerosorry check: cannot append to GITHUB_STEP_SUMMARY: {exc}", file=sys.stderr)
    return 0 if result.holds else 1
