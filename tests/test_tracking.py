"""mlcourse.tracking: round trips, bad input, concurrent writers, compare/best run, and parity with MLflow."""

from __future__ import annotations

import json
import logging
import math
import multiprocessing
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlcourse import tracking as mt
from mlcourse.fingerprint import data_hash, git_state
from mlcourse.tracking._files import append_records, read_records

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def tracker(tmp_path):
    return mt.Tracker(tmp_path / "runs", code_dir=None)


# ---------------------------------------------------------------- round trips


def test_run_records_params_metrics_tags_and_meta(tracker):
    with tracker.start_run("first", seed=7, tags={"team": "a"}) as run:
        run.log_params({"lr": 0.1, "hidden": 16, "optimizer": "adam", "layers": (8, 4), "decay": None, "bn": True})
        run.log_param("lr", 0.1)  # the same value again is fine
        for step, loss in enumerate([0.9, 0.5, 0.25]):
            run.log_metrics({"loss": loss, "accuracy": 1 - loss}, step=step)
        run.set_tag("team", "b")
        assert run.status == "RUNNING"
    assert run.status == "FINISHED"
    assert run.params == {"lr": 0.1, "hidden": 16, "optimizer": "adam", "layers": [8, 4], "decay": None, "bn": True}
    assert type(run.params["hidden"]) is int
    assert run.metrics == {"loss": 0.25, "accuracy": 0.75}
    assert [(m.step, m.value) for m in run.metric_history("loss")] == [(0, 0.9), (1, 0.5), (2, 0.25)]
    assert run.metric_history("never") == []
    assert run.tags == {"team": "b"}
    info = run.info
    assert info["run_name"] == "first" and info["seed"] == 7 == run.seed
    assert info["end_time"] >= info["start_time"]
    assert info["git"] == {"commit": None, "dirty": None}
    assert set(info["library_versions"]) >= {"numpy", "mlcourse"}
    assert tracker.get_run(run.run_id) == run
    assert len(run.run_id) == 32 and repr(run) == "Run(name='first', status='FINISHED')"


def test_numpy_values_are_stored_as_plain_json(tracker):
    with tracker.start_run() as run:
        run.log_params({"n": np.int64(3), "alpha": np.float32(0.5), "flag": np.bool_(True)})
        run.log_metric("m", np.float64(0.5), step=np.int64(2))
    assert run.params == {"n": 3, "alpha": 0.5, "flag": True}
    assert run.metric_history("m")[0][:3] == ("m", 0.5, 2)
    assert run.name == run.run_id[:8]  # the default name


def test_git_state_is_recorded_from_code_dir(tmp_path):
    run = mt.Tracker(tmp_path, code_dir=REPO).start_run()
    assert run.info["git"] == git_state(REPO)


@pytest.mark.parametrize(
    ("exc", "status"), [(RuntimeError("boom"), "FAILED"), (KeyboardInterrupt(), "KILLED")], ids=["error", "ctrl-c"]
)
def test_run_that_raises_ends_failed_and_reraises(tracker, exc, status):
    with pytest.raises(type(exc)), tracker.start_run("doomed") as run:
        run.log_metric("loss", 1.0)
        raise exc
    assert run.status == status
    assert run.metrics == {"loss": 1.0}  # what was logged before the crash is kept


def test_artifacts_files_text_and_dicts(tracker, tmp_path):
    source = tmp_path / "model.bin"
    source.write_bytes(bytes(range(256)))
    with tracker.start_run() as run:
        run.log_artifact(source)
        run.log_artifact(source, artifact_path="models/v1")
        run.log_text("héllo\n", "notes/readme.md")
        run.log_dict({"a": [1, 2]}, "config.json")
    assert list(run.artifacts) == ["config.json", "model.bin", "models/v1/model.bin", "notes/readme.md"]
    assert run.artifacts["models/v1/model.bin"].read_bytes() == bytes(range(256))
    assert run.artifacts["notes/readme.md"].read_text(encoding="utf-8") == "héllo\n"
    assert json.loads(run.artifacts["config.json"].read_text()) == {"a": [1, 2]}


