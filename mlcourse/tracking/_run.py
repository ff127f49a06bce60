"""One run: a folder of append-only logs (params, metrics, tags), a ``meta.json`` and artifacts."""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import time
from numbers import Integral, Real
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from mlcourse._validation import is_number
from mlcourse.fingerprint import data_hash
from mlcourse.tracking._files import (
    append_records,
    atomic_file,
    check_name,
    check_relative_path,
    log_writer,
    read_json,
    read_records,
    remove_dead_temps,
    write_atomic,
    write_json_atomic,
)

META = "meta.json"
PARAMS = "params.jsonl"
METRICS = "metrics.jsonl"
TAGS = "tags.jsonl"
ARTIFACTS = "artifacts"
#: Where documents and artifacts are written before they are renamed into place (see ``_files``).
TEMP = ".tmp"

#: The states a run can be in, as MLflow names them.
STATUSES = ("RUNNING", "FINISHED", "FAILED", "KILLED")

#: Tag prefix for facts the tracker records itself (MLflow uses ``mlflow.``).
DATA_TAG = "mlcourse.data_hash."


class DataMismatchError(ValueError):
    """The data given to :meth:`Run.check_data` is not the data the run was trained on."""


class Metric(NamedTuple):
    """One logged metric value: ``key``, ``value``, ``step`` and ``timestamp`` (ms since the epoch)."""

    key: str
    value: float
    step: int
    timestamp: int


def now_ms() -> int:
    """Milliseconds since the Unix epoch: MLflow's unit for every timestamp."""
    return time.time_ns() // 1_000_000


