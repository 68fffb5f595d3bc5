"""Name resolution: which project declaration an identifier denotes, the way Lean looks it up.

For an identifier ``x`` written inside namespace ``A.B`` (a declaration named ``A.B.foo`` is
elaborated inside ``A.B``) with some namespaces opened, Lean tries ``A.B.x``, ``A.x``, ``x``
and ``O.x`` for every opened ``O``; ``_root_.x`` means exactly ``x``.  A ``protected``
declaration is not found through a namespace or an ``open`` by its last component alone.  A
``private`` one only from its own file.  When no prefix works, ``h.foo.bar`` is read as a
receiver followed by field accesses, which Lean resolves by the receiver's type (generalised
field notation): ``T.foo`` for the head ``T`` of that type, then the structures ``T`` extends.
The type is what the source states (:mod:`zerosorry.lean.types`): a local's written type, or
the stated result type of the project constant that produced the receiver.

What does not resolve to a project declaration is external (Mathlib, core) and only counted.
A field whose receiver's type is not written is a *possible* use of every visible project
declaration with that last component (``Resolution.possible``): counted in the derivation, and
reported as possible, never dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ..ledger.model import Declaration
from .types import EXPR, FUNCTION, RECEIVER, UNKNOWN, decode_heads, decode_locals, structure_parents

#: core definitions a type head unfolds to when a field is not found in its own namespace
#: (`h : a ≥ b`, `h.foo` may be `LE.le.foo`); each step is also searched
UNFOLDS = {"GE.ge": "LE.le", "GT.gt": "LT.lt", "Ne": "Not", "Not": FUNCTION,
           "HasSuperset.Superset": "HasSubset.Subset", "HasSSuperset.SSuperset": "HasSSubset.SSubset"}

#: kinds of declarations Lean may unfold when a field is not found in their namespace
UNFOLDABLE = frozenset({"def", "abbrev", "opaque"})


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
    #: declarations the source may denote (field notation whose receiver's type is not read)
    possible: list[int] = field(default_factory=list)
    #: (the reference as written, the indices of every declaration it may denote)
    possible_refs: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)


@dataclass
class NameIndex:
    """Every project declaration by full name, plus member names (constructors, fields, exports)."""

    decls: Sequence[Declaration]
    by_name: dict[str, list[int]] = field(default_factory=dict)
    by_last: dict[str, list[int]] = field(default_factory=dict)
    #: like by_last, for names with a namespace only: what a field access can denote
    by_field: dict[str, list[int]] = field(default_factory=dict)
    #: every namespace a project name lies in (`A.B.c` gives `A.B` and `A`)
    namespaces: frozenset[str] = frozenset()
    #: every dotted suffix of every known name: `x` can only resolve if it is one of these
    suffixes: frozenset[str] = frozenset()
    #: file -> bit index, and file -> bitset of the files it sees (itself and its imports,
    #: transitively); None: every file sees every other (no import information)
    file_bit: dict[str, int] | None = None
    sees: dict[str, int] | None = None
    _parent_cache: dict[str, list[str]] = field(default_factory=dict)
    _result_cache: dict[int, list[str] | None] = field(default_factory=dict)

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
        # a field `x.foo` is `T.foo` for the head `T` of x's type: never a root-level name
        by_field: dict[str, list[int]] = defaultdict(list)
        for name, ids in idx.by_name.items():
            if "." in name:
                by_field[name.rpartition(".")[2]].extend(ids)
        idx.by_field = {k: sorted(set(v)) for k, v in by_field.items()}
        idx.namespaces = frozenset(p for name in idx.by_name for p in ns_prefixes(name.rpartition(".")[0]) if p)
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

    # ------------------------------------------------------------ field notation by type
    def _type_namespaces(self, head: str, owner: Declaration) -> list[str] | None:
        """The namespaces a field on a value whose type is headed by ``head`` (as written in
        ``owner``'s scope) is looked up in: the project declaration(s) it names, or every full
        name an external constant written so could have.  None: the type cannot be read."""
        if head == UNKNOWN:
            return None
        if head == FUNCTION:
            return [FUNCTION]
        # the project constants the head may name, and every full name a library constant
        # written so could have (Lean may pick either; both are searched)
        hits = self._lookup(head, owner.namespace, owner.opens, owner.file)
        base = head[len("_root_."):] if head.startswith("_root_.") else head
        out = {f"{p}.{base}" if p else base for p in (*ns_prefixes(owner.namespace), *owner.opens)}
        out.update(self.decls[i].name for i in hits)
        # when `T.foo` is missing Lean unfolds T: the core notations that unfold to another head
        step = base
        while step in UNFOLDS:
            step = UNFOLDS[step]
            out.add(step)
        # only a namespace some project name lies in can hold a project field
        return sorted(n for n in out if n in self.namespaces)

    def _parents(self, ns: str) -> list[str]:
        """The structures a project structure ``ns`` extends, as namespaces (resolved in its scope)."""
        got = self._parent_cache.get(ns)
        if got is not None:
            return got
        self._parent_cache[ns] = []  # a cycle ends here
        out: list[str] = []
        for i in self.by_name.get(ns, []):
            d = self.decls[i]
            for head in structure_parents(d.signature):
                for p in self._type_namespaces(head, d) or []:
                    if p not in out:
                        out.append(p)
        self._parent_cache[ns] = out
        return out

    def _receiver_of(self, i: int, written: str) -> list[str] | None:
        """The type namespaces of the value the project constant ``decls[i]`` (written ``written``)
        produces: its stated result type.  None when not stated (a constructor or field reached
        through its owner's name, a type, a definition whose type is not written)."""
        d = self.decls[i]
        if d.name.rpartition(".")[2] != written.rpartition(".")[2]:
            return None  # a member (constructor, field) found through its owner
        if i not in self._result_cache:
            self._result_cache[i] = self._heads_namespaces(decode_heads(d.result_type), d)
        return self._result_cache[i]

    def _heads_namespaces(self, heads: Iterable[str], owner: Declaration,
                          local: Mapping[str, tuple[str, ...]] | None = None, depth: int = 0) -> list[str] | None:
        """The union of :meth:`_type_namespaces` over ``heads``; None when one is unknown.  A
        head ``=e`` (a local bound to the value ``e …``) is the type of that expression."""
        out: set[str] = set()
        for head in heads:
            if head.startswith(EXPR):
                got = self._expr_namespaces(owner, head[len(EXPR):], local, depth + 1) \
                    if local is not None and depth < 3 else None
            elif "." in head and not head.startswith("_root_.") and (
                    (local is not None and head.partition(".")[0] in local) or head[:1].islower()):
                got = self._dotted_type_namespaces(head, owner, local, depth)
            else:
                got = self._type_namespaces(head, owner)
            if got is None:
                return None
            out.update(got)
        return sorted(out)

    def _dotted_type_namespaces(self, head: str, owner: Declaration,
                                local: Mapping[str, tuple[str, ...]] | None, depth: int) -> list[str] | None:
        """A type written in field notation on a local, ``(h : p.Good)``: the constant is the
        field ``Good`` of ``p``'s type (``P.Good`` for ``p : P``), read the way Lean reads it.
        None when the local's type is not read (or the head is no local this reader knows, nor
        a project constant): the receiver's type is then unknown."""
        parts = head.split(".")
        if local is None or parts[0] not in local or depth >= 3:
            # a lower-case head that no project name starts with: a local this reader does not know
            if self._lookup(head, owner.namespace, owner.opens, owner.file):
                return self._type_namespaces(head, owner)
            return None
        recv = self._heads_namespaces(local[parts[0]], owner, local, depth + 1)
        for f in parts[1:]:
            if recv is None or not f or f.isdigit():
                return None
            nxt: set[str] = set()
            for ns in recv:
                got, conclusive = self._field(ns, f, owner.file)
                if not conclusive:
                    return None  # a definition Lean may unfold: the constant is not pinned
                nxt.update(self.decls[i].name for i in got)
                nxt.add(f"{ns}.{f}")  # an external field of a project type keeps its name
            recv = sorted(nxt)
        return sorted(n for n in recv or [] if n in self.namespaces)

    def _expr_namespaces(self, d: Declaration, name: str, local: Mapping[str, tuple[str, ...]],
                         depth: int) -> list[str] | None:
        """The type namespaces of an expression headed by the written name ``name`` in ``d``:
        a local's type, or a project constant's stated result, then any fields after it."""
        parts = name.split(".")
        if parts[0] in local:
            recv = self._heads_namespaces(local[parts[0]], d, local, depth)
            rest = parts[1:]
        else:
            hits: list[int] = []
            matched = 0
            for cut in range(len(parts), 0, -1):
                hits = self._lookup(".".join(parts[:cut]), d.namespace, d.opens, d.file)
                if hits:
                    matched = cut
                    break
            if not matched:
                return None  # an external constant: what it states is not in this project
            recv = self._merge_receivers(hits, ".".join(parts[:matched]))
            rest = parts[matched:]
        if rest:
            recv = self._chain(d, recv, rest, name, Resolution(), set(), set())[1]
        return recv

    def _field(self, ns: str, f: str, file: str) -> tuple[list[int], bool]:
        """Project declarations ``ns.f`` (then in the structures ``ns`` extends), and whether
        the search is conclusive: a project definition that can be unfolded is not."""
        seen: set[str] = set()
        todo = [ns]
        while todo:
            n = todo.pop(0)
            if n in seen:
                continue
            seen.add(n)
            hits = [i for i in self.by_name.get(f"{n}.{f}", []) if self._visible(i, f, False, file)]
            if hits:
                return hits, True
            todo.extend(self._parents(n))
        owners = self.by_name.get(ns, [])
        conclusive = not any(self.decls[i].kind in UNFOLDABLE for i in owners)
        return [], conclusive

    def _chain(self, d: Declaration, recv: list[str] | None, fields: Sequence[str], written: str,
               res: Resolution, uses: set[int], possible: set[int]) -> tuple[bool, list[str] | None]:
        """Resolve the field accesses ``fields`` on a receiver whose type namespaces are
        ``recv`` (None: unknown).  Returns whether any project declaration was reached, and the
        type namespaces of the result."""
        reached = False
        for f in fields:
            if not f or f.isdigit() or f.startswith("_"):
                recv = None  # `h.1`, `h.2`: a component whose type this reader does not track
                continue
            if recv is None:
                cands = [i for i in self.by_field.get(f, [])
                         if self._visible(i, f, False, d.file) and self.decls[i] is not d]
                if cands:
                    possible.update(cands)
                    res.possible_refs.append((written, tuple(cands)))
                    reached = True
                recv = None
                continue
            hits: set[int] = set()
            unsure = False
            for ns in recv:
                got, conclusive = self._field(ns, f, d.file)
                hits.update(got)
                unsure = unsure or not conclusive
            if unsure:  # a definition Lean may unfold to a type this reader cannot see
                cands = [i for i in self.by_field.get(f, []) if i not in hits
                         and self._visible(i, f, False, d.file) and self.decls[i] is not d]
                if cands:
                    possible.update(cands)
                    res.possible_refs.append((written, tuple(sorted({*cands, *hits}))))
                    reached = True
            if not hits:
                recv = None  # an external field (or an unsure one): what it yields is not read
                continue
            uses.update(hits)
            reached = True
            nxt: set[str] = set()
            for i in sorted(hits):
                r = self._receiver_of(i, f)
                if r is None:
                    nxt = set()
                    recv = None
                    break
                nxt.update(r)
            else:
                recv = sorted(nxt)
        return reached, recv

    def _chain_reaches(self, d: Declaration, recv: list[str] | None, fields: Sequence[str], written: str,
                       res: Resolution, uses: set[int], possible: set[int]) -> bool:
        return self._chain(d, recv, fields, written, res, uses, possible)[0]

    def resolve(self, d: Declaration, refs: Sequence[str] | None = None) -> Resolution:
        res = Resolution()
        ns = d.namespace
        opens = d.opens
        file = d.file
        uses: set[int] = set()
        possible: set[int] = set()
        # decoded on first need: most declarations write no dotted name on a local
        local: dict[str, tuple[str, ...]] | None = None

        def local_recv(name: str) -> list[str] | None:
            assert local is not None
            return self._heads_namespaces(local[name], d, local)

        for x in d.refs if refs is None else refs:
            if x.startswith("."):  # `.foo`: the expected type is not read
                if not self._chain_reaches(d, None, x[1:].split("."), x, res, uses, possible):
                    res.external += 1
                continue
            # `(e).foo`, `e |>.foo` arrive as `head\x03foo`: the receiver is headed by `head`, and
            # `head.foo` is not one name (only a prefix of `head` can name a constant)
            if RECEIVER in x:
                head, _, rest = x.partition(RECEIVER)
                written = f"({head} …).{rest}"
                parts = f"{head}.{rest}".split(".")
                longest = head.count(".") + 1
            else:
                hits = self._lookup(x, ns, opens, file)
                if hits:
                    uses.update(hits)
                    continue
                if "." not in x:
                    res.external += 1
                    continue
                written = x
                parts = x.split(".")
                longest = len(parts) - 1
            if local is None:
                local = decode_locals(d.local_types)
            if parts[0] in local:  # a local with a written type: Lean's generalised field notation
                if not self._chain_reaches(d, local_recv(parts[0]), parts[1:], written, res, uses, possible):
                    res.external += 1
                continue
            # constant followed by field accesses: the longest prefix naming a project constant
            matched = 0
            for cut in range(longest, 0, -1):
                hits = self._lookup(".".join(parts[:cut]), ns, opens, file)
                if hits:
                    uses.update(hits)
                    matched = cut
                    break
            if matched:
                recv = self._merge_receivers(hits, ".".join(parts[:matched]))
                self._chain_reaches(d, recv, parts[matched:], written, res, uses, possible)
                continue
            # no project prefix: an external constant (`le_refl.trans`) or a local bound without a
            # written type; components from the first lower-case one on name the constant
            # (`Nat.succ_le.trans`: `Nat.succ_le`), the rest may be fields of unknown type
            first = next((k for k, p in enumerate(parts) if p[:1].islower() or p[:1] == "_"), None)
            if RECEIVER in x:
                first = min(first if first is not None else longest - 1, longest - 1)
            if first is None or not self._chain_reaches(d, None, parts[first + 1:], written, res, uses, possible):
                res.external += 1
        res.uses = sorted(u for u in uses if self.decls[u] is not d)
        res.possible = sorted(u for u in possible if u not in uses and self.decls[u] is not d)
        return res

    def _merge_receivers(self, hits: Sequence[int], written: str) -> list[str] | None:
        out: set[str] = set()
        for i in hits:
            r = self._receiver_of(i, written)
            if r is None:
                return None
            out.update(r)
        return sorted(out)
