"""Splitters: train_test_split, KFold, StratifiedKFold (scikit-learn's algorithms, step for step)."""

from __future__ import annotations

import numbers
import warnings

import numpy as np

# Plumbing, not the lesson: the estimator-type tag, and the seed-to-RandomState rule that makes our
# splits identical to scikit-learn's.
from sklearn.base import is_classifier
from sklearn.utils import check_random_state

from mlcourse._validation import check_param, is_number


def _n_samples(X) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _take(data, indices):
    """Rows ``indices`` of an array, DataFrame, Series or list."""
    if data is None:
        return None
    if hasattr(data, "iloc"):
        return data.iloc[indices]
    if hasattr(data, "shape"):
        return data[indices]
    return [data[i] for i in indices]


def _split_sizes(n_samples: int, test_size, train_size) -> tuple[int, int]:
    """Number of test and train samples, rounded as scikit-learn does (test up, train down)."""
    if test_size is None and train_size is None:
        test_size = 0.25
    for name, size in (("test_size", test_size), ("train_size", train_size)):
        if size is None:
            continue
        is_float = isinstance(size, numbers.Real) and not isinstance(size, numbers.Integral)
        if (is_float and not 0 < size < 1) or (not is_float and not 0 < size < n_samples):
            raise ValueError(
                f"{name}={size!r} must be a fraction in (0, 1) or a count in [1, {n_samples - 1}] "
                f"for {n_samples} samples"
            )
    n_test = None if test_size is None else int(np.ceil(test_size * n_samples) if test_size < 1 else test_size)
    n_train = None if train_size is None else int(np.floor(train_size * n_samples) if train_size < 1 else train_size)
    n_test = n_samples - n_train if n_test is None else n_test
    n_train = n_samples - n_test if n_train is None else n_train
    if n_train + n_test > n_samples or n_train == 0 or n_test == 0:
        raise ValueError(f"train and test sizes ({n_train} + {n_test}) do not fit into {n_samples} samples")
    return n_test, n_train


def _approximate_mode(class_counts: np.ndarray, n_draws: int, rng) -> np.ndarray:
    """How many of ``n_draws`` samples each class gets: floor of its share, the leftovers to the largest remainders.

    Ties between equal remainders are broken at random with ``rng`` (scikit-learn's algorithm, step for step).
    """
    continuous = class_counts / class_counts.sum() * n_draws
    floored = np.floor(continuous)
    need_to_add = int(n_draws - floored.sum())
    remainder = continuous - floored
    for value in np.sort(np.unique(remainder))[::-1]:
        if need_to_add <= 0:
            break
        (candidates,) = np.where(remainder == value)
        add_now = min(len(candidates), need_to_add)
        floored[rng.choice(candidates, size=add_now, replace=False)] += 1
        need_to_add -= add_now
    return floored.astype(int)


