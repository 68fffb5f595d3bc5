"""Author and docstring text to safe HTML: CommonMark with raw HTML disabled.

Markdown from the manifest (summaries, explanations, the glossary) may use emphasis, code and
links; any HTML in it is shown as text.  Links are limited to http(s), mail and relative
targets: markdown-it already refuses ``javascript:``, ``vbscript:``, ``file:`` and ``data:``.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup


@lru_cache(maxsize=1)
def _md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")  # an image would be a request; the site makes none beyond itself
    return md


def markdown(text: str | None) -> Markup:
    """Block-level Markdown (paragraphs, lists) as HTML; raw HTML is escaped."""
    if not text:
        return Markup("")
    return Markup(_md().render(text.strip()))


def markdown_inline(text: str | None) -> Markup:
    """One line of Markdown (no paragraph wrapper)."""
    if not text:
        return Markup("")
    return Markup(_md().renderInline(text.strip()))
