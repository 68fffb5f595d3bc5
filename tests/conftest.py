"""Shared fixtures.  Browser tests use Debian's Chromium through Playwright's Python package."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# CI runs the property tests on a fixed sequence of examples (HYPOTHESIS_PROFILE=ci in .ci/run):
# a landing never depends on luck; locally they explore new examples on every run
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(os.environ.get("ZEROSORRY_SCREENSHOTS", REPO / "artifacts" / "screenshots"))


def _require(env: str) -> bool:
    return os.environ.get(env, "") not in ("", "0")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Debian Chromium.  Skips when absent, unless ZEROSORRY_REQUIRE_BROWSER is set (CI)."""
    if not Path(CHROMIUM).exists():
        if _require("ZEROSORRY_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing but ZEROSORRY_REQUIRE_BROWSER is set")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if _require("ZEROSORRY_REQUIRE_BROWSER"):
            raise
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop-sized page in a context of its own."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


def tex_tool(name: str, package: str) -> str:
    """The path of a TeX engine or poppler tool.  Skips when absent, unless ZEROSORRY_REQUIRE_TEX
    is set (CI), where a missing tool fails the test."""
    exe = shutil.which(name)
    if exe is None:
        if _require("ZEROSORRY_REQUIRE_TEX"):
            pytest.fail(f"{name} is missing but ZEROSORRY_REQUIRE_TEX is set (apt-get install {package})")
        pytest.skip(f"{name} not installed (apt-get install {package})")
    return exe


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {SCREENSHOTS}")
    return SCREENSHOTS


@pytest.fixture
def git() -> str:
    exe = shutil.which("git")
    if exe is None:
        pytest.fail("git is required for these tests")
    return exe


@pytest.fixture(autouse=True, scope="session")
def _private_parse_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never touch the user's ~/.cache: the parse cache lives in a session temp dir."""
    old = os.environ.get("ZEROSORRY_CACHE_DIR")
    os.environ["ZEROSORRY_CACHE_DIR"] = str(tmp_path_factory.mktemp("zerosorry-cache"))
    yield
    if old is None:
        os.environ.pop("ZEROSORRY_CACHE_DIR", None)
    else:
        os.environ["ZEROSORRY_CACHE_DIR"] = old


def _check_ledger_text(text: str, origin: str) -> None:
    """A ledger zerosorry wrote: valid against the schema (every item, no memo) and exactly the
    reference serialisation of what it holds."""
    from zerosorry.ledger import io

    data = json.loads(text)
    problems = io.validate(data)
    assert not problems, f"{origin}: ledger violates the schema: {problems[:3]}"
    assert io.reference_dumps(io.from_json(data, origin=origin)) == text, \
        f"{origin}: the fast serialiser differs from the reference"


@pytest.fixture(autouse=True, scope="session")
def _every_ledger_checked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every ledger the suite serialises in this process goes through the fast path
    (``io.encode``): each must be exactly the reference serialisation.  Every ledger file it
    writes (``io.write``) is read back and validated against the whole schema, with no memo.
    At the end, every ledger file left under the session's temporary folders (CLI subprocesses
    write them too) is checked both ways."""
    from zerosorry.ledger import io

    encode, write = io.encode, io.write

    def checked_encode(ledger: Any, memo: Any = None) -> Any:
        enc = encode(ledger, memo)
        assert enc.text().decode("utf-8") == io.reference_dumps(ledger), \
            "the fast serialiser differs from the reference"
        return enc

    def checked_write(ledger: Any, path: Path, **kwargs: Any) -> None:
        write(ledger, path, **kwargs)
        _check_ledger_text(Path(path).read_text(encoding="utf-8"), str(path))

    io.encode, io.write = checked_encode, checked_write  # type: ignore[assignment]
    try:
        yield
    finally:
        io.encode, io.write = encode, write  # type: ignore[assignment]
    for path in sorted(tmp_path_factory.getbasetemp().rglob("*.json")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if text.startswith('{\n  "schema": "zerosorry.lean_status/1"'):
            _check_ledger_text(text, str(path))


@pytest.fixture(scope="session")
def plastex() -> str:
    """leanblueprint's ``plastex`` (plasTeX with the blueprint plugin; it needs ``kpsewhich`` from
    Debian's texlive-latex-base).  Skips when absent, unless ZEROSORRY_REQUIRE_BLUEPRINT is set (CI)."""
    import sys

    exe = Path(sys.executable).with_name("plastex")
    missing = []
    try:
        import leanblueprint  # noqa: F401
        import pygraphviz  # noqa: F401
    except ImportError:
        missing.append("leanblueprint (pip install -e '.[test]')")
    if not exe.exists():
        missing.append(f"{exe}")
    if shutil.which("kpsewhich") is None:
        missing.append("kpsewhich (apt-get install texlive-latex-base)")
    if missing:
        if _require("ZEROSORRY_REQUIRE_BLUEPRINT"):
            pytest.fail(f"missing {', '.join(missing)} but ZEROSORRY_REQUIRE_BLUEPRINT is set")
        pytest.skip(f"missing {', '.join(missing)}")
    return str(exe)
