"""The project's own syntax: what its macros, notations and elaborators expand to.

A project can define syntax whose expansion holds a ``sorry`` (a tactic macro ``my_tac`` that
expands to ``sorry``, a ``local notation`` for a sorried term), a trust extension
(``native_decide``), a reference to a project declaration (``notation "𝔼" => myExpect``), or a
new declaring command (``my_theorem``, a ``proof_wanted`` of its own).  Lean expands them before
it elaborates; a scan of the source has to do the same, or a declaration that proves with
``by my_tac`` shows **proven**.

Three steps, following the data flow:

1. :func:`read_command` (called by the parser, per file, cached with the parse) turns each
   ``macro``, ``macro_rules``, ``syntax``, ``notation``, ``notation3``, ``infix``/``infixl``/
   ``infixr``/``prefix``/``postfix``, ``elab``, ``elab_rules`` command, and each
   ``@[command_parser]``/``@[tactic n]``/``@[term_elab n]``/``@[macro n]`` definition, into a
   :class:`SyntaxDef`: the atoms that invoke it, how it is scoped (``local``: to the end of its
   section or namespace in its file; ``scoped``: where its namespace is the current one or is
   opened; otherwise: its file and every file importing it), and what its right-hand side holds.
2. :func:`build_table` (over the whole project, after every file is parsed) links rules to the
   syntax they implement, closes the effects transitively (a macro that expands to another
   macro that expands to ``sorry``) and learns the project's declaring commands.
3. :func:`find_uses` lexes a file that can see an effective syntax and reports, per
   declaration, every token run that invokes one, where that syntax is in scope.

Everything is token-based: a ``sorry`` inside a string or a comment of a macro is no sorry.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Final, TypeVar

from .lexer import (
    CLOSE_BRACKETS,
    DOC,
    ID_REST,
    IDENT,
    NAME,
    NUMBER,
    OPEN_BRACKETS,
    STRING,
    SYMBOL,
    Token,
    lex,
    matching_close,
)

#: the commands this module reads
SYNTAX_COMMANDS: Final = frozenset({"macro", "macro_rules", "syntax", "notation", "notation3", "infix", "infixl",
                             "infixr", "prefix", "postfix", "elab", "elab_rules"})
#: attributes that attach meta code to a syntax kind: `@[tactic foo] def evalFoo …`
ELAB_ATTRIBUTES: Final = frozenset({"tactic", "term_elab", "command_elab", "macro", "builtin_tactic"})
#: meta-level functions that close a goal or build a term with sorry (by last name component)
SORRY_META: Final = frozenset({"sorry", "admit", "sorryAx", "admitGoal", "mkSorry", "mkSyntheticSorry",
                        "mkLabeledSorry", "closeUsingOrAdmit"})
#: atoms too common to identify a syntax by: a pattern is invoked by its first atom not in here
COMMON_ATOMS: Final = frozenset({"(", ")", "[", "]", "{", "}", "⟨", "⟩", ",", ":", ":=", "|", ".", "=>", "_", ";",
                          "←", "→", "<-", "->", "at", "with", "using", "only", "in", "from", "by", "*", "$",
                          "@", "!", "?", "'"})
#: pattern parsers that mark a command as declaring: its statement and, maybe, its proof
_DECL_SIG: Final = frozenset({"declSig", "optDeclSig"})
#: the text every name of :data:`_DECL_SIG` contains (a test holds them to it)
DECL_SIG_TEXT: Final = b"eclSig"


def may_define_commands(data: bytes) -> bool:
    """Whether a file's bytes may define a declaring command (a syntax that takes one of
    :data:`_DECL_SIG`): a file without :data:`DECL_SIG_TEXT` does not.  The scan parses such
    files first, and a warm re-scan treats an edit of one as no proof edit."""
    return DECL_SIG_TEXT in data
_DECL_VAL: Final = frozenset({"declVal", "declBody", "declValSimple", "declValEqns", "termination"})
_NOT_IN_DECLS: Final = frozenset({"command", "attr", "prio", "prec"})
_DECL_RHS: Final = ("theorem", "lemma", "def", "abbrev", "instance", "example", "opaque", "axiom", "structure",
             "class", "inductive")


@dataclass
class SyntaxDef:
    """One syntax-defining command (or one alternative of a ``macro_rules``/``elab_rules``)."""

    kind: str  # the command: macro, macro_rules, syntax, notation, elab, elab_rules, command_parser, …
    line: int
    category: str = ""  # tactic, term, command, attr, … ("" when not written)
    atoms: tuple[str, ...] = ()  # the pattern's atoms, in order
    #: the atoms that directly follow the head in the pattern (`" <;> " "["`): a use must spell them
    follow: tuple[str, ...] = ()
    name: str = ""  # the syntax node kind it declares, `(name := n)` or a `def`'s name
    implements: str = ""  # the node kind a rule or an elaborator implements: `(kind := n)`, `@[tactic n]`
    scope: str = "global"  # global | local | scoped
    namespace: str = ""  # the namespace it was defined in (what `scoped` refers to)
    until: int = 0  # `local`: the last line where it is active (0: to the end of the file)
    sorry: bool = False  # its right-hand side holds a sorry
    trusts: tuple[str, ...] = ()  # trust extensions its right-hand side uses
    meta: bool = False  # elaborated by meta code the source engine cannot follow
    rhs: tuple[tuple[str, bool], ...] = ()  # its right-hand side's code tokens (text, glued to previous)
    refs: tuple[str, ...] = ()  # identifiers of the right-hand side that may name project declarations
    opens: tuple[str, ...] = ()  # namespaces open where it is defined (to resolve ``refs``)
    decl_kind: str = ""  # declaring command: the declaration kind it makes, "proof_wanted" without proof
    file: str = ""  # set by the scan

    @property
    def head(self) -> str:
        """The atom that invokes it: the pattern's first atom that is not a common token."""
        return next((a for a in self.atoms if a not in COMMON_ATOMS), self.atoms[0] if self.atoms else "")

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file else f"line {self.line}"


