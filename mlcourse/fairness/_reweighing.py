"""Reweighing (Kamiran & Calders, 2012): weights that make the label independent of the group, before training.

Each sample of group ``g`` with label ``y`` gets ``P(g) P(y) / P(g, y)``: the count that cell would
have if group and label were independent, over the count it has. Under-represented combinations
(say, repaid loans in a group the historical labels penalise) weigh more, over-represented ones less;
the total weight of every group stays its size (when the group has every label). fairlearn has no twin for it; the tests check the
defining property instead.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from mlcourse._validation import check_class_labels
from mlcourse.fairness._validation import check_sensitive_features


def reweighing_weights(y, sensitive_features) -> np.ndarray:
    """Sample weights ``n_g * n_y / (n * n_gy)`` that make ``y`` independent of the group.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels (any number of classes).
    sensitive_features : array-like of shape (n_samples,)
        The group of each sample.

    Returns
    -------
    ndarray of shape (n_samples,)
        Positive weights. Weighted, every group has the class proportions of the whole data set and,
        if it holds every class, its original size.

    Examples
    --------
    >>> reweighing_weights([1, 1, 0, 1, 0, 0], ["a", "a", "a", "b", "b", "b"]).tolist()
    [0.75, 0.75, 1.5, 1.5, 0.75, 0.75]
    """
    y = check_class_labels(y, "y")
    if len(y) == 0:
        raise ValueError("y is empty; at least 1 sample is needed")
    groups = check_sensitive_features(sensitive_features, len(y))
    _, label = np.unique(y, return_inverse=True)
    label = label.ravel()
    n_labels = label.max() + 1
    cell = groups.codes * n_labels + label
    n_cell = np.bincount(cell, minlength=len(groups.values) * n_labels)
    n_group = np.bincount(groups.codes)
    n_label = np.bincount(label)
    return n_group[groups.codes] * n_label[label] / (len(y) * n_cell[cell].astype(np.float64))


def _estimator_has(name):
    def check(self):
        return hasattr(self.estimator_ if hasattr(self, "estimator_") else self.estimator, name)

    return check


class ReweighedClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Fit any classifier with :func:`reweighing_weights` as its sample weights; predict without groups.

    Parameters
    ----------
    estimator : classifier
        A scikit-learn-compatible classifier whose ``fit`` takes ``sample_weight``. For a
        scikit-learn ``Pipeline`` the weights go to its last step (``<name>__sample_weight``).

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone.
    classes_ : ndarray
    sample_weight_ : ndarray of shape (n_samples,)
        The weights it was trained with.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    >>> clf = ReweighedClassifier(LogisticRegression()).fit(X, y, sensitive_features=["a", "b", "a", "b"])
    >>> clf.predict(X).tolist()
    [0, 0, 1, 1]
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y, *, sensitive_features, **fit_params):
        """Compute the weights from ``y`` and the groups, then fit a clone of the estimator with them.

        Returns
        -------
        self
        """
        weight = reweighing_weights(y, sensitive_features)
        steps = getattr(self.estimator, "steps", None)
        key = f"{steps[-1][0]}__sample_weight" if steps else "sample_weight"
        self.estimator_ = clone(self.estimator).fit(X, y, **{key: weight}, **fit_params)
        self.sample_weight_ = weight
        self.classes_ = self.estimator_.classes_
        return self

    def predict(self, X):
        """Labels from the reweighed model (no groups needed: they only shaped the training)."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the reweighed model."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision scores from the reweighed model."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.decision_function(X)
