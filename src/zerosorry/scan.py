"""The source engine's pipeline: files -> tokens -> declarations -> ledger.

``scan_files`` is the pure core (a mapping of relative paths to bytes in, a :class:`Ledger`
out); ``scan_project`` discovers a project's files on disk and reads them; the content cache
and the process pool make an unchanged file free and a cold scan parallel.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from . import __version__, engine
from .errors import InputError
from .lean.lexer import lex
from .lean.names import NameIndex, instance_closure
from .lean.parser import DECL_KEYWORDS, LINE_COMMANDS, MODIFIERS, SCOPE_COMMANDS, ParsedFile, parse
from .lean.project_syntax import (
    SyntaxEffects,
    SyntaxMemo,
    apply_syntax,
    learned_commands,
    learned_diagnostics,
    project_table,
)
from .lean.syntax_table import (
    Follows,
    FoundHits,
    Hit,
    candidate_follows,
    may_define_commands,
    token_hits,
)
from .lean.types import UNKNOWN
from .ledger.derive import derive
from .ledger.instances import with_instances
from .ledger.model import Declaration, Diagnostic, EngineInfo, Ledger, Record, Severity, SourceInfo

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _sources_digest(*modules: ModuleType) -> str:
    """A digest of these modules' own source (the ``.py``, also of a compiled module) and of
    the engine build, so any change to them invalidates what a cache keyed by it holds (the
    version stands in for a source that cannot be read)."""
    h = hashlib.blake2b(digest_size=8)
    h.update(engine.kind().encode())
    for mod in modules:
        try:
            h.update(engine.source_path(mod.__name__).read_bytes())
        except OSError:
            h.update(__version__.encode())
    return h.hexdigest()


def _versions() -> tuple[str, str]:
    from .lean import attributes, lexer, library, names, parser, syntax_table, types
    from .ledger import model  # the declarations the parse cache holds

    # the parse cache's version part: the parser's own source and what it reads with (attribute
    # arguments, the syntax table, types); the resolution cache's: the resolver's (lean/names.py,
    # and lean/types.py, whose reading of types it applies)
    return (f"{__version__}+{_sources_digest(lexer, parser, attributes, syntax_table, types, library, model)}",
            _sources_digest(names, types, library))


PARSER_VERSION, RESOLVER_VERSION = _versions()
SKIP_DIRS = frozenset({".lake", "lake-packages", ".git", ".hg", ".svn", "node_modules", "__pycache__"})

Progress = Callable[[int, int], None]
#: one declaration's stored resolution: uses, external count, notes, possible uses, ambiguous refs
_Entry = tuple[list[int], int, list[str], list[int], list[tuple[str, tuple[int, ...]]]]


# ---------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class ScanConfig:
    """Project-level settings, from ``zerosorry.toml`` at the project root (all optional)."""

    #: the project's own declaring commands, keyword -> ledger kind (e.g. {"my_theorem": "theorem"})
    declaring_commands: tuple[tuple[str, str], ...] = ()
    #: glob patterns (relative to the root) of .lean files to leave out
    exclude: tuple[str, ...] = ()


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """A pattern of ``[scan] exclude``, matched against the whole path from the project root:
    ``*`` and ``?`` stay within one folder, ``**`` spans any number of folders."""
    parts = pattern.strip().strip("/").split("/")
    out = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out.append(".*" if last else "(?:[^/]+/)*")
            continue
        rx = re.escape(part).replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        out.append(rx if last else rx + "/")
    return re.compile("".join(out) + r"\Z")


def load_config(root: Path) -> ScanConfig:
    path = root / "zerosorry.toml"
    if not path.is_file():
        return ScanConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: {exc}") from exc
    scan = data.get("scan", {})
    cmds = scan.get("declaring_commands", {})
    if not isinstance(cmds, dict) or not all(isinstance(v, str) for v in cmds.values()):
        raise InputError(f"{path}: [scan] declaring_commands must be a table of keyword = \"kind\"")
    from .lean.parser import DECL_KEYWORDS, LINE_COMMANDS, MODIFIERS, SCOPE_COMMANDS

    builtin = sorted(k for k in cmds if k in DECL_KEYWORDS or k in SCOPE_COMMANDS or k in LINE_COMMANDS
                     or k in MODIFIERS)
    if builtin:
        raise InputError(f"{path}: [scan] declaring_commands cannot redefine the built-in "
                         f"command{'s' if len(builtin) > 1 else ''} {', '.join(builtin)}")
    exclude = scan.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(v, str) for v in exclude):
        raise InputError(f"{path}: [scan] exclude must be a list of glob patterns")
    return ScanConfig(tuple(sorted(cmds.items())), tuple(exclude))


# ---------------------------------------------------------------------------- lakefile
@dataclass(frozen=True)
class LeanLib:
    name: str
    src_dir: str = "."
    roots: tuple[str, ...] = ()

    def owns(self, module: str) -> bool:
        roots = self.roots or (self.name,)
        return any(module == r or module.startswith(r + ".") for r in roots)


_LIB_RE = re.compile(r"^\s*lean_lib\s+«?([\w.']+)»?(.*?)(?=^\s*(?:lean_lib|lean_exe|require|package|@\[|target|input_file)|\Z)", re.M | re.S)
_SRCDIR_RE = re.compile(r"srcDir\s*:=\s*\"([^\"]*)\"")
_ROOTS_RE = re.compile(r"roots\s*:=\s*#\[([^\]]*)\]")


def read_lakefile(files: Mapping[str, bytes]) -> tuple[list[LeanLib], list[Diagnostic]]:
    """The library roots a lakefile declares (``lakefile.toml`` first, then ``lakefile.lean``)."""
    diags: list[Diagnostic] = []
    if "lakefile.toml" in files:
        try:
            data = tomllib.loads(files["lakefile.toml"].decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            diags.append(Diagnostic("bad-lakefile", f"cannot read lakefile.toml: {exc}", "lakefile.toml", None, None))
            return [], diags
        pkg_src = str(data.get("srcDir", "."))
        libs = []
        for lib in data.get("lean_lib", []) or []:
            if not isinstance(lib, dict) or "name" not in lib:
                continue
            src = str(lib.get("srcDir", pkg_src))
            roots = tuple(str(r) for r in lib.get("roots", []) or [])
            libs.append(LeanLib(str(lib["name"]), src, roots))
        return libs, diags
    if "lakefile.lean" in files:
        text = files["lakefile.lean"].decode("utf-8", errors="replace")
        pkg_src = "."
        libs = []
        for m in _LIB_RE.finditer(text):
            body = m.group(2)
            src_m = _SRCDIR_RE.search(body)
            roots_m = _ROOTS_RE.search(body)
            root_names: tuple[str, ...] = ()
            if roots_m:
                root_names = tuple(r.strip().lstrip("`").strip("«»") for r in roots_m.group(1).split(",") if r.strip())
            libs.append(LeanLib(m.group(1), src_m.group(1) if src_m else pkg_src, root_names))
        return libs, diags
    return [], diags


def module_name(rel: str, libs: Iterable[LeanLib]) -> str:
    """`LeanMining/NeuralGeometry/Softmax.lean` -> `LeanMining.NeuralGeometry.Softmax`."""
    path = rel[:-5] if rel.endswith(".lean") else rel
    for lib in libs:
        src = lib.src_dir.strip("./")
        if src and path.startswith(src + "/"):
            path = path[len(src) + 1 :]
            break
    return path.replace("/", ".")


# ---------------------------------------------------------------------------- discovery
def discover(root: Path) -> tuple[dict[str, Path], list[Diagnostic]]:
    """Every ``.lean`` file below ``root`` (and the lakefile), surviving symlink loops."""
    found, diags = discover_paths(root)
    return {rel: Path(full) for rel, full in found.items()}, diags


def discover_paths(root: Path) -> tuple[dict[str, str], list[Diagnostic]]:
    """:func:`discover`, each file's path as a string (a warm re-scan stats them all and
    makes a path object of none)."""
    found: dict[str, str] = {}
    diags: list[Diagnostic] = []
    seen_dirs: set[tuple[int, int]] = set()

    def onerror(exc: OSError) -> None:
        rel = os.path.relpath(exc.filename, root) if exc.filename else None
        diags.append(Diagnostic("unreadable-dir", f"cannot list directory: {exc.strerror}", rel, None, None))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=onerror):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            rel = os.path.relpath(dirpath, root)
            diags.append(Diagnostic("symlink-loop", "directory reached twice through a symlink; skipped", rel, None, None, Severity.INFO))
            dirnames[:] = []
            continue
        seen_dirs.add(key)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        here = os.path.relpath(dirpath, root)
        prefix = "" if here == "." else here.replace(os.sep, "/") + "/"
        for f in sorted(filenames):
            if f.endswith(".lean") or f == "lakefile.toml":
                found[prefix + f] = os.path.join(dirpath, f)
    return found, diags


# ---------------------------------------------------------------------------- cache
def default_cache_dir() -> Path:
    env = os.environ.get("ZEROSORRY_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "zerosorry"


class ParseCache:
    """Parsed files by content hash, in SQLite: an unchanged file is never parsed twice."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "parse-cache.sqlite3"
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS parsed (key TEXT PRIMARY KEY, data BLOB NOT NULL)")
        # resolved uses per file, valid only for one name table (its fingerprint ``fp``)
        self.db.execute("CREATE TABLE IF NOT EXISTS resolved (key TEXT PRIMARY KEY, fp TEXT NOT NULL, "
                        "data BLOB NOT NULL)")
        # where project syntax is invoked per file, valid for one set of atoms (``fp``)
        self.db.execute("CREATE TABLE IF NOT EXISTS syntax_hits (key TEXT PRIMARY KEY, fp TEXT NOT NULL, "
                        "data BLOB NOT NULL)")

    def get_many(self, keys: list[str]) -> dict[str, ParsedFile]:
        out: dict[str, ParsedFile] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            q = f"SELECT key, data FROM parsed WHERE key IN ({','.join('?' * len(chunk))})"
            for key, blob in self.db.execute(q, chunk):
                try:
                    out[key] = pickle.loads(blob)
                except Exception:  # a corrupt entry is a miss, never an error
                    continue
        return out

    def put_many(self, items: dict[str, ParsedFile]) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO parsed (key, data) VALUES (?, ?)",
                ((k, pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)) for k, v in items.items()),
            )

    def get_resolved(self, fp: str) -> dict[str, list[_Entry]]:
        """Every file's resolution stored for the name table ``fp`` (key: path and parse key)."""
        return self._get_for("resolved", fp)

    def put_resolved(self, fp: str, items: dict[str, list[_Entry]]) -> None:
        """Store resolutions for ``fp``, dropping those of any other name table (they would
        never be read again: a changed name table changes every fingerprint)."""
        self._put_for("resolved", fp, items)

    def _get_for(self, table: str, fp: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, blob in self.db.execute(f"SELECT key, data FROM {table} WHERE fp = ?", (fp,)):
            try:
                out[key] = pickle.loads(blob)
            except Exception:  # a corrupt entry is a miss, never an error
                continue
        return out

    def _put_for(self, table: str, fp: str, items: Mapping[str, object]) -> None:
        with self.db:
            self.db.execute(f"DELETE FROM {table} WHERE fp != ?", (fp,))
            self.db.executemany(
                f"INSERT OR REPLACE INTO {table} (key, fp, data) VALUES (?, ?, ?)",
                ((k, fp, pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)) for k, v in items.items()),
            )

    def get(self, fp: str) -> dict[str, list[Hit]]:
        """Atom hits of project syntax per file, for the table whose atoms are ``fp``."""
        return self._get_for("syntax_hits", fp)

    def put(self, fp: str, items: dict[str, list[Hit]]) -> None:
        # a cache that cannot be written costs time on the next scan, never a result
        with contextlib.suppress(sqlite3.Error):
            self._put_for("syntax_hits", fp, items)

    def close(self) -> None:
        self.db.close()


