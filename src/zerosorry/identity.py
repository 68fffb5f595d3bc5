"""Stable identities of declarations across two ledgers (two commits, a baseline and a scan).

A named declaration is its name.  An ``example`` has no name: the scanner names it by its
module, its enclosing namespace and a hash of its text (``text_hash``: its kind and the tokens
of its signature and body, never its line), so an example that moves keeps its identity.

Between two ledgers, a declaration that is gone under its old name while one with the same
kind and the same ``text_hash`` appeared under a new name (in the same file or another) is the
same declaration, *renamed* and/or *moved*; so is a declaration whose name stayed but whose file
changed.  A match must be one-to-one: two candidates with the same text are left as removed and
added.  Two ledgers written before ``text_hash`` existed fall back to the same kind and the same
non-empty type (the signature after the name).  An example whose text changed (in the same file
and namespace, the only one removed and the only one added there) is the same example, edited.
Reports say "renamed"/"moved" instead of "removed" + "added", and the baseline ratchet carries
the old status over to the new name (:func:`carry_over`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace

from .ledger.model import Ledger, Record


@dataclass(frozen=True)
class Move:
    """One declaration under its old and its new name and place."""

    old_name: str
    new_name: str
    old_file: str
    old_line: int
    new_file: str
    new_line: int
    how: str = "same text"  # same name | same text | same type | edited example

    @property
    def renamed(self) -> bool:
        return self.old_name != self.new_name

    @property
    def moved(self) -> bool:
        return self.old_file != self.new_file

    def describe(self) -> str:
        what = " and ".join(w for w, on in (("renamed", self.renamed), ("moved", self.moved)) if on)
        return what or "kept"


def _type_of(r: Record) -> str:
    """The signature after the declaration's own name (``theorem foo (n : Nat) : …`` → ``(n : Nat) : …``)."""
    words = r.signature.split(" ", 2)
    return words[2] if len(words) == 3 else ""


def _pair(gone: Iterable[Record], came: Iterable[Record], key: Callable[[Record], Hashable | None],
          how: str) -> list[Move]:
    """One-to-one matches of ``gone`` and ``came`` records with an equal, non-None key."""
    left: dict[Hashable, list[Record]] = defaultdict(list)
    right: dict[Hashable, list[Record]] = defaultdict(list)
    for r in gone:
        k = key(r)
        if k is not None:
            left[k].append(r)
    for r in came:
        k = key(r)
        if k is not None:
            right[k].append(r)
    out = []
    for k, olds in left.items():
        news = right.get(k, [])
        if len(olds) == 1 and len(news) == 1:
            a, b = olds[0], news[0]
            out.append(Move(a.name, b.name, a.file, a.line, b.file, b.line, how))
    return out


def _example_scope(r: Record) -> Hashable | None:
    if r.kind != "example":
        return None
    return r.file, r.name.rpartition(".")[0]  # the module and namespace part of its name


def matches(old: Ledger, new: Ledger) -> list[Move]:
    """Every declaration of ``old`` found in ``new`` under another name or in another file,
    sorted by new name."""
    a, b = old.by_name(), new.by_name()
    moves = [Move(n, n, a[n].file, a[n].line, b[n].file, b[n].line, "same name")
             for n in sorted(set(a) & set(b)) if a[n].file != b[n].file]
    gone = [r for n, r in a.items() if n not in b]
    came = [r for n, r in b.items() if n not in a]
    hashed = any(r.text_hash for r in gone) and any(r.text_hash for r in came)
    if hashed:
        found = _pair(gone, came, lambda r: (r.kind, r.text_hash) if r.text_hash else None, "same text")
    else:
        found = _pair(gone, came, lambda r: (r.kind, _type_of(r)) if _type_of(r) else None, "same type")
    taken_old = {m.old_name for m in found}
    taken_new = {m.new_name for m in found}
    found += _pair([r for r in gone if r.name not in taken_old], [r for r in came if r.name not in taken_new],
                   _example_scope, "edited example")
    return sorted(moves + found, key=lambda m: m.new_name)


def renames(moves: Iterable[Move]) -> dict[str, str]:
    """Old name → new name, for the moves that changed a name."""
    return {m.old_name: m.new_name for m in moves if m.renamed}


def rekey(ledger: Ledger, mapping: Mapping[str, str]) -> dict[str, Record]:
    """``ledger``'s records by name, each renamed declaration under (and with) its new name."""
    out = {}
    for r in ledger.records:
        name = mapping.get(r.name, r.name)
        out[name] = r if name == r.name else replace(r, name=name)
    return out


def carry_over(baseline: Ledger, ledger: Ledger) -> Ledger:
    """``baseline`` with each renamed declaration under its name in ``ledger``, so a policy that
    compares by name compares a declaration with itself (its status carries over)."""
    mapping = renames(matches(baseline, ledger))
    if not mapping:
        return baseline
    return replace(baseline, records=list(rekey(baseline, mapping).values()))
