"""Drift statistics from scratch: PSI, Jensen–Shannon distance and the chi-square test for categories.

All compare a *reference* sample (what the model was trained on) with a *current* one (what it sees
now). Twins, parity-tested in ``tests/test_monitoring.py``:

* :func:`jensenshannon` — ``scipy.spatial.distance.jensenshannon``;
* :func:`chi2_contingency` — ``scipy.stats.chi2_contingency`` (statistic, p-value, dof, expected);
* :func:`chi2_permutation_test` — ``scipy.stats.permutation_test`` with the chi-square statistic, for
  tables whose expected counts are too small for the chi-square distribution (:func:`cochran_rule`);
* :func:`mlcourse.monitoring.ks_2samp` (in :mod:`mlcourse.monitoring._ks`) — ``scipy.stats.ks_2samp``.

PSI (population stability index) has no SciPy twin; it is the credit-scoring industry's drift score.
Bin the reference by its own quantiles, so that each bin holds about the same share of it, then

``PSI = sum_bins (current% - reference%) * ln(current% / reference%)``.

Rules of thumb: below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a major one.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> reference = rng.normal(size=5000)
>>> round(psi(reference, rng.normal(size=5000)), 3), round(psi(reference, rng.normal(0.5, size=5000)), 3)
(0.005, 0.254)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from mlcourse.monitoring._checks import check_int
from mlcourse.monitoring._special import chi2_sf

#: What an empty bin counts as, instead of 0, so that ``ln(current% / reference%)`` stays finite.
#: 1e-4 (0.01 %) is the usual choice: a bin that is empty in one sample and holds 10 % of the other
#: then adds ``0.1 * ln(0.1 / 1e-4) = 0.69`` to the PSI, a clear alarm without an infinity.
PSI_EPS = 1e-4


def _sample(values, name: str, *, numeric: bool) -> np.ndarray:
    if isinstance(values, (str, bytes)) or np.isscalar(values) or values is None:
        raise TypeError(f"{name} must be a 1-D array-like, got {type(values).__name__}")
    arr = np.asarray(values)
    if arr.dtype.kind == "O":
        if not all(isinstance(v, str) for v in arr.ravel()):
            raise TypeError(f"{name} must hold numbers or strings, not mixed Python objects")
        arr = arr.astype(str)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if numeric:
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
        arr = arr.astype(float)
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or infinity")
    elif arr.dtype.kind not in "biufUSb":
        raise TypeError(f"{name} must hold category labels (numbers, strings or booleans), got dtype {arr.dtype}")
    elif arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN")
    return arr


# ---------------------------------------------------------------------------------------------
# PSI
# ---------------------------------------------------------------------------------------------


def quantile_bins(reference, n_bins: int = 10) -> np.ndarray:
    """Cut points that split ``reference`` into ``n_bins`` bins of (about) equal size.

    The cut points are reference values: ``c_k`` is the smallest value with at least ``k / n_bins``
    of the reference at or below it (``np.quantile(..., method="inverted_cdf")``). Bins are closed
    on the right and the outer ones open: ``(-inf, c_1], (c_1, c_2], ..., (c_last, +inf)``, so a
    current value beyond the reference's range still lands in a bin. Repeated cut points (heavy ties)
    are merged, so a feature with few distinct values gets fewer bins.

    Parameters
    ----------
    reference : array-like of shape (n_samples,)
    n_bins : int, default=10

    Returns
    -------
    cuts : ndarray of shape (n_cuts,)
        Increasing interior cut points, at most ``n_bins - 1`` of them.

    Examples
    --------
    >>> quantile_bins([1, 2, 3, 4, 5, 6, 7, 8], n_bins=4).tolist()
    [2.0, 4.0, 6.0]
    >>> quantile_bins([0, 0, 0, 0, 0, 0, 1, 1, 2, 5], n_bins=4).tolist()
    [0.0, 1.0]
    """
    reference = _sample(reference, "reference", numeric=True)
    n_bins = check_int(n_bins, "n_bins", 2)
    return np.unique(np.quantile(reference, np.arange(1, n_bins) / n_bins, method="inverted_cdf"))


def bin_fractions(values, cuts) -> np.ndarray:
    """Share of ``values`` in each bin of :func:`quantile_bins` (right-closed bins).

    Examples
    --------
    >>> bin_fractions([0, 1, 2, 3], cuts=[1.5]).tolist()
    [0.5, 0.5]
    """
    values = _sample(values, "values", numeric=True)
    counts = np.bincount(np.searchsorted(np.asarray(cuts, dtype=float), values, side="left"), minlength=len(cuts) + 1)
    return counts / len(values)


def category_fractions(reference, current) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Categories seen in either sample (sorted), with the share of each sample in each.

    Examples
    --------
    >>> cats, ref, cur = category_fractions(["a", "a", "b", "b"], ["a", "c"])
    >>> cats.tolist(), ref.tolist(), cur.tolist()
    (['a', 'b', 'c'], [0.5, 0.5, 0.0], [0.5, 0.0, 0.5])
    """
    counts, categories = category_counts(reference, current)
    return categories, counts[0] / counts[0].sum(), counts[1] / counts[1].sum()


