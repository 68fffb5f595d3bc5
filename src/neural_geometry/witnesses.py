"""Numeric witnesses for the moe-gauge appendix (contract: docs/manifest.md).

Each public witness takes no arguments, uses fixed seeds and returns

    {"passed": bool, "cases": int, "max_error": float, "tolerance": float,
     "summary": str, "counterexample": str | None}

Algebraic identities are checked exactly (to float tolerance) on many random cases; limit
statements are checked as Monte-Carlo convergence with a stated tolerance.  Every witness is a
thin wrapper around a ``check_*`` function whose ingredients (the formula under test, the
closed form, ...) can be swapped, so the tests can show that a broken ingredient fails.
An exception inside a witness is reported as a failure with its message as the summary.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, TypeAlias

import numpy as np
from scipy import linalg, stats

from neural_geometry import formulas as F
from neural_geometry.formulas import FloatArray

WitnessResult: TypeAlias = dict[str, Any]
Rng: TypeAlias = np.random.Generator

IDENTITY_TOL = 1e-12
DEFAULT_CASES = 20_000


def _fmt_tol(x: float) -> str:
    if x == 0:
        return "0"
    return f"{x:.0e}" if x < 1e-3 else f"{x:g}"


def result(
    *,
    cases: int,
    max_error: float,
    tolerance: float,
    what: str,
    counterexample: str | None = None,
    detail: str = "",
) -> WitnessResult:
    """Assemble a witness mapping; it passes iff no counterexample and max_error ≤ tolerance."""
    err = float(max_error)
    passed = counterexample is None and math.isfinite(err) and err <= tolerance
    summary = f"{cases:,} {what}, max error {err:.1e} (tolerance {_fmt_tol(tolerance)})"
    if detail:
        summary += f"; {detail}"
    if not passed and counterexample is None:
        counterexample = f"max error {err:.3e} exceeds tolerance {tolerance:.1e}"
    return {
        "passed": bool(passed),
        "cases": int(cases),
        "max_error": err,
        "tolerance": float(tolerance),
        "summary": summary,
        "counterexample": counterexample,
    }


def _guarded(fn: Callable[[], WitnessResult]) -> Callable[[], WitnessResult]:
    @functools.wraps(fn)
    def wrapper() -> WitnessResult:
        try:
            return fn()
        except Exception as exc:
            return {
                "passed": False,
                "cases": 0,
                "max_error": math.inf,
                "tolerance": 0.0,
                "summary": f"{type(exc).__name__}: {exc}",
                "counterexample": None,
            }

    return wrapper


def _nan_inf(x: Any) -> Any:
    """Errors that are NaN count as infinitely bad (NaN compares False with everything)."""
    arr = np.asarray(x, dtype=np.float64)
    out = np.where(np.isnan(arr), np.inf, arr)
    return float(out) if out.ndim == 0 else out


def _short(v: FloatArray, n: int = 6) -> str:
    body = ", ".join(f"{x:.6g}" for x in v[:n])
    return f"[{body}{', …' if v.size > n else ''}] (d={v.size})"


class Worst:
    """The largest error over a witness's cases, and the first case that broke the tolerance.

    ``if worst.record(err): worst.flag(f"...")``: :meth:`record` keeps ``err`` if it is the largest so
    far and says whether this case is the counterexample to describe (the first time the largest
    error exceeds ``tolerance``), so the description is formatted only then.  :meth:`flag` keeps a
    counterexample, also one found some other way (a property that failed outright); only the
    first is kept.  :meth:`result` is :func:`result` over what was seen.
    """

    def __init__(self, tolerance: float) -> None:
        self.tolerance = tolerance
        self.error = 0.0
        self.counterexample: str | None = None

    def record(self, err: float) -> bool:
        if err > self.error:
            self.error = float(err)
            return self.error > self.tolerance and self.counterexample is None
        return False

    def record_batch(self, errs: FloatArray) -> int | None:
        """:meth:`record` the largest of a batch of errors; its index if it is to be described."""
        i = int(np.argmax(errs))
        return i if self.record(float(errs[i])) else None

    def flag(self, counterexample: str) -> None:
        if self.counterexample is None:
            self.counterexample = counterexample

    def result(self, *, cases: int, what: str, detail: str = "") -> WitnessResult:
        return result(cases=cases, max_error=self.error, tolerance=self.tolerance, what=what,
                      counterexample=self.counterexample, detail=detail)


# --------------------------------------------------------------------------------------------
# random test vectors
# --------------------------------------------------------------------------------------------

_DIMS = (1, 2, 3, 5, 8, 16, 33, 64, 128, 256)


def _draw(rng: Rng, kind: str, n: int, d: int) -> FloatArray:
    if kind == "gaussian":
        x = rng.standard_normal((n, d))
    elif kind == "laplace":
        x = rng.laplace(size=(n, d))
    elif kind == "uniform":
        x = rng.uniform(-1.0, 1.0, (n, d))
    elif kind == "student2":
        x = rng.standard_t(2.0, (n, d))
    elif kind == "sparse":  # many exact zeros: exercises the sign(0) convention
        x = rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.4)
    elif kind == "near-lattice":
        x = np.where(rng.random((n, d)) < 0.5, -1.0, 1.0) * (1.0 + 0.05 * rng.standard_normal((n, d)))
    elif kind == "integers":  # ties and zeros
        x = rng.integers(-3, 4, (n, d)).astype(np.float64)
    elif kind == "tiny":
        x = 1e-100 * rng.standard_normal((n, d))
    elif kind == "huge":
        x = 1e100 * rng.laplace(size=(n, d))
    else:  # pragma: no cover - internal
        raise ValueError(kind)
    zero = np.all(x == 0, axis=1)
    x[zero, 0] = 1.0  # β needs a nonzero vector
    return x


_KINDS = ("gaussian", "laplace", "uniform", "student2", "sparse", "near-lattice", "integers", "tiny", "huge")


def random_vector_batches(seed: int, total: int = DEFAULT_CASES) -> Iterator[FloatArray]:
    """Deterministic batches ``(n, d)`` of nonzero vectors of many shapes and distributions."""
    rng = np.random.default_rng(seed)
    groups = [(kind, d) for kind in _KINDS for d in _DIMS]
    per, extra = divmod(total, len(groups))
    for i, (kind, d) in enumerate(groups):
        n = per + (1 if i < extra else 0)
        if n:
            yield _draw(rng, kind, n, d)


# --------------------------------------------------------------------------------------------
# JensenFloor.lean: per-vector identities
# --------------------------------------------------------------------------------------------


def check_cos_sign_quant_formula(
    quantize: Callable[[FloatArray], tuple[FloatArray, Any]] = F.sign_quantize,
    cosine: Callable[[FloatArray], Any] = F.one_bit_cosine,
    total: int = DEFAULT_CASES,
    seed: int = 1,
) -> WitnessResult:
    """cos∠(k, q) computed explicitly equals √β(k), and q is a genuine 1-bit code ±α."""
    worst = Worst(IDENTITY_TOL)
    for k in random_vector_batches(seed, total):
        q, alpha = quantize(k)
        q = np.asarray(q, dtype=np.float64)
        # normalise both sides before the dot product so 1e±100 inputs stay in range
        kn = k / np.linalg.norm(k, axis=1, keepdims=True)
        qn = q / np.linalg.norm(q, axis=1, keepdims=True)
        explicit = np.sum(kn * qn, axis=1)
        err = np.abs(explicit - np.asarray(cosine(k)))
        levels = np.max(np.abs(np.abs(q) - np.asarray(alpha)[..., None]), axis=1) / np.asarray(alpha)
        if (i := worst.record_batch(_nan_inf(np.maximum(err, levels)))) is not None:
            worst.flag(f"k = {_short(k[i])}: cos(k, q) = {explicit[i]:.15g}, formula gives {float(np.asarray(cosine(k[i]))):.15g}")
    return worst.result(
        cases=total,
        what="random vectors (d = 1…256, 9 distributions incl. zeros and 1e±100 scales): cos(k, q) = √β",
    )


def check_residual_energy_formula(
    residual: Callable[[FloatArray], Any] = F.residual_energy,
    beta_fn: Callable[[FloatArray], Any] = F.beta,
    quantize: Callable[[FloatArray], tuple[FloatArray, Any]] = F.sign_quantize,
    total: int = DEFAULT_CASES,
    seed: int = 2,
) -> WitnessResult:
    """‖k − q‖²/‖k‖² = 1 − β(k), and α = ‖k‖₁/d is the least-squares scale for sign(k)."""
    worst = Worst(IDENTITY_TOL)
    lstsq_cases = 0
    for k in random_vector_batches(seed, total):
        err = np.abs(np.asarray(residual(k)) - (1.0 - np.asarray(beta_fn(k))))
        # least-squares scale over the fixed sign pattern, solved as a 1-column system
        m = min(20, k.shape[0])
        _q, alpha = quantize(k[:m])
        for j in range(m):
            kj = k[j] / np.max(np.abs(k[j]))
            s = np.where(kj >= 0, 1.0, -1.0)[:, None]
            a_ls = float(np.linalg.lstsq(s, kj, rcond=None)[0][0])
            a = float(np.asarray(alpha).reshape(-1)[j]) / float(np.max(np.abs(k[j])))
            err[j] = max(float(err[j]), abs(a - a_ls) / max(abs(a_ls), 1e-300))
            lstsq_cases += 1
        if (i := worst.record_batch(_nan_inf(err))) is not None:
            worst.flag(f"k = {_short(k[i])}: residual {float(np.asarray(residual(k[i]))):.15g} vs 1 − β = {1 - float(np.asarray(beta_fn(k[i]))):.15g}")
    return worst.result(
        cases=total,
        what="random vectors: ‖k − q‖²/‖k‖² = 1 − β",
        detail=f"least-squares scale = ‖k‖₁/d on {lstsq_cases:,} of them",
    )


def check_jensen_floor(
    beta_fn: Callable[[FloatArray], Any] = F.beta, total: int = DEFAULT_CASES, seed: int = 3
) -> WitnessResult:
    """1/d ≤ β(k) ≤ 1 (Cauchy–Schwarz / Jensen for |·|), and β matches its defining ratio."""
    worst = Worst(IDENTITY_TOL)
    for k in random_vector_batches(seed, total):
        d = k.shape[1]
        b = np.asarray(beta_fn(k))
        u = k / np.max(np.abs(k), axis=1, keepdims=True)
        direct = np.sum(np.abs(u), axis=1) ** 2 / (d * np.sum(u * u, axis=1))
        err = _nan_inf(np.maximum.reduce([b - 1.0, 1.0 / d - b, np.abs(b - direct), np.zeros_like(b)]))
        if (i := worst.record_batch(err)) is not None:
            worst.flag(f"k = {_short(k[i])}: β = {b[i]:.15g} outside [1/d, 1] or ≠ ‖k‖₁²/(d‖k‖₂²) = {direct[i]:.15g}")
    return worst.result(cases=total, what="random vectors: 1/d ≤ β ≤ 1")


def check_jensen_floor_equality(
    beta_fn: Callable[[FloatArray], Any] = F.beta, total: int = DEFAULT_CASES, seed: int = 4
) -> WitnessResult:
    """β = 1 exactly on the sign lattice {±c}^d; off it (one magnitude changed) β < 1."""
    rng = np.random.default_rng(seed)
    worst = Worst(IDENTITY_TOL)
    dims = (1, 2, 3, 7, 64, 128, 1000)
    per = total // (2 * len(dims))
    cases, strict_cases = 0, 0
    for d in dims:
        c = 10.0 ** rng.uniform(-100, 100, (per, 1))
        signs = np.where(rng.random((per, d)) < 0.5, -1.0, 1.0)
        lattice = c * signs
        b = np.asarray(beta_fn(lattice))
        if (i := worst.record_batch(_nan_inf(np.abs(b - 1.0)))) is not None:
            worst.flag(f"lattice vector {_short(lattice[i])}: β = {b[i]:.17g}")
        cases += per
        if d == 1:
            continue  # every nonzero scalar is on the lattice
        off = lattice.copy()
        j = rng.integers(0, d, per)
        factor = 1.0 + rng.uniform(1e-3, 1.0, per) * np.where(rng.random(per) < 0.5, -0.5, 1.0)
        off[np.arange(per), j] *= factor
        b_off = np.asarray(beta_fn(off))
        strict_cases += per
        bad = np.flatnonzero(b_off >= 1.0)
        if bad.size:
            worst.flag(f"off-lattice vector {_short(off[bad[0]])}: β = {b_off[bad[0]]:.17g} (expected < 1)")
    return worst.result(
        cases=cases + strict_cases,
        what="cases",
        detail=f"β = 1 on {cases:,} sign-lattice vectors ±c (c = 1e-100…1e100, d ≤ 1000); "
        f"β < 1 on {strict_cases:,} with one magnitude changed",
    )


# --------------------------------------------------------------------------------------------
# moment ratios of distributions
# --------------------------------------------------------------------------------------------


def check_iid_coord_moment_ratio_floor(
    residual: Callable[[FloatArray], Any] = F.residual_energy,
    dims: tuple[int, ...] = (16, 256, 4096),
    vectors: int = 200,
    tolerance: float = 5e-3,
    seed: int = 5,
) -> WitnessResult:
    """Mean 1-bit residual energy of i.i.d.-coordinate keys → 1 − β as d grows.

    For Gaussian, uniform and Laplace coordinates the mean residual energy over ``vectors``
    keys is compared with the closed-form floor ``1 − β``; the error at the largest ``d`` must
    be within ``tolerance`` and no larger than at the smallest ``d`` (convergence).
    """
    rng = np.random.default_rng(seed)
    closed = {"gaussian": F.GAUSSIAN_BETA, "uniform": F.UNIFORM_BETA, "laplace": F.LAPLACE_BETA}
    worst, cases, counter = 0.0, 0, None
    parts = []
    for kind, b in closed.items():
        errs = []
        for d in dims:
            k = _draw(rng, kind, vectors, d)
            mean_res = float(np.mean(np.asarray(residual(k))))
            errs.append(_nan_inf(abs(mean_res - (1.0 - b))))
            cases += vectors
        worst = max(worst, errs[-1])
        parts.append(f"{kind} {errs[0]:.1e}→{errs[-1]:.1e}")
        if errs[-1] > errs[0] and counter is None:
            counter = f"{kind}: error grew with d ({errs[0]:.2e} at d={dims[0]}, {errs[-1]:.2e} at d={dims[-1]})"
    return result(
        cases=cases,
        max_error=worst,
        tolerance=tolerance,
        what=f"i.i.d. keys at d = {', '.join(map(str, dims))}: mean residual → 1 − β",
        counterexample=counter,
        detail="error " + ", ".join(parts),
    )


class _Law(NamedTuple):
    """A symmetric law with a scale: its name, its density and support at a scale, a sampler."""

    name: str
    pdf_for_scale: Callable[[float], tuple[Callable[[float], float], float, float]]
    sampler: Callable[[Rng, float, int], FloatArray]


_LAWS = {
    "gaussian": _Law(
        "Gaussian N(0, σ²)",
        lambda s: (stats.norm(scale=s).pdf, -40 * s, 40 * s),
        lambda rng, s, n: rng.normal(0.0, s, n),
    ),
    "uniform": _Law(
        "uniform U[-a, a]",
        lambda s: (lambda x: 1.0 / (2 * s), -s, s),
        lambda rng, s, n: rng.uniform(-s, s, n),
    ),
    "laplace": _Law(
        "Laplace(0, b)",
        lambda s: (stats.laplace(scale=s).pdf, -80 * s, 80 * s),
        lambda rng, s, n: rng.laplace(0.0, s, n),
    ),
}
_SCALES = (0.01, 1.0, 30.0)
_SAMPLES = 400_000
_SAMPLE_TOL = 5e-3  # > 5 standard errors of the ratio estimator at 400k samples
_QUAD_TOL = 1e-9


def _moment_ratio_check(law: _Law, closed_form: float, seed: int) -> WitnessResult:
    """β of ``law`` is ``closed_form`` by quadrature (to ``_QUAD_TOL``) and by Monte Carlo (to
    ``_SAMPLE_TOL``, the error reported) at each of ``_SCALES``."""
    rng = np.random.default_rng(seed)
    quad_err, sample_err, counter = 0.0, 0.0, None
    for s in _SCALES:
        pdf, lo, hi = law.pdf_for_scale(s)
        q = F.moment_ratio_quad(pdf, lo, hi)
        e = _nan_inf(abs(q - closed_form))
        if e > _QUAD_TOL and counter is None:
            counter = f"quadrature at scale {s:g} gives β = {q:.12g}, not {closed_form:.12g}"
        quad_err = max(quad_err, e)
        emp = F.moment_ratio(law.sampler(rng, s, _SAMPLES))
        sample_err = max(sample_err, _nan_inf(abs(emp - closed_form)))
    return result(
        cases=2 * len(_SCALES),
        max_error=sample_err,
        tolerance=_SAMPLE_TOL,
        what=f"{law.name} checks (quadrature and {_SAMPLES:,}-sample Monte Carlo at scales {', '.join(f'{s:g}' for s in _SCALES)}) of β = {closed_form:.6f}",
        counterexample=counter,
        detail=f"quadrature error {quad_err:.1e} (tolerance {_QUAD_TOL:.0e})",
    )


def check_gaussian_moment_ratio(closed_form: float = F.GAUSSIAN_BETA, seed: int = 6) -> WitnessResult:
    return _moment_ratio_check(_LAWS["gaussian"], closed_form, seed)


def check_uniform_moment_ratio(closed_form: float = F.UNIFORM_BETA, seed: int = 7) -> WitnessResult:
    return _moment_ratio_check(_LAWS["uniform"], closed_form, seed)


def check_laplace_moment_ratio(closed_form: float = F.LAPLACE_BETA, seed: int = 8) -> WitnessResult:
    return _moment_ratio_check(_LAWS["laplace"], closed_form, seed)


def check_isotropic_floor(
    rotation: Callable[[int, Rng], FloatArray] = F.random_orthogonal,
    dims: tuple[int, ...] = (2, 3, 4, 8, 16, 64),
    rotations: int = 2_000,
    law_keys: int = 4_000,
    expected_beta: Callable[[int], float] = F.isotropic_expected_beta,
    seed: int = 9,
) -> WitnessResult:
    """Haar-random rotations pin β at the Gaussian floor, whatever the input.

    For fixed inputs far from Gaussian (the sign lattice, a one-hot vector, a Laplace draw)
    the mean of β(Rk) over Haar rotations must match ``2/π + (1 − 2/π)/d`` within 4 standard
    errors, and that expectation tends to 2/π.  Small d is where the ``1/d`` term is large: there
    the test must also tell the formula from the bare limit 2/π (at least 8 standard errors
    apart), or it could not fail on the term it claims to check.
    """
    rng = np.random.default_rng(seed)
    worst, cases = Worst(4.0), 0
    parts = []
    names = ("sign lattice", "one-hot", "Laplace draw", "two-level block")
    power = math.inf  # the smallest separation (in SE) of the bare limit 2/π from the data
    for d in dims:
        n_rot = rotations if d <= 8 else max(100, rotations * 8 // d)
        inputs = np.stack(
            [np.ones(d), np.eye(d)[0], rng.laplace(size=d), np.where(np.arange(d) < d // 2, 5.0, 0.1)]
        )
        vals = []
        for _ in range(n_rot):
            r = rotation(d, rng)
            vals.append(np.asarray(F.beta(inputs @ r.T)))
        b = np.stack(vals)  # (rotations, inputs)
        cases += b.size
        expected = expected_beta(d)
        # Rk/‖k‖ is uniform on the sphere for every k, so each input is tested on its own
        for j, name in enumerate(names):
            col = b[:, j]
            se = float(np.std(col, ddof=1)) / math.sqrt(col.size)
            gap = abs(float(np.mean(col)) - expected)
            z = _nan_inf(gap / se) if se > 0 else (0.0 if gap == 0 else math.inf)
            if worst.record(z):
                worst.flag(f"{name} at d={d}: mean β(Rk) = {np.mean(col):.4f}, expected {expected:.4f} ({z:.1f} standard errors)")
        if d == min(dims):
            pooled = b.reshape(-1)
            se = float(np.std(pooled, ddof=1)) / math.sqrt(pooled.size)
            power = _nan_inf(abs(float(np.mean(pooled)) - F.GAUSSIAN_BETA) / se) if se > 0 else 0.0
            if power < 8.0 and worst.counterexample is None:  # a failure, and the first one
                worst.record(math.inf)
                worst.flag(f"at d={d} the data are only {power:.1f} standard errors from the bare limit 2/π: "
                       "too few rotations to test the 1/d term")
        parts.append(f"d={d}: mean β {np.mean(b):.4f} vs {expected:.4f} ({n_rot} rotations)")
    # The appendix's statement: if R preserves the law of the keys, E β(Rk) = E β(k).  Gaussian
    # keys are preserved by every orthogonal R; test a Haar draw and a normalised Hadamard.
    law_z = 0.0
    for d in (16, 64):
        keys = rng.standard_normal((law_keys, d))
        for r in (rotation(d, rng), linalg.hadamard(d) / math.sqrt(d)):
            diff = np.asarray(F.beta(keys @ r.T)) - np.asarray(F.beta(keys))
            se = float(np.std(diff, ddof=1)) / math.sqrt(diff.size)
            z = _nan_inf(abs(float(np.mean(diff))) / se) if se > 0 else 0.0
            law_z = max(law_z, z)
            cases += diff.size
            if worst.record(z):
                worst.flag(f"Gaussian keys at d={d}: E β(Rk) − E β(k) = {np.mean(diff):.2e} ({z:.1f} standard errors)")
    parts.append(f"the bare limit 2/π is rejected by {power:.0f} SE at d={min(dims)}")
    parts.append(f"law-preserving R on Gaussian keys: |E β(Rk) − E β(k)| ≤ {law_z:.1f} SE")
    return worst.result(
        cases=cases,
        what="cases (Haar rotations of 4 structured keys: mean β(Rk) = 2/π + (1 − 2/π)/d per key; error in standard errors)",
        detail="; ".join(parts) + f"; limit 2/π = {F.GAUSSIAN_BETA:.4f}",
    )


# --------------------------------------------------------------------------------------------
# MoEGauge.lean, WoAmplification.lean, centring and rank-r correction
# --------------------------------------------------------------------------------------------


def check_attention_score_gauge_invariance(
    transform: Callable[[FloatArray, FloatArray, FloatArray], tuple[FloatArray, FloatArray]] = F.apply_gauge,
    rotation: Callable[[int, Rng], FloatArray] = F.random_orthogonal,
    total: int = 1_500,
    seed: int = 10,
) -> WitnessResult:
    """Scores and attention outputs are unchanged when Q → QR, K → KR for orthogonal R."""
    rng = np.random.default_rng(seed)
    worst, entries = Worst(1e-12), 0
    for _ in range(total):
        d = int(rng.integers(1, 48))
        n, m = int(rng.integers(1, 12)), int(rng.integers(1, 24))
        scale = 10.0 ** rng.uniform(-2, 2)
        q = scale * rng.standard_normal((n, d))
        k = scale * rng.standard_normal((m, d))
        v = rng.standard_normal((m, 3))
        r = rotation(d, rng)
        q2, k2 = transform(q, k, r)
        # an identity R, or a transform that leaves Q and K alone, would pass without testing
        if d >= 2 and (np.allclose(r, np.eye(d)) or np.allclose(q2, q) or np.allclose(k2, k)):
            worst.record(math.inf)
            worst.flag(f"d={d}: the rotation is the identity" if np.allclose(r, np.eye(d))
                       else f"d={d}: the transform left Q or K unchanged")
            continue
        s1, s2 = F.attention_scores(q, k), F.attention_scores(q2, k2)
        norm = float(np.linalg.norm(q, axis=1).max() * np.linalg.norm(k, axis=1).max())
        err = float(np.max(np.abs(s1 - s2))) / norm
        err = _nan_inf(max(_nan_inf(err), _nan_inf(float(np.max(np.abs(F.attention(q, k, v, 1.0 / norm) - F.attention(q2, k2, v, 1.0 / norm)))))))
        entries += s1.size
        if worst.record(err):
            worst.flag(f"d={d}, n={n}, m={m}: scores moved by {err:.3e} (relative)")
    return worst.result(
        cases=total,
        what=f"random (Q, K, orthogonal R) triples, d = 1…47 ({entries:,} scores): QR(KR)ᵀ = QKᵀ (relative)",
    )


def check_avg_amplification(
    amplification: Callable[[FloatArray], float] = F.avg_amplification,
    total: int = 2_000,
    sphere_cases: int = 20,
    sphere_samples: int = 20_000,
    seed: int = 11,
) -> WitnessResult:
    """‖W‖_F/√n equals the RMS of ‖W e_i‖ exactly and the RMS of ‖W x‖ on the sphere (MC)."""
    rng = np.random.default_rng(seed)
    worst = Worst(IDENTITY_TOL)
    for _ in range(total):
        m, n = int(rng.integers(1, 40)), int(rng.integers(1, 40))
        w = rng.standard_normal((m, n)) * 10.0 ** rng.uniform(-3, 3)
        a = amplification(w)
        err = _nan_inf(abs(a - F.rms_amplification_basis(w)) / a)
        if worst.record(err):
            worst.flag(f"W of shape {m}×{n}: ‖W‖_F/√n = {a:.15g}, basis RMS = {F.rms_amplification_basis(w):.15g}")
    mc_worst = 0.0
    for _ in range(sphere_cases):
        m, n = int(rng.integers(2, 30)), int(rng.integers(2, 30))
        w = rng.standard_normal((m, n)) @ np.diag(rng.uniform(0.1, 3.0, n))
        a = amplification(w)
        mc_worst = max(mc_worst, _nan_inf(abs(a - F.rms_amplification_sphere(w, sphere_samples, rng)) / a))
    if mc_worst > 0.02:
        worst.flag(f"sphere Monte Carlo off by {mc_worst:.2%}")
    return worst.result(
        cases=total + sphere_cases,
        what="random W (n = columns ≤ 39): ‖W‖_F/√n = RMS of ‖W e_i‖ (relative)",
        detail=f"unit-sphere RMS of ‖Wx‖ within {mc_worst:.1%} on {sphere_cases} matrices "
        f"({sphere_samples:,} samples each, tolerance 2%)",
    )


def check_dc_mean_centering(
    center: Callable[[FloatArray], FloatArray] = F.dc_center, total: int = 2_000, seed: int = 12
) -> WitnessResult:
    """Centring zeroes every per-dimension token mean, is idempotent and leaves each query's
    softmax attention weights unchanged (scores shift by the constant ⟨q, mean⟩ per query);
    and each key's energy splits as ‖k‖² = ‖k − m𝟙‖² + d·m² (m = its coordinate mean)."""
    rng = np.random.default_rng(seed)
    worst = Worst(1e-12)
    for _ in range(total):
        t, d, n = int(rng.integers(2, 30)), int(rng.integers(1, 40)), int(rng.integers(1, 6))
        offset = rng.standard_normal(d) * rng.uniform(0, 5)
        k = rng.standard_normal((t, d)) + offset
        q = rng.standard_normal((n, d)) / math.sqrt(d)
        kc = center(k)
        m = k.mean(axis=1)
        scale = float(np.max(np.abs(k)))
        err = _nan_inf(np.max([
            float(np.max(np.abs(kc.mean(axis=0)))) / scale,
            float(np.max(np.abs(center(kc) - kc))) / scale,
            float(np.max(np.abs(F.softmax(q @ k.T) - F.softmax(q @ kc.T)))),
            # centring removes exactly the mean and nothing else
            float(np.max(np.abs((k - kc) - k.mean(axis=0)))) / scale,
            # per-key energy split ‖k‖² = ‖k − m𝟙‖² + d·m² with m the key's coordinate mean
            float(np.max(np.abs(np.sum(k * k, axis=1) - np.sum((k - m[:, None]) ** 2, axis=1) - d * m * m)))
            / float(np.max(np.sum(k * k, axis=1))),
        ]))
        if worst.record(err):
            worst.flag(f"{t} tokens × d={d}: error {err:.3e}")
    return worst.result(
        cases=total,
        what="random key sets with a DC offset: centred means = 0, idempotent, softmax(QKᵀ) unchanged, ‖k‖² = ‖k − m𝟙‖² + d·m²",
    )


