"""`mlcourse release`: student versions from sources, deterministic, and `--check`; CLI usage errors."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from mlcourse.cli import main
from mlcourse.grading.format import (
    FormatError,
    cell_role,
    load_assignment,
    parse_assignment,
    release_code_answer,
    release_markdown_answer,
    split_test,
)
from mlcourse.grading.release import release, release_notebook, render
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "grading"


def test_solution_blocks_become_the_stub_keeping_the_indentation():
    source = 'def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n\nY = 2'
    assert release_code_answer(source) == (
        'def f(x):\n    """Doc."""\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\nY = 2'
    )
    assert release_code_answer("x = 1") == "# YOUR CODE HERE\nraise NotImplementedError()"


def test_a_written_answer_keeps_its_question_and_loses_its_solution():
    assert (
        release_markdown_answer("Why?\n\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION") == "Why?\n\nYOUR ANSWER HERE"
    )
    assert release_markdown_answer("Because.") == "YOUR ANSWER HERE"


def test_written_answers_are_graded_by_hand_as_nbgrader_requires(tmp_path):
    assignment = load_assignment(FIXTURES / "toy_source.ipynb")
    assert [(m.name, m.points) for m in assignment.manual] == [("q_md_answer", 1.0)]
    assert assignment.max_score == 9  # the written answer's point is not in the automatic score
    nb = nbformat.read(FIXTURES / "toy_source.ipynb", as_version=4)
    written = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q_md_answer")
    written.metadata.nbgrader["grade"] = False  # a markdown solution cell nobody grades: nbgrader refuses it
    bad = tmp_path / "bad.ipynb"
    nbformat.write(nb, bad)
    with pytest.raises(FormatError, match='graded by hand, as nbgrader requires: set "grade": true'):
        load_assignment(bad)
    with pytest.raises(FormatError, match="q_md_answer"):
        release_notebook(nb)


def test_odd_metadata_in_a_submission_never_stops_grading():
    # A student may set anything; only the source is held to the format.
    cell = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {"grade": True, "solution": True}})
    assert cell_role(cell) == "other"


def test_hidden_tests_are_split_off():
    visible, hidden = split_test(
        'assert f(1) == 2, "a"\n### BEGIN HIDDEN TESTS\nassert f(2) == 3, "b"\n### END HIDDEN TESTS'
    )
    assert visible == 'assert f(1) == 2, "a"' and hidden == 'assert f(2) == 3, "b"'
    with pytest.raises(FormatError, match="without"):
        split_test("### BEGIN HIDDEN TESTS\nassert True")


def test_release_clears_outputs_keeps_metadata_and_drops_hidden_tests():
    nb = nbformat.read(FIXTURES / "toy_source.ipynb", as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="hi")]
    nb.cells[1].execution_count = 3
    out = release_notebook(nb)
    text = render(out)
    assert "BEGIN HIDDEN" not in text and "hidden-source-marker" not in text and "BEGIN SOLUTION" not in text
    assert "statistics.fmean" not in text and "YOUR ANSWER HERE" in text
    assert all(
        c.get("outputs", []) == [] and c.get("execution_count") is None for c in out.cells if c.cell_type == "code"
    )
    assert [c.metadata.get("nbgrader") for c in out.cells] == [c.metadata.get("nbgrader") for c in nb.cells]
    assert out.metadata["mlcourse"] == nb.metadata["mlcourse"]
    assert render(release_notebook(nb)) == text  # deterministic
    assert (FIXTURES / "toy_exercise.ipynb").read_text() == render(
        release_notebook(nbformat.read(FIXTURES / "toy_source.ipynb", 4))
    )


def test_release_writes_then_check_passes_and_detects_drift(tmp_path, capsys):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    shutil.copy(FIXTURES / "toy_source.ipynb", solutions / "00_toy.ipynb")
    assert main(["release", "--check", str(solutions), str(exercises)]) == 1
    assert "00_toy.ipynb" in capsys.readouterr().out
    assert not exercises.exists()  # --check writes nothing
    assert main(["release", str(solutions), str(exercises)]) == 0
    assert main(["release", "--check", str(solutions), str(exercises)]) == 0
    before = (exercises / "00_toy.ipynb").read_bytes()
    assert release(solutions, exercises) == []  # nothing to rewrite
    assert (exercises / "00_toy.ipynb").read_bytes() == before
    (exercises / "00_toy.ipynb").write_text(before.decode().replace("YOUR CODE HERE", "my answer", 1))
    capsys.readouterr()
    assert main(["release", "--check", str(solutions), str(exercises)]) == 1
    assert "00_toy.ipynb" in capsys.readouterr().out


def test_the_repository_exercises_match_their_solutions():
    assert release(REPO / "solutions", REPO / "exercises", check=True) == []


def test_a_malformed_assignment_names_the_problem(tmp_path):
    nb = nbformat.read(FIXTURES / "toy_source.ipynb", as_version=4)
    nb.cells[2].metadata.nbgrader["grade_id"] = "setup"  # duplicate
    bad = tmp_path / "bad.ipynb"
    nbformat.write(nb, bad)
    with pytest.raises(FormatError, match="used twice"):
        load_assignment(bad)


@pytest.mark.parametrize("points", [True, -1, float("nan"), "2", None])
def test_points_that_are_not_a_number_of_zero_or_more_are_refused(points):
    nb = nbformat.read(FIXTURES / "toy_source.ipynb", as_version=4)
    test_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_q1_mean")
    test_cell.metadata.nbgrader["points"] = points
    with pytest.raises(FormatError, match="'test_q1_mean': points must be a number >= 0"):
        parse_assignment(nb)


def test_released_exercises_are_readable_by_everyone(tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    shutil.copy(FIXTURES / "toy_source.ipynb", solutions / "00_toy.ipynb")
    assert release(solutions, exercises) == [exercises / "00_toy.ipynb"]
    assert (exercises / "00_toy.ipynb").stat().st_mode & 0o777 == 0o644
    assert [p.name for p in exercises.iterdir()] == ["00_toy.ipynb"]  # no temporary file left


@pytest.mark.parametrize("command", ["release", "check", "grade", "doctor"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0 and capsys.readouterr().out.startswith(f"usage: mlcourse {command}")


@pytest.mark.parametrize(
    "argv",
    [
        ["release", "no/such/dir"],
        ["release", "--bogus"],
        ["check"],
        ["check", "no_such.ipynb"],
        ["grade", "x.ipynb"],
        ["grade", "--assignment", "no_such.ipynb", "--out", "o", "sub.ipynb"],
        ["grade", "--assignment", str(FIXTURES / "toy_source.ipynb"), "--out", "o", "--jobs", "0", "s.ipynb"],
        ["grade", "--assignment", str(FIXTURES / "toy_source.ipynb"), "--out", "o", "no/such/submission"],
    ],
)
def test_bad_arguments_exit_2_with_a_usage_line(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "usage: mlcourse" in capsys.readouterr().err
