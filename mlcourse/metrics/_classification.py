"""Classification metrics computed from labels (confusion matrix family) and from probabilities."""

from __future__ import annotations

import math
import warnings
from numbers import Real

import numpy as np

from mlcourse._validation import (
    as_1d,
    check_class_labels,
    check_not_empty,
    check_option,
    check_param,
    check_same_length,
    check_sample_weight,
    default_pos_label,
    label_in,
    unique_labels,
)
from mlcourse.metrics._validation import (
    Targets,
    as_float,
    check_targets,
    check_zero_division,
    confusion_counts,
    encode,
    positions,
    warn,
    weighted_mean,
)

_AVERAGES = ("binary", "micro", "macro", "weighted", None)

# ---------------------------------------------------------------------------------------------
# Confusion matrix and the scores read straight off it
# ---------------------------------------------------------------------------------------------


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    r"""Count how often each true class was predicted as each class.

    .. math:: C_{ij} = \sum_k w_k \,[y^{true}_k = \ell_i]\,[y^{pred}_k = \ell_j]

    Rows are true classes, columns predicted classes. For a binary problem with labels 0 and 1,
    ``C = [[TN, FP], [FN, TP]]``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_pred : array-like of shape (n_samples,)
        Predicted class labels.
    labels : array-like of shape (n_classes,), default=None
        Classes to index the matrix with, in this order. Samples whose labels are not listed are
        left out; listed labels that never occur get zero rows and columns. By default the sorted
        union of the labels in ``y_true`` and ``y_pred``.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample (every sample counts 1 by default).
    normalize : {'true', 'pred', 'all'}, default=None
        Divide by the row sums ('true'), the column sums ('pred') or the grand total ('all');
        0/0 becomes 0.

    Returns
    -------
    C : ndarray of shape (n_classes, n_classes)
        Integer counts, or floats when weighted or normalised.

    Examples
    --------
    >>> from mlcourse.metrics import confusion_matrix
    >>> confusion_matrix([0, 1, 1, 0, 1], [0, 1, 0, 0, 1])
    array([[2, 0],
           [1, 2]])
    >>> confusion_matrix(["cat", "dog", "dog"], ["dog", "dog", "dog"], normalize="true")
    array([[0., 1.],
           [0., 1.]])
    """
    check_option(normalize, "normalize", (None, "true", "pred", "all"))
    targets = check_targets(y_true, y_pred, sample_weight)
    cm = confusion_counts(targets)
    if labels is not None:
        labels = as_1d(labels, "labels")
        if len(labels) == 0:
            raise ValueError("labels should contain at least one label")
        idx = positions(targets.classes, labels)
        in_y_true = np.append(np.bincount(targets.true, minlength=len(targets.classes)) > 0, False)
        if not in_y_true[idx].any():
            raise ValueError("labels: at least one label specified must be in y_true")
        cm = _pad(cm)[np.ix_(idx, idx)]  # a label never seen points at the zero row/column
    if normalize is not None:
        cm = _normalized(cm, normalize)
    _warn_if_single_label(cm)
    return cm


def _normalized(cm: np.ndarray, normalize: str) -> np.ndarray:
    """``cm`` divided by its row sums ('true'), column sums ('pred') or grand total ('all'); 0/0 becomes 0."""
    with np.errstate(all="ignore"):  # empty rows/columns give 0/0, replaced by 0 just after
        if normalize == "true":
            cm = cm / cm.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            cm = cm / cm.sum(axis=0, keepdims=True)
        else:
            cm = cm / cm.sum()
    return np.nan_to_num(cm)


def _warn_if_single_label(cm: np.ndarray) -> None:
    if cm.shape == (1, 1):
        warn(
            "A single label was found in 'y_true' and 'y_pred'. For the confusion matrix to have the "
            "correct shape, use the 'labels' parameter to pass all known labels.",
            UserWarning,
        )


def _pad(cm: np.ndarray) -> np.ndarray:
    """Append one zero row and column: the slot for labels that occur nowhere."""
    return np.pad(cm, ((0, 1), (0, 1)))


