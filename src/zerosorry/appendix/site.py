"""Render the appendix site: a ledger plus the author's manifest in, a folder of static pages out.

The build is in three steps, each a function: :func:`prepare` checks the manifest against the
ledger (every problem at once, LaTeX included) and runs the numeric witnesses; :func:`render`
turns the view model into a mapping of relative paths to bytes (pure: the same inputs give the
same bytes, so ``SOURCE_DATE_EPOCH`` builds are reproducible); :func:`write_site` puts those files
in place atomically (a sibling temporary folder, then a rename).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from markupsafe import Markup

from ..errors import InputError
from ..gate import run_witness, witness_verdict
from ..graph import Anchor
from ..ledger import io
from ..ledger.model import Ledger
from . import manifest as mf
from .markup import markdown, markdown_inline
from .pages import (
    GraphPieces,
    Highlighted,
    declarations_files,
    first_page,
    graph_pieces,
    source_pages,
)
from .view import SiteView, build_view

#: The marker file that says a folder is a zerosorry site (and so may be replaced by a rebuild).
MARKER = ".zerosorry-site"

#: No inline script, no request leaving the site.  ``style-src-attr`` allows style attributes
#: (the progress bar's width) without allowing <style> elements or inline script.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
       "img-src 'self'; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'")

PAGES = (
    ("index.html", "index.html"),
    ("blockers.html", "blockers.html"),
    ("declarations.html", "declarations.html"),
    ("glossary.html", "glossary.html"),
    ("graph.html", "graph.html"),
)

WitnessRunner = Callable[[str], Mapping[str, Any]]


class SiteError(InputError):
    """The site cannot be written where asked."""


@dataclass
class Prepared:
    """What the build needs beyond the ledger and manifest: checked and computed up front."""

    statements: dict[str, Markup] = field(default_factory=dict)  # entry id -> MathML (KaTeX)
    witness_results: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    widget_files: dict[str, Path] = field(default_factory=dict)  # file name in widgets/ -> source
    #: files copied as they are: site path -> source (the empirical companion, when it exists)
    extra_files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------ prepare
def check_statements(manifest: mf.Manifest) -> tuple[dict[str, Markup], list[mf.Issue]]:
    """Render every entry's LaTeX statement; a KaTeX error becomes an issue naming the entry."""
    from .katex import KatexRenderer, LatexError

    entries = manifest.entries
    rendered = KatexRenderer(manifest.site.macros).render_many([(e.statement, True) for e in entries])
    out: dict[str, Markup] = {}
    issues: list[mf.Issue] = []
    for i, (e, html) in enumerate(zip(entries, rendered, strict=True)):
        if isinstance(html, LatexError):
            key = f"entries[{i}].statement"
            issues.append(mf.Issue(str(manifest.path), manifest.key_line(key) or e.line, None, key,
                                   f"entry '{e.id}': LaTeX error: {html}"))
        else:
            out[e.id] = Markup(html)
    return out, issues


def _widget_files(manifest: mf.Manifest) -> tuple[dict[str, Path], list[mf.Issue]]:
    base = manifest.path.parent
    files: dict[str, Path] = {}
    issues: list[mf.Issue] = []
    for i, w in enumerate(manifest.widgets):
        src = base / w.script
        name = PurePosixPath(w.script).name
        key = f"widgets[{i}].script"
        if not src.is_file():
            continue  # reported by manifest.validate
        if name in files and files[name].resolve() != src.resolve():
            issues.append(mf.Issue(str(manifest.path), manifest.key_line(key) or w.line, None, key,
                                   f"widget '{w.id}': another widget's script is also named {name!r}"))
            continue
        files[name] = src
    return files, issues


