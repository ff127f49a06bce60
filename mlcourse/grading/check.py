"""``mlcourse check NOTEBOOK``: run a learner's notebook and report each question's visible tests.

This runs on the learner's own machine, on their own code, so everything (visible tests included)
runs in one ordinary kernel, top to bottom, like "Restart & Run All" -- but it keeps going after a
failing cell so that every question gets a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlcourse.grading.format import MARKDOWN_STUB, cell_role, nbgrader_meta
from mlcourse.grading.kernel import Kernel, Limits, Reply


@dataclass
class CheckResult:
    """One question: ``outcome`` is passed, failed, not attempted or written answer (graded by hand)."""

    name: str
    points: float
    outcome: str
    message: str = ""


def _verdict(test: Reply, answers: list[Reply]) -> tuple[str, str]:
    if any(r.status == "error" and r.ename == "NotImplementedError" for r in answers):
        return "not attempted", ""
    if test.ok:
        return "passed", ""
    if test.status == "error" and test.ename == "NotImplementedError":
        return "not attempted", ""
    if test.status == "error" and test.ename == "AssertionError":
        return "failed", test.evalue or "an assert failed (it has no message)"
    broken = next((r for r in answers if not r.ok), None)
    extra = f" (your answer cell: {broken.describe()})" if broken else ""
    return "failed", test.describe() + extra


def check_notebook(path: str | Path, *, timeout: float = 120.0) -> list[CheckResult]:
    """Run ``path`` top to bottom in a fresh kernel; one :class:`CheckResult` per test cell.

    Raises
    ------
    ValueError
        The file is not a readable notebook, or it has no test cells.
    """
    import nbformat

    path = Path(path)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:
        raise ValueError(f"NOTEBOOK: {path} is not a readable notebook ({type(exc).__name__})") from None
    if not any(cell_role(c) == "test" for c in nb.cells):
        raise ValueError(f"NOTEBOOK: {path} has no test cells (is it an mlcourse exercise?)")
    results: list[CheckResult] = []
    answers: list[Reply] = []
    kernel = Kernel(Limits(timeout=timeout, memory_mb=None, cpu_seconds=None, file_mb=None), cwd=path.parent.resolve())
    try:
        kernel.start()
        for cell in nb.cells:
            if cell_role(cell) == "manual":
                meta = nbgrader_meta(cell)
                text = str(cell.get("source", "")).strip()
                said = "answered" if text and MARKDOWN_STUB not in text else "not answered yet"
                name, points = str(meta.get("grade_id", "")), float(meta.get("points", 0))
                results.append(CheckResult(name, points, "written answer", f"{said}; graded by your instructor"))
                continue
            if cell.get("cell_type") != "code":
                continue
            if not kernel.alive:
                kernel.start()
            reply = kernel.execute(cell.get("source", ""))
            role = cell_role(cell)
            if role == "test":
                meta = nbgrader_meta(cell)
                outcome, message = _verdict(reply, answers)
                results.append(
                    CheckResult(str(meta.get("grade_id", "")), float(meta.get("points", 0)), outcome, message)
                )
                answers = []
            elif role == "answer" or role == "other":
                answers.append(reply)
    finally:
        kernel.close()
    return results


def report(results: list[CheckResult]) -> str:
    """The table ``mlcourse check`` prints."""
    width = max(len("question"), *(len(r.name) for r in results))
    lines = [f"{'question':<{width}}  {'points':>6}  result", f"{'-' * width}  {'-' * 6}  ------"]
    for r in results:
        text = r.outcome + (f": {r.message}" if r.message else "")
        lines.append(f"{r.name:<{width}}  {r.points:>6g}  {text}")
    auto = [r for r in results if r.outcome != "written answer"]
    earned = sum(r.points for r in auto if r.outcome == "passed")
    total = sum(r.points for r in auto)
    passed = sum(r.outcome == "passed" for r in auto)
    lines.append("")
    lines.append(
        f"Visible tests pass for {passed} of {len(auto)} questions ({earned:g} of {total:g} points). "
        "Your instructor's grader also runs hidden tests, so passing here is necessary but not sufficient."
    )
    if len(auto) < len(results):
        written = sum(r.points for r in results if r.outcome == "written answer")
        lines.append(f"Written answers ({written:g} points) are read and graded by your instructor.")
    return "\n".join(lines)
