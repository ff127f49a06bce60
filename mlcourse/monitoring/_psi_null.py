"""A sample-size-aware PSI alarm: the PSI that a batch with no drift at all exceeds with probability ``alpha``.

PSI is biased upward in small samples. Even when the current batch comes from the very distribution of
the reference, its bin shares differ from the reference's by sampling noise, and every difference adds a
positive term ``(c_b - r_b) ln(c_b / r_b)``. For ``k`` bins, ``PSI`` is then close to
``(1 / n + 1 / m) * chi2(k - 1)`` for a batch of ``n`` rows and a reference of ``m`` rows (it is the
symmetrised chi-square divergence, to second order), whose mean is about ``(k - 1) (1 / n + 1 / m)``:
with deciles, 0.18 for ``n = m = 100``. The fixed rule of thumb (alarm above 0.1) thus fires on more than
80 % of the no-drift batches of 100 rows against a reference of 100 rows, on about half of them against a
reference of 2000, and on none of the no-drift batches of 1000 rows or more.

:func:`psi_null_threshold` replaces the fixed 0.1 with a threshold for the batch size at hand, by the
bootstrap: treat the reference as the population, draw from it (with replacement) a new reference of its
own size and a batch of ``n`` rows, compute their PSI with :func:`~mlcourse.monitoring.psi` (bins from the
resampled reference, as the real check takes them from the real one), and repeat. Both draws are
resampled because both samples are noisy in the real check; the ``1 - alpha`` quantile of these PSIs is
the threshold.
"""

from __future__ import annotations

import numbers

import numpy as np

from mlcourse._validation import check_scalar
from mlcourse.monitoring._stats import PSI_EPS, _sample, psi


def psi_null_threshold(
    reference,
    n,
    *,
    alpha=0.05,
    n_bins=10,
    n_resamples=1000,
    eps=PSI_EPS,
    random_state=0,
) -> float:
    """The PSI that a no-drift batch of ``n`` rows exceeds with probability ``alpha``, by the bootstrap.

    Each of ``n_resamples`` rounds draws, with replacement from ``reference``, a new reference of
    ``len(reference)`` values and a batch of ``n`` values, and computes :func:`~mlcourse.monitoring.psi`
    between them (the same bins and ``eps`` as the real check). Both samples then come from one
    distribution, the reference's own: these PSIs are what sampling noise alone produces. The threshold is
    their ``1 - alpha`` quantile, so that alarming on ``psi(reference, batch) > threshold`` raises a false
    alarm on about a share ``alpha`` of batches that did not drift. It falls as ``n`` grows, towards the
    noise of the reference alone.

    The Monte Carlo error of the quantile shrinks as ``1 / sqrt(n_resamples)``: with the default 1000
    resamples, the false-alarm rate of the threshold is ``alpha`` give or take about
    ``sqrt(alpha (1 - alpha) / n_resamples)`` (0.007 for ``alpha = 0.05``).

    Parameters
    ----------
    reference : array-like of shape (n_samples,)
        Numbers the model was trained on (the reference of the real check).
    n : int
        Rows in the batch to be checked (at least 1).
    alpha : float, default=0.05
        Share of no-drift batches allowed to raise a (false) alarm, in (0, 1).
    n_bins : int, default=10
        Bins of :func:`~mlcourse.monitoring.psi` (deciles of the reference by default).
    n_resamples : int, default=1000
        Bootstrap rounds (at least 1).
    eps : float, default=PSI_EPS
        What an empty bin counts as, as in :func:`~mlcourse.monitoring.psi`.
    random_state : int, numpy Generator or None, default=0
        Seed or generator of the resampling (``numpy.random.default_rng``); ``None`` for fresh entropy.

    Returns
    -------
    float
        The ``1 - alpha`` quantile of the bootstrap PSIs.

    Raises
    ------
    TypeError
        ``reference`` does not hold numbers, an argument has the wrong type (a bool is never a number),
        or ``random_state`` is not None, an integer or a numpy Generator.
    ValueError
        ``reference`` is empty, not 1-D or holds NaN or infinity, or an argument is out of range.

    See Also
    --------
    mlcourse.monitoring.psi : the statistic.

    Examples
    --------
    >>> import numpy as np
    >>> reference = np.random.default_rng(0).normal(size=2000)
    >>> [round(psi_null_threshold(reference, n, n_resamples=200), 3) for n in (100, 1000, 10_000)]
    [0.197, 0.03, 0.01]
    """
    reference = _sample(reference, "reference", numeric=True)
    n = int(check_scalar(n, "n", numbers.Integral, min_val=1))
    alpha = float(check_scalar(alpha, "alpha", numbers.Real, min_val=0, max_val=1, include_boundaries="neither"))
    n_bins = int(check_scalar(n_bins, "n_bins", numbers.Integral, min_val=2))
    n_resamples = int(check_scalar(n_resamples, "n_resamples", numbers.Integral, min_val=1))
    eps = float(check_scalar(eps, "eps", numbers.Real, min_val=0, include_boundaries="neither"))
    if not (
        random_state is None
        or isinstance(random_state, np.random.Generator)
        or (isinstance(random_state, numbers.Integral) and not isinstance(random_state, (bool, np.bool_)))
    ):
        raise TypeError(f"random_state must be None, an integer or a numpy Generator, got {random_state!r}")
    rng = np.random.default_rng(random_state)
    m = len(reference)
    null = np.empty(n_resamples)
    for i in range(n_resamples):
        null[i] = psi(rng.choice(reference, m), rng.choice(reference, n), n_bins=n_bins, eps=eps)
    return float(np.quantile(null, 1 - alpha))
