"""``zerosorry diff`` between git revisions (scanned from git objects) and ledger files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers_git import (
    DEMO_BASE,
    DEMO_MID,
    DEMO_TOP,
    commit,
    demo_files,
    init_repo,
    line_of,
    write_files,
)
from zerosorry.cli import main

BASE, MID, TOP = "Demo/Base.lean", "Demo/Mid.lean", "Demo/Top.lean"

NEW_BASE = (DEMO_BASE
            .replace("theorem helper (n : Nat) : n = n := rfl", "theorem helper (n : Nat) : n = n := by\n  sorry")
            .replace("theorem gap_lemma (n : Nat) : n + 0 = n := by\n  sorry", "theorem gap_lemma (n : Nat) : n + 0 = n := rfl"))
NEW_MID = (DEMO_MID.replace("theorem mid_native : 10 < 20 := by native_decide", "theorem mid_native : 10 < 20 := by decide")
           .replace("end Demo", "axiom extra : 2 = 2\n\ntheorem bv : 1 = 1 := by bv_decide\n\nend Demo"))
NEW_TOP = DEMO_TOP.replace("theorem top_axiom (n : Nat) : n = n := via_axiom n\n\n", "")


@pytest.fixture
def repo(tmp_path: Path, git: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = init_repo(tmp_path / "repo")
    commit(root, demo_files(), "v1")
    commit(root, {f"proj/{BASE}": NEW_BASE, f"proj/{MID}": NEW_MID, f"proj/{TOP}": NEW_TOP}, "v2")
    monkeypatch.chdir(root)
    return root


def test_diff_between_two_revisions_json(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "HEAD~1", "HEAD", "--project", "proj", "--format", "json", "--no-cache"]) == 0
    d = json.loads(capsys.readouterr().out)
    changes = lambda key: [(c["name"], c["old"], c["new"]) for c in d[key]]  # noqa: E731
    assert changes("newly_proven") == [
        ("Demo.gap_lemma", "deferred", "proven"),
        ("Demo.mid_gap", "deferred", "proven"),
        ("Demo.top_deferred", "deferred", "proven"),
    ]
    assert changes("newly_deferred") == [
        ("Demo.helper", "proven", "deferred"),
        ("Demo.mid", "proven", "deferred"),
        ("Demo.top_ok", "proven", "deferred"),
    ]
    assert d["newly_deferred"][2]["via"] == ["Demo.top_ok", "Demo.mid", "Demo.helper"]
    assert (d["newly_deferred"][2]["sorry_file"], d["newly_deferred"][2]["sorry_line"]) == (BASE, line_of(NEW_BASE, "sorry"))
    assert [(r["name"], r["status"]) for r in d["added"]] == [("Demo.bv", "proven"), ("Demo.extra", "axiom")]
    assert [r["name"] for r in d["removed"]] == ["Demo.top_axiom"]
    assert [r["name"] for r in d["axioms_added"]] == ["Demo.extra"] and d["axioms_removed"] == []
    assert [(t["name"], t["trust"]) for t in d["trusts_added"]] == [("Demo.bv", "bv_decide")]
    assert [(t["name"], t["trust"]) for t in d["trusts_removed"]] == [("Demo.mid_native", "native_decide")]
    # load-bearing entries from the new revision's appendix.toml
    assert [(e["entry"], e["name"], e["old"], e["new"]) for e in d["entries"]] == [
        ("top-ok", "Demo.top_ok", "proven", "deferred"),
        ("top-deferred", "Demo.top_deferred", "deferred", "proven"),
        ("top-axiom", "Demo.top_axiom", "proven", None),
    ]
    assert (d["old_sorries"], d["new_sorries"]) == (1, 1)
    assert d["new_label"].startswith("HEAD (") and d["empty"] is False


def test_diff_markdown_for_a_review_comment(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "HEAD~1", "HEAD", "--project", "proj", "--no-cache"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("## zerosorry: `HEAD~1 (")
    assert "| proven | 7 | 7 | 0 |" in md and "| deferred | 3 | 3 | 0 |" in md and "| axiom | 1 | 2 | +1 |" in md
    assert "| top-ok | `Demo.top_ok` | proven | **deferred** |" in md
    assert "| top-axiom | `Demo.top_axiom` | proven | **(absent)** |" in md
    sorry = line_of(NEW_BASE, "sorry")
    assert (f"- `Demo.top_ok` ({TOP}:{line_of(NEW_TOP, 'theorem top_ok')}): proven → **deferred** via "
            f"`Demo.top_ok` → `Demo.mid` → `Demo.helper` ({BASE}:{sorry})") in md
    assert "### Newly proven (3)" in md and "### Trust extensions added (1)" in md
    assert f"- `bv_decide` in `Demo.bv` ({MID}:{line_of(NEW_MID, 'theorem bv')})" in md


def test_diff_reads_git_objects_not_the_working_tree(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # uncommitted edits and an untracked file must not leak into a revision's scan
    write_files(repo, {f"proj/{TOP}": DEMO_TOP.replace("mid n", "by sorry"), "proj/Demo/Extra.lean": "theorem x : True := sorry\n"})
    before = (repo / "proj" / TOP).read_text()
    assert main(["diff", "HEAD", "HEAD", "--project", "proj", "--no-cache"]) == 0
    md = capsys.readouterr().out
    assert "No declaration changed status; nothing added or removed." in md
    assert (repo / "proj" / TOP).read_text() == before  # the working tree is untouched


def test_diff_ledger_file_against_revision(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # ledger of the working tree (== HEAD) against the previous revision, and the reverse
    assert main(["scan", "proj", "--no-cache", "-q", "--out", "head.json"]) == 0
    assert main(["diff", "HEAD~1", "head.json", "--project", "proj", "--format", "json", "--no-cache"]) == 0
    forward = json.loads(capsys.readouterr().out)
    assert main(["diff", "head.json", "HEAD~1", "--project", "proj", "--format", "json", "--no-cache"]) == 0
    backward = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in forward["newly_deferred"]] == [c["name"] for c in backward["newly_proven"]]
    assert [r["name"] for r in forward["added"]] == [r["name"] for r in backward["removed"]]
    # a ledger has no manifest: the project's appendix.toml on disk supplies the entries
    assert [e["entry"] for e in forward["entries"]] == ["top-ok", "top-deferred", "top-axiom"]


def test_diff_errors(repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["diff", "nope", "HEAD", "--project", "proj"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("zerosorry diff: error: nope: neither a ledger file nor a revision of ")
    outside = tmp_path / "plain"
    outside.mkdir()
    assert main(["diff", "HEAD~1", "HEAD", "--project", str(outside)]) == 2
    assert "HEAD~1: neither a ledger file nor a revision (no git repository at" in capsys.readouterr().err


def test_the_change_that_adds_the_project(tmp_path: Path, git: str, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A revision from before the project existed is an empty project, for diff and for the
    gate's --baseline (the first push of a Lean project must not fail CI); a broken manifest
    on the old side is a warning that names the revision's file."""
    root = init_repo(tmp_path / "repo")
    commit(root, {"README.md": "nothing yet\n", "proj/appendix.toml": "[site\n"}, "before")
    commit(root, demo_files(), "the project")
    monkeypatch.chdir(root)
    assert main(["diff", "HEAD~1", "HEAD", "--project", "proj", "--format", "json", "--no-cache"]) == 0
    out, err = capsys.readouterr()
    d = json.loads(out)
    assert d["removed"] == [] and "Demo.top_ok" in [r["name"] for r in d["added"]]
    assert "warning: HEAD~1:appendix.toml:" in err and "zerosorry-manifest-" not in err
    code = main(["check", "proj", "--no-cache", "--baseline", "HEAD~1"])
    out = capsys.readouterr().out
    assert code == 0, out  # nothing to regress from: the baseline policy does not run, and says so
    assert ("note: --baseline HEAD~1: the project does not exist at that revision, so the baseline "
            "policy has nothing to compare with and did not run") in out
