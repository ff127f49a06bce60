"""The interface every kind of model implements for :class:`ModelBundle` (see :mod:`._adapters`).

In a module of its own so that an adapter kept in another module (:mod:`._onnx`) can subclass it
while :mod:`._adapters` lists that adapter among the kinds: no import cycle.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np


def float_rows(rows: list[dict[str, Any]], names: list[str], dtype: type) -> np.ndarray:
    """Validated rows of numbers (``None`` for missing) as a 2-D array in ``names`` order."""
    nan = float("nan")
    # Skips pandas: a 1-row DataFrame costs more to build than the model takes to answer.
    values = [[nan if r[n] is None else r[n] for n in names] for r in rows]
    return np.array(values, dtype=dtype).reshape(len(rows), len(names))


def require_numeric(schema: list[dict[str, Any]], kind: str) -> None:
    """Raise a ``ValueError`` naming the category columns a model of ``kind`` cannot take."""
    categories = [spec["name"] for spec in schema if spec["kind"] == "category"]
    if categories:
        raise ValueError(f"{kind} needs numeric features; encode {categories} first")


class ModelAdapter(ABC):
    """The interface: one subclass per kind of model, one instance per bundle.

    Parameters
    ----------
    model : object
        The fitted model.
    metadata : dict
        The bundle's metadata: its ``feature_schema``, ``target`` and the fields of this kind.

    Attributes
    ----------
    model : object
        The fitted model.
    """

    #: The ``flavor`` recorded in ``metadata.json``.
    flavor: ClassVar[str]
    #: The model file's name in the bundle folder: one fixed name per kind, so that ``metadata.json``
    #: cannot point the loader at ``../../anything``.
    model_file: ClassVar[str]
    #: The libraries whose version can change what a saved model loads as, or predicts.
    libraries: ClassVar[tuple[str, ...]]

    def __init__(self, model: Any, metadata: dict[str, Any]):
        self.model = model
        self._schema = metadata["feature_schema"]
        self._names = [spec["name"] for spec in self._schema]
        self._classes = (metadata.get("target") or {}).get("classes")
        #: No category column: validated rows go straight to an array, without a DataFrame.
        self._numeric = all(spec["kind"] != "category" for spec in self._schema)

    @classmethod
    @abstractmethod
    def handles(cls, model: Any) -> bool:
        """Whether ``model`` is of this kind."""

    @classmethod
    @abstractmethod
    def describe(cls, model: Any, y: Any, schema: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
        """The metadata fields of this kind for a fitted ``model``: ``target``, and any of its own.

        ``options`` are the keyword arguments of :meth:`ModelBundle.from_model` that only some kinds
        use (``factory``, ``factory_kwargs``, ``output``, ``classes``). Raises ``TypeError`` or
        ``ValueError`` naming the argument when the model or an option cannot be bundled.
        """

    @classmethod
    def check_metadata(cls, metadata: dict[str, Any], path: os.PathLike | str) -> None:
        """Raise :class:`BundleIntegrityError` naming ``path`` if this kind's own fields are malformed."""
        return  # a kind with no fields of its own (scikit-learn) has nothing to check

    @classmethod
    @abstractmethod
    def from_bytes(
        cls, data: bytes, metadata: dict[str, Any], *, factories: tuple[str, ...] | list[str] = (), where: Any = ""
    ) -> Any:
        """The model from the bytes of its file. Called only with bytes that matched every hash.

        ``factories`` are the architecture factories the caller trusts; ``where`` names the metadata
        file in errors.
        """

    @abstractmethod
    def to_bytes(self) -> bytes:
        """The model as the bytes of its file."""

    @abstractmethod
    def input_from_frame(self, frame: Any) -> Any:
        """A DataFrame with the schema's columns, in order, as the model's input."""

    @abstractmethod
    def input_from_array(self, arr: np.ndarray) -> Any:
        """A 2-D array with the schema's columns, in order, as the model's input."""

    @abstractmethod
    def input_from_rows(self, rows: list[dict[str, Any]]) -> Any:
        """Rows validated against the schema (dicts) as the model's input, converted once."""

    @abstractmethod
    def predict(self, X: Any) -> np.ndarray:
        """Values (a regressor) or class labels (a classifier) for the model's input ``X``."""

    @abstractmethod
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per class in ``target.classes`` order."""
