"""Input checks shared by every metric, so that no metric repeats them.

Each check raises a ``ValueError`` or ``TypeError`` whose message names the argument at fault
(``y_true``, ``y_pred``, ``y_score``, ``y_proba``, ``sample_weight``, ``labels`` ...), and each
accepts or rejects the same inputs as its scikit-learn twin.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from mlcourse._validation import is_number


class UndefinedMetricWarning(UserWarning):
    """A metric was asked for where it is undefined (say, precision with no predicted positives).

    The metric still returns a number (0, 1 or NaN, see ``zero_division``); the warning says why.
    """


# ---------------------------------------------------------------------------------------------
# Small checks on one argument
# ---------------------------------------------------------------------------------------------


def check_option(value, name: str, options) -> None:
    """Reject a keyword argument that is not one of ``options``."""
    # `value in options` would compare arrays elementwise; test identity/equality one by one.
    for option in options:
        if value is option or (isinstance(value, str) and isinstance(option, str) and value == option):
            return
    raise ValueError(f"{name} must be one of {list(options)!r}, got {value!r}")


def check_zero_division(zero_division) -> float:
    """Validate ``zero_division`` and return the value to put where a ratio is 0/0."""
    if isinstance(zero_division, str):
        if zero_division == "warn":
            return 0.0  # acts like 0, but the caller also warns
    elif is_number(zero_division):
        if np.isnan(zero_division):
            return np.nan
        if zero_division in (0, 1):
            return float(zero_division)
    raise ValueError(f"zero_division must be 'warn', 0, 1 or np.nan, got {zero_division!r}")


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


def as_float(y, name: str, *, max_ndim: int = 1) -> np.ndarray:
    """Return ``y`` as a finite float array with 1 to ``max_ndim`` dimensions (scores, probabilities)."""
    arr = as_array(y, name)
    if arr.ndim == 2 and arr.shape[1] == 1 and max_ndim == 1:
        arr = arr[:, 0]
    if not 1 <= arr.ndim <= max_ndim:
        shape = "1-D" if max_ndim == 1 else "1-D or 2-D"
        raise ValueError(f"{name} must be {shape}, got an array of shape {arr.shape}")
    try:
        arr = arr.astype(np.float64, copy=False) if arr.dtype.kind != "f" else arr
    except ValueError:
        raise ValueError(f"{name} must hold numbers, got dtype {arr.dtype}") from None
    check_finite(arr, name)
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


def weighted_mean(values: np.ndarray, weight: np.ndarray | None, normalize: bool = True) -> float:
    """Mean (or sum when ``normalize=False``) of ``values``, each counted ``weight`` times."""
    if normalize:
        return float(np.average(values, weights=weight))
    return float(np.dot(values, weight) if weight is not None else np.sum(values))


# ---------------------------------------------------------------------------------------------
# Class labels
# ---------------------------------------------------------------------------------------------


def check_class_labels(y, name: str) -> np.ndarray:
    """A 1-D array of class labels: strings, booleans, integers, or floats holding whole numbers."""
    arr = as_1d(y, name)
    if arr.dtype.kind in "fc":
        check_finite(arr, name)
        # scikit-learn calls a float array with any fractional value "continuous": not class labels.
        if np.any(arr != arr.astype(np.int64)):
            raise ValueError(f"{name} holds continuous values; classification metrics need class labels")
    return arr


def _is_text(arr: np.ndarray) -> bool:
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


def encode(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted union of the labels of both arrays, and each array as indices into it.

    Integer labels in a small range are counted with ``np.bincount`` (linear time); anything else
    (strings, sparse or huge integers) goes through one ``np.unique`` (a sort).
    """
    if _is_text(y_true) != _is_text(y_pred) and len(y_true) and len(y_pred):
        raise ValueError(f"y_true and y_pred mix string and number labels: {y_true[:3]!r}... and {y_pred[:3]!r}...")
    n = len(y_true) + len(y_pred)
    if y_true.dtype.kind in "biuf" and y_pred.dtype.kind in "biuf" and n > 0:
        # Floats reach this point only when they hold whole numbers (see check_class_labels).
        lo = min(_min(y_true), _min(y_pred))
        hi = max(_max(y_true), _max(y_pred))
        if hi - lo <= 4 * n + 1024 and -(2**52) < lo and hi < 2**52:
            return _encode_small_integers(y_true, y_pred, lo, hi)
    classes, codes = np.unique(np.concatenate([y_true, y_pred]), return_inverse=True)
    return classes, codes[: len(y_true)], codes[len(y_true) :]


