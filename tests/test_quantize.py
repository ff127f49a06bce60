"""mlcourse.quantize against its twins: PyTorch's quantize_per_tensor / quantize_per_channel and
observers, and ONNX Runtime's QuantizeLinear, DequantizeLinear, MatMulInteger and QLinearMatMul.

What the tests establish about rounding: all of them round **half to even** (none half away from
zero). ONNX (and ONNX Runtime), and PyTorch's ``fake_quantize_per_tensor_affine``, round ``x / scale``
and then add the zero point; PyTorch's ``quantize_per_tensor``/``quantize_per_channel`` add the zero
point first and round the sum. So ours with ``rounding="onnx"`` equals ONNX Runtime exactly,
ours with ``rounding="torch"`` equals PyTorch exactly, and the two conventions differ by exactly one
step on ties (``x / scale = k + 1/2``) with an odd zero point, and nowhere else. The scale and zero
point from min/max equal ONNX Runtime's exactly and PyTorch's observers' (affine) to float32 rounding;
PyTorch's dynamic int8 ``Linear`` and ONNX's ``MatMulInteger``/``QLinearMatMul`` give what our integer
products give.
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization.quant_utils import compute_scale_zp

from mlcourse.quantize import (
    QuantizedTensor,
    dequantize,
    integer_matmul,
    onnx_dynamic_int8,
    quant_params,
    quantize,
    quantize_tensor,
    quantized_matmul,
    to_onnx,
    torch_dynamic_int8,
)

pytestmark = pytest.mark.filterwarnings("ignore:torch.quantize_per_tensor, torch.quantize_per_channel:UserWarning")

ONNX_TYPES = {"int8": TensorProto.INT8, "uint8": TensorProto.UINT8}
TORCH_TYPES = {"int8": torch.qint8, "uint8": torch.quint8}


def run_node(op: str, inputs: dict[str, np.ndarray], out_type: int, **attrs) -> np.ndarray:
    """Run one ONNX operator in ONNX Runtime: every input is an initializer but the first."""
    names = list(inputs)
    node = helper.make_node(op, names, ["out"], **attrs)
    first = names[0]
    graph = helper.make_graph(
        [node],
        "one_op",
        [
            helper.make_tensor_value_info(
                first, helper.np_dtype_to_tensor_dtype(inputs[first].dtype), inputs[first].shape
            )
        ],
        [helper.make_tensor_value_info("out", out_type, None)],
        initializer=[numpy_helper.from_array(np.asarray(v), name=k) for k, v in inputs.items() if k != first],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {first: inputs[first]})[0]


def ort_quantize(x, scale, zero_point, axis=None):
    zp = np.asarray(zero_point)
    attrs = {} if axis is None else {"axis": axis}
    inputs = {"x": x.astype(np.float32), "s": np.asarray(scale, np.float32), "z": zp}
    return run_node("QuantizeLinear", inputs, ONNX_TYPES[zp.dtype.name], **attrs)


def torch_quantize(x, scale, zero_point, axis=None, dtype="int8"):
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    if axis is None:
        return torch.quantize_per_tensor(t, float(scale), int(zero_point), TORCH_TYPES[dtype]).int_repr().numpy()
    scales = torch.from_numpy(np.asarray(scale, dtype=np.float64))
    zps = torch.from_numpy(np.asarray(zero_point, dtype=np.int64))
    return torch.quantize_per_channel(t, scales, zps, axis, TORCH_TYPES[dtype]).int_repr().numpy()


def cases(seed: int, n: int = 40):
    """Random tensors, scales and zero points; every other one made of exact ties (x / scale = k + 1/2)."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        dtype = ("int8", "uint8")[i % 4 // 2]
        x = (rng.normal(size=(6, 50)) * rng.uniform(0.1, 5)).astype(np.float32)
        if i % 2:
            scale = np.float32(2.0 ** -int(rng.integers(1, 6)))
            x = (np.round(x / scale * 2) / 2 * scale).astype(np.float32)  # all ties or integers
        else:
            scale = np.float32(rng.uniform(0.005, 0.1))
        lo, hi = (-30, 30) if dtype == "int8" else (100, 160)
        yield x, scale, np.array(rng.integers(lo, hi), dtype=dtype), dtype


# ---------------------------------------------------------------- rounding: which convention is whose


