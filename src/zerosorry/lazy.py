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

import marshal
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from typing import Any


class _Decoded:
    __slots__ = ("light", "name")

    def __init__(self, name: str, light: bool) -> None:
        self.name, self.light = name, light

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            raise AttributeError(self.name)
        state = obj.__dict__
        for key, value in obj._stored_fields(self.light).items():
            state.setdefault(key, value)
        return state[self.name]


def decoded_on_read(cls: type, names: Iterable[str], light: Iterable[str] = ()) -> None:
    """Make each of ``names`` on ``cls`` decoded on first read: its instances have
    ``_stored_fields(light)``, every field's value from the stored form, or (``light``) only
    those of the fields ``light`` names (cheaper to decode, and all that most readers read)."""
    light = set(light)
    for name in names:
        setattr(cls, name, _Decoded(name, name in light))


def fields_equal(base: type, names: tuple[str, ...]) -> Callable[[Any, object], bool]:
    """An ``__eq__`` comparing ``names`` with any instance of ``base`` (a dataclass's own
    compares only objects of exactly its class)."""

    def eq(self: Any, other: object) -> bool:
        if not isinstance(other, base):
            same: bool = NotImplemented
            return same
        return all(bool(getattr(self, n) == getattr(other, n)) for n in names)

    return eq


def position(i: int, n: int) -> int:
    """The entry ``i`` (negative: from the end) of a list of ``n`` stands at."""
    j = i + n if i < 0 else i
    if not 0 <= j < n:
        raise IndexError(i)
    return j


class _Stored(Sequence[Any]):
    """A list stored compactly, decoded entry by entry on read (each decoded entry kept, so it
    is the same object on every read); written entries are kept apart; ``copy()`` is the
    list's shallow copy (a list's ``copy()`` does the same, so code written for lists copies
    either)."""

    __slots__ = ("_ends", "_set")
    _ends: array[int]
    _set: dict[int, Any]

    def _decode(self, start: int, end: int) -> Any:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self._ends)

    def _at(self, i: int) -> int:
        return position(i, len(self._ends))

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self._ends)))]
        got = self._set.get(i)
        if got is None:
            i = self._at(i)
            got = self._set.get(i)
            if got is None:
                got = self._set[i] = self._decode(self._ends[i - 1] if i else 0, self._ends[i])
        return got

    def __setitem__(self, i: Any, value: Any) -> None:
        if isinstance(i, slice):  # entries replaced, never inserted or removed
            at, values = range(*i.indices(len(self._ends))), list(value)
            if len(at) != len(values):
                raise ValueError("a stored list keeps its length")
            for j, v in zip(at, values, strict=True):
                self._set[j] = v
            return
        self._set[self._at(i)] = value

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self._ends)))

    def copy(self) -> Any:
        out = self.__class__.__new__(self.__class__)
        out.__setstate__(self.__getstate__(False))
        out._set = dict(self._set)
        return out

    def __getstate__(self, whole: bool = True) -> tuple[bytes, bytes]:
        raise NotImplementedError

    def __setstate__(self, state: tuple[bytes, bytes]) -> None:
        raise NotImplementedError


class Ragged(_Stored):
    """A list of lists of small non-negative integers (a graph's adjacency lists), stored as two
    flat integer arrays (restored at the speed of copying bytes)."""

    __slots__ = ("_flat",)

    def __init__(self, lists: Iterable[Iterable[int]]) -> None:
        flat, ends = array("i"), array("i")
        for x in lists:
            flat.extend(x)
            ends.append(len(flat))
        self._flat, self._ends, self._set = flat, ends, {}

    def _decode(self, start: int, end: int) -> Any:
        return self._flat[start:end].tolist()

    def __getstate__(self, whole: bool = True) -> tuple[bytes, bytes]:
        if whole and self._set:  # written entries: stored as a list of them would be
            return Ragged(self).__getstate__()
        return self._flat.tobytes(), self._ends.tobytes()

    def __setstate__(self, state: tuple[bytes, bytes]) -> None:
        self._flat, self._ends, self._set = array("i"), array("i"), {}
        self._flat.frombytes(state[0])
        self._ends.frombytes(state[1])


class Packed(_Stored):
    """A list of plain values (lists, tuples, strings, numbers, frozensets of them), each
    marshalled, stored as one byte string and the ends of each value in it."""

    __slots__ = ("_data",)

    def __init__(self, values: Iterable[Any]) -> None:
        parts, ends, at = [], array("q"), 0
        for v in values:
            parts.append(marshal.dumps(self._plain(v)))
            at += len(parts[-1])
            ends.append(at)
        self._data, self._ends, self._set = b"".join(parts), ends, {}

    @staticmethod
    def _plain(value: Any) -> Any:
        """The plain value a value is marshalled as (a subclass packs objects of its own)."""
        return value

    @staticmethod
    def _made(plain: Any) -> Any:
        """The value made again from its plain value."""
        return plain

    def _decode(self, start: int, end: int) -> Any:
        return self._made(marshal.loads(memoryview(self._data)[start:end]))

    def __getstate__(self, whole: bool = True) -> tuple[bytes, bytes]:
        if whole and self._set:
            return type(self)(self).__getstate__()
        return self._data, self._ends.tobytes()

    def __setstate__(self, state: tuple[bytes, bytes]) -> None:
        self._data, self._ends, self._set = state[0], array("q"), {}
        self._ends.frombytes(state[1])


def _shard(key: str, n: int) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % n


def _sharded(keys: Iterable[str]) -> list[list[str]]:
    """``keys`` in shards of about 16 by a digest of each (the same in every process)."""
    keys = list(keys)
    n = max(1, len(keys) // 16)
    shards: list[list[str]] = [[] for _ in range(n)]
    for k in keys:
        shards[_shard(k, n)].append(k)
    return shards


class StoredMap(Mapping[str, Any]):
    """A dictionary from names to plain values (a name index's tables), stored in shards of
    about sixteen entries, each marshalled (zerosorry.lazy.Packed), a shard decoded when a name
    in it is first looked up: a proof edit looks up the few names one file refers to."""

    __slots__ = ("_len", "_shards")

    def __init__(self, table: Mapping[str, Any]) -> None:
        self._shards = Packed({k: table[k] for k in keys} for keys in _sharded(table))
        self._len = len(table)

    def _of(self, key: str) -> dict[str, Any]:
        shard: dict[str, Any] = self._shards[_shard(key, len(self._shards))]
        return shard

    def __getitem__(self, key: str) -> Any:
        return self._of(key)[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._of(key).get(key, default)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._of(key)

    def __iter__(self) -> Iterator[str]:
        return (k for shard in self._shards for k in shard)

    def __len__(self) -> int:
        return self._len


class StoredSet(Set[str]):
    """A set of names stored as :class:`StoredMap` stores a table: a shard decoded when a name
    in it is first asked for."""

    __slots__ = ("_len", "_shards")

    def __init__(self, names: Iterable[str]) -> None:
        names = list(names)
        self._shards = Packed(frozenset(keys) for keys in _sharded(names))
        self._len = len(names)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._shards[_shard(key, len(self._shards))]

    def __iter__(self) -> Iterator[str]:
        return (k for shard in self._shards for k in shard)

    def __len__(self) -> int:
        return self._len
