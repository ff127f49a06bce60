"""mlcourse.preprocessing against scikit-learn: parity (hypothesis), bad input, check_estimator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sklearn.impute
import sklearn.preprocessing
from hypothesis import given
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from mlcourse import preprocessing as mp
from tests.estimator_checks import PREPROCESSING, checks

TOL = {"rtol": 1e-12, "atol": 1e-12}


def messy_numbers(seed: int, n_rows: int, n_cols: int, nan_fraction: float) -> np.ndarray:
    """Random columns of very different scales, one constant column, NaN sprinkled in (never a whole column)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=rng.normal(0, 10, n_cols), scale=10.0 ** rng.integers(-2, 3, n_cols), size=(n_rows, n_cols))
    X[:, rng.integers(n_cols)] = rng.normal()  # a constant column
    mask = rng.random(X.shape) < nan_fraction
    mask[0] = False  # every column keeps at least one value
    X[mask] = np.nan
    return X


data = st.builds(
    messy_numbers,
    seed=st.integers(0, 2**31),
    n_rows=st.integers(2, 60),
    n_cols=st.integers(1, 6),
    nan_fraction=st.sampled_from([0.0, 0.1, 0.4]),
)


def strings_with_nan(seed: int, n_rows: int, n_cols: int, nan_fraction: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    words = np.array(["red", "green", "blue", "Blue", "a b", "é"], dtype=object)
    X = words[rng.integers(0, len(words), size=(n_rows, n_cols))]
    X[rng.random(X.shape) < nan_fraction] = np.nan
    return X


strings = st.builds(
    strings_with_nan,
    seed=st.integers(0, 2**31),
    n_rows=st.integers(1, 40),
    n_cols=st.integers(1, 4),
    nan_fraction=st.sampled_from([0.0, 0.2]),
)


def assert_same_objects(a, b):
    """Equal object arrays, NaN equal to NaN."""
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    assert a.shape == b.shape
    both_missing = pd.isna(a) & pd.isna(b)
    assert np.all(both_missing | (a == b)), (a, b)


# ------------------------------------------------------------------------------------------ parity
@given(X=data, with_mean=st.booleans(), with_std=st.booleans())
def test_standard_scaler_matches_sklearn(X, with_mean, with_std):
    ours = mp.StandardScaler(with_mean=with_mean, with_std=with_std).fit(X)
    theirs = sklearn.preprocessing.StandardScaler(with_mean=with_mean, with_std=with_std).fit(X)
    for attr in ("mean_", "var_", "scale_"):
        if getattr(theirs, attr) is None:
            assert getattr(ours, attr) is None
        else:
            np.testing.assert_allclose(getattr(ours, attr), getattr(theirs, attr), **TOL)
    np.testing.assert_array_equal(ours.n_samples_seen_, theirs.n_samples_seen_)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), **TOL)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X)), X, rtol=1e-9, atol=1e-9)


@given(X=data, feature_range=st.sampled_from([(0, 1), (-1, 1), (2.5, 3)]), clip=st.booleans())
def test_min_max_scaler_matches_sklearn(X, feature_range, clip):
    ours = mp.MinMaxScaler(feature_range, clip=clip).fit(X)
    theirs = sklearn.preprocessing.MinMaxScaler(feature_range=feature_range, clip=clip).fit(X)
    for attr in ("data_min_", "data_max_", "data_range_", "scale_", "min_"):
        np.testing.assert_allclose(getattr(ours, attr), getattr(theirs, attr), **TOL)
    X_new = X * 2 - 1  # new data falls outside the training range: clipping matters
    np.testing.assert_allclose(ours.transform(X_new), theirs.transform(X_new), **TOL)


@given(X=data, strategy=st.sampled_from(["mean", "median", "most_frequent", "constant"]))
def test_simple_imputer_matches_sklearn_on_numbers(X, strategy):
    X = np.round(X, 1)  # repeated values, so most_frequent has something to find
    ours = mp.SimpleImputer(strategy=strategy).fit(X)
    theirs = sklearn.impute.SimpleImputer(strategy=strategy).fit(X)
    # scikit-learn stores the constant as an object array; the numbers are what matter
    np.testing.assert_allclose(ours.statistics_, theirs.statistics_.astype(float), **TOL)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), **TOL)


@given(X=strings, strategy=st.sampled_from(["most_frequent", "constant"]))
def test_simple_imputer_matches_sklearn_on_strings(X, strategy):
    X[0] = "red"  # no column is entirely missing
    ours = mp.SimpleImputer(strategy=strategy).fit(X)
    theirs = sklearn.impute.SimpleImputer(strategy=strategy).fit(X)
    assert_same_objects(ours.statistics_, theirs.statistics_)
    assert_same_objects(ours.transform(X), theirs.transform(X))


