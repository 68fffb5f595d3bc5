"""A live site for ``zerosorry watch --site``: kept up to date file by file, served on
localhost only, and an open page reloads itself when a status changes.

The pages on disk stay exactly what ``zerosorry site`` writes.  The server adds one line to
each HTML page it serves, ``<script src="/__zerosorry/live.js">``: a same-origin script (the
site's policy allows scripts from 'self' only, and fetches from 'self') that polls
``/__zerosorry/version`` and reloads the page when the number there moves on.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Mapping
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..ledger.io import atomic_write_bytes

LIVE_SCRIPT = b"""// zerosorry watch: reload this page when a declaration's status changes
(function () {
  var seen = null;
  function poll() {
    fetch("/__zerosorry/version", {cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (v) {
        if (seen === null) { seen = v.version; }
        else if (v.version !== seen) { location.reload(); return; }
        setTimeout(poll, 500);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
"""
TAG = b'<script src="/__zerosorry/live.js"></script>'


def update_site(out: Path, old: Mapping[str, bytes], new: Mapping[str, bytes]) -> int:
    """Write the files of ``new`` that differ from ``old`` (each atomically) and delete the
    ones that are gone; returns how many files changed."""
    changed = 0
    for rel, data in sorted(new.items()):
        if old.get(rel) != data:
            atomic_write_bytes(out / rel, data, durable=False)
            changed += 1
    for rel in sorted(set(old) - set(new)):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(out / rel)
        changed += 1
    return changed


class LiveServer:
    """The site folder, served on 127.0.0.1 from a background thread."""

    def __init__(self, directory: Path, port: int) -> None:
        self.version = 0
        handler = partial(_Handler, directory=str(directory), live=self)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="zerosorry-site", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> None:
        self.thread.start()

    def bump(self) -> None:
        """Tell open pages to reload."""
        self.version += 1

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, live: LiveServer, **kwargs: Any) -> None:
        self.live = live
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the terminal shows changes
        return

    def _send(self, body: bytes, ctype: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == "/__zerosorry/live.js":
            return self._send(LIVE_SCRIPT, "text/javascript; charset=utf-8")
        if path == "/__zerosorry/version":
            return self._send(json.dumps({"version": self.live.version}).encode(), "application/json")
        local = Path(self.translate_path(path))
        if local.is_dir():
            local = local / "index.html"
        if local.suffix == ".html" and local.is_file():
            try:
                html = local.read_bytes()
            except OSError:
                self.send_error(HTTPStatus.NOT_FOUND)
                return None
            head, sep, tail = html.rpartition(b"</body>")
            body = head + TAG + sep + tail if sep else html + TAG
            return self._send(body, "text/html; charset=utf-8")
        return super().do_GET()
