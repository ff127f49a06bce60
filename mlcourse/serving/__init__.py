"""Serving a model: save it as a checked bundle, answer predictions over HTTP, watch the service.

- :class:`ModelBundle`: a fitted model (scikit-learn pickle, or PyTorch weights) with metadata:
  name, version, created time, feature schema, training metrics, data hash, library versions and
  the model file's sha256, which :meth:`ModelBundle.load` checks *before* unpickling.
- :func:`create_app`: a FastAPI app with ``GET /health``, ``GET /metadata``, ``POST /predict``
  (requests validated against the feature schema: bad fields are a 422 naming them) and
  ``GET /metrics`` (Prometheus text format, written from scratch in :mod:`._metrics`).
- ``mlcourse serve BUNDLE --host 127.0.0.1 --port 8000`` runs it under uvicorn;
  :func:`serve_in_background` does so from a notebook or a test, on a real socket.

Twins: FastAPI + pydantic (request models), uvicorn (the server), prometheus_client (the format).

Examples
--------
>>> import pandas as pd
>>> from sklearn.linear_model import LogisticRegression
>>> from mlcourse.serving import ModelBundle
>>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}); y = [0, 0, 1, 1]
>>> bundle = ModelBundle.from_model(LogisticRegression().fit(X, y), X, y, name="demo")
>>> bundle.predict({"x": 2.5}).tolist()
[1]
>>> bundle.predict({"x": "2.5"})
Traceback (most recent call last):
...
mlcourse.serving.SchemaValidationError: [0].x: Input should be a valid number
"""

from __future__ import annotations

from typing import Any

from mlcourse.serving._bundle import ModelBundle
from mlcourse.serving._errors import BundleIntegrityError, SchemaValidationError
from mlcourse.serving._metrics import Counter, Gauge, Histogram, Registry
from mlcourse.serving._process import free_port, run_server, serve_in_background
from mlcourse.serving._schema import infer_schema, validate_records
from mlcourse.serving._torch import fit_scaling, tabular_mlp

__all__ = [
    "BundleIntegrityError",
    "Counter",
    "Gauge",
    "Histogram",
    "ModelBundle",
    "Registry",
    "SchemaValidationError",
    "create_app",
    "fit_scaling",
    "free_port",
    "infer_schema",
    "run_server",
    "serve_in_background",
    "tabular_mlp",
    "validate_records",
]


def __getattr__(name: str) -> Any:
    # FastAPI takes about half a second to import: only when an app is actually built.
    if name == "create_app":
        from mlcourse.serving._app import create_app

        return create_app
    raise AttributeError(f"module 'mlcourse.serving' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
