"""The grader's agent inside a student kernel (sent there as source text with :mod:`.codec`).

It answers the grader's requests -- describe a name, call a function, read an attribute -- with
plain data, and guards imports of the assignment's forbidden modules. Nothing here is trusted by
the grader: a submission may replace any of it, and all it can gain is to choose the plain data its
own functions return, which it could do anyway.
"""

# ruff: noqa: F821  (to_wire, loads, NotPlainData come from codec.py, executed into the same namespace)
import builtins
import importlib
import json
import sys

MIME = "application/vnd.mlcourse.reply+json"
FORBIDDEN: tuple = ()
_refs: dict = {}
_violations: list = []
_original_import = builtins.__import__
_original_import_module = importlib.import_module


_USER_NS: dict = {}


def _user_ns() -> dict:
    return _USER_NS


def _store(obj) -> int:
    key = len(_refs) + 1
    _refs[key] = obj
    return key


def _forbidden(name: str):
    for module in FORBIDDEN:
        if name == module or name.startswith(module + "."):
            return module
    return None


def _from_student(frame) -> bool:
    # A package's lazy ``__getattr__`` (mlcourse, scikit-learn) imports on behalf of its caller.
    if frame is not None and frame.f_code.co_name == "__getattr__" and frame.f_back is not None:
        frame = frame.f_back
    return frame is not None and frame.f_globals is _user_ns()


_TRUSTED = [False]


def trust(on: bool) -> None:
    """Let the (trusted) setup cells import anything while they run."""
    _TRUSTED[0] = bool(on)


def _guard(names, frame) -> None:
    if not FORBIDDEN or _TRUSTED[0] or not _from_student(frame):
        return
    for name in names:
        module = _forbidden(name)
        if module:
            _violations.append(module)
            raise ImportError(f"module {module!r} is forbidden in this assignment")


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and isinstance(name, str):
        extra = [f"{name}.{item}" for item in (fromlist or ()) if isinstance(item, str)]
        _guard([name, *extra], sys._getframe(1))
    return _original_import(name, globals, locals, fromlist, level)


def _import_module(name, package=None):
    if isinstance(name, str) and not name.startswith("."):
        _guard([name], sys._getframe(1))
    return _original_import_module(name, package)


def install(forbidden) -> None:
    """Start guarding imports of ``forbidden`` made by the student's own code."""
    global FORBIDDEN, _USER_NS
    from IPython import get_ipython

    _USER_NS = get_ipython().user_ns
    FORBIDDEN = tuple(forbidden)
    if FORBIDDEN:
        builtins.__import__ = _import
        importlib.import_module = _import_module


def _describe(value) -> dict:
    if callable(value):
        return {"kind": "callable", "ref": _store(value)}
    try:
        return {"kind": "data", "value": to_wire(value)}
    except NotPlainData:
        return {"kind": "object", "ref": _store(value)}


def _handle(request: dict) -> dict:
    op = request["op"]
    if op == "describe":
        ns = _user_ns()
        name = request["name"]
        return _describe(ns[name]) if name in ns else {"kind": "missing"}
    if op == "getattr":
        return _describe(getattr(_refs[request["ref"]], request["name"]))
    if op == "call":
        args, kwargs = loads(request["args"], _refs.__getitem__)
        value = _refs[request["ref"]](*args, **kwargs)
        return {"kind": "data", "value": to_wire(value, _store)}
    if op == "violations":
        return {"kind": "data", "value": None}
    raise ValueError(f"unknown request {op!r}")


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except BaseException:
        return "(unprintable message)"


def serve(text: str) -> None:
    """Answer one request (JSON text) with a display message of type :data:`MIME`."""
    try:
        reply = _handle(json.loads(text))
        reply["ok"] = True
    except BaseException as exc:  # the student's code may raise anything, SystemExit included
        reply = {"ok": False, "ename": type(exc).__name__, "evalue": _text(exc)}
    reply["forbidden"] = sorted(set(_violations))
    _violations.clear()
    from IPython.display import publish_display_data

    publish_display_data({MIME: json.dumps(reply, allow_nan=False)})
