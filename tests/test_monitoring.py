"""mlcourse.monitoring: drift statistics equal SciPy's; PSI properties; DriftReport; simulator; Monitor and policy."""

from __future__ import annotations

import math
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
import scipy.spatial.distance
import scipy.special
import scipy.stats
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlcourse import monitoring as mm
from mlcourse.monitoring import _kolmogorov, _simulate, _special

matplotlib.use("Agg")

STAT_TOL, P_TOL = 1e-12, 1e-10


def scipy_ks(a, b, **kwargs):
    """SciPy's result, and whether it warned (it then switched from an exact to an asymptotic p-value)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = scipy.stats.ks_2samp(a, b, **kwargs)
    return res, bool(caught)


def assert_ks_equal(ours, theirs):
    assert abs(ours.statistic - theirs.statistic) <= STAT_TOL
    if math.isnan(theirs.pvalue):  # SciPy's asymptotic p-value for n1 = n2 = 1
        assert math.isnan(ours.pvalue), ours.pvalue
    else:
        assert abs(ours.pvalue - theirs.pvalue) <= P_TOL, (ours.pvalue, theirs.pvalue)
    assert ours.statistic_location == theirs.statistic_location
    assert ours.statistic_sign == theirs.statistic_sign


# ---------------------------------------------------------------- KS test: parity with scipy.stats.ks_2samp

samples = st.integers(1, 50).flatmap(
    lambda n: st.one_of(
        st.lists(st.integers(0, 6).map(float), min_size=n, max_size=n),  # heavy ties
        st.lists(st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False), min_size=n, max_size=n),
    )
)


@given(a=samples, b=samples, alternative=st.sampled_from(["two-sided", "less", "greater"]))
def test_ks_2samp_matches_scipy_exact_branch(a, b, alternative):
    theirs, warned = scipy_ks(a, b, alternative=alternative)
    # SciPy's one-sided float path count can round above the total near p = 1 and then gives up
    # (warning, asymptotic p-value); ours counts probabilities and never needs to. Documented.
    assume(not warned)
    assert_ks_equal(mm.ks_2samp(a, b, alternative=alternative), theirs)


ALTERNATIVES, METHODS = ["two-sided", "less", "greater"], ["auto", "exact", "asymp"]
tiny_samples = st.integers(1, 8).flatmap(
    lambda n: st.one_of(
        st.lists(st.integers(0, 3).map(float), min_size=n, max_size=n),  # ties in and across the samples
        st.lists(st.floats(-10, 10, allow_nan=False, allow_subnormal=False), min_size=n, max_size=n),
    )
)


# Four alternatives times four methods times tiny and large samples: more examples to reach every pairing.
@settings(max_examples=150)
@given(
    a=st.one_of(tiny_samples, samples),
    b=st.one_of(tiny_samples, samples),
    alternative=st.sampled_from(ALTERNATIVES),
    method=st.sampled_from(METHODS),
)
@example(a=[0.0], b=[1.0], alternative="two-sided", method="asymp")  # SciPy's NaN (formerly our 0.0)
@example(a=[1.0], b=[1.0], alternative="two-sided", method="asymp")
@example(a=[1.0], b=[0.0, 2.0], alternative="less", method="asymp")
def test_ks_2samp_matches_scipy_for_every_method_from_one_value_up(a, b, alternative, method):
    theirs, warned = scipy_ks(a, b, alternative=alternative, method=method)
    assume(not warned or method == "asymp")  # SciPy's one-sided exact count giving up near p = 1 (see above)
    assert_ks_equal(mm.ks_2samp(a, b, alternative, method), theirs)


@pytest.mark.parametrize("sizes", [(1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 2)])
def test_ks_2samp_matches_scipy_on_every_tiny_sample(sizes):
    """Every pair of samples of these sizes over the values 0, 1, 2 (ties included), every alternative and method."""
    n1, n2 = sizes
    grids = [np.array(list(np.ndindex(*([3] * n))), dtype=float) for n in sizes]
    for a in grids[0]:
        for b in grids[1]:
            for alternative in ALTERNATIVES:
                for method in METHODS:
                    theirs, _ = scipy_ks(a, b, alternative=alternative, method=method)
                    assert_ks_equal(mm.ks_2samp(a, b, alternative, method), theirs)
    assert len(grids[0]) == 3**n1 and len(grids[1]) == 3**n2


def test_ks_2samp_asymptotic_p_value_of_one_value_each_is_nan_as_in_scipy():
    # n1 n2 / (n1 + n2) = 0.5 rounds to 0, and the one-sample distribution of 0 draws does not exist
    for a, b in [([0.0], [0.0]), ([0.0], [1.0]), ([2.0], [1.0])]:
        ours = mm.ks_2samp(a, b, method="asymp")
        assert math.isnan(ours.pvalue) and math.isnan(scipy_ks(a, b, method="asymp")[0].pvalue)
        assert not math.isnan(mm.ks_2samp(a, b, "less", "asymp").pvalue)  # Hodges' one-sided formula is defined
        assert mm.ks_2samp(a, b).pvalue == scipy.stats.ks_2samp(a, b).pvalue  # the exact count is too
    with np.errstate(divide="ignore"):  # SciPy divides by n = 0 on the way to its NaN
        assert math.isnan(_kolmogorov.kolmogorov_sf(0, 0.5)) and math.isnan(scipy.stats.kstwo.sf(0.5, 0))


@given(
    n=st.integers(1, 60), seed=st.integers(0, 2**32 - 1), alternative=st.sampled_from(["two-sided", "less", "greater"])
)
def test_ks_2samp_matches_scipy_with_equal_sizes(n, seed, alternative):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 8, n).astype(float), rng.normal(0.5, 2, n).round(1)
    assert_ks_equal(mm.ks_2samp(a, b, alternative=alternative), scipy_ks(a, b, alternative=alternative)[0])


@pytest.mark.parametrize(
    ("n1", "n2", "shift"), [(2000, 1000, 0.05), (997, 1013, 0.1), (300, 450, 0.0), (1200, 35, 0.4)]
)
def test_ks_2samp_matches_scipy_on_larger_unequal_samples(n1, n2, shift):
    rng = np.random.default_rng(n1 + n2)
    a, b = rng.normal(size=n1), rng.normal(shift, size=n2)
    ours, theirs = mm.ks_2samp(a, b), scipy_ks(a, b)[0]
    assert_ks_equal(ours, theirs)
    assert ours.pvalue == pytest.approx(theirs.pvalue, rel=1e-12, abs=0)  # relative too: tiny p-values stay accurate


@pytest.mark.parametrize(
    ("n1", "n2", "shift"),
    [(10_001, 40, 0.0), (10_001, 40, 0.5), (12_000, 300, 0.1), (20_000, 15_000, 0.03), (10_500, 10_400, 0.01)],
)
@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_ks_2samp_matches_scipy_asymptotic_branch(n1, n2, shift, alternative):
    rng = np.random.default_rng(n2)
    a, b = rng.normal(size=n1), rng.normal(shift, size=n2)
    assert_ks_equal(mm.ks_2samp(a, b, alternative=alternative), scipy_ks(a, b, alternative=alternative)[0])


@pytest.mark.parametrize("method", ["exact", "asymp"])
def test_ks_2samp_explicit_methods_match_scipy(method):
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=70), rng.normal(0.3, size=45)
    for alternative in ("two-sided", "less", "greater"):
        assert_ks_equal(
            mm.ks_2samp(a, b, alternative, method), scipy_ks(a, b, alternative=alternative, method=method)[0]
        )


def test_one_sided_exact_gives_up_where_scipy_does():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=700), rng.normal(0.1, size=500)  # C(1200, 500) overflows a float
    theirs, warned = scipy_ks(a, b, alternative="greater")
    assert warned
    with pytest.warns(RuntimeWarning, match="asymptotic"):
        ours = mm.ks_2samp(a, b, alternative="greater")
    assert_ks_equal(ours, theirs)


def test_ks_statistic_is_the_largest_ecdf_gap():
    res = mm.ks_2samp([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    assert res.statistic == 1.0 and res.statistic_sign == 1 and res.statistic_location == 3.0
    assert type(res.statistic) is float and type(res.pvalue) is float
    res = mm.ks_2samp([4.0, 5.0, 6.0], [1.0, 2.0, 3.0])
    assert res.statistic == 1.0 and res.statistic_sign == -1
    res = mm.ks_2samp([1.0, 2.0, 3.0], [3.0, 5.0, 6.0])  # a tie at 3: F1(3) = 1, F2(3) = 1/3
    assert res.statistic == pytest.approx(2 / 3) and res.statistic_location == 3.0
    assert mm.ks_2samp([1, 2, 3], [1, 2, 3]) == (0.0, 1.0, 1, 1)


@pytest.mark.parametrize(
    ("a", "b", "kwargs", "error", "match"),
    [
        ([], [1.0], {}, ValueError, "data1 is empty"),
        ([1.0], [np.nan], {}, ValueError, "data2 contains NaN"),
        ([[1.0, 2.0]], [1.0], {}, ValueError, "data1 must be 1-D"),
        (["a", "b"], [1.0], {}, TypeError, "data1 must hold numbers"),
        (3.0, [1.0], {}, TypeError, "data1 must be a 1-D array-like"),
        ([1.0], [2.0], {"alternative": "bigger"}, ValueError, "alternative must be one of"),
        ([1.0], [2.0], {"method": "fast"}, ValueError, "method must be one of"),
    ],
)
def test_ks_2samp_rejects_bad_input(a, b, kwargs, error, match):
    with pytest.raises(error, match=match):
        mm.ks_2samp(a, b, **kwargs)


# ---------------------------------------------------------------- the one-sample KS distributions


def kolmogorov_grid():
    """(n, x) pairs that reach every branch of scipy's kstwo.sf."""
    rng = np.random.default_rng(0)
    pairs = []
    for n in [1, 2, 3, 5, 10, 40, 100, 140, 141, 500, 5_000, 50_000, 100_001]:
        n_random = 6 if n < 100_000 else 2  # SciPy itself needs 0.2 s per point at n = 100 001
        xs = np.r_[0.3 / n, 0.75 / n, 1 / n, 1 - 1.5 / n, 0.5, 0.7, np.sqrt(rng.uniform(0, 5, n_random) / n)]
        pairs += [(n, float(x)) for x in xs if 0 <= x <= 1]
    # SciPy's Pomeranz branch (n <= 140, 0.754693 < n x^2 <= 4), where we use the Durbin matrix instead
    pairs += [(n, math.sqrt(c / n)) for n in (7, 30, 90, 140) for c in (0.76, 1.0, 2.0, 3.0, 4.0)]
    # n > 140: the Durbin matrix (n x^1.5 <= 1.4), Pelz-Good, 2 * smirnov (n x^2 >= 2.2), and 0
    pairs += [(n, (c / n) ** (2 / 3)) for n in (200, 20_000) for c in (1.0, 1.39, 1.41, 3.0)]
    pairs += [(n, math.sqrt(c / n)) for n in (200, 20_000) for c in (2.1, 2.3, 10.0, 369.0, 371.0)]
    return pairs


