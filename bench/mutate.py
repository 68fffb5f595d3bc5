"""Mutation audit of the source engine: does a new sorry reach every declaration that uses it?

For a Lean project, pick proven lemmas and theorems, *stratified by how many project
declarations share their last name component* (1, 2-4, 5+: a shared last component is where
name resolution has to choose), replace each proof with ``sorry`` in memory (the project's
files are never written), rescan, and compare the engine's verdict with an ORACLE that does not
use the engine's own ``uses``:

* the oracle's candidates are the declarations whose text holds the mutated lemma's last name
  component as a whole identifier or as one dotted component of one (``foo``, ``Bar.foo``,
  ``h.foo``, ``.foo``, ``h.foo.symm``), found among the project lexer's tokens, so comments
  and strings never count; a hit is charged to the innermost declaration whose lines hold it,
  and only in a file that imports (transitively, by its own `import` lines) the lemma's file:
  Lean cannot see a declaration it does not import (those are counted as "unseen");
* the oracle is *direct*: a candidate is a textual user of the mutated lemma itself.  With
  ``--transitive`` it is also closed over its own textual graph, expanding only through the
  candidates the engine did defer (a candidate that stayed proven is either a false textual
  hit or a miss already listed; expanding through it would only multiply noise).

A candidate that was already deferred (or a stub or an axiom) before the mutation says nothing
and is counted apart.  Every candidate that stayed proven is listed with its place and the
token's line, for a person to classify: a real use under Lean's resolution rules (a miss of
the engine), or a false textual candidate (a local variable, a bound name, another
namespace's declaration, a library lemma with the same last component, ...).

Scanning goes through the engine's Python API (``scan_files``) over an overlay of the files,
with a parse cache in a temporary directory: every file is parsed once, and each mutation
re-parses only the mutated file and re-resolves only that file (the name table is unchanged).

    python bench/mutate.py PATH [--per-stratum 10] [--seed 0] [--max-users 30] [--json OUT]
                                [--transitive] [--replay EARLIER.json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from zerosorry.lean.lexer import IDENT, NAME, SYMBOL, Token, lex
from zerosorry.lean.parser import DECL_KEYWORDS
from zerosorry.ledger.model import Ledger, Record, SourceInfo, Status
from zerosorry.scan import (
    ParseCache,
    discover,
    import_visibility,
    load_config,
    read_files,
    read_lakefile,
    scan_files,
)

#: (label, smallest, largest) number of project declarations sharing the last component
STRATA: tuple[tuple[str, int, int], ...] = (("1", 1, 1), ("2-4", 2, 4), ("5+", 5, 1 << 60))
LEMMA_KINDS = frozenset({"theorem", "lemma"})
_OPENERS = {"(": ")", "[": "]", "{": "}", "⟨": "⟩", "⦃": "⦄", "@[": "]", "#[": "]", "%[": "]",
            "`(": ")", "``(": ")", "`[": "]", "‹": "›", "⟦": "⟧"}
_CLOSERS = frozenset(_OPENERS.values())
#: words after which an identifier followed by `:` is no binder of the name before them
_NOT_BINDERS = frozenset({"have", "let", "show", "from", "fun", "at", "with", "using", "by"})


def last_component(name: str) -> str:
    """``A.B.foo`` -> ``foo``; the ledger's disambiguated ``foo@F.lean:3`` -> ``foo``."""
    return name.split("@", 1)[0].rpartition(".")[2]


def stratum(shared: int) -> str:
    return next(label for label, lo, hi in STRATA if lo <= shared <= hi)


def _components(text: str) -> list[str]:
    return [p.replace("«", "").replace("»", "") for p in text.lstrip("`").split(".")]


# ---------------------------------------------------------------------------- the project
@dataclass
class Hit:
    """One token whose dotted components include the searched word."""

    file: str
    line: int
    token: str
    context: str  # the source line, stripped
    form: str  # bare `foo` | qualified `A.foo` | field `h.foo` | dot `.foo` | inner `A.foo.bar`
    receiver: str = ""  # field notation `h.foo`: the binder that states h's type, if one is written