def check_dc_mean_energy_split(
    center: Callable[[FloatArray], FloatArray] = F.center_per_key, total: int = 20_000, seed: int = 21
) -> WitnessResult:
    """Per-key centring (the Lean ``center``): ‖k‖² = ‖k − m𝟙‖² + d·m², and a key whose mean
    m ≠ 0 loses energy strictly; the centred key has mean zero."""
    rng = np.random.default_rng(seed)
    worst = Worst(1e-12)
    for _ in range(total):
        d = int(rng.integers(1, 64))
        k = rng.standard_normal(d) * 10.0 ** rng.uniform(-3, 3) + rng.standard_normal() * rng.uniform(0, 5)
        kc = np.asarray(center(k), dtype=np.float64)
        m = float(np.mean(k))
        energy = float(np.dot(k, k))
        split = abs(energy - float(np.dot(kc, kc)) - d * m * m) / energy
        mean_left = abs(float(np.mean(kc))) / float(np.max(np.abs(k)))
        strict = 0.0 if (m == 0 or float(np.dot(kc, kc)) < energy) else math.inf
        err = _nan_inf(max(split, mean_left, strict))
        if worst.record(err):
            worst.flag(f"d={d}, m={m:.3e}: split error {split:.3e}, mean left {mean_left:.3e}")
    return worst.result(
        cases=total,
        what="random keys with an offset, d = 1…63: ‖k‖² = ‖k − m𝟙‖² + d·m² (relative), centred mean 0, strict loss when m ≠ 0",
    )


