"""The errors :mod:`mlcourse.serving` raises, and how a list of field errors reads as one line.

This module imports nothing from the package, so every other module can raise these errors without
importing the module that catches them (``_torch`` raises :class:`BundleIntegrityError` for
``_bundle``, which imports ``_torch``).
"""

from __future__ import annotations

from typing import Any


class BundleIntegrityError(ValueError):
    """A bundle whose files do not match its metadata (tampered, corrupt or incomplete): not loaded."""


class SchemaValidationError(ValueError):
    """Records that do not match a feature schema.

    Attributes
    ----------
    errors : list of dict
        One ``{"loc": [...], "msg": str, "type": str}`` per problem (at most
        :data:`mlcourse.serving._schema.MAX_ERRORS`); ``loc`` ends with the field name.
    truncated : bool
        True when there were more problems than ``errors`` holds.

    Examples
    --------
    >>> raise SchemaValidationError([{"loc": [0, "age"], "msg": "Field required", "type": "missing"}])
    Traceback (most recent call last):
    ...
    mlcourse.serving.SchemaValidationError: [0].age: Field required
    """

    def __init__(self, errors: list[dict[str, Any]], truncated: bool = False):
        self.errors = errors
        self.truncated = truncated
        super().__init__(format_errors(errors) + ("; and more" if truncated and len(errors) <= 5 else ""))

    def __reduce__(self) -> tuple:
        # args holds the message, not the errors: rebuild from the errors (a worker process's error pickles).
        return type(self), (self.errors, self.truncated)


# Tracebacks, reprs and pickles name the path users import these from, which stays put if files move.
BundleIntegrityError.__module__ = SchemaValidationError.__module__ = "mlcourse.serving"


def format_errors(errors: list[dict[str, Any]], limit: int = 5) -> str:
    """One line naming each field that failed, e.g. ``records[0].mean radius: Field required``.

    Examples
    --------
    >>> format_errors([{"loc": ["records", 0, "mean radius"], "msg": "Field required"}])
    'records[0].mean radius: Field required'
    """
    parts = [f"{_loc_text(e['loc'])}: {e['msg']}" for e in errors[:limit]]
    if len(errors) > limit:
        parts.append(f"and {len(errors) - limit} more")
    return "; ".join(parts) if parts else "invalid request"


def _loc_text(loc: list | tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"
