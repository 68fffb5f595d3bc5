"""Closed-form quantities of the moe-gauge appendix, evaluated with NumPy.

Conventions (shared with the Lean appendix and the widgets):

* A key is a vector ``k ∈ ℝ^d``; batches put the coordinate axis last (``axis=-1``).
* The moment ratio of a vector is ``β(k) = ‖k‖₁² / (d ‖k‖₂²)``; it lies in ``[1/d, 1]`` and
  equals 1 exactly on the sign lattice ``{±c}^d``.
* The optimal 1-bit (sign) quantiser is ``q = α · s`` with ``s = sign(k)`` and the
  least-squares scale ``α = ‖k‖₁ / d``.  **We take sign(0) = +1**, so a quantised vector always
  has exactly two levels ``±α`` (a genuine 1-bit code) and never a zero coordinate.  Because a
  zero coordinate contributes nothing to ``⟨s, k⟩ = ‖k‖₁``, the identities below hold with that
  convention: ``cos∠(k, q) = √β`` and ``‖k − q‖² / ‖k‖² = 1 − β``.
* The phase-collapse angle is ``θ = arccos √β`` (so ``sin² θ`` is the 1-bit residual energy).
* A matrix ``W`` of shape ``(m, n)`` is a linear map ``ℝ^n → ℝ^m``: ``n`` counts its
  **columns** (inputs).

Every public function validates its input and raises :class:`ValueError` with a plain message.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import integrate

FloatArray: TypeAlias = npt.NDArray[np.float64]
FloatOrArray: TypeAlias = "float | FloatArray"
ArrayLike: TypeAlias = npt.ArrayLike

GAUSSIAN_BETA: float = 2.0 / math.pi
"""β of N(0, σ²): (σ√(2/π))² / σ² = 2/π ≈ 0.6366 — the CLT attractor of random rotations."""
UNIFORM_BETA: float = 0.75
"""β of U[-a, a]: (a/2)² / (a²/3) = 3/4 — the light-tail limit."""
LAPLACE_BETA: float = 0.5
"""β of Laplace(0, b): b² / (2b²) = 1/2 — the heavy-tail reference."""

#: Allocator thresholds of the horizontal-slice rule (pre-registered in the paper).
ALLOCATOR_MIN_DIM: int = 512
ALLOCATOR_ONE_BIT_MAX_ANGLE: float = 40.0
ALLOCATOR_TWO_BIT_MAX_ANGLE: float = 44.0

_BETA_SLACK = 1e-12  # float round-off allowed above β = 1 before we call an input invalid


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------


def _float_array(x: ArrayLike, name: str, min_ndim: int = 1) -> FloatArray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if arr.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimension(s), got shape {arr.shape}")
    if arr.size == 0 or (arr.ndim >= 1 and 0 in arr.shape):
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _scalar_or_array(x: FloatArray) -> FloatOrArray:
    return float(x) if x.ndim == 0 else x


def _move_last(arr: FloatArray, axis: int) -> FloatArray:
    # numpy's AxisError is a ValueError subclass, so a bad axis already raises ValueError.
    return np.moveaxis(arr, axis, -1)


# --------------------------------------------------------------------------------------------
# per-vector quantities
# --------------------------------------------------------------------------------------------


def beta(k: ArrayLike, axis: int = -1) -> FloatOrArray:
    """Moment ratio ``β(k) = ‖k‖₁² / (d ‖k‖₂²)`` of each vector along ``axis``.

    Returns a float for a single vector, otherwise an array with ``axis`` removed.
    Raises ValueError for zero vectors (β is undefined there) and non-finite input.
    """
    arr = _move_last(_float_array(k, "k"), axis)
    d = arr.shape[-1]
    # Rescale by the largest magnitude first so that tiny or huge vectors neither underflow
    # nor overflow when squared; β is scale-invariant.
    peak = np.max(np.abs(arr), axis=-1, keepdims=True)
    if np.any(peak == 0):
        raise ValueError("β is undefined for a zero vector")
    u = arr / peak
    l1 = np.sum(np.abs(u), axis=-1)
    l2sq = np.sum(u * u, axis=-1)
    # No clamping: round-off may give 1 + ε on the sign lattice, and the witnesses must be
    # able to see a genuine violation of β ≤ 1.
    b = (l1 * l1) / (d * l2sq)
    return _scalar_or_array(b)


def one_bit_cosine(k: ArrayLike, axis: int = -1) -> FloatOrArray:
    """Cosine between ``k`` and its optimal 1-bit reconstruction: ``√β(k)``."""
    return _scalar_or_array(np.sqrt(np.asarray(beta(k, axis=axis))))


def sign_quantize(k: ArrayLike) -> tuple[FloatArray, FloatOrArray]:
    """Optimal 1-bit quantiser along the last axis: ``q = α·sign(k)``, ``α = ‖k‖₁/d``.

    sign(0) is taken as +1 (see the module docstring).  ``α`` minimises ``‖k − α s‖₂`` over
    scalars for the fixed sign pattern ``s``.  Returns ``(q, α)``; ``α`` is a float for a
    single vector, otherwise an array of shape ``k.shape[:-1]``.
    """
    arr = _float_array(k, "k")
    d = arr.shape[-1]
    signs = np.where(arr >= 0, 1.0, -1.0)
    # the mean of |k_i| computed as max · mean(|k_i|/max): never overflows where k itself fits
    top = np.max(np.abs(arr), axis=-1)
    safe = np.where(top > 0, top, 1.0)
    scale = top * (np.sum(np.abs(arr) / safe[..., None], axis=-1) / d)
    q = signs * scale[..., None]
    return q, _scalar_or_array(scale)


def residual_energy(k: ArrayLike) -> FloatOrArray:
    """Relative residual energy ``‖k − q‖² / ‖k‖²`` of the optimal 1-bit code (= 1 − β).

    Computed directly from the reconstruction, not from β, so that the identity
    ``residual_energy = 1 − β`` is something the witnesses can check.
    """
    arr = _float_array(k, "k")
    peak = np.max(np.abs(arr), axis=-1, keepdims=True)
    if np.any(peak == 0):
        raise ValueError("the residual energy is undefined for a zero vector")
    u = arr / peak
    q, _ = sign_quantize(u)
    r = u - q
    return _scalar_or_array(np.sum(r * r, axis=-1) / np.sum(u * u, axis=-1))


def angle_deg_from_beta(beta: ArrayLike) -> FloatOrArray:
    """Phase-collapse angle ``arccos(√β)`` in degrees (0° on the sign lattice)."""
    arr = _float_array(beta, "beta", min_ndim=0)
    if np.any(arr <= 0) or np.any(arr > 1 + _BETA_SLACK):
        raise ValueError("beta must lie in (0, 1]")
    return _scalar_or_array(np.degrees(np.arccos(np.sqrt(np.minimum(arr, 1.0)))))


def angle_deg(k: ArrayLike, axis: int = -1) -> FloatOrArray:
    """Phase-collapse angle of each vector: the angle between ``k`` and ``sign_quantize(k)``."""
    return angle_deg_from_beta(beta(k, axis=axis))


def moment_ratio(samples: ArrayLike) -> float:
    """Empirical moment ratio ``(E|X|)² / E[X²]`` of a sample (all entries pooled)."""
    arr = _float_array(samples, "samples").ravel()
    peak = float(np.max(np.abs(arr)))
    if peak == 0:
        raise ValueError("the moment ratio is undefined for an all-zero sample")
    u = arr / peak
    m1 = float(np.mean(np.abs(u)))
    m2 = float(np.mean(u * u))
    return m1 * m1 / m2


def moment_ratio_quad(
    pdf: Callable[[float], float], lower: float = -math.inf, upper: float = math.inf
) -> float:
    """Moment ratio ``(∫|x| p)² / ∫x² p`` of a density by adaptive quadrature (scipy.integrate).

    The integrals are split at 0 (where ``|x|`` has its kink and symmetric densities often
    have theirs).
    """
    if not lower < upper:
        raise ValueError("need lower < upper")

    def moment(f: Callable[[float], float]) -> float:
        total = 0.0
        pieces = [(lower, min(0.0, upper)), (max(0.0, lower), upper)]
        for a, b in pieces:
            if a < b:
                val, _err = integrate.quad(lambda x: f(x) * pdf(x), a, b, limit=200)
                total += val
        return total

    m1 = moment(abs)
    m2 = moment(lambda x: x * x)
    if not m2 > 0:
        raise ValueError("the density has no second moment mass")
    return m1 * m1 / m2


def isotropic_expected_beta(d: int) -> float:
    """Exact ``E β(R k)`` for a Haar-random rotation ``R`` of any fixed nonzero ``k ∈ ℝ^d``.

    ``Rk/‖k‖`` is uniform on the sphere, ``E u_i² = 1/d`` and ``E|u_i u_j| = 2/(π d)`` (i≠j),
    hence ``E β = 2/π + (1 − 2/π)/d`` → ``2/π``: no data-independent rotation beats the
    Gaussian floor on average.
    """
    if d < 1:
        raise ValueError("d must be a positive integer")
    return GAUSSIAN_BETA + (1.0 - GAUSSIAN_BETA) / d


# --------------------------------------------------------------------------------------------
# softmax and attention
# --------------------------------------------------------------------------------------------


def softmax(x: ArrayLike, axis: int = -1) -> FloatArray:
    """Numerically stable softmax along ``axis`` (shifts by the maximum first).

    Mathematically every output is positive; in float64 that holds while the spread of the
    scores stays below about 708 (beyond it ``exp`` underflows to 0).
    """
    arr = _float_array(x, "scores")
    shifted = arr - np.max(arr, axis=axis, keepdims=True)
    e = np.exp(shifted)
    out: FloatArray = e / np.sum(e, axis=axis, keepdims=True)
    return out


class SoftmaxCheck(NamedTuple):
    """Soundness measurements of :func:`softmax` on one score vector."""

    min_prob: float  # must be > 0
    sum_error: float  # |Σp − 1|
    shift_error: float  # max |softmax(x + c) − softmax(x)|
    order_violations: int  # pairs with x_i < x_j but p_i > p_j


def check_softmax(
    scores: ArrayLike, shift: float, fn: Callable[[FloatArray], FloatArray] | None = None
) -> SoftmaxCheck:
    """Measure positivity, normalisation, shift invariance and order preservation of a softmax."""
    sm = fn if fn is not None else softmax
    x = _float_array(scores, "scores")
    if x.ndim != 1:
        raise ValueError("scores must be a vector")
    p = sm(x)
    p_shift = sm(x + shift)
    order = np.argsort(x, kind="stable")
    xs, ps = x[order], p[order]
    # sorted ascending by score: probabilities must not decrease where the score increases
    violations = int(np.sum((np.diff(xs) > 0) & (np.diff(ps) < 0)))
    return SoftmaxCheck(
        min_prob=float(np.min(p)),
        sum_error=abs(float(np.sum(p)) - 1.0),
        shift_error=float(np.max(np.abs(p_shift - p))),
        order_violations=violations,
    )


def attention_scores(Q: ArrayLike, K: ArrayLike, scale: float = 1.0) -> FloatArray:
    """Score matrix ``scale · Q Kᵀ`` for queries ``Q`` (n, d) and keys ``K`` (m, d)."""
    q = _float_array(Q, "Q", min_ndim=2)
    k = _float_array(K, "K", min_ndim=2)
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"Q and K disagree on d: {q.shape[-1]} vs {k.shape[-1]}")
    out: FloatArray = scale * (q @ np.swapaxes(k, -1, -2))
    return out


def attention(
    Q: ArrayLike, K: ArrayLike, V: ArrayLike, scale: float | None = None
) -> FloatArray:
    """Softmax attention ``softmax(scale · QKᵀ) V``; ``scale`` defaults to ``1/√d``."""
    k = _float_array(K, "K", min_ndim=2)
    v = _float_array(V, "V", min_ndim=2)
    if v.shape[-2] != k.shape[-2]:
        raise ValueError("K and V must have the same number of tokens")
    s = 1.0 / math.sqrt(k.shape[-1]) if scale is None else scale
    out: FloatArray = softmax(attention_scores(Q, k, s), axis=-1) @ v
    return out


def random_orthogonal(d: int, rng: np.random.Generator | int | None = None) -> FloatArray:
    """A Haar-distributed orthogonal ``d × d`` matrix.

    Stewart's construction: a product of Householder reflections built from Gaussian vectors of
    decreasing length, each oriented so that it maps its vector to a positive multiple of
    ``e_1`` (the "positive-diagonal QR" normalisation), times a random sign on the last axis.
    It uses only matrix-vector and rank-1 updates rather than a LAPACK QR, which stays fast when
    a threaded BLAS competes for busy cores (a 256 × 256 QR can then take 100+ ms).
    """
    if not isinstance(d, (int, np.integer)) or isinstance(d, bool) or d < 1:
        raise ValueError("d must be a positive integer")
    n = int(d)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    out: FloatArray = np.eye(n)
    for k in range(n - 1):
        x = gen.standard_normal(n - k)
        sign = 1.0 if x[0] >= 0 else -1.0
        u = x.copy()
        u[0] += sign * math.sqrt(float(x @ x))
        u /= math.sqrt(float(u @ u))
        # rows k: of `out` ← −sign · (I − 2uuᵀ) · rows k:   (a view: updated in place)
        block = out[k:, :]
        block -= np.outer(2.0 * u, u @ block)
        if sign > 0:
            block *= -1.0
    if gen.random() < 0.5:
        out[n - 1, :] *= -1.0
    return out


def is_orthogonal(R: ArrayLike, tol: float = 1e-9) -> bool:
    """Whether ``RᵀR = I`` to ``tol`` (max-abs)."""
    r = _float_array(R, "R", min_ndim=2)
    if r.ndim != 2 or r.shape[0] != r.shape[1]:
        return False
    return bool(np.max(np.abs(r.T @ r - np.eye(r.shape[0]))) <= tol)


def apply_gauge(
    Q: ArrayLike, K: ArrayLike, R: ArrayLike, tol: float = 1e-9
) -> tuple[FloatArray, FloatArray]:
    """Rotate queries and keys by the same orthogonal ``R``: ``(Q R, K R)``.

    Because ``(QR)(KR)ᵀ = Q R Rᵀ Kᵀ = Q Kᵀ`` the attention scores are unchanged; in a model the
    ``R`` is absorbed into ``W_Q`` and ``W_K``.  Raises ValueError if ``R`` is not orthogonal.
    """
    q = _float_array(Q, "Q", min_ndim=2)
    k = _float_array(K, "K", min_ndim=2)
    r = _float_array(R, "R", min_ndim=2)
    if r.ndim != 2 or r.shape[0] != r.shape[1] or r.shape[0] != q.shape[-1]:
        raise ValueError(f"R must be a square {q.shape[-1]}×{q.shape[-1]} matrix, got {r.shape}")
    if not is_orthogonal(r, tol):
        raise ValueError("R is not orthogonal (RᵀR ≠ I)")
    return q @ r, k @ r


class AttentionDistortion(NamedTuple):
    """Distortion of one attention row and its guarantees (see :func:`attention_distortion`)."""

    observed: float  # max_c |o_c − ô_c|
    bound: float  # B·‖s − ŝ‖∞ + max|V − V̂|, the appendix's statement, B = max|V|
    score_error: float  # ‖s − ŝ‖∞
    score_error_bound: float  # scale·‖q‖₂·max_j ‖k_j − k̂_j‖₂ ≥ score_error (Cauchy–Schwarz)
    a_priori_bound: float  # B·score_error_bound + max|V − V̂|: needs only the key errors


def attention_distortion(
    q: ArrayLike,
    K: ArrayLike,
    V: ArrayLike,
    K_hat: ArrayLike,
    V_hat: ArrayLike,
    scale: float | None = None,
) -> AttentionDistortion:
    """Observed and guaranteed ∞-norm distortion of one attention row under K/V quantisation.

    With scores ``s = scale·K q``, ``ŝ = scale·K̂ q``, weights ``p = softmax(s)``,
    ``p̂ = softmax(ŝ)`` and outputs ``o = pV``, ``ô = p̂V̂``:

    * softmax is 1-Lipschitz from ℓ∞ to ℓ1 (its Jacobian ``diag p − ppᵀ`` maps the ℓ∞ unit
      ball into the ℓ1 unit ball), so ``‖p − p̂‖₁ ≤ ‖s − ŝ‖∞``;
    * ``o − ô = (p − p̂)V + p̂(V − V̂)`` gives
      ``‖o − ô‖∞ ≤ B·‖s − ŝ‖∞ + max|V − V̂|`` with ``B = max|V|`` (the appendix's statement);
    * by Cauchy–Schwarz ``‖s − ŝ‖∞ ≤ scale·‖q‖₂·max_j ‖k_j − k̂_j‖₂``, and for the 1-bit key code
      ``‖k_j − k̂_j‖₂ = ‖k_j‖√(1 − β(k_j))``, which gives a bound from the key errors alone.

    ``scale`` defaults to ``1/√d``.
    """
    qv = _float_array(q, "q")
    k = _float_array(K, "K", min_ndim=2)
    kh = _float_array(K_hat, "K_hat", min_ndim=2)
    v = _float_array(V, "V", min_ndim=2)
    vh = _float_array(V_hat, "V_hat", min_ndim=2)
    if qv.ndim != 1 or k.ndim != 2 or v.ndim != 2:
        raise ValueError("q must be a vector, K and V matrices")
    if k.shape != kh.shape or v.shape != vh.shape or k.shape[0] != v.shape[0]:
        raise ValueError("K/K_hat and V/V_hat shapes must agree, with one row per token")
    if k.shape[1] != qv.shape[0]:
        raise ValueError("q and K disagree on d")
    sc = 1.0 / math.sqrt(k.shape[1]) if scale is None else scale
    s = sc * (k @ qv)
    sh = sc * (kh @ qv)
    observed = float(np.max(np.abs(softmax(s) @ v - softmax(sh) @ vh)))
    b = float(np.max(np.abs(v)))
    v_err = float(np.max(np.abs(v - vh)))
    score_err = float(np.max(np.abs(s - sh)))
    score_bound = abs(sc) * float(np.linalg.norm(qv)) * float(np.max(np.linalg.norm(k - kh, axis=1)))
    return AttentionDistortion(
        observed=observed,
        bound=b * score_err + v_err,
        score_error=score_err,
        score_error_bound=score_bound,
        a_priori_bound=b * score_bound + v_err,
    )


# --------------------------------------------------------------------------------------------
# W_o amplification, DC centering, rank-r correction
# --------------------------------------------------------------------------------------------


def avg_amplification(W: ArrayLike) -> float:
    """Average amplification ``‖W‖_F / √n`` of ``W`` (shape (m, n), a map ℝ^n → ℝ^m).

    ``n`` is the number of **columns** (inputs).  It equals the root-mean-square of ``‖W e_i‖``
    over the standard basis, and of ``‖W x‖`` over ``x`` uniform on the unit sphere.
    """
    w = _float_array(W, "W", min_ndim=2)
    if w.ndim != 2:
        raise ValueError(f"W must be a matrix, got shape {w.shape}")
    return float(np.linalg.norm(w, "fro") / math.sqrt(w.shape[1]))


def rms_amplification_basis(W: ArrayLike) -> float:
    """Root-mean-square of ``‖W e_i‖₂`` over the standard basis ``e_1 … e_n`` (explicit images)."""
    w = _float_array(W, "W", min_ndim=2)
    n = w.shape[1]
    norms = [float(np.linalg.norm(w @ np.eye(n)[:, i])) for i in range(n)]
    return math.sqrt(sum(x * x for x in norms) / n)


def rms_amplification_sphere(
    W: ArrayLike, samples: int, rng: np.random.Generator | int | None = None
) -> float:
    """Monte-Carlo root-mean-square of ``‖W x‖₂`` for ``x`` uniform on the unit sphere of ℝ^n."""
    w = _float_array(W, "W", min_ndim=2)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    x = gen.standard_normal((w.shape[1], samples))
    x /= np.linalg.norm(x, axis=0, keepdims=True)
    y = w @ x
    return math.sqrt(float(np.mean(np.sum(y * y, axis=0))))


def center_per_key(k: ArrayLike) -> FloatArray:
    """Subtract each key's own coordinate mean: ``k − m·𝟙`` with ``m = (1/d) Σᵢ kᵢ`` (the Lean
    ``center``).  Unlike :func:`dc_center` this moves each key by its own amount, so attention
    scores do change; what it guarantees is the energy split ``‖k‖² = ‖k − m𝟙‖² + d·m²``."""
    arr = _float_array(k, "k")
    out: FloatArray = arr - np.mean(arr, axis=-1, keepdims=True)
    return out


def dc_center(K: ArrayLike) -> FloatArray:
    """Subtract the per-dimension mean over tokens: ``K − mean(K, axis=-2)``.

    ``K`` has shape ``(..., tokens, d)``.  Each query's scores then move by the constant
    ``⟨q, mean⟩`` across tokens, so softmax attention weights are exactly unchanged.
    """
    k = _float_array(K, "K", min_ndim=2)
    out: FloatArray = k - np.mean(k, axis=-2, keepdims=True)
    return out


def matrix_beta_1bit(K: ArrayLike) -> float:
    """Energy-weighted 1-bit β of a key matrix: ``1 − ‖K − Q‖_F² / ‖K‖_F²`` (row-wise codes)."""
    k = _float_array(K, "K", min_ndim=2)
    top = float(np.max(np.abs(k)))
    if top == 0:
        raise ValueError("β is undefined for a zero matrix")
    k = k / top  # scale-free: squares of very large (or tiny) entries neither overflow nor vanish
    total = float(np.sum(k * k))
    q, _ = sign_quantize(k)
    return 1.0 - float(np.sum((k - q) ** 2)) / total


def gamma_r(residual_matrix: ArrayLike, r: int) -> float:
    """Fraction of the residual's Frobenius energy captured by its top-``r`` singular values."""
    e = _float_array(residual_matrix, "residual_matrix", min_ndim=2)
    if e.ndim != 2:
        raise ValueError("residual_matrix must be a matrix")
    if not isinstance(r, (int, np.integer)) or r < 0:
        raise ValueError("r must be a non-negative integer")
    sv = np.linalg.svd(e, compute_uv=False)
    total = float(np.sum(sv * sv))
    if total == 0:
        raise ValueError("γ_r is undefined for a zero residual")
    return float(np.sum(sv[: int(r)] ** 2)) / total


