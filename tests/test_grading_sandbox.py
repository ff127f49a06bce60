"""The grader's sandbox against real hostile submissions, graded as root by each sandbox engine.

Every attack here is a notebook a student could hand in, graded with ``grade_all`` exactly as
``mlcourse grade`` does. Under ``CI=true`` an engine that cannot be set up fails these tests; it never
skips them. The assignments are the toy fixture (forbidden: ``fractions``) and the course's own
``05_evaluation`` (forbidden: ``sklearn.metrics``, ``mlcourse.metrics``, ``scipy.stats``).
"""

from __future__ import annotations

import csv
import json
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

import mlcourse
from mlcourse.grading import sandbox
from mlcourse.grading.batch import grade_all
from mlcourse.grading.format import BEGIN_SOLUTION, END_SOLUTION, nbgrader_meta
from mlcourse.grading.grade import Options
from mlcourse.grading.kernel import Kernel, Limits, SandboxError
from mlcourse.grading.release import release_notebook
from tests.conftest import REPO
from tests.container import as_in_a_container
from tests.fixtures.grading.make_fixtures import ALL, ANSWERS, strip_markers, submission

TOY = REPO / "tests" / "fixtures" / "grading" / "toy_source.ipynb"
EVALUATION = REPO / "solutions" / "05_evaluation.ipynb"
ENGINES = ("namespaces", "bwrap")
SURVIVOR = "mlc-survivor"  # the process name the survivor gives itself, so this test can look for it
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def require(engine: str) -> None:
    """Skip (fail under CI=true) when ``engine`` cannot build the sandbox on this machine."""
    try:
        got, why = sandbox.engine(engine)
    except sandbox.SandboxUnavailable as exc:
        got, why = "", str(exc)
    if got != engine:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must test the {engine} sandbox, but it cannot be set up here: {why}")
        pytest.skip(f"the {engine} sandbox cannot be set up here: {why}")


@pytest.fixture(scope="module", params=ENGINES)
def engine(request) -> str:
    require(request.param)
    return request.param


def _write(folder: Path, name: str, nb) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def evaluation_submission(**answers: str):
    """05_evaluation as a student hands it in: the released exercise with some answer cells replaced."""
    source = nbformat.read(EVALUATION, as_version=4)
    solution = {
        nbgrader_meta(c)["grade_id"]: "\n".join(
            line for line in c.source.split("\n") if line.strip() not in (BEGIN_SOLUTION, END_SOLUTION)
        )
        for c in source.cells
        if nbgrader_meta(c).get("solution") and c.cell_type == "code"
    }
    nb = release_notebook(source)
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in solution:
            cell.source = answers.get(gid, solution[gid])
    return nb


def results(out: Path, student: str) -> dict:
    data = json.loads((out / student / "results.json").read_text())
    data["by_name"] = {q["name"]: q for q in data["extra_data"]["questions"]}
    return data


def no_survivor() -> list[tuple[int, str]]:
    found = []
    for pid, _uid, _state in sandbox.processes():
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == SURVIVOR:
                found.append((pid, _state))
        except OSError:
            pass
    return found


# -- 1. a process that outlives its kernel, and root writing where it points ---------------------
SURVIVOR_CELL = """\
import ctypes, os, threading, time, sys

def _survive(target):
    libc = ctypes.CDLL(None)
    libc.prctl(15, b"__NAME__", 0, 0, 0)  # PR_SET_NAME
    os.setsid()                          # out of the kernel's process group
    def swap():
        while True:  # point every name the grader could write or chown at the target
            for folder in [os.environ.get("HOME", "."), "/tmp", "/run/mlcourse", "/run/mlcourse/sock"]:
                for n in range(1, 8):
                    link = os.path.join(folder, f"kernel-{n}.json")
                    try:
                        os.symlink(target, link + ".new")
                        os.replace(link + ".new", link)
                    except OSError:
                        pass
            for entry in sys.path:  # and a .pth that root would run at its next start
                try:
                    with open(os.path.join(entry or ".", "zz_pwned.pth"), "w") as fh:
                        fh.write("import os; os.system('touch /tmp/pwned-by-pth')\\n")
                except OSError:
                    pass
            time.sleep(0.02)
    threading.Thread(target=swap).start()
    libc.pthread_exit(None)  # the thread-group leader leaves: /proc shows it as a zombie

if os.fork() == 0:
    if os.fork() == 0:  # double fork: the survivor is nobody's child
        _survive("__TARGET__")
    os._exit(0)
time.sleep(0.3)

def mean(values):
    return float(sum(values) / len(values)) if len(values) else float("nan")
"""


