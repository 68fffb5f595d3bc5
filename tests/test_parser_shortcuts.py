"""Shortcuts the parser takes for speed give what the long way gives: a declaration's text hash
fed in one piece, and the locals' types not read when no dotted reference could start with one."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from zerosorry.lean.lexer import lex
from zerosorry.lean.parser import text_hash
from zerosorry.lean.types import encode_locals, encoded_local_types, local_types

from .strategies import lean_like_text


def reference_text_hash(kind: str, texts: list[str]) -> str:
    h = hashlib.blake2b(digest_size=8)
    h.update(kind.encode())
    for t in texts:
        h.update(b"\x00" + t.encode())
    return h.hexdigest()


@given(st.sampled_from(["theorem", "def", "example"]), st.lists(st.text(max_size=6), max_size=8))
def test_text_hash_in_one_piece(kind: str, texts: list[str]) -> None:
    assert text_hash(kind, texts) == reference_text_hash(kind, texts)


def check_locals(src: str, refs: list[str], base: dict[str, set[str]]) -> None:
    toks = lex(src).tokens
    third = len(toks) // 3
    groups = (toks[:third], toks[third : 2 * third], toks[2 * third :])
    ctx = (True, False, False)
    want = encode_locals(local_types(groups, ctx, base, groups[1]), refs)
    assert encoded_local_types(groups, ctx, base, groups[1], refs) == want


REFS = st.lists(st.sampled_from(["h.le", "this.1", "x.foo", "Nat.succ", "f\x03g", ".mk", "h", "hx.trans", "y.2"]),
                max_size=5)


@settings(max_examples=300, deadline=None)
@given(lean_like_text(), REFS, st.sampled_from([{}, {"x": {"Nat"}}, {"h": {"?"}}]))
def test_locals_shortcut_on_generated_text(src: str, refs: list[str], base: dict[str, set[str]]) -> None:
    check_locals(src, refs, base)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["(h : a ≤ b)", "have h : P := x", "fun x =>", "intro h hx", "obtain ⟨x, hx⟩ := y",
                                 "set y := f with hy", ":= by", " ", "\n", "exact h.le", "∀ x, P x →", "this",
                                 "{ toFun := fun x => x, map_add' x y := rfl }"]), max_size=10).map(" ".join),
       REFS)
def test_locals_shortcut_on_binding_text(src: str, refs: list[str]) -> None:
    check_locals(src, refs, {})
