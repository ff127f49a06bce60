"""One network, three frameworks: copy an :mod:`mlcourse.nn` network into PyTorch or Keras 3.

:func:`to_torch` and :func:`to_keras` build the same architecture in the other framework and copy
every weight across, so the three compute the same function and their predictions can be compared
number for number. What has to change on the way is exactly where the frameworks differ:

- ``mlcourse.nn`` and PyTorch store images as ``(n_samples, channels, height, width)`` ("channels
  first"); Keras as ``(n_samples, height, width, channels)`` ("channels last"): a Keras model gets
  ``X.transpose(0, 2, 3, 1)``.
- Filters: ``Conv2d.W`` has torch's layout ``(out, in, kh, kw)``; a Keras ``Conv2D`` kernel is
  ``(kh, kw, in, out)``.
- Dense weights: ``Linear.W`` is ``(in, out)`` like a Keras ``Dense`` kernel; torch stores the
  transpose. After a ``Flatten``, the rows come in (channel, row, column) order in channels-first
  frameworks and in (row, column, channel) order in Keras: the rows are permuted to match.
- Padding: torch pads ``padding`` zeros on each side; Keras's ``padding="same"`` agrees only for
  odd kernels and stride 1, so other paddings become a ``ZeroPadding2D`` layer.

Importing this module needs numpy only; :func:`to_torch` imports torch and :func:`to_keras` imports
keras. Keras picks its backend (``torch``, ``tensorflow`` or ``jax``) from the environment variable
``KERAS_BACKEND`` *when it is first imported*; :func:`mlcourse.setup_notebook` sets it to ``torch``
unless it is set already.
"""

from __future__ import annotations

import numpy as np

from mlcourse import nn

__all__ = ["to_keras", "to_torch"]


def _check_net(net):
    if not isinstance(net, nn.Sequential):
        raise TypeError(f"net must be an mlcourse.nn.Sequential, got {type(net).__name__}")
    layers = nn.Sequential._leaves(net.layers)
    for layer in layers:
        if not isinstance(layer, _SUPPORTED):
            names = ", ".join(t.__name__ for t in _SUPPORTED)
            raise ValueError(f"net: {type(layer).__name__} has no twin here; supported layers are {names}")
    return layers


_SUPPORTED = (nn.Linear, nn.Conv2d, nn.MaxPool2d, nn.Flatten, nn.ReLU, nn.Tanh, nn.Sigmoid, nn.Dropout)


def to_torch(net):
    """The same network in PyTorch, with the same weights and dtype.

    Parameters
    ----------
    net : mlcourse.nn.Sequential
        Made of ``Linear``, ``Conv2d``, ``MaxPool2d``, ``Flatten``, ``ReLU``, ``Tanh``, ``Sigmoid``
        and ``Dropout`` layers (nested ``Sequential`` ones are flattened).

    Returns
    -------
    model : torch.nn.Sequential
        Its parameters are copies: training one network leaves the other as it was.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from mlcourse import nn
    >>> net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, rng=0), nn.ReLU(), nn.MaxPool2d(2),
    ...                     nn.Flatten(), nn.Linear(2 * 4 * 4, 3, rng=0))
    >>> model = to_torch(net)
    >>> model
    Sequential(
      (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
      (1): ReLU()
      (2): MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=1, ceil_mode=False)
      (3): Flatten(start_dim=1, end_dim=-1)
      (4): Linear(in_features=32, out_features=3, bias=True)
    )
    >>> X = np.random.default_rng(0).normal(size=(5, 1, 8, 8))
    >>> bool(np.allclose(model(torch.from_numpy(X)).detach().numpy(), net(X), rtol=1e-12, atol=1e-12))
    True
    """
    import torch

    layers = _check_net(net)
    dtype = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[net.w.dtype]
    modules = []
    for layer in layers:
        if isinstance(layer, nn.Linear):
            bias = "b" in layer._param_names
            module = torch.nn.Linear(layer.in_features, layer.out_features, bias=bias, dtype=dtype)
            with torch.no_grad():
                module.weight.copy_(torch.from_numpy(layer.W.T))  # torch stores the transpose
                if bias:
                    module.bias.copy_(torch.from_numpy(layer.b))
        elif isinstance(layer, nn.Conv2d):
            bias = "b" in layer._param_names
            module = torch.nn.Conv2d(
                layer.in_channels,
                layer.out_channels,
                layer.kernel_size,
                stride=layer.stride,
                padding=layer.padding,
                bias=bias,
                dtype=dtype,
            )
            with torch.no_grad():
                module.weight.copy_(torch.from_numpy(layer.W))  # the same layout
                if bias:
                    module.bias.copy_(torch.from_numpy(layer.b))
        elif isinstance(layer, nn.MaxPool2d):
            module = torch.nn.MaxPool2d(layer.kernel_size, stride=layer.stride, padding=layer.padding)
        elif isinstance(layer, nn.Flatten):
            module = torch.nn.Flatten()
        elif isinstance(layer, nn.Dropout):
            module = torch.nn.Dropout(layer.p)
        else:
            module = {nn.ReLU: torch.nn.ReLU, nn.Tanh: torch.nn.Tanh, nn.Sigmoid: torch.nn.Sigmoid}[type(layer)]()
        modules.append(module)
    model = torch.nn.Sequential(*modules)
    return model.train(net.training)