def form(token: str, word: str, after_dot: bool) -> str:
    """How ``token`` mentions ``word``: the first thing a person classifying it looks at."""
    parts = _components(token)
    if after_dot:
        return "dot"
    if parts == [word]:
        return "bare"
    if parts[-1] != word:
        return "inner"
    return "qualified" if parts[0][:1].isupper() or parts[0] == "_root_" else "field"


@dataclass
class Project:
    root: Path
    files: dict[str, bytes]
    texts: dict[str, str]
    tokens: dict[str, list[Token]]
    #: last component -> every (file, token index) whose identifier has it as a component
    occurrences: dict[str, list[tuple[str, int]]]
    #: file -> (bitset of the files it imports, transitively, with itself; its own bit)
    sees: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: file -> records sorted by span size (innermost first when scanning)
    spans: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)

    def imports(self, user: str, used: str) -> bool:
        """Whether ``user`` can see ``used`` at all: itself or a transitive import (by the files'
        own `import` lines; a project import no file provides makes a file see everything)."""
        if user not in self.sees or used not in self.sees:
            return True
        return bool((self.sees[user][0] >> self.sees[used][1]) & 1)

    def enclosing(self, file: str, line: int) -> str | None:
        for first, last, name in self.spans.get(file, ()):
            if first <= line <= last:
                return name
        return None

    def hits(self, word: str) -> list[Hit]:
        out = []
        for file, i in self.occurrences.get(word, ()):
            t = self.tokens[file][i]
            text = self.texts[file]
            a = text.rfind("\n", 0, t.start) + 1
            b = text.find("\n", t.end)
            prev = self.tokens[file][i - 1] if i else None
            after_dot = prev is not None and prev.kind == SYMBOL and prev.text in (".", "|>.") \
                and prev.end == t.start
            how = form(t.text, word, after_dot)
            head = _components(t.text)[0]
            receiver = self.binder(file, i, head) if how in ("field", "inner") and head != word else ""
            out.append(Hit(file, t.line, t.text, text[a : b if b >= 0 else len(text)].strip(), how,
                           receiver))
        return out

    def binder(self, file: str, at: int, name: str) -> str:
        """``name : T`` from the nearest binder before token ``at`` that states ``name``'s type
        (`(name : T)`, `{name other : T}`, `have name : T`, a `variable`), as written; a hint
        for the person classifying a field access, not a resolution."""
        toks = self.tokens[file]
        for j in range(at - 1, -1, -1):
            if toks[j].text != name or toks[j].kind != IDENT:
                continue
            k = j + 1  # `(name other : T)`: more names on the same line, then the colon
            while k < len(toks) and toks[k].kind == IDENT and toks[k].line == toks[j].line \
                    and toks[k].text not in _NOT_BINDERS:
                k += 1
            if k >= len(toks) or toks[k].text != ":":
                continue
            depth, out = 0, []
            for t in toks[k + 1 : k + 40]:
                if t.kind == SYMBOL and t.text in _OPENERS:
                    depth += 1
                elif t.kind == SYMBOL and t.text in _CLOSERS:
                    depth -= 1
                    if depth < 0:
                        break
                elif depth == 0 and t.text in (":=", ","):
                    break
                out.append(t.text)
            where = "" if toks[j].line >= self.start_line(file, toks[at].line) else f" (line {toks[j].line})"
            return f"{name} : {' '.join(out)}{where}"
        return ""

    def start_line(self, file: str, line: int) -> int:
        for first, last, _ in self.spans.get(file, ()):
            if first <= line <= last:
                return first
        return line


