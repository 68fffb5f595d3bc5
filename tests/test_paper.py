"""The paper side without TeX: the citable statuses, the escaper, the generated status file, and
``zerosorry check --paper`` on fixture papers (comments, verbatim, nested inputs, missing files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zerosorry.appendix import manifest as mf
from zerosorry.cli import main
from zerosorry.ledger import io
from zerosorry.ledger.model import Ledger, Status
from zerosorry.paper import mask_tex, paper_status, read_paper
from zerosorry.report.latex import escape, escape_name, render_status, safe_id
from zerosorry.scan import scan_project

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "moe-gauge"


@pytest.fixture(scope="module")
def ledger() -> Ledger:
    return scan_project(EXAMPLE)


def entries() -> list[tuple[str, tuple[str, ...], str]]:
    return [(e.id, e.lean, e.title) for e in mf.load_manifest(EXAMPLE / "appendix.toml").entries]


# ------------------------------------------------------------------------------ statuses
def test_paper_status_follows_the_ledger(ledger: Ledger) -> None:
    status = paper_status(ledger, entries(), site_url="https://x.org/site")
    by_name = ledger.by_name()
    bound = status.lookup("moe-gauge-lattice-bound")
    assert bound is not None and bound.kind == "entry"
    rec = by_name["NeuralGeometry.moe_gauge_beta_le_lattice"]
    assert bound.status is rec.status is Status.DEFERRED
    assert bound.chain == len(rec.via) and bound.root == rec.via[-1] == "NeuralGeometry.jensen_floor"
    root = by_name["NeuralGeometry.jensen_floor"]
    assert (bound.root_file, bound.root_line) == (root.file, root.sorry_lines[0])
    assert bound.card == "https://x.org/site/index.html#entry-moe-gauge-lattice-bound"
    proven = status.lookup("cos-sign-quant-formula")
    assert proven is not None and proven.status is Status.PROVEN and proven.chain == 0 and proven.root is None
    # every declaration the manifest names is citable, with its own status
    decl = status.lookup("NeuralGeometry.beta_local_hessian_nonneg")
    assert decl is not None and decl.kind == "declaration" and decl.status is Status.PROVEN
    hessian = status.lookup("beta-local-hessian")  # one deferred declaration makes the entry deferred
    assert hessian is not None and hessian.status is Status.DEFERRED
    assert status.entry_counts()["proven"] == sum(
        all(by_name[n].status is Status.PROVEN for n in lean) for _, lean, _ in entries())


def test_a_name_the_scan_does_not_find_is_never_proven(ledger: Ledger) -> None:
    status = paper_status(ledger, [("ghost", ("NeuralGeometry.cos_sq_eq_beta", "Nope.gone"), "Ghost")])
    ghost = status.lookup("ghost")
    assert ghost is not None and ghost.status is Status.DEFERRED and ghost.missing == ("Nope.gone",)
    assert "does not find Nope.gone" in ghost.reason()


# ------------------------------------------------------------------------------ escaping
@pytest.mark.parametrize(("text", "tex"), [
    ("a_b", r"a\_b"), ("50%", r"50\%"), ("#1 & $", r"\#1 \& \$"), ("{x}", r"\{x\}"),
    ("β", r"\ensuremath{\beta}"), ("Γ", r"\ensuremath{\Gamma}"), ("Α", r"\ensuremath{\mathrm{A}}"),
    ("ℓ¹", r"\ensuremath{\ell}\textsuperscript{1}"), ("β₁", r"\ensuremath{\beta}\textsubscript{1}"),
    ("é", r"\'{e}"), ("ï", r'\"{\i}'), ("1 − β", r"1 \ensuremath{-} \ensuremath{\beta}"),
    ("a\\b", r"a\ensuremath{\backslash}b"), ("☃", r"\zs@uchar{2603}"), ("—", "---"),
    ("x^y~z", r"x\^{}y\~{}z"),
])
def test_escape(text: str, tex: str) -> None:
    assert escape(text) == tex


def test_escape_name_breaks_after_dots_and_keeps_underscores() -> None:
    assert escape_name("Foo.bar_baz'") == r"\texttt{Foo.\allowbreak{}bar\zs@us{}baz'}"


@pytest.mark.parametrize(("key", "ok"), [
    ("jensen-floor", True), ("NeuralGeometry.foo_bar'", True), ("Foo.β₁", True), ("a b", True),
    ("a%b", False), ("a{b", False), ("a\\b", False), ("a#b", False), ("a^^b", False), (" a", False), ("", False),
])
def test_safe_id(key: str, ok: bool) -> None:
    assert safe_id(key) is ok


def test_status_file_is_deterministic_and_honours_source_date_epoch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    outs = []
    for run in ("a", "b"):
        out = tmp_path / run
        assert main(["latex", str(EXAMPLE), "--out", str(out), "--no-cache", "-q"]) == 0
        outs.append(out)
    for name in ("zerosorry-status.tex", "zerosorry.sty"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes()
    text = (outs[0] / "zerosorry-status.tex").read_text(encoding="utf-8")
    assert r"\zs@set{generated}{2023-11-14T22:13:20Z}" in text
    assert "https://" not in text  # no --site-url: no card links
    assert (outs[0] / "zerosorry.sty").read_text(encoding="utf-8") == (
        REPO / "src" / "zerosorry" / "tex" / "zerosorry.sty").read_text(encoding="utf-8")


def test_status_file_from_a_committed_ledger(tmp_path: Path, ledger: Ledger) -> None:
    io.write(ledger, tmp_path / "lean_status.json")
    assert main(["latex", str(EXAMPLE), "--ledger", str(tmp_path / "lean_status.json"), "--out",
                 str(tmp_path / "out"), "--site-url", "https://x.org/a b", "-q"]) == 2
    assert main(["latex", str(EXAMPLE), "--ledger", str(tmp_path / "lean_status.json"), "--out",
                 str(tmp_path / "out"), "--site-url", "https://x.org/site/", "-q"]) == 0
    text = (tmp_path / "out" / "zerosorry-status.tex").read_text(encoding="utf-8")
    assert text == render_status(paper_status(ledger, entries(), site_url="https://x.org/site/"))
    assert r"https://x.org/site/index.html\#entry-jensen-floor" in text
    # one record per entry and per declaration the manifest names
    n_names = len({n for _, lean, _ in entries() for n in lean})
    assert text.count(r"\zs@record{") == len(entries()) + n_names


def test_latex_needs_a_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "proj").mkdir()
    assert main(["latex", str(tmp_path / "proj"), "--out", str(tmp_path / "out")]) == 2
    assert "no appendix.toml" in capsys.readouterr().err


# ------------------------------------------------------------------------------ reading sources
def test_mask_blanks_comments_verbatim_and_iffalse_but_keeps_positions() -> None:
    src = ("a % \\leanproved{x}\n50\\% \\leanproved{y}\n\\verb|\\leanproved{z}| ok\n"
           "\\begin{verbatim}\n\\leanproved{v}\n\\end{verbatim}\n\\iffalse \\ifx a b \\fi \\leanproved{w}\\fi done")
    masked = mask_tex(src)
    assert len(masked) == len(src) and masked.count("\n") == src.count("\n")
    assert "leanproved{y}" in masked
    for hidden in ("{x}", "{z}", "{v}", "{w}"):
        assert hidden not in masked
    assert masked.endswith("done")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def paper(tmp_path: Path) -> Path:
    """A paper whose only live claims are in nested inputs; the rest hide in comments and verbatim."""
    root = tmp_path / "paper"
    write(root / "main.tex", "\\documentclass{article}\n\\usepackage{zerosorry}\n\\begin{document}\n"
          "% We prove \\leanproved{jensen-floor} (commented out)\n"
          "We prove \\leanproved{cos-sign-quant-formula}.\n"
          "\\input{sections/intro}\n"
          "\\begin{verbatim}\n\\leanproved{jensen-floor}\n\\end{verbatim}\n"
          "\\end{document}\n")
    write(root / "sections" / "intro.tex", "Intro.\n\\include{sections/deep}\n")
    write(root / "sections" / "deep.tex", "Deep: 50\\% sure \\leanproved{moe-gauge-monotone}.\n")
    return root / "main.tex"


def test_nested_inputs_are_followed_and_comments_ignored(paper: Path) -> None:
    sources = read_paper(paper, label=lambda p: p.name, in_tex_tree=lambda _: False)
    assert sources.files == ("main.tex", "intro.tex", "deep.tex")
    assert [(u.key, u.at.file, u.at.line, u.at.column) for u in sources.uses] == [
        ("cos-sign-quant-formula", "main.tex", 5, 10), ("moe-gauge-monotone", "deep.tex", 1, 17)]
    assert not sources.missing


def test_import_package_inputs_are_followed(tmp_path: Path) -> None:
    """\\subimport's folder is relative to the file holding it; \\import's to the main file."""
    write(tmp_path / "main.tex", "\\import{parts/}{a}\n\\includefrom{parts/}{c}\n")
    write(tmp_path / "parts" / "a.tex", "\\subimport{sub/}{b}\n")
    write(tmp_path / "parts" / "sub" / "b.tex", "\\leanproved{jensen-floor}\n")
    write(tmp_path / "parts" / "c.tex", "\\leanstatus{jensen-floor}\n")
    sources = read_paper(tmp_path / "main.tex", label=lambda p: p.name, in_tex_tree=lambda _: False)
    assert sources.files == ("main.tex", "a.tex", "b.tex", "c.tex") and not sources.missing
    assert [(u.command, u.at.file) for u in sources.uses] == [("leanproved", "b.tex"), ("leanstatus", "c.tex")]


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["check", str(EXAMPLE), "--no-witnesses", *args])
    return code, capsys.readouterr().out


def test_check_paper_holds_on_true_claims(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(capsys, "--paper", str(paper))
    assert code == 0, out
    assert "policies:" in out and "paper" in out.rsplit("policies:", 1)[1]


def test_check_paper_fails_on_a_deferred_claim_deep_down(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = paper.parent / "sections" / "deep.tex"
    deep.write_text(deep.read_text() + "%\n  and \\leanproved {NeuralGeometry.jensen_floor}\n", encoding="utf-8")
    code, out = check(capsys, "--paper", str(paper), "--format", "json")
    assert code == 1
    findings = json.loads(out)["findings"]
    assert [f["kind"] for f in findings] == ["paper-claim-not-proven"]
    f = findings[0]
    assert f["policy"] == "paper" and f["key"] == "NeuralGeometry.jensen_floor" and f["status"] == "deferred"
    assert f["file"].endswith("sections/deep.tex") and f["line"] == 3
    assert "held back by the sorry in NeuralGeometry.jensen_floor" in f["message"]


def test_check_paper_unknown_id_and_computed_id(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(paper.parent / "sections" / "intro.tex", "\\leanstatus{jensen-flor}\n\\leanproved{\\myid}\n")
    code, out = check(capsys, "--paper", str(paper))
    assert code == 1
    assert "intro.tex:1:1: \\leanstatus{jensen-flor}: unknown id" in out and "did you mean jensen-floor?" in out
    assert "intro.tex:2:1: \\leanproved takes a literal id" in out


def test_check_paper_missing_input_is_positioned(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(paper.parent / "sections" / "intro.tex", "Intro.\n  \\input{sections/absent}\n")
    code, out = check(capsys, "--paper", str(paper))
    assert code == 1
    assert "sections/intro.tex:2:3: no such file 'sections/absent'" in out


def test_check_paper_missing_main_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(EXAMPLE), "--no-witnesses", "--paper", str(tmp_path / "none.tex")])
    assert code == 2
    assert "none.tex: no such paper" in capsys.readouterr().err


def test_the_example_paper_holds_and_uses_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    main_tex = EXAMPLE / "paper" / "main.tex"
    code, out = check(capsys, "--paper", str(main_tex))
    assert code == 0, out
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((EXAMPLE / "paper").glob("*.tex")))
    sty = (REPO / "src" / "zerosorry" / "tex" / "zerosorry.sty").read_text(encoding="utf-8")
    commands = {c for c in ("leanstatus", "leanproved", "leanresultstable", "leanstatussummary",
                            "leanchainlength", "leansorryroot", "leancommit", "leangenerated")
                if f"\\DeclareRobustCommand*\\{c}" in sty}
    assert len(commands) == 8  # every author command of the package…
    for c in commands:  # …appears in the sample section
        assert f"\\{c}" in text, c


def test_annotations_point_into_the_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A paper beside the project is annotated at its path in the repository; one outside it,
    at its absolute path."""
    from zerosorry.report.gate_report import _repo_path

    assert _repo_path("lean", "../paper/main.tex") == "paper/main.tex"
    assert _repo_path("lean", "/tmp/x/main.tex") == "/tmp/x/main.tex"
    assert _repo_path("", "main.tex") == "main.tex"
    outside = write(tmp_path / "main.tex", "\\leanproved{jensen-floor}\n")
    code, out = check(capsys, "--paper", str(outside), "--format", "github")
    assert code == 1
    assert f"::error file={outside.resolve()},line=1," in out


