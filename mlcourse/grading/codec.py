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

#: numpy dtype kinds that cross the boundary: bool, signed/unsigned int, float, unicode.
ARRAY_KINDS = "biufU"
#: Bounds checked before anything is allocated: bytes per array element (a string of 16,384
#: characters), elements per array, and bytes one reply may decode to in all.
MAX_ITEMSIZE = 64 * 2**10
MAX_ELEMENTS = 16 * 2**20
MAX_DECODED_BYTES = 64 * 2**20


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


class CodecError(ValueError):
    """Wire data that is malformed, or that would decode to more than the reply's budget."""


class _Budget:
    """Bytes a reply may still decode to; charged *before* anything is allocated."""

    def __init__(self, limit: int):
        self.left = limit

    def take(self, n: int) -> None:
        if n > self.left:
            raise CodecError(f"wire value decodes to more than {MAX_DECODED_BYTES // 2**20} MB")
        self.left -= n


def _scalar(x: Any) -> bool:
    return x is None or type(x) in (bool, int, float, str)


def _dtype(name: Any) -> Any:
    import numpy as np

    if type(name) is not str or len(name) > 16:
        raise CodecError("malformed wire value: a dtype is a short string")
    try:
        dtype = np.dtype(name)
    except (TypeError, ValueError):
        raise CodecError(f"malformed wire value: unknown dtype {name[:16]!r}") from None
    if dtype.kind not in ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise CodecError(f"malformed wire value: dtype {name!r} is not allowed")
    if not 0 < dtype.itemsize <= MAX_ITEMSIZE:
        raise CodecError(f"malformed wire value: {name!r} is wider than {MAX_ITEMSIZE} bytes per element")
    return dtype


def _array(body: list, budget: _Budget) -> Any:
    import numpy as np

    if len(body) != 3 or type(body[1]) is not list or type(body[2]) is not list or len(body[1]) > 32:
        raise CodecError("malformed wire value: an array is [dtype, shape, flat data]")
    dtype = _dtype(body[0])
    count = 1
    for n in body[1]:
        if type(n) is not int or not 0 <= n <= MAX_ELEMENTS:
            raise CodecError("malformed wire value: bad array shape")
        count *= n
        if count > MAX_ELEMENTS:
            raise CodecError(f"malformed wire value: more than {MAX_ELEMENTS} array elements")
    flat = body[2]
    if len(flat) != count or not all(_scalar(x) for x in flat):
        raise CodecError("malformed wire value: array data does not match its shape")
    budget.take(count * dtype.itemsize)
    try:
        return np.array(flat, dtype=dtype).reshape(tuple(body[1]))
    except (TypeError, ValueError, OverflowError) as exc:
        raise CodecError(f"malformed wire value: {type(exc).__name__} in array data") from None


def _tag(obj: dict, ref: Any, budget: _Budget) -> Any:
    if len(obj) != 1:
        raise CodecError("malformed wire value: an object must carry exactly one tag")
    ((tag, body),) = obj.items()
    if tag == "__float__":
        if body not in ("nan", "inf", "-inf"):
            raise CodecError("malformed wire value: bad float")
        return float(body)
    if tag == "__tuple__" and type(body) is list:
        return tuple(body)
    if tag == "__dict__" and type(body) is list:
        out = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2:
                raise CodecError("malformed wire value: bad dict item")
            try:
                out[pair[0]] = pair[1]
            except TypeError:
                raise CodecError("malformed wire value: unhashable dict key") from None
        return out
    if tag == "__ndarray__" and type(body) is list:
        return _array(body, budget)
    if tag == "__npscalar__" and type(body) is list and len(body) == 2 and _scalar(body[1]):
        dtype = _dtype(body[0])
        budget.take(dtype.itemsize)
        try:
            return dtype.type(body[1])
        except (TypeError, ValueError, OverflowError) as exc:
            raise CodecError(f"malformed wire value: {type(exc).__name__} in a numpy scalar") from None
    if tag == "__ref__" and type(body) is int and ref is not None:
        return ref(body)
    raise CodecError(f"malformed wire value: unknown tag {str(tag)[:40]!r}")


def from_wire(data: Any, ref: Any = None, _budget: _Budget | None = None) -> Any:
    """Decode JSON-ready tagged data (as parsed by :func:`loads`) back to plain Python values.

    Raises
    ------
    CodecError
        Malformed data, a dtype that is not allowed, or more than :data:`MAX_DECODED_BYTES` of
        decoded data (checked before allocating).
    """
    budget = _Budget(MAX_DECODED_BYTES) if _budget is None else _budget
    if isinstance(data, dict):
        budget.take(64 + 16 * len(data))
        return _tag({k: from_wire(v, ref, budget) for k, v in data.items()}, ref, budget)
    if isinstance(data, list):
        budget.take(64 + 8 * len(data))
        return [from_wire(v, ref, budget) for v in data]
    if data is None or type(data) in (bool, int, float, str):
        budget.take(32 + (len(data) if type(data) is str else 0))
        return data
    raise CodecError(f"malformed wire value of type {type(data).__name__}")


def dumps(value: Any, refs: Any = None) -> str:
    """Encode ``value`` to a JSON string (see :func:`to_wire`)."""
    return json.dumps(to_wire(value, refs), allow_nan=False, separators=(",", ":"))


def loads(text: str, ref: Any = None) -> Any:
    """Decode a JSON string made by :func:`dumps`; anything else raises :class:`CodecError`."""
    if not isinstance(text, str):
        raise CodecError("wire data must be a string")

    def no_constants(name: str) -> Any:
        raise CodecError(f"malformed wire value: bare {name}")

    try:
        return from_wire(json.loads(text, parse_constant=no_constants), ref)
    except RecursionError:
        raise CodecError("wire value nested too deeply") from None
    except CodecError:
        raise
    except ValueError as exc:  # json's own errors, ints of more than 4,300 digits
        raise CodecError(f"malformed wire data: {str(exc)[:200]}") from None