def _json_value(kind: str, key: str, value: Any) -> Any:
    """``value`` as plain JSON data (numpy scalars unwrapped, tuples as lists), else a TypeError."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        return _json_value(kind, key, value.item())
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_json_value(kind, key, v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _json_value(kind, key, v) for k, v in value.items()}
    raise TypeError(
        f"{kind} {key!r} must be None, a bool, number or str, or a list/dict of these, got {type(value).__name__}"
    )


def _metric_value(key: str, value: Any) -> float:
    # Like MLflow: a bool is not a measurement, and silently logging True as 1.0 hides bugs.
    if not is_number(value):
        raise TypeError(f"metric {key!r} must be a real number, got {type(value).__name__}")
    return float(value)


def _int_arg(name: str, value: Any) -> int:
    if not (is_number(value) and isinstance(value, Integral)) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def _latest(history: list[Metric]) -> Metric:
    # MLflow's rule for a run's "latest" value: the highest step, then the latest timestamp, then
    # the largest value. Using the same rule makes our summaries equal MLflow's search_runs.
    return max(history, key=lambda m: (m.step, m.timestamp, m.value))


def _check_agg(agg: str) -> str:
    if agg not in ("last", "min", "max"):
        raise ValueError(f"agg must be 'last', 'min' or 'max', got {agg!r}")
    return agg


def _summarize(history: list[Metric], agg: str) -> float:
    if agg == "last":
        return _latest(history).value
    values = [m.value for m in history if not math.isnan(m.value)]
    if not values:
        return math.nan
    return min(values) if agg == "min" else max(values)


class Run:
    """A tracked run, stored in its own folder; create one with :meth:`Tracker.start_run`.

    Every ``log_*`` call goes straight to disk, so another process (or a crash) loses nothing
    logged before it, and any process can attach to the run with :meth:`Tracker.get_run` and
    log to it too. Reading (``params``, ``metrics``, ``tags``, ``info``) always reads the disk.

    Used as a context manager, the run ends as ``FINISHED``, or ``FAILED`` if the block raises
    (``KILLED`` on Ctrl-C); the exception still propagates.

    Parameters
    ----------
    path : str or Path
        The run's folder (``<tracker root>/<run_id>``).

    Examples
    --------
    >>> import tempfile
    >>> from mlcourse.tracking import Tracker
    >>> tmp = tempfile.TemporaryDirectory()
    >>> tracker = Tracker(tmp.name, code_dir=None)
    >>> with tracker.start_run("baseline", seed=0) as run:
    ...     run.log_params({"lr": 0.1, "hidden": 16})
    ...     for epoch, loss in enumerate([0.9, 0.5, 0.4]):
    ...         run.log_metric("loss", loss, step=epoch)
    >>> run.status, run.params, run.metrics
    ('FINISHED', {'lr': 0.1, 'hidden': 16}, {'loss': 0.4})
    >>> tmp.cleanup()
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not (self.path / META).is_file():
            raise ValueError(f"path must be a run folder with a {META}, got {str(path)!r}")
        self.run_id = self.path.name
        # Opening a run clears what killed writers left in its temp folder. Housekeeping only: a
        # reader without write access (or on a read-only disk) must still be able to read.
        with contextlib.suppress(OSError):
            remove_dead_temps(self.path / TEMP)

    def __repr__(self) -> str:
        return f"Run(name={self.name!r}, status={self.status!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Run) and other.path.resolve() == self.path.resolve()

    def __hash__(self) -> int:
        return hash(self.run_id)

    # ------------------------------------------------------------------ reading

    @property
    def info(self) -> dict[str, Any]:
        """The run's facts: ``run_id``, ``run_name``, ``status``, ``start_time``, ``end_time``
        (ms since the epoch), ``seed``, ``git`` (commit and dirty flag), ``library_versions``, ``python``."""
        return read_json(self.path / META)

    @property
    def name(self) -> str:
        return self.info["run_name"]

    @property
    def status(self) -> str:
        return self.info["status"]

    @property
    def seed(self) -> int | None:
        return self.info["seed"]

    @property
    def params(self) -> dict[str, Any]:
        """Hyper-parameters with their JSON types (an int stays an int). The first value logged wins."""
        params: dict[str, Any] = {}
        for record in read_records(self.path / PARAMS):
            params.setdefault(record["key"], record["value"])
        return params

    @property
    def tags(self) -> dict[str, str]:
        """Tags (strings); a later value for the same key replaces an earlier one."""
        return {record["key"]: record["value"] for record in read_records(self.path / TAGS)}

    @property
    def data_hashes(self) -> dict[str, str]:
        """``{context: sha256}`` for every dataset recorded with :meth:`log_data`."""
        return {k[len(DATA_TAG) :]: v for k, v in self.tags.items() if k.startswith(DATA_TAG)}

    def _histories(self) -> dict[str, list[Metric]]:
        histories: dict[str, list[Metric]] = {}
        for r in read_records(self.path / METRICS):
            histories.setdefault(r["key"], []).append(Metric(r["key"], r["value"], r["step"], r["timestamp"]))
        return histories

    @property
    def metrics(self) -> dict[str, float]:
        """The latest value of every metric (highest step wins, as in MLflow)."""
        return {key: _latest(history).value for key, history in self._histories().items()}

    def metric_history(self, key: str) -> list[Metric]:
        """Every value logged for metric ``key``, in the order it was logged.

        Parameters
        ----------
        key : str

        Returns
        -------
        history : list of Metric
            Empty if the metric was never logged.
        """
        check_name("metric", key)
        return self._histories().get(key, [])

    def summary(self, key: str, agg: str = "last") -> float | None:
        """One number for metric ``key``: its ``"last"`` (latest) value, or its ``"min"`` or ``"max"``.

        NaN values are ignored by ``"min"`` and ``"max"``. Returns ``None`` if the metric was never logged.
        """
        _check_agg(agg)
        history = self.metric_history(key)
        return _summarize(history, agg) if history else None

    def summaries(self, agg: str = "last") -> dict[str, float]:
        """:meth:`summary` of every metric the run logged, from a single read of its metrics log.

        Parameters
        ----------
        agg : {"last", "min", "max"}, default="last"

        Returns
        -------
        summaries : dict
            ``{metric: value}``, in the order the metrics were first logged.
        """
        _check_agg(agg)
        return {key: _summarize(history, agg) for key, history in self._histories().items()}

    @property
    def artifacts(self) -> dict[str, Path]:
        """``{relative name: path}`` of every artifact file, sorted by name."""
        root = self.path / ARTIFACTS
        files = (p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
        return {p.relative_to(root).as_posix(): p for p in sorted(files)}

    # ------------------------------------------------------------------ writing

    def log_param(self, key: str, value: Any) -> None:
        """Record a hyper-parameter. Params are immutable: logging a different value for a key raises.

        Parameters
        ----------
        key : str
            Letters, digits, ``_ - . /`` and spaces (MLflow's rule).
        value : None, bool, int, float, str, or a list/dict of these
            Stored as JSON, so it keeps its type.
        """
        self.log_params({key: value})

    def log_params(self, params: dict[str, Any]) -> None:
        """Record several hyper-parameters at once (one atomic write; all of them, or none if one would change)."""
        if not isinstance(params, dict):
            raise TypeError(f"params must be a dict, got {type(params).__name__}")
        new = {check_name("param", k): _json_value("param", k, v) for k, v in params.items()}
        if not new:
            return
        # The log stays locked from the check to the append: another process logging the same key
        # now waits, then sees our value and is refused, instead of both being accepted.
        with log_writer(self.path / PARAMS) as append:
            logged = self.params
            for key, value in new.items():
                # Compare as JSON, so 1 and 1.0 (equal in Python, different in a log) count as different.
                if key in logged and json.dumps(logged[key]) != json.dumps(value):
                    raise ValueError(
                        f"param {key!r} was already logged as {logged[key]!r}, cannot change it to {value!r}; "
                        "params are fixed for a run: start a new run, or log a metric or tag instead"
                    )
            append([{"key": k, "value": v} for k, v in new.items() if k not in logged])

    def log_metric(self, key: str, value: float, step: int = 0, *, timestamp: int | None = None) -> None:
        """Record one value of a metric.

        Parameters
        ----------
        key : str
        value : float
            NaN and infinities are allowed (a diverged run should say so).
        step : int, default=0
            The epoch or iteration; MLflow's default is 0 too.
        timestamp : int, optional
            Milliseconds since the epoch; default now.
        """
        self.log_metrics({key: value}, step=step, timestamp=timestamp)

    def log_metrics(self, metrics: dict[str, float], step: int = 0, *, timestamp: int | None = None) -> None:
        """Record several metrics at the same step (one atomic write)."""
        if not isinstance(metrics, dict):
            raise TypeError(f"metrics must be a dict, got {type(metrics).__name__}")
        step = _int_arg("step", step)
        timestamp = now_ms() if timestamp is None else _int_arg("timestamp", timestamp)
        records = [
            {"key": check_name("metric", k), "value": _metric_value(k, v), "step": step, "timestamp": timestamp}
            for k, v in metrics.items()
        ]
        append_records(self.path / METRICS, records)

    def set_tag(self, key: str, value: Any) -> None:
        """Attach a label (stored as a string, as in MLflow); setting a key again replaces it."""
        self.set_tags({key: value})

    def set_tags(self, tags: dict[str, Any]) -> None:
        """Set several tags at once (one atomic write)."""
        if not isinstance(tags, dict):
            raise TypeError(f"tags must be a dict, got {type(tags).__name__}")
        append_records(self.path / TAGS, [{"key": check_name("tag", k), "value": str(v)} for k, v in tags.items()])

    def log_data(self, X: Any, y: Any = None, *, context: str = "train") -> str:
        """Fingerprint the data the model sees, so a rerun can prove it uses the same data.

        Parameters
        ----------
        X : array-like, pandas Series or DataFrame
        y : array-like, optional
        context : str, default="train"
            Which data this is (``"train"``, ``"valid"``, ...).

        Returns
        -------
        digest : str
            The sha256 of :func:`mlcourse.fingerprint.data_hash`, also stored as tag
            ``mlcourse.data_hash.<context>``.
        """
        digest = data_hash(X) if y is None else data_hash(X, y)
        self.set_tag(DATA_TAG + check_name("context", context), digest)
        return digest

    def check_data(self, X: Any, y: Any = None, *, context: str = "train") -> str:
        """Raise :class:`DataMismatchError` unless ``X`` (and ``y``) hash to what :meth:`log_data` recorded.

        Returns
        -------
        digest : str
            The matching sha256.
        """
        expected = self.data_hashes.get(check_name("context", context))
        if expected is None:
            raise ValueError(f"context {context!r} has no data hash in run {self.name!r}; log it with log_data")
        digest = data_hash(X) if y is None else data_hash(X, y)
        if digest != expected:
            raise DataMismatchError(
                f"the {context} data differ from the data run {self.name!r} was trained on "
                f"(sha256 {digest[:12]}... instead of {expected[:12]}...)"
            )
        return digest

    def _artifact_target(self, artifact_file: str | Path) -> Path:
        target = self.path / ARTIFACTS / check_relative_path("artifact_file", artifact_file)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def log_artifact(self, local_path: str | Path, artifact_path: str | None = None) -> Path:
        """Copy a file into the run's artifacts (under folder ``artifact_path`` if given).

        Returns
        -------
        path : Path
            Where the copy is stored.
        """
        source = Path(local_path)
        if not source.is_file():
            raise ValueError(f"local_path must be an existing file, got {str(local_path)!r}")
        name = source.name if artifact_path is None else f"{artifact_path}/{source.name}"
        target = self._artifact_target(name)
        with open(source, "rb") as src, atomic_file(target, self.path / TEMP) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        return target

    def log_text(self, text: str, artifact_file: str) -> Path:
        """Store ``text`` (UTF-8) as artifact ``artifact_file`` (e.g. ``"notes/readme.md"``)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        target = self._artifact_target(artifact_file)
        write_atomic(target, text.encode("utf-8"), self.path / TEMP)
        return target

    def log_dict(self, dictionary: dict[str, Any], artifact_file: str) -> Path:
        """Store a dict as a JSON artifact."""
        if not isinstance(dictionary, dict):
            raise TypeError(f"dictionary must be a dict, got {type(dictionary).__name__}")
        return self.log_text(json.dumps(dictionary, indent=2, allow_nan=True), artifact_file)

    def end(self, status: str = "FINISHED") -> None:
        """Mark the run as ended with ``status`` (``"FINISHED"``, ``"FAILED"`` or ``"KILLED"``)."""
        if status not in STATUSES[1:]:
            raise ValueError(f"status must be one of {STATUSES[1:]}, got {status!r}")
        meta = self.info
        meta.update(status=status, end_time=now_ms())
        write_json_atomic(self.path / META, meta, self.path / TEMP)

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.end("FINISHED")
        else:
            self.end("KILLED" if issubclass(exc_type, KeyboardInterrupt) else "FAILED")
        return False  # never swallow the exception
