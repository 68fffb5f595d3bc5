"""The CI gate: policies over a fresh ledger, the author's manifest, a baseline and the
committed ledger.  Findings are data (one frozen dataclass per kind, each with the file and
line to point at); reporters in :mod:`zerosorry.report.gate_report` turn them into text,
workflow annotations, Markdown or JSON; only the CLI turns them into an exit code.

Policies (each finding's message starts with its policy's name in brackets):

* ``zero-sorry`` — every manifest entry whose target is ``zero-sorry`` is proven, its whole
  derivation; ``witness`` — the numeric witness of such an entry, if any, passes;
* ``ship`` (opt-in) — every load-bearing entry (every entry of the manifest) is proven;
* ``axiom`` — no project axiom outside the allowed list in a load-bearing derivation;
* ``baseline`` (with a baseline ledger) — nothing proven became deferred, the number of sorries
  did not grow, no new project axiom or trust extension, no load-bearing declaration vanished;
* ``stale-ledger`` — a committed ``lean_status.json`` still matches the sources;
* ``paper`` (with ``--paper``) — every ``\\leanproved`` claim of the paper is proven and every id
  it cites exists (:mod:`zerosorry.paper`).
"""

from __future__ import annotations

import contextlib
import importlib
import math
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from .ledger.model import Ledger, Record, Status
from .ledger.possible import possible_steps, settle_hint
from .location import Location, location


# ------------------------------------------------------------------------------ manifest view
@dataclass(frozen=True)
class GateEntry:
    """What the gate needs of one manifest entry."""

    id: str
    lean: tuple[str, ...]
    target: str  # zero-sorry | in-progress | open
    witness: str | None = None
    line: int | None = None  # of the entry in the manifest, for messages and annotations


@dataclass(frozen=True)
class GateManifest:
    entries: tuple[GateEntry, ...]
    allowed_axioms: frozenset[str] = frozenset()
    path: str = "appendix.toml"  # relative to the project root, for messages and annotations

    def load_bearing(self) -> set[str]:
        return {n for e in self.entries for n in e.lean}


# ------------------------------------------------------------------------------ findings
@dataclass(frozen=True)
class Finding:
    """Base of every finding: data, with the one place it points at (``at``: the sorry, the
    declaration, the manifest entry, the line of the paper) for the reporters to render."""

    POLICY: ClassVar[str] = ""
    KIND: ClassVar[str] = ""
    at: Location | None = field(default=None, kw_only=True)

    @property
    def policy(self) -> str:
        return self.POLICY

    @property
    def file(self) -> str | None:
        return self.at.file if self.at is not None else None

    @property
    def line(self) -> int | None:
        return self.at.line if self.at is not None else None

    @property
    def column(self) -> int | None:
        return self.at.column if self.at is not None else None

    def where(self) -> str | None:
        """``file:line`` (or the file alone), or None when the finding points nowhere."""
        return str(self.at) if self.at is not None else None

    def message(self) -> str:
        raise NotImplementedError

    def text(self) -> str:
        return f"[{self.policy}] {self.message()}"

    def title(self) -> str:
        return f"zerosorry {self.policy}"


def chain_text(via: Sequence[str], where: str | None) -> str:
    chain = " -> ".join(via)
    return f"via {chain} ({where})" if where else f"via {chain}"


def possibly_deferred(via: Sequence[str], where: str | None, possible: Sequence[str]) -> str:
    """A deferral that rests only on possible uses, with each ambiguous step and what settles it."""
    return (f"possibly deferred (a possible deferral): {chain_text(via, where)}; {'; '.join(possible)}; "
            f"{settle_hint(possible)}")


@dataclass(frozen=True)
class EntryFinding(Finding):
    """A finding about a manifest entry under the policy that checked it (``zero-sorry``, or
    ``ship`` for every load-bearing entry): the policy is data, not the class's."""

    policy_name: str

    @property
    def policy(self) -> str:
        return self.policy_name