def truncated_svd(E: ArrayLike, r: int) -> FloatArray:
    """Best rank-``r`` approximation of ``E`` in Frobenius norm (Eckart–Young)."""
    e = _float_array(E, "E", min_ndim=2)
    if not isinstance(r, (int, np.integer)) or r < 0:
        raise ValueError("r must be a non-negative integer")
    u, s, vt = np.linalg.svd(e, full_matrices=False)
    out: FloatArray = (u[:, :r] * s[:r]) @ vt[:r]
    return out


def rank_r_effective_beta(beta_1bit: ArrayLike, gamma_r: ArrayLike) -> FloatOrArray:
    """Effective β of 1-bit + rank-r residual correction: ``1 − (1 − β)(1 − γ_r)``."""
    b = _float_array(beta_1bit, "beta_1bit", min_ndim=0)
    g = _float_array(gamma_r, "gamma_r", min_ndim=0)
    if np.any(b < 0) or np.any(b > 1 + _BETA_SLACK):
        raise ValueError("beta_1bit must lie in [0, 1]")
    if np.any(g < 0) or np.any(g > 1 + _BETA_SLACK):
        raise ValueError("gamma_r must lie in [0, 1]")
    return _scalar_or_array(np.asarray(1.0 - (1.0 - b) * (1.0 - g)))


