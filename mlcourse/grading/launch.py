"""Sandbox launcher: ``python -I launch.py SPEC_JSON -- COMMAND...`` (standard library only).

Run by the grader for every student kernel. In order it: opens the report file (while it still can),
hides protected paths in a private mount namespace and cuts the network (when root), sets resource
limits, drops to an unprivileged uid/gid with no supplementary groups and ``no_new_privs``, probes
which protected paths the kernel could still read, writes that report, and ``exec``s the kernel in
its scratch directory. Every step that needs root is skipped, and reported, when not root.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    libc.unshare.argtypes = [ctypes.c_int]
    return libc


def _blocked_ancestor(path: str) -> str | None:
    """The first folder on the way to ``path`` that other users may not traverse."""
    current = "/"
    for part in path.strip("/").split("/"):
        current = os.path.join(current, part)
        if os.path.isdir(current) and not os.stat(current).st_mode & 0o001:
            return current if current != path else None
    return None


def _expose(libc: ctypes.CDLL, spec: dict, report: dict) -> None:
    """Make the interpreter's folders reachable when they sit under a private folder such as /root.

    In the private namespace each one is bind-mounted aside, the private ancestor is covered by an
    empty world-traversable tmpfs (which also hides the rest of it), and the folder is mounted back.
    """
    plan = [(p, _blocked_ancestor(p)) for p in dict.fromkeys(spec.get("expose", [])) if os.path.isdir(p)]
    plan = [(p, b) for p, b in plan if b is not None]
    staged = []
    for i, (path, _blocked) in enumerate(plan):
        stage = os.path.join(spec["stage"], str(i))
        os.makedirs(stage, exist_ok=True)
        if libc.mount(path.encode(), stage.encode(), None, MS_BIND | MS_REC, None) == 0:
            staged.append((path, stage))
    for blocked in dict.fromkeys(b for _p, b in plan):
        libc.mount(b"tmpfs", blocked.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"size=64k,mode=755")
    for path, stage in staged:
        os.makedirs(path, exist_ok=True)
        if libc.mount(stage.encode(), path.encode(), None, MS_BIND | MS_REC, None) != 0:
            report["errors"].append(f"could not expose {path}: {os.strerror(ctypes.get_errno())}")


def _hide(spec: dict, report: dict) -> None:
    libc = _libc()
    if libc.unshare(CLONE_NEWNS) != 0 or libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        report["errors"].append(f"no private mount namespace: {os.strerror(ctypes.get_errno())}")
        return  # never mount anything unless the namespace is private: it would leak to the host
    report["mount_namespace"] = True
    _expose(libc, spec, report)
    flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC
    for path in spec.get("hide_dirs", []):
        if not os.path.isdir(path):  # already gone: under a private folder covered by _expose
            continue
        if libc.mount(b"tmpfs", path.encode(), b"tmpfs", flags, b"size=4k,mode=000") != 0:
            report["errors"].append(f"could not hide {path}: {os.strerror(ctypes.get_errno())}")
    blank = spec.get("blank_file", "").encode()
    for path in spec.get("hide_files", []):
        if not os.path.isfile(path):
            continue
        if libc.mount(blank, path.encode(), None, MS_BIND, None) != 0:
            report["errors"].append(f"could not hide {path}: {os.strerror(ctypes.get_errno())}")
    if spec.get("no_network") and libc.unshare(CLONE_NEWNET) == 0:
        report["network"] = False


def _limit(name: str, value: int | None) -> None:
    if value is not None:
        resource.setrlimit(getattr(resource, name), (value, value))


def main(argv: list[str]) -> None:
    spec = json.loads(argv[1])
    command = argv[argv.index("--") + 1 :]
    report: dict = {"root": os.geteuid() == 0, "dropped": False, "mount_namespace": False, "network": True}
    report["errors"] = []
    fd = os.open(spec["report"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    uid, gid = spec.get("uid"), spec.get("gid")
    if report["root"] and uid is not None:
        _hide(spec, report)
    limits = spec.get("limits", {})
    _limit("RLIMIT_AS", limits.get("memory"))
    _limit("RLIMIT_CPU", limits.get("cpu"))
    _limit("RLIMIT_FSIZE", limits.get("fsize"))
    _limit("RLIMIT_CORE", 0)
    if report["root"] and uid is not None:
        _limit("RLIMIT_NPROC", limits.get("nproc"))  # per uid: only meaningful for a uid of our own
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        report["dropped"] = os.getuid() == uid and os.geteuid() == uid and os.getegid() == gid
    try:
        _libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    report["uid"] = os.getuid()
    if not os.access(command[0], os.X_OK):
        report["errors"].append(f"{command[0]} is not executable by uid {os.getuid()}")
    report["readable"] = []
    for path in spec.get("probe", []):
        try:
            os.close(os.open(path, os.O_RDONLY))
            report["readable"].append(path)
        except OSError:
            pass
    os.write(fd, json.dumps(report).encode())
    os.close(fd)
    os.chdir(spec["cwd"])
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv)
