"""Reading and writing ``lean_status.json``: the only place the ledger meets the disk."""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import json
import operator
import os
import tempfile
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .model import (
    SCHEMA_ID,
    STATUS_ORDER,
    Diagnostic,
    Disagreement,
    EngineInfo,
    Ledger,
    PossibleRef,
    Record,
    Severity,
    SourceInfo,
    Status,
)

if TYPE_CHECKING:
    from .encode import RecordLines


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_FILE_MODE = _umask_mode()


class OutputError(InputError):
    """An output that cannot be written where the user asked (a directory, no permission)."""


class LedgerError(Exception):
    """A ledger file that cannot be read: names the file and what is wrong."""


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    text = resources.files("zerosorry.ledger").joinpath("schema.json").read_text(encoding="utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


@lru_cache(maxsize=1)
def _fast_validator() -> Callable[[Any], Any]:
    from .validator import compiled

    return compiled()


def validate(data: Any) -> list[str]:
    """Every schema violation of ``data``, as ``path: message`` strings (empty when valid).

    A compiled validator (fastjsonschema) answers "valid" in well under a second for 50,000
    declarations; only an invalid document is walked again by jsonschema, which lists every
    violation with its path."""
    import fastjsonschema

    try:
        _fast_validator()(data)
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    import jsonschema

    validator = jsonschema.Draft7Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def _record_to_json(r: Record) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": r.name,
        "kind": r.kind,
        "status": r.status.value,
        "file": r.file,
        "line": r.line,
        "end_line": r.end_line,
        "signature": r.signature,
        "docstring": r.docstring,
        "uses": list(r.uses),
        "sorry_lines": list(r.sorry_lines),
        "via": list(r.via),
        "axioms": list(r.axioms),
        "trusts": list(r.trusts),
        "modifiers": list(r.modifiers),
        "attributes": list(r.attributes),
        "external_refs": r.external_refs,
        "approximate": list(r.approximate),
        "reason": r.reason,
    }
    if r.trust_uses:  # only when there are some: most declarations use none
        out["trust_uses"] = list(r.trust_uses)
    if r.possible_uses:  # only when the source left a reference ambiguous
        out["possible_uses"] = list(r.possible_uses)
    if r.possible_refs:
        out["possible_refs"] = [{"ref": p.ref, "candidates": list(p.candidates)} for p in r.possible_refs]
    if r.possible_deferral:
        out["possible_deferral"] = True
    if r.lean_status is not None:
        out["lean_status"] = r.lean_status.value
    if r.text_hash:
        out["text_hash"] = r.text_hash
    return out


def _diagnostic_to_json(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "severity": d.severity.value,
        "message": d.message,
        "file": d.file,
        "line": d.line,
        "column": d.column,
    }


#: a record's place in the ledger (in C: this sorts every record of every write)
_record_key = operator.attrgetter("file", "line", "name")


def _diagnostic_key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    return (d.file or "", d.line or 0, d.column or 0, d.code, d.message)


Counts = tuple[int, dict[str, int], dict[str, int]]  # sorries, by status, by kind


def _header(ledger: Ledger, counts: Counts | None = None) -> dict[str, Any]:
    """Every top-level key before the declarations, in order (``counts``: of its records, when
    known)."""
    sorries, status, kind = counts or (ledger.sorry_count(), ledger.status_counts(), ledger.kind_counts())
    return {
        "schema": SCHEMA_ID,
        "source": {
            "root": ledger.source.root,
            "commit": ledger.source.commit,
            "dirty": ledger.source.dirty,
        },
        "generated": ledger.generated,
        "engine": ledger.engine.name,
        "engine_info": {
            "requested": ledger.engine.requested,
            "fallback_reason": ledger.engine.fallback_reason,
            "lean_version": ledger.engine.lean_version,
        },
        "counts": {
            "declarations": len(ledger.records),
            "files": ledger.files,
            "lines": ledger.lines,
            "sorries": sorries,
            "status": status,
            "kind": kind,
        },
    }


