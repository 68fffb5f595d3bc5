"""The site's view model: plain values computed from a ledger and a manifest, no I/O.

Everything a template shows is prepared here, so the templates only lay it out.  Statuses come
from the ledger alone; the manifest contributes prose, targets and links.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin

from ..ledger.model import STATUS_LEGEND, STATUS_ORDER, Disagreement, Ledger, Record, Status
from ..ledger.possible import step_notes
from .manifest import Entry, Manifest

#: How an entry that names several declarations is summarised: the worst status wins.
_SEVERITY = {Status.PROVEN: 0, Status.AXIOM: 1, Status.STUB: 2, Status.DEFERRED: 3}

TARGET_LABELS = {
    "zero-sorry": "target: zero-sorry",
    "in-progress": "target: in progress",
    "open": "target: open",
}


@dataclass(frozen=True)
class ChainStep:
    name: str
    file: str
    line: int
    source_url: str | None
    has_sorry: bool
    #: reached through a possible use: the ambiguous reference, in words (ledger/possible.py)
    possible: str | None = None


@dataclass(frozen=True)
class DeclView:
    """One declaration as a card shows it."""

    name: str
    kind: str
    status: str
    file: str
    line: int
    signature: str
    docstring: str | None
    source_url: str | None
    chain: tuple[ChainStep, ...]  # deferred: from the declaration to the sorry that holds it back
    axioms: tuple[str, ...]
    trusts: tuple[str, ...]
    reason: str | None
    missing: bool = False  # named by the manifest but absent from the ledger
    #: the other declarations with a sorry of their own in its derivation (the chain shows one)
    other_holders: tuple[str, ...] = ()
    #: deferred only through possible uses (ambiguous field notation, an instance type-class search
    #: may pick): the lean engine settles it
    possible_deferral: bool = False


@dataclass(frozen=True)
class WitnessView:
    spec: str
    passed: bool
    summary: str
    counterexample: str | None


@dataclass(frozen=True)
class EntryView:
    id: str
    title: str
    family: str
    family_title: str
    status: str
    kind: str
    target: str
    target_label: str
    #: "met" (target zero-sorry and proven), "broken" (zero-sorry promised, not proven), "" otherwise
    promise: str
    statement: str  # the LaTeX source (rendered by the site)
    summary: str  # Markdown
    why: str  # Markdown
    caveat: str | None
    paper: tuple[tuple[str, str | None], ...]  # (label, url or None)
    widgets: tuple[str, ...]
    decls: tuple[DeclView, ...]
    witness: WitnessView | None
    axioms: tuple[str, ...]
    trusts: tuple[str, ...]
    search_text: str  # lower-case text the search box matches against
    forbidden_axioms: tuple[str, ...] = ()  # reached, but not in allowed_axioms: the gate fails


@dataclass(frozen=True)
class FamilyView:
    id: str
    title: str
    explanation: str  # Markdown
    entries: tuple[EntryView, ...]
    counts: Mapping[str, int]


@dataclass(frozen=True)
class Blocker:
    """A declaration with its own sorry, and what it holds back."""

    name: str
    file: str
    line: int
    sorry_lines: tuple[int, ...]
    source_url: str | None
    entries: tuple[str, ...]  # load-bearing entry ids whose derivation reaches it
    held_back: int  # declarations (of any kind) whose derivation reaches it, itself included


@dataclass(frozen=True)
class Panel:
    counts: Mapping[str, int]
    total: int
    entries_total: int
    entries_zero_sorry: int  # load-bearing entries that are proven (whole derivation)
    entries_promised: int  # entries tagged zero-sorry
    entries_promised_met: int
    percent_zero_sorry: int
    sorries: int
    engine: str
    engine_note: str | None
    commit: str | None
    dirty: bool | None
    generated: str
    files: int
    lines: int
    project_axioms: tuple[str, ...]
    entries_forbidden_axiom: int = 0  # entries resting on a project axiom not allowed (gate fails)


@dataclass(frozen=True)
class DisagreementView:
    """One declaration the two engines (``--engine both``) classify differently."""

    name: str
    source_status: str
    lean_status: str
    likely_cause: str
    file: str | None
    line: int | None
    source_url: str | None


@dataclass(frozen=True)
class SiteView:
    title: str
    paper_title: str | None
    paper_url: str | None
    repository: str | None
    empirical_companion: str | None
    panel: Panel
    families: tuple[FamilyView, ...]
    entries: tuple[EntryView, ...]
    blockers: tuple[Blocker, ...]
    glossary: tuple[tuple[str, str], ...]
    legend: tuple[tuple[str, str], ...]
    kinds: tuple[str, ...]
    has_manifest: bool
    widget_scripts: tuple[str, ...] = field(default=())
    source_base: str | None = None  # repository URL prefix of a source file at the ledger's commit
    #: the site has a page for every Lean file (source/<file>.html): file:line links go there
    local_sources: bool = False
    disagreements: tuple[DisagreementView, ...] = ()  # only under --engine both


# ------------------------------------------------------------------------------ helpers
def source_url(repository: str | None, commit: str | None, subdir: str | None,
               file: str, line: int | None = None) -> str | None:
    """``{repository}/blob/{commit}/{subdir}/{file}#L{line}``; None without a repository."""
    if not repository:
        return None
    ref = commit or "HEAD"
    path = "/".join(p.strip("/") for p in (subdir or "", file) if p and p.strip("/"))
    url = f"{repository.rstrip('/')}/blob/{quote(ref, safe='')}/{quote(path, safe='/')}"
    return f"{url}#L{line}" if line else url


