"""Weights & Biases beside MLflow: one run logged to our tracker, MLflow and W&B (offline) reads back the same.

W&B runs offline (no account, no network). Its offline files are read back with
:func:`mlcourse.tracking.read_wandb`, since wandb has no Python reader of its own for them.
"""

from __future__ import annotations

import math

import pytest

from mlcourse.tracking import Tracker, read_wandb, to_mlflow, to_wandb


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    root = tmp_path_factory.mktemp("three-trackers")
    tracker = Tracker(root / "runs", code_dir=None)
    with tracker.start_run("mlp", seed=0) as run:
        run.log_params({"lr": 0.01, "hidden": [64, 32], "optimizer": "adam", "note": "x" * 70_000})
        for step in range(40):
            run.log_metric("train_loss", 1 / (step + 1), step=step)
            if step % 5 == 4:  # a metric logged at some steps only
                run.log_metric("valid_auc", 0.5 + step / 100, step=step)
    folder = to_wandb([run], root / "wandb")[run.run_id]
    return root, run, folder


def test_wandb_reads_back_the_config_history_and_summary(logged):
    _, run, folder = logged
    copy = read_wandb(folder)
    assert copy.name == "mlp" and copy.run_id
    assert copy.config == run.params  # the 70 kB param spans three 32 KiB blocks of the file
    for key in ("train_loss", "valid_auc"):
        ours = [(m.step, m.value) for m in run.metric_history(key)]
        logged_rows = copy.history.dropna(subset=[key])
        assert list(zip(logged_rows["_step"], logged_rows[key], strict=True)) == ours
    assert copy.summary == run.metrics


def test_ours_mlflow_and_wandb_agree(logged, monkeypatch):
    root, run, folder = logged
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    from mlflow import MlflowClient

    uri = (root / "mlruns").resolve().as_uri()
    mlflow_id = to_mlflow([run], uri)[run.run_id]
    client = MlflowClient(tracking_uri=uri)
    copy = read_wandb(folder)
    for key, value in run.metrics.items():
        mlflow_history = [(m.step, m.value) for m in client.get_metric_history(mlflow_id, key)]
        wandb_rows = copy.history.dropna(subset=[key])
        assert mlflow_history == list(zip(wandb_rows["_step"], wandb_rows[key], strict=True))
        assert client.get_run(mlflow_id).data.metrics[key] == value == copy.summary[key]


def test_a_failed_run_is_still_copied_and_read(tmp_path):
    tracker = Tracker(tmp_path / "runs", code_dir=None)
    with pytest.raises(RuntimeError), tracker.start_run("crashes") as run:
        run.log_metric("loss", 2.0, step=0)
        raise RuntimeError("out of memory")
    copy = read_wandb(to_wandb([run], tmp_path / "wandb")[run.run_id])
    assert copy.summary == {"loss": 2.0} and math.isclose(copy.history["loss"].iloc[0], 2.0)


def test_a_file_that_is_not_a_wandb_run_is_refused(tmp_path):
    fake = tmp_path / "run-x.wandb"
    fake.write_bytes(b"not a wandb file at all")
    with pytest.raises(ValueError, match="not a W&B run file"):
        read_wandb(fake)
    with pytest.raises(FileNotFoundError, match="no W&B run file"):
        read_wandb(tmp_path / "empty-folder")


def test_a_corrupt_record_is_refused_not_misread(logged, tmp_path):
    _, _, folder = logged
    (original,) = folder.glob("run-*.wandb")
    data = bytearray(original.read_bytes())
    data[200] ^= 0xFF  # one flipped byte inside a record
    broken = tmp_path / original.name
    broken.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="corrupt or truncated record"):
        read_wandb(broken)
    broken.write_bytes(original.read_bytes()[:-10])  # a run cut short mid-record
    with pytest.raises(ValueError, match="corrupt or truncated record"):
        read_wandb(broken)
