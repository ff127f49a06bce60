"""scikit-learn's check_estimator on the three gradient-descent linear models, with no check skipped.

A module of its own so that pytest-xdist (--dist loadscope) runs it beside the other linear tests.
"""

from __future__ import annotations

import pytest

from tests.conftest import check_estimator_in_subprocess

ESTIMATORS = ["LinearRegressionGD", "RidgeGD", "LogisticRegressionGD"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ESTIMATORS)
def test_check_estimator_passes_with_nothing_skipped(name):
    results = check_estimator_in_subprocess("linear", f"{name}()")
    assert len(results) > 40
    not_passed = [r for r in results if r[1] != "passed"]
    assert not not_passed, not_passed
