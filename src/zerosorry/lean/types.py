"""What the source states about types: enough to resolve generalised field notation.

Lean resolves ``h.foo`` (and ``(e).foo``, ``e |>.foo``) by the type of the receiver: the
namespace of the type's head constant (``Good`` for ``h : Good f``), then the structures it
extends; a function type (``∀``, ``→``) looks in ``Function``.  This module reads, from tokens
only, the *head* of a written type and which local names have a written type:

* binders in the signature and in the section's ``variable``s (``{hf : Good f}``),
  ``fun (x : T)``, ``∀ (x : T)``, ``∃ (x : T)``, pattern ascriptions ``(h : T)``;
* ``have h : T``, ``let x : T``, ``obtain h : T``, ``haveI``, ``letI``, ``set``, ``suffices``,
  ``replace``;
* the stated result type of a declaration (its type after the binders and arrows).

A head is a name as written (resolved later, in the declaration's scope, by
:mod:`zerosorry.lean.names`), :data:`FUNCTION` for a function type, or :data:`UNKNOWN` when the
text does not say (notation this module does not know, a coercion, a type variable).  A name
bound somewhere without a written type (``intro h``, ``obtain ⟨x, hx⟩ := …``) carries
:data:`UNKNOWN` among its heads, so a reader never trusts one binding's type for another's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Final

from .lexer import IDENT, NUMBER, STRING, SYMBOL, Token, lex

FUNCTION: Final = "Function"
#: in a reference, separates a receiver expression's head name from the fields applied to it:
#: ``h.trans\x03foo`` is ``(h.trans …).foo`` or ``h.trans … |>.foo``
RECEIVER: Final = "\x03"
UNKNOWN: Final = "?"
#: a head entry ``ARG + name``: a constant written in the type's arguments, not its head
#: (``Box`` in ``OrderDual Box``): a namespace the head may unfold to, never searched first
ARG: Final = "\x04"
#: separators of the encoded forms stored on a Declaration (a NUL never occurs in a name, nor these)
_SEP_HEAD: Final = "\x01"
_SEP_NAME: Final = "\x02"

#: infix notation -> the head constant of the proposition or type it builds, lowest
#: precedence first (the first one found at the top level is the expression's head)
_INFIX_LEVELS: Final[tuple[tuple[frozenset[str], Mapping[str, str]], ...]] = tuple(
    (frozenset(level), level)
    for level in (
        {"↔": "Iff"},
        {"→": FUNCTION, "->": FUNCTION},
        {"∨": "Or"},
        {"∧": "And", "×": "Prod"},
        {"=": "Eq", "≠": "Ne", "≤": "LE.le", "<": "LT.lt", "≥": "GE.ge", ">": "GT.gt",
         "∈": "Membership.mem", "∉": "Not", "⊆": "HasSubset.Subset", "⊂": "HasSSubset.SSubset",
         "∣": "Dvd.dvd", "≃": "Equiv", "≅": "HEq", "==": "BEq.beq", "≍": "HEq"},
    )
)
_ALL_INFIX: Final = frozenset().union(*(lv for lv, _ in _INFIX_LEVELS))
_PREFIX_HEADS: Final = {"¬": "Not", "∃": "Exists", "∃!": "ExistsUnique"}
_PI_WORDS: Final = frozenset({"∀", "Π", "forall"})
_OPEN: Final = frozenset({"(", "[", "{", "⟨", "⦃", "@[", "#[", "‹", "⟦"})
_CLOSE: Final = frozenset({")", "]", "}", "⟩", "⦄", "›", "⟧"})
#: symbols that can stand inside a type without changing its head (applications' arguments)
_NEUTRAL: Final = frozenset({",", ".", "@", "_", "'", "$", "<|", "|>", "+", "-", "*", "/", "^", "∘", "•", "⁻¹",
                      "!", "::", "++", "%", "↑", "⇑", "|"})
#: a local's head written ``=e``: its type is that of the expression headed by the name ``e``
#: (``have bg := lemma x``: what ``lemma`` states), read by :mod:`zerosorry.lean.names`
EXPR: Final = "="
#: words whose `name := e` gives the name e's type (`obtain`/`set` too; `suffices` and
#: `replace` keep or change a goal, not a value)
_VALUE_WORDS: Final = frozenset({"have", "let", "haveI", "letI", "obtain", "set"})
#: words that start a term but are no name: the value's type is not read from them
_NOT_A_HEAD: Final = frozenset({"by", "fun", "λ", "show", "from", "if", "match", "do", "calc", "let", "have",
                         "this", "sorry", "Classical.choice", "cast", "id", "absurd"})
#: words after which a name and `: T` bind a local with a written type
_HAVE_WORDS: Final = frozenset({"have", "let", "haveI", "letI", "obtain", "set", "suffices", "replace", "by_cases"})
#: binders of a term: each names a bound variable (untyped unless written `(x : T)`)
_QUANTIFIERS: Final = frozenset({"∀", "∃", "∃!", "Π", "Σ", "Σ'", "forall", "exists", "∑", "∏", "⨆", "⨅", "⋃", "⋂",
                          "∫", "∮", "∫⁻", "⨁", "⋃₀", "⋂₀", "for"})
_BINDER_WORDS: Final = frozenset({"fun", "λ", "∀", "∃", "∃!", "Π", "Σ", "forall"})
#: (`rcases e with …`, `cases e with …`, `induction n with …` bind after their `with`, not before)
_UNTYPED_BINDING: Final = frozenset({"intro", "intros", "rintro", "obtain", "with", "fun", "λ", "have", "let", "haveI", "letI", "set", "generalize",
                              "choose", "lift", "by_contra", "by_contra!", "by_cases", "ext", "funext",
                              "replace", "suffices", "at", "contrapose", "contrapose!", "next", "case",
                              "rename_i", "rename", "specialize", "by_contra'"})
#: words that end an application to their left (`exact f x |>.foo`: the receiver is `f x`)
_ENDS_APP: Final = frozenset({"exact", "by", "refine", "refine'", "apply", "show", "from", "have", "let", "fun", "λ",
                       "then", "else", "do", "in", "at", "with", "using", "return", "calc", "use",
                       "exists", "obtain", "rcases", "simpa", "if", "match"})
#: words in a type's arguments that name no constant
_NOT_ARGS: Final = frozenset({"Type", "Sort", "Prop", "fun", "λ", "by", "if", "then", "else", "match", "with", "let", "have",
                       "show", "from", "do", "in", "at", "this", "sorry", "_"})
_STOPS: Final = frozenset({"using", "only", "generalizing", "in", "then", "else", "do", "=>", ":=", "↦"})


def _depth0(toks: Sequence[Token]) -> Iterable[tuple[int, Token]]:
    depth = 0
    for i, t in enumerate(toks):
        if t.kind == SYMBOL and t.text in _OPEN:
            if depth == 0:
                yield i, t
            depth += 1
        elif t.kind == SYMBOL and t.text in _CLOSE:
            depth = max(0, depth - 1)
            if depth == 0:
                yield i, t
        elif depth == 0:
            yield i, t


def type_heads(toks: Sequence[Token], locals_: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The heads of the type written as ``toks``: one name, or for a function type
    ``Function`` and the head of its result (a field on an applied function is the result's);
    ``(UNKNOWN,)`` when the text does not say."""
    toks = _number_notations(toks)
    while toks and toks[0].kind == SYMBOL and toks[0].text == "(" and _closes_at_end(toks):
        toks = toks[1:-1]
    if not toks:
        return (UNKNOWN,)
    first = toks[0]
    if first.text in _PI_WORDS:
        return (FUNCTION, *_after_comma(toks, locals_))
    if first.text in _PREFIX_HEADS:
        return (_PREFIX_HEADS[first.text],)
    top = list(_depth0(toks))
    if any(t.text == "fun" or t.text == "λ" for _, t in top):
        return (UNKNOWN,)
    for level, heads in _INFIX_LEVELS:
        for i, t in top:
            if t.kind == SYMBOL and t.text in level:
                if heads[t.text] == FUNCTION:
                    return (FUNCTION, *type_heads(toks[i + 1 :], locals_))
                return (heads[t.text],)
    if any(t.kind == SYMBOL and t.text not in _NEUTRAL and t.text not in _OPEN and t.text not in _CLOSE
           and t.text not in _ALL_INFIX for _, t in top):
        return (UNKNOWN,)  # notation this reader does not know may be the head
    j = 1 if first.kind == SYMBOL and first.text == "@" and len(toks) > 1 else 0
    head = toks[j]
    if (head.kind != IDENT or head.text in locals_ or head.text in ("Type", "Sort", "Prop")
            or _auto_bound(head.text)):
        return (UNKNOWN,)  # a type variable, a universe, or no name at all
    return (_plain(head.text), *_arg_names(toks[j + 1 :], locals_))


