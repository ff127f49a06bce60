"""GridSearchCV: every combination, cross-validated, sequentially; the best refitted on all rows."""

from __future__ import annotations

from itertools import product

import numpy as np

# Plumbing, not the lesson: estimator base classes, cloning and tags.
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import get_tags

from mlcourse.model_selection._split import _check_cv
from mlcourse.model_selection._validation import _fit_and_score, _scorer


def _candidates(param_grid) -> list[dict]:
    """Every combination of a grid (or list of grids), keys in sorted order as scikit-learn's ParameterGrid."""
    grids = [param_grid] if isinstance(param_grid, dict) else list(param_grid)
    out = []
    for grid in grids:
        keys = sorted(grid)
        for name in keys:
            if isinstance(grid[name], str) or not hasattr(grid[name], "__iter__"):
                raise TypeError(f"param_grid[{name!r}] must be a list of values, got {grid[name]!r}")
        out += [dict(zip(keys, values, strict=True)) for values in product(*(grid[k] for k in keys))]
    return out


class GridSearchCV(MetaEstimatorMixin, BaseEstimator):
    """Try every combination of hyper-parameters with cross-validation; refit the best on all the data.

    Sequential and small on purpose: one loop over candidates, one over folds.

    Parameters
    ----------
    estimator : estimator
        Usually a pipeline, so preprocessing is refitted inside every fold (no leakage).
    param_grid : dict or list of dicts
        ``{"name": [values]}``; ``"step__param"`` reaches into a pipeline.
    scoring : str, callable or None
    cv : int, splitter or iterable of (train, test), default=5
    refit : bool, default=True
        Fit the best candidate on the whole ``X``, ``y`` as ``best_estimator_``.

    Attributes
    ----------
    cv_results_ : dict
        ``params``, ``split{k}_test_score``, ``mean_test_score``, ``std_test_score``, ``rank_test_score``.
    best_index_ : int
        The first candidate with the highest mean score.
    best_params_ : dict
    best_score_ : float
    best_estimator_ : estimator, when ``refit=True``

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> X = np.arange(40.0).reshape(-1, 2)
    >>> search = GridSearchCV(Ridge(), {"alpha": [0.01, 1e6]}, cv=3).fit(X, X.sum(axis=1))
    >>> search.best_params_
    {'alpha': 0.01}
    """

    def __init__(self, estimator, param_grid, *, scoring=None, cv=5, refit=True):
        self.estimator = estimator
        self.param_grid = param_grid
        self.scoring = scoring
        self.cv = cv
        self.refit = refit

    def fit(self, X, y=None):
        """Cross-validate every candidate, pick the best, and (with ``refit``) fit it on all of ``X``."""
        candidates = _candidates(self.param_grid)
        splits = list(_check_cv(self.cv, self.estimator, y).split(X, y))
        scorer = _scorer(self.scoring)
        scores = np.array(
            [
                [_fit_and_score(self.estimator, X, y, tr, te, scorer, params) for tr, te in splits]
                for params in candidates
            ]
        )
        mean = scores.mean(axis=1)
        order = np.argsort(-mean, kind="stable")
        rank = np.empty(len(mean), dtype=np.int32)
        rank[order] = np.arange(1, len(mean) + 1)
        for i in range(1, len(order)):  # equal means share the better rank
            if mean[order[i]] == mean[order[i - 1]]:
                rank[order[i]] = rank[order[i - 1]]
        self.cv_results_ = {"params": candidates}
        self.cv_results_.update({f"split{k}_test_score": scores[:, k] for k in range(len(splits))})
        self.cv_results_.update(mean_test_score=mean, std_test_score=scores.std(axis=1), rank_test_score=rank)
        self.best_index_ = int(order[0])
        self.best_params_ = candidates[self.best_index_]
        self.best_score_ = float(mean[self.best_index_])
        self.n_splits_ = len(splits)
        if self.refit:
            self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_).fit(X, y)
        return self

    def _best(self):
        if not self.refit:
            raise AttributeError("refit=False: there is no best_estimator_ to predict with")
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_

    def predict(self, X):
        """Predict with ``best_estimator_``."""
        return self._best().predict(X)

    def predict_proba(self, X):
        """Class probabilities from ``best_estimator_``."""
        return self._best().predict_proba(X)

    def transform(self, X):
        """Transform with ``best_estimator_``."""
        return self._best().transform(X)

    def score(self, X, y=None):
        """Score ``best_estimator_`` with this search's ``scoring``."""
        return float(_scorer(self.scoring)(self._best(), X, y))

    @property
    def classes_(self):
        return self._best().classes_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.input_tags = inner.input_tags
        return tags
