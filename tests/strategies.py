"""Hypothesis strategies, kept in one place."""

from __future__ import annotations

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
