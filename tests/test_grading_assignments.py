"""Every assignment in solutions/: its source scores full marks, its exercise zero, and it is released.

New assignments join these tests just by existing.
"""

from __future__ import annotations

import nbformat
import pytest

from mlcourse.grading.format import load_assignment
from mlcourse.grading.grade import Options, grade_file
from mlcourse.grading.release import release_notebook, render
from tests.conftest import REPO

SOURCES = sorted((REPO / "solutions").glob("*.ipynb"))
OPTIONS = Options(timeout=60, total_timeout=300)


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_the_solution_scores_full_marks(source):
    assignment = load_assignment(source)
    result = grade_file(assignment, source, options=OPTIONS)
    assert result.status == "graded", result.notes
    auto = [q for q in result.questions if q.outcome != "manual"]
    lost = [(q.name, q.outcome, q.message) for q in auto if q.score != q.max_score]
    assert lost == [] and result.score == assignment.max_score > 0
    for q in result.questions:  # a written answer is there, waiting for the instructor
        if q.outcome == "manual":
            assert "awaits your instructor" in q.message and q.score == 0


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_the_released_exercise_scores_zero_not_attempted(source, tmp_path):
    assignment = load_assignment(source)
    exercise = tmp_path / source.name
    exercise.write_text(render(release_notebook(nbformat.read(source, as_version=4))), encoding="utf-8")
    result = grade_file(assignment, exercise, options=OPTIONS)
    assert result.status == "graded" and result.score == 0
    assert {q.outcome for q in result.questions if q.outcome != "manual"} == {"not attempted"}
    for q in result.questions:
        if q.outcome == "manual":
            assert "no written answer was given" in q.message


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_the_exercise_is_released(source):
    exercise = REPO / "exercises" / source.name
    assert exercise.is_file(), f"run `mlcourse release` to write {exercise.relative_to(REPO)}"
    expected = render(release_notebook(nbformat.read(source, as_version=4)))
    assert exercise.read_text(encoding="utf-8") == expected, f"{exercise.name} is stale: run `mlcourse release`"
