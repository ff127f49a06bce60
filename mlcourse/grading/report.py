"""Result files of ``mlcourse grade``: results.json (Gradescope's shape), feedback.md, gradebook.csv."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mlcourse._io import write_atomic
from mlcourse.grading.format import Assignment
from mlcourse.grading.results import QuestionResult, SubmissionResult

LABELS = {
    "passed": "passed",
    "partial": "partial credit",
    "failed": "failed",
    "not attempted": "not attempted",
    "forbidden": "forbidden module",
    "timeout": "timed out",
    "crashed": "crashed",
    "manual": "graded by your instructor",
}


#: C0 and C1 control characters, DEL, and the bidirectional overrides that reorder what a reader sees.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: Markdown that would turn student text into links, images or table cells (HTML is escaped apart):
#: backslashes, pipes, and the "](" that closes a link's text.
_MARKDOWN = re.compile(r"([\\|]|\](?=\())")
#: A CSV cell starting with one of these is a formula to a spreadsheet.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def plain(text: str) -> str:
    r"""``text`` safe for a terminal or a log: newlines and tabs become spaces, other control
    characters (ANSI escapes, carriage returns, bidi overrides) are shown as ``\xNN`` / ``\uNNNN``.

    >>> plain("ok\x1b[2J\rscore: 100\nnext")
    'ok\\x1b[2J\\rscore: 100 next'
    """
    return _CONTROL.sub(lambda m: " " if m.group() in "\n\t" else ascii(m.group())[1:-1], text)


def _md(text: str) -> str:
    """Student-derived text for one markdown table cell: plain, HTML-escaped, markdown-escaped."""
    return _MARKDOWN.sub(r"\\\1", html.escape(plain(text), quote=False))


def _cell(value: str) -> str:
    value = plain(value)
    return "'" + value if value.startswith(_FORMULA) else value


def _plain_all(data: Any) -> Any:
    if isinstance(data, str):
        return plain(data)
    if isinstance(data, list):
        return [_plain_all(v) for v in data]
    if isinstance(data, dict):
        return {plain(k): _plain_all(v) for k, v in data.items()}
    return data


def _fmt(x: float) -> str:
    return f"{x:g}"


def _test(q: QuestionResult) -> dict:
    output = _md(f"{LABELS[q.outcome]}: {q.message}" if q.message else LABELS[q.outcome])
    if q.outcome == "manual":  # outside the automatic score: worth 0 here, its points in extra_data
        name = f"{q.name} (written answer)"
        return {"name": name, "score": 0.0, "max_score": 0.0, "output": output, "extra_data": {"points": q.max_score}}
    return {"name": q.name, "score": q.score, "max_score": q.max_score, "status": q.status, "output": output}


def results_json(sub: SubmissionResult) -> dict:
    """Gradescope's autograder ``results.json`` for one submission (our details in ``extra_data``).

    Every text is markdown (``output_format: "md"``) with what came from the submission escaped;
    a written answer is a test worth 0 whose points wait for the instructor.
    """
    tests = [{**_test(q), "output_format": "md", "visibility": "visible"} for q in sub.questions]
    return _plain_all(
        {
            "score": sub.score,
            "execution_time": round(sub.execution_time),
            "output": _md(summary_line(sub)),
            "output_format": "md",
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": tests,
            "extra_data": sub.to_dict(),
        }
    )


def summary_line(sub: SubmissionResult) -> str:
    """One honest sentence: 'all tests passed' only when every visible and hidden test passed."""
    manual = [q for q in sub.questions if q.outcome == "manual"]
    waiting = f" {_fmt(sum(q.max_score for q in manual))} more points of written answers are graded by your instructor."
    waiting = waiting if manual else ""
    if sub.status == "invalid notebook":
        return f"Not graded: invalid notebook ({sub.message})."
    auto = [q for q in sub.questions if q.outcome != "manual"]
    passed = sum(q.outcome == "passed" for q in auto)
    head = f"Score {_fmt(sub.score)} / {_fmt(sub.max_score)}."
    if passed == len(auto):
        return f"{head} All tests passed, hidden tests included.{waiting}"
    hidden = sum(q.hidden for q in auto)
    extra = f" ({hidden} failed only on hidden tests)" if hidden else ""
    return f"{head} {passed} of {len(auto)} questions passed{extra}; see each question below.{waiting}"


def _question_md(q: QuestionResult) -> str:
    points = f"– / {_fmt(q.max_score)}" if q.outcome == "manual" else f"{_fmt(q.score)} / {_fmt(q.max_score)}"
    return f"| {_md(q.name)} | {points} | {LABELS[q.outcome]} | {_md(q.message)} |"


def feedback_md(sub: SubmissionResult) -> str:
    """Feedback for the student: points and verdict per question, never the hidden tests' source."""
    lines = [
        f"# Feedback: {_md(sub.assignment)}",
        "",
        f"Student: {_md(sub.student)}  ",
        f"Status: {sub.status}  ",
        f"Score: **{_fmt(sub.score)} / {_fmt(sub.max_score)}**",
        "",
        _md(summary_line(sub)),
        "",
        "| question | points | result | details |",
        "| --- | --- | --- | --- |",
        *(_question_md(q) for q in sub.questions),
        "",
    ]
    return "\n".join(lines)