def _glued(toks: Sequence[Token], i: int) -> bool:
    return i > 0 and toks[i].start == toks[i - 1].end


def atom_text(tok: Token) -> str:
    """A string literal of a syntax pattern as the token it declares: `" ⊞ "` -> `⊞`."""
    body = tok.text
    if body.startswith('"') and body.endswith('"') and len(body) >= 2:
        body = body[1:-1]
    return body.replace('\\"', '"').replace("\\\\", "\\").strip()


_OPENERS: Final = OPEN_BRACKETS
_CLOSERS: Final = CLOSE_BRACKETS


def _depths(toks: Sequence[Token]) -> list[int]:
    """Bracket depth before each token."""
    out = []
    depth = 0
    for t in toks:
        if t.kind == SYMBOL and t.text in _CLOSERS:
            depth = max(0, depth - 1)
        out.append(depth)
        if t.kind == SYMBOL and t.text in _OPENERS:
            depth += 1
    return out


def _skip_header(toks: Sequence[Token], i: int, e: int, out: dict[str, str]) -> int:
    """After a command keyword: `:prec` glued to it, then `(name := n)`, `(priority := p)`,
    `(kind := n)` groups; their values go to ``out``."""
    if i < e and toks[i].text == ":" and _glued(toks, i):
        i += 1
        while i < e and _glued(toks, i):
            i += 1
    while i + 2 < e and toks[i].text == "(" and toks[i + 1].kind == IDENT and toks[i + 2].text == ":=":
        key = toks[i + 1].text
        j = matching_close(toks, i, e)
        out[key] = "".join(t.text for t in toks[i + 3 : j])
        i = j + 1
    return i


def _antiquote_end(toks: Sequence[Token], i: int, e: int) -> int:
    """``$x``, ``$x:term``, ``$(…)``, ``$[…]?``: the index after the antiquotation at ``i``."""
    j = i + 1
    if j < e and _glued(toks, j) and toks[j].text in ("(", "["):
        depth = 0
        while j < e:
            if toks[j].text in _OPENERS:
                depth += 1
            elif toks[j].text in _CLOSERS:
                depth -= 1
                if depth == 0:
                    j += 1
                    break
            j += 1
    elif j < e and _glued(toks, j) and toks[j].kind == IDENT:
        j += 1
    while j < e and _glued(toks, j) and toks[j].text in (":", "*", "?", ",*", ","):
        j += 1
        if toks[j - 1].text == ":" and j < e and toks[j].kind == IDENT and _glued(toks, j):
            j += 1
    return j


def _quote_heads(toks: Sequence[Token], a: int, b: int) -> list[str]:
    """The first atom of each quotation `` `(cat| …) `` in ``toks[a:b]``: glued symbols join
    (`+++` is lexed as `++` `+`), antiquotations are skipped."""
    heads: list[str] = []
    i = a
    while i < b:
        t = toks[i]
        if t.kind == SYMBOL and t.text in ("`(", "`["):
            j = i + 1
            if j + 1 < b and toks[j].kind == IDENT and toks[j + 1].text == "|":
                j += 2  # `(tactic| …)
            atoms = _atoms_of_tokens(toks, j, b)
            head = next((x for x in atoms if x not in COMMON_ATOMS), atoms[0] if atoms else "")
            if head:
                heads.append(head)
            return heads
        i += 1
    return heads