def test_simple_imputer_on_a_pandas_frame_with_a_marker_value():
    X = pd.DataFrame({"age": [30, -1, 50, 30], "rooms": [2, 3, -1, -1]})
    ours = mp.SimpleImputer(missing_values=-1, strategy="most_frequent").fit(X)
    theirs = sklearn.impute.SimpleImputer(missing_values=-1, strategy="most_frequent").fit(X)
    np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))
    assert list(ours.get_feature_names_out()) == ["age", "rooms"]


@given(X=strings, unseen=st.booleans())
def test_one_hot_encoder_matches_sklearn_on_strings(X, unseen):
    ours = mp.OneHotEncoder(handle_unknown="ignore").fit(X)
    theirs = sklearn.preprocessing.OneHotEncoder(handle_unknown="ignore").fit(X)
    assert len(ours.categories_) == len(theirs.categories_)
    for a, b in zip(ours.categories_, theirs.categories_, strict=True):
        assert_same_objects(a, b)
    X_new = X.copy()
    if unseen:
        X_new[0, 0] = "never seen"
    np.testing.assert_array_equal(ours.transform(X_new).toarray(), theirs.transform(X_new).toarray())
    assert list(ours.get_feature_names_out(["colour", "b", "c", "d"][: X.shape[1]])) == list(
        theirs.get_feature_names_out(["colour", "b", "c", "d"][: X.shape[1]])
    )


@given(seed=st.integers(0, 2**31), n_rows=st.integers(1, 50), spread=st.sampled_from([3, 50, 10**9]))
def test_one_hot_encoder_matches_sklearn_on_numbers(seed, n_rows, spread):
    rng = np.random.default_rng(seed)
    X_int = rng.integers(-spread, spread, size=(n_rows, 3))
    X_float = np.round(rng.normal(size=(n_rows, 2)), 1) + 0.0  # + 0.0: no -0.0, whose name is a tie-break
    X_float[rng.random(X_float.shape) < 0.2] = np.nan
    X_new = X_int.copy()
    X_new[-1] = spread + 7  # unseen
    for X, X_test in ((X_int, X_new), (X_float, X_float[::-1])):
        ours = mp.OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(X)
        theirs = sklearn.preprocessing.OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(X)
        for a, b in zip(ours.categories_, theirs.categories_, strict=True):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(ours.transform(X_test), theirs.transform(X_test))
        assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())


def test_one_hot_encoder_given_categories_and_a_dataframe():
    X = pd.DataFrame({"size": ["S", "M", "S"], "n": [1, 2, 2]})
    kwargs = {"categories": [["L", "M", "S"], [1, 2, 3]], "sparse_output": False}
    ours, theirs = mp.OneHotEncoder(**kwargs).fit(X), sklearn.preprocessing.OneHotEncoder(**kwargs).fit(X)
    np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())
    assert list(ours.get_feature_names_out()) == ["size_L", "size_M", "size_S", "n_1", "n_2", "n_3"]


@given(
    seed=st.integers(0, 2**31),
    n_cols=st.integers(1, 4),
    degree=st.integers(0, 3),
    interaction_only=st.booleans(),
    include_bias=st.booleans(),
)
def test_polynomial_features_match_sklearn(seed, n_cols, degree, interaction_only, include_bias):
    if degree == 0 and not include_bias:
        degree = 1  # scikit-learn refuses an empty output
    X = np.random.default_rng(seed).normal(size=(7, n_cols))
    kwargs = {"degree": degree, "interaction_only": interaction_only, "include_bias": include_bias}
    ours = mp.PolynomialFeatures(**kwargs).fit(X)
    theirs = sklearn.preprocessing.PolynomialFeatures(**kwargs).fit(X)
    np.testing.assert_array_equal(ours.powers_, theirs.powers_)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), **TOL)
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())


def test_set_output_pandas_keeps_the_column_names():
    X = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [0.0, 1.0, 1.0]})
    out = mp.StandardScaler().set_output(transform="pandas").fit_transform(X)
    assert list(out.columns) == ["a", "b"]
    np.testing.assert_allclose(out.to_numpy(), sklearn.preprocessing.StandardScaler().fit_transform(X), **TOL)


# --------------------------------------------------------------------------------------- bad input
ALL = [
    mp.StandardScaler(),
    mp.MinMaxScaler(),
    mp.SimpleImputer(),
    mp.OneHotEncoder(),
    mp.PolynomialFeatures(),
]


