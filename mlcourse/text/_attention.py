"""Scaled dot-product attention and multi-head causal self-attention, forward pass in numpy.

Each position asks a question (its *query* :math:`q`), every position offers a *key* :math:`k` and a
*value* :math:`v`; the answer is the average of the values weighted by how well the keys match:

.. math:: \\mathrm{Attention}(Q, K, V) = \\mathrm{softmax}\\!\\left(\\frac{Q K^\\top}{\\sqrt{d}} + M\\right) V

where :math:`M` is 0 where attending is allowed and :math:`-\\infty` elsewhere. In a *causal* model
(GPT) position :math:`t` may only look at positions :math:`\\le t`: the future is masked out.

The twin is ``torch.nn.functional.scaled_dot_product_attention``: equal to float64 rounding
(``tests/test_text_attention.py``).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from mlcourse._validation import check_param


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, shifted by the maximum so that it never overflows (all ``-inf``: NaN).

    >>> softmax(np.array([1.0, 2.0, 3.0])).round(3)
    array([0.09 , 0.245, 0.665])
    """
    x = np.asarray(x, dtype=np.result_type(x, np.float32))
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def causal_mask(n_query: int, n_key: int | None = None) -> np.ndarray:
    """Boolean mask, True where query ``i`` may attend key ``j`` (``j <= i``), top-left aligned like torch.

    >>> causal_mask(3).astype(int)
    array([[1, 0, 0],
           [1, 1, 0],
           [1, 1, 1]])
    """
    n_key = n_query if n_key is None else n_key
    return np.tril(np.ones((n_query, n_key), dtype=bool))


def scaled_dot_product_attention(query, key, value, attn_mask=None, *, is_causal=False, scale=None):
    """Attention of ``query`` over ``key``/``value``; same arguments and result as torch's.

    Parameters
    ----------
    query : ndarray of shape (..., L, E)
    key : ndarray of shape (..., S, E)
    value : ndarray of shape (..., S, Ev)
    attn_mask : ndarray, optional
        Broadcastable to (..., L, S): boolean (True = may attend) or float (added to the scores).
    is_causal : bool, default=False
        Mask out the future (key ``j > i`` for query ``i``); not together with ``attn_mask``.
    scale : float, optional
        Factor of the scores; ``1 / sqrt(E)`` by default.

    Returns
    -------
    ndarray of shape (..., L, Ev)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> q, k, v = rng.normal(size=(3, 4, 2))
    >>> out = scaled_dot_product_attention(q, k, v, is_causal=True)
    >>> bool(np.allclose(out[0], v[0]))  # the first position can only see itself
    True
    """
    query, key, value = (np.asarray(a) for a in (query, key, value))
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ValueError("query, key and value must have at least 2 dimensions (..., sequence, features)")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"query and key must have the same last dimension, got {query.shape[-1]} and {key.shape[-1]}")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"key and value must have the same length, got {key.shape[-2]} and {value.shape[-2]}")
    if is_causal and attn_mask is not None:
        raise ValueError("pass either attn_mask or is_causal=True, not both")
    scale = 1.0 / np.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ np.swapaxes(key, -1, -2)) * scale
    if is_causal:
        attn_mask = causal_mask(query.shape[-2], key.shape[-2])
    if attn_mask is not None:
        attn_mask = np.asarray(attn_mask)
        if attn_mask.dtype == bool:
            scores = np.where(attn_mask, scores, -np.inf)
        else:
            scores = scores + attn_mask
    return softmax(scores, axis=-1) @ value


def multi_head_attention(x, w_qkv, b_qkv, w_proj, b_proj, *, n_head: int, is_causal: bool = True):
    """Multi-head self-attention of ``x`` with GPT-2's weights (``c_attn`` and ``c_proj``).

    The ``3 * d`` columns of ``x @ w_qkv + b_qkv`` are the queries, keys and values; each is split
    into ``n_head`` heads of ``d / n_head`` features that attend independently; their outputs are
    put side by side again and projected by ``w_proj``.

    Parameters
    ----------
    x : ndarray of shape (batch, T, d)
    w_qkv : ndarray of shape (d, 3 * d)
    b_qkv : ndarray of shape (3 * d,)
    w_proj : ndarray of shape (d, d)
    b_proj : ndarray of shape (d,)
    n_head : int
        Number of heads; must divide ``d``.
    is_causal : bool, default=True

    Returns
    -------
    ndarray of shape (batch, T, d)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> d = 8
    >>> x = rng.normal(size=(1, 5, d))
    >>> out = multi_head_attention(x, rng.normal(size=(d, 3 * d)), np.zeros(3 * d),
    ...                            np.eye(d), np.zeros(d), n_head=2)
    >>> out.shape
    (1, 5, 8)
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (batch, T, d), got {x.shape}")
    B, T, d = x.shape
    check_param(n_head, "n_head", Integral, min_val=1)
    if d % n_head:
        raise ValueError(f"n_head={n_head} must divide the width d={d}")
    q, k, v = np.split(x @ w_qkv + b_qkv, 3, axis=-1)
    heads = [a.reshape(B, T, n_head, d // n_head).transpose(0, 2, 1, 3) for a in (q, k, v)]
    out = scaled_dot_product_attention(*heads, is_causal=is_causal)  # (B, n_head, T, d_head)
    return out.transpose(0, 2, 1, 3).reshape(B, T, d) @ w_proj + b_proj
