"""Result files of ``mlcourse grade``: results.json (Gradescope's shape), feedback.md, gradebook.csv."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

from mlcourse.grading.grade import QuestionResult, SubmissionResult
from mlcourse.grading.release import write_atomic

LABELS = {
    "passed": "passed",
    "partial": "partial credit",
    "failed": "failed",
    "not attempted": "not attempted",
    "forbidden": "forbidden module",
    "timeout": "timed out",
    "crashed": "crashed",
}


def _fmt(x: float) -> str:
    return f"{x:g}"


def results_json(sub: SubmissionResult) -> dict:
    """Gradescope's autograder ``results.json`` for one submission (our details in ``extra_data``)."""
    tests = [
        {
            "name": q.name,
            "score": q.score,
            "max_score": q.max_score,
            "status": q.status,
            "output": f"{LABELS[q.outcome]}: {q.message}" if q.message else LABELS[q.outcome],
            "visibility": "visible",
        }
        for q in sub.questions
    ]
    return {
        "score": sub.score,
        "execution_time": sub.execution_time,
        "output": summary_line(sub),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": sub.to_dict(),
    }


def summary_line(sub: SubmissionResult) -> str:
    """One honest sentence: 'all tests passed' only when every visible and hidden test passed."""
    if sub.status == "invalid notebook":
        return f"Not graded: invalid notebook ({sub.message})."
    passed = sum(q.outcome == "passed" for q in sub.questions)
    total = len(sub.questions)
    head = f"Score {_fmt(sub.score)} / {_fmt(sub.max_score)}."
    if passed == total:
        return f"{head} All tests passed, hidden tests included."
    hidden = sum(q.hidden for q in sub.questions)
    extra = f" ({hidden} failed only on hidden tests)" if hidden else ""
    return f"{head} {passed} of {total} questions passed{extra}; see each question below."


def _question_md(q: QuestionResult) -> str:
    details = q.message.replace("|", "\\|").replace("\n", " ")
    return f"| {q.name} | {_fmt(q.score)} / {_fmt(q.max_score)} | {LABELS[q.outcome]} | {details} |"


def feedback_md(sub: SubmissionResult) -> str:
    """Feedback for the student: points and verdict per question, never the hidden tests' source."""
    lines = [
        f"# Feedback: {sub.assignment}",
        "",
        f"Student: {sub.student}  ",
        f"Status: {sub.status}  ",
        f"Score: **{_fmt(sub.score)} / {_fmt(sub.max_score)}**",
        "",
        summary_line(sub),
        "",
        "| question | points | result | details |",
        "| --- | --- | --- | --- |",
        *(_question_md(q) for q in sub.questions),
        "",
    ]
    return "\n".join(lines)


def write_submission(out: Path, sub: SubmissionResult) -> None:
    """Write ``out/<student>/results.json`` and ``feedback.md`` (each atomically)."""
    folder = out / sub.student
    write_atomic(folder / "feedback.md", feedback_md(sub))
    write_atomic(folder / "results.json", json.dumps(results_json(sub), indent=1, sort_keys=True) + "\n")


def gradebook_csv(rows: Iterable[dict], questions: list[str]) -> str:
    """The gradebook: one row per student (from ``results.json``'s ``extra_data``)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", *questions, "total", "max", "status"])
    for row in sorted(rows, key=lambda r: r["student"]):
        scores = {q["name"]: q["score"] for q in row["questions"]}
        writer.writerow(
            [
                row["student"],
                *(_fmt(scores.get(q, 0.0)) for q in questions),
                _fmt(row["score"]),
                _fmt(row["max_score"]),
                row["status"],
            ]
        )
    return buf.getvalue()


def summary_table(rows: list[dict]) -> str:
    """A plain-text table of students, scores and statuses for the terminal."""
    width = max([len("student"), *(len(r["student"]) for r in rows)])
    lines = [f"{'student':<{width}}  {'score':>13}  status", f"{'-' * width}  {'-' * 13}  ------"]
    for r in sorted(rows, key=lambda r: r["student"]):
        lines.append(f"{r['student']:<{width}}  {_fmt(r['score']) + ' / ' + _fmt(r['max_score']):>13}  {r['status']}")
    return "\n".join(lines)
