"""``class_weight="balanced"``: ``n_samples / (n_classes * count(class))``."""

from __future__ import annotations

import numpy as np


def _check_y(y) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError(f"y must be a non-empty 1-D array of class labels, got shape {y.shape}")
    return y


def compute_class_weight(class_weight, *, classes, y, sample_weight=None):
    """Weight of each class: balanced (rarer classes weigh more), given by a dict, or uniform.

    Parameters
    ----------
    class_weight : "balanced", dict or None
        ``"balanced"``: ``n_samples / (n_classes * count(class))``, so that every class carries the
        same total weight; with ``sample_weight`` the counts are sums of weights. A dict maps classes
        to weights (a class it leaves out weighs 1). ``None``: every class weighs 1.
    classes : ndarray
        The classes to weigh, as ``np.unique(y)`` gives them.
    y : array-like of shape (n_samples,)
        Class labels.
    sample_weight : array-like of shape (n_samples,), optional
        Used by ``"balanced"`` only.

    Returns
    -------
    ndarray of shape (n_classes,)
        The weight of each of ``classes``, in their order.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 0, 0, 1])
    >>> compute_class_weight("balanced", classes=np.unique(y), y=y).tolist()
    [0.6666666666666666, 2.0]
    """
    y, classes = _check_y(y), np.asarray(classes)
    uniques, codes = np.unique(y, return_inverse=True)
    if not np.isin(uniques, classes).all():
        raise ValueError("classes should include all valid labels that can be in y")
    if class_weight is None or (isinstance(class_weight, dict) and not class_weight):
        return np.ones(len(classes))
    if isinstance(class_weight, str) and class_weight == "balanced":
        if not np.isin(classes, uniques).all():
            raise ValueError("classes should have valid labels that are in y")
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if weight is not None and weight.shape != y.shape:
            raise ValueError(f"sample_weight must have shape {y.shape}, got {weight.shape}")
        counts = np.bincount(codes, weights=weight).astype(np.float64)
        return (counts.sum() / (len(uniques) * counts))[np.searchsorted(uniques, classes)]
    if not isinstance(class_weight, dict):
        raise ValueError(f"class_weight must be 'balanced', a dict or None, got {class_weight!r}")
    unweighted = [c for c in classes.tolist() if c not in class_weight]
    # As in scikit-learn: a class may be left out (weight 1), unless the dict names labels that are not classes.
    if unweighted and len(classes) - len(unweighted) != len(class_weight):
        raise ValueError(f"The classes, {unweighted}, are not in class_weight")
    return np.array([float(class_weight.get(c, 1.0)) for c in classes.tolist()])


def compute_sample_weight(class_weight, y):
    """Weight of each sample: the weight of its class (see :func:`compute_class_weight`).

    Parameters
    ----------
    class_weight : "balanced", dict or None
    y : array-like of shape (n_samples,)
        Class labels (one output: multi-output ``y`` is not supported).

    Returns
    -------
    ndarray of shape (n_samples,)

    Examples
    --------
    >>> compute_sample_weight("balanced", [0, 0, 0, 1]).tolist()
    [0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 2.0]
    """
    y = _check_y(y)
    classes, codes = np.unique(y, return_inverse=True)
    return compute_class_weight(class_weight, classes=classes, y=y)[codes]
