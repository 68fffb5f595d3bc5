"""The ``blueprint`` policy of ``zerosorry check``: a node whose proof is marked ``\\leanok``
must not be contradicted by the derivation (drift classes 1 and 2 fail the gate)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ..gate import Finding
from ..ledger.model import Ledger
from ..location import Location
from .drift import DriftFinding

POLICY = "blueprint"


@dataclass(frozen=True)
class BlueprintDrift(Finding):
    """A false claim or a hidden gap, pointing at the blueprint's .tex file and line."""

    POLICY: ClassVar[str] = POLICY
    KIND: ClassVar[str] = "blueprint-drift"
    drift_class: str
    node: str
    detail: str  # ``at``: the node in the blueprint's .tex
    chain: tuple[str, ...] = ()

    def message(self) -> str:
        return f"node {self.node} ({self.drift_class}): {self.detail}"


def _finding(f: DriftFinding) -> BlueprintDrift:
    return BlueprintDrift(f.cls.value, f.node, f.detail, f.chain, at=Location(f.file, f.line))


def policy(project: Path, ledger: Ledger, blueprint_dir: Path | None = None,
           ) -> tuple[bool, list[Finding], list[str]]:
    """(whether the policy ran, its findings, notes)."""
    from . import check

    found = check(project, ledger, blueprint_dir)
    if found is None:
        return False, [], []
    bp, report = found
    notes = []
    errors = [d for d in bp.diagnostics if d.severity.value == "error"]
    notes += [f"blueprint: {d}" for d in errors[:5]]
    if len(errors) > 5:
        notes.append(f"… and {len(errors) - 5} more blueprint errors (zerosorry blueprint {project} lists them)")
    info = [f for f in report.findings if not f.fails]
    if info:
        notes.append(f"blueprint: {len(report.states)} nodes; {len(info)} informational drift findings "
                     f"(zerosorry blueprint {project} lists them)")
    return True, [_finding(f) for f in report.failing], notes
