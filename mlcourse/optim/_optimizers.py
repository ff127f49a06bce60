"""Gradient-descent optimisers with one small interface: ``state = opt.init(w)`` then
``w, state = opt.step(w, grad, state, epoch)``.

Each update rule is written the way ``torch.optim`` writes it, operation for operation, so the
two agree to rounding error (``tests/test_optim.py`` checks 100 steps against torch).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

from mlcourse._validation import check_param
from mlcourse.optim._schedules import ConstantLR


def _check_positive(name, value):
    """A positive, finite number (a step size, or the ``eps`` that keeps a denominator off zero)."""
    return float(check_param(value, name, Real, min_val=0, max_val=math.inf, include_boundaries="neither"))


def _check_fraction(name, value):
    """A decay rate in [0, 1)."""
    return float(check_param(value, name, Real, min_val=0, max_val=1, include_boundaries="left"))


def _check_batch_size(batch_size):
    """None (full batch) or a positive integer."""
    return None if batch_size is None else int(check_param(batch_size, "batch_size", Integral, min_val=1))


class Optimizer:
    """Base class: plain gradient descent, ``w <- w - lr * grad``.

    Parameters
    ----------
    lr : float, default=0.01
        Learning rate (step size); must be positive.
    schedule : callable, optional
        ``schedule(epoch)`` returns the factor the learning rate is multiplied by in that
        epoch (:class:`~mlcourse.optim.ConstantLR` by default).
    batch_size : int or None, default=None
        Rows per gradient step when used with :func:`~mlcourse.optim.minimize` and data:
        ``None`` uses every row (full batch), ``1`` is classic stochastic gradient descent.

    Notes
    -----
    Optimisers hold hyper-parameters only; everything that changes during training lives in the
    ``state`` dict that :meth:`step` receives and returns, so one optimiser object can train
    several models and a run can be replayed from any saved state.
    """

    def __init__(self, lr=0.01, *, schedule=None, batch_size=None):
        self.lr = _check_positive("lr", lr)
        self.schedule = ConstantLR() if schedule is None else schedule
        if not callable(self.schedule):
            raise TypeError(f"schedule must be callable as schedule(epoch), got {schedule!r}")
        self.batch_size = _check_batch_size(batch_size)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"

    def init(self, w):
        """The state before the first step: a step counter plus per-optimiser buffers."""
        return {"t": 0}

    def lr_at(self, epoch):
        """The learning rate used during ``epoch`` (0-based), after the schedule."""
        return self.lr * self.schedule(epoch)

    def step(self, w, grad, state, epoch=0):
        """One update.

        Parameters
        ----------
        w : ndarray
            Current parameters (not modified).
        grad : ndarray
            Gradient of the loss at ``w``, same shape.
        state : dict
            What :meth:`init` or the previous :meth:`step` returned (not modified).
        epoch : int, default=0
            Passed to the learning-rate schedule.

        Returns
        -------
        w : ndarray
            The updated parameters.
        state : dict
            The new state.
        """
        return w - self.lr_at(epoch) * grad, {"t": state["t"] + 1}


class GradientDescent(Optimizer):
    """Full-batch gradient descent: every step uses the gradient over all rows.

    Examples
    --------
    >>> import numpy as np
    >>> opt = GradientDescent(lr=0.1)
    >>> w, state = np.array([1.0]), opt.init(np.array([1.0]))
    >>> w, state = opt.step(w, 2 * w, state)  # gradient of w**2
    >>> w
    array([0.8])
    """

    def __init__(self, lr=0.01, *, schedule=None):
        super().__init__(lr, schedule=schedule, batch_size=None)


class SGD(Optimizer):
    """Stochastic gradient descent: one row per step (``batch_size=1``), rows shuffled every epoch.

    Examples
    --------
    >>> SGD(lr=0.05).batch_size
    1
    """

    def __init__(self, lr=0.01, *, schedule=None):
        super().__init__(lr, schedule=schedule, batch_size=1)


class MiniBatchGD(Optimizer):
    """Mini-batch gradient descent: ``batch_size`` rows per step, the usual compromise.

    Examples
    --------
    >>> MiniBatchGD(lr=0.05, batch_size=32).batch_size
    32
    """

    def __init__(self, lr=0.01, *, batch_size=32, schedule=None):
        super().__init__(lr, schedule=schedule, batch_size=batch_size)


class Momentum(Optimizer):
    """Gradient descent with (heavy-ball or Nesterov) momentum, as ``torch.optim.SGD`` defines it.

    ``v <- momentum * v + grad`` (``v = grad`` on the first step), then ``w <- w - lr * v``; with
    ``nesterov=True`` the step looks ahead: ``w <- w - lr * (grad + momentum * v)``.

    Parameters
    ----------
    lr : float, default=0.01
    momentum : float, default=0.9
        How much of the previous velocity is kept, in [0, 1).
    nesterov : bool, default=False
    schedule, batch_size
        As in :class:`Optimizer`.

    Examples
    --------
    >>> import numpy as np
    >>> opt = Momentum(lr=0.1, momentum=0.9)
    >>> w = np.array([1.0]); state = opt.init(w)
    >>> w, state = opt.step(w, 2 * w, state)
    >>> w, state = opt.step(w, 2 * w, state)
    >>> w.round(4)  # the second step is bigger: velocity has built up
    array([0.46])
    """

    def __init__(self, lr=0.01, momentum=0.9, *, nesterov=False, schedule=None, batch_size=None):
        super().__init__(lr, schedule=schedule, batch_size=batch_size)
        self.momentum = _check_fraction("momentum", momentum)
        self.nesterov = bool(nesterov)

    def init(self, w):
        return {"t": 0, "v": np.zeros_like(w, dtype=float)}

    def step(self, w, grad, state, epoch=0):
        # torch starts the velocity at the first gradient rather than at momentum * 0 + grad;
        # with zero initial velocity the two are the same number.
        v = self.momentum * state["v"] + grad if state["t"] > 0 else np.array(grad, dtype=float)
        direction = grad + self.momentum * v if self.nesterov else v
        return w - self.lr_at(epoch) * direction, {"t": state["t"] + 1, "v": v}


class RMSProp(Optimizer):
    """RMSProp: divide each coordinate's step by a running root-mean-square of its gradients.

    ``s <- alpha * s + (1 - alpha) * grad**2``, ``w <- w - lr * grad / (sqrt(s) + eps)``
    (``torch.optim.RMSprop`` with its defaults).

    Examples
    --------
    >>> import numpy as np
    >>> opt = RMSProp(lr=0.01)
    >>> w = np.array([1.0, 1.0]); state = opt.init(w)
    >>> w, state = opt.step(w, np.array([100.0, 0.01]), state)
    >>> (1 - w).round(3)  # both coordinates move by the same amount despite very different gradients
    array([0.1, 0.1])
    """

    def __init__(self, lr=0.01, alpha=0.99, eps=1e-8, *, schedule=None, batch_size=None):
        super().__init__(lr, schedule=schedule, batch_size=batch_size)
        self.alpha = _check_fraction("alpha", alpha)
        self.eps = _check_positive("eps", eps)

    def init(self, w):
        return {"t": 0, "s": np.zeros_like(w, dtype=float)}

    def step(self, w, grad, state, epoch=0):
        s = self.alpha * state["s"] + (1 - self.alpha) * grad * grad
        return w - self.lr_at(epoch) * grad / (np.sqrt(s) + self.eps), {"t": state["t"] + 1, "s": s}


class Adam(Optimizer):
    """Adam: momentum on the gradient plus RMSProp scaling, both bias-corrected.

    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g**2``,
    ``w <- w - lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)`` (``torch.optim.Adam``).

    Parameters
    ----------
    lr : float, default=0.001
    betas : tuple of float, default=(0.9, 0.999)
    eps : float, default=1e-8
    schedule, batch_size
        As in :class:`Optimizer`.

    Examples
    --------
    >>> import numpy as np
    >>> opt = Adam(lr=0.1)
    >>> w = np.array([1.0]); state = opt.init(w)
    >>> w, state = opt.step(w, np.array([123.0]), state)
    >>> w.round(6)  # the first step is about lr, whatever the gradient's size
    array([0.9])
    """

    def __init__(self, lr=0.001, betas=(0.9, 0.999), eps=1e-8, *, schedule=None, batch_size=None):
        super().__init__(lr, schedule=schedule, batch_size=batch_size)
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_check_fraction("betas[0]", betas[0]), _check_fraction("betas[1]", betas[1]))
        self.eps = _check_positive("eps", eps)

    def init(self, w):
        return {"t": 0, "m": np.zeros_like(w, dtype=float), "v": np.zeros_like(w, dtype=float)}

    def step(self, w, grad, state, epoch=0):
        b1, b2 = self.betas
        t = state["t"] + 1
        m = b1 * state["m"] + (1 - b1) * grad
        v = b2 * state["v"] + (1 - b2) * grad * grad
        # Early on m and v are biased towards their zero start; dividing by (1 - beta**t) undoes it.
        step_size = self.lr_at(epoch) / (1 - b1**t)
        denom = np.sqrt(v) / math.sqrt(1 - b2**t) + self.eps
        return w - step_size * (m / denom), {"t": t, "m": m, "v": v}
