"""Model selection from scratch: splits, K-fold, cross-validation, learning and validation curves, grid search.

The splitters reproduce scikit-learn's documented algorithms exactly, so for the same ``random_state``
they return the very same indices as ``sklearn.model_selection`` (tested in ``tests/test_model_selection*``).
Everything that learns is cloned and refitted on each training fold: nothing is ever fitted on data it is
later scored on.

Examples
--------
>>> import numpy as np
>>> X, y = np.arange(10).reshape(5, 2), np.array([0, 1, 0, 1, 0])
>>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=0)
>>> X_train.shape, X_test.shape
((3, 2), (2, 2))
>>> [test.tolist() for _, test in KFold(n_splits=3).split(X)]
[[0, 1], [2, 3], [4]]
"""

from __future__ import annotations

from mlcourse.model_selection._search import GridSearchCV
from mlcourse.model_selection._split import KFold, StratifiedKFold, train_test_split
from mlcourse.model_selection._validation import cross_val_score, learning_curve, validation_curve

__all__ = [
    "GridSearchCV",
    "KFold",
    "StratifiedKFold",
    "cross_val_score",
    "learning_curve",
    "train_test_split",
    "validation_curve",
]