def write_submission(out: Path, sub: SubmissionResult) -> None:
    """Write ``out/<student>/results.json`` and ``feedback.md``, and the instructor's log
    ``out/.logs/<student>.log`` (each atomically)."""
    folder = out / sub.student
    # The student's two files are theirs to read (0644, in the private output folder); the log holds
    # what the instructor alone sees, kernel output included, so it stays the grader's own (0600).
    write_atomic(folder / "feedback.md", feedback_md(sub))
    write_atomic(folder / "results.json", json.dumps(results_json(sub), indent=1, sort_keys=True) + "\n")
    if sub.log:
        lines = (plain(line) for line in sub.log.splitlines())
        write_atomic(out / ".logs" / f"{sub.student}.log", "\n".join(lines) + "\n", mode=0o600)


def write_gradebook(out: Path, rows: Iterable[dict], assignment: Assignment) -> None:
    """Write ``out/gradebook.csv`` (atomically, readable by its owner only: it holds every student's grades)."""
    questions = [q.name for q in assignment.questions]
    manual = [(m.name, m.points) for m in assignment.manual]
    write_atomic(out / "gradebook.csv", gradebook_csv(rows, questions, manual), mode=0o600)


def gradebook_csv(rows: Iterable[dict], questions: list[str], manual: Iterable[tuple[str, float]] = ()) -> str:
    """The gradebook: one row per student (from ``results.json``'s ``extra_data``).

    ``manual`` lists the written answers ``(name, points)``: each gets a column of its own, left empty
    for the instructor, and stays out of ``total`` and ``max``.
    """
    manual = list(manual)
    header = ["student", *questions, *(f"{name} (manual, {points:g} points)" for name, points in manual)]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([_cell(c) for c in [*header, "total", "max", "status"]])
    for row in sorted(rows, key=lambda r: r["student"]):
        scores = {q["name"]: q["score"] for q in row["questions"]}
        writer.writerow(
            [
                _cell(row["student"]),
                *(_fmt(scores.get(q, 0.0)) for q in questions),
                *("" for _ in manual),
                _fmt(row["score"]),
                _fmt(row["max_score"]),
                _cell(row["status"]),
            ]
        )
    return buf.getvalue()


def summary_table(rows: list[dict]) -> str:
    """A plain-text table of students, scores and statuses for the terminal."""
    names = {r["student"]: plain(r["student"]) for r in rows}
    width = max([len("student"), *map(len, names.values())])
    lines = [f"{'student':<{width}}  {'score':>13}  status", f"{'-' * width}  {'-' * 13}  ------"]
    for r in sorted(rows, key=lambda r: r["student"]):
        score = _fmt(r["score"]) + " / " + _fmt(r["max_score"])
        lines.append(f"{names[r['student']]:<{width}}  {score:>13}  {r['status']}")
    return "\n".join(lines)
