"""Optimisers step for step against torch.optim, schedules, stopping rules and the gradient check."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mlcourse import optim

N_STEPS = 100


def run_both(ours, make_torch, w0, seed=0):
    """Feed both optimisers the same 100 gradients; their parameters must agree after every step."""
    rng = np.random.default_rng(seed)
    # Gradients of very different sizes per coordinate, with sign flips: what an ill-conditioned,
    # noisy loss produces, and where the adaptive methods' per-coordinate scaling matters.
    grads = rng.normal(size=(N_STEPS, len(w0))) * np.array([1.0, 10.0, 0.01, 100.0])
    w_t = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt_t = make_torch([w_t])
    w, state = np.array(w0), ours.init(w0)
    for step, g in enumerate(grads):
        w_t.grad = torch.tensor(g)
        opt_t.step()
        w, state = ours.step(w, g, state)
        np.testing.assert_allclose(w, w_t.detach().numpy(), rtol=1e-10, atol=1e-10, err_msg=f"step {step + 1}")
    assert state["t"] == N_STEPS


W0 = np.array([1.5, -0.7, 2.0, 0.3])
# Each example trains in both libraries, step by step: fewer examples than the profile's.
TRAINING = settings(max_examples=10)
lrs = st.floats(1e-3, 0.05)
fractions = st.floats(0.0, 0.99)


@TRAINING
@given(lr=lrs)
def test_gradient_descent_matches_torch_sgd(lr):
    run_both(optim.GradientDescent(lr), lambda p: torch.optim.SGD(p, lr=lr), W0)


@TRAINING
@given(lr=lrs, momentum=fractions, nesterov=st.booleans())
def test_momentum_matches_torch_sgd_momentum(lr, momentum, nesterov):
    if nesterov and momentum == 0:
        momentum = 0.5  # torch refuses Nesterov without momentum
    ours = optim.Momentum(lr, momentum, nesterov=nesterov)
    run_both(ours, lambda p: torch.optim.SGD(p, lr=lr, momentum=momentum, nesterov=nesterov), W0)


@TRAINING
@given(lr=lrs, alpha=fractions, eps=st.sampled_from([1e-8, 1e-3]))
def test_rmsprop_matches_torch(lr, alpha, eps):
    run_both(optim.RMSProp(lr, alpha, eps), lambda p: torch.optim.RMSprop(p, lr=lr, alpha=alpha, eps=eps), W0)


@TRAINING
@given(lr=lrs, beta1=fractions, beta2=st.floats(0.5, 0.9999), eps=st.sampled_from([1e-8, 1e-3]))
def test_adam_matches_torch(lr, beta1, beta2, eps):
    ours = optim.Adam(lr, (beta1, beta2), eps)
    run_both(ours, lambda p: torch.optim.Adam(p, lr=lr, betas=(beta1, beta2), eps=eps), W0)


def test_step_schedule_matches_torch_steplr():
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.5)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    ours = optim.GradientDescent(0.5, schedule=optim.StepLR(3, 0.5))
    for epoch in range(12):
        assert ours.lr_at(epoch) == pytest.approx(opt.param_groups[0]["lr"], rel=1e-15)
        opt.step()
        sched.step()


def test_schedules():
    assert optim.ConstantLR()(7) == 1.0
    assert [optim.InverseTimeLR(1.0)(e) for e in range(3)] == [1.0, 0.5, 1 / 3]
    with pytest.raises(ValueError, match="step_size"):
        optim.StepLR(0)
    with pytest.raises(ValueError, match="decay"):
        optim.InverseTimeLR(-1)


def test_optimizers_do_not_mutate_inputs():
    w, g = np.array([1.0, 2.0]), np.array([0.5, -0.5])
    for opt in [optim.GradientDescent(0.1), optim.Momentum(0.1), optim.RMSProp(0.1), optim.Adam(0.1)]:
        state = opt.init(w)
        before = {k: np.copy(v) for k, v in state.items()}
        opt.step(w, g, state)
        np.testing.assert_array_equal(w, [1.0, 2.0])
        for k, v in before.items():
            np.testing.assert_array_equal(state[k], v)


@pytest.mark.parametrize("bad", [0, -0.1, float("nan"), float("inf"), "0.1", True])
def test_bad_learning_rate_names_lr(bad):
    with pytest.raises(ValueError, match=r"^lr\b.*must be"):
        optim.GradientDescent(bad)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: optim.Momentum(0.1, momentum=1.0), "momentum"),
        (lambda: optim.RMSProp(0.1, alpha=-0.1), "alpha"),
        (lambda: optim.Adam(0.1, betas=(0.9, 1.0)), r"betas\[1\]"),
        (lambda: optim.MiniBatchGD(0.1, batch_size=0), "batch_size"),
        (lambda: optim.GradientDescent(0.1, schedule=3), "schedule"),
    ],
)
def test_bad_hyper_parameters_are_named(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


@pytest.fixture
def regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    w_true = np.array([1.0, -2.0, 0.5])
    y = X @ w_true + 0.1 * rng.normal(size=200)
    return X, y, np.linalg.lstsq(X, y, rcond=None)[0]


@pytest.mark.parametrize(
    "opt",
    [
        optim.GradientDescent(0.5),
        optim.Momentum(0.1, 0.9),
        optim.Momentum(0.1, 0.9, nesterov=True),
    ],
    ids=repr,
)
def test_full_batch_optimizers_reach_least_squares(regression, opt):
    X, y, w_star = regression
    res = optim.minimize(optim.least_squares, np.zeros(3), opt, X, y, max_epochs=3000, tol=1e-9, tol_on="grad")
    assert res.converged
    np.testing.assert_allclose(res.w, w_star, rtol=1e-6)
    assert len(res.loss_history) == res.n_epochs + 1
    assert res.loss == res.loss_history[-1]


@pytest.mark.parametrize(
    "opt", [optim.SGD(0.05, schedule=optim.InverseTimeLR(0.5)), optim.MiniBatchGD(0.1, batch_size=16)], ids=repr
)
def test_stochastic_optimizers_get_close_and_are_reproducible(regression, opt):
    X, y, w_star = regression
    runs = [optim.minimize(optim.least_squares, np.zeros(3), opt, X, y, max_epochs=30, tol=0, rng=7) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].w, runs[1].w)
    assert np.abs(runs[0].w - w_star).max() < 0.02
    assert runs[0].loss_history[-1] < 0.1 * runs[0].loss_history[0]
    assert runs[0].n_epochs == 30 and not runs[0].converged


def test_stopping_rules_and_path():
    def bowl(w):
        return float(w @ w), 2 * w

    res = optim.minimize(bowl, [1.0, 1.0], optim.GradientDescent(0.1), tol=1e-3, tol_on="loss", keep_path=True)
    assert res.converged and abs(res.loss_history[-2] - res.loss_history[-1]) <= 1e-3
    assert abs(res.loss_history[-3] - res.loss_history[-2]) > 1e-3
    assert res.path.shape == (res.n_epochs + 1, 2)
    np.testing.assert_array_equal(res.path[0], [1.0, 1.0])
    capped = optim.minimize(bowl, [1.0, 1.0], optim.GradientDescent(0.1), max_epochs=5, tol=0)
    assert capped.n_epochs == 5 and not capped.converged and len(capped.loss_history) == 6
    at_minimum = optim.minimize(bowl, [0.0, 0.0], tol=1e-8, tol_on="grad")
    assert at_minimum.converged and at_minimum.n_epochs == 0


def test_divergence_raises_and_suggests_a_smaller_learning_rate(regression):
    X, y, _ = regression
    with np.errstate(all="raise"):  # proves minimize silences the overflow itself
        with pytest.raises(optim.DivergenceError, match="smaller learning rate"):
            optim.minimize(optim.least_squares, np.zeros(3), optim.GradientDescent(5.0), X, y, max_epochs=10_000)


def test_minimize_rejects_bad_arguments():
    def bowl(w):
        return float(w @ w), 2 * w

    with pytest.raises(ValueError, match="needs data"):
        optim.minimize(bowl, [1.0], optim.SGD(0.1))
    with pytest.raises(ValueError, match="max_epochs"):
        optim.minimize(bowl, [1.0], max_epochs=-1)
    with pytest.raises(ValueError, match="tol_on"):
        optim.minimize(bowl, [1.0], tol_on="weights")
    with pytest.raises(ValueError, match="tol"):
        optim.minimize(bowl, [1.0], tol=-1)
    with pytest.raises(TypeError, match="optimizer"):
        optim.minimize(bowl, [1.0], "adam")


@given(st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_numerical_gradient_matches_autograd(n, seed):
    x = np.random.default_rng(seed).normal(size=n)

    def f(v):
        return float(np.sum(np.sin(v) * v**2) + np.prod(np.tanh(v)))

    xt = torch.tensor(x, requires_grad=True)
    (torch.sum(torch.sin(xt) * xt**2) + torch.prod(torch.tanh(xt))).backward()
    np.testing.assert_allclose(optim.numerical_gradient(f, x), xt.grad.numpy(), rtol=1e-6, atol=1e-8)


def test_gradient_check_tells_right_from_wrong():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])

    def f(v):
        return float(np.sum(v**3))

    assert optim.gradient_check(f, lambda v: 3 * v**2, x) < 1e-8
    assert optim.gradient_check(f, lambda v: 3 * v**2 + 1e-3, x) > 1e-5
    assert optim.gradient_check(lambda v: 0.0, np.zeros_like, x) == 0.0
    np.testing.assert_array_equal(x, [[0.3, -1.2], [2.0, 0.5]])  # not modified
    with pytest.raises(ValueError, match="shape of x"):
        optim.gradient_check(f, lambda v: v.ravel(), x)
    with pytest.raises(ValueError, match="eps"):
        optim.numerical_gradient(f, x, eps=0)


def test_loss_plots_draw_and_return_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mlcourse.plotting import plot_loss_history, plot_loss_surface

    def bowl(w):
        return float(w @ w), 2 * w

    res = optim.minimize(bowl, [1.0, 1.0], optim.GradientDescent(0.1), max_epochs=10, tol=0, keep_path=True)
    ax = plot_loss_surface(lambda w: bowl(w)[0], (-1, 1), (-1, 1), paths={"gd": res.path}, resolution=20)
    assert ax.get_xlim() == (-1, 1) and len(ax.lines) == 1
    ax2 = plot_loss_history({"gd": res.loss_history})
    assert ax2.get_yscale() == "log" and len(ax2.lines) == 1
    plt.close("all")
