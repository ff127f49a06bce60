"""Group metrics and parity gaps from scratch: one weighted count per group and cell of the confusion matrix.

Twin: fairlearn's ``MetricFrame`` with ``count``, ``selection_rate``, ``true_positive_rate``,
``false_positive_rate`` and scikit-learn's ``precision_score`` and ``accuracy_score``, and fairlearn's
``demographic_parity_difference`` / ``_ratio``, ``equalized_odds_difference`` and
``equal_opportunity_difference`` / ``_ratio`` (``tests/test_fairness.py`` proves them equal).

Undefined rates follow fairlearn (which follows scikit-learn): a true-positive rate in a group without
positive samples, a false-positive rate without negatives, a precision without predicted positives is
0, with an :class:`~mlcourse.metrics.UndefinedMetricWarning` naming the group. A ratio of two zero
rates is NaN.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlcourse._validation import check_option
from mlcourse.fairness._validation import Binary, check_binary_inputs
from mlcourse.metrics import UndefinedMetricWarning

#: The columns of :attr:`GroupMetrics.by_group`, in order.
METRICS = ("count", "selection_rate", "true_positive_rate", "false_positive_rate", "precision", "accuracy")

_METHODS = ("between_groups", "to_overall")

# numerator and denominator cells of each rate, and what an empty denominator means
_RATES = {
    "selection_rate": (("tp", "fp"), ("weight",), None),
    "true_positive_rate": (("tp",), ("tp", "fn"), "no positive samples in y_true"),
    "false_positive_rate": (("fp",), ("fp", "tn"), "no negative samples in y_true"),
    "precision": (("tp",), ("tp", "fp"), "no predicted positives in y_pred"),
    "accuracy": (("tp", "tn"), ("weight",), None),
}


def _cells(b: Binary) -> dict[str, np.ndarray]:
    """Weighted confusion-matrix cells per group (one ``np.bincount`` each), plus the unweighted count."""
    k = len(b.groups.values)
    weight = np.ones(len(b.true)) if b.weight is None else b.weight.astype(np.float64)

    def per_group(mask):
        return np.bincount(b.groups.codes, weights=weight * mask, minlength=k)

    cells = {
        "tp": per_group(b.true & b.pred),
        "fp": per_group(~b.true & b.pred),
        "fn": per_group(b.true & ~b.pred),
        "tn": per_group(~b.true & ~b.pred),
        "weight": np.bincount(b.groups.codes, weights=weight, minlength=k),
        "count": np.bincount(b.groups.codes, minlength=k),
    }
    return cells


def _rate(cells, metric: str, labels) -> np.ndarray:
    """One rate per entry of ``cells`` arrays; ``labels`` name the entries in warnings."""
    num_cells, den_cells, why = _RATES[metric]
    num = sum(cells[c] for c in num_cells)
    den = sum(cells[c] for c in den_cells)
    empty = den == 0
    if why is None:
        # Only reachable with all-zero sample weights in a group: 0/0, reported as NaN.
        return np.divide(num, den, out=np.full(len(den), np.nan), where=~empty)
    for label in np.asarray(labels, dtype=object)[empty]:
        warnings.warn(
            f"{metric} is undefined for {label} ({why}); it is set to 0, as fairlearn and scikit-learn do",
            UndefinedMetricWarning,
            stacklevel=4,
        )
    return np.divide(num, den, out=np.zeros(len(den)), where=~empty)


@dataclass(frozen=True)
class GroupMetrics:
    """Metrics per group and overall, and their gaps: the table :func:`group_metrics` returns.

    Attributes
    ----------
    by_group : pandas.DataFrame
        One row per group (index named after the sensitive feature), one column per metric.
    overall : pandas.Series
        The same metrics on all samples together.
    """

    by_group: pd.DataFrame
    overall: pd.Series

    def group_min(self) -> pd.Series:
        """The smallest value of each metric over the groups."""
        return self.by_group.min()

    def group_max(self) -> pd.Series:
        """The largest value of each metric over the groups."""
        return self.by_group.max()

    def difference(self, method: str = "between_groups") -> pd.Series:
        """The largest gap of each metric: between two groups, or between a group and the overall value.

        Parameters
        ----------
        method : {"between_groups", "to_overall"}, default="between_groups"
            ``"between_groups"``: largest minus smallest group value. ``"to_overall"``: the largest
            absolute difference between a group's value and the overall value.

        Returns
        -------
        pandas.Series
            One gap per metric; 0 means every group is alike.
        """
        check_option(method, "method", _METHODS)
        values = self.by_group.to_numpy(dtype=np.float64)
        if method == "between_groups":
            gaps = _nanmax(values) - _nanmin(values)
        else:
            gaps = _nanmax(np.abs(values - self.overall.to_numpy(dtype=np.float64)))
        return pd.Series(gaps, index=self.by_group.columns)

    def ratio(self, method: str = "between_groups") -> pd.Series:
        """The smallest ratio (at most 1) of each metric: between two groups, or a group to overall.

        Parameters
        ----------
        method : {"between_groups", "to_overall"}, default="between_groups"
            ``"between_groups"``: smallest over largest group value. ``"to_overall"``: the smallest of
            each group's value over the overall value, inverted where above 1.

        Returns
        -------
        pandas.Series
            One ratio per metric in [0, 1]; 1 means every group is alike. NaN where it is 0/0.
        """
        check_option(method, "method", _METHODS)
        values = self.by_group.to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            if method == "between_groups":
                ratios = _nanmin(values) / _nanmax(values)
            else:
                r = values / self.overall.to_numpy(dtype=np.float64)
                ratios = _nanmin(np.where(r > 1, 1 / r, r))
        return pd.Series(ratios, index=self.by_group.columns)


def _nanmax(values: np.ndarray) -> np.ndarray:
    """Column maxima skipping NaN (all-NaN columns give NaN), as pandas does, without numpy's warning."""
    filled = np.where(np.isnan(values), -np.inf, values).max(axis=0)
    return np.where(np.isnan(values).all(axis=0), np.nan, filled)


