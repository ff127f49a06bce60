"""Watch a deployed model month by month: drift, performance once labels arrive, and when to retrain.

Each month :meth:`Monitor.observe` takes a :class:`~mlcourse.monitoring.Batch` and

1. scores it with the current model (predictions are made now; labels come later);
2. compares its inputs with the reference data in a :class:`~mlcourse.monitoring.DriftReport`;
3. scores every earlier batch whose labels have just arrived, with the predictions made back then;
4. asks the :class:`RetrainPolicy` whether to retrain, and logs the decision with its reason.

A retraining needs labelled data the current model has not learned from. A drift alarm also needs
labels from *after* the drift began: refitting on older data cannot teach the model the new world, so
until such labels arrive the action is ``"wait for labels"``.

Retraining fits a fresh clone of the model on the most recent labelled months. Before that, the clone
is fitted on all but the newest of those months and scored on it (a validation split in time, the
only honest one when the world drifts); that score becomes the new model's baseline. The new
model's training inputs become the reference for drift.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from mlcourse._validation import is_number
from mlcourse.monitoring._checks import check_int, check_share
from mlcourse.monitoring._report import DriftReport


class Retraining(NamedTuple):
    """What :class:`Monitor` hands its ``on_retrain`` hook: everything needed to deploy the new model."""

    month: int  # decided at the end of this month; the new model serves from the next one
    version: int
    reason: str
    model: object
    X: object  # the training inputs (a DataFrame), now the reference for drift
    y: np.ndarray
    baseline: float  # validation score on the newest training month (NaN with a single month)


@dataclass(frozen=True)
class RetrainPolicy:
    """When to retrain. Each trigger can be switched off with ``None``.

    Parameters
    ----------
    on_drift : float or None, default=0.5
        Retrain when at least this share of the features drifted (see :class:`DriftReport`).
    on_performance_drop : float or None, default=0.05
        Retrain when the rolling labelled score falls this far below the model's baseline score.
    every_n_months : int or None, default=None
        Retrain when the model has been in service this many months, whatever the data say.

    Examples
    --------
    >>> policy = RetrainPolicy(on_drift=None, on_performance_drop=0.05)
    >>> policy.reasons(drift_share=1.0, score=0.70, baseline=0.78, months_in_service=2)
    ['performance drop']
    """

    on_drift: float | None = 0.5
    on_performance_drop: float | None = 0.05
    every_n_months: int | None = None

    def __post_init__(self):
        check_share(self.on_drift, "on_drift", allow_none=True, noun="a share")
        drop = self.on_performance_drop
        if drop is not None and (not is_number(drop) or not drop >= 0):
            raise ValueError(f"on_performance_drop must be None or a number >= 0, got {drop!r}")
        check_int(self.every_n_months, "every_n_months", 1, allow_none=True)

    def reasons(self, *, drift_share: float, score: float, baseline: float, months_in_service: int) -> list[str]:
        """The triggers that fire this month (an empty list: keep the model).

        ``score`` and ``baseline`` may be NaN (no labels yet); the performance trigger then stays quiet.
        """
        fired = []
        if self.on_drift is not None and drift_share >= self.on_drift:
            fired.append("drift")
        if self.on_performance_drop is not None and score < baseline - self.on_performance_drop:
            fired.append("performance drop")  # False when either is NaN
        if self.every_n_months is not None and months_in_service >= self.every_n_months:
            fired.append("schedule")
        return fired


def _y_score(model, X) -> np.ndarray:
    if hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(X))[:, 1]
    if hasattr(model, "decision_function"):
        return np.asarray(model.decision_function(X))
    return np.asarray(model.predict(X), dtype=float)


class Monitor:
    """Monitor a deployed model on a stream of monthly batches, and retrain it when the policy says so.

    Parameters
    ----------
    reference_X : DataFrame
        The inputs the model was trained on: the yardstick for drift.
    model : fitted estimator
        With ``predict_proba`` (or ``decision_function``), and clonable by ``sklearn.base.clone``.
    policy : RetrainPolicy, optional
        ``RetrainPolicy()`` by default. ``RetrainPolicy(None, None, None)`` never retrains.
    metric : callable, optional
        ``metric(y_true, y_score) -> float``, higher is better; ROC AUC
        (:func:`mlcourse.metrics.roc_auc_score`) by default.
    window : int, default=2
        The rolling score is the mean over the current model's latest ``window`` labelled months.
    retrain_months : int, default=3
        How many of the most recent labelled months a retrained model learns from.
    baseline_score : float, optional
        The score expected of the first model (say, from cross-validation). By default, the score of
        its first labelled month.
    drift_options : dict, optional
        Keyword arguments for :class:`DriftReport` (``alpha``, ``psi_threshold``, ``n_bins``, ``categorical``,
        ``identifier``, ``identifier_share``, ``unseen_threshold``, ``n_permutations``, ``random_state``).
    on_retrain : callable, optional
        Called with a :class:`Retraining` after each retraining: the hook to deploy the new model.

    Attributes
    ----------
    model : estimator
        The model in service now.
    model_version : int
        1 for the first model, +1 per retraining.
    reports : dict
        Month -> :class:`DriftReport`.
    drift, performance, decisions : DataFrame
        The logs (see the properties).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlcourse.monitoring import simulate_production
    >>> prod = simulate_production(n_months=3, batch_size=300, n_reference=600, seed=0)
    >>> numeric = ["income", "age", "debt_ratio", "late_payments"]
    >>> model = LogisticRegression().fit(prod.reference.X[numeric], prod.reference.y)
    >>> monitor = Monitor(prod.reference.X[numeric], model).run(b._replace(X=b.X[numeric]) for b in prod)
    >>> monitor.decisions[["month", "reason", "action", "model_version"]].to_dict("list")["action"]
    ['keep', 'keep', 'keep']
    """

    def __init__(
        self,
        reference_X,
        model,
        policy: RetrainPolicy | None = None,
        *,
        metric=None,
        window: int = 2,
        retrain_months: int = 3,
        baseline_score: float | None = None,
        drift_options: dict | None = None,
        on_retrain=None,
    ):
        policy = RetrainPolicy() if policy is None else policy
        if not isinstance(policy, RetrainPolicy):
            raise TypeError(f"policy must be a RetrainPolicy, got {type(policy).__name__}")
        window, retrain_months = check_int(window, "window", 1), check_int(retrain_months, "retrain_months", 1)
        if not (hasattr(model, "predict_proba") or hasattr(model, "decision_function") or hasattr(model, "predict")):
            raise TypeError(f"model must be a fitted estimator, got {type(model).__name__}")
        if metric is None:
            from mlcourse.metrics import roc_auc_score as metric
        if not callable(metric):
            raise TypeError(f"metric must be callable as metric(y_true, y_score), got {metric!r}")
        if on_retrain is not None and not callable(on_retrain):
            raise TypeError(f"on_retrain must be callable, got {on_retrain!r}")
        self.policy, self.metric, self.window, self.retrain_months = policy, metric, window, retrain_months
        self.drift_options = dict(drift_options or {})
        self.on_retrain = on_retrain
        self.reference_X = reference_X
        self.model = model
        self.model_version = 1
        self.baseline = math.nan if baseline_score is None else float(baseline_score)
        self.reports: dict[int, DriftReport] = {}
        self._deployed_at = 0  # month the current model went into service
        self._trained_through = 0  # newest month in the current model's training data
        self._drift_since = None  # first month of the current run of drift alarms
        self._last_month = -math.inf
        self._pending: list[dict] = []  # served batches waiting for their labels
        self._labelled: dict[int, tuple] = {}  # month -> (X, y) once labels arrive
        self._drift_rows: list[dict] = []
        self._performance_rows: list[dict] = []
        self._decision_rows: list[dict] = []

    # ----------------------------------------------------------------------------- the monthly step

    def observe(self, batch) -> dict:
        """Process one month's batch; return the decision logged for it (a dict)."""
        month, X, y, available = batch
        if month <= self._last_month:
            raise ValueError(f"batches must come in increasing month order; got month {month} after {self._last_month}")
        if available < month:
            raise ValueError(f"label_available_at ({available}) is before the batch's month ({month})")
        self._last_month = month
        served_by = self.model_version
        self._pending.append(
            {
                "month": month,
                "X": X,
                "y": np.asarray(y),
                "y_score": _y_score(self.model, X),
                "version": served_by,
                "available": available,
            }
        )

        report = DriftReport(self.reference_X, X, **self.drift_options)
        self.reports[month] = report
        for feature, row in report.results.iterrows():
            self._drift_rows.append({"month": month, "feature": feature, "model_version": served_by, **row.to_dict()})

        self._collect_labels(month)
        score = self.rolling_score()
        reasons = self.policy.reasons(
            drift_share=report.drift_share,
            score=score,
            baseline=self.baseline,
            months_in_service=month - self._deployed_at,
        )
        if "drift" in reasons:
            self._drift_since = month if self._drift_since is None else self._drift_since
        else:
            self._drift_since = None
        action = "keep"
        if reasons:
            newest = max(self._labelled, default=-1)
            # A drift alarm alone needs labels from the drifted months; the other triggers any new labels.
            needed = self._drift_since if reasons == ["drift"] else self._trained_through + 1
            action = "retrain" if newest >= needed else "wait for labels"
        decision = {
            "month": month,
            "drift_share": report.drift_share,
            "drifted_features": ", ".join(report.drifted_features),
            "score": score,
            "baseline": self.baseline,
            "reason": " + ".join(reasons),
            "action": action,
        }
        if action == "retrain":
            self._retrain(month, decision["reason"])
        decision["model_version"] = self.model_version
        self._decision_rows.append(decision)
        return decision

    def run(self, batches) -> Monitor:
        """:meth:`observe` every batch in turn; returns ``self``."""
        for batch in batches:
            self.observe(batch)
        return self

    def _collect_labels(self, month: int) -> None:
        arrived = [p for p in self._pending if p["available"] <= month]
        self._pending = [p for p in self._pending if p["available"] > month]
        for p in arrived:
            score = float(self.metric(p["y"], p["y_score"]))
            self._performance_rows.append(
                {"month": p["month"], "model_version": p["version"], "score": score, "labels_at": month}
            )
            self._labelled[p["month"]] = (p["X"], p["y"])
            if p["version"] == self.model_version and math.isnan(self.baseline):
                self.baseline = score

    def rolling_score(self) -> float:
        """Mean labelled score of the current model over its latest ``window`` months (NaN if none yet)."""
        mine = [
            r["score"]
            for r in sorted(self._performance_rows, key=lambda r: r["month"])
            if r["model_version"] == self.model_version
        ]
        return float(np.mean(mine[-self.window :])) if mine else math.nan

    def _retrain(self, month: int, reason: str) -> None:
        import pandas as pd
        from sklearn.base import clone

        months = sorted(self._labelled)[-self.retrain_months :]
        X = pd.concat([self._labelled[m][0] for m in months], ignore_index=True)
        y = np.concatenate([self._labelled[m][1] for m in months])
        baseline = math.nan
        if len(months) > 1:  # validate on the newest month, trained on the ones before it
            n_old = len(X) - len(self._labelled[months[-1]][1])
            candidate = clone(self.model).fit(X.iloc[:n_old], y[:n_old])
            baseline = float(self.metric(y[n_old:], _y_score(candidate, X.iloc[n_old:])))
        self.model = clone(self.model).fit(X, y)
        self.model_version += 1
        self.baseline = baseline
        self.reference_X = X
        self._deployed_at = month
        self._trained_through = months[-1]
        self._drift_since = None
        if self.on_retrain is not None:
            self.on_retrain(Retraining(month, self.model_version, reason, self.model, X, y, baseline))

    # ----------------------------------------------------------------------------- the logs

    @property
    def drift(self):
        """One row per month and feature: ``month, feature, model_version`` and the DriftReport columns."""
        import pandas as pd

        return pd.DataFrame(self._drift_rows)

    @property
    def performance(self):
        """One row per labelled month: ``month, model_version`` (that served it), ``score``, ``labels_at``."""
        import pandas as pd

        columns = ["month", "model_version", "score", "labels_at"]
        return pd.DataFrame(self._performance_rows, columns=columns).sort_values("month", ignore_index=True)

    @property
    def decisions(self):
        """One row per month: ``month, drift_share, drifted_features, score`` (rolling), ``baseline,
        reason, action`` (``keep``, ``retrain`` or ``wait for labels``) and ``model_version`` after it."""
        import pandas as pd

        return pd.DataFrame(self._decision_rows)
