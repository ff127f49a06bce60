"""Grader side of the process boundary: proxies for the student's names.

A test cell runs in the grader's interpreter. Each student name it uses is bound to plain data
(fetched from the kernel) or to a proxy; calling a proxy sends its arguments as JSON to the
student's kernel, where :mod:`.agent` makes the call and sends the result back as JSON. Results
that are not plain data (a fitted model, say) come back as further proxies.
"""

from __future__ import annotations

import builtins
import json
from pathlib import Path
from typing import Any

from mlcourse.grading import codec
from mlcourse.grading.kernel import Kernel, Reply

MIME = "application/vnd.mlcourse.reply+json"
AGENT_SOURCE = Path(codec.__file__).read_text() + "\n" + Path(__file__).with_name("agent.py").read_text()


class KernelLost(BaseException):  # BaseException: a test cell's `except Exception` cannot swallow it
    """The student's kernel timed out, flooded its output or died during a call."""

    def __init__(self, reply: Reply):
        super().__init__(reply.describe())
        self.reply = reply


class StudentError(Exception):
    """The student's code raised an exception that is not a built-in type (``ename`` holds its name)."""

    def __init__(self, ename: str, evalue: str):
        super().__init__(f"{ename}: {evalue}" if evalue else ename)
        self.ename = ename


class ProtocolError(Exception):
    """The kernel answered with something that is not a valid reply."""


def bootstrap_code(forbidden: tuple[str, ...], setup_names: frozenset[str] = frozenset()) -> str:
    """Code that installs the agent in a fresh kernel (run before any cell).

    ``setup_names`` are the names the assignment's setup cells bind: what they hold is the author's
    choice, so the agent does not count it against the student.
    """
    return (
        "import sys as _mlc_sys, types as _mlc_types\n"
        "_mlc_m = _mlc_types.ModuleType('_mlcourse_agent')\n"
        f"exec(compile({AGENT_SOURCE!r}, '<mlcourse agent>', 'exec'), _mlc_m.__dict__)\n"
        "_mlc_sys.modules['_mlcourse_agent'] = _mlc_m\n"
        f"_mlc_m.install({list(forbidden)!r}, {sorted(setup_names)!r})\n"
        "del _mlc_sys, _mlc_types, _mlc_m\n"
    )


def _raise_student(ename: str, evalue: str) -> None:
    kind = getattr(builtins, ename, None)
    if isinstance(kind, type) and issubclass(kind, Exception) and kind.__module__ == "builtins":
        try:
            exc = kind(evalue)
            exc._mlcourse_student = True  # type: ignore[attr-defined]
        except Exception:
            exc = StudentError(ename, evalue)
        raise exc
    raise StudentError(ename, evalue)


class Bridge:
    """Sends requests to the agent in one kernel; remembers forbidden imports it reports.

    Parameters
    ----------
    kernel : Kernel
        A started kernel in which :func:`bootstrap_code` has run.
    timeout : callable
        Returns the seconds the next call may take (the per-call limit or what is left of the total).
    """

    def __init__(self, kernel: Kernel, timeout: Any):
        self.kernel = kernel
        self.timeout = timeout
        self.forbidden: list[str] = []

    def request(self, **req: Any) -> Any:
        code = f"__import__('sys').modules['_mlcourse_agent'].serve({json.dumps(req)!r})"
        reply = self.kernel.execute(code, timeout=self.timeout())
        if reply.status in ("timeout", "output", "died"):
            raise KernelLost(reply)
        answers = [d[MIME] for d in reply.data if MIME in d]
        if reply.status == "error" or not answers:
            raise ProtocolError(f"the kernel did not answer ({reply.describe()})")
        try:
            answer = json.loads(answers[-1])
            if not isinstance(answer, dict):
                raise ValueError("not an object")
            self.forbidden.extend(str(m) for m in answer.get("forbidden", []) if isinstance(m, str))
            failed = not answer.get("ok")
            if failed:
                ename, evalue = str(answer.get("ename", "Exception")), str(answer.get("evalue", ""))[:2000]
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise ProtocolError(f"malformed reply from the kernel: {exc}") from None
        if failed:
            _raise_student(ename, evalue)  # outside the try: the student's ValueError stays a ValueError
        try:
            kind = answer.get("kind")
            if kind == "data":
                return codec.from_wire(answer.get("value"), self._proxy)
            if kind in ("callable", "object") and type(answer.get("ref")) is int:
                return RemoteFunction(self, answer["ref"]) if kind == "callable" else RemoteObject(self, answer["ref"])
            if kind == "missing":
                return MISSING
            raise ValueError(f"unknown kind {kind!r}")
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise ProtocolError(f"malformed reply from the kernel: {exc}") from None

    def _proxy(self, ref: int) -> RemoteObject:
        return RemoteObject(self, ref)

    def describe(self, name: str) -> Any:
        """The value of a student global: plain data, a proxy, or :data:`MISSING`."""
        return self.request(op="describe", name=name)

    def define(self, source: str, name: str) -> Any:
        """Make the function ``name`` from the author's ``source`` in the kernel; return its proxy."""
        return self.request(op="define", source=source, name=name)

    def call(self, ref: int, args: tuple, kwargs: dict) -> Any:
        def handle(obj: Any) -> int:
            if isinstance(obj, Remote) and obj._bridge is self:
                return obj._ref
            raise TypeError(f"a test may pass only plain data to the student's code, not {type(obj).__name__}")

        return self.request(op="call", ref=ref, args=codec.dumps((tuple(args), dict(kwargs)), handle))


MISSING = object()


class Remote:
    """A handle on an object that lives in the student's kernel."""

    __slots__ = ("_bridge", "_ref")

    def __init__(self, bridge: Bridge, ref: int):
        object.__setattr__(self, "_bridge", bridge)
        object.__setattr__(self, "_ref", ref)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._bridge.request(op="getattr", ref=self._ref, name=name)
        if value is MISSING:
            raise AttributeError(name)
        return value

    def __repr__(self) -> str:
        return f"<student object #{self._ref}>"


class RemoteFunction(Remote):
    """A student function or class: calling it runs the call in the student's kernel."""

    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._bridge.call(self._ref, args, kwargs)


class RemoteObject(Remote):
    """Any other student object (an instance): attributes are fetched, methods are proxies."""

    __slots__ = ()
