"""Preprocessing from scratch: scalers, an imputer, a one-hot encoder and polynomial features.

Every class is a scikit-learn transformer (``fit`` / ``transform`` / ``fit_transform``,
``get_params`` / ``set_params``, ``get_feature_names_out``), so it nests inside scikit-learn's
``Pipeline`` and ``GridSearchCV`` as well as ours. The maths is plain numpy; scikit-learn is used
only for the compatibility layer (``BaseEstimator``, input validation, ``NotFittedError``).

Each class matches its scikit-learn twin of the same name to 1e-12 (see ``tests/test_preprocessing*``)
and passes every check of ``sklearn.utils.estimator_checks.check_estimator``, none skipped or expected to
fail (the array-API check needs ``SCIPY_ARRAY_API=1`` before scipy is imported, so the tests run it in a
fresh interpreter). Deliberate differences from scikit-learn: ``SimpleImputer`` raises on an all-missing
column instead of dropping it with a warning; ``OneHotEncoder`` treats ``None`` and NaN as one missing
category called ``nan``, and calls ``-0.0`` ``0.0``; outputs are always float64.

Examples
--------
>>> import numpy as np
>>> from mlcourse.preprocessing import StandardScaler
>>> StandardScaler().fit_transform(np.array([[1.0], [3.0]])).ravel().tolist()
[-1.0, 1.0]
"""

from __future__ import annotations

from mlcourse.preprocessing._encoders import OneHotEncoder
from mlcourse.preprocessing._imputer import SimpleImputer
from mlcourse.preprocessing._polynomial import PolynomialFeatures
from mlcourse.preprocessing._scalers import MinMaxScaler, StandardScaler

__all__ = ["MinMaxScaler", "OneHotEncoder", "PolynomialFeatures", "SimpleImputer", "StandardScaler"]