def test_kolmogorov_sf_matches_scipy_kstwo_everywhere():
    worst = max(abs(_kolmogorov.kolmogorov_sf(n, x) - scipy.stats.kstwo.sf(x, n)) for n, x in kolmogorov_grid())
    assert worst <= 1e-12


def test_smirnov_sf_matches_scipy_special_smirnov():
    worst = max(abs(_kolmogorov.smirnov_sf(n, x) - scipy.special.smirnov(n, x)) for n, x in kolmogorov_grid())
    assert worst <= 1e-12


def test_durbin_matrix_agrees_with_pomeranz_region_of_scipy():
    for n in (5, 50, 140):
        for c in np.linspace(0.76, 4.0, 9):
            x = math.sqrt(c / n)
            assert _kolmogorov.durbin_cdf(n, x) == pytest.approx(scipy.stats.kstwo.cdf(x, n), abs=1e-12)


def test_gammaincc_matches_scipy():
    rng = np.random.default_rng(1)
    for _ in range(300):
        a = float(rng.choice([rng.uniform(0.5, 5.0), rng.integers(1, 200) / 2]))
        x = float(rng.uniform(0, 4 * a + 10))
        assert _special.gammaincc(a, x) == pytest.approx(scipy.special.gammaincc(a, x), abs=1e-13)
    assert _special.gammaincc(2.0, 0.0) == 1.0 and _special.gammaincc(2.0, math.inf) == 0.0
    with pytest.raises(ValueError, match="a must be positive"):
        _special.gammaincc(0.0, 1.0)


