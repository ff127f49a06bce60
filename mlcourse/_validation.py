"""Argument checks shared by every package: one place that names the argument at fault.

:func:`check_scalar` takes scikit-learn's signature (``sklearn.utils.check_scalar``) and raises the
same kinds of error, with a message that names the argument. A bool is never a number here:
``True`` is an ``int`` to Python, but ``n_epochs=True`` is a mistake. :func:`check_param` is the
same check for settings whose every bad value is a ``ValueError`` (scikit-learn's rule for
hyper-parameters); :func:`validate_numeric_data` checks the ``X`` and ``y`` of a numpy model.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

_BOUNDARIES = ("both", "neither", "left", "right")


def is_number(x: Any) -> bool:
    """True for an int or float (numpy scalars included), False for a bool.

    >>> is_number(3), is_number(2.5), is_number(True), is_number("3")
    (True, True, False, False)
    """
    return isinstance(x, numbers.Real) and not isinstance(x, (bool,)) and type(x).__name__ != "bool_"


def check_scalar(
    x: Any,
    name: str,
    target_type: type | tuple[type, ...],
    *,
    min_val: float | None = None,
    max_val: float | None = None,
    include_boundaries: str = "both",
) -> Any:
    """Return ``x`` if it is a scalar of ``target_type`` within the bounds, else raise naming ``name``.

    Parameters
    ----------
    x : object
        The value to check.
    name : str
        The argument's name, for the error message.
    target_type : type or tuple of types
        Accepted types (``numbers.Integral``, ``numbers.Real``, ``float``, ...). A bool passes only
        when ``bool`` itself is listed.
    min_val, max_val : float, optional
        Bounds; ``None`` for none.
    include_boundaries : {"both", "neither", "left", "right"}, default="both"
        Which bounds ``x`` may equal.

    Returns
    -------
    x : object
        ``x`` itself.

    Raises
    ------
    TypeError
        ``x`` is not of ``target_type`` (or is a bool where a number is wanted).
    ValueError
        ``x`` is outside the bounds (NaN always is, when there is a bound).

    Examples
    --------
    >>> check_scalar(0.1, "lr", numbers.Real, min_val=0, include_boundaries="neither")
    0.1
    >>> check_scalar(True, "n_epochs", numbers.Integral)
    Traceback (most recent call last):
    ...
    TypeError: n_epochs must be an instance of Integral, not bool
    >>> check_scalar(0, "n_epochs", numbers.Integral, min_val=1)
    Traceback (most recent call last):
    ...
    ValueError: n_epochs == 0, must be >= 1.
    """
    if include_boundaries not in _BOUNDARIES:
        raise ValueError(f"include_boundaries must be one of {_BOUNDARIES}, got {include_boundaries!r}")
    types = target_type if isinstance(target_type, tuple) else (target_type,)
    bool_wanted = bool in types
    if (
        not isinstance(x, types)
        or (isinstance(x, bool) and not bool_wanted)
        or (type(x).__name__ == "bool_" and not bool_wanted)
    ):
        expected = " or ".join(t.__name__ for t in types)
        raise TypeError(f"{name} must be an instance of {expected}, not {type(x).__name__}")
    low_closed = include_boundaries in ("both", "left")
    high_closed = include_boundaries in ("both", "right")
    if min_val is not None and not (x >= min_val if low_closed else x > min_val):
        raise ValueError(f"{name} == {x}, must be {'>=' if low_closed else '>'} {min_val}.")
    if max_val is not None and not (x <= max_val if high_closed else x < max_val):
        raise ValueError(f"{name} == {x}, must be {'<=' if high_closed else '<'} {max_val}.")
    return x


def check_param(
    x: Any,
    name: str,
    target_type: type | tuple[type, ...],
    *,
    min_val: float | None = None,
    max_val: float | None = None,
    include_boundaries: str = "both",
) -> Any:
    """:func:`check_scalar` for a setting whose every bad value, a wrong type included, is a ``ValueError``.

    scikit-learn reports any invalid hyper-parameter as a ``ValueError`` (its ``InvalidParameterError``),
    and so do this course's estimators, optimisers and layers: ``lr="fast"`` is a bad *value* of ``lr``.
    Same arguments and message as :func:`check_scalar`.

    Examples
    --------
    >>> check_param(0.5, "dropout", numbers.Real, min_val=0, max_val=1, include_boundaries="left")
    0.5
    >>> check_param("fast", "lr", numbers.Real)
    Traceback (most recent call last):
    ...
    ValueError: lr must be an instance of Real, not str
    """
    try:
        return check_scalar(
            x, name, target_type, min_val=min_val, max_val=max_val, include_boundaries=include_boundaries
        )
    except TypeError as err:
        raise ValueError(str(err)) from None


def validate_numeric_data(estimator: Any, X: Any, y: Any = "no_validation", *, reset: bool, **check_params: Any) -> Any:
    """Validate the input of a numpy model (float64 ``X``), naming the argument at fault.

    The three mistakes learners make most are checked here, each with a message that names the
    argument: ``X`` not 2-D, ``X`` and ``y`` with different numbers of rows, ``X`` not numbers.
    Everything else (NaN and infinity, empty, sparse or complex input, the number and names of the
    columns seen in ``fit``) is scikit-learn's ``validate_data``, whose errors pass through unchanged.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Where ``n_features_in_`` and ``feature_names_in_`` are recorded (``reset=True``) or read.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or None, optional
        Pass it in ``fit`` (even ``None``: scikit-learn then says that ``y`` is required); leave it
        out in ``predict``.
    reset : bool
        ``True`` in ``fit``, ``False`` afterwards.
    **check_params
        Passed on to ``validate_data`` (``y_numeric=True``, ``multi_output=True``, ...).

    Returns
    -------
    X or (X, y)
        As ``validate_data`` returns them, ``X`` as float64.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> model = BaseEstimator()
    >>> X, y = validate_numeric_data(model, [[1, 2], [3, 4]], [0, 1], reset=True)
    >>> X.dtype.name, model.n_features_in_
    ('float64', 2)
    >>> validate_numeric_data(model, [1.0, 2.0], reset=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: X must be 2-D, shape (n_samples, n_features), got an array of shape (2,). Reshape your data: ...
    """
    from scipy import sparse
    from sklearn.utils.validation import validate_data

    if not sparse.issparse(X):  # for sparse input, scikit-learn's own message says it is not supported
        _check_rows_of_numbers(X, y)
    return validate_data(estimator, X, y, reset=reset, dtype=np.float64, **check_params)


def _check_rows_of_numbers(X: Any, y: Any) -> None:
    """``X`` is a 2-D table of numbers with a row for each entry of ``y`` (when ``y`` is an array)."""
    frame = hasattr(X, "iloc")  # a DataFrame: its column dtypes tell whether there is text to read
    array = X if frame else np.asarray(X)
    if array.ndim != 2:
        raise ValueError(
            f"X must be 2-D, shape (n_samples, n_features), got an array of shape {array.shape}. Reshape your "
            "data: X.reshape(-1, 1) if it has a single feature, X.reshape(1, -1) if it is a single sample."
        )
    y_shape = np.asarray(y).shape  # () for None and for the "no_validation" marker
    if y_shape and y_shape[0] != array.shape[0]:
        raise ValueError(f"X and y must have the same number of rows, got {array.shape[0]} and {y_shape[0]}")
    kinds = {dtype.kind for dtype in X.dtypes} if frame else {array.dtype.kind}
    if kinds - set("biufc"):  # text or objects: can they be read as numbers?
        try:
            X.to_numpy(dtype=np.float64, na_value=np.nan) if frame else array.astype(np.float64)
        except ValueError as err:  # a TypeError (a dict in X, say) passes through as numpy raised it
            raise ValueError(f"X must be numeric: {err}") from None
