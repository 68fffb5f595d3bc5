"""The manifest: a corpus of bad inputs with their exact messages, good inputs to dataclasses,
the real example, names against a scan, key positions, and a fuzzer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from zerosorry.appendix.manifest import (
    Entry,
    Issue,
    ManifestError,
    PaperLink,
    check_names,
    key_positions,
    load_manifest,
    parse_manifest,
    validate,
)
from zerosorry.scan import scan_project

from .site_support import EXAMPLE
from .strategies import manifest_texts, mutated

CORPUS = Path(__file__).parent / "fixtures" / "manifests"
CASES = sorted(p.stem for p in CORPUS.glob("*.toml"))
EXAMPLE_TEXT = (EXAMPLE / "appendix.toml").read_text(encoding="utf-8")

GOOD = """
[site]
title = "T"
paper_title = "P"
repository = "https://github.com/o/r"
allowed_axioms = ["A.ax"]

[[families]]
id = "f"
title = "F"
explanation = \"\"\"
Two lines;
key = "inside a string"
\"\"\"

[[entries]]
id = "one"
lean = "A.b"
family = "f"
title = "One"
statement = 'x \\le 1'
summary = "S"
why = "W"
caveat = "C"
target = "zero-sorry"
paper = [{ label = "§1", url = "https://example.org/p#sec-1" }]
widgets = ["w"]
witness = "pkg.mod:check"

[[widgets]]
id = "w"
title = "W"
script = "w.js"

[[glossary]]
term = "t"
definition = "d"
"""


@pytest.mark.parametrize("case", CASES)
def test_corpus(case: str) -> None:
    text = (CORPUS / f"{case}.toml").read_text(encoding="utf-8")
    expected = (CORPUS / f"{case}.expected").read_text(encoding="utf-8").rstrip("\n")
    with pytest.raises(ManifestError) as err:
        parse_manifest(text, path="appendix.toml")
    assert str(err.value) == expected


def test_corpus_is_not_empty() -> None:
    assert len(CASES) >= 7


def test_good_manifest_to_dataclasses() -> None:
    m = parse_manifest(GOOD, path="appendix.toml")
    assert m.site.title == "T" and m.allowed_axioms == ("A.ax",)
    assert m.site.repository == "https://github.com/o/r" and m.site.paper_url is None
    assert [f.id for f in m.families] == ["f"]
    assert m.families[0].explanation == 'Two lines;\nkey = "inside a string"\n'
    assert m.entries == (Entry(
        id="one", lean=("A.b",), family="f", title="One", statement="x \\le 1", summary="S", why="W",
        caveat="C", target="zero-sorry", paper=(PaperLink("§1", "https://example.org/p#sec-1"),), widgets=("w",),
        witness="pkg.mod:check", line=16),)
    assert m.widgets[0].script == "w.js" and m.glossary[0].term == "t"
    assert m.key_line("entries[0].statement") == 21
    assert m.key_line("entries[0].paper[0].url") == 26  # inside an inline table: its parent's line


def test_key_positions_skip_multiline_strings() -> None:
    pos = key_positions(GOOD)
    assert "families[0].key" not in pos
    assert pos["site.title"] == (3, 1)
    assert pos["entries[0]"] == (16, 1)
    assert pos["widgets[0].script"] == (33, 1)


def test_the_example_manifest_is_clean() -> None:
    m = load_manifest(EXAMPLE / "appendix.toml")
    assert len(m.entries) >= 20 and len(m.families) >= 6
    assert validate(m, scan_project(EXAMPLE)) == []


def test_unknown_lean_name_suggests_the_closest() -> None:
    m = parse_manifest(EXAMPLE_TEXT.replace('"NeuralGeometry.jensen_floor"', '"NeuralGeometry.jensen_flor"', 1),
                       path="appendix.toml")
    ledger = scan_project(EXAMPLE)
    issues = validate(m, ledger, base_dir=EXAMPLE)
    assert len(issues) == 1
    i = issues[0]
    assert i.key.endswith(".lean[0]") and i.line is not None
    assert str(i).endswith(": unknown Lean name 'NeuralGeometry.jensen_flor'; did you mean "
                           "'NeuralGeometry.jensen_floor'?")
    # a right last component in the wrong namespace
    m2 = parse_manifest(EXAMPLE_TEXT.replace('"NeuralGeometry.jensen_floor"', '"jensen_floor"', 1), path="a.toml")
    assert "did you mean 'NeuralGeometry.jensen_floor'" in str(check_names(m2, (r.name for r in ledger.records))[0])
    assert "no similar name in the scan" in str(check_names(m2, ["X.y"])[0])


def test_missing_widget_script(tmp_path: Path) -> None:
    p = tmp_path / "appendix.toml"
    p.write_text(GOOD, encoding="utf-8")
    m = load_manifest(p)
    ledger = scan_project(EXAMPLE)
    issues = [i for i in validate(m, ledger) if i.key.startswith("widgets")]
    assert [str(i) for i in issues] == [f"{p}:33:1: widgets[0].script: widget 'w': script 'w.js' does not exist"]


def test_unreadable_and_undecodable(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="cannot read the manifest"):
        load_manifest(tmp_path / "nope.toml")
    p = tmp_path / "bad.toml"
    p.write_bytes(b'[site]\ntitle = "\xff"\n')
    with pytest.raises(ManifestError) as err:
        load_manifest(p)
    assert str(err.value) == f"{p}:2: not valid UTF-8"


def test_issue_format() -> None:
    assert str(Issue("a.toml", 3, 5, "site.title", "m")) == "a.toml:3:5: site.title: m"
    assert str(Issue("a.toml", None, None, "", "m")) == "a.toml: m"


def test_gate_reads_this_manifest(tmp_path: Path) -> None:
    from zerosorry.gate import load_manifest as gate_load

    p = tmp_path / "appendix.toml"
    p.write_text(GOOD, encoding="utf-8")
    g = gate_load(p)
    assert [(e.id, e.lean, e.target, e.witness) for e in g.entries] == [("one", ("A.b",), "zero-sorry", "pkg.mod:check")]
    assert g.allowed_axioms == frozenset({"A.ax"})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifest_texts())
def test_fuzz_random_manifests(text: str) -> None:
    try:
        parse_manifest(text, path="f.toml")
    except ManifestError as err:
        assert err.issues and all(isinstance(i, Issue) for i in err.issues)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(EXAMPLE_TEXT))
def test_fuzz_mutations_of_the_example(text: str) -> None:
    try:
        m = parse_manifest(text, path="appendix.toml")
    except ManifestError as err:
        for issue in err.issues:
            assert issue.line is None or 1 <= issue.line <= text.count("\n") + 1
    else:
        assert m.site.title
