"""Graphs laid out at build time by dagre (vendored from npm, run by V8 through mini-racer) and
written as static SVG: the pages need no layout script and stay under the site's CSP.

dagre is the layered (Sugiyama) layout engine that Mermaid and many others build on; it is
synchronous, small (50 kB) and has no dependencies, so it runs in a bare V8 context.  Its
positions come back as JSON and :func:`svg` writes the drawing: shapes and colours from
:data:`zerosorry.graph.STYLE`, classes for the site's themes, a link on every node.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from markupsafe import escape

from ..graph import LEGEND, STYLE, Graph, Node

_VENDOR = ("static", "vendor", "dagre")

_LAYOUT = """
(function (graphs) {
  var out = [];
  for (var k = 0; k < graphs.length; k++) {
    var G = graphs[k];
    var g = new dagre.graphlib.Graph({ multigraph: false, compound: G.groups.length > 0 });
    g.setGraph({ rankdir: G.rankdir, nodesep: 18, ranksep: 42, edgesep: 8, marginx: 12, marginy: 12 });
    g.setDefaultEdgeLabel(function () { return {}; });
    G.groups.forEach(function (id) { g.setNode(id, { paddingTop: 22 }); });
    G.nodes.forEach(function (n) {
      g.setNode(n[0], { width: n[1], height: n[2] });
      if (n[3] !== null) g.setParent(n[0], n[3]);
    });
    G.edges.forEach(function (e) { g.setEdge(e[0], e[1]); });
    dagre.layout(g);
    var nodes = {}, groups = {}, edges = [];
    G.nodes.forEach(function (n) { var v = g.node(n[0]); nodes[n[0]] = [v.x, v.y]; });
    G.groups.forEach(function (id) { var v = g.node(id); groups[id] = [v.x, v.y, v.width, v.height]; });
    G.edges.forEach(function (e) {
      edges.push(g.edge(e[0], e[1]).points.map(function (p) { return [p.x, p.y]; }));
    });
    out.push({ w: g.graph().width, h: g.graph().height, nodes: nodes, groups: groups, edges: edges });
  }
  return JSON.stringify(out);
})
"""

CHAR_W = 6.6  # average advance of the 11px sans-serif label font
NODE_H = 28
FOLDED_H = 40


def version() -> str:
    root = resources.files("zerosorry.appendix").joinpath(*_VENDOR)
    return root.joinpath("VERSION").read_text(encoding="utf-8").strip()


@lru_cache(maxsize=1)
def _context() -> Any:
    from py_mini_racer import MiniRacer

    ctx = MiniRacer()
    # dagre copies its (plain JSON) labels with structuredClone, which a bare V8 lacks
    ctx.eval("var structuredClone = function (v) { return v === undefined ? v : JSON.parse(JSON.stringify(v)); };")
    src = resources.files("zerosorry.appendix").joinpath(*_VENDOR, "dagre.min.js")
    ctx.eval(src.read_text(encoding="utf-8"))
    ctx.eval("var __zs_layout = " + _LAYOUT + ";")
    return ctx


def _size(n: Node) -> tuple[float, float]:
    sub = _subtitle(n)
    chars = max(len(n.label), len(sub or ""))
    w = max(56.0, round(chars * CHAR_W + 24))
    return w, (FOLDED_H if sub else NODE_H)


def _subtitle(n: Node) -> str | None:
    if n.kind == "decl" and n.folded:
        return f"+{n.folded} proven"
    return None


def layout_many(graphs: Sequence[Graph], rankdir: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Positions for each graph, from one call into V8; ``rankdir`` per graph: "TB" (default:
    users above what they use) or "LR" (users left)."""
    if not graphs:
        return []
    payload = []
    for k, g in enumerate(graphs):
        gid = {grp: f"group:{i}" for i, grp in enumerate(g.groups)}
        payload.append({
            "rankdir": rankdir[k] if rankdir else "TB",
            "groups": list(gid.values()),
            "nodes": [[n.id, *_size(n), gid.get(n.group) if n.group is not None else None] for n in g.nodes],
            "edges": [[e.source, e.target] for e in g.edges],
        })
    raw = _context().eval(f"__zs_layout({json.dumps(payload)})")
    result: list[dict[str, Any]] = json.loads(raw)
    return result


