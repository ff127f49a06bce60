"""What a sandboxed kernel may see, and which engine builds that view.

The view is an allowlist: a kernel starts in an empty root filesystem into which only the system
libraries, the Python installation, the ``mlcourse`` package folder and a few ``/etc`` files are
mounted read-only, plus its own size-capped scratch, ``/tmp`` and ``/dev/shm``, a ``/proc`` that shows
only its own processes, and no network. Everything else (the repository, ``solutions/``, ``.git``, the
assignment source, other submissions, the output folder, home folders) is absent rather than hidden.

Two engines build the same :func:`plan`: Debian's ``bwrap`` (bubblewrap, what Flatpak uses) when it is
installed and works, else mount code of our own in :mod:`.launch`. Both need root. :func:`engine`
picks one and says why; ``mlcourse doctor`` prints that.

Examples
--------
>>> from mlcourse.grading.sandbox import plan
>>> kinds = {m[0] for m in plan(scratch_mb=64, tmp_mb=16, sock_dir="/tmp/x", connection="{}")}
>>> sorted(kinds)
['dev', 'dir', 'file', 'proc', 'ro', 'rw', 'symlink', 'tmpfs']
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

LAUNCHER = Path(__file__).with_name("launch.py")
#: Where the kernel lives inside the sandbox: its home and working folder (a private tmpfs).
HOME = "/home/student"
#: The connection file and the socket folder the grader connects to, inside the sandbox.
RUN = "/run/mlcourse"
CONNECTION = f"{RUN}/kernel.json"
SOCKETS = f"{RUN}/sock"
#: System folders mounted read-only (or recreated as the same symlink, on merged-/usr systems).
SYSTEM = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
#: The only entries of /etc a kernel sees: the dynamic linker's cache, time zone, users and fonts.
ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "timezone",
    "nsswitch.conf",
    "passwd",
    "group",
    "hosts",
    "mime.types",
    "fonts",
    "alternatives",
)
#: What ``--sandbox`` accepts: ``uid`` is only a fresh user (for a throw-away container where namespaces
#: are refused, as Docker's default seccomp profile does); ``container`` is ``auto``, else ``uid``.
ENGINES = ("auto", "bwrap", "namespaces", "uid", "container")
#: Sandbox uids are drawn from this range, so any process with such a uid is a kernel's.
UID_LOW, UID_HIGH = 200_000, 2**31 - 2


UID_ONLY = "a fresh unprivileged uid and resource limits only, for a throw-away container"


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be built on this machine (the message says why and what to do)."""


