"""Read assignment notebooks written with nbgrader's conventions.

A cell's role comes from its ``metadata.nbgrader``: *setup* (locked, neither graded nor a solution),
*answer* (a code cell with ``solution`` true), *test* (a code cell with ``grade`` true, ``locked``,
``points``) or *manual* (nbgrader's manually graded answer: a markdown cell with ``grade`` and
``solution`` true and ``points``, read and scored by the instructor). A question is a test cell; its
answers are the answer cells since the previous test cell.
"""

from __future__ import annotations

import hashlib
import numbers
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlcourse._validation import check_scalar

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
MARKDOWN_STUB = "YOUR ANSWER HERE"


class FormatError(ValueError):
    """An assignment or submission notebook that does not follow the format."""


@dataclass(frozen=True)
class Cell:
    """One cell of an assignment, with its role: setup, answer, manual, test or other."""

    index: int
    role: str
    cell_type: str
    source: str
    grade_id: str = ""
    points: float = 0.0


@dataclass(frozen=True)
class Question:
    """One graded question: a test cell, split into its visible and hidden parts."""

    name: str
    points: float
    visible: str
    hidden: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Manual:
    """A written answer the instructor grades by hand (nbgrader's manually graded answer cell)."""

    name: str
    points: float


@dataclass
class Assignment:
    """An assignment source notebook, parsed (held in memory only: it carries the hidden tests)."""

    name: str
    forbidden: tuple[str, ...]
    cells: list[Cell]
    questions: list[Question]
    digest: str
    path: str = ""
    stubs: dict[str, str] = field(default_factory=dict)
    manual: list[Manual] = field(default_factory=list)

    @property
    def max_score(self) -> float:
        """Points of the automatically graded questions (written answers are not included)."""
        return sum(q.points for q in self.questions)

    @property
    def setup_code(self) -> list[str]:
        return [c.source for c in self.cells if c.role == "setup" and c.cell_type == "code"]

    def cell(self, grade_id: str) -> Cell:
        return next(c for c in self.cells if c.grade_id == grade_id)


def _lines_between(source: str, begin: str, end: str) -> tuple[list[str], list[str], str]:
    """Split ``source`` into lines outside and inside ``begin``/``end`` blocks (markers dropped).

    Returns the outside lines, the inside lines and the indentation of the first ``begin`` line.
    """
    outside, inside, indent, depth = [], [], "", 0
    for number, line in enumerate(source.split("\n"), 1):
        stripped = line.strip()
        if stripped.startswith(begin):
            if depth:
                raise FormatError(f"line {number}: {begin!r} inside another block")
            depth, indent = 1, indent or line[: len(line) - len(line.lstrip())]
            outside.append(f"\0{line[: len(line) - len(line.lstrip())]}")
        elif stripped.startswith(end):
            if not depth:
                raise FormatError(f"line {number}: {end!r} without {begin!r}")
            depth = 0
        elif depth:
            inside.append(line)
        else:
            outside.append(line)
    if depth:
        raise FormatError(f"{begin!r} without {end!r}")
    return outside, inside, indent


def release_code_answer(source: str) -> str:
    """The student version of an answer cell: each solution block becomes the code stub."""
    if BEGIN_SOLUTION not in source:
        return "\n".join(CODE_STUB)
    outside, _inside, _ = _lines_between(source, BEGIN_SOLUTION, END_SOLUTION)
    out = []
    for line in outside:
        if line.startswith("\0"):
            out.extend(line[1:] + stub for stub in CODE_STUB)
        else:
            out.append(line)
    return "\n".join(out)


def release_markdown_answer(source: str) -> str:
    """The student version of a written answer: each solution block, or else the whole cell, becomes
    "YOUR ANSWER HERE" (as nbgrader does)."""
    if BEGIN_SOLUTION not in source:
        return MARKDOWN_STUB
    outside, _inside, _ = _lines_between(source, BEGIN_SOLUTION, END_SOLUTION)
    return "\n".join(line[1:] + MARKDOWN_STUB if line.startswith("\0") else line for line in outside)


def split_test(source: str) -> tuple[str, str]:
    """``(visible, hidden)`` code of a test cell; the markers themselves are dropped."""
    outside, inside, _ = _lines_between(source, BEGIN_HIDDEN, END_HIDDEN)
    visible = "\n".join(line for line in outside if not line.startswith("\0")).rstrip()
    return visible, textwrap.dedent("\n".join(inside)).rstrip()


