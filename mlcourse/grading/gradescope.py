"""Gradescope: build the autograder zip, and grade one upload the way Gradescope hands it over.

``mlcourse gradescope SOURCE.ipynb`` writes ``NAME_autograder.zip``: ``setup.sh`` (installs the course
as a built wheel, with ``requirements.lock`` as constraints and the CPU build of torch), ``run_autograder``
(grades whatever was uploaded) and the assignment source. ``mlcourse grade --gradescope`` is what
``run_autograder`` runs: it finds the student's notebook whatever its name or folder, and always leaves
``results.json``; it exits non-zero only for a fault of the grader.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

from mlcourse._io import write_atomic
from mlcourse.grading.batch import prepare, protected
from mlcourse.grading.format import Assignment, FormatError, load_assignment
from mlcourse.grading.grade import Options, grade_file
from mlcourse.grading.inbox import read_notebook, walk
from mlcourse.grading.report import feedback_md, plain, results_json
from mlcourse.grading.results import SubmissionResult, invalid_result
from mlcourse.grading.sandbox import SandboxUnavailable

STUDENT = "submission"
SETUP_SH = """\
#!/usr/bin/env bash
# Written by `mlcourse gradescope`. Gradescope runs it once, as root, when it builds the autograder
# image: it installs the course (a built wheel, never the repository, so no solutions/), the exact
# versions it was tested with, the CPU build of torch, and bubblewrap for the grader's sandbox.
set -euo pipefail
cd "$(dirname "$0")"
apt-get update -qq
apt-get install -y -qq bubblewrap python3.11 python3.11-venv || apt-get install -y -qq bubblewrap python3-venv
PYTHON="$(command -v python3.11 || command -v python3)"
"$PYTHON" -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet --upgrade pip
/autograder/venv/bin/pip install --quiet --constraint requirements.lock \\
    --extra-index-url https://download.pytorch.org/whl/cpu ./{wheel}
/autograder/venv/bin/mlcourse doctor --no-kernel --no-datasets
"""
RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Written by `mlcourse gradescope`. Gradescope runs it as root for every submission. It grades whatever
# was uploaded and always leaves results/results.json (its own stdout is shown to instructors only).
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
MLCOURSE="${{MLCOURSE:-$ROOT/venv/bin/mlcourse}}"
# The hidden tests and the results are root's alone, whichever sandbox grades.
chmod 700 "$ROOT/source" "$ROOT/results"
"$MLCOURSE" grade --gradescope --sandbox {sandbox} --quiet --assignment "$ROOT/source/{source}" \\
    "$ROOT/submission" --out "$ROOT/results"
code=$?
if [ ! -s "$ROOT/results/results.json" ]; then
    echo '{{"score": 0, "output": "The autograder could not run (a fault of the grader, not of your work); your instructor can see why.", "tests": []}}' > "$ROOT/results/results.json"
fi
exit $code
"""


def find_upload(folder: Path, assignment: Assignment) -> tuple[Path | None, str]:
    """The notebook to grade in an upload folder, or None and a message telling the student what to upload.

    One notebook anywhere under ``folder`` is it, whatever its name. Of several, the one whose metadata
    names this assignment; links are never followed.
    """
    notebooks, links = walk(folder)
    name = assignment.name
    if len(notebooks) == 1:
        return notebooks[0], ""
    if not notebooks:
        others = sorted(entry.name for entry in os.scandir(folder))[:5] if folder.is_dir() else []
        seen = f" (the upload holds {', '.join(others)})" if others else " (the upload is empty)"
        linked = " A link to a notebook is not a notebook." if links else ""
        return None, f"no notebook (.ipynb) was uploaded{seen}.{linked} Upload your {name}.ipynb."
    ours = [p for p in notebooks if _assignment_of(p) == name]
    listed = ", ".join(str(p.relative_to(folder)) for p in (ours or notebooks)[:5])
    if len(ours) == 1:
        return ours[0], ""
    if not ours:
        return (
            None,
            f"{len(notebooks)} notebooks were uploaded ({listed}) and none is {name}: upload only {name}.ipynb.",
        )
    return None, f"{len(ours)} notebooks of {name} were uploaded ({listed}): upload only one."


def _assignment_of(path: Path) -> str:
    raw, problem = read_notebook(path)
    try:
        meta = json.loads(raw)["metadata"]["mlcourse"] if not problem else {}
        return str(meta.get("assignment", "")) if isinstance(meta, dict) else ""
    except (ValueError, KeyError, TypeError):
        return ""


def _write(results: Path, sub: SubmissionResult) -> None:
    write_atomic(results / "results.json", json.dumps(results_json(sub), indent=1, sort_keys=True) + "\n")
    write_atomic(results / "feedback.md", feedback_md(sub))


