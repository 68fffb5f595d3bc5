"""Incremental derivation: after an edit, re-derive only the declarations the edit can reach.

A declaration's record depends on its own inputs (text, resolved uses, notes: ``own_inputs``)
and on everything it reaches through certain or possible uses.  So when some declarations'
own inputs changed, exactly those that can reach a changed one through either kind of use (the
changed ones included: the *affected* set) can get a different record; every other
declaration's derivation lies wholly among unaffected declarations, and its record stands.
The declarations reaching one read only part of its inputs (its name, whether it holds a
sorry, its own axiom and trusts, its uses: ``derive.SEEN``); one whose other inputs alone
changed (a line moved, a note) affects only itself.

The full derivation (:func:`zerosorry.ledger.derive.derive_state`) runs two breadth-first
searches from all sorry holders at once, one over certain and possible uses, one over certain
uses only (a ``via`` chain prefers certain uses).  Each picks a chain's next step by the order in
which it meets declarations, and that order is local: at each distance it sorts declarations by
their chain read backwards (the holder's index first, then the next declaration's, and so on;
sources are met in index order and each declaration's users in index order).  So the affected
declarations can be re-derived alone, in order of distance, and still pick exactly the chain the
full search would, in either graph.  The unaffected keep their order: declarations are numbered
by file and position, and a numbering change never reorders two declarations of unchanged files.
Property tests hold the two equal.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .derive import (
    SEEN,
    Derived,
    DeriveInputs,
    _sccs,
    graphs,
    holds_sorry,
    make_record,
    own_axiom,
    own_inputs,
    own_trust,
    reverse,
)
from .model import Declaration, Record

if TYPE_CHECKING:  # only mypy reads these annotations
    from typing_extensions import Unpack


def rederive(
    prev: Derived,
    decls: Sequence[Declaration],
    uses: Sequence[Sequence[int]],
    *,
    old_of: Sequence[int] | None = None,
    check: Iterable[int] | None = None,
    **given: Unpack[DeriveInputs],
) -> tuple[Derived, set[int]]:
    """The derivation :func:`zerosorry.ledger.derive.derive_state` would give (tracked),
    reusing ``prev`` wherever the edit cannot reach.

    ``old_of[i]``: declaration ``i``'s index in ``prev`` (-1: new; None: the numbering is the
    same).  ``check``: the declarations whose own inputs may differ from before (default: all);
    the others must have the same inputs as their previous selves.  Returns the derivation and
    the affected declarations."""
    n = len(decls)
    # as derive_state reads a missing input: none
    external, approximate = given.get("external") or [0] * n, given.get("approximate") or [()] * n
    possible, reasons = given.get("possible"), given.get("reasons") or [None] * n
    possible_refs = given.get("possible_refs") or [()] * n
    same = old_of is None
    if same:
        assert n == len(prev.decls)
        ids = sorted(set(range(n) if check is None else check))
        c_new, m_new, e_new = graphs(uses, possible, ids)
        # copied on write: ``prev`` stays as it was (``copy()``: a stored state's graphs are
        # zerosorry.lazy.Ragged, which copies without decoding)
        certain, maybe, edges = prev.certain.copy(), prev.maybe.copy(), prev.edges.copy()
        rev, rev_c = prev.rev.copy(), prev.rev_c.copy()
        for graph, back, news in ((edges, rev, e_new), (certain, rev_c, c_new)):
            for i, new in zip(ids, news, strict=True):
                old = graph[i]
                if old == new:
                    continue
                for j in set(old) - set(new):
                    back[j] = [k for k in back[j] if k != i]
                for j in set(new) - set(old):
                    back[j] = sorted([*back[j], i])
                graph[i] = new
        for i, m in zip(ids, m_new, strict=True):
            maybe[i] = m
        inputs = list(prev.inputs)
        carried = list(range(n))
    else:
        assert old_of is not None
        ids = list(range(n)) if check is None else sorted(set(check) | {i for i in range(n) if old_of[i] < 0})
        certain, maybe, edges = graphs(uses, possible, range(n))
        rev, rev_c = reverse(n, edges), reverse(n, certain)
        inputs = [prev.inputs[o] if o >= 0 else () for o in old_of]
        carried = [i for i in range(n) if old_of[i] >= 0]
    seeds: set[int] = set()  # own inputs changed
    spread: set[int] = set()  # and what the declarations reaching it read of it
    for i in ids:
        now = own_inputs(decls, i, certain[i], maybe[i], possible_refs[i], external[i], approximate[i], reasons[i])
        if same or old_of is None or old_of[i] >= 0:
            was = inputs[i]
            if now != was:
                seeds.add(i)
                if now[:SEEN] != was[:SEEN]:
                    spread.add(i)
        else:
            seeds.add(i)
            spread.add(i)
        inputs[i] = now
    affected = set(spread)
    stack = list(spread)
    while stack:
        j = stack.pop()
        for i in rev[j]:
            if i not in affected:
                affected.add(i)
                stack.append(i)
    affected |= seeds  # whose change only their own record reads

    # the unaffected keep their distances, chains and closures (all they reach is unaffected)
    def carry(values: Sequence[int], step: bool) -> list[int]:
        if same:
            return list(values)
        out = [-1] * n
        assert old_of is not None
        new_of = [-1] * len(prev.decls)
        for i in carried:
            new_of[old_of[i]] = i
        for i in carried:
            v = values[old_of[i]]
            out[i] = (new_of[v] if v >= 0 else -1) if step else v
        return out

    dist, nxt = carry(prev.dist, False), carry(prev.nxt, True)
    dist_c, nxt_c = carry(prev.dist_c, False), carry(prev.nxt_c, True)
    if same:
        axioms, trusts = prev.axioms.copy(), prev.trusts.copy()
    else:
        assert old_of is not None
        axioms = [prev.axioms[o] if o >= 0 else frozenset[str]() for o in old_of]
        trusts = [prev.trusts[o] if o >= 0 else frozenset[str]() for o in old_of]
    _search(decls, edges, rev, affected, dist, nxt)
    _search(decls, certain, rev_c, affected, dist_c, nxt_c)
    _closures(decls, edges, affected, axioms, trusts)

    st = Derived(decls, certain, maybe, edges, rev, rev_c, dist, nxt, dist_c, nxt_c, axioms, trusts, inputs, [])
    def record(i: int) -> Record:
        return make_record(st, i, possible_refs[i], external[i], approximate[i], reasons[i])

    if same:
        st.records = prev.records.copy()  # (a stored state's are zerosorry.ledger.encode.RecordLines)
        for i in affected:
            st.records[i] = record(i)
    else:
        assert old_of is not None
        st.records = [record(i) if i in affected else prev.records[o] for i, o in enumerate(old_of)]
    return st, affected


def _search(decls: Sequence[Declaration], edges: Sequence[Sequence[int]], rev: Sequence[Sequence[int]],
            affected: set[int], dist: list[int], nxt: list[int]) -> None:
    """The breadth-first search's distances and next steps of the ``affected`` declarations, the
    others' being known (and exits from the affected part)."""
    for a in affected:
        dist[a], nxt[a] = -1, -1
    # shortest distances: from the sorry holders among the affected and from the unaffected
    # declarations they use (which enter at their own distance)
    big = len(decls) + 1
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


def _closures(decls: Sequence[Declaration], edges: Sequence[Sequence[int]], affected: set[int],
              axioms: list[frozenset[str]], trusts: list[frozenset[str]]) -> None:
    """Axiom and trust closures over the affected part, whose exits are already known."""
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