def test_log_data_and_check_data(tracker):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    with tracker.start_run() as run:
        digest = run.log_data(X, y)
        run.log_data(X[:5], context="valid")
    assert digest == data_hash(X, y) == run.data_hashes["train"]
    assert run.tags["mlcourse.data_hash.valid"] == data_hash(X[:5])
    assert run.check_data(X.copy(), y.copy()) == digest
    X_changed = X.copy()
    X_changed[3, 1] += 1e-12
    with pytest.raises(mt.DataMismatchError, match="train data differ"):
        run.check_data(X_changed, y)
    with pytest.raises(ValueError, match="context 'test'"):
        run.check_data(X, y, context="test")


def test_runs_are_listed_oldest_first_and_filtered_by_status(tracker):
    for i in range(3):
        with tracker.start_run(f"run{i}"):
            pass
    tracker.start_run("open")
    assert [r.name for r in tracker.runs()] == ["run0", "run1", "run2", "open"]
    assert [r.name for r in tracker.runs(status="RUNNING")] == ["open"]
    (tracker.root / "half-created").mkdir()  # a folder without meta.json is not a run
    assert len(tracker.runs()) == 4
    assert len(mt.Tracker(tracker.root).runs()) == 4  # a second tracker on the same folder sees them


@given(
    history=st.lists(
        st.tuples(st.integers(0, 5), st.floats(allow_nan=True, allow_infinity=True, width=64)), min_size=1, max_size=15
    )
)
def test_metric_history_round_trips_and_latest_follows_mlflow(history):
    with tempfile.TemporaryDirectory() as root:
        run = mt.Tracker(root, code_dir=None).start_run()
        for i, (step, value) in enumerate(history):
            run.log_metric("m", value, step=step, timestamp=1000 + i)
        back = run.metric_history("m")
        assert [m.step for m in back] == [s for s, _ in history]
        np.testing.assert_array_equal([m.value for m in back], [v for _, v in history])
        # MLflow's file store: the latest value is the max of (step, timestamp, value).
        step, _, value = max((s, 1000 + i, v) for i, (s, v) in enumerate(history))
        np.testing.assert_array_equal(run.metrics["m"], value)
        finite = [v for _, v in history if not math.isnan(v)]
        np.testing.assert_array_equal(run.summary("m", "min"), min(finite) if finite else math.nan)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
NAMES = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.\- ]{0,15}", fullmatch=True).filter(lambda s: ".." not in s)


@given(params=st.dictionaries(NAMES, JSON, max_size=6), tags=st.dictionaries(NAMES, st.text(max_size=30), max_size=4))
def test_params_and_tags_round_trip(params, tags):
    with tempfile.TemporaryDirectory() as root:
        run = mt.Tracker(root, code_dir=None).start_run()
        run.log_params(params)
        run.set_tags(tags)
        run.log_params(params)  # logging the same values again changes nothing
        assert json.dumps(run.params, sort_keys=True) == json.dumps(params, sort_keys=True)
        assert run.tags == tags


# ---------------------------------------------------------------- bad input


