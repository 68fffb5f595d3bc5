"""Golden projects, the ledger's schema and determinism, discovery edge cases, and the CLI."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from zerosorry.cli import main
from zerosorry.ledger import io
from zerosorry.ledger.model import Status
from zerosorry.scan import read_lakefile, scan_project

FIXTURES = Path(__file__).parent / "fixtures" / "projects"


@pytest.fixture
def golden(tmp_path: Path) -> Path:
    dst = tmp_path / "golden"
    shutil.copytree(FIXTURES / "golden", dst)
    return dst


def _records(root: Path, **kw: object) -> dict[str, dict[str, object]]:
    ledger = scan_project(root, use_cache=False, **kw)  # type: ignore[arg-type]
    return {r["name"]: r for r in io.to_json(ledger)["declarations"]}


def test_golden_project_statuses_chains_axioms_and_trusts(golden: Path) -> None:
    expected = json.loads((golden / "expected.json").read_text())
    got = _records(golden)
    assert set(got) == set(expected)
    mismatches = [
        (name, key, want, got[name][key])
        for name, exp in expected.items()
        for key, want in exp.items()
        if got[name][key] != want
    ]
    assert mismatches == []


def test_every_status_appears_and_counts_add_up(golden: Path) -> None:
    data = io.to_json(scan_project(golden, use_cache=False))
    assert all(data["counts"]["status"][s.value] > 0 for s in Status)
    assert sum(data["counts"]["status"].values()) == len(data["declarations"])
    assert data["counts"]["sorries"] == sum(len(d["sorry_lines"]) for d in data["declarations"])


def test_sorried_instances_are_flagged(golden: Path) -> None:
    ledger = scan_project(golden, use_cache=False)
    flagged = sorted(d.message.split()[1] for d in ledger.diagnostics if d.code == "sorried-instance")
    assert flagged == ["Golden.Misc.instShapeBox", "Golden.Misc.shapeNat"]


def test_ledger_is_valid_and_byte_for_byte_deterministic(golden: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    a = io.dumps(scan_project(golden, use_cache=False))
    b = io.dumps(scan_project(golden, use_cache=False, jobs=1))
    assert a == b
    data = json.loads(a)
    assert io.validate(data) == []
    assert data["generated"] == "2023-11-14T22:13:20Z"


def test_warm_cache_gives_the_same_ledger(golden: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    cache = tmp_path / "cache"
    cold = io.dumps(scan_project(golden, cache_dir=cache))
    assert (cache / "parse-cache.sqlite3").exists()
    warm = io.dumps(scan_project(golden, cache_dir=cache))
    assert cold == warm
    # a changed file is re-parsed, not served stale from the cache
    f = golden / "Golden" / "Base.lean"
    f.write_text(f.read_text().replace("theorem base_gap (n : Nat) : n + 0 = n := by\n  sorry", "theorem base_gap (n : Nat) : n + 0 = n := by\n  simp"))
    after = {r.name: r.status for r in scan_project(golden, cache_dir=cache).records}
    assert after["top_chain"] is Status.PROVEN


def test_round_trip_through_json(golden: Path, tmp_path: Path) -> None:
    ledger = scan_project(golden, use_cache=False)
    out = tmp_path / "lean_status.json"
    io.write(ledger, out)
    again = io.read(out)
    assert io.dumps(again) == io.dumps(ledger)


def test_schema_rejects_a_broken_ledger(golden: Path) -> None:
    data = io.to_json(scan_project(golden, use_cache=False))
    data["declarations"][0]["status"] = "maybe"
    del data["counts"]
    problems = io.validate(data)
    assert any("counts" in p for p in problems)
    assert any("maybe" in p for p in problems)


def test_non_utf8_and_unreadable_files_spoil_nothing_else(golden: Path) -> None:
    bad = golden / "Golden" / "Bad.lean"
    bad.write_bytes(b"theorem fine_before : True := trivial\ntheorem bad\xff : True := sorry\n")
    locked = golden / "Golden" / "Locked.lean"
    locked.write_text("theorem locked : True := trivial\n")
    locked.chmod(0)
    try:
        ledger = scan_project(golden, use_cache=False)
    finally:
        locked.chmod(0o644)
    codes = {(d.code, d.file, d.line) for d in ledger.diagnostics}
    assert ("not-utf8", "Golden/Bad.lean", 2) in codes
    names = {r.name for r in ledger.records}
    assert "top_chain" in names and "fine_before" in names
    if os.geteuid() != 0:  # root reads anything
        assert ("unreadable-file", "Golden/Locked.lean", None) in codes


def test_symlink_loop_is_survived(golden: Path) -> None:
    (golden / "Golden" / "loop").symlink_to(golden / "Golden", target_is_directory=True)
    ledger = scan_project(golden, use_cache=False)
    assert any(d.code == "symlink-loop" for d in ledger.diagnostics)
    assert len([r for r in ledger.records if r.name == "top_chain"]) == 1


def test_skips_lake_build_dirs(golden: Path) -> None:
    dep = golden / ".lake" / "packages" / "mathlib" / "Mathlib"
    dep.mkdir(parents=True)
    (dep / "Foo.lean").write_text("theorem dep_gap : True := sorry\n")
    assert "dep_gap" not in _records(golden)


def test_files_outside_the_lakefile_libraries_are_not_scanned(golden: Path) -> None:
    (golden / "Scratch.lean").write_text("theorem scratch : 1 = 1 := sorry\n")
    ledger = scan_project(golden, use_cache=False)
    assert "scratch" not in {r.name for r in ledger.records}
    assert any(d.code == "outside-libraries" for d in ledger.diagnostics)


def test_lakefile_lean_roots_and_src_dir() -> None:
    files = {"lakefile.lean": b'import Lake\nopen Lake DSL\npackage foo\nlean_lib Foo where\n  srcDir := "src"\n  roots := #[`Foo, `Bar]\nlean_lib Baz\n'}
    libs, _ = read_lakefile(files)
    assert [(lib.name, lib.src_dir, lib.roots) for lib in libs] == [("Foo", "src", ("Foo", "Bar")), ("Baz", ".", ())]


def test_registered_declaring_command_from_zerosorry_toml(tmp_path: Path) -> None:
    (tmp_path / "zerosorry.toml").write_text('[scan]\ndeclaring_commands = { my_lemma = "theorem" }\n')
    (tmp_path / "A.lean").write_text("my_lemma gap : 1 = 1 := sorry\ntheorem user : 1 = 1 := gap\n")
    got = _records(tmp_path)
    assert got["user"]["via"] == ["user", "gap"]


def test_declaring_commands_cannot_redefine_lean_s_own(tmp_path: Path) -> None:
    """`{ axiom = "theorem" }` would turn every axiom into a proven theorem."""
    from zerosorry.errors import InputError

    (tmp_path / "zerosorry.toml").write_text('[scan]\ndeclaring_commands = { axiom = "theorem", open = "def", x = "def" }\n')
    (tmp_path / "A.lean").write_text("axiom gap : 1 = 2\n")
    with pytest.raises(InputError, match=r"zerosorry.toml: \[scan\] declaring_commands cannot redefine "
                                         r"the built-in commands axiom, open$"):
        scan_project(tmp_path, use_cache=False)


def test_cli_scan_writes_ledger_and_prints_summary(golden: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "lean_status.json"
    assert main(["scan", str(golden), "--out", str(out), "--no-cache"]) == 0
    text = capsys.readouterr().out
    assert "deferred" in text and "proven" in text
    assert io.validate(json.loads(out.read_text())) == []


def test_cli_scan_json_and_markdown(golden: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(golden), "--format", "json", "--no-cache"]) == 0
    assert json.loads(capsys.readouterr().out)["schema"] == "zerosorry.lean_status/1"
    assert main(["scan", str(golden), "--format", "markdown", "--no-cache"]) == 0
    md = capsys.readouterr().out
    assert "| `top_chain` | Golden/Top.lean:5 | `Golden.base_gap` |" in md


def test_cli_quiet_prints_nothing(golden: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(golden), "-q", "--no-cache"]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "/nonexistent/project"], "zerosorry scan: error: /nonexistent/project: no such directory\n"),
    ],
)
def test_cli_input_errors_exit_2_with_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    assert capsys.readouterr().err == message


def test_cli_no_lean_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"zerosorry scan: error: {tmp_path}: no .lean files found\n"


def test_cli_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["scan"])
    assert exc.value.code == 2
    assert "the following arguments are required: path" in capsys.readouterr().err


def test_python_dash_m_entry_point(golden: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "zerosorry", "scan", str(golden), "-q", "--no-cache"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr


RESOLVE_A = """\
namespace P

