"""Lean highlighting: token classes, escaping, themes."""

from __future__ import annotations

from zerosorry.appendix.highlight import highlight_lean, pygments_css


def test_keywords_get_classes_and_text_is_escaped() -> None:
    html = str(highlight_lean("theorem foo <script> (x : ℝ) : x ≤ 1 := by sorry"))
    assert '<span class="kn">theorem</span>' in html
    assert "&lt;" in html and "<script>" not in html
    assert "style=" not in html
    assert "sorry" in html


def test_css_has_both_themes() -> None:
    css = pygments_css()
    assert ".hl .k " in css
    assert '[data-theme="dark"] .hl .k ' in css
    assert "@media (prefers-color-scheme: dark)" in css
    assert "url(" not in css
