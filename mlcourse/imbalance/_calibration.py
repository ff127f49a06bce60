"""The reliability diagram (``calibration_curve``) and Platt scaling (``CalibratedClassifier``).

The reliability diagram's numbers: mean predicted probability vs fraction of positives per bin."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import cross_val_predict
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from mlcourse._validation import is_number


def calibration_curve(y_true, y_prob, *, pos_label=None, n_bins=5, strategy="uniform"):
    """Fraction of positives and mean predicted probability in each non-empty bin of ``y_prob``.

    Same result as ``sklearn.calibration.calibration_curve``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_prob : array-like of shape (n_samples,), values in [0, 1]
        Predicted probability of the positive class.
    pos_label : int, float, bool or str, optional
        The positive class; ``None`` means 1, for labels in {0, 1} or {-1, 1}.
    n_bins : int, default=5
    strategy : {"uniform", "quantile"}
        Equal-width bins on [0, 1], or bins holding equal numbers of samples.

    Returns
    -------
    prob_true, prob_pred : ndarray
        One value per non-empty bin.

    Examples
    --------
    >>> prob_true, prob_pred = calibration_curve([0, 0, 1, 1], [0.1, 0.2, 0.7, 0.9], n_bins=2)
    >>> prob_true.tolist(), prob_pred.tolist()
    ([0.0, 1.0], [0.15000000000000002, 0.8])
    """
    y_true, y_prob = np.asarray(y_true), np.asarray(y_prob, dtype=np.float64)
    if y_true.ndim != 1 or y_prob.ndim != 1 or len(y_true) != len(y_prob) or len(y_true) == 0:
        raise ValueError(f"y_true and y_prob must be 1-D of equal non-zero length, got {y_true.shape}, {y_prob.shape}")
    if not np.all((y_prob >= 0) & (y_prob <= 1)):
        raise ValueError("y_prob has values outside [0, 1]")
    labels = np.unique(y_true)
    if len(labels) > 2:
        raise ValueError(f"y_true must be binary, got labels {labels}")
    if pos_label is None and not (set(labels.tolist()) <= {0, 1} or set(labels.tolist()) <= {-1, 1}):
        raise ValueError(f"y_true has labels {labels}, not 0/1 or -1/1: pass pos_label to say which one is positive")
    if not (is_number(n_bins) and isinstance(n_bins, Integral)) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        edges = np.percentile(y_prob, np.linspace(0, 1, n_bins + 1) * 100)
    else:
        raise ValueError(f"strategy must be 'uniform' or 'quantile', got {strategy!r}")
    bin_of = np.searchsorted(edges[1:-1], y_prob)
    total = np.bincount(bin_of, minlength=n_bins)
    positives = np.bincount(bin_of, weights=y_true == (1 if pos_label is None else pos_label), minlength=n_bins)
    prob_sum = np.bincount(bin_of, weights=y_prob, minlength=n_bins)
    nonzero = total > 0
    return positives[nonzero] / total[nonzero], prob_sum[nonzero] / total[nonzero]


def _fit_sigmoid(scores, y):
    """Platt (1999): fit ``p = 1 / (1 + exp(a * score + b))`` by log-loss on smoothed targets."""
    from scipy.optimize import minimize

    n_pos, n_neg = y.sum(), len(y) - y.sum()
    target = np.where(y == 1, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

    def loss(params):
        z = params[0] * scores + params[1]  # p = sigmoid(-z)
        value = np.sum(target * np.logaddexp(0, z) + (1 - target) * np.logaddexp(0, -z))
        grad_z = 1 / (1 + np.exp(-z)) - (1 - target)
        return value, np.array([grad_z @ scores, grad_z.sum()])

    start = np.array([0.0, np.log((n_neg + 1.0) / (n_pos + 1.0))])
    result = minimize(loss, start, jac=True, method="L-BFGS-B", options={"gtol": 1e-10, "ftol": 1e-14})
    return result.x


class CalibratedClassifier(ClassifierMixin, BaseEstimator):
    """Platt scaling for a binary classifier: a sigmoid fitted on out-of-fold decision scores.

    ``fit`` gets out-of-fold scores with ``cross_val_predict(estimator, X, y, cv=cv)`` (``decision_function``
    if the estimator has one, else the positive-class ``predict_proba``), fits the sigmoid on them, then
    refits the estimator on all of ``X``. Like ``CalibratedClassifierCV(method="sigmoid", ensemble=False)``.

    Parameters
    ----------
    estimator : binary classifier
    cv : int or cross-validation splitter, default=5

    Attributes
    ----------
    estimator_ : fitted clone of ``estimator``
    a_, b_ : float
        The sigmoid: ``P(y = classes_[1]) = 1 / (1 + exp(a_ * score + b_))``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.svm import LinearSVC
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2)); y = (X[:, 0] + rng.normal(size=60) > 0).astype(int)
    >>> CalibratedClassifier(LinearSVC(), cv=3).fit(X, y).predict_proba(X).shape
    (60, 2)
    """

    def __init__(self, estimator, cv=5):
        self.estimator = estimator
        self.cv = cv

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def _scores(self, estimator, X):
        if hasattr(estimator, "decision_function"):
            return estimator.decision_function(X)
        return estimator.predict_proba(X)[:, 1]

    def fit(self, X, y):
        """Fit the sigmoid on out-of-fold scores, then the estimator on all the data."""
        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) > 2:
            raise ValueError(f"Only binary classification is supported: y must have two classes, got {self.classes_}")
        if len(self.classes_) < 2:
            raise ValueError("y must have two classes, got one class")
        method = "decision_function" if hasattr(self.estimator, "decision_function") else "predict_proba"
        oof = cross_val_predict(clone(self.estimator), X, y, cv=self.cv, method=method)
        oof = oof[:, 1] if oof.ndim == 2 else oof
        self.a_, self.b_ = _fit_sigmoid(oof, (y == self.classes_[1]).astype(np.float64))
        self.estimator_ = clone(self.estimator).fit(X, y)
        return self

    def predict_proba(self, X):
        """Calibrated probabilities, shape ``(n_samples, 2)``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        p = 1 / (1 + np.exp(self.a_ * self._scores(self.estimator_, X) + self.b_))
        return np.column_stack([1 - p, p])

    def predict(self, X):
        """The class with the larger calibrated probability."""
        check_is_fitted(self)
        return self.classes_[(self.predict_proba(X)[:, 1] > 0.5).astype(int)]
