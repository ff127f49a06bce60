"""mlcourse.imbalance: samplers (SMOTE properties), leakage-free CV, weight and calibration parity, thresholds."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
import sklearn.calibration
import sklearn.utils.class_weight
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import check_estimator

from mlcourse import imbalance as mi
from mlcourse.pipeline import Pipeline
from mlcourse.preprocessing import StandardScaler


def imbalanced(seed: int, n_major: int = 40, n_minor: int = 8, n_features: int = 3):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(0, 1, (n_major, n_features)), rng.normal(2, 1, (n_minor, n_features))])
    y = np.r_[np.zeros(n_major, int), np.ones(n_minor, int)]
    return X, y


# ---------------------------------------------------------------- samplers


@pytest.mark.parametrize("sampler", [mi.RandomOverSampler(random_state=0), mi.SMOTE(random_state=0)])
def test_oversamplers_balance_classes_and_keep_originals(sampler):
    X, y = imbalanced(0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [40, 40]
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)


def test_random_over_sampler_duplicates_minority_rows():
    X, y = imbalanced(1)
    X_res, _ = mi.RandomOverSampler(random_state=0).fit_resample(X, y)
    extra = X_res[len(X) :]
    assert all(any(np.array_equal(row, m) for m in X[y == 1]) for row in extra)


def test_random_under_sampler_keeps_a_subset():
    X, y = imbalanced(2)
    X_res, y_res = mi.RandomUnderSampler(random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [8, 8]
    rows = {tuple(r) for r in X}
    assert len({tuple(r) for r in X_res}) == 16 and all(tuple(r) in rows for r in X_res)


@pytest.mark.parametrize("cls", [mi.RandomOverSampler, mi.RandomUnderSampler, mi.SMOTE])
def test_samplers_deterministic_by_seed(cls):
    X, y = imbalanced(3)
    a, b, c = (cls(random_state=s).fit_resample(X, y)[0] for s in (5, 5, 6))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@given(seed=st.integers(0, 10_000), k=st.integers(1, 5), n_minor=st.integers(6, 15))
def test_smote_points_lie_on_segments_to_k_nearest_minority_neighbours(seed, k, n_minor):
    X, y = imbalanced(seed, n_major=30, n_minor=n_minor)
    X_res, y_res = mi.SMOTE(k_neighbors=k, random_state=seed).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [30, 30]
    minority = X[y == 1]
    d = np.linalg.norm(minority[:, None] - minority[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    for point in X_res[len(X) :]:
        found = False
        for i, x in enumerate(minority):
            for j in np.argsort(d[i], kind="stable")[:k]:
                seg = minority[j] - x
                u = np.dot(point - x, seg) / np.dot(seg, seg)
                if -1e-12 <= u <= 1 + 1e-12 and np.allclose(x + u * seg, point, atol=1e-10):
                    found = True
        assert found


def test_smote_errors_name_argument():
    X, y = imbalanced(0, n_minor=3)
    with pytest.raises(ValueError, match="k_neighbors"):
        mi.SMOTE(k_neighbors=5).fit_resample(X, y)
    with pytest.raises(ValueError, match="k_neighbors"):
        mi.SMOTE(k_neighbors=0).fit_resample(X, y)
    with pytest.raises(ValueError, match="two classes"):
        mi.SMOTE().fit_resample(X, np.zeros(len(X)))


# ---------------------------------------------------------------- resampling only on training folds


class RowCounter(ClassifierMixin, BaseEstimator):
    """Records the label counts it is fitted on and the number of rows it predicts."""

    log: ClassVar[list] = []

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        RowCounter.log.append(("fit", np.bincount(y).tolist()))
        return self

    def predict(self, X):
        RowCounter.log.append(("predict", len(X)))
        return np.zeros(len(X), int)


def test_resampling_happens_only_on_training_folds():
    X, y = imbalanced(0, n_major=50, n_minor=10)
    RowCounter.log = []
    cv = StratifiedKFold(5)
    cross_val_score(mi.make_pipeline(mi.RandomOverSampler(random_state=0), RowCounter()), X, y, cv=cv)
    fits = [c for kind, c in RowCounter.log if kind == "fit"]
    predicts = [n for kind, n in RowCounter.log if kind == "predict"]
    assert fits == [[40, 40]] * 5  # training folds (40 + 8) balanced
    assert predicts == [12] * 5  # validation folds untouched: 10 + 2 rows


def test_make_pipeline_resamples_what_the_steps_before_the_sampler_output():
    X, y = imbalanced(6, n_major=60, n_minor=12)
    model = mi.make_pipeline(StandardScaler(), mi.SMOTE(random_state=0), LogisticRegression()).fit(X, y)
    scaler = StandardScaler().fit(X)
    by_hand = LogisticRegression().fit(*mi.SMOTE(random_state=0).fit_resample(scaler.transform(X), y))
    np.testing.assert_allclose(model.predict_proba(X), by_hand.predict_proba(scaler.transform(X)), rtol=1e-12)
    assert isinstance(mi.make_pipeline(StandardScaler(), LogisticRegression()), Pipeline)  # no sampler
    with pytest.raises(ValueError, match="last step must be a classifier"):
        mi.make_pipeline(StandardScaler(), mi.SMOTE())


def test_resampled_classifier_in_grid_search():
    X, y = imbalanced(4, n_major=60, n_minor=12)
    model = mi.ResampledClassifier(LogisticRegression(), mi.SMOTE(random_state=0))
    search = GridSearchCV(model, {"estimator__C": [0.1, 1.0], "sampler__k_neighbors": [3, 5]}, cv=3).fit(X, y)
    assert search.predict_proba(X).shape == (72, 2)
    assert search.best_estimator_.decision_function(X).shape == (72,)


def test_resampled_classifier_exposes_only_the_methods_its_estimator_has():
    X, y = imbalanced(5, n_major=60, n_minor=12)
    bayes = mi.make_pipeline(mi.RandomOverSampler(random_state=0), GaussianNB())
    svm = mi.make_pipeline(mi.RandomOverSampler(random_state=0), LinearSVC())
    assert not hasattr(bayes, "decision_function") and not hasattr(bayes.fit(X, y), "decision_function")
    assert not hasattr(svm, "predict_proba") and hasattr(svm.fit(X, y), "decision_function")
    # scorers and CalibratedClassifier choose the method by hasattr, so both wrappers now work there
    cv = StratifiedKFold(3)
    assert cross_val_score(bayes, X, y, scoring="roc_auc", cv=cv, error_score="raise").shape == (3,)
    proba = mi.CalibratedClassifier(bayes, cv=cv).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_resampled_classifier_rejects_non_sampler():
    with pytest.raises(TypeError, match="sampler"):
        mi.ResampledClassifier(LogisticRegression(), LogisticRegression()).fit(*imbalanced(0))


# ---------------------------------------------------------------- class weights


@given(st.lists(st.sampled_from([0, 1, 2, 7]), min_size=1, max_size=60))
def test_class_weight_parity(labels):
    y = np.array(labels)
    classes = np.unique(y)
    for class_weight in ("balanced", None, {**dict.fromkeys(classes.tolist(), 2.0), classes[0].item(): 0.5}):
        expected = sklearn.utils.class_weight.compute_class_weight(class_weight, classes=classes, y=y)
        got = mi.compute_class_weight(class_weight, classes=classes, y=y)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
        expected = sklearn.utils.class_weight.compute_sample_weight(class_weight, y)
        np.testing.assert_allclose(mi.compute_sample_weight(class_weight, y), expected, rtol=1e-12, atol=1e-12)
    sample_weight = np.arange(1.0, len(y) + 1)
    expected = sklearn.utils.class_weight.compute_class_weight(
        "balanced", classes=classes, y=y, sample_weight=sample_weight
    )
    got = mi.compute_class_weight("balanced", classes=classes, y=y, sample_weight=sample_weight)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_a_class_weight_dict_may_leave_out_classes_but_not_name_others():
    y, classes = np.array([0, 0, 1, 2]), np.array([0, 1, 2])
    expected = sklearn.utils.class_weight.compute_class_weight({1: 3.0}, classes=classes, y=y)
    assert mi.compute_class_weight({1: 3.0}, classes=classes, y=y).tolist() == expected.tolist() == [1.0, 3.0, 1.0]
    for twin in (sklearn.utils.class_weight.compute_class_weight, mi.compute_class_weight):
        with pytest.raises(ValueError, match="not in class_weight"):
            twin({1: 3.0, 9: 2.0}, classes=classes, y=y)


def test_class_weight_rejects_bad_input_naming_it():
    with pytest.raises(ValueError, match="y must"):
        mi.compute_class_weight("balanced", classes=np.array([0]), y=[])
    with pytest.raises(ValueError, match="y must"):
        mi.compute_sample_weight("balanced", [[0, 1]])
    with pytest.raises(ValueError, match="classes should include"):
        mi.compute_class_weight("balanced", classes=np.array([0]), y=[0, 1])
    with pytest.raises(ValueError, match="classes should have valid labels"):
        mi.compute_class_weight("balanced", classes=np.array([0, 1, 2]), y=[0, 1])
    with pytest.raises(ValueError, match="class_weight must be"):
        mi.compute_class_weight("auto", classes=np.array([0, 1]), y=[0, 1])


# ---------------------------------------------------------------- thresholds


def brute_force(y_true, y_score, target, metric):
    best = None
    for t in np.unique(y_score):
        pred = y_score >= t
        tp = np.sum(pred & (y_true == 1))
        precision, recall = tp / pred.sum(), tp / np.sum(y_true == 1)
        meets, goal = (recall >= target, precision) if metric == "recall" else (precision >= target, recall)
        if meets and (best is None or goal >= best[0]):
            best = (goal, t)
    return None if best is None else best[1]


@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 40),
    target=st.floats(0, 1),
    metric=st.sampled_from(["recall", "precision"]),
)
def test_threshold_matches_brute_force(seed, n, target, metric):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 2, n)
    y_true[0] = 1
    y_score = np.round(rng.random(n), 1)  # ties
    expected = brute_force(y_true, y_score, target, metric)
    func = mi.threshold_for_recall if metric == "recall" else mi.threshold_for_precision
    if expected is None:
        with pytest.raises(ValueError, match=f"target_{metric}"):
            func(y_true, y_score, target)
    else:
        assert func(y_true, y_score, target) == expected


def test_threshold_errors():
    with pytest.raises(ValueError, match="target_recall"):
        mi.threshold_for_recall([0, 1], [0.1, 0.2], 1.5)
    with pytest.raises(ValueError, match="target_precision"):
        mi.threshold_for_precision([0, 1, 0], [0.1, 0.2, 0.9], 1.0)
    with pytest.raises(ValueError, match="positive"):
        mi.threshold_for_recall([0, 0], [0.1, 0.2], 0.5)
    with pytest.raises(ValueError, match="y_true"):
        mi.threshold_for_recall([0, 2], [0.1, 0.2], 0.5)


# ---------------------------------------------------------------- calibration curve


@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 80),
    n_bins=st.integers(1, 12),
    strategy=st.sampled_from(["uniform", "quantile"]),
)
def test_calibration_curve_parity(seed, n, n_bins, strategy):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 2, n)
    y_prob = np.round(rng.random(n), int(rng.integers(1, 4)))
    expected = sklearn.calibration.calibration_curve(y_true, y_prob, n_bins=n_bins, strategy=strategy)
    for got, want in zip(mi.calibration_curve(y_true, y_prob, n_bins=n_bins, strategy=strategy), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_calibration_curve_errors():
    with pytest.raises(ValueError, match="y_prob"):
        mi.calibration_curve([0, 1], [0.5, 1.5])
    with pytest.raises(ValueError, match="strategy"):
        mi.calibration_curve([0, 1], [0.5, 0.6], strategy="odd")
    with pytest.raises(ValueError, match="n_bins"):
        mi.calibration_curve([0, 1], [0.5, 0.6], n_bins=0)
    with pytest.raises(ValueError, match="binary"):
        mi.calibration_curve([0, 1, 2], [0.5, 0.6, 0.7])
    with pytest.raises(ValueError, match="y_true"):
        mi.calibration_curve(["a", "b"], [0.5, 0.6])


def test_calibration_curve_minus_one_labels():
    y_true, y_prob = np.array([-1, 1, 1, -1, 1]), np.array([0.1, 0.9, 0.4, 0.6, 0.8])
    expected = sklearn.calibration.calibration_curve(y_true, y_prob, n_bins=3)
    for got, want in zip(mi.calibration_curve(y_true, y_prob, n_bins=3), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("y_true", "pos_label"), [(["no", "yes", "yes", "no", "yes"], "yes"), ([0, 1, 1, 0, 1], 0)])
def test_calibration_curve_pos_label(y_true, pos_label):
    y_prob = np.array([0.1, 0.9, 0.4, 0.6, 0.8])
    expected = sklearn.calibration.calibration_curve(y_true, y_prob, pos_label=pos_label, n_bins=3)
    got = mi.calibration_curve(y_true, y_prob, pos_label=pos_label, n_bins=3)
    for ours, theirs in zip(got, expected, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- Platt scaling

PLATT_TOL = 1e-6  # same convex Platt loss, both by L-BFGS; seen apart by ~4e-8 (optimiser stopping only)


@pytest.mark.parametrize("make", [LinearSVC, GaussianNB, LogisticRegression])
def test_calibrated_classifier_matches_sklearn(make):
    X, y = imbalanced(7, n_major=120, n_minor=40)
    cv = StratifiedKFold(4)
    ours = mi.CalibratedClassifier(make(), cv=cv).fit(X, y).predict_proba(X)
    theirs = CalibratedClassifierCV(make(), method="sigmoid", cv=cv, ensemble=False).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(ours, theirs, atol=PLATT_TOL)


def test_calibrated_classifier_errors_and_string_labels():
    X, y = imbalanced(8)
    with pytest.raises(ValueError, match="two classes"):
        mi.CalibratedClassifier(LogisticRegression()).fit(X, np.r_[y[:-1], 2])
    labels = np.where(y == 1, "fraud", "ok")
    model = mi.CalibratedClassifier(LogisticRegression(), cv=3).fit(X, labels)
    assert set(model.predict(X)) <= {"fraud", "ok"}


@pytest.mark.parametrize(
    "estimator",
    [
        mi.CalibratedClassifier(LogisticRegression(), cv=3),
        mi.ResampledClassifier(LogisticRegression(), mi.RandomOverSampler(random_state=0)),
    ],
    ids=["CalibratedClassifier", "ResampledClassifier"],
)
def test_check_estimator(estimator):
    """Every check passes except the array-API one, which needs SCIPY_ARRAY_API=1 set before scipy is imported."""
    results = check_estimator(estimator, on_fail=None)
    problems = [(r["check_name"], str(r["exception"])) for r in results if r["status"] != "passed"]
    assert [name for name, _ in problems] == ["check_array_api_input"], problems
