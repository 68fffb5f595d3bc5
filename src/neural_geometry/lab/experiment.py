"""The whole lab run in one function: capture, lift, gauge check, 1-bit errors.

Its result is plain data (numbers and arrays), turned into a table by the CLI and into a page by
:mod:`.report`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from . import capture as cap
from . import gauge, rotations
from .models import Loaded

Array = npt.NDArray[np.float64]


@dataclass
class LabRun:
    model: str
    tokens: int
    text_sha256: str
    shape: tuple[int, int, int, int]  # layers, heads, tokens, d
    lift: rotations.LiftResult
    gauge: gauge.GaugeCheck | None
    one_bit: dict[str, dict[str, float]]  # basis -> {"score_rel": …, "prob_tv": …}, mean over heads
    one_bit_per_layer: dict[str, list[float]]  # basis -> per-layer mean relative score error
    keys_sample: dict[str, Array]  # "raw"/"learned" -> normalised coordinates (for histograms)
    seconds: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    gauge_note: str | None = None  # why the gauge check did not run


def run(loaded: Loaded, texts: Sequence[str], *, tokens: int, seed: int = 0, train_frac: float = 0.5,
        per: str = "head", gauge_check: bool = True,
        progress: Callable[[str], None] | None = None) -> LabRun:
    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    c = cap.capture(loaded.model, loaded.tokenizer, texts, max_tokens=tokens, model_name=loaded.name,
                    with_queries=True)
    t1 = time.perf_counter()
    say(f"captured {c.tokens} tokens: keys {c.keys.shape}")
    res = rotations.lift(c.keys, train_frac=train_frac, seed=seed, per=per)
    t2 = time.perf_counter()
    say("learned the rotations")
    check = None
    gauge_note = None if gauge_check else "not asked for"
    if gauge_check and cap.uses_rotary(loaded.model):
        gauge_check = False
        gauge_note = ("not run: this model uses rotary position embeddings, and a general rotation of "
                      "key space does not commute with RoPE, so it cannot be folded into W_Q and W_K")
        say(f"gauge check {gauge_note}")
    if gauge_check:
        twin = gauge.absorb(loaded.model, res.rotations["learned"])
        check = gauge.check(loaded.model, twin, loaded.tokenizer, texts[:3])
        say(f"gauge check: max |Δp| = {check.max_prob_diff:.2e}")
    t3 = time.perf_counter()
    one_bit, per_layer = _one_bit(c, res)
    t4 = time.perf_counter()
    K = c.keys.astype(np.float64)[:, :, res.test_index]
    raw = K / np.linalg.norm(K, axis=-1, keepdims=True) * np.sqrt(K.shape[-1])
    learned = np.einsum("lhij,lhtj->lhti", res.rotations["learned"], K)
    learned = learned / np.linalg.norm(learned, axis=-1, keepdims=True) * np.sqrt(K.shape[-1])
    return LabRun(
        model=loaded.name, tokens=c.tokens, text_sha256=c.text_sha256,
        shape=tuple(int(x) for x in c.keys.shape),  # type: ignore[arg-type]
        lift=res, gauge=check, one_bit=one_bit, one_bit_per_layer=per_layer,
        keys_sample={"raw": raw.reshape(-1), "learned": learned.reshape(-1)},
        seconds={"capture": t1 - t0, "lift": t2 - t1, "gauge": t3 - t2, "one_bit": t4 - t3},
        seed=seed, gauge_note=gauge_note,
    )


def _one_bit(c: cap.Capture, res: rotations.LiftResult) -> tuple[dict[str, dict[str, float]], dict[str, list[float]]]:
    assert c.queries is not None
    L, H = c.keys.shape[:2]
    qh = c.queries.shape[1]
    group = qh // H
    te = res.test_index
    d = c.keys.shape[-1]
    names = ("identity", "srht", "learned", "learned+c")
    acc: dict[str, list[list[tuple[float, float]]]] = {n: [[] for _ in range(L)] for n in names}
    for layer in range(L):
        for h in range(H):
            keys = c.keys[layer, h][te].astype(np.float64)
            bases = {"identity": np.eye(d), "srht": res.srht[layer, h], "learned": res.rotations["learned"][layer, h]}
            for g in range(group):
                q = c.queries[layer, h * group + g][te].astype(np.float64)
                errs = gauge.one_bit_error(q, keys, bases)
                errs_c = gauge.one_bit_error(q, keys, {"learned+c": res.rotations["learned+c"][layer, h]},
                                             centers=res.means[layer, h])
                errs.update(errs_c)
                for n in names:
                    acc[n][layer].append((errs[n].score_rel, errs[n].prob_tv))
    summary = {n: {"score_rel": float(np.mean([e[0] for lay in acc[n] for e in lay])),
                   "prob_tv": float(np.mean([e[1] for lay in acc[n] for e in lay]))} for n in names}
    per_layer = {n: [float(np.mean([e[0] for e in acc[n][layer]])) for layer in range(L)] for n in names}
    return summary, per_layer


def table_rows(run: LabRun) -> list[dict[str, Any]]:
    rows = []
    d = run.shape[3]
    p = run.lift.srht.shape[-2]  # SRHT pads d to a power of two: its code has p coordinates
    for r in run.lift.layer_table():
        layer = int(r["layer"])
        row: dict[str, Any] = {"layer": layer}
        for v in rotations.VARIANTS:
            row[v] = r[v]
        from .. import formulas as F

        for v in ("raw", "srht", "learned", "learned+c"):
            b = min(1.0, r[v])
            dim = p if v.startswith("srht") else d
            row[f"bits[{v}]"] = int(F.allocate_bits(dim, float(F.angle_deg_from_beta(b))))
        for n, vals in run.one_bit_per_layer.items():
            row[f"err[{n}]"] = vals[layer]
        rows.append(row)
    return rows
