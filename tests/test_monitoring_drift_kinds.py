"""mlcourse.monitoring: column kinds (identifiers, time stamps), chi-square only where valid, errors that name columns."""

from __future__ import annotations

import datetime
import itertools
import math
import uuid

import matplotlib
import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import assume, given
from hypothesis import strategies as st

from mlcourse import monitoring as mm

matplotlib.use("Agg")

P_TOL = 1e-10


def uuids(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [str(uuid.UUID(int=int(x))) for x in rng.integers(0, 2**63 - 1, n)]


# ---------------------------------------------------------------- column kinds


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (np.arange(100.0), "numeric"),
        (np.arange(100), "numeric"),  # numbers are never identifiers: KS handles any number of values
        (pd.array(range(100), dtype="Int64"), "numeric"),
        (pd.to_timedelta(np.arange(10), unit="s"), "numeric"),
        ([True, False] * 10, "categorical"),
        (["a", "b", "c"] * 10, "categorical"),
        (pd.Categorical(["x", "y"] * 10), "categorical"),
        (uuids(50, 0), "identifier"),
        ([f"customer-{i:05d}" for i in range(200)], "identifier"),
        (np.arange(200).astype(object), "identifier"),  # running integers typed as objects
        (pd.Categorical([f"id{i}" for i in range(30)]), "identifier"),
        (np.arange("2024-01-01", "2024-03-01", dtype="datetime64[D]"), "datetime"),
        (pd.date_range("2024-01-01", periods=50, freq="h"), "datetime"),
        (pd.date_range("2024-01-01", periods=50, freq="h", tz="America/New_York"), "datetime"),
        ([datetime.date(2024, 1, d) for d in range(1, 29)], "datetime"),
        ([pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-01-02", tz="Asia/Tokyo")], "datetime"),
    ],
)
def test_column_kind(values, kind):
    assert mm.column_kind(pd.Series(values)) == kind


def test_identifier_share_is_the_share_of_distinct_reference_values():
    nine_in_ten = pd.Series([f"v{i}" for i in range(90)] + ["v0"] * 10)  # 90 distinct values in 100 rows
    assert mm.column_kind(nine_in_ten) == "identifier"
    assert mm.column_kind(nine_in_ten, identifier_share=0.91) == "categorical"
    assert mm.column_kind(pd.Series(uuids(50, 0)), identifier_share=None) == "categorical"
    with pytest.raises(ValueError, match=r"identifier_share must be None or a number in \(0, 1\]"):
        mm.column_kind(nine_in_ten, identifier_share=0)


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([1 + 2j, 3j], "values holds complex numbers"),
        ([[1, 2], [3]], "values holds values of type list"),
        (["a", {"b": 1}], "values holds values of type dict"),
        ([datetime.time(12), "a"], "values holds values of type time"),
    ],
)
def test_column_kind_refuses_what_cannot_be_compared(values, match):
    with pytest.raises(TypeError, match=match):
        mm.column_kind(pd.Series(values))


def test_time_numbers_share_one_unit_and_utc():
    paris = pd.Series(pd.date_range("2024-06-01 02:00", periods=3, freq="D", tz="Europe/Paris"))
    utc = paris.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")  # the same instants, another zone and unit
    ref, cur = mm.time_numbers(paris, utc)
    assert ref.dtype == cur.dtype == np.int64 and ref.tolist() == cur.tolist()
    expected = (paris.dt.tz_convert("UTC").dt.tz_localize(None) - pd.Timestamp(0)).dt.total_seconds() * 1e9
    assert cur.tolist() == expected.astype(np.int64).tolist()  # nanoseconds since the epoch, UTC
    with pytest.raises(TypeError, match="one of reference and current is time-zone aware"):
        mm.time_numbers(paris, paris.dt.tz_localize(None))
    with pytest.raises(TypeError, match="both hold times or both durations"):
        mm.time_numbers(paris.dt.tz_localize(None), pd.Series(pd.to_timedelta([1], unit="s")))
    with pytest.raises(TypeError, match="current must hold dates, times or durations, got dtype str"):
        mm.time_numbers(paris, pd.Series(["2024-06-01"]))


