"""A scan kept in memory and brought up to date file by file (``zerosorry watch``).

:class:`Session` holds a project's files, parses and resolutions.  After files change it
re-parses only those and re-resolves only the files whose resolution the change can alter;
the project's syntax step reuses its table and each unchanged file's uses while no syntax
definition, name or import changed (lean/project_syntax.py's ``SyntaxMemo``); and the derivation
re-derives only the declarations that can reach one whose own inputs changed, through certain
or possible uses (ledger/incremental.py).
The ledger it keeps is always the one a fresh :func:`zerosorry.scan.scan_project` would give
(the tests hold the two equal).

Which files are re-resolved: a file's resolution depends on its own text and on the project's
name table.  When an edit leaves every declared name, member, alias and import alone (a proof
edit), only the edited file is re-resolved.  When names changed, a file is re-resolved if it
sees (imports) a file whose names changed, if its own visibility changed, or if one of its
references has a component equal to the last component of a changed name (every lookup Lean
makes for ``a.b.c``, prefixes, opened namespaces and field notation alike, ends at a name whose
last component is one of ``a``, ``b``, ``c``).  When files appear or vanish, every file is.
"""

from __future__ import annotations

import gc
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .lean.names import NameIndex, instance_closure
from .lean.parser import ParsedFile
from .lean.project_syntax import SyntaxMemo, apply_syntax
from .lean.syntax_table import may_define_commands
from .ledger.derive import Derived, DeriveInputs, derive_state, named, own_inputs
from .ledger.derive import diagnostics as derive_diagnostics
from .ledger.incremental import rederive
from .ledger.instances import (
    Instances,
    Joined,
    Merged,
    instance_uses,
    refresh_uses,
    unproven,
    with_instances,
)
from .ledger.io import LineMemo
from .ledger.model import Declaration, Diagnostic, EngineInfo, Ledger, Record, Severity, Status
from .scan import (
    SKIP_DIRS,
    ParseCache,
    Prepared,
    Progress,
    Resolved,
    _cache_key,
    _decode_diagnostics,
    _no_gc,
    default_cache_dir,
    discover,
    example_name,
    generated_time,
    git_source,
    load_config,
    module_name,
    parse_all,
    prepare,
    project_effects,
    read_files,
    read_lakefile,
    syntax_inputs,
)

#: one file's resolution, per declaration: uses, external count, notes, possible uses, ambiguous refs
if TYPE_CHECKING:  # the gate's module is imported only where a manifest is read
    from .gate import GateManifest

#: a file's (size, modification time, inode, change time) in ns, and when it was taken (ns)
Stat = tuple[int, int, int, int, int]


def file_stat(path: Path | str) -> Stat | None:
    """What tells a file unchanged without reading it (None: it cannot be stat'ed)."""
    now = time.time_ns()
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, now


FileResolution = list[tuple[list[int], int, list[str], list[int], list[tuple[str, tuple[int, ...]]]]]


class MemoryParseCache(ParseCache):
    """Parsed files by content key, in memory, over an optional on-disk cache.

    The scan changes declarations in place (their file, a suffix when two share a name, sorry
    lines and trust uses that project syntax adds), so each parse is kept with a snapshot of
    its declarations' fields as parsed and handed out restored to it: the same objects serve
    every refresh, with no copying."""

    def __init__(self, backing: ParseCache | None) -> None:  # no SQLite of its own
        self.backing = backing
        self.parsed: dict[str, tuple[ParsedFile, list[str], list[dict[str, Any]]]] = {}
        self.hits: dict[str, dict[str, list[Any]]] = {}

    def _store(self, key: str, pf: ParsedFile) -> None:
        self.parsed[key] = (pf, [d.name for d in pf.declarations], [dict(d.__dict__) for d in pf.declarations])

    def get_many(self, keys: list[str]) -> dict[str, ParsedFile]:
        missing = [k for k in keys if k not in self.parsed]
        if missing and self.backing is not None:
            for k, v in self.backing.get_many(missing).items():
                self._store(k, v)
        out = {}
        for k in keys:
            if k in self.parsed:
                pf, _, fields = self.parsed[k]
                for d, was in zip(pf.declarations, fields, strict=True):
                    d.__dict__.update(was)
                out[k] = pf
        return out

    def put_many(self, items: dict[str, ParsedFile]) -> None:
        for k, v in items.items():
            self._store(k, v)
        if self.backing is not None:
            self.backing.put_many(items)

    def get(self, fp: str) -> dict[str, list[Any]]:
        if fp not in self.hits:
            self.hits = {fp: self.backing.get(fp) if self.backing is not None else {}}
        return dict(self.hits[fp])

    def put(self, fp: str, items: dict[str, list[Any]]) -> None:
        self.hits.setdefault(fp, {}).update(items)
        if self.backing is not None:
            self.backing.put(fp, items)

    def keep(self, keys: Iterable[str]) -> None:
        """Forget every parse but these."""
        wanted = set(keys)
        self.parsed = {k: v for k, v in self.parsed.items() if k in wanted}

    def close(self) -> None:
        if self.backing is not None:
            self.backing.close()


