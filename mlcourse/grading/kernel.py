"""Start, drive and kill a limited (and, as root, unprivileged) Jupyter kernel.

A :class:`Kernel` is one ipykernel process reached over IPC sockets in a private scratch folder.
:meth:`Kernel.execute` runs code with a timeout and an output-size limit and never raises for what
the code does: a hang, an output flood or the kernel's death come back as a :class:`Reply` status.
"""

from __future__ import annotations

import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from mlcourse.nbrun import KERNEL_ENV, kernel_env

LAUNCHER = Path(__file__).with_name("launch.py")
#: Environment variables passed through to a kernel; everything else (tokens, keys) stays out.
PASS_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "PYTHONPATH", "VIRTUAL_ENV", "TZ")


@dataclass
class Limits:
    """Resource limits of one kernel.

    Parameters
    ----------
    timeout : float
        Seconds one cell (or one call from a test) may run.
    memory_mb : int or None
        Address-space limit of the kernel process, in MiB.
    output_bytes : int
        Bytes of output one cell may send before the kernel is stopped.
    cpu_seconds : int or None
        CPU seconds the kernel process may use in all.
    file_mb : int or None
        Largest file the kernel may write, in MiB.
    processes : int
        Processes and threads the sandbox user may run (only applied with a uid of our own).
    """

    timeout: float = 30.0
    memory_mb: int | None = 2048
    output_bytes: int = 2_000_000
    cpu_seconds: int | None = 600
    file_mb: int | None = 64
    processes: int = 256


@dataclass
class Reply:
    """What came of one execution: ``status`` is ok, error, timeout, output (limit) or died."""

    status: str
    ename: str = ""
    evalue: str = ""
    stdout: str = ""
    data: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def describe(self) -> str:
        """A one-line account of what went wrong, for feedback."""
        return {
            "ok": "ran without error",
            "error": f"{self.ename}: {self.evalue}".strip(": "),
            "timeout": "the code ran past its time limit and was stopped",
            "output": "the code printed more than the output limit and was stopped",
            "died": "the kernel died (the code exited, crashed or ran out of memory)",
        }[self.status]