def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None):
    r"""Fraction (or number) of samples predicted correctly.

    .. math:: \text{accuracy} = \frac{\sum_k w_k [y^{true}_k = y^{pred}_k]}{\sum_k w_k}

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_pred : array-like of shape (n_samples,)
        Predicted class labels.
    normalize : bool, default=True
        Return the fraction correct; ``False`` returns the (weighted) count of correct samples.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from mlcourse.metrics import accuracy_score
    >>> accuracy_score([0, 1, 2, 3], [0, 2, 1, 3])
    0.5
    >>> accuracy_score([0, 1, 2, 3], [0, 2, 1, 3], normalize=False)
    2.0
    """
    targets = check_targets(y_true, y_pred, sample_weight)
    return weighted_mean(targets.true == targets.pred, targets.weight, normalize)


def balanced_accuracy_score(y_true, y_pred, *, sample_weight=None, adjusted=False):
    r"""Mean of the recall of each class: accuracy that every class counts for equally.

    .. math:: \text{balanced accuracy} = \frac{1}{K}\sum_{i=1}^{K} \frac{C_{ii}}{\sum_j C_{ij}}

    With ``adjusted=True`` it is rescaled so that chance scores 0 and perfect scores 1:
    :math:`(\text{score} - 1/K) / (1 - 1/K)`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_pred : array-like of shape (n_samples,)
        Predicted class labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.
    adjusted : bool, default=False
        Rescale for chance.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from mlcourse.metrics import balanced_accuracy_score
    >>> balanced_accuracy_score([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1])
    0.625
    """
    cm = confusion_counts(check_targets(y_true, y_pred, sample_weight))
    _warn_if_single_label(cm)  # as the confusion matrix does
    with np.errstate(divide="ignore", invalid="ignore"):
        per_class = np.diag(cm) / cm.sum(axis=1)
    if np.isnan(per_class).any():
        # A class that is predicted but never true has no recall: leave it out of the mean.
        warn("y_pred contains classes not in y_true", UserWarning)
        per_class = per_class[~np.isnan(per_class)]
    score = np.mean(per_class)
    if adjusted:
        chance = 1 / len(per_class)
        with np.errstate(divide="ignore", invalid="ignore"):  # one class: chance is 1, the score NaN
            score = (score - chance) / (1 - chance)
    return float(score)


def matthews_corrcoef(y_true, y_pred, *, sample_weight=None):
    r"""Matthews correlation coefficient: the correlation between true and predicted classes.

    With :math:`t_k` the true count and :math:`p_k` the predicted count of class k, :math:`c`
    the correct count and :math:`s` the total (all from the confusion matrix):

    .. math:: \text{MCC} = \frac{c\,s - \sum_k p_k t_k}
              {\sqrt{(s^2 - \sum_k p_k^2)(s^2 - \sum_k t_k^2)}}

    For two classes this is :math:`\frac{TP\,TN - FP\,FN}{\sqrt{(TP+FP)(TP+FN)(TN+FP)(TN+FN)}}`.
    It is 0 when the denominator is 0 (constant predictions or truth).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_pred : array-like of shape (n_samples,)
        Predicted class labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.

    Returns
    -------
    mcc : float
        Between -1 and +1; 0 is no better than chance.

    Examples
    --------
    >>> from mlcourse.metrics import matthews_corrcoef
    >>> round(matthews_corrcoef([+1, +1, +1, -1], [+1, -1, +1, +1]), 4)
    -0.3333
    """
    cm = confusion_counts(check_targets(y_true, y_pred, sample_weight))
    _warn_if_single_label(cm)  # as the confusion matrix does
    t_sum = cm.sum(axis=1, dtype=np.float64)
    p_sum = cm.sum(axis=0, dtype=np.float64)
    n_correct = np.trace(cm, dtype=np.float64)
    n_samples = p_sum.sum()
    cov_ytyp = n_correct * n_samples - np.dot(t_sum, p_sum)
    cov_ypyp = n_samples**2 - np.dot(p_sum, p_sum)
    cov_ytyt = n_samples**2 - np.dot(t_sum, t_sum)
    if cov_ypyp * cov_ytyt == 0:
        return 0.0
    return float(cov_ytyp / np.sqrt(cov_ypyp * cov_ytyt))


# ---------------------------------------------------------------------------------------------
# Precision, recall and F-scores
# ---------------------------------------------------------------------------------------------


