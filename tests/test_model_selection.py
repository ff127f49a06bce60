"""mlcourse.model_selection against scikit-learn: identical split indices, scores, curves and searches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sklearn.model_selection as skms
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline as sk_make_pipeline
from sklearn.preprocessing import StandardScaler as SkStandardScaler

from mlcourse import model_selection as ms
from mlcourse.pipeline import make_pipeline
from mlcourse.preprocessing import StandardScaler


def labels(seed: int, n: int, n_classes: int) -> np.ndarray:
    """Imbalanced labels where every class has at least 2 members."""
    rng = np.random.default_rng(seed)
    y = rng.choice(n_classes, size=n, p=np.arange(1, n_classes + 1) / np.arange(1, n_classes + 1).sum())
    y[: 2 * n_classes] = np.repeat(np.arange(n_classes), 2)
    return rng.permutation(y)


# -------------------------------------------------------------------------------- train_test_split
@given(
    n=st.integers(4, 300),
    test_size=st.sampled_from([None, 0.1, 0.25, 0.5, 0.33, 2, 3]),
    train_size=st.sampled_from([None, 0.5, 1]),
    seed=st.integers(0, 2**31),
    shuffle=st.booleans(),
)
def test_train_test_split_is_sklearns(n, test_size, train_size, seed, shuffle):
    X, y = np.arange(2 * n).reshape(n, 2), np.arange(n) % 3
    kwargs = {"test_size": test_size, "train_size": train_size, "shuffle": shuffle}
    kwargs["random_state"] = seed if shuffle else None
    try:
        theirs = skms.train_test_split(X, y, **kwargs)
    except ValueError:
        with pytest.raises(ValueError):
            ms.train_test_split(X, y, **kwargs)
        return
    ours = ms.train_test_split(X, y, **kwargs)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)


@given(
    n=st.integers(12, 300),
    n_classes=st.integers(2, 4),
    test_size=st.sampled_from([0.2, 0.25, 0.5, 0.33]),
    seed=st.integers(0, 2**31),
)
def test_stratified_train_test_split_is_sklearns(n, n_classes, test_size, seed):
    y = labels(seed, n, n_classes)
    X = np.arange(n)
    try:
        theirs = skms.train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
    except ValueError:  # too few rows to hold every class on both sides: both refuse
        with pytest.raises(ValueError, match="must each hold all"):
            ms.train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
        return
    ours = ms.train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)


def test_train_test_split_keeps_dataframes_and_lists():
    X = pd.DataFrame({"a": range(10)}, index=list("abcdefghij"))
    X_train, X_test, l_train, l_test = ms.train_test_split(X, list(range(10)), random_state=0)
    sk = skms.train_test_split(X, list(range(10)), random_state=0)
    pd.testing.assert_frame_equal(X_train, sk[0])
    pd.testing.assert_frame_equal(X_test, sk[1])
    assert l_train == sk[2] and l_test == sk[3]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"test_size": 1.5}, "test_size=1.5 must be a fraction"),
        ({"test_size": 0}, "test_size=0 must be"),
        ({"test_size": 0.6, "train_size": 0.6}, "do not fit"),
        ({"stratify": np.r_[0, np.ones(9)]}, "least populated class in y has 1 member"),
        ({"shuffle": False, "stratify": np.zeros(10)}, "stratify needs shuffle=True"),
    ],
)
def test_train_test_split_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ms.train_test_split(np.arange(10), **kwargs)
    with pytest.raises(ValueError, match="same number of rows"):
        ms.train_test_split(np.arange(10), np.arange(9))


# ----------------------------------------------------------------------------------------- K-fold
def splits_equal(ours, theirs):
    ours, theirs = list(ours), list(theirs)
    assert len(ours) == len(theirs)
    for (a_train, a_test), (b_train, b_test) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a_train, b_train)
        np.testing.assert_array_equal(a_test, b_test)


@given(n=st.integers(2, 200), n_splits=st.integers(2, 10), shuffle=st.booleans(), seed=st.integers(0, 2**31))
def test_kfold_is_sklearns(n, n_splits, shuffle, seed):
    n_splits = min(n_splits, n)
    random_state = seed if shuffle else None
    X = np.zeros((n, 1))
    ours = ms.KFold(n_splits, shuffle=shuffle, random_state=random_state).split(X)
    splits_equal(ours, skms.KFold(n_splits, shuffle=shuffle, random_state=random_state).split(X))


@pytest.mark.filterwarnings("ignore:The least populated class in y has only")
@given(
    n=st.integers(20, 200),
    n_classes=st.integers(2, 4),
    n_splits=st.integers(2, 5),
    shuffle=st.booleans(),
    seed=st.integers(0, 2**31),
    as_strings=st.booleans(),
)
def test_stratified_kfold_is_sklearns(n, n_classes, n_splits, shuffle, seed, as_strings):
    y = labels(seed, n, n_classes)
    if as_strings:
        y = np.array(["zebra", "ant", "cat", "bee"])[y]
    random_state = seed if shuffle else None
    X = np.zeros((n, 1))
    ours = ms.StratifiedKFold(n_splits, shuffle=shuffle, random_state=random_state).split(X, y)
    splits_equal(ours, skms.StratifiedKFold(n_splits, shuffle=shuffle, random_state=random_state).split(X, y))
    # Stratification: each class is dealt out evenly, so every fold holds floor(c / k) or ceil(c / k)
    # of a class with c members. (Measured against the fold's size instead, the share can be off by
    # more than one sample when folds differ in size -- sklearn's algorithm promises only this.)
    folds = [test for _, test in ms.StratifiedKFold(n_splits).split(X, y)]
    for label in np.unique(y):
        counts = [np.sum(y[test] == label) for test in folds]
        c = np.sum(y == label)
        assert sum(counts) == c
        assert set(counts) <= {c // n_splits, -(-c // n_splits)}, (label, counts)


def test_splitter_errors():
    with pytest.raises(ValueError, match="n_splits == 1, must be >= 2"):
        ms.KFold(1)
    with pytest.raises(ValueError, match="random_state has no effect unless shuffle=True"):
        ms.KFold(3, random_state=0)
    with pytest.raises(ValueError, match="cannot be greater than the number of samples"):
        list(ms.KFold(5).split(np.zeros(3)))
    with pytest.raises(ValueError, match="cannot be greater than the number of members in each class"):
        list(ms.StratifiedKFold(5).split(np.zeros(6), [0, 0, 0, 1, 1, 1]))
    with pytest.warns(UserWarning, match="least populated class in y has only 2 members"):
        list(ms.StratifiedKFold(3).split(np.zeros(8), [0, 0, 0, 0, 0, 0, 1, 1]))
    with pytest.raises(ValueError, match="needs y"):
        list(ms.StratifiedKFold(2).split(np.zeros(6)))
    assert ms.KFold(4).get_n_splits() == 4


# --------------------------------------------------------------------------------- cross-validation
@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, y


def classifier():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def sk_classifier():
    return sk_make_pipeline(SkStandardScaler(), LogisticRegression(max_iter=1000))


@pytest.mark.parametrize("cv", [3, ms.KFold(4, shuffle=True, random_state=1)])
@pytest.mark.parametrize("scoring", [None, "accuracy", "neg_log_loss"])
def test_cross_val_score_is_sklearns(iris, cv, scoring):
    X, y = iris
    sk_cv = cv if isinstance(cv, int) else skms.KFold(4, shuffle=True, random_state=1)
    ours = ms.cross_val_score(classifier(), X, y, cv=cv, scoring=scoring)
    theirs = skms.cross_val_score(sk_classifier(), X, y, cv=sk_cv, scoring=scoring)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_cross_val_score_regression_and_explicit_splits():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, -2.0, 0.5] + rng.normal(size=60)
    splits = [(np.arange(30), np.arange(30, 60)), (np.arange(30, 60), np.arange(30))]
    ours = ms.cross_val_score(Ridge(), X, y, cv=splits, scoring="neg_mean_squared_error")
    theirs = skms.cross_val_score(Ridge(), X, y, cv=splits, scoring="neg_mean_squared_error")
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(ms.cross_val_score(Ridge(), X, y), skms.cross_val_score(Ridge(), X, y), rtol=1e-12)
    with pytest.raises(ValueError, match="scoring must be"):
        ms.cross_val_score(Ridge(), X, y, scoring=3)


def test_learning_curve_is_sklearns(iris):
    X, y = iris
    sizes = [0.2, 0.5, 1.0]
    kwargs = {"train_sizes": sizes, "shuffle": True, "random_state": 0}  # iris is sorted by class
    ours = ms.learning_curve(classifier(), X, y, cv=ms.KFold(3, shuffle=True, random_state=0), **kwargs)
    theirs = skms.learning_curve(sk_classifier(), X, y, cv=skms.KFold(3, shuffle=True, random_state=0), **kwargs)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    sizes_abs, _, _ = ms.learning_curve(Ridge(), X, y, train_sizes=[10, 50], cv=3)
    assert sizes_abs.tolist() == [10, 50]
    with pytest.raises(ValueError, match="fractional train_sizes must be in"):
        ms.learning_curve(Ridge(), X, y, train_sizes=[0.0, 0.5])


def test_validation_curve_is_sklearns(iris):
    X, y = iris
    kwargs = {"param_name": "logisticregression__C", "param_range": [0.01, 1.0, 100.0], "cv": 4}
    ours = ms.validation_curve(classifier(), X, y, **kwargs)
    theirs = skms.validation_curve(sk_classifier(), X, y, **kwargs)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_grid_search_is_sklearns(iris):
    X, y = iris
    grid = [
        {"logisticregression__C": [0.01, 0.1, 1.0]},
        {"standardscaler__with_mean": [False], "logisticregression__C": [1.0, 10.0]},
    ]
    ours = ms.GridSearchCV(classifier(), grid, cv=3).fit(X, y)
    theirs = skms.GridSearchCV(sk_classifier(), grid, cv=3).fit(X, y)
    assert ours.cv_results_["params"] == theirs.cv_results_["params"]
    for key in ("mean_test_score", "std_test_score", "rank_test_score", "split0_test_score", "split2_test_score"):
        np.testing.assert_allclose(ours.cv_results_[key], theirs.cv_results_[key], rtol=1e-12, atol=1e-12)
    assert ours.best_params_ == theirs.best_params_ and ours.best_index_ == theirs.best_index_
    assert ours.best_score_ == pytest.approx(theirs.best_score_, rel=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-12)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.score(X, y) == theirs.score(X, y)


def test_sklearn_pipelines_nest_in_our_search_and_ours_in_sklearns(iris):
    X, y = iris
    grid = {"logisticregression__C": [0.1, 1.0]}
    ours_in_theirs = skms.GridSearchCV(ms.GridSearchCV(classifier(), grid, cv=3), {"refit": [True]}, cv=3).fit(X, y)
    theirs_in_ours = ms.GridSearchCV(skms.GridSearchCV(sk_classifier(), grid, cv=3), {"refit": [True]}, cv=3).fit(X, y)
    assert ours_in_theirs.best_score_ == pytest.approx(theirs_in_ours.best_score_, rel=1e-12)
    no_refit = ms.GridSearchCV(Ridge(), {"alpha": [1.0]}, refit=False).fit(X, y)
    with pytest.raises(AttributeError, match="refit=False"):
        no_refit.predict(X)
    with pytest.raises(TypeError, match="must be a list of values"):
        ms.GridSearchCV(Ridge(), {"alpha": 1.0}).fit(X, y)


def test_plot_train_validation_scores_draws_both_curves_and_checks_shapes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mlcourse.plotting import plot_train_validation_scores

    ax = plot_train_validation_scores([1, 10, 100], np.ones((3, 4)), np.zeros((3, 4)), xlabel="alpha", log_x=True)
    assert [line.get_label() for line in ax.get_lines()] == ["training", "validation"]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "alpha"
    with pytest.raises(ValueError, match=r"validation scores must have shape \(3, n_folds\)"):
        plot_train_validation_scores([1, 2, 3], np.ones((3, 2)), np.ones(3))
    plt.close("all")