# --------------------------------------------------------------------------------------------
# the loss near the sign lattice (BetaLocalHessian.lean)
# --------------------------------------------------------------------------------------------


def lattice_tangent(s: ArrayLike, v: ArrayLike) -> FloatArray:
    """Project ``v`` onto the hyperplane orthogonal to the lattice point ``s`` (``⟨s, v⟩ = 0``)."""
    sv = _float_array(s, "s")
    vv = _float_array(v, "v")
    if sv.shape != vv.shape or sv.ndim != 1:
        raise ValueError("s and v must be vectors of the same length")
    out: FloatArray = vv - (float(np.dot(sv, vv)) / float(np.dot(sv, sv))) * sv
    return out


def loss_along(s: ArrayLike, v: ArrayLike, t: float) -> float:
    """The 1-bit loss ``1 − β(s + t v)``, evaluated as the residual energy (no cancellation)."""
    sv = _float_array(s, "s")
    vv = _float_array(v, "v")
    return float(residual_energy(sv + t * vv))


def lattice_local_loss(d: int, t: ArrayLike, v_sq_norm: ArrayLike) -> FloatOrArray:
    """Closed form ``t²‖v‖² / (d + t²‖v‖²)`` of the loss at ``s + t v`` for ``s ∈ {±1}^d``,
    ``v ⊥ s`` and ``|t v_i| < 1`` (no coordinate changes sign): then ``‖s + tv‖₁ = d`` and
    ``‖s + tv‖₂² = d + t²‖v‖²``.  Its second derivative at ``t = 0`` is ``2‖v‖²/d``, and it
    never exceeds ``t²‖v‖²/d`` (last-mile hardness)."""
    if d < 1:
        raise ValueError("d must be a positive integer")
    a = np.asarray(t, dtype=np.float64) ** 2 * np.asarray(v_sq_norm, dtype=np.float64)
    return _scalar_or_array(np.asarray(a / (d + a)))


