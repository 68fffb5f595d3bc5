"""The project's syntax applied to its declarations (the scan's step between parsing and
resolution): learned declaring commands, and every use of a macro, notation or elaborator that
expands to a sorry, a trust extension, meta code or project declarations.

A use of syntax that expands to ``sorry`` is a sorry of the declaration that uses it (its line
joins ``sorry_lines``; ``reason`` names the syntax and where it is defined); a trust extension
joins its trust uses; an elaborator whose meta code the source engine cannot follow is said in
``approximate``; project declarations named in an expansion become uses of the declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Protocol

from ..ledger.model import Declaration, Diagnostic, Severity, TrustUse
from .names import NameIndex
from .parser import ParsedFile
from .syntax_table import (
    DeclSpan,
    FoundHits,
    Hit,
    SyntaxDef,
    SyntaxTable,
    Use,
    atom_hits,
    build_table,
    find_uses,
)


class HitsCache(Protocol):
    """Where atom hits are kept between scans (the scan's SQLite cache)."""

    def get(self, fp: str) -> dict[str, list[Hit]]: ...

    def put(self, fp: str, items: dict[str, list[Hit]]) -> None: ...


def project_table(parsed: Mapping[str, ParsedFile], names: Sequence[str] = (),
                  memo: SyntaxMemo | None = None) -> SyntaxTable:
    """The syntax table of every parsed file (``names``: the project's declaration names);
    ``memo``: the previous table, reused when no syntax definition and no last name component
    changed."""
    last = {n.rpartition(".")[2] for n in names}
    per_file = {rel: pf.syntax for rel, pf in parsed.items()}
    if memo is not None and memo.table is not None and memo.last == last and memo.per_file == per_file:
        return memo.table
    table = build_table(per_file, last)
    if memo is not None:
        memo.reset(table, per_file, last)
    return table


class SyntaxMemo:
    """What a live session keeps of the project syntax step between refreshes: the table and the
    inputs it was built from, each file's uses of it (by file and parse key, valid while the
    table and the import visibility stay), and the declarations each definition's references
    resolve to (valid while the table and the name index stay)."""

    def __init__(self) -> None:
        self.table: SyntaxTable | None = None
        self.per_file: dict[str, list[SyntaxDef]] = {}
        self.last: set[str] = set()
        self.visibility: tuple[Mapping[str, int], Mapping[str, int]] | None = None
        self.uses: dict[tuple[str, str], tuple[int, list[Use]]] = {}  # -> (first declaration, uses)
        self.index: NameIndex | None = None
        self.resolved: dict[int, list[int]] = {}
        #: counts the times any of it was dropped: while it stays, a file whose parse key stayed
        #: has the same uses, resolved alike, so its declarations get the same effects
        self.generation = 0

    def reset(self, table: SyntaxTable, per_file: dict[str, list[SyntaxDef]], last: set[str]) -> None:
        self.table, self.per_file, self.last = table, per_file, last
        self.uses, self.index, self.resolved = {}, None, {}
        self.generation += 1

    def file_uses(self, file_bit: Mapping[str, int], sees: Mapping[str, int],
                  keys: Mapping[str, str]) -> dict[tuple[str, str], tuple[int, list[Use]]]:
        """The kept uses, for this import visibility and these parse keys (others forgotten)."""
        if self.visibility is None or self.visibility != (file_bit, sees):
            self.uses = {}
            self.visibility = (dict(file_bit), dict(sees))
            self.generation += 1
        live = {(rel, k) for rel, k in keys.items()}
        self.uses = {k: v for k, v in self.uses.items() if k in live}
        return self.uses


def learned_commands(table: SyntaxTable, known: Mapping[str, str]) -> dict[str, str]:
    """Declaring commands the project defines itself (keyword -> kind), minus those already
    known (built in, or registered in zerosorry.toml)."""
    return {kw: kind for kw, (kind, _) in sorted(table.commands.items())
            if kw not in known and kw.replace("_", "").replace("'", "").isalnum()}


def learned_diagnostics(table: SyntaxTable, learned: Mapping[str, str]) -> list[Diagnostic]:
    out = []
    for kw in sorted(learned):
        kind, d = table.commands[kw]
        what = ("takes a statement without a required proof: each one is deferred on its own account, like proof_wanted"
                if kind == "proof_wanted" else f"makes {'an' if kind[:1] in 'aeiou' else 'a'} {kind}: its "
                "declarations are scanned as such")
        out.append(Diagnostic("learned-command", f"`{kw}` is a declaring command the project defines ({d.kind} at "
                              f"{d.where()}); it {what}", d.file, d.line, None, Severity.INFO))
    return out


@dataclass
class SyntaxEffects:
    uses: dict[int, set[int]] = field(default_factory=dict)  # declaration -> project declarations
    notes: dict[int, list[str]] = field(default_factory=dict)  # declaration -> approximate notes
    reasons: dict[int, list[str]] = field(default_factory=dict)  # declaration -> why it holds a sorry
    touched: set[int] = field(default_factory=set)  # every declaration it changed or said something of


def apply_syntax(
    table: SyntaxTable,
    decls: Sequence[Declaration],
    spans: Sequence[tuple[str, int, int]],
    parsed: Mapping[str, ParsedFile],
    texts: Mapping[str, bytes],
    file_bit: Mapping[str, int],
    sees: Mapping[str, int],
    index: Callable[[], NameIndex],
    learned: Mapping[str, str],
    keys: Mapping[str, str],
    hits_cache: HitsCache | None = None,
    memo: SyntaxMemo | None = None,
    found: FoundHits | None = None,
) -> SyntaxEffects:
    """Find every use of effective project syntax and apply it to ``decls`` (their sorry lines
    and trust uses change in place); the extra uses, notes and reasons are returned.

    ``keys`` are the files' parse keys: a file's atom hits depend only on its text and the
    table's atoms, so ``hits_cache`` keeps them between scans.  ``memo`` (whose table ``table``
    must be) keeps each file's uses and the definitions' resolved references between calls;
    ``found``: hits found while parsing, read instead of lexing a file again where they tell."""
    out = SyntaxEffects()
    stored_hits: dict[str, list[Hit]] | None = None
    fresh: dict[str, list[Hit]] = {}
    kept = memo.file_uses(file_bit, sees, keys) if memo is not None else {}
    idx: NameIndex | None = None
    resolved: dict[int, list[int]] = {}
    if memo is not None:  # the caller's index is at hand: references resolved before stand while it does
        idx = index()
        if memo.index is not idx:
            memo.index, memo.resolved = idx, {}
            memo.generation += 1
        resolved = memo.resolved
    effective = [table.defs[i] for ids in table.by_atom.values() for i in ids]
    effective_files = {d.file for d in effective}
    # a file is read when it defines effective syntax or imports a file whose syntax reaches it
    # (a `local` notation stays in its own file)
    bits = sorted({file_bit[d.file] for d in effective if d.scope != "local" and d.file in file_bit})
    position = {id(d): i for i, d in enumerate(table.defs)}
    done: set[tuple[int, int]] = set()  # (declaration, definition) whose references are added
    for rel, start, end in spans:
        if start == end or not (rel in effective_files or any((sees.get(rel, 0) >> b) & 1 for b in bits)):
            continue
        got = kept.get((rel, keys[rel]))
        if got is not None:
            shift = start - got[0]
            uses = got[1] if not shift else [replace(u, decl=u.decl + shift) for u in got[1]]
        else:
            pf = parsed[rel]
            dspans = [DeclSpan(i, decls[i].line, decls[i].column, decls[i].end_line, decls[i].namespace,
                               (*decls[i].opens, *pf.scoped_opens.get(i - start, ())),
                               pf.var_spans.get(i - start, ()))
                      for i in range(start, end)]
            key = f"{rel}\0{keys[rel]}"
            if stored_hits is None:
                stored_hits = hits_cache.get(table.atoms_key) if hits_cache and table.by_atom else {}
            hits = stored_hits.get(key)
            if hits is None:
                text = partial(texts[rel].decode, "utf-8", "replace")
                hits = found.narrow(keys[rel], table, text) if found is not None else None
                hits = fresh[key] = hits if hits is not None else atom_hits(text(), table)
            uses = find_uses(hits, rel, dspans, table, sees, file_bit)
            if memo is not None:
                kept[(rel, keys[rel])] = (start, uses)
        for use in uses:
            d = decls[use.decl]
            out.touched.add(use.decl)
            effs = [(table.defs[j], table.effects[j]) for j in use.defs]
            # one use is one sorry, whatever number of rules for the atom bring one
            sorried = next(((sd, eff) for sd, eff in effs if eff.sorry), None)
            if sorried is not None:
                sd, eff = sorried
                d.sorry_lines = (*d.sorry_lines, use.line)
                src = eff.sorry[0]
                via = "" if src is sd else f" through {src.kind} at {src.where()}"
                _note(out.reasons, use.decl,
                      f"line {use.line} uses `{use.atom}` ({sd.kind} at {sd.where()}), which expands to sorry{via}")
            for t in sorted({t for _, eff in effs for t in eff.trusts}):
                d.trusts = (*d.trusts, TrustUse(t, use.line))
            opaque = next(((sd, eff) for sd, eff in effs if eff.meta), None)
            if sorried is None and opaque is not None:
                sd, eff = opaque
                _note(out.notes, use.decl, f"line {use.line} uses `{use.atom}` ({sd.kind} at {sd.where()}), elaborated "
                                           f"by meta code at {eff.meta[0].where()} that the source engine cannot see through")
            for _, eff in effs:
                for r in eff.refs:
                    k = position[id(r)]
                    if (use.decl, k) in done:
                        continue
                    done.add((use.decl, k))
                    if k not in resolved:
                        if idx is None:
                            idx = index()
                        probe = Declaration(name=f"<syntax {r.where()}>", kind="syntax", file=r.file, line=r.line,
                                            end_line=r.line, namespace=r.namespace, opens=r.opens, refs=r.refs)
                        resolved[k] = idx.resolve(probe).uses
                    if resolved[k]:  # real uses (in `uses`, so `why` shows the chain), not guesses
                        out.uses.setdefault(use.decl, set()).update(resolved[k])
    if hits_cache and fresh:
        hits_cache.put(table.atoms_key, fresh)
    for rel, start, end in spans:
        if not learned:
            break
        lines: list[str] | None = None
        for i in range(start, end):
            d = decls[i]
            if d.kind != "proof_wanted":
                continue
            lines = lines or texts[rel].decode("utf-8", errors="replace").splitlines()
            word = lines[d.line - 1][d.column - 1 :].split(maxsplit=1)[0] if d.line <= len(lines) else ""
            if word in learned:
                out.touched.add(i)
                _, sd = table.commands[word]
                out.reasons.setdefault(i, []).append(
                    f"`{word}` (a declaring command defined at {sd.where()}) records the statement without a proof")
    return out


def _note(table: dict[int, list[str]], i: int, text: str) -> None:
    notes = table.setdefault(i, [])
    if text not in notes:
        notes.append(text)


__all__ = ["SyntaxEffects", "SyntaxMemo", "apply_syntax", "learned_commands", "learned_diagnostics", "project_table"]