# ---------------------------------------------------------------------------- parsing
@lru_cache(maxsize=16384)
def _utf8_error(data: bytes) -> tuple[int, int, str] | None:
    """Where ``data`` stops being UTF-8 (line, column, message), or None.  Cached: a session
    re-checks the same bytes objects on every refresh (their hash is computed once)."""
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        return line, col, f"invalid UTF-8 byte 0x{data[exc.start]:02x}; decoded with replacement characters"


def _decode_diagnostics(rel: str, data: bytes) -> list[Diagnostic]:
    err = _utf8_error(data)
    return [] if err is None else [Diagnostic("not-utf8", err[2], rel, err[0], err[1], Severity.ERROR)]


_Job = tuple[bytes, tuple[tuple[str, str], ...], "Follows | None", bool]


def _parse_job(args: _Job) -> tuple[ParsedFile | None, list[tuple[Hit, bool]] | None]:
    """A file parsed (unless the last item says only its hits are wanted) and, when candidate
    atoms are given, their hits in the same tokens."""
    data, cmds, follows, parse_it = args
    text = data.decode("utf-8", errors="replace")
    with _no_gc():
        lexed = lex(text)
        parsed = parse(text, extra_commands=dict(cmds), lexed=lexed) if parse_it else None
        hits = token_hits(text, lexed.tokens, follows) if follows is not None else None
        return parsed, hits


