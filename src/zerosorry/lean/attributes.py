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

import itertools
import re
from collections.abc import Iterator, Sequence
from typing import Final

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
_ADDITIVE_LOWER: Final = [("multiplicative", "additive"), ("zpow", "zsmul"), ("npow", "nsmul"), ("finprod", "finsum"),
                   ("mulIndicator", "indicator"), ("orderOf", "addOrderOf"), ("smul", "vadd"), ("mul", "add"),
                   ("one", "zero"), ("inv", "neg"), ("div", "sub"), ("prod", "sum"), ("pow", "nsmul"),
                   ("monoid", "addMonoid"), ("group", "addGroup"), ("submonoid", "addSubmonoid"),
                   ("subgroup", "addSubgroup")]
_ADDITIVE_UPPER: Final = [("Multiplicative", "Additive"), ("SMul", "VAdd"), ("Mul", "Add"), ("One", "Zero"),
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


# Mathlib's own translation (ToAdditive `guessName`): split a name part into words (at `_`,
# kept as a word, at a lower-to-upper step and before the last capital of a capital run), look
# each word up lower-cased in a dictionary (the first word out takes the input word's
# capitalisation), then rewrite a few word sequences ("Comm" "Add" -> "AddComm").
_NAME_DICT: Final[dict[str, tuple[str, ...]]] = {
    "one": ("zero",), "mul": ("add",), "smul": ("vadd",), "inv": ("neg",), "div": ("sub",), "prod": ("sum",),
    "hmul": ("hadd",), "hsmul": ("hvadd",), "hdiv": ("hsub",), "hpow": ("hsmul",), "finprod": ("finsum",),
    "tprod": ("tsum",), "pow": ("nsmul",), "npow": ("nsmul",), "zpow": ("zsmul",), "mabs": ("abs",),
    "monoid": ("add", "Monoid"), "submonoid": ("add", "Submonoid"), "group": ("add", "Group"),
    "subgroup": ("add", "Subgroup"), "semigroup": ("add", "Semigroup"), "magma": ("add", "Magma"),
    "haar": ("add", "Haar"), "prehaar": ("add", "Prehaar"), "unit": ("add", "Unit"), "units": ("add", "Units"),
    "cyclic": ("add", "Cyclic"), "rootable": ("divisible",), "semigrp": ("add", "Semigrp"), "grp": ("add", "Grp"),
    "commute": ("add", "Commute"), "semiconj": ("add", "Semiconj"), "zpowers": ("zmultiples",),
    "powers": ("multiples",), "multipliable": ("summable",), "gpfree": ("apfree",), "quantale": ("add", "Quantale"),
    "square": ("even",), "mconv": ("conv",), "irreducible": ("add", "Irreducible"),
    "mlconvolution": ("lconvolution",),
}
#: (words, their replacement): Mathlib's `fixAbbreviation`, tried at each word, longest first
_ABBREVIATIONS: Final[tuple[tuple[tuple[str, ...], str], ...]] = tuple(
    (tuple(words.split()), out) for words, out in (
        ("is Cancel Add", "isCancelAdd"), ("Is Cancel Add", "IsCancelAdd"),
        ("is Left Cancel Add", "isLeftCancelAdd"), ("Is Left Cancel Add", "IsLeftCancelAdd"),
        ("is Right Cancel Add", "isRightCancelAdd"), ("Is Right Cancel Add", "IsRightCancelAdd"),
        ("cancel Add", "addCancel"), ("Cancel Add", "AddCancel"),
        ("left Cancel Add", "addLeftCancel"), ("Left Cancel Add", "AddLeftCancel"),
        ("right Cancel Add", "addRightCancel"), ("Right Cancel Add", "AddRightCancel"),
        ("cancel Comm Add", "addCancelComm"), ("Cancel Comm Add", "AddCancelComm"),
        ("comm Add", "addComm"), ("Comm Add", "AddComm"),
        ("Zero LE", "Nonneg"), ("zero _ le", "nonneg"), ("zero LE", "nonneg"),
        ("Zero LT", "Pos"), ("zero _ lt", "pos"), ("zero LT", "pos"),
        ("LE Zero", "Nonpos"), ("le _ zero", "nonpos"), ("LT Zero", "Neg"), ("lt _ zero", "neg"),
        ("Add Single", "Single"), ("add Single", "single"), ("add _ single", "single"),
        ("Add Support", "Support"), ("add Support", "support"), ("add _ support", "support"),
        ("Add TSupport", "TSupport"), ("add TSupport", "tsupport"), ("add _ tsupport", "tsupport"),
        ("Add Indicator", "Indicator"), ("add Indicator", "indicator"), ("add _ indicator", "indicator"),
        ("is Even", "even"), ("Is Even", "Even"),
        ("is Regular", "isAddRegular"), ("Is Regular", "IsAddRegular"),
        ("is Left Regular", "isAddLeftRegular"), ("Is Left Regular", "IsAddLeftRegular"),
        ("is Right Regular", "isAddRightRegular"), ("Is Right Regular", "IsAddRightRegular"),
        ("Has Fundamental Domain", "HasAddFundamentalDomain"), ("has Fundamental Domain", "hasAddFundamentalDomain"),
        ("Quotient Measure", "AddQuotientMeasure"), ("quotient Measure", "addQuotientMeasure"),
        ("HSmul", "HSMul"), ("NSmul", "NSMul"), ("Nsmul", "NSMul"), ("ZSmul", "ZSMul"),
        ("neg Fun", "invFun"), ("Neg Fun", "InvFun"), ("unique Prods", "uniqueSums"), ("Unique Prods", "UniqueSums"),
        ("order Of", "addOrderOf"), ("Order Of", "AddOrderOf"),
        ("is Of Fin Order", "isOfFinAddOrder"), ("Is Of Fin Order", "IsOfFinAddOrder"),
        ("is Central Scalar", "isCentralVAdd"), ("Is Central Scalar", "IsCentralVAdd"),
        ("is Scalar Tower", "vaddAssocClass"), ("Is Scalar Tower", "VAddAssocClass"),
        ("function _ add Semiconj", "function_semiconj"), ("function _ add Commute", "function_commute"),
        ("Zero Le Part", "PosPart"), ("Le Zero Part", "NegPart"), ("zero Le Part", "posPart"),
        ("le Zero Part", "negPart"), ("Division Add Monoid", "SubtractionMonoid"),
        ("division Add Monoid", "subtractionMonoid"), ("Sub Neg Zero Add Monoid", "SubNegZeroMonoid"),
        ("sub Neg Zero Add Monoid", "subNegZeroMonoid"), ("modular Character", "addModularCharacter"),
        ("Modular Character", "AddModularCharacter"),
    ))
_ABBREV_BY_FIRST: Final[dict[str, list[tuple[tuple[str, ...], str]]]] = {}
for _words, _out in sorted(_ABBREVIATIONS, key=lambda a: -len(a[0])):
    _ABBREV_BY_FIRST.setdefault(_words[0], []).append((_words, _out))
#: words that end at their last capital (`LEZero` is `LE` `Zero`); `Coe` keeps these suffixes
_END_CAPITAL: Final = {"LE": ("",), "LT": ("",), "WF": ("",), "Coe": ("TC", "T", "HTCT")}


def _split_case(part: str, legacy: bool = False) -> list[str]:
    """Mathlib's `String.splitCase`: cut on both sides of `_` and where a lower-case letter meets
    a capital (`HMul` stays one word); after a word of `_END_CAPITAL`.  ``legacy``: the older
    rule, which also cut a capital run before its last capital (`LEOne` is `LE` `One`)."""
    words: list[str] = []
    cur = ""
    i = 0
    while i < len(part):
        c = part[i]
        if cur:
            prev = cur[-1]
            cut = prev == "_" or c == "_"
            if not cut and c.isupper():
                suffixes = _END_CAPITAL.get(cur)
                if suffixes is not None:
                    pref = next((x for x in suffixes if part.startswith(x, i)), None)
                    if pref is not None:
                        words.append(cur + pref)
                        cur = ""
                        i += len(pref)
                        continue
                cut = not prev.isupper() or (legacy and len(cur) > 1 and i + 1 < len(part)
                                             and not part[i + 1].isupper())
            if cut:
                words.append(cur)
                cur = ""
        cur += c
        i += 1
    if cur:
        words.append(cur)
    return words


def _capitalize_like(model: str, word: str) -> str:
    """``word`` with a capital wherever ``model`` has one (`SMul`, `vadd` -> `VAdd`)."""
    return "".join(w.upper() if k < len(model) and model[k].isupper() else w for k, w in enumerate(word))


def _fix_abbreviations(words: Sequence[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        for pattern, repl in _ABBREV_BY_FIRST.get(words[i], ()):
            if tuple(words[i : i + len(pattern)]) == pattern:
                out.append(repl)
                i += len(pattern)
                break
        else:
            out.append(words[i])
            i += 1
    return out


def guess_additive(part: str) -> set[str]:
    """Mathlib's translation of one name part, in the spellings its versions give (the current
    word split and the older one), with and without the abbreviation fixes.  An extra spelling
    only adds a name no code uses, never hides a use."""
    out: set[str] = set()
    for legacy in (False, True):
        for fix in (True, False):
            pieces: list[str] = []
            for piece in part.split("'"):
                words: list[str] = []
                for w in _split_case(piece, legacy):
                    got = _NAME_DICT.get(w.lower(), (w,))
                    words.extend([_capitalize_like(w, got[0]), *got[1:]])
                pieces.append("".join(_fix_abbreviations(words) if fix else words))
            out.add("'".join(pieces))
    return out


def _strip(name: str) -> str:
    return name.replace("«", "").replace("»", "") if "«" in name else name


def _join(ns: str, name: str) -> str:
    if name.startswith("_root_."):
        return name[len("_root_.") :]
    return f"{ns}.{name}" if ns else name


#: the projections `@[simps]` names its lemmas after when none are listed (a name that is never
#: used costs nothing)
_SIMPS_DEFAULT: Final = ("apply", "symm_apply", "coe", "toFun", "invFun", "fst", "snd", "val", "hom", "inv",
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
    ns = full.rpartition(".")[0]
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
        # (this engine's rough translation, and Mathlib's dictionary with its abbreviations:
        # `CommGroup` -> `AddCommGroup`; every spelling is a candidate)
        spellings = [sorted({additive(p), *guess_additive(p)}) for p in full.split(".")]
        targets = {".".join(words) for words in itertools.product(*spellings)}
        targets.update(_join(ns, w) for w in spellings[-1])
    targets.discard(full)
    out = sorted(targets)
    for made in list(out):
        for inner in extra_attrs:
            out.extend(generated_names(made, inner))
    return out
