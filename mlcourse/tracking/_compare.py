"""Runs side by side: a table shaped like ``mlflow.search_runs``, and the best run by a metric."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from mlcourse._validation import is_number
from mlcourse.tracking._run import Run

_AGGS = ("last", "min", "max")


def _as_runs(runs: Iterable[Run]) -> list[Run]:
    runs = list(runs)
    bad = [type(r).__name__ for r in runs if not isinstance(r, Run)]
    if bad:
        raise TypeError(f"runs must be Run objects, got {bad[0]}")
    return runs


def _names(kind: str, names: Sequence[str] | None, found: dict[str, None]) -> list[str]:
    if names is None:
        return list(found)
    if isinstance(names, str):
        raise TypeError(f"{kind} must be a list of names, not a single str (wrap it: [{names!r}])")
    return list(names)


def compare(
    runs: Iterable[Run],
    *,
    metrics: Sequence[str] | None = None,
    params: Sequence[str] | None = None,
    agg: str = "last",
    tags: bool = False,
):
    """One row per run: its name, status, seed, times, params and a summary of each metric.

    The columns are named as in ``mlflow.search_runs`` (``params.lr``, ``metrics.loss``,
    ``tags.team``), so the two tables can be put side by side. Unlike MLflow's, params keep
    their types (MLflow stores every param as a string).

    Parameters
    ----------
    runs : iterable of Run
    metrics, params : list of str, optional
        Columns to include; default every metric and param any run logged, in first-logged order.
        A run without one gets a missing value (NaN or None).
    agg : {"last", "min", "max"}, default="last"
        How a metric's history becomes one number: the latest value (highest step, as in
        MLflow), or the minimum or maximum over all steps (e.g. the best validation loss).
    tags : bool, default=False
        Also include every tag, as ``tags.<key>`` columns.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``run_id``, ``run_name``, ``status``, ``seed``, ``start_time``, ``end_time``
        (UTC timestamps), then ``params.*``, ``metrics.*`` and, if asked, ``tags.*``.
    """
    import pandas as pd

    if agg not in _AGGS:
        raise ValueError(f"agg must be one of {_AGGS}, got {agg!r}")
    runs = _as_runs(runs)
    rows, all_params, all_metrics, all_tags = [], {}, {}, {}
    for run in runs:
        info, run_params, run_tags = run.info, run.params, run.tags
        run_metrics = run.summaries(agg)  # one read of the metrics log per run, however many metrics
        all_params.update(dict.fromkeys(run_params))
        all_metrics.update(dict.fromkeys(run_metrics))
        all_tags.update(dict.fromkeys(run_tags))
        rows.append((info, run_params, run_metrics, run_tags))
    param_names = _names("params", params, all_params)
    metric_names = _names("metrics", metrics, all_metrics)
    table = []
    for info, run_params, run_metrics, run_tags in rows:
        row = {key: info[key] for key in ("run_id", "run_name", "status", "seed", "start_time", "end_time")}
        row.update({f"params.{k}": run_params.get(k) for k in param_names})
        row.update({f"metrics.{k}": run_metrics.get(k, math.nan) for k in metric_names})
        if tags:
            row.update({f"tags.{k}": run_tags.get(k) for k in all_tags})
        table.append(row)
    columns = ["run_id", "run_name", "status", "seed", "start_time", "end_time"]
    columns += [f"params.{k}" for k in param_names] + [f"metrics.{k}" for k in metric_names]
    columns += [f"tags.{k}" for k in all_tags] if tags else []
    return _typed(pd.DataFrame(table, columns=columns), param_names, metric_names)


def _typed(df, param_names: list[str], metric_names: list[str]):
    """``df`` with its times as UTC timestamps, its all-number params as numbers and its metrics as floats."""
    import pandas as pd

    for col in ("start_time", "end_time"):
        df[col] = pd.to_datetime(df[col], unit="ms", utc=True)
    for name in param_names:
        col = df[f"params.{name}"]
        if col.notna().all() and all(is_number(v) for v in col):
            df[f"params.{name}"] = pd.to_numeric(col)  # numbers as a numeric column, for sorting and plots
    # Metric values are floats, so pandas has made most columns float already; cast only the others
    # (e.g. no runs): an astype per column costs seconds when there are thousands of metrics.
    dtypes = df.dtypes
    cast = {c: float for c in (f"metrics.{name}" for name in metric_names) if dtypes[c] != "float64"}
    return df.astype(cast) if cast else df


def best_run(runs: Iterable[Run], metric: str, mode: str = "max", *, agg: str = "last") -> Run:
    """The run with the highest (``mode="max"``) or lowest (``"min"``) value of a metric.

    Parameters
    ----------
    runs : iterable of Run
    metric : str
    mode : {"max", "min"}, default="max"
    agg : {"last", "min", "max"}, default="last"
        Which number of each run's history is compared (see :func:`compare`).

    Returns
    -------
    run : Run
        Runs without the metric, or with NaN, are skipped; a tie goes to the earlier run.
    """
    if mode not in ("max", "min"):
        raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
    runs = _as_runs(runs)
    scored = []
    for run in runs:
        value = run.summary(metric, agg)
        if value is not None and not math.isnan(value):
            scored.append((value, run))
    if not scored:
        seen = sorted({key for run in runs for key in run.metrics})
        raise ValueError(f"metric {metric!r} was not logged by any of the {len(runs)} runs; logged metrics: {seen}")
    sign = 1 if mode == "max" else -1
    best_value = max(sign * v for v, _ in scored)
    return next(run for v, run in scored if sign * v == best_value)
