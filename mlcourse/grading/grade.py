"""Grade one submission against an assignment source, treating the submission as hostile.

Answer cells (from the submission) and setup cells (from the source) run in a fresh, limited,
sandboxed kernel. Test cells (always from the source) run here, in the grader's interpreter, with
the setup cells' names and with student names bound to plain data or to proxies (:mod:`.bridge`).
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlcourse.grading import award, defining_with, recording_awards
from mlcourse.grading.bridge import MISSING, Bridge, KernelLost, ProtocolError, StudentError, bootstrap_code
from mlcourse.grading.format import MARKDOWN_STUB, Assignment, Question, cell_role, nbgrader_meta
from mlcourse.grading.imports import forbidden_uses
from mlcourse.grading.inbox import read_notebook, student_id
from mlcourse.grading.kernel import Kernel, Limits, Reply
from mlcourse.grading.results import (
    CRASHED,
    GRADED,
    TIMEOUT,
    QuestionResult,
    SubmissionResult,
    blank_results,
    invalid_result,
    mark_invalid,
)

MAX_RESTARTS = 5
#: What a question gets when the agent could not say what its answer reached (see :func:`_check_forbidden`).
UNCHECKED = "scored zero: the grader could not check this answer for forbidden modules"


@dataclass
class Options:
    """How to grade. ``timeout`` is per cell and per call; ``total_timeout`` per submission."""

    timeout: float = 30.0
    total_timeout: float = 600.0
    memory_mb: int | None = 2048
    output_bytes: int = 2_000_000
    sandbox: bool = True
    engine: str = "auto"


@dataclass
class _Step:
    kind: str  # setup, answer or extra
    code: str
    grade_id: str = ""
    question: str = ""


def _written_answers(assignment: Assignment, nb: Any, results: list[QuestionResult]) -> None:
    """Say, for each written answer, whether the submission has one for the instructor to read."""
    given = {
        str(nbgrader_meta(c).get("grade_id", "")): str(c.get("source", "")).strip()
        for c in nb.cells
        if cell_role(c) == "manual"
    }
    for r in results:
        if r.outcome == "manual":
            text = given.get(r.name, "")
            done = text and text != MARKDOWN_STUB and MARKDOWN_STUB not in text
            r.message = (
                f"your written answer awaits your instructor ({r.max_score:g} points, not in this score)"
                if done
                else f"no written answer was given ({r.max_score:g} points, graded by your instructor)"
            )


# -- the run plan -----------------------------------------------------------------------------
def _plan(assignment: Assignment, nb: Any) -> tuple[list[_Step], dict[str, str]]:
    """Cells to run in the kernel, in the submission's order, with setup cells restored from the
    source; and each answer's code. Test cells never run in the kernel."""
    owner = {a: q.name for q in assignment.questions for a in q.answers}
    source = {c.grade_id: c for c in assignment.cells if c.grade_id}
    steps, answers, seen = [], {}, set()
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        gid = str(nbgrader_meta(cell).get("grade_id", ""))
        original = source.get(gid)
        if original is not None and gid not in seen:
            seen.add(gid)
            if original.role == "setup" and original.cell_type == "code":
                steps.append(_Step("setup", original.source, gid))
            elif original.role == "answer":
                answers[gid] = str(cell.get("source", ""))
                steps.append(_Step("answer", answers[gid], gid, owner.get(gid, "")))
            continue  # test cells (and anything else of the source's) are never taken from the submission
        steps.append(_Step("extra", str(cell.get("source", ""))))
    missing = [_Step("setup", c.source, c.grade_id) for c in assignment.cells if c.role == "setup"]
    missing = [s for s in missing if s.grade_id not in seen and source[s.grade_id].cell_type == "code"]
    steps = missing + steps
    # Extra cells are charged to the question of the next answer cell (or the last question).
    following = assignment.questions[-1].name
    for step in reversed(steps):
        if step.kind == "answer" and step.question:
            following = step.question
        elif step.kind == "extra":
            step.question = following
    return steps, answers


