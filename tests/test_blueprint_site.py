"""The Blueprint page and the status panel's drift counter as rendered HTML (no browser), and
``--blueprint DIR`` on ``check`` and ``site``: what the Chromium test sees, checked without one."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import pytest

from zerosorry.appendix.site import build_site
from zerosorry.blueprint.view import discussion_link
from zerosorry.blueprint.view import page as blueprint_page
from zerosorry.scan import scan_project

from .test_blueprint import DRIFT, run


def _copy(tmp_path: Path) -> Path:
    project = tmp_path / "p"
    shutil.copytree(DRIFT, project)
    return project


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _pages(project: Path) -> dict[str, str]:
    ledger = scan_project(project, use_cache=False)
    view = blueprint_page(project, ledger)
    assert view is not None
    out = project.parent / "site"
    build_site(ledger, None, out, blueprint=view)
    return {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.html")}


def _row(html: str, key: str) -> str:
    m = re.search(r'<tr id="[^"]*" data-node="' + re.escape(key) + r'".*?</tr>', html, re.S)
    assert m is not None, key
    return m.group(0)


def _text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


@pytest.fixture(scope="module")
def drift_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return _pages(_copy(tmp_path_factory.mktemp("bp")))


def test_blueprint_page_rows_claimed_derived_and_chains(drift_pages: dict[str, str]) -> None:
    html = drift_pages["blueprint.html"]
    assert len(re.findall(r"<tr id=\"node-", html)) == 14
    false = _row(html, "thm:false")
    assert 'data-claimed="proven"' in false and 'chip-deferred">deferred' in false
    assert 'data-classes="false-claim"' in false
    assert "Drift.false_claim has its own sorry (Drift/Main.lean:7)" in _text(false)
    hidden = _row(html, "thm:hidden")
    steps = re.findall(r"<li>(.*?)</li>", hidden)
    assert [_text(s) for s in steps] == ["Drift.hidden_gap Drift/Main.lean:10", "Drift.aux_lemma Drift/Basic.lean:17",
                                         "Drift.helper_def Drift/Basic.lean:14"]
    assert _text(steps[-1]).endswith("Drift/Basic.lean:14")  # the last step: the sorry's own line
    several = _row(html, "cor:several")
    assert re.findall(r"<code>(Drift\.two_[abc])</code> <span class=\"chip chip-(\w+)\"", several) == [
        ("Drift.two_a", "proven"), ("Drift.two_b", "proven"), ("Drift.two_c", "proven")]
    # every deferred node shows a chain; a proven one none
    for key in ("lem:open", "thm:false", "thm:hidden", "thm:local"):
        assert 'data-testid="chain"' in _row(html, key), key
    assert 'data-testid="chain"' not in several
    # the filters carry the class counts
    assert re.search(r'data-filter="false-claim"[^>]*>1 false-claim <span class="count-n">1</span>', html)
    assert re.search(r'data-filter="deferred"[^>]*>Deferred <span class="count-n">4</span>', html)
    summary = _text(re.search(r'data-testid="blueprint-summary">(.*?)</p>', html, re.S).group(1))  # type: ignore[union-attr]
    assert summary.startswith("14 nodes in ") and " 2 nodes fail the gate" in summary


def test_status_panel_counts_the_drift(drift_pages: dict[str, str]) -> None:
    m = re.search(r'data-testid="blueprint-drift">(.*?)</dd>', drift_pages["index.html"], re.S)
    assert m is not None
    panel = m.group(1)
    assert _text(panel) == ("14 nodes : 1 false-claim · 1 hidden-gap · 1 rests-on-open-nodes · 2 missed-leanok · "
                            "2 not-in-project · 6 uses-contradicted")
    assert '<a href="blueprint.html#class=false-claim" class="bad">' in panel
    assert '<a href="blueprint.html#class=missed-leanok" class="">' in panel
    # the nav links the page from every page
    for name, html in drift_pages.items():
        assert '<a href="blueprint.html"' in html, name


def test_a_node_with_two_own_sorries_is_one_failing_node(tmp_path: Path) -> None:
    project = _copy(tmp_path)
    _edit(project / "blueprint" / "src" / "chapters" / "main.tex",
          "\\lean{Drift.false_claim}", "\\lean{Drift.false_claim, Drift.helper_def}")
    html = _pages(project)["blueprint.html"]
    assert re.search(r'data-filter="false-claim"[^>]*>1 false-claim <span class="count-n">2</span>', html)
    summary = _text(re.search(r'data-testid="blueprint-summary">(.*?)</p>', html, re.S).group(1))  # type: ignore[union-attr]
    # two findings, one node (and thm:hidden's gap is no longer hidden: a node now names helper_def)
    assert " 1 node fails the gate" in summary
    assert 'data-classes="rests-on-open-nodes ' in _row(html, "thm:hidden")


@pytest.mark.parametrize(("written", "github", "link"), [
    ("12", "https://github.com/example/drift", "https://github.com/example/drift/issues/12"),
    ("12", None, None),
    ("12", "javascript:alert(1)", None),
    ("https://zulip.example.org/t/42", None, "https://zulip.example.org/t/42"),
    ("javascript:alert(1)", "https://github.com/example/drift", None),
    ("see the chat", "https://github.com/example/drift", None),
])
def test_discussion_link(written: str, github: str | None, link: str | None) -> None:
    assert discussion_link(written, github) == link


def test_discussion_and_titles_are_shown_escaped(tmp_path: Path) -> None:
    project = _copy(tmp_path)
    main_tex = project / "blueprint" / "src" / "chapters" / "main.tex"
    _edit(main_tex, "\\label{thm:false}", "\\label{thm:false}\n  \\discussion{12}")
    _edit(main_tex, "\\label{thm:hidden}", '\\label{thm:hidden}\n  \\discussion{https://x.example/a?b=1&c="2"}')
    _edit(main_tex, "\\label{thm:local}", "\\label{thm:local}\n  \\discussion{<script>alert(1)</script>}")
    _edit(main_tex, "[Hidden gap]", "[<img src=x onerror=alert(1)>]")
    html = _pages(project)["blueprint.html"]
    assert ('<span class="bp-discussion" data-testid="discussion">discussion: '
            '<a href="https://github.com/example/drift/issues/12" rel="noopener">12</a></span>') in _row(html, "thm:false")
    hidden = _row(html, "thm:hidden")
    assert '<a href="https://x.example/a?b=1&amp;c=&#34;2&#34;" rel="noopener">' in hidden
    assert "&lt;img src=x onerror=alert(1)&gt;" in hidden and "<img" not in hidden
    local = _row(html, "thm:local")
    assert "discussion: &lt;script&gt;alert(1)&lt;/script&gt;</span>" in local and "<a href" not in local
    assert "<script>alert" not in html
    assert 'data-testid="discussion"' not in _row(html, "cor:several")


def test_blueprint_dir_option_on_check_and_site(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    project = _copy(tmp_path)
    (project / "docs").mkdir()
    shutil.move(str(project / "blueprint" / "src"), str(project / "docs" / "bp"))
    # not where it is looked for by default: no blueprint policy, no page
    code, out, _ = run(capsys, "check", str(project), "--no-cache")
    assert code == 0 and "blueprint" not in out.split("policies:")[1].splitlines()[0]
    # named, relative to the project: the policy runs and fails on the two false claims
    code, out, _ = run(capsys, "check", str(project), "--no-cache", "--blueprint", "docs/bp")
    assert code == 1 and "blueprint" in out.split("policies:")[1].splitlines()[0]
    assert sum(1 for line in out.splitlines() if line.startswith("[blueprint]")) == 2
    assert "[blueprint] node thm:false (false-claim)" in out
    code, out, _ = run(capsys, "check", str(project), "--no-cache", "--blueprint", str(project / "docs" / "bp"))
    assert code == 1 and "[blueprint] node thm:hidden (hidden-gap)" in out
    code, _, _ = run(capsys, "site", str(project), "--out", str(tmp_path / "s1"), "--no-cache")
    assert code == 0 and not (tmp_path / "s1" / "blueprint.html").exists()
    code, _, _ = run(capsys, "site", str(project), "--out", str(tmp_path / "s2"), "--no-cache", "--blueprint", "docs/bp")
    assert code == 0
    page = (tmp_path / "s2" / "blueprint.html").read_text(encoding="utf-8")
    assert 'data-node="thm:hidden"' in page and "docs/bp/chapters/main.tex:" in page


# ------------------------------------------------------------------ init --from-blueprint, the rest
def test_init_from_blueprint_sections_left_out_nodes_and_names(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    from zerosorry.appendix.manifest import load_manifest

    project = _copy(tmp_path)
    src = project / "blueprint" / "src"
    content = src / "content.tex"  # no chapters: the sections are the families
    content.write_text(content.read_text(encoding="utf-8").replace("\\chapter{Foundations}\n", "")
                       .replace("\\chapter{Main results}\n", ""), encoding="utf-8")
    main_tex = src / "chapters" / "main.tex"
    _edit(main_tex, "\\lean{Drift.false_claim}", "\\lean{Drift.false_claim, Drift.gone}")
    _edit(main_tex, "\\begin{theorem}[Hidden gap]", "\\begin{theorem}")
    code, out, err = run(capsys, "init", str(project), "--from-blueprint", "--no-cache", "--quiet")
    assert code == 0 and out == ""
    text = (project / "appendix.toml").read_text(encoding="utf-8")
    assert 'repository = "https://github.com/example/drift"' in text.splitlines()
    assert "# Families are the blueprint's sections; entries are its nodes that name project declarations." in text
    m = load_manifest(project / "appendix.toml")
    assert [f.title for f in m.families] == ["The carrier", "Claims", "More claims"]
    by = {e.id: e for e in m.entries}
    assert by["thm-false"].lean == ("Drift.false_claim",)
    assert "# not project declarations: Drift.gone" in text.split('id = "thm-false"')[1].split("[[entries]]")[0]
    assert by["thm-hidden"].title == "Theorem thm:hidden"  # no title: the environment and label
    assert by["thm-hidden"].family == by["thm-local"].family != by["lem-base"].family
    assert not any(e.paper for e in m.entries)  # no --blueprint-url: no link back
    # the three nodes whose names are all a dependency's or stale are left out, and said so
    code, _, err = run(capsys, "init", str(project), "--from-blueprint", "--no-cache", "--force")
    assert code == 0
    assert "zerosorry init: 3 nodes left out: none of their \\lean names is a project declaration" in err.splitlines()


def test_init_from_blueprint_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    project = _copy(tmp_path)
    code, _, err = run(capsys, "init", str(project), "--from-blueprint", "--no-cache", "--blueprint", "docs/none")
    assert code == 2 and "docs/none: no blueprint there (give --blueprint DIR)" in err
    src = project / "blueprint" / "src"
    for f in src.rglob("*.tex"):
        f.write_text(f.read_text(encoding="utf-8").replace("Drift.", "Elsewhere."), encoding="utf-8")
    code, _, err = run(capsys, "init", str(project), "--from-blueprint", "--no-cache")
    assert code == 2 and "no blueprint node names a declaration of this project; nothing to write" in err
    assert not (project / "appendix.toml").exists()
    (project / "docs").mkdir()
    shutil.move(str(src), str(project / "docs" / "bp"))
    code, _, err = run(capsys, "init", str(project), "--from-blueprint", "--no-cache")
    assert code == 2 and "no blueprint there (give --blueprint DIR)" in err


def test_computed_inputs_are_not_followed_and_not_reported_missing(tmp_path: Path) -> None:
    """The reader and the paper gate share one reader of \\input arguments: a name computed by a
    macro (``#1``, ``\\dir``) is not a file to look for."""
    from zerosorry.blueprint import read_blueprint

    (tmp_path / "content.tex").write_text(
        "\\newcommand{\\inc}[1]{\\input{#1}}\n\\input{\\chapdir/x}\n\\input part\n\\input{gone}\n"
        "\\begin{lemma}\\label{a} x\\end{lemma}\n", encoding="utf-8")
    (tmp_path / "part.tex").write_text("\\begin{lemma}\\label{b} y\\end{lemma}\n", encoding="utf-8")
    bp = read_blueprint(tmp_path)
    assert [n.key for n in bp.nodes] == ["b", "a"]
    assert [(d.code, d.line, d.message) for d in bp.diagnostics] == [
        ("missing-file", 4, "\\input{gone}: no such file (gone or gone.tex in .)")]
