"""``zerosorry init PATH``: write a starter ``appendix.toml`` from a scan.

One family per Lean file, and every theorem and lemma as a candidate entry, commented out: the
file is valid as written, and uncommenting an entry's block gives a valid entry (with TODO prose
and target "open") that the author then edits.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path, PurePosixPath

from ..errors import InputError
from ..ledger import io
from ..ledger.model import Ledger, Record
from ._common import add_scan_options, obtain_ledger

NAME = "init"
HELP = "write a starter appendix.toml from a scan (every theorem a commented-out candidate entry)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_scan_options(p)
    p.add_argument("-o", "--out", type=Path, default=None, help="where to write (default: PATH/appendix.toml)")
    p.add_argument("--force", action="store_true", help="overwrite an existing manifest")
    p.add_argument("--from-blueprint", action="store_true",
                   help="build the manifest from the project's leanblueprint: families are its chapters, "
                        "entries its nodes with Lean names (statements, labels, macros for KaTeX)")
    p.add_argument("--blueprint", type=Path, default=None, metavar="DIR",
                   help="the blueprint's source folder (default: PATH/blueprint/src)")
    p.add_argument("--blueprint-url", default=None, metavar="URL",
                   help="where the blueprint's web version lives: each entry links back to its node")
    p.add_argument("--strict", action="store_true",
                   help="with --from-blueprint: fail on a macro or statement KaTeX cannot take "
                        "(default: report it, leave the macro out, show the statement as source)")


def _q(s: str) -> str:
    """A TOML basic string (JSON's escaping is valid TOML for these characters)."""
    return json.dumps(s, ensure_ascii=False)


def _slug(s: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", s).lower()).strip("-") or "item"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _module(file: str) -> str:
    return ".".join(PurePosixPath(file).with_suffix("").parts)


def starter_manifest(ledger: Ledger, title: str) -> str:
    """The starter manifest's text (pure)."""
    by_file: dict[str, list[Record]] = {}
    for r in sorted(ledger.records, key=lambda r: (r.file, r.line)):
        by_file.setdefault(r.file, []).append(r)
    out = [
        "# appendix.toml: the prose of your Lean appendix (format: docs/manifest.md).",
        "# Statuses always come from the scan; this file says which results the paper relies on.",
        "# Uncomment an entry's block to make it load-bearing, then write its text and choose its",
        "# target: zero-sorry (the gate then requires it proven), in-progress, or open.",
        "",
        "[site]",
        f"title = {_q(title)}",
        f"paper_title = {_q('TODO: the paper this appendix belongs to')}",
        '# repository = "https://github.com/OWNER/REPO"   # source links at the ledger\'s commit',
        "# allowed_axioms = []",
        "",
    ]
    fam_ids: set[str] = set()
    entry_ids: set[str] = set()
    families: list[tuple[str, str, list[Record]]] = []
    for file, records in by_file.items():
        module = _module(file)
        fid = _slug(module.rsplit(".", 1)[-1], fam_ids)
        families.append((fid, module, [r for r in records if r.kind in ("theorem", "lemma")]))
    for fid, module, _ in families:
        out += ["[[families]]", f"id = {_q(fid)}", f"title = {_q(module)}",
                f"explanation = {_q('TODO: what the results of ' + module + ' say, in plain English.')}", ""]
    for fid, module, theorems in families:
        if not theorems:
            continue
        out.append(f"# ---- candidates from {module}")
        for r in theorems:
            eid = _slug(r.name.rsplit(".", 1)[-1].replace("_", "-"), entry_ids)
            doc = (r.docstring or "").strip().split("\n\n")[0].replace("\n", " ")
            block = [
                "[[entries]]",
                f"id = {_q(eid)}",
                f"lean = [{_q(r.name)}]",
                f"family = {_q(fid)}",
                f"title = {_q(r.name.rsplit('.', 1)[-1].replace('_', ' '))}",
                f"statement = {_q('TODO')}",
                f"summary = {_q(doc or 'TODO: the result in plain English.')}",
                f"why = {_q('TODO: why the paper needs it.')}",
                'target = "open"',
                f"# status now: {r.status.value} ({r.file}:{r.line})",
            ]
            out += ["# " + line if not line.startswith("#") else "#" + line for line in block]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def run(args: argparse.Namespace) -> int:
    from ..appendix.manifest import parse_manifest

    if not args.path.is_dir():
        raise InputError(f"{args.path}: no such folder")
    out: Path = args.out if args.out is not None else args.path / "appendix.toml"
    if out.exists() and not args.force:
        raise InputError(f"{out}: a manifest is already there; pass --force to overwrite it")
    ledger = obtain_ledger(args)
    if args.from_blueprint:
        from ..blueprint.init import from_blueprint

        text = from_blueprint(args, ledger, out)
    else:
        text = starter_manifest(ledger, f"{args.path.resolve().name}: formal appendix")
    parse_manifest(text, path=str(out))  # what we write must load
    io.atomic_write_text(out, text)
    n = sum(1 for line in text.splitlines() if line == "# [[entries]]")
    if not args.quiet and args.from_blueprint:
        print(f"wrote {out}: {_count(text, '[[families]]')} families, {_count(text, '[[entries]]')} entries "
              "from the blueprint")
    elif not args.quiet:
        print(f"wrote {out}: {_count(text, '[[families]]')} families, {n} candidate entries (commented out)")
    return 0


def _count(text: str, line: str) -> int:
    return sum(1 for ln in text.splitlines() if ln == line)


def uncomment_entry(text: str, name: str) -> str:
    """Uncomment the candidate block of declaration ``name`` (for tests and scripted setups)."""
    lines = text.splitlines()
    target = f"# lean = [{_q(name)}]"
    i = lines.index(target)
    start = max(j for j in range(i + 1) if lines[j] == "# [[entries]]")
    j = start
    while j < len(lines) and lines[j].startswith("# ") and not lines[j].startswith("## "):
        lines[j] = lines[j][2:]
        j += 1
    return "\n".join(lines) + "\n"
