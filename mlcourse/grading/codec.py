"""Plain-data codec used on both sides of the grader's process boundary (no pickle, ever).

This module is also sent, as source text, into every student kernel, so it imports only the
standard library at top level (numpy is imported when an array is met).

Wire format: JSON in which every object is a tagged value, so nothing the student returns can
decode into anything but plain data:

======================  =====================================================
``None``, bool, int,    themselves (finite floats only)
float, str
non-finite float        ``{"__float__": "nan" | "inf" | "-inf"}``
list                    a JSON list
tuple                   ``{"__tuple__": [...]}``
dict                    ``{"__dict__": [[key, value], ...]}``
numpy array             ``{"__ndarray__": [dtype, shape, flat data]}``
numpy scalar            ``{"__npscalar__": [dtype, value]}``
remote object           ``{"__ref__": int}`` (a handle into the student kernel)
======================  =====================================================
"""

from __future__ import annotations

import json
import math
from typing import Any

#: numpy dtype kinds that cross the boundary: bool, signed/unsigned int, float, unicode, bytes.
ARRAY_KINDS = "biufU"


class NotPlainData(TypeError):
    """Raised when a value is not plain data (and no handle table was given to hold it)."""


def _float(x: float) -> Any:
    if math.isfinite(x):
        return x
    return {"__float__": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def to_wire(value: Any, refs: Any = None, _depth: int = 0) -> Any:
    """Encode ``value`` as JSON-ready tagged data.

    Parameters
    ----------
    value : object
        Plain data: None, bool, int, float, str, lists/tuples/dicts of these, numpy arrays and scalars.
    refs : callable, optional
        Called with any other object; returns an int handle. Without it such objects raise.
    """
    if _depth > 100:
        raise NotPlainData("value is nested more than 100 levels deep")
    t = type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        return value
    if t is float:
        return _float(value)
    if t is list:
        return [to_wire(v, refs, _depth + 1) for v in value]
    if t is tuple:
        return {"__tuple__": [to_wire(v, refs, _depth + 1) for v in value]}
    if t is dict:
        return {"__dict__": [[to_wire(k, refs, _depth + 1), to_wire(v, refs, _depth + 1)] for k, v in value.items()]}
    mod = getattr(t, "__module__", "") or ""
    if mod == "numpy" or mod.startswith("numpy."):
        import numpy as np

        if t is np.ndarray and value.dtype.kind in ARRAY_KINDS:
            flat = value.ravel().tolist()
            if value.dtype.kind == "f":
                flat = [_float(x) for x in flat]
            return {"__ndarray__": [value.dtype.str, list(value.shape), flat]}
        if isinstance(value, np.generic) and value.dtype.kind in ARRAY_KINDS:
            item = value.item()
            return {"__npscalar__": [value.dtype.str, _float(item) if isinstance(item, float) else item]}
    if refs is not None:
        return {"__ref__": int(refs(value))}
    raise NotPlainData(f"{t.__name__} is not plain data")


def _tag(obj: dict, ref: Any) -> Any:
    if len(obj) != 1:
        raise ValueError("malformed wire value: an object must carry exactly one tag")
    ((tag, body),) = obj.items()
    if tag == "__float__":
        if body not in ("nan", "inf", "-inf"):
            raise ValueError("malformed wire value: bad float")
        return float(body)
    if tag == "__tuple__" and type(body) is list:
        return tuple(body)
    if tag == "__dict__" and type(body) is list:
        out = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2:
                raise ValueError("malformed wire value: bad dict item")
            out[pair[0]] = pair[1]
        return out
    if tag in ("__ndarray__", "__npscalar__") and type(body) is list and len(body) in (2, 3):
        import numpy as np

        dtype = np.dtype(body[0])
        if dtype.kind not in ARRAY_KINDS:
            raise ValueError(f"malformed wire value: dtype {dtype} is not allowed")
        if tag == "__npscalar__":
            return dtype.type(body[1])
        shape = tuple(int(n) for n in body[1])
        return np.array(body[2], dtype=dtype).reshape(shape)
    if tag == "__ref__" and type(body) is int and ref is not None:
        return ref(body)
    raise ValueError(f"malformed wire value: unknown tag {tag!r}")


def from_wire(data: Any, ref: Any = None) -> Any:
    """Decode JSON-ready tagged data (as parsed by :func:`loads`) back to plain Python values."""
    if isinstance(data, dict):
        return _tag({k: from_wire(v, ref) for k, v in data.items()}, ref)
    if isinstance(data, list):
        return [from_wire(v, ref) for v in data]
    if data is None or type(data) in (bool, int, float, str):
        return data
    raise ValueError(f"malformed wire value of type {type(data).__name__}")


def dumps(value: Any, refs: Any = None) -> str:
    """Encode ``value`` to a JSON string (see :func:`to_wire`)."""
    return json.dumps(to_wire(value, refs), allow_nan=False, separators=(",", ":"))


def loads(text: str, ref: Any = None) -> Any:
    """Decode a JSON string made by :func:`dumps`; anything else raises ``ValueError``."""
    if not isinstance(text, str):
        raise ValueError("wire data must be a string")

    def no_constants(name: str) -> Any:
        raise ValueError(f"malformed wire value: bare {name}")

    try:
        raw = json.loads(text, parse_constant=no_constants)
    except RecursionError as exc:
        raise ValueError("wire value nested too deeply") from exc
    try:
        return from_wire(raw, ref)
    except RecursionError as exc:
        raise ValueError("wire value nested too deeply") from exc
