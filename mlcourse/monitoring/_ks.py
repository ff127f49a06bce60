"""The two-sample Kolmogorov–Smirnov test, from scratch: statistic and p-value equal to ``scipy.stats.ks_2samp``.

The statistic is the largest gap between the two empirical CDFs. Its p-value under "both samples come
from one continuous distribution" is a counting problem: merge the two sorted samples and walk a
lattice path from ``(0, 0)`` to ``(n1, n2)``, one step right for each value of the first sample and
one step up for each of the second. Under the null every one of the ``C(n1 + n2, n1)`` paths is
equally likely, and ``D >= d`` exactly when the path strays at least ``d`` from the diagonal. So

* ``method="exact"`` counts the straying paths (Hodges 1958), as the probability that a random path
  has strayed by the time it reaches each point: ``P(i, j) = (i P(i-1, j) + j P(i, j-1)) / (i + j)``
  inside the band, 1 outside. Working with this probability rather than with counts needs no huge
  binomials and keeps full precision for tiny p-values (Viehmann 2021). Cells on one anti-diagonal
  ``i + j = s`` depend only on the previous one, so numpy computes a whole anti-diagonal at once;
* ``method="asymp"`` uses the one-sample two-sided distribution with ``n = n1 n2 / (n1 + n2)``
  rounded to a whole number (:func:`mlcourse.monitoring._kolmogorov.kolmogorov_sf`), or Hodges'
  formula for one-sided tests. With ``n1 = n2 = 1``, ``n = 0.5`` rounds (half to even) to 0, which
  has no distribution: the two-sided p-value is NaN, as in SciPy;
* ``method="auto"`` (default) is exact when both samples have at most 10 000 values.

Each cell is computed with the same floating-point operations as SciPy's loop, so the exact two-sided
p-value agrees with SciPy's to the last bit or so.
"""

from __future__ import annotations

import math
import sys
import warnings
from typing import NamedTuple

import numpy as np

from mlcourse.monitoring._kolmogorov import kolmogorov_sf

_MAX_AUTO_N = 10_000  # "auto" is exact up to this many values per sample
_ALTERNATIVES = ("two-sided", "less", "greater")


class KSResult(NamedTuple):
    """Result of :func:`ks_2samp`: the fields of SciPy's ``KstestResult``."""

    statistic: float
    pvalue: float
    statistic_location: float
    statistic_sign: int


def _as_sample(x, name: str) -> np.ndarray:
    if isinstance(x, (str, bytes)) or np.isscalar(x) or x is None:
        raise TypeError(f"{name} must be a 1-D array-like of numbers, got {type(x).__name__}")
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; the KS test needs at least one value")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinity")
    return arr


def ecdf_gap(data1, data2) -> tuple[np.ndarray, np.ndarray]:
    """Pooled sorted values and ``F1 - F2`` (the difference of the empirical CDFs) at each of them.

    ``searchsorted(..., side="right")`` counts the values ``<= t``, so ties are handled correctly.

    Examples
    --------
    >>> values, gap = ecdf_gap([1.0, 2.0], [2.0, 3.0])
    >>> gap.tolist()
    [0.5, 0.5, 0.5, 0.0]
    """
    data1, data2 = np.sort(data1), np.sort(data2)
    pooled = np.concatenate([data1, data2])
    gap = np.searchsorted(data1, pooled, side="right") / len(data1) - np.searchsorted(
        data2, pooled, side="right"
    ) / len(data2)
    return pooled, gap


