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