def _plain(name: str) -> str:
    return name.replace("«", "").replace("»", "")


def _arg_names(toks: Sequence[Token], locals_: frozenset[str]) -> tuple[str, ...]:
    """The constants written in a type's arguments, each as ``ARG + name``, in order, once:
    Lean may reach their namespaces by unfolding the head (``OrderDual Box`` is ``Box``)."""
    out: dict[str, None] = {}
    for t in toks:
        if (t.kind == IDENT and t.text.partition(".")[0] not in locals_ and t.text not in _NOT_ARGS
                and not _auto_bound(t.text)):
            out[ARG + _plain(t.text)] = None
    return tuple(out)


#: Mathlib's number-type notations that the lexer splits (`ℝ≥0` is `ℝ`, `≥`, `0` written without
#: spaces; read apart it would be the proposition `ℝ ≥ 0`): the constant each stands for
_SPLIT_NOTATIONS: Final = {("ℝ", "≥", "0", "∞"): "ENNReal", ("ℝ", "≥", "0"): "NNReal", ("ℕ", "∞"): "ENat"}


#: the first token of each split notation: a type without one needs no rewriting
_NOTATION_FIRST: Final = frozenset(parts[0] for parts in _SPLIT_NOTATIONS)


def _number_notations(toks: Sequence[Token]) -> Sequence[Token]:
    if _NOTATION_FIRST.isdisjoint([t.text for t in toks]):
        return toks
    out: list[Token] = []
    i = 0
    n = len(toks)
    while i < n:
        t = toks[i]
        if t.text in _NOTATION_FIRST:  # (no notation starts at any other token)
            for parts, name in _SPLIT_NOTATIONS.items():
                end = i + len(parts)
                if (tuple(x.text for x in toks[i:end]) == parts
                        and all(toks[k].end == toks[k + 1].start for k in range(i, end - 1))):
                    out.append(t._replace(kind=IDENT, text=name, end=toks[end - 1].end))
                    i = end
                    break
            else:
                out.append(t)
                i += 1
        else:
            out.append(t)
            i += 1
    return out


