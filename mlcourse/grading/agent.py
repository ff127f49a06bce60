"""The grader's agent inside a student kernel (sent there as source text with :mod:`.codec`).

It answers the grader's requests -- describe a name, call a function, read an attribute -- with
plain data, and watches what the student's code imports and reaches of the assignment's forbidden
modules. The grader trusts none of it for security: a submission may replace any of it, and all it
can gain is to choose the plain data its own functions return, which it could do anyway. The
forbidden-module checks are for honest grading, not a security boundary (see the README).

Who did something is decided by the call stack: the innermost frame that is not the standard library
(which imports and looks up attributes on behalf of its caller) is either a library's (installed
packages, mlcourse, this agent: allowed) or the student's (a cell, ``exec``'d text, a file in the
scratch folder: counted). A stack with no library frame at all counts as the student's.
"""

# ruff: noqa: F821  (to_wire, loads, NotPlainData come from codec.py, executed into the same namespace)
import builtins
import importlib
import importlib.util
import json
import os
import re
import sys
import sysconfig
import types

MIME = "application/vnd.mlcourse.reply+json"
FORBIDDEN: tuple = ()
SETUP_NAMES: frozenset = frozenset()
_refs: dict = {}
_violations: list = []
_original_import = builtins.__import__
_original_import_module = importlib.import_module
_USER_NS: dict = {}
_TRUSTED = [False]
_KINDS: dict = {}
_STD: tuple = ()
_LIB: tuple = ()
_AGENT_CODE: set = set()
_LOADED_BY_LIBRARY: set = set()
_KNOWN_MODULES: set = set()
_FORBIDDEN_OBJECTS: dict = {}
#: Names IPython binds in the user namespace itself (output history, inputs, helpers).
_IPYTHON_NAME = re.compile(r"^(_+|_i+|_i?\d+|_oh|_ih|_dh|In|Out|get_ipython|exit|quit|__\w+__)$")


def _user_ns() -> dict:
    return _USER_NS


def _store(obj) -> int:
    key = len(_refs) + 1
    _refs[key] = obj
    return key


def _forbidden(name):
    if not isinstance(name, str):
        return None
    for module in FORBIDDEN:
        if name == module or name.startswith(module + "."):
            return module
    return None


def trust(on: bool) -> None:
    """Let the (trusted) setup cells import anything while they run."""
    _TRUSTED[0] = bool(on)


# -- who is asking --------------------------------------------------------------------------------
def _kind(code) -> str:
    """'std', 'lib' or 'student' for a code object."""
    if code in _AGENT_CODE:
        return "lib"
    filename = code.co_filename
    kind = _KINDS.get(filename)
    if kind is None:
        if filename.startswith("<frozen "):
            kind = "std"
        else:
            path = os.path.realpath(filename) if filename.startswith("/") else ""
            kind = "lib" if path.startswith(_LIB) else "std" if path.startswith(_STD) else "student"
        _KINDS[filename] = kind
    return kind


def _by_student(frame) -> bool:
    while frame is not None:
        kind = _kind(frame.f_code)
        if kind != "std":
            return kind == "student"
        frame = frame.f_back
    return True


def _record(module) -> None:
    if module and not _TRUSTED[0]:
        _violations.append(module)


def _check(names, frame) -> None:
    hits = [m for m in map(_forbidden, names) if m]
    if hits and not _TRUSTED[0] and _by_student(frame):
        _violations.extend(hits)
        raise ImportError(f"module {hits[0]!r} is forbidden in this assignment")


# -- imports --------------------------------------------------------------------------------------
def _absolute(name, globals, level):
    if not level:
        return name
    try:
        return importlib.util.resolve_name("." * level + name, (globals or {}).get("__package__"))
    except (ImportError, ValueError, AttributeError, TypeError):
        return name


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    if FORBIDDEN and isinstance(name, str):
        full = _absolute(name, globals, level)
        items = [x for x in (fromlist or ()) if isinstance(x, str)]
        _check([full, *(f"{full}.{x}" for x in items if x != "*")], sys._getframe(1))
        module = _original_import(name, globals, locals, fromlist, level)
        if _kind(sys._getframe(1).f_code) != "lib":  # the student's own import statement
            if "*" in items:  # `from pkg import *` binds what __all__ lists: submodules included
                exported = getattr(module, "__all__", ())
                _check([f"{full}.{x}" for x in exported if isinstance(x, str)], sys._getframe(1))
            _guard_modules()
        return module
    return _original_import(name, globals, locals, fromlist, level)


