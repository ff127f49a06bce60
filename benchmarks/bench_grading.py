"""Grading speed: ``python benchmarks/bench_grading.py [--n 50] [--jobs 2]``.

Grades N copies of the evaluation assignment (solutions/05_evaluation.ipynb, or the toy fixture when it
does not exist) -- a mix of correct, wrong and broken submissions -- with ``--jobs`` processes, and
compares the time per submission with executing the same notebook bare (nbclient, no sandbox, no
proxies). Targets: overhead <= 2 s per submission, 50 submissions in <= 2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mlcourse.grading import sandbox  # noqa: E402
from mlcourse.grading.batch import grade_all  # noqa: E402
from mlcourse.grading.format import BEGIN_SOLUTION, END_SOLUTION, cell_role, split_test  # noqa: E402
from mlcourse.grading.grade import Options  # noqa: E402
from mlcourse.grading.release import render  # noqa: E402
from mlcourse.nbrun import run_notebook  # noqa: E402


def _student_copy(source: nbformat.NotebookNode, kind: str) -> nbformat.NotebookNode:
    """What a student would hand in: answers filled in (correct, wrong or broken), hidden tests gone."""
    nb = nbformat.from_dict(json.loads(json.dumps(source)))
    for cell in nb.cells:
        role = cell_role(cell)
        if role == "test":
            cell.source = split_test(cell.source)[0]
        elif role == "answer":
            lines = [ln for ln in cell.source.split("\n") if ln.strip() not in (BEGIN_SOLUTION, END_SOLUTION)]
            code = "\n".join(lines)
            if kind == "wrong":  # every function returns a constant
                code = code.replace("\n    ", "\n    return 0\n    ", 1)
            elif kind == "broken":  # a syntax error: nothing in the cell is defined
                code = "def oops(:\n    pass\n" + code
            cell.source = code
    return nb


def _bare_run(path: str) -> None:
    run_notebook(path, write=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="submissions to grade (default 50)")
    parser.add_argument("--jobs", type=int, default=2, help="parallel graders (default 2)")
    parser.add_argument(
        "--sandbox", default="auto", choices=["auto", "bwrap", "namespaces"], help="sandbox engine, as root"
    )
    args = parser.parse_args()
    source_path = REPO / "solutions" / "05_evaluation.ipynb"
    if not source_path.is_file():
        source_path = REPO / "tests" / "fixtures" / "grading" / "toy_source.ipynb"
    source = nbformat.read(source_path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        inbox, out = Path(tmp) / "inbox", Path(tmp) / "out"
        inbox.mkdir()
        kinds = ["correct", "correct", "wrong", "broken"]
        for i in range(args.n):
            kind = kinds[i % len(kinds)]
            (inbox / f"s{i:03d}_{kind}.ipynb").write_text(render(_student_copy(source, kind)))
        bare_nb = Path(tmp) / "bare.ipynb"
        bare_nb.write_text(render(_student_copy(source, "correct")))
        run_notebook(bare_nb, write=False)  # warm the caches
        bare = []
        for _ in range(3):
            start = time.perf_counter()
            run_notebook(bare_nb, write=False)
            bare.append(time.perf_counter() - start)
        n_bare = 5 * args.jobs
        with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
            list(pool.map(_bare_run, [str(bare_nb)] * args.jobs))  # start and warm the workers
            start = time.perf_counter()
            list(pool.map(_bare_run, [str(bare_nb)] * n_bare))
            bare_wall = (time.perf_counter() - start) / n_bare
        start = time.perf_counter()
        options = Options(timeout=30, engine=args.sandbox)
        rows = grade_all(source_path, [inbox], out, jobs=args.jobs, options=options, progress=True)
        wall = time.perf_counter() - start
    per = [r["execution_time"] for r in rows]
    by_kind: dict[str, list[float]] = {}
    for r in rows:
        by_kind.setdefault(r["student"].split("_", 1)[1], []).append(r["score"])
    bare_s = statistics.median(bare)
    engine = sandbox.engine(args.sandbox)[0]
    print(f"assignment: {source_path.relative_to(REPO)}; {args.n} submissions, --jobs {args.jobs}, sandbox: {engine}")
    print(f"bare nbclient run of a correct submission, one at a time: {bare_s:.2f} s (median of 3)")
    print(
        f"grading time of one submission (its execution_time): {statistics.median(per):.2f} s median, "
        f"{max(per):.2f} s max (the first of each worker also imports the test cells' libraries)"
    )
    print(f"wall time for all {args.n}: {wall:.1f} s = {wall / args.n:.2f} s per submission (target: 50 in <= 120 s)")
    print(f"bare nbclient, {args.jobs} in parallel like the grader: {bare_wall:.2f} s per notebook")
    print(
        f"overhead over bare: {wall / args.n - bare_wall:+.2f} s per submission at --jobs {args.jobs}, "
        f"{statistics.median(per) - bare_s:+.2f} s one at a time (target <= 2 s)"
    )
    for kind, scores in sorted(by_kind.items()):
        print(f"  {kind:8s} {len(scores):3d} submissions, mean score {statistics.mean(scores):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