# ---------------------------------------------------------------- identifiers and time stamps in a report


@pytest.fixture(scope="module")
def disjoint():
    """The finding: identifiers and time stamps with no value in common, formerly chi-square p ~ 0.48, not drifted."""
    n_ref, n_cur = 300, 200
    reference = pd.DataFrame(
        {
            "uuid": uuids(n_ref, 1),
            "customer": [f"C{i:06d}" for i in range(n_ref)],
            "row": np.arange(n_ref).astype(object),
            "when": pd.date_range("2024-01-01", periods=n_ref, freq="h"),
            "when_tz": pd.date_range("2024-01-01", periods=n_ref, freq="h", tz="Europe/Paris"),
            "day": [datetime.date(2020, 1, 1) + datetime.timedelta(days=i) for i in range(n_ref)],
        }
    )
    current = pd.DataFrame(
        {
            "uuid": uuids(n_cur, 2),
            "customer": [f"C{i:06d}" for i in range(n_ref, n_ref + n_cur)],
            "row": np.arange(n_ref, n_ref + n_cur).astype(object),
            "when": pd.date_range("2025-01-01", periods=n_cur, freq="h"),
            "when_tz": pd.date_range("2025-01-01", periods=n_cur, freq="h", tz="UTC"),
            "day": [datetime.date(2022, 1, 1) + datetime.timedelta(days=i) for i in range(n_cur)],
        }
    )
    return reference, current


def test_disjoint_identifiers_and_times_are_reported_as_such_and_drifted(disjoint):
    res = mm.DriftReport(*disjoint).results
    assert res["kind"].tolist() == ["identifier"] * 3 + ["datetime"] * 3
    assert res["test"].tolist() == ["unseen"] * 3 + ["ks"] * 3
    assert res["statistic"].tolist() == [1.0] * 6  # every current value unseen; KS: the ranges do not overlap
    assert res["drifted"].all() and res["drifted"].dtype == bool
    ids = res.loc[["uuid", "customer", "row"]]
    assert ids[["p_value", "psi", "js_distance"]].isna().all().all()  # no test, no bins: not a fake "0"


def test_identifier_flag_follows_unseen_threshold():
    reference = pd.DataFrame({"customer": [f"C{i}" for i in range(100)]})
    current = pd.DataFrame({"customer": [f"C{i}" for i in range(70, 110)]})  # 30 returning, 10 new
    res = mm.DriftReport(reference, current).results.loc["customer"]
    assert (res["kind"], res["statistic"], res["drifted"]) == ("identifier", 0.25, False)
    assert mm.DriftReport(reference, current, unseen_threshold=0.25).results.loc["customer", "drifted"]
    assert mm.unseen_share(reference["customer"], current["customer"]) == 0.25
    assert mm.unseen_share([1, 2], [2, 2, 3, 4]) == 0.5


def test_identifier_and_categorical_overrides(disjoint):
    reference, current = disjoint
    # numeric IDs get KS unless named; named, they are checked by their unseen share
    numbers = pd.DataFrame({"id": np.arange(100)}), pd.DataFrame({"id": np.arange(50, 150)})
    assert mm.DriftReport(*numbers).results.loc["id", "kind"] == "numeric"
    res = mm.DriftReport(*numbers, identifier=["id"]).results.loc["id"]
    assert (res["kind"], res["test"], res["statistic"], res["drifted"]) == ("identifier", "unseen", 0.5, True)
    # forced to categories, an all-distinct column gets the permutation test, never chi-square with expected 0.5
    res = mm.DriftReport(reference[["uuid"]], current[["uuid"]], categorical=["uuid"]).results.loc["uuid"]
    assert (res["kind"], res["test"]) == ("categorical", "chi2_perm")
    res = mm.DriftReport(reference[["uuid"]], current[["uuid"]], identifier_share=None).results.loc["uuid"]
    assert (res["kind"], res["test"]) == ("categorical", "chi2_perm")
    # counts of 0 and 1 carry no evidence either way: every split of the values gives the same table
    assert res["p_value"] == 1.0 and not res["drifted"]


