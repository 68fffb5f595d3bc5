"""Unit tests of the site build: the view model, rendering, safety, reproducibility, writing."""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest

from zerosorry.appendix import manifest as mf
from zerosorry.appendix.site import CSP, MARKER, SiteError, build_site, write_site
from zerosorry.appendix.view import blockers, build_view, combined_status, reachable, source_url
from zerosorry.cli import main
from zerosorry.ledger.model import EngineInfo, Ledger, Record, SourceInfo, Status
from zerosorry.scan import scan_project

from .site_support import EXAMPLE, XSS_DOC, write_xss_project

PAGES = ("index.html", "blockers.html", "declarations.html", "glossary.html", "graph.html")


def rec(name: str, status: Status = Status.PROVEN, *, uses: tuple[str, ...] = (), sorry: tuple[int, ...] = (),
        via: tuple[str, ...] = (), file: str = "A.lean", line: int = 1, doc: str | None = None) -> Record:
    return Record(name=name, kind="theorem", status=status, file=file, line=line, end_line=line + 1,
                  signature=": True", docstring=doc, uses=list(uses), sorry_lines=list(sorry), via=list(via))


def ledger_of(*records: Record, commit: str | None = "abc1234") -> Ledger:
    return Ledger(SourceInfo("/p", commit, False), "2026-01-01T00:00:00Z", EngineInfo(), list(records))


MANIFEST = """
[site]
title = "T"
paper_title = "P"
repository = "https://github.com/o/r"
source_subdir = "lean"

[[families]]
id = "f"
title = "F"
explanation = "Fam *expl*."

[[entries]]
id = "top"
lean = ["A.top"]
family = "f"
title = "Top"
statement = 'x \\le 1'
summary = "S"
why = "W"
target = "zero-sorry"

[[entries]]
id = "pair"
lean = ["A.ok", "A.axi"]
family = "f"
title = "Pair"
statement = 'y'
summary = "S"
why = "W"
target = "in-progress"
witness = "tests.test_site:_failing_witness"
"""


def _failing_witness() -> dict[str, Any]:
    return {"passed": False, "cases": 3, "max_error": 1.0, "tolerance": 0.1,
            "summary": "3 cases, max error 1 (tolerance 0.1)", "counterexample": "x = 2"}


def small() -> tuple[Ledger, mf.Manifest]:
    ledger = ledger_of(
        rec("A.hole", Status.DEFERRED, sorry=(7,), via=("A.hole",), line=5),
        rec("A.mid", Status.DEFERRED, uses=("A.hole",), via=("A.mid", "A.hole"), line=10),
        rec("A.top", Status.DEFERRED, uses=("A.mid",), via=("A.top", "A.mid", "A.hole"), line=20),
        rec("A.ok", line=30),
        rec("A.axi", Status.AXIOM, line=40),
        rec("A.other_hole", Status.DEFERRED, sorry=(50, 51), via=("A.other_hole",), line=49),
    )
    ledger.records[4].kind = "axiom"
    return ledger, mf.parse_manifest(MANIFEST, path="appendix.toml")


# ------------------------------------------------------------------------------ view model
def test_combined_status_is_the_worst() -> None:
    assert combined_status([rec("a"), rec("b", Status.AXIOM)]) is Status.AXIOM
    assert combined_status([rec("a", Status.STUB), rec("b", Status.AXIOM)]) is Status.STUB
    assert combined_status([rec("a"), rec("b", Status.DEFERRED)]) is Status.DEFERRED
    assert combined_status([rec("a")]) is Status.PROVEN


def test_source_url() -> None:
    assert source_url("https://github.com/o/r/", "c0ffee", "ex/p", "A/B.lean", 12) == \
        "https://github.com/o/r/blob/c0ffee/ex/p/A/B.lean#L12"
    assert source_url("https://github.com/o/r", None, None, "A.lean") == "https://github.com/o/r/blob/HEAD/A.lean"
    assert source_url(None, "c", None, "A.lean", 1) is None


