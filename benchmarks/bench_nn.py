"""Benchmark: one training epoch of the numpy MLP (``mlcourse.nn``) against the same MLP in PyTorch.

Same data (``load_digits``: 1797 rows, 64 features, 10 classes), same architecture
(64-128-128-10, ReLU), same batch size (32, rows reshuffled each epoch), same update rule, in
float32 and float64, one thread each. The torch loop is the idiomatic one without a
``DataLoader`` (whose per-row collation would only slow torch down): permute, slice, ``zero_grad``,
``backward``, ``step``. Prints the median of several epochs and the ratio numpy / torch.

Run with ``make bench`` (or ``python benchmarks/bench_nn.py``); about ten seconds.
Target: numpy within 2x of torch (ratio <= 2).
"""

from __future__ import annotations

import itertools

import numpy as np
import torch
from _timing import epoch_table, train_one_epoch
from sklearn.datasets import load_digits

from mlcourse import nn, optim

SIZES = [64, 128, 128, 10]
BATCH_SIZE = 32
LR = 0.01


def numpy_epoch(X, y, dtype, optimizer):
    """A closure that trains the numpy MLP for one epoch per call."""
    X = X.astype(dtype)
    net = nn.make_mlp(SIZES, rng=0, dtype=dtype)
    opt = optim.Adam(LR) if optimizer == "adam" else optim.Optimizer(LR)
    state = {"opt": opt.init(net.w)}
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)

    def epoch():
        data = nn.batches(X, y, BATCH_SIZE, shuffle=True, rng=rng)
        _, state["opt"] = nn.train_epoch(net, loss_fn, opt, state["opt"], data)

    return epoch


def torch_epoch(X, y, dtype, optimizer):
    """A closure that trains the same architecture in torch for one epoch per call."""
    torch.manual_seed(0)
    X, y = torch.tensor(X, dtype=dtype), torch.tensor(y)
    layers = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(SIZES)):
        layers.append(torch.nn.Linear(fan_in, fan_out, dtype=dtype))
        if i < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    return train_one_epoch(model, X, y, optimizer=optimizer, lr=LR, batch_size=BATCH_SIZE)


def main():
    from threadpoolctl import threadpool_limits

    X, y = load_digits(return_X_y=True)
    X = X / 16
    with threadpool_limits(limits=1):  # the course's setting: one thread per library
        torch.set_num_threads(1)
        print(
            f"one epoch on load_digits ({len(X)} x {X.shape[1]}), MLP {'-'.join(map(str, SIZES))} ReLU, "
            f"batch {BATCH_SIZE}, one thread, median of 15 epochs"
        )
        epoch_table(numpy_epoch, torch_epoch, X, y, repeat=15, target=2)


if __name__ == "__main__":
    main()
