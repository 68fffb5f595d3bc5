"""Root causes (:mod:`zerosorry.rootcause`) as text lines, Markdown and JSON, shared by the
gate's reports, ``diff`` and the history."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from enum import Enum
from typing import Any

from ..rootcause import RootCause

#: how many declarations a one-line rendering names before "… and N more"
SHOWN = 5


def _names(c: RootCause, shown: int = SHOWN) -> str:
    names = [h.name for h in c.declarations if h.name != c.name]
    if not names:
        return ""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def line(c: RootCause) -> str:
    """The headline, then the first inherited declarations."""
    names = _names(c)
    return c.headline() + (f" (held back: {names})" if names else "")


def entry_line(c: RootCause, entry: str, name: str) -> str:
    held = next(h for h in c.declarations if h.name == name)
    return f"load-bearing entry {entry} ({name}) is now {held.new}, held back by {c.name} ({c.where})"


def summary(causes: Sequence[RootCause]) -> str:
    n = len(causes)
    held = len({h.name for c in causes for h in c.declarations})
    return (f"{n} root cause{'s' if n != 1 else ''} account{'' if n != 1 else 's'} for {held} declaration"
            f"{'s' if held != 1 else ''} whose status or footing changed")


def code(s: str) -> str:
    """``s`` as inline Markdown code (a backtick inside cannot close it)."""
    return "`" + s.replace("`", "ˋ") + "`"


def cell(s: str) -> str:
    """``s`` as Markdown text, also inside a table cell (no HTML, no column break)."""
    return s.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def markdown(causes: Sequence[RootCause], *, heading: str = "###") -> list[str]:
    """A heading, one bullet per cause (its headline), each with the full list of the
    declarations it accounts for in a collapsed ``<details>``."""
    if not causes:
        return []
    out = [f"{heading} Root causes ({len(causes)})", ""]
    for c in causes:
        verb, effect = c.what()
        out.append(f"- **{code(c.name)}** ({cell(c.where)}) {cell(verb)}: {cell(effect)}")
        out.append("")
        out.append(f"  <details><summary>{len(c.declarations)} declaration"
                   f"{'s' if len(c.declarations) != 1 else ''}</summary>")
        out.append("")
        for h in c.declarations:
            out.append(f"  - {code(h.name)} ({cell(h.file)}:{h.line}): {h.old} → {h.new}")
        out.append("")
        out.append("  </details>")
        out.append("")
    return out


def plain(value: Any) -> Any:
    """A dataclass tree as JSON-ready values (enums as their values, tuples as lists)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def to_json(causes: Sequence[RootCause]) -> list[dict[str, Any]]:
    return [{**plain(c), "headline": c.headline()} for c in causes]
