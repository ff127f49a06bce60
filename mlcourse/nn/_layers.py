"""Layers with a hand-written backward pass: ``Linear``, ``ReLU``, ``Tanh``, ``Sigmoid``, ``Dropout``, ``Sequential``.

Every layer has ``forward(X)``, which remembers what the backward pass will need, and
``backward(grad)``, which takes ``dL/d(output)`` and returns ``dL/d(input)``, storing the gradient
of every parameter on the way (``dW`` next to ``W``, ``db`` next to ``b``). Chaining the layers'
``backward`` calls in reverse order is backpropagation: the chain rule, applied one layer at a time.

The twin is ``torch.nn``: for the same weights and input, outputs and every gradient agree with
autograd's to rounding error (``tests/test_nn.py``). Two conventions differ from torch's:

- ``Linear.W`` has shape ``(in_features, out_features)`` and the layer computes ``X @ W + b``
  (torch stores the transpose, ``weight``, and computes ``X @ weight.T + bias``);
- ``backward`` *overwrites* the stored gradients instead of adding to them, so there is no
  ``zero_grad()`` to forget.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from numbers import Integral, Real

import numpy as np

from mlcourse._validation import check_param
from mlcourse.nn._init import INITIALIZERS

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _check_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


def _as_float_array(name, X, dtype=None):
    """``X`` as a floating-point ndarray (of ``dtype`` if given), without a copy when it already is one."""
    X = np.asarray(X)
    if dtype is not None:
        if X.dtype != dtype:
            X = X.astype(dtype)
    elif X.dtype not in _FLOAT_DTYPES:
        if X.dtype.kind not in "biuf":
            raise TypeError(f"{name} must be numeric, got an array of dtype {X.dtype}")
        X = X.astype(np.float64)
    return X


class Module(ABC):
    """Base class of every layer: ``forward``, ``backward``, parameters and their gradients.

    A layer with parameters lists their attribute names in ``_param_names`` (e.g. ``("W", "b")``);
    the gradient of parameter ``name`` lives in the attribute ``"d" + name``.

    Attributes
    ----------
    training : bool
        Training mode (the default) or evaluation mode; only :class:`Dropout` behaves differently.
    """

    _param_names: tuple[str, ...] = ()
    # What forward() remembers for backward(): dropped when pickling, so a saved model holds
    # its parameters, not the last batch it saw.
    _cache_names: tuple[str, ...] = ()
    training: bool = True

    @abstractmethod
    def forward(self, X):
        """The layer's output for a batch ``X``; caches what :meth:`backward` needs."""
        ...

    @abstractmethod
    def backward(self, grad):
        """Given ``dL/d(output)``, store the parameters' gradients and return ``dL/d(input)``."""
        ...

    def __call__(self, X):
        return self.forward(X)

    def parameters(self) -> list[np.ndarray]:
        """The parameter arrays (training updates them in place)."""
        return [getattr(self, name) for name in self._param_names]

    def gradients(self) -> list[np.ndarray]:
        """The gradients from the last :meth:`backward`, in the order of :meth:`parameters`."""
        return [getattr(self, "d" + name) for name in self._param_names]

    def train(self, mode: bool = True):
        """Switch training mode on (or off with ``mode=False``); returns ``self``."""
        self.training = bool(mode)
        return self

    def eval(self):
        """Switch to evaluation mode (dropout off); returns ``self``."""
        return self.train(False)

    def __repr__(self):
        return f"{type(self).__name__}({self._extra_repr()})"

    def __getstate__(self):
        state = self.__dict__.copy()
        for name in self._cache_names:
            state.pop(name, None)
        return state

    def _extra_repr(self) -> str:
        return ""

    def _cached(self, name):
        value = getattr(self, name, None)
        if value is None:
            raise RuntimeError(f"{type(self).__name__}.backward() needs a forward() first")
        return value

    def _check_grad(self, grad, shape, dtype):
        grad = _as_float_array("grad", grad, dtype)
        if grad.shape != shape:
            raise ValueError(f"grad must have the shape of the last forward() output {shape}, got {grad.shape}")
        return grad


