"""The site's pages beyond the theorems page: the dependency graph (``graph.html`` and a small
graph on each card), the project's Lean files as highlighted pages, and the one data file the
pages read (``data/declarations.js``).

* **One data file.** The pages read ``data/declarations.js``: a compact table (name, kind,
  status, file, line, first line of the docstring) with kinds, statuses and files stored once,
  split for a large project: :data:`FIRST` declarations in the first file, then files of
  :data:`SHARD`, each of them gzip-compressed JSON in a base64 string (a quarter to a sixth
  of the plain text; the page inflates it with the browser's own ``DecompressionStream``).  It
  is a script, so it loads over HTTP and from disk alike; the full ledger (``lean_status.json``)
  is next to it for download and tools, and no page loads it.
* **Source pages.** ``source/<file>.html`` for every Lean file of the ledger, highlighted with
  Pygments' Lean 4 lexer, one ``id="L<n>"`` anchor per line; every file:line of the site links
  there, so the links work offline.  With a repository URL the page also links to the file at
  the ledger's commit.
* **Graphs.** Laid out by dagre at build time (:mod:`.graphsvg`); every node links to its card,
  or to its row of the full table (``declarations.html#decl=NAME``).
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from .. import graph as gr
from ..ledger.model import STATUS_ORDER, Ledger, Record, Status
from .view import SiteView, source_url

SOURCE_DIR = "source"
DATA_FILE = "data/declarations.js"
SHARD = 10_000  # declarations in each data file
#: declarations in the first data file, the one a page waits for: two pages of the table, so
#: that its first rows are drawn before the browser has read a large project's data
FIRST = 200
#: rows on a page of the full table, at first
PAGE = 100
#: of which the page's own HTML holds the first screenful (a 1440-pixel-high window shows 23 rows
#: below the legend and the filters; a phone fewer), so that the browser lays out and paints no
#: more than the reader sees before the first frame; the table's script draws the whole page once
#: that frame is on screen
SCREEN = 40
#: how many declarations the site's graph draws (entries come on top); a card's graph draws fewer
GRAPH_CAP = 150
MINI_CAP = 16


def source_page(file: str) -> str:
    """The site path of a Lean file's page (the file's own path, under ``source/``; the links
    are :func:`~zerosorry.appendix.view.local_source_url`)."""
    return f"{SOURCE_DIR}/{file}.html"


# ------------------------------------------------------------------------------ data
_MD_MARKS = (  # (a character the mark needs, the mark, what replaces it)
    ("[", re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](url) -> text
    ("*", re.compile(r"(\*\*)(.+?)\1"), r"\2"),  # bold
    ("__", re.compile(r"(__)(.+?)\1"), r"\2"),
    ("`", re.compile(r"`([^`]*)`"), r"\1"),  # code
    ("#", re.compile(r"^#+\s*"), ""),  # a heading's marks
)


def _first_line(doc: str | None, limit: int = 160) -> str:
    """The docstring's first paragraph as one line of plain text, cut to ``limit`` characters:
    Markdown's marks would show as characters in the table, where the theorems page renders them."""
    if not doc:
        return ""
    text = doc.strip().split("\n\n", 1)[0]
    for needs, pattern, repl in _MD_MARKS:
        if needs in text:
            text = pattern.sub(repl, text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table_order(ledger: Ledger) -> list[Record]:
    """The declarations in the full table's first order (and the data file's): by file, line, name."""
    return sorted(ledger.records, key=lambda r: (r.file, r.line, r.name))


@dataclass(frozen=True)
class TableRow:
    """One row of the full table as ``table.js`` draws it (``declarations.html`` carries the
    first page of them, so that the table is on screen before any script has run)."""

    name: str
    kind: str
    status: str
    where: str  # file:line
    href: str | None  # the source page (or the repository's file) at the line
    desc: str
    possible: bool


def first_page(ledger: Ledger, *, local: bool, base: str | None, size: int = SCREEN) -> list[TableRow]:
    """The first ``size`` rows of the table's default view (every declaration, in file order)."""
    out = []
    for r in table_order(ledger)[:size]:
        path = "/".join(quote(part, safe="!*'()") for part in r.file.split("/"))  # as encodeURIComponent
        href = f"{SOURCE_DIR}/{path}.html#L{r.line}" if local else f"{base}{path}#L{r.line}" if base else None
        out.append(TableRow(r.name, r.kind, r.status.value, f"{r.file}:{r.line}", href, _first_line(r.docstring),
                            r.possible_deferral))
    return out


def declarations_files(ledger: Ledger, shard: int = SHARD, first: int = FIRST) -> dict[str, bytes]:
    """The pages' data.  ``data/declarations.js`` sets ``window.ZEROSORRY_DECLS`` to the lists of
    kinds and statuses, the first ``first`` declarations with the files they are in, and the
    names of the files that hold the rest (``data/declarations-1.js``, ...), so that a page
    shows its first rows before a 250,000-declaration project has loaded.  Each of those puts
    in ``window.ZEROSORRY_DECLS_PARTS[k]`` a base64 string of gzip-compressed JSON,
    ``{"base": B, "files": [...], "rows": [...]}``: its rows and the files they are in, the
    first of them the B-th file (rows come by file, so each file holds a run of them).

    A row is ``[name, kind, status, file, line, description]`` (and a seventh ``1`` for a
    possible deferral), with kind, status and file as indices (into all the project's files,
    sorted), in the ledger JSON's order (by file, line, name)."""
    kinds = sorted({r.kind for r in ledger.records})
    files = sorted({r.file for r in ledger.records})
    statuses = [s.value for s in STATUS_ORDER]
    ki = {k: i for i, k in enumerate(kinds)}
    fi = {f: i for i, f in enumerate(files)}
    si = {s: i for i, s in enumerate(statuses)}
    rows: list[list[object]] = []
    for r in table_order(ledger):
        row: list[object] = [r.name, ki[r.kind], si[r.status.value], fi[r.file], r.line, _first_line(r.docstring)]
        if r.possible_deferral:  # a seventh column, only when set
            row.append(1)
        rows.append(row)

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def files_of(some: list[list[object]]) -> tuple[int, list[str]]:  # (the first file's index, the files)
        if not some:
            return 0, []
        lo, hi = some[0][3], some[-1][3]
        assert isinstance(lo, int) and isinstance(hi, int)
        return lo, files[lo:hi + 1]

    head = min(first, shard)
    parts = [rows[i:i + shard] for i in range(head, len(rows), shard)]
    names = [f"data/declarations-{k}.js" for k in range(1, len(parts) + 1)]
    doc = {"format": 2, "total": len(rows), "kinds": kinds, "statuses": statuses,
           "files": files_of(rows[:head])[1], "parts": names, "rows": rows[:head]}
    out = {DATA_FILE: ("window.ZEROSORRY_DECLS = " + dump(doc) + ";\n").encode()}
    for k, (name, part) in enumerate(zip(names, parts, strict=True), start=1):
        base, part_files = files_of(part)
        payload = dump({"base": base, "files": part_files, "rows": part}).encode()
        # level 6: within 0.2% of level 9 in size, in a third of the time; mtime 0: reproducible
        packed = base64.b64encode(gzip.compress(payload, compresslevel=6, mtime=0)).decode()
        out[name] = (f'(window.ZEROSORRY_DECLS_PARTS = window.ZEROSORRY_DECLS_PARTS || {{}})[{k}] = "{packed}";\n'
                     ).encode()
    return out


def unpack_part(text: str) -> dict[str, Any]:
    """What one ``data/declarations-K.js`` holds (the pages read it in JavaScript; this is for
    tests and tools)."""
    packed = text[text.index(' = "') + 4:text.rindex('"')]
    payload: dict[str, Any] = json.loads(gzip.decompress(base64.b64decode(packed)))
    return payload


# ------------------------------------------------------------------------------ sources
def _highlight_file(text: str) -> list[Markup]:
    from .highlight import highlight_html

    lines = highlight_html(text).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [Markup(ln) for ln in lines]


class Highlighted:
    """The highlighted lines of each file, kept while its text stays the same: a site rendered
    again and again (``zerosorry watch --site``) highlights only the files that changed."""

    def __init__(self) -> None:
        self._by_file: dict[str, tuple[str, list[Markup]]] = {}
        self.highlighted: list[str] = []  # the files highlighted afresh by the last render

    def lines(self, file: str, text: str) -> list[Markup]:
        kept = self._by_file.get(file)
        if kept is not None and kept[0] == text:
            return kept[1]
        lines = _highlight_file(text)
        self._by_file[file] = (text, lines)
        self.highlighted.append(file)
        return lines

    def start(self, files: Sequence[str]) -> None:
        """A new render of ``files``: forget the others."""
        self.highlighted = []
        keep = set(files)
        self._by_file = {f: v for f, v in self._by_file.items() if f in keep}


def source_pages(env: jinja2.Environment, view: SiteView, ledger: Ledger, sources: Mapping[str, str | None],
                 common: Mapping[str, Any], *, repository: str | None, subdir: str | None,
                 highlighted: Highlighted | None = None) -> dict[str, bytes]:
    """One highlighted page per Lean file of the ledger.  ``sources`` maps a file to its text
    (None: it could not be read; its page says so); ``highlighted`` keeps the highlighting of
    the files whose text did not change since the last render."""
    per_file: dict[str, list[Any]] = {}
    for r in ledger.records:
        per_file.setdefault(r.file, []).append(r)
    template = env.get_template("source.html")
    out: dict[str, bytes] = {}
    if highlighted is None:
        highlighted = Highlighted()
    highlighted.start(sorted(per_file))
    for file in sorted(per_file):
        text = sources.get(file)
        depth = source_page(file).count("/")
        html = template.render(
            page=source_page(file), root="../" * depth, file=file,
            lines=highlighted.lines(file, text) if text is not None else None,
            decls=sorted(per_file[file], key=lambda r: (r.line, r.name)),
            repo_url=source_url(repository, ledger.source.commit, subdir, file),
            **common)
        out[source_page(file)] = html.encode()
    return out


# ------------------------------------------------------------------------------ graphs
@dataclass
class GraphPieces:
    main: Markup | None = None
    nodes: int = 0
    edges: int = 0
    minis: dict[str, Markup] = field(default_factory=dict)  # entry id -> its card's graph
    legend: list[tuple[Markup, str]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # declarations in the main graph (search list)
    #: the same graph with declarations boxed by file or namespace (graph-file.html, ...)
    grouped: dict[str, Markup] = field(default_factory=dict)


def node_hrefs(graph: gr.Graph, entry_of: Mapping[str, str], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Where each node leads: an entry to its card, a declaration to the card that shows it or
    else to its row of the full table, a "more" node to its user's row."""
    out: dict[str, str] = {}
    for n in graph.nodes:
        if extra and n.id in extra:
            out[n.id] = extra[n.id]
        elif n.kind == "entry" and n.name:
            out[n.id] = f"index.html#entry-{quote(n.name, safe='')}"
        elif n.kind in ("decl", "more") and n.name:
            if n.kind == "decl" and n.name in entry_of:
                out[n.id] = f"index.html#entry-{quote(entry_of[n.name], safe='')}"
            else:
                out[n.id] = f"declarations.html#decl={quote(n.name, safe='')}"
    return out


def graph_pieces(ledger: Ledger, view: SiteView, *, anchors: Sequence[gr.Anchor] = (),
                 hrefs: Mapping[str, str] | None = None) -> GraphPieces:
    """The site's graph and each card's small graph, laid out in one call into V8.

    The manifest's entries are the graph's roots, with ``anchors`` besides them (a blueprint's
    nodes, with their ``hrefs`` by node id); without either, the tops of what is not proven are."""
    from .graphsvg import layout_many, legend_svg, svg

    entry_of: dict[str, str] = {}
    for e in view.entries:
        for d in e.decls:
            entry_of.setdefault(d.name, e.id)
    anchors = [gr.Anchor(e.id, e.title, tuple(d.name for d in e.decls)) for e in view.entries] + list(anchors)
    by_name = ledger.by_name()
    names = [] if anchors else gr.default_anchors(ledger, by_name)
    main = gr.build(ledger, anchors, names=names, cap=GRAPH_CAP, by_name=by_name)
    minis: list[tuple[str, gr.Graph]] = []
    for e in view.entries:
        lean = [d.name for d in e.decls if not d.missing]
        if not any(by_name[n].status is not Status.PROVEN for n in lean):
            continue
        keep = [v for n in lean for v in by_name[n].via]
        minis.append((e.id, gr.build(ledger, names=lean, cap=MINI_CAP, toward_sorry=True, keep=keep,
                                     by_name=by_name)))
    grouped = [gr.build(ledger, anchors, names=names, cap=GRAPH_CAP, by_name=by_name, group_by=by)
               for by in gr.GROUPINGS] if main.nodes else []
    # the site's graph reads left to right (results on the left): a page scrolls down better
    # than across; a card's small graph top to bottom
    every = [main, *grouped] + [g for _, g in minis]
    positions = layout_many(every, ["LR"] * (1 + len(grouped)) + ["TB"] * len(minis))
    pieces = GraphPieces(nodes=len(main.nodes), edges=len(main.edges),
                         names=sorted(n.name for n in main.nodes if n.kind == "decl" and n.name))
    if main.nodes:
        pieces.main = Markup(svg(main, positions[0], hrefs=node_hrefs(main, entry_of, hrefs), prefix="main",
                                 title="Dependency graph of the load-bearing results"))
    for by, g, pos in zip(gr.GROUPINGS, grouped, positions[1:], strict=False):
        pieces.grouped[by] = Markup(svg(g, pos, hrefs=node_hrefs(g, entry_of, hrefs), prefix=f"main-{by}",
                                        title=f"Dependency graph of the load-bearing results, by {by}"))
    for (eid, g), pos in zip(minis, positions[1 + len(grouped):], strict=True):
        pieces.minis[eid] = Markup(svg(g, pos, hrefs=node_hrefs(g, {}), prefix=f"mini-{eid}",
                                       title="What this result rests on, down to its sorries"))
    pieces.legend = [(Markup(s), text) for s, text in legend_svg()]
    return pieces
