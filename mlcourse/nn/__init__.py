"""Neural networks from scratch with numpy: layers with hand-written backprop, losses, training.

Build a network from layers (or with :func:`make_mlp`), run ``forward``, then ``backward`` from the
loss's gradient; every parameter's gradient lands in one vector ``net.dw`` beside the parameters
``net.w``, which is what the optimisers of :mod:`mlcourse.optim` update. :class:`MLPClassifier` and
:class:`MLPRegressor` wrap all of it as scikit-learn estimators.

The twin is ``torch.nn``: ``tests/test_nn.py`` proves every output and every gradient equal to
autograd's (float64, to 1e-10). Importing this package needs numpy only; the two estimators load
scikit-learn on first use.

Examples
--------
>>> import numpy as np
>>> from mlcourse import nn
>>> X, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([1, 0])
>>> net = nn.make_mlp([2, 8, 2], rng=0)
>>> loss_fn = nn.CrossEntropyLoss()
>>> loss = loss_fn(net(X), y)           # forward
>>> dX = net.backward(loss_fn.backward())  # backward: fills net.dw
>>> net.dw.shape == net.w.shape
True
"""

from __future__ import annotations

from mlcourse._lazy import lazy_getattr
from mlcourse.nn._conv import Conv2d, Flatten, MaxPool2d
from mlcourse.nn._init import he_normal, he_uniform, xavier_normal, xavier_uniform
from mlcourse.nn._layers import Dropout, Linear, Module, ReLU, Sequential, Sigmoid, Tanh, make_mlp
from mlcourse.nn._losses import CrossEntropyLoss, Loss, MSELoss
from mlcourse.nn._training import batches, objective, train_epoch

# The estimators subclass scikit-learn's BaseEstimator: load them (and sklearn) only when asked for.
_LAZY = {"MLPClassifier": "mlcourse.nn._mlp", "MLPRegressor": "mlcourse.nn._mlp"}

__all__ = [
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Linear",
    "Loss",
    "MLPClassifier",
    "MLPRegressor",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "batches",
    "he_normal",
    "he_uniform",
    "make_mlp",
    "objective",
    "train_epoch",
    "xavier_normal",
    "xavier_uniform",
]


__getattr__ = lazy_getattr(__name__, _LAZY)


def __dir__() -> list[str]:
    return __all__
