"""What the benchmarks share: a robust timer, and one epoch of mini-batch training in PyTorch (the twin)."""

from __future__ import annotations

import time

import numpy as np


def median_time(fn, repeat: int = 10) -> float:
    """Median of ``repeat`` runs after one warm-up: typical, and robust to a disturbed run."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def train_one_epoch(model, X, y, *, optimizer: str, lr: float, batch_size: int):
    """A function that trains ``model`` for one epoch on ``(X, y)`` (tensors), reshuffled each call."""
    import torch

    opt = (
        torch.optim.Adam(model.parameters(), lr=lr)
        if optimizer == "adam"
        else torch.optim.SGD(model.parameters(), lr=lr)
    )
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(0)

    def epoch():
        order = torch.randperm(len(X), generator=generator)
        X_shuffled, y_shuffled = X[order], y[order]
        for start in range(0, len(X), batch_size):
            loss = loss_fn(model(X_shuffled[start : start + batch_size]), y_shuffled[start : start + batch_size])
            opt.zero_grad()
            loss.backward()
            opt.step()

    return epoch