#: a file whose text has none of these defines no syntax (see SYNTAX_COMMANDS, ELAB_ATTRIBUTES).
#: Only speed rests on it: a file it lets through is parsed first and lexed once more for the
#: atoms found there.  Plain substring tests: a whole-word regular expression costs more to
#: search than the lexing it would save, and one alternation costs twice these
_SYNTAX_HINTS = (b"macro", b"syntax", b"notation", b"infix", b"prefix", b"postfix", b"elab", b"tactic",
                 b"command_parser")


def _may_define_syntax(data: bytes) -> bool:
    return any(w in data for w in _SYNTAX_HINTS)


#: the diagnostic codes of a .lean file left out of a scan: in no lean_lib, excluded by zerosorry.toml
LEFT_OUT = ("outside-libraries", "excluded")


def left_out(ledger: Ledger) -> list[tuple[str, str]]:
    """The .lean files a scan left out, each with why (its diagnostic's message)."""
    return [(d.file, d.message) for d in ledger.diagnostics if d.code in LEFT_OUT and d.file]


def example_name(module: str, d: Declaration, seen: dict[str, int]) -> str:
    """An example's stable name: its module, its enclosing namespace and a hash of its text, so
    it keeps its identity when it moves within its file; identical examples in one namespace
    are numbered in file order (``seen`` counts them per file)."""
    base = f"_example.{module}.{d.namespace or '_root_'}.x{(d.text_hash or f'L{d.line}')[:10]}"
    n = seen.get(base, 0) + 1
    seen[base] = n
    return base if n == 1 else f"{base}_{n}"


def _cache_key(data: bytes, cmds: tuple[tuple[str, str], ...]) -> str:
    h = hashlib.blake2b(digest_size=20)
    h.update(PARSER_VERSION.encode())
    h.update(repr(cmds).encode())
    h.update(data)
    return h.hexdigest()