def _atoms_of_tokens(toks: Sequence[Token], i: int, b: int) -> list[str]:
    """The literal tokens of a quotation body, up to its closing bracket (glued symbols joined)."""
    out: list[str] = []
    depth = 0
    while i < b:
        t = toks[i]
        if t.kind == SYMBOL and t.text == "$":
            i = _antiquote_end(toks, i, b)
            continue
        if t.kind == SYMBOL and t.text in _CLOSERS:
            if depth == 0:
                break
            depth -= 1
        elif t.kind == SYMBOL and t.text in _OPENERS:
            depth += 1
        if t.kind == SYMBOL and t.text not in _OPENERS and t.text not in _CLOSERS:
            run = t.text
            while i + 1 < b and _glued(toks, i + 1) and toks[i + 1].kind == SYMBOL and toks[i + 1].text != "$" \
                    and toks[i + 1].text not in _OPENERS and toks[i + 1].text not in _CLOSERS:
                i += 1
                run += toks[i].text
            out.append(run)
        elif t.kind == IDENT or t.kind == SYMBOL:
            out.append(t.text)
        i += 1
    return out


@dataclass(frozen=True)
class Context:
    """Where a command stands: filled in by the parser."""

    namespace: str
    opens: tuple[str, ...]
    scope: str  # global | local | scoped
    scoped_ns: str  # `scoped[NS]`: the namespace written; else ""
    sorry_words: frozenset[str]
    trust_words: Mapping[str, str]
    reserved: frozenset[str]


def _rhs_info(toks: Sequence[Token], a: int, b: int, ctx: Context, bound: set[str]
              ) -> tuple[bool, tuple[str, ...], tuple[tuple[str, bool], ...], tuple[str, ...]]:
    """(holds a sorry, trust extensions, code tokens, project-name candidates) of ``toks[a:b]``."""
    sorry = False
    trusts: list[str] = []
    code: list[tuple[str, bool]] = []
    refs: list[str] = []
    for i in range(a, b):
        t = toks[i]
        if t.kind in (STRING, DOC, NUMBER):
            continue
        code.append((t.text, i > a and _glued(toks, i)))
        if t.kind == NAME and t.text.lstrip("`").rpartition(".")[2] in SORRY_META:
            sorry = True  # mkConst ``sorryAx
        if t.kind != IDENT:
            continue
        w = t.text
        after = toks[i - 1].text if i > a else ""
        last = w.rpartition(".")[2]
        if w in ctx.sorry_words or last in SORRY_META or (w == "stop" and _tactic_position(toks, i, a, b)):
            sorry = True
        elif w in ctx.trust_words:
            trusts.append(ctx.trust_words[w])
        elif w == "native" and after == "+":
            trusts.append("decide +native")
        elif w == "debug.skipKernelTC":
            trusts.append("debug.skipKernelTC")
        if (after == "$" or (after == ":" and i >= a + 2 and _glued(toks, i - 1))) and _glued(toks, i):
            continue  # an antiquotation `$x`, `$x:cat`: a pattern variable, its category
        if w in bound or w in ctx.reserved or w in ("stop", "tactic", "term", "_"):
            continue
        refs.append(w)
    return sorry, tuple(dict.fromkeys(trusts)), tuple(code), tuple(dict.fromkeys(refs))


def _tactic_position(toks: Sequence[Token], i: int, a: int, b: int) -> bool:
    """Whether the identifier at ``i`` stands where a tactic does (`(tactic| stop)`, after `by`,
    `;`, `<;>`, `=>`, `·`, or first on its line) and is not a field or a binder (`stop := …`)."""
    nxt = toks[i + 1].text if i + 1 < b else ""
    if nxt in (":=", ":", ".", ",", "=") or (i > a and toks[i - 1].text in (".", "$")):
        return False
    return i == a or toks[i - 1].line < toks[i].line or toks[i - 1].text in ("|", ";", "by", "<;>", "=>", "·", "(")


def _find(toks: Sequence[Token], depths: Sequence[int], a: int, b: int, text: str) -> int:
    return next((i for i in range(a, b) if depths[i - a] == 0 and toks[i].text == text), -1)