#: one-letter names that are Mathlib's notations for number types, not variables
_NUMBER_TYPES: Final = frozenset("ℕℤℚℝℂℍ")
_AUTO_SUFFIX: Final = re.compile(r"[0-9₀-₉'_]*")


def _auto_bound(name: str) -> bool:
    """Whether ``name`` is one Lean binds implicitly when a signature leaves it unbound (a
    letter, then digits, subscripts or primes: ``α``, ``M₁``): a type variable, instantiated
    at each use, so never the namespace of a field."""
    return (len(name) > 0 and name[0].isalpha() and name[0] not in _NUMBER_TYPES
            and _AUTO_SUFFIX.fullmatch(name, 1) is not None)


def _closes_at_end(toks: Sequence[Token]) -> bool:
    depth = 0
    for i, t in enumerate(toks):
        if t.kind == SYMBOL and t.text in _OPEN:
            depth += 1
        elif t.kind == SYMBOL and t.text in _CLOSE:
            depth -= 1
            if depth == 0 and i < len(toks) - 1:
                return False
    return True


def _after_comma(toks: Sequence[Token], locals_: frozenset[str]) -> tuple[str, ...]:
    for i, t in _depth0(toks):
        if t.kind == SYMBOL and t.text == ",":
            return type_heads(toks[i + 1 :], locals_)
    return (UNKNOWN,)