def parse_all(
    files: Mapping[str, bytes],
    *,
    config: ScanConfig = ScanConfig(),
    cache: ParseCache | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    keys: Mapping[str, str] | None = None,
    found: FoundHits | None = None,
    known: Mapping[str, ParsedFile] | None = None,
) -> dict[str, ParsedFile]:
    """Every file parsed (through ``cache``).  With ``found``, the files that may define syntax
    are parsed first; the others are then parsed with the atoms of that syntax (and of
    ``known``'s and the cached files') looked for in the same tokens, and the first ones lexed
    again for it: ``found`` gets those hits, so the project syntax pass need not lex them."""
    cmds = config.declaring_commands
    keys = dict(keys) if keys is not None else {rel: _cache_key(data, cmds) for rel, data in files.items()}
    cached = cache.get_many(sorted(set(keys.values()))) if cache else {}
    todo = sorted({k: rel for rel, k in keys.items() if k not in cached}.items())
    total = len(files)
    done = total - len(todo)
    if progress:
        progress(done, total)
    fresh: dict[str, ParsedFile] = {}
    stages = [todo]
    if found is not None:
        first = [(k, rel) for k, rel in todo if _may_define_syntax(files[rel])]
        firsts = set(first)
        stages = [first, [x for x in todo if x not in firsts]]
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    with _mapper(len(todo), jobs) as run:
        for n, stage in enumerate(stages):
            follows: Follows | None = None
            again: list[tuple[str, str]] = []
            if found is not None and n == 1:
                syntax = {rel: pf.syntax for rel, pf in (known or {}).items()}
                syntax.update((rel, cached[k].syntax) for rel, k in keys.items() if k in cached)
                syntax.update((rel, fresh[k].syntax) for k, rel in stages[0])
                follows = found.follows = candidate_follows(syntax)
                again = stages[0]
            work: list[_Job] = [(files[rel], cmds, follows, True) for _, rel in stage]
            work += [(files[rel], cmds, follows, False) for _, rel in again]
            for i, (parsed, hits) in enumerate(run(_parse_job, work)):
                key = stage[i][0] if i < len(stage) else again[i - len(stage)][0]
                if parsed is not None:
                    fresh[key] = parsed
                    done += 1
                    if progress and done % 64 == 0:
                        progress(done, total)
                if found is not None and hits is not None:
                    found.by_key[key] = hits
    if progress:
        progress(total, total)
    if cache and fresh:
        cache.put_many(fresh)
    merged = {**cached, **fresh}
    return {rel: merged[k] for rel, k in keys.items()}


def _start_methods() -> list[str]:
    import multiprocessing  # here: only a scan with many declarations to resolve forks

    return multiprocessing.get_all_start_methods()


@contextlib.contextmanager
def _mapper(count: int, jobs: int) -> Iterator[Callable[[Callable[[_Job], Any], list[_Job]], Iterable[Any]]]:
    """A map over ``count`` jobs (in all): in a process pool of ``jobs`` workers when there are
    enough of them to pay for it, else in this process."""
    if count < 16 or jobs <= 1:
        yield map
        return
    import multiprocessing  # here: a warm re-scan that parses a file or two never starts a pool
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:

        def run(fn: Callable[[_Job], Any], work: list[_Job]) -> Iterable[Any]:
            chunk = max(1, min(64, len(work) // (jobs * 8) or 1))
            return pool.map(fn, work, chunksize=chunk)

        yield run


# ---------------------------------------------------------------------------- imports
def import_visibility(
    imports: Mapping[str, list[str]], libs: Iterable[LeanLib]
) -> tuple[dict[str, int], dict[str, int], list[Diagnostic]]:
    """Which files each file sees: itself and everything it imports, transitively, as bitsets.

    An import of a project-looking module that no file provides (say a misread ``srcDir``) makes
    the importing file see every file: a missed dependency would make a sorry invisible, so
    when in doubt zerosorry errs towards "deferred"."""
    libs = list(libs)
    files = sorted(imports)
    file_bit = {rel: i for i, rel in enumerate(files)}
    by_module = {module_name(rel, libs): rel for rel in files}
    roots = {m.split(".")[0] for m in by_module} | {lib.name for lib in libs}
    everything = (1 << len(files)) - 1
    direct: dict[str, list[str]] = {}
    blind: set[str] = set()
    diags: list[Diagnostic] = []
    for rel in files:
        deps = []
        for mod in imports[rel]:
            target = by_module.get(mod)
            if target is not None:
                deps.append(target)
            elif mod.split(".")[0] in roots:
                blind.add(rel)
                diags.append(Diagnostic(
                    "unresolved-import",
                    f"imports {mod}, which no scanned file provides; this file is resolved "
                    "against every file of the project", rel, None, None, Severity.INFO))
        direct[rel] = deps
    sees: dict[str, int] = {}
    visiting: set[str] = set()

    def visit(rel: str) -> int:  # iterative enough: import chains are shallow relative to the stack
        if rel in sees:
            return sees[rel]
        if rel in visiting:  # an import cycle (Lean rejects it); cut it here
            return 1 << file_bit[rel]
        visiting.add(rel)
        bits = everything if rel in blind else 1 << file_bit[rel]
        for dep in direct[rel]:
            bits |= visit(dep)
        visiting.discard(rel)
        sees[rel] = bits
        return bits

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 4 * len(files) + 1000))
    try:
        for rel in files:
            visit(rel)
    finally:
        sys.setrecursionlimit(old)
    return file_bit, sees, diags