def read_command(toks: Sequence[Token], k: int, e: int, ctx: Context) -> list[SyntaxDef]:
    """The syntax definitions of the command whose keyword is ``toks[k]`` (ending before ``e``)."""
    w = toks[k].text
    hdr: dict[str, str] = {}
    i = _skip_header(toks, k + 1, e, hdr)
    base = SyntaxDef(kind=w, line=toks[k].line, name=hdr.get("name", ""), implements=hdr.get("kind", ""),
                     scope=ctx.scope, namespace=ctx.scoped_ns or ctx.namespace, opens=ctx.opens)
    depths = _depths(toks[i:e])
    if w in ("macro_rules", "elab_rules"):
        cat = ""
        if i + 1 < e and toks[i].text == ":" and toks[i + 1].kind == IDENT:
            cat = toks[i + 1].text
            i += 2
            if i + 1 < e and toks[i].text == "<=":
                i += 2
            depths = _depths(toks[i:e])
        # alternatives: `|` at depth 0, no further right than the first one (a `match` inside
        # a right-hand side sits deeper)
        bars = [j for j in range(i, e) if depths[j - i] == 0 and toks[j].text == "|"]
        col = toks[bars[0]].col if bars else 0
        bars = [j for j in bars if toks[j].col <= col or j == bars[0]]
        out = []
        for n, a in enumerate(bars):
            b = bars[n + 1] if n + 1 < len(bars) else e
            arrow = next((j for j in range(a, b) if depths[j - i] == 0 and toks[j].text == "=>"), -1)
            if arrow < 0:
                continue
            heads = _quote_heads(toks, a, arrow)
            bound = {toks[j + 1].text for j in range(a, arrow - 1) if toks[j].text == "$"}
            sorry, trusts, code, refs = _rhs_info(toks, arrow + 1, b, ctx, bound)
            out.append(replace(base, line=toks[a].line, category=cat, atoms=tuple(heads[:1]), sorry=sorry,
                               trusts=trusts, meta=w == "elab_rules", rhs=code, refs=refs))
        return out
    if w in ("notation", "notation3", "infix", "infixl", "infixr", "prefix", "postfix"):
        arrow = _find(toks, depths, i, e, "=>")
        if arrow < 0:
            return []
        pattern = toks[i:arrow]
        atoms = tuple(a for a in (atom_text(t) for t in pattern if t.kind == STRING) if a)
        # notation3's binder expansions sit in the pattern: `r:(scoped f => myExpect f)`
        inner = [(j, next((c for c in range(j, arrow) if depths[c - i] < depths[j - i]), arrow))
                 for j in range(i, arrow) if toks[j].text == "=>" and depths[j - i] > 0]
        bound = {t.text for n, t in enumerate(pattern, i) if t.kind == IDENT and not any(a < n < b for a, b in inner)}
        sorry, trusts, code, refs = _rhs_info(toks, arrow + 1, e, ctx, bound)
        d = replace(base, category="term", atoms=atoms, sorry=sorry, trusts=trusts, rhs=code, refs=refs)
        d.follow = _follow(pattern, d.head)
        for j, close in inner:
            s2, t2, c2, r2 = _rhs_info(toks, j + 1, close, ctx, bound)
            d.sorry, d.trusts = d.sorry or s2, tuple(dict.fromkeys((*d.trusts, *t2)))
            d.rhs, d.refs = (*d.rhs, *c2), tuple(dict.fromkeys((*d.refs, *r2)))
        return [d]
    # syntax, macro, elab: pattern `: category` (=> right-hand side)
    arrow = _find(toks, depths, i, e, "=>") if w != "syntax" else -1
    stop = arrow if arrow >= 0 else e
    colon = next((j for j in range(stop - 1, i - 1, -1)
                  if depths[j - i] == 0 and toks[j].text == ":" and j + 1 < e and toks[j + 1].kind == IDENT
                  and not _glued(toks, j)), -1)
    if colon < 0:
        return []
    pattern = toks[i:colon]
    cat = toks[colon + 1].text
    atoms = tuple(a for a in (atom_text(t) for t in pattern if t.kind == STRING) if a)
    idents = {t.text.rpartition(".")[2] for t in pattern if t.kind == IDENT}
    bound = {pattern[j].text for j in range(len(pattern) - 1)
             if pattern[j].kind == IDENT and pattern[j + 1].text == ":" and _glued(pattern, j + 1)}
    d = replace(base, category=cat, atoms=atoms)
    d.follow = _follow(pattern, d.head)
    if arrow >= 0:
        d.sorry, d.trusts, d.rhs, d.refs = _rhs_info(toks, arrow + 1, e, ctx, bound)
        d.meta = w == "elab"
    if cat == "command" and idents & _DECL_SIG:
        pdepths = _depths(pattern)
        optional = any(t.kind == STRING and atom_text(t) == ":=" and pdepths[n] > 0 for n, t in enumerate(pattern))
        d.decl_kind = _declaring_kind(d, idents | set(atoms), optional)
    return [d]


def _follow(pattern: Sequence[Token], head: str) -> tuple[str, ...]:
    """The atoms right after the head atom at the pattern's top level, up to anything else."""
    depths = _depths(pattern)
    for n, t in enumerate(pattern):
        if t.kind == STRING and depths[n] == 0 and atom_text(t) == head:
            out = []
            for u, du in zip(pattern[n + 1 :], depths[n + 1 :], strict=True):
                if u.kind != STRING or du != 0 or not atom_text(u):
                    break
                out.append(atom_text(u))
            return tuple(out)
    return ()


def _declaring_kind(d: SyntaxDef, pattern_words: set[str], optional: bool) -> str:
    """A command with a statement (`declSig`): the kind of declaration it makes; "proof_wanted"
    when it takes no proof, may omit it (`(" := " term)?`), or expands to a proof by sorry."""
    if optional or not (pattern_words & _DECL_VAL or ":=" in pattern_words) or d.sorry:
        return "proof_wanted"
    words = [t for t, _ in d.rhs]
    return next((t for t in words if t in _DECL_RHS), "theorem")


