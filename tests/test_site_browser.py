"""The built appendix in a real headless Chromium (Debian's, through Playwright).

The example's site is built once per module and opened both straight from disk (file://) and
through a local HTTP server.  Every page load records its requests, console messages and page
errors: nothing may leave the site and nothing may be logged as an error.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zerosorry.appendix.manifest import load_manifest
from zerosorry.appendix.site import build_site, read_sources
from zerosorry.ledger import io
from zerosorry.scan import scan_project

from .site_support import EXAMPLE, XSS_DOC, ledger_json, serve, write_xss_project

pytestmark = pytest.mark.browser

SEVERITY = {"proven": 0, "axiom": 1, "stub": 2, "deferred": 3}


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("example-site") / "site"
    ledger = scan_project(EXAMPLE)
    build_site(ledger, load_manifest(EXAMPLE / "appendix.toml"), out, sources=read_sources(EXAMPLE, ledger))
    return out


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_xss_project(tmp_path_factory.mktemp("xss") / "proj")
    out = root.parent / "site"
    build_site(scan_project(root), load_manifest(root / "appendix.toml"), out)
    return out


class Watch:
    """Everything a page did that a test may want to refuse."""

    def __init__(self, page: Any, allowed_prefix: str) -> None:
        self.allowed_prefix = allowed_prefix
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))

        def on_dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)

    def check(self) -> None:
        outside = [u for u in self.requests if not u.startswith(self.allowed_prefix)]
        assert outside == [], f"requests left the site: {outside}"
        assert self.console_errors == [], self.console_errors
        assert self.page_errors == [], self.page_errors
        assert self.dialogs == [], f"a script ran and opened a dialog: {self.dialogs}"


def _open(page: Any, url: str, prefix: str) -> Watch:
    watch = Watch(page, prefix)
    page.goto(url)
    page.wait_for_selector("body[data-ledger='loaded']", timeout=15_000)
    return watch


def _entry_statuses(site: Path) -> dict[str, str]:
    """Each card's status as the ledger decides it (the worst of its declarations)."""
    from zerosorry.appendix.manifest import load_manifest as load

    by_name = {r["name"]: r["status"] for r in ledger_json(site)["declarations"]}
    manifest = load(EXAMPLE / "appendix.toml")
    out = {}
    for e in manifest.entries:
        statuses = [by_name.get(n, "deferred") for n in e.lean]
        out[e.id] = max(statuses, key=lambda s: SEVERITY[s])
    return out


def _visible_cards(page: Any) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(
        "article.card", "els => els.filter(e => e.offsetParent !== null).map(e => e.dataset.entryId)")
    return ids


# ------------------------------------------------------------------------------ from disk
def test_opened_from_disk_reads_the_ledger_and_stays_inside(page: Any, example_site: Path,
                                                            screenshot_dir: Path) -> None:
    watch = _open(page, (example_site / "index.html").as_uri(), example_site.as_uri())
    expected = _entry_statuses(example_site)
    shown = page.eval_on_selector_all("article.card", "els => els.map(e => [e.dataset.entryId, e.dataset.status, e.querySelector('.entry-status').textContent])")
    assert {i: s for i, s, _ in shown} == expected
    assert all(s == chip for _, s, chip in shown)
    # KaTeX wrote MathML at build time; the browser lays it out (MathML Core): every formula has
    # a box, and a fraction's numerator sits above its denominator
    assert page.locator(".statement .katex math").count() == len(expected)
    laid_out = page.eval_on_selector_all(".statement math", """els => els.map(m => {
        const f = m.querySelector('mfrac'), box = m.getBoundingClientRect();
        const above = f ? f.children[0].getBoundingClientRect().bottom <= f.children[1].getBoundingClientRect().top + 1 : null;
        return [getComputedStyle(m).display, box.width > 20 && box.height > 10, above]; })""")
    assert all(d == "block math" and sized for d, sized, _ in laid_out), laid_out
    assert any(above is True for _, _, above in laid_out) and not any(above is False for _, _, above in laid_out)
    page.screenshot(path=str(screenshot_dir / "theorems-light.png"), full_page=False)
    watch.check()


