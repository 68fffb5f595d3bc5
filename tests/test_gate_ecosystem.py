"""The pre-commit hook and the composite action run the gate the way their files say."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers_git import DEMO_BASE, commit, demo_files, init_repo, line_of, write_files
from zerosorry.cli import main

REPO = Path(__file__).resolve().parent.parent
BROKEN_BASE = DEMO_BASE.replace("theorem helper (n : Nat) : n = n := rfl",
                                "theorem helper (n : Nat) : n = n := by\n  sorry")


def _hook() -> dict[str, str]:
    text = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    body = text[text.index("- id: zerosorry-check"):]
    fields = {}
    for line in body.splitlines():
        m = re.match(r"^[ -] ?(\w+): (.*)$", line)
        if m:
            fields[m.group(1)] = m.group(2).strip()
    return fields


def test_pre_commit_hook_declaration() -> None:
    hook = _hook()
    assert hook["id"] == "zerosorry-check"
    assert hook["language"] == "python"
    assert hook["entry"] == "zerosorry check"
    assert hook["pass_filenames"] == "false"
    assert hook["files"] == r"\.lean$"
    assert re.search(hook["files"], "Foo/Bar.lean") and not re.search(hook["files"], "README.md")


def test_pre_commit_hook_command_refuses_a_broken_entry(tmp_path: Path, git: str, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    hook = _hook()
    argv = shlex.split(hook["entry"])[1:] + [a.strip().strip('"') for a in hook["args"].strip("[]").split(",")]
    repo = init_repo(tmp_path / "r")
    commit(repo, demo_files(prefix=""), "demo")
    monkeypatch.chdir(repo)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert main([*argv, "--no-cache"]) == 0
    write_files(repo, {"Demo/Base.lean": BROKEN_BASE})
    assert main([*argv, "--no-cache"]) == 1
    assert capsys.readouterr().out.splitlines()[-2].startswith("[zero-sorry] entry top-ok (Demo.top_ok) is deferred")


def _check_step_script() -> str:
    text = (REPO / "action.yml").read_text(encoding="utf-8")
    assert 'using: "composite"' in text and "actions/setup-python@" in text
    assert re.search(r"pip install .*\"\$spec\"", text) and 'spec="zerosorry"' in text
    step = text[text.index("- name: zerosorry check"):]
    script = step[step.index("run: |") + len("run: |"):]
    return "\n".join(line[8:] for line in script.splitlines() if line.startswith("        "))


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed to run the action's step")
def test_action_check_step_annotates_and_writes_the_summary(tmp_path: Path, git: str) -> None:
    script = _check_step_script()
    assert "--format github" in script
    repo = init_repo(tmp_path / "r")
    commit(repo, {**demo_files("proj/"), "proj/Demo/Base.lean": BROKEN_BASE}, "broken")
    summary = tmp_path / "summary.md"
    env = dict(os.environ, ZS_PATH="proj", ZS_ARGS="--ship --allow-axiom Demo.plumbing --no-cache",
               GITHUB_STEP_SUMMARY=str(summary), GITHUB_ACTIONS="true")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    out = subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=env, capture_output=True, text=True,
                         check=False)
    assert out.returncode == 1, out.stderr
    sorry = line_of(BROKEN_BASE, "sorry")
    lines = out.stdout.splitlines()
    assert lines[0].startswith("::notice title=zerosorry::zerosorry check proj: FAILS")  # the verdict first
    assert lines[1].startswith(f"::error file=proj/Demo/Base.lean,line={sorry},title=zerosorry zero-sorry::")
    assert any(x.startswith("::error file=proj/Demo/Base.lean,line=") and "[ship] entry top-deferred" in x for x in lines)
    assert "FAILS" in summary.read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed to run the action's step")
@pytest.mark.parametrize(("version", "package", "expected"), [
    ("", "", "zerosorry"),
    ("0.1.0", "", "zerosorry==0.1.0"),
    ("0.1.0", "zerosorry @ git+https://example.invalid/z.git@main", "zerosorry @ git+https://example.invalid/z.git@main"),
])
def test_action_install_step_picks_the_requirement(tmp_path: Path, version: str, package: str, expected: str) -> None:
    text = (REPO / "action.yml").read_text(encoding="utf-8")
    step = text[text.index("- name: Install zerosorry"):text.index("- name: zerosorry check")]
    script = "\n".join(line[8:] for line in step[step.index("run: |") + 6:].splitlines() if line.startswith("        "))
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python").write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n', encoding="utf-8")
    (fake / "python").chmod(0o755)
    env = dict(os.environ, ZS_VERSION=version, ZS_PACKAGE=package, PATH=f"{fake}{os.pathsep}{os.environ['PATH']}")
    out = subprocess.run(["bash", "-e", "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == expected
    assert out.stdout.splitlines()[:2] == ["-m", "pip"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed to run the action's step")
@pytest.mark.parametrize(("witnesses", "code", "expected"), [
    ("", 0, "check proj --format github --ship"),
    ("true", 0, "check proj --format github --ship"),
    ("false", 0, "check proj --format github --no-witnesses --ship"),
    ("no", 2, "::error title=zerosorry::input witnesses must be true or false, not 'no'"),
])
def test_action_witnesses_input(tmp_path: Path, witnesses: str, code: int, expected: str) -> None:
    """`witnesses: false` (for untrusted pull requests) passes --no-witnesses; anything but
    true/false is refused."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "zerosorry").write_text('#!/bin/sh\necho "$@"\n', encoding="utf-8")
    (fake / "zerosorry").chmod(0o755)
    env = dict(os.environ, ZS_PATH="proj", ZS_ARGS="--ship", ZS_WITNESSES=witnesses,
               PATH=f"{fake}{os.pathsep}{os.environ['PATH']}")
    out = subprocess.run(["bash", "-e", "-c", _check_step_script()], env=env, capture_output=True, text=True,
                         check=False)
    assert (out.returncode, out.stdout.strip()) == (code, expected)
