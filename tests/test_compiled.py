"""The compiled engine (mypyc; setup.py with ZEROSORRY_COMPILE=1) writes the pure engine's ledger,
byte for byte.

The compiled modules are built once per session into a copy of the sources (never beside this
checkout's: an extension shadows its ``.py``).  Every fixture project the tests use, the bundled
example and a synthetic tree large enough to start the parser and resolver process pools are
scanned in fresh processes by each engine: cold, then warm after a proof edit (the stored
session of zerosorry/warm.py), and the ledgers compared.  The compiled processes must really
have loaded the compiled modules.  Skipped when there is no C compiler, no Python headers or no
mypy, unless ZEROSORRY_REQUIRE_COMPILED is set (CI), where that fails.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

from zerosorry import engine
from zerosorry.lean.lexer import IDENT, lex

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
import engines  # noqa: E402  (bench/engines.py: the pure and the compiled build side by side)
from scan import generate  # noqa: E402  (bench/scan.py: the synthetic Mathlib-shaped tree)

sys.path.remove(str(REPO / "bench"))

PROJECTS = [*sorted({p.parent for p in (REPO / "tests" / "fixtures").rglob("lakefile.*")}),
            REPO / "examples" / "moe-gauge"]
SYNTHETIC_FILES = 240  # enough declarations (> 4,000) for the forked resolution as well

#: runs in a fresh process: the steps of a plan (scans through the CLI, edits), then says which
#: engine ran and where each compiled module was loaded from
DRIVER = """
import importlib, json, sys
from pathlib import Path
from zerosorry import engine
from zerosorry.cli import main
for step in json.loads(sys.argv[1]):
    if step[0] == "write":
        Path(step[1]).write_text(step[2], encoding="utf-8")
    else:
        code = main(step[1:])
        assert code == 0, (step, code)
