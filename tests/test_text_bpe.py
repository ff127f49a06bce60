"""mlcourse.text.BPETokenizer against Hugging Face ``tokenizers``: the same merges, vocabulary and ids.

Both are trained with the same settings (ByteLevel pre-tokenizer without prefix space, the 256 byte
symbols as initial alphabet, same ``vocab_size``, ``min_frequency`` and special tokens) on the same
texts: a slice of ``pydoc_data.topics`` (the Python reference, shipped with Python) and small corpora
drawn by hypothesis, where ties between equally frequent pairs are the rule rather than the exception.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from mlcourse.text import BPETokenizer, bytes_to_unicode, pre_tokenize

tokenizers = pytest.importorskip("tokenizers")


def topics(start: int, stop: int) -> list[str]:
    from pydoc_data.topics import topics as all_topics

    return [all_topics[key] for key in sorted(all_topics)[start:stop]]


def hf_bpe(texts, vocab_size, min_frequency=0, special_tokens=()):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=list(special_tokens),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    return tok


def hf_merges(tok) -> list[tuple[str, str]]:
    return [
        tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in json.loads(tok.to_str())["model"]["merges"]
    ]


def assert_same(ours: BPETokenizer, theirs, texts) -> None:
    assert ours.vocab_ == theirs.get_vocab()
    assert ours.merges_ == hf_merges(theirs)
    for text in texts:
        assert ours.encode(text) == theirs.encode(text).ids


@pytest.fixture(scope="module")
def corpus():
    return topics(0, 8)  # about 30,000 characters of the Python reference


@pytest.mark.parametrize(
    ("vocab_size", "min_frequency", "special_tokens"),
    [(600, 0, ()), (900, 3, ("<|endoftext|>",)), (5000, 40, ("<pad>", "<|endoftext|>"))],
)
def test_same_merges_vocab_and_ids_as_tokenizers_on_the_python_reference(
    corpus, vocab_size, min_frequency, special_tokens
):
    ours = BPETokenizer(vocab_size, min_frequency=min_frequency, special_tokens=special_tokens).train(corpus)
    theirs = hf_bpe(corpus, vocab_size, min_frequency, special_tokens)
    held_out = topics(40, 42)  # text the tokenizer never saw
    assert_same(ours, theirs, [*corpus[:2], *held_out])
    if min_frequency <= 3:
        assert len(ours) == vocab_size
    else:  # min_frequency stopped the merges early
        assert len(ours) < vocab_size


def test_the_alphabet_has_gpt2s_order_and_ties_go_to_the_smallest_ids():
    ours = BPETokenizer(258).train(["ab cd"])  # four pairs, each seen once
    alphabet = sorted(bytes_to_unicode().values())
    assert [ours.vocab_[c] for c in alphabet] == list(range(256))
    assert ours.vocab_["!"] == 0 and ours.vocab_["Ġ"] == 220
    # Pairs (a, b), (Ġ, c), (c, d) all count 1: (a, b) has the smallest left id (a=64 < c=66 < Ġ=220).
    assert ours.merges_ == [("a", "b"), ("c", "d")]
    assert_same(ours, hf_bpe(["ab cd"], 258), ["ab cd abcd"])


WORDS = st.text(alphabet=st.sampled_from(list("aabbc dé'1\n!Ωz")), min_size=0, max_size=12)


@given(texts=st.lists(WORDS, min_size=1, max_size=8), vocab_size=st.integers(256, 300), min_frequency=st.integers(0, 3))
@settings(max_examples=60)  # small corpora with many ties: the tie-breaking rule is what is tested
def test_same_as_tokenizers_on_small_random_corpora(texts, vocab_size, min_frequency):
    ours = BPETokenizer(vocab_size, min_frequency=min_frequency).train(texts)
    theirs = hf_bpe(texts, vocab_size, min_frequency)
    assert_same(ours, theirs, [*texts, " ".join(texts)])


# Code points with the same letter/number/space class in Python's Unicode database and Oniguruma's.
UNICODE = st.characters(codec="utf-8", max_codepoint=0x2FFF) | st.sampled_from("日本語 한국어 🙂👍🏽 \u3000\x1c\x85")


@given(text=st.text(UNICODE, max_size=40))
def test_pre_tokenizer_splits_like_tokenizers_byte_level(text):
    from tokenizers import pre_tokenizers

    hf = pre_tokenizers.ByteLevel(add_prefix_space=False).pre_tokenize_str(text)
    assert pre_tokenize(text) == [piece for piece, _ in hf]


@pytest.fixture(scope="module")
def trained(corpus):
    return BPETokenizer(400).train(corpus)


@given(text=st.text(max_size=60))
def test_decode_inverts_encode_for_any_unicode_string(trained, text):
    assert trained.decode(trained.encode(text)) == text


def test_decode_skips_special_tokens_and_replaces_broken_utf8():
    tok = BPETokenizer(300, special_tokens=["<|endoftext|>"]).train(["héllo héllo"])
    eot = tok.vocab_["<|endoftext|>"]
    assert eot == 0
    assert tok.decode([eot, *tok.encode("hé"), eot]) == "hé"
    e_acute = tok.encode("é")
    assert len(e_acute) == 1 or tok.decode(e_acute[:1]) == "\ufffd"


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="vocab_size"):
        BPETokenizer(100).train(["x"])
    with pytest.raises(ValueError, match="min_frequency"):
        BPETokenizer(300, min_frequency=-1).train(["x"])
    with pytest.raises(TypeError, match="texts"):
        BPETokenizer(300).train("one string")
    with pytest.raises(RuntimeError, match="train"):
        BPETokenizer(300).encode("x")
    tok = BPETokenizer(300).train(["x"])
    with pytest.raises(ValueError, match="ids"):
        tok.decode([10_000])
    with pytest.raises(TypeError, match="text"):
        tok.encode(b"bytes")
