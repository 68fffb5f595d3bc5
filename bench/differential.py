"""Differential check of the scan: the ledger of each given Lean project, written by this
checkout's zerosorry, against the one a reference zerosorry (say an older checkout's ``src/``)
writes, byte for byte.

Every scan runs in a fresh process with an empty parse cache (the cold path), then again on
the cache it filled (the warm path), both with ``SOURCE_DATE_EPOCH=0`` so the one
generation-time field (``generated``) is equal by construction.  The reference ledgers are
written once into ``--store`` and reused while the reference stays the same (its ledgers are
named after a digest of its sources).

    python bench/differential.py --against OLD/src --store DIR PROJECT ...

Exit status 1 when any ledger differs (the first differing lines are printed).
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent / "src"


def _digest(src: Path) -> str:
    h = hashlib.blake2b(digest_size=8)
    for p in sorted(src.rglob("*.py")) + sorted(src.rglob("*.json")):
        h.update(p.relative_to(src).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def write_ledger(src: Path, project: Path, out: Path, cache: Path, jobs: int | None) -> None:
    env = {**os.environ, "PYTHONPATH": str(src), "SOURCE_DATE_EPOCH": "0", "ZEROSORRY_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-m", "zerosorry", "scan", str(project), "-q", "-o", str(out)]
    if jobs is not None:
        cmd += ["-j", str(jobs)]
    subprocess.run(cmd, check=True, env=env)


def compare(a: Path, b: Path, label: str) -> bool:
    x, y = a.read_bytes(), b.read_bytes()
    if x == y:
        print(f"{label}: identical ({len(x):,} bytes)")
        return True
    print(f"{label}: DIFFERS ({len(x):,} vs {len(y):,} bytes)")
    diff = difflib.unified_diff(x.decode().splitlines(), y.decode().splitlines(), "reference", "this",
                                lineterm="", n=2)
    for n, line in enumerate(diff):
        if n >= 40:
            print("  ...")
            break
        print("  " + line)
    return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("projects", type=Path, nargs="+")
    ap.add_argument("--against", type=Path, required=True, metavar="SRC", help="the reference zerosorry's src/")
    ap.add_argument("--store", type=Path, required=True, help="where the reference ledgers are kept")
    ap.add_argument("-j", "--jobs", type=int, default=None)
    ap.add_argument("--no-warm", action="store_true", help="skip the re-scan on the filled cache")
    args = ap.parse_args()
    ref_dir = args.store / _digest(args.against)
    ref_dir.mkdir(parents=True, exist_ok=True)
    ok = True
    with tempfile.TemporaryDirectory(prefix="zerosorry-diff-") as tmp:
        for proj in args.projects:
            ref = ref_dir / f"{proj.name}.json"
            if not ref.exists():
                write_ledger(args.against, proj, ref, Path(tmp) / f"ref-{proj.name}", args.jobs)
            cache = Path(tmp) / f"this-{proj.name}"
            phases = ["cold"] + ([] if args.no_warm else ["warm"])
            for phase in phases:
                out = Path(tmp) / f"{proj.name}-{phase}.json"
                write_ledger(HERE, proj, out, cache, args.jobs)
                ok = compare(ref, out, f"{proj.name} ({phase})") and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