def _until(toks: Sequence[Token], i: int, stops: frozenset[str]) -> int:
    """From ``i``, the index of the first top-level token in ``stops`` (or a new line at depth 0)."""
    depth = 0
    line = toks[i].line if i < len(toks) else 0
    for j in range(i, len(toks)):
        t = toks[j]
        if depth == 0 and (t.text in stops or (t.line != line and j > i and t.col <= toks[i].col - 2)):
            return j
        if t.kind == SYMBOL and t.text in _OPEN:
            depth += 1
        elif t.kind == SYMBOL and t.text in _CLOSE:
            if depth == 0:
                return j
            depth -= 1
        if depth == 0 and t.line != line and j > i:
            return j
    return len(toks)


def local_types(groups: Iterable[Sequence[Token]], binder_context: Sequence[bool],
                base: Mapping[str, set[str]] | None = None,
                stated: Sequence[Token] | None = None) -> dict[str, set[str]]:
    """Local name -> the heads of every type written for it in ``groups`` of tokens (the
    signature, the variables in scope, the body).  ``binder_context[k]`` says group ``k`` is a
    binder list (``(x y : T)`` binds both); elsewhere only after ``fun``/``∀``/``∃``, and a
    one-name ``(h : T)`` (a pattern or an ascription: either way h has type T).  A name also
    bound without a written type gets :data:`UNKNOWN` among its heads.  ``base``: what is
    already known (the section's variables, read once).  ``stated``: the declaration's stated
    type, which a proof opening with ``intro x h`` (the last group is the body) names."""
    out: dict[str, set[str]] = {k: set(v) for k, v in base.items()} if base else {}
    groups = list(groups)
    for k, (toks, is_binders) in enumerate(zip(groups, binder_context, strict=True)):
        first = _first_intro(toks, stated) if stated is not None and k == len(groups) - 1 else {}
        _read_group(toks, is_binders, out, first)
    return out


def _premises(toks: Sequence[Token]) -> list[tuple[str, ...]]:
    """What `intro` takes from a goal stated as ``toks``, in order: the heads of each ``∀``
    binder's type and of each premise of an arrow (``∀ x, Good x → Nice x`` gives unknown,
    ``Good``); it stops where the statement's shape is not read (a definition to unfold)."""
    out: list[tuple[str, ...]] = []
    rest = list(toks)
    while rest:
        while rest and rest[0].text == "(" and _closes_at_end(rest):
            rest = rest[1:-1]
        if not rest:
            break
        if rest[0].text == "¬":
            out.append(type_heads(rest[1:]))
            break
        if rest[0].text in _PI_WORDS:
            comma = next((k for k, x in _depth0(rest) if x.kind == SYMBOL and x.text == ","), None)
            if comma is None:
                break
            binders = rest[1:comma]
            match = _matches(binders)
            k = 0
            while k < len(binders):
                b = binders[k]
                if b.kind == SYMBOL and b.text in _GROUP_OPEN:
                    close = match.get(k, len(binders))
                    inner = binders[k + 1 : close]
                    colon = next((j for j, x in _depth0(inner) if x.kind == SYMBOL and x.text == ":"), -1)
                    if colon < 0 and b.text == "[":  # `[Inhabited α]`: one anonymous instance
                        out.append(type_heads(inner))
                        k = close + 1
                        continue
                    names = inner[:colon] if colon > 0 else inner
                    heads = type_heads(inner[colon + 1 :]) if colon > 0 else (UNKNOWN,)
                    out.extend(heads for x in names if x.kind == IDENT or x.text == "_")
                    k = close + 1
                    continue
                tail = binders[k:]
                colon = next((j for j, x in _depth0(tail) if x.kind == SYMBOL and x.text == ":"), -1)
                if colon > 0:  # `∀ x y : T,`
                    heads = type_heads(tail[colon + 1 :])
                    out.extend(heads for x in tail[:colon] if x.kind == IDENT or x.text == "_")
                else:  # `∀ x y,` or `∀ x ∈ s,` (a binder predicate: one more premise)
                    names = [x for x in tail if x.kind == IDENT or x.text == "_"]
                    pred = next((x for x in tail if x.kind == SYMBOL and x.text in _ALL_INFIX), None)
                    if pred is not None:
                        names = names[:1]
                    out.extend((UNKNOWN,) for _ in names)
                    if pred is not None:
                        out.append(type_heads(tail))
                break
            rest = rest[comma + 1 :]
            continue
        arrow = next((k for k, x in _depth0(rest) if x.kind == SYMBOL and x.text in ("→", "->")), None)
        if arrow is None:
            break
        out.append(type_heads(rest[:arrow]))
        rest = rest[arrow + 1 :]
    return out


