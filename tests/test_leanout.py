"""Parsers for Lake's build log, Lean's messages and #print axioms answers, on hand-written
outputs in the exact formats Lean's and Lake's sources print."""

from __future__ import annotations

from pathlib import Path

import pytest

from zerosorry.lean.leanout import (
    canonical_name,
    classify_axioms,
    escape_name,
    is_queryable,
    parse_axiom_answers,
    parse_build_log,
    parse_json_messages,
    parse_message_start,
    parse_progress,
    split_name,
)

FIX = Path(__file__).parent / "fixtures" / "lean_outputs"


def read(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- build logs
def test_old_lake_log_quoted_sorry_and_dot_slash_paths() -> None:
    log = parse_build_log(read("build_lake_old.txt"))
    assert [(m.file, m.line, m.column) for m in log.sorry_warnings] == [
        ("./././Demo/Sorry.lean", 4, 9), ("./././Demo/Sorry.lean", 9, 9)]
    [err, ext] = log.errors
    assert (err.file, err.line, err.column) == ("./././Demo/Broken.lean", 7, 3)
    assert err.text == "unsolved goals\nx : Nat\n⊢ x + 0 = x"
    assert ext.file is None and ext.text.startswith("external command")
    assert [(p.verb, p.caption) for p in log.progress] == [
        ("Building", "Demo.Basic"), ("Compiling", "Demo.Basic"), ("Building", "Demo.Sorry"),
        ("Building", "Demo")]
    assert all(p.icon is None and not p.failed for p in log.progress)


def test_new_lake_log_backquoted_sorry_icons_and_failures() -> None:
    log = parse_build_log(read("build_lake_new.txt"))
    [w] = log.sorry_warnings
    assert (w.file, w.line, w.column, w.text) == ("Demo/Sorry.lean", 4, 9, "declaration uses `sorry`")
    lint = [m for m in log.messages if m.severity == "warning" and not m.is_sorry_warning]
    assert len(lint) == 1 and lint[0].text.endswith("set_option linter.unusedVariables false`")
    assert "unused variable" in lint[0].first_line
    errs = log.errors
    assert [(e.file, e.line, e.column) for e in errs] == [
        ("Demo/Broken.lean", 7, 3), ("Demo/Broken.lean", 11, 15), (None, None, None)]
    assert errs[0].text.splitlines() == ["unsolved goals", "x : Nat", "⊢ x + 0 = x"]
    assert errs[2].text == "build failed"
    assert log.failed_targets == ["Demo.Broken"]
    failed = [p for p in log.progress if p.failed]
    assert [(p.verb, p.caption, p.time) for p in failed] == [("Building", "Demo.Broken", "903ms")]
    assert [(p.done, p.total, p.icon) for p in log.progress] == [(2, 9, "✔"), (5, 9, "⚠"), (6, 9, "✖")]


def test_lean_cli_form_end_positions_error_names_and_no_column() -> None:
    log = parse_build_log(read("lean_cli.txt"))
    m = log.messages
    assert (m[0].severity, m[0].file, m[0].line, m[0].column) == ("warning", "Demo/Sorry.lean", 4, 9)
    assert m[0].is_sorry_warning and m[1].is_sorry_warning
    assert (m[1].end_line, m[1].end_column) == (9, 16)
    assert (m[2].error_name, m[2].text) == ("lean.unknownIdentifier", "Unknown identifier `foo_bar`")
    assert m[3].text.count("\n") == 2
    assert (m[4].file, m[4].line, m[4].column, m[4].is_sorry_warning) == ("Demo/Old.lean", 5, None, True)


def test_message_start_forms() -> None:
    lake = parse_message_start("warning: ././A/B.lean:1:0: declaration uses 'sorry'")
    assert lake is not None and (lake.severity, lake.file, lake.column) == ("warning", "././A/B.lean", 1)
    # Lake wrapping a Lean-form message: the repeated severity is dropped
    both = parse_message_start("error: A/B.lean:3:4: error(lean.x): bad")
    assert both is not None and (both.text, both.error_name, both.column) == ("bad", "lean.x", 5)
    win = parse_message_start(r"C:\proj\A.lean:2:0: warning: declaration uses 'sorry'")
    assert win is not None and win.file == r"C:\proj\A.lean" and win.line == 2
    assert parse_message_start("x : Nat") is None
    assert parse_message_start("⊢ True") is None
    info = parse_message_start("info: A.lean:2:0: hello")
    assert info is not None and info.severity == "info"


def test_sorry_warning_with_its_source_position() -> None:
    """With `pp.sorrySource`, newer Lean prints where the sorry term came from."""
    m = parse_message_start("Demo/X.lean:117:8: warning: declaration uses `sorry `«.tmp».tmpcmqrxbe0:363:12`")
    assert m is not None and m.is_sorry_warning and (m.file, m.line) == ("Demo/X.lean", 117)


def test_of_reduce_nat_is_a_trust_extension() -> None:
    cls = classify_axioms(["propext", "Lean.ofReduceNat", "Demo.ax"])
    assert cls.trusts == ("Lean.ofReduceNat",) and cls.project == ("Demo.ax",)


def test_names_lean_cannot_read_bare_are_escaped() -> None:
    from zerosorry.lean.leanout import escape_name

    assert [escape_name(n) for n in ("Demo.中文", "Demo.café", "Demo.α₁", "Demo.fun", "Demo.x'")] == [
        "Demo.«中文»", "Demo.«café»", "Demo.α₁", "Demo.«fun»", "Demo.x'"]


def test_not_a_sorry_warning() -> None:
    m = parse_message_start("warning: A.lean:1:0: declaration uses 'admit'")
    assert m is not None and not m.is_sorry_warning
    e = parse_message_start("error: A.lean:1:0: declaration uses 'sorry'")
    assert e is not None and not e.is_sorry_warning  # an error, not the warning


def test_progress_lines() -> None:
    p = parse_progress("⚠ [1917/1917] Built Mathlib.Algebra.Group.Defs (7.7s)")
    assert p is not None and (p.done, p.total, p.verb, p.caption, p.time) == (
        1917, 1917, "Built", "Mathlib.Algebra.Group.Defs", "7.7s")
    opt = parse_progress("✔ [3/8] (Optional) Fetched demo:release")
    assert opt is not None and opt.caption == "demo:release"
    assert parse_progress("\x1b[1;32m✔ [4/8] Replayed Demo.A\x1b[m") is not None
    assert parse_progress("warning: [1/2] x") is None


# ---------------------------------------------------------------------------- #print axioms
def test_quoted_answers_primes_and_guillemets() -> None:
    ans = {a.name: a.axioms for a in parse_axiom_answers(read("axioms_quoted.txt"))}
    assert ans == {
        "Demo.add_zero": (),
        "Demo.uses_choice": ("propext", "Classical.choice", "Quot.sound"),
        "Demo.stub": ("sorryAx",),
        "Demo.ax": ("Demo.ax",),
        "Demo.foo'": ("propext", "sorryAx"),
        "Demo.weird name": ("Demo.weird, axiom",),  # the comma inside «» does not split
    }


def test_backquoted_answers() -> None:
    ans = parse_axiom_answers(read("axioms_backquoted.txt"))
    assert [(a.name, a.axioms) for a in ans] == [
        ("Demo.add_zero", ()),
        ("Demo.uses_choice", ("propext", "Classical.choice", "Quot.sound")),
        ("Demo.stub", ("sorryAx",)),
    ]


def test_wrapped_list_and_interleaved_error() -> None:
    text = read("axioms_wrapped.txt")
    ans = parse_axiom_answers(text)
    assert [a.name for a in ans] == ["Demo.Native.big_table_check", "Demo.after", "Demo.compiled"]
    big = ans[0].axioms
    assert len(big) == 7 and big[1] == "sorryAx" and big[-1].endswith("._native.decide.ax_2")
    cls = classify_axioms(big)
    assert cls.sorry and cls.project == ()
    assert cls.trusts == ("Lean.ofReduceBool", "decide +native", "native_decide")
    assert classify_axioms(ans[2].axioms).trusts == ("Lean.trustCompiler",)
    [err] = parse_build_log(text).errors
    assert err.file is not None and err.file.endswith("ZerosorryAxiomsQuery.lean") and err.line == 9


def test_answers_with_positions_from_lake_or_lean() -> None:
    ans = [(a.name, a.axioms) for a in parse_axiom_answers(read("axioms_lake_info.txt"))]
    assert ans == [("Demo.add_zero", ()), ("Demo.stub", ("sorryAx",)),
                   ("Demo.uses_choice", ("Classical.choice",))]


def test_cut_off_list_is_dropped() -> None:
    assert parse_axiom_answers("'A.b' depends on axioms: [propext,\n sorryAx") == []
    [empty] = parse_axiom_answers("'A.b' depends on axioms: []")
    assert empty.axioms == ()


def test_classify_axioms() -> None:
    cls = classify_axioms(["propext", "Classical.choice", "Quot.sound"])
    assert (cls.sorry, cls.project, cls.trusts) == (False, (), ())
    cls = classify_axioms(["Demo.ax", "sorryAx", "propext", "X.y._native.bv_decide.ax_1_2"])
    assert (cls.sorry, cls.project, cls.trusts) == (True, ("Demo.ax",), ("bv_decide",))


def test_json_messages() -> None:
    text = ('{"severity":"information","pos":{"line":3,"column":0},"endPos":null,'
            '"fileName":"Q.lean","data":"\'A\' depends on axioms: [sorryAx]","caption":""}\n'
            "not json\n"
            '{"severity":"warning","pos":{"line":5,"column":8},"fileName":"A.lean",'
            '"data":"declaration uses \'sorry\'"}\n')
    msgs = parse_json_messages(text)
    assert [(m.severity, m.line, m.column) for m in msgs] == [("info", 3, 1), ("warning", 5, 9)]
    assert msgs[1].is_sorry_warning
    assert parse_axiom_answers(msgs[0].text)[0].axioms == ("sorryAx",)


# ------------------------------------------------------------------------------------ names
@pytest.mark.parametrize(("name", "parts"), [
    ("Foo.bar", ("Foo", "bar")),
    ("Foo.«bar baz».qux", ("Foo", "bar baz", "qux")),
    ("«a.b».c", ("a.b", "c")),
    ("x", ("x",)),
])
def test_split_name(name: str, parts: tuple[str, ...]) -> None:
    assert split_name(name) == parts


def test_escape_and_canonical_round_trip() -> None:
    assert escape_name("Foo.bar'") == "Foo.bar'"
    assert escape_name("Foo.bar baz") == "Foo.«bar baz»"
    assert escape_name("Foo.end") == "Foo.«end»"  # a keyword
    assert escape_name("Foo.2x") == "Foo.«2x»"
    assert escape_name("α.β₁") == "α.β₁"
    assert escape_name("Foo.λ") == "Foo.«λ»"
    for n in ["Foo.«bar baz»", "A.«end».b", "NeuralGeometry.jensen_floor"]:
        assert canonical_name(escape_name(n)) == canonical_name(n)
    assert canonical_name("Foo.«bar»") == "Foo.bar"
    assert canonical_name("«a.b».c") == "«a.b».c"


def test_is_queryable() -> None:
    assert is_queryable("Demo.foo")
    assert is_queryable("Demo.«odd name»")
    assert not is_queryable("_private.Demo.Basic.0.Demo.secret")
    assert not is_queryable("")
