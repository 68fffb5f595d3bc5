"""Every numeric witness passes, honours the manifest contract, and fails on a broken ingredient."""

from __future__ import annotations

import importlib
import math
import time
from typing import Any

import numpy as np
import pytest

import neural_geometry.witnesses as W
from neural_geometry import formulas as F

REQUIRED = [
    "cos_sign_quant_formula",
    "residual_energy_formula",
    "jensen_floor",
    "jensen_floor_equality",
    "iid_coord_moment_ratio_floor",
    "gaussian_moment_ratio",
    "uniform_moment_ratio",
    "laplace_moment_ratio",
    "isotropic_floor",
    "attention_score_gauge_invariance",
    "avg_amplification",
    "dc_mean_centering",
    "dc_mean_energy_split",
    "rank_r_correction",
    "attention_distortion_bound",
    "softmax_soundness",
    "moe_gauge_monotone",
    "allocator_thresholds",
]
# witnesses for further appendix entries (BetaLocalHessian.lean, moe_gauge_beta_le_lattice)
EXTRA = ["beta_local_expansion", "beta_local_hessian", "last_mile_hardness", "moe_gauge_lattice_bound"]

CONTRACT = {
    "passed": bool,
    "cases": int,
    "max_error": float,
    "tolerance": float,
    "summary": str,
}


def _assert_contract(res: Any) -> None:
    assert set(res) == {*CONTRACT, "counterexample"}
    for key, typ in CONTRACT.items():
        assert type(res[key]) is typ, (key, res[key])
    assert res["counterexample"] is None or isinstance(res["counterexample"], str)
    assert "\n" not in res["summary"] and res["summary"]


def test_registry_names() -> None:
    assert list(W.WITNESSES) == REQUIRED + EXTRA


@pytest.mark.parametrize("name", REQUIRED + EXTRA)
def test_witness_passes_via_manifest_reference(name: str) -> None:
    module, func = f"neural_geometry.witnesses:{name}".split(":")
    fn = getattr(importlib.import_module(module), func)
    start = time.perf_counter()
    res = fn()
    elapsed = time.perf_counter() - start
    _assert_contract(res)
    assert res["passed"], res["summary"] + f" / {res['counterexample']}"
    assert res["counterexample"] is None
    assert res["cases"] > 0
    assert 0 <= res["max_error"] <= res["tolerance"]
    assert f"{res['cases']:,}" in res["summary"]
    # each takes well under a second on an idle core; the bound leaves room for a busy CI box
    assert elapsed < 10.0, f"{name} took {elapsed:.2f}s"
    # deterministic seeds: a second run reports the same cases and (up to BLAS threading
    # round-off) the same error
    again = fn()
    assert (again["passed"], again["cases"]) == (res["passed"], res["cases"])
    assert again["max_error"] == pytest.approx(res["max_error"], rel=1e-6, abs=1e-15)


def _fails(res: dict[str, Any]) -> None:
    _assert_contract(res)
    assert res["passed"] is False
    assert res["counterexample"], res


def test_identity_witnesses_catch_broken_formulas() -> None:
    _fails(W.check_cos_sign_quant_formula(cosine=F.beta, total=2_000))  # forgot the square root
    # sign(0) = 0 leaves zero coordinates unquantised: no longer a two-level code
    np_sign = lambda k: (np.sign(k) * np.mean(np.abs(k), axis=-1, keepdims=True), np.mean(np.abs(k), axis=-1))  # noqa: E731
    _fails(W.check_cos_sign_quant_formula(quantize=np_sign, total=2_000))
    _fails(W.check_residual_energy_formula(residual=lambda k: 1 - F.one_bit_cosine(k), total=2_000))
    # the RMS is not the least-squares scale of a sign code
    rms_scale = lambda k: (F.sign_quantize(k)[0], np.sqrt(np.mean(np.asarray(k) ** 2, axis=-1)))  # noqa: E731
    _fails(W.check_residual_energy_formula(quantize=rms_scale, total=2_000))
    _fails(W.check_jensen_floor(beta_fn=lambda k: 1.01 * np.asarray(F.beta(k)), total=2_000))
    _fails(W.check_jensen_floor_equality(beta_fn=lambda k: np.asarray(F.beta(k)) - 1e-9, total=2_000))
    _fails(W.check_jensen_floor_equality(beta_fn=lambda k: np.ones(k.shape[0]), total=2_000))


def test_limit_witnesses_catch_wrong_closed_forms() -> None:
    _fails(W.check_gaussian_moment_ratio(closed_form=0.64))
    _fails(W.check_uniform_moment_ratio(closed_form=2 / 3))
    _fails(W.check_laplace_moment_ratio(closed_form=0.5 + 0.02))
    _fails(W.check_iid_coord_moment_ratio_floor(residual=lambda k: 1 - np.asarray(F.beta(k)) ** 2))
    # an identity "rotation" is data-independent but not random: the lattice keeps β = 1
    _fails(W.check_isotropic_floor(rotation=lambda d, rng: np.eye(d), dims=(16, 64), rotations=10))
    # the 1/d term is tested, not only the limit: the bare constant, or half the term, fails
    _fails(W.check_isotropic_floor(expected_beta=lambda d: F.GAUSSIAN_BETA))
    _fails(W.check_isotropic_floor(expected_beta=lambda d: F.GAUSSIAN_BETA + 0.5 * (1 - F.GAUSSIAN_BETA) / d))
    # and a run too small to see the term says so instead of passing
    _fails(W.check_isotropic_floor(dims=(2,), rotations=3))