theorem gap : 1 = 1 := sorry

theorem solid : 2 = 2 := rfl

theorem user : 1 = 1 := solid ▸ rfl

end P
"""

RESOLVE_B = """\
import R.A

namespace Q

theorem top : 1 = 1 := P.user

end Q
"""


def test_resolution_cache_follows_edits_that_keep_or_change_the_name_table(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After every edit, a scan served from the caches equals a scan without them: an edit to
    a body re-resolves that file only; a new name (which can capture a reference in a file
    that did not change) invalidates every file's resolution."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    root = tmp_path / "r"
    (root / "R").mkdir(parents=True)
    (root / "lakefile.toml").write_text('name = "R"\n\n[[lean_lib]]\nname = "R"\n', encoding="utf-8")
    a, b = root / "R" / "A.lean", root / "R" / "B.lean"
    a.write_text(RESOLVE_A, encoding="utf-8")
    b.write_text(RESOLVE_B, encoding="utf-8")
    cache = tmp_path / "cache"

    def both() -> dict[str, tuple[str, list[str]]]:
        cached = scan_project(root, cache_dir=cache)
        fresh = scan_project(root, use_cache=False)
        assert io.dumps(cached) == io.dumps(fresh)
        return {r.name: (r.status.value, r.uses) for r in cached.records}

    assert both()["Q.top"] == ("proven", ["P.user"])
    assert both()["P.user"] == ("proven", ["P.solid"])  # served from the cache: same answer
    # a body edit, same names: only A's resolution changes
    a.write_text(RESOLVE_A.replace("solid ▸ rfl", "gap ▸ rfl"), encoding="utf-8")
    got = both()
    assert got["P.user"] == ("deferred", ["P.gap"]) and got["Q.top"][0] == "deferred"
    # a new name declared in A captures `P.user` as written in B, whose text did not change
    a.write_text(RESOLVE_A + "\ntheorem Q.P.user : 1 = 1 := sorry\n", encoding="utf-8")
    got = both()
    assert got["Q.top"] == ("deferred", ["Q.P.user"])
    # and back: the name goes, B (unchanged all along) must not keep the captured resolution
    a.write_text(RESOLVE_A, encoding="utf-8")
    assert both()["Q.top"] == ("proven", ["P.user"])


def test_proof_wanted_is_deferred_on_its_own_account() -> None:
    """Batteries' `proof_wanted` records a statement without a proof: never proven."""
    from zerosorry.ledger.model import SourceInfo
    from zerosorry.scan import scan_files

    src = "proof_wanted hard : ∀ n : Nat, n + 0 = n\n\ntheorem easy : 1 = 1 := rfl\n"
    ledger = scan_files({"A.lean": src.encode()}, source=SourceInfo("t"), generated="2026-01-01T00:00:00Z")
    recs = ledger.by_name()
    assert recs["hard"].status is Status.DEFERRED and recs["hard"].via == ["hard"]
    assert recs["hard"].reason is not None and recs["hard"].reason.startswith("proof_wanted: ")
    assert recs["hard"].sorry_lines == [] and ledger.sorry_count() == 0
    assert recs["easy"].status is Status.PROVEN and recs["easy"].reason is None


