"""mlcourse.tracking under kill -9: torn metric batches, killed artifact copies, and racing param writers.

Every writer here is a separate process that dies by SIGKILL. Some kill themselves at a chosen byte
of a ``write()`` (what the kernel does when SIGKILL lands mid-write: the part of the buffer copied so
far stays in the file, then the process dies), so each run of a test covers a torn line; others are
killed from outside at a random moment. Whatever the moment, the run must read, compare and append
as before, show no part of a batch, and keep no temporary file of a dead writer.
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from mlcourse import tracking as mt
from mlcourse.tracking._files import read_records

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL") or sys.platform == "win32", reason="POSIX only")

REPO = Path(__file__).resolve().parent.parent
N_KEYS = 5_000  # one batch of this many metrics is a line of about 350 kB

# Logs the same big batch at steps first_step, first_step + 1, ... until killed. With a cut, its
# first write stops after `cut` bytes (counted from the end if negative) and the process kills itself.
METRIC_WRITER = r"""
import os, signal, sys
from mlcourse import tracking as mt

root, run_id, n_keys, first_step, cut = sys.argv[1:]
run = mt.Tracker(root, code_dir=None).get_run(run_id)
batch = {f"big{i}": float(i) for i in range(int(n_keys))}
if cut != "none":
    write = os.write

    def torn_write(fd, data):
        write(fd, data[: int(cut)])
        os.kill(os.getpid(), signal.SIGKILL)

    os.write = torn_write
print("ready", flush=True)
step = int(first_step)
while True:
    run.log_metrics(batch, step=step)
    step += 1
"""

# Appends small two-metric batches, one step after another, until the file `stop` appears.
APPENDER = r"""
import sys, time
from pathlib import Path
from mlcourse import tracking as mt

root, run_id, worker = sys.argv[1:]
run = mt.Tracker(root, code_dir=None).get_run(run_id)
print("ready", flush=True)
step = 0
while not (Path(root) / "stop").exists():
    run.log_metrics({f"{worker}.a": step, f"{worker}.b": -step}, step=step)
    step += 1
    time.sleep(0.001)
print(step, flush=True)
"""

# Copies `source` into the run's artifacts again and again until killed. With "pause" it stops for
# good once a copy is written but not yet renamed into place (the fsync before the rename).
ARTIFACT_WRITER = r"""
import os, sys, time
from mlcourse import tracking as mt

root, run_id, source, mode = sys.argv[1:]
run = mt.Tracker(root, code_dir=None).get_run(run_id)
if mode == "pause":
    def stuck_fsync(fd):
        print("copied", flush=True)
        time.sleep(60)

    os.fsync = stuck_fsync
print("ready", flush=True)
while True:
    run.log_artifact(source, artifact_path="model")
