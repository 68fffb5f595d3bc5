"""The lean engine: exact proof status from the project's own Lean toolchain.

Three steps, each under one overall deadline:

1. ``lake build [targets]``, its output streamed line by line to ``progress``; its
   ``declaration uses 'sorry'`` warnings and its errors are parsed with file, line and column
   (:mod:`zerosorry.lean.leanout`).  A build that fails because of errors in the project's
   own files is data: those declarations are deferred with the compiler's message as
   ``Record.reason``.  A build that fails with no such error (a broken lakefile, a
   dependency that cannot be fetched) is a failure of the engine.
2. The ``.ilean`` files Lake wrote (:mod:`zerosorry.lean.ilean`): the exact names and
   positions of the declarations and the references between them.
3. One query file, without a ``module`` header, importing every module that built and
   holding one ``#print axioms X`` per declaration, run once with ``lake env lean``.
   ``sorryAx`` means deferred; ``Lean.ofReduceBool``, ``Lean.ofReduceNat``, ``Lean.trustCompiler`` and the
   per-use ``._native.`` axioms are trust extensions; ``propext``, ``Classical.choice`` and
   ``Quot.sound`` are ignored; any other axiom is listed.

:func:`apply_engine` is the entry point.  It never mutates the source ledger it is given and
never hangs: every process runs in its own process group, killed at the deadline.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from ..errors import InputError
from ..ledger.derive import WANTED_KINDS
from ..ledger.model import (
    Diagnostic,
    Disagreement,
    EngineInfo,
    Ledger,
    Record,
    Severity,
    Status,
)
from ..ledger.possible import INSTANCE_STEP, possible_steps
from .ilean import IleanDecl, build_dirs, load_ileans
from .leanout import (
    AxiomAnswer,
    LeanMessage,
    canonical_name,
    classify_axioms,
    escape_name,
    is_queryable,
    parse_axiom_answers,
    parse_build_log,
    parse_progress,
    split_name,
    strip_ansi,
)

ENGINES = ("source", "lean", "both", "auto")
LAKEFILES = ("lakefile.lean", "lakefile.toml")
QUERY_FILE = "ZerosorryAxiomsQuery.lean"

Progress = Callable[[str], None]


class LeanEngineError(Exception):
    """The lean engine could not produce a verdict (no lake, a failed build, a timeout)."""


# ----------------------------------------------------------------------------- processes
@dataclass
class ProcessResult:
    returncode: int | None  # None: killed at the deadline
    output: str
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """Stop the process and everything it started (it leads its own process group)."""
    for sig, wait in ((signal.SIGTERM, 1.0), (signal.SIGKILL, 2.0)):
        try:
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, sig)
            else:  # pragma: no cover - not POSIX
                proc.kill()
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_streaming(cmd: Sequence[str], cwd: Path, timeout: float | None,
                  on_line: Progress | None = None) -> ProcessResult:
    """Run ``cmd`` with stdout and stderr merged, handing each line to ``on_line`` as it
    arrives; at ``timeout`` seconds kill its whole process group and return
    ``returncode=None``.  A missing executable raises :class:`LeanEngineError`."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, text=True, encoding="utf-8", errors="replace",
            bufsize=1, start_new_session=True,
        )
    except FileNotFoundError as exc:
        raise LeanEngineError(f"cannot run `{cmd[0]}`: not found") from exc
    except OSError as exc:
        raise LeanEngineError(f"cannot run `{cmd[0]}`: {exc}") from exc
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                lines.put(line)
        except (OSError, ValueError):
            pass
        finally:
            lines.put(None)

    reader = threading.Thread(target=pump, name="zerosorry-lake-output", daemon=True)
    reader.start()

    def finish(*, kill: bool) -> None:
        """Stop the process group (when asked), then let the reader drain and close the pipe."""
        if kill:
            _kill_group(proc)
        reader.join(timeout=2.0)
        if proc.stdout is not None:
            with contextlib.suppress(OSError):
                proc.stdout.close()

    out: list[str] = []
    deadline = None if timeout is None else start + max(timeout, 0.0)
    timed_out = False
    try:
        while True:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                timed_out = True
                break
            try:
                item = lines.get(timeout=wait)
            except queue.Empty:
                timed_out = True
                break
            if item is None:
                break
            out.append(item)
            if on_line is not None:
                text = strip_ansi(item).rstrip("\n")
                if text.strip():
                    on_line(text)
    except BaseException:
        # Ctrl-C reaches only the terminal's process group, not the session lake runs in
        finish(kill=True)
        raise
    if timed_out:
        finish(kill=True)
        while True:  # keep what arrived before the kill
            try:
                item = lines.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                out.append(item)
        return ProcessResult(None, "".join(out), time.monotonic() - start)
    try:  # the output ended; the process may not have (it closed its pipe and kept running)
        rc = proc.wait(timeout=None if deadline is None else max(deadline - time.monotonic(), 0.0))
    except subprocess.TimeoutExpired:
        finish(kill=True)
        return ProcessResult(None, "".join(out), time.monotonic() - start)
    finish(kill=False)
    return ProcessResult(rc, "".join(out), time.monotonic() - start)