def prepare(ledger: Ledger, manifest: mf.Manifest | None, *,
            run_witnesses: bool = True, runner: WitnessRunner | None = None) -> Prepared:
    """Validate the manifest against the ledger and render what can fail; raise
    :class:`~zerosorry.appendix.manifest.ManifestError` with every issue at once."""
    prepared = Prepared()
    if manifest is None:
        return prepared
    issues = list(mf.validate(manifest, ledger, base_dir=manifest.path.parent))
    statements, latex_issues = check_statements(manifest)
    widget_files, widget_issues = _widget_files(manifest)
    issues += latex_issues + widget_issues
    if issues:
        issues.sort(key=lambda i: (i.line or 0, i.key))
        raise mf.ManifestError(issues)
    prepared.statements = statements
    prepared.widget_files = widget_files
    companion = manifest.site.empirical_companion
    if companion and "://" not in companion and not companion.startswith("#"):
        rel = PurePosixPath(companion.split("#", 1)[0])
        src = manifest.path.parent / rel
        if src.is_file() and ".." not in rel.parts and not rel.is_absolute():
            prepared.extra_files[rel.as_posix()] = src
        else:
            prepared.notes.append(f"empirical companion {companion} not found next to the manifest; "
                                  "the site does not link it")
    if run_witnesses:
        if runner is None:
            runner = run_witness
        for spec in sorted({e.witness for e in manifest.entries if e.witness}):
            prepared.witness_results[spec] = witness_verdict(runner(spec))
    return prepared


# ------------------------------------------------------------------------------ render
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("zerosorry.appendix", "templates"),
        autoescape=True,  # everything is text unless a function here made it Markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    from .highlight import highlight_lean

    env.filters["md"] = markdown
    env.filters["md_inline"] = markdown_inline
    env.filters["lean"] = highlight_lean
    env.filters["thousands"] = lambda n: f"{n:,}"
    # letters of any script stay (a glossary term "β" gets its own id, not "term")
    env.filters["slug"] = lambda s: re.sub(r"[\W_]+", "-", str(s).lower()).strip("-") or "term"
    env.filters["short_sha"] = lambda s: s[:12] if s else "—"
    return env


def _static_files() -> dict[str, bytes]:
    """The site's own CSS/JS (formulas are MathML written at build time: nothing of KaTeX's
    goes into the site)."""
    out: dict[str, bytes] = {}
    root = resources.files("zerosorry.appendix") / "static"
    for name in ("site.css", "site.js", "table.js", "theme.js", "graph.js", "favicon.svg"):
        out[f"static/{name}"] = (root / name).read_bytes()
    from .graphsvg import graph_css

    out["static/graph.css"] = graph_css().encode()
    from .highlight import pygments_css

    out["static/pygments.css"] = pygments_css().encode()
    return out


def render(view: SiteView, prepared: Prepared, ledger_text: str, ledger: Ledger, *,
           history_svg: str | None = None, history_changes: Sequence[Any] | None = None,
           blueprint: Any = None,
           graphs: GraphPieces | None = None, sources: Mapping[str, str | None] | None = None,
           manifest: mf.Manifest | None = None, highlighted: Highlighted | None = None) -> dict[str, bytes]:
    """Every file of the site, as relative POSIX path -> bytes.  Pure.  ``blueprint``: the
    Blueprint page's view (:class:`zerosorry.blueprint.view.BlueprintView`), when there is one.

    ``ledger`` (the value ``ledger_text`` is the text of) gives the pages' data file,
    ``graphs`` the graph page and the cards' small graphs, ``sources`` (file -> text) a
    highlighted page per Lean file (``highlighted``: the highlighting kept from the last render)."""
    env = _environment()
    graphs = graphs or GraphPieces()
    env.globals["minigraphs"] = graphs.minis
    files: dict[str, bytes] = {}
    common: dict[str, Any] = {
        "site": view, "csp": CSP, "statements": prepared.statements,
        "blueprint": blueprint,
        # inline, so that its tooltips and links to each commit work (an <img> has neither);
        # markup written by zerosorry.history.burndown_svg, which escapes every text in it
        "history_figure": Markup(history_svg) if history_svg is not None else None,
        "graphs": graphs, "graph_svg": graphs.main, "group": None,
    }
    pages = PAGES + ((("blueprint.html", "blueprint.html"),) if blueprint is not None else ())
    table_head = first_page(ledger, local=view.local_sources, base=view.source_base)
    for template, out_name in pages:
        html = env.get_template(template).render(page=out_name, table_head=table_head, **common)
        files[out_name] = html.encode()
    for by, drawing in graphs.grouped.items():  # graph-file.html, graph-namespace.html
        page = f"graph-{by}.html"
        html = env.get_template("graph.html").render(page=page, **{**common, "graph_svg": drawing, "group": by})
        files[page] = html.encode()
    files["lean_status.json"] = ledger_text.encode()
    # What the pages read, over HTTP and from disk alike (a browser opening a file will run a
    # script, not fetch a file): a compact table of the declarations, not the ledger again.
    files.update(declarations_files(ledger))
    if sources is not None:
        site = manifest.site if manifest is not None else None
        files.update(source_pages(env, view, ledger, sources, common,
                                  repository=site.repository if site else None,
                                  subdir=site.source_subdir if site else None, highlighted=highlighted))
    files.update(_static_files())
    if blueprint is not None:
        files["static/blueprint.js"] = (resources.files("zerosorry.appendix") / "static" / "blueprint.js").read_bytes()
    for name, src in sorted(prepared.widget_files.items()):
        files[f"widgets/{name}"] = src.read_bytes()
    for rel, src in sorted(prepared.extra_files.items()):
        files[rel] = src.read_bytes()
    if history_svg is not None:
        files["history.svg"] = history_svg.encode()
        # each commit's status changes, root causes first: the burn-down's points link here
        html = env.get_template("history.html").render(page="history.html", changes=history_changes or (),
                                                      **common)
        files["history.html"] = html.encode()
    files[MARKER] = b"zerosorry site: this folder is replaced as a whole by `zerosorry site`\n"
    return files


