"""ColumnTransformer: a different transformer for each group of columns, outputs side by side."""

from __future__ import annotations

import numpy as np
from sklearn.base import TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted

from mlcourse.pipeline._base import _Composition


class ColumnTransformer(TransformerMixin, _Composition):
    """Apply a different transformer to each group of columns and stack the results side by side.

    Parameters
    ----------
    transformers : list of (name, transformer, columns) tuples
        ``transformer`` is an estimator, ``"passthrough"`` or ``"drop"``. ``columns`` selects by name
        (str or list of str, DataFrames only), by position (int, list of int, slice), by boolean mask,
        or is a callable taking ``X`` and returning one of those. A single str or int passes a 1-D column.
        Each transformer is cloned before fitting; the fitted ones are in ``transformers_``.
    remainder : "drop", "passthrough" or estimator, default="drop"
        What happens to the columns no transformer selected.
    sparse_threshold : float, default=0.3
        If some output is sparse and the stacked result has a density below this, return it sparse.
    verbose_feature_names_out : bool, default=True
        Prefix each output name with its transformer's name: ``"num__age"``.

    Notes
    -----
    Passes every check of ``sklearn.utils.estimator_checks.check_estimator`` (scikit-learn's own
    ``ColumnTransformer`` fails several). Unlike scikit-learn's, it does not propagate ``set_output`` to the
    inner transformers.

    Attributes
    ----------
    transformers_ : list of (name, fitted transformer, column indices) tuples
        Includes ``("remainder", ...)`` when some columns were left over.
    named_transformers_ : dict
    n_features_in_ : int
    feature_names_in_ : ndarray of str, only when fitted on a DataFrame with string column names

    Examples
    --------
    >>> import pandas as pd
    >>> from mlcourse.preprocessing import OneHotEncoder, StandardScaler
    >>> X = pd.DataFrame({"age": [20.0, 40.0], "city": ["Oslo", "Lima"], "id": [7, 8]})
    >>> ct = ColumnTransformer([("num", StandardScaler(), ["age"]),
    ...                         ("cat", OneHotEncoder(sparse_output=False), ["city"])])
    >>> ct.fit_transform(X).tolist()
    [[-1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    >>> ct.get_feature_names_out().tolist()
    ['num__age', 'cat__city_Lima', 'cat__city_Oslo']
    """

    _parts = "transformers"

    def __init__(self, transformers, *, remainder="drop", sparse_threshold=0.3, verbose_feature_names_out=True):
        self.transformers = transformers
        self.remainder = remainder
        self.sparse_threshold = sparse_threshold
        self.verbose_feature_names_out = verbose_feature_names_out

    def _columns(self, X, selector) -> tuple[np.ndarray, bool]:
        """Positions of the selected columns and whether the selector asked for a single 1-D column."""
        names = getattr(X, "columns", None)
        if callable(selector):
            selector = selector(X)
        scalar = np.isscalar(selector)
        if isinstance(selector, slice):
            return np.arange(X.shape[1])[selector], False
        keys = np.atleast_1d(np.asarray(selector if not scalar else [selector]))
        if keys.dtype.kind == "b":
            if len(keys) != X.shape[1]:
                raise ValueError(f"a boolean column mask needs {X.shape[1]} entries, got {len(keys)}")
            return np.flatnonzero(keys), False
        if keys.size == 0:
            return np.array([], dtype=int), scalar
        if keys.dtype.kind in "iu":
            return keys.astype(int), scalar
        if names is None:
            raise ValueError(f"columns {keys.tolist()} are names, which need a pandas DataFrame; X is an array")
        lookup = {name: i for i, name in enumerate(names)}
        missing = [key for key in keys.tolist() if key not in lookup]
        if missing:
            raise ValueError(f"columns {missing} are not in X; its columns are {list(names)}")
        return np.array([lookup[key] for key in keys.tolist()], dtype=int), scalar

    @staticmethod
    def _take(X, columns, scalar):
        if hasattr(X, "iloc"):
            return X.iloc[:, columns[0]] if scalar else X.iloc[:, columns]
        return X[:, columns[0]] if scalar else X[:, columns]

    def _check_columns(self, X, reset: bool):
        """Check ``X`` is a 2-D table; record (``reset``) or compare its columns with those seen in ``fit``."""
        from scipy import sparse

        if sparse.issparse(X):
            raise TypeError("ColumnTransformer does not accept sparse input; pass a dense array or a DataFrame")
        if not hasattr(X, "iloc"):
            X = np.asarray(X)
            if X.ndim != 2:
                raise ValueError(
                    f"Expected a 2-D array (n_samples, n_features), got shape {X.shape}. Reshape your data "
                    "with X.reshape(-1, 1) if it is one feature, or X.reshape(1, -1) if it is one sample."
                )
        for axis, what in ((0, "sample(s)"), (1, "feature(s)")):
            if X.shape[axis] == 0:
                raise ValueError(f"Found array with 0 {what} (shape={X.shape}) while a minimum of 1 is required.")
        names = getattr(X, "columns", None)
        str_names = names is not None and all(isinstance(n, str) for n in names)
        if reset:
            self.n_features_in_ = X.shape[1]
            if str_names:
                self.feature_names_in_ = np.asarray(names, dtype=object)
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
            return X
        check_is_fitted(self)
        seen = getattr(self, "feature_names_in_", None)
        if seen is not None and str_names:
            missing = [name for name in seen if name not in set(names)]
            if missing:
                raise ValueError(f"columns {missing} were present in fit but are missing from X in transform")
            return X[list(seen)]  # the order of fit; extra columns are ignored
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but ColumnTransformer is expecting {self.n_features_in_} features as input."
            )
        return X

    def fit(self, X, y=None):
        """Fit every transformer on its columns."""
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X, y=None):
        """Fit every transformer on its columns and return the stacked outputs."""
        X = self._check_columns(X, reset=True)
        names = [name for name, *_ in self.transformers]
        if len(set(names)) != len(names) or "remainder" in names:
            raise ValueError(f"transformer names must be unique and not 'remainder', got {names}")
        self.transformers_, used = [], np.zeros(X.shape[1], dtype=bool)
        outputs = []
        for name, transformer, selector in self.transformers:
            columns, scalar = self._columns(X, selector)
            used[columns] = True
            fitted, output = self._fit_one(transformer, self._take(X, columns, scalar), y)
            self.transformers_.append((name, fitted, columns if not scalar else columns[0]))
            outputs.append(output)
        rest = np.flatnonzero(~used)
        if len(rest):
            fitted, output = self._fit_one(self.remainder, self._take(X, rest, False), y)
            self.transformers_.append(("remainder", fitted, rest))
            outputs.append(output)
        return self._stack(outputs, X.shape[0])

    @staticmethod
    def _fit_one(transformer, X_part, y):
        if isinstance(transformer, str) and transformer == "drop":
            return "drop", None
        if isinstance(transformer, str) and transformer == "passthrough":
            return "passthrough", X_part
        fitted = clone(transformer)
        return fitted, fitted.fit_transform(X_part, y)

    def transform(self, X):
        """Transform each group of columns with its fitted transformer and stack the outputs."""
        X = self._check_columns(X, reset=False)
        outputs = []
        for _, fitted, columns in self.transformers_:
            X_part = self._take(X, np.atleast_1d(columns), np.isscalar(columns))
            if isinstance(fitted, str):
                outputs.append(None if fitted == "drop" else X_part)
            else:
                outputs.append(fitted.transform(X_part))
        return self._stack(outputs, X.shape[0])

    def _stack(self, outputs, n_samples):
        from scipy import sparse

        parts = [out for out in outputs if out is not None]
        parts = [out if sparse.issparse(out) else np.asarray(out).reshape(n_samples, -1) for out in parts]
        if not parts:
            return np.zeros((n_samples, 0))
        if any(sparse.issparse(p) for p in parts):
            total = sum(p.nnz if sparse.issparse(p) else np.count_nonzero(p) for p in parts)
            stacked = sparse.hstack(parts).tocsr()
            density = total / max(stacked.shape[0] * stacked.shape[1], 1)
            return stacked if density < self.sparse_threshold else stacked.toarray()
        return np.hstack(parts)

    @property
    def named_transformers_(self) -> dict:
        return {name: fitted for name, fitted, _ in self.transformers_}

    def get_feature_names_out(self, input_features=None):
        """Output names: ``"name__column"`` for each transformer's outputs (remainder: ``"remainder__"``)."""
        check_is_fitted(self)
        seen = getattr(self, "feature_names_in_", None)
        names_in = np.asarray(seen if seen is not None else [f"x{j}" for j in range(self.n_features_in_)], dtype=object)
        out = []
        for name, fitted, columns in self.transformers_:
            if isinstance(fitted, str) and fitted == "drop":
                continue
            inputs = names_in[np.atleast_1d(columns)]
            names = inputs if isinstance(fitted, str) else fitted.get_feature_names_out(inputs)
            out.extend(f"{name}__{n}" if self.verbose_feature_names_out else str(n) for n in names)
        return np.asarray(out, dtype=object)

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "transformers_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags
