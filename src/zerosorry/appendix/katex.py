"""LaTeX to MathML at build time, with the KaTeX vendored in this package, run by V8 (mini-racer).

Rendering at build time means a LaTeX error in the manifest is found by the author, with the
entry's id, and never by a reader; and the pages need no script, stylesheet or font for it.
KaTeX writes MathML only (``output: "mathml"``): the browser lays the formula out (MathML Core:
Chromium, Firefox and Safari) with the system's math font, in a tenth of the bytes of KaTeX's
positioned HTML (a statement weighed ~4.4 kB as HTML plus MathML, ~0.6 kB as MathML), and
screen readers read it.  MathML Core has no ``mathvariant`` but ``normal``: a ``\\mathbb{R}``
is written as the character ℝ itself (:func:`math_alphanumerics`), as MathML Core asks.
KaTeX runs with ``trust: false``, so ``\\href``, ``\\url``, ``\\includegraphics`` and the
``\\html…`` commands cannot put a link, a request or an attribute into the page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

_VENDOR = ("static", "vendor", "katex")

_OPTIONS = {
    "throwOnError": True,
    "trust": False,
    "strict": "ignore",
    "output": "mathml",
    "maxExpand": 1000,
    "maxSize": 50,
    # KaTeX draws a command it refuses (\\href and friends under trust: false) in errorColor
    # instead of throwing; a colour no author would pick lets the build report it as an error.
    "errorColor": "#cc0001",
}
_REFUSED = re.compile(r'<mstyle mathcolor="#cc0001"><mtext>(\\[A-Za-z]+)</mtext>')

_BATCH = """
(function (items, options) {
  var out = [];
  for (var i = 0; i < items.length; i++) {
    var opts = Object.assign({}, options, {displayMode: items[i][1]});
    try {
      out.push([true, katex.renderToString(items[i][0], opts)]);
    } catch (e) {
      out.push([false, String(e && e.message || e), (e && typeof e.position === "number") ? e.position : null]);
    }
  }
  return JSON.stringify(out);
})
"""

_POSITION = re.compile(r" at position (\d+)")

#: Where each ``mathvariant`` starts in Unicode's Mathematical Alphanumeric Symbols: (A, 0).
#: a to z follow Z; a variant with no digits has None.
_ALPHANUMERICS: dict[str, tuple[int, int | None]] = {
    "bold": (0x1D400, 0x1D7CE), "italic": (0x1D434, None), "bold-italic": (0x1D468, None),
    "script": (0x1D49C, None), "bold-script": (0x1D4D0, None), "fraktur": (0x1D504, None),
    "double-struck": (0x1D538, 0x1D7D8), "bold-fraktur": (0x1D56C, None),
    "sans-serif": (0x1D5A0, 0x1D7E2), "bold-sans-serif": (0x1D5D4, 0x1D7EC),
    "sans-serif-italic": (0x1D608, None), "sans-serif-bold-italic": (0x1D63C, None),
    "monospace": (0x1D670, 0x1D7F6),
}
#: The letters Unicode had before that block (its own places there are left empty).
_HOLES = {
    ("italic", "h"): "ℎ",
    **{("script", c): u for c, u in zip("BEFHILMRego", "ℬℰℱℋℐℒℳℛℯℊℴ", strict=True)},
    **{("fraktur", c): u for c, u in zip("CHIRZ", "ℭℌℑℜℨ", strict=True)},
    **{("double-struck", c): u for c, u in zip("CHNPQRZ", "ℂℍℕℙℚℝℤ", strict=True)},
}
_VARIANT = re.compile(r'<(mi|mn|mo|mtext) mathvariant="([a-z-]+)">([^<]*)</\1>')
#: a delimiter (KaTeX marks \\lVert, \\langle, ( … as not stretchy, \\left… \\right as fences) with
#: no spacing of its own: MathML Core would space ∥ and ∣ as relations
_DELIMITER = re.compile(r'<mo( fence="true"| stretchy="false")((?:(?! lspace=)[^>])*)>')
#: \\cos θ, \\log n: TeX's thin space after an operator name, none before a delimiter (\\sin(x))
_APPLY = re.compile(r'<mo>\u2061</mo>(?!<mo (?:fence|stretchy)|</)')


def _styled(variant: str, c: str) -> str | None:
    start = _ALPHANUMERICS.get(variant)
    if start is None:
        return None
    if (variant, c) in _HOLES:
        return _HOLES[(variant, c)]
    if "A" <= c <= "Z" or "a" <= c <= "z":
        return chr(start[0] + (ord(c) - 65 if c <= "Z" else ord(c) - 97 + 26))
    if "0" <= c <= "9" and start[1] is not None:
        return chr(start[1] + ord(c) - 48)
    return None


def math_alphanumerics(mathml: str) -> str:
    """``<mi mathvariant="double-struck">R</mi>`` as ``<mi>ℝ</mi>``: MathML Core (Chromium)
    draws no ``mathvariant`` but ``normal``, so the style goes into the characters.  An element
    with a character Unicode has no styled form of keeps its attribute (Firefox draws it)."""

    def one(m: re.Match[str]) -> str:
        tag, variant, text = m.groups()
        styled = [_styled(variant, c) for c in text]
        if variant == "normal" or not text or None in styled:
            return m.group(0)
        return f"<{tag}>{''.join(s for s in styled if s)}</{tag}>"

    return _VARIANT.sub(one, mathml)


def mathml_core(mathml: str) -> str:
    """KaTeX's MathML as MathML Core lays it out like KaTeX's own HTML: styled letters as
    characters, delimiters with no spacing, a thin space after an operator name."""
    mathml = math_alphanumerics(mathml)
    mathml = _DELIMITER.sub(r'<mo\1\2 lspace="0em" rspace="0em">', mathml)
    return _APPLY.sub('<mo rspace="0.1667em">\u2061</mo>', mathml)


class LatexError(ValueError):
    """KaTeX could not parse a formula; the message is KaTeX's own."""

    def __init__(self, message: str, tex: str, position: int | None = None) -> None:
        super().__init__(message)
        self.tex = tex
        self.position = position


