"""The lean engine's orchestration, driven by a stand-in for Lake (tests/standin/fake_lake)
that prints Lake's and Lean's formats, fails, or hangs past the timeout."""

from __future__ import annotations

import copy
import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from zerosorry.errors import InputError
from zerosorry.lean.leanout import AxiomAnswer
from zerosorry.lean.toolchain import (
    LeanRun,
    _Evidence,
    _Locator,
    _verdicts,
    apply_engine,
    run_streaming,
)
from zerosorry.ledger import io
from zerosorry.ledger.model import EngineInfo, Ledger, Record, SourceInfo, Status

STANDIN = Path(__file__).parent / "standin"
FIX = Path(__file__).parent / "fixtures" / "lean_outputs"
LAKE = "fake_lake"

P, D, S, A = Status.PROVEN, Status.DEFERRED, Status.STUB, Status.AXIOM


def rec(name: str, file: str, line: int, end: int, status: Status, kind: str = "theorem",
        **kw: object) -> Record:
    return Record(name=name, kind=kind, status=status, file=file, line=line, end_line=end,
                  signature=": True", docstring=None, **kw)  # type: ignore[arg-type]


def demo_ledger() -> Ledger:
    b, s, k, u = "Demo/Basic.lean", "Demo/Sorry.lean", "Demo/Broken.lean", "Demo/UsesBroken.lean"
    records = [
        rec("Demo.add_zero", b, 3, 4, P),
        rec("Demo.uses_add", b, 9, 10, P, uses=["Demo.add_zero"]),
        rec("Demo.instFooNat", b, 14, 15, P, kind="instance",
            approximate=["anonymous instance: the name Demo.instFooNat is zerosorry's guess at Lean's"]),
        rec("Demo.ax", b, 16, 16, A, kind="axiom", axioms=["Demo.ax"]),
        rec("Demo.uses_ax", b, 18, 19, P, uses=["Demo.ax"], axioms=["Demo.ax"]),
        rec("Demo.native", b, 21, 22, P, trusts=["native_decide"]),
        rec("Demo.stub", b, 24, 24, S, sorry_lines=[24]),
        rec("Demo.instThing", b, 26, 27, D, kind="instance", sorry_lines=[27], via=["Demo.instThing"]),
        rec("Demo.uses_inst", b, 29, 30, P),
        rec("Demo.ghost", b, 32, 33, D, via=["Demo.ghost", "Demo.instThing"], uses=["Demo.instThing"],
            approximate=["h.thing read as field notation for Demo.instThing"]),
        rec("Demo.secret", b, 35, 36, P, kind="def", modifiers=["private"]),
        rec("_root_.Demo.rooted", b, 38, 38, P),
        rec("Pointy", b, 50, 52, P, kind="structure"),  # the source engine missed the namespace
        rec("Demo.by_macro", s, 4, 5, P),
        rec("Demo.calls_hidden", s, 14, 15, P),
        rec("Demo.broken", k, 5, 8, P),
        rec("Demo.after_broken", k, 10, 12, P),
        rec("Demo.fine_in_broken", k, 14, 15, P),
        rec("Demo.downstream", u, 3, 4, P, uses=["Demo.broken"]),
    ]
    return Ledger(source=SourceInfo(root="demo"), generated="2026-01-01T00:00:00Z",
                  engine=EngineInfo(), records=records, files=4, lines=80)


AXIOMS = {
    "Demo.add_zero": [],
    "Demo.uses_add": ["propext"],
    "Demo.instFooNat_1": [],
    "Demo.ax": ["Demo.ax"],
    "Demo.uses_ax": ["propext", "Demo.ax"],
    "Demo.native": ["propext", "Classical.choice", "Lean.ofReduceBool", "Quot.sound",
                    "Demo.native._native.native_decide.ax_1_1", "Demo.native._native.native_decide.ax_1_2"],
    "Demo.stub": ["sorryAx"],
    "Demo.instThing": ["sorryAx"],
    "Demo.uses_inst": ["propext", "sorryAx", "Classical.choice", "Quot.sound"],
    "Demo.ghost": [],
    "Demo.generated": [],
    "Demo.by_macro": ["sorryAx"],
    "Demo.calls_hidden": ["sorryAx"],
    "Demo.rooted": ["sorryAx"],
    "Demo.Pointy": [],
}


