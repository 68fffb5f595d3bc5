"""Drift: what a blueprint claims (its hand-written marks) against what the Lean derivation says.

Pure functions from a :class:`~zerosorry.blueprint.reader.Blueprint` and a
:class:`~zerosorry.ledger.model.Ledger` to findings (data, each with one ``.tex`` location).
The classes, in the order of how much they matter:

1. ``false-claim`` — the proof is marked ``\\leanok`` and a named declaration has its **own**
   sorry (or is a stub, an axiom, a ``proof_wanted``);
2. ``hidden-gap`` — marked, the named declarations' own proofs are sorry-free, but the derivation
   reaches a sorry through declarations that no blueprint node names (the chain is shown);
3. ``rests-on-open-nodes`` — marked, and the derivation reaches a sorry only through other
   blueprint nodes that are not proven themselves (locally done, not fully proven);
4. ``missed-leanok`` — every named declaration is proven but the proof is not marked;
5. ``not-in-project`` — a ``\\lean`` name that is no project declaration: ``dependency`` when the
   project's Lean code refers to it (expected with ``\\mathlibok``), ``stale`` when nothing does
   (with the closest project names);
6. ``uses-contradicted`` — a ``\\uses`` edge the Lean derivation does not have, or a derivation
   edge between nodes that no ``\\uses`` path shows (information only).

Classes 1 and 2 fail the gate; the others inform.
"""

from __future__ import annotations

import difflib
import enum
from collections import deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from ..ledger.model import Ledger, Record, Status
from .reader import Blueprint, Node


class DriftClass(str, enum.Enum):
    FALSE_CLAIM = "false-claim"
    HIDDEN_GAP = "hidden-gap"
    RESTS_ON_OPEN = "rests-on-open-nodes"
    MISSED_LEANOK = "missed-leanok"
    NOT_IN_PROJECT = "not-in-project"
    USES_CONTRADICTED = "uses-contradicted"

    def __str__(self) -> str:
        return self.value


#: number, one-line meaning, and whether the class fails the gate
CLASS_INFO: dict[DriftClass, tuple[int, str, bool]] = {
    DriftClass.FALSE_CLAIM: (1, "proof marked \\leanok, but a named declaration has its own sorry", True),
    DriftClass.HIDDEN_GAP: (2, "proof marked \\leanok, but the derivation reaches a sorry through "
                               "declarations no blueprint node names", True),
    DriftClass.RESTS_ON_OPEN: (3, "proof marked \\leanok and done locally, but it rests on blueprint "
                                  "nodes that are not proven", False),
    DriftClass.MISSED_LEANOK: (4, "every named declaration is proven, but the proof is not marked \\leanok",
                               False),
    DriftClass.NOT_IN_PROJECT: (5, "a \\lean name that is not a declaration of this project", False),
    DriftClass.USES_CONTRADICTED: (6, "a \\uses edge the Lean derivation contradicts (information)", False),
}


@dataclass(frozen=True)
class DriftFinding:
    cls: DriftClass
    node: str  # the node's label (or file:line when it has none)
    file: str  # the .tex file, relative to the project root
    line: int
    detail: str  # the specific message
    name: str | None = None  # the Lean declaration concerned
    chain: tuple[str, ...] = ()  # from the named declaration to the one holding the sorry
    sorry_at: str | None = None  # file:line of that sorry
    nodes: tuple[str, ...] = ()  # the other nodes concerned (class 3, 6)
    kind: str | None = None  # class 5: dependency | stale; class 6: not-derived | not-used
    suggestions: tuple[str, ...] = ()

    @property
    def fails(self) -> bool:
        return CLASS_INFO[self.cls][2]

    @property
    def number(self) -> int:
        return CLASS_INFO[self.cls][0]

    def message(self) -> str:
        return f"{self.node}: {self.detail}"