def read_definition(name: str, attrs: Sequence[tuple[str, Sequence[Token]]], body: Sequence[Token],
                    line: int, ctx: Context) -> list[SyntaxDef]:
    """A ``def`` that defines syntax or elaborates it: ``@[command_parser] def kw := leading_parser
    declModifiers false >> "kw" >> declId >> declSig`` (a declaring command), or ``@[tactic foo]
    def evalFoo …`` (meta code for the syntax kind ``foo``)."""
    out: list[SyntaxDef] = []
    for attr, args in attrs:
        if attr == "command_parser":
            atoms = tuple(a for a in (atom_text(t) for t in body if t.kind == STRING) if a)
            idents = {t.text.rpartition(".")[2] for t in body if t.kind == IDENT}
            d = SyntaxDef(kind="command_parser", line=line, category="command", atoms=atoms, name=name,
                          scope=ctx.scope, namespace=ctx.namespace, opens=ctx.opens)
            if idents & _DECL_SIG:
                d.decl_kind = _declaring_kind(d, idents | set(atoms), bool(idents & {"optional", "many"}))
            out.append(d)
        elif attr in ELAB_ATTRIBUTES and args and args[0].kind == IDENT:
            sorry, trusts, code, refs = _rhs_info(body, 0, len(body), ctx, set())
            out.append(SyntaxDef(kind=f"@[{attr}]", line=line, implements=args[0].text, scope=ctx.scope,
                                 namespace=ctx.namespace, opens=ctx.opens, sorry=sorry, trusts=trusts,
                                 meta=attr != "macro", rhs=code, refs=refs))
    return out


# ---------------------------------------------------------------------------- the project table
@dataclass
class Effect:
    """What invoking a syntax amounts to, transitively."""

    sorry: list[SyntaxDef] = field(default_factory=list)  # the definitions that bring a sorry
    trusts: dict[str, SyntaxDef] = field(default_factory=dict)
    meta: list[SyntaxDef] = field(default_factory=list)
    refs: list[SyntaxDef] = field(default_factory=list)  # definitions whose refs the use inherits

    def __bool__(self) -> bool:
        return bool(self.sorry or self.trusts or self.meta or self.refs)


@dataclass
class SyntaxTable:
    defs: list[SyntaxDef]
    effects: list[Effect]  # per definition
    #: learned declaring commands: keyword -> (kind, definition)
    commands: dict[str, tuple[str, SyntaxDef]]
    #: atom -> indices of definitions it invokes (effective ones only)
    by_atom: dict[str, list[int]]
    #: what :func:`atom_hits` depends on besides the text: every indexed (atom, follow)
    atoms_key: str = ""

    def visible(self, i: int, file: str, line: int, namespace: str, opens: Iterable[str],
                sees: Mapping[str, int] | None, file_bit: Mapping[str, int] | None) -> bool:
        """Whether definition ``i`` is in scope at ``line`` of ``file`` (inside ``namespace``,
        with ``opens`` open)."""
        d = self.defs[i]
        if d.file == file:
            if line <= d.line or (d.scope == "local" and d.until and line > d.until):
                return False
        else:
            if d.scope == "local":
                return False
            if sees is not None and file_bit is not None:
                bit = file_bit.get(d.file)
                if bit is not None and not (sees.get(file, -1) >> bit) & 1:
                    return False
        if d.scope == "scoped":
            ns = d.namespace
            return namespace == ns or namespace.startswith(ns + ".") or ns in opens
        return True


_V = TypeVar("_V")


def _linked(per_file: Mapping[str, Sequence[SyntaxDef]]) -> list[SyntaxDef]:
    """Every definition (copied, with its file), in file order, with the atoms and the follow a
    rule or an elaborator takes from the syntax it implements."""
    defs: list[SyntaxDef] = []
    for rel in sorted(per_file):
        for d in per_file[rel]:
            defs.append(replace(d, file=rel))
    # a rule or an elaborator for a node kind `n` is invoked by the atoms of the syntax named `n`
    named: dict[str, list[SyntaxDef]] = {}
    for d in defs:
        if d.name:
            named.setdefault(d.name.rpartition(".")[2], []).append(d)
    for d in defs:
        if d.implements and not d.atoms:
            for s in named.get(d.implements.rpartition(".")[2], []):
                d.atoms = s.atoms
                d.category = d.category or s.category
    heads: dict[str, list[tuple[str, ...]]] = {}
    for d in defs:
        if d.kind == "syntax" and d.head:
            heads.setdefault(d.head, []).append(d.follow)
    for d in defs:
        follows = heads.get(d.head)
        if d.kind in ("macro_rules", "elab_rules") and follows and not d.follow:
            common: tuple[str, ...] = follows[0]
            for f in follows[1:]:
                n = 0
                while n < min(len(common), len(f)) and common[n] == f[n]:
                    n += 1
                common = common[:n]
            d.follow = common
    return defs


