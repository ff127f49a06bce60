"""What every lesson owes a learner: exercises to check themselves, a link to its assignment, one label convention.

Read from the notebooks' sources, without running them (nbval runs them).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from tests.conftest import REPO

LESSONS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ASSIGNMENTS = sorted((REPO / "solutions").glob("[0-9][0-9]_*.ipynb"))
COURSE_NOTEBOOKS = LESSONS + ASSIGNMENTS + sorted((REPO / "exercises").glob("*.ipynb"))

HINT = "<details><summary>Hint</summary>"
ANSWER = "<details><summary>Answer</summary>"
# An item of a numbered list at the start of a line: "1. ", "12. ".
ITEM = re.compile(r"^\d+\.\s", re.MULTILINE)

# scikit-learn codes breast cancer 0 = malignant; the course's positive class (1) is the one we look for.
OTHER_CONVENTION = re.compile(
    r"benign\W{0,3}\(1\)|malignant\W{0,3}\(0\)|\b1\s*=\s*benign|\b0\s*=\s*malignant|P\(benign\)"
    r"|0 malignant, 1 benign|y\s*=\s*1 means benign",
    re.IGNORECASE,
)


def _cells(path: Path) -> list:
    return nbformat.read(path, as_version=4).cells


def exercises_markdown(path: Path) -> str:
    """The markdown from the ``## Exercises`` heading to the end of the notebook ('' if there is none)."""
    cells = _cells(path)
    starts = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("## Exercises")]
    if not starts:
        return ""
    tail = cells[starts[-1] :]
    assert all(c.cell_type == "markdown" for c in tail), f"{path.name}: code after the Exercises section"
    return "\n".join(c.source for c in tail)


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_every_lesson_ends_with_exercises_with_hints_and_answers(lesson):
    text = exercises_markdown(lesson)
    assert text, f"{lesson.name} has no cell starting with '## Exercises'"
    items, hints, answers = len(ITEM.findall(text)), text.count(HINT), text.count(ANSWER)
    assert 4 <= items <= 8, f"{lesson.name}: {items} numbered exercises, want 4 to 6 (a few sub-items allowed)"
    assert hints >= 4 and answers >= 4, f"{lesson.name}: {hints} hints and {answers} answers, want one per item"
    assert text.count("<details>") == text.count("</details>"), f"{lesson.name}: an unclosed <details> block"


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=[p.stem for p in ASSIGNMENTS])
def test_the_lesson_of_each_assignment_links_to_its_exercise(assignment):
    number = assignment.name[:2]
    lessons = [p for p in LESSONS if p.name[:2] == number]
    assert lessons, f"assignment {assignment.name} has no lesson numbered {number}"
    link = f"](../exercises/{assignment.name})"
    text = "\n".join(c.source for c in _cells(lessons[0]) if c.cell_type == "markdown")
    assert link in text, f"{lessons[0].name} does not link to its assignment ({link[2:-1]})"


@pytest.mark.parametrize("notebook", COURSE_NOTEBOOKS, ids=[f"{p.parent.name}/{p.stem}" for p in COURSE_NOTEBOOKS])
def test_one_label_convention_the_positive_class_is_the_one_we_look_for(notebook):
    for i, cell in enumerate(_cells(notebook)):
        if cell.cell_type == "code":
            assert "load_breast_cancer" not in cell.source, (
                f"{notebook.name} cell {i}: scikit-learn's loader codes malignant as 0; "
                'use mlc.data.load("breast_cancer"), which codes it 1'
            )
        found = OTHER_CONVENTION.search(cell.source)
        assert found is None, f"{notebook.name} cell {i}: {found.group(0)!r} is the other label convention"