@dataclass(frozen=True)
class NodeState:
    """One row of the Blueprint page: the claim beside the derivation."""

    node: Node
    claimed: str  # proven | stated | mathlib | not-ready | none
    derived: str  # proven | deferred | stub | axiom | not-found | no-lean
    chains: tuple[tuple[str, ...], ...] = ()  # for each deferred named declaration
    classes: tuple[DriftClass, ...] = ()


@dataclass
class DriftReport:
    findings: list[DriftFinding] = field(default_factory=list)
    states: list[NodeState] = field(default_factory=list)
    #: findings left out of ``findings`` by :meth:`hiding` (informational classes only), by class
    hidden: dict[str, int] = field(default_factory=dict)

    @property
    def failing(self) -> list[DriftFinding]:
        return [f for f in self.findings if f.fails]

    def counts(self) -> dict[str, int]:
        """Every finding by class, the hidden ones included."""
        out = {c.value: self.hidden.get(c.value, 0) for c in DriftClass}
        for f in self.findings:
            out[f.cls.value] += 1
        return out

    def hiding(self, classes: Iterable[DriftClass]) -> DriftReport:
        """The report without the findings of ``classes``, counted in ``hidden``; a class that
        fails the gate cannot be hidden (ValueError)."""
        drop = {hideable(c.value) for c in classes}
        hidden = dict(self.hidden)
        for f in self.findings:
            if f.cls in drop:
                hidden[f.cls.value] = hidden.get(f.cls.value, 0) + 1
        return DriftReport([f for f in self.findings if f.cls not in drop], self.states, hidden)


def parse_class(text: str) -> DriftClass:
    """A drift class by its name (``uses-contradicted``) or its number (``6``)."""
    for c, (number, _, _) in CLASS_INFO.items():
        if text in (c.value, str(number)):
            return c
    raise ValueError(f"unknown drift class {text!r}: give one of "
                     + ", ".join(f"{n} {c.value}" for c, (n, _, _) in CLASS_INFO.items()))


def hideable(text: str) -> DriftClass:
    """A drift class that may be left out of a report (:meth:`DriftReport.hiding`): an
    informational one; a class that fails the gate, or an unknown one, is a ValueError."""
    c = parse_class(text)
    if CLASS_INFO[c][2]:
        raise ValueError(f"{c.value} fails the gate and cannot be hidden")
    return c


def claimed_state(n: Node) -> str:
    if n.mathlibok:
        return "mathlib"
    if n.proof_claimed:
        return "proven"
    if n.leanok:
        return "stated"
    return "not-ready" if n.notready else "none"


def _own_gap(r: Record) -> bool:
    """The declaration itself is unproven: its own sorry, a stub, an axiom, a proof_wanted."""
    return bool(r.sorry_lines) or r.status in (Status.STUB, Status.AXIOM) or (
        r.status is Status.DEFERRED and r.via == [r.name])


def _sorry_at(r: Record) -> str:
    return f"{r.file}:{r.sorry_lines[0] if r.sorry_lines else r.line}"


def _derived(records: list[Record | None], n: Node) -> str:
    if not n.lean:
        return "no-lean"
    found = [r for r in records if r is not None]
    if not found:
        return "not-found"
    for status in (Status.AXIOM, Status.STUB, Status.DEFERRED):
        if any(r.status is status for r in found):
            return str(status.value)
    return Status.PROVEN.value if len(found) == len(records) else "not-found"


def _first_gap(starts: Iterable[str], by_name: Mapping[str, Record], boundary: Mapping[str, list[str]],
               ) -> tuple[tuple[str, ...] | None, list[str]]:
    """Breadth first from ``starts`` through deferred declarations: the shortest chain to a
    declaration holding its own sorry that crosses no other node's declaration (``boundary``),
    and the other nodes met whose declarations are not proven."""
    parent: dict[str, str | None] = {}
    queue: deque[str] = deque()
    for s in starts:
        if s in by_name and s not in parent:
            parent[s] = None
            queue.append(s)
    met: list[str] = []
    while queue:
        cur = queue.popleft()
        r = by_name[cur]
        if parent[cur] is not None and cur in boundary:
            if r.status is not Status.PROVEN:
                met.extend(k for k in boundary[cur] if k not in met)
            continue
        if _own_gap(r) and parent[cur] is not None:
            chain = [cur]
            p = parent[cur]
            while p is not None:
                chain.append(p)
                p = parent[p]
            return tuple(reversed(chain)), met
        for u in r.uses:
            if u not in parent and u in by_name and by_name[u].status is not Status.PROVEN:
                parent[u] = cur
                queue.append(u)
    return None, met


