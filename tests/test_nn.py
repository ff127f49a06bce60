"""mlcourse.nn against torch.nn: every layer's output and gradients, whole networks, losses, the
training loop step for step, gradient checks, initialisation statistics, dropout, bad input, and the
scikit-learn estimators (accuracy, stopping rules, check_estimator with no check skipped)."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlcourse import nn, optim
from mlcourse.nn import MLPClassifier, MLPRegressor
from tests.conftest import REPO, check_estimator_in_subprocess

TOL = 1e-10  # float64 parity with torch: same maths, so only rounding differs
ACTIVATIONS = ["relu", "tanh", "sigmoid"]
seeds = st.integers(0, 2**32 - 1)
dims = st.integers(1, 6)


class FixedMask(torch.nn.Module):
    """Dropout with a given mask, so torch sees exactly the units our Dropout layer dropped."""

    def __init__(self, mask):
        super().__init__()
        self.mask = torch.as_tensor(mask)

    def forward(self, X):
        return X * self.mask


def to_torch(module):
    """The torch twin of one of our layers (or a whole Sequential), with the same float64 weights."""
    if isinstance(module, nn.Sequential):
        return torch.nn.Sequential(*(to_torch(layer) for layer in module))
    if isinstance(module, nn.Linear):
        has_bias = "b" in module._param_names
        twin = torch.nn.Linear(module.in_features, module.out_features, bias=has_bias, dtype=torch.float64)
        with torch.no_grad():
            twin.weight.copy_(torch.from_numpy(module.W.T))  # torch stores the transpose
            if has_bias:
                twin.bias.copy_(torch.from_numpy(module.b))
        return twin
    if isinstance(module, nn.Dropout):
        return FixedMask(module._mask) if module.training and module.p > 0 else torch.nn.Identity()
    return {nn.ReLU: torch.nn.ReLU, nn.Tanh: torch.nn.Tanh, nn.Sigmoid: torch.nn.Sigmoid}[type(module)]()


def torch_grads(twin):
    """Every parameter gradient of a torch twin, as (W-shaped, b-shaped) numpy arrays in our order."""
    grads = []
    for layer in twin.modules():
        if isinstance(layer, torch.nn.Linear):
            grads.append(layer.weight.grad.numpy().T)
            if layer.bias is not None:
                grads.append(layer.bias.grad.numpy())
    return grads


def assert_close(ours, theirs, what):
    np.testing.assert_allclose(ours, theirs, rtol=TOL, atol=TOL, err_msg=what)


# --- layers, one at a time ---------------------------------------------------------------------


@given(n=dims, n_in=dims, n_out=dims, bias=st.booleans(), init=st.sampled_from(["he", "xavier"]), seed=seeds)
def test_linear_forward_and_gradients_match_torch(n, n_in, n_out, bias, init, seed):
    rng = np.random.default_rng(seed)
    layer = nn.Linear(n_in, n_out, bias=bias, init=init, rng=rng)
    if bias:
        layer.b[...] = rng.normal(size=n_out)  # ours start at zero; test a non-trivial bias
    X, G = rng.normal(size=(n, n_in)), rng.normal(size=(n, n_out))
    twin = to_torch(layer)
    X_t = torch.tensor(X, requires_grad=True)
    out_t = twin(X_t)
    (out_t * torch.from_numpy(G)).sum().backward()  # makes G the gradient arriving from above

    assert_close(layer.forward(X), out_t.detach().numpy(), "output")
    assert_close(layer.backward(G), X_t.grad.numpy(), "input gradient")
    for ours, theirs in zip(layer.gradients(), torch_grads(twin), strict=True):
        assert_close(ours, theirs, "parameter gradient")


@pytest.mark.parametrize("name", ACTIVATIONS)
@given(n=dims, p=dims, scale=st.sampled_from([1.0, 30.0, 1000.0]), seed=seeds)
def test_activation_forward_and_backward_match_torch(name, n, p, scale, seed):
    rng = np.random.default_rng(seed)
    X, G = scale * rng.normal(size=(n, p)), rng.normal(size=(n, p))
    X[0, 0] = 0.0  # the kink of ReLU: torch's derivative there is 0, and so must ours be
    layer = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[name]()
    X_t = torch.tensor(X, requires_grad=True)
    out_t = to_torch(layer)(X_t)
    (out_t * torch.from_numpy(G)).sum().backward()
    out = layer.forward(X)
    assert np.isfinite(out).all()
    assert_close(out, out_t.detach().numpy(), "output")
    assert_close(layer.backward(G), X_t.grad.numpy(), "input gradient")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layers_keep_the_dtype(dtype):
    net = nn.make_mlp([4, 5, 5, 3], activation="tanh", dropout=0.2, rng=0, dtype=dtype)
    X = np.ones((2, 4))  # float64 in: converted to the network's dtype by the first layer
    out = net(X)
    assert out.dtype == dtype and net.w.dtype == dtype
    assert net.backward(np.ones((2, 3), dtype=dtype)).dtype == dtype
    assert all(g.dtype == dtype for g in net.gradients())
    for layer in (nn.ReLU(), nn.Sigmoid(), nn.Tanh(), nn.Dropout(0.5, rng=0)):
        assert layer(np.ones((2, 2), dtype=dtype)).dtype == dtype
        assert layer.backward(np.ones((2, 2), dtype=dtype)).dtype == dtype


# --- whole networks ----------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
@settings(max_examples=10)  # two whole networks, forward and backward, per example
@given(sizes=st.lists(dims, min_size=2, max_size=4), n=dims, seed=seeds)
def test_mlp_output_and_every_gradient_match_torch(activation, sizes, n, seed):
    rng = np.random.default_rng(seed)
    n_classes = max(sizes[-1], 2)
    net = nn.make_mlp([*sizes[:-1], n_classes], activation=activation, rng=rng)
    net.w[...] = rng.normal(size=net.w.size)  # biases too, not just the initial zeros
    X, y = rng.normal(size=(n, sizes[0])), rng.integers(0, n_classes, size=n)
    twin = to_torch(net)
    X_t = torch.tensor(X, requires_grad=True)
    logits_t = twin(X_t)
    loss_t = torch.nn.CrossEntropyLoss()(logits_t, torch.from_numpy(y))
    loss_t.backward()

    loss_fn = nn.CrossEntropyLoss()
    logits = net(X)
    loss = loss_fn(logits, y)
    dX = net.backward(loss_fn.backward())
    assert_close(logits, logits_t.detach().numpy(), "logits")
    assert loss == pytest.approx(loss_t.item(), rel=TOL, abs=TOL)
    assert_close(dX, X_t.grad.numpy(), "input gradient")
    theirs = torch_grads(twin)
    assert len(theirs) == len(net.gradients()) == 2 * (len(sizes) - 1)
    for i, (ours, theirs_i) in enumerate(zip(net.gradients(), theirs, strict=True)):
        assert_close(ours, theirs_i, f"gradient of parameter {i}")
    assert_close(net.dw, np.concatenate([g.ravel() for g in theirs]), "flat gradient vector")


def test_regression_mlp_with_dropout_matches_torch_given_the_same_mask():
    rng = np.random.default_rng(3)
    net = nn.make_mlp([6, 16, 16, 2], dropout=0.3, rng=rng)
    X, y = rng.normal(size=(20, 6)), rng.normal(size=(20, 2))
    loss_fn = nn.MSELoss()
    out = net(X)  # training mode: the dropout layers draw their masks now
    loss = loss_fn(out, y)
    net.backward(loss_fn.backward())
    twin = to_torch(net)
    out_t = twin(torch.from_numpy(X))
    loss_t = torch.nn.MSELoss()(out_t, torch.from_numpy(y))
    loss_t.backward()
    assert_close(out, out_t.detach().numpy(), "output")
    assert loss == pytest.approx(loss_t.item(), rel=TOL)
    for ours, theirs in zip(net.gradients(), torch_grads(twin), strict=True):
        assert_close(ours, theirs, "parameter gradient")


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_mlp_gradients_pass_gradient_check(activation):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 5)), rng.integers(0, 3, size=12)
    net = nn.make_mlp([5, 8, 6, 3], activation=activation, rng=1)
    net.w[...] += 0.1 * rng.normal(size=net.w.size)
    fun = nn.objective(net, nn.CrossEntropyLoss())
    w0 = net.w.copy()
    assert optim.gradient_check(lambda w: fun(w, X, y)[0], lambda w: fun(w, X, y)[1], w0) < 1e-7
    # and the check has teeth: a backward pass off in one layer (its weight gradient doubled) fails it
    first = net[0].W.size
    assert (
        optim.gradient_check(
            lambda w: fun(w, X, y)[0],
            lambda w: fun(w, X, y)[1] * np.r_[2 * np.ones(first), np.ones(w0.size - first)],
            w0,
        )
        > 1e-2
    )


def test_regression_mlp_passes_gradient_check():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(10, 3)), rng.normal(size=(10, 2))
    net = nn.make_mlp([3, 7, 2], activation="tanh", rng=2)
    fun = nn.objective(net, nn.MSELoss())
    assert optim.gradient_check(lambda w: fun(w, X, y)[0], lambda w: fun(w, X, y)[1], net.w.copy()) < 1e-7


def test_training_matches_torch_step_for_step():
    """Same weights, same batches, same optimiser: the numpy and torch networks stay equal."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(96, 8)), rng.integers(0, 4, size=96)
    net = nn.make_mlp([8, 16, 16, 4], rng=1)
    twin = to_torch(net)
    data = nn.batches(X, y, 16, shuffle=True, rng=2)
    opt, opt_t = optim.Momentum(lr=0.1, momentum=0.9), torch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    state, loss_t_fn = opt.init(net.w), torch.nn.CrossEntropyLoss()
    for epoch in range(5):
        loss, state = nn.train_epoch(net, nn.CrossEntropyLoss(), opt, state, data, epoch=epoch)
        total = 0.0
        for Xb, yb in data:
            loss_t = loss_t_fn(twin(torch.from_numpy(Xb)), torch.from_numpy(yb))
            opt_t.zero_grad()
            loss_t.backward()
            opt_t.step()
            total += loss_t.item() * len(Xb)
        assert loss == pytest.approx(total / len(X), rel=1e-9)
    theirs = np.concatenate([p.detach().numpy().T.ravel() for p in twin.parameters()])
    np.testing.assert_allclose(net.w, theirs, rtol=1e-9, atol=1e-9)


