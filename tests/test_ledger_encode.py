"""The fast ledger serialiser (msgspec) against the reference (json.dumps per item)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from zerosorry.ledger import encode, io
from zerosorry.ledger.model import (
    Diagnostic,
    Disagreement,
    EngineInfo,
    Ledger,
    Record,
    Severity,
    SourceInfo,
    Status,
)
from zerosorry.scan import scan_project

from .strategies import ledger_records

GOLDEN = Path(__file__).parent / "fixtures" / "projects" / "golden"
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


def _ledger(records: list[Record], diags: list[Diagnostic], dis: list[Disagreement]) -> Ledger:
    return Ledger(SourceInfo("r\"o\\ot", "abc1234", True), "2026-01-02T03:04:05Z",
                  EngineInfo("both", "both", "x\n\"y\"", "4.9"), records, diags, dis, files=3, lines=9)


@settings(max_examples=150, deadline=None)
@given(records=ledger_records(),
       diags=st.lists(st.builds(Diagnostic, st.sampled_from(["a-b", "x"]), _TEXT, st.none() | _TEXT,
                                st.none() | st.integers(1, 99), st.none() | st.integers(1, 99),
                                st.sampled_from(list(Severity))), max_size=3),
       dis=st.lists(st.builds(Disagreement, _TEXT, st.sampled_from(list(Status)),
                              st.sampled_from(list(Status)), _TEXT), max_size=2))
def test_fast_path_is_the_reference_and_schema_valid(records: list[Record], diags: list[Diagnostic],
                                                     dis: list[Disagreement]) -> None:
    ledger = _ledger(records, diags, dis)
    fast = io.dumps(ledger)
    assert fast == io.reference_dumps(ledger)
    assert io.validate(json.loads(fast)) == []
    # the incremental check finds the same (no) problems, with or without a memo
    memo = io.ValidatedLines()
    assert memo.check(io.encode(ledger)) == [] and memo.check(io.encode(ledger)) == []


def test_every_record_field_is_written() -> None:
    """A field added to Record must reach the fast serialiser (or be listed as not written)."""
    model = {f.name for f in dataclasses.fields(Record)}
    written = set(encode.RecordOut.__struct_fields__)
    assert model - encode.RECORD_FIELDS_NOT_WRITTEN == written
    assert set(encode.DiagnosticOut.__struct_fields__) == {f.name for f in dataclasses.fields(Diagnostic)}
    assert set(encode.DisagreementOut.__struct_fields__) == {f.name for f in dataclasses.fields(Disagreement)}


def test_a_real_scan_serialises_identically(tmp_path: Path) -> None:
    ledger = scan_project(GOLDEN, use_cache=False)
    assert io.dumps(ledger) == io.reference_dumps(ledger)
    io.write(ledger, tmp_path / "lean_status.json")
    assert (tmp_path / "lean_status.json").read_text(encoding="utf-8") == io.reference_dumps(ledger)


def test_validation_memo_checks_only_new_lines_and_still_catches_a_bad_one(tmp_path: Path) -> None:
    ledger = scan_project(GOLDEN, use_cache=False)
    path = tmp_path / "validated-lines.bin"
    memo = io.ValidatedLines(path)
    assert memo.check(io.encode(ledger)) == []
    assert path.is_file()
    again = io.ValidatedLines(path)  # as a later run reads it
    assert again.digests == memo.digests and again.digests
    # a record the schema rejects, new to the memo, is still caught
    bad = dataclasses.replace(ledger.records[0], name="")
    broken = dataclasses.replace(ledger, records=[bad, *ledger.records[1:]])
    problems = again.check(io.encode(broken))
    assert problems and "declarations" in problems[0]
    # a memo written for another schema is ignored, never trusted
    path.write_bytes(b"\0" * 16 + b"".join(sorted(memo.digests)))
    assert io.ValidatedLines(path).digests == set()


def test_item_lines_split_only_between_items() -> None:
    """Text that looks like an item boundary inside a string stays in its item."""
    tricky = '}, {"name": x'
    rec = Record(tricky, "theorem", Status.PROVEN, tricky, 1, 1, tricky, tricky)
    lines = encode.item_lines([encode.record_out(rec), encode.record_out(rec)])
    assert len(lines) == 2
    assert all(msgspec.json.decode(line)["name"] == tricky for line in lines)


@settings(max_examples=150, deadline=None)
@given(records=ledger_records())
def test_a_stored_record_is_the_record_it_was_encoded_from(records: list[Record]) -> None:
    for r, line in zip(records, encode.item_lines([encode.record_out(r) for r in records]), strict=True):
        stored = encode.stored_record(line)
        assert encode.line_of(stored) == line
        assert stored == r and r == stored and (stored != r) is False
        assert Record(**encode.record_fields(line)) == r
        for f in dataclasses.fields(Record):  # the same values, of the same types
            assert type(getattr(stored, f.name)) is type(getattr(r, f.name)), f.name
        assert repr(stored) == repr(r).replace("Record(", "StoredRecord(", 1)
        assert dataclasses.replace(stored, reason="x") == dataclasses.replace(r, reason="x")
        # read in two steps: the fields most readers read first, the others when one is read
        light = encode.stored_record(line)
        assert (light.status, light.kind, light.sorry_lines) == (r.status, r.kind, r.sorry_lines)
        assert "uses" not in vars(light) and type(light.sorry_lines) is list
        assert light.uses == r.uses and light == r
        assert encode.item_lines([encode.record_out(stored)]) == [line]


@settings(max_examples=100, deadline=None)
@given(before=ledger_records(), after=ledger_records(), data=st.data())
def test_the_line_memo_places_new_records_among_the_kept_ones(before: list[Record], after: list[Record],
                                                              data: st.DataObject) -> None:
    """Records kept, made again, gone and new between two encodings through one memo (some of
    them restored from their lines): the second encoding is the reference, counts included, and
    a record made again as it was is known valid."""
    memo = io.LineMemo()
    lines = encode.item_lines([encode.record_out(r) for r in before])
    first = [encode.stored_record(x) if data.draw(st.booleans()) else r for r, x in zip(before, lines, strict=True)]
    ledger = _ledger(first, [], [])
    assert io.encode(ledger, memo).text() == io.encode(ledger).text()
    memo.validated()
    names = {r.name for r in first}
    # kept: the same object, or an equal one made again (as a re-derivation makes it)
    kept = [dataclasses.replace(r) if data.draw(st.booleans()) else r for r in first if data.draw(st.booleans())]
    new = [dataclasses.replace(r, name=r.name + "'") for r in after if r.name + "'" not in names]
    ledger.records = data.draw(st.permutations(kept + new))
    again = io.encode(ledger, memo)
    assert again.text() == io.encode(ledger).text()
    assert all(memo.items[id(r)][2] for r in kept)  # validated before: not validated again
    assert memo.order == sorted(ledger.records, key=lambda r: (r.file, r.line, r.name))


def test_the_generated_validator_is_made_from_the_current_schema() -> None:
    from zerosorry.ledger import _validator_code, validator

    assert validator.CODE.read_text(encoding="utf-8") == validator.source(), \
        "schema.json changed: run `python -m zerosorry.ledger.validator` to generate the validator again"
    assert validator.compiled() is _validator_code.validate


@settings(max_examples=100, deadline=None)
@given(before=ledger_records(), data=st.data())
def test_the_memo_of_a_stored_state_splices_records_written_again(before: list[Record], data: st.DataObject) -> None:
    """Records restored as their lines (RecordLines, as a stored state keeps them), some written
    again (as they were, with another reason, or moved to another line: then the memo orders
    them all again): each encoding is the reference, and so is the next one."""
    memo = io.LineMemo()
    ledger = _ledger(list(before), [], [])
    io.encode(ledger, memo)
    memo.validated()
    records, based = memo.based(ledger.records)
    assert list(records) == before
    moved = False
    for i in range(len(before)):
        how = data.draw(st.sampled_from(["keep", "same", "reason", "line"]))
        moved |= how == "line"
        if how == "same":
            records[i] = dataclasses.replace(before[i])
        elif how == "reason":
            records[i] = dataclasses.replace(before[i], reason=data.draw(_TEXT))
        elif how == "line":
            records[i] = dataclasses.replace(before[i], line=data.draw(st.integers(1, 10**6)))
    ledger.records = records  # type: ignore[assignment]
    for _ in range(2):
        assert io.encode(ledger, based).text() == io.encode(ledger).text()
        assert based.base is not None or moved  # spliced unless a record may have moved
    based.validated()
    assert io.check_lines(io.encode(ledger, based)) == []


def test_pieces_written_in_part_by_the_system_are_written_whole(tmp_path: Path, monkeypatch: Any) -> None:
    import os

    real = os.writev

    def some(fd: int, pieces: list[bytes]) -> int:  # writes a little less than asked
        return real(fd, [b"".join(pieces)[: max(0, sum(map(len, pieces)) - 3)]])

    pieces = [f"piece {i}\n".encode() for i in range(3000)]
    monkeypatch.setattr(os, "writev", some)
    io.atomic_write_bytes(tmp_path / "x", pieces)
    assert (tmp_path / "x").read_bytes() == b"".join(pieces)