def _select_labels(targets: Targets, average, labels, pos_label):
    """Which labels the scores are computed for (the rules of scikit-learn's ``labels``/``pos_label``)."""
    check_option(average, "average", _AVERAGES)
    if average == "binary":
        if targets.y_type != "binary":
            raise ValueError(
                "average='binary' needs binary targets but y_true and y_pred are multiclass; choose "
                "average=None, 'micro', 'macro' or 'weighted'."
            )
        if not label_in(pos_label, targets.classes) and len(targets.classes) >= 2:
            raise ValueError(f"pos_label={pos_label!r} is not a valid label: it should be one of {targets.classes}")
        return np.asarray([pos_label])
    if pos_label not in (None, 1):
        warnings.warn(
            f"Note that pos_label (set to {pos_label!r}) is ignored when average != 'binary' (got "
            f"{average!r}). You may use labels=[pos_label] to specify a single positive class.",
            UserWarning,
            stacklevel=4,
        )
    return targets.classes if labels is None else as_1d(labels, "labels")


def _per_class_counts(targets: Targets):
    """True positives, predictions and true samples of each class (weighted sums when weighted)."""
    k, w = len(targets.classes), targets.weight
    correct = targets.true == targets.pred
    if correct.any():
        tp = np.bincount(targets.true[correct], weights=None if w is None else w[correct], minlength=k)
    else:
        tp = np.zeros(k)  # float zeros, as scikit-learn: its supports then print as floats ("3.0")
    pred = np.bincount(targets.pred, weights=w, minlength=k)
    true = np.bincount(targets.true, weights=w, minlength=k)
    # scikit-learn derives FP = pred - TP and FN = true - TP, then adds TP back. The round trip is
    # the identity in exact arithmetic; we take it too so that weighted float sums round the same.
    return tp, tp + (pred - tp), tp + (true - tp)


def _chosen_counts(targets: Targets, chosen: np.ndarray, average):
    """True positives, predictions and true samples of each chosen label (pooled into one for 'micro')."""
    tp_all, pred_all, true_all = _per_class_counts(targets)
    # A label absent from the data reads the zero slot at the end.
    idx = positions(targets.classes, chosen)
    counts = [np.append(x, 0)[idx] for x in (tp_all, pred_all, true_all)]
    if average == "micro":
        counts = [np.array([x.sum()]) for x in counts]
    return counts


def _f_score(beta, tp_sum, pred_sum, true_sum, average, warn_for, zero_division):
    """F_beta = (1 + b^2) P R / (b^2 P + R), rewritten with counts so that 0/0 shows up cleanly."""
    beta2 = beta**2
    denom = beta2 * true_sum.astype(np.float64) + pred_sum.astype(np.float64)
    numer = (1 + beta2) * tp_sum.astype(np.float64)
    return _divide(numer, denom, "f-score", "true nor predicted", average, warn_for, zero_division)


def _divide(numerator, denominator, metric, modifier, average, warn_for, zero_division):
    """``numerator / denominator``; where the denominator is 0 put ``zero_division`` (and maybe warn)."""
    zero = denominator == 0
    denominator = np.where(zero, 1, denominator).astype(np.float64)
    result = numerator.astype(np.float64) / denominator
    if not zero.any():
        return result
    result[zero] = check_zero_division(zero_division)
    if isinstance(zero_division, str) and metric in warn_for:
        where = "due to" if len(result) == 1 else "in labels with"
        warn(
            f"{metric.capitalize()} is ill-defined and being set to 0.0 {where} no {modifier} samples. "
            "Use `zero_division` parameter to control this behavior."
        )
    return result


def _nanaverage(scores, weights):
    """Average that skips NaN scores (``zero_division=np.nan``); unweighted if the weights sum to 0."""
    keep = ~np.isnan(scores)
    if not keep.any():
        return np.nan
    if weights is None:
        return np.nanmean(scores)
    if np.sum(weights[keep]) == 0:
        return np.average(scores[keep])
    return np.average(scores[keep], weights=weights[keep])


