"""Benchmark: ``mlcourse.text`` against its twins -- tokenizers, scikit-learn, transformers.

- BPE training (vocab 1000) on 100,000 characters of ``pydoc_data.topics`` and encoding of another
  100,000, against Hugging Face ``tokenizers`` (Rust) with the same settings;
- TF-IDF ``fit_transform`` of 5,000 synthetic SMS against scikit-learn's;
- the forward pass of a GPT (4 layers, width 128, 4 heads, vocab 1000) on a batch of 8 x 64 tokens,
  numpy float32 against ``GPT2LMHeadModel`` float32;
- BM25 queries over the 79 reference topics.

One thread each; prints the median of several runs and the ratio ours / twin. Pure-Python BPE is
expected to be far slower than Rust (it is a teaching implementation); the numpy parts should be
within a small factor of their twins. Run with ``python benchmarks/bench_text.py`` (under a minute).
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from pydoc_data.topics import topics

import numpy as np
import torch
from _timing import median_time

from mlcourse.data import make_spam
from mlcourse.text import BM25, GPT, BPETokenizer, TfidfVectorizer


def report(name, ours, theirs):
    print(f"{name:<34} ours {ours * 1e3:9.1f} ms   twin {theirs * 1e3:9.1f} ms   ratio {ours / theirs:7.1f}")


def hf_bpe(texts, vocab_size):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tok.train_from_iterator(texts, trainer)
    return tok


def main():
    torch.set_num_threads(1)
    keys = sorted(topics)
    text = "".join(topics[k] for k in keys)
    train, held_out = [text[:100_000]], text[100_000:200_000]

    report(
        "BPE train (100k chars, vocab 1000)",
        median_time(lambda: BPETokenizer(1000).train(train), repeat=3),
        median_time(lambda: hf_bpe(train, 1000), repeat=3),
    )
    ours, theirs = BPETokenizer(1000).train(train), hf_bpe(train, 1000)
    assert ours.encode(held_out) == theirs.encode(held_out).ids

    def encode_fresh():
        ours._cache.clear()  # no word cache: measure the merging itself
        ours.encode(held_out)

    report(
        "BPE encode (100k chars)",
        median_time(encode_fresh, repeat=5),
        median_time(lambda: theirs.encode(held_out), repeat=5),
    )

    from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf

    docs = make_spam(5000, seed=0)["text"].tolist()
    report(
        "TF-IDF fit_transform (5000 SMS)",
        median_time(lambda: TfidfVectorizer(ngram_range=(1, 2)).fit_transform(docs), repeat=5),
        median_time(lambda: SkTfidf(ngram_range=(1, 2)).fit_transform(docs), repeat=5),
    )

    gpt = GPT.init(vocab_size=1000, n_positions=64, n_embd=128, n_layer=4, n_head=4, rng=0, dtype=np.float32)
    model = gpt.to_torch()
    ids = np.random.default_rng(0).integers(0, 1000, size=(8, 64))
    ids_t = torch.from_numpy(ids)

    def torch_forward():
        with torch.inference_mode():
            model(ids_t)

    report(
        "GPT forward (8 x 64 tokens, f32)",
        median_time(lambda: gpt(ids), repeat=5),
        median_time(torch_forward, repeat=5),
    )

    bm25 = BM25().fit([topics[k] for k in keys])
    start = time.perf_counter()
    for query in ["how does the with statement work", "lambda expressions", "what is a generator"] * 10:
        bm25.search(query, k=5)
    print(f"{'BM25 query (79 topics)':<34} ours {(time.perf_counter() - start) / 30 * 1e3:9.2f} ms")


if __name__ == "__main__":
    main()