def graph_css() -> str:
    """The drawing's colours and shapes.  The site's theme variables win where they exist (light
    and dark); a standalone SVG falls back to the light colours of :data:`STYLE`."""
    var = {"proven": ("--proven-bg", "--proven"), "deferred": ("--deferred-bg", "--deferred"),
           "stub": ("--stub-bg", "--stub"), "axiom": ("--axiom-bg", "--axiom"),
           "sorry-root": ("--bad-bg", "--bad"), "more": (None, "--muted")}
    lines = [
        ".zs-graph { font: 11px system-ui, -apple-system, 'Segoe UI', sans-serif; }",
        ".zs-graph .g-label { fill: var(--fg, #1d2125); text-anchor: middle; dominant-baseline: central; }",
        ".zs-graph .g-sub { fill: var(--muted, #5b6570); font-size: 10px; text-anchor: middle; dominant-baseline: central; }",
        ".zs-graph .g-edge path { fill: none; stroke: var(--muted, #8a939d); stroke-width: 1.2; }",
        ".zs-graph .g-edge.folded path { stroke-dasharray: 5 3; }",
        ".zs-graph .g-edge text { fill: var(--muted, #5b6570); font-size: 10px; text-anchor: middle; }",
        ".zs-graph .g-arrow { fill: var(--muted, #8a939d); }",
        ".zs-graph .g-group rect { fill: none; stroke: var(--border, #c5cbd3); stroke-dasharray: 4 3; }",
        ".zs-graph .g-group text { fill: var(--muted, #5b6570); font-size: 10px; }",
        ".zs-graph .g-shape, .zs-graph .g-shape2 { stroke-width: 1.4; }",
        ".zs-graph .g-shape2 { fill: none; }",
        ".zs-graph .k-entry .g-shape, .zs-graph .k-blueprint .g-shape { stroke-width: 3; }",
        ".zs-graph .s-stub .g-shape { stroke-dasharray: 4 2; }",
        ".zs-graph .s-more .g-shape { stroke-dasharray: 3 3; }",
    ]
    for key, (bg, fg) in var.items():
        st = STYLE[key]
        fill = f"var({bg}, {st['fill']})" if bg else "none"
        lines.append(f".zs-graph .s-{key} .g-shape {{ fill: {fill}; stroke: var({fg}, {st['stroke']}); }}")
        lines.append(f".zs-graph .s-{key} .g-shape2 {{ stroke: var({fg}, {st['stroke']}); }}")
    return "\n".join(lines) + "\n"


def _shape(n: Node, w: float, h: float) -> str:
    x0, y0 = -w / 2, -h / 2
    kind = STYLE[n.style_key]["shape"]
    if kind == "hexagon":
        c = 9
        pts = [(x0 + c, y0), (-x0 - c, y0), (-x0, 0), (-x0 - c, -y0), (x0 + c, -y0), (x0, 0)]
        return f'<polygon class="g-shape" points="{_pts(pts)}"/>'
    if kind == "octagon":
        c = 7
        pts = [(x0 + c, y0), (-x0 - c, y0), (-x0, y0 + c), (-x0, -y0 - c), (-x0 - c, -y0), (x0 + c, -y0),
               (x0, -y0 - c), (x0, y0 + c)]
        return f'<polygon class="g-shape" points="{_pts(pts)}"/>'
    if kind == "ellipse":
        return f'<ellipse class="g-shape" rx="{w / 2:g}" ry="{h / 2:g}"/>'
    rx = h / 2 if n.status == "proven" and n.kind == "decl" else 3
    return f'<rect class="g-shape" x="{x0:g}" y="{y0:g}" width="{w:g}" height="{h:g}" rx="{rx:g}"/>'


def _pts(pts: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:g},{y:g}" for x, y in pts)


def _r(v: float) -> str:
    return f"{round(v, 1):g}"


