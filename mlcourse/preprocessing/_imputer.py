"""SimpleImputer: fill each missing entry with a per-column statistic."""

from __future__ import annotations

import numbers

import numpy as np

from mlcourse.preprocessing._base import _is_nan, _Transformer, missing_mask

_STRATEGIES = ("mean", "median", "most_frequent", "constant")


class SimpleImputer(_Transformer):
    """Replace missing values by a statistic of the column they are in, learned in ``fit``.

    Parameters
    ----------
    missing_values : float, int, str or None, default=np.nan
        The marker of a missing entry. With ``np.nan``, ``None`` in object columns counts too.
    strategy : {"mean", "median", "most_frequent", "constant"}, default="mean"
        ``"mean"`` and ``"median"`` need numbers; ``"most_frequent"`` (ties go to the smallest value)
        and ``"constant"`` work for strings too.
    fill_value : scalar, optional
        The value used by ``strategy="constant"``; 0 for numbers and ``"missing_value"`` for strings
        by default.

    Attributes
    ----------
    statistics_ : ndarray of shape (n_features,)
        The fill value of each column.
    n_features_in_ : int
    feature_names_in_ : ndarray of str, only when fitted on a DataFrame with string column names

    Raises
    ------
    ValueError
        In ``fit``, when a column is entirely missing and the strategy has to compute a statistic from
        it: the message names the column. (scikit-learn drops such a column with a warning instead;
        silently losing a column is a bug waiting to happen.)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, np.nan], [3.0, 4.0], [np.nan, 8.0]])
    >>> imputer = SimpleImputer(strategy="mean").fit(X)
    >>> imputer.statistics_.tolist()
    [2.0, 6.0]
    >>> imputer.transform(X).tolist()
    [[1.0, 6.0], [3.0, 4.0], [2.0, 8.0]]
    """

    def __init__(self, *, missing_values=np.nan, strategy: str = "mean", fill_value=None):
        self.missing_values = missing_values
        self.strategy = strategy
        self.fill_value = fill_value

    def _validate(self, X, *, reset: bool) -> np.ndarray:
        if self.strategy not in _STRATEGIES:
            raise ValueError(f"strategy must be one of {_STRATEGIES}, got {self.strategy!r}")
        numeric = self.strategy in ("mean", "median")
        X = self._check_X(X, reset=reset, dtype=np.float64 if numeric else None, allow_nan=True)
        if X.dtype.kind not in "iufO":
            X = X.astype(object)
        return X

    def fit(self, X, y=None):
        """Learn the fill value of every column of ``X``."""
        X = self._validate(X, reset=True)
        self._fit(X, missing_mask(X, self.missing_values))
        return self

    def fit_transform(self, X, y=None):
        """Fit and transform in one go (``X`` is checked, and its holes found, once)."""
        X = self._validate(X, reset=True)
        mask = missing_mask(X, self.missing_values)
        self._fit(X, mask)
        return self._fill(X, mask)

    def transform(self, X):
        """Return a copy of ``X`` with every missing entry replaced by its column's ``statistics_``."""
        X = self._validate(X, reset=False)
        return self._fill(X, missing_mask(X, self.missing_values))

    def _fill(self, X, mask):
        dtype = object if X.dtype.kind == "O" or self.statistics_.dtype.kind == "O" else np.float64
        X_new = X.astype(dtype, copy=True)
        np.copyto(X_new, self.statistics_.astype(dtype), where=mask)
        return X_new

    def _fit(self, X, mask):
        if self.strategy == "constant":
            fill = self.fill_value
            if fill is None:
                fill = "missing_value" if X.dtype.kind == "O" else 0
            if X.dtype.kind != "O" and not isinstance(fill, numbers.Number):
                raise ValueError(f"fill_value={fill!r} is not a number, but the data are numeric")
            self.statistics_ = np.full(X.shape[1], fill, dtype=object if X.dtype.kind == "O" else np.float64)
            return
        empty = np.flatnonzero(mask.all(axis=0))
        if len(empty):
            names = ", ".join(self._column_name(j) for j in empty)
            raise ValueError(
                f"column {names} has only missing values, so strategy={self.strategy!r} has nothing to compute "
                "from: drop the column or use strategy='constant'"
            )
        if self.strategy == "mean":
            if mask.any():
                self.statistics_ = np.where(mask, 0.0, X).sum(axis=0) / (~mask).sum(axis=0)
            else:
                self.statistics_ = X.mean(axis=0)
        elif self.strategy == "median":
            self.statistics_ = np.nanmedian(X, axis=0) if mask.any() else np.median(X, axis=0)
        else:
            self.statistics_ = np.array([_most_frequent(X[~mask[:, j], j]) for j in range(X.shape[1])])
            if X.dtype.kind == "O":
                self.statistics_ = self.statistics_.astype(object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = _is_nan(self.missing_values)
        tags.input_tags.string = True
        return tags


def _most_frequent(values: np.ndarray):
    """The most common value; ties go to the smallest (as ``np.unique`` sorts)."""
    unique, counts = np.unique(values, return_counts=True)
    return unique[np.argmax(counts)]
