"""The graph page, the cards' small graphs and the source pages in a real headless Chromium,
opened from disk (file://): nothing may leave the site and nothing may be logged as an error."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from zerosorry import graph as gr
from zerosorry.appendix.manifest import load_manifest
from zerosorry.appendix.pages import GRAPH_CAP
from zerosorry.appendix.site import build_site, read_sources
from zerosorry.ledger.model import Ledger
from zerosorry.scan import scan_project

from .site_support import EXAMPLE
from .test_site_browser import Watch

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Ledger]:
    out = tmp_path_factory.mktemp("graph-site") / "site"
    ledger = scan_project(EXAMPLE)
    build_site(ledger, load_manifest(EXAMPLE / "appendix.toml"), out, sources=read_sources(EXAMPLE, ledger),
               run_witnesses=False)
    return out, ledger


def _graph(page: Any, site: Path) -> Watch:
    watch = Watch(page, site.as_uri())
    page.goto((site / "graph.html").as_uri())
    page.wait_for_selector("body[data-graph='ready']", timeout=15_000)
    return watch


def _expected_graph(ledger: Ledger) -> gr.Graph:
    entries = load_manifest(EXAMPLE / "appendix.toml").entries
    return gr.build(ledger, [gr.Anchor(e.id, e.title, tuple(e.lean)) for e in entries], cap=GRAPH_CAP)


def test_graph_page_renders_offline_with_the_ledger_colours(page: Any, built: tuple[Path, Ledger],
                                                            screenshot_dir: Path) -> None:
    site, ledger = built
    watch = _graph(page, site)
    by = ledger.by_name()
    nodes = page.eval_on_selector_all(".graph-viewport .g-node", """els => els.map(e => {
        const shape = e.querySelector('.g-shape');
        const chip = document.createElement('span');
        chip.className = 'chip chip-' + e.dataset.status;
        document.body.appendChild(chip);
        const want = getComputedStyle(chip).color;
        chip.remove();
        return [e.dataset.id, e.dataset.name || null, e.dataset.status, getComputedStyle(shape).stroke, want,
                e.classList.contains('m-sorry-root')];
    })""")
    expected = _expected_graph(ledger)
    assert {n[0] for n in nodes} == {n.id for n in expected.nodes}
    decls = [n for n in nodes if n[0].startswith("decl:")]
    assert decls
    for nid, name, status, stroke, chip_colour, root in decls:
        assert status == by[name].status.value, nid
        if not root:  # a sorry root is drawn in the "bad" colour, as an octagon
            assert stroke == chip_colour, (nid, stroke, chip_colour)
        assert root == bool(by[name].sorry_lines and status != "stub")
    page.screenshot(path=str(screenshot_dir / "graph-light.png"))
    watch.check()


def test_search_highlights_the_ancestors(page: Any, built: tuple[Path, Ledger]) -> None:
    site, ledger = built
    watch = _graph(page, site)
    g = _expected_graph(ledger)
    ups: dict[str, set[str]] = {}
    for e in g.edges:
        ups.setdefault(e.target, set()).add(e.source)
    # the sorry root with the most declarations and results above it
    roots = [n for n in g.nodes if "sorry-root" in n.marks and n.name]

    def above(nid: str) -> set[str]:
        seen: set[str] = set()
        stack = [nid]
        while stack:
            for m in ups.get(stack.pop(), ()):
                if m not in seen:
                    seen.add(m)
                    stack.append(m)
        return seen

    target = max(roots, key=lambda n: (len(above(n.id)), n.id))
    assert len(above(target.id)) >= 2
    page.fill("#graph-search", target.name)
    assert page.get_attribute(".g-node.hit", "data-id") == target.id
    lit = set(page.eval_on_selector_all(".g-node.ancestor", "els => els.map(e => e.dataset.id)"))
    assert lit == above(target.id)
    assert page.locator(".g-node.descendant").count() == 0  # a sorry root has nothing below
    assert "above" in page.inner_text("#graph-found")
    watch.check()


def test_clicking_nodes_reaches_the_card_and_the_row(page: Any, built: tuple[Path, Ledger]) -> None:
    site, ledger = built
    watch = _graph(page, site)
    page.fill("#graph-search", "jensen_floor")
    node = page.locator(".g-node[data-id='entry:jensen-floor']")
    node.click()
    page.wait_for_url("**/index.html#entry-jensen-floor")
    page.wait_for_selector("body[data-ledger='loaded']")
    assert page.evaluate("document.activeElement.id") == "entry-jensen-floor"
    # a declaration that no card shows: its row of the full table
    entry_decls = {n for e in load_manifest(EXAMPLE / "appendix.toml").entries for n in e.lean}
    g = _expected_graph(ledger)
    other = next(n for n in g.nodes if n.kind == "decl" and n.name not in entry_decls)
    page.goto((site / "graph.html").as_uri())
    page.wait_for_selector("body[data-graph='ready']")
    page.fill("#graph-search", other.name or "")
    page.locator(f".g-node[data-id='{other.id}']").click()
    page.wait_for_selector("body[data-table='ready']")
    rows = page.eval_on_selector_all("#decls-body tr", "els => els.map(e => [e.dataset.name, e.className])")
    assert rows == [[other.name, "row-target"]]
    watch.check()


def test_keyboard_pans_zooms_and_reaches_the_nodes(page: Any, built: tuple[Path, Ledger]) -> None:
    site, _ = built
    watch = _graph(page, site)
    svg = ".graph-viewport svg"
    before = page.get_attribute(svg, "viewBox")
    page.focus("#graph-viewport")
    page.keyboard.press("+")
    zoomed = page.get_attribute(svg, "viewBox")
    assert zoomed != before and float(zoomed.split()[2]) < float(before.split()[2])
    page.keyboard.press("ArrowRight")
    assert float(page.get_attribute(svg, "viewBox").split()[0]) > float(zoomed.split()[0])
    page.keyboard.press("0")
    assert page.get_attribute(svg, "viewBox").split()[:2] == ["0.0", "0.0"]
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('class')") == "g-link"
    watch.check()


def test_a_cards_small_graph_follows_its_via_chain(page: Any, built: tuple[Path, Ledger]) -> None:
    site, ledger = built
    watch = Watch(page, site.as_uri())
    page.goto((site / "index.html").as_uri())
    page.wait_for_selector("body[data-ledger='loaded']")
    by = ledger.by_name()
    checked = 0
    for e in load_manifest(EXAMPLE / "appendix.toml").entries:
        deferred = [by[n] for n in e.lean if n in by and by[n].status.value != "proven"]
        card = page.locator(f"#entry-{e.id}")
        if not deferred:
            assert card.locator(".mini-graph").count() == 0
            continue
        mini = card.locator(".mini-graph svg")
        ids = set(mini.locator(".g-node").evaluate_all("els => els.map(e => e.dataset.id)"))
        edges = set(map(tuple, mini.locator(".g-edge").evaluate_all(
            "els => els.map(e => [e.dataset.from, e.dataset.to])")))
        for r in deferred:
            chain = [f"decl:{n}" for n in r.via]
            assert set(chain) <= ids, (e.id, chain)
            assert set(pairwise(chain)) <= edges, (e.id, chain)
            sorry_node = mini.locator(f".g-node[data-id='{chain[-1]}']")
            assert "m-sorry-root" in (sorry_node.get_attribute("class") or "") or by[r.via[-1]].status.value == "stub"
            checked += 1
    assert checked >= 5
    watch.check()


def test_source_links_resolve_to_the_line_from_disk(page: Any, built: tuple[Path, Ledger],
                                                     screenshot_dir: Path) -> None:
    site, ledger = built
    watch = Watch(page, site.as_uri())
    by = ledger.by_name()
    page.goto((site / "index.html").as_uri())
    page.wait_for_selector("body[data-ledger='loaded']")
    link = page.locator("#entry-jensen-floor .decl-head a.source-link").first
    name = page.locator("#entry-jensen-floor .decl").first.get_attribute("data-decl")
    link.click()
    r = by[name]
    page.wait_for_url(f"**/source/{r.file}.html#L{r.line}")
    target = page.evaluate("document.querySelector(':target').id")
    assert target == f"L{r.line}"
    text = page.inner_text(f"#L{r.line}")
    assert name.rsplit(".", 1)[-1] in text
    assert page.evaluate("document.querySelector(':target').getBoundingClientRect().top") < 900
    # the full table's file:line links too
    page.goto((site / "declarations.html").as_uri() + "#decl=" + name)
    page.wait_for_selector("body[data-table='ready']")
    page.locator("#decls-body td.where a").first.click()
    page.wait_for_url(f"**/source/{r.file}.html#L{r.line}")
    page.screenshot(path=str(screenshot_dir / "source-page.png"))
    watch.check()


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_phone_width_and_theme(browser: Any, built: tuple[Path, Ledger], theme: str, screenshot_dir: Path) -> None:
    site, ledger = built
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme=theme, device_scale_factor=2)
    page = context.new_page()
    try:
        watch = _graph(page, site)
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
        assert page.locator(".graph-viewport").bounding_box()["width"] <= 390
        bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert (bg == "rgb(18, 21, 26)") == (theme == "dark")
        page.screenshot(path=str(screenshot_dir / f"graph-phone-{theme}.png"))
        r = next(r for r in ledger.records if r.sorry_lines)
        page.goto((site / f"source/{r.file}.html").as_uri() + f"#L{r.line}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
        page.screenshot(path=str(screenshot_dir / f"source-phone-{theme}.png"))
        watch.check()
    finally:
        context.close()
