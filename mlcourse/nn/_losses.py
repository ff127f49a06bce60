"""Losses for training networks, each with ``forward(y_pred, y)`` and a hand-written ``backward()``.

They follow ``torch.nn``'s conventions, argument order included (the network's output first, the
target second), and average over the batch: :class:`MSELoss` is ``torch.nn.MSELoss()``,
:class:`CrossEntropyLoss` is ``torch.nn.CrossEntropyLoss()``. ``backward()`` returns the gradient of
the loss with respect to ``y_pred``, which is where a network's :meth:`~mlcourse.nn.Sequential.backward`
starts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from mlcourse.nn._layers import _as_float_array


class Loss(ABC):
    """Base class: ``loss = loss_fn(y_pred, y)`` (a float), then ``loss_fn.backward()`` for ``dL/dy_pred``."""

    @abstractmethod
    def forward(self, y_pred, y) -> float: ...

    @abstractmethod
    def backward(self) -> np.ndarray: ...

    def __call__(self, y_pred, y) -> float:
        return self.forward(y_pred, y)

    def __repr__(self):
        return f"{type(self).__name__}()"

    def _cached_grad(self):
        grad = getattr(self, "_grad", None)
        if grad is None:
            raise RuntimeError(f"{type(self).__name__}.backward() needs a forward() first")
        return grad


class MSELoss(Loss):
    """Mean squared error over every element, ``mean((y_pred - y)**2)``, as ``torch.nn.MSELoss``.

    Its gradient is ``2 * (y_pred - y) / y_pred.size``. (Unlike :func:`mlcourse.optim.squared_error`
    there is no factor 1/2: torch's convention.)

    Examples
    --------
    >>> import numpy as np
    >>> loss_fn = MSELoss()
    >>> loss_fn(np.array([[1.0], [4.0]]), np.array([[1.0], [2.0]]))
    2.0
    >>> loss_fn.backward()
    array([[0.],
           [2.]])
    """

    def forward(self, y_pred, y):
        y_pred = _as_float_array("y_pred", y_pred)
        y = _as_float_array("y", y, y_pred.dtype)
        if y_pred.shape != y.shape:
            raise ValueError(f"y_pred and y must have the same shape, got {y_pred.shape} and {y.shape}")
        if y_pred.size == 0:
            raise ValueError("y_pred is empty: the mean of no squared errors is undefined")
        diff = y_pred - y
        # Fold the 2/n into the cached gradient now; the loss is the mean of diff squared.
        loss = float(np.vdot(diff, diff)) / diff.size
        diff *= 2 / diff.size
        self._grad = diff
        return loss

    def backward(self):
        return self._cached_grad()


class CrossEntropyLoss(Loss):
    """Softmax cross-entropy from logits and integer class labels, as ``torch.nn.CrossEntropyLoss``.

    ``mean(logsumexp(z_i) - z_i[y_i])`` over the rows ``z_i`` of ``y_pred``. Subtracting each row's
    maximum before ``exp`` (the log-sum-exp trick) changes nothing mathematically and means ``exp``
    never overflows, however large the logits. Working from logits rather than probabilities also
    avoids ``log(0)``. The gradient is the famous ``(softmax(z) - onehot(y)) / n``.

    Examples
    --------
    >>> import numpy as np
    >>> loss_fn = CrossEntropyLoss()
    >>> round(loss_fn(np.array([[0.0, 0.0], [1000.0, 0.0]]), np.array([0, 0])), 4)  # log(2) / 2
    0.3466
    >>> loss_fn.backward()
    array([[-0.25,  0.25],
           [ 0.  ,  0.  ]])
    """

    def forward(self, y_pred, y):
        Z = _as_float_array("y_pred", y_pred)
        y = np.asarray(y)
        if Z.ndim != 2 or Z.shape[1] < 1:
            raise ValueError(f"y_pred must be logits of shape (n_samples, n_classes), got {Z.shape}")
        if y.shape != (len(Z),):
            raise ValueError(f"y must be class indices of shape ({len(Z)},), got {y.shape}")
        if len(Z) == 0:
            raise ValueError("y_pred is empty: the mean of no losses is undefined")
        if y.dtype.kind not in "iu":
            raise TypeError(f"y must hold integer class indices 0..{Z.shape[1] - 1}, got dtype {y.dtype}")
        if y.min() < 0 or y.max() >= Z.shape[1]:
            raise ValueError(
                f"y must hold class indices in 0..{Z.shape[1] - 1}, got values from {y.min()} to {y.max()}"
            )
        n = len(Z)
        rows = np.arange(n)
        shifted = Z - Z.max(axis=1, keepdims=True)
        P = np.exp(shifted)
        norm = P.sum(axis=1)
        loss = float(np.mean(np.log(norm) - shifted[rows, y]))
        P /= norm[:, None]  # now the softmax probabilities
        P[rows, y] -= 1
        P /= n
        self._grad = P
        return loss

    def backward(self):
        return self._cached_grad()