def _imports(toks: Sequence[Token]) -> list[str]:
    """The modules named by `import` (also `public import`, `meta import`) lines."""
    out: list[str] = []
    for i, t in enumerate(toks):
        if t.kind == IDENT and t.text == "import" and (
                i == 0 or toks[i - 1].line < t.line or toks[i - 1].text in ("public", "meta")):
            j = i + 1
            while j < len(toks) and toks[j].line == t.line and toks[j].kind == IDENT:
                if toks[j].text != "all":
                    out.append(toks[j].text.replace("«", "").replace("»", ""))
                j += 1
    return out


def load(root: Path) -> Project:
    paths, _ = discover(root)
    files, _ = read_files(root, paths)
    texts: dict[str, str] = {}
    tokens: dict[str, list[Token]] = {}
    occurrences: dict[str, list[tuple[str, int]]] = defaultdict(list)
    imports: dict[str, list[str]] = {}
    for rel, data in sorted(files.items()):
        if not rel.endswith(".lean") or rel == "lakefile.lean":
            continue
        text = data.decode("utf-8", errors="replace")
        toks = lex(text).tokens
        texts[rel], tokens[rel] = text, toks
        imports[rel] = _imports(toks)
        for i, t in enumerate(toks):
            # a declaration's own name (`lemma Foo.bar`) is no use of anything
            if t.kind in (IDENT, NAME) and not (i and toks[i - 1].text in DECL_KEYWORDS):
                for part in dict.fromkeys(_components(t.text)):
                    occurrences[part].append((rel, i))
    libs, _ = read_lakefile(files)
    bit, sees, _ = import_visibility(imports, libs)
    return Project(root, files, texts, tokens, dict(occurrences),
                   sees={rel: (sees[rel], bit[rel]) for rel in bit})


# ---------------------------------------------------------------------------- mutation
def proof_span(project: Project, rec: Record) -> tuple[int, int] | None:
    """Character offsets of the proof of ``rec`` (from its top-level ``:=``, or the first
    line-start ``|`` of an equation-style proof, to its last token), or None if there is none."""
    toks = project.tokens.get(rec.file)
    if not toks:
        return None
    last = last_component(rec.name)
    start = next((i for i, t in enumerate(toks) if t.line == rec.line and t.kind == IDENT
                  and t.text == rec.kind and i + 1 < len(toks)
                  and _components(toks[i + 1].text)[-1] == last), None)
    if start is None:
        return None
    depth = 0
    body = None
    end = start
    for i in range(start + 1, len(toks)):
        t = toks[i]
        if t.line > rec.end_line:
            break
        end = i
        if body is not None:
            continue
        if t.kind == SYMBOL and t.text in _OPENERS:
            depth += 1
        elif t.kind == SYMBOL and t.text in _CLOSERS:
            depth = max(0, depth - 1)
        elif depth == 0 and t.kind == SYMBOL and (
                t.text == ":=" or (t.text == "|" and toks[i - 1].line < t.line)):
            body = i
        elif depth == 0 and t.kind == IDENT and t.text == "where":
            return None  # a structure-instance proof with helpers: not a plain proof
    if body is None:
        return None
    if [x.text for x in toks[body : end + 1]] in ([":=", "sorry"], [":=", "by", "sorry"]):
        return None
    return toks[body].start, toks[end].end


def mutated(project: Project, rec: Record, span: tuple[int, int]) -> dict[str, bytes]:
    """The project's files with the proof of ``rec`` replaced by ``sorry``, every line kept in
    place (the removed lines become empty), so other declarations keep their line numbers."""
    text = project.texts[rec.file]
    a, b = span
    new = text[:a] + ":= sorry" + "\n" * text.count("\n", a, b) + text[b:]
    return {**project.files, rec.file: new.encode("utf-8")}


# ---------------------------------------------------------------------------- the audit
@dataclass
class Candidate:
    name: str
    file: str
    line: int  # the first hit's line
    tokens: list[str]  # every distinct token that mentions the word, with its form
    context: str  # the first hit's source line
    hop: int  # 1: uses the mutated lemma's name itself; 2+: through a deferred candidate
    via: str  # the declaration whose last component was found
    deferred: bool
    possible: bool = False  # deferred only through possible uses (engines that mark them)