def local_source_url(file: str, line: int | None = None) -> str:
    """A link from a top-level page of the site to its page of ``file`` (``source/<file>.html``)
    at ``line``."""
    href = quote(f"source/{file}.html", safe="/")
    return f"{href}#L{line}" if line else href


def combined_status(records: Sequence[Record]) -> Status:
    if not records:
        return Status.DEFERRED
    return max((r.status for r in records), key=lambda s: _SEVERITY[s])


def reachable(names: Iterable[str], by_name: Mapping[str, Record]) -> set[str]:
    """Every project declaration in the derivation of ``names`` (themselves included)."""
    seen: set[str] = set()
    stack = [n for n in names if n in by_name]
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        r = by_name[n]  # possible uses count: a sorry behind one may be in the derivation
        stack.extend(u for u in (*r.uses, *r.possible_uses) if u in by_name and u not in seen)
    return seen


def _chain(rec: Record, by_name: Mapping[str, Record], url: Any) -> tuple[ChainStep, ...]:
    if rec.status is not Status.DEFERRED:
        return ()
    names = [n for n in rec.via or [rec.name] if n in by_name]
    steps = []
    for n, note in zip(names, step_notes(names, by_name), strict=True):
        r = by_name[n]
        steps.append(ChainStep(n, r.file, r.line, url(r.file, r.line), bool(r.sorry_lines), note))
    return tuple(steps)


def blockers(ledger: Ledger, entry_decls: Mapping[str, Sequence[str]],
             by_name: Mapping[str, Record], url: Any) -> tuple[Blocker, ...]:
    """Every declaration with its own sorry, ranked by the load-bearing entries it holds back,
    then by how many declarations it holds back."""
    holders = [r for r in ledger.records if r.sorry_lines]
    if not holders:
        return ()
    # entries: forward reachability from each entry (few entries, cheap)
    per_holder: dict[str, list[str]] = {r.name: [] for r in holders}
    for entry_id, names in entry_decls.items():
        for n in reachable(names, by_name):
            if n in per_holder:
                per_holder[n].append(entry_id)
    # declarations: reverse reachability restricted to deferred declarations (only they can be
    # held back by a sorry)
    users: dict[str, list[str]] = {}
    for r in ledger.records:
        if r.status is Status.DEFERRED or r.sorry_lines:
            for u in (*r.uses, *r.possible_uses):
                users.setdefault(u, []).append(r.name)
    out = []
    for h in holders:
        seen = {h.name}
        stack = [h.name]
        while stack:
            n = stack.pop()
            for m in users.get(n, ()):
                if m not in seen:
                    seen.add(m)
                    stack.append(m)
        out.append(Blocker(h.name, h.file, h.line, tuple(h.sorry_lines), url(h.file, h.line),
                           tuple(sorted(per_holder[h.name])), len(seen)))
    out.sort(key=lambda b: (-len(b.entries), -b.held_back, b.file, b.line, b.name))
    return tuple(out)