# ------------------------------------------------------------------------------ helpers
def lakefile(root: Path) -> Path | None:
    for name in LAKEFILES:
        if (root / name).is_file():
            return root / name
    return None


def lean_version(root: Path) -> str | None:
    """The toolchain the project pins (``lean-toolchain``), e.g. ``leanprover/lean4:v4.18.0``."""
    try:
        text = (root / "lean-toolchain").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text.splitlines()[0].strip() if text else None


def unavailable_reason(root: Path, lake: str) -> str | None:
    """Why the lean engine cannot run here, or None when it can."""
    if shutil.which(lake) is None:
        return f"`{lake}` is not on PATH (no Lean toolchain; install elan to use the lean engine)"
    if lakefile(root) is None:
        return f"{root} has no lakefile.lean or lakefile.toml: not a Lake project"
    return None


def _rel(path: str, root: Path, files: set[str]) -> str | None:
    """A path Lean or Lake printed, as the ledger's project-relative path (or None)."""
    p = path.replace("\\", "/")
    if os.path.isabs(p):
        try:
            p = Path(p).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return None
    while p.startswith("./"):
        p = p[2:]
    p = PurePosixPath(p).as_posix()
    if p in files:
        return p
    if ".lake/" in p or "lake-packages/" in p or p.startswith("/"):
        return None  # a dependency's file, never the project's
    for f in files:  # printed relative to another directory: match the longest suffix
        if f.endswith("/" + p) or p.endswith("/" + f):
            return f
    return None


_IMPORT = re.compile(r"^\s*(?:public\s+|private\s+)?(?:meta\s+)?import\s+(?:all\s+)?(.+?)\s*(?:--.*)?$")


def _source_imports(root: Path, file: str) -> list[str]:
    try:
        text = (root / file).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    out: list[str] = []
    for line in text.splitlines():
        m = _IMPORT.match(line)
        if m:
            out.extend(m.group(1).split())
    return out


def _strip_prefix(file: str, prefixes: Iterable[str]) -> str:
    """``src/A/B.lean`` -> ``A/B.lean`` when other modules live under ``src/`` (a srcDir)."""
    for p in sorted(prefixes, key=len, reverse=True):
        if p and file.startswith(p):
            return file[len(p):]
    return file


def _path_of_module(module: str) -> str:
    """``Demo.«My-File»`` -> ``Demo/My-File.lean``: the file a module name (as Lean prints it) is."""
    return "/".join(split_name(module)) + ".lean"


def _module_of(file: str) -> str:
    return file[: -len(".lean")].replace("/", ".") if file.endswith(".lean") else file


@dataclass
class _Evidence:
    """What Lean said about one declaration."""

    answer: AxiomAnswer | None = None
    errors: list[LeanMessage] = field(default_factory=list)
    sorry_warnings: list[LeanMessage] = field(default_factory=list)
    no_answer: str | None = None  # why there is no #print axioms answer
    lean_uses: set[str] = field(default_factory=set)  # project declarations per the ileans


