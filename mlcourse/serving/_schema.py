"""The feature schema: what a model was trained on, written down so that requests can be checked.

A schema is plain JSON data, a list with one entry per feature, in the model's column order::

    {"name": "mean radius", "kind": "float", "dtype": "float64", "nullable": false,
     "min": 6.98, "max": 28.11, "low": -14.15, "high": 49.24}
    {"name": "smoker", "kind": "bool", "dtype": "bool", "nullable": false}
    {"name": "region", "kind": "category", "dtype": "category", "nullable": false, "values": ["n", "s"]}

``min``/``max`` are the range seen in training; ``low``/``high`` the range a request may use: the
training range widened by ``range_margin`` times its width on each side (default: its whole width).
This is a sanity check for gross errors -- a unit mistake (millimetres for centimetres), a bug, an
input far beyond anything the model saw -- not an outlier filter: training extremes are noisy, and
real features have heavy tails. (On breast-cancer data, a margin of a quarter of the width refuses a
genuine held-out patient in most random train/test splits.) Subtler shifts are for monitoring. ``nullable`` is true when the training data had missing values (so the
pipeline must be able to impute them); then JSON ``null`` is accepted, never NaN.

Requests are checked by a pydantic model built from the schema (:func:`record_validator`): strict types
(``"1.5"`` is not a number, ``true`` is not a number, ``2.0`` is not an integer), finite numbers only,
no unknown fields, and every error names its field.
"""

from __future__ import annotations

import math
import numbers
from typing import Annotated, Any, Literal, Optional

import numpy as np

from mlcourse._validation import check_scalar
from mlcourse.serving._errors import SchemaValidationError

KINDS = ("float", "int", "bool", "category")

#: Largest number of distinct values a text column may have to count as a category.
MAX_CATEGORIES = 1000
#: Most errors one validation reports: enough to fix a request, few enough that a hostile one
#: (a record with 700,000 unknown fields) cannot make the server build them all.
MAX_ERRORS = 50


def _number(x: Any) -> float | int:
    """A JSON-safe Python number (numpy scalars become int or float)."""
    return x.item() if isinstance(x, np.generic) else x


def _round_outward(x: float, up: bool, digits: int = 4) -> float:
    """``x`` rounded to ``digits`` significant digits, up or down: 48.529 -> 48.53 (up), -12.728 -> -12.73."""
    if x == 0 or not math.isfinite(x):
        return x
    decimals = digits - 1 - math.floor(math.log10(abs(x)))
    scaled = (math.ceil if up else math.floor)(x * 10.0**decimals)
    return round(scaled / 10.0**decimals, decimals) if decimals > 0 else float(scaled * 10 ** (-decimals))


def _column_spec(name: str, col: Any, range_margin: float | None) -> dict[str, Any]:
    import pandas as pd

    dtype = col.dtype
    spec: dict[str, Any] = {"name": name, "dtype": str(dtype), "nullable": bool(col.isna().any())}
    if (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    ):
        if isinstance(dtype, pd.CategoricalDtype):
            values = list(dtype.categories)
        else:
            values = list(pd.unique(col.dropna()))
        bad = [v for v in values if not isinstance(v, (str, int, np.integer)) or isinstance(v, (bool, np.bool_))]
        if bad:
            raise TypeError(f"X column {name!r}: category values must be str or int, got {type(bad[0]).__name__}")
        if len(values) > MAX_CATEGORIES:
            raise ValueError(f"X column {name!r} has {len(values)} distinct values; at most {MAX_CATEGORIES}")
        spec.update(kind="category", values=sorted((_number(v) for v in values), key=lambda v: (str(type(v)), v)))
        return spec
    if pd.api.types.is_bool_dtype(dtype):
        spec["kind"] = "bool"
        return spec
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
        spec["kind"] = "int" if pd.api.types.is_integer_dtype(dtype) else "float"
        values = col.dropna().to_numpy(dtype=np.float64)
        if len(values) == 0:
            raise ValueError(f"X column {name!r} has no values (all missing)")
        if not np.isfinite(values).all():
            raise ValueError(f"X column {name!r} contains inf; the schema needs finite training values")
        lo, hi = _number(col.min()), _number(col.max())
        spec.update(min=lo, max=hi, low=None, high=None)
        if range_margin is not None:
            # A constant column has no width: widen by its own size (or 1) instead.
            width = float(hi - lo) or max(abs(float(lo)), 1.0)
            low, high = float(lo) - range_margin * width, float(hi) + range_margin * width
            if spec["kind"] == "int":  # whole-number bounds for whole-number features
                low, high = math.ceil(low), math.floor(high)
            else:  # 4 significant digits, rounded outwards: readable in an error message, never narrower
                low, high = _round_outward(low, up=False), _round_outward(high, up=True)
            spec.update(low=low, high=high)
        return spec
    raise TypeError(f"X column {name!r} has dtype {dtype}; a schema supports numbers, bools and categories")


