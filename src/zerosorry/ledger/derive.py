"""Derivation: from declarations and their resolved uses to statuses (a transitive closure).

* **proven**: no sorry anywhere in the derivation (the declaration and everything it uses,
  transitively);
* **deferred**: its own body, or something it transitively uses, holds a sorry.  ``via`` is the
  shortest chain of names from the declaration to one whose own text holds a sorry (``[itself]``
  when the sorry is its own), found by one breadth-first search from all sorry holders at once;
* **stub**: ``: True := sorry`` — a reserved name, claiming nothing;
* **axiom**: asserted without proof.

A use is *certain* (the source names it) or *possible* (field notation whose receiver's type
the source does not state: every project declaration with that last name component).  Both
count — a sorry behind a possible use still defers — but a declaration deferred only through
possible uses is marked ``possible_deferral``, its ``via`` runs through one, and its
``possible_refs`` say which written reference may denote which declarations.

Every declaration also lists the project axioms and trust extensions its derivation reaches,
computed over the strongly connected components (mutual blocks form cycles) in one pass.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from .model import Declaration, Diagnostic, PossibleRef, Record, Severity, Status

if TYPE_CHECKING:  # Unpack is in typing from 3.11; only mypy reads these annotations
    from typing_extensions import Unpack

#: Batteries' `proof_wanted`: a statement recorded without a proof (Lean checks the statement
#: and adds no declaration), so it is deferred on its own account, with no sorry token
WANTED_KINDS = frozenset({"proof_wanted"})
WANTED_REASON = "proof_wanted: the statement is recorded without a proof (Lean adds no declaration)"


def _sccs(n: int, edges: Sequence[Sequence[int]]) -> tuple[list[int], int]:
    """Tarjan's algorithm, iterative.  Returns (component of each node, count); components are
    numbered in reverse topological order (a component's successors have smaller numbers)."""
    index = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    comp = [-1] * n
    stack: list[int] = []
    counter = 0
    ncomp = 0
    for root in range(n):
        if index[root] != -1:
            continue
        work: list[tuple[int, int]] = [(root, 0)]
        while work:
            v, pi = work[-1]
            if pi == 0 and index[v] == -1:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack[v] = True
            succ = edges[v]
            if pi < len(succ):
                work[-1] = (v, pi + 1)
                w = succ[pi]
                if index[w] == -1:
                    work.append((w, 0))
                elif on_stack[w]:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    comp[w] = ncomp
                    if w == v:
                        break
                ncomp += 1
    return comp, ncomp


def _closure(n: int, edges: Sequence[Sequence[int]], own: Sequence[frozenset[str]],
             sccs: tuple[list[int], int] | None = None) -> list[frozenset[str]]:
    """For each node, the union of ``own`` over everything reachable from it (itself included).
    ``sccs`` is :func:`_sccs` of the graph when the caller already has it."""
    empty: frozenset[str] = frozenset()
    if not any(own):
        return [empty] * n
    comp, ncomp = sccs if sccs is not None else _sccs(n, edges)
    members: list[list[int]] = [[] for _ in range(ncomp)]
    for v in range(n):
        members[comp[v]].append(v)
    acc: list[frozenset[str]] = [empty] * ncomp
    for c in range(ncomp):  # successors' components are already done
        sets = []
        for v in members[c]:
            if own[v]:
                sets.append(own[v])
            for w in edges[v]:
                cw = comp[w]
                if cw != c and acc[cw]:
                    sets.append(acc[cw])
        if sets:
            acc[c] = sets[0] if len(sets) == 1 else frozenset().union(*sets)
    return [acc[comp[v]] for v in range(n)]


def _from_sorries(decls: Sequence[Declaration], edges: Sequence[Sequence[int]]) -> tuple[list[int], list[int]]:
    """Multi-source BFS from every declaration whose own text holds a sorry, backwards along
    ``edges``: each node's distance (-1: unreached) and its next step towards a sorry."""
    n = len(decls)
    rev = reverse(n, edges)
    dist = [-1] * n
    nxt = [-1] * n
    queue: deque[int] = deque()
    for i, d in enumerate(decls):
        if holds_sorry(d):
            dist[i] = 0
            queue.append(i)
    while queue:
        j = queue.popleft()
        for i in rev[j]:
            if dist[i] == -1:
                dist[i] = dist[j] + 1
                nxt[i] = j
                queue.append(i)
    return dist, nxt


@dataclass
class Derived:
    """A derivation with what an incremental re-derivation needs (ledger/incremental.py):
    both graphs, both searches' distances and next steps, the closures, and each declaration's
    own inputs (``inputs``: by name, so independent of the numbering; empty unless tracked)."""

    decls: Sequence[Declaration]
    certain: list[list[int]]
    maybe: list[list[int]]
    edges: list[list[int]]  # certain and possible
    rev: list[list[int]]  # of ``edges``
    rev_c: list[list[int]]  # of ``certain``
    dist: list[int]
    nxt: list[int]
    dist_c: list[int]
    nxt_c: list[int]
    axioms: list[frozenset[str]]
    trusts: list[frozenset[str]]
    inputs: list[tuple[object, ...]]
    records: list[Record]


def holds_sorry(d: Declaration) -> bool:
    return bool(d.sorry_lines) or d.kind in WANTED_KINDS


def own_axiom(d: Declaration) -> frozenset[str]:
    return frozenset({d.name}) if d.kind == "axiom" else frozenset()


def own_trust(d: Declaration) -> frozenset[str]:
    return frozenset(t.name for t in d.trusts)


def reverse(n: int, edges: Sequence[Sequence[int]]) -> list[list[int]]:
    rev: list[list[int]] = [[] for _ in range(n)]
    for i, succ in enumerate(edges):
        for j in succ:
            rev[j].append(i)
    return rev


def graphs(uses: Sequence[Sequence[int]], possible: Sequence[Sequence[int]] | None,
           ids: Sequence[int]) -> tuple[list[list[int]], list[list[int]], list[list[int]]]:
    """Certain uses, possible-only uses and both, of the declarations ``ids``."""
    certain = [sorted(set(uses[i])) for i in ids]
    if not possible:
        return certain, [[] for _ in ids], certain
    maybe = [sorted(set(possible[i]) - set(c)) for i, c in zip(ids, certain, strict=True)]
    edges = [sorted({*c, *m}) if m else c for c, m in zip(certain, maybe, strict=True)]
    return certain, maybe, edges


def own_inputs(decls: Sequence[Declaration], i: int, certain: Sequence[int], maybe: Sequence[int],
               possible_refs: Sequence[tuple[str, Sequence[int]]], external: int, approximate: Sequence[str],
               reason: str | None) -> tuple[object, ...]:
    """Everything a declaration's record reads besides what it reaches: when these are equal
    and nothing it reaches changed, its record is the same.  The first :data:`SEEN` items are
    all that the records of the declarations reaching it read of it (through the searches and
    the closures: its name, whether it holds a sorry, its own axiom and trusts, its uses); when
    only the others changed (a line, a note), only its own record can change."""
    d = decls[i]
    return (d.name, holds_sorry(d), d.kind == "axiom", tuple(t.name for t in d.trusts),
            tuple(decls[j].name for j in certain), tuple(decls[j].name for j in maybe),
            d.kind, d.file, d.line, d.end_line, d.column, d.signature, d.docstring, d.modifiers,
            d.attributes, d.sorry_lines, d.is_stub, d.auto_named, d.text_hash, external, tuple(approximate), reason,
            tuple((ref, tuple(decls[j].name for j in cands)) for ref, cands in possible_refs))


#: how many leading items of :func:`own_inputs` the declarations reaching one read
SEEN = 6


def named(inputs: tuple[object, ...]) -> tuple[object, object]:
    """The name and file of the declaration whose :func:`own_inputs` are ``inputs``."""
    return inputs[0], inputs[SEEN + 1]


def make_record(st: Derived, i: int, possible_refs: Sequence[tuple[str, Sequence[int]]],
                external: int, approximate: Sequence[str], reason: str | None) -> Record:
    decls, certain, maybe = st.decls, st.certain[i], st.maybe[i]
    d = decls[i]
    if d.kind == "axiom":
        status = Status.AXIOM
    elif d.is_stub:
        status = Status.STUB
    elif st.dist[i] >= 0:
        status = Status.DEFERRED
    else:
        status = Status.PROVEN
    via: list[str] = []
    only_possible = status is Status.DEFERRED and st.dist_c[i] < 0
    if status is Status.DEFERRED:
        d_, n_ = (st.dist, st.nxt) if only_possible else (st.dist_c, st.nxt_c)
        k = i
        via.append(decls[k].name)
        while d_[k] > 0:
            k = n_[k]
            via.append(decls[k].name)
    notes = list(approximate)
    if d.auto_named and d.kind == "instance":
        notes.insert(0, f"anonymous instance: the name {d.name} is zerosorry's guess at Lean's")
    axioms, trusts = st.axioms[i], st.trusts[i]
    return Record(
        name=d.name,
        kind=d.kind,
        status=status,
        file=d.file,
        line=d.line,
        end_line=d.end_line,
        signature=d.signature,
        docstring=d.docstring,
        uses=sorted({decls[j].name for j in certain}) if certain else [],
        possible_uses=sorted({decls[j].name for j in maybe}) if maybe else [],
        possible_refs=[PossibleRef(ref, sorted({decls[j].name for j in cands})) for ref, cands in possible_refs],
        possible_deferral=only_possible,
        sorry_lines=sorted(d.sorry_lines) if d.sorry_lines else [],  # one per sorry token
        via=via,
        axioms=sorted(axioms) if axioms else [],
        trusts=sorted(trusts) if trusts else [],
        modifiers=list(d.modifiers),
        attributes=list(d.attributes),
        external_refs=external,
        approximate=notes,
        reason=reason if reason else WANTED_REASON if d.kind in WANTED_KINDS else None,
        trust_uses=sorted(t.name for t in d.trusts) if d.trusts else [],
        text_hash=d.text_hash or None,
    )


def diagnostics(decls: Sequence[Declaration], records: Sequence[Record]) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    for d, r in zip(decls, records, strict=True):
        if d.kind == "instance" and r.status is Status.DEFERRED:
            diags.append(
                Diagnostic(
                    "sorried-instance",
                    f"instance {d.name} depends on a sorry; type-class search may pick it where no "
                    "name points to it: the declarations that may find it count it as a possible use "
                    "(a possible deferral; what the source cannot read, such as a type reached only "
                    "through a library lemma, is not counted: use --engine lean for the exact verdict)",
                    d.file,
                    d.line,
                    d.column,
                    Severity.WARNING,
                )
            )
    return diags


class DeriveInputs(TypedDict, total=False):
    """What :func:`derive` and :func:`derive_state` take besides the declarations and their
    certain uses, each indexed like the declarations: uses outside the project (``external``),
    references read only approximately (``approximate``), possible uses and the ambiguous
    references behind them (``possible``, ``possible_refs``), and why a declaration holds a
    sorry no token says (``reasons``)."""

    external: Sequence[int] | None
    approximate: Sequence[Sequence[str]] | None
    possible: Sequence[Sequence[int]] | None
    possible_refs: Sequence[Sequence[tuple[str, Sequence[int]]]] | None
    reasons: Sequence[str | None] | None


def derive_state(
    decls: Sequence[Declaration], uses: Sequence[Sequence[int]], *, track: bool = False,
    **inputs: Unpack[DeriveInputs],
) -> Derived:
    """:func:`derive`, keeping its state; ``track``: record each declaration's own inputs too."""
    external, approximate = inputs.get("external"), inputs.get("approximate")
    possible, possible_refs, reasons = inputs.get("possible"), inputs.get("possible_refs"), inputs.get("reasons")
    n = len(decls)
    certain, maybe, edges = graphs(uses, possible, range(n))
    dist, nxt = _from_sorries(decls, edges)
    # through certain uses only: where a deferral needs no possible use, its chain is certain
    has_maybe = any(maybe)
    dist_c, nxt_c = _from_sorries(decls, certain) if has_maybe else (list(dist), list(nxt))
    own_axioms = [own_axiom(d) for d in decls]
    own_trusts = [own_trust(d) for d in decls]
    sccs = _sccs(n, edges) if any(own_axioms) or any(own_trusts) else None
    axioms = _closure(n, edges, own_axioms, sccs)
    trusts = _closure(n, edges, own_trusts, sccs)
    rev = reverse(n, edges) if track else []
    rev_c = (reverse(n, certain) if has_maybe else [list(r) for r in rev]) if track else []
    st = Derived(decls, certain, maybe, edges, rev, rev_c, dist, nxt, dist_c, nxt_c, axioms, trusts, [], [])
    no_refs: Sequence[tuple[str, Sequence[int]]] = ()
    for i in range(n):
        refs = possible_refs[i] if possible_refs else no_refs
        x = external[i] if external else 0
        a = approximate[i] if approximate else ()
        why = reasons[i] if reasons else None
        st.records.append(make_record(st, i, refs, x, a, why))
        if track:
            st.inputs.append(own_inputs(decls, i, certain[i], maybe[i], refs, x, a, why))
    return st


def derive(
    decls: Sequence[Declaration], uses: Sequence[Sequence[int]], **inputs: Unpack[DeriveInputs],
) -> tuple[list[Record], list[Diagnostic]]:
    """Statuses, chains, axioms and trusts for ``decls`` whose resolved uses are ``uses``
    (certain) and ``possible`` (possible).  ``reasons``: why a declaration holds a sorry when no
    sorry token says it (project syntax that expands to sorry, a declaring command without a proof)."""
    st = derive_state(decls, uses, **inputs)
    return st.records, diagnostics(decls, st.records)