def check_identity(assignment: Assignment, nb: Any) -> str:
    """Why ``nb`` is not a submission of ``assignment`` ("" when it is)."""
    name = nb.get("metadata", {}).get("mlcourse", {}).get("assignment")
    if name and name != assignment.name:
        return f"this notebook is assignment {name!r}, not {assignment.name!r}"
    ids = {str(nbgrader_meta(c).get("grade_id", "")) for c in nb.cells if cell_role(c) != "other"}
    if not ids & {c.grade_id for c in assignment.cells if c.grade_id}:
        return f"this notebook has none of the cells of assignment {assignment.name!r}"
    return ""


# -- names --------------------------------------------------------------------------------------
def _strip_magics(code: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in code.split("\n"))


def free_names(code: str) -> set[str]:
    """Names ``code`` reads but never binds itself (builtins excluded)."""
    loaded, bound = _names(code)
    return loaded - bound - set(dir(builtins))


def bound_names(code: str) -> set[str]:
    """Names ``code`` binds (assignments, imports, definitions, arguments)."""
    return _names(code)[1]


def _names(code: str) -> tuple[set[str], set[str]]:
    tree = ast.parse(_strip_magics(code))
    loaded, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return loaded, bound


# -- grading ------------------------------------------------------------------------------------
class _Session:
    """The kernel of one submission, with restarts that replay the cells that ran cleanly."""

    def __init__(self, assignment: Assignment, options: Options, protect: list[Path], deadline: float):
        limits = Limits(timeout=options.timeout, memory_mb=options.memory_mb, output_bytes=options.output_bytes)
        limits.cpu_seconds = int(options.total_timeout) + 30
        self.kernel = Kernel(limits, sandbox=options.sandbox, protect=protect, engine=options.engine)
        self.assignment = assignment
        self.options = options
        self.deadline = deadline
        self.good: list[_Step] = []
        self.bridge = Bridge(self.kernel, self.time_left)
        self.broken = ""
        self.log: list[str] = []  # the instructor's log of this submission

    def time_left(self) -> float:
        return max(0.0, min(self.options.timeout, self.deadline - time.monotonic()))

    def start(self) -> None:
        self.kernel.start()
        setup_names = frozenset().union(*(bound_names(code) for code in self.assignment.setup_code))
        reply = self.kernel.execute(bootstrap_code(self.assignment.forbidden, setup_names), timeout=30)
        if not reply.ok:
            raise RuntimeError(f"could not prepare the kernel: {reply.describe()}")

    def run(self, step: _Step) -> Reply:
        if self.time_left() <= 0:
            return Reply("timeout")
        trusted = step.kind == "setup" and self.assignment.forbidden
        if trusted:
            self.kernel.execute("__import__('sys').modules['_mlcourse_agent'].trust(True)", timeout=10)
        reply = self.kernel.execute(step.code, timeout=self.time_left())
        if trusted and self.kernel.alive:
            self.kernel.execute("__import__('sys').modules['_mlcourse_agent'].trust(False)", timeout=10)
        if reply.status in ("ok", "error"):
            self.good.append(step)
        return reply

    def recover(self) -> bool:
        """Restart a dead or stopped kernel and replay what ran before; False when that fails."""
        if self.kernel.alive:
            return True
        if self.broken:
            return False
        if self.kernel.starts > MAX_RESTARTS or self.time_left() <= 0:
            self.broken = "the kernel was restarted too often" if self.time_left() > 0 else "out of time"
            return False
        try:
            self.start()
        except RuntimeError as exc:
            self.log.append(f"restart {self.kernel.starts} failed: {exc}")
            self.broken = "the kernel could not be restarted"
            return False
        for step in self.good:
            reply = self.kernel.execute(step.code, timeout=self.time_left())
            if reply.status not in ("ok", "error"):
                self.broken = f"replaying earlier cells after a restart failed: {reply.describe()}"
                self.kernel.kill()
                return False
        return True


def _cell_failure(reply: Reply) -> tuple[str, str]:
    outcome = "timeout" if reply.status == "timeout" else "crashed"
    return outcome, f"your answer cell did not finish: {reply.describe()}"