def test_optim_minimize_trains_the_network_through_objective():
    X, y = load_digits(return_X_y=True)
    X = X[:300] / 16
    net = nn.make_mlp([64, 16, 10], rng=0)
    res = optim.minimize(nn.objective(net, nn.CrossEntropyLoss()), net.w, optim.Adam(0.03), X, y[:300], max_epochs=60)
    assert res.loss_history[-1] < 0.05 < res.loss_history[0]
    net.w[...] = res.w
    assert (net(X).argmax(axis=1) == y[:300]).mean() > 0.99


# --- the flat parameter vector -----------------------------------------------------------------


def test_parameters_are_views_into_one_vector():
    inner = nn.Sequential(nn.Linear(4, 3, rng=1), nn.Tanh())
    net = nn.Sequential(nn.Linear(2, 4, rng=0), nn.ReLU(), inner, nn.Linear(3, 1, bias=False, rng=2))
    expected = np.concatenate([p.ravel() for p in net.parameters()])
    assert net.w.size == 2 * 4 + 4 + 4 * 3 + 3 + 3 * 1 == len(expected)
    np.testing.assert_array_equal(net.w, expected)
    for p, g in zip(net.parameters(), net.gradients(), strict=True):
        assert np.shares_memory(p, net.w) and np.shares_memory(g, net.dw)
    assert np.shares_memory(inner.w, net.w) and inner.w.size == 4 * 3 + 3
    X = np.ones((3, 2))
    before = net(X).copy()
    net.w *= 2  # changing the vector changes the network
    assert not np.allclose(net(X), before)


