"""The ledger's data model: plain dataclasses, no I/O.

Data flows one way: files -> tokens -> declarations -> ledger.  Everything in
this module is a value; reading and writing JSON lives in :mod:`zerosorry.ledger.io`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

SCHEMA_ID = "zerosorry.lean_status/1"

#: Axioms every classical Lean/Mathlib development rests on; never reported as project axioms.
STANDARD_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})


class Status(str, enum.Enum):
    """The derived proof status of one declaration."""

    PROVEN = "proven"  # no sorry anywhere in its derivation
    DEFERRED = "deferred"  # a real statement whose derivation reaches a sorry
    STUB = "stub"  # `: True := sorry`, a reserved name
    AXIOM = "axiom"  # asserted without proof

    def __str__(self) -> str:
        return self.value


STATUS_ORDER = (Status.PROVEN, Status.DEFERRED, Status.STUB, Status.AXIOM)

#: One-line definitions, shared by the CLI legend and the site legend.
STATUS_LEGEND = {
    Status.PROVEN: "No sorry anywhere in its whole derivation, down to the axioms it rests on.",
    Status.DEFERRED: "A real statement whose own proof, or a declaration it uses, still contains a sorry.",
    Status.STUB: "A placeholder whose type is just True, proved by sorry: it reserves a name, it claims nothing.",
    Status.AXIOM: "Asserted without proof; everything that uses it rests on it.",
}


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Diagnostic:
    """A finding about the input, as data.  Reporters turn it into text, JSON or HTML."""

    code: str  # stable kebab-case identifier, e.g. "unterminated-comment"
    message: str
    file: str | None = None  # relative to the project root
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based, in Unicode code points
    severity: Severity = Severity.WARNING

    def location(self) -> str:
        parts = [self.file or "<project>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: {self.severity}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class TrustUse:
    """A use of a trust extension (e.g. native_decide) at a place in a body."""

    name: str  # "native_decide", "decide +native", "bv_decide", "debug.skipKernelTC"
    line: int


@dataclass
class Declaration:
    """One declaration as the parser sees it, before derivation."""

    name: str  # fully qualified, e.g. "NeuralGeometry.jensen_floor"
    kind: str  # theorem, lemma, def, abbrev, instance, axiom, opaque, example, inductive, ...
    file: str  # relative to the project root, POSIX separators
    line: int
    end_line: int
    column: int = 1
    signature: str = ""  # the text between the name and `:=`/`where`/`|`, whitespace-normalised
    type_text: str = ""  # the part of the signature after the top-level `:`
    docstring: str | None = None
    body: str = ""  # the proof/definition text (not stored in the ledger)
    modifiers: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()
    namespace: str = ""
    sorry_lines: tuple[int, ...] = ()
    trusts: tuple[TrustUse, ...] = ()
    is_stub: bool = False
    #: identifiers referenced by signature and body, as written, with the scope needed to resolve them
    refs: tuple[str, ...] = ()
    opens: tuple[str, ...] = ()
    private: bool = False
    auto_named: bool = False  # anonymous instance: the name is Lean's guess, approximate
    #: local name -> heads of the types the source writes for it (lean/types.py's encoding)
    local_types: str = ""
    #: heads of its stated result type, as written (lean/types.py's encoding; "" not stated)
    result_type: str = ""
    text_hash: str = ""  # kind + signature and body tokens without the name (identity.py)
    #: the names it may elaborate, as written, locals left out (lean/types.py's encode_words):
    #: what type-class search may be asked about (ledger/instances.py)
    words: str = ""

    # The parse cache pickles every declaration of a project: its many short reference strings
    # cost more to unpickle one by one than as one joined string split again (a NUL never
    # occurs in a Lean name).  This keeps a warm scan quick.
    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["refs"] = "\x00".join(self.refs)
        state["opens"] = "\x00".join(self.opens)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        for key in ("refs", "opens"):
            value = state.get(key)
            if isinstance(value, str):
                state[key] = tuple(value.split("\x00")) if value else ()
        self.__dict__.update(state)


@dataclass(frozen=True)
class PossibleRef:
    """A reference the source engine could not pin to one declaration: field notation whose
    receiver's type the source does not state (``x.foo``, ``(e).foo``, ``.foo``)."""

    ref: str  # as written (a receiver expression shown as `(head …)`)
    candidates: list[str]  # every project declaration it may denote, sorted


@dataclass
class Record:
    """One declaration in the ledger, after name resolution and derivation."""

    name: str
    kind: str
    status: Status
    file: str
    line: int
    end_line: int
    signature: str
    docstring: str | None
    uses: list[str] = field(default_factory=list)  # project declarations referenced (resolved)
    #: project declarations it may reference (ambiguous field notation): counted, never dropped
    possible_uses: list[str] = field(default_factory=list)
    possible_refs: list[PossibleRef] = field(default_factory=list)  # the ambiguous references
    #: deferred only through possible uses: a sorry may be reached (`--engine lean` settles it)
    possible_deferral: bool = False
    sorry_lines: list[int] = field(default_factory=list)  # its own sorry tokens
    via: list[str] = field(default_factory=list)  # deferred: chain from itself to the sorry holder
    axioms: list[str] = field(default_factory=list)  # project axioms reached
    trusts: list[str] = field(default_factory=list)  # trust extensions reached
    trust_uses: list[str] = field(default_factory=list)  # used in its own text, one per use
    modifiers: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    external_refs: int = 0  # identifiers that resolved outside the project (Mathlib, core)
    approximate: list[str] = field(default_factory=list)  # notes on approximate resolutions
    reason: str | None = None  # e.g. the compiler's message when the lean engine says deferred
    lean_status: Status | None = None  # the lean engine's verdict under --engine both
    text_hash: str | None = None  # its text without its name (renames, examples): zerosorry.identity


@dataclass(frozen=True)
class SourceInfo:
    root: str  # the project root as given (absolute path or "git:<rev>")
    commit: str | None = None
    dirty: bool | None = None


@dataclass(frozen=True)
class EngineInfo:
    name: str = "source"  # the engine whose verdict is the status: source | lean | both
    requested: str = "source"
    fallback_reason: str | None = None
    lean_version: str | None = None


@dataclass
class Disagreement:
    name: str
    source_status: Status
    lean_status: Status
    likely_cause: str


@dataclass
class Ledger:
    source: SourceInfo
    generated: str  # ISO 8601, UTC, seconds
    engine: EngineInfo
    records: list[Record]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    files: int = 0
    lines: int = 0

    def by_name(self) -> dict[str, Record]:
        return {r.name: r for r in self.records}

    def status_counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in STATUS_ORDER}
        for r in self.records:
            counts[r.status.value] += 1
        return counts

    def kind_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.records:
            counts[r.kind] = counts.get(r.kind, 0) + 1
        return dict(sorted(counts.items()))

    def sorry_count(self) -> int:
        return sum(len(r.sorry_lines) for r in self.records)