def test_every_library_rounds_half_to_even_not_half_away_from_zero():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5], dtype=np.float32)
    half_even = [0, 2, 2, 0, -2, -2]
    assert quantize(x, 1.0, np.int8(0)).tolist() == half_even
    assert quantize(x, 1.0, np.int8(0), rounding="torch").tolist() == half_even
    assert ort_quantize(x, 1.0, np.int8(0)).tolist() == half_even
    assert torch_quantize(x, 1.0, 0).tolist() == half_even
    half_away = np.sign(x) * np.floor(np.abs(x) + 0.5)
    assert half_away.tolist() != half_even  # [1, 2, 3, -1, -2, -3]: what none of them does


def test_onnx_rounds_before_the_zero_point_torch_after_it():
    x = np.array([0.5, 1.5, -0.5], dtype=np.float32)
    z = np.int8(1)  # odd: the sum x/scale + z is a tie on the other side of an even number
    assert ort_quantize(x, 1.0, z).tolist() == quantize(x, 1.0, z).tolist() == [1, 3, 1]
    assert torch_quantize(x, 1.0, 1).tolist() == quantize(x, 1.0, z, rounding="torch").tolist() == [2, 2, 0]


@pytest.mark.parametrize("seed", [0, 1])
def test_per_tensor_equals_onnx_runtime_and_torch_exactly(seed):
    n_ties_apart = 0
    for x, scale, zp, dtype in cases(seed):
        ours_onnx = quantize(x, scale, zp, dtype=dtype)
        ours_torch = quantize(x, scale, zp, dtype=dtype, rounding="torch")
        np.testing.assert_array_equal(ours_onnx, ort_quantize(x, scale, zp))
        np.testing.assert_array_equal(ours_torch, torch_quantize(x, scale, zp, dtype=dtype))
        apart = ours_onnx.astype(int) != ours_torch.astype(int)
        assert np.abs(ours_onnx.astype(int) - ours_torch.astype(int)).max() <= 1  # within one step
        ratio = x.astype(np.float64) / np.float64(scale)
        assert np.all(np.abs(ratio[apart] - np.floor(ratio[apart]) - 0.5) < 1e-9), "they differ only on ties"
        assert (int(zp) % 2 == 1) or not apart.any(), "and only with an odd zero point"
        n_ties_apart += int(apart.sum())
    assert n_ties_apart > 100  # the cases do exercise the difference


@pytest.mark.parametrize("axis", [0, 1])
def test_per_channel_equals_onnx_runtime_and_torch_exactly(axis):
    rng = np.random.default_rng(axis)
    for dtype in ("int8", "uint8"):
        w = rng.normal(size=(8, 12)).astype(np.float32)
        w[:, :3] = np.round(w[:, :3] * 8) / 8  # some ties
        n = w.shape[axis]
        scale = np.where(rng.random(n) < 0.5, 0.125, rng.uniform(0.005, 0.05, n)).astype(np.float32)
        lo, hi = (-20, 20) if dtype == "int8" else (110, 150)
        zp = rng.integers(lo, hi, n).astype(dtype)
        ours = quantize(w, scale, zp, axis=axis, dtype=dtype)
        np.testing.assert_array_equal(ours, ort_quantize(w, scale, zp, axis=axis))
        ours_torch = quantize(w, scale, zp, axis=axis, dtype=dtype, rounding="torch")
        np.testing.assert_array_equal(ours_torch, torch_quantize(w, scale, zp, axis=axis, dtype=dtype))


def test_dequantize_equals_onnx_runtime_and_torch_exactly():
    rng = np.random.default_rng(3)
    q = rng.integers(-128, 128, size=(5, 7)).astype(np.int8)
    scale, zp = np.float32(0.0371), np.int8(-9)
    ours = dequantize(q, scale, zp)
    ort_out = run_node("DequantizeLinear", {"q": q, "s": np.asarray(scale), "z": np.asarray(zp)}, TensorProto.FLOAT)
    np.testing.assert_array_equal(ours, ort_out)
    tq = torch.quantize_per_tensor(torch.from_numpy(ours), float(scale), int(zp), torch.qint8)
    np.testing.assert_array_equal(tq.int_repr().numpy(), q)  # dequantised values quantise back to q
    np.testing.assert_array_equal(tq.dequantize().numpy(), ours)
    scales = rng.uniform(0.01, 0.1, 7).astype(np.float32)
    zps = rng.integers(-5, 5, 7).astype(np.int8)
    ort_out = run_node("DequantizeLinear", {"q": q, "s": scales, "z": zps}, TensorProto.FLOAT, axis=1)
    np.testing.assert_array_equal(dequantize(q, scales, zps, axis=1), ort_out)


