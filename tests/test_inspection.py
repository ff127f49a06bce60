"""mlcourse.inspection: permutation importance and partial dependence equal scikit-learn's; model cards."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import scipy.stats.mstats
import sklearn.inspection
from hypothesis import given
from hypothesis import strategies as st
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from mlcourse import fairness, inspection


def regression(seed, n=60, p=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    return X, X @ rng.normal(size=p) + 0.3 * rng.normal(size=n)


def classification(seed, n=60, p=3, n_classes=2):
    X, y = regression(seed, n, p)
    edges = np.quantile(y, np.linspace(0, 1, n_classes + 1)[1:-1])
    return X, np.searchsorted(edges, y)


# ---------------------------------------------------------------- permutation importance


@given(
    seed=st.integers(0, 2**31 - 1),
    n_repeats=st.integers(1, 4),
    case=st.sampled_from(["linear", "tree", "logistic-auc", "logistic-default", "callable"]),
)
def test_permutation_importance_equals_scikit_learn_exactly(seed, n_repeats, case):
    if case in ("linear", "tree"):
        X, y = regression(seed)
        model = (LinearRegression() if case == "linear" else DecisionTreeRegressor(max_depth=3, random_state=0)).fit(
            X, y
        )
        scoring = "neg_mean_squared_error" if case == "tree" else None
    else:
        X, y = classification(seed)
        model = LogisticRegression().fit(X, y)
        scoring = {"logistic-auc": "roc_auc", "logistic-default": None}.get(case)
        if case == "callable":
            scoring = lambda est, X_, y_: float(np.mean(est.predict(X_) == y_))  # noqa: E731
    ours = inspection.permutation_importance(model, X, y, scoring=scoring, n_repeats=n_repeats, random_state=seed)
    theirs = sklearn.inspection.permutation_importance(
        model, X, y, scoring=scoring, n_repeats=n_repeats, random_state=seed
    )
    for key in ("importances", "importances_mean", "importances_std"):
        np.testing.assert_array_equal(ours[key], theirs[key])


def test_permutation_importance_on_a_dataframe_pipeline_with_weights_and_a_random_state_instance():
    df = fairness.make_lending(400, seed=5)
    features = ["district", "income", "late_payments", "debt_to_income"]
    pre = ColumnTransformer([("cat", OneHotEncoder(), ["district"]), ("num", StandardScaler(), features[1:])])
    model = make_pipeline(pre, LogisticRegression()).fit(df[features], df["repaid"])
    weight = np.linspace(0.5, 2.0, len(df))
    kwargs = {"scoring": "accuracy", "n_repeats": 3, "sample_weight": weight}
    ours = inspection.permutation_importance(
        model, df[features], df["repaid"], random_state=np.random.RandomState(7), **kwargs
    )
    theirs = sklearn.inspection.permutation_importance(
        model, df[features], df["repaid"], random_state=np.random.RandomState(7), **kwargs
    )
    np.testing.assert_array_equal(ours.importances, theirs.importances)
    assert df["late_payments"].dtype == np.int64  # the caller's frame is not touched


def test_permutation_importance_restores_each_column_before_the_next():
    """The second column's score must be measured with the first column back in place."""
    X, y = regression(0, p=2)
    model = LinearRegression().fit(X, y)
    result = inspection.permutation_importance(model, X, y, n_repeats=2, random_state=0)
    X_copy = X.copy()
    rng = np.random.RandomState(np.random.RandomState(0).randint(2**31))
    order = np.arange(len(X))
    rng.shuffle(order)
    X_copy[:, 1] = X[order, 1]
    assert result.importances[1, 0] == pytest.approx(model.score(X, y) - model.score(X_copy, y), abs=1e-15)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_repeats": 0}, ValueError, "n_repeats"),
        ({"scoring": 3}, ValueError, "scoring"),
        ({"random_state": "seed"}, ValueError, "random_state"),
        ({"y": np.zeros(5)}, ValueError, "X and y have different lengths"),
        ({"sample_weight": np.ones(5)}, ValueError, "sample_weight"),
        ({"X": np.zeros(60)}, ValueError, "2-D"),
        ({"X": "data"}, TypeError, "X must be"),
    ],
)
def test_permutation_importance_errors_name_the_argument(kwargs, error, match):
    X, y = regression(0)
    args = {"X": X, "y": y} | kwargs
    with pytest.raises(error, match=match):
        inspection.permutation_importance(LinearRegression().fit(X, y), args.pop("X"), args.pop("y"), **args)


