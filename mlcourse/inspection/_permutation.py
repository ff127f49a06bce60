"""Permutation importance (Breiman, 2001): how much the score drops when one column is shuffled.

Shuffling a column keeps its values but breaks its link with the target (and with the other
columns), so the drop in score measures how much the *fitted model* relies on it -- on the data you
pass, which should be held-out data. It says nothing about causes, and correlated columns share
(and hide) each other's importance.

Twin: ``sklearn.inspection.permutation_importance``. The random draws are the same: one seed is drawn
from ``random_state`` (a legacy ``RandomState``), then every column gets a fresh ``RandomState`` with that
seed and shuffles an index array in place once per repeat, each shuffle applied to the column as the
previous repeat left it. So the same ``random_state`` gives exactly scikit-learn's numbers.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils import Bunch

from mlcourse._validation import is_number


def _check_random_state(random_state) -> np.random.RandomState:
    if random_state is None:
        return np.random.mtrand._rand  # numpy's global legacy generator, as scikit-learn uses
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if is_number(random_state) and isinstance(random_state, Integral):
        return np.random.RandomState(int(random_state))
    raise ValueError(f"random_state must be None, an int or a numpy RandomState, got {random_state!r}")


def _scorer(scoring):
    if scoring is None:
        return lambda estimator, X, y, **kw: estimator.score(X, y, **kw)
    if isinstance(scoring, str):
        from sklearn.metrics import get_scorer

        return get_scorer(scoring)
    if callable(scoring):
        return scoring
    raise ValueError(f"scoring must be None, a scorer name like 'roc_auc' or a callable, got {scoring!r}")


def _check_X(X):
    if hasattr(X, "iloc"):
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D, got {X.ndim} dimensions")
        return X
    if X is None or isinstance(X, (str, bytes)) or np.isscalar(X):
        raise TypeError(f"X must be a 2-D array-like or DataFrame, got {type(X).__name__}")
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (samples x features), got shape {X.shape}")
    return X


def permutation_importance(estimator, X, y, *, scoring=None, n_repeats=5, random_state=None, sample_weight=None):
    """Drop in score when each feature is shuffled, ``n_repeats`` times per feature.

    Parameters
    ----------
    estimator : fitted estimator
        Anything ``scoring`` can score (a pipeline is fine: columns are shuffled before it).
    X : array-like or DataFrame of shape (n_samples, n_features)
        Data to score on, ideally held out from training.
    y : array-like of shape (n_samples,) or None
    scoring : str, callable or None, default=None
        A scikit-learn scorer name (``"roc_auc"``, ``"r2"``, ...), a callable ``scorer(estimator, X, y)``,
        or ``None`` for ``estimator.score``.
    n_repeats : int, default=5
        Shuffles per feature.
    random_state : int, numpy RandomState or None
        Seed of the shuffles; an int gives scikit-learn's exact shuffles for that int.
    sample_weight : array-like of shape (n_samples,), optional
        Passed to the scorer.

    Returns
    -------
    sklearn.utils.Bunch
        ``importances`` (n_features, n_repeats): baseline score minus shuffled score;
        ``importances_mean`` and ``importances_std`` over the repeats.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2))
    >>> y = 3 * X[:, 0] + 0.1 * rng.normal(size=200)
    >>> result = permutation_importance(LinearRegression().fit(X, y), X, y, random_state=0)
    >>> bool(result.importances_mean[0] > 1.0 > 0.01 > result.importances_mean[1])
    True
    """
    if not (is_number(n_repeats) and isinstance(n_repeats, Integral)) or n_repeats < 1:
        raise ValueError(f"n_repeats must be a positive integer, got {n_repeats!r}")
    X = _check_X(X)
    n_samples = X.shape[0]
    if n_samples == 0:
        raise ValueError("X is empty; at least 1 sample is needed")
    if y is not None and len(y) != n_samples:
        raise ValueError(f"X and y have different lengths: {n_samples} vs {len(y)}")
    if sample_weight is not None and len(sample_weight) != n_samples:
        raise ValueError(f"X and sample_weight have different lengths: {n_samples} vs {len(sample_weight)}")
    scorer = _scorer(scoring)
    kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
    seed = _check_random_state(random_state).randint(np.iinfo(np.int32).max + 1)

    baseline = scorer(estimator, X, y, **kwargs)
    if not np.isscalar(baseline):
        raise TypeError(f"the scorer must return one number, got {type(baseline).__name__}")
    importances = baseline - _shuffled_scores(lambda X_work: scorer(estimator, X_work, y, **kwargs), X, n_repeats, seed)
    return Bunch(
        importances_mean=importances.mean(axis=1), importances_std=importances.std(axis=1), importances=importances
    )


def _shuffled_scores(score, X, n_repeats: int, seed: int) -> np.ndarray:
    """``score(X with column j shuffled)`` for each column ``j`` and repeat, as an (n_features, n_repeats) array.

    Each repeat shuffles the column as the previous one left it, and the column is restored before the next.
    """
    n_samples, n_features = X.shape
    X_work = X.copy()
    frame = hasattr(X, "iloc")
    scores = np.empty((n_features, n_repeats))
    for j in range(n_features):
        rng = np.random.RandomState(seed)  # every column starts from the same seed, as in scikit-learn
        order = np.arange(n_samples)
        for r in range(n_repeats):
            rng.shuffle(order)
            if frame:
                column = X_work.iloc[order, j]
                column.index = X_work.index
                X_work[X_work.columns[j]] = column
            else:
                X_work[:, j] = X_work[order, j]
            scores[j, r] = score(X_work)
        if frame:
            X_work[X_work.columns[j]] = X.iloc[:, j]
        else:
            X_work[:, j] = X[:, j]
    return scores
