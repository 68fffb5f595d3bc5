"""Numeric witnesses, each run in a process of its own with a time and a memory limit.

A witness is the project's own code (``module:function``, see docs/manifest.md): it runs like
the project's tests.  One that loops forever, calls ``os.abort`` or exhausts memory must not
take the gate (or the site build) down with it, nor hang a CI job until the job's own limit:
each runs in a child Python process (``python -m zerosorry.witnesses SPEC OUT``) in a session
of its own, under ``RLIMIT_AS`` (where the platform has it), and is killed with its whole
process group at the time limit.  A timeout, a crash or a non-zero exit is that witness's
failure, reported with the last lines it printed; witnesses run in parallel, independent of
each other.  What a witness prints goes to stderr (stdout carries the report).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: the default time limit of one witness, in seconds (the moe-gauge ones take a few)
DEFAULT_TIMEOUT = 300.0
#: the default address-space limit of one witness process, in MiB
DEFAULT_MEMORY_MB = 4096
#: how much of what a failing witness printed last is quoted
TAIL_CHARS = 600


@dataclass(frozen=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int | None = DEFAULT_MEMORY_MB
    jobs: int | None = None  # parallel witnesses (default: the CPUs, at most 4)


def _limit_memory(mb: int | None) -> None:
    if mb is None:
        return
    try:
        import resource
    except ImportError:  # not a POSIX system: the time limit still holds
        return
    size = mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size, size))


def _tail(text: str) -> str:
    text = text.strip()
    if not text:
        return "it printed nothing"
    if len(text) > TAIL_CHARS:
        text = "…" + text[-TAIL_CHARS:]
    return "last output: " + text.replace("\n", " ⏎ ")


def _failure(summary: str) -> dict[str, Any]:
    return {"passed": False, "summary": summary, "counterexample": None}


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"crashed ({name})"
    return f"exited with status {code} before returning a result"


def run_isolated(spec: str, limits: Limits = Limits()) -> Mapping[str, Any]:
    """Run one witness in a child process; its result, or its failure (timeout, crash, a
    result that is not JSON) as a result with ``passed`` false."""
    env = dict(os.environ)
    # the child imports what this process can import (a witness module beside the project)
    env["PYTHONPATH"] = os.pathsep.join(p if p else os.getcwd() for p in sys.path)
    with tempfile.TemporaryDirectory(prefix="zerosorry-witness-") as tmp:
        out_file = Path(tmp) / "result.json"
        memory = str(limits.memory_mb) if limits.memory_mb else "-"
        cmd = [sys.executable, "-m", "zerosorry.witnesses", spec, str(out_file), memory]
        # the child sets its own memory limit first thing (a preexec_fn is unsafe with threads)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        try:
            printed, _ = proc.communicate(timeout=limits.timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            printed, _ = proc.communicate()
            _echo(spec, printed)
            return _failure(f"timed out after {limits.timeout:g} s (--witness-timeout); "
                            f"{_tail(printed.decode('utf-8', 'replace'))}")
        except BaseException:  # Ctrl-C: the witness goes too
            _kill(proc)
            raise
        _echo(spec, printed)
        text = printed.decode("utf-8", "replace")
        if proc.returncode != 0 or not out_file.is_file():
            hint = ""
            if "MemoryError" in text or proc.returncode == -signal.SIGKILL:
                hint = f" (memory limit {limits.memory_mb} MiB, --witness-memory)"
            return _failure(f"{_describe_exit(proc.returncode)}{hint}; {_tail(text)}")
        try:
            result = json.loads(out_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return _failure(f"its result could not be read back: {exc}")
    return result if isinstance(result, dict) else _failure("did not return a mapping")


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        proc.kill()


def _echo(spec: str, printed: bytes) -> None:
    """What the witness printed, to stderr (never stdout: that carries the report)."""
    if printed.strip():
        sys.stderr.write(f"--- witness {spec} printed:\n{printed.decode('utf-8', 'replace').rstrip()}\n")
        sys.stderr.flush()


def run_all(specs: Iterable[str], limits: Limits = Limits()) -> dict[str, Mapping[str, Any]]:
    """Every distinct witness of ``specs``, in parallel; results by spec."""
    todo = sorted(set(specs))
    if not todo:
        return {}
    jobs = limits.jobs or min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(todo)))) as pool:
        return dict(zip(todo, pool.map(lambda s: run_isolated(s, limits), todo), strict=True))


def _json_value(o: Any) -> Any:
    item = getattr(o, "item", None)  # numpy scalars
    return item() if callable(item) else str(o)


def _child(argv: list[str]) -> int:
    from .gate import run_witness

    spec, out, memory = argv
    _limit_memory(None if memory == "-" else int(memory))
    # run_witness already fails a result whose 'passed' is no bool (numpy's bool_ is not one)
    data = dict(run_witness(spec))
    Path(out).write_text(json.dumps(data, default=_json_value), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
