"""Pick a decision threshold for a target recall (best precision) or a target precision (best recall).

A sample is predicted positive when ``y_score >= threshold``; the candidate thresholds are the distinct
values of ``y_score``. Ties in the quantity being maximised go to the highest threshold (fewest alerts).
"""

from __future__ import annotations

import numpy as np

from mlcourse._validation import is_number


def _curve(y_true, y_score):
    """Distinct thresholds (descending) with the precision and recall of ``y_score >= threshold``."""
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=np.float64)
    if y_true.ndim != 1 or y_score.ndim != 1 or len(y_true) != len(y_score) or len(y_true) == 0:
        raise ValueError(
            f"y_true and y_score must be 1-D of equal non-zero length, got {y_true.shape}, {y_score.shape}"
        )
    if not np.all(np.isfinite(y_score)):
        raise ValueError("y_score must be finite")
    if not np.all(np.isin(y_true, [0, 1])):
        raise ValueError("y_true must contain only 0 and 1")
    if not y_true.any():
        raise ValueError("y_true has no positive samples; recall is undefined")
    order = np.argsort(-y_score, kind="stable")
    score, hit = y_score[order], y_true[order].astype(np.float64)
    last = np.r_[np.flatnonzero(np.diff(score)), len(score) - 1]  # last index of each distinct score
    tp = np.cumsum(hit)[last]
    predicted = last + 1.0
    return score[last], tp / predicted, tp / hit.sum()


def _check_target(name, value):
    if not is_number(value) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")


def _best(thresholds, goal, met, name, target):
    if not met.any():
        raise ValueError(f"no threshold reaches {name}={target}; the best possible is {goal.max():.4g}")
    i = np.flatnonzero(met)
    return float(thresholds[i[np.argmax(goal[i])]])  # thresholds descend: argmax takes the highest on ties


def threshold_for_recall(y_true, y_score, target_recall):
    """The threshold with the best precision among those whose recall is at least ``target_recall``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,), values 0 or 1
    y_score : array-like of shape (n_samples,)
        Higher means more likely positive.
    target_recall : float in [0, 1]

    Returns
    -------
    float
        Predict positive where ``y_score >= threshold``.

    Raises
    ------
    ValueError
        If no threshold reaches the target.

    Examples
    --------
    >>> threshold_for_recall([0, 1, 0, 1], [0.1, 0.4, 0.35, 0.8], target_recall=1.0)
    0.4
    """
    _check_target("target_recall", target_recall)
    thresholds, precision, recall = _curve(y_true, y_score)
    return _best(thresholds, precision, recall >= target_recall, "target_recall", target_recall)


def threshold_for_precision(y_true, y_score, target_precision):
    """The threshold with the best recall among those whose precision is at least ``target_precision``.

    Same parameters as :func:`threshold_for_recall`, with ``target_precision`` in [0, 1].

    Examples
    --------
    >>> threshold_for_precision([0, 1, 1, 0, 1], [0.1, 0.4, 0.3, 0.35, 0.8], target_precision=1.0)
    0.4
    """
    _check_target("target_precision", target_precision)
    thresholds, precision, recall = _curve(y_true, y_score)
    return _best(thresholds, recall, precision >= target_precision, "target_precision", target_precision)
