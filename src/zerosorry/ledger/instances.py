"""Possible instance uses: what type-class search may pick without a name written.

Lean fills an instance argument (``a + b`` needs ``HAdd``, ``inferInstance``, ``ring``'s
``CommRing``) by searching every instance in scope, so a declaration can rest on an instance
whose proof holds a sorry without naming it::

    instance : Nice Nat := sorry
    theorem t : Nice Nat := inferInstance   -- Lean: uses sorryAx

The source engine cannot run that search.  It assumes the worst it can justify: a declaration
*possibly uses* every instance that is not proven (its derivation reaches a sorry, a project
axiom or a trust extension) which is **visible** to it (declared earlier in its file, or in a
file its file imports, transitively; every file when its imports are not known) and **could be
found by instance search for something it elaborates**:

* the *words* a declaration may elaborate are the name components its signature and body write
  (locals left out: ``Declaration.words``), and those the statements of the project declarations
  it uses (certain and possible uses: what its names resolve to) write, transitively along the
  uses each statement writes (``f 0 = 1`` with ``f : ℕ → A`` elaborates ``A``; ``rw [h]`` brings
  ``h``'s statement and what it names); an ``abbrev`` or ``@[reducible]`` definition gives its
  whole text (instance search unfolds it), as do a structure, class or inductive type (its
  fields' and constructors' types: ``s.f + s.f`` with ``f : Foo``) and a definition whose type
  is not written (``def b := a``: its body fixes it).  An instance's own statement searches for
  nothing: its class counts for it only where its binders or body write it;
* an instance is keyed by what its stated type ``C T₁ … Tₙ`` writes.  A goal it answers holds
  every constant of its arguments: when some name a project declaration, a declaration finds it
  only if one of those (or, for an abbreviation, the name written in what it unfolds to that
  fewest declarations write) is among its words.  When ``C`` is a project class that extends
  nothing and that no instance takes as an instance argument, ``C`` must be among them too
  (such a class is searched for only where its name is written or a statement read brings it;
  ``instance [MyC α] : Mul α`` makes every search for ``Mul`` search ``MyC``).  An abbreviation
  of a literal (``abbrev N := 3``) counts as no name (a goal may hold the literal).  When the arguments name only library constants
  (``Nice Nat``, an orphan ``Fintype (ZMod 3)``), one of those or the class must be; but an
  instance of a class Lean reaches unnamed (a library class, or a class extending another: a
  search for the parent tries it) applied to a literal's type itself (``Nat``, ``String``,
  ``List``…: :data:`LITERAL_TYPES`, written by no name) counts for every declaration that sees
  it, as do one of such a class whose conclusion names no constant (``[Foo α] : Bar α``), one
  whose type is not read, and a ``Fact`` instance (library instances take ``[Fact p.Prime]``).

A possible instance use counts like any possible use (a sorry behind it makes a *possible
deferral*; its axioms and trusts are reached).  Only instances that are not proven are added
(a proven instance adds nothing to any derivation, and a project without such instances keeps
its ledger as it was).  An instance is not proven when it reaches a sorry, a project axiom or a
trust through its certain and possible uses, its own possible instance uses included; that set
is a fixed point, and the only one: a chain to a sorry only ever steps through instances nearer
the sorry, so the breadth-first search below, backwards from every sorry, axiom and trust, which
adds an instance's users when it reaches the instance, finds exactly it.

What it cannot see: an instance made by ``attribute [instance] foo`` on a declaration that is no
``instance``, or by a standalone ``deriving instance … for T``; a class reached through ``export`` or
a notation or macro that expands to its method; a goal whose type is reached only through a library lemma's statement (the
library's statements are not read: the name components written stand in for them), a ``simp``
lemma found by attribute, an ``outParam``, or a library abbreviation that unfolds to it; a tactic
that builds types the source never writes.  ``--engine lean`` is the exact answer.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from ..lean.library import NOTATIONS
from ..lean.types import (
    ARG,
    FUNCTION,
    RECEIVER,
    UNKNOWN,
    decode_heads,
    decode_words,
    structure_parents,
)
from .model import Declaration

#: a declaration's possible reference that is type-class search, with every instance it may find
#: (``possible.describe`` says which type each is for, from its signature)
INSTANCE_REF = "instance search"
#: the types a literal has with no name written (a numeral's default type, `-1`, `2.5`, `"a"`,
#: `'a'`, `true`, `[a]`, `#[a]`, `(a, b)`, `()`): a goal can hold them unnamed
LITERAL_TYPES = frozenset({"Nat", "Int", "Float", "String", "Char", "Bool", "List", "Array", "Prod", "Unit"})
#: library classes whose instances library instances take as arguments (`ZMod.instField` takes
#: `[Fact p.Prime]`): searched for with no name of theirs or their arguments written
ARGUMENT_CLASSES = frozenset({"Fact"})
#: kinds whose whole text states what they give (field and constructor types)
_STATING_KINDS = frozenset({"structure", "class", "inductive", "coinductive"})
_REDUCIBLE = frozenset({"reducible", "instance_reducible"})

#: the groups of words a declaration must have one of each of to find an instance (None: any)
Key = tuple[frozenset[str], ...] | None


@dataclass
class Instances:
    """One instance pass: each declaration's possible instance uses (the instances, by index),
    and what a refresh after a proof edit reuses (:func:`refresh_uses`): every instance, those
    not proven, their keys, where they are."""

    uses: dict[int, tuple[int, ...]] = field(default_factory=dict)
    ids: tuple[int, ...] = ()
    bad: frozenset[int] = frozenset()
    keys: dict[int, Key] = field(default_factory=dict)
    at: dict[int, tuple[str, int]] = field(default_factory=dict)  # file and line

    @property
    def refs(self) -> Mapping[int, list[tuple[str, tuple[int, ...]]]]:
        """Each declaration's possible instance reference: (``instance search``, the instances)."""
        return _Refs(self.uses)