def _first_intro(body: Sequence[Token], stated: Sequence[Token]) -> dict[int, tuple[str, ...]]:
    """A proof that starts with ``intro x h`` (or a term ``fun x h =>``) names the stated
    goal's binders: token index of each name -> the heads of its type."""
    if len(body) < 3 or body[0].text != ":=":
        return {}
    if body[1].text == "by" and body[2].text in ("intro", "intros", "rintro"):
        start, stop = 3, frozenset({";", "<;>"})
    elif body[1].text in ("fun", "λ"):
        start, stop = 2, frozenset({"=>", "↦"})
    else:
        return {}
    line = body[start - 1].line
    names: list[int] = []
    for k in range(start, len(body)):
        t = body[k]
        if t.line != line or t.text in stop or not (t.kind == IDENT or t.text == "_"):
            break
        names.append(k)
    if not names:
        return {}
    premises = _premises(stated)
    return {k: premises[j] for j, k in enumerate(names) if j < len(premises) and body[k].text != "_"}


def _add(out: dict[str, set[str]], names: Iterable[str], heads: Iterable[str]) -> None:
    hs = tuple(heads)
    for n in names:
        out.setdefault(n, set()).update(hs)


def _matches(toks: Sequence[Token]) -> dict[int, int]:
    """Open bracket index -> its closing index, in one pass."""
    out: dict[int, int] = {}
    stack: list[int] = []
    for i, t in enumerate(toks):
        if t.kind != SYMBOL:
            continue
        if t.text in _OPEN:
            stack.append(i)
        elif t.text in _CLOSE and stack:
            out[stack.pop()] = i
    return out


_GROUP_OPEN: Final = frozenset({"(", "{", "[", "⦃"})