def precision_recall_fscore_support(
    y_true,
    y_pred,
    *,
    beta=1.0,
    labels=None,
    pos_label=1,
    average=None,
    warn_for=("precision", "recall", "f-score"),
    sample_weight=None,
    zero_division="warn",
):
    r"""Precision, recall, F-beta score and support of each class, or their average.

    Per class, from the true positives (TP), false positives (FP) and false negatives (FN):

    .. math:: P = \frac{TP}{TP + FP}, \quad R = \frac{TP}{TP + FN}, \quad
              F_\beta = \frac{(1 + \beta^2)\,TP}{(1 + \beta^2)\,TP + \beta^2 FN + FP}

    and the support is TP + FN, the (weighted) number of true samples of the class.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_pred : array-like of shape (n_samples,)
        Predicted class labels.
    beta : float, default=1.0
        Weight of recall against precision in the F-score (``np.inf``: recall only, 0: precision).
    labels : array-like, default=None
        Classes to report (and their order when ``average=None``); a listed class absent from the
        data scores 0/0. Ignored when ``average='binary'``. Default: every class, sorted.
    pos_label : int, float, bool or str, default=1
        The positive class when ``average='binary'``.
    average : {'binary', 'micro', 'macro', 'weighted'} or None, default=None
        ``None``: one score per class. ``'binary'``: the ``pos_label`` class only. ``'micro'``: pool
        TP, FP, FN over classes. ``'macro'``: plain mean over classes. ``'weighted'``: mean weighted
        by support.
    warn_for : tuple, default=('precision', 'recall', 'f-score')
        Which scores warn when ill-defined (used by the single-score wrappers).
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.
    zero_division : {'warn', 0, 1, np.nan}, default='warn'
        Value of a 0/0 score. ``'warn'`` gives 0 and an ``UndefinedMetricWarning``; ``np.nan``
        scores are left out of averages.

    Returns
    -------
    precision, recall, fbeta_score : float or ndarray of shape (n_labels,)
    support : None or ndarray of shape (n_labels,)
        ``None`` when averaged.

    Examples
    --------
    >>> from mlcourse.metrics import precision_recall_fscore_support
    >>> y_true = ["cat", "dog", "pig", "cat", "dog", "pig"]
    >>> y_pred = ["cat", "pig", "dog", "cat", "cat", "dog"]
    >>> p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None)
    >>> p, r, s
    (array([0.66666667, 0.        , 0.        ]), array([1., 0., 0.]), array([2, 2, 2]))
    >>> precision_recall_fscore_support(y_true, y_pred, average="micro")
    (0.3333333333333333, 0.3333333333333333, 0.3333333333333333, None)
    """
    check_zero_division(zero_division)
    check_param(beta, "beta", Real, min_val=0)
    targets = check_targets(y_true, y_pred, sample_weight)
    chosen = _select_labels(targets, average, labels, pos_label)
    tp_sum, pred_sum, true_sum = _chosen_counts(targets, chosen, average)
    precision = _divide(tp_sum, pred_sum, "precision", "predicted", average, warn_for, zero_division)
    recall = _divide(tp_sum, true_sum, "recall", "true", average, warn_for, zero_division)
    if np.isposinf(beta):
        f_score = recall
    elif beta == 0:
        f_score = precision
    else:
        f_score = _f_score(beta, tp_sum, pred_sum, true_sum, average, warn_for, zero_division)
    if average is None:
        return precision, recall, f_score, true_sum
    weights = true_sum if average == "weighted" else None
    scores = (float(_nanaverage(s, weights)) for s in (precision, recall, f_score))
    return (*scores, None)


def precision_score(
    y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None, zero_division="warn"
):
    r"""Precision: of the samples predicted positive, the fraction that are positive.

    .. math:: P = \frac{TP}{TP + FP}

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_pred : array-like of shape (n_samples,)
        Predicted class labels.
    labels : array-like, default=None
        Classes to include when ``average != 'binary'`` (and their order when ``average=None``).
    pos_label : int, float, bool or str, default=1
        The positive class when ``average='binary'``.
    average : {'binary', 'micro', 'macro', 'weighted'} or None, default='binary'
        ``None`` returns one score per class; see :func:`precision_recall_fscore_support`.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.
    zero_division : {'warn', 0, 1, np.nan}, default='warn'
        Value returned for 0/0; ``'warn'`` returns 0 and emits an ``UndefinedMetricWarning``.

    Returns
    -------
    score : float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> from mlcourse.metrics import precision_score
    >>> precision_score([0, 1, 1, 0, 1], [1, 1, 0, 0, 1])
    0.6666666666666666
    >>> precision_score([0, 0, 1], [0, 0, 0], zero_division=0)
    0.0
    """
    p, _, _, _ = precision_recall_fscore_support(
        y_true,
        y_pred,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=("precision",),
        sample_weight=sample_weight,
        zero_division=zero_division,
    )
    return p


