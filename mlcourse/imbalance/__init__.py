"""Imbalanced classification: resampling inside ``fit``, balanced weights, thresholds, calibration.

Samplers have ``fit_resample(X, y)``; wrap one with a classifier in :class:`ResampledClassifier`
(or :func:`make_pipeline`) so that cross-validation resamples only the training folds.
Twins: scikit-learn's ``compute_class_weight("balanced", ...)``, ``compute_sample_weight`` and
``calibration_curve`` (parity-tested); SMOTE follows Chawla et al. (2002).

Examples
--------
>>> import numpy as np
>>> from mlcourse.imbalance import compute_class_weight
>>> y = np.array([0, 0, 0, 1])
>>> compute_class_weight("balanced", classes=np.unique(y), y=y).tolist()
[0.6666666666666666, 2.0]
"""

from __future__ import annotations

from mlcourse.imbalance._calibration import CalibratedClassifier, calibration_curve
from mlcourse.imbalance._sampling import (
    SMOTE,
    RandomOverSampler,
    RandomUnderSampler,
    ResampledClassifier,
    make_pipeline,
)
from mlcourse.imbalance._threshold import threshold_for_precision, threshold_for_recall
from mlcourse.imbalance._weights import compute_class_weight, compute_sample_weight

__all__ = [
    "SMOTE",
    "CalibratedClassifier",
    "RandomOverSampler",
    "RandomUnderSampler",
    "ResampledClassifier",
    "calibration_curve",
    "compute_class_weight",
    "compute_sample_weight",
    "make_pipeline",
    "threshold_for_precision",
    "threshold_for_recall",
]