def svg(graph: Graph, pos: Mapping[str, Any], *, hrefs: Mapping[str, str] | None = None,
        prefix: str = "g", title: str = "Dependency graph", standalone: bool = False) -> str:
    """The drawing of ``graph`` at the positions ``pos`` (from :func:`layout_many`)."""
    hrefs = hrefs or {}
    w, h = pos["w"] or 1, pos["h"] or 1
    arrow = f"{prefix}-arrow"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="zs-graph" viewBox="0 0 {_r(w)} {_r(h)}" '
           f'width="{_r(w)}" height="{_r(h)}" role="img" aria-label="{escape(title)}" data-graph="{escape(prefix)}">']
    if standalone:
        out.append(f"<style>{graph_css()}</style>")
    out.append(f'<title>{escape(title)}</title>')
    out.append(f'<defs><marker id="{escape(arrow)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
               'markerHeight="7" orient="auto"><path class="g-arrow" d="M0,0 L10,5 L0,10 z"/></marker></defs>')
    if graph.groups:
        out.append('<g class="g-groups">')
        for i, grp in enumerate(graph.groups):
            gx, gy, gw, gh = pos["groups"][f"group:{i}"]
            out.append(f'<g class="g-group" data-group="{escape(grp)}"><rect x="{_r(gx - gw / 2)}" y="{_r(gy - gh / 2)}" '
                       f'width="{_r(gw)}" height="{_r(gh)}" rx="6"/><text x="{_r(gx - gw / 2 + 6)}" '
                       f'y="{_r(gy - gh / 2 + 13)}">{escape(grp)}</text></g>')
        out.append("</g>")
    out.append('<g class="g-edges">')
    for e, pts in zip(graph.edges, pos["edges"], strict=True):
        d = "M" + " L".join(f"{_r(x)},{_r(y)}" for x, y in pts)
        cls = "g-edge folded" if e.folded else "g-edge"
        out.append(f'<g class="{cls}" data-from="{escape(e.source)}" data-to="{escape(e.target)}">'
                   f'<path d="{d}" marker-end="url(#{escape(arrow)})"/>')
        if e.folded:
            mx, my = pts[len(pts) // 2]
            out.append(f'<text x="{_r(mx + 4)}" y="{_r(my)}">{e.folded} proven</text>')
        out.append("</g>")
    out.append("</g>")
    out.append('<g class="g-nodes">')
    for n in graph.nodes:
        x, y = pos["nodes"][n.id]
        nw, nh = _size(n)
        cls = f"g-node s-{n.style_key} k-{n.kind}" + "".join(f" m-{m}" for m in n.marks)
        tip = n.name if n.kind == "decl" and n.name else n.label
        if n.file:
            tip += f" ({n.status}) — {n.file}:{n.line}"
        elif n.status:
            tip += f" ({n.status})"
        if n.folded:
            tip += f"; uses {n.folded} more proven declaration{'s' if n.folded != 1 else ''} with nothing below them"
        inner = [f'<title>{escape(tip)}</title>', _shape(n, nw, nh)]
        if "trust" in n.marks:
            inner.append(f'<rect class="g-shape2" x="{_r(-nw / 2 + 3)}" y="{_r(-nh / 2 + 3)}" width="{_r(nw - 6)}" '
                         f'height="{_r(nh - 6)}" rx="2"/>')
        sub = _subtitle(n)
        if sub:
            inner.append(f'<text class="g-label" y="-7">{escape(n.label)}</text>'
                         f'<text class="g-sub" y="9">{escape(sub)}</text>')
        else:
            inner.append(f'<text class="g-label">{escape(n.label)}</text>')
        attrs = (f'class="{cls}" data-id="{escape(n.id)}" data-status="{escape(n.status)}" '
                 f'transform="translate({_r(x)},{_r(y)})"')
        if n.name is not None:
            attrs += f' data-name="{escape(n.name)}"'
        body = "".join(inner)
        href = hrefs.get(n.id)
        if href:
            out.append(f'<a href="{escape(href)}" class="g-link"><g {attrs}>{body}</g></a>')
        else:
            out.append(f"<g {attrs}>{body}</g>")
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def legend_nodes() -> list[Node]:
    """One sample node per entry of :data:`zerosorry.graph.LEGEND`, for drawing the legend."""
    samples = {
        "proven": Node("l-proven", "decl", "proven", "proven"),
        "deferred": Node("l-deferred", "decl", "deferred", "deferred"),
        "sorry-root": Node("l-root", "decl", "sorry root", "deferred", ("sorry-root",)),
        "stub": Node("l-stub", "decl", "stub", "stub"),
        "axiom": Node("l-axiom", "decl", "axiom", "axiom"),
        "trust": Node("l-trust", "decl", "trust", "proven", ("trust",)),
        "anchor": Node("l-entry", "entry", "result", "deferred"),
        "more": Node("l-more", "more", "N more", ""),
    }
    return [samples[k] for k, _ in LEGEND]


def legend_svg() -> list[tuple[str, str]]:
    """(small SVG of the sample node, its explanation) for each legend entry."""
    out = []
    for n, (_, text) in zip(legend_nodes(), LEGEND, strict=True):
        w, h = 86.0, float(NODE_H)
        inner = _shape(n, w, h)
        if "trust" in n.marks:
            inner += f'<rect class="g-shape2" x="{_r(-w / 2 + 3)}" y="{_r(-h / 2 + 3)}" width="{_r(w - 6)}" height="{_r(h - 6)}" rx="2"/>'
        out.append((f'<svg xmlns="http://www.w3.org/2000/svg" class="zs-graph" viewBox="0 0 {w + 4:g} {h + 4:g}" '
                    f'width="{w + 4:g}" height="{h + 4:g}" aria-hidden="true"><g class="g-node s-{n.style_key} k-{n.kind}" '
                    f'transform="translate({w / 2 + 2:g},{h / 2 + 2:g})">{inner}<text class="g-label">{escape(n.label)}'
                    "</text></g></svg>", text))
    return out


def render_svg(graph: Graph, *, hrefs: Mapping[str, str] | None = None, title: str = "Dependency graph",
               standalone: bool = True) -> str:
    """Lay out one graph and draw it (the ``zerosorry graph --format svg`` output)."""
    (pos,) = layout_many([graph])
    return svg(graph, pos, hrefs=hrefs, title=title, standalone=standalone)
