"""Per-group decision thresholds that meet a parity constraint at the best accuracy (post-processing).

One threshold per group on the scores of an already trained model: predict positive where
``y_score >= threshold[group]``. Among all such choices, the one with the most correct predictions
whose selection rates (``"demographic_parity"``) or true-positive rates (``"equal_opportunity"``)
differ by at most ``tolerance`` between groups is returned; the search is exact, not on a grid.

fairlearn's ``ThresholdOptimizer`` solves the same problem (Hardt et al., 2016) but may flip a
biased coin between two thresholds to hit the constraint exactly; ours is deterministic (the same
applicant always gets the same answer) and meets it up to ``tolerance``.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils.validation import check_is_fitted

from mlcourse._validation import check_class_labels, check_option, default_pos_label, is_number, label_in, unique_labels
from mlcourse.fairness._validation import Groups, check_scores, check_sensitive_features

CONSTRAINTS = ("demographic_parity", "equal_opportunity")


def _check_tolerance(tolerance) -> float:
    if not is_number(tolerance) or not 0 <= tolerance <= 1:
        raise ValueError(f"tolerance must be a number in [0, 1], got {tolerance!r}")
    return float(tolerance)


def _candidates(true: np.ndarray, score: np.ndarray, constraint: str, group) -> tuple:
    """Every distinct threshold of one group (``inf`` first: nobody selected), its rate and its correct count.

    Lowering the threshold only adds selected samples, so the rate never decreases along the result.
    """
    order = np.argsort(-score, kind="stable")
    s, t = score[order], true[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # last position of each run of equal scores
    thresholds = np.r_[np.inf, s[last]]
    selected = np.r_[0, last + 1]
    tp = np.r_[0, np.cumsum(t)[last]]
    n_pos = int(t.sum())
    n_neg = len(t) - n_pos
    correct = tp + (n_neg - (selected - tp))
    if constraint == "demographic_parity":
        rate = selected / len(t)
    else:
        if n_pos == 0:
            raise ValueError(f"group {group!r} has no positive samples in y_true: equal opportunity needs some")
        rate = tp / n_pos
    return thresholds, rate, correct


def _range_argmax(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Index of the largest of ``values[lo:hi]`` for every (lo, hi) pair, the first one on ties; -1 if empty.

    A sparse table answers each query in O(1) after O(n log n) preparation: ``table[k][i]`` is the
    argmax of the 2**k values starting at i, and any range is covered by two overlapping such blocks.
    """
    n = len(values)
    table = [np.arange(n)]
    k = 1
    while (1 << k) <= n:
        prev, half, m = table[-1], 1 << (k - 1), n - (1 << k) + 1
        a, b = prev[:m], prev[half : half + m]
        table.append(np.where(values[b] > values[a], b, a))  # a < b, so ties keep the first
        k += 1
    length = hi - lo
    result = np.full(len(lo), -1)
    ok = length > 0
    level = np.floor(np.log2(np.maximum(length, 1))).astype(int)
    for k in np.unique(level[ok]):
        q = ok & (level == k)
        a, b = table[k][lo[q]], table[k][hi[q] - (1 << k)]
        va, vb = values[a], values[b]
        result[q] = np.where(vb > va, b, np.where(vb < va, a, np.minimum(a, b)))
    return result


def _fit_thresholds(true: np.ndarray, score: np.ndarray, groups: Groups, constraint: str, tolerance: float):
    """Best per-group thresholds (one per ``groups.values``) and the rate each group gets."""
    per_group = [
        _candidates(true[groups.codes == g], score[groups.codes == g], constraint, value)
        for g, value in enumerate(groups.values.tolist())
    ]
    # max - min <= tolerance  <=>  every rate lies in [x, x + tolerance] where x is the smallest of
    # them, which is one of the rates some group can reach: so these are the only windows to try.
    starts = np.unique(np.concatenate([rate for _, rate, _ in per_group]))
    total = np.zeros(len(starts))
    chosen = []
    for _, rate, correct in per_group:
        lo = np.searchsorted(rate, starts, side="left")
        hi = np.searchsorted(rate, starts + tolerance + 1e-12, side="right")
        best = _range_argmax(correct.astype(np.float64), lo, hi)
        total += np.where(best >= 0, correct[best], -np.inf)
        chosen.append(best)
    chosen = np.array(chosen)  # (n_groups, n_windows)
    rates = np.array([per_group[g][1][chosen[g]] for g in range(len(per_group))])
    gap = rates.max(axis=0) - rates.min(axis=0)
    # Most correct predictions first, then the smallest gap, then the lowest rates (fewest selected).
    w = np.lexsort((starts, gap, -total))[0]
    thresholds = np.array([per_group[g][0][chosen[g, w]] for g in range(len(per_group))])
    return thresholds, rates[:, w]