def _read_group(toks: Sequence[Token], is_binders: bool, out: dict[str, set[str]],
                first: Mapping[int, tuple[str, ...]] | None = None) -> None:
    n = len(toks)
    typed_at: set[int] = set(first or ())  # token indices of names given a type here
    for k, heads in (first or {}).items():
        _add(out, (toks[k].text,), heads)
    match: dict[int, int] | None = None
    for i, t in enumerate(toks):
        if t.text in _GROUP_OPEN and t.kind == SYMBOL:
            # `(x y : T)`: names, then a colon, straight after the bracket
            j = i + 1
            while j < n and ((toks[j].kind == IDENT and "." not in toks[j].text) or toks[j].text == "_"):
                j += 1
            if j == i + 1 or j >= n or toks[j].kind != SYMBOL or toks[j].text != ":":
                continue
            prev = toks[i - 1] if i > 0 else None
            if not (is_binders or j == i + 2 or (
                    prev is not None and (prev.text in _BINDER_WORDS or prev.text in (")", "}", "]", "⦄")))):
                continue
            if match is None:
                match = _matches(toks)
            close = match.get(i, n)
            # `(μ : Measure Ω := volume)`: a default value follows the type
            close = next((k for k, x in _depth0(toks[j + 1 : close]) if x.text == ":="), close - j - 1) + j + 1
            heads = type_heads(toks[j + 1 : close])
            _add(out, (x.text for x in toks[i + 1 : j] if x.text != "_"), heads)
            typed_at.update(range(i + 1, j))
        elif t.text in _HAVE_WORDS and t.kind == IDENT and i + 1 < n:
            # `have h : T`, `have : T` (named `this`), `have h := e`, `have := e`
            named = toks[i + 1].kind == IDENT and toks[i + 1].text not in _UNTYPED_BINDING
            name, k = (toks[i + 1].text, i + 2) if named else ("this", i + 1)
            if k >= n or toks[k].kind != SYMBOL:
                continue
            if toks[k].text == ":":
                end = _until(toks, k + 1, frozenset({":=", "from", "by", "with", "using", "|"}))
                heads = type_heads(toks[k + 1 : end])
                # `by_cases h : P`: in the second branch h is `¬P`
                _add(out, (name,), (*heads, "Not") if t.text == "by_cases" else heads)
            elif toks[k].text == ":=" and t.text in _VALUE_WORDS:
                # the type of `e` is what its head states: `=head`, read by the resolver
                e = toks[k + 1] if k + 1 < n else None
                if e is not None and e.kind == SYMBOL and e.text == "@" and k + 2 < n:
                    e = toks[k + 2]
                ok = e is not None and e.kind == IDENT and e.text not in _NOT_A_HEAD
                _add(out, (name,), (EXPR + e.text,) if ok and e is not None else (UNKNOWN,))
            else:
                continue
            if named:
                typed_at.add(i + 1)
    # names bound with no written type: they may hold anything
    _field_binders(toks, typed_at, out)
    binding = False
    quant = -1  # bracket depth of a quantifier's binders (`∀ x y,`, `∑ i ∈ s,`): they end at its comma
    depth = 0
    line = -1
    for i, t in enumerate(toks):
        if t.kind == SYMBOL and t.text in _OPEN:
            depth += 1
        elif t.kind == SYMBOL and t.text in _CLOSE:
            depth -= 1
            if quant > depth:
                binding, quant = False, -1
        if t.kind != IDENT or t.text in _QUANTIFIERS:
            if t.text == "|" and t.kind == SYMBOL:  # a `match`/`cases` alternative binds its pattern
                binding, line = True, t.line
            elif t.text in _QUANTIFIERS or t.text in ("λ", "fun"):
                binding, line = True, t.line
                quant = depth if t.text in _QUANTIFIERS else -1
            elif binding and quant == depth and (t.text == "," or t.text in _ALL_INFIX):
                binding, quant = False, -1  # `∀ x ∈ s,`: what follows the binders is no binder
            elif binding and (t.line != line or t.text in _STOPS or t.text == ":"):
                binding, quant = False, -1
            continue
        if t.text in _UNTYPED_BINDING:
            binding, line, quant = True, t.line, -1
        elif binding:
            if t.line != line or t.text in _STOPS:
                binding = False
            elif i not in typed_at:
                out.setdefault(t.text, set()).add(UNKNOWN)


