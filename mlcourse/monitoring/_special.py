"""The regularised upper incomplete gamma function, for chi-square tail probabilities.

``chi2.sf(x, k) = Q(k / 2, x / 2)``. ``Q`` is summed as a power series below ``x = a + 1`` (where
``Q`` is at least about 0.4, so ``1 - P`` loses nothing) and as Legendre's continued fraction above
it (where ``Q`` may be tiny and must be computed directly), as in *Numerical Recipes* §6.2.
"""

from __future__ import annotations

import math

_EPS = 2.0**-53
_TINY = 1e-300
_MAX_ITER = 100_000


def gammaincc(a: float, x: float) -> float:
    """Regularised upper incomplete gamma ``Q(a, x) = Γ(a, x) / Γ(a)`` for ``a > 0, x >= 0``.

    Examples
    --------
    >>> round(gammaincc(1.0, 2.0), 12) == round(math.exp(-2.0), 12)
    True
    """
    if not a > 0:
        raise ValueError(f"a must be positive, got {a!r}")
    if not x >= 0:
        raise ValueError(f"x must be non-negative, got {x!r}")
    if x == 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    log_prefactor = a * math.log(x) - x - math.lgamma(a)  # log(x^a e^-x / Γ(a))
    if x < a + 1:
        term = total = 1.0 / a
        for k in range(1, _MAX_ITER):
            term *= x / (a + k)
            total += term
            if abs(term) < abs(total) * _EPS:
                break
        return 1.0 - total * math.exp(log_prefactor)
    # Modified Lentz evaluation of 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / ...)).
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    fraction = d
    for k in range(1, _MAX_ITER):
        an = -k * (k - a)
        b += 2.0
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        fraction *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(log_prefactor) * fraction


def chi2_sf(x: float, dof: int) -> float:
    """``P(X >= x)`` for a chi-square variable with ``dof`` degrees of freedom."""
    if x <= 0:
        return 1.0
    return gammaincc(dof / 2.0, x / 2.0)
