"""Benchmark of the appendix site on a synthetic ledger (20,000 declarations; 250,000 for a
project the size of Mathlib: ``--decls 250000``).

Builds (deterministically) a ledger of N declarations with a realistic mix of statuses, chains of
uses and docstrings, and a manifest of 200 load-bearing entries with LaTeX statements, then
measures:

* baseline: serialising the ledger to JSON once (the floor: the site must at least write it);
* size: the site on disk against the ledger's JSON plus the source pages (target: at most 1.2x
  of that sum; the site holds both, so the rest of it may weigh at most a fifth of them; the
  synthetic ledger has no Lean files, so there are no source pages), with each part's share;
* graph: laying out the graph page and every card's small graph (dagre in V8) for the
  manifest's entries (target: at most 5 s for 200 entries);
* build: the whole site (manifest checks, KaTeX for every statement, highlighting, templates,
  blockers ranking, atomic write);
* in Debian's Chromium (headless), ``--runs`` times (median; each run a new tab of one open
  window): a floor page (one table row, nothing else), then loading the full status table (first
  rows in the DOM, first rows on screen by the Element Timing API, and the table script's first
  draw), then one filter change (status select) and one search keystroke, each timed in the page
  from the event to its new rows on screen, plus the theorems page's filter; ``--also SITE``
  loads another site's table in the same runs (a before/after comparison at the same load);
* with ``--trace N``: where the CPU of the page's renderer went (its main thread by kind of work
  until the first paint, after it until on screen, the tiles' raster), from Chromium's trace of
  N more loads of the floor page and of each table: thread time, which the machine's load does
  not inflate as it does the wall-clock figures.

Prints each time, its ratio against the baseline of the same run (serialising the ledger for the
build, the floor page for the browser) and the machine's load (1-minute average) when it was
taken: the figures mean little on a busy machine.  Targets: build <= 10 s at 20,000
declarations, filter <= 200 ms, first render of the table <= 200 ms (at 250,000 too).

    python bench/site.py [--decls 20000] [--runs 5] [--keep DIR] [--also SITE] [--trace N]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from zerosorry.appendix.manifest import parse_manifest
from zerosorry.appendix.site import build_site
from zerosorry.ledger import io
from zerosorry.ledger.model import EngineInfo, Ledger, Record, SourceInfo, Status

WORDS = ["moment", "ratio", "floor", "gauge", "sign", "quantiser", "residual", "energy", "attention", "key", "rotation", "orthogonal", "lattice", "bound", "monotone", "clamp", "softmax", "hessian", "curvature", "norm"]


def synthetic_ledger(n: int, seed: int = 7) -> Ledger:
    rng = random.Random(seed)
    records: list[Record] = []
    for i in range(n):
        f = i // 50
        kind = rng.choice(("theorem", "theorem", "lemma", "def", "instance", "abbrev"))
        # mostly local dependencies (the same or nearby files), as in a real library
        lo = f * 50
        deps = rng.sample(range(lo, i), min(2, i - lo))
        if i and rng.random() < 0.02:
            deps.append(rng.randrange(i))
        uses = [f"Synth.F{j // 50}.d{j}" for j in deps]
        records.append(Record(
            name=f"Synth.F{f}.d{i}", kind=kind, status=Status.PROVEN, file=f"Synth/F{f}.lean",
            line=1 + (i % 50) * 12, end_line=10 + (i % 50) * 12,
            signature=f"(x y : ℝ) (h : 0 ≤ x) : x * y ≤ {' + '.join(rng.sample(WORDS, 3))}",
            docstring=" ".join(rng.choices(WORDS, k=rng.randint(4, 14))).capitalize() + "." if rng.random() < .6 else None,
            uses=uses,
        ))
    by = {r.name: r for r in records}
    for r in records:
        roll = rng.random()
        if roll < 0.01:
            r.sorry_lines = [r.line + 3]
        elif roll < 0.012:
            r.status = Status.AXIOM
        elif roll < 0.015:
            r.status, r.sorry_lines, r.kind = Status.STUB, [r.line], "theorem"
    # derive: deferred when the own body or a used declaration has a sorry (uses point backwards,
    # so one pass in order is the closure)
    for r in records:
        if r.status in (Status.AXIOM, Status.STUB):
            continue
        if r.sorry_lines:
            r.status, r.via = Status.DEFERRED, [r.name]
            continue
        for u in r.uses:
            d = by[u]
            if d.status is Status.DEFERRED:
                r.status, r.via = Status.DEFERRED, [r.name, *d.via]
                break
    return Ledger(SourceInfo("synthetic", "0" * 40, False), "2026-01-01T00:00:00Z",
                  EngineInfo(), records, files=n // 50, lines=n * 12)


def synthetic_manifest(ledger: Ledger, entries: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    theorems = [r.name for r in ledger.records if r.kind in ("theorem", "lemma")]
    out = ['[site]\ntitle = "Synthetic appendix"\npaper_title = "A synthetic paper"\n']
    for f in range(10):
        out.append(f'[[families]]\nid = "fam-{f}"\ntitle = "Family {f}"\nexplanation = "Family {f} in plain words."\n')
    for i, name in enumerate(rng.sample(theorems, entries)):
        a, b = rng.randint(1, 9), rng.randint(1, 9)
        out.append(
            f'[[entries]]\nid = "e-{i}"\nlean = ["{name}"]\nfamily = "fam-{i % 10}"\n'
            # a TOML literal string: one backslash each, as an author writes it
            f'title = "Result {i}"\nstatement = \'\\beta_{{{a}}} = \\frac{{\\|k\\|_1^{{{b}}}}}{{d\\,\\|k\\|_2^2}} \\le 1\'\n'
            f'summary = "{" ".join(rng.choices(WORDS, k=12))}."\nwhy = "Because {rng.choice(WORDS)}."\n'
            f'target = "{rng.choice(("zero-sorry", "in-progress", "open"))}"\n')
    return "\n".join(out)


#: Injected before the page's own scripts (by the browser driver, so the page's CSP does not
#: apply): every cell put in the table (by the HTML, or drawn by its script) is marked for the
#: Element Timing API, which gives the time at which the browser put it on screen (the frame's
#: presentation): ``__zsPainted[mark]`` is the first such time of the cells marked ``mark``
#: (``zs-first-rows`` for the page's first rows; a filter change sets another mark first).
FIRST_PAINT = """
window.__zsMark = "zs-first-rows";
window.__zsPainted = {};
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (e) {
    if (!(e.identifier in window.__zsPainted)) window.__zsPainted[e.identifier] = e.renderTime;
  });
}).observe({type: "element", buffered: true});
new MutationObserver(function () {
  var body = document.getElementById("decls-body");
  if (!body || !body.firstElementChild) return;
  if (!window.__firstInDom) window.__firstInDom = performance.now();
  body.querySelectorAll("td:not([elementtiming])").forEach(function (td) { td.setAttribute("elementtiming", window.__zsMark); });
}).observe(document, {childList: true, subtree: true});
"""

#: The floor, loaded in the same runs as the site's table: a page of one table row and nothing
#: else, so that the browser's own share (a renderer, the navigation, a first frame) at the
#: machine's load of the moment is known; the table's first paint is printed against it
FLOOR_PAGE = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>floor</title></head><body>'
              '<table><tbody id="decls-body"><tr><td>Synth.F0.d0</td><td>theorem</td></tr></tbody></table></body></html>')

#: A control of the table page changed, timed in the page from the event to the first cell the
#: change drew being on screen (Element Timing; at most two seconds)
TIMED_CHANGE = """async ([sel, value, event, mark]) => {
    const el = document.querySelector(sel);
    window.__zsMark = mark;
    const t0 = performance.now();
    el.value = value;
    el.dispatchEvent(new Event(event));
    for (let i = 0; i < 200 && !(mark in window.__zsPainted); i++) await new Promise(r => setTimeout(r, 10));
    return (window.__zsPainted[mark] ?? NaN) - t0;
}"""

#: The theorems page's filter (cards, not table rows): from the event to the next frame
TIMED_FRAME = """async ([sel, value]) => {
    const el = document.querySelector(sel);
    const t0 = performance.now();
    el.value = value; el.dispatchEvent(new Event('change'));
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now() - t0;
}"""


def load() -> float:
    return os.getloadavg()[0]


def painted(page: Any, mark: str = "zs-first-rows", wait_s: float = 10.0) -> float:
    """When the cells marked ``mark`` were first on screen (ms from the start of navigation)."""
    end = time.perf_counter() + wait_s
    while time.perf_counter() < end:
        got = page.evaluate("(m) => window.__zsPainted && window.__zsPainted[m]", mark)
        if got:
            return float(got)
        time.sleep(0.01)
    return math.nan


def floor_run(context: Any, floor: Path) -> dict[str, float]:
    page = context.new_page()
    page.goto(floor.as_uri())
    got = painted(page)
    page.close()
    return {"floor page: its row painted (ms)": got}


def browser_run(context: Any, site: Path) -> dict[str, float]:
    page = context.new_page()  # a new tab of the open window
    t0 = time.perf_counter()
    page.goto((site / "declarations.html").as_uri())
    page.wait_for_selector("body[data-table='ready']", timeout=120_000)
    loaded = time.perf_counter() - t0
    # from the start of navigation, in the page: the first rows in the DOM (the page's HTML holds
    # them), on screen, the table's script's first draw, then every row in
    dom_ms = float(page.evaluate("window.__firstInDom || NaN"))
    painted_ms = painted(page)
    first_ms = float(page.get_attribute("body", "data-first-ms") or "nan")
    all_ms = float(page.get_attribute("body", "data-ready-ms") or "nan")
    status_ms = page.evaluate(TIMED_CHANGE, ["#table-status", "deferred", "change", "zs-status"])
    rows = page.locator("#decls-body tr").count()
    assert rows > 0
    search_ms = page.evaluate(TIMED_CHANGE, ["#table-search", "gauge", "input", "zs-search"])
    sort_t0 = time.perf_counter()
    page.click("th button[data-sort='name']")
    sort_ms = (time.perf_counter() - sort_t0) * 1000
    page.goto((site / "index.html").as_uri())
    page.wait_for_selector("body[data-ledger='loaded']", timeout=120_000)
    cards_ms = page.evaluate(TIMED_FRAME, ["#filter-status", "deferred"])
    page.close()
    return {"table load (s)": loaded, "table first rows in the DOM (ms)": dom_ms,
            "table first rows painted (ms)": painted_ms, "table script's first draw (ms)": first_ms,
            "table every row loaded (ms)": all_ms, "table status filter, to its rows painted (ms)": status_ms,
            "table search, to its rows painted (ms)": search_ms, "table sort click, round trip (ms)": sort_ms,
            "theorems status filter, to the next frame (ms)": cards_ms, "load (1 min)": load()}


Timings = dict[str, tuple[float, list[float]]]


def open_window(pw: Any) -> tuple[Any, Any]:
    """Debian's Chromium, headless, with one window open (a page that stays, so that each load
    is a new tab of it) whose pages get :data:`FIRST_PAINT`."""
    browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                 args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(FIRST_PAINT)
    context.new_page()
    return browser, context


def browser_timings(sites: list[Path], floor: Path, runs: int) -> list[Timings]:
    """The floor page's figures, then each site's: each figure's median over ``runs`` loads, with
    every run's value.  A run loads the floor page, then each site's table, each in a new tab of
    one open window (a new browser context would be a new window, and for each new window this
    Chromium builds its omnibox popup, a WebUI page in a renderer of its own: 200 ms and more of
    CPU while the page under test loads, on a 2-core machine; a reader's window is open already)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser, context = open_window(pw)
        # a first load of each warms the browser and the file cache; not counted
        floor_run(context, floor)
        for site in sites:
            browser_run(context, site)
        results: list[list[dict[str, float]]] = [[] for _ in range(len(sites) + 1)]
        for _ in range(runs):
            results[0].append(floor_run(context, floor))
            for i, site in enumerate(sites):
                results[i + 1].append(browser_run(context, site))
        browser.close()
    return [{k: (statistics.median(r[k] for r in rs), [r[k] for r in rs]) for k in rs[0]} for rs in results]


#: What each traced event of the page's main thread is (its own time goes to the innermost)
TRACE_KINDS = {"ParseHTML": "parse HTML", "ParseAuthorStyleSheet": "parse CSS", "UpdateLayoutTree": "style",
               "Layout": "layout", "PrePaint": "paint", "Paint": "paint", "Layerize": "paint", "Commit": "paint",
               "EvaluateScript": "script", "v8.compile": "script", "FunctionCall": "script", "TimerFire": "script",
               "RunMicrotasks": "script", "EventDispatch": "script", "FireAnimationFrame": "script",
               "FrameLoader::CommitNavigation": "navigation commit", "DocumentLoader::CommitNavigation": "navigation commit"}
TRACE_CATEGORIES = ["blink.user_timing", "devtools.timeline", "disabled-by-default-devtools.timeline", "loading",
                    "navigation", "v8.execute", "toplevel", "cc"]


def trace_breakdown(events: list[dict[str, Any]], url: str, paint_ms: float, shown_ms: float) -> dict[str, float]:
    """CPU time (the thread's own, so the machine's load does not count) of the page's renderer
    from the start of navigation: its main thread's work by kind until the first frame's paint,
    its main thread after that until the frame is on screen, and the raster of its tiles."""
    starts = [e for e in events if e.get("name") == "navigationStart"
              and e.get("args", {}).get("data", {}).get("documentLoaderURL") == url]
    t0, pid, tid = starts[-1]["ts"], starts[-1]["pid"], starts[-1]["tid"]

    def own_time(lo: float, hi: float) -> Counter[str]:
        slices = sorted((e for e in events if e["pid"] == pid and e["tid"] == tid and e.get("ph") == "X"
                         and lo <= (e["ts"] - t0) / 1000 < hi), key=lambda e: (e["ts"], -e.get("dur", 0)))
        stack: list[dict[str, Any]] = []
        out: Counter[str] = Counter()
        kind: dict[int, str] = {}
        for e in slices:
            while stack and stack[-1]["ts"] + stack[-1].get("dur", 0) <= e["ts"]:
                stack.pop()
            if stack:  # a child's time is not its parent's own
                out[kind[id(stack[-1])]] -= e.get("tdur", 0) / 1000
            stack.append(e)
            kind[id(e)] = next((TRACE_KINDS[x["name"]] for x in reversed(stack) if x["name"] in TRACE_KINDS), "other")
            out[kind[id(e)]] += e.get("tdur", 0) / 1000
        return out

    before = own_time(-1, paint_ms)
    out: dict[str, float] = {f"main thread to the first paint: {k} (ms)": v for k, v in before.items()}
    out["main thread to the first paint, all (ms)"] = sum(before.values())
    out["main thread from the paint to on screen (ms)"] = sum(own_time(paint_ms, shown_ms).values())
    out["raster of the tiles until on screen (ms)"] = sum(
        e.get("tdur", 0) for e in events if e.get("name") == "RasterTask" and e["pid"] == pid
        and 0 <= (e["ts"] - t0) / 1000 < shown_ms) / 1000
    out["wall: first paint (ms)"] = paint_ms
    out["wall: on screen (ms)"] = shown_ms
    return out


def traced_loads(pages: list[Path], runs: int) -> list[dict[str, float]]:
    """:func:`trace_breakdown` of each page, the median of ``runs`` traced loads (new tabs)."""
    from playwright.sync_api import sync_playwright

    got: list[dict[str, list[float]]] = [{} for _ in pages]
    with sync_playwright() as pw:
        browser, context = open_window(pw)
        for run in range(runs + 1):  # the first, warming up, not counted
            for i, path in enumerate(pages):
                page = context.new_page()
                browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
                page.goto(path.as_uri())
                shown = painted(page)
                paint = float(page.evaluate(
                    "(performance.getEntriesByName('first-contentful-paint')[0] || {}).paintTime || NaN"))
                page.wait_for_timeout(100)
                events = json.loads(browser.stop_tracing())["traceEvents"]
                page.close()
                if run:
                    for k, v in trace_breakdown(events, path.as_uri(), paint, shown).items():
                        got[i].setdefault(k, []).append(v)
        browser.close()
    return [{k: statistics.median(v) for k, v in g.items()} for g in got]


def site_parts(out: Path) -> dict[str, int]:
    """Bytes on disk of each part of the site."""
    parts = {"ledger JSON": 0, "source pages": 0, "data": 0, "static": 0, "pages": 0}
    for p in out.rglob("*"):
        if not p.is_file():
            continue
        rel = p.relative_to(out).as_posix()
        key = ("ledger JSON" if rel == "lean_status.json" else "source pages" if rel.startswith("source/")
               else "data" if rel.startswith("data/") else "static" if rel.startswith("static/") else "pages")
        parts[key] += p.stat().st_size
    return parts


def print_browser(sites: list[Path], timings: list[Timings]) -> None:
    floor = timings[0]["floor page: its row painted (ms)"]
    print(f"browser   floor page (one row, nothing else): painted {floor[0]:6.1f} ms  "
          f"[{', '.join(f'{v:.0f}' for v in floor[1])}]")
    for site, figures in zip(sites, timings[1:], strict=True):
        if len(sites) > 1:
            print(f"browser   site {site}")
        for label, (value, every) in figures.items():
            if label.startswith("load"):
                print(f"browser   machine load during the runs          {value:9.2f}  "
                      f"(each run: {', '.join(f'{v:.2f}' for v in every)})")
                continue
            unit_ms = "(ms)" in label
            against = f"({value / floor[0]:5.2f}x the floor)" if unit_ms else " " * 19
            verdict = ""
            if "filter" in label or "search" in label or "painted" in label:
                verdict = f"target <= 200 ms  {'OK' if value <= 200 else 'MISSED'}"
            runs = ", ".join(f"{v:.0f}" if unit_ms else f"{v:.2f}" for v in every)
            print(f"browser   {label:47s}{value:9.1f}  {against}  {verdict}  [{runs}]")


def print_traces(pages: list[Path], breakdowns: list[dict[str, float]], runs: int) -> None:
    print(f"trace     CPU of the page's renderer (thread time, ms; median of {runs} traced loads, "
          f"tracing slows them), load {load():.2f}")
    names = ["floor page", *(p.parent.name for p in pages[1:])]
    print(f"          {'':52s}" + "".join(f"{n[:16]:>17s}" for n in names))
    for key in sorted({k for b in breakdowns for k in b}, key=lambda k: (not k.startswith("main thread to"), k)):
        print(f"          {key:52s}" + "".join(f"{b.get(key, 0.0):17.1f}" for b in breakdowns))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--decls", type=int, default=20_000)
    ap.add_argument("--entries", type=int, default=200)
    ap.add_argument("--keep", type=Path, default=None, help="build the site here and keep it")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--runs", type=int, default=5, help="page loads in Chromium (the median is shown)")
    ap.add_argument("--also", type=Path, action="append", default=[], metavar="SITE",
                    help="a site built before (by another version) whose table is loaded in the same runs")
    ap.add_argument("--trace", type=int, default=0, metavar="N",
                    help="then trace N loads of the floor page and of each table, and print where the CPU went")
    args = ap.parse_args()

    ledger = synthetic_ledger(args.decls)
    counts = ledger.status_counts()
    manifest_text = synthetic_manifest(ledger, args.entries)
    tmp = Path(tempfile.mkdtemp(prefix="zerosorry-bench-site-"))
    out = args.keep or tmp / "site"
    try:
        t0 = time.perf_counter()
        text = io.dumps(ledger)
        baseline = time.perf_counter() - t0
        mpath = tmp / "appendix.toml"
        mpath.write_text(manifest_text, encoding="utf-8")
        t0 = time.perf_counter()
        manifest = parse_manifest(manifest_text, path=str(mpath))
        build_site(ledger, manifest, out, run_witnesses=False, force=True)
        build = time.perf_counter() - t0
        build_load = load()
        parts = site_parts(out)
        size = sum(parts.values())
        from zerosorry.appendix.pages import graph_pieces
        from zerosorry.appendix.view import build_view

        view = build_view(ledger, manifest)
        t0 = time.perf_counter()
        pieces = graph_pieces(ledger, view)
        graph_s = time.perf_counter() - t0
        graph_load = load()
        print(f"synthetic ledger: {len(ledger.records):,} declarations {counts}, {args.entries} entries; "
              f"ledger JSON {len(text) / 1e6:.1f} MB, site {size / 1e6:.1f} MB")
        print(f"baseline  ledger to JSON            {baseline:7.2f} s")
        print(f"build     whole site                {build:7.2f} s  ({build / baseline:5.1f}x baseline)  target <= 10 s  "
              f"{'OK' if build <= 10 else 'MISSED'}  (load {build_load:.2f})")
        # the yardstick: the ledger's JSON plus the source pages (both are in the site)
        base = parts["ledger JSON"] + parts["source pages"]
        ratio = size / base
        shares = ", ".join(f"{k} {v / 1e6:.2f} MB ({v / base:.3f})" for k, v in parts.items())
        print(f"size      site on disk              {size / 1e6:7.1f} MB ({ratio:4.3f}x the ledger JSON plus the source "
              f"pages)  target <= 1.2x  {'OK' if ratio <= 1.2 else 'MISSED'}\n          parts: {shares}")
        print(f"graph     layout, {args.entries} entries         {graph_s:7.2f} s  ({pieces.nodes} nodes in the graph page, "
              f"{len(pieces.minis)} cards' graphs)  target <= 5 s  {'OK' if graph_s <= 5 else 'MISSED'}  "
              f"(load {graph_load:.2f})")
        if not args.no_browser:
            floor = tmp / "floor.html"
            floor.write_text(FLOOR_PAGE, encoding="utf-8")
            sites = [out, *args.also]
            print_browser(sites, browser_timings(sites, floor, args.runs))
            if args.trace:
                print_traces([floor, *(s / "declarations.html" for s in sites)], traced_loads(
                    [floor, *(s / "declarations.html" for s in sites)], args.trace), args.trace)
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
