"""Data-parallel training with torch.distributed: 2 local processes, gloo backend, loopback only.

Each process holds a copy of the model and half of the batch; ``DistributedDataParallel`` averages
the gradients over the processes during ``backward``. With equal halves and a loss that is a mean,
the average of the two half-batch gradients *is* the full-batch gradient, so two processes must
compute what one process computes on the whole batch: the same gradient (float64, up to rounding)
and, step after step, the same weights. Everything runs under timeouts, on 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

WORLD_SIZE = 2
N_STEPS = 5
LR = 0.1
# The whole 2-process run (usually 15-25 s, over a minute on a busy 2-core machine: each process
# imports torch); each collective gives up after COLLECTIVE_TIMEOUT.
TIMEOUT_S = 300
COLLECTIVE_TIMEOUT = timedelta(seconds=60)
TOL = 1e-12

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (dist.is_available() and dist.is_gloo_available()), reason="this torch build has no gloo backend"
    ),
]


def make_model():
    """A tiny CNN for 8x8 grey images, float64, the same initial weights in every process."""
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(4 * 4 * 4, 10),
    ).double()


def make_data(n=16):
    rng = np.random.default_rng(0)
    return torch.from_numpy(rng.normal(size=(n, 1, 8, 8))), torch.from_numpy(rng.integers(0, 10, size=n))


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker(rank, world_size, port, out_dir):
    """One process: join the group, compute its half's gradient through DDP, train, save the results."""
    # The rendezvous variables torchrun would set; 127.0.0.1 and the loopback interface keep it local.
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    if Path("/sys/class/net/lo").exists():
        os.environ["GLOO_SOCKET_IFNAME"] = "lo"
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world_size, timeout=COLLECTIVE_TIMEOUT)
    try:
        X, y = make_data()
        shard = slice(rank * len(X) // world_size, (rank + 1) * len(X) // world_size)  # equal halves
        model = torch.nn.parallel.DistributedDataParallel(make_model())
        loss_fn = torch.nn.CrossEntropyLoss()
        loss_fn(model(X[shard]), y[shard]).backward()  # the all-reduce of the gradients happens here
        grads = [p.grad.clone() for p in model.parameters()]

        opt = torch.optim.SGD(model.parameters(), lr=LR)
        for _ in range(N_STEPS):
            opt.zero_grad()
            loss_fn(model(X[shard]), y[shard]).backward()
            opt.step()
        torch.save({"grads": grads, "weights": model.module.state_dict()}, Path(out_dir) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def run_two_processes(out_dir):
    """Spawn the workers and wait at most TIMEOUT_S for both; kill them and fail if they hang."""
    context = mp.spawn(worker, args=(WORLD_SIZE, free_port(), str(out_dir)), nprocs=WORLD_SIZE, join=False)
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while not context.join(timeout=1):  # raises if a worker failed
            if time.monotonic() > deadline:
                pytest.fail(f"the {WORLD_SIZE} processes did not finish within {TIMEOUT_S} s")
    finally:
        for process in context.processes:
            if process.is_alive():
                process.terminate()
                process.join(5)
    return [torch.load(Path(out_dir) / f"rank{rank}.pt") for rank in range(WORLD_SIZE)]


def single_process_reference():
    """The full batch in one process: its gradient, and the weights after N_STEPS of SGD."""
    X, y = make_data()
    model, loss_fn = make_model(), torch.nn.CrossEntropyLoss()
    loss_fn(model(X), y).backward()
    grads = [p.grad.clone() for p in model.parameters()]
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    for _ in range(N_STEPS):
        opt.zero_grad()
        loss_fn(model(X), y).backward()
        opt.step()
    return grads, model.state_dict()


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    start = time.perf_counter()
    ranks = run_two_processes(tmp_path_factory.mktemp("ddp"))
    print(f"2-process DDP run: {time.perf_counter() - start:.1f} s")
    return ranks, single_process_reference()


def test_ddp_averaged_gradients_equal_the_full_batch_gradient(results):
    ranks, (grads, _) = results
    for rank in ranks:
        assert len(rank["grads"]) == len(grads)
        for ours, reference in zip(rank["grads"], grads, strict=True):
            torch.testing.assert_close(ours, reference, rtol=TOL, atol=TOL)
    # and the halves alone do not: the test would notice a missing all-reduce
    X, y = make_data()
    model = make_model()
    torch.nn.CrossEntropyLoss()(model(X[:8]), y[:8]).backward()
    assert not torch.allclose(next(model.parameters()).grad, grads[0], rtol=1e-3, atol=1e-6)


def test_ddp_training_gives_the_weights_of_full_batch_training(results):
    ranks, (_, weights) = results
    first = ranks[0]["weights"]
    for name, value in ranks[1]["weights"].items():
        torch.testing.assert_close(value, first[name], rtol=0, atol=0)  # the replicas never drift apart
    for name, reference in weights.items():
        torch.testing.assert_close(first[name], reference, rtol=TOL, atol=TOL)
    assert not torch.equal(first["0.weight"], make_model().state_dict()["0.weight"])  # training moved them
