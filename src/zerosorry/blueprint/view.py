"""The Blueprint page's view model: every node with its claimed and derived status side by
side, its drift classes (the page's filters) and, for every deferred node, the chain to the
sorry, each step with its file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..graph import Anchor
from ..ledger.model import Ledger
from .drift import CLASS_INFO, DriftClass, DriftReport
from .reader import Blueprint


@dataclass(frozen=True)
class Step:
    name: str
    where: str  # file:line (the sorry's line for the last step)


@dataclass(frozen=True)
class Row:
    key: str
    anchor: str
    env: str
    title: str | None
    where: str
    lean: tuple[tuple[str, str], ...]  # (name, its derived status or "not-found")
    claimed: str
    derived: str
    classes: tuple[str, ...]
    chains: tuple[tuple[Step, ...], ...]
    messages: tuple[tuple[str, str], ...]  # (class, message)
    uses: tuple[str, ...]
    discussion: tuple[str, str | None] | None = None  # (as written, its link when it has one)


@dataclass(frozen=True)
class ClassInfo:
    id: str
    number: int
    meaning: str
    fails: bool
    count: int


@dataclass(frozen=True)
class BlueprintView:
    rows: tuple[Row, ...]
    classes: tuple[ClassInfo, ...]
    files: int
    diagnostics: tuple[str, ...]

    @property
    def failing(self) -> int:
        """Nodes that fail the gate (drift class 1 or 2; a node may hold several such findings)."""
        fails = {c.id for c in self.classes if c.fails}
        return sum(1 for r in self.rows if fails.intersection(r.classes))


def discussion_link(written: str, github: str | None) -> str | None:
    """Where a ``\\discussion`` points, as leanblueprint links it: an issue number is that issue of
    the blueprint's ``\\github`` repository; an http(s) URL is itself; anything else has no link."""
    if written.isdigit():
        return f"{github}/issues/{written}" if github and github.startswith(("https://", "http://")) else None
    return written if written.startswith(("https://", "http://")) and not any(c.isspace() for c in written) else None


def build(bp: Blueprint, report: DriftReport, ledger: Ledger) -> BlueprintView:
    by_name = ledger.by_name()

    def step(name: str, last: bool) -> Step:
        r = by_name.get(name)
        if r is None:
            return Step(name, "")
        line = r.sorry_lines[0] if last and r.sorry_lines else r.line
        return Step(name, f"{r.file}:{line}")

    messages: dict[str, list[tuple[str, str]]] = {}
    for f in report.findings:
        messages.setdefault(f.node, []).append((f.cls.value, f.detail))
    rows = []
    for s in report.states:
        n = s.node
        lean = tuple((x, by_name[x].status.value if x in by_name else "not-found") for x in n.lean)
        chains = tuple(tuple(step(x, i == len(c) - 1) for i, x in enumerate(c)) for c in s.chains)
        rows.append(Row(n.key, "node-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in n.key),
                        n.env, n.title, f"{n.file}:{n.line}", lean, s.claimed, s.derived,
                        tuple(c.value for c in s.classes), chains, tuple(messages.get(n.key, ())),
                        n.all_uses,
                        None if not n.discussion else (n.discussion, discussion_link(n.discussion, bp.github))))
    counts = report.counts()
    classes = tuple(ClassInfo(c.value, CLASS_INFO[c][0], CLASS_INFO[c][1], CLASS_INFO[c][2], counts[c.value])
                    for c in DriftClass)
    return BlueprintView(tuple(rows), classes, len(bp.files), tuple(str(d) for d in bp.diagnostics))


def page(project: Path, ledger: Ledger, blueprint_dir: Path | None = None) -> BlueprintView | None:
    """The Blueprint page's view for the project's blueprint, or None when it has none."""
    from . import check

    found = check(project, ledger, blueprint_dir)
    return None if found is None else build(found[0], found[1], ledger)


def graph_anchors(view: BlueprintView) -> tuple[list[Anchor], dict[str, str]]:
    """The blueprint's nodes as the dependency graph's anchors (each with its Lean names and
    the nodes it ``\\uses``), and where each one links: its row of the Blueprint page."""
    anchors = [Anchor(r.key, r.title or r.key, tuple(name for name, _ in r.lean), kind="blueprint",
                      depends=r.uses) for r in view.rows]
    return anchors, {f"blueprint:{r.key}": f"blueprint.html#{r.anchor}" for r in view.rows}