# ---------------------------------------------------------------- chi-square: parity with chi2_contingency

tables = st.tuples(st.integers(1, 4), st.integers(1, 6)).flatmap(
    lambda shape: st.lists(st.integers(0, 40), min_size=shape[0] * shape[1], max_size=shape[0] * shape[1]).map(
        lambda cells: np.array(cells).reshape(shape)
    )
)


@given(observed=tables, correction=st.booleans())
def test_chi2_contingency_matches_scipy(observed, correction):
    assume((observed.sum(axis=0) > 0).all() and (observed.sum(axis=1) > 0).all())
    ours = mm.chi2_contingency(observed, correction=correction)
    theirs = scipy.stats.chi2_contingency(observed, correction=correction)
    assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-12, abs=1e-12)
    assert abs(ours.pvalue - theirs.pvalue) <= P_TOL
    assert ours.dof == theirs.dof
    np.testing.assert_allclose(ours.expected_freq, theirs.expected_freq, rtol=1e-14)


def test_chi2_contingency_yates_correction_and_errors():
    res = mm.chi2_contingency([[10, 0], [5, 5]])
    assert (res.statistic, res.dof) == (pytest.approx(4.266666666666667), 1)
    assert mm.chi2_contingency([[10, 3]])[:3] == (0.0, 1.0, 0)
    with pytest.raises(ValueError, match="all-zero row or column"):
        mm.chi2_contingency([[10, 0], [5, 0]])
    with pytest.raises(ValueError, match="non-negative"):
        mm.chi2_contingency([[1, -1], [2, 2]])
    with pytest.raises(TypeError, match="observed must hold counts"):
        mm.chi2_contingency([["a", "b"]])


