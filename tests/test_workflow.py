"""The repository's CI workflow is valid for GitHub and runs what the README tells a newcomer to run.

GitHub only reports a malformed workflow after a push; the schema check (SchemaStore's workflow schema,
vendored in tests/schemas/ so that no test needs the network) catches it before. The example bundle the
image job ships is built here too.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import jsonschema
import pytest
import yaml

from mlcourse.serving import ModelBundle
from tests.conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"
SCHEMA = REPO / "tests" / "schemas" / "github-workflow.json"


@pytest.fixture(scope="module")
def workflow() -> dict:
    # YAML 1.1 reads the key `on` as True; GitHub (YAML 1.2) reads it as the string "on", as the schema does.
    data = yaml.safe_load(WORKFLOW.read_text())
    return {("on" if key is True else key): value for key, value in data.items()}


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def test_the_workflow_is_valid_against_githubs_schema(workflow):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.validate(workflow, schema, cls=jsonschema.Draft7Validator)


def test_the_schema_check_refuses_a_broken_workflow(workflow):
    broken = {**workflow, "jobs": {"test": {"steps": [{"run": "make test"}]}}}  # no runs-on
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, json.loads(SCHEMA.read_text()), cls=jsonschema.Draft7Validator)


def test_it_runs_on_push_and_pull_request(workflow):
    assert {"push", "pull_request"} <= set(workflow["on"])


def test_it_runs_the_readmes_test_command(workflow):
    readme = (REPO / "README.md").read_text()
    assert "make test" in re.findall(r"`(make \w+)`", readme)
    runs = [step.get("run", "") for step in steps(workflow, "test")]
    assert any(re.search(r"(^|\s)make test$", run.strip()) for run in runs), runs


def test_python_is_the_locks_and_pip_caches_on_the_lock(workflow):
    (locked,) = re.findall(r"Python (\d+\.\d+)", (REPO / "requirements.lock").read_text().splitlines()[1])
    for job in ("test", "image"):
        (setup,) = [s for s in steps(workflow, job) if s.get("uses", "").startswith("actions/setup-python@")]
        assert setup["with"]["python-version"] == locked
        assert setup["with"]["cache"] == "pip" and setup["with"]["cache-dependency-path"] == "requirements.lock"
    env_range = re.search(r"python>=(\d+\.\d+),<(\d+\.\d+)", (REPO / "environment.yml").read_text())
    low, high = (tuple(map(int, v.split("."))) for v in env_range.groups())
    assert low <= tuple(map(int, locked.split("."))) < high


def test_the_image_job_lints_then_builds_the_dockerfile(workflow):
    image = steps(workflow, "image")
    (lint,) = [i for i, s in enumerate(image) if s.get("uses", "").startswith("hadolint/hadolint-action@")]
    assert image[lint]["with"]["dockerfile"] == "deploy/Dockerfile"
    (build,) = [i for i, s in enumerate(image) if "docker build" in s.get("run", "")]
    assert lint < build and "-f deploy/Dockerfile" in image[build]["run"]


def test_the_example_bundle_the_image_ships_loads_with_its_printed_digest(tmp_path):
    out = subprocess.run(
        [sys.executable, str(REPO / "deploy" / "example_bundle.py"), str(tmp_path / "bundle")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    digest = out.stdout.strip()
    bundle = ModelBundle.load(tmp_path / "bundle", expected_sha256=digest)
    assert bundle.digest == digest and bundle.metadata["name"] == "breast-cancer"
