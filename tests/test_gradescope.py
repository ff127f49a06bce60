"""`mlcourse gradescope` builds an autograder zip; `run_autograder` grades whatever a student uploads.

Each upload is graded by the zip's own ``run_autograder`` in a fake ``/autograder`` tree, as root, and
every results.json is checked against a JSON Schema written from Gradescope's specification.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import nbformat
import pytest

from mlcourse.cli import main
from mlcourse.grading.gradescope import build_autograder, build_wheel
from mlcourse.grading.release import render
from mlcourse.grading.report import results_json
from tests.conftest import REPO
from tests.fixtures.grading.make_fixtures import ALL, submission
from tests.gradescope_helpers import check_schema, run_autograder

TOY = REPO / "tests" / "fixtures" / "grading" / "toy_source.ipynb"
CORRECT = render(submission(**ALL)).encode()


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def toy_zip(wheel, tmp_path_factory) -> Path:
    return build_autograder(TOY, tmp_path_factory.mktemp("zip") / "00_toy_autograder.zip", wheel=wheel)


def test_the_zip_holds_the_scripts_the_source_the_lock_and_a_wheel_of_the_package_only(toy_zip):
    with zipfile.ZipFile(toy_zip) as zf:
        names = set(zf.namelist())
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
        setup = zf.read("setup.sh").decode()
        wheel_name = next(n for n in names if n.endswith(".whl"))
        zf.extract(wheel_name, toy_zip.parent)
    assert names == {"setup.sh", "run_autograder", "toy_source.ipynb", "requirements.lock", wheel_name}
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert "--constraint requirements.lock" in setup and "download.pytorch.org/whl/cpu" in setup
    assert "pip install -e" not in setup and wheel_name in setup
    with zipfile.ZipFile(toy_zip.parent / wheel_name) as whl:
        tops = {n.split("/")[0] for n in whl.namelist()}
    assert tops == {"mlcourse", wheel_name.removesuffix("-py3-none-any.whl") + ".dist-info"}


UPLOADS = {
    # name: (files uploaded, expected score, words the message must hold)
    "exact name": ({"00_toy.ipynb": CORRECT}, 9.0, "All tests passed"),
    "renamed": ({"00_toy (1).ipynb": CORRECT}, 9.0, "All tests passed"),
    "nested": ({"my work/final/anything.ipynb": CORRECT}, 9.0, "All tests passed"),
    "with a scratch notebook": ({"a.ipynb": CORRECT, "scratch.ipynb": b'{"cells": []}'}, 9.0, "All tests passed"),
    "doubled": ({"a.ipynb": CORRECT, "b.ipynb": CORRECT}, 0.0, "2 notebooks of 00_toy were uploaded"),
    "empty": ({}, 0.0, "the upload is empty"),
    "no notebook": ({"answers.py": b"x = 1", "notes.txt": b"hi"}, 0.0, "the upload holds answers.py, notes.txt"),
    "corrupt": ({"00_toy.ipynb": b'{"cells": [ not json'}, 0.0, "not a valid notebook"),
    "another assignment": (
        {"x.ipynb": CORRECT.replace(b'"assignment": "00_toy"', b'"assignment": "99_other"')},
        0.0,
        "99_other",
    ),
}


@pytest.mark.parametrize("case", list(UPLOADS))
def test_any_upload_gives_a_valid_results_json_with_the_right_score_and_message(case, toy_zip, tmp_path):
    files, score, words = UPLOADS[case]
    code, results, printed = run_autograder(toy_zip, files, tmp_path / "autograder")
    assert code == 0, printed
    check_schema(results)
    assert results["score"] == score and words in results["output"], results["output"]
    assert results["output_format"] == "md" and isinstance(results["execution_time"], int)
    if score == 0:
        assert "invalid notebook" in results["output"] or "Upload" in results["output"] or "upload" in results["output"]


def test_a_fault_of_the_grader_still_leaves_a_valid_results_json_and_exits_non_zero(toy_zip, tmp_path):
    root = tmp_path / "autograder"
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(toy_zip) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = b"not a notebook" if info.filename == "toy_source.ipynb" else src.read(info)
            dst.writestr(info, data)
    code, results, printed = run_autograder(broken, {"00_toy.ipynb": CORRECT}, root)
    assert code == 1
    check_schema(results)
    assert results["score"] == 0 and "a fault of the grader" in results["output"]
    assert "not a readable notebook" in printed  # the instructor sees why in run_autograder's output


def test_the_gradescope_command_writes_the_zip(tmp_path, capsys):
    out = tmp_path / "toy.zip"
    assert main(["gradescope", str(TOY), "-o", str(out)]) == 0
    assert zipfile.is_zipfile(out) and "upload it as the autograder" in capsys.readouterr().out


def test_results_json_is_valid_for_every_outcome_written_answers_included():
    from mlcourse.grading.results import QuestionResult, SubmissionResult

    questions = [
        QuestionResult("q1", 2, 2, "passed"),
        QuestionResult("q2", 3, 1.5, "partial", "50% for half"),
        QuestionResult("q3", 1, 0, "forbidden", "scored zero: [x](javascript:1) <b>"),
        QuestionResult("essay", 4, 0, "manual", "your written answer awaits your instructor"),
    ]
    sub = SubmissionResult("ada", "00_toy", "a" * 64, "b" * 64, "graded", questions, execution_time=3.6)
    results = results_json(sub)
    check_schema(results)
    assert results["score"] == 3.5 and results["execution_time"] == 4
    essay = next(t for t in results["tests"] if t["name"].startswith("essay"))
    assert essay["max_score"] == 0 and essay["extra_data"] == {"points": 4} and "status" not in essay
    assert "4 more points of written answers" in results["output"]
    assert "&lt;b&gt;" in json.dumps(results) and "[x\\\\](javascript" in json.dumps(results)


def test_grade_gradescope_needs_one_upload_folder(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["grade", "--gradescope", "--assignment", str(TOY), str(TOY), "--out", str(tmp_path)])
    assert "one upload folder" in capsys.readouterr().err


def test_a_notebook_in_a_source_folder_is_read_as_json_only(tmp_path):
    # Discovery reads metadata without running anything: a notebook naming the assignment is chosen.
    from mlcourse.grading.format import load_assignment
    from mlcourse.grading.gradescope import find_upload

    (tmp_path / "up" / "deep").mkdir(parents=True)
    nbformat.write(submission(**ALL), tmp_path / "up" / "deep" / "mine.ipynb")
    (tmp_path / "up" / "other.ipynb").write_text('{"metadata": {"mlcourse": {"assignment": "01_x"}}, "cells": []}')
    path, problem = find_upload(tmp_path / "up", load_assignment(TOY))
    assert path == tmp_path / "up" / "deep" / "mine.ipynb" and problem == ""
