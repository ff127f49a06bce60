"""Fairness: group metrics, parity gaps, and two mitigations, from scratch; a synthetic lending data set.

- :func:`group_metrics` -- count, selection rate, TPR, FPR, precision and accuracy per group (a
  ``MetricFrame``-like table) with ``.difference()`` and ``.ratio()``.
- :func:`demographic_parity_difference` / :func:`demographic_parity_ratio`,
  :func:`equal_opportunity_difference` / :func:`equal_opportunity_ratio`,
  :func:`equalized_odds_difference` -- the usual parity gaps as single numbers.
- :class:`GroupThresholdClassifier` and :func:`group_thresholds` -- post-processing: one threshold per
  group meeting demographic parity or equal opportunity at the best accuracy.
- :class:`ReweighedClassifier` and :func:`reweighing_weights` -- pre-processing: sample weights that
  make the label independent of the group.
- :func:`make_lending` -- loan applications with a sensitive attribute, a proxy and biased labels.

Twin: fairlearn (``MetricFrame``, the parity metrics, ``ThresholdOptimizer``); ``tests/test_fairness.py``
proves the numbers equal.

Examples
--------
>>> from mlcourse import fairness
>>> frame = fairness.group_metrics([1, 0, 1, 0], [1, 0, 0, 1], sensitive_features=["a", "a", "b", "b"])
>>> frame.by_group["true_positive_rate"].tolist()
[1.0, 0.0]
"""

from __future__ import annotations

from mlcourse.fairness._datasets import LENDING_FEATURES, make_lending
from mlcourse.fairness._metrics import (
    METRICS,
    GroupMetrics,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equal_opportunity_ratio,
    equalized_odds_difference,
    group_metrics,
)
from mlcourse.fairness._plots import plot_group_metrics, plot_tradeoff
from mlcourse.fairness._postprocessing import CONSTRAINTS, GroupThresholdClassifier, group_thresholds
from mlcourse.fairness._reweighing import ReweighedClassifier, reweighing_weights

__all__ = [
    "CONSTRAINTS",
    "LENDING_FEATURES",
    "METRICS",
    "GroupMetrics",
    "GroupThresholdClassifier",
    "ReweighedClassifier",
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
    "equalized_odds_difference",
    "group_metrics",
    "group_thresholds",
    "make_lending",
    "plot_group_metrics",
    "plot_tradeoff",
    "reweighing_weights",
]
