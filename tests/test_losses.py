"""Every loss and its gradient against torch.autograd, plus the gradient check, on random inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mlcourse import optim

finite = st.floats(-30, 30, allow_nan=False, allow_infinity=False)


def autograd(loss_fn, z):
    """Value and gradient of a torch loss at z (float64)."""
    zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    loss = loss_fn(zt)
    loss.backward()
    return loss.item(), zt.grad.numpy()


def check_against_torch(ours, theirs, z):
    loss, grad = ours(z)
    t_loss, t_grad = autograd(theirs, z)
    np.testing.assert_allclose(loss, t_loss, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad, t_grad, rtol=1e-10, atol=1e-12)
    assert optim.gradient_check(lambda v: ours(v)[0], lambda v: ours(v)[1], z) < 1e-6


@given(
    st.integers(1, 8).flatmap(lambda n: st.tuples(arrays(float, n, elements=finite), arrays(float, n, elements=finite)))
)
def test_squared_error_matches_torch(data):
    y, y_pred = data
    yt = torch.tensor(y)
    check_against_torch(lambda z: optim.squared_error(y, z), lambda z: 0.5 * F.mse_loss(z, yt), y_pred)


@given(
    st.integers(1, 8).flatmap(
        lambda n: st.tuples(arrays(float, n, elements=finite), arrays(float, n, elements=st.sampled_from([0.0, 1.0])))
    )
)
def test_log_loss_matches_torch(data):
    z, y = data
    yt = torch.tensor(y)
    check_against_torch(lambda v: optim.log_loss(y, v), lambda v: F.binary_cross_entropy_with_logits(v, yt), z)


@given(st.integers(1, 6), st.integers(2, 5), st.integers(0, 2**32 - 1))
def test_softmax_cross_entropy_matches_torch(n, k, seed):
    rng = np.random.default_rng(seed)
    Z, y = rng.normal(scale=5, size=(n, k)), rng.integers(0, k, size=n)
    yt = torch.tensor(y)
    check_against_torch(lambda v: optim.softmax_cross_entropy(y, v), lambda v: F.cross_entropy(v, yt), Z)


@given(arrays(float, st.integers(1, 8), elements=finite.filter(lambda v: abs(v) > 1e-3)), st.floats(0, 10))
def test_penalties_match_torch(w, alpha):
    check_against_torch(lambda v: optim.l2_penalty(v, alpha), lambda v: 0.5 * alpha * (v**2).sum(), w)
    # |w| has a kink at 0, so the check stays away from it (the filter above).
    check_against_torch(lambda v: optim.l1_penalty(v, alpha), lambda v: alpha * v.abs().sum(), w)


def test_losses_stay_finite_for_huge_logits():
    z = np.array([-1000.0, 1000.0, -1000.0, 1000.0])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    loss, grad = optim.log_loss(y, z)
    t_loss, t_grad = autograd(lambda v: F.binary_cross_entropy_with_logits(v, torch.tensor(y)), z)
    assert loss == pytest.approx(t_loss) == 500.0
    np.testing.assert_allclose(grad, t_grad)
    Z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    loss, grad = optim.softmax_cross_entropy(np.array([0, 0]), Z)
    assert loss == pytest.approx(1000.0)
    assert np.isfinite(grad).all()
    np.testing.assert_array_equal(optim.sigmoid(np.array([-1e4, 1e4])), [0.0, 1.0])


def test_least_squares_is_squared_error_of_a_linear_model():
    rng = np.random.default_rng(0)
    X, y, w = rng.normal(size=(20, 3)), rng.normal(size=20), rng.normal(size=3)
    loss, grad = optim.least_squares(w, X, y)
    ref_loss, ref_grad = optim.squared_error(y, X @ w)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(grad, X.T @ ref_grad, rtol=1e-12)
    assert (
        optim.gradient_check(lambda v: optim.least_squares(v, X, y)[0], lambda v: optim.least_squares(v, X, y)[1], w)
        < 1e-7
    )


def test_softmax_cross_entropy_rejects_bad_shapes():
    with pytest.raises(ValueError, match="Z must have shape"):
        optim.softmax_cross_entropy(np.array([0, 1]), np.zeros(2))