@pytest.mark.parametrize("transformer", ALL, ids=lambda t: type(t).__name__)
def test_transform_before_fit_raises_not_fitted(transformer):
    with pytest.raises(NotFittedError, match=f"This {type(transformer).__name__} instance is not fitted yet"):
        transformer.transform(np.ones((2, 2)))


@pytest.mark.parametrize("transformer", ALL, ids=lambda t: type(t).__name__)
def test_column_mismatch_between_fit_and_transform_names_the_columns(transformer):
    train = pd.DataFrame({"age": [1.0, 2.0, 3.0], "income": [4.0, 5.0, 7.0]})
    test = pd.DataFrame({"age": [1.0], "salary": [4.0]})
    transformer.fit(train)
    with pytest.raises(ValueError, match=r"(?s)salary.*income"):
        transformer.transform(test)
    with pytest.raises(ValueError, match=r"X has 3 features, but \w+ is expecting 2 features"):
        transformer.fit(train.to_numpy()).transform(np.ones((1, 3)))


def test_unknown_category_with_handle_unknown_error_names_column_and_value():
    train = pd.DataFrame({"city": ["Oslo", "Lima"], "size": ["S", "M"]})
    encoder = mp.OneHotEncoder().fit(train)
    with pytest.raises(ValueError, match=r"unknown categories \['Quito'\] in column 'city'"):
        encoder.transform(pd.DataFrame({"city": ["Quito"], "size": ["S"]}))
    with pytest.raises(ValueError, match=r"unknown categories \['L'\] in column 'size'"):
        encoder.transform(pd.DataFrame({"city": ["Lima"], "size": ["L"]}))
    with pytest.raises(ValueError, match=r"unknown categories \['9'\] in column 1 \(x1\) during fit"):
        mp.OneHotEncoder(categories=[[1, 2], [3, 4]]).fit(np.array([[1, 3], [2, 9]]))


def test_one_hot_encoder_refuses_mixed_strings_and_numbers():
    with pytest.raises(TypeError, match="column 'x' mixes strings and"):
        mp.OneHotEncoder().fit(pd.DataFrame({"x": pd.Series(["a", 1], dtype=object)}))


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent"])
def test_all_missing_column_names_the_column(strategy):
    X = pd.DataFrame({"age": [1.0, 2.0], "income": [np.nan, np.nan]})
    with pytest.raises(ValueError, match=f"column 'income' has only missing values, so strategy='{strategy}'"):
        mp.SimpleImputer(strategy=strategy).fit(X)
    with pytest.raises(ValueError, match=r"column 1 \(x1\) has only missing values"):
        mp.SimpleImputer(strategy=strategy).fit(X.to_numpy())
    filled = mp.SimpleImputer(strategy="constant", fill_value=-1.0).fit_transform(X)
    np.testing.assert_array_equal(filled[:, 1], [-1.0, -1.0])


@pytest.mark.parametrize(
    ("transformer", "message"),
    [
        (mp.SimpleImputer(strategy="average"), "strategy must be one of"),
        (mp.SimpleImputer(strategy="constant", fill_value="zero"), "fill_value='zero' is not a number"),
        (mp.OneHotEncoder(handle_unknown="warn"), "handle_unknown must be 'error' or 'ignore'"),
        (mp.MinMaxScaler(feature_range=(1, 0)), "feature_range must be"),
        (mp.PolynomialFeatures(degree=-1), r"degree == -1, must be >= 0"),
        (mp.OneHotEncoder(categories=[[1, 2]]), "categories must list 2 columns"),
    ],
)
def test_bad_parameters_are_named(transformer, message):
    with pytest.raises(ValueError, match=message):
        transformer.fit(np.ones((3, 2)))


def test_polynomial_features_reject_nan():
    with pytest.raises(ValueError, match="NaN"):
        mp.PolynomialFeatures().fit(np.array([[1.0, np.nan]]))


# ------------------------------------------------------------------------------- check_estimator
@pytest.mark.parametrize(("estimator", "check"), list(checks(PREPROCESSING)))
def test_sklearn_check_estimator(estimator, check):
    check(estimator)


def test_sklearn_array_api_check():
    import subprocess
    import sys

    code = (
        "from tests.estimator_checks import PREPROCESSING\n"
        "from sklearn.utils.estimator_checks import estimator_checks_generator\n"
        "for estimator in PREPROCESSING:\n"
        "    ran = 0\n"
        "    for est, check in estimator_checks_generator(estimator):\n"
        "        if getattr(check, 'func', check).__name__ == 'check_array_api_input':\n"
        "            check(est)\n"
        "            ran += 1\n"
        "    assert ran, estimator\n"
    )
    env = {**__import__("os").environ, "SCIPY_ARRAY_API": "1"}
    from tests.conftest import REPO

    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
