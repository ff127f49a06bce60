"""``class_weight="balanced"``: ``n_samples / (n_classes * count(class))``."""

from __future__ import annotations

import numpy as np


def compute_class_weight(y):
    """Balanced weight of each class, in the order of ``np.unique(y)``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)

    Returns
    -------
    ndarray of shape (n_classes,)

    Examples
    --------
    >>> compute_class_weight([0, 0, 0, 1]).tolist()
    [0.6666666666666666, 2.0]
    """
    y = np.asarray(y)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError(f"y must be a non-empty 1-D array, got shape {y.shape}")
    _, counts = np.unique(y, return_counts=True)
    return len(y) / (len(counts) * counts.astype(np.float64))


def compute_sample_weight(y):
    """Balanced weight of each sample: the weight of its class.

    Examples
    --------
    >>> compute_sample_weight([0, 0, 0, 1]).tolist()
    [0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 2.0]
    """
    y = np.asarray(y)
    weights = compute_class_weight(y)
    return weights[np.unique(y, return_inverse=True)[1]]