def category_counts(reference, current) -> tuple[np.ndarray, np.ndarray]:
    """The 2 x k table of counts (row 0 reference, row 1 current) over the categories of either sample."""
    reference = _sample(reference, "reference", numeric=False)
    current = _sample(current, "current", numeric=False)
    if (reference.dtype.kind in "US") != (current.dtype.kind in "US"):
        raise TypeError(
            f"reference and current must both hold strings or both numbers, got {reference.dtype} and {current.dtype}"
        )
    categories, codes = np.unique(np.concatenate([reference, current]), return_inverse=True)
    n_ref = len(reference)
    counts = np.vstack(
        [
            np.bincount(codes[:n_ref], minlength=len(categories)),
            np.bincount(codes[n_ref:], minlength=len(categories)),
        ]
    )
    return counts, categories


def psi_from_fractions(reference_fractions, current_fractions, eps: float = PSI_EPS) -> float:
    """PSI between two histograms given as fractions per bin (each summing to 1).

    Fractions below ``eps`` are raised to ``eps`` (see :data:`PSI_EPS`) so that empty bins give a
    large but finite contribution.

    Examples
    --------
    >>> round(psi_from_fractions([0.5, 0.5], [0.25, 0.75]), 6)  # 0.25 ln 2 + 0.25 ln 1.5 = 0.25 ln 3
    0.274653
    """
    ref = np.asarray(reference_fractions, dtype=float)
    cur = np.asarray(current_fractions, dtype=float)
    if ref.shape != cur.shape or ref.ndim != 1 or ref.size == 0:
        raise ValueError(
            f"reference_fractions and current_fractions must be 1-D of one length, got {ref.shape}, {cur.shape}"
        )
    if not (np.isfinite(ref).all() and np.isfinite(cur).all() and (ref >= 0).all() and (cur >= 0).all()):
        raise ValueError("fractions must be finite and non-negative")
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps!r}")
    ref, cur = np.maximum(ref, eps), np.maximum(cur, eps)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def psi(reference, current, *, n_bins: int = 10, eps: float = PSI_EPS) -> float:
    """Population stability index of a numeric feature, with reference-quantile bins.

    Parameters
    ----------
    reference, current : array-like of shape (n_samples,)
        Numbers; the sizes may differ.
    n_bins : int, default=10
        Deciles of the reference by default.
    eps : float, default=PSI_EPS
        What an empty bin counts as (see :data:`PSI_EPS`).

    Returns
    -------
    float
        0 when both samples fill the bins in the same proportions; grows with the shift.
        It is symmetric in the two histograms, but the bins come from ``reference``.

    Examples
    --------
    >>> psi([1, 2, 3, 4], [1, 2, 3, 4], n_bins=2)
    0.0
    """
    cuts = quantile_bins(reference, n_bins)
    return psi_from_fractions(bin_fractions(reference, cuts), bin_fractions(current, cuts), eps)