def _suggest(name: str, known: Collection[str], by_tail: Mapping[str, list[str]]) -> tuple[str, ...]:
    tail = name.rsplit(".", 1)[-1]
    same = sorted(by_tail.get(tail, []))[:3]
    if same:
        return tuple(same)
    return tuple(difflib.get_close_matches(name, list(known), n=3, cutoff=0.7))


def drift(bp: Blueprint, ledger: Ledger, *, referenced: Collection[str] = ()) -> DriftReport:
    """Every finding, and the state of every node.  ``referenced``: names (not project
    declarations) that the project's Lean code mentions, for class 5."""
    by_name = ledger.by_name()
    by_tail: dict[str, list[str]] = {}
    for name in by_name:
        by_tail.setdefault(name.rsplit(".", 1)[-1], []).append(name)
    boundary: dict[str, list[str]] = {}
    for n in bp.nodes:
        for name in n.lean:
            if name in by_name:
                boundary.setdefault(name, []).append(n.key)
    report = DriftReport()
    for n in bp.nodes:
        found: list[DriftFinding] = []
        records = [by_name.get(name) for name in n.lean]
        where = (n.proof_file or n.file, n.proof_line or n.line) if n.has_proof else (n.file, n.line)

        def add(cls: DriftClass, detail: str, at: tuple[str, int] = where, *,
                _into: list[DriftFinding] = found, _key: str = n.key, **kw: object) -> None:
            _into.append(DriftFinding(cls, _key, at[0], at[1], detail, **kw))  # type: ignore[arg-type]

        for name, r in zip(n.lean, records, strict=True):
            if r is not None or n.mathlibok:
                continue  # a \\mathlibok node names a dependency's declaration: expected
            if name in referenced:
                detail = (f"\\lean{{{name}}} is not a project declaration; the project's Lean code refers "
                          "to it, so it is likely a dependency's (Mathlib's): mark the node \\mathlibok")
                add(DriftClass.NOT_IN_PROJECT, detail, (n.file, n.line), name=name, kind="dependency")
            else:
                sugg = _suggest(name, by_name, by_tail)
                hint = f"; closest project names: {', '.join(sugg)}" if sugg else ""
                add(DriftClass.NOT_IN_PROJECT, f"\\lean{{{name}}} names nothing in the project and nothing in "
                    f"its Lean code refers to it: stale or misspelt{hint}", (n.file, n.line),
                    name=name, kind="stale", suggestions=sugg)
        present = [r for r in records if r is not None]
        chains = tuple(tuple(r.via) for r in present if r.status is Status.DEFERRED)
        if n.proof_claimed and not n.mathlibok:
            own = [r for r in present if _own_gap(r)]
            for r in own:
                what = {Status.STUB: "is a stub (`: True := sorry`)", Status.AXIOM: "is an axiom"}.get(
                    r.status, f"has its own sorry ({_sorry_at(r)})" if r.sorry_lines else
                    f"is unproven on its own account ({r.reason or 'no proof'})")
                add(DriftClass.FALSE_CLAIM, f"the proof is marked \\leanok, but {r.name} {what}",
                    name=r.name, chain=(r.name,), sorry_at=_sorry_at(r))
            deferred = [r for r in present if r.status is Status.DEFERRED and not _own_gap(r)]
            if not own and deferred:
                chain, met = _first_gap([r.name for r in deferred], by_name,
                                        {k: [x for x in v if x != n.key] for k, v in boundary.items()
                                         if any(x != n.key for x in v)})
                if chain is not None:
                    holder = by_name[chain[-1]]
                    add(DriftClass.HIDDEN_GAP, "the proof is marked \\leanok, but the derivation reaches a sorry "
                        f"that no blueprint node names: {' -> '.join(chain)} ({_sorry_at(holder)})",
                        name=chain[0], chain=chain, sorry_at=_sorry_at(holder))
                elif met:
                    add(DriftClass.RESTS_ON_OPEN, "the proof is marked \\leanok and done locally, but it rests "
                        f"on blueprint nodes that are not proven: {', '.join(met)}",
                        name=deferred[0].name, chain=tuple(deferred[0].via), nodes=tuple(met))
        elif (present and len(present) == len(records) and all(r.status is Status.PROVEN for r in present)
              and not n.proof_claimed):
            at = "the proof" if n.has_proof else "the statement"
            add(DriftClass.MISSED_LEANOK, f"every named declaration is proven ({', '.join(n.lean)}), but "
                f"{at} is not marked \\leanok")
        report.findings += found
        report.states.append(NodeState(n, claimed_state(n), _derived(records, n), chains,
                                       tuple(dict.fromkeys(f.cls for f in found))))
    report.findings += _uses_contradicted(bp, by_name, boundary)
    extra: dict[str, list[DriftClass]] = {}
    for f in report.findings:
        if f.cls is DriftClass.USES_CONTRADICTED:
            extra.setdefault(f.node, []).append(f.cls)
    report.states = [NodeState(s.node, s.claimed, s.derived, s.chains,
                               tuple(dict.fromkeys(s.classes + tuple(extra.get(s.node.key, ())))))
                     for s in report.states]
    return report


