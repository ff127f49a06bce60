"""PolynomialFeatures: every product of input columns up to a given degree."""

from __future__ import annotations

import numbers
from itertools import combinations, combinations_with_replacement

import numpy as np

from mlcourse._validation import check_param
from mlcourse.preprocessing._base import _Transformer


class PolynomialFeatures(_Transformer):
    """Add products of the input columns up to ``degree``: ``[1, a, b, a², ab, b²]`` for degree 2.

    Parameters
    ----------
    degree : int, default=2
        The highest total power of a product.
    interaction_only : bool, default=False
        Only products of distinct columns (``ab`` but not ``a²``).
    include_bias : bool, default=True
        Start with a column of ones.

    Attributes
    ----------
    powers_ : ndarray of shape (n_output_features_, n_features_in_)
        ``powers_[i, j]`` is the power of input ``j`` in output ``i``.
    n_output_features_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str, only when fitted on a DataFrame with string column names

    Examples
    --------
    >>> import numpy as np
    >>> poly = PolynomialFeatures(degree=2).fit(np.array([[2.0, 3.0]]))
    >>> poly.get_feature_names_out().tolist()
    ['1', 'x0', 'x1', 'x0^2', 'x0 x1', 'x1^2']
    >>> poly.transform(np.array([[2.0, 3.0]])).tolist()
    [[1.0, 2.0, 3.0, 4.0, 6.0, 9.0]]
    """

    def __init__(self, degree: int = 2, *, interaction_only: bool = False, include_bias: bool = True):
        self.degree = degree
        self.interaction_only = interaction_only
        self.include_bias = include_bias

    def fit(self, X, y=None):
        """Work out which products to build for ``X``'s columns (in scikit-learn's order)."""
        check_param(self.degree, "degree", numbers.Integral, min_val=0)
        X = self._check_X(X, reset=True, allow_nan=False)
        n_features = X.shape[1]
        pick = combinations if self.interaction_only else combinations_with_replacement
        combos = [c for d in range(0 if self.include_bias else 1, self.degree + 1) for c in pick(range(n_features), d)]
        self.powers_ = np.zeros((len(combos), n_features), dtype=int)
        for i, combo in enumerate(combos):
            np.add.at(self.powers_[i], list(combo), 1)
        self.n_output_features_ = len(combos)
        return self

    def transform(self, X):
        """Return the products, one column per row of ``powers_``."""
        X = self._check_X(X, reset=False, allow_nan=False)
        X_new = np.empty((X.shape[0], self.n_output_features_))
        for i, powers in enumerate(self.powers_):
            X_new[:, i] = 1.0
            for j in np.repeat(np.arange(len(powers)), powers):  # a² is a * a, as scikit-learn computes it
                X_new[:, i] *= X[:, j]
        return X_new

    def get_feature_names_out(self, input_features=None):
        """Names like ``"1"``, ``"x0"``, ``"x0^2"``, ``"x0 x1"`` (scikit-learn's spelling).

        Parameters
        ----------
        input_features : array-like of str, optional
            Input column names; ``feature_names_in_`` (or ``x0, x1, ...``) by default.

        Returns
        -------
        names : ndarray of str objects
        """
        names = self._input_names(input_features)
        out = []
        for powers in self.powers_:
            terms = [names[j] if p == 1 else f"{names[j]}^{p}" for j, p in enumerate(powers) if p > 0]
            out.append(" ".join(terms) if terms else "1")
        return np.asarray(out, dtype=object)
