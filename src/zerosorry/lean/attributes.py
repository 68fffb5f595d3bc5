"""Attribute instances ``@[a, b args, …]`` read by their grammar, and the declarations that the
name-generating attributes make.

An attribute list is split at its top-level commas only: a comma inside a doc comment, a string
or brackets belongs to the attribute it stands in (``@[to_additive /-- the sum, as … -/]`` is
one attribute).  Each name-generating attribute then reads its own arguments the way its
syntax declares them (Mathlib's ``ToAdditive``, ``Simps``, ``MkIff``, ``Reassoc``,
``Elementwise``, Lean's ``ext``), so a word of a doc comment, a string, an option's value
(``(reorder := 1 2)``, ``(dont_translate := β)``) is never taken for a generated name.
``(attr := simp, simps)`` applies further attributes to the generated declaration as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from .lexer import CLOSE_BRACKETS, DOC, IDENT, OPEN_BRACKETS, STRING, SYMBOL, Token, matching_close


def split_top(toks: Sequence[Token], sep: str = ",") -> list[list[Token]]:
    """``toks`` cut at the symbol ``sep`` where no bracket is open (doc comments and strings are
    single tokens, so their commas never cut)."""
    out: list[list[Token]] = [[]]
    depth = 0
    for t in toks:
        if t.kind == SYMBOL:
            if t.text in OPEN_BRACKETS:
                depth += 1
            elif t.text in CLOSE_BRACKETS:
                depth = max(0, depth - 1)
            elif t.text == sep and depth == 0:
                out.append([])
                continue
        out[-1].append(t)
    return [part for part in out if part]


def _groups(toks: Sequence[Token]) -> Iterator[tuple[str, list[Token]]]:
    """The arguments of one attribute, one item at a time: ``("(", inner tokens)`` for a
    parenthesised group, ``(kind, [token])`` for anything else."""
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind == SYMBOL and t.text == "(":
            j = matching_close(toks, i, len(toks))
            yield "(", list(toks[i + 1 : j])
            i = j + 1
            continue
        yield t.kind, [t]
        i += 1


def _option(inner: Sequence[Token]) -> tuple[str, list[Token]]:
    """``attr := simp, simps`` -> ("attr", the tokens after ``:=``); ("", []) when not an option."""
    if len(inner) >= 2 and inner[0].kind == IDENT and inner[1].text == ":=":
        return inner[0].text, list(inner[2:])
    return "", []


# to_additive's dictionary, roughly: lower-case words at a word start (after _ or the start),
# capitalised ones anywhere in camelCase (isMulLeftInvariant → isAddLeftInvariant)
_ADDITIVE_LOWER = [("multiplicative", "additive"), ("zpow", "zsmul"), ("npow", "nsmul"), ("finprod", "finsum"),
                   ("mulIndicator", "indicator"), ("orderOf", "addOrderOf"), ("smul", "vadd"), ("mul", "add"),
                   ("one", "zero"), ("inv", "neg"), ("div", "sub"), ("prod", "sum"), ("pow", "nsmul"),
                   ("monoid", "addMonoid"), ("group", "addGroup"), ("submonoid", "addSubmonoid"),
                   ("subgroup", "addSubgroup")]
_ADDITIVE_UPPER = [("Multiplicative", "Additive"), ("SMul", "VAdd"), ("Mul", "Add"), ("One", "Zero"),
                   ("Inv", "Neg"), ("Div", "Sub"), ("Prod", "Sum"), ("Monoid", "AddMonoid"),
                   ("Group", "AddGroup"), ("Submonoid", "AddSubmonoid"), ("Subgroup", "AddSubgroup"),
                   ("Pow", "SMul")]


def additive(name: str) -> str:
    """A rough `to_additive` translation of one name part (mul_one → add_zero): enough to find
    the generated twin in the common cases; a miss only leaves it unresolved, as before."""
    out = name
    for a, b in _ADDITIVE_LOWER:
        out = re.sub(rf"(?<![A-Za-z]){a}(?![a-z])", b, out)
    for a, b in _ADDITIVE_UPPER:
        if f"Add{a}" in out:
            continue
        out = re.sub(rf"(?<!Add){a}(?![a-z])", b, out)
    return out


def _strip(name: str) -> str:
    return name.replace("«", "").replace("»", "") if "«" in name else name


def _join(ns: str, name: str) -> str:
    if name.startswith("_root_."):
        return name[len("_root_.") :]
    return f"{ns}.{name}" if ns else name


#: the projections `@[simps]` names its lemmas after when none are listed (a name that is never
#: used costs nothing)
_SIMPS_DEFAULT = ("apply", "symm_apply", "coe", "toFun", "invFun", "fst", "snd", "val", "hom", "inv",
                  "hom_app", "inv_app", "obj", "map")


def attribute_name(inst: Sequence[Token]) -> tuple[str, list[Token]]:
    """One attribute instance -> (its name, its arguments); ``local``/``scoped`` are skipped."""
    i = 0
    while i < len(inst) and inst[i].kind == IDENT and inst[i].text in ("local", "scoped"):
        i += 1
    if i >= len(inst):
        return "", []
    name = inst[i].text
    i += 1
    # `to_additive?`, `simps!` are one identifier; a separate `?`/`!` is part of the name too
    while i < len(inst) and inst[i].kind == SYMBOL and inst[i].text in ("?", "!") and inst[i].start == inst[i - 1].end:
        name += inst[i].text
        i += 1
    return name, list(inst[i:])


def generated_names(full: str, inst: Sequence[Token]) -> list[str]:
    """Full names of the declarations one attribute instance makes from the declaration ``full``
    (``@[ext]`` → ``S.ext``, ``S.ext_iff``; ``@[to_additive]`` → the additive twin; …)."""
    name, args = attribute_name(inst)
    base = name.rstrip("?!")
    ns, _, last = full.rpartition(".")
    out: list[str] = []
    if base == "ext":
        out.extend([f"{full}_iff"] if last == "ext" else [f"{full}.ext", f"{full}.ext_iff"])
    elif base in ("reassoc", "elementwise"):
        made = f"{full}_assoc" if base == "reassoc" else f"{full}_apply"
        out.append(made)
        out.extend(_attr_option_names(made, args))
    elif base == "simps":
        # simps (config)? projection names*: `simps (config := .asFn) apply symm_apply`, `simps -isSimp`
        listed: list[str] = []
        prev = ""
        for kind, group in _groups(args):
            t = group[0] if group else None
            if kind == IDENT and t is not None and prev not in ("-", "+"):
                listed.append(_strip(t.text))
            prev = t.text if t is not None and kind == SYMBOL else ""
        out.extend(f"{full}_{proj}" for proj in (listed or _SIMPS_DEFAULT))
    elif base == "mk_iff":
        named = next((g[0].text for k, g in _groups(args) if k == IDENT), None)
        out.append(_join(ns, _strip(named)) if named else f"{full}_iff")
    elif base in ("to_additive", "to_dual"):
        out.extend(_to_additive(full, args))
    return out


def _attr_option_names(made: str, args: Sequence[Token]) -> list[str]:
    """The names that `(attr := …)` attributes make from the generated declaration ``made``."""
    out: list[str] = []
    for kind, group in _groups(args):
        if kind != "(":
            continue
        key, value = _option(group)
        if key == "attr":
            for inner in split_top(value):
                out.extend(generated_names(made, inner))
    return out


def _to_additive(full: str, args: Sequence[Token]) -> list[str]:
    """``to_additive`` (and ``to_dual``), by Mathlib's grammar::

        to_additive "?"? (existing | self)? ("(" option ")")* ident? (str | docComment)?

    where an option is ``attr := attrInstance,*``, ``reorder := …``, ``relevant_arg := …`` or
    ``dont_translate := ident+`` (older Mathlib: ``existing`` among the options).  ``existing``
    and ``self`` make no new declaration; the explicit name, if any, is the generated one."""
    ns, _, last = full.rpartition(".")
    named: str | None = None
    existing = False
    extra_attrs: list[list[Token]] = []
    for kind, group in _groups(args):
        if kind == "(":
            key, value = _option(group)
            if key == "attr":
                extra_attrs.extend(split_top(value))
            continue  # reorder, relevant_arg, dont_translate: never names
        t = group[0]
        if kind == IDENT and named is None and t.text in ("existing", "self"):
            existing = True
        elif kind == IDENT and named is None:
            named = _strip(t.text)
        elif kind in (STRING, DOC):
            break  # the docstring is last
    if existing:
        return []
    if named is not None:
        targets = {_join(ns, named)}
    else:
        # the translation applies to every component (Subgroup.mul_foo → AddSubgroup.add_foo);
        # the namespace may also stay as written: both are candidates
        targets = {".".join(additive(part) for part in full.split(".")), _join(ns, additive(last))}
    targets.discard(full)
    out = sorted(targets)
    for made in list(out):
        for inner in extra_attrs:
            out.extend(generated_names(made, inner))
    return out
