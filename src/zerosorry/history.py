"""Proof status over a project's first-parent history, kept in SQLite, and its burn-down SVG.

Each commit is scanned from git objects (the parse cache makes unchanged files free) and
recorded in one transaction: its counts and every declaration's status, or nothing.  A run
skips the commits already recorded, so an interrupted run resumes where it stopped.

Schema (``PRAGMA user_version``; :func:`migrate` upgrades older databases in place):

* v1 — ``commits(sha PRIMARY KEY, committed, subject, declarations, sorries, proven, deferred,
  stub, axiom)`` and ``statuses(sha, name, status)``;
* v2 — commits get an integer id and the load-bearing entry counts (``entries_total``,
  ``entries_proven``; NULL where the commit has no manifest); declaration names are interned
  in ``names`` and ``statuses`` is keyed by ``(commit_id, name_id)``; a ``meta`` table records
  the project directory the database belongs to;
* v3 — commits get their ``position`` on the first-parent line (1 for the root commit, so the
  database orders correctly however a run was interrupted and resumed; rows migrated from v2
  get theirs on the next run) and their ``author``; each deferred status row records the
  declaration holding the sorry that holds it back (``holder_id``), so each step's root cause
  can be read back.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from itertools import pairwise
from pathlib import Path
from typing import Any

from .errors import InputError
from .gate import GateManifest, load_manifest_bytes
from .gitsource import GitObjects, Revision, scan_revision
from .ledger.model import Status
from .scan import ParseCache, left_out

SCHEMA_VERSION = 3

_V2 = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS commits (
    id INTEGER PRIMARY KEY,
    sha TEXT NOT NULL UNIQUE,
    committed INTEGER NOT NULL,
    subject TEXT NOT NULL,
    declarations INTEGER NOT NULL,
    sorries INTEGER NOT NULL,
    proven INTEGER NOT NULL,
    deferred INTEGER NOT NULL,
    stub INTEGER NOT NULL,
    axiom INTEGER NOT NULL,
    entries_total INTEGER,
    entries_proven INTEGER
);
CREATE TABLE IF NOT EXISTS names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS statuses (
    commit_id INTEGER NOT NULL REFERENCES commits(id),
    name_id INTEGER NOT NULL REFERENCES names(id),
    status TEXT NOT NULL,
    PRIMARY KEY (commit_id, name_id)
) WITHOUT ROWID;
"""


def _migrate_1_to_2(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE commits RENAME TO commits_v1")
    db.execute("ALTER TABLE statuses RENAME TO statuses_v1")
    for stmt in _V2.split(";"):
        if stmt.strip():
            db.execute(stmt)
    db.execute(
        "INSERT INTO commits (sha, committed, subject, declarations, sorries, proven, deferred, stub, axiom)"
        " SELECT sha, committed, subject, declarations, sorries, proven, deferred, stub, axiom"
        " FROM commits_v1 ORDER BY committed, rowid"
    )
    db.execute("INSERT INTO names (name) SELECT DISTINCT name FROM statuses_v1 ORDER BY name")
    db.execute(
        "INSERT INTO statuses (commit_id, name_id, status)"
        " SELECT c.id, n.id, s.status FROM statuses_v1 s"
        " JOIN commits c ON c.sha = s.sha JOIN names n ON n.name = s.name"
    )
    db.execute("DROP TABLE statuses_v1")
    db.execute("DROP TABLE commits_v1")
    # v1 kept no entry counts: the next run derives them from the stored statuses and each
    # commit's appendix.toml (NULL must keep meaning "no manifest at that commit")
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('backfill_entries', '1')")


#: v2 -> v3, also run (after the v2 tables) to create a new database
_V3_CHANGES = (
    "ALTER TABLE commits ADD COLUMN position INTEGER",
    "ALTER TABLE commits ADD COLUMN author TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE statuses ADD COLUMN holder_id INTEGER REFERENCES names(id)",
    "CREATE INDEX IF NOT EXISTS commits_position ON commits(position)",
)


def _migrate_2_to_3(db: sqlite3.Connection) -> None:
    for stmt in _V3_CHANGES:
        db.execute(stmt)


_MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _migrate_1_to_2, 2: _migrate_2_to_3}


