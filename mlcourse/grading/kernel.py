"""Start, drive and kill a limited (and, as root, sandboxed) Jupyter kernel.

A :class:`Kernel` is one ipykernel process reached over IPC sockets in a root-owned folder. As root
it runs in the sandbox of :mod:`.sandbox` (built by :mod:`.launch`), and every start is checked from
inside before any student code runs. :meth:`Kernel.execute` runs code with a timeout and an
output-size limit and never raises for what the code does: a hang, an output flood or the kernel's
death come back as a :class:`Reply` status. :meth:`Kernel.kill` kills the sandbox's pid 1, which
takes every process the kernel started with it.
"""

from __future__ import annotations

import json
import os
import queue
import random
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from mlcourse.grading import sandbox as sandbox_mod
from mlcourse.nbrun import KERNEL_ENV, kernel_env

LAUNCHER = sandbox_mod.LAUNCHER
#: Environment variables passed through to a sandboxed kernel; everything else (tokens, keys, and
#: PYTHONPATH, which could point into the repository) stays out.
PASS_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "VIRTUAL_ENV", "TZ")


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
    scratch_mb, tmp_mb : int
        Size of a sandboxed kernel's home folder, and of each of its ``/tmp`` and ``/dev/shm``, in MiB.
    """

    timeout: float = 30.0
    memory_mb: int | None = 2048
    output_bytes: int = 2_000_000
    cpu_seconds: int | None = 600
    file_mb: int | None = 64
    processes: int = 256
    scratch_mb: int = 256
    tmp_mb: int = 64


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


class SandboxError(RuntimeError):
    """The kernel started but its sandbox is not what it must be; the kernel was killed."""


def _pick_uid() -> int:
    """A random uid of our own, so kernels cannot signal, trace or read each other."""
    return random.SystemRandom().randrange(sandbox_mod.UID_LOW, sandbox_mod.UID_HIGH)


#: Run in a fresh kernel before any student code: what the kernel can see and do, as JSON on stdout.
PROBE = """\
import json as _j, os as _o, socket as _s, sys as _y
print(_j.dumps({
    "uid": _o.getuid(), "gid": _o.getgid(), "groups": _o.getgroups(),
    "pids": sorted(int(p) for p in _o.listdir("/proc") if p.isdigit()),
    "visible": [p for p in %r if (_o.access(p, _o.R_OK) if %r else _o.path.lexists(p))]
    + [f"{p}/{n}" for p, kids in %r.items() for n in sorted(set(_o.listdir(p)) - set(kids))],
    "writable": [p for p in _y.path if p and _o.path.isdir(p) and _o.access(p, _o.W_OK)],
    "interfaces": sorted(n for _i, n in _s.if_nameindex()),
}))
del _j, _o, _s, _y
"""


class Kernel:
    """One kernel process with limits, optionally sandboxed.

    Parameters
    ----------
    limits : Limits
        Time, memory and output limits.
    sandbox : bool
        As root: run in the sandbox of :mod:`.sandbox` (a fresh unprivileged uid, an allowlisted
        read-only filesystem, its own pid and network namespaces). Not root: limits only.
    protect : list of Path
        Paths the kernel must not see (assignment source, submissions, output); checked at every start.
    cwd : path, optional
        Working folder of an unsandboxed kernel (default: a private scratch folder).
    engine : {"auto", "bwrap", "namespaces", "none"}
        Which sandbox engine to use (see :func:`.sandbox.engine`); "none" as given by
        :func:`.sandbox.engine` when this process is not root.

    Raises
    ------
    SandboxUnavailable
        ``sandbox`` as root, and no engine can build the sandbox here.
    """

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        sandbox: bool = False,
        protect: list[Path] = (),  # type: ignore[assignment]
        cwd: str | Path | None = None,
        engine: str = "auto",
    ):
        self.limits = limits or Limits()
        self.cwd = cwd
        self.sandbox = sandbox
        if sandbox:  # "none" is only ever the answer for a grader that is not root
            self.engine, self.engine_reason = sandbox_mod.engine("auto" if engine == "none" else engine)
        else:
            self.engine, self.engine_reason = "none", "not sandboxed"
        self.uid = _pick_uid() if self.engine != "none" else None
        #: True when the kernel has namespaces of its own (its own root, pid 1, network).
        self.namespaces = self.engine in ("bwrap", "namespaces")
        self.protect = [Path(p).absolute() for p in protect]
        self.base = Path(tempfile.mkdtemp(prefix="mlcourse-kernel-"))  # root's, 0700
        self.private = self.base / "private"
        self.private.mkdir(mode=0o700)
        self.scratch = self.base / "scratch"  # the home of a kernel without namespaces (else a tmpfs)
        #: Where test cells may put files for the student's code (None: the kernel sees this machine's).
        self.exchange: Path | None = None
        if not self.namespaces:
            self.scratch.mkdir(mode=0o700)
        if self.uid is not None:
            self.base.chmod(0o711)  # the sandbox uid must reach its sockets (and, uid only, its home)
            self.exchange = self.base / "exchange"
            self.exchange.mkdir()
            self.exchange.chmod(0o755)
            if not self.namespaces:
                _give(self.scratch, self.uid)
        if self.uid is not None:
            _become_subreaper()
        self.proc: subprocess.Popen | None = None
        self.client = None
        self.context = None
        self.report: dict = {}
        self.starts = 0
        self.survivors: list[int] = []
        self._pidfd: int | None = None
        self._sockets: int | None = None
        self._mounts: list[list] = []
        self._monitor = None
        self._last_pid1: int | None = None

    # -- life cycle -------------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        if not self.sandbox:  # the learner's own kernel (`mlcourse check`): their environment, as nbrun gives it
            return kernel_env()
        env = {k: os.environ[k] for k in PASS_ENV if k in os.environ}
        home = sandbox_mod.HOME if self.namespaces else str(self.scratch)
        env.update(KERNEL_ENV)
        env.update(HOME=home, TMPDIR="/tmp" if self.namespaces else home, MPLBACKEND="Agg")
        env.update(IPYTHONDIR=f"{home}/.ipython", JUPYTER_RUNTIME_DIR=f"{home}/.runtime", MPLCONFIGDIR=f"{home}/.mpl")
        env.update(JUPYTER_PLATFORM_DIRS="1", PYTHONNOUSERSITE="1")
        env.setdefault("PATH", os.defpath)
        env["MALLOC_ARENA_MAX"] = "2"  # fewer per-thread heaps: the address-space limit then measures real use
        return env

    def _connection(self, ip: str) -> dict:
        return {
            "transport": "ipc",
            "ip": ip,
            "shell_port": 1,
            "iopub_port": 2,
            "stdin_port": 3,
            "control_port": 4,
            "hb_port": 5,
            "key": secrets.token_hex(32),
            "signature_scheme": "hmac-sha256",
            "kernel_name": "",
        }

    def _spec(self, n: int, info: dict) -> tuple[dict, str]:
        """The launcher's spec, and the connection file's path as the kernel sees it."""
        lim = self.limits
        spec = {
            "engine": self.engine,
            "uid": self.uid,
            "gid": self.uid,
            "info": str(self.private / f"info-{n}.json"),
            "cwd": str(self.cwd or self.scratch),
            "limits": {
                "memory": lim.memory_mb * 2**20 if lim.memory_mb else None,
                "cpu": lim.cpu_seconds,
                "fsize": lim.file_mb * 2**20 if lim.file_mb else None,
                "nproc": lim.processes,
            },
        }
        if self.uid is None:
            path = self.private / f"kernel-{n}.json"
            path.write_text(json.dumps(info))
            return spec, str(path)
        if not self.namespaces:  # readable by the sandbox uid only, in a folder root made for it
            folder = self.base / f"conn-{n}"
            folder.mkdir(mode=0o711)
            fd = os.open(folder / "kernel.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o400)
            try:
                os.fchown(fd, self.uid, self.uid)
                os.write(fd, json.dumps(info).encode())
            finally:
                os.close(fd)
            return spec, str(folder / "kernel.json")
        inside = {**info, "ip": f"{sandbox_mod.SOCKETS}/ipc"}
        mounts = sandbox_mod.plan(
            scratch_mb=lim.scratch_mb,
            tmp_mb=lim.tmp_mb,
            sock_dir=str(self.base / f"sock-{n}"),
            connection=json.dumps(inside),
            exchange=str(self.exchange),
        )
        for path in (self.private / f"root-{n}", self.private / f"stage-{n}"):
            path.mkdir(mode=0o700)
        self._mounts = mounts
        spec.update(cwd=sandbox_mod.HOME, mounts=mounts, bwrap=sandbox_mod.bwrap_path())
        spec.update(newroot=str(self.private / f"root-{n}"), stage=str(self.private / f"stage-{n}"))
        return spec, sandbox_mod.CONNECTION

    def start(self, timeout: float = 60.0) -> None:
        """Start (or restart) the kernel, check its sandbox and wait until it answers.

        Raises
        ------
        RuntimeError
            The kernel did not start or answer; :class:`SandboxError` when its sandbox is not sound.
        """
        from jupyter_client.blocking import BlockingKernelClient

        self.kill()
        self.starts += 1
        n = self.starts
        sockets = self.base / f"sock-{n}"
        sockets.mkdir(mode=0o700)
        # Root-owned, writable by the kernel only until it has bound its sockets (sealed below):
        # nothing the kernel runs later can swap a socket for a symlink the grader would follow.
        self._sockets = os.open(sockets, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        if self.uid is not None:
            os.fchmod(self._sockets, 0o733)
        info = self._connection(str(sockets / "ipc"))
        spec, conn = self._spec(n, info)
        kernel_cmd = [sys.executable, "-s", "-m", "ipykernel_launcher", "-f", conn, "--HistoryManager.enabled=False"]
        log = open(self.private / "kernel.log", "ab")  # handed to the child, closed below
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", str(LAUNCHER), json.dumps(spec), "--", *kernel_cmd],
                env=self._env(),
                cwd=self.private,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        finally:
            log.close()
        if self.context is None:
            import zmq

            self.context = zmq.Context()
            # A hostile kernel must not make the grader buffer gigabytes: one message may be no larger
            # than the output limit allows, and few may wait.
            self.context.setsockopt(zmq.MAXMSGSIZE, self.limits.output_bytes + 2**20)
            self.context.setsockopt(zmq.RCVHWM, 64)
        client = BlockingKernelClient(context=self.context)
        client.load_connection_info(info)
        client.start_channels(hb=False)
        self.client = client
        import zmq

        # Hearing of a dropped iopub connection tells "a message over MAXMSGSIZE" from a hang.
        self._monitor = client.iopub_channel.socket.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        self._wait_ready(timeout)
        if self.uid is not None:
            os.fchmod(self._sockets, 0o711)
            self._check_sandbox()

    def _wait_ready(self, timeout: float) -> None:
        client = self.client
        deadline = time.monotonic() + timeout
        msg_id = client.kernel_info()
        while True:
            if self.proc.poll() is not None:
                refused = [ln for ln in self.log_tail(4000).splitlines() if ln.startswith("mlcourse sandbox refused")]
                why = f": {refused[-1]}" if refused else ""  # the launcher's words: no student code ran yet
                raise RuntimeError(f"the kernel failed to start (exit status {self.proc.returncode}){why}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"the kernel did not answer within {timeout:.0f} s")
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

    def _check_sandbox(self) -> None:
        """Take hold of the sandbox's pid 1 and check, before any student code, what the kernel can see."""
        problems = []
        if self.namespaces:
            self._pidfd = self._pid1()
            if self._pidfd is None:
                problems.append("cannot find the sandbox's pid 1")
        for name in sorted(os.listdir(self._sockets)):
            info = os.stat(name, dir_fd=self._sockets, follow_symlinks=False)
            if not stat.S_ISSOCK(info.st_mode) or info.st_uid != self.uid:
                problems.append(f"unexpected file {name!r} in the socket folder")
        absent, skeletons = self._probe_paths()
        reply = self.execute(PROBE % (absent, not self.namespaces, skeletons), timeout=30)
        try:
            probe = json.loads(reply.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            probe = {}
            problems.append(f"the sandbox probe did not run ({reply.describe()})")
        if probe:
            if (probe["uid"], probe["gid"], probe["groups"]) != (self.uid, self.uid, []):
                problems.append(f"the kernel runs as uid {probe['uid']}, gid {probe['gid']}, groups {probe['groups']}")
            problems += [f"the kernel can see {p}" for p in probe["visible"]]
            problems += [f"the kernel can write to {p}, which is on its sys.path" for p in probe["writable"]]
            if self.namespaces and probe["interfaces"] != ["lo"]:
                problems.append(f"the kernel has network interfaces {probe['interfaces']}")
            if self.namespaces and len(probe["pids"]) > 3:
                problems.append(f"the kernel can see {len(probe['pids'])} processes")
        self.report = {"engine": self.engine, "reason": self.engine_reason, "dropped": not problems, **probe}
        if problems:
            self.kill()
            raise SandboxError("sandbox check failed: " + "; ".join(problems))

    def _probe_paths(self) -> tuple[list[str], dict[str, list[str]]]:
        """Protected paths that must be absent (unreadable, for a kernel without namespaces), and the
        ones that hold a mount point further down (``/root`` above pyenv's Python, say), which must
        show nothing but the way to it."""
        dests = [Path(m[1]) for m in self._mounts]
        absent, skeletons = [], {}
        for path in self.protect:
            kids = sorted({d.relative_to(path).parts[0] for d in dests if path in d.parents})
            if kids and path not in dests:
                skeletons[str(path)] = kids
            else:  # inside a mounted folder (the source next to mlcourse, say): visible, so refused
                absent.append(str(path))
        return absent, skeletons

    def log_tail(self, n: int = 2000) -> str:
        """The end of the kernel's own log (stdout and stderr): for the instructor, never the student."""
        try:
            with open(self.private / "kernel.log", "rb") as fh:
                fh.seek(0, os.SEEK_END)
                fh.seek(max(0, fh.tell() - n))
                return fh.read().decode(errors="replace")
        except OSError:
            return ""

    def _disconnected(self) -> bool:
        """Whether the kernel dropped its iopub connection: it died, or sent a message over the
        size limit. Waits a moment for a dying kernel's process to go, so the two can be told apart."""
        if self._monitor is None or not self._monitor.poll(0):
            return False
        self._monitor.recv_multipart()
        if self.proc is not None:
            try:
                self.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        return True

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
        """Kill the kernel and everything it started; safe to call twice.

        Killing the sandbox's pid 1 (through a pidfd, so a recycled pid is never hit) makes the
        kernel kill every process of its pid namespace; the launcher then reaps it and exits.
        """
        if self.client is not None:
            if self._monitor is not None:
                self.client.iopub_channel.socket.disable_monitor()
                self._monitor.close(linger=0)
                self._monitor = None
            self.client.stop_channels()
            self.client = None
        if self._sockets is not None:
            os.close(self._sockets)
            self._sockets = None
        if self.proc is None:
            return
        if self._pidfd is None:
            self._pidfd = self._pid1()
        if self._pidfd is not None:
            try:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.close(self._pidfd)
            self._pidfd = None
            try:  # the launcher reaps its pid 1 and exits: nothing is left as an orphaned zombie
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the launcher is not reaped yet: its group is ours
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - unkillable (D state)
                pass
        if self.uid is not None:
            found = _sweep(self.uid)  # with namespaces, only a dying pid 1: the pid namespace took the rest
            self.survivors += [p for p in found if p != self._last_pid1] if self.namespaces else []
        self.proc = None

    def _pid1(self) -> int | None:
        """A pidfd on the sandbox's pid 1 (from the launcher's info file), or None."""
        try:
            child = int(json.loads((self.private / f"info-{self.starts}.json").read_text())["child-pid"])
            self._last_pid1 = child
            pidfd = os.pidfd_open(child)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        # Only while the launcher is unreaped is its child's pid sure to be that child.
        if self.proc is None or self.proc.poll() is not None or _parent(child) != self.proc.pid:
            os.close(pidfd)
            return None
        return pidfd

    def close(self) -> None:
        """Kill the kernel and delete its folders."""
        self.kill()
        if self.context is not None:
            self.context.destroy(linger=0)
            self.context = None
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
                if self._disconnected():
                    status = "output" if self.alive else "died"
                    self.kill()
                    return Reply(status, stdout="".join(stdout))
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


def _parent(pid: int) -> int | None:
    """The parent pid of ``pid`` (None when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            return int(next(ln for ln in fh if ln.startswith("PPid:")).split()[1])
    except (OSError, StopIteration, ValueError):
        return None


def _give(folder: Path, uid: int) -> None:
    """Make a folder root just created (in a folder of root's) the sandbox uid's, through its descriptor."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        os.fchown(fd, uid, uid)
        os.fchmod(fd, 0o700)
    finally:
        os.close(fd)


def _become_subreaper() -> None:
    """Orphans of this process's children come to it instead of the machine's init.

    bubblewrap's outer process can exit before its pid 1 is reaped; that pid 1 (a zombie of a
    sandbox uid) is then ours to reap (:func:`_sweep`) rather than left to an init that may never do it.
    """
    import ctypes

    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _sweep(uid: int, wait: float = 5.0) -> list[int]:
    """Kill and reap every process of ``uid`` (a uid picked for one kernel only); the live pids found.

    A helper becomes ``uid`` and calls ``kill(-1, SIGKILL)``, which reaches every process of that uid
    at once, those that left the process group (``setsid``) or whose thread-group leader called
    ``pthread_exit`` included. The zombies handed to this process (it is a subreaper) are reaped,
    until no process of ``uid`` is left but zombies that another parent will reap.
    """
    seen: list[int] = []
    deadline = time.monotonic() + wait
    while True:
        found = [(pid, state) for pid, owner, state in sandbox_mod.processes() if owner == uid]
        live = [pid for pid, state in found if state != "Z"]
        ours = [pid for pid, state in found if state == "Z" and _parent(pid) == os.getpid()]
        for pid in ours:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        if live:
            seen += [p for p in live if p not in seen]
            _kill_all_of(uid)
        if (not live and not ours) or time.monotonic() > deadline:
            return seen
        time.sleep(0.01)


def _kill_all_of(uid: int) -> None:
    helper = os.fork()
    if helper == 0:  # pragma: no cover - the child
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)  # every process this uid may signal: all of its own, not itself
        finally:
            os._exit(0)
    os.waitpid(helper, 0)
