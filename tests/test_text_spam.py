"""mlcourse.data.make_spam: seeded, varied, labelled 1 = spam, with the label noise it promises."""

from __future__ import annotations

import numpy as np
import pytest

from mlcourse.data import make_spam


def test_same_seed_same_messages_other_seed_other_messages():
    a, b, c = make_spam(300, seed=0), make_spam(300, seed=0), make_spam(300, seed=1)
    assert a.equals(b) and a.attrs == b.attrs
    assert not a.equals(c)
    assert list(a.columns) == ["text", "target"] and a["target"].dtype == np.int64


def test_class_balance_and_label_noise_follow_the_arguments():
    df = make_spam(3000, spam_fraction=0.3, label_noise=0.05, seed=2)
    assert 0.04 < len(df.attrs["flipped"]) / len(df) < 0.06
    clean = make_spam(3000, spam_fraction=0.3, label_noise=0.0, seed=2)
    assert 0.27 < clean["target"].mean() < 0.33
    assert clean.attrs["flipped"] == []
    assert (clean["text"] == df["text"]).all()  # noise changes labels, never the text
    changed = np.flatnonzero(clean["target"].to_numpy() != df["target"].to_numpy())
    assert changed.tolist() == df.attrs["flipped"]


def test_messages_are_varied_and_spam_looks_like_spam():
    df = make_spam(2000, seed=0, label_noise=0.0)
    assert df["text"].nunique() > 0.8 * len(df)
    spam, ham = df.loc[df["target"] == 1, "text"], df.loc[df["target"] == 0, "text"]
    has_link = "http|www|\\.co|\\.info|\\.xyz|\\.top|\\.net"
    assert spam.str.contains(has_link).mean() > 0.3 > ham.str.contains(has_link).mean()
    assert ham.str.contains("(?i)free|won|win").any()  # hard cases: ham that sounds like spam
    assert df["text"].str.contains(r"\bu\b|\b2nite\b|\bpls\b").any()  # text-speak


def test_a_simple_model_learns_it_but_not_perfectly():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    df = make_spam(1500, seed=3)
    vec = TfidfVectorizer().fit(df["text"][:1000])
    model = LogisticRegression().fit(vec.transform(df["text"][:1000]), df["target"][:1000])
    accuracy = model.score(vec.transform(df["text"][1000:]), df["target"][1000:])
    assert 0.9 < accuracy < 1.0


def test_return_X_y_and_errors_name_the_argument():
    X, y = make_spam(10, seed=0, return_X_y=True)
    assert X.name == "text" and y.name == "target" and len(X) == len(y) == 10
    with pytest.raises(ValueError, match="n_samples"):
        make_spam(0)
    with pytest.raises(ValueError, match="label_noise"):
        make_spam(10, label_noise=1.5)
    with pytest.raises(TypeError, match="seed"):
        make_spam(10, seed=0.5)