@pytest.mark.parametrize("roundtrip", [lambda m: pickle.loads(pickle.dumps(m)), copy.deepcopy])
def test_pickle_and_deepcopy_keep_the_views_and_drop_the_caches(roundtrip):
    net = nn.make_mlp([3, 4, 2], rng=0)
    X = np.ones((5, 3))
    out = net(X)
    other = roundtrip(net)
    assert getattr(other[0], "_X", None) is None  # the cached batch is not saved with the model
    np.testing.assert_array_equal(other(X), out)
    assert np.shares_memory(other[0].W, other.w) and not np.shares_memory(other.w, net.w)
    other.w[...] = 0
    assert np.all(other(X) == 0)


# --- losses ------------------------------------------------------------------------------------


@given(n=dims, k=dims, scale=st.sampled_from([1.0, 100.0, 1e4]), seed=seeds)
def test_cross_entropy_matches_torch_even_for_huge_logits(n, k, scale, seed):
    rng = np.random.default_rng(seed)
    Z, y = scale * rng.normal(size=(n, k)), rng.integers(0, k, size=n)
    Z_t = torch.tensor(Z, requires_grad=True)
    loss_t = torch.nn.CrossEntropyLoss()(Z_t, torch.from_numpy(y))
    loss_t.backward()
    loss_fn = nn.CrossEntropyLoss()
    loss = loss_fn(Z, y)
    grad = loss_fn.backward()
    assert np.isfinite(loss) and loss >= 0
    assert loss == pytest.approx(loss_t.item(), rel=TOL, abs=TOL)
    assert_close(grad, Z_t.grad.numpy(), "gradient")
    # softmax is unchanged by adding a constant to a row, so is the loss; each gradient row sums to 0
    assert loss_fn(Z + rng.normal(size=(n, 1)), y) == pytest.approx(loss, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(grad.sum(axis=1), 0, atol=1e-12)


@given(n=dims, k=dims, seed=seeds)
def test_mse_matches_torch(n, k, seed):
    rng = np.random.default_rng(seed)
    y_pred, y = rng.normal(size=(n, k)), rng.normal(size=(n, k))
    y_pred_t = torch.tensor(y_pred, requires_grad=True)
    loss_t = torch.nn.MSELoss()(y_pred_t, torch.from_numpy(y))
    loss_t.backward()
    loss_fn = nn.MSELoss()
    assert loss_fn(y_pred, y) == pytest.approx(loss_t.item(), rel=TOL, abs=TOL)
    assert_close(loss_fn.backward(), y_pred_t.grad.numpy(), "gradient")


def test_float32_losses_stay_float32():
    Z = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)
    for loss_fn, target in ((nn.CrossEntropyLoss(), np.array([2])), (nn.MSELoss(), np.zeros((1, 3)))):
        loss_fn(Z, target)
        assert loss_fn.backward().dtype == np.float32


