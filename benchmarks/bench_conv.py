"""Benchmark: one training epoch of a small numpy CNN (``mlcourse.nn``) against the same CNN in PyTorch.

Same data (``load_digits`` as 1797 grey 8x8 images, 10 classes), same architecture
(Conv2d(1, 16, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(256, 10)), same batch size
(32, rows reshuffled each epoch), same update rule (SGD and Adam), in float32 and float64, one thread
each. The torch loop is the idiomatic one without a ``DataLoader``: permute, slice, ``zero_grad``,
``backward``, ``step``. Prints the median of several epochs and the ratio numpy / torch.

The numpy convolution is im2col: a strided *view* of every patch
(``np.lib.stride_tricks.sliding_window_view``), one copy into a matrix, one matrix product; its
backward adds the patches back with one strided slice per kernel offset (9 for a 3x3 kernel) instead
of ``np.add.at``, which adds element by element.

Run with ``make bench`` (or ``python benchmarks/bench_conv.py``); about fifteen seconds.
Target: numpy within 3x of torch (ratio <= 3).
"""

from __future__ import annotations

import numpy as np
import torch
from _timing import epoch_table, train_one_epoch
from sklearn.datasets import load_digits

from mlcourse import nn, optim

CHANNELS = 16
BATCH_SIZE = 32
LR = 0.01
TARGET = 3.0


def numpy_epoch(X, y, dtype, optimizer):
    """A closure that trains the numpy CNN for one epoch per call."""
    X = X.astype(dtype)
    rng = np.random.default_rng(0)
    net = nn.Sequential(
        nn.Conv2d(1, CHANNELS, 3, padding=1, rng=rng, dtype=dtype),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(CHANNELS * 4 * 4, 10, rng=rng, dtype=dtype),
    )
    opt = optim.Adam(LR) if optimizer == "adam" else optim.Optimizer(LR)
    state = {"opt": opt.init(net.w)}
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        data = nn.batches(X, y, BATCH_SIZE, shuffle=True, rng=rng)
        _, state["opt"] = nn.train_epoch(net, loss_fn, opt, state["opt"], data)

    return epoch


def torch_epoch(X, y, dtype, optimizer):
    """A closure that trains the same architecture in torch for one epoch per call."""
    torch.manual_seed(0)
    X, y = torch.tensor(X, dtype=dtype), torch.tensor(y)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, CHANNELS, 3, padding=1, dtype=dtype),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(CHANNELS * 4 * 4, 10, dtype=dtype),
    )
    return train_one_epoch(model, X, y, optimizer=optimizer, lr=LR, batch_size=BATCH_SIZE)


def main():
    from threadpoolctl import threadpool_limits

    X, y = load_digits(return_X_y=True)
    X = (X / 16).reshape(-1, 1, 8, 8)
    with threadpool_limits(limits=1):  # the course's setting: one thread per library
        torch.set_num_threads(1)
        print(
            f"one epoch on load_digits ({len(X)} images 1x8x8), CNN conv3x3({CHANNELS}, padding 1)-ReLU-maxpool2-"
            f"linear(10), batch {BATCH_SIZE}, one thread, median of 10 epochs"
        )
        epoch_table(numpy_epoch, torch_epoch, X, y, repeat=10, target=TARGET)


if __name__ == "__main__":
    main()
