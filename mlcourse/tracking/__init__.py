"""Experiment tracking from scratch: runs, params, metric histories, tags, artifacts, in plain files.

A :class:`Tracker` is a folder; each run is a sub-folder that records what is needed to trust
and repeat a result: the hyper-parameters, step-wise metrics, the seed, a hash of the training
data, the git commit (and whether the code had uncommitted changes) and library versions.
Writes are atomic, so several processes can log at once without losing a value.

The twin is MLflow's tracking API (``mlflow-skinny``: client and file store, no server).
:func:`compare` returns a table shaped like ``mlflow.search_runs``, and :func:`to_mlflow`
copies our runs into MLflow; ``tests/test_tracking.py`` checks that the two agree. :func:`to_wandb`
logs them to Weights & Biases offline and :func:`read_wandb` reads an offline W&B run back. MLflow
and wandb are imported only inside those functions.

Examples
--------
>>> import tempfile
>>> from mlcourse.tracking import Tracker
>>> tmp = tempfile.TemporaryDirectory()
>>> tracker = Tracker(tmp.name, code_dir=None)
>>> with tracker.start_run("small", seed=0) as run:
...     run.log_params({"hidden": 16, "lr": 0.01})
...     run.log_metric("valid_loss", 0.31, step=0)
...     run.log_metric("valid_loss", 0.22, step=1)
>>> run.status, run.params["hidden"], run.metrics["valid_loss"]
('FINISHED', 16, 0.22)
>>> tmp.cleanup()
"""

from __future__ import annotations

from mlcourse.tracking._compare import best_run, compare
from mlcourse.tracking._mlflow import to_mlflow, tracking_uri_for
from mlcourse.tracking._plots import plot_compare, plot_metric
from mlcourse.tracking._run import STATUSES, DataMismatchError, Metric, Run
from mlcourse.tracking._tracker import Tracker
from mlcourse.tracking._wandb import WandbRun, read_wandb, to_wandb

__all__ = [
    "STATUSES",
    "DataMismatchError",
    "Metric",
    "Run",
    "Tracker",
    "WandbRun",
    "best_run",
    "compare",
    "plot_compare",
    "plot_metric",
    "read_wandb",
    "to_mlflow",
    "to_wandb",
    "tracking_uri_for",
]
