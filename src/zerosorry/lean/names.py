"""Name resolution: which project declaration an identifier denotes, the way Lean looks it up.

For an identifier ``x`` written inside namespace ``A.B`` (a declaration named ``A.B.foo`` is
elaborated inside ``A.B``) with some namespaces opened, Lean tries ``A.B.x``, ``A.x``, ``x``
and ``O.x`` for every opened ``O``; ``_root_.x`` means exactly ``x``.  A ``protected``
declaration is not found through a namespace or an ``open`` by its last component alone.  A
``private`` one only from its own file.  When no prefix works, ``h.foo.bar`` is tried as a
constant followed by field accesses (``h.foo`` then ``.bar``), which is how Lean reads
generalised field notation.

What does not resolve to a project declaration is external (Mathlib, core) and only counted.
Resolutions that are guesses are reported as approximate: a field access on a local variable
(``h.trans`` where ``trans`` exists once in the project), a dot-prefixed ``.foo``, and the
names of anonymous instances.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ..ledger.model import Declaration


@lru_cache(maxsize=65536)
def ns_prefixes(ns: str) -> tuple[str, ...]:
    """``A.B`` -> ``("A.B", "A", "")``."""
    out = []
    while ns:
        out.append(ns)
        ns = ns.rpartition(".")[0]
    out.append("")
    return tuple(out)


@dataclass
class Resolution:
    uses: list[int] = field(default_factory=list)  # indices of declarations
    external: int = 0
    approximate: list[str] = field(default_factory=list)


@dataclass
class NameIndex:
    """Every project declaration by full name, plus member names (constructors, fields, exports)."""

    decls: Sequence[Declaration]
    by_name: dict[str, list[int]] = field(default_factory=dict)
    by_last: dict[str, list[int]] = field(default_factory=dict)
    #: every dotted suffix of every known name: `x` can only resolve if it is one of these
    suffixes: frozenset[str] = frozenset()
    #: file -> bit index, and file -> bitset of the files it sees (itself and its imports,
    #: transitively); None: every file sees every other (no import information)
    file_bit: dict[str, int] | None = None
    sees: dict[str, int] | None = None

    @classmethod
    def build(cls, decls: Sequence[Declaration], members: Iterable[tuple[str, str]] = (),
              aliases: Iterable[tuple[str, str, str, tuple[str, ...]]] = (),
              written: Iterable[tuple[str, int]] = ()) -> NameIndex:
        """``written``: (name as declared, index) of declarations the scan renamed to keep ledger
        names unique (a private `aux` in two files, a name reused by modules that never meet):
        code still refers to them by the declared name, and visibility picks the right one."""
        idx = cls(decls)
        by_name: dict[str, list[int]] = defaultdict(list)
        for i, d in enumerate(decls):
            if d.kind == "example":
                continue
            by_name[d.name].append(i)
        for name, i in written:
            by_name[name].append(i)
        for member, owner in members:
            if member not in by_name and owner in by_name:
                by_name[member] = list(by_name[owner])
        idx.by_name = dict(by_name)
        idx.suffixes = cls._suffixes(idx.by_name)  # _lookup needs them, aliases included below
        # aliases (export, open … renaming): resolve the target now, in the alias's own scope
        added = False
        for alias_name, target, ns, opens in aliases:
            if alias_name in idx.by_name:
                continue
            hits = idx._lookup(target, ns, opens, file=None)
            if hits:
                idx.by_name[alias_name] = hits
                added = True
        by_last: dict[str, list[int]] = defaultdict(list)
        for name, ids in idx.by_name.items():
            by_last[name.rpartition(".")[2]].extend(ids)
        idx.by_last = {k: sorted(set(v)) for k, v in by_last.items()}
        if added:
            idx.suffixes = cls._suffixes(idx.by_name)
        return idx

    @staticmethod
    def _suffixes(names: Iterable[str]) -> frozenset[str]:
        sufs: set[str] = set()
        for name in names:
            parts = name.split(".")
            for i in range(len(parts)):
                sufs.add(".".join(parts[i:]))
        return frozenset(sufs)

    def _visible(self, i: int, written: str, via_prefix: bool, file: str | None) -> bool:
        d = self.decls[i]
        if file is not None:
            if d.private and d.file != file:
                return False
            if self.sees is not None and self.file_bit is not None and d.file != file:
                bit = self.file_bit.get(d.file)
                if bit is not None and not (self.sees.get(file, -1) >> bit) & 1:
                    return False  # declared in a module this file does not import
        # a protected name needs at least its last namespace component to be written
        return not ("protected" in d.modifiers and via_prefix and "." not in written)

    def _lookup(self, x: str, ns: str, opens: Sequence[str], file: str | None) -> list[int]:
        if x not in self.suffixes and not x.startswith("_root_."):
            return []  # no project name ends with `x`: no prefix or open can make it one
        if x.startswith("_root_."):
            x = x[len("_root_.") :]
            return [i for i in self.by_name.get(x, []) if self._visible(i, x, False, file)]
        by_name = self.by_name
        found: list[int] = []
        for p in ns_prefixes(ns):
            cand = f"{p}.{x}" if p else x
            hits = by_name.get(cand)
            if hits:
                vis = [i for i in hits if self._visible(i, x, bool(p), file)]
                if vis:
                    found.extend(vis)
                    break
        # names from opened namespaces are candidates too (Lean keeps every match and lets the
        # elaborator pick by type): counting them all never hides a sorry
        for o in opens:
            hits = by_name.get(f"{o}.{x}")
            if hits:
                found.extend(i for i in hits if self._visible(i, x, True, file))
        return sorted(set(found))

    def resolve(self, d: Declaration, refs: Sequence[str] | None = None) -> Resolution:
        res = Resolution()
        ns = d.namespace
        opens = d.opens
        file = d.file
        uses: set[int] = set()
        for x in d.refs if refs is None else refs:
            if x.startswith("."):
                cands = self.by_last.get(x[1:], [])
                if len(cands) == 1:
                    uses.add(cands[0])
                    res.approximate.append(f"{x} resolved by its last component to {self.decls[cands[0]].name}")
                else:
                    res.external += 1
                continue
            hits = self._lookup(x, ns, opens, file)
            if hits:
                uses.update(hits)
                continue
            # constant followed by field accesses: try shorter prefixes of the written name
            parts = x.split(".")
            if len(parts) == 1:
                res.external += 1
                continue
            matched = 0  # how many leading components named a project constant
            for cut in range(len(parts) - 1, 0, -1):
                hits = self._lookup(".".join(parts[:cut]), ns, opens, file)
                if hits:
                    uses.update(hits)
                    matched = cut
                    break
            # the components after the head are field accesses (`p.foo.symm`, `origin.bad`,
            # `h.1.myLemma`): each may be generalised field notation for the one project `*.foo`
            found = False
            for part in parts[max(matched, 1):]:
                cands = self.by_last.get(part, [])
                if len(cands) == 1 and not part.startswith("_") and not part.isdigit():
                    uses.add(cands[0])
                    res.approximate.append(f"{x} read as field notation for {self.decls[cands[0]].name}")
                    found = True
            if not matched and not found:
                res.external += 1
        res.uses = sorted(u for u in uses if self.decls[u] is not d)
        return res
