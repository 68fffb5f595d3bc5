"""Attention keys from a real transformer, read through forward hooks on its key projections.

BERT-style models (``…layer.<i>.attention.self.key``) and decoder-style ones
(``…layers.<i>.self_attn.k_proj``, grouped-query attention included: the key projection then
has fewer heads than the query one) are recognised by module name.  The keys of every token of
every text are collected in layer order and returned as ``(layers, heads, tokens, d)``.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .files import atomic_write
from .models import LabError

KEY_MODULE = re.compile(r"(?:^|\.)(?:layer|layers|h|blocks)\.(\d+)\.(?:attention\.self\.key|self_attn\.k_proj|attn\.k_proj)$")
QUERY_MODULE = re.compile(r"(?:^|\.)(?:layer|layers|h|blocks)\.(\d+)\.(?:attention\.self\.query|self_attn\.q_proj|attn\.q_proj)$")


@dataclass(frozen=True)
class HeadShape:
    layers: int
    q_heads: int
    kv_heads: int
    d: int


def head_shape(model: Any) -> HeadShape:
    cfg = model.config
    q_heads = int(cfg.num_attention_heads)
    kv_heads = int(getattr(cfg, "num_key_value_heads", None) or q_heads)
    d = int(getattr(cfg, "head_dim", None) or cfg.hidden_size // q_heads)
    return HeadShape(int(cfg.num_hidden_layers), q_heads, kv_heads, d)


def projections(model: Any, pattern: re.Pattern[str] = KEY_MODULE) -> list[tuple[int, str, Any]]:
    """The (layer, module name, module) of every key (or query) projection, in layer order."""
    found = []
    for name, module in model.named_modules():
        m = pattern.search(name)
        if m:
            found.append((int(m.group(1)), name, module))
    if not found:
        raise LabError(f"{type(model).__name__}: no key projection found (expected modules named "
                       "…layer.<i>.attention.self.key or …layers.<i>.self_attn.k_proj)")
    found.sort(key=lambda t: t[0])
    layers = [t[0] for t in found]
    if layers != list(range(len(found))):
        raise LabError(f"{type(model).__name__}: key projections for layers {layers}, expected 0…{len(found) - 1}")
    return found


def uses_rotary(model: Any) -> bool:
    """Whether the model rotates queries and keys by position (RoPE). Configs name it in many
    ways across versions (``rope_theta``, transformers 5's ``rope_parameters``, …), so a rotary
    embedding module anywhere in the model counts too."""
    cfg = model.config
    if (getattr(cfg, "rope_theta", None) or getattr(cfg, "rope_parameters", None)
            or getattr(cfg, "rotary_emb_base", None) or getattr(cfg, "rotary_dim", None)
            or getattr(cfg, "position_embedding_type", "absolute") == "rotary"):
        return True
    return any("rotary" in type(m).__name__.lower() for m in model.modules())


@dataclass
class Capture:
    keys: npt.NDArray[np.float32]  # (layers, heads, tokens, d)
    model: str
    text_sha256: str
    tokens: int
    token_ids: list[int] = field(default_factory=list)
    queries: npt.NDArray[np.float32] | None = None  # (layers, q_heads, tokens, d) when asked for


def _chunks(texts: Sequence[str]) -> list[str]:
    """The texts, then (if more tokens are needed) their sentences one by one: new contexts and
    positions for the same words.  A sentence that is a whole text, a repeated sentence, and each
    text's first sentence (a prefix of the text: a causal model would give it the very same keys)
    are left out, so no forward pass repeats one already run."""
    texts = [t for t in dict.fromkeys(t.strip() for t in texts) if t]
    seen = set(texts)
    out = list(texts)
    for t in texts:
        for i, sentence in enumerate(s.strip() for s in re.split(r"(?<=[.!?])\s+", t)):
            if i == 0 or len(sentence.split()) < 4 or sentence in seen:
                continue
            seen.add(sentence)
            out.append(sentence)
    return out


def _new_tokens(keys_by_layer: Sequence[Sequence[Any]], digests: set[bytes]) -> list[int]:
    """Positions of the last forward pass whose keys (all layers) were not captured before.
    A causal model gives the same keys to the same prefix: the BOS token, or a first word, at
    the start of every pass.  Such a copy would sit on both sides of a train/held-out split."""
    import torch

    per_token = torch.cat([layer[-1] for layer in keys_by_layer], dim=1).numpy()  # (T, L*H*d)
    keep = []
    for i, row in enumerate(per_token):
        digest = hashlib.blake2b(row.tobytes(), digest_size=16).digest()
        if digest not in digests:
            digests.add(digest)
            keep.append(i)
    return keep


def _accepted(model: Any, enc: Mapping[str, Any]) -> dict[str, Any]:
    """The tokenizer's outputs that the model's forward names (a decoder takes no token_type_ids)."""
    params = inspect.signature(model.forward).parameters
    return {k: v for k, v in enc.items() if k in params}


def capture(model: Any, tokenizer: Any, texts: Sequence[str], *, max_tokens: int, model_name: str = "",
            max_length: int = 256, with_queries: bool = False,
            progress: Callable[[int, int], None] | None = None) -> Capture:
    """Run the model over ``texts`` (each truncated to ``max_length`` tokens) until
    ``max_tokens`` tokens are seen, and return every layer's keys for those tokens."""
    import torch

    if max_tokens < 1:
        raise LabError("max_tokens must be at least 1")
    shape = head_shape(model)
    keys_by_layer: list[list[Any]] = [[] for _ in range(shape.layers)]
    queries_by_layer: list[list[Any]] = [[] for _ in range(shape.layers)]
    order: list[int] = []  # the layer of each hook call, to check the hook order

    def hook(store: list[list[Any]], layer: int, record: bool) -> Callable[..., None]:
        def fn(_module: Any, _inputs: Any, output: Any) -> None:
            if record:
                order.append(layer)
            store[layer].append(output.detach()[0].to(torch.float32).cpu())
        return fn

    handles = [mod.register_forward_hook(hook(keys_by_layer, layer, True))
               for layer, _, mod in projections(model, KEY_MODULE)]
    if with_queries:
        handles += [mod.register_forward_hook(hook(queries_by_layer, layer, False))
                    for layer, _, mod in projections(model, QUERY_MODULE)]
    seen = 0
    used: list[str] = []
    ids: list[int] = []
    digests: set[bytes] = set()
    chunks = _chunks(texts)
    try:
        with torch.no_grad():
            for text in chunks:
                if seen >= max_tokens:
                    break
                enc = tokenizer(text, truncation=True, max_length=max_length, return_tensors="pt")
                order.clear()
                model(**_accepted(model, enc))
                if order != list(range(shape.layers)):
                    raise LabError(f"key hooks fired in the order {order}, not layer by layer")
                keep = _new_tokens(keys_by_layer, digests)
                for store in (keys_by_layer, queries_by_layer) if with_queries else (keys_by_layer,):
                    for layer in range(shape.layers):
                        store[layer][-1] = store[layer][-1][keep]
                n = len(keep)
                seen += n
                used.append(text)
                token_ids = enc["input_ids"][0]
                ids.extend(int(token_ids[i]) for i in keep)
                if progress is not None:
                    progress(min(seen, max_tokens), max_tokens)
    finally:
        for h in handles:
            h.remove()
    if seen < max_tokens:
        raise LabError(f"the texts hold only {seen} tokens, fewer than the {max_tokens} asked for")

    def assemble(store: list[list[Any]], heads: int) -> npt.NDArray[np.float32]:
        per_layer = [torch.cat(parts, dim=0)[:max_tokens] for parts in store]  # (T, heads*d)
        arr = torch.stack(per_layer).reshape(shape.layers, max_tokens, heads, shape.d)
        return np.ascontiguousarray(arr.permute(0, 2, 1, 3).numpy(), dtype=np.float32)

    digest = hashlib.sha256("\n\n".join(used).encode("utf-8")).hexdigest()
    return Capture(assemble(keys_by_layer, shape.kv_heads), model_name, digest, max_tokens, ids[:max_tokens],
                   assemble(queries_by_layer, shape.q_heads) if with_queries else None)


def save(cap: Capture, path: Path) -> None:
    """Write the keys to ``.safetensors`` (atomically) with model, text hash and token count."""
    from safetensors.numpy import save_file

    tensors = {"keys": cap.keys}
    if cap.queries is not None:
        tensors["queries"] = cap.queries
    atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata={
        "model": cap.model, "text_sha256": cap.text_sha256, "tokens": str(cap.tokens),
        "layout": "layers,heads,tokens,d"}))


def load(path: Path) -> Capture:
    from safetensors import safe_open

    if not Path(path).is_file():
        raise LabError(f"{path}: no such file (write one with `zerosorry-geometry lab capture --out {path}`)")
    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
            keys = f.get_tensor("keys")
            queries = f.get_tensor("queries") if "queries" in f.keys() else None  # noqa: SIM118 - safe_open has no __contains__
    except Exception as exc:  # safetensors raises its own error types
        raise LabError(f"{path}: not a key capture: {exc}") from exc
    if keys.ndim != 4:
        raise LabError(f"{path}: keys must have rank 4 (layers, heads, tokens, d), got {keys.shape}")
    return Capture(keys.astype(np.float32), meta.get("model", ""), meta.get("text_sha256", ""),
                   int(meta.get("tokens", keys.shape[2])), [], queries)