def check_rank_r_correction(
    effective: Callable[[float, float], Any] = F.rank_r_effective_beta,
    svd_approx: Callable[[FloatArray, int], FloatArray] = F.truncated_svd,
    total: int = 1_500,
    seed: int = 13,
) -> WitnessResult:
    """1-bit + rank-r SVD residual correction has β_eff = 1 − (1 − β₁)(1 − γ_r) exactly, and the
    truncated SVD beats random rank-r corrections (Eckart–Young)."""
    rng = np.random.default_rng(seed)
    worst = Worst(1e-12)
    for _ in range(total):
        t, d = int(rng.integers(2, 40)), int(rng.integers(2, 40))
        rank = int(rng.integers(1, min(t, d) + 1))
        k = rng.standard_normal((t, rank)) @ rng.standard_normal((rank, d)) + 0.1 * rng.standard_normal((t, d))
        q, _ = F.sign_quantize(k)
        e = k - q
        r = int(rng.integers(0, min(t, d) + 1))
        b1 = F.matrix_beta_1bit(k)
        g = F.gamma_r(e, r)
        e_r = svd_approx(e, r)
        direct = 1.0 - float(np.sum((e - e_r) ** 2)) / float(np.sum(k * k))
        err = _nan_inf(abs(float(np.asarray(effective(b1, g))) - direct))
        # a random rank-r competitor: project E onto r random directions
        basis, _ = np.linalg.qr(rng.standard_normal((d, max(r, 1))))
        competitor = e @ basis[:, :r] @ basis[:, :r].T
        if np.sum((e - e_r) ** 2) > np.sum((e - competitor) ** 2) * (1 + 1e-12) + 1e-12:
            worst.flag(f"{t}×{d}, r={r}: a random rank-r correction beat the truncated SVD")
        if worst.record(err):
            worst.flag(f"{t}×{d}, r={r}: formula {float(np.asarray(effective(b1, g))):.15g} vs direct {direct:.15g}")
    return worst.result(
        cases=total,
        what="random low-rank-plus-noise key matrices: β_eff = 1 − (1 − β₁)(1 − γ_r)",
        detail="truncated SVD never beaten by a random rank-r correction",
    )


