"""One adapter per kind of model: all that :class:`ModelBundle` needs to know about scikit-learn, PyTorch or ONNX.

A bundle never asks which kind of model it holds; it asks its adapter, which knows how to

- describe the model for ``metadata.json`` (its target, and for torch how to rebuild the network),
- check those fields of its own when a bundle is loaded,
- write the model as the bytes of the model file, and read it back from them,
- turn a checked DataFrame, a checked array or validated rows into the model's input, and
- predict values or class labels, and class probabilities.

A new kind is one more subclass of :class:`ModelAdapter` and one more entry in :data:`ADAPTERS`;
nothing in the bundle or the app changes. ONNX was added so: :class:`~._onnx.OnnxAdapter`.

Examples
--------
>>> from sklearn.linear_model import LinearRegression
>>> model = LinearRegression().fit([[0.0], [1.0], [2.0]], [0.0, 2.0, 4.0])
>>> adapter_for(model).flavor
'sklearn'
>>> schema = [{"name": "x", "kind": "float", "dtype": "float64", "nullable": False}]
>>> adapter = SklearnAdapter(model, {"feature_schema": schema, "input": "array"})
>>> adapter.predict(adapter.input_from_rows([{"x": 3.0}])).round(6).tolist()
[6.0]
"""

from __future__ import annotations

import json
import os
import pickle
import sys
from typing import Any

import numpy as np

from mlcourse.serving import _torch
from mlcourse.serving._adapter import ModelAdapter, float_rows, require_numeric
from mlcourse.serving._errors import BundleIntegrityError
from mlcourse.serving._onnx import OnnxAdapter
from mlcourse.serving._schema import frame_from_rows


