"""The drift report as text, Markdown, JSON and GitHub workflow annotations."""

from __future__ import annotations

import json
from typing import Any

from ..ledger.model import Diagnostic
from ..report.gate_report import workflow_command
from .drift import CLASS_INFO, DriftClass, DriftFinding, DriftReport
from .reader import Blueprint

FORMATS = ("text", "markdown", "json", "github")


def _tag(f: DriftFinding) -> str:
    return f"[{f.number} {f.cls.value}{'/' + f.kind if f.kind else ''}]"


def verdict(report: DriftReport) -> str:
    bad = len(report.failing)
    if not report.states:
        return "no blueprint node was read: nothing was checked"
    if not bad:
        return "no false claim, no hidden gap"
    return f"FAILS: {bad} node{'s' if bad != 1 else ''} marked proven that the derivation does not prove"


def _summary(bp: Blueprint, report: DriftReport) -> str:
    counts = report.counts()
    parts = [f"{CLASS_INFO[c][0]} {c.value}: {counts[c.value]}" for c in DriftClass]
    hidden = ", ".join(f"{n} {cls}" for cls, n in sorted(report.hidden.items()) if n)
    return (f"{len(bp.nodes)} nodes in {len(bp.files)} files; " + ", ".join(parts)
            + (f" (not listed, --hide: {hidden})" if hidden else ""))


def text(bp: Blueprint, report: DriftReport, *, target: str) -> str:
    lines = [str(d) for d in bp.diagnostics]
    lines += [f"{f.file}:{f.line}: {_tag(f)} {f.message()}" for f in report.findings]
    lines.append(f"zerosorry blueprint {target}: {_summary(bp, report)}")
    lines.append(f"zerosorry blueprint {target}: {verdict(report)}")
    return "\n".join(lines) + "\n"


def _md(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def markdown(bp: Blueprint, report: DriftReport, *, target: str) -> str:
    mark = "✅" if not report.failing else "❌"
    lines = [f"## {mark} zerosorry blueprint `{target}`: {verdict(report)}", "", _summary(bp, report), ""]
    if report.findings:
        lines += ["| class | node | finding | where |", "|---|---|---|---|"]
        for f in report.findings:
            lines.append(f"| {f.number} {f.cls.value} | `{_md(f.node)}` | {_md(f.detail)} | {_md(f.file)}:{f.line} |")
        lines.append("")
    if bp.diagnostics:
        lines += ["### Reading the blueprint", ""] + [f"- {_md(str(d))}" for d in bp.diagnostics] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def github(bp: Blueprint, report: DriftReport, *, target: str, prefix: str = "") -> str:
    """An annotation on the .tex file and line of every finding: an error for classes 1 and 2,
    a warning for 3 to 5, a notice for 6."""
    lines = []
    for d in bp.diagnostics:
        level = "error" if d.severity.value == "error" else "warning"
        lines.append(workflow_command(d.file, d.line, "zerosorry blueprint", f"{d.message} [{d.code}]", prefix, level))
    for f in report.findings:
        level = "error" if f.fails else ("notice" if f.cls is DriftClass.USES_CONTRADICTED else "warning")
        lines.append(workflow_command(f.file, f.line, f"zerosorry blueprint: {f.cls.value}",
                                      f"{_tag(f)} {f.message()}", prefix, level))
    lines.append(workflow_command(None, None, "zerosorry blueprint", verdict(report), prefix, "notice"))
    return "\n".join(lines) + "\n"


def _diag(d: Diagnostic) -> dict[str, Any]:
    return {"code": d.code, "message": d.message, "file": d.file, "line": d.line, "column": d.column,
            "severity": d.severity.value}


def finding_json(f: DriftFinding) -> dict[str, Any]:
    return {"class": f.cls.value, "number": f.number, "fails": f.fails, "node": f.node, "file": f.file,
            "line": f.line, "message": f.detail, "name": f.name, "chain": list(f.chain),
            "sorry_at": f.sorry_at, "nodes": list(f.nodes), "kind": f.kind,
            "suggestions": list(f.suggestions)}


def as_data(bp: Blueprint, report: DriftReport, *, target: str) -> dict[str, Any]:
    return {
        "target": target,
        "holds": not report.failing,
        "files": bp.files,
        "counts": report.counts(),
        "hidden": dict(sorted(report.hidden.items())),
        "nodes": [{"label": s.node.label, "key": s.node.key, "env": s.node.env, "title": s.node.title,
                   "file": s.node.file, "line": s.node.line, "lean": list(s.node.lean),
                   "claimed": s.claimed, "derived": s.derived, "chains": [list(c) for c in s.chains],
                   "classes": [c.value for c in s.classes], "uses": list(s.node.uses),
                   "proof_uses": list(s.node.proof_uses)} for s in report.states],
        "findings": [finding_json(f) for f in report.findings],
        "diagnostics": [_diag(d) for d in bp.diagnostics],
    }


def json_report(bp: Blueprint, report: DriftReport, *, target: str) -> str:
    return json.dumps(as_data(bp, report, target=target), indent=2, ensure_ascii=False) + "\n"
