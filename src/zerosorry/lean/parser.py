"""Declarations from Lean 4 tokens.

The parser splits a file's tokens into commands, keeps the scope (``namespace``/``section``/
``end``, ``open``, ``export``, ``mutual``) and turns every declaring command into a
:class:`~zerosorry.ledger.model.Declaration`: kind, fully qualified name, signature, docstring,
span, the identifiers it mentions, its own ``sorry`` tokens and its trust extensions.

Lean has no command terminator: a command ends where the next one begins.  A new command
begins at a declaration keyword (``theorem``, ``def``, …), possibly preceded by a doc comment,
``@[…]`` attributes and modifiers; at a scoping command (``namespace``, ``section``, ``end``,
``mutual``, ``variable``, …); and at ``open``/``set_option``/``attribute`` only when they stand
first on their line no deeper than the command they would interrupt (inside a proof they are
tactics).  Everything else belongs to the command that is open.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from ..ledger.model import Declaration, Diagnostic, Severity, TrustUse
from .attributes import attribute_name, generated_names, split_top
from .lexer import (
    CLOSE_BRACKETS,
    DOC,
    IDENT,
    MODDOC,
    NUMBER,
    OPEN_BRACKETS,
    STRING,
    SYMBOL,
    LexResult,
    Token,
    doc_text,
    lex,
    matching_close,
)
from .syntax_table import (
    ELAB_ATTRIBUTES,
    SYNTAX_COMMANDS,
    Context,
    SyntaxDef,
    read_command,
    read_definition,
)
from .types import (
    RECEIVER,
    encode_heads,
    encode_words,
    encoded_local_types,
    receiver_head,
    type_heads,
)
from .types import local_types as read_local_types

#: keyword -> ledger kind
DECL_KEYWORDS: Final[dict[str, str]] = {
    "theorem": "theorem",
    "lemma": "lemma",
    "def": "def",
    "abbrev": "abbrev",
    "instance": "instance",
    "axiom": "axiom",
    "opaque": "opaque",
    "example": "example",
    "inductive": "inductive",
    "coinductive": "coinductive",
    "structure": "structure",
    "class": "class",
    "alias": "alias",
    "irreducible_def": "def",
    "proof_wanted": "proof_wanted",
}
MODIFIERS: Final = frozenset(
    {"private", "public", "protected", "noncomputable", "meta", "unsafe", "partial", "nonrec",
     "scoped", "local"}
)  # fmt: skip
#: commands that always start a new command wherever they stand
SCOPE_COMMANDS: Final = frozenset(
    {"namespace", "section", "end", "mutual", "variable", "universe", "import", "module",
     "prelude", "export", "omit", "include", "macro", "macro_rules", "syntax", "elab",
     "elab_rules", "notation", "notation3", "infix", "infixl", "infixr", "prefix", "postfix",
     "declare_syntax_cat", "initialize", "builtin_initialize", "add_decl_doc",
     "register_simp_attr", "library_note", "assert_not_exists", "suppress_compilation",
     "unseal", "seal", "simproc", "dsimproc", "run_cmd", "run_elab", "run_meta",
     "initialize_simps_projections", "compile_inductive%", "deriving"}
)  # fmt: skip
#: commands that are also tactics or terms: a command only first on a line, not indented
LINE_COMMANDS: Final = frozenset({"open", "set_option", "attribute"})
#: commands whose text holds no term or tactic block: a line-start LINE_COMMAND after one is a command
_SCOPE_HEADS: Final = frozenset({"namespace", "section", "end", "open", "universe", "import", "export",
                          "mutual", "set_option", "attribute", "variable", "omit", "include"})
#: declaring commands that libraries define (Batteries, Mathlib), not Lean itself: their keyword
#: is an ordinary identifier elsewhere (`alias:ident` in a syntax pattern, a local named
#: `alias`), so, like LINE_COMMANDS, they start a command only first on a line, not indented
LIBRARY_DECL_KEYWORDS: Final = frozenset({"alias", "irreducible_def", "proof_wanted"})

SORRY_WORDS: Final = frozenset({"sorry", "admit", "sorryAx"})
TRUST_WORDS: Final = {
    "native_decide": "native_decide",
    "bv_decide": "bv_decide",
    "bv_decide?": "bv_decide",
    "Lean.ofReduceBool": "Lean.ofReduceBool",
    "Lean.ofReduceNat": "Lean.ofReduceNat",
    "Lean.trustCompiler": "Lean.trustCompiler",
}
#: identifiers that are Lean keywords or tactic names, never references
KEYWORDS: Final = frozenset(
    ["fun", "λ", "by", "have", "show", "from", "at", "with", "match", "let", "if", "then", "else", "do", "return", "for", "in", "unless", "mut", "calc", "suffices", "obtain", "intro", "intros", "rintro", "exact", "apply", "refine", "refine'", "rw", "rwa", "simp", "simp_all", "simpa", "dsimp", "norm_num", "ring", "ring_nf", "linarith", "nlinarith", "positivity", "omega", "decide", "trivial", "rfl", "constructor", "use", "exists", "exfalso", "contradiction", "assumption", "cases", "rcases", "induction", "generalizing", "using", "only", "this", "where", "termination_by", "decreasing_by", "deriving", "extends", "structure", "class", "instance", "def", "theorem", "lemma", "abbrev", "example", "axiom", "opaque", "inductive", "namespace", "section", "end", "open", "set_option", "attribute", "variable", "universe", "noncomputable", "private", "protected", "partial", "unsafe", "nonrec", "scoped", "local", "public", "meta", "mutual", "Type", "Sort", "Prop", "true", "false", "True", "False", "at_top", "sorry", "admit", "stop", "native_decide", "bv_decide", "infer_instance", "inferInstance", "field_simp", "push_cast", "norm_cast", "exact_mod_cast", "congr", "ext", "funext", "gcongr", "split_ifs", "by_cases", "by_contra", "push_neg", "specialize", "subst", "unfold", "change", "convert", "calc_step", "nofun", "nomatch", "forall", "exists_prop", "fin_cases", "interval_cases", "aesop", "tauto", "exact?", "apply?", "simp?", "first", "try", "repeat", "all_goals", "any_goals", "focus", "case", "next", "on_goal", "rename_i", "clear", "revert", "set", "filter_upwards", "measurability", "continuity", "fun_prop", "bound"]
)  # fmt: skip
#: words Lean reserves (they can never name a constant): never references.  Tactic names in
#: KEYWORDS are not reserved in Lean 4 (a project may define `bound`, `set` or `ext`), so they
#: stay references, which resolve only when the project declares such a name
RESERVED: Final = frozenset(
    ["fun", "λ", "by", "have", "show", "from", "at", "with", "match", "let", "if", "then", "else", "do",
     "return", "for", "in", "unless", "mut", "calc", "suffices", "where", "termination_by",
     "decreasing_by", "deriving", "extends", "structure", "class", "instance", "def", "theorem",
     "lemma", "abbrev", "example", "axiom", "opaque", "inductive", "namespace", "section", "end",
     "open", "set_option", "attribute", "variable", "universe", "noncomputable", "private",
     "protected", "partial", "unsafe", "nonrec", "scoped", "local", "public", "meta", "mutual",
     "Type", "Sort", "Prop", "sorry", "admit", "forall", "exists", "nomatch", "nofun"]
)  # fmt: skip
#: `#` commands that can stand inside a declaration's text (after `in`, in a docstring example):
#: never a reference; any other `#name` there is notation (`#s`, Mathlib's cardinality)
_HASH_COMMANDS: Final = frozenset({"#check", "#eval", "#print", "#reduce", "#guard_msgs", "#guard", "#synth",
                            "#exit", "#help", "#lint", "#align", "#find", "#where", "#time",
                            "#simp", "#norm_num", "#conv", "#whnf", "#kernel", "#find_home"})
#: words that end a run of bound names (`filter_upwards … with x hx using h`, `cases h with …`)
_BINDING_STOPS: Final = frozenset({"using", "at", "only", "generalizing", "in", "then", "else", "do"})
_BINDING_WORDS: Final = frozenset(
    {"fun", "λ", "∀", "∃", "∃!", "intro", "intros", "rintro", "obtain", "have", "let", "haveI",
     "letI", "with"}
)  # fmt: skip
_OPEN: Final = OPEN_BRACKETS
_CLOSE: Final = CLOSE_BRACKETS


@dataclass
class ParsedFile:
    """What one file declares, independent of its path (so it can be cached by content)."""

    declarations: list[Declaration]
    diagnostics: list[Diagnostic]
    #: (alias full name, target as written, namespace, opens) from `export` and `open … renaming`
    aliases: list[tuple[str, str, str, tuple[str, ...]]] = field(default_factory=list)
    #: extra names that denote a declaration: constructors, fields (name -> owner full name)
    members: dict[str, str] = field(default_factory=dict)
    lines: int = 0
    module_header: bool = False
    imports: list[str] = field(default_factory=list)
    #: the file's syntax definitions (macros, notations, elaborators, declaring commands)
    syntax: list[SyntaxDef] = field(default_factory=list)
    #: declaration index -> namespaces opened with `open scoped` where it stands
    scoped_opens: dict[int, tuple[str, ...]] = field(default_factory=dict)
    #: declaration index -> the `variable` commands in scope where it stands, as (first line,
    #: first column, last line, last column): syntax used in their binders may reach it
    var_spans: dict[int, tuple[tuple[int, int, int, int], ...]] = field(default_factory=dict)


@dataclass
class _Scope:
    kind: str  # namespace | section | mutual | file
    name: str  # the full namespace
    opens: list[str] = field(default_factory=list)
    trusts: list[str] = field(default_factory=list)  # set_option debug.skipKernelTC true
    label: str = ""  # what `end` must say to close it
    #: names written in this scope's `variable` binders: a declaration that uses a variable
    #: (or `include`s it) has its type in its statement, so these count as its references
    var_refs: list[str] = field(default_factory=list)
    #: lines of the sorries written in this scope's `variable` binders, and where each
    #: `variable` command stands (line, column, last line, last column): over-approximated, like
    #: ``var_refs``, as reaching every declaration in scope (one that includes the variable has
    #: the sorry in its type)
    var_sorries: list[int] = field(default_factory=list)
    #: trust extensions written in this scope's `variable` binders (`(h : p := by native_decide)`),
    #: over-approximated the same way
    var_trusts: list[TrustUse] = field(default_factory=list)
    var_spans: list[tuple[int, int, int, int]] = field(default_factory=list)
    #: `open scoped N`: N's scoped syntax is active here
    scoped_opens: list[str] = field(default_factory=list)
    #: `local` syntax defined in this scope: it ends with the scope
    local_syntax: list[SyntaxDef] = field(default_factory=list)
    #: the types the `variable` binders state, name -> heads (field notation, lean/types.py)
    var_types: dict[str, set[str]] = field(default_factory=dict)


#: the identifiers :func:`_trust_at` can answer for (a cheap test before the call)
_TRUST_HEADS: Final = frozenset({*TRUST_WORDS, "native", "debug.skipKernelTC"})


def _trust_at(toks: Sequence[Token], i: int) -> TrustUse | None:
    """The trust extension the identifier ``toks[i]`` writes, if any (``native_decide``, the
    ``native`` of ``decide +native``, ``debug.skipKernelTC``)."""
    w = toks[i].text
    if w in TRUST_WORDS:
        return TrustUse(TRUST_WORDS[w], toks[i].line)
    if w == "native" and i >= 2 and toks[i - 1].text == "+" and toks[i - 2].text == "decide":
        return TrustUse("decide +native", toks[i].line)
    if w == "debug.skipKernelTC":
        return TrustUse("debug.skipKernelTC", toks[i].line)
    return None


def _ns_prefixes(ns: str) -> list[str]:
    """``A.B`` -> ``["A.B", "A", ""]``."""
    out = []
    while ns:
        out.append(ns)
        ns = ns.rpartition(".")[0]
    out.append("")
    return out


def _join(ns: str, name: str) -> str:
    if name.startswith("_root_."):
        return name[len("_root_.") :]
    return f"{ns}.{name}" if ns else name


def _expand_interpolations(toks: list[Token]) -> list[Token]:
    """`s!"… {foo x} …"` (also `m!`, `f!`, …): the code between braces is Lean code, with names
    and possibly a sorry; lex it and put its tokens where the string was (on the string's line)."""
    if STRING not in [t.kind for t in toks]:
        return toks  # nothing to expand (most declarations)
    out: list[Token] = []
    for i, t in enumerate(toks):
        if not (t.kind == STRING and i > 0 and toks[i - 1].kind == IDENT and toks[i - 1].text.endswith("!")
                and "{" in t.text):
            out.append(t)
            continue
        out.append(t)
        body, depth, start, j = t.text, 0, -1, 0
        while j < len(body):
            c = body[j]
            if c == "\\":
                j += 2
                continue
            if c == "{":
                if depth == 0:
                    start = j + 1
                depth += 1
            elif c == "}" and depth > 0:
                depth -= 1
                if depth == 0 and start >= 0:
                    for inner in lex(body[start:j]).tokens:
                        out.append(Token(inner.kind, inner.text, t.start, t.end, t.line, t.col))
            j += 1
    return out


def text_hash(kind: str, texts: Sequence[str]) -> str:
    """A declaration's identity apart from its name and place: its kind and the tokens of its
    signature and body (without the name; comments and whitespace do not count)."""
    import hashlib

    h = hashlib.blake2b(digest_size=8)
    h.update(kind.encode())
    if texts:  # each token after a NUL byte, hashed in one piece
        h.update(("\x00" + "\x00".join(texts)).encode())
    return h.hexdigest()


def _strip_guillemets(name: str) -> str:
    """``«my name».x`` -> ``my name.x``: Lean's escaped name parts, as the name they denote."""
    return name.replace("«", "").replace("»", "") if "«" in name else name


def _render(tokens: Sequence[Token]) -> str:
    """Tokens as text on one line: one space where the source had any gap, none otherwise."""
    parts: list[str] = []
    prev: Token | None = None
    for t in tokens:
        if prev is not None and t.start > prev.end:
            parts.append(" ")
        parts.append(t.text)
        prev = t
    return "".join(parts)


class _FileParser:
    def __init__(
        self, text: str, extra_commands: Mapping[str, str] | None = None, *, module: str = "",
        lexed: LexResult | None = None,
    ) -> None:
        self.text = text
        self.module = module
        self.decl_keywords = dict(DECL_KEYWORDS)
        self.line_decl_keywords = set(LIBRARY_DECL_KEYWORDS)
        self._after_scope_command = False
        self.unknown_heads: set[int] = set()  # token indices of commands this scanner does not know
        self.unknown_seen: set[str] = set()
        if extra_commands:
            self.decl_keywords.update(extra_commands)
            self.line_decl_keywords.update(extra_commands)
        res = lexed if lexed is not None else lex(text)
        self.toks = res.tokens
        self.lines = res.lines
        self.diags: list[Diagnostic] = [
            Diagnostic(d.code, d.message, None, d.line, d.col, Severity.ERROR) for d in res.diagnostics
        ]
        self.decls: list[Declaration] = []
        self.aliases: list[tuple[str, str, str, tuple[str, ...]]] = []
        self.members: dict[str, str] = {}
        self.scopes: list[_Scope] = [_Scope("file", "")]
        self.pending_opens: list[str] = []
        self.pending_trusts: list[str] = []
        self.module_header = False
        self.imports: list[str] = []
        self.auto_names: dict[str, int] = {}
        self.syntax: list[SyntaxDef] = []
        self.scoped_opens: dict[int, tuple[str, ...]] = {}
        self.var_spans: dict[int, tuple[tuple[int, int, int, int], ...]] = {}
        self.pending_scoped: list[str] = []

    # ----------------------------------------------------------------- scope helpers
    @property
    def namespace(self) -> str:
        for s in reversed(self.scopes):
            if s.kind == "namespace":
                return s.name
        return ""

    def _in_scope(self, field: str, pending: Sequence[str] = ()) -> list[str]:
        """A scope list (``opens``, ``var_refs``, ``trusts``) of every enclosing scope, outermost
        first, then what a pending ``… in`` adds."""
        out = [x for sc in self.scopes for x in getattr(sc, field)]
        out.extend(pending)
        return out

    def current_opens(self) -> list[str]:
        return self._in_scope("opens", self.pending_opens)

    def current_var_refs(self) -> list[str]:
        return self._in_scope("var_refs")

    def current_trusts(self) -> list[str]:
        return self._in_scope("trusts", self.pending_trusts)

    def diag(self, code: str, message: str, tok: Token | None, severity: Severity = Severity.WARNING) -> None:
        self.diags.append(
            Diagnostic(code, message, None, tok.line if tok else None, tok.col if tok else None, severity)
        )

    # ----------------------------------------------------------------- segmentation
    def _is_line_start(self, i: int) -> bool:
        return i == 0 or self.toks[i - 1].line < self.toks[i].line

    def _head_keyword(self, i: int) -> int | None:
        """If a command (doc comment, attributes, modifiers, keyword) starts at ``i``, the index of
        its keyword; else None."""
        toks = self.toks
        n = len(toks)
        j = i
        if j < n and toks[j].kind == DOC:
            j += 1
        while j < n and toks[j].kind == SYMBOL and toks[j].text == "@[":
            depth = 0
            while j < n:
                t = toks[j].text
                if toks[j].kind == SYMBOL and t in _OPEN:
                    depth += 1
                elif toks[j].kind == SYMBOL and t in _CLOSE:
                    depth -= 1
                    if depth == 0:
                        j += 1
                        break
                j += 1
        while j < n and toks[j].kind == IDENT and toks[j].text in MODIFIERS:
            j += 1
            if toks[j - 1].text == "scoped" and j + 2 < n and toks[j].text == "[" and toks[j + 2].text == "]":
                j += 3  # Mathlib's `scoped[NS] notation …`
        if j >= n or toks[j].kind != IDENT:
            return None
        w = toks[j].text
        if w in self.decl_keywords or w in SCOPE_COMMANDS or w in LINE_COMMANDS:
            return j
        return None

    def _starts_here(self, i: int, k: int, w: str, depth: int, cur_col: int) -> bool:
        """Whether the command head at ``i`` (keyword ``w`` at ``k``) really starts a command."""
        toks = self.toks
        dedented = self._is_line_start(i) and toks[i].col <= cur_col
        if w in LINE_COMMANDS:
            # otherwise a tactic or term (`open … in`, `set_option … in`); but after a command
            # that is not a declaration (`namespace A` then an indented `  open Foo`) nothing
            # else could hold it
            if not self._is_line_start(i):
                return False
            if dedented or self._after_scope_command:
                return True
            # indented under a declaration: a tactic (`open Foo in`, `set_option … in`) carries
            # `in`; without it on the line, the declaration's term ended and this is the command
            j = k + 1
            while j < len(toks) and toks[j].line == toks[i].line:
                if toks[j].kind == IDENT and toks[j].text == "in":
                    return False
                j += 1
            return w == "open"
        if w in self.line_decl_keywords:
            # first on a line, or after a command combinator (`open Foo in`, `#guard_msgs in`);
            # anywhere else an identifier that happens to share the keyword's name
            return dedented or (i > 0 and toks[i - 1].kind == IDENT and toks[i - 1].text == "in")
        if w in ("module", "prelude"):
            return i == 0  # only the file's first command; elsewhere an ordinary name
        if w == "deriving":
            return dedented and k + 1 < len(toks) and toks[k + 1].text == "instance"
        if k > 0 and ((w == "instance" and toks[k - 1].text == "deriving")
                      or (w == "inductive" and toks[k - 1].text == "class")):
            return False
        if depth > 0:
            return dedented  # inside brackets (e.g. a syntax quotation) only when dedented
        return True

    def segments(self) -> Iterable[tuple[int, int, int]]:
        """(start, keyword index, end) of each command, in order."""
        toks = self.toks
        n = len(toks)
        starts: list[tuple[int, int]] = []
        head_words = MODIFIERS | SCOPE_COMMANDS | LINE_COMMANDS | set(self.decl_keywords)
        depth = 0
        cur_col = 1
        i = 0
        while i < n:
            t = toks[i]
            if t.kind == MODDOC:
                starts.append((i, i))
                i += 1
                continue
            if t.kind == SYMBOL and t.text.startswith("#") and len(t.text) > 1 and t.text[1].isalpha():
                if self._is_line_start(i) and t.col <= cur_col:
                    starts.append((i, i))
                    cur_col = t.col
                    depth = 0
                i += 1
                continue
            cand = (t.kind == IDENT and t.text in head_words) or t.kind == DOC or (
                t.kind == SYMBOL and t.text == "@["
            )
            if cand:
                k = self._head_keyword(i)
                if k is not None:
                    w = toks[k].text
                    self._after_scope_command = bool(starts) and toks[starts[-1][1]].text in _SCOPE_HEADS
                    ok = self._starts_here(i, k, w, depth, cur_col)
                    if ok:
                        starts.append((i, k))
                        cur_col = t.col
                        depth = 0
                        i = k + 1
                        continue
            if (depth == 0 and t.kind == IDENT and t.col == 1 and starts and self._is_line_start(i)
                    and t.text not in KEYWORDS and "." not in t.text and i + 2 < n
                    and toks[i + 1].kind == IDENT and toks[i + 1].line == t.line
                    and toks[i + 2].text in (":", ":=", "(", "{", "[", "⦃")
                    and toks[i - 1].text not in (":=", ",", "|", "=>", "→", "->", "(", "[", "{")):
                # `my_theorem foo : …` at the left margin: most likely a command this scanner
                # does not know.  It is NOT split off (a tactic written at the margin would
                # then lose the rest of its proof, a false proven); run() says so instead
                self.unknown_heads.add(i)
            if t.kind == SYMBOL:
                if t.text in _OPEN:
                    depth += 1
                elif t.text in _CLOSE and depth > 0:
                    depth -= 1
            i += 1
        for idx, (s, k) in enumerate(starts):
            e = starts[idx + 1][0] if idx + 1 < len(starts) else n
            yield s, k, e
        if starts and starts[0][0] > 0:
            first = toks[0]
            self.diag("unparsed-tokens", "text before the first command was not understood", first, Severity.INFO)

    # ----------------------------------------------------------------- commands
    def run(self) -> ParsedFile:
        toks = self.toks
        for s, k, e in self.segments():
            t = toks[k]
            if t.kind == MODDOC:
                continue
            w = t.text
            if w in self.decl_keywords:
                self.declaration(s, k, e)
                self.pending_opens = []
                self.pending_trusts = []
                self.pending_scoped = []
            else:
                self.command(s, k, e)
        self.report_unknown_commands()
        if len(self.scopes) > 1:
            open_ns = [sc.name for sc in self.scopes if sc.kind == "namespace"]
            if open_ns:
                self.diag("unclosed-namespace", f"namespace {open_ns[-1]} is still open at the end of the file",
                          None, Severity.INFO)
        return ParsedFile(self.decls, self.diags, self.aliases, self.members, self.lines,
                          self.module_header, self.imports, self.syntax, self.scoped_opens,
                          self.var_spans)

    def report_unknown_commands(self) -> None:
        """Say where a line starts like a command this scanner does not know: a warning when the
        declaration it sits in holds a sorry from that line on (the sorry may belong to it),
        else one note per word."""
        toks = self.toks
        for i in sorted(self.unknown_heads):
            t = toks[i]
            holder = next((d for d in self.decls if d.line <= t.line <= d.end_line), None)
            later = [ln for ln in (holder.sorry_lines if holder else ()) if ln >= t.line]
            if holder is not None and later:
                self.diag("unknown-command",
                          f"`{t.text} {toks[i + 1].text}` reads like a command zerosorry does not know, "
                          f"inside {holder.name}; the sorry at line {later[0]} is charged to "
                          f"{holder.name}. If `{t.text}` declares something, register it in zerosorry.toml "
                          f"([scan] declaring_commands = {{ {t.text} = \"theorem\" }})", t, Severity.WARNING)
            elif t.text not in self.unknown_seen:
                self.unknown_seen.add(t.text)
                self.diag("unknown-command",
                          f"`{t.text}` (first here) reads like a command zerosorry does not know; its text "
                          "is read as part of the declaration above (register it in zerosorry.toml if it "
                          "declares theorems)", t, Severity.INFO)

    def command(self, s: int, k: int, e: int) -> None:
        toks = self.toks
        w = toks[k].text
        args = toks[k + 1 : e]
        ends_with_in = bool(args) and args[-1].kind == IDENT and args[-1].text == "in"
        if w == "module" and k == 0:
            self.module_header = True
        elif w == "namespace" and args and args[0].kind == IDENT:
            # `namespace A.B` opens two scopes, A then A.B: `end A.B` closes both, `end B` one
            for part in _strip_guillemets(args[0].text).split("."):
                self.scopes.append(_Scope("namespace", _join(self.namespace, part), label=part))
            self.pending_opens = []
        elif w == "section":
            name = args[0].text if args and args[0].kind == IDENT and args[0].line == toks[k].line else ""
            self.scopes.append(_Scope("section", name, label=_strip_guillemets(name)))
            self.pending_opens = []
        elif w == "import":
            self.imports.extend(_strip_guillemets(t.text) for t in args if t.kind == IDENT and t.text != "all")
        elif w == "mutual":
            self.scopes.append(_Scope("mutual", ""))
        elif w == "end":
            name = args[0].text if args and args[0].kind == IDENT and args[0].line == toks[k].line else ""
            parts = _strip_guillemets(name).split(".") if name else [""]
            for part in reversed(parts):
                if len(self.scopes) <= 1:
                    self.diag("unmatched-end", f"`end{' ' + name if name else ''}` closes nothing", toks[k])
                    break
                sc = self.scopes.pop()
                for d in sc.local_syntax:
                    d.until = toks[k].line
                if sc.label != part:
                    what = f"namespace {sc.name}" if sc.kind == "namespace" else f"{sc.kind} {sc.label or '(anonymous)'}"
                    self.diag("mismatched-end", f"`end {name}` closes {what}".replace("`end `", "`end`"), toks[k])
                    break
            self.pending_opens = []
        elif w == "open":
            if args and args[0].text == "scoped":
                # `open scoped N`: N's scoped notation and instances, not its names
                named = [_strip_guillemets(t.text) for t in args[1:] if t.kind == IDENT and t.text != "in"]
                found = [_join(p, o) for o in named for p in _ns_prefixes(self.namespace)]
                (self.pending_scoped if ends_with_in else self.scopes[-1].scoped_opens).extend(found)
            opens, aliases = self._parse_open(args[:-1] if ends_with_in else args)
            if ends_with_in:
                self.pending_opens.extend(opens)
            else:
                self.scopes[-1].opens.extend(opens)
            self._add_aliases(aliases)
        elif w == "export":
            _, aliases = self._parse_open(args, export=True)
            self._add_aliases(aliases)
        elif w == "set_option":
            if args and args[0].text == "debug.skipKernelTC" and len(args) > 1 and args[1].text == "true":
                if ends_with_in:
                    self.pending_trusts.append("debug.skipKernelTC")
                else:
                    self.scopes[-1].trusts.append("debug.skipKernelTC")
            elif ends_with_in:
                pass  # applies to the next command only; nothing to record
        elif w == "variable":
            binders = self._binder_names(args)
            self.scopes[-1].var_types = read_local_types((args,), (True,), self.scopes[-1].var_types)
            self.scopes[-1].var_refs.extend(
                _strip_guillemets(t.text) for t in args
                if t.kind == IDENT and t.text not in RESERVED and t.text not in binders
                and t.text not in SORRY_WORDS)
            self.scopes[-1].var_sorries.extend(t.line for t in args if t.kind == IDENT and t.text in SORRY_WORDS)
            self.scopes[-1].var_trusts.extend(
                tu for i, t in enumerate(args) if t.kind == IDENT and (tu := _trust_at(args, i)) is not None)
            last = toks[e - 1]
            self.scopes[-1].var_spans.append((toks[k].line, toks[k].col, last.line, last.col))
        elif w == "attribute" and args and args[0].text == "[":
            # `attribute [to_additive] foo`: the attribute makes its declarations afterwards
            close = next((i for i, t in enumerate(args) if t.kind == SYMBOL and t.text == "]"), -1)
            insts = split_top(args[1:close]) if close > 0 else []
            for t in args[close + 1 :] if close > 0 else ():
                if t.kind == IDENT and t.text != "in":
                    self._generated_names(_join(self.namespace, _strip_guillemets(t.text)), insts)
        elif w in SYNTAX_COMMANDS:
            self._syntax_command(s, k, e)
        # other commands (universe, #eval, …) declare nothing we track

    def _context(self, mods: Sequence[Token]) -> Context:
        """The scope a syntax definition gets from its modifiers and where it stands."""
        scope, scoped_ns = "global", ""
        for n_, t in enumerate(mods):
            if t.kind == IDENT and t.text == "local":
                scope = "local"
            elif t.kind == IDENT and t.text == "scoped":
                scope = "scoped"
                if n_ + 2 < len(mods) and mods[n_ + 1].text == "[":
                    scoped_ns = _strip_guillemets(mods[n_ + 2].text)
        return Context(self.namespace, tuple(self.current_opens()), scope, scoped_ns, SORRY_WORDS, TRUST_WORDS,
                       RESERVED)

    def _record_syntax(self, defs: Iterable[SyntaxDef]) -> None:
        for d in defs:
            self.syntax.append(d)
            if d.scope == "local":
                self.scopes[-1].local_syntax.append(d)

    def _syntax_command(self, s: int, k: int, e: int) -> None:
        toks = self.toks
        mods = [t for t in toks[s:k] if t.kind != DOC]
        self._record_syntax(read_command(toks, k, e, self._context(mods)))

    def _current_scoped(self) -> tuple[str, ...]:
        out: list[str] = []
        for sc in self.scopes:
            out.extend(sc.scoped_opens)
        out.extend(self.pending_scoped)
        return tuple(dict.fromkeys(out))

    def _add_aliases(self, aliases: list[tuple[str, str]]) -> None:
        scope = (self.namespace, tuple(self.current_opens()))
        self.aliases.extend((a, t, *scope) for a, t in aliases)

    def _parse_open(self, args: Sequence[Token], *, export: bool = False) -> tuple[list[str], list[tuple[str, str]]]:
        """Namespaces opened, and explicit aliases, of `open`/`export` arguments."""
        ns = self.namespace
        opens: list[str] = []
        aliases: list[tuple[str, str]] = []
        i = 0
        n = len(args)
        if i < n and args[i].text in ("scoped", "private"):
            return [], []  # `open scoped` brings notation and instances, not names
        while i < n:
            t = args[i]
            if t.kind != IDENT:
                i += 1
                continue
            target = _strip_guillemets(t.text)
            nxt = args[i + 1] if i + 1 < n else None
            if nxt is not None and nxt.kind == SYMBOL and nxt.text == "(":
                j = i + 2
                while j < n and args[j].text != ")":
                    if args[j].kind == IDENT:
                        short = _strip_guillemets(args[j].text)
                        aliases.append((_join(ns, short) if export else short, f"{target}.{short}"))
                    j += 1
                if not export:
                    opens.append(target)  # conservative: selective opens behave like opens
                i = j + 1
                continue
            if nxt is not None and nxt.kind == IDENT and nxt.text in ("renaming", "hiding"):
                opens.append(target)
                if nxt.text == "renaming":
                    j = i + 2
                    while j + 2 < n and args[j + 1].text in ("→", "->"):
                        aliases.append((_strip_guillemets(args[j + 2].text), f"{target}.{_strip_guillemets(args[j].text)}"))
                        j += 3
                        if j < n and args[j].text == ",":
                            j += 1
                    i = j
                else:
                    i = n
                continue
            if not export:
                opens.append(target)
            i += 1
        # an opened name is looked up relative to the current namespace and its parents, and
        # to every namespace already open (`open Outer` then `open Inner` opens `Outer.Inner`):
        # Lean opens each that exists; a candidate that names no namespace opens nothing here
        expanded: list[str] = []
        already = self.current_opens()
        for o in opens:
            if o.startswith("_root_."):
                expanded.append(o[len("_root_.") :])
                continue
            for p in _ns_prefixes(ns):
                expanded.append(_join(p, o))
            expanded.extend(f"{c}.{o}" for c in already)
        return list(dict.fromkeys(expanded)), aliases

    # ----------------------------------------------------------------- declarations
    def declaration(self, s: int, k: int, e: int) -> None:
        toks = self.toks
        head = toks[s]
        doc = doc_text(head.text) if head.kind == DOC else None
        attrs: list[str] = []
        attr_insts: list[list[Token]] = []
        mods: list[str] = []
        j = s + (1 if head.kind == DOC else 0)
        while j < k:
            t = toks[j]
            if t.kind == SYMBOL and t.text == "@[":
                a, j = j, matching_close(toks, j, k)
                for inst in split_top(toks[a + 1 : j]):
                    attrs.append(_render(inst))
                    attr_insts.append(inst)
                j += 1
                continue
            if t.kind == IDENT and t.text in MODIFIERS:
                mods.append(t.text)
            j += 1
        kw = toks[k].text
        kind = self.decl_keywords[kw]
        i = k + 1
        if kw == "class" and i < e and toks[i].text == "inductive":
            kind = "class inductive"
            i += 1
        # instance priority: `instance (priority := low)`
        if kw == "instance" and i + 2 < e and toks[i].text == "(" and toks[i + 1].text == "priority":
            depth = 0
            while i < e:
                if toks[i].text == "(":
                    depth += 1
                elif toks[i].text == ")":
                    depth -= 1
                    if depth == 0:
                        i += 1
                        break
                i += 1
        name_tok: Token | None = None
        if kw == "alias":
            self._alias(s, k, e, doc, attrs, mods)
            return
        if kw != "example" and i < e and toks[i].kind == IDENT and toks[i].text not in ("where", "extends"):
            name_tok = toks[i]
            i += 1
            # universe parameters `.{u, v}`
            if i + 1 < e and toks[i].text == "." and toks[i + 1].text == "{" and toks[i].start == name_tok.end:
                while i < e and toks[i].text != "}":
                    i += 1
                i += 1
        elif kw not in ("instance", "example"):
            self.diag("missing-name", f"`{kw}` without a name; skipped", toks[k], Severity.INFO)
            return
        sig_start = i
        is_inductive = kind in ("inductive", "coinductive", "class inductive")
        depth = 0
        colon = -1
        body_start = e
        body_kind = ""
        while i < e:
            t = toks[i]
            if t.kind == SYMBOL:
                if t.text in _OPEN:
                    depth += 1
                elif t.text in _CLOSE:
                    depth = max(0, depth - 1)
                elif depth == 0:
                    if t.text == ":" and colon < 0:
                        colon = i
                    elif t.text == ":=":
                        body_start, body_kind = i, ":="
                        break
                    elif t.text == "|" and (is_inductive or self._is_line_start(i)):
                        body_start, body_kind = i, "|"
                        break
            elif t.kind == IDENT and depth == 0 and t.text == "where":
                body_start, body_kind = i, "where"
                break
            i += 1
        sig_toks = toks[sig_start:body_start]
        type_toks = toks[colon + 1 : body_start] if colon >= 0 else []
        ns = self.namespace
        if name_tok is not None:
            written = _strip_guillemets(name_tok.text)
            full = _join(ns, written)
            auto = False
        elif kw == "instance":
            full = _join(ns, self._instance_name(type_toks))
            # Lean numbers colliding generated names: instFoo, instFoo_1, instFoo_2, …
            seen = self.auto_names.get(full, 0)
            self.auto_names[full] = seen + 1
            if seen:
                full = f"{full}_{seen}"
            auto = True
        else:  # example
            full = f"_example.{self.module or 'file'}.L{toks[k].line}"
            auto = True
        private = "private" in mods
        body_toks = toks[body_start:e]
        # `where` helpers after a `:=` body are separate declarations `full.helper`
        helpers: list[tuple[int, int]] = []
        if body_kind == ":=" and kind not in ("structure", "class", "inductive", "coinductive", "class inductive"):
            helpers = self._where_helpers(body_start, e)
            if helpers:
                body_toks = toks[body_start : helpers[0][0] - 1]
        decl = self._make(kind, full, toks[k], toks[e - 1] if e > k else toks[k], sig_toks, type_toks,
                          body_toks, doc, attrs, mods, private, auto, name_tok)
        self.decls.append(decl)
        scoped = self._current_scoped()
        if scoped:
            self.scoped_opens[len(self.decls) - 1] = scoped
        var_spans = tuple(v for sc in self.scopes for v in sc.var_spans)
        if var_spans:
            self.var_spans[len(self.decls) - 1] = var_spans
        var_sorries = [ln for sc in self.scopes for ln in sc.var_sorries]
        if var_sorries:  # a `variable (h : sorry)` the declaration may include
            decl.sorry_lines = tuple(sorted({*decl.sorry_lines, *var_sorries}))
        named_attrs = [attribute_name(inst) for inst in attr_insts]
        if any(a in ELAB_ATTRIBUTES or a == "command_parser" for a, _ in named_attrs):
            self._record_syntax(read_definition(full, named_attrs, body_toks, toks[k].line,
                                                self._context([t for t in toks[s:k] if t.kind == IDENT])))
        self._generated_names(full, attr_insts)
        if kind in ("structure", "class"):
            self._structure_members(full, body_start, e, body_kind)
        elif is_inductive:
            self._inductive_members(full, body_start, e)
        for a, b in helpers:
            self._helper(full, a, b, mods)

    def _generated_names(self, full: str, attrs: Sequence[Sequence[Token]]) -> None:
        """Declarations an attribute makes from this one (`@[ext]`, `@[to_additive]`, `@[simps]`,
        …, read by each attribute's grammar in :mod:`.attributes`).  They are recorded as names
        of this declaration, so a use of the generated one inherits its status."""
        for inst in attrs:
            for made in generated_names(full, inst):
                if made != full:
                    self.members.setdefault(made, full)

    def _make(self, kind: str, full: str, kw_tok: Token, last: Token, sig_toks: Sequence[Token],
              type_toks: Sequence[Token], body_toks: Sequence[Token], doc: str | None,
              attrs: list[str], mods: list[str], private: bool, auto: bool,
              name_tok: Token | None) -> Declaration:
        all_toks = _expand_interpolations(list(sig_toks) + list(body_toks))
        sorry_lines: list[int] = []
        trusts: list[TrustUse] = [TrustUse(t, kw_tok.line) for t in self.current_trusts()]
        trusts += [tu for sc in self.scopes for tu in sc.var_trusts]  # a `variable` it may include
        refs: list[str] = []
        seen: set[str] = set()

        def add_ref(name: str) -> None:
            if name not in seen:
                seen.add(name)
                refs.append(name)

        binders = self._binder_names(sig_toks, body_toks)
        prev: Token | None = None
        has_by = False
        # `have bad := bad 0`: on the right of its own `:=` a name bound by have/let is still
        # the outer one (the project's `bad`), so it counts there as a reference
        bound_here: set[str] = set()
        rhs = False
        line_now = -1
        n_toks = len(all_toks)
        for idx, t in enumerate(all_toks):
            tkind, w, t_start, _, t_line, _ = t  # unpacked once: this loop sees every token
            if t_line != line_now:
                line_now, bound_here, rhs = t_line, set(), False
            if tkind == SYMBOL:
                if w == ":=":
                    if bound_here:
                        rhs = True
                elif (len(w) > 1 and w[0] == "#" and w[1:2].isalpha()
                      and w not in _HASH_COMMANDS and w[1:] not in binders):
                    # `#s` inside a declaration is notation (Mathlib's cardinality) applied to the
                    # name `s`, not a `#command`: the lexer kept them together
                    add_ref(w[1:])
            elif tkind == IDENT:
                if (w == "have" or w == "let") and idx + 1 < n_toks \
                        and all_toks[idx + 1].kind == IDENT and all_toks[idx + 1].line == t_line:
                    bound_here.add(all_toks[idx + 1].text)
                if w in SORRY_WORDS or (
                    w == "stop" and has_by and w not in binders
                    and (prev is None or prev.line < t_line or prev.text in ("by", ";", "·", "<;>", "=>"))
                ):
                    sorry_lines.append(t_line)
                elif w == "by":
                    has_by = True
                elif w in _TRUST_HEADS and (tu := _trust_at(all_toks, idx)) is not None:
                    trusts.append(tu)
                if "«" in w:
                    w = _strip_guillemets(w)  # `«my def»` refers to the constant named `my def`
                shadowed = w in binders and not (rhs and w in bound_here)
                if w not in RESERVED and not shadowed and w not in SORRY_WORDS:
                    # a dot-prefixed name `.foo` (no gap after the dot, a gap or bracket before it)
                    if (prev is not None and prev.kind == SYMBOL and prev.end == t_start and (
                            prev.text == "|>." or (prev.text == "." and (
                                idx < 2 or all_toks[idx - 2].end < prev.start
                                or all_toks[idx - 2].kind in (SYMBOL, NUMBER, STRING))))):
                        # `.foo`, `x |>.foo`, `(e).foo`, `p.1.foo`: field notation, resolved by
                        # the receiver's type where its head name is known (lean/types.py)
                        recv = receiver_head(all_toks, idx - 1)
                        w = f"{recv}{RECEIVER}{w}" if recv else "." + w
                    add_ref(w)
            prev = t
        # `open Foo in` inside a proof or term: Foo is open for that part, counted for all of it
        local_opens: list[str] = []
        for idx, t in enumerate(all_toks):
            if t.kind == IDENT and t.text == "open":
                j = idx + 1
                while j < len(all_toks) and all_toks[j].line == t.line and all_toks[j].text != "in":
                    j += 1
                if j < len(all_toks) and all_toks[j].text == "in" and j > idx + 1:
                    local_opens.extend(self._parse_open(list(all_toks[idx + 1 : j]))[0])
        # the section's `variable`s: over-approximated as used by every declaration in scope
        for w in self.current_var_refs():
            if w not in binders:
                add_ref(w)
        type_text = _render(type_toks)
        sig_text = _render(sig_toks)
        var_types: dict[str, set[str]] = {}
        for sc in self.scopes:
            for name, heads in sc.var_types.items():
                var_types.setdefault(name, set()).update(heads)
        pre_colon = sig_toks[: len(sig_toks) - len(type_toks) - (1 if type_toks else 0)]
        local_types = encoded_local_types((pre_colon, type_toks, body_toks), (True, False, False), var_types,
                                          type_toks, refs)
        body_core = [t.text for t in body_toks if t.text not in (":=",)]
        is_stub = (
            type_text == "True"
            and bool(sorry_lines)
            and body_core in (["sorry"], ["by", "sorry"], ["by", "admit"], ["admit"])
        )
        display_name = name_tok.text if name_tok is not None else ""
        signature = " ".join(p for p in (kind if kind != "lemma" else "lemma", display_name, sig_text) if p)
        return Declaration(
            name=full,
            kind=kind,
            file="",
            line=kw_tok.line,
            end_line=max(last.line, kw_tok.line),
            column=kw_tok.col,
            signature=signature,
            type_text=type_text,
            docstring=doc,
            body="",
            modifiers=tuple(mods),
            attributes=tuple(attrs),
            # `theorem B.foo` in namespace A elaborates in A.B; `theorem _root_.foo` stays in A
            # an example has no name: it elaborates in the enclosing namespace
            namespace=(self.namespace if kind == "example" or (name_tok is not None and
                       _strip_guillemets(name_tok.text).startswith("_root_."))
                       else full.rpartition(".")[0]),
            sorry_lines=tuple(sorry_lines),
            trusts=tuple(trusts),
            is_stub=is_stub,
            refs=tuple(refs),
            opens=tuple(dict.fromkeys([*self.current_opens(), *local_opens])),
            private=private,
            auto_named=auto,
            local_types=local_types,
            # a section `variable` is a local of the statement too (`variable {α}` … `: α`)
            result_type=encode_heads(type_heads(type_toks, frozenset(binders).union(var_types))),
            words=encode_words([t.text for t in type_toks if t.kind == IDENT],
                               [*(t.text for t in pre_colon if t.kind == IDENT), *self.current_var_refs()],
                               [t.text for t in body_toks if t.kind == IDENT], frozenset(binders).union(var_types)),
            text_hash=text_hash(kind, [t.text for t in all_toks]),
        )

    @staticmethod
    def _binder_names(sig_toks: Sequence[Token], body_toks: Sequence[Token] = ()) -> set[str]:
        """Local names: the signature's binders `(x y : T)`, `{α}`, `[inst : C]`, `⦃h⦄`, and
        the names introduced by `fun`, `∀`, `∃`, `intro`, `obtain`, `have`, `let`, … anywhere."""
        names: set[str] = set()
        stack: list[str] = []
        group: list[str] = []
        collecting = False
        for t in sig_toks:
            if not stack and t.kind == SYMBOL and t.text == ":":
                break  # the statement starts: `(C : Int)` there is a type ascription, not a binder
            if t.kind == SYMBOL and t.text in ("(", "{", "[", "⦃", "⟨"):
                stack.append(t.text)
                if len(stack) == 1:
                    collecting, group = True, []
                continue
            if t.kind == SYMBOL and t.text in (")", "}", "]", "⦄", "⟩"):
                if len(stack) == 1 and collecting and stack[0] in ("{", "⦃"):
                    names.update(group)  # `{α β}`: names without a type
                if stack:
                    stack.pop()
                collecting = False
                continue
            if len(stack) == 1 and collecting:
                if t.kind == IDENT:
                    group.append(t.text)
                elif t.kind == SYMBOL and t.text == ":":
                    names.update(group)
                    collecting = False
                elif not (t.kind == SYMBOL and t.text == "_"):
                    collecting = False
        binding = False
        line = 0
        prev: Token | None = None
        for t in (*sig_toks, *body_toks):
            after_dot = prev is not None and prev.kind == SYMBOL and prev.text in (".", "|>.") and prev.end == t.start
            prev = t
            if t.kind == IDENT and t.text in _BINDING_WORDS and not after_dot:  # `.intro a b` is a term
                binding, line = True, t.line
                continue
            if binding:
                if t.line != line:  # `intro n` ends with its line: the next tactic is not a name
                    binding = False
                elif t.kind == IDENT and t.text in _BINDING_STOPS:
                    binding = False  # `with x hx using lemma`: what follows `using` is a term
                elif t.kind == IDENT:
                    names.add(t.text)
                elif not (t.kind == SYMBOL and t.text in ("(", "⟨", ",", "_", "|", "@", "{")):
                    binding = False
        return names

    def _instance_name(self, type_toks: Sequence[Token]) -> str:
        """Lean's guess for an anonymous instance: `inst` + the type's constant names (approximate)."""
        parts = []
        for t in type_toks:
            if t.kind == IDENT and t.text[:1].isupper():
                parts.append(_strip_guillemets(t.text).rpartition(".")[2])
        return "inst" + "".join(parts) if parts else "inst"

    def _where_helpers(self, body_start: int, e: int) -> list[tuple[int, int]]:
        toks = self.toks
        depth = 0
        for i in range(body_start, e):
            t = toks[i]
            if t.kind == SYMBOL:
                if t.text in _OPEN:
                    depth += 1
                elif t.text in _CLOSE:
                    depth = max(0, depth - 1)
            elif t.kind == IDENT and t.text == "where" and depth == 0:
                # each helper starts at a line-start identifier after `where`
                out: list[tuple[int, int]] = []
                starts: list[int] = []
                j = i + 1
                col = None
                while j < e:
                    tj = toks[j]
                    if (tj.kind in (IDENT, DOC) or tj.text == "@[") and (j == i + 1 or self._is_line_start(j)):
                        if col is None:
                            col = tj.col
                        # a helper's header holds `:` or `:=` on its line (`go (n : Nat) : Nat :=`,
                        # `go : Nat → Nat`); a line at that column without one continues a body
                        if tj.col == col and (not starts or tj.kind == DOC or tj.text == "@["
                                              or self._line_has(j, (":", ":="))):
                            starts.append(j)
                    j += 1
                for n_, a in enumerate(starts):
                    b = starts[n_ + 1] if n_ + 1 < len(starts) else e
                    out.append((a, b))
                return out
        return []

    def _line_has(self, i: int, texts: tuple[str, ...]) -> bool:
        toks = self.toks
        j = i
        while j < len(toks) and toks[j].line == toks[i].line:
            if toks[j].kind == SYMBOL and toks[j].text in texts:
                return True
            j += 1
        return False

    def _helper(self, parent: str, a: int, b: int, parent_mods: list[str]) -> None:
        toks = self.toks
        doc = None
        if toks[a].kind == DOC:
            doc = doc_text(toks[a].text)
            a += 1
        while a < b and toks[a].text == "@[":
            while a < b and toks[a].text != "]":
                a += 1
            a += 1
        if a >= b or toks[a].kind != IDENT or toks[a].text in ("_", "__"):
            return
        name_tok = toks[a]
        depth, colon, body = 0, -1, b
        for i in range(a + 1, b):
            t = toks[i]
            if t.kind == SYMBOL:
                if t.text in _OPEN:
                    depth += 1
                elif t.text in _CLOSE:
                    depth = max(0, depth - 1)
                elif depth == 0 and t.text == ":" and colon < 0:
                    colon = i
                elif depth == 0 and (t.text == ":=" or (t.text == "|" and self._is_line_start(i))):
                    body = i
                    break
        full = f"{parent}.{_strip_guillemets(name_tok.text)}"
        d = self._make("def", full, name_tok, toks[b - 1], toks[a + 1 : body],
                       toks[colon + 1 : body] if colon >= 0 else [], toks[body:b], doc, [],
                       [m for m in parent_mods if m in ("private", "noncomputable", "partial")],
                       "private" in parent_mods, False, name_tok)
        self.decls.append(d)
        # the parent uses its helpers
        parent_decl = next(x for x in reversed(self.decls) if x.name == parent)
        if full not in parent_decl.refs:
            parent_decl.refs = (*parent_decl.refs, "_root_." + full)

    def _structure_members(self, full: str, body_start: int, e: int, body_kind: str) -> None:
        toks = self.toks
        self.members[f"{full}.mk"] = full
        if body_kind != "where":
            return
        col = None
        for i in range(body_start + 1, e):
            t = toks[i]
            if t.kind == IDENT and self._is_line_start(i):
                if col is None:
                    col = t.col
                if t.col == col:
                    if i + 1 < e and toks[i + 1].text == "::":
                        self.members[f"{full}.{t.text}"] = full  # custom constructor name
                        continue
                    j = i
                    while j < e and toks[j].kind == IDENT and toks[j].line == t.line and toks[j].text not in KEYWORDS:
                        self.members[f"{full}.{_strip_guillemets(toks[j].text)}"] = full
                        j += 1

    def _inductive_members(self, full: str, body_start: int, e: int) -> None:
        toks = self.toks
        for i in range(body_start, e - 1):
            if toks[i].kind == SYMBOL and toks[i].text == "|" and toks[i + 1].kind == IDENT:
                self.members[f"{full}.{_strip_guillemets(toks[i + 1].text)}"] = full
        # `where`-style inductive: constructors at line start
        for i in range(body_start, e):
            if toks[i].kind == IDENT and toks[i].text == "where":
                for j in range(i + 1, e - 1):
                    if toks[j].kind == IDENT and self._is_line_start(j) and toks[j + 1].text == ":":
                        self.members[f"{full}.{toks[j].text}"] = full
                break

    def _alias(self, s: int, k: int, e: int, doc: str | None, attrs: list[str], mods: list[str]) -> None:
        """Mathlib's `alias foo := bar` and `alias ⟨mp, mpr⟩ := iff_thm`."""
        toks = self.toks
        seg = toks[k + 1 : e]
        try:
            eq = next(i for i, t in enumerate(seg) if t.text == ":=")
        except StopIteration:
            self.diag("bad-alias", "`alias` without `:=`", toks[k], Severity.WARNING)
            return
        targets = [t for t in seg[eq + 1 :] if t.kind == IDENT]
        if not targets:
            return
        target = targets[0]
        names = [t for t in seg[:eq] if t.kind == IDENT and t.text != "_"]
        ns = self.namespace
        for nt in names:
            full = _join(ns, _strip_guillemets(nt.text))
            d = self._make("alias", full, toks[k], toks[e - 1], [], [], [target], doc, attrs, mods,
                           "private" in mods, False, nt)
            d.signature = f"alias {_render(seg)}"
            self.decls.append(d)


def parse(text: str, *, extra_commands: Mapping[str, str] | None = None, module: str = "",
          lexed: LexResult | None = None) -> ParsedFile:
    """Parse one file's text (``lexed``: its tokens, when the caller has them).  Never raises on
    any input."""
    return _FileParser(text, extra_commands, module=module, lexed=lexed).run()


__all__ = ["DECL_KEYWORDS", "NUMBER", "STRING", "ParsedFile", "parse"]