@dataclass(frozen=True)
class EntryNotProven(EntryFinding):
    """A ``zero-sorry`` (or, under ``--ship``, any load-bearing) entry that is not proven."""

    KIND: ClassVar[str] = "entry-not-proven"
    entry: str
    name: str
    status: Status
    via: tuple[str, ...] = ()  # ``at``: the sorry (deferred) or the declaration (stub, axiom)
    #: deferred only through possible uses: each ambiguous step, in words (ledger/possible.py)
    possible: tuple[str, ...] = ()

    def message(self) -> str:
        head = f"entry {self.entry} ({self.name})"
        where = self.where()
        if self.status is Status.DEFERRED and self.possible:
            return f"{head} is {possibly_deferred(self.via, where, self.possible)}"
        if self.status is Status.DEFERRED:
            return f"{head} is deferred: {chain_text(self.via, where)}"
        if self.status is Status.STUB:
            return f"{head} is a stub (: True := sorry) at {where}"
        return f"{head} is an axiom, asserted without proof, at {where}"


@dataclass(frozen=True)
class UnknownEntryName(EntryFinding):
    """A manifest entry naming a declaration the scan does not find."""

    KIND: ClassVar[str] = "unknown-entry-name"
    entry: str
    name: str  # ``at``: the entry in the manifest
    suggestion: str | None = None

    def message(self) -> str:
        hint = f" (did you mean {self.suggestion}?)" if self.suggestion else ""
        at = f" ({self.at})" if self.line else ""
        return f"entry {self.entry} names {self.name}{at}, which the scan does not find{hint}"


@dataclass(frozen=True)
class WitnessFailed(Finding):
    KIND: ClassVar[str] = "witness-failed"
    POLICY: ClassVar[str] = "witness"
    entry: str
    witness: str
    summary: str
    counterexample: str | None = None  # ``at``: the entry in the manifest

    def message(self) -> str:
        extra = f"; counterexample: {self.counterexample}" if self.counterexample else ""
        return f"entry {self.entry}: numeric witness {self.witness} fails: {self.summary}{extra}"


@dataclass(frozen=True)
class ForbiddenAxiom(Finding):
    KIND: ClassVar[str] = "forbidden-axiom"
    POLICY: ClassVar[str] = "axiom"
    entry: str
    name: str
    axiom: str  # ``at``: the axiom's declaration

    def message(self) -> str:
        where = self.where()
        at = f" ({where})" if where else ""
        return (f"entry {self.entry} ({self.name}) rests on project axiom {self.axiom}{at}, which is "
                f"not allowed; allow it with --allow-axiom {self.axiom} or allowed_axioms in appendix.toml")


@dataclass(frozen=True)
class NewlyDeferred(Finding):
    KIND: ClassVar[str] = "newly-deferred"
    POLICY: ClassVar[str] = "baseline"
    name: str
    via: tuple[str, ...]  # ``at``: the sorry (or the stub)
    now: Status = Status.DEFERRED  # or STUB: a proof replaced by `: True := sorry`
    #: deferred only through possible uses: each ambiguous step, in words (ledger/possible.py)
    possible: tuple[str, ...] = ()

    def message(self) -> str:
        where = self.where()
        if self.now is Status.STUB:
            return f"{self.name} was proven in the baseline and is now a stub (: True := sorry) at {where}"
        if self.possible:
            return (f"{self.name} was proven in the baseline and is now "
                    f"{possibly_deferred(self.via, where, self.possible)}")
        return f"{self.name} was proven in the baseline and is now deferred: {chain_text(self.via, where)}"


@dataclass(frozen=True)
class SorriesGrew(Finding):
    KIND: ClassVar[str] = "sorries-grew"
    POLICY: ClassVar[str] = "baseline"
    before: int
    after: int
    #: where sorries were added: (declaration, file, line of its first sorry); ``at`` is the first
    added: tuple[tuple[str, str, int], ...] = ()

    def message(self) -> str:
        head = f"sorries grew from {self.before} to {self.after} (+{self.after - self.before})"
        if not self.added:
            return head
        sites = ", ".join(f"{n} ({f}:{ln})" for n, f, ln in self.added[:3])
        more = f" and {len(self.added) - 3} more" if len(self.added) > 3 else ""
        return f"{head}: new in {sites}{more}"