@dataclass(frozen=True)
class Change:
    """One declaration whose status changed (``None``: it did not exist before / no longer does)."""

    name: str
    file: str
    line: int
    before: Status | None
    after: Status | None
    holds_back: tuple[str, ...] = ()  # load-bearing manifest entries it now keeps from proven

    def text(self) -> str:
        before = self.before.value if self.before else "new"
        after = self.after.value if self.after else "removed"
        out = f"{self.name}: {before} -> {after}  ({self.file}:{self.line})"
        if self.holds_back:
            out += f"  holds back: {', '.join(self.holds_back)}"
        return out


@dataclass
class Refresh:
    """What one refresh did: the status changes, and how much it had to redo."""

    changes: list[Change]
    parsed_files: int = 0
    resolved_files: int = 0
    rederived: int = 0
    notes: list[str] = field(default_factory=list)
    proof_edit: bool = False  # only the edited files' own declarations were redone


@dataclass
class Inputs:
    """The derivation's inputs besides the declarations, as last derived (a proof edit
    replaces one file's slice of each)."""

    uses: list[list[int]]
    external: list[int]
    approximate: list[list[str]]
    possible: list[list[int]]
    possible_refs: list[list[tuple[str, tuple[int, ...]]]]
    reasons: list[str | None]


def _interface(pf: ParsedFile, names: Sequence[str]) -> tuple[object, ...]:
    """Everything of one file's parse that another file, the name table, the import graph or
    the project's syntax table can read (``names``: its declarations' ledger names).  An edit
    that leaves it equal (a proof edit) changes only the file's own declarations' resolutions,
    effects and records."""
    return (pf.imports, pf.members, pf.aliases, pf.syntax, tuple(names),
            tuple((d.kind, d.private, d.modifiers, d.namespace, d.opens, d.result_type, d.signature,
                   d.auto_named) for d in pf.declarations))


def _derive_diags(decls: Sequence[Declaration], records: Sequence[Record], ids: Iterable[int]) -> dict[int, Diagnostic]:
    """The derivation's diagnostics of the declarations ``ids``, by declaration."""
    return {i: x for i in ids if decls[i].kind == "instance"
            for x in derive_diagnostics([decls[i]], [records[i]])}


Signature = tuple[tuple[str, str, str, bool, bool], ...]


def _signature(rel: str, decls: Sequence[Declaration], parsed_names: Sequence[str]) -> Signature:
    """What the name table holds of one file's declarations: their names as declared (not an
    example's, which is not in the table; the renames the scan makes to keep ledger names
    unique are compared through ``Prepared.written``), kinds and visibility."""
    return tuple(("" if d.kind == "example" else n, d.kind, rel, d.private, "protected" in d.modifiers)
                 for d, n in zip(decls, parsed_names, strict=True))


Identities = dict[str, frozenset[tuple[str, str, bool, bool]]]


def _identities(p: Prepared, by_name: Mapping[str, list[int]], names: Sequence[str]) -> Identities:
    """Each name of the table -> the declarations it denotes (file, ledger name, visibility);
    ``names``: the ledger names of ``p``'s declarations (its objects may have been renamed)."""
    decls = p.decls
    return {n: frozenset((decls[i].file, names[i], decls[i].private, "protected" in decls[i].modifiers)
                         for i in ids)
            for n, ids in by_name.items()}


def _components(decls: Sequence[Declaration]) -> frozenset[str]:
    return frozenset(c for d in decls for x in d.refs for c in x.split(".") if c)


