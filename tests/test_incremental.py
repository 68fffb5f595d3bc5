"""Incremental re-derivation equals a full derivation, over random graphs of certain and
possible uses with random sorry holders, axioms and trusts, after random edits (with the same
numbering, and with declarations added and removed)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from zerosorry.ledger.derive import derive_state, diagnostics
from zerosorry.ledger.incremental import rederive
from zerosorry.ledger.model import Declaration, TrustUse

KINDS = ("theorem", "def", "axiom", "instance", "proof_wanted")


@st.composite
def node(draw: st.DrawFn, n: int) -> tuple[str, bool, bool, list[int], list[int]]:
    """(kind, sorry, trust, certain uses, possible uses) of one declaration among ``n``."""
    kind = draw(st.sampled_from(KINDS)) if draw(st.integers(0, 5)) == 0 else "theorem"
    targets = st.lists(st.integers(0, n - 1), max_size=4)
    return kind, draw(st.integers(0, 4)) == 0, draw(st.integers(0, 6)) == 0, draw(targets), draw(targets)


@st.composite
def graph(draw: st.DrawFn, n: int) -> list[tuple[str, bool, bool, list[int], list[int]]]:
    return [draw(node(n)) for _ in range(n)]


def build(g: list[tuple[str, bool, bool, list[int], list[int]]], names: list[str]) -> dict[str, object]:
    line = [int(nm[1:]) + (1 if nm[0] == "N" else 100) for nm in names]  # a kept declaration keeps its line
    decls = [Declaration(name=nm, kind=k, file="F.lean", line=ln, end_line=ln,
                         sorry_lines=(ln,) if s else (), trusts=(TrustUse("T" + nm[-1], ln),) if t else ())
             for (k, s, t, _, _), nm, ln in zip(g, names, line, strict=True)]
    return dict(decls=decls, uses=[c for *_, c, _ in g], possible=[p for *_, p in g],
                possible_refs=[[("x.f", tuple(sorted(set(p))))] if p else [] for *_, p in g],
                external=[0] * len(g), approximate=[[] for _ in g], reasons=[None] * len(g))


def full(args: dict[str, object]) -> list[object]:
    s = derive_state(track=True, **args)  # type: ignore[arg-type]
    return [s.records, diagnostics(s.decls, s.records)]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 14).flatmap(lambda n: st.tuples(graph(n), st.lists(st.tuples(st.integers(0, n - 1),
                                                                                   node(n)), max_size=4))))
def test_rederive_same_numbering(case: tuple[list, list]) -> None:  # type: ignore[type-arg]
    g, edits = case
    names = [f"N{i}" for i in range(len(g))]
    args = build(g, names)
    prev = derive_state(track=True, **args)  # type: ignore[arg-type]
    g2 = list(g)
    for i, new in edits:
        g2[i] = new
    args2 = build(g2, names)
    st2, affected = rederive(prev, check=sorted({i for i, _ in edits}), **args2)  # type: ignore[arg-type]
    assert [st2.records, diagnostics(st2.decls, st2.records)] == full(args2)
    assert affected <= set(range(len(g)))
    # again from there (the state it leaves is a good state to go on from), checking everything
    st3, _ = rederive(st2, **build(g, names))  # type: ignore[arg-type]
    assert st3.records == full(build(g, names))[0]


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 14).flatmap(lambda n: st.tuples(graph(n), st.sets(st.integers(0, n - 1)), graph(n + 3),
                                                      st.sets(st.integers(0, n + 2)))))
def test_rederive_renumbered(case: tuple[list, set[int], list, set[int]]) -> None:  # type: ignore[type-arg]
    """Some declarations go, others come in between; kept declarations keep their relative order;
    the kept ones' inputs change only where ``changed`` says (a kept declaration's uses are
    taken from the new graph only when it is checked)."""
    g, gone, extra, changed = case
    old_names = [f"N{i}" for i in range(len(g))]
    prev = derive_state(track=True, **build(g, old_names))  # type: ignore[arg-type]
    kept = [i for i in range(len(g)) if i not in gone]
    # new numbering: kept declarations in order with new ones interleaved
    layout: list[int] = []  # old index or -1
    for k, i in enumerate(kept):
        if k % 2 == 0:
            layout.append(-1)
        layout.append(i)
    layout.append(-1)
    n2 = len(layout)
    new_of = {o: i for i, o in enumerate(layout) if o >= 0}
    names = [old_names[o] if o >= 0 else f"M{i}" for i, o in enumerate(layout)]
    g2 = []
    for i, o in enumerate(layout):
        if o >= 0 and i not in changed and all(j not in gone for j in (*g[o][3], *g[o][4])):
            k, s, t, c, p = g[o]
            g2.append((k, s, t, [new_of[j] for j in c], [new_of[j] for j in p]))
        else:
            k, s, t, c, p = extra[i % len(extra)]
            g2.append((k, s, t, [j % n2 for j in c], [j % n2 for j in p]))
    args2 = build(g2, names)
    check = [i for i, o in enumerate(layout) if o < 0 or g2[i] != (g[o][0], g[o][1], g[o][2],
             [new_of.get(j, -1) for j in g[o][3]], [new_of.get(j, -1) for j in g[o][4]])]
    st2, _ = rederive(prev, old_of=layout, check=check, **args2)  # type: ignore[arg-type]
    assert st2.records == full(args2)[0]


def test_rederive_prefers_certain_chain() -> None:
    """A declaration reaching a sorry through a possible use (shorter) and a certain use (longer)
    is deferred through the certain one; when the certain route is cut, through the possible one."""
    names = ["N0", "N1", "N2", "N3"]
    g = [("theorem", False, False, [1], [3]), ("theorem", False, False, [2], []),
         ("theorem", False, False, [3], []), ("theorem", True, False, [], [])]
    prev = derive_state(track=True, **build(g, names))  # type: ignore[arg-type]
    assert prev.records[0].via == ["N0", "N1", "N2", "N3"] and not prev.records[0].possible_deferral
    g2 = list(g)
    g2[2] = ("theorem", False, False, [], [])
    new, affected = rederive(prev, check=[2], **build(g2, names))  # type: ignore[arg-type]
    assert new.records[0].via == ["N0", "N3"] and new.records[0].possible_deferral
    assert affected == {0, 1, 2}
    assert new.records == full(build(g2, names))[0]
    assert replace(new.records[3]) == prev.records[3]


def test_own_inputs_name_their_declaration() -> None:
    from zerosorry.ledger.derive import SEEN, named, own_inputs
    from zerosorry.ledger.model import Declaration

    decls = [Declaration("N.a", "axiom", "F.lean", 1, 1), Declaration("N.b", "theorem", "G.lean", 2, 3, sorry_lines=(3,))]
    got = own_inputs(decls, 1, [0], [], [], 0, [], None)
    assert named(got) == ("N.b", "G.lean")
    assert got[:SEEN] == ("N.b", True, False, (), ("N.a",), ())
