"""Lean signatures with syntax highlighting (Pygments' Lean 4 lexer), as classes, never styles.

The HTML carries token classes only; :func:`pygments_css` gives the colours for the light theme
and for the dark one (chosen by ``data-theme`` or, without a choice, by the system's
``prefers-color-scheme``).  Pygments escapes the text it highlights.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from markupsafe import Markup

LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"


@lru_cache(maxsize=1)
def _tools() -> tuple[Any, Any]:
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name("lean4")
    except ClassNotFound:  # Pygments before 2.18 knows only Lean 3
        lexer = get_lexer_by_name("lean")
    return lexer, HtmlFormatter(nowrap=True)


#: whitespace and plain names: their spans draw nothing the text's own colour does not (both
#: themes give a name the text's colour), and they are most of the highlighted bytes
_PLAIN_SPAN = re.compile(r'<span class="(?:w|n)">([^<]*)</span>')


def highlight_html(code: str) -> str:
    """``code`` as highlighted, escaped HTML, without the spans that draw nothing."""
    from pygments import highlight

    lexer, formatter = _tools()
    return _PLAIN_SPAN.sub(r"\1", highlight(code, lexer, formatter))


@lru_cache(maxsize=65536)
def highlight_lean(code: str) -> Markup:
    """``code`` as highlighted, escaped HTML (no wrapper element)."""
    return Markup(highlight_html(code).rstrip("\n"))


def _rules(style: str, scope: str) -> str:
    from pygments.formatters import HtmlFormatter

    fmt = HtmlFormatter(style=style)
    lines = [ln for ln in fmt.get_style_defs(scope).splitlines()
             if not ln.lstrip().startswith(("pre ", "td.linenos", "span.linenos", "td.", "span.lineno"))]
    return "\n".join(lines)


def pygments_css() -> str:
    light = _rules(LIGHT_STYLE, ".hl")
    dark = _rules(DARK_STYLE, '[data-theme="dark"] .hl')
    auto = _rules(DARK_STYLE, ':root:not([data-theme="light"]) .hl')
    return (f"/* Lean highlighting: Pygments '{LIGHT_STYLE}' (light) and '{DARK_STYLE}' (dark) */\n"
            f"{light}\n{dark}\n@media (prefers-color-scheme: dark) {{\n{auto}\n}}\n"
            ".hl { background: var(--code-bg) !important; }\n")
