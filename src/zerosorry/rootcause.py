"""Root causes of a change in status: which sorry (or axiom, or trust extension) made which
declarations deferred (or newly rest on it), between an old and a new ledger.

One ``sorry`` in a widely used lemma makes hundreds of declarations deferred; a report that
lists them one by one buries the one line that matters.  :func:`root_causes` groups every
declaration that was proven and is not any more under the declaration whose own text holds the
sorry that now holds it back (the end of its ``via`` chain), every declaration that newly rests
on a project axiom under that axiom, and every one that newly reaches a trust extension under
the nearest declaration whose own text newly uses it.  Causes are ordered by the load-bearing
manifest entries they hold back, then by how many declarations, then by place.

Pure functions over ledgers; :mod:`zerosorry.report.root_causes` renders them.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .gate import GateManifest, sorry_line, trust_use_counts
from .identity import matches as identity_matches
from .identity import rekey, renames
from .ledger.model import Ledger, Record, Status


@dataclass(frozen=True)
class Held:
    """A declaration whose status (or what it rests on) changed because of a root cause."""

    name: str
    file: str
    line: int
    old: Status
    new: Status
    via: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeldEntry:
    """A load-bearing manifest entry that a root cause holds back."""

    entry: str
    name: str
    manifest: str
    manifest_line: int | None


@dataclass(frozen=True)
class RootCause:
    kind: str  # sorry | stub | axiom | trust
    name: str  # the declaration holding the sorry, the stub, the axiom, the trust's user
    file: str
    line: int  # of the sorry (its first), or of the declaration
    new: bool  # the cause appeared in this change (False: an older sorry, reached anew)
    declarations: tuple[Held, ...]
    entries: tuple[HeldEntry, ...] = ()
    trust: str | None = None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def what(self) -> tuple[str, str]:
        """What happened to the cause, and what it did: ("got a sorry", "214 declarations newly
        deferred, 3 load-bearing: a, b, c")."""
        n = len(self.declarations)
        noun = "declaration" if n == 1 else "declarations"
        verb, effect = {
            "sorry": ("got a sorry" if self.new else "has a sorry that more declarations now reach",
                      f"{n} {noun} newly deferred"),
            "stub": ("became a stub (: True := sorry)", f"{n} {noun} no longer proven"),
            "axiom": ("is a project axiom" + (" new in this change" if self.new else ""),
                      f"{n} {noun} newly rest on it"),
            "trust": (f"uses {self.trust}" + (" (new)" if self.new else ""), f"{n} {noun} newly rely on it"),
        }[self.kind]
        if self.entries:
            ids = list(dict.fromkeys(e.entry for e in self.entries))
            effect += f", {len(ids)} load-bearing: {', '.join(ids)}"
        return verb, effect

    def headline(self) -> str:
        """``Foo.bar_le (Foo/Bar.lean:72) got a sorry: 214 declarations newly deferred, 3 load-bearing: …``"""
        verb, effect = self.what()
        return f"{self.name} ({self.where}) {verb}: {effect}"

    def sort_key(self) -> tuple[int, int, str, int, str]:
        return (-len({e.entry for e in self.entries}), -len(self.declarations), self.file, self.line, self.name)


def _nearest(start: str, targets: set[str], by_name: Mapping[str, Record]) -> str | None:
    """The first of ``targets`` reached from ``start`` through ``uses`` (breadth first), then
    possible uses (the ledger's derivation counts both)."""
    seen, queue = {start}, deque([start])
    while queue:
        name = queue.popleft()
        if name in targets:
            return name
        r = by_name.get(name)
        for u in (*r.uses, *r.possible_uses) if r is not None else ():
            if u not in seen:
                seen.add(u)
                queue.append(u)
    return None


def _entries(names: Iterable[str], manifest: GateManifest | None) -> tuple[HeldEntry, ...]:
    if manifest is None:
        return ()
    wanted = set(names)
    return tuple(HeldEntry(e.id, n, manifest.path, e.line) for e in manifest.entries for n in e.lean if n in wanted)


def root_causes(old: Ledger, new: Ledger, manifest: GateManifest | None = None,
                *, mapping: Mapping[str, str] | None = None) -> list[RootCause]:
    """Every root cause of ``old`` → ``new``, most load-bearing first.  ``mapping`` (old name →
    new name) identifies renamed declarations; by default it is computed (:mod:`zerosorry.identity`)."""
    if mapping is None:
        mapping = renames(identity_matches(old, new))
    before = rekey(old, mapping)
    now = new.by_name()
    groups: dict[tuple[str, str, str | None], list[Held]] = {}

    def add(kind: str, cause: str, held: Held, trust: str | None = None) -> None:
        groups.setdefault((kind, cause, trust), []).append(held)

    for name, r in now.items():
        b = before.get(name)
        if b is None or b.status is not Status.PROVEN:
            continue
        if r.status is Status.DEFERRED:
            holder = r.via[-1] if r.via else name
            h = now.get(holder)  # held back by a stub: one cause with the stub's own change
            add("stub" if h is not None and h.status is Status.STUB else "sorry", holder,
                Held(name, r.file, r.line, b.status, r.status, tuple(r.via)))
        elif r.status is Status.STUB:
            add("stub", name, Held(name, r.file, r.line, b.status, r.status, (name,)))
        elif r.status is Status.PROVEN:
            for ax in sorted(set(r.axioms) - set(b.axioms)):
                add("axiom", ax, Held(name, r.file, r.line, b.status, r.status))
    # trust extensions: who newly reaches one, under the nearest declaration using it more than before
    uses_now = trust_use_counts(now)
    uses_before = trust_use_counts(before)
    for t in sorted({t for c in uses_now.values() for t in c}):
        users = {n for n, c in uses_now.items() if c[t] > uses_before.get(n, Counter())[t]}
        if not users:
            continue
        for name, r in now.items():
            b = before.get(name)
            if b is None or t not in r.trusts or t in b.trusts:
                continue
            cause = _nearest(name, users, now) or min(users)
            add("trust", cause, Held(name, r.file, r.line, b.status, r.status), t)
    out = []
    for (kind, cause, trust), held in groups.items():
        c = now.get(cause)
        if c is None:
            continue
        b = before.get(cause)
        if kind == "sorry":
            is_new = len(c.sorry_lines) > len(b.sorry_lines if b is not None else ())
            line = sorry_line(c)
        elif kind == "axiom":
            is_new, line = b is None or b.kind != "axiom", c.line
        else:  # a stub, or a declaration newly using a trust extension in its own text
            is_new, line = True, c.line
        held.sort(key=lambda h: (h.file, h.line, h.name))
        out.append(RootCause(kind, cause, c.file, line, is_new, tuple(held),
                             _entries((h.name for h in held), manifest), trust))
    return sorted(out, key=RootCause.sort_key)


@dataclass(frozen=True)
class SorryChange:
    """A declaration whose own number of sorry tokens changed (with or without a status change)."""

    name: str
    file: str
    line: int  # its first sorry now, else the declaration
    before: int
    after: int
    sorry_lines: tuple[int, ...] = ()


def sorry_changes(old: Ledger, new: Ledger, *, mapping: Mapping[str, str] | None = None) -> list[SorryChange]:
    """Declarations whose own sorry count changed, in file order (a declaration that appeared
    with sorries, or vanished with some, counts too)."""
    if mapping is None:
        mapping = renames(identity_matches(old, new))
    before = rekey(old, mapping)
    now = new.by_name()
    out = []
    for name in set(before) | set(now):
        a, b = before.get(name), now.get(name)
        na = len(a.sorry_lines) if a is not None else 0
        nb = len(b.sorry_lines) if b is not None else 0
        if na == nb:
            continue
        r = b if b is not None else a
        assert r is not None
        line = sorry_line(r) if b is not None else r.line
        out.append(SorryChange(name, r.file, line, na, nb, tuple(b.sorry_lines) if b is not None else ()))
    return sorted(out, key=lambda s: (s.file, s.line, s.name))


def held_names(causes: Sequence[RootCause], kinds: Iterable[str] = ("sorry", "stub")) -> set[str]:
    """The declarations the causes of ``kinds`` account for."""
    wanted = set(kinds)
    return {h.name for c in causes if c.kind in wanted for h in c.declarations}
