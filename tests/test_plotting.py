"""Plot helpers return their axes, accept scikit-learn's outputs as well as ours, and reject bad input."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn import metrics as skm

from mlcourse import plotting

rng = np.random.default_rng(0)
Y_TRUE = rng.integers(0, 2, 200)
Y_SCORE = np.clip(Y_TRUE * 0.3 + rng.normal(0.35, 0.25, 200), 0, 1)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_confusion_matrix_plot_writes_every_count():
    cm = skm.confusion_matrix(Y_TRUE, Y_SCORE > 0.5)
    _, ax = plt.subplots()
    assert plotting.plot_confusion_matrix(cm, labels=["benign", "malignant"], ax=ax) is ax
    assert sorted(t.get_text() for t in ax.texts) == sorted(str(v) for v in cm.ravel())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["benign", "malignant"]


def test_confusion_matrix_plot_normalizes_rows():
    ax = plotting.plot_confusion_matrix([[3, 1], [0, 0]], normalize=True)
    assert [t.get_text() for t in ax.texts] == ["0.75", "0.25", "0.00", "0.00"]


def test_roc_and_pr_plots_take_sklearn_outputs():
    fpr, tpr, _ = skm.roc_curve(Y_TRUE, Y_SCORE)
    ax = plotting.plot_roc_curve(fpr, tpr, auc=skm.roc_auc_score(Y_TRUE, Y_SCORE), label="model")
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), fpr)
    assert ax.get_legend().get_texts()[0].get_text().startswith("model (AUC = 0.")
    precision, recall, thresholds = skm.precision_recall_curve(Y_TRUE, Y_SCORE)
    ax = plotting.plot_precision_recall_curve(precision, recall, prevalence=Y_TRUE.mean())
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), precision)
    ax = plotting.plot_threshold_tradeoff(precision, recall, thresholds, chosen=0.5)
    assert [line.get_label() for line in ax.lines[:3]] == ["precision", "recall", "F1"]


def test_lifecycle_plot_loops_back():
    ax = plotting.plot_lifecycle()
    labelled = [t.get_text() for t in ax.texts if t.get_text()]  # arrows are empty annotations
    assert labelled[:6] == ["data", "model", "train", "evaluate", "deploy", "monitor"]
    assert len(ax.texts) == 13  # six stages, six arrows, the centre caption
    with pytest.raises(ValueError, match="stages must name at least 2"):
        plotting.plot_lifecycle(stages=["data"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: plotting.plot_confusion_matrix([[1, 2, 3]]), "cm must be a square"),
        (lambda: plotting.plot_confusion_matrix([[1, 0], [0, 1]], labels=["a"]), "labels must name 2"),
        (lambda: plotting.plot_roc_curve([0, 1], [0, 0.5, 1]), "fpr and tpr must have the same length"),
        (lambda: plotting.plot_roc_curve([], []), "fpr must be a non-empty 1-D"),
        (lambda: plotting.plot_threshold_tradeoff([1, 1], [0, 1], [0.2, 0.5]), "one more point than thresholds"),
    ],
)
def test_bad_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