files = {m: importlib.import_module(m).__file__ for m in engine.COMPILED}
print(json.dumps({"engine": engine.describe(), "files": files}))
"""


def _require() -> bool:
    return os.environ.get("ZEROSORRY_REQUIRE_COMPILED", "") not in ("", "0")


def _missing() -> str | None:
    """Why a compiled build cannot be made here (None: it can)."""
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(cc) is None:
        return f"no C compiler ({cc}; apt-get install gcc)"
    header = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not header.exists():
        return f"no Python headers ({header}; apt-get install python3-dev)"
    for module in ("mypyc", "setuptools"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install -e '.[test]')"
    return None


@dataclass(frozen=True)
class Trees:
    pure: Path
    compiled: Path


@pytest.fixture(scope="session")
def trees(tmp_path_factory: pytest.TempPathFactory) -> Trees:
    why = _missing()
    if why is not None:
        if _require():
            pytest.fail(f"cannot build the compiled engine ({why}) but ZEROSORRY_REQUIRE_COMPILED is set")
        pytest.skip(f"cannot build the compiled engine: {why}")
    tmp = tmp_path_factory.mktemp("compiled")
    # -O1: the C compiler's time is most of the build's; what the engine computes is the same
    return Trees(engines.copy_sources(tmp / "pure"), engines.build_compiled(tmp / "build", opt="1"))


def _run(src: Path, plan: list[list[str]]) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(src), "SOURCE_DATE_EPOCH": "0"}
    done = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(plan)], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"{src}: {done.stderr[-4000:]}"
    out: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def _proof_edit(project: Path) -> tuple[Path, str]:
    """(file, its new text): the project's first ``sorry`` token (not one in a comment or a
    string) replaced by ``rfl``, or in a project without one, a ``sorry`` put into its first
    tactic proof: a proof edit that changes the ledger."""
    files = [(f, f.read_text(encoding="utf-8")) for f in sorted(project.rglob("*.lean"))]
    for word, new in (("sorry", "rfl"), ("by", "by sorry")):
        for f, text in files:
            for t in lex(text).tokens:
                if t.kind == IDENT and t.text == word:
                    return f, text[: t.start] + new + text[t.end :]
    raise AssertionError(f"{project}: no proof to edit")


@pytest.fixture(scope="session")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    synthetic = tmp_path_factory.mktemp("synthetic") / "synth"
    generate(synthetic, SYNTHETIC_FILES)
    out = {p.name: p for p in PROJECTS}
    out["synthetic"] = synthetic
    return out


def _scan_all(src: Path, projects: dict[str, Path], work: Path) -> dict[str, object]:
    """Each project copied under ``work``, scanned cold, edited, scanned warm on the cache the
    cold scan filled (and cold again in a fresh cache): the ledgers under ``work/out``."""
    plan: list[list[str]] = []
    for name, project in projects.items():
        root = work / "projects" / name
        shutil.copytree(project, root, ignore=shutil.ignore_patterns(".lake", "lean_status.json"))
        edited, text = _proof_edit(root)
        jobs = ["-j", "2"] if name == "synthetic" else []
        scan = ["scan", str(root), "-q", *jobs]
        plan += [["scan", *scan, "-o", str(work / "out" / f"{name}.cold.json"), "--cache-dir", str(work / "c" / name)],
                 ["write", str(edited), text],
                 ["scan", *scan, "-o", str(work / "out" / f"{name}.warm.json"), "--cache-dir", str(work / "c" / name)],
                 ["scan", *scan, "-o", str(work / "out" / f"{name}.edited.json"),
                  "--cache-dir", str(work / "c" / f"{name}-fresh")]]
    (work / "out").mkdir(parents=True)
    return _run(src, plan)


@pytest.fixture(scope="session")
def ledgers(trees: Trees, projects: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, tuple[Path, dict[str, object]]]:
    out = {}
    for kind in ("pure", "compiled"):
        work = tmp_path_factory.mktemp(f"scan-{kind}")
        out[kind] = (work / "out", _scan_all(getattr(trees, kind), projects, work))
    return out


def test_the_compiled_modules_really_ran(ledgers: dict[str, tuple[Path, dict[str, object]]]) -> None:
    _, pure = ledgers["pure"]
    _, compiled = ledgers["compiled"]
    assert pure["engine"] == "engine: pure Python"
    assert str(compiled["engine"]).startswith("engine: compiled with mypyc")
    assert isinstance(compiled["files"], dict) and isinstance(pure["files"], dict)
    suffixes = tuple(EXTENSION_SUFFIXES)
    for m in engine.COMPILED:
        assert str(compiled["files"][m]).endswith(suffixes), (m, compiled["files"][m])
        assert str(pure["files"][m]).endswith(".py"), (m, pure["files"][m])


@pytest.mark.parametrize("name", [p.name for p in PROJECTS] + ["synthetic"])
@pytest.mark.parametrize("phase", ["cold", "warm", "edited"])
def test_compiled_ledger_is_the_pure_ledger(ledgers: dict[str, tuple[Path, dict[str, object]]], name: str,
                                            phase: str) -> None:
    pure = (ledgers["pure"][0] / f"{name}.{phase}.json").read_bytes()
    compiled = (ledgers["compiled"][0] / f"{name}.{phase}.json").read_bytes()
    assert json.loads(pure)["declarations"], "an empty ledger proves nothing"
    assert compiled == pure
    if phase == "warm":  # the edit changed the ledger, and the warm re-scan saw it
        assert compiled == (ledgers["compiled"][0] / f"{name}.edited.json").read_bytes()
        assert compiled != (ledgers["compiled"][0] / f"{name}.cold.json").read_bytes()


def test_a_compiled_module_beside_an_edited_source_is_refused(trees: Trees) -> None:
    source = trees.compiled / "zerosorry" / "lean" / "lexer.py"
    text = source.read_bytes()
    env = {**os.environ, "PYTHONPATH": str(trees.compiled)}
    cmd = [sys.executable, "-m", "zerosorry", "--version"]
    ok = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "compiled with mypyc" in ok.stdout, ok.stderr
    try:
        source.write_bytes(text + b"# edited after the build\n")
        stale = subprocess.run(cmd, env=env, capture_output=True, text=True)
    finally:
        source.write_bytes(text)
    assert stale.returncode != 0
    assert "StaleBuild" in stale.stderr and "lexer.py" in stale.stderr and "old code" in stale.stderr
