"""zerosorry.lazy: the compact forms a stored state restores (see also tests/test_warm.py)."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zerosorry.lazy import Packed, Ragged

_LISTS = st.lists(st.lists(st.integers(0, 2**31 - 1), max_size=5), max_size=20)


@given(lists=_LISTS, writes=st.lists(st.tuples(st.integers(0, 19), st.lists(st.integers(0, 99), max_size=3)),
                                      max_size=5))
def test_a_ragged_list_reads_writes_copies_and_pickles_as_the_list_would(
        lists: list[list[int]], writes: list[tuple[int, list[int]]]) -> None:
    r, plain = Ragged(lists), [list(x) for x in lists]
    assert len(r) == len(plain) and list(r) == plain
    copy, before = r.copy(), [list(x) for x in plain]
    for i, value in writes:
        if i < len(plain):
            r[i], plain[i] = value, value
        else:
            with pytest.raises(IndexError):
                r[i] = value
    assert list(r) == plain and [r[i] for i in range(len(r))] == plain
    assert list(copy) == before  # the copy is not written through
    back = pickle.loads(pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(back) is Ragged and list(back) == plain
    with pytest.raises(IndexError):
        r[len(plain)]


@given(values=st.lists(st.one_of(st.lists(st.text(max_size=4), max_size=3), st.frozensets(st.text(max_size=4)),
                                 st.lists(st.tuples(st.text(max_size=4), st.tuples(st.integers(0, 99))))),
                       max_size=20), data=st.data())
def test_a_packed_list_reads_writes_copies_and_pickles_as_the_list_would(values: list[Any], data: st.DataObject) -> None:
    p, plain = Packed(values), list(values)
    assert len(p) == len(plain) and list(p) == plain and all(p[i] is p[i] for i in range(len(p)))
    copy = p.copy()
    if plain:
        i = data.draw(st.integers(0, len(plain) - 1))
        p[i], plain[i] = ["written"], ["written"]
        assert copy[i] == values[i]
    back = pickle.loads(pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(back) is Packed and list(back) == plain == list(p)


@given(table=st.dictionaries(st.text(max_size=6), st.lists(st.integers(0, 99), max_size=3), max_size=80),
       probes=st.lists(st.text(max_size=6), max_size=20))
def test_a_stored_map_and_set_answer_as_the_dict_and_set_would(table: dict[str, list[int]], probes: list[str]) -> None:
    from zerosorry.lazy import StoredMap, StoredSet

    m, s = pickle.loads(pickle.dumps(StoredMap(table))), pickle.loads(pickle.dumps(StoredSet(table)))
    for k in [*probes, *table]:
        assert (k in m) == (k in table) == (k in s)
        assert m.get(k) == table.get(k) and m.get(k, ()) == table.get(k, ())
        if k in table:
            assert m[k] == table[k]
        else:
            with pytest.raises(KeyError):
                m[k]
    assert dict(m.items()) == table and len(m) == len(table)
    assert set(s) == set(table) and len(s) == len(table)
    assert 3 not in m and 3 not in s  # type: ignore[comparison-overlap]
