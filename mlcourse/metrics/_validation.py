"""Input checks shared by every metric, so that no metric repeats them.

The checks of single arrays and labels are in :mod:`mlcourse._validation`, shared with the fairness
package; here are those only metrics need. Each check raises a ``ValueError`` or ``TypeError`` whose message names the argument at fault
(``y_true``, ``y_pred``, ``y_score``, ``y_proba``, ``sample_weight``, ``labels`` ...), and each
accepts or rejects the same inputs as its scikit-learn twin.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from mlcourse._validation import (
    as_array,
    check_class_labels,
    check_finite,
    check_not_empty,
    check_same_length,
    check_sample_weight,
    is_number,
    is_text,
    unique_labels,
)


class UndefinedMetricWarning(UserWarning):
    """A metric was asked for where it is undefined (say, precision with no predicted positives).

    The metric still returns a number (0, 1 or NaN, see ``zero_division``); the warning says why.
    """


# ---------------------------------------------------------------------------------------------
# Small checks on one argument
# ---------------------------------------------------------------------------------------------


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


def weighted_mean(values: np.ndarray, weight: np.ndarray | None, normalize: bool = True) -> float:
    """Mean (or sum when ``normalize=False``) of ``values``, each counted ``weight`` times."""
    if normalize:
        return float(np.average(values, weights=weight))
    return float(np.dot(values, weight) if weight is not None else np.sum(values))


# ---------------------------------------------------------------------------------------------
# Class labels
# ---------------------------------------------------------------------------------------------


def encode(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted union of the labels of both arrays, and each array as indices into it.

    Integer labels in a small range are counted with ``np.bincount`` (linear time); anything else
    (strings, sparse or huge integers) goes through one ``np.unique`` (a sort).
    """
    if is_text(y_true) != is_text(y_pred) and len(y_true) and len(y_pred):
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
    if len(classes) == 0 or is_text(classes) != is_text(labels):
        return np.full(len(labels), len(classes), dtype=np.intp)
    idx = np.searchsorted(classes, labels).clip(0, len(classes) - 1)
    return np.where(classes[idx] == labels, idx, len(classes))


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


def warn(message: str, category=UndefinedMetricWarning) -> None:
    # stacklevel 3 points at the user's call of the public metric.
    warnings.warn(message, category, stacklevel=3)
