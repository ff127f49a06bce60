"""mlcourse.nn's image layers against torch: Conv2d, MaxPool2d and Flatten, one at a time and in a
whole CNN (outputs and every gradient, float64, to 1e-10, on hypothesis-drawn shapes, strides and
paddings), gradient checks, training on the 8x8 digits, dtypes, pickling and bad arguments."""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_digits

from mlcourse import nn, optim

TOL = 1e-10  # float64 parity with torch: the same sums in another order, so only rounding differs
seeds = st.integers(0, 2**32 - 1)


def assert_close(ours, theirs, what):
    np.testing.assert_allclose(ours, theirs, rtol=TOL, atol=TOL, err_msg=what)


@st.composite
def conv_cases(draw, max_kernel=4):
    """A batch shape and a (kernel, stride, padding) per axis that give at least one output position."""
    case = {"n": draw(st.integers(1, 3)), "c_in": draw(st.integers(1, 3)), "c_out": draw(st.integers(1, 4))}
    kernel, stride, padding, size = [], [], [], []
    for _ in ("height", "width"):
        k = draw(st.integers(1, max_kernel))
        p = draw(st.integers(0, 2))
        kernel.append(k)
        stride.append(draw(st.integers(1, 3)))
        padding.append(p)
        size.append(draw(st.integers(max(1, k - 2 * p), 9)))  # the padded image holds one kernel at least
    case.update(kernel=tuple(kernel), stride=tuple(stride), padding=tuple(padding), size=tuple(size))
    return case


# --- Conv2d ------------------------------------------------------------------------------------


@given(case=conv_cases(), bias=st.booleans(), square=st.booleans(), seed=seeds)
def test_conv2d_output_and_gradients_match_torch(case, bias, square, seed):
    rng = np.random.default_rng(seed)
    # Both spellings of the arguments: one int for both axes, or a (height, width) pair.
    kernel, stride, padding = case["kernel"], case["stride"], case["padding"]
    if square:
        kernel, stride, padding = kernel[0], stride[0], padding[0]
        size = (max(case["size"][0], kernel - 2 * padding),) * 2
    else:
        size = case["size"]
    conv = nn.Conv2d(case["c_in"], case["c_out"], kernel, stride=stride, padding=padding, bias=bias, rng=rng)
    if bias:
        conv.b[...] = rng.normal(size=case["c_out"])  # ours start at zero; test a non-trivial bias
    X = rng.normal(size=(case["n"], case["c_in"], *size))
    out = conv.forward(X)
    G = rng.normal(size=out.shape)
    dX = conv.backward(G)

    X_t = torch.tensor(X, requires_grad=True)
    W_t = torch.tensor(conv.W, requires_grad=True)
    b_t = torch.tensor(conv.b, requires_grad=True) if bias else None
    out_t = F.conv2d(X_t, W_t, b_t, stride=stride, padding=padding)
    out_t.backward(torch.from_numpy(G))  # G is the gradient arriving from above

    assert out.shape == out_t.shape == (case["n"], *conv.output_shape(*size))
    assert_close(out, out_t.detach().numpy(), "output")
    assert_close(dX, X_t.grad.numpy(), "input gradient")
    assert_close(conv.dW, W_t.grad.numpy(), "weight gradient")
    if bias:
        assert_close(conv.db, b_t.grad.numpy(), "bias gradient")
    assert [g.shape for g in conv.gradients()] == [p.shape for p in conv.parameters()]


def test_conv2d_by_hand_on_a_tiny_image():
    # A vertical-edge filter on a 3x4 image with a step between columns 1 and 2, no padding.
    X = np.array([[[[0.0, 0.0, 1.0, 1.0]] * 3]])
    conv = nn.Conv2d(1, 1, kernel_size=(1, 2), bias=False)
    conv.W[...] = [[[[-1.0, 1.0]]]]
    np.testing.assert_array_equal(conv(X), [[[[0.0, 1.0, 0.0]] * 3]])