# --------------------------------------------------------------------------------------------
# MoE gauge and the horizontal-slice allocator
# --------------------------------------------------------------------------------------------


def moe_gauge(mu: ArrayLike) -> FloatArray:
    """Per-layer gauge ``G_ℓ = (1/H) Σ_h max(0, μ_{h,ℓ})`` of an ``(L, H)`` array ``μ``."""
    m = _float_array(mu, "mu", min_ndim=2)
    if m.ndim != 2:
        raise ValueError(f"mu must have shape (layers, heads), got {m.shape}")
    out: FloatArray = np.mean(np.maximum(m, 0.0), axis=1)
    return out


def allocate_bits(d: ArrayLike, angle_deg: ArrayLike) -> int | npt.NDArray[np.int64]:
    """Horizontal-slice allocator: bits per coordinate for head dimension ``d`` and angle (°).

    1 bit if ``d ≥ 512`` and ``angle ≤ 40°`` (pressure release); 2 bits if ``angle ≤ 44°``
    (ballroom); 3 bits otherwise (fragmented).  Broadcasts over arrays.
    """
    d_arr = np.asarray(d)
    if d_arr.dtype.kind not in "iu" and not (
        d_arr.dtype.kind == "f" and np.all(np.isfinite(d_arr)) and np.all(d_arr == np.round(d_arr))
    ):
        raise ValueError("d must be a positive integer")
    if np.any(d_arr < 1):
        raise ValueError("d must be a positive integer")
    a = _float_array(angle_deg, "angle", min_ndim=0)
    if np.any(a < 0) or np.any(a > 90):
        raise ValueError("angle must lie in [0°, 90°]")
    bits = np.where(
        (d_arr >= ALLOCATOR_MIN_DIM) & (a <= ALLOCATOR_ONE_BIT_MAX_ANGLE),
        1,
        np.where(a <= ALLOCATOR_TWO_BIT_MAX_ANGLE, 2, 3),
    ).astype(np.int64)
    return int(bits) if bits.ndim == 0 else bits