def loc(line: int, col: int, end_col: int, parent: str | None = None) -> list[object]:
    out: list[object] = [line - 1, col, line - 1, end_col]
    return out if parent is None else [*out, parent]


def key(module: str, name: str) -> str:
    return json.dumps({"c": {"m": module, "n": name}}, separators=(",", ":"))


def write_project(root: Path) -> None:
    (root / "Demo").mkdir(parents=True)
    (root / "lakefile.toml").write_text('name = "Demo"\n\n[[lean_lib]]\nname = "Demo"\n', encoding="utf-8")
    (root / "lean-toolchain").write_text("leanprover/lean4:v4.18.0\n", encoding="utf-8")
    (root / "Demo" / "Basic.lean").write_text("namespace Demo\n", encoding="utf-8")
    (root / "Demo" / "Sorry.lean").write_text("import Demo.Basic\n", encoding="utf-8")
    (root / "Demo" / "Broken.lean").write_text("import Demo.Basic\n", encoding="utf-8")
    (root / "Demo" / "UsesBroken.lean").write_text("import Demo.Broken\n", encoding="utf-8")
    lib = root / ".lake" / "build" / "lib" / "lean" / "Demo"
    lib.mkdir(parents=True)
    basic = {  # version 5: decls with exact positions
        "version": 5, "module": "Demo.Basic", "directImports": [],
        "references": {key("Demo.Basic", "Demo.add_zero"): {
            "definition": loc(3, 8, 16), "usages": [loc(10, 2, 10, "Demo.uses_add")]}},
        "decls": {
            "Demo.add_zero": [2, 0, 3, 10, 2, 8, 2, 16],
            "Demo.uses_add": [8, 0, 9, 10, 8, 8, 8, 16],
            "Demo.instFooNat_1": [13, 0, 14, 9, 13, 0, 13, 8],  # Lean's name for the instance
            "Demo.generated": [39, 0, 39, 30, 39, 4, 39, 18],  # made by a macro: no source record
            "Demo.native._native.native_decide.ax_1_1": [20, 0, 21, 9, 20, 0, 20, 8],
            "Demo.Pointy.x": [50, 2, 50, 9, 50, 2, 50, 3],  # a field, listed before its structure
            "Demo.Pointy": [49, 0, 51, 9, 49, 10, 49, 16],
        },
    }
    sorry = {  # version 2: module-qualified keys, 13-entry locations with the parent decl
        "version": 2, "module": "Demo.Sorry",
        "references": {
            key("Demo.Sorry", "Demo.by_macro"): {
                "definition": [3, 8, 3, 16],
                "usages": [[14, 2, 14, 10, "Demo.calls_hidden", 13, 0, 14, 10, 13, 8, 13, 20]]},
            key("Demo.Sorry", "Demo.calls_hidden"): {"definition": [13, 8, 13, 20], "usages": []},
        },
    }
    uses_broken = {"version": 5, "module": "Demo.UsesBroken",
                   "directImports": [["Demo.Broken", False, False, False]],
                   "references": {}, "decls": {"Demo.downstream": [2, 0, 3, 5, 2, 8, 2, 18]}}
    for name, data in [("Basic", basic), ("Sorry", sorry), ("UsesBroken", uses_broken)]:
        (lib / f"{name}.ilean").write_text(json.dumps(data), encoding="utf-8")
        (lib / f"{name}.olean").write_bytes(b"olean")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    write_project(root)
    monkeypatch.setenv("PATH", f"{STANDIN}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_LAKE_LOG", str(tmp_path / "calls.jsonl"))
    monkeypatch.setenv("FAKE_LAKE_QUERY_COPY", str(tmp_path / "query.lean"))
    monkeypatch.setenv("FAKE_LAKE_BUILD_OUTPUT", str(FIX / "demo_build.txt"))
    monkeypatch.setenv("FAKE_LAKE_BUILD_RC", "1")
    monkeypatch.setenv("FAKE_LAKE_AXIOMS", json.dumps(AXIOMS))
    for var in ("FAKE_LAKE_SLEEP", "FAKE_LAKE_QUERY_SLEEP", "FAKE_LAKE_CHILD_PIDFILE"):
        monkeypatch.delenv(var, raising=False)
    return root