def test_conv2d_weights_are_drawn_like_torch_kaiming_and_xavier():
    # torch's fans for a conv weight (out, in, kh, kw): fan_in = in * kh * kw, fan_out = out * kh * kw.
    fan_in, fan_out = 32 * 9, 64 * 9
    for init, std in [
        ("he", np.sqrt(2 / fan_in)),
        ("he_uniform", np.sqrt(2 / fan_in)),
        ("xavier", np.sqrt(2 / (fan_in + fan_out))),
        ("xavier_normal", np.sqrt(2 / (fan_in + fan_out))),
    ]:
        W = nn.Conv2d(32, 64, 3, init=init, rng=0).W
        assert W.shape == (64, 32, 3, 3)
        assert W.std() == pytest.approx(std, rel=0.02), init
        assert abs(W.mean()) < 0.02 * std * 10
    np.testing.assert_array_equal(nn.Conv2d(2, 3, 3, rng=5).W, nn.Conv2d(2, 3, 3, rng=5).W)


# --- MaxPool2d and Flatten ---------------------------------------------------------------------


@given(case=conv_cases(max_kernel=3), default_stride=st.booleans(), ties=st.booleans(), seed=seeds)
def test_maxpool2d_output_and_gradient_match_torch(case, default_stride, ties, seed):
    rng = np.random.default_rng(seed)
    kernel = case["kernel"]
    stride = None if default_stride else case["stride"]
    padding = tuple(min(p, k // 2) for p, k in zip(case["padding"], kernel, strict=True))  # torch's limit
    size = tuple(max(s, k) for s, k in zip(case["size"], kernel, strict=True))
    shape = (case["n"], case["c_in"], *size)
    # With ties (small integers: many equal maxima in a window) the gradient must go where torch's
    # goes: to the first maximum in reading order.
    X = rng.integers(0, 3, size=shape).astype(float) if ties else rng.normal(size=shape)
    pool = nn.MaxPool2d(kernel, stride=stride, padding=padding)
    out = pool.forward(X)
    G = rng.normal(size=out.shape)
    dX = pool.backward(G)

    X_t = torch.tensor(X, requires_grad=True)
    out_t = F.max_pool2d(X_t, kernel, stride=stride, padding=padding)
    out_t.backward(torch.from_numpy(G))
    assert out.shape == out_t.shape
    assert_close(out, out_t.detach().numpy(), "output")
    assert_close(dX, X_t.grad.numpy(), "input gradient")


def test_flatten_matches_torch_and_keeps_the_order_of_values():
    X = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    flat = nn.Flatten()
    out = flat(X)
    np.testing.assert_array_equal(out, torch.nn.Flatten()(torch.from_numpy(X)).numpy())
    np.testing.assert_array_equal(flat.backward(out), X)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_image_layers_keep_the_dtype(dtype):
    net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, rng=0, dtype=dtype), nn.MaxPool2d(2), nn.Flatten())
    out = net(np.ones((2, 1, 4, 4)))  # float64 in: converted by the first layer
    assert out.dtype == dtype and net.w.dtype == dtype
    assert net.backward(np.ones_like(out)).dtype == dtype
    assert all(g.dtype == dtype for g in net.gradients())


# --- a whole CNN -------------------------------------------------------------------------------


def small_cnn(rng, activation=nn.ReLU, channels=4):
    """conv -> activation -> max pool -> flatten -> linear, for 1 x 8 x 8 images and 10 classes."""
    return nn.Sequential(
        nn.Conv2d(1, channels, 3, padding=1, rng=rng),
        activation(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(channels * 4 * 4, 10, rng=rng),
    )


def torch_twin(net):
    """The same CNN in torch, float64, with our weights (Linear's transposed, Conv2d's as they are)."""
    conv, act, _, _, linear = net.layers
    twin = torch.nn.Sequential(
        torch.nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, padding=conv.padding).double(),
        {nn.ReLU: torch.nn.ReLU, nn.Tanh: torch.nn.Tanh}[type(act)](),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(linear.in_features, linear.out_features).double(),
    )
    with torch.no_grad():
        twin[0].weight.copy_(torch.from_numpy(conv.W))
        twin[0].bias.copy_(torch.from_numpy(conv.b))
        twin[4].weight.copy_(torch.from_numpy(linear.W.T))
        twin[4].bias.copy_(torch.from_numpy(linear.b))
    return twin


