"""LaTeX to HTML at build time, with the KaTeX vendored in this package, run by V8 (mini-racer).

Rendering at build time means a LaTeX error in the manifest is found by the author, with the
entry's id, and never by a reader; and the pages need KaTeX's stylesheet and fonts only, no
script.  KaTeX runs with ``trust: false``, so ``\\href``, ``\\url``, ``\\includegraphics`` and the
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
    "output": "htmlAndMathml",
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
                    self._cache[key] = answer[1]
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