class Linear(Module):
    """Fully connected layer, ``X @ W + b``.

    Parameters
    ----------
    in_features, out_features : int
        Width of the input and of the output.
    bias : bool, default=True
        Learn an additive bias ``b``.
    init : {"he", "he_uniform", "xavier", "xavier_normal"}, default="he"
        How ``W`` is drawn (:func:`mlcourse.nn.he_normal` and its siblings): ``"he"`` suits ReLU
        networks, ``"xavier"`` tanh and sigmoid ones. ``b`` starts at zero.
    rng : int, numpy.random.Generator or None
        Seed or generator for ``W``.
    dtype : {numpy.float64, numpy.float32}, default=numpy.float64
        Inputs are converted to it.

    Attributes
    ----------
    W : ndarray of shape (in_features, out_features)
    b : ndarray of shape (out_features,) (absent when ``bias=False``)
    dW, db : ndarray
        Gradients of the loss with respect to ``W`` and ``b`` after :meth:`backward`.

    Examples
    --------
    >>> import numpy as np
    >>> layer = Linear(3, 2, rng=0)
    >>> out = layer(np.ones((4, 3)))
    >>> dX = layer.backward(np.ones((4, 2)))  # as if the loss were out.sum()
    >>> out.shape, dX.shape, layer.dW.shape, layer.db.tolist()
    ((4, 2), (4, 3), (3, 2), [4.0, 4.0])
    """

    _cache_names = ("_X",)

    def __init__(self, in_features, out_features, *, bias=True, init="he", rng=None, dtype=np.float64):
        check_param(in_features, "in_features", Integral, min_val=1)
        check_param(out_features, "out_features", Integral, min_val=1)
        if init not in INITIALIZERS:
            raise ValueError(f"init must be one of {sorted(INITIALIZERS)}, got {init!r}")
        dtype = _check_dtype(dtype)
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.W = INITIALIZERS[init](self.in_features, self.out_features, rng=rng, dtype=dtype)
        self.dW = np.zeros_like(self.W)
        self._param_names = ("W", "b") if bias else ("W",)
        if bias:
            self.b = np.zeros(self.out_features, dtype=dtype)
            self.db = np.zeros_like(self.b)

    def _extra_repr(self):
        bias = "" if "b" in self._param_names else ", bias=False"
        return f"in_features={self.in_features}, out_features={self.out_features}{bias}"

    def forward(self, X):
        X = _as_float_array("X", X, self.W.dtype)
        if X.ndim != 2 or X.shape[1] != self.in_features:
            raise ValueError(f"X must have shape (n_samples, {self.in_features}), got {X.shape}")
        self._X = X
        out = X @ self.W
        if "b" in self._param_names:
            out += self.b
        return out

    def backward(self, grad):
        X = self._cached("_X")
        grad = _as_float_array("grad", grad, self.W.dtype)
        if grad.shape != (len(X), self.out_features):
            raise ValueError(f"grad must have shape {(len(X), self.out_features)}, got {grad.shape}")
        # Written into the existing arrays: they may be views into a Sequential's flat gradient vector.
        np.dot(X.T, grad, out=self.dW)
        if "b" in self._param_names:
            grad.sum(axis=0, out=self.db)
        return grad @ self.W.T


class ReLU(Module):
    """``max(x, 0)``, element-wise; its derivative is 1 where ``x > 0`` and 0 elsewhere (torch's choice at 0).

    Examples
    --------
    >>> import numpy as np
    >>> relu = ReLU()
    >>> relu(np.array([[-1.0, 0.0, 2.0]])), relu.backward(np.ones((1, 3)))
    (array([[0., 0., 2.]]), array([[0., 0., 1.]]))
    """

    _cache_names = ("_mask", "_dtype")

    def forward(self, X):
        X = _as_float_array("X", X)
        self._mask = X > 0
        self._dtype = X.dtype
        return np.maximum(X, 0)

    def backward(self, grad):
        mask = self._cached("_mask")
        return self._check_grad(grad, mask.shape, self._dtype) * mask


