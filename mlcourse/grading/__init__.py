"""Autograding for mlcourse assignments: ``release``, ``check`` and ``grade``.

Importing this package is cheap: it defines :func:`award` (partial credit, usable in test cells) and
:func:`define` (a function made where the student's code runs, for tests that test the student's tests),
and loads the rest on first use (``mlcourse.grading.grade``, ``.release``, ``.check``, ...).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from mlcourse._lazy import lazy_getattr
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


#: How :func:`define` makes a function, in this context: set while the grader runs a test cell (it then
#: sends the source to the student's kernel), else None (the function is made here).
_definer: ContextVar[Callable[[str, str], Any] | None] = ContextVar("mlcourse_definer", default=None)


def define(source: str, name: str) -> Callable[..., Any]:
    """Run ``source`` where the student's code runs and return the function it defines as ``name``.

    For assignments that grade the student's *tests*: a test cell hands a student's test function an
    implementation -- a correct one, which the test must pass, or a buggy one (a mutant), which it must
    fail. Functions cannot cross the grader's process boundary, so the implementation is made from its
    source text inside the student's kernel, where the student's test can call it; the grader gets a
    handle to pass. Run by hand (a learner's own kernel, ``mlcourse check``) it is made here. The
    source is the assignment author's: it may import what the student may not.

    Parameters
    ----------
    source : str
        Python code that defines ``name`` (and anything it needs).
    name : str
        The function to return.

    Returns
    -------
    function : callable

    Examples
    --------
    >>> off_by_one = define("def top(xs, k):\\n    return sorted(xs)[-k - 1:]", "top")
    >>> off_by_one([3, 1, 2], 1)
    [2, 3]
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a str, not {type(source).__name__}")
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier, got {name!r}")
    definer = _definer.get()
    if definer is not None:
        return definer(source, name)
    namespace: dict[str, Any] = {"__name__": "__mlcourse_reference__"}
    exec(compile(source, "<mlcourse reference>", "exec"), namespace)
    if not callable(namespace.get(name)):
        raise ValueError(f"source does not define a function named {name!r}")
    return namespace[name]


@contextmanager
def defining_with(definer: Callable[[str, str], Any]) -> Iterator[None]:
    """Inside the block, :func:`define` calls ``definer(source, name)`` (the grader's kernel bridge)."""
    token = _definer.set(definer)
    try:
        yield
    finally:
        _definer.reset(token)


__getattr__ = lazy_getattr(__name__, submodules=_SUBMODULES)


__all__ = ["award", "define", "defining_with", "recording_awards", *sorted(_SUBMODULES)]