def build_table(per_file: Mapping[str, Sequence[SyntaxDef]], project_refs: Iterable[str] = (), *,
                any_ref: bool = False) -> SyntaxTable:
    """The project's syntax table: every definition, its transitive effect, learned commands.

    ``project_refs`` are the names the project declares (their last components): a right-hand
    side that mentions one of them carries references worth resolving; ``any_ref``: every name
    is taken for one (the effects of any set of project names, at most)."""
    defs = _linked(per_file)
    known = set(project_refs)
    effects = [Effect() for _ in defs]
    for i, d in enumerate(defs):
        eff = effects[i]
        if d.sorry:
            eff.sorry.append(d)
        for t in d.trusts:
            eff.trusts.setdefault(t, d)
        if d.meta and not d.sorry:
            eff.meta.append(d)
        if d.refs and (any_ref or any(r.rpartition(".")[2] in known for r in d.refs)):
            eff.refs.append(d)
    # transitivity: a right-hand side that invokes an effective definition inherits its effect
    changed = True
    rounds = 0
    while changed and rounds < 50:
        changed = False
        rounds += 1
        by_atom = _index(defs, effects)
        for i, d in enumerate(defs):
            if not d.rhs:
                continue
            for j in _matches(d.rhs, by_atom, defs):
                if j == i or not _sees_def(defs[j], d):
                    continue
                if _absorb(effects[i], effects[j]):
                    changed = True
    commands: dict[str, tuple[str, SyntaxDef]] = {}
    for i, d in enumerate(defs):
        if d.category == "command" and d.decl_kind and d.head:
            kind = "proof_wanted" if effects[i].sorry else d.decl_kind
            if d.kind in ("syntax", "command_parser") and kind != "proof_wanted":
                # a `syntax … : command` with a proof takes its kind from the rule expanding it
                rules = [j for j, r in enumerate(defs) if r.kind in ("macro_rules", "elab_rules") and r.atoms[:1] == (d.head,)]
                if any(effects[j].sorry for j in rules):
                    kind = "proof_wanted"
                else:
                    kind = next((t for j in rules for t, _ in defs[j].rhs if t in _DECL_RHS), kind)
            commands.setdefault(d.head, (kind, d))
    by_atom = _index(defs, effects)
    key = sorted({(a, defs[i].follow) for a, ids in by_atom.items() for i in ids})
    digest = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
    return SyntaxTable(defs, effects, commands, by_atom, digest)


def _index(defs: Sequence[SyntaxDef], effects: Sequence[Effect]) -> dict[str, list[int]]:
    by_atom: dict[str, list[int]] = {}
    for i, d in enumerate(defs):
        # commands and attributes are never invoked inside a declaration's text
        if effects[i] and d.head and d.category not in _NOT_IN_DECLS:
            by_atom.setdefault(d.head, []).append(i)
    return by_atom


def _sees_def(used: SyntaxDef, user: SyntaxDef) -> bool:
    """Over-approximated for transitivity: any non-local definition, or an earlier local one of
    the same file."""
    if used.file == user.file:
        return used.line < user.line or used.scope != "local"
    return used.scope != "local"


def _absorb(into: Effect, other: Effect) -> bool:
    changed = False
    for x in other.sorry:
        if x not in into.sorry:
            into.sorry.append(x)
            changed = True
    for t, x in other.trusts.items():
        if t not in into.trusts:
            into.trusts[t] = x
            changed = True
    for x in other.meta:
        if x not in into.meta:
            into.meta.append(x)
            changed = True
    for x in other.refs:
        if x not in into.refs:
            into.refs.append(x)
            changed = True
    return changed


def _matches(code: Sequence[tuple[str, bool]], by_atom: Mapping[str, list[int]],
             defs: Sequence[SyntaxDef]) -> set[int]:
    """Definitions whose head atom occurs in ``code`` (as one token, or glued tokens joined)."""
    out: set[int] = set()
    texts = [c[0] for c in code]
    for _, j, _, ids in _scan(texts, lambda k: code[k][1], by_atom):
        out.update(x for x in ids if _follows(texts, j + 1, defs[x].follow))
    return out


def _follows(texts: Sequence[str], j: int, follow: Sequence[str]) -> bool:
    """Whether the tokens from ``j`` on spell the atoms ``follow`` (whitespace between is free)."""
    for atom in follow:
        got = ""
        while j < len(texts) and len(got) < len(atom):
            got += texts[j]
            j += 1
        if got != atom:
            return False
    return True


@lru_cache(maxsize=8)
def _atom_prefixes(atoms: frozenset[str]) -> tuple[int, frozenset[str], frozenset[str]]:
    """The longest atom's length, every prefix of an atom, and the atoms' first characters
    (the scan of each file reads them: made once per set of atoms)."""
    return (max(len(a) for a in atoms), frozenset(a[:k] for a in atoms for k in range(1, len(a) + 1)),
            frozenset(a[0] for a in atoms))


