"""Fingerprints that make a result reproducible: a hash of the data, library versions, the git state.

Experiment tracking (:mod:`mlcourse.tracking`) and model bundles (:mod:`mlcourse.serving`) record the
same three facts, so they come from one place.

Examples
--------
>>> import numpy as np
>>> from mlcourse.fingerprint import data_hash
>>> data_hash(np.arange(3.0)) == data_hash(np.array([0.0, 1.0, 2.0]))
True
>>> data_hash(np.arange(3.0)) == data_hash(np.arange(3.0)[::-1])
False
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

#: The libraries whose versions change a model's numbers or its pickle.
DEFAULT_LIBRARIES = ("numpy", "scipy", "pandas", "scikit-learn", "torch", "mlcourse")


def _update(h: Any, obj: Any) -> None:
    if hasattr(obj, "columns") and hasattr(obj, "dtypes"):  # a pandas DataFrame: names, dtypes, values
        h.update(repr(list(map(str, obj.columns))).encode())
        h.update(repr([str(t) for t in obj.dtypes]).encode())
        for name in obj.columns:
            _update(h, obj[name].to_numpy())
        return
    if hasattr(obj, "to_numpy") and hasattr(obj, "dtype"):  # a pandas Series
        h.update(str(getattr(obj, "name", "")).encode())
        _update(h, obj.to_numpy())
        return
    arr = np.asarray(obj)
    h.update(f"{arr.dtype.str}{arr.shape}".encode())
    if arr.dtype == object:
        # Objects have no stable byte layout: hash their text, element by element.
        for item in arr.ravel():
            h.update(repr(item).encode())
            h.update(b"\0")
    else:
        h.update(np.ascontiguousarray(arr).tobytes())


def data_hash(*arrays: Any) -> str:
    """Return a sha256 hex digest of arrays, Series or DataFrames (values, dtypes, shapes, column names).

    Parameters
    ----------
    *arrays : array-like, pandas Series or DataFrame
        The data to fingerprint, typically ``X`` and ``y``. Order matters.

    Returns
    -------
    digest : str
        64 hexadecimal characters; equal inputs give equal digests on every machine.

    Examples
    --------
    >>> import numpy as np
    >>> len(data_hash(np.zeros((2, 3)), np.array([0, 1])))
    64
    """
    if not arrays:
        raise ValueError("data_hash needs at least one array")
    h = hashlib.sha256()
    for arr in arrays:
        _update(h, arr)
        h.update(b"\x1e")  # a separator, so that (a, bc) and (ab, c) differ
    return h.hexdigest()


def file_sha256(path: str | Path) -> str:
    """Return the sha256 hex digest of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def library_versions(names: tuple[str, ...] | list[str] = DEFAULT_LIBRARIES) -> dict[str, str | None]:
    """Return ``{distribution: installed version}``, with ``None`` for one that is not installed.

    Examples
    --------
    >>> "numpy" in library_versions(["numpy"])
    True
    """
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_state(path: str | Path = ".") -> dict[str, Any]:
    """Return ``{"commit": sha or None, "dirty": bool or None}`` for the git work tree holding ``path``.

    Outside a git work tree (or without git) both values are ``None``: a run still logs, it just
    cannot be tied to a commit.
    """

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=path, capture_output=True, text=True, timeout=10, check=True)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit.strip(), "dirty": None if status is None else bool(status.strip())}