def _closure_key(decls: Sequence[Declaration]) -> tuple[tuple[str, tuple[str, ...], str], ...]:
    """What :func:`~zerosorry.lean.names.instance_closure` reads of the declarations it reaches
    (their names, references and signatures): where a class projection may lead through a
    project instance, for every file (a change re-resolves them all)."""
    return tuple((decls[i].name, tuple(decls[i].refs), decls[i].signature) for i in instance_closure(decls))


class Session:
    """A project's scan, in memory (see the module's docstring)."""

    def __init__(self, root: Path, *, cache_dir: Path | None = None, use_cache: bool = True,
                 jobs: int | None = None, manifest: GateManifest | None = None,
                 progress: Progress | None = None) -> None:
        root = Path(root)
        if not root.is_dir():
            raise InputError(f"{root}: no such directory")
        self.root = root
        self.jobs = jobs
        self.manifest = manifest
        self.config = load_config(root)
        paths, diags = discover(root)
        self.stats: dict[str, Stat | None] = {rel: file_stat(path) for rel, path in paths.items()}  # taken before the reads
        self.files, read_diags = read_files(root, paths)
        self.file_diags = {d for d in [*diags, *read_diags] if d.file is not None}
        self.other_diags = [d for d in [*diags, *read_diags] if d.file is None]
        if not any(rel.endswith(".lean") and rel != "lakefile.lean" for rel in self.files):
            raise InputError(f"{root}: no .lean files found")
        self.source, ctime = git_source(root)
        self.generated = generated_time(ctime)
        backing = None
        if use_cache:
            try:
                backing = ParseCache(cache_dir or default_cache_dir())
            except (OSError, sqlite3.Error) as exc:  # a cache is never worth failing for
                self.other_diags.append(Diagnostic("cache-unavailable", f"parse cache disabled: {exc}",
                                                   None, None, None, Severity.INFO))
        self.cache = MemoryParseCache(backing)
        self.components: dict[str, frozenset[str]] = {}  # parse key -> reference components
        self.keys: dict[str, str] = {}  # file -> parse key of its current bytes
        self.commands: tuple[tuple[str, str], ...] = ()  # the declaring commands of those keys
        self._identities: Identities | None = None  # of the current name table, once needed
        self.lines = LineMemo()  # the records' encoded lines, for zerosorry.warm
        #: what a stored state held back (zerosorry.warm): read only by a refresh that is no proof edit
        self._held: Callable[[], dict[str, Any]] | None = None
        #: the files whose text a stored state left out (each an empty placeholder in ``files``
        #: and the prepared project's texts until such a refresh reads it again from disk)
        self._unread: set[str] = set()
        with _no_gc():
            self._prepared = self._prepare(progress)
            self._signatures: dict[tuple[str, str], Signature] = {}
            self._names = self._names_of(self._prepared)
            self._index = self._build_index(self._prepared)
            p = self._prepared
            self._closure = _closure_key(p.decls)
            self._resolved = {rel: (p.parse_keys[rel], self._resolve_file(self._index, p, s, e))
                              for rel, s, e in p.spans}
            self._state: Derived | None = None
            self._syntax = SyntaxMemo()
            self._touched: set[int] = set()
            #: each declaration's possible instance uses (ledger/instances.py), beside ``_inputs``'
            #: possible uses from name resolution
            self._inst = Instances()
            self._derive(p)
            self.ledger = self._ledger()
            gc.freeze()  # the scan's many long-lived objects: never walked by the cyclic collector

    # ------------------------------------------------------------------ steps
    def _prepare(self, progress: Progress | None = None) -> Prepared:
        diags = sorted(self.file_diags, key=lambda d: (d.file or "", d.code, d.message))
        p = prepare(self.files, config=self.config, cache=self.cache, jobs=self.jobs, progress=progress,
                    diagnostics=[*self.other_diags, *diags], known_keys=(self.commands, self.keys))
        self.cache.keep(p.parse_keys.values())
        self.keys, self.commands = dict(p.parse_keys), p.commands
        return p

    def _names_of(self, p: Prepared) -> list[Signature]:
        """Each file's :func:`_signature`, kept by file and content."""
        out = []
        cache: dict[tuple[str, str], Signature] = {}
        for rel, start, end in p.spans:
            key = (rel, p.parse_keys[rel])
            sig = self._signatures.get(key)
            if sig is None:
                stored = self.cache.parsed.get(key[1])
                names = stored[1] if stored is not None else [d.name for d in p.decls[start:end]]
                sig = _signature(rel, p.decls[start:end], names)
            cache[key] = sig
            out.append(sig)
        self._signatures = cache
        return out

    @staticmethod
    def _build_index(p: Prepared) -> NameIndex:
        index = NameIndex.build(p.decls, p.members, p.aliases, p.written)
        index.file_bit, index.sees = p.file_bit, p.sees
        return index

    @staticmethod
    def _resolve_file(index: NameIndex, p: Prepared, start: int, end: int) -> FileResolution:
        out: FileResolution = []
        for d in p.decls[start:end]:
            r = index.resolve(d)
            out.append((r.uses, r.external, r.approximate, r.possible, r.possible_refs))
        return out

    def _flatten(self, p: Prepared) -> Resolved:
        out = Resolved([], [], [], [], [])
        for rel, _, _ in p.spans:
            for u, x, a, pu, pr in self._resolved[rel][1]:
                out.uses.append(u)
                out.external.append(x)
                out.approximate.append(a)
                out.possible.append(pu)
                out.possible_refs.append(pr)
        return out

    def _derive(self, p: Prepared, redo: Iterable[str] | None = None, old_index_of: Sequence[int] | None = None,
                same: bool = False) -> int:
        """Derive ``p``: in full (``redo`` None), or re-deriving what can reach a declaration whose
        own inputs changed; ``redo``: the files re-resolved; ``old_index_of``: each declaration's
        index before (``same``: the numbering is unchanged).  Returns how many were derived."""
        res = self._flatten(p)
        generation = self._syntax.generation
        effects = project_effects(p, self.cache, self._syntax, self._index)
        inp = syntax_inputs(p, res, effects)
        inst, possible, possible_refs = with_instances(p.decls, inp.uses, res.possible, res.possible_refs,
                                                       p.file_bit, p.sees)
        args = DeriveInputs(external=res.external, approximate=inp.approximate, possible=possible,
                            possible_refs=possible_refs, reasons=inp.reasons)
        if redo is None or self._state is None:
            self._state = derive_state(p.decls, inp.uses, track=True, **args)
            affected = len(p.decls)
        else:
            redo = set(redo)
            check = {i for rel, start, end in p.spans if rel in redo for i in range(start, end)}
            # project syntax: with its memo kept whole, only the re-parsed files (in ``redo``) can
            # have other effects; otherwise every declaration it touches now or touched before
            if self._syntax.generation != generation:
                check |= inp.touched
                if same:
                    check |= self._touched
                else:
                    assert old_index_of is not None
                    back = {o: i for i, o in enumerate(old_index_of) if o >= 0}
                    check |= {back[o] for o in self._touched if o in back}
            # whose possible instance uses may have changed: those that have some, now or before
            check |= inst.refs.keys()
            if same:
                check |= self._inst.refs.keys()
            else:
                assert old_index_of is not None
                back = {o: i for i, o in enumerate(old_index_of) if o >= 0}
                check |= {back[o] for o in self._inst.refs if o in back}
            self._state, changed = rederive(self._state, p.decls, inp.uses, old_of=None if same else old_index_of,
                                            check=check, **args)
            affected = len(changed)
        self._touched, self._inst = inp.touched, inst
        self._records = self._state.records
        self._derive_diag_at = _derive_diags(p.decls, self._records, range(len(p.decls)))
        self._derive_diags = [x for _, x in sorted(self._derive_diag_at.items())]
        self._inputs = Inputs(inp.uses, res.external, inp.approximate, res.possible, res.possible_refs,
                              inp.reasons)
        return affected

    def _ledger(self) -> Ledger:
        p = self._prepared
        return Ledger(source=self.source, generated=self.generated, engine=EngineInfo(),
                      records=self._records, diagnostics=p.diagnostics + self._derive_diags,
                      files=p.files, lines=p.lines)

    # ------------------------------------------------------------------ refresh
    def _relative(self, path: Path) -> str | None:
        try:
            rel = Path(os.path.abspath(path)).relative_to(Path(os.path.abspath(self.root)))
        except ValueError:
            return None
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts[:-1]):
            return None
        name = rel.as_posix()
        if name.endswith(".lean") or name in ("lakefile.toml", "lakefile.lean", "zerosorry.toml"):
            return name
        return None

    def relevant(self, path: Path) -> bool:
        """Whether a change to ``path`` can change the scan."""
        return self._relative(path) is not None

    def refresh(self, paths: Iterable[Path]) -> Refresh:
        """Bring the scan up to date after ``paths`` changed (written, created or deleted)."""
        touched: set[str] = set()
        for path in paths:
            rel = self._relative(Path(path))
            if rel is None:
                continue
            touched.add(rel)
            self._unread.discard(rel)
            self.keys.pop(rel, None)
            self.file_diags = {d for d in self.file_diags if d.file != rel}
            full = self.root / rel
            # what discovery lists as a file (os.walk: any entry but a folder, a symlink to nothing
            # included) is read, or reported unreadable as a full scan reports it
            if full.is_file() or (os.path.lexists(full) and not full.is_dir() and rel != "zerosorry.toml"):
                try:
                    self.stats[rel] = file_stat(full)
                    data = full.read_bytes()
                except OSError as exc:
                    self.files.pop(rel, None)
                    self.file_diags.add(Diagnostic("unreadable-file", f"cannot read: {exc.strerror or exc}",
                                                   rel, None, None, Severity.ERROR))
                    continue
                if rel != "zerosorry.toml":
                    self.files[rel] = data
            else:
                self.files.pop(rel, None)
                self.stats.pop(rel, None)
        if not touched:
            return Refresh([])
        if "zerosorry.toml" in touched:
            self.config = load_config(self.root)
            self.keys.clear()  # the declaring commands are part of every key
        with _no_gc():
            result = self._update(touched)
            gc.freeze()  # before the collector runs again: it need not walk the new scan
        return result

    def _update(self, touched: set[str]) -> Refresh:
        fast = self._proof_edit(touched)
        if fast is not None:
            return fast
        self._unhold()
        old_p, old_ledger = self._prepared, self.ledger
        self._fill_inputs(range(len(old_p.decls)))
        p = self._prepare()
        names = self._names_of(p)
        parsed = {rel for rel in p.parse_keys if old_p.parse_keys.get(rel) != p.parse_keys[rel]}
        renames_or_tables = (names != self._names or p.members != old_p.members
                             or p.aliases != old_p.aliases or p.written != old_p.written)
        same_files = p.file_bit == old_p.file_bit
        result = Refresh([], parsed_files=len(parsed))
        closure = _closure_key(p.decls)
        moved = closure != self._closure  # a class projection may now lead elsewhere, in any file
        same_table = same_files and not renames_or_tables and p.sees == old_p.sees and not moved
        if same_table:
            # the name table is unchanged: only the re-parsed files resolve differently
            self._index.decls = p.decls
            redo = parsed
            index = self._index
        else:
            index = self._build_index(p)
            if same_files and not moved:
                redo = self._to_resolve(old_p, p, index, parsed)
            else:
                redo, self._identities = set(p.parse_keys), None
            self._index = index
        old_resolved = self._resolved
        # a declaration is the same one when it keeps its name in the same file (a name can move
        # to another declaration: the second `b` is named `b` once the first is gone)
        new_index_of = {} if same_table else {(d.name, d.file): i for i, d in enumerate(p.decls)}
        resolved: dict[str, tuple[str, FileResolution]] = {}
        for rel, start, end in p.spans:
            if rel not in redo and same_table and rel in old_resolved:
                resolved[rel] = old_resolved[rel]  # same name table, same numbering
                continue
            if rel not in redo:
                remapped = self._remap(old_resolved.get(rel), p.parse_keys[rel], old_ledger, new_index_of)
                if remapped is not None:
                    resolved[rel] = remapped
                    continue
                redo.add(rel)
            resolved[rel] = (p.parse_keys[rel], self._resolve_file(index, p, start, end))
        self._resolved = resolved
        result.resolved_files = len(redo)
        if same_table:
            result.rederived = self._derive(p, redo, same=True)
        else:
            assert self._state is not None
            before = {named(x): i for i, x in enumerate(self._state.inputs)}  # (name, file)
            old_index_of = [before.get((d.name, d.file), -1) for d in p.decls]
            result.rederived = self._derive(p, redo, old_index_of)
        self._prepared, self._names, self._closure = p, names, closure
        self.ledger = self._ledger()
        result.changes = self._changes(old_ledger)
        return result

    def _unhold(self) -> None:
        """Restore what a stored state held back: the resolutions of the files (those of the
        files redone by proof edits since, kept meanwhile, stand over them), the names' and
        signatures' memos, and the texts of the files it left out (read again: unchanged since,
        or they would have been touched).  A proof edit reads none of them."""
        if self._held is not None:
            held, self._held = self._held, None
            since = self._resolved
            self.__dict__.update(held())
            self._resolved.update(since)
        if self._unread:  # unchanged since the state was written (a change makes a file touched)
            unread, self._unread = self._unread, set()
            for rel in sorted(unread & self.files.keys()):
                self.files[rel] = (self.root / rel).read_bytes()
            p = self._prepared
            self._prepared = replace(p, lean={rel: self.files[rel] if rel in unread else text
                                              for rel, text in p.lean.items()})

    def _proof_edit(self, touched: set[str]) -> Refresh | None:
        """The refresh after edits that leave every touched file's :func:`_interface` as it was
        (a proof edit): only those files are re-parsed, re-resolved and have the project's
        syntax applied again, and only the declarations that can reach theirs are re-derived.
        None when the edit is not one (the full refresh runs)."""
        p = self._prepared
        if self._state is None or not touched or any(
                rel not in p.parse_keys or rel not in self.files or may_define_commands(self.files[rel])
                or may_define_commands(p.lean[rel]) for rel in touched):
            return None
        if self.keys.keys() != p.parse_keys.keys() - touched:
            return None  # a refresh that failed half-way, or a changed configuration
        spans = {rel: (s, e) for rel, s, e in p.spans if rel in touched}
        renamed = {i for _, i in p.written}
        dup_names = {n for n, _ in p.written}
        keys = {rel: _cache_key(self.files[rel], self.commands) for rel in touched}
        changed = {rel for rel in touched if keys[rel] != p.parse_keys[rel]}
        if not changed:  # saved with the same bytes: nothing to do
            self.keys.update(keys)
            return Refresh([], proof_edit=True)
        others = {k for rel, k in p.parse_keys.items() if rel not in changed}
        if any(keys[rel] in others for rel in changed):
            return None  # bytes another file has: the two would share one parse
        got = parse_all({rel: self.files[rel] for rel in changed}, cache=self.cache,
                        config=replace(self.config, declaring_commands=self.commands),
                        keys={rel: keys[rel] for rel in changed})
        libs = read_lakefile(self.files)[0]
        reach = {name: (refs, sig) for name, refs, sig in self._closure}  # read by instance_closure
        fresh: dict[str, list[Declaration]] = {}
        olds: dict[str, ParsedFile] = {}
        for rel in sorted(changed):
            start, end = spans[rel]
            old_pf, pf = p.parsed.get(rel) or self._parsed_at(p.parse_keys[rel]), got[rel]
            if old_pf is None or pf is old_pf or len(pf.declarations) != end - start or any(
                    start <= i < end for i in renamed):
                return None
            olds[rel] = old_pf
            for d in pf.declarations:
                # the references of an instance, or of what one leads to, changed: where a class
                # projection (`≤`) may lead changes, in every file
                read = reach.get(d.name)
                if (read is None and d.kind == "instance") or (read is not None and read != (tuple(d.refs), d.signature)):
                    return None
            module, examples = module_name(rel, libs), dict[str, int]()
            for d in pf.declarations:
                d.file = rel
                if d.kind == "example":
                    d.name = example_name(module, d, examples)
            names = [d.name for d in p.decls[start:end]]
            if dup_names & set(names) or _interface(old_pf, names) != _interface(pf, [d.name for d in pf.declarations]):
                return None
            fresh[rel] = pf.declarations
        # from here on the edit is a proof edit: the scan is brought up to date in place
        self._fill_inputs(i for rel in changed for i in range(*spans[rel]))
        old_records = self._records
        decls = p.decls.copy()  # (a stored state's: zerosorry.warm.StoredDeclarations)
        old_decls = p.decls
        parsed, lean, parse_keys = dict(p.parsed), dict(p.lean), dict(p.parse_keys)
        diags = list(p.diagnostics)
        lines = p.lines
        for rel in sorted(changed):
            start, end = spans[rel]
            old_pf, pf = olds[rel], got[rel]
            gone = [replace(x, file=rel) for x in old_pf.diagnostics] + _decode_diagnostics(rel, p.lean[rel])
            for x in gone:
                diags.remove(x)
            diags.extend([replace(x, file=rel) for x in pf.diagnostics] + _decode_diagnostics(rel, self.files[rel]))
            decls[start:end] = fresh[rel]
            parsed[rel], lean[rel], parse_keys[rel] = pf, self.files[rel], keys[rel]
            lines += pf.lines - old_pf.lines
        p = replace(p, decls=decls, parsed=parsed, lean=lean, parse_keys=parse_keys, diagnostics=diags, lines=lines)
        self.keys.update(keys)
        self.cache.keep(parse_keys.values())
        index = self._index
        index.decls = decls
        inp = self._inputs
        generation = self._syntax.generation
        table = self._syntax.table
        assert table is not None
        check: set[int] = set()
        # each edited declaration as it was, with its uses: what the instance pass compares
        before = {i: (old_decls[i], [*inp.uses[i], *inp.possible[i]])
                  for rel in changed for i in range(*spans[rel])}
        for rel in sorted(changed):
            start, end = spans[rel]
            resolution = self._resolve_file(index, p, start, end)
            self._resolved[rel] = (keys[rel], resolution)
            effects = apply_syntax(table, decls, [(rel, start, end)], parsed, lean, p.file_bit, p.sees,
                                   lambda: index, p.learned, parse_keys, self.cache, self._syntax)
            for i, (u, ext, a, pu, pr) in enumerate(resolution, start):
                extra = effects.uses.get(i)
                inp.uses[i] = sorted(set(u) | (extra - {i})) if extra is not None else u
                inp.approximate[i] = [*a, *effects.notes[i]] if i in effects.notes else a
                inp.reasons[i] = "; ".join(effects.reasons[i]) if i in effects.reasons else None
                inp.external[i], inp.possible[i], inp.possible_refs[i] = ext, pu, pr
            self._touched = {i for i in self._touched if not start <= i < end} | effects.touched
            check.update(range(start, end))
        assert self._syntax.generation == generation, "a proof edit changed the project syntax's memo"
        # possible instance uses: first the edited declarations' own, the instances not proven
        # taken to be as they were; when the derivation finds otherwise, all of them again
        edges = Joined(inp.uses, inp.possible)
        prev = self._inst
        uses = refresh_uses(prev, decls, edges, p.file_bit, p.sees, before)
        affected: set[int] = set()
        for _ in range(2):
            full = uses is None
            if uses is None:
                inst = instance_uses(decls, edges, p.file_bit, p.sees)
                check |= inst.uses.keys() | self._inst.uses.keys()
            else:
                inst = replace(prev, uses=uses)
            refs = inst.refs
            self._fill_inputs(check)
            self._inst = inst
            self._state, done = rederive(self._state, decls, inp.uses, external=inp.external,
                                         approximate=inp.approximate, possible=Merged(inp.possible, inp.possible_refs, refs, False),
                                         possible_refs=Merged(inp.possible, inp.possible_refs, refs, True),
                                         reasons=inp.reasons, check=check)
            affected |= done
            st = self._state
            if full or unproven(prev.ids, st.dist, st.axioms, st.trusts) == prev.bad:
                break
            uses, check = None, set()
        self._records = self._state.records
        if affected:
            for i in affected:
                self._derive_diag_at.pop(i, None)
            self._derive_diag_at.update(_derive_diags(decls, self._records, affected))
            self._derive_diags = [x for _, x in sorted(self._derive_diag_at.items())]
        self._prepared = p
        self.ledger = self._ledger()
        changes = []
        held = self._held_back()
        for i in sorted(affected):
            was, r = old_records[i], self._records[i]
            if was.status is not r.status:
                changes.append(Change(r.name, r.file, r.line, was.status, r.status,
                                      held(r.name) if r.status is not Status.PROVEN else ()))
        changes.sort(key=lambda c: (c.file, c.line, c.name))
        return Refresh(changes, parsed_files=len(changed), resolved_files=len(changed), rederived=len(affected),
                       proof_edit=True)

    def _parsed_at(self, key: str) -> ParsedFile | None:
        """The parse of the bytes with parse key ``key``, as parsed (a stored state keeps no
        parses: zerosorry.warm), from the parse cache (None: not there)."""
        kept = self.cache.parsed.get(key)
        if kept is not None:
            return kept[0]
        backing = self.cache.backing
        return backing.get_many([key]).get(key) if backing is not None else None

    def _fill_inputs(self, ids: Iterable[int]) -> None:
        """The derivation's record of each declaration's own inputs, for ``ids``, where a stored
        state left it out (zerosorry.warm): recomputed from the declarations and the inputs as
        last derived, exactly as the derivation made it."""
        st, inp = self._state, self._inputs
        assert st is not None
        if None not in st.inputs:
            return
        decls = self._prepared.decls
        for i in ids:
            if st.inputs[i] is None:
                refs = inp.possible_refs[i]
                st.inputs[i] = own_inputs(decls, i, st.certain[i], st.maybe[i],
                                          [*refs, *self._inst.refs[i]] if i in self._inst.refs else refs,
                                          inp.external[i], inp.approximate[i], inp.reasons[i])

    def _to_resolve(self, old: Prepared, new: Prepared, index: NameIndex, parsed: set[str]) -> set[str]:
        """Files whose resolution the name-table change can alter (see the module's docstring)."""
        before = self._identities
        if before is None:
            before = _identities(old, self._index.by_name, [r.name for r in self.ledger.records])
        after = self._identities = _identities(new, index.by_name, [d.name for d in new.decls])
        changed = {n for n in before.keys() | after.keys() if before.get(n) != after.get(n)}
        lasts = {n.rpartition(".")[2] for n in changed}
        redo = set(parsed)
        for rel, start, end in new.spans:
            if rel in redo:
                continue
            if new.sees.get(rel) != old.sees.get(rel):
                redo.add(rel)
                continue
            key = new.parse_keys[rel]
            comps = self.components.get(key)
            if comps is None:
                comps = self.components[key] = _components(new.decls[start:end])
            if not comps.isdisjoint(lasts):
                redo.add(rel)
        live = set(new.parse_keys.values())
        self.components = {k: v for k, v in self.components.items() if k in live}
        return redo

    @staticmethod
    def _remap(stored: tuple[str, FileResolution] | None, key: str, old: Ledger,
               new_index_of: dict[tuple[str, str], int]) -> tuple[str, FileResolution] | None:
        """A file's stored resolution in the new declaration numbering (None: cannot reuse)."""
        if stored is None or stored[0] != key:
            return None

        def mapped(ids: Iterable[int]) -> list[int]:
            return [new_index_of.get((old.records[j].name, old.records[j].file), -1) for j in ids]

        out: FileResolution = []
        for uses, x, a, possible, refs in stored[1]:
            u, pu = mapped(uses), mapped(possible)
            pr = [(ref, tuple(mapped(cands))) for ref, cands in refs]
            if -1 in u or -1 in pu or any(-1 in c for _, c in pr):
                return None
            out.append((u, x, a, pu, pr))
        return key, out

    def _changes(self, old: Ledger) -> list[Change]:
        """The status differences, by ledger name, between ``old`` and the current ledger (a
        name that came or went counts as a change)."""
        held = self._held_back()
        before = {r.name: r for r in old.records}
        out = []
        for r in self.ledger.records:
            was = before.pop(r.name, None)
            if was is None or was.status is not r.status:
                out.append(Change(r.name, r.file, r.line, was.status if was else None, r.status,
                                  held(r.name) if r.status is not Status.PROVEN else ()))
        out.extend(Change(r.name, r.file, r.line, r.status, None) for r in before.values())
        out.sort(key=lambda c: (c.file, c.line, c.name))
        return out

    def _held_back(self) -> Callable[[str], tuple[str, ...]]:
        """name -> the load-bearing entries whose (unproven) derivation reaches it."""
        entries = self.manifest.entries if self.manifest else ()
        if not entries:
            return lambda name: ()
        by_name = {r.name: r for r in self.ledger.records}
        reach: dict[str, set[str]] = {}

        def derivation(n: str) -> set[str]:
            if n not in reach:
                seen = {n}
                stack = [n]
                while stack:
                    r = by_name.get(stack.pop())
                    for u in r.uses if r else ():
                        if u not in seen:
                            seen.add(u)
                            stack.append(u)
                reach[n] = seen
            return reach[n]

        def held(name: str) -> tuple[str, ...]:
            return tuple(sorted({e.id for e in entries for n in e.lean
                                 if n in by_name and by_name[n].status is not Status.PROVEN
                                 and name in derivation(n)}))
        return held

    def close(self) -> None:
        self.cache.close()