def version() -> str:
    root = resources.files("zerosorry.appendix").joinpath(*_VENDOR)
    return root.joinpath("VERSION").read_text(encoding="utf-8").strip()


class KatexRenderer:
    """One V8 context with KaTeX loaded (lazily, once)."""

    def __init__(self, macros: Mapping[str, str] | None = None) -> None:
        self._options = dict(_OPTIONS, macros=dict(macros)) if macros else _OPTIONS
        self._ctx: Any = None
        self._cache: dict[tuple[str, bool], str | LatexError] = {}

    def _context(self) -> Any:
        if self._ctx is None:
            from py_mini_racer import MiniRacer

            ctx = MiniRacer()
            src = resources.files("zerosorry.appendix").joinpath(*_VENDOR, "katex.min.js")
            ctx.eval(src.read_text(encoding="utf-8"))
            ctx.eval("var __zs_batch = " + _BATCH + ";")
            self._ctx = ctx
        return self._ctx

    def render_many(self, items: Sequence[tuple[str, bool]]) -> list[str | LatexError]:
        """Render ``(tex, display)`` pairs in one call into V8; a failure is returned, not raised."""
        todo = list(dict.fromkeys(k for k in items if k not in self._cache))
        if todo:
            ctx = self._context()
            raw = ctx.eval(f"__zs_batch({json.dumps(todo)}, {json.dumps(self._options)})")
            for key, answer in zip(todo, json.loads(raw), strict=True):
                refused = _REFUSED.search(answer[1]) if answer[0] else None
                if refused:
                    self._cache[key] = LatexError(
                        f"KaTeX refuses {refused.group(1)} in a statement (untrusted input: no links, "
                        "images or HTML)", key[0], key[0].find(refused.group(1)))
                elif answer[0]:
                    self._cache[key] = mathml_core(answer[1])
                else:
                    message = answer[1]
                    pos = answer[2]
                    if pos is None:
                        m = _POSITION.search(message)
                        pos = int(m.group(1)) if m else None
                    self._cache[key] = LatexError(message, key[0], pos)
        return [self._cache[k] for k in items]

    def render(self, tex: str, *, display: bool = True) -> str:
        result = self.render_many([(tex, display)])[0]
        if isinstance(result, LatexError):
            raise result
        return result


@lru_cache(maxsize=1)
def _shared() -> KatexRenderer:
    return KatexRenderer()


def render(tex: str, *, display: bool = True) -> str:
    """Render one formula with a shared renderer; raises :class:`LatexError`."""
    return _shared().render(tex, display=display)