def _import_module(name, package=None):
    if FORBIDDEN and isinstance(name, str):
        full = name if not name.startswith(".") else _absolute(name.lstrip("."), {"__package__": package}, 1)
        _check([full], sys._getframe(1))
        module = _original_import_module(name, package)
        if _kind(sys._getframe(1).f_code) != "lib":
            _guard_modules()
        return module
    return _original_import_module(name, package)


def _audit(event, args) -> None:
    """Imports that bypass ``__import__`` (``importlib._bootstrap``) and code dressed as a library's."""
    if event == "import" and args and _forbidden(args[0]):
        if not _TRUSTED[0] and _by_student(sys._getframe(1)):
            _record(_forbidden(args[0]))
        else:
            _LOADED_BY_LIBRARY.add(args[0])
    elif event in ("compile", "code.__new__") and len(args) > 1 and isinstance(args[1], str):
        if args[1].startswith("/") and _kind_of_path(args[1]) != "student" and _by_student(sys._getframe(1)):
            _record(f"(tampering) code compiled as if from {args[1]}")


def _kind_of_path(filename) -> str:
    path = os.path.realpath(filename)
    return "lib" if path.startswith(_LIB) else "std" if path.startswith(_STD) else "student"


# -- attribute access on modules ------------------------------------------------------------------
_GUARD_CLASSES: dict = {}
#: id(module) -> True (every attribute is forbidden) or the set of its forbidden attribute names.
_RULES: dict = {}


def _guard_class(base):
    """A subclass of the module type ``base`` that records the student's access to forbidden names."""
    if base not in _GUARD_CLASSES:

        def __getattribute__(self, attr, _base=base):
            rule = _RULES.get(id(self))
            if rule is not None and (rule is True or attr in rule) and not _TRUSTED[0]:
                frame = sys._getframe(1)
                if _kind(frame.f_code) != "lib" and _by_student(frame):
                    name = _base.__getattribute__(self, "__name__")
                    _record(_forbidden(name if rule is True else f"{name}.{attr}"))
            return _base.__getattribute__(self, attr)

        _GUARD_CLASSES[base] = type(base.__name__, (base,), {"__getattribute__": __getattribute__, "__slots__": ()})
    return _GUARD_CLASSES[base]


def _guard(module, child=None) -> None:
    """Watch ``module`` (all of it, or only its attribute ``child``)."""
    if child is None:
        _RULES[id(module)] = True
    elif _RULES.get(id(module)) is not True:
        _RULES.setdefault(id(module), set()).add(child)
    kind = type(module)
    if kind not in _GUARD_CLASSES.values():
        try:
            object.__setattr__(module, "__class__", _guard_class(kind))
        except TypeError:  # a module type that cannot be swapped: the scan still sees it bound
            pass


def _guard_modules() -> None:
    """Guard every loaded forbidden module, and the forbidden names of its loaded parent package."""
    modules = sys.modules
    if len(modules) == len(_KNOWN_MODULES):
        return
    for name in [n for n in list(modules) if n not in _KNOWN_MODULES]:
        _KNOWN_MODULES.add(name)
        if _forbidden(name):
            _guard(modules[name])
            if name not in _LOADED_BY_LIBRARY:
                _record(_forbidden(name))  # put in sys.modules without an import the audit hook saw
    for forbidden in FORBIDDEN:
        parent, _, child = forbidden.rpartition(".")
        if parent and parent in modules:
            _guard(modules[parent], child)
            obj = types.ModuleType.__getattribute__(modules[parent], "__dict__").get(child)
            if obj is not None and not isinstance(obj, types.ModuleType):
                _FORBIDDEN_OBJECTS[id(obj)] = (obj, forbidden)