def _nested(path: Path, roots: list[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


def python_roots() -> list[str]:
    """Folders the kernel's interpreter needs: the installation, the environment, the mlcourse package.

    The mlcourse *package* folder is exposed, never the folder above it: in an editable install
    that is the repository, with ``solutions/`` and ``.git``.
    """
    import mlcourse

    found = [Path(sys.base_prefix), Path(sys.prefix), Path(sys.executable).resolve().parent.parent]
    found += [Path(sysconfig.get_path(k)) for k in ("stdlib", "platstdlib", "purelib", "platlib")]
    found += [Path(p) for p in sys.path if p and Path(p).name in ("site-packages", "dist-packages")]
    found.append(Path(mlcourse.__file__).parent)
    roots: list[Path] = []
    for path in sorted({p.resolve() for p in found if p.is_dir()}, key=lambda p: len(p.parts)):
        if not _nested(path, [*roots, Path("/usr")]):
            roots.append(path)
    return [str(r) for r in roots]


def _as_on_host(paths) -> list[list]:
    """Each path that exists here, at the same place: the same symlink, or a read-only bind."""
    return [
        ["symlink", str(p), os.readlink(p)] if p.is_symlink() else ["ro", str(p), str(p)]
        for p in paths
        if p.is_symlink() or p.exists()
    ]


def plan(*, scratch_mb: int, tmp_mb: int, sock_dir: str, connection: str, exchange: str = "") -> list[list]:
    """The mounts that make the kernel's root filesystem, in order.

    ``exchange`` is a root-owned folder shown at the same path, where test cells put files for the
    student's code to read (it is ``tempfile``'s folder while they run).

    Each entry is ``[kind, dest, *args]``: ``ro``/``rw`` (bind ``src`` read-only or read-write),
    ``tmpfs`` (size in bytes, mode; a ``home`` tmpfs belongs to the kernel's uid), ``dir`` (mode),
    ``symlink`` (target), ``proc``, ``dev`` and ``file`` (text, written read-only).
    """
    mounts = _as_on_host(Path("/", name) for name in SYSTEM)
    mounts.append(["dir", "/etc", 0o755])
    mounts += _as_on_host(Path("/etc", name) for name in ETC)
    # The private tmpfs folders first: a Python installation under /tmp or /home (a CI checkout, say)
    # is then mounted on top of them instead of being hidden by them.
    mounts += [
        ["proc", "/proc"],
        ["dev", "/dev"],
        ["tmpfs", "/dev/shm", tmp_mb * 2**20, 0o1777],
        ["tmpfs", "/tmp", tmp_mb * 2**20, 0o1777],
        ["tmpfs", HOME, scratch_mb * 2**20, 0o700, "home"],
        ["dir", RUN, 0o755],
    ]
    mounts += [["ro", root, root] for root in python_roots()]
    mounts += [
        *([["rw", exchange, exchange]] if exchange else []),
        ["rw", SOCKETS, sock_dir],
        ["file", CONNECTION, connection],
    ]
    return mounts


def readable_by_others(path: str | Path) -> bool:
    """Whether a user with no groups (a kernel's uid) could read ``path``, going by its permissions."""
    path = Path(path).absolute()
    for folder in reversed(path.parents):
        if not os.stat(folder).st_mode & 0o001:
            return False
    return bool(os.stat(path).st_mode & 0o004)


def sandbox_uid(uid: int) -> bool:
    """True for a uid from the range the grader gives its kernels."""
    return UID_LOW <= uid < UID_HIGH


def processes() -> list[tuple[int, int, str]]:
    """``(pid, uid, state)`` of every process on this machine (zombies included).

    A thread-group leader that called ``pthread_exit`` shows as a zombie while its other threads run
    on: its state here is that of its first live thread ("R", say), not "Z".
    """
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh.read().splitlines() if ":" in line)
            state = fields["State"].strip()[:1]
            if state == "Z":
                state = next((s for s in map(_thread_state, os.listdir(f"/proc/{entry}/task")) if s != "Z"), "Z")
            found.append((int(entry), int(fields["Uid"].split()[0]), state))
        except (OSError, KeyError, ValueError, IndexError):
            continue
    return found


def _thread_state(tid: str) -> str:
    try:
        with open(f"/proc/{tid}/stat") as fh:  # every thread is reachable as /proc/<tid>, though not listed
            return fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


def leftover_processes() -> list[tuple[int, int, str]]:
    """Processes of sandbox uids still on this machine: after grading there must be none."""
    return [p for p in processes() if sandbox_uid(p[1])]


def unsafe_import_paths(paths: list[str] | None = None) -> list[str]:
    """Folders on ``sys.path`` that a user other than root may write to (each one a root exploit).

    Root runs ``launch.py`` and the grader itself from these folders: a ``.pth`` or module planted in
    one of them would run as root. The grader refuses to run while any is listed.
    """
    bad = []
    for entry in sys.path if paths is None else paths:
        path = Path(entry or ".").absolute()
        for folder in [path, *path.parents]:
            try:
                info = os.lstat(folder)
            except OSError:
                continue
            # Kernels have no groups, so only world-writable folders are theirs to change; a sticky
            # one (/tmp) above the entry lets them add names but not replace ours.
            sticky_shared = folder != path and info.st_mode & stat.S_ISVTX
            writable = info.st_mode & 0o002 and not sticky_shared and not stat.S_ISLNK(info.st_mode)
            if sandbox_uid(info.st_uid) or writable:
                bad.append(str(folder))
                break
    return sorted(set(bad))


@functools.cache
def bwrap_path() -> str | None:
    """The bubblewrap binary, or None when it is not installed."""
    return shutil.which("bwrap", path="/usr/bin:/bin:/usr/local/bin")


@functools.cache
def _try(engine_name: str) -> str:
    """Start a trivial command in ``engine_name``'s sandbox: "" when it works, else why not."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="mlcourse-probe-") as tmp:
        for name in ("root", "stage"):
            os.mkdir(os.path.join(tmp, name), 0o700)
        spec = {
            "engine": engine_name,
            "uid": UID_LOW - 1,  # below the range: nothing is left to find after the probe
            "gid": UID_LOW - 1,
            "mounts": [m for m in plan(scratch_mb=1, tmp_mb=1, sock_dir="/", connection="{}") if m[0] != "rw"],
            "cwd": HOME,
            "limits": {},
            "bwrap": bwrap_path(),
            "newroot": os.path.join(tmp, "root"),
            "stage": os.path.join(tmp, "stage"),
        }
        command = [sys.executable, "-S", "-c", "import os; os.listdir('/home/student')"]
        try:
            proc = subprocess.run(
                [sys.executable, "-I", "-S", str(LAUNCHER), json.dumps(spec), "--", *command],
                capture_output=True,
                text=True,
                timeout=30,
                env={"PATH": os.defpath},
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return str(exc)
    if proc.returncode != 0:
        return (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
    return ""


def _reachable_python() -> None:
    """Without namespaces the kernel's uid must reach the Python installation where it lies."""
    blocked = [r for r in python_roots() if not all(os.stat(p).st_mode & 0o001 for p in [*Path(r).parents, Path(r)])]
    if blocked:
        raise SandboxUnavailable(
            f"cannot use --sandbox uid: {blocked[0]} is inside a folder other users cannot enter, so a kernel "
            "running as a fresh uid could not start Python; install Python where every user can read it"
        )


def is_root() -> bool:
    """True when this process may build sandboxes (it is root)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def engine(requested: str = "auto") -> tuple[str, str]:
    """The engine grading will use, and why: ``("bwrap" | "namespaces" | "none", reason)``.

    Raises
    ------
    SandboxUnavailable
        Running as root but no engine works (or the requested one does not).
    ValueError
        ``requested`` is not one of :data:`ENGINES`.
    """
    if requested not in ENGINES:
        raise ValueError(f"sandbox engine must be one of {', '.join(ENGINES)}; got {requested!r}")
    if not is_root():
        return "none", "not root: kernels run as you, unsandboxed"
    if requested == "uid":
        _reachable_python()
        return "uid", UID_ONLY
    if requested == "container":
        try:
            return engine("auto")
        except SandboxUnavailable as exc:
            _reachable_python()
            return "uid", f"{UID_ONLY}; namespaces are not allowed here ({str(exc).split(': ', 1)[-1][:200]})"
    failures = []
    if requested in ("auto", "bwrap"):
        if bwrap_path() is None:
            failures.append("bwrap: not installed (Debian/Ubuntu: apt-get install bubblewrap)")
        elif not (why := _try("bwrap")):
            return "bwrap", f"bubblewrap ({bwrap_path()}) with user, pid, mount, network and IPC namespaces"
        else:
            failures.append(f"bwrap: {why}")
    if requested in ("auto", "namespaces"):
        if not (why := _try("namespaces")):
            reason = "mlcourse's own mount, pid, network and IPC namespaces"
            return "namespaces", reason + (" (bubblewrap not usable)" if requested == "auto" else "")
        failures.append(f"namespaces: {why}")
    raise SandboxUnavailable(
        "cannot build the grading sandbox: " + "; ".join(failures) + ". Grade on a machine (or a container "
        "with CAP_SYS_ADMIN) where namespaces are allowed, or, in a throw-away container, with --sandbox uid; "
        "student code never runs as root."
    )
