"""Crash-safe file writes shared by every package."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike, data: bytes | str, *, mode: int = 0o644) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never half.

    The bytes go to a temporary file in the same folder, are flushed to disk (``fsync``), and the
    file is renamed over ``path``. A crash at any point leaves either the old file or the new one
    (and, at worst, a hidden temporary file, which the next write does not trip over).

    Parameters
    ----------
    path : str or Path
        The file to write; its folder is created if needed.
    data : bytes or str
        The contents (a str is encoded as UTF-8).
    mode : int, default=0o644
        The new file's permissions: readable by everyone by default (a service user must be able
        to read what a build wrote).

    Returns
    -------
    path : Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_atomic(folder / "a.txt", "hello").read_text()
    'hello'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # the bytes must be on disk before the name points at them
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
