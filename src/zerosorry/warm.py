"""A warm re-scan in a fresh process: the live session (:mod:`zerosorry.live`) kept on disk.

After a scan, the session's state is written to one file in the cache directory, named by the
project's absolute path; the next scan of that project loads it, finds the files that changed
(a file whose size, times and inode are as recorded is unchanged; one modified or changed within a second
of being read is compared by content, since a file system's clock is coarse), refreshes only
those (a proof edit re-parses, re-resolves and re-derives just what it can reach), and returns
the ledger.  That ledger is the one a full scan gives: the refresh is the live session's,
which the tests hold equal to a full scan after any sequence of edits, and the state is only
used when everything it was made from is as it was.

The file starts with a header: a magic string, the digest of zerosorry's own source and the
Python version (any change to either makes the state stale), the project's path, then a
checksum and the length of the payload.  A state that is stale, truncated, corrupt or for
another project, or whose loading fails in any way, is ignored: the scan runs in full and
writes a new one.

Why pickle: the state is the session's own object graph (declarations, the name index, the
derivation's graphs, the syntax table), which only pickle restores as one graph with its
sharing.  It is slimmed first: each declaration's references and local types (read only when
its file is resolved again, which re-parses it) are left out, as are the derivation's
per-declaration inputs (recomputed from what is kept, for the declarations an edit touches)
and every cache the session refills on demand.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import hashlib
import io
import os
import pickle
import sys
import tempfile
import zlib
from dataclasses import fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

from . import __version__, engine
from .lazy import Packed, Ragged, StoredMap, StoredSet
from .lean.syntax_table import may_define_commands
from .ledger.derive import Derived
from .ledger.encode import StoredRecord, line_of, stored_record
from .ledger.io import LineMemo, check_lines, encode
from .ledger.model import Declaration, Ledger, Record, TrustUse
from .live import MemoryParseCache, Session, file_stat
from .scan import (
    ParseCache,
    Progress,
    _no_gc,
    discover_paths,
    generated_time,
    git_source,
    load_config,
)

MAGIC = b"zerosorry-warm-state/1\n"
#: a file modified or changed this close (ns) before it was read may have changed again within
#: one tick of the file system's clock: it is compared by content.  The change time counts as
#: well as the modification time: a writer may set the latter back (`cp -p`, `tar x`, `rsync -t`)
RACY_NS = 1_000_000_000
#: after a refresh that redid this many files or more, the state is written again (fewer: the
#: next scan redoes them from the state as written, which costs less than writing it)
RESAVE_AFTER = 8
#: the declaration fields left out of the state: read only when the declaration's file is
#: resolved again, and a file is re-parsed before that
_SLIM = {f.name: f.default for f in fields(Declaration) if f.name in ("refs", "local_types", "body", "type_text")}
#: the session's attributes the state leaves out (a fresh process makes its own)
_TRANSIENT = ("cache", "manifest", "ledger")
#: the name index's tables, stored as zerosorry.lazy.StoredMap
_TABLES = ("by_name", "by_last", "by_field", "field_names")
#: the derivation's graphs, stored as zerosorry.lazy.Ragged
_GRAPHS = ("certain", "maybe", "edges", "rev", "rev_c")
#: the session's attributes a stored state holds back until a refresh that is no proof edit
_HELD = ("_resolved", "_signatures", "_names")
#: what a stored state must hold
_EXPECTED = {"root", "files", "stats", "config", "_prepared", "_index", "_state", "_inputs", "_inst", "_syntax", "_records", "_closure",
             "_held", "_unread"}


@lru_cache(maxsize=1)
def tool_key() -> bytes:
    """zerosorry's version, the digest of every one of its modules' source, the Python version
    and the engine build (pure or compiled): a state written by any other build is stale."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{__version__}\0{sys.version}\0{pickle.HIGHEST_PROTOCOL}\0{engine.kind()}\0".encode())
    pkg = Path(__file__).resolve().parent
    for path in sorted(pkg.rglob("*.py")):
        h.update(path.relative_to(pkg).as_posix().encode() + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"\xff")
    return h.hexdigest().encode()


def state_path(cache_dir: Path, root: Path) -> Path:
    """Where the state of the project at ``root`` lives in ``cache_dir``."""
    key = hashlib.blake2b(os.fsencode(os.path.abspath(root)), digest_size=10).hexdigest()
    return cache_dir / f"warm-{key}.state"