def check_attention_distortion_bound(
    distortion: Callable[..., F.AttentionDistortion] = F.attention_distortion,
    total: int = 2_000,
    seed: int = 14,
) -> WitnessResult:
    """Under 1-bit K (and coarse V) quantisation, ‖o − ô‖∞ ≤ B‖s − ŝ‖∞ + max|V − V̂| with
    B = max|V|; also ‖s − ŝ‖∞ ≤ scale·‖q‖·max‖k − k̂‖ and ‖Δsoftmax‖₁ ≤ ‖Δs‖∞ on random pairs."""
    rng = np.random.default_rng(seed)
    worst, tightest = Worst(1e-12), 0.0
    for i in range(total):
        t, d = int(rng.integers(1, 40)), int(rng.integers(1, 64))
        q = rng.standard_normal(d) * 10.0 ** rng.uniform(-1, 1)
        k = rng.laplace(size=(t, d))
        v = rng.standard_normal((t, 8))
        k_hat, _ = F.sign_quantize(k)
        v_hat = v if i % 2 else np.round(v * 4) / 4
        if i % 10 == 0:
            # a family where the bound is attained: exact keys, every value row shifted alike
            k_hat = k
            v_hat = v + rng.uniform(-0.5, 0.5, (1, v.shape[1]))
        res = distortion(q, k, v, k_hat, v_hat, 1.0 / math.sqrt(d))
        s1 = rng.standard_normal(t) * 10.0 ** rng.uniform(-2, 2)
        s2 = s1 + rng.uniform(-1, 1, t) * 10.0 ** rng.uniform(-3, 1)
        lip = float(np.sum(np.abs(F.softmax(s1) - F.softmax(s2)))) - float(np.max(np.abs(s1 - s2)))
        excess = float(
            _nan_inf(
                np.max(
                    [
                        res.observed - res.bound,
                        res.bound - res.a_priori_bound,
                        res.score_error - res.score_error_bound,
                        lip,
                        0.0,
                    ]
                )
            )
        )
        if res.bound > 0:
            tightest = max(tightest, res.observed / res.bound)
        if worst.record(excess):
            worst.flag(
                f"t={t}, d={d}: observed {res.observed:.6g}, bound {res.bound:.6g}, "
                f"a-priori bound {res.a_priori_bound:.6g} (softmax Lipschitz excess {lip:.3e})"
            )
    return worst.result(
        cases=total,
        what="random attention rows with 1-bit keys: ‖o − ô‖∞ ≤ B‖s − ŝ‖∞ + max|V − V̂| (error = excess)",
        detail=f"tightest case reached {tightest:.0%} of the bound (attained by a uniform V shift)",
    )


