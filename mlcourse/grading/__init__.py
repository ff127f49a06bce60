"""Autograding for mlcourse assignments: ``release``, ``check`` and ``grade``.

Importing this package is cheap: it defines :func:`award` (partial credit, usable in test cells)
and loads the rest on first use (``mlcourse.grading.grade``, ``.release``, ``.check``, ...).
"""

from __future__ import annotations

import importlib
from typing import Any

_SUBMODULES = frozenset(
    {"agent", "batch", "bridge", "check", "codec", "format", "grade", "imports", "kernel", "release", "report"}
)

#: While the grader runs a test cell, awards are appended here; otherwise they are printed.
_RECORDER: list[tuple[float, str]] | None = None


def award(fraction: float, reason: str = "") -> None:
    """Award ``fraction`` of this question's points, with a ``reason`` shown to the student.

    Call it from a test cell. A question whose test cell calls ``award`` earns the sum of the
    fractions awarded (at most 1) by the time the cell ends, even when a later assert fails; a test
    cell that never calls it earns all the points when every assert passes and none otherwise.

    Parameters
    ----------
    fraction : float
        Between 0 and 1.
    reason : str
        What the student earned it for ("handles the balanced case").
    """
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)):
        raise TypeError(f"fraction must be a number between 0 and 1, not {type(fraction).__name__}")
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction!r}")
    if not isinstance(reason, str):
        raise TypeError(f"reason must be a str, not {type(reason).__name__}")
    if _RECORDER is not None:
        _RECORDER.append((float(fraction), reason))
    else:
        print(f"partial credit: {fraction:.0%} of the points" + (f" ({reason})" if reason else ""))


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'mlcourse.grading' has no attribute {name!r}")


__all__ = ["award", *sorted(_SUBMODULES)]