def test_nothing_survives_a_kernel_and_root_never_follows_its_links(engine, tmp_path):
    target = tmp_path / "site-packages"
    target.mkdir()
    before = os.stat(target)
    inbox = tmp_path / "inbox"
    survivor = SURVIVOR_CELL.replace("__NAME__", SURVIVOR).replace("__TARGET__", str(target))
    # q2 kills its kernel, so the grader restarts it and replays q1: the moment the old attack needed.
    _write(inbox, "survivor", submission(**{**ALL, "q1_mean": survivor, "q2_accuracy": "import os\nos._exit(1)"}))
    out = tmp_path / "out"
    grade_all(TOY, [inbox], out, options=Options(timeout=20, total_timeout=120, engine=engine), progress=False)
    data = results(out, "survivor")
    assert data["by_name"]["test_q1_mean"]["score"] == 2.0
    assert data["by_name"]["test_q2_accuracy"]["outcome"] == "crashed"
    assert data["by_name"]["test_q3_scaler"]["score"] == 3.0  # the restart happened and grading went on
    assert no_survivor() == []
    after = os.stat(target)
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (0, 0, stat.S_IMODE(before.st_mode))
    assert os.listdir(target) == []
    assert not Path("/tmp/pwned-by-pth").exists()
    assert not [p for p in sys.path if p and os.path.exists(os.path.join(p, "zz_pwned.pth"))]


# -- 2. the repository, the solutions and everything else are absent ------------------------------
SNOOP_CELL = """\
import glob, json, os, pathlib, socket
import mlcourse

def _leaks():
    found = []
    repo = pathlib.Path(mlcourse.__file__).resolve().parents[1]
    for path in [*json.loads('__SECRETS__'), str(repo / "solutions" / "05_evaluation.ipynb"),
                 str(repo / ".git" / "HEAD"), str(repo / "README.md"), "/root/.bash_history", "/etc/shadow"]:
        try:
            with open(path, "rb") as fh:
                found.append(f"read {path}: {fh.read(20)!r}")
        except OSError:
            pass
    allowed = {str(repo): {".venv", "mlcourse"}, "/root": {".pyenv"}}
    for folder in [str(repo), "/root", "/home", "__OUT_PARENT__", "__INBOX__", "/srv", "/opt", "/mnt", "/var"]:
        try:
            extra = set(os.listdir(folder)) - allowed.get(folder, {"student"})
        except OSError:
            continue
        if extra:
            found.append(f"listed {folder}: {sorted(extra)[:5]}")
    pids = [p for p in os.listdir("/proc") if p.isdigit()]
    if len(pids) > 4:
        found.append(f"{len(pids)} processes in /proc")
    for host in ["127.0.0.1", "10.0.2.2", "1.1.1.1"]:
        try:
            socket.create_connection((host, __PORT__), timeout=1).close()
            found.append(f"connected to {host}")
        except OSError:
            pass
    return found

def mean(values):
    leaks = _leaks()
    return "; ".join(leaks) if leaks else (float(sum(values) / len(values)) if len(values) else float("nan"))
"""

LEAK_SOLUTIONS = """\
import json, pathlib
import mlcourse

# What got full marks before: run the instructor's own solution cells, found next to mlcourse.
_root = pathlib.Path(mlcourse.__file__).resolve().parents[1]
for _cell in json.loads((_root / "solutions" / "05_evaluation.ipynb").read_text())["cells"]:
    if _cell["cell_type"] == "code" and _cell["metadata"].get("nbgrader", {}).get("solution"):
        exec("".join(_cell["source"]))
"""


