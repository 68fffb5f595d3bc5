"""load_keys, measure and the ``zerosorry-geometry measure`` CLI on tensors written by the tests."""

from __future__ import annotations

import csv
import importlib
import json
import math
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors.numpy import save_file

from neural_geometry import cli
from neural_geometry import formulas as F
from neural_geometry.keys import KeyFileError, LayerStats, load_keys, measure


def _keys(seed: int = 0, shape: tuple[int, int, int, int] = (3, 2, 20, 16)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    k = rng.standard_normal(shape)
    if shape[0] < 3:
        return k
    k[1] = rng.laplace(size=shape[1:])
    k[2] = np.where(rng.random(shape[1:]) < 0.5, -1.0, 1.0) * (1 + 0.02 * rng.random(shape[1:]))
    return k


# ----------------------------------------------------------------------------- load_keys


def test_load_npy_and_safetensors_roundtrip(tmp_path: Path) -> None:
    k = _keys()
    np.save(tmp_path / "k.npy", k.astype(np.float32))
    got = load_keys(tmp_path / "k.npy")
    assert got.dtype == np.float64 and got.shape == k.shape
    np.testing.assert_allclose(got, k.astype(np.float32))

    save_file({"keys": k, "other": np.zeros(3)}, str(tmp_path / "named.safetensors"))
    np.testing.assert_array_equal(load_keys(tmp_path / "named.safetensors"), k)
    save_file({"past_key_values": k.astype(np.float16)}, str(tmp_path / "only.safetensors"))
    np.testing.assert_array_equal(load_keys(str(tmp_path / "only.safetensors")), k.astype(np.float16))


def _expect(path: Path, message: str) -> None:
    with pytest.raises(KeyFileError) as info:
        load_keys(path)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    p = tmp_path / "rank3.npy"
    np.save(p, np.ones((2, 3, 4)))
    _expect(p, f"{p}: keys must have rank 4 (layers, heads, tokens, d), got rank 3 with shape (2, 3, 4)")

    p = tmp_path / "d0.npy"
    np.save(p, np.ones((2, 3, 4, 0)))
    _expect(p, f"{p}: head dimension d is 0 (shape (2, 3, 4, 0))")

    p = tmp_path / "empty.npy"
    np.save(p, np.ones((2, 0, 4, 8)))
    _expect(p, f"{p}: empty key tensor (shape (2, 0, 4, 8))")

    k = _keys()
    k[1, 0, 5, 3] = np.nan
    k[2, 1, 0, 0] = np.inf
    p = tmp_path / "nan.npy"
    np.save(p, k)
    _expect(p, f"{p}: 2 key vector(s) contain NaN or infinite values (first at layer 1, head 0, token 5)")

    k = _keys()
    k[0, 1, 7] = 0.0
    k[2, 0, 3] = 0.0
    k[2, 0, 4] = 0.0
    p = tmp_path / "zero.safetensors"
    save_file({"keys": k}, str(p))
    _expect(p, f"{p}: 3 zero key vector(s) (first at layer 0, head 1, token 7); β is undefined for a zero vector")

    p = tmp_path / "keys.pt"
    p.write_bytes(b"x")
    _expect(p, f"{p}: unknown key-file extension '.pt' (expected .npy or .safetensors)")
    p = tmp_path / "keys"
    _expect(p, f"{p}: unknown key-file extension '(none)' (expected .npy or .safetensors)")

    p = tmp_path / "missing.npy"
    _expect(p, f"{p}: cannot read key file: no such file")

    p = tmp_path / "bool.npy"
    np.save(p, np.ones((1, 1, 1, 2), dtype=bool))
    _expect(p, f"{p}: keys must be a real numeric array, got dtype bool")

    p = tmp_path / "many.safetensors"
    save_file({"a": np.ones((1, 1, 1, 2)), "b": np.ones(2)}, str(p))
    _expect(p, f"{p}: no tensor named 'keys' and 2 tensors (a, b); name the key tensor 'keys'")


@pytest.mark.parametrize("name", ["garbage.npy", "garbage.safetensors"])
def test_unreadable_files(tmp_path: Path, name: str) -> None:
    p = tmp_path / name
    p.write_bytes(b"\x00\x01 definitely not an array")
    with pytest.raises(KeyFileError) as info:
        load_keys(p)
    assert str(info.value).startswith(f"{p}: cannot read key file: ")


def test_pickled_npy_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "obj.npy"
    np.save(p, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(KeyFileError, match="cannot read key file"):
        load_keys(p)


# ----------------------------------------------------------------------------- measure


def test_measure_matches_per_vector_definitions() -> None:
    k = _keys()
    rows = measure(k)
    assert [r.layer for r in rows] == [0, 1, 2]
    for r in rows:
        betas = [float(F.beta(k[r.layer, h, t])) for h in range(2) for t in range(20)]
        assert r.beta_mean == pytest.approx(float(np.mean(betas)), rel=1e-12)
        assert r.beta_min == pytest.approx(min(betas))
        assert r.beta_max == pytest.approx(max(betas))
        assert r.floor == pytest.approx(float(np.mean([F.residual_energy(k[r.layer, h, t]) for h in range(2) for t in range(20)])))
        assert math.sin(math.radians(r.angle_deg)) ** 2 == pytest.approx(r.floor)
        head_mu = [float(np.mean([F.beta(k[r.layer, h, t]) for t in range(20)])) - F.GAUSSIAN_BETA for h in range(2)]
        assert r.gauge == pytest.approx(sum(max(0.0, m) for m in head_mu) / 2)
        assert r.bits == F.allocate_bits(16, r.angle_deg)
        assert (r.heads, r.tokens, r.d) == (2, 20, 16)
    # Gaussian layer ≈ 2/π, Laplace layer below it (gauge 0), near-lattice layer ≈ 1
    assert rows[1].gauge == 0.0 and rows[1].beta_mean < rows[0].beta_mean < rows[2].beta_mean
    assert rows[2].beta_mean > 0.99 and rows[2].angle_deg < 10


def test_measure_baseline_center_and_bits_at_large_d() -> None:
    k = _keys(shape=(1, 3, 4, 512))
    plain = measure(k, gauge_baseline=0.0)[0]
    assert plain.gauge == pytest.approx(plain.beta_mean)  # μ = per-head mean β, all positive
    rng = np.random.default_rng(1)
    lattice = np.where(rng.random((2, 2, 3, 512)) < 0.5, -1.0, 1.0)
    assert [r.bits for r in measure(lattice)] == [1, 1]
    shifted = _keys(shape=(1, 2, 50, 8)) + 10.0
    assert measure(shifted)[0].beta_mean > 0.99  # the DC offset fakes a lattice …
    centred = measure(shifted, center=True)[0]
    assert centred.beta_mean < 0.8  # … which centring removes
    with pytest.raises(ValueError, match="at least 2 tokens"):
        measure(_keys(shape=(1, 1, 1, 4)), center=True)
    with pytest.raises(ValueError, match="shape"):
        measure(np.ones((2, 3)))


# ----------------------------------------------------------------------------- CLI


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("suffix", [".npy", ".safetensors"])
def test_cli_measure_writes_json_and_csv(tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]) -> None:
    k = _keys(3)
    src = tmp_path / f"k{suffix}"
    if suffix == ".npy":
        np.save(src, k)
    else:
        save_file({"keys": k}, str(src))
    expected = measure(k)

    code, out, err = _run(["measure", str(src), "--out", str(tmp_path / "t.json")], capsys)
    assert code == 0 and err == ""
    assert "3 layers × 2 heads × 20 tokens, d = 16" in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:1] == ["layer"])
    table = [line.split() for line in lines[header + 1 : header + 4]]
    for row, stats in zip(table, expected, strict=True):
        assert int(row[0]) == stats.layer
        assert float(row[4]) == pytest.approx(stats.beta_mean, abs=5e-5)
        assert float(row[8]) == pytest.approx(stats.angle_deg, abs=5e-3)
        assert int(row[10]) == stats.bits
    data = json.loads((tmp_path / "t.json").read_text())
    assert [LayerStats(**row) for row in data] == expected

    code, _out, _err = _run(["measure", str(src), "--out", str(tmp_path / "t.csv")], capsys)
    assert code == 0
    with (tmp_path / "t.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3
    assert [float(r["gauge"]) for r in rows] == pytest.approx([s.gauge for s in expected], rel=1e-15)
    assert [int(r["bits"]) for r in rows] == [s.bits for s in expected]


def test_cli_center_and_baseline_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    k = _keys(4, (1, 2, 30, 8)) + 5.0
    np.save(tmp_path / "k.npy", k)
    code, _, _ = _run(["measure", str(tmp_path / "k.npy"), "--center", "--baseline", "0", "--out", str(tmp_path / "o.json")], capsys)
    assert code == 0
    (row,) = json.loads((tmp_path / "o.json").read_text())
    assert row["gauge"] == pytest.approx(measure(k, gauge_baseline=0.0, center=True)[0].gauge)


def test_cli_errors_are_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.npy"
    np.save(bad, np.ones((2, 2)))
    cases = [
        (["measure", str(bad)], f"zerosorry-geometry: error: {bad}: keys must have rank 4 (layers, heads, tokens, d), got rank 2 with shape (2, 2)"),
        (["measure", str(tmp_path / "nope.npy")], f"zerosorry-geometry: error: {tmp_path / 'nope.npy'}: cannot read key file: no such file"),
        (["measure", str(bad), "--out", str(tmp_path / "x.txt")], f"zerosorry-geometry: error: {tmp_path / 'x.txt'}: --out must end in .json or .csv"),
        ([], "zerosorry-geometry: error: a command is required (measure, witnesses)"),
        (["measure"], "zerosorry-geometry: error: the following arguments are required: KEYS"),
        (["measure", str(bad), "--baseline", "x"], "zerosorry-geometry: error: argument --baseline: invalid float value: 'x'"),
        (["frobnicate"], None),
    ]
    for argv, message in cases:
        code, out, err = _run(argv, capsys)
        assert code == 2, argv
        assert out == ""
        assert len(err.strip().splitlines()) == 1, err
        if message is not None:
            assert err.strip() == message
        else:
            assert err.startswith("zerosorry-geometry: error: argument COMMAND: invalid choice: 'frobnicate'")
    assert not (tmp_path / "x.txt").exists()


def test_cli_registers_the_lab_subcommand(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fake = types.ModuleType("neural_geometry.lab.cli")
    calls: list[Any] = []

    def run(args: Any) -> int:
        calls.append(args.n)
        return 0

    def register(subparsers: Any) -> None:
        p = subparsers.add_parser("lab", help="fake lab")
        p.add_argument("--n", type=int, default=1)
        p.set_defaults(func=run)

    fake.register = register  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "neural_geometry.lab.cli", fake)
    assert cli.main(["lab", "--n", "7"]) == 0
    assert calls == [7]


def test_cli_works_without_the_lab(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "neural_geometry.lab.cli", None)  # import now fails
    np.save(tmp_path / "k.npy", _keys())
    code, out, _ = _run(["measure", str(tmp_path / "k.npy")], capsys)
    assert code == 0 and "layer" in out
    code, _, err = _run(["lab"], capsys)
    assert code == 2 and "invalid choice: 'lab'" in err


def test_console_script_entry_point() -> None:
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="console_scripts") if e.name == "zerosorry-geometry"]
    assert ep.load() is cli.main


