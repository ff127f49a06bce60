"""The kernel sandbox: unprivileged uid, hidden paths, no network, limits, clean-up; and the non-root warning."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from mlcourse.grading import kernel as kernel_module
from mlcourse.grading.batch import grade_all
from mlcourse.grading.grade import Options
from mlcourse.grading.kernel import Kernel, Limits, can_drop_privileges
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "grading"
root_only = pytest.mark.skipif(not can_drop_privileges(), reason="privilege dropping needs root")


@pytest.fixture(scope="module")
def secret_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("instructor")
    (folder / "source.ipynb").write_text("HIDDEN TESTS LIVE HERE")
    (folder / "out").mkdir()
    folder.chmod(0o755)  # world-readable on purpose: the sandbox must hide it anyway
    return folder


@pytest.fixture(scope="module")
def sandboxed(secret_dir):
    protect = [secret_dir / "source.ipynb", secret_dir / "out", REPO / ".git"]  # as `grade` does
    k = Kernel(Limits(timeout=10), sandbox=True, protect=protect)
    k.start()
    yield k
    k.close()


def run(k: Kernel, code: str) -> str:
    reply = k.execute(code)
    assert reply.status == "ok", reply
    return reply.stdout.strip()


@root_only
def test_the_kernel_runs_as_a_fresh_unprivileged_user(sandboxed):
    uid, gid, groups = json.loads(
        run(sandboxed, "import os, json; print(json.dumps([os.getuid(), os.getgid(), os.getgroups()]))")
    )
    assert uid == sandboxed.uid and uid not in (0, os.getuid()) and gid == uid and groups == []
    assert sandboxed.report["dropped"] is True


@root_only
def test_the_kernel_cannot_read_the_source_or_list_the_output(sandboxed, secret_dir):
    code = (
        "out = []\n"
        f"for p in [{str(secret_dir / 'source.ipynb')!r}, {str(secret_dir / 'out')!r}, {str(REPO / '.git')!r}]:\n"
        "    try:\n        open(p).read() if not p.endswith(('out', '.git')) else __import__('os').listdir(p)\n"
        "        out.append(p)\n    except OSError:\n        pass\n"
        "print(out)"
    )
    assert run(sandboxed, code) == "[]"
    assert sandboxed.report["readable"] == []


@root_only
def test_the_kernel_cannot_write_outside_its_scratch_folder(sandboxed, secret_dir):
    code = (
        "import os\nok = []\n"
        f"for d in [{str(secret_dir)!r}, {str(REPO)!r}, '/etc']:\n"
        "    try:\n        open(os.path.join(d, 'pwned'), 'w').write('x'); ok.append(d)\n    except OSError:\n        pass\n"
        "open('mine.txt', 'w').write('fine')\nprint(ok)"
    )
    assert run(sandboxed, code) == "[]"
    assert not (secret_dir / "pwned").exists() and not (REPO / "pwned").exists()


@root_only
def test_the_kernel_has_no_network(sandboxed):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        code = (
            "import socket\ntry:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=2).close()\n    print('connected')\n"
            "except OSError as exc:\n    print('blocked')"
        )
        assert run(sandboxed, code) == "blocked"


def test_limits_stop_runaway_code_and_the_kernel_restarts():
    with Kernel(Limits(timeout=2, memory_mb=1024), sandbox=True) as k:
        k.start()
        assert k.execute("while True:\n    pass").status == "timeout"
        k.start()
        assert k.execute("print('x' * 10_000_000)").status == "output"
        k.start()
        assert k.execute("import os\nos._exit(1)").status == "died"
        k.start()
        reply = k.execute("b = bytearray(4 * 2**30)")
        assert reply.status == "error" and reply.ename == "MemoryError"
        assert k.execute("print(6 * 7)").stdout.strip() == "42"


@root_only
def test_killing_a_kernel_leaves_no_process_behind():
    k = Kernel(Limits(timeout=5), sandbox=True)
    k.start()
    run(
        k,
        "import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import os, time; os.setsid(); time.sleep(60)'])",
    )
    uid = k.uid
    k.close()
    owners = []  # uids of live processes (a killed orphan may linger as a zombie until init reaps it)
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "status").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields and not fields["State"].strip().startswith("Z"):
            owners.append(int(fields["Uid"].split()[0]))
    assert uid not in owners


def test_without_root_the_grader_says_it_is_not_sandboxed(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(kernel_module, "can_drop_privileges", lambda: False)
    monkeypatch.setattr("mlcourse.grading.batch.can_drop_privileges", lambda: False)
    rows = grade_all(
        FIXTURES / "toy_source.ipynb",
        [FIXTURES / "submissions" / "correct.ipynb"],
        tmp_path / "out",
        options=Options(timeout=10, total_timeout=60),
        progress=False,
    )
    assert "not running as root" in capsys.readouterr().err
    assert any("NOT SANDBOXED" in note for note in rows[0]["notes"])
    assert rows[0]["score"] == 9.0