def _witness_view(spec: str | None, results: Mapping[str, Mapping[str, Any]]) -> WitnessView | None:
    if not spec:
        return None
    res = results.get(spec)
    if res is None:
        return None
    ce = res.get("counterexample")
    return WitnessView(spec, bool(res.get("passed")), str(res.get("summary") or ""),
                       str(ce) if ce else None)


def _entry_view(e: Entry, family_title: str, by_name: Mapping[str, Record], url: Any,
                witness_results: Mapping[str, Mapping[str, Any]], paper_url: str | None = None,
                allowed_axioms: Iterable[str] = ()) -> EntryView:
    decls = []
    records = []
    for n in e.lean:
        r = by_name.get(n)
        if r is None:
            decls.append(DeclView(n, "?", Status.DEFERRED.value, "", 0, "", None, None, (), (), (),
                                  "not found by the scan", missing=True))
            continue
        records.append(r)
        others: tuple[str, ...] = ()
        if r.status is Status.DEFERRED:
            shown = r.via[-1] if r.via else r.name
            others = tuple(sorted(n for n in reachable([r.name], by_name)
                                  if by_name[n].sorry_lines and n != shown))
        decls.append(DeclView(r.name, r.kind, r.status.value, r.file, r.line, r.signature,
                              r.docstring, url(r.file, r.line), _chain(r, by_name, url),
                              tuple(r.axioms), tuple(r.trusts), r.reason, other_holders=others,
                              possible_deferral=r.possible_deferral))
    status = combined_status(records) if len(records) == len(e.lean) else Status.DEFERRED
    if any(d.missing for d in decls):
        status = Status.DEFERRED
    promise = ""
    if e.target == "zero-sorry":
        promise = "met" if status is Status.PROVEN else "broken"
    witness = _witness_view(e.witness, witness_results)
    if promise == "met" and witness is not None and not witness.passed:
        promise = "broken"
    axioms = tuple(sorted({a for r in records for a in r.axioms}))
    trusts = tuple(sorted({t for r in records for t in r.trusts}))
    forbidden = tuple(a for a in axioms if a not in set(allowed_axioms))
    if promise == "met" and forbidden:
        promise = "broken"  # the gate's axiom policy fails it: no ✓ on the card
    search = " ".join([e.id, e.title, e.summary, e.why, family_title, *e.lean]).lower()
    return EntryView(
        id=e.id, title=e.title, family=e.family, family_title=family_title,
        status=status.value, kind=records[0].kind if records else "?",
        target=e.target, target_label=TARGET_LABELS.get(e.target, e.target), promise=promise,
        statement=e.statement, summary=e.summary, why=e.why, caveat=e.caveat,
        paper=tuple((p.label, urljoin(paper_url, p.url) if paper_url and p.url else p.url) for p in e.paper),
        widgets=tuple(e.widgets),
        decls=tuple(decls), witness=witness, axioms=axioms, trusts=trusts, search_text=search,
        forbidden_axioms=forbidden,
    )


def _engine_note(ledger: Ledger) -> str | None:
    eng = ledger.engine
    if eng.fallback_reason:
        return f"asked for the {eng.requested} engine; used {eng.name}: {eng.fallback_reason}"
    if eng.name == "source":
        return ("source engine: statuses read from the Lean text without running Lean, so a proof "
                "that fails to compile, or a sorry reached through a macro or an instance, is not "
                "seen; build with --engine lean for Lean's own verdict")
    if eng.lean_version:
        return f"Lean's own verdict ({eng.lean_version})"
    return None