def _field_binders(toks: Sequence[Token], typed_at: set[int], out: dict[str, set[str]]) -> None:
    """A structure-instance field written with binders, ``coe w := …`` or ``map_add' x y := …``
    (in a ``where`` block or ``{ … }``): its binders shadow any outer name, with a type the text
    does not state (``(x : T)`` in it is read by the binder pass)."""
    n = len(toks)
    for i, t in enumerate(toks):
        if t.kind != IDENT:
            continue
        starts = i == 0 or toks[i - 1].line != t.line or (toks[i - 1].kind == SYMBOL and toks[i - 1].text in ("{", ","))
        if not starts or "." in t.text or t.text in _UNTYPED_BINDING:
            continue
        names: list[int] = []
        j = i + 1
        depth = 0
        in_type = False
        while j < n and toks[j].line == t.line:
            x = toks[j]
            if x.kind == SYMBOL and x.text in _OPEN:
                depth += 1
            elif x.kind == SYMBOL and x.text in _CLOSE:
                depth -= 1
                in_type = False
                if depth < 0:
                    break
            elif depth == 0 and x.kind == SYMBOL and x.text == ":=":
                break
            elif x.kind == SYMBOL and x.text == ":" and depth > 0:
                in_type = True
            elif x.kind == IDENT and "." not in x.text and not in_type:
                names.append(j)
            elif depth == 0 and not (x.kind == SYMBOL and x.text in ("_", "@")):
                names = []
                break  # an operator: a `calc` step or a term, not a field's binders
            j += 1
        else:
            continue
        if j >= n or toks[j].text != ":=" or not names:
            continue
        for k in names:
            if k not in typed_at:
                out.setdefault(toks[k].text, set()).add(UNKNOWN)


def _dotted_heads(refs: Iterable[str]) -> list[str]:
    """The first component of each dotted reference (``h.le`` -> ``h``): what may be a local."""
    return [r.partition(RECEIVER)[0].partition(".")[0] for r in refs
            if RECEIVER in r or ("." in r and not r.startswith("."))]


def encoded_local_types(groups: Sequence[Sequence[Token]], binder_context: Sequence[bool],
                        base: Mapping[str, set[str]], stated: Sequence[Token], refs: Sequence[str]) -> str:
    """``encode_locals(local_types(groups, binder_context, base, stated), refs)``, without reading
    the groups when no dotted reference starts with a name they could bind: every local that
    :func:`local_types` finds is in ``base``, is ``this``, or is the text of one of their tokens."""
    heads = _dotted_heads(refs)
    if not heads:
        return ""
    if not any(h in base or h == "this" for h in heads):
        texts = {t.text for g in groups for t in g}
        if not any(h in texts for h in heads):
            return ""
    return encode_locals(local_types(groups, binder_context, base, stated), refs)


def encode_locals(types: Mapping[str, set[str]], refs: Iterable[str] = ()) -> str:
    """One string (cheap to pickle) for ``local_types``'s answer, kept to the locals that head
    a dotted reference in ``refs`` (and those their values name): no other is ever looked up."""
    wanted: set[str] = set()
    todo = _dotted_heads(refs)
    while todo:
        name = todo.pop()
        if name in wanted or name not in types:
            continue
        wanted.add(name)
        # a value's head, and a type written in field notation on a local (`h : p.Good`)
        todo.extend(h.removeprefix(EXPR).partition(".")[0] for h in types[name]
                    if h.startswith(EXPR) or ("." in h and not h.startswith(ARG)))
    return _SEP_NAME.join(_SEP_HEAD.join((name, *sorted(types[name]))) for name in sorted(wanted))


def decode_locals(text: str) -> dict[str, tuple[str, ...]]:
    if not text:
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for item in text.split(_SEP_NAME):
        name, *heads = item.split(_SEP_HEAD)
        out[name] = tuple(heads)
    return out


#: separates the parts of :func:`encode_words`'s answer
WORDS_PART = "\x01"


def _name_words(names: Iterable[str], locals_: AbstractSet[str]) -> set[str]:
    """Every component of the names (a receiver's head too), but locals, a notation read as its constant."""
    from .library import NOTATIONS  # (the library's tables import this module)

    out: set[str] = set()
    for name in names:
        for part in name.replace(RECEIVER, ".").split("."):
            part = part.strip("«»")
            if part and part not in locals_:
                out.add(NOTATIONS.get(part, part))
    return out