def infer_schema(X: Any, *, range_margin: float | None = 1.0) -> list[dict[str, Any]]:
    """Describe the columns of training data ``X`` as a feature schema (plain JSON data).

    Parameters
    ----------
    X : pandas DataFrame or 2-D array-like
        Training features. Arrays get the names ``x0, x1, ...``.
    range_margin : float or None, default=1.0
        Numbers may be at most this fraction of the training range below its minimum or above its
        maximum. ``None`` turns range checks off.

    Returns
    -------
    schema : list of dict
        One entry per feature, in column order (see the module docstring).

    Raises
    ------
    TypeError
        ``range_margin`` is not a number (a bool is not), or a column's dtype has no schema kind.
    ValueError
        ``range_margin`` is negative, or ``X`` is empty, not 2-D, has duplicate names or non-finite values.

    Examples
    --------
    >>> import pandas as pd
    >>> schema = infer_schema(pd.DataFrame({"age": [20, 60], "smoker": [True, False]}))
    >>> [(f["name"], f["kind"]) for f in schema]
    [('age', 'int'), ('smoker', 'bool')]
    >>> schema[0]["low"], schema[0]["high"]  # widened by the training width, 40, on each side
    (-20, 100)
    """
    import pandas as pd

    if range_margin is not None:
        check_scalar(range_margin, "range_margin", numbers.Real, min_val=0)
    if not isinstance(X, pd.DataFrame):
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise ValueError(f"X must be a DataFrame or a 2-D array, got an array of shape {arr.shape}")
        X = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must have at least one row and one column, got shape {X.shape}")
    names = [str(c) for c in X.columns]
    if len(set(names)) != len(names):
        raise ValueError("X has duplicate column names")
    return [_column_spec(name, X[col], range_margin) for name, col in zip(names, X.columns, strict=True)]


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def check_schema(schema: Any) -> list[dict[str, Any]]:
    """Return ``schema`` if it is a well-formed feature schema, else raise ``ValueError`` saying why.

    Every entry is checked field by field (a schema may come from a file someone edited): a name,
    a kind, a dtype, ``nullable`` true or false, finite bounds, and category values that are
    distinct strings or integers.
    """
    if not isinstance(schema, list) or not schema:
        raise ValueError("feature_schema must be a non-empty list of feature entries")
    seen = set()
    for i, spec in enumerate(schema):
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise ValueError(f"feature_schema[{i}] must be a dict with a str 'name'")
        where = f"feature_schema[{i}] ({spec['name']!r})"
        if spec["name"] in seen:
            raise ValueError(f"feature_schema: feature {spec['name']!r} appears twice")
        seen.add(spec["name"])
        if spec.get("kind") not in KINDS:
            raise ValueError(f"{where}: kind must be one of {KINDS}")
        if not isinstance(spec.get("dtype", ""), str) or not isinstance(spec.get("nullable", False), bool):
            raise ValueError(f"{where}: dtype must be a str and nullable true or false")
        for bound in ("min", "max", "low", "high"):
            if spec.get(bound) is not None and not _is_number(spec[bound]):
                raise ValueError(f"{where}: {bound} must be a finite number or null, got {spec[bound]!r}")
        if spec["kind"] == "category":
            values = spec.get("values")
            if not (isinstance(values, list) and values):
                raise ValueError(f"{where}: a category needs a non-empty 'values' list")
            if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
                raise ValueError(f"{where}: category values must be strings or integers")
            if len(set(values)) != len(values):
                raise ValueError(f"{where}: a category value appears twice")
    return schema


def _field_type(spec: dict[str, Any]) -> Any:
    from pydantic import Field, Strict

    kind = spec["kind"]
    if kind == "category":
        tp: Any = Literal[tuple(spec["values"])]
    elif kind == "bool":
        tp = Annotated[bool, Strict()]
    else:
        bounds = {}
        if spec.get("low") is not None:
            bounds["ge"] = spec["low"]
        if spec.get("high") is not None:
            bounds["le"] = spec["high"]
        if kind == "int":
            tp = Annotated[int, Strict(), Field(**bounds)]
        else:
            # Strict floats still take JSON integers (3 is a fine 3.0), but not "3" or true.
            tp = Annotated[float, Strict(), Field(allow_inf_nan=False, **bounds)]
    return Optional[tp] if spec.get("nullable") else tp  # noqa: UP045 - a runtime type, built dynamically


def record_validator(schema: list[dict[str, Any]]) -> Any:
    """A pydantic ``TypeAdapter`` that validates a list of records (dicts) against ``schema``.

    The record type is a ``TypedDict`` built from the schema, so valid records come back as plain
    dicts; unknown fields are forbidden.
    """
    from pydantic import ConfigDict, TypeAdapter
    from typing_extensions import TypedDict

    check_schema(schema)
    fields = {spec["name"]: _field_type(spec) for spec in schema}
    record = TypedDict("Record", fields)  # type: ignore[misc]
    record.__pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[attr-defined]
    return TypeAdapter(list[record])