@dataclass(frozen=True)
class NewAxiom(Finding):
    KIND: ClassVar[str] = "new-axiom"
    POLICY: ClassVar[str] = "baseline"
    name: str  # ``at``: the axiom

    def message(self) -> str:
        return f"new project axiom {self.name} ({self.at}) is not in the baseline"


@dataclass(frozen=True)
class NewTrust(Finding):
    KIND: ClassVar[str] = "new-trust"
    POLICY: ClassVar[str] = "baseline"
    trust: str
    name: str  # ``at``: the declaration that uses it

    def message(self) -> str:
        return (f"new trust extension {self.trust} in {self.name} ({self.at}), "
                "not in the baseline")


@dataclass(frozen=True)
class EntryVanished(Finding):
    KIND: ClassVar[str] = "entry-vanished"
    POLICY: ClassVar[str] = "baseline"
    entry: str
    name: str  # ``at``: where it was in the baseline

    def message(self) -> str:
        return (f"load-bearing entry {self.entry}: {self.name} ({self.at} in the "
                "baseline) no longer exists")


@dataclass(frozen=True)
class StaleLedger(Finding):
    KIND: ClassVar[str] = "stale-ledger"
    POLICY: ClassVar[str] = "stale-ledger"
    ledger: str  # as given on the command line (or PATH/lean_status.json)
    differences: tuple[str, ...]
    total: int
    refresh: str  # the command that rewrites it; ``at``: the ledger, when inside the project

    def message(self) -> str:
        shown = "; ".join(self.differences)
        more = f"; and {self.total - len(self.differences)} more" if self.total > len(self.differences) else ""
        noun = "declaration differs" if self.total == 1 else "declarations differ"
        return (f"{self.ledger} no longer matches the sources ({self.total} {noun}: {shown}{more}); "
                f"refresh it with: {self.refresh}")


# ------------------------------------------------------------------------------ result
@dataclass
class GateResult:
    findings: list[Finding] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)  # the policies that ran
    notes: list[str] = field(default_factory=list)  # what was skipped and why
    checked_entries: int = 0

    @property
    def holds(self) -> bool:
        return not self.findings


# ------------------------------------------------------------------------------ helpers
def sorry_site(ledger_by_name: Mapping[str, Record], via: Sequence[str]) -> tuple[str | None, int | None]:
    """The file and line of the sorry that holds a deferred chain back."""
    holder = ledger_by_name.get(via[-1]) if via else None
    if holder is None:
        return None, None
    return holder.file, sorry_line(holder)


def sorry_line(r: Record) -> int:
    """The line of a declaration's first own sorry (its own line when it has none)."""
    return r.sorry_lines[0] if r.sorry_lines else r.line


def _suggest(name: str, known: Iterable[str]) -> str | None:
    """The likeliest intended name: the same last component in another namespace, else a name
    extending it (a rename that added a suffix), else the closest by edit similarity."""
    import difflib

    known = sorted(known)
    tail = name.rsplit(".", 1)[-1]
    same_tail = [k for k in known if k.rsplit(".", 1)[-1] == tail]
    if same_tail:
        return same_tail[0]
    longer = [k for k in known if k.startswith(name)]
    if longer:
        return min(longer, key=len)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return close[0] if close else None


def _not_proven(policy: str, entry: GateEntry, by_name: Mapping[str, Record],
                manifest_path: str = "appendix.toml") -> list[Finding]:
    out: list[Finding] = []
    for name in entry.lean:
        r = by_name.get(name)
        if r is None:
            out.append(UnknownEntryName(policy, entry.id, name, _suggest(name, by_name),
                                        at=Location(manifest_path, entry.line)))
            continue
        if r.status is Status.PROVEN:
            continue
        if r.status is Status.DEFERRED:
            f, ln = sorry_site(by_name, r.via)
            steps = tuple(possible_steps(r.via, by_name)) if r.possible_deferral else ()
            out.append(EntryNotProven(policy, entry.id, name, r.status, tuple(r.via), steps, at=location(f, ln)))
        else:
            out.append(EntryNotProven(policy, entry.id, name, r.status, at=Location(r.file, r.line)))
    return out