@given(
    ref=st.lists(st.sampled_from("abcd"), min_size=1, max_size=80),
    cur=st.lists(st.sampled_from("abcde"), min_size=1, max_size=80),
)
def test_chi_square_test_is_chi2_contingency_of_the_crosstab(ref, cur):
    table = pd.crosstab(np.r_[np.zeros(len(ref)), np.ones(len(cur))], np.r_[ref, cur]).to_numpy()
    assume(table.shape[1] > 0)
    theirs = scipy.stats.chi2_contingency(table)
    ours = mm.chi_square_test(ref, cur)
    assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-12, abs=1e-12)
    assert abs(ours.pvalue - theirs.pvalue) <= P_TOL and ours.dof == theirs.dof


def test_category_counts_and_fractions():
    counts, cats = mm.category_counts(["a", "b", "b"], ["c", "b"])
    assert cats.tolist() == ["a", "b", "c"] and counts.tolist() == [[1, 2, 0], [0, 1, 1]]
    with pytest.raises(TypeError, match="both hold strings or both numbers"):
        mm.category_counts(["a"], [1])


# ---------------------------------------------------------------- Jensen-Shannon distance

weights = st.lists(st.floats(0, 10, allow_subnormal=False), min_size=1, max_size=8)


@given(data=st.data(), base=st.sampled_from([None, 2.0, math.e, 10.0]))
def test_jensenshannon_matches_scipy(data, base):
    p = np.array(data.draw(weights))
    q = np.array(data.draw(st.lists(st.floats(0, 10, allow_subnormal=False), min_size=len(p), max_size=len(p))))
    assume(p.sum() > 0 and q.sum() > 0)
    ours, theirs = mm.jensenshannon(p, q, base), scipy.spatial.distance.jensenshannon(p, q, base)
    # The distance is the square root of a divergence computed in a different order (scipy uses
    # rel_entr): a rounding difference of 1e-16 in a divergence near 0 becomes 1e-8 after the root.
    assert ours**2 == pytest.approx(theirs**2, abs=1e-12)
    assert ours == pytest.approx(theirs, abs=1e-7)


@pytest.mark.parametrize(("axis", "keepdims"), [(0, False), (1, False), (1, True), (-1, True)])
def test_jensenshannon_axis_and_keepdims_match_scipy(axis, keepdims):
    rng = np.random.default_rng(2)
    p, q = rng.random((4, 5)), rng.random((4, 5))
    ours = mm.jensenshannon(p, q, 2, axis=axis, keepdims=keepdims)
    theirs = scipy.spatial.distance.jensenshannon(p, q, 2, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13)