def nbgrader_meta(cell: Any) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def role_and_problem(cell: Any) -> tuple[str, str]:
    """The cell's role (setup, answer, manual, test or other) and what is wrong with it ("" if nothing).

    A cell with a problem has the role "other": a submission's odd metadata never stops grading,
    while :func:`parse_assignment` refuses an assignment source with any.
    """
    meta = nbgrader_meta(cell)
    if not meta:
        return "other", ""
    markdown = cell.get("cell_type") == "markdown"
    if meta.get("grade") and meta.get("solution"):
        if markdown:
            return "manual", ""
        return "other", "a code cell cannot be both an answer and a test (write a manually graded answer in markdown)"
    if meta.get("grade"):
        return ("other", "a test cell must be a code cell") if markdown else ("test", "")
    if meta.get("solution"):
        if markdown:
            return "other", 'a written answer is graded by hand, as nbgrader requires: set "grade": true and "points"'
        return "answer", ""
    if meta.get("locked"):
        return "setup", ""
    return "other", ""


def cell_role(cell: Any) -> str:
    """setup, answer, manual, test or other (see :func:`role_and_problem`)."""
    return role_and_problem(cell)[0]


def parse_assignment(nb: Any, raw: bytes = b"", path: str = "") -> Assignment:
    """Parse an assignment source notebook (an ``nbformat`` node); raises :class:`FormatError`."""
    meta = nb.get("metadata", {}).get("mlcourse", {})
    name = meta.get("assignment") or Path(path).stem
    if not name:
        raise FormatError("the notebook metadata has no mlcourse.assignment name")
    forbidden = meta.get("forbidden_modules") or []
    if not isinstance(forbidden, list) or not all(isinstance(m, str) and m for m in forbidden):
        raise FormatError("mlcourse.forbidden_modules must be a list of module names")
    cells, questions, pending, seen, manual = [], [], [], set(), []
    stubs = {}
    for index, nbcell in enumerate(nb.cells):
        role, problem = role_and_problem(nbcell)
        info = nbgrader_meta(nbcell)
        grade_id = str(info.get("grade_id", ""))
        if problem:
            raise FormatError(f"cell {grade_id or index!r}: {problem}")
        if role != "other":
            if not grade_id:
                raise FormatError(f"cell {index}: nbgrader metadata without a grade_id")
            if grade_id in seen:
                raise FormatError(f"cell {index}: grade_id {grade_id!r} is used twice")
            seen.add(grade_id)
        points = info.get("points", 0) if role in ("test", "manual") else 0
        try:
            check_scalar(points, "points", numbers.Real, min_val=0)
        except (TypeError, ValueError):  # one FormatError, naming the cell, for every kind of bad points
            raise FormatError(f"cell {grade_id!r}: points must be a number >= 0, not {points!r}") from None
        if role == "manual":
            manual.append(Manual(grade_id, float(points)))
        cell = Cell(index, role, nbcell.get("cell_type", ""), nbcell.get("source", ""), grade_id, float(points))
        cells.append(cell)
        if role == "answer":
            pending.append(grade_id)
            stubs[grade_id] = release_code_answer(cell.source)
        elif role == "test":
            try:
                visible, hidden = split_test(cell.source)
            except FormatError as exc:
                raise FormatError(f"cell {grade_id!r}: {exc}") from None
            questions.append(Question(grade_id, float(points), visible, hidden, tuple(pending)))
            pending = []
    if not questions:
        raise FormatError("the notebook has no test cells (nbgrader metadata with grade: true)")
    digest = hashlib.sha256(raw).hexdigest() if raw else ""
    return Assignment(name, tuple(forbidden), cells, questions, digest, path, stubs, manual)


def load_assignment(path: str | Path) -> Assignment:
    """Read and parse an assignment source; raises :class:`FormatError` naming the file."""
    import nbformat

    path = Path(path)
    raw = path.read_bytes()
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
        return parse_assignment(nb, raw, str(path))
    except FormatError as exc:
        raise FormatError(f"{path}: {exc}") from None
    except Exception as exc:  # nbformat raises many types for a corrupt file
        raise FormatError(f"{path}: not a readable notebook ({type(exc).__name__}: {exc})") from None