# --- dropout -----------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_scales_the_kept_units_and_keeps_the_mean(p):
    X = np.random.default_rng(1).uniform(1, 2, size=(400, 250))
    drop = nn.Dropout(p, rng=0)
    out = drop(X)
    kept = out != 0
    np.testing.assert_allclose(out[kept], X[kept] / (1 - p), rtol=1e-15)
    assert abs(1 - kept.mean() - p) < 0.01  # each unit dropped with probability p
    assert out.mean() / X.mean() == pytest.approx(1, abs=0.02)  # inverted dropout keeps the mean
    G = np.ones_like(X)
    np.testing.assert_array_equal(drop.backward(G), kept / (1 - p))  # gradient flows through kept units only
    # torch.nn.Dropout draws other masks, but of the same kind: zeros and 1/(1-p), same share dropped
    theirs = torch.nn.Dropout(p)(torch.ones(400, 250, dtype=torch.float64)).numpy()
    assert set(np.unique(theirs)) == set(np.unique(drop(np.ones_like(X))))
    assert abs((theirs == 0).mean() - p) < 0.01


def test_dropout_is_seeded_and_off_in_evaluation_mode():
    X = np.ones((50, 40))
    a, b = nn.Dropout(0.5, rng=7)(X), nn.Dropout(0.5, rng=7)(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, nn.Dropout(0.5, rng=8)(X))
    drop = nn.Dropout(0.5, rng=7)
    assert not np.array_equal(drop(X), drop(X))  # a fresh mask for every batch
    drop.eval()
    np.testing.assert_array_equal(drop(X), X)
    np.testing.assert_array_equal(drop.backward(X), X)
    np.testing.assert_array_equal(nn.Dropout(0.0)(X), X)
    net = nn.make_mlp([40, 30, 2], dropout=0.5, rng=0)
    assert not np.array_equal(net(X), net(X))
    net.eval()
    np.testing.assert_array_equal(net(X), net(X))
    assert not net[2].training and net.train()[2].training


