"""Tail probabilities of the one-sample Kolmogorov–Smirnov statistics, for large-sample KS p-values.

``kolmogorov_sf(n, x)`` is ``P(D_n >= x)`` for the two-sided statistic ``D_n = sup |F_n - F|`` of
``n`` draws (SciPy's ``kstwo.sf``) and ``smirnov_sf(n, x)`` is ``P(D_n^+ >= x)`` for the one-sided one
(SciPy's ``special.smirnov``). The two-sample test only needs them when a sample has more than 10 000
values; smaller samples get an exact lattice-path count (see :mod:`mlcourse.monitoring._ks`).

No single formula is both exact and fast everywhere, so ``kolmogorov_sf`` follows the choice of
Simard & L'Ecuyer (2011), as SciPy does:

* tiny and huge ``n x`` have closed forms (Ruben & Gambino 1982);
* ``x >= 1/2``, and otherwise large ``n x**2``: twice the one-sided tail (Smirnov 1944; the
  double crossing it ignores is below 1e-14 there);
* small ``n x**2``: the exact Durbin (1968) matrix, powered as Marsaglia, Tsang & Wang (2003) do;
* large ``n`` with middling ``n x**2``: the Pelz & Good (1976) expansion.

SciPy uses Pomeranz's (1974) recursion for ``n <= 140`` and ``0.754693 < n x**2 <= 4``; we use the
Durbin matrix there too. Both compute the same exact probability with positive terms only, and
``tests/test_monitoring.py`` checks they agree to 1e-12.
"""

from __future__ import annotations

import math

import numpy as np

_LOG_MIN = math.log(np.finfo(float).tiny)  # about -708.4: exp() of anything lower underflows
_SQRT_2PI = math.sqrt(2 * math.pi)


# Stirling's series for log k! - (k log k - k + log(2 pi k) / 2), good to 1e-17 from k = 20 on.
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188)
_SMALL_K = 20
_SMALL_REMAINDERS = np.array(
    [0.0] + [math.lgamma(k + 1) - (k * math.log(k) - k + 0.5 * math.log(2 * math.pi * k)) for k in range(1, _SMALL_K)]
)


def _stirling_remainder(k: np.ndarray) -> np.ndarray:
    big = np.maximum(k, _SMALL_K)
    series = sum(c / big ** (2 * i + 1) for i, c in enumerate(_STIRLING))
    return np.where(k < _SMALL_K, _SMALL_REMAINDERS[np.minimum(k, _SMALL_K - 1).astype(int)], series)


def smirnov_sf(n: int, x: float) -> float:
    """``P(D_n^+ >= x)``: the one-sided KS tail, by Birnbaum & Tingey's sum of positive terms.

    ``P = x * sum_{v=0}^{floor(n(1-x))} C(n, v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v)``. Each term is
    the exponential of its logarithm, written with Stirling's formula so that the large parts
    (``n log n`` and the like) cancel on paper rather than in floating point.

    Examples
    --------
    >>> round(smirnov_sf(10, 0.3), 6)
    0.135464
    """
    if x <= 0:
        return 1.0
    if x >= 1:
        return 0.0
    if n == 1:
        return 1.0 - x
    nx = n * x
    if nx <= 1:  # only the v = 0 term of the complementary sum: the CDF is x (1 + x)^(n-1)
        return 1.0 - x * (1.0 + x) ** (n - 1)
    if -2 * n * x * x < _LOG_MIN:
        return 0.0
    if nx >= n - 1:
        return (1.0 - x) ** n
    if n > 1_000_000:  # Hodges' approximation: the exact sum would take too long, as in SciPy
        log_p = -((6.0 * nx + 1) ** 2) / 18.0 / n
        return math.exp(log_p) if log_p < -math.log(2) else -math.expm1(log_p)
    v = np.arange(1, math.floor(n * (1 - x)) + 1, dtype=float)
    v = v[n - v > nx]  # the term with 1 - x - v/n == 0 is zero
    log_terms = (
        math.log(n)
        - np.log(nx + v)
        + v * np.log1p(nx / v)
        + (n - v) * np.log1p(-nx / (n - v))
        + 0.5 * np.log(n / (2 * math.pi * v * (n - v)))
        + _stirling_remainder(np.array(float(n)))
        - _stirling_remainder(v)
        - _stirling_remainder(n - v)
    )
    p = (1.0 - x) ** n + x * np.exp(log_terms).sum()  # the v = 0 term, then the others
    return float(min(max(p, 0.0), 1.0))


def _factorial_over_power(n: int, scale: float) -> tuple[float, int]:
    """``scale * n! / n**n`` as ``(mantissa, exponent)``, exactly scaled by powers of 2, no underflow."""
    mantissas, exponents = np.frexp(np.arange(1, n + 1) / n)
    mantissa, exponent = math.frexp(scale)
    # Mantissas lie in [0.5, 1): a product of 256 of them stays far above the underflow limit.
    for start in range(0, n, 256):
        mantissa, e = math.frexp(mantissa * float(np.prod(mantissas[start : start + 256])))
        exponent += e
    return mantissa, exponent + int(exponents.sum())