# ---------------------------------------------------------------------------- the core
@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """The scan allocates hundreds of thousands of acyclic objects that all live to the end;
    the cyclic collector would walk them again and again (a 3x slowdown) and find nothing."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def generated_time(commit_time: int | None = None) -> str:
    """``SOURCE_DATE_EPOCH`` if set; else the commit's time for a clean tree; else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            t = int(epoch)
        except ValueError as exc:
            raise InputError(f"SOURCE_DATE_EPOCH must be an integer, got {epoch!r}") from exc
    elif commit_time is not None:
        t = commit_time
    else:
        t = int(time.time())
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def scan_files(
    files: Mapping[str, bytes],
    *,
    source: SourceInfo,
    generated: str,
    config: ScanConfig = ScanConfig(),
    cache: ParseCache | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    diagnostics: Iterable[Diagnostic] = (),
) -> Ledger:
    """The ledger of a project given as ``{relative path: bytes}`` (lakefiles included)."""
    with _no_gc():
        return _scan_files(files, source=source, generated=generated, config=config, cache=cache,
                           jobs=jobs, progress=progress, diagnostics=diagnostics)


@dataclass
class Prepared:
    """A project parsed and named, ready for name resolution: everything before it."""

    decls: list[Declaration]
    members: list[tuple[str, str]]
    aliases: list[tuple[str, str, str, tuple[str, ...]]]
    spans: list[tuple[str, int, int]]  # (file, first declaration, one past the last)
    parse_keys: dict[str, str]
    file_bit: dict[str, int]
    sees: dict[str, int]
    written: list[tuple[str, int]]  # (name as declared, index) of the renamed ones
    diagnostics: list[Diagnostic]
    files: int
    lines: int
    parsed: dict[str, ParsedFile]  # by file
    lean: dict[str, bytes]  # the files scanned
    learned: dict[str, str]  # declaring commands the project defines itself
    commands: tuple[tuple[str, str], ...]  # every declaring command the parse keys were made with
    #: atom hits found while parsing (the project syntax pass reads them instead of lexing again)
    found: FoundHits | None = None


def _scan_files(
    files: Mapping[str, bytes],
    *,
    source: SourceInfo,
    generated: str,
    config: ScanConfig,
    cache: ParseCache | None,
    jobs: int | None,
    progress: Progress | None,
    diagnostics: Iterable[Diagnostic],
) -> Ledger:
    p = prepare(files, config=config, cache=cache, jobs=jobs, progress=progress, diagnostics=diagnostics)
    res = _resolve_all(p.decls, p.members, p.aliases, p.file_bit, p.sees, p.spans, p.parse_keys, cache,
                       p.written, jobs)
    records, derive_diags = finish(p, res, cache)
    return Ledger(
        source=source,
        generated=generated,
        engine=EngineInfo(),
        records=records,
        diagnostics=p.diagnostics + derive_diags,
        files=p.files,
        lines=p.lines,
    )


