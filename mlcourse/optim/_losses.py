"""Losses with their gradients, written to be numerically stable.

Each loss takes the targets and the model's raw output and returns ``(loss, grad)``: the mean
loss over rows and its gradient with respect to that output. A linear model's gradient is then
one matrix product away (``X.T @ grad``), which is all backpropagation is.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z):
    """``1 / (1 + exp(-z))`` without overflow for large ``|z|``.

    Examples
    --------
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    z = np.asarray(z, dtype=float)
    # exp(-|z|) is at most 1, so neither branch can overflow; each is exact on its own side.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def softmax(Z):
    """Row-wise softmax. Subtracting each row's maximum first changes nothing mathematically and stops ``exp`` overflowing.

    Examples
    --------
    >>> softmax(np.array([[1000.0, 1000.0]]))
    array([[0.5, 0.5]])
    """
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def squared_error(y, y_pred):
    """Half the mean squared error, ``mean((y_pred - y)**2) / 2``, and its gradient in ``y_pred``.

    The half makes the gradient simply ``(y_pred - y) / n``.

    Examples
    --------
    >>> squared_error(np.array([1.0, 2.0]), np.array([1.0, 4.0]))
    (1.0, array([0., 1.]))
    """
    r = np.asarray(y_pred, dtype=float) - np.asarray(y, dtype=float)
    return float(r.ravel() @ r.ravel()) / (2 * r.size), r / r.size


def log_loss(y, z):
    """Binary cross-entropy from logits ``z`` (not probabilities), and its gradient in ``z``.

    ``mean(log(1 + exp(z)) - y * z)`` equals ``-mean(y log p + (1 - y) log(1 - p))`` with
    ``p = sigmoid(z)``, but never takes ``log(0)``. It is evaluated as
    ``max(z, 0) - y * z + log1p(exp(-|z|))``: ``exp`` never overflows, and for a confident, correct
    prediction the tiny loss is not lost in the cancellation of two large numbers.
    The gradient is the famous ``(p - y) / n``.

    Examples
    --------
    >>> loss, grad = log_loss(np.array([1.0, 0.0]), np.array([0.0, 0.0]))
    >>> round(loss, 4), grad
    (0.6931, array([-0.25,  0.25]))
    """
    y, z = np.asarray(y, dtype=float), np.asarray(z, dtype=float)
    loss = np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z))))
    # sigmoid(z) - 1 would cancel catastrophically for large z; 1 - sigmoid(z) = sigmoid(-z) exactly.
    p_minus_y = np.where(y == 1, -sigmoid(-z), sigmoid(z) - y)
    return float(loss), p_minus_y / z.size


def softmax_cross_entropy(y, Z):
    """Multiclass cross-entropy from logits ``Z`` (n, K) and integer labels ``y`` in ``0..K-1``.

    ``mean(logsumexp(Z_i) - Z_i[y_i])``; gradient ``(softmax(Z) - onehot(y)) / n``.

    Examples
    --------
    >>> loss, grad = softmax_cross_entropy(np.array([0, 1]), np.zeros((2, 2)))
    >>> round(loss, 4), grad
    (0.6931, array([[-0.25,  0.25],
           [ 0.25, -0.25]]))
    """
    Z = np.asarray(Z, dtype=float)
    y = np.asarray(y)
    if Z.ndim != 2 or y.shape != (Z.shape[0],):
        raise ValueError(f"Z must have shape (n, K) and y shape (n,), got {Z.shape} and {y.shape}")
    rows = np.arange(len(y))
    top = Z.argmax(axis=1)
    shifted = Z - Z[rows, top][:, None]  # exp of it cannot overflow
    E = np.exp(shifted)
    # The largest term is exactly 1, so log(sum E) = log1p(sum of the others): a confident, correct
    # prediction keeps its tiny loss instead of rounding 1 + tiny to 1.
    E[rows, top] = 0.0
    log_norm = np.log1p(E.sum(axis=1))
    loss = np.mean(log_norm - shifted[rows, y])
    grad = np.exp(shifted - log_norm[:, None])
    grad[rows, y] -= 1
    return float(loss), grad / len(y)


def l2_penalty(w, alpha):
    """Ridge penalty ``alpha / 2 * sum(w**2)`` and its gradient ``alpha * w``.

    Examples
    --------
    >>> l2_penalty(np.array([3.0, 4.0]), 0.1)
    (1.25, array([0.3, 0.4]))
    """
    w = np.asarray(w, dtype=float)
    return 0.5 * alpha * float(np.sum(w * w)), alpha * w


def l1_penalty(w, alpha):
    """Lasso penalty ``alpha * sum(|w|)`` and a subgradient ``alpha * sign(w)`` (0 at the kink).

    Examples
    --------
    >>> l1_penalty(np.array([3.0, -4.0, 0.0]), 0.1)
    (0.7000000000000001, array([ 0.1, -0.1,  0. ]))
    """
    w = np.asarray(w, dtype=float)
    return alpha * float(np.sum(np.abs(w))), alpha * np.sign(w)


def least_squares(w, X, y):
    """Loss and gradient of a linear least-squares model ``X @ w``, in two matrix-vector products.

    This is one full-batch gradient step's work: ``r = X @ w - y``, loss ``r @ r / (2 n)``,
    gradient ``X.T @ r / n``; nothing of size ``n_samples x n_features`` is allocated.

    Examples
    --------
    >>> X, y = np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([1.0, 2.0])
    >>> least_squares(np.zeros(2), X, y)
    (1.25, array([-0.5, -2. ]))
    """
    r = X @ w - y
    n = len(y)
    return float(r @ r) / (2 * n), (X.T @ r) / n
