"""What kind of column is this? Numbers, categories, identifiers or time stamps each need their own drift check.

A drift test is only as good as its assumptions, and a column's dtype alone can mislead:

* **identifiers** (customer IDs, UUID strings, running numbers stored as objects) hold a new value in
  nearly every row. As categories they make a table of counts of 0 and 1, on which the chi-square test
  is invalid (expected counts far below 5) and a permutation test has no power: two samples with no
  value in common would pass as "not drifted". What can be checked is how many current values were
  never seen in the reference (:func:`mlcourse.monitoring.unseen_share`);
* **time stamps** (``datetime64``, naive or with a time zone, or an object column of ``date`` and
  ``datetime`` objects) are ordered numbers on a time line, not categories: they are compared as
  integers since the epoch (UTC for time-zone-aware columns) with the KS test, like any number.
  Durations (``timedelta64``) are numbers too.

:func:`column_kind` tells them apart; :func:`time_numbers` turns time stamps into numbers.

Examples
--------
>>> import pandas as pd
>>> column_kind(pd.Series([1.5, 2.0, 2.5])), column_kind(pd.Series(["a", "b", "a", "a"]))
('numeric', 'categorical')
>>> column_kind(pd.Series([f"customer-{i}" for i in range(50)]))
'identifier'
>>> column_kind(pd.Series(pd.date_range("2024-01-01", periods=3, tz="UTC")))
'datetime'
"""

from __future__ import annotations

import datetime

import numpy as np

from mlcourse.monitoring._checks import check_share

KINDS = ("numeric", "categorical", "identifier", "datetime")

#: A label column is an identifier when at least this share of its reference rows are distinct values.
IDENTIFIER_SHARE = 0.9

# What an object column may hold to be compared as categories: values that are their own labels.
_LABEL_TYPES = (str, bytes, bool, int, float, np.bool_, np.integer, np.floating)


def _series(values, name: str):
    import pandas as pd

    if isinstance(values, pd.Series):
        return values
    if isinstance(values, (str, bytes)) or np.isscalar(values) or values is None:
        raise TypeError(f"{name} must be a 1-D array-like, got {type(values).__name__}")
    arr = np.asarray(values) if not isinstance(values, (list, tuple)) else values
    if getattr(arr, "ndim", 1) != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {np.shape(arr)}")
    return pd.Series(arr)


def _type_names(types) -> str:
    return ", ".join(sorted(t.__name__ for t in types))


def _object_kind(values, name: str) -> str:
    """``"datetime"`` for dates and datetimes only, ``"labels"`` for strings, numbers and booleans; else raise."""
    types = set(map(type, values))
    if types and all(issubclass(t, (datetime.date, np.datetime64)) for t in types):
        return "datetime"
    odd = {t for t in types if not issubclass(t, _LABEL_TYPES)}
    if odd:
        raise TypeError(
            f"{name} holds values of type {_type_names(odd)}, which cannot be compared as categories; "
            "convert them to strings or numbers first"
        )
    return "labels"


def column_kind(values, *, identifier_share: float | None = IDENTIFIER_SHARE) -> str:
    """The kind of a reference column, which decides its drift check in :class:`~mlcourse.monitoring.DriftReport`.

    Parameters
    ----------
    values : pandas Series or 1-D array-like
        The reference values, without missing values.
    identifier_share : float in (0, 1] or None, default=0.9
        A label column (strings, objects, pandas categories) with at least this share of distinct
        values among its rows is an identifier. ``None`` never calls a column an identifier.

    Returns
    -------
    {"numeric", "categorical", "identifier", "datetime"}
        * ``"datetime"``: ``datetime64`` (naive or time-zone aware), or objects that are all ``date``,
          ``datetime`` or ``numpy.datetime64``;
        * ``"numeric"``: real numbers (not booleans), and ``timedelta64`` durations;
        * ``"identifier"``: labels that are (nearly) all distinct, as above;
        * ``"categorical"``: booleans and other labels.

        Numbers are never identifiers: the KS test handles any number of distinct values. Name numeric
        ID columns in ``DriftReport(identifier=...)``. A tiny reference makes every label column look
        like an identifier: name its real categories in ``DriftReport(categorical=...)``.

    Raises
    ------
    TypeError
        For complex numbers, and for an object column that holds anything but strings, bytes, numbers,
        booleans (compared as category labels) or dates (compared as time stamps), such as lists.

    Examples
    --------
    >>> import pandas as pd
    >>> column_kind(pd.Series([True, False, True])), column_kind(pd.Series(pd.to_timedelta([1, 2], unit="s")))
    ('categorical', 'numeric')
    >>> ids = pd.Series(["u1", "u2", "u3", "u3"])  # 3 distinct values in 4 rows
    >>> column_kind(ids), column_kind(ids, identifier_share=0.75)
    ('categorical', 'identifier')
    """
    return _column_kind(_series(values, "values"), identifier_share, "values")


