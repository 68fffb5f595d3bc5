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

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from functools import lru_cache

from ..ledger.model import Declaration
from .library import ARGS, NEVER_UNFOLDS, NOTATIONS, STEP, UNFOLDS_TO
from .types import (
    ARG,
    EXPR,
    FUNCTION,
    RECEIVER,
    UNKNOWN,
    decode_heads,
    decode_locals,
    structure_parents,
)

#: kinds of declarations Lean may unfold when a field is not found in their namespace
UNFOLDABLE = frozenset({"def", "abbrev", "opaque"})

#: a receiver's namespace that Lean reaches only by unfolding a library definition, when the
#: field is missing before: ``MAYBE + namespace + GATE + gates`` (the namespaces, comma-separated,
#: whose holding the field stops the unfolding); what it finds is a *possible* use
MAYBE = "\x05"
GATE = "\x06"
#: the namespace of a MAYBE entry when the library definition is not in :mod:`.library`'s tables:
#: unfolding may reach any namespace a project type does not own (see :meth:`NameIndex._reachable`)
OPEN = "*"
_WORD = re.compile(r"[^\s()\[\]{}⟨⟩,:]+")


@lru_cache(maxsize=65536)
def ns_prefixes(ns: str) -> tuple[str, ...]:
    """``A.B`` -> ``("A.B", "A", "")``."""
    out = []
    while ns:
        out.append(ns)
        ns = ns.rpartition(".")[0]
    out.append("")
    return tuple(out)


def _readings(name: str, owner: Declaration) -> set[str]:
    """Every full name a library constant written ``name`` in ``owner``'s scope could have (a
    number-type notation read as its constant)."""
    base = NOTATIONS.get(name, name)
    return {f"{p}.{base}" if p else base for p in (*ns_prefixes(owner.namespace), *owner.opens)}