def prepare(
    files: Mapping[str, bytes],
    *,
    config: ScanConfig,
    cache: ParseCache | None,
    jobs: int | None = None,
    progress: Progress | None = None,
    diagnostics: Iterable[Diagnostic] = (),
    known_keys: tuple[tuple[tuple[str, str], ...], Mapping[str, str]] | None = None,
) -> Prepared:
    """Parse (through ``cache``), name every declaration, and work out import visibility.
    ``known_keys``: (declaring commands, cache keys) the caller already computed for some files'
    current bytes; used only when the declaring commands are the same."""
    diags: list[Diagnostic] = list(diagnostics)
    libs, lake_diags = read_lakefile(files)
    diags.extend(lake_diags)
    lean: dict[str, bytes] = {}
    #: files left out (by `exclude`, or outside every lean_lib), by module name, with the reason
    held: dict[str, tuple[str, str]] = {}
    for rel in sorted(files):
        if not rel.endswith(".lean") or rel == "lakefile.lean":
            continue
        if any(_glob(p).match(rel) for p in config.exclude):
            held.setdefault(module_name(rel, libs), (rel, "excluded by zerosorry.toml"))
            continue
        if libs and not any(lib.owns(module_name(rel, [lib])) for lib in libs):
            held.setdefault(module_name(rel, libs), (rel, "in no lean_lib of the lakefile"))
            continue
        lean[rel] = files[rel]
    # declaring commands the project defines itself (they all take a `declSig`): read the files
    # that can define one first, so every file is parsed once, knowing them
    defining = {rel: data for rel, data in lean.items() if may_define_commands(data)}
    early = parse_all(defining, config=config, cache=cache, jobs=jobs) if defining else {}
    builtin = {w: "" for w in (*DECL_KEYWORDS, *SCOPE_COMMANDS, *LINE_COMMANDS, *MODIFIERS)}
    commands_table = project_table(early)
    known = {**builtin, **dict(config.declaring_commands)}
    learned = learned_commands(commands_table, known)
    registered = config.declaring_commands
    if learned:
        config = replace(config, declaring_commands=tuple(sorted({**dict(registered), **learned}.items())))
        early = {}
    cmds = config.declaring_commands
    known_cmds, given = known_keys if known_keys is not None else ((), {})
    if known_cmds != cmds:  # keys made for other declaring commands
        given = {}
    parse_keys = {rel: given.get(rel) or _cache_key(data, cmds) for rel, data in lean.items()}
    rest = {rel: data for rel, data in lean.items() if rel not in early}
    found = FoundHits()
    parsed = {**early, **parse_all(rest, config=config, cache=cache, jobs=jobs, progress=progress,
                                   keys={rel: parse_keys[rel] for rel in rest}, found=found, known=early)}
    # Lean builds what a built module imports, wherever it stands: a left-out file that is
    # imported is scanned too, or its sorries would vanish from every derivation that uses it
    todo = dict(parsed)
    while todo:
        wanted: dict[str, bytes] = {}
        for rel in sorted(todo):
            for imp in todo[rel].imports:
                if imp in held and held[imp][0] not in lean and held[imp][0] not in wanted:
                    other, why = held[imp]
                    wanted[other] = files[other]
                    diags.append(Diagnostic(
                        "imported-but-left-out",
                        f"{other} is {why} but {rel} imports it; scanned anyway, since Lean builds it",
                        other, None, None, Severity.WARNING))
        if not wanted:
            break
        lean.update(wanted)
        keys = {rel: _cache_key(data, cmds) for rel, data in wanted.items()}
        parse_keys.update(keys)
        todo = parse_all(wanted, config=config, cache=cache, jobs=jobs, keys=keys)
        parsed.update(todo)
    file_bit, sees, import_diags = import_visibility({rel: parsed[rel].imports for rel in parsed}, libs)
    # a rule in a file without `declSig` can still change what a learned command makes
    commands_table = project_table(parsed)
    if learned_commands(commands_table, known) != learned:
        learned = learned_commands(commands_table, known)
        config = replace(config, declaring_commands=tuple(sorted({**dict(registered), **learned}.items())))
        cmds = config.declaring_commands
        parse_keys = {rel: _cache_key(data, cmds) for rel, data in lean.items()}
        parsed = parse_all(lean, config=config, cache=cache, jobs=jobs, keys=parse_keys)
    diags.extend(learned_diagnostics(commands_table, learned))
    # every file left out is named (an info diagnostic each), not only counted
    for rel, why in sorted(held.values()):
        if rel not in lean:
            code = LEFT_OUT[0] if why.startswith("in no") else LEFT_OUT[1]
            diags.append(Diagnostic(code, f"not scanned: {why}", rel, None, None, Severity.INFO))
    for rel in sorted(lean):
        diags.extend(_decode_diagnostics(rel, lean[rel]))

    decls: list[Declaration] = []
    members: list[tuple[str, str]] = []
    aliases: list[tuple[str, str, str, tuple[str, ...]]] = []
    spans: list[tuple[str, int, int]] = []  # (file, first declaration, one past the last)
    lines = 0
    used: set[int] = set()
    for rel in sorted(parsed):
        pf = parsed[rel]
        spans.append((rel, len(decls), len(decls) + len(pf.declarations)))
        if id(pf) in used:  # two files with the same bytes share one cached parse: copy it
            pf = pickle.loads(pickle.dumps(pf, protocol=pickle.HIGHEST_PROTOCOL))
        used.add(id(pf))
        module = module_name(rel, libs)
        lines += pf.lines
        examples: dict[str, int] = {}
        for d in pf.declarations:
            d.file = rel
            if d.kind == "example":
                d.name = example_name(module, d, examples)
            decls.append(d)
        members.extend(pf.members.items())
        aliases.extend(pf.aliases)
        diags.extend(replace(x, file=rel) for x in pf.diagnostics)
    diags.extend(import_diags)

    def see_each_other(a: str, b: str) -> bool:
        return a == b or bool((sees[a] >> file_bit[b]) & 1) or bool((sees[b] >> file_bit[a]) & 1)

    # two declarations of one name: Lean rejects public ones; private ones live in their module
    # every record gets its own name (the ledger is keyed by name), and only a real clash is
    # an error: two modules that never meet (independent test files) may reuse a name
    seen: dict[str, int] = {}
    written: list[tuple[str, int]] = []  # (name as declared, index) of the renamed ones
    for i, d in enumerate(decls):
        if d.name in seen:
            first = decls[seen[d.name]]
            written.append((d.name, i))
            if d.auto_named:
                d.name = f"{d.name}@{d.file}:{d.line}"  # our guess of Lean's generated name collided
            elif d.private:
                d.name = f"_private.{module_name(d.file, libs)}.{d.name}"
            else:
                if see_each_other(first.file, d.file):
                    diags.append(Diagnostic(
                        "duplicate-declaration",
                        f"{d.name} is also declared at {first.file}:{first.line}",
                        d.file, d.line, d.column, Severity.ERROR))
                d.name = f"{d.name}@{d.file}:{d.line}"
            if d.name in seen:  # still taken (two private ones in one module): make it unique
                d.name = f"{d.name}@{d.file}:{d.line}"
        seen.setdefault(d.name, i)

    return Prepared(decls, members, aliases, spans, parse_keys, file_bit, sees, written, diags,
                    len(lean), lines, parsed, lean, learned, cmds, found)


@dataclass
class DeriveInputs:
    """What the derivation takes besides the declarations: resolved uses with those through the
    project's syntax, notes, reasons; ``touched``: the declarations project syntax changed."""

    uses: list[list[int]]
    approximate: list[list[str]]
    reasons: list[str | None]
    touched: set[int]


