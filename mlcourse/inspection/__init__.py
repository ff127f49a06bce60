"""Explaining models: permutation importance, partial dependence, and model cards.

- :func:`permutation_importance` -- the drop in score when a column is shuffled; the same numbers
  as ``sklearn.inspection.permutation_importance`` for the same ``random_state``.
- :func:`partial_dependence` -- the model's average prediction as one feature moves over a grid
  (brute force, optional ICE curves); the same grid and values as scikit-learn's.
- :func:`model_card` -- a Markdown model card from a :class:`mlcourse.serving.ModelBundle` and the
  judgements only people can write (intended use, limitations, ethical considerations).
- :func:`plot_permutation_importance`, :func:`plot_partial_dependence`.

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import LinearRegression
>>> from mlcourse import inspection
>>> X = np.random.default_rng(0).normal(size=(100, 2))
>>> model = LinearRegression().fit(X, X[:, 0])
>>> inspection.permutation_importance(model, X, X[:, 0], random_state=0).importances_mean.round(2).tolist()
[1.85, 0.0]
"""

from __future__ import annotations

from mlcourse.inspection._model_card import GLOSSARY, markdown_table, model_card
from mlcourse.inspection._partial_dependence import grid_from_X, mquantiles, partial_dependence
from mlcourse.inspection._permutation import permutation_importance
from mlcourse.inspection._plots import plot_partial_dependence, plot_permutation_importance

__all__ = [
    "GLOSSARY",
    "grid_from_X",
    "markdown_table",
    "model_card",
    "mquantiles",
    "partial_dependence",
    "permutation_importance",
    "plot_partial_dependence",
    "plot_permutation_importance",
]
