"""Root causes first (check, diff, GitHub annotations, the step summary) and stable identities
(examples that move, renamed declarations), on git histories built here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers_git import commit, init_repo, line_of
from zerosorry.cli import main

LAKEFILE = 'name = "wide"\n\n[[lean_lib]]\nname = "Wide"\n'


def core(*, wide_sorry: bool = False, narrow_sorry: bool = False, side_sorry: bool = False) -> str:
    """Three lemmas that others build on; each may hold a sorry."""
    def body(s: bool) -> str:
        return "by\n  sorry" if s else "rfl"
    return (f"namespace Wide\n\ntheorem wide_le (n : Nat) : n = n := {body(wide_sorry)}\n\n"
            f"theorem narrow_le (n : Nat) : n = n := {body(narrow_sorry)}\n\n"
            f"theorem side_le (n : Nat) : n = n := {body(side_sorry)}\n\nend Wide\n")


def users(wide: int = 20, narrow: int = 2, side: int = 4) -> str:
    lines = ["import Wide.Core", "", "namespace Wide", ""]
    lines += [f"theorem uses_wide_{i} (n : Nat) : n = n := wide_le n\n" for i in range(wide)]
    lines += [f"theorem uses_narrow_{i} (n : Nat) : n = n := narrow_le n\n" for i in range(narrow)]
    lines += [f"theorem uses_side_{i} (n : Nat) : n = n := side_le n\n" for i in range(side)]
    lines += ["end Wide", ""]
    return "\n".join(lines)


MANIFEST = """[site]
title = "wide"
paper_title = "Wide"

[[families]]
id = "w"
title = "W"
explanation = "x"

[[entries]]
id = "narrow-result"
lean = ["Wide.uses_narrow_0"]
family = "w"
title = "Narrow"
statement = "n = n"
summary = "s"
why = "w"
target = "in-progress"

