"""`mlcourse grade` against hostile submissions (tests/fixtures/grading/submissions, made by make_fixtures.py).

The toy assignment has four questions: q1 mean (2 points), q2 accuracy (2), q3 Scaler (3) and q4 clip01
(2, with partial credit). Every submission is graded once per test session (shared across xdist workers
through a lock file); each test then checks what one hostile behaviour earned.
"""

from __future__ import annotations

import csv
import fcntl
import json
import shutil
from pathlib import Path

import pytest

from mlcourse.grading.batch import grade_all
from mlcourse.grading.grade import Options
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "grading"
SOURCE = FIXTURES / "toy_source.ipynb"
OPTIONS = Options(timeout=3, total_timeout=60, memory_mb=1024)
FULL = {
    "test_q1_mean": 2.0,
    "test_q2_accuracy": 2.0,
    "test_q3_scaler": 3.0,
    "test_q4_clip": 2.0,
    "q_md_answer (written answer)": 0.0,
}


def _grade_fixtures(root: Path) -> None:
    subs, out = root / "submissions", root / "out"
    shutil.copytree(FIXTURES / "submissions", subs)
    snoop = subs / "snoop.ipynb"
    text = snoop.read_text()
    for key, value in {
        "__SOURCE__": str(SOURCE),
        "__REPO_SOURCE__": str(REPO / "tests" / "fixtures" / "grading" / "toy_exercise.ipynb"),
        "__OTHER__": str(subs / "correct.ipynb"),
        "__OUT__": str(out),
    }.items():
        text = text.replace(key, value)
    snoop.write_text(text)
    grade_all(SOURCE, [subs], out, jobs=2, options=OPTIONS, progress=False)
    (root / "done").touch()


