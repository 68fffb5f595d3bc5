"""``zerosorry history``: a 200-commit repository, a run killed with SIGKILL and resumed, an
injected failure mid-commit, the v1 -> v2 migration, and the burn-down SVG."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.helpers_git import chain_history, commit, demo_files, init_repo
from zerosorry import gitsource, history
from zerosorry.cli import main

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], list[dict[str, int]]]:
    repo = tmp_path_factory.mktemp("chain") / "repo"
    shas, expected = chain_history(repo, 200)
    return repo, shas, expected


def table(db_path: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(db_path)
    try:
        return db.execute("SELECT sha, declarations, sorries, proven, deferred, stub, axiom, entries_total,"
                          " entries_proven FROM commits ORDER BY sha").fetchall()
    finally:
        db.close()


def all_statuses(db_path: Path) -> set[tuple[str, str, str]]:
    db = sqlite3.connect(db_path)
    try:
        return set(db.execute("SELECT c.sha, n.name, s.status FROM statuses s JOIN commits c ON c.id = s.commit_id"
                              " JOIN names n ON n.id = s.name_id").fetchall())
    finally:
        db.close()


def consistent(db_path: Path) -> None:
    """Every recorded commit has exactly its declarations' statuses: nothing half-written."""
    db = sqlite3.connect(db_path)
    try:
        rows = db.execute("SELECT c.sha, c.declarations, c.proven, c.deferred, COUNT(s.name_id),"
                          " SUM(s.status = 'proven'), SUM(s.status = 'deferred') FROM commits c"
                          " LEFT JOIN statuses s ON s.commit_id = c.id GROUP BY c.id").fetchall()
        for sha, decls, proven, deferred, n, p, d in rows:
            assert (n, p or 0, d or 0) == (decls, proven, deferred), sha
        assert db.execute("SELECT COUNT(*) FROM statuses WHERE commit_id NOT IN (SELECT id FROM commits)").fetchone() == (0,)
    finally:
        db.close()


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:  # not Linux: nothing to look at
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


