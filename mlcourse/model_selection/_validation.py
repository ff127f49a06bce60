"""Cross-validation, learning curves and validation curves: clone, fit on the training rows, score the rest."""

from __future__ import annotations

import numpy as np

# Plumbing, not the lesson: a fresh unfitted copy of an estimator, and scikit-learn's seed rule.
from sklearn.base import clone
from sklearn.utils import check_random_state

from mlcourse.model_selection._split import _check_cv, _take


def _scorer(scoring):
    if scoring is None:
        return lambda estimator, X, y: estimator.score(X, y)
    if isinstance(scoring, str):
        # Scorer lookup is plumbing: the lesson is the cross-validation loop, not the metric.
        from sklearn.metrics import get_scorer

        return get_scorer(scoring)
    if callable(scoring):
        return scoring
    raise ValueError(f"scoring must be None, a scorer name like 'accuracy' or a callable, got {scoring!r}")


def _fit_and_score(estimator, X, y, train, test, scorer, params=None, train_score=False):
    """Clone, set ``params``, fit on the training rows, score on the test (and optionally training) rows."""
    model = clone(estimator)
    if params:
        model.set_params(**params)
    model.fit(_take(X, train), _take(y, train))
    test_score = scorer(model, _take(X, test), _take(y, test))
    if not train_score:
        return float(test_score)
    return float(scorer(model, _take(X, train), _take(y, train))), float(test_score)


def cross_val_score(estimator, X, y=None, *, scoring=None, cv=None):
    """Score ``estimator`` by K-fold cross-validation: fit a fresh clone on each training fold, score the rest.

    Parameters
    ----------
    estimator : estimator
        Any scikit-learn-compatible estimator (a pipeline keeps preprocessing inside each fold).
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,), optional
    scoring : str, callable or None
        A scikit-learn scorer name (``"accuracy"``, ``"neg_mean_squared_error"``, ...), a callable
        ``scorer(estimator, X, y)``, or ``None`` for ``estimator.score``.
    cv : int, splitter, iterable of (train, test) or None, default=None
        An int means ``StratifiedKFold`` for a classifier, ``KFold`` otherwise (no shuffling); ``None`` means 5.

    Returns
    -------
    scores : ndarray of shape (n_splits,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.arange(20.0).reshape(-1, 1)
    >>> cross_val_score(LinearRegression(), X, 2 * X.ravel() + 1, cv=4).round(6).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    splitter, scorer = _check_cv(cv, estimator, y), _scorer(scoring)
    return np.array([_fit_and_score(estimator, X, y, tr, te, scorer) for tr, te in splitter.split(X, y)])


def learning_curve(
    estimator,
    X,
    y,
    *,
    train_sizes=(0.1, 0.325, 0.55, 0.775, 1.0),
    cv=None,
    scoring=None,
    shuffle=False,
    random_state=None,
):
    """Training and validation scores as the training set grows: does more data help?

    For each fold, the model is fitted on the first ``n`` rows of the training fold, for each ``n``
    in ``train_sizes``, and scored on those rows and on the whole validation fold.

    Parameters
    ----------
    estimator : estimator
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    train_sizes : sequence of float or int
        Fractions of the largest training fold (in (0, 1]) or absolute numbers of rows.
    cv : int, splitter, iterable of (train, test) or None, default=None
        As in :func:`cross_val_score`: ``None`` means 5 folds.
    scoring : str, callable or None
    shuffle : bool, default=False
        Shuffle each training fold before taking its first ``n`` rows (do it when rows are sorted by class).
    random_state : int, numpy RandomState or None
        Seed of that shuffle.

    Returns
    -------
    train_sizes_abs : ndarray of shape (n_sizes,)
        The distinct numbers of training rows used.
    train_scores, test_scores : ndarray of shape (n_sizes, n_splits)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.arange(20.0).reshape(-1, 1)
    >>> sizes, train, test = learning_curve(LinearRegression(), X, 3 * X.ravel(), train_sizes=[0.5, 1.0], cv=2)
    >>> sizes.tolist(), train.shape
    ([5, 10], (2, 2))
    """
    splits = list(_check_cv(cv, estimator, y).split(X, y))
    if shuffle:
        rng = check_random_state(random_state)
        splits = [(rng.permutation(train), test) for train, test in splits]
    n_max = len(splits[0][0])
    sizes = np.asarray(train_sizes)
    if np.issubdtype(sizes.dtype, np.floating):
        if sizes.min() <= 0 or sizes.max() > 1:
            raise ValueError(f"fractional train_sizes must be in (0, 1], got {sizes.tolist()}")
        sizes = np.clip((sizes * n_max).astype(int), 1, n_max)
    elif sizes.min() <= 0 or sizes.max() > n_max:
        raise ValueError(f"train_sizes must be between 1 and {n_max} rows, got {sizes.tolist()}")
    sizes = np.unique(sizes)
    scorer = _scorer(scoring)
    scores = np.array(
        [
            [_fit_and_score(estimator, X, y, train[:n], test, scorer, train_score=True) for train, test in splits]
            for n in sizes
        ]
    )
    return sizes, scores[..., 0], scores[..., 1]


def validation_curve(estimator, X, y, *, param_name, param_range, cv=None, scoring=None):
    """Training and validation scores for each value of one hyper-parameter: where does overfitting start?

    Parameters
    ----------
    estimator : estimator
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    param_name : str
        The parameter to vary, ``"step__param"`` for a step of a pipeline.
    param_range : sequence
        Its values.
    cv : int, splitter, iterable of (train, test) or None, default=None
        As in :func:`cross_val_score`: ``None`` means 5 folds.
    scoring : str, callable or None

    Returns
    -------
    train_scores, test_scores : ndarray of shape (len(param_range), n_splits)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> X = np.arange(20.0).reshape(-1, 1)
    >>> train, test = validation_curve(Ridge(), X, X.ravel(), param_name="alpha", param_range=[0.1, 1e6], cv=2)
    >>> bool(test[0].mean() > test[1].mean())
    True
    """
    splits = list(_check_cv(cv, estimator, y).split(X, y))
    scorer = _scorer(scoring)
    scores = np.array(
        [
            [
                _fit_and_score(estimator, X, y, tr, te, scorer, {param_name: value}, train_score=True)
                for tr, te in splits
            ]
            for value in param_range
        ]
    )
    return scores[..., 0], scores[..., 1]
