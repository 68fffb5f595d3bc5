"""Atom hits found while parsing (lean/syntax_table.FoundHits): the scan looks for the atoms of
every syntax that may be effective in the tokens it parses, and the project syntax pass narrows
them to the effective table instead of lexing each file again.  Narrowed, they are what
``atom_hits`` finds in the text; where they cannot tell, ``narrow`` says so (None)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from zerosorry.lean.lexer import lex
from zerosorry.lean.parser import parse
from zerosorry.lean.project_syntax import project_table
from zerosorry.lean.syntax_table import (
    FoundHits,
    atom_hits,
    build_table,
    candidate_follows,
    token_hits,
)
from zerosorry.scan import ScanConfig, prepare

FIXTURE = Path(__file__).parent / "fixtures" / "projects" / "syntax"

DEFS = ('macro "cheat" : tactic => `(tactic| sorry)\n'
        'infixl:65 " +++ " => myAdd\n'
        'notation "𝔼" => (sorry : Nat)\n'
        'syntax "A" term : term\nmacro_rules | `(A $x) => `(myAdd $x)\n'
        'notation "quiet" => 1\n'  # no effect, whatever the project declares: no candidate
        'syntax "wrap" "[" term "]" : term\nmacro_rules | `(wrap [ $x ]) => `(sorry)\n')
USES = ["by cheat", "by cheats", "(x).cheat", "1 +++ 2", "𝔼", "𝔼x", '"cheat"', "A 1", "2A", "x.A", "A.b",
        "wrap [1]", "wrap[1]", "wrap (1)", "quiet", "/- cheat -/ 1", "-- 𝔼\n 1", "`(cheat)", "2cheat"]


def found_for(defs: str, text: str) -> tuple[FoundHits, object]:
    found = FoundHits(candidate_follows({"a.lean": parse(defs).syntax}))
    found.by_key["k"] = token_hits(text, lex(text).tokens, found.follows)
    return found, build_table({"a.lean": parse(defs).syntax}, ["myAdd"])


def test_candidates_hold_every_effective_atom_and_not_the_idle_ones() -> None:
    found, table = found_for(DEFS, "")
    assert isinstance(found, FoundHits)
    assert "quiet" not in found.follows
    assert {"cheat", "+++", "𝔼", "A", "wrap"} <= set(found.follows)
    assert found._effective(table) is not None  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*USES, " ", "\n", "theorem t : 1 = 1 := ", "example := "]), max_size=12).map("".join))
def test_narrowed_hits_are_the_hits_of_the_text(body: str) -> None:
    found, table = found_for(DEFS, body)
    assert found.narrow("k", table, lambda: body) == atom_hits(body, table)  # type: ignore[arg-type]


def test_a_hit_the_prefilter_would_not_see_needs_the_text() -> None:
    """`2A` lexes as `2` `A`: a hit of `A`, but the text prefilter (an identifier-like atom
    between non-identifier characters) finds none, so atom_hits reads no token at all."""
    for text, expect in (("example := 2A", []), ("example := 2A + A 1", None)):
        found, table = found_for(DEFS, text)
        got = found.narrow("k", table, lambda text=text: text)  # type: ignore[arg-type]
        assert got == atom_hits(text, table)  # type: ignore[arg-type]
        assert (got == []) is (expect == [])


def test_unknown_file_or_unsearched_atom_cannot_tell() -> None:
    found, table = found_for(DEFS, "example := 1 +++ 2")
    assert found.narrow("other", table, lambda: "") is None  # type: ignore[arg-type]
    fewer = FoundHits({"cheat": ((),)}, found.by_key)
    assert fewer.narrow("k", table, lambda: "") is None  # type: ignore[arg-type]


def test_a_scan_reads_the_hits_found_while_parsing() -> None:
    files = {p.relative_to(FIXTURE).as_posix(): p.read_bytes() for p in FIXTURE.rglob("*") if p.is_file()}
    files = {rel: data for rel, data in files.items() if rel.endswith((".lean", ".toml"))}
    p = prepare(files, config=ScanConfig(), cache=None, jobs=1)
    assert p.found is not None
    table = project_table(p.parsed, [d.name for d in p.decls])
    told = 0
    for rel, data in p.lean.items():
        text = data.decode()
        got = p.found.narrow(p.parse_keys[rel], table, lambda text=text: text)  # type: ignore[misc]
        if got is not None:
            told += 1
            assert got == atom_hits(text, table), rel
    assert told == len(p.lean)
