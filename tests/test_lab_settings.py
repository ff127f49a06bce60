"""`make lab` opens the welcome notebook with the course's JupyterLab settings (no "Jupyter news" prompt)."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import REPO

WELCOME = "notebooks/00_welcome.ipynb"
NEWS_PLUGIN, NEWS_KEY = "@jupyterlab/apputils-extension:notification", "fetchNews"


def lab_command(args: str) -> list[str]:
    """The `jupyter lab` command line that `make lab ARGS=...` runs, read with `make -n` (which runs nothing)."""
    # Under `make test` the parent's flags (-B, -j, its own ARGS) would reach this make through MAKEFLAGS.
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", "lab", f"ARGS={args}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    # With a stale install stamp the dry run also lists the install steps (not all of them shell words
    # that shlex can split); only the lab line matters.
    lab = [shlex.split(line) for line in done.stdout.splitlines() if re.match(r"\S*\bjupyter lab\b", line)]
    assert len(lab) == 1, done.stdout
    return lab[0]


def option(argv: list[str], name: str) -> str:
    values = [arg.split("=", 1)[1] for arg in argv if arg.startswith(f"{name}=")]
    assert len(values) == 1, f"{name}= given {len(values)} times in {argv}"
    return values[0]


def settings_dir() -> Path:
    return REPO / option(lab_command(""), "--LabApp.app_settings_dir")


def installed_schema(plugin_id: str) -> dict:
    from jupyterlab.commands import get_app_dir

    package, _, plugin = plugin_id.partition(":")
    path = Path(get_app_dir()) / "schemas" / package / f"{plugin}.json"
    assert path.is_file(), f"the installed JupyterLab has no settings schema for {plugin_id} ({path})"
    return json.loads(path.read_text(encoding="utf-8"))


def test_make_lab_opens_the_welcome_notebook_with_the_course_settings_and_passes_args():
    argv = lab_command("--no-browser --port 8899")
    assert WELCOME in argv
    assert (REPO / WELCOME).is_file()
    assert (REPO / option(argv, "--LabApp.app_settings_dir") / "overrides.json").is_file()
    assert "--no-browser" in argv
    assert argv[argv.index("--port") + 1] == "8899"


def test_overrides_name_real_settings_of_the_installed_jupyterlab():
    overrides = json.loads((settings_dir() / "overrides.json").read_text(encoding="utf-8"))
    for plugin_id, values in overrides.items():
        schema = installed_schema(plugin_id)
        unknown = set(values) - set(schema["properties"])
        assert not unknown, f"{plugin_id} has no setting {unknown}"
        jsonschema.validate(values, schema)
    # "false" is the schema's "Never": JupyterLab neither asks about the news feed nor fetches it.
    choices = {c["const"]: c["title"] for c in installed_schema(NEWS_PLUGIN)["properties"][NEWS_KEY]["oneOf"]}
    assert choices[overrides[NEWS_PLUGIN][NEWS_KEY]] == "Never"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_json(url: str, deadline: float, proc: subprocess.Popen) -> dict:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return json.load(resp)
        except urllib.error.HTTPError:
            raise  # the server answered: waiting longer would not change its answer
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.25)


def test_a_running_lab_serves_news_off_and_the_whole_course(tmp_path):
    port, token = _free_port(), "mlcourse-test"
    argv = lab_command(
        f"--no-browser --port {port} --ServerApp.port_retries=0 --ServerApp.ip=127.0.0.1 "
        f"--IdentityProvider.token={token}"
    )
    # The JupyterLab of the environment under test, started exactly as the Makefile words it.
    argv = [sys.executable, "-m", "jupyterlab", *argv[2:]]
    # A private home for Jupyter: the learner's own settings and config must not decide the result.
    home = {
        "JUPYTER_CONFIG_DIR": tmp_path / "config",
        "JUPYTER_RUNTIME_DIR": tmp_path / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": tmp_path / "user-settings",
        "JUPYTERLAB_WORKSPACES_DIR": tmp_path / "workspaces",
    }
    log = tmp_path / "lab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv,
            cwd=REPO,
            env={**os.environ, **{k: str(v) for k, v in home.items()}},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        try:
            setting = _get_json(f"{base}/lab/api/settings/{NEWS_PLUGIN}?token={token}", time.monotonic() + 20, proc)
        except OSError as e:
            pytest.fail(f"JupyterLab did not answer on port {port} (exit {proc.poll()}): {e}\n{log.read_text()}")
        # What the page uses: the learner's value if any (none here), else the schema default with overrides.
        effective = setting["settings"].get(NEWS_KEY, setting["schema"]["properties"][NEWS_KEY]["default"])
        assert effective == "false"
        # Opening a notebook must not narrow the server to its folder: the exercises stay in reach.
        welcome = _get_json(f"{base}/api/contents/{WELCOME}?content=0&token={token}", time.monotonic() + 5, proc)
        assert welcome["type"] == "notebook"
        exercises = _get_json(f"{base}/api/contents/exercises?content=0&token={token}", time.monotonic() + 5, proc)
        assert exercises["type"] == "directory"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