def _stratified_split(y, n_test: int, n_train: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """One train/test split with (almost) the class proportions of ``y`` on both sides."""
    classes, y_indices = np.unique(y, return_inverse=True)
    class_counts = np.bincount(y_indices)
    if class_counts.min() < 2:
        raise ValueError(f"stratify: the least populated class in y has {class_counts.min()} member; 2 are needed")
    if n_train < len(classes) or n_test < len(classes):
        raise ValueError(f"stratify: train ({n_train}) and test ({n_test}) must each hold all {len(classes)} classes")
    class_indices = np.split(np.argsort(y_indices, kind="mergesort"), np.cumsum(class_counts)[:-1])
    n_i = _approximate_mode(class_counts, n_train, rng)
    t_i = _approximate_mode(class_counts - n_i, n_test, rng)
    train, test = [], []
    for i in range(len(classes)):
        shuffled = class_indices[i][rng.permutation(class_counts[i])]
        train.extend(shuffled[: n_i[i]])
        test.extend(shuffled[n_i[i] : n_i[i] + t_i[i]])
    return rng.permutation(train), rng.permutation(test)


def train_test_split(*arrays, test_size=None, train_size=None, random_state=None, shuffle=True, stratify=None):
    """Split arrays into a random training part and test part (the same rows for every array).

    Reproduces scikit-learn exactly: the same ``random_state`` gives the same rows.

    Parameters
    ----------
    *arrays : arrays, DataFrames, Series or lists of the same length
    test_size : float or int, optional
        Fraction (rounded up) or number of test rows; 0.25 when neither size is given.
    train_size : float or int, optional
        Fraction (rounded down) or number of training rows; the rest by default.
    random_state : int, numpy RandomState or None
        Seed of the shuffle.
    shuffle : bool, default=True
        ``False`` takes the first rows for training and the next ones for testing.
    stratify : array-like, optional
        Class labels whose proportions both parts should keep (usually ``y``).

    Returns
    -------
    splits : list
        ``[a_train, a_test, b_train, b_test, ...]``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0] * 8 + [1] * 4)
    >>> y_train, y_test = train_test_split(y, test_size=0.5, stratify=y, random_state=0)
    >>> int(y_train.sum()), int(y_test.sum())
    (2, 2)
    """
    if not arrays:
        raise ValueError("train_test_split needs at least one array")
    n_samples = _n_samples(arrays[0])
    lengths = {_n_samples(a) for a in arrays}
    if len(lengths) > 1:
        raise ValueError(f"all arrays must have the same number of rows, got {sorted(lengths)}")
    n_test, n_train = _split_sizes(n_samples, test_size, train_size)
    if not shuffle:
        if stratify is not None:
            raise ValueError("stratify needs shuffle=True")
        train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    elif stratify is not None:
        train, test = _stratified_split(np.asarray(stratify), n_test, n_train, check_random_state(random_state))
    else:
        permutation = check_random_state(random_state).permutation(n_samples)
        test, train = permutation[:n_test], permutation[n_test : n_test + n_train]
    return [part for a in arrays for part in (_take(a, train), _take(a, test))]


class KFold:
    """K-fold cross-validation: cut the rows into ``n_splits`` consecutive folds, each one the test set once.

    The first ``n_samples % n_splits`` folds get one extra row. With ``shuffle=True`` the rows are
    shuffled first by ``check_random_state(random_state).shuffle`` — scikit-learn's documented algorithm,
    so the folds are identical to ``sklearn.model_selection.KFold``'s.

    Parameters
    ----------
    n_splits : int, default=5
        At least 2.
    shuffle : bool, default=False
    random_state : int, numpy RandomState or None
        Only meaningful with ``shuffle=True``.

    Examples
    --------
    >>> import numpy as np
    >>> [(train.tolist(), test.tolist()) for train, test in KFold(n_splits=2).split(np.zeros(4))]
    [([2, 3], [0, 1]), ([0, 1], [2, 3])]
    """

    def __init__(self, n_splits: int = 5, *, shuffle: bool = False, random_state=None):
        check_param(n_splits, "n_splits", numbers.Integral, min_val=2)
        if not shuffle and random_state is not None:
            raise ValueError("random_state has no effect unless shuffle=True; leave it None")
        self.n_splits = int(n_splits)
        self.shuffle = shuffle
        self.random_state = random_state

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(n_splits={self.n_splits}, shuffle={self.shuffle}, random_state={self.random_state})"
        )

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """The number of folds."""
        return self.n_splits

    def _test_folds(self, X, y) -> np.ndarray:
        """The fold number of every row; both index arrays ``split`` yields are sorted, as in scikit-learn."""
        n_samples = _n_samples(X)
        if self.n_splits > n_samples:
            raise ValueError(f"n_splits={self.n_splits} cannot be greater than the number of samples ({n_samples})")
        indices = np.arange(n_samples)
        if self.shuffle:
            check_random_state(self.random_state).shuffle(indices)
        fold_sizes = np.full(self.n_splits, n_samples // self.n_splits)
        fold_sizes[: n_samples % self.n_splits] += 1
        folds = np.empty(n_samples, dtype=int)
        folds[indices] = np.repeat(np.arange(self.n_splits), fold_sizes)  # consecutive blocks of the shuffled order
        return folds

    def split(self, X, y=None, groups=None):
        """Yield ``(train_indices, test_indices)`` for each fold.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like, optional
            Ignored by ``KFold``; the class labels for ``StratifiedKFold``.
        groups : ignored
        """
        folds = self._test_folds(X, y)
        for k in range(self.n_splits):
            yield np.flatnonzero(folds != k), np.flatnonzero(folds == k)


class StratifiedKFold(KFold):
    """K-fold cross-validation that keeps the class proportions of ``y`` in every fold.

    Follows scikit-learn's algorithm (same folds for the same ``random_state``): classes are numbered
    in order of first appearance, each fold gets a round-robin share of every class, and the rows of a
    class are assigned to folds in blocks (in order, or shuffled with ``shuffle=True``).

    Parameters
    ----------
    n_splits : int, default=5
    shuffle : bool, default=False
    random_state : int, numpy RandomState or None

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 0, 0, 0, 1, 1])
    >>> [test.tolist() for _, test in StratifiedKFold(n_splits=2).split(np.zeros(6), y)]
    [[0, 1, 4], [2, 3, 5]]
    """

    def _test_folds(self, X, y):
        if y is None:
            raise ValueError("StratifiedKFold needs y, the class labels to stratify on")
        y = np.asarray(y)
        if y.ndim != 1 or _n_samples(X) != len(y):
            raise ValueError(f"y must be 1-D with one label per row of X, got shape {y.shape}")
        rng = check_random_state(self.random_state)
        _, first_seen, y_inv = np.unique(y, return_index=True, return_inverse=True)
        y_encoded = np.argsort(np.argsort(first_seen))[y_inv]  # classes numbered by first appearance
        counts = np.bincount(y_encoded)
        if np.all(self.n_splits > counts):
            raise ValueError(f"n_splits={self.n_splits} cannot be greater than the number of members in each class")
        if self.n_splits > counts.min():
            warnings.warn(
                f"The least populated class in y has only {counts.min()} members, which is less than "
                f"n_splits={self.n_splits}: some folds will miss it.",
                UserWarning,
                stacklevel=3,
            )
        # How many of each class fold k gets: deal the sorted labels round-robin over the folds.
        y_sorted = np.sort(y_encoded)
        allocation = np.array(
            [np.bincount(y_sorted[k :: self.n_splits], minlength=len(counts)) for k in range(self.n_splits)]
        )
        folds = np.empty(len(y), dtype=int)
        for c in range(len(counts)):
            folds_for_class = np.repeat(np.arange(self.n_splits), allocation[:, c])
            if self.shuffle:
                rng.shuffle(folds_for_class)
            folds[y_encoded == c] = folds_for_class
        return folds


def _check_cv(cv, estimator, y):
    """Turn ``cv`` (int, splitter or list of splits) into a splitter; stratified for classifiers."""
    if cv is None:
        cv = 5
    if is_number(cv) and isinstance(cv, numbers.Integral):
        y_kind = None if y is None else np.asarray(y)
        classify = y_kind is not None and is_classifier(estimator) and y_kind.ndim == 1
        return StratifiedKFold(cv) if classify else KFold(cv)
    if hasattr(cv, "split"):
        return cv
    splits = list(cv)
    return _FixedSplits(splits)


class _FixedSplits:
    def __init__(self, splits):
        self.splits = splits

    def split(self, X, y=None, groups=None):
        yield from self.splits
