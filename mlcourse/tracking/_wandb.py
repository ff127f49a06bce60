"""Copy tracked runs into Weights & Biases in offline mode, and read an offline W&B run back.

W&B (0.31) offers no Python API to read an offline run: its reader lives in the Go core behind
``wandb sync`` and ``wandb leet``. :func:`read_wandb` therefore reads the file itself, using only
what W&B publishes: a ``.wandb`` file is a 7-byte header (``:W&B``, the magic 0xBEE1, version 0)
followed by LevelDB's log format -- 32 KiB blocks of records, each a 7-byte header (CRC-32 of the
type byte and the data, the data's length, its type: full, or first, middle and last fragment) and
the data -- and each record's data is a ``Record`` of wandb's own protocol buffers
(``wandb.proto.wandb_internal_pb2``). wandb is imported here only, so ``import mlcourse.tracking``
stays light.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlcourse.tracking._compare import _as_runs

_HEADER = b":W&B" + struct.pack("<HB", 0xBEE1, 0)
_BLOCK = 32 * 1024
_RECORD_HEADER = struct.Struct("<IHB")  # checksum, length, type
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4
#: Keys W&B adds to every history row and summary; not the user's metrics.
_INTERNAL = ("_step", "_runtime", "_timestamp", "_wandb")

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class WandbRun:
    """What an offline W&B run recorded: its id and name, config, metric history and summary.

    Parameters
    ----------
    run_id : str
        W&B's id of the run (the ``<id>`` of ``run-<id>.wandb``).
    name : str
        The run's display name.
    config : dict
        The config (the run's hyper-parameters), JSON types kept, without W&B's own ``_wandb`` key.
    history : pandas.DataFrame or None
        One row per logged step: a ``_step`` column and one column per metric (NaN where a step did
        not log that metric).
    summary : dict
        W&B's summary (by default the last value of each metric, plus what was set on
        ``run.summary``), without W&B's own ``_``-keys.
    """

    run_id: str
    name: str
    config: dict[str, Any] = field(default_factory=dict)
    history: pd.DataFrame | None = None
    summary: dict[str, Any] = field(default_factory=dict)


def _records(data: bytes, path: Path) -> Iterator[bytes]:
    """The payloads of a ``.wandb`` file, fragments joined, every checksum verified."""
    if not data.startswith(_HEADER):
        raise ValueError(f"{path} is not a W&B run file (it does not start with W&B's header)")
    pos, pending = len(_HEADER), b""
    while True:
        if _BLOCK - pos % _BLOCK < _RECORD_HEADER.size:  # a block's tail too short for a header: padding
            pos += _BLOCK - pos % _BLOCK
        if pos + _RECORD_HEADER.size > len(data):
            return
        checksum, length, kind = _RECORD_HEADER.unpack_from(data, pos)
        if kind == 0 and length == 0:  # zero padding at the end of a file still being written
            return
        body = data[pos + _RECORD_HEADER.size : pos + _RECORD_HEADER.size + length]
        if len(body) < length or zlib.crc32(bytes([kind]) + body) != checksum:
            raise ValueError(f"{path}: corrupt or truncated record at byte {pos}")
        pos += _RECORD_HEADER.size + length
        if kind == _FULL:
            yield body
        elif kind == _FIRST:
            pending = body
        elif kind == _MIDDLE:
            pending += body
        elif kind == _LAST:
            yield pending + body
        else:
            raise ValueError(f"{path}: unknown record type {kind} at byte {pos}")


def _key(item) -> str:
    return item.key or "/".join(item.nested_key)


def read_wandb(path: str | Path) -> WandbRun:
    """Read an offline W&B run: the run folder (``wandb/offline-run-...``) or its ``.wandb`` file.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    run : WandbRun

    Raises
    ------
    FileNotFoundError
        If there is no ``.wandb`` file there.
    ValueError
        If the file is not a W&B run file, or a record is corrupt.

    Examples
    --------
    >>> import tempfile
    >>> from mlcourse.tracking import Tracker, read_wandb, to_wandb
    >>> tmp = tempfile.TemporaryDirectory()
    >>> with Tracker(tmp.name + "/runs", code_dir=None).start_run("demo") as run:
    ...     run.log_params({"lr": 0.1})
    ...     for step, loss in enumerate([0.9, 0.5, 0.4]):
    ...         run.log_metric("loss", loss, step=step)
    >>> folders = to_wandb([run], tmp.name + "/wandb")
    >>> copy = read_wandb(folders[run.run_id])
    >>> copy.config, copy.history["loss"].tolist(), copy.summary["loss"]
    ({'lr': 0.1}, [0.9, 0.5, 0.4], 0.4)
    >>> tmp.cleanup()
    """
    import pandas as pd
    from wandb.proto import wandb_internal_pb2

    path = Path(path)
    files = sorted(path.glob("run-*.wandb")) if path.is_dir() else [path]
    if not files or not files[0].is_file():
        raise FileNotFoundError(f"no W&B run file (run-*.wandb) at {path}")
    run = WandbRun(run_id="", name="")
    rows = []
    for payload in _records(files[0].read_bytes(), files[0]):
        record = wandb_internal_pb2.Record()
        record.ParseFromString(payload)
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run.run_id, run.name = record.run.run_id, record.run.display_name
            run.config.update({_key(i): json.loads(i.value_json) for i in record.run.config.update})
        elif kind == "config":
            run.config.update({_key(i): json.loads(i.value_json) for i in record.config.update})
        elif kind == "history":
            rows.append({_key(i): json.loads(i.value_json) for i in record.history.item})
        elif kind == "summary":
            run.summary.update({_key(i): json.loads(i.value_json) for i in record.summary.update})
    # W&B keeps its own bookkeeping in the config and summary too.
    run.config = {k: v for k, v in run.config.items() if not k.startswith(_INTERNAL)}
    run.summary = {k: v for k, v in run.summary.items() if not k.startswith(_INTERNAL)}
    history = pd.DataFrame(rows)
    if not history.empty:
        history = history.drop(columns=[c for c in history.columns if c.startswith(_INTERNAL) and c != "_step"])
        history = history[["_step", *sorted(c for c in history.columns if c != "_step")]]
    run.history = history
    return run


def to_wandb(runs: Iterable, directory: str | Path, project: str = "mlcourse") -> dict[str, Path]:
    """Log runs again to Weights & Biases, offline: no account, no network, files under ``directory``.

    Each run becomes one W&B run with its params as the config and its metric histories logged step
    by step (the values of one step in one ``wandb.log`` call, as W&B wants); W&B's summary then
    holds the last value of each metric, as :attr:`Run.metrics` does.

    Parameters
    ----------
    runs : iterable of Run
    directory : str or Path
        Where W&B writes (``directory/wandb/offline-run-.../``); created if needed.
    project : str, default="mlcourse"

    Returns
    -------
    folders : dict
        ``{our run id: the offline run's folder}``, for :func:`read_wandb` (or ``wandb sync``).
    """
    import wandb

    runs = _as_runs(runs)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    settings = wandb.Settings(
        mode="offline",
        silent=True,
        console="off",
        disable_git=True,
        save_code=False,
        x_disable_stats=True,
        x_disable_meta=True,
        x_disable_machine_info=True,
    )
    folders = {}
    try:
        _log_each(wandb, runs, directory, project, settings, folders)
    finally:
        # wandb's finish() returns before its core process has written the run file; teardown() waits
        # for it (without it, reading right away found empty or truncated runs here).
        wandb.teardown()
    return folders


def _log_each(wandb, runs, directory: Path, project: str, settings, folders: dict) -> None:
    for run in runs:
        steps: dict[int, dict[str, float]] = defaultdict(dict)
        for history in run._histories().values():
            for metric in history:
                steps[metric.step][metric.key] = metric.value
        wb = wandb.init(project=project, name=run.name, dir=str(directory), config=dict(run.params), settings=settings)
        try:
            for step in sorted(steps):
                wb.log(steps[step], step=step, commit=True)
        finally:
            wb.finish(exit_code=0 if run.status == "FINISHED" else 1)
        folders[run.run_id] = Path(wb.settings.sync_dir)
