"""Matrix products of int8 tensors: int32 accumulators, then requantisation to int8.

``A ≈ sa (qa - za)`` and ``B ≈ sb (qb - zb)``, so ``A @ B ≈ sa sb (qa - za) @ (qb - zb)``: the
product of integers is exact in int32 (ONNX ``MatMulInteger``), and one multiplication by
``sa sb / s_out`` maps it onto the output's integers (ONNX ``QLinearMatMul``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlcourse._validation import check_option
from mlcourse.quantize._tensor import RANGES, QuantizedTensor, _along


def _check_operands(a: Any, b: Any) -> None:
    for name, t in (("a", a), ("b", b)):
        if not isinstance(t, QuantizedTensor):
            raise TypeError(f"{name} must be a QuantizedTensor (see quantize_tensor), got {type(t).__name__}")
        if t.values.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got shape {t.values.shape}")
    if a.axis is not None:
        raise ValueError("a must be quantised per tensor (axis=None): a per-row scale cannot be factored out")
    if b.axis not in (None, 1):
        raise ValueError(f"b must be quantised per tensor or per column (axis=1), got axis={b.axis}")
    if a.values.shape[1] != b.values.shape[0]:
        raise ValueError(f"a and b do not chain: shapes {a.values.shape} and {b.values.shape}")


def integer_matmul(a: QuantizedTensor, b: QuantizedTensor) -> np.ndarray:
    """The exact int32 product ``(qa - za) @ (qb - zb)`` (ONNX ``MatMulInteger``).

    Parameters
    ----------
    a : QuantizedTensor
        2-D, per tensor.
    b : QuantizedTensor
        2-D, per tensor or per column (``axis=1``, one scale per output).

    Returns
    -------
    acc : ndarray of int32, shape (a rows, b columns)
        Times ``a.scale * b.scale`` it approximates ``a.dequantize() @ b.dequantize()``.

    Examples
    --------
    >>> from mlcourse.quantize import quantize_tensor
    >>> a = quantize_tensor([[1.0, -2.0]], symmetric=True)
    >>> b = quantize_tensor([[0.5], [-0.25]], symmetric=True)
    >>> a.values.tolist(), b.values.tolist()
    ([[64, -127]], [[127], [-64]])
    >>> acc = integer_matmul(a, b)
    >>> acc.tolist(), round(float(acc[0, 0] * a.scale * b.scale), 3)  # 1.0 exactly in floats
    ([[16256]], 1.008)
    """
    _check_operands(a, b)
    qa = a.values.astype(np.int32) - a.zero_point.astype(np.int32)
    zb = _along(b.zero_point, b.axis, 2, "b.zero_point", None if b.axis is None else b.values.shape[1])
    qb = b.values.astype(np.int32) - zb.astype(np.int32)
    # int8 products are below 2**16, so int32 holds sums of up to 32,768 of them; numpy's integer
    # matmul is exact (and int64 here, to be sure).
    return (qa.astype(np.int64) @ qb.astype(np.int64)).astype(np.int32)


def quantized_matmul(
    a: QuantizedTensor, b: QuantizedTensor, scale: Any, zero_point: Any, *, dtype: str = "int8"
) -> QuantizedTensor:
    """``a @ b`` as integers of the given output scale and zero point (ONNX ``QLinearMatMul``).

    The int32 accumulators of :func:`integer_matmul` are multiplied, in float32, by
    ``a.scale * b.scale / scale``, rounded half to even, shifted by ``zero_point`` and saturated.

    Parameters
    ----------
    a, b : QuantizedTensor
        As for :func:`integer_matmul`.
    scale : float
        The output's scale (from calibration: the range of ``a @ b`` on typical inputs).
    zero_point : int
        The output's zero point.
    dtype : {"int8", "uint8"}, default="int8"

    Returns
    -------
    out : QuantizedTensor

    Examples
    --------
    >>> import numpy as np
    >>> from mlcourse.quantize import quant_params, quantize_tensor
    >>> rng = np.random.default_rng(0)
    >>> A, B = rng.normal(size=(4, 8)), rng.normal(size=(8, 3))
    >>> a, b = quantize_tensor(A), quantize_tensor(B, symmetric=True, axis=1)
    >>> scale, zero_point = quant_params(A @ B)
    >>> out = quantized_matmul(a, b, scale, zero_point)
    >>> out.values.dtype, bool(np.abs(out.dequantize() - A @ B).max() < 4 * scale)
    (dtype('int8'), True)
    """
    acc = integer_matmul(a, b)
    check_option(dtype, "dtype", tuple(RANGES))
    s_out = np.asarray(scale, dtype=np.float32)
    if s_out.ndim != 0 or not np.isfinite(s_out) or s_out <= 0:
        raise ValueError(f"scale must be a positive finite number, got {scale!r}")
    qmin, qmax = RANGES[dtype]
    z_out = np.asarray(zero_point)
    if z_out.ndim != 0 or z_out.dtype.kind not in "iu" or not qmin <= z_out <= qmax:
        raise ValueError(f"zero_point must be an integer in [{qmin}, {qmax}], got {zero_point!r}")
    sb = _along(b.scale, b.axis, 2, "b.scale", None if b.axis is None else b.values.shape[1])
    multiplier = (np.float32(a.scale) * sb.astype(np.float32) / s_out).astype(np.float32)
    q = np.rint(acc.astype(np.float32) * multiplier) + np.float32(z_out)
    values = np.clip(q, qmin, qmax).astype(dtype)
    return QuantizedTensor(values, s_out, z_out.astype(dtype), None)
