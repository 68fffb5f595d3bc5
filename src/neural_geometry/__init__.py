"""neural_geometry: the numeric companion of the moe-gauge appendix.

It evaluates, with NumPy/SciPy, the quantities the Lean theorems talk about (the moment
ratio β of a key vector, the optimal 1-bit sign quantiser, the phase-collapse angle, the
per-layer MoE gauge, the horizontal-slice bit allocator, ...), loads real key tensors and
measures them (:mod:`neural_geometry.keys`, ``zerosorry-geometry measure``), and provides the
numeric witnesses the appendix links to (:mod:`neural_geometry.witnesses`).
"""

from __future__ import annotations

from neural_geometry.formulas import (
    GAUSSIAN_BETA,
    LAPLACE_BETA,
    UNIFORM_BETA,
    allocate_bits,
    angle_deg,
    angle_deg_from_beta,
    beta,
    moe_gauge,
    one_bit_cosine,
    residual_energy,
    sign_quantize,
)

__all__ = [
    "GAUSSIAN_BETA",
    "LAPLACE_BETA",
    "UNIFORM_BETA",
    "allocate_bits",
    "angle_deg",
    "angle_deg_from_beta",
    "beta",
    "moe_gauge",
    "one_bit_cosine",
    "residual_energy",
    "sign_quantize",
]