@dataclass
class LeanRun:
    """Everything the lean engine learned, before it becomes a ledger."""

    records: list[Record]
    evidence: dict[int, _Evidence]  # by id() of the record
    diagnostics: list[Diagnostic]
    lean_only: set[str]


class _Locator:
    """The innermost record around a line of a file, in logarithmic time for the common case."""

    def __init__(self, records: Iterable[Record]) -> None:
        groups: dict[str, list[Record]] = {}
        for r in records:
            groups.setdefault(r.file, []).append(r)
        self._by_file: dict[str, tuple[list[int], list[int], list[Record]]] = {}
        for f, rs in groups.items():
            rs.sort(key=lambda r: (r.line, -r.end_line))
            maxend: list[int] = []
            for r in rs:
                maxend.append(max(r.end_line, maxend[-1] if maxend else 0))
            self._by_file[f] = ([r.line for r in rs], maxend, rs)

    def innermost(self, file: str | None, line: int | None) -> Record | None:
        if file is None or line is None or file not in self._by_file:
            return None
        starts, maxend, rs = self._by_file[file]
        i = bisect.bisect_right(starts, line) - 1
        while i >= 0 and maxend[i] >= line:
            if rs[i].end_line >= line:
                return rs[i]
            i -= 1
        return None


# ------------------------------------------------------------------------------- engine
def run_lean(source: Ledger, root: Path, *, targets: Sequence[str] = (),
             timeout: float | None = 1800, lake: str = "lake",
             progress: Progress | None = None) -> LeanRun:
    """Build, read the ileans, ask ``#print axioms``; raise :class:`LeanEngineError` when
    Lean gives no verdict at all."""
    say = progress or (lambda _line: None)
    deadline = None if timeout is None else time.monotonic() + timeout

    def remaining() -> float | None:
        return None if deadline is None else max(deadline - time.monotonic(), 0.0)

    records = [replace(r, uses=list(r.uses), via=list(r.via), axioms=list(r.axioms),
                       trusts=list(r.trusts), approximate=list(r.approximate))
               for r in source.records]
    files = {r.file for r in records}
    diags: list[Diagnostic] = []

    # 1. lake build ------------------------------------------------------------------
    cmd = [lake, "build", *targets]
    say(f"lean engine: {' '.join(cmd)}")

    def forward(line: str) -> None:
        if parse_progress(line) is not None or line.startswith(("error", "warning")):
            say(line)

    build = run_streaming(cmd, root, remaining(), forward)
    if build.timed_out:
        raise LeanEngineError(
            f"`{' '.join(cmd)}` did not finish within {timeout:g} s and was stopped "
            "(raise --lean-timeout, or build once with `lake build` first)")
    log = parse_build_log(build.output)
    rel_cache: dict[str, str | None] = {}
    for m in log.messages:
        if m.file is not None:
            if m.file not in rel_cache:
                rel_cache[m.file] = _rel(m.file, root, files)
            m.file = rel_cache[m.file] or m.file
    errors = [m for m in log.errors if m.file in files]
    sorries = [m for m in log.sorry_warnings if m.file in files]
    tail = "; ".join(m.first_line for m in log.errors[-3:]) or \
        " | ".join(build.output.strip().splitlines()[-3:]) or "no output"
    for m in errors:
        diags.append(Diagnostic("lean-error", m.text.strip(), m.file, m.line, m.column,
                                Severity.ERROR))

    # 2. ileans ----------------------------------------------------------------------
    ileans, problems = load_ileans(root)
    for p in problems:
        diags.append(Diagnostic("lean-ilean-unreadable", p, severity=Severity.WARNING))
    file_of_module: dict[str, str] = {}
    for mod in ileans:
        parts = _path_of_module(mod)
        hit = parts if parts in files else next(
            (f for f in files if f.endswith("/" + parts)), None)
        if hit is not None:
            file_of_module[mod] = hit
    if not ileans:  # an old toolchain without ileans: fall back to the .olean files
        for fname in files:
            mod = _module_of(fname)
            for bdir in build_dirs(root):
                if (bdir / (mod.replace(".", "/") + ".olean")).is_file():
                    file_of_module[mod] = fname
                    break
    module_of_file = {f: m for m, f in file_of_module.items()}
    if not file_of_module:
        raise LeanEngineError(
            "`lake build` left no .ilean or .olean of the project's files under "
            ".lake/build/lib/lean (are they in a default target? pass targets explicitly)")

    # modules that failed, and every module importing one of them, cannot be imported
    failed_files = {m.file for m in errors if m.file is not None}
    prefixes = {f[: len(f) - len(_path_of_module(m))] for m, f in file_of_module.items()}
    blocked = {module_of_file.get(f) or _module_of(_strip_prefix(f, prefixes)) for f in failed_files}
    # a module can fail with no positioned error (Lean crashed, a bad import): Lake's ✖ lines
    # and its list of failed targets name it; its declarations were not checked by Lean
    captions = {p.caption.split(":", 1)[0].strip() for p in log.progress if p.failed}
    captions |= {c.split(":", 1)[0].strip() for c in log.failed_targets}
    failed_unlocated = sorted(m for m in file_of_module if m in captions and file_of_module[m] not in failed_files)
    blocked.update(failed_unlocated)
    if build.returncode != 0 and not errors and not failed_unlocated:
        raise LeanEngineError(f"`{' '.join(cmd)}` failed (exit {build.returncode}) "
                              f"without a Lean error in the project's files: {tail}")
    imports = {mod: (ileans[mod].imports if mod in ileans and ileans[mod].imports
                     else _source_imports(root, f)) for mod, f in file_of_module.items()}
    changed = True
    while changed:
        changed = False
        for mod, imps in imports.items():
            if mod not in blocked and any(i in blocked for i in imps):
                blocked.add(mod)
                changed = True
    importable = sorted(m for m in file_of_module if m not in blocked)

    # names Lean knows, by position: correct guessed names, find declarations unseen
    by_name = {canonical_name(r.name): r for r in records}
    recs_by_file: dict[str, list[Record]] = {}
    for r in records:
        recs_by_file.setdefault(r.file, []).append(r)
    lean_only: set[str] = set()
    # a record whose name Lean does not know, where Lean declares a name the source engine does
    # not know (a guessed instance name): Lean's earliest such declaration names it
    candidates: dict[int, tuple[Record, list[IleanDecl]]] = {}
    for mod, il in sorted(ileans.items()):
        mfile = file_of_module.get(mod)
        if mfile is None:
            continue
        frecs = recs_by_file.get(mfile, [])
        for d in il.decls.values():
            if d.name in by_name or any(p.startswith("_") for p in split_name(d.name)):
                continue
            at_line = [r for r in frecs if r.line <= d.line <= r.end_line]
            if not at_line:
                rec = Record(name=escape_name(d.name), kind="declaration", status=Status.PROVEN,
                             file=mfile,
                             line=d.line, end_line=d.range_end_line or d.line, signature="",
                             docstring=None, approximate=[
                                 "seen only by the lean engine (.ilean): the source engine did not "
                                 "find this declaration (a macro or an unknown command makes it)"])
                records.append(rec)
                by_name[d.name] = rec
                lean_only.add(rec.name)
                diags.append(Diagnostic(
                    "lean-only-declaration",
                    f"Lean declares {d.name} here; the source engine did not see it",
                    mfile, d.line, d.column, Severity.INFO))
                continue
            r = max(at_line, key=lambda x: x.line)
            if d.line <= r.line + 3 and canonical_name(r.name) not in il.decls and r.kind != "example":
                candidates.setdefault(id(r), (r, []))[1].append(d)
    renamed: dict[str, str] = {}
    for r, ds in candidates.values():
        d = min(ds, key=lambda x: (x.line, x.column, len(x.name)))
        if d.name in by_name:  # already taken (by a lean-only record or another rename)
            continue
        old, new = r.name, escape_name(d.name)
        r.approximate.append(f"Lean's name for it is {new} (the source engine guessed {old})")
        r.name = new
        if by_name.get(canonical_name(old)) is r:
            del by_name[canonical_name(old)]
        by_name[d.name] = r
        renamed[old] = new
    if renamed:
        for r in records:
            r.uses = sorted({renamed.get(u, u) for u in r.uses})
            r.via = [renamed.get(v, v) for v in r.via]

    evidence: dict[int, _Evidence] = {id(r): _Evidence() for r in records}
    locate = _Locator(records)
    for m in errors:  # a message belongs to the innermost declaration around it
        holder = locate.innermost(m.file, m.line)
        if holder is not None:
            evidence[id(holder)].errors.append(m)
    for m in sorries:
        holder = locate.innermost(m.file, m.line)
        if holder is not None:
            evidence[id(holder)].sorry_warnings.append(m)
    for mod in failed_unlocated:
        mfile = file_of_module[mod]
        crash = LeanMessage("error", f"module {mod} failed to build, with no error at a position "
                                     f"(Lean may have crashed): {tail}", mfile)
        diags.append(Diagnostic("lean-module-failed", crash.text, mfile, None, None, Severity.ERROR))
        for r in recs_by_file.get(mfile, []):
            evidence[id(r)].errors.append(crash)
    for mod, il in ileans.items():
        mfile = file_of_module.get(mod)
        if mfile is None:
            continue
        for parent, used in il.uses().items():
            prec = by_name.get(parent)
            if prec is None:
                continue
            evidence[id(prec)].lean_uses.update(
                by_name[u].name for u in used if u in by_name and by_name[u] is not prec)
        if il.version < 2 or not any(r.parent for r in il.refs):
            # no enclosing-declaration data: attribute each reference by its position
            for ref in il.refs:
                target = by_name.get(ref.name)
                holder = locate.innermost(mfile, ref.line)
                if target is not None and holder is not None and holder is not target:
                    evidence[id(holder)].lean_uses.add(target.name)

    # 3. #print axioms ---------------------------------------------------------------
    queried: dict[int, Record] = {}
    lines = [f"import {escape_name(m)}" for m in importable]
    lines.append("")
    for r in records:
        rmod = module_of_file.get(r.file)
        why = None
        if r.kind == "example":
            continue
        if r.kind in WANTED_KINDS:
            evidence[id(r)].no_answer = "proof_wanted adds no declaration to ask about"
            continue
        if rmod is None:
            why = "its file was not built (not in a built target)"
        elif rmod in blocked:
            why = (f"module {rmod} did not compile" if r.file in failed_files
                   else f"module {rmod} imports a module that did not compile")
        elif not is_queryable(r.name) or "private" in r.modifiers:
            why = "a private or generated name cannot be named from another file"
        if why is not None:
            evidence[id(r)].no_answer = why
            continue
        lines.append(f"#print axioms {escape_name(r.name)}")
        queried[len(lines)] = r
    answers: dict[str, AxiomAnswer] = {}
    if queried:
        say(f"lean engine: asking Lean for the axioms of {len(queried)} declarations")
        with tempfile.TemporaryDirectory(prefix="zerosorry-lean-") as tmp:
            qpath = Path(tmp) / QUERY_FILE
            qpath.write_text("\n".join(lines) + "\n", encoding="utf-8")
            qcmd = [lake, "env", "lean", str(qpath)]
            res = run_streaming(qcmd, root, remaining())
        if res.timed_out:
            raise LeanEngineError(
                f"`{lake} env lean` (the #print axioms query) did not finish within the "
                f"{timeout:g} s budget and was stopped")
        in_order = parse_axiom_answers(res.output)
        for a in in_order:
            answers[a.name] = a
        qlog = parse_build_log(res.output)
        qerrors = [m for m in qlog.errors if m.file is not None and m.file.endswith(QUERY_FILE)]
        for m in qerrors:
            qr = queried.get(m.line or -1)
            if qr is not None:
                evidence[id(qr)].no_answer = f"#print axioms failed: {m.first_line}"
        if not answers and res.returncode != 0:
            first = next((m.first_line for m in qlog.errors), None) or \
                " | ".join(res.output.strip().splitlines()[:3]) or "no output"
            raise LeanEngineError(f"`{lake} env lean` could not run the #print axioms query "
                                  f"(exit {res.returncode}): {first}")
        # Lean prints the name it resolved (`_root_.A.b` answers as `A.b`): when every query
        # that did not fail has exactly one answer, answers and queries align by position
        failed_lines = {m.line for m in qerrors}
        ok = [r for line, r in sorted(queried.items()) if line not in failed_lines]
        by_position = dict(zip(map(id, ok), in_order, strict=False)) \
            if len(ok) == len(in_order) else {}
        for r in queried.values():
            ans = answers.get(canonical_name(r.name)) or by_position.get(id(r))
            if ans is not None:
                evidence[id(r)].answer = ans
            elif evidence[id(r)].no_answer is None:
                evidence[id(r)].no_answer = "Lean printed no answer for it"
    missing = sorted(r.name for r in records
                     if evidence[id(r)].answer is None and evidence[id(r)].no_answer)
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        diags.append(Diagnostic(
            "lean-no-answer",
            f"{len(missing)} declarations have no #print axioms answer ({shown}); their "
            "status comes from Lean's warnings and errors, else from the source engine",
            severity=Severity.INFO))
    return LeanRun(records, evidence, diags, lean_only)