def test_bad_names_and_values_are_refused(tracker):
    run = tracker.start_run()
    for bad in ["", "a:b", "../up", "/abs", "a//b", "x/", "é?", "a" * 251]:
        with pytest.raises(ValueError, match="metric name"):
            run.log_metric(bad, 1.0)
    with pytest.raises(TypeError, match="param name must be a str"):
        run.log_param(3, 1)
    with pytest.raises(TypeError, match="metric 'm' must be a real number"):
        run.log_metric("m", "0.5")
    with pytest.raises(TypeError, match="metric 'm' must be a real number"):
        run.log_metric("m", True)
    with pytest.raises(ValueError, match="step must be a non-negative integer"):
        run.log_metric("m", 1.0, step=-1)
    with pytest.raises(ValueError, match="step must be a non-negative integer"):
        run.log_metric("m", 1.0, step=1.5)
    with pytest.raises(TypeError, match="param 'model' must be None, a bool"):
        run.log_param("model", object())
    with pytest.raises(TypeError, match="params must be a dict"):
        run.log_params([("a", 1)])
    with pytest.raises(ValueError, match="tag name"):
        run.set_tag("bad:tag", 1)
    with pytest.raises(ValueError, match="status must be one of"):
        run.end("DONE")
    with pytest.raises(TypeError, match="text must be a str"):
        run.log_text(b"bytes", "a.txt")
    for bad in ["../escape.txt", "/etc/x", "", "."]:
        with pytest.raises(ValueError, match="artifact_file must be a relative path"):
            run.log_text("x", bad)
    with pytest.raises(ValueError, match="artifact_file must be a relative path"):
        run.log_artifact(__file__, artifact_path="../..")
    with pytest.raises(ValueError, match="local_path must be an existing file"):
        run.log_artifact(tracker.root / "missing.txt")
    assert run.metrics == {} and run.params == {} and run.tags == {}


def test_params_are_immutable(tracker):
    run = tracker.start_run()
    run.log_params({"lr": 0.1, "n": 1})
    with pytest.raises(ValueError, match=r"param 'lr' was already logged as 0\.1"):
        run.log_param("lr", 0.2)
    with pytest.raises(ValueError, match="param 'n' was already logged as 1"):
        run.log_params({"other": 5, "n": 1.0})  # 1.0 is not the int 1 in a log
    assert run.params == {"lr": 0.1, "n": 1}  # the refused batch wrote nothing


def test_tracker_and_lookup_errors(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="root must be a folder"):
        mt.Tracker(tmp_path / "file")
    with pytest.raises(TypeError, match="root must be a str or Path"):
        mt.Tracker(3)
    tracker = mt.Tracker(tmp_path / "runs", code_dir=None)
    with pytest.raises(ValueError, match="is not a run of this tracker"):
        tracker.get_run("0" * 32)
    with pytest.raises(ValueError, match="run_id must be a run id"):
        tracker.get_run("../x")
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        tracker.start_run(seed=-1)
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        tracker.start_run(seed=1.5)
    with pytest.raises(TypeError, match="name must be a str"):
        tracker.start_run(name=3)
    with pytest.raises(ValueError, match="path must be a run folder"):
        mt.Run(tmp_path)


def test_log_reader_skips_an_unfinished_last_line_and_refuses_a_damaged_one(tmp_path, monkeypatch):
    path = tmp_path / "log.jsonl"
    append_records(path, [{"a": 1}])
    append_records(path, [{"a": 2}, {"a": 3}])  # a batch is one line: a JSON list of its records
    assert path.read_text() == '{"a":1}\n[{"a":2},{"a":3}]\n'
    append_records(path, [])
    with open(path, "a") as fh:
        fh.write('[{"a":4},{"a"')  # a write still in flight, or cut by a crash
    assert read_records(path) == [{"a": 1}, {"a": 2}, {"a": 3}]
    append_records(path, [{"a": 5}])  # the next writer drops the fragment instead of merging with it
    assert path.read_text() == '{"a":1}\n[{"a":2},{"a":3}]\n{"a":5}\n'
    # A read overlapping that repair can see the fragment's start and the new line's end: read again.
    reads = iter([b'{"a":1}\n[{"a":2},{"a":3}]\n[{"a":4},{"a"5}\n', path.read_bytes()])
    with monkeypatch.context() as patch:
        patch.setattr(Path, "read_bytes", lambda self: next(reads))
        assert read_records(path) == [{"a": 1}, {"a": 2}, {"a": 3}, {"a": 5}]
    path.write_text('{"a":1}\n{"a"\n{"a":3}\n')  # damage stays damage
    with pytest.raises(ValueError, match="line 2 is not valid JSON"):
        read_records(path)
    assert read_records(tmp_path / "missing.jsonl") == []


