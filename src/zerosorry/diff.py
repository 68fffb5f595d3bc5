"""Status differences between two ledgers (two commits, a committed ledger and a revision, …).

Everything here is a value; :mod:`zerosorry.report.gate_diff` renders it as Markdown (a
review comment) or JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .gate import GateManifest, own_trusts, sorry_site
from .identity import Move, matches, rekey, renames
from .ledger.model import STATUS_ORDER, Ledger, Record, Status
from .rootcause import RootCause, SorryChange, root_causes, sorry_changes


@dataclass(frozen=True)
class DeclRef:
    name: str
    status: Status
    file: str
    line: int


@dataclass(frozen=True)
class StatusChange:
    name: str
    old: Status
    new: Status
    file: str
    line: int
    via: tuple[str, ...] = ()  # new side, when deferred
    sorry_file: str | None = None
    sorry_line: int | None = None


@dataclass(frozen=True)
class TrustChange:
    name: str  # the declaration using the trust extension itself
    trust: str
    file: str
    line: int


@dataclass(frozen=True)
class EntryChange:
    entry: str
    name: str
    old: Status | None  # None: absent on that side
    new: Status | None


@dataclass
class LedgerDiff:
    old_label: str
    new_label: str
    old_counts: dict[str, int]
    new_counts: dict[str, int]
    old_sorries: int
    new_sorries: int
    newly_proven: list[StatusChange] = field(default_factory=list)
    newly_deferred: list[StatusChange] = field(default_factory=list)
    other_changes: list[StatusChange] = field(default_factory=list)
    added: list[DeclRef] = field(default_factory=list)
    removed: list[DeclRef] = field(default_factory=list)
    axioms_added: list[DeclRef] = field(default_factory=list)
    axioms_removed: list[DeclRef] = field(default_factory=list)
    trusts_added: list[TrustChange] = field(default_factory=list)
    trusts_removed: list[TrustChange] = field(default_factory=list)
    entries: list[EntryChange] = field(default_factory=list)
    #: what made declarations deferred (or newly rest on an axiom or trust), most load-bearing first
    root_causes: list[RootCause] = field(default_factory=list)
    #: declarations whose own sorry count changed, with or without a change of status
    sorry_changes: list[SorryChange] = field(default_factory=list)
    #: declarations found under another name or in another file (not in added/removed)
    moved: list[Move] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.newly_proven or self.newly_deferred or self.other_changes or self.added
                    or self.removed or self.axioms_added or self.axioms_removed
                    or self.trusts_added or self.trusts_removed or self.entries
                    or self.sorry_changes or self.moved)


def _ref(r: Record) -> DeclRef:
    return DeclRef(r.name, r.status, r.file, r.line)


def _label(ledger: Ledger) -> str:
    c = ledger.source.commit
    return c[:12] if c else ledger.source.root


def diff_ledgers(
    old: Ledger,
    new: Ledger,
    *,
    manifests: Sequence[GateManifest] = (),
    old_label: str | None = None,
    new_label: str | None = None,
) -> LedgerDiff:
    """What changed from ``old`` to ``new``; entries of ``manifests`` (new side first) mark the
    load-bearing declarations whose status change is reported separately.  A renamed or moved
    declaration (:mod:`zerosorry.identity`) is compared with itself under its new name."""
    moves = matches(old, new)
    mapping = renames(moves)
    a = rekey(old, mapping)
    b = new.by_name()
    d = LedgerDiff(
        old_label=old_label or _label(old),
        new_label=new_label or _label(new),
        old_counts=old.status_counts(),
        new_counts=new.status_counts(),
        old_sorries=old.sorry_count(),
        new_sorries=new.sorry_count(),
        moved=moves,
        sorry_changes=sorry_changes(old, new, mapping=mapping),
    )
    for name in sorted(set(a) & set(b)):
        ra, rb = a[name], b[name]
        if ra.status is rb.status:
            continue
        f, ln = sorry_site(b, rb.via) if rb.status is Status.DEFERRED else (None, None)
        change = StatusChange(name, ra.status, rb.status, rb.file, rb.line, tuple(rb.via), f, ln)
        if rb.status is Status.PROVEN:
            d.newly_proven.append(change)
        elif rb.status is Status.DEFERRED:
            d.newly_deferred.append(change)
        else:
            d.other_changes.append(change)
    d.added = [_ref(b[n]) for n in sorted(set(b) - set(a))]
    d.removed = [_ref(a[n]) for n in sorted(set(a) - set(b))]
    axioms_a = {n for n, r in a.items() if r.kind == "axiom"}
    axioms_b = {n for n, r in b.items() if r.kind == "axiom"}
    d.axioms_added = [_ref(b[n]) for n in sorted(axioms_b - axioms_a)]
    d.axioms_removed = [_ref(a[n]) for n in sorted(axioms_a - axioms_b)]
    ta, tb = own_trusts(a), own_trusts(b)
    for name in sorted(set(ta) | set(tb)):
        for t in sorted(tb.get(name, set()) - ta.get(name, set())):
            d.trusts_added.append(TrustChange(name, t, b[name].file, b[name].line))
        for t in sorted(ta.get(name, set()) - tb.get(name, set())):
            d.trusts_removed.append(TrustChange(name, t, a[name].file, a[name].line))
    seen: set[tuple[str, str]] = set()
    for m in manifests:
        for e in m.entries:
            for name in e.lean:
                if (e.id, name) in seen:
                    continue
                seen.add((e.id, name))
                sa = a[name].status if name in a else None
                sb = b[name].status if name in b else None
                if sa != sb:
                    d.entries.append(EntryChange(e.id, name, sa, sb))
    d.root_causes = root_causes(old, new, manifests[0] if manifests else None, mapping=mapping)
    return d


def count_rows(d: LedgerDiff) -> list[tuple[str, int, int]]:
    rows = [(s.value, d.old_counts.get(s.value, 0), d.new_counts.get(s.value, 0)) for s in STATUS_ORDER]
    rows.append(("sorry tokens", d.old_sorries, d.new_sorries))
    return rows