class _Refs(Mapping[int, list[tuple[str, tuple[int, ...]]]]):
    """:attr:`Instances.refs`, made when read (a stored state keeps the instances only)."""

    def __init__(self, uses: Mapping[int, tuple[int, ...]]) -> None:
        self.uses = uses

    def __getitem__(self, i: int) -> list[tuple[str, tuple[int, ...]]]:
        return [(INSTANCE_REF, self.uses[i])]

    def __iter__(self) -> Iterator[int]:
        return iter(self.uses)

    def __len__(self) -> int:
        return len(self.uses)


def _last(name: str) -> str:
    """A ledger name's last component as written (a renamed duplicate's ``@file:line`` left out)."""
    return name.partition("@")[0].rpartition(".")[2]


def is_instance(d: Declaration) -> bool:
    """Whether type-class search can pick ``d``: an ``instance``, or ``@[instance]`` on another."""
    return d.kind == "instance" or any(a == "instance" or a.startswith("instance ") for a in d.attributes)


def _split(text: str) -> Iterable[str]:
    for part in text.replace(RECEIVER, ".").split("."):
        part = part.strip("«»")
        if part:
            yield NOTATIONS.get(part, part)


def _unfolds(d: Declaration) -> bool:
    """Whether instance search sees through ``d`` (an abbreviation)."""
    return d.kind == "abbrev" or any(a in _REDUCIBLE for a in d.attributes)


#: :meth:`_Words.expand`'s answer for an abbreviation of a literal (its body writes no name)
_LITERAL: frozenset[str] = frozenset()


def _whole(d: Declaration, typed: AbstractSet[str]) -> bool:
    """Whether all ``d`` writes states what using it elaborates: an abbreviation (instance search
    unfolds it), a structure, class or inductive type (its fields' and constructors' types), a
    definition whose type is not written (its body fixes it: ``def b := a``)."""
    return _unfolds(d) or d.kind in _STATING_KINDS or (not typed and d.kind not in ("theorem", "lemma"))