WitnessRunner = Callable[[str], Mapping[str, Any]]


def run_witness(spec: str) -> Mapping[str, Any]:
    """Call ``module:function`` with no arguments (the witness contract of docs/manifest.md);
    an exception, or a result that breaks the contract, is a failure with its reason."""
    try:
        module_name, _, func_name = spec.partition(":")
        if not module_name or not func_name:
            raise ValueError(f"{spec!r} is not of the form module:function")
        # what a witness prints goes to stderr: stdout carries the report (JSON, annotations)
        with contextlib.redirect_stdout(sys.stderr):
            func = getattr(importlib.import_module(module_name), func_name)
            result = func()
    except KeyboardInterrupt:
        raise  # the user's Ctrl-C, not the witness's verdict
    except SystemExit as exc:  # a witness may not decide the gate's exit code
        return {"passed": False, "summary": f"the witness called sys.exit({exc.code!r})",
                "counterexample": None}
    except Exception as exc:  # the witness's own failure, reported, never raised
        return {"passed": False, "summary": f"{type(exc).__name__}: {exc}", "counterexample": None}
    if not isinstance(result, Mapping) or not isinstance(result.get("passed"), bool):
        return {"passed": False, "summary": "did not return a mapping with a boolean 'passed'",
                "counterexample": None}
    return result


def witness_verdict(result: Mapping[str, Any]) -> Mapping[str, Any]:
    """A witness's result with ``passed`` made to agree with its numbers: a result that says it
    passed while its max error is NaN or above its tolerance has failed.  The gate and the site
    both judge a witness by this, so a card can never show ✓ where the gate fails."""
    summary = str(result.get("summary") or "no summary")
    passed = bool(result.get("passed"))
    err, tol = result.get("max_error"), result.get("tolerance")
    numeric = isinstance(err, (int, float)) and isinstance(tol, (int, float))
    if passed and numeric and not (math.isfinite(float(err or 0)) and float(err or 0) <= float(tol or 0)):
        return {**result, "passed": False,
                "summary": f"reports passed but max error {err} exceeds tolerance {tol} ({summary})"}
    return {**result, "passed": passed, "summary": summary}


def _witness_failure(entry: GateEntry, spec: str, result: Mapping[str, Any], manifest: str) -> Finding | None:
    result = witness_verdict(result)
    if result["passed"]:
        return None
    summary = str(result["summary"])
    ce = result.get("counterexample")
    return WitnessFailed(entry.id, spec, summary, str(ce) if ce else None, at=Location(manifest, entry.line))


# ------------------------------------------------------------------------------ policies
def check_entries(
    ledger: Ledger,
    manifest: GateManifest,
    *,
    ship: bool = False,
    witnesses: bool = True,
    runner: WitnessRunner = run_witness,
) -> list[Finding]:
    by_name = ledger.by_name()
    out: list[Finding] = []
    for entry in manifest.entries:
        if entry.target == "zero-sorry":
            out.extend(_not_proven("zero-sorry", entry, by_name, manifest.path))
        elif ship:
            out.extend(_not_proven("ship", entry, by_name, manifest.path))
        else:  # an entry not (yet) promised must still name declarations that exist
            out.extend(UnknownEntryName("manifest", entry.id, name, _suggest(name, by_name),
                                        at=Location(manifest.path, entry.line))
                       for name in entry.lean if name not in by_name)
        # a witness checks the formula, whatever the proof's state: a failing one always fails
        if witnesses and entry.witness:
            failure = _witness_failure(entry, entry.witness, runner(entry.witness), manifest.path)
            if failure:
                out.append(failure)
    return out


