"""mlcourse.fairness: group metrics and parity gaps equal fairlearn's, thresholds, reweighing, lending data."""

from __future__ import annotations

import itertools
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as flm
from fairlearn.postprocessing import ThresholdOptimizer
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, precision_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlcourse import fairness as mf
from mlcourse.metrics import UndefinedMetricWarning

# fairlearn's MetricFrame costs tens of milliseconds a call: fewer examples where it is called many times.
FAIRLEARN_PROPERTY = settings(max_examples=15)
TOL = {"rtol": 1e-12, "atol": 1e-12}

FAIRLEARN_METRICS = {
    "count": flm.count,
    "selection_rate": flm.selection_rate,
    "true_positive_rate": flm.true_positive_rate,
    "false_positive_rate": flm.false_positive_rate,
    "precision": precision_score,
    "accuracy": accuracy_score,
}


@st.composite
def binary_data(draw, min_size=2, max_size=60, weights=True):
    """y_true, y_pred (0/1), a sensitive feature with 1-4 groups (strings or ints), maybe weights.

    At least 2 samples: fairlearn squeezes a 1-sample feature to 0-D and rejects it.
    """
    n = draw(st.integers(min_size, max_size))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 2, n) if draw(st.booleans()) else (rng.random(n) < draw(st.floats(0, 1))).astype(int)
    y_pred = rng.integers(0, 2, n)
    n_groups = draw(st.integers(1, 4))
    pool = draw(st.sampled_from([np.array(["a", "b", "c", "d"]), np.array([3, 1, 7, 2])]))
    groups = pool[rng.integers(0, n_groups, n)]
    weight = rng.uniform(0.1, 5.0, n) if weights and draw(st.booleans()) else None
    return y_true, y_pred, groups, weight


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def fairlearn_frame(y_true, y_pred, groups, weight):
    params = {name: {"sample_weight": weight} for name in FAIRLEARN_METRICS if name != "count"}
    return quiet(
        flm.MetricFrame,
        metrics=FAIRLEARN_METRICS,
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=groups,
        sample_params=params if weight is not None else None,
    )


# ---------------------------------------------------------------- parity with fairlearn


@FAIRLEARN_PROPERTY
@given(binary_data())
def test_group_metrics_equal_fairlearn_metric_frame(data):
    y_true, y_pred, groups, weight = data
    ours = quiet(mf.group_metrics, y_true, y_pred, sensitive_features=groups, sample_weight=weight)
    theirs = fairlearn_frame(y_true, y_pred, groups, weight)
    assert list(ours.by_group.columns) == list(mf.METRICS)
    assert ours.by_group.index.tolist() == theirs.by_group.index.tolist()
    np.testing.assert_allclose(ours.by_group.to_numpy(float), theirs.by_group[list(mf.METRICS)].to_numpy(float), **TOL)
    np.testing.assert_allclose(ours.overall.to_numpy(float), theirs.overall[list(mf.METRICS)].to_numpy(float), **TOL)
    for method in ("between_groups", "to_overall"):
        np.testing.assert_allclose(ours.difference(method), theirs.difference(method=method)[list(mf.METRICS)], **TOL)
        np.testing.assert_allclose(ours.ratio(method), theirs.ratio(method=method)[list(mf.METRICS)], **TOL)
    np.testing.assert_allclose(ours.group_min(), theirs.group_min()[list(mf.METRICS)], **TOL)
    np.testing.assert_allclose(ours.group_max(), theirs.group_max()[list(mf.METRICS)], **TOL)


GAPS = [
    (mf.demographic_parity_difference, flm.demographic_parity_difference),
    (mf.demographic_parity_ratio, flm.demographic_parity_ratio),
    (mf.equal_opportunity_difference, flm.equal_opportunity_difference),
    (mf.equal_opportunity_ratio, flm.equal_opportunity_ratio),
    (mf.equalized_odds_difference, flm.equalized_odds_difference),
]