def _first_error(ev: _Evidence) -> str:
    m = ev.errors[0]
    text = " ".join(m.text.split())
    if len(text) > 400:
        text = text[:397] + "..."
    return text


def _verdicts(run: LeanRun, source: Ledger) -> list[Record]:
    """Lean's statuses on copies of the records; a declaration without an answer keeps the
    verdict of its own warnings and errors, else the source engine's (with a note)."""
    src = {r.name: r for r in source.records}
    by_name = {r.name: r for r in run.records}
    answered: set[str] = set()
    for r in run.records:
        ev = run.evidence[id(r)]
        was_stub = r.status is Status.STUB
        if ev.errors:
            r.reason = f"does not compile: {_first_error(ev)}"
        if ev.answer is not None:
            answered.add(r.name)
            cls = classify_axioms(ev.answer.axioms)
            own = canonical_name(r.name)
            if own in ev.answer.axioms:
                r.status = Status.AXIOM
            elif cls.sorry:
                r.status = Status.STUB if was_stub else Status.DEFERRED
            else:
                r.status = Status.PROVEN
            r.axioms = sorted(cls.project)
            r.trusts = sorted(cls.trusts)
        elif ev.errors or ev.sorry_warnings:
            answered.add(r.name)
            r.status = Status.STUB if was_stub else Status.DEFERRED
        elif r.kind == "example":
            pass  # nothing to ask: as the source says, unless what it uses turns out deferred
        elif r.name in run.lean_only:  # no source verdict to fall back on: not shown proven
            r.status = Status.DEFERRED
            r.approximate.append(f"lean engine: no #print axioms answer ({ev.no_answer}); "
                                 "Lean gave no verdict, so it is not counted as proven")
        else:
            r.approximate.append(f"lean engine: no #print axioms answer ({ev.no_answer}); "
                                 "status from the source engine")
        r.uses = sorted(set(r.uses) | ev.lean_uses)
    deferred = (Status.DEFERRED, Status.STUB)
    users: dict[str, list[str]] = {}  # reverse edges
    for r in run.records:
        for u in r.uses:
            if u in by_name and u != r.name:
                users.setdefault(u, []).append(r.name)
    # an unanswered declaration using a deferred one is deferred
    todo = deque(r.name for r in run.records if r.status in deferred)
    while todo:
        n = todo.popleft()
        for p in users.get(n, ()):
            q = by_name[p]
            if q.name not in answered and q.status is Status.PROVEN:
                q.status = Status.DEFERRED
                todo.append(p)
    # via: the shortest chain to a declaration holding a sorry or an error itself, by one
    # breadth-first search from all of them along reverse edges
    holders = sorted(r.name for r in run.records
                     if r.status in deferred and (
                         run.evidence[id(r)].errors or run.evidence[id(r)].sorry_warnings
                         or (r.name in src and src[r.name].sorry_lines)))
    nxt: dict[str, str | None] = {h: None for h in holders}
    todo = deque(holders)
    while todo:
        n = todo.popleft()
        for p in users.get(n, ()):
            if p not in nxt and by_name[p].status in deferred:
                nxt[p] = n
                todo.append(p)
    for r in run.records:
        if r.status is not Status.DEFERRED:
            r.via = []
            continue
        chain = [r.name]
        step = nxt.get(r.name)
        while step is not None:
            chain.append(step)
            step = nxt.get(step)
        r.via = chain
    return run.records