def _header(root: Path) -> bytes:
    return MAGIC + tool_key() + b"\n" + os.fsencode(os.path.abspath(root)) + b"\n"


_DECL_FIELDS = tuple(f.name for f in fields(Declaration) if f.name not in _SLIM)
_RECORD_FIELDS = tuple(f.name for f in fields(Record))


class StoredDeclarations(Packed):
    """The project's declarations as a stored state keeps them: each the marshalled tuple of its
    fields (but those :data:`_SLIM` names; trust uses as pairs), made a :class:`Declaration`
    when first read (a proof edit reads the declarations it re-derives and those their names
    resolve to, a few of many thousand).  Every holder of the session's declaration list (the
    prepared project, the name index, the derivation) holds this one object, so each is one
    object however it is reached."""

    __slots__ = ()

    @staticmethod
    def _plain(value: Any) -> Any:
        values = [getattr(value, k) for k in _DECL_FIELDS]
        values[_TRUSTS] = tuple((t.name, t.line) for t in value.trusts)
        return tuple(values)

    @staticmethod
    def _made(plain: Any) -> Any:
        return _declaration(plain)


_TRUSTS = _DECL_FIELDS.index("trusts")


def _declaration(values: tuple[Any, ...]) -> Declaration:
    d = Declaration.__new__(Declaration)
    d.__dict__ = dict(zip(_DECL_FIELDS, values, strict=True))
    d.__dict__.update(_SLIM)
    d.trusts = tuple(TrustUse(*t) if isinstance(t, tuple) else t for t in d.trusts)
    return d


def _record(values: tuple[Any, ...]) -> Record:
    r = Record.__new__(Record)
    r.__dict__ = dict(zip(_RECORD_FIELDS, values, strict=True))
    return r


class _Pickler(pickle.Pickler):
    """A declaration outside the declaration list (:class:`StoredDeclarations`) as the tuple of
    its fields' values (without those :data:`_SLIM` names).  A record as its ledger line (``lines``:
    the memo of them), restored as a :class:`~zerosorry.ledger.encode.StoredRecord` that is
    decoded only when read (a proof edit reads few), else as the tuple of its fields."""

    def __init__(self, file: Any, lines: LineMemo) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.lines = lines.items

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is Declaration:  # one held outside the declaration list (StoredDeclarations)
            return _declaration, (StoredDeclarations._plain(obj),)
        if kind is Record or kind is StoredRecord:
            line = line_of(obj)
            if line is None:
                known = self.lines.get(id(obj))
                line = known[1] if known is not None and known[0] is obj else None
            if line is not None:
                return stored_record, (line,)
            values = obj.__dict__
            return _record, (tuple([values[k] for k in _RECORD_FIELDS]),)
        return NotImplemented


