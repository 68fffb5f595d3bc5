"""Helpers shared by the site tests: small Lean projects, builds, and a local HTTP server."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "moe-gauge"

XSS_DOC = "<script>alert(1)</script>"
XSS_LEAN = f"""namespace Evil

/-- {XSS_DOC} -/
theorem sneaky : 1 + 1 = 2 := by
  sorry

/-- Fine: <b>not bold</b> & not markup. -/
theorem uses_sneaky : 1 + 1 = 2 := sneaky

theorem honest : 2 = 2 := rfl

theorem «a b» : 3 = 3 := rfl

end Evil
"""

XSS_MANIFEST = """
[site]
title = "Evil <script>alert(2)</script> appendix"
paper_title = "A paper with <img src=x onerror=alert(3)> in its title"

[[families]]
id = "evil"
title = "Evil <em>family</em>"
explanation = "Markdown *works*; raw <script>alert(4)</script> does not; [a link](javascript:alert(5))."

[[entries]]
id = "sneaky"
lean = ["Evil.uses_sneaky"]
family = "evil"
title = "Sneaky <script>alert(6)</script>"
statement = '1 + 1 = 2'
summary = "Summary with <iframe src='https://example.com'></iframe> inside."
why = "Why: <style>body{display:none}</style>"
target = "in-progress"

[[entries]]
id = "honest"
lean = ["Evil.honest"]
family = "evil"
title = "Honest"
statement = '2 = 2'
summary = "Plain."
why = "Because."
target = "zero-sorry"

[[entries]]
id = "spaced"
lean = ["Evil.a b"]
family = "evil"
title = "A name with a space"
statement = '3 = 3'
summary = "Lean names may hold spaces inside «»."
why = "The page must not split them."
target = "zero-sorry"

[[glossary]]
term = "sorry <script>"
definition = "A hole."
"""


def write_xss_project(root: Path) -> Path:
    (root / "Evil").mkdir(parents=True)
    (root / "lakefile.toml").write_text('name = "Evil"\n\n[[lean_lib]]\nname = "Evil"\n', encoding="utf-8")
    (root / "Evil.lean").write_text("import Evil.Basic\n", encoding="utf-8")
    (root / "Evil" / "Basic.lean").write_text(XSS_LEAN, encoding="utf-8")
    (root / "appendix.toml").write_text(XSS_MANIFEST, encoding="utf-8")
    return root


def ledger_json(site: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((site / "lean_status.json").read_text(encoding="utf-8"))
    return data


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, extra_headers: Mapping[str, str], **kwargs: Any) -> None:
        self.extra_headers = extra_headers  # before super(): it handles the request
        super().__init__(*args, **kwargs)

    def end_headers(self) -> None:
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(folder: Path, headers: Mapping[str, str] | None = None) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) for the duration of the block, with
    ``headers`` on every response."""
    handler = partial(_QuietHandler, directory=str(folder), extra_headers=dict(headers or {}))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
