"""Random over/under-sampling, SMOTE, and a classifier that resamples only inside ``fit``."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, check_X_y

from mlcourse._validation import is_number


def _check(X, y):
    X, y = check_X_y(X, y, dtype=np.float64)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError("y must contain at least two classes, got one class")
    return X, y, classes, counts


class _Sampler(BaseEstimator):
    def __init__(self, random_state=None):
        self.random_state = random_state


class RandomOverSampler(_Sampler):
    """Duplicate random rows of every smaller class until all classes are as large as the largest.

    Parameters
    ----------
    random_state : int, numpy.random.Generator or None
        Seed for the rng that picks the duplicated rows.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(8.0).reshape(4, 2), np.array([0, 0, 0, 1])
    >>> np.bincount(RandomOverSampler(random_state=0).fit_resample(X, y)[1]).tolist()
    [3, 3]
    """

    def fit_resample(self, X, y):
        """Return ``(X_resampled, y_resampled)``: the original rows followed by duplicates."""
        X, y, classes, counts = _check(X, y)
        rng = np.random.default_rng(self.random_state)
        extra = [rng.choice(np.flatnonzero(y == c), counts.max() - n) for c, n in zip(classes, counts, strict=True)]
        idx = np.concatenate([np.arange(len(y)), *extra]).astype(int)
        return X[idx], y[idx]


class RandomUnderSampler(_Sampler):
    """Drop random rows of every larger class until all classes are as small as the smallest.

    Parameters
    ----------
    random_state : int, numpy.random.Generator or None
        Seed for the rng that picks the kept rows.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(8.0).reshape(4, 2), np.array([0, 0, 0, 1])
    >>> np.bincount(RandomUnderSampler(random_state=0).fit_resample(X, y)[1]).tolist()
    [1, 1]
    """

    def fit_resample(self, X, y):
        """Return ``(X_resampled, y_resampled)`` with ``min(class counts)`` rows per class."""
        X, y, classes, counts = _check(X, y)
        rng = np.random.default_rng(self.random_state)
        idx = np.sort(
            np.concatenate([rng.choice(np.flatnonzero(y == c), counts.min(), replace=False) for c in classes])
        )
        return X[idx], y[idx]


class SMOTE(_Sampler):
    """Synthetic Minority Over-sampling TEchnique (Chawla et al., 2002), numpy only.

    For every class smaller than the largest, new points are made until the classes balance: pick a
    random sample ``x`` of the class, one of its ``k_neighbors`` nearest neighbours ``z`` within the same
    class (Euclidean, brute force), and a gap ``u ~ U[0, 1)``; the new point is ``x + u * (z - x)``.

    Parameters
    ----------
    k_neighbors : int, default=5
        Neighbours considered per sample; each class to grow needs more than ``k_neighbors`` rows.
    random_state : int, numpy.random.Generator or None
        Seed for the rng.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [10.0], [11.0]])
    >>> y = np.array([0, 0, 0, 0, 1, 1])
    >>> np.bincount(SMOTE(k_neighbors=1, random_state=0).fit_resample(X, y)[1]).tolist()
    [4, 4]
    """

    def __init__(self, k_neighbors=5, random_state=None):
        self.k_neighbors = k_neighbors
        self.random_state = random_state

    def fit_resample(self, X, y):
        """Return ``(X_resampled, y_resampled)``: the original rows followed by synthetic ones."""
        X, y, classes, counts = _check(X, y)
        k = self.k_neighbors
        if not (is_number(k) and isinstance(k, Integral)) or k < 1:
            raise ValueError(f"k_neighbors must be a positive integer, got {k!r}")
        rng = np.random.default_rng(self.random_state)
        X_new, y_new = [X], [y]
        for c, n in zip(classes, counts, strict=True):
            n_new = counts.max() - n
            if n_new == 0:
                continue
            if n <= k:
                raise ValueError(f"k_neighbors={k} needs more than {k} samples of class {c!r}, got {n}")
            X_c = X[y == c]
            d2 = ((X_c[:, None, :] - X_c[None, :, :]) ** 2).sum(axis=-1)
            np.fill_diagonal(d2, np.inf)
            neighbours = np.argsort(d2, axis=1, kind="stable")[:, :k]
            base = rng.integers(n, size=n_new)
            other = neighbours[base, rng.integers(k, size=n_new)]
            gap = rng.random((n_new, 1))
            X_new.append(X_c[base] + gap * (X_c[other] - X_c[base]))
            y_new.append(np.full(n_new, c, dtype=y.dtype))
        return np.concatenate(X_new), np.concatenate(y_new)


def _estimator_has(method):
    """True when the (fitted, else unfitted) estimator has ``method``.

    Without this check ``hasattr(model, "decision_function")`` would be True even around a GaussianNB,
    and scorers and calibrators that pick a method by ``hasattr`` would call one that does not exist.
    """

    def check(self):
        return hasattr(getattr(self, "estimator_", self.estimator), method)

    return check


class ResampledClassifier(ClassifierMixin, BaseEstimator):
    """A classifier whose ``fit`` resamples the training data first; prediction never resamples.

    Put this inside ``cross_val_score`` or ``GridSearchCV`` and only the training folds are resampled,
    so the validation folds keep the true class balance (no leakage).

    Parameters
    ----------
    estimator : classifier
        Cloned and fitted on the resampled data.
    sampler : object with ``fit_resample(X, y)``
        Cloned and applied in ``fit`` only.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = np.arange(10.0).reshape(-1, 1), np.array([0] * 8 + [1] * 2)
    >>> model = ResampledClassifier(LogisticRegression(), RandomOverSampler(random_state=0)).fit(X, y)
    >>> model.predict(X).shape
    (10,)
    """

    def __init__(self, estimator, sampler):
        self.estimator = estimator
        self.sampler = sampler

    def fit(self, X, y, **fit_params):
        """Resample ``(X, y)`` with the sampler, then fit a clone of the estimator on the result."""
        if not hasattr(self.sampler, "fit_resample"):
            raise TypeError(f"sampler must have a fit_resample method, got {type(self.sampler).__name__}")
        X_res, y_res = clone(self.sampler).fit_resample(X, y)
        self.estimator_ = clone(self.estimator).fit(X_res, y_res, **fit_params)
        self.classes_ = self.estimator_.classes_
        self.n_features_in_ = X_res.shape[1]
        return self

    def predict(self, X):
        """Predict with the fitted estimator (no resampling)."""
        check_is_fitted(self)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the fitted estimator (no resampling)."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision scores from the fitted estimator (no resampling)."""
        check_is_fitted(self)
        return self.estimator_.decision_function(X)