# --- initialisation ----------------------------------------------------------------------------

INITS = [
    (nn.xavier_uniform, lambda t: torch.nn.init.xavier_uniform_(t), lambda i, o: 2 / (i + o)),
    (nn.xavier_normal, lambda t: torch.nn.init.xavier_normal_(t), lambda i, o: 2 / (i + o)),
    (nn.he_uniform, lambda t: torch.nn.init.kaiming_uniform_(t, nonlinearity="relu"), lambda i, o: 2 / i),
    (nn.he_normal, lambda t: torch.nn.init.kaiming_normal_(t, nonlinearity="relu"), lambda i, o: 2 / i),
]


@pytest.mark.parametrize(("ours", "theirs", "variance"), INITS)
@pytest.mark.parametrize(("fan_in", "fan_out"), [(400, 300), (100, 900)])
def test_init_variance_matches_the_formula_and_torch(ours, theirs, variance, fan_in, fan_out):
    W = ours(fan_in, fan_out, rng=0)
    assert W.shape == (fan_in, fan_out)
    expected = variance(fan_in, fan_out)
    assert W.var() == pytest.approx(expected, rel=0.02)
    assert abs(W.mean()) < 0.01 * np.sqrt(expected)
    torch.manual_seed(0)
    W_t = theirs(torch.empty(fan_out, fan_in, dtype=torch.float64)).numpy()  # torch: (out, in)
    assert W_t.var() == pytest.approx(W.var(), rel=0.04)
    if "uniform" in ours.__name__:
        bound = np.sqrt(3 * expected)
        assert np.abs(W).max() <= bound and np.abs(W_t).max() <= bound * (1 + 1e-12)
    np.testing.assert_array_equal(W, ours(fan_in, fan_out, rng=0))  # seeded
    assert ours(3, 2, rng=0, dtype=np.float32).dtype == np.float32


def test_he_init_keeps_the_signal_alive_through_a_deep_relu_network():
    X = np.random.default_rng(0).normal(size=(500, 100))
    for init, survives in (("he", True), ("xavier", False)):
        out = X
        for i in range(20):
            out = np.maximum(nn.Linear(100, 100, init=init, rng=i)(out), 0)
        assert (0.3 < out.std() / X.std() < 3) == survives, init


# --- estimators --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16, y, test_size=0.25, stratify=y, random_state=0)


def test_classifier_learns_digits_and_is_reproducible(digits):
    X_train, X_test, y_train, y_test = digits
    model = MLPClassifier((32,), lr=0.01, max_epochs=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
        again = clone(model).fit(X_train, y_train)
    assert model.score(X_test, y_test) > 0.95
    np.testing.assert_array_equal(model.predict_proba(X_test), again.predict_proba(X_test))
    proba = model.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(X_test))
    assert model.loss_curve_.shape == (model.n_iter_,) and model.loss_curve_[-1] < model.loss_curve_[0] / 10
    assert model.validation_loss_curve_ is None and model.best_epoch_ == model.n_iter_
    assert isinstance(model.net_, nn.Sequential) and not model.net_.training


def test_classifier_with_early_stopping_dropout_and_string_labels(digits):
    X_train, X_test, y_train, y_test = digits
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
    model = MLPClassifier(
        (64,), dropout=0.2, alpha=1e-4, lr=0.01, early_stopping=True, n_iter_no_change=3, max_epochs=100, random_state=0
    ).fit(X_train, names[y_train])
    assert model.n_iter_ < 100  # stopped early
    assert model.validation_loss_curve_.shape == model.loss_curve_.shape
    assert model.best_epoch_ == model.validation_loss_curve_.argmin() + 1
    assert model.best_epoch_ <= model.n_iter_ - 3
    assert model.score(X_test, names[y_test]) > 0.95
    assert set(model.predict(X_test)) <= set(names)


def test_regressor_learns_diabetes_in_a_pipeline():
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    mlp = MLPRegressor((16,), alpha=0.1, lr=0.01, max_epochs=100, random_state=0)
    model = make_pipeline(StandardScaler(), TransformedTargetRegressor(mlp, transformer=StandardScaler()))
    model.fit(X_train, y_train)
    # diabetes is close to linear: a small, regularised network does as well as least squares (R² 0.36)
    ols = LinearRegression().fit(X_train, y_train).score(X_test, y_test)
    assert model.score(X_test, y_test) > ols - 0.02