@settings(max_examples=10)  # two whole networks, forward and backward, per example
@given(n=st.integers(1, 8), activation=st.sampled_from([nn.ReLU, nn.Tanh]), seed=seeds)
def test_cnn_in_sequential_matches_torch_with_every_gradient_in_the_flat_vector(n, activation, seed):
    rng = np.random.default_rng(seed)
    net = small_cnn(rng, activation)
    net.w[...] = rng.normal(size=net.w.size)  # biases too, not just the initial zeros
    X, y = rng.normal(size=(n, 1, 8, 8)), rng.integers(0, 10, size=n)
    loss_fn = nn.CrossEntropyLoss()
    logits = net(X)
    loss = loss_fn(logits, y)
    dX = net.backward(loss_fn.backward())

    twin = torch_twin(net)
    X_t = torch.tensor(X, requires_grad=True)
    logits_t = twin(X_t)
    loss_t = torch.nn.functional.cross_entropy(logits_t, torch.from_numpy(y))
    loss_t.backward()
    assert_close(logits, logits_t.detach().numpy(), "logits")
    assert loss == pytest.approx(loss_t.item(), rel=TOL, abs=TOL)
    assert_close(dX, X_t.grad.numpy(), "input gradient")
    theirs = [twin[0].weight.grad, twin[0].bias.grad, twin[4].weight.grad.T, twin[4].bias.grad]
    assert_close(net.dw, np.concatenate([g.numpy().ravel() for g in theirs]), "flat gradient vector")


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1), ((1, 2), (2, 0))])
def test_cnn_gradients_pass_gradient_check(stride, padding):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(3, 2, 7, 6)), rng.integers(0, 3, size=3)
    conv = nn.Conv2d(2, 3, (3, 2), stride=stride, padding=padding, rng=1)
    c, h, w = conv.output_shape(7, 6)
    net = nn.Sequential(conv, nn.Tanh(), nn.MaxPool2d(2, stride=1), nn.Flatten(), nn.Linear(c * (h - 1) * (w - 1), 3))
    net.w[...] += 0.1 * rng.normal(size=net.w.size)
    fun = nn.objective(net, nn.CrossEntropyLoss())
    w0 = net.w.copy()
    assert optim.gradient_check(lambda w: fun(w, X, y)[0], lambda w: fun(w, X, y)[1], w0) < 1e-7
    # and the check has teeth: the filters' gradient doubled fails it
    first = conv.W.size
    doubled = np.r_[2 * np.ones(first), np.ones(w0.size - first)]
    assert optim.gradient_check(lambda w: fun(w, X, y)[0], lambda w: fun(w, X, y)[1] * doubled, w0) > 1e-2


def test_a_small_cnn_learns_the_digits():
    X, y = load_digits(return_X_y=True)
    X = (X / 16).reshape(-1, 1, 8, 8)
    X_train, y_train, X_test, y_test = X[:1400], y[:1400], X[1400:], y[1400:]
    net = small_cnn(np.random.default_rng(0), channels=8)
    loss_fn, opt = nn.CrossEntropyLoss(), optim.Adam(lr=0.01)
    state = opt.init(net.w)
    initial = loss_fn(net(X_train), y_train)
    rng = np.random.default_rng(0)
    losses = []
    for epoch in range(5):
        data = nn.batches(X_train, y_train, 32, shuffle=True, rng=rng)
        loss, state = nn.train_epoch(net, loss_fn, opt, state, data, epoch=epoch)
        losses.append(loss)
    # about 2.9, then 1.33, 0.33, 0.20, 0.14, 0.11; the last 397 digits (other writers) about 88 % right
    assert initial > 2.0 and losses[0] < initial
    assert all(later < earlier for earlier, later in itertools.pairwise(losses)) and losses[-1] < 0.2
    accuracy = (net.eval()(X_test).argmax(axis=1) == y_test).mean()
    assert accuracy > 0.85


