"""Shared helpers (no tests here) for the metrics parity and bad-input tests: run both twins, compare."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from hypothesis import event
from hypothesis.control import currently_in_test_context

RTOL = ATOL = 1e-12


@dataclass
class Outcome:
    """What one call did: its value, or the exception it raised, and the warnings it emitted."""

    value: object = None
    error: BaseException | None = None
    warnings: set[str] = field(default_factory=set)
    runtime_warnings: list[str] = field(default_factory=list)


def run(fn, *args, **kwargs) -> Outcome:
    out = Outcome()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out.value = fn(*args, **kwargs)
        except Exception as err:  # every failure is compared with the twin's
            out.error = err
    for w in caught:
        if w.category.__name__ == "UndefinedMetricWarning":
            out.warnings.add("UndefinedMetricWarning")
        elif issubclass(w.category, RuntimeWarning):
            out.runtime_warnings.append(str(w.message))
        elif w.category is UserWarning:
            out.warnings.add("UserWarning")
    return out


def assert_same(ours, theirs, path="result") -> None:
    """Equal values: exact for integers and strings, within 1e-12 for floats, NaN equal to NaN."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), f"{path}: dict expected, got {type(ours)}"
        assert list(ours) == list(theirs), f"{path}: keys {list(ours)} != {list(theirs)}"
        for key in theirs:
            assert_same(ours[key], theirs[key], f"{path}[{key!r}]")
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), f"{path}: {ours!r} != {theirs!r}"
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    elif theirs is None or isinstance(theirs, str):
        assert ours == theirs, f"{path}: {ours!r} != {theirs!r}"
    else:
        a, b = np.asarray(ours), np.asarray(theirs)
        assert a.shape == b.shape, f"{path}: shape {a.shape} != {b.shape}"
        if b.dtype.kind in "iub" and a.dtype.kind in "iub":
            np.testing.assert_array_equal(a, b, err_msg=path)
        else:
            assert type(ours) is not np.ndarray or type(theirs) is np.ndarray, f"{path}: array vs scalar"
            np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True, err_msg=path)


def check_parity(ours_fn, theirs_fn, *args, **kwargs) -> Outcome:
    """Call both twins on the same input; same accept/reject, same value, same warnings."""
    theirs = run(theirs_fn, *args, **kwargs)
    ours = run(ours_fn, *args, **kwargs)
    if currently_in_test_context():  # `--hypothesis-show-statistics` shows how often each path ran
        event("both reject" if theirs.error is not None else "both accept")
        if theirs.error is not None:
            event("sklearn rejects: " + str(theirs.error)[:70])
        if theirs.warnings:
            event("sklearn warns: " + ", ".join(sorted(theirs.warnings)))
    if theirs.error is not None:
        assert ours.error is not None, (
            f"sklearn raised {type(theirs.error).__name__}: {theirs.error} but mlcourse returned {ours.value!r}"
        )
        assert isinstance(ours.error, (ValueError, TypeError)), repr(ours.error)
        return ours
    if ours.error is not None:
        raise AssertionError(f"mlcourse raised but sklearn returned {theirs.value!r}") from ours.error
    assert_same(ours.value, theirs.value)
    assert ours.warnings == theirs.warnings, f"warnings: mlcourse {ours.warnings} vs sklearn {theirs.warnings}"
    assert not ours.runtime_warnings, f"mlcourse emitted RuntimeWarnings: {ours.runtime_warnings}"
    return ours


def twins(name: str):
    """The mlcourse function and its sklearn twin."""
    import sklearn.metrics

    import mlcourse.metrics

    return getattr(mlcourse.metrics, name), getattr(sklearn.metrics, name)