def test_no_temporary_files_are_left_behind(tracker, tmp_path):
    source = tmp_path / "a.txt"
    source.write_text("a")
    with tracker.start_run() as run:
        run.log_artifact(source)
        run.log_text("b", "b.txt")
    leftovers = [p.name for p in run.path.rglob("*") if p.name.startswith(".")]
    assert leftovers == []  # not even the temp folder, once no write is under way


def test_a_failed_artifact_copy_leaves_no_temporary_file(tracker, tmp_path, monkeypatch):
    source = tmp_path / "a.txt"
    source.write_text("a")
    run = tracker.start_run()

    def full_disk(src, dst, length=0):
        dst.write(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("shutil.copyfileobj", full_disk)
    with pytest.raises(OSError, match="No space left"):
        run.log_artifact(source)
    assert run.artifacts == {} and not (run.path / ".tmp").exists()


# ---------------------------------------------------------------- several processes at once

N_PROCESSES, N_WRITES = 4, 200
BIG = 200_000  # characters of the artifact every worker keeps overwriting


def _worker(root: str, shared_id: str, worker: int, barrier) -> None:
    tracker = mt.Tracker(root, code_dir=None)
    shared = tracker.get_run(shared_id)
    barrier.wait()  # start together, so the writes really overlap
    with tracker.start_run(f"worker{worker}", seed=worker) as own:
        for i in range(N_WRITES):
            shared.log_metric("value", worker * N_WRITES + i, step=i)
            shared.log_metrics({f"w{worker}": i, "both": -i}, step=i)
            own.log_metric("value", i, step=i)
            if i % 10 == 0:
                shared.log_params({f"p{worker}_{i}": i})
                shared.set_tag(f"t{worker}", i)
                shared.log_text(chr(ord("a") + worker) * BIG, "shared.txt")


def test_concurrent_processes_lose_no_write(tmp_path):
    root = tmp_path / "runs"
    tracker = mt.Tracker(root, code_dir=None)
    shared = tracker.start_run("shared")
    # fork where the OS has it (a worker starts in milliseconds); spawn elsewhere. Each worker is a
    # separate process with its own file descriptors: only the file system keeps them in order.
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    barrier = ctx.Barrier(N_PROCESSES + 1)
    workers = [ctx.Process(target=_worker, args=(str(root), shared.run_id, w, barrier)) for w in range(N_PROCESSES)]
    for process in workers:
        process.start()
    barrier.wait(timeout=60)
    reads = 0
    while any(p.is_alive() for p in workers):  # read while they write: whole lines, whole artifacts
        for record in read_records(shared.path / "metrics.jsonl"):
            assert set(record) == {"key", "value", "step", "timestamp"}
        if "shared.txt" in shared.artifacts:
            text = shared.artifacts["shared.txt"].read_text()
            assert len(text) == BIG and len(set(text)) == 1
        reads += 1
        time.sleep(0.005)
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0
    shared.end()

    values = sorted(m.value for m in shared.metric_history("value"))
    assert values == list(range(N_PROCESSES * N_WRITES)), "a metric value was lost or duplicated"
    for w in range(N_PROCESSES):
        assert [(m.step, m.value) for m in shared.metric_history(f"w{w}")] == [(i, i) for i in range(N_WRITES)]
        assert shared.tags[f"t{w}"] == str(N_WRITES - 10)
    assert len(shared.metric_history("both")) == N_PROCESSES * N_WRITES
    assert shared.params == {f"p{w}_{i}": i for w in range(N_PROCESSES) for i in range(0, N_WRITES, 10)}
    text = shared.artifacts["shared.txt"].read_text()
    assert len(text) == BIG and len(set(text)) == 1
    own_runs = [r for r in tracker.runs() if r.name.startswith("worker")]
    assert sorted(r.name for r in own_runs) == [f"worker{w}" for w in range(N_PROCESSES)]
    assert len({r.run_id for r in own_runs}) == N_PROCESSES
    for run in own_runs:
        assert run.status == "FINISHED"
        assert [m.value for m in run.metric_history("value")] == list(range(N_WRITES))
    assert reads > 0


# ---------------------------------------------------------------- compare, best run, plots


def fake_sweep(tracker):
    """Three finished runs with known metrics, one failed, one that never logged the metric."""
    curves = {"a": [0.9, 0.4, 0.5], "b": [0.8, 0.3, 0.2], "c": [0.7, 0.6, 0.6]}
    for (name, curve), lr in zip(curves.items(), [0.1, 0.01, 0.001], strict=True):
        with tracker.start_run(name, seed=0) as run:
            run.log_params({"lr": lr, "size": "s" if name != "c" else "l"})
            for step, v in enumerate(curve):
                run.log_metric("valid_loss", v, step=step)
            run.set_tag("kind", "sweep")
    with pytest.raises(FloatingPointError), tracker.start_run("diverged") as run:
        run.log_param("lr", 10.0)
        run.log_metric("valid_loss", 0.01)  # the lowest of all, but the run failed
        raise FloatingPointError("loss is NaN")
    with tracker.start_run("no-metric") as run:
        run.log_param("lr", 1.0)


def test_compare_table(tracker):
    fake_sweep(tracker)
    table = tracker.compare()
    assert table["run_name"].tolist() == ["a", "b", "c", "diverged", "no-metric"]
    assert table.columns.tolist() == [
        *["run_id", "run_name", "status", "seed", "start_time", "end_time"],
        *["params.lr", "params.size", "metrics.valid_loss"],
    ]
    assert table["params.lr"].dtype == float and table["status"].tolist()[3] == "FAILED"
    np.testing.assert_array_equal(table["metrics.valid_loss"], [0.5, 0.2, 0.6, 0.01, np.nan])
    np.testing.assert_array_equal(tracker.compare(agg="min")["metrics.valid_loss"], [0.4, 0.2, 0.6, 0.01, np.nan])
    np.testing.assert_array_equal(tracker.compare(agg="max")["metrics.valid_loss"], [0.9, 0.8, 0.7, 0.01, np.nan])
    assert isinstance(table["start_time"].dtype, pd.DatetimeTZDtype) and str(table["start_time"].dt.tz) == "UTC"
    narrow = mt.compare(tracker.runs()[:2], params=["size"], metrics=[], tags=True)
    assert narrow.columns.tolist()[6:] == ["params.size", "tags.kind"]
    with pytest.raises(ValueError, match="agg must be one of"):
        tracker.compare(agg="mean")
    with pytest.raises(TypeError, match="metrics must be a list of names"):
        tracker.compare(metrics="valid_loss")
    with pytest.raises(TypeError, match="runs must be Run objects"):
        mt.compare(["a"])


def test_best_run(tracker):
    fake_sweep(tracker)
    assert tracker.best_run("valid_loss", "min").name == "b"  # the failed run is not a candidate
    assert mt.best_run(tracker.runs(), "valid_loss", "min").name == "diverged"
    assert tracker.best_run("valid_loss", "max").name == "c"
    assert tracker.best_run("valid_loss", "max", agg="max").name == "a"
    with tracker.start_run("tie") as run:
        run.log_metric("valid_loss", 0.2)
    assert tracker.best_run("valid_loss", "min").name == "b"  # a tie goes to the earlier run
    with pytest.raises(ValueError, match="metric 'accuracy' was not logged by any of the"):
        tracker.best_run("accuracy")
    with pytest.raises(ValueError, match="mode must be 'max' or 'min'"):
        tracker.best_run("valid_loss", "lowest")
    with pytest.raises(ValueError, match="agg must be"):
        tracker.runs()[0].summary("valid_loss", "median")


def test_compare_and_best_run_read_each_log_once(tracker, monkeypatch):
    """Linear in the size of the logs: one read of each file per run, however many metrics it has."""
    for name in ("wide", "other"):
        with tracker.start_run(name) as run:
            run.log_params({"lr": 0.1})
            run.log_metrics({f"m{i}": float(i) for i in range(300)}, step=0)
            for step in range(1, 4):
                run.log_metrics({f"m{i}": float(i + step) for i in range(0, 300, 7)}, step=step)
    reads = Counter()

    def counting_read(path):
        reads[path.name] += 1
        return read_records(path)

    monkeypatch.setattr("mlcourse.tracking._run.read_records", counting_read)
    table = tracker.compare(agg="max", tags=True)
    assert reads == {"metrics.jsonl": 2, "params.jsonl": 2, "tags.jsonl": 2}
    assert table.shape == (2, 6 + 1 + 300) and table["metrics.m7"].tolist() == [10.0, 10.0]
    assert table["metrics.m8"].tolist() == [8.0, 8.0] and (table.dtypes.iloc[7:] == "float64").all()
    reads.clear()
    assert tracker.best_run("m7", agg="min").name == "wide"
    assert reads == {"metrics.jsonl": 2}
    assert run.summaries("last") == {f"m{i}": i + 3.0 if i % 7 == 0 else float(i) for i in range(300)}
    with pytest.raises(ValueError, match="agg must be"):
        run.summaries("mean")


def test_nan_metric_is_never_best(tracker):
    for name, value in [("nan", math.nan), ("ok", 0.5)]:
        with tracker.start_run(name) as run:
            run.log_metric("loss", value)
    assert tracker.best_run("loss", "min").name == "ok"
    assert tracker.best_run("loss", "max").name == "ok"


def test_plots(tracker):
    fake_sweep(tracker)
    runs = tracker.runs(status="FINISHED")
    ax = mt.plot_metric(runs, "valid_loss")
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b", "c"]
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), [0.8, 0.3, 0.2])
    ax = mt.plot_compare(runs, "valid_loss", x="lr", hue="size", agg="min", log_x=True)
    assert [line.get_label() for line in ax.get_lines()] == ["size=l", "size=s"]
    np.testing.assert_array_equal(ax.get_lines()[1].get_xdata(), [0.01, 0.1])
    assert ax.get_xscale() == "log" and ax.get_ylabel() == "valid_loss (min)"
    _, ax = plt.subplots()
    mt.plot_compare(runs, "valid_loss", ax=ax)
    assert len(ax.patches) == 4  # "no-metric" gets an empty (NaN) bar, but keeps its label
    with pytest.raises(ValueError, match="no run logged this metric"):
        mt.plot_metric(runs, "accuracy")
    with pytest.raises(ValueError, match="param 'depth' was not logged"):
        mt.plot_compare(runs, "valid_loss", x="depth")
    with pytest.raises(ValueError, match="hue needs x"):
        mt.plot_compare(runs, "valid_loss", hue="size")
    plt.close("all")


