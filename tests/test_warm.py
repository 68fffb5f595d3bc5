"""The warm re-scan (zerosorry.warm): a scan through the stored state gives, after any sequence of
edits, the ledger a full scan gives, byte for byte; a stale, corrupt or foreign state is
ignored (the scan runs in full and stores a new one)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings

from zerosorry import warm
from zerosorry.cli import main
from zerosorry.ledger import io
from zerosorry.ledger.model import Ledger
from zerosorry.scan import ParseCache, discover, load_config, read_files, scan_files

from .strategies import project_edits
from .test_live import File, apply, render, start


def full(root: Path, like: Ledger) -> Ledger:
    paths, diags = discover(root)
    files, more = read_files(root, paths)
    return scan_files(files, source=like.source, generated=like.generated, diagnostics=diags + more,
                      config=load_config(root))


class Clock:
    """Gives every written file a modification time of its own, well in the past: the state's
    size-and-times check then decides alone (no file is recent enough to be compared by content;
    see :func:`_scans_run_later` for the change time, which only the system sets)."""

    def __init__(self) -> None:
        self.t = 1_600_000_000 * 10**9

    def stamp(self, root: Path) -> None:
        for p in sorted(root.rglob("*.lean")) + sorted(root.glob("lakefile.*")):
            if os.stat(p).st_mtime_ns > self.t:  # written since the last stamp
                self.t += 10**9
                os.utime(p, ns=(self.t, self.t))


@pytest.fixture(autouse=True)
def _scans_run_later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file's times as read are taken ten seconds on (as if each scan ran well after the
    writes before it): a file's change time, which the :class:`Clock` cannot set back, is then
    not within a second of its read, and a file counts as changed by its size and times alone
    (the tests that mean a file to be compared by content set its stored times themselves)."""
    from types import SimpleNamespace

    from zerosorry import live

    real = live.time.time_ns
    monkeypatch.setattr(live, "time", SimpleNamespace(time_ns=lambda: real() + 10 * warm.RACY_NS))


def make_project(root: Path, clock: Clock) -> dict[int, File]:
    (root / "P").mkdir()
    (root / "lakefile.toml").write_text('name = "p"\n\n[[lean_lib]]\nname = "P"\n', encoding="utf-8")
    model = start()
    for i, f in model.items():
        (root / "P" / f"F{i}.lean").write_text(render(f), encoding="utf-8")
    clock.stamp(root)
    return model


def warm_equals_full(root: Path, cache: Path) -> Ledger:
    """A warm scan in a fresh state (loaded from disk, as a new process would) and its ledger as
    written through the line memo: both equal to a full scan's."""
    ledger, memo = warm.scan(root, cache)
    expected = io.dumps(full(root, ledger))
    assert io.dumps(ledger) == expected
    io.write(ledger, cache / "out.json", memo=memo)
    assert (cache / "out.json").read_text(encoding="utf-8") == expected
    return ledger


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=project_edits())
# proof edits only: each warm scan starts from the state the first one stored, the edits since piling up
@example(edits=[("sorry", 0, 1), ("sorry", 2, 0), ("sorry", 0, 0), ("sorry", 0, 1)])
# a macro turned into sorry (the files using it are re-derived), a name added that others then resolve to
@example(edits=[("macro", 0, True), ("add", 2, "g.f", ["cheat", "h.a"], False, "theorem"), ("sorry", 0, 1),
                ("add", 1, "b", [], True, "theorem"), ("remove", 1, 2)])
# files created, renamed and deleted; an import and an `open` changed
@example(edits=[("new_file", 4), ("import", 4, 0), ("add", 4, "Foo.a", ["b"], True, "lemma"), ("rename_file", 4, 3),
                ("open", 2, "Foo"), ("delete_file", 1), ("sorry", 3, 0)])
def test_warm_scan_equals_full_after_random_edits(edits: list[tuple[Any, ...]]) -> None:
    root = Path(tempfile.mkdtemp(prefix="zerosorry-warm-"))
    cache = Path(tempfile.mkdtemp(prefix="zerosorry-warm-cache-"))
    try:
        clock = Clock()
        model = make_project(root, clock)
        warm_equals_full(root, cache)
        for op in edits:
            apply(root, model, op)
            clock.stamp(root)
            if not any(root.glob("P/*.lean")):
                break
            warm_equals_full(root, cache)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)