def _range_hint(spec: dict[str, Any]) -> str:
    if spec.get("min") is None or spec.get("max") is None:  # a hand-written schema may give bounds only
        return ""
    return f" (training data spans {spec['min']:.6g} to {spec['max']:.6g})"


def _unknown_fields(records: Any, names: set[str], prefix: tuple, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` unknown fields of a record that has at least ``limit`` more fields than the
    schema (else nothing).

    Such a record would fill the error list with unknown fields alone; this finds them without
    handing the validator a record of a million fields, each of which it would turn into an error.
    """
    errors: list[dict[str, Any]] = []
    if not isinstance(records, list):
        return errors
    for i, record in enumerate(records):
        if isinstance(record, dict) and len(record) >= len(names) + limit:
            for key in record:
                if key not in names:
                    errors.append(
                        {"loc": [*prefix, i, key], "msg": "Extra inputs are not permitted", "type": "extra_forbidden"}
                    )
                    if len(errors) >= limit:
                        return errors
    return errors


def validate_records(
    records: Any,
    schema: list[dict[str, Any]],
    *,
    validator: Any = None,
    prefix: tuple = (),
    max_errors: int = MAX_ERRORS,
) -> list[dict[str, Any]]:
    """Check ``records`` (a list of dicts) against ``schema``; return them as validated dicts.

    Parameters
    ----------
    records : list of dict
        One dict per row, ``{feature name: value}``.
    schema : list of dict
        The feature schema (:func:`infer_schema`).
    validator : pydantic.TypeAdapter, optional
        A cached :func:`record_validator` of ``schema`` (building one costs about a millisecond).
    prefix : tuple, default=()
        Put in front of each error's ``loc``, e.g. ``("records",)``.
    max_errors : int, default=MAX_ERRORS
        Most errors to report (the error says when there were more).

    Returns
    -------
    rows : list of dict

    Raises
    ------
    SchemaValidationError
        Naming every field that is missing, unknown, of the wrong type, not finite or out of range.

    Examples
    --------
    >>> import pandas as pd
    >>> schema = infer_schema(pd.DataFrame({"age": [20.0, 60.0]}))
    >>> validate_records([{"age": 30}], schema)
    [{'age': 30.0}]
    >>> validate_records([{"age": "thirty"}], schema)
    Traceback (most recent call last):
    ...
    mlcourse.serving.SchemaValidationError: [0].age: Input should be a valid number
    """
    from pydantic import ValidationError

    by_name = {spec["name"]: spec for spec in schema}
    unknown = _unknown_fields(records, set(by_name), prefix, max_errors)
    if unknown:
        raise SchemaValidationError(unknown, truncated=len(unknown) >= max_errors)
    validator = validator or record_validator(schema)
    try:
        return validator.validate_python(records)
    except ValidationError as exc:
        errors = []
        for err in exc.errors(include_url=False, include_input=False, include_context=False)[:max_errors]:
            msg = err["msg"]
            field = err["loc"][-1] if err["loc"] else None
            if err["type"] in ("greater_than_equal", "less_than_equal") and field in by_name:
                msg += _range_hint(by_name[field])
            errors.append({"loc": [*prefix, *err["loc"]], "msg": msg, "type": err["type"]})
        raise SchemaValidationError(errors, truncated=exc.error_count() > max_errors) from None


def frame_from_rows(rows: list[dict[str, Any]], schema: list[dict[str, Any]]) -> Any:
    """A DataFrame of validated ``rows`` with the training column order and dtypes.

    ``None`` (allowed for nullable features) becomes a missing value.
    """
    import pandas as pd

    names = [spec["name"] for spec in schema]
    if all(spec["dtype"] == "float64" for spec in schema):
        # The common all-float case in one 2-D array: about 5x faster than column by column.
        arr = np.array([[math.nan if r[n] is None else r[n] for n in names] for r in rows], dtype=np.float64)
        return pd.DataFrame(arr.reshape(len(rows), len(names)), columns=names)
    columns = {}
    for spec in schema:
        values = [r[spec["name"]] for r in rows]
        columns[spec["name"]] = _column(values, spec)
    return pd.DataFrame(columns, columns=names)


def _column(values: list[Any], spec: dict[str, Any]) -> Any:
    import pandas as pd

    dtype = spec["dtype"]
    if spec["kind"] == "category":
        if dtype == "category":
            return pd.Categorical(values, categories=spec["values"])
        return np.array(values, dtype=object) if dtype == "object" else pd.array(values, dtype=dtype)
    try:
        np_dtype = np.dtype(dtype)
    except TypeError:  # a pandas extension dtype (Int64, boolean, Float64): it holds None itself
        return pd.array(values, dtype=dtype)
    if np_dtype.kind in "iuf" and any(v is None for v in values):
        # numpy integers cannot be missing; pandas would have stored such a column as float anyway.
        return np.array([math.nan if v is None else v for v in values], dtype=np.float64)
    return np.array(values, dtype=np_dtype)