def _fault(results: Path, why: str) -> None:
    """A results.json that blames the grader, not the student (who sees no details)."""
    data = {
        "score": 0.0,
        "output": "The autograder failed on this submission (a fault of the grader, not of your work); "
        "your instructor can see why.",
        "output_format": "md",
        "stdout_visibility": "hidden",
        "tests": [],
        "extra_data": {"fault": plain(why)[:2000]},
    }
    write_atomic(results / "results.json", json.dumps(data, indent=1, sort_keys=True) + "\n")


def grade_upload(source: str | Path, upload: str | Path, results: str | Path, options: Options) -> int:
    """Grade one Gradescope upload folder into ``results/results.json``; 0 unless the grader failed.

    Whatever the upload holds (any file name, a subfolder, two notebooks, nothing, a corrupt file),
    ``results.json`` is written with a score and a message for the student. The instructor's log is
    printed (Gradescope shows this program's output to instructors only).
    """
    results = Path(results)
    results.mkdir(parents=True, exist_ok=True, mode=0o700)
    start = time.monotonic()
    try:
        source = Path(source).resolve()
        assignment = load_assignment(source)
        options = prepare(options, source)
        path, problem = find_upload(Path(upload), assignment)
        if path is None:
            sub = invalid_result(assignment, STUDENT, problem, start=start)
        else:
            protect = protected(options, source, results.resolve(), [])
            sub = grade_file(assignment, path, student=STUDENT, options=options, protect=protect)
        _write(results, sub)
    except (FormatError, SandboxUnavailable) as exc:
        print(f"mlcourse grade --gradescope: {exc}")
        _fault(results, str(exc))
        return 1
    except Exception:  # the grader's own bug: still a results.json, and the traceback for the instructor
        print(traceback.format_exc())
        _fault(results, traceback.format_exc(limit=3))
        return 1
    print(f"sandbox: {options.engine}; graded {path.name if path else 'nothing'}: {plain(sub.message or 'ok')}")
    print(f"score {sub.score:g} / {sub.max_score:g} in {sub.execution_time:.1f} s")
    for line in sub.log.splitlines():
        print(plain(line))
    return 0


def project_root() -> Path:
    """The course checkout mlcourse runs from (its pyproject.toml builds the wheel)."""
    import mlcourse

    root = Path(mlcourse.__file__).resolve().parents[1]
    if not (root / "pyproject.toml").is_file() or not (root / "requirements.lock").is_file():
        raise FileNotFoundError(
            f"{root} is not a checkout of the course (no pyproject.toml and requirements.lock): "
            "run `mlcourse gradescope` from a clone of the repository"
        )
    return root


def build_wheel(folder: Path) -> Path:
    """Build the course's wheel into ``folder`` (the package only: no solutions/, no tests, no .git).

    It is built from a copy of what the wheel needs, so nothing is written into the checkout and two
    builds at once do not meet.
    """
    root = project_root()
    with tempfile.TemporaryDirectory(prefix="mlcourse-wheel-") as tmp:
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(root / name, Path(tmp) / name)
        shutil.copytree(root / "mlcourse", Path(tmp) / "mlcourse", ignore=shutil.ignore_patterns("__pycache__"))
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet"]
        subprocess.run([*cmd, "-w", str(folder), tmp], check=True, capture_output=True, text=True)
    return next(folder.glob("mlcourse-*.whl"))


def build_autograder(
    source: str | Path, out: str | Path | None = None, *, sandbox: str = "container", wheel: Path | None = None
) -> Path:
    """Write the Gradescope autograder zip of an assignment source; returns its path.

    Parameters
    ----------
    source : path
        The assignment source notebook (with hidden tests).
    out : path, optional
        The zip to write (default ``<assignment>_autograder.zip`` here).
    sandbox : str, default="container"
        The ``--sandbox`` that ``run_autograder`` grades with: ``container`` is the namespaces sandbox
        where Gradescope's container allows it, else a fresh uid (Docker's default profile refuses
        namespaces; each submission has a container of its own).
    wheel : path, optional
        A wheel of the course already built (the tests build it once).

    Examples
    --------
    >>> import tempfile
    >>> from mlcourse.grading.gradescope import build_autograder, project_root
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     build_autograder(project_root() / "solutions/05_evaluation.ipynb", f"{folder}/autograder.zip").name
    'autograder.zip'
    """
    source = Path(source)
    assignment = load_assignment(source)
    out = Path(out or f"{assignment.name}_autograder.zip")
    root = project_root()
    with tempfile.TemporaryDirectory(prefix="mlcourse-gradescope-") as tmp:
        wheel = wheel or build_wheel(Path(tmp))
        files = {
            "setup.sh": (SETUP_SH.format(wheel=wheel.name), 0o755),
            "run_autograder": (RUN_AUTOGRADER.format(sandbox=sandbox, source=source.name), 0o755),
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.part")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, (text, mode) in files.items():
                info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                info.external_attr = (0o100000 | mode) << 16
                zf.writestr(info, text)
            zf.write(source, source.name)
            zf.write(root / "requirements.lock", "requirements.lock")
            zf.write(wheel, wheel.name)
        shutil.move(partial, out)
    return out