def check_softmax_soundness(
    fn: Callable[[FloatArray], FloatArray] = F.softmax, total: int = DEFAULT_CASES, seed: int = 15
) -> WitnessResult:
    """softmax outputs are positive, sum to 1, are invariant to adding a constant and preserve
    the order of the scores (vectors of length 1…64, scores up to ±300, shifts up to ±1000)."""
    rng = np.random.default_rng(seed)
    worst, cases = Worst(1e-12), 0
    lengths = (1, 2, 3, 8, 64)
    for m in lengths:
        n = total // len(lengths)
        x = rng.standard_normal((n, m)) * (10.0 ** rng.uniform(-3, 2.4, (n, 1)))
        x = np.clip(x, -300, 300)
        shift = rng.uniform(-1000, 1000, (n, 1))
        p = fn(x)
        p_shift = fn(x + shift)
        sum_err = np.abs(np.sum(p, axis=1) - 1.0)
        shift_err = np.max(np.abs(p_shift - p), axis=1)
        err = _nan_inf(np.maximum(sum_err, shift_err))
        positive = np.all(p > 0, axis=1)
        order = np.argsort(x, axis=1, kind="stable")
        xs, ps = np.take_along_axis(x, order, 1), np.take_along_axis(p, order, 1)
        order_ok = np.all(~((np.diff(xs, axis=1) > 0) & (np.diff(ps, axis=1) < 0)), axis=1)
        cases += n
        bad = np.flatnonzero(~positive | ~order_ok)
        if bad.size:
            worst.flag(f"scores {_short(x[bad[0]])}: probabilities {_short(p[bad[0]])} not positive/order-preserving")
        if (i := worst.record_batch(err)) is not None:
            worst.flag(f"scores {_short(x[i])}: sum error {sum_err[i]:.2e}, shift error {shift_err[i]:.2e}")
    return worst.result(
        cases=cases,
        what="random score vectors: p > 0, Σp = 1, softmax(x + c) = softmax(x), order kept",
    )