def test_torch_fake_quantize_rounds_as_onnx_does():
    """``torch.fake_quantize_per_tensor_affine`` (quantise then dequantise, used to train with
    quantisation) rounds ``x / scale`` before adding the zero point: ONNX's convention, not that of
    ``torch.quantize_per_tensor``."""
    for x, scale, zp, dtype in cases(4, n=12):
        qmin, qmax = (-128, 127) if dtype == "int8" else (0, 255)
        fake = torch.fake_quantize_per_tensor_affine(torch.from_numpy(x), float(scale), int(zp), qmin, qmax).numpy()
        ours = dequantize(quantize(x, scale, zp, dtype=dtype), scale, zp)
        np.testing.assert_array_equal(ours, fake)
    x = torch.tensor([0.5, 1.5, -0.5])
    assert torch.fake_quantize_per_tensor_affine(x, 1.0, 1, -128, 127).tolist() == [0.0, 2.0, 0.0]
    assert (torch_quantize(x.numpy(), 1.0, 1) - 1).tolist() == [1, 1, -1]  # [1, 1, -1] * scale


# ---------------------------------------------------------------- scale and zero point from min/max


@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_quant_params_equal_onnx_runtime_exactly(symmetric, dtype):
    rng = np.random.default_rng(5)
    qmin, qmax = {"int8": (-128, 127), "uint8": (0, 255)}[dtype]
    if symmetric and dtype == "int8":
        qmin = -127
    for shift in (-2.0, 0.0, 0.7, 3.0):
        x = (rng.normal(size=300) + shift).astype(np.float32)
        scale, zp = quant_params(x, symmetric=symmetric, dtype=dtype)
        ort_zp, ort_scale = compute_scale_zp(
            x.min(), x.max(), np.array(qmin, dtype=dtype), np.array(qmax, dtype=dtype), symmetric=symmetric
        )
        assert scale == ort_scale and scale.dtype == np.float32
        assert zp == ort_zp and zp.dtype == np.dtype(dtype)


def test_affine_quant_params_equal_torch_min_max_observer():
    from torch.ao.quantization.observer import MinMaxObserver, PerChannelMinMaxObserver

    rng = np.random.default_rng(6)
    for shift in (-1.5, 0.0, 0.4, 2.0):
        x = (rng.normal(size=(4, 64)) + shift).astype(np.float32)
        observer = MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_affine)
        observer(torch.from_numpy(x))
        t_scale, t_zp = observer.calculate_qparams()
        scale, zp = quant_params(x)
        np.testing.assert_allclose(scale, t_scale.numpy()[0], rtol=1e-6)  # float32 vs float64 arithmetic
        assert int(zp) == int(t_zp)
        np.testing.assert_array_equal(
            quantize(x, scale, zp, rounding="torch"), torch_quantize(x, scale, zp)
        )  # and given the same parameters, the same integers
        per_channel = PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8, qscheme=torch.per_channel_affine)
        per_channel(torch.from_numpy(x))
        t_scales, t_zps = per_channel.calculate_qparams()
        scales, zps = quant_params(x, axis=0)
        np.testing.assert_allclose(scales, t_scales.numpy(), rtol=1e-6)
        np.testing.assert_array_equal(zps, t_zps.numpy())


def test_torch_symmetric_scale_divides_by_127_5_ours_and_onnx_runtime_by_127():
    from torch.ao.quantization.observer import MinMaxObserver

    x = np.array([-2.54, 0.3, 1.0], dtype=np.float32)
    observer = MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric)
    observer(torch.from_numpy(x))
    t_scale, t_zp = observer.calculate_qparams()
    scale, zp = quant_params(x, symmetric=True)
    assert int(zp) == int(t_zp) == 0
    np.testing.assert_allclose(scale, 2.54 / 127, rtol=1e-6)
    np.testing.assert_allclose(t_scale.numpy()[0], 2.54 / 127.5, rtol=1e-6)
    assert quantize(x, scale, zp).tolist() == [-127, 15, 50]  # -x quantises to -q: the range is [-127, 127]