# -- what the student's names reach ---------------------------------------------------------------
def _reaches(value, seen, depth=0):
    """The forbidden module a value is, or holds within a few hops; None when it holds none."""
    if depth > 6 or id(value) in seen or len(seen) > 20_000:
        return None
    seen.add(id(value))
    if id(value) in _FORBIDDEN_OBJECTS:
        return _FORBIDDEN_OBJECTS[id(value)][1]
    kind = type(value)
    if isinstance(value, types.ModuleType):
        return _forbidden(types.ModuleType.__getattribute__(value, "__name__"))
    if kind in (str, bytes, int, float, bool, complex) or value is None:
        return None
    inner = []
    if isinstance(value, (types.FunctionType, type)):
        found = _forbidden(getattr(value, "__module__", None))
        if found:
            return found
        if isinstance(value, types.FunctionType) and _kind(value.__code__) == "student":
            cells = [c.cell_contents for c in (value.__closure__ or ()) if _filled(c)]
            inner += [*cells, *(value.__defaults__ or ()), *(value.__kwdefaults__ or {}).values()]
            if value.__globals__ is not _USER_NS:
                inner += list(value.__globals__.values())
        elif isinstance(value, type) and value.__module__ == "__main__":
            inner += list(vars(value).values())
    elif isinstance(value, (types.BuiltinFunctionType, types.MethodType)):
        inner += [getattr(value, "__self__", None), getattr(value, "__func__", None)]
        found = _forbidden(getattr(value, "__module__", None))
        if found:
            return found
    elif kind in (list, tuple, set, frozenset):
        inner += list(value)[:1000]
    elif kind is dict:
        inner += list(value.values())[:1000]
    elif kind.__module__ == "__main__":
        try:
            inner += list(object.__getattribute__(value, "__dict__").values())
        except (AttributeError, TypeError):
            pass
    else:
        func = getattr(value, "func", None) if kind.__name__ == "partial" else None
        inner += [func] if func is not None else []
    for item in inner:
        found = _reaches(item, seen, depth + 1)
        if found:
            return found
    return None


def _filled(cell) -> bool:
    try:
        return cell.cell_contents is not _filled  # reading raises ValueError for an empty cell
    except ValueError:
        return False


def _scan() -> None:
    """Record forbidden modules bound to the student's names (setup cells' names excepted)."""
    if not FORBIDDEN or _TRUSTED[0]:
        return
    _guard_modules()
    seen: set = set()
    for name, value in list(_USER_NS.items()):
        if name in SETUP_NAMES or _IPYTHON_NAME.match(name):
            continue
        _record(_reaches(value, seen))
    for name, value in list(vars(builtins).items()):
        if name not in _BUILTIN_NAMES:
            _record(_reaches(value, seen))


_BUILTIN_NAMES: frozenset = frozenset()


# -- setting up -----------------------------------------------------------------------------------
def _code_objects(namespace) -> set:
    return _nested_code(*(v.__code__ for v in namespace.values() if isinstance(v, types.FunctionType)))


def _nested_code(*codes) -> set:
    found, todo = set(), list(codes)
    while todo:
        code = todo.pop()
        if code not in found:
            found.add(code)
            todo += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return found


def install(forbidden, setup_names=()) -> None:
    """Start watching what the student's own code reaches of ``forbidden``."""
    global FORBIDDEN, SETUP_NAMES, _USER_NS, _STD, _LIB, _BUILTIN_NAMES
    from IPython import get_ipython

    _USER_NS = get_ipython().user_ns
    FORBIDDEN = tuple(forbidden)
    SETUP_NAMES = frozenset(setup_names)
    if not FORBIDDEN:
        return
    paths = sysconfig.get_paths()
    std = {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib")}
    lib = {os.path.realpath(paths[k]) for k in ("purelib", "platlib")}
    lib |= {os.path.realpath(p) for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    spec = importlib.util.find_spec("mlcourse")
    lib |= {os.path.realpath(p) for p in (spec.submodule_search_locations or []) if spec}
    _LIB = tuple(p.rstrip("/") + "/" for p in sorted(lib))
    _STD = tuple(p.rstrip("/") + "/" for p in sorted(std - lib))
    _AGENT_CODE.update(_code_objects(globals()))
    _BUILTIN_NAMES = frozenset(vars(builtins))
    _LOADED_BY_LIBRARY.update(n for n in sys.modules if _forbidden(n))
    _guard_modules()
    builtins.__import__ = _import
    importlib.import_module = _import_module
    importlib.__import__ = _import
    sys.addaudithook(_audit)


# -- answering the grader -------------------------------------------------------------------------
def _describe(value) -> dict:
    if FORBIDDEN:
        _record(_reaches(value, set()))
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
        if FORBIDDEN:
            _record(_reaches(value, set()))
        return {"kind": "data", "value": to_wire(value, _store)}
    if op == "define":  # the author's code (a reference or a mutant): it may import what students may not
        code = compile(request["source"], "<mlcourse reference>", "exec")
        _AGENT_CODE.update(_nested_code(code))
        namespace = {"__name__": "__mlcourse_reference__"}
        trust(True)
        try:
            exec(code, namespace)
        finally:
            trust(False)
        value = namespace.get(request["name"])
        if not callable(value):
            raise ValueError(f"the source does not define a function named {request['name']!r}")
        return {"kind": "callable", "ref": _store(value)}
    if op == "violations":
        _scan()
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
    reply["forbidden"] = sorted({v for v in _violations if v})
    _violations.clear()
    from IPython.display import publish_display_data

    publish_display_data({MIME: json.dumps(reply, allow_nan=False)})
