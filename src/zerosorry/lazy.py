"""Objects restored from a compact stored form and decoded field by field on first read.

A warm re-scan (zerosorry/warm.py) restores tens of thousands of declarations and records and
reads a few of them; each is restored as an instance of a subclass of its class that holds only
its stored form (and any field set eagerly).  Every field of the class is then a *non-data*
descriptor on the subclass: a field the instance holds itself is read from the instance (the
descriptor is not even called), and the first read of one it does not hold decodes the stored
form into every field the instance does not hold yet (a field set on the instance before,
such as a declaration renamed in place, stays as set).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator
from typing import Any


class _Decoded:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            raise AttributeError(self.name)
        state = obj.__dict__
        for key, value in obj._stored_fields().items():
            state.setdefault(key, value)
        return state[self.name]


def decoded_on_read(cls: type, names: Iterable[str]) -> None:
    """Make each of ``names`` on ``cls`` (whose instances have ``_stored_fields()``: every
    field's value from the stored form) decoded on first read."""
    for name in names:
        setattr(cls, name, _Decoded(name))


def fields_equal(base: type, names: tuple[str, ...]) -> Callable[[Any, object], bool]:
    """An ``__eq__`` comparing ``names`` with any instance of ``base`` (a dataclass's own
    compares only objects of exactly its class)."""

    def eq(self: Any, other: object) -> bool:
        if not isinstance(other, base):
            same: bool = NotImplemented
            return same
        return all(bool(getattr(self, n) == getattr(other, n)) for n in names)

    return eq


class Ragged:
    """A list of lists of small non-negative integers (a graph's adjacency lists), stored as two
    flat integer arrays (restored at the speed of copying bytes) and decoded list by list on
    read.  Written entries are kept apart; ``copy()`` is the list's shallow copy (a list's
    ``copy()`` does the same, so code written for lists copies either)."""

    __slots__ = ("_ends", "_flat", "_set")

    def __init__(self, lists: Iterable[Iterable[int]]) -> None:
        flat, ends = array("i"), array("i")
        for x in lists:
            flat.extend(x)
            ends.append(len(flat))
        self._flat, self._ends, self._set = flat, ends, dict[int, Any]()

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> Any:
        got = self._set.get(i)
        if got is None:
            if not 0 <= i < len(self._ends):
                raise IndexError(i)
            got = self._set[i] = self._flat[self._ends[i - 1] if i else 0 : self._ends[i]].tolist()
        return got

    def __setitem__(self, i: int, value: Any) -> None:
        if not 0 <= i < len(self._ends):
            raise IndexError(i)
        self._set[i] = value

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self._ends)))

    def copy(self) -> Ragged:
        out = Ragged.__new__(Ragged)
        out._flat, out._ends, out._set = self._flat, self._ends, dict(self._set)
        return out

    def __getstate__(self) -> tuple[bytes, bytes]:
        if self._set:  # written entries: stored as a list of them would be
            return Ragged(self).__getstate__()
        return self._flat.tobytes(), self._ends.tobytes()

    def __setstate__(self, state: tuple[bytes, bytes]) -> None:
        self._flat, self._ends, self._set = array("i"), array("i"), {}
        self._flat.frombytes(state[0])
        self._ends.frombytes(state[1])