def can_drop_privileges() -> bool:
    """True when this process may run kernels as another user (it is root)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _pick_uid() -> int | None:
    """A random uid of our own (so kernels cannot signal or trace each other), or nobody."""
    try:
        lines = Path("/proc/self/uid_map").read_text().split("\n")
        ranges = [tuple(int(x) for x in line.split()) for line in lines if line.strip()]
    except OSError:
        ranges = [(0, 0, 2**32 - 1)]
    for inside, _outside, count in ranges:
        low, high = max(inside, 200_000), min(inside + count, 2**31 - 2)
        if high - low > 1000:
            return random.SystemRandom().randrange(low, high)
    if any(inside <= 65534 < inside + count for inside, _o, count in ranges):
        return 65534
    return None


class Kernel:
    """One kernel process with limits, optionally sandboxed.

    Parameters
    ----------
    limits : Limits
        Time, memory and output limits.
    sandbox : bool
        Run as a fresh unprivileged uid, hide ``protect`` paths and cut the network (needs root).
    protect : list of Path
        Files and folders the kernel must not read (assignment source, submissions, output).
    cwd : path, optional
        Working folder of the kernel (default: its private scratch folder). Not with ``sandbox``.
    """

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        sandbox: bool = False,
        protect: list[Path] = (),  # type: ignore[assignment]
        cwd: str | Path | None = None,
    ):
        self.limits = limits or Limits()
        self.cwd = cwd
        self.sandbox = sandbox
        self.uid = _pick_uid() if sandbox and can_drop_privileges() else None
        self.protect = [Path(p).resolve() for p in protect]
        self.base = Path(tempfile.mkdtemp(prefix="mlcourse-kernel-"))
        self.private = self.base / "private"
        self.scratch = self.base / "scratch"
        self.private.mkdir(mode=0o700)
        self.scratch.mkdir(mode=0o700)
        if self.uid is not None:
            self.base.chmod(0o711)
            os.chown(self.scratch, self.uid, self.uid)
        self.proc: subprocess.Popen | None = None
        self.client = None
        self.report: dict = {}
        self.starts = 0

    # -- life cycle -------------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        if not self.sandbox:  # the learner's own kernel (`mlcourse check`): their environment, as nbrun gives it
            return kernel_env()
        env = {k: os.environ[k] for k in PASS_ENV if k in os.environ}
        home = str(self.scratch)
        env.update(KERNEL_ENV)
        env.update(HOME=home, TMPDIR=home, MPLBACKEND="Agg", IPYTHONDIR=f"{home}/.ipython")
        env.update(JUPYTER_RUNTIME_DIR=f"{home}/.runtime", JUPYTER_PLATFORM_DIRS="1", MPLCONFIGDIR=f"{home}/.mpl")
        env.setdefault("PATH", os.defpath)
        env["MALLOC_ARENA_MAX"] = "2"  # fewer per-thread heaps: the address-space limit then measures real use
        return env

    def _hide_spec(self) -> tuple[list[str], list[str]]:
        """Folders to cover with an empty tmpfs, and files to cover one by one."""
        needed = [self.base, Path(sys.prefix).resolve(), Path(sys.executable).resolve().parent, LAUNCHER.parent]
        needed += [Path(p).resolve() for p in sys.path if p]
        dirs, files = [], []
        for path in self.protect:
            folder = path if path.is_dir() else path.parent
            # Hiding a folder that the kernel itself needs (the venv, the library, its scratch) would break it.
            if folder != Path(folder.anchor) and not any(n == folder or folder in n.parents for n in needed):
                dirs.append(str(folder))
            elif path.is_file():
                files.append(str(path))
        dirs = sorted(set(dirs))
        dirs = [d for d in dirs if not any(Path(o) in Path(d).parents for o in dirs)]  # covered already
        return dirs, sorted(set(files))

    def start(self, timeout: float = 60.0) -> None:
        """Start (or restart) the kernel and wait until it answers."""
        from jupyter_client.blocking import BlockingKernelClient
        from jupyter_client.connect import write_connection_file

        self.kill()
        self.starts += 1
        conn = self.scratch / f"kernel-{self.starts}.json"
        _, info = write_connection_file(str(conn), transport="ipc", ip=str(self.scratch / f"ipc{self.starts}"))
        blank = self.private / "blank"
        blank.touch(mode=0o000)
        dirs, files = self._hide_spec()
        lim = self.limits
        spec = {
            "uid": self.uid,
            "gid": self.uid,
            "cwd": str(self.cwd or self.scratch),
            "report": str(self.private / "report.json"),
            "hide_dirs": dirs,
            "hide_files": files,
            "blank_file": str(blank),
            "probe": [str(p) for p in self.protect],
            "expose": [sys.base_prefix, sys.prefix, str(Path(__file__).resolve().parents[2])],
            "stage": str(self.private / "stage"),
            "no_network": True,
            "limits": {
                "memory": lim.memory_mb * 2**20 if lim.memory_mb else None,
                "cpu": lim.cpu_seconds,
                "fsize": lim.file_mb * 2**20 if lim.file_mb else None,
                "nproc": lim.processes,
            },
        }
        if self.uid is not None:
            os.chown(conn, self.uid, self.uid)
        kernel_cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", str(conn), "--HistoryManager.enabled=False"]
        log = open(self.private / "kernel.log", "ab")  # handed to the child, closed below
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", str(LAUNCHER), json.dumps(spec), "--", *kernel_cmd],
                env=self._env(),
                cwd=self.scratch,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        finally:
            log.close()
        client = BlockingKernelClient()
        client.load_connection_info(info)
        client.start_channels(hb=False)
        self.client = client
        deadline = time.monotonic() + timeout
        msg_id = client.kernel_info()
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the kernel failed to start: {self.log_tail()}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"the kernel did not answer within {timeout:.0f} s: {self.log_tail()}")
            try:
                msg = client.get_shell_msg(timeout=0.05)
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            # A shell reply does not prove the iopub subscription is live: a PUB socket drops what
            # it sends before the subscriber has joined, and a lost "idle" would look like a hang.
            # Ask again until the kernel's status messages for a request arrive on iopub too.
            if self._iopub_saw(msg_id, wait=0.5):
                break
            msg_id = client.kernel_info()
        self._drain_iopub()
        try:
            self.report = json.loads((self.private / "report.json").read_text())
        except (OSError, ValueError):
            self.report = {}

    def log_tail(self, n: int = 2000) -> str:
        try:
            return (self.private / "kernel.log").read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def _iopub_saw(self, msg_id: str, wait: float) -> bool:
        """Whether an iopub message answering ``msg_id`` arrives within ``wait`` seconds."""
        end = time.monotonic() + wait
        while (left := end - time.monotonic()) > 0:
            try:
                msg = self.client.get_iopub_msg(timeout=left)
            except queue.Empty:
                return False
            if msg["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    def _drain_iopub(self) -> None:
        while True:
            try:
                self.client.get_iopub_msg(timeout=0.01)
            except queue.Empty:
                return

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """Kill the kernel and everything it started; safe to call twice."""
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - unkillable (D state)
            pass
        if self.uid is not None:
            _kill_uid(self.uid)  # anything that left the process group (setsid, double fork)
        self.proc = None

    def close(self) -> None:
        """Kill the kernel and delete its scratch folder."""
        self.kill()
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- running code -------------------------------------------------------------------------
    def execute(self, code: str, timeout: float | None = None) -> Reply:
        """Run ``code``; a timeout, an output flood or a death stops the kernel and is reported."""
        if not self.alive or self.client is None:
            return Reply("died")
        timeout = self.limits.timeout if timeout is None else timeout
        msg_id = self.client.execute(code, silent=False, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + max(timeout, 0.01)
        reply = Reply("ok")
        size, stdout = 0, []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                return Reply("timeout", stdout="".join(stdout))
            try:
                msg = self.client.get_iopub_msg(timeout=min(0.1, left))
            except queue.Empty:
                if not self.alive:
                    self.kill()
                    return Reply("died", stdout="".join(stdout))
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content.get("execution_state") == "idle":
                break
            if kind == "stream":
                text = str(content.get("text", ""))
                size += len(text)
                kept = sum(map(len, stdout))
                if kept < 10_000:
                    stdout.append(text[: 10_000 - kept])
            elif kind in ("display_data", "execute_result", "update_display_data"):
                data = content.get("data", {})
                size += sum(len(str(v)) for v in data.values()) if isinstance(data, dict) else 0
                if isinstance(data, dict):
                    reply.data.append(data)
            elif kind == "error":
                reply.status = "error"
                reply.ename, reply.evalue = str(content.get("ename", ""))[:200], str(content.get("evalue", ""))[:2000]
                size += sum(len(str(t)) for t in content.get("traceback", []))
            if size > self.limits.output_bytes:
                self.kill()
                return Reply("output", stdout="".join(stdout))
        while True:  # drop the execute_reply (the iopub messages said it all)
            try:
                self.client.get_shell_msg(timeout=0)
            except queue.Empty:
                break
        reply.stdout = "".join(stdout)
        return reply


def _kill_uid(uid: int) -> None:
    """SIGKILL every process of ``uid`` (a uid this module picked for one kernel only)."""
    for _ in range(3):
        found = False
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            fields = dict(ln.split(":", 1) for ln in status.splitlines() if ":" in ln)
            if fields.get("Uid", "").split()[:1] == [str(uid)] and not fields.get("State", "").strip().startswith("Z"):
                found = True
                try:
                    os.kill(int(entry.name), signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        if not found:
            return
        time.sleep(0.05)