@FAIRLEARN_PROPERTY
@given(binary_data(), st.sampled_from(["between_groups", "to_overall"]))
def test_parity_gaps_equal_fairlearn(data, method):
    y_true, y_pred, groups, weight = data
    for ours, theirs in GAPS:
        kwargs = {"sensitive_features": groups, "method": method, "sample_weight": weight}
        np.testing.assert_allclose(
            quiet(ours, y_true, y_pred, **kwargs), quiet(theirs, y_true, y_pred, **kwargs), **TOL
        )
    mean = {"sensitive_features": groups, "method": method, "sample_weight": weight, "agg": "mean"}
    np.testing.assert_allclose(
        quiet(mf.equalized_odds_difference, y_true, y_pred, **mean),
        quiet(flm.equalized_odds_difference, y_true, y_pred, **mean),
        **TOL,
    )


def test_gaps_accept_minus_one_one_labels_and_named_series_like_fairlearn():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.choice([-1, 1], 80), rng.choice([-1, 1], 80)
    groups = pd.Series(rng.choice(["x", "y"], 80), name="region")
    for ours, theirs in GAPS[2:]:
        assert ours(y_true, y_pred, sensitive_features=groups) == pytest.approx(
            theirs(y_true, y_pred, sensitive_features=groups), abs=1e-12
        )
    frame = mf.group_metrics(y_true, y_pred, sensitive_features=groups)
    assert frame.by_group.index.name == "region"
    assert mf.group_metrics(y_true, y_pred, sensitive_features=groups.to_frame()).by_group.equals(frame.by_group)
    unnamed = mf.group_metrics(y_true, y_pred, sensitive_features=groups.tolist())
    assert unnamed.by_group.index.name == "sensitive_feature_0"  # fairlearn's name for an unnamed feature


def test_string_labels_need_pos_label():
    y_true, y_pred, groups = ["no", "yes", "yes", "no"], ["yes", "yes", "no", "no"], ["a", "a", "b", "b"]
    with pytest.raises(ValueError, match="pos_label"):
        mf.group_metrics(y_true, y_pred, sensitive_features=groups)
    with pytest.warns(UndefinedMetricWarning, match="precision is undefined for group 'b'"):
        frame = mf.group_metrics(y_true, y_pred, sensitive_features=groups, pos_label="yes")
    assert frame.by_group["selection_rate"].tolist() == [1.0, 0.0]
    assert frame.by_group["true_positive_rate"].tolist() == [1.0, 0.0]
    with pytest.raises(ValueError, match="pos_label"):
        mf.group_metrics(y_true, y_pred, sensitive_features=groups, pos_label="maybe")


# ---------------------------------------------------------------- bad input: same decisions as fairlearn


def test_one_group_gives_zero_gap_and_unit_ratio_with_a_warning_like_fairlearn():
    y_true, y_pred, groups = [0, 1, 1, 0], [1, 1, 0, 0], ["a"] * 4
    with pytest.warns(UserWarning, match="single group"):
        assert mf.demographic_parity_difference(y_true, y_pred, sensitive_features=groups) == 0.0
    with pytest.warns(UserWarning, match="single group"):
        assert mf.demographic_parity_ratio(y_true, y_pred, sensitive_features=groups) == 1.0
    assert flm.demographic_parity_difference(y_true, y_pred, sensitive_features=groups) == 0.0
    assert flm.demographic_parity_ratio(y_true, y_pred, sensitive_features=groups) == 1.0


def test_group_without_positives_counts_as_tpr_zero_with_a_warning_like_fairlearn():
    y_true, y_pred, groups = [1, 1, 0, 0, 0, 0], [1, 0, 0, 1, 1, 0], list("aaabbb")
    with pytest.warns(UndefinedMetricWarning, match="true_positive_rate is undefined for group 'b'"):
        ours = mf.equal_opportunity_difference(y_true, y_pred, sensitive_features=groups)
    assert ours == flm.equal_opportunity_difference(y_true, y_pred, sensitive_features=groups) == 0.5
    with pytest.warns(UndefinedMetricWarning, match="no positive samples"):
        frame = mf.group_metrics(y_true, y_pred, sensitive_features=groups)
    assert frame.by_group.loc["b", "true_positive_rate"] == 0.0