def test_datetime_drift_is_the_ks_test_on_seconds_since_the_epoch():
    rng = np.random.default_rng(3)
    start = pd.Timestamp("2024-03-01", tz="Europe/Paris")
    ref = start + pd.to_timedelta(np.sort(rng.integers(0, 30 * 86400, 400)), unit="s")
    cur = start + pd.to_timedelta(np.sort(rng.integers(5 * 86400, 40 * 86400, 250)), unit="s")
    reference, current = pd.DataFrame({"t": ref}), pd.DataFrame({"t": cur.tz_convert("UTC")})  # zones differ
    res = mm.DriftReport(reference, current).results.loc["t"]
    seconds = [
        np.asarray((x.tz_convert("UTC").tz_localize(None) - pd.Timestamp(0)).total_seconds()) for x in (ref, cur)
    ]
    theirs = scipy.stats.ks_2samp(*seconds)
    assert (res["kind"], res["test"]) == ("datetime", "ks")
    assert res["statistic"] == pytest.approx(theirs.statistic, abs=1e-12)
    assert abs(res["p_value"] - theirs.pvalue) <= P_TOL
    assert res["psi"] == pytest.approx(mm.psi(*seconds), abs=1e-12) and res["drifted"]
    # the same instants written in another zone are no drift at all
    same = mm.DriftReport(reference, pd.DataFrame({"t": ref.tz_convert("Asia/Tokyo")})).results.loc["t"]
    assert (same["statistic"], same["p_value"], same["psi"], same["drifted"]) == (0.0, 1.0, 0.0, False)


def test_durations_are_numbers():
    rng = np.random.default_rng(4)
    ref, cur = rng.integers(0, 1000, 300), rng.integers(100, 1100, 200)
    frames = [pd.DataFrame({"wait": pd.to_timedelta(x, unit="ms")}) for x in (ref, cur)]
    res = mm.DriftReport(*frames).results.loc["wait"]
    theirs = scipy.stats.ks_2samp(ref, cur)
    assert (res["kind"], res["test"]) == ("numeric", "ks")
    assert res["statistic"] == pytest.approx(theirs.statistic, abs=1e-12)
    assert abs(res["p_value"] - theirs.pvalue) <= P_TOL


def test_plot_labels_identifiers_with_their_unseen_share(disjoint):
    import matplotlib.pyplot as plt

    ax = mm.DriftReport(*disjoint).plot()
    assert len(ax.patches) == 6
    texts = [t.get_text().strip() for t in ax.texts]
    assert texts.count("unseen 100%") == 3 and sum(t.startswith("ks p=") for t in texts) == 3
    plt.close("all")


# ---------------------------------------------------------------- chi-square only where its expected counts allow


def test_cochran_rule():
    assert mm.cochran_rule([[5, 5], [5, 5]]) and not mm.cochran_rule([[4.9, 5], [5, 5]])  # 2 x 2: all >= 5
    ten = np.full(10, 50.0)
    assert mm.cochran_rule(np.r_[[1.0, 4.9], ten[2:]])  # 2 of 10 below 5 (20 %), none below 1
    assert not mm.cochran_rule(np.r_[[1.0, 4.9, 4.9], ten[3:]])  # 30 % below 5
    assert not mm.cochran_rule(np.r_[[0.99], ten[1:]])  # one below 1