# ------------------------------------------------------------------------------ write
def _is_replaceable(out: Path) -> bool:
    if not out.exists():
        return True
    if not out.is_dir():
        return False
    return (out / MARKER).is_file() or not any(out.iterdir())


def write_site(files: Mapping[str, bytes], out: Path, *, force: bool = False) -> None:
    """Write ``files`` under ``out``: into a sibling temporary folder first, then swapped in, so
    a reader never sees half a site and a failed build leaves the old one in place."""
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out}: exists and is not a folder")
    resolved = out.resolve()
    if resolved == Path(resolved.anchor) or resolved == Path.cwd().resolve() or \
            Path.cwd().resolve().is_relative_to(resolved) or resolved == Path.home().resolve():
        raise SiteError(f"{out}: refusing to replace the current folder, one of its parents, or the "
                        "home folder, even with --force; choose a folder of its own (like site/)")
    if out.is_dir() and not _is_replaceable(out) and any(
            (out / name).exists() for name in (".git", "lakefile.lean", "lakefile.toml", "lean-toolchain")):
        raise SiteError(f"{out}: looks like a project (it holds a .git, lakefile or lean-toolchain); "
                        "refusing to replace it, even with --force")
    if not force and not _is_replaceable(out):
        raise SiteError(f"{out}: refusing to replace a folder that is not a zerosorry site "
                        f"(no {MARKER} in it); choose an empty or new folder, or pass --force")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        for rel, data in sorted(files.items()):
            p = tmp / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out.exists():
            os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


# ------------------------------------------------------------------------------ all together
@dataclass(frozen=True)
class BuildResult:
    out: Path
    files: int
    entries: int
    witnesses_failed: tuple[str, ...]
    view: SiteView
    notes: tuple[str, ...] = ()


def build_site(ledger: Ledger, manifest: mf.Manifest | None, out: Path, *,
               run_witnesses: bool = True, runner: WitnessRunner | None = None,
               history_svg: str | None = None, force: bool = False,
               ledger_text: str | None = None, history_changes: Sequence[Any] | None = None,
               blueprint: Any = None,
               sources: Mapping[str, str | None] | None = None,
               graph_anchors: Sequence[Anchor] | None = None,
               graph_hrefs: Mapping[str, str] | None = None) -> BuildResult:
    """``sources`` (Lean file -> its text, None when unreadable): a page per file, which every
    file:line links to; without it the links go to the manifest's repository.  ``graph_anchors``
    and ``graph_hrefs``: more roots of the graph besides the manifest's entries, and their links
    (a ``blueprint`` adds its own nodes)."""
    prepared = prepare(ledger, manifest, run_witnesses=run_witnesses, runner=runner)
    files, view = render_site(ledger, manifest, prepared, history_svg=history_svg, ledger_text=ledger_text,
                              history_changes=history_changes, blueprint=blueprint, sources=sources,
                              graph_anchors=graph_anchors, graph_hrefs=graph_hrefs)
    write_site(files, out, force=force)
    failed = tuple(sorted(spec for spec, r in prepared.witness_results.items() if not r.get("passed")))
    return BuildResult(out, len(files), len(view.entries), failed, view, tuple(prepared.notes))


