"""Find and read student submissions without following anything a student could have planted.

The grader runs as root and a submission folder holds what students uploaded: a symbolic link there
(``alice.ipynb -> ../solutions/05_evaluation.ipynb``) must never be followed, a hard link or a FIFO
never read. Every entry is looked at with ``lstat`` and every file opened with ``O_NOFOLLOW``.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

MAX_NOTEBOOK_BYTES = 50 * 2**20
#: How deep, and how many entries, a student's folder is searched for notebooks.
MAX_DEPTH, MAX_ENTRIES = 8, 10_000


@dataclass(frozen=True)
class Submission:
    """One student's notebook; ``path`` is None and ``problem`` says why when there is none to grade."""

    student: str
    path: Path | None
    root: Path
    problem: str = ""


def student_id(name: str) -> str:
    """``name`` made safe as a folder name, a CSV cell and terminal text.

    Control characters (C0, C1, DEL) become ``?``, a leading dot is dropped (``.logs`` is the
    instructor's), and separators cannot occur in a file stem anyway.

    >>> student_id("\\x1b[31mmallory")
    '?[31mmallory'
    >>> student_id(".logs")
    'logs'
    """
    cleaned = "".join("?" if unicodedata.category(c) == "Cc" else c for c in name).lstrip(".").strip()
    return cleaned or "unnamed"


def read_notebook(path: Path) -> tuple[bytes, str]:
    """The bytes of a submission file, or ``(b"", why not)``: never through a link, never past the size cap."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if os.path.islink(path):
            return b"", f"{path.name} is a symbolic link, not a notebook"
        return b"", f"cannot read {path.name}: {exc.strerror}"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return b"", f"{path.name} is not a regular file"
        if info.st_nlink > 1:
            return b"", f"{path.name} is a hard link to another file"
        if info.st_size > MAX_NOTEBOOK_BYTES:
            return b"", f"{path.name} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB"
        chunks, left = [], MAX_NOTEBOOK_BYTES + 1
        while left > 0 and (chunk := os.read(fd, min(left, 2**20))):
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            return b"", f"{path.name} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB"
        return b"".join(chunks), ""
    finally:
        os.close(fd)


def walk(folder: Path) -> tuple[list[Path], list[Path]]:
    """Regular ``.ipynb`` files and symbolic links under ``folder``, without following any link."""
    notebooks, links, todo, seen = [], [], [(folder, 0)], 0
    while todo:
        current, depth = todo.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES or entry.name.startswith("."):
                continue
            if entry.is_symlink():
                links.append(Path(entry.path))
            elif entry.is_dir(follow_symlinks=False) and depth < MAX_DEPTH:
                todo.append((Path(entry.path), depth + 1))
            elif entry.is_file(follow_symlinks=False) and entry.name.endswith(".ipynb"):
                notebooks.append(Path(entry.path))
    return sorted(notebooks), sorted(links)


def _pick(folder: Path, name: str) -> tuple[Path | None, str]:
    notebooks, links = walk(folder)
    named = [p for p in notebooks if p.stem == name]
    if len(notebooks) == 1:
        return notebooks[0], ""
    if len(named) == 1:
        return named[0], ""
    if links and not notebooks:
        return None, f"{links[0].name} is a symbolic link, not a notebook"
    if not notebooks:
        return None, "no notebook found in the student's folder"
    return None, f"{len(notebooks)} notebooks in the student's folder and none is {name}.ipynb"


def _folder(student: str, folder: Path, root: Path, name: str) -> Submission:
    notebook, problem = _pick(folder, name)
    return Submission(student_id(student), notebook, root, problem)


def collect(paths: list[Path], name: str) -> list[Submission]:
    """Submissions from notebook files and folders, for assignment ``name``.

    A folder holding ``<name>.ipynb`` is one student's (its name is the id); any other folder holds
    notebooks (``<student>.ipynb``) or one folder per student. The paths given are the instructor's
    and are taken as they are; everything found inside them is checked with ``lstat``.

    Raises
    ------
    ValueError
        A path does not exist, or two submissions share a student id.
    """
    found: list[Submission] = []
    for path in paths:
        if path.is_symlink() and not path.is_dir():
            found.append(Submission(student_id(path.stem), None, path.parent, f"{path.name} is a symbolic link"))
        elif path.is_file():
            found.append(Submission(student_id(path.stem), path, path.parent))
        elif path.is_dir() and os.path.lexists(path / f"{name}.ipynb"):
            # One student's folder (an LMS download, Gradescope's /autograder/submission): id = folder name.
            found.append(_folder(path.resolve().name, path, path, name))
        elif path.is_dir():
            for entry in sorted(os.scandir(path), key=lambda e: e.name):
                child = Path(entry.path)
                if entry.name.startswith("."):
                    continue
                if entry.is_symlink():
                    if entry.name.endswith(".ipynb") or entry.is_dir():
                        student = child.stem if entry.name.endswith(".ipynb") else child.name
                        found.append(Submission(student_id(student), None, path, f"{entry.name} is a symbolic link"))
                elif entry.is_dir(follow_symlinks=False):
                    found.append(_folder(child.name, child, path, name))
                elif entry.name.endswith(".ipynb"):  # a FIFO or device too: read_notebook says what it is
                    found.append(Submission(student_id(child.stem), child, path))
        else:
            raise ValueError(f"SUBMISSIONS: no such file or folder: {path}")
    ids = [s.student for s in found]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"SUBMISSIONS: student ids used twice: {', '.join(dupes)}")
    return found
