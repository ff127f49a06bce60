"""``Tracker``: a folder of runs, one sub-folder per run."""

from __future__ import annotations

import platform
import uuid
from numbers import Integral
from pathlib import Path
from typing import Any

from mlcourse._validation import is_number
from mlcourse.fingerprint import DEFAULT_LIBRARIES, git_state, library_versions
from mlcourse.tracking._files import write_json_atomic
from mlcourse.tracking._run import META, TEMP, Run, now_ms


class Tracker:
    """Experiment tracking on a local folder: no server, no database, plain JSON files.

    Each run gets a folder ``<root>/<run_id>`` (a random uuid4, unique across processes and
    machines) holding ``meta.json``, append-only ``params.jsonl``, ``metrics.jsonl`` and
    ``tags.jsonl`` logs, and an ``artifacts/`` folder (plus a ``.tmp/`` folder while a file is
    being written). Several processes can log into the same tracker, or the same run, at once
    without losing a value, and a writer killed mid-write leaves no half-written record behind.

    Parameters
    ----------
    root : str or Path
        The folder; created if missing. One tracker is one experiment.
    code_dir : str, Path or None, default="."
        A folder inside the git work tree of the training code: each run records its commit
        and whether it had uncommitted changes. ``None`` skips git.
    libraries : sequence of str, default=mlcourse.fingerprint.DEFAULT_LIBRARIES
        Distributions whose installed versions each run records.

    Examples
    --------
    >>> import tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> tracker = Tracker(tmp.name, code_dir=None)
    >>> for lr in (0.1, 0.01):
    ...     with tracker.start_run(f"lr={lr}", seed=0) as run:
    ...         run.log_param("lr", lr)
    ...         run.log_metric("accuracy", 0.9 if lr == 0.1 else 0.8)
    >>> tracker.best_run("accuracy").params
    {'lr': 0.1}
    >>> tracker.compare()[["run_name", "params.lr", "metrics.accuracy"]]
      run_name  params.lr  metrics.accuracy
    0   lr=0.1       0.10               0.9
    1  lr=0.01       0.01               0.8
    >>> tmp.cleanup()
    """

    def __init__(
        self,
        root: str | Path,
        *,
        code_dir: str | Path | None = ".",
        libraries: tuple[str, ...] | list[str] = DEFAULT_LIBRARIES,
    ):
        if not isinstance(root, (str, Path)):
            raise TypeError(f"root must be a str or Path, got {type(root).__name__}")
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise ValueError(f"root must be a folder, got the file {str(root)!r}")
        self.root.mkdir(parents=True, exist_ok=True)
        self.code_dir = code_dir
        self.libraries = tuple(libraries)

    def __repr__(self) -> str:
        return f"Tracker({str(self.root)!r})"

    def start_run(
        self,
        name: str | None = None,
        *,
        seed: int | None = None,
        tags: dict[str, Any] | None = None,
    ) -> Run:
        """Create a run and record where it comes from: git state, library versions, seed, start time.

        Parameters
        ----------
        name : str, optional
            A readable name (need not be unique); default the first 8 characters of the run id.
        seed : int, optional
            The seed the run's randomness comes from. Record it here, then *use* ``run.seed``.
        tags : dict, optional
            Initial tags.

        Returns
        -------
        run : Run
            Status ``RUNNING``; use it in a ``with`` block so it ends ``FINISHED`` or ``FAILED``.
        """
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str or None, got {type(name).__name__}")
        if seed is not None and (not (is_number(seed) and isinstance(seed, Integral)) or seed < 0):
            raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
        if tags is not None and not isinstance(tags, dict):
            raise TypeError(f"tags must be a dict or None, got {type(tags).__name__}")
        run_id = uuid.uuid4().hex
        git = git_state(self.code_dir) if self.code_dir is not None else {"commit": None, "dirty": None}
        meta = {
            "run_id": run_id,
            "run_name": name if name is not None else run_id[:8],
            "status": "RUNNING",
            "start_time": now_ms(),
            "end_time": None,
            "seed": None if seed is None else int(seed),  # a numpy integer is not JSON
            "git": git,
            "library_versions": library_versions(self.libraries),
            "python": platform.python_version(),
        }
        path = self.root / run_id
        path.mkdir()
        # meta.json appears in one step: a folder without it is a run still being created, and
        # runs() skips it.
        write_json_atomic(path / META, meta, path / TEMP)
        run = Run(path)
        if tags:
            run.set_tags(tags)
        return run

    def get_run(self, run_id: str) -> Run:
        """The run with id ``run_id`` (to read it, or to log into it from another process)."""
        if not isinstance(run_id, str) or not run_id.isalnum():
            raise ValueError(f"run_id must be a run id (hex string), got {run_id!r}")
        if not (self.root / run_id / META).is_file():
            raise ValueError(f"run_id {run_id!r} is not a run of this tracker")
        return Run(self.root / run_id)

    def runs(self, *, status: str | None = None) -> list[Run]:
        """All runs, oldest first (by start time, then name).

        Parameters
        ----------
        status : str, optional
            Keep only runs with this status (``"FINISHED"``, ``"FAILED"``, ...).
        """
        found = []
        for path in self.root.iterdir():
            if (path / META).is_file():
                run = Run(path)
                info = run.info
                if status is None or info["status"] == status:
                    found.append((info["start_time"], info["run_name"], run.run_id, run))
        return [run for *_, run in sorted(found, key=lambda t: t[:3])]

    def compare(self, *, metrics=None, params=None, agg: str = "last", tags: bool = False):
        """:func:`~mlcourse.tracking.compare` over all runs of this tracker."""
        from mlcourse.tracking._compare import compare

        return compare(self.runs(), metrics=metrics, params=params, agg=agg, tags=tags)

    def best_run(self, metric: str, mode: str = "max", *, agg: str = "last") -> Run:
        """:func:`~mlcourse.tracking.best_run` over the ``FINISHED`` runs of this tracker."""
        from mlcourse.tracking._compare import best_run

        return best_run(self.runs(status="FINISHED"), metric, mode, agg=agg)

    def to_mlflow(self, tracking_uri: str | Path, experiment_name: str = "mlcourse", *, runs=None) -> dict[str, str]:
        """Copy runs (default: all) into MLflow; see :func:`~mlcourse.tracking.to_mlflow`."""
        from mlcourse.tracking._mlflow import to_mlflow

        return to_mlflow(self.runs() if runs is None else runs, tracking_uri, experiment_name)
