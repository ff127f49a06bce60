"""Monitoring a deployed model: drift statistics, drift reports, a production simulator, retraining.

Drift statistics are written from scratch with numpy and proved equal to SciPy's in
``tests/test_monitoring.py``: :func:`ks_2samp` (``scipy.stats.ks_2samp``, exact and asymptotic
p-values), :func:`chi2_contingency` (``scipy.stats.chi2_contingency``) and :func:`jensenshannon`
(``scipy.spatial.distance.jensenshannon``). :func:`psi`, the population stability index, has no
SciPy twin. Where expected counts are too small for the chi-square distribution (:func:`cochran_rule`),
:func:`chi2_permutation_test` replaces it (``scipy.stats.permutation_test`` with the same statistic).

:class:`DriftReport` checks each column as its kind allows (:func:`column_kind`): numbers and time
stamps with KS, categories with chi-square, identifiers by their share of unseen values.

Examples
--------
>>> import numpy as np
>>> from mlcourse import monitoring
>>> rng = np.random.default_rng(0)
>>> res = monitoring.ks_2samp(rng.normal(size=200), rng.normal(0.5, size=300))
>>> round(res.statistic, 3), round(res.pvalue, 4) < 0.01
(0.168, True)
"""

from mlcourse.monitoring._kinds import KINDS, column_kind, time_numbers
from mlcourse.monitoring._ks import KSResult, ecdf_gap, ks_2samp
from mlcourse.monitoring._monitor import Monitor, Retraining, RetrainPolicy
from mlcourse.monitoring._plots import plot_drift_over_time, plot_performance
from mlcourse.monitoring._psi_null import psi_null_threshold
from mlcourse.monitoring._report import DriftReport, compare_feature
from mlcourse.monitoring._simulate import Batch, Production, simulate_production
from mlcourse.monitoring._stats import (
    PSI_EPS,
    Chi2Result,
    bin_fractions,
    category_counts,
    category_fractions,
    chi2_contingency,
    chi2_permutation_test,
    chi_square_test,
    cochran_rule,
    expected_freq,
    jensenshannon,
    psi,
    psi_from_fractions,
    quantile_bins,
    rel_entr,
    unseen_share,
)

__all__ = [
    "KINDS",
    "PSI_EPS",
    "Batch",
    "Chi2Result",
    "DriftReport",
    "KSResult",
    "Monitor",
    "Production",
    "RetrainPolicy",
    "Retraining",
    "bin_fractions",
    "category_counts",
    "category_fractions",
    "chi2_contingency",
    "chi2_permutation_test",
    "chi_square_test",
    "cochran_rule",
    "column_kind",
    "compare_feature",
    "ecdf_gap",
    "expected_freq",
    "jensenshannon",
    "ks_2samp",
    "plot_drift_over_time",
    "plot_performance",
    "psi",
    "psi_from_fractions",
    "psi_null_threshold",
    "quantile_bins",
    "rel_entr",
    "simulate_production",
    "time_numbers",
    "unseen_share",
]
