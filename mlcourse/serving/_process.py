"""Run the service: in the foreground under uvicorn (``mlcourse serve``), or as a background process.

:func:`serve_in_background` is what lessons and tests use: a real ``mlcourse serve`` subprocess on a
real socket, started, waited for and stopped inside one ``with`` block, with its logs in a file so
nothing reaches the notebook's output.
"""

from __future__ import annotations

import contextlib
import http.client
import numbers
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlcourse._env import THREAD_VARS
from mlcourse._validation import check_scalar

#: How often the server checks that the process that started it is still alive (seconds).
_PARENT_POLL = 0.5


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _exit_with_parent() -> None:
    """Stop this server (gracefully, via SIGTERM) once the process that started it has gone.

    A notebook kernel that is killed cannot run its ``finally`` blocks; without this watch, its
    server would live on, orphaned, holding its port.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_POLL)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="mlcourse-parent-watch", daemon=True).start()


def run_server(
    directory: str | os.PathLike,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    max_batch: int = 1000,
    expected_sha256: str | None = None,
    log_level: str = "info",
    access_log: bool = False,
    factories: tuple[str, ...] | list[str] = (),
    fd: int | None = None,
    exit_with_parent: bool = False,
) -> None:
    """Load the bundle in ``directory`` and serve it with uvicorn until stopped (Ctrl-C or SIGTERM).

    The bundle is loaded (every file checked against its manifest, the manifest against
    ``expected_sha256`` when given) before the port opens, so a tampered bundle stops the start with
    :class:`BundleIntegrityError` rather than serving anything. ``fd`` serves on an
    inherited, already listening socket instead of binding ``host:port`` (one worker only).
    """
    import uvicorn

    from mlcourse.serving._app import create_app
    from mlcourse.serving._bundle import ModelBundle

    bundle = ModelBundle.load(directory, expected_sha256=expected_sha256, factories=factories)
    pinned = "pinned" if expected_sha256 else "not pinned: pin it with --sha256 or MLCOURSE_BUNDLE_SHA256"
    meta = bundle.metadata
    print(
        f"mlcourse serve: {meta['name']} version {meta['version']}, bundle digest {bundle.digest} ({pinned})",
        file=sys.stderr,
        flush=True,
    )
    if exit_with_parent and os.name == "posix":
        _exit_with_parent()
    options: dict[str, Any] = {"host": host, "port": port, "log_level": log_level, "access_log": access_log}
    if workers == 1:
        app = create_app(bundle, max_batch=max_batch)
        if fd is None:
            uvicorn.run(app, **options)
        else:
            # socket(fileno=...) reads the family (IPv4/IPv6) from the descriptor itself.
            uvicorn.Server(uvicorn.Config(app, **options)).run(sockets=[socket.socket(fileno=fd)])
        return
    # Several worker processes each load the bundle themselves, from the environment.
    os.environ["MLCOURSE_BUNDLE"] = str(Path(directory).resolve())
    os.environ["MLCOURSE_MAX_BATCH"] = str(max_batch)
    if expected_sha256:
        os.environ["MLCOURSE_BUNDLE_SHA256"] = expected_sha256
    os.environ["MLCOURSE_TRUSTED_FACTORIES"] = ",".join(factories)
    uvicorn.run("mlcourse.serving._app:app_from_env", factory=True, workers=workers, **options)


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: the OS picks a free one)."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _healthy(host: str, port: int) -> bool:
    try:
        conn = http.client.HTTPConnection(host, port, timeout=2)
        try:
            conn.request("GET", "/health")
            return conn.getresponse().status == 200
        finally:
            conn.close()
    except OSError:
        return False


def _stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Ask the server to stop (SIGTERM: uvicorn finishes in-flight requests), then insist (SIGKILL)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _tail(path: Path, n: int = 2000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-n:].strip()
    except OSError:
        return ""


@contextlib.contextmanager
def serve_in_background(
    directory: str | os.PathLike,
    host: str = "127.0.0.1",
    port: int | None = None,
    *,
    timeout: float = 60.0,
    log_path: str | os.PathLike | None = None,
    max_batch: int = 1000,
    expected_sha256: str | None = None,
    factories: tuple[str, ...] | list[str] = (),
) -> Iterator[str]:
    """Serve the bundle in ``directory`` from a background ``mlcourse serve`` process; yield its URL.

    The socket is bound here and handed to the server process, so the port is ours from the start:
    no other process can take it between choosing and binding, and ``/health`` can only be answered
    by our server.

    Parameters
    ----------
    directory : str or Path
        A bundle folder written by :meth:`ModelBundle.save`.
    host : str, default="127.0.0.1"
        Where to listen. Loopback keeps the service private to this machine.
    port : int, optional
        Default: a free port chosen by the operating system.
    timeout : float, default=60
        Seconds to wait for ``GET /health`` to answer 200.
    log_path : str or Path, optional
        Where the server's output goes (default: a temporary file, deleted afterwards). It never
        reaches this process's stdout or stderr.
    max_batch, expected_sha256, factories
        Passed to ``mlcourse serve`` (``--max-batch``, ``--sha256``, ``--trust-factory``).

    Yields
    ------
    url : str
        The base URL, e.g. ``"http://127.0.0.1:49731"``.

    Raises
    ------
    FileNotFoundError
        ``directory`` is not a bundle folder.
    TypeError, ValueError
        ``timeout`` is not a number (a bool is not), or not above 0.
    RuntimeError
        The server exited or did not become healthy in time; the message ends with its log.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import httpx
    >>> import pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlcourse.serving import ModelBundle
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}); y = [0, 0, 1, 1]
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = ModelBundle.from_model(LogisticRegression().fit(X, y), X, y).save(Path(folder.name) / "demo")
    >>> with serve_in_background(path) as url:
    ...     httpx.post(f"{url}/predict", json={"record": {"x": 2.5}}).json()["prediction"]
    1
    >>> folder.cleanup()
    """
    directory = Path(directory)
    if not (directory / "metadata.json").is_file():
        raise FileNotFoundError(f"{directory}: not a model bundle folder (no metadata.json)")
    check_scalar(timeout, "timeout", numbers.Real, min_val=0, include_boundaries="neither")
    own_log = log_path is None
    if own_log:
        fd, name = tempfile.mkstemp(prefix="mlcourse-serve-", suffix=".log")
        os.close(fd)  # the server appends to it by name
        log = Path(name)
    else:
        log = Path(log_path)
    cmd = _serve_command(directory, host, max_batch, expected_sha256, factories)
    proc: subprocess.Popen | None = None
    try:
        proc, probe_host, chosen = _start(cmd, host, port, log)
        _wait_until_healthy(proc, probe_host, chosen, timeout, log)
        url_host = f"[{probe_host}]" if ":" in probe_host else probe_host
        yield f"http://{url_host}:{chosen}"
    finally:
        if proc is not None:
            _stop(proc)
        if own_log:
            log.unlink(missing_ok=True)


def _serve_command(
    directory: Path, host: str, max_batch: int, expected_sha256: str | None, factories: tuple[str, ...] | list[str]
) -> list[str]:
    """The ``mlcourse serve`` command line, without the port (chosen when the server starts)."""
    cmd = [sys.executable, "-m", "mlcourse.cli", "serve", str(directory), "--host", host]
    cmd += ["--max-batch", str(max_batch), "--log-level", "warning", "--exit-with-parent"]
    if expected_sha256:
        cmd += ["--sha256", expected_sha256]
    for factory in factories:
        cmd += ["--trust-factory", factory]
    return cmd


def _start(cmd: list[str], host: str, port: int | None, log: Path) -> tuple[subprocess.Popen, str, int]:
    """Start the server process, its output appended to ``log``; return it, the host to probe and the port.

    On POSIX the socket is bound here and handed over, so the port is ours from the start: no other
    process can take it between choosing and binding, and ``/health`` can only be answered by our server.
    """
    probe_host = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    env = {**os.environ, **dict.fromkeys(THREAD_VARS, "1"), "PYTHONUNBUFFERED": "1"}
    with contextlib.ExitStack() as stack:
        if os.name == "posix":
            sock = stack.enter_context(_listen(host, port or 0))
            chosen = sock.getsockname()[1]
            cmd = [*cmd, "--port", str(chosen), "--fd", str(sock.fileno())]
            pass_fds: tuple[int, ...] = (sock.fileno(),)
        else:  # no descriptor passing: pick a port and let the server bind it
            chosen = port or free_port(probe_host)
            cmd = [*cmd, "--port", str(chosen)]
            pass_fds = ()
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env, pass_fds=pass_fds
            )
    # Our copy of the socket is closed now; the server process holds the only one.
    return proc, probe_host, chosen


def _wait_until_healthy(proc: subprocess.Popen, host: str, port: int, timeout: float, log: Path) -> None:
    """Return once ``GET /health`` answers 200; raise ``RuntimeError`` with the log if the server exits or is late."""
    deadline = time.monotonic() + timeout
    while not _healthy(host, port):
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}; its log:\n{_tail(log)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"server did not answer /health within {timeout} s; its log:\n{_tail(log)}")
        time.sleep(0.05)
