"""Copy tracked runs into MLflow. MLflow is imported here only, so ``import mlcourse.tracking`` stays light."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlparse

from mlcourse.tracking._compare import _as_runs
from mlcourse.tracking._run import Run

#: Tag holding our run id on the MLflow copy, so a second export finds it instead of duplicating it.
SOURCE_TAG = "mlcourse.run_id"

# MLflow's per-request limits for log_batch.
_MAX_PARAMS_OR_TAGS = 100
_MAX_METRICS = 1000


def tracking_uri_for(location: str | Path) -> str:
    """A local folder as a ``file://`` URI; a string that already has a scheme is returned as is."""
    if isinstance(location, Path):
        return location.resolve().as_uri()
    if not isinstance(location, str):
        raise TypeError(f"tracking_uri must be a str or Path, got {type(location).__name__}")
    scheme = urlparse(location).scheme
    if len(scheme) <= 1:  # no scheme, or a Windows drive letter: a path
        return Path(location).resolve().as_uri()
    return location


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _mlflow_tags(run: Run, info: dict) -> dict[str, str]:
    """The run's tags, plus what our meta.json records, under MLflow's names where MLflow has one."""
    tags = dict(run.tags)
    tags[SOURCE_TAG] = run.run_id
    if info["git"]["commit"] is not None:
        tags["mlflow.source.git.commit"] = info["git"]["commit"]
        tags["mlcourse.git.dirty"] = str(info["git"]["dirty"])
    if info["seed"] is not None:
        tags["mlcourse.seed"] = str(info["seed"])
    tags["mlcourse.library_versions"] = json.dumps(info["library_versions"], sort_keys=True)
    tags["mlcourse.python"] = info["python"]
    return tags


def _existing_copies(client, experiment_id: str) -> dict[str, str]:
    copies, token = {}, None
    while True:
        page = client.search_runs([experiment_id], max_results=1000, page_token=token)
        for found in page:
            source = found.data.tags.get(SOURCE_TAG)
            if source is not None:
                copies[source] = found.info.run_id
        token = page.token
        if not token:
            return copies


def to_mlflow(runs: Iterable[Run], tracking_uri: str | Path, experiment_name: str = "mlcourse") -> dict[str, str]:
    """Recreate runs in MLflow: params, full metric histories (with steps and timestamps), tags,
    artifacts, start and end times and status.

    Our seed, git state and library versions become tags (``mlcourse.seed``,
    ``mlflow.source.git.commit``, ...). Params become strings, as ``mlflow.log_param`` makes them.
    Exporting again is safe: runs already copied (found by their ``mlcourse.run_id`` tag) are
    skipped, not duplicated.

    Parameters
    ----------
    runs : iterable of Run
    tracking_uri : str or Path
        An MLflow tracking URI, or a local folder for MLflow's file store (MLflow 3 only opens a
        file store when the environment variable ``MLFLOW_ALLOW_FILE_STORE=true`` is set).
    experiment_name : str, default="mlcourse"
        Created if it does not exist.

    Returns
    -------
    ids : dict
        ``{our run id: MLflow run id}`` for every run given.
    """
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    runs = _as_runs(runs)
    if not isinstance(experiment_name, str) or not experiment_name:
        raise ValueError(f"experiment_name must be a non-empty str, got {experiment_name!r}")
    client = MlflowClient(tracking_uri=tracking_uri_for(tracking_uri))
    experiment = client.get_experiment_by_name(experiment_name)
    experiment_id = experiment.experiment_id if experiment else client.create_experiment(experiment_name)
    copies = _existing_copies(client, experiment_id)
    ids = {}
    for run in runs:
        if run.run_id in copies:
            ids[run.run_id] = copies[run.run_id]
            continue
        info = run.info
        created = client.create_run(
            experiment_id, start_time=info["start_time"], tags=_mlflow_tags(run, info), run_name=info["run_name"]
        )
        mlflow_id = created.info.run_id
        params = [Param(key, str(value)) for key, value in run.params.items()]
        for chunk in _chunks(params, _MAX_PARAMS_OR_TAGS):
            client.log_batch(mlflow_id, params=chunk)
        metrics = [Metric(m.key, m.value, m.timestamp, m.step) for h in run._histories().values() for m in h]
        for chunk in _chunks(metrics, _MAX_METRICS):
            client.log_batch(mlflow_id, metrics=chunk)
        for name, path in run.artifacts.items():
            folder = posixpath.dirname(name)
            client.log_artifact(mlflow_id, str(path), artifact_path=folder or None)
        if info["status"] != "RUNNING":
            client.set_terminated(mlflow_id, status=info["status"], end_time=info["end_time"])
        ids[run.run_id] = mlflow_id
    return ids
