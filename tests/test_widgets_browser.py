"""Drive the moe-gauge widgets in Chromium and compare every displayed number with Python.

The harness page is served over HTTP with a Content-Security-Policy header that forbids inline
scripts and inline styles, like the generated site.  The page itself has no inline script
except one canary that must be blocked (proving the policy is enforced).
"""

from __future__ import annotations

import contextlib
import math
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neural_geometry import formulas as F

from .site_support import serve

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
WIDGETS_JS = REPO / "examples" / "moe-gauge" / "widgets" / "geometry_widgets.js"
CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'"

HARNESS_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>widget harness</title>
<script src="harness.js"></script>
<script>window.inlineCanaryRan = true;</script>
<script src="widgets/geometry_widgets.js" defer></script>
</head>
<body>
<div class="widget" data-widget="beta-slider" data-entry="jensen-floor" id="slider-a"></div>
<div class="widget" data-widget="beta-slider" data-entry="iid-floor" id="slider-b"></div>
<div class="widget" data-widget="beta-calculator" data-entry="jensen-floor" id="calc"></div>
</body>
</html>
"""

HARNESS_JS = """
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.cspViolations.push({directive: e.violatedDirective, blocked: e.blockedURI,
                             source: e.sourceFile || '', line: e.lineNumber});
});
"""


@pytest.fixture
def harness_url(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "widgets").mkdir()
    shutil.copy(WIDGETS_JS, tmp_path / "widgets" / WIDGETS_JS.name)
    (tmp_path / "harness.html").write_text(HARNESS_HTML, encoding="utf-8")
    (tmp_path / "harness.js").write_text(HARNESS_JS, encoding="utf-8")
    with serve(tmp_path, {"Content-Security-Policy": CSP, "Cache-Control": "no-store"}) as url:
        yield url + "harness.html"


@pytest.fixture
def page(browser: Any, harness_url: str) -> Iterator[Any]:
    context = browser.new_context()
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(harness_url)
    pg.wait_for_selector('#calc [data-testid="vector-input"]')
    pg.wait_for_selector('#slider-b [data-testid="beta-value"]')
    try:
        yield pg
    finally:
        violations = pg.evaluate("window.cspViolations")
        canary = pg.evaluate("window.inlineCanaryRan === true")
        context.close()
        assert errors == [], f"JavaScript errors: {errors}"
        assert not canary, "the CSP did not block the inline canary script"
        widget_violations = [v for v in violations if "geometry_widgets" in v["source"]]
        assert widget_violations == [], f"CSP violations from the widget: {widget_violations[:3]}"
        assert len(violations) == 1, f"expected only the canary violation, got {violations[:3]}"


# ----------------------------------------------------------------------------- helpers

_NUM = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _shown(page: Any, root: str, testid: str) -> str:
    return str(page.locator(f'{root} [data-testid="{testid}"]').text_content()).strip()


def _number(text: str) -> tuple[float, int]:
    """The first number in a displayed string and its number of decimals."""
    m = _NUM.search(text)
    assert m, f"no number in {text!r}"
    token = m.group(0)
    decimals = len(token.split(".")[1]) if "." in token and "e" not in token.lower() else 0
    return float(token), decimals


def _agrees(text: str, expected: float, decimals: int | None = None) -> None:
    value, shown_decimals = _number(text)
    places = shown_decimals if decimals is None else decimals
    assert shown_decimals == places, f"{text!r}: expected {places} decimals"
    half_ulp = 0.5 * 10.0**-places + 1e-12
    assert abs(value - expected) <= half_ulp, f"displayed {text!r} vs Python {expected!r}"


@contextlib.contextmanager
def _context(label: str) -> Iterator[None]:
    """Prefix assertion failures inside a loop with the case that failed."""
    try:
        yield
    except AssertionError as exc:
        raise AssertionError(f"{label}: {exc}") from exc


def _set_slider(page: Any, root: str, value: str) -> float:
    slider = page.locator(f'{root} [data-testid="beta-slider-input"]')
    slider.evaluate(
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }", value
    )
    return float(slider.input_value())


def _set_dim(page: Any, root: str, d: str) -> None:
    page.locator(f'{root} [data-testid="head-dim"]').fill(d)


def _check_slider(page: Any, root: str, b: float, d: int) -> None:
    _agrees(_shown(page, root, "beta-value"), b, 4)
    _agrees(_shown(page, root, "floor"), 1.0 - b, 4)
    pct = _shown(page, root, "floor-percent")
    assert pct.endswith("%")
    _agrees(pct, 100.0 * (1.0 - b), 2)
    _agrees(_shown(page, root, "cosine"), math.sqrt(b), 4)
    angle = float(F.angle_deg_from_beta(b))
    angle_text = _shown(page, root, "angle")
    assert angle_text.endswith("°")
    _agrees(angle_text, angle, 2)
    assert _shown(page, root, "bits") == str(F.allocate_bits(d, angle))
    assert page.locator(f'{root} [data-testid="head-dim-error"]').is_hidden()


# ----------------------------------------------------------------------------- beta-slider


def test_slider_default_and_reference_marks(page: Any) -> None:
    root = "#slider-a"
    _check_slider(page, root, F.GAUSSIAN_BETA, 128)
    marks = {
        name: float(str(page.locator(f'{root} [data-testid="mark-{name}"]').get_attribute("data-beta")))
        for name in ("laplace", "gaussian", "uniform", "lattice")
    }
    assert marks == pytest.approx(
        {"laplace": F.LAPLACE_BETA, "gaussian": F.GAUSSIAN_BETA, "uniform": F.UNIFORM_BETA, "lattice": 1.0},
        abs=1e-15,
    )
    refs = {"laplace": F.LAPLACE_BETA, "gaussian": F.GAUSSIAN_BETA, "uniform": F.UNIFORM_BETA, "lattice": 1.0}
    for d in (128, 4096):
        _set_dim(page, root, str(d))
        for name, b in refs.items():
            page.locator(f'{root} [data-testid="preset-{name}"]').click()
            assert page.locator(f'{root} [data-testid="preset-{name}"]').get_attribute("aria-pressed") == "true"
            _check_slider(page, root, b, d)
    # the lattice at d ≥ 512 is the one-bit pressure-release regime; Laplace is fragmented
    assert _shown(page, root, "regime") == "pressure release"
    page.locator(f'{root} [data-testid="preset-laplace"]').click()
    assert _shown(page, root, "bits") == "3"
    assert _shown(page, root, "regime") == "fragmented"


def test_slider_values_match_python(page: Any) -> None:
    root = "#slider-b"
    for d in (128, 511, 512, 4096):
        _set_dim(page, root, str(d))
        # includes β either side of cos²40° ≈ 0.5868 and cos²44° ≈ 0.5174 (allocator edges)
        for value in ("0.5", "0.517", "0.518", "0.55", "0.586", "0.587", "0.637", "0.712", "0.75", "0.9", "0.999", "1"):
            b = _set_slider(page, root, value)
            assert b == pytest.approx(float(value))
            with _context(f"d={d}, β={value}"):
                _check_slider(page, root, b, d)
    # off-grid values snap to the slider's 0.001 steps and the display follows the snapped value
    b = _set_slider(page, root, "0.71234")
    assert b == pytest.approx(0.712)
    _check_slider(page, root, b, 4096)
    # the other slider on the page is independent
    _check_slider(page, "#slider-a", F.GAUSSIAN_BETA, 128)


def test_slider_keyboard_and_edges(page: Any) -> None:
    root = "#slider-a"
    _set_dim(page, root, "512")
    b = _set_slider(page, root, "0.585")
    assert F.allocate_bits(512, float(F.angle_deg_from_beta(b))) == 2
    slider = page.locator(f'{root} [data-testid="beta-slider-input"]')
    slider.focus()
    seen = set()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
        b = float(slider.input_value())
        _check_slider(page, root, b, 512)
        seen.add(_shown(page, root, "bits"))
    assert b == pytest.approx(0.588)
    assert seen == {"1", "2"}  # crossing 40° at d = 512 switches 2 → 1 bit


def test_slider_bad_head_dimension(page: Any) -> None:
    root = "#slider-a"
    err = page.locator(f'{root} [data-testid="head-dim-error"]')
    for bad in ("0", "-4", "1.5", ""):
        with _context(f"d={bad!r}"):
            _set_dim(page, root, bad)
            assert err.is_visible()
            assert err.text_content() == "The head dimension must be a whole number ≥ 1."
            assert _shown(page, root, "bits") == "—"
            assert _shown(page, root, "regime") == "—"
            # the β-only outputs keep working
            _agrees(_shown(page, root, "floor"), 1 - F.GAUSSIAN_BETA, 4)
            _set_dim(page, root, "64")
            assert err.is_hidden()
            assert _shown(page, root, "bits") == str(
                F.allocate_bits(64, float(F.angle_deg_from_beta(F.GAUSSIAN_BETA)))
            )


# ----------------------------------------------------------------------------- beta-calculator

_rng = np.random.default_rng(42)
_LAPLACE = ", ".join(repr(float(x)) for x in _rng.laplace(size=64))
_GAUSS = "\n".join(" ".join(repr(float(x)) for x in row) for row in _rng.standard_normal((8, 16)))

CALC_CASES = [
    "1, -2, 0, 3",
    "0.3 -1.2\n0.8 2.0",
    "[1, 1, -1, -1]",
    "5",
    "0, 0, 0, 2.5",
    "1e-200 2e-200 -3e-200",
    "−1.5, 2",
    "1e150, -3e150, 2e150",
    "(0.1; 0.2; -0.7)",
    _LAPLACE,
    _GAUSS,
]


def _python_parse(text: str) -> np.ndarray:
    cleaned = text.replace("\u2212", "-").strip().lstrip("[(").rstrip("])")
    return np.array([float(t) for t in re.split(r"[\s,;]+", cleaned) if t], dtype=np.float64)


def test_calculator_matches_python(page: Any) -> None:
    for text in CALC_CASES:
        with _context(f"vector {text[:40]!r}"):
            _check_calculator(page, text)


def _check_calculator(page: Any, text: str) -> None:
    root = "#calc"
    page.locator(f'{root} [data-testid="vector-input"]').fill(text)
    k = _python_parse(text)
    assert page.locator(f'{root} [data-testid="calc-error"]').is_hidden()
    assert _shown(page, root, "calc-d") == str(k.size)
    b = float(F.beta(k))
    _agrees(_shown(page, root, "calc-beta"), b, 6)
    _agrees(_shown(page, root, "calc-cosine"), float(F.one_bit_cosine(k)), 6)
    _agrees(_shown(page, root, "calc-angle"), float(F.angle_deg(k)), 3)
    _agrees(_shown(page, root, "calc-residual"), float(F.residual_energy(k)), 6)
    _q, alpha = F.sign_quantize(k)
    shown_scale = float(_shown(page, root, "calc-scale"))
    assert shown_scale == pytest.approx(float(alpha), rel=5e-6)


BAD_VECTORS = [
    ("1, 2, abc", "Not a number: “abc” (entry 3)."),
    ("1, 2, 0x10", "Not a number: “0x10” (entry 3)."),
    ("0 0 0", "All entries are zero: β is undefined for the zero vector."),
    ("1, 1e999", "Number out of range: “1e999” (entry 2)."),
    ("NaN, 1", "Not a number: “NaN” (entry 1)."),
    ("[ ]", "Enter at least one number (separated by commas or spaces)."),
]


def test_calculator_errors(page: Any) -> None:
    for text, message in BAD_VECTORS:
        with _context(f"input {text!r}"):
            _check_calculator_error(page, text, message)


def _check_calculator_error(page: Any, text: str, message: str) -> None:
    root = "#calc"
    area = page.locator(f'{root} [data-testid="vector-input"]')
    area.fill("1, 2, 3")
    assert _shown(page, root, "calc-d") == "3"
    area.fill(text)
    err = page.locator(f'{root} [data-testid="calc-error"]')
    assert err.is_visible()
    assert err.text_content() == message
    assert area.get_attribute("aria-invalid") == "true"
    for testid in ("calc-d", "calc-beta", "calc-angle", "calc-residual"):
        assert _shown(page, root, testid) == "—"
    area.fill("3 4")
    assert err.is_hidden()
    _agrees(_shown(page, root, "calc-beta"), float(F.beta([3.0, 4.0])), 6)


def test_screenshot(page: Any, screenshot_dir: Path) -> None:
    page.locator('#slider-a [data-testid="preset-uniform"]').click()
    page.locator('#calc [data-testid="vector-input"]').fill("0.3, -1.2, 0.8, 2.0")
    out = screenshot_dir / "moe-gauge-geometry-widgets.png"
    page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 0


def test_calculator_random_vectors(page: Any) -> None:
    """40 random vectors (several laws, exact zeros, extreme scales, up to d = 300)."""
    rng = np.random.default_rng(7)
    draws: list[Callable[[int], np.ndarray]] = [
        lambda d: rng.standard_normal(d),
        lambda d: rng.laplace(size=d) * 1e-30,
        lambda d: rng.uniform(-1, 1, d) * 1e30,
        lambda d: rng.standard_t(2, d) * (rng.random(d) < 0.5),
        lambda d: rng.integers(-3, 4, d).astype(float),
    ]
    for i in range(40):
        d = int(rng.integers(1, 300))
        k = draws[i % len(draws)](d)
        if not np.any(k):
            k[0] = 1.0
        sep = (", ", " ", "\n", ",")[i % 4]
        text = sep.join(repr(float(x)) for x in k)
        with _context(f"random vector #{i} (d={d})"):
            _check_calculator(page, text)


SWEEP_JS = """
([root, d]) => {
  const box = document.querySelector(root);
  const q = (id) => box.querySelector('[data-testid="' + id + '"]');
  const dim = q('head-dim');
  dim.value = String(d);
  dim.dispatchEvent(new Event('input', {bubbles: true}));
  const slider = q('beta-slider-input');
  const rows = [];
  for (let i = 0; i <= 500; i++) {
    slider.value = (0.5 + i / 1000).toFixed(3);
    slider.dispatchEvent(new Event('input', {bubbles: true}));
    rows.push([slider.value, q('beta-value').textContent, q('floor').textContent,
               q('floor-percent').textContent, q('cosine').textContent, q('angle').textContent,
               q('bits').textContent, q('regime').textContent]);
  }
  return rows;
}
"""

REGIMES = {1: "pressure release", 2: "ballroom", 3: "fragmented"}


def test_slider_sweep_every_position(page: Any) -> None:
    """All 501 slider positions at d = 128 and d = 512 against Python."""
    for d in (128, 512):
        rows = page.evaluate(SWEEP_JS, ["#slider-b", d])
        assert len(rows) == 501
        bits_seen = set()
        for value, beta_txt, floor_txt, pct_txt, cos_txt, angle_txt, bits_txt, regime_txt in rows:
            b = float(value)
            with _context(f"d={d}, β={value}"):
                _agrees(beta_txt, b, 4)
                _agrees(floor_txt, 1 - b, 4)
                _agrees(pct_txt, 100 * (1 - b), 2)
                _agrees(cos_txt, math.sqrt(b), 4)
                angle = float(F.angle_deg_from_beta(b))
                _agrees(angle_txt, angle, 2)
                bits = F.allocate_bits(d, angle)
                assert bits_txt == str(bits)
                assert regime_txt == REGIMES[int(bits)]
                bits_seen.add(int(bits))
        assert bits_seen == ({2, 3} if d == 128 else {1, 2, 3})
