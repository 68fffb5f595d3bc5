"""The ledger's fast serialiser: msgspec typed structs, encoded in C, in the reference layout.

The reference text (:func:`zerosorry.ledger.io.reference_dumps`: ``json.dumps`` once per
record) is the definition; this module writes the same bytes about an order of magnitude faster.

Why msgspec and not orjson: the ledger's layout separates items with ``", "`` and keys from
values with ``": "`` (one declaration per line, so a review diff shows just the declarations
that changed).  orjson only writes compact or indented JSON, and re-spacing its output in
Python costs more than it saves; msgspec's ``json.format(..., indent=0)`` writes exactly these
separators in C.  And a typed struct with ``omit_defaults`` states the ledger's one optional-key
rules (``trust_uses``, ``possible_uses``, ``possible_refs`` only when non-empty, the others
only when set) in its declaration,
with no per-record dictionary built in Python.

Splitting the encoded array into one line per item is exact: an item starts with its first
key, ``{"name": ``; inside a JSON string every ``"`` is escaped as ``\\"``, so a ``"`` right
after ``{`` always opens a key, and no object nested in an item (``possible_refs``) starts with
that key.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import fields
from typing import Any

import msgspec

from ..lazy import decoded_on_read, fields_equal, position
from .model import Diagnostic, Disagreement, PossibleRef, Record, Status


class PossibleRefOut(msgspec.Struct):
    ref: str
    candidates: Sequence[str]


class RecordOut(msgspec.Struct, omit_defaults=True):
    """One declaration as written (field order = key order in the ledger)."""

    name: str
    kind: str
    status: str
    file: str
    line: int
    end_line: int
    signature: str
    docstring: str | None
    uses: Sequence[str]
    sorry_lines: Sequence[int]
    via: Sequence[str]
    axioms: Sequence[str]
    trusts: Sequence[str]
    modifiers: Sequence[str]
    attributes: Sequence[str]
    external_refs: int
    approximate: Sequence[str]
    reason: str | None
    trust_uses: Sequence[str] = ()  # only when there are some: most declarations use none
    possible_uses: Sequence[str] = ()  # only when the source left a reference ambiguous
    possible_refs: Sequence[PossibleRefOut] = ()
    possible_deferral: bool = False  # only when true
    lean_status: str | None = None
    text_hash: str | None = None


class DiagnosticOut(msgspec.Struct):
    code: str
    severity: str
    message: str
    file: str | None
    line: int | None
    column: int | None


class DisagreementOut(msgspec.Struct):
    name: str
    source_status: str
    lean_status: str
    likely_cause: str


#: Record fields the ledger does not write (none today).  A test compares this module's structs
#: with the model's dataclasses, so a field added to Record fails until it is written here too.
RECORD_FIELDS_NOT_WRITTEN: frozenset[str] = frozenset()


def record_out(r: Record) -> RecordOut:
    return RecordOut(
        r.name, r.kind, r.status.value, r.file, r.line, r.end_line, r.signature, r.docstring,
        r.uses, r.sorry_lines, r.via, r.axioms, r.trusts, r.modifiers, r.attributes,
        r.external_refs, r.approximate, r.reason, r.trust_uses or (), r.possible_uses or (),
        [PossibleRefOut(p.ref, p.candidates) for p in r.possible_refs] if r.possible_refs else (),
        bool(r.possible_deferral), r.lean_status.value if r.lean_status is not None else None,
        r.text_hash or None,
    )


def diagnostic_out(d: Diagnostic) -> DiagnosticOut:
    return DiagnosticOut(d.code, d.severity.value, d.message, d.file, d.line, d.column)


def disagreement_out(d: Disagreement) -> DisagreementOut:
    return DisagreementOut(d.name, d.source_status.value, d.lean_status.value, d.likely_cause)


_ENCODER = msgspec.json.Encoder()


def item_lines(items: Sequence[msgspec.Struct]) -> list[bytes]:
    """Each struct as one line of the reference layout (UTF-8, no trailing comma)."""
    if not items:
        return []
    first = type(items[0]).__struct_fields__[0]
    body = msgspec.json.format(_ENCODER.encode(items), indent=0)[1:-1]
    head = b'{"' + first.encode() + b'": '
    parts = body.split(b"}, " + head)
    if len(parts) == 1:
        return [body]
    return [parts[0] + b"}", *(head + p + b"}" for p in parts[1:-1]), head + parts[-1]]


def value_text(value: Any) -> bytes:
    """A small value (the header's) in the reference layout."""
    return msgspec.json.format(_ENCODER.encode(value), indent=0)


_RECORD_DECODER = msgspec.json.Decoder(RecordOut)


class _LightOut(msgspec.Struct):
    """The fields of a record line most readers read (its place, kind, status and sorries: the
    ledger's order and counts, the summary tables); decoding skips the others."""

    name: str
    kind: str
    status: str
    file: str
    line: int
    sorry_lines: list[int]


_LIGHT_DECODER = msgspec.json.Decoder(_LightOut)
_STATUS = {s.value: s for s in Status}
_RECORD_NAMES = tuple(f.name for f in fields(Record))


def record_fields(line: bytes) -> dict[str, Any]:
    """The fields of the record whose line (:func:`item_lines` of :func:`record_out`) is
    ``line``: the inverse of :func:`record_out` (the tests hold ``Record(**record_fields(line))``
    equal to the record, field types included)."""
    o = _RECORD_DECODER.decode(line)
    return {
        "name": o.name, "kind": o.kind, "status": _STATUS[o.status], "file": o.file, "line": o.line,
        "end_line": o.end_line, "signature": o.signature, "docstring": o.docstring, "uses": list(o.uses),
        "possible_uses": list(o.possible_uses),
        "possible_refs": [PossibleRef(p.ref, list(p.candidates)) for p in o.possible_refs],
        "possible_deferral": o.possible_deferral, "sorry_lines": list(o.sorry_lines), "via": list(o.via),
        "axioms": list(o.axioms), "trusts": list(o.trusts), "trust_uses": list(o.trust_uses),
        "modifiers": list(o.modifiers), "attributes": list(o.attributes), "external_refs": o.external_refs,
        "approximate": list(o.approximate), "reason": o.reason,
        "lean_status": Status(o.lean_status) if o.lean_status is not None else None, "text_hash": o.text_hash,
    }


class StoredRecord(Record):
    """A record kept as its encoded ledger line and decoded on first read (zerosorry/lazy.py: a
    warm re-scan restores many thousand records and reads a few).  Equal to the
    :class:`Record` it was encoded from; like every record, never changed in place once made."""

    def _stored_fields(self, light: bool) -> dict[str, Any]:
        line = self.__dict__["_line"]
        if light:
            o = _LIGHT_DECODER.decode(line)
            return {"name": o.name, "kind": o.kind, "status": _STATUS[o.status], "file": o.file, "line": o.line,
                    "sorry_lines": o.sorry_lines}
        return record_fields(line)

    __eq__ = fields_equal(Record, _RECORD_NAMES)
    __hash__ = None  # type: ignore[assignment]  # as a dataclass with eq: unhashable


decoded_on_read(StoredRecord, _RECORD_NAMES, light=_LightOut.__struct_fields__)


def stored_record(line: bytes) -> StoredRecord:
    """The record encoded as ``line``, decoded when a field is first read."""
    r = StoredRecord.__new__(StoredRecord)
    r.__dict__["_line"] = line
    return r


def line_of(r: Record) -> bytes | None:
    """The line a record was restored from, while it is a :class:`StoredRecord`."""
    line: bytes | None = r.__dict__.get("_line")
    return line


class RecordLines(Sequence[Record]):
    """A ledger's records by declaration index, as a stored state keeps them: each its encoded
    line, made a :class:`StoredRecord` only when read.  Records written since are kept apart
    (``written``: their indices), so that the line memo (ledger/io.py) writes the ledger again
    by splicing the few new lines into the stored ones.  Reads, writes, copies (``copy()``, as
    a list's) and compares as the list of its records."""

    __slots__ = ("_objs", "lines", "written")

    def __init__(self, lines: list[bytes]) -> None:
        self.lines = lines
        self._objs: dict[int, Record] = {}
        self.written: set[int] = set()

    def _index(self, i: int) -> int:
        return position(i, len(self.lines))

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self.lines)))]
        j = self._index(i)
        got = self._objs.get(j)
        if got is None:
            got = self._objs[j] = stored_record(self.lines[j])
        return got

    def __setitem__(self, i: int, r: Record) -> None:
        j = self._index(i)
        self._objs[j] = r
        self.written.add(j)

    def __iter__(self) -> Iterator[Record]:
        objs, lines = self._objs, self.lines
        if len(objs) < len(lines):  # every record made once (a summary reads them all, thrice)
            for j, line in enumerate(lines):
                if j not in objs:
                    objs[j] = stored_record(line)
        return map(objs.__getitem__, range(len(lines)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (list, RecordLines)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> RecordLines:
        out = RecordLines(self.lines)
        out._objs, out.written = dict(self._objs), set(self.written)
        return out
