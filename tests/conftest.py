"""Shared fixtures. Notebooks under tests/ are fixtures (e.g. hostile submissions), not lessons."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parent.parent

# One profile for every property test: the same examples on every run and machine, so a failure in
# CI replays here (derandomize); no deadline, since the first calls into scikit-learn, torch and scipy
# are slow; 30 examples a test. A test that needs another count says why next to its @settings.
settings.register_profile(
    "mlcourse",
    max_examples=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.load_profile("mlcourse")

# Notebooks stored under tests/ are inputs to tests, never lessons for nbval to run.
collect_ignore_glob = ["*.ipynb"]


def _import_every_mlcourse_module() -> None:
    """Import all of mlcourse up front, in every pytest process.

    Hypothesis mixes literal constants from every already-imported local module into the values it
    draws. Without this, which modules a worker had imported (which depends on how pytest-xdist
    happened to share out the tests) would change the examples, and a failure found in CI could not
    be replayed locally.
    """
    import importlib
    import pkgutil

    import mlcourse

    for info in pkgutil.walk_packages(mlcourse.__path__, "mlcourse."):
        importlib.import_module(info.name)


_import_every_mlcourse_module()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Once the whole run is over (in the xdist controller): no process of a sandbox uid is left.

    Every grading kernel runs as a uid of its own from :data:`mlcourse.grading.sandbox.UID_LOW` up;
    a process of such a uid still alive (or an unreaped zombie) after the run means a kernel escaped
    its kill. That fails the run.
    """
    if hasattr(session.config, "workerinput"):
        return
    import time

    from mlcourse.grading import sandbox

    for _ in range(50):  # a kernel killed at the very end may take a moment to be reaped
        left = sandbox.leftover_processes()
        if not left:
            return
        time.sleep(0.1)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    message = f"processes of sandbox uids are left after the run (pid, uid, state): {left}"
    if reporter is not None:
        reporter.write_line(f"FAILED {message}", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


def pyproject() -> dict:
    """pyproject.toml as a dict (Python 3.11+ reads it; 3.10 falls back to installed metadata)."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    from importlib import metadata

    reqs = metadata.requires("mlcourse") or []
    return {
        "project": {
            "version": metadata.version("mlcourse"),
            "dependencies": [r for r in reqs if "extra ==" not in r],
            "optional-dependencies": {"dev": [r.split(";")[0] for r in reqs if "extra ==" in r]},
        }
    }


CHECK_ESTIMATOR_SCRIPT = """
import json, warnings
from sklearn.utils.estimator_checks import check_estimator
import mlcourse.{module} as module
warnings.simplefilter("ignore")
results = check_estimator(module.{expression}, on_fail=None, on_skip=None)
print(json.dumps([[r["check_name"], r["status"], str(r["exception"])[:500]] for r in results]))
"""


def check_estimator_in_subprocess(module: str, expression: str) -> list[list[str]]:
    """scikit-learn's ``check_estimator`` on ``mlcourse.<module>.<expression>``: ``[name, status, exception]`` rows.

    It runs in a fresh interpreter with SCIPY_ARRAY_API=1, which must be set before scipy is
    imported: without it scikit-learn skips its array-API check, and the target is no skipped check.
    """
    import json
    import os
    import subprocess

    code = CHECK_ESTIMATOR_SCRIPT.format(module=module, expression=expression)
    env = {**os.environ, "SCIPY_ARRAY_API": "1"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])