# ---------------------------------------------------------------------------------------------
# Jensen–Shannon distance
# ---------------------------------------------------------------------------------------------


def rel_entr(x, y, /) -> np.ndarray:
    """Elementwise ``x ln(x / y)``, with ``0 ln(0 / y) = 0`` and ``+inf`` where ``x > 0 = y`` (SciPy's)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((x > 0) & (y > 0), x * np.log(x / y), np.inf)
    return np.where((x == 0) & (y >= 0), 0.0, out)


def jensenshannon(p, q, base: float | None = None, *, axis: int = 0, keepdims: bool = False):
    """Jensen–Shannon distance: the square root of the mean KL divergence of ``p`` and ``q`` to their average.

    Same arguments and results as ``scipy.spatial.distance.jensenshannon``. ``p`` and ``q`` are
    normalised to sum to 1 along ``axis``. The distance is symmetric, 0 for equal distributions, and at
    most ``sqrt(ln 2)`` (1 with ``base=2``) for distributions with no overlap.

    Parameters
    ----------
    p, q : array-like
        Non-negative weights (counts or fractions) of one shape.
    base : float, optional
        Logarithm base; natural logarithm by default.
    axis : int, default=0
    keepdims : bool, default=False

    Returns
    -------
    float or ndarray

    Raises
    ------
    ValueError
        On negative, NaN or all-zero weights, and on shapes that differ (SciPy returns NaN or infinity
        for the first ones, or broadcasts).

    Examples
    --------
    >>> float(jensenshannon([1, 0], [0, 1], base=2))
    1.0
    """
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if p.shape != q.shape or p.ndim == 0:
        raise ValueError(f"p and q must be arrays of one shape, got {p.shape} and {q.shape}")
    for name, arr in (("p", p), ("q", q)):
        if not np.isfinite(arr).all() or (arr < 0).any():
            raise ValueError(f"{name} must hold finite non-negative weights")
        if (np.sum(arr, axis=axis) == 0).any():
            raise ValueError(f"{name} sums to 0 along axis {axis}; it is not a distribution")
    if base is not None and not (base > 0 and base != 1):
        raise ValueError(f"base must be positive and not 1, got {base!r}")
    p = p / np.sum(p, axis=axis, keepdims=True)
    q = q / np.sum(q, axis=axis, keepdims=True)
    m = (p + q) / 2.0
    js = np.sum(rel_entr(p, m), axis=axis, keepdims=keepdims) + np.sum(rel_entr(q, m), axis=axis, keepdims=keepdims)
    if base is not None:
        js /= np.log(base)
    return np.sqrt(js / 2.0)


# ---------------------------------------------------------------------------------------------
# Chi-square test of a contingency table
# ---------------------------------------------------------------------------------------------


class Chi2Result(NamedTuple):
    """Result of :func:`chi2_contingency`: the fields of SciPy's ``Chi2ContingencyResult``."""

    statistic: float
    pvalue: float
    dof: int
    expected_freq: np.ndarray


def expected_freq(observed) -> np.ndarray:
    """Counts expected under independence: ``row total * column total / grand total`` (any number of axes)."""
    observed = np.asarray(observed, dtype=np.float64)
    expected = np.ones_like(observed)
    for axis in range(observed.ndim):
        other = tuple(a for a in range(observed.ndim) if a != axis)
        expected = expected * observed.sum(axis=other, keepdims=True)
    return expected / observed.sum() ** (observed.ndim - 1)


