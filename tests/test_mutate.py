"""bench/mutate.py, the mutation audit, on a small fixture project (no timing here)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "projects" / "mutate"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_mutate", ROOT / "bench" / "mutate.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_mutate"] = mod  # dataclasses look their module up by name
    spec.loader.exec_module(mod)
    return mod


mutate = _load()


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    before = {p: p.read_bytes() for p in FIXTURE.rglob("*") if p.is_file()}
    mutations, _, _ = mutate.run(FIXTURE, per_stratum=10, seed=1,
                                    cache_dir=tmp_path_factory.mktemp("cache"))
    after = {p: p.read_bytes() for p in FIXTURE.rglob("*") if p.is_file()}
    assert after == before, "the audit must never write into the project"
    return {m.lemma: m for m in mutations}


def users(m: object) -> dict[str, bool]:
    return {c.name: c.deferred for c in m.candidates}  # type: ignore[attr-defined]


def test_every_lemma_with_a_textual_user_is_mutated_in_its_stratum(audit: dict[str, object]) -> None:
    strata = {name: m.stratum for name, m in audit.items()}  # type: ignore[attr-defined]
    assert strata == {"Uniq.only_here": "1", "uses_unique": "1", "A.twice": "2-4", "B.twice": "2-4",
                      **{f"P{i}.many": "5+" for i in range(1, 6)}}
    assert all(m.ok for m in audit.values())  # type: ignore[attr-defined]


def test_the_oracle_reads_tokens_not_text(audit: dict[str, object]) -> None:
    # the comment and the string mention `only_here` and are no candidates; both real users are
    assert users(audit["Uniq.only_here"]) == {"uses_unique": True, "uses_unique_bare": True}


def test_false_textual_candidates_survive_and_are_listed(audit: dict[str, object]) -> None:
    # a bound variable `twice`, and the other namespace's `B.twice`, stay proven: listed for a person
    assert users(audit["A.twice"]) == {"uses_a": True, "binds_twice": False}
    assert users(audit["B.twice"]) == {"uses_a": False, "binds_twice": False}
    # by last component: every `many` is a candidate of every other; the declared names are not
    assert users(audit["P3.many"]) == {"uses_p3": True, "uses_p1_and_p2": False}
    assert users(audit["P4.many"]) == {"uses_p3": False, "uses_p1_and_p2": False}
    surv = audit["A.twice"].survivors()  # type: ignore[attr-defined]
    assert [(c.file, c.line) for c in surv] == [("Mut/Users.lean", 16)]
    assert surv[0].tokens == ["twice (bare)"]
    assert "fun twice" in surv[0].context
    # Apart.lean mentions `twice` but imports nothing: Lean cannot see A.twice there
    assert audit["A.twice"].not_imported == 1  # type: ignore[attr-defined]


def test_the_mutation_keeps_every_line_in_place(tmp_path: Path) -> None:
    auditor = mutate.Auditor(FIXTURE, tmp_path)
    try:
        rec = next(r for r in auditor.base.records if r.name == "B.twice")
        span = mutate.proof_span(auditor.project, rec)
        files = mutate.mutated(auditor.project, rec, span)
    finally:
        auditor.close()
    old = auditor.project.texts["Mut/Base.lean"].splitlines()
    new = files["Mut/Base.lean"].decode().splitlines()
    assert len(new) == len(old)
    assert new[rec.line - 1] == "theorem twice (n : Nat) : n = n := sorry"
    assert new[rec.line] == "" and old[rec.line] == "  rfl"
    assert new[rec.line + 1 :] == old[rec.line + 1 :]
    assert files["Mut/Users.lean"] == auditor.project.files["Mut/Users.lean"]


def test_main_prints_each_stratum_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "audit.json"
    assert mutate.main([str(FIXTURE), "--per-stratum", "1", "--json", str(out), "--transitive",
                        "--cache-dir", str(tmp_path / "cache")]) == 0
    text = capsys.readouterr().out
    assert "stratum" in text and "2-4" in text and "5+" in text
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["summary"]) == {"1", "2-4", "5+"}
    assert sum(s["mutations"] for s in data["summary"].values()) == 3
    assert all(m["ok"] for m in data["mutations"])


def test_replay_mutates_the_lemmas_of_an_earlier_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, again = tmp_path / "first.json", tmp_path / "again.json"
    assert mutate.main([str(FIXTURE), "--per-stratum", "1", "--seed", "3", "--json", str(first)]) == 0
    assert mutate.main([str(FIXTURE), "--replay", str(first), "--json", str(again)]) == 0
    capsys.readouterr()
    lemmas = [[m["lemma"] for m in json.loads(p.read_text(encoding="utf-8"))["mutations"]]
              for p in (first, again)]
    assert lemmas[0] == lemmas[1] and len(lemmas[0]) == 3


def test_transitive_follows_the_users_the_engine_deferred(tmp_path: Path) -> None:
    mutations, _, _ = mutate.run(FIXTURE, per_stratum=10, seed=1, transitive=True, cache_dir=tmp_path)
    m = next(m for m in mutations if m.lemma == "Uniq.only_here")
    hops = {c.name: (c.hop, c.via, c.deferred) for c in m.candidates}
    assert hops["uses_the_user"] == (2, "uses_unique", True)
    assert hops["uses_unique"][0] == 1