def recall_score(
    y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None, zero_division="warn"
):
    r"""Recall (sensitivity): of the positive samples, the fraction predicted positive.

    .. math:: R = \frac{TP}{TP + FN}

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_pred : array-like of shape (n_samples,)
        Predicted class labels.
    labels : array-like, default=None
        Classes to include when ``average != 'binary'`` (and their order when ``average=None``).
    pos_label : int, float, bool or str, default=1
        The positive class when ``average='binary'``.
    average : {'binary', 'micro', 'macro', 'weighted'} or None, default='binary'
        ``None`` returns one score per class; see :func:`precision_recall_fscore_support`.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.
    zero_division : {'warn', 0, 1, np.nan}, default='warn'
        Value returned for 0/0; ``'warn'`` returns 0 and emits an ``UndefinedMetricWarning``.

    Returns
    -------
    score : float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> from mlcourse.metrics import recall_score
    >>> recall_score([0, 1, 1, 0, 1], [1, 1, 0, 0, 1])
    0.6666666666666666
    >>> recall_score(["a", "b", "c", "a"], ["a", "c", "c", "b"], average="macro")
    0.5
    """
    _, r, _, _ = precision_recall_fscore_support(
        y_true,
        y_pred,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=("recall",),
        sample_weight=sample_weight,
        zero_division=zero_division,
    )
    return r


def fbeta_score(
    y_true,
    y_pred,
    *,
    beta,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    r"""F-beta score: weighted harmonic mean of precision and recall.

    .. math:: F_\beta = \frac{(1 + \beta^2)\,P\,R}{\beta^2 P + R}
              = \frac{(1 + \beta^2)\,TP}{(1 + \beta^2)\,TP + \beta^2 FN + FP}

    ``beta > 1`` favours recall, ``beta < 1`` precision.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_pred : array-like of shape (n_samples,)
        Predicted class labels.
    beta : float
        Weight of recall against precision (keyword only, required).
    labels : array-like, default=None
        Classes to include when ``average != 'binary'`` (and their order when ``average=None``).
    pos_label : int, float, bool or str, default=1
        The positive class when ``average='binary'``.
    average : {'binary', 'micro', 'macro', 'weighted'} or None, default='binary'
        ``None`` returns one score per class; see :func:`precision_recall_fscore_support`.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.
    zero_division : {'warn', 0, 1, np.nan}, default='warn'
        Value returned for 0/0; ``'warn'`` returns 0 and emits an ``UndefinedMetricWarning``.

    Returns
    -------
    score : float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> from mlcourse.metrics import fbeta_score
    >>> round(fbeta_score([0, 1, 1, 0, 1], [1, 1, 0, 0, 0], beta=2), 4)
    0.3571
    """
    _, _, f, _ = precision_recall_fscore_support(
        y_true,
        y_pred,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=("f-score",),
        sample_weight=sample_weight,
        zero_division=zero_division,
    )
    return f


def f1_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None, zero_division="warn"):
    r"""F1 score: harmonic mean of precision and recall.

    .. math:: F_1 = \frac{2\,P\,R}{P + R} = \frac{2\,TP}{2\,TP + FN + FP}

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_pred : array-like of shape (n_samples,)
        Predicted class labels.
    labels : array-like, default=None
        Classes to include when ``average != 'binary'`` (and their order when ``average=None``).
    pos_label : int, float, bool or str, default=1
        The positive class when ``average='binary'``.
    average : {'binary', 'micro', 'macro', 'weighted'} or None, default='binary'
        ``None`` returns one score per class; see :func:`precision_recall_fscore_support`.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.
    zero_division : {'warn', 0, 1, np.nan}, default='warn'
        Value returned for 0/0; ``'warn'`` returns 0 and emits an ``UndefinedMetricWarning``.

    Returns
    -------
    score : float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> from mlcourse.metrics import f1_score
    >>> f1_score([0, 1, 1, 0, 1], [1, 1, 0, 0, 1])
    0.6666666666666666
    >>> f1_score([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], average=None)
    array([0.8, 0. , 0. ])
    """
    return fbeta_score(
        y_true,
        y_pred,
        beta=1,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )


def classification_report(
    y_true,
    y_pred,
    *,
    labels=None,
    target_names=None,
    sample_weight=None,
    digits=2,
    output_dict=False,
    zero_division="warn",
):
    r"""Text table (or dict) of precision, recall, F1 and support per class, with averages.

    Each row applies :func:`precision_recall_fscore_support` to one class; the last rows are the
    accuracy (the micro average, when every class is reported) and the macro and weighted averages.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_pred : array-like of shape (n_samples,)
        Predicted class labels.
    labels : array-like of shape (n_labels,), default=None
        Classes to report. Default: every class, sorted.
    target_names : list of str of shape (n_labels,), default=None
        Display names of the classes.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.
    digits : int, default=2
        Decimals printed (ignored with ``output_dict=True``).
    output_dict : bool, default=False
        Return a dict ``{class: {"precision": ..., "recall": ..., "f1-score": ..., "support": ...}}``.
    zero_division : {'warn', 0, 1, np.nan}, default='warn'
        Value of a 0/0 score.

    Returns
    -------
    report : str or dict

    Examples
    --------
    >>> from mlcourse.metrics import classification_report
    >>> print(classification_report([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], target_names=["a", "b", "c"]))
                  precision    recall  f1-score   support
    <BLANKLINE>
               a       0.50      1.00      0.67         1
               b       0.00      0.00      0.00         1
               c       1.00      0.67      0.80         3
    <BLANKLINE>
        accuracy                           0.60         5
       macro avg       0.50      0.56      0.49         5
    weighted avg       0.70      0.60      0.61         5
    <BLANKLINE>
    """
    targets = check_targets(y_true, y_pred, sample_weight)
    labels, target_names, micro_is_accuracy = _report_labels(targets, labels, target_names)

    def prfs(average):
        return precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=average, sample_weight=sample_weight, zero_division=zero_division
        )

    p, r, f1, s = prfs(None)
    rows = list(zip(target_names, p, r, f1, s, strict=False))  # sklearn truncates too
    averages = {}
    for average in ("micro", "macro", "weighted"):
        heading = "accuracy" if average == "micro" and micro_is_accuracy else f"{average} avg"
        avg_p, avg_r, avg_f1, _ = prfs(average)
        averages[heading] = [avg_p, avg_r, avg_f1, np.sum(s)]
    if output_dict:
        return _report_dict(rows, averages)
    return _report_text(rows, averages, target_names, digits)


_REPORT_HEADERS = ["precision", "recall", "f1-score", "support"]


def _report_labels(targets: Targets, labels, target_names):
    """The labels to report, their display names, and whether the micro average is the accuracy."""
    labels_given = labels is not None
    labels = as_1d(labels, "labels") if labels_given else targets.classes
    # "accuracy" replaces "micro avg" when every class is reported: the two are then equal.
    micro_is_accuracy = not labels_given or set(labels.tolist()) >= set(targets.classes.tolist())
    if target_names is not None and len(labels) != len(target_names):
        if labels_given:
            warnings.warn(
                f"labels size, {len(labels)}, does not match size of target_names, {len(target_names)}", stacklevel=3
            )
        else:
            raise ValueError(
                f"target_names: number of classes, {len(labels)}, does not match size of target_names, "
                f"{len(target_names)}. Try specifying the labels parameter"
            )
    if target_names is None:
        target_names = [f"{label}" for label in labels.tolist()]
    return labels, target_names, micro_is_accuracy


def _report_dict(rows, averages) -> dict:
    """``{name: {"precision": ..., "recall": ..., "f1-score": ..., "support": ...}}``; accuracy is one number."""
    report = {name: dict(zip(_REPORT_HEADERS, [float(v) for v in values], strict=True)) for name, *values in rows}
    for heading, values in averages.items():
        report[heading] = dict(zip(_REPORT_HEADERS, [float(v) for v in values], strict=True))
    if "accuracy" in report:
        report["accuracy"] = report["accuracy"]["precision"]
    return report


def _report_text(rows, averages, target_names, digits) -> str:
    """The report as scikit-learn prints it: one row per class, a blank line, then the averages."""
    width = max(max(len(name) for name in target_names), len("weighted avg"), digits)
    text = ("{:>{width}s} " + " {:>9}" * len(_REPORT_HEADERS)).format("", *_REPORT_HEADERS, width=width) + "\n\n"
    row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
    for row in rows:
        text += row_fmt.format(*row, width=width, digits=digits)
    text += "\n"
    for heading, values in averages.items():
        if heading == "accuracy":  # accuracy is one number: print it in the f1-score column
            fmt = "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
            text += fmt.format(heading, "", "", *values[2:], width=width, digits=digits)
        else:
            text += row_fmt.format(heading, *values, width=width, digits=digits)
    return text