def chi2_contingency(observed, correction: bool = True) -> Chi2Result:
    """Pearson's chi-square test of independence of the variables in a contingency table.

    Same arguments, defaults and results as ``scipy.stats.chi2_contingency`` (Pearson's statistic).
    For drift, the table has one row per sample (reference, current) and one column per category:
    independence means the category mix did not change.

    Parameters
    ----------
    observed : array-like of non-negative counts, at least 1-D
    correction : bool, default=True
        Yates' continuity correction, applied (as in SciPy) only when there is 1 degree of freedom:
        each count moves 0.5 towards its expected value, but never past it.

    Returns
    -------
    Chi2Result
        ``statistic``, ``pvalue`` (chi-square tail with ``dof`` degrees of freedom), ``dof``
        (``size - sum(shape) + ndim - 1``) and ``expected_freq``.

    Examples
    --------
    >>> res = chi2_contingency([[10, 0], [5, 5]])
    >>> round(res.statistic, 4), round(res.pvalue, 4), res.dof
    (4.2667, 0.0389, 1)
    """
    observed = np.asarray(observed)
    if observed.dtype.kind not in "biuf":
        raise TypeError(f"observed must hold counts (numbers), got dtype {observed.dtype}")
    if observed.size == 0:
        raise ValueError("observed is empty")
    if not np.isfinite(observed).all() or (observed < 0).any():
        raise ValueError("observed must hold finite, non-negative counts")
    if observed.sum() == 0:
        raise ValueError("observed holds no counts at all")
    expected = expected_freq(observed)
    if (expected == 0).any():
        where = tuple(int(i) for i in np.argwhere(expected == 0)[0])
        raise ValueError(f"observed has an all-zero row or column (expected frequency 0 at {where})")
    dof = expected.size - sum(expected.shape) + expected.ndim - 1
    if dof == 0:  # a single row or column: observed == expected
        return Chi2Result(0.0, 1.0, 0, expected)
    observed = observed.astype(np.float64)
    if dof == 1 and correction:
        diff = expected - observed
        observed = observed + np.sign(diff) * np.minimum(0.5, np.abs(diff))
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    return Chi2Result(statistic, chi2_sf(statistic, dof), int(dof), expected)


def chi_square_test(reference, current, correction: bool = True) -> Chi2Result:
    """Chi-square test that two samples of category labels have the same category mix.

    Builds the 2 x k table of counts (:func:`category_counts`) and runs :func:`chi2_contingency`.

    Examples
    --------
    >>> res = chi_square_test(["a"] * 50 + ["b"] * 50, ["a"] * 30 + ["b"] * 70)
    >>> res.dof, round(res.pvalue, 4)
    (1, 0.0061)
    """
    counts, _ = category_counts(reference, current)
    return chi2_contingency(counts, correction=correction)


# ---------------------------------------------------------------------------------------------
# When the chi-square distribution cannot be trusted: Cochran's rule and a permutation test
# ---------------------------------------------------------------------------------------------


def cochran_rule(expected) -> bool:
    """Whether the chi-square p-value of a table with these expected counts can be trusted (Cochran 1954).

    Pearson's statistic follows a chi-square distribution only approximately, and the approximation
    fails when expected counts are small. Cochran's rule: every expected count is at least 1 and at
    most 20 % of them are below 5. For a 2 x 2 table that means all four at least 5.

    Examples
    --------
    >>> cochran_rule([[10, 6], [10, 6]]), cochran_rule([[0.5, 9.5], [0.5, 9.5]])
    (True, False)
    >>> cochran_rule(np.r_[[4.0], np.full(9, 50.0)])  # one count in ten below 5 (but at least 1)
    True
    """
    expected = np.asarray(expected, dtype=float)
    return bool((expected >= 1).all() and np.mean(expected < 5) <= 0.2)


