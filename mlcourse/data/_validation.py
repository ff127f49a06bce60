"""Data validation from scratch: a small schema of column rules and a report of every violation.

A pipeline that stops at the first bad value tells you about one problem per run; a report of
all of them tells you what kind of mess you have. The design follows pandera's (``Column`` rules
collected in a ``Schema``), in a few dozen lines of pandas.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlcourse._validation import check_param, check_scalar, is_number

#: Types a :class:`Column` can require of each value.
DTYPES = ("any", "number", "integer", "string", "bool")

#: Columns of the report :func:`validate` returns.
REPORT_COLUMNS = ["row", "column", "rule", "value", "expected"]


@dataclass(frozen=True)
class Column:
    """The rules one column must follow. Every rule is optional.

    Parameters
    ----------
    dtype : {"any", "number", "integer", "string", "bool"}, default="any"
        Type of every non-missing value. ``"number"`` accepts ints and floats (not booleans);
        ``"integer"`` also accepts floats with no fractional part (``3.0``), as pandas stores
        integer columns with gaps as floats.
    min, max : float, optional
        Inclusive bounds on the value (checked on values that pass the type rule).
    allowed : iterable, optional
        The only values allowed (categories), compared exactly: ``"Benign"`` is not ``"benign"``.
    nullable : bool, default=True
        Whether missing values (None, NaN) are allowed.
    unique : bool, default=False
        Whether every non-missing value must be different (an ID column).

    Examples
    --------
    >>> from mlcourse.data import Column
    >>> Column("number", min=0)
    Column(dtype='number', min=0, max=None, allowed=None, nullable=True, unique=False)
    """

    dtype: str = "any"
    min: float | None = None
    max: float | None = None
    allowed: tuple | None = None
    nullable: bool = True
    unique: bool = False

    def __post_init__(self):
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        for name in ("min", "max"):
            if getattr(self, name) is not None:
                check_scalar(getattr(self, name), name, numbers.Real)
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min must not exceed max, got min={self.min!r} and max={self.max!r}")
        if self.allowed is not None:
            if isinstance(self.allowed, str) or not isinstance(self.allowed, Iterable):
                raise TypeError(f"allowed must be a collection of values, got {self.allowed!r}")
            object.__setattr__(self, "allowed", tuple(self.allowed))  # frozen: hashable and immutable
        for name in ("nullable", "unique"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class Schema:
    """Rules for a whole table: one :class:`Column` per named column, plus table-wide rules.

    Parameters
    ----------
    columns : mapping of str to Column
        The rules for each column. A column named here but absent from the data is a violation.
    unique_rows : bool, default=False
        Whether a row may repeat an earlier row exactly (a duplicated record).
    allow_extra : bool, default=True
        Whether the data may have columns the schema does not name.

    Examples
    --------
    >>> from mlcourse.data import Column, Schema
    >>> schema = Schema({"age": Column("integer", min=0, max=120, nullable=False)}, unique_rows=True)
    >>> list(schema.columns)
    ['age']
    """

    columns: Mapping[str, Column]
    unique_rows: bool = False
    allow_extra: bool = True

    def __post_init__(self):
        if not isinstance(self.columns, Mapping):
            raise TypeError(f"columns must be a mapping of column name to Column, got {type(self.columns).__name__}")
        for name, rule in self.columns.items():
            if not isinstance(rule, Column):
                raise TypeError(f"columns[{name!r}] must be a Column, got {type(rule).__name__}")
        object.__setattr__(self, "columns", dict(self.columns))


def validate(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Check ``df`` against ``schema`` and report every violation, not just the first.

    Parameters
    ----------
    df : pandas.DataFrame
        The data to check; not modified.
    schema : Schema
        The rules.

    Returns
    -------
    report : pandas.DataFrame
        One row per violation with columns ``row`` (the index label in ``df``; None for a rule
        about a whole column), ``column`` (None for a whole-row rule), ``rule`` (one of
        ``"missing_column"``, ``"unexpected_column"``, ``"not_null"``, ``"dtype"``, ``"min"``,
        ``"max"``, ``"allowed"``, ``"unique"``, ``"duplicate_row"``), ``value`` (the offending value)
        and ``expected`` (what the rule wanted). Empty when ``df`` follows every rule. A value of the
        wrong type is only reported as ``"dtype"``: its range is not checked. For ``unique`` and
        ``duplicate_row``, the first occurrence is fine and each later repeat is a violation.

    Raises
    ------
    TypeError
        If ``df`` is not a DataFrame or ``schema`` not a Schema.

    See Also
    --------
    summarize : counts of the report per column and rule.
    pandas.DataFrame.dtypes, pandas.DataFrame.describe, pandas.DataFrame.isna : the pandas tools
        that show the same problems one summary statistic at a time.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlcourse.data import Column, Schema, validate
    >>> df = pd.DataFrame({"age": [34, -1, np.nan, 250], "sex": ["f", "m", "M", "f"]})
    >>> schema = Schema({"age": Column("number", min=0, max=120, nullable=False),
    ...                  "sex": Column("string", allowed=["f", "m"])})
    >>> validate(df, schema)[["row", "column", "rule", "value"]]
      row column      rule  value
    0   2    age  not_null    NaN
    1   1    age       min   -1.0
    2   3    age       max  250.0
    3   2    sex   allowed      M
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    if not isinstance(schema, Schema):
        raise TypeError(f"schema must be a Schema, got {type(schema).__name__}")
    found: list[tuple] = []
    for name, rule in schema.columns.items():
        if name not in df.columns:
            found.append((None, name, "missing_column", None, "column present"))
        else:
            found.extend(_check_column(df[name], name, rule))
    if not schema.allow_extra:
        found.extend(
            (None, c, "unexpected_column", None, "no such column") for c in df.columns if c not in schema.columns
        )
    if schema.unique_rows:
        repeats = df.index[df.duplicated(keep="first").to_numpy()]
        found.extend((row, None, "duplicate_row", None, "no exact repeat of an earlier row") for row in repeats)
    report = pd.DataFrame(found, columns=REPORT_COLUMNS, dtype=object)
    return report


def _is_type(value, dtype: str) -> bool:
    if dtype == "any":
        return True
    if dtype == "bool":
        return isinstance(value, (bool, np.bool_))
    if dtype == "string":
        return isinstance(value, str)
    if dtype == "number":
        return is_number(value)
    return is_number(value) and float(value).is_integer()  # "integer"


def _check_column(series: pd.Series, name: str, rule: Column) -> list[tuple]:
    found = []
    missing = series.isna().to_numpy()
    if not rule.nullable:
        found += [(row, name, "not_null", value, "a value") for row, value in series[missing].items()]
    present = series[~missing]
    numeric_column = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if rule.dtype == "any" or (rule.dtype == "number" and numeric_column):
        typed = np.ones(len(present), dtype=bool)  # fast path: the column's dtype already guarantees it
    else:
        # One Python-level check per value: the point is to catch the strings hiding in a number column.
        typed = np.array([_is_type(v, rule.dtype) for v in present], dtype=bool)
    found += [(row, name, "dtype", value, rule.dtype) for row, value in present[~typed].items()]
    if rule.min is not None or rule.max is not None:
        numeric = present[typed]
        if not numeric_column:  # compare numbers only, never a string with a number
            numeric = numeric[[isinstance(v, numbers.Real) for v in numeric]]
        if rule.min is not None:
            found += [(row, name, "min", v, f">= {rule.min}") for row, v in numeric[numeric < rule.min].items()]
        if rule.max is not None:
            found += [(row, name, "max", v, f"<= {rule.max}") for row, v in numeric[numeric > rule.max].items()]
    if rule.allowed is not None:
        allowed = set(rule.allowed)
        outside = [v not in allowed for v in present]
        found += [(row, name, "allowed", v, f"one of {list(rule.allowed)}") for row, v in present[outside].items()]
    if rule.unique:
        repeats = present[present.duplicated(keep="first").to_numpy()]
        found += [(row, name, "unique", v, "a value not seen in an earlier row") for row, v in repeats.items()]
    return found


def summarize(report: pd.DataFrame) -> pd.DataFrame:
    """Count a validation report's violations per column and rule, with a few example values.

    Parameters
    ----------
    report : pandas.DataFrame
        As returned by :func:`validate`.

    Returns
    -------
    summary : pandas.DataFrame
        Columns ``column``, ``rule``, ``n_violations`` and ``examples`` (up to three distinct
        offending values, as text), most frequent problem first.

    Examples
    --------
    >>> import pandas as pd
    >>> from mlcourse.data import Column, Schema, summarize, validate
    >>> df = pd.DataFrame({"size": [1.0, -2.0, -3.0, 99.0]})
    >>> summarize(validate(df, Schema({"size": Column("number", min=0, max=10)})))
      column rule  n_violations    examples
    0   size  min             2  -2.0, -3.0
    1   size  max             1        99.0
    """
    if not isinstance(report, pd.DataFrame) or not set(REPORT_COLUMNS) <= set(report.columns):
        raise TypeError(f"report must be a DataFrame returned by validate(), with columns {REPORT_COLUMNS}")
    rows = []
    # Group by hand: groupby would drop the None column of whole-row rules, and sort rule names.
    for (column, rule), group in report.groupby(
        [report["column"].fillna("<row>"), report["rule"]], sort=False, dropna=False
    ):
        examples = list(dict.fromkeys(repr(v) if isinstance(v, str) else str(v) for v in group["value"]))[:3]
        rows.append((None if column == "<row>" else column, rule, len(group), ", ".join(examples)))
    summary = pd.DataFrame(rows, columns=["column", "rule", "n_violations", "examples"], dtype=object)
    summary["n_violations"] = summary["n_violations"].astype("int64")
    return summary.sort_values("n_violations", ascending=False, kind="stable").reset_index(drop=True)


def infer_schema(df: pd.DataFrame, *, max_categories: int = 20, unique_rows: bool | None = None) -> Schema:
    """Learn a schema from data you trust: types, observed ranges, categories and null rules.

    Run it once on a clean reference set, then :func:`validate` every new batch against the result:
    anything outside what the reference showed gets reported.

    Parameters
    ----------
    df : pandas.DataFrame
        The trusted data.
    max_categories : int, default=20
        A text column with at most this many distinct values gets an ``allowed`` rule.
    unique_rows : bool, optional
        Passed to the schema: forbid exact repeats of a row. By default, forbidden unless the
        reference itself has repeated rows (iris does: two flowers measured alike).

    Returns
    -------
    schema : Schema
        ``"number"`` (``"integer"`` for integer columns) with ``min``/``max`` the observed range,
        ``"string"`` with the observed categories, ``"bool"``, or ``"any"``; ``nullable`` only where
        the reference had missing values.

    Examples
    --------
    >>> import pandas as pd
    >>> from mlcourse.data import infer_schema
    >>> infer_schema(pd.DataFrame({"n": [1, 5], "c": ["a", "b"]})).columns["n"]
    Column(dtype='integer', min=1, max=5, allowed=None, nullable=False, unique=False)
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    check_param(max_categories, "max_categories", int, min_val=0)
    columns = {}
    for name in df.columns:
        s = df[name]
        nullable = bool(s.isna().any())
        if pd.api.types.is_bool_dtype(s):
            columns[name] = Column("bool", nullable=nullable)
        elif pd.api.types.is_numeric_dtype(s):
            dtype = "integer" if pd.api.types.is_integer_dtype(s) else "number"
            observed = s.dropna()
            # Python numbers, so the schema prints and compares like hand-written rules.
            lo, hi = (observed.min().item(), observed.max().item()) if len(observed) else (None, None)
            columns[name] = Column(dtype, min=lo, max=hi, nullable=nullable)
        elif all(isinstance(v, str) for v in s.dropna()):
            categories = sorted(s.dropna().unique().tolist())
            allowed = categories if len(categories) <= max_categories else None
            columns[name] = Column("string", allowed=allowed, nullable=nullable)
        else:
            columns[name] = Column("any", nullable=nullable)
    if unique_rows is None:
        unique_rows = not df.duplicated().any()
    return Schema(columns, unique_rows=bool(unique_rows))