def test_the_kernel_sees_nothing_but_python_and_its_own_folders(engine, tmp_path):
    import socket

    inbox, out = tmp_path / "inbox", tmp_path / "grades" / "out"
    secret_other = _write(inbox, "other", submission(**ALL))
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        secrets = json.dumps([str(TOY), str(secret_other), str(out / "other" / "results.json")])
        snoop = (
            SNOOP_CELL.replace("__SECRETS__", secrets)
            .replace("__OUT_PARENT__", str(out.parent))
            .replace("__INBOX__", str(inbox))
            .replace("__PORT__", str(port))
        )
        _write(inbox, "snoop", submission(**{**ALL, "q1_mean": snoop}))
        options = Options(timeout=20, total_timeout=120, engine=engine)
        grade_all(TOY, [inbox], out, jobs=2, options=options, progress=False)
    data = results(out, "snoop")
    q1 = data["by_name"]["test_q1_mean"]
    assert q1["score"] == 2.0, q1["message"]  # the message lists whatever leaked


def test_running_the_instructors_solutions_from_the_repository_fails(engine, tmp_path):
    leak = {gid: LEAK_SOLUTIONS for gid in ("q1_confusion_matrix", "q3_roc_auc_from_ranks")}
    _write(tmp_path / "inbox", "leaker", evaluation_submission(**leak))
    out = tmp_path / "out"
    grade_all(EVALUATION, [tmp_path / "inbox"], out, options=Options(timeout=30, engine=engine), progress=False)
    data = results(out, "leaker")
    assert data["by_name"]["q1_tests"]["score"] == 0 and data["by_name"]["q3_tests"]["score"] == 0
    assert "FileNotFoundError" in data["by_name"]["q1_tests"]["message"]


FILL_CELL = """\
import os

FOLDERS = ["/tmp", "/dev/shm", os.environ["HOME"]]
for folder in FOLDERS:  # left behind for the next student to find
    with open(os.path.join(folder, "mlc-left-behind"), "w") as fh:
        fh.write("x")
CAPPED = {}
for folder in FOLDERS:  # fill each folder with 32 MB files until the disk says no
    try:
        for i in range(64):
            with open(os.path.join(folder, f"fill{i}"), "wb") as fh:
                fh.write(bytes(32 * 2**20))
        CAPPED[folder] = False
    except OSError as exc:
        CAPPED[folder] = exc.errno == 28  # ENOSPC
    for i in range(64):
        if os.path.exists(os.path.join(folder, f"fill{i}")):
            os.remove(os.path.join(folder, f"fill{i}"))

def mean(values):
    if not all(CAPPED.values()):
        return f"not capped: {CAPPED}"
    return float(sum(values) / len(values)) if len(values) else float("nan")
"""

FIND_CELL = """\
import os

FOUND = [p for p in ["/tmp/mlc-left-behind", "/dev/shm/mlc-left-behind", "/home/student/mlc-left-behind"]
         if os.path.exists(p)]

def mean(values):
    return f"found {FOUND}" if FOUND else (float(sum(values) / len(values)) if len(values) else float("nan"))
"""