def test_cli_witnesses(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import neural_geometry.witnesses as W

    code, out, _ = _run(["witnesses", "allocator_thresholds", "softmax_soundness", "--json", str(tmp_path / "w.json")], capsys)
    assert code == 0
    assert out.splitlines()[0].startswith("pass  allocator_thresholds  (")
    assert out.splitlines()[-1] == "2 of 2 witnesses passed"
    data = json.loads((tmp_path / "w.json").read_text())
    assert set(data) == {"allocator_thresholds", "softmax_soundness"} and data["softmax_soundness"]["passed"]

    broken = W._guarded(lambda: W.check_moe_gauge_monotone(gauge=lambda mu: np.mean(mu, axis=1), total=50))
    monkeypatch.setitem(W.WITNESSES, "moe_gauge_monotone", broken)
    code, out, _ = _run(["witnesses", "moe_gauge_monotone"], capsys)
    assert code == 1
    assert out.startswith("FAIL  moe_gauge_monotone") and "counterexample: " in out

    code, _, err = _run(["witnesses", "nope"], capsys)
    assert code == 2 and err.startswith("zerosorry-geometry: error: unknown witness 'nope' (known: cos_sign_quant_formula,")


def test_cli_lab_without_its_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real_import = importlib.import_module

    def fake_import(name: str, package: str | None = None) -> Any:
        if name == "neural_geometry.lab.cli":
            raise ModuleNotFoundError("No module named 'torch'", name="torch")
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", fake_import)
    np.save(tmp_path / "k.npy", _keys())
    assert _run(["measure", str(tmp_path / "k.npy")], capsys)[0] == 0
    code, _, err = _run(["lab"], capsys)
    assert code == 2
    assert err.strip() == (
        "zerosorry-geometry: error: the lab needs the optional dependencies "
        "(pip install 'zerosorry[lab]'): No module named 'torch'"
    )

    def broken_import(name: str, package: str | None = None) -> Any:
        if name == "neural_geometry.lab.cli":
            raise ModuleNotFoundError("No module named 'neural_geometry.lab.models'", name="neural_geometry.lab.models")
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", broken_import)
    with pytest.raises(ModuleNotFoundError):
        cli.main(["measure", str(tmp_path / "k.npy")])