def test_structural_witnesses_catch_broken_ingredients() -> None:
    _fails(W.check_attention_score_gauge_invariance(transform=lambda q, k, r: (q @ r, k @ r.T), total=200))
    # a transform that does nothing, or an identity "rotation", tests nothing: a failure
    _fails(W.check_attention_score_gauge_invariance(transform=lambda q, k, r: (q, k), total=50))
    _fails(W.check_attention_score_gauge_invariance(rotation=lambda d, rng: np.eye(d), total=50))
    with pytest.raises(ValueError, match="not orthogonal"):
        W.check_attention_score_gauge_invariance(rotation=lambda d, rng: rng.standard_normal((d, d)) + np.eye(d), total=5)
    _fails(W.check_avg_amplification(amplification=lambda w: float(np.linalg.norm(w) / math.sqrt(w.shape[0])), total=200))
    _fails(W.check_dc_mean_centering(center=lambda k: k - k.mean(axis=1, keepdims=True), total=200))
    _fails(W.check_rank_r_correction(effective=lambda b, g: 1 - (1 - b) * (1 - g) ** 2, total=200))
    _fails(W.check_rank_r_correction(svd_approx=lambda e, r: np.zeros_like(e), total=200))
    def half_bound(*args: Any) -> F.AttentionDistortion:
        r = F.attention_distortion(*args)
        return r._replace(bound=0.5 * r.bound)

    def no_v_term(*args: Any) -> F.AttentionDistortion:  # forgets the V-cache error
        r = F.attention_distortion(*args)
        return r._replace(bound=float(np.max(np.abs(args[2]))) * r.score_error)

    _fails(W.check_attention_distortion_bound(distortion=half_bound, total=300))
    _fails(W.check_attention_distortion_bound(distortion=no_v_term, total=300))


def test_softmax_gauge_and_allocator_witnesses_catch_bugs() -> None:
    naive = lambda x: np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)  # noqa: E731
    with np.errstate(over="ignore", invalid="ignore"):
        _fails(W.check_softmax_soundness(fn=naive, total=2_000))
    relu = lambda x: (np.maximum(x, 0) + 1e-300) / np.sum(np.maximum(x, 0) + 1e-300, axis=-1, keepdims=True)  # noqa: E731
    _fails(W.check_softmax_soundness(fn=relu, total=2_000))
    _fails(W.check_moe_gauge_monotone(gauge=lambda mu: np.mean(mu, axis=1), total=500))  # no clamp
    _fails(W.check_moe_gauge_monotone(gauge=lambda mu: np.max(np.maximum(mu, 0), axis=1), total=500))
    strict_40 = lambda d, a: np.where((np.asarray(d) >= 512) & (np.asarray(a) < 40), 1, np.where(np.asarray(a) <= 44, 2, 3))  # noqa: E731
    _fails(W.check_allocator_thresholds(allocate=strict_40))
    off_by_one = lambda d, a: F.allocate_bits(np.asarray(d) + 1, a)  # noqa: E731
    _fails(W.check_allocator_thresholds(allocate=off_by_one))


def test_lattice_witnesses_catch_bugs() -> None:
    upper = lambda s, v, t: t * t * float(np.dot(v, v)) / s.size  # noqa: E731  (the bound, not the loss)
    _fails(W.check_beta_local_expansion(loss=upper, total=300))
    _fails(W.check_beta_local_hessian(loss=lambda s, v, t: 2 * F.loss_along(s, v, t), total=100))
    _fails(W.check_last_mile_hardness(loss=lambda s, v, t: 1.001 * F.loss_along(s, v, t), total=300))
    _fails(W.check_moe_gauge_lattice_bound(beta_fn=lambda k: 1.5 * np.asarray(F.beta(k)), total=300))


def test_guarded_witness_reports_exceptions() -> None:
    def boom() -> dict[str, Any]:
        raise RuntimeError("quadrature diverged")

    res = W._guarded(boom)()
    _assert_contract(res)
    assert res["passed"] is False
    assert res["summary"] == "RuntimeError: quadrature diverged"


def test_result_helper_semantics() -> None:
    ok = W.result(cases=20_000, max_error=3.1e-16, tolerance=1e-12, what="random vectors")
    assert ok["passed"] and ok["summary"] == "20,000 random vectors, max error 3.1e-16 (tolerance 1e-12)"
    bad = W.result(cases=5, max_error=2e-12, tolerance=1e-12, what="x")
    assert not bad["passed"] and "exceeds tolerance" in str(bad["counterexample"])
    assert not W.result(cases=5, max_error=math.nan, tolerance=1.0, what="x")["passed"]
    assert not W.result(cases=5, max_error=0.0, tolerance=1.0, what="x", counterexample="k = [1]")["passed"]
