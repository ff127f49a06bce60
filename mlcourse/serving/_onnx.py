"""The ONNX kind of model: a graph exported by skl2onnx or ``torch.onnx``, run by ONNX Runtime.

An ONNX file is data, not code: loading one parses a protobuf and never runs anything the file
names, unlike a pickle. The bundle checks it like any other (manifest, hashes, pinned digest), then
``onnx.checker`` and the graph's input and outputs against ``metadata.json`` before a session is built.


Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> from mlcourse.quantize import to_onnx
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = [0, 0, 1, 1]
>>> onnx_model = to_onnx(LogisticRegression().fit(X, y), X)
>>> schema = [{"name": "x", "kind": "float", "dtype": "float64", "nullable": False}]
>>> metadata = {"feature_schema": schema, **OnnxAdapter.describe(onnx_model, y, schema)}
>>> metadata["onnx"]
{'input': 'X', 'dtype': 'float32', 'output': 'label_proba', 'outputs': ['label', 'probabilities']}
>>> adapter = OnnxAdapter(onnx_model, metadata)
>>> adapter.predict_proba(adapter.input_from_rows([{"x": 3.0}])).round(2).tolist()
[[0.19, 0.81]]
"""

from __future__ import annotations

import os
import sys
from typing import Any, ClassVar

import numpy as np

from mlcourse.optim import softmax
from mlcourse.serving._adapter import ModelAdapter, float_rows, require_numeric
from mlcourse.serving._errors import BundleIntegrityError
from mlcourse.serving._schema import frame_from_rows

#: What the graph's outputs mean: labels and probabilities (scikit-learn classifiers, via skl2onnx),
#: one logit, one logit per class, or values.
OUTPUTS = ("label_proba", "binary", "multiclass", "regression")
#: The input element types a bundle can feed: ONNX's TensorProto code -> numpy dtype.
_DTYPES = {1: "float32", 11: "float64"}


def _graph_io(model: Any) -> tuple[list[Any], list[str]]:
    """The graph's real inputs (initializers left out: older exporters list them too) and output names."""
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    return inputs, [o.name for o in model.graph.output]


def _input_spec(model: Any, n_features: int) -> tuple[str, str]:
    """The name and dtype of the model's one input, checked to be a float matrix of ``n_features`` columns."""
    inputs, _ = _graph_io(model)
    if len(inputs) != 1:
        raise ValueError(
            f"model must have one input (a float matrix), got {len(inputs)}: {[i.name for i in inputs]} "
            "(export a scikit-learn pipeline from an array, not a DataFrame: mlcourse.quantize.to_onnx does)"
        )
    tensor = inputs[0].type.tensor_type
    dtype = _DTYPES.get(tensor.elem_type)
    dims = [d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim]
    if dtype is None or len(dims) != 2 or dims[1] not in (None, n_features):
        raise ValueError(
            f"model's input {inputs[0].name!r} must be a float32 or float64 matrix of {n_features} columns "
            f"(the schema's features), got element type {tensor.elem_type} and shape {dims}"
        )
    return inputs[0].name, dtype


def _session(model: Any) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    # One thread per request: a server runs several at once (and several workers), and small
    # models lose more to waking threads than they gain.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