# ---------------------------------------------------------------- the MLflow twin


@pytest.fixture
def mlflow_uri(tmp_path, monkeypatch):
    """A fresh MLflow file store under tmp_path, set as MLflow's tracking URI for the test."""
    import mlflow  # a declared dependency (mlflow-skinny): missing is an error, not a skip

    # MLflow 3 opens a local file store only with this opt-in; mlflow-skinny has no database backend.
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    logger = logging.getLogger("mlflow")
    level = logger.level
    logger.setLevel(logging.WARNING)  # "Experiment ... does not exist. Creating" is INFO noise
    previous = mlflow.get_tracking_uri()
    uri = (tmp_path / "mlruns").resolve().as_uri()
    mlflow.set_tracking_uri(uri)
    yield uri
    mlflow.set_tracking_uri(previous)
    logger.setLevel(level)


SWEEP = [{"lr": lr, "momentum": m, "optimizer": "momentum"} for lr in (0.05, 0.2) for m in (0.0, 0.9)]


def descend(lr: float, momentum: float, n_epochs: int = 12):
    """Gradient descent with momentum on an ill-conditioned quadratic: a real, deterministic training curve."""
    curvature = np.array([1.0, 10.0])
    w, v = np.array([1.0, 1.0]), np.zeros(2)
    for _ in range(n_epochs):
        v = momentum * v - lr * curvature * w
        w = w + v
        yield float(0.5 * np.sum(curvature * w**2)), float(np.abs(w).max())


