"""Layers for images, with a hand-written backward pass: ``Conv2d``, ``MaxPool2d``, ``Flatten``.

Images travel in batches of shape ``(n_samples, channels, height, width)`` ("NCHW"), the layout of
``torch.nn``. A convolution slides a small stack of filters over the image; at every position it
takes the dot product of a filter with the patch under it. Written that way it is a loop over
positions; written as **im2col** it is one matrix product: copy every patch into a row of a matrix
(``cols``, one row per output position, one column per (channel, kernel row, kernel column)), and
multiply by the filters laid out as a matrix. The backward pass is the same product transposed:
``dW = grad.T @ cols`` and ``dcols = grad @ W``, and **col2im** adds every row of ``dcols`` back
onto the patch it came from (patches overlap, so the contributions add up).

The twins are ``torch.nn.Conv2d``, ``torch.nn.MaxPool2d`` and ``torch.nn.Flatten``, and unlike
:class:`~mlcourse.nn.Linear`, :class:`Conv2d` stores its filters in torch's layout: ``W`` has shape
``(out_channels, in_channels, kernel_height, kernel_width)``, exactly ``conv.weight``. Outputs and
gradients agree with ``torch.nn.functional.conv2d`` and ``max_pool2d`` to rounding error in float64
(``tests/test_nn_conv.py``).
"""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from mlcourse._validation import check_param
from mlcourse.nn._init import INITIALIZERS
from mlcourse.nn._layers import Module, _as_float_array, _check_dtype


def _pair(value, name, min_val):
    """An int or a pair of ints, each at least ``min_val``, as a tuple ``(for the height, for the width)``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints (height, width), got {value!r}")
        pair = tuple(value)
    else:
        pair = (value, value)
    for v in pair:
        check_param(v, name, Integral, min_val=min_val)
    return int(pair[0]), int(pair[1])


def _out_size(size, kernel, stride, padding):
    """Output length along one axis: ``(size + 2 * padding - kernel) // stride + 1``."""
    return (size + 2 * padding - kernel) // stride + 1


def _check_images(X, channels, kernel, padding, layer):
    """``X`` must be a 4-D NCHW batch with ``channels`` channels, large enough for one kernel position."""
    if X.ndim != 4:
        raise ValueError(f"X must have shape (n_samples, channels, height, width), got {X.shape}")
    if channels is not None and X.shape[1] != channels:
        raise ValueError(f"X must have {channels} channels (X.shape[1]), got {X.shape[1]}")
    for size, k, p, axis in zip(X.shape[2:], kernel, padding, ("height", "width"), strict=True):
        if size + 2 * p < k:
            raise ValueError(f"X's {axis} {size} (padded by {p} on each side) is smaller than {layer}'s kernel {k}")