def test_view_of_small_ledger() -> None:
    ledger, manifest = small()
    view = build_view(ledger, manifest, witness_results={"tests.test_site:_failing_witness": _failing_witness()})
    top, pair = view.entries
    assert (top.status, top.promise) == ("deferred", "broken")
    assert [s.name for s in top.decls[0].chain] == ["A.top", "A.mid", "A.hole"]
    assert top.decls[0].chain[-1].has_sorry and not top.decls[0].chain[0].has_sorry
    assert top.decls[0].source_url == "https://github.com/o/r/blob/abc1234/lean/A.lean#L20"
    assert pair.status == "axiom" and pair.promise == ""
    assert pair.witness is not None and not pair.witness.passed
    assert view.panel.entries_total == 2 and view.panel.entries_zero_sorry == 0
    assert (view.panel.entries_promised, view.panel.entries_promised_met) == (1, 0)
    assert view.panel.project_axioms == ("A.axi",)
    assert view.families[0].counts == {"proven": 0, "deferred": 1, "stub": 0, "axiom": 1}


def test_blockers_ranked_by_entries_then_declarations() -> None:
    ledger, manifest = small()
    view = build_view(ledger, manifest)
    assert [(b.name, b.entries, b.held_back) for b in view.blockers] == [
        ("A.hole", ("top",), 3),  # itself, A.mid and A.top: counted like the entries, itself included
        ("A.other_hole", (), 1),
    ]
    assert reachable(["A.top"], ledger.by_name()) == {"A.top", "A.mid", "A.hole"}
    by = ledger.by_name()
    assert blockers(ledger_of(rec("x")), {}, by, lambda f, n: None) == ()


def test_missing_declaration_is_shown_as_missing_not_proven() -> None:
    ledger, _ = small()
    m = mf.parse_manifest(MANIFEST.replace('lean = ["A.top"]', 'lean = ["A.gone"]'), path="appendix.toml")
    view = build_view(ledger, m)
    assert view.entries[0].decls[0].missing
    assert view.entries[0].status == "deferred"


# ------------------------------------------------------------------------------ build
def test_build_small_site(tmp_path: Path) -> None:
    ledger, manifest = small()
    out = tmp_path / "site"
    result = build_site(ledger, manifest, out, runner=lambda spec: _failing_witness())
    assert result.witnesses_failed == ("tests.test_site:_failing_witness",)
    for page in PAGES:
        html = (out / page).read_text(encoding="utf-8")
        assert f'<meta http-equiv="Content-Security-Policy" content="{CSP.replace(chr(39), "&#39;")}">' in html
        assert "<script>" not in html  # no inline script on any page
        assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="entry-top"' in index and 'id="family-f"' in index
    assert "witness-fail" in index and "Counterexample" in index and "x = 2" in index
    assert "promise-broken" in index
    assert 'class="katex"' in index
    assert (out / MARKER).is_file()
    assert (out / "lean_status.json").is_file() and (out / "data" / "declarations.js").is_file()
    assert not (out / "lean_status.js").exists()  # the declarations are shipped once
    # statements are MathML: no KaTeX stylesheet, font or script in the site
    assert "<math" in index and "katex-html" not in index and not (out / "static" / "katex").exists()
    blockers_html = (out / "blockers.html").read_text(encoding="utf-8")
    assert blockers_html.index("A.hole") < blockers_html.index("A.other_hole")


def test_no_request_can_leave_the_site(tmp_path: Path) -> None:
    """Every src/href that loads something points inside the site (links to the repository or
    the paper are navigation, not requests)."""
    ledger, manifest = small()
    out = tmp_path / "site"
    build_site(ledger, manifest, out, run_witnesses=False)
    for page in PAGES:
        html = (out / page).read_text(encoding="utf-8")
        for attr in re.findall(r'<(?:script|img|iframe|link)[^>]*(?:src|href)="([^"]+)"', html):
            assert not re.match(r"[a-z]+:|//", attr), (page, attr)
    for css in out.rglob("*.css"):
        for url in re.findall(r"url\(([^)]+)\)", css.read_text(encoding="utf-8")):
            assert not re.match(r"['\"]?([a-z]+:|//)", url) or url.startswith("data:"), (css, url)