def log_sweep_ours(tracker):
    for params in SWEEP:
        with tracker.start_run(f"lr={params['lr']} m={params['momentum']}", seed=0, tags={"sweep": "quadratic"}) as run:
            run.log_params(params)
            for step, (loss, w_max) in enumerate(descend(params["lr"], params["momentum"])):
                run.log_metrics({"loss": loss, "w_max": w_max}, step=step)
            run.log_text(f"notes for {run.name}\n", "notes/readme.txt")


def log_sweep_mlflow(experiment: str):
    import mlflow

    mlflow.set_experiment(experiment)
    for params in SWEEP:
        with mlflow.start_run(run_name=f"lr={params['lr']} m={params['momentum']}", tags={"sweep": "quadratic"}):
            mlflow.log_params(params)
            for step, (loss, w_max) in enumerate(descend(params["lr"], params["momentum"])):
                mlflow.log_metrics({"loss": loss, "w_max": w_max}, step=step)
            mlflow.log_text(f"notes for lr={params['lr']} m={params['momentum']}\n", "notes/readme.txt")


def mlflow_table(experiment: str) -> pd.DataFrame:
    import mlflow

    table = mlflow.search_runs(experiment_names=[experiment], order_by=["tags.mlflow.runName"])
    return table.set_index("tags.mlflow.runName").sort_index()


