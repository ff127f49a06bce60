"""Attention in numpy equals torch.nn.functional.scaled_dot_product_attention (float64, 1e-12)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from mlcourse.text import causal_mask, multi_head_attention, scaled_dot_product_attention, softmax

TOL = {"rtol": 1e-12, "atol": 1e-12}


def torch_sdpa(q, k, v, **kwargs):
    t = [torch.from_numpy(a) for a in (q, k, v)]
    if isinstance(kwargs.get("attn_mask"), np.ndarray):
        kwargs["attn_mask"] = torch.from_numpy(kwargs["attn_mask"])
    return F.scaled_dot_product_attention(*t, **kwargs).numpy()


@given(
    seed=st.integers(0, 2**32 - 1),
    batch=st.sampled_from([(), (2,), (2, 3)]),
    L=st.integers(1, 9),
    S=st.integers(1, 9),
    E=st.integers(1, 8),
    Ev=st.integers(1, 8),
    causal=st.booleans(),
    scale=st.sampled_from([None, 0.5]),
)
def test_sdpa_equals_torch(seed, batch, L, S, E, Ev, causal, scale):
    rng = np.random.default_rng(seed)
    q, k, v = rng.normal(size=(*batch, L, E)), rng.normal(size=(*batch, S, E)), rng.normal(size=(*batch, S, Ev))
    got = scaled_dot_product_attention(q, k, v, is_causal=causal, scale=scale)
    np.testing.assert_allclose(got, torch_sdpa(q, k, v, is_causal=causal, scale=scale), **TOL)


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_sdpa_with_an_explicit_mask_equals_torch(kind):
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 7, 4)), rng.normal(size=(2, 7, 3))
    mask = rng.random((5, 7)) < 0.7
    mask[:, 0] = True  # every query sees at least one key
    if kind == "float":
        mask = rng.normal(size=(5, 7))
    got = scaled_dot_product_attention(q, k, v, attn_mask=mask)
    np.testing.assert_allclose(got, torch_sdpa(q, k, v, attn_mask=mask), **TOL)


def test_causal_means_the_future_does_not_matter():
    rng = np.random.default_rng(1)
    q, k, v = rng.normal(size=(3, 6, 4))
    out = scaled_dot_product_attention(q, k, v, is_causal=True)
    k2, v2 = k.copy(), v.copy()
    k2[4:], v2[4:] = rng.normal(size=(2, 2, 4))  # change positions 4 and 5
    out2 = scaled_dot_product_attention(q, k2, v2, is_causal=True)
    np.testing.assert_array_equal(out[:4], out2[:4])
    assert causal_mask(2, 3).tolist() == [[True, False, False], [True, True, False]]


def test_softmax_is_stable_and_sums_to_one():
    p = softmax(np.array([[1000.0, 1000.0], [-1000.0, 0.0]]))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)
    assert p[0, 0] == 0.5


@pytest.mark.parametrize("n_head", [1, 2, 4])
def test_multi_head_attention_equals_torch(n_head):
    B, T, d = 2, 7, 8
    rng = np.random.default_rng(n_head)
    x = rng.normal(size=(B, T, d))
    w_qkv, b_qkv = rng.normal(size=(d, 3 * d)), rng.normal(size=3 * d)
    w_proj, b_proj = rng.normal(size=(d, d)), rng.normal(size=d)
    got = multi_head_attention(x, w_qkv, b_qkv, w_proj, b_proj, n_head=n_head)
    # The same computation written with torch's SDPA.
    xt = torch.from_numpy(x)
    q, k, v = (xt @ torch.from_numpy(w_qkv) + torch.from_numpy(b_qkv)).split(d, dim=-1)
    heads = [a.view(B, T, n_head, d // n_head).transpose(1, 2) for a in (q, k, v)]
    y = F.scaled_dot_product_attention(*heads, is_causal=True).transpose(1, 2).reshape(B, T, d)
    expected = (y @ torch.from_numpy(w_proj) + torch.from_numpy(b_proj)).numpy()
    np.testing.assert_allclose(got, expected, **TOL)


def test_attention_errors():
    a = np.zeros((2, 3))
    with pytest.raises(ValueError, match="last dimension"):
        scaled_dot_product_attention(a, np.zeros((2, 4)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="not both"):
        scaled_dot_product_attention(a, a, a, attn_mask=np.ones((2, 2), bool), is_causal=True)
    with pytest.raises(ValueError, match="n_head"):
        multi_head_attention(np.zeros((1, 2, 6)), np.zeros((6, 18)), np.zeros(18), np.eye(6), np.zeros(6), n_head=4)