def check_axioms(ledger: Ledger, manifest: GateManifest, allowed: Iterable[str]) -> list[Finding]:
    by_name = ledger.by_name()
    allowed = set(allowed) | set(manifest.allowed_axioms)
    out: list[Finding] = []
    for entry in manifest.entries:
        for name in entry.lean:
            r = by_name.get(name)
            if r is None:
                continue
            for ax in r.axioms:
                if ax in allowed:
                    continue
                a = by_name.get(ax)
                out.append(ForbiddenAxiom(entry.id, name, ax, at=Location(a.file, a.line) if a else None))
    return out


def own_trusts(by_name: Mapping[str, Record]) -> dict[str, set[str]]:
    """The trust extensions each declaration uses itself (not only through what it uses)."""
    return {name: set(uses) for name, uses in trust_use_counts(by_name).items()}


def trust_use_counts(by_name: Mapping[str, Record]) -> dict[str, Counter[str]]:
    """Per declaration, how many times its own text uses each trust extension.  Read from
    ``trust_uses``; a ledger written before that field existed gets an estimate (a trust it
    reaches that nothing it uses reaches, once)."""
    if any(r.trust_uses for r in by_name.values()):
        return {r.name: Counter(r.trust_uses) for r in by_name.values() if r.trust_uses}
    out: dict[str, Counter[str]] = {}
    for r in by_name.values():
        if not r.trusts:
            continue
        inherited: set[str] = set()
        for u in r.uses:
            dep = by_name.get(u)
            if dep is not None:
                inherited.update(dep.trusts)
        mine = set(r.trusts) - inherited
        if mine:
            out[r.name] = Counter(mine)
    return out


def check_baseline(ledger: Ledger, baseline: Ledger, manifest: GateManifest | None) -> list[Finding]:
    now, before = ledger.by_name(), baseline.by_name()
    out: list[Finding] = []
    for name in sorted(now):
        r, b = now[name], before.get(name)
        if b is not None and b.status is Status.PROVEN and r.status is Status.DEFERRED:
            f, ln = sorry_site(now, r.via)
            steps = tuple(possible_steps(r.via, now)) if r.possible_deferral else ()
            out.append(NewlyDeferred(name, tuple(r.via), possible=steps, at=location(f, ln)))
        elif b is not None and b.status is Status.PROVEN and r.status is Status.STUB:
            out.append(NewlyDeferred(name, (name,), Status.STUB, at=Location(r.file, r.line)))
    if ledger.sorry_count() > baseline.sorry_count():
        grew = tuple((name, r.file, r.sorry_lines[0]) for name, r in sorted(now.items(), key=lambda kv: (kv[1].file, kv[1].line))
                     if len(r.sorry_lines) > len(before[name].sorry_lines if name in before else ()))
        out.append(SorriesGrew(baseline.sorry_count(), ledger.sorry_count(), grew,
                               at=Location(grew[0][1], grew[0][2]) if grew else None))
    for name in sorted(now):
        r = now[name]
        if r.kind == "axiom" and (name not in before or before[name].kind != "axiom"):
            out.append(NewAxiom(name, at=Location(r.file, r.line)))
    # a trust extension is new when the project uses it more often than the baseline did:
    # a renamed declaration moves its uses (no finding), one more use anywhere is a finding
    uses_now, uses_before = trust_use_counts(now), trust_use_counts(before)
    kinds = sorted({t for c in uses_now.values() for t in c})
    for t in kinds:
        total_now = sum(c[t] for c in uses_now.values())
        total_before = sum(c[t] for c in uses_before.values())
        if total_now <= total_before:
            continue
        for name in sorted(uses_now):
            if uses_now[name][t] > uses_before.get(name, Counter())[t]:
                out.append(NewTrust(t, name, at=Location(now[name].file, now[name].line)))
    if manifest is not None:
        for entry in manifest.entries:
            for name in entry.lean:
                if name in before and name not in now:
                    out.append(EntryVanished(entry.id, name, at=Location(before[name].file, before[name].line)))
    return out


_COMPARED = ("kind", "status", "file", "line", "end_line", "signature", "docstring", "uses",
             "possible_uses", "possible_refs", "possible_deferral",
             "sorry_lines", "via", "axioms", "trusts", "trust_uses", "modifiers", "attributes",
             "external_refs", "approximate", "reason")


