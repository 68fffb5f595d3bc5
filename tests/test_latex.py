"""zerosorry.sty and zerosorry-status.tex compiled by real TeX engines.

The sample paper section of the example (examples/moe-gauge/paper/) is compiled with pdfLaTeX,
XeLaTeX and LuaLaTeX (with hyperref); the PDF's text, extracted by poppler's pdftotext, must show
the statuses of the ledger.  A claim on a deferred entry must stop the build with a message naming
it, its status and its sorry; the package option [draft] turns that into a warning and a mark.
Skipped when pdflatex or pdftotext is absent, unless ZEROSORRY_REQUIRE_TEX is set (CI).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import tex_tool
from zerosorry.appendix import manifest as mf
from zerosorry.cli import main
from zerosorry.ledger import io
from zerosorry.ledger.model import Ledger, Status
from zerosorry.paper import PaperStatus, paper_status
from zerosorry.scan import scan_project

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "moe-gauge"
PAPER = EXAMPLE / "paper"
SITE = "https://zerosorry.example.org/moe-gauge/"
ENGINES = {"pdflatex": "texlive-latex-base", "xelatex": "texlive-xetex", "lualatex": "texlive-luatex"}
STATUS_WORD = re.compile(r"\b(proven|deferred|stub|axiom)\b")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ledger_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ledger") / "lean_status.json"
    io.write(scan_project(EXAMPLE), path)
    return path


@pytest.fixture(scope="module")
def ledger(ledger_file: Path) -> Ledger:
    return io.read(ledger_file)


@pytest.fixture(scope="module")
def status(ledger: Ledger) -> PaperStatus:
    entries = [(e.id, e.lean, e.title) for e in mf.load_manifest(EXAMPLE / "appendix.toml").entries]
    return paper_status(ledger, entries, site_url=SITE)


def write_paper(dest: Path, ledger_file: Path, *extra: str) -> Path:
    """The sample paper copied to ``dest`` with the package and the status file next to it."""
    shutil.copytree(PAPER, dest, ignore=shutil.ignore_patterns("*.pdf", "*.aux", "*.log", "zerosorry*"))
    assert main(["latex", str(EXAMPLE), "--ledger", str(ledger_file), "--out", str(dest),
                 "--site-url", SITE, "-q", *extra]) == 0
    return dest


def compile_tex(folder: Path, name: str, engine: str = "pdflatex", runs: int = 1) -> subprocess.CompletedProcess[str]:
    exe = tex_tool(engine, ENGINES[engine])
    proc = subprocess.CompletedProcess[str]([], 0, "", "")
    for _ in range(runs):
        proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", name],
                              cwd=folder, capture_output=True, text=True, timeout=300, check=False,
                              encoding="utf-8", errors="replace")
        if proc.returncode != 0:
            break
    return proc


def pdf_text(pdf: Path, *, layout: bool = False) -> str:
    exe = tex_tool("pdftotext", "poppler-utils")
    args = [exe, "-enc", "UTF-8", *(["-layout"] if layout else []), str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def one_page_doc(folder: Path, body: str, *, options: str = "", class_options: str = "") -> Path:
    (folder / "probe.tex").write_text(
        f"\\documentclass{class_options}{{article}}\n\\usepackage{options}{{zerosorry}}\n\\usepackage{{hyperref}}\n"
        f"\\begin{{document}}\n{body}\n\\end{{document}}\n", encoding="utf-8")
    return folder / "probe.tex"


def expected_entry_statuses(status: PaperStatus) -> list[str]:
    return [i.status.value for i in status.entries()]


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_sample_paper_shows_the_ledger(engine: str, tmp_path: Path, ledger_file: Path,
                                       status: PaperStatus) -> None:
    folder = write_paper(tmp_path / "paper", ledger_file)
    proc = compile_tex(folder, "main.tex", engine, runs=2)  # longtable settles its widths on run 2
    assert proc.returncode == 0, proc.stdout[-3000:]
    log = (folder / "main.log").read_text(encoding="utf-8", errors="replace")
    assert "Missing character" not in log and "Unicode character" not in log
    text = pdf_text(folder / "main.pdf", layout=True)
    # the table: one status per load-bearing entry, in the manifest's order, at the row's end
    table = text[text.index("Result"):]
    printed = [m.group(1) for line in table.splitlines()
               if (m := re.search(r"\b(proven|deferred|stub|axiom)\s*$", line))]
    assert printed == expected_entry_statuses(status)
    # the summary line: the counts, the commit and the date of this ledger
    counts = status.entry_counts()
    flat = " ".join(text.split())
    assert (f"{counts['proven']} of {len(status.entries())} load-bearing results proven "
            f"(deferred: {counts['deferred']}, stub: {counts['stub']}, axiom: {counts['axiom']})") in flat
    assert f"commit {(status.commit or 'unknown')[:12]}" in flat
    assert status.generated[:10] in flat
    # inline chips and the chain of the lattice bound, as the ledger has them
    bound = status.lookup("moe-gauge-lattice-bound")
    assert bound is not None and bound.status is Status.DEFERRED and bound.root
    assert f"held back, {bound.chain} declarations down the chain, by the sorry in {bound.root}" in flat
    assert "deferred" in flat[flat.index("The Jensen floor"):flat.index("is stated but deferred") + 40]


def test_every_citable_id_prints_its_own_status(tmp_path: Path, ledger_file: Path, status: PaperStatus) -> None:
    folder = write_paper(tmp_path / "paper", ledger_file)
    lines = "\n".join(f"\\noindent ROW{k}: \\leanstatus{{{item.key}}}\\par" for k, item in enumerate(status.items))
    one_page_doc(folder, lines)
    proc = compile_tex(folder, "probe.tex")
    assert proc.returncode == 0, proc.stdout[-3000:]
    rows = dict(re.findall(r"ROW(\d+): (\w+)", pdf_text(folder / "probe.pdf")))
    assert {int(k): v for k, v in rows.items()} == {k: i.status.value for k, i in enumerate(status.items)}
    # ids with underscores and the ledger's Lean names are among them
    assert any("_" in i.key for i in status.items)


def test_chips_link_to_their_cards(tmp_path: Path, ledger_file: Path) -> None:
    folder = write_paper(tmp_path / "paper", ledger_file)
    one_page_doc(folder, r"\leanstatus{jensen-floor} \leanstatus{NeuralGeometry.cos_sq_eq_beta}")
    assert compile_tex(folder, "probe.tex").returncode == 0
    html = subprocess.run([tex_tool("pdftohtml", "poppler-utils"), "-stdout", "-i", "-noframes",
                           str(folder / "probe.pdf")], capture_output=True, text=True, check=True).stdout
    assert f'href="{SITE}index.html#entry-jensen-floor"' in html
    # a declaration links to the card of the entry that names it
    assert f'href="{SITE}index.html#entry-cos-sign-quant-formula"' in html


def test_claim_on_a_deferred_entry_stops_the_build(tmp_path: Path, ledger_file: Path,
                                                   status: PaperStatus) -> None:
    folder = write_paper(tmp_path / "paper", ledger_file)
    one_page_doc(folder, r"We prove the lattice bound\leanproved{moe-gauge-lattice-bound}.")
    proc = compile_tex(folder, "probe.tex")
    assert proc.returncode != 0
    item = status.lookup("moe-gauge-lattice-bound")
    assert item is not None and item.where is not None
    log = " ".join((folder / "probe.log").read_text(encoding="utf-8", errors="replace").replace("\n", "").split())
    assert (f"! Package zerosorry Error: Claim `moe-gauge-lattice-bound' is not proven: it is deferred, "
            f"held back by the sorry in {item.root} ({item.where})") in log
    assert not (folder / "probe.pdf").exists()


def test_draft_turns_the_error_into_a_warning_and_a_margin_mark(tmp_path: Path, ledger_file: Path) -> None:
    folder = write_paper(tmp_path / "paper", ledger_file)
    one_page_doc(folder, r"We prove the lattice bound\leanproved{moe-gauge-lattice-bound}.", options="[draft]")
    proc = compile_tex(folder, "probe.tex")
    assert proc.returncode == 0, proc.stdout[-3000:]
    log = " ".join((folder / "probe.log").read_text(encoding="utf-8", errors="replace").replace("\n", "").split())
    assert "Package zerosorry Warning: Claim `moe-gauge-lattice-bound' is not proven: it is deferred" in log
    text = " ".join(pdf_text(folder / "probe.pdf").split())
    assert "not proven" in text and "Claim not proven:" in text


def test_a_class_wide_draft_does_not_excuse_a_claim(tmp_path: Path, ledger_file: Path) -> None:
    folder = write_paper(tmp_path / "paper", ledger_file)
    one_page_doc(folder, r"\leanproved{jensen-floor}", class_options="[draft]")
    assert compile_tex(folder, "probe.tex").returncode != 0


def test_unknown_id_is_an_error_naming_it(tmp_path: Path, ledger_file: Path) -> None:
    folder = write_paper(tmp_path / "paper", ledger_file)
    one_page_doc(folder, r"\leanstatus{jensen-flor}", options="[draft]")
    proc = compile_tex(folder, "probe.tex")
    assert proc.returncode != 0
    assert "Package zerosorry Error: Unknown id `jensen-flor'" in (folder / "probe.log").read_text()


def test_missing_status_file_is_an_error(tmp_path: Path, ledger_file: Path) -> None:
    folder = write_paper(tmp_path / "paper", ledger_file)
    (folder / "zerosorry-status.tex").unlink()
    one_page_doc(folder, "text")
    assert compile_tex(folder, "probe.tex").returncode != 0
    assert "No zerosorry-status.tex: run `zerosorry latex" in (folder / "probe.log").read_text()


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_awkward_text_compiles_in_every_engine(engine: str, tmp_path: Path) -> None:
    """Everything the escaper writes is accepted by each engine with its default fonts."""
    from zerosorry.report.latex import escape, escape_name

    samples = ["a_b'c β₁ ℓ¹ ‖W‖_F / √n − 1 ≤ 2 × 3", "50% & #1 $x$ {y} ~ ^ \\ < > | \"q\"",
               "Ångström, naïve, café, Łódź, ß, œ", "θ ∈ ℝ, ∀ε > 0, ⟨q, k⟩ → ∞", "snow ☃ and ⨍"]
    body = "\n\n".join(escape(s) + " / " + escape_name("Foo.bar_baz'" + s[:5]) for s in samples)
    sty = REPO / "src" / "zerosorry" / "tex" / "zerosorry.sty"
    (tmp_path / "zerosorry.sty").write_text(sty.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "zerosorry-status.tex").write_text("\\zs@set{commitshort}{x}\n", encoding="utf-8")
    (tmp_path / "esc.tex").write_text(
        "\\documentclass{article}\n\\usepackage{zerosorry}\n\\begin{document}\n\\makeatletter\n"
        + body + "\n\\end{document}\n", encoding="utf-8")
    proc = compile_tex(tmp_path, "esc.tex", engine)
    assert proc.returncode == 0, proc.stdout[-3000:]
    log = (tmp_path / "esc.log").read_text(encoding="utf-8", errors="replace")
    assert "Missing character" not in log
    text = pdf_text(tmp_path / "esc.pdf")
    pieces = ["a_b", "β", "50%", "&", "#1", "Foo.bar_baz", "[U+2603]", "[U+2A0D]"]
    if engine != "pdflatex":  # OT1 builds accented letters from two glyphs: no single character
        pieces += ["naïve", "Łódź", "Ångström"]
    for piece in pieces:
        assert piece in text, (piece, text)


def test_sample_section_screenshot(tmp_path: Path, ledger_file: Path, screenshot_dir: Path) -> None:
    """The first page of the sample section, rendered to PNG for a person to look at."""
    folder = write_paper(tmp_path / "paper", ledger_file)
    assert compile_tex(folder, "main.tex", runs=2).returncode == 0
    exe = tex_tool("pdftoppm", "poppler-utils")
    out = screenshot_dir / "latex-sample-section"
    subprocess.run([exe, "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", str(folder / "main.pdf"),
                    str(out)], check=True, timeout=120)
    png = out.with_suffix(".png")
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_commands_survive_moving_arguments_and_bookmarks(tmp_path: Path, ledger_file: Path) -> None:
    """Section titles go to the .toc and to PDF bookmarks: the commands are robust there."""
    folder = write_paper(tmp_path / "paper", ledger_file)
    one_page_doc(folder, "\\tableofcontents\n\\section{Monotone gauge \\leanstatus{moe-gauge-monotone}"
                         "\\leanproved{moe-gauge-monotone}}\nText.")
    proc = compile_tex(folder, "probe.tex", runs=2)
    assert proc.returncode == 0, proc.stdout[-3000:]
    text = " ".join(pdf_text(folder / "probe.pdf").split())
    assert text.count("Monotone gauge proven") == 2  # the contents line and the heading


@pytest.mark.parametrize("context", [r"X\footnote{F \leanproved{jensen-floor}}",
                                     r"\begin{minipage}{5cm}M \leanproved{jensen-floor}\end{minipage}",
                                     r"\begin{tabular}{l}T \leanproved{jensen-floor}\end{tabular}",
                                     r"$x\leanproved{jensen-floor}$"])
def test_draft_marks_work_in_footnotes_boxes_and_math(context: str, tmp_path: Path, ledger_file: Path) -> None:
    """The margin note is no float: it is never lost inside a footnote or a minipage."""
    folder = write_paper(tmp_path / "paper", ledger_file)
    one_page_doc(folder, f"Text. {context} More text.", options="[draft]")
    proc = compile_tex(folder, "probe.tex")
    assert proc.returncode == 0, proc.stdout[-3000:]
    text = " ".join(pdf_text(folder / "probe.pdf").split())  # the note may sit beside the text
    assert "not proven" in text and "Claim not" in text and "jensen-floor is deferred" in text