def _nanmin(values: np.ndarray) -> np.ndarray:
    return -_nanmax(-values)


def _frame(b: Binary, metrics) -> GroupMetrics:
    cells = _cells(b)
    totals = {name: np.array([cell.sum()]) for name, cell in cells.items()}
    labels = [f"group {g!r}" for g in b.groups.values.tolist()]
    by_group, overall = {}, {}
    for metric in metrics:
        if metric == "count":
            by_group[metric], overall[metric] = cells["count"], totals["count"]
        else:
            by_group[metric] = _rate(cells, metric, labels)
            overall[metric] = _rate(totals, metric, ["all samples together"])
    index = pd.Index(b.groups.values, name=b.groups.name)
    return GroupMetrics(pd.DataFrame(by_group, index=index), pd.Series({m: v[0] for m, v in overall.items()}))


def group_metrics(y_true, y_pred, *, sensitive_features, sample_weight=None, pos_label=None) -> GroupMetrics:
    """Count, selection rate, TPR, FPR, precision and accuracy per group: a ``MetricFrame``-like table.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True binary labels.
    y_pred : array-like of shape (n_samples,)
        Predicted binary labels (not scores: threshold them first).
    sensitive_features : array-like, pandas Series or one-column DataFrame of shape (n_samples,)
        The group of each sample; a Series' name names the index of the table.
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weights; ``count`` stays the number of samples.
    pos_label : int, float, bool or str, optional
        The positive (favourable) label; ``None`` means 1, for labels in {0, 1} or {-1, 1}.

    Returns
    -------
    GroupMetrics
        ``.by_group`` (one row per group, in sorted order), ``.overall``, and ``.difference()`` /
        ``.ratio()`` for the gaps.

    Raises
    ------
    ValueError
        If lengths differ, the input is empty, the labels are not binary, ``sensitive_features`` has
        missing values or more than one column.

    Examples
    --------
    >>> frame = group_metrics([1, 0, 1, 1, 0, 0], [1, 0, 0, 1, 1, 0], sensitive_features=list("aaabbb"))
    >>> frame.by_group["selection_rate"].round(3).tolist()
    [0.333, 0.667]
    >>> float(frame.difference()["selection_rate"].round(3))
    0.333
    """
    return _frame(check_binary_inputs(y_true, y_pred, sensitive_features, sample_weight, pos_label), METRICS)