def test_an_id_tex_cannot_read_back_is_left_out_and_said() -> None:
    from zerosorry.paper import PaperItem, PaperStatus

    odd = PaperItem("Foo.«a%b»", "declaration", Status.PROVEN, ("Foo.«a%b»",), "Odd_title 100%", 0,
                    None, None, None, None)
    fine = PaperItem("odd-entry", "entry", Status.PROVEN, ("Foo.«a%b»",), "Odd_title 100%", 0,
                     None, None, None, None)
    text = render_status(PaperStatus((fine, odd), None, None, "2026-01-01T00:00:00Z", 1))
    assert r"\zs@record{odd-entry}" in text and r"\zs@record{Foo." not in text
    assert "% not citable by name (TeX cannot read it back): Foo.?a%b?" in text
    assert r"Foo.\allowbreak{}\ensuremath{\langle\!\langle}a\%b\ensuremath{\rangle\!\rangle}" in text
    assert r"{Odd\_title 100\%}" in text and r"\zs@tablerows{\zs@row{odd-entry}}" in text


def test_check_paper_flags_a_stale_status_file(paper: Path, ledger: Ledger,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """The PDF prints what zerosorry-status.tex says: a status file left from before a regression
    would print 'proven' for a deferred result, so the gate compares it with the sources."""
    fresh = render_status(paper_status(ledger, entries()))
    status_file = paper.parent / "zerosorry-status.tex"
    status_file.write_text(fresh, encoding="utf-8")
    code, out = check(capsys, "--paper", str(paper))
    assert code == 0, out
    stale = fresh.replace(r"\zs@record{jensen-floor}{entry}{deferred}", r"\zs@record{jensen-floor}{entry}{proven}")
    assert stale != fresh
    status_file.write_text(stale, encoding="utf-8")
    line = stale[:stale.index(r"\zs@record{jensen-floor}")].count("\n") + 1
    code, out = check(capsys, "--paper", str(paper))
    assert code == 1
    assert (f"zerosorry-status.tex:{line}:1: the paper's status file says jensen-floor is proven, the "
            "sources say deferred: regenerate it with zerosorry latex") in out
