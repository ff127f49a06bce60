"""mlcourse.pipeline: parity with scikit-learn, nesting both ways, parameters, errors, check_estimator."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import sklearn.compose
import sklearn.impute
import sklearn.model_selection
import sklearn.pipeline
import sklearn.preprocessing
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge

from mlcourse import preprocessing as mp
from mlcourse.pipeline import ColumnTransformer, Pipeline, make_pipeline
from tests.estimator_checks import checks

TOL = {"rtol": 1e-12, "atol": 1e-12}


@pytest.fixture(scope="module")
def frame():
    """A small mixed table: numbers with NaN, string categories with NaN, an integer id."""
    rng = np.random.default_rng(0)
    n = 80
    X = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n),
            "income": rng.lognormal(10, 1, n),
            "city": rng.choice(["Oslo", "Lima", "Pune"], n),
            "plan": rng.choice(["basic", "pro"], n),
            "id": np.arange(n),
        }
    )
    X.loc[rng.random(n) < 0.1, "age"] = np.nan
    X.loc[rng.random(n) < 0.1, "city"] = np.nan
    y = (X["income"] > X["income"].median()).astype(int).to_numpy()
    return X, y


def column_transformers(lib_pre, lib_impute, lib_compose, lib_pipe, **kwargs):
    numeric = lib_pipe.make_pipeline(lib_impute.SimpleImputer(strategy="median"), lib_pre.StandardScaler())
    categorical = lib_pipe.make_pipeline(
        lib_impute.SimpleImputer(strategy="most_frequent"), lib_pre.OneHotEncoder(handle_unknown="ignore")
    )
    return lib_compose.ColumnTransformer(
        [("num", numeric, ["age", "income"]), ("cat", categorical, ["city", "plan"])], **kwargs
    )


def ours_ct(**kwargs):
    class Lib:
        SimpleImputer = mp.SimpleImputer
        ColumnTransformer = ColumnTransformer
        make_pipeline = staticmethod(make_pipeline)

    return column_transformers(mp, Lib, Lib, Lib, **kwargs)


def sklearn_ct(**kwargs):
    return column_transformers(sklearn.preprocessing, sklearn.impute, sklearn.compose, sklearn.pipeline, **kwargs)


@pytest.mark.parametrize("remainder", ["drop", "passthrough"])
def test_column_transformer_on_a_dataframe_matches_sklearn(frame, remainder):
    X, _ = frame
    ours, theirs = ours_ct(remainder=remainder), sklearn_ct(remainder=remainder)
    np.testing.assert_allclose(ours.fit_transform(X), theirs.fit_transform(X), **TOL)
    X_new = X.iloc[:10].assign(city="Quito")  # unseen category: all zeros
    np.testing.assert_allclose(ours.transform(X_new), theirs.transform(X_new), **TOL)
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())
    assert ours.n_features_in_ == 5 and list(ours.feature_names_in_) == list(X.columns)


def test_column_transformer_by_index_on_arrays_matches_sklearn():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 5))
    X[rng.random(X.shape) < 0.1] = np.nan
    for columns, remainder in [([0, 2], "passthrough"), (slice(1, 3), "drop"), ([True, False] * 2 + [True], "x")]:
        rem = mp.MinMaxScaler() if remainder == "x" else remainder
        sk_rem = sklearn.preprocessing.MinMaxScaler() if remainder == "x" else remainder
        ours = ColumnTransformer([("imp", mp.SimpleImputer(), columns)], remainder=rem)
        theirs = sklearn.compose.ColumnTransformer([("imp", sklearn.impute.SimpleImputer(), columns)], remainder=sk_rem)
        np.testing.assert_allclose(ours.fit_transform(X), theirs.fit_transform(X), **TOL)
        np.testing.assert_allclose(ours.transform(X[:5]), theirs.transform(X[:5]), **TOL)
        assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())


def test_column_transformer_sparse_threshold_like_sklearn():
    X = np.random.default_rng(2).integers(0, 20, size=(50, 3))
    for threshold in (0.0, 0.3, 1.0):
        ours = ColumnTransformer([("oh", mp.OneHotEncoder(), [0, 1, 2])], sparse_threshold=threshold).fit_transform(X)
        theirs = sklearn.compose.ColumnTransformer(
            [("oh", sklearn.preprocessing.OneHotEncoder(), [0, 1, 2])], sparse_threshold=threshold
        ).fit_transform(X)
        assert hasattr(ours, "toarray") == hasattr(theirs, "toarray")


def test_column_transformer_single_name_passes_1d_and_drop():
    X = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    seen = []

    class Spy(mp.StandardScaler):
        def fit(self, X, y=None):
            seen.append(np.ndim(X))
            return super().fit(np.asarray(X).reshape(len(X), -1))

        def transform(self, X):
            return super().transform(np.asarray(X).reshape(len(X), -1))

        def fit_transform(self, X, y=None):
            return self.fit(X, y).transform(X)

    out = ColumnTransformer([("spy", Spy(), "a"), ("gone", "drop", ["b"])]).fit_transform(X)
    assert seen == [1] and out.shape == (2, 1)


def test_column_transformer_errors_name_the_columns(frame):
    X, _ = frame
    ct = ours_ct().fit(X)
    with pytest.raises(ValueError, match=r"columns \['income'\] were present in fit but are missing"):
        ct.transform(X.drop(columns="income"))
    np.testing.assert_allclose(ct.transform(X[X.columns[::-1]]), ct.transform(X), **TOL)  # order by name
    with pytest.raises(ValueError, match=r"columns \['salary'\] are not in X"):
        ColumnTransformer([("s", mp.StandardScaler(), ["salary"])]).fit(X)
    with pytest.raises(ValueError, match="need a pandas DataFrame"):
        ColumnTransformer([("s", mp.StandardScaler(), ["age"])]).fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match="X has 3 features, but ColumnTransformer is expecting 2"):
        ColumnTransformer([("s", mp.StandardScaler(), [0])]).fit(np.ones((3, 2))).transform(np.ones((3, 3)))
    with pytest.raises(NotFittedError):
        ours_ct().transform(X)
    with pytest.raises(ValueError, match="must be unique"):
        ColumnTransformer([("s", mp.StandardScaler(), [0]), ("s", mp.MinMaxScaler(), [1])]).fit(np.ones((3, 2)))


def test_pipeline_with_a_model_matches_sklearn(frame):
    X, y = frame
    ours = Pipeline([("prep", ours_ct()), ("model", LogisticRegression())]).fit(X, y)
    theirs = sklearn.pipeline.Pipeline([("prep", sklearn_ct()), ("model", LogisticRegression())]).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), **TOL)
    np.testing.assert_allclose(ours.decision_function(X), theirs.decision_function(X), **TOL)
    assert ours.score(X, y) == theirs.score(X, y)
    np.testing.assert_array_equal(ours.classes_, [0, 1])
    assert list(ours[:-1].get_feature_names_out()) == list(theirs[:-1].get_feature_names_out())
    restored = pickle.loads(pickle.dumps(ours))
    np.testing.assert_array_equal(restored.predict_proba(X), ours.predict_proba(X))


def test_pipeline_params_follow_the_step_convention():
    pipe = make_pipeline(mp.StandardScaler(), Ridge(alpha=1.0))
    params = pipe.get_params()
    assert params["ridge__alpha"] == 1.0 and params["standardscaler__with_mean"] is True
    assert set(pipe.get_params(deep=False)) == {"steps"}
    steps_before = pipe.steps
    pipe.set_params(ridge__alpha=3.0, standardscaler__with_std=False)
    assert pipe.named_steps.ridge.alpha == 3.0 and not pipe["standardscaler"].with_std
    pipe.set_params(standardscaler="passthrough")
    assert pipe.steps[0][1] == "passthrough" and steps_before[0][1] != "passthrough", "a new list, not an edit"
    with pytest.raises(ValueError, match="Invalid parameter 'lasso'"):
        pipe.set_params(lasso__alpha=1.0)
    copy = clone(pipe)
    assert copy.get_params()["ridge__alpha"] == 3.0 and copy.steps[1][1] is not pipe.steps[1][1]
    assert [name for name, _ in make_pipeline(mp.StandardScaler(), mp.StandardScaler()).steps] == [
        "standardscaler-1",
        "standardscaler-2",
    ]


def test_column_transformer_params():
    ct = ColumnTransformer([("s", mp.StandardScaler(), [0])], remainder=mp.MinMaxScaler())
    params = ct.get_params()
    assert params["s__with_mean"] is True and params["remainder__clip"] is False
    ct.set_params(s__with_mean=False, remainder__clip=True, sparse_threshold=0.0)
    assert not ct.transformers[0][1].with_mean and ct.remainder.clip and ct.sparse_threshold == 0.0


def test_pipeline_errors():
    X, y = np.ones((4, 2)), np.array([0.0, 1.0, 0.0, 1.0])
    with pytest.raises(NotFittedError):
        make_pipeline(mp.StandardScaler(), Ridge()).predict(X)
    with pytest.raises(TypeError, match=r"step .ridge. .* needs a transform method"):
        Pipeline([("ridge", Ridge()), ("scale", mp.StandardScaler())]).fit(X, y)
    with pytest.raises(ValueError, match="unique"):
        Pipeline([("a", mp.StandardScaler()), ("a", Ridge())]).fit(X, y)
    assert not hasattr(make_pipeline(mp.StandardScaler(), mp.MinMaxScaler()), "predict")
    assert not hasattr(make_pipeline(mp.StandardScaler(), Ridge()), "transform")


def test_ours_nest_inside_sklearn_grid_search(frame):
    X, y = frame
    grid = {"prep__num__standardscaler__with_mean": [True, False], "model__C": [0.1, 1.0]}
    results = []
    for prep in (ours_ct(), sklearn_ct()):
        pipe = sklearn.pipeline.Pipeline([("prep", prep), ("model", LogisticRegression())])
        search = sklearn.model_selection.GridSearchCV(pipe, grid, cv=3).fit(X, y)
        results.append(search.cv_results_["mean_test_score"])
    np.testing.assert_allclose(*results, **TOL)


def test_sklearn_check_estimator_on_column_transformer_and_pipeline():
    estimators = [
        ColumnTransformer([("s", mp.StandardScaler(), [0])], remainder="passthrough"),
        ColumnTransformer([("oh", mp.OneHotEncoder(handle_unknown="ignore"), [0])], remainder=mp.MinMaxScaler()),
        make_pipeline(mp.SimpleImputer(), mp.StandardScaler(), Ridge()),
        make_pipeline(mp.StandardScaler(), mp.PolynomialFeatures()),
    ]
    failed = []
    for param in checks(estimators):
        estimator, check = param.values
        name = getattr(check, "func", check).__name__
        try:
            check(estimator)
        except Exception as error:
            failed.append((type(estimator).__name__, name, str(error)[:200]))
    # Pipeline fits its steps in place (as scikit-learn's does, so pipe["scaler"].mean_ works after fit):
    # the one check that forbids changing a parameter during fit cannot pass for it, or for sklearn's.
    expected = {("Pipeline", "check_estimators_overwrite_params")}
    assert {(est, name) for est, name, _ in failed} == expected, failed
