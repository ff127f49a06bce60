"""Argument checks shared by every package: one place that names the argument at fault.

:func:`check_scalar` takes scikit-learn's signature (``sklearn.utils.check_scalar``) and raises the
same kinds of error, with a message that names the argument. A bool is never a number here:
``True`` is an ``int`` to Python, but ``n_epochs=True`` is a mistake.
"""

from __future__ import annotations

import numbers
from typing import Any

_BOUNDARIES = ("both", "neither", "left", "right")


def is_number(x: Any) -> bool:
    """True for an int or float (numpy scalars included), False for a bool.

    >>> is_number(3), is_number(2.5), is_number(True), is_number("3")
    (True, True, False, False)
    """
    return isinstance(x, numbers.Real) and not isinstance(x, (bool,)) and type(x).__name__ != "bool_"


def check_scalar(
    x: Any,
    name: str,
    target_type: type | tuple[type, ...],
    *,
    min_val: float | None = None,
    max_val: float | None = None,
    include_boundaries: str = "both",
) -> Any:
    """Return ``x`` if it is a scalar of ``target_type`` within the bounds, else raise naming ``name``.

    Parameters
    ----------
    x : object
        The value to check.
    name : str
        The argument's name, for the error message.
    target_type : type or tuple of types
        Accepted types (``numbers.Integral``, ``numbers.Real``, ``float``, ...). A bool passes only
        when ``bool`` itself is listed.
    min_val, max_val : float, optional
        Bounds; ``None`` for none.
    include_boundaries : {"both", "neither", "left", "right"}, default="both"
        Which bounds ``x`` may equal.

    Returns
    -------
    x : object
        ``x`` itself.

    Raises
    ------
    TypeError
        ``x`` is not of ``target_type`` (or is a bool where a number is wanted).
    ValueError
        ``x`` is outside the bounds (NaN always is, when there is a bound).

    Examples
    --------
    >>> check_scalar(0.1, "lr", numbers.Real, min_val=0, include_boundaries="neither")
    0.1
    >>> check_scalar(True, "n_epochs", numbers.Integral)
    Traceback (most recent call last):
    ...
    TypeError: n_epochs must be an instance of Integral, not bool
    >>> check_scalar(0, "n_epochs", numbers.Integral, min_val=1)
    Traceback (most recent call last):
    ...
    ValueError: n_epochs == 0, must be >= 1.
    """
    if include_boundaries not in _BOUNDARIES:
        raise ValueError(f"include_boundaries must be one of {_BOUNDARIES}, got {include_boundaries!r}")
    types = target_type if isinstance(target_type, tuple) else (target_type,)
    bool_wanted = bool in types
    if (
        not isinstance(x, types)
        or (isinstance(x, bool) and not bool_wanted)
        or (type(x).__name__ == "bool_" and not bool_wanted)
    ):
        expected = " or ".join(t.__name__ for t in types)
        raise TypeError(f"{name} must be an instance of {expected}, not {type(x).__name__}")
    low_closed = include_boundaries in ("both", "left")
    high_closed = include_boundaries in ("both", "right")
    if min_val is not None and not (x >= min_val if low_closed else x > min_val):
        raise ValueError(f"{name} == {x}, must be {'>=' if low_closed else '>'} {min_val}.")
    if max_val is not None and not (x <= max_val if high_closed else x < max_val):
        raise ValueError(f"{name} == {x}, must be {'<=' if high_closed else '<'} {max_val}.")
    return x
