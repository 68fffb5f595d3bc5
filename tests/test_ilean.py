"""The .ilean reader on hand-written files in the shapes Lean has written (versions 1, 2 and 5)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from zerosorry.lean.ilean import IleanError, load_ileans, parse_ilean

FIX = Path(__file__).parent / "fixtures" / "lean_outputs"


def load(name: str) -> object:
    return json.loads((FIX / name).read_text(encoding="utf-8"))


def test_version_1_prefix_keys_and_plain_ranges() -> None:
    m = parse_ilean(load("ilean_v1.json"))
    assert (m.module, m.version) == ("Demo.Basic", 1)
    assert sorted(m.decls) == ["Demo.add_zero", "Demo.uses_add"]  # Nat.add_zero: no definition here
    assert (m.decls["Demo.add_zero"].line, m.decls["Demo.add_zero"].column) == (3, 9)
    refs = sorted((r.name, r.line, r.parent) for r in m.refs)
    assert refs == [("Demo.add_zero", 10, None), ("Nat.add_zero", 4, None)]  # f: keys skipped
    assert m.uses() == {}  # no enclosing-declaration data in this version


def test_version_2_module_qualified_keys_and_parent_declarations() -> None:
    m = parse_ilean(load("ilean_v2.json"))
    assert m.version == 2
    assert sorted(m.decls) == ["Demo.by_macro", "Demo.calls_hidden"]  # add_zero is Demo.Basic's
    assert {(r.name, r.module, r.parent) for r in m.refs} == {
        ("Demo.by_macro", "Demo.Sorry", "Demo.calls_hidden"),
        ("Demo.add_zero", "Demo.Basic", "Demo.by_macro"),
    }
    assert m.uses() == {"Demo.calls_hidden": {"Demo.by_macro"}, "Demo.by_macro": {"Demo.add_zero"}}


def test_version_5_decls_imports_and_short_parents() -> None:
    m = parse_ilean(load("ilean_v5.json"))
    assert m.version == 5
    assert m.imports == ["Demo.Prelude", "Mathlib.Tactic"]
    d = m.decls["Demo.instFooNat_1"]
    assert (d.line, d.column, d.range_line, d.range_end_line) == (14, 1, 14, 15)
    weird = m.decls["Demo.weird name"]  # guillemets removed in the canonical name
    assert (weird.line, weird.column) == (12, 5)
    assert m.uses() == {"Demo.uses_add": {"Demo.add_zero"}, "Demo.add_zero": {"Nat.add_zero"}}


@pytest.mark.parametrize("bad", [
    [],
    {"version": 1},
    {"module": "A", "version": "2"},
    {"module": "A", "references": {"x:A.b": {"definition": None, "usages": []}}},
    {"module": "A", "references": {"c:A.b": {"definition": [1, 2, 3], "usages": []}}},
    {"module": "A", "references": {"c:A.b": {"definition": None, "usages": [[1, 2, 3, -4]]}}},
    {"module": "A", "references": {"{\"q\": \"A.b\"}": {"definition": None, "usages": []}}},
    {"module": "A", "decls": {"A.b": [1, 2, 3]}},
])
def test_malformed_ileans_are_rejected(bad: object) -> None:
    with pytest.raises(IleanError):
        parse_ilean(bad)


def test_load_ileans_from_the_lake_build_directory(tmp_path: Path) -> None:
    lib = tmp_path / ".lake" / "build" / "lib" / "lean" / "Demo"
    lib.mkdir(parents=True)
    shutil.copy(FIX / "ilean_v5.json", lib / "Basic.ilean")
    shutil.copy(FIX / "ilean_v2.json", lib / "Sorry.ilean")
    (lib / "Broken.ilean").write_text("{not json", encoding="utf-8")
    mods, problems = load_ileans(tmp_path)
    assert sorted(mods) == ["Demo.Basic", "Demo.Sorry"]
    assert len(problems) == 1 and "Broken.ilean" in problems[0]
    assert mods["Demo.Basic"].path is not None and mods["Demo.Basic"].path.endswith("Basic.ilean")


def test_load_ileans_older_build_layout(tmp_path: Path) -> None:
    lib = tmp_path / "build" / "lib" / "Demo"
    lib.mkdir(parents=True)
    shutil.copy(FIX / "ilean_v1.json", lib / "Basic.ilean")
    mods, problems = load_ileans(tmp_path)
    assert list(mods) == ["Demo.Basic"] and problems == []
