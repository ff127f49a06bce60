"""What every transformer here shares: input checks, column names in messages, output names."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data


class _Transformer(TransformerMixin, BaseEstimator):
    """Base class: ``fit_transform`` and ``set_output`` come from scikit-learn's ``TransformerMixin``."""

    def _check_X(self, X, *, reset: bool, dtype=np.float64, allow_nan: bool = True) -> np.ndarray:
        """Validate ``X`` as a 2-D array; record (``reset=True``) or compare the number and names of columns.

        scikit-learn's ``validate_data`` gives the standard messages, e.g. a column seen in ``fit``
        but missing in ``transform`` is named in the error.
        """
        if not reset:
            check_is_fitted(self)
        return validate_data(
            self, X, reset=reset, dtype=dtype, ensure_all_finite="allow-nan" if allow_nan else True, copy=False
        )

    def _column_name(self, j: int) -> str:
        """How an error message names column ``j``: its DataFrame name if there was one."""
        names = getattr(self, "feature_names_in_", None)
        return repr(str(names[j])) if names is not None else f"{j} (x{j})"

    def _input_names(self, input_features=None) -> np.ndarray:
        """The input column names, as ``get_feature_names_out`` needs them."""
        check_is_fitted(self)
        seen = getattr(self, "feature_names_in_", None)
        if input_features is None:
            if seen is not None:
                return np.asarray(seen, dtype=object)
            return np.asarray([f"x{j}" for j in range(self.n_features_in_)], dtype=object)
        input_features = np.asarray(input_features, dtype=object)
        if len(input_features) != self.n_features_in_:
            raise ValueError(
                f"input_features should have length {self.n_features_in_} (n_features_in_), got {len(input_features)}"
            )
        if seen is not None and not np.array_equal(input_features, seen):
            raise ValueError("input_features is not equal to feature_names_in_")
        return input_features

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: the input names, unchanged.

        Parameters
        ----------
        input_features : array-like of str, optional
            Input column names; ``feature_names_in_`` (or ``x0, x1, ...``) by default.

        Returns
        -------
        names : ndarray of str objects
        """
        return self._input_names(input_features)


def missing_mask(X: np.ndarray, missing_values=np.nan) -> np.ndarray:
    """Boolean mask of the missing entries of ``X``: NaN (and ``None`` in object arrays) or ``missing_values``."""
    if not _is_nan(missing_values):
        return np.asarray(X == missing_values, dtype=bool)
    if X.dtype.kind == "f":
        return np.isnan(X)
    if X.dtype.kind == "O":
        import pandas as pd

        return np.asarray(pd.isna(X), dtype=bool)
    return np.zeros(X.shape, dtype=bool)


def _is_nan(value) -> bool:
    return isinstance(value, float) and value != value