def _pearson(tables: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return np.sum((tables - expected) ** 2 / expected, axis=(-2, -1))


def chi2_permutation_test(observed, *, n_permutations: int = 1999, random_state=0) -> Chi2Result:
    """Permutation test of a 2 x k table of counts with Pearson's chi-square statistic.

    For the drift tables (row 0 reference, row 1 current, one column per category) when the chi-square
    distribution cannot be trusted (:func:`cochran_rule`). If both rows are samples of one population,
    every way to split the pooled values into a reference and a current sample of the observed sizes is
    equally likely. A split is a permutation of the sample labels, and the reference row it gives is a
    multivariate hypergeometric draw of ``n_ref`` values from the column totals, which numpy samples
    directly (``Generator.multivariate_hypergeometric``), without shuffling every value. The p-value is
    the share of ``n_permutations`` random splits whose statistic is at least the observed one, counting
    the observed split among them, ``(1 + hits) / (1 + n_permutations)``: it is never 0, and the test
    stays valid (as ``scipy.stats.permutation_test`` computes it for random permutations). Statistics
    that differ by rounding only (the same table with its columns in another order) count as ties.

    This is a Monte Carlo estimate of the exact conditional test (Fisher–Freeman–Halton with the
    chi-square ordering). Enumerating every table instead is exact but grows combinatorially with the
    counts; a bounded number of random splits costs ``O(n_permutations k)`` whatever the counts, and a
    fixed ``random_state`` makes the p-value reproducible. Its Monte Carlo standard error is
    ``sqrt(p (1 - p) / n_permutations)``, about 0.005 near p = 0.05 with the default.

    Parameters
    ----------
    observed : array-like of shape (2, k)
        Non-negative whole counts; no all-zero row or column.
    n_permutations : int, default=1999
        Random splits drawn; the smallest possible p-value is ``1 / (n_permutations + 1)``.
    random_state : int, numpy Generator or None, default=0
        Seed or generator of the random splits (``numpy.random.default_rng``); ``None`` for fresh entropy.

    Returns
    -------
    Chi2Result
        ``statistic`` (Pearson's, without Yates' correction: the correction only adjusts the
        chi-square approximation, which this test does not use), ``pvalue``, and ``dof`` and
        ``expected_freq`` as in :func:`chi2_contingency`.

    Examples
    --------
    >>> res = chi2_permutation_test([[8, 7, 0, 0], [0, 0, 9, 6]])  # expected counts 3 to 4.5
    >>> round(res.statistic, 1), res.pvalue  # no split of the 30 values is as extreme: p = 1 / 2000
    (30.0, 0.0005)
    """
    observed = np.asarray(observed)
    if observed.ndim != 2 or observed.shape[0] != 2:
        raise ValueError(f"observed must be a 2 x k table (one row per sample), got shape {observed.shape}")
    if observed.dtype.kind not in "biuf":
        raise TypeError(f"observed must hold counts (numbers), got dtype {observed.dtype}")
    if not np.isfinite(observed).all() or (observed < 0).any() or (observed != np.round(observed)).any():
        raise ValueError("observed must hold finite, non-negative whole counts")
    n_permutations = check_int(n_permutations, "n_permutations", 1)
    expected = expected_freq(observed)
    if (expected == 0).any():
        where = tuple(int(i) for i in np.argwhere(expected == 0)[0])
        raise ValueError(f"observed has an all-zero row or column (expected frequency 0 at {where})")
    rng = np.random.default_rng(random_state)
    observed = observed.astype(np.int64)
    totals, n_ref = observed.sum(axis=0), int(observed[0].sum())
    dof = observed.shape[1] - 1
    statistic = float(_pearson(observed, expected))
    if dof == 0:  # one category: every split gives the observed table
        return Chi2Result(statistic, 1.0, 0, expected)
    tolerance = abs(statistic) * np.finfo(float).eps * 100  # as scipy.stats.permutation_test
    hits = 0
    chunk = max(1, 1_000_000 // observed.shape[1])  # bounded memory: at most about a million cells at once
    for start in range(0, n_permutations, chunk):
        ref_rows = rng.multivariate_hypergeometric(totals, n_ref, size=min(chunk, n_permutations - start))
        tables = np.stack([ref_rows, totals - ref_rows], axis=1)
        hits += int(np.count_nonzero(_pearson(tables, expected) >= statistic - tolerance))
    return Chi2Result(statistic, (hits + 1) / (n_permutations + 1), int(dof), expected)


def unseen_share(reference, current) -> float:
    """Share of the ``current`` values (rows, not distinct values) that never occur in ``reference``.

    The drift check of identifier columns (customer IDs, UUIDs), whose values are nearly all distinct,
    so that no test on category counts is possible.

    Examples
    --------
    >>> unseen_share(["u1", "u2", "u3"], ["u2", "u9", "u9", "u3"])
    0.5
    """
    reference = _sample(reference, "reference", numeric=False)
    current = _sample(current, "current", numeric=False)
    return float(np.mean(~np.isin(current, reference)))