def test_jensenshannon_bounds_and_errors():
    assert mm.jensenshannon([1, 0], [0, 1], base=2) == 1.0 and mm.jensenshannon([1, 2], [2, 4]) == 0.0
    with pytest.raises(ValueError, match="p must hold finite non-negative"):
        mm.jensenshannon([-1, 2], [1, 1])
    with pytest.raises(ValueError, match="q sums to 0"):
        mm.jensenshannon([1, 2], [0, 0])
    with pytest.raises(ValueError, match="one shape"):
        mm.jensenshannon([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="base must be positive and not 1"):
        mm.jensenshannon([1, 2], [1, 2], base=1)


# ---------------------------------------------------------------- PSI (no SciPy twin: properties)


def test_psi_hand_computed_values():
    assert mm.psi_from_fractions([0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.25 * math.log(3), abs=1e-15)
    # An empty current bin counts as eps: (eps - 0.5) ln(eps / 0.5) + (1 - 0.5) ln(1 / 0.5)
    expected = (1e-4 - 0.5) * math.log(1e-4 / 0.5) + 0.5 * math.log(2)
    assert mm.psi_from_fractions([0.5, 0.5], [0.0, 1.0]) == pytest.approx(expected, rel=1e-14)
    # Deciles: the current sample puts 2 of 10 into the first decile and none into the last.
    ref = np.arange(100.0)
    cur = np.r_[[0.0, 1.0], np.arange(10.0, 90.0, 10.0)]
    fr = mm.bin_fractions(cur, mm.quantile_bins(ref))
    assert fr.tolist() == [0.2] + [0.1] * 8 + [0.0]
    expected = 0.1 * math.log(2) + (1e-4 - 0.1) * math.log(1e-4 / 0.1)
    assert mm.psi(ref, cur) == pytest.approx(expected, rel=1e-12)


@given(seed=st.integers(0, 10_000), n=st.integers(5, 300))
def test_psi_is_zero_for_identical_samples_and_never_negative(seed, n):
    rng = np.random.default_rng(seed)
    ref, cur = rng.normal(size=n), rng.normal(rng.uniform(-1, 1), size=rng.integers(1, 300))
    assert mm.psi(ref, ref) == 0.0
    assert mm.psi(ref, rng.permutation(ref)) == 0.0
    assert mm.psi(ref, cur) >= 0.0


@given(a=st.lists(st.floats(0, 1), min_size=2, max_size=10), data=st.data())
def test_psi_from_fractions_is_symmetric(a, data):
    b = data.draw(st.lists(st.floats(0, 1), min_size=len(a), max_size=len(a)))
    assert mm.psi_from_fractions(a, b) == pytest.approx(mm.psi_from_fractions(b, a), rel=1e-12, abs=1e-15)


def test_psi_grows_with_the_shift():
    ref = np.random.default_rng(0).normal(size=20_000)
    values = [mm.psi(ref, ref + shift) for shift in (0.0, 0.1, 0.25, 0.5, 1.0, 2.0)]
    assert values[0] == 0.0 and np.all(np.diff(values) > 0)
    assert 0.2 < mm.psi(ref, ref + 0.5) < 0.3  # half a standard deviation: a "major" shift by the rule of thumb


def test_quantile_bins_split_the_reference_evenly_and_merge_ties():
    ref = np.random.default_rng(1).normal(size=1000)
    assert np.all(mm.bin_fractions(ref, mm.quantile_bins(ref)) == 0.1)
    assert mm.bin_fractions([-100.0, 100.0], mm.quantile_bins(ref)).tolist() == [0.5] + [0.0] * 8 + [0.5]
    assert mm.quantile_bins([0, 0, 0, 0, 1, 1, 1, 2], n_bins=10).tolist() == [0, 1, 2]  # ties merge
    assert mm.bin_fractions([0, 0, 0, 0, 1, 1, 1, 2], [0, 1, 2]).tolist() == [0.5, 0.375, 0.125, 0.0]
    with pytest.raises(ValueError, match="n_bins must be an integer >= 2"):
        mm.quantile_bins(ref, n_bins=1)
    with pytest.raises(ValueError, match="reference contains NaN"):
        mm.psi([1.0, np.nan], [1.0])
    with pytest.raises(ValueError, match="eps must be positive"):
        mm.psi_from_fractions([1.0], [1.0], eps=0)


# ---------------------------------------------------------------- DriftReport


@pytest.fixture(scope="module")
def frames():
    rng = np.random.default_rng(7)
    n_ref, n_cur = 600, 400
    reference = pd.DataFrame(
        {
            "stable": rng.normal(size=n_ref),
            "shifted": rng.normal(size=n_ref),
            "count": rng.poisson(2, n_ref),
            "colour": rng.choice(["red", "green", "blue"], n_ref, p=[0.5, 0.3, 0.2]),
            "flag": rng.random(n_ref) < 0.3,
        }
    )
    current = pd.DataFrame(
        {
            "stable": rng.normal(size=n_cur),
            "shifted": rng.normal(0.8, size=n_cur),
            "count": rng.poisson(2, n_cur),
            "colour": rng.choice(["red", "green", "blue"], n_cur, p=[0.2, 0.3, 0.5]),
            "flag": rng.random(n_cur) < 0.3,
            "extra": 1.0,
        }
    )
    return reference, current


def test_drift_report_statistics_equal_scipy(frames):
    reference, current = frames
    res = mm.DriftReport(reference, current).results
    assert res.index.tolist() == ["stable", "shifted", "count", "colour", "flag"]  # "extra" is ignored
    assert res["test"].tolist() == ["ks", "ks", "ks", "chi2", "chi2"]
    for feature in ("stable", "shifted", "count"):
        theirs = scipy.stats.ks_2samp(reference[feature], current[feature])
        assert abs(res.loc[feature, "statistic"] - theirs.statistic) <= STAT_TOL
        assert abs(res.loc[feature, "p_value"] - theirs.pvalue) <= P_TOL
        cuts = mm.quantile_bins(reference[feature])
        js = scipy.spatial.distance.jensenshannon(
            mm.bin_fractions(reference[feature], cuts), mm.bin_fractions(current[feature], cuts), base=2
        )
        assert res.loc[feature, "js_distance"] == pytest.approx(js, abs=1e-12)
    for feature in ("colour", "flag"):
        theirs = scipy.stats.chi2_contingency(
            pd.crosstab(np.r_[[0] * 600, [1] * 400], np.r_[reference[feature], current[feature]])
        )
        assert res.loc[feature, "statistic"] == pytest.approx(theirs.statistic, rel=1e-12)
        assert abs(res.loc[feature, "p_value"] - theirs.pvalue) <= P_TOL


def test_drift_report_flags_only_shifted_features(frames):
    report = mm.DriftReport(*frames)
    assert report.drifted_features == ["shifted", "colour"]
    assert report.drift_share == 0.4
    assert repr(report) == "DriftReport(2 of 5 features drifted: shifted, colour)"
    # the flag needs both a significant test and a PSI above the threshold
    flags = mm.DriftReport(*frames, alpha=1.0, psi_threshold=0.0).results["drifted"]
    assert flags.all()
    assert mm.DriftReport(*frames, psi_threshold=100.0).drifted_features == []


def test_drift_report_categorical_override_and_arrays(frames):
    reference, current = frames
    res = mm.DriftReport(reference, current, categorical=["count"]).results
    # as categories, the Poisson counts' rare tail values have expected counts below 1: a permutation test
    assert res.loc["count", "kind"] == "categorical" and res.loc["count", "test"] == "chi2_perm"
    report = mm.DriftReport(reference[["stable", "shifted"]].to_numpy(), current[["stable", "shifted"]].to_numpy())
    assert report.results.index.tolist() == ["x0", "x1"] and report.drifted_features == ["x1"]


def test_drift_report_rejects_bad_input(frames):
    reference, current = frames
    with pytest.raises(ValueError, match=r"current lacks the reference columns \['stable'\]"):
        mm.DriftReport(reference, current.drop(columns="stable"))
    with pytest.raises(ValueError, match="current column 'shifted' has missing values"):
        mm.DriftReport(reference, current.assign(shifted=np.nan))
    with pytest.raises(ValueError, match="alpha must be a number in"):
        mm.DriftReport(reference, current, alpha=0)
    with pytest.raises(ValueError, match="categorical names columns not in reference"):
        mm.DriftReport(reference, current, categorical=["nope"])


def test_drift_report_plot_is_a_bar_per_feature(frames):
    import matplotlib.pyplot as plt

    ax = mm.DriftReport(*frames).plot()
    assert len(ax.patches) == 5 and ax.get_title().startswith("DriftReport(2 of 5")
    plt.close("all")


# ---------------------------------------------------------------- the production simulator


def test_simulator_is_deterministic_and_months_do_not_depend_on_the_horizon():
    a = mm.simulate_production(n_months=4, batch_size=50, n_reference=80, seed=3)
    b = mm.simulate_production(n_months=6, batch_size=50, n_reference=80, seed=3)
    c = mm.simulate_production(n_months=4, batch_size=50, n_reference=80, seed=4)
    pd.testing.assert_frame_equal(a.reference.X, b.reference.X)
    for x, y in zip(a, b.batches[:4], strict=True):
        pd.testing.assert_frame_equal(x.X, y.X)
        np.testing.assert_array_equal(x.y, y.y)
    assert not a.batches[0].X.equals(c.batches[0].X)


def test_simulator_shapes_delays_and_events():
    prod = mm.simulate_production(n_months=7, batch_size=30, n_reference=40, label_delay=2, seed=0)
    assert len(prod) == 7 and [b.month for b in prod] == list(range(1, 8))
    assert [b.label_available_at for b in prod] == [m + 2 for m in range(1, 8)]
    assert prod.reference.month == 0 and prod.reference.label_available_at == 0
    assert prod.reference.X.columns.tolist() == list(_simulate.FEATURES)
    assert all(b.X.shape == (30, 5) and b.y.shape == (30,) and set(np.unique(b.y)) <= {0, 1} for b in prod)
    assert prod.events == {"sudden shift": 6}  # the concept drift (month 9) is beyond the horizon
    month, _, _, available = prod.batches[0]  # a batch unpacks
    assert month == 1 and available == 3


def test_simulator_drifts_as_documented():
    prod = mm.simulate_production(n_months=12, batch_size=3000, n_reference=3000, seed=1)
    partner = [np.mean(b.X["channel"] == "partner") for b in prod]
    assert max(partner[:5]) < 0.1 and min(partner[5:]) > 0.3  # the sudden shift at month 6
    incomes = [np.log(b.X["income"]).mean() for b in prod]
    assert np.all(np.diff(incomes) > 0)  # gradual drift
    quiet = mm.simulate_production(
        n_months=12, batch_size=3000, n_reference=3000, shift_month=None, concept_month=None, gradual_drift=0.0, seed=1
    )
    assert max(np.mean(b.X["channel"] == "partner") for b in quiet) < 0.1 and quiet.events == {}
    # concept drift: the same inputs, another rule; a model of the old rule ranks the new labels worse
    model = make_model().fit(prod.reference.X, prod.reference.y)
    auc = [mm_auc(b.y, model.predict_proba(b.X)[:, 1]) for b in prod]
    assert np.mean(auc[8:]) < np.mean(auc[:8]) - 0.1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_months": 0}, "n_months must be an integer >= 1"),
        ({"batch_size": 2.5}, "batch_size must be an integer"),
        ({"label_delay": -1}, "label_delay must be an integer >= 0"),
        ({"shift_month": 0}, "shift_month must be an integer >= 1"),
        ({"gradual_drift": float("nan")}, "gradual_drift must be a finite number"),
    ],
)
def test_simulator_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mm.simulate_production(**kwargs)


