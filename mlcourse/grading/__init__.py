"""Autograding for mlcourse assignments: ``release``, ``check`` and ``grade``.

Importing this package is cheap: it defines :func:`award` (partial credit, usable in test cells)
and loads the rest on first use (``mlcourse.grading.grade``, ``.release``, ``.check``, ...).
"""

from __future__ import annotations

import importlib
import numbers
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from mlcourse._validation import check_scalar

_SUBMODULES = frozenset(
    {
        "agent",
        "batch",
        "bridge",
        "check",
        "codec",
        "format",
        "grade",
        "imports",
        "kernel",
        "release",
        "report",
        "results",
    }
)

#: Where :func:`award` records, in this context: set while the grader runs a test cell, else None.
#: A context variable, not a global, so that what one test cell earns never lands in another's list.
_recorder: ContextVar[list[tuple[float, str]] | None] = ContextVar("mlcourse_award_recorder", default=None)


def award(fraction: float, reason: str = "") -> None:
    """Award ``fraction`` of this question's points, with a ``reason`` shown to the student.

    Call it from a test cell. A question whose test cell calls ``award`` earns the sum of the
    fractions awarded (at most 1) by the time the cell ends, even when a later assert fails; a test
    cell that never calls it earns all the points when every assert passes and none otherwise.
    Outside the grader (running the test cell yourself) it prints what would be earned.

    Parameters
    ----------
    fraction : float
        Between 0 and 1.
    reason : str
        What the student earned it for ("handles the balanced case").

    Examples
    --------
    >>> award(0.5, "handles the balanced case")
    partial credit: 50% of the points (handles the balanced case)
    >>> with recording_awards() as earned:
    ...     award(0.25, "clips values above 1")
    >>> earned
    [(0.25, 'clips values above 1')]
    """
    check_scalar(fraction, "fraction", numbers.Real, min_val=0, max_val=1)
    if not isinstance(reason, str):
        raise TypeError(f"reason must be a str, not {type(reason).__name__}")
    recorder = _recorder.get()
    if recorder is not None:
        recorder.append((float(fraction), reason))
    else:
        print(f"partial credit: {fraction:.0%} of the points" + (f" ({reason})" if reason else ""))


@contextmanager
def recording_awards() -> Iterator[list[tuple[float, str]]]:
    """Collect the ``(fraction, reason)`` of every :func:`award` made in this context inside the block.

    The grader runs each test cell inside one. The list is this block's own: a nested block, or
    another thread or task with a context of its own, records elsewhere.
    """
    awards: list[tuple[float, str]] = []
    token = _recorder.set(awards)
    try:
        yield awards
    finally:
        _recorder.reset(token)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'mlcourse.grading' has no attribute {name!r}")


__all__ = ["award", "recording_awards", *sorted(_SUBMODULES)]