def test_full_table_from_disk(page: Any, example_site: Path) -> None:
    watch = _open(page, (example_site / "declarations.html").as_uri(), example_site.as_uri())
    page.wait_for_selector("body[data-table='ready']")
    total = len(ledger_json(example_site)["declarations"])
    assert page.locator("#table-count").inner_text().startswith(f"{total} of {total}")
    watch.check()


# ------------------------------------------------------------------------------ over HTTP
@pytest.fixture(scope="module")
def served(example_site: Path) -> Iterator[str]:
    with serve(example_site) as url:
        yield url


def test_filter_by_status_matches_the_ledger(page: Any, served: str, example_site: Path) -> None:
    watch = _open(page, served + "index.html", served)
    expected = _entry_statuses(example_site)
    for status in ("deferred", "proven", "axiom", ""):
        page.select_option("#filter-status", status)
        want = sorted(i for i, s in expected.items() if not status or s == status)
        assert sorted(_visible_cards(page)) == want, status
        assert page.locator("#shown-count").inner_text().startswith(f"{len(want)} of {len(expected)}")
    # a family filter hides the other families' sections
    page.select_option("#filter-family", "jensen-floor")
    visible_sections = page.eval_on_selector_all(
        "[data-family-section]", "els => els.filter(e => !e.hidden).map(e => e.dataset.familySection)")
    assert visible_sections == ["jensen-floor"]
    watch.check()


def test_search_view_switch_and_deep_link(page: Any, served: str, example_site: Path,
                                          screenshot_dir: Path) -> None:
    watch = _open(page, served + "index.html", served)
    page.fill("#search", "gauge invariance")
    visible = _visible_cards(page)
    assert visible, "the search found nothing"
    for entry_id in visible:
        text = page.locator(f"#entry-{entry_id}").inner_text().lower()
        assert "gauge" in text and "invariance" in text
    page.fill("#search", "no such words anywhere qqq")
    assert _visible_cards(page) == []
    assert page.locator("#no-match").is_visible()
    page.fill("#search", "")

    page.click("#view-table")
    assert page.locator("#table-view").is_visible()
    assert not page.locator("#cards-view").is_visible()
    rows = page.locator("tr[data-entry-row]").count()
    assert rows == len(_entry_statuses(example_site))
    page.screenshot(path=str(screenshot_dir / "theorems-table-view.png"))
    page.click("#view-cards")
    assert page.locator("#cards-view").is_visible()

    # a deep link to a card hidden by a filter clears the filter and brings the card into view
    statuses = _entry_statuses(example_site)
    deferred = sorted(i for i, s in statuses.items() if s == "deferred")[0]
    page.select_option("#filter-status", "proven")
    assert not page.locator(f"#entry-{deferred}").is_visible()
    page.evaluate(f"location.hash = 'entry-{deferred}'")
    page.wait_for_function(f"document.getElementById('entry-{deferred}').offsetParent !== null")
    card = page.locator(f"#entry-{deferred}")
    assert card.is_visible()
    assert card.evaluate("e => { const r = e.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; }")
    assert page.locator(f"#entry-{deferred} [data-testid='sorry-chain']").count() >= 1
    # a fresh load of a family deep link lands on the family
    page.goto(served + "index.html#family-moment-ratio-floor")
    page.wait_for_selector("body[data-ledger='loaded']")
    assert page.locator("#family-moment-ratio-floor").evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; }")
    watch.check()


def test_chips_follow_the_served_ledger(page: Any, example_site: Path, tmp_path: Path) -> None:
    """The data file next to the pages is what they show: edit it and the chips change."""
    site = tmp_path / "site"
    shutil.copytree(example_site, site)
    data = ledger_json(site)
    statuses = _entry_statuses(example_site)
    entry = sorted(i for i, s in statuses.items() if s == "proven")[0]
    name = next(e for e in load_manifest(EXAMPLE / "appendix.toml").entries if e.id == entry).lean[0]
    assert any(r["name"] == name for r in data["declarations"])
    js = site / "data" / "declarations.js"
    decls = json.loads(js.read_text(encoding="utf-8").removeprefix("window.ZEROSORRY_DECLS = ").rstrip().rstrip(";"))
    row = next(r for r in decls["rows"] if r[0] == name)
    row[2] = decls["statuses"].index("deferred")
    js.write_text("window.ZEROSORRY_DECLS = " + json.dumps(decls) + ";\n", encoding="utf-8")
    with serve(site) as url:
        watch = _open(page, url + "index.html", url)
        chip = page.locator(f".decl[data-decl='{name}'] .decl-head [data-status-chip]").first
        assert chip.inner_text() == "deferred"
        card = page.locator(f"#entry-{entry}")
        assert card.get_attribute("data-status") == "deferred"
        assert card.locator(".entry-status").first.inner_text() == "deferred"
        watch.check()