def check_moe_gauge_monotone(
    gauge: Callable[[FloatArray], FloatArray] = F.moe_gauge, total: int = 5_000, seed: int = 16
) -> WitnessResult:
    """Raising one μ_{h,ℓ} never lowers G_ℓ, changes no other layer and raises G_ℓ by at most
    δ/H; G_ℓ ≥ 0 and equals the mean of the clamped μ."""
    rng = np.random.default_rng(seed)
    worst = Worst(1e-12)
    for _ in range(total):
        layers, heads = int(rng.integers(1, 6)), int(rng.integers(1, 9))
        mu = rng.normal(0.0, 0.2, (layers, heads))
        layer, head = int(rng.integers(layers)), int(rng.integers(heads))
        delta = float(rng.exponential(0.2)) if rng.random() < 0.9 else 0.0
        g0 = gauge(mu)
        mu2 = mu.copy()
        mu2[layer, head] += delta
        g1 = gauge(mu2)
        others = np.delete(np.arange(layers), layer)
        clamp = np.array([sum(max(0.0, float(x)) for x in row) / heads for row in mu])
        err = _nan_inf(np.max([
            float(g0[layer] - g1[layer]),  # monotone: must be ≤ 0
            float(g1[layer] - g0[layer]) - delta / heads,  # at most δ/H
            float(np.max(np.abs(g1[others] - g0[others]))) if others.size else 0.0,
            -float(np.min(g0)),
            float(np.max(np.abs(g0 - clamp))),
            0.0,
        ]))
        if worst.record(err):
            worst.flag(f"μ of shape {layers}×{heads}, raising μ[{layer},{head}] by {delta:.4g}: error {err:.3e}")
    return worst.result(
        cases=total,
        what="random μ arrays with one entry raised: G_ℓ monotone, local and ≥ 0",
    )


