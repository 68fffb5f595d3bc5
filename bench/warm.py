"""The warm re-scan after a proof edit alone, repeated: a scan of a tree whose stored state
(zerosorry/warm.py) was written by a scan before, after one tactic proof gained or lost a line,
in a fresh process each time (start-up and imports included), writing the ledger the way
``zerosorry scan -o`` does -- as ``bench/scan.py``'s "one proof edited" phase, but ``--repeat``
times and, with ``--against SRC``, alternating with another zerosorry so both see the same load.

After the cold scans, one untimed warm scan each (a file modified within a second of being
read is read again by the next scan, and the tree was just written).  Each round edits the tree once (a line added to the first tactic proof of a file near its
middle, then taken out again: both are proof edits) and runs each zerosorry on it; the ledgers
they write are compared byte for byte, and at the end with a scan without any stored state.
Prints each run's wall and CPU seconds with the load average (the machine may be shared), the
medians and their ratio.  Target on 2 cores: <= 0.5 s.

With ``--compiled``: this checkout's pure and mypyc-compiled builds (see bench/cold.py).

    python bench/warm.py [--files 5000] [--real DIR ...] [--no-synthetic] [--repeat 5] [--against SRC | --compiled]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cold import Variants, _load, _median, print_ratio, trees, variants
from scan import edit_proof, proof_target, run_phase


def measure(label: str, root: Path, lines: int, tmp: Path, repeat: int, variants: Variants,
            target: Path) -> None:
    caches = {name: tmp / f"cache-{label}-{name}" for name, _ in variants}
    print(f"== {label}: {lines:,} lines; edited file {target.relative_to(root)}")
    for name, src in variants:
        got = run_phase("cold", root, caches[name], src)
        print(f"  {name:7} cold scan (writes the state): {got['seconds']:.1f} s  {got['decls']:,} declarations")
    for name, src in variants:  # untimed: files written just before the cold scan are read again once
        run_phase("warm", root, caches[name], src)
    original = target.read_text(encoding="utf-8")
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in variants}
    for r in range(repeat):
        if r % 2 == 0:
            edit_proof(target, "skip")
        else:
            target.write_text(original, encoding="utf-8")
        texts = []
        for name, src in variants:
            load = _load()
            got = run_phase("warm", root, caches[name], src)
            runs[name].append(got)
            texts.append((caches[name] / "lean_status.json").read_bytes())
            print(f"  {name:7} run {r + 1}: {got['seconds']:.3f} s wall, {got['cpu']:.3f} s cpu, "
                  f"peak {got['peak_mib']:.0f} MiB  (load {load})")
        if len(set(texts)) != 1:
            raise SystemExit(f"round {r + 1}: the ledgers written differ")
    full = run_phase("cold", root, tmp / f"cache-{label}-full", variants[0][1])
    if (tmp / f"cache-{label}-full" / "lean_status.json").read_bytes() != texts[0]:
        raise SystemExit("the last warm ledger differs from a scan without a stored state")
    print(f"  the ledgers written are byte-identical, and to a full scan's ({full['decls']:,} declarations)")
    target.write_text(original, encoding="utf-8")
    for name, src in variants:
        wall = _median([x["seconds"] for x in runs[name]])
        cpu = _median([x["cpu"] for x in runs[name]])
        print(f"-- {src or 'this checkout'}: median {wall:.3f} s wall, {cpu:.3f} s cpu over {repeat} runs  "
              f"[target <= 0.5 s]")
    print_ratio(runs)


def main() -> int:
    # the ledger's time is the same in every run (a tree outside git is otherwise dated now)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1764892800")
    built: Variants | None = None
    for label, root, lines, tmp, args in trees(__doc__, "zerosorry-warm-"):
        built = built or variants(args, tmp)
        target = root / "Synth" / "File17.lean" if label == "synthetic" else proof_target(root)
        measure(label, root, lines, tmp, args.repeat, built, target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
