"""Run a built Gradescope autograder the way Gradescope does, in a fake ``/autograder`` tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema

from tests.conftest import REPO

SCHEMA = json.loads((REPO / "tests" / "gradescope_results.schema.json").read_text())


def check_schema(results: dict) -> None:
    """Raise when ``results`` is not a results.json that Gradescope's specification allows."""
    jsonschema.Draft202012Validator(SCHEMA).validate(results)


def run_autograder(zip_path: Path, upload: dict[str, bytes], root: Path) -> tuple[int, dict, str]:
    """Unpack ``zip_path`` as ``root/source``, put ``upload`` (relative path -> bytes) in
    ``root/submission`` and run ``run_autograder`` as Gradescope would, with this test environment
    standing in for what ``setup.sh`` installs. Returns the exit status, results.json and stdout."""
    for folder in ("source", "submission", "results"):
        (root / folder).mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    for relative, data in upload.items():
        target = root / "submission" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "MLCOURSE": str(Path(sys.executable).with_name("mlcourse"))}
    proc = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True, timeout=600
    )
    results = json.loads((root / "results" / "results.json").read_text())
    return proc.returncode, results, proc.stdout + proc.stderr
