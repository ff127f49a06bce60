"""psi_null_threshold: a PSI alarm whose false-alarm rate is alpha whatever the batch size."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mlcourse import monitoring as mon


def _false_alarm_rate(alpha, n, *, m=500, n_references=20, n_batches=200, n_resamples=200, seed=0):
    """Share of no-drift batches whose PSI exceeds the threshold, over several references of one population."""
    rng = np.random.default_rng(seed)
    alarms = 0
    for r in range(n_references):
        reference = rng.normal(size=m)
        threshold = mon.psi_null_threshold(reference, n, alpha=alpha, n_resamples=n_resamples, random_state=r)
        scores = np.array([mon.psi(reference, rng.normal(size=n)) for _ in range(n_batches)])
        alarms += int(np.count_nonzero(scores > threshold))
    return alarms / (n_references * n_batches)


@pytest.mark.parametrize(("alpha", "n"), [(0.05, 100), (0.1, 100), (0.1, 1000)])
def test_the_false_alarm_rate_under_no_drift_is_about_alpha(alpha, n):
    # Tolerance, 0.03: the rate averages 20 references x 200 batches = 4000 no-drift batches. The binomial
    # error of that count is sqrt(0.1 * 0.9 / 4000) = 0.005 at most; each threshold is a quantile of 200
    # resamples, whose own exceedance probability varies by sqrt(0.1 * 0.9 / 200) = 0.021, averaged over
    # 20 references: 0.005; the batches of one reference share its threshold, which at most doubles these.
    # About 4 standard errors together, so a change of seed does not break the test, while the fixed 0.1
    # rule of thumb (checked below) is off by 0.4 and more at n = 100.
    assert _false_alarm_rate(alpha, n) == pytest.approx(alpha, abs=0.03)


def test_the_fixed_rule_of_thumb_is_not_calibrated_for_small_batches():
    rng = np.random.default_rng(1)
    scores = np.array([mon.psi(rng.normal(size=100), rng.normal(size=100)) for _ in range(500)])
    assert np.mean(scores > 0.1) > 0.75  # more than 3 in 4 no-drift batches of 100 rows would alarm


def test_the_threshold_shrinks_as_the_batch_grows():
    reference = np.random.default_rng(0).normal(size=2000)
    thresholds = [mon.psi_null_threshold(reference, n, n_resamples=200) for n in (30, 100, 300, 1000, 10_000)]
    assert all(a > b for a, b in itertools.pairwise(thresholds)), thresholds
    # Close to the chi-square approximation (k - 1)(1/n + 1/m) for the mean: the 95 % point is above it.
    assert thresholds[1] > 9 * (1 / 100 + 1 / 2000)


def test_a_smaller_alpha_gives_a_higher_threshold_and_the_seed_fixes_it():
    reference = np.random.default_rng(0).normal(size=500)
    strict = mon.psi_null_threshold(reference, 200, alpha=0.01, n_resamples=300)
    loose = mon.psi_null_threshold(reference, 200, alpha=0.2, n_resamples=300)
    assert strict > loose
    assert mon.psi_null_threshold(reference, 200, random_state=3, n_resamples=50) == mon.psi_null_threshold(
        reference, 200, random_state=np.random.default_rng(3), n_resamples=50
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"n": 0}, ValueError, "n"),
        ({"n": 10.0}, TypeError, "n"),
        ({"n": True}, TypeError, "n"),
        ({"alpha": 0}, ValueError, "alpha"),
        ({"alpha": 1.0}, ValueError, "alpha"),
        ({"alpha": "0.05"}, TypeError, "alpha"),
        ({"n_bins": 1}, ValueError, "n_bins"),
        ({"n_resamples": 0}, ValueError, "n_resamples"),
        ({"eps": 0.0}, ValueError, "eps"),
        ({"random_state": "seed"}, TypeError, "random_state"),
        ({"random_state": True}, TypeError, "random_state"),
        ({"reference": []}, ValueError, "reference"),
        ({"reference": [1.0, np.nan]}, ValueError, "reference"),
        ({"reference": ["a", "b"]}, TypeError, "reference"),
        ({"reference": np.ones((3, 2))}, ValueError, "reference"),
    ],
)
def test_bad_arguments_raise_naming_the_argument(kwargs, error, name):
    args = {"reference": np.arange(20.0), "n": 10} | kwargs
    with pytest.raises(error, match=rf"^{name}\b"):
        mon.psi_null_threshold(args.pop("reference"), args.pop("n"), **args)