def _column_kind(series, identifier_share: float | None, name: str) -> str:
    import pandas as pd

    check_share(identifier_share, "identifier_share", allow_none=True)
    dtype = series.dtype
    types = pd.api.types
    if types.is_complex_dtype(dtype):
        raise TypeError(f"{name} holds complex numbers ({dtype}); drift statistics need real numbers, labels or dates")
    if types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if types.is_timedelta64_dtype(dtype):
        return "numeric"
    if types.is_bool_dtype(dtype):
        return "categorical"
    if types.is_numeric_dtype(dtype):
        return "numeric"
    if types.is_object_dtype(dtype) and _object_kind(series.to_numpy(), name) == "datetime":
        return "datetime"
    n = len(series)
    if identifier_share is not None and n > 0 and series.nunique() >= identifier_share * n:
        return "identifier"
    return "categorical"


def _instants(values, name: str) -> tuple[np.ndarray, bool]:
    """``datetime64`` (naive; UTC where ``values`` had a time zone) or ``timedelta64`` values, and whether tz-aware."""
    import pandas as pd

    series = _series(values, name)
    if pd.api.types.is_timedelta64_dtype(series.dtype):
        return series.to_numpy(), False
    if pd.api.types.is_object_dtype(series.dtype):
        if _object_kind(series.to_numpy(), name) != "datetime":
            raise TypeError(f"{name} must hold dates or times, got {_type_names(set(map(type, series)))}")
        aware = {getattr(v, "tzinfo", None) is not None for v in series}
        if len(aware) > 1:
            raise TypeError(f"{name} mixes time-zone-aware and naive times; localize them all first")
        series = pd.to_datetime(series, utc=aware == {True})
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        raise TypeError(f"{name} must hold dates, times or durations, got dtype {series.dtype}")
    aware = series.dt.tz is not None
    if aware:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series.to_numpy(), aware


def time_numbers(reference, current) -> tuple[np.ndarray, np.ndarray]:
    """Time stamps (or durations) as ``int64`` counts of one unit since the epoch, for the KS test and PSI bins.

    Both samples are cast to the finer of their two units (``numpy.promote_types``), so equal instants
    give equal integers and the KS statistic sees every tie. Time-zone-aware stamps are converted to
    UTC first; one sample aware and the other naive is an error, since their instants are ambiguous.

    Examples
    --------
    >>> import numpy as np
    >>> ref = np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[s]")
    >>> cur = np.array(["2024-01-01T12:00"], dtype="datetime64[s]")
    >>> [a.tolist() for a in time_numbers(ref, cur)]  # seconds since 1970-01-01
    [[1704067200, 1704153600], [1704110400]]
    """
    (ref, ref_aware), (cur, cur_aware) = _instants(reference, "reference"), _instants(current, "current")
    if ref.dtype.kind != cur.dtype.kind:
        raise TypeError(
            f"reference and current must both hold times or both durations, got {ref.dtype} and {cur.dtype}"
        )
    if ref_aware != cur_aware:
        raise TypeError("one of reference and current is time-zone aware and the other naive; localize both alike")
    unit = np.promote_types(ref.dtype, cur.dtype)
    return ref.astype(unit).view(np.int64), cur.astype(unit).view(np.int64)