def test_same_sweep_in_ours_and_in_mlflow_agrees(tracker, mlflow_uri):
    from mlflow import MlflowClient

    log_sweep_ours(tracker)
    log_sweep_mlflow("twin")
    theirs = mlflow_table("twin")
    ours = tracker.compare(tags=True).set_index("run_name").sort_index()
    assert ours.index.tolist() == theirs.index.tolist()
    assert (theirs["status"] == ours["status"]).all()
    for key in SWEEP[0]:
        # MLflow stores every param as str(value); ours keep the value and its type.
        assert theirs[f"params.{key}"].tolist() == [str(v) for v in ours[f"params.{key}"]]
    for key in ("loss", "w_max"):
        np.testing.assert_array_equal(theirs[f"metrics.{key}"], ours[f"metrics.{key}"])
    assert (theirs["tags.sweep"] == ours["tags.sweep"]).all()

    client = MlflowClient(mlflow_uri)
    for run in tracker.runs():
        mlflow_id = theirs.loc[run.name, "run_id"]
        for key in ("loss", "w_max"):
            assert [(m.step, m.value) for m in client.get_metric_history(mlflow_id, key)] == [
                (m.step, m.value) for m in run.metric_history(key)
            ]
    best_ours = tracker.best_run("loss", "min").name
    assert best_ours == theirs["metrics.loss"].idxmin() == "lr=0.05 m=0.0"


