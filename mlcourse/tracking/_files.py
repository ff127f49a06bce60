"""Crash- and concurrency-safe files: whole-line appends and replace-on-write JSON.

Two rules keep a run directory readable while several processes write to it:

* a *log* (``params.jsonl``, ``metrics.jsonl``, ``tags.jsonl``) only grows, by one ``write()`` of
  whole lines on a descriptor opened with ``O_APPEND``. POSIX moves the offset to the end and
  writes in one step, so lines from different processes never interleave or overwrite each other;
* a *document* (``meta.json``, an artifact) is written to a temporary file next to it, then
  ``os.replace``-d over the old one. A reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# MLflow's rule for param, metric and tag names (minus the colon, which Windows forbids), so
# every run we record can be copied into MLflow unchanged.
_NAME = re.compile(r"^[\w./\- ]+$")
MAX_NAME_LENGTH = 250


def check_name(kind: str, name: Any) -> str:
    """Return ``name`` if it is a valid param, metric or tag name, else raise naming ``kind``."""
    if not isinstance(name, str):
        raise TypeError(f"{kind} name must be a str, got {type(name).__name__}")
    if not _NAME.match(name) or len(name) > MAX_NAME_LENGTH:
        raise ValueError(
            f"{kind} name must be 1 to {MAX_NAME_LENGTH} letters, digits, underscores, dashes, periods, "
            f"spaces or slashes, got {name!r}"
        )
    norm = posixpath.normpath(name)
    if norm != name or norm.startswith(("/", "..")) or norm == ".":
        raise ValueError(
            f"{kind} name must be a clean relative name (no '//', '..', leading or trailing '/'), got {name!r}"
        )
    return name


def check_relative_path(kind: str, path: Any) -> str:
    """Return ``path`` as a POSIX relative path that stays inside its folder, else raise."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{kind} must be a str or path, got {type(path).__name__}")
    text = Path(path).as_posix()
    norm = posixpath.normpath(text)
    if not text or norm in (".", "") or norm.startswith(("/", "../")) or norm == ".." or Path(path).is_absolute():
        raise ValueError(f"{kind} must be a relative path inside the run's artifacts, got {str(path)!r}")
    return norm


def dumps_line(record: dict[str, Any]) -> str:
    """One JSON record on one line. ``json`` escapes newlines inside strings, so a record never spans two."""
    return json.dumps(record, separators=(",", ":"), allow_nan=True) + "\n"


def append_lines(path: Path, lines: Iterable[str]) -> None:
    """Append whole lines to ``path`` with a single ``write()`` on an ``O_APPEND`` descriptor."""
    data = "".join(lines).encode("utf-8")
    if not data:
        return
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        written = os.write(fd, data)
        # A regular file takes the whole buffer in one call unless the disk is full; finish the
        # job rather than leave a partial line behind.
        while written < len(data):
            written += os.write(fd, data[written:])
    finally:
        os.close(fd)


def read_lines(path: Path) -> list[dict[str, Any]]:
    """Every complete record in a JSON-lines log, in the order they were appended.

    A last line without its newline is a write still in flight (or cut short by a crash) and is
    left out; a complete line that is not valid JSON means the file was damaged, and raises.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    lines = text.split("\n")
    records = []
    for number, line in enumerate(lines[:-1], start=1):  # lines[-1] is "" or an unfinished line
        if not line:
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise ValueError(f"{path.name} line {number} is not valid JSON ({err}); the file is damaged") from err
    return records


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the whole new one."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # the bytes must be on disk before the name points at them
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, obj: Any) -> None:
    """:func:`write_atomic` for a JSON document (indented, so learners can read it)."""
    write_atomic(path, (json.dumps(obj, indent=2, allow_nan=True) + "\n").encode("utf-8"))


def read_json(path: Path) -> Any:
    """Read a JSON document written by :func:`write_json_atomic`."""
    return json.loads(path.read_text(encoding="utf-8"))