def migrate(db: sqlite3.Connection) -> int:
    """Bring ``db`` to :data:`SCHEMA_VERSION`, one step per transaction; returns the version
    it started at (0 for a new database)."""
    start = int(db.execute("PRAGMA user_version").fetchone()[0])
    if start > SCHEMA_VERSION:
        raise InputError(f"history database has schema version {start}; this zerosorry reads up to "
                         f"{SCHEMA_VERSION} (upgrade zerosorry)")
    version = start
    if version == 0:
        db.executescript("BEGIN;" + _V2 + ";".join(_V3_CHANGES) + f";PRAGMA user_version = {SCHEMA_VERSION};COMMIT;")
        return start
    while version < SCHEMA_VERSION:
        step = _MIGRATIONS[version]
        db.execute("BEGIN")
        try:
            step(db)
            db.execute(f"PRAGMA user_version = {version + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        version += 1
    return start


def open_db(path: Path, *, project: str | None = None, repository: str | None = None) -> sqlite3.Connection:
    """Open (creating or migrating) the history database; ``project`` (the folder inside the
    repository) and ``repository`` (its root commits) must match the ones it was made for."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.parent.name == ".zerosorry" and not (path.parent / ".gitignore").exists():
            # zerosorry's own folder in a checkout: keep it out of git (and out of `dirty`)
            (path.parent / ".gitignore").write_text("# written by zerosorry\n*\n", encoding="utf-8")
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
        db.execute("PRAGMA foreign_keys = ON")
        migrate(db)
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{path}: not a usable history database: {exc}") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot open the history database: {exc.strerror or exc}") from exc
    if project is not None:
        _claim(db, path, "project", project,
               lambda had: f"records the project {had or '.'!r}, not {project or '.'!r}")
    if repository:
        _claim(db, path, "repository", repository,
               lambda had: f"records the history of another repository (root commit {had[:12]}, "
                           f"not {repository[:12]})")
    return db


def _claim(db: sqlite3.Connection, path: Path, key: str, value: str, mismatch: Callable[[str], str]) -> None:
    """Record what the database is for (``key`` = ``value``) the first time; refuse another."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    if row is None:
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
    elif row[0] != value:
        db.close()
        raise InputError(f"{path} {mismatch(row[0])}; give another --db")


@dataclass(frozen=True)
class CommitCounts:
    sha: str
    committed: int
    subject: str
    declarations: int
    sorries: int
    proven: int
    deferred: int
    stub: int
    axiom: int
    entries_total: int | None
    entries_proven: int | None
    author: str = ""
    position: int | None = None  # on the first-parent line, 1 for the root commit


@dataclass(frozen=True)
class Scanned:
    """What a commit's scan contributes to the database (small, so it crosses processes cheaply)."""

    statuses: tuple[tuple[str, str], ...]  # (name, status), every declaration
    sorries: int
    manifest: str | None = None  # blob id of the commit's appendix.toml
    holders: tuple[tuple[str, str], ...] = ()  # (deferred declaration, the one whose sorry holds it back)
    left_out: tuple[tuple[str, str], ...] = ()  # (.lean file, why it was not scanned)


def counts_of(rev: Revision, scanned: Scanned, manifest: GateManifest | None) -> CommitCounts:
    c = {s.value: 0 for s in Status}
    for _, status in scanned.statuses:
        c[status] += 1
    total = proven = None
    if manifest is not None:
        status_of = dict(scanned.statuses)
        total = len(manifest.entries)
        proven = sum(
            1 for e in manifest.entries
            if e.lean and all(status_of.get(n) == Status.PROVEN.value for n in e.lean)
        )
    return CommitCounts(rev.sha, rev.time, rev.subject, len(scanned.statuses), scanned.sorries,
                        c["proven"], c["deferred"], c["stub"], c["axiom"], total, proven, rev.author, rev.position)


def scan_tree(objects: GitObjects, rev: Revision, project: str, cache: ParseCache | None) -> Scanned:
    """Scan ``project`` at one commit."""
    tree = objects.tree(rev.sha, project)
    manifest = tree.get("appendix.toml")
    if not any(p.endswith(".lean") and p != "lakefile.lean" for p in tree):
        return Scanned((), 0, manifest)  # no Lean project (yet) at this commit
    blobs = objects.blobs(list(tree.values()))
    files = {p: blobs[oid] for p, oid in tree.items()}
    ledger = scan_revision(objects, rev, project, cache=cache, jobs=1, files=files)
    holders = tuple((r.name, r.via[-1]) for r in ledger.records if r.status is Status.DEFERRED and r.via)
    return Scanned(tuple((r.name, r.status.value) for r in ledger.records), ledger.sorry_count(), manifest,
                   holders, tuple(left_out(ledger)))


def _scan_job(objects: GitObjects, rev: Revision, tree_id: str | None, project: str,
              cache: ParseCache | None) -> Scanned:
    return Scanned((), 0) if tree_id is None else scan_tree(objects, rev, project, cache)


# worker processes: each keeps its own cat-file process and parse-cache connection
_WORKER: dict[str, Any] = {}


def _orphan_watch(parent: int) -> None:
    """Exit when the process that started this worker is gone (killed, say, with SIGKILL):
    a pool worker would otherwise wait for work forever."""
    import time

    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


def _init_worker(repo: str, project: str, cache_dir: str | None, parent: int) -> None:
    import threading

    threading.Thread(target=_orphan_watch, args=(parent,), daemon=True).start()
    _WORKER["objects"] = GitObjects(Path(repo))
    _WORKER["project"] = project
    _WORKER["cache"] = ParseCache(Path(cache_dir)) if cache_dir else None


def _work(job: tuple[Revision, str | None]) -> Scanned:
    rev, tree_id = job
    return _scan_job(_WORKER["objects"], rev, tree_id, _WORKER["project"], _WORKER["cache"])


#: below this many commits to scan, a process pool costs more than it saves
PARALLEL_MIN_COMMITS = 16


def recorded(db: sqlite3.Connection) -> set[str]:
    return {row[0] for row in db.execute("SELECT sha FROM commits")}


def store(db: sqlite3.Connection, counts: CommitCounts, statuses: Sequence[tuple[str, str]],
          holders: Sequence[tuple[str, str]] = ()) -> None:
    """Record one commit and its declarations' statuses: all of it, or (on any error) none."""
    db.execute("BEGIN IMMEDIATE")  # the write lock: a second run waits here, then sees our rows
    try:
        if db.execute("SELECT 1 FROM commits WHERE sha = ?", (counts.sha,)).fetchone():
            db.execute("COMMIT")  # another run (sharing this database) recorded it meanwhile
            return
        cur = db.execute(
            "INSERT INTO commits (sha, committed, subject, declarations, sorries, proven, deferred,"
            " stub, axiom, entries_total, entries_proven, author, position) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (counts.sha, counts.committed, counts.subject, counts.declarations, counts.sorries,
             counts.proven, counts.deferred, counts.stub, counts.axiom, counts.entries_total,
             counts.entries_proven, counts.author, counts.position),
        )
        commit_id = cur.lastrowid
        holder_of = dict(holders)
        names = list(dict.fromkeys([n for n, _ in statuses] + list(holder_of.values())))
        db.executemany("INSERT OR IGNORE INTO names (name) VALUES (?)", ((n,) for n in names))
        ids: dict[str, int] = {}
        for i in range(0, len(names), 500):
            chunk = names[i : i + 500]
            q = f"SELECT name, id FROM names WHERE name IN ({','.join('?' * len(chunk))})"
            ids.update(db.execute(q, chunk).fetchall())
        db.executemany(
            "INSERT INTO statuses (commit_id, name_id, status, holder_id) VALUES (?, ?, ?, ?)",
            ((commit_id, ids[n], s, ids[holder_of[n]] if n in holder_of else None) for n, s in statuses),
        )
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # an interrupt can land after COMMIT ended the transaction
            db.execute("ROLLBACK")
        raise