class SklearnAdapter(ModelAdapter):
    """A scikit-learn estimator or pipeline (or anything with ``predict``), saved as a pickle.

    It is fed what it was trained on: a DataFrame (``input: "dataframe"``) or an array.
    """

    flavor = "sklearn"
    model_file = "model.pkl"
    libraries = ("numpy", "scipy", "pandas", "scikit-learn", "mlcourse")

    def __init__(self, model: Any, metadata: dict[str, Any]):
        super().__init__(model, metadata)
        self._takes_frames = metadata["input"] == "dataframe"

    @classmethod
    def handles(cls, model: Any) -> bool:
        return True  # the kind of last resort: describe() refuses what has no predict()

    @classmethod
    def describe(cls, model: Any, y: Any, schema: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
        from sklearn.exceptions import NotFittedError
        from sklearn.utils.validation import check_is_fitted

        if not hasattr(model, "predict"):
            raise TypeError(f"model must be a fitted estimator with predict(), got {type(model).__name__}")
        try:
            check_is_fitted(model)
        except NotFittedError:
            raise ValueError(f"model ({type(model).__name__}) is not fitted: call fit() before bundling it") from None
        except TypeError:
            pass  # not a scikit-learn estimator: the trial prediction in from_model checks it instead
        classes = getattr(model, "classes_", None)
        target = {
            "name": getattr(y, "name", None) if y is not None else None,
            "task": "regression" if classes is None else "classification",
            "classes": None if classes is None else np.asarray(classes).tolist(),
            "proba": classes is not None and hasattr(model, "predict_proba"),
        }
        return {"target": target}

    @classmethod
    def from_bytes(
        cls, data: bytes, metadata: dict[str, Any], *, factories: tuple[str, ...] | list[str] = (), where: Any = ""
    ) -> Any:
        # Unpickling runs whatever code the bytes name: safe only because they matched the checked hashes.
        return pickle.loads(data)

    def to_bytes(self) -> bytes:
        return pickle.dumps(self.model, protocol=pickle.HIGHEST_PROTOCOL)

    def input_from_frame(self, frame: Any) -> Any:
        return frame if self._takes_frames else frame.to_numpy()

    def input_from_array(self, arr: np.ndarray) -> Any:
        import pandas as pd

        return pd.DataFrame(arr, columns=self._names) if self._takes_frames else arr

    def input_from_rows(self, rows: list[dict[str, Any]]) -> Any:
        if not self._takes_frames and self._numeric:
            return float_rows(rows, self._names, np.float64)
        return self.input_from_frame(frame_from_rows(rows, self._schema))

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.model.predict(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        return np.asarray(self.model.predict_proba(X))


class TorchAdapter(ModelAdapter):
    """A ``torch.nn.Module``, saved as its weights and rebuilt by a trusted factory (see :mod:`._torch`).

    It is always fed a float32 array; ``torch.output`` in the metadata says what its outputs mean.
    """

    flavor = "torch"
    model_file = "model.pt"
    libraries = ("numpy", "pandas", "torch", "mlcourse")

    def __init__(self, model: Any, metadata: dict[str, Any]):
        super().__init__(model, metadata)
        self._output = metadata["torch"]["output"]

    @classmethod
    def handles(cls, model: Any) -> bool:
        torch = sys.modules.get("torch")  # never import torch just to find out that a model is not one
        return torch is not None and isinstance(model, torch.nn.Module)

    @classmethod
    def describe(
        cls,
        model: Any,
        y: Any,
        schema: list[dict[str, Any]],
        *,
        factory: str | None = None,
        factory_kwargs: dict[str, Any] | None = None,
        output: str | None = None,
        classes: list[Any] | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        if output not in _torch.OUTPUTS:
            raise ValueError(f"output must be one of {_torch.OUTPUTS} for a torch model, got {output!r}")
        require_numeric(schema, "a torch bundle")
        factory, factory_kwargs = cls._factory(model, factory, factory_kwargs)
        classes = cls._classes_of(output, y, classes)
        target = {
            "name": getattr(y, "name", None) if y is not None else None,
            "task": "regression" if output == "regression" else "classification",
            "classes": classes,
            "proba": output != "regression",
        }
        return {"target": target, "torch": {"factory": factory, "factory_kwargs": factory_kwargs, "output": output}}

    @staticmethod
    def _factory(model: Any, factory: str | None, factory_kwargs: dict[str, Any] | None) -> tuple[str, dict]:
        """The factory and its arguments, checked to rebuild an architecture that takes the model's weights."""
        factory = factory or getattr(model, "factory", None)
        factory_kwargs = factory_kwargs if factory_kwargs is not None else getattr(model, "factory_kwargs", None)
        if factory is None or factory_kwargs is None:
            raise ValueError(
                "a torch model needs factory='package.module:function' and factory_kwargs={...} that rebuild "
                "its architecture (the bundle stores weights only, never pickled code)"
            )
        try:
            json.dumps(factory_kwargs)
        except TypeError as exc:
            raise TypeError(f"factory_kwargs must be JSON data: {exc}") from None
        rebuilt = _torch.build(factory, factory_kwargs)
        try:
            rebuilt.load_state_dict(model.state_dict())
        except RuntimeError as exc:
            raise ValueError(f"factory {factory!r} builds an architecture that does not fit the model: {exc}") from None
        return factory, factory_kwargs

    @staticmethod
    def _classes_of(output: str, y: Any, classes: list[Any] | None) -> list[Any] | None:
        """The class labels in output order: given, else ``sorted(set(y))``, else ``0, 1, ...``."""
        if output == "regression":
            return None
        if classes is None:
            n_classes = 2 if output == "binary" else None
            classes = sorted(np.unique(np.asarray(y)).tolist()) if y is not None else list(range(n_classes or 0))
        classes = np.asarray(classes).tolist()
        if len(classes) < 2 or (output == "binary" and len(classes) != 2):
            raise ValueError(f"output={output!r} needs {'2' if output == 'binary' else '2 or more'} classes")
        return classes

    @classmethod
    def check_metadata(cls, metadata: dict[str, Any], path: os.PathLike | str) -> None:
        spec = metadata.get("torch")
        if not (
            isinstance(spec, dict)
            and isinstance(spec.get("factory"), str)
            and isinstance(spec.get("factory_kwargs"), dict)
            and spec.get("output") in _torch.OUTPUTS
        ):
            raise BundleIntegrityError(f"{path}: a torch bundle needs torch.factory, factory_kwargs and output")

    @classmethod
    def from_bytes(
        cls, data: bytes, metadata: dict[str, Any], *, factories: tuple[str, ...] | list[str] = (), where: Any = ""
    ) -> Any:
        spec = metadata["torch"]
        # The code that runs is chosen by the loader, never by the file: metadata.json could name any
        # function (subprocess:run, say).
        if spec["factory"] not in {_torch.TABULAR_MLP, *factories}:
            raise BundleIntegrityError(
                f"{where}: torch factory {spec['factory']!r} is not one this loader trusts; "
                f"if you trust it, load with factories=[{spec['factory']!r}]"
            )
        return _torch.load_state(data, spec["factory"], spec["factory_kwargs"])

    def to_bytes(self) -> bytes:
        return _torch.state_bytes(self.model)

    def input_from_frame(self, frame: Any) -> Any:
        return frame.to_numpy(dtype=np.float32)

    def input_from_array(self, arr: np.ndarray) -> Any:
        return arr  # predict_outputs makes its own float32 copy

    def input_from_rows(self, rows: list[dict[str, Any]]) -> Any:
        return float_rows(rows, self._names, np.float32)

    def predict(self, X: Any) -> np.ndarray:
        out = self._outputs(X)
        return out if self._classes is None else np.asarray(self._classes)[out.argmax(axis=1)]

    def predict_proba(self, X: Any) -> np.ndarray:
        return self._outputs(X)

    def _outputs(self, X: Any) -> np.ndarray:
        """The network's outputs as probabilities (a classifier) or values (a regressor)."""
        return _torch.predict_outputs(self.model, X, self._output)


#: Every kind a bundle can hold, most specific first: a model gets the first adapter that handles it.
ADAPTERS: tuple[type[ModelAdapter], ...] = (TorchAdapter, OnnxAdapter, SklearnAdapter)
#: The adapter of each ``flavor`` that ``metadata.json`` may record.
BY_FLAVOR: dict[str, type[ModelAdapter]] = {adapter.flavor: adapter for adapter in ADAPTERS}


def adapter_for(model: Any) -> type[ModelAdapter]:
    """The adapter class of ``model``'s kind."""
    return next(adapter for adapter in ADAPTERS if adapter.handles(model))