def exact_permutation_pvalue(table: np.ndarray) -> float:
    """The exact p-value of the chi-square permutation test: every reference row with the table's margins,
    weighted by its multivariate hypergeometric probability (no sampling)."""
    table = np.asarray(table)
    totals, n_ref = table.sum(axis=0), int(table[0].sum())
    expected = scipy.stats.contingency.expected_freq(table)
    observed = scipy.stats.chi2_contingency(table, correction=False).statistic
    p = 0.0
    for row in itertools.product(*(range(t + 1) for t in totals)):
        if sum(row) != n_ref:
            continue
        candidate = np.array([row, totals - np.array(row)])
        if ((candidate - expected) ** 2 / expected).sum() >= observed * (1 - 1e-12):
            p += scipy.stats.multivariate_hypergeom.pmf(row, m=totals, n=n_ref)
    return float(p)


@pytest.mark.parametrize(
    "table",
    [
        [[2, 1], [0, 3]],
        [[3, 3, 0, 0], [0, 0, 3, 3]],
        [[3, 1, 0, 2], [1, 4, 3, 0]],
        [[6, 2, 1], [2, 7, 4]],
        [[9, 1], [3, 3]],
    ],
)
def test_chi2_permutation_test_estimates_the_exact_permutation_p_value(table):
    ours = mm.chi2_permutation_test(table, n_permutations=20_000, random_state=0)
    theirs = scipy.stats.chi2_contingency(table, correction=False)
    assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-12)
    assert ours.dof == theirs.dof
    np.testing.assert_allclose(ours.expected_freq, theirs.expected_freq, rtol=1e-14)
    exact = exact_permutation_pvalue(np.array(table))
    assert abs(ours.pvalue - exact) <= 4 * math.sqrt(exact * (1 - exact) / 20_000) + 1 / 20_001


def samples_of(table):
    table = np.asarray(table)
    codes = np.arange(table.shape[1])
    return np.repeat(codes, table[0]), np.repeat(codes, table[1])


def chi2_of_samples(x, y, axis=-1):
    """Pearson's chi-square of the 2 x k table of two samples of category codes (vectorised for SciPy)."""
    categories = np.arange(int(max(x.max(), y.max())) + 1)
    counts = np.stack([(x[..., None] == categories).sum(-2), (y[..., None] == categories).sum(-2)], axis=-2)
    expected = counts.sum(-2, keepdims=True) * counts.sum(-1, keepdims=True) / counts.sum((-2, -1), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nansum((counts - expected) ** 2 / expected, axis=(-2, -1))


@given(
    ref=st.lists(st.integers(0, 3), min_size=2, max_size=6),  # SciPy wants two values per sample
    cur=st.lists(st.integers(0, 3), min_size=2, max_size=6),
)
def test_chi2_permutation_test_matches_scipy_permutation_test(ref, cur):
    """SciPy enumerates every split of these small samples (its exact p-value); ours samples 4000 of them."""
    counts, _ = mm.category_counts(ref, cur)
    assume(counts.shape[1] > 1)
    x, y = np.asarray(ref), np.asarray(cur)
    codes = np.unique(np.r_[x, y], return_inverse=True)[1]
    x, y = codes[: len(x)], codes[len(x) :]
    theirs = scipy.stats.permutation_test(
        (x, y), chi2_of_samples, permutation_type="independent", vectorized=True, n_resamples=np.inf,
        alternative="greater",
    )  # fmt: skip
    ours = mm.chi2_permutation_test(counts, n_permutations=4000, random_state=1)
    assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-12)
    p = theirs.pvalue
    assert abs(ours.pvalue - p) <= 4 * math.sqrt(p * (1 - p) / 4000) + 1 / 4001


def test_chi2_permutation_test_is_reproducible_and_never_zero():
    table = [[8, 7, 0, 0], [0, 0, 9, 6]]  # perfectly separated: no random split is as extreme
    a, b = mm.chi2_permutation_test(table), mm.chi2_permutation_test(table, random_state=0)
    assert a.pvalue == b.pvalue == 1 / 2000
    assert mm.chi2_permutation_test(table, n_permutations=99, random_state=np.random.default_rng(5)).pvalue == 0.01
    table = [[6, 1, 3], [2, 5, 2]]
    p = {mm.chi2_permutation_test(table, n_permutations=199, random_state=seed).pvalue for seed in range(3)}
    assert len(p) > 1 and all(0 < v <= 1 for v in p)  # another seed, another Monte Carlo estimate
    assert mm.chi2_permutation_test([[3], [4]]).pvalue == 1.0  # one category: nothing to permute


