"""The training loop every optimiser shares: batches, epochs, stopping rules and a loss history."""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral

import numpy as np

from mlcourse._validation import check_param
from mlcourse.optim._optimizers import GradientDescent, Optimizer


class DivergenceError(FloatingPointError):
    """The loss became infinite or NaN: the steps are too big (or the features are badly scaled)."""


@dataclass
class OptimizeResult:
    """What :func:`minimize` returns.

    Attributes
    ----------
    w : ndarray
        The final parameters.
    loss : float
        The loss at ``w``.
    loss_history : ndarray
        The full-data loss before training and after each epoch (length ``n_epochs + 1``).
    n_epochs : int
        Epochs run (passes over the data; one step each in full batch).
    converged : bool
        Whether the ``tol`` rule stopped the run before ``max_epochs``.
    grad_norm : float
        Euclidean norm of the full-data gradient at ``w``.
    path : ndarray or None
        ``w`` before training and after each epoch, one row each, if ``keep_path=True``.
    """

    w: np.ndarray
    loss: float
    loss_history: np.ndarray
    n_epochs: int
    converged: bool
    grad_norm: float
    path: np.ndarray | None = field(default=None, repr=False)


def _check_finite(loss, w, epoch, optimizer):
    if not (np.isfinite(loss) and np.isfinite(w).all()):
        raise DivergenceError(
            f"the loss became {loss} after epoch {epoch}: gradient descent diverged. "
            f"Use a smaller learning rate than lr={optimizer.lr:g}, or standardise the features."
        )


def _check_arguments(optimizer, X, max_epochs, tol, tol_on):
    """The optimiser to use (``GradientDescent()`` for None), once every argument is checked."""
    optimizer = GradientDescent() if optimizer is None else optimizer
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an mlcourse.optim.Optimizer, got {optimizer!r}")
    check_param(max_epochs, "max_epochs", Integral, min_val=0)
    if not tol >= 0:
        raise ValueError(f"tol must be a non-negative number, got {tol!r}")
    if tol_on not in ("loss", "grad"):
        raise ValueError(f"tol_on must be 'loss' or 'grad', got {tol_on!r}")
    if X is None and optimizer.batch_size is not None:
        raise ValueError(f"{type(optimizer).__name__} with batch_size={optimizer.batch_size} needs data: pass X and y")
    return optimizer


def _one_epoch(fun, w, grad, state, optimizer, X, y, epoch, rng):
    """One pass over the data: one step with the full gradient ``grad``, or one per mini-batch of shuffled rows."""
    batch_size = optimizer.batch_size
    if batch_size is None or batch_size >= len(X):
        return optimizer.step(w, grad, state, epoch)
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        rows = order[start : start + batch_size]
        _, batch_grad = fun(w, X[rows], y[rows])
        w, state = optimizer.step(w, batch_grad, state, epoch)
    return w, state


def minimize(
    fun, w0, optimizer=None, X=None, y=None, *, max_epochs=1000, tol=1e-6, tol_on="loss", rng=None, keep_path=False
):
    """Minimise ``fun`` with a gradient-based optimiser.

    Parameters
    ----------
    fun : callable
        Returns ``(loss, grad)``. Called as ``fun(w)`` when ``X`` is None, else as
        ``fun(w, X_batch, y_batch)`` with the loss averaged over the batch's rows.
    w0 : array_like
        Starting parameters (not modified).
    optimizer : Optimizer, default=GradientDescent(lr=0.01)
        The update rule. Its ``batch_size`` decides how many rows each step sees.
    X, y : array_like, optional
        The data. Needed for stochastic and mini-batch optimisers, which draw rows from them.
    max_epochs : int, default=1000
        Stop after this many passes over the data.
    tol : float, default=1e-6
        Stop early when ``tol_on="loss"`` and the loss changed by less than ``tol`` over an
        epoch, or when ``tol_on="grad"`` and the gradient norm is at most ``tol``.
    tol_on : {"loss", "grad"}, default="loss"
        The gradient norm is the safer test (a loss can stall on a plateau); it costs nothing
        extra because each epoch evaluates the full gradient anyway.
    rng : int, numpy.random.Generator or None
        Shuffles rows each epoch for mini-batch optimisers.
    keep_path : bool, default=False
        Record the parameters after every epoch (for drawing the path).

    Returns
    -------
    OptimizeResult

    Raises
    ------
    DivergenceError
        If the loss becomes inf or NaN; the message suggests a smaller learning rate.

    Examples
    --------
    >>> import numpy as np
    >>> fun = lambda w: (float(w @ w), 2 * w)  # a bowl with its minimum at 0
    >>> res = minimize(fun, [3.0, -4.0], GradientDescent(lr=0.1), tol=1e-12, tol_on="grad")
    >>> res.converged, bool(np.abs(res.w).max() < 1e-12)
    (True, True)
    """
    optimizer = _check_arguments(optimizer, X, max_epochs, tol, tol_on)

    def full(w):  # the loss and gradient over every row
        return fun(w) if X is None else fun(w, X, y)

    rng = np.random.default_rng(rng)
    w = np.array(w0, dtype=float)
    state = optimizer.init(w)
    loss, grad = full(w)
    _check_finite(loss, w, 0, optimizer)
    history, path = [float(loss)], [w.copy()] if keep_path else None
    converged, epoch = False, 0
    # Overflow on the way to divergence is expected and reported as a DivergenceError below,
    # so numpy's own warnings would only repeat it (and clutter notebooks' output).
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, max_epochs + 1):
            if tol_on == "grad" and np.linalg.norm(grad) <= tol:
                converged, epoch = True, epoch - 1
                break
            w, state = _one_epoch(fun, w, grad, state, optimizer, X, y, epoch - 1, rng)
            new_loss, grad = full(w)
            _check_finite(new_loss, w, epoch, optimizer)
            history.append(float(new_loss))
            if keep_path:
                path.append(w.copy())
            change, loss = abs(loss - new_loss), new_loss
            if tol_on == "loss" and change <= tol:
                converged = True
                break
        else:
            converged = tol_on == "grad" and bool(np.linalg.norm(grad) <= tol)
    return OptimizeResult(
        w=w,
        loss=float(loss),
        loss_history=np.array(history),
        n_epochs=epoch,
        converged=converged,
        grad_norm=float(np.linalg.norm(grad)),
        path=np.array(path) if keep_path else None,
    )