@dataclass
class Mutation:
    lemma: str
    file: str
    line: int
    stratum: str
    shared: int
    ok: bool  # the mutated lemma itself is no longer proven (else the mutation failed)
    candidates: list[Candidate] = field(default_factory=list)
    already_deferred: int = 0  # textual users not proven before the mutation
    outside: int = 0  # hits outside every declaration (attribute, #check, ...)
    not_imported: int = 0  # declarations mentioning the word in files that cannot see the lemma
    deferred_total: int = 0  # declarations the mutation deferred, by the engine
    possible_total: int = 0  # of those, deferred only through possible uses
    seconds: float = 0.0

    def survivors(self, hop: int | None = None) -> list[Candidate]:
        return [c for c in self.candidates if not c.deferred and (hop is None or c.hop == hop)]


class Auditor:
    def __init__(self, root: Path, cache_dir: Path) -> None:
        self.project = load(root)
        self.config = load_config(root)
        self.cache = ParseCache(cache_dir)
        self.source = SourceInfo(root=root.name)
        self.base = self.scan(self.project.files)
        self.base_status = {r.name: r.status for r in self.base.records}
        self.file_of = {r.name: r.file for r in self.base.records}
        self.shared: dict[str, int] = defaultdict(int)
        for r in self.base.records:
            if r.kind != "example":
                self.shared[last_component(r.name)] += 1
        spans: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for r in self.base.records:
            spans[r.file].append((r.line, r.end_line, r.name))
        for v in spans.values():
            v.sort(key=lambda s: (s[1] - s[0], -s[0]))  # innermost first
        self.project.spans = dict(spans)

    def scan(self, files: Mapping[str, bytes]) -> Ledger:
        return scan_files(files, source=self.source, generated="1970-01-01T00:00:00Z",
                          config=self.config, cache=self.cache)

    def users(self, name: str) -> tuple[list[tuple[str, list[Hit]]], int, int]:
        """(declaration, its hits) of every textual user of ``name``'s last component in a file
        that imports ``name``'s file; the number of hits outside every declaration; and the
        number of declarations that mention the word but cannot see ``name``'s file."""
        found: dict[str, list[Hit]] = defaultdict(list)
        blind: set[str] = set()
        outside = 0
        home = self.file_of[name]
        for h in self.project.hits(last_component(name)):
            d = self.project.enclosing(h.file, h.line)
            if d is None:
                outside += 1
            elif d == name:
                continue
            elif not self.project.imports(h.file, home):
                blind.add(d)
            else:
                found[d].append(h)
        return sorted(found.items()), outside, len(blind)

    def eligible(self, max_users: int) -> dict[str, list[tuple[Record, tuple[int, int]]]]:
        """Proven lemmas with a replaceable proof and 1 to ``max_users`` textual users, by stratum."""
        out: dict[str, list[tuple[Record, tuple[int, int]]]] = {label: [] for label, _, _ in STRATA}
        for r in self.base.records:
            if r.kind not in LEMMA_KINDS or r.status is not Status.PROVEN:
                continue
            if not 0 < len(self.users(r.name)[0]) <= max_users:
                continue
            span = proof_span(self.project, r)
            if span is not None:
                out[stratum(self.shared[last_component(r.name)])].append((r, span))
        return out

    def mutate(self, rec: Record, span: tuple[int, int], transitive: bool) -> Mutation:
        t0 = time.perf_counter()
        ledger = self.scan(mutated(self.project, rec, span))
        after = {r.name: r.status for r in ledger.records}
        possible = {r.name for r in ledger.records if _possible(r)}
        shared = self.shared[last_component(rec.name)]
        m = Mutation(rec.name, rec.file, rec.line, stratum(shared), shared,
                     after.get(rec.name) not in (Status.PROVEN, None))
        newly = {n for n, s in after.items()
                 if s is Status.DEFERRED and self.base_status.get(n) is Status.PROVEN}
        m.deferred_total, m.possible_total = len(newly), len(newly & possible)
        seen = {rec.name}
        frontier = [rec.name]
        hop = 1
        while frontier:
            nxt: list[str] = []
            for via in frontier:
                found, outside, blind = self.users(via)
                if hop == 1:
                    m.outside, m.not_imported = outside, blind
                for d, hs in found:
                    if d in seen:
                        continue
                    seen.add(d)
                    if self.base_status.get(d) is not Status.PROVEN:
                        m.already_deferred += hop == 1
                        continue
                    deferred = after.get(d) is Status.DEFERRED
                    toks = list(dict.fromkeys(f"{h.token} ({h.form}{'; ' + h.receiver if h.receiver else ''})"
                                              for h in hs))
                    m.candidates.append(Candidate(d, hs[0].file, hs[0].line, toks, hs[0].context, hop,
                                                  via, deferred, d in possible))
                    if deferred:
                        nxt.append(d)
            if not transitive:
                break
            frontier, hop = nxt, hop + 1
        m.seconds = time.perf_counter() - t0
        return m

    def close(self) -> None:
        self.cache.close()


