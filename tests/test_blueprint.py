"""The blueprint bridge: the reader on fixture blueprints (inputs, comments, custom
environments, several \\lean names, malformed input with exact messages), the drift classes
against a scanned fixture project, the command's formats and exit codes, and the gate policy."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from zerosorry.blueprint import check, read_blueprint
from zerosorry.blueprint.drift import DriftClass
from zerosorry.blueprint.tex import strip_comments
from zerosorry.cli import main
from zerosorry.scan import scan_project

from .strategies import mutated

FIXTURES = Path(__file__).parent / "fixtures" / "blueprints"
DRIFT = FIXTURES / "drift"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ TeX
@pytest.mark.parametrize(("src", "kept"), [
    ("a % b", "a    "),
    ("100\\% sure % gone", "100\\% sure       "),
    ("line\\\\% comment\nnext", "line\\\\         \nnext"),  # \\ is a line break, then a comment
    ("\\verb|%x|%y", "\\verb|  |  "),
    ("\\begin{verbatim}\n%\\leanok\n\\end{verbatim}", "\\begin{verbatim}\n        \n\\end{verbatim}"),
    ("\\begin{comment}\\leanok\\end{comment}x", " " * len("\\begin{comment}\\leanok\\end{comment}") + "x"),
])
def test_comments_are_stripped_as_tex_does(src: str, kept: str) -> None:
    assert strip_comments(src).text == kept


# ------------------------------------------------------------------ reader
def test_reader_follows_inputs_and_reads_every_mark() -> None:
    bp = read_blueprint(DRIFT / "blueprint" / "src")
    assert bp.files == ["blueprint/src/web.tex", "blueprint/src/macros/common.tex", "blueprint/src/content.tex",
                        "blueprint/src/chapters/foundations.tex", "blueprint/src/chapters/main.tex",
                        "blueprint/src/chapters/parts/more.tex"]
    assert "conjecture" in bp.envs  # declared with \newtheorem in the preamble
    by = bp.by_label()
    assert [n.key for n in bp.nodes][:3] == ["def:carrier", "lem:base", "lem:open"]
    assert "thm:in-verbatim" not in by
    several = by["cor:several"]
    assert several.lean == ("Drift.two_a", "Drift.two_b", "Drift.two_c")  # two \lean, one with a list
    assert (several.file, several.line, several.proof_line) == ("blueprint/src/chapters/parts/more.tex", 24, 32)
    assert several.title == "Several names" and several.uses == several.proof_uses == ("lem:base",)
    assert several.chapter == "Main results" and several.section == "More claims"
    assert by["def:carrier"].chapter == "Foundations"
    commented = by["prop:commented"]
    assert commented.has_proof and not commented.proof_leanok  # `% \leanok` in the proof
    assert commented.uses == () and commented.statement == "The base fact is itself; 100\\% sure."
    assert by["conj:nonzero"].env == "conjecture" and by["conj:nonzero"].proof_leanok
    assert by["lem:mathlib"].mathlibok and by["lem:mathlib"].proof_claimed
    assert by["def:carrier"].statement == (
        "The carrier is the number $7$, seen as a point of $\\R$ at $\\dist(0, 7) = \\norm{7}$.")
    macros = {m.name: (m.body, m.nargs, m.line, m.problem) for m in bp.macros}
    assert macros["\\R"] == ("\\mathbb{R}", 0, 10, None)
    assert macros["\\norm"] == ("\\lVert #1 \\rVert", 1, 11, None)
    assert macros["\\dist"] == ("\\operatorname{dist}", 0, 12, None)
    assert macros["\\eps"] == ("\\varepsilon", 0, 13, None)
    assert macros["\\opt"][3] == "an optional argument (KaTeX macros take only mandatory ones)"
    assert bp.home == "https://example.org/drift"
    assert bp.diagnostics == []


def test_malformed_blueprint_exact_messages_and_the_rest_is_read() -> None:
    bp = read_blueprint(FIXTURES / "malformed" / "blueprint" / "src")
    expected = (FIXTURES / "malformed" / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert [str(d) for d in bp.diagnostics] == expected
    assert [n.key for n in bp.nodes] == ["thm:fine", "thm:fine", "lem:braces", "lem:after", "lem:last"]
    assert bp.by_label()["lem:after"].leanok


def test_without_entry_files_every_tex_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "a.tex").write_text("\\begin{lemma}\\label{a}\\leanok x\\end{lemma}\n", encoding="utf-8")
    (tmp_path / "b.tex").write_text("\\begin{theorem}\\label{b}\\uses{a} y\\end{theorem}\n", encoding="utf-8")
    bp = read_blueprint(tmp_path)
    assert [n.key for n in bp.nodes] == ["a", "b"] and bp.by_label()["b"].uses == ("a",)


BASE_TEXT = (DRIFT / "blueprint" / "src" / "chapters" / "main.tex").read_text(encoding="utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mutated(BASE_TEXT))
def test_reader_never_crashes(tmp_path: Path, text: str) -> None:
    (tmp_path / "content.tex").write_text(text, encoding="utf-8")
    bp = read_blueprint(tmp_path)
    for d in bp.diagnostics:
        assert d.file == "content.tex" and (d.line is None or d.line >= 1)


# ------------------------------------------------------------------ drift
@pytest.fixture(scope="module")
def drift_ledger():  # type: ignore[no-untyped-def]
    return scan_project(DRIFT, use_cache=False)


def test_every_drift_class(drift_ledger) -> None:  # type: ignore[no-untyped-def]
    found = check(DRIFT, drift_ledger)
    assert found is not None
    _, report = found
    got = {(f.cls, f.node, f.kind) for f in report.findings}
    assert got == {
        (DriftClass.FALSE_CLAIM, "thm:false", None),
        (DriftClass.HIDDEN_GAP, "thm:hidden", None),
        (DriftClass.RESTS_ON_OPEN, "thm:local", None),
        (DriftClass.MISSED_LEANOK, "prop:missed", None),
        (DriftClass.MISSED_LEANOK, "prop:commented", None),
        (DriftClass.NOT_IN_PROJECT, "lem:dependency", "dependency"),
        (DriftClass.NOT_IN_PROJECT, "thm:stale", "stale"),
        (DriftClass.USES_CONTRADICTED, "conj:nonzero", "not-derived"),
        (DriftClass.USES_CONTRADICTED, "thm:independent", "not-derived"),
        (DriftClass.USES_CONTRADICTED, "thm:hidden", "not-used"),
        (DriftClass.USES_CONTRADICTED, "prop:missed", "not-used"),
        (DriftClass.USES_CONTRADICTED, "prop:commented", "not-used"),
    }
    by = {(f.cls, f.node): f for f in report.findings}
    hidden = by[DriftClass.HIDDEN_GAP, "thm:hidden"]
    assert hidden.chain == ("Drift.hidden_gap", "Drift.aux_lemma", "Drift.helper_def")
    assert hidden.sorry_at == "Drift/Basic.lean:14"
    assert (hidden.file, hidden.line) == ("blueprint/src/chapters/main.tex", 21)  # the proof's \leanok
    false = by[DriftClass.FALSE_CLAIM, "thm:false"]
    assert false.sorry_at == "Drift/Main.lean:7" and false.name == "Drift.false_claim"
    assert by[DriftClass.RESTS_ON_OPEN, "thm:local"].nodes == ("lem:open",)
    assert by[DriftClass.NOT_IN_PROJECT, "thm:stale"].suggestions[0] == "Drift.false_claim"
    states = {s.node.key: (s.claimed, s.derived) for s in report.states}
    assert states["thm:false"] == ("proven", "deferred") and states["lem:open"] == ("stated", "deferred")
    assert states["lem:mathlib"] == ("mathlib", "not-found") and states["cor:several"] == ("proven", "proven")
    assert [f.node for f in report.failing] == ["thm:false", "thm:hidden"]
    at = {(f.node, f.nodes): (f.file, f.line) for f in report.findings if f.kind == "not-derived"}
    assert at["thm:independent", ("cor:several",)] == ("blueprint/src/chapters/parts/more.tex", 70)  # the proof's \uses


def test_blueprint_command_formats_and_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "blueprint", str(DRIFT), "--no-cache")
    assert code == 1
    assert ("blueprint/src/chapters/main.tex:21: [2 hidden-gap] thm:hidden: the proof is marked \\leanok, but the "
            "derivation reaches a sorry that no blueprint node names: Drift.hidden_gap -> Drift.aux_lemma -> "
            "Drift.helper_def (Drift/Basic.lean:14)") in out.splitlines()
    code, out, _ = run(capsys, "blueprint", str(DRIFT), "--no-cache", "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["holds"] is False and data["counts"]["false-claim"] == 1
    assert {n["key"] for n in data["nodes"]} >= {"thm:false", "cor:several"}
    code, out, _ = run(capsys, "blueprint", str(DRIFT), "--no-cache", "--format", "github")
    assert ("::error file=tests/fixtures/blueprints/drift/blueprint/src/chapters/main.tex,line=10,title=zerosorry blueprint%3A false-claim::"
            "[1 false-claim] thm:false: the proof is marked \\leanok, but Drift.false_claim has its own sorry "
            "(Drift/Main.lean:7)") in out.splitlines()
    code, out, _ = run(capsys, "blueprint", str(DRIFT), "--no-cache", "--format", "markdown")
    assert out.startswith("## ❌ zerosorry blueprint") and "| 2 hidden-gap | `thm:hidden` |" in out
    code, _, err = run(capsys, "blueprint", str(DRIFT), "--blueprint", "nowhere", "--no-cache")
    assert code == 2 and "--blueprint nowhere: no such folder" in err
    (tmp_path / "lakefile.toml").write_text('name = "x"\n', encoding="utf-8")
    code, _, err = run(capsys, "blueprint", str(tmp_path), "--no-cache")
    assert code == 2 and "no blueprint" in err


def test_hide_leaves_informational_classes_out_but_counts_them(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "blueprint", str(DRIFT), "--no-cache", "--format", "json")
    every = json.loads(out)
    six = every["counts"]["uses-contradicted"]
    assert six and every["hidden"] == {}
    code, out, _ = run(capsys, "blueprint", str(DRIFT), "--no-cache", "--format", "json", "--hide", "6",
                       "--hide", "missed-leanok")
    data = json.loads(out)
    assert code == 1 and data["counts"] == every["counts"]
    assert data["hidden"] == {k: every["counts"][k] for k in ("missed-leanok", "uses-contradicted")
                              if every["counts"][k]}
    assert {f["class"] for f in data["findings"]} == {f["class"] for f in every["findings"]} - {
        "uses-contradicted", "missed-leanok"}
    code, out, _ = run(capsys, "blueprint", str(DRIFT), "--no-cache", "--hide", "uses-contradicted")
    assert f"(not listed, --hide: {six} uses-contradicted)" in out and "[6 " not in out
    # a class that fails the gate cannot be hidden, nor an unknown one
    code, _, err = run(capsys, "blueprint", str(DRIFT), "--no-cache", "--hide", "hidden-gap")
    assert code == 2 and "hidden-gap fails the gate and cannot be hidden" in err
    code, _, err = run(capsys, "blueprint", str(DRIFT), "--no-cache", "--hide", "9")
    assert code == 2 and "unknown drift class '9'" in err


def test_a_blueprint_that_tells_the_truth_exits_0(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(DRIFT, project)
    main_tex = project / "blueprint" / "src" / "chapters" / "main.tex"
    text = main_tex.read_text(encoding="utf-8")
    # withdraw the two false claims: their proofs are no longer marked
    for label in ("thm:false", "thm:hidden"):
        head, _, tail = text.partition(f"\\label{{{label}}}")
        proof_at = tail.index("\\begin{proof}")
        tail = tail[:proof_at] + tail[proof_at:].replace("\\leanok", "", 1)
        text = head + f"\\label{{{label}}}" + tail
    main_tex.write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "blueprint", str(project), "--no-cache")
    assert code == 0 and out.rstrip().endswith("no false claim, no hidden gap")


def test_check_runs_the_blueprint_policy(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(DRIFT), "--no-cache")
    assert code == 1 and "policies: blueprint" in out
    assert ("[blueprint] node thm:false (false-claim): the proof is marked \\leanok, but Drift.false_claim has "
            "its own sorry (Drift/Main.lean:7)") in out.splitlines()
    assert sum(1 for line in out.splitlines() if line.startswith("[blueprint]")) == 2
    code, out, _ = run(capsys, "check", str(DRIFT), "--no-cache", "--no-blueprint")
    assert code == 0 and "blueprint" not in out.split("policies:")[1].splitlines()[0]


# ------------------------------------------------------------------ init --from-blueprint
def _project_copy(tmp_path: Path) -> Path:
    project = tmp_path / "p"
    shutil.copytree(DRIFT, project)
    return project


def test_init_from_blueprint(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from zerosorry.appendix.manifest import load_manifest, validate
    from zerosorry.appendix.site import check_statements

    project = _project_copy(tmp_path)
    web = project / "blueprint" / "web"  # a built blueprint: the page that holds each node
    web.mkdir()
    (web / "sect0002.html").write_text('<div class="theorem_thmwrapper" id="thm:false">', encoding="utf-8")
    code, out, err = run(capsys, "init", str(project), "--from-blueprint", "--no-cache",
                         "--blueprint-url", "https://example.org/drift/blueprint/")
    assert code == 0 and "2 families, 11 entries from the blueprint" in out
    assert ("zerosorry init: blueprint/src/macros/common.tex:14: macro \\opt: KaTeX cannot take an optional "
            "argument (KaTeX macros take only mandatory ones)") in err.splitlines()
    m = load_manifest(project / "appendix.toml")
    assert [f.title for f in m.families] == ["Foundations", "Main results"]
    by = {e.id: e for e in m.entries}
    assert by["cor-several"].lean == ("Drift.two_a", "Drift.two_b", "Drift.two_c")
    assert by["thm-false"].target == "zero-sorry" and by["lem-open"].target == "in-progress"
    assert by["thm-false"].paper[0].url == "https://example.org/drift/blueprint/sect0002.html#thm:false"
    assert by["lem-base"].paper[0].url == "https://example.org/drift/blueprint/"  # page unknown: the blueprint
    assert by["def-carrier"].statement == (
        "\\text{The carrier is the number $7$, seen as a point of $\\R$ at $\\dist(0, 7) = \\norm{7}$.}")
    assert m.site.macros == {"\\R": "\\mathbb{R}", "\\norm": "\\lVert #1 \\rVert", "\\dist": "\\operatorname{dist}",
                             "\\eps": "\\varepsilon"}
    ledger = scan_project(project, use_cache=False)
    assert validate(m, ledger) == []
    statements, issues = check_statements(m)
    assert issues == [] and "<mi>ℝ</mi>" in statements["def-carrier"]  # \R: the macro, as MathML Core's ℝ


def test_init_from_blueprint_statement_katex_cannot_take(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    f = project / "blueprint" / "src" / "chapters" / "foundations.tex"
    f.write_text(f.read_text(encoding="utf-8").replace("The carrier equals $7$.", "The carrier equals $\\sevenfold$."),
                 encoding="utf-8")
    code, _, err = run(capsys, "init", str(project), "--from-blueprint", "--no-cache", "--strict")
    assert code == 2 and "--strict: 2 macro(s) or statement(s) KaTeX cannot take" in err
    assert not (project / "appendix.toml").exists()
    code, _, err = run(capsys, "init", str(project), "--from-blueprint", "--no-cache")
    assert code == 0
    line = next(ln for ln in err.splitlines() if "lem:base" in ln)
    assert line.startswith("zerosorry init: blueprint/src/chapters/foundations.tex:10: node lem:base: the "
                           "statement does not render in KaTeX (KaTeX parse error: Undefined control sequence: "
                           "\\sevenfold at position ")
    assert line.endswith("); it is written as its source")
    from zerosorry.appendix.manifest import load_manifest

    by = {e.id: e for e in load_manifest(project / "appendix.toml").entries}
    assert by["lem-base"].statement == "\\texttt{The carrier equals \\$\\textbackslash{}sevenfold\\$.}"


def test_manifest_macros_are_checked() -> None:
    from zerosorry.appendix.manifest import ManifestError, parse_manifest

    text = '[site]\ntitle = "T"\npaper_title = "P"\n[site.macros]\n"R" = "x"\n"\\\\S" = 3\n"\\\\T" = "\\\\mathbb{T}"\n'
    with pytest.raises(ManifestError) as exc:
        parse_manifest(text)
    assert sorted(str(i) for i in exc.value.issues) == [
        "appendix.toml:4:1: site.macros.\\S: expected a string, got an integer",
        "appendix.toml:5:1: site.macros.R: 'R' is not a macro name: a backslash and letters, like '\\R'",
    ]
    ok = parse_manifest('[site]\ntitle = "T"\npaper_title = "P"\n[site.macros]\n"\\\\T" = "\\\\mathbb{T}"\n')
    assert ok.site.macros == {"\\T": "\\mathbb{T}"}


def test_iffalse_and_endinput_hide_what_follows(tmp_path: Path) -> None:
    (tmp_path / "content.tex").write_text(
        "\\begin{lemma}\\label{a}\\leanok x\\end{lemma}\n"
        "\\iffalse \\ifx a b \\fi \\begin{lemma}\\label{hidden}\\end{lemma} \\fi\n"
        "\\begin{lemma}\\label{b} y\\end{lemma}\\endinput rest of the line is read\n"
        "\\begin{lemma}\\label{after-endinput}\\end{lemma}\n", encoding="utf-8")
    assert [n.key for n in read_blueprint(tmp_path).nodes] == ["a", "b"]


def test_import_package_commands_are_followed(tmp_path: Path) -> None:
    """\\import{dir/}{file} from the blueprint's root, \\subimport{dir/}{file} from the file that
    holds it (and a plain \\input inside it from there too), starred forms included."""
    (tmp_path / "content.tex").write_text(
        "\\begin{lemma}\\label{top}x\\end{lemma}\n\\import{chapters/}{one}\n\\subimport*{chapters}{two.tex}\n"
        "\\import{chapters/}{absent}\n", encoding="utf-8")
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "one.tex").write_text("\\begin{lemma}\\label{one}\\end{lemma}\n"
                                                   "\\subimport{deeper/}{three}\n", encoding="utf-8")
    (tmp_path / "chapters" / "two.tex").write_text("\\begin{lemma}\\label{two}\\end{lemma}\n", encoding="utf-8")
    (tmp_path / "chapters" / "deeper").mkdir()
    (tmp_path / "chapters" / "deeper" / "three.tex").write_text("\\begin{lemma}\\label{three}\\end{lemma}\n",
                                                               encoding="utf-8")
    bp = read_blueprint(tmp_path)
    assert [n.key for n in bp.nodes] == ["top", "one", "three", "two"]
    missing = [d for d in bp.diagnostics if d.code == "missing-file"]
    assert len(missing) == 1 and "chapters/absent" in missing[0].message and missing[0].line == 4


def test_site_command_adds_the_blueprint_page(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, _ = run(capsys, "site", str(DRIFT), "--out", str(tmp_path / "site"), "--no-cache")
    assert code == 0
    page = (tmp_path / "site" / "blueprint.html").read_text(encoding="utf-8")
    assert 'data-node="thm:hidden"' in page and "static/blueprint.js" in page
    assert (tmp_path / "site" / "static" / "blueprint.js").is_file()
    assert 'data-testid="blueprint-drift"' in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    # the graph draws the blueprint's nodes, each linking to its row of the Blueprint page
    graph = (tmp_path / "site" / "graph.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr id="([^"]+)" data-node="([^"]+)"', page)
    assert len(rows) == 14 and ("node-thm-hidden", "thm:hidden") in rows
    linked = set(re.findall(r'href="blueprint\.html#([^"]+)"', graph))
    assert linked == {anchor for anchor, _ in rows}
    code, _, _ = run(capsys, "site", str(DRIFT), "--out", str(tmp_path / "site"), "--no-cache", "--no-blueprint")
    assert code == 0 and not (tmp_path / "site" / "blueprint.html").exists()
    assert "blueprint.html#" not in (tmp_path / "site" / "graph.html").read_text(encoding="utf-8")
