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


def test_renders_mathml_only(katex: KatexRenderer) -> None:
    html = katex.render(r"\beta(k) = \frac{\|k\|_1^2}{d\,\|k\|_2^2} \le 1")
    assert html.startswith('<span class="katex"><math') and 'display="block"' in html and "<mfrac>" in html
    assert "katex-html" not in html and "<span" not in html.removeprefix('<span class="katex">')
    inline = katex.render("x^2", display=False)
    assert 'display="block"' not in inline and 'class="katex"' in inline
    assert render("x") == katex.render("x")


@pytest.mark.parametrize(("tex", "chars"), [
    (r"\mathbb{R}^n \to \mathbb{E}", ["ℝ", "𝔼"]),  # a letter Unicode had before, one in the block
    (r"\mathcal{H} \oplus \mathcal{A}", ["ℋ", "𝒜"]),
    (r"\mathfrak{g}", ["𝔤"]),
    (r"\mathbf{x}_1 + \mathbf{1}", ["𝐱", "𝟏"]),
    (r"\mathsf{T}\,\texttt{ab}", ["𝖳", "𝚊𝚋"]),
])
def test_styled_letters_are_unicode_characters(katex: KatexRenderer, tex: str, chars: list[str]) -> None:
    """MathML Core draws no mathvariant: the style is in the characters."""
    html = katex.render(tex)
    for c in chars:
        assert f">{c}</" in html
    assert re.search(r'mathvariant="(?!normal)', html) is None


def test_a_character_with_no_styled_form_keeps_its_mathvariant() -> None:
    from zerosorry.appendix.katex import math_alphanumerics

    assert math_alphanumerics('<mi mathvariant="bold-italic">α</mi>') == '<mi mathvariant="bold-italic">α</mi>'
    assert math_alphanumerics('<mi mathvariant="double-struck">Z</mi>') == "<mi>ℤ</mi>"
    assert math_alphanumerics('<mi mathvariant="script">e</mi><mn mathvariant="monospace">42</mn>') == \
        "<mi>ℯ</mi><mn>𝟺𝟸</mn>"


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
    assert root.joinpath("katex.min.js").is_file()
    assert "MIT" in root.joinpath("LICENSE").read_text(encoding="utf-8")


def test_delimiters_carry_no_spacing_and_operator_names_a_thin_space(katex: KatexRenderer) -> None:
    """MathML Core would space ∥ and ∣ as relations; KaTeX's delimiters get none, \\mid keeps
    its own, and an operator name is followed by TeX's thin space unless a delimiter follows."""
    html = katex.render(r"\lVert k\rVert_1 + \{x \mid x > 0\} + \cos\theta + \sin(x)")
    assert '<mo stretchy="false" lspace="0em" rspace="0em">∥</mo>' in html
    assert "<mo>∣</mo>" in html  # \mid: a relation
    assert '<mi>cos</mi><mo rspace="0.1667em">\u2061</mo><mi>θ</mi>' in html
    assert '<mi>sin</mi><mo>\u2061</mo><mo stretchy="false"' in html
