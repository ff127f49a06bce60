"""`mlcourse grade` output: results.json (Gradescope shape), feedback.md, gradebook.csv, resume and --force."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from mlcourse.cli import main
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "grading"
SOURCE = FIXTURES / "toy_source.ipynb"


@pytest.fixture
def submissions(tmp_path):
    folder = tmp_path / "inbox"
    for name, student in [("correct", "ada"), ("partial", "bob")]:
        (folder / student).mkdir(parents=True)  # one folder per student: the id is the folder name
        shutil.copy(FIXTURES / "submissions" / f"{name}.ipynb", folder / student / "00_toy.ipynb")
    return folder


def grade(submissions, out, *extra):
    argv = ["grade", "--assignment", str(SOURCE), str(submissions), "--out", str(out), "--timeout", "10", "--quiet"]
    return main([*argv, *extra])


def test_results_feedback_gradebook_resume_and_force(submissions, tmp_path, capsys):
    out = tmp_path / "grades"
    assert grade(submissions, out, "--jobs", "2") == 0
    printed = capsys.readouterr().out
    assert "ada" in printed and "9 / 9" in printed and "2 graded" in printed

    results = json.loads((out / "ada" / "results.json").read_text())
    assert {"score", "execution_time", "tests", "output", "visibility"} <= set(results)
    assert results["score"] == 9.0 and results["execution_time"] > 0
    for test in results["tests"]:
        if test["name"].endswith("(written answer)"):  # worth nothing here: graded by the instructor
            assert test["score"] == test["max_score"] == 0 and test["extra_data"] == {"points": 1.0}
            continue
        assert set(test) == {"name", "score", "max_score", "status", "output", "output_format", "visibility"}
        assert test["status"] == "passed" and test["score"] == test["max_score"]
    assert "All tests passed, hidden tests included" in results["output"]

    bob = json.loads((out / "bob" / "results.json").read_text())
    clip = next(t for t in bob["tests"] if t["name"] == "test_q4_clip")
    assert clip["score"] == 1.0 and clip["max_score"] == 2.0 and clip["status"] == "failed"
    assert "All tests passed" not in bob["output"]
    feedback = (out / "bob" / "feedback.md").read_text()
    assert "| test_q4_clip | 1 / 2 | partial credit |" in feedback and "clips values above 1" in feedback
    assert "values below 0 should become 0" in feedback  # the hidden assert's hint, not its code
    assert "clip01(-3.0)" not in feedback

    with open(out / "gradebook.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["student"], r["total"], r["max"], r["status"]) for r in rows] == [
        ("ada", "9", "9", "graded"),
        ("bob", "8", "9", "graded"),
    ]
    assert rows[1]["test_q4_clip"] == "1"

    # Resume: nothing changed, nothing is regraded; a changed submission is; --force regrades all.
    stamps = {s: (out / s / "results.json").stat().st_mtime_ns for s in ("ada", "bob")}
    assert grade(submissions, out) == 0
    assert {s: (out / s / "results.json").stat().st_mtime_ns for s in stamps} == stamps
    shutil.copy(FIXTURES / "submissions" / "wrong.ipynb", submissions / "bob" / "00_toy.ipynb")
    assert grade(submissions, out) == 0
    assert (out / "ada" / "results.json").stat().st_mtime_ns == stamps["ada"]
    assert json.loads((out / "bob" / "results.json").read_text())["score"] == 0
    assert grade(submissions, out, "--force") == 0
    assert (out / "ada" / "results.json").stat().st_mtime_ns != stamps["ada"]
    assert not list(out.rglob("*.tmp")) and not [p for p in out.rglob(".*") if p.is_file()]  # atomic writes


def test_a_single_student_folder_is_graded_under_the_folder_name(tmp_path):
    # Gradescope's layout: /autograder/submission/00_toy.ipynb -> student "submission".
    submission = tmp_path / "submission"
    submission.mkdir()
    shutil.copy(FIXTURES / "submissions" / "correct.ipynb", submission / "00_toy.ipynb")
    assert grade(submission, tmp_path / "grades") == 0
    assert json.loads((tmp_path / "grades" / "submission" / "results.json").read_text())["score"] == 9.0


def test_a_student_folder_without_a_notebook_is_reported_not_skipped(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    (inbox / "carol").mkdir(parents=True)
    (inbox / "carol" / "notes.txt").write_text("forgot to upload")
    assert grade(inbox, tmp_path / "grades") == 0
    results = json.loads((tmp_path / "grades" / "carol" / "results.json").read_text())
    assert results["score"] == 0 and results["extra_data"]["status"] == "invalid notebook"