# ---------------------------------------------------------------------------------------------
# Scores of predicted probabilities
# ---------------------------------------------------------------------------------------------


def _check_proba_range(y_proba: np.ndarray) -> None:
    if y_proba.max() > 1:
        raise ValueError(f"y_proba must be in [0, 1]; it contains values greater than 1: {y_proba.max()}")
    if y_proba.min() < 0:
        raise ValueError(f"y_proba must be in [0, 1]; it contains values lower than 0: {y_proba.min()}")


def _check_multiclass_proba(y_true, y_proba: np.ndarray, sample_weight, labels):
    """Validate class labels against a probability matrix; return ``y_true`` as class indices,
    the (n_samples, n_classes) probabilities and the sample weights."""
    _check_proba_range(y_proba)
    check_same_length(y_proba=y_proba, y_true=as_1d(y_true, "y_true"))
    weight = check_sample_weight(sample_weight, len(y_proba))
    y_true = check_class_labels(y_true, "y_true")
    if labels is not None:
        labels = as_1d(labels, "labels")
        classes = unique_labels(labels)
        if len(classes) != len(labels) or np.any(classes != labels):
            warnings.warn(
                f"Labels passed were {labels}. But this function assumes labels are ordered "
                f"lexicographically. Pass the ordered labels={classes.tolist()} and ensure that the "
                "columns of y_prob correspond to this ordering.",
                UserWarning,
                stacklevel=3,
            )
        codes = positions(classes, y_true)
        if np.any(codes == len(classes)):
            unseen = set(y_true[codes == len(classes)].tolist())
            raise ValueError(f"y_true contains values {unseen} not belonging to the passed labels {labels}.")
    else:
        classes, codes, _ = encode(y_true, y_true[:0])
    if len(classes) == 1:
        if labels is None:
            raise ValueError(
                f"y_true contains only one label ({classes[0]}). Please provide the list of all expected "
                "class labels explicitly through the labels argument."
            )
        raise ValueError(f"labels: the labels array needs to contain at least two labels, got {classes}.")
    if y_proba.ndim == 1:
        y_proba = y_proba[:, None]
    if y_proba.shape[1] == 1:
        y_proba = np.concatenate([1 - y_proba, y_proba], axis=1)
    row_sums = y_proba.sum(axis=1)
    if not np.all(np.isclose(row_sums, 1, rtol=math.sqrt(np.finfo(y_proba.dtype).eps), atol=1e-8)):
        warnings.warn(
            "The y_prob values do not sum to one. Make sure to pass probabilities.", UserWarning, stacklevel=3
        )
    if len(classes) != y_proba.shape[1]:
        if labels is None:
            raise ValueError(
                f"y_true and y_proba contain different number of classes: {len(classes)} vs {y_proba.shape[1]}. "
                f"Please provide the true labels explicitly through the labels argument. Classes found in y_true: "
                f"{classes}"
            )
        raise ValueError(
            f"labels: the number of classes in labels is different from that in y_proba. Classes found in "
            f"labels: {classes}"
        )
    return codes, y_proba, weight


def _proba_array(y_proba) -> np.ndarray:
    y_proba = as_float(y_proba, "y_proba", max_ndim=2)
    check_not_empty(y_proba, "y_proba")
    return y_proba


def log_loss(y_true, y_proba, *, normalize=True, sample_weight=None, labels=None):
    r"""Logistic (cross-entropy) loss of predicted class probabilities.

    .. math:: L = -\frac{1}{\sum_k w_k}\sum_k w_k \log p_{k, y_k}

    where :math:`p_{k, y_k}` is the probability given to the true class of sample k, clipped to
    :math:`[\epsilon, 1 - \epsilon]` (machine epsilon) so that a confident mistake costs a large
    but finite amount.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels (at least two classes, or pass ``labels``).
    y_proba : array-like of shape (n_samples,) or (n_samples, n_classes)
        Predicted probabilities; columns follow the sorted classes. A 1-D array is the probability
        of the greater class of a binary problem.
    normalize : bool, default=True
        Mean loss per sample; ``False`` returns the sum.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.
    labels : array-like, default=None
        All the classes, when ``y_true`` does not show them all.

    Returns
    -------
    loss : float

    Examples
    --------
    >>> from mlcourse.metrics import log_loss
    >>> round(log_loss(["spam", "ham", "ham", "spam"], [[0.1, 0.9], [0.9, 0.1], [0.8, 0.2], [0.35, 0.65]]), 6)
    0.216162
    >>> round(log_loss([0, 1, 1], [0.2, 0.7, 0.9]), 6)
    0.228393
    """
    y_proba = _proba_array(y_proba)
    if y_proba.ndim == 2 and y_proba.shape[1] == 1:
        y_proba = y_proba[:, 0]
    codes, proba, weight = _check_multiclass_proba(y_true, y_proba, sample_weight, labels)
    eps = np.finfo(proba.dtype).eps
    # Only the probability of the true class enters the loss (the one-hot label zeroes the rest).
    p_true = np.clip(proba[np.arange(len(codes)), codes], eps, 1 - eps)
    return weighted_mean(-np.log(p_true), weight, normalize)