@pytest.fixture(scope="session")
def graded(tmp_path_factory, worker_id) -> Path:
    """The output folder of one grading run over every fixture submission."""
    base = tmp_path_factory.getbasetemp()
    root = (base if worker_id == "master" else base.parent) / "grading-hostile"
    with open(f"{root}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "done").exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            _grade_fixtures(root)
    return root


def result(graded: Path, student: str) -> dict:
    data = json.loads((graded / "out" / student / "results.json").read_text())
    data["by_name"] = {t["name"]: t for t in data["tests"]}
    return data


def scores(graded: Path, student: str) -> dict[str, float]:
    return {name: t["score"] for name, t in result(graded, student)["by_name"].items()}


def outcome(graded: Path, student: str, question: str) -> str:
    return next(q for q in result(graded, student)["extra_data"]["questions"] if q["name"] == question)["outcome"]


def test_correct_submission_scores_full_marks(graded):
    data = result(graded, "correct")
    assert scores(graded, "correct") == FULL
    assert data["score"] == 9.0 and data["extra_data"]["status"] == "graded"


def test_untouched_exercise_is_not_attempted(graded):
    data = result(graded, "untouched")
    assert data["score"] == 0
    assert all(t["output"].startswith("not attempted") for t in data["tests"] if "written answer" not in t["name"])
    written = data["by_name"]["q_md_answer (written answer)"]
    assert written["max_score"] == 0 and "no written answer was given" in written["output"]


def test_wrong_answers_fail_with_the_visible_assert_message(graded):
    data = result(graded, "wrong")
    assert data["score"] == 0
    assert "mean([1, 2, 3]) should be 2.0" in data["by_name"]["test_q1_mean"]["output"]


def test_edited_test_and_setup_cells_are_restored_from_the_source(graded):
    # The submission replaced every test cell with `pass` and zeroed the setup data.
    got = scores(graded, "edited_tests")
    assert got["test_q1_mean"] == 0 and got["test_q2_accuracy"] == 0


def test_deleted_and_reordered_test_cells_are_still_graded(graded):
    assert scores(graded, "deleted_reordered_tests") == FULL


def test_a_submission_of_another_assignment_is_invalid(graded):
    data = result(graded, "other_assignment")
    assert data["extra_data"]["status"] == "invalid notebook" and data["score"] == 0
    assert "99_other" in data["output"]


def test_a_corrupt_file_is_invalid_not_a_crash(graded):
    data = result(graded, "corrupt")
    assert data["extra_data"]["status"] == "invalid notebook" and data["score"] == 0


def test_an_infinite_loop_costs_only_its_question(graded):
    assert scores(graded, "infinite_loop") == {**FULL, "test_q1_mean": 0.0}
    assert outcome(graded, "infinite_loop", "test_q1_mean") == "timeout"
    assert result(graded, "infinite_loop")["extra_data"]["status"] == "timeout"


def test_sys_exit_costs_only_its_question(graded):
    assert scores(graded, "sys_exit") == {**FULL, "test_q1_mean": 0.0}
    assert "SystemExit" in result(graded, "sys_exit")["by_name"]["test_q1_mean"]["output"]


def test_os_exit_kills_the_kernel_and_costs_only_its_question(graded):
    assert scores(graded, "os_exit") == {**FULL, "test_q2_accuracy": 0.0}
    assert outcome(graded, "os_exit", "test_q2_accuracy") == "crashed"
    assert result(graded, "os_exit")["extra_data"]["status"] == "crashed"


def test_a_segfault_costs_only_its_question(graded):
    assert scores(graded, "segfault") == {**FULL, "test_q3_scaler": 0.0}
    assert outcome(graded, "segfault", "test_q3_scaler") == "crashed"


def test_a_memory_bomb_costs_only_its_question(graded):
    assert scores(graded, "memory_bomb") == {**FULL, "test_q1_mean": 0.0}
    # Usually a MemoryError; on a loaded machine the starved kernel may instead be stopped by the time limit.
    message = result(graded, "memory_bomb")["by_name"]["test_q1_mean"]["output"]
    assert "MemoryError" in message or "time limit" in message


def test_100_mb_of_printing_is_stopped_and_costs_only_its_question(graded):
    assert scores(graded, "print_flood") == {**FULL, "test_q2_accuracy": 0.0}
    assert "output limit" in result(graded, "print_flood")["by_name"]["test_q2_accuracy"]["output"]


def test_a_kernel_that_dies_during_a_test_never_counts_as_a_pass(graded):
    assert scores(graded, "dies_in_call") == {**FULL, "test_q1_mean": 0.0}
    assert outcome(graded, "dies_in_call", "test_q1_mean") == "crashed"


def test_monkeypatching_numpy_eq_and_assert_earns_nothing(graded):
    got = scores(graded, "monkeypatch")
    assert got["test_q1_mean"] == 0 and got["test_q3_scaler"] == 0
    assert got["test_q2_accuracy"] == 2.0  # the honest answers are still graded


def test_printing_a_fake_score_earns_nothing(graded):
    data = result(graded, "fake_score")
    assert data["score"] == 0
    assert not (graded / "out" / "fake_score" / "results.json").read_text().count('"score": 100')


def test_a_warning_on_stderr_costs_nothing(graded):
    assert scores(graded, "stderr_warning") == FULL


def test_forbidden_modules_score_zero_with_a_clear_message(graded):
    data = result(graded, "forbidden")
    got = scores(graded, "forbidden")
    assert got == {**FULL, "test_q1_mean": 0.0, "test_q2_accuracy": 0.0, "test_q4_clip": 0.0}
    for name in ("test_q1_mean", "test_q2_accuracy", "test_q4_clip"):  # from-import, importlib, __import__
        assert "forbidden module fractions" in data["by_name"][name]["output"]


def test_a_library_importing_a_forbidden_module_internally_is_allowed(graded):
    # The reference mean uses `statistics`, which imports the forbidden `fractions` itself.
    assert scores(graded, "allowed_internal_import") == FULL


def test_a_submission_cannot_read_the_source_or_other_submissions_or_write_grades(graded):
    # snoop's `mean` returns what it managed to read or write instead of the mean: it must find nothing.
    assert scores(graded, "snoop")["test_q1_mean"] == 2.0
    assert not list(graded.rglob("pwned.txt"))
    assert not list(FIXTURES.rglob("pwned.txt"))


def test_extra_student_cells_run_before_the_answers_that_use_them(graded):
    assert scores(graded, "extra_cells") == FULL


def test_partial_credit_with_reasons(graded):
    data = result(graded, "partial")
    assert data["by_name"]["test_q4_clip"]["score"] == 1.0
    assert "clips values above 1" in data["by_name"]["test_q4_clip"]["output"]


def test_a_hidden_failure_shows_the_hint_never_the_source(graded):
    data = result(graded, "hidden_fail")
    feedback = (graded / "out" / "hidden_fail" / "feedback.md").read_text()
    q1 = data["by_name"]["test_q1_mean"]
    assert q1["score"] == 0 and "NaN should propagate" in q1["output"]
    for text in (feedback, json.dumps(data)):
        assert "hidden-source-marker" not in text and "np.isnan(mean" not in text
        assert "check your mean on a numpy array" not in text  # a hidden assert that passed stays unseen
    assert "All tests passed" not in data["output"] and "All tests passed" not in feedback
    assert "failed only on hidden tests" in data["output"]


def test_a_hidden_test_error_shows_its_type_not_the_hidden_inputs(graded):
    data = result(graded, "echo_inputs")
    q1 = data["by_name"]["test_q1_mean"]
    assert q1["score"] == 0 and "ValueError" in q1["output"]
    assert "LEAK" not in json.dumps(data) and "LEAK" not in (graded / "out" / "echo_inputs" / "feedback.md").read_text()


def test_every_submission_gets_result_files_and_a_gradebook_row(graded):
    students = sorted(p.stem for p in (FIXTURES / "submissions").glob("*.ipynb"))
    with open(graded / "out" / "gradebook.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["student"] for r in rows) == students
    questions = [q for q in FULL if "written answer" not in q]
    assert list(rows[0]) == ["student", *questions, "q_md_answer (manual, 1 points)", "total", "max", "status"]
    assert rows[0]["q_md_answer (manual, 1 points)"] == ""  # left for the instructor
    statuses = {r["student"]: r["status"] for r in rows}
    assert statuses["correct"] == "graded" and statuses["corrupt"] == "invalid notebook"
    assert statuses["segfault"] == "crashed" and statuses["infinite_loop"] == "timeout"
    for student in students:
        assert (graded / "out" / student / "results.json").is_file()
        assert (graded / "out" / student / "feedback.md").is_file()


def test_a_half_finished_question_keeps_the_credit_it_earned(graded):
    data = result(graded, "half_stub")
    q4 = data["by_name"]["test_q4_clip"]
    assert q4["score"] == 1.0, q4
    assert "NotImplementedError" in q4["output"]
