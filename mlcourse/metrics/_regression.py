"""Regression metrics: errors between real-valued targets and predictions."""

from __future__ import annotations

import numpy as np

from mlcourse._validation import check_not_empty, check_same_length, check_sample_weight
from mlcourse.metrics._validation import as_float, warn

_MULTIOUTPUT = ("raw_values", "uniform_average", "variance_weighted")


def _check_regression(y_true, y_pred, sample_weight, multioutput, allowed=_MULTIOUTPUT[:2]):
    """Validate targets as (n_samples, n_outputs) float arrays; return them, the weights and the
    output weights (``None`` for a plain mean over outputs)."""
    y_true = as_float(y_true, "y_true", max_ndim=2)
    y_pred = as_float(y_pred, "y_pred", max_ndim=2)
    check_same_length(y_true=y_true, y_pred=y_pred)
    check_not_empty(y_true, "y_true")
    weight = check_sample_weight(sample_weight, len(y_true))
    y_true = y_true.reshape(len(y_true), -1)
    y_pred = y_pred.reshape(len(y_pred), -1)
    if y_true.shape[1] != y_pred.shape[1]:
        raise ValueError(f"y_true and y_pred have different numbers of outputs: {y_true.shape[1]} vs {y_pred.shape[1]}")
    if isinstance(multioutput, str):
        if multioutput not in allowed:
            raise ValueError(f"multioutput must be one of {list(allowed)} or an array of weights, got {multioutput!r}")
    else:
        multioutput = as_float(multioutput, "multioutput")
        if y_true.shape[1] == 1:
            raise ValueError("multioutput: custom weights are useful only in multi-output cases")
        if len(multioutput) != y_true.shape[1]:
            raise ValueError(
                f"multioutput: there must be equally many custom weights ({len(multioutput)}) as outputs "
                f"({y_true.shape[1]})"
            )
    return y_true, y_pred, weight, multioutput


def _combine_outputs(errors: np.ndarray, multioutput):
    """One number per output -> the returned value: all of them, their mean, or a weighted mean."""
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return errors
        multioutput = None  # uniform average
    return float(np.average(errors, weights=multioutput))


def _weighted_sums(values: np.ndarray, weight: np.ndarray | None) -> np.ndarray:
    """Sum of each column, each row counted ``weight`` times: one matrix-vector product."""
    return values.sum(axis=0) if weight is None else weight @ values


def _weighted_means(values: np.ndarray, weight: np.ndarray | None) -> np.ndarray:
    return _weighted_sums(values, weight) / (len(values) if weight is None else weight.sum())


def _squared_errors(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    residual = y_true - y_pred
    residual *= residual  # square in place: no second temporary array of n values
    return residual


def mean_squared_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    r"""Mean squared error.

    .. math:: MSE = \frac{\sum_k w_k (y_k - \hat y_k)^2}{\sum_k w_k}

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        True target values.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Predicted values.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.
    multioutput : {'raw_values', 'uniform_average'} or array-like of shape (n_outputs,)
        With several outputs: return each one's error, their mean (default), or a weighted mean.

    Returns
    -------
    loss : float or ndarray of shape (n_outputs,)

    Examples
    --------
    >>> from mlcourse.metrics import mean_squared_error
    >>> mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
    0.375
    """
    y_true, y_pred, weight, multioutput = _check_regression(y_true, y_pred, sample_weight, multioutput)
    return _combine_outputs(_weighted_means(_squared_errors(y_true, y_pred), weight), multioutput)


def root_mean_squared_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    r"""Root mean squared error: the square root of :func:`mean_squared_error`, in the target's units.

    .. math:: RMSE = \sqrt{\frac{\sum_k w_k (y_k - \hat y_k)^2}{\sum_k w_k}}

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        True target values.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Predicted values.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.
    multioutput : {'raw_values', 'uniform_average'} or array-like of shape (n_outputs,)
        With several outputs: return each one's error, their mean (default), or a weighted mean.

    Returns
    -------
    loss : float or ndarray of shape (n_outputs,)

    Examples
    --------
    >>> from mlcourse.metrics import root_mean_squared_error
    >>> round(root_mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 4)
    0.6124
    """
    y_true, y_pred, weight, multioutput = _check_regression(y_true, y_pred, sample_weight, multioutput)
    # Root of each output's mean squared error, then combined over outputs.
    return _combine_outputs(np.sqrt(_weighted_means(_squared_errors(y_true, y_pred), weight)), multioutput)


def mean_absolute_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    r"""Mean absolute error.

    .. math:: MAE = \frac{\sum_k w_k |y_k - \hat y_k|}{\sum_k w_k}

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        True target values.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Predicted values.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.
    multioutput : {'raw_values', 'uniform_average'} or array-like of shape (n_outputs,)
        With several outputs: return each one's error, their mean (default), or a weighted mean.

    Returns
    -------
    loss : float or ndarray of shape (n_outputs,)

    Examples
    --------
    >>> from mlcourse.metrics import mean_absolute_error
    >>> mean_absolute_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
    0.5
    """
    y_true, y_pred, weight, multioutput = _check_regression(y_true, y_pred, sample_weight, multioutput)
    errors = y_pred - y_true
    np.abs(errors, out=errors)
    return _combine_outputs(_weighted_means(errors, weight), multioutput)


def r2_score(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average", force_finite=True):
    r"""Coefficient of determination: the fraction of the variance of ``y_true`` the predictions explain.

    .. math:: R^2 = 1 - \frac{\sum_k w_k (y_k - \hat y_k)^2}{\sum_k w_k (y_k - \bar y)^2}

    with :math:`\bar y` the weighted mean of ``y_true``. 1 is perfect, 0 is as good as predicting
    the mean, and it can be negative. NaN (with a warning) for fewer than two samples.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        True target values.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Predicted values.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.
    multioutput : {'raw_values', 'uniform_average', 'variance_weighted'} or array-like of shape (n_outputs,)
        With several outputs: return each one's error, their mean (default), or a weighted mean.
    force_finite : bool, default=True
        Replace the NaN / -inf of a constant ``y_true`` by 1 (perfect predictions) or 0.

    Returns
    -------
    score : float or ndarray of shape (n_outputs,)

    Examples
    --------
    >>> from mlcourse.metrics import r2_score
    >>> round(r2_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 4)
    0.9486
    """
    y_true, y_pred, weight, multioutput = _check_regression(y_true, y_pred, sample_weight, multioutput, _MULTIOUTPUT)
    if len(y_true) < 2:
        warn("R^2 score is not well-defined with less than two samples.")
        return float("nan")
    residual = _weighted_sums(_squared_errors(y_true, y_pred), weight)
    # The mean as np.average computes it, so that a constant y_true gives exactly zero variance
    # exactly when scikit-learn's does.
    total = _weighted_sums(_squared_errors(y_true, np.average(y_true, axis=0, weights=weight)), weight)
    if force_finite:
        # Perfect predictions score 1 even for constant y_true; otherwise a constant y_true scores 0.
        scores = np.ones(y_true.shape[1])
        both = (total != 0) & (residual != 0)
        scores[both] = 1 - residual[both] / total[both]
        scores[(residual != 0) & (total == 0)] = 0.0
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = 1 - residual / total
    if isinstance(multioutput, str) and multioutput == "variance_weighted":
        # Weight each output by its variance; if every output is constant, fall back to the mean.
        multioutput = total if np.any(total != 0) else "uniform_average"
    with np.errstate(invalid="ignore"):  # force_finite=False: -inf scores times 0 weight are NaN
        return _combine_outputs(scores, multioutput)
