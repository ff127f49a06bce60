"""Models in the portable format, and their weights in int8: thin wrappers over skl2onnx,
``torch.onnx`` and the dynamic quantisation of ONNX Runtime and PyTorch.

The wrappers choose settings once for the course (an input named ``"X"`` with any number of rows;
class probabilities as a plain tensor, not a list of dicts) and keep two libraries' notices of
their own plans out of learners' notebooks: PyTorch's legacy (TorchScript) ONNX exporter, used
because the newer one needs ``onnxscript`` and takes seconds per model, and its eager-mode
``quantize_dynamic``, both announce their future removal; ONNX Runtime's quantiser logs a hint
about graph pre-processing that small models do not need.
"""

from __future__ import annotations

import copy
import logging
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

#: Warnings the wrapped calls give about the libraries' own deprecations, not about the caller's code.
_LIBRARY_NOTICES = (
    r"You are using the legacy TorchScript-based ONNX export",
    r"The feature will be removed",
    r"torch\.ao\.quantization is deprecated",
    r"torch\.quantize_per_tensor, torch\.quantize_per_channel and other quantized tensor creation",
)


class _Quiet:
    """Silence the notices above, and ONNX Runtime's pre-processing hint, for one call."""

    def __enter__(self) -> _Quiet:
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        for message in _LIBRARY_NOTICES:
            warnings.filterwarnings("ignore", message=message)
        self._filter = logging.Filter()
        self._filter.filter = lambda record: "pre-processing before quantization" not in record.getMessage()  # type: ignore[method-assign]
        logging.getLogger().addFilter(self._filter)
        return self

    def __exit__(self, *exc: Any) -> None:
        logging.getLogger().removeFilter(self._filter)
        self._warnings.__exit__(*exc)


def _is_torch_module(model: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(model, torch.nn.Module)


def to_onnx(model: Any, X: Any, *, opset: int = 17) -> Any:
    """Export a fitted scikit-learn model/pipeline or a torch network to an ONNX model.

    Parameters
    ----------
    model : fitted estimator or pipeline, or torch.nn.Module
        A network is exported in eval mode; its outputs are left as they are (logits, say).
    X : array-like
        A few input rows (a DataFrame is taken as its values): they fix the number of features
        (and, for a network, the shape of one sample). The batch size stays free.
    opset : int, default=17
        The ONNX operator set.

    Returns
    -------
    onnx_model : onnx.ModelProto
        One input ``"X"`` (float32). A scikit-learn classifier has two outputs, the labels and the
        class probabilities (a float tensor, one column per class in ``classes_`` order); a
        regressor one. A network has one output, ``"y"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = [0, 0, 1, 1]
    >>> onnx_model = to_onnx(LogisticRegression().fit(X, y), X)
    >>> [i.name for i in onnx_model.graph.input], [o.name for o in onnx_model.graph.output]
    (['X'], ['label', 'probabilities'])
    """
    import onnx

    arr = np.asarray(getattr(X, "values", X), dtype=np.float32)
    if arr.ndim < 2 or len(arr) == 0:
        raise ValueError(f"X must hold at least one row of features, got shape {arr.shape}")
    if _is_torch_module(model):
        import io

        import torch

        was_training = model.training
        model.eval()
        buffer = io.BytesIO()
        try:
            with _Quiet(), torch.no_grad():
                torch.onnx.export(
                    model,
                    (torch.from_numpy(arr[:1].copy()),),
                    buffer,
                    dynamo=False,
                    input_names=["X"],
                    output_names=["y"],
                    dynamic_axes={"X": {0: "n"}, "y": {0: "n"}},
                    opset_version=opset,
                )
        finally:
            model.train(was_training)
        return onnx.load_from_string(buffer.getvalue())
    if not hasattr(model, "predict"):
        raise TypeError(f"model must be a fitted estimator or a torch.nn.Module, got {type(model).__name__}")
    from skl2onnx import to_onnx as skl_to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    options = {"zipmap": False} if hasattr(model, "predict_proba") else None
    with _Quiet():
        return skl_to_onnx(
            model,
            initial_types=[("X", FloatTensorType([None, arr.shape[1]]))],
            target_opset={"": opset, "ai.onnx.ml": 3},
            options=options,
        )


def onnx_dynamic_int8(onnx_model: Any) -> Any:
    """The model with int8 weights, quantised by ONNX Runtime's ``quantize_dynamic``.

    Weights of ``MatMul``/``Gemm`` (and ``Conv``) are stored as int8 with a scale each; at run time
    each input is quantised with a scale from its own min/max (``DynamicQuantizeLinear``) and the
    products run as ``MatMulInteger``/``ConvInteger``.

    Parameters
    ----------
    onnx_model : onnx.ModelProto

    Returns
    -------
    quantized : onnx.ModelProto
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if not isinstance(onnx_model, onnx.ModelProto):
        raise TypeError(f"onnx_model must be an onnx.ModelProto, got {type(onnx_model).__name__}")
    with tempfile.TemporaryDirectory() as folder, _Quiet():
        source, target = Path(folder) / "model.onnx", Path(folder) / "model.int8.onnx"
        onnx.save(onnx_model, source)
        quantize_dynamic(source, target, weight_type=QuantType.QInt8)
        return onnx.load(target)


def torch_dynamic_int8(model: Any) -> Any:
    """A copy of ``model`` whose ``nn.Linear`` layers hold int8 weights (PyTorch's dynamic quantisation).

    Convolutions stay float32: PyTorch quantises only linear (and recurrent) layers dynamically.

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    quantized : torch.nn.Module
        In eval mode.
    """
    if not _is_torch_module(model):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    import torch

    with _Quiet():
        return torch.ao.quantization.quantize_dynamic(copy.deepcopy(model).eval(), {torch.nn.Linear}, dtype=torch.qint8)
