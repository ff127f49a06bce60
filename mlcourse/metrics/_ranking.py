"""Metrics of scores ranked against binary truth: ROC and precision-recall curves, AUC, AP."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from mlcourse._validation import (
    as_1d,
    check_class_labels,
    check_not_empty,
    check_option,
    check_same_length,
    check_sample_weight,
    default_pos_label,
    unique_labels,
)
from mlcourse.metrics._validation import as_float, binary_classes, positions, warn

# ---------------------------------------------------------------------------------------------
# The shared core: true and false positives at every threshold
# ---------------------------------------------------------------------------------------------


def _check_binary_scores(y_true, y_score, sample_weight, pos_label):
    """Validate a binary problem with 1-D scores; return (is_positive, score, weight)."""
    y_true = check_class_labels(y_true, "y_true")
    y_score = as_float(y_score, "y_score")
    check_same_length(y_true=y_true, y_score=y_score)
    check_not_empty(y_true, "y_true")
    y_type, classes = binary_classes(y_true)
    if y_type == "multiclass" and pos_label is None:
        raise ValueError("y_true is multiclass: pass pos_label to say which class is positive")
    pos_label = default_pos_label(pos_label, classes)
    weight = check_sample_weight(sample_weight, len(y_true))
    is_pos = positions(classes, np.asarray([pos_label]))[0] < len(classes)
    return (y_true == pos_label) if is_pos else np.zeros(len(y_true), bool), y_score, weight


def _split(y_score, is_pos):
    """Scores of the negatives and of the positives (``take`` of indices beats a boolean mask here)."""
    return y_score.take(np.flatnonzero(~is_pos)), y_score.take(np.flatnonzero(is_pos))


def _counts_at_thresholds(is_pos: np.ndarray, y_score: np.ndarray, weight: np.ndarray | None, stable=True):
    """False and true positives when predicting "positive" for score >= t, for every distinct score t.

    Returns ``fps, tps, thresholds``, thresholds decreasing (so the counts increase). With weights,
    ``stable=False`` allows a faster sort that may order tied samples differently: the sums at the
    end of each run of ties are then equal up to float rounding (enough for an area).
    """
    if weight is None:
        # Counting only: sort all scores and the positive scores; no argsort, no gathering.
        scores = np.sort(y_score)
        starts = np.flatnonzero(np.concatenate([[True], scores[1:] != scores[:-1]]))
        thresholds = scores[starts][::-1]
        n_at_or_above = (len(scores) - starts)[::-1]  # samples scoring >= each threshold
        pos_scores = np.sort(_split(y_score, is_pos)[1])
        # positives scoring >= t = all positives - positives scoring < t
        tps = (len(pos_scores) - np.searchsorted(pos_scores, scores[starts], side="left"))[::-1]
        fps = n_at_or_above - tps
        return fps.astype(np.float64), tps.astype(np.float64), thresholds
    # Weighted: samples with zero weight do not exist for the curve (they add no threshold).
    if not weight.all():
        keep = np.flatnonzero(weight)
        is_pos, y_score, weight = is_pos[keep], y_score[keep], weight[keep]
    # Stable sort by decreasing score, then cumulative weights; read them where the score changes.
    order = np.argsort(-y_score, kind="stable" if stable else None)
    y_score, is_pos, weight = y_score[order], is_pos[order].astype(np.float64), weight[order].astype(np.float64)
    last = np.flatnonzero(np.concatenate([y_score[1:] != y_score[:-1], [True]]))
    tps = np.cumsum(is_pos * weight)[last]
    fps = np.cumsum((1 - is_pos) * weight)[last]
    return fps, tps, y_score[last]


def roc_curve(y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=True):
    r"""Receiver operating characteristic: true positive rate against false positive rate.

    For each threshold t (each distinct score, highest first), predict positive when score >= t:

    .. math:: TPR(t) = \frac{TP(t)}{P}, \qquad FPR(t) = \frac{FP(t)}{N}

    The curve starts at (0, 0) with threshold ``np.inf`` (nothing predicted positive).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels; {0, 1} or {-1, 1} unless ``pos_label`` is given.
    y_score : array-like of shape (n_samples,)
        Scores, higher meaning more likely positive (probabilities or decision values).
    pos_label : int, float, bool or str, default=None
        The positive class (default 1).
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.
    drop_intermediate : bool, default=True
        Drop thresholds whose point lies on a straight segment between its neighbours; the
        plotted curve and its area do not change.

    Returns
    -------
    fpr, tpr : ndarray of shape (n_thresholds,)
        Increasing rates (NaN, with a warning, when there are no negatives / no positives).
    thresholds : ndarray of shape (n_thresholds,)
        Decreasing; ``thresholds[0]`` is ``np.inf``.

    Examples
    --------
    >>> from mlcourse.metrics import roc_curve
    >>> fpr, tpr, thresholds = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> fpr
    array([0. , 0. , 0.5, 0.5, 1. ])
    >>> tpr
    array([0. , 0.5, 0.5, 1. , 1. ])
    >>> thresholds
    array([ inf, 0.8 , 0.4 , 0.35, 0.1 ])
    """
    is_pos, y_score, weight = _check_binary_scores(y_true, y_score, sample_weight, pos_label)
    return _roc(is_pos, y_score, weight, drop_intermediate)


def _roc(is_pos, y_score, weight, drop_intermediate):
    fps, tps, thresholds = _counts_at_thresholds(is_pos, y_score, weight)
    if drop_intermediate and len(fps) > 2:
        # A point is kept where the curve bends: a non-zero second difference in fps or tps.
        bends = np.logical_or(np.diff(fps, 2), np.diff(tps, 2))
        keep = np.concatenate([[True], bends, [True]])
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    fps = np.concatenate([[0.0], fps])
    tps = np.concatenate([[0.0], tps])
    thresholds = np.concatenate([[np.inf], thresholds.astype(np.float64)])
    return _rate(fps, "negative", "false"), _rate(tps, "positive", "true"), thresholds


def _rate(counts: np.ndarray, kind: str, which: str) -> np.ndarray:
    if counts[-1] <= 0:
        warn(f"No {kind} samples in y_true, {which} positive value should be meaningless")
        return np.full(counts.shape, np.nan)
    return counts / counts[-1]


def precision_recall_curve(y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=False):
    r"""Precision and recall of the rule "positive when score >= t", for every threshold t.

    .. math:: P(t) = \frac{TP(t)}{TP(t) + FP(t)}, \qquad R(t) = \frac{TP(t)}{P}

    A last point (precision 1, recall 0, no threshold) closes the curve.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels; {0, 1} or {-1, 1} unless ``pos_label`` is given.
    y_score : array-like of shape (n_samples,)
        Scores, higher meaning more likely positive.
    pos_label : int, float, bool or str, default=None
        The positive class (default 1).
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.
    drop_intermediate : bool, default=False
        Keep only the first and last threshold of each run with the same recall.

    Returns
    -------
    precision, recall : ndarray of shape (n_thresholds + 1,)
        Recall decreasing to 0; precision ends with 1.
    thresholds : ndarray of shape (n_thresholds,)
        Increasing.

    Examples
    --------
    >>> from mlcourse.metrics import precision_recall_curve
    >>> precision, recall, thresholds = precision_recall_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> precision
    array([0.5       , 0.66666667, 0.5       , 1.        , 1.        ])
    >>> recall
    array([1. , 1. , 0.5, 0.5, 0. ])
    >>> thresholds
    array([0.1 , 0.35, 0.4 , 0.8 ])
    """
    is_pos, y_score, weight = _check_binary_scores(y_true, y_score, sample_weight, pos_label)
    fps, tps, thresholds = _counts_at_thresholds(is_pos, y_score, weight)
    if drop_intermediate and len(fps) > 2:
        # Points with the recall of both neighbours sit on a vertical segment: keep its two ends.
        keep = np.concatenate([[True], np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), [True]])
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    predicted = tps + fps
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted != 0, tps / predicted, 0.0)
    if tps[-1] == 0:
        warn("No positive class found in y_true, recall is set to one for all thresholds.", UserWarning)
        recall = np.ones_like(tps)
    else:
        recall = tps / tps[-1]
    return np.append(precision[::-1], 1.0), np.append(recall[::-1], 0.0), thresholds[::-1]


# ---------------------------------------------------------------------------------------------
# Areas
# ---------------------------------------------------------------------------------------------


def auc(x, y):
    r"""Area under a curve given by points, with the trapezoidal rule.

    .. math:: A = \sum_{i} (x_{i+1} - x_i)\,\frac{y_i + y_{i+1}}{2}

    Parameters
    ----------
    x : array-like of shape (n,)
        Increasing or decreasing x coordinates (at least 2).
    y : array-like of shape (n,)
        y coordinates.

    Returns
    -------
    area : float

    Examples
    --------
    >>> from mlcourse.metrics import auc, roc_curve
    >>> fpr, tpr, _ = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> auc(fpr, tpr)
    0.75
    """
    x = as_1d(x, "x").astype(np.float64, copy=False)
    y = as_1d(y, "y").astype(np.float64, copy=False)
    check_same_length(x=x, y=y)
    if len(x) < 2:
        raise ValueError(f"x needs at least 2 points to compute an area under the curve, got shape {x.shape}")
    direction = 1
    dx = np.diff(x)
    if np.any(dx < 0):
        if not np.all(dx <= 0):
            raise ValueError(f"x is neither increasing nor decreasing: {x}")
        direction = -1
    # The trapezoidal rule, as np.trapezoid writes it, reusing dx.
    return float(direction * (dx * (y[1:] + y[:-1]) / 2.0).sum())


def _binary_auc(is_pos: np.ndarray, y_score: np.ndarray, weight: np.ndarray | None) -> float:
    """ROC AUC of one binary problem (NaN, with a warning, when one class is missing)."""
    n_pos = int(np.count_nonzero(is_pos))
    if n_pos in (0, len(is_pos)):
        warn("Only one class is present in y_true. ROC AUC score is not defined in that case.")
        return np.nan
    if weight is None:
        # AUC = P(score of a random positive > score of a random negative), ties counting 1/2
        # (Mann-Whitney U): for each distinct positive score, count the negatives below it.
        neg, pos = (np.sort(part) for part in _split(y_score, is_pos))
        starts = np.flatnonzero(np.concatenate([[True], pos[1:] != pos[:-1]]))
        values, counts = pos[starts], np.diff(np.append(starts, len(pos)))  # distinct positive scores
        below = np.searchsorted(neg, values, side="left")  # negatives scoring less
        # Negatives scoring the same: only values some negative shares need a second search
        # (few of them when scores are continuous).
        tied = neg[np.minimum(below, len(neg) - 1)] == values
        at_or_below = below.copy()
        at_or_below[tied] = np.searchsorted(neg, values[tied], side="right")
        # Every count is an exact integer: one division at the end gives a correctly rounded AUC.
        return float(counts @ (below + at_or_below) / (2 * n_pos * len(neg)))
    fps, tps, _ = _counts_at_thresholds(is_pos, y_score, weight, stable=False)
    if fps[-1] <= 0 or tps[-1] <= 0:  # zero weights removed every sample of a class
        _rate(np.append(0.0, fps), "negative", "false")
        _rate(np.append(0.0, tps), "positive", "true")
        return np.nan
    return float(np.trapezoid(np.append(0.0, tps) / tps[-1], np.append(0.0, fps) / fps[-1]))


def _partial_auc(is_pos, y_score, weight, max_fpr) -> float:
    """Area under the ROC curve up to ``max_fpr``, McClish-standardised to [0.5, 1] (as scikit-learn)."""
    if len(np.unique(is_pos)) != 2:
        warn("Only one class is present in y_true. ROC AUC score is not defined in that case.")
        return np.nan
    fpr, tpr, _ = _roc(is_pos, y_score, weight, drop_intermediate=True)
    if max_fpr == 1:
        return float(np.trapezoid(tpr, fpr))
    stop = np.searchsorted(fpr, max_fpr, "right")
    tpr = np.append(tpr[:stop], np.interp(max_fpr, fpr[stop - 1 : stop + 1], tpr[stop - 1 : stop + 1]))
    fpr = np.append(fpr[:stop], max_fpr)
    partial = np.trapezoid(tpr, fpr)
    min_area, max_area = 0.5 * max_fpr**2, max_fpr
    return float(0.5 * (1 + (partial - min_area) / (max_area - min_area)))


def roc_auc_score(
    y_true, y_score, *, average="macro", sample_weight=None, max_fpr=None, multi_class="raise", labels=None
):
    r"""Area under the ROC curve: the probability that a random positive outranks a random negative.

    .. math:: AUC = \frac{1}{P\,N}\sum_{i:\,y_i=1}\ \sum_{j:\,y_j=0}
              \Big([s_i > s_j] + \tfrac12 [s_i = s_j]\Big)

    which equals the trapezoidal area under :func:`roc_curve`. Multiclass problems are scored one
    class against the rest (``multi_class='ovr'``) or over every pair of classes (``'ovo'``, Hand
    and Till), then averaged.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels. For two classes the greater label is the positive one.
    y_score : array-like of shape (n_samples,) or (n_samples, n_classes)
        Scores of the positive class (binary), or probabilities of each sorted class (multiclass,
        rows summing to 1).
    average : {'macro', 'weighted', 'micro'} or None, default='macro'
        Multiclass only: plain mean over classes, mean weighted by class support, pooled ('ovr'
        only), or one score per class (``None``).
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample ('ovo' takes none).
    max_fpr : float in (0, 1], default=None
        Binary only: standardised partial AUC up to this false positive rate.
    multi_class : {'raise', 'ovr', 'ovo'}, default='raise'
        Multiclass strategy; 'raise' refuses multiclass targets.
    labels : array-like of shape (n_classes,), default=None
        Multiclass only: the sorted classes the columns of ``y_score`` stand for.

    Returns
    -------
    auc : float or ndarray
        NaN, with an ``UndefinedMetricWarning``, when ``y_true`` holds a single class.

    Examples
    --------
    >>> from mlcourse.metrics import roc_auc_score
    >>> roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    >>> y_score = [[0.5, 0.2, 0.3], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.3, 0.3, 0.4]]
    >>> roc_auc_score([0, 1, 2, 1], y_score, multi_class="ovr")
    0.9583333333333334
    """
    if max_fpr is not None and not 0 < max_fpr <= 1:
        raise ValueError(f"max_fpr must be in (0, 1], got {max_fpr!r}")
    y_true = check_class_labels(y_true, "y_true")
    y_score_arr = as_float(y_score, "y_score", max_ndim=2)
    check_not_empty(y_true, "y_true")
    weight = None if sample_weight is None else as_1d(sample_weight, "sample_weight")
    y_type, classes = binary_classes(y_true)
    if y_type == "multiclass" or (y_score_arr.ndim == 2 and y_score_arr.shape[1] > 2):
        if max_fpr is not None and max_fpr != 1.0:
            raise ValueError(f"max_fpr: partial AUC is not available for multiclass targets, got max_fpr={max_fpr}")
        check_option(multi_class, "multi_class", ("raise", "ovr", "ovo"))
        if multi_class == "raise":
            raise ValueError("multi_class must be 'ovr' or 'ovo' for multiclass y_true (default 'raise')")
        return _multiclass_auc(y_true, y_score_arr, labels, multi_class, average, weight)
    check_option(average, "average", (None, "micro", "macro", "weighted", "samples"))
    return _binary_roc_auc(y_true, y_score_arr, classes, weight, max_fpr)


def _binary_roc_auc(y_true, y_score, classes, weight, max_fpr):
    """ROC AUC (partial up to ``max_fpr``, if given) of at most two classes, the greater one positive."""
    if len(classes) < 2:  # scikit-learn checks this first and answers NaN, whatever the other inputs
        warn("Only one class is present in y_true. ROC AUC score is not defined in that case.")
        return np.nan
    if y_score.ndim == 2 and y_score.shape[1] == 1:
        y_score = y_score[:, 0]
    if y_score.ndim == 2:
        raise ValueError(f"y_score must be 1-D for binary y_true, got an array of shape {y_score.shape}")
    check_same_length(y_true=y_true, y_score=y_score)
    weight = check_sample_weight(weight, len(y_true))
    is_pos = y_true == classes[-1]
    if max_fpr is not None:
        return _partial_auc(is_pos, y_score, weight, max_fpr)
    return _binary_auc(is_pos, y_score, weight)


def _multiclass_auc(y_true, y_score, labels, multi_class, average, weight):
    if y_score.ndim != 2:
        raise ValueError(
            f"y_score needs to be of shape (n_samples, n_classes), since y_true contains multiple classes. "
            f"Got y_score.shape={y_score.shape}."
        )
    check_same_length(y_true=y_true, y_score=y_score, sample_weight=weight)
    if not np.allclose(1, y_score.sum(axis=1)):
        raise ValueError(
            "y_score: target scores need to be probabilities for multiclass roc_auc, i.e. they should sum up to 1.0 over classes"
        )
    averages = (("micro",) if multi_class == "ovr" else ()) + ("macro", "weighted", None)
    check_option(average, "average", averages)
    if average is None and multi_class == "ovo":
        # sklearn raises NotImplementedError here; to a learner it is a bad combination of arguments.
        raise ValueError("average=None is not supported with multi_class='ovo'; use 'macro' or 'weighted'")
    codes = _class_codes(y_true, y_score, labels)
    if multi_class == "ovo":
        if weight is not None:
            raise ValueError("sample_weight is not supported for multiclass one-vs-one ROC AUC")
        return _ovo_auc(codes, y_score, average)
    # sklearn scores a weighted average whose class weights sum to zero as 0 before looking at any
    # class, so all-zero weights are allowed here and caught by the support check below.
    weight = check_sample_weight(weight, len(codes), allow_all_zero=average == "weighted")
    one_hot = codes[:, None] == np.arange(y_score.shape[1])
    support = None
    if average == "weighted":
        support = one_hot.sum(axis=0) if weight is None else (one_hot * weight[:, None]).sum(axis=0)
        if np.isclose(support.sum(), 0):
            return 0
    if average == "micro":
        # Pool every (sample, class) cell into one binary problem.
        w = None if weight is None else np.repeat(weight, y_score.shape[1])
        return _binary_auc(one_hot.ravel(), y_score.ravel(), w)
    scores = np.array([_binary_auc(one_hot[:, c], y_score[:, c], weight) for c in range(y_score.shape[1])])
    if average is None:
        return scores
    if support is not None:
        scores[support == 0] = 0  # a class with no support must not bring a NaN into the mean
    return float(np.average(scores, weights=support))


def _class_codes(y_true, y_score, labels):
    """``y_true`` as indices of the columns of ``y_score``: into ``labels`` if given, else its sorted classes."""
    if labels is None:
        classes = unique_labels(y_true)
        if len(classes) != y_score.shape[1]:
            raise ValueError("y_score: number of classes in y_true not equal to the number of columns in y_score")
        return positions(classes, y_true)
    labels = as_1d(labels, "labels")
    classes = unique_labels(labels)
    if len(classes) != len(labels):
        raise ValueError("labels must be unique")
    if np.any(classes != labels):
        raise ValueError("labels must be ordered")
    if len(classes) != y_score.shape[1]:
        raise ValueError(
            f"labels: number of given labels, {len(classes)}, not equal to the number of columns in "
            f"y_score, {y_score.shape[1]}"
        )
    codes = positions(classes, y_true)
    if np.any(codes == len(classes)):
        raise ValueError("y_true contains labels not in parameter labels")
    return codes


def _ovo_auc(codes, y_score, average):
    """Hand & Till: mean over class pairs (a, b) of the AUCs of a-vs-b and b-vs-a on those samples."""
    present = np.unique(codes)
    pair_scores, prevalence = [], []
    for a, b in combinations(present, 2):
        in_pair = (codes == a) | (codes == b)
        prevalence.append(np.average(in_pair))
        is_a = codes[in_pair] == a
        auc_a = _binary_auc(is_a, y_score[in_pair, a], None)
        auc_b = _binary_auc(~is_a, y_score[in_pair, b], None)
        pair_scores.append((auc_a + auc_b) / 2)
    return float(np.average(pair_scores, weights=prevalence if average == "weighted" else None))


def average_precision_score(y_true, y_score, *, average="macro", pos_label=1, sample_weight=None):
    r"""Average precision: the precision-recall curve summarised as a step-function area.

    .. math:: AP = \sum_n (R_n - R_{n-1})\,P_n

    over thresholds from the highest score down (no interpolation between points).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_score : array-like of shape (n_samples,) or (n_samples, n_classes)
        Scores of the positive class, or of each sorted class for multiclass ``y_true``.
    average : {'macro', 'weighted', 'micro'} or None, default='macro'
        Multiclass only: how to combine the one-vs-rest scores of the classes.
    pos_label : int, float, bool or str, default=1
        Positive class of a binary problem.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.

    Returns
    -------
    average_precision : float or ndarray

    Examples
    --------
    >>> from mlcourse.metrics import average_precision_score
    >>> round(average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
    0.8333
    """
    check_option(average, "average", (None, "micro", "macro", "weighted", "samples"))
    y_true = check_class_labels(y_true, "y_true")
    y_type, classes = binary_classes(y_true)
    if y_type == "binary":
        if len(classes) == 2 and positions(classes, np.asarray([pos_label]))[0] == len(classes):
            raise ValueError(f"pos_label={pos_label!r} is not a valid label: it should be one of {classes}")
        return _binary_average_precision(y_true, y_score, pos_label, sample_weight)
    if pos_label != 1:
        raise ValueError("pos_label is fixed to 1 for multiclass y_true. Do not set pos_label or set pos_label to 1.")
    return _multiclass_average_precision(y_true, y_score, classes, average, sample_weight)


def _multiclass_average_precision(y_true, y_score, classes, average, sample_weight):
    """One-vs-rest average precision of each class, combined as ``average`` says."""
    y_score = as_float(y_score, "y_score", max_ndim=2)
    one_hot = positions(classes, y_true)[:, None] == np.arange(len(classes))
    if y_score.shape != one_hot.shape:
        raise ValueError(
            f"y_score needs to be of shape (n_samples, n_classes), since y_true contains multiple classes. "
            f"Got y_score.shape={y_score.shape}."
        )
    weight = None if sample_weight is None else as_1d(sample_weight, "sample_weight")
    check_same_length(y_true=y_true, y_score=y_score, sample_weight=weight)
    if average == "micro":
        w = None if weight is None else np.repeat(weight, len(classes))
        return _binary_average_precision(one_hot.ravel(), y_score.ravel(), True, w)
    if average == "samples":
        raise ValueError("average='samples' needs multilabel y_true; mlcourse does not support multilabel targets")
    scores = np.array(
        [_binary_average_precision(one_hot[:, c], y_score[:, c], True, weight) for c in range(len(classes))]
    )
    if average is None:
        return scores
    support = None
    if average == "weighted":
        w = np.ones(len(y_true)) if weight is None else np.asarray(weight, dtype=np.float64)
        support = (one_hot * w[:, None]).sum(axis=0)
        if np.isclose(support.sum(), 0):
            return 0
        scores[support == 0] = 0
    return float(np.average(scores, weights=support))


def _binary_average_precision(y_true, y_score, pos_label, sample_weight) -> float:
    precision, recall, _ = precision_recall_curve(y_true, y_score, pos_label=pos_label, sample_weight=sample_weight)
    # Step-function area; the last precision is the closing 1 (recall 0) and is not a step.
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))