def ledger_differences(committed: Ledger, fresh: Ledger) -> list[str]:
    """How ``committed`` differs from ``fresh`` in declarations and statuses (never in the
    generation time or the source label), one short phrase per declaration."""
    old, new = committed.by_name(), fresh.by_name()
    ranked: list[tuple[int, str]] = []  # status changes first, then presence, then the rest
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a is None and b is not None:
            ranked.append((1, f"{name} is missing from the ledger ({b.status})"))
        elif b is None and a is not None:
            ranked.append((1, f"{name} is in the ledger but no longer in the sources"))
        elif a is not None and b is not None:
            if a.status is not b.status:
                ranked.append((0, f"{name}: {a.status} in the ledger, {b.status} in the sources"))
                continue
            changed = [k for k in _COMPARED if getattr(a, k) != getattr(b, k)]
            if changed:
                ranked.append((2, f"{name}: {', '.join(changed)} changed"))
    return [text for _, text in sorted(ranked, key=lambda x: x[0])]


def check_stale(committed: Ledger, fresh: Ledger, *, label: str, refresh: str, show: int = 3,
                file: str | None = None) -> list[Finding]:
    diffs = ledger_differences(committed, fresh)
    if not diffs:
        return []
    return [StaleLedger(label, tuple(diffs[:show]), len(diffs), refresh, at=location(file))]


def evaluate(
    ledger: Ledger,
    *,
    manifest: GateManifest | None = None,
    ship: bool = False,
    witnesses: bool = True,
    allowed_axioms: Iterable[str] = (),
    baseline: Ledger | None = None,
    committed: Ledger | None = None,
    committed_label: str = "lean_status.json",
    committed_file: str | None = None,
    refresh_command: str = "zerosorry scan . --out lean_status.json",
    runner: WitnessRunner = run_witness,
    paper: Callable[[Ledger], Sequence[Finding]] | None = None,
) -> GateResult:
    """Run every applicable policy; the result lists the findings and which policies ran.
    ``paper`` (see :func:`zerosorry.paper.paper_policy`) checks a paper's claims."""
    result = GateResult()
    if manifest is not None:
        result.policies += ["zero-sorry", "manifest"]
        if witnesses and any(e.witness for e in manifest.entries):
            result.policies.append("witness")
        if ship:
            result.policies.append("ship")
        result.policies.append("axiom")
        result.findings += check_entries(ledger, manifest, ship=ship, witnesses=witnesses, runner=runner)
        result.findings += check_axioms(ledger, manifest, allowed_axioms)
        result.checked_entries = sum(1 for e in manifest.entries if ship or e.target == "zero-sorry")
    else:
        result.notes.append("no manifest (appendix.toml): the entry, witness and axiom policies did not run")
    if baseline is not None:
        result.policies.append("baseline")
        result.findings += check_baseline(ledger, baseline, manifest)
    if committed is not None:
        result.policies.append("stale-ledger")
        result.findings += check_stale(committed, ledger, label=committed_label, refresh=refresh_command,
                                       file=committed_file)
    if paper is not None:
        result.policies.append("paper")
        result.findings += paper(ledger)
    return result


# ------------------------------------------------------------------------------ loading
def _from_toml_data(data: Mapping[str, Any], origin: str) -> GateManifest:
    """Interim reader of the few manifest fields the gate needs, used only while
    :mod:`zerosorry.appendix.manifest` (the manifest's owner) is not importable."""
    from .errors import InputError

    entries = []
    for i, e in enumerate(data.get("entries", []) or []):
        if not isinstance(e, Mapping) or not isinstance(e.get("id"), str):
            raise InputError(f"{origin}: entries[{i}]: every entry needs an id")
        lean = e.get("lean", [])
        lean = [lean] if isinstance(lean, str) else lean
        if not isinstance(lean, list) or not all(isinstance(n, str) for n in lean):
            raise InputError(f"{origin}: entry {e['id']}: lean must be a list of names")
        witness = e.get("witness")
        entries.append(GateEntry(e["id"], tuple(lean), str(e.get("target", "open")),
                                 witness if isinstance(witness, str) else None))
    site = data.get("site", {}) or {}
    allowed = site.get("allowed_axioms", []) if isinstance(site, Mapping) else []
    return GateManifest(tuple(entries), frozenset(str(a) for a in allowed or []))


