"""Benchmark of the source engine on a synthetic Mathlib-shaped tree.

Generates (deterministically) at least 5,000 files and 1,000,000 lines — namespaces, sections,
docstrings, comments, long tactic proofs, cross-file references, a few sorries — then measures,
each in a fresh process:

* baseline: reading and hashing every file (the I/O floor the scan cannot beat);
* cold: a full scan with an empty parse cache;
* warm: a re-scan after one file gains a declaration (every file's names are re-resolved),
  then after one proof is edited (only that file is re-parsed and re-resolved, through the
  session the previous scan stored: zerosorry/warm.py); each scan writes the ledger the way
  ``zerosorry scan -o`` does;
* refresh: the live session (``zerosorry watch``'s engine) in-process, the CPU seconds of each
  refresh after a sorry is put into a proof and taken out again;
* watch: ``zerosorry watch`` running on the tree; the time from saving a proof edit to the
  printed status change.

With ``--real DIR ...`` the same phases also run on a tree made of the ``.lean`` files of the
Lean projects given (fetched by the user, never committed; copied side by side at the tree's
root so that their imports resolve, and the originals are never edited), and both trees are
printed.

Prints times, lines per second, peak memory (the process and its parser workers), and each time
as a ratio against the baseline measured in the same run (the machine may be shared: the ratios
are what compare across runs).  Targets on a 2-core machine: cold >= 100,000 lines/s, warm
<= 0.5 s, save-to-printed-change in watch <= 200 ms, peak memory <= 1 GiB at 1,000,000 lines.

    python bench/scan.py [--files 5000] [--keep DIR] [--real DIR ...] [--no-synthetic]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

TACTICS = [
    "simp only [{a}, {b}, mul_comm]", "rw [{a}] at h", "exact {a} _ h", "apply {b}",
    "nlinarith [sq_nonneg (x - y), {a}]", "have h{n} : 0 ≤ x * x := mul_self_nonneg x",
    "refine ⟨_, _⟩", "· exact le_of_lt h", "intro z hz", "obtain ⟨w, hw⟩ := {a} x",
    "calc x = x * 1 := by ring\n    _ ≤ x * 1 := le_refl _", "field_simp", "positivity",
    "-- a comment explaining the step", "/- a block comment\n     spanning lines -/ norm_num",
]


def make_file(rng: random.Random, idx: int, lines_target: int) -> str:
    ns = f"Synth.Area{idx % 37}.Part{idx}"
    out = [
        "/-",
        "Copyright (c) 2026 Synthetic. All rights reserved.",
        "-/",
        "import Mathlib.Analysis.SpecialFunctions.Pow.Real",
        *(f"import Synth.File{j}" for j in rng.sample(range(max(1, idx)), min(3, idx))),
        "",
        f"/-! # Part {idx}\n\nModule documentation with `code` and sorry in prose. -/",
        "",
        "open Real Finset",
        "",
        f"namespace {ns}",
        "",
        "variable {x y : ℝ} (h : 0 < x)",
        "",
    ]
    k = 0
    while len(out) < lines_target - 3:
        k += 1
        name = f"lemma_{idx}_{k}"
        prev = f"lemma_{idx}_{k - 1}" if k > 1 else "le_refl"
        other = f"Synth.Area{(idx - 1) % 37}.Part{idx - 1}.lemma_{idx - 1}_1" if idx else "le_rfl"
        out.append(f"/-- Statement {k} of part {idx}: a docstring with `x ≤ y`. -/")
        attr = "@[simp] " if k % 5 == 0 else ""
        kw = rng.choice(["theorem", "lemma", "theorem"])
        out.append(f"{attr}{kw} {name} (a b : ℝ) (ha : 0 ≤ a) :")
        out.append(f"    a * b ≤ a * b + {k} * a := by")
        for n in range(rng.randint(8, 30)):
            t = rng.choice(TACTICS).format(a=prev, b=other, n=n)
            out.extend("  " + ln for ln in t.split("\n"))
        if rng.random() < 0.02:
            out.append("  sorry")
        out.append("")
        if k % 4 == 0:
            out.append(f"def helper_{idx}_{k} (n : ℕ) : ℕ := n + {k}")
            out.append("")
    out += [f"end {ns}", ""]
    return "\n".join(out)


def generate(root: Path, files: int, seed: int = 20261122) -> int:
    rng = random.Random(seed)
    src = root / "Synth"
    src.mkdir(parents=True)
    (root / "lakefile.toml").write_text('name = "synth"\n\n[[lean_lib]]\nname = "Synth"\n')
    total = 0
    for i in range(files):
        text = make_file(rng, i, rng.randint(150, 260))
        (src / f"File{i}.lean").write_text(text)
        total += text.count("\n")
    return total


def synthetic_tree(root: Path, files: int) -> int:
    """The synthetic tree at ``root``, generated unless it is already there (``--keep``): its lines."""
    if root.exists():
        return sum(p.read_bytes().count(b"\n") for p in root.rglob("*.lean"))
    return generate(root, files)


def copy_real(projects: list[Path], dest: Path) -> int:
    """The ``.lean`` files of ``projects`` (skipping build folders) side by side at ``dest``'s
    root, as a Lake workspace holds its packages' modules: each project's ``import``s then name
    files of the tree and resolve, as in a scan of the project itself.  (Under a folder per
    project no import would resolve, every file would see every other, and visibility, possible
    uses and their cost would be those of no real project.)  A project with a path another one
    already took goes under ``dest/<name>/`` instead, and is named."""
    skip = {".lake", "lake-packages", ".git", "node_modules"}
    total = 0
    taken: set[Path] = set()
    for proj in projects:
        rels = [src.relative_to(proj) for src in sorted(proj.rglob("*.lean"))]
        rels = [rel for rel in rels if not any(part in skip or part.startswith(".") for part in rel.parts)]
        base = dest
        if taken.intersection(rels):
            print(f"  --real: {proj.name} shares paths with a project before it: copied under {proj.name}/")
            base = dest / proj.name
        for rel in rels:
            out = base / rel
            taken.add(out.relative_to(dest))
            out.parent.mkdir(parents=True, exist_ok=True)
            data = (proj / rel).read_bytes()
            out.write_bytes(data)
            total += data.count(b"\n")
    if not total:
        raise SystemExit(f"--real: no .lean files under {', '.join(map(str, projects))}")
    return total


def proof_target(root: Path) -> Path:
    """A file with a tactic proof, near the middle of the tree (deterministic)."""
    files = sorted(root.rglob("*.lean"))
    for p in files[len(files) // 2 :] + files[: len(files) // 2]:
        if PROOF_RE.search(p.read_text(encoding="utf-8", errors="replace")):
            return p
    raise SystemExit(f"{root}: no line ending with `:= by` to edit")


#: a line ending with `:= by` (a tactic proof starts: a line can be added to it)
PROOF_RE = re.compile(r"^[^\n]*\S := by\n", re.M)


def edit_proof(path: Path, line: str) -> None:
    """Put ``line`` (indented) first in the first matching tactic proof of ``path``."""
    text = path.read_text(encoding="utf-8")
    m = PROOF_RE.search(text)
    assert m is not None
    path.write_text(text[: m.end()] + f"  {line}\n" + text[m.end() :], encoding="utf-8")


CHILD = textwrap.dedent(
    """
    import hashlib, json, resource, sys, time
    from pathlib import Path
    phase, root, cache = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    t0 = time.perf_counter()
    if phase == "baseline":
        n = 0
        for p in sorted(root.rglob("*.lean")):
            hashlib.blake2b(p.read_bytes(), digest_size=20).hexdigest()
            n += 1
        decls = n
    elif phase == "refresh":  # the live session's CPU per refresh: a sorry put into a proof and taken out
        import re
        from zerosorry.live import Session
        target = Path(sys.argv[4])
        session = Session(root, cache_dir=cache)
        original = target.read_text(encoding="utf-8")
        m = re.search(r"^[^\\n]*\\S := by\\n", original, re.M)
        edited = original[: m.end()] + "  sorry\\n" + original[m.end() :]
        cpus = []
        for text in (edited, original) * 3:
            target.write_text(text, encoding="utf-8")
            c0 = time.process_time()
            session.refresh([target])
            cpus.append(time.process_time() - c0)
        decls = len(session.ledger.records)
        print(json.dumps({"seconds": sorted(cpus)[len(cpus) // 2], "cpu": sorted(cpus)[len(cpus) // 2],
                          "decls": decls, "peak_mib": 0, "self_mib": 0, "worker_mib": 0, "all": cpus}))
        raise SystemExit(0)
    else:  # what `zerosorry scan PATH -o FILE` does
        from zerosorry.scan import scan_project
        from zerosorry.ledger import io
        try:  # the stored session (absent in older versions)
            from zerosorry.warm import scan as warm_scan
        except ImportError:
            warm_scan = None
        if warm_scan is not None:
            ledger, lines = warm_scan(root, cache)
            extra = {"memo": lines}
        else:
            ledger = scan_project(root, cache_dir=cache)
            memo = getattr(io, "ValidatedLines", None)  # absent before the fast serialiser
            extra = {"validated": memo(cache / "validated-lines.bin")} if memo else {}
        decls = len(ledger.records)
        io.write(ledger, cache / "lean_status.json", **extra)
    dt = time.perf_counter() - t0
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    self_kb, child_kb = me.ru_maxrss, kids.ru_maxrss
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    print(json.dumps({"seconds": dt, "cpu": cpu, "decls": decls, "peak_mib": max(self_kb, child_kb) / 1024,
                      "self_mib": self_kb / 1024, "worker_mib": child_kb / 1024}))
    """
)


def _env(src: Path | None) -> dict[str, str]:
    # bytecode cached as an installed package has it (pip compiles it): a phase measures the
    # scan, not compiling zerosorry's source in every fresh process
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONUNBUFFERED"] = "1"
    if src is not None:  # another zerosorry (say an older checkout's src/), for a before/after
        env["PYTHONPATH"] = str(src)
    return env


def run_phase(phase: str, root: Path, cache: Path, src: Path | None = None, *extra: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", CHILD, phase, str(root), str(cache), *extra],
                         capture_output=True, text=True, check=phase != "refresh", env=_env(src))
    if out.returncode:  # no live session in that version
        return {}
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def watch_latency(root: Path, cache: Path, target: Path, src: Path | None = None,
                  rounds: int = 3) -> list[float] | None:
    """Seconds from saving an edit that changes a status to ``zerosorry watch`` printing the
    change: a sorry put into a proof, then taken out, ``rounds`` times (None when this zerosorry
    has no watch command)."""
    env = {**_env(src), "ZEROSORRY_CACHE_DIR": str(cache)}
    proc = subprocess.Popen([sys.executable, "-m", "zerosorry", "watch", str(root)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    lines: queue.Queue[tuple[float, str]] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put((time.perf_counter(), line))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def first_change(since: float, timeout: float = 120) -> float | None:
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            try:
                t, line = lines.get(timeout=0.5)
            except queue.Empty:
                if proc.poll() is not None:
                    return None
                continue
            if t >= since and " -> " in line:
                return t - since
        return None

    try:
        while True:  # until it says it is watching
            try:
                _, line = lines.get(timeout=1)
            except queue.Empty:
                if proc.poll() is not None:
                    return None  # no watch command in that version
                continue
            if line.startswith("watching"):
                break
        time.sleep(1.0)
        out = []
        original = target.read_text(encoding="utf-8")
        for _ in range(rounds):
            for write in (lambda: edit_proof(target, "sorry"),
                          lambda: target.write_text(original, encoding="utf-8")):
                time.sleep(1.0)
                while not lines.empty():  # the previous round's other lines
                    lines.get()
                t0 = time.perf_counter()
                write()
                took = first_change(t0)
                if took is None:
                    return out or None
                out.append(took)
        return out
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)
        proc.stdout.close()


def _median(xs: list[float]) -> float:
    return sorted(xs)[len(xs) // 2]


def bench_tree(label: str, root: Path, lines: int, cache: Path, touched: Path,
               against: Path | None = None) -> None:
    """Every phase on one tree; with ``against``, each phase also runs right after with that
    zerosorry, so the two are compared under the same load."""
    variants: list[tuple[str, Path | None]] = [("this", None)] + ([("against", against)] if against else [])
    caches = {name: cache / name for name, _ in variants}
    for c in caches.values():
        c.mkdir(parents=True, exist_ok=True)
    base = run_phase("baseline", root, cache)
    res: dict[str, dict[str, Any]] = {name: {} for name, _ in variants}
    for name, src in variants:
        res[name]["cold"] = run_phase("cold", root, caches[name], src)
    pristine = touched.read_text(encoding="utf-8")  # put back at the end: a kept tree is reused
    try:
        touched.write_text(pristine + "\ntheorem touched_by_bench : True := trivial\n",
                           encoding="utf-8")
        for name, src in variants:
            res[name]["warm"] = run_phase("warm", root, caches[name], src)
        original = touched.read_text(encoding="utf-8")
        edit_proof(touched, "skip")
        for name, src in variants:
            res[name]["edit"] = run_phase("warm", root, caches[name], src)
        touched.write_text(original, encoding="utf-8")
        for name, src in variants:
            res[name]["refresh"] = run_phase("refresh", root, caches[name], src, str(touched))
        for name, src in variants:
            res[name]["watch"] = watch_latency(root, caches[name], touched, src)
    finally:
        touched.write_text(pristine, encoding="utf-8")
    b = base["seconds"]
    print(f"== {label}: {lines:,} lines; edited file {touched.relative_to(root)}")
    print(f"baseline (read + hash every file): {b:.2f} s")
    for name, src in variants:
        r = res[name]
        cold, warm, edit, lat = r["cold"], r["warm"], r["edit"], r["watch"]
        print(f"-- zerosorry from {src or 'this checkout'}:")
        print(f"cold scan:  {cold['seconds']:.2f} s  ({cold['seconds'] / b:.1f}x baseline)  "
              f"{lines / cold['seconds']:,.0f} lines/s  cpu {cold['cpu']:.1f} s  {cold['decls']:,.0f} declarations  "
              f"peak {cold['peak_mib']:.0f} MiB (main {cold['self_mib']:.0f}, worker {cold['worker_mib']:.0f})  "
              f"[target >= 100,000 lines/s, <= 1024 MiB at 1,000,000 lines]")
        print(f"warm scan, one file gains a declaration:  {warm['seconds']:.2f} s  "
              f"({warm['seconds'] / b:.1f}x baseline)  cpu {warm['cpu']:.2f} s  peak {warm['peak_mib']:.0f} MiB")
        print(f"warm scan, one proof edited (no new name): {edit['seconds']:.2f} s  "
              f"({edit['seconds'] / b:.1f}x baseline)  cpu {edit['cpu']:.2f} s  peak {edit['peak_mib']:.0f} MiB  "
              f"[target <= 0.5 s]")
        if r["refresh"]:
            print(f"live session, CPU per refresh after a proof edit: "
                  f"{', '.join(f'{x * 1000:.0f}' for x in r['refresh']['all'])} ms  "
                  f"(median {r['refresh']['cpu'] * 1000:.0f} ms)")
        if lat:
            print(f"watch, save -> printed change: {', '.join(f'{x * 1000:.0f}' for x in lat)} ms  "
                  f"(median {_median(lat) * 1000:.0f} ms, {_median(lat) / b:.2f}x baseline)  [target <= 200 ms]")
        else:
            print("watch: not measured (no `zerosorry watch` in this version)")
    if against:
        t, a = res["this"], res["against"]
        print("-- this / against (same load):  " + "  ".join(
            f"{k} {t[k]['seconds'] / a[k]['seconds']:.2f}x wall, {t[k]['cpu'] / a[k]['cpu']:.2f}x cpu"
            for k in ("cold", "warm", "edit")) + (
            f"  refresh {t['refresh']['cpu'] / a['refresh']['cpu']:.2f}x cpu" if t["refresh"] and a["refresh"] else ""))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--keep", type=Path, default=None, help="generate the synthetic tree here and keep it (reused if present)")
    ap.add_argument("--real", type=Path, nargs="+", default=[], metavar="DIR",
                    help="Lean projects to copy into a real-code tree and measure too")
    ap.add_argument("--no-synthetic", action="store_true", help="measure only the --real tree")
    ap.add_argument("--against", type=Path, default=None, metavar="SRC",
                    help="also run every phase with the zerosorry package under SRC (e.g. an older "
                         "checkout's src/), right after this one, and print the ratios")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="zerosorry-bench-"))
    try:
        if not args.no_synthetic:
            root = args.keep or tmp / "tree"
            t0 = time.perf_counter()
            lines = synthetic_tree(root, args.files)
            print(f"synthetic tree: {args.files} files, {lines:,} lines in {time.perf_counter() - t0:.1f} s")
            bench_tree("synthetic", root, lines, tmp / "cache", root / "Synth" / "File17.lean", args.against)
        if args.real:
            real = tmp / "real"
            lines = copy_real(args.real, real)
            bench_tree(f"real ({', '.join(p.name for p in args.real)})", real, lines, tmp / "cache-real",
                       proof_target(real), args.against)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
