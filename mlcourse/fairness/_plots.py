"""Plots for fairness: metrics per group as bars, and the fairness-accuracy trade-off."""

from __future__ import annotations

import numpy as np

from mlcourse._plots import axes

_SHORT = {
    "selection_rate": "selection rate",
    "true_positive_rate": "TPR",
    "false_positive_rate": "FPR",
    "precision": "precision",
    "accuracy": "accuracy",
}


def plot_group_metrics(
    frame, metrics=("selection_rate", "true_positive_rate", "false_positive_rate", "accuracy"), ax=None
):
    """Bars of each metric for each group, with the overall value as a black tick.

    Parameters
    ----------
    frame : GroupMetrics
        The result of :func:`~mlcourse.fairness.group_metrics`.
    metrics : sequence of str
        Columns of ``frame.by_group`` to draw (rates in [0, 1]).
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from mlcourse.fairness import group_metrics
    >>> frame = group_metrics([1, 0, 1, 0], [1, 0, 0, 1], sensitive_features=["a", "a", "b", "b"])
    >>> len(plot_group_metrics(frame).patches)  # 2 groups x 4 metrics
    8
    """
    metrics = list(metrics)
    missing = [m for m in metrics if m not in frame.by_group.columns]
    if missing:
        raise ValueError(f"metrics {missing} are not columns of frame.by_group: {list(frame.by_group.columns)}")
    ax = axes(ax, figsize=(7, 3.6))
    groups = frame.by_group.index.tolist()
    width = 0.8 / len(groups)
    x = np.arange(len(metrics))
    for i, group in enumerate(groups):
        values = frame.by_group.loc[group, metrics].to_numpy(dtype=float)
        ax.bar(x + (i - (len(groups) - 1) / 2) * width, values, width, label=f"{frame.by_group.index.name} = {group}")
    overall = frame.overall[metrics].to_numpy(dtype=float)
    ax.scatter(x, overall, marker="_", s=900, color="k", linewidths=2, zorder=3, label="overall")
    ax.set_xticks(x, [_SHORT.get(m, m) for m in metrics])
    ax.set_ylim(0, 1.05)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


def plot_tradeoff(curves, ax=None, xlabel="parity gap", ylabel="accuracy"):
    """Accuracy against a parity gap for several models or settings: the price of fairness, as a picture.

    Parameters
    ----------
    curves : dict of str to (gaps, accuracies)
        One entry per line; a single point is drawn as a large marker (a model with one setting).
    ax : matplotlib Axes, optional
    xlabel, ylabel : str

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> ax = plot_tradeoff({"per-group thresholds": ([0.02, 0.1, 0.2], [0.72, 0.73, 0.735]), "model": (0.25, 0.74)})
    >>> ax.get_xlabel()
    'parity gap'
    """
    ax = axes(ax)
    for i, (label, (gaps, accuracies)) in enumerate(curves.items()):
        gaps, accuracies = np.atleast_1d(gaps), np.atleast_1d(accuracies)
        if len(gaps) != len(accuracies):
            raise ValueError(f"curve {label!r}: gaps and accuracies have different lengths")
        if len(gaps) == 1:
            ax.scatter(gaps, accuracies, s=70, color=f"C{i}", zorder=3, label=label, edgecolors="k")
        else:
            ax.plot(gaps, accuracies, marker="o", markersize=3, color=f"C{i}", label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_xlim(left=0)
    ax.legend()
    return ax
