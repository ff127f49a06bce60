"""load(): every bundled dataset as one DataFrame, identical to scikit-learn's arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sklearn.datasets

from mlcourse.data import DATASETS, TARGET, load

SHAPES = {"breast_cancer": (569, 30), "diabetes": (442, 10), "digits": (1797, 64), "iris": (150, 4), "wine": (178, 13)}


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_load_matches_scikit_learn(name):
    frame = load(name)
    bunch = getattr(sklearn.datasets, DATASETS[name][0])(**({"scaled": False} if name == "diabetes" else {}))
    assert frame.shape == (SHAPES[name][0], SHAPES[name][1] + 1)
    assert list(frame.columns) == [*bunch.feature_names, TARGET]
    np.testing.assert_array_equal(frame.drop(columns=TARGET).to_numpy(), bunch.data)
    # The course's convention, 1 = the class we look for, flips breast cancer's codes (malignant is 0 there).
    expected = 1 - bunch.target if name == "breast_cancer" else bunch.target
    np.testing.assert_array_equal(frame[TARGET].to_numpy(), expected)
    expected_kind = "f" if DATASETS[name][1] == "regression" else "i"
    assert frame[TARGET].dtype.kind == expected_kind


@pytest.mark.parametrize("name", [n for n in sorted(DATASETS) if DATASETS[n][1] == "classification"])
def test_target_names_replace_codes_with_class_names(name):
    codes, named = load(name), load(name, target_names=True)
    assert pd.api.types.is_string_dtype(named[TARGET])
    # The mapping code -> name is one to one.
    assert (named.groupby(codes[TARGET])[TARGET].nunique() == 1).all()
    assert named[TARGET].nunique() == codes[TARGET].nunique()


def test_diabetes_features_are_raw_measurements():
    ages = load("diabetes")["age"]
    assert 18 <= ages.min() and ages.max() <= 80


def test_each_call_returns_a_fresh_frame():
    a = load("iris")
    a.iloc[0, 0] = -1.0
    assert load("iris").iloc[0, 0] != -1.0


def test_bad_names_list_the_valid_ones():
    with pytest.raises(
        ValueError, match=r"name must be one of \['breast_cancer', 'diabetes', 'digits', 'iris', 'wine'\]"
    ):
        load("titanic")
    with pytest.raises(TypeError, match="name must be a string"):
        load(3)
    with pytest.raises(ValueError, match="target_names=True needs a classification dataset"):
        load("diabetes", target_names=True)


def test_column_names_are_plain_python_strings():
    # scikit-learn refuses a frame whose column names mix numpy and Python strings.
    assert all(type(c) is str for c in load("wine").columns)


def test_breast_cancer_codes_malignant_as_the_positive_class():
    named, codes = load("breast_cancer", target_names=True), load("breast_cancer")
    assert set(named[TARGET][codes[TARGET] == 1]) == {"malignant"}
    assert set(named[TARGET][codes[TARGET] == 0]) == {"benign"}


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_return_X_y_splits_the_same_frame(name):
    frame = load(name)
    X, y = load(name, return_X_y=True)
    pd.testing.assert_frame_equal(X, frame.drop(columns=TARGET))
    pd.testing.assert_series_equal(y, frame[TARGET])