def _scan(texts: Sequence[str], glued: Callable[[int], bool], by_atom: Mapping[str, _V]
          ) -> Iterable[tuple[int, int, str, _V]]:
    """(first and last token index, atom, definitions) of every occurrence of an indexed atom in
    the tokens ``texts`` (``glued(k)``: token ``k`` follows token ``k - 1`` without a gap)."""
    if not by_atom:
        return
    longest, prefixes, firsts = _atom_prefixes(frozenset(by_atom))
    n = len(texts)
    # no atom starts like most tokens: only the others are looked at
    for i in [i for i, first in enumerate(texts) if first[0] in firsts]:
        run = ""
        j = i
        while j < n and (j == i or glued(j)):
            run += texts[j]
            if len(run) > longest or run not in prefixes:
                break
            ids = by_atom.get(run)
            if ids and (j + 1 >= n or not glued(j + 1) or _boundary(run, texts[j + 1])):
                yield i, j, run, ids
            j += 1


def _boundary(run: str, nxt: str) -> bool:
    """Whether a glued token after ``run`` can start a new token: an identifier atom must not
    run on into more identifier characters; a symbol atom may be followed by anything."""
    return not (run[-1:].isalnum() or run[-1:] == "_") or not (nxt[:1].isalnum() or nxt[:1] == "_")


# ---------------------------------------------------------------------------- uses in declarations
@dataclass(frozen=True)
class Use:
    decl: int  # index into the declarations handed to find_uses
    line: int
    atom: str
    defs: tuple[int, ...]  # table indices of the definitions in scope that it invokes


@dataclass(frozen=True)
class DeclSpan:
    index: int
    line: int
    column: int
    end_line: int
    namespace: str
    opens: tuple[str, ...]
    #: the `variable` commands in scope (first line, column, last line, column): a use in their
    #: binders reaches the declaration (over-approximated: as if it included every variable)
    variables: tuple[tuple[int, int, int, int], ...] = ()


#: one occurrence of an indexed atom in a file: (line, column, atom, the follow-sequences it spells)
Hit = tuple[int, int, str, tuple[tuple[str, ...], ...]]


@lru_cache(maxsize=8)
def _prefilter(atoms: frozenset[str]) -> re.Pattern[str]:
    """Text in which no match is found holds no atom as a token: an identifier-like atom must
    stand between characters that cannot continue a Lean identifier; any other atom is looked
    for as it is (a superset of what the lexer would find)."""
    parts = []
    for a in sorted(atoms, key=len, reverse=True):
        if re.fullmatch(f"[{ID_REST}]+", a):
            parts.append(f"(?<![{ID_REST}]){re.escape(a)}(?![{ID_REST}])")
        else:
            parts.append(re.escape(a))
    return re.compile("|".join(parts) or "(?!)")


#: atom -> the follow-sequences (sorted, distinct) of the definitions it invokes
Follows = Mapping[str, tuple[tuple[str, ...], ...]]
_IDENT_ATOM: Final = re.compile(f"[{ID_REST}]+")
_ID_REST_CHAR: Final = re.compile(f"[{ID_REST}]")


def atom_follows(table: SyntaxTable) -> dict[str, tuple[tuple[str, ...], ...]]:
    """The atoms of the effective definitions, each with their follow-sequences."""
    return {a: tuple(sorted({table.defs[i].follow for i in ids})) for a, ids in table.by_atom.items()}