class Tanh(Module):
    """``tanh(x)``, element-wise; derivative ``1 - tanh(x)**2``, computed from the cached output.

    Examples
    --------
    >>> import numpy as np
    >>> tanh = Tanh()
    >>> tanh(np.zeros((1, 2))), tanh.backward(np.ones((1, 2)))
    (array([[0., 0.]]), array([[1., 1.]]))
    """

    _cache_names = ("_out",)

    def forward(self, X):
        self._out = np.tanh(_as_float_array("X", X))
        return self._out

    def backward(self, grad):
        out = self._cached("_out")
        return self._check_grad(grad, out.shape, out.dtype) * (1 - out * out)


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``, element-wise, without overflow; derivative ``s * (1 - s)``.

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid = Sigmoid()
    >>> sigmoid(np.array([[-1000.0, 0.0, 1000.0]])), sigmoid.backward(np.ones((1, 3)))
    (array([[0. , 0.5, 1. ]]), array([[0.  , 0.25, 0.  ]]))
    """

    _cache_names = ("_out",)

    def forward(self, X):
        X = _as_float_array("X", X)
        # exp(-|x|) is at most 1, so neither branch can overflow.
        e = np.exp(-np.abs(X))
        self._out = np.where(X >= 0, 1 / (1 + e), e / (1 + e))
        return self._out

    def backward(self, grad):
        out = self._cached("_out")
        return self._check_grad(grad, out.shape, out.dtype) * (out * (1 - out))


class Dropout(Module):
    """Inverted dropout: in training, zero each input with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The scaling keeps every activation's expected value unchanged, so in evaluation mode the layer
    is simply the identity (``torch.nn.Dropout`` does the same). Dropping random units stops the
    network from relying on any one of them: a cheap, strong regulariser.

    Parameters
    ----------
    p : float, default=0.5
        Probability of dropping a unit, in [0, 1).
    rng : int, numpy.random.Generator or None
        Seed or generator for the masks; a seeded layer drops the same units on every run.

    Examples
    --------
    >>> import numpy as np
    >>> drop = Dropout(0.5, rng=0)
    >>> drop(np.ones((1, 6)))  # kept units are doubled
    array([[2., 0., 0., 0., 2., 2.]])
    >>> drop.eval()(np.ones((1, 6)))
    array([[1., 1., 1., 1., 1., 1.]])
    """

    _cache_names = ("_mask",)

    def __init__(self, p=0.5, *, rng=None):
        self.p = float(check_param(p, "p", Real, min_val=0, max_val=1, include_boundaries="left"))
        self.rng = np.random.default_rng(rng)
        self._mask = None

    def _extra_repr(self):
        return f"p={self.p}"

    def forward(self, X):
        X = _as_float_array("X", X)
        if not self.training or self.p == 0:
            self._mask = 1
            return X
        keep = self.rng.random(X.shape, dtype=X.dtype) >= self.p
        self._mask = keep * X.dtype.type(1 / (1 - self.p))
        return X * self._mask

    def backward(self, grad):
        mask = self._cached("_mask")
        grad = _as_float_array("grad", grad)
        if isinstance(mask, np.ndarray) and grad.shape != mask.shape:
            raise ValueError(f"grad must have the shape of the last forward() output {mask.shape}, got {grad.shape}")
        return grad * mask


def _rebind(layers, w, dw, start):
    """Copy the parameters of ``layers`` into ``w`` from ``start`` on and make them views of it
    (gradients likewise into ``dw``); nested networks get views of their stretch. Returns the end."""
    offset = start
    for layer in layers:
        if isinstance(layer, Sequential):
            end = _rebind(layer.layers, w, dw, offset)
            layer.w, layer.dw = w[offset:end], dw[offset:end]
            offset = end
            continue
        for name in layer._param_names:
            value = getattr(layer, name)
            view = w[offset : offset + value.size].reshape(value.shape)
            view[...] = value
            setattr(layer, name, view)
            setattr(layer, "d" + name, dw[offset : offset + value.size].reshape(value.shape))
            offset += value.size
    return offset


class Sequential(Module):
    """Layers applied one after the other; ``backward`` runs them in reverse: backpropagation.

    All the parameters are packed, end to end, into one vector ``w`` (and their gradients into
    ``dw``): each layer's ``W`` and ``b`` are *views* into it. So the whole network is a function
    of one vector, and any optimiser of :mod:`mlcourse.optim` can train it with
    ``w[...] = optimizer.step(w, dw, state)[0]``, and :func:`mlcourse.optim.gradient_check` can check it.

    Parameters
    ----------
    *layers : Module
        The layers (a layer belongs to one network: its parameters move into this one's ``w``).

    Attributes
    ----------
    layers : list of Module
    w : ndarray of shape (n_parameters,)
        Every parameter, layer by layer (``W`` then ``b``).
    dw : ndarray of shape (n_parameters,)
        Their gradients after :meth:`backward`, in the same order.

    Examples
    --------
    >>> import numpy as np
    >>> net = Sequential(Linear(2, 3, rng=0), ReLU(), Linear(3, 1, rng=1))
    >>> net.w.size  # 2*3 + 3 + 3*1 + 1
    13
    >>> np.shares_memory(net.layers[0].W, net.w)
    True
    >>> out = net(np.ones((5, 2)))
    >>> dX = net.backward(np.ones((5, 1)))
    >>> out.shape, dX.shape, net.dw.shape
    ((5, 1), (5, 2), (13,))
    """

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"layers must be mlcourse.nn modules; layer {i} is a {type(layer).__name__}")
        leaves = self._leaves(layers)
        if len({id(layer) for layer in leaves}) != len(leaves):
            raise ValueError("layers: the same layer object appears twice; create a new layer for each position")
        self.layers = list(layers)
        self._pack()

    @staticmethod
    def _leaves(layers):
        out = []
        for layer in layers:
            out.extend(Sequential._leaves(layer.layers) if isinstance(layer, Sequential) else [layer])
        return out

    def _pack(self):
        """Move every parameter into one flat vector (and every gradient into another), layer by layer."""
        owned = [(layer, name) for layer in self._leaves(self.layers) for name in layer._param_names]
        dtypes = {getattr(layer, name).dtype for layer, name in owned}
        if len(dtypes) > 1:
            raise TypeError(f"layers must all have the same dtype, got {sorted(map(str, dtypes))}")
        dtype = dtypes.pop() if dtypes else np.dtype(np.float64)
        size = sum(getattr(layer, name).size for layer, name in owned)
        self.w, self.dw = np.empty(size, dtype=dtype), np.zeros(size, dtype=dtype)
        _rebind(self.layers, self.w, self.dw, 0)

    def __setstate__(self, state):
        # Unpickling (and deepcopy) give each array its own memory; put the views back.
        self.__dict__.update(state)
        self._pack()

    def forward(self, X):
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def backward(self, grad):
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self):
        return [g for layer in self.layers for g in layer.gradients()]

    def train(self, mode: bool = True):
        self.training = bool(mode)
        for layer in self.layers:
            layer.train(mode)
        return self

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, index):
        return self.layers[index]

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        lines = [f"  ({i}): " + repr(layer).replace("\n", "\n  ") for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"


#: Activation layers by name, for :func:`make_mlp` and the MLP estimators.
ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}


def make_mlp(sizes, *, activation="relu", dropout=0.0, rng=None, dtype=np.float64):
    """A multi-layer perceptron: ``Linear``, activation (and ``Dropout``), ..., then a last ``Linear``.

    Parameters
    ----------
    sizes : sequence of int
        Widths from the input to the output, e.g. ``[64, 32, 10]`` for 64 features, one hidden
        layer of 32 units and 10 outputs (logits or regression targets).
    activation : {"relu", "tanh", "sigmoid"}, default="relu"
        Non-linearity after every hidden layer. The weights are drawn with He initialisation for
        ReLU and Xavier for the others.
    dropout : float, default=0.0
        If positive, a :class:`Dropout` layer with this ``p`` follows every hidden activation.
    rng : int, numpy.random.Generator or None
        Seeds the weights and the dropout masks.
    dtype : {numpy.float64, numpy.float32}, default=numpy.float64

    Returns
    -------
    net : Sequential

    Examples
    --------
    >>> make_mlp([64, 32, 10], dropout=0.2, rng=0)
    Sequential(
      (0): Linear(in_features=64, out_features=32)
      (1): ReLU()
      (2): Dropout(p=0.2)
      (3): Linear(in_features=32, out_features=10)
    )
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least the input and output widths, got {sizes!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    check_param(dropout, "dropout", Real, min_val=0, max_val=1, include_boundaries="left")
    rng = np.random.default_rng(rng)
    init = "he" if activation == "relu" else "xavier"
    layers = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(Linear(fan_in, fan_out, init=init, rng=rng, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(Dropout(dropout, rng=rng))
    return Sequential(*layers)