def instance_closure(decls: Sequence[Declaration]) -> list[int]:
    """The project instances, and the project declarations their text may name, then, through
    every project definition among those (which Lean unfolds further), the ones its text may
    name: where a class projection (``a ≤ b`` is ``LE.le a b``) can lead when Lean unfolds it
    through a project instance.  Read from the names as written (a declaration is named when its
    last component is a reference's last one), so it needs no resolution and depends on the text
    of these declarations only (the resolver's cache fingerprint hashes them).  A name written in
    a declaration's signature (the class an instance implements, a binder's type) is not what
    its body unfolds to and is left out."""
    by_last: dict[str, list[int]] = defaultdict(list)
    for i, d in enumerate(decls):
        by_last[d.name.rpartition(".")[2]].append(i)
    todo = [i for i, d in enumerate(decls) if d.kind == "instance"]
    seen = set(todo)
    words: set[str] = set()
    while todo:
        d = decls[todo.pop()]
        # its signature (`instance : LE Box`, `def Box.le (a b : Box) : Prop`) states the class it
        # implements and its binders' types, not what its body unfolds to
        stated = frozenset(_WORD.findall(d.signature))
        for ref in d.refs:
            if ref in stated:
                continue
            # the constant a reference names ends with its last component (`W1.toFun` is no
            # `W1`); a receiver `(Box.mk a).f` is also headed by what its head names
            head, _, rest = ref.partition(RECEIVER)
            for w in {head.rpartition(".")[2], rest.rpartition(".")[2]}:
                if w in words:
                    continue
                words.add(w)
                for j in by_last.get(w, ()):
                    if j not in seen:
                        seen.add(j)
                        if decls[j].kind in UNFOLDABLE:
                            todo.append(j)
    return sorted(seen)


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
    # the tables are Mappings, not dicts: a warm state stores them as zerosorry.lazy.StoredMap
    by_name: Mapping[str, list[int]] = field(default_factory=dict)
    by_last: Mapping[str, list[int]] = field(default_factory=dict)
    #: like by_last, for names with a namespace only: what a field access can denote
    by_field: Mapping[str, list[int]] = field(default_factory=dict)
    #: every namespace a project name lies in (`A.B.c` gives `A.B` and `A`)
    namespaces: frozenset[str] = frozenset()
    #: every dotted suffix of every known name: `x` can only resolve if it is one of these
    suffixes: Set[str] = frozenset()  # (a warm state's: a zerosorry.lazy.StoredSet)
    #: file -> bit index, and file -> bitset of the files it sees (itself and its imports,
    #: transitively); None: every file sees every other (no import information)
    file_bit: dict[str, int] | None = None
    sees: dict[str, int] | None = None
    _parent_cache: dict[str, list[str]] = field(default_factory=dict)
    _result_cache: dict[int, list[str] | None] = field(default_factory=dict)
    _instances: frozenset[str] | None = None
    _open_cache: dict[str, list[int]] = field(default_factory=dict)
    _open_cache_parents: dict[str, bool] = field(default_factory=dict)
    #: last name component -> every name with a namespace ending in it
    field_names: Mapping[str, list[str]] = field(default_factory=dict)

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
        idx.by_name = table = dict(by_name)
        idx.suffixes = cls._suffixes(idx.by_name)  # _lookup needs them, aliases included below
        # aliases (export, open … renaming): resolve the target now, in the alias's own scope
        added = False
        for alias_name, target, ns, opens in aliases:
            if alias_name in idx.by_name:
                continue
            hits = idx._lookup(target, ns, opens, file=None)
            if hits:
                table[alias_name] = hits
                added = True
        by_last: dict[str, list[int]] = defaultdict(list)
        for name, ids in idx.by_name.items():
            by_last[name.rpartition(".")[2]].extend(ids)
        idx.by_last = {k: sorted(set(v)) for k, v in by_last.items()}
        # a field `x.foo` is `T.foo` for the head `T` of x's type: never a root-level name
        by_field: dict[str, list[int]] = defaultdict(list)
        field_names: dict[str, list[str]] = defaultdict(list)
        for name, ids in idx.by_name.items():
            if "." in name:
                by_field[name.rpartition(".")[2]].extend(ids)
                field_names[name.rpartition(".")[2]].append(name)
        idx.by_field = {k: sorted(set(v)) for k, v in by_field.items()}
        idx.field_names = dict(field_names)
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
    def _type_namespaces(self, head: str, owner: Declaration, args: Sequence[str] = (),
                         seen: frozenset[str] = frozenset()) -> list[str] | None:
        """The namespaces a field on a value whose type is headed by ``head`` (as written in
        ``owner``'s scope, with the constants ``args`` written in its arguments) is looked up in:
        the project declaration(s) it names, or every full name an external constant written so
        could have, and, for a library head, the MAYBE entries of what unfolding it may reach.
        None: the type cannot be read."""
        if head == UNKNOWN:
            return None
        if head == FUNCTION:
            return [FUNCTION]
        # the project constants the head may name, and every full name a library constant
        # written so could have (Lean may pick either; both are searched)
        hits = self._lookup(head, owner.namespace, owner.opens, owner.file)
        base = head[len("_root_."):] if head.startswith("_root_.") else head
        out = _readings(base, owner)
        out.update(self.decls[i].name for i in hits)
        if not hits:  # a library constant: when the field is missing Lean unfolds it
            out |= self._library_unfolds(sorted(out), owner, args, seen | {base})
        elif any(self._open_ancestry(self.decls[i].name) for i in hits):
            # a project structure extending a library one whose own parents are not known:
            # Lean searches those too, so a field missing from every namespace known may be
            # in any library namespace
            chain = self._ancestry(sorted({self.decls[i].name for i in hits}))
            out.add(MAYBE + OPEN + GATE + ",".join(n for n in chain if n in self.namespaces))
        # only a namespace some project name lies in can hold a project field
        return sorted(n for n in (self._narrow(x) for x in out) if n is not None)

    def _narrow(self, entry: str) -> str | None:
        """``entry`` without the namespaces that hold no project name (None: nothing left)."""
        if not entry.startswith(MAYBE):
            return entry if entry in self.namespaces else None
        ns, _, gates = entry[1:].partition(GATE)
        if ns != OPEN and ns not in self.namespaces:
            return None
        return MAYBE + ns + GATE + ",".join(g for g in gates.split(",") if g in self.namespaces)

    def _library_unfolds(self, readings: Sequence[str], owner: Declaration, args: Sequence[str],
                         seen: frozenset[str]) -> set[str]:
        """What a library head (each full name it may have: ``readings``) unfolds to, by the
        tables of :mod:`.library`: the namespaces of a structure's parents and of the heads its
        unfolding certainly has (plain entries), and, as MAYBE entries gated by all of those,
        the arguments' types (``OrderDual Box``) or, for a head the tables do not know, OPEN
        and the project types written in the arguments."""
        plain: set[str] = set()
        maybe: set[str] = set()
        todo = [r for r in readings if r in NEVER_UNFOLDS or r in UNFOLDS_TO]
        if not todo:
            maybe.add(OPEN)
            maybe.update(self._project_args(args, owner))
        done: set[str] = set()
        while todo:
            r = todo.pop()
            if r in done:
                continue
            done.add(r)
            plain.add(r)
            if r in NEVER_UNFOLDS:
                plain.update(NEVER_UNFOLDS[r])
                continue
            if r not in UNFOLDS_TO:  # a head the tables do not know: anything
                maybe.add(OPEN)
                maybe.update(self._project_args(args, owner))
                continue
            for path in UNFOLDS_TO[r]:
                *through, t = path.split(STEP)
                plain.update(through)
                if t == ARGS:
                    maybe.update(self._args_namespaces(args, owner, seen))
                elif t == FUNCTION:
                    plain.add(FUNCTION)
                else:
                    todo.append(t)
        gate = ",".join(sorted(n for n in (*readings, *plain) if n in self.namespaces))
        return plain | {MAYBE + n + GATE + gate for n in maybe}

    def _project_args(self, args: Sequence[str], owner: Declaration) -> set[str]:
        """The project constants written as ``args``: what OPEN adds (a library argument's
        namespaces, and what they unfold to, are library namespaces, which OPEN covers)."""
        return {self.decls[i].name for a in args for i in self._lookup(a, owner.namespace, owner.opens, owner.file)}

    def _args_namespaces(self, args: Sequence[str], owner: Declaration, seen: frozenset[str]) -> set[str]:
        """Every namespace the types written as ``args`` may give a field (plain or reached by
        unfolding), as plain namespaces or OPEN."""
        out: set[str] = set()
        for a in args:
            if a in seen:
                continue
            for n in self._type_namespaces(a, owner, args, seen | {a}) or []:
                out.add(n[1:].partition(GATE)[0] if n.startswith(MAYBE) else n)
        return out

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
                    if p not in out and not p.startswith(MAYBE):  # a parent is not unfolded
                        out.append(p)
        self._parent_cache[ns] = out
        return out

    def _ancestry(self, names: Sequence[str]) -> list[str]:
        """``names`` and every structure they extend, transitively."""
        out: list[str] = []
        todo = list(names)
        while todo:
            n = todo.pop(0)
            if n not in out:
                out.append(n)
                todo.extend(self._parents(n))
        return out

    def _open_ancestry(self, ns: str) -> bool:
        """Whether the project structure ``ns`` extends, directly or through project structures,
        a library constant whose parents :mod:`.library` does not list."""
        got = self._open_cache_parents.get(ns)
        if got is not None:
            return got
        self._open_cache_parents[ns] = False  # a cycle ends here
        found = False
        for i in self.by_name.get(ns, []):
            d = self.decls[i]
            if d.kind not in ("structure", "class"):
                continue
            for head in structure_parents(d.signature):
                hits = self._lookup(head, d.namespace, d.opens, d.file)
                if hits:
                    found = found or any(self._open_ancestry(self.decls[j].name) for j in hits)
                    continue
                found = found or not (_readings(head, d) & NEVER_UNFOLDS.keys())
        self._open_cache_parents[ns] = found
        return found

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
        args = tuple(h[len(ARG):] for h in heads if h.startswith(ARG))
        for head in heads:
            if head.startswith(ARG):
                continue
            if head.startswith(EXPR):
                got = self._expr_namespaces(owner, head[len(EXPR):], local, depth + 1) \
                    if local is not None and depth < 3 else None
            elif "." in head and not head.startswith("_root_.") and (
                    (local is not None and head.partition(".")[0] in local) or head[:1].islower()):
                got = self._dotted_type_namespaces(head, owner, local, depth)
            else:
                got = self._type_namespaces(head, owner, args)
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
                if ns.startswith(MAYBE):
                    if not self._gated(ns, f, owner.file):
                        return None  # a library definition Lean may unfold: not pinned
                    continue
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

    def _gated(self, entry: str, f: str, file: str) -> bool:
        """Whether the MAYBE ``entry`` is never reached for the field ``f``: one of its gates
        holds ``f``, so Lean stops there without unfolding."""
        gates = entry[1:].partition(GATE)[2]
        return any(self._field(g, f, file)[0] for g in gates.split(",") if g)

    def _reachable(self, ns: str) -> bool:
        """Whether unfolding a library definition this engine cannot read may reach the
        namespace ``ns`` (one holding a project name): a library namespace, or a project
        declaration that a project instance's body leads to (a class projection such as
        ``LE.le`` unfolds through the instance).  A library body names no project constant, so
        no other project type is reached, except those written in the type (its arguments)."""
        return ns not in self.by_name or ns in self._instance_reach()

    def _instance_reach(self) -> frozenset[str]:
        if self._instances is None:
            self._instances = frozenset(self.decls[i].name for i in instance_closure(self.decls)
                                        if self.decls[i].kind != "instance")
        return self._instances

    def _open_candidates(self, f: str) -> list[int]:
        """The project declarations ``N.f`` with ``N`` :meth:`_reachable`."""
        got = self._open_cache.get(f)
        if got is None:
            got = sorted({i for name in self.field_names.get(f, ()) if self._reachable(name.rpartition(".")[0])
                          for i in self.by_name[name]})
            self._open_cache[f] = got
        return got

    def _unfolded(self, entries: Sequence[str], f: str, d: Declaration) -> set[int]:
        """The project declarations the field ``f`` may denote through the MAYBE ``entries``."""
        out: set[int] = set()
        for e in entries:
            if self._gated(e, f, d.file):
                continue
            ns = e[1:].partition(GATE)[0]
            if ns == OPEN:
                out.update(self._open_candidates(f))
                continue
            got, conclusive = self._field(ns, f, d.file)
            out.update(got if conclusive else self.by_field.get(f, []))
        return {i for i in out if self._visible(i, f, False, d.file) and self.decls[i] is not d}

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
                if ns.startswith(MAYBE):
                    continue
                got, conclusive = self._field(ns, f, d.file)
                hits.update(got)
                unsure = unsure or not conclusive
            if unsure:  # a definition Lean may unfold to a type this reader cannot see
                cands = [i for i in self.by_field.get(f, []) if i not in hits
                         and self._visible(i, f, False, d.file) and self.decls[i] is not d]
            else:  # a library definition Lean may unfold (`Set α`, `OrderDual α`, …)
                cands = sorted(self._unfolded([ns for ns in recv if ns.startswith(MAYBE)], f, d) - hits)
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
                if r is None or cands:  # (a possible candidate's result is not read either)
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

        recv_of: dict[str, list[str] | None] = {}

        def local_recv(name: str) -> list[str] | None:
            assert local is not None
            if name not in recv_of:
                recv_of[name] = self._heads_namespaces(local[name], d, local)
            return recv_of[name]

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