def _lattice_cases(rng: Rng, total: int) -> Iterator[tuple[FloatArray, FloatArray, float]]:
    """Lattice points s, tangent directions v ⊥ s and steps t with max|t v_i| < 1."""
    for _ in range(total):
        d = int(rng.integers(2, 200))
        s = np.where(rng.random(d) < 0.5, -1.0, 1.0)
        v = F.lattice_tangent(s, rng.standard_normal(d) * 10.0 ** rng.uniform(-3, 1))
        t = float(rng.uniform(-0.999, 0.999) / np.max(np.abs(v)))
        yield s, v, t


def check_beta_local_expansion(
    loss: Callable[[FloatArray, FloatArray, float], float] = F.loss_along,
    total: int = 5_000,
    seed: int = 17,
) -> WitnessResult:
    """1 − β(s + t v) = t²‖v‖²/(d + t²‖v‖²) for s ∈ {±1}^d, v ⊥ s, |t v_i| < 1 (relative error)."""
    rng = np.random.default_rng(seed)
    worst = Worst(1e-9)
    for s, v, t in _lattice_cases(rng, total):
        closed = float(F.lattice_local_loss(s.size, t, float(np.dot(v, v))))
        got = loss(s, v, t)
        err = _nan_inf(abs(got - closed) / closed) if closed > 0 else _nan_inf(abs(got))
        if worst.record(err):
            worst.flag(f"d={s.size}, t={t:.6g}, ‖v‖²={np.dot(v, v):.6g}: loss {got:.15g} vs closed form {closed:.15g}")
    return worst.result(
        cases=total,
        what="random (lattice point, tangent v, step t) with |t v_i| < 1, d = 2…199: exact local loss (relative)",
    )


def check_beta_local_hessian(
    loss: Callable[[FloatArray, FloatArray, float], float] = F.loss_along,
    total: int = 2_000,
    seed: int = 18,
) -> WitnessResult:
    """Finite differences of t ↦ 1 − β(s + t v) at 0: slope 0, curvature 2‖v‖²/d (relative)."""
    rng = np.random.default_rng(seed)
    worst = Worst(1e-4)
    for s, v, _t in _lattice_cases(rng, total):
        h = 1e-3 / float(np.max(np.abs(v)))
        curvature = 2.0 * float(np.dot(v, v)) / s.size
        lp, l0, lm = loss(s, v, h), loss(s, v, 0.0), loss(s, v, -h)
        slope = (lp - lm) / (2 * h)
        second = (lp - 2 * l0 + lm) / (h * h)
        err = _nan_inf(max(abs(slope) / (curvature * h), abs(second - curvature) / curvature))
        if worst.record(err):
            worst.flag(f"d={s.size}: slope {slope:.3e}, second difference {second:.6g} vs 2‖v‖²/d = {curvature:.6g}")
    return worst.result(
        cases=total,
        what="lattice points and tangent directions: central differences give slope 0 and curvature 2‖v‖²/d (relative)",
    )


