"""The ``mlcourse`` command: ``mlcourse --help`` lists what it can do."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from mlcourse import __version__


def _doctor(args: argparse.Namespace) -> int:
    from mlcourse.environment import doctor

    report = doctor(kernel=not args.no_kernel, datasets=not args.no_datasets)
    return 0 if report.ok else 1


def _release(args: argparse.Namespace) -> int:
    from mlcourse.grading.format import FormatError
    from mlcourse.grading.release import release

    if not args.solutions.is_dir():
        args.parser.error(f"SOLUTIONS_DIR: no such folder: {args.solutions}")
    try:
        changed = release(args.solutions, args.exercises, check=args.check)
    except FormatError as exc:
        print(f"mlcourse release: {exc}", file=sys.stderr)
        return 1
    if args.check:
        for path in changed:
            print(f"{path}: differs from what `mlcourse release` would write")
        if changed:
            print(f"run `mlcourse release {args.solutions} {args.exercises}` to update", file=sys.stderr)
            return 1
        print(f"{args.exercises}: up to date with {args.solutions}")
        return 0
    for path in changed:
        print(f"wrote {path}")
    if not changed:
        print(f"{args.exercises}: already up to date")
    return 0


def _check(args: argparse.Namespace) -> int:
    from mlcourse.grading.check import check_notebook, report

    if not args.notebook.is_file():
        args.parser.error(f"NOTEBOOK: no such file: {args.notebook}")
    try:
        results = check_notebook(args.notebook, timeout=args.timeout)
    except ValueError as exc:
        args.parser.error(str(exc))
    print(report(results))
    return 0 if all(r.outcome in ("passed", "written answer") for r in results) else 1


def _grade(args: argparse.Namespace) -> int:
    from mlcourse.grading.batch import grade_all, print_summary
    from mlcourse.grading.format import FormatError
    from mlcourse.grading.grade import Options
    from mlcourse.grading.sandbox import SandboxUnavailable

    if not args.assignment.is_file():
        args.parser.error(f"--assignment: no such file: {args.assignment}")
    if args.jobs < 1:
        args.parser.error(f"--jobs must be a positive integer, got {args.jobs}")
    for option, seconds in (("--timeout", args.timeout), ("--total-timeout", args.total_timeout)):
        if seconds <= 0:
            args.parser.error(f"{option} must be a positive number of seconds, got {seconds:g}")
    if args.memory < 0:
        args.parser.error(f"--memory must be a number of MiB >= 0 (0 for no limit), got {args.memory}")
    options = Options(
        timeout=args.timeout,
        total_timeout=args.total_timeout,
        memory_mb=args.memory or None,
        sandbox=True,
        engine=args.sandbox,
    )
    if args.gradescope:
        from mlcourse.grading.gradescope import grade_upload

        if len(args.submissions) != 1 or not args.submissions[0].is_dir():
            args.parser.error("--gradescope grades one upload folder: SUBMISSIONS must be one folder")
        return grade_upload(args.assignment, args.submissions[0], args.out, options)
    try:
        rows = grade_all(
            args.assignment,
            args.submissions,
            args.out,
            jobs=args.jobs,
            options=options,
            force=args.force,
            progress=not args.quiet,
        )
    except SandboxUnavailable as exc:
        print(f"mlcourse grade: {exc}", file=sys.stderr)
        return 2
    except (FormatError, ValueError) as exc:
        args.parser.error(str(exc))
    print_summary(rows)
    print(f"results: {args.out}/<student>/results.json, feedback.md; gradebook: {args.out}/gradebook.csv")
    return 0


def _gradescope(args: argparse.Namespace) -> int:
    import subprocess
    import time

    from mlcourse.grading.format import FormatError
    from mlcourse.grading.gradescope import build_autograder

    if not args.source.is_file():
        args.parser.error(f"SOURCE: no such file: {args.source}")
    start = time.monotonic()
    try:
        zip_path = build_autograder(args.source, args.output, sandbox=args.sandbox)
    except (FormatError, FileNotFoundError) as exc:
        args.parser.error(str(exc))
    except subprocess.CalledProcessError as exc:
        print(f"mlcourse gradescope: building the course's wheel failed:\n{exc.stderr}", file=sys.stderr)
        return 1
    size = zip_path.stat().st_size / 2**20
    print(f"wrote {zip_path} ({size:.1f} MB, {time.monotonic() - start:.1f} s): upload it as the autograder of a")
    print("Gradescope programming assignment (its base image: Ubuntu 22.04 or newer).")
    return 0


def _serve(args: argparse.Namespace) -> int:
    if not args.bundle.is_dir():
        args.parser.error(f"BUNDLE: no such folder: {args.bundle}")
    if not (args.bundle / "metadata.json").is_file():
        args.parser.error(f"BUNDLE: {args.bundle} has no metadata.json (write one with ModelBundle.save)")
    if not 1 <= args.port <= 65535:
        args.parser.error(f"--port must be between 1 and 65535, got {args.port}")
    for option, value in (("--workers", args.workers), ("--max-batch", args.max_batch)):
        if value < 1:
            args.parser.error(f"{option} must be a positive integer, got {value}")
    if args.sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", args.sha256):
        args.parser.error("--sha256 must be 64 hexadecimal characters")
    from mlcourse.serving import BundleIntegrityError, run_server

    try:
        run_server(
            args.bundle,
            host=args.host,
            port=args.port,
            workers=args.workers,
            max_batch=args.max_batch,
            expected_sha256=args.sha256,
            log_level=args.log_level,
            access_log=args.access_log,
            factories=args.trust_factory,
            fd=args.fd,
            exit_with_parent=args.exit_with_parent,
        )
    except (BundleIntegrityError, FileNotFoundError) as exc:
        print(f"mlcourse serve: refusing to serve {args.bundle}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the port is taken, or the address is not this machine's
        print(f"mlcourse serve: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlcourse",
        description="Tools for the mlcourse machine-learning-engineer course.",
        epilog="Run `mlcourse COMMAND --help` for the options of one command.",
    )
    parser.add_argument("--version", action="version", version=f"mlcourse {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_doctor(commands)
    _add_release(commands)
    _add_check(commands)
    _add_grade(commands)
    _add_gradescope(commands)
    _add_serve(commands)
    return parser


def _add_doctor(commands) -> None:
    p = commands.add_parser(
        "doctor",
        help="check that this environment can run the course",
        description="Check Python, every dependency against the lock file, a Jupyter kernel and the "
        "bundled datasets. Exits 0 when all is well, 1 otherwise; each failed row says how to fix it.",
    )
    p.add_argument("--no-kernel", action="store_true", help="skip starting a Jupyter kernel")
    p.add_argument("--no-datasets", action="store_true", help="skip loading the bundled datasets")
    p.set_defaults(func=_doctor)


def _add_release(commands) -> None:
    p = commands.add_parser(
        "release",
        help="write student exercises from assignment sources",
        description="Write every solutions/NN_name.ipynb as exercises/NN_name.ipynb: solution blocks become "
        "`# YOUR CODE HERE` + `raise NotImplementedError()`, hidden tests are removed, outputs cleared.",
    )
    p.add_argument(
        "solutions",
        nargs="?",
        type=Path,
        default=Path("solutions"),
        metavar="SOLUTIONS_DIR",
        help="assignment sources (default: solutions)",
    )
    p.add_argument(
        "exercises",
        nargs="?",
        type=Path,
        default=Path("exercises"),
        metavar="EXERCISES_DIR",
        help="where student versions go (default: exercises)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 naming the exercises that differ from a fresh release",
    )
    p.set_defaults(func=_release, parser=p)


def _add_check(commands) -> None:
    p = commands.add_parser(
        "check",
        help="run an exercise notebook and report its visible tests",
        description="Run NOTEBOOK top to bottom in a fresh kernel and print, per question, passed, failed "
        "(with the assertion message) or not attempted. Exits 0 when every visible test passes.",
    )
    p.add_argument("notebook", type=Path, metavar="NOTEBOOK", help="your exercise notebook")
    p.add_argument("--timeout", type=float, default=120, help="seconds any one cell may run (default 120)")
    p.set_defaults(func=_check, parser=p)


def _add_grade(commands) -> None:
    p = commands.add_parser(
        "grade",
        help="grade a folder of submissions (instructors)",
        description="Grade submissions against an assignment source, hidden tests included. Each submission "
        "runs in its own limited kernel; as root, in a sandbox (a fresh unprivileged user, an allowlisted "
        "read-only filesystem, its own pid and network namespaces). Writes OUT/<student>/results.json "
        "(Gradescope format), OUT/<student>/feedback.md, OUT/gradebook.csv and the instructor's logs in OUT/.logs.",
    )
    p.add_argument(
        "--assignment",
        type=Path,
        required=True,
        metavar="SOURCE.ipynb",
        help="the assignment source notebook, with solutions and hidden tests",
    )
    p.add_argument(
        "submissions",
        nargs="+",
        type=Path,
        metavar="SUBMISSIONS",
        help="submitted notebooks, or folders of them (student id = file or folder name)",
    )
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="submissions graded in parallel (default 1)")
    p.add_argument(
        "--timeout", type=float, default=30, metavar="S", help="seconds per cell and per test call (default 30)"
    )
    p.add_argument(
        "--total-timeout", type=float, default=600, metavar="S", help="seconds per submission in all (default 600)"
    )
    p.add_argument(
        "--memory",
        type=int,
        default=2048,
        metavar="MB",
        help="memory (address space) limit per kernel in MiB; 0 for none (default 2048)",
    )
    p.add_argument(
        "--sandbox",
        choices=["auto", "bwrap", "namespaces", "uid", "container"],
        default="auto",
        help="sandbox engine when root: auto is bubblewrap if installed, else mlcourse's own namespaces "
        "(`mlcourse doctor` says which); uid is only a fresh user, for a throw-away container that refuses "
        "namespaces; container is auto, else uid (default auto)",
    )
    p.add_argument("--force", action="store_true", help="regrade students who already have results")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--gradescope",
        action="store_true",
        help="grade one Gradescope upload folder (any notebook in it, whatever its name) into OUT/results.json; "
        "a results.json is always written, and the exit status is non-zero only for a fault of the grader",
    )
    p.set_defaults(func=_grade, parser=p)


def _add_gradescope(commands) -> None:
    p = commands.add_parser(
        "gradescope",
        help="build a Gradescope autograder zip for an assignment (instructors)",
        description="Write NAME_autograder.zip: setup.sh (installs the course as a built wheel with the tested "
        "versions and the CPU build of torch), run_autograder (grades whatever a student uploads) and the "
        "assignment source. Upload it as a Gradescope programming assignment's autograder.",
    )
    p.add_argument("source", type=Path, metavar="SOURCE.ipynb", help="the assignment source, with hidden tests")
    p.add_argument("-o", "--output", type=Path, metavar="ZIP", help="the zip to write (default NAME_autograder.zip)")
    p.add_argument(
        "--sandbox",
        choices=["container", "auto", "bwrap", "namespaces", "uid"],
        default="container",
        help="what run_autograder grades with: container (default) is the namespaces sandbox where Gradescope's "
        "container allows it, else a fresh uid (each submission has a throw-away container of its own)",
    )
    p.set_defaults(func=_gradescope, parser=p)


def _add_serve(commands) -> None:
    p = commands.add_parser(
        "serve",
        help="serve a model bundle over HTTP (FastAPI under uvicorn)",
        description="Load the model bundle in BUNDLE (every file checked against its manifest, the manifest "
        "against --sha256, before anything is unpickled) and "
        "serve GET /health, GET /metadata, POST /predict and GET /metrics until Ctrl-C. Exits 1 when the "
        "bundle is refused (tampered or incomplete).",
    )
    p.add_argument("bundle", type=Path, metavar="BUNDLE", help="a folder written by ModelBundle.save")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes sharing the port, each with one event loop and one thread per numerical "
        "library unless OMP_NUM_THREADS etc. say otherwise (default 1; about one per CPU core)",
    )
    p.add_argument(
        "--max-batch", type=int, default=1000, metavar="N", help="most records per POST /predict (default 1000)"
    )
    p.add_argument(
        "--sha256",
        metavar="HEX",
        default=os.environ.get("MLCOURSE_BUNDLE_SHA256") or None,
        help="the bundle's pinned digest (ModelBundle.digest, printed when serving starts): refuse any other "
        "bundle (default: the MLCOURSE_BUNDLE_SHA256 environment variable)",
    )
    p.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level (default info)",
    )
    p.add_argument("--access-log", action="store_true", help="log every request (slower)")
    p.add_argument(
        "--trust-factory",
        action="append",
        default=[],
        metavar="MODULE:FUNCTION",
        help="a PyTorch architecture factory to trust besides mlcourse's own (repeatable)",
    )
    # For serve_in_background: an inherited listening socket, and stop when the parent process dies.
    p.add_argument("--fd", type=int, help=argparse.SUPPRESS)
    p.add_argument("--exit-with-parent", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=_serve, parser=p)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for usage errors, as argparse does)."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