def test_torch_dynamic_int8_weights_are_ours_with_its_parameters():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(20, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    quantized = torch_dynamic_int8(model)
    for float_layer, int8_layer in ((model[0], quantized[0]), (model[2], quantized[2])):
        qweight = int8_layer.weight()
        w = float_layer.weight.detach().numpy()
        ours = quantize(w, qweight.q_scale(), np.int8(qweight.q_zero_point()), rounding="torch")
        np.testing.assert_array_equal(ours, qweight.int_repr().numpy())
    x = torch.randn(50, 20)
    with torch.no_grad():
        np.testing.assert_allclose(quantized(x).numpy(), model(x).numpy(), atol=0.05)


# ---------------------------------------------------------------- matrix products


def test_torch_dynamic_int8_linear_outputs_are_our_integer_matmul():
    """PyTorch's dynamic Linear (x86 engine) quantises each input to uint8 with ``reduce_range`` (0..127,
    so that sums of products cannot overflow its 16-bit intermediate), rounding as ``quantize_per_tensor``
    does; the int32 product of the integers times the two scales, plus the bias, is its output."""
    torch.manual_seed(3)
    layer = torch_dynamic_int8(torch.nn.Sequential(torch.nn.Linear(20, 16)))[0]
    qweight = layer.weight()
    w = QuantizedTensor(qweight.int_repr().numpy().T.copy(), np.float32(qweight.q_scale()), np.int8(0))
    for _ in range(5):
        x = torch.randn(30, 20) * 3
        with torch.no_grad():
            expected = layer(x).numpy()
        scale, zero_point = torch._choose_qparams_per_tensor(x, True)  # reduce_range=True
        qx = QuantizedTensor(
            quantize(x.numpy(), scale, np.uint8(zero_point), dtype="uint8", rounding="torch"),
            np.float32(scale),
            np.uint8(zero_point),
        )
        ours = integer_matmul(qx, w) * (qx.scale * w.scale) + layer.bias().detach().numpy()
        np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)


def test_integer_matmul_equals_onnx_matmul_integer_exactly():
    rng = np.random.default_rng(7)
    A, B = rng.normal(size=(9, 33)).astype(np.float32), rng.normal(size=(33, 5)).astype(np.float32)
    a, b = quantize_tensor(A, dtype="uint8"), quantize_tensor(B)
    inputs = {"a": a.values, "b": b.values, "za": a.zero_point, "zb": b.zero_point}
    expected = run_node("MatMulInteger", inputs, TensorProto.INT32)
    np.testing.assert_array_equal(integer_matmul(a, b), expected)
    np.testing.assert_allclose(integer_matmul(a, b) * a.scale * b.scale, A @ B, atol=0.15)


@pytest.mark.parametrize("per_column", [False, True])
def test_quantized_matmul_equals_onnx_qlinear_matmul(per_column):
    rng = np.random.default_rng(8)
    for _ in range(5):
        A, B = rng.normal(size=(16, 40)).astype(np.float32), rng.normal(size=(40, 6)).astype(np.float32)
        a = quantize_tensor(A, dtype="uint8")
        b = quantize_tensor(B, symmetric=True, axis=1 if per_column else None)
        scale, zp = quant_params(A @ B, dtype="uint8")
        ours = quantized_matmul(a, b, scale, zp, dtype="uint8")
        inputs = {
            "a": a.values, "sa": a.scale, "za": a.zero_point, "b": b.values, "sb": b.scale, "zb": b.zero_point,
            "sy": scale, "zy": zp,
        }  # fmt: skip
        expected = run_node("QLinearMatMul", inputs, TensorProto.UINT8)
        np.testing.assert_array_equal(ours.values, expected)  # the same float32 requantisation, exactly
        assert np.abs(ours.dequantize() - a.dequantize() @ b.dequantize()).max() <= 0.5 * scale + 1e-6


# ---------------------------------------------------------------- the objects, and their argument checks


