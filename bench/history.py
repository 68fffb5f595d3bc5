"""Benchmark of ``zerosorry history`` over a 200-commit repository.

Generates (deterministically) a git repository whose Lean project has ``--files`` files of
theorems with tactic proofs, cross-file references and a few sorries, then ``--commits``
first-parent commits that each edit one or two files (open or close a sorry, add a theorem,
add a comment), written with one ``git fast-import``.  Measures, each in a fresh process:

* baseline: one cold ``zerosorry scan`` of HEAD (empty parse cache);
* cold: ``zerosorry history`` over every commit, empty parse cache, new database;
* warm: the same over a new database with the parse cache the cold run left behind;
* resume: a second run over the warm run's database (every commit already recorded).

Prints each time and its ratio to the baseline measured in the same run.  Target on a 2-core
machine: warm <= 20 s.

    python bench/history.py [--files 150] [--commits 200] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IDENT = ["-c", "user.name=zerosorry bench", "-c", "user.email=bench@example.invalid"]


class Project:
    def __init__(self, files: int, theorems: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.files = files
        self.theorems = [[self.rng.random() < 0.04 for _ in range(theorems)] for _ in range(files)]
        self.comments = [0] * files
        self.imports = [sorted(self.rng.sample(range(j), min(2, j))) for j in range(files)]

    def text(self, j: int) -> str:
        out = [f"import Bench.F{i}" for i in self.imports[j]]
        out += ["", f"/-! # File {j}\n\nSynthetic module; sorry in prose is not a sorry. -/", "",
                f"namespace Bench.F{j}", ""]
        out += [f"-- note {k}: revisited" for k in range(self.comments[j])]
        for m, sorry in enumerate(self.theorems[j]):
            dep = ""
            if self.imports[j] and m % 3 == 0:
                i = self.imports[j][m % len(self.imports[j])]
                dep = f"Bench.F{i}.t{m % len(self.theorems[i])}"
            elif m:
                dep = f"t{m - 1}"
            out.append(f"/-- Theorem {m} of file {j}. -/")
            out.append(f"theorem t{m} (x y : Nat) (h : x ≤ y) : x ≤ y + {m} := by")
            if sorry:
                out.append("  sorry")
            else:
                if dep:
                    out.append(f"  have _h0 := @{dep}")
                out += ["  have h1 : y ≤ y + " + str(m) + " := Nat.le_add_right _ _",
                        "  -- a comment inside the proof",
                        "  exact Nat.le_trans h h1"]
            out.append("")
        out += [f"end Bench.F{j}", ""]
        return "\n".join(out)

    def tree(self) -> dict[str, str]:
        files = {f"proj/Bench/F{j}.lean": self.text(j) for j in range(self.files)}
        files["proj/lakefile.toml"] = 'name = "bench"\n\n[[lean_lib]]\nname = "Bench"\n'
        return files

    def step(self) -> dict[str, str]:
        changed = {}
        for _ in range(self.rng.choice((1, 1, 2))):
            j = self.rng.randrange(self.files)
            r = self.rng.random()
            if r < 0.45:
                m = self.rng.randrange(len(self.theorems[j]))
                self.theorems[j][m] = not self.theorems[j][m]
            elif r < 0.7:
                self.theorems[j].append(self.rng.random() < 0.3)
            else:
                self.comments[j] += 1
            changed[f"proj/Bench/F{j}.lean"] = self.text(j)
        return changed


def build_repo(repo: Path, files: int, theorems: int, commits: int, seed: int) -> None:
    project = Project(files, theorems, seed)
    chunks: list[bytes] = []
    for i in range(commits):
        content = project.tree() if i == 0 else project.step()
        msg = (f"bench commit {i}").encode()
        when = 1_700_000_000 + 600 * i
        chunks.append(f"commit refs/heads/main\nauthor b <b@example.invalid> {when} +0000\n"
                      f"committer b <b@example.invalid> {when} +0000\ndata {len(msg)}\n".encode() + msg + b"\n")
        for path, text in content.items():
            data = text.encode()
            chunks.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        chunks.append(b"\n")
    subprocess.run(["git", *IDENT, "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet"], input=b"".join(chunks), check=True)
    subprocess.run(["git", "-C", str(repo), "reset", "-q", "--hard", "main"], check=True)


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    dt = time.perf_counter() - t
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stderr}")
    return dt


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=150)
    ap.add_argument("--theorems", type=int, default=20, help="theorems per file at the first commit")
    ap.add_argument("--commits", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=None, help="build in this directory and keep it")
    args = ap.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="zerosorry-bench-history-"))
    work.mkdir(parents=True, exist_ok=True)
    repo = work / "repo"
    try:
        if repo.exists():
            shutil.rmtree(repo)
        t = time.perf_counter()
        build_repo(repo, args.files, args.theorems, args.commits, args.seed)
        gen = time.perf_counter() - t
        proj = repo / "proj"
        lines = sum(p.read_text().count("\n") for p in proj.rglob("*.lean"))
        print(f"repository: {args.commits} commits, {args.files} files, {lines:,} lines at HEAD "
              f"(generated in {gen:.2f} s) on {os.cpu_count()} cores")
        zs = [sys.executable, "-m", "zerosorry"]
        cache = work / "cache"
        for d in (cache, work / "baseline-cache"):
            shutil.rmtree(d, ignore_errors=True)
        for db in ("cold.sqlite3", "warm.sqlite3"):
            (work / db).unlink(missing_ok=True)
        env = dict(os.environ)
        env.pop("ZEROSORRY_CACHE_DIR", None)
        base = timed([*zs, "scan", str(proj), "-q", "--cache-dir", str(work / "baseline-cache")], env)
        cold = timed([*zs, "history", str(proj), "-q", "--db", str(work / "cold.sqlite3"), "--cache-dir", str(cache)], env)
        warm = timed([*zs, "history", str(proj), "-q", "--db", str(work / "warm.sqlite3"), "--cache-dir", str(cache)], env)
        resume = timed([*zs, "history", str(proj), "-q", "--db", str(work / "warm.sqlite3"), "--cache-dir", str(cache)], env)
        rows = [("baseline: one cold scan of HEAD", base), ("history, cold parse cache", cold),
                ("history, warm parse cache (new db)", warm), ("history, nothing left to scan", resume)]
        width = max(len(r[0]) for r in rows)
        for label, dt in rows:
            print(f"  {label.ljust(width)}  {dt:7.2f} s  {dt / base:6.2f}x baseline")
        per = warm / args.commits * 1000
        verdict = "meets" if warm <= 20.0 else "MISSES"
        print(f"warm: {per:.1f} ms per commit; {verdict} the target (<= 20 s warm for {args.commits} commits)")
        return 0 if warm <= 20.0 else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
