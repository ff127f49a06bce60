"""StandardScaler and MinMaxScaler: one pass for the statistics, one for the transform."""

from __future__ import annotations

import numpy as np

from mlcourse.preprocessing._base import _Transformer


def _mean_var(X: np.ndarray):
    """Column means, variances and sample counts, ignoring NaN, and the centred data ``X - mean``."""
    column_sums = X.sum(axis=0)  # NaN exactly where a column has a missing value (inf was rejected)
    if not np.isnan(column_sums).any():
        n_samples = X.shape[0]
        mean = column_sums / n_samples  # what X.mean(axis=0) computes, without another pass
        centered = X - mean
        var = np.einsum("ij,ij->j", centered, centered) / n_samples  # sum of squares, no temporary array
        return mean, var, n_samples, centered
    missing = np.isnan(X)
    n_samples = X.shape[0] - missing.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):  # an all-NaN column gets NaN statistics
        mean = np.where(missing, 0.0, X).sum(axis=0) / n_samples
        centered = X - mean
        var = np.where(missing, 0.0, np.square(centered)).sum(axis=0) / n_samples
    return mean, var, n_samples, centered


def _is_constant(var, mean, n_samples):
    """Whether a variance is indistinguishable from 0 given float64 rounding (Chan, Golub & LeVeque).

    The same bound scikit-learn uses, so both treat near-constant columns alike.
    """
    eps = np.finfo(np.float64).eps
    return var <= n_samples * eps * var + (n_samples * mean * eps) ** 2


class StandardScaler(_Transformer):
    """Standardise columns: subtract the mean, divide by the standard deviation.

    ``z = (x - mean) / std``, with the population standard deviation (``ddof=0``). NaN is ignored in
    ``fit`` and kept in ``transform``; a constant column gets scale 1 (so it becomes 0, not NaN).

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract the mean.
    with_std : bool, default=True
        Divide by the standard deviation.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,) or None
        Column means (``None`` when neither centring nor scaling).
    var_ : ndarray of shape (n_features,) or None
        Column variances (``None`` when ``with_std=False``).
    scale_ : ndarray of shape (n_features,) or None
        Column standard deviations, 1 for constant columns (``None`` when ``with_std=False``).
    n_samples_seen_ : int or ndarray of shape (n_features,)
        Rows used per column: an array when some values were missing.
    n_features_in_ : int
    feature_names_in_ : ndarray of str, only when fitted on a DataFrame with string column names

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 10.0], [3.0, 10.0]])
    >>> scaler = StandardScaler().fit(X)
    >>> scaler.mean_.tolist(), scaler.scale_.tolist()
    ([2.0, 10.0], [1.0, 1.0])
    >>> scaler.transform(X).tolist()
    [[-1.0, 0.0], [1.0, 0.0]]
    """

    def __init__(self, *, with_mean: bool = True, with_std: bool = True):
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X, y=None):
        """Learn each column's mean and standard deviation from ``X`` (NaN ignored)."""
        self._fit(self._check_X(X, reset=True))
        return self

    def fit_transform(self, X, y=None):
        """Fit and transform in one go, reusing the centred data the fit computes anyway."""
        X = self._check_X(X, reset=True)
        centered = self._fit(X)
        X_new = centered if self.with_mean else X.copy()
        if self.with_std:
            X_new /= self.scale_
        return X_new

    def _fit(self, X):
        mean, var, self.n_samples_seen_, centered = _mean_var(X)
        self.mean_ = mean if (self.with_mean or self.with_std) else None
        self.var_ = var if self.with_std else None
        if self.with_std:
            self.scale_ = np.sqrt(var)
            self.scale_[_is_constant(var, mean, self.n_samples_seen_)] = 1.0
        else:
            self.scale_ = None
        return centered

    def transform(self, X):
        """Return ``(X - mean_) / scale_`` as a new float64 array."""
        X = self._check_X(X, reset=False)
        X_new = X - self.mean_ if self.with_mean else X.copy()
        if self.with_std:
            X_new /= self.scale_
        return X_new

    def inverse_transform(self, X):
        """Undo :meth:`transform`: ``X * scale_ + mean_``."""
        X = self._check_X(X, reset=False)
        X_new = X * self.scale_ if self.with_std else X.copy()
        if self.with_mean:
            X_new += self.mean_
        return X_new

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class MinMaxScaler(_Transformer):
    """Rescale each column linearly so that its minimum and maximum map onto ``feature_range``.

    ``x' = (x - min) / (max - min) * (hi - lo) + lo``, computed as ``x * scale_ + min_``. NaN is
    ignored in ``fit`` and kept in ``transform``; a constant column gets ``scale_ = hi - lo``.

    Parameters
    ----------
    feature_range : tuple (lo, hi), default=(0, 1)
        Where the training minimum and maximum land. Needs ``lo < hi``.
    clip : bool, default=False
        Clip transformed values to ``feature_range`` (new data can fall outside the training range).

    Attributes
    ----------
    data_min_, data_max_, data_range_ : ndarray of shape (n_features,)
    scale_, min_ : ndarray of shape (n_features,)
        ``transform(X) == X * scale_ + min_``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str, only when fitted on a DataFrame with string column names

    Examples
    --------
    >>> import numpy as np
    >>> MinMaxScaler().fit_transform(np.array([[0.0], [5.0], [10.0]])).ravel().tolist()
    [0.0, 0.5, 1.0]
    """

    def __init__(self, feature_range=(0, 1), *, clip: bool = False):
        self.feature_range = feature_range
        self.clip = clip

    def fit(self, X, y=None):
        """Learn each column's minimum and maximum from ``X`` (NaN ignored)."""
        self._fit(self._check_X(X, reset=True))
        return self

    def fit_transform(self, X, y=None):
        """Fit and transform in one go (``X`` is checked once, not twice)."""
        X = self._check_X(X, reset=True)
        self._fit(X)
        return self._transform(X)

    def transform(self, X):
        """Return ``X * scale_ + min_`` as a new float64 array (clipped when ``clip=True``)."""
        return self._transform(self._check_X(X, reset=False))

    def _fit(self, X):
        lo, hi = self.feature_range
        if not lo < hi:
            raise ValueError(f"feature_range must be (lo, hi) with lo < hi, got {self.feature_range!r}")
        self.data_min_ = np.nanmin(X, axis=0)
        self.data_max_ = np.nanmax(X, axis=0)
        self.data_range_ = self.data_max_ - self.data_min_
        range_ = self.data_range_.copy()
        range_[range_ < 10 * np.finfo(np.float64).eps] = 1.0  # constant column: avoid dividing by ~0
        self.scale_ = (hi - lo) / range_
        self.min_ = lo - self.data_min_ * self.scale_

    def _transform(self, X):
        X_new = X * self.scale_
        X_new += self.min_
        if self.clip:
            np.clip(X_new, self.feature_range[0], self.feature_range[1], out=X_new)
        return X_new

    def inverse_transform(self, X):
        """Undo :meth:`transform`: ``(X - min_) / scale_``."""
        X = self._check_X(X, reset=False)
        return (X - self.min_) / self.scale_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