class OnnxAdapter(ModelAdapter):
    """An ``onnx.ModelProto``, saved as its bytes and run by an ONNX Runtime session (one thread).

    It is fed a float matrix in schema order; ``onnx.output`` in the metadata says what its outputs
    mean (``label_proba``: skl2onnx's labels and probabilities; ``binary``/``multiclass``: logits
    of a network, turned into probabilities here; ``regression``: values).

    Parameters
    ----------
    model : onnx.ModelProto
    metadata : dict
        The bundle's metadata, with its ``onnx`` fields.
    """

    flavor: ClassVar[str] = "onnx"
    model_file: ClassVar[str] = "model.onnx"
    libraries: ClassVar[tuple[str, ...]] = ("numpy", "pandas", "onnx", "onnxruntime", "mlcourse")

    def __init__(self, model: Any, metadata: dict[str, Any]):
        super().__init__(model, metadata)
        spec = metadata["onnx"]
        self._input, self._dtype, self._output = spec["input"], np.dtype(spec["dtype"]), spec["output"]
        self._session = _session(model)

    @classmethod
    def handles(cls, model: Any) -> bool:
        """Whether ``model`` is an ONNX model (never imports onnx to find out)."""
        onnx = sys.modules.get("onnx")
        return onnx is not None and isinstance(model, onnx.ModelProto)

    @classmethod
    def describe(
        cls,
        model: Any,
        y: Any,
        schema: list[dict[str, Any]],
        *,
        output: str | None = None,
        classes: list[Any] | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """The ``target`` and ``onnx`` metadata of an ONNX model.

        ``output`` defaults to ``"label_proba"`` for a graph with two outputs (a classifier exported
        by skl2onnx with ``zipmap`` off); a graph with one output needs it (``"binary"``,
        ``"multiclass"`` or ``"regression"``). ``classes`` default to ``sorted(set(y))``.
        """
        import onnx

        require_numeric(schema, "an ONNX bundle")
        try:
            onnx.checker.check_model(model)
        except onnx.checker.ValidationError as exc:
            raise ValueError(f"model is not a valid ONNX model: {exc}") from None
        name, dtype = _input_spec(model, len(schema))
        _, outputs = _graph_io(model)
        if output is None and len(outputs) == 2:
            output = "label_proba"
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS} for an ONNX model, got {output!r}")
        if (output == "label_proba") != (len(outputs) == 2) or len(outputs) not in (1, 2):
            raise ValueError(f"output={output!r} does not fit a graph with outputs {outputs}")
        if output == "regression":
            classes = None
        else:
            if classes is None:
                if y is None:
                    raise ValueError(f"output={output!r} needs classes=[...] or the training y")
                classes = np.unique(np.asarray(y)).tolist()
            classes = np.asarray(classes).tolist()
            if len(classes) < 2 or (output == "binary" and len(classes) != 2):
                raise ValueError(f"output={output!r} needs {'2' if output == 'binary' else '2 or more'} classes")
        target = {
            "name": getattr(y, "name", None) if y is not None else None,
            "task": "regression" if output == "regression" else "classification",
            "classes": classes,
            "proba": output != "regression",
        }
        return {"target": target, "onnx": {"input": name, "dtype": dtype, "output": output, "outputs": outputs}}

    @classmethod
    def check_metadata(cls, metadata: dict[str, Any], path: os.PathLike | str) -> None:
        """Raise :class:`BundleIntegrityError` naming ``path`` if the ``onnx`` fields are malformed."""
        spec = metadata.get("onnx")
        if not (
            isinstance(spec, dict)
            and isinstance(spec.get("input"), str)
            and spec.get("dtype") in _DTYPES.values()
            and spec.get("output") in OUTPUTS
            and isinstance(spec.get("outputs"), list)
            and all(isinstance(o, str) for o in spec["outputs"])
        ):
            raise BundleIntegrityError(f"{path}: an onnx bundle needs onnx.input, dtype, output and outputs")

    @classmethod
    def from_bytes(
        cls, data: bytes, metadata: dict[str, Any], *, factories: tuple[str, ...] | list[str] = (), where: Any = ""
    ) -> Any:
        """Parse the model (no code runs) and check its graph against the metadata."""
        import onnx

        spec = metadata["onnx"]
        try:
            model = onnx.load_from_string(data)
            onnx.checker.check_model(model)
        except Exception as exc:  # protobuf's DecodeError, onnx's ValidationError: the bytes are not a model
            raise BundleIntegrityError(f"{where}: the ONNX model does not parse or check: {exc}") from None
        inputs, outputs = _graph_io(model)
        if [i.name for i in inputs] != [spec["input"]] or outputs != spec["outputs"]:
            raise BundleIntegrityError(
                f"{where}: the ONNX graph's input {[i.name for i in inputs]} and outputs {outputs} are not "
                f"the recorded {[spec['input']]} and {spec['outputs']}"
            )
        return model

    def to_bytes(self) -> bytes:
        """The model's protobuf bytes (deterministic for one model)."""
        return self.model.SerializeToString(deterministic=True)

    def input_from_frame(self, frame: Any) -> Any:
        """The frame's values as the graph's input type."""
        return frame.to_numpy(dtype=self._dtype)

    def input_from_array(self, arr: np.ndarray) -> Any:
        """The array as the graph's input type."""
        return np.ascontiguousarray(arr, dtype=self._dtype)

    def input_from_rows(self, rows: list[dict[str, Any]]) -> Any:
        """Validated rows as a matrix in schema order (``NaN`` for a missing value)."""
        if self._numeric:
            return float_rows(rows, self._names, self._dtype)
        return self.input_from_frame(frame_from_rows(rows, self._schema))

    def predict(self, X: Any) -> np.ndarray:
        """Values, or class labels (the most probable class)."""
        if self._output == "label_proba":
            return np.asarray(self._run(X)[0]).ravel()
        if self._output == "regression":
            return self._values(X)
        return np.asarray(self._classes)[self.predict_proba(X).argmax(axis=1)]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per class in ``target.classes`` order."""
        if self._output == "label_proba":
            return np.asarray(self._run(X)[1], dtype=np.float64)
        logits = self._values(X).astype(np.float64)
        if self._output == "binary":
            p = 1.0 / (1.0 + np.exp(-logits.reshape(-1)))
            return np.column_stack([1.0 - p, p])
        return softmax(logits.reshape(len(logits), -1))

    def _values(self, X: Any) -> np.ndarray:
        out = np.asarray(self._run(X)[0])
        return out.ravel() if out.ndim == 2 and out.shape[1] == 1 and self._output == "regression" else out

    def _run(self, X: Any) -> list[Any]:
        return self._session.run(None, {self._input: np.ascontiguousarray(X, dtype=self._dtype)})
