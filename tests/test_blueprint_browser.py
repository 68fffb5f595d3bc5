"""The Blueprint page in Debian's Chromium: claimed and derived side by side, the drift classes
as filters (also from a #class= link), the chain of every deferred node, the status panel's drift
count, and no console error, page error or request outside the site."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zerosorry.appendix.site import build_site
from zerosorry.blueprint.view import page as blueprint_page
from zerosorry.scan import scan_project

from .site_support import serve
from .test_blueprint import DRIFT

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def drift_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("bp-site") / "site"
    ledger = scan_project(DRIFT, use_cache=False)
    view = blueprint_page(DRIFT, ledger)
    assert view is not None
    build_site(ledger, None, out, blueprint=view)
    with serve(out) as url:
        yield url


def _visible(page: Any) -> list[str]:
    nodes: list[str] = page.eval_on_selector_all(
        "tr[data-node]", "els => els.filter(e => e.offsetParent !== null).map(e => e.dataset.node)")
    return nodes


def test_blueprint_page_filters_and_chains(browser: Any, drift_site: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(drift_site + "index.html")
        panel = page.inner_text("[data-testid=blueprint-drift]")
        assert "14 nodes" in panel and "1 false-claim" in panel and "1 hidden-gap" in panel
        page.click("nav >> text=Blueprint")
        page.wait_for_selector("[data-testid=blueprint-table]")
        assert len(_visible(page)) == 14
        row = page.locator("tr[data-node='thm:false']")
        assert row.locator("td.claimed").inner_text() == "proven"
        assert row.locator("td.derived").inner_text() == "deferred"

        page.click("button[data-filter=hidden-gap]")
        assert _visible(page) == ["thm:hidden"]
        assert page.url.endswith("#class=hidden-gap")
        steps = page.locator("tr[data-node='thm:hidden'] [data-testid=chain] li").all_inner_texts()
        assert [s.split()[0] for s in steps] == ["Drift.hidden_gap", "Drift.aux_lemma", "Drift.helper_def"]
        assert steps[-1].endswith("Drift/Basic.lean:14")
        assert page.inner_text("[data-testid=blueprint-shown]") == "1 of 14 nodes shown"

        page.click("button[data-filter=deferred]")
        deferred = _visible(page)
        assert set(deferred) == {"lem:open", "thm:false", "thm:hidden", "thm:local"}
        for key in deferred:  # every deferred node shows its chain
            assert page.locator(f"tr[data-node='{key}'] [data-testid=chain] li").count() >= 1

        page.click("button[data-filter=missed-leanok]")
        assert set(_visible(page)) == {"prop:missed", "prop:commented"}
        page.click("button[data-filter=all]")
        assert len(_visible(page)) == 14

        page.goto(drift_site + "blueprint.html#class=false-claim")  # a linked view
        page.wait_for_selector("[data-testid=blueprint-table]")
        assert _visible(page) == ["thm:false"]
        assert page.get_attribute("button[data-filter=false-claim]", "aria-pressed") == "true"
    finally:
        context.close()
    assert errors == []
    assert [u for u in requests if not u.startswith(drift_site)] == []


def test_no_blueprint_page_without_a_blueprint(tmp_path: Path) -> None:
    from .site_support import EXAMPLE

    out = tmp_path / "site"
    build_site(scan_project(EXAMPLE), None, out)
    assert not (out / "blueprint.html").exists()
    assert "blueprint.html" not in (out / "index.html").read_text(encoding="utf-8")
