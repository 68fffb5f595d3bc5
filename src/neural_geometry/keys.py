"""Load attention-key tensors and measure them layer by layer.

A key file holds one array of shape ``(layers, heads, tokens, d)``: a ``.npy`` file, or a
``.safetensors`` file whose tensor is named ``keys`` (or is its only tensor).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from neural_geometry.formulas import (
    GAUSSIAN_BETA,
    FloatArray,
    allocate_bits,
    angle_deg_from_beta,
    beta,
    dc_center,
    moe_gauge,
)

KEY_EXTENSIONS = (".npy", ".safetensors")
SAFETENSORS_KEY_NAME = "keys"


class KeyFileError(ValueError):
    """A key file that cannot be used; the message starts with the file's path."""


def _position(mask: np.ndarray) -> str:
    layer, head, token = (int(i) for i in np.argwhere(mask)[0][:3])
    return f"layer {layer}, head {head}, token {token}"


def _read_array(path: Path) -> np.ndarray:
    suffix = path.suffix.lower()
    if suffix not in KEY_EXTENSIONS:
        raise KeyFileError(
            f"{path}: unknown key-file extension {path.suffix or '(none)'!r} "
            f"(expected .npy or .safetensors)"
        )
    if not path.is_file():
        raise KeyFileError(f"{path}: cannot read key file: no such file")
    if suffix == ".npy":
        try:
            arr = np.load(path, allow_pickle=False)
        except Exception as exc:  # numpy raises a zoo of types for malformed files
            raise KeyFileError(f"{path}: cannot read key file: {exc}") from None
        if not isinstance(arr, np.ndarray):
            raise KeyFileError(f"{path}: cannot read key file: not a single .npy array")
        return arr
    from safetensors.numpy import load_file

    try:
        tensors = load_file(str(path))
    except Exception as exc:  # safetensors raises SafetensorError/OSError/ValueError
        raise KeyFileError(f"{path}: cannot read key file: {exc}") from None
    if SAFETENSORS_KEY_NAME in tensors:
        return tensors[SAFETENSORS_KEY_NAME]
    if len(tensors) == 1:
        return next(iter(tensors.values()))
    names = ", ".join(sorted(tensors)) or "none"
    raise KeyFileError(
        f"{path}: no tensor named {SAFETENSORS_KEY_NAME!r} and {len(tensors)} tensors "
        f"({names}); name the key tensor {SAFETENSORS_KEY_NAME!r}"
    )


def load_keys(path: str | Path) -> FloatArray:
    """Read keys of shape ``(layers, heads, tokens, d)`` as float64, validating them.

    Raises :class:`KeyFileError` (a ValueError) naming the file for an unknown extension, an
    unreadable file, a non-numeric dtype, a rank other than 4, ``d = 0`` or another empty
    axis, NaN/infinite entries and zero key vectors (β is undefined for those).
    """
    p = Path(path)
    raw = _read_array(p)
    if raw.dtype.kind not in "iuf":
        raise KeyFileError(f"{p}: keys must be a real numeric array, got dtype {raw.dtype}")
    if raw.ndim != 4:
        raise KeyFileError(
            f"{p}: keys must have rank 4 (layers, heads, tokens, d), got rank {raw.ndim} "
            f"with shape {tuple(raw.shape)}"
        )
    if raw.shape[3] == 0:
        raise KeyFileError(f"{p}: head dimension d is 0 (shape {tuple(raw.shape)})")
    if 0 in raw.shape:
        raise KeyFileError(f"{p}: empty key tensor (shape {tuple(raw.shape)})")
    arr = raw.astype(np.float64)
    bad = ~np.isfinite(arr)
    if np.any(bad):
        n = int(np.sum(np.any(bad, axis=-1)))
        raise KeyFileError(
            f"{p}: {n} key vector(s) contain NaN or infinite values "
            f"(first at {_position(np.any(bad, axis=-1))})"
        )
    zero = np.all(arr == 0, axis=-1)
    if np.any(zero):
        raise KeyFileError(
            f"{p}: {int(np.sum(zero))} zero key vector(s) (first at {_position(zero)}); "
            "β is undefined for a zero vector"
        )
    return arr


