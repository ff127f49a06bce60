"""Argument checks of the monitoring package: whole counts and shares, bools refused, errors naming the argument.

Both raise ``ValueError`` for a value of the wrong type as well as one out of range, as the package always has:
``n_bins=True`` and ``n_bins=1`` are the same mistake to the caller.
"""

from __future__ import annotations

from numbers import Integral

from mlcourse._validation import is_number


def check_int(value, name: str, low: int, *, allow_none: bool = False) -> int | None:
    """``value`` as an ``int`` if it is a whole number (not a bool) of at least ``low``; else a ``ValueError``.

    ``None`` passes (and is returned) where ``allow_none``.

    Examples
    --------
    >>> check_int(3, "n_bins", 2)
    3
    >>> check_int(True, "n_bins", 2)
    Traceback (most recent call last):
    ...
    ValueError: n_bins must be an integer >= 2, got True
    """
    if value is None and allow_none:
        return None
    if not (is_number(value) and isinstance(value, Integral)) or value < low:
        raise ValueError(f"{name} must be {'None or ' if allow_none else ''}an integer >= {low}, got {value!r}")
    return int(value)


def check_share(value, name: str, *, allow_none: bool = False, noun: str = "a number") -> None:
    """Raise a ``ValueError`` unless ``value`` is a number (not a bool) in (0, 1], or None where allowed.

    Examples
    --------
    >>> check_share(0.05, "alpha")
    >>> check_share(0, "alpha")
    Traceback (most recent call last):
    ...
    ValueError: alpha must be a number in (0, 1], got 0
    """
    if value is None and allow_none:
        return
    if not is_number(value) or not 0 < value <= 1:
        raise ValueError(f"{name} must be {'None or ' if allow_none else ''}{noun} in (0, 1], got {value!r}")
