"""Every assignment in solutions/: its source scores full marks, its exercise zero, and it is released.

The solution is graded the way Gradescope would: uploaded under another name, in a subfolder, and
graded by ``run_autograder`` from the assignment's built autograder zip in a fake ``/autograder``
tree. New assignments join these tests just by existing.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from mlcourse.grading.format import load_assignment
from mlcourse.grading.grade import Options, grade_file
from mlcourse.grading.gradescope import build_autograder, build_wheel
from mlcourse.grading.release import release_notebook, render
from tests.conftest import REPO
from tests.gradescope_helpers import check_schema, run_autograder

SOURCES = sorted((REPO / "solutions").glob("*.ipynb"))
OPTIONS = Options(timeout=60, total_timeout=300)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_the_solution_scores_full_marks_through_its_gradescope_autograder(source, wheel, tmp_path):
    assignment = load_assignment(source)
    zip_path = build_autograder(source, tmp_path / "autograder.zip", wheel=wheel)
    upload = {f"downloads/{assignment.name} (2).ipynb": source.read_bytes()}
    code, results, printed = run_autograder(zip_path, upload, tmp_path / "autograder")
    assert code == 0, printed
    check_schema(results)
    questions = results["extra_data"]["questions"]
    assert results["extra_data"]["status"] == "graded", printed
    lost = [(q["name"], q["outcome"], q["message"]) for q in questions if q["outcome"] not in ("passed", "manual")]
    assert lost == [] and results["score"] == assignment.max_score > 0
    for q in questions:  # a written answer is there, waiting for the instructor, worth 0 here
        if q["outcome"] == "manual":
            assert "awaits your instructor" in q["message"] and q["score"] == 0


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
