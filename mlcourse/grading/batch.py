"""``mlcourse grade``: grade many submissions, in parallel, resumably, with a progress bar."""

from __future__ import annotations

import hashlib
import json
import numbers
import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from mlcourse._validation import check_scalar
from mlcourse.grading import sandbox
from mlcourse.grading.format import Assignment, load_assignment
from mlcourse.grading.grade import Options, grade_file
from mlcourse.grading.inbox import Submission, collect, read_notebook
from mlcourse.grading.report import plain, summary_table, write_gradebook, write_submission
from mlcourse.grading.results import invalid_result


def _digest(path: Path | None) -> str:
    raw, problem = read_notebook(path) if path else (b"", "none")
    return "" if problem else hashlib.sha256(raw).hexdigest()


def prepare(options: Options, source: Path) -> Options:
    """``options`` with the sandbox engine that will grade; refuses what would not be safe.

    Raises
    ------
    SandboxUnavailable
        As root: no engine can build the sandbox, a folder on Python's import path can be written
        by other users, or the kernels could read the assignment source.
    """
    if not options.sandbox:
        return options
    engine, _why = sandbox.engine("auto" if options.engine == "none" else options.engine)
    options = replace(options, engine=engine)
    unsafe = sandbox.unsafe_import_paths() if engine != "none" else []
    if unsafe:
        raise sandbox.SandboxUnavailable(
            f"refusing to grade as root: {', '.join(unsafe)} (on Python's import path) can be written by "
            "users other than root, so a kernel could plant code there that root would run; fix its permissions"
        )
    shown = [r for r in sandbox.python_roots() if Path(r) in source.parents]
    if engine in ("bwrap", "namespaces") and shown:
        raise sandbox.SandboxUnavailable(
            f"refusing to grade: the assignment source is inside {shown[0]}, which every kernel can read; "
            "keep it outside the Python installation and the mlcourse package"
        )
    if engine == "uid" and sandbox.readable_by_others(source):
        raise sandbox.SandboxUnavailable(
            f"refusing to grade: with only a fresh uid between them, student code could read {source}; "
            f"keep it in a folder only root can open (chmod 700 {source.parent})"
        )
    return options


def protected(options: Options, source: Path, out: Path, roots: list[Path]) -> list[Path]:
    """What every kernel's start checks it cannot see: with namespaces, everything of the grader's
    around it; with a uid only, what its file permissions must keep from it."""
    if options.engine == "uid":
        return [source, out]
    found = [source, source.parent, out, out.parent, Path.home(), *{r.resolve() for r in roots}]
    git = next((p / ".git" for p in source.parents if (p / ".git").exists()), None)
    return found + ([git, git.parent / "solutions"] if git is not None else [])


def _done(out: Path, sub: Submission, assignment: Assignment) -> dict | None:
    """The stored result of a submission already graded against this same source, if any."""
    try:
        data = json.loads((out / sub.student / "results.json").read_text())["extra_data"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    same = data.get("assignment_hash") == assignment.digest and data.get("submission_hash") == _digest(sub.path)
    return data if same else None


def _grade_one(assignment: Assignment, sub: Submission, options: Options, protect: list[Path], out: Path) -> dict:
    if sub.path is None:  # collect() found no regular file to read: a link, a fifo, nothing
        result = invalid_result(assignment, sub.student, sub.problem)
    else:
        result = grade_file(assignment, sub.path, student=sub.student, options=options, protect=protect)
    write_submission(out, result)
    return result.to_dict()


def _stored(out: Path, subs: list[Submission], assignment: Assignment, force: bool) -> tuple[dict, list]:
    """The rows of the students graded already (none with ``force``), and the submissions left to grade."""
    rows: dict[str, dict] = {}
    todo = []
    for sub in subs:
        stored = None if force else _done(out, sub, assignment)
        if stored is not None:
            rows[sub.student] = stored
        else:
            todo.append(sub)
    return rows, todo


def _warn_unsandboxed(options: Options) -> None:
    if options.sandbox and options.engine == "none":
        print(
            "WARNING: not running as root, so submissions cannot be sandboxed: student code runs as "
            f"{os.environ.get('USER', 'you')} and can read the assignment source, other submissions and "
            "the grade files, and reach the network. Grade as root, or inside a container (see README).",
            file=sys.stderr,
        )


def grade_all(
    source: str | Path,
    submissions: list[str | Path],
    out: str | Path,
    *,
    jobs: int = 1,
    options: Options | None = None,
    force: bool = False,
    progress: bool = True,
) -> list[dict]:
    """Grade every submission and write the result files and ``out/gradebook.csv``.

    Parameters
    ----------
    source : path
        The assignment source notebook (with hidden tests); read once, kept in memory.
    submissions : list of path
        Notebooks, or folders of them; the student id is the file stem or the folder name.
    out : path
        Output folder (created private to its owner).
    jobs : int
        Submissions graded at the same time, each in its own process.
    force : bool
        Regrade students whose results.json already matches this source and submission.

    Returns
    -------
    list of dict
        One row per student (``SubmissionResult.to_dict()``).

    Notes
    -----
    With ``jobs > 1`` workers are started with ``spawn``: a script calling this must guard its entry
    point with ``if __name__ == "__main__":``.
    """
    options = options or Options()
    check_scalar(jobs, "jobs", numbers.Integral, min_val=1)
    assignment = load_assignment(source)
    source_path = Path(source).resolve()
    options = prepare(options, source_path)
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    subs = collect([Path(p) for p in submissions], assignment.name)
    protect = protected(options, source_path, out, [s.root for s in subs])
    rows, todo = _stored(out, subs, assignment, force)
    _warn_unsandboxed(options)
    notes_seen: set[str] = set()

    def finished(row: dict) -> None:
        rows[row["student"]] = row
        write_gradebook(out, rows.values(), assignment)
        for note in row.get("notes", []):
            if note not in notes_seen:
                notes_seen.add(note)
                print(plain(f"{row['student']}: {note}"), file=sys.stderr)

    job = partial(_grade_one, assignment, options=options, protect=protect, out=out)
    _grade_each(todo, jobs, job, finished, _bar(len(subs), len(subs) - len(todo), progress))
    write_gradebook(out, rows.values(), assignment)
    return [rows[s.student] for s in subs]


def _grade_each(todo: list[Submission], jobs: int, job: Callable, finished: Callable, bar: Any) -> None:
    """``finished(job(sub))`` for each submission, here or in up to ``jobs`` spawned processes; closes ``bar``."""
    try:
        if jobs == 1 or len(todo) <= 1:
            for sub in todo:
                finished(job(sub))
                bar.update(1)
            return
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(job, sub) for sub in todo]
            for future in as_completed(futures):
                finished(future.result())
                bar.update(1)
    finally:
        bar.close()


def _bar(total: int, initial: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc="grading", unit="submission", disable=not enabled, file=sys.stderr)


def print_summary(rows: list[dict]) -> None:
    """Print the summary table and counts per status."""
    print(summary_table(rows))
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    print(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
