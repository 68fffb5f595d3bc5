"""Reading a revision's project files from git objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers_git import commit, demo_files, fast_import, init_repo
from tests.helpers_git import git as run_git
from zerosorry import gitsource
from zerosorry.errors import InputError
from zerosorry.ledger import io
from zerosorry.scan import scan_project


def test_files_at_a_revision_match_what_was_committed(tmp_path: Path, git: str) -> None:
    repo = init_repo(tmp_path / "r")
    files = demo_files()
    files["proj/.lake/packages/x/X.lean"] = "theorem hidden : True := sorry\n"
    files["proj/Demo/Ünïcode name.lean"] = "theorem u : 1 = 1 := rfl\n"
    files["other/Other.lean"] = "theorem o : 1 = 1 := rfl\n"
    first = commit(repo, files, "one")
    commit(repo, {"proj/Demo/Top.lean": None}, "two")
    with gitsource.GitObjects(repo) as objects:
        got = objects.files(first, "proj")
        assert set(got) == {"lakefile.toml", "appendix.toml", "Demo/Base.lean", "Demo/Mid.lean",
                            "Demo/Top.lean", "Demo/Ünïcode name.lean"}
        assert got["Demo/Top.lean"].decode() == files["proj/Demo/Top.lean"]
        assert "Demo/Top.lean" not in objects.files("HEAD", "proj")
        assert set(objects.files(first, "")) >= {"other/Other.lean", "proj/Demo/Base.lean"}


def test_revision_scan_equals_a_checkout_scan(tmp_path: Path, git: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    repo = init_repo(tmp_path / "r")
    sha = commit(repo, demo_files(), "one")
    with gitsource.GitObjects(repo) as objects:
        from_git = gitsource.scan_revision(objects, gitsource.resolve(repo, "HEAD"), "proj")
    on_disk = scan_project(repo / "proj", use_cache=False)
    a, b = io.to_json(from_git), io.to_json(on_disk)
    assert a["declarations"] == b["declarations"] and a["counts"] == b["counts"]
    assert from_git.source.commit == sha and from_git.source.dirty is False


def test_first_parent_history_since_and_max(tmp_path: Path, git: str) -> None:
    repo = init_repo(tmp_path / "r")
    shas = fast_import(repo, [(f"c{i}", {"A.lean": f"theorem t{i} : 1 = 1 := rfl\n"}) for i in range(6)])
    # a side branch merged in: its commits are not on the first-parent chain
    run_git(repo, "checkout", "-q", "-b", "side", shas[2])
    side = commit(repo, {"B.lean": "theorem b : 1 = 1 := rfl\n"}, "side")
    run_git(repo, "checkout", "-q", "main")
    run_git(repo, "merge", "-q", "--no-ff", "-m", "merge side", "side")
    revs = gitsource.first_parent_history(repo)
    assert [r.sha for r in revs[:-1]] == shas and side not in {r.sha for r in revs}
    assert revs[-1].subject == "merge side"
    assert [r.sha for r in gitsource.first_parent_history(repo, since=shas[3])][:3] == shas[3:6]
    assert [r.subject for r in gitsource.first_parent_history(repo, max_commits=2)] == ["c5", "merge side"]
    assert revs[1].time - revs[0].time == 3600
    with pytest.raises(InputError, match="not a revision"):
        gitsource.first_parent_history(repo, since="nope")
