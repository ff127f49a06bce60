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


def epoch_table(numpy_epoch, torch_epoch, X, y, *, repeat: int, target: float) -> float:
    """Print numpy's and torch's epoch times and their ratio for each optimiser and dtype; return the worst.

    ``numpy_epoch(X, y, dtype, optimizer)`` and ``torch_epoch(X, y, dtype, optimizer)`` each build a
    function that trains one epoch.
    """
    import torch

    print(f"| {'dtype':<7} | {'optimizer':<9} | {'numpy (ms)':>10} | {'torch (ms)':>10} | {'numpy / torch':>13} |")
    print(f"| {'-' * 7} | {'-' * 9} | {'-' * 10} | {'-' * 10} | {'-' * 13} |")
    worst = 0.0
    for optimizer in ("sgd", "adam"):
        for np_dtype, torch_dtype in ((np.float32, torch.float32), (np.float64, torch.float64)):
            ours = median_time(numpy_epoch(X, y, np_dtype, optimizer), repeat=repeat)
            theirs = median_time(torch_epoch(X, y, torch_dtype, optimizer), repeat=repeat)
            worst = max(worst, ours / theirs)
            name = np.dtype(np_dtype).name
            print(f"| {name:<7} | {optimizer:<9} | {ours * 1e3:10.1f} | {theirs * 1e3:10.1f} | {ours / theirs:13.2f} |")
    print(f"target numpy / torch <= {target:g}: {'met' if worst <= target else 'NOT met'} (worst ratio {worst:.2f})")
    return worst