def _uses_contradicted(bp: Blueprint, by_name: Mapping[str, Record],
                       boundary: Mapping[str, list[str]]) -> list[DriftFinding]:
    """Class 6: node-level edges of the derivation against node-level \\uses edges (both closed
    transitively before they are compared, so a shortcut is never a contradiction)."""
    nodes = {n.key: n for n in bp.nodes if n.lean and all(x in by_name for x in n.lean)}
    derived: dict[str, set[str]] = {}
    for key, n in nodes.items():
        seen: set[str] = set(n.lean)
        queue = deque(n.lean)
        hits: set[str] = set()
        while queue:
            cur = queue.popleft()
            for u in by_name[cur].uses:
                if u in seen:
                    continue
                seen.add(u)
                owners = [k for k in boundary.get(u, []) if k != key and k in nodes]
                if owners:
                    hits.update(owners)
                    continue
                queue.append(u)
        derived[key] = hits
    declared = {k: {u for u in n.all_uses if u in nodes} for k, n in nodes.items()}

    def closure(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for k in graph:
            seen: set[str] = set()
            stack = list(graph[k])
            while stack:
                v = stack.pop()
                if v not in seen:
                    seen.add(v)
                    stack.extend(graph.get(v, ()))
            out[k] = seen
        return out

    derived_all, declared_all = closure(derived), closure(declared)
    out: list[DriftFinding] = []
    for key, n in nodes.items():
        not_derived = sorted(declared[key] - derived_all[key])
        not_used = sorted(derived[key] - declared_all[key])
        for u in not_derived:
            file, line, _ = n.uses_at.get(u, (n.file, n.line, 0))
            out.append(DriftFinding(DriftClass.USES_CONTRADICTED, key, file, line,
                                    f"\\uses{{{u}}}, but the Lean derivation of {', '.join(n.lean)} never "
                                    f"reaches {', '.join(nodes[u].lean)}", nodes=(u,), kind="not-derived"))
        for u in not_used:
            out.append(DriftFinding(DriftClass.USES_CONTRADICTED, key, n.file, n.line,
                                    f"the Lean derivation uses {u} ({', '.join(nodes[u].lean)}), but no "
                                    "\\uses path leads there", nodes=(u,), kind="not-used"))
    return out