def encode_words(type_names: Iterable[str], binder_names: Iterable[str], body_names: Iterable[str],
                 locals_: AbstractSet[str]) -> str:
    """The names a declaration may elaborate, as written (zerosorry.ledger.instances reads them):
    the components of the names in its stated type, in its binders (and its section's
    variables'), and in its body, locals left out; the three parts sorted, joined by :data:`WORDS_PART`."""
    typed = _name_words(type_names, locals_)
    bound = _name_words(binder_names, locals_)
    rest = _name_words(body_names, locals_)
    return WORDS_PART.join("\x00".join(sorted(part)) for part in (typed, bound, rest))


def decode_words(text: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """:func:`encode_words`' three parts (all empty for a declaration made without it)."""
    parts = text.split(WORDS_PART) if text else []
    parts += [""] * (3 - len(parts))
    typed, bound, rest = (frozenset(p.split("\x00")) if p else frozenset() for p in parts[:3])
    return typed, bound, rest


def encode_heads(heads: Iterable[str]) -> str:
    return _SEP_HEAD.join(heads)


def decode_heads(text: str) -> tuple[str, ...]:
    return tuple(text.split(_SEP_HEAD)) if text else (UNKNOWN,)


_EXTENDS: Final = re.compile(r"\bextends\b(.*)$")


def structure_parents(signature: str) -> list[str]:
    """The heads of the structures a ``structure``/``class`` signature ``extends``."""
    m = _EXTENDS.search(signature)
    if not m:
        return []
    out: list[str] = []
    depth = 0
    start = True
    for tok in lex(m.group(1)).tokens:
        if tok.kind == SYMBOL and tok.text in _OPEN:
            depth += 1
        elif tok.kind == SYMBOL and tok.text in _CLOSE:
            depth -= 1
        elif depth == 0 and tok.kind == SYMBOL and tok.text == ",":
            start = True
        elif depth == 0 and tok.kind == SYMBOL and tok.text == ":":
            start = True  # `extends toA : A` names its parent after the colon (or the sort follows)
        elif start and depth == 0 and tok.kind == IDENT and tok.text not in ("Type", "Sort", "Prop"):
            if "::" not in tok.text:
                out.append(tok.text.replace("«", "").replace("»", ""))
            start = False
    return out


def _opening(toks: Sequence[Token], close: int) -> int:
    """Index of the bracket that the one at ``close`` closes (-1 when none)."""
    depth = 0
    j = close
    while j >= 0:
        t = toks[j]
        if t.kind == SYMBOL and t.text in _CLOSE:
            depth += 1
        elif t.kind == SYMBOL and t.text in _OPEN:
            depth -= 1
            if depth == 0:
                return j
        j -= 1
    return -1


def receiver_head(toks: Sequence[Token], dot: int) -> str | None:
    """For ``(e).foo`` or ``e |>.foo`` whose dot is ``toks[dot]``: the identifier heading the
    receiver ``e`` (``h`` in ``(h.trans x).foo`` is ``h.trans``), or None when it is not a
    plain application of a name."""
    prev = toks[dot - 1] if dot > 0 else None
    if prev is None:
        return None
    if toks[dot].text == ".":
        if not (prev.kind == SYMBOL and prev.text == ")" and prev.end == toks[dot].start):
            return None
        j = _opening(toks, dot - 1)
        if j < 0 or toks[j].text != "(":
            return None
        head = toks[j + 1] if j + 1 < dot - 1 else None
        inner = toks[j + 1 : dot - 1]
        if any(x.kind == SYMBOL and x.text == ":" for _, x in _depth0(inner)):
            return None  # `(x : T).foo`: an ascription (read by the caller as a written type)
    else:  # `|>.`: the receiver is the application before it, back to its first atom
        j = dot - 1
        while j >= 0:
            t = toks[j]
            if t.kind == SYMBOL and t.text in _CLOSE:
                j = _opening(toks, j)  # skip the bracketed argument
                if j < 0:
                    break
            elif not (t.kind in (IDENT, NUMBER, STRING) or t.text in ("_", "@")) or t.text in _ENDS_APP:
                break
            j -= 1
        head = toks[j + 1] if j + 1 < dot else None
    if head is None or head.kind != IDENT:
        return None
    return head.text.replace("«", "").replace("»", "")
