"""Property tests of neural_geometry.formulas against independent computations."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import integrate, special, stats

from neural_geometry import formulas as F

SETTINGS = settings(max_examples=60, deadline=None)

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def vectors(min_d: int = 1, max_d: int = 48) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, st.integers(min_d, max_d), elements=finite).filter(
        lambda v: bool(np.any(np.abs(v) > 1e-3))
    )


def _brute_beta(k: np.ndarray) -> float:
    xs = [float(x) for x in k]
    l1 = math.fsum(abs(x) for x in xs)
    l2 = math.fsum(x * x for x in xs)
    return l1 * l1 / (len(xs) * l2)


def _explicit_cos(k: np.ndarray, q: np.ndarray) -> float:
    return float(np.dot(k, q) / (np.linalg.norm(k) * np.linalg.norm(q)))


# ----------------------------------------------------------------------------- β, q, angle


@SETTINGS
@given(vectors())
def test_beta_matches_brute_definition(k: np.ndarray) -> None:
    b = F.beta(k)
    assert isinstance(b, float)
    assert b == pytest.approx(_brute_beta(k), rel=1e-12)
    assert 1.0 / k.size - 1e-12 <= b <= 1.0 + 1e-12


@SETTINGS
@given(vectors(), st.floats(min_value=1e-80, max_value=1e80), st.booleans())
def test_beta_is_scale_invariant(k: np.ndarray, c: float, negate: bool) -> None:
    s = -c if negate else c
    assert F.beta(s * k) == pytest.approx(F.beta(k), rel=1e-12)


@SETTINGS
@given(vectors())
def test_sign_quantizer_levels_and_zero_convention(k: np.ndarray) -> None:
    q, alpha = F.sign_quantize(k)
    assert alpha == pytest.approx(math.fsum(abs(float(x)) for x in k) / k.size, rel=1e-12)
    np.testing.assert_array_equal(np.abs(q), np.full(k.size, alpha))
    # sign(0) = +1: zero coordinates get +α, nonzero ones keep their sign
    np.testing.assert_array_equal(q[k == 0], alpha)
    np.testing.assert_array_equal(np.sign(q[k != 0]), np.sign(k[k != 0]))


@SETTINGS
@given(vectors())
def test_cosine_and_angle_match_the_explicit_angle(k: np.ndarray) -> None:
    q, _ = F.sign_quantize(k)
    cos = _explicit_cos(k, q)
    assert F.one_bit_cosine(k) == pytest.approx(cos, abs=1e-12)
    # compare in cosine space: arccos is ill-conditioned next to 0°
    assert math.cos(math.radians(F.angle_deg(k))) == pytest.approx(cos, abs=1e-12)


@SETTINGS
@given(vectors())
def test_residual_energy_by_least_squares_over_the_scale(k: np.ndarray) -> None:
    s = np.where(k >= 0, 1.0, -1.0)
    (alpha,), *_ = np.linalg.lstsq(s[:, None], k, rcond=None)
    direct = float(np.sum((k - alpha * s) ** 2) / np.sum(k * k))
    assert F.residual_energy(k) == pytest.approx(direct, abs=1e-12)
    assert F.residual_energy(k) == pytest.approx(1.0 - F.beta(k), abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(vectors(max_d=8))
def test_sign_pattern_is_the_best_one_bit_code(k: np.ndarray) -> None:
    """Over all 2^d sign patterns and all scales, none beats sign(k) with α = ‖k‖₁/d."""
    best = math.inf
    for pattern in itertools.product((-1.0, 1.0), repeat=k.size):
        s = np.array(pattern)
        alpha = float(np.dot(s, k)) / k.size
        best = min(best, float(np.sum((k - alpha * s) ** 2)))
    assert F.residual_energy(k) == pytest.approx(best / float(np.sum(k * k)), abs=1e-12)


@SETTINGS
@given(st.integers(1, 300), st.floats(min_value=1e-100, max_value=1e100), st.randoms(use_true_random=False))
def test_beta_is_one_exactly_on_the_sign_lattice(d: int, c: float, rnd: Any) -> None:
    k = np.array([c if rnd.random() < 0.5 else -c for _ in range(d)])
    assert F.beta(k) == pytest.approx(1.0, abs=1e-14)
    assert F.angle_deg(k) == pytest.approx(0.0, abs=1e-5)
    if d > 1:
        k[rnd.randrange(d)] *= 1.5
        assert F.beta(k) < 1.0


def test_batched_axis_and_shapes() -> None:
    rng = np.random.default_rng(0)
    k = rng.standard_normal((3, 4, 5))
    b = F.beta(k)
    assert isinstance(b, np.ndarray) and b.shape == (3, 4)
    assert b[1, 2] == pytest.approx(_brute_beta(k[1, 2]))
    assert np.asarray(F.beta(k, axis=0)).shape == (4, 5)
    assert np.asarray(F.beta(k, axis=0))[1, 2] == pytest.approx(_brute_beta(k[:, 1, 2]))
    q, alpha = F.sign_quantize(k)
    assert q.shape == k.shape and np.asarray(alpha).shape == (3, 4)
    np.testing.assert_allclose(F.residual_energy(k), 1 - b, atol=1e-12)


def test_angle_known_values() -> None:
    assert F.angle_deg_from_beta(1.0) == 0.0
    assert F.angle_deg_from_beta(0.5) == pytest.approx(45.0, abs=1e-12)
    assert F.angle_deg_from_beta(0.75) == pytest.approx(30.0, abs=1e-12)
    assert F.angle_deg_from_beta(F.GAUSSIAN_BETA) == pytest.approx(
        math.degrees(math.acos(math.sqrt(2 / math.pi))), abs=1e-12
    )
    # the seeds' reference numbers: 1-bit floors 36.3% (Gaussian) and 25% (uniform)
    assert round(100 * (1 - F.GAUSSIAN_BETA), 1) == 36.3
    assert 1 - F.UNIFORM_BETA == 0.25
    assert math.sqrt(F.GAUSSIAN_BETA) == pytest.approx(0.798, abs=5e-4)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: F.beta([]), "empty"),
        (lambda: F.beta([0.0, 0.0]), "zero vector"),
        (lambda: F.beta([1.0, math.nan]), "NaN or infinite"),
        (lambda: F.beta([1.0, math.inf]), "NaN or infinite"),
        (lambda: F.beta(["a", "b"]), "numeric"),
        (lambda: F.beta(3.0), "at least 1 dimension"),
        (lambda: F.beta([[1.0, 2.0]], axis=2), "axis 2 is out of bounds"),
        (lambda: F.residual_energy([0.0]), "zero vector"),
        (lambda: F.angle_deg_from_beta(0.0), "beta must lie in (0, 1]"),
        (lambda: F.angle_deg_from_beta(1.01), "beta must lie in (0, 1]"),
        (lambda: F.moment_ratio([0.0, 0.0]), "all-zero"),
        (lambda: F.moe_gauge([1.0, 2.0]), "at least 2 dimension"),
        (lambda: F.moe_gauge(np.zeros((2, 2, 2))), "mu must have shape (layers, heads)"),
        (lambda: F.gamma_r(np.zeros((2, 2)), 1), "zero residual"),
        (lambda: F.gamma_r(np.ones((2, 2)), -1), "non-negative integer"),
        (lambda: F.rank_r_effective_beta(1.5, 0.2), "beta_1bit must lie in [0, 1]"),
        (lambda: F.rank_r_effective_beta(0.5, -0.2), "gamma_r must lie in [0, 1]"),
        (lambda: F.random_orthogonal(0), "positive integer"),
        (lambda: F.apply_gauge(np.ones((2, 2)), np.ones((2, 2)), 2 * np.eye(2)), "not orthogonal"),
        (lambda: F.apply_gauge(np.ones((2, 3)), np.ones((2, 3)), np.eye(2)), "square 3×3"),
        (lambda: F.attention_scores(np.ones((2, 3)), np.ones((2, 4))), "disagree on d"),
        (lambda: F.avg_amplification(np.ones(3)), "at least 2 dimension"),
    ],
)
def test_clear_value_errors(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        call()
    assert message in str(info.value)


# ----------------------------------------------------------------------------- moment ratios


def _quad_ratio(pdf: Any, lo: float, hi: float) -> float:
    m1 = integrate.quad(lambda x: abs(x) * pdf(x), lo, 0)[0] + integrate.quad(lambda x: x * pdf(x), 0, hi)[0]
    m2 = integrate.quad(lambda x: x * x * pdf(x), lo, hi, points=[0.0])[0]
    return float(m1 * m1 / m2)


@pytest.mark.parametrize("scale", [0.05, 1.0, 17.0])
def test_closed_forms_by_quadrature(scale: float) -> None:
    gauss = _quad_ratio(stats.norm(scale=scale).pdf, -50 * scale, 50 * scale)
    unif = _quad_ratio(stats.uniform(loc=-scale, scale=2 * scale).pdf, -scale, scale)
    lap = _quad_ratio(stats.laplace(scale=scale).pdf, -80 * scale, 80 * scale)
    assert gauss == pytest.approx(F.GAUSSIAN_BETA, abs=1e-10)
    assert unif == pytest.approx(F.UNIFORM_BETA, abs=1e-10)
    assert lap == pytest.approx(F.LAPLACE_BETA, abs=1e-10)
    # and the package's own quadrature agrees with scipy.stats' moments
    for dist, lo, hi in (
        (stats.norm(scale=scale), -50 * scale, 50 * scale),
        (stats.uniform(loc=-scale, scale=2 * scale), -scale, scale),
        (stats.laplace(scale=scale), -80 * scale, 80 * scale),
    ):
        expected = dist.expect(abs) ** 2 / dist.moment(2)
        assert F.moment_ratio_quad(dist.pdf, lo, hi) == pytest.approx(expected, rel=1e-8)


def test_student_t_moment_ratio_closed_form() -> None:
    """A fourth distribution with a less famous closed form: Student t with ν = 5."""
    nu = 5.0
    m1 = 2 * math.sqrt(nu) * special.gamma((nu + 1) / 2) / (math.sqrt(math.pi) * (nu - 1) * special.gamma(nu / 2))
    m2 = nu / (nu - 2)
    got = F.moment_ratio_quad(stats.t(nu).pdf)
    assert got == pytest.approx(m1 * m1 / m2, rel=1e-8)
    assert F.LAPLACE_BETA < got < F.GAUSSIAN_BETA  # heavier tails than Gaussian


def test_closed_forms_by_sampling() -> None:
    rng = np.random.default_rng(2024)
    n = 300_000
    assert F.moment_ratio(rng.normal(0, 3.0, n)) == pytest.approx(F.GAUSSIAN_BETA, abs=5e-3)
    assert F.moment_ratio(rng.uniform(-2, 2, n)) == pytest.approx(F.UNIFORM_BETA, abs=5e-3)
    assert F.moment_ratio(rng.laplace(0, 0.3, n)) == pytest.approx(F.LAPLACE_BETA, abs=5e-3)
    # an i.i.d. key's β converges to its coordinates' moment ratio
    assert F.beta(rng.laplace(size=200_000)) == pytest.approx(F.LAPLACE_BETA, abs=5e-3)


@SETTINGS
@given(hnp.arrays(np.float64, st.integers(1, 200), elements=finite))
def test_moment_ratio_matches_brute(x: np.ndarray) -> None:
    assume(bool(np.any(np.abs(x) > 1e-3)))
    assert F.moment_ratio(x) == pytest.approx(_brute_beta(x), rel=1e-12)


def test_isotropic_expected_beta() -> None:
    assert F.isotropic_expected_beta(1) == pytest.approx(1.0)
    assert F.isotropic_expected_beta(10**9) == pytest.approx(F.GAUSSIAN_BETA, abs=1e-9)
    # Monte Carlo over the sphere at d = 3
    rng = np.random.default_rng(5)
    g = rng.standard_normal((200_000, 3))
    assert float(np.mean(F.beta(g))) == pytest.approx(F.isotropic_expected_beta(3), abs=3e-3)


# ----------------------------------------------------------------------------- allocator


@pytest.mark.parametrize(
    ("d", "angle", "bits"),
    [
        (512, 40.0, 1),
        (511, 40.0, 2),
        (513, 39.0, 1),
        (512, float(np.nextafter(40.0, 100)), 2),
        (512, float(np.nextafter(40.0, 0)), 1),
        (4096, 0.0, 1),
        (64, 0.0, 2),
        (512, 44.0, 2),
        (128, 44.0, 2),
        (128, float(np.nextafter(44.0, 100)), 3),
        (4096, float(np.nextafter(44.0, 100)), 3),
        (4096, 44.0000001, 3),
        (128, 43.9999999, 2),
        (128, 90.0, 3),
        (1, 40.0, 2),
    ],
)
def test_allocator_edges(d: int, angle: float, bits: int) -> None:
    got = F.allocate_bits(d, angle)
    assert got == bits and isinstance(got, int)


def test_allocator_vectorised_and_errors() -> None:
    d = np.array([511, 512, 512, 512, 128])
    a = np.array([40.0, 40.0, 40.5, 44.5, 20.0])
    np.testing.assert_array_equal(F.allocate_bits(d, a), [2, 1, 2, 3, 2])
    np.testing.assert_array_equal(F.allocate_bits(1024, [10.0, 42.0, 50.0]), [1, 2, 3])
    for bad_d, bad_a, msg in ((0, 10.0, "positive integer"), (12.5, 10.0, "positive integer"),
                              (128, -1.0, "angle"), (128, 90.5, "angle"), (128, math.nan, "NaN")):
        with pytest.raises(ValueError, match=msg):
            F.allocate_bits(bad_d, bad_a)


def test_allocator_on_reference_distributions() -> None:
    """Gaussian keys (37.1°) are ballroom everywhere; the sign lattice is 1 bit at d ≥ 512."""
    g = float(F.angle_deg_from_beta(F.GAUSSIAN_BETA))
    assert F.allocate_bits(128, g) == 2 and F.allocate_bits(512, g) == 1
    assert F.allocate_bits(4096, float(F.angle_deg_from_beta(F.LAPLACE_BETA))) == 3


# ----------------------------------------------------------------------------- attention & friends

matrices = st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(1, 12), st.integers(0, 2**32 - 1))


@SETTINGS
@given(matrices)
def test_gauge_invariance_of_scores(shape: tuple[int, int, int, int]) -> None:
    n, m, d, seed = shape
    rng = np.random.default_rng(seed)
    q, k = rng.standard_normal((n, d)), rng.standard_normal((m, d))
    r = F.random_orthogonal(d, rng)
    assert np.allclose(r.T @ r, np.eye(d), atol=1e-12)
    assert abs(abs(np.linalg.det(r)) - 1) < 1e-9
    q2, k2 = F.apply_gauge(q, k, r)
    brute = np.array([[sum(q[i, t] * k[j, t] for t in range(d)) for j in range(m)] for i in range(n)])
    np.testing.assert_allclose(F.attention_scores(q2, k2), brute, atol=1e-10)
    # but rotating only the keys does change the scores (so the check above can fail)
    if d > 1 and not np.allclose(r, np.eye(d), atol=1e-3):
        assert not np.allclose(F.attention_scores(q, k2), brute, atol=1e-6) or np.allclose(brute, 0, atol=1e-6)


@SETTINGS
@given(st.integers(1, 10), st.integers(1, 10), st.integers(0, 2**32 - 1))
def test_avg_amplification_is_rms_over_basis(m: int, n: int, seed: int) -> None:
    w = np.random.default_rng(seed).standard_normal((m, n))
    brute = math.sqrt(sum(sum(w[i, j] ** 2 for i in range(m)) for j in range(n)) / n)
    assert F.avg_amplification(w) == pytest.approx(brute, rel=1e-12)
    assert F.rms_amplification_basis(w) == pytest.approx(brute, rel=1e-12)


def test_avg_amplification_divides_by_columns_and_matches_sphere() -> None:
    w = np.arange(1.0, 16.0).reshape(3, 5)
    assert F.avg_amplification(w) == pytest.approx(np.linalg.norm(w) / math.sqrt(5))
    assert F.rms_amplification_sphere(w, 200_000, 1) == pytest.approx(F.avg_amplification(w), rel=1e-2)


def test_dc_center_and_attention_invariance() -> None:
    rng = np.random.default_rng(3)
    k = rng.standard_normal((2, 7, 4)) + np.array([3.0, -1.0, 0.5, 2.0])
    kc = F.dc_center(k)
    np.testing.assert_allclose(kc.mean(axis=-2), 0.0, atol=1e-12)
    q = rng.standard_normal((3, 4))
    v = rng.standard_normal((7, 2))
    np.testing.assert_allclose(F.attention(q, k[0], v), F.attention(q, kc[0], v), atol=1e-12)
    with pytest.raises(ValueError):
        F.dc_center([1.0, 2.0])


@SETTINGS
@given(st.integers(2, 12), st.integers(2, 12), st.integers(0, 2**32 - 1))
def test_gamma_r_and_rank_r_effective_beta(t: int, d: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = rng.standard_normal((t, d))
    q, _ = F.sign_quantize(k)
    e = k - q
    assume(float(np.sum(e * e)) > 1e-9)
    eig = np.sort(np.linalg.eigvalsh(e.T @ e))[::-1]  # σ_i² from the Gram matrix, independently
    gammas = [F.gamma_r(e, r) for r in range(min(t, d) + 1)]
    assert gammas[0] == 0.0 and gammas[-1] == pytest.approx(1.0)
    assert all(a <= b + 1e-15 for a, b in itertools.pairwise(gammas))
    b1 = F.matrix_beta_1bit(k)
    assert b1 == pytest.approx(1 - np.sum(e * e) / np.sum(k * k))
    for r in range(min(t, d) + 1):
        assert gammas[r] == pytest.approx(float(np.sum(eig[:r]) / np.sum(eig)), abs=1e-9)
        residual = e - F.truncated_svd(e, r)
        direct = 1 - float(np.sum(residual**2)) / float(np.sum(k * k))
        assert F.rank_r_effective_beta(b1, gammas[r]) == pytest.approx(direct, abs=1e-12)


def test_moe_gauge_against_brute_loop() -> None:
    rng = np.random.default_rng(9)
    mu = rng.normal(0, 0.3, (5, 7))
    brute = [sum(max(0.0, float(x)) for x in row) / 7 for row in mu]
    np.testing.assert_allclose(F.moe_gauge(mu), brute, atol=1e-15)
    assert F.moe_gauge(-np.ones((2, 3))).tolist() == [0.0, 0.0]


@SETTINGS
@given(hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(-300, 300)), st.floats(-1e3, 1e3))
def test_softmax_soundness(x: np.ndarray, c: float) -> None:
    """Exact positivity in float64 needs a score spread below ~708 (e^-708 is the smallest normal)."""
    chk = F.check_softmax(x, c)
    assert chk.min_prob > 0
    assert chk.sum_error < 1e-12
    assert chk.shift_error < 1e-12
    assert chk.order_violations == 0
    naive = np.exp(x) / np.sum(np.exp(x))
    if np.all(np.isfinite(naive)) and np.all(np.abs(x) < 50):
        np.testing.assert_allclose(F.softmax(x), naive, rtol=1e-10)


def test_softmax_check_detects_a_bad_softmax() -> None:
    relu_norm = lambda x: np.maximum(x, 0) / np.sum(np.maximum(x, 0))  # noqa: E731
    chk = F.check_softmax(np.array([1.0, 2.0, -1.0]), 5.0, fn=relu_norm)
    assert chk.min_prob == 0.0 and chk.shift_error > 0.1


@SETTINGS
@given(st.integers(1, 20), st.integers(1, 24), st.integers(0, 2**32 - 1))
def test_attention_distortion_bound_holds(t: int, d: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    q = rng.standard_normal(d) * 3
    k = rng.laplace(size=(t, d))
    v = rng.standard_normal((t, 4))
    kh, _ = F.sign_quantize(k)
    vh = np.round(v, 1)
    res = F.attention_distortion(q, k, v, kh, vh)
    p, ph = F.softmax(k @ q / math.sqrt(d)), F.softmax(kh @ q / math.sqrt(d))
    assert res.observed == pytest.approx(float(np.max(np.abs(p @ v - ph @ vh))), rel=1e-12, abs=1e-15)  # the two sides sum in different orders
    score_err = float(np.max(np.abs((k - kh) @ q))) / math.sqrt(d)
    assert res.bound == pytest.approx(np.max(np.abs(v)) * score_err + np.max(np.abs(v - vh)), rel=1e-9, abs=1e-15)
    assert res.observed <= res.bound + 1e-12
    assert float(np.sum(np.abs(p - ph))) <= score_err + 1e-12  # softmax ℓ∞ → ℓ1 Lipschitz
    # ‖k − k̂‖ = ‖k‖√(1 − β): the a-priori score error in terms of the floor
    eps = float(np.linalg.norm(q) / math.sqrt(d) * np.max(np.linalg.norm(k, axis=1) * np.sqrt(1 - F.beta(k))))
    assert res.score_error_bound == pytest.approx(eps, rel=1e-9, abs=1e-15)
    assert res.score_error <= res.score_error_bound + 1e-12
    assert res.bound <= res.a_priori_bound + 1e-12
    exact = F.attention_distortion(q, k, v, k, v)
    assert (exact.observed, exact.bound, exact.a_priori_bound) == (0.0, 0.0, 0.0)


@SETTINGS
@given(st.integers(2, 40), st.integers(0, 2**32 - 1), st.floats(-0.99, 0.99))
def test_local_loss_near_the_lattice(d: int, seed: int, u: float) -> None:
    rng = np.random.default_rng(seed)
    s = np.where(rng.random(d) < 0.5, -1.0, 1.0)
    v = F.lattice_tangent(s, rng.standard_normal(d))
    assert abs(float(np.dot(s, v))) < 1e-12
    assume(float(np.max(np.abs(v))) > 1e-6)
    t = u / float(np.max(np.abs(v)))
    a = t * t * float(np.dot(v, v))
    brute = 1.0 - _brute_beta(s + t * v)
    assert F.loss_along(s, v, t) == pytest.approx(brute, abs=1e-12)
    assert F.lattice_local_loss(d, t, float(np.dot(v, v))) == pytest.approx(a / (d + a), abs=1e-15)
    assert F.loss_along(s, v, t) == pytest.approx(a / (d + a), rel=1e-9, abs=1e-15)
    assert F.loss_along(s, v, t) <= a / d + 1e-15


def test_local_expansion_needs_no_sign_change() -> None:
    """Once a coordinate crosses zero the closed form no longer holds (so the hypothesis matters)."""
    s = np.array([1.0, 1.0, -1.0, -1.0])
    v = F.lattice_tangent(s, np.array([3.0, -1.0, 0.5, 0.2]))
    t = 3.0 / float(np.max(np.abs(v)))  # the second coordinate changes sign
    a = t * t * float(np.dot(v, v))
    assert F.loss_along(s, v, t) != pytest.approx(a / (4 + a), rel=1e-3)


def test_random_orthogonal_is_haar() -> None:
    """Every entry of a Haar matrix has the law of one coordinate of a uniform unit vector."""
    d, n = 4, 20_000
    rng = np.random.default_rng(11)
    m = np.array([F.random_orthogonal(d, rng) for _ in range(n)])
    assert np.max(np.abs(np.einsum("nji,njk->nik", m, m) - np.eye(d))) < 1e-12
    e_abs = special.gamma(d / 2) / (math.sqrt(math.pi) * special.gamma((d + 1) / 2))  # E|u_1|
    np.testing.assert_allclose(np.abs(m).mean(axis=0), e_abs, atol=0.012)
    np.testing.assert_allclose((m**2).mean(axis=0), 1 / d, atol=0.01)
    dets = np.linalg.det(m)
    assert np.allclose(np.abs(dets), 1) and abs(float(np.mean(dets > 0)) - 0.5) < 0.02
    # reproducible from a seed
    np.testing.assert_array_equal(F.random_orthogonal(7, 3), F.random_orthogonal(7, 3))
    assert F.random_orthogonal(1, 0).shape == (1, 1)


@SETTINGS
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 8)), elements=st.floats(-5, 5)))
def test_moe_gauge_property(mu: np.ndarray) -> None:
    heads = mu.shape[1]
    brute = [math.fsum(max(0.0, float(x)) for x in row) / heads for row in mu]
    np.testing.assert_allclose(F.moe_gauge(mu), brute, atol=1e-15)


@SETTINGS
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 6)), elements=finite))
def test_dc_center_property(k: np.ndarray) -> None:
    kc = F.dc_center(k)
    for j in range(k.shape[1]):
        col_mean = math.fsum(float(x) for x in k[:, j]) / k.shape[0]
        np.testing.assert_allclose(kc[:, j], k[:, j] - col_mean, atol=1e-9 * (1 + float(np.max(np.abs(k)))))


@SETTINGS
@given(st.integers(1, 5000), st.floats(0, 90))
def test_allocator_property(d: int, angle: float) -> None:
    expected = 1 if (d >= 512 and angle <= 40) else (2 if angle <= 44 else 3)
    assert F.allocate_bits(d, angle) == expected


def test_huge_keys_do_not_overflow() -> None:
    """Entries near the float maximum: the scale and β stay finite (the widget's JS agrees)."""
    _, alpha = F.sign_quantize([1e308, 1e308, -1.5e308])
    assert alpha == pytest.approx(1e308 / 3 * 3.5, rel=1e-12)
    assert F.matrix_beta_1bit([[1e200, 2e200]]) == pytest.approx(0.9, rel=1e-12)
    assert F.matrix_beta_1bit([[1e-200, 2e-200]]) == pytest.approx(0.9, rel=1e-12)