def _key(d: Declaration, typed: frozenset[str], last: Mapping[str, Sequence[int]],
         decls: Sequence[Declaration], expand: Mapping[str, frozenset[str]],
         searched: AbstractSet[str] = frozenset()) -> tuple[frozenset[str], ...] | None:
    """The groups of words a declaration must have one of each of to find ``d``, whose stated
    type writes the names ``typed`` (None: every declaration may find it).  ``searched``: the
    classes some instance takes as an instance argument (a search for what it gives searches
    them, no name of theirs written)."""
    # a project abbreviation of a literal (`abbrev N := 3`) unfolds to what no name writes
    words = {w for w in typed if expand.get(w) != _LITERAL}
    hidden = True
    stated = _class_of(d)
    if stated is not None:
        written, cls = stated
        if cls in ARGUMENT_CLASSES:
            return None
        if cls in words and len(words) > 1:
            words.discard(cls)
        # a project class that extends nothing is found only where its name is written (or a
        # statement read brings it); a library class, or one that extends another, may be
        # searched for through the classes it gives instances of
        owners = [decls[j] for j in last.get(cls, ()) if decls[j].kind in ("class", "structure")
                  and (decls[j].name == written or decls[j].name.endswith("." + written))]
        hidden = not owners or any(structure_parents(o.signature) for o in owners) or cls in searched
    if not words:
        return None  # its type is not stated readably
    project = {w for w in words if w in last}
    groups: list[frozenset[str]] = []
    if project:  # a goal it answers holds one of them (or what one abbreviates)
        groups.append(frozenset().union(*(expand.get(w, frozenset({w})) for w in project)))
    if not hidden:
        groups.append(frozenset({cls}))
    elif not project and not _numeral_type(d) and len(words) == len(typed):
        groups.append(frozenset(words))
    return tuple(groups) if groups else None


def _class_of(d: Declaration) -> tuple[str, str] | None:
    """The class ``d``'s stated type applies, as written, and its last name component (None:
    not read)."""
    heads = [h for h in decode_heads(d.result_type) if h != FUNCTION and not h.startswith(ARG)]
    if not heads or heads[0] == UNKNOWN or heads[0].startswith("="):
        return None
    written = heads[0].removeprefix("_root_.")
    return written, next(iter(_split(written.rpartition(".")[2])), written)


def _numeral_type(d: Declaration) -> bool:
    """Whether ``d``'s stated type applies its class to a literal's type itself (``Nat``, a
    numeral's; ``String``, ``List``, …: :data:`LITERAL_TYPES`)."""
    return any(h.startswith(ARG) and _split_one(h[len(ARG):]) in LITERAL_TYPES for h in decode_heads(d.result_type))


def _sees(file_bit: Mapping[str, int] | None, sees: Mapping[str, int] | None, viewer: str, target: str) -> bool:
    """Whether file ``viewer`` sees file ``target``: itself, or one it imports (when either is
    not known: yes)."""
    if viewer == target or file_bit is None or sees is None:
        return True
    b, row = file_bit.get(target), sees.get(viewer)
    return b is None or row is None or bool((row >> b) & 1)


def _after(d: Declaration, file: str, line: int) -> bool:
    """Whether ``d`` stands after line ``line`` of ``file`` (or in another file)."""
    return d.file != file or d.line > line


def _split_one(name: str) -> str:
    return NOTATIONS.get(name.removeprefix("_root_."), name.removeprefix("_root_."))


def stated_type(signature: str) -> str:
    """The type a signature states: what follows its first colon outside brackets."""
    depth = 0
    for k, ch in enumerate(signature):
        if ch in "([{⟨⦃":
            depth += 1
        elif ch in ")]}⟩⦄":
            depth -= 1
        elif ch == ":" and depth == 0 and signature[k + 1 : k + 2] == " " and signature[k - 1 : k] == " ":
            return signature[k + 2 :]
    return signature