# ---------------------------------------------------------------- Monitor and RetrainPolicy


def make_model():
    return make_pipeline(
        make_column_transformer((OneHotEncoder(), ["channel"]), remainder=StandardScaler()), LogisticRegression()
    )


def mm_auc(y, s):
    from mlcourse.metrics import roc_auc_score

    return roc_auc_score(y, s)


@pytest.fixture(scope="module")
def year():
    return mm.simulate_production(n_months=12, batch_size=600, n_reference=1200, seed=0)


@pytest.fixture(scope="module")
def first_model(year):
    return make_model().fit(year.reference.X, year.reference.y)


def test_policy_reasons():
    policy = mm.RetrainPolicy(on_drift=0.5, on_performance_drop=0.05, every_n_months=3)
    assert policy.reasons(drift_share=0.4, score=0.80, baseline=0.80, months_in_service=2) == []
    assert policy.reasons(drift_share=0.6, score=0.70, baseline=0.80, months_in_service=3) == [
        "drift",
        "performance drop",
        "schedule",
    ]
    assert policy.reasons(drift_share=0.0, score=math.nan, baseline=0.80, months_in_service=1) == []
    assert (
        mm.RetrainPolicy(None, None, None).reasons(drift_share=1.0, score=0.0, baseline=1.0, months_in_service=99) == []
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"on_drift": 0.0}, "on_drift must be None or a share"),
        ({"on_performance_drop": -0.1}, "on_performance_drop must be None or a number"),
        ({"every_n_months": 0}, "every_n_months must be None or an integer >= 1"),
    ],
)
def test_policy_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mm.RetrainPolicy(**kwargs)


