"""History you can read: ``history --list`` in first-parent order after a resumed run, the
v2 -> v3 migration (positions), ``--since`` off the first-parent line, the labelled burn-down,
and the files a scan leaves out, named."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
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
    shas, expected = chain_history(repo, 40, seed=11)
    return repo, shas, expected


def test_list_is_in_history_order_after_a_resumed_run(chain: tuple[Path, list[str], list[dict[str, int]]],
                                                      tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo, shas, expected = chain
    db = tmp_path / "h.db"
    # the newest ten first, then the rest: insertion order is not history order
    assert main(["history", str(repo / "proj"), "--db", str(db), "--max-commits", "10", "-q"]) == 0
    assert main(["history", str(repo / "proj"), "--db", str(db), "-q"]) == 0
    conn = sqlite3.connect(db)
    by_id = [r[0] for r in conn.execute("SELECT sha FROM commits ORDER BY id")]
    conn.close()
    assert by_id != shas and sorted(by_id) == sorted(shas)
    capsys.readouterr()
    assert main(["history", str(repo / "proj"), "--db", str(db), "--list", "--format", "csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["commit"] for r in table] == shas
    assert [int(r["position"]) for r in table] == list(range(1, 41))
    assert [int(r["deferred"]) for r in table] == [e["deferred"] for e in expected]
    assert [int(r["sorries"]) for r in table] == [e["sorries"] for e in expected]
    assert [int(r["load_bearing_zero_sorry"]) for r in table] == [e["entries_proven"] for e in expected]
    assert {r["author"] for r in table} == {"Zero Sorry"} and table[1]["subject"] == "step 1"
    assert main(["history", str(repo / "proj"), "--db", str(db), "--list", "--format", "json",
                 "--max-commits", "3"]) == 0
    assert [r["commit"] for r in json.loads(capsys.readouterr().out)] == shas[-3:]
    assert main(["history", str(repo / "proj"), "--db", str(db), "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["#", "commit", "date", "author"] and len(lines) == 41
    assert lines[1].split()[0] == "1" and lines[1].split()[1] == shas[0][:12] and lines[1].endswith("initial chain")
    # the site reads the same order straight from the database
    conn = history.open_db(db)
    assert [c.sha for c in history.load_counts(conn)] == shas
    conn.close()


def test_v2_database_gains_positions(chain: tuple[Path, list[str], list[dict[str, int]]], tmp_path: Path) -> None:
    repo, shas, _ = chain
    path = tmp_path / "v2.db"
    conn = sqlite3.connect(path)
    conn.executescript(history._V2 + "PRAGMA user_version = 2;")
    # a v2 database whose rows went in newest first (a resumed run)
    for k, sha in enumerate(reversed(shas[:3])):
        conn.execute("INSERT INTO commits (sha, committed, subject, declarations, sorries, proven, deferred, stub,"
                     " axiom) VALUES (?, ?, 's', 1, 0, 1, 0, 0, 0)", (sha, 1_700_000_000 + 7200 * (2 - k)))
    conn.commit()
    conn.close()
    db = history.open_db(path)
    assert db.execute("PRAGMA user_version").fetchone() == (3,)
    cols = {r[1] for r in db.execute("PRAGMA table_info(commits)")}
    assert {"position", "author"} <= cols
    assert {r[1] for r in db.execute("PRAGMA table_info(statuses)")} >= {"holder_id"}
    assert [r[0] for r in db.execute("SELECT position FROM commits")] == [None, None, None]
    revs = gitsource.first_parent_history(repo, max_commits=None)[:3]
    history.set_positions(db, revs)
    assert dict(db.execute("SELECT sha, position FROM commits").fetchall()) == {shas[0]: 1, shas[1]: 2, shas[2]: 3}
    assert [c.sha for c in history.load_counts(db)] == shas[:3]
    db.close()


def test_since_off_the_first_parent_line_is_an_error(tmp_path: Path, git: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    repo = init_repo(tmp_path / "r")
    commit(repo, demo_files(), "base")
    from tests.helpers_git import git as run_git

    run_git(repo, "checkout", "-q", "-b", "topic")
    side = commit(repo, {"proj/Demo/Extra.lean": "namespace Demo\n\ntheorem extra : True := trivial\n\nend Demo\n"},
                  "on a branch")
    run_git(repo, "checkout", "-q", "main")
    commit(repo, {"README.md": "x\n"}, "on main")
    run_git(repo, "merge", "-q", "--no-ff", "-m", "merge topic", "topic")
    code = main(["history", str(repo / "proj"), "--db", str(tmp_path / "h.db"), "--since", side, "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"--since {side}: commit {side[:12]} is not on the first-parent line of" in err
    assert "reachable only through a merge" in err
    # a commit on the line is fine, and is the first point
    first = run_git(repo, "rev-list", "--max-parents=0", "HEAD")
    assert main(["history", str(repo / "proj"), "--db", str(tmp_path / "h.db"), "--since", first, "-q"]) == 0
    assert [r.subject for r in gitsource.first_parent_history(repo, since=first)] == ["base", "on main", "merge topic"]


def test_burn_down_labels_the_largest_steps_with_their_root_cause(
        chain: tuple[Path, list[str], list[dict[str, int]]], tmp_path: Path) -> None:
    repo, shas, expected = chain
    db, out = tmp_path / "h.db", tmp_path / "b.svg"
    assert main(["history", str(repo / "proj"), "--db", str(db), "--plot", str(out), "-q"]) == 0
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    # every commit has a tooltip naming it
    cols = [el for el in root.iter(f"{SVG}rect") if "data-commit" in el.attrib]
    assert [el.attrib["data-commit"] for el in cols] == shas
    assert all(el.find(f"{SVG}title") is not None for el in cols)
    tip = cols[1].find(f"{SVG}title").text or ""  # type: ignore[union-attr]
    assert tip.startswith(f"{shas[1][:7]} ") and "by Zero Sorry: step 1" in tip
    # the five largest changes in deferred declarations are numbered and listed with their cause
    deltas = sorted(range(1, 40), key=lambda i: (-abs(expected[i]["deferred"] - expected[i - 1]["deferred"]),
                                                 -abs(expected[i]["sorries"] - expected[i - 1]["sorries"]), i))[:5]
    listed = [el for el in root.iter(f"{SVG}text") if el.attrib.get("data-step")]
    assert [el.attrib["data-step"] for el in listed] == ["1", "2", "3", "4", "5"]
    texts = [el.find(f"{SVG}title").tail or "" for el in listed]  # type: ignore[union-attr]
    assert [t.split()[1] for t in texts] == [shas[i][:7] for i in sorted(deltas)]
    biggest = max(deltas[:1])
    line = next(t for t in texts if t.split()[1] == shas[biggest][:7])
    conn = history.open_db(db)
    cause = history.step_causes(conn, shas[biggest - 1], shas[biggest])
    conn.close()
    if expected[biggest]["deferred"] > expected[biggest - 1]["deferred"]:
        assert cause and f"root cause {cause[0][0]} holds back {cause[0][1]} newly deferred" in line
        assert cause[0][0].startswith("Chain.link_")
    assert any("; root cause Chain.link_" in t for t in texts)
    # the axes: the left one (declarations) ends at the first tick at or above the largest count
    top, step = history.nice_scale(max(e["deferred"] for e in expected))
    assert max(e["deferred"] for e in expected) <= top < max(e["deferred"] for e in expected) + step
    axes = {el.attrib["data-series"]: el.attrib["data-axis"] for el in root.iter(f"{SVG}polyline")}
    assert axes == {"deferred": "left", "sorries": "right", "entries_proven": "right"}


def test_nice_scale() -> None:
    assert history.nice_scale(1001) == (1250, 250)  # not 2000: the axis ends near the largest value
    assert history.nice_scale(7) == (8, 2)
    assert history.nice_scale(3) == (3, 1)  # never a fractional count
    assert history.nice_scale(0) == (1, 1)
    assert history.nice_scale(214) == (250, 50)


def test_left_out_files_are_named(tmp_path: Path, git: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    repo = init_repo(tmp_path / "r")
    files = demo_files(**{"Scratch/Notes.lean": "theorem scratch : True := sorry\n",
                          "Demo/Old.lean": "theorem old : True := trivial\n",
                          "zerosorry.toml": '[scan]\nexclude = ["Demo/Old.lean"]\n'})
    commit(repo, files, "with a scratch file")
    assert main(["history", str(repo / "proj"), "--db", str(tmp_path / "h.db")]) == 0
    out = capsys.readouterr().out
    assert ("2 .lean files not scanned:\n  Demo/Old.lean: excluded by zerosorry.toml\n"
            "  Scratch/Notes.lean: in no lean_lib of the lakefile\n") in out
    assert main(["scan", str(repo / "proj"), "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "Scratch/Notes.lean: in no lean_lib of the lakefile" in out and "Demo/Old.lean: excluded" in out


def test_site_history_page_lists_changes_root_causes_first_and_the_burn_down_links_to_it(
        tmp_path: Path, git: str, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers_git import DEMO_BASE

    repo = init_repo(tmp_path / "r")
    commit(repo, demo_files(), "v1")
    broken = DEMO_BASE.replace("theorem helper (n : Nat) : n = n := rfl",
                               "theorem helper (n : Nat) : n = n := by\n  sorry")
    sha = commit(repo, {"proj/Demo/Base.lean": broken}, "v2: <helper> gets a sorry")
    commit(repo, {"proj/README.md": "x\n"}, "v3: nothing changes")
    assert main(["history", str(repo / "proj"), "-q"]) == 0
    site = tmp_path / "site"
    assert main(["site", str(repo / "proj"), "--out", str(site), "--no-cache", "-q"]) == 0
    page = (site / "history.html").read_text(encoding="utf-8")
    assert page.count('<article class="commit-change"') == 1  # only where a status changed
    art = page[page.index(f'id="commit-{sha[:12]}"'):]
    assert "v2: &lt;helper&gt; gets a sorry" in art
    assert '<li data-cause="Demo.helper"><code>Demo.helper</code> holds back 3 newly deferred' in art
    assert "<code>Demo.top_ok</code>" in art
    root = ET.fromstring((site / "history.svg").read_text(encoding="utf-8"))
    links = [a.attrib["href"] for a in root.iter(f"{SVG}a")]
    assert f"history.html#commit-{sha[:12]}" in links and len(set(links)) == 1
    assert 'href="history.html"' in (site / "index.html").read_text(encoding="utf-8")
    # the pages draw the chart inline (an <img> shows neither tooltips nor links): each point's
    # tooltip and the link to its commit are in the page itself, the subject escaped once
    for name in ("index.html", "history.html"):
        html = (site / name).read_text(encoding="utf-8")
        assert "<img" not in html.split('<figure class="history"', 1)[1].split("</figure>", 1)[0]
        figure = html[html.index('<figure class="history"'):html.index("</figure>")]
        assert f'<a href="history.html#commit-{sha[:12]}">' in figure and figure.count("<title>") >= 3
        assert "&lt;helper&gt;" in figure and "<helper>" not in figure
