"""A project's files at a git revision, read from git objects (never the working tree).

``git ls-tree -r -z`` lists a revision's blobs; one long-lived ``git cat-file --batch`` process
returns their bytes.  Blobs are kept by object id, so walking a history re-reads only the files
that changed; the parse cache (keyed by content) makes re-parsing them free as well.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from .errors import InputError
from .ledger.model import Diagnostic, EngineInfo, Ledger, Severity, SourceInfo
from .scan import SKIP_DIRS, ParseCache, ScanConfig, generated_time, load_config, scan_files

#: project files besides ``*.lean`` that a scan (or the gate) reads from a revision
EXTRA_FILES = ("lakefile.toml", "lakefile.lean", "zerosorry.toml", "appendix.toml")


@dataclass(frozen=True)
class Revision:
    sha: str
    time: int  # committer time, seconds since the epoch
    subject: str
    author: str = ""
    position: int | None = None  # 1 for the root, n for the n-th commit of its first-parent line


def _run_git(repo: Path, *args: str, input_bytes: bytes | None = None) -> bytes:
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), *args],
            input=input_bytes,
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        raise InputError(f"cannot run git: {exc}") from exc
    if out.returncode != 0:
        msg = out.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise InputError(f"git {' '.join(args[:2])}: {msg[-1] if msg else 'failed'}")
    return out.stdout


def toplevel(path: Path) -> tuple[Path, str]:
    """The repository holding ``path`` and ``path``'s POSIX location inside it ("" for the top)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such directory")
    if not p.is_dir():
        raise InputError(f"{p}: not a directory (give the Lean project's folder)")
    base = p if p.is_dir() else p.parent
    try:
        top = _run_git(base, "rev-parse", "--show-toplevel").decode().strip()
    except InputError as exc:
        raise InputError(f"{p}: not inside a git repository") from exc
    rel = Path(os.path.relpath(base.resolve(), Path(top).resolve())).as_posix()
    return Path(top), "" if rel == "." else rel


def root_commits(repo: Path, rev: str = "HEAD") -> str:
    """The repository's identity for a history database: its root commit(s) reachable from
    ``rev``, sorted and joined ("" for a repository without commits)."""
    try:
        out = _run_git(repo, "rev-list", "--max-parents=0", rev).decode().split()
    except InputError:
        return ""
    return ",".join(sorted(out))


def is_revision(repo: Path, rev: str) -> bool:
    try:
        _run_git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except InputError:
        return False
    return True


_FORMAT = "--format=%H%x00%ct%x00%an%x00%s"


def _revision(line: str) -> Revision:
    sha, ct, author, subject = line.split("\x00", 3)
    return Revision(sha, int(ct), subject, author)


def resolve(repo: Path, rev: str) -> Revision:
    """The commit ``rev`` names, with its time, subject and author."""
    try:
        out = _run_git(repo, "show", "-s", _FORMAT, f"{rev}^{{commit}}", "--")
    except InputError as exc:
        raise InputError(f"{rev}: not a revision of {repo}") from exc
    return _revision(out.decode("utf-8", errors="replace").rstrip("\n"))


def first_parent_history(
    repo: Path, head: str = "HEAD", *, since: str | None = None, max_commits: int | None = None
) -> list[Revision]:
    """The first-parent chain ending at ``head``, oldest first, each with its position on that
    line (1 for the root): from ``since`` (inclusive) if given, and only the newest
    ``max_commits`` if given.  A ``since`` that is not on that line (a commit of a merged
    branch, or not an ancestor at all) is an error that says so."""
    start = resolve(repo, since) if since else None
    head = resolve(repo, head).sha
    out = _run_git(repo, "log", "--first-parent", _FORMAT, head, "--").decode("utf-8", errors="replace")
    line = [_revision(ln) for ln in out.split("\n") if ln.strip()]
    line.reverse()
    revs = [replace(r, position=i + 1) for i, r in enumerate(line)]
    if start is not None:
        at = next((i for i, r in enumerate(revs) if r.sha == start.sha), None)
        if at is None:
            try:
                _run_git(repo, "merge-base", "--is-ancestor", start.sha, head)
                merged = True
            except InputError:
                merged = False
            how = ("it is reachable only through a merge (a commit of a merged branch)" if merged
                   else "it is not an ancestor of it")
            raise InputError(f"--since {since}: commit {start.sha[:12]} is not on the first-parent line of "
                             f"{head[:12]}: {how}; give a commit that `git log --first-parent` lists")
        revs = revs[at:]
    if max_commits is not None:
        revs = revs[-max_commits:] if max_commits > 0 else []
    return revs


def _wanted(rel: str) -> bool:
    parts = PurePosixPath(rel).parts
    if any(p in SKIP_DIRS or p.startswith(".") for p in parts[:-1]):
        return False
    name = parts[-1]
    if name.endswith(".lean"):
        return True
    return len(parts) == 1 and name in EXTRA_FILES