def test_ratio_of_zero_rates_is_nan_like_fairlearn():
    y_true, y_pred, groups = [0, 1, 1, 0], [0, 0, 0, 0], ["a", "a", "b", "b"]
    assert np.isnan(mf.demographic_parity_ratio(y_true, y_pred, sensitive_features=groups))
    assert np.isnan(flm.demographic_parity_ratio(y_true, y_pred, sensitive_features=groups))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sensitive_features": ["a", "b", "a"]}, "y_true and sensitive_features have different lengths"),
        ({"y_pred": [0, 1, 1]}, "y_true and y_pred have different lengths"),
        ({"sensitive_features": ["a", None, "b", "b"]}, "missing values"),
        ({"sensitive_features": [1.0, np.nan, 2.0, 2.0]}, "missing values"),
        ({"y_true": [0, 1, 2, 1]}, "binary labels"),
        ({"y_pred": [0.2, 0.9, 0.4, 0.7]}, "continuous"),
        ({"y_true": [], "y_pred": [], "sensitive_features": []}, "empty"),
        ({"sample_weight": [1, -1, 1, 1]}, "sample_weight must be non-negative"),
        ({"sensitive_features": np.zeros((4, 2))}, "1-D"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(kwargs, match):
    args = {"y_true": [0, 1, 1, 0], "y_pred": [1, 1, 0, 0], "sensitive_features": ["a", "a", "b", "b"]} | kwargs
    with pytest.raises(ValueError, match=match):
        mf.group_metrics(args.pop("y_true"), args.pop("y_pred"), **args)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sensitive_features": ["a", "b", "a"]},
        {"sensitive_features": ["a", None, "b", "b"]},
        {"y_true": [], "y_pred": [], "sensitive_features": []},
    ],
)
def test_fairlearn_rejects_the_same_input(kwargs):
    args = {"y_true": [0, 1, 1, 0], "y_pred": [1, 1, 0, 0], "sensitive_features": ["a", "a", "b", "b"]} | kwargs
    for func in (flm.equalized_odds_difference, mf.equalized_odds_difference):
        with pytest.raises(ValueError):
            func(args["y_true"], args["y_pred"], sensitive_features=args["sensitive_features"])


def test_wrong_types_and_options_name_the_argument():
    y, g = [0, 1, 1, 0], ["a", "a", "b", "b"]
    with pytest.raises(TypeError, match="sensitive_features"):
        mf.group_metrics(y, y, sensitive_features="a")
    with pytest.raises(TypeError, match="sensitive_features mixes"):
        mf.group_metrics(y, y, sensitive_features=["a", 1, "b", 2])
    with pytest.raises(ValueError, match="several into one"):
        mf.group_metrics(y, y, sensitive_features=pd.DataFrame({"a": g, "b": g}))
    with pytest.raises(ValueError, match="method"):
        mf.demographic_parity_difference(y, y, sensitive_features=g, method="pairwise")
    with pytest.raises(ValueError, match="agg"):
        mf.equalized_odds_difference(y, y, sensitive_features=g, agg="best_case")
    with pytest.raises(ValueError, match="method"):
        mf.group_metrics(y, y, sensitive_features=g).ratio("pairwise")


# ---------------------------------------------------------------- post-processing: per-group thresholds