def test_standin_is_executable() -> None:
    assert os.access(STANDIN / LAKE, os.X_OK), "tests/standin/fake_lake must be executable"


def test_both_engines_statuses_disagreements_and_causes(project: Path, tmp_path: Path) -> None:
    source = demo_ledger()
    before = copy.deepcopy(source)
    lines: list[str] = []
    out = apply_engine(source, project, "both", lake=LAKE, timeout=20, progress=lines.append)
    assert source == before, "the source ledger must not be modified"
    assert (out.engine.name, out.engine.requested) == ("both", "both")
    assert out.engine.lean_version == "leanprover/lean4:v4.18.0"
    st = {r.name: r.status for r in out.records}
    assert st == {
        "Demo.add_zero": P, "Demo.uses_add": P, "Demo.instFooNat_1": P, "Demo.ax": A,
        "Demo.uses_ax": P, "Demo.native": P, "Demo.stub": S, "Demo.instThing": D,
        "Demo.uses_inst": D, "Demo.ghost": P, "Demo.secret": P, "Demo.by_macro": D,
        "Demo.calls_hidden": D, "Demo.broken": D, "Demo.after_broken": D,
        "Demo.fine_in_broken": P, "Demo.downstream": D, "Demo.generated": P,
        "_root_.Demo.rooted": D,  # answered as 'Demo.rooted': matched by position
        "Demo.Pointy": P,  # renamed to Lean's name, the structure's and not its field's
    }
    assert all(r.lean_status is r.status for r in out.records)
    by = out.by_name()
    assert by["Demo.uses_ax"].axioms == ["Demo.ax"]
    assert by["Demo.native"].trusts == ["Lean.ofReduceBool", "native_decide"]
    assert by["Demo.broken"].reason is not None
    assert by["Demo.broken"].reason.startswith("does not compile: unsolved goals x : Nat ⊢ x + 0 = x")
    assert "Unknown identifier `foo_bar`" in (by["Demo.after_broken"].reason or "")
    assert by["Demo.calls_hidden"].via == ["Demo.calls_hidden", "Demo.by_macro"]
    assert by["Demo.downstream"].via == ["Demo.downstream", "Demo.broken"]
    assert "Demo.by_macro" in by["Demo.calls_hidden"].uses
    assert any("no #print axioms answer" in n for n in by["Demo.secret"].approximate)
    assert any("Demo.instFooNat" in n for n in by["Demo.instFooNat_1"].approximate)
    assert by["Demo.generated"].kind == "declaration"

    causes = {d.name: (d.source_status, d.lean_status, d.likely_cause) for d in out.disagreements}
    assert set(causes) == {"Demo.uses_inst", "Demo.ghost", "Demo.by_macro", "Demo.calls_hidden",
                           "Demo.broken", "Demo.after_broken", "Demo.downstream", "_root_.Demo.rooted"}
    assert causes["Demo.uses_inst"][:2] == (P, D)
    assert causes["Demo.uses_inst"][2].startswith("implicit instance") and "Demo.instThing" in causes["Demo.uses_inst"][2]
    assert causes["Demo.by_macro"][2].startswith("macro expanding to sorry")
    assert "Demo/Sorry.lean:4" in causes["Demo.by_macro"][2]
    assert causes["Demo.calls_hidden"][2].startswith("unresolved name") and "Demo.by_macro" in causes["Demo.calls_hidden"][2]
    assert causes["Demo.broken"][2].startswith("compile error") and "Demo/Broken.lean:7:3" in causes["Demo.broken"][2]
    assert causes["Demo.ghost"][:2] == (D, P) and "approximate" in causes["Demo.ghost"][2]
    assert "Demo.broken" in causes["Demo.downstream"][2]

    codes = [d.code for d in out.diagnostics]
    assert codes.count("lean-error") == 2 and "lean-only-declaration" in codes
    assert "lean-no-answer" in codes
    assert any("✖ [3/6] Building Demo.Broken" in line for line in lines), lines
    assert io.validate(io.to_json(out)) == []

    query = (tmp_path / "query.lean").read_text(encoding="utf-8")
    qlines = query.splitlines()
    assert not any(x.strip() == "module" or x.startswith("module ") for x in qlines)
    assert [x for x in qlines if x.startswith("import ")] == ["import Demo.Basic", "import Demo.Sorry"]
    asked = [x.removeprefix("#print axioms ") for x in qlines if x.startswith("#print axioms")]
    assert sorted(a.removeprefix("_root_.") for a in asked) == sorted(AXIOMS)  # each once
    calls = [json.loads(x) for x in (tmp_path / "calls.jsonl").read_text().splitlines()]
    assert calls[0] == ["build"] and calls[1][:2] == ["env", "lean"] and len(calls) == 2


