"""Plots of tracked runs: metric histories, and a metric across a sweep."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from mlcourse._plots import axes
from mlcourse.tracking._compare import _as_runs, compare
from mlcourse.tracking._files import check_name
from mlcourse.tracking._run import Run


def plot_metric(runs: Iterable[Run], key: str, ax=None, *, log: bool = False, xlabel: str = "step"):
    """One line per run: metric ``key`` against its step.

    Parameters
    ----------
    runs : iterable of Run
    key : str
        The metric to draw; runs that never logged it are left out.
    ax : matplotlib Axes, optional
    log : bool, default=False
        Logarithmic y axis.
    xlabel : str, default="step"

    Returns
    -------
    ax : matplotlib Axes
    """
    check_name("metric", key)
    ax = axes(ax)
    drawn = 0
    for run in _as_runs(runs):
        history = sorted(run.metric_history(key), key=lambda m: (m.step, m.timestamp))
        if history:
            ax.plot([m.step for m in history], [m.value for m in history], label=run.name)
            drawn += 1
    if drawn == 0:
        raise ValueError(f"key {key!r}: no run logged this metric")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(key)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_compare(
    runs: Iterable[Run],
    metric: str,
    x: str | None = None,
    ax=None,
    *,
    hue: str | None = None,
    agg: str = "last",
    log_x: bool = False,
):
    """A metric across runs: one bar per run, or against a param (one line per value of ``hue``).

    Parameters
    ----------
    runs : iterable of Run
    metric : str
    x : str, optional
        A numeric param for the x axis (e.g. the learning rate). Default: one bar per run.
    ax : matplotlib Axes, optional
    hue : str, optional
        A param that splits the runs into lines (e.g. the model size); only with ``x``.
    agg : {"last", "min", "max"}, default="last"
        Which number of each run's history is drawn (see :func:`compare`).
    log_x : bool, default=False
        Logarithmic x axis (learning rates, penalties).

    Returns
    -------
    ax : matplotlib Axes
    """
    table = compare(runs, metrics=[check_name("metric", metric)], agg=agg)
    ax = axes(ax)
    column = f"metrics.{metric}"
    if x is None:
        if hue is not None:
            raise ValueError("hue needs x: give the param for the x axis too")
        ax.bar(np.arange(len(table)), table[column])
        ax.set_xticks(np.arange(len(table)), table["run_name"], rotation=45, ha="right")
    else:
        for name in (x, hue):
            if name is not None and f"params.{name}" not in table:
                raise ValueError(f"param {name!r} was not logged by any run")
        groups = [(None, table)] if hue is None else list(table.groupby(f"params.{hue}", sort=True))
        for value, group in groups:
            group = group.sort_values(f"params.{x}")
            ax.plot(group[f"params.{x}"], group[column], marker="o", label=None if hue is None else f"{hue}={value}")
        ax.set_xlabel(x)
        if log_x:
            ax.set_xscale("log")
        if hue is not None:
            ax.legend(loc="best")
    ax.set_ylabel(metric if agg == "last" else f"{metric} ({agg})")
    return ax
