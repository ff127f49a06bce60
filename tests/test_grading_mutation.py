"""Assignment 18 grades the student's tests by mutation: real submissions, graded by the real grader.

A student's test function gets an implementation made by :func:`mlcourse.grading.define` in the
student's own kernel (the grader's sandbox), must pass the correct ones and earns a share for every
mutant it fails. Each submission below is a hostile or careless variant of the solution.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from mlcourse.grading import define
from mlcourse.grading.batch import grade_all
from mlcourse.grading.grade import Options
from tests.conftest import REPO

SOURCE = REPO / "solutions" / "18_testing.ipynb"
OPTIONS = Options(timeout=30, total_timeout=240)
QUESTIONS = ["q1_tests", "q2_tests", "q3_tests", "q4_tests"]
FUNCTIONS = ["precision_at_k", "standardize_split", "log_loss_grad", "scale_pixels"]


def _answer(nb, function: str):
    return next(c for c in nb.cells if c.source.startswith(f"def test_{function}("))


def _submission(folder: Path, name: str, bodies: dict[str, str]) -> None:
    """The solution with the body of each named test function replaced."""
    nb = nbformat.read(SOURCE, as_version=4)
    for function, body in bodies.items():
        _answer(nb, function).source = f"def test_{function}({function}):\n" + body
    nbformat.write(nb, folder / f"{name}.ipynb")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("mutation")
    inbox, out, marker = root / "inbox", root / "out", root / "written-by-the-student-test"
    inbox.mkdir()
    _submission(inbox, "solution", {})
    _submission(inbox, "asserts_nothing", {f: "    pass\n" for f in FUNCTIONS})
    _submission(inbox, "always_fails", {f: '    assert False, "every implementation is wrong"\n' for f in FUNCTIONS})
    # Exact float equality with the float32 division shown: true for the shown code, not for every
    # correct one (multiplying by 1/255 differs in the last bit for 126 of the 256 values).
    _submission(
        inbox,
        "tests_the_code_not_the_contract",
        {
            "scale_pixels": "    x = np.arange(256, dtype=np.uint8)\n"
            "    assert np.array_equal(scale_pixels(x), x.astype(np.float32) / np.float32(255))\n"
            "    assert scale_pixels(x).dtype == np.float32\n"
        },
    )
    # A test that tries to leave a trace where the grader runs; it then tests properly.
    nb = nbformat.read(SOURCE, as_version=4)
    cell = _answer(nb, "precision_at_k")
    cell.source = cell.source.replace(
        '    """Raise an AssertionError',
        f"    try:\n        open({str(marker)!r}, 'w').write('ran in the grader')\n    except OSError:\n"
        "        pass\n"
        '    """Raise an AssertionError',
        1,
    )
    nbformat.write(nb, inbox / "leaves_a_trace.ipynb")
    grade_all(SOURCE, [inbox], out, jobs=2, options=OPTIONS, progress=False)
    return out, marker


def questions(out: Path, student: str) -> dict[str, dict]:
    data = json.loads((out / student / "results.json").read_text())
    return {q["name"]: q for q in data["extra_data"]["questions"]}


def test_the_solution_catches_every_mutant(graded):
    qs = questions(graded[0], "solution")
    assert [qs[q]["score"] for q in QUESTIONS] == [3.0] * 4
    assert all("caught the hidden mutant" in qs[q]["message"] for q in QUESTIONS)


def test_a_suite_that_asserts_nothing_scores_zero(graded):
    qs = questions(graded[0], "asserts_nothing")
    assert [(qs[q]["score"], qs[q]["outcome"]) for q in QUESTIONS] == [(0.0, "failed")] * 4
    assert "missed the mutant" in qs["q1_tests"]["message"]


def test_a_suite_that_fails_on_correct_code_scores_zero(graded):
    qs = questions(graded[0], "always_fails")
    assert [qs[q]["score"] for q in QUESTIONS] == [0.0] * 4
    assert "fails on the correct precision_at_k" in qs["q1_tests"]["message"]


def test_a_test_of_one_implementation_fails_on_another_correct_one(graded):
    qs = questions(graded[0], "tests_the_code_not_the_contract")
    # It catches the visible float64 mutant (0.75 of a point), then fails the hidden correct variant,
    # which stops the hidden mutants from counting.
    assert qs["q4_tests"]["score"] == 0.75 and qs["q4_tests"]["outcome"] == "partial"
    assert "another correct scale_pixels" in qs["q4_tests"]["message"]


def test_student_tests_run_in_the_sandbox_not_in_the_grader(graded):
    out, marker = graded
    assert questions(out, "leaves_a_trace")["q1_tests"]["score"] == 3.0  # the test ran, and tested
    assert not marker.exists()


def test_define_outside_the_grader_makes_the_function_here():
    top = define("def top(xs, k):\n    return sorted(xs)[-k:]", "top")
    assert top([3, 1, 2], 2) == [2, 3]
    with pytest.raises(ValueError, match="does not define a function named 'other'"):
        define("x = 1", "other")
    with pytest.raises(ValueError, match="name must be a Python identifier"):
        define("x = 1", "not a name")
    with pytest.raises(TypeError, match="source must be a str"):
        define(b"x = 1", "x")
