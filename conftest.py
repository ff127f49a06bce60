"""Every docstring example under mlcourse/ is a test: pytest collects the package's modules as doctests.

The hook below, rather than ``--doctest-modules``, keeps the collection to mlcourse/: files under
tests/ are collected once, as the tests or helpers they are. Each example starts from numpy's and
pandas' default print settings, whatever ran before it in the same pytest-xdist worker
(``mlc.setup_notebook`` changes both for the whole process, and an example calls it), and closes
the figures it drew. The option flags are ``doctest_optionflags`` in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _pytest.doctest import DoctestModule  # pytest's own collector of a module's examples

PACKAGE = Path(__file__).resolve().parent / "mlcourse"
# numpy's defaults: pytest imports this file before any test or example runs.
NUMPY_PRINT_OPTIONS = np.get_printoptions()


def _in_package(path: Path) -> bool:
    return PACKAGE in path.parents


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".py" and _in_package(file_path):
        return DoctestModule.from_parent(parent, path=file_path)
    return None


@pytest.fixture(autouse=True)
def _examples_start_from_the_default_print_settings(request: pytest.FixtureRequest):
    if not _in_package(request.node.path):  # a test or a notebook sets up what it needs
        yield
        return
    import matplotlib.pyplot as plt
    import pandas as pd

    np.set_printoptions(**NUMPY_PRINT_OPTIONS)
    pd.reset_option(r"^display\.")
    yield
    plt.close("all")