def test_full_table_filters_sorts_and_pages(page: Any, served: str, example_site: Path,
                                            screenshot_dir: Path) -> None:
    records = ledger_json(example_site)["declarations"]
    watch = _open(page, served + "declarations.html#status=deferred", served)
    page.wait_for_selector("body[data-table='ready']")
    deferred = sorted(r["name"] for r in records if r["status"] == "deferred")
    names = page.eval_on_selector_all("#decls-body tr", "els => els.map(e => e.dataset.name)")
    statuses = set(page.eval_on_selector_all("#decls-body tr", "els => els.map(e => e.dataset.status)"))
    assert statuses == {"deferred"}
    assert sorted(names) == deferred[: len(names)] or len(names) == min(100, len(deferred))
    assert page.locator("#table-count").inner_text().startswith(f"{len(deferred)} of {len(records)}")

    page.select_option("#table-status", "")
    page.select_option("#table-page-size", "50")
    assert page.locator("#decls-body tr").count() == min(50, len(records))
    page.click("#page-next")
    assert "page 2 of" in page.locator("#page-info").inner_text()
    assert "page=2" in page.evaluate("location.hash")

    page.click("th button[data-sort='name']")
    first = page.eval_on_selector_all("#decls-body tr", "els => els.map(e => e.dataset.name)")
    assert first == sorted(r["name"] for r in records)[:50]
    page.click("th button[data-sort='name']")
    first_desc = page.eval_on_selector_all("#decls-body tr", "els => els.map(e => e.dataset.name)")
    assert first_desc == sorted((r["name"] for r in records), reverse=True)[:50]

    page.fill("#table-search", "jensen")
    rows = page.eval_on_selector_all("#decls-body tr", "els => els.map(e => e.textContent.toLowerCase())")
    assert rows and all("jensen" in r for r in rows)
    page.screenshot(path=str(screenshot_dir / "declarations.png"))
    watch.check()