def _gap(metric, kind, y_true, y_pred, sensitive_features, method, sample_weight):
    check_option(method, "method", _METHODS)
    b = check_binary_inputs(y_true, y_pred, sensitive_features, sample_weight)
    if len(b.groups.values) == 1:
        warnings.warn(
            f"sensitive_features has a single group ({b.groups.values[0]!r}): every gap is 0 (ratio 1) by "
            "definition, which says nothing about fairness. Is it the right column?",
            UserWarning,
            stacklevel=3,
        )
    frame = _frame(b, metric)
    gaps = frame.difference(method) if kind == "difference" else frame.ratio(method)
    return [float(gaps[m]) for m in metric]


def demographic_parity_difference(
    y_true, y_pred, *, sensitive_features, method="between_groups", sample_weight=None
) -> float:
    """Largest gap in selection rate, ``P(y_pred = 1 | group)``, between two groups.

    0 means every group is selected (approved, flagged, ...) at the same rate, whatever the true labels.
    ``y_true`` is only checked, not used. fairlearn's parameters: those of :func:`group_metrics` but
    ``pos_label`` (the labels are 0/1 or -1/1, and 1 is positive), plus ``method`` (see
    :meth:`GroupMetrics.difference`). A single group gives 0 (with a warning), as in fairlearn.

    Examples
    --------
    >>> demographic_parity_difference([0] * 4, [1, 1, 0, 1], sensitive_features=["a", "a", "b", "b"])
    0.5
    """
    return _gap(("selection_rate",), "difference", y_true, y_pred, sensitive_features, method, sample_weight)[0]


def demographic_parity_ratio(
    y_true, y_pred, *, sensitive_features, method="between_groups", sample_weight=None
) -> float:
    """Smallest group selection rate over the largest: 1 is parity; the "four-fifths rule" asks for 0.8.

    NaN when no group is selected at all (0/0). Same parameters as :func:`demographic_parity_difference`.

    Examples
    --------
    >>> demographic_parity_ratio([0] * 4, [1, 1, 0, 1], sensitive_features=["a", "a", "b", "b"])
    0.5
    """
    return _gap(("selection_rate",), "ratio", y_true, y_pred, sensitive_features, method, sample_weight)[0]


def equal_opportunity_difference(
    y_true, y_pred, *, sensitive_features, method="between_groups", sample_weight=None
) -> float:
    """Largest gap in true-positive rate, ``P(y_pred = 1 | y_true = 1, group)``, between two groups.

    0 means the qualified members of every group are selected at the same rate. A group with no
    positive samples counts as TPR 0 (with a warning), as in fairlearn.

    Examples
    --------
    >>> equal_opportunity_difference([1, 1, 1, 1], [1, 1, 0, 1], sensitive_features=["a", "a", "b", "b"])
    0.5
    """
    return _gap(("true_positive_rate",), "difference", y_true, y_pred, sensitive_features, method, sample_weight)[0]


def equal_opportunity_ratio(
    y_true, y_pred, *, sensitive_features, method="between_groups", sample_weight=None
) -> float:
    """Smallest group true-positive rate over the largest; NaN when every group's TPR is 0.

    Examples
    --------
    >>> equal_opportunity_ratio([1, 1, 1, 1], [1, 1, 0, 1], sensitive_features=["a", "a", "b", "b"])
    0.5
    """
    return _gap(("true_positive_rate",), "ratio", y_true, y_pred, sensitive_features, method, sample_weight)[0]


def equalized_odds_difference(
    y_true,
    y_pred,
    *,
    sensitive_features,
    method="between_groups",
    sample_weight=None,
    agg="worst_case",
) -> float:
    """The larger (or the mean) of the true-positive-rate gap and the false-positive-rate gap.

    0 means the groups are alike both among the qualified (same TPR) and among the unqualified
    (same FPR).

    Parameters
    ----------
    agg : {"worst_case", "mean"}, default="worst_case"
        Combine the two gaps by their maximum or their mean.

    Other parameters are those of :func:`demographic_parity_difference`.

    Examples
    --------
    >>> y_true, y_pred = [1, 0, 1, 0], [1, 1, 1, 0]
    >>> equalized_odds_difference(y_true, y_pred, sensitive_features=["a", "a", "b", "b"])
    1.0
    """
    check_option(agg, "agg", ("worst_case", "mean"))
    tpr, fpr = _gap(
        ("true_positive_rate", "false_positive_rate"),
        "difference",
        y_true,
        y_pred,
        sensitive_features,
        method,
        sample_weight,
    )
    return float(max(tpr, fpr) if agg == "worst_case" else (tpr + fpr) / 2)