def test_private_capped_tmp_shm_and_home_that_vanish_with_the_kernel(engine, tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    _write(inbox, "a_filler", submission(**{**ALL, "q1_mean": FILL_CELL}))
    _write(inbox, "b_finder", submission(**{**ALL, "q1_mean": FIND_CELL}))  # graded after a_filler
    grade_all(TOY, [inbox], out, options=Options(timeout=30, engine=engine), progress=False)
    assert results(out, "a_filler")["by_name"]["test_q1_mean"]["score"] == 2.0  # 64, 64 and 256 MB caps held
    assert results(out, "b_finder")["by_name"]["test_q1_mean"]["score"] == 2.0  # and nothing was left behind
    assert not Path("/tmp/mlc-left-behind").exists() and not Path("/dev/shm/mlc-left-behind").exists()


def test_the_kernel_runs_as_a_fresh_uid_with_no_groups_no_privileges_and_no_network(engine):
    with Kernel(Limits(timeout=20), sandbox=True, engine=engine) as k:
        k.start()
        code = (
            "import json, os, socket\n"
            "status = open('/proc/self/status').read()\n"
            "caps = [l.split()[1] for l in status.splitlines() if l.startswith(('CapEff', 'CapPrm', 'CapBnd'))]\n"
            "nnp = [l.split()[1] for l in status.splitlines() if l.startswith('NoNewPrivs')]\n"
            "print(json.dumps([os.getuid(), os.getgid(), os.getgroups(), caps, nnp, sorted(n for _, n in socket.if_nameindex())]))"
        )
        uid, gid, groups, caps, nnp, interfaces = json.loads(k.execute(code).stdout)
        assert uid == gid == k.uid and sandbox.sandbox_uid(uid) and groups == []
        assert set(caps[:2]) == {"0000000000000000"} and nnp == ["1"] and interfaces == ["lo"]
        assert k.report["engine"] == engine and k.report["dropped"] is True


def test_the_launcher_refuses_to_start_a_half_built_sandbox(tmp_path):
    require("namespaces")
    for name in ("root", "stage"):
        (tmp_path / name).mkdir(mode=0o700)
    spec = {
        "engine": "namespaces",
        "uid": sandbox.UID_LOW - 1,
        "gid": sandbox.UID_LOW - 1,
        "mounts": [["ro", "/no/such/folder", "/opt/x"]],
        "cwd": "/",
        "newroot": str(tmp_path / "root"),
        "stage": str(tmp_path / "stage"),
    }
    proc = subprocess.run(
        [sys.executable, "-I", "-S", str(sandbox.LAUNCHER), json.dumps(spec), "--", "/bin/echo", "RAN"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 125 and "RAN" not in proc.stdout
    assert "refused to start the kernel" in proc.stderr


def test_a_kernel_that_can_see_a_protected_path_is_refused(engine, tmp_path):
    with Kernel(Limits(timeout=20), sandbox=True, engine=engine, protect=["/usr/bin"]) as k:
        with pytest.raises(SandboxError, match="can see /usr/bin"):
            k.start()
        assert not k.alive


# -- 3. a reply that claims gigabytes ---------------------------------------------------------------
FAKE_REPLY = """\
import json, sys
from IPython.display import publish_display_data

_agent = sys.modules["_mlcourse_" + "agent"]  # spelled so that the source check does not see it
_claim = {"ok": True, "kind": "data", "forbidden": [],
          "value": {"__ndarray__": ["<U" + "__WIDTH__", [3000], ["a"] * 3000]}}
_agent.serve = lambda text: publish_display_data({_agent.MIME: json.dumps(_claim)})

def accuracy(y_true, y_pred):
    return 1.0
"""


def test_a_reply_claiming_gigabytes_is_refused_before_it_is_allocated(engine, tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    for name, width in (("three_gb", 250_000), ("forty_gb", 3_500_000)):
        _write(inbox, name, submission(**{**ALL, "q2_accuracy": FAKE_REPLY.replace("__WIDTH__", str(width))}))
    _write(inbox, "honest", submission(**ALL))
    # `mlcourse grade` under a parent of its own, which then reads the peak memory of its whole tree.
    cmd = [str(Path(sys.executable).with_name("mlcourse")), "grade", "--assignment", str(TOY), str(inbox)]
    cmd += ["--out", str(out), "--jobs", "2", "--quiet", "--sandbox", engine, "--timeout", "20"]
    measure = (
        "import resource, subprocess, sys\n"
        "code = subprocess.run(sys.argv[1:]).returncode\n"
        "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)"
    )
    proc = subprocess.run([sys.executable, "-c", measure, *cmd], capture_output=True, text=True, timeout=300)
    code, peak_mb = map(int, proc.stdout.split()[-2:])
    assert code == 0, proc.stderr
    assert peak_mb < 900  # a 3 GB claim used to take the grader to 3.1 GB
    for name in ("three_gb", "forty_gb"):
        q2 = results(out, name)["by_name"]["test_q2_accuracy"]
        assert q2["score"] == 0 and "wider than" in q2["message"]
    assert results(out, "honest")["score"] == 9.0  # the batch went on


# -- 4. forbidden modules reached without an import statement the source check can see -------------
def _auc(expression: str, prelude: str = "") -> str:
    return f"{prelude}\ndef roc_auc_from_ranks(y_true, y_score):\n    return float({expression})\n"


FORBIDDEN_ATTACKS = {
    "star_import": _auc("metrics.roc_auc_score(y_true, y_score)", "from sklearn import *"),
    "exec_fresh_globals": (
        "def roc_auc_from_ranks(y_true, y_score):\n"
        "    ns = {}\n"
        "    exec('from sklearn.' + 'metrics import roc_auc_score as f', ns)\n"
        "    return float(ns['f'](y_true, y_score))\n"
    ),
    "fresh_globals_function": (
        "import builtins, types\n"
        "_code = compile('def f(y, s):\\n    from sklearn import metrics\\n    return float(metrics.roc_auc_score(y, s))',"
        " 'helper', 'exec')\n"
        "roc_auc_from_ranks = types.FunctionType(next(c for c in _code.co_consts if isinstance(c, types.CodeType)),"
        " {'__builtins__': builtins})\n"
    ),
    "importlib_dunder": _auc(
        "importlib.__import__('sklearn.' + 'metrics', fromlist=['x']).roc_auc_score(y_true, y_score)",
        "import importlib",
    ),
    "sys_modules": _auc(
        "sys.modules['sklearn.' + 'metrics'].roc_auc_score(y_true, y_score)",
        "import sys\nimport sklearn.linear_model  # allowed, and it loads sklearn.metrics itself",
    ),
    "bootstrap": _auc(
        "_b._gcd_import('sklearn.' + 'metrics').roc_auc_score(y_true, y_score)", "import importlib._bootstrap as _b"
    ),
    "pydoc_locate": _auc("pydoc.locate('sklearn.' + 'metrics.roc_auc_score')(y_true, y_score)", "import pydoc"),
    "stored_function": (
        "import sys\nimport sklearn.linear_model\n"
        "_f = getattr(sys.modules['sklearn'], 'met' + 'rics').roc_auc_score\n"
        "def roc_auc_from_ranks(y_true, y_score):\n    return float(_f(y_true, y_score))\n"
    ),
}


def test_forbidden_modules_are_judged_by_what_the_code_reaches(engine, tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    for name, code in FORBIDDEN_ATTACKS.items():
        _write(inbox, name, evaluation_submission(q3_roc_auc_from_ranks=code))
    # Allowed: a library that imports sklearn.metrics for itself, used next to a from-scratch answer.
    own = evaluation_submission()
    for cell in own.cells:
        if nbgrader_meta(cell).get("grade_id") == "q3_roc_auc_from_ranks":
            cell.source = (
                "import sklearn.linear_model\n_model = sklearn.linear_model.LogisticRegression()\n" + cell.source
            )
    _write(inbox, "allowed_library", own)
    grade_all(EVALUATION, [inbox], out, jobs=2, options=Options(timeout=30, engine=engine), progress=False)
    for name in FORBIDDEN_ATTACKS:
        data = results(out, name)
        q3 = data["by_name"]["q3_tests"]
        assert (q3["outcome"], q3["score"]) == ("forbidden", 0.0), f"{name}: {q3}"
        assert "sklearn.metrics" in q3["message"]
        assert data["by_name"]["q1_tests"]["score"] == 3.0  # only the question that cheated
    assert results(out, "allowed_library")["score"] == 12.0


# The forbidden-module check itself, broken by the answer it checks. Each cell hides its use of the
# forbidden `fractions` (loaded by `statistics`, so no import is needed) by making the agent forget what
# it saw and refuse to be asked; the toy's reference `mean` follows, so the tests themselves still pass.
BLIND_AGENT = """\
import statistics, sys

_agent = sys.modules["_mlcourse_" + "agent"]  # spelled so that the source check does not see it
_serve = _agent.serve


def _blind(text):
    _agent._violations.clear()  # forget what the agent saw
    if '"violations"' in text:
        __REFUSE__
    else:
        _serve(text)


_agent.serve = _blind
_half = float(sys.modules["frac" + "tions"].Fraction(1, 2))  # the forbidden module, used for real
del _half
"""
REFUSALS = {
    "raises": 'raise RuntimeError("no questions today")',
    "malformed": 'from IPython.display import publish_display_data; publish_display_data({_agent.MIME: "{oops"})',
    "kills": "import os; os._exit(0)",
}


def test_an_answer_that_breaks_the_forbidden_module_check_never_passes_unchecked(tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    reference_mean = strip_markers(ANSWERS["q1_mean"])
    for name, refusal in REFUSALS.items():
        q1 = BLIND_AGENT.replace("__REFUSE__", refusal) + "\n" + reference_mean
        _write(inbox, name, submission(**{**ALL, "q1_mean": q1}))
    _write(inbox, "honest", submission(**ALL))
    grade_all(TOY, [inbox], out, jobs=2, options=Options(timeout=20, total_timeout=180), progress=False)
    for name in REFUSALS:
        data = results(out, name)
        q1 = data["by_name"]["test_q1_mean"]
        assert q1["score"] == 0 and q1["outcome"] != "passed", f"{name}: {q1}"
        assert "the grader could not check this answer for forbidden modules" in q1["message"], f"{name}: {q1}"
        # The agent stays broken for the answers after it: none of them is checked, so none passes.
        assert data["score"] == 0, f"{name}: {data['by_name']}"
        log = (out / ".logs" / f"{name}.log").read_text()
        assert "test_q1_mean: could not check the answer cell for forbidden modules" in log
    assert results(out, "kills")["by_name"]["test_q1_mean"]["outcome"] == "crashed"  # then restarted, replayed
    assert results(out, "honest")["score"] == 9.0


# -- 5. links in the inbox ----------------------------------------------------------------------
def test_links_fifos_and_hard_links_in_the_inbox_are_invalid_notebooks(engine, tmp_path):
    inbox, out, elsewhere = tmp_path / "inbox", tmp_path / "out", tmp_path / "elsewhere"
    _write(inbox, "honest", submission(**ALL))
    (inbox / "mallory.ipynb").symlink_to(TOY)  # the source, with every hidden test
    (inbox / "trudy").mkdir()
    (inbox / "trudy" / "00_toy.ipynb").symlink_to(TOY)
    _write(elsewhere, "00_toy", submission(**ALL))
    (inbox / "eve").symlink_to(elsewhere, target_is_directory=True)
    os.link(elsewhere / "00_toy.ipynb", inbox / "oscar.ipynb")
    os.mkfifo(inbox / "peggy.ipynb")
    grade_all(TOY, [inbox], out, options=Options(timeout=20, engine=engine), progress=False)
    for student, reason in [
        ("mallory", "symbolic link"),
        ("trudy", "symbolic link"),
        ("eve", "symbolic link"),
        ("oscar", "hard link"),
        ("peggy", "not a regular file"),
    ]:
        data = results(out, student)
        assert data["extra_data"]["status"] == "invalid notebook" and data["score"] == 0, student
        assert reason in data["output"], (student, data["output"])
    assert results(out, "honest")["score"] == 9.0


# -- 6. student text in feedback, results, gradebook, terminal ------------------------------------
INJECT_Q1 = (
    "def confusion_matrix(y_true, y_pred, labels):\n"
    "    return '\\x1b[2J\\x1b]0;pwned\\x07<script>alert(1)</script>\\r=1+1 [x](javascript:alert(1))'\n"
)
INJECT_Q2 = "def precision_recall_f1(y_true, y_pred, pos_label=1, zero_division=0.0):\n    raise ValueError('\\x1b[31m<img src=x onerror=alert(1)>\\r|\\u202e')\n"
INJECT_Q4 = (  # to the kernel process's own stderr (its log), not to the cell's output
    "import os, sys, time\nsys.__stderr__.write('KERNEL-LOG-MARKER \\x1b[31m <script>\\n')\n"
    "sys.__stderr__.flush()\ntime.sleep(0.5)\nos._exit(3)\n"
)


def test_student_text_is_escaped_everywhere_and_the_kernel_log_stays_with_the_instructor(engine, tmp_path, capsys):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    _write(
        inbox,
        "mallory",
        evaluation_submission(
            q1_confusion_matrix=INJECT_Q1, q2_precision_recall_f1=INJECT_Q2, q4_best_threshold=INJECT_Q4
        ),
    )
    _write(inbox, '=HYPERLINK("evil.example")\x1b[31m', evaluation_submission())
    from mlcourse.cli import main

    argv = ["grade", "--assignment", str(EVALUATION), str(inbox), "--out", str(out), "--quiet", "--sandbox", engine]
    assert main(argv) == 0
    terminal = capsys.readouterr()
    assert "\x1b" not in terminal.out + terminal.err
    feedback = (out / "mallory" / "feedback.md").read_text()
    assert not CONTROL.search(feedback) and "<script>" not in feedback and "<img" not in feedback
    assert "&lt;script&gt;" in feedback and "[x\\](javascript" in feedback
    raw = (out / "mallory" / "results.json").read_text()
    data = json.loads(raw)

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from strings(v)
        elif isinstance(value, list):
            for v in value:
                yield from strings(v)

    assert not any(CONTROL.search(s) or "\u202e" in s for s in strings(data))
    assert "KERNEL-LOG-MARKER" not in raw + feedback
    log = (out / ".logs" / "mallory.log").read_text()
    assert "KERNEL-LOG-MARKER" in log and "\x1b" not in log
    with open(out / "gradebook.csv", newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    assert not any(CONTROL.search(cell) for cell in cells)


# -- 7. the import path root runs from --------------------------------------------------------------
def test_a_world_writable_or_sandbox_owned_folder_on_the_import_path_is_refused(tmp_path):
    writable = tmp_path / "open"
    writable.mkdir()
    writable.chmod(0o777)
    owned = tmp_path / "owned"
    owned.mkdir()
    if os.geteuid() == 0:
        os.chown(owned, sandbox.UID_LOW + 5, sandbox.UID_LOW + 5)
    safe = tmp_path / "safe"
    safe.mkdir()
    found = sandbox.unsafe_import_paths([str(writable), str(owned), str(safe), str(writable / "below")])
    assert str(writable) in found and str(safe) not in found
    if os.geteuid() == 0:
        assert str(owned) in found
    assert sandbox.unsafe_import_paths() == []  # this machine's own import path is sound


def test_a_source_the_kernels_could_read_is_refused(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "python_roots", lambda: [str(TOY.parent)])  # as if it sat in site-packages
    with pytest.raises(sandbox.SandboxUnavailable, match="the assignment source is inside"):
        grade_all(TOY, [TOY.parent / "submissions"], tmp_path / "out", options=Options(engine=engine), progress=False)
    assert not (tmp_path / "out").exists()


def test_doctor_says_which_sandbox_grading_uses():
    from mlcourse.environment import doctor

    report = doctor(kernel=False, datasets=False, verbose=False)
    check = next(c for c in report.checks if c.name == "grading sandbox")
    name, _why = sandbox.engine()
    assert check.found.startswith(name)


def test_limits_stop_runaway_code_and_the_kernel_restarts():
    with Kernel(Limits(timeout=2, memory_mb=1024), sandbox=True) as k:
        k.start()
        assert k.execute("while True:\n    pass").status == "timeout"
        k.start()
        assert k.execute("print('x' * 10_000_000)").status == "output"
        k.start()
        assert k.execute("import os\nos._exit(1)").status == "died"
        k.start()
        reply = k.execute("b = bytearray(4 * 2**30)")
        assert reply.status == "error" and reply.ename == "MemoryError"
        assert k.execute("print(6 * 7)").stdout.strip() == "42"


def test_without_root_the_grader_says_it_is_not_sandboxed(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sandbox, "is_root", lambda: False)
    rows = grade_all(TOY, [TOY.parent / "submissions" / "correct.ipynb"], tmp_path / "out", progress=False)
    assert "not running as root" in capsys.readouterr().err
    assert any("NOT SANDBOXED" in note for note in rows[0]["notes"])
    assert rows[0]["score"] == 9.0


def test_no_sandbox_process_is_left_after_this_module():
    time.sleep(0.2)
    assert no_survivor() == []


def test_mlcourse_package_folder_is_the_only_part_of_the_repository_shown():
    roots = sandbox.python_roots()
    package = str(Path(mlcourse.__file__).resolve().parent)
    assert package in roots
    assert str(REPO) not in roots and not any(Path(r) in REPO.parents or Path(r) == REPO for r in roots)


# -- a fresh uid only: for a throw-away container that refuses namespaces (Docker's default) --------
def test_a_fresh_uid_alone_keeps_the_source_and_kills_everything_it_started(tmp_path):
    if not sandbox.is_root():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must test the uid sandbox as root")
        pytest.skip("the uid sandbox needs root")
    secret = tmp_path / "source"
    secret.mkdir(mode=0o700)
    source = secret / "00_toy.ipynb"
    source.write_bytes(TOY.read_bytes())
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    survivor = SURVIVOR_CELL.replace("__NAME__", SURVIVOR).replace("__TARGET__", str(tmp_path / "target"))
    reader = (
        "def mean(values):\n"
        f"    for path in [{str(source)!r}, {str(out / 'honest' / 'results.json')!r}]:\n"
        "        try:\n            return open(path).read()[:40]\n        except OSError:\n            pass\n"
        "    return float(sum(values) / len(values))\n"
    )
    _write(inbox, "survivor", submission(**{**ALL, "q1_mean": survivor, "q2_accuracy": "import os\nos._exit(1)"}))
    _write(inbox, "reader", submission(**{**ALL, "q1_mean": reader}))
    _write(inbox, "honest", submission(**ALL))
    mlcourse_cmd = [str(Path(sys.executable).with_name("mlcourse")), "grade", "--assignment", str(source)]
    proc = subprocess.run(
        as_in_a_container([*mlcourse_cmd, str(inbox), "--out", str(out), "--sandbox", "uid", "--quiet"]),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert results(out, "survivor")["by_name"]["test_q1_mean"]["score"] == 2.0
    assert results(out, "survivor")["by_name"]["test_q3_scaler"]["score"] == 3.0
    assert results(out, "reader")["by_name"]["test_q1_mean"]["score"] == 2.0  # read nothing
    assert results(out, "honest")["score"] == 9.0
    assert no_survivor() == [] and not (tmp_path / "target").exists()
    # A source other users could read is refused before anything runs.
    import shutil
    import tempfile

    public = Path(tempfile.mkdtemp(prefix="mlcourse-public-", dir="/tmp"))
    try:
        public.chmod(0o755)
        shutil.copy(source, public / source.name)
        (public / source.name).chmod(0o644)
        cmd = [*mlcourse_cmd[:-1], str(public / source.name), str(inbox), "--out", str(tmp_path / "out2")]
        refused = subprocess.run(
            as_in_a_container([*cmd, "--sandbox", "uid"]), capture_output=True, text=True, timeout=120
        )
    finally:
        shutil.rmtree(public)
    assert refused.returncode == 2 and "student code could read" in refused.stderr
