"""Int8 quantisation of tensors: parameters from min/max, quantise, dequantise (numpy only).

An integer ``q`` stands for the real number ``scale * (q - zero_point)``. The *affine* scheme maps
``[min(x, 0), max(x, 0)]`` onto the whole integer range; the *symmetric* one maps ``[-m, m]``
(``m = max|x|``) onto ``[-127, 127]``, so its zero point is 0 and ``-x`` quantises to ``-q``.
Per-channel parameters give each slice along ``axis`` (each output channel of a weight) its own.

Two rounding conventions, both *round half to even* (never half away from zero):

- ``"onnx"``: ``round(x / scale) + zero_point``, ONNX's ``QuantizeLinear`` (and ONNX Runtime);
- ``"torch"``: ``round(x / scale + zero_point)``, PyTorch's ``quantize_per_tensor`` and
  ``quantize_per_channel``. The two differ only on a tie, ``x / scale`` exactly ``k + 0.5``, with an
  odd zero point, and then by one step.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlcourse._validation import check_option, check_scalar

#: The integer types and their ranges.
RANGES = {"int8": (-128, 127), "uint8": (0, 255)}
ROUNDINGS = ("onnx", "torch")


def _check_dtype(dtype: Any) -> np.dtype:
    check_option(dtype, "dtype", tuple(RANGES))
    return np.dtype(dtype)


def _check_axis(axis: Any, ndim: int) -> int | None:
    if axis is None:
        return None
    check_scalar(axis, "axis", numbers.Integral, min_val=-ndim, max_val=ndim - 1)
    return int(axis) % ndim


def _as_float_array(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind not in "iuf" or arr.dtype == np.bool_:
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float32)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or infinity)")
    return arr


def _along(values: Any, axis: int | None, ndim: int, name: str, size: int | None) -> np.ndarray:
    """A scale or zero point, shaped to broadcast against an array of ``ndim`` dimensions."""
    arr = np.asarray(values)
    if axis is None:
        if arr.ndim != 0:
            raise ValueError(f"{name} must be a scalar when axis is None, got shape {arr.shape}")
        return arr
    if arr.ndim != 1 or arr.shape[0] != size:
        raise ValueError(f"{name} must have shape ({size},), one value per slice along axis {axis}, got {arr.shape}")
    shape = [1] * ndim
    shape[axis] = size
    return arr.reshape(shape)


def quant_params(
    x: Any, *, symmetric: bool = False, axis: int | None = None, dtype: str = "int8"
) -> tuple[np.ndarray, np.ndarray]:
    """The scale and zero point that map the range of ``x`` onto an integer type.

    The range always includes 0, so that 0 (padding, a ReLU's output) is exact. Computed as ONNX
    Runtime's quantisation tools do: in float64, the scale then stored as float32.

    Parameters
    ----------
    x : array-like of float
        The tensor to quantise (a weight, or calibration activations).
    symmetric : bool, default=False
        Symmetric: scale ``max|x| / 127`` (int8, range ``[-127, 127]``), zero point 0 (128 for
        uint8). Affine: scale ``(max - min) / 255``, zero point ``qmin - round(min / scale)``.
    axis : int, optional
        Per-channel: one scale and zero point per slice along this axis. ``None``: per-tensor.
    dtype : {"int8", "uint8"}, default="int8"

    Returns
    -------
    scale : ndarray of float32
        A 0-d array (per-tensor) or one value per channel.
    zero_point : ndarray of ``dtype``
        Same shape as ``scale``.

    Examples
    --------
    >>> scale, zero_point = quant_params([-1.0, 0.5, 3.0])
    >>> round(float(scale), 6), int(zero_point)
    (0.015686, -64)
    >>> scale, zero_point = quant_params([[-1.0, 0.5], [0.2, 2.54]], symmetric=True, axis=0)
    >>> scale.astype(float).round(4).tolist(), zero_point.tolist()
    ([0.0079, 0.02], [0, 0])
    """
    arr = _as_float_array(x, "x")
    if not isinstance(symmetric, (bool, np.bool_)):
        raise TypeError(f"symmetric must be a bool, got {type(symmetric).__name__}")
    dt = _check_dtype(dtype)
    axis = _check_axis(axis, arr.ndim)
    reduce = None if axis is None else tuple(i for i in range(arr.ndim) if i != axis)
    rmin = np.minimum(arr.min(axis=reduce).astype(np.float64), 0.0)
    rmax = np.maximum(arr.max(axis=reduce).astype(np.float64), 0.0)
    qmin, qmax = RANGES[dt.name]
    if symmetric:
        if dt.name == "int8":
            qmin = -127  # a symmetric range, so that q and -q both exist
        absmax = np.maximum(-rmin, rmax)
        rmin, rmax = -absmax, absmax
    scale = (rmax - rmin) / (qmax - qmin)
    if symmetric:
        zero_point = np.full(scale.shape, np.round((qmin + qmax) / 2.0))
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            zero_point = np.round(qmin - rmin / scale)
    tiny = scale < np.finfo(np.float32).tiny  # an all-zero tensor: any scale will do
    scale = np.where(tiny, 1.0, scale)
    zero_point = np.clip(np.where(tiny, 0 if qmin < 0 else qmin, zero_point), qmin, qmax)
    return np.asarray(scale, dtype=np.float32), np.asarray(zero_point).astype(dt)


def quantize(
    x: Any,
    scale: Any,
    zero_point: Any,
    *,
    axis: int | None = None,
    dtype: str = "int8",
    rounding: str = "onnx",
) -> np.ndarray:
    """Quantise ``x``: ``clip(round(x / scale) + zero_point, qmin, qmax)``, in float32.

    Parameters
    ----------
    x : array-like of float
    scale : float or 1-D array
        One value, or one per slice along ``axis`` (positive).
    zero_point : int or 1-D array
        Same shape as ``scale``, within the range of ``dtype``.
    axis : int, optional
        The channel axis of per-channel parameters.
    dtype : {"int8", "uint8"}, default="int8"
    rounding : {"onnx", "torch"}, default="onnx"
        ``"onnx"`` rounds ``x / scale`` half to even, then adds the zero point (ONNX
        ``QuantizeLinear``); ``"torch"`` adds the zero point first, then rounds half to even
        (PyTorch). They differ by one step on ties with an odd zero point.

    Returns
    -------
    q : ndarray of ``dtype``

    Examples
    --------
    >>> quantize([0.5, 1.5, 2.5, -2.5], 1.0, 0).tolist()  # half to even
    [0, 2, 2, -2]
    >>> quantize([0.5, 1.5], 1.0, 1).tolist(), quantize([0.5, 1.5], 1.0, 1, rounding="torch").tolist()
    ([1, 3], [2, 2])
    >>> quantize([-1.0, 0.0, 3.0, 100.0], 0.0156863, -64).tolist()  # 100 saturates at 127
    [-128, -64, 127, 127]
    """
    arr = _as_float_array(x, "x")
    dt = _check_dtype(dtype)
    check_option(rounding, "rounding", ROUNDINGS)
    axis = _check_axis(axis, arr.ndim)
    size = None if axis is None else arr.shape[axis]
    s = _along(scale, axis, arr.ndim, "scale", size).astype(np.float32)
    if not np.all(np.isfinite(s)) or not np.all(s > 0):
        raise ValueError("scale must be positive and finite")
    z = _along(zero_point, axis, arr.ndim, "zero_point", size)
    qmin, qmax = RANGES[dt.name]
    if z.dtype.kind not in "iu" or np.any(z < qmin) or np.any(z > qmax):
        raise ValueError(f"zero_point must be integers in [{qmin}, {qmax}] for {dt.name}, got {zero_point!r}")
    z = z.astype(np.float32)
    q = np.rint(arr / s) + z if rounding == "onnx" else np.rint(arr / s + z)
    return np.clip(q, qmin, qmax).astype(dt)


def dequantize(q: Any, scale: Any, zero_point: Any, *, axis: int | None = None) -> np.ndarray:
    """The real numbers that integers stand for: ``(q - zero_point) * scale``, in float32.

    Parameters
    ----------
    q : array-like of int
    scale, zero_point : scalar or 1-D array
        As given to :func:`quantize`.
    axis : int, optional
        The channel axis of per-channel parameters.

    Returns
    -------
    x : ndarray of float32

    Examples
    --------
    >>> dequantize([-128, -64, 127], 0.5, -64).tolist()
    [-32.0, 0.0, 95.5]
    """
    arr = np.asarray(q)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"q must be an array of integers, got dtype {arr.dtype}")
    axis = _check_axis(axis, max(arr.ndim, 1))
    size = None if axis is None else arr.shape[axis]
    s = _along(scale, axis, arr.ndim, "scale", size).astype(np.float32)
    z = _along(zero_point, axis, arr.ndim, "zero_point", size).astype(np.int32)
    return ((arr.astype(np.int32) - z).astype(np.float32) * s).astype(np.float32)


@dataclass(frozen=True)
class QuantizedTensor:
    """Integers with the scale and zero point that say which real numbers they stand for.

    Attributes
    ----------
    values : ndarray of int8 or uint8
    scale : ndarray of float32
        0-d (per-tensor) or one value per slice along ``axis``.
    zero_point : ndarray
        Same shape as ``scale``.
    axis : int or None
        The channel axis of per-channel parameters.
    """

    values: np.ndarray
    scale: np.ndarray
    zero_point: np.ndarray
    axis: int | None = None

    def dequantize(self) -> np.ndarray:
        """The float32 tensor the integers stand for."""
        return dequantize(self.values, self.scale, self.zero_point, axis=self.axis)

    @property
    def nbytes(self) -> int:
        """Bytes of storage: the integers plus their scales and zero points."""
        return int(self.values.nbytes + self.scale.nbytes + self.zero_point.nbytes)


def quantize_tensor(
    x: Any, *, symmetric: bool = False, axis: int | None = None, dtype: str = "int8", rounding: str = "onnx"
) -> QuantizedTensor:
    """Quantise ``x`` with parameters from its own min/max (:func:`quant_params`, then :func:`quantize`).

    Examples
    --------
    >>> qx = quantize_tensor([-1.0, 0.0, 0.5, 3.0])
    >>> qx.values.tolist(), qx.dequantize().astype(float).round(3).tolist()
    ([-128, -64, -32, 127], [-1.004, 0.0, 0.502, 2.996])
    """
    scale, zero_point = quant_params(x, symmetric=symmetric, axis=axis, dtype=dtype)
    values = quantize(x, scale, zero_point, axis=axis, dtype=dtype, rounding=rounding)
    return QuantizedTensor(values, scale, zero_point, None if axis is None else int(axis) % np.ndim(values))
