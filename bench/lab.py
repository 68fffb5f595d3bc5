"""Benchmark of the geometry lab on all-MiniLM-L6-v2 (CPU): capture of 2,000 tokens and the
lift of all 72 heads (6 layers × 12 heads), each in a fresh process, with time and peak memory.

* baseline: the same forward passes over the same texts without hooks (what capture adds to);
* capture: the hooked forward passes, keys assembled as (6, 12, 2000, 32);
* lift: the learned rotation of every head, with and without centering, on a 50/50 split, and
  the held-out comparison against no rotation and SRHT.

Prints seconds, peak resident memory, and each time as a ratio against the baseline.

    python bench/lab.py [--tokens 2000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
tokens, what = int(sys.argv[1]), sys.argv[2]
from neural_geometry.lab.models import load, sample_texts
from neural_geometry.lab import capture, rotations
import torch
L = load()
texts = sample_texts()
t0 = time.perf_counter()
if what == "baseline":
    seen = 0
    with torch.no_grad():
        for chunk in capture._chunks(texts):
            if seen >= tokens:
                break
            enc = L.tokenizer(chunk, truncation=True, max_length=256, return_tensors="pt")
            L.model(**enc)
            seen += int(enc["input_ids"].shape[1])
elif what == "capture":
    c = capture.capture(L.model, L.tokenizer, texts, max_tokens=tokens)
    assert c.keys.shape[2] == tokens
else:
    c = capture.capture(L.model, L.tokenizer, texts, max_tokens=tokens)
    t0 = time.perf_counter()
    res = rotations.lift(c.keys, seed=0)
    assert res.rotations["learned"].shape[:2] == (6, 12)
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(tokens: int, what: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(tokens), what], check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=int, default=2000)
    args = ap.parse_args()
    base = measure(args.tokens, "baseline")
    print(f"baseline  forward passes, {args.tokens} tokens, no hooks   {base['seconds']:7.2f} s   "
          f"peak {base['peak_mib']:6.0f} MiB")
    for what, label in (("capture", f"capture of {args.tokens} tokens (6×12 heads)"),
                        ("lift", "lift of all 72 heads (± centering)")):
        r = measure(args.tokens, what)
        print(f"{what:9s} {label:38s}{r['seconds']:7.2f} s   peak {r['peak_mib']:6.0f} MiB   "
              f"({r['seconds'] / base['seconds']:5.1f}x baseline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
