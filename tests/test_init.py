"""``zerosorry init``: a starter manifest that loads, and whose candidates become valid entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from zerosorry.appendix.manifest import parse_manifest, validate
from zerosorry.cli import main
from zerosorry.commands.init import uncomment_entry
from zerosorry.scan import scan_project

from .site_support import EXAMPLE


def test_init_on_the_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "appendix.toml"
    assert main(["init", str(EXAMPLE), "--out", str(out)]) == 0
    assert "candidate entries (commented out)" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    m = parse_manifest(text, path=str(out))
    assert m.entries == ()
    ledger = scan_project(EXAMPLE)
    files = {r.file for r in ledger.records}
    assert len(m.families) == len(files)
    theorems = [r for r in ledger.records if r.kind in ("theorem", "lemma")]
    assert text.count("# [[entries]]") == len(theorems)

    # uncommenting a candidate gives a valid, load-bearing entry
    name = "NeuralGeometry.jensen_floor"
    m2 = parse_manifest(uncomment_entry(text, name), path=str(out))
    assert [e.lean for e in m2.entries] == [(name,)]
    assert m2.entries[0].target == "open"
    assert validate(m2, ledger) == []


def test_init_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "appendix.toml"
    out.write_text("mine", encoding="utf-8")
    assert main(["init", str(EXAMPLE), "--out", str(out), "-q"]) == 2
    assert "already there; pass --force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "mine"
    assert main(["init", str(EXAMPLE), "--out", str(out), "-q", "--force"]) == 0
    assert out.read_text(encoding="utf-8").startswith("# appendix.toml")
