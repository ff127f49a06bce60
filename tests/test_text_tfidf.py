"""mlcourse.text.TfidfVectorizer equals scikit-learn's; BM25 equals the formula worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf

from mlcourse.data import make_spam
from mlcourse.text import BM25, TfidfVectorizer, tokenize


def assert_same(options: dict, train: list[str], test: list[str]) -> None:
    ours, theirs = TfidfVectorizer(**options), SkTfidf(**options)
    X_ours, X_theirs = ours.fit_transform(train), theirs.fit_transform(train)
    assert ours.vocabulary_ == {k: int(v) for k, v in theirs.vocabulary_.items()}
    assert X_ours.shape == X_theirs.shape
    np.testing.assert_allclose(X_ours.toarray(), X_theirs.toarray(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.transform(test).toarray(), theirs.transform(test).toarray(), rtol=0, atol=1e-12)
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())
    if options.get("use_idf", True):
        np.testing.assert_allclose(ours.idf_, theirs.idf_, rtol=0, atol=1e-12)


@pytest.fixture(scope="module")
def spam():
    return make_spam(400, seed=1)["text"].tolist()


OPTIONS = [
    {},
    {"ngram_range": (1, 2)},
    {"sublinear_tf": True, "min_df": 2},
    {"min_df": 0.01, "max_df": 0.5, "norm": "l1"},
    {"ngram_range": (2, 3), "max_features": 50, "smooth_idf": False},
    {"binary": True, "use_idf": False, "lowercase": False, "norm": None},
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "defaults")
def test_equals_sklearn_on_sms_messages(spam, options):
    assert_same(options, spam[:300], spam[300:])


def test_equals_sklearn_on_the_python_reference():
    from pydoc_data.topics import topics

    docs = [topics[k] for k in sorted(topics)[:30]]
    assert_same({"sublinear_tf": True, "ngram_range": (1, 2), "min_df": 2}, docs[:25], docs[25:])


DOC = st.lists(
    st.sampled_from(["free", "Prize", "call", "me", "now", "ok", "see", "u", "x", "naïve", "2026"]), max_size=8
)


@given(docs=st.lists(DOC.map(" ".join), min_size=1, max_size=12), options=st.sampled_from(OPTIONS))
def test_equals_sklearn_on_random_documents(docs, options):
    try:
        SkTfidf(**options).fit(docs)
    except ValueError as err:  # empty vocabulary or nothing left after pruning: we refuse too
        with pytest.raises(ValueError, match=r"vocabulary|no terms remain|max_df"):
            TfidfVectorizer(**options).fit(docs)
        assert str(err)
        return
    assert_same(options, docs, [*docs[::-1], "free free unseen words"])


def test_bad_settings_are_value_errors_that_name_them():
    for options, name in [
        ({"ngram_range": (2, 1)}, "ngram_range"),
        ({"min_df": -1}, "min_df"),
        ({"norm": "l3"}, "norm"),
    ]:
        with pytest.raises(ValueError, match=name):
            TfidfVectorizer(**options).fit(["a b c"])
    with pytest.raises(ValueError, match="one string"):
        TfidfVectorizer().fit("not a list")


def test_works_in_a_sklearn_pipeline(spam):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    y = make_spam(400, seed=1)["target"].to_numpy()
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(spam[:300], y[:300])
    assert model.score(spam[300:], y[300:]) > 0.9


# ---------------------------------------------------------------------------------------------
# BM25
# ---------------------------------------------------------------------------------------------

DOCS = ["the cat sat on the mat", "the dog sat", "a cat and a cat and a cat", "python for loops"]


def bm25_by_hand(docs, query, k1, b):
    """The textbook formula, one loop per term and document, no shared code with the library."""
    toks = [d.lower().split() for d in docs]
    n, avgdl = len(toks), sum(map(len, toks)) / len(toks)
    out = []
    for d in toks:
        s = 0.0
        for q in query.lower().split():
            df = sum(q in t for t in toks)
            if df == 0:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            f = d.count(q)
            if f == 0:
                continue
            s += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * len(d) / avgdl))
        out.append(s)
    return np.array(out)


@pytest.mark.parametrize(("k1", "b"), [(1.5, 0.75), (1.2, 0.0), (0.0, 1.0), (2.0, 1.0)])
@pytest.mark.parametrize("query", ["cat", "the cat sat", "cat cat", "dog loops", "unknown"])
def test_bm25_equals_the_formula_by_hand(k1, b, query):
    got = BM25(k1=k1, b=b).fit(DOCS).scores(query)
    np.testing.assert_allclose(got, bm25_by_hand(DOCS, query, k1, b), rtol=1e-13, atol=1e-15)


def test_bm25_one_worked_number():
    # "dog" is in 1 of 4 documents: idf = ln(1 + 3.5 / 1.5); doc 1 has 3 tokens, avgdl = 5.
    idf = math.log(1 + 3.5 / 1.5)
    expected = idf * 1 * 2.5 / (1 + 1.5 * (0.25 + 0.75 * 3 / 5))
    assert BM25().fit(DOCS).scores("dog")[1] == pytest.approx(expected, rel=1e-14)


def test_bm25_search_ranks_and_saturates():
    bm25 = BM25().fit(DOCS)
    idx, scores = bm25.search("cat", k=2)
    assert idx.tolist() == [2, 0] and scores[0] > scores[1] > 0
    # Saturation: three cats score less than three times one cat.
    assert scores[0] < 3 * BM25(b=0).fit(DOCS).scores("cat")[0]


def test_bm25_errors():
    with pytest.raises(ValueError, match="k1"):
        BM25(k1=-1).fit(DOCS)
    with pytest.raises(ValueError, match="b "):
        BM25(b=2).fit(DOCS)
    with pytest.raises(RuntimeError, match="fit"):
        BM25().scores("x")
    with pytest.raises(ValueError, match="k "):
        BM25().fit(DOCS).search("x", k=0)
    assert tokenize("Don't panic!") == ["don", "t", "panic"]