def _pad(X, padding, value=0.0):
    """``X`` with ``padding = (ph, pw)`` rows and columns of ``value`` around each image (no copy if none)."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return X
    n, c, h, w = X.shape
    out = np.full((n, c, h + 2 * ph, w + 2 * pw), value, dtype=X.dtype)
    out[:, :, ph : ph + h, pw : pw + w] = X
    return out


def _windows(X, kernel, stride):
    """Every kernel position of ``X`` (padded already): a view of shape ``(N, C, H_out, W_out, kh, kw)``."""
    (kh, kw), (sh, sw) = kernel, stride
    return sliding_window_view(X, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]


def _col2im(dwindows, shape, kernel, stride):
    """The adjoint of :func:`_windows`: add each window's gradient back onto the pixels it covers.

    ``dwindows`` has shape ``(N, H_out, W_out, C, kh, kw)`` (the layout of ``cols``). One loop over
    the ``kh * kw`` kernel offsets, each adding a strided slice at once: much faster than
    ``np.add.at``, which adds one element at a time.
    """
    (kh, kw), (sh, sw) = kernel, stride
    n, c, h, w = shape
    h_out, w_out = dwindows.shape[1:3]
    # Accumulated in NHWC, the layout of dwindows, then handed back as an NCHW view.
    dX = np.zeros((n, h, w, c), dtype=dwindows.dtype)
    for i in range(kh):
        for j in range(kw):
            dX[:, i : i + sh * (h_out - 1) + 1 : sh, j : j + sw * (w_out - 1) + 1 : sw] += dwindows[..., i, j]
    return dX.transpose(0, 3, 1, 2)


def _init_filters(init, shape, rng, dtype):
    """Filters of ``shape`` drawn as torch's ``kaiming_*_`` / ``xavier_*_`` draw a conv weight.

    The fans are torch's: ``fan_in = in_channels * kh * kw``, ``fan_out = out_channels * kh * kw``.
    """
    if init not in INITIALIZERS:
        raise ValueError(f"init must be one of {sorted(INITIALIZERS)}, got {init!r}")
    out_channels, in_channels, kh, kw = shape
    fan_in, fan_out = in_channels * kh * kw, out_channels * kh * kw
    # The same distributions as mlcourse.nn.he_normal and its siblings, whose spread depends only
    # on the fans; drawn in the filters' 4-D shape instead of a (fan_in, fan_out) matrix.
    rng = np.random.default_rng(rng)
    if init in ("he", "he_normal"):
        values = rng.normal(0.0, math.sqrt(2.0 / fan_in), size=math.prod(shape))
    elif init == "he_uniform":
        bound = math.sqrt(6.0 / fan_in)
        values = rng.uniform(-bound, bound, size=math.prod(shape))
    elif init == "xavier_normal":
        values = rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=math.prod(shape))
    else:  # "xavier", "xavier_uniform"
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        values = rng.uniform(-bound, bound, size=math.prod(shape))
    return values.reshape(shape).astype(dtype, copy=False)


class Conv2d(Module):
    """2-D convolution (cross-correlation, as in every deep-learning library) of a batch of images.

    ``out[n, o, y, x] = b[o] + sum over c, i, j of W[o, c, i, j] * X_padded[n, c, y * s + i, x * s + j]``,
    computed with im2col: one matrix product for the whole batch.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input (1 for grey images, 3 for colour) and filters of the layer.
    kernel_size : int or (int, int)
        Height and width of each filter.
    stride : int or (int, int), default=1
        Step between two positions of the filter.
    padding : int or (int, int), default=0
        Rows and columns of zeros added on each side of the image first. With ``stride=1``,
        ``padding=kernel_size // 2`` keeps the size of an image (odd kernels).
    bias : bool, default=True
        Learn one additive bias per output channel.
    init : {"he", "he_uniform", "xavier", "xavier_normal"}, default="he"
        How ``W`` is drawn, with torch's fans for a convolution (``fan_in = in_channels * kh * kw``).
        ``b`` starts at zero.
    rng : int, numpy.random.Generator or None
        Seed or generator for ``W``.
    dtype : {numpy.float64, numpy.float32}, default=numpy.float64
        Inputs are converted to it.

    Attributes
    ----------
    W : ndarray of shape (out_channels, in_channels, kernel_height, kernel_width)
        The filters, in the layout of torch's ``Conv2d.weight``.
    b : ndarray of shape (out_channels,) (absent when ``bias=False``)
    dW, db : ndarray
        Gradients of the loss with respect to ``W`` and ``b`` after :meth:`backward`.

    Notes
    -----
    An input of height ``H`` gives an output of height ``(H + 2 * padding - kernel_size) // stride + 1``
    (likewise the width); rows that a stride would leave half covered are dropped, as in torch.

    Examples
    --------
    >>> import numpy as np
    >>> conv = Conv2d(1, 2, kernel_size=3, padding=1, rng=0)
    >>> X = np.ones((4, 1, 8, 8))           # 4 grey images of 8x8 pixels
    >>> out = conv(X)
    >>> dX = conv.backward(np.ones_like(out))  # as if the loss were out.sum()
    >>> out.shape, dX.shape, conv.dW.shape, conv.db.tolist()
    ((4, 2, 8, 8), (4, 1, 8, 8), (2, 1, 3, 3), [256.0, 256.0])

    A filter that averages 2x2 patches, applied with stride 2:

    >>> avg = Conv2d(1, 1, 2, stride=2, bias=False)
    >>> avg.W[...] = 0.25
    >>> avg(np.arange(16.0).reshape(1, 1, 4, 4))
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """

    _cache_names = ("_cols", "_X_shape")

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        *,
        bias=True,
        init="he",
        rng=None,
        dtype=np.float64,
    ):
        check_param(in_channels, "in_channels", Integral, min_val=1)
        check_param(out_channels, "out_channels", Integral, min_val=1)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _pair(kernel_size, "kernel_size", 1)
        self.stride = _pair(stride, "stride", 1)
        self.padding = _pair(padding, "padding", 0)
        dtype = _check_dtype(dtype)
        self.W = _init_filters(init, (self.out_channels, self.in_channels, *self.kernel_size), rng, dtype)
        self.dW = np.zeros_like(self.W)
        self._param_names = ("W", "b") if bias else ("W",)
        if bias:
            self.b = np.zeros(self.out_channels, dtype=dtype)
            self.db = np.zeros_like(self.b)

    def _extra_repr(self):
        kernel = self.kernel_size[0] if self.kernel_size[0] == self.kernel_size[1] else self.kernel_size
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={kernel}"
        if self.stride != (1, 1):
            text += f", stride={self.stride[0] if self.stride[0] == self.stride[1] else self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding[0] if self.padding[0] == self.padding[1] else self.padding}"
        if "b" not in self._param_names:
            text += ", bias=False"
        return text

    def output_shape(self, height, width):
        """``(out_channels, H_out, W_out)`` for an input image of ``height`` x ``width``.

        Examples
        --------
        >>> Conv2d(1, 8, 3, stride=2, padding=1).output_shape(8, 8)
        (8, 4, 4)
        """
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        return self.out_channels, _out_size(height, kh, sh, ph), _out_size(width, kw, sw, pw)

    def forward(self, X):
        X = _as_float_array("X", X, self.W.dtype)
        _check_images(X, self.in_channels, self.kernel_size, self.padding, "Conv2d")
        windows = _windows(_pad(X, self.padding), self.kernel_size, self.stride)
        n, _, h_out, w_out = windows.shape[:4]
        # im2col: one row per (image, output position), one column per (channel, kernel row, kernel column).
        cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * h_out * w_out, -1)
        self._cols, self._X_shape = cols, X.shape
        out = cols @ self.W.reshape(self.out_channels, -1).T
        if "b" in self._param_names:
            out += self.b
        return out.reshape(n, h_out, w_out, self.out_channels).transpose(0, 3, 1, 2)

    def backward(self, grad):
        cols = self._cached("_cols")
        n, _, h, w = self._X_shape
        _, h_out, w_out = self.output_shape(h, w)
        grad = self._check_grad(grad, (n, self.out_channels, h_out, w_out), self.W.dtype)
        grad_rows = grad.transpose(0, 2, 3, 1).reshape(-1, self.out_channels)
        # Written into the existing arrays: they may be views into a Sequential's flat gradient vector.
        np.matmul(grad_rows.T, cols, out=self.dW.reshape(self.out_channels, -1))
        if "b" in self._param_names:
            grad_rows.sum(axis=0, out=self.db)
        dcols = grad_rows @ self.W.reshape(self.out_channels, -1)
        (ph, pw), (kh, kw) = self.padding, self.kernel_size
        dwindows = dcols.reshape(n, h_out, w_out, self.in_channels, kh, kw)
        dX = _col2im(dwindows, (n, self.in_channels, h + 2 * ph, w + 2 * pw), self.kernel_size, self.stride)
        return dX[:, :, ph : ph + h, pw : pw + w]


class MaxPool2d(Module):
    """The largest value of every ``kernel_size`` window of each channel.

    It shrinks the feature maps (``kernel_size=2`` halves the height and the width) and makes the
    network tolerant of small shifts. In the backward pass each window's gradient goes to the pixel
    that held its maximum (the first one, in reading order, if several tie: torch's choice), and
    nowhere else.

    Parameters
    ----------
    kernel_size : int or (int, int)
        Height and width of the window.
    stride : int, (int, int) or None, default=None
        Step between windows; ``None`` means ``kernel_size`` (windows that touch without overlapping).
    padding : int or (int, int), default=0
        Rows and columns of ``-inf`` added on each side first (at most half the kernel, as in torch).

    Examples
    --------
    >>> import numpy as np
    >>> pool = MaxPool2d(2)
    >>> X = np.array([[[[1.0, 2.0, 5.0, 0.0],
    ...                 [3.0, 4.0, 1.0, 1.0],
    ...                 [0.0, 0.0, 2.0, 2.0],
    ...                 [0.0, 9.0, 2.0, 3.0]]]])
    >>> pool(X)
    array([[[[4., 5.],
             [9., 3.]]]])
    >>> pool.backward(np.ones((1, 1, 2, 2)))
    array([[[[0., 0., 1., 0.],
             [0., 1., 0., 0.],
             [0., 0., 0., 0.],
             [0., 1., 0., 1.]]]])
    """

    _cache_names = ("_argmax", "_X_shape", "_dtype")

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = _pair(kernel_size, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else _pair(stride, "stride", 1)
        self.padding = _pair(padding, "padding", 0)
        for p, k in zip(self.padding, self.kernel_size, strict=True):
            if 2 * p > k:
                raise ValueError(f"padding must be at most half of kernel_size, got padding={p} for kernel_size={k}")

    def _extra_repr(self):
        def one(pair):
            return pair[0] if pair[0] == pair[1] else pair

        text = f"kernel_size={one(self.kernel_size)}"
        if self.stride != self.kernel_size:
            text += f", stride={one(self.stride)}"
        if self.padding != (0, 0):
            text += f", padding={one(self.padding)}"
        return text

    def forward(self, X):
        X = _as_float_array("X", X)
        _check_images(X, None, self.kernel_size, self.padding, "MaxPool2d")
        windows = _windows(_pad(X, self.padding, -np.inf), self.kernel_size, self.stride)
        kh, kw = self.kernel_size
        # One pass over the kh * kw offsets, keeping the running maximum and where it was; the
        # strict ">" keeps the first of equal maxima, as torch does.
        out = windows[..., 0, 0].copy()
        argmax = np.zeros(out.shape, dtype=np.intp)
        for k in range(1, kh * kw):
            candidate = windows[..., k // kw, k % kw]
            better = candidate > out
            np.copyto(out, candidate, where=better)
            np.copyto(argmax, k, where=better)
        self._argmax, self._X_shape, self._dtype = argmax, X.shape, X.dtype
        return out

    def backward(self, grad):
        argmax = self._cached("_argmax")
        grad = self._check_grad(grad, argmax.shape, self._dtype)
        n, c, h, w = self._X_shape
        (ph, pw), (kh, kw), (sh, sw) = self.padding, self.kernel_size, self.stride
        h_out, w_out = argmax.shape[2:]
        dX = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=grad.dtype)
        for k in range(kh * kw):
            i, j = divmod(k, kw)
            dX[:, :, i : i + sh * (h_out - 1) + 1 : sh, j : j + sw * (w_out - 1) + 1 : sw] += np.where(
                argmax == k, grad, 0
            )
        return dX[:, :, ph : ph + h, pw : pw + w]


class Flatten(Module):
    """Each sample's feature maps as one row: ``(n_samples, C, H, W)`` becomes ``(n_samples, C * H * W)``.

    The bridge from convolutional layers to :class:`~mlcourse.nn.Linear` ones; the order of the
    values is C, then H, then W (numpy's and torch's ``reshape``), as in ``torch.nn.Flatten()``.

    Examples
    --------
    >>> import numpy as np
    >>> flat = Flatten()
    >>> flat(np.zeros((5, 2, 3, 3))).shape, flat.backward(np.ones((5, 18))).shape
    ((5, 18), (5, 2, 3, 3))
    """

    _cache_names = ("_X_shape", "_dtype")

    def forward(self, X):
        X = _as_float_array("X", X)
        if X.ndim < 2:
            raise ValueError(f"X must have a batch axis and at least one more, got shape {X.shape}")
        self._X_shape, self._dtype = X.shape, X.dtype
        return X.reshape(len(X), -1)

    def backward(self, grad):
        shape = self._cached("_X_shape")
        grad = self._check_grad(grad, (shape[0], math.prod(shape[1:])), self._dtype)
        return grad.reshape(shape)