def test_regressor_several_outputs_and_full_batch():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(200, 2))
    Y = np.c_[X[:, 0] * X[:, 1], np.sin(3 * X[:, 0])]
    model = MLPRegressor((32, 32), optimizer="nesterov", lr=0.05, batch_size=None, max_epochs=2000, random_state=0)
    model.fit(X, Y)
    assert model.predict(X).shape == (200, 2) and model.n_outputs_ == 2
    assert model.score(X, Y) > 0.95
    single = MLPRegressor((8,), lr=0.01, max_epochs=50, tol=1.0, random_state=0).fit(X, Y[:, 1])
    assert single.predict(X).shape == (200,)


def test_convergence_warning_and_divergence_error():
    X, y = load_digits(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="max_epochs=2"):
        MLPClassifier((8,), max_epochs=2, random_state=0).fit(X[:100] / 16, y[:100])
    with pytest.raises(optim.DivergenceError, match="smaller learning rate"):
        MLPRegressor((8,), optimizer="gd", lr=1e3, random_state=0).fit(X[:100], y[:100] * 1e3)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"hidden_layer_sizes": (10, 0)}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": "wide"}, "hidden_layer_sizes"),
        ({"activation": "softplus"}, "activation"),
        ({"dropout": 1.0}, "dropout"),
        ({"alpha": -1.0}, "alpha"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"lr": 0.0}, "lr"),
        ({"batch_size": 0}, "batch_size"),
        ({"max_epochs": 0}, "max_epochs"),
        ({"tol": -1.0}, "tol"),
        ({"n_iter_no_change": 0}, "n_iter_no_change"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
    ],
)
def test_bad_hyper_parameters_are_named_at_fit_time(params, match):
    model = MLPClassifier(**params)  # scikit-learn's rule: __init__ only stores them
    with pytest.raises(ValueError, match=match):
        model.fit(np.zeros((4, 2)), [0, 1, 0, 1])


def test_estimators_reject_bad_data():
    with pytest.raises(ValueError, match="at least 2 classes"):
        MLPClassifier().fit(np.zeros((4, 2)), [1, 1, 1, 1])
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(np.zeros((4, 2)), [0.5, 1.5, 2.5, 3.5])
    with pytest.raises(ValueError, match="X must be 2-D"):
        MLPRegressor().fit(np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).fit(np.zeros((4, 2)), [0, 1, 2, 3])
    with pytest.warns(ConvergenceWarning):
        model = MLPRegressor((4,), max_epochs=1, random_state=0).fit(np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="features"):
        model.predict(np.zeros((2, 3)))


# --- bad input to the building blocks ----------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: nn.Linear(0, 3), ValueError, "in_features"),
        (lambda: nn.Linear(3, 2.5), ValueError, "out_features"),
        (lambda: nn.Linear(3, 2, init="zeros"), ValueError, "init"),
        (lambda: nn.Linear(3, 2, dtype=np.int64), TypeError, "dtype"),
        (lambda: nn.Dropout(1.0), ValueError, r"^p == 1.0, must be < 1"),
        (lambda: nn.Dropout(-0.1), ValueError, r"^p == -0.1, must be >= 0"),
        (lambda: nn.Sequential(nn.Linear(2, 2), "relu"), TypeError, "layer 1"),
        (lambda: nn.Sequential(nn.Linear(2, 2, dtype=np.float32), nn.Linear(2, 2)), TypeError, "dtype"),
        (lambda: nn.make_mlp([3]), ValueError, "sizes"),
        (lambda: nn.make_mlp([3, 2], activation="gelu"), ValueError, "activation"),
        (lambda: nn.make_mlp([3, 2], dropout=1.5), ValueError, "dropout"),
        (lambda: nn.he_normal(0, 3), ValueError, "fan_in"),
        (lambda: nn.xavier_uniform(3, True), ValueError, "fan_out"),
        (lambda: nn.batches(np.zeros((3, 2)), np.zeros(2), 2), ValueError, "same number of rows"),
        (lambda: nn.batches(np.zeros((3, 2)), np.zeros(3), 0), ValueError, "batch_size"),
    ],
)
def test_bad_construction_is_named(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_the_same_layer_twice_is_refused():
    layer = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="twice"):
        nn.Sequential(layer, nn.ReLU(), layer)