def test_other_pages_theme_and_phone_width(browser: Any, served: str, screenshot_dir: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    try:
        watch = _open(page, served + "index.html", served)
        page.click("#theme-toggle")
        theme = page.evaluate("document.documentElement.getAttribute('data-theme')")
        assert theme in ("dark", "light")
        bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        page.screenshot(path=str(screenshot_dir / f"theorems-phone-{theme}.png"))
        # the choice survives a reload
        page.reload()
        page.wait_for_selector("body[data-ledger='loaded']")
        assert page.evaluate("document.documentElement.getAttribute('data-theme')") == theme
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == bg
        # nothing wider than the phone's screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
        for name in ("blockers", "glossary"):
            page.goto(served + f"{name}.html")
            page.wait_for_selector("body[data-ledger='loaded']")
            page.screenshot(path=str(screenshot_dir / f"{name}-phone.png"), full_page=True)
        watch.check()
    finally:
        context.close()


def test_keyboard_reaches_the_filters(page: Any, served: str) -> None:
    watch = _open(page, served + "index.html", served)
    focused = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement && document.activeElement.id"))
        if "filter-status" in focused:
            break
    assert "search" in focused and "filter-status" in focused
    page.keyboard.press("ArrowDown")  # a select changes with the keyboard alone
    watch.check()


def test_blockers_and_glossary_pages(page: Any, served: str, example_site: Path) -> None:
    watch = _open(page, served + "blockers.html", served)
    records = ledger_json(example_site)["declarations"]
    holders = {r["name"] for r in records if r["sorry_lines"]}
    rows = page.eval_on_selector_all("tr[data-blocker]", "els => els.map(e => e.dataset.blocker)")
    assert set(rows) == holders
    counts = page.eval_on_selector_all("td[data-entries-count]", "els => els.map(e => +e.dataset.entriesCount)")
    assert counts == sorted(counts, reverse=True)
    assert counts[0] >= 1
    page.goto(served + "glossary.html")
    page.wait_for_selector("body[data-ledger='loaded']")
    text = page.locator("main").inner_text().lower()
    for term in ("moment ratio", "gauge invariance", "phase-collapse angle"):
        assert term in text
    watch.check()


def test_widgets_run_on_the_example_site(page: Any, served: str) -> None:
    watch = _open(page, served + "index.html", served)
    page.wait_for_function("document.querySelector('[data-widget=\"beta-slider\"]').children.length > 0")
    assert page.locator("[data-widget='beta-calculator']").first.locator("textarea, input").count() >= 1
    watch.check()


def test_witness_results_shown(page: Any, served: str) -> None:
    watch = _open(page, served + "index.html", served)
    witnesses = page.locator("[data-testid='witness']")
    assert witnesses.count() >= 10
    assert page.locator(".witness-fail").count() == 0
    watch.check()


# ------------------------------------------------------------------------------ XSS
@pytest.mark.parametrize("how", ["disk", "http"])
def test_hostile_text_stays_text(page: Any, xss_site: Path, how: str, screenshot_dir: Path) -> None:
    with serve(xss_site) as url:
        base = url if how == "http" else xss_site.as_uri() + "/"
        prefix = url if how == "http" else xss_site.as_uri()
        for name in ("index.html", "declarations.html", "glossary.html", "blockers.html"):
            watch = _open(page, base + name, prefix)
            if name == "declarations.html":
                page.wait_for_selector("body[data-table='ready']")
                assert page.locator("td.desc", has_text=XSS_DOC).count() == 1
            if name == "index.html":
                assert page.locator(".docstring", has_text="Fine: <b>not bold</b> & not markup.").count() == 1
                assert page.locator("main script, main iframe, main img, main style").count() == 0
                assert "Sneaky <script>alert(6)</script>" in page.locator("#entry-sneaky h4").inner_text()
                if how == "disk":
                    page.screenshot(path=str(screenshot_dir / "xss-inert.png"))
            watch.check()
        # the raw docstring is in the ledger verbatim
        decls = {r["name"]: r for r in ledger_json(xss_site)["declarations"]}
        assert decls["Evil.sneaky"]["docstring"] == XSS_DOC


def test_ledger_json_on_the_site_is_valid(example_site: Path) -> None:
    data = ledger_json(example_site)
    assert io.validate(data) == []
    js = (example_site / "data" / "declarations.js").read_text(encoding="utf-8")
    decls = json.loads(js.removeprefix("window.ZEROSORRY_DECLS = ").rstrip().rstrip(";"))
    rows = [(r[0], decls["kinds"][r[1]], decls["statuses"][r[2]], decls["files"][r[3]], r[4]) for r in decls["rows"]]
    assert rows == [(r["name"], r["kind"], r["status"], r["file"], r["line"]) for r in data["declarations"]]
    assert not (example_site / "lean_status.js").exists()


def test_odd_names_and_hand_edited_links_do_not_break_the_pages(page: Any, xss_site: Path, tmp_path: Path) -> None:
    """A Lean name with a space keeps its card's status after the ledger loads; a malformed
    %-escape or an unknown value in the URL hash is ignored, not an exception."""
    base = xss_site.as_uri()
    watch = _open(page, f"{base}/index.html", base)
    assert page.get_attribute("#entry-spaced", "data-status") == "proven"
    assert page.get_attribute("#entry-sneaky", "data-status") == "deferred"
    for url in (f"{base}/index.html#%", f"{base}/index.html#%E0%A4%A"):
        page.goto(url)
        page.wait_for_selector("body[data-ledger='loaded']", timeout=15_000)
    page.goto(f"{base}/declarations.html#q=100%&size=7&status=bogus&sort=__proto__")
    page.wait_for_selector("body[data-table='ready']", timeout=15_000)
    assert page.input_value("#table-page-size") == "100"
    assert page.input_value("#table-status") == ""
    assert page.input_value("#table-search") == "100%"
    watch.check()


def test_table_descriptions_are_plain_text(page: Any, served: str) -> None:
    """Docstrings' Markdown marks do not show as characters in the full table."""
    watch = Watch(page, served)
    page.goto(f"{served}/declarations.html#q=attention_score_gauge_invariance")
    page.wait_for_selector("body[data-table='ready']", timeout=15_000)
    desc = page.inner_text("#decls-body tr td.desc")
    assert desc.startswith("Gauge invariance of attention scores.") and "**" not in desc and "`" not in desc
    watch.check()


def test_table_marks_a_possible_deferral(page: Any, tmp_path: Path) -> None:
    """A declaration deferred only through a possible use (field notation whose receiver's
    type the source does not state) carries a 'possible' mark in the table; a certain one not."""
    from zerosorry.ledger.model import SourceInfo
    from zerosorry.scan import scan_files

    src = ("structure Nice where\n  n : Nat\n"
           "theorem Nice.comp (x : Nice) : x.n = x.n := sorry\n"
           "theorem Other.comp (n : Nat) : n = n := rfl\n"
           "theorem maybe (p : ∃ _ : Nat, True) : True := by\n  obtain ⟨x, _⟩ := p\n  exact x.comp\n"
           "theorem surely (x : Nice) : x.n = x.n := x.comp\n")
    ledger = scan_files({"A.lean": src.encode()}, source=SourceInfo("t"), generated="2026-01-01T00:00:00Z")
    out = tmp_path / "site"
    build_site(ledger, None, out)
    watch = _open(page, (out / "declarations.html").as_uri(), out.as_uri())
    page.wait_for_selector("body[data-table='ready']")
    row = page.locator("tr[data-name='maybe']")
    assert row.locator(".chip-deferred").count() == 1
    assert row.locator(".chip-possible").inner_text() == "possible"
    assert page.locator("tr[data-name='surely'] .chip-possible").count() == 0
    watch.check()


@pytest.mark.parametrize("how", ["disk", "http"])
def test_a_large_project_s_data_in_several_files(page: Any, tmp_path: Path, how: str) -> None:
    """A project whose declarations do not fit the first data file: the first rows are drawn
    from it, the rest (gzip-compressed in base64 strings) are inflated by the browser and join
    the table, from disk and over HTTP, with no request leaving the site."""
    from zerosorry.appendix.pages import declarations_files
    from zerosorry.ledger.model import EngineInfo, Ledger, Record, SourceInfo, Status

    statuses = [Status.PROVEN, Status.PROVEN, Status.DEFERRED, Status.AXIOM]
    records = [Record(f"Big.F{i // 9}.d{i:03d}", "theorem", statuses[i % 4], f"Big/F{i // 9}.lean", 1 + 3 * (i % 9),
                      2 + 3 * (i % 9), "", f"Declaration {i} «with» ünïcode." if i % 3 else None)
               for i in range(61)]
    ledger = Ledger(SourceInfo("/big"), "2026-01-01T00:00:00Z", EngineInfo(), records)
    out = tmp_path / "site"
    build_site(ledger, None, out)
    for rel, data in declarations_files(ledger, shard=12, first=5).items():  # 5 rows, then 5 files
        (out / rel).write_bytes(data)
    assert (out / "data" / "declarations-5.js").is_file()

    def check(base: str) -> None:
        base = base.rstrip("/")
        watch = Watch(page, base)
        page.goto(f"{base}/declarations.html#status=deferred&size=50")
        page.wait_for_selector("body[data-table='ready']", timeout=15_000)
        names = page.eval_on_selector_all("#decls-body tr", "rows => rows.map(r => r.dataset.name)")
        assert names == [r.name for r in sorted(records, key=lambda r: (r.file, r.line))
                         if r.status is Status.DEFERRED]
        assert page.inner_text("#table-count").startswith(f"{len(names)} of 61 declarations match")
        page.select_option("#table-status", "")
        page.fill("#table-search", "ünïcode")
        assert page.locator("#decls-body tr").count() == sum(1 for r in records if r.docstring)
        assert page.inner_text("tr[data-name='Big.F6.d058'] td.desc") == "Declaration 58 «with» ünïcode."
        # its file came with its part (the first file names only the files of its own rows)
        assert page.inner_text("tr[data-name='Big.F6.d058'] td.where") == "Big/F6.lean:13"
        watch.check()

        # no view asked for: the page's own first rows, then every row once the rest is in
        page.goto(f"{base}/glossary.html")
        page.goto(f"{base}/declarations.html")
        page.wait_for_selector("body[data-table='ready']", timeout=15_000)
        names = page.eval_on_selector_all("#decls-body tr", "rows => rows.map(r => r.dataset.name)")
        assert names == [r.name for r in sorted(records, key=lambda r: (r.file, r.line))]
        assert page.inner_text("#table-count").startswith("61 of 61 declarations match")
        watch.check()

    if how == "disk":
        check(out.as_uri())
    else:
        with serve(out) as url:
            check(url)


def test_the_table_s_first_rows_are_in_the_html(browser: Any, example_site: Path) -> None:
    """declarations.html holds the first screenful of the default view's first page, drawn as
    table.js draws it: with scripts off they are there, and they are the first rows of the
    script's own first page, row for row."""
    from zerosorry.appendix.pages import PAGE, SCREEN

    rows_js = "els => els.map(e => e.outerHTML)"
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto((example_site / "declarations.html").as_uri())
        static = page.eval_on_selector_all("#decls-body tr", rows_js)
    finally:
        context.close()
    total = len(ledger_json(example_site)["declarations"])
    assert len(static) == min(SCREEN, total) > 0
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto((example_site / "declarations.html").as_uri())
        page.wait_for_selector("body[data-table='ready']", timeout=15_000)
        drawn = page.eval_on_selector_all("#decls-body tr", rows_js)
        assert len(drawn) == min(PAGE, total)
        assert drawn[:len(static)] == static
        assert page.get_attribute("#decls-body", "data-static") is None
    finally:
        context.close()


def test_a_filter_chosen_before_the_data_is_read_is_the_view_drawn(browser: Any, example_site: Path) -> None:
    """The scripts read the data once the first frame is on screen: a status chosen before then
    leaves the page's rows in place (no empty table) and is the view the first draw makes."""
    context = browser.new_context()
    context.add_init_script("""document.addEventListener("DOMContentLoaded", function () {
        var select = document.getElementById("table-status");
        window.__early = !document.body.hasAttribute("data-first-ms");
        select.value = "deferred";
        select.dispatchEvent(new Event("change"));
        window.__rowsLeft = document.querySelectorAll("#decls-body tr").length;
    });""")
    try:
        page = context.new_page()
        page.goto((example_site / "declarations.html").as_uri())
        page.wait_for_selector("body[data-table='ready']", timeout=15_000)
        assert page.evaluate("window.__early") is True
        assert page.evaluate("window.__rowsLeft") > 0
        statuses = page.eval_on_selector_all("#decls-body tr", "rows => rows.map(r => r.dataset.status)")
        deferred = [d for d in ledger_json(example_site)["declarations"] if d["status"] == "deferred"]
        assert len(statuses) == min(100, len(deferred)) > 0 and set(statuses) == {"deferred"}
        assert page.input_value("#table-status") == "deferred"
        assert page.url.endswith("#status=deferred")
    finally:
        context.close()


def test_a_view_in_the_url_hides_the_html_s_first_page(page: Any, served: str) -> None:
    """#status=… asks for another view than the rows the HTML holds: they stay hidden until the
    table's script has drawn that view (here it never comes), and show with no view asked for."""
    page.route("**/static/table.js", lambda route: route.abort())
    page.goto(f"{served}declarations.html#status=axiom")
    assert page.locator("#decls-body tr").count() > 0
    assert page.eval_on_selector("#decls-body", "b => getComputedStyle(b).visibility") == "hidden"
    page.goto(f"{served}glossary.html")
    page.goto(f"{served}declarations.html")
    assert page.eval_on_selector("#decls-body", "b => getComputedStyle(b).visibility") == "visible"