@pytest.mark.parametrize(
    ("table", "kwargs", "error", "match"),
    [
        ([[1, 2, 3]], {}, ValueError, "must be a 2 x k table"),
        ([[1.5, 2], [1, 1]], {}, ValueError, "whole counts"),
        ([[1, 0], [2, 0]], {}, ValueError, "all-zero row or column"),
        ([[1, 2], [3, 4]], {"n_permutations": 0}, ValueError, "n_permutations must be an integer >= 1"),
        ([["a", "b"], ["c", "d"]], {}, TypeError, "observed must hold counts"),
    ],
)
def test_chi2_permutation_test_rejects_bad_input(table, kwargs, error, match):
    with pytest.raises(error, match=match):
        mm.chi2_permutation_test(table, **kwargs)


def test_report_uses_chi2_where_valid_and_the_permutation_test_elsewhere():
    rng = np.random.default_rng(8)
    # plenty of every category: chi-square, equal to SciPy's
    ref, cur = rng.choice(list("abc"), 500), rng.choice(list("abc"), 300, p=[0.2, 0.3, 0.5])
    res = mm.DriftReport(pd.DataFrame({"c": ref}), pd.DataFrame({"c": cur})).results.loc["c"]
    counts, _ = mm.category_counts(ref, cur)
    assert res["test"] == "chi2" and abs(res["p_value"] - scipy.stats.chi2_contingency(counts).pvalue) <= P_TOL
    # disjoint categories, three of each: expected counts 1.5, so the permutation test
    ref, cur = ["a"] * 3 + ["b"] * 3, ["c"] * 3 + ["d"] * 3
    row = mm.DriftReport(pd.DataFrame({"c": ref}), pd.DataFrame({"c": cur})).results.loc["c"]
    exact = exact_permutation_pvalue(mm.category_counts(ref, cur)[0])
    assert exact == pytest.approx(6 / math.comb(12, 6))  # any 2 of the 4 categories in the reference: as extreme
    assert row["kind"] == "categorical" and row["test"] == "chi2_perm" and row["drifted"]
    assert row["p_value"] < 0.01 and row["js_distance"] == 1.0
    # a rare category (expected counts below 1) sends an otherwise large table to the permutation test
    ref, cur = np.r_[rng.choice(list("abcd"), 400), ["rare"]], rng.choice(list("abcd"), 300)
    row = mm.DriftReport(pd.DataFrame({"c": ref}), pd.DataFrame({"c": cur}), n_permutations=499).results.loc["c"]
    assert row["test"] == "chi2_perm" and row["p_value"] > 0.05 and not row["drifted"]


def test_report_permutation_p_values_are_reproducible():
    ref, cur = pd.DataFrame({"c": list("aaabbc") * 2}), pd.DataFrame({"c": list("abccc")})
    first, second = (mm.DriftReport(ref, cur).results for _ in range(2))
    pd.testing.assert_frame_equal(first, second)
    other = mm.DriftReport(ref, cur, random_state=1).results
    assert other.loc["c", "test"] == "chi2_perm" and other.loc["c", "p_value"] != first.loc["c", "p_value"]


# ---------------------------------------------------------------- errors that name the column


@pytest.fixture
def small():
    rng = np.random.default_rng(9)
    return pd.DataFrame({"a": rng.normal(size=50), "b": rng.choice(["x", "y"], 50)})


def test_duplicate_column_names_are_named(small):
    doubled = pd.concat([small, small[["a"]]], axis=1)
    with pytest.raises(ValueError, match=r"reference has duplicate column names \['a'\]"):
        mm.DriftReport(doubled, small)
    with pytest.raises(ValueError, match=r"current has duplicate column names \['a'\]"):
        mm.DriftReport(small, doubled)


