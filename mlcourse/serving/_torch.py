"""PyTorch models in a bundle: weights only, rebuilt by an architecture factory named in the metadata.

A bundle never pickles a torch module. It stores the ``state_dict`` (tensors) with ``torch.save`` and
loads it with ``torch.load(weights_only=True)``, which refuses anything but tensors and plain
containers. The architecture comes from code the server already has: a factory named
``"package.module:function"`` plus JSON keyword arguments, both recorded in ``metadata.json``. The
loader runs only factories it trusts (:func:`tabular_mlp`, and those its caller names), since the
metadata file is not covered by the model file's hash.
"""

from __future__ import annotations

import importlib
import io
import numbers
import pickle
from typing import Any

import numpy as np

from mlcourse._validation import check_scalar
from mlcourse.serving._errors import BundleIntegrityError

OUTPUTS = ("binary", "multiclass", "regression")
#: The factory every loader trusts; others must be named by the caller of ``ModelBundle.load``.
TABULAR_MLP = f"{__name__}:tabular_mlp"


def _torch():
    import torch

    return torch


def tabular_mlp(n_features: int, hidden_sizes: list[int] | tuple[int, ...] = (16,), n_outputs: int = 1) -> Any:
    """A small multilayer perceptron for tabular data, with input standardisation built in.

    The module holds ``input_mean`` and ``input_scale`` as buffers, so the scaling travels inside
    the ``state_dict`` with the weights: a served model cannot be fed unscaled inputs by mistake.
    Set them with ``model.input_mean.copy_(...)`` before training (or use :func:`fit_scaling`).

    Parameters
    ----------
    n_features : int
    hidden_sizes : sequence of int, default=(16,)
    n_outputs : int, default=1
        1 for binary classification (one logit) or regression; the number of classes otherwise.

    Returns
    -------
    model : torch.nn.Module
        Its ``factory_kwargs`` attribute holds the arguments, for :meth:`ModelBundle.from_model`.

    Raises
    ------
    TypeError
        A size is not an integer (a bool is not).
    ValueError
        A size is below 1.

    Examples
    --------
    >>> model = tabular_mlp(3, hidden_sizes=[4])
    >>> model.factory_kwargs
    {'n_features': 3, 'hidden_sizes': [4], 'n_outputs': 1}
    """
    torch = _torch()
    check_scalar(n_features, "n_features", numbers.Integral, min_val=1)
    check_scalar(n_outputs, "n_outputs", numbers.Integral, min_val=1)
    for i, h in enumerate(hidden_sizes):
        check_scalar(h, f"hidden_sizes[{i}]", numbers.Integral, min_val=1)
    # numpy integers pass the checks; factory_kwargs must hold plain ints, to be written as JSON
    n_features, n_outputs, hidden = int(n_features), int(n_outputs), [int(h) for h in hidden_sizes]

    class TabularMLP(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("input_mean", torch.zeros(n_features))
            self.register_buffer("input_scale", torch.ones(n_features))
            layers: list[Any] = []
            width = n_features
            for h in hidden:
                layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
                width = h
            layers.append(torch.nn.Linear(width, n_outputs))
            self.net = torch.nn.Sequential(*layers)

        def forward(self, X):
            return self.net((X - self.input_mean) / self.input_scale)

    model = TabularMLP()
    model.factory = TABULAR_MLP
    model.factory_kwargs = {"n_features": n_features, "hidden_sizes": hidden, "n_outputs": n_outputs}
    return model


def fit_scaling(model: Any, X: Any) -> Any:
    """Set a :func:`tabular_mlp`'s ``input_mean``/``input_scale`` from training data ``X``; returns ``model``."""
    torch = _torch()
    arr = np.asarray(X, dtype=np.float64)
    scale = arr.std(axis=0)
    scale[scale == 0] = 1.0  # a constant feature: leave it unscaled rather than divide by zero
    with torch.no_grad():
        model.input_mean.copy_(torch.as_tensor(arr.mean(axis=0), dtype=model.input_mean.dtype))
        model.input_scale.copy_(torch.as_tensor(scale, dtype=model.input_scale.dtype))
    return model


def resolve_factory(path: str) -> Any:
    """Import ``"package.module:function"`` and return the function."""
    if not isinstance(path, str) or path.count(":") != 1:
        raise ValueError(f"factory must be a 'package.module:function' string, got {path!r}")
    module_name, attr = path.split(":")
    try:
        obj = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"factory {path!r} cannot be imported: {exc}") from None
    if not callable(obj):
        raise ValueError(f"factory {path!r} is not callable")
    return obj


def build(factory: str, factory_kwargs: dict[str, Any]) -> Any:
    """Call the factory named ``factory`` with ``factory_kwargs``; check that it returns a module."""
    torch = _torch()
    model = resolve_factory(factory)(**factory_kwargs)
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"factory {factory!r} returned {type(model).__name__}, not a torch.nn.Module")
    return model


def state_bytes(model: Any) -> bytes:
    """The model's ``state_dict`` as the bytes ``torch.save`` writes."""
    torch = _torch()
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getvalue()


def load_state(data: bytes, factory: str, factory_kwargs: dict[str, Any]) -> Any:
    """Rebuild the architecture and load weights from ``data`` with ``weights_only=True``."""
    torch = _torch()
    # weights_only=True: the unpickler only builds tensors and plain containers, never calls code.
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BundleIntegrityError(
            f"the weights file holds more than tensors; torch refused it: {first_line}"
        ) from None
    model = build(factory, factory_kwargs)
    model.load_state_dict(state)
    return model.eval()


def predict_outputs(model: Any, X: np.ndarray, output: str) -> np.ndarray:
    """Raw network outputs turned into probabilities (classification) or values (regression)."""
    torch = _torch()
    with torch.no_grad():
        # np.array copies: pandas may hand out read-only arrays, which torch warns about.
        out = model(torch.from_numpy(np.array(X, dtype=np.float32)))
        if output == "binary":
            p = torch.sigmoid(out.reshape(-1)).double().numpy()
            return np.column_stack([1.0 - p, p])
        if output == "multiclass":
            return torch.softmax(out, dim=1).double().numpy()
        values = out.double().numpy()
    return values.reshape(len(values)) if values.ndim == 2 and values.shape[1] == 1 else values
