"""Data you can trust, and data you cannot: bundled datasets, a messy-data generator, validation.

- :func:`load` -- scikit-learn's bundled datasets as DataFrames with a ``"target"`` column.
- :func:`make_messy` -- damage a clean frame in realistic ways and log every change.
- :class:`Schema`, :class:`Column`, :func:`validate`, :func:`summarize`, :func:`infer_schema` --
  validation from scratch that reports every violation instead of stopping at the first.

Examples
--------
>>> import mlcourse as mlc
>>> clean = mlc.data.load("breast_cancer", target_names=True)
>>> messy, log = mlc.data.make_messy(clean, seed=0)
>>> report = mlc.data.validate(messy, mlc.data.infer_schema(clean))
>>> len(report) > 0
True
"""

from __future__ import annotations

from mlcourse.data._datasets import DATASETS, TARGET, load
from mlcourse.data._messy import DEFAULTS, LEAKY_NAME, make_messy
from mlcourse.data._spam import make_spam
from mlcourse.data._validation import Column, Schema, infer_schema, summarize, validate

__all__ = [
    "DATASETS",
    "DEFAULTS",
    "LEAKY_NAME",
    "TARGET",
    "Column",
    "Schema",
    "infer_schema",
    "load",
    "make_messy",
    "make_spam",
    "summarize",
    "validate",
]