# ---------------------------------------------------------------- partial dependence


def assert_same_pd(ours, theirs):
    assert len(ours.grid_values) == len(theirs.grid_values) == 1
    np.testing.assert_array_equal(ours.grid_values[0], theirs.grid_values[0])
    for key in ("average", "individual"):
        if key in theirs:
            assert ours[key].shape == theirs[key].shape
            np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-12, atol=1e-12)


@given(
    seed=st.integers(0, 2**31 - 1),
    case=st.sampled_from(["linear", "tree", "binary-proba", "binary-decision", "multiclass"]),
    grid_resolution=st.integers(2, 40),
    low=st.floats(0.0, 0.45),
    width=st.floats(0.05, 0.55),
    kind=st.sampled_from(["average", "individual", "both"]),
    weighted=st.booleans(),
)
def test_partial_dependence_equals_scikit_learn(seed, case, grid_resolution, low, width, kind, weighted):
    if case in ("linear", "tree"):
        X, y = regression(seed)
        model = (LinearRegression() if case == "linear" else DecisionTreeRegressor(max_depth=4, random_state=0)).fit(
            X, y
        )
        response = "auto"
    else:
        X, y = classification(seed, n_classes=3 if case == "multiclass" else 2)
        model = LogisticRegression().fit(X, y)
        response = "decision_function" if case == "binary-decision" else "auto"
    X[:, 2] = np.round(X[:, 2], 1)  # a column with fewer distinct values than some grids
    feature = int(seed % 3)
    kwargs = {
        "response_method": response,
        "percentiles": (low, min(low + width, 1.0)),
        "grid_resolution": grid_resolution,
        "kind": kind,
        "sample_weight": np.random.default_rng(seed).uniform(0.1, 2.0, len(X))
        if weighted and kind != "individual"
        else None,
    }
    ours = inspection.partial_dependence(model, X, feature, **kwargs)
    theirs = sklearn.inspection.partial_dependence(model, X, [feature], method="brute", **kwargs)
    assert_same_pd(ours, theirs)


def test_partial_dependence_on_a_dataframe_with_a_categorical_column():
    df = fairness.make_lending(300, seed=6)
    features = ["district", "income", "late_payments"]
    pre = ColumnTransformer([("cat", OneHotEncoder(), ["district"]), ("num", StandardScaler(), features[1:])])
    model = make_pipeline(pre, DecisionTreeClassifier(max_depth=3, random_state=0)).fit(df[features], df["repaid"])
    for feature, categorical in [("income", False), ("district", True), ("late_payments", True)]:
        kwargs = {"categorical_features": [feature] if categorical else None, "kind": "both"}
        ours = inspection.partial_dependence(model, df[features], feature, **kwargs)
        theirs = sklearn.inspection.partial_dependence(model, df[features], [feature], method="brute", **kwargs)
        assert_same_pd(ours, theirs)


def test_partial_dependence_rejects_integer_columns_like_scikit_learn():
    X = np.c_[np.arange(20), np.linspace(0, 1, 20)]
    model = LinearRegression().fit(X, X[:, 0])
    with pytest.raises(ValueError, match="integer"):
        sklearn.inspection.partial_dependence(model, X.astype(int), [0], method="brute")
    with pytest.raises(ValueError, match="integers"):
        inspection.partial_dependence(model, X.astype(int), 0)
    for categorical_features in ([0], [True, False]):
        result = inspection.partial_dependence(model, X.astype(int), 0, categorical_features=categorical_features)
        assert result.grid_values[0].tolist() == list(range(20))