def test_proof_wanted_is_not_asked_and_stays_deferred(project: Path, tmp_path: Path) -> None:
    """`proof_wanted` adds no constant: `#print axioms` would fail on it, so it is not asked,
    and both engines agree that it is deferred."""
    source = demo_ledger()
    source.records.append(rec("Demo.wanted", "Demo/Basic.lean", 45, 45, D, kind="proof_wanted",
                              via=["Demo.wanted"], reason="proof_wanted: the statement is recorded without a proof"))
    out = apply_engine(source, project, "both", lake=LAKE, timeout=20)
    wanted = out.by_name()["Demo.wanted"]
    assert wanted.status is D and wanted.lean_status is D
    assert "Demo.wanted" not in {d.name for d in out.disagreements}
    assert any("proof_wanted adds no declaration" in n for n in wanted.approximate)
    query = (tmp_path / "query.lean").read_text(encoding="utf-8")
    assert "Demo.wanted" not in query


CRASH_BUILD = """\
⚠ [1/6] Built Demo.Basic (300ms)
warning: Demo/Basic.lean:24:8: declaration uses 'sorry'
warning: ././Demo/Basic.lean:26:0: declaration uses 'sorry'
✖ [2/6] Building Demo.Sorry (1.1s)
info: stderr:
Stack overflow detected. Aborting.
error: Lean exited with code 134
Some required targets logged failures:
- Demo.Sorry
error: build failed
"""


