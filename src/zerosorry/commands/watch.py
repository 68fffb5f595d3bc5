"""``zerosorry watch PATH [--site DIR] [--port N]``: keep the scan in memory, re-scan on save,
print each status change; with ``--site``, keep a site up to date and serve it on localhost."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import FrameType

from ..errors import InputError
from ..ledger.io import LedgerError
from ..ledger.model import Ledger
from ._common import add_scan_options, gate_manifest

NAME = "watch"
HELP = ("keep the scan in memory, re-scan on every save and print each status change; "
        "--site also serves a live site on localhost")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_scan_options(p, engine=False)
    p.add_argument("--site", type=Path, default=None, metavar="DIR",
                   help="keep the appendix site in DIR up to date and serve it on 127.0.0.1")
    p.add_argument("--port", type=int, default=8000,
                   help="the site's port on 127.0.0.1 (default 8000; 0 picks a free one)")
    p.add_argument("--manifest", type=Path, default=None,
                   help="the author's manifest (default: PATH/appendix.toml if it exists)")
    p.add_argument("--no-witnesses", action="store_true",
                   help="do not run the manifest's numeric witnesses (--site)")
    p.add_argument("--force", action="store_true",
                   help="replace --site DIR even if it is a non-empty folder zerosorry did not write")


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Ctrl-C during a refresh or a site write takes effect once it is done, so an interrupt
    never leaves a file half-written (every file is also replaced atomically)."""
    caught: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)

    try:
        old = signal.signal(signal.SIGINT, note)
    except ValueError:  # not the main thread: nothing to defer
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
    if caught:
        raise KeyboardInterrupt


class _Site:
    """The live site: rendered again after each refresh, written where it changed, served."""

    def __init__(self, args: argparse.Namespace, ledger: Ledger) -> None:
        from ..appendix import manifest as mf
        from ..appendix.pages import Highlighted
        from ..appendix.serve import LiveServer
        from ..appendix.site import history_counts_svg, prepare, write_site

        self.out: Path = args.site
        self.root: Path = args.path
        # the source pages: each file's text, read again (and highlighted again) only when it changed
        self.sources: dict[str, str | None] = {}
        self.highlighted = Highlighted()
        path = args.manifest
        if path is None and (args.path / "appendix.toml").is_file():
            path = args.path / "appendix.toml"
        self.manifest = mf.load_manifest(path) if path is not None else None
        self.svg = history_counts_svg(args.path / ".zerosorry" / "history.sqlite3", title="Burn-down")
        # the witnesses run once, at the start (they test numbers, not the edited proofs)
        self.witnesses = dict(prepare(ledger, self.manifest,
                                      run_witnesses=not args.no_witnesses).witness_results)
        self.files = self._render(ledger)
        write_site(self.files, self.out, force=args.force)
        try:
            self.server = LiveServer(self.out, args.port)
        except OSError as exc:
            raise InputError(f"--port {args.port}: cannot serve on 127.0.0.1: {exc.strerror or exc}") from exc
        self.server.start()

    def _render(self, ledger: Ledger, changed: Iterable[Path] = ()) -> dict[str, bytes]:
        from ..appendix.site import prepare, read_sources, render_site

        root = self.root.resolve()
        for path in changed:
            if path.resolve().is_relative_to(root):
                self.sources.pop(path.resolve().relative_to(root).as_posix(), None)
        self.sources = read_sources(self.root, ledger, known=self.sources)
        prepared = prepare(ledger, self.manifest, run_witnesses=False)
        prepared.witness_results = dict(self.witnesses)
        files, _ = render_site(ledger, self.manifest, prepared, history_svg=self.svg, sources=self.sources,
                               highlighted=self.highlighted)
        return files

    def refresh(self, ledger: Ledger, reload: bool, changed: Iterable[Path] = ()) -> int:
        """Render the site again (``changed``: the files saved since the last render) and write
        what differs."""
        from ..appendix.serve import update_site

        files = self._render(ledger, changed)
        n = update_site(self.out, self.files, files)
        self.files = files
        if reload and n:
            self.server.bump()
        return n

    def stop(self) -> None:
        self.server.stop()


def run(args: argparse.Namespace) -> int:
    from watchfiles import watch

    from ..live import Session

    if not args.path.is_dir():
        raise InputError(f"{args.path}: no such folder")
    if args.site is not None:
        project = args.path.resolve()
        if project == args.site.resolve() or project.is_relative_to(args.site.resolve()):
            raise InputError(f"--site {args.site}: that is the project folder (or holds it); give the "
                             "site a folder of its own, like site/")
    t0 = time.perf_counter()
    session = Session(args.path, cache_dir=args.cache_dir, use_cache=not args.no_cache, jobs=args.jobs,
                      manifest=gate_manifest(args))
    site = None
    try:
        ledger = session.ledger
        counts = ", ".join(f"{n} {s}" for s, n in ledger.status_counts().items())
        if args.site is not None:
            site = _Site(args, ledger)
        print(f"watching {args.path}: {len(ledger.records)} declarations ({counts}), scanned in "
              f"{time.perf_counter() - t0:.1f} s; Ctrl-C stops", flush=True)
        if site is not None:
            print(f"site: {site.server.url} (from {args.site}; reloads when a status changes)", flush=True)
        for changes in watch(args.path, watch_filter=lambda _c, p: session.relevant(Path(p)),
                             step=20, debounce=1600):
            with _interrupts_deferred():
                start = time.perf_counter()
                paths = [Path(p) for _, p in changes]
                try:
                    result = session.refresh(paths)
                except (InputError, LedgerError, OSError) as exc:
                    print(f"zerosorry watch: error: {exc}", file=sys.stderr, flush=True)
                    continue
                for change in result.changes:
                    print(change.text(), flush=True)
                took = (time.perf_counter() - start) * 1000
                if not args.quiet:
                    print(f"  re-scanned in {took:.0f} ms: {result.parsed_files} file(s) parsed, "
                          f"{result.resolved_files} resolved, {result.rederived} declaration(s) derived",
                          file=sys.stderr, flush=True)
                if site is not None:
                    try:
                        site.refresh(session.ledger, reload=bool(result.changes), changed=paths)
                    except Exception as exc:  # a manifest that no longer fits: keep the old site
                        print(f"zerosorry watch: site not updated: {exc}", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        if site is not None:
            site.stop()
        session.close()
    print("stopped", flush=True)
    return 0
