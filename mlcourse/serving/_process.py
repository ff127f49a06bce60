"""Run the service: in the foreground under uvicorn (``mlcourse serve``), or as a background process.

:func:`serve_in_background` is what lessons and tests use: a real ``mlcourse serve`` subprocess on a
real socket, started, waited for and stopped inside one ``with`` block, with its logs in a file so
nothing reaches the notebook's output.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
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
#: uvicorn's exit code for a worker that could not start (e.g. the app factory raised).
_STARTUP_FAILURE = 3
_REUSEPORT = getattr(socket, "SO_REUSEPORT", None)
#: Whether the kernel spreads connections over sockets sharing a port (Linux); elsewhere workers share one.
_BALANCED = sys.platform.startswith("linux") and _REUSEPORT is not None
_log = logging.getLogger("uvicorn.error")


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
    inherited, already listening socket instead of binding ``host:port``.

    ``workers`` above 1 starts that many worker processes on the one port (see
    :func:`_run_workers`); each connection is served by one worker. Every connection has ``TCP_NODELAY`` set: without it, with
    several workers, each answer waited about 40 ms for the client's delayed acknowledgement.
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
    from mlcourse.serving._uvicorn import HTTP_PROTOCOL

    # Every connection gets TCP_NODELAY, whoever made the socket (see mlcourse.serving._uvicorn).
    options: dict[str, Any] = {"log_level": log_level, "access_log": access_log, "http": HTTP_PROTOCOL}
    if workers == 1:
        app = create_app(bundle, max_batch=max_batch)
        if fd is None:
            uvicorn.run(app, host=host, port=port, **options)
        else:
            # socket(fileno=...) reads the family (IPv4/IPv6) from the descriptor itself.
            uvicorn.Server(uvicorn.Config(app, host=host, port=port, **options)).run(sockets=[socket.socket(fileno=fd)])
        return
    _run_workers(directory, workers, host, port, fd, max_batch, expected_sha256, factories, options)


def _run_workers(
    directory: str | os.PathLike,
    workers: int,
    host: str,
    port: int,
    fd: int | None,
    max_batch: int,
    expected_sha256: str | None,
    factories: tuple[str, ...] | list[str],
    options: dict[str, Any],
) -> None:
    """Serve from ``workers`` processes, each with its own listening socket on the same port; return on SIGTERM.

    Each worker is a fresh (spawned) interpreter that loads the bundle itself, from the environment,
    and runs one event loop. On Linux every worker listens on a socket of its own (``SO_REUSEPORT``)
    and the kernel spreads new connections over them; with one shared socket, as uvicorn's own
    ``--workers`` does, the first worker to wake accepts every connection that is waiting, and on
    a loopback benchmark all 8 keep-alive connections ended up in one worker while the other idled.
    Elsewhere the workers share one socket. The numerical libraries get one thread per worker unless
    the environment says otherwise: N workers with N threads each would fight over the same cores.
    A worker that dies is replaced; one that fails to start (a bad bundle) stops the server.
    """
    import multiprocessing

    import uvicorn

    os.environ["MLCOURSE_BUNDLE"] = str(Path(directory).resolve())
    os.environ["MLCOURSE_MAX_BATCH"] = str(max_batch)
    if expected_sha256:
        os.environ["MLCOURSE_BUNDLE_SHA256"] = expected_sha256
    os.environ["MLCOURSE_TRUSTED_FACTORIES"] = ",".join(factories)
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")
    config = uvicorn.Config("mlcourse.serving._app:app_from_env", factory=True, host=host, port=port, **options)
    # Bound here: a port already taken fails now, before any worker starts.
    sockets = _worker_sockets(host, port, fd, workers)
    multiprocessing.allow_connection_pickling()  # sockets travel to the spawned workers
    spawn = multiprocessing.get_context("spawn")
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}

    def start(i: int) -> Any:
        process = spawn.Process(target=_worker, args=(config, sockets[i]), name=f"mlcourse-worker-{i}")
        process.start()
        return process

    failed, processes = False, []
    try:
        for i in range(workers):
            processes.append(start(i))
        while not stop.wait(_PARENT_POLL):
            for i, process in enumerate(processes):
                if process.is_alive():
                    continue
                if process.exitcode == _STARTUP_FAILURE:  # it would fail again: stop, as uvicorn does
                    _log.error("worker %d (pid %s) failed to start; stopping", i, process.pid)
                    failed = True
                    stop.set()
                    break
                _log.warning("worker %d (pid %s) exited with %s; starting another", i, process.pid, process.exitcode)
                processes[i] = start(i)
    finally:
        for process in processes:  # SIGTERM: each finishes its requests in flight
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sock in set(sockets):
            sock.close()
    if failed:
        sys.exit(_STARTUP_FAILURE)


def _worker(config: Any, sock: socket.socket) -> None:
    """One worker process: serve ``sock`` until SIGTERM, and stop if the supervisor that started it goes away."""
    import uvicorn

    config.configure_logging()
    if os.name == "posix":
        _exit_with_parent()
    uvicorn.Server(config).run(sockets=[sock])


def _worker_sockets(host: str, port: int, fd: int | None, workers: int) -> list[socket.socket]:
    """One listening socket per worker, all on the same port (``SO_REUSEPORT``); or one shared socket.

    ``fd`` is an inherited, listening socket: the first worker's. The others join its port only if
    it was bound with ``SO_REUSEPORT`` (``serve_in_background`` does so for several workers).
    """
    if fd is not None:
        first = socket.socket(fileno=fd)
        balanced = _BALANCED and first.getsockopt(socket.SOL_SOCKET, _REUSEPORT) != 0
    else:
        balanced = _BALANCED
        if balanced and port:
            # Claim the port once without SO_REUSEPORT: that fails if anything holds it already, even
            # another server with SO_REUSEPORT, which would otherwise silently share our traffic.
            _listen(host, port).close()
        first = _listen(host, port, reuse_port=balanced)
    if not balanced:
        return [first] * workers
    bound_host, bound_port = first.getsockname()[:2]
    return [first, *(_listen(bound_host, bound_port, reuse_port=True) for _ in range(workers - 1))]


def _listen(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: the OS picks a free one).

    ``reuse_port``: other sockets with ``SO_REUSEPORT`` may listen on the same port (Linux spreads
    connections over them).
    """
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, _REUSEPORT, 1)
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
    workers: int = 1,
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
    max_batch, expected_sha256, factories, workers
        Passed to ``mlcourse serve`` (``--max-batch``, ``--sha256``, ``--trust-factory``, ``--workers``).
        With several workers, ``/health`` answering means one of them is ready, not all.

    Yields
    ------
    url : str
        The base URL, e.g. ``"http://127.0.0.1:49731"``.

    Raises
    ------
    FileNotFoundError
        ``directory`` is not a bundle folder.
    TypeError, ValueError
        ``timeout`` is not a number (a bool is not), or not above 0; ``workers`` is not an integer
        (a bool is not), or below 1.
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
    check_scalar(workers, "workers", numbers.Integral, min_val=1)
    own_log = log_path is None
    if own_log:
        fd, name = tempfile.mkstemp(prefix="mlcourse-serve-", suffix=".log")
        os.close(fd)  # the server appends to it by name
        log = Path(name)
    else:
        log = Path(log_path)
    cmd = _serve_command(directory, host, max_batch, expected_sha256, factories, workers)
    proc: subprocess.Popen | None = None
    try:
        proc, probe_host, chosen = _start(cmd, host, port, log, reuse_port=workers > 1 and _BALANCED)
        _wait_until_healthy(proc, probe_host, chosen, timeout, log)
        url_host = f"[{probe_host}]" if ":" in probe_host else probe_host
        yield f"http://{url_host}:{chosen}"
    finally:
        if proc is not None:
            _stop(proc)
        if own_log:
            log.unlink(missing_ok=True)