@pytest.mark.parametrize("how", ["exclude", "roots"])
def test_a_left_out_file_that_is_imported_is_scanned_anyway(tmp_path: Path, how: str) -> None:
    """Lean builds what a built module imports: leaving Base.lean out (by `exclude`, or by
    lakefile roots that name only Top) must not hide its sorry from Top's derivation."""
    (tmp_path / "Demo").mkdir()
    (tmp_path / "Demo" / "Base.lean").write_text("theorem helper : 1 = 1 := sorry\n")
    (tmp_path / "Demo" / "Top.lean").write_text("import Demo.Base\ntheorem top : 1 = 1 := helper\n")
    (tmp_path / "Demo" / "Unused.lean").write_text("theorem alone : 2 = 2 := sorry\n")
    if how == "exclude":
        (tmp_path / "lakefile.toml").write_text('name = "Demo"\n\n[[lean_lib]]\nname = "Demo"\n')
        (tmp_path / "zerosorry.toml").write_text('[scan]\nexclude = ["Demo/Base.lean", "Demo/Unused.lean"]\n')
        why = "excluded by zerosorry.toml"
    else:
        (tmp_path / "lakefile.toml").write_text('name = "Demo"\n\n[[lean_lib]]\nname = "Demo"\nroots = ["Demo.Top"]\n')
        why = "in no lean_lib of the lakefile"
    ledger = scan_project(tmp_path, use_cache=False)
    recs = ledger.by_name()
    assert recs["top"].status is Status.DEFERRED and recs["top"].via == ["top", "helper"]
    assert "alone" not in recs  # left out and imported by nothing: stays out
    warn = [d for d in ledger.diagnostics if d.code == "imported-but-left-out"]
    assert [(d.file, d.message) for d in warn] == [
        ("Demo/Base.lean", f"Demo/Base.lean is {why} but Demo/Top.lean imports it; scanned anyway, since Lean builds it")]