def test_quantized_tensor_is_a_quarter_of_float32():
    w = np.random.default_rng(9).normal(size=(64, 128)).astype(np.float32)
    qw = quantize_tensor(w, symmetric=True, axis=0)
    assert isinstance(qw, QuantizedTensor) and qw.axis == 0
    assert qw.nbytes == 64 * 128 + 64 * 4 + 64
    assert np.abs(qw.dequantize() - w).max() <= qw.scale.max() / 2 * (1 + 1e-6)
    zero = quantize_tensor(np.zeros(5))
    assert float(zero.scale) == 1.0 and zero.values.tolist() == [0] * 5


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: quant_params([1.0, 2.0], dtype="int4"), ValueError, "dtype"),
        (lambda: quant_params([[1.0]], axis=2), ValueError, "axis"),
        (lambda: quant_params([1.0], axis=0.5), TypeError, "axis"),
        (lambda: quant_params([], symmetric=True), ValueError, "x must not be empty"),
        (lambda: quant_params([np.nan]), ValueError, "x must be finite"),
        (lambda: quant_params(["a"]), TypeError, "x must be an array of real numbers"),
        (lambda: quant_params([1.0], symmetric="yes"), TypeError, "symmetric"),
        (lambda: quantize([1.0], 0.0, 0), ValueError, "scale must be positive"),
        (lambda: quantize([1.0], 0.1, 200), ValueError, "zero_point must be integers in \\[-128, 127\\]"),
        (lambda: quantize([1.0], 0.1, 0, rounding="half_up"), ValueError, "rounding"),
        (lambda: quantize([[1.0]], [0.1, 0.2], [0, 0], axis=1), ValueError, "scale must have shape \\(1,\\)"),
        (lambda: quantize([1.0], [0.1], 0), ValueError, "scale must be a scalar when axis is None"),
        (lambda: dequantize([0.5], 0.1, 0), TypeError, "q must be an array of integers"),
        (lambda: integer_matmul(np.ones((2, 2)), quantize_tensor(np.ones((2, 2)))), TypeError, "a must be"),
        (lambda: integer_matmul(quantize_tensor(np.ones((2, 3))), quantize_tensor(np.ones((2, 2)))), ValueError, "chain"),
        (lambda: integer_matmul(quantize_tensor(np.ones((2, 2)), axis=0), quantize_tensor(np.ones((2, 2)))), ValueError, "a must be quantised per tensor"),
        (lambda: quantized_matmul(quantize_tensor(np.ones((2, 2))), quantize_tensor(np.ones((2, 2))), -1.0, 0), ValueError, "scale"),
        (lambda: quantized_matmul(quantize_tensor(np.ones((2, 2))), quantize_tensor(np.ones((2, 2))), 1.0, 0.5), ValueError, "zero_point"),
        (lambda: to_onnx(object(), np.ones((1, 2))), TypeError, "model"),
        (lambda: to_onnx(torch.nn.Linear(2, 1), np.ones(2)), ValueError, "X must hold"),
        (lambda: onnx_dynamic_int8(b"bytes"), TypeError, "onnx_model"),
        (lambda: torch_dynamic_int8(object()), TypeError, "model"),
    ],
)  # fmt: skip
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------- exporting and quantising whole models


def test_exported_network_and_its_int8_version_predict_like_the_network():
    torch.manual_seed(1)
    net = torch.nn.Sequential(torch.nn.Linear(10, 256), torch.nn.ReLU(), torch.nn.Linear(256, 4))
    X = np.random.default_rng(10).normal(size=(200, 10)).astype(np.float32)
    onnx_model = to_onnx(net, X)
    onnx.checker.check_model(onnx_model)
    assert net.training  # the export did not leave the network in eval mode
    with torch.no_grad():
        expected = net(torch.from_numpy(X)).numpy()
    session = ort.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"X": X})[0], expected, rtol=1e-5, atol=1e-5)
    int8_model = onnx_dynamic_int8(onnx_model)
    ops = {node.op_type for node in int8_model.graph.node}
    assert {"DynamicQuantizeLinear", "MatMulInteger"} <= ops
    assert len(int8_model.SerializeToString()) < len(onnx_model.SerializeToString()) / 2
    session = ort.InferenceSession(int8_model.SerializeToString(), providers=["CPUExecutionProvider"])
    y_int8 = session.run(None, {"X": X})[0]
    np.testing.assert_allclose(y_int8, expected, atol=0.05)
    assert (y_int8.argmax(1) == expected.argmax(1)).mean() > 0.95


def test_exported_pipeline_gives_probabilities_as_a_tensor(recwarn):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from mlcourse import data

    X, y = data.load("breast_cancer", return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    onnx_model = to_onnx(model, X)
    session = ort.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])
    labels, proba = session.run(None, {"X": X.to_numpy(np.float32)})
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-4)
    assert (labels == model.predict(X)).mean() > 0.99
    assert not [w for w in recwarn if "deprecat" in str(w.message).lower()]