def _serve_command(
    directory: Path,
    host: str,
    max_batch: int,
    expected_sha256: str | None,
    factories: tuple[str, ...] | list[str],
    workers: int = 1,
) -> list[str]:
    """The ``mlcourse serve`` command line, without the port (chosen when the server starts)."""
    cmd = [sys.executable, "-m", "mlcourse.cli", "serve", str(directory), "--host", host]
    cmd += ["--max-batch", str(max_batch), "--log-level", "warning", "--exit-with-parent"]
    cmd += ["--workers", str(workers)]
    if expected_sha256:
        cmd += ["--sha256", expected_sha256]
    for factory in factories:
        cmd += ["--trust-factory", factory]
    return cmd


def _start(
    cmd: list[str], host: str, port: int | None, log: Path, *, reuse_port: bool = False
) -> tuple[subprocess.Popen, str, int]:
    """Start the server process, its output appended to ``log``; return it, the host to probe and the port.

    On POSIX the socket is bound here and handed over, so the port is ours from the start: no other
    process can take it between choosing and binding, and ``/health`` can only be answered by our server.
    ``reuse_port`` (several workers) lets the server's workers bind the same port next to it.
    """
    probe_host = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    env = {**os.environ, **dict.fromkeys(THREAD_VARS, "1"), "PYTHONUNBUFFERED": "1"}
    with contextlib.ExitStack() as stack:
        if os.name == "posix":
            sock = stack.enter_context(_listen(host, port or 0, reuse_port=reuse_port))
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
