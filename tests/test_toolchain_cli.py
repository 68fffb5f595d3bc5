"""End to end through the command line: the source engine reads a real project, the lean
engine asks the stand-in Lake (linked as `lake` on PATH), and the ledger records both verdicts.
The project is docs/engines.md's worked example."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from zerosorry.cli import main
from zerosorry.ledger import io

STANDIN = Path(__file__).parent / "standin" / "fake_lake"

BASIC = """\
class Nice (α : Type) : Prop where
  nice : True

instance instNiceNat : Nice Nat := sorry

theorem nat_is_nice : Nice Nat := inferInstance
def giveUp (g : Lean.MVarId) : Lean.MetaM Unit := g.admit
elab "trust_me" : tactic => do giveUp (← Lean.Elab.Tactic.getMainGoal)

theorem by_macro : 1 + 1 = 2 := by trust_me
"""

BROKEN = """\
import Demo.Basic

theorem broken (x : Nat) : x + 0 = x := by
  simp only []
"""

BUILD = """\
⚠ [1/3] Built Demo.Basic (210ms)
warning: Demo/Basic.lean:4:9: declaration uses 'sorry'
warning: Demo/Basic.lean:10:8: declaration uses 'sorry'
✖ [2/3] Building Demo.Broken (120ms)
error: Demo/Broken.lean:4:2: unsolved goals
x : Nat
⊢ x + 0 = x
Some required targets logged failures:
- Demo.Broken
error: build failed
"""


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "demo"
    (root / "Demo").mkdir(parents=True)
    (root / "Demo" / "Basic.lean").write_text(BASIC, encoding="utf-8")
    (root / "Demo" / "Broken.lean").write_text(BROKEN, encoding="utf-8")
    (root / "lakefile.toml").write_text('name = "Demo"\n\n[[lean_lib]]\nname = "Demo"\n', encoding="utf-8")
    lib = root / ".lake" / "build" / "lib" / "lean" / "Demo"
    lib.mkdir(parents=True)
    ilean = {"version": 5, "module": "Demo.Basic", "directImports": [], "references": {},
             "decls": {"Nice": [0, 0, 1, 13, 0, 6, 0, 10], "Nice.nice": [1, 2, 1, 13, 1, 2, 1, 6],
                       "instNiceNat": [3, 0, 3, 40, 3, 9, 3, 20],
                       "nat_is_nice": [5, 0, 5, 47, 5, 8, 5, 19],
                       "by_macro": [9, 0, 9, 43, 9, 8, 9, 16]}}
    (lib / "Basic.ilean").write_text(json.dumps(ilean), encoding="utf-8")
    (lib / "Basic.olean").write_bytes(b"olean")
    (tmp_path / "build.txt").write_text(BUILD, encoding="utf-8")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "lake").symlink_to(STANDIN)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_LAKE_BUILD_OUTPUT", str(tmp_path / "build.txt"))
    monkeypatch.setenv("FAKE_LAKE_BUILD_RC", "1")
    monkeypatch.setenv("FAKE_LAKE_AXIOMS", json.dumps({
        "Nice": [], "instNiceNat": ["sorryAx"], "by_macro": ["sorryAx"],
        "nat_is_nice": ["propext", "sorryAx", "Classical.choice", "Quot.sound"]}))
    for var in ("FAKE_LAKE_SLEEP", "FAKE_LAKE_QUERY_SLEEP", "FAKE_LAKE_LOG", "FAKE_LAKE_QUERY_COPY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return root


def test_scan_engine_both_records_the_three_disagreements(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "lean_status.json"
    assert main(["scan", str(demo), "--engine", "both", "--no-cache", "-q", "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert io.validate(data) == []
    assert data["engine"] == "both" and data["engine_info"]["requested"] == "both"
    status = {d["name"]: (d["status"], d.get("lean_status")) for d in data["declarations"]}
    assert status == {"Nice": ("proven", "proven"), "giveUp": ("proven", "proven"),
                      "instNiceNat": ("deferred", "deferred"),
                      "nat_is_nice": ("deferred", "deferred"), "by_macro": ("deferred", "deferred"),
                      "broken": ("deferred", "deferred")}
    causes = {d["name"]: d["likely_cause"] for d in data["disagreements"]}
    # the source engine counts the sorried instance type-class search can pick (a possible use):
    # on nat_is_nice the engines agree
    assert set(causes) == {"by_macro", "broken"}
    assert causes["by_macro"].startswith("macro expanding to sorry")
    assert causes["broken"].startswith("compile error")
    broken = next(d for d in data["declarations"] if d["name"] == "broken")
    assert broken["reason"].startswith("does not compile: unsolved goals")


def test_scan_engine_auto_without_lake_keeps_the_source_ledger(demo: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "lean_status.json"
    assert main(["scan", str(demo), "--engine", "auto", "--no-cache", "-q", "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["engine"] == "source" and "not on PATH" in data["engine_info"]["fallback_reason"]
    by_name = {d["name"]: d for d in data["declarations"]}
    # the source engine cannot run type-class search: it counts the sorried instance it may pick
    nice = by_name["nat_is_nice"]
    assert (nice["status"], nice.get("possible_deferral")) == ("deferred", True)
    assert nice["via"] == ["nat_is_nice", "instNiceNat"]
    assert nice["possible_refs"] == [{"ref": "instance search", "candidates": ["instNiceNat"]}]


def test_scan_engine_lean_without_lake_exits_2(demo: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["scan", str(demo), "--engine", "lean", "--no-cache", "-q"]) == 2
    assert "not on PATH" in capsys.readouterr().err


def test_scan_text_lists_each_disagreement_with_place_and_cause(
        demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["scan", str(demo), "--engine", "both", "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "the engines disagree on 2 declarations (the ledger keeps Lean's verdict):" in out
    assert ("Demo/Basic.lean:10: by_macro: source engine says proven, Lean says deferred "
            "(macro expanding to sorry") in out
    assert "nat_is_nice" not in out  # a possible instance use: the source engine says deferred too
    assert "Demo/Broken.lean:3: broken: source engine says proven, Lean says deferred (compile error" in out


def test_scan_markdown_has_a_disagreement_table(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(demo), "--engine", "both", "--no-cache", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "### Where the engines disagree (2)" in out
    assert "| `by_macro` | proven | deferred | macro expanding to sorry" in out


def test_site_under_engine_both_shows_the_disagreements(demo: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert main(["site", str(demo), "--out", str(site), "--engine", "both", "--no-cache"]) == 0
    page = (site / "declarations.html").read_text(encoding="utf-8")
    assert "Where the engines disagree (2)" in page
    rows = page.split('id="engines-')[1:]
    assert [r.split('"', 1)[0] for r in rows] == ["broken", "by-macro"]
    assert "macro expanding to sorry" in rows[1] and "chip-proven" in rows[1] and "chip-deferred" in rows[1]
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="declarations.html#disagreements"' in index and "the engines disagree on 2" in index
    # a source-engine site has no such section
    plain = tmp_path / "plain"
    assert main(["site", str(demo), "--out", str(plain), "--engine", "source", "--no-cache"]) == 0
    assert "disagree" not in (plain / "declarations.html").read_text(encoding="utf-8")