def render_site(ledger: Ledger, manifest: mf.Manifest | None, prepared: Prepared, *,
                history_svg: str | None = None, ledger_text: str | None = None,
                history_changes: Sequence[Any] | None = None,
                blueprint: Any = None, sources: Mapping[str, str | None] | None = None,
                graph_anchors: Sequence[Anchor] | None = None,
                graph_hrefs: Mapping[str, str] | None = None,
                highlighted: Highlighted | None = None) -> tuple[dict[str, bytes], SiteView]:
    """Every file of the site (see :func:`render`) and the view it shows (the other arguments:
    :func:`build_site`)."""
    widget_scripts = tuple(f"widgets/{n}" for n in sorted(prepared.widget_files))
    view = build_view(ledger, manifest, witness_results=prepared.witness_results,
                      widget_scripts=widget_scripts, default_title=_default_title(ledger),
                      local_sources=sources is not None)
    if manifest is not None and manifest.site.empirical_companion and prepared.notes:
        view = replace(view, empirical_companion=None)
    text = ledger_text if ledger_text is not None else io.dumps(ledger)
    anchors, hrefs = list(graph_anchors or ()), dict(graph_hrefs or {})
    if blueprint is not None:  # the blueprint's nodes are roots of the graph too
        from ..blueprint.view import graph_anchors as blueprint_anchors

        bp_anchors, bp_hrefs = blueprint_anchors(blueprint)
        anchors += bp_anchors
        hrefs.update(bp_hrefs)
    graphs = graph_pieces(ledger, view, anchors=anchors, hrefs=hrefs)
    return render(view, prepared, text, ledger, history_svg=history_svg, history_changes=history_changes,
                  blueprint=blueprint, graphs=graphs, sources=sources, manifest=manifest,
                  highlighted=highlighted), view


def _default_title(ledger: Ledger) -> str:
    root = ledger.source.root
    name = PurePosixPath(root.replace("\\", "/")).name if root else ""
    return f"{name}: Lean appendix" if name else "Lean appendix"


def read_sources(root: Path, ledger: Ledger, known: Mapping[str, str | None] | None = None) -> dict[str, str | None]:
    """The text of every Lean file the ledger names, read under ``root`` (None when it cannot be
    read: its page says so, and the other files are not affected).  ``known``: texts already
    read (and still current), taken as they are."""
    out: dict[str, str | None] = {}
    for file in sorted({r.file for r in ledger.records}):
        if known is not None and file in known:
            out[file] = known[file]
            continue
        try:
            out[file] = (root / file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            out[file] = None
    return out


@dataclass(frozen=True)
class HistoryView:
    """The burn-down and the status changes of each commit, from a history database."""

    svg: str
    changes: tuple[Any, ...]  # history.CommitChange, newest first


def history_counts_svg(db_path: Path, title: str) -> str | None:
    """The burn-down SVG from a history database, or None when there is none."""
    view = load_history(db_path, title)
    return view.svg if view is not None else None


def load_history(db_path: Path, title: str) -> HistoryView | None:
    """The burn-down (each point linked to its commit's changes on history.html) and the
    changes, or None when there is no history database or nothing recorded."""
    if not db_path.is_file():
        return None
    from .. import history

    db = history.open_db(db_path)
    try:
        counts = history.load_counts(db)  # in first-parent order, however the runs went
        causes = history.step_labels(db, counts)
        changes = history.commit_changes(db, counts)
    finally:
        db.close()
    if not counts:
        return None
    anchors = {c.counts.sha: c.anchor for c in changes}

    def link(sha: str) -> str | None:
        return f"history.html#{anchors[sha]}" if sha in anchors else None

    return HistoryView(history.burndown_svg(counts, title=title, causes=causes, link=link), tuple(changes))