def brier_score_loss(y_true, y_proba, *, sample_weight=None, pos_label=None, labels=None, scale_by_half="auto"):
    r"""Brier score: mean squared difference between predicted probabilities and the one-hot truth.

    .. math:: BS = \frac{1}{\sum_k w_k}\sum_k w_k \sum_{c} (p_{kc} - [y_k = c])^2

    halved for binary problems (``scale_by_half='auto'``), which gives the familiar
    :math:`\frac{1}{n}\sum_k (p_k - y_k)^2` with :math:`p_k` the probability of the positive class.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_proba : array-like of shape (n_samples,) or (n_samples, n_classes)
        Probability of the positive class (1-D, binary problems), or of each sorted class (2-D).
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.
    pos_label : int, float, bool or str, default=None
        Positive class of a binary problem; by default 1 when the labels are {0, 1} or {-1, 1},
        else the greater label (strings need it explicitly).
    labels : array-like, default=None
        All the classes, for 2-D ``y_proba``.
    scale_by_half : bool or 'auto', default='auto'
        Halve the sum; 'auto' halves when there are at most two columns.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from mlcourse.metrics import brier_score_loss
    >>> round(brier_score_loss([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]), 4)
    0.0375
    >>> round(brier_score_loss(["eggs", "ham", "ham"], [0.1, 0.9, 0.8], pos_label="ham"), 4)
    0.02
    """
    if not (isinstance(scale_by_half, bool) or scale_by_half == "auto"):
        raise ValueError(f"scale_by_half must be a bool or 'auto', got {scale_by_half!r}")
    y_proba = _proba_array(y_proba)
    if y_proba.ndim == 1 or y_proba.shape[1] == 1:
        truth, proba, weight = _binary_truth(y_true, y_proba.reshape(-1), sample_weight, pos_label)
        # Written on both columns [1 - p, p] exactly as the multiclass formula reads.
        squared = ((1 - truth) - (1 - proba)) ** 2 + (truth - proba) ** 2
        n_columns = 2
    else:
        codes, proba, weight = _check_multiclass_proba(y_true, y_proba, sample_weight, labels)
        one_hot = np.zeros_like(proba)
        one_hot[np.arange(len(codes)), codes] = 1.0
        squared = np.sum((one_hot - proba) ** 2, axis=1)
        n_columns = proba.shape[1]
    score = np.average(squared, weights=weight)
    if scale_by_half == "auto":
        scale_by_half = n_columns < 3
    return float(score * 0.5 if scale_by_half else score)


def _binary_truth(y_true, y_proba, sample_weight, pos_label):
    """Validate a binary problem scored by one probability column; return (is_positive, p, weight)."""
    y_true = check_class_labels(y_true, "y_true")
    check_same_length(y_proba=y_proba, y_true=y_true)
    weight = check_sample_weight(sample_weight, len(y_true))
    classes = unique_labels(y_true)
    if len(classes) > 2:
        raise ValueError(
            "y_true is multiclass but a 1-D y_proba scores one class of a binary problem; pass one "
            "column of probabilities per class."
        )
    _check_proba_range(y_proba)
    if pos_label is None:
        try:
            pos_label = default_pos_label(None, classes)
        except ValueError:
            if classes.dtype.kind in "US":
                raise
            pos_label = classes[-1]  # numbers: the greater label is the positive one
    truth = (y_true == pos_label).astype(np.int64) if label_in(pos_label, classes) else np.zeros(len(y_true), np.int64)
    return truth, y_proba, weight