def to_json(ledger: Ledger) -> dict[str, Any]:
    """The ledger as JSON-ready data, in a deterministic order."""
    data = _header(ledger)
    data["declarations"] = [_record_to_json(r) for r in sorted(ledger.records, key=_record_key)]
    data["diagnostics"] = [_diagnostic_to_json(d) for d in sorted(ledger.diagnostics, key=_diagnostic_key)]
    if ledger.disagreements:
        data["disagreements"] = [
            {
                "name": d.name,
                "source_status": d.source_status.value,
                "lean_status": d.lean_status.value,
                "likely_cause": d.likely_cause,
            }
            for d in sorted(ledger.disagreements, key=lambda d: d.name)
        ]
    return data


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def format_json(data: dict[str, Any]) -> str:
    """The ledger's text: one top-level key per line, and one line per declaration and per
    diagnostic, so that a review diff shows exactly the declarations that changed (and the
    C encoder does the work: ``indent=`` would fall back to the pure-Python one)."""
    lines = ["{"]
    items = list(data.items())
    for i, (key, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        if isinstance(value, list) and value:
            lines.append(f"  {json.dumps(key)}: [")
            last = len(value) - 1
            lines.extend(f"    {_compact(x)}{',' if j < last else ''}" for j, x in enumerate(value))
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {_compact(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def reference_dumps(ledger: Ledger) -> str:
    """The ledger's text by definition: ``json.dumps`` of each item.  :func:`dumps` writes the
    same bytes faster; the tests hold the two equal."""
    return format_json(to_json(ledger))


@dataclass(frozen=True)
class Encoded:
    """A ledger encoded in its layout: the header's values, then one line per item of each list."""

    header: dict[str, Any]
    lists: dict[str, list[bytes]]  # declarations, diagnostics (and disagreements when any)
    #: per declaration line: found valid before (a :class:`LineMemo` knew it); empty: none known
    known_valid: list[bool] = field(default_factory=list)
    #: lines of the other lists found valid before
    other_valid: frozenset[bytes] = frozenset()

    def text(self) -> bytes:
        return b"".join(self.chunks())

    def chunks(self) -> list[bytes]:
        """The text in pieces, in order (written one after the other, not joined first: a
        large ledger is not copied again in memory)."""
        from .encode import value_text

        keys = [*self.header, *self.lists]
        out = [b"{\n"]
        for i, key in enumerate(keys):
            comma = b",\n" if i < len(keys) - 1 else b"\n"
            name = json.dumps(key).encode()
            lines = self.lists.get(key)
            if lines:
                out.append(b"  " + name + b": [\n    ")
                out.extend(_interleave(lines, b",\n    "))
                out.append(b"\n  ]" + comma)
            else:
                value = self.header.get(key, [])
                out.append(b"  " + name + b": " + value_text(value) + comma)
        out.append(b"}\n")
        return out


def _interleave(items: list[bytes], sep: bytes) -> list[bytes]:
    out = [sep] * (2 * len(items) - 1)
    out[::2] = items
    return out


def _counts(records: Iterable[Record], sign: int = 1, into: Counts | None = None) -> Counts:
    """The header's counts of ``records`` (added to ``into``, or taken from it: ``sign`` -1)."""
    sorries, status, kind = into if into is not None else (0, {s.value: 0 for s in STATUS_ORDER}, {})
    status, kind = dict(status), dict(kind)
    for r in records:
        sorries += sign * len(r.sorry_lines)
        status[r.status.value] += sign
        kind[r.kind] = kind.get(r.kind, 0) + sign
    return sorries, status, {k: v for k, v in sorted(kind.items()) if v}


@dataclass
class _Base:
    """The lines of a stored ledger's records by declaration index (the very list the
    :class:`~zerosorry.ledger.encode.RecordLines` restored with them reads), their ledger order
    (position -> index, and back) and whether each was found valid."""

    lines: list[bytes]
    order: array[int]
    pos: array[int]
    valid: bytearray


class LineMemo:
    """Each record's encoded line, kept by the record object, and whether it was found valid:
    a re-scan that keeps most record objects (the live session's, :mod:`zerosorry.warm`'s)
    encodes and validates only the new ones.  It also keeps the records of the last encoding
    in ledger order, with the header's counts of them, so the next encoding places only the
    new records among them (and counts only what came and went), and the other lines
    (diagnostics) found valid.  A record is never changed in place once made by the scan; a
    caller that changes records (the lean engine) must not pass the memo on.

    As a stored state restores it (:meth:`based`), it keeps the lines by declaration index
    instead (``base``) beside the :class:`~zerosorry.ledger.encode.RecordLines` restored with
    them: an encoding of those records after a proof edit (same declarations, a few records
    written again, each still between the same neighbours) splices the few new lines into the
    stored ones and reads no other record; any other encoding turns the memo into the form by
    record object first."""

    def __init__(self) -> None:
        self.items: dict[int, tuple[Record, bytes, bool]] = {}
        self.order: list[Record] = []  # the records of ``items``, in ledger order
        self.counts: Counts | None = None  # of ``order`` (or of ``base``)
        self.other_valid: frozenset[bytes] = frozenset()  # diagnostic (and other) lines found valid
        self._other: frozenset[bytes] = frozenset()  # those of the last encoding
        self.base: _Base | None = None
        self.base_records: RecordLines | None = None  # the records ``base`` holds the lines of

    def __getstate__(self) -> dict[str, Any]:  # ids are per process
        out: dict[str, Any] = {"counts": self.counts, "other_valid": self.other_valid}
        if self.base is not None:
            b = self.base
            out["base"] = (b.lines, b.order.tobytes(), b.pos.tobytes(), bytes(b.valid), self.base_records)
        else:
            out["order"] = [self.items[id(r)] for r in self.order]
        return out

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]
        self.counts, self.other_valid = state["counts"], state["other_valid"]
        if "base" in state:
            lines, order, pos, valid, self.base_records = state["base"]
            self.base = _Base(lines, array("i"), array("i"), bytearray(valid))
            self.base.order.frombytes(order)
            self.base.pos.frombytes(pos)
        else:
            self.order = [x[0] for x in state["order"]]
            self.items = {id(x[0]): x for x in state["order"]}

    def based(self, records: Sequence[Record]) -> tuple[RecordLines, LineMemo]:
        """``records`` (the last encoded) as a stored state keeps them, and the memo of them
        by declaration index (this memo stays as it is)."""
        from .encode import RecordLines

        if self.base is None and (self.counts is None or len(self.items) != len(records)):
            self.lines(records)  # not encoded yet
        out = LineMemo()
        out.counts, out.other_valid = self.counts, self.other_valid
        if self.base is not None and records is self.base_records:
            out.base = self.base
        else:
            self._unbase()
            items, n = self.items, len(records)
            index_of = {id(r): i for i, r in enumerate(records)}
            entries = [items[id(r)] for r in records]
            order = array("i", [index_of[id(r)] for r in self.order])
            pos = array("i", bytes(order.itemsize * n))
            for p, i in enumerate(order):
                pos[i] = p
            out.base = _Base([e[1] for e in entries], order, pos, bytearray(e[2] for e in entries))
        out.base_records = RecordLines(out.base.lines)
        return out.base_records, out

    def _unbase(self) -> None:
        """Into the form by record object (the records as ``base`` holds them)."""
        from .encode import stored_record

        base, recs = self.base, self.base_records
        if base is None:
            return
        self.base = self.base_records = None
        order = [recs[i] if recs is not None and i not in recs.written else stored_record(base.lines[i])
                 for i in base.order]
        self.items = {id(r): (r, base.lines[i], bool(base.valid[i])) for r, i in zip(order, base.order, strict=True)}
        self.order = order

    def _splice(self, records: Sequence[Record]) -> tuple[list[bytes], list[bool], Counts] | None:
        """:meth:`lines` of the records ``base`` holds after some were written again (None:
        they are other records, or one moved among the others)."""
        from .encode import RecordLines, item_lines, line_of, record_out, stored_record

        base = self.base
        if base is None or self.counts is None or not isinstance(records, RecordLines) or records.lines is not base.lines:
            return None
        written = sorted(records.written)
        recs = [records[i] for i in written]
        known = [line_of(r) for r in recs]
        encoded = iter(item_lines([record_out(r) for r, line in zip(recs, known, strict=True) if line is None]))
        new: dict[int, tuple[Record, bytes]] = {}
        for i, r, line in zip(written, recs, known, strict=True):
            line = line if line is not None else next(encoded)
            if line != base.lines[i]:
                new[i] = (r, line)
        order, pos, n = base.order, base.pos, len(base.order)
        for i, (r, _) in new.items():  # still between its neighbours in ledger order
            p, key = pos[i], _record_key(r)
            if (p > 0 and not _record_key(records[order[p - 1]]) < key) or (
                    p < n - 1 and not key < _record_key(records[order[p + 1]])):
                return None
        counts = self.counts
        if new:
            counts = _counts([r for r, _ in new.values()], 1,
                             _counts([stored_record(base.lines[i]) for i in new], -1, counts))
        lines, valid = base.lines.copy(), bytearray(base.valid)
        for i, (_, line) in new.items():
            lines[i], valid[i] = line, 0
        # the memo (and the records) now stand for these lines
        self.base, self.counts = _Base(lines, order, pos, valid), counts
        records.lines, records.written = lines, set()
        self.base_records = records
        return [lines[i] for i in order], [valid[i] == 1 for i in order], counts

    def lines(self, records: Sequence[Record]) -> tuple[list[bytes], list[bool], Counts]:
        """The lines of ``records`` in ledger order, whether each is known valid, and their
        counts; the memo keeps exactly these records afterwards."""
        from .encode import item_lines, line_of, record_out

        spliced = self._splice(records)
        if spliced is not None:
            return spliced
        self._unbase()
        items = self.items
        ids = set(map(id, records))
        fresh = [r for r in records if id(r) not in items]
        gone = {x[1]: x for k, x in items.items() if k not in ids}  # by line (a name is on one line)
        for k in range(0, len(fresh), 2048):  # in batches: no whole ledger's text at once in memory
            batch = fresh[k : k + 2048]
            known = [line_of(r) for r in batch]
            encoded = iter(item_lines([record_out(r) for r, line in zip(batch, known, strict=True) if line is None]))
            for r, line in zip(batch, known, strict=True):
                line = line if line is not None else next(encoded)
                # a new record written as one it replaces is that one again: as valid, in its place
                same = gone.pop(line, None)
                items[id(r)] = (r, line, same is not None and same[2])
                if same is not None:
                    items[id(same[0])] = items[id(r)]
        if self.counts is None:
            order = sorted(records, key=_record_key)
            counts = _counts(order)
        else:  # the kept records stay in order: the others are placed among them
            gone_ids = {id(x[0]) for x in gone.values()}
            kept = [items[id(r)][0] for r in self.order if id(r) not in gone_ids]
            placed = {id(r) for r in kept}
            new = sorted((r for r in fresh if id(r) not in placed), key=_record_key)
            order = []
            k = 0
            for r in new:
                pos = bisect.bisect_left(kept, _record_key(r), lo=k, key=_record_key)
                order.extend(kept[k:pos])
                order.append(r)
                k = pos
            order.extend(kept[k:])
            counts = _counts(new, 1, _counts([x[0] for x in gone.values()], -1, self.counts))
        if len(items) != len(order):  # records gone or replaced: forgotten
            self.items = items = {id(r): items[id(r)] for r in order}
        self.order, self.counts = order, counts
        entries = [items[id(r)] for r in order]
        return [e[1] for e in entries], [e[2] for e in entries], counts

    def validated(self) -> None:
        """Every kept line was found valid (and the other lines of the last encoding)."""
        self.items = {k: (r, line, True) for k, (r, line, _) in self.items.items()}
        if self.base is not None:
            self.base.valid = bytearray(b"\x01" * len(self.base.valid))
        self.other_valid = self._other


def encode(ledger: Ledger, memo: LineMemo | None = None) -> Encoded:
    """The fast path (:mod:`zerosorry.ledger.encode`): byte-for-byte :func:`reference_dumps`.
    ``memo``: the lines of records encoded before (``Encoded.known_valid`` then says which
    declaration lines were found valid already, ``Encoded.other_valid`` which other lines)."""
    from .encode import diagnostic_out, disagreement_out, item_lines, record_out

    counts: Counts | None = None
    if memo is not None:
        lines, valid, counts = memo.lines(ledger.records)
    else:
        lines, valid = item_lines([record_out(r) for r in sorted(ledger.records, key=_record_key)]), []
    lists = {
        "declarations": lines,
        "diagnostics": item_lines([diagnostic_out(d) for d in sorted(ledger.diagnostics, key=_diagnostic_key)]),
    }
    if ledger.disagreements:
        lists["disagreements"] = item_lines(
            [disagreement_out(d) for d in sorted(ledger.disagreements, key=lambda d: d.name)])
    other: frozenset[bytes] = frozenset()
    if memo is not None:
        memo._other = frozenset(x for key, xs in lists.items() if key != "declarations" for x in xs)
        other = memo.other_valid
    return Encoded(_header(ledger, counts), lists, valid, other)


def dumps(ledger: Ledger) -> str:
    """Byte-for-byte deterministic serialisation (sorted records, fixed layout)."""
    return encode(ledger).text().decode("utf-8")


@lru_cache(maxsize=1)
def _schema_digest() -> bytes:
    text = resources.files("zerosorry.ledger").joinpath("schema.json").read_bytes()
    return hashlib.blake2b(text, digest_size=16).digest()


class ValidatedLines:
    """Digests of ledger lines (one declaration or diagnostic each) already found valid against
    the schema, so that a re-scan validates only the lines that changed.  The schema validates
    each item on its own, so an item's exact bytes, once valid under this schema, stay valid.
    Stored (optionally) in a small file, tagged with the schema's digest."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.digests: set[bytes] = set()
        if path is not None:
            with contextlib.suppress(OSError):
                data = path.read_bytes()
                if data[:16] == _schema_digest() and len(data) % 16 == 0:
                    self.digests = {data[i : i + 16] for i in range(16, len(data), 16)}

    @staticmethod
    def digest(key: str, line: bytes) -> bytes:
        return hashlib.blake2b(line, digest_size=16, person=key.encode()[:16]).digest()

    def check(self, enc: Encoded) -> list[str]:
        """Schema violations of ``enc``, validating the header and only the unseen lines."""
        import msgspec

        current: set[bytes] = set()
        doc: dict[str, Any] = dict(enc.header)
        for key, lines in enc.lists.items():
            fresh = []
            for line in lines:
                h = self.digest(key, line)
                current.add(h)
                if h not in self.digests:
                    fresh.append(msgspec.json.decode(line))
            doc[key] = fresh
        doc.setdefault("declarations", [])
        doc.setdefault("diagnostics", [])
        problems = validate(doc)
        if not problems:
            changed = current != self.digests
            self.digests = current  # the lines of this ledger: what the next write will meet
            if changed and self.path is not None:
                # a memo that cannot be written costs time on the next write, never a result
                with contextlib.suppress(OutputError):
                    atomic_write_bytes(self.path, _schema_digest() + b"".join(sorted(current)),
                                       durable=False)
        return problems


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see either the old or the new file, never half."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _write_pieces(fd: int, pieces: list[bytes]) -> None:
    """Write ``pieces`` in order, many per system call (a ledger is tens of thousands of short
    lines: written one by one through a buffer they cost four times as much)."""
    for k in range(0, len(pieces), 1024):  # IOV_MAX on Linux
        batch = pieces[k : k + 1024]
        done, total = os.writev(fd, batch), sum(map(len, batch))
        if done < total:  # written in part: the rest one piece at a time
            rest = memoryview(b"".join(batch))[done:]
            while rest:
                rest = rest[os.write(fd, rest):]


def atomic_write_bytes(path: Path, data: bytes | list[bytes], *, durable: bool = True) -> None:
    """Write ``data`` (or its pieces, in order) to ``path`` so that readers see either the old or
    the new file, never half
    (``durable``: fsync before the rename, so a crash leaves the old file, not an empty one)."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a directory; give a file name to write")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    try:
        os.chmod(tmp, _FILE_MODE)  # mkstemp makes 0600; an output is as readable as any file
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, list) and hasattr(os, "writev"):
                fh.flush()
                _write_pieces(fh.fileno(), data)
            else:
                fh.writelines([data] if isinstance(data, bytes) else data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
        raise


def write(ledger: Ledger, path: Path, *, validated: ValidatedLines | None = None,
          memo: LineMemo | None = None) -> None:
    """Validate (the lines ``validated`` has not seen, or, given ``memo``, the declaration lines
    it has not seen valid; every line without either) and write."""
    enc = encode(ledger, memo)
    problems = check_lines(enc) if memo is not None else (validated or ValidatedLines()).check(enc)
    if problems:  # a bug in zerosorry, never the user's fault: refuse to write an invalid ledger
        raise LedgerError(f"internal error: ledger violates its schema: {problems[0]}")
    if memo is not None:
        memo.validated()
    atomic_write_bytes(path, enc.chunks())


def check_lines(enc: Encoded) -> list[str]:
    """Schema violations of ``enc``: the header, every diagnostic and disagreement line, and the
    declaration lines not known valid (the schema validates each item on its own)."""
    import msgspec

    doc: dict[str, Any] = dict(enc.header)
    for key, lines in enc.lists.items():
        if key == "declarations":
            known = enc.known_valid
            doc[key] = [msgspec.json.decode(line) for i, line in enumerate(lines) if not (known and known[i])]
        else:
            doc[key] = [msgspec.json.decode(line) for line in lines if line not in enc.other_valid]
    doc.setdefault("declarations", [])
    doc.setdefault("diagnostics", [])
    return validate(doc)


def from_json(data: Any, *, origin: str = "<ledger>") -> Ledger:
    problems = validate(data)
    if problems:
        raise LedgerError(f"{origin}: not a valid zerosorry ledger: {problems[0]}")
    src = data["source"]
    eng = data.get("engine_info") or {}
    records = [
        Record(
            name=d["name"],
            kind=d["kind"],
            status=Status(d["status"]),
            file=d["file"],
            line=d["line"],
            end_line=d["end_line"],
            signature=d["signature"],
            docstring=d["docstring"],
            uses=list(d["uses"]),
            sorry_lines=list(d["sorry_lines"]),
            via=list(d["via"]),
            axioms=list(d["axioms"]),
            trusts=list(d["trusts"]),
            modifiers=list(d.get("modifiers", [])),
            attributes=list(d.get("attributes", [])),
            external_refs=d.get("external_refs", 0),
            approximate=list(d.get("approximate", [])),
            reason=d.get("reason"),
            trust_uses=list(d.get("trust_uses", [])),
            possible_uses=list(d.get("possible_uses", [])),
            possible_refs=[PossibleRef(p["ref"], list(p["candidates"])) for p in d.get("possible_refs", [])],
            possible_deferral=bool(d.get("possible_deferral", False)),
            lean_status=Status(d["lean_status"]) if d.get("lean_status") else None,
            text_hash=d.get("text_hash"),
        )
        for d in data["declarations"]
    ]
    diagnostics = [
        Diagnostic(
            code=d["code"],
            message=d["message"],
            file=d["file"],
            line=d["line"],
            column=d["column"],
            severity=Severity(d["severity"]),
        )
        for d in data["diagnostics"]
    ]
    disagreements = [
        Disagreement(
            name=d["name"],
            source_status=Status(d["source_status"]),
            lean_status=Status(d["lean_status"]),
            likely_cause=d["likely_cause"],
        )
        for d in data.get("disagreements", [])
    ]
    ledger = Ledger(
        source=SourceInfo(root=src["root"], commit=src["commit"], dirty=src["dirty"]),
        generated=data["generated"],
        engine=EngineInfo(
            name=data["engine"],
            requested=eng.get("requested", data["engine"]),
            fallback_reason=eng.get("fallback_reason"),
            lean_version=eng.get("lean_version"),
        ),
        records=records,
        diagnostics=diagnostics,
        disagreements=disagreements,
        files=data["counts"]["files"],
        lines=data["counts"]["lines"],
    )
    # the counts are derived data: a ledger whose counts contradict its declarations was edited
    # by hand or damaged, and a badge or tool reading only the counts would show something false
    counts = data["counts"]
    derived = {"declarations": len(records), "sorries": ledger.sorry_count(),
               "status": ledger.status_counts(), "kind": ledger.kind_counts()}
    for key, value in derived.items():
        if counts.get(key) != value:
            raise LedgerError(f"{origin}: counts.{key} is {counts.get(key)!r} but its declarations give "
                              f"{value!r}; the file was edited or damaged: regenerate it with zerosorry scan")
    return ledger


def read(path: Path) -> Ledger:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LedgerError(f"{path}: cannot read ledger: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LedgerError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from exc
    return from_json(data, origin=str(path))
