"""The dependency graph of a project's status: what the load-bearing results rest on, drawn.

Pure functions from a ledger (and the manifest's entries, or a blueprint's nodes) to a
:class:`Graph` value, and from that value to text formats (DOT, JSON, Mermaid).  The SVG, laid
out by dagre, is :mod:`zerosorry.appendix.graphsvg`.

What is drawn, so that a real project stays readable:

* the *anchors* (load-bearing entries, or blueprint nodes) and every declaration their
  derivations pass through that *leads somewhere interesting*: not proven, or resting on a
  project axiom or a trust extension;
* a declaration's uses that lead nowhere interesting (proven, no axiom, no trust) are not drawn:
  the node counts them (``folded``);
* a run of proven declarations on the way to an axiom or trust extension is folded into one edge
  that counts them (``Edge.folded``);
* at most ``cap`` declarations; what the cap or ``depth`` leaves out hangs off its user as one
  "N more" node.

The JSON shape is documented in docs/graph.md; node and edge order is deterministic.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .ledger.model import Ledger, Record, Status

SCHEMA = "zerosorry.graph/1"
#: the least share of the cap each named root's derivation gets (see :func:`build`)
ROOT_SHARE = 10
GROUPINGS = ("file", "namespace")

#: The worst status wins when an anchor names several declarations.
_SEVERITY = {Status.PROVEN: 0, Status.AXIOM: 1, Status.STUB: 2, Status.DEFERRED: 3}

#: How each status and mark is drawn, one table for DOT, Mermaid and SVG (the site's stylesheet
#: uses the same colours through its CSS variables).
STYLE: dict[str, dict[str, str]] = {
    "proven": {"shape": "box", "style": "rounded,filled", "fill": "#dcf5e3", "stroke": "#146c2e"},
    "deferred": {"shape": "box", "style": "filled", "fill": "#fff0d9", "stroke": "#9a4d00"},
    "stub": {"shape": "box", "style": "dashed,filled", "fill": "#eceef1", "stroke": "#5b5f66"},
    "axiom": {"shape": "hexagon", "style": "filled", "fill": "#efe7fd", "stroke": "#6e40c9"},
    "sorry-root": {"shape": "octagon", "style": "bold,filled", "fill": "#fde8e6", "stroke": "#b42318"},
    "more": {"shape": "ellipse", "style": "dashed", "fill": "none", "stroke": "#5b6570"},
}
LEGEND = (
    ("proven", "proven: no sorry anywhere below"),
    ("deferred", "deferred: a sorry somewhere below"),
    ("sorry-root", "sorry root: the sorry is in its own text"),
    ("stub", "stub: True := sorry, claims nothing"),
    ("axiom", "project axiom: asserted without proof"),
    ("trust", "uses a trust extension itself (double border)"),
    ("anchor", "load-bearing result (thick border)"),
    ("more", "N more: left out by the cap or the depth"),
)


@dataclass(frozen=True)
class Anchor:
    """A node that is not a declaration: a load-bearing entry of the manifest, or a blueprint
    node (``kind="blueprint"``; ``depends`` names the other anchors it uses)."""

    id: str
    label: str
    lean: tuple[str, ...]
    kind: str = "entry"
    depends: tuple[str, ...] = ()


@dataclass(frozen=True)
class Node:
    id: str  # "entry:ID", "blueprint:ID", "decl:NAME", "more:ID-OF-USER"
    kind: str  # entry | blueprint | decl | more
    label: str
    status: str  # proven | deferred | stub | axiom; "" for a "more" node
    marks: tuple[str, ...] = ()  # sorry-root, trust, rests-on-axiom, rests-on-trust, missing, no-lean
    name: str | None = None  # the declaration (decl nodes) or the anchor's id
    file: str | None = None
    line: int | None = None
    group: str | None = None
    folded: int = 0  # uses that lead nowhere interesting, not drawn
    more: int = 0  # "more" nodes: how many declarations are left out here

    @property
    def style_key(self) -> str:
        if self.kind == "more":
            return "more"
        return "sorry-root" if "sorry-root" in self.marks else self.status


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    folded: int = 0  # proven declarations folded into this edge


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    roots: tuple[str, ...]
    group_by: str | None = None
    groups: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)


# ------------------------------------------------------------------------------ building
def decl_id(name: str) -> str:
    return f"decl:{name}"


def _interesting(r: Record) -> bool:
    return r.status is not Status.PROVEN or bool(r.axioms or r.trusts or r.trust_uses)


def _toward_sorry(r: Record) -> bool:
    return r.status in (Status.DEFERRED, Status.STUB) or bool(r.sorry_lines)


def _marks(r: Record) -> tuple[str, ...]:
    marks = []
    if r.sorry_lines and r.status is not Status.STUB:
        marks.append("sorry-root")
    if r.trust_uses:
        marks.append("trust")
    if r.axioms and r.status is not Status.AXIOM:
        marks.append("rests-on-axiom")
    if r.trusts and not r.trust_uses:
        marks.append("rests-on-trust")
    return tuple(marks)


def _group(r: Record, group_by: str | None) -> str | None:
    if group_by == "file":
        return r.file
    if group_by == "namespace":
        return r.name.rsplit(".", 1)[0] if "." in r.name else "(root namespace)"
    return None


def _cut(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_label(name: str, limit: int = 40) -> str:
    """The last two components of a name, cut to ``limit`` characters."""
    parts = name.split(".")
    return _cut(".".join(parts[-2:]) if len(parts) > 2 else name, limit)


def default_anchors(ledger: Ledger, by_name: Mapping[str, Record] | None = None) -> list[str]:
    """Without a manifest: the tops of what is not clean, i.e. interesting declarations that no
    other interesting declaration uses (deferred theorems nothing deferred builds on, ...), the
    ones resting on most first (how many interesting declarations their derivation reaches), so
    that a cap keeps the tallest derivations whole rather than a flat row of tops."""
    if by_name is None:
        by_name = ledger.by_name()
    used: set[str] = set()
    for r in ledger.records:
        if _interesting(r):
            used.update(u for u in r.uses if u != r.name)
    tops = [r.name for r in ledger.records if _interesting(r) and r.name not in used]

    def reach(top: str) -> int:
        seen, todo = {top}, [top]
        while todo:
            for u in by_name[todo.pop()].uses:
                if u not in seen and u in by_name and _interesting(by_name[u]):
                    seen.add(u)
                    todo.append(u)
        return len(seen)

    size = {t: reach(t) for t in tops}
    return sorted(tops, key=lambda t: (-size[t], t))


def build(ledger: Ledger, anchors: Sequence[Anchor] = (), *, names: Sequence[str] = (),
          depth: int | None = None, cap: int = 150, group_by: str | None = None,
          toward_sorry: bool = False, keep: Iterable[str] = (),
          by_name: Mapping[str, Record] | None = None) -> Graph:
    """The graph from ``anchors`` (and/or the declarations ``names``) down their derivations.

    ``depth``: how many uses deep below the anchors' own declarations; ``cap``: at most this
    many declaration nodes (anchors do not count); ``toward_sorry``: follow only what leads to a
    sorry (a card's small graph); ``keep``: declarations drawn whatever the cap (a ``via`` chain);
    ``by_name``: ``ledger.by_name()`` when the caller has it (many graphs of a large ledger).
    """
    if group_by is not None and group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {GROUPINGS}")
    if by_name is None:
        by_name = ledger.by_name()
    follow: Callable[[Record], bool] = _toward_sorry if toward_sorry else _interesting
    nodes: dict[str, Node] = {}
    edges: dict[tuple[str, str], Edge] = {}
    roots: list[str] = []
    level: dict[str, int] = {}
    queue: deque[str] = deque()

    def add_decl(name: str, d: int) -> None:
        if name not in level:
            level[name] = d
            queue.append(name)

    node_of = {(a.kind, a.id): f"{a.kind}:{a.id}" for a in anchors}
    for a in anchors:
        nid = f"{a.kind}:{a.id}"
        recs = [by_name[n] for n in a.lean if n in by_name]
        missing = len(recs) < len(a.lean)
        status = Status.DEFERRED if missing or not recs else max((r.status for r in recs), key=_SEVERITY.__getitem__)
        marks = ("missing",) if missing else ("no-lean",) if not a.lean else ()
        nodes[nid] = Node(nid, a.kind, _cut(a.label), status.value, marks, name=a.id)
        roots.append(nid)
        for r in recs:
            edges[(nid, decl_id(r.name))] = Edge(nid, decl_id(r.name))
            add_decl(r.name, 0)
        for dep in a.depends:  # a blueprint node's \uses: another node of the same kind
            target = node_of.get((a.kind, dep))
            if target is not None and target != nid:
                edges[(nid, target)] = Edge(nid, target)
    drawn: list[str] = []
    for n in keep:  # drawn first, so that the cap cannot cut them
        if n in by_name and n not in drawn:
            drawn.append(n)

    def walk(budget: int) -> None:
        stop = min(cap, len(drawn) + budget)
        while queue:
            n = queue.popleft()
            if n not in drawn:
                if len(drawn) >= stop:
                    continue
                drawn.append(n)
            if depth is not None and level[n] >= depth:
                continue
            for u in by_name[n].uses:
                if u != n and u in by_name and follow(by_name[u]):
                    add_decl(u, level[n] + 1)

    walk(cap)  # the anchors' derivations, breadth first
    # then each named root's derivation, in the order given, each with its share of the cap (at
    # least ROOT_SHARE declarations), so that many roots draw as a forest of short trees rather
    # than a flat row of roots or one root's derivation alone
    share = max(cap // max(len(names), 1), ROOT_SHARE)
    for n in names:
        if n in by_name:
            roots.append(decl_id(n))
            add_decl(n, 0)
            walk(share)
    in_drawn = set(drawn)
    for n in sorted(in_drawn):
        r = by_name[n]
        uses = [u for u in r.uses if u != n and u in by_name]
        hidden = [u for u in uses if follow(by_name[u]) and u not in in_drawn]
        folded = sum(1 for u in uses if not follow(by_name[u]))
        nodes[decl_id(n)] = Node(decl_id(n), "decl", short_label(n), r.status.value, _marks(r), name=n,
                                 file=r.file, line=r.line, group=_group(r, group_by), folded=folded)
        for u in uses:
            if u in in_drawn:
                edges[(decl_id(n), decl_id(u))] = Edge(decl_id(n), decl_id(u))
        if hidden:
            mid = f"more:{n}"
            nodes[mid] = Node(mid, "more", f"{len(hidden)} more", "", (), name=n, group=_group(r, group_by),
                              more=len(hidden))
            edges[(decl_id(n), mid)] = Edge(decl_id(n), mid)
    left_out = [n for n in names if n in by_name and n not in in_drawn]
    roots = [r for r in roots if not r.startswith("decl:") or r.removeprefix("decl:") in in_drawn]
    if left_out:  # roots the cap left out: one node that says how many
        nodes["more:"] = Node("more:", "more", f"{len(left_out)} more", "", (), more=len(left_out))
        roots.append("more:")
    graph_nodes, graph_edges = _fold_runs(nodes, edges, set(roots))
    groups = tuple(sorted({n.group for n in graph_nodes.values() if n.group is not None}))
    return Graph(tuple(sorted(graph_nodes.values(), key=_node_order)),
                 tuple(sorted(graph_edges.values(), key=lambda e: (e.source, e.target))),
                 tuple(roots), group_by, groups)


def _node_order(n: Node) -> tuple[int, str]:
    return ({"entry": 0, "blueprint": 0, "decl": 1, "more": 2}[n.kind], n.id)


def _fold_runs(nodes: dict[str, Node], edges: dict[tuple[str, str], Edge],
               roots: set[str]) -> tuple[dict[str, Node], dict[tuple[str, str], Edge]]:
    """Contract every proven declaration with one user and one use (a link in a run on the way
    to an axiom or a trust extension) into the edge that passes through it."""
    nodes = dict(nodes)
    edges = dict(edges)
    changed = True
    while changed:
        changed = False
        ins: dict[str, list[Edge]] = {}
        outs: dict[str, list[Edge]] = {}
        for e in edges.values():
            outs.setdefault(e.source, []).append(e)
            ins.setdefault(e.target, []).append(e)
        for nid in sorted(nodes):
            n = nodes[nid]
            if (n.kind != "decl" or n.status != "proven" or nid in roots or "trust" in n.marks
                    or n.folded or len(ins.get(nid, ())) != 1 or len(outs.get(nid, ())) != 1):
                continue
            a, b = ins[nid][0], outs[nid][0]
            if nodes[a.source].kind != "decl" or b.target.startswith("more:"):
                continue  # an anchor's own declaration stays drawn
            del edges[(a.source, nid)], edges[(nid, b.target)], nodes[nid]
            key = (a.source, b.target)
            old = edges.get(key)
            edges[key] = Edge(a.source, b.target, a.folded + b.folded + 1 + (old.folded if old else 0))
            changed = True
            break
    return nodes, edges


def anchors_from_entries(entries: Iterable[Any]) -> list[Anchor]:
    """Anchors from manifest entries (the site's or the gate's: ``id``, ``lean``, maybe ``title``)."""
    return [Anchor(e.id, getattr(e, "title", None) or e.id, tuple(e.lean)) for e in entries]


def with_marks(graph: Graph, extra: Mapping[str, Sequence[str]]) -> Graph:
    """``graph`` with more marks on some nodes (by node id)."""
    return replace(graph, nodes=tuple(replace(n, marks=n.marks + tuple(extra.get(n.id, ()))) for n in graph.nodes))


# ------------------------------------------------------------------------------ formats
def to_json(graph: Graph, hrefs: Mapping[str, str] | None = None) -> str:
    nodes = []
    for n in graph.nodes:
        d: dict[str, Any] = {"id": n.id, "kind": n.kind, "label": n.label, "status": n.status or None,
                             "marks": list(n.marks)}
        if n.name is not None:
            d["name"] = n.name
        if n.file is not None:
            d["file"], d["line"] = n.file, n.line
        if n.group is not None:
            d["group"] = n.group
        if n.folded:
            d["folded"] = n.folded
        if n.more:
            d["more"] = n.more
        if hrefs and n.id in hrefs:
            d["href"] = hrefs[n.id]
        nodes.append(d)
    edges = [{"from": e.source, "to": e.target, **({"folded": e.folded} if e.folded else {})} for e in graph.edges]
    doc = {"schema": SCHEMA, "roots": list(graph.roots), "group_by": graph.group_by,
           "groups": list(graph.groups), "nodes": nodes, "edges": edges}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _dot_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot_label(n: Node) -> str:
    label = n.label
    if n.kind == "decl" and n.folded:
        label += f"\n+{n.folded} proven"
    return label


def to_dot(graph: Graph) -> str:
    out = ["digraph zerosorry {", "  rankdir=TB;", '  node [fontname="sans-serif", fontsize=11];',
           '  edge [color="#8a939d"];']

    def node_line(n: Node, indent: str) -> str:
        st = STYLE[n.style_key]
        attrs = {"label": _dot_label(n), "shape": st["shape"], "style": st["style"],
                 "color": st["stroke"]}
        if st["fill"] != "none":
            attrs["fillcolor"] = st["fill"]
        if n.kind in ("entry", "blueprint"):
            attrs["penwidth"] = "2.5"
        if "trust" in n.marks:
            attrs["peripheries"] = "2"
        if n.name and n.kind == "decl":
            attrs["tooltip"] = n.name
        body = ", ".join(f"{k}={_dot_quote(v)}" for k, v in attrs.items())
        return f"{indent}{_dot_quote(n.id)} [{body}];"

    grouped: dict[str, list[Node]] = {}
    for n in graph.nodes:
        if n.group is not None:
            grouped.setdefault(n.group, []).append(n)
        else:
            out.append(node_line(n, "  "))
    for i, g in enumerate(graph.groups):
        out.append(f"  subgraph cluster_{i} {{")
        out.append(f"    label={_dot_quote(g)}; style=dashed; color=\"#8a939d\";")
        out.extend(node_line(n, "    ") for n in grouped.get(g, ()))
        out.append("  }")
    for e in graph.edges:
        extra = f" [label={_dot_quote(f'{e.folded} proven')}, style=dashed]" if e.folded else ""
        out.append(f"  {_dot_quote(e.source)} -> {_dot_quote(e.target)}{extra};")
    out.append("}")
    return "\n".join(out) + "\n"


def to_mermaid(graph: Graph) -> str:
    ids = {n.id: f"n{i}" for i, n in enumerate(graph.nodes)}
    shapes = {"box": ("[", "]"), "hexagon": ("{{", "}}"), "octagon": ("[[", "]]"), "ellipse": ("([", "])")}

    def text(s: str) -> str:
        return '"' + s.replace('"', "#quot;") + '"'

    def line(n: Node) -> str:
        open_, close = shapes[STYLE[n.style_key]["shape"]]
        if n.status == "proven":
            open_, close = "(", ")"
        label = _dot_label(n).replace("\n", "<br/>")
        return f"  {ids[n.id]}{open_}{text(label)}{close}:::{n.style_key.replace('-', '_')}"

    out = ["flowchart TD"]
    grouped: dict[str, list[Node]] = {}
    for n in graph.nodes:
        if n.group is not None:
            grouped.setdefault(n.group, []).append(n)
        else:
            out.append(line(n))
    for i, g in enumerate(graph.groups):
        out.append(f"  subgraph g{i}[{text(g)}]")
        out.extend("  " + line(n) for n in grouped.get(g, ()))
        out.append("  end")
    for e in graph.edges:
        arrow = f"-. {e.folded} proven .->" if e.folded else "-->"
        out.append(f"  {ids[e.source]} {arrow} {ids[e.target]}")
    for key, st in STYLE.items():
        fill = st["fill"] if st["fill"] != "none" else "transparent"
        out.append(f"  classDef {key.replace('-', '_')} fill:{fill},stroke:{st['stroke']},color:#1d2125")
    return "\n".join(out) + "\n"
