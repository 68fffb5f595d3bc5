"""``zerosorry why`` and ``zerosorry impact`` on a project whose chains cross several files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers_git import DEMO_BASE, DEMO_MID, DEMO_TOP, demo_files, line_of, write_files
from zerosorry.cli import main

BASE, MID, TOP = "Demo/Base.lean", "Demo/Mid.lean", "Demo/Top.lean"

#: a fourth file on top: reaches the gap, the axiom and the trust extension at once
DEMO_APEX = """import Demo.Top

namespace Demo

theorem apex (n : Nat) : n + 0 = n ∧ n = n ∧ 10 < 20 :=
  ⟨top_deferred n, top_axiom n, top_native⟩

theorem apex_direct (n : Nat) : n + 0 = n := gap_lemma n

end Demo
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_files(tmp_path, demo_files(prefix="", **{"Demo/Apex.lean": DEMO_APEX}))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([*args, "--no-cache"])
    out, err = capsys.readouterr()
    return code, out, err


def test_why_walks_every_file_to_each_sorry_axiom_and_trust(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "why", "Demo.apex")
    L = line_of
    apex = f"{'Demo/Apex.lean'}:{L(DEMO_APEX, 'theorem apex ')}"
    assert code == 0
    assert out.splitlines() == [
        f"Demo.apex ({apex}) is deferred; its derivation reaches 1 sorry holder(s), "
        "1 project axiom(s), 1 trust extension use(s).",
        "",
        f"sorry at {BASE}:{L(DEMO_BASE, 'sorry')} in Demo.gap_lemma:",
        f"     Demo.apex          {apex}",
        f"  -> Demo.top_deferred  {TOP}:{L(DEMO_TOP, 'theorem top_deferred')}",
        f"  -> Demo.mid_gap       {MID}:{L(DEMO_MID, 'theorem mid_gap')}",
        f"  -> Demo.gap_lemma     {BASE}:{L(DEMO_BASE, 'theorem gap_lemma')}",
        "",
        f"project axiom Demo.plumbing ({BASE}:{L(DEMO_BASE, 'axiom plumbing')}):",
        f"     Demo.apex       {apex}",
        f"  -> Demo.top_axiom  {TOP}:{L(DEMO_TOP, 'theorem top_axiom')}",
        f"  -> Demo.via_axiom  {BASE}:{L(DEMO_BASE, 'theorem via_axiom')}",
        f"  -> Demo.plumbing   {BASE}:{L(DEMO_BASE, 'axiom plumbing')}",
        "",
        f"trust extension native_decide in Demo.mid_native ({MID}:{L(DEMO_MID, 'theorem mid_native')}):",
        f"     Demo.apex        {apex}",
        f"  -> Demo.top_native  {TOP}:{L(DEMO_TOP, 'theorem top_native')}",
        f"  -> Demo.mid_native  {MID}:{L(DEMO_MID, 'theorem mid_native')}",
    ]


def test_why_picks_the_shortest_chain_and_lists_every_sorry(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a second sorry, and a second, shorter route to the first one
    base = DEMO_BASE.replace("theorem helper (n : Nat) : n = n := rfl", "theorem helper (n : Nat) : n = n := by\n  sorry")
    top = DEMO_TOP.replace("mid_gap n", "(fun _ => gap_lemma n) (mid_gap n)")
    write_files(project, {BASE: base, TOP: top})
    code, out, _ = run(capsys, "why", "top_deferred", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["name"] == "Demo.top_deferred" and data["status"] == "deferred"
    chains = [(r["kind"], [s["name"] for s in r["chain"]], r["line"]) for r in data["reasons"]]
    assert chains == [("sorry", ["Demo.top_deferred", "Demo.gap_lemma"], line_of(base, "  sorry\n\naxiom"))]
    code, out, _ = run(capsys, "why", "top_ok", "--format", "json")
    assert [[s["name"] for s in r["chain"]] for r in json.loads(out)["reasons"]] == [
        ["Demo.top_ok", "Demo.mid", "Demo.helper"]
    ]


def test_why_of_a_clean_declaration(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "why", "Demo.top_ok")
    assert (code, out) == (0, f"Demo.top_ok ({TOP}:{line_of(DEMO_TOP, 'theorem top_ok')}) is proven: no sorry, "
                              "project axiom or trust extension anywhere in its derivation.\n")


def test_impact_lists_load_bearing_entries_first(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "impact", "Demo.gap_lemma")
    top_deferred = f"{TOP}:{line_of(DEMO_TOP, 'theorem top_deferred')}"
    assert code == 0
    assert out.splitlines() == [
        f"4 declaration(s) depend on Demo.gap_lemma ({BASE}:{line_of(DEMO_BASE, 'theorem gap_lemma')}, deferred)",
        "",
        "load-bearing entries (1):",
        f"  top-deferred: Demo.top_deferred  deferred  {top_deferred}  via Demo.top_deferred -> Demo.mid_gap -> Demo.gap_lemma",
        "",
        "other declarations (3):",
        f"  Demo.apex_direct  deferred  Demo/Apex.lean:{line_of(DEMO_APEX, 'theorem apex_direct')}  via Demo.apex_direct -> Demo.gap_lemma",
        f"  Demo.mid_gap  deferred  {MID}:{line_of(DEMO_MID, 'theorem mid_gap')}  via Demo.mid_gap -> Demo.gap_lemma",
        f"  Demo.apex  deferred  Demo/Apex.lean:{line_of(DEMO_APEX, 'theorem apex ')}  via Demo.apex -> Demo.top_deferred -> Demo.mid_gap -> Demo.gap_lemma",
    ]


def test_impact_from_a_ledger_and_json(project: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["scan", ".", "--no-cache", "-q", "--out", str(tmp_path / "l.json")]) == 0
    code, out, _ = run(capsys, "impact", "plumbing", "--ledger", str(tmp_path / "l.json"), "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert [(d["name"], d["entries"]) for d in data["dependents"]] == [
        ("Demo.top_axiom", ["top-axiom"]), ("Demo.via_axiom", []), ("Demo.apex", []),
    ]
    code, out, _ = run(capsys, "impact", "Demo.apex")
    assert out == f"nothing in the project uses Demo.apex (Demo/Apex.lean:{line_of(DEMO_APEX, 'theorem apex ')}, deferred)\n"


def test_unknown_names_get_suggestions(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "why", "Demo.gap_lema")
    assert (code, err) == (2, "zerosorry why: error: unknown declaration Demo.gap_lema; did you mean Demo.gap_lemma?\n")
    code, _, err = run(capsys, "impact", "top_ok_")
    assert code == 2 and "unknown declaration top_ok_; did you mean" in err and "Demo.top_ok" in err
    code, _, err = run(capsys, "why", "zzzzzz")
    assert (code, err) == (2, "zerosorry why: error: unknown declaration zzzzzz\n")
    code, _, err = run(capsys, "why", "x", "no/such/dir")
    assert (code, err) == (2, "zerosorry why: error: no/such/dir: no such directory\n")