def test_a_ledger_whose_counts_contradict_its_declarations_is_refused(golden: Path) -> None:
    from zerosorry.ledger.io import LedgerError, from_json, to_json

    data = to_json(scan_project(golden, use_cache=False))
    from_json(data)  # consistent: fine
    data["counts"]["sorries"] = 0
    data["counts"]["status"]["proven"] += data["counts"]["status"]["deferred"]
    data["counts"]["status"]["deferred"] = 0
    with pytest.raises(LedgerError, match=r"^x.json: counts.sorries is 0 but its declarations give \d+; "
                                          r"the file was edited or damaged"):
        from_json(data, origin="x.json")


def test_two_sorries_on_one_line_count_twice() -> None:
    from zerosorry.ledger.model import SourceInfo
    from zerosorry.scan import scan_files

    src = "theorem t : 1 = 1 ∧ 2 = 2 := ⟨sorry, sorry⟩\n"
    ledger = scan_files({"A.lean": src.encode()}, source=SourceInfo("t"), generated="2026-01-01T00:00:00Z")
    assert ledger.by_name()["t"].sorry_lines == [1, 1] and ledger.sorry_count() == 2


def test_same_name_in_modules_that_never_meet_gives_two_records() -> None:
    """Two private `aux` (and two public `t`) in files that do not import each other: both
    stay in the ledger under distinct names, and neither is an error."""
    from zerosorry.ledger.model import SourceInfo
    from zerosorry.scan import scan_files

    files = {
        "lakefile.toml": b'name = "D"\n\n[[lean_lib]]\nname = "D"\n',
        "D/A.lean": b"private theorem aux : 1 = 1 := rfl\ntheorem t : 1 = 1 := aux\n",
        "D/B.lean": b"private theorem aux : 1 = 1 := sorry\ntheorem t : 2 = 2 := sorry\n",
    }
    ledger = scan_files(files, source=SourceInfo("t"), generated="2026-01-01T00:00:00Z")
    got = {r.name: (r.file, r.status.value) for r in ledger.records}
    assert got == {"aux": ("D/A.lean", "proven"), "t": ("D/A.lean", "proven"),
                   "_private.D.B.aux": ("D/B.lean", "deferred"), "t@D/B.lean:2": ("D/B.lean", "deferred")}
    assert ledger.sorry_count() == 2
    assert not [d for d in ledger.diagnostics if d.code == "duplicate-declaration"]


def test_exclude_patterns_are_anchored_at_the_project_root(tmp_path: Path) -> None:
    (tmp_path / "Scratch").mkdir()
    (tmp_path / "Tiny" / "Scratch").mkdir(parents=True)
    (tmp_path / "Scratch" / "A.lean").write_text("theorem a : 1 = 1 := sorry\n")
    (tmp_path / "Tiny" / "Scratch" / "B.lean").write_text("theorem b : 1 = 1 := sorry\n")
    (tmp_path / "Tiny" / "C.lean").write_text("theorem c : 1 = 1 := rfl\n")
    (tmp_path / "zerosorry.toml").write_text('[scan]\nexclude = ["Scratch/*.lean"]\n')
    assert set(_records(tmp_path)) == {"b", "c"}  # Tiny/Scratch/B.lean is not Scratch/*.lean
    (tmp_path / "zerosorry.toml").write_text('[scan]\nexclude = ["**/Scratch/*.lean"]\n')
    assert set(_records(tmp_path)) == {"c"}