@pytest.mark.parametrize("racy", [True, False])
def test_a_file_saved_within_the_clock_s_tick_is_compared_by_content(tmp_path: Path, racy: bool) -> None:
    """A file saved again with the same size and times (the file system's clock did not move
    between two saves) looks unchanged; when it was recent as it was read, it is read again and
    the edit is seen.  (Without that rule the scan is stale: the control case.)"""
    from zerosorry.live import file_stat

    root, cache = tmp_path / "p", tmp_path / "cache"
    root.mkdir()
    model = make_project(root, Clock())
    target = root / "P" / "F0.lean"
    target.write_text(render(model[0]) + "-- paddi\n", encoding="utf-8")
    warm_equals_full(root, cache)
    model[0].decls[1].sorry = False  # `b` proven: `rfl` for `sorry`
    target.write_text(render(model[0]) + "-- padding\n", encoding="utf-8")  # as long as before
    path = _state(cache, root)
    session = warm.load(path, root, None)
    assert session is not None
    now = file_stat(target)
    assert now is not None
    # as if the state had been taken right after this save, within one tick of the clock
    session.stats["P/F0.lean"] = (*now[:4], now[1] + (warm.RACY_NS // 2 if racy else 10 * warm.RACY_NS))
    warm.save(session, path)
    ledger, _ = warm.scan(root, cache)
    stale = {r.name: r.status.value for r in ledger.records}["b"] == "deferred"
    assert stale is not racy
    if racy:
        assert io.dumps(ledger) == io.dumps(full(root, ledger))


def test_a_file_saved_with_its_modification_time_set_back_is_compared_by_content(tmp_path: Path) -> None:
    """A writer that sets the modification time back (`cp -p`, `tar x`, `rsync -t`) leaves only
    the change time recent: a file changed within one tick of the clock as it was read is
    compared by content when either time is that recent (the state's size-and-times check
    cannot tell the two saves apart)."""
    from zerosorry.live import file_stat

    root, cache = tmp_path / "p", tmp_path / "cache"
    root.mkdir()
    model = make_project(root, Clock())
    target = root / "P" / "F0.lean"
    model[0].decls[1].sorry = False  # `b` proven
    target.write_text(render(model[0]) + "-- padding\n", encoding="utf-8")
    os.utime(target, ns=(10**18, 10**18))
    warm_equals_full(root, cache)
    model[0].decls[1].sorry = True  # `sorry` for `rfl`: unseen, `b` would stay (falsely) proven
    target.write_text(render(model[0]) + "-- paddi\n", encoding="utf-8")  # as long as before
    os.utime(target, ns=(10**18, 10**18))  # the modification time set back, as before
    path = _state(cache, root)
    session = warm.load(path, root, None)
    assert session is not None
    now = file_stat(target)
    assert now is not None and now[1] + 10 * warm.RACY_NS < now[3]
    # as if the state had been taken right after this save, within one tick of the clock
    session.stats["P/F0.lean"] = (*now[:4], now[3] + warm.RACY_NS // 2)
    warm.save(session, path)
    ledger, _ = warm.scan(root, cache)
    assert {r.name: r.status.value for r in ledger.records}["b"] == "deferred"
    assert io.dumps(ledger) == io.dumps(full(root, ledger))


def _state(cache: Path, root: Path) -> Path:
    path = warm.state_path(cache, root)
    assert path.is_file()
    return path


def _flip(data: bytes) -> bytes:
    i = len(data) - 100
    return data[:i] + bytes([data[i] ^ 0x5A]) + data[i + 1 :]


@pytest.mark.parametrize("spoil", [
    pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
    pytest.param(_flip, id="a byte flipped"),
    pytest.param(lambda data: b"not a state at all", id="garbage"),
    pytest.param(lambda data: b"", id="empty"),
    pytest.param(lambda data: data.replace(warm.tool_key(), b"0" * len(warm.tool_key()), 1), id="another build"),
])
def test_a_spoiled_state_is_ignored_and_replaced(tmp_path: Path, spoil: Any) -> None:
    root, cache = tmp_path / "p", tmp_path / "cache"
    root.mkdir()
    model = make_project(root, Clock())
    warm_equals_full(root, cache)
    path = _state(cache, root)
    path.write_bytes(spoil(path.read_bytes()))
    model[2].decls[0].sorry = True  # an edit the spoiled state knows nothing of
    (root / "P" / "F2.lean").write_text(render(model[2]), encoding="utf-8")
    assert warm.load(path, root, None) is None
    warm_equals_full(root, cache)
    assert warm.load(_state(cache, root), root, None) is not None  # written again


def test_a_state_that_unpickles_but_is_not_a_session_is_ignored(tmp_path: Path) -> None:
    import pickle

    root, cache = tmp_path / "p", tmp_path / "cache"
    root.mkdir()
    make_project(root, Clock())
    path = warm.state_path(cache, root)
    _write_state(path, root, pickle.dumps({"root": root}))
    assert warm.load(path, root, None) is None
    warm_equals_full(root, cache)


def _write_state(path: Path, root: Path, payload: bytes, *, extra: bytes = b"") -> None:
    import zlib

    head = warm._header(root) + zlib.crc32(payload).to_bytes(4, "little") + len(payload).to_bytes(8, "little")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(head + payload + extra)


def test_a_state_naming_a_class_outside_zerosorry_is_never_called(tmp_path: Path) -> None:
    """The payload is unpickled as it is read (its sum checked after): one that names a
    function outside the state's modules is refused before anything is called."""
    import pickle

    root, cache = tmp_path / "p", tmp_path / "cache"
    root.mkdir()
    make_project(root, Clock())
    marker = tmp_path / "called"
    payload = pickle.dumps({"root": root, "x": _Call(str(marker))})
    path = warm.state_path(cache, root)
    _write_state(path, root, payload)
    assert warm.load(path, root, None) is None
    assert not marker.exists()
    warm_equals_full(root, cache)


class _Call:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        import pathlib

        return pathlib.Path.touch, (pathlib.Path(self.path),)


def test_a_state_longer_than_its_header_says_is_ignored(tmp_path: Path) -> None:
    root, cache = tmp_path / "p", tmp_path / "cache"
    root.mkdir()
    make_project(root, Clock())
    warm_equals_full(root, cache)
    path = _state(cache, root)
    head = len(warm._header(root)) + 12
    data = path.read_bytes()
    _write_state(path, root, data[head:], extra=b"\x00")
    assert warm.load(path, root, None) is None
    _write_state(path, root, data[head:])  # the same payload, exactly: read again
    assert warm.load(path, root, None) is not None


def test_another_project_s_state_is_never_read(tmp_path: Path) -> None:
    """The state names its project: one copied over another project's is stale."""
    a, b, cache = tmp_path / "a", tmp_path / "b", tmp_path / "cache"
    a.mkdir()
    b.mkdir()
    make_project(a, Clock())
    model = make_project(b, Clock())
    model[0].decls[1].sorry = False
    (b / "P" / "F0.lean").write_text(render(model[0]), encoding="utf-8")
    warm_equals_full(a, cache)
    shutil.copy(_state(cache, a), warm.state_path(cache, b))
    assert warm.load(warm.state_path(cache, b), b, None) is None
    warm_equals_full(b, cache)


def test_a_new_build_of_zerosorry_makes_the_state_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache = tmp_path / "p", tmp_path / "cache"
    root.mkdir()
    make_project(root, Clock())
    warm_equals_full(root, cache)
    assert warm.load(_state(cache, root), root, None) is not None
    monkeypatch.setattr(warm, "tool_key", lambda: b"f" * 32)
    assert warm.load(_state(cache, root), root, None) is None


def test_zerosorry_toml_and_lakefile_changes_are_followed(tmp_path: Path) -> None:
    root, cache = tmp_path / "p", tmp_path / "cache"
    root.mkdir()
    clock = Clock()
    make_project(root, clock)
    (root / "Q").mkdir()
    (root / "Q" / "Extra.lean").write_text("theorem q : 1 = 1 := sorry\n", encoding="utf-8")
    clock.stamp(root)
    warm_equals_full(root, cache)
    (root / "lakefile.toml").write_text('name = "p"\n\n[[lean_lib]]\nname = "P"\n\n[[lean_lib]]\nname = "Q"\n',
                                        encoding="utf-8")
    clock.stamp(root)
    assert "q" in {r.name for r in warm_equals_full(root, cache).records}
    (root / "zerosorry.toml").write_text('[scan]\nexclude = ["Q/**"]\n', encoding="utf-8")
    clock.stamp(root)
    assert "q" not in {r.name for r in warm_equals_full(root, cache).records}


def test_cli_scan_twice_equals_a_scan_without_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the two scans may straddle a second
    root, cache = tmp_path / "p", tmp_path / "cache"
    root.mkdir()
    model = make_project(root, Clock())
    out, plain = tmp_path / "warm.json", tmp_path / "plain.json"
    for _ in range(2):
        model[1].decls[1].sorry = not model[1].decls[1].sorry
        (root / "P" / "F1.lean").write_text(render(model[1]), encoding="utf-8")
        assert main(["scan", str(root), "-q", "--cache-dir", str(cache), "-o", str(out)]) == 0
        assert main(["scan", str(root), "-q", "--no-cache", "-o", str(plain)]) == 0
        assert out.read_bytes() == plain.read_bytes()
    assert warm.state_path(cache, root).is_file()


def test_the_cli_imports_only_the_command_it_runs(tmp_path: Path) -> None:
    """A warm scan's time is mostly start-up: `zerosorry scan` imports no other command's code."""
    import subprocess
    import sys

    code = ("import sys, contextlib, io\nfrom zerosorry.cli import main\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['scan', '--help'])\n"
            "print(sorted(m for m in sys.modules if m.startswith(('zerosorry.commands.', 'zerosorry.gate', "
            "'zerosorry.history', 'zerosorry.blueprint', 'zerosorry.appendix'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(Path(warm.__file__).parent.parent)})
    assert out.stdout.strip() == "['zerosorry.commands._common', 'zerosorry.commands.scan']"


def test_a_scan_that_parses_few_files_imports_no_process_pool(tmp_path: Path) -> None:
    """multiprocessing is imported only when a pool of parsers is started (many files to parse)."""
    import subprocess
    import sys

    root = tmp_path / "p"
    root.mkdir()
    make_project(root, Clock())
    code = ("import sys, contextlib, io\nfrom zerosorry.cli import main\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
            f"    main(['scan', {str(root)!r}, '-q', '--cache-dir', {str(tmp_path / 'cache')!r}])\n"
            "print(sorted(m for m in ('multiprocessing', 'concurrent.futures') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(Path(warm.__file__).parent.parent)})
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_the_line_memo_encodes_only_new_records_and_forgets_gone_ones(tmp_path: Path) -> None:
    from dataclasses import replace

    from zerosorry.ledger import encode as enc_mod

    root = tmp_path / "p"
    root.mkdir()
    make_project(root, Clock())
    ledger, _ = warm.scan(root, tmp_path / "cache")
    memo = io.LineMemo()
    first = io.encode(ledger, memo)
    assert first.text() == io.encode(ledger).text() and not any(first.known_valid)
    memo.validated()
    encoded: list[int] = []
    real = enc_mod.record_out

    def counting(r: Any) -> Any:
        encoded.append(1)
        return real(r)

    changed = replace(ledger.records[0], reason="edited")
    ledger.records = [changed, *ledger.records[2:]]  # one changed, one gone
    try:
        enc_mod.record_out = counting  # type: ignore[assignment]
        again = io.encode(ledger, memo)
    finally:
        enc_mod.record_out = real  # type: ignore[assignment]
    assert len(encoded) == 1
    assert again.text() == io.encode(ledger).text()
    assert sum(again.known_valid) == len(ledger.records) - 1
    assert len(memo.items) == len(ledger.records)


@pytest.mark.parametrize("before", [None, "theorem x : 1 = 1 := rfl\n"], ids=["new", "was a file"])
def test_a_dangling_symlink_is_an_unreadable_file_as_in_a_full_scan(tmp_path: Path, before: str | None) -> None:
    """A `.lean` name that cannot be read (a symlink to nothing) is listed by discovery: a full
    scan reports it (`unreadable-file`, an error the gate sees); a warm scan must not take it
    for a deleted file."""
    root, cache = tmp_path / "p", tmp_path / "cache"
    root.mkdir()
    clock = Clock()
    make_project(root, clock)
    odd = root / "P" / "X.lean"
    if before is not None:
        odd.write_text(before, encoding="utf-8")
        clock.stamp(root)
    warm_equals_full(root, cache)
    odd.unlink(missing_ok=True)
    odd.symlink_to(root / "nowhere.lean")
    for _ in range(2):
        ledger = warm_equals_full(root, cache)
        assert [(d.code, d.file) for d in ledger.diagnostics if d.code == "unreadable-file"] == [
            ("unreadable-file", "P/X.lean")]
    (root / "nowhere.lean").write_text("theorem y : 1 = 1 := sorry\n", encoding="utf-8")
    ledger = warm_equals_full(root, cache)
    assert ledger.by_name()["y"].status.value == "deferred"
    (root / "nowhere.lean").unlink()
    warm_equals_full(root, cache)
    warm_equals_full(root, cache)
    odd.unlink()  # the unreadable file gone: so is its error
    assert not [d for d in warm_equals_full(root, cache).diagnostics if d.code == "unreadable-file"]


def test_a_state_saved_through_a_relative_path_serves_another_working_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache = tmp_path / "p", tmp_path / "cache"
    root.mkdir()
    model = make_project(root, Clock())
    monkeypatch.chdir(tmp_path)
    warm_equals_full(Path("p"), cache)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "p").mkdir(parents=True)  # what "p" would mean from there: an empty folder
    monkeypatch.chdir(elsewhere)
    model[2].decls[0].sorry = True
    (root / "P" / "F2.lean").write_text(render(model[2]), encoding="utf-8")
    ledger = warm_equals_full(root, cache)
    assert {r.name: r.status.value for r in ledger.records}["c"] == "deferred"


@pytest.mark.parametrize("via", [
    pytest.param("instance : LE Box := ⟨{}⟩\n", id="the instance's body"),
    pytest.param("def Box.Rel (a b : Box) : Prop := {} a b\ninstance : LE Box := ⟨Box.Rel⟩\n",
                 id="a definition the instance leads to"),
])
def test_an_instance_s_body_edited_is_followed_in_other_files(tmp_path: Path, via: str) -> None:
    """Where a class projection may lead (``a ≤ b`` through the project's ``LE`` instance) is read
    from instances' bodies: editing one (a proof edit otherwise) changes resolution in other
    files, in the live session and through the stored state alike."""
    from zerosorry.live import Session

    root, cache = tmp_path / "p", tmp_path / "cache"
    (root / "P").mkdir(parents=True)
    (root / "lakefile.toml").write_text('name = "p"\n\n[[lean_lib]]\nname = "P"\n', encoding="utf-8")
    base = ("structure Box where\n  n : Nat\n"
            "structure Box.Le (a b : Box) : Prop where\n  h : a.n ≤ b.n\n"
            "structure Box.Ge (a b : Box) : Prop where\n  h : b.n ≤ a.n\n"
            "theorem Box.Le.gap {a b : Box} (h : Box.Le a b) : True := sorry\n")
    a, clock = root / "P" / "A.lean", Clock()
    a.write_text(base + via.format("Box.Ge"), encoding="utf-8")
    (root / "P" / "B.lean").write_text("import P.A\ntheorem u (a b : Box) (h : a ≤ b) : True := h.gap\n",
                                       encoding="utf-8")
    clock.stamp(root)
    session = Session(root, cache_dir=tmp_path / "live-cache")
    try:
        assert warm_equals_full(root, cache).by_name()["u"].status.value == "proven"
        for target in ("Box.Le", "Box.Ge", "Box.Le"):
            a.write_text(base + via.format(target), encoding="utf-8")
            clock.stamp(root)
            ledger = warm_equals_full(root, cache)
            assert ledger.by_name()["u"].status.value == ("deferred" if target == "Box.Le" else "proven")
            session.refresh([a])
            assert io.dumps(session.ledger) == io.dumps(full(root, session.ledger))
    finally:
        session.close()


def test_a_stored_declaration_is_the_declaration_it_was_stored_from() -> None:
    import pickle
    from dataclasses import fields, replace

    from zerosorry.ledger.model import Declaration, TrustUse
    from zerosorry.scan import prepare

    root = Path(__file__).parent / "fixtures" / "projects" / "golden"
    files, _ = read_files(root, discover(root)[0])
    decls = prepare(files, config=load_config(root), cache=None, jobs=1).decls
    decls.append(Declaration("X.y", "theorem", "X.lean", 3, 4, trusts=(TrustUse("native_decide", 4),),
                             sorry_lines=(4,), modifiers=("private",), docstring=None))
    stored = pickle.loads(pickle.dumps(warm.StoredDeclarations(decls)))
    assert len(stored) == len(decls) > 1
    for i, d in enumerate(decls):
        slim = replace(d, **warm._SLIM)
        back = stored[i]
        assert type(back) is Declaration and back == slim and back is stored[i] and back is stored[i - len(decls)]
        for f in fields(Declaration):  # the same values, of the same types
            assert type(getattr(back, f.name)) is type(getattr(slim, f.name)), f.name
    # a copy shares what was read, and is written apart
    copy = stored.copy()
    copy[0:2] = [decls[1], decls[0]]
    assert copy[0] is decls[1] and stored[0] is not decls[1] and copy[2] is stored[2]
    with pytest.raises(ValueError):
        copy[0:2] = [decls[0]]


def test_a_state_holds_each_declaration_once(tmp_path: Path) -> None:
    """Every holder of the session's declarations holds the one stored list: none is pickled
    apart (it would be another object after loading)."""
    root, cache = tmp_path / "p", tmp_path / "cache"
    root.mkdir()
    make_project(root, Clock())
    warm.scan(root, cache)
    apart: list[object] = []
    real = warm._Pickler.reducer_override

    def counting(self: Any, obj: Any) -> Any:
        if type(obj).__name__ == "Declaration":
            apart.append(obj)
        return real(self, obj)

    session = warm.load(warm.state_path(cache, root), root, None)
    assert session is not None
    session.ledger = session._ledger()
    io.encode(session.ledger, session.lines)
    try:
        warm._Pickler.reducer_override = counting  # type: ignore[method-assign]
        warm.save(session, tmp_path / "again.state")
    finally:
        warm._Pickler.reducer_override = real  # type: ignore[method-assign]
    assert apart == []
    again = warm.load(tmp_path / "again.state", root, None)
    assert again is not None
    assert again._prepared.decls is again._index.decls is again._state.decls is again._syntax.index.decls


def test_a_loaded_state_refreshed_by_proof_edits_then_a_new_name_equals_a_full_scan(tmp_path: Path) -> None:
    """What a stored state holds back (the files' resolutions) is restored under the proof
    edits made since, in one session: the refreshes after it equal full scans."""
    root, cache = tmp_path / "p", tmp_path / "cache"
    root.mkdir()
    clock = Clock()
    model = make_project(root, clock)
    warm_equals_full(root, cache)
    session = warm.load(warm.state_path(cache, root), root, ParseCache(cache))
    assert session is not None and session._held is not None
    for op in [("sorry", 0, 1), ("sorry", 2, 0), ("add", 1, "Foo.d", ["b"], True, "theorem"), ("sorry", 0, 1),
               ("add", 3, "g.f", ["a"], False, "lemma")]:
        apply(root, model, op)
        clock.stamp(root)
        touched = warm.changed_paths(session)
        assert touched
        result = session.refresh(touched)
        assert result.proof_edit == (op[0] == "sorry")
        assert io.dumps(session.ledger) == io.dumps(full(root, session.ledger))
    assert session._held is None
    session.close()


@pytest.mark.parametrize("special", ["not-utf8", "declaring-command"])
def test_a_proof_edit_to_a_file_whose_text_the_state_keeps(tmp_path: Path, special: str) -> None:
    """The state leaves out the files' texts but those a proof edit reads the old text of (a
    file that is not UTF-8, or defines a declaring command); edits to it and to another file,
    then a new name (every text read again), each equal a full scan."""
    root, cache = tmp_path / "p", tmp_path / "cache"
    root.mkdir()
    clock = Clock()
    model = make_project(root, clock)
    odd = root / "P" / "Odd.lean"
    head = (b"-- caf\xe9\n" if special == "not-utf8" else
            b"syntax (name := wanted) \"wanted \" declId declSig : command\n")
    body = "theorem odd_one : True := by\n  {}\n  trivial\n"
    odd.write_bytes(head + body.format("skip").encode())
    clock.stamp(root)
    warm_equals_full(root, cache)
    state = warm.load(warm.state_path(cache, root), root, None)
    assert state is not None and "P/Odd.lean" not in state._unread and "P/F0.lean" in state._unread
    for edit in ("exact trivial", "sorry"):
        odd.write_bytes(head + body.format(edit).encode())
        clock.stamp(root)
        warm_equals_full(root, cache)
    apply(root, model, ("sorry", 0, 1))
    clock.stamp(root)
    warm_equals_full(root, cache)
    apply(root, model, ("add", 2, "Foo.d", ["b"], True, "theorem"))
    clock.stamp(root)
    warm_equals_full(root, cache)
