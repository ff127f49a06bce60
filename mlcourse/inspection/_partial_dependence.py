"""Partial dependence of one feature, by brute force: set the feature to each grid value for *every*
row, predict, and average.

The curve is the model's average answer as a function of one input, with the other inputs kept as
they are in the data. It can mislead where features are strongly correlated (the grid then creates
rows that never occur), and an average can hide opposite effects: ``kind="individual"`` returns one
curve per row (ICE curves) to check.

Twin: ``sklearn.inspection.partial_dependence(..., method="brute")``. The grid is scikit-learn's: the
feature's distinct values when there are fewer than ``grid_resolution`` of them (or the feature is
categorical), else ``grid_resolution`` evenly spaced points between two percentiles computed like
``scipy.stats.mstats.mquantiles`` with its default plotting positions (alpha = beta = 0.4).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import numpy as np
from sklearn.base import is_classifier, is_regressor
from sklearn.utils import Bunch

from mlcourse._validation import is_number
from mlcourse.inspection._permutation import _check_X

_RESPONSES = ("auto", "predict_proba", "decision_function")
_KINDS = ("average", "individual", "both")


def mquantiles(a, prob=(0.25, 0.5, 0.75), alphap: float = 0.4, betap: float = 0.4) -> np.ndarray:
    """Sample quantiles with plotting positions ``(k - alphap) / (n + 1 - alphap - betap)``.

    The defaults are those of ``scipy.stats.mstats.mquantiles`` (approximately unbiased whatever the
    distribution); numpy's ``np.quantile`` has no method with these positions.

    Parameters
    ----------
    a : array-like
        The data, flattened.
    prob : array-like, default=(0.25, 0.5, 0.75)
        The probabilities of the quantiles, in [0, 1].
    alphap, betap : float, default=0.4
        The plotting-position parameters.

    Returns
    -------
    ndarray of shape (len(prob),)

    Examples
    --------
    >>> mquantiles([1.0, 2.0, 3.0, 4.0], [0.05, 0.95]).round(4).tolist()
    [1.0, 4.0]
    """
    x = np.sort(np.asarray(a, dtype=np.float64).ravel())
    p = np.atleast_1d(np.asarray(prob, dtype=np.float64))
    n = len(x)
    if n == 1:
        return np.repeat(x, len(p))
    m = alphap + p * (1.0 - alphap - betap)
    position = n * p + m  # 1-based: between x[k-1] and x[k] (summed in scipy's order, to the last bit)
    k = np.floor(np.clip(position, 1, n - 1)).astype(int)
    gamma = np.clip(position - k, 0, 1)
    return (1.0 - gamma) * x[k - 1] + gamma * x[k]


def _column_index(X, feature) -> int:
    if isinstance(feature, (list, tuple)) and len(feature) == 1:
        feature = feature[0]
    if isinstance(feature, str):
        if not hasattr(X, "columns"):
            raise ValueError(f"feature {feature!r} is a column name, but X is an array without names")
        if feature not in X.columns:
            raise ValueError(f"feature {feature!r} is not a column of X")
        return int(X.columns.get_loc(feature))
    if not (is_number(feature) and isinstance(feature, Integral)):
        raise TypeError(f"feature must be one column index or name, got {feature!r}")
    if not 0 <= feature < X.shape[1]:
        raise ValueError(f"feature must be in [0, {X.shape[1] - 1}], got {feature}")
    return int(feature)


def _is_categorical(X, j: int, categorical_features) -> bool:
    """Whether column ``j`` is one of ``categorical_features`` (a boolean mask, column indices or names)."""
    if categorical_features is None:
        return False
    marks = np.asarray(categorical_features)
    if marks.size == 0:
        raise ValueError("categorical_features=[] is not supported: pass None when no feature is categorical")
    if marks.dtype.kind == "b":
        if marks.size != X.shape[1]:
            raise ValueError(
                f"a boolean categorical_features needs one entry per column of X ({X.shape[1]}), got {marks.size}"
            )
        return bool(marks.ravel()[j])
    return j in [_column_index(X, mark) for mark in marks.ravel().tolist()]


def _column(X, j):
    return X.iloc[:, j].to_numpy() if hasattr(X, "iloc") else X[:, j]


def grid_from_X(column, *, percentiles=(0.05, 0.95), grid_resolution=100, categorical=False) -> np.ndarray:
    """The values at which partial dependence is evaluated, as scikit-learn chooses them.

    Examples
    --------
    >>> import numpy as np
    >>> grid_from_X([3.0, 1.0, 2.0, 1.0]).tolist()  # fewer distinct values than grid_resolution
    [1.0, 2.0, 3.0]
    >>> grid_from_X(np.arange(10.0), grid_resolution=3).round(3).tolist()
    [0.0, 4.5, 9.0]
    """
    if not isinstance(percentiles, Sequence) or isinstance(percentiles, str) or len(percentiles) != 2:
        raise ValueError(f"percentiles must be a pair of numbers, got {percentiles!r}")
    if not all(is_number(p) and 0 <= p <= 1 for p in percentiles):
        raise ValueError(f"percentiles must be in [0, 1], got {percentiles!r}")
    if percentiles[0] >= percentiles[1]:
        raise ValueError(f"percentiles[0] must be strictly less than percentiles[1], got {percentiles!r}")
    if not (is_number(grid_resolution) and isinstance(grid_resolution, Integral)) or grid_resolution <= 1:
        raise ValueError(f"grid_resolution must be an integer greater than 1, got {grid_resolution!r}")
    try:
        uniques = np.unique(column)
    except TypeError:
        raise ValueError("the feature mixes types (NaN with strings?): its values cannot be sorted") from None
    if categorical or len(uniques) < grid_resolution:
        return uniques
    low, high = mquantiles(column, percentiles)
    if np.allclose(low, high):
        raise ValueError("percentiles are too close to each other for this feature: choose them further apart")
    return np.linspace(low, high, num=grid_resolution, endpoint=True)


def _response(estimator, X, response_method: str) -> np.ndarray:
    """Predictions, one column per output: the positive class only for a binary classifier."""
    if is_regressor(estimator):
        return np.asarray(estimator.predict(X), dtype=np.float64)
    methods = ["predict_proba", "decision_function"] if response_method == "auto" else [response_method]
    for method in methods:
        if hasattr(estimator, method):
            out = np.asarray(getattr(estimator, method)(X), dtype=np.float64)
            if method == "predict_proba" and out.ndim == 2 and out.shape[1] == 2:
                return out[:, 1]
            return out
    raise ValueError(f"the estimator has none of {methods}")


def partial_dependence(
    estimator,
    X,
    features,
    *,
    sample_weight=None,
    categorical_features=None,
    response_method="auto",
    percentiles=(0.05, 0.95),
    grid_resolution=100,
    kind="average",
):
    """Partial dependence of the predictions on one feature (``method="brute"``).

    Parameters
    ----------
    estimator : fitted regressor or classifier
    X : array-like or DataFrame of shape (n_samples, n_features)
        The rows whose predictions are averaged (typically the training or a held-out set).
    features : int or str
        The feature: a column index, or a column name of a DataFrame.
    sample_weight : array-like of shape (n_samples,), optional
        Weights of the rows in the average.
    categorical_features : array-like of bool, int or str, optional
        The categorical features: a boolean mask over the columns, or column indices or names. The grid
        of a categorical feature is its distinct values. Required for an integer column, which
        scikit-learn refuses to treat as continuous.
    response_method : {"auto", "predict_proba", "decision_function"}, default="auto"
        For classifiers; ``"auto"`` tries ``predict_proba`` first. Regressors use ``predict`` and
        need ``"auto"``.
    percentiles : (float, float), default=(0.05, 0.95)
        Ends of the grid, as quantiles of the feature.
    grid_resolution : int, default=100
        Number of grid points (fewer if the feature has fewer distinct values).
    kind : {"average", "individual", "both"}, default="average"
        The averaged curve, one curve per row (ICE), or both.

    Returns
    -------
    sklearn.utils.Bunch
        ``grid_values`` (a list holding the grid), ``average`` of shape (n_outputs, n_grid) and/or
        ``individual`` of shape (n_outputs, n_samples, n_grid); ``n_outputs`` is 1 for regression
        and binary classification, the number of classes for a multiclass ``predict_proba``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.c_[np.arange(10.0), np.ones(10)]
    >>> model = LinearRegression().fit(X, 2 * X[:, 0] + 1)
    >>> pd_result = partial_dependence(model, X, 0, grid_resolution=3)
    >>> pd_result["grid_values"][0].round(3).tolist(), pd_result["average"].round(3).tolist()
    ([0.0, 4.5, 9.0], [[1.0, 10.0, 19.0]])
    """
    _check_options(estimator, response_method, kind)
    X = _check_X(X)
    n_samples = X.shape[0]
    if n_samples == 0:
        raise ValueError("X is empty; at least 1 sample is needed")
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if sample_weight.shape != (n_samples,):
            raise ValueError(f"sample_weight must have shape ({n_samples},), got {sample_weight.shape}")
    j = _column_index(X, features)
    column = _column(X, j)
    categorical = _is_categorical(X, j, categorical_features)
    if not categorical and column.dtype.kind in "iu":
        raise ValueError(
            f"feature {features!r} holds integers: convert it to float for a continuous grid, or list it in "
            "categorical_features (scikit-learn refuses integer columns too)"
        )
    grid = grid_from_X(column, percentiles=percentiles, grid_resolution=grid_resolution, categorical=categorical)
    predictions = _predictions_on_grid(estimator, X, j, grid, response_method)
    result = Bunch(grid_values=[grid])
    if kind in ("average", "both"):
        result["average"] = (
            np.array([np.average(p, axis=0, weights=sample_weight) for p in predictions]).reshape(len(grid), -1).T
        )
    if kind in ("individual", "both"):
        stacked = np.asarray(predictions)  # (n_grid, n_samples[, n_outputs]) -> (n_outputs, n_samples, n_grid)
        result["individual"] = np.transpose(stacked[:, :, None] if stacked.ndim == 2 else stacked, (2, 1, 0))
    return result


def _check_options(estimator, response_method: str, kind: str) -> None:
    if response_method not in _RESPONSES:
        raise ValueError(f"response_method must be one of {list(_RESPONSES)}, got {response_method!r}")
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {list(_KINDS)}, got {kind!r}")
    if not (is_regressor(estimator) or is_classifier(estimator)):
        raise TypeError(f"estimator must be a fitted regressor or classifier, got {type(estimator).__name__}")
    if is_regressor(estimator) and response_method != "auto":
        raise ValueError("response_method is ignored for regressors and must be 'auto'")


def _predictions_on_grid(estimator, X, j: int, grid: np.ndarray, response_method: str) -> list[np.ndarray]:
    """The predictions for every row of ``X`` with column ``j`` set to each grid value in turn."""
    X_eval = X.copy()
    predictions = []
    for value in grid:
        if hasattr(X_eval, "iloc"):
            X_eval.iloc[:, j] = value
        else:
            X_eval[:, j] = value
        predictions.append(_response(estimator, X_eval, response_method))
    return predictions
