"""Hypothesis strategies, kept in one place."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

#: fragments that exercise every lexical rule, including the broken forms
LEAN_FRAGMENTS = [
    "/-", "-/", "/--", "/-!", "--", "\n", " ", '"', "\\", "'", "`", "``", "«", "»", "r#\"", "\"#",
    "r\"", "#", "sorry", "theorem", "def", "namespace", "end", "open", "in", ":=", ":", "(", ")",
    "{", "}", "[", "]", "⟨", "⟩", "@[", "by", "x", "foo'", "h.1", "α₁", "0x1F", "1.5e3", "'a'",
    "'\\n'", "\\u03B1", "where", "|", "instance", "structure", "mutual", "·", "→", "ℝ", "é",
]


def lean_like_text() -> st.SearchStrategy[str]:
    """Arbitrary text biased towards Lean's lexical edge cases."""
    return st.lists(
        st.one_of(st.sampled_from(LEAN_FRAGMENTS), st.text(max_size=4)), max_size=60
    ).map("".join)


# ------------------------------------------------------------------------------ manifests
_MANIFEST_PIECES = [
    "[site]\n", "[[families]]\n", "[[entries]]\n", "[[widgets]]\n", "[[glossary]]\n",
    'title = "T"\n', 'paper_title = "P"\n', 'id = "a-b"\n', 'id = "Bad Id"\n', "lean = [\"A.b\"]\n",
    "lean = 3\n", 'family = "a-b"\n', 'target = "open"\n', 'target = "zero_sorry"\n',
    'statement = \'x \\\\le 1\'\n', 'summary = """\nmulti\nline = "x"\n"""\n', 'why = "W"\n',
    'explanation = "E"\n', 'witness = "m:f"\n', 'witness = "nope"\n', 'paper = [{ label = "§1", url = "#s" }]\n',
    'paper = [{ label = 1 }]\n', 'widgets = ["w"]\n', 'script = "w.js"\n', 'term = "t"\n',
    'definition = "d"\n', 'repository = "javascript:x"\n', "= broken\n", "[site\n", '"unterminated\n',
    "allowed_axioms = [1, 2]\n", "x.y.z = 1\n", "\n", "# comment\n",
]


@st.composite
def manifest_texts(draw: st.DrawFn) -> str:
    """Manifest-shaped text: valid pieces, invalid pieces and arbitrary characters, mixed."""
    parts = draw(st.lists(st.one_of(st.sampled_from(_MANIFEST_PIECES), st.text(max_size=20)), max_size=30))
    return "".join(parts)


@st.composite
def mutated(draw: st.DrawFn, base: str) -> str:
    """``base`` with a few characters deleted, inserted or replaced."""
    text = base
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        i = draw(st.integers(0, len(text) - 1))
        op = draw(st.sampled_from(("delete", "insert", "replace")))
        ch = draw(st.sampled_from(list("\"'[]={}\n#,.x1 ")))
        if op == "delete":
            text = text[:i] + text[i + 1:]
        elif op == "insert":
            text = text[:i] + ch + text[i:]
        else:
            text = text[:i] + ch + text[i + 1:]
    return text


# ------------------------------------------------------------------------------ ledgers
_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs",))
_TEXT = st.text(_CHARS, max_size=12)
_NAMES = st.lists(st.text(_CHARS, min_size=1, max_size=12), max_size=3)


@st.composite
def ledger_records(draw: st.DrawFn) -> list[Any]:
    """Records with every field set to arbitrary (schema-valid) values: any text, quotes,
    backslashes, control characters, non-ASCII."""
    from zerosorry.ledger.model import STATUS_ORDER, PossibleRef, Record

    out = []
    for i in range(draw(st.integers(0, 4))):
        out.append(Record(
            name=f"{draw(_TEXT)}.{i}", kind=draw(st.sampled_from(["theorem", "def", "axiom", "instance"])),
            status=draw(st.sampled_from(STATUS_ORDER)), file=draw(_TEXT) + ".lean",
            line=draw(st.integers(1, 10**6)), end_line=draw(st.integers(1, 10**6)),
            signature=draw(_TEXT), docstring=draw(st.none() | _TEXT), uses=draw(_NAMES),
            sorry_lines=draw(st.lists(st.integers(1, 10**6), max_size=3)), via=draw(_NAMES),
            axioms=draw(_NAMES), trusts=draw(_NAMES), trust_uses=draw(_NAMES),
            modifiers=draw(_NAMES), attributes=draw(_NAMES), external_refs=draw(st.integers(0, 10**6)),
            approximate=draw(_NAMES), reason=draw(st.none() | _TEXT),
            lean_status=draw(st.none() | st.sampled_from(STATUS_ORDER)),
            text_hash=draw(st.none() | st.from_regex(r"\A[0-9a-f]{16}\Z")),
            possible_uses=draw(_NAMES), possible_deferral=draw(st.booleans()),
            possible_refs=draw(st.lists(st.builds(PossibleRef, st.text(_CHARS, min_size=1, max_size=8),
                                                  _NAMES), max_size=2)),
        ))
    return out


# ------------------------------------------------------------------------------ edit sequences
#: names a generated project declares and uses; dotted ones exercise namespaces and field notation
#: (``h.f``, ``h.a``: a field on a receiver whose type the source does not state, so a possible
#: use of every declaration with that last component: ``e.f`` and ``g.f``, ``a`` and ``Foo.a``)
EDIT_NAMES = ["a", "b", "c", "Foo.a", "Foo.d", "e.f", "g.f"]
EDIT_USES = [*EDIT_NAMES, "_root_.a", "_root_.b", "x.f", ".d", "cheat", "h.f", "h.a", "h.f"]
EDIT_OPENS = ["Foo", "e", "g"]
EDIT_KINDS = ["theorem", "lemma", "def", "axiom", "example", "stub", "private theorem", "instance"]


def project_edits() -> st.SearchStrategy[list[tuple[Any, ...]]]:
    """A sequence of edits to a generated multi-file project (see tests/test_live.py)."""
    f = st.integers(0, 4)
    return st.lists(st.one_of(
        st.tuples(st.just("sorry"), f, st.integers(0, 5)),
        st.tuples(st.just("add"), f, st.sampled_from(EDIT_NAMES), st.lists(st.sampled_from(EDIT_USES), max_size=3),
                  st.booleans(), st.sampled_from(EDIT_KINDS)),
        st.tuples(st.just("remove"), f, st.integers(0, 5)),
        st.tuples(st.just("shift"), f),
        st.tuples(st.just("new_file"), f),
        st.tuples(st.just("delete_file"), f),
        st.tuples(st.just("rename_file"), f, f),
        st.tuples(st.just("import"), f, f),
        st.tuples(st.just("macro"), f, st.none() | st.booleans()),
        # `open Foo` (or `open e`, `open g`) before the declarations: what a short name resolves to
        st.tuples(st.just("open"), f, st.sampled_from(EDIT_OPENS)),
        # a name written in a declaration's proof, or taken out again (a proof edit: what it
        # uses, and so the instances type-class search may find for it, changes)
        st.tuples(st.just("use"), f, st.integers(0, 5), st.sampled_from(EDIT_USES)),
    ), min_size=1, max_size=8)
