"""scikit-learn's check_estimator on the three gradient-descent linear models, with no check skipped.

A module of its own so that pytest-xdist (--dist loadscope) runs it beside the other linear tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

ESTIMATORS = ["LinearRegressionGD", "RidgeGD", "LogisticRegressionGD"]

CHECK_SCRIPT = """
import json, warnings
from sklearn.utils.estimator_checks import check_estimator
from mlcourse import linear
warnings.simplefilter("ignore")
results = check_estimator(getattr(linear, "{name}")(), on_fail=None, on_skip=None)
print(json.dumps([[r["check_name"], r["status"], str(r["exception"])[:500]] for r in results]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", ESTIMATORS)
def test_check_estimator_passes_with_nothing_skipped(name):
    # A fresh interpreter with SCIPY_ARRAY_API=1 (which must be set before scipy is imported):
    # without it scikit-learn skips its array-API check, and the target is no skipped check.
    env = {**os.environ, "SCIPY_ARRAY_API": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", CHECK_SCRIPT.format(name=name)], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(results) > 40
    not_passed = [r for r in results if r[1] != "passed"]
    assert not not_passed, not_passed
