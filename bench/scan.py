"""Benchmark of the source engine on a synthetic Mathlib-shaped tree.

Generates (deterministically) at least 5,000 files and 1,000,000 lines — namespaces, sections,
docstrings, comments, long tactic proofs, cross-file references, a few sorries — then measures,
each in a fresh process:

* baseline: reading and hashing every file (the I/O floor the scan cannot beat);
* cold: a full scan with an empty parse cache;
* warm: a re-scan after one file gains a declaration (every file's names are re-resolved),
  then after one proof is edited (only that file is re-parsed and re-resolved).

Prints times, lines per second, peak memory (the process and its parser workers), and each time
as a ratio against the baseline measured in the same run.  Targets on a 2-core machine:
cold <= 15 s, warm <= 1 s, peak memory <= 1 GiB.

    python bench/scan.py [--files 5000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

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
    else:
        from zerosorry.scan import scan_project
        from zerosorry.ledger import io
        ledger = scan_project(root, cache_dir=cache)
        decls = len(ledger.records)
        if phase == "cold":
            io.dumps(ledger)
    dt = time.perf_counter() - t0
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": dt, "decls": decls, "peak_mib": max(self_kb, child_kb) / 1024,
                      "self_mib": self_kb / 1024, "worker_mib": child_kb / 1024}))
    """
)


def run_phase(phase: str, root: Path, cache: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, phase, str(root), str(cache)],
                         capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--keep", type=Path, default=None, help="generate into this directory and keep it")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="zerosorry-bench-"))
    root = args.keep or tmp / "tree"
    cache = tmp / "cache"
    try:
        t0 = time.perf_counter()
        lines = generate(root, args.files)
        print(f"generated {args.files} files, {lines:,} lines in {time.perf_counter() - t0:.1f} s")
        base = run_phase("baseline", root, cache)
        cold = run_phase("cold", root, cache)
        touched = root / "Synth" / "File17.lean"
        touched.write_text(touched.read_text() + "\ntheorem touched : True := trivial\n")
        warm = run_phase("warm", root, cache)
        touched.write_text(touched.read_text().replace("theorem touched : True := trivial",
                                                       "theorem touched : True := by trivial"))
        edit = run_phase("warm", root, cache)
        b = base["seconds"]
        print(f"baseline (read + hash every file): {b:.2f} s")
        print(f"cold scan:  {cold['seconds']:.2f} s  ({cold['seconds'] / b:.1f}x baseline)  "
              f"{lines / cold['seconds']:,.0f} lines/s  {cold['decls']:,} declarations  "
              f"peak {cold['peak_mib']:.0f} MiB (main {cold['self_mib']:.0f}, worker {cold['worker_mib']:.0f})  "
              f"[target <= 15 s, <= 1024 MiB]")
        print(f"warm scan, one file gains a declaration:  {warm['seconds']:.2f} s  "
              f"({warm['seconds'] / b:.1f}x baseline)  peak {warm['peak_mib']:.0f} MiB  [target <= 1 s]")
        print(f"warm scan, one proof edited (no new name): {edit['seconds']:.2f} s  "
              f"({edit['seconds'] / b:.1f}x baseline)  peak {edit['peak_mib']:.0f} MiB  [target <= 1 s]")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
