"""Input checks shared by the group metrics and the mitigations: labels, the sensitive feature, weights.

Every check raises a ``ValueError`` or ``TypeError`` that names the argument at fault. The accept/reject
decisions follow fairlearn's where fairlearn gives a clear answer (a length mismatch and a missing group
value are errors; one group is allowed), and are stricter where fairlearn silently computes nonsense
(continuous scores passed as ``y_pred``, string labels without ``pos_label``).
"""

from __future__ import annotations

from numbers import Integral
from typing import NamedTuple

import numpy as np

from mlcourse._validation import (
    as_1d,
    check_class_labels,
    check_not_empty,
    check_same_length,
    check_sample_weight,
    default_pos_label,
    is_number,
    label_in,
    unique_labels,
)

#: Name given to a sensitive feature that carries none (a list or an unnamed array), as fairlearn does.
DEFAULT_NAME = "sensitive_feature_0"


class Groups(NamedTuple):
    """A validated sensitive feature: its sorted distinct values, each sample's index into them, a name."""

    values: np.ndarray  # sorted distinct groups
    codes: np.ndarray  # group index of each sample
    name: str


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN (and pandas' NA/NaT) is the only value not equal to itself
    except (TypeError, ValueError):
        return True


_MISSING = "sensitive_features contains missing values (None or NaN); give them a group of their own"


def _from_objects(arr: np.ndarray) -> np.ndarray:
    """An object array as strings, numbers or booleans when it holds only those; missing values rejected."""
    if any(_is_missing(v) for v in arr):
        raise ValueError(_MISSING)
    # One value of each type stands for all of its type: the checks below depend on the type only.
    samples = {type(v): v for v in arr}.values()
    # Homogeneous numbers or booleans become a numeric array, so groups print as 0, 1 and not '0', '1'.
    if all(isinstance(v, (bool, np.bool_)) for v in samples):
        return arr.astype(bool)
    if all(is_number(v) and isinstance(v, Integral) for v in samples):
        return arr.astype(np.int64)
    if all(is_number(v) for v in samples):
        return arr.astype(np.float64)
    return arr


def check_sensitive_features(sensitive_features, n_samples: int | None = None) -> Groups:
    """Validate one sensitive feature and encode it as group indices.

    Parameters
    ----------
    sensitive_features : array-like, pandas Series or one-column DataFrame of shape (n_samples,)
        Group membership of each sample: strings, numbers or booleans, no missing values.
    n_samples : int, optional
        The number of samples it must have (that of ``y_true``).

    Returns
    -------
    Groups
    """
    name = DEFAULT_NAME
    if hasattr(sensitive_features, "columns"):  # a DataFrame
        if sensitive_features.shape[1] != 1:
            raise ValueError(
                "sensitive_features must be one column; combine several into one first (for intersectional "
                f"groups, e.g. df['sex'] + '/' + df['age_band']), got {sensitive_features.shape[1]} columns"
            )
        sensitive_features = sensitive_features.iloc[:, 0]
    if hasattr(sensitive_features, "to_numpy") and hasattr(sensitive_features, "name"):  # a Series
        if isinstance(sensitive_features.name, str):
            name = sensitive_features.name
        sensitive_features = sensitive_features.to_numpy()
    if isinstance(sensitive_features, (str, bytes)) or np.isscalar(sensitive_features) or sensitive_features is None:
        raise TypeError(
            f"sensitive_features must be an array-like with one value per sample, got {sensitive_features!r}"
        )
    # A list goes through dtype=object: numpy would otherwise turn [1, "a"] into the strings ["1", "a"].
    arr = np.asarray(sensitive_features, dtype=object if isinstance(sensitive_features, list) else None)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"sensitive_features must be 1-D (one value per sample), got shape {arr.shape}")
    if n_samples is not None and len(arr) != n_samples:
        raise ValueError(f"y_true and sensitive_features have different lengths: {n_samples} vs {len(arr)}")
    if len(arr) == 0:
        raise ValueError("sensitive_features is empty; at least 1 sample is needed")
    if arr.dtype.kind == "O":
        arr = _from_objects(arr)
    elif arr.dtype.kind not in "biufUS":
        raise TypeError(f"sensitive_features must hold strings, numbers or booleans, got dtype {arr.dtype}")
    if arr.dtype.kind in "fc" and np.isnan(arr).any():
        raise ValueError(_MISSING)
    try:
        values, codes = np.unique(arr, return_inverse=True)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in arr})
        raise TypeError(f"sensitive_features mixes values that cannot be sorted together: {kinds}") from None
    return Groups(values, codes.astype(np.intp).ravel(), name)


class Binary(NamedTuple):
    """Validated binary targets as booleans (``True`` is the positive label)."""

    true: np.ndarray
    pred: np.ndarray
    weight: np.ndarray | None
    groups: Groups


def check_binary_inputs(y_true, y_pred, sensitive_features, sample_weight=None, pos_label=None) -> Binary:
    """The one check every group metric starts with.

    ``y_true`` and ``y_pred`` hold class labels with at most two distinct values between them;
    ``pos_label=None`` means 1 and is allowed only for labels in {0, 1} or {-1, 1} (fairlearn's rule).
    """
    y_true = check_class_labels(y_true, "y_true")
    y_pred = check_class_labels(y_pred, "y_pred")
    check_same_length(y_true=y_true, y_pred=y_pred)
    check_not_empty(y_true, "y_true")
    groups = check_sensitive_features(sensitive_features, len(y_true))
    weight = check_sample_weight(sample_weight, len(y_true), allow_all_zero=True)
    if weight is not None and np.any(weight < 0):
        raise ValueError("sample_weight must be non-negative")
    if (y_true.dtype.kind in "US") != (y_pred.dtype.kind in "US"):
        raise ValueError("y_true and y_pred mix string and number labels")
    labels = unique_labels(np.concatenate([y_true, y_pred]))
    if len(labels) > 2:
        raise ValueError(f"group metrics need binary labels; y_true and y_pred hold {len(labels)}: {labels.tolist()}")
    if pos_label is None:
        try:
            pos_label = default_pos_label(None, labels)
        except ValueError:
            raise ValueError(
                f"labels are {labels.tolist()}, not 0/1 or -1/1: pass pos_label to group_metrics, or map the "
                "positive label to 1, to say which one is positive"
            ) from None
    elif len(labels) == 2 and not label_in(pos_label, labels):
        raise ValueError(f"pos_label={pos_label!r} is not one of the labels {labels.tolist()}")
    return Binary(y_true == pos_label, y_pred == pos_label, weight, groups)


def check_scores(y_score, n_samples: int) -> np.ndarray:
    """Finite float scores, one per sample (probabilities or decision values)."""
    score = as_1d(y_score, "y_score")
    if score.dtype.kind not in "biuf":
        raise TypeError(f"y_score must hold numbers, got dtype {score.dtype}")
    score = score.astype(np.float64)
    if not np.all(np.isfinite(score)):
        raise ValueError("y_score contains NaN or infinity")
    if len(score) != n_samples:
        raise ValueError(f"y_true and y_score have different lengths: {n_samples} vs {len(score)}")
    return score