# -- the tests ----------------------------------------------------------------------------------
def _run_test(question: Question, session: _Session, setup_ns: dict, result: QuestionResult) -> None:
    """Run one question's test code here, with proxies for the student's names."""
    student_names = free_names(question.visible + "\n" + question.hidden) - set(setup_ns)
    part = "visible"
    awards: list[tuple[float, str]] = []
    session.bridge.forbidden.clear()
    saved_tempdir = tempfile.tempdir
    if session.kernel.exchange is not None:  # files a test makes are then where the kernel can read them
        tempfile.tempdir = str(session.kernel.exchange)
    try:
        with recording_awards() as awards, defining_with(session.bridge.define):
            ns = _test_namespace(student_names, session, setup_ns)
            exec(compile(_strip_magics(question.visible), f"<test {question.name}>", "exec"), ns)
            if question.hidden:
                part = "hidden"
                exec(compile(_strip_magics(question.hidden), f"<hidden test {question.name}>", "exec"), ns)
        result.outcome, result.score = "passed", result.max_score
    except (KernelLost, Exception) as exc:  # KernelLost is a BaseException: named so that it is caught
        _test_failed(exc, part, bool(awards), result)
    finally:
        tempfile.tempdir = saved_tempdir
    _apply_awards(awards, result)
    if session.bridge.forbidden:
        modules = ", ".join(sorted(set(session.bridge.forbidden)))
        result.outcome, result.score = "forbidden", 0.0
        result.message = f"scored zero: your code used forbidden module {modules}"


def _test_namespace(student_names: set[str], session: _Session, setup_ns: dict) -> dict:
    """The setup cells' names, ``award``, and the student's names a test reads (as data or proxies)."""
    ns = dict(setup_ns)
    ns["award"] = award
    for name in sorted(student_names):
        value = session.bridge.describe(name)
        if value is not MISSING:
            ns[name] = value
    return ns


def _test_failed(exc: BaseException, part: str, awarded: bool, result: QuestionResult) -> None:
    """Set ``result``'s outcome and message for a test that raised ``exc`` in its ``part``."""
    if isinstance(exc, KernelLost):
        result.outcome = "timeout" if exc.reply.status == "timeout" else "crashed"
        result.message = f"calling your code from the {part} tests failed: {exc.reply.describe()}"
    elif isinstance(exc, NotImplementedError):
        if awarded:  # one part answered, another still a stub: keep the credit already earned
            result.outcome, result.message = "failed", "part of this question raises NotImplementedError"
        else:
            result.outcome, result.message = "not attempted", "not attempted (your code raises NotImplementedError)"
    elif isinstance(exc, AssertionError):
        hint = str(exc).strip()
        if part == "hidden":
            result.hidden = True
            result.message = "visible tests passed; a hidden test failed" + (f": {hint}" if hint else "")
        else:
            result.message = f"failed: {hint}" if hint else "failed: a visible assert failed (no message)"
    elif isinstance(exc, ProtocolError):
        result.message = f"{part} tests: {exc}"
    else:
        from_student = isinstance(exc, StudentError) or getattr(exc, "_mlcourse_student", False)
        name = exc.ename if isinstance(exc, StudentError) else type(exc).__name__
        # In a hidden test only the exception's type is shown: its message could echo hidden inputs.
        what = f"{name}: {str(exc)[:300]}" if part == "visible" else name
        result.hidden = part == "hidden"
        result.message = f"{part} tests: {'your code raised ' if from_student else ''}{what}"


def _apply_awards(awards: list[tuple[float, str]], result: QuestionResult) -> None:
    """Score a passed or failed test cell that called ``award`` by what it awarded, reasons first."""
    if not awards or result.outcome not in ("passed", "failed"):
        return
    fraction = min(1.0, sum(f for f, _ in awards))
    result.score = round(result.max_score * fraction, 6)
    reasons = "; ".join(f"{f:.0%} for {r}" if r else f"{f:.0%}" for f, r in awards)
    result.outcome = "passed" if fraction >= 1 and result.outcome == "passed" else "partial"
    result.message = reasons + (f". {result.message}" if result.message else "")
    if result.outcome == "partial" and result.score == 0:
        result.outcome = "failed"