def instance_uses(decls: Sequence[Declaration], edges: Sequence[Sequence[int]],
                  file_bit: Mapping[str, int] | None, sees: Mapping[str, int] | None) -> Instances:
    """For each declaration that may find an instance which is not proven, those instances (see
    the module's docstring).  ``edges``: the certain and possible uses of each declaration."""
    n = len(decls)
    insts = tuple(i for i, d in enumerate(decls) if is_instance(d))
    if not insts:
        return Instances()
    sources = [i for i, d in enumerate(decls)
               if d.sorry_lines or d.kind in ("axiom", "proof_wanted") or d.trusts]
    if not sources:
        return Instances(ids=insts)
    rev: list[list[int]] = [[] for _ in range(n)]
    for i, succ in enumerate(edges):
        for j in succ:
            rev[j].append(i)
    bad = [False] * n
    queue: deque[int] = deque()

    def reach(start: Iterable[int]) -> list[int]:
        """Reverse search from ``start``; returns the instances newly found not proven."""
        found = []
        for i in start:
            if not bad[i]:
                bad[i] = True
                queue.append(i)
        while queue:
            j = queue.popleft()
            if j in inst_set:
                found.append(j)
            for i in rev[j]:
                if not bad[i]:
                    bad[i] = True
                    queue.append(i)
        return found

    inst_set = frozenset(insts)
    todo = reach(sources)
    if not todo:
        return Instances(ids=insts)
    words = _Words(decls, edges)
    out: dict[int, list[int]] = defaultdict(list)
    result = Instances(ids=insts)
    while todo:
        result.keys.update((i, words.key(i)) for i in todo)
        users = words.users(todo, result.keys, file_bit, sees)
        more: list[int] = []
        for inst in sorted(todo):
            result.at[inst] = (decls[inst].file, decls[inst].line)
            for u in users.get(inst, ()):
                out[u].append(inst)
                more.append(u)
        todo = reach(more)
    result.uses = {i: tuple(sorted(found)) for i, found in out.items()}
    result.bad = frozenset(result.keys)
    return result