# --- pickling, printing and bad input ----------------------------------------------------------


def test_pickled_cnn_keeps_weights_and_predictions_but_not_the_last_batch():
    net = small_cnn(0)
    X = np.random.default_rng(1).normal(size=(4, 1, 8, 8))
    out = net(X)
    net.backward(np.ones_like(out))
    clone = pickle.loads(pickle.dumps(net))
    assert not hasattr(clone[0], "_cols") and not hasattr(clone[2], "_argmax")
    np.testing.assert_array_equal(clone(X), out)
    assert np.shares_memory(clone[0].W, clone.w)


def test_repr_reads_like_torch():
    assert repr(nn.Conv2d(1, 8, 3)) == "Conv2d(1, 8, kernel_size=3)"
    assert repr(nn.Conv2d(3, 8, (3, 5), stride=2, padding=(1, 2), bias=False)) == (
        "Conv2d(3, 8, kernel_size=(3, 5), stride=2, padding=(1, 2), bias=False)"
    )
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2)"
    assert repr(nn.MaxPool2d(3, stride=1, padding=1)) == "MaxPool2d(kernel_size=3, stride=1, padding=1)"
    assert repr(nn.Flatten()) == "Flatten()"


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: nn.Conv2d(0, 1, 3), "in_channels == 0"),
        (lambda: nn.Conv2d(1, 2.5, 3), "out_channels must be an instance of Integral"),
        (lambda: nn.Conv2d(1, 1, 0), "kernel_size == 0"),
        (lambda: nn.Conv2d(1, 1, (3, 3, 3)), "kernel_size must be an int or a pair"),
        (lambda: nn.Conv2d(1, 1, 3, stride=0), "stride == 0"),
        (lambda: nn.Conv2d(1, 1, 3, padding=-1), "padding == -1"),
        (lambda: nn.Conv2d(1, 1, 3, padding=True), "padding must be an instance of Integral, not bool"),
        (lambda: nn.Conv2d(1, 1, 3, init="glorot"), "init must be one of"),
        (lambda: nn.MaxPool2d((2, 0)), "kernel_size == 0"),
        (lambda: nn.MaxPool2d(2, stride=(1, 0)), "stride == 0"),
        (lambda: nn.MaxPool2d(2, padding=2), "padding must be at most half of kernel_size"),
    ],
)
def test_bad_settings_are_value_errors_naming_the_argument(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_conv2d_rejects_bad_dtype():
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        nn.Conv2d(1, 1, 3, dtype=np.int64)


@pytest.mark.parametrize(
    "layer, X, match",
    [
        (nn.Conv2d(1, 2, 3), np.ones((2, 8, 8)), r"X must have shape \(n_samples, channels, height, width\)"),
        (nn.Conv2d(3, 2, 3), np.ones((2, 1, 8, 8)), r"X must have 3 channels"),
        (nn.Conv2d(1, 2, 5, padding=1), np.ones((2, 1, 2, 8)), "height 2 .* smaller than Conv2d's kernel 5"),
        (nn.MaxPool2d(3), np.ones((2, 1, 8, 2)), "width 2 .* smaller than MaxPool2d's kernel 3"),
        (nn.Flatten(), np.ones(4), "X must have a batch axis"),
    ],
)
def test_bad_input_names_the_problem(layer, X, match):
    with pytest.raises(ValueError, match=match):
        layer(X)


@pytest.mark.parametrize("layer", [nn.Conv2d(1, 2, 3), nn.MaxPool2d(2), nn.Flatten()])
def test_backward_needs_a_forward_and_a_gradient_of_the_output_shape(layer):
    with pytest.raises(RuntimeError, match="needs a forward"):
        layer.backward(np.ones((1, 2, 2, 2)))
    out = layer(np.ones((2, 1, 4, 4)))
    with pytest.raises(ValueError, match="grad must have the shape of the last forward"):
        layer.backward(np.ones((out.shape[0] + 1, *out.shape[1:])))