def test_monitor_that_never_retrains_scores_each_month_when_its_labels_arrive(year, first_model):
    monitor = mm.Monitor(year.reference.X, first_model, mm.RetrainPolicy(None, None, None)).run(year)
    perf = monitor.performance
    assert perf["month"].tolist() == list(range(1, 12))  # month 12's labels arrive in month 13
    assert (perf["labels_at"] == perf["month"] + 1).all() and (perf["model_version"] == 1).all()
    batch = year.batches[3]
    assert perf.loc[3, "score"] == pytest.approx(mm_auc(batch.y, first_model.predict_proba(batch.X)[:, 1]))
    decisions = monitor.decisions
    assert decisions.columns.tolist() == [
        "month",
        "drift_share",
        "drifted_features",
        "score",
        "baseline",
        "reason",
        "action",
        "model_version",
    ]
    assert (decisions["action"] == "keep").all() and math.isnan(decisions.loc[0, "score"])
    assert decisions.loc[1, "baseline"] == pytest.approx(perf.loc[0, "score"])  # first labelled month
    drift = monitor.drift
    assert len(drift) == 12 * 5 and set(drift["feature"]) == set(_simulate.FEATURES)
    assert drift.loc[drift["month"] >= 6].groupby("month")["drifted"].sum().min() >= 2  # the sudden shift


