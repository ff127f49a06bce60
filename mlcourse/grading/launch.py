"""Sandbox launcher: ``python -I -S launch.py SPEC_JSON -- COMMAND...`` (standard library only).

Run by the grader (as root) for every student kernel; ``-I -S`` keep it from reading any ``.pth``
file or environment variable, so nothing a kernel could have written runs here. The spec's
``engine`` says how ``COMMAND`` is confined:

``namespaces``
    New mount, pid, network, IPC and UTS namespaces. A child becomes pid 1 of the new pid namespace
    (so its death kills everything the kernel started, ``setsid`` and zombie-leader tricks included),
    builds an empty root filesystem from the spec's allowlist of mounts (:mod:`.sandbox`), switches
    into it with ``pivot_root``, drops to the sandbox uid and runs ``COMMAND`` as its only child.
``bwrap``
    The same allowlist handed to bubblewrap, which this process becomes after dropping to the
    sandbox uid (bubblewrap then builds the namespaces as that user).
``uid``
    The sandbox uid and resource limits only, no namespaces: for a throw-away container that refuses
    them (the grader then keeps its files unreadable to that uid, and kills by uid).
``none``
    Resource limits only (not root, or the learner's own kernel).

The host pid of the sandbox's pid 1 is written as ``{"child-pid": N}`` to the spec's ``info`` file,
so the grader can kill it, and with it the whole namespace. Any failure before ``COMMAND`` starts
exits with status 125 and a message on stderr: the kernel never runs half-sandboxed.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import signal
import sys

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME = 1024, 2048, 4096, 16384, 1 << 18, 1 << 21
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
#: statvfs flags a read-only remount must keep (the kernel refuses to drop them from a bind mount).
KEEP_FLAGS = {8: MS_NOEXEC, 1024: MS_NOATIME, 2048: MS_NODIRATIME, 4096: MS_RELATIME, 2: MS_NOSUID, 4: MS_NODEV}


class Refused(Exception):
    """A step of the sandbox could not be taken; the kernel must not start."""


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
    libc.unshare.argtypes = [ctypes.c_int]
    return libc


def _ok(result: int, what: str) -> None:
    if result != 0:
        raise Refused(f"{what}: {os.strerror(ctypes.get_errno())}")


def _mount(libc: ctypes.CDLL, src: str | None, dest: str, fstype: str | None, flags: int, data: str | None) -> None:
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    _ok(libc.mount(enc(src), enc(dest), enc(fstype), flags, enc(data)), f"mount {dest}")


# -- the namespaces engine ---------------------------------------------------------------------
def _inside(root: str, dest: str) -> str:
    """``dest`` under the new root; refuses a path that would leave it through a symlink we made."""
    path = os.path.join(root, dest.lstrip("/"))
    if os.path.realpath(os.path.dirname(path)) != os.path.dirname(path):
        raise Refused(f"{dest}: its folder is a symlink")
    return path


def _bind(libc: ctypes.CDLL, src: str, target: str, read_only: bool) -> None:
    if os.path.isdir(src):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o444))
    _mount(libc, src, target, None, MS_BIND, None)  # not recursive: mounts below src stay out
    keep = os.statvfs(src).f_flag
    flags = MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | (MS_RDONLY if read_only else MS_NOEXEC)
    flags |= sum(ms for st, ms in KEEP_FLAGS.items() if keep & st)
    _mount(libc, None, target, None, flags, None)


def _apply(libc: ctypes.CDLL, root: str, mount: list, uid: int) -> None:
    kind, dest, *args = mount
    target = _inside(root, dest)
    if kind in ("ro", "rw"):
        _bind(libc, args[0], target, kind == "ro")
    elif kind == "tmpfs":
        size, mode, *owner = args
        os.makedirs(target, exist_ok=True)
        data = f"size={size},mode={mode:o}" + (f",uid={uid},gid={uid}" if owner else "")
        _mount(libc, "tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data)
    elif kind == "dir":
        os.makedirs(target, exist_ok=True)
        os.chmod(target, args[0])
    elif kind == "symlink":
        os.symlink(args[0], target)
    elif kind == "proc":
        os.makedirs(target, exist_ok=True)
        _mount(libc, "proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    elif kind == "dev":
        os.makedirs(target, exist_ok=True)
        _mount(libc, "tmpfs", target, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=755")
        for name in DEVICES:
            if os.path.exists(f"/dev/{name}"):
                _bind(libc, f"/dev/{name}", os.path.join(target, name), read_only=False)
        for name, link in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1")):
            os.symlink(link, os.path.join(target, name))
        os.symlink("/proc/self/fd/2", os.path.join(target, "stderr"))
    elif kind == "file":
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o444)
        os.write(fd, args[0].encode())
        os.close(fd)
    else:
        raise Refused(f"unknown mount kind {kind!r}")


def _pivot(libc: ctypes.CDLL, root: str) -> None:
    number = SYS_PIVOT_ROOT.get(os.uname().machine)
    if number is None:
        raise Refused(f"pivot_root: unknown machine {os.uname().machine}")
    os.chdir(root)
    _ok(libc.syscall(number, b".", b"."), "pivot_root")  # the old root now sits on top of the new one
    _ok(libc.umount2(b".", MNT_DETACH), "detach the old root")
    os.chdir("/")
    _mount(libc, None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)


def _init(spec: dict, command: list[str], parent_alive: int) -> None:
    """pid 1 of the new pid namespace: build the root, drop privileges, run and reap the kernel."""
    libc = _libc()
    _ok(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "parent-death signal")
    if select.select([parent_alive], [], [], 0)[0]:  # EOF: the launcher died before the prctl
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _mount(libc, "none", "/", None, MS_REC | MS_PRIVATE, None)
    root = spec["newroot"]
    _mount(libc, "tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    for mount in spec["mounts"]:
        _apply(libc, root, mount, spec["uid"])
    _pivot(libc, root)
    _ok(libc.sethostname(b"sandbox", 7), "hostname")
    _drop(spec)
    _ok(libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "not dumpable")  # the kernel may not ptrace its init
    kid = os.fork()
    if kid == 0:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.chdir(spec["cwd"])
        os.execv(command[0], command)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(1)
        if pid == kid:
            os._exit(_exit_code(status))


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


def _namespaces(spec: dict, command: list[str], info_fd: int | None) -> None:
    libc = _libc()
    _ok(libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
    alive_r, alive_w = os.pipe()  # the child sees EOF on alive_r once this process is gone
    pid = os.fork()
    if pid == 0:
        os.close(alive_w)
        try:
            _init(spec, command, alive_r)
        except (Refused, OSError) as exc:
            _fail(exc)
        os._exit(1)
    os.close(alive_r)
    if info_fd is not None:
        os.write(info_fd, json.dumps({"child-pid": pid}).encode())
        os.close(info_fd)
    _, status = os.waitpid(pid, 0)
    os._exit(_exit_code(status))


# -- the bubblewrap engine ---------------------------------------------------------------------
def _blocked_ancestor(path: str) -> str | None:
    """The first folder on the way to ``path`` that other users may not traverse (/root, say)."""
    current = "/"
    for part in path.strip("/").split("/"):
        current = os.path.join(current, part)
        if current != path and os.path.isdir(current) and not os.stat(current).st_mode & 0o001:
            return current
    return None


def _expose(libc: ctypes.CDLL, paths: list[str], stage_root: str) -> None:
    """Make ``paths`` reachable by the sandbox uid, in this process's private mount namespace only.

    bubblewrap resolves its sources as the sandbox uid, which cannot traverse a private folder such as
    /root (where pyenv puts Python). Each such path is bind-mounted aside, the private ancestor is
    covered by an empty world-traversable tmpfs, and the path is mounted back.
    """
    plan = [(p, b) for p in dict.fromkeys(paths) if os.path.isdir(p) and (b := _blocked_ancestor(p))]
    staged = []
    for i, (path, _blocked) in enumerate(plan):
        stage = os.path.join(stage_root, str(i))
        os.makedirs(stage, exist_ok=True)
        _mount(libc, path, stage, None, MS_BIND, None)
        staged.append((path, stage))
    for blocked in dict.fromkeys(b for _p, b in plan):
        _mount(libc, "tmpfs", blocked, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
    for path, stage in staged:
        os.makedirs(path, exist_ok=True)
        _mount(libc, stage, path, None, MS_BIND, None)


def _bwrap_args(spec: dict, info_fd: int | None) -> list[str]:
    uid = str(spec["uid"])
    args = [spec["bwrap"], "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent"]
    args += ["--new-session", "--cap-drop", "ALL", "--hostname", "sandbox", "--uid", uid, "--gid", uid]
    if info_fd is not None:
        args += ["--info-fd", str(info_fd)]
    for kind, dest, *rest in spec["mounts"]:
        if kind in ("ro", "rw"):
            args += ["--ro-bind" if kind == "ro" else "--bind", rest[0], dest]
        elif kind == "tmpfs":
            args += ["--perms", f"{rest[1]:04o}", "--size", str(rest[0]), "--tmpfs", dest]
        elif kind == "dir":
            args += ["--perms", f"{rest[0]:04o}", "--dir", dest]
        elif kind == "symlink":
            args += ["--symlink", rest[0], dest]
        elif kind in ("proc", "dev"):
            args += [f"--{kind}", dest]
        elif kind == "file":
            read, write = os.pipe()
            os.write(write, rest[0].encode())
            os.close(write)
            os.set_inheritable(read, True)
            args += ["--perms", "0444", "--ro-bind-data", str(read), dest]
        else:
            raise Refused(f"unknown mount kind {kind!r}")
    return [*args, "--remount-ro", "/", "--chdir", spec["cwd"]]


def _bwrap(spec: dict, command: list[str], info_fd: int | None) -> None:
    libc = _libc()
    _ok(libc.unshare(CLONE_NEWNS), "unshare")
    _mount(libc, "none", "/", None, MS_REC | MS_PRIVATE, None)  # nothing below may reach the host's mounts
    sources = [rest[0] for kind, _dest, *rest in spec["mounts"] if kind in ("ro", "rw")]
    if spec.get("stage"):
        _expose(libc, sources, spec["stage"])
    args = _bwrap_args(spec, info_fd)
    if info_fd is not None:
        os.set_inheritable(info_fd, True)
    _drop(spec)
    os.execv(spec["bwrap"], [*args, "--", *command])


# -- common steps -------------------------------------------------------------------------------
def _limit(name: str, value: int | None) -> None:
    if value is not None:
        resource.setrlimit(getattr(resource, name), (value, value))


def _drop(spec: dict) -> None:
    """Resource limits, then the sandbox uid with no groups and no way back to privileges."""
    limits = spec.get("limits", {})
    _limit("RLIMIT_AS", limits.get("memory"))
    _limit("RLIMIT_CPU", limits.get("cpu"))
    _limit("RLIMIT_FSIZE", limits.get("fsize"))
    _limit("RLIMIT_CORE", 0)
    if spec.get("uid") is not None:
        _limit("RLIMIT_NPROC", limits.get("nproc"))  # per uid: meaningful for a uid of our own only
        os.setgroups([])
        os.setgid(spec["gid"])
        os.setuid(spec["uid"])
        if (os.getuid(), os.geteuid(), os.getgid(), os.getegid()) != (spec["uid"],) * 2 + (spec["gid"],) * 2:
            raise Refused("could not drop privileges")
    _ok(_libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def _fail(exc: BaseException) -> None:
    print(f"mlcourse sandbox refused to start the kernel: {exc}", file=sys.stderr, flush=True)
    os._exit(125)


def main(argv: list[str]) -> None:
    spec = json.loads(argv[1])
    command = argv[argv.index("--") + 1 :]
    engine = spec.get("engine", "none")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    info_fd = os.open(spec["info"], flags, 0o600) if spec.get("info") else None
    try:
        if engine != "none" and (os.geteuid() != 0 or spec.get("uid") is None):
            raise Refused(f"the {engine} sandbox needs root and a sandbox uid")
        if engine == "namespaces":
            _namespaces(spec, command, info_fd)
        elif engine == "bwrap":
            _bwrap(spec, command, info_fd)
        elif engine in ("uid", "none"):
            _drop(spec)
            os.chdir(spec["cwd"])
            os.execv(command[0], command)
        else:
            raise Refused(f"unknown engine {engine!r}")
    except (Refused, OSError) as exc:
        _fail(exc)


if __name__ == "__main__":
    main(sys.argv)
