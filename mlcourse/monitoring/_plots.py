"""Plots of a monitored year: drift statistics over months, and performance with the retrain events.

Both take the logs of a :class:`~mlcourse.monitoring.Monitor` (``monitor.drift``,
``monitor.performance``, ``monitor.decisions``), draw on ``ax`` (a new figure by default) and return it.
The bar chart of a single month, :meth:`mlcourse.monitoring.DriftReport.plot`, is drawn here too.
"""

from __future__ import annotations

import numpy as np

from mlcourse._plots import axes


def _mark_events(ax, events) -> None:
    for i, (name, month) in enumerate((events or {}).items()):
        ax.axvline(month - 0.5, color="0.5", linestyle=":", linewidth=1.2)
        ax.text(
            month - 0.45, 0.98 - 0.08 * i, name, transform=ax.get_xaxis_transform(), fontsize=8, color="0.35", va="top"
        )


def _check_columns(frame, name: str, columns) -> None:
    missing = [c for c in columns if c not in getattr(frame, "columns", [])]
    if missing:
        raise ValueError(f"{name} must be a DataFrame with columns {list(columns)}; missing {missing}")


def plot_drift_over_time(drift, value: str = "psi", ax=None, *, threshold: float | None = None, events=None):
    """One line per feature: a drift statistic month by month, drifted months marked with a dot.

    Parameters
    ----------
    drift : DataFrame
        ``Monitor.drift``: columns ``month``, ``feature``, ``drifted`` and ``value``.
    value : str, default="psi"
        The column to draw (``"psi"``, ``"js_distance"``, ``"statistic"``, ``"p_value"``...).
    ax : matplotlib Axes, optional
    threshold : float, optional
        Drawn as a dashed horizontal line (say, the PSI threshold).
    events : dict, optional
        ``{name: month}`` drawn as dotted vertical lines just before ``month`` (``Production.events``).

    Returns
    -------
    ax : matplotlib Axes
    """
    _check_columns(drift, "drift", ["month", "feature", "drifted", value])
    ax = axes(ax, (8, 4))
    for i, (feature, rows) in enumerate(drift.groupby("feature", sort=False)):
        rows = rows.sort_values("month")
        color = f"C{i}"
        ax.plot(rows["month"], rows[value], color=color, label=str(feature))
        hit = rows[rows["drifted"].astype(bool)]
        ax.scatter(hit["month"], hit[value], color=color, s=25, zorder=3)
    if threshold is not None:
        ax.axhline(threshold, color="0.3", linestyle="--", linewidth=1)
    _mark_events(ax, events)
    ax.set_xlabel("month")
    ax.set_ylabel(value)
    ax.legend(loc="upper left", fontsize=8, ncols=2)
    return ax


def plot_performance(
    performance,
    decisions=None,
    ax=None,
    *,
    label: str | None = None,
    color: str | None = None,
    events=None,
    metric_name: str = "ROC AUC",
):
    """The labelled score of each month's predictions, with the months a new model was deployed.

    Parameters
    ----------
    performance : DataFrame
        ``Monitor.performance``: columns ``month`` and ``score``.
    decisions : DataFrame, optional
        ``Monitor.decisions``: each ``"retrain"`` is drawn as a triangle half a month after the month
        it was decided in (the new model serves from the next month on), labelled ``v<version>: <reason>``.
    ax : matplotlib Axes, optional
    label, color : str, optional
        For the line (to compare several policies on one axes).
    events : dict, optional
        ``{name: month}``, as in :func:`plot_drift_over_time`.
    metric_name : str, default="ROC AUC"

    Returns
    -------
    ax : matplotlib Axes
    """
    _check_columns(performance, "performance", ["month", "score"])
    ax = axes(ax, (8, 4))
    line = ax.plot(performance["month"], performance["score"], marker="o", markersize=4, label=label, color=color)[0]
    if decisions is not None:
        _check_columns(decisions, "decisions", ["month", "action", "reason", "model_version"])
        retrains = decisions.loc[decisions["action"] == "retrain", ["month", "reason", "model_version"]]
        on_axis = ax.get_xaxis_transform()  # x in data units, y in axes units
        for month, reason, version in retrains.itertuples(index=False):
            ax.plot(month + 0.5, 0.02, marker="^", color=line.get_color(), markersize=9, transform=on_axis)
            text = f"v{version}: {reason}"
            ax.text(month + 0.6, 0.05, text, rotation=90, fontsize=7, color=line.get_color(), transform=on_axis)
    _mark_events(ax, events)
    ax.set_xlabel("month the predictions were made")
    ax.set_ylabel(metric_name)
    if label is not None:
        ax.legend(loc="lower left", fontsize=8)
    return ax


def plot_report(report, ax=None, *, title: str | None = None):
    """The bar chart of :meth:`DriftReport.plot <mlcourse.monitoring.DriftReport.plot>`: one bar of PSI per feature."""
    res = report.results.iloc[::-1]  # first feature on top
    ax = axes(ax, (6.4, 0.45 * len(res) + 1.2))
    psi = res["psi"].fillna(0.0)
    colors = np.where(res["drifted"], "C3", "C0")
    y = np.arange(len(res))
    ax.barh(y, psi, color=colors)
    ax.set_yticks(y, [str(f) for f in res.index])
    ax.axvline(report.psi_threshold, color="0.3", linestyle="--", linewidth=1)
    for yi, (p_value, value, test, statistic) in enumerate(
        zip(res["p_value"], psi, res["test"], res["statistic"], strict=True)
    ):
        text = f"  unseen {statistic:.0%}" if test == "unseen" else f"  {test} p={p_value:.2g}"
        ax.text(value, yi, text, va="center", fontsize=8)
    ax.set_xlim(0, max(float(psi.max()), report.psi_threshold) * 1.45 or 1.0)
    ax.set_xlabel(f"PSI (dashed: threshold {report.psi_threshold:g}; red: drifted, p < {report.alpha:g})")
    ax.grid(axis="y", visible=False)
    ax.set_title(title or repr(report))
    return ax