"""


def read_line(proc: subprocess.Popen, timeout: float = 30) -> str:
    """The next line the process prints; the test fails (queue.Empty), rather than hangs, if none comes."""
    # Not select() on the pipe: the line may already sit in the reader's buffer, with nothing left in the pipe.
    lines = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    return lines.get(timeout=timeout)


@pytest.fixture
def start():
    """``start(script, *args)``: run ``script`` in a fresh interpreter and wait until it says it is ready.

    Whatever a test leaves running (when an assertion fails) is killed afterwards.
    """
    procs = []

    def start(script: str, *args) -> subprocess.Popen:
        command = [sys.executable, "-c", script, *map(str, args)]
        procs.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=REPO))
        assert read_line(procs[-1]) == "ready\n", "the writer failed to start"
        return procs[-1]

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()


def kill(proc: subprocess.Popen) -> None:
    proc.kill()
    assert proc.wait(timeout=30) == -signal.SIGKILL


def big_batch_sizes(run: mt.Run) -> Counter:
    """How many records of the big batch each step shows (read straight from the log, in one pass)."""
    return Counter(r["step"] for r in read_records(run.path / "metrics.jsonl") if r["key"].startswith("big"))


def temp_files(run: mt.Run) -> list[Path]:
    """Temporary files anywhere in the run: the temp folder, or hidden files as older versions left them."""
    return [p for p in run.path.rglob("*") if p.is_file() and (".tmp" in p.parts or p.name.startswith("."))]


def test_a_killed_metric_batch_is_all_or_nothing_and_the_run_stays_usable(tmp_path, start):
    rng = np.random.default_rng(0)
    tracker = mt.Tracker(tmp_path / "runs", code_dir=None)
    run = tracker.start_run("killed", seed=0)
    run.log_metrics({"big0": 0.0, "big1": 1.0}, step=10_000)  # a small complete batch first: it must survive
    # -1: all of the line but its newline; 1: a single byte; then two cuts inside the batch.
    cuts = [-1, 1, *rng.integers(2, 300_000, size=2)]
    delays = rng.uniform(0.0, 0.2, size=3)  # then three writers killed from outside, wherever they are
    for round_, cut in enumerate([*cuts, *[None] * len(delays)]):
        writer = start(METRIC_WRITER, tracker.root, run.run_id, N_KEYS, round_ * 1000, "none" if cut is None else cut)
        if cut is None:
            time.sleep(delays[round_ - len(cuts)])
            kill(writer)
        else:
            assert writer.wait(timeout=30) == -signal.SIGKILL
            assert not (run.path / "metrics.jsonl").read_bytes().endswith(b"\n"), "the write was not torn"

        sizes = big_batch_sizes(run)
        assert sizes.pop(10_000) == 2
        assert all(size == N_KEYS for size in sizes.values()), "part of a batch is visible"
        assert run.metrics["big0"] == 0.0  # the run reads: the latest step of big0 is step 10_000
        run.log_metric("after", round_, step=round_)  # a later append lands on a line of its own
        assert [m.value for m in run.metric_history("after")] == list(range(round_ + 1))
        assert (run.path / "metrics.jsonl").read_bytes().endswith(b"\n")
        assert mt.compare([run])["metrics.after"].tolist() == [round_]
        assert mt.best_run([run], "after") == run
    assert big_batch_sizes(run)[10_000] == 2 and temp_files(run) == []


def test_torn_batches_are_repaired_while_other_processes_append(tmp_path, start):
    rng = np.random.default_rng(1)
    tracker = mt.Tracker(tmp_path / "runs", code_dir=None)
    run = tracker.start_run("shared")
    appenders = [start(APPENDER, tracker.root, run.run_id, f"w{w}") for w in range(2)]
    for cut in [-1, *rng.integers(1, 300_000, size=2)]:  # a torn batch, repaired by whoever appends next
        writer = start(METRIC_WRITER, tracker.root, run.run_id, N_KEYS, 0, cut)
        assert writer.wait(timeout=30) == -signal.SIGKILL
    (tracker.root / "stop").touch()
    counts = []
    for appender in appenders:
        out, _ = appender.communicate(timeout=30)
        assert appender.returncode == 0
        counts.append(int(out))
    assert big_batch_sizes(run) == Counter()  # every big batch was torn: none of it shows
    for w, count in enumerate(counts):
        assert count > 0
        for key, sign in ((f"w{w}.a", 1), (f"w{w}.b", -1)):
            assert [(m.step, m.value) for m in run.metric_history(key)] == [(i, sign * i) for i in range(count)]
    run.log_metric("after", 1.0)
    assert mt.compare([run])["metrics.after"].tolist() == [1.0]


def _log_lr(root: str, run_ids: list[str], value: float, barrier, results) -> None:
    tracker = mt.Tracker(root, code_dir=None)
    for run_id in run_ids:
        run = tracker.get_run(run_id)
        barrier.wait(timeout=30)  # both writers reach the same run at the same moment
        try:
            run.log_param("lr", value)
            results.put((run_id, value, None))
        except ValueError as err:
            results.put((run_id, value, str(err)))


def test_conflicting_params_from_two_processes_one_wins_the_other_raises(tmp_path):
    tracker = mt.Tracker(tmp_path / "runs", code_dir=None)
    runs = [tracker.start_run(f"race{i}") for i in range(15)]
    run_ids = [run.run_id for run in runs]
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    values = (0.1, 0.2)
    args = [(str(tracker.root), run_ids, v, barrier, results) for v in values]
    workers = [ctx.Process(target=_log_lr, args=a, daemon=True) for a in args]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in range(len(values) * len(runs))]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    for run in runs:
        mine = {value: error for run_id, value, error in outcomes if run_id == run.run_id}
        winners = [value for value, error in mine.items() if error is None]
        assert len(winners) == 1, f"{run.name}: {mine}"
        (winner,), (loser,) = winners, set(values) - set(winners)
        assert f"param 'lr' was already logged as {winner}, cannot change it to {loser}" in mine[loser]
        assert run.params == {"lr": winner}
        assert len((run.path / "params.jsonl").read_text().splitlines()) == 1
        run.log_param("lr", winner)  # the same value again is still fine


def test_a_killed_artifact_copy_leaves_no_temporary_file(tmp_path, start):
    rng = np.random.default_rng(2)
    source = tmp_path / "weights.bin"
    source.write_bytes(rng.bytes(8 << 20))
    tracker = mt.Tracker(tmp_path / "runs", code_dir=None)
    run = tracker.start_run("artifacts")
    for round_, mode in enumerate(["pause", "pause", "loop", "loop"]):
        writer = start(ARTIFACT_WRITER, tracker.root, run.run_id, source, mode)
        if mode == "pause":
            assert read_line(writer) == "copied\n"
            (temp,) = temp_files(run)  # the copy, complete but not yet renamed into place
            assert temp.stat().st_size == source.stat().st_size
            assert run.artifacts == {}  # readers never list a temp file
            mt.Run(run.path)  # opening the run sweeps the temp folder, but this writer is alive: its file stays
            assert temp.exists()
        else:
            time.sleep(rng.uniform(0.0, 0.3))
        kill(writer)
        if round_ % 2 == 0:
            run = tracker.get_run(run.run_id)  # opening the run again clears the dead writer's file...
        else:
            run.log_text("x", "notes.txt")  # ...and so does the next write
        assert temp_files(run) == []
        assert not (run.path / ".tmp").exists()
        artifact = run.artifacts.get("model/weights.bin")
        assert artifact is None or artifact.read_bytes() == source.read_bytes()  # whole, or not there
    run.log_artifact(source, artifact_path="model")
    assert run.artifacts["model/weights.bin"].read_bytes() == source.read_bytes()
    assert temp_files(run) == []
