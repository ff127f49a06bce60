"""Shared helpers (no tests here): scikit-learn's estimator checks as pytest parameters, and the
preprocessing estimators they run on (also in a fresh interpreter, for the array-API check)."""

from __future__ import annotations

import pytest

from mlcourse import preprocessing as mp

PREPROCESSING = [
    mp.StandardScaler(),
    mp.StandardScaler(with_mean=False),
    mp.MinMaxScaler(clip=True),
    mp.SimpleImputer(),
    mp.SimpleImputer(strategy="median"),
    mp.SimpleImputer(strategy="most_frequent"),
    mp.SimpleImputer(strategy="constant"),
    mp.OneHotEncoder(),
    mp.OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    mp.PolynomialFeatures(degree=3),
]


def checks(estimators):
    """Every scikit-learn check but the array-API one, which needs SCIPY_ARRAY_API=1 set before scipy is
    imported: test_sklearn_array_api_check runs it in a fresh interpreter."""
    from sklearn.utils.estimator_checks import estimator_checks_generator

    for estimator in estimators:
        for est, check in estimator_checks_generator(estimator, mark="skip"):
            name = getattr(check, "func", check).__name__
            if name != "check_array_api_input":
                yield pytest.param(est, check, id=f"{est!r}-{name}".replace("\n", "").replace(" ", ""))
