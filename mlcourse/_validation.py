"""Argument checks shared by every package: one place that names the argument at fault.

:func:`check_scalar` takes scikit-learn's signature (``sklearn.utils.check_scalar``) and raises the
same kinds of error, with a message that names the argument. A bool is never a number here:
``True`` is an ``int`` to Python, but ``n_epochs=True`` is a mistake. :func:`check_param` is the
same check for settings whose every bad value is a ``ValueError`` (scikit-learn's rule for
hyper-parameters); :func:`validate_numeric_data` checks the ``X`` and ``y`` of a numpy model.

The checks of arrays of samples and class labels (:func:`as_1d`, :func:`check_class_labels`,
:func:`check_sample_weight`, :func:`default_pos_label`, ...) are shared by the metrics, the fairness
metrics and the mitigations; each accepts or rejects what its scikit-learn counterpart does.
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


def encode_classes(y: Any) -> tuple[np.ndarray, np.ndarray]:
    """A classifier's ``classes_`` and each row's index into them, refusing fewer than two classes.

    >>> classes, y_index = encode_classes(np.array(["b", "a", "b"]))
    >>> classes.tolist(), y_index.tolist()
    (['a', 'b'], [1, 0, 1])
    """
    from sklearn.utils.multiclass import check_classification_targets

    check_classification_targets(y)
    classes, y_index = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"y must contain at least 2 classes to fit a classifier, got 1 class: {classes[0]!r}")
    return classes, y_index


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


# ---------------------------------------------------------------------------------------------
# Arrays of samples and class labels (the metrics, the fairness metrics and the mitigations)
# ---------------------------------------------------------------------------------------------


def check_option(value, name: str, options) -> None:
    """Reject a keyword argument that is not one of ``options``."""
    # `value in options` would compare arrays elementwise; test identity/equality one by one.
    for option in options:
        if value is option or (isinstance(value, str) and isinstance(option, str) and value == option):
            return
    raise ValueError(f"{name} must be one of {list(options)!r}, got {value!r}")


def as_array(y, name: str) -> np.ndarray:
    """Turn array-likes into an ndarray; strings stored as Python objects become a str array."""
    if isinstance(y, (str, bytes)) or np.isscalar(y) or y is None:
        raise TypeError(f"{name} must be an array-like of samples, got {type(y).__name__} {y!r}")
    try:
        arr = np.asarray(y)
    except ValueError as err:  # ragged nested lists
        raise ValueError(f"{name} could not be turned into an array: {err}") from None
    if arr.dtype.kind == "O":
        # An object array is fine when every element is a string (as pandas often hands over).
        if all(isinstance(v, str) for v in arr.ravel()):
            arr = arr.astype(str)
        else:
            raise ValueError(f"{name} must hold numbers or strings; it holds {type(arr.ravel()[0]).__name__} objects")
    if arr.dtype.kind not in "biufUS":
        raise TypeError(f"{name} must hold numbers or strings, got dtype {arr.dtype}")
    return arr


def as_1d(y, name: str) -> np.ndarray:
    """Return ``y`` as a 1-D array; a column vector of shape (n, 1) is flattened as scikit-learn does."""
    arr = as_array(y, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {arr.shape}")
    return arr


def check_finite(arr: np.ndarray, name: str) -> None:
    """Reject NaN and infinity. The sum is a cheap first test: it is finite when every value is."""
    if arr.dtype.kind not in "fc" or np.isfinite(np.sum(arr)):
        return
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains infinity")


def check_not_empty(arr: np.ndarray, name: str) -> None:
    """Reject an array with no samples, naming it."""
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty; at least 1 sample is needed")


def check_same_length(**arrays) -> None:
    """All arrays (``None`` skipped) must have as many samples as the first one."""
    named = [(name, arr) for name, arr in arrays.items() if arr is not None]
    first_name, first = named[0]
    for name, arr in named[1:]:
        if len(arr) != len(first):
            raise ValueError(f"{first_name} and {name} have different lengths: {len(first)} vs {len(arr)}")


def check_sample_weight(sample_weight, n_samples: int, *, allow_all_zero: bool = False) -> np.ndarray | None:
    """Validate ``sample_weight``: 1-D, numeric, finite, one per sample, not all zero (unless allowed)."""
    if sample_weight is None:
        return None
    weight = as_array(sample_weight, "sample_weight")
    if weight.dtype.kind not in "biuf":
        raise TypeError(f"sample_weight must hold numbers, got dtype {weight.dtype}")
    if weight.ndim != 1:
        raise ValueError(f"sample_weight must be 1-D, got an array of shape {weight.shape}")
    if len(weight) != n_samples:
        raise ValueError(f"y_true and sample_weight have different lengths: {n_samples} vs {len(weight)}")
    check_finite(weight, "sample_weight")
    if not allow_all_zero and not np.any(weight):
        raise ValueError("sample_weight must contain at least one non-zero weight")
    return weight


def check_class_labels(y, name: str) -> np.ndarray:
    """A 1-D array of class labels: strings, booleans, integers, or floats holding whole numbers."""
    arr = as_1d(y, name)
    if arr.dtype.kind in "fc":
        check_finite(arr, name)
        # scikit-learn calls a float array with any fractional value "continuous": not class labels.
        if np.any(arr != arr.astype(np.int64)):
            raise ValueError(f"{name} holds continuous values; classification metrics need class labels")
    return arr


def is_text(arr: np.ndarray) -> bool:
    """True for an array of strings (numpy's ``str_`` or ``bytes_``)."""
    return arr.dtype.kind in "US"


def unique_labels(y: np.ndarray) -> np.ndarray:
    """Sorted distinct labels of one array (``np.unique``, with a counting shortcut for small integers)."""
    if y.dtype.kind in "biu" and len(y):
        lo, hi = int(y.min()), int(y.max())
        if hi - lo <= 4 * len(y) + 1024:
            # Count each value once: linear time, where np.unique would sort.
            present = np.flatnonzero(np.bincount((y.astype(np.int64) - lo) if lo else y.astype(np.intp, copy=False)))
            return (present + lo).astype(y.dtype)
    return np.unique(y)


def label_in(label, classes: np.ndarray) -> bool:
    """``label in classes`` without numpy's elementwise comparison of strings with numbers."""
    if isinstance(label, str) != is_text(classes):
        return False
    return bool(np.any(classes == label))


def default_pos_label(pos_label, classes: np.ndarray):
    """``pos_label=None`` means 1, allowed only when the classes are {0, 1}, {-1, 1} or one of them."""
    if pos_label is not None:
        return pos_label
    known = ({0, 1}, {-1, 1}, {0}, {-1}, {1})
    if is_text(classes) or len(classes) > 2 or set(classes.tolist()) not in known:
        shown = ", ".join(repr(c) for c in classes.tolist())
        raise ValueError(
            f"y_true takes value in {{{shown}}} and pos_label is not specified: either make y_true take "
            "value in {0, 1} or {-1, 1} or pass pos_label explicitly."
        )
    return 1