@dataclass
class RunReport:
    total: int = 0
    scanned: int = 0
    skipped: int = 0  # already recorded
    left_out: tuple[tuple[str, str], ...] = ()  # files the newest scanned commit left out, and why


def record_history(
    db: sqlite3.Connection,
    objects: GitObjects,
    revs: Sequence[Revision],
    project: str = "",
    *,
    cache: ParseCache | None = None,
    jobs: int | None = None,
    on_commit: Callable[[int, int, CommitCounts], None] | None = None,
) -> RunReport:
    """Scan and record every commit of ``revs`` not yet in ``db``, oldest first.

    Commits are scanned in parallel (``jobs`` processes, one commit each at a time) and
    recorded in order, each in its own transaction; a commit whose project files are those of
    the commit before it is not scanned again."""
    if db.execute("SELECT 1 FROM meta WHERE key = 'backfill_entries'").fetchone():
        _backfill_entries(db, objects, project)
    set_positions(db, revs)
    done = recorded(db)
    report = RunReport(total=len(revs), skipped=sum(1 for r in revs if r.sha in done))
    todo = [(i, r) for i, r in enumerate(revs) if r.sha not in done]
    if not todo:
        return report
    # the plan: the scans needed (a commit whose project tree equals the one before shares its scan)
    plan: list[tuple[int, Revision, int]] = []
    work: list[tuple[Revision, str | None]] = []
    for (i, rev), tree_id in zip(todo, objects.tree_ids([r.sha for _, r in todo], project), strict=True):
        if not work or tree_id != work[-1][1]:
            work.append((rev, tree_id))
        plan.append((i, rev, len(work) - 1))
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    manifests: dict[str, GateManifest | None] = {}

    def manifest_of(oid: str | None) -> GateManifest | None:
        if oid is None:
            return None
        if oid not in manifests:
            try:
                manifests[oid] = load_manifest_bytes(objects.blobs([oid])[oid])
            except InputError:  # a broken manifest at some commit: no entry counts there
                manifests[oid] = None
        return manifests[oid]

    def record_all(results: Iterator[Scanned]) -> None:
        current, scanned = -1, Scanned((), 0)
        for i, rev, k in plan:
            while current < k:
                scanned = next(results)
                current += 1
            counts = counts_of(rev, scanned, manifest_of(scanned.manifest))
            store(db, counts, scanned.statuses, scanned.holders)
            report.scanned += 1
            report.left_out = scanned.left_out
            if on_commit is not None:
                on_commit(i + 1, len(revs), counts)

    if jobs > 1 and len(work) >= PARALLEL_MIN_COMMITS:
        import multiprocessing

        ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
        cache_dir = str(cache.path.parent) if cache is not None else None
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                                 initargs=(str(objects.repo), project, cache_dir, os.getpid())) as pool:
            try:
                record_all(pool.map(_work, work, chunksize=1))
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    else:
        record_all(_scan_job(objects, rev, tree_id, project, cache) for rev, tree_id in work)
    return report


