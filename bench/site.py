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
* in Debian's Chromium (headless), ``--runs`` times (median; each run a new page): loading the
  full status table (first rows in the DOM, first rows painted, by the Element Timing API, and
  the table script's first draw), then one filter change (status select) and one search keystroke, each
  timed in the page from the event to the new rows being painted, plus the same on the
  theorems page.

Prints each time, its ratio against the baseline and the machine's load (1-minute average) when
it was taken: the figures mean little on a busy machine.  Targets: build <= 10 s at 20,000
declarations, filter <= 200 ms, first render of the table <= 200 ms (at 250,000 too).

    python bench/site.py [--decls 20000] [--runs 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

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
#: apply): when rows are in the table (in the HTML, or drawn by its script), their cells are
#: marked for the Element Timing API, which gives the time at which the browser painted them.
FIRST_PAINT = """
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (e) {
    if (e.identifier === "zs-first-rows" && !window.__firstPainted) window.__firstPainted = e.renderTime;
  });
}).observe({type: "element", buffered: true});
new MutationObserver(function (_, obs) {
  var body = document.getElementById("decls-body");
  if (!body || !body.firstElementChild) return;
  if (!window.__firstInDom) window.__firstInDom = performance.now();
  if (window.__firstPainted) { obs.disconnect(); return; }
  body.querySelectorAll("td:not([elementtiming])").forEach(function (td) { td.setAttribute("elementtiming", "zs-first-rows"); });
}).observe(document, {childList: true, subtree: true});
"""


def load() -> float:
    return os.getloadavg()[0]


def browser_run(browser: object, site: Path) -> dict[str, float]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.add_init_script(FIRST_PAINT)
    t0 = time.perf_counter()
    page.goto((site / "declarations.html").as_uri())
    page.wait_for_selector("body[data-table='ready']", timeout=120_000)
    loaded = time.perf_counter() - t0
    # from the start of navigation, in the page: the first rows in the DOM (the page's HTML holds
    # them), painted, drawn by the table's script, then every row in
    dom_ms = float(page.evaluate("window.__firstInDom || NaN"))
    painted_ms = float(page.evaluate("window.__firstPainted || NaN"))
    first_ms = float(page.get_attribute("body", "data-first-ms") or "nan")
    all_ms = float(page.get_attribute("body", "data-ready-ms") or "nan")
    # one filter change, timed inside the page: the change event to the rows in the DOM and
    # a frame painted
    timed = """async ([sel, value, kind]) => {
        const el = document.querySelector(sel);
        const t0 = performance.now();
        if (kind === 'select') { el.value = value; el.dispatchEvent(new Event('change')); }
        else { el.value = value; el.dispatchEvent(new Event('input')); }
        await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
        return performance.now() - t0;
    }"""
    status_ms = page.evaluate(timed, ["#table-status", "deferred", "select"])
    rows = page.locator("#decls-body tr").count()
    assert rows > 0
    search_ms = page.evaluate(timed, ["#table-search", "gauge", "input"])
    sort_t0 = time.perf_counter()
    page.click("th button[data-sort='name']")
    sort_ms = (time.perf_counter() - sort_t0) * 1000
    page.goto((site / "index.html").as_uri())
    page.wait_for_selector("body[data-ledger='loaded']", timeout=120_000)
    cards_ms = page.evaluate(timed, ["#filter-status", "deferred", "select"])
    page.close()
    return {"table load (s)": loaded, "table first rows in the DOM (ms)": dom_ms,
            "table first rows painted (ms)": painted_ms, "table script's first draw (ms)": first_ms,
            "table every row loaded (ms)": all_ms, "table status filter (ms)": status_ms,
            "table search (ms)": search_ms, "table sort click, round trip (ms)": sort_ms,
            "theorems status filter (ms)": cards_ms, "load (1 min)": load()}


def browser_timings(site: Path, runs: int) -> dict[str, tuple[float, list[float]]]:
    """Each figure's median over ``runs`` loads (each in a new page), with every run's value."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        browser_run(browser, site)  # a first load warms the browser and the file cache; not counted
        results = [browser_run(browser, site) for _ in range(runs)]
        browser.close()
    return {k: (statistics.median(r[k] for r in results), [r[k] for r in results]) for k in results[0]}


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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--decls", type=int, default=20_000)
    ap.add_argument("--entries", type=int, default=200)
    ap.add_argument("--keep", type=Path, default=None, help="build the site here and keep it")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--runs", type=int, default=5, help="page loads in Chromium (the median is shown)")
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
            for label, (value, every) in browser_timings(out, args.runs).items():
                if label.startswith("load"):
                    print(f"browser   machine load during the runs       {value:9.2f}  "
                          f"(each run: {', '.join(f'{v:.2f}' for v in every)})")
                    continue
                unit_ms = "(ms)" in label
                ratio = (value / 1000 if unit_ms else value) / baseline
                verdict = ""
                if "filter" in label or "search" in label or "painted" in label:
                    verdict = f"target <= 200 ms  {'OK' if value <= 200 else 'MISSED'}"
                runs = ", ".join(f"{v:.0f}" if unit_ms else f"{v:.2f}" for v in every)
                print(f"browser   {label:34s}{value:9.1f}  ({ratio:5.2f}x baseline)  {verdict}  [{runs}]")
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
