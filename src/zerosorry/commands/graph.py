"""``zerosorry graph PATH``: the dependency graph of the project's status, as SVG, DOT, JSON or
Mermaid (shape of the JSON: docs/graph.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError
from ._common import add_scan_options, gate_manifest, ledger_option, obtain_ledger

NAME = "graph"
HELP = "draw what the load-bearing results rest on: a dependency graph coloured by status (svg, dot, json, mermaid)"
FORMATS = ("svg", "dot", "json", "mermaid")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_scan_options(p)
    p.add_argument("--ledger", type=Path, default=None, help="draw this ledger instead of scanning")
    p.add_argument("--manifest", type=Path, default=None,
                   help="the manifest whose entries are the graph's roots (default: PATH/appendix.toml)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--entry", metavar="ID", help="only this manifest entry's derivation")
    which.add_argument("--name", metavar="NAME", help="only this declaration's derivation")
    p.add_argument("--depth", type=int, default=None, metavar="N",
                   help="follow uses at most N steps below the roots' declarations")
    p.add_argument("--max-nodes", type=int, default=150, metavar="N",
                   help="draw at most N declarations; the rest hang off their users as 'N more' (default 150)")
    p.add_argument("--group", choices=("file", "namespace"), default=None,
                   help="draw declarations of one file (or namespace) inside one box")
    p.add_argument("--blueprint", type=Path, default=None, metavar="DIR",
                   help="the leanblueprint source folder (default: PATH/blueprint/src when it exists); "
                        "its nodes are roots of the graph too")
    p.add_argument("--no-blueprint", action="store_true", help="leave the blueprint's nodes out")
    p.add_argument("--format", choices=FORMATS, default="svg")
    p.add_argument("--out", type=Path, default=None, help="write here (atomically) instead of standard output")


def run(args: argparse.Namespace) -> int:
    from .. import graph as gr
    from ..ledger.io import atomic_write_text
    from .why import lookup

    if args.ledger is None and not args.path.is_dir():
        raise InputError(f"{args.path}: no such folder")
    if args.depth is not None and args.depth < 0:
        raise InputError("--depth must be 0 or more")
    if args.max_nodes < 1:
        raise InputError("--max-nodes must be 1 or more")
    ledger_file = ledger_option(args)
    manifest = gate_manifest(args) if (args.manifest is not None or args.path.is_dir()) else None
    titles = _titles(args)
    ledger = obtain_ledger(args, ledger_file=ledger_file)
    anchors: list[gr.Anchor] = []
    names: list[str] = []
    if args.name:
        names = [lookup(ledger, args.name).name]
    elif manifest is not None and manifest.entries:
        entries = manifest.entries
        if args.entry:
            entries = tuple(e for e in entries if e.id == args.entry)
            if not entries:
                known = ", ".join(e.id for e in manifest.entries[:10])
                raise InputError(f"--entry {args.entry}: no such entry in the manifest (entries: {known})")
        anchors = [gr.Anchor(e.id, titles.get(e.id, e.id), tuple(e.lean)) for e in entries]
    elif args.entry:
        raise InputError("--entry needs a manifest (PATH/appendix.toml or --manifest)")
    if not (args.name or args.entry or args.no_blueprint) and args.path.is_dir():
        from ..blueprint.view import graph_anchors, page

        blueprint = page(args.path, ledger, args.blueprint)
        if blueprint is not None:
            anchors += graph_anchors(blueprint)[0]
    if not (names or anchors):
        names = gr.default_anchors(ledger)
    graph = gr.build(ledger, anchors, names=names, depth=args.depth, cap=args.max_nodes, group_by=args.group)
    if args.format == "json":
        text = gr.to_json(graph)
    elif args.format == "dot":
        text = gr.to_dot(graph)
    elif args.format == "mermaid":
        text = gr.to_mermaid(graph)
    else:
        from ..appendix.graphsvg import render_svg

        text = render_svg(graph)
    if args.out is None:
        sys.stdout.write(text)
    else:
        atomic_write_text(args.out, text)
        if not args.quiet:
            print(f"wrote {args.out}: {len(graph.nodes)} nodes, {len(graph.edges)} edges", file=sys.stderr)
    return 0


def _titles(args: argparse.Namespace) -> dict[str, str]:
    """Entry titles from the site manifest, when it reads (the gate's manifest has none)."""
    path = args.manifest if args.manifest is not None else args.path / "appendix.toml"
    if not path.is_file():
        return {}
    from ..appendix.manifest import ManifestError, load_manifest

    try:
        return {e.id: e.title for e in load_manifest(path).entries}
    except ManifestError:
        return {}