def _backfill_entries(db: sqlite3.Connection, objects: GitObjects, project: str) -> None:
    """Entry counts of commits migrated from schema 1, from their stored statuses and their
    appendix.toml; one transaction, then the flag goes."""
    rows = db.execute("SELECT sha FROM commits WHERE entries_total IS NULL").fetchall()
    db.execute("BEGIN IMMEDIATE")
    try:
        for (sha,) in rows:
            try:
                oid = objects.tree(sha, project).get("appendix.toml")
                manifest = load_manifest_bytes(objects.blobs([oid])[oid]) if oid else None
            except InputError:  # gone from the repository, or a broken manifest: stays NULL
                continue
            if manifest is None:
                continue
            status_of = statuses_at(db, sha)
            proven = sum(1 for e in manifest.entries
                         if e.lean and all(status_of.get(n) == Status.PROVEN.value for n in e.lean))
            db.execute("UPDATE commits SET entries_total = ?, entries_proven = ? WHERE sha = ?",
                       (len(manifest.entries), proven, sha))
        db.execute("DELETE FROM meta WHERE key = 'backfill_entries'")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def set_positions(db: sqlite3.Connection, revs: Sequence[Revision]) -> None:
    """Record the first-parent position (and author) of the recorded commits among ``revs``
    where it is missing (rows migrated from schema 2)."""
    rows = [(r.position, r.author, r.sha) for r in revs if r.position is not None]
    if not rows or db.execute("SELECT 1 FROM commits WHERE position IS NULL LIMIT 1").fetchone() is None:
        return  # nothing to fill in: take no write lock
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany("UPDATE commits SET position = ?, author = ? WHERE sha = ? AND position IS NULL", rows)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