def test_bad_forward_and_backward_calls_are_named():
    layer = nn.Linear(3, 2, rng=0)
    with pytest.raises(RuntimeError, match="forward"):
        layer.backward(np.ones((1, 2)))
    for X in (np.ones((4, 2)), np.ones(3), np.ones((1, 1, 3))):
        with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 3\)"):
            layer(X)
    with pytest.raises(TypeError, match="X must be numeric"):
        nn.ReLU()(np.array([["a"]]))
    layer(np.ones((4, 3)))
    with pytest.raises(ValueError, match="grad must have shape"):
        layer.backward(np.ones((4, 3)))
    for act in (nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.Dropout(0.5)):
        with pytest.raises(RuntimeError, match="forward"):
            act.backward(np.ones((1, 2)))
        act(np.ones((4, 3)))
        with pytest.raises(ValueError, match="grad must have the shape"):
            act.backward(np.ones((4, 2)))


@pytest.mark.parametrize(
    ("y_pred", "y", "error", "match"),
    [
        (np.zeros((3, 2)), np.array([0, 1]), ValueError, r"y must be class indices of shape \(3,\)"),
        (np.zeros(3), np.array([0, 1, 1]), ValueError, "y_pred must be logits"),
        (np.zeros((3, 2)), np.array([0.0, 1.0, 1.0]), TypeError, "integer class indices"),
        (np.zeros((3, 2)), np.array([0, 1, 2]), ValueError, r"class indices in 0..1"),
        (np.zeros((3, 2)), np.array([0, -1, 1]), ValueError, r"class indices in 0..1"),
        (np.zeros((0, 2)), np.zeros(0, dtype=int), ValueError, "empty"),
    ],
)
def test_cross_entropy_bad_input(y_pred, y, error, match):
    with pytest.raises(error, match=match):
        nn.CrossEntropyLoss()(y_pred, y)


def test_mse_and_training_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        nn.MSELoss()(np.zeros((3, 1)), np.zeros(3))  # torch would broadcast to (3, 3), silently
    with pytest.raises(RuntimeError, match="forward"):
        nn.MSELoss().backward()
    net = nn.make_mlp([2, 2], rng=0)
    opt = optim.Adam()
    with pytest.raises(TypeError, match="net must be"):
        nn.train_epoch(nn.Linear(2, 2), nn.MSELoss(), opt, opt.init(net.w), [])
    with pytest.raises(TypeError, match="loss_fn must be"):
        nn.train_epoch(net, torch.nn.MSELoss(), opt, opt.init(net.w), [])
    with pytest.raises(ValueError, match="alpha"):
        nn.train_epoch(net, nn.MSELoss(), opt, opt.init(net.w), [], alpha=-1)
    with pytest.raises(ValueError, match="no rows"):
        nn.train_epoch(net, nn.MSELoss(), opt, opt.init(net.w), [])
    with pytest.raises(ValueError, match=r"w must have shape \(6,\)"):
        nn.objective(net, nn.MSELoss())(np.zeros(5), np.zeros((1, 2)), np.zeros((1, 2)))


def test_importing_mlcourse_nn_needs_numpy_only():
    code = "import sys, mlcourse.nn; print(sorted({'sklearn', 'torch', 'scipy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO).stdout
    assert out.strip() == "[]"


# --- scikit-learn's own checks -----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", ["MLPClassifier", "MLPRegressor"])
def test_check_estimator_passes_with_nothing_skipped(name):
    """Every check passes and none is skipped (small networks and few epochs keep it quick).

    A fresh interpreter with SCIPY_ARRAY_API=1 (set before scipy is imported), as in
    ``test_linear_estimator_checks.py``: without it scikit-learn skips its array-API check.
    """
    results = check_estimator_in_subprocess("nn", f"{name}(hidden_layer_sizes=(16,), lr=0.01, max_epochs=50)")
    assert len(results) > 40
    not_passed = [r for r in results if r[1] != "passed"]
    assert not not_passed, not_passed