def likely_cause(src: Record, lean: Record, ev: _Evidence, lean_by_name: dict[str, Record],
                 src_by_name: dict[str, Record],
                 deferred_instances: Sequence[str] | None = None) -> str:
    """A one-line explanation of why the engines disagree, from the evidence at hand."""
    s, ls = src.status, lean.status
    deferred = (Status.DEFERRED, Status.STUB)
    if ls in deferred and s not in deferred:
        if ev.errors:
            m = ev.errors[0]
            return (f"compile error: Lean reports an error at {m.file}:{m.line}"
                    f"{'' if m.column is None else f':{m.column}'} ({m.first_line.strip()}); "
                    "a proof that does not compile is elaborated with sorry")
        if ev.sorry_warnings and not src.sorry_lines:
            m = ev.sorry_warnings[0]
            return (f"macro expanding to sorry: Lean reports `declaration uses 'sorry'` at "
                    f"{m.file}:{m.line}, but the source has no sorry token there (a macro, "
                    "notation or tactic produces it)")
        unresolved = sorted(u for u in ev.lean_uses
                            if u not in src.uses and u in lean_by_name
                            and lean_by_name[u].status in deferred)
        if unresolved:
            return (f"unresolved name: Lean's references show it uses {', '.join(unresolved[:3])} "
                    "(deferred), which the source engine did not resolve")
        through = sorted(u for u in lean.uses if u in lean_by_name and u != lean.name
                         and lean_by_name[u].status in deferred
                         and (u not in src_by_name or src_by_name[u].status not in deferred))
        if through:
            return (f"depends on {through[0]}, which Lean finds deferred and the source "
                    "engine does not")
        if ev.answer is None:
            return "Lean gave no answer for it; it uses a declaration Lean finds deferred"
        instances = (sorted(r.name for r in lean_by_name.values()
                            if r.kind == "instance" and r.status in deferred)
                     if deferred_instances is None else list(deferred_instances))
        if instances:
            return ("implicit instance: #print axioms reaches sorryAx through no name written in "
                    "its source; deferred instances type-class search can pick: "
                    + ", ".join(instances[:3]))
        return ("implicit dependency: #print axioms reaches sorryAx through no name written in "
                "its source (an instance found by type-class search, a coercion, a default "
                "argument, or a sorry in imported code)")
    if s in deferred and ls not in deferred:
        if src.sorry_lines and not ev.sorry_warnings:
            return (f"the source engine counts a sorry token (line {src.sorry_lines[0]}) that "
                    "Lean's elaboration does not keep (e.g. inside a macro definition or quotation)")
        if src.possible_deferral:
            steps = possible_steps(src.via, src_by_name)
            if steps and steps[0].startswith(INSTANCE_STEP):
                return ("possible instance use: the source engine counted an instance type-class search "
                        f"may pick ({steps[0]}); Lean's elaboration does not use it")
            return ("possible use: the source engine could not read a receiver's type and counted "
                    f"every candidate ({steps[0] if steps else ', '.join(src.possible_uses[:3])}); "
                    "Lean's elaboration picks one that is not deferred")
        if src.approximate:
            return ("unresolved name: the source engine's approximate resolution linked it to a "
                    f"deferred declaration Lean does not use ({src.approximate[0]})")
        if len(src.via) > 1:
            return (f"unresolved name: the source engine resolved a name to {src.via[1]}, "
                    "which Lean's elaboration does not reach (another declaration of that name "
                    "or a local binding)")
        return "Lean finds no sorry in its derivation"
    if ls is Status.AXIOM or s is Status.AXIOM:
        return f"Lean reports it as {ls.value}, the source engine as {s.value}"
    return f"the source engine says {s.value}, Lean says {ls.value}"


