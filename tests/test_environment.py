"""The lock file, pyproject.toml and environment.yml cannot drift, and `mlcourse doctor` works."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import mlcourse as mlc
from mlcourse.cli import main
from mlcourse.environment import LOCK_FILE, normalize, read_lock
from tests.conftest import REPO, pyproject

# conda-forge names for the PyPI distributions whose names differ.
CONDA_NAMES = {
    "torch": "pytorch-cpu",
    "matplotlib": "matplotlib-base",
    "prometheus-client": "prometheus_client",
    "jupyter-client": "jupyter_client",
    "typing-extensions": "typing_extensions",
}


def declared() -> dict[str, Requirement]:
    project = pyproject()["project"]
    lines = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {normalize(Requirement(line).name): Requirement(line) for line in lines}


def dependency_closure(roots: list[Requirement]) -> set[str]:
    """Every distribution the roots need, following installed metadata (markers and extras)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    stack = [(normalize(r.name), frozenset(r.extras)) for r in roots]
    while stack:
        name, extras = stack.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue
        for line in requires:
            req = Requirement(line)
            envs = [{"extra": e} for e in extras] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(env) for env in envs):
                stack.append((normalize(req.name), frozenset(req.extras)))
    return {name for name, _ in seen}


def test_every_declared_dependency_is_pinned_in_the_lock():
    pins = read_lock()
    missing = sorted(set(declared()) - set(pins))
    assert not missing, f"in pyproject.toml but not pinned in requirements.lock: {missing} (run `make lock`)"


def test_every_pin_in_the_lock_is_needed_by_pyproject():
    stale = sorted(set(read_lock()) - dependency_closure(list(declared().values())))
    assert not stale, f"pinned in requirements.lock but needed by nothing in pyproject.toml: {stale}"


def test_lock_pins_satisfy_pyproject_ranges_and_torch_is_the_tested_cpu_build():
    pins = read_lock()
    for name, req in declared().items():
        assert req.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} outside {req.specifier}"
    assert pins["torch"] == "2.13.0"


def test_lock_matches_what_is_installed():
    # The suite ran with exactly the tested versions (the Makefile installs with the lock).
    wrong = {}
    for name, version in read_lock().items():
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            found = "missing"
        if found.split("+")[0] != version:
            wrong[name] = (version, found)
    assert not wrong, f"installed versions differ from requirements.lock: {wrong}"


def conda_packages() -> dict[str, str]:
    """Name -> version range of every package environment.yml installs, from conda-forge or, for a
    package conda-forge lacks, from its ``pip:`` section (the course itself, ``-e .``, aside)."""
    text = (REPO / "environment.yml").read_text(encoding="utf-8")
    block = text.split("dependencies:", 1)[1]
    names = {}
    for match in re.finditer(r"^(?:  |      )- ([A-Za-z0-9_.-]+)\s*([^\s#]*)", block, re.M):
        names[match.group(1)] = match.group(2)
    names.pop("-e", None)  # the course itself
    return names


def test_environment_yml_names_the_same_packages_as_pyproject():
    conda = set(conda_packages()) - {"python", "pip"}
    expected = {CONDA_NAMES.get(name, name) for name in declared()}
    assert conda == expected, (
        f"only in environment.yml: {sorted(conda - expected)}; only in pyproject: {sorted(expected - conda)}"
    )


def test_environment_yml_uses_pyproject_lower_bounds_and_installs_the_course():
    conda = conda_packages()
    for name, req in declared().items():
        assert conda[CONDA_NAMES.get(name, name)] == str(req.specifier), name
    text = (REPO / "environment.yml").read_text(encoding="utf-8")
    assert "conda-forge" in text
    assert re.search(r"^\s+- -e \.\s*$", text, re.M)


def test_doctor_passes_here_with_a_table(capsys):
    report = mlc.doctor()
    out = capsys.readouterr().out
    assert report.ok, out
    for row in ("python", "numpy", "torch", "jupyter kernel", "datasets"):
        assert re.search(rf"^{row}\s+ok", out, re.M), f"no ok row for {row}:\n{out}"
    assert out.rstrip().endswith("all is well")


def test_doctor_fails_with_a_fix_hint_when_a_dependency_is_missing(monkeypatch, capsys):
    real_find_spec = importlib.util.find_spec

    def broken_find_spec(name, package=None):
        if name == "scipy":
            raise ModuleNotFoundError("No module named 'scipy'")
        return real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", broken_find_spec)
    assert main(["doctor", "--no-kernel", "--no-datasets"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"^scipy\s+FAIL\s+not importable", out, re.M)
    assert "FAIL scipy: run `make install`" in out
    assert "1 failed" in out


def test_doctor_fails_when_a_version_is_outside_the_declared_range(monkeypatch, capsys):
    real_version = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "1.0.0" if name == "numpy" else real_version(name))
    report = mlc.doctor(kernel=False, datasets=False)
    assert not report.ok
    assert "numpy 1.0.0 is outside >=2.0" in capsys.readouterr().out


def test_doctor_command_exits_zero_here():
    script = Path(sys.executable).with_name("mlcourse")  # the console script pyproject.toml declares
    done = subprocess.run([str(script), "doctor"], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "doctor" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["nonsense"], [], ["doctor", "--bogus"]])
def test_unknown_commands_and_bad_arguments_exit_2_with_usage(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "usage: mlcourse" in capsys.readouterr().err


def test_lock_file_is_at_the_repository_root():
    assert LOCK_FILE == REPO / "requirements.lock"
