"""``mlcourse release``: write student notebooks (exercises) from assignment sources (solutions)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from mlcourse._io import write_atomic
from mlcourse.grading.format import (
    FormatError,
    nbgrader_meta,
    release_code_answer,
    release_markdown_answer,
    role_and_problem,
    split_test,
)


def release_notebook(nb: Any) -> Any:
    """The student version of an assignment notebook (a new ``nbformat`` node).

    Solution blocks become ``# YOUR CODE HERE`` / ``raise NotImplementedError()``, written answers
    become "YOUR ANSWER HERE", hidden-test blocks are removed, outputs and execution counts are
    cleared; nbgrader and notebook metadata are kept.

    Raises
    ------
    FormatError
        A cell's nbgrader metadata is not one nbgrader accepts either.
    """
    out = copy.deepcopy(nb)
    for index, cell in enumerate(out.cells):
        role, problem = role_and_problem(cell)
        if problem:
            raise FormatError(f"cell {nbgrader_meta(cell).get('grade_id', index)!r}: {problem}")
        if role == "answer":
            cell.source = release_code_answer(cell.source)
        elif role == "manual":
            cell.source = release_markdown_answer(cell.source)
        elif role == "test":
            visible, _hidden = split_test(cell.source)
            cell.source = visible
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        if "id" not in cell and (out.nbformat, out.nbformat_minor) >= (4, 5):
            cell["id"] = f"cell-{index}"
    return out


def render(nb: Any) -> str:
    """The exact text ``release`` writes for a notebook (stable: sorted keys, one trailing newline)."""
    import nbformat

    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def release(solutions: str | Path, exercises: str | Path, *, check: bool = False) -> list[Path]:
    """Release every ``*.ipynb`` of ``solutions`` into ``exercises``.

    Parameters
    ----------
    solutions, exercises : str or Path
        Source and destination folders.
    check : bool, default=False
        Write nothing; return the exercises that differ from what release would write.

    Returns
    -------
    list of Path
        With ``check``: the differing (or missing) exercises; otherwise the files written.
    """
    import nbformat

    solutions, exercises = Path(solutions), Path(exercises)
    if not solutions.is_dir():
        raise FileNotFoundError(f"solutions folder {str(solutions)!r} does not exist")
    changed = []
    for source in sorted(solutions.glob("*.ipynb")):
        try:
            nb = nbformat.read(source, as_version=4)
            text = render(release_notebook(nb))
        except FormatError as exc:
            raise FormatError(f"{source}: {exc}") from None
        target = exercises / source.name
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current == text:
            continue
        changed.append(target)
        if not check:
            write_atomic(target, text)
    return changed