class _Words:
    """What the declarations write (their words), and which of given instances' keys each may
    elaborate."""

    def __init__(self, decls: Sequence[Declaration], edges: Sequence[Sequence[int]]) -> None:
        self.decls, self.edges = decls, edges
        self._parts: dict[int, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {}
        self._expand: dict[str, frozenset[str]] | None = None
        self._stated: dict[int, list[int]] = {}
        self._own: dict[int, frozenset[str]] = {}
        self._lasts: dict[int, str] = {}
        self._last: dict[str, list[int]] | None = None
        self._by_file: dict[str, list[int]] | None = None
        self._searched: frozenset[str] | None = None

    # the tables over every declaration are made when first read: a refresh after a proof
    # edit (refresh_uses) reads only the declarations the edited ones lead to
    @property
    def last(self) -> dict[str, list[int]]:
        """Last name component -> the declarations so named."""
        if self._last is None:
            last: dict[str, list[int]] = defaultdict(list)
            for i, d in enumerate(self.decls):
                if d.kind != "example":
                    last[d.name.rpartition(".")[2]].append(i)
            self._last = dict(last)
        return self._last

    @property
    def by_file(self) -> dict[str, list[int]]:
        if self._by_file is None:
            by_file: dict[str, list[int]] = defaultdict(list)
            for i, d in enumerate(self.decls):
                by_file[d.file].append(i)
            self._by_file = dict(by_file)
        return self._by_file

    def lasts(self, j: int) -> str:
        got = self._lasts.get(j)
        if got is None:
            got = self._lasts[j] = _last(self.decls[j].name)
        return got

    def parts(self, i: int) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        """The names ``decls[i]`` writes: in its stated type, in its binders, elsewhere."""
        got = self._parts.get(i)
        if got is None:
            got = self._parts[i] = decode_words(self.decls[i].words)
        return got

    def own(self, i: int) -> frozenset[str]:
        got = self._own.get(i)
        if got is None:
            typed, bound, rest = self.parts(i)
            got = self._own[i] = typed | bound | rest
        return got

    def searching(self, i: int) -> frozenset[str]:
        """The names ``decls[i]`` may ask instance search about: all it writes, but for an
        instance the class its own statement provides (stating it searches for nothing)."""
        words = self.own(i)
        d = self.decls[i]
        if is_instance(d):
            stated = _class_of(d)
            _, bound, rest = self.parts(i)
            if stated is not None and stated[1] not in bound and stated[1] not in rest:
                words = words - {stated[1]}
        return words

    def stated(self, i: int) -> list[int]:
        """The project declarations the statement of ``decls[i]`` names (the whole text of an
        abbreviation, which instance search unfolds): those of its uses whose last name
        component its statement writes."""
        got = self._stated.get(i)
        if got is None:
            if _whole(self.decls[i], self.parts(i)[0]):
                got = list(self.edges[i])
            else:
                words, lasts = self.stated_words(i), self.lasts
                got = [j for j in self.edges[i] if lasts(j) in words]
            self._stated[i] = got
        return got

    def stated_words(self, i: int) -> frozenset[str]:
        """The names the statement of ``decls[i]`` writes (all of them where :func:`_whole`)."""
        typed, bound, rest = self.parts(i)
        return typed | bound | rest if _whole(self.decls[i], typed) else typed | bound

    def expand(self) -> dict[str, frozenset[str]]:
        """A project abbreviation's name -> it and, through abbreviations, a name what it unfolds
        to must hold: instance search unfolds it, so a goal may hold either.  The unfolded form
        holds every name its body writes; one is taken, read from the body alone (a project
        name before a library one, then the longest: the most specific, as a rule)."""
        if self._expand is None:
            out: dict[str, frozenset[str]] = {}
            last = self.last
            names = [w for w, ids in last.items() if any(_unfolds(self.decls[j]) for j in ids)]
            for w in names:
                seen = [w]
                while True:
                    body = set().union(*(self.parts(j)[2] for j in self.last.get(seen[-1], ())
                                         if _unfolds(self.decls[j])))
                    body -= set(seen)
                    if not body:
                        if len(seen) == 1 and not any(self.parts(j)[2] for j in self.last.get(w, ())
                                                      if _unfolds(self.decls[j])):
                            out[w] = _LITERAL  # `abbrev N := 3`: unfolds to no name
                        break
                    seen.append(min(body, key=lambda v: (v not in last, -len(v), v)))
                if len(seen) > 1:
                    out[w] = frozenset(seen)
            self._expand = out
        return self._expand

    @property
    def searched(self) -> frozenset[str]:
        """The names instances' binders write: the classes of their instance arguments among them
        (a search for what such an instance gives searches them)."""
        if self._searched is None:
            self._searched = frozenset().union(*(self.parts(i)[1] for i, d in enumerate(self.decls)
                                                 if is_instance(d)))
        return self._searched

    def key(self, i: int) -> Key:
        return _key(self.decls[i], self.parts(i)[0], self.last, self.decls, self.expand(), self.searched)

    def users(self, insts: Sequence[int], keys: Mapping[int, Key], file_bit: Mapping[str, int] | None,
              sees: Mapping[str, int] | None) -> dict[int, list[int]]:
        """Each instance of ``insts`` (keyed by ``keys``): the declarations that may find it."""
        decls = self.decls
        bits = _bits(keys[i] for i in insts)
        # the files that see each instance's file (itself, and those importing it)
        seeing: dict[str, frozenset[str]] = {}
        for f in {decls[i].file for i in insts}:
            seeing[f] = frozenset(g for g in self.by_file if _sees(file_bit, sees, g, f))
        relevant = sorted({i for fs in seeing.values() for g in fs for i in self.by_file[g]})
        mask = self.masker(bits)
        having: list[list[int]] = [[] for _ in bits]  # key word -> the declarations that may elaborate it
        for i in relevant:
            m = mask(i)
            while m:
                low = m & -m
                having[low.bit_length() - 1].append(i)
                m ^= low
        out: dict[int, list[int]] = {}
        for inst in insts:
            d = decls[inst]
            found: set[int] | None = None
            for words in keys[inst] or ():
                got = {i for w in words for i in having[bits[w]]}
                found = got if found is None else found & got
            fs = seeing[d.file]
            out[inst] = [i for i in (relevant if found is None else sorted(found))
                         if i != inst and decls[i].file in fs and _after(decls[i], d.file, d.line)]
        return out

    def masker(self, bits: Mapping[str, int]) -> Callable[[int], int]:
        """``mask(i)``: the bits of the key words ``decls[i]`` may elaborate: those its own text
        writes, and those the statements of what it uses write, transitively."""
        masks = {w: 1 << k for w, k in bits.items()}
        reach = _reach_bits(self.stated, lambda i: _or(masks.get(w, 0) for w in self.stated_words(i)))
        return lambda i: _or(masks.get(w, 0) for w in self.searching(i)) | _or(reach(j) for j in self.edges[i])


def _bits(keys: Iterable[Key]) -> dict[str, int]:
    """A bit for each word of the keys."""
    bits: dict[str, int] = {}
    for groups in keys:
        for words in groups or ():
            for w in words:
                bits.setdefault(w, len(bits))
    return bits


def _finds(key: Key, bits: Mapping[str, int], mask: int) -> bool:
    """Whether a declaration that may elaborate the key words ``mask`` finds an instance keyed ``key``."""
    return all(mask & _or(1 << bits[w] for w in words) for words in key or ())


def _or(values: Iterable[int]) -> int:
    acc = 0
    for v in values:
        acc |= v
    return acc


def _reach_bits(succ: Callable[[int], Sequence[int]], bits: Callable[[int], int]) -> Callable[[int], int]:
    """``reach(i)``: the union of ``bits`` over every node reachable from ``i`` along ``succ``
    (itself included), memoised over the strongly connected components (Tarjan, iterative)."""
    memo: dict[int, int] = {}
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on: set[int] = set()

    def reach(root: int) -> int:
        got = memo.get(root)
        if got is not None:
            return got
        work: list[tuple[int, Iterator[int]]] = []

        def push(v: int) -> None:
            index[v] = low[v] = len(index)
            stack.append(v)
            on.add(v)
            work.append((v, iter(succ(v))))

        push(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    push(w)
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    u = work[-1][0]
                    low[u] = min(low[u], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    acc = 0
                    for w in comp:
                        acc |= bits(w)
                        for x in succ(w):
                            if x in memo:
                                acc |= memo[x]
                    for w in comp:
                        memo[w] = acc
        return memo[root]

    return reach


def merge(possible: Sequence[Sequence[int]], possible_refs: Sequence[Sequence[tuple[str, Sequence[int]]]],
          inst: Mapping[int, list[tuple[str, tuple[int, ...]]]]) -> tuple[list[Sequence[int]], list[Sequence[tuple[str, Sequence[int]]]]]:
    """The possible uses and references with the instance ones ``inst`` added (:class:`Merged`, read)."""
    return list(Merged(possible, possible_refs, inst, False)), list(Merged(possible, possible_refs, inst, True))


def with_instances(decls: Sequence[Declaration], uses: Sequence[Sequence[int]], possible: Sequence[Sequence[int]],
                   possible_refs: Sequence[Sequence[tuple[str, Sequence[int]]]],
                   file_bit: Mapping[str, int] | None, sees: Mapping[str, int] | None,
                   ) -> tuple[Instances, list[Sequence[int]], list[Sequence[tuple[str, Sequence[int]]]]]:
    """:func:`instance_uses` over the certain ``uses`` and ``possible`` ones, and both merged."""
    inst = instance_uses(decls, list(Joined(uses, possible)), file_bit, sees)
    if not inst.refs:
        return inst, list(possible), list(possible_refs)
    return (inst, *merge(possible, possible_refs, inst.refs))


class Joined(Sequence[Sequence[int]]):
    """Certain and possible uses per declaration, joined when read (a stored state's lists are
    decoded one by one: a refresh reads those the edit leads to)."""

    def __init__(self, uses: Sequence[Sequence[int]], possible: Sequence[Sequence[int]]) -> None:
        self.uses, self.possible = uses, possible

    def __len__(self) -> int:
        return len(self.uses)

    def __getitem__(self, i: int) -> Sequence[int]:  # type: ignore[override]
        u, p = self.uses[i], self.possible[i]
        return [*u, *p] if p else u


class Merged(Sequence[Any]):
    """:func:`merge`'s possible uses (``refs`` False) or references (True), made when read."""

    def __init__(self, possible: Sequence[Sequence[int]], possible_refs: Sequence[Sequence[tuple[str, Sequence[int]]]],
                 inst: Mapping[int, Sequence[tuple[str, tuple[int, ...]]]], refs: bool) -> None:
        self.possible, self.possible_refs, self.inst, self.refs = possible, possible_refs, inst, refs

    def __len__(self) -> int:
        return len(self.possible)

    def __getitem__(self, i: int) -> Any:  # type: ignore[override]
        extra = self.inst.get(i)
        if self.refs:
            return self.possible_refs[i] if extra is None else [*self.possible_refs[i], *extra]
        return self.possible[i] if extra is None else sorted({*self.possible[i], *(j for _, c in extra for j in c)})


def unproven(ids: Iterable[int], dist: Sequence[int], axioms: Sequence[frozenset[str]],
             trusts: Sequence[frozenset[str]]) -> frozenset[int]:
    """The instances of ``ids`` a derivation finds not proven (a sorry, an axiom or a trust reached)."""
    return frozenset(i for i in ids if dist[i] >= 0 or axioms[i] or trusts[i])


def refresh_uses(prev: Instances, decls: Sequence[Declaration], edges: Sequence[Sequence[int]],
                 file_bit: Mapping[str, int] | None, sees: Mapping[str, int] | None,
                 before: Mapping[int, tuple[Declaration, Sequence[int]]]) -> dict[int, tuple[int, ...]] | None:
    """Each declaration's possible instance uses after a proof edit of the declarations
    ``before`` holds (each with its declaration and uses before the edit), taking the instances
    not proven to be still ``prev.bad``: the caller derives with them and checks that they are
    (:func:`unproven`); the fixed point being unique, the answer is then :func:`instance_uses`'.
    Only the edited declarations' own uses are made again, reading only what they lead to.
    None when the edit may change more: an instance or an abbreviation edited, or what an edited
    statement's names resolve to (the statements others read through it)."""
    words = _Words(decls, edges)
    redo = []
    for i, (old, old_edges) in before.items():
        new = decls[i]
        if old.words == new.words and list(old_edges) == list(edges[i]) and old.kind == new.kind \
                and old.attributes == new.attributes:
            continue  # (a declaration of the edited file that the edit left as it was)
        redo.append(i)
        typed, bound, _ = decode_words(old.words)
        if is_instance(old) != is_instance(new) or _whole(old, typed) or _whole(new, words.parts(i)[0]):
            return None
        if typed | bound != words.stated_words(i) or \
                [j for j in old_edges if words.lasts(j) in typed | bound] != words.stated(i):
            return None
    again = set(redo)
    uses = {i: r for i, r in prev.uses.items() if i not in again}
    if not prev.bad or not redo:
        return uses
    bad = sorted(prev.bad)
    bits = _bits(prev.keys[i] for i in bad)
    mask = words.masker(bits)
    for i in redo:
        d, m = decls[i], None
        got = []
        for inst in bad:
            file, line = prev.at[inst]
            if inst == i or not _after(d, file, line) or not _sees(file_bit, sees, d.file, file):
                continue
            if m is None:
                m = mask(i)
            if _finds(prev.keys[inst], bits, m):
                got.append(inst)
        if got:
            uses[i] = tuple(got)
    return uses
