"""The cold scan alone, repeated: the scan of a tree with an empty parse cache, in a fresh
process each time (start-up included), as ``bench/scan.py`` measures it, but ``--repeat`` times
and, with ``--against SRC``, alternating with another zerosorry so both see the same load.

With ``--compiled``, the two builds of this checkout run instead, alternating: its sources as
they are (pure Python) and compiled with mypyc (built first into a temporary folder, as
``ZEROSORRY_COMPILE=1 pip install .`` would; about a minute), and the ratio printed is
compiled / pure.

Prints each run's wall and CPU seconds, the medians, lines per second, peak memory and the
load average (the machine may be shared).  Target on 2 cores: >= 100,000 lines/s.

    python bench/cold.py [--files 5000] [--real DIR ...] [--no-synthetic] [--repeat 5] [--against SRC | --compiled]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engines import build_compiled, copy_sources
from scan import copy_real, run_phase, synthetic_tree

#: the zerosorry builds a bench runs, alternating: (name, folder put first on PYTHONPATH; None:
#: this checkout as the bench itself imports it)
Variants = list[tuple[str, Path | None]]


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _median(xs: list[float]) -> float:
    return sorted(xs)[len(xs) // 2]


def measure(label: str, root: Path, lines: int, tmp: Path, repeat: int, variants: Variants) -> None:
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in variants}
    print(f"== {label}: {lines:,} lines")
    for r in range(repeat):
        for name, src in variants:
            cache = tmp / f"cache-{label}-{name}-{r}"
            load = _load()
            got = run_phase("cold", root, cache, src)
            shutil.rmtree(cache, ignore_errors=True)
            runs[name].append(got)
            print(f"  {name:7} run {r + 1}: {got['seconds']:.2f} s wall, {got['cpu']:.2f} s cpu, "
                  f"{lines / got['seconds']:,.0f} lines/s, peak {got['peak_mib']:.0f} MiB  (load {load})")
    for name, src in variants:
        wall = _median([x["seconds"] for x in runs[name]])
        cpu = _median([x["cpu"] for x in runs[name]])
        peak = max(x["peak_mib"] for x in runs[name])
        print(f"-- {src or 'this checkout'}: median {wall:.2f} s wall ({lines / wall:,.0f} lines/s), "
              f"{cpu:.2f} s cpu ({lines / cpu:,.0f} lines per cpu-second), peak {peak:.0f} MiB, "
              f"{runs[name][0]['decls']:,} declarations  [target >= 100,000 lines/s]")
    print_ratio(runs)


def print_ratio(runs: dict[str, list[dict[str, Any]]]) -> None:
    """With two builds: the medians of the second's runs against the first's (this checkout's
    against ``--against``'s, or compiled against pure), wall and CPU."""
    if len(runs) != 2:
        return
    a, b = runs
    if "this" in runs:  # the bench's own checkout first, as it always read
        b, a = a, b
    t = _median([x["seconds"] for x in runs[b]]) / _median([x["seconds"] for x in runs[a]])
    c = _median([x["cpu"] for x in runs[b]]) / _median([x["cpu"] for x in runs[a]])
    print(f"-- {b} / {a}: {t:.2f}x wall, {c:.2f}x cpu")


def variants(args: argparse.Namespace, tmp: Path) -> Variants:
    """This checkout (and ``--against``'s), or with ``--compiled`` its pure and compiled builds."""
    if args.compiled:
        pure = copy_sources(tmp / "pure")
        print("building the compiled engine (mypyc) ...", flush=True)
        return [("pure", pure), ("compiled", build_compiled(tmp / "compiled"))]
    return [("this", None)] + ([("against", args.against)] if args.against else [])


def trees(doc: str | None, prefix: str) -> Iterator[tuple[str, Path, int, Path, argparse.Namespace]]:
    """The options these benches share, read; then (label, root, lines, scratch folder, options)
    for the synthetic tree (unless ``--no-synthetic``) and the ``--real`` tree (when given)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--real", type=Path, nargs="+", default=[], metavar="DIR")
    ap.add_argument("--no-synthetic", action="store_true")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--against", type=Path, default=None, metavar="SRC")
    ap.add_argument("--compiled", action="store_true",
                    help="run this checkout's pure and mypyc-compiled builds (built in a temporary folder)")
    ap.add_argument("--keep", type=Path, default=None, help="generate the synthetic tree here (reused if present)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        if not args.no_synthetic:
            root = args.keep or tmp / "tree"
            lines = synthetic_tree(root, args.files)
            yield "synthetic", root, lines, tmp, args
        if args.real:
            real = tmp / "real"
            lines = copy_real(args.real, real)
            yield f"real ({', '.join(p.name for p in args.real)})", real, lines, tmp, args
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    built: Variants | None = None
    for label, root, lines, tmp, args in trees(__doc__, "zerosorry-cold-"):
        built = built or variants(args, tmp)
        measure(label, root, lines, tmp, args.repeat, built)
    return 0


if __name__ == "__main__":
    sys.exit(main())
