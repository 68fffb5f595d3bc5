"""The gate's findings as human text, GitHub workflow annotations, Markdown and JSON."""

from __future__ import annotations

import dataclasses
import json
import posixpath
from typing import Any

from ..gate import Finding, GateResult


def _verdict(result: GateResult) -> str:
    n = len(result.findings)
    if result.holds:
        return "holds"
    return f"FAILS ({n} finding{'s' if n != 1 else ''})"


def _policies(result: GateResult) -> str:
    return ", ".join(result.policies) if result.policies else "none"


def text(result: GateResult, *, target: str) -> str:
    """One line per finding (its message, policy first), then the verdict and the notes."""
    lines = [f.text() for f in result.findings]
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
    props = []
    if f.file is not None:
        props.append(f"file={_escape_property(_repo_path(prefix, f.file))}")
        if f.line is not None:
            props.append(f"line={f.line}")
    props.append(f"title={_escape_property(f.title())}")
    return f"::error {','.join(props)}::{_escape_data(f.text())}"


def github(result: GateResult, *, target: str, prefix: str = "") -> str:
    """Workflow commands: an ``::error`` per finding, then the verdict as a ``::notice``."""
    lines = [annotation(f, prefix=prefix) for f in result.findings]
    verdict = f"zerosorry check {target}: {_verdict(result)}; policies: {_policies(result)}"
    lines.append(f"::notice title=zerosorry::{_escape_data(verdict)}")
    lines.extend(f"note: {n}" for n in result.notes)
    return "\n".join(lines) + "\n"


def _md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def markdown(result: GateResult, *, target: str, prefix: str = "") -> str:
    """The job summary: the verdict, the policies, a table of findings."""
    mark = "✅" if result.holds else "❌"
    lines = [f"## {mark} zerosorry check `{target}`: {_verdict(result)}", "",
             f"Policies: {_policies(result)}.", ""]
    if result.findings:
        lines += ["| policy | finding | where |", "|---|---|---|"]
        for f in result.findings:
            where = ""
            if f.file is not None:
                where = _repo_path(prefix, f.file) + (f":{f.line}" if f.line is not None else "")
            lines.append(f"| {f.policy} | {_md_cell(f.message())} | {_md_cell(where)} |")
        lines.append("")
    lines.extend(f"> {n}" for n in result.notes)
    return "\n".join(lines).rstrip("\n") + "\n"


def finding_json(f: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": f.KIND, "policy": f.policy, "message": f.message(),
                            "file": f.file, "line": f.line}
    fields = {k: v for k, v in dataclasses.asdict(f).items() if k not in ("policy_name",)}
    for k, v in fields.items():
        data.setdefault(k, list(v) if isinstance(v, tuple) else (str(v) if hasattr(v, "value") else v))
    return data


def json_report(result: GateResult, *, target: str) -> str:
    data = {
        "target": target,
        "holds": result.holds,
        "policies": result.policies,
        "findings": [finding_json(f) for f in result.findings],
        "notes": result.notes,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