[[entries]]
id = "narrow-twin"
lean = ["Wide.uses_narrow_1"]
family = "w"
title = "Narrow twin"
statement = "n = n"
summary = "s"
why = "w"
target = "in-progress"
"""


def files(**kw: bool) -> dict[str, str | None]:
    return {"proj/lakefile.toml": LAKEFILE, "proj/appendix.toml": MANIFEST,
            "proj/Wide/Core.lean": core(**kw), "proj/Wide/Users.lean": users()}


@pytest.fixture
def repo(tmp_path: Path, git: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """v1 all proven; v2 puts a sorry into each of the three lemmas."""
    root = init_repo(tmp_path / "repo")
    commit(root, files(), "v1: all proven")
    commit(root, files(wide_sorry=True, narrow_sorry=True, side_sorry=True), "v2: three sorries")
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return root


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main([*args, "--no-cache"])
    return code, capsys.readouterr().out


CORE2 = core(wide_sorry=True, narrow_sorry=True, side_sorry=True)
WIDE_AT = f"Wide/Core.lean:{line_of(CORE2, 'sorry')}"


def test_check_groups_by_root_cause_most_load_bearing_first(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "check", "proj", "--baseline", "HEAD~1")
    lines = out.splitlines()
    assert code == 1
    # narrow_le holds back 2 load-bearing entries (3 declarations): first, though wide_le holds 21
    assert [ln.split(" (")[0] for ln in lines[:3]] == [
        "[baseline] root cause: Wide.narrow_le", "[baseline] root cause: Wide.wide_le",
        "[baseline] root cause: Wide.side_le"]
    assert lines[1].startswith(f"[baseline] root cause: Wide.wide_le ({WIDE_AT}) got a sorry: 21 declarations newly "
                               "deferred (held back: Wide.uses_wide_0, ")
    assert lines[1].endswith("and 15 more)")
    assert "3 declarations newly deferred, 2 load-bearing: narrow-result, narrow-twin" in lines[0]
    assert not [ln for ln in lines if "was proven in the baseline" in ln]
    # JSON keeps the full list: each finding, and each cause with every declaration
    code, out = run(capsys, "check", "proj", "--baseline", "HEAD~1", "--format", "json")
    data = json.loads(out)
    assert [c["name"] for c in data["root_causes"]] == ["Wide.narrow_le", "Wide.wide_le", "Wide.side_le"]
    assert len(data["root_causes"][1]["declarations"]) == 21
    assert sum(f["kind"] == "newly-deferred" for f in data["findings"]) == 21 + 3 + 5
    assert [e["entry"] for e in data["root_causes"][0]["entries"]] == ["narrow-result", "narrow-twin"]


def test_github_one_annotation_per_root_cause_and_entry(repo: Path, capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out = run(capsys, "check", "proj", "--baseline", "HEAD~1", "--format", "github")
    lines = out.splitlines()
    assert code == 1
    assert lines[0].startswith("::notice title=zerosorry::zerosorry check proj: FAILS")
    assert "3 root causes account for 29 declarations" in lines[0]
    errors = [ln for ln in lines if ln.startswith("::error")]
    # 3 root causes + 2 load-bearing entries + 1 "sorries grew": never one per inherited declaration
    assert len(errors) == 6
    assert errors[0].startswith(f"::error file=proj/Wide/Core.lean,line={line_of(CORE2, 'theorem narrow_le') + 1},"
                                "title=zerosorry baseline%3A root cause::")
    entry_lines = [ln for ln in errors if "load-bearing entry held back" in ln]
    want = [line_of(MANIFEST, f'lean = ["Wide.uses_narrow_{i}"]') for i in (0, 1)]
    assert [ln.split(",")[1] for ln in entry_lines] == [f"line={n}" for n in want]
    assert all(ln.startswith("::error file=proj/appendix.toml,") for ln in entry_lines)
    # the step summary: the causes first, each declaration list folded
    md = summary.read_text(encoding="utf-8")
    assert md.index("### Root causes (3)") < md.index("| policy | finding | where |")
    assert md.count("<details><summary>") == 3 and "<summary>21 declarations</summary>" in md
    assert "`Wide.uses_wide_19`" in md


def test_diff_root_causes_first_full_list_folded(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, md = run(capsys, "diff", "HEAD~1", "HEAD", "--project", "proj")
    assert code == 0
    assert md.index("### Root causes (3)") < md.index("### Newly deferred (29)")
    assert f"- **`Wide.wide_le`** ({WIDE_AT}) got a sorry: 21 declarations newly deferred" in md
    # the full list is there, folded, not cut at a limit
    folded = md[md.index("### Newly deferred (29)"):]
    assert folded.startswith("### Newly deferred (29)\n\n<details><summary>all 29</summary>")
    assert "`Wide.uses_wide_19`" in folded and "… and" not in folded
    # the declarations that received a sorry have their own line, with file:line
    assert f"- `Wide.wide_le` ({WIDE_AT}): 0 → 1 sorry" in md
    code, out = run(capsys, "diff", "HEAD~1", "HEAD", "--project", "proj", "--format", "json")
    d = json.loads(out)
    assert [c["name"] for c in d["root_causes"]] == ["Wide.narrow_le", "Wide.wide_le", "Wide.side_le"]
    assert d["root_causes"][1]["headline"].startswith(f"Wide.wide_le ({WIDE_AT}) got a sorry: 21 declarations")


def test_diff_names_sorry_count_changes_without_status_change(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    two = CORE2.replace("theorem side_le (n : Nat) : n = n := by\n  sorry",
                        "theorem side_le (n : Nat) : n = n := by\n  have : 1 = 1 := by sorry\n  sorry")
    commit(repo, {"proj/Wide/Core.lean": two}, "v3: a second sorry in an already deferred proof")
    code, md = run(capsys, "diff", "HEAD~1", "HEAD", "--project", "proj")
    assert code == 0
    assert "No declaration changed status" not in md
    assert "### Root causes" not in md and "### Newly deferred" not in md
    at = line_of(two, "have : 1 = 1")
    assert f"### Where sorry counts changed (1)\n\n- `Wide.side_le` (Wide/Core.lean:{at}): 1 → 2 sorries (lines {at}, {at + 1})" in md


EXAMPLE_CORE = """namespace Wide

