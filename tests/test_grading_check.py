"""`mlcourse check`: a learner's view of the visible tests."""

from __future__ import annotations

import pytest

from mlcourse.cli import main
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "grading"


@pytest.mark.parametrize(
    ("notebook", "code", "expected"),
    [
        (
            FIXTURES / "submissions" / "correct.ipynb",
            0,
            ["test_q1_mean           2  passed", "4 of 4 questions (9 of 9"],
        ),
        (FIXTURES / "submissions" / "wrong.ipynb", 1, ["failed: mean([1, 2, 3]) should be 2.0", "0 of 4 questions"]),
        (
            FIXTURES / "toy_exercise.ipynb",
            1,
            [
                "test_q1_mean           2  not attempted",
                "0 of 9 points",
                "q_md_answer            1  written answer: not answered yet; graded by your instructor",
                "Written answers (1 points) are read and graded by your instructor.",
            ],
        ),
        (FIXTURES / "submissions" / "hidden_fail.ipynb", 0, ["4 of 4 questions"]),  # only visible tests here
    ],
)
def test_check_reports_each_question(notebook, code, expected, capsys):
    assert main(["check", str(notebook)]) == code
    out = capsys.readouterr().out
    for line in expected:
        assert line in out