@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=50), st.floats(0, 1), st.floats(0, 1))
def test_mquantiles_equal_scipy(values, p, q):
    expected = scipy.stats.mstats.mquantiles(values, prob=[p, q])
    np.testing.assert_allclose(inspection.mquantiles(values, [p, q]), expected, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"percentiles": (0.9, 0.1)}, ValueError, "percentiles"),
        ({"percentiles": (0.1, 1.5)}, ValueError, "percentiles"),
        ({"grid_resolution": 1}, ValueError, "grid_resolution"),
        ({"features": 3}, ValueError, r"feature must be in \[0, 1\]"),
        ({"features": "x"}, ValueError, "column name"),
        ({"features": 0.5}, TypeError, "feature"),
        ({"kind": "mean"}, ValueError, "kind"),
        ({"response_method": "predict_proba"}, ValueError, "regressors"),
        ({"sample_weight": np.ones(3)}, ValueError, "sample_weight"),
        ({"categorical_features": []}, ValueError, "categorical_features"),
        ({"categorical_features": [True]}, ValueError, "categorical_features"),
    ],
)
def test_partial_dependence_errors_name_the_argument(kwargs, error, match):
    X, y = regression(0, p=2)
    args = {"features": 0} | kwargs
    with pytest.raises(error, match=match):
        inspection.partial_dependence(LinearRegression().fit(X, y), X, args.pop("features"), **args)


def test_partial_dependence_needs_a_predictor():
    with pytest.raises(TypeError, match="regressor or classifier"):
        inspection.partial_dependence(StandardScaler().fit(np.eye(3)), np.eye(3), 0)


# ---------------------------------------------------------------- model cards


class StandIn:
    """Anything with a ``metadata`` dict will do: the card reads nothing else."""

    metadata = {  # noqa: RUF012 - a test double
        "name": "credit-risk",
        "version": "3",
        "created": "2024-05-01T12:00:00+00:00",
        "description": "Scores loan applications for repayment.",
        "model_class": "sklearn.pipeline.Pipeline",
        "n_train": 6000,
        "metrics": {"accuracy": 0.7412, "roc_auc": 0.8091},
        "feature_schema": [
            {"name": "district", "kind": "category", "values": ["D0", "D1"]},
            {"name": "income", "kind": "float", "low": 0.0, "high": 250.0},
        ],
        "data_hash": "ab" * 32,
        "model_sha256": "cd" * 32,
        "git": {"commit": "0123456789abcdef", "dirty": True},
        "library_versions": {"numpy": "2.4.6"},
    }


def frame():
    groups = pd.Series(list("AAABBB"), name="group")
    return fairness.group_metrics([1, 0, 1, 1, 0, 1], [1, 0, 1, 0, 1, 1], sensitive_features=groups)


def test_model_card_has_every_section_in_order(tmp_path):
    path = tmp_path / "MODEL_CARD.md"
    card = inspection.model_card(
        StandIn(),
        intended_use="Help loan officers prioritise applications.",
        out_of_scope=["Automatic refusals without review"],
        data="6 000 historical applications, 2019-2023.",
        group_metrics=frame(),
        limitations=["Historical labels are biased against group B."],
        ethical_considerations=["District is a proxy for group."],
        caveats="Re-check group metrics every quarter.",
        owner="Credit analytics team",
        path=path,
    )
    assert path.read_text(encoding="utf-8") == card
    headings = [line for line in card.splitlines() if line.startswith("#")]
    assert headings == [
        "# Model card: credit-risk, version 3",
        "## Model details",
        "## Intended use",
        "## Data",
        "## Metrics",
        "### Overall",
        "### Per group",
        "## Limitations",
        "## Ethical considerations",
        "## Caveats and recommendations",
    ]
    assert "| accuracy | 0.741 |" in card and "| roc_auc | 0.809 |" in card
    assert "| group | count | selection_rate |" in card
    assert "| A | 3 | 0.667 |" in card  # counts stay integers
    assert "**roc_auc**: chance that a random positive case" in card  # the glossary for lay readers
    assert "- Automatic refusals without review" in card and "(uncommitted changes)" in card
    assert "| district | category | D0, D1 |" in card and "| income | float | 0.00 to 250.00 |" in card
    assert "- **Type:** Pipeline" in card
    assert "`" + "cd" * 32 + "`" in card and "Credit analytics team" in card


