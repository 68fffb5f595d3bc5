"""A :class:`~zerosorry.diff.LedgerDiff` as Markdown (for a review comment) and as JSON."""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from typing import Any

from ..diff import LedgerDiff, StatusChange, count_rows


def _code(s: str) -> str:
    return "`" + s.replace("`", "ˋ") + "`"


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _delta(a: int, b: int) -> str:
    return "0" if a == b else f"{b - a:+d}"


def _change_line(c: StatusChange) -> str:
    line = f"- {_code(c.name)} ({c.file}:{c.line}): {c.old} → **{c.new}**"
    if c.via:
        where = f" ({c.sorry_file}:{c.sorry_line})" if c.sorry_file else ""
        line += " via " + " → ".join(_code(v) for v in c.via) + where
    return line


def markdown(d: LedgerDiff, *, limit: int = 100) -> str:
    out = [f"## zerosorry: {_code(d.old_label)} → {_code(d.new_label)}", "",
           "| | before | after | Δ |", "|---|---:|---:|---:|"]
    out += [f"| {name} | {a} | {b} | {_delta(a, b)} |" for name, a, b in count_rows(d)]
    out.append("")
    if d.empty:
        out.append("No declaration changed status; nothing added or removed.")
        return "\n".join(out) + "\n"

    def section(title: str, items: list[str]) -> None:
        if not items:
            return
        out.extend([f"### {title} ({len(items)})", ""])
        out.extend(items[:limit])
        if len(items) > limit:
            out.append(f"- … and {len(items) - limit} more")
        out.append("")

    if d.entries:
        out.extend([f"### Load-bearing entries ({len(d.entries)})", "",
                    "| entry | declaration | before | after |", "|---|---|---|---|"])
        for e in d.entries:
            out.append(f"| {_cell(e.entry)} | {_code(e.name)} | {e.old or '(absent)'} | **{e.new or '(absent)'}** |")
        out.append("")
    section("Newly deferred", [_change_line(c) for c in d.newly_deferred])
    section("Newly proven", [_change_line(c) for c in d.newly_proven])
    section("Other status changes", [_change_line(c) for c in d.other_changes])
    section("Added", [f"- {_code(r.name)} ({r.file}:{r.line}): {r.status}" for r in d.added])
    section("Removed", [f"- {_code(r.name)} (was {r.file}:{r.line}, {r.status})" for r in d.removed])
    section("Project axioms added", [f"- {_code(r.name)} ({r.file}:{r.line})" for r in d.axioms_added])
    section("Project axioms removed", [f"- {_code(r.name)} (was {r.file}:{r.line})" for r in d.axioms_removed])
    section("Trust extensions added",
            [f"- {_code(t.trust)} in {_code(t.name)} ({t.file}:{t.line})" for t in d.trusts_added])
    section("Trust extensions removed",
            [f"- {_code(t.trust)} in {_code(t.name)} (was {t.file}:{t.line})" for t in d.trusts_removed])
    return "\n".join(out).rstrip("\n") + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def to_json(d: LedgerDiff) -> str:
    data = _plain(dataclasses.asdict(d))
    data["empty"] = d.empty
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
