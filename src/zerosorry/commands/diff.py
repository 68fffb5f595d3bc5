"""``zerosorry diff OLD NEW``: status changes between two ledgers or git revisions."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from .. import gitsource
from ..diff import diff_ledgers
from ..errors import InputError
from ..gate import GateManifest, load_manifest, load_manifest_bytes
from ..ledger import io
from ..ledger.model import Ledger
from ..report import gate_diff
from ..scan import ParseCache

NAME = "diff"
HELP = "status changes between two ledgers or two git revisions of a project (Markdown or JSON)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", help="a ledger file or a git revision (e.g. origin/main)")
    p.add_argument("new", help="a ledger file or a git revision (e.g. HEAD)")
    p.add_argument("--project", type=Path, default=Path("."),
                   help="the Lean project's directory, inside the git repository (default: .)")
    p.add_argument("--manifest", type=Path, default=None,
                   help="the manifest whose entries are load-bearing (default: the entries of both "
                        "revisions' appendix.toml, else PROJECT/appendix.toml)")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.add_argument("-o", "--out", type=Path, default=None, help="write the report here instead of stdout")
    p.add_argument("-j", "--jobs", type=int, default=None, help="parallel parser processes")
    p.add_argument("--no-cache", action="store_true", help="do not use the content-hash parse cache")
    p.add_argument("--cache-dir", type=Path, default=None, help="where the parse cache lives")


@dataclass
class Side:
    ledger: Ledger
    label: str
    manifest: GateManifest | None


class _Repo:
    """The git repository around ``--project``, opened only when a side is a revision."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._objects: gitsource.GitObjects | None = None
        self.repo: Path | None = None
        self.project = ""

    def objects(self) -> gitsource.GitObjects:
        if self._objects is None:
            self.repo, self.project = gitsource.toplevel(self.args.project)
            self._objects = gitsource.GitObjects(self.repo)
        return self._objects

    def close(self) -> None:
        if self._objects is not None:
            self._objects.close()


def _side(spec: str, repo: _Repo, cache: ParseCache | None, jobs: int | None) -> Side:
    if Path(spec).is_file():
        return Side(io.read(Path(spec)), spec, None)
    try:
        objects = repo.objects()
    except InputError:
        raise InputError(f"{spec}: neither a ledger file nor a revision (no git repository at "
                         f"{repo.args.project})") from None
    assert repo.repo is not None
    if not gitsource.is_revision(repo.repo, spec):
        raise InputError(f"{spec}: neither a ledger file nor a revision of {repo.repo}")
    rev = gitsource.resolve(repo.repo, spec)
    files = objects.files(rev.sha, repo.project)
    ledger = gitsource.scan_revision(objects, rev, repo.project, cache=cache, jobs=jobs, files=files,
                                     allow_empty=True)
    manifest = None
    if "appendix.toml" in files:
        try:
            manifest = load_manifest_bytes(files["appendix.toml"], label=f"{spec}:appendix.toml")
        except InputError as exc:  # only a source of entry names: a broken one is left out, said once
            print(f"zerosorry diff: warning: {exc}; its entries are not used", file=sys.stderr)
    return Side(ledger, f"{spec} ({rev.sha[:12]})", manifest)


def run(args: argparse.Namespace) -> int:
    repo = _Repo(args)
    cache = gitsource.open_cache(not args.no_cache, args.cache_dir)
    try:
        old = _side(args.old, repo, cache, args.jobs)
        new = _side(args.new, repo, cache, args.jobs)
    finally:
        repo.close()
        if cache is not None:
            cache.close()
    manifests: list[GateManifest] = []
    if args.manifest is not None:
        if not args.manifest.is_file():
            raise InputError(f"{args.manifest}: no such manifest")
        manifests.append(load_manifest(args.manifest))
    else:
        manifests += [m for m in (new.manifest, old.manifest) if m is not None]
        fallback = args.project / "appendix.toml"
        if not manifests and fallback.is_file():
            manifests.append(load_manifest(fallback))
    d = diff_ledgers(old.ledger, new.ledger, manifests=manifests, old_label=old.label, new_label=new.label)
    text = gate_diff.to_json(d) if args.format == "json" else gate_diff.markdown(d)
    if args.out is not None:
        io.atomic_write_text(args.out, text)
    else:
        sys.stdout.write(text)
    return 0