def _setup_namespace(assignment: Assignment) -> dict:
    ns: dict = {"__name__": "__mlcourse_test__"}
    for code in assignment.setup_code:
        exec(compile(_strip_magics(code), "<setup>", "exec"), ns)
    return ns


# -- one submission -----------------------------------------------------------------------------
def _normalise(code: str) -> str:
    return "\n".join(line.rstrip() for line in code.strip().split("\n"))


@dataclass
class _Verdicts:
    """What is known of each question before its tests run."""

    #: question -> (outcome, message): decided already, so its tests do not run.
    decided: dict[str, tuple[str, str]]
    #: question -> a problem with its answer cells, added to the message when its tests fail.
    cell_errors: dict[str, str]


def _read_answers(assignment: Assignment, steps: list[_Step], answers: dict[str, str]) -> _Verdicts:
    """What the answers' source says: untouched stubs, missing answer cells, forbidden imports in sight."""
    verdicts = _Verdicts({}, {})
    for q in assignment.questions:
        if q.answers and all(
            a in answers and _normalise(answers[a]) == _normalise(assignment.stubs[a]) for a in q.answers
        ):
            verdicts.decided[q.name] = ("not attempted", "not attempted (the answer cell is unchanged)")
        for a in q.answers:
            if a not in answers:
                verdicts.cell_errors.setdefault(q.name, f"the answer cell {a!r} is missing from your notebook")
    for step in steps:
        if step.kind != "setup" and step.question not in verdicts.decided:
            uses = forbidden_uses(step.code, assignment.forbidden)
            if uses:
                verdicts.decided[step.question] = ("forbidden", f"scored zero: your answer {uses[0]}")
    return verdicts


def _run_cells(session: _Session, steps: list[_Step], verdicts: _Verdicts) -> None:
    """Run the setup, answer and extra cells in order, noting what each answer cell did."""
    decided = verdicts.decided
    for step in steps:
        if not session.recover():
            break
        reply = session.run(step)
        if step.kind == "answer" and reply.status == "error" and reply.ename == "NotImplementedError":
            decided.setdefault(
                step.question, ("not attempted", "not attempted (your answer raises NotImplementedError)")
            )
        elif step.kind != "setup" and reply.status == "error":
            verdicts.cell_errors.setdefault(step.question, f"your answer cell raised {reply.describe()[:300]}")
        elif step.kind != "setup" and reply.status in ("timeout", "output", "died"):
            decided.setdefault(step.question, _cell_failure(reply))
        if step.kind != "setup" and session.assignment.forbidden and session.kernel.alive:
            _check_forbidden(session, step, decided)


def _check_forbidden(session: _Session, step: _Step, decided: dict[str, tuple[str, str]]) -> None:
    """Ask the kernel's agent which forbidden modules the cell just run reached.

    A query that fails counts against the step's question, as :data:`UNCHECKED`: an answer that
    breaks the agent (replaces its ``serve``, say) must not pass unchecked. The failure goes to the
    instructor's log; a kernel lost to it is restarted by the next step's :meth:`_Session.recover`.
    """
    session.bridge.forbidden.clear()
    try:
        session.bridge.request(op="violations")
        failure, outcome = "", "failed"
    except KernelLost as exc:
        failure = exc.reply.describe()
        outcome = "timeout" if exc.reply.status == "timeout" else "crashed"
    except Exception as exc:  # ProtocolError, or whatever a tampered agent raised (its text is the student's)
        failure, outcome = f"{type(exc).__name__}: {exc}"[:300], "failed"
    if failure:
        where = step.question or step.grade_id or "a cell"
        session.log.append(f"{where}: could not check the {step.kind} cell for forbidden modules: {failure}")
    if session.bridge.forbidden:
        modules = ", ".join(sorted(set(session.bridge.forbidden)))
        decided[step.question] = ("forbidden", f"scored zero: your answer imports forbidden module {modules}")
    elif failure:
        decided.setdefault(step.question, (outcome, f"{UNCHECKED} ({failure})"))