@dataclass(frozen=True)
class LayerStats:
    """One row of the per-layer table produced by :func:`measure`."""

    layer: int
    heads: int
    tokens: int
    d: int
    beta_mean: float  # mean of β(k) over the layer's heads and tokens
    beta_min: float
    beta_max: float
    floor: float  # 1 − beta_mean: mean relative residual energy of the 1-bit code
    angle_deg: float  # arccos √beta_mean: the angle whose sin² is that mean residual
    gauge: float  # G_ℓ = (1/H) Σ_h max(0, μ_{h,ℓ}) with μ as defined in measure()
    bits: int  # allocate_bits(d, angle_deg)


def measure(
    keys: FloatArray, gauge_baseline: float = GAUSSIAN_BETA, center: bool = False
) -> list[LayerStats]:
    """Per-layer moment statistics of a ``(layers, heads, tokens, d)`` key tensor.

    For every key vector ``k_{ℓ,h,t}`` we compute ``β(k)``.  The per-head quantity fed to the
    gauge is

        μ_{h,ℓ} = (1/T) Σ_t β(k_{ℓ,h,t}) − gauge_baseline,

    the head's mean moment ratio in excess of the baseline, by default the Gaussian CLT
    attractor 2/π (what any data-independent rotation converges to).  So
    ``G_ℓ = (1/H) Σ_h max(0, μ_{h,ℓ})`` is the average amount by which a layer's heads beat the
    isotropic floor; heads at or below it contribute 0.  ``gauge_baseline=0`` makes μ the plain
    per-head mean β.

    ``angle_deg`` is ``arccos √β̄_ℓ`` for the layer mean ``β̄_ℓ`` (so ``sin²`` of it is the mean
    1-bit residual energy), and ``bits`` is the horizontal-slice allocation for that angle at
    the layer's head dimension ``d``.  With ``center=True`` each head's keys are first
    DC-centred over tokens (:func:`neural_geometry.formulas.dc_center`).
    """
    arr = np.asarray(keys, dtype=np.float64)
    if arr.ndim != 4 or 0 in arr.shape:
        raise ValueError(f"keys must have shape (layers, heads, tokens, d), got {arr.shape}")
    if not math.isfinite(gauge_baseline):
        raise ValueError("gauge_baseline must be finite")
    if center:
        if arr.shape[2] < 2:
            raise ValueError("DC-centring needs at least 2 tokens per head")
        arr = dc_center(arr)
        if np.any(np.all(arr == 0, axis=-1)):
            raise ValueError("DC-centring produced a zero key vector (β undefined)")
    layers, heads, tokens, d = arr.shape
    b = np.asarray(beta(arr))  # (L, H, T)
    head_means = b.mean(axis=2)  # (L, H)
    gauge = moe_gauge(head_means - gauge_baseline)
    rows: list[LayerStats] = []
    for layer in range(layers):
        bl = b[layer]
        mean = float(bl.mean())
        angle = float(angle_deg_from_beta(mean))
        rows.append(
            LayerStats(
                layer=layer,
                heads=heads,
                tokens=tokens,
                d=d,
                beta_mean=mean,
                beta_min=float(bl.min()),
                beta_max=float(bl.max()),
                floor=1.0 - mean,
                angle_deg=angle,
                gauge=float(gauge[layer]),
                bits=int(allocate_bits(d, angle)),
            )
        )
    return rows


TABLE_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(LayerStats))


def format_table(rows: Sequence[LayerStats]) -> str:
    """A fixed-width text rendering of the per-layer table (for the terminal)."""
    header = ["layer", "heads", "tokens", "d", "β mean", "β min", "β max", "1−β", "angle°", "gauge", "bits"]
    lines = [
        [
            str(r.layer),
            str(r.heads),
            str(r.tokens),
            str(r.d),
            f"{r.beta_mean:.4f}",
            f"{r.beta_min:.4f}",
            f"{r.beta_max:.4f}",
            f"{r.floor:.4f}",
            f"{r.angle_deg:.2f}",
            f"{r.gauge:.4f}",
            str(r.bits),
        ]
        for r in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    out = ["  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))]
    out += ["  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join(out)


def write_table(rows: Sequence[LayerStats], path: str | Path) -> None:
    """Write the table as JSON (a list of objects) or CSV (header + one row per layer)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".json":
        p.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n", encoding="utf-8")
    elif suffix == ".csv":
        with p.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(TABLE_COLUMNS))
            writer.writeheader()
            for r in rows:
                writer.writerow(asdict(r))
    else:
        raise ValueError(f"{p}: output must end in .json or .csv")
