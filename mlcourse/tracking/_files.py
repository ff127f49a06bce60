"""Crash- and concurrency-safe files: logs that grow by whole batches, and replace-on-write documents.

Three rules keep a run directory readable while several processes write to it, and after any of
them is killed (``kill -9`` included) in the middle of a write:

* a *log* (``params.jsonl``, ``metrics.jsonl``, ``tags.jsonl``) only grows, by one line per batch:
  a single record as a JSON object, several records logged together as a JSON list of them. A batch
  is one line, so it is in the log whole or not at all. Writers append on an ``O_APPEND`` descriptor
  while holding an exclusive ``flock`` on the log, so they take turns, and a check-then-append (a
  param may not change) holds across processes;
* a writer killed mid-``write()`` leaves the start of its line without the final newline (SIGKILL
  cuts a large write short). Readers skip whatever follows the last newline: a torn write, or one
  still in flight. The next writer, holding the lock and so sure that nobody else is mid-line,
  truncates such a fragment before it appends, so new lines never merge with it. This is how a torn
  write is told apart from damage: a fragment never gets a newline, so a *complete* line that is not
  valid JSON (on a second read, see :func:`read_records`) was not left by a crash; the file is
  damaged, and reading it raises;
* a *document* (``meta.json``, an artifact) is written to a temporary file in the run's ``.tmp``
  folder, then ``os.replace``-d over the old one: readers see the old file or the new one, never half
  of one. A writer holds a lock on its temporary file until the rename, so a file there that nobody
  holds was left by a killed writer, and :func:`remove_dead_temps` deletes it.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

try:
    import fcntl
except ImportError:  # Windows has no flock: writers there do not take turns, so use one writer per run
    fcntl = None

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


def dumps_line(item: Any) -> str:
    """One JSON value on one line. ``json`` escapes newlines inside strings, so a value never spans two."""
    return json.dumps(item, separators=(",", ":"), allow_nan=True) + "\n"


def _drop_torn_tail(fd: int) -> None:
    # Called with the lock held: no live writer is mid-line, so bytes after the last newline are
    # what a killed writer left. Search backwards: the fragment is at most one batch long.
    end = keep = os.lseek(fd, 0, os.SEEK_END)
    chunk = 1  # usually the last byte is the newline
    while keep > 0:
        start = max(0, keep - chunk)
        os.lseek(fd, start, os.SEEK_SET)
        newline = os.read(fd, keep - start).rfind(b"\n")
        if newline >= 0:
            keep = start + newline + 1
            break
        keep, chunk = start, 1 << 16
    if keep < end:
        os.ftruncate(fd, keep)


@contextlib.contextmanager
def log_writer(path: Path) -> Iterator[Callable[[list[dict[str, Any]]], None]]:
    """Lock log ``path`` against other writers and yield ``append(records)``, which adds one batch.

    What the caller reads while the lock is held (the params already logged, say) cannot change
    before its append: this makes a check-then-append safe across processes.
    """
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released when fd closes, also when the kernel reaps a killed writer
        _drop_torn_tail(fd)

        def append(records: list[dict[str, Any]]) -> None:
            if not records:
                return
            data = dumps_line(records[0] if len(records) == 1 else records).encode("utf-8")
            written = os.write(fd, data)
            while written < len(data):  # a short write (disk full); finish the line rather than tear it
                written += os.write(fd, data[written:])

        yield append
    finally:
        os.close(fd)


def append_records(path: Path, records: list[dict[str, Any]]) -> None:
    """Append ``records`` to log ``path`` as one batch: after a crash, all of them are there or none."""
    if records:
        with log_writer(path) as append:
            append(records)


def _parse_log(data: bytes, name: str) -> list[dict[str, Any]]:
    lines = data[: data.rfind(b"\n") + 1].decode("utf-8").split("\n")
    records = []
    for number, line in enumerate(lines[:-1], start=1):  # lines[-1] is the "" after the last newline
        if not line:
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"{name} line {number} is not valid JSON ({err}); the file is damaged") from err
        if isinstance(item, list):
            records.extend(item)
        else:
            records.append(item)
    return records


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every record in a log, in the order they were appended (a batch's records in their order).

    What follows the last newline is a write still in flight, or cut short by a crash, and is left
    out; a complete line that is not valid JSON means the file was damaged, and raises.
    """
    try:
        return _parse_log(path.read_bytes(), path.name)
    except FileNotFoundError:
        return []
    except ValueError:
        # A read that overlapped the instant a writer swapped a torn fragment for its own line can
        # see the start of one and the end of the other. Damage that is real is still there on a
        # second read.
        return _parse_log(path.read_bytes(), path.name)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty: another writer is busy in it; missing: already removed
        folder.rmdir()


def _new_temp(tmp_dir: Path) -> tuple[int, Path]:
    while True:
        # Not Path.mkdir(exist_ok=True): it raises if the folder is removed between its two steps.
        with contextlib.suppress(FileExistsError):
            os.mkdir(tmp_dir)
        tmp = tmp_dir / f"{uuid.uuid4().hex}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileNotFoundError:
            continue  # another writer removed the empty folder between our mkdir and open
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink:
            return fd, tmp
        os.close(fd)  # in the instant before we locked it, a cleaner took it for a dead writer's file


@contextlib.contextmanager
def atomic_file(path: Path, tmp_dir: Path) -> Iterator[BinaryIO]:
    """Yield a binary file to fill; when the block ends, it replaces ``path`` in one step.

    The temporary file lives in ``tmp_dir`` (on the same file system as ``path``, so the rename is
    atomic), locked by this process until it has its final name. If the block raises, it is deleted.
    """
    fd, tmp = _new_temp(tmp_dir)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())  # the bytes must be on disk before the name points at them
            os.replace(tmp, path)  # before closing: unlocked, the file would look abandoned
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        remove_dead_temps(tmp_dir)  # each writer also sweeps up after writers killed before it


def remove_dead_temps(tmp_dir: Path) -> None:
    """Delete the temporary files in ``tmp_dir`` that no live writer holds (their writer was killed),
    then the folder itself if that leaves it empty."""
    try:
        names = os.listdir(tmp_dir) if fcntl is not None else []  # without flock, live and dead look alike
    except FileNotFoundError:
        return
    for name in names:
        try:
            fd = os.open(tmp_dir / name, os.O_RDONLY)
        except FileNotFoundError:
            continue  # renamed into place meanwhile
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            (tmp_dir / name).unlink(missing_ok=True)  # while locked, so its writer cannot be starting now
        except BlockingIOError:
            pass  # a live writer holds it
        finally:
            os.close(fd)
    _remove_if_empty(tmp_dir)


def write_atomic(path: Path, data: bytes, tmp_dir: Path) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the whole new one."""
    with atomic_file(path, tmp_dir) as fh:
        fh.write(data)


def write_json_atomic(path: Path, obj: Any, tmp_dir: Path) -> None:
    """:func:`write_atomic` for a JSON document (indented, so learners can read it)."""
    write_atomic(path, (json.dumps(obj, indent=2, allow_nan=True) + "\n").encode("utf-8"), tmp_dir)


def read_json(path: Path) -> Any:
    """Read a JSON document written by :func:`write_json_atomic`."""
    return json.loads(path.read_text(encoding="utf-8"))