def test_monitor_triggered_policy_waits_for_labels_then_retrains(year, first_model):
    deployed = []
    monitor = mm.Monitor(year.reference.X, first_model, mm.RetrainPolicy(), on_retrain=deployed.append).run(year)
    log = monitor.decisions.set_index("month")
    assert log.loc[6, "reason"] == "drift" and log.loc[6, "action"] == "wait for labels"  # labels of month 6 come later
    assert log.loc[7, "action"] == "retrain" and log.loc[7, "model_version"] == 2
    assert any("performance drop" in reason for reason in log["reason"])
    retrains = log[log["action"] == "retrain"]
    assert [r.version for r in deployed] == retrains["model_version"].tolist()
    assert [r.version for r in deployed] == list(range(2, monitor.model_version + 1))
    assert [r.month for r in deployed] == retrains.index.tolist()
    first = deployed[0]
    assert first.model is not first_model and first.reason == "drift"
    # trained on the 3 newest labelled months (4, 5, 6), validated on month 6 with a model fitted on 4 and 5
    assert len(first.X) == len(first.y) == 3 * 600
    pd.testing.assert_frame_equal(first.X.iloc[-600:].reset_index(drop=True), year.batches[5].X)
    assert log.loc[8, "baseline"] == first.baseline and 0.6 < first.baseline < 0.9
    assert deployed[-1].model is monitor.model and deployed[-1].X is monitor.reference_X
    perf = monitor.performance
    assert perf.loc[perf["month"] == 8, "model_version"].item() == 2  # the new model served the next month


def test_monitor_schedule_retrains_on_recent_labelled_months(year, first_model):
    class Recorder(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.months_seen_ = len(X)
            self.classes_ = np.unique(y)
            return self

        def predict_proba(self, X):
            return np.tile([0.5, 0.5], (len(X), 1))

    monitor = mm.Monitor(
        year.reference.X,
        Recorder().fit(year.reference.X, year.reference.y),
        mm.RetrainPolicy(None, None, 4),
        retrain_months=2,
    ).run(year)
    log = monitor.decisions
    assert log.loc[log["action"] == "retrain", "month"].tolist() == [4, 8, 12]
    assert monitor.model.months_seen_ == 2 * 600 and monitor.model_version == 4


def test_monitor_rejects_bad_input(year, first_model):
    monitor = mm.Monitor(year.reference.X, first_model)
    monitor.observe(year.batches[1])
    with pytest.raises(ValueError, match="increasing month order"):
        monitor.observe(year.batches[0])
    with pytest.raises(TypeError, match="policy must be a RetrainPolicy"):
        mm.Monitor(year.reference.X, first_model, policy="drift")
    with pytest.raises(ValueError, match="window must be an integer >= 1"):
        mm.Monitor(year.reference.X, first_model, window=0)
    with pytest.raises(TypeError, match="metric must be callable"):
        mm.Monitor(year.reference.X, first_model, metric="auc")


def test_plots_of_a_monitored_year(year, first_model):
    import matplotlib.pyplot as plt

    monitor = mm.Monitor(year.reference.X, first_model).run(year.batches[:8])
    ax = mm.plot_drift_over_time(monitor.drift, threshold=0.1, events=year.events)
    assert len(ax.get_lines()) >= 5 and ax.get_ylabel() == "psi"
    ax = mm.plot_performance(monitor.performance, monitor.decisions, label="triggered", events=year.events)
    assert ax.get_lines()[0].get_label() == "triggered"
    with pytest.raises(ValueError, match="drift must be a DataFrame with columns"):
        mm.plot_drift_over_time(monitor.performance)
    plt.close("all")
