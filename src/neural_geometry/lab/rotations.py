"""Rotations of key space: the data-independent SRHT and a learned L¹-maximising rotation.

The learned rotation maximises Σᵢ ‖R k̂ᵢ‖₁ over orthogonal R (k̂ = k/‖k‖, so that every key
counts alike; for a unit key ‖Rk̂‖₁² / d is its β).  For fixed signs S = sign(K̂Rᵀ) the
objective is the linear ⟨R, SᵀK̂⟩, whose maximiser over orthogonal matrices is the polar factor
of SᵀK̂ (U Vᵀ from its SVD).  Alternating the two steps never lowers the objective, and starting
from the identity the result is never worse than no rotation on the training keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .. import formulas as F
from .files import atomic_write
from .models import LabError

Array = npt.NDArray[np.float64]


def hadamard(p: int) -> Array:
    """The normalised Sylvester–Hadamard matrix of order ``p`` (a power of two): orthogonal."""
    if p < 1 or p & (p - 1):
        raise ValueError(f"Hadamard order must be a power of two, got {p}")
    h = np.ones((1, 1))
    while h.shape[0] < p:
        h = np.block([[h, h], [h, -h]])
    out: Array = h / np.sqrt(p)
    return out


def srht(d: int, rng: np.random.Generator) -> Array:
    """A subsampled-randomised-Hadamard isometry ``(p × d)``: pad to p = 2^⌈log₂ d⌉ with zeros,
    flip random signs, apply the normalised Hadamard transform.  Its columns are orthonormal, so
    inner products (attention scores) are kept exactly."""
    p = 1 << max(0, (d - 1).bit_length())
    signs = rng.choice(np.array([-1.0, 1.0]), size=p)
    out: Array = hadamard(p)[:, :d] * signs[:d]
    return out


@dataclass(frozen=True)
class Lifted:
    rotation: Array  # (d, d), orthogonal
    objective: tuple[float, ...]  # mean ‖R k̂‖₁ per iteration, starting at the identity
    iterations: int


def _unit(K: Array) -> Array:
    norms = np.linalg.norm(K, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError("zero key vector: its direction (and β) is undefined")
    out: Array = K / norms
    return out


def learn_rotation(K: npt.ArrayLike, *, iters: int = 200, tol: float = 1e-10) -> Lifted:
    """The orthogonal R maximising the mean ‖R k̂‖₁ of the rows of ``K`` (tokens × d)."""
    U = _unit(np.asarray(K, dtype=np.float64))
    d = U.shape[1]
    R = np.eye(d)
    history = [float(np.mean(np.abs(U).sum(axis=1)))]
    it = 0
    for it in range(1, iters + 1):  # noqa: B007 - the count is returned
        S = np.sign(U @ R.T)
        S[S == 0] = 1.0
        u, _, vt = np.linalg.svd(S.T @ U)
        R_new = u @ vt
        value = float(np.mean(np.abs(U @ R_new.T).sum(axis=1)))
        if value < history[-1]:  # numerically flat: keep the better one
            break
        R = R_new
        improved = value - history[-1]
        history.append(value)
        if improved <= tol * max(1.0, value):
            break
    return Lifted(R, tuple(history), it)


# ------------------------------------------------------------------------------ geometry
@dataclass(frozen=True)
class Geometry:
    beta: float  # mean β over the keys
    angle_deg: float  # arccos √β of that mean
    residual: float  # 1 − β: mean relative residual energy of the 1-bit code
    bits: int  # the allocator's bits at this head dimension and angle


def geometry(K: npt.ArrayLike) -> Geometry:
    k = np.asarray(K, dtype=np.float64)
    b = float(np.mean(F.beta(k, axis=-1)))
    angle = float(F.angle_deg_from_beta(min(1.0, b)))
    return Geometry(b, angle, 1.0 - b, int(F.allocate_bits(k.shape[-1], angle)))


VARIANTS = ("raw", "srht", "learned", "raw+c", "srht+c", "learned+c")


@dataclass
class LiftResult:
    """Held-out geometry of every head under each variant, and the learned rotations."""

    beta: dict[str, Array]  # variant -> (layers, heads) held-out mean β
    train_beta: dict[str, Array]  # "raw"/"learned"(+c) -> (layers, heads) on the training split
    rotations: dict[str, Array]  # "learned" / "learned+c" -> (layers, heads, d, d)
    srht: Array  # (layers, heads, p, d)
    means: Array  # (layers, heads, d): the training mean removed by centering
    train_index: npt.NDArray[np.int64]
    test_index: npt.NDArray[np.int64]
    d: int
    per: str

    def layer_table(self) -> list[dict[str, float]]:
        rows = []
        for layer in range(self.beta["raw"].shape[0]):
            row: dict[str, float] = {"layer": float(layer)}
            for v in VARIANTS:
                row[v] = float(np.mean(self.beta[v][layer]))
            rows.append(row)
        return rows


def split(tokens: int, train_frac: float, seed: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    if not 0 < train_frac < 1:
        raise ValueError("train_frac must lie strictly between 0 and 1")
    perm = np.random.default_rng(seed).permutation(tokens)
    n = max(1, min(tokens - 1, round(tokens * train_frac)))
    return np.sort(perm[:n]), np.sort(perm[n:])


def lift(keys: npt.ArrayLike, *, train_frac: float = 0.5, seed: int = 0, per: str = "head",
         iters: int = 200) -> LiftResult:
    """Learn rotations on a training split of the tokens (per head, or one per layer) with and
    without DC-mean centering, and measure held-out β for raw, SRHT and learned."""
    K = np.asarray(keys, dtype=np.float64)
    if K.ndim != 4:
        raise ValueError(f"keys must have shape (layers, heads, tokens, d), got {K.shape}")
    if per not in ("head", "layer"):
        raise ValueError("per must be 'head' or 'layer'")
    L, H, T, d = K.shape
    tr, te = split(T, train_frac, seed)
    rng = np.random.default_rng(seed + 1)
    p = 1 << max(0, (d - 1).bit_length())
    beta = {v: np.zeros((L, H)) for v in VARIANTS}
    train_beta = {v: np.zeros((L, H)) for v in ("raw", "learned", "raw+c", "learned+c")}
    rots = {v: np.zeros((L, H, d, d)) for v in ("learned", "learned+c")}
    srhts = np.zeros((L, H, p, d))
    means = np.zeros((L, H, d))
    for layer in range(L):
        for h in range(H):
            srhts[layer, h] = srht(d, rng)
        means[layer] = K[layer][:, tr].mean(axis=1)
        for centered in (False, True):
            suffix = "+c" if centered else ""
            Kc = K[layer] - means[layer][:, None, :] if centered else K[layer]
            if per == "layer":
                R = learn_rotation(Kc[:, tr].reshape(-1, d), iters=iters).rotation
                layer_rots = [R] * H
            else:
                layer_rots = [learn_rotation(Kc[h, tr], iters=iters).rotation for h in range(H)]
            for h in range(H):
                R = layer_rots[h]
                rots["learned" + suffix][layer, h] = R
                test, train = Kc[h, te], Kc[h, tr]
                beta["raw" + suffix][layer, h] = geometry(test).beta
                beta["srht" + suffix][layer, h] = geometry(test @ srhts[layer, h].T).beta
                beta["learned" + suffix][layer, h] = geometry(test @ R.T).beta
                train_beta["raw" + suffix][layer, h] = geometry(train).beta
                train_beta["learned" + suffix][layer, h] = geometry(train @ R.T).beta
    return LiftResult(beta, train_beta, rots, srhts, means, tr, te, d, per)


ROTATION_KEYS = ("learned", "learned_centered")


def save_rotations(result: LiftResult, path: str) -> None:
    from safetensors.numpy import save_file

    tensors = {"learned": result.rotations["learned"].astype(np.float64),
               "learned_centered": result.rotations["learned+c"].astype(np.float64),
               "srht": result.srht, "means": result.means}
    atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata={"per": result.per, "layout": "layers,heads,d,d"}))


def load_rotations(path: str) -> dict[str, Array]:
    from safetensors.numpy import load_file

    if not Path(path).is_file():
        raise LabError(f"{path}: no such file (write one with `zerosorry-geometry lab lift KEYS --out {path}`)")
    try:
        loaded = load_file(path)
    except Exception as exc:  # safetensors raises its own error types
        raise LabError(f"{path}: not a rotation file: {exc}") from exc
    for key in ROTATION_KEYS:
        if key not in loaded:
            raise LabError(f"{path}: not a rotation file: no tensor {key!r} "
                           f"(it holds {', '.join(sorted(loaded)) or 'nothing'}); write one with `lab lift --out`")
        t = loaded[key]
        if t.ndim != 4 or t.shape[-1] != t.shape[-2]:
            raise LabError(f"{path}: tensor {key!r} has shape {t.shape}, expected layers × heads × d × d")
    out: dict[str, Array] = {k: v.astype(np.float64) for k, v in loaded.items()}
    return out
