"""The blueprint bridge: read a leanblueprint (:mod:`.reader`), compare its hand-written marks
with the derived statuses (:mod:`.drift`), report (:mod:`.report`), gate (:mod:`.gate`) and build
an appendix manifest from it (:mod:`.appendix`)."""

from __future__ import annotations

import re
from pathlib import Path

from ..ledger.model import Ledger
from .drift import DriftReport, drift
from .reader import Blueprint, find_blueprint, read_blueprint

__all__ = ["Blueprint", "DriftReport", "check", "find_blueprint", "read_blueprint", "referenced_names"]


def referenced_names(project: Path, ledger: Ledger, names: set[str]) -> set[str]:
    """Those of ``names`` that the project's Lean files mention as an identifier (the full name,
    or the name without its leading namespace components: ``open Nat`` makes ``add_comm`` of
    ``Nat.add_comm`` a reference too, so a suffix of at least two components counts)."""
    if not names:
        return set()
    forms: dict[str, str] = {}
    for name in names:
        parts = name.split(".")
        for i in range(len(parts) - 1 if len(parts) > 2 else len(parts) - 0):
            suffix = ".".join(parts[i:])
            if i == 0 or suffix.count(".") >= 1:
                forms.setdefault(suffix, name)
    pattern = re.compile(r"(?<![\w.'])(" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
                         + r")(?![\w'])")
    found: set[str] = set()
    for file in sorted({r.file for r in ledger.records}):
        try:
            text = (project / file).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for m in pattern.finditer(text):
            found.add(forms[m.group(1)])
        if found == names:
            break
    return found


def check(project: Path, ledger: Ledger, blueprint_dir: Path | None = None) -> tuple[Blueprint, DriftReport] | None:
    """Read the project's blueprint and its drift against ``ledger``; None when there is none."""
    root = find_blueprint(project, blueprint_dir)
    if root is None:
        return None
    bp = read_blueprint(root, project=project)
    known = {r.name for r in ledger.records}
    unknown = {name for n in bp.nodes for name in n.lean if name not in known}
    return bp, drift(bp, ledger, referenced=referenced_names(project, ledger, unknown))