def _fallback(source: Ledger, requested: str, reason: str) -> Ledger:
    diag = Diagnostic("lean-engine-fallback",
                      f"lean engine not used, source engine's result kept: {reason}",
                      severity=Severity.WARNING)
    return replace(source, engine=EngineInfo(name="source", requested=requested,
                                             fallback_reason=reason,
                                             lean_version=source.engine.lean_version),
                   records=list(source.records), diagnostics=[*source.diagnostics, diag],
                   disagreements=list(source.disagreements))


def apply_engine(source_ledger: Ledger, root: Path, engine: str, *,
                 targets: Sequence[str] = (), timeout: float | None = 1800,
                 lake: str = "lake", progress: Progress | None = None) -> Ledger:
    """The final ledger under ``engine`` (source | lean | both | auto).

    * ``source``: the input, with its engine info set.
    * ``lean``: Lean's statuses.
    * ``both``: Lean's statuses, ``lean_status`` set on every record, and a
      :class:`Disagreement` (with the source status and a likely cause) per mismatch.
    * ``auto``: ``lean`` when ``lake`` is on PATH and ``root`` has a lakefile, else the
      source ledger; a lean engine that fails also falls back, the reason in
      ``EngineInfo.fallback_reason`` and a ``lean-engine-fallback`` diagnostic.

    Explicit ``lean`` and ``both`` raise :class:`InputError` when Lean gives no verdict."""
    root = Path(root)
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if engine == "source":
        return replace(source_ledger, engine=replace(source_ledger.engine, name="source",
                                                     requested="source"))
    reason = unavailable_reason(root, lake)
    if reason is not None:
        if engine == "auto":
            return _fallback(source_ledger, "auto", reason)
        raise InputError(f"--engine {engine}: {reason}")
    try:
        run = run_lean(source_ledger, root, targets=targets, timeout=timeout, lake=lake,
                       progress=progress)
    except LeanEngineError as exc:
        if engine == "auto":
            return _fallback(source_ledger, "auto", str(exc))
        raise InputError(f"--engine {engine}: {exc}") from exc
    records = _verdicts(run, source_ledger)
    name = "both" if engine == "both" else "lean"
    disagreements: list[Disagreement] = []
    if engine == "both":
        src_by_name = {r.name: r for r in source_ledger.records}
        lean_by_name = {r.name: r for r in records}
        instances = sorted(r.name for r in records if r.kind == "instance"
                           and r.status in (Status.DEFERRED, Status.STUB))
        n_src = len(source_ledger.records)
        for i, r in enumerate(records):  # copies keep the source order; lean-only ones follow
            r.lean_status = r.status
            if i >= n_src or r.name in run.lean_only:
                continue
            src = source_ledger.records[i]
            if src.status is not r.status:
                disagreements.append(Disagreement(
                    r.name, src.status, r.status,
                    likely_cause(src, r, run.evidence[id(r)], lean_by_name, src_by_name,
                                 instances)))
    return replace(
        source_ledger,
        engine=EngineInfo(name=name, requested=engine, lean_version=lean_version(root)),
        records=records,
        diagnostics=[*source_ledger.diagnostics, *run.diagnostics],
        disagreements=disagreements,
    )
