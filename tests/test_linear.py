"""The gradient-descent linear models: parity with the closed form, Ridge and LogisticRegression,
pipelines and grid search, and clear errors for bad input (estimator checks: test_linear_estimator_checks.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlcourse.linear import LinearRegressionGD, LogisticRegressionGD, RidgeGD
from mlcourse.optim import DivergenceError

ESTIMATORS = [LinearRegressionGD, RidgeGD, LogisticRegressionGD]


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


def fit_quietly(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # parity only counts if it converged
        return model.fit(X, y)


def test_linear_regression_equals_lstsq(diabetes):
    X, y = diabetes
    model = fit_quietly(LinearRegressionGD(optimizer="nesterov", tol=1e-9, max_epochs=50_000), X, y)
    A = np.c_[X, np.ones(len(X))]
    ref = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(model.coef_, ref[:-1], rtol=1e-6)
    assert model.intercept_ == pytest.approx(ref[-1], rel=1e-6)
    assert model.score(X, y) == pytest.approx(1 - np.sum((A @ ref - y) ** 2) / np.sum((y - y.mean()) ** 2), rel=1e-9)


def test_linear_regression_without_intercept_equals_lstsq():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(100, 4)) + 3
    y = X @ [1.0, 2.0, -1.0, 0.5] + rng.normal(size=100)
    model = fit_quietly(
        LinearRegressionGD(fit_intercept=False, optimizer="nesterov", tol=1e-10, max_epochs=50_000), X, y
    )
    np.testing.assert_allclose(model.coef_, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-6)
    assert model.intercept_ == 0.0


@pytest.mark.parametrize("alpha", [1e-3, 0.1, 1.0])
def test_ridge_equals_sklearn_ridge(diabetes, alpha):
    X, y = diabetes
    model = fit_quietly(RidgeGD(alpha=alpha, optimizer="nesterov", tol=1e-9, max_epochs=50_000), X, y)
    ref = Ridge(alpha=alpha * len(X), solver="cholesky").fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-6)
    assert model.intercept_ == pytest.approx(ref.intercept_, rel=1e-6)


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    # Four standardised, weakly correlated features (radius, texture, smoothness, symmetry): not
    # separable, so the unpenalised optimum exists and is well conditioned.
    return StandardScaler().fit_transform(X[:, [0, 1, 4, 8]]), y


def test_binary_logistic_without_penalty_equals_sklearn(cancer):
    X, y = cancer
    model = fit_quietly(LogisticRegressionGD(alpha=0.0, optimizer="nesterov", tol=1e-9, max_epochs=50_000), X, y)
    ref = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12, max_iter=100).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-6)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-6)
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-7)
    assert model.coef_.shape == (1, 4) and model.intercept_.shape == (1,)


@pytest.mark.parametrize("alpha", [1e-3, 0.1])
def test_binary_logistic_l2_equals_sklearn_with_c_mapping(cancer, alpha):
    X, y = cancer
    model = fit_quietly(LogisticRegressionGD(alpha=alpha, tol=1e-10, max_epochs=50_000), X, y)
    ref = LogisticRegression(C=1 / (len(X) * alpha), solver="newton-cholesky", tol=1e-12, max_iter=100).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-6)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-6)


def test_softmax_logistic_l2_equals_sklearn_multinomial():
    X, y = load_iris(return_X_y=True)
    y = np.array(["setosa", "versicolor", "virginica"])[y]  # string labels on purpose
    alpha = 0.01
    model = fit_quietly(LogisticRegressionGD(alpha=alpha, optimizer="nesterov", tol=1e-10, max_epochs=50_000), X, y)
    ref = LogisticRegression(C=1 / (len(X) * alpha), solver="newton-cholesky", tol=1e-12, max_iter=100).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-7)
    np.testing.assert_array_equal(model.predict(X), ref.predict(X))
    assert list(model.classes_) == ["setosa", "versicolor", "virginica"]


def test_loss_history_and_n_iter(diabetes):
    X, y = diabetes
    model = LinearRegressionGD(tol=0, max_epochs=50)
    with pytest.warns(ConvergenceWarning, match="max_epochs=50"):
        model.fit(X, y)
    assert model.n_iter_ == 50 and model.loss_history_.shape == (51,)
    assert np.all(np.diff(model.loss_history_) <= 0)  # lr = 1/L: gradient descent never goes uphill


def test_mini_batch_training_is_reproducible_and_close():
    X, y = make_classification(n_samples=300, n_features=5, random_state=0)
    kw = {"batch_size": 16, "max_epochs": 50, "random_state": 3, "alpha": 0.01}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # SGD noise never lets the gradient reach tol
        a, b = LogisticRegressionGD(**kw).fit(X, y), LogisticRegressionGD(**kw).fit(X, y)
    full = fit_quietly(LogisticRegressionGD(alpha=0.01, tol=1e-8, max_epochs=10_000), X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_allclose(a.coef_, full.coef_, atol=0.1)


def test_works_in_pipeline_gridsearch_and_clone():
    X, y = load_breast_cancer(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), LogisticRegressionGD(optimizer="nesterov", max_epochs=3000, tol=1e-4))
    grid = GridSearchCV(pipe, {"logisticregressiongd__alpha": [1e-3, 1e-1]}, cv=3)
    grid.fit(X, y)
    assert grid.best_score_ > 0.95
    assert set(grid.cv_results_["param_logisticregressiongd__alpha"]) == {1e-3, 1e-1}
    model = RidgeGD(alpha=0.5, optimizer="adam")
    twin = clone(model)
    assert twin.get_params() == model.get_params() and twin is not model
    assert model.set_params(lr=0.1).lr == 0.1


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        ([[1.0, np.nan], [2.0, 3.0]], [0, 1], "X contains NaN"),
        ([[1.0, 2.0], [2.0, 3.0]], [0, np.nan], "y contains NaN"),
        ([1.0, 2.0, 3.0], [0, 1, 0], "X must be 2-D"),
        ([[1.0], [2.0], [3.0]], [0, 1], "X and y must have the same number of rows"),
        ([["a", "b"], ["c", "d"]], [0, 1], "X must be numeric"),
        (pd.DataFrame({"size": [1.0, 2.0], "colour": ["red", "blue"]}), [0, 1], "X must be numeric"),
        ([[1.0], [2.0]], None, "requires y to be passed"),  # scikit-learn's own message, unchanged
    ],
)
def test_bad_input_raises_naming_the_argument(cls, X, y, match):
    with pytest.raises(ValueError, match=match):
        cls().fit(X, y)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("lr", 0),
        ("lr", -1.0),
        ("lr", "fast"),
        ("lr", True),
        ("max_epochs", 0),
        ("max_epochs", True),
        ("tol", -1),
        ("optimizer", "lbfgs"),
    ],
)
def test_bad_hyper_parameters_raise_at_fit_naming_them(cls, param, value):
    with pytest.raises(ValueError, match=rf"^{param}\b.*must be"):
        cls(**{param: value}).fit([[0.0], [1.0]], [0, 1])


def test_one_class_is_refused():
    with pytest.raises(ValueError, match="at least 2 classes"):
        LogisticRegressionGD().fit([[0.0], [1.0]], [1, 1])


def test_negative_alpha_is_refused():
    with pytest.raises(ValueError, match=r"^alpha == -1, must be >= 0"):
        RidgeGD(alpha=-1).fit([[0.0], [1.0]], [0, 1])


def test_divergence_stops_with_advice(diabetes):
    X, y = diabetes
    with pytest.raises(DivergenceError, match="smaller learning rate"):
        LinearRegressionGD(lr=50.0).fit(X * 100, y)


def test_accepts_numpy_integers_and_legacy_random_state():
    X, y = make_classification(n_samples=60, n_features=3, n_redundant=0, random_state=0)
    kw = {"max_epochs": np.int64(5), "batch_size": np.int64(8), "random_state": np.random.RandomState(0)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LogisticRegressionGD(**kw).fit(X, y)
    assert model.n_iter_ == 5


def test_plot_decision_boundary_draws_and_returns_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mlcourse.plotting import plot_decision_boundary

    X, y = make_classification(n_samples=60, n_features=2, n_redundant=0, random_state=0)
    for labels in (y, np.array(["a", "b", "c"])[np.arange(60) % 3]):
        model = fit_quietly(LogisticRegressionGD(alpha=0.1), X, labels)
        ax = plot_decision_boundary(model, X, labels)
        assert len(ax.collections) > 0
        plt.close(ax.figure)
    with pytest.raises(ValueError, match="exactly 2 columns"):
        plot_decision_boundary(model, np.c_[X, X], y)