def durbin_cdf(n: int, d: float) -> float:
    """``P(D_n < d)`` exactly: Durbin's matrix, raised to the power ``n`` by repeated squaring.

    With ``n d = k - h`` (``k`` whole, ``0 <= h < 1``) the probability is ``n!/n^n`` times the
    middle element of ``H^n``, ``H`` being a ``(2k-1) x (2k-1)`` matrix of ``1/j!`` terms.
    """
    if d >= 1:
        return 1.0
    nd = n * d
    if nd <= 0.5:
        return 0.0
    k = math.ceil(nd)
    h = k - nd
    m = 2 * k - 1
    inv_factorial = np.ones(m + 1)
    for j in range(1, m + 1):
        inv_factorial[j] = inv_factorial[j - 1] / j
    rows, cols = np.indices((m, m))
    lag = rows - cols + 1
    H = np.where(lag >= 0, inv_factorial[np.clip(lag, 0, m)], 0.0)
    first = (1.0 - h ** np.arange(1, m + 1)) * inv_factorial[1:]
    H[:, 0] = first
    H[-1, :] = first[::-1]
    H[-1, 0] = (1.0 - 2 * h**m + max(2 * h - 1, 0.0) ** m) * inv_factorial[m]

    # H^n by squaring; divide by 2^128 (exact) whenever the entry we need grows past 2^128.
    power, power_exp, square_exp, remaining = np.eye(m), 0, 0, n
    while remaining:
        if remaining & 1:
            power = power @ H
            power_exp += square_exp
        H = H @ H
        square_exp *= 2
        if abs(H[k - 1, k - 1]) > 2.0**128:
            H = np.ldexp(H, -128)
            square_exp += 128
        remaining >>= 1
    mantissa, exponent = _factorial_over_power(n, power[k - 1, k - 1])
    return math.ldexp(mantissa, exponent + power_exp)


def pelz_good_cdf(n: int, x: float) -> float:
    """``P(D_n <= x)`` by the Pelz–Good (1976) expansion in powers of ``1/sqrt(n)``, for large ``n``."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    z = math.sqrt(n) * x
    z2 = z * z
    log_q = -(math.pi**2) / 8 / z2
    if log_q < -708:
        return 0.0
    pi2, pi4, pi6 = math.pi**2, math.pi**4, math.pi**6
    n_terms = math.ceil(16 * z / math.pi)
    odd = 2.0 * np.arange(1, n_terms + 1) - 1  # the sums over odd m of q^(m^2)
    m2 = odd**2
    q_odd = np.exp(log_q * m2)
    k0 = q_odd.sum()
    k1 = ((pi2 / 4) * m2 - z2) @ q_odd
    k2 = (6 * z**6 + 2 * z**4 + (2 * z**4 - 5 * z2) * pi2 / 4 * m2 + pi4 * (1 - 2 * z2) / 16 * m2**2) @ q_odd
    k3 = (
        pi6 * (5 - 30 * z2) / 64 * m2**3
        + pi4 * (-60 * z2 + 212 * z**4) / 16 * m2**2
        + pi2 * (135 * z**4 - 96 * z**6) / 4 * m2
        - 30 * z**6
        - 90 * z**8
    ) @ q_odd
    K = _SQRT_2PI * np.array([k0 / z, k1 / (6 * z**4), k2 / (72 * z**7), k3 / (6480 * z**10)])
    whole = np.arange(1, n_terms + 1, dtype=float) ** 2  # the sums over all k of q'^(k^2)
    q_whole = np.exp(-pi2 / 2 / z2 * whole)
    K[2] -= _SQRT_2PI * pi2 / (36 * z**3) * (whole @ q_whole)
    K[3] += _SQRT_2PI * pi2 / (216 * z**6) * (((3 * z2 - pi2 * whole) * whole) @ q_whole)
    return float(K @ (float(n) ** -(np.arange(4) / 2)))


def kolmogorov_sf(n: int, x: float) -> float:
    """``P(D_n >= x)`` for the two-sided one-sample KS statistic of ``n`` draws (SciPy's ``kstwo.sf``).

    Parameters
    ----------
    n : int
        Sample size. ``n < 1`` has no distribution: NaN, as SciPy's ``kstwo.sf(x, 0)``.
    x : float
        The statistic, in [0, 1].

    Returns
    -------
    float

    Examples
    --------
    >>> round(kolmogorov_sf(20, 0.3), 6)
    0.043067
    """
    if n < 1:  # ks_2samp's asymptotic size for n1 = n2 = 1 rounds to 0 (see mlcourse.monitoring._ks)
        return math.nan
    if x >= 1:
        return 0.0
    if x <= 0:
        return 1.0
    t = n * x
    if t <= 1:  # Ruben–Gambino: the CDF is n!/n^n (2t - 1)^n
        if t <= 0.5:
            return 1.0
        mantissa, exponent = _factorial_over_power(n, 1.0)
        log_cdf = math.log(mantissa) + exponent * math.log(2) + n * math.log(2 * t - 1)
        return _clip(1.0 - math.exp(log_cdf))
    if t >= n - 1:
        return _clip(2 * (1.0 - x) ** n)
    if x >= 0.5:  # the two one-sided tails cannot both be crossed
        return _clip(2 * smirnov_sf(n, x))
    nx2 = t * x
    if n <= 140:
        if nx2 <= 4:
            return _clip(1.0 - durbin_cdf(n, x))
        return _clip(2 * smirnov_sf(n, x))
    if nx2 >= 370:
        return 0.0
    if nx2 >= 2.2:
        return _clip(2 * smirnov_sf(n, x))
    if n <= 100_000 and n * x**1.5 <= 1.4:
        return _clip(1.0 - durbin_cdf(n, x))
    return _clip(1.0 - pelz_good_cdf(n, x))


def _clip(p: float) -> float:
    return float(min(max(p, 0.0), 1.0))
