"""Incremental derivation: after an edit, re-derive only the declarations the edit can reach.

A declaration's record depends on its own text, its resolved uses and, through them, on
everything its derivation reaches.  So when some declarations changed (their text, their uses,
their name), exactly those that can reach a changed one (the changed ones included: the
*affected* set) can get a different record; every other declaration's derivation lies wholly
among unaffected declarations, and its previous record stands.

The full derivation (:func:`zerosorry.ledger.derive.derive_state`) picks each ``via`` chain by a
breadth-first search from all sorry holders at once; its tie-break between two equally short
chains is the order in which the search meets them.  That order is local: at each distance it
sorts declarations by their chain read backwards (the holder's index first, then the next
declaration's, and so on), so the affected declarations can be re-derived alone, in order of
distance, and still pick exactly the chain the full search would.  A Hypothesis test holds the
two equal after random edit sequences.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence

from .derive import (
    Derived,
    _sccs,
    holds_sorry,
    make_record,
    own_axiom,
    own_trust,
    reverse,
)
from .model import Declaration, Record


def rederive(
    prev: Derived,
    decls: Sequence[Declaration],
    uses: Sequence[Sequence[int]],
    *,
    external: Sequence[int],
    approximate: Sequence[Sequence[str]],
    old_of: Sequence[int],
    changed: Iterable[int],
    check: Iterable[int] | None = None,
    same_numbering: bool = False,
) -> tuple[Derived, set[int]]:
    """The derivation of ``decls``, reusing ``prev`` wherever the edit cannot reach.

    ``old_of[i]`` is declaration ``i``'s index in ``prev`` (-1: new); ``prev``'s declarations
    may be the same objects as ``decls`` (renamed since): only its records are read for names. ``changed`` are the
    declarations whose own text changed.  Declarations in ``check`` (default: all) are compared
    with their previous selves for a different name, resolution or use; the others are known
    to be unchanged.  ``same_numbering``: the declarations are the previous ones, in the same
    order (``old_of`` is the identity), and only those in ``check`` may use others than before.
    Returns the derivation and the affected declarations (new indices)."""
    n = len(decls)
    if same_numbering and check is not None:
        check = list(check)
        edges = list(prev.edges)
        rev = list(prev.rev)  # copied on write: ``prev`` stays as it was
        for i in check:
            edges[i] = sorted(set(uses[i]))
            for j in prev.edges[i]:
                rev[j] = [k for k in rev[j] if k != i]
            for j in edges[i]:
                rev[j] = [*rev[j], i]
        new_of = list(range(n))
    else:
        same_numbering = False
        edges = [sorted(set(u)) for u in uses]
        rev = reverse(n, edges)
        new_of = [-1] * len(prev.records)
        for i, o in enumerate(old_of):
            if o >= 0:
                new_of[o] = i
    seeds = set(changed)
    for i in range(n) if check is None else check:
        o = old_of[i]
        if o < 0 or i in seeds:
            seeds.add(i)
            continue
        if (decls[i].name != prev.records[o].name or decls[i].file != prev.records[o].file or external[i] != prev.external[o]
                or list(approximate[i]) != list(prev.approximate[o])):
            seeds.add(i)
            continue
        before = prev.edges[o]
        if len(before) != len(edges[i]) or any(new_of[j] != k for j, k in zip(before, edges[i], strict=True)):
            seeds.add(i)
    if not same_numbering:
        seeds.update(i for i in range(n) if old_of[i] < 0)
    affected = set(seeds)
    stack = list(seeds)
    while stack:
        j = stack.pop()
        for i in rev[j]:
            if i not in affected:
                affected.add(i)
                stack.append(i)

    # the unaffected keep their distance and chain (their successors are unaffected too)
    if same_numbering:
        dist, nxt, axioms, trusts = list(prev.dist), list(prev.nxt), list(prev.axioms), list(prev.trusts)
    else:
        dist = [-1] * n
        nxt = [-1] * n
        axioms = [frozenset[str]()] * n
        trusts = [frozenset[str]()] * n
        for i in range(n):
            if i in affected:
                continue
            o = old_of[i]
            dist[i] = prev.dist[o]
            nxt[i] = new_of[prev.nxt[o]] if prev.nxt[o] >= 0 else -1
            axioms[i] = prev.axioms[o]
            trusts[i] = prev.trusts[o]
    for a in affected:
        dist[a], nxt[a] = -1, -1

    # shortest distances of the affected: a search from the sorry holders among them and from
    # the unaffected declarations they use (which enter at their own distance)
    big = n + 1
    best = {}
    heap: list[tuple[int, int]] = []
    for a in affected:
        d = 0 if holds_sorry(decls[a]) else min(
            (dist[j] + 1 for j in edges[a] if j not in affected and dist[j] >= 0), default=big)
        best[a] = d
        if d < big:
            heap.append((d, a))
    heapq.heapify(heap)
    order: list[int] = []
    while heap:
        d, j = heapq.heappop(heap)
        if d != best[j]:  # a stale entry: j was reached by a shorter chain since
            continue
        order.append(j)
        for i in rev[j]:
            if i in affected and best[i] > d + 1:
                best[i] = d + 1
                heapq.heappush(heap, (d + 1, i))
    for a in affected:
        dist[a] = best[a] if best[a] < big else -1

    # each chain's next step: of the uses one step nearer a sorry, the one the breadth-first
    # search meets first, i.e. the least chain read backwards
    keys: dict[int, tuple[int, ...]] = {}

    def key(j: int) -> tuple[int, ...]:
        chain = []
        k = j
        while k not in keys and dist[k] > 0:
            chain.append(k)
            k = nxt[k]
        base = keys.get(k)
        if base is None:
            base = keys[k] = (k,)
        for c in reversed(chain):
            base = keys[c] = (*base, c)
        return base

    for a in sorted(order, key=lambda a: (dist[a], a)):
        if dist[a] <= 0:
            continue
        want = dist[a] - 1
        cands = [j for j in edges[a] if dist[j] == want]
        nxt[a] = cands[0] if len(cands) == 1 else min(cands, key=key)

    # axioms and trusts: closures over the affected part, whose exits are already known
    _closures(decls, edges, affected, axioms, trusts)

    def record(i: int) -> Record:
        return make_record(decls, i, edges[i], dist, nxt, axioms[i], trusts[i], external[i], approximate[i])

    if same_numbering:
        records = list(prev.records)
        for i in affected:
            records[i] = record(i)
    else:
        records = [record(i) if i in affected else prev.records[old_of[i]] for i in range(n)]
    return Derived(decls, edges, rev, dist, nxt, axioms, trusts, external, approximate, records), affected


def _closures(decls: Sequence[Declaration], edges: Sequence[Sequence[int]], affected: set[int],
              axioms: list[frozenset[str]], trusts: list[frozenset[str]]) -> None:
    nodes = sorted(affected)
    local = {v: k for k, v in enumerate(nodes)}
    sub = [[local[j] for j in edges[v] if j in local] for v in nodes]
    comp, ncomp = _sccs(len(nodes), sub)
    members: list[list[int]] = [[] for _ in range(ncomp)]
    for k, c in enumerate(comp):
        members[c].append(nodes[k])
    for out, own in ((axioms, own_axiom), (trusts, own_trust)):
        acc: list[frozenset[str]] = [frozenset()] * ncomp
        for c in range(ncomp):  # successors' components come first
            sets = []
            for v in members[c]:
                mine = own(decls[v])
                if mine:
                    sets.append(mine)
                for w in edges[v]:
                    lw = local.get(w)
                    theirs = out[w] if lw is None else (acc[comp[lw]] if comp[lw] != c else None)
                    if theirs:
                        sets.append(theirs)
            if sets:
                acc[c] = sets[0] if len(sets) == 1 else frozenset().union(*sets)
        for k, v in enumerate(nodes):
            out[v] = acc[comp[k]]
