"""Pipelines from scratch: chain steps (:class:`Pipeline`) and route columns (:class:`ColumnTransformer`).

A pipeline is the cure for leakage: everything learned from data (means, categories, model weights)
is learned inside ``fit``, so cross-validation refits it on each training fold and never peeks at the
validation fold. Both classes follow scikit-learn's conventions, so they nest inside scikit-learn's
``GridSearchCV`` and hold scikit-learn's estimators as steps.

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import LinearRegression
>>> from mlcourse.preprocessing import StandardScaler
>>> model = make_pipeline(StandardScaler(), LinearRegression())
>>> [name for name, _ in model.steps]
['standardscaler', 'linearregression']
>>> X, y = np.array([[0.0], [1.0], [2.0]]), np.array([1.0, 3.0, 5.0])
>>> model.fit(X, y).predict(np.array([[3.0]])).round(6).tolist()
[7.0]
>>> model.set_params(linearregression__fit_intercept=False).get_params()["linearregression__fit_intercept"]
False
"""

from __future__ import annotations

from mlcourse.pipeline._column import ColumnTransformer
from mlcourse.pipeline._pipeline import Pipeline, make_pipeline

__all__ = ["ColumnTransformer", "Pipeline", "make_pipeline"]