def to_keras(net, input_shape, *, dtype=None):
    """The same network in Keras 3 (channels last), with the same weights.

    Parameters
    ----------
    net : mlcourse.nn.Sequential
        As for :func:`to_torch`; a ``MaxPool2d`` with padding has no Keras twin.
    input_shape : tuple of int
        The shape of *one* sample as ``net`` sees it: ``(channels, height, width)`` for images,
        ``(n_features,)`` for tables. The Keras model takes images as ``(height, width, channels)``.
    dtype : {"float32", "float64"} or None, default=None
        The Keras layers' dtype; ``None`` keeps ``net``'s.

    Returns
    -------
    model : keras.Sequential
        Feed it ``X.transpose(0, 2, 3, 1)`` where ``net`` gets an image batch ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from mlcourse import nn
    >>> net = nn.Sequential(nn.Linear(4, 3, rng=0), nn.ReLU(), nn.Linear(3, 2, rng=1))
    >>> model = to_keras(net, (4,))  # doctest: +SKIP
    >>> X = np.ones((5, 4))
    >>> bool(np.allclose(model.predict(X, verbose=0), net(X)))  # doctest: +SKIP
    True
    """
    layers = _check_net(net)
    shape = tuple(int(s) for s in input_shape)
    if len(shape) not in (1, 3) or min(shape) < 1:
        raise ValueError(f"input_shape must be (n_features,) or (channels, height, width), got {input_shape!r}")
    dtype = net.w.dtype.name if dtype is None else np.dtype(dtype).name
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")

    try:
        import keras
    except ImportError as err:  # keras's default backend is TensorFlow, an optional extra here
        raise ImportError(
            f"{err}. Keras 3 runs on the backend named by KERAS_BACKEND when it is first imported: set "
            "KERAS_BACKEND=torch before importing keras (mlcourse.setup_notebook() does) or install "
            "TensorFlow (make lab EXTRAS=tensorflow)"
        ) from err

    keras_layers = []
    weights = []  # (keras layer, list of arrays) to set once the model is built
    flattened_from = None  # (C, H, W) of the last Flatten's input, until a Linear consumes it
    for layer in layers:
        if isinstance(layer, nn.Conv2d):
            if len(shape) != 3 or shape[0] != layer.in_channels:
                raise ValueError(f"input_shape: Conv2d({layer.in_channels}, ...) cannot take samples of shape {shape}")
            (kh, kw), (ph, pw) = layer.kernel_size, layer.padding
            same = layer.stride == (1, 1) and kh % 2 == kw % 2 == 1 and (ph, pw) == (kh // 2, kw // 2)
            if (ph or pw) and not same:
                keras_layers.append(keras.layers.ZeroPadding2D((ph, pw), dtype=dtype))
            bias = "b" in layer._param_names
            conv = keras.layers.Conv2D(
                layer.out_channels,
                layer.kernel_size,
                strides=layer.stride,
                padding="same" if same else "valid",
                use_bias=bias,
                dtype=dtype,
            )
            keras_layers.append(conv)
            # (out, in, kh, kw) -> (kh, kw, in, out)
            weights.append((conv, [layer.W.transpose(2, 3, 1, 0)] + ([layer.b] if bias else [])))
            shape = layer.output_shape(*shape[1:])
        elif isinstance(layer, nn.MaxPool2d):
            if layer.padding != (0, 0):
                raise ValueError("net: a MaxPool2d with padding has no Keras twin (Keras pads with zeros, not -inf)")
            keras_layers.append(keras.layers.MaxPooling2D(layer.kernel_size, strides=layer.stride, dtype=dtype))
            c, h, w = shape
            (kh, kw), (sh, sw) = layer.kernel_size, layer.stride
            shape = (c, (h - kh) // sh + 1, (w - kw) // sw + 1)
        elif isinstance(layer, nn.Flatten):
            keras_layers.append(keras.layers.Flatten(dtype=dtype))
            flattened_from = shape if len(shape) == 3 else None
            shape = (int(np.prod(shape)),)
        elif isinstance(layer, nn.Linear):
            if shape != (layer.in_features,):
                raise ValueError(f"input_shape: Linear({layer.in_features}, ...) cannot take samples of shape {shape}")
            bias = "b" in layer._param_names
            dense = keras.layers.Dense(layer.out_features, use_bias=bias, dtype=dtype)
            keras_layers.append(dense)
            W = layer.W
            if flattened_from is not None:  # rows in (C, H, W) order -> Keras's (H, W, C) order
                c, h, w = flattened_from
                W = W.reshape(c, h, w, -1).transpose(1, 2, 0, 3).reshape(c * h * w, -1)
                flattened_from = None
            weights.append((dense, [W] + ([layer.b] if bias else [])))
            shape = (layer.out_features,)
        elif isinstance(layer, nn.Dropout):
            keras_layers.append(keras.layers.Dropout(layer.p, dtype=dtype))
        else:
            name = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid"}[type(layer)]
            keras_layers.append(keras.layers.Activation(name, dtype=dtype))
    sample = tuple(int(s) for s in input_shape)
    channels_last = (*sample[1:], sample[0]) if len(sample) == 3 else sample
    model = keras.Sequential([keras.Input(shape=channels_last, dtype=dtype), *keras_layers])
    for keras_layer, arrays in weights:
        keras_layer.set_weights([np.asarray(a, dtype=dtype) for a in arrays])
    return model