def test_model_card_with_a_real_bundle(tmp_path):
    from mlcourse.serving import ModelBundle

    df = fairness.make_lending(300, seed=8)
    X, y = df[["income", "late_payments"]].astype(float), df["repaid"]
    bundle = ModelBundle.from_model(
        LogisticRegression().fit(X, y), X, y, metrics={"accuracy": 0.7}, name="demo", version="2"
    )
    bundle.save(tmp_path / "bundle")
    card = inspection.model_card(
        ModelBundle.load(tmp_path / "bundle"),
        intended_use="A demonstration.",
        limitations="Two features only.",
        ethical_considerations="None assessed: do not use for decisions.",
    )
    assert card.startswith("# Model card: demo, version 2\n")
    assert bundle.metadata["model_sha256"] in card and "| income | float |" in card


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"intended_use": None}, ValueError, "intended_use is required"),
        ({"limitations": "  "}, ValueError, "limitations must not be empty"),
        ({"ethical_considerations": 3}, TypeError, "ethical_considerations"),
        ({"group_metrics": [1, 2]}, TypeError, "group_metrics"),
        ({"metrics": [0.9]}, TypeError, "metrics"),
        ({"digits": -1}, ValueError, "digits"),
        ({"bundle": object()}, TypeError, r"\.metadata"),
    ],
)
def test_model_card_errors_name_the_argument(kwargs, error, match):
    args = {
        "bundle": StandIn(),
        "intended_use": "x",
        "limitations": "y",
        "ethical_considerations": "z",
    } | kwargs
    with pytest.raises(error, match=match):
        inspection.model_card(args.pop("bundle"), **args)


# ---------------------------------------------------------------- plots and docs


def test_plots_draw_what_they_are_given():
    X, y = load_breast_cancer(return_X_y=True)
    X = X[:, :4]
    model = LogisticRegression(max_iter=2000).fit(X, y)
    result = inspection.permutation_importance(model, X, y, n_repeats=3, random_state=0)
    ax = inspection.plot_permutation_importance(result, ["a", "b", "c", "d"], top=2)
    assert len(ax.get_yticklabels()) == 2
    with pytest.raises(ValueError, match="feature_names"):
        inspection.plot_permutation_importance(result, ["a"])
    pd_result = inspection.partial_dependence(model, X, 0, kind="both", grid_resolution=10)
    ax = inspection.plot_partial_dependence(pd_result, "radius", n_individual=5, rng=np.random.default_rng(0))
    assert len(ax.lines) == 6 and ax.get_xlabel() == "radius"
    plt.close("all")


def test_every_public_function_has_examples():
    for name in inspection.__all__:
        obj = getattr(inspection, name)
        if callable(obj):
            assert "Examples" in (obj.__doc__ or ""), f"{name} has no Examples section"


def test_model_card_lists_many_inputs_by_name():
    meta = dict(StandIn.metadata)
    meta["feature_schema"] = [{"name": f"x{i}", "kind": "float", "low": 0.0, "high": 1.0} for i in range(20)]
    bundle = type("Many", (), {"metadata": meta})()
    card = inspection.model_card(bundle, intended_use="u", limitations="l", ethical_considerations="e")
    assert "The model reads 20 inputs: x0, x1," in card and "| x0 |" not in card