def test_hostile_text_is_escaped(tmp_path: Path) -> None:
    root = write_xss_project(tmp_path / "proj")
    out = tmp_path / "site"
    build_site(scan_project(root), mf.load_manifest(root / "appendix.toml"), out)
    index = (out / "index.html").read_text(encoding="utf-8")
    glossary = (out / "glossary.html").read_text(encoding="utf-8")
    for page in (index, glossary):
        assert "<script>alert" not in page
        assert "<iframe" not in page and "<img" not in page and "<style>" not in page
        assert 'href="javascript:' not in page
    assert "Sneaky &lt;script&gt;alert(6)&lt;/script&gt;" in index
    assert "Fine: &lt;b&gt;not bold&lt;/b&gt; &amp; not markup." in index
    assert "Markdown <em>works</em>" in index
    # the JSON/JS ledger carries the docstring as data; the table writes it with textContent
    assert XSS_DOC in (out / "lean_status.json").read_text(encoding="utf-8")
    for js in ("table.js", "site.js"):
        assert re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write",
                         (out / "static" / js).read_text(encoding="utf-8")) is None


def test_latex_error_is_reported_with_the_entry(tmp_path: Path) -> None:
    ledger, _ = small()
    bad = MANIFEST.replace("statement = 'y'", "statement = '\\frac{1}{'")
    m = mf.parse_manifest(bad, path="appendix.toml")
    with pytest.raises(mf.ManifestError) as err:
        build_site(ledger, m, tmp_path / "site", run_witnesses=False)
    text = str(err.value)
    assert "entries[1].statement" in text and "entry 'pair'" in text and "LaTeX" in text
    assert not (tmp_path / "site").exists()  # nothing half-written


def test_every_manifest_problem_at_once(tmp_path: Path) -> None:
    ledger, _ = small()
    bad = MANIFEST.replace('lean = ["A.top"]', 'lean = ["A.topp"]').replace("statement = 'y'", "statement = '\\nosuchmacro'")
    m = mf.parse_manifest(bad, path="appendix.toml")
    with pytest.raises(mf.ManifestError) as err:
        build_site(ledger, m, tmp_path / "site", run_witnesses=False)
    issues = err.value.issues
    keys = [i.key for i in issues]
    assert any(k.startswith("entries[0].lean") for k in keys)
    assert "entries[1].statement" in keys
    assert any("A.top" in i.message for i in issues)  # the suggestion


def test_site_without_manifest(tmp_path: Path) -> None:
    ledger, _ = small()
    build_site(ledger, None, tmp_path / "site")
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "zerosorry init" in index
    assert 'id="filters"' not in index


def test_reproducible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert main(["site", str(EXAMPLE), "--out", str(out), "-q", "--no-cache", "--no-witnesses"]) == 0
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    assert "2023-11-14T22:13:20Z" in (a / "index.html").read_text(encoding="utf-8")


