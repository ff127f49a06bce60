"""Property tests: every mlcourse.metrics function equals its sklearn.metrics twin on random inputs.

Inputs cover sizes 1 to 10^4 (mostly small), ties and constant scores, a single class, unseen labels
in ``labels=``, all-zero predictions, sample weights (some zero), string/bool/negative/float labels
and multiclass targets. Equal within 1e-12 (exact for integers and text), the same warnings, and
the same accept/reject decision where sklearn refuses a generated input.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.metrics_helpers import check_parity, twins

# A metric is milliseconds a call and its input space is wide (sizes, label styles, weights, ties):
# more examples than the profile's.
PARITY = settings(max_examples=200)

SMALL = 40  # arrays up to this size come from hypothesis.extra.numpy; larger ones from a seeded rng
# Mostly small inputs; about one in ten larger, up to 10^2, 10^3 or 10^4 samples.
SIZES = st.integers(0, 19).flatmap(
    lambda i: (
        st.integers(1, SMALL)
        if i < 18
        else st.sampled_from([100, 1000, 10_000]).flatmap(lambda top: st.integers(SMALL + 1, top))
    )
)
NAMES = np.array(["ant", "bee", "cat", "dog", "eel", "fox", "gnu"])
STYLES = ["int", "neg", "str", "float"]


def relabel(codes: np.ndarray, style: str) -> np.ndarray:
    """Class indices 0, 1, 2 ... as labels of one style."""
    codes = np.asarray(codes, dtype=np.int64)
    if style == "neg":
        return codes * 3 - 2  # -2, 1, 4, ...: negative and non-consecutive
    if style == "str":
        return NAMES[codes]
    if style == "float":
        return codes.astype(np.float64)
    if style == "bool":
        return codes.astype(bool)
    return codes


@st.composite
def rng_for(draw):
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


@st.composite
def codes(draw, n, k):
    """n class indices in [0, k)."""
    if n <= SMALL:
        return draw(hnp.arrays(np.int64, n, elements=st.integers(0, k - 1)))
    return draw(rng_for()).integers(0, k, n)


@st.composite
def weights(draw, n):
    kind = draw(st.sampled_from([None, None, "float", "int", "sparse"]))
    if kind is None:
        return None
    if n <= SMALL:
        elements = {"float": st.floats(0.0, 10.0), "int": st.integers(0, 4), "sparse": st.sampled_from([0.0, 0.5, 2.0])}
        dtype = np.int64 if kind == "int" else np.float64
        return draw(hnp.arrays(dtype, n, elements=elements[kind]))
    rng = draw(rng_for())
    if kind == "int":
        return rng.integers(0, 5, n)
    w = rng.random(n) * 10
    return np.where(rng.random(n) < 0.5, 0.0, w) if kind == "sparse" else w


@st.composite
def label_case(draw, max_classes=5, styles=STYLES):
    """(y_true, y_pred, sample_weight, style, k): labels of k classes, predictions of many kinds."""
    n = draw(SIZES)
    k = draw(st.integers(1, max_classes))
    style = draw(st.sampled_from(styles + (["bool"] if k <= 2 else [])))
    t = draw(codes(n, k))
    how = draw(st.sampled_from(["random", "noisy", "zeros", "same", "extra_class"]))
    if how == "random":
        p = draw(codes(n, k))
    elif how == "noisy":  # mostly right: realistic confusion matrices
        flip = draw(codes(n, 4)) == 0
        p = np.where(flip, draw(codes(n, k)), t)
    elif how == "zeros":
        p = np.zeros(n, dtype=np.int64)
    elif how == "same":
        p = t.copy()
    else:  # predictions of a class that y_true never holds
        p = draw(codes(n, k + 1)) if style != "bool" else draw(codes(n, 2))
    return relabel(t, style), relabel(p, style), draw(weights(n)), style, k


def labels_param(draw, style):
    """None, or some labels (some maybe unseen in the data) in some order."""
    top = 2 if style == "bool" else 7
    chosen = draw(st.none() | st.lists(st.integers(0, top - 1), min_size=1, max_size=5, unique=True))
    return None if chosen is None else relabel(np.array(chosen), style)


def pos_label_param(draw, style):
    """The default (1), or a label of the style (maybe one absent from the data)."""
    choice = draw(st.sampled_from(["default", 0, 1, 2]))
    if choice == "default" or (style == "bool" and choice == 2):
        return {}
    return {"pos_label": relabel(np.array([choice]), style)[0].item()}


ZERO_DIVISION = st.sampled_from(["warn", 0, 1, np.nan])


# ---------------------------------------------------------------------------------------------
# Label metrics
# ---------------------------------------------------------------------------------------------


@PARITY
@given(case=label_case(), data=st.data())
def test_confusion_matrix(case, data):
    y_true, y_pred, w, style, _ = case
    kwargs = {"normalize": data.draw(st.sampled_from([None, "true", "pred", "all"]))}
    labels = labels_param(data.draw, style)
    if labels is not None:
        kwargs["labels"] = labels
    check_parity(*twins("confusion_matrix"), y_true, y_pred, sample_weight=w, **kwargs)


@PARITY
@given(case=label_case(), normalize=st.booleans())
def test_accuracy_score(case, normalize):
    y_true, y_pred, w, _, _ = case
    check_parity(*twins("accuracy_score"), y_true, y_pred, normalize=normalize, sample_weight=w)


@PARITY
@given(case=label_case(), adjusted=st.booleans())
def test_balanced_accuracy_score(case, adjusted):
    y_true, y_pred, w, _, _ = case
    check_parity(*twins("balanced_accuracy_score"), y_true, y_pred, sample_weight=w, adjusted=adjusted)


@PARITY
@given(case=label_case())
def test_matthews_corrcoef(case):
    y_true, y_pred, w, _, _ = case
    check_parity(*twins("matthews_corrcoef"), y_true, y_pred, sample_weight=w)


def prf_kwargs(draw, style, k):
    # average='binary' is the default: give it binary data more often than the label strategy does.
    kwargs = {"average": draw(st.sampled_from(["binary", "binary", "micro", "macro", "weighted", None]))}
    kwargs.update(pos_label_param(draw, style))
    labels = labels_param(draw, style)
    if labels is not None:
        kwargs["labels"] = labels
    kwargs["zero_division"] = draw(ZERO_DIVISION)
    return kwargs


@pytest.mark.parametrize("name", ["precision_score", "recall_score", "f1_score", "fbeta_score"])
@PARITY
@given(data=st.data())
def test_precision_recall_f(name, data):
    max_classes = data.draw(st.sampled_from([2, 2, 5]))
    y_true, y_pred, w, style, k = data.draw(label_case(max_classes=max_classes))
    kwargs = prf_kwargs(data.draw, style, k)
    if name == "fbeta_score":
        kwargs["beta"] = data.draw(st.sampled_from([0.5, 1.0, 2.0, 0.0, np.inf]))
    check_parity(*twins(name), y_true, y_pred, sample_weight=w, **kwargs)


@PARITY
@given(data=st.data())
def test_precision_recall_fscore_support(data):
    max_classes = data.draw(st.sampled_from([2, 5]))
    y_true, y_pred, w, style, k = data.draw(label_case(max_classes=max_classes))
    kwargs = prf_kwargs(data.draw, style, k)
    kwargs["beta"] = data.draw(st.sampled_from([0.5, 1.0, 2.0, 0.0, np.inf]))
    check_parity(*twins("precision_recall_fscore_support"), y_true, y_pred, sample_weight=w, **kwargs)


@PARITY
@given(case=label_case(), data=st.data())
def test_classification_report(case, data):
    y_true, y_pred, w, style, _ = case
    kwargs = {
        "digits": data.draw(st.integers(0, 5)),
        "output_dict": data.draw(st.booleans()),
        "zero_division": data.draw(ZERO_DIVISION),
    }
    labels = labels_param(data.draw, style)
    if labels is not None:
        kwargs["labels"] = labels
    if data.draw(st.booleans()):
        n_names = len(labels) if labels is not None else len(np.unique(np.concatenate([y_true, y_pred])))
        n_names += data.draw(st.sampled_from([0, 0, 0, 1, -1]))  # sometimes the wrong number of names
        kwargs["target_names"] = [f"class {i}" for i in range(max(n_names, 0))]
    check_parity(*twins("classification_report"), y_true, y_pred, sample_weight=w, **kwargs)


# ---------------------------------------------------------------------------------------------
# Probability metrics
# ---------------------------------------------------------------------------------------------


@st.composite
def probabilities(draw, n, k, normalised=True):
    """An (n, k) matrix of class probabilities with ties, zeros and ones."""
    if n <= SMALL:
        raw = draw(hnp.arrays(np.float64, (n, k), elements=st.sampled_from([0.0, 1.0, 2.0, 3.0]) | st.floats(0, 1)))
    else:
        raw = np.round(draw(rng_for()).random((n, k)), draw(st.sampled_from([1, 3, 15])))
    raw[raw.sum(axis=1) == 0, 0] = 1.0  # no all-zero rows
    return raw / raw.sum(axis=1, keepdims=True) if normalised else np.clip(raw, 0, 1)


@st.composite
def scores(draw, n):
    """Scores with ties, continuous scores, or one constant score."""
    kind = draw(st.sampled_from(["ties", "continuous", "constant", "decision"]))
    if kind == "constant":
        return np.full(n, draw(st.sampled_from([0.0, 0.5, 1.0])))
    if n <= SMALL:
        elements = {
            "ties": st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 1.0]),
            "continuous": st.floats(0, 1),
            "decision": st.floats(-1e3, 1e3, allow_subnormal=False),
        }[kind]
        return draw(hnp.arrays(np.float64, n, elements=elements))
    rng = draw(rng_for())
    values = {"ties": rng.integers(0, 20, n) / 20, "continuous": rng.random(n), "decision": rng.normal(0, 100, n)}
    return values[kind]


@PARITY
@given(data=st.data())
def test_log_loss(data):
    y_true, _, w, style, k = data.draw(label_case(max_classes=4, styles=["int", "str", "float"]))
    n = len(y_true)
    kwargs = {"normalize": data.draw(st.booleans())}
    n_seen = len(np.unique(y_true))
    shape = data.draw(st.sampled_from(["1d", "columns_seen", "columns_labels", "columns_wrong"]))
    if n_seen < 2 and shape == "columns_seen" and data.draw(st.integers(0, 3)) > 0:
        shape = "columns_labels"  # one class seen: mostly name them all, else it is rejected
    if shape == "1d":  # probability of the second class of a binary problem
        y_proba = data.draw(probabilities(n, 2))[:, 1]
        if n_seen < 2 and data.draw(st.booleans()):
            kwargs["labels"] = relabel(np.arange(2), style)
    elif shape == "columns_labels":  # all k classes named in labels, some maybe absent from y_true
        n_cols = max(k, 2)
        y_proba = data.draw(probabilities(n, n_cols, normalised=data.draw(st.sampled_from([True, True, False]))))
        kwargs["labels"] = relabel(np.arange(n_cols), style)
    else:  # one column per class seen (or one too many: rejected)
        n_cols = n_seen + (shape == "columns_wrong")
        y_proba = data.draw(probabilities(n, n_cols, normalised=data.draw(st.sampled_from([True, True, False]))))
    check_parity(*twins("log_loss"), y_true, y_proba, sample_weight=w, **kwargs)


@PARITY
@given(data=st.data())
def test_brier_score_loss(data):
    y_true, _, w, style, k = data.draw(label_case(max_classes=data.draw(st.sampled_from([2, 2, 4]))))
    n = len(y_true)
    kwargs = {"scale_by_half": data.draw(st.sampled_from(["auto", True, False]))}
    if data.draw(st.booleans()) or k > 2:
        n_cols = max(len(np.unique(y_true)), 2)
        y_proba = data.draw(probabilities(n, n_cols))
        if data.draw(st.booleans()) or len(np.unique(y_true)) < 2:
            kwargs["labels"] = relabel(np.arange(n_cols), style)
    else:
        y_proba = data.draw(probabilities(n, 2))[:, 1]
        kwargs.update(pos_label_param(data.draw, style) if data.draw(st.booleans()) else {})
    check_parity(*twins("brier_score_loss"), y_true, y_proba, sample_weight=w, **kwargs)


# ---------------------------------------------------------------------------------------------
# Ranking metrics
# ---------------------------------------------------------------------------------------------


@st.composite
def binary_scores_case(draw):
    """Binary (sometimes one-class, rarely multiclass) truth, tied/constant scores, weights."""
    y_true, _, w, style, _ = draw(label_case(max_classes=draw(st.sampled_from([2, 2, 2, 3]))))
    if len(y_true) >= 2 and draw(st.integers(0, 3)) > 0:
        # Mostly both classes present: a single class is an edge case, not the common one.
        y_true[0], y_true[-1] = relabel(np.array([0, 1]), style)
    kwargs = {}
    if style != "int" or draw(st.booleans()):
        kwargs.update(pos_label_param(draw, style))
    return y_true, draw(scores(len(y_true))), w, kwargs


@pytest.mark.parametrize("name", ["roc_curve", "precision_recall_curve"])
@PARITY
@given(case=binary_scores_case(), drop=st.booleans())
def test_curves(name, case, drop):
    y_true, y_score, w, kwargs = case
    check_parity(*twins(name), y_true, y_score, sample_weight=w, drop_intermediate=drop, **kwargs)


@PARITY
@given(case=binary_scores_case(), data=st.data())
def test_roc_auc_score_binary(case, data):
    y_true, y_score, w, _ = case
    kwargs = {}
    if data.draw(st.integers(0, 4)) == 0:
        kwargs["max_fpr"] = data.draw(st.sampled_from([0.1, 0.5, 1.0]))
    check_parity(*twins("roc_auc_score"), y_true, y_score, sample_weight=w, **kwargs)


@PARITY
@given(data=st.data())
def test_roc_auc_score_multiclass(data):
    y_true, _, w, style, k = data.draw(label_case(max_classes=5, styles=["int", "str"]))
    n_seen = len(np.unique(y_true))
    n_cols = data.draw(st.sampled_from([n_seen, n_seen, n_seen, k]))
    y_score = data.draw(probabilities(len(y_true), max(n_cols, 1)))
    multi_class = data.draw(st.sampled_from(["ovr", "ovr", "ovo", "raise"]))
    kwargs = {"multi_class": multi_class, "average": data.draw(st.sampled_from(["macro", "weighted", "micro", None]))}
    if n_cols != n_seen or data.draw(st.integers(0, 3)) == 0:
        kwargs["labels"] = relabel(np.arange(n_cols), style)
    if multi_class == "ovo" and data.draw(st.booleans()):
        w = None
    check_parity(*twins("roc_auc_score"), y_true, y_score, sample_weight=w, **kwargs)


@PARITY
@given(data=st.data())
def test_average_precision_score(data):
    if data.draw(st.booleans()):
        y_true, y_score, w, kwargs = data.draw(binary_scores_case())
        kwargs.pop("pos_label", None) if data.draw(st.booleans()) else None
    else:
        y_true, _, w, _, _ = data.draw(label_case(max_classes=5, styles=["int", "str"]))
        y_score = data.draw(probabilities(len(y_true), len(np.unique(y_true))))
        kwargs = {}
    kwargs["average"] = data.draw(st.sampled_from(["macro", "weighted", "micro", None]))
    check_parity(*twins("average_precision_score"), y_true, y_score, sample_weight=w, **kwargs)


@PARITY
@given(data=st.data())
def test_auc(data):
    n = data.draw(st.integers(1, 30))
    x = np.sort(
        data.draw(hnp.arrays(np.float64, n, elements=st.sampled_from([0.0, 0.2, 0.5, 1.0]) | st.floats(-10, 10)))
    )
    y = data.draw(hnp.arrays(np.float64, n, elements=st.floats(-10, 10)))
    order = data.draw(st.sampled_from(["increasing", "decreasing", "shuffled"]))
    if order == "decreasing":
        x = x[::-1]
    elif order == "shuffled":
        x = data.draw(st.permutations(x.tolist()))
    check_parity(*twins("auc"), x, y)


# ---------------------------------------------------------------------------------------------
# Regression metrics
# ---------------------------------------------------------------------------------------------


@st.composite
def regression_case(draw):
    n = draw(SIZES)
    n_outputs = draw(st.sampled_from([None, None, 1, 3]))
    shape = (n,) if n_outputs is None else (n, n_outputs)
    kind = draw(st.sampled_from(["random", "constant_truth", "perfect"]))
    if n <= SMALL:
        elements = st.floats(-1e3, 1e3, allow_subnormal=False) | st.sampled_from([0.0, 1.0, -1.0])
        y_true = draw(hnp.arrays(np.float64, shape, elements=elements))
        y_pred = draw(hnp.arrays(np.float64, shape, elements=elements))
    else:
        rng = draw(rng_for())
        y_true = rng.normal(0, 10, shape)
        y_pred = y_true + rng.normal(0, 1, shape)
    if kind == "constant_truth":
        y_true = np.full(shape, 2.5)
    elif kind == "perfect":
        y_pred = y_true.copy()
    return y_true, y_pred, draw(weights(n))


@pytest.mark.parametrize("name", ["mean_squared_error", "root_mean_squared_error", "mean_absolute_error", "r2_score"])
@PARITY
@given(case=regression_case(), data=st.data())
def test_regression(name, case, data):
    y_true, y_pred, w = case
    options = ["uniform_average", "raw_values"] + (["variance_weighted"] if name == "r2_score" else [])
    kwargs = {"multioutput": data.draw(st.sampled_from(options))}
    if y_true.ndim == 2 and y_true.shape[1] == 3 and data.draw(st.booleans()):
        kwargs["multioutput"] = np.array([0.2, 0.3, 0.5])
    if name == "r2_score":
        kwargs["force_finite"] = data.draw(st.booleans())
    check_parity(*twins(name), y_true, y_pred, sample_weight=w, **kwargs)