theorem base (n : Nat) : n = n := rfl

example : 2 = 2 := base 2

end Wide
"""


def test_an_example_that_moves_keeps_its_identity(tmp_path: Path, git: str, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    root = init_repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    commit(root, {"proj/lakefile.toml": LAKEFILE, "proj/Wide/Core.lean": EXAMPLE_CORE}, "v1")
    moved = EXAMPLE_CORE.replace("example :", "-- a comment\n\nexample :")
    commit(root, {"proj/Wide/Core.lean": moved}, "v2: the example moves down two lines")
    code, md = run(capsys, "diff", "HEAD~1", "HEAD", "--project", "proj")
    assert code == 0 and "No declaration changed status; nothing added or removed." in md
    # it moves again and the lemma it uses gets a sorry: the example is newly deferred, not "added"
    broken = moved.replace("theorem base (n : Nat) : n = n := rfl", "theorem base (n : Nat) : n = n := by\n  sorry")
    broken = broken.replace("-- a comment", "-- a comment\n-- and another")
    commit(root, {"proj/Wide/Core.lean": broken}, "v3")
    code, out = run(capsys, "diff", "HEAD~1", "HEAD", "--project", "proj", "--format", "json")
    d = json.loads(out)
    assert d["added"] == [] and d["removed"] == []
    example = [c for c in d["newly_deferred"] if c["name"].startswith("_example.")]
    assert len(example) == 1 and example[0]["name"].startswith("_example.Wide.Core.Wide.x")
    assert example[0]["line"] == line_of(broken, "example :")
    code, out = run(capsys, "check", "proj", "--baseline", "HEAD~2")
    assert code == 1 and "2 declarations newly deferred" in out


def test_a_renamed_declaration_is_reported_renamed_and_its_status_carries_over(
        tmp_path: Path, git: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = init_repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    text = "namespace Wide\n\ntheorem gap (n : Nat) : n = n := rfl\n\ntheorem user (n : Nat) : n = n := gap n\n\nend Wide\n"
    commit(root, {"proj/lakefile.toml": LAKEFILE, "proj/Wide/Core.lean": text}, "v1")
    renamed = text.replace("theorem user ", "theorem user_renamed ")
    commit(root, {"proj/Wide/Core.lean": None, "proj/Wide/Moved.lean": renamed}, "v2: rename and move")
    code, out = run(capsys, "diff", "HEAD~1", "HEAD", "--project", "proj", "--format", "json")
    d = json.loads(out)
    assert d["added"] == [] and d["removed"] == []
    assert [(m["old_name"], m["new_name"], m["old_file"], m["new_file"]) for m in d["moved"]] == [
        ("Wide.gap", "Wide.gap", "Wide/Core.lean", "Wide/Moved.lean"),
        ("Wide.user", "Wide.user_renamed", "Wide/Core.lean", "Wide/Moved.lean")]
    code, md = run(capsys, "diff", "HEAD~1", "HEAD", "--project", "proj")
    assert "- `Wide.user` (Wide/Core.lean:5) → `Wide.user_renamed` (Wide/Moved.lean:5): renamed and moved, same text" in md
    assert "- `Wide.gap` (Wide/Core.lean:3) → `Wide.gap` (Wide/Moved.lean:3): moved, same name" in md
    # the ratchet: the renamed declaration was proven in the baseline (under its old name), so
    # the sorry that now holds it back is a regression of it too
    broken = renamed.replace("theorem gap (n : Nat) : n = n := rfl", "theorem gap (n : Nat) : n = n := by\n  sorry")
    (root / "proj/Wide/Moved.lean").write_text(broken, encoding="utf-8")
    code, out = run(capsys, "check", "proj", "--baseline", "HEAD~1")
    assert code == 1
    assert out.splitlines()[0] == (f"[baseline] root cause: Wide.gap (Wide/Moved.lean:{line_of(broken, 'sorry')}) "
                                   "got a sorry: 2 declarations newly deferred (held back: Wide.user_renamed)")
