"""Bad input: mlcourse.metrics accepts and rejects exactly what sklearn.metrics does, and its errors
are ValueError/TypeError messages that name the argument at fault."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import mlcourse.metrics
from mlcourse.metrics import UndefinedMetricWarning
from tests.metrics_helpers import check_parity, run, twins

nan, inf = np.nan, np.inf

# (function, args, kwargs, what our error message must contain -- or None when both accept)
CASES = [
    # length mismatch
    ("accuracy_score", ([0, 1, 1], [0, 1, 1, 0]), {}, "y_true and y_pred have different lengths: 3 vs 4"),
    ("confusion_matrix", ([0, 1, 1], [0, 1]), {}, "y_true and y_pred have different lengths: 3 vs 2"),
    ("f1_score", ([0, 1, 1], [0, 1]), {}, "different lengths"),
    ("accuracy_score", ([0, 1, 1], [0, 1, 1]), {"sample_weight": [1, 2]}, "sample_weight have different lengths"),
    ("roc_curve", ([0, 1, 1], [0.1, 0.2]), {}, "y_true and y_score have different lengths: 3 vs 2"),
    ("roc_auc_score", ([0, 1, 1], [0.1, 0.2]), {}, "y_true and y_score have different lengths"),
    ("log_loss", ([0, 1], [0.1, 0.2, 0.3]), {}, "y_proba and y_true have different lengths: 3 vs 2"),
    ("brier_score_loss", ([0, 1], [0.1, 0.2, 0.3]), {}, "different lengths"),
    ("mean_squared_error", ([1.0, 2.0], [1.0]), {}, "y_true and y_pred have different lengths: 2 vs 1"),
    ("r2_score", ([1.0, 2.0], [1.0, 2.0]), {"sample_weight": [1.0]}, "sample_weight"),
    ("auc", ([0.0, 1.0], [0.0, 1.0, 1.0]), {}, "x and y have different lengths"),
    # empty arrays
    ("accuracy_score", ([], []), {}, "y_true is empty"),
    ("confusion_matrix", ([], []), {"labels": [0, 1]}, "y_true is empty"),
    ("precision_score", ([], []), {}, "y_true is empty"),
    ("roc_auc_score", ([], []), {}, "y_true is empty"),
    ("log_loss", ([], []), {}, "y_proba is empty"),
    ("mean_absolute_error", ([], []), {}, "y_true is empty"),
    ("auc", ([], []), {}, "x needs at least 2 points"),
    # NaN and infinity
    ("roc_curve", ([0, 1], [0.1, nan]), {}, "y_score contains NaN"),
    ("roc_auc_score", ([0, 1], [0.1, inf]), {}, "y_score contains infinity"),
    ("average_precision_score", ([0, 1], [nan, 0.2]), {}, "y_score contains NaN"),
    ("precision_recall_curve", ([0, 1], [-inf, 0.2]), {}, "y_score contains infinity"),
    ("log_loss", ([0, 1], [nan, 0.2]), {}, "y_proba contains NaN"),
    ("brier_score_loss", ([0, 1], [0.3, inf]), {}, "y_proba contains infinity"),
    ("accuracy_score", ([nan, 1.0], [1, 0]), {}, "y_true contains NaN"),
    ("f1_score", ([0, 1], [1.0, inf]), {}, "y_pred contains infinity"),
    ("mean_squared_error", ([1.0, nan], [1.0, 2.0]), {}, "y_true contains NaN"),
    ("r2_score", ([1.0, 2.0], [inf, 2.0]), {}, "y_pred contains infinity"),
    ("accuracy_score", ([0, 1], [0, 1]), {"sample_weight": [1.0, nan]}, "sample_weight contains NaN"),
    # 2-D where 1-D is expected
    ("accuracy_score", ([[0, 1, 2], [2, 1, 0]], [[0, 1, 2], [2, 1, 0]]), {}, "y_true must be 1-D"),
    ("confusion_matrix", ([[0, 1], [1, 0]], [[0, 1], [1, 1]]), {}, "y_true must be 1-D"),
    ("precision_score", ([[0, 1, 2], [2, 1, 0]], [[0, 1, 2], [2, 1, 0]]), {"average": "macro"}, "must be 1-D"),
    ("roc_curve", ([0, 1], [[0.1, 0.9], [0.2, 0.8]]), {}, "y_score must be 1-D"),
    ("precision_recall_curve", ([[0, 1], [1, 0]], [0.1, 0.2]), {}, "y_true must be 1-D"),
    ("roc_auc_score", ([0, 1], [[0.1, 0.9], [0.2, 0.8]]), {}, "y_score must be 1-D"),
    ("brier_score_loss", ([0, 1], [[[0.1]], [[0.2]]]), {}, "y_proba must be 1-D or 2-D"),
    ("mean_squared_error", ([[[1.0]]], [[[1.0]]]), {}, "y_true must be 1-D or 2-D"),
    ("accuracy_score", ([0, 1], [0, 1]), {"sample_weight": [[1.0, 2.0]]}, "sample_weight"),
    # a single class
    ("roc_auc_score", ([1, 1, 1], [0.1, 0.5, 0.9]), {}, None),  # sklearn 1.9: NaN + UndefinedMetricWarning
    ("roc_curve", ([0, 0, 0], [0.1, 0.5, 0.9]), {}, None),  # NaN tpr + UndefinedMetricWarning
    ("log_loss", ([1, 1, 1], [0.1, 0.5, 0.9]), {}, "y_true contains only one label"),
    ("log_loss", ([1, 1, 1], [0.1, 0.5, 0.9]), {"labels": [0, 1]}, None),
    ("precision_score", ([0, 0], [0, 0]), {}, None),  # 0/0: zero_division + warning
    # multiclass targets for binary-only metrics
    ("precision_score", ([0, 1, 2], [0, 1, 1]), {}, "average='binary'"),
    ("f1_score", (["a", "b", "c"], ["a", "b", "b"]), {"pos_label": "a"}, "average='binary'"),
    ("brier_score_loss", ([0, 1, 2], [0.2, 0.3, 0.5]), {}, "y_true is multiclass"),
    ("roc_curve", ([0, 1, 2], [0.2, 0.3, 0.5]), {}, "y_true is multiclass"),
    ("precision_recall_curve", ([0, 1, 2], [0.2, 0.3, 0.5]), {}, "y_true is multiclass"),
    ("roc_auc_score", ([0, 1, 2], [0.2, 0.3, 0.5]), {}, "multi_class"),
    ("roc_curve", ([0, 1, 2], [0.2, 0.3, 0.5]), {"pos_label": 2}, None),
    # probabilities outside [0, 1]
    ("log_loss", ([0, 1, 1], [0.2, 0.3, 1.5]), {}, "y_proba must be in [0, 1]"),
    ("log_loss", ([0, 1, 2], [[0.2, 0.9, -0.1]] * 3), {}, "y_proba must be in [0, 1]"),
    ("brier_score_loss", ([0, 1], [-0.1, 0.5]), {}, "y_proba must be in [0, 1]"),
    ("brier_score_loss", ([0, 1], [0.1, 1.01]), {}, "y_proba must be in [0, 1]"),
    # wrong types and kinds of labels
    ("accuracy_score", ([0, 1], "01"), {}, "y_pred must be an array-like"),
    ("mean_squared_error", ([1.0, 2.0], None), {}, "y_pred must be an array-like"),
    ("roc_curve", ([0, 1], ["low", "high"]), {}, "y_score must hold numbers"),
    ("accuracy_score", ([0.5, 1.0], [0, 1]), {}, "y_true holds continuous values"),
    ("confusion_matrix", ([0, 1], [0.5, 1.0]), {}, "y_pred holds continuous values"),
    ("roc_curve", ([0.5, 1.0], [0.5, 1.0]), {}, "y_true holds continuous values"),
    ("accuracy_score", (["a", "b"], [0, 1]), {}, "mix string and number labels"),
    ("accuracy_score", ([None, 1], [1, 0]), {}, "y_true must hold numbers or strings"),
    ("accuracy_score", ([0, 1], [0, 1]), {"sample_weight": [0, 0]}, "sample_weight must contain at least one non-zero"),
    ("roc_curve", ([0, 1], [0.1, 0.2]), {"sample_weight": [0.0, 0.0]}, "sample_weight"),
    # bad options and labels
    ("precision_score", ([0, 1], [0, 1]), {"average": "mean"}, "average must be one of"),
    ("confusion_matrix", ([0, 1], [0, 1]), {"normalize": "rows"}, "normalize must be one of"),
    ("f1_score", ([0, 1], [0, 1]), {"zero_division": 5}, "zero_division"),
    ("fbeta_score", ([0, 1], [0, 1]), {"beta": -1.0}, "beta"),
    ("f1_score", ([0, 1], [0, 1]), {"pos_label": 2}, "pos_label=2 is not a valid label"),
    ("precision_score", (["a", "b"], ["a", "b"]), {}, "pos_label=1 is not a valid label"),
    ("roc_curve", (["a", "b"], [0.1, 0.2]), {}, "pos_label is not specified"),
    ("confusion_matrix", ([0, 1], [0, 1]), {"labels": [5]}, "labels"),
    ("confusion_matrix", ([0, 1], [0, 1]), {"labels": []}, "labels should contain at least one label"),
    ("log_loss", ([0, 1, 2], [0.2, 0.3, 0.5]), {"labels": [0, 1]}, "y_true contains values"),
    ("roc_auc_score", ([0, 1, 2], [[0.2, 0.3, 0.5]] * 3), {"multi_class": "ovr", "average": "samples"}, "average"),
    ("roc_auc_score", ([0, 1, 2], [[0.2, 0.3, 0.6]] * 3), {"multi_class": "ovr"}, "y_score"),
    ("roc_auc_score", ([0, 1], [0.2, 0.3]), {"max_fpr": 1.5}, "max_fpr"),
    ("mean_squared_error", ([1.0, 2.0], [1.0, 2.0]), {"multioutput": "variance"}, "multioutput"),
    ("auc", ([0.0, 1.0, 0.5], [1.0, 2.0, 3.0]), {}, "x is neither increasing nor decreasing"),
]


@pytest.mark.parametrize(("name", "args", "kwargs", "message"), CASES, ids=lambda v: v if isinstance(v, str) else "")
def test_bad_input(name, args, kwargs, message):
    ours = check_parity(*twins(name), *args, **kwargs)  # same accept/reject (and same value if accepted)
    theirs = run(twins(name)[1], *args, **kwargs)
    if message is None:
        assert theirs.error is None and ours.error is None
        return
    assert theirs.error is not None, "this table lists inputs that scikit-learn rejects"
    assert isinstance(ours.error, (ValueError, TypeError)), repr(ours.error)
    assert message in str(ours.error), f"{ours.error!r} does not say {message!r}"


def test_undefined_metric_warning_is_a_user_warning():
    assert issubclass(UndefinedMetricWarning, UserWarning)
    with pytest.warns(UndefinedMetricWarning, match="ill-defined"):
        mlcourse.metrics.precision_score([0, 1], [0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mlcourse.metrics.precision_score([0, 1], [0, 0], zero_division=1) == 1.0


def test_every_public_function_documents_parameters_returns_and_examples():
    for name in mlcourse.metrics.__all__:
        doc = getattr(mlcourse.metrics, name).__doc__
        for section in ("Parameters", "Returns", "Examples"):
            assert name == "UndefinedMetricWarning" or section in doc, f"{name} lacks {section}"


def test_import_stays_light():
    """The metrics import numpy only: no scikit-learn, scipy or pandas behind the learner's back."""
    import subprocess
    import sys

    code = "import sys, mlcourse.metrics; print(sorted(m for m in ('sklearn', 'scipy', 'pandas') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