def test_a_module_that_crashes_without_a_positioned_error_is_not_trusted(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lake names the failed module only in its ✖ line and its list of failures: the module is
    not imported (a leftover .olean would be stale), and its declarations are deferred with
    the reason, not proven."""
    (tmp_path / "crash.txt").write_text(CRASH_BUILD, encoding="utf-8")
    monkeypatch.setenv("FAKE_LAKE_BUILD_OUTPUT", str(tmp_path / "crash.txt"))
    out = apply_engine(demo_ledger(), project, "lean", lake=LAKE, timeout=20)
    by = out.by_name()
    for name in ("Demo.by_macro", "Demo.calls_hidden"):
        assert by[name].status is D
        assert (by[name].reason or "").startswith("does not compile: module Demo.Sorry failed to build"), by[name].reason
    assert by["Demo.add_zero"].status is P  # other modules are answered as usual
    query = (tmp_path / "query.lean").read_text(encoding="utf-8")
    assert "import Demo.Sorry" not in query
    assert "lean-module-failed" in [d.code for d in out.diagnostics]


def test_guillemet_module_names_find_their_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An .ilean names Demo/My-File.lean's module Demo.«My-File» (Lean escapes it)."""
    root = tmp_path / "proj"
    (root / "Demo").mkdir(parents=True)
    (root / "lakefile.toml").write_text('name = "Demo"\n\n[[lean_lib]]\nname = "Demo"\n', encoding="utf-8")
    (root / "Demo" / "My-File.lean").write_text("theorem t : 1 = 1 := sorry\n", encoding="utf-8")
    lib = root / ".lake" / "build" / "lib" / "lean" / "Demo"
    lib.mkdir(parents=True)
    (lib / "My-File.ilean").write_text(json.dumps({"version": 5, "module": "Demo.«My-File»", "directImports": [],
                                                    "references": {}, "decls": {"t": [0, 0, 0, 27, 0, 8, 0, 9]}}))
    (lib / "My-File.olean").write_bytes(b"olean")
    (tmp_path / "b.txt").write_text("⚠ [1/1] Built Demo.«My-File»\nwarning: Demo/My-File.lean:1:8: declaration uses 'sorry'\n",
                                    encoding="utf-8")
    monkeypatch.setenv("PATH", f"{STANDIN}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_LAKE_BUILD_OUTPUT", str(tmp_path / "b.txt"))
    monkeypatch.setenv("FAKE_LAKE_BUILD_RC", "0")
    monkeypatch.setenv("FAKE_LAKE_AXIOMS", json.dumps({"t": ["sorryAx"]}))
    monkeypatch.setenv("FAKE_LAKE_QUERY_COPY", str(tmp_path / "q.lean"))
    for var in ("FAKE_LAKE_SLEEP", "FAKE_LAKE_QUERY_SLEEP", "FAKE_LAKE_LOG", "FAKE_LAKE_CHILD_PIDFILE"):
        monkeypatch.delenv(var, raising=False)
    source = Ledger(source=SourceInfo(root="p"), generated="2026-01-01T00:00:00Z", engine=EngineInfo(),
                    records=[rec("t", "Demo/My-File.lean", 1, 1, D, sorry_lines=[1], via=["t"])])
    out = apply_engine(source, root, "lean", lake=LAKE, timeout=20)
    assert out.by_name()["t"].status is D
    assert "import Demo.«My-File»" in (tmp_path / "q.lean").read_text(encoding="utf-8")


def test_verdicts_without_an_answer_never_claim_a_proof() -> None:
    """A declaration only Lean knows, left without an answer, is not proven; an example (never
    asked) that uses a deferred declaration is deferred like any other unanswered one."""
    hole = rec("Demo.hole", "A.lean", 1, 1, P)
    ex = rec("_example.A.L5", "A.lean", 5, 5, P, kind="example", uses=["Demo.hole"])
    ghost = rec("Demo.ghost", "A.lean", 9, 9, P, kind="declaration")
    ok = rec("Demo.ok", "A.lean", 12, 12, P)
    run = LeanRun(records=[hole, ex, ghost, ok],
                  evidence={id(hole): _Evidence(answer=AxiomAnswer("Demo.hole", ("sorryAx",), "Demo.hole")),
                            id(ex): _Evidence(), id(ghost): _Evidence(no_answer="module A did not compile"),
                            id(ok): _Evidence(answer=AxiomAnswer("Demo.ok", (), "Demo.ok"))},
                  diagnostics=[], lean_only={"Demo.ghost"})
    source = Ledger(source=SourceInfo(root="p"), generated="2026-01-01T00:00:00Z", engine=EngineInfo(),
                    records=[rec("Demo.hole", "A.lean", 1, 1, P), rec("_example.A.L5", "A.lean", 5, 5, P, kind="example"),
                             rec("Demo.ok", "A.lean", 12, 12, P)])
    got = {r.name: r.status for r in _verdicts(run, source)}
    assert got == {"Demo.hole": D, "_example.A.L5": D, "Demo.ghost": D, "Demo.ok": P}
    assert any("Lean gave no verdict" in n for n in ghost.approximate)


def test_lean_engine_sets_no_lean_status_and_no_disagreements(project: Path) -> None:
    out = apply_engine(demo_ledger(), project, "lean", lake=LAKE, timeout=20)
    assert out.engine.name == "lean" and out.disagreements == []
    assert all(r.lean_status is None for r in out.records)
    assert out.by_name()["Demo.uses_inst"].status is D


def test_targets_are_passed_to_lake_build(project: Path, tmp_path: Path) -> None:
    apply_engine(demo_ledger(), project, "lean", lake=LAKE, timeout=20, targets=["Demo.Basic", "Demo.Sorry"])
    first = json.loads((tmp_path / "calls.jsonl").read_text().splitlines()[0])
    assert first == ["build", "Demo.Basic", "Demo.Sorry"]


def test_auto_uses_lean_when_lake_and_lakefile(project: Path) -> None:
    out = apply_engine(demo_ledger(), project, "auto", lake=LAKE, timeout=20)
    assert (out.engine.name, out.engine.requested, out.engine.fallback_reason) == ("lean", "auto", None)


def test_auto_falls_back_without_lake(project: Path) -> None:
    source = demo_ledger()
    out = apply_engine(source, project, "auto", lake="no_such_lake_zerosorry", timeout=5)
    assert (out.engine.name, out.engine.requested) == ("source", "auto")
    assert out.engine.fallback_reason is not None and "not on PATH" in out.engine.fallback_reason
    assert out.records == source.records
    [diag] = [d for d in out.diagnostics if d.code == "lean-engine-fallback"]
    assert "no_such_lake_zerosorry" in diag.message


def test_auto_falls_back_without_lakefile(project: Path) -> None:
    (project / "lakefile.toml").unlink()
    out = apply_engine(demo_ledger(), project, "auto", lake=LAKE, timeout=5)
    assert out.engine.name == "source" and "lakefile" in (out.engine.fallback_reason or "")


def test_explicit_lean_without_lake_is_an_input_error(project: Path) -> None:
    with pytest.raises(InputError, match="not on PATH"):
        apply_engine(demo_ledger(), project, "lean", lake="no_such_lake_zerosorry")


def test_source_and_unknown_engines(project: Path) -> None:
    source = demo_ledger()
    out = apply_engine(source, project, "source", lake=LAKE)
    assert out.records == source.records and out.engine.name == "source"
    with pytest.raises(InputError, match="unknown engine"):
        apply_engine(source, project, "kernel", lake=LAKE)


def _dead(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


@pytest.mark.parametrize("engine", ["lean", "auto"])
def test_build_timeout_kills_the_process_group(project: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    pidfile = tmp_path / "child.pid"
    monkeypatch.setenv("FAKE_LAKE_SLEEP", "30")
    monkeypatch.setenv("FAKE_LAKE_CHILD_PIDFILE", str(pidfile))
    t0 = time.monotonic()
    # 3 s: room for the stand-in (a Python script) to start its child even on a loaded machine
    if engine == "lean":
        with pytest.raises(InputError, match="did not finish within 3 s"):
            apply_engine(demo_ledger(), project, engine, lake=LAKE, timeout=3)
    else:
        out = apply_engine(demo_ledger(), project, engine, lake=LAKE, timeout=3)
        assert out.engine.name == "source" and "did not finish" in (out.engine.fallback_reason or "")
    assert time.monotonic() - t0 < 15
    deadline = time.monotonic() + 2
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 2
    while not _dead(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _dead(pid), "the stand-in's child must be killed with its process group"


def test_query_timeout(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_LAKE_QUERY_SLEEP", "30")
    t0 = time.monotonic()
    with pytest.raises(InputError, match="#print axioms query"):
        apply_engine(demo_ledger(), project, "lean", lake=LAKE, timeout=1.5)
    assert time.monotonic() - t0 < 6


def test_failed_build_without_project_errors(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_LAKE_BUILD_OUTPUT", str(FIX / "build_broken_lakefile.txt"))
    with pytest.raises(InputError, match=r"failed \(exit 1\).*missing required key"):
        apply_engine(demo_ledger(), project, "lean", lake=LAKE, timeout=10)
    out = apply_engine(demo_ledger(), project, "auto", lake=LAKE, timeout=10)
    assert out.engine.name == "source" and "failed (exit 1)" in (out.engine.fallback_reason or "")


def test_successful_build_with_old_lake_log(project: Path, monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    log = tmp_path / "old.txt"
    log.write_text("[0/3] Building Demo.Basic\n"
                   "warning: ./././Demo/Basic.lean:24:8: declaration uses 'sorry'\n"
                   "[1/3] Building Demo.Sorry\n"
                   "warning: ./././Demo/Sorry.lean:4:8: declaration uses 'sorry'\n"
                   "warning: ./.lake/packages/dep/Demo/Broken.lean:14:8: declaration uses 'sorry'\n",
                   encoding="utf-8")
    monkeypatch.setenv("FAKE_LAKE_BUILD_OUTPUT", str(log))
    monkeypatch.setenv("FAKE_LAKE_BUILD_RC", "0")
    out = apply_engine(demo_ledger(), project, "both", lake=LAKE, timeout=20)
    by = out.by_name()
    assert by["Demo.by_macro"].status is D
    # Broken built this time but has no ilean: unanswered, so the source status stands
    assert by["Demo.broken"].status is P and by["Demo.broken"].reason is None
    # a dependency's file of the same relative path is not the project's
    assert by["Demo.fine_in_broken"].status is P


def test_query_that_lean_cannot_run(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_LAKE_AXIOMS", "{}")
    with pytest.raises(InputError, match="unknown constant"):
        apply_engine(demo_ledger(), project, "lean", lake=LAKE, timeout=20)


def test_locator_finds_the_innermost_declaration() -> None:
    outer = rec("A.outer", "A.lean", 10, 30, P)
    inner = rec("A.outer.go", "A.lean", 15, 20, P)
    same_start = rec("A.twin", "A.lean", 10, 12, P)
    later = rec("A.later", "A.lean", 40, 41, P)
    other = rec("B.x", "B.lean", 1, 100, P)
    loc = _Locator([later, outer, other, inner, same_start])
    assert loc.innermost("A.lean", 17) is inner
    assert loc.innermost("A.lean", 25) is outer
    assert loc.innermost("A.lean", 11) is same_start
    assert loc.innermost("A.lean", 35) is None
    assert loc.innermost("A.lean", 5) is None
    assert loc.innermost("A.lean", 41) is later
    assert loc.innermost("C.lean", 1) is None and loc.innermost("A.lean", None) is None


def test_run_streaming_delivers_lines_as_they_come(tmp_path: Path) -> None:
    script = "import sys, time\nprint('one', flush=True)\ntime.sleep(0.6)\nprint('two', flush=True)\n"
    seen: list[tuple[str, float]] = []
    t0 = time.monotonic()
    res = run_streaming([sys.executable, "-c", script], tmp_path, 10,
                        lambda line: seen.append((line, time.monotonic() - t0)))
    assert res.returncode == 0 and [s for s, _ in seen] == ["one", "two"]
    assert seen[1][1] - seen[0][1] > 0.4  # the first line arrived before the sleep ended


def test_run_streaming_kills_the_process_when_the_caller_is_interrupted(tmp_path: Path) -> None:
    script = ("import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(30)\n")
    pids: list[int] = []

    def interrupt(line: str) -> None:
        pids.append(int(line))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_streaming([sys.executable, "-c", script], tmp_path, 10, interrupt)
    deadline = time.monotonic() + 2
    while not _dead(pids[0]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _dead(pids[0])


@pytest.mark.parametrize(("script", "said"), [
    ("import time\nprint('started', flush=True)\ntime.sleep(30)\n", "started"),
    # a process that closes its output and keeps running is still stopped at the deadline
    ("import os, time\nprint('bye', flush=True)\nos.close(1)\nos.close(2)\ntime.sleep(30)\n", "bye"),
])
def test_run_streaming_timeout(tmp_path: Path, script: str, said: str) -> None:
    t0 = time.monotonic()
    res = run_streaming([sys.executable, "-c", script], tmp_path, 0.5)
    assert res.timed_out and said in res.output
    assert time.monotonic() - t0 < 4


# ------------------------------------------------------------------------- a real toolchain
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "moe-gauge"


@pytest.mark.requires_lean
@pytest.mark.slow
def test_whole_engine_on_moe_gauge() -> None:
    lake = shutil.which("lake")
    if lake is None:
        pytest.skip(f"lake not on PATH: no Lean toolchain here (PATH={os.environ.get('PATH', '')})")
    from zerosorry.scan import scan_project

    # in place, so that an earlier `lake build` of the example (.lake/ is git-ignored) is reused
    source = scan_project(EXAMPLE, use_cache=False)
    lines: list[str] = []
    out = apply_engine(source, EXAMPLE, "both", lake=lake, timeout=3600, progress=lines.append)
    assert lines and lines[0].startswith("lean engine: ")
    assert out.engine.name == "both"
    assert io.validate(io.to_json(out)) == []
    for d in out.disagreements:
        assert d.likely_cause
    # every declaration the source engine calls a stub or axiom, Lean agrees on
    by = out.by_name()
    for r in source.records:
        if r.status in (S, A) and r.name in by:
            assert by[r.name].status is r.status, r.name