def make_pipeline(*steps):
    """Chain steps into one classifier, as imbalanced-learn's ``make_pipeline``: a sampler resamples in ``fit`` only.

    Steps before the first sampler (a scaler, which SMOTE's distances need) transform every row; the
    sampler resamples the rows that reach it, inside ``fit``, and the steps after it are fitted on the
    result. Prediction never resamples.

    Parameters
    ----------
    *steps : estimators
        Transformers and samplers (objects with ``fit_resample``), then the final classifier.

    Returns
    -------
    ResampledClassifier, or a :class:`mlcourse.pipeline.Pipeline` whose steps lead to one
        A plain ``Pipeline`` when there is no sampler.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlcourse.preprocessing import StandardScaler
    >>> make_pipeline(SMOTE(), LogisticRegression())
    ResampledClassifier(estimator=LogisticRegression(), sampler=SMOTE())
    >>> [name for name, _ in make_pipeline(StandardScaler(), SMOTE(), LogisticRegression()).steps]
    ['standardscaler', 'resampledclassifier']
    """
    from mlcourse.pipeline import make_pipeline as chain

    first = next((i for i, step in enumerate(steps) if hasattr(step, "fit_resample")), None)
    if first is None:
        return chain(*steps)
    rest = steps[first + 1 :]
    if not rest:
        raise ValueError(f"the last step must be a classifier, not the sampler {steps[first]!r}")
    model = ResampledClassifier(rest[0] if len(rest) == 1 else make_pipeline(*rest), steps[first])
    return chain(*steps[:first], model) if first else model