class GitObjects:
    """Reads trees and blobs of one repository through a persistent ``git cat-file --batch``."""

    def __init__(self, repo: Path) -> None:
        self.repo = Path(repo)
        self._blobs: dict[str, bytes] = {}
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> GitObjects:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=30)
            if proc.stdout is not None:
                proc.stdout.close()

    def _batch(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            self._proc = subprocess.Popen(
                ["git", "-C", str(self.repo), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        return self._proc

    def blobs(self, ids: list[str]) -> dict[str, bytes]:
        """The contents of the blobs ``ids`` (read once each, then remembered)."""
        todo = [i for i in dict.fromkeys(ids) if i not in self._blobs]
        if todo:
            proc = self._batch()
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write("".join(f"{i}\n" for i in todo).encode())
            proc.stdin.flush()
            for oid in todo:
                header = proc.stdout.readline().decode().split()
                if len(header) != 3:
                    raise InputError(f"git cat-file: cannot read object {oid}")
                size = int(header[2])
                data = proc.stdout.read(size)
                proc.stdout.read(1)  # the newline after the contents
                self._blobs[oid] = data
        return {i: self._blobs[i] for i in ids}

    def tree_ids(self, revs: list[str], project: str = "") -> list[str | None]:
        """The id of ``project``'s directory tree at each of ``revs`` (None where it does not
        exist), from one ``git cat-file --batch-check``: equal ids mean equal project files."""
        prefix = project.strip("/")
        specs = [f"{r}:{prefix}" if prefix else f"{r}^{{tree}}" for r in revs]
        if not specs:
            return []
        out = _run_git(self.repo, "cat-file", "--batch-check=%(objectname) %(objecttype)",
                       input_bytes=("\n".join(specs) + "\n").encode("utf-8", errors="surrogateescape"))
        ids: list[str | None] = []
        for line in out.decode("utf-8", errors="replace").splitlines():
            parts = line.split(" ")
            ids.append(parts[0] if len(parts) == 2 and parts[1] == "tree" else None)
        if len(ids) != len(specs):
            raise InputError(f"git cat-file: expected {len(specs)} answers, got {len(ids)}")
        return ids

    def tree(self, rev: str, project: str = "") -> dict[str, str]:
        """``{path relative to project: blob id}`` of the files a scan reads at ``rev``."""
        prefix = project.strip("/")
        args = ["ls-tree", "-r", "-z", "--full-tree", rev]
        if prefix:
            args += ["--", prefix + "/"]
        out = _run_git(self.repo, *args).decode("utf-8", errors="surrogateescape")
        found: dict[str, str] = {}
        for entry in out.split("\x00"):
            if not entry:
                continue
            meta, path = entry.split("\t", 1)
            mode, kind, oid = meta.split()
            if kind != "blob" or mode == "120000":  # symlinks: not followed from git objects
                continue
            if prefix:
                if not path.startswith(prefix + "/"):
                    continue
                path = path[len(prefix) + 1 :]
            if _wanted(path):
                found[path] = oid
        return found

    def files(self, rev: str, project: str = "") -> dict[str, bytes]:
        tree = self.tree(rev, project)
        data = self.blobs(list(tree.values()))
        return {path: data[oid] for path, oid in tree.items()}


def config_from_files(files: Mapping[str, bytes]) -> ScanConfig:
    """``zerosorry.toml`` of a revision, read by :func:`zerosorry.scan.load_config`."""
    text = files.get("zerosorry.toml")
    if text is None:
        return ScanConfig()
    with tempfile.TemporaryDirectory(prefix="zerosorry-rev-") as tmp:
        Path(tmp, "zerosorry.toml").write_bytes(text)
        return load_config(Path(tmp))


def scan_revision(
    objects: GitObjects,
    rev: Revision,
    project: str = "",
    *,
    cache: ParseCache | None = None,
    jobs: int | None = None,
    files: Mapping[str, bytes] | None = None,
    allow_empty: bool = False,
) -> Ledger:
    """The ledger of ``project`` (a directory inside the repository) at commit ``rev``.
    With ``allow_empty``, a revision from before the project existed is an empty ledger (what a
    baseline or the old side of a diff should be for the change that adds the project)."""
    if files is None:
        files = objects.files(rev.sha, project)
    if not any(p.endswith(".lean") and p != "lakefile.lean" for p in files):
        where = f"{project}/" if project else "the repository"
        if not allow_empty:
            raise InputError(f"{rev.sha[:12]}: no .lean files in {where} at this revision")
        return Ledger(
            source=SourceInfo(root=f"git:{rev.sha[:12]}", commit=rev.sha, dirty=False),
            generated=generated_time(rev.time), engine=EngineInfo(), records=[],
            diagnostics=[Diagnostic("empty-revision", f"no .lean files in {where} at {rev.sha[:12]}: "
                                    "compared as an empty project", None, None, None, Severity.INFO)])
    scan_input = {p: b for p, b in files.items() if p not in ("zerosorry.toml", "appendix.toml")}
    return scan_files(
        scan_input,
        source=SourceInfo(root=f"git:{rev.sha[:12]}", commit=rev.sha, dirty=False),
        generated=generated_time(rev.time),
        config=config_from_files(files),
        cache=cache,
        jobs=jobs,
    )


def open_cache(use_cache: bool, cache_dir: Path | None) -> ParseCache | None:
    if not use_cache:
        return None
    from .scan import default_cache_dir

    try:
        return ParseCache(cache_dir or default_cache_dir())
    except Exception:  # an unusable cache only costs time
        return None