def build_view(ledger: Ledger, manifest: Manifest | None, *,
               witness_results: Mapping[str, Mapping[str, Any]] | None = None,
               widget_scripts: Sequence[str] = (), default_title: str = "Lean appendix",
               local_sources: bool = False) -> SiteView:
    """``local_sources``: the site holds a page for every Lean file, and file:line links go there
    rather than to the repository."""
    by_name = ledger.by_name()
    site = manifest.site if manifest is not None else None
    repo = site.repository if site else None
    subdir = site.source_subdir if site else None
    commit = ledger.source.commit

    def url(file: str, line: int | None = None) -> str | None:
        if local_sources:
            return local_source_url(file, line)
        return source_url(repo, commit, subdir, file, line)

    results = witness_results or {}
    entries: list[EntryView] = []
    families: list[FamilyView] = []
    if manifest is not None:
        titles = {f.id: f.title for f in manifest.families}
        entries = [_entry_view(e, titles.get(e.family, e.family), by_name, url, results,
                               site.paper_url if site else None, site.allowed_axioms if site else ())
                   for e in manifest.entries]
        for f in manifest.families:
            fe = tuple(e for e in entries if e.family == f.id)
            counts = {s.value: sum(1 for e in fe if e.status == s.value) for s in STATUS_ORDER}
            families.append(FamilyView(f.id, f.title, f.explanation, fe, counts))
    counts = ledger.status_counts()
    proven_entries = sum(1 for e in entries if e.status == Status.PROVEN.value)
    promised = [e for e in entries if e.target == "zero-sorry"]
    project_axioms = tuple(sorted(r.name for r in ledger.records if r.status is Status.AXIOM))
    panel = Panel(
        counts=counts, total=len(ledger.records), entries_total=len(entries),
        entries_zero_sorry=proven_entries, entries_promised=len(promised),
        entries_promised_met=sum(1 for e in promised if e.promise == "met"),
        # floor, so that 100% means all of them (round() would show 199 of 200 as 100%)
        percent_zero_sorry=100 * proven_entries // len(entries) if entries else 0,
        sorries=ledger.sorry_count(), engine=ledger.engine.name, engine_note=_engine_note(ledger),
        commit=commit, dirty=ledger.source.dirty, generated=ledger.generated,
        files=ledger.files, lines=ledger.lines, project_axioms=project_axioms,
        entries_forbidden_axiom=sum(1 for e in entries if e.forbidden_axioms),
    )
    entry_decls = {e.id: [d.name for d in e.decls if not d.missing] for e in entries}
    return SiteView(
        title=site.title if site else default_title,
        paper_title=site.paper_title if site else None,
        paper_url=site.paper_url if site else None,
        repository=repo,
        empirical_companion=site.empirical_companion if site else None,
        panel=panel,
        families=tuple(families),
        entries=tuple(entries),
        blockers=blockers(ledger, entry_decls, by_name, url),
        glossary=tuple((g.term, g.definition) for g in manifest.glossary) if manifest else (),
        legend=tuple((s.value, STATUS_LEGEND[s]) for s in STATUS_ORDER),
        kinds=tuple(sorted({e.kind for e in entries})),
        has_manifest=manifest is not None,
        widget_scripts=tuple(widget_scripts),
        source_base=(source_url(repo, commit, subdir, "") or "").rstrip("/") + "/" if repo else None,
        local_sources=local_sources,
        disagreements=tuple(_disagreement_view(d, by_name, url)
                            for d in sorted(ledger.disagreements, key=lambda d: d.name)),
    )


def _disagreement_view(d: Disagreement, by_name: Mapping[str, Record], url: Any) -> DisagreementView:
    rec = by_name.get(d.name)
    return DisagreementView(
        name=d.name, source_status=d.source_status.value, lean_status=d.lean_status.value,
        likely_cause=d.likely_cause, file=rec.file if rec else None, line=rec.line if rec else None,
        source_url=url(rec.file, rec.line) if rec else None)