def check_last_mile_hardness(
    loss: Callable[[FloatArray, FloatArray, float], float] = F.loss_along,
    total: int = 5_000,
    seed: int = 19,
) -> WitnessResult:
    """1 − β(s + t v) ≤ t²‖v‖²/d near the lattice (error = relative excess over the bound)."""
    rng = np.random.default_rng(seed)
    worst, ratio_max = Worst(1e-12), 0.0
    for s, v, t in _lattice_cases(rng, total):
        bound = t * t * float(np.dot(v, v)) / s.size
        got = loss(s, v, t)
        if bound > 0:
            ratio_max = max(ratio_max, got / bound)
        err = _nan_inf(max(0.0, (got - bound) / bound) if bound > 0 else abs(got))
        if worst.record(err):
            worst.flag(f"d={s.size}, t={t:.6g}: loss {got:.15g} > t²‖v‖²/d = {bound:.15g}")
    return worst.result(
        cases=total,
        what="random steps from the lattice with |t v_i| < 1: 1 − β(s + tv) ≤ t²‖v‖²/d",
        detail=f"largest loss/bound ratio {ratio_max:.6f}",
    )


def check_moe_gauge_lattice_bound(
    gauge: Callable[[FloatArray], FloatArray] = F.moe_gauge,
    beta_fn: Callable[[FloatArray], Any] = F.beta,
    total: int = 2_000,
    seed: int = 20,
) -> WitnessResult:
    """G(β(k_1), …, β(k_H)) ≤ G(1, …, 1) for random per-head keys (error = excess)."""
    rng = np.random.default_rng(seed)
    worst = Worst(1e-12)
    for _ in range(total):
        heads, d = int(rng.integers(1, 12)), int(rng.integers(1, 128))
        kind = _KINDS[int(rng.integers(len(_KINDS)))]
        keys = _draw(rng, kind, heads, d)
        g = float(gauge(np.asarray(beta_fn(keys))[None, :])[0])
        top = float(gauge(np.ones((1, heads)))[0])
        err = _nan_inf(max(0.0, g - top))
        if worst.record(err):
            worst.flag(f"{heads} heads of {kind} keys at d={d}: G = {g:.15g} > G(1…1) = {top:.15g}")
    return worst.result(
        cases=total,
        what="random layers (1…11 heads, 9 key distributions): G(β(k_h)) ≤ G(1, …, 1)",
    )


def _reference_bits(d: int, angle: float) -> int:
    if d >= 512 and angle <= 40.0:
        return 1
    if angle <= 44.0:
        return 2
    return 3


def check_allocator_thresholds(
    allocate: Callable[[Any, Any], Any] = F.allocate_bits,
) -> WitnessResult:
    """The allocator matches the pre-registered rule at and around every threshold."""
    dims = np.array([1, 64, 128, 256, 511, 512, 513, 1024, 4096])
    edges = []
    for t in (0.0, 40.0, 44.0, 90.0):
        edges += [t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf), t - 1e-9, t + 1e-9]
    angles = np.array(sorted({a for a in [*edges, *np.linspace(0, 90, 9001)] if 0 <= a <= 90}))
    dd, aa = np.meshgrid(dims, angles, indexing="ij")
    got = np.asarray(allocate(dd, aa))
    mismatches = 0
    counter = None
    for (i, j), bits in np.ndenumerate(got):
        ref = _reference_bits(int(dims[i]), float(angles[j]))
        if int(bits) != ref:
            mismatches += 1
            if counter is None:
                counter = f"d={dims[i]}, angle={angles[j]!r}°: got {int(bits)} bits, rule says {ref}"
    # scalar calls agree with the vectorised ones
    for d, a in ((511, 40.0), (512, 40.0), (512, 44.0), (4096, 44.0000001)):
        if int(allocate(d, a)) != _reference_bits(d, a) and counter is None:
            counter = f"scalar call d={d}, angle={a}: got {allocate(d, a)}"
            mismatches += 1
    return result(
        cases=int(got.size) + 4,
        max_error=float(mismatches),
        tolerance=0.0,
        what="(d, angle) pairs incl. 511/512 and one ulp either side of 40° and 44°",
        counterexample=counter,
        detail="error = number of mismatches with the rule",
    )


# --------------------------------------------------------------------------------------------
# the witnesses named in the example's appendix.toml
# --------------------------------------------------------------------------------------------


WITNESSES: dict[str, Callable[[], WitnessResult]] = {}
"""All witnesses by name (``neural_geometry.witnesses:<name>`` in the manifest), in the order below."""


def _witness(check: Callable[[], WitnessResult]) -> Callable[[], WitnessResult]:
    """The manifest's witness ``<name>`` for ``check_<name>``, entered in :data:`WITNESSES`: no
    arguments (the check's defaults: fixed seeds and sizes), an exception reported as a failure."""

    def witness() -> WitnessResult:
        return check()

    witness.__name__ = witness.__qualname__ = check.__name__.removeprefix("check_")
    witness.__doc__ = check.__doc__
    WITNESSES[witness.__name__] = guarded = _guarded(witness)
    return guarded


cos_sign_quant_formula = _witness(check_cos_sign_quant_formula)
residual_energy_formula = _witness(check_residual_energy_formula)
jensen_floor = _witness(check_jensen_floor)
jensen_floor_equality = _witness(check_jensen_floor_equality)
iid_coord_moment_ratio_floor = _witness(check_iid_coord_moment_ratio_floor)
gaussian_moment_ratio = _witness(check_gaussian_moment_ratio)
uniform_moment_ratio = _witness(check_uniform_moment_ratio)
laplace_moment_ratio = _witness(check_laplace_moment_ratio)
isotropic_floor = _witness(check_isotropic_floor)
attention_score_gauge_invariance = _witness(check_attention_score_gauge_invariance)
avg_amplification = _witness(check_avg_amplification)
dc_mean_centering = _witness(check_dc_mean_centering)
dc_mean_energy_split = _witness(check_dc_mean_energy_split)
rank_r_correction = _witness(check_rank_r_correction)
attention_distortion_bound = _witness(check_attention_distortion_bound)
softmax_soundness = _witness(check_softmax_soundness)
moe_gauge_monotone = _witness(check_moe_gauge_monotone)
allocator_thresholds = _witness(check_allocator_thresholds)
beta_local_expansion = _witness(check_beta_local_expansion)
beta_local_hessian = _witness(check_beta_local_hessian)
last_mile_hardness = _witness(check_last_mile_hardness)
moe_gauge_lattice_bound = _witness(check_moe_gauge_lattice_bound)