def test_to_mlflow_recreates_runs(tracker, mlflow_uri, tmp_path):
    from mlflow import MlflowClient

    log_sweep_ours(tracker)
    X = np.arange(12.0).reshape(6, 2)
    with pytest.raises(ZeroDivisionError), tracker.start_run("crashed", seed=3) as run:
        run.log_data(X, X[:, 0])
        run.log_metric("loss", 5.0)
        1 / 0  # noqa: B018 - the crash is the point
    log_sweep_mlflow("direct")
    ids = tracker.to_mlflow(mlflow_uri, "copied")
    assert set(ids) == {r.run_id for r in tracker.runs()} and len(set(ids.values())) == len(ids)

    direct, copied = mlflow_table("direct"), mlflow_table("copied")
    assert copied.loc["crashed", "status"] == "FAILED"
    copied = copied.drop(index="crashed")
    assert copied.index.tolist() == direct.index.tolist()
    same = ["status", "tags.sweep", "metrics.loss", "metrics.w_max", *(f"params.{k}" for k in SWEEP[0])]
    pd.testing.assert_frame_equal(copied[same], direct[same])

    client = MlflowClient(mlflow_uri)
    for run in tracker.runs():
        copy = client.get_run(ids[run.run_id])
        info = run.info
        assert copy.info.run_name == run.name
        assert (copy.info.start_time, copy.info.end_time) == (info["start_time"], info["end_time"])
        assert copy.data.tags["mlcourse.run_id"] == run.run_id
        assert copy.data.tags["mlcourse.seed"] == str(run.seed)
        assert json.loads(copy.data.tags["mlcourse.library_versions"]) == info["library_versions"]
        for key in run.metrics:
            assert [(m.step, m.value, m.timestamp) for m in client.get_metric_history(copy.info.run_id, key)] == [
                (m.step, m.value, m.timestamp) for m in run.metric_history(key)
            ]
        assert {k: v for k, v in copy.data.tags.items() if k in run.tags} == run.tags
        for name, path in run.artifacts.items():
            local = client.download_artifacts(copy.info.run_id, name, str(tmp_path / "download" / run.run_id))
            assert Path(local).read_bytes() == path.read_bytes()
    crashed = next(r for r in tracker.runs() if r.name == "crashed")
    assert client.get_run(ids[crashed.run_id]).data.tags["mlcourse.data_hash.train"] == data_hash(X, X[:, 0])

    # Exporting again finds the copies by their mlcourse.run_id tag instead of duplicating them.
    assert tracker.to_mlflow(mlflow_uri, "copied") == ids
    assert len(mlflow_table("copied")) == len(ids)


def test_to_mlflow_records_git_state(tmp_path, mlflow_uri):
    from mlflow import MlflowClient

    tracker = mt.Tracker(tmp_path / "runs", code_dir=REPO)
    with tracker.start_run() as run:
        run.log_metric("m", 1.0)
    git = run.info["git"]
    if git["commit"] is None:
        pytest.skip("not inside a git work tree")
    (mlflow_id,) = tracker.to_mlflow(Path(tmp_path / "mlruns"), "git").values()
    tags = MlflowClient(mlflow_uri).get_run(mlflow_id).data.tags
    assert tags["mlflow.source.git.commit"] == git["commit"]
    assert tags["mlcourse.git.dirty"] == str(git["dirty"])


def test_tracking_uri_for():
    assert mt.tracking_uri_for("file:///tmp/x") == "file:///tmp/x"
    assert mt.tracking_uri_for("http://localhost:5000") == "http://localhost:5000"
    assert mt.tracking_uri_for("relative/dir").startswith("file:///")
    assert mt.tracking_uri_for(Path("/tmp/y")) == Path("/tmp/y").resolve().as_uri()
    with pytest.raises(TypeError, match="tracking_uri must be a str or Path"):
        mt.tracking_uri_for(3)


# ---------------------------------------------------------------- package hygiene


def test_import_stays_light():
    """MLflow (about 2 s to import), pandas and matplotlib load only when a function needs them."""
    code = (
        "import sys, mlcourse.tracking; "
        "print(sorted(m for m in ('mlflow', 'pandas', 'matplotlib', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_every_public_function_documents_parameters_or_examples():
    for name in mt.__all__:
        obj = getattr(mt, name)
        if callable(obj) and obj.__doc__ and name not in ("Metric", "DataMismatchError", "tracking_uri_for"):
            assert "Parameters" in obj.__doc__ or "Examples" in obj.__doc__, f"{name} lacks Parameters"
