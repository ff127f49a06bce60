"""`import mlcourse` stays light, and its lazy attributes behave like ordinary ones."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import mlcourse as mlc
from tests.conftest import pyproject

HEAVY = ("torch", "sklearn", "matplotlib", "pandas", "scipy")


def test_import_pulls_in_no_heavy_library():
    code = "import sys, json, mlcourse; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = {name.split(".")[0] for name in json.loads(out)}
    assert not loaded & set(HEAVY), f"import mlcourse loaded {sorted(loaded & set(HEAVY))}"


def test_importtime_shows_no_heavy_library():
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import mlcourse"], capture_output=True, text=True, check=True
    ).stderr
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in err.splitlines() if "|" in line}
    assert "mlcourse" in imported
    assert not imported & set(HEAVY)


def test_lazy_attributes_load_on_first_use():
    assert callable(mlc.setup_notebook)
    assert callable(mlc.doctor)
    assert mlc.catalog.LESSONS[0].number == 0
    assert "setup_notebook" in dir(mlc)


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        mlc.nope  # noqa: B018


def test_version_matches_pyproject():
    assert mlc.__version__ == pyproject()["project"]["version"]
