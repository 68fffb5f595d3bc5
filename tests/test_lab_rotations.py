"""The lab's linear algebra, without torch: Hadamard, SRHT, the L¹ lift, 1-bit errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neural_geometry import formulas as F
from neural_geometry.lab.gauge import one_bit, one_bit_error
from neural_geometry.lab.rotations import geometry, hadamard, learn_rotation, lift, split, srht


@pytest.mark.parametrize("p", [1, 2, 8, 64])
def test_hadamard_is_orthogonal(p: int) -> None:
    H = hadamard(p)
    np.testing.assert_allclose(H @ H.T, np.eye(p), atol=1e-12)
    assert np.allclose(np.abs(H), 1 / np.sqrt(p))


def test_hadamard_rejects_other_orders() -> None:
    with pytest.raises(ValueError, match="power of two"):
        hadamard(24)


@pytest.mark.parametrize("d", [7, 24, 32, 33])
def test_srht_is_an_isometry_padded_when_needed(d: int) -> None:
    M = srht(d, np.random.default_rng(0))
    assert M.shape[0] >= d and M.shape[0] & (M.shape[0] - 1) == 0
    np.testing.assert_allclose(M.T @ M, np.eye(d), atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 12), st.integers(0, 10_000))
def test_lift_is_monotone_and_beats_identity(d: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    K = rng.laplace(size=(200, d)) @ F.random_orthogonal(d, rng)
    res = learn_rotation(K, iters=40)
    assert all(b >= a - 1e-12 for a, b in zip(res.objective, res.objective[1:], strict=False))
    assert geometry(K @ res.rotation.T).beta >= geometry(K).beta - 1e-9 or res.objective[-1] >= res.objective[0]
    np.testing.assert_allclose(res.rotation @ res.rotation.T, np.eye(d), atol=1e-9)


def test_lift_recovers_a_hidden_lattice() -> None:
    """Keys on the sign lattice hidden by a rotation: the lift finds a basis with β near 1."""
    rng = np.random.default_rng(1)
    d = 16
    Q = F.random_orthogonal(d, rng)
    K = rng.choice([-1.0, 1.0], size=(2000, d)) * rng.uniform(0.5, 2, size=(2000, 1))
    hidden = K @ Q.T
    assert geometry(hidden).beta < 0.8
    res = learn_rotation(hidden, iters=500)
    assert geometry(hidden @ res.rotation.T).beta > geometry(hidden).beta


def test_one_bit_matches_the_formulas() -> None:
    rng = np.random.default_rng(2)
    k = rng.standard_normal((50, 32))
    q = one_bit(k)
    direct = np.sign(k) * np.abs(k).sum(axis=1, keepdims=True) / k.shape[1]
    np.testing.assert_allclose(q, direct, rtol=1e-12)
    resid = np.sum((k - q) ** 2, axis=1) / np.sum(k * k, axis=1)
    np.testing.assert_allclose(resid, F.residual_energy(k), rtol=1e-10)


def test_one_bit_error_is_zero_on_the_lattice_and_centering_is_exact() -> None:
    rng = np.random.default_rng(3)
    keys = rng.choice([-1.0, 1.0], size=(40, 8)) * 2.0
    q = rng.standard_normal((40, 8))
    errs = one_bit_error(q, keys, {"id": np.eye(8)})
    assert errs["id"].score_rel < 1e-12 and errs["id"].prob_tv < 1e-12
    mu = rng.standard_normal(8)
    errs = one_bit_error(q, keys + mu, {"id": np.eye(8)}, centers=mu)
    assert errs["id"].score_rel < 1e-12


def test_split_and_lift_shapes() -> None:
    tr, te = split(100, 0.5, 0)
    assert len(tr) == 50 and len(te) == 50 and set(tr).isdisjoint(te)
    K = np.random.default_rng(4).standard_normal((2, 3, 60, 8))
    res = lift(K, seed=0, per="layer", iters=10)
    assert res.rotations["learned"].shape == (2, 3, 8, 8)
    assert np.array_equal(res.rotations["learned"][0, 0], res.rotations["learned"][0, 2])  # per layer
    with pytest.raises(ValueError, match="train_frac"):
        split(10, 1.0, 0)


def test_rotations_round_trip_and_bad_files_are_named(tmp_path: Path) -> None:
    pytest.importorskip("safetensors", reason="the lab extra is not installed")
    from safetensors.numpy import save_file

    from neural_geometry.lab.models import LabError
    from neural_geometry.lab.rotations import load_rotations, save_rotations

    rng = np.random.default_rng(3)
    keys = rng.laplace(size=(2, 3, 40, 4))
    res = lift(keys, iters=5, seed=0)
    out = tmp_path / "rot.safetensors"
    save_rotations(res, str(out))
    back = load_rotations(str(out))
    np.testing.assert_array_equal(back["learned"], res.rotations["learned"])
    np.testing.assert_array_equal(back["learned_centered"], res.rotations["learned+c"])
    assert [p.name for p in tmp_path.iterdir()] == ["rot.safetensors"]  # no temporary left

    missing = tmp_path / "none.safetensors"
    with pytest.raises(LabError, match=r"none\.safetensors: no such file \(write one with"):
        load_rotations(str(missing))
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"junk")
    with pytest.raises(LabError, match=r"junk\.safetensors: not a rotation file: "):
        load_rotations(str(junk))
    other = tmp_path / "keys.safetensors"
    save_file({"keys": keys}, str(other))
    with pytest.raises(LabError, match=r"keys\.safetensors: not a rotation file: no tensor 'learned' \(it holds keys\)"):
        load_rotations(str(other))
    flat = tmp_path / "flat.safetensors"
    save_file({"learned": np.eye(4), "learned_centered": np.eye(4)}, str(flat))
    with pytest.raises(LabError, match=r"tensor 'learned' has shape \(4, 4\), expected layers × heads × d × d"):
        load_rotations(str(flat))


def test_chunks_never_repeat_a_pass() -> None:
    from neural_geometry.lab.capture import _chunks

    texts = ["Only one sentence in this text here.", "Only one sentence in this text here.",
             "First sentence of two is here. Second sentence of two is here.",
             "Another text. Second sentence of two is here."]
    assert _chunks(texts) == [
        "Only one sentence in this text here.",
        "First sentence of two is here. Second sentence of two is here.",
        "Another text. Second sentence of two is here.",
        "Second sentence of two is here.",
    ]