def load_manifest(path: Path, *, project_root: Path | None = None) -> GateManifest:
    """The gate's view of the manifest at ``path`` (entries, targets, witnesses, allowed axioms)."""
    import os


    label = path.name
    if project_root is not None:
        try:
            label = Path(os.path.relpath(path.resolve(), project_root.resolve())).as_posix()
        except ValueError:
            label = str(path)
    try:
        manifest_module: Any = importlib.import_module("zerosorry.appendix.manifest")
    except ImportError:
        manifest_module = None
    if manifest_module is not None:
        return _from_manifest_module(manifest_module, path, label)
    return _interim(path, label)


def load_manifest_bytes(data: bytes, *, label: str = "appendix.toml") -> GateManifest:
    """The same, for a manifest read from a git revision."""
    import tempfile

    from .errors import InputError

    with tempfile.TemporaryDirectory(prefix="zerosorry-manifest-") as tmp:
        p = Path(tmp) / "appendix.toml"
        p.write_bytes(data)
        try:
            m = load_manifest(p)
        except InputError as exc:  # name the revision's file, not the temporary copy
            raise InputError(str(exc).replace(str(p), label)) from None
    return GateManifest(m.entries, m.allowed_axioms, label)


_LOADER_NAMES = ("load_manifest", "load", "read_manifest", "read", "parse_manifest")


def _field(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _from_manifest_module(module: Any, path: Path, label: str) -> GateManifest:
    """The gate's view of whatever :mod:`zerosorry.appendix.manifest`'s public loader returns
    (an object or a mapping with ``entries`` — each with ``id``, ``lean``, ``target`` and
    ``witness`` — and ``allowed_axioms`` on itself or on its ``site``).  A loader this adapter
    does not recognise falls back to the interim reader."""
    from .errors import InputError

    loader = next((getattr(module, n) for n in _LOADER_NAMES if callable(getattr(module, n, None))), None)
    if loader is None:
        return _interim(path, label)
    import inspect

    try:
        required = [p for p in inspect.signature(loader).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        required = []
    if len(required) > 1:  # a loader that wants more than the path: not one this adapter knows
        return _interim(path, label)
    try:
        loaded = loader(path)
    except InputError:
        raise
    except (OSError, ValueError) as exc:  # the manifest module's own validation errors
        raise InputError(f"{path}: {exc}") from exc
    entries_raw = _field(loaded, "entries")
    if entries_raw is None:
        return _interim(path, label)
    entries = []
    key_lines = _field(loaded, "lines") or {}
    for i, e in enumerate(entries_raw):
        lean = _field(e, "lean", ())
        lean = (lean,) if isinstance(lean, str) else tuple(str(n) for n in lean)
        target = _field(e, "target", "open")
        target = str(getattr(target, "value", target))
        witness = _field(e, "witness")
        witness = _field(witness, "spec", witness) if witness is not None and not isinstance(witness, str) else witness
        line = _field(e, "line")
        at = key_lines.get(f"entries[{i}].lean") if isinstance(key_lines, Mapping) else None
        if isinstance(at, tuple) and at and isinstance(at[0], int):
            line = at[0]  # the `lean = […]` line, where the site's manifest check points too
        entries.append(GateEntry(str(_field(e, "id")), lean, target, str(witness) if witness else None,
                                 line if isinstance(line, int) and line > 0 else None))
    allowed = _field(loaded, "allowed_axioms")
    if allowed is None:
        allowed = _field(_field(loaded, "site", {}) or {}, "allowed_axioms", ())
    return GateManifest(tuple(entries), frozenset(str(a) for a in allowed or ()), label)


def _interim(path: Path, label: str) -> GateManifest:
    import tomllib

    from .errors import InputError

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: {exc}") from exc
    m = _from_toml_data(data, str(path))
    return GateManifest(m.entries, m.allowed_axioms, label)