def ks_2samp(data1, data2, alternative: str = "two-sided", method: str = "auto") -> KSResult:
    """Two-sample Kolmogorov–Smirnov test: are ``data1`` and ``data2`` drawn from the same distribution?

    Same arguments, defaults and results as ``scipy.stats.ks_2samp``.

    Parameters
    ----------
    data1, data2 : array-like of shape (n1,) and (n2,)
        The two samples; sizes may differ, ties are allowed. No NaN (SciPy returns NaN; we raise).
    alternative : {"two-sided", "less", "greater"}, default="two-sided"
        ``"greater"``: the CDF of ``data1`` lies above that of ``data2`` somewhere (statistic
        ``max(F1 - F2)``); ``"less"``: below (``max(F2 - F1)``); ``"two-sided"``: either.
    method : {"auto", "exact", "asymp"}, default="auto"
        How to compute the p-value (see the module docstring). ``"asymp"`` with two-sided
        alternative and one value in each sample gives a NaN p-value, as SciPy does.

    Returns
    -------
    KSResult
        ``statistic``, ``pvalue``, ``statistic_location`` (the value where the gap is largest) and
        ``statistic_sign`` (+1 when ``F1 > F2`` there).

    Examples
    --------
    >>> res = ks_2samp([0.1, 0.4, 0.7], [0.5, 0.8, 0.9, 1.2])
    >>> round(res.statistic, 4), round(res.pvalue, 4)
    (0.75, 0.2286)
    """
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {list(_ALTERNATIVES)}, got {alternative!r}")
    if method not in ("auto", "exact", "asymp"):
        raise ValueError(f"method must be one of ['auto', 'exact', 'asymp'], got {method!r}")
    data1, data2 = _as_sample(data1, "data1"), _as_sample(data2, "data2")
    n1, n2 = len(data1), len(data2)
    pooled, gap = ecdf_gap(data1, data2)
    i_min, i_max = int(np.argmin(gap)), int(np.argmax(gap))
    d_minus = min(max(-gap[i_min], 0.0), 1.0)
    d_plus = gap[i_max]
    if alternative == "less" or (alternative == "two-sided" and d_minus > d_plus):
        d, location, sign = float(d_minus), pooled[i_min], -1
    else:
        d, location, sign = float(d_plus), pooled[i_max], 1
    d, pvalue = _pvalue(n1, n2, d, alternative, method)
    return KSResult(d, float(pvalue), location.item(), sign)


def _pvalue(n1: int, n2: int, d: float, alternative: str, method: str) -> tuple[float, float]:
    """``(d, p-value)`` by ``method``, falling back to the asymptotic one (with a warning) where exact is out of reach.

    The exact method also snaps ``d`` to its lattice value; ``stacklevel=3`` points warnings at the caller of
    :func:`ks_2samp`.
    """
    g = math.gcd(n1, n2)
    if method == "auto":
        method = "exact" if max(n1, n2) <= _MAX_AUTO_N else "asymp"
    elif method == "exact" and n1 // g >= np.iinfo(np.int32).max / (n2 // g):
        warnings.warn(
            f"an exact p-value is out of reach for sample sizes {n1} and {n2}; using the asymptotic one",
            RuntimeWarning,
            stacklevel=3,
        )
        method = "asymp"
    pvalue = math.nan
    if method == "exact":
        d, pvalue = _exact(n1, n2, g, d, alternative)
        if math.isnan(pvalue):
            warnings.warn(
                "the exact p-value would overflow (the one-sided path count exceeds 1e308); "
                "using the asymptotic one, as SciPy does",
                RuntimeWarning,
                stacklevel=3,
            )
            method = "asymp"
    if method == "asymp":
        pvalue = _asymptotic(n1, n2, d, alternative)
    return d, (pvalue if math.isnan(pvalue) else min(max(pvalue, 0.0), 1.0))  # NaN stays NaN, as np.clip keeps it


# ---------------------------------------------------------------------------------------------
# Exact p-values: lattice paths
# ---------------------------------------------------------------------------------------------


