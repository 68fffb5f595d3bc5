"""Build-time KaTeX: output, errors with positions, refusal of untrusted commands, the vendored files."""

from __future__ import annotations

import re
from importlib import resources

import pytest
import tomllib

from zerosorry.appendix.katex import KatexRenderer, LatexError, render, version

from .site_support import EXAMPLE


@pytest.fixture(scope="module")
def katex() -> KatexRenderer:
    return KatexRenderer()


def test_renders_html_and_mathml(katex: KatexRenderer) -> None:
    html = katex.render(r"\beta(k) = \frac{\|k\|_1^2}{d\,\|k\|_2^2} \le 1")
    assert 'class="katex-display"' in html and 'class="katex"' in html and "<math" in html
    inline = katex.render("x^2", display=False)
    assert "katex-display" not in inline and 'class="katex"' in inline
    assert render("x") == katex.render("x")


def test_parse_error_has_message_and_position(katex: KatexRenderer) -> None:
    with pytest.raises(LatexError) as err:
        katex.render(r"a + \nosuchmacro")
    assert "Undefined control sequence: \\nosuchmacro" in str(err.value)
    assert err.value.position == 4
    assert err.value.tex == r"a + \nosuchmacro"
    with pytest.raises(LatexError, match="Unexpected end of input"):
        katex.render(r"\frac{1}{")


@pytest.mark.parametrize("tex", [r"\href{javascript:alert(1)}{x}", r"\url{https://example.com}",
                                 r"\includegraphics{x.png}", r"\htmlClass{a}{x}", r"\htmlId{a}{x}",
                                 r"\htmlStyle{color:red}{x}", r"\htmlData{a=b}{x}"])
def test_untrusted_commands_are_errors(katex: KatexRenderer, tex: str) -> None:
    with pytest.raises(LatexError, match="refuses"):
        katex.render(tex)


def test_text_is_escaped(katex: KatexRenderer) -> None:
    html = katex.render(r"\text{<script>alert(1)</script>}")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_render_many_mixes_results_and_caches(katex: KatexRenderer) -> None:
    out = katex.render_many([("x", True), (r"\bad", True), ("x", True), ("y", False)])
    assert isinstance(out[0], str) and isinstance(out[1], LatexError) and out[0] == out[2]
    assert isinstance(out[3], str)


def test_every_example_statement_renders(katex: KatexRenderer) -> None:
    data = tomllib.loads((EXAMPLE / "appendix.toml").read_text(encoding="utf-8"))
    statements = [e["statement"] for e in data["entries"]]
    results = katex.render_many([(s, True) for s in statements])
    bad = [(s, r) for s, r in zip(statements, results, strict=True) if isinstance(r, LatexError)]
    assert bad == []


def test_vendored_files_are_complete() -> None:
    root = resources.files("zerosorry.appendix").joinpath("static", "vendor", "katex")
    assert re.fullmatch(r"0\.16\.\d+", version())
    css = root.joinpath("katex.min.css").read_text(encoding="utf-8")
    fonts = re.findall(r"url\((fonts/[^)]+)\)", css)
    assert fonts and all(f.endswith(".woff2") for f in fonts)
    for f in fonts:
        assert root.joinpath(f).is_file(), f
    assert "MIT" in root.joinpath("LICENSE").read_text(encoding="utf-8")