_COUNTS = ("SELECT sha, committed, subject, declarations, sorries, proven, deferred, stub, axiom,"
           " entries_total, entries_proven, author, position FROM commits")


def load_counts(db: sqlite3.Connection, shas: Sequence[str] | None = None) -> list[CommitCounts]:
    """Recorded counts, in the order of ``shas`` (those not recorded are left out), or all of
    them in history order: by first-parent position (a resumed run inserts older commits
    later, so insertion order is not history order), then by commit time."""
    rows = {r[0]: CommitCounts(*r) for r in db.execute(_COUNTS)}
    if shas is None:
        return sorted(rows.values(), key=lambda c: (c.position is None, c.position or 0, c.committed, c.sha))
    return [rows[s] for s in shas if s in rows]


_STATUSES = ("SELECT n.name, s.status, h.name FROM statuses s JOIN names n ON n.id = s.name_id"
             " LEFT JOIN names h ON h.id = s.holder_id WHERE s.commit_id = ?")


def _statuses(db: sqlite3.Connection, commit_id: int | None) -> dict[str, tuple[str, str | None]]:
    """name -> (status, the declaration holding the sorry that holds it back) at one commit."""
    return {name: (status, holder) for name, status, holder in db.execute(_STATUSES, (commit_id,))}


def _newly_deferred(before: Mapping[str, tuple[str, str | None]], now: Mapping[str, tuple[str, str | None]],
                    unknown: str) -> list[tuple[str, list[str]]]:
    """The declarations proven in ``before`` and deferred in ``now``, grouped under the holder of
    their sorry (``unknown`` where none was recorded), largest group first."""
    causes: dict[str, list[str]] = {}
    for name in sorted(set(now) & set(before)):
        (a, _), (b, holder) = before[name], now[name]
        if a == Status.PROVEN.value and b == Status.DEFERRED.value:
            causes.setdefault(holder or unknown, []).append(name)
    return sorted(causes.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def _commit_id(db: sqlite3.Connection, sha: str) -> int | None:
    row = db.execute("SELECT id FROM commits WHERE sha = ?", (sha,)).fetchone()
    return int(row[0]) if row else None


def step_causes(db: sqlite3.Connection, before: str, after: str) -> list[tuple[str, int]]:
    """The root causes of one step: the declarations holding the sorries that hold back what
    was proven at ``before`` and is deferred at ``after``, with how many each, most first."""
    groups = _newly_deferred(_statuses(db, _commit_id(db, before)), _statuses(db, _commit_id(db, after)),
                             "(unknown: recorded before zerosorry kept causes)")
    return [(holder, len(names)) for holder, names in groups]


@dataclass(frozen=True)
class CommitChange:
    """What changed in status at one commit of the history, root causes first."""

    counts: CommitCounts
    previous: CommitCounts
    causes: tuple[tuple[str, tuple[str, ...]], ...]  # (holder of the sorry, newly deferred names), largest first
    newly_proven: tuple[str, ...]
    other: tuple[tuple[str, str, str], ...]  # (name, before, after): every other change of status
    added: int
    removed: int

    @property
    def anchor(self) -> str:
        return f"commit-{self.counts.sha[:12]}"


def commit_changes(db: sqlite3.Connection, counts: Sequence[CommitCounts]) -> list[CommitChange]:
    """The status changes of each commit against the one before it (in ``counts``' order), for
    the commits where some declaration changed status, newest first."""
    ids = dict(db.execute("SELECT sha, id FROM commits").fetchall())
    out: list[CommitChange] = []
    before: dict[str, tuple[str, str | None]] | None = None
    for prev, c in zip([None, *counts], counts, strict=False):
        now = _statuses(db, ids.get(c.sha))
        if prev is not None and before is not None:
            causes = _newly_deferred(before, now, "(not recorded)")
            proven, other = [], []
            for name in sorted(set(now) & set(before)):
                (a, _), (b, _) = before[name], now[name]
                if a == b or (a == Status.PROVEN.value and b == Status.DEFERRED.value):
                    continue
                if b == Status.PROVEN.value:
                    proven.append(name)
                else:
                    other.append((name, a, b))
            if causes or proven or other:
                out.append(CommitChange(c, prev, tuple((h, tuple(ns)) for h, ns in causes), tuple(proven),
                                        tuple(other), len(set(now) - set(before)), len(set(before) - set(now))))
        before = now
    out.reverse()
    return out


def largest_steps(counts: Sequence[CommitCounts], k: int = 5) -> list[int]:
    """The indices of the ``k`` steps with the largest change in deferred declarations (then in
    sorries), in history order; a step that changes neither is never one of them."""
    deltas = [(abs(c.deferred - p.deferred), abs(c.sorries - p.sorries), i)
              for i, (p, c) in enumerate(pairwise(counts), start=1)]
    top = sorted((d for d in deltas if d[0] or d[1]), key=lambda d: (-d[0], -d[1], d[2]))[:k]
    return sorted(i for _, _, i in top)


def step_labels(db: sqlite3.Connection, counts: Sequence[CommitCounts], k: int = 5) -> dict[str, str]:
    """A root-cause note for each of the largest steps, by commit."""
    out = {}
    for i in largest_steps(counts, k):
        prev, c = counts[i - 1], counts[i]
        causes = step_causes(db, prev.sha, c.sha)
        if causes:
            name, n = causes[0]
            more = f" (+{len(causes) - 1} more causes)" if len(causes) > 1 else ""
            out[c.sha] = f"root cause {name} holds back {n} newly deferred{more}"
        elif c.deferred < prev.deferred:
            out[c.sha] = f"{prev.deferred - c.deferred} fewer deferred"
        elif c.deferred > prev.deferred:  # nothing proven became deferred: new declarations
            out[c.sha] = f"{c.deferred - prev.deferred} new declarations deferred"
        else:
            out[c.sha] = f"sorries {c.sorries - prev.sorries:+d}"
    return out


def statuses_at(db: sqlite3.Connection, sha: str) -> dict[str, str]:
    q = ("SELECT n.name, s.status FROM statuses s JOIN names n ON n.id = s.name_id"
         " JOIN commits c ON c.id = s.commit_id WHERE c.sha = ?")
    return dict(db.execute(q, (sha,)).fetchall())


# ------------------------------------------------------------------------------ the burn-down
#: (attribute, legend, colour, axis): declarations on the left axis; sorry tokens and entries,
#: counts of another size, on the right one, so neither flattens the other
SERIES = (
    ("deferred", "deferred declarations", "#d68910", "left"),
    ("sorries", "sorry tokens", "#c0392b", "right"),
    ("entries_proven", "proven load-bearing entries", "#1e8449", "right"),
)


def nice_scale(v: float, ticks: int = 5) -> tuple[float, float]:
    """The top of an axis that holds ``v`` and its tick step: a step of 1, 2, 2.5 or 5 times a
    power of ten giving at most ``ticks`` intervals, the top the first multiple of it at or
    above ``v`` (so the axis never reaches far above the largest value)."""
    import math

    if v <= 0:
        return 1.0, 1.0
    raw = v / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if step < 1:
        step = 1.0
    return math.ceil(v / step) * step, step


def commit_date(t: int) -> str:
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%d")


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def point_note(c: CommitCounts, prev: CommitCounts | None) -> str:
    """The tooltip of one commit: which, when, by whom, and its counts with their change."""
    def delta(now: int, before: int | None) -> str:
        return "" if before is None or now == before else f" ({now - before:+d})"

    entries = ("" if c.entries_total is None else
               f", load-bearing zero-sorry {c.entries_proven}/{c.entries_total}")
    who = f" by {c.author}" if c.author else ""
    return (f"{c.sha[:7]} {commit_date(c.committed)}{who}: {c.subject}\n"
            f"deferred {c.deferred}{delta(c.deferred, prev.deferred if prev else None)}, "
            f"sorries {c.sorries}{delta(c.sorries, prev.sorries if prev else None)}, "
            f"proven {c.proven}{entries}")


def burndown_svg(counts: Sequence[CommitCounts], *, title: str = "zerosorry burn-down",
                 causes: Mapping[str, str] | None = None, link: Callable[[str], str | None] | None = None,
                 steps: int = 5) -> str:
    """A self-contained SVG (no scripts, no external references; every text escaped).  Commits
    at which the project has no declarations yet are left out.  Deferred declarations use the
    left axis, sorry tokens and proven load-bearing entries the right one.  The ``steps``
    largest changes are numbered on the chart and listed under it (subject, short hash and,
    from ``causes`` by commit, the root cause); every commit has a tooltip, and links to
    ``link(sha)`` when that gives an address (the site's page for that commit's changes)."""
    counts = [c for c in counts if c.declarations > 0]
    marked = largest_steps(counts, steps) if len(counts) > 1 else []
    w, top, ph = 960, 84, 300
    left, right = 72, 72
    pw = w - left - right
    list_top = top + ph + 56
    h = list_top + 18 * len(marked) + 16
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'role="img" aria-labelledby="zs-title" font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="zs-title">{escape(title)}</title>',
        f'<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>',
        f'<text x="{left}" y="24" font-size="16" font-weight="bold">{escape(title)}</text>',
    ]
    if not counts:
        out.append(f'<text x="{w // 2}" y="{h // 2}" text-anchor="middle">no commits recorded</text>')
        out.append("</svg>")
        return "\n".join(out) + "\n"
    n = len(counts)
    scales = {
        "left": nice_scale(max(c.deferred for c in counts)),
        "right": nice_scale(max(max(c.sorries, c.entries_proven or 0) for c in counts)),
    }

    def x(i: int) -> float:
        return left + (pw * i / (n - 1) if n > 1 else pw / 2)

    def y(v: float, axis: str) -> float:
        return top + ph - ph * v / scales[axis][0]

    # axes: the grid follows the left axis; the right axis has its own labels
    for axis, at, anchor, colour in (("left", left - 8, "end", "#8a5a00"), ("right", left + pw + 8, "start", "#922b21")):
        ymax, step = scales[axis]
        k = 0
        while k * step <= ymax + 1e-9:
            yy = y(k * step, axis)
            if axis == "left":
                out.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + pw}" y2="{yy:.1f}" stroke="#e5e5e5"/>')
            out.append(f'<text x="{at}" y="{yy + 4:.1f}" text-anchor="{anchor}" fill="{colour}">{k * step:g}</text>')
            k += 1
    out.append(f'<text x="{left - 4}" y="{top - 12}" text-anchor="start" fill="#8a5a00" font-size="11">'
               "← declarations</text>")
    out.append(f'<text x="{left + pw + 4}" y="{top - 12}" text-anchor="end" fill="#922b21" font-size="11">'
               "sorries, entries →</text>")
    out.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#444"/>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#444"/>')
    out.append(f'<line x1="{left + pw}" y1="{top}" x2="{left + pw}" y2="{top + ph}" stroke="#444"/>')
    ticks = sorted({0, n - 1, *(round(j * (n - 1) / 5) for j in range(1, 5))}) if n > 1 else [0]
    for i in ticks:
        c = counts[i]
        anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
        out.append(f'<line x1="{x(i):.1f}" y1="{top + ph}" x2="{x(i):.1f}" y2="{top + ph + 5}" stroke="#444"/>')
        out.append(f'<text x="{x(i):.1f}" y="{top + ph + 18}" text-anchor="{anchor}" fill="#444">'
                   f"{escape(c.sha[:7])}</text>")
        out.append(f'<text x="{x(i):.1f}" y="{top + ph + 32}" text-anchor="{anchor}" fill="#777">'
                   f"{escape(commit_date(c.committed))}</text>")
    out.append(f'<text x="{left + pw / 2:.1f}" y="{top + ph + 46}" text-anchor="middle" fill="#444">'
               f"{n} commit{'s' if n != 1 else ''}, first parent, oldest to newest</text>")
    # series
    for j, (attr, label, colour, axis) in enumerate(SERIES):
        pts = [(i, getattr(c, attr)) for i, c in enumerate(counts) if getattr(c, attr) is not None]
        if pts:
            path = " ".join(f"{x(i):.1f},{y(v, axis):.1f}" for i, v in pts)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2" '
                       f'data-series="{attr}" data-axis="{axis}"/>')
        lx = left + j * 280
        out.append(f'<line x1="{lx}" y1="42" x2="{lx + 22}" y2="42" stroke="{colour}" stroke-width="3"/>')
        now = pts[-1][1] if pts else "n/a"
        out.append(f'<text x="{lx + 28}" y="46">{escape(f"{label} ({now})")}</text>')
        if axis == "right":
            out.append(f'<text x="{lx + 28}" y="58" fill="#777" font-size="10">right axis</text>')

    def linked(sha: str, element: str) -> str:
        href = link(sha) if link is not None else None
        return f'<a href="{escape(href)}">{element}</a>' if href else element

    # one tooltip (and link) per commit: a transparent column over its point
    col = pw / n if n > 1 else pw
    for i, c in enumerate(counts):
        note = point_note(c, counts[i - 1] if i else None)
        out.append(linked(c.sha, f'<rect x="{x(i) - col / 2:.1f}" y="{top}" width="{col:.2f}" height="{ph}" '
                                 f'fill="#000000" fill-opacity="0" data-commit="{c.sha}"><title>{escape(note)}</title></rect>'))
    # the largest steps: numbered on the chart, listed under it
    for k, i in enumerate(marked, start=1):
        c, prev = counts[i], counts[i - 1]
        cause = (causes or {}).get(c.sha)
        text = f"{k}. {c.sha[:7]} {_short(c.subject, 36)}: deferred {c.deferred - prev.deferred:+d}, sorries " \
               f"{c.sorries - prev.sorries:+d}" + (f"; {cause}" if cause else "")
        tip = point_note(c, prev) + (f"\n{cause}" if cause else "")
        yy = min(y(c.deferred, "left"), y(prev.deferred, "left")) - 14
        yy = max(yy, top + 8)
        out.append(f'<line x1="{x(i):.1f}" y1="{top}" x2="{x(i):.1f}" y2="{top + ph}" stroke="#555" '
                   f'stroke-dasharray="3 3" data-step="{k}"/>')
        out.append(linked(c.sha, f'<g data-step="{k}"><title>{escape(tip)}</title>'
                                 f'<circle cx="{x(i):.1f}" cy="{yy:.1f}" r="9" fill="#ffffff" stroke="#333"/>'
                                 f'<text x="{x(i):.1f}" y="{yy + 4:.1f}" text-anchor="middle" font-size="11" '
                                 f'font-weight="bold">{k}</text></g>'))
        out.append(linked(c.sha, f'<text x="{left}" y="{list_top + 18 * (k - 1) + 4}" data-step="{k}">'
                                 f"<title>{escape(tip)}</title>{escape(_short(text, 140))}</text>"))
    out.append("</svg>")
    return "\n".join(out) + "\n"