# ------------------------------------------------------------------------------ 200 commits
@pytest.mark.slow
def test_history_of_200_commits_matches_the_model(chain: tuple[Path, list[str], list[dict[str, int]]],
                                                   tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo, shas, expected = chain
    db = tmp_path / "h.sqlite3"
    assert main(["history", str(repo / "proj"), "--db", str(db), "-q"]) == 0
    conn = sqlite3.connect(db)
    got = conn.execute("SELECT sha, declarations, sorries, deferred, proven, entries_total, entries_proven"
                       " FROM commits ORDER BY id").fetchall()
    conn.close()
    assert [g[0] for g in got] == shas
    assert [g[1:] for g in got] == [
        (e["declarations"], e["sorries"], e["deferred"], e["proven"], 8, e["entries_proven"]) for e in expected
    ]
    consistent(db)
    # per-declaration statuses equal an independent scan of that commit from git objects
    conn = history.open_db(db)
    with gitsource.GitObjects(repo) as objects:
        for sha in (shas[0], shas[97], shas[-1]):
            ledger = gitsource.scan_revision(objects, gitsource.resolve(repo, sha), "proj")
            assert history.statuses_at(conn, sha) == {r.name: r.status.value for r in ledger.records}
    conn.close()
    # a second run over the same database scans nothing
    assert main(["history", str(repo / "proj"), "--db", str(db)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"history {db}: 200 commits, 0 scanned, 200 already recorded"


@pytest.mark.slow
def test_sigkill_halfway_then_resume_loses_and_doubles_nothing(
    chain: tuple[Path, list[str], list[dict[str, int]]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Killed inside a commit's transaction, deterministically: five commits are recorded first;
    then the test holds a read lock, so the run's next COMMIT waits for it with that commit's
    rows half-written (its rollback journal on disk), and the SIGKILL lands there."""
    repo, shas, _ = chain
    db = tmp_path / "killed.sqlite3"
    assert main(["history", str(repo / "proj"), "--db", str(db), "--rev", shas[4], "-q"]) == 0
    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT COUNT(*) FROM commits").fetchone() == (5,)  # holds SHARED until ROLLBACK
    journal = db.with_name(db.name + "-journal")
    log = tmp_path / "stderr.txt"
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "zerosorry", "history", str(repo / "proj"), "--db", str(db),
                                 "-q", "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and not (journal.exists() and _children(proc.pid)):
        time.sleep(0.005)
    assert journal.exists() and proc.poll() is None, log.read_text(errors="replace")
    children = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    reader.execute("ROLLBACK")
    reader.close()
    assert proc.returncode == -signal.SIGKILL, log.read_text(errors="replace")
    assert journal.exists()  # a hot journal: the half-written commit, for SQLite to roll back
    # its worker processes notice and exit instead of waiting for work forever
    deadline = time.monotonic() + 10
    while any(_alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [c for c in children if _alive(c)]
    recorded = len(table(db))
    assert recorded == 5, "the half-written sixth commit is rolled back"
    consistent(db)

    assert main(["history", str(repo / "proj"), "--db", str(db), "-q"]) == 0
    assert main(["history", str(repo / "proj"), "--db", str(db)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("200 commits, 0 scanned, 200 already recorded")
    consistent(db)
    fresh = tmp_path / "fresh.sqlite3"
    assert main(["history", str(repo / "proj"), "--db", str(fresh), "-q"]) == 0
    assert table(db) == table(fresh) and len(table(db)) == 200
    assert all_statuses(db) == all_statuses(fresh)


def test_injected_failure_mid_commit_records_nothing_of_that_commit(
    chain: tuple[Path, list[str], list[dict[str, int]]], tmp_path: Path
) -> None:
    repo, shas, _ = chain
    db_path = tmp_path / "h.sqlite3"
    revs = gitsource.first_parent_history(repo)[:12]
    db = history.open_db(db_path, project="proj")
    # fail inside the 7th commit's transaction, after its commits row went in
    db.execute("CREATE TEMP TRIGGER boom BEFORE INSERT ON statuses WHEN"
               " (SELECT COUNT(*) FROM commits) >= 7 BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
    with gitsource.GitObjects(repo) as objects, pytest.raises(sqlite3.IntegrityError, match="injected failure"):
        history.record_history(db, objects, revs, "proj")
    assert [r[0] for r in db.execute("SELECT sha FROM commits ORDER BY id")] == shas[:6]
    consistent(db_path)
    db.execute("DROP TRIGGER boom")
    with gitsource.GitObjects(repo) as objects:
        report = history.record_history(db, objects, revs, "proj")
    assert (report.scanned, report.skipped) == (6, 6)
    assert [r[0] for r in db.execute("SELECT sha FROM commits ORDER BY id")] == shas[:12]
    db.close()
    consistent(db_path)


def test_two_runs_sharing_a_database_record_each_commit_once(
    chain: tuple[Path, list[str], list[dict[str, int]]], tmp_path: Path
) -> None:
    """Two connections interleave: the second finds the commit already recorded under the write
    lock and skips it instead of failing on the unique sha."""
    repo, shas, _ = chain
    db_path = tmp_path / "h.sqlite3"
    revs = gitsource.first_parent_history(repo)[:5]
    a, b = history.open_db(db_path, project="proj"), history.open_db(db_path, project="proj")
    with gitsource.GitObjects(repo) as objects:
        history.record_history(a, objects, revs[:3], "proj")
        scanned = history.scan_tree(objects, revs[1], "proj", None)
        counts = history.counts_of(revs[1], scanned, None)
        history.store(b, counts, scanned.statuses)  # already there: a no-op, not an IntegrityError
        history.record_history(b, objects, revs, "proj")
    assert [r[0] for r in a.execute("SELECT sha FROM commits ORDER BY id")] == shas[:5]
    a.close()
    b.close()
    consistent(db_path)


def test_since_and_max_commits(chain: tuple[Path, list[str], list[dict[str, int]]], tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    repo, shas, _ = chain
    db = tmp_path / "h.sqlite3"
    assert main(["history", str(repo / "proj"), "--db", str(db), "--max-commits", "10"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"history {db}: 10 commits, 10 scanned, 0 already recorded"
    assert {r[0] for r in table(db)} == set(shas[-10:])
    assert main(["history", str(repo / "proj"), "--db", str(db), "--since", shas[170]]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"history {db}: 30 commits, 20 scanned, 10 already recorded"
    assert main(["history", str(repo / "proj"), "--db", str(db), "--max-commits", "0"]) == 2
    assert main(["history", str(repo / "proj"), "--db", str(db), "--since", "nope"]) == 2
    assert "nope: not a revision of" in capsys.readouterr().err


def test_database_belongs_to_one_project(tmp_path: Path, git: str, capsys: pytest.CaptureFixture[str]) -> None:
    repo = init_repo(tmp_path / "r")
    commit(repo, {**demo_files("a/"), **demo_files("b/")}, "two projects")
    db = tmp_path / "h.sqlite3"
    assert main(["history", str(repo / "a"), "--db", str(db), "-q"]) == 0
    assert main(["history", str(repo / "b"), "--db", str(db), "-q"]) == 2
    assert capsys.readouterr().err == f"zerosorry history: error: {db} records the project 'a', not 'b'; give another --db\n"
    # the default database lives in the project, and git does not see it
    assert main(["history", str(repo / "b"), "-q"]) == 0
    assert (repo / "b" / ".zerosorry" / "history.sqlite3").is_file()
    assert subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], capture_output=True,
                          text=True, check=True).stdout == ""
    # another repository with a project at the same place may not share the database
    other = init_repo(tmp_path / "other")
    commit(other, demo_files("a/"), "unrelated")
    assert main(["history", str(other / "a"), "--db", str(db), "-q"]) == 2
    assert "records the history of another repository" in capsys.readouterr().err


# ------------------------------------------------------------------------------ migration

V1_SCHEMA = """
    CREATE TABLE commits (sha TEXT PRIMARY KEY, committed INTEGER NOT NULL, subject TEXT NOT NULL,
        declarations INTEGER NOT NULL, sorries INTEGER NOT NULL, proven INTEGER NOT NULL,
        deferred INTEGER NOT NULL, stub INTEGER NOT NULL, axiom INTEGER NOT NULL);
    CREATE TABLE statuses (sha TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
        PRIMARY KEY (sha, name));
    PRAGMA user_version = 1;
"""


def v1_database(path: Path) -> sqlite3.Connection:
    """An empty history database of schema 1, as the first zerosorry wrote it."""
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    return db


def test_v1_database_is_migrated_and_resumed(chain: tuple[Path, list[str], list[dict[str, int]]], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    repo, shas, expected = chain
    revs = gitsource.first_parent_history(repo)
    db_path = tmp_path / "v1.sqlite3"
    v1 = v1_database(db_path)
    with gitsource.GitObjects(repo) as objects:
        for rev, exp in zip(revs[:3], expected[:3], strict=True):
            ledger = gitsource.scan_revision(objects, rev, "proj")
            v1.execute("INSERT INTO commits VALUES (?,?,?,?,?,?,?,?,?)",
                       (rev.sha, rev.time, rev.subject, exp["declarations"], exp["sorries"], exp["proven"],
                        exp["deferred"], 0, 0))
            v1.executemany("INSERT INTO statuses VALUES (?,?,?)",
                           [(rev.sha, r.name, r.status.value) for r in ledger.records])
    v1.commit()
    v1.close()

    db = history.open_db(db_path, project="proj")
    assert db.execute("PRAGMA user_version").fetchone() == (history.SCHEMA_VERSION,)
    assert {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == {
        "meta", "commits", "names", "statuses"}
    counts = history.load_counts(db)
    assert [(c.sha, c.sorries, c.entries_total) for c in counts] == [(s, e["sorries"], None)
                                                                     for s, e in zip(shas[:3], expected[:3], strict=True)]
    assert history.statuses_at(db, shas[1])["Chain.link_0"] in ("proven", "deferred")
    assert len(history.statuses_at(db, shas[2])) == expected[2]["declarations"]
    db.close()
    consistent(db_path)
    # migrating twice is a no-op; a run resumes after the migrated commits
    history.open_db(db_path).close()
    assert main(["history", str(repo / "proj"), "--db", str(db_path), "--rev", shas[4]]) == 0
    out = capsys.readouterr().out.splitlines()[-1]
    assert out == f"history {db_path}: 5 commits, 2 scanned, 3 already recorded"


def test_migration_backfills_entry_counts_from_each_commit_s_manifest(tmp_path: Path, git: str) -> None:
    repo = init_repo(tmp_path / "r")
    first = commit(repo, demo_files(), "with a manifest")
    second = commit(repo, {"proj/appendix.toml": None}, "manifest removed")
    db_path = tmp_path / "v1.sqlite3"
    v1 = v1_database(db_path)
    revs = gitsource.first_parent_history(repo)
    with gitsource.GitObjects(repo) as objects:
        for i, rev in enumerate(revs):
            ledger = gitsource.scan_revision(objects, rev, "proj")
            c = ledger.status_counts()
            v1.execute("INSERT INTO commits VALUES (?,?,?,?,?,?,?,?,?)",
                       (rev.sha, rev.time + i, rev.subject, len(ledger.records), ledger.sorry_count(),
                        c["proven"], c["deferred"], c["stub"], c["axiom"]))
            v1.executemany("INSERT INTO statuses VALUES (?,?,?)", [(rev.sha, r.name, r.status.value) for r in ledger.records])
    v1.commit()
    v1.close()
    db = history.open_db(db_path, project="proj")
    assert [c.entries_total for c in history.load_counts(db, [first, second])] == [None, None]
    with gitsource.GitObjects(repo) as objects:
        report = history.record_history(db, objects, revs, "proj")
    assert report.scanned == 0
    counts = history.load_counts(db, [first, second])
    assert counts[0].entries_total is not None and counts[0].entries_total > 0
    assert counts[0].entries_proven is not None and 0 < counts[0].entries_proven < counts[0].entries_total
    assert (counts[1].entries_total, counts[1].entries_proven) == (None, None)  # no manifest there
    assert db.execute("SELECT 1 FROM meta WHERE key = 'backfill_entries'").fetchone() is None
    db.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db_path = tmp_path / "future.sqlite3"
    c = sqlite3.connect(db_path)
    c.execute("PRAGMA user_version = 99")
    c.close()
    from zerosorry.errors import InputError

    with pytest.raises(InputError, match="schema version 99"):
        history.open_db(db_path)


# ------------------------------------------------------------------------------ the plot
def test_plot_is_a_safe_svg_of_the_burn_down(chain: tuple[Path, list[str], list[dict[str, int]]], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    repo, _shas, expected = chain
    out = tmp_path / "burn.svg"
    assert main(["history", str(repo / "proj"), "--db", str(tmp_path / "h.db"), "--max-commits", "40",
                 "--plot", str(out), "-q"]) == 0
    text = out.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    assert "script" not in text.lower() and " on" not in text.replace(" one", "")
    assert not any(k.startswith("on") for el in root.iter() for k in el.attrib)
    lines = {el.attrib["data-series"]: el.attrib["points"] for el in root.iter(f"{SVG}polyline")}
    assert set(lines) == {"sorries", "deferred", "entries_proven"}
    ys = [float(p.split(",")[1]) for p in lines["sorries"].split()]
    assert len(ys) == 40
    # a larger count is drawn higher (smaller y), point for point
    sorries = [e["sorries"] for e in expected[-40:]]
    for i in range(39):
        if sorries[i] != sorries[i + 1]:
            assert (ys[i] > ys[i + 1]) == (sorries[i] < sorries[i + 1])
    legend = [el.text for el in root.iter(f"{SVG}text") if el.text and "(" in el.text]
    assert f"sorry tokens ({expected[-1]['sorries']})" in legend
    assert f"proven load-bearing entries ({expected[-1]['entries_proven']})" in legend


def test_plot_escapes_text(tmp_path: Path, git: str) -> None:
    repo = init_repo(tmp_path / "r")
    commit(repo, demo_files("a&b <c>/"), "odd project directory")
    out = tmp_path / "p.svg"
    assert main(["history", str(repo / "a&b <c>"), "--db", str(tmp_path / "h.db"), "--plot", str(out), "-q"]) == 0
    root = ET.fromstring(out.read_text(encoding="utf-8"))  # would not parse if unescaped
    assert root.find(f"{SVG}title").text == "zerosorry burn-down: a&b <c>"  # type: ignore[union-attr]
    empty = history.burndown_svg([], title="<none>")
    assert "&lt;none&gt;" in empty and ET.fromstring(empty).tag == f"{SVG}svg"


def test_commits_outside_the_project_cost_no_scan(tmp_path: Path, git: str, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = init_repo(tmp_path / "r")
    commit(repo, {"README.md": "before the project\n"}, "readme")
    commit(repo, demo_files("proj/"), "project")
    for k in range(3):
        commit(repo, {"README.md": f"edit {k}\n", "docs/x.lean": f"theorem d{k} : True := sorry\n"}, f"outside {k}")
    commit(repo, {"proj/Demo/Base.lean": "namespace Demo\n\ntheorem helper (n : Nat) : n = n := rfl\n\nend Demo\n"},
           "inside")
    calls: list[str] = []
    real = history.scan_tree

    def counting(objects: gitsource.GitObjects, rev: gitsource.Revision, project: str, cache: object) -> history.Scanned:
        calls.append(rev.subject)
        return real(objects, rev, project, cache)  # type: ignore[arg-type]

    monkeypatch.setattr(history, "scan_tree", counting)
    revs = gitsource.first_parent_history(repo)
    db = history.open_db(tmp_path / "h.db", project="proj")
    with gitsource.GitObjects(repo) as objects:
        report = history.record_history(db, objects, revs, "proj")
    assert calls == ["project", "inside"] and report.scanned == 6
    counts = history.load_counts(db, [r.sha for r in revs])
    # docs/x.lean is outside proj/; "inside" drops gap_lemma (the only sorry), plumbing and via_axiom
    assert [c.declarations for c in counts] == [0, 11, 11, 11, 11, 8]
    assert [c.sorries for c in counts] == [0, 1, 1, 1, 1, 0]
    assert history.statuses_at(db, revs[4].sha) == history.statuses_at(db, revs[1].sha)
    assert [c.entries_total for c in counts] == [None, 3, 3, 3, 3, 3]
    db.close()
    consistent(tmp_path / "h.db")
    # the plot leaves out the commit before the project existed
    root = ET.fromstring(history.burndown_svg(counts))
    points = {el.attrib["data-series"]: el.attrib["points"].split() for el in root.iter(f"{SVG}polyline")}
    assert len(points["sorries"]) == 5