@pytest.mark.parametrize(
    ("column", "error", "match"),
    [
        ([1 + 1j] * 50, TypeError, r"reference column 'z' holds complex numbers"),
        ([[1, 2]] * 25 + ["a"] * 25, TypeError, r"reference column 'z' holds values of type list"),
        ([{"k": 1}] * 50, TypeError, r"reference column 'z' holds values of type dict"),
    ],
)
def test_unsupported_types_are_named(small, column, error, match):
    with pytest.raises(error, match=match):
        mm.DriftReport(small.assign(z=column), small.assign(z=1.0))


@pytest.mark.parametrize(
    ("ref", "cur", "match"),
    [
        (np.arange(50.0), ["a"] * 50, r"column 'z' \(numeric\): current must hold real numbers"),
        (np.arange(50.0), [1j] * 50, r"column 'z' \(numeric\): current must hold real numbers"),
        (["x", "y"] * 25, [[1]] * 50, r"column 'z' \(categorical\): current holds values of type list"),
        (pd.date_range("2024", periods=50), ["2024-01-01"] * 50, r"column 'z' \(datetime\): current must hold dates"),
        (
            pd.date_range("2024", periods=50, tz="UTC"),
            pd.date_range("2024", periods=50),
            r"column 'z' \(datetime\): one of reference and current is time-zone aware",
        ),
    ],
)
def test_mismatched_current_columns_are_named(small, ref, cur, match):
    with pytest.raises(TypeError, match=match):
        mm.DriftReport(small.assign(z=ref), small.assign(z=cur))


def test_missing_columns_and_bad_options_are_named(small):
    with pytest.raises(ValueError, match=r"current lacks the reference columns \['a', 'b'\]"):
        mm.DriftReport(small, small.rename(columns={"a": "A", "b": "B"}))
    with pytest.raises(ValueError, match=r"identifier names columns not in reference: \['nope'\]"):
        mm.DriftReport(small, small, identifier=["nope"])
    with pytest.raises(ValueError, match=r"columns \['b'\] are named both in categorical and in identifier"):
        mm.DriftReport(small, small, categorical=["b"], identifier=["b"])
    with pytest.raises(TypeError, match=r"categorical must be a list of column names, got the string 'b'"):
        mm.DriftReport(small, small, categorical="b")
    with pytest.raises(ValueError, match="current has no rows"):
        mm.DriftReport(small, small.iloc[:0])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"identifier_share": 1.5}, ValueError, r"identifier_share must be None or a number in \(0, 1\]"),
        ({"unseen_threshold": 0}, ValueError, r"unseen_threshold must be a number in \(0, 1\]"),
        ({"n_permutations": 2.5}, ValueError, "n_permutations must be an integer >= 1"),
        ({"n_bins": 1}, ValueError, "n_bins must be an integer >= 2"),
        ({"random_state": "seed"}, TypeError, "random_state must be None, an integer or a numpy Generator"),
    ],
)
def test_bad_hyper_parameters_are_named(small, kwargs, error, match):
    with pytest.raises(error, match=match):
        mm.DriftReport(small, small, **kwargs)


def test_monitor_passes_the_new_options_on():
    prod = mm.simulate_production(n_months=1, batch_size=200, n_reference=300, seed=0)
    X = prod.reference.X.assign(application=[f"A{i}" for i in range(300)])
    batch = prod.batches[0]._replace(X=prod.batches[0].X.assign(application=[f"A{i}" for i in range(250, 450)]))

    class Constant:
        def predict_proba(self, X):
            return np.tile([0.5, 0.5], (len(X), 1))

    for options, drifted in (({}, True), ({"unseen_threshold": 0.8}, False)):
        drift = mm.Monitor(X, Constant(), drift_options=options).run([batch]).drift
        row = drift.set_index("feature").loc["application"]
        assert (row["kind"], row["test"], row["statistic"], row["drifted"]) == ("identifier", "unseen", 0.75, drifted)
        assert math.isnan(row["psi"])