def _run_tests(session: _Session, verdicts: _Verdicts, results: dict[str, QuestionResult]) -> None:
    """Give each question its verdict: decided already, or what its tests make of the student's names."""
    setup_ns = _setup_namespace(session.assignment)
    for q in session.assignment.questions:
        r = results[q.name]
        if q.name in verdicts.decided:
            r.outcome, r.message = verdicts.decided[q.name]
            continue
        if not session.recover():
            r.outcome = "timeout" if session.time_left() <= 0 else "crashed"
            r.message = f"not graded: {session.broken or 'the kernel is gone'}"
            continue
        _run_test(q, session, setup_ns, r)
        if r.outcome != "passed" and q.name in verdicts.cell_errors:
            r.message = f"{r.message} ({verdicts.cell_errors[q.name]})"


def grade_notebook(
    assignment: Assignment,
    nb: Any,
    *,
    student: str = "student",
    submission_hash: str = "",
    options: Options | None = None,
    protect: list[Path] = (),  # type: ignore[assignment]
) -> SubmissionResult:
    """Grade a parsed submission notebook; never raises for what the submission contains."""
    options = options or Options()
    start = time.monotonic()
    every = blank_results(assignment)
    sub = SubmissionResult(student, assignment.name, assignment.digest, submission_hash, GRADED, every)
    problem = check_identity(assignment, nb)
    if problem:
        return mark_invalid(sub, problem, start)
    _written_answers(assignment, nb, every)
    steps, answers = _plan(assignment, nb)
    verdicts = _read_answers(assignment, steps, answers)
    session = _Session(assignment, options, protect, start + options.total_timeout)
    try:
        try:
            session.start()
        except RuntimeError as exc:
            sub.notes.append(f"the kernel did not start: {exc}")
            for r in every:
                if r.outcome != "manual":
                    r.outcome, r.message = "crashed", "the grader could not start a kernel for this submission"
            sub.status = CRASHED
            return sub.finish(start)
        sub.notes.extend(_sandbox_notes(session.kernel.report, options))
        _run_cells(session, steps, verdicts)
        _run_tests(session, verdicts, {r.name: r for r in every if r.outcome != "manual"})
    finally:
        session.kernel.kill()
        sub.log = _instructor_log(session)
        session.kernel.close()
    outcomes = {r.outcome for r in every if r.outcome != "manual"}
    sub.status = TIMEOUT if "timeout" in outcomes else CRASHED if "crashed" in outcomes else GRADED
    return sub.finish(start)


def _sandbox_notes(report: dict, options: Options) -> list[str]:
    if options.sandbox and report.get("engine", "none") == "none":
        return [
            "NOT SANDBOXED: the grader is not root, so student code ran as the grader's own user and could "
            "read the assignment source (hidden tests), other submissions and the grade files"
        ]
    return []


def _instructor_log(session: _Session) -> str:
    """What went wrong in the grader's own words, then the end of the kernel's log."""
    lines = list(session.log)
    if session.kernel.survivors:
        lines.append(f"killed processes that outlived their sandbox: {session.kernel.survivors}")
    kernel_log = session.kernel.log_tail(64_000)
    return "\n".join([*lines, "--- kernel log (student-controlled text) ---", kernel_log] if kernel_log else lines)


def grade_file(
    assignment: Assignment,
    path: str | Path,
    *,
    student: str | None = None,
    options: Options | None = None,
    protect: list[Path] = (),  # type: ignore[assignment]
) -> SubmissionResult:
    """Grade one submission file (a corrupt or foreign notebook is reported as invalid)."""
    import nbformat

    path = Path(path)
    student = student or student_id(path.stem)
    start = time.monotonic()
    raw, problem = read_notebook(path)
    digest = hashlib.sha256(raw).hexdigest()
    if not problem:
        try:
            nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
            nbformat.validate(nb)
        except Exception as exc:
            problem = f"{path.name} is not a valid notebook ({type(exc).__name__})"
    if problem:
        return invalid_result(assignment, student, problem, submission_hash=digest, start=start)
    return grade_notebook(assignment, nb, student=student, submission_hash=digest, options=options, protect=protect)
