"""The gate, end to end through the CLI in real git repositories: every policy failing and
passing with its exact message and exit code, a baseline regression, a stale ledger, and the
GitHub annotation, Markdown summary and JSON outputs."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.helpers_git import (
    DEMO_BASE,
    DEMO_MID,
    DEMO_TOP,
    commit,
    demo_files,
    demo_manifest,
    init_repo,
    line_of,
    write_files,
)
from zerosorry.cli import main

BASE = "Demo/Base.lean"
MID = "Demo/Mid.lean"
TOP = "Demo/Top.lean"

GHOST_LEAN = 'lean = ["Demo.top_okk"]'
AXIOM_LEAN = 'lean = ["Demo.top_axiom"]'

#: helper's proof replaced with a sorry: top_ok (a zero-sorry entry, two files up) breaks
BROKEN_BASE = DEMO_BASE.replace("theorem helper (n : Nat) : n = n := rfl",
                                "theorem helper (n : Nat) : n = n := by\n  sorry")


@pytest.fixture
def repo(tmp_path: Path, git: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository whose Lean project lives in proj/; the tests run from its root."""
    root = init_repo(tmp_path / "repo")
    commit(root, demo_files(), "demo project")
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return root


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["check", "proj", "--no-cache", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def witness_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> str:
    name = f"zs_witness_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(body, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


# ------------------------------------------------------------------------------ zero-sorry
def test_holds_on_a_truthful_manifest(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(capsys)
    assert (code, err) == (0, "")
    assert out == ["zerosorry check proj: holds; policies: zero-sorry, manifest, axiom"]


def test_zero_sorry_entry_broken_two_files_down(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(repo, {f"proj/{BASE}": BROKEN_BASE})
    code, out, _ = check(capsys)
    sorry = line_of(BROKEN_BASE, "sorry")
    assert code == 1
    assert out == [
        "[zero-sorry] entry top-ok (Demo.top_ok) is deferred: via Demo.top_ok -> Demo.mid -> "
        f"Demo.helper ({BASE}:{sorry})",
        "zerosorry check proj: FAILS (1 finding); policies: zero-sorry, manifest, axiom",
    ]


def test_zero_sorry_entry_that_is_a_stub_or_unknown(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    top = DEMO_TOP.replace("theorem top_ok (n : Nat) : n = n := mid n", "theorem top_ok : True := sorry")
    manifest = demo_manifest(extra_entries='\n[[entries]]\nid = "ghost"\nlean = ["Demo.top_okk"]\n'
                             'family = "demo"\ntitle = "t"\nstatement = "x"\nsummary = "s"\nwhy = "w"\n'
                             'target = "zero-sorry"\n')
    write_files(repo, {f"proj/{TOP}": top, "proj/appendix.toml": manifest})
    code, out, _ = check(capsys)
    assert code == 1
    assert out[:2] == [
        f"[zero-sorry] entry top-ok (Demo.top_ok) is a stub (: True := sorry) at {TOP}:{line_of(top, 'theorem top_ok')}",
        f"[zero-sorry] entry ghost names Demo.top_okk (appendix.toml:{line_of(manifest, GHOST_LEAN)}), "
        "which the scan does not find (did you mean Demo.top_ok?)",
    ]
    # the finding points at the manifest, wherever --manifest puts it
    (repo / "proj" / "appendix.toml").rename(repo / "proj" / "paper.toml")
    code, out, _ = check(capsys, "--manifest", "proj/paper.toml", "--format", "json")
    ghost = [f for f in json.loads("\n".join(out))["findings"] if f["kind"] == "unknown-entry-name"]
    at = manifest.splitlines().index('lean = ["Demo.top_okk"]') + 1  # the entry's `lean` line
    assert (code, [(f["entry"], f["file"], f["line"]) for f in ghost]) == (1, [("ghost", "paper.toml", at)])


def test_witness_passes_and_fails(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    mod = witness_module(tmp_path, monkeypatch, (
        "def good():\n"
        "    return {'passed': True, 'cases': 10, 'max_error': 1e-16, 'tolerance': 1e-12,\n"
        "            'summary': '10 cases, max error 1e-16', 'counterexample': None}\n"
        "def bad():\n"
        "    return {'passed': False, 'cases': 10, 'max_error': 0.5, 'tolerance': 1e-12,\n"
        "            'summary': '10 cases, max error 0.5', 'counterexample': 'k = (1, 0)'}\n"
        "def liar():\n"
        "    return {'passed': True, 'cases': 1, 'max_error': 2.0, 'tolerance': 1e-12, 'summary': 'ok'}\n"
        "def boom():\n"
        "    raise ZeroDivisionError('division by zero')\n"
        "def quitter():\n"
        "    print('::error::a witness may not write the report')\n"
        "    import sys; sys.exit(0)\n"
    ))
    write_files(repo, {"proj/appendix.toml": demo_manifest(witness_ok=f"{mod}:good")})
    code, out, _ = check(capsys)
    assert (code, out) == (0, ["zerosorry check proj: holds; policies: zero-sorry, manifest, witness, axiom"])

    write_files(repo, {"proj/appendix.toml": demo_manifest(witness_ok=f"{mod}:bad")})
    code, out, _ = check(capsys)
    assert code == 1
    assert out[0] == (f"[witness] entry top-ok: numeric witness {mod}:bad fails: 10 cases, max error 0.5; "
                      "counterexample: k = (1, 0)")
    code, _, _ = check(capsys, "--no-witnesses")
    assert code == 0

    write_files(repo, {"proj/appendix.toml": demo_manifest(witness_ok=f"{mod}:liar")})
    code, out, _ = check(capsys)
    assert code == 1
    assert out[0] == (f"[witness] entry top-ok: numeric witness {mod}:liar fails: reports passed but max "
                      "error 2.0 exceeds tolerance 1e-12 (ok)")

    write_files(repo, {"proj/appendix.toml": demo_manifest(witness_ok=f"{mod}:boom")})
    code, out, _ = check(capsys)
    assert (code, out[0]) == (1, f"[witness] entry top-ok: numeric witness {mod}:boom fails: "
                                 "ZeroDivisionError: division by zero")

    # a witness that exits, and prints, decides neither the exit code nor the report
    write_files(repo, {"proj/appendix.toml": demo_manifest(witness_ok=f"{mod}:quitter")})
    code, out, err = check(capsys, "--format", "json")
    report = json.loads("\n".join(out))
    assert code == 1 and [f["summary"] for f in report["findings"]] == ["the witness called sys.exit(0)"]
    assert "::error::a witness may not write the report" in err


# ------------------------------------------------------------------------------ ship, axioms
def test_ship_requires_every_load_bearing_entry(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(capsys, "--ship")
    sorry = line_of(DEMO_BASE, "sorry")
    assert code == 1
    assert out == [
        "[ship] entry top-deferred (Demo.top_deferred) is deferred: via Demo.top_deferred -> "
        f"Demo.mid_gap -> Demo.gap_lemma ({BASE}:{sorry})",
        "zerosorry check proj: FAILS (1 finding); policies: zero-sorry, manifest, ship, axiom",
    ]
    # prove the gap: ship holds
    write_files(repo, {f"proj/{BASE}": DEMO_BASE.replace("by\n  sorry", "rfl")})
    code, out, _ = check(capsys, "--ship")
    assert (code, out) == (0, ["zerosorry check proj: holds; policies: zero-sorry, manifest, ship, axiom"])


def test_project_axiom_must_be_allowed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(repo, {"proj/appendix.toml": demo_manifest(allowed="[]")})
    code, out, _ = check(capsys)
    assert code == 1
    assert out[0] == (
        f"[axiom] entry top-axiom (Demo.top_axiom) rests on project axiom Demo.plumbing "
        f"({BASE}:{line_of(DEMO_BASE, 'axiom plumbing')}), which is not allowed; allow it with "
        "--allow-axiom Demo.plumbing or allowed_axioms in appendix.toml"
    )
    code, out, _ = check(capsys, "--allow-axiom", "Demo.plumbing")
    assert (code, out) == (0, ["zerosorry check proj: holds; policies: zero-sorry, manifest, axiom"])
    code, _, _ = check(capsys, "--allow-axiom", "Demo.other")
    assert code == 1


# ------------------------------------------------------------------------------ baseline
def test_baseline_regression(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "proj", "--no-cache", "-q", "--out", "baseline.json"]) == 0
    code, out, _ = check(capsys, "--baseline", "baseline.json")
    assert (code, out) == (0, ["zerosorry check proj: holds; policies: zero-sorry, manifest, axiom, baseline"])

    mid = DEMO_MID.replace("end Demo", "axiom extra : 1 = 1\n\ntheorem fast : 3 < 4 := by decide +native\n\nend Demo")
    # renamed *and* changed: not the same declaration any more, so the entry's one vanished
    top = DEMO_TOP.replace("theorem top_axiom (n : Nat) : n = n := via_axiom n",
                           "theorem top_axiom_renamed (n : Nat) : n = n := (via_axiom n)")
    assert top != DEMO_TOP
    write_files(repo, {f"proj/{BASE}": BROKEN_BASE, f"proj/{MID}": mid, f"proj/{TOP}": top})
    code, out, _ = check(capsys, "--baseline", "baseline.json")
    sorry = line_of(BROKEN_BASE, "sorry")
    assert code == 1
    # the root causes come first and stand for the declarations they hold back
    assert out == [
        f"[baseline] root cause: Demo.helper ({BASE}:{sorry}) got a sorry: 3 declarations newly deferred, "
        "1 load-bearing: top-ok (held back: Demo.mid, Demo.top_ok)",
        f"[zero-sorry] entry top-ok (Demo.top_ok) is deferred: via Demo.top_ok -> Demo.mid -> Demo.helper ({BASE}:{sorry})",
        f"[zero-sorry] entry top-axiom names Demo.top_axiom (appendix.toml:{line_of(demo_manifest(), AXIOM_LEAN)}), "
        "which the scan does not find (did you mean Demo.top_axiom_renamed?)",
        f"[baseline] sorries grew from 1 to 2 (+1): new in Demo.helper ({BASE}:{sorry})",
        f"[baseline] new project axiom Demo.extra ({MID}:{line_of(mid, 'axiom extra')}) is not in the baseline",
        f"[baseline] new trust extension decide +native in Demo.fast ({MID}:{line_of(mid, 'theorem fast')}), not in the baseline",
        f"[baseline] load-bearing entry top-axiom: Demo.top_axiom ({TOP}:{line_of(DEMO_TOP, 'theorem top_axiom')} in the baseline) no longer exists",
        "zerosorry check proj: FAILS (9 findings); policies: zero-sorry, manifest, axiom, baseline",
    ]


def test_scan_errors_are_said(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unterminated comment hides the rest of its file from the source engine: the gate may
    still hold, but it says why it cannot see everything."""
    write_files(repo, {f"proj/{TOP}": DEMO_TOP + "\n/- an unterminated comment\ntheorem hidden : 1 = 2 := sorry\n"})
    code, out, _ = check(capsys)
    assert code == 0
    notes = [line for line in out if line.startswith("note: scan error: ")]
    assert len(notes) == 1 and f"{TOP}:" in notes[0] and "unterminated" in notes[0]


def test_proven_to_stub_is_a_regression(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Moving a sorry from a deferred theorem into a proven one that becomes `: True := sorry`
    keeps the sorry count, but a proof was lost."""
    assert main(["scan", "proj", "--no-cache", "-q", "--out", "baseline.json"]) == 0
    base = DEMO_BASE.replace("theorem helper (n : Nat) : n = n := rfl", "theorem helper : True := sorry")
    base = base.replace("theorem gap_lemma (n : Nat) : n + 0 = n := by\n  sorry",
                        "theorem gap_lemma (n : Nat) : n + 0 = n := by\n  simp")
    assert base != DEMO_BASE
    write_files(repo, {f"proj/{BASE}": base})
    code, out, _ = check(capsys, "--baseline", "baseline.json")
    assert code == 1
    assert (f"[baseline] root cause: Demo.helper ({BASE}:{line_of(base, 'theorem helper')}) became a stub "
            "(: True := sorry): 3 declarations no longer proven, 1 load-bearing: top-ok "
            "(held back: Demo.mid, Demo.top_ok)") == out[0]
    assert not [line for line in out if "was proven in the baseline" in line]
    assert not [line for line in out if "sorries grew" in line]


def test_trust_extensions_are_counted_not_named(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A renamed declaration keeps its native_decide (no finding); one more use in a declaration
    that already inherits native_decide is a new use (a finding)."""
    assert main(["scan", "proj", "--no-cache", "-q", "--out", "baseline.json"]) == 0
    renamed = DEMO_MID.replace("theorem mid_native ", "theorem mid_native_renamed ")
    write_files(repo, {f"proj/{MID}": renamed})
    code, out, _ = check(capsys, "--baseline", "baseline.json")
    assert (code, out) == (0, ["zerosorry check proj: holds; policies: zero-sorry, manifest, axiom, baseline"])

    more = DEMO_MID.replace("end Demo", "theorem both : 10 < 20 ∧ 1 < 2 := ⟨mid_native, by native_decide⟩\n\nend Demo")
    write_files(repo, {f"proj/{MID}": more})
    code, out, _ = check(capsys, "--baseline", "baseline.json")
    assert code == 1
    assert out[0] == (f"[baseline] new trust extension native_decide in Demo.both ({MID}:{line_of(more, 'theorem both')}), "
                      "not in the baseline")


def test_baseline_may_be_a_git_revision(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(repo, {f"proj/{BASE}": BROKEN_BASE})
    code, out, _ = check(capsys, "--baseline", "HEAD", "--format", "json")
    data = json.loads("\n".join(out))
    assert code == 1
    assert [(f["policy"], f["kind"], f.get("name")) for f in data["findings"]] == [
        ("zero-sorry", "entry-not-proven", "Demo.top_ok"),
        ("baseline", "newly-deferred", "Demo.helper"),
        ("baseline", "newly-deferred", "Demo.mid"),
        ("baseline", "newly-deferred", "Demo.top_ok"),
        ("baseline", "sorries-grew", None),
    ]
    assert data["findings"][1]["file"] == BASE and data["holds"] is False
    grew = data["findings"][4]  # points at the new sorry, so its annotation has a place
    assert (grew["file"], grew["line"]) == (BASE, line_of(BROKEN_BASE, "sorry"))
    code, _, err = check(capsys, "--baseline", "no-such-rev")
    assert code == 2
    assert "--baseline no-such-rev: neither a ledger file nor a revision of" in err


# ------------------------------------------------------------------------------ stale ledger
def test_stale_ledger_and_its_refresh(repo: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert main(["scan", "proj", "--no-cache", "-q", "--out", "proj/lean_status.json"]) == 0
    commit(repo, {}, "commit the ledger")
    code, out, _ = check(capsys)
    assert (code, out) == (0, ["zerosorry check proj: holds; policies: zero-sorry, manifest, axiom, stale-ledger"])
    # another generation time is not staleness
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    code, _, _ = check(capsys)
    assert code == 0

    write_files(repo, {f"proj/{BASE}": BROKEN_BASE})
    code, out, _ = check(capsys)
    assert code == 1
    assert out[1] == (
        "[stale-ledger] proj/lean_status.json no longer matches the sources (6 declarations differ: "
        "Demo.helper: proven in the ledger, deferred in the sources; Demo.mid: proven in the ledger, "
        "deferred in the sources; Demo.top_ok: proven in the ledger, deferred in the sources; and 3 more); "
        "refresh it with: zerosorry scan proj --out proj/lean_status.json"
    )
    code, out, _ = check(capsys, "--format", "github")
    assert out[2].startswith("::error file=proj/lean_status.json,title=zerosorry stale-ledger::[stale-ledger] ")
    # the message's command refreshes it
    assert main(["scan", "proj", "--no-cache", "-q", "--out", "proj/lean_status.json"]) == 0
    code, out, _ = check(capsys)
    assert code == 1 and not any(line.startswith("[stale-ledger]") for line in out)

    # --ledger names another committed ledger; a missing one is an input error
    write_files(repo, {f"proj/{BASE}": DEMO_BASE})
    code, out, _ = check(capsys, "--ledger", "proj/lean_status.json")
    assert code == 1 and out[0].startswith("[stale-ledger] proj/lean_status.json no longer matches")
    code, _, err = check(capsys, "--ledger", "nope.json")
    assert (code, err) == (2, "zerosorry check: error: nope.json: no such ledger\n")


# ------------------------------------------------------------------------------ formats
def test_github_annotations_and_step_summary(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    write_files(repo, {f"proj/{BASE}": BROKEN_BASE})
    code, out, _ = check(capsys)
    sorry = line_of(BROKEN_BASE, "sorry")
    assert code == 1
    assert out == [  # the verdict first: GitHub shows only the first annotations of a step
        "::notice title=zerosorry::zerosorry check proj: FAILS (1 finding); policies: zero-sorry, manifest, axiom",
        f"::error file=proj/{BASE},line={sorry},title=zerosorry zero-sorry::[zero-sorry] entry top-ok "
        f"(Demo.top_ok) is deferred: via Demo.top_ok -> Demo.mid -> Demo.helper ({BASE}:{sorry})",
    ]
    md = summary.read_text(encoding="utf-8")
    assert md.startswith("# earlier step\n## ❌ zerosorry check `proj`: FAILS (1 finding)")
    assert (f"| zero-sorry | entry top-ok (Demo.top_ok) is deferred: via Demo.top_ok -&gt; Demo.mid -&gt; "
            f"Demo.helper ({BASE}:{sorry}) | proj/{BASE}:{sorry} |") in md
    # --format text wins over GITHUB_ACTIONS
    code, out, _ = check(capsys, "--format", "text")
    assert out[0].startswith("[zero-sorry] entry top-ok")


def test_annotation_escapes_properties_and_data() -> None:
    from zerosorry.gate import SorriesGrew, StaleLedger
    from zerosorry.report.gate_report import annotation

    f = StaleLedger("a,b:c.json", ("x\ny 100%",), 1, "zerosorry scan . --out a,b:c.json")
    line = annotation(f, prefix="sub")
    assert line.startswith("::error title=zerosorry stale-ledger::[stale-ledger] a,b:c.json")
    assert "x%0Ay 100%25" in line and "\n" not in line
    assert annotation(SorriesGrew(1, 2)) == "::error title=zerosorry baseline::[baseline] sorries grew from 1 to 2 (+1)"


def test_markdown_format_on_success(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(capsys, "--format", "markdown")
    assert code == 0
    assert out[0] == "## ✅ zerosorry check `proj`: holds"
    assert "Policies: zero-sorry, manifest, axiom." in out


# ------------------------------------------------------------------------------ usage errors
def test_usage_and_input_errors_exit_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "nowhere"]) == 2
    assert capsys.readouterr().err == "zerosorry check: error: nowhere: no such directory\n"
    (repo / "proj" / "appendix.toml").unlink()
    code, out, err = check(capsys, "--ship")
    assert (code, err) == (2, "zerosorry check: error: --ship needs a manifest: no appendix.toml in proj "
                              "(give --manifest FILE)\n")
    code, out, _ = check(capsys)
    assert code == 0
    assert out == ["zerosorry check proj: holds; policies: none",
                   "note: no manifest (appendix.toml): the entry, witness and axiom policies did not run"]
    with pytest.raises(SystemExit) as exc:
        main(["check", "proj", "--format", "yaml"])
    assert exc.value.code == 2


# ------------------------------------------------------------------------------ the manifest loader
def test_gate_reads_entries_through_the_manifest_modules_loader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever object the manifest module's public loader returns, the gate takes entries,
    targets, witnesses and allowed axioms from it (not from its own reading of the TOML)."""
    import sys
    import types
    from dataclasses import dataclass as dc
    from enum import Enum

    from zerosorry.errors import InputError
    from zerosorry.gate import load_manifest

    class Target(Enum):
        ZERO = "zero-sorry"

    @dc
    class Entry:
        id: str
        lean: list[str]
        target: Target
        witness: str | None

    @dc
    class Site:
        allowed_axioms: list[str]

    @dc
    class Manifest:
        entries: list[Entry]
        site: Site

    seen: list[Path] = []

    def load_manifest_stub(path: Path) -> Manifest:
        seen.append(path)
        if "bad" in path.name:
            raise ValueError("entries[0].family: no such family 'x'")
        return Manifest([Entry("e1", ["A.b"], Target.ZERO, "m:f")], Site(["A.ax"]))

    fake = types.ModuleType("zerosorry.appendix.manifest")
    fake.load_manifest = load_manifest_stub  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "zerosorry.appendix.manifest", fake)
    (tmp_path / "appendix.toml").write_text("this is not even TOML = = =\n", encoding="utf-8")
    m = load_manifest(tmp_path / "appendix.toml", project_root=tmp_path)
    assert seen == [tmp_path / "appendix.toml"]
    assert [(e.id, e.lean, e.target, e.witness) for e in m.entries] == [("e1", ("A.b",), "zero-sorry", "m:f")]
    assert (m.allowed_axioms, m.path) == (frozenset({"A.ax"}), "appendix.toml")
    (tmp_path / "bad.toml").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.toml: entries\[0\].family: no such family"):
        load_manifest(tmp_path / "bad.toml")