def syntax_inputs(p: Prepared, res: Resolved, effects: SyntaxEffects) -> DeriveInputs:
    """The resolution with the project syntax's effects applied."""
    uses = list(res.uses)
    approximate = list(res.approximate)
    for i, extra in effects.uses.items():  # uses through project syntax are certain
        uses[i] = sorted(set(uses[i]) | (extra - {i}))
    for i, notes in effects.notes.items():
        approximate[i] = [*approximate[i], *notes]
    reasons: list[str | None] = [None] * len(p.decls)
    for i, said in effects.reasons.items():
        reasons[i] = "; ".join(said)
    return DeriveInputs(uses, approximate, reasons, effects.touched)


def project_effects(p: Prepared, cache: ParseCache | None, memo: SyntaxMemo | None = None,
                    index: NameIndex | None = None) -> SyntaxEffects:
    """Uses of the project's own syntax, applied to ``p``'s declarations; ``memo``: what a live
    session keeps of this step, with its name ``index`` of ``p``."""
    decls, file_bit, sees = p.decls, p.file_bit, p.sees

    def name_index() -> NameIndex:
        if index is not None:
            return index
        built = NameIndex.build(decls, p.members, p.aliases, p.written)
        built.file_bit, built.sees = file_bit, sees
        return built

    return apply_syntax(project_table(p.parsed, [d.name for d in decls], memo), decls, p.spans, p.parsed, p.lean,
                        file_bit, sees, name_index, p.learned, p.parse_keys, cache, memo, p.found)


def finish(p: Prepared, res: Resolved, cache: ParseCache | None) -> tuple[list[Record], list[Diagnostic]]:
    """Uses through the project's own syntax, then the derivation: records and diagnostics."""
    inp = syntax_inputs(p, res, project_effects(p, cache))
    _, possible, possible_refs = with_instances(p.decls, inp.uses, res.possible, res.possible_refs, p.file_bit, p.sees)
    return derive(p.decls, inp.uses, external=res.external, approximate=inp.approximate,
                  possible=possible, possible_refs=possible_refs, reasons=inp.reasons)


def _name_table_fingerprint(decls: Sequence[Declaration], members: Sequence[tuple[str, str]],
                            aliases: Sequence[tuple[str, str, str, tuple[str, ...]]],
                            file_bit: Mapping[str, int], sees: Mapping[str, int],
                            written: Sequence[tuple[str, int]] = ()) -> str:
    """Everything a resolution depends on besides the resolving file itself: the ordered
    declarations (name, kind, file, visibility), members, aliases, the import visibility and the
    resolver's source. Equal fingerprints give equal NameIndexes, so declaration indices agree."""
    h = hashlib.blake2b(digest_size=20)
    h.update(RESOLVER_VERSION.encode())
    # a field on another file's lemma is resolved by that lemma's stated result type, and on a
    # structure by the structures it extends (in its signature): both are part of the table
    # (the scope those are read in matters only when there is something to read)
    h.update("\n".join(f"{d.name}\0{d.kind}\0{d.file}\0{d.private:d}\0{'protected' in d.modifiers:d}"
                       + (f"\0{d.result_type}\0{d.namespace}\0{chr(1).join(d.opens)}\0"
                          f"{d.signature if d.kind in ('structure', 'class') else ''}"
                          if d.result_type not in _UNREAD or d.kind in ("structure", "class") else "")
                       for d in decls).encode())
    # a class projection unfolds through project instances: what their text may lead to
    h.update(repr([(decls[i].name, decls[i].refs, decls[i].signature) for i in instance_closure(decls)]).encode())
    h.update(repr(members).encode())
    h.update(repr(aliases).encode())
    h.update(repr(list(written)).encode())
    for rel in sorted(file_bit):  # bitsets as bytes: decimal repr of 5,000-bit ints is slow
        h.update(f"{rel}\0{file_bit[rel]}\0".encode())
        v = sees.get(rel, 0)
        h.update(v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True))
    return h.hexdigest()


#: a stated result type that says nothing (lean/types.py's UNKNOWN, or none written)
_UNREAD = frozenset({"", UNKNOWN})


@dataclass
class Resolved:
    """Per declaration: certain uses, external-reference counts, approximation notes, possible
    uses and the ambiguous references behind them (indices into the declarations)."""

    uses: list[list[int]]
    external: list[int]
    approximate: list[list[str]]
    possible: list[list[int]]
    possible_refs: list[list[tuple[str, tuple[int, ...]]]]


