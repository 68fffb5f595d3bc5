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

from collections.abc import Callable, Iterable
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