def candidate_follows(per_file: Mapping[str, Sequence[SyntaxDef]]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """The atoms and follows of the definitions of ``per_file`` that are effective whatever
    names the project declares (known only once it is all parsed): as many as, or more than,
    those of :func:`atom_follows` of any table built from these definitions."""
    return atom_follows(build_table(per_file, any_ref=True))


def token_hits(text: str, toks: Sequence[Token], follows: Follows) -> list[tuple[Hit, bool]]:
    """Every occurrence in ``toks`` (the tokens of ``text``) of an atom of ``follows`` that spells
    one of its follow-sequences, each with whether :func:`_prefilter` would find that atom
    there (an identifier-like atom between characters that cannot continue an identifier)."""
    texts = [t.text for t in toks]
    out: list[tuple[Hit, bool]] = []
    n = len(text)
    atoms = {a: (a, bool(_IDENT_ATOM.fullmatch(a))) for a in follows}  # one object per atom

    def glued(k: int) -> bool:
        return toks[k].start == toks[k - 1].end

    for i, j_end, run, fs in _scan(texts, glued, follows):
        t = toks[i]
        if t.kind in (STRING, DOC, NUMBER):
            continue
        got = tuple(f for f in fs if _follows(texts, j_end + 1, f))
        if got:
            atom, ident_like = atoms[run]
            start, end = t.start, toks[j_end].end
            clean = not ident_like or (
                (start == 0 or not _ID_REST_CHAR.match(text[start - 1]))
                and (end >= n or not _ID_REST_CHAR.match(text[end])))
            out.append(((t.line, t.col, atom, fs if len(got) == len(fs) else got), clean))
    return out


def atom_hits(text: str, table: SyntaxTable) -> list[Hit]:
    """Every occurrence, in code, of an atom that invokes an effective project syntax.  It
    depends only on the text and on :attr:`SyntaxTable.atoms_key`, so the scan caches it."""
    if not _prefilter(frozenset(table.by_atom)).search(text):
        return []  # no lexing needed: most files of most projects
    return [hit for hit, _ in token_hits(text, lex(text).tokens, atom_follows(table))]


@dataclass
class FoundHits:
    """Atom hits found while the files were parsed (their tokens at hand), for the candidate
    atoms ``follows`` (by parse key), before the project table said which atoms are effective."""

    follows: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    by_key: dict[str, list[tuple[Hit, bool]]] = field(default_factory=dict)
    _for: tuple[SyntaxTable, dict[str, tuple[tuple[str, ...], ...]] | None] | None = None

    def _effective(self, table: SyntaxTable) -> dict[str, tuple[tuple[str, ...], ...]] | None:
        """``table``'s atoms and follows, when every one was searched for (else None)."""
        if self._for is None or self._for[0] is not table:
            eff: dict[str, tuple[tuple[str, ...], ...]] | None = atom_follows(table)
            assert eff is not None
            if not all(set(fs) <= set(self.follows.get(a, ())) for a, fs in eff.items()):
                eff = None
            self._for = (table, eff)
        return self._for[1]

    def narrow(self, key: str, table: SyntaxTable, text: Callable[[], str]) -> list[Hit] | None:
        """:func:`atom_hits` of the file with parse key ``key`` (``text``: its text, read only if
        needed), from the hits found; None when they cannot tell (not found, or ``table`` has an
        atom or a follow-sequence that was not searched for)."""
        found = self.by_key.get(key)
        eff = self._effective(table) if found is not None else None
        if found is None or eff is None:
            return None
        out: list[Hit] = []
        clean = False
        for (line, col, atom, fs), ok in found:
            want = eff.get(atom)
            if want is None:
                continue
            kept = tuple(f for f in fs if f in want)
            if kept:
                out.append((line, col, atom, kept))
                clean = clean or ok
        # atom_hits reads no token where its prefilter finds no atom: only a hit it would find
        # proves the prefilter passes
        if out and not clean and not _prefilter(frozenset(table.by_atom)).search(text()):
            return []
        return out


def find_uses(hits: Sequence[Hit], file: str, spans: Sequence[DeclSpan], table: SyntaxTable,
              sees: Mapping[str, int] | None, file_bit: Mapping[str, int] | None) -> list[Use]:
    """The hits of ``file`` that stand inside a declaration and invoke a syntax in scope there."""
    ordered = sorted(spans, key=lambda s: (s.line, s.column))
    out: list[Use] = []
    memo: dict[tuple[int, int], bool] = {}
    k = -1
    for line, col, atom, follows in sorted(hits):
        while k + 1 < len(ordered) and (ordered[k + 1].line, ordered[k + 1].column) <= (line, col):
            k += 1
        # the innermost declaration holding the token: the last one started before it that
        # has not ended (a `where` helper sits inside its parent's lines)
        holder = next((ordered[m] for m in range(k, -1, -1) if ordered[m].end_line >= line), None)
        holders = [holder] if holder is not None else [
            s for s in ordered if any((a, b) <= (line, col) <= (c, d) for a, b, c, d in s.variables)]
        for h in holders:
            vis = tuple(j for j in table.by_atom.get(atom, ()) if table.defs[j].follow in follows
                        and _seen(memo, j, h, table, file, line, sees, file_bit))
            if vis:
                out.append(Use(h.index, line, atom, vis))
    return out


def _seen(memo: dict[tuple[int, int], bool], j: int, holder: DeclSpan, table: SyntaxTable, file: str, line: int,
          sees: Mapping[str, int] | None, file_bit: Mapping[str, int] | None) -> bool:
    """``table.visible``, remembered per declaration for a definition of another file (where
    the line does not matter)."""
    if table.defs[j].file == file:
        return table.visible(j, file, line, holder.namespace, holder.opens, sees, file_bit)
    key = (holder.index, j)
    got = memo.get(key)
    if got is None:
        got = memo[key] = table.visible(j, file, line, holder.namespace, holder.opens, sees, file_bit)
    return got


__all__ = [
    "SYNTAX_COMMANDS",
    "Context",
    "DeclSpan",
    "Effect",
    "FoundHits",
    "Hit",
    "SyntaxDef",
    "SyntaxTable",
    "Use",
    "atom_follows",
    "atom_hits",
    "build_table",
    "candidate_follows",
    "find_uses",
    "read_command",
    "read_definition",
    "token_hits",
]
