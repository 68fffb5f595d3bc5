"""The rotation as a gauge on a real network, and what it buys for 1-bit keys.

Rotating the query and the key of one head by the same orthogonal R leaves every score qᵀk
unchanged (``attention_score_gauge_invariance``), so R can be folded into W_Q and W_K (and
their biases) after training at no cost.  :func:`absorb` does that on a copy of the model and
:func:`check` measures how much the attention probabilities and layer outputs move (float
rounding only).  :func:`one_bit_error` then measures the effect that matters: the error of
attention computed with 1-bit keys (sign × optimal scale) in each basis.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import formulas as F
from .capture import KEY_MODULE, QUERY_MODULE, head_shape, projections, uses_rotary
from .models import LabError

Array = npt.NDArray[np.float64]


def absorb(model: Any, rotations: npt.ArrayLike) -> Any:
    """A copy of ``model`` with W_K,h ← R_h W_K,h, b_K,h ← R_h b_K,h and the same for every
    query head that reads key head h (grouped-query attention shares one R per key head)."""
    import torch

    R = np.asarray(rotations, dtype=np.float64)
    shape = head_shape(model)
    if R.shape != (shape.layers, shape.kv_heads, shape.d, shape.d):
        raise LabError(f"rotations have shape {R.shape}, the model needs "
                       f"{(shape.layers, shape.kv_heads, shape.d, shape.d)}")
    if uses_rotary(model):
        raise LabError("this model uses rotary position embeddings: a rotation of key space commutes "
                       "with RoPE only if it respects its frequency pairs, which the learned one does not")
    twin = copy.deepcopy(model)
    group = shape.q_heads // shape.kv_heads
    keys = projections(twin, KEY_MODULE)
    queries = projections(twin, QUERY_MODULE)
    with torch.no_grad():
        for (layer, _, kmod), (_, _, qmod) in zip(keys, queries, strict=True):
            for h in range(shape.kv_heads):
                Rt = torch.tensor(R[layer, h], dtype=torch.float64)
                _rotate_rows(kmod, h, shape.d, Rt)
                for g in range(group):
                    _rotate_rows(qmod, h * group + g, shape.d, Rt)
    return twin


def _rotate_rows(linear: Any, head: int, d: int, R: Any) -> None:
    rows = slice(head * d, (head + 1) * d)
    w = linear.weight.data
    w[rows] = (R @ w[rows].to(R.dtype)).to(w.dtype)
    if linear.bias is not None:
        b = linear.bias.data
        b[rows] = (R @ b[rows].to(R.dtype)).to(b.dtype)


@dataclass(frozen=True)
class GaugeCheck:
    max_prob_diff: float  # max |Δ attention probability| over layers, heads, queries, keys
    max_hidden_diff: float  # max |Δ| over every layer's output
    max_hidden: float  # max |output| (the scale the difference is measured against)
    tokens: int


def check(model: Any, twin: Any, tokenizer: Any, texts: Sequence[str], max_length: int = 256) -> GaugeCheck:
    import torch

    prob, hid, scale, n = 0.0, 0.0, 0.0, 0
    with torch.no_grad():
        for text in texts:
            enc = tokenizer(text, truncation=True, max_length=max_length, return_tensors="pt")
            a = model(**enc, output_attentions=True, output_hidden_states=True)
            b = twin(**enc, output_attentions=True, output_hidden_states=True)
            for x, y in zip(a.attentions, b.attentions, strict=True):
                prob = max(prob, float((x - y).abs().max()))
            for x, y in zip(a.hidden_states, b.hidden_states, strict=True):
                hid = max(hid, float((x - y).abs().max()))
                scale = max(scale, float(x.abs().max()))
            n += int(enc["input_ids"].shape[1])
    return GaugeCheck(prob, hid, scale, n)


# ------------------------------------------------------------------------------ 1-bit keys
def one_bit(k: Array) -> Array:
    """Row-wise optimal sign code: sign(k) · ‖k‖₁ / d (the example's ``sign_quantize``)."""
    q, _ = F.sign_quantize(k)
    return q


@dataclass(frozen=True)
class OneBitError:
    score_rel: float  # ‖S̃ − S‖_F / ‖S‖_F, scores of 1-bit keys against exact ones (mean over heads)
    prob_tv: float  # mean total-variation distance between the attention rows


def one_bit_error(queries: Array, keys: Array, bases: Mapping[str, Array],
                  centers: Array | None = None) -> dict[str, OneBitError]:
    """For one head: queries and keys (tokens × d) of held-out text, and named bases (each a
    (p × d) isometry).  Scores are qᵀk/√d over the same text (bidirectional attention)."""
    d = keys.shape[1]
    exact = queries @ keys.T / np.sqrt(d)
    probs = F.softmax(exact, axis=-1)
    out = {}
    for name, M in bases.items():
        k = keys - centers if centers is not None else keys
        q2, k2 = queries @ M.T, k @ M.T
        approx = q2 @ one_bit(k2).T / np.sqrt(d)
        if centers is not None:  # centering shifts each query's scores by a constant
            approx = approx + (queries @ centers / np.sqrt(d))[:, None]
        rel = float(np.linalg.norm(approx - exact) / np.linalg.norm(exact))
        tv = float(np.mean(0.5 * np.abs(F.softmax(approx, axis=-1) - probs).sum(axis=-1)))
        out[name] = OneBitError(rel, tv)
    return out