def brute_force_best(y_true, y_score, groups, constraint, tolerance):
    """Most correct predictions over every combination of per-group thresholds meeting the constraint."""
    options = []
    for g in np.unique(groups):
        t, s = y_true[groups == g], y_score[groups == g]
        rows = []
        for thr in np.r_[np.unique(s), np.inf]:
            pred = s >= thr
            rate = pred.mean() if constraint == "demographic_parity" else pred[t == 1].mean()
            rows.append((rate, int(np.sum(pred == t))))
        options.append(rows)
    best = -1
    for combo in itertools.product(*options):
        rates = [r for r, _ in combo]
        if max(rates) - min(rates) <= tolerance + 1e-12:
            best = max(best, sum(c for _, c in combo))
    return best


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(4, 24),
    n_groups=st.integers(1, 3),
    constraint=st.sampled_from(mf.CONSTRAINTS),
    tolerance=st.sampled_from([0.0, 0.05, 0.1, 0.25, 1.0]),
)
def test_group_thresholds_are_the_exact_optimum(seed, n, n_groups, constraint, tolerance):
    """Brute force over every threshold combination: ours reaches the best accuracy and meets the constraint."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, n_groups, n)
    y_true = rng.integers(0, 2, n)
    if constraint == "equal_opportunity":
        y_true[[np.flatnonzero(groups == g)[0] for g in np.unique(groups)]] = 1  # a positive in every group
    y_score = rng.integers(0, 6, n) / 5  # few distinct values: ties
    thresholds = mf.group_thresholds(
        y_true, y_score, sensitive_features=groups, constraint=constraint, tolerance=tolerance
    )
    pred = y_score >= np.array([thresholds[g] for g in groups])
    frame = quiet(mf.group_metrics, y_true, pred.astype(int), sensitive_features=groups)
    column = "selection_rate" if constraint == "demographic_parity" else "true_positive_rate"
    assert frame.difference()[column] <= tolerance + 1e-12
    assert int(np.sum(pred == y_true)) == brute_force_best(y_true, y_score, groups, constraint, tolerance)


def lending_model(n=4000, seed=0):
    df = mf.make_lending(n, seed=seed)
    features = [c for c in mf.LENDING_FEATURES if c != "group"]
    pre = ColumnTransformer([("cat", OneHotEncoder(), ["district"]), ("num", StandardScaler(), features[1:])])
    model = make_pipeline(pre, LogisticRegression(max_iter=1000)).fit(df[features], df["repaid"])
    return df, features, model


@pytest.mark.parametrize(
    ("constraint", "fairlearn_constraint", "column"),
    [
        ("demographic_parity", "demographic_parity", "selection_rate"),
        ("equal_opportunity", "true_positive_rate_parity", "true_positive_rate"),
    ],
)
def test_group_threshold_classifier_matches_fairlearn_threshold_optimizer(constraint, fairlearn_constraint, column):
    """Compared with fairlearn's ThresholdOptimizer on the same fitted model and training data (lending, n=4000).

    fairlearn mixes two thresholds at random to hit the constraint exactly, so its predictions are
    random; what is comparable is (1) the constraint: fairlearn's *expected* rates (from its
    per-sample probability of a positive prediction) are equal across groups, ours differ by at most
    the tolerance, 0.01; and (2) the objective: our accuracy on the training data is within 0.005 of
    fairlearn's expected accuracy. Both also improve the gap of the unconstrained model at least five-fold.
    """
    df, features, model = lending_model()
    X, y, groups = df[features], df["repaid"].to_numpy(), df["group"].to_numpy()
    theirs = ThresholdOptimizer(
        estimator=model, constraints=fairlearn_constraint, prefit=True, predict_method="predict_proba"
    ).fit(X, y, sensitive_features=groups)
    p_positive = theirs._pmf_predict(X, sensitive_features=groups)[:, 1]
    fairlearn_accuracy = np.mean(p_positive * y + (1 - p_positive) * (1 - y))
    mask = (lambda g: groups == g) if constraint == "demographic_parity" else (lambda g: (groups == g) & (y == 1))
    fairlearn_rates = [p_positive[mask(g)].mean() for g in ("A", "B")]
    assert fairlearn_rates[0] == pytest.approx(fairlearn_rates[1], abs=1e-9)

    ours = mf.GroupThresholdClassifier(model, constraint=constraint, tolerance=0.01, prefit=True)
    ours.fit(X, y, sensitive_features=groups)
    pred = ours.predict(X, sensitive_features=groups)
    frame = mf.group_metrics(y, pred, sensitive_features=groups)
    assert frame.difference()[column] <= 0.01 + 1e-12
    assert frame.by_group[column].to_dict() == pytest.approx(ours.rates_, abs=1e-12)
    assert frame.overall["accuracy"] == pytest.approx(fairlearn_accuracy, abs=0.005)
    unconstrained = mf.group_metrics(y, model.predict(X), sensitive_features=groups).difference()[column]
    assert unconstrained > 5 * frame.difference()[column]


def test_group_threshold_classifier_is_a_scikit_learn_meta_estimator():
    df, features, model = lending_model(1500, seed=1)
    X, y, groups = df[features], np.where(df["repaid"] == 1, "repaid", "default"), df["group"]
    clf = mf.GroupThresholdClassifier(clone(model), constraint="equal_opportunity", tolerance=0.02)
    assert clone(clf).get_params()["constraint"] == "equal_opportunity"
    clf.fit(X, y, sensitive_features=groups)
    assert clf.classes_.tolist() == ["default", "repaid"]
    pred = clf.predict(X, sensitive_features=groups)
    assert set(pred) <= {"default", "repaid"}
    np.testing.assert_array_equal(pred == "repaid", clf.decision_function(X, sensitive_features=groups) >= 0)
    prefit = mf.GroupThresholdClassifier(clf.estimator_, constraint="equal_opportunity", tolerance=0.02, prefit=True)
    assert prefit.fit(X, y, sensitive_features=groups).thresholds_ == clf.thresholds_
    with pytest.raises(ValueError, match=r"groups not seen in fit: \['C'\]"):
        clf.predict(X[:3], sensitive_features=["A", "B", "C"])


def test_group_thresholds_errors_name_the_argument():
    y, s, g = [0, 1, 1, 0], [0.1, 0.8, 0.6, 0.3], ["a", "a", "b", "b"]
    with pytest.raises(ValueError, match="constraint"):
        mf.group_thresholds(y, s, sensitive_features=g, constraint="equalized_odds")
    with pytest.raises(ValueError, match="tolerance"):
        mf.group_thresholds(y, s, sensitive_features=g, tolerance=1.5)
    with pytest.raises(ValueError, match="group 'b' has no positive samples"):
        mf.group_thresholds([0, 1, 0, 0], s, sensitive_features=g, constraint="equal_opportunity")
    with pytest.raises(ValueError, match="y_score"):
        mf.group_thresholds(y, [0.1, np.nan, 0.2, 0.3], sensitive_features=g)
    with pytest.raises(ValueError, match="y_true and y_score have different lengths"):
        mf.group_thresholds(y, s[:3], sensitive_features=g)
    with pytest.raises(ValueError, match="two classes"):
        mf.GroupThresholdClassifier(LogisticRegression()).fit(np.zeros((4, 1)), [1, 1, 1, 1], sensitive_features=g)
    with pytest.raises(TypeError, match="decision_function"):
        mf.GroupThresholdClassifier(OneHotEncoder(), response_method="decision_function").fit(
            [[0], [1], [1], [0]], y, sensitive_features=g
        )


# ---------------------------------------------------------------- reweighing


@given(binary_data(min_size=2, weights=False), st.integers(2, 3))
def test_reweighing_makes_label_independent_of_group(data, n_labels):
    y, _, groups, _ = data
    y = np.random.default_rng(len(y)).integers(0, n_labels, len(y)) if n_labels == 3 else y
    w = mf.reweighing_weights(y, groups)
    assert np.all(w > 0)
    every_cell = True
    for g in np.unique(groups):
        for label in np.unique(y):
            cell = (groups == g) & (y == label)
            every_cell &= bool(cell.any())
            if cell.any():  # a cell's weight is what it would hold if label and group were independent
                assert w[cell].sum() == pytest.approx(np.sum(groups == g) * np.sum(y == label) / len(y), rel=1e-12)
    if every_cell:  # then no mass is lost: every group keeps its size
        assert w.sum() == pytest.approx(len(y), rel=1e-12)
        for g in np.unique(groups):
            assert w[groups == g].sum() == pytest.approx(np.sum(groups == g), rel=1e-12)


def test_reweighed_classifier_fits_with_the_weights_and_routes_them_through_a_pipeline():
    df, features, model = lending_model(1500, seed=2)
    X, y, groups = df[features], df["repaid"], df["group"]
    weights = mf.reweighing_weights(y, groups)
    ours = mf.ReweighedClassifier(clone(model)).fit(X, y, sensitive_features=groups)
    expected = clone(model).fit(X, y, logisticregression__sample_weight=weights)
    np.testing.assert_allclose(ours.predict_proba(X), expected.predict_proba(X), rtol=1e-12)
    np.testing.assert_array_equal(ours.sample_weight_, weights)
    assert ours.classes_.tolist() == [0, 1]
    plain = mf.ReweighedClassifier(LogisticRegression()).fit(X[features[1:]], y, sensitive_features=groups)
    np.testing.assert_allclose(
        plain.decision_function(X[features[1:]]),
        LogisticRegression().fit(X[features[1:]], y, sample_weight=weights).decision_function(X[features[1:]]),
        rtol=1e-12,
    )
    before = mf.demographic_parity_difference(y, model.predict(X), sensitive_features=groups)
    after = mf.demographic_parity_difference(y, ours.predict(X), sensitive_features=groups)
    assert after < before


# ---------------------------------------------------------------- the lending data set


def test_make_lending_is_deterministic_and_documented():
    a, b = mf.make_lending(500, seed=3), mf.make_lending(500, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(mf.make_lending(500, seed=4))
    assert a.columns.tolist() == [*mf.LENDING_FEATURES, "repaid"]
    assert a["repaid"].dtype == np.int64 and a["late_payments"].dtype == np.int64
    assert set(a["group"]) == {"A", "B"} and a["district"].str.fullmatch(r"D\d").all()
    assert mf.make_lending(50, seed=0, return_truth=True).columns[-1] == "would_repay"


def test_make_lending_has_a_proxy_and_biased_labels_only_in_group_b():
    df = mf.make_lending(20000, seed=0, return_truth=True)
    share_b = df.groupby("district")["group"].apply(lambda g: np.mean(g == "B"))
    assert share_b[["D7", "D8", "D9"]].min() > 0.6 and share_b[["D0", "D1", "D2"]].max() < 0.1
    truth = df.groupby("group")["would_repay"].mean()
    recorded = df.groupby("group")["repaid"].mean()
    assert abs(truth["A"] - truth["B"]) < 0.03  # the groups would repay alike...
    assert recorded["B"] < truth["B"] - 0.1  # ...but B's record says otherwise
    a = df[df["group"] == "A"]
    assert (a["repaid"] == a["would_repay"]).all()
    assert ((df["repaid"] == 1) <= (df["would_repay"] == 1)).all()  # the bias only flips repaid to default
    fair = mf.make_lending(2000, seed=0, label_bias=0.0, return_truth=True)
    assert (fair["repaid"] == fair["would_repay"]).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_samples": 0}, "n_samples"),
        ({"seed": -1}, "seed"),
        ({"share_b": 1.0}, "share_b"),
        ({"label_bias": 1.5}, "label_bias"),
    ],
)
def test_make_lending_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mf.make_lending(**({"n_samples": 10} | kwargs))


# ---------------------------------------------------------------- plots and docs


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plots_return_their_axes():
    frame = mf.group_metrics([1, 0, 1, 0, 1, 0], [1, 0, 1, 0, 1, 1], sensitive_features=list("aabbcc"))
    ax = mf.plot_group_metrics(frame)
    assert len(ax.patches) == 3 * 4  # 3 groups x 4 metrics
    with pytest.raises(ValueError, match="not columns"):
        mf.plot_group_metrics(frame, metrics=["auc"])
    ax = mf.plot_tradeoff({"thresholds": ([0.0, 0.1, 0.2], [0.70, 0.72, 0.73]), "model": (0.25, 0.74)})
    assert ax.get_legend().get_texts()[0].get_text() == "thresholds"
    with pytest.raises(ValueError, match="different lengths"):
        mf.plot_tradeoff({"bad": ([0.0, 0.1], [0.7])})


def test_every_public_function_has_examples():
    for name in mf.__all__:
        obj = getattr(mf, name)
        if callable(obj) and name != "GroupMetrics":
            assert "Examples" in (obj.__doc__ or ""), f"{name} has no Examples section"