def _resolve_all(
    decls: Sequence[Declaration],
    members: Sequence[tuple[str, str]],
    aliases: Sequence[tuple[str, str, str, tuple[str, ...]]],
    file_bit: dict[str, int],
    sees: dict[str, int],
    spans: Sequence[tuple[str, int, int]],
    parse_keys: Mapping[str, str],
    cache: ParseCache | None,
    written: Sequence[tuple[str, int]] = (),
    jobs: int | None = None,
) -> Resolved:
    """Resolved uses (certain and possible), external-reference counts and approximation notes
    of every declaration.

    A file's resolution depends on its own text (its parse key) and on the project's name
    table; when neither changed since the last scan, it is read from the cache, so re-scanning
    after an edit that declares no new name resolves only the edited file."""
    fp = _name_table_fingerprint(decls, members, aliases, file_bit, sees, written) if cache else ""
    stored = cache.get_resolved(fp) if cache else {}
    n = len(decls)
    out = Resolved([[] for _ in decls], [0] * n, [[] for _ in decls], [[] for _ in decls],
                   [[] for _ in decls])
    fresh: dict[str, list[_Entry]] = {}
    todo: list[tuple[str, int, int]] = []
    for rel, start, end in spans:
        got = stored.get(f"{rel}\0{parse_keys[rel]}")
        if got is None or len(got) != end - start:
            todo.append((rel, start, end))
    if todo:
        index = NameIndex.build(decls, members, aliases, written)
        index.file_bit, index.sees = file_bit, sees
        for (rel, _, _), got in zip(todo, _resolve_spans(index, decls, [(a, b) for _, a, b in todo], jobs),
                                    strict=True):
            fresh[f"{rel}\0{parse_keys[rel]}"] = got
    for rel, start, _ in spans:
        key = f"{rel}\0{parse_keys[rel]}"
        got = fresh[key] if key in fresh else stored[key]
        for i, (u, x, a, p, pr) in enumerate(got, start):  # fresh lists: from resolve or unpickled
            out.uses[i], out.external[i], out.approximate[i], out.possible[i], out.possible_refs[i] = u, x, a, p, pr
    if cache and fresh:
        # a cache that cannot be written costs time on the next scan, never a result
        with contextlib.suppress(sqlite3.Error):
            cache.put_resolved(fp, fresh)
    return out


#: the name index and declarations a forked resolver process inherits (set just before the fork)
_FORKED: tuple[NameIndex, Sequence[Declaration]] | None = None


def _resolve_span(span: tuple[int, int]) -> list[_Entry]:
    assert _FORKED is not None
    index, decls = _FORKED
    out: list[_Entry] = []
    for d in decls[span[0] : span[1]]:
        r = index.resolve(d)
        out.append((r.uses, r.external, r.approximate, r.possible, r.possible_refs))
    return out


def _resolve_spans(index: NameIndex, decls: Sequence[Declaration], spans: list[tuple[int, int]],
                   jobs: int | None) -> Iterable[list[_Entry]]:
    """Each span's declarations resolved against ``index``: in forked processes (which inherit
    the index, so nothing but the results crosses) when there are enough of them."""
    global _FORKED
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    count = sum(b - a for a, b in spans)
    if jobs <= 1 or count < 4000 or "fork" not in _start_methods():
        _FORKED = (index, decls)
        try:
            return [_resolve_span(sp) for sp in spans]
        finally:
            _FORKED = None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _FORKED = (index, decls)
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_resolve_span, spans, chunksize=max(1, len(spans) // (jobs * 8))))
    finally:
        _FORKED = None


# ---------------------------------------------------------------------------- on disk
def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_source(root: Path) -> tuple[SourceInfo, int | None]:
    """The commit, dirtiness and a stable root label of ``root``; commit time when clean."""
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is None:
        return SourceInfo(root=root.resolve().name, commit=None, dirty=None), None
    rel = Path(os.path.relpath(root.resolve(), Path(top).resolve())).as_posix()
    label = "." if rel == "." else rel
    commit = _git(root, "rev-parse", "HEAD")
    status = _git(root, "status", "--porcelain", "--untracked-files=normal", "--", ".")
    dirty = bool(status) if status is not None else None
    ctime = None
    if commit and dirty is False:
        t = _git(root, "show", "-s", "--format=%ct", "HEAD")
        ctime = int(t) if t and t.isdigit() else None
    return SourceInfo(root=label, commit=commit, dirty=dirty), ctime


def read_files(root: Path, paths: Mapping[str, Path]) -> tuple[dict[str, bytes], list[Diagnostic]]:
    files: dict[str, bytes] = {}
    diags: list[Diagnostic] = []
    for rel, p in paths.items():
        try:
            files[rel] = p.read_bytes()
        except OSError as exc:
            diags.append(Diagnostic("unreadable-file", f"cannot read: {exc.strerror or exc}", rel, None, None, Severity.ERROR))
    for extra in ("lakefile.lean", "lakefile.toml"):
        p = root / extra
        if extra not in files and p.is_file():
            try:
                files[extra] = p.read_bytes()
            except OSError as exc:
                diags.append(Diagnostic("unreadable-file", f"cannot read: {exc.strerror or exc}", extra, None, None, Severity.ERROR))
    return files, diags


def scan_project(
    root: Path,
    *,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> Ledger:
    """Scan the Lean project at ``root`` with the source engine."""
    root = Path(root)
    if not root.exists():
        raise InputError(f"{root}: no such directory")
    if not root.is_dir():
        raise InputError(f"{root}: not a directory (give the Lean project's root)")
    config = load_config(root)
    paths, diags = discover(root)
    files, read_diags = read_files(root, paths)
    diags.extend(read_diags)
    if not any(rel.endswith(".lean") and rel != "lakefile.lean" for rel in files):
        raise InputError(f"{root}: no .lean files found")
    source, ctime = git_source(root)
    cache = None
    if use_cache:
        try:
            cache = ParseCache(cache_dir or default_cache_dir())
        except (OSError, sqlite3.Error) as exc:
            diags.append(Diagnostic("cache-unavailable", f"parse cache disabled: {exc}", None, None, None, Severity.INFO))
    try:
        return scan_files(
            files,
            source=source,
            generated=generated_time(ctime),
            config=config,
            cache=cache,
            jobs=jobs,
            progress=progress,
            diagnostics=diags,
        )
    finally:
        if cache:
            cache.close()
