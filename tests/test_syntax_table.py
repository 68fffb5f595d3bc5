"""Project syntax that expands to sorry, trust or project declarations, and declaring commands a
project defines itself (issue 11, causes 4 and 5), on a fixture project written for it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from zerosorry.lean.parser import parse
from zerosorry.lean.syntax_table import DeclSpan, atom_hits, build_table, find_uses
from zerosorry.ledger import io
from zerosorry.scan import scan_project

FIXTURE = Path(__file__).parent / "fixtures" / "projects" / "syntax"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    dst = tmp_path / "syntax"
    shutil.copytree(FIXTURE, dst)
    return dst


def test_fixture_project_matches_its_expectations(project: Path) -> None:
    ledger = scan_project(project, use_cache=False)
    assert io.validate(io.to_json(ledger)) == []
    got = ledger.by_name()
    expected = json.loads((project / "expected.json").read_text())
    for name, want in expected.items():
        assert name in got, name
        rec = got[name]
        for key, value in want.items():
            have = getattr(rec, key)
            assert (have.value if key == "status" else have) == value, (name, key)


def test_learned_commands_are_reported(project: Path) -> None:
    ledger = scan_project(project, use_cache=False)
    learned = sorted(d.message.split("`")[1] for d in ledger.diagnostics if d.code == "learned-command")
    assert learned == ["answer", "claim", "wanted"]


def test_warm_and_incremental_scans_agree_with_a_cold_one(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = io.to_json(scan_project(project, use_cache=False))
    warm1 = io.to_json(scan_project(project, cache_dir=cache))
    warm2 = io.to_json(scan_project(project, cache_dir=cache))
    assert cold["declarations"] == warm1["declarations"] == warm2["declarations"]
    # the macro is fixed in its own file: the user in another, unchanged file follows
    tac = project / "Syn" / "Tac.lean"
    tac.write_text(tac.read_text().replace('macro "cheat" : tactic => `(tactic| sorry)',
                                           'macro "cheat" : tactic => `(tactic| rfl)'))
    after = scan_project(project, cache_dir=cache).by_name()
    assert after["by_cheat"].status.value == "proven"
    assert after["by_finish"].status.value == "proven"
    assert after["by_give_up"].status.value == "deferred"
    # and breaks again
    tac.write_text(tac.read_text().replace('`(tactic| rfl)', '`(tactic| admit)', 1))
    assert scan_project(project, cache_dir=cache).by_name()["by_cheat"].status.value == "deferred"


def test_a_command_learned_in_one_file_is_read_in_another_only_after_import(tmp_path: Path) -> None:
    (tmp_path / "D").mkdir()
    (tmp_path / "lakefile.toml").write_text('name = "D"\n\n[[lean_lib]]\nname = "D"\n')
    (tmp_path / "D" / "Cmd.lean").write_text(
        'syntax (name := myWanted) declModifiers "my_wanted " declId declSig : command\n')
    (tmp_path / "D" / "A.lean").write_text("import D.Cmd\nmy_wanted fact : 1 = 2\ntheorem ok : 1 = 1 := rfl\n")
    ledger = scan_project(tmp_path, use_cache=False).by_name()
    assert ledger["fact"].status.value == "deferred"
    assert ledger["ok"].status.value == "proven"


def test_reading_syntax_never_raises_on_cut_or_spliced_text() -> None:
    text = (FIXTURE / "Syn" / "Tac.lean").read_text() + (
        "macro_rules (kind := foo)\n  | `($a +++ $b) => `(sorry)\nelab_rules : term <= ty\n"
        "  | `(term| ❰$x❱) => do\n    match x with\n    | _ => pure ()\n"
        '@[command_parser] def «kw» := leading_parser declModifiers false >> "kw" >> declId >> declSig\n'
        '@[tactic foo] def evalFoo : Tactic := fun _ => admitGoal\nsyntax:max "((" term "))" : term\n'
        'notation3 "∑ᶠ "(...)", "r:67:(scoped f => finsum f) => r\nscoped[NS] infixr:30 " ⊞ " => HAdd.hAdd\n')
    for cut in range(0, len(text), 11):
        for piece in (text[:cut], text[cut:], text[:cut] + text[cut + 17 :]):
            pf = parse(piece)
            table = build_table({"a.lean": pf.syntax, "b.lean": pf.syntax}, ["gap"])
            spans = [DeclSpan(i, d.line, d.column, d.end_line, d.namespace, d.opens)
                     for i, d in enumerate(pf.declarations)]
            find_uses(atom_hits(piece, table), "a.lean", spans, table, None, None)


def test_what_each_syntax_command_is_read_as() -> None:
    src = ("macro_rules\n  | `($a +++ $b) => `(sorry)\n"
           "elab_rules : term\n  | `(term| ❰$x❱) => do\n    pure ()\n"
           '@[simp] local macro "zz" : tactic => `(tactic| stop)\n'
           'macro "field" : term => `({ stop := 1 })\n'
           'macro "q" : term => `(mkConst ``sorryAx)\n'
           'scoped[NS] infixr:30 " ⊞ " => HAdd.hAdd\n'
           'macro:1 t:tactic " <;> " "[" ts:tactic,* "]" : tactic => `(tactic| focus $t)\n')
    got = {d.head: d for d in parse(src).syntax}
    assert got["+++"].sorry and got["+++"].kind == "macro_rules"
    assert got["❰"].meta and not got["❰"].sorry
    assert got["zz"].sorry and got["zz"].scope == "local"
    assert not got["field"].sorry  # a structure field named stop is no tactic
    assert got["q"].sorry
    assert (got["⊞"].scope, got["⊞"].namespace, got["⊞"].refs) == ("scoped", "NS", ("HAdd.hAdd",))
    assert got["<;>"].follow == ("[",)
    (n3,) = parse('notation3 "𝔼[" (...) "]" r:(scoped f => myExpect f) => r\n').syntax
    assert n3.refs == ("myExpect",)  # the binder's expansion, not its variables


def test_why_names_the_syntax_and_the_learned_command(project: Path) -> None:
    from zerosorry.commands.why import render_text, why

    ledger = scan_project(project, use_cache=False)
    text = render_text(ledger.by_name()["by_finish"], why(ledger, "by_finish"))
    assert "uses `finish` (macro at Syn/Tac.lean:10), which expands to sorry through macro at Syn/Tac.lean:4" in text
    text = render_text(ledger.by_name()["wanted_fact"], why(ledger, "wanted_fact"))
    assert "1 sorry holder(s)" in text and "`wanted` (a declaring command defined at Syn/Tac.lean:42)" in text


def test_a_rule_in_another_file_decides_what_a_learned_command_makes(tmp_path: Path) -> None:
    (tmp_path / "D").mkdir()
    (tmp_path / "lakefile.toml").write_text('name = "D"\n\n[[lean_lib]]\nname = "D"\n')
    (tmp_path / "D" / "Cmd.lean").write_text('syntax "my_thm " declId declSig declVal : command\n')
    (tmp_path / "D" / "Rule.lean").write_text(
        "import D.Cmd\nmacro_rules\n  | `(my_thm $n $s $_v) => `(theorem $n $s := sorry)\n")
    (tmp_path / "D" / "A.lean").write_text("import D.Rule\nmy_thm fact : 1 = 1 := rfl\ntheorem ok : 1 = 1 := rfl\n")
    ledger = scan_project(tmp_path, use_cache=False)
    got = ledger.by_name()
    assert (got["fact"].kind, got["fact"].status.value, got["ok"].status.value) == ("proof_wanted", "deferred", "proven")
    assert [d.message.split("`")[1] for d in ledger.diagnostics if d.code == "learned-command"] == ["my_thm"]


def test_the_text_prefilter_never_hides_a_use() -> None:
    from zerosorry.lean import syntax_table as st

    src = ('macro "cheat" : tactic => `(tactic| sorry)\ninfixl:65 " +++ " => myAdd\n'
           'notation "𝔼" => (sorry : Nat)\n')
    table = build_table({"a.lean": parse(src).syntax}, ["myAdd"])
    for text, found in (("theorem t : 1 = 1 := by cheat", True), ("theorem t : 1 = 1 := by cheats", False),
                        ("example := (x).cheat", True), ("example := 1 +++ 2", True), ("example := 𝔼", True),
                        ("example := 𝔼x", False), ('example := "cheat"', False)):
        assert bool(atom_hits(text, table)) is found, text
        assert bool(st._prefilter(frozenset(table.by_atom)).search(text)) or not found, text


def test_a_trust_extension_in_a_variable_binder_reaches_the_declarations_in_scope(tmp_path: Path) -> None:
    """`variable (h : 2 < 3 := by native_decide)`: a declaration that includes the variable
    rests on the compiler; over-approximated like a sorry there, and not past the section."""
    (tmp_path / "lakefile.toml").write_text('name = "V"\n\n[[lean_lib]]\nname = "V"\n', encoding="utf-8")
    (tmp_path / "V").mkdir()
    (tmp_path / "V" / "Use.lean").write_text(
        "section\n"
        "variable (h : 2 < 3 := by native_decide) (k : 1 < 2 := by decide +native)\n"
        "include h k in\n"
        "theorem included : True := trivial\n"
        "end\n"
        "theorem outside : True := trivial\n", encoding="utf-8")
    got = scan_project(tmp_path, use_cache=False).by_name()
    assert got["included"].status.value == "proven"
    assert sorted(got["included"].trusts) == ["decide +native", "native_decide"]
    assert not got["outside"].trusts


def test_a_sorry_in_a_variable_binder_reaches_the_declarations_in_scope(tmp_path: Path) -> None:
    """`variable (h : 1 ≺ 2)` with a notation that expands to sorry (or a plain `sorry` in the
    binder): a declaration that includes the variable has the sorry in its type, and Lean says it
    uses sorry.  Over-approximated, like the variables' names, as reaching every declaration in
    scope; not past the section's end."""
    (tmp_path / "lakefile.toml").write_text('name = "V"\n\n[[lean_lib]]\nname = "V"\n', encoding="utf-8")
    (tmp_path / "V").mkdir()
    (tmp_path / "V" / "Defs.lean").write_text(
        'notation:50 a " ≺≺ " b => (sorry : Prop)\n', encoding="utf-8")
    (tmp_path / "V" / "Use.lean").write_text(
        "import V.Defs\n"
        "\n"
        "section\n"
        "variable (h : 1 ≺≺ 2)\n"
        "include h in\n"
        "theorem included : True := trivial\n"
        "theorem in_statement (hh : h = h) : True := trivial\n"
        "end\n"
        "theorem outside : True := trivial\n"
        "section\n"
        "variable (k : (sorry : Prop))\n"
        "include k in\n"
        "theorem included_raw : True := trivial\n"
        "end\n"
        "theorem outside_raw : True := trivial\n", encoding="utf-8")
    got = scan_project(tmp_path, use_cache=False).by_name()
    assert (got["included"].status.value, got["included"].sorry_lines) == ("deferred", [4])
    assert got["included"].reason == "line 4 uses `≺≺` (notation at V/Defs.lean:1), which expands to sorry"
    assert (got["in_statement"].status.value, got["in_statement"].sorry_lines) == ("deferred", [4])
    assert (got["included_raw"].status.value, got["included_raw"].sorry_lines) == ("deferred", [11])
    assert got["outside"].status.value == "proven" and got["outside_raw"].status.value == "proven"


def test_every_declaring_pattern_parser_contains_the_text_the_file_tests_look_for() -> None:
    # the scan parses first, and a warm re-scan never takes as a proof edit, exactly the files
    # may_define_commands lets through: a declaring parser's name without that text would slip by
    from zerosorry.lean.syntax_table import _DECL_SIG, DECL_SIG_TEXT, may_define_commands

    for name in _DECL_SIG:
        assert DECL_SIG_TEXT.decode() in name
        assert may_define_commands(f"syntax \"my_thm\" {name} : command".encode())
    assert not may_define_commands(b"theorem t : True := trivial")