def _min(y: np.ndarray):
    return int(y.min()) if len(y) else np.inf


def _max(y: np.ndarray):
    return int(y.max()) if len(y) else -np.inf


def _encode_small_integers(y_true, y_pred, lo: int, hi: int):
    span = int(hi - lo) + 1
    shifted = [(y.astype(np.int64) - lo).astype(np.intp) for y in (y_true, y_pred)]
    seen = np.zeros(span, dtype=bool)
    for s in shifted:
        seen[s] = True  # fancy assignment marks every value present: a linear-time "unique"
    present = np.flatnonzero(seen)
    lookup = np.zeros(span, dtype=np.intp)
    lookup[present] = np.arange(len(present))
    dtype = np.result_type(y_true.dtype, y_pred.dtype)
    return (present + lo).astype(dtype), lookup[shifted[0]], lookup[shifted[1]]


class Targets(NamedTuple):
    """Validated classification targets, with labels replaced by indices into ``classes``."""

    y_type: str  # "binary" (at most 2 labels) or "multiclass"
    classes: np.ndarray  # sorted union of the labels of y_true and y_pred
    true: np.ndarray  # y_true as indices into classes
    pred: np.ndarray  # y_pred as indices into classes
    weight: np.ndarray | None


def check_targets(y_true, y_pred, sample_weight=None) -> Targets:
    """The one check every label-based classification metric starts with."""
    y_true = check_class_labels(y_true, "y_true")
    y_pred = check_class_labels(y_pred, "y_pred")
    check_same_length(y_true=y_true, y_pred=y_pred)
    check_not_empty(y_true, "y_true")
    weight = check_sample_weight(sample_weight, len(y_true))
    classes, true, pred = encode(y_true, y_pred)
    y_type = "multiclass" if len(classes) > 2 else "binary"
    return Targets(y_type, classes, true, pred, weight)


def positions(classes: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Index of each of ``labels`` in the sorted ``classes``; ``len(classes)`` for a label not there."""
    if len(classes) == 0 or _is_text(classes) != _is_text(labels):
        return np.full(len(labels), len(classes), dtype=np.intp)
    idx = np.searchsorted(classes, labels).clip(0, len(classes) - 1)
    return np.where(classes[idx] == labels, idx, len(classes))


def label_in(label, classes: np.ndarray) -> bool:
    """``label in classes`` without numpy's elementwise comparison of strings with numbers."""
    if isinstance(label, str) != _is_text(classes):
        return False
    return bool(np.any(classes == label))


def confusion_counts(targets: Targets) -> np.ndarray:
    """K x K matrix over ``targets.classes``: entry [i, j] sums the weight of samples of class i predicted j."""
    k = len(targets.classes)
    # One bincount over the pair index true * k + pred fills the whole matrix in a single pass.
    flat = np.bincount(targets.true * k + targets.pred, weights=targets.weight, minlength=k * k)
    if targets.weight is not None and targets.weight.dtype.kind in "biu":
        flat = flat.astype(np.int64)  # integer weights give integer counts, as in scikit-learn
    return flat.reshape(k, k)


# ---------------------------------------------------------------------------------------------
# Binary targets with a positive class (curves, Brier score)
# ---------------------------------------------------------------------------------------------


def binary_classes(y_true: np.ndarray) -> tuple[str, np.ndarray]:
    """Type ("binary" or "multiclass") and sorted classes of one label array."""
    classes = unique_labels(y_true)
    return ("multiclass" if len(classes) > 2 else "binary"), classes


def default_pos_label(pos_label, classes: np.ndarray):
    """``pos_label=None`` means 1, allowed only when the classes are {0, 1}, {-1, 1} or one of them."""
    if pos_label is not None:
        return pos_label
    known = ({0, 1}, {-1, 1}, {0}, {-1}, {1})
    if _is_text(classes) or len(classes) > 2 or set(classes.tolist()) not in known:
        shown = ", ".join(repr(c) for c in classes.tolist())
        raise ValueError(
            f"y_true takes value in {{{shown}}} and pos_label is not specified: either make y_true take "
            "value in {0, 1} or {-1, 1} or pass pos_label explicitly."
        )
    return 1


def warn(message: str, category=UndefinedMetricWarning) -> None:
    # stacklevel 3 points at the user's call of the public metric.
    warnings.warn(message, category, stacklevel=3)