def group_thresholds(
    y_true, y_score, *, sensitive_features, constraint="demographic_parity", tolerance=0.01, pos_label=None
) -> dict:
    """One decision threshold per group: the most accurate choice whose parity gap is at most ``tolerance``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True binary labels.
    y_score : array-like of shape (n_samples,)
        Scores, higher meaning more likely positive (``predict_proba(X)[:, 1]``, ``decision_function``).
    sensitive_features : array-like of shape (n_samples,)
        The group of each sample.
    constraint : {"demographic_parity", "equal_opportunity"}, default="demographic_parity"
        Equalise selection rates, or true-positive rates (which needs positives in every group).
    tolerance : float in [0, 1], default=0.01
        The largest allowed difference between two groups' rates on these samples.
    pos_label : int, float, bool or str, optional
        The positive label; ``None`` means 1 for labels in {0, 1} or {-1, 1}.

    Returns
    -------
    dict
        ``{group: threshold}``; predict positive where ``y_score >= threshold``. A threshold of ``inf``
        selects nobody in that group (always allowed: every group then has rate 0).

    Examples
    --------
    >>> y_true = [1, 1, 0, 0, 1, 1, 0, 0]
    >>> y_score = [0.9, 0.8, 0.7, 0.1, 0.6, 0.4, 0.3, 0.2]
    >>> group_thresholds(y_true, y_score, sensitive_features=list("aaaabbbb"), tolerance=0.0)
    {'a': 0.8, 'b': 0.4}
    """
    check_option(constraint, "constraint", CONSTRAINTS)
    tolerance = _check_tolerance(tolerance)
    y_true = check_class_labels(y_true, "y_true")
    if len(y_true) == 0:
        raise ValueError("y_true is empty; at least 1 sample is needed")
    score = check_scores(y_score, len(y_true))
    groups = check_sensitive_features(sensitive_features, len(y_true))
    labels = unique_labels(y_true)
    if len(labels) > 2:
        raise ValueError(f"y_true must hold binary labels, got {len(labels)}: {labels.tolist()}")
    pos_label = default_pos_label(pos_label, labels)
    if len(labels) == 2 and not label_in(pos_label, labels):
        raise ValueError(f"pos_label={pos_label!r} is not one of the labels {labels.tolist()}")
    thresholds, _ = _fit_thresholds(y_true == pos_label, score, groups, constraint, tolerance)
    return dict(zip(groups.values.tolist(), thresholds.tolist(), strict=True))


def _scores(estimator, X, response_method: str) -> np.ndarray:
    if response_method == "auto":
        response_method = "predict_proba" if hasattr(estimator, "predict_proba") else "decision_function"
    if not hasattr(estimator, response_method):
        raise TypeError(f"the estimator {type(estimator).__name__} has no {response_method} method")
    out = np.asarray(getattr(estimator, response_method)(X), dtype=np.float64)
    return out[:, 1] if out.ndim == 2 else out


class GroupThresholdClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """A binary classifier whose decision threshold depends on the group, to meet a parity constraint.

    ``fit`` trains ``estimator`` (unless ``prefit``), scores the training rows and picks one threshold
    per group with :func:`group_thresholds`. ``predict`` needs the group of each row as well.

    Parameters
    ----------
    estimator : classifier
        Any scikit-learn-compatible binary classifier with ``predict_proba`` or ``decision_function``.
    constraint : {"demographic_parity", "equal_opportunity"}, default="demographic_parity"
    tolerance : float in [0, 1], default=0.01
        Largest allowed gap between groups' rates on the data given to ``fit``.
    prefit : bool, default=False
        Use ``estimator`` as it is (already fitted) instead of fitting a clone.
    response_method : {"auto", "predict_proba", "decision_function"}, default="auto"
        Where the scores come from; ``"auto"`` prefers ``predict_proba``.

    Attributes
    ----------
    estimator_ : classifier
        The fitted scorer.
    classes_ : ndarray of shape (2,)
        The labels; ``classes_[1]`` is the positive one.
    thresholds_ : dict
        ``{group: threshold}`` on the scores.
    rates_ : dict
        ``{group: rate}`` reached on the training data (selection rate or true-positive rate).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> group = rng.choice(["a", "b"], 400)
    >>> X = rng.normal(size=(400, 2)) + (group == "a")[:, None]
    >>> y = (X[:, 0] + rng.normal(size=400) > 0.5).astype(int)
    >>> clf = GroupThresholdClassifier(LogisticRegression()).fit(X, y, sensitive_features=group)
    >>> rates = [clf.predict(X[group == g], sensitive_features=group[group == g]).mean() for g in "ab"]
    >>> bool(abs(rates[0] - rates[1]) <= 0.01)
    True
    """

    def __init__(
        self, estimator, *, constraint="demographic_parity", tolerance=0.01, prefit=False, response_method="auto"
    ):
        self.estimator = estimator
        self.constraint = constraint
        self.tolerance = tolerance
        self.prefit = prefit
        self.response_method = response_method

    def fit(self, X, y, *, sensitive_features, **fit_params):
        """Fit the estimator (unless ``prefit``), then the per-group thresholds on its training scores.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Binary labels.
        sensitive_features : array-like of shape (n_samples,)
            The group of each row (it need not be a column of ``X``).
        **fit_params
            Passed to ``estimator.fit``.

        Returns
        -------
        self
        """
        check_option(self.constraint, "constraint", CONSTRAINTS)
        tolerance = _check_tolerance(self.tolerance)
        check_option(self.response_method, "response_method", ("auto", "predict_proba", "decision_function"))
        y = check_class_labels(y, "y")
        classes = unique_labels(y)
        if len(classes) != 2:
            raise ValueError(f"y must hold exactly two classes, got {len(classes)}: {classes.tolist()}")
        groups = check_sensitive_features(sensitive_features, len(y))
        if self.prefit:
            check_is_fitted(self.estimator)
            self.estimator_ = self.estimator
        else:
            self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        score = check_scores(_scores(self.estimator_, X, self.response_method), len(y))
        thresholds, rates = _fit_thresholds(y == classes[1], score, groups, self.constraint, tolerance)
        self.classes_ = classes
        keys = groups.values.tolist()
        self.thresholds_ = dict(zip(keys, thresholds.tolist(), strict=True))
        self.rates_ = dict(zip(keys, rates.tolist(), strict=True))
        return self

    def _group_thresholds(self, X, sensitive_features) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self, "thresholds_")
        score = _scores(self.estimator_, X, self.response_method)
        groups = check_sensitive_features(sensitive_features, len(score))
        unknown = [g for g in groups.values.tolist() if g not in self.thresholds_]
        if unknown:
            raise ValueError(
                f"sensitive_features holds groups not seen in fit: {unknown}; known: {list(self.thresholds_)}"
            )
        per_group = np.array([self.thresholds_[g] for g in groups.values.tolist()])
        return score, per_group[groups.codes]

    def decision_function(self, X, *, sensitive_features) -> np.ndarray:
        """Score minus the row's group threshold: positive exactly where :meth:`predict` says ``classes_[1]``."""
        score, threshold = self._group_thresholds(X, sensitive_features)
        return score - threshold

    def predict(self, X, *, sensitive_features) -> np.ndarray:
        """``classes_[1]`` where the score reaches the threshold of the row's group, else ``classes_[0]``."""
        score, threshold = self._group_thresholds(X, sensitive_features)
        return self.classes_[(score >= threshold).astype(int)]
