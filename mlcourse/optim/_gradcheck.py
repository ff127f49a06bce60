"""Numerical gradients by central differences, and the gradient check that catches backprop bugs."""

from __future__ import annotations

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Gradient of a scalar function by central differences, one coordinate at a time.

    ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` has error ``O(eps**2)``, against ``O(eps)``
    for the one-sided difference, which is why every gradient checker uses it.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a number; ``x`` has the shape of the input below.
    x : array_like
        Where to evaluate the gradient. Not modified.
    eps : float, default=1e-6
        Half the step. Too large and the curvature biases the estimate; too small and rounding
        error (about 1e-16 / eps) takes over.

    Returns
    -------
    grad : ndarray of float64, shape of ``x``

    Examples
    --------
    >>> numerical_gradient(lambda x: (x**2).sum(), [1.0, -2.0]).round(6)
    array([ 2., -4.])
    """
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps!r}")
    x = np.array(x, dtype=float)  # a copy: we nudge it in place below
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = float(f(x))
        x[i] = old - eps
        f_minus = float(f(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def gradient_check(f, grad_f, x, eps=1e-6):
    """Relative error between an analytic gradient and the numerical one (CS231n's check).

    ``|a - n| / max(|a|, |n|, 1e-8)`` with ``a = grad_f(x)``, ``n = numerical_gradient(f, x)`` and
    ``|.|`` the Euclidean norm. The 1e-8 floor (CS231n's ``rel_error`` has the same) stops
    gradients too small for finite differences to resolve from counting as wrong. Rules of thumb in
    float64: below 1e-7 the gradient is right; around 1e-4 look closer (kinks such as ``abs`` or
    ``relu``); above 1e-2 it is wrong.

    Parameters
    ----------
    f : callable
        Scalar function ``f(x)``.
    grad_f : callable
        Its claimed gradient, ``grad_f(x)`` with the shape of ``x``.
    x : array_like
        Where to compare.
    eps : float, default=1e-6

    Returns
    -------
    rel_error : float

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda w: float(np.sum(w**3))
    >>> gradient_check(f, lambda w: 3 * w**2, np.array([0.5, -1.0])) < 1e-7
    True
    >>> gradient_check(f, lambda w: 2 * w**2, np.array([0.5, -1.0])) > 1e-2  # a wrong gradient
    True
    """
    x = np.asarray(x, dtype=float)
    analytic = np.asarray(grad_f(x.copy()), dtype=float)
    if analytic.shape != x.shape:
        raise ValueError(f"grad_f(x) must have the shape of x {x.shape}, got {analytic.shape}")
    numeric = numerical_gradient(f, x, eps)
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric), 1e-8)
    return float(np.linalg.norm(analytic - numeric) / scale)
