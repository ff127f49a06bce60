"""The numpy training loop: mini-batches, one epoch of forward, backward and optimiser steps.

It is the twin of :func:`mlcourse.torch_utils.fit`'s inner loop, and it trains with the optimisers
of :mod:`mlcourse.optim`, which update one parameter vector: a :class:`~mlcourse.nn.Sequential`
keeps every weight in one, ``net.w``.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

from mlcourse._validation import check_param
from mlcourse.nn._layers import Linear, Sequential
from mlcourse.nn._losses import Loss


def batches(X, y, batch_size, *, shuffle=False, rng=None):
    """Cut ``X`` and ``y`` into consecutive mini-batches (after shuffling the rows, if asked).

    Parameters
    ----------
    X : ndarray of shape (n_samples, ...)
    y : ndarray of shape (n_samples, ...)
    batch_size : int or None
        Rows per batch (the last batch may be smaller); ``None`` makes one batch of everything.
    shuffle : bool, default=False
        Permute the rows first, as a ``DataLoader(shuffle=True)`` does.
    rng : int, numpy.random.Generator or None
        Seed or generator for the permutation.

    Returns
    -------
    list of (X_batch, y_batch)
        The same kind of iterable a ``torch.utils.data.DataLoader`` yields. Without shuffling the
        batches are views of ``X`` and ``y``; with it, views of one shuffled copy.

    Examples
    --------
    >>> import numpy as np
    >>> [yb.tolist() for _, yb in batches(np.zeros((5, 2)), np.arange(5), 2)]
    [[0, 1], [2, 3], [4]]
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of rows, got {len(X)} and {len(y)}")
    if batch_size is None:
        batch_size = max(len(X), 1)
    check_param(batch_size, "batch_size", Integral, min_val=1)
    if shuffle:
        # One gather per epoch, then contiguous slices: cheaper than gathering rows for every batch.
        order = np.random.default_rng(rng).permutation(len(X))
        X, y = X[order], y[order]
    return [(X[start : start + batch_size], y[start : start + batch_size]) for start in range(0, len(X), batch_size)]


def _weights(net):
    """The (W, dW) pairs of every Linear layer: what weight decay shrinks (biases are left alone)."""
    return [(layer.W, layer.dW) for layer in Sequential._leaves(net.layers) if isinstance(layer, Linear)]


def train_epoch(net, loss_fn, optimizer, state, batches, *, epoch=0, alpha=0.0):
    """One pass over ``batches``: forward, loss, backward and one optimiser step per batch.

    Parameters
    ----------
    net : Sequential
        Trained in place (its ``w``), in training mode.
    loss_fn : Loss
        E.g. :class:`~mlcourse.nn.CrossEntropyLoss`.
    optimizer : mlcourse.optim.Optimizer
        The update rule (its ``batch_size`` is ignored: ``batches`` decides).
    state : dict
        ``optimizer.init(net.w)`` before the first epoch, then what the previous call returned.
    batches : iterable of (X_batch, y_batch)
        For instance :func:`batches`' list.
    epoch : int, default=0
        Passed to the optimiser's learning-rate schedule.
    alpha : float, default=0.0
        L2 penalty (weight decay) ``alpha / 2 * sum(W**2)`` on every ``Linear`` layer's weights.

    Returns
    -------
    loss : float
        The mean training loss over the epoch's rows (penalty included), each batch's loss
        measured before its step (what ``torch_utils.fit`` reports too).
    state : dict
        The optimiser state to pass to the next call.

    Examples
    --------
    >>> import numpy as np
    >>> from mlcourse import nn, optim
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(64, 3)); y = X @ [1.0, -2.0, 0.5]
    >>> net = nn.Sequential(nn.Linear(3, 1, rng=0))
    >>> opt = optim.Momentum(lr=0.05)
    >>> state = opt.init(net.w)
    >>> for epoch in range(50):
    ...     loss, state = nn.train_epoch(net, nn.MSELoss(), opt, state, nn.batches(X, y[:, None], 16), epoch=epoch)
    >>> round(loss, 6), net[0].W.ravel().round(4)
    (0.0, array([ 1. , -2. ,  0.5]))
    """
    if not isinstance(net, Sequential):
        raise TypeError(f"net must be an mlcourse.nn.Sequential, got {type(net).__name__}")
    if not isinstance(loss_fn, Loss):
        raise TypeError(f"loss_fn must be an mlcourse.nn loss (e.g. CrossEntropyLoss()), got {type(loss_fn).__name__}")
    check_param(alpha, "alpha", Real, min_val=0)
    net.train()
    w, dw = net.w, net.dw
    decayed = _weights(net) if alpha > 0 else []
    total, count = 0.0, 0
    for Xb, yb in batches:
        loss = loss_fn(net.forward(Xb), yb)
        net.backward(loss_fn.backward())
        for W, dW in decayed:
            dW += alpha * W
            loss += 0.5 * alpha * float(np.vdot(W, W))
        # The optimisers return a new vector; copying it into w keeps every layer's view valid.
        w[...], state = optimizer.step(w, dw, state, epoch)
        total += loss * len(Xb)
        count += len(Xb)
    if count == 0:
        raise ValueError("batches yielded no rows")
    return total / count, state


def objective(net, loss_fn):
    """The network's loss as a function of its parameter vector: ``fun(w, X, y) -> (loss, grad)``.

    The signature of :func:`mlcourse.optim.minimize`'s ``fun``, so that ``minimize`` can train the
    network, and :func:`mlcourse.optim.gradient_check` can test its backward pass.

    Parameters
    ----------
    net : Sequential
        Evaluated in its current mode (call ``net.eval()`` first if it has dropout and you need a
        deterministic function).
    loss_fn : Loss

    Returns
    -------
    fun : callable
        ``fun(w, X, y)`` copies ``w`` into ``net.w`` and returns the loss and a copy of ``net.dw``.

    Examples
    --------
    >>> import numpy as np
    >>> from mlcourse import nn, optim
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, size=8)
    >>> net = nn.make_mlp([3, 4, 2], activation="tanh", rng=0)
    >>> fun = nn.objective(net, nn.CrossEntropyLoss())
    >>> optim.gradient_check(lambda w: fun(w, X, y)[0], lambda w: fun(w, X, y)[1], net.w.copy()) < 1e-7
    True
    """
    if not isinstance(net, Sequential):
        raise TypeError(f"net must be an mlcourse.nn.Sequential, got {type(net).__name__}")
    if not isinstance(loss_fn, Loss):
        raise TypeError(f"loss_fn must be an mlcourse.nn loss, got {type(loss_fn).__name__}")

    def fun(w, X, y):
        w = np.asarray(w)
        if w.shape != net.w.shape:
            raise ValueError(f"w must have shape {net.w.shape} (net.w), got {w.shape}")
        net.w[...] = w
        loss = loss_fn(net.forward(X), y)
        net.backward(loss_fn.backward())
        return loss, net.dw.copy()

    return fun
