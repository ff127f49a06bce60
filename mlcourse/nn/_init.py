"""Weight initialisation: Xavier (Glorot) and He (Kaiming), seeded.

A layer's output is a sum of ``fan_in`` products. If the weights have variance ``v``, each output
has about ``fan_in * v`` times the variance of an input, so a deep stack either explodes or fades
away unless ``v`` is chosen to keep that factor near 1:

- **Xavier** (Glorot & Bengio, 2010), for ``tanh`` and ``sigmoid``: ``v = 2 / (fan_in + fan_out)``,
  a compromise between keeping the forward signal (``1 / fan_in``) and the backward gradient
  (``1 / fan_out``) steady.
- **He** (He et al., 2015), for ``relu``: ``v = 2 / fan_in``. ReLU zeroes half of its inputs, which
  halves the variance; the factor 2 puts it back.

Weights have shape ``(fan_in, fan_out)`` so that a layer computes ``X @ W + b``. The twins are
``torch.nn.init.xavier_uniform_``, ``xavier_normal_``, ``kaiming_uniform_`` and ``kaiming_normal_``
(with ``nonlinearity="relu"``), which draw the same distributions (torch's weights are the transpose).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Integral

import numpy as np

from mlcourse._validation import check_param


def _check_fans(fan_in, fan_out):
    fan_in = check_param(fan_in, "fan_in", Integral, min_val=1)
    fan_out = check_param(fan_out, "fan_out", Integral, min_val=1)
    return int(fan_in), int(fan_out)


def _uniform(bound, fan_in, fan_out, rng, dtype):
    rng = np.random.default_rng(rng)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype, copy=False)


def _normal(std, fan_in, fan_out, rng, dtype):
    rng = np.random.default_rng(rng)
    return rng.normal(0.0, std, size=(fan_in, fan_out)).astype(dtype, copy=False)


def xavier_uniform(fan_in, fan_out, *, rng=None, dtype=np.float64):
    """Glorot uniform: ``U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``, variance ``2 / (fan_in + fan_out)``.

    Parameters
    ----------
    fan_in, fan_out : int
        Inputs and outputs of the layer.
    rng : int, numpy.random.Generator or None
        Seed or generator.
    dtype : numpy dtype, default=numpy.float64

    Returns
    -------
    W : ndarray of shape (fan_in, fan_out)

    Examples
    --------
    >>> W = xavier_uniform(300, 200, rng=0)
    >>> W.shape, round(float(W.var() * (300 + 200) / 2), 1)
    ((300, 200), 1.0)
    """
    fan_in, fan_out = _check_fans(fan_in, fan_out)
    return _uniform(math.sqrt(6.0 / (fan_in + fan_out)), fan_in, fan_out, rng, dtype)


def xavier_normal(fan_in, fan_out, *, rng=None, dtype=np.float64):
    """Glorot normal: ``N(0, 2 / (fan_in + fan_out))``.

    Parameters and returns as in :func:`xavier_uniform`.

    Examples
    --------
    >>> round(float(xavier_normal(300, 200, rng=0).var() * (300 + 200) / 2), 1)
    1.0
    """
    fan_in, fan_out = _check_fans(fan_in, fan_out)
    return _normal(math.sqrt(2.0 / (fan_in + fan_out)), fan_in, fan_out, rng, dtype)


def he_uniform(fan_in, fan_out, *, rng=None, dtype=np.float64):
    """He (Kaiming) uniform for ReLU: ``U(-a, a)`` with ``a = sqrt(6 / fan_in)``, variance ``2 / fan_in``.

    Parameters and returns as in :func:`xavier_uniform`.

    Examples
    --------
    >>> round(float(he_uniform(300, 200, rng=0).var() * 300 / 2), 1)
    1.0
    """
    fan_in, fan_out = _check_fans(fan_in, fan_out)
    return _uniform(math.sqrt(6.0 / fan_in), fan_in, fan_out, rng, dtype)


def he_normal(fan_in, fan_out, *, rng=None, dtype=np.float64):
    """He (Kaiming) normal for ReLU: ``N(0, 2 / fan_in)``.

    Parameters and returns as in :func:`xavier_uniform`.

    Examples
    --------
    >>> round(float(he_normal(300, 200, rng=0).var() * 300 / 2), 1)
    1.0
    """
    fan_in, fan_out = _check_fans(fan_in, fan_out)
    return _normal(math.sqrt(2.0 / fan_in), fan_in, fan_out, rng, dtype)


#: The initialisers :class:`~mlcourse.nn.Linear` accepts by name; ``"he"`` and ``"xavier"`` are the
#: usual defaults for ReLU and for tanh/sigmoid networks.
INITIALIZERS: dict[str, Callable[..., np.ndarray]] = {
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "xavier": xavier_uniform,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
}