def save(session: Session, path: Path) -> None:
    """Write ``session``'s state to ``path`` (atomically; a state that cannot be written costs
    the next scan its speed, never a result)."""
    try:
        session._unhold()
    except Exception:  # what the loaded state held back is damaged: no state (the next scan runs in full)
        return
    state = {k: v for k, v in session.__dict__.items() if k not in _TRANSIENT}
    state["components"], state["_identities"] = {}, None
    # the parses are in the parse cache (a proof edit reads the edited file's from there; any
    # other refresh prepares the project again) and the hits found while parsing are read
    # only by a full derivation, of a project prepared again
    decls = StoredDeclarations(session._prepared.decls)
    # the texts of the files but those a proof edit reads (the lakefiles; a file that defines a
    # declaring command or is not UTF-8: its old text is read when it is edited) are left out:
    # a refresh that is no proof edit reads them again (live.Session._unhold)
    p, files = session._prepared, session.files
    keep = {"lakefile.lean", "lakefile.toml"} | {d.file for d in p.diagnostics if d.code == "not-utf8"} | {
        rel for rel, text in files.items() if may_define_commands(text)}
    left = files.keys() - keep
    state["files"] = {rel: b"" if rel in left else text for rel, text in files.items()}
    state["_unread"] = left
    state["_prepared"] = replace(state["_prepared"], parsed={}, found=None, decls=decls,
                                 lean={rel: b"" if rel in left else text for rel, text in p.lean.items()})
    index = state["_index"] = copy.copy(session._index)
    index.decls = decls
    # the name index's tables in shards, each decoded when a name in it is first looked up
    for name in _TABLES:
        setattr(index, name, StoredMap(getattr(index, name)))
    index.suffixes = StoredSet(index.suffixes)
    derived, inputs = state["_state"], state["_inputs"]
    # the graphs as flat arrays (zerosorry.lazy.Ragged: a proof edit reads a few of their lists)
    # and the closures and the notes marshalled (zerosorry.lazy.Packed)
    # the records as their lines (restored as RecordLines: a proof edit reads few and the
    # memo splices the new lines into the stored ones)
    records, state["lines"] = session.lines.based(session._records)
    state["_records"] = records
    state["_state"] = derived.__class__(**{**derived.__dict__, "inputs": [], "records": records, "decls": decls,
                                           **{k: Ragged(getattr(derived, k)) for k in _GRAPHS},
                                           **{k: Packed(getattr(derived, k)) for k in ("axioms", "trusts")}})
    state["_inputs"] = replace(inputs, uses=Ragged(inputs.uses), possible=Ragged(inputs.possible),
                               approximate=Packed(inputs.approximate), possible_refs=Packed(inputs.possible_refs))
    # what only a refresh that is no proof edit reads: pickled apart, unpickled when read
    held = io.BytesIO()
    _Pickler(held, session.lines).dump({k: state.pop(k) for k in _HELD})
    state["_held"] = held.getvalue()
    memo = state["_syntax"] = copy.copy(state["_syntax"])  # (no __dict__ once compiled: copied)
    memo.uses = {}
    if memo.index is session._index:
        state["_syntax"].index = index
    head = _header(session.root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError:
        return
    try:  # pickled straight into the file (no copy of it in memory), then the sums filled in
        with os.fdopen(fd, "wb") as fh:
            fh.write(head + bytes(12))
            out = _Summing(fh)
            with _no_gc():
                _Pickler(out, session.lines).dump(state)
            fh.seek(len(head))
            fh.write(out.crc.to_bytes(4, "little") + out.size.to_bytes(8, "little"))
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if not isinstance(exc, OSError):
            raise


#: what a state may name besides zerosorry's classes (anything else: a damaged state)
_FOREIGN = {("pathlib", "PosixPath"), ("pathlib", "WindowsPath")}


class _Unpickler(pickle.Unpickler):
    """Names only zerosorry's classes, :func:`_declaration`, :func:`_record`,
    :func:`~zerosorry.ledger.encode.stored_record` and a path class:
    a damaged payload (read before its sum is checked) can call nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _FOREIGN:
            return super().find_class(module, name)
        found = super().find_class(module, name) if module.startswith("zerosorry.") and "." not in name else None
        if not (isinstance(found, type) or found in (_declaration, _record, stored_record)):
            raise pickle.UnpicklingError(f"a stored state names {module}.{name}")
        return found


class _Checking:
    """A file read through for pickle, keeping the CRC-32 and the length of what was read, and
    reading no further than ``limit`` bytes."""

    def __init__(self, fh: io.BufferedReader, limit: int) -> None:
        self.fh, self.left, self.crc, self.size = fh, limit, 0, 0

    def _seen(self, data: bytes | memoryview) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self.left -= len(data)

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(self.left + 1 if n < 0 or n > self.left else n)
        self._seen(data)
        return data

    def readinto(self, buf: Any) -> int:
        view = memoryview(buf).cast("B")
        n = self.fh.readinto(view[: max(0, min(len(view), self.left + 1))])
        self._seen(view[:n])
        return n

    def readline(self) -> bytes:
        data = self.fh.readline(self.left + 1)
        self._seen(data)
        return data


class _Summing:
    """A file that keeps the CRC-32 and the length of what is written through it."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh, self.crc, self.size = fh, 0, 0

    def write(self, data: bytes) -> int:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        return self.fh.write(data)


def load(path: Path, root: Path, cache: ParseCache | None) -> Session | None:
    """The session stored at ``path`` for ``root`` (None: no state, or a stale or corrupt one).

    The payload is unpickled straight from the file, its sum and length checked on the way
    (the file's bytes are never held whole next to the objects they make: at 1,000,000 lines
    that copy was a quarter of the peak); what a damaged payload makes before its sum is
    checked is thrown away, and it can call nothing but what :class:`_Unpickler` allows."""
    head = _header(root)
    try:
        fh = path.open("rb")
    except OSError:
        return None
    with fh:
        try:
            start = fh.read(len(head) + 12)
            if len(start) != len(head) + 12 or not start.startswith(head):
                return None
            crc = int.from_bytes(start[len(head) : len(head) + 4], "little")
            size = int.from_bytes(start[len(head) + 4 :], "little")
            reader = _Checking(fh, size)
            with _no_gc():
                state = _Unpickler(reader).load()
            if reader.read(1) or reader.size != size or reader.crc != crc:
                return None
        except Exception:  # a corrupt state is no state
            return None
    if (not isinstance(state, dict) or not state.keys() >= _EXPECTED or not isinstance(state["_state"], Derived)
            or not isinstance(state["_held"], bytes)):
        return None
    session = Session.__new__(Session)
    held = state.pop("_held")
    session.__dict__.update(state)
    session._resolved, session._signatures, session._names = {}, {}, []
    session._held = lambda: dict(_Unpickler(io.BytesIO(held)).load())
    session.root = root  # as given now (the state's may be relative to another working folder)
    session.cache = MemoryParseCache(cache)
    session.manifest = None
    session._state.inputs = [None] * len(session._state.records)  # type: ignore[union-attr]
    session.ledger = session._ledger()
    gc.freeze()  # the state's objects live to the end: the collector need not walk them
    return session


def changed_paths(session: Session) -> list[Path] | None:
    """The files that changed since ``session`` read them (created and deleted ones included);
    None when the project's layout changed in a way a refresh does not follow (what discovery
    reports about the folders)."""
    root = session.root
    paths, diags = discover_paths(root)
    if set(diags) != {d for d in [*session.file_diags, *session.other_diags]
                      if d.code not in ("unreadable-file", "cache-unavailable")}:
        return None
    for extra in ("lakefile.lean", "lakefile.toml"):
        if extra not in paths and (root / extra).is_file():
            paths[extra] = os.path.join(root, extra)
    # gone: the files read, and those that could not be read (their error goes with them)
    unreadable = {d.file for d in session.file_diags if d.code == "unreadable-file" and d.file is not None}
    out = [root / rel for rel in (session.files.keys() | unreadable) - paths.keys()]
    stats, files = session.stats, session.files
    for rel, full in paths.items():
        was = stats.get(rel) if rel in files else None
        now = file_stat(full)
        if was is None or now is None or was[:4] != now[:4] or max(was[1], was[3]) + RACY_NS >= was[4]:
            out.append(Path(full))
    if load_config(root) != session.config:
        out.append(root / "zerosorry.toml")
    return sorted(out)


def scan(root: Path, cache_dir: Path, *, jobs: int | None = None,
         progress: Progress | None = None) -> tuple[Ledger, LineMemo]:
    """The ledger of the project at ``root``, through its stored state when there is a valid
    one (see the module's docstring), and the memo of its declarations' encoded lines (for
    :func:`zerosorry.ledger.io.write`); the state is written again when it was missing, stale,
    or when the refresh redid much."""
    with _no_gc():
        return _scan(Path(root), cache_dir, jobs, progress)


def _scan(root: Path, cache_dir: Path, jobs: int | None, progress: Progress | None) -> tuple[Ledger, LineMemo]:
    source, ctime = git_source(root)  # first: git is started from a small process
    path = state_path(cache_dir, root)
    try:
        cache: ParseCache | None = ParseCache(cache_dir)
    except Exception:
        cache = None
    session = load(path, root, cache) if cache is not None else None
    resave = session is None
    if session is not None:
        try:
            touched = changed_paths(session)
            if touched is None:
                raise ValueError("layout changed")
            session.jobs = jobs
            if touched:
                result = session.refresh(touched)
                resave = not result.proof_edit or result.parsed_files >= RESAVE_AFTER
        except Exception:  # any surprise in a stored state: the scan runs in full
            session.close()
            session, resave = None, True
    if session is None:
        if cache is not None:
            cache.close()
        session = Session(root, cache_dir=cache_dir, jobs=jobs, progress=progress)
    try:
        session.source = source
        session.generated = generated_time(ctime)
        ledger = session.ledger = session._ledger()
        if resave:
            # the lines, encoded and validated now, are stored with the state: a later scan
            # encodes and validates only the records its refresh made
            if not check_lines(encode(ledger, session.lines)):
                session.lines.validated()
            save(session, path)
        return ledger, session.lines
    finally:
        session.close()