def _exact(n1: int, n2: int, g: int, d: float, alternative: str) -> tuple[float, float]:
    """``(d, P(D >= d))`` with ``d`` snapped to its exact lattice value ``h / lcm(n1, n2)``.

    Returns a NaN p-value when SciPy's one-sided count would overflow (there it gives up too).
    """
    lcm = (n1 // g) * n2
    h = round(d * lcm)  # D is always a multiple of 1/lcm; undo the rounding of the ECDF difference
    d = h / lcm
    if h == 0:
        return d, 1.0
    if alternative == "two-sided":
        if n1 == n2:
            return d, _two_sided_equal_sizes(n1, h)
        return d, _strayed_probability(n1, n2, g, h, two_sided=True)
    if n1 == n2:  # one reflection: C(2n, n - h) / C(2n, n)
        j = np.arange(h)
        return d, float(np.prod((n1 - j) / (n1 + j + 1.0)))
    if math.comb(n1 + n2, n1) > sys.float_info.max:
        return d, math.nan
    return d, _strayed_probability(n1, n2, g, h, two_sided=False)


def _two_sided_equal_sizes(n: int, h: int) -> float:
    """``P(D_{n,n} >= h/n)`` by the reflection principle, summed from the inside out (no cancellation).

    ``P = 2 sum_{k>=1} (-1)^(k+1) C(2n, n - kh) / C(2n, n) = 2 R_0 (1 - R_1 (1 - R_2 (...)))`` where
    ``R_k = C(2n, n - (k+1)h) / C(2n, n - kh)`` is a product of ``h`` ratios ``(n - t) / (n + t + 1)``.
    """
    n_blocks = n // h + 1
    t = np.arange(n_blocks * h)
    ratios = np.where(t < n, (n - t) / (n + t + 1.0), 0.0)
    R = np.prod(ratios.reshape(n_blocks, h), axis=1)
    p = 0.0
    for r in R[::-1]:
        p = r * (1.0 - p)
    return 2 * p


def _strayed_probability(n1: int, n2: int, g: int, h: int, *, two_sided: bool) -> float:
    """Probability that a random lattice path from (0, 0) to (m, n) leaves the band around the diagonal.

    With ``m >= n`` and ``mg, ng = m / g, n / g``, the point ``(i, j)`` is inside when
    ``|ng i - mg j| < h`` (two-sided) or ``ng i - mg j < h`` (one-sided). We sweep anti-diagonals
    ``s = i + j``; ``prev[j + 1]`` holds ``P(s - 1 - j, j)``, and 1 wherever that point is outside.
    """
    m, n = max(n1, n2), min(n1, n2)
    mg, ng = m // g, n // g
    total = mg + ng
    # Inside points on anti-diagonal s: ng s - h < total j (< ng s + h), 0 <= i = s - j <= m, 0 <= j <= n.
    s = np.arange(m + n + 1)
    lows = np.maximum(np.maximum((ng * s - h) // total + 1, s - m), 0)
    highs = np.minimum(np.minimum(-((-(ng * s + h)) // total) - 1, n), s) if two_sided else np.minimum(n, s)
    if (highs < lows).any():
        return 1.0  # every path is outside somewhere on that anti-diagonal
    prev = np.ones(n + 2)  # index 0 is j = -1, never read with a non-zero weight
    prev[1] = 0.0  # the origin: no path has strayed yet
    prev_lo = 0
    J = np.arange(-1, n + 1, dtype=float)
    for s, lo, hi in zip(range(1, m + n + 1), lows[1:].tolist(), highs[1:].tolist(), strict=True):
        j = J[lo + 1 : hi + 2]
        new = prev[lo + 1 : hi + 2] * (s - j)  # i P(i - 1, j) ...
        new += prev[lo : hi + 1] * j  # ... + j P(i, j - 1)
        new /= s
        if lo > prev_lo:
            prev[prev_lo + 1 : lo + 1] = 1.0  # points that left the band from below
            prev_lo = lo
        prev[lo + 1 : hi + 2] = new
    return float(prev[n + 1])


# ---------------------------------------------------------------------------------------------
# Asymptotic p-values
# ---------------------------------------------------------------------------------------------


def _asymptotic(n1: int, n2: int, d: float, alternative: str) -> float:
    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = m * n / (m + n)
    if alternative == "two-sided":
        return kolmogorov_sf(int(np.round(en)), d)
    z = math.sqrt(en) * d
    # Hodges (1958), eq. 5.3: the one-sided limit with a first-order correction (m is the larger size).
    return math.exp(-2 * z**2 - 2 * z * (m + 2 * n) / math.sqrt(m * n * (m + n)) / 3.0)
