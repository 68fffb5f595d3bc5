"""``zerosorry watch``, run as the user runs it: edits, new, deleted and renamed files, a
briefly half-written file, the live site, and Ctrl-C."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

MANIFEST = """[site]
title = "watch demo"
paper_title = "A demo"

[[families]]
id = "demo"
title = "Demo"
explanation = "Demo family."

[[entries]]
id = "main-result"
lean = ["top"]
family = "demo"
title = "Top"
statement = 'n = n'
summary = "The result."
why = "It is load-bearing."
target = "zero-sorry"
"""


class Watch:
    def __init__(self, root: Path, *extra: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "zerosorry", "watch", str(root), *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, pred: Callable[[str], bool], what: str, timeout: float = 30) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.proc.poll() is None, f"watch exited: {self.proc.stderr.read() if self.proc.stderr else ''}"
                continue
            self.seen.append(line)
            if pred(line):
                return line
        raise AssertionError(f"no line {what} within {timeout} s; saw {self.seen}")

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        self.reader.join(timeout=10)
        rest = []
        while not self.lines.empty():
            rest.append(self.lines.get())
        self.close()
        return self.proc.returncode, "\n".join(rest)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=20)
        self.reader.join(timeout=10)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "P").mkdir(parents=True)
    (root / "lakefile.toml").write_text('name = "p"\n\n[[lean_lib]]\nname = "P"\n', encoding="utf-8")
    (root / "P" / "A.lean").write_text("theorem gap : 1 = 1 := by\n  sorry\n", encoding="utf-8")
    (root / "P" / "B.lean").write_text("import P.A\n\ntheorem top : 1 = 1 := by\n  have h := gap\n  rfl\n",
                                       encoding="utf-8")
    (root / "appendix.toml").write_text(MANIFEST, encoding="utf-8")
    return root


@pytest.fixture
def watching(project: Path, tmp_path: Path) -> Iterator[Watch]:
    w = Watch(project, "--cache-dir", str(tmp_path / "cache"))
    w.expect(lambda s: s.startswith("watching"), "saying it watches")
    time.sleep(0.5)  # the watcher is set up right after the first line
    yield w
    w.close()


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as r:
        data: bytes = r.read()
        return data


def change(name: str, before: str, after: str) -> Callable[[str], bool]:
    return lambda s: s.startswith(f"{name}: {before} -> {after}")


def test_watch_reports_edits_new_deleted_and_renamed_files(project: Path, watching: Watch) -> None:
    a = project / "P" / "A.lean"
    # an edit: the sorry goes, and the load-bearing top with it
    a.write_text("theorem gap : 1 = 1 := by\n  rfl\n", encoding="utf-8")
    watching.expect(change("gap", "deferred", "proven"), "gap proven")
    watching.expect(change("top", "deferred", "proven"), "top proven")
    # an edit back: top is held back again, and the line says which entry it holds back
    a.write_text("theorem gap : 1 = 1 := by\n  sorry\n", encoding="utf-8")
    line = watching.expect(change("gap", "proven", "deferred"), "gap deferred")
    assert line.endswith("holds back: main-result")
    watching.expect(change("top", "proven", "deferred"), "top deferred")
    # a new file
    (project / "P" / "C.lean").write_text("theorem extra : 2 = 2 := by\n  sorry\n", encoding="utf-8")
    watching.expect(change("extra", "new", "deferred"), "the new declaration")
    # a rename: the declaration moves with its file (no status change), and the new path is
    # the one watched from then on
    (project / "P" / "C.lean").rename(project / "P" / "D.lean")
    time.sleep(1.0)
    (project / "P" / "D.lean").write_text("theorem extra : 2 = 2 := by\n  rfl\n", encoding="utf-8")
    line = watching.expect(change("extra", "deferred", "proven"), "the renamed file's edit")
    assert "P/D.lean:1" in line
    assert not any(s.startswith("extra: deferred -> removed") for s in watching.seen)
    # a deleted file
    (project / "P" / "D.lean").unlink()
    watching.expect(change("extra", "proven", "removed"), "the deleted declaration")
    code, rest = watching.stop()
    assert code == 0 and "stopped" in rest


def test_watch_survives_a_half_written_file(project: Path, watching: Watch) -> None:
    b = project / "P" / "B.lean"
    full = "import P.A\n\ntheorem top : 1 = 1 := by\n  have h := gap\n  rfl\n\ntheorem more : 3 = 3 := by\n  sorry\n"
    with b.open("w", encoding="utf-8") as fh:  # an editor that writes in two goes
        fh.write(full[:40])  # cut inside `theorem top`, in the middle of a line
        fh.flush()
        time.sleep(0.6)
        fh.write(full[40:])
    watching.expect(change("more", "new", "deferred"), "the declaration of the finished file")
    time.sleep(1.0)
    assert watching.proc.poll() is None
    # the state is the finished file's, whatever was printed in between
    b.write_text(full.replace("  sorry\n", "  rfl\n"), encoding="utf-8")
    watching.expect(change("more", "deferred", "proven"), "the next edit")
    code, _ = watching.stop()
    assert code == 0


def test_watch_site_is_served_on_localhost_and_reloads(project: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    w = Watch(project, "--site", str(site), "--port", "0", "--no-witnesses", "--cache-dir", str(tmp_path / "c"))
    try:
        w.expect(lambda s: s.startswith("watching"), "saying it watches")
        url = re.search(r"http://127\.0\.0\.1:\d+/", w.expect(lambda s: s.startswith("site:"), "the site"))
        assert url is not None
        page = get(url.group(0)).decode()
        assert '<script src="/__zerosorry/live.js"></script>' in page
        assert "script-src &#39;self&#39;" in page  # the site's own policy, untouched
        assert "/__zerosorry/" not in (site / "index.html").read_text(encoding="utf-8")  # served only
        js = get(url.group(0) + "__zerosorry/live.js").decode()
        assert "location.reload()" in js

        def version() -> int:
            data = json.loads(get(url.group(0) + "__zerosorry/version"))
            return int(data["version"])

        # the live site has the source pages, and its file:line links go there
        a_page = site / "source" / "P" / "A.lean.html"
        assert re.search(r"(?<!zero)sorry", a_page.read_text(encoding="utf-8"))
        assert 'href="source/P/B.lean.html#L3"' in page
        v0 = version()
        time.sleep(0.5)
        (project / "P" / "A.lean").write_text("theorem gap : 1 = 1 := by\n  rfl\n", encoding="utf-8")
        w.expect(change("top", "deferred", "proven"), "top proven")
        end = time.monotonic() + 20
        while version() == v0 and time.monotonic() < end:
            time.sleep(0.1)
        assert version() > v0
        ledger = json.loads((site / "lean_status.json").read_text(encoding="utf-8"))
        assert {d["name"]: d["status"] for d in ledger["declarations"]}["top"] == "proven"
        a_text = a_page.read_text(encoding="utf-8")
        assert "rfl" in a_text and not re.search(r"(?<!zero)sorry", a_text)  # it follows the saved file
    finally:
        code, _ = w.stop()
        w.close()
    assert code == 0
    assert not [p for p in site.rglob("*") if p.name.endswith(".tmp")]  # nothing half-written


def test_the_live_site_highlights_again_only_the_changed_file(project: Path) -> None:
    from zerosorry.appendix.pages import Highlighted
    from zerosorry.appendix.site import prepare, read_sources, render_site
    from zerosorry.scan import scan_project

    highlighted = Highlighted()

    def render() -> dict[str, bytes]:
        ledger = scan_project(project, use_cache=False)
        sources = read_sources(project, ledger)
        files, _ = render_site(ledger, None, prepare(ledger, None, run_witnesses=False), sources=sources,
                               highlighted=highlighted)
        return files

    first = render()
    assert sorted(highlighted.highlighted) == ["P/A.lean", "P/B.lean"]
    (project / "P" / "A.lean").write_text("theorem gap : 1 = 1 := by\n  rfl\n", encoding="utf-8")
    second = render()
    assert highlighted.highlighted == ["P/A.lean"]  # B's text is the same: its highlighting is kept
    assert b"rfl" in second["source/P/A.lean.html"] and re.search(rb"(?<!zero)sorry", first["source/P/A.lean.html"])
    # B's page is rendered again all the same (the status of its declarations changed) ...
    assert second["source/P/B.lean.html"] != first["source/P/B.lean.html"]
    # ... and is what a fresh render makes
    ledger = scan_project(project, use_cache=False)
    fresh, _ = render_site(ledger, None, prepare(ledger, None, run_witnesses=False),
                           sources=read_sources(project, ledger))
    assert second["source/P/B.lean.html"] == fresh["source/P/B.lean.html"]
