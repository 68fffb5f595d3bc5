"""A :class:`~zerosorry.diff.LedgerDiff` as Markdown (for a review comment) and as JSON."""

from __future__ import annotations

import json

from ..diff import LedgerDiff, StatusChange, count_rows
from . import root_causes as rc
from .root_causes import cell, code


def _delta(a: int, b: int) -> str:
    return "0" if a == b else f"{b - a:+d}"


def _change_line(c: StatusChange) -> str:
    line = f"- {code(c.name)} ({c.file}:{c.line}): {c.old} → **{c.new}**"
    if c.via:
        where = f" ({c.sorry_file}:{c.sorry_line})" if c.sorry_file else ""
        line += " via " + " → ".join(code(v) for v in c.via) + where
    return line


def markdown(d: LedgerDiff, *, limit: int = 100) -> str:
    out = [f"## zerosorry: {code(d.old_label)} → {code(d.new_label)}", "",
           "| | before | after | Δ |", "|---|---:|---:|---:|"]
    out += [f"| {name} | {a} | {b} | {_delta(a, b)} |" for name, a, b in count_rows(d)]
    out.append("")
    if d.empty:
        out.append("No declaration changed status; nothing added or removed.")
        return "\n".join(out) + "\n"

    def section(title: str, items: list[str], *, collapsed: bool = False) -> None:
        if not items:
            return
        out.extend([f"### {title} ({len(items)})", ""])
        if collapsed:  # the full list, folded: the root causes above say what matters
            out.extend([f"<details><summary>all {len(items)}</summary>", ""])
            out.extend(items)
            out.extend(["", "</details>", ""])
            return
        out.extend(items[:limit])
        if len(items) > limit:
            out.append(f"- … and {len(items) - limit} more")
        out.append("")

    out.extend(rc.markdown(d.root_causes))

    if d.entries:
        out.extend([f"### Load-bearing entries ({len(d.entries)})", "",
                    "| entry | declaration | before | after |", "|---|---|---|---|"])
        for e in d.entries:
            out.append(f"| {cell(e.entry)} | {code(e.name)} | {e.old or '(absent)'} | **{e.new or '(absent)'}** |")
        out.append("")
    section("Newly deferred", [_change_line(c) for c in d.newly_deferred], collapsed=bool(d.root_causes))
    section("Where sorry counts changed",
            [f"- {code(c.name)} ({c.file}:{c.line}): {c.before} → {c.after} sorr{'y' if c.after == 1 else 'ies'}"
             + (f" (line{'s' if len(c.sorry_lines) > 1 else ''} {', '.join(map(str, c.sorry_lines))})"
                if c.sorry_lines else "") for c in d.sorry_changes])
    section("Renamed or moved", [f"- {code(m.old_name)} ({m.old_file}:{m.old_line}) → {code(m.new_name)} "
                                 f"({m.new_file}:{m.new_line}): {m.describe()}, {m.how}" for m in d.moved])
    section("Newly proven", [_change_line(c) for c in d.newly_proven])
    section("Other status changes", [_change_line(c) for c in d.other_changes])
    section("Added", [f"- {code(r.name)} ({r.file}:{r.line}): {r.status}" for r in d.added])
    section("Removed", [f"- {code(r.name)} (was {r.file}:{r.line}, {r.status})" for r in d.removed])
    section("Project axioms added", [f"- {code(r.name)} ({r.file}:{r.line})" for r in d.axioms_added])
    section("Project axioms removed", [f"- {code(r.name)} (was {r.file}:{r.line})" for r in d.axioms_removed])
    section("Trust extensions added",
            [f"- {code(t.trust)} in {code(t.name)} ({t.file}:{t.line})" for t in d.trusts_added])
    section("Trust extensions removed",
            [f"- {code(t.trust)} in {code(t.name)} (was {t.file}:{t.line})" for t in d.trusts_removed])
    return "\n".join(out).rstrip("\n") + "\n"


def to_json(d: LedgerDiff) -> str:
    data = rc.plain(d)
    data["root_causes"] = rc.to_json(d.root_causes)
    data["empty"] = d.empty
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