def _possible(r: Record) -> bool:
    """Deferred only through possible uses: engines that resolve ambiguous field notation to
    every candidate mark such records (absent from older ledgers: never)."""
    return bool(getattr(r, "possible_deferral", False))


def sample(pool: Mapping[str, Sequence[tuple[Record, tuple[int, int]]]], per_stratum: int,
           seed: int) -> list[tuple[Record, tuple[int, int]]]:
    out: list[tuple[Record, tuple[int, int]]] = []
    for label, _, _ in STRATA:  # one generator per stratum: a larger sample extends a smaller one
        rng = random.Random(f"{seed}/{label}")
        items = sorted(pool[label], key=lambda x: x[0].name)
        out.extend(rng.sample(items, min(per_stratum, len(items))))
    return out


# ---------------------------------------------------------------------------- reporting
def summary(mutations: Sequence[Mutation]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for label, _, _ in STRATA:
        ms = [m for m in mutations if m.stratum == label and m.ok]
        direct = [c for m in ms for c in m.candidates if c.hop == 1]
        later = [c for m in ms for c in m.candidates if c.hop > 1]
        out[label] = {
            "mutations": len(ms),
            "failed_mutations": sum(1 for m in mutations if m.stratum == label and not m.ok),
            "direct_candidates": len(direct),
            "direct_deferred": sum(c.deferred for c in direct),
            "direct_survivors": sum(not c.deferred for c in direct),
            "already_deferred": sum(m.already_deferred for m in ms),
            "outside_declarations": sum(m.outside for m in ms),
            "not_imported": sum(m.not_imported for m in ms),
            "transitive_candidates": len(later),
            "transitive_survivors": sum(not c.deferred for c in later),
            "direct_possible": sum(c.possible for c in direct),
            "engine_deferred": sum(m.deferred_total for m in ms),
            "engine_possible": sum(m.possible_total for m in ms),
        }
    return out


def render(root: Path, mutations: Sequence[Mutation], seconds: dict[str, float],
           base: dict[str, int], transitive: bool) -> str:
    lines = [f"mutation audit of {root}: {len(mutations)} mutations, "
             f"base scan {seconds['base']:.1f} s, {seconds['per_mutation']:.2f} s per mutation",
             f"unmutated: {base['records']} declarations, {base['deferred']} deferred, "
             f"{base['possible']} of them only through possible uses"]
    head = (f"{'stratum':<8}{'mut':>5}{'users':>7}{'deferred':>10}{'possible':>10}{'survived':>10}"
            f"{'already':>9}{'unseen':>8}")
    if transitive:
        head += f"{'trans':>7}{'t-surv':>8}"
    lines.append(head)
    for label, s in summary(mutations).items():
        row = (f"{label:<8}{s['mutations']:>5}{s['direct_candidates']:>7}{s['direct_deferred']:>10}"
               f"{s['direct_possible']:>10}{s['direct_survivors']:>10}{s['already_deferred']:>9}"
               f"{s['not_imported']:>8}")
        if transitive:
            row += f"{s['transitive_candidates']:>7}{s['transitive_survivors']:>8}"
        lines.append(row)
    failed = [m for m in mutations if not m.ok]
    for m in failed:
        lines.append(f"mutation failed (the lemma stayed proven): {m.lemma} {m.file}:{m.line}")
    for m in mutations:
        surv = m.survivors()
        if not m.ok or not surv:
            continue
        lines.append(f"\n[{m.stratum}] {m.lemma} ({m.file}:{m.line}, shared by {m.shared}): "
                     f"{len(surv)} of {len(m.candidates)} candidates stayed proven")
        for c in surv:
            hop = "" if c.hop == 1 else f" (hop {c.hop} via {c.via})"
            lines.append(f"  {c.file}:{c.line}  {c.name}{hop}\n      {', '.join(c.tokens)}  in: {c.context[:160]}")
    return "\n".join(lines)


def run(root: Path, per_stratum: int, seed: int, transitive: bool = False,
        cache_dir: Path | None = None, max_users: int = 30, replay: Sequence[str] = (),
        ) -> tuple[list[Mutation], dict[str, float], dict[str, int]]:
    with tempfile.TemporaryDirectory(prefix="zerosorry-mutate-") as tmp:
        t0 = time.perf_counter()
        auditor = Auditor(root, cache_dir or Path(tmp))
        try:
            base = time.perf_counter() - t0
            if replay:  # the lemmas of an earlier run, to compare two engines on equal terms
                by_name = {r.name: r for r in auditor.base.records}
                picked = [(by_name[n], span) for n in replay if n in by_name
                          and (span := proof_span(auditor.project, by_name[n])) is not None]
            else:
                picked = sample(auditor.eligible(max_users), per_stratum, seed)
            t1 = time.perf_counter()
            mutations = [auditor.mutate(r, span, transitive) for r, span in picked]
            per = (time.perf_counter() - t1) / max(1, len(picked))
            recs = auditor.base.records
            counts = {"records": len(recs),
                      "deferred": sum(r.status is Status.DEFERRED for r in recs),
                      "possible": sum(_possible(r) for r in recs)}
        finally:
            auditor.close()
    return mutations, {"base": base, "per_mutation": per}, counts


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("path", type=Path, help="the Lean project's root")
    ap.add_argument("--per-stratum", type=int, default=10, help="mutations per stratum (default 10)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="write every mutation and candidate here")
    ap.add_argument("--transitive", action="store_true",
                    help="also follow textual users of the candidates the engine deferred")
    ap.add_argument("--max-users", type=int, default=30,
                    help="sample only lemmas with at most this many textual users, so that a person "
                         "can classify what survives (default 30)")
    ap.add_argument("--replay", type=Path, metavar="JSON",
                    help="mutate the lemmas of an earlier run's --json output instead of sampling")
    ap.add_argument("--cache-dir", type=Path, help="parse cache to use (default: a temporary one)")
    args = ap.parse_args(argv)
    if not args.path.is_dir():
        print(f"{args.path}: not a directory", file=sys.stderr)
        return 2
    replay = ([m["lemma"] for m in json.loads(args.replay.read_text(encoding="utf-8"))["mutations"]]
              if args.replay else [])
    mutations, seconds, base = run(args.path, args.per_stratum, args.seed, args.transitive,
                                   args.cache_dir, args.max_users, replay)
    print(render(args.path, mutations, seconds, base, args.transitive))
    if args.json:
        args.json.write_text(json.dumps({
            "root": str(args.path), "seed": args.seed, "per_stratum": args.per_stratum,
            "max_users": args.max_users,
            "seconds": seconds, "unmutated": base, "summary": summary(mutations),
            "mutations": [asdict(m) for m in mutations],
        }, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
