"""The gate's findings as human text, GitHub workflow annotations, Markdown and JSON."""

from __future__ import annotations

import dataclasses
import json
import posixpath
from collections.abc import Sequence
from typing import Any

from ..gate import EntryNotProven, Finding, GateResult, NewlyDeferred
from ..rootcause import RootCause, held_names
from . import root_causes as rc


def _verdict(result: GateResult) -> str:
    n = len(result.findings)
    if result.holds:
        return "holds"
    return f"FAILS ({n} finding{'s' if n != 1 else ''})"


def _policies(result: GateResult) -> str:
    return ", ".join(result.policies) if result.policies else "none"


def _rest(result: GateResult, causes: Sequence[RootCause], *, entries: bool = False) -> list[Finding]:
    """The findings a root cause does not already account for: a newly deferred declaration is
    shown under its cause, never on its own line (and, with ``entries``, neither is a
    load-bearing entry the cause holds back: it gets its own line at the manifest)."""
    held = held_names(causes)
    held_entries = {e.name for c in causes for e in c.entries} if entries else set()
    return [f for f in result.findings
            if not (isinstance(f, NewlyDeferred) and f.name in held)
            and not (isinstance(f, EntryNotProven) and f.name in held_entries)]


def text(result: GateResult, *, target: str, causes: Sequence[RootCause] = ()) -> str:
    """Root causes first (one line each), then one line per other finding (its message, policy
    first), then the verdict and the notes."""
    lines = [f"[baseline] root cause: {rc.line(c)}" for c in causes]
    lines += [f.text() for f in _rest(result, causes)]
    lines.append(f"zerosorry check {target}: {_verdict(result)}; policies: {_policies(result)}")
    lines.extend(f"note: {n}" for n in result.notes)
    return "\n".join(lines) + "\n"


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def _repo_path(prefix: str, file: str) -> str:
    prefix = prefix.strip("/")
    if not prefix or file.startswith("/"):  # an absolute path: a paper outside the repository
        return file
    # a paper beside the project is named ../paper/main.tex from the project's root
    return posixpath.normpath(f"{prefix}/{file}")


def annotation(f: Finding, *, prefix: str = "") -> str:
    """``::error file=…,line=…,title=…::message`` with the path relative to the repository root."""
    return workflow_command(f.file, f.line, f.title(), f.text(), prefix)


def workflow_command(file: str | None, line: int | None, title: str, message: str, prefix: str,
                     level: str = "error") -> str:
    """``::level file=…,line=…,title=…::message``: a GitHub workflow command, the path relative to
    the repository root (also the blueprint report's)."""
    props = []
    if file is not None:
        props.append(f"file={_escape_property(_repo_path(prefix, file))}")
        if line is not None:
            props.append(f"line={line}")
    props.append(f"title={_escape_property(title)}")
    return f"::{level} {','.join(props)}::{_escape_data(message)}"


def github(result: GateResult, *, target: str, prefix: str = "", causes: Sequence[RootCause] = ()) -> str:
    """Workflow commands: the verdict (and the root causes) first as a ``::notice`` — GitHub
    shows only the first annotations of a step — then one ``::error`` per root cause at its
    sorry, one per load-bearing entry it holds back at the entry's manifest line, and one per
    other finding; never one per declaration a cause holds back."""
    verdict = f"zerosorry check {target}: {_verdict(result)}; policies: {_policies(result)}"
    if causes:
        verdict += "\n" + rc.summary(causes) + ":\n" + "\n".join(f"- {c.headline()}" for c in causes)
    lines = [f"::notice title=zerosorry::{_escape_data(verdict)}"]
    for c in causes:
        lines.append(workflow_command(c.file, c.line, "zerosorry baseline: root cause", f"[baseline] {rc.line(c)}", prefix))
    for c in causes:
        for e in c.entries:
            lines.append(workflow_command(e.manifest, e.manifest_line, "zerosorry: load-bearing entry held back",
                                   f"[baseline] {rc.entry_line(c, e.entry, e.name)}", prefix))
    lines += [annotation(f, prefix=prefix) for f in _rest(result, causes, entries=True)]
    lines.extend(f"note: {n}" for n in result.notes)
    return "\n".join(lines) + "\n"


def _md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def markdown(result: GateResult, *, target: str, prefix: str = "", causes: Sequence[RootCause] = ()) -> str:
    """The job summary: the verdict, the policies, the root causes (each with its declarations
    in a collapsed list), a table of the other findings."""
    mark = "✅" if result.holds else "❌"
    lines = [f"## {mark} zerosorry check `{target}`: {_verdict(result)}", "",
             f"Policies: {_policies(result)}.", ""]
    lines += rc.markdown(causes)
    rest = _rest(result, causes)
    if rest:
        lines += ["| policy | finding | where |", "|---|---|---|"]
        for f in rest:
            where = ""
            if f.file is not None:
                where = _repo_path(prefix, f.file) + (f":{f.line}" if f.line is not None else "")
            lines.append(f"| {f.policy} | {_md_cell(f.message())} | {_md_cell(where)} |")
        lines.append("")
    lines.extend(f"> {n}" for n in result.notes)
    return "\n".join(lines).rstrip("\n") + "\n"


def finding_json(f: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": f.KIND, "policy": f.policy, "message": f.message(),
                            "file": f.file, "line": f.line, "column": f.column}
    fields = {k: v for k, v in dataclasses.asdict(f).items() if k not in ("policy_name", "at")}
    for k, v in fields.items():
        data.setdefault(k, list(v) if isinstance(v, tuple) else (str(v) if hasattr(v, "value") else v))
    return data


def json_report(result: GateResult, *, target: str, causes: Sequence[RootCause] = ()) -> str:
    """Every finding (each newly deferred declaration too) and the root causes grouping them."""
    data = {
        "target": target,
        "holds": result.holds,
        "policies": result.policies,
        "root_causes": rc.to_json(causes),
        "findings": [finding_json(f) for f in result.findings],
        "notes": result.notes,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