def test_write_site_refuses_a_foreign_folder_and_replaces_its_own(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    out.mkdir()
    (out / "precious.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SiteError, match="refusing to replace"):
        write_site({"index.html": b"x"}, out)
    assert (out / "precious.txt").read_text(encoding="utf-8") == "mine"
    site = tmp_path / "site"
    write_site({"index.html": b"1", "old.html": b"o", MARKER: b""}, site)
    write_site({"index.html": b"2", MARKER: b""}, site)
    assert (site / "index.html").read_bytes() == b"2"
    assert not (site / "old.html").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_failed_write_keeps_the_old_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    write_site({"index.html": b"old", MARKER: b""}, site)

    class Boom(Exception):
        pass

    real = Path.write_bytes

    def flaky(self: Path, data: bytes) -> int:
        if self.name == "zzz.html":
            raise Boom
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", flaky)
    with pytest.raises(Boom):
        write_site({"index.html": b"new", "zzz.html": b"", MARKER: b""}, site)
    assert (site / "index.html").read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


# ------------------------------------------------------------------------------ CLI
def test_cli_site_on_the_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site"
    assert main(["site", str(EXAMPLE), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}/index.html" in printed
    assert re.search(r"load-bearing results: \d+ of \d+ zero-sorry", printed)
    index = (out / "index.html").read_text(encoding="utf-8")
    manifest = mf.load_manifest(EXAMPLE / "appendix.toml")
    for e in manifest.entries:
        assert f'id="entry-{e.id}"' in index
    assert (out / "widgets" / "geometry_widgets.js").is_file()
    assert '<script src="widgets/geometry_widgets.js" defer></script>' in index
    assert index.count('data-widget="beta-slider"') >= 1


def test_cli_site_bad_manifest_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_xss_project(tmp_path / "proj")
    (root / "appendix.toml").write_text(
        (root / "appendix.toml").read_text(encoding="utf-8").replace('lean = ["Evil.honest"]', 'lean = ["Evil.honset"]'),
        encoding="utf-8")
    assert main(["site", str(root), "--out", str(tmp_path / "site")]) == 2
    err = capsys.readouterr().err
    assert "Evil.honset" in err and "Evil.honest" in err and "appendix.toml:" in err
    assert not (tmp_path / "site").exists()


def test_cli_site_refuses_foreign_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x", encoding="utf-8")
    assert main(["site", str(EXAMPLE), "--out", str(out), "-q", "--no-witnesses"]) == 2
    assert "refusing to replace" in capsys.readouterr().err
    assert main(["site", str(EXAMPLE), "--out", str(out), "-q", "--force", "--no-witnesses"]) == 0
    assert not (out / "keep.txt").exists()


def test_a_witness_that_passes_outside_its_tolerance_is_shown_failed(tmp_path: Path) -> None:
    """The card judges a witness as the gate does: `passed: True` with max error above the
    tolerance (or NaN) is a failure, never a ✓."""
    ledger, manifest = small()
    for err in (0.5, float("nan")):
        out = tmp_path / f"site-{err}"
        lying = {"passed": True, "cases": 3, "max_error": err, "tolerance": 1e-12, "summary": "3 cases"}
        result = build_site(ledger, manifest, out, runner=lambda spec, r=lying: r)  # type: ignore[misc]
        assert result.witnesses_failed == ("tests.test_site:_failing_witness",)
        index = (out / "index.html").read_text(encoding="utf-8")
        assert "witness-fail" in index and "witness-pass" not in index
        assert f"reports passed but max error {err} exceeds tolerance 1e-12" in index


def test_an_axiom_outside_allowed_axioms_is_marked_as_the_gate_would(tmp_path: Path) -> None:
    ledger, manifest = small()
    ledger.records[3].axioms = ["A.axi"]  # A.ok rests on the project axiom A.axi
    ledger.records[4].axioms = ["A.axi"]
    build_site(ledger, manifest, tmp_path / "s", runner=lambda spec: _failing_witness())
    index = (tmp_path / "s" / "index.html").read_text(encoding="utf-8")
    assert "not in allowed_axioms: the gate fails" in index
    assert "1 load-bearing result rests on a project axiom that is not in allowed_axioms" in index
    allowed = mf.parse_manifest(MANIFEST.replace('source_subdir = "lean"', 'source_subdir = "lean"\nallowed_axioms = ["A.axi"]'),
                                path="appendix.toml")
    build_site(ledger, allowed, tmp_path / "t", runner=lambda spec: _failing_witness())
    index = (tmp_path / "t" / "index.html").read_text(encoding="utf-8")
    assert "not in allowed_axioms" not in index


def test_the_site_never_replaces_the_project_or_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    proj = write_xss_project(tmp_path / "proj")
    before = sorted(p.name for p in proj.iterdir())
    # the project itself, a parent of it, the current folder: refused even with --force, exit 2
    for out in (proj, tmp_path):
        assert main(["site", str(proj), "--out", str(out), "--force", "--no-cache", "-q"]) == 2
        assert "--out" in capsys.readouterr().err
    monkeypatch.chdir(proj)
    assert main(["site", ".", "--out", ".", "--force", "--no-cache", "-q"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    # another project folder (a lakefile, .git) is not replaced either
    other = tmp_path / "other"
    (other / ".git").mkdir(parents=True)
    assert main(["site", str(proj), "--out", str(other), "--force", "--no-cache", "-q"]) == 2
    assert "looks like a project" in capsys.readouterr().err
    assert sorted(p.name for p in proj.iterdir()) == before and (other / ".git").is_dir()


def test_graph_pages_data_file_and_source_pages(tmp_path: Path) -> None:
    ledger, manifest = small()
    out = tmp_path / "site"
    sources = {"A.lean": "\n".join(f"-- line {i}" for i in range(1, 60)) + "\n"}
    build_site(ledger, manifest, out, run_witnesses=False, sources=sources)
    graph = (out / "graph.html").read_text(encoding="utf-8")
    drawn = set(re.findall(r'data-id="decl:([^"]+)" data-status="(\w+)"', graph))
    assert drawn and drawn <= {(r.name, r.status.value) for r in ledger.records}
    assert 'href="index.html#entry-top"' in graph
    grouped = (out / "graph-file.html").read_text(encoding="utf-8")
    assert re.findall(r'class="g-group" data-group="([^"]+)"', grouped) == ["A.lean"]
    assert 'data-group="A"' in (out / "graph-namespace.html").read_text(encoding="utf-8")
    # the cards link their file:line to the site's own page of the file, which has the line
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="source/A.lean.html#L20"' in index and "github.com" not in index
    page = (out / "source" / "A.lean.html").read_text(encoding="utf-8")
    assert '<span class="line" id="L20">' in page and "-- line 20" in page
    assert 'href="https://github.com/o/r/blob/abc1234/lean/A.lean"' in page  # the repository, at the commit
    assert 'href="../static/site.css"' in page
    data = (out / "data" / "declarations.js").read_text(encoding="utf-8")
    assert data.startswith("window.ZEROSORRY_DECLS = ") and '"A.hole"' in data


def test_the_data_is_split_with_a_small_first_file() -> None:
    from zerosorry.appendix.pages import declarations_files, unpack_part

    records = [Record(f"N.d{i:02d}", "theorem", Status.PROVEN, f"F{i // 7}.lean", 1 + i % 7, 2 + i % 7, "", None)
               for i in range(23)]
    out = declarations_files(Ledger(SourceInfo("/p"), "2026-01-01T00:00:00Z", EngineInfo(), records),
                             shard=10, first=3)
    head = json.loads(out["data/declarations.js"].decode().removeprefix("window.ZEROSORRY_DECLS = ").rstrip().rstrip(";"))
    assert head["total"] == 23 and len(head["rows"]) == 3
    files = sorted({r.file for r in records})
    assert head["files"] == ["F0.lean"]  # the first file names only the files its rows are in
    assert head["parts"] == ["data/declarations-1.js", "data/declarations-2.js"]
    rows = list(head["rows"])
    for k, name in enumerate(head["parts"], start=1):
        text = out[name].decode()
        prefix = f'(window.ZEROSORRY_DECLS_PARTS = window.ZEROSORRY_DECLS_PARTS || {{}})[{k}] = "'
        assert text.startswith(prefix) and text.endswith('";\n')
        packed = text.removeprefix(prefix).removesuffix('";\n')
        assert re.fullmatch(r"[A-Za-z0-9+/]+=*", packed)  # base64: nothing to escape in a JS string
        part = unpack_part(text)
        assert part == json.loads(gzip.decompress(base64.b64decode(packed)))
        # a part names the files its rows are in, from the base-th on
        for row in part["rows"]:
            assert part["files"][row[3] - part["base"]] == files[row[3]]
        rows += part["rows"]
        assert len(rows) == 3 + 10 * k  # each part: shard rows
    assert [r[0] for r in rows] == [r.name for r in sorted(records, key=lambda r: (r.file, r.line, r.name))]
    assert [files[r[3]] for r in rows] == [r.file for r in sorted(records, key=lambda r: (r.file, r.line, r.name))]


def test_the_table_s_first_page_links_as_the_script_does() -> None:
    """The rows declarations.html carries: file order, the page's size, and links encoded as
    encodeURIComponent encodes each path segment (to the source page, else the repository)."""
    from zerosorry.appendix.pages import first_page

    records = [Record(f"N.d{i}", "theorem", Status.PROVEN, "B/it's (x) #1.lean" if i % 2 else "A/a b.lean",
                      i, i + 1, "", "**Bold** first line.\n\nSecond paragraph." if i == 0 else None)
               for i in range(5)]
    ledger = Ledger(SourceInfo("/p"), "2026-01-01T00:00:00Z", EngineInfo(), records)
    local = first_page(ledger, local=True, base=None, size=3)
    assert [r.name for r in local] == ["N.d0", "N.d2", "N.d4"]  # by file, then line
    assert local[0].href == "source/A/a%20b.lean.html#L0" and local[0].desc == "Bold first line."
    remote = first_page(ledger, local=False, base="https://h/r/blob/c/", size=5)
    assert remote[3].href == "https://h/r/blob/c/B/it's%20(x)%20%231.lean#L1" and remote[3].where == "B/it's (x) #1.lean:1"
    assert first_page(ledger, local=False, base=None)[0].href is None
