"""Shared fixtures. Notebooks under tests/ are fixtures (e.g. hostile submissions), not lessons."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Notebooks stored under tests/ are inputs to tests, never lessons for nbval to run.
collect_ignore_glob = ["*.ipynb"]


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
