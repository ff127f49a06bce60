"""What grading found: a :class:`QuestionResult` per question, a :class:`SubmissionResult` per submission.

One data model for every step: :mod:`.grade` fills it in, :mod:`.batch` stores it and resumes from it,
:mod:`.report` and :mod:`.gradescope` write it out. Everything in it is safe to show the student (it
never holds hidden test source), except the instructor's ``log``, which :meth:`SubmissionResult.to_dict`
leaves out.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from mlcourse.grading.format import Assignment

#: Submission status values, as written in the gradebook.
GRADED, TIMEOUT, CRASHED, INVALID = "graded", "timeout", "crashed", "invalid notebook"


@dataclass
class QuestionResult:
    """The verdict on one question. ``outcome``: passed, partial, failed, not attempted, forbidden,
    timeout, crashed, or manual (a written answer the instructor grades; never in the automatic
    score). ``message`` is safe to show the student (never hidden test source)."""

    name: str
    max_score: float
    score: float = 0.0
    outcome: str = "failed"
    message: str = ""
    hidden: bool = False

    @property
    def status(self) -> str:
        """Gradescope's test status: "passed" only for full marks, "failed" otherwise."""
        return "passed" if self.outcome == "passed" else "failed"


@dataclass
class SubmissionResult:
    """Everything known about one graded submission."""

    student: str
    assignment: str
    assignment_hash: str
    submission_hash: str
    status: str
    questions: list[QuestionResult]
    execution_time: float = 0.0
    message: str = ""
    notes: list[str] = field(default_factory=list)
    #: What the kernel itself printed, and what the grader saw go wrong: for the instructor only.
    log: str = field(default="", repr=False)

    @property
    def score(self) -> float:
        """The automatic score (written answers, graded by hand, are not in it)."""
        return round(sum(q.score for q in self.questions if q.outcome != "manual"), 6)

    @property
    def max_score(self) -> float:
        return sum(q.max_score for q in self.questions if q.outcome != "manual")

    def to_dict(self) -> dict:
        """Everything but the instructor's log, with ``score`` and ``max_score``."""
        data = asdict(self)
        del data["log"]
        data.update(score=self.score, max_score=self.max_score)
        return data

    def finish(self, start: float | None) -> SubmissionResult:
        """Stamp ``execution_time`` as the seconds since ``start`` (a ``time.monotonic()``; None for a
        submission that never ran, which took no time); returns ``self``."""
        self.execution_time = 0.0 if start is None else round(time.monotonic() - start, 3)
        return self


def blank_results(assignment: Assignment) -> list[QuestionResult]:
    """One result per question, automatic ones first, before anything is graded."""
    auto = [QuestionResult(q.name, q.points) for q in assignment.questions]
    manual = [
        QuestionResult(m.name, m.points, outcome="manual", message=f"graded by your instructor ({m.points:g} points)")
        for m in assignment.manual
    ]
    return auto + manual


def mark_invalid(sub: SubmissionResult, message: str, start: float | None) -> SubmissionResult:
    """``sub`` as an invalid notebook: every automatic question failed, with ``message`` as the reason."""
    sub.status, sub.message = INVALID, message
    for r in sub.questions:
        if r.outcome == "manual":
            r.message = f"not read: invalid notebook ({r.max_score:g} points, graded by your instructor)"
        else:
            r.outcome, r.message = "failed", f"not graded: invalid notebook ({message})"
    return sub.finish(start)


def invalid_result(
    assignment: Assignment, student: str, problem: str, *, submission_hash: str = "", start: float | None = None
) -> SubmissionResult:
    """The result of a submission that cannot be graded at all: missing, a link, not a regular file,
    or not a readable notebook.

    Parameters
    ----------
    assignment : Assignment
        What it was meant to be a submission of.
    student : str
        The student's id.
    problem : str
        Why it cannot be graded, for the student ("mallory.ipynb is a symbolic link").
    submission_hash : str, default=""
        The SHA-256 of the bytes read, if any were.
    start : float, optional
        ``time.monotonic()`` when reading it began; None when nothing was read.

    Returns
    -------
    SubmissionResult
        With status :data:`INVALID` and every automatic question failed, ``problem`` as the reason.

    Examples
    --------
    >>> from mlcourse.grading.format import Assignment, Question
    >>> toy = Assignment("00_toy", (), [], [Question("q1", 2.0, "assert True", "", ())], digest="")
    >>> sub = invalid_result(toy, "mallory", "mallory.ipynb is a symbolic link")
    >>> sub.status, sub.score, sub.max_score, sub.execution_time
    ('invalid notebook', 0.0, 2.0, 0.0)
    >>> sub.questions[0].message
    'not graded: invalid notebook (mallory.ipynb is a symbolic link)'
    """
    questions = blank_results(assignment)
    sub = SubmissionResult(student, assignment.name, assignment.digest, submission_hash, INVALID, questions)
    return mark_invalid(sub, problem, start)
