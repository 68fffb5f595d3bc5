"""Witnesses run isolated: one that hangs is stopped at --witness-timeout, one that aborts or
exhausts its memory fails alone, with what it printed last; independent witnesses run in
parallel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import test_gate
from tests.helpers_git import demo_manifest, write_files
from tests.test_gate import check, witness_module
from zerosorry import witnesses

repo = test_gate.repo  # the demo project, committed; the tests run from its root

BODY = """import os, sys, time
from pathlib import Path

def good():
    return {"passed": True, "summary": "fine", "counterexample": None}

def hang():
    print("started the loop", flush=True)
    while True:
        time.sleep(0.05)

def aborts():
    print("about to abort", flush=True)
    os.abort()

def hog():
    print("allocating", flush=True)
    blocks = [bytearray(64 * 1024 * 1024) for _ in range(16)]
    return {"passed": True, "summary": str(len(blocks)), "counterexample": None}

def _meet(mine, other):
    Path(os.environ["ZS_MEET"], mine).touch()
    for _ in range(400):
        if Path(os.environ["ZS_MEET"], other).exists():
            return {"passed": True, "summary": "met " + other, "counterexample": None}
        time.sleep(0.05)
    return {"passed": False, "summary": "never met " + other, "counterexample": None}

def left():
    return _meet("left", "right")

def right():
    return _meet("right", "left")
"""


def second_entry(spec: str) -> str:
    return f"""
[[entries]]
id = "second"
lean = ["Demo.top_ok"]
family = "demo"
title = "Second"
statement = 'n = n'
summary = "s"
why = "w"
target = "zero-sorry"
witness = "{spec}"
"""


def findings(out: list[str]) -> list[dict[str, object]]:
    return [f for f in json.loads("\n".join(out))["findings"] if f["kind"] == "witness-failed"]


def test_a_hanging_witness_is_stopped_and_fails_alone(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    mod = witness_module(tmp_path, monkeypatch, BODY)
    write_files(repo, {"proj/appendix.toml": demo_manifest(witness_ok=f"{mod}:hang",
                                                           extra_entries=second_entry(f"{mod}:good"))})
    code, out, err = check(capsys, "--witness-timeout", "2", "--format", "json")
    assert code == 1
    [f] = findings(out)
    assert f["witness"] == f"{mod}:hang" and f["entry"] == "top-ok"
    assert f["summary"] == "timed out after 2 s (--witness-timeout); last output: started the loop"
    assert "started the loop" in err  # what it printed goes to stderr, never into the report


def test_an_aborting_witness_is_a_crash_with_its_last_output(repo: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    mod = witness_module(tmp_path, monkeypatch, BODY)
    write_files(repo, {"proj/appendix.toml": demo_manifest(witness_ok=f"{mod}:aborts",
                                                           extra_entries=second_entry(f"{mod}:good"))})
    code, out, _ = check(capsys, "--format", "json")
    assert code == 1
    [f] = findings(out)
    assert f["summary"] == "crashed (SIGABRT); last output: about to abort"
    # the gate itself went on: the other policies ran and reported
    assert json.loads("\n".join(out))["policies"] == ["zero-sorry", "manifest", "witness", "axiom"]


def test_a_witness_over_its_memory_limit_fails(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    mod = witness_module(tmp_path, monkeypatch, BODY)
    write_files(repo, {"proj/appendix.toml": demo_manifest(witness_ok=f"{mod}:hog")})
    code, out, _ = check(capsys, "--witness-memory", "512", "--format", "json")
    assert code == 1
    [f] = findings(out)
    assert str(f["summary"]).startswith("MemoryError")
    # without the limit the same witness passes (1 GiB of address space; the memory is not needed:
    # the blocks are never touched, so the kernel lends them)
    code, out, _ = check(capsys, "--witness-memory", "0", "--format", "json")
    assert findings(out) == []


def test_independent_witnesses_run_in_parallel(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Each of the two waits for the other to have started: run one after the other, the
    first would wait in vain and fail."""
    mod = witness_module(tmp_path, monkeypatch, BODY)
    meet = tmp_path / "meet"
    meet.mkdir()
    monkeypatch.setenv("ZS_MEET", str(meet))
    write_files(repo, {"proj/appendix.toml": demo_manifest(witness_ok=f"{mod}:left",
                                                           extra_entries=second_entry(f"{mod}:right"))})
    code, out, _ = check(capsys, "-j", "2")
    assert (code, out) == (0, ["zerosorry check proj: holds; policies: zero-sorry, manifest, witness, axiom"])
    # alone, the same witness waits in vain: the meeting above needed both at once
    for f in meet.iterdir():
        f.unlink()
    results = witnesses.run_all([f"{mod}:left"], witnesses.Limits(timeout=3, jobs=1))
    assert str(results[f"{mod}:left"]["summary"]).startswith("timed out after 3 s")
