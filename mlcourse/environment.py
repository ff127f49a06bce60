"""The course's environment: the tested versions in the lock file, and ``doctor`` that checks them."""

from __future__ import annotations

import importlib.metadata as metadata
import importlib.util
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

#: The lock file with the exact versions the course was tested with (repository root).
LOCK_FILE = Path(__file__).resolve().parent.parent / "requirements.lock"

#: The oldest Python the course supports (pyproject.toml's requires-python).
MIN_PYTHON = (3, 10)

#: Distribution name -> module to import, where the two differ.
MODULE_NAMES = {
    "scikit-learn": "sklearn",
    "pytest-xdist": "xdist",
    "pyyaml": "yaml",
    "mlflow-skinny": "mlflow",
    "prometheus-client": "prometheus_client",
    "ipython": "IPython",
    "pyzmq": "zmq",
    "tensorflow-cpu": "tensorflow",
}

#: The bundled scikit-learn datasets every lesson may use, with their (n_samples, n_features).
DATASETS = {
    "load_breast_cancer": (569, 30),
    "load_digits": (1797, 64),
    "load_diabetes": (442, 10),
    "load_wine": (178, 13),
    "load_iris": (150, 4),
}

_REINSTALL = (
    "run `make install` (or `pip install -c requirements.lock -e '.[dev]'`; TensorFlow: `make lab EXTRAS=tensorflow`)"
)
_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize(name: str) -> str:
    """Return the canonical form of a distribution name (PEP 503): ``Scikit_Learn`` -> ``scikit-learn``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path | str = LOCK_FILE) -> dict[str, str]:
    """Read a ``name==version`` lock file into ``{normalized name: version}``.

    Local version labels (``2.13.0+cpu``) are kept; comments and blank lines are skipped.
    """
    pins: dict[str, str] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep:
            raise ValueError(f"{path}: expected 'name==version', got {line!r}")
        pins[normalize(name)] = version.strip()
    return pins


@dataclass(frozen=True)
class Requirement:
    """One dependency of mlcourse as declared in ``pyproject.toml``."""

    name: str
    specifier: str
    extra: str | None  # None for runtime dependencies, "dev" for the dev extra


def declared_requirements() -> list[Requirement]:
    """The dependencies mlcourse declares, read from its installed metadata."""
    reqs = []
    for line in metadata.requires("mlcourse") or []:
        spec, _, marker = line.partition(";")
        match = _REQ_NAME.match(spec)
        if match is None:
            continue
        extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", marker)
        name = match.group(1)
        reqs.append(Requirement(normalize(name), spec[match.end() :].strip(), extra and extra.group(1)))
    return reqs


@dataclass
class Check:
    """One row of the doctor's table."""

    name: str
    status: str  # "ok", "warn" or "FAIL"
    found: str = ""
    expected: str = ""
    fix: str = ""


@dataclass
class DoctorReport:
    """Every check the doctor ran; ``ok`` is False when any of them failed."""

    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.status != "FAIL" for c in self.checks)

    def summary(self) -> str:
        failed = sum(c.status == "FAIL" for c in self.checks)
        warned = sum(c.status == "warn" for c in self.checks)
        verdict = "all is well" if failed == 0 else f"{failed} failed"
        extra = f", {warned} warning(s)" if warned else ""
        return f"{len(self.checks)} checks: {verdict}{extra}"

    def table(self, versions: bool = True) -> str:
        """The checks as a plain-text table; ``versions=False`` leaves out machine-specific columns."""
        header = ["check", "status"] + (["found", "expected"] if versions else [])
        rows = [[c.name, c.status] + ([c.found, c.expected] if versions else []) for c in self.checks]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in [header, *rows]
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        for c in self.checks:
            if c.fix and c.status != "ok":
                lines.append(f"{c.status} {c.name}: {c.fix}")
        return "\n".join([*lines, "", self.summary()])


def doctor(
    *, kernel: bool = True, datasets: bool = True, verbose: bool = True, file: TextIO | None = None
) -> DoctorReport:
    """Check that this environment can run the course, and say how to fix what is wrong.

    Checks the Python version, that every dependency imports and satisfies ``pyproject.toml``
    (a version other than the tested one in ``requirements.lock`` is a warning), that a Jupyter
    kernel starts and runs a cell with this environment, that the bundled datasets load, and which
    sandbox ``mlcourse grade`` would use (bubblewrap, mlcourse's own namespaces, or none when not root).

    Parameters
    ----------
    kernel : bool, default=True
        Start a Jupyter kernel and run a cell in it (takes a few seconds).
    datasets : bool, default=True
        Load each bundled scikit-learn dataset.
    verbose : bool, default=True
        Print the table.
    file : text stream, optional
        Where to print; standard output by default.

    Returns
    -------
    report : DoctorReport
        ``report.ok`` is True when nothing failed; ``report.table()`` is what was printed.

    Examples
    --------
    >>> import mlcourse as mlc
    >>> report = mlc.doctor(kernel=False, verbose=False)
    >>> report.ok
    True
    """
    report = DoctorReport()
    report.checks.append(_check_python())
    report.checks.extend(_check_packages())
    if kernel:
        report.checks.append(_check_kernel())
    if datasets:
        report.checks.append(_check_datasets())
    report.checks.append(_check_sandbox())
    if verbose:
        print(report.table(), file=file or sys.stdout)
    return report


def _check_python() -> Check:
    found = ".".join(map(str, sys.version_info[:3]))
    expected = ">=" + ".".join(map(str, MIN_PYTHON))
    if sys.version_info < MIN_PYTHON:
        return Check(
            "python", "FAIL", found, expected, f"install Python {expected[2:]} or newer and run `make install` again"
        )
    return Check("python", "ok", found, expected)


def _check_packages() -> list[Check]:
    try:
        declared = declared_requirements()
    except metadata.PackageNotFoundError:
        return [Check("mlcourse", "FAIL", "not installed", __import__("mlcourse").__version__, _REINSTALL)]
    pins = read_lock() if LOCK_FILE.exists() else {}
    return [_check_package(req, pins.get(req.name)) for req in declared]


def _check_package(req: Requirement, pinned: str | None) -> Check:
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    expected = pinned or req.specifier or "any"
    optional = req.extra is not None
    module = MODULE_NAMES.get(req.name, req.name.replace("-", "_"))
    try:
        # find_spec locates the module without running it (importing them all takes ~7 s); the
        # kernel and dataset checks then really import the compiled core (numpy, scipy, sklearn).
        if importlib.util.find_spec(module) is None:
            raise ModuleNotFoundError(f"No module named {module!r}")
        found = metadata.version(req.name)
    except (ImportError, metadata.PackageNotFoundError) as exc:
        status = "warn" if optional else "FAIL"
        why = f"not importable ({type(exc).__name__})"
        hint = f"{_REINSTALL}; {req.name} is only needed to run the tests" if optional else _REINSTALL
        return Check(req.name, status, why, expected, hint)
    if req.specifier and Version(found) not in SpecifierSet(req.specifier):
        return Check(
            req.name, "FAIL", found, req.specifier, f"{req.name} {found} is outside {req.specifier}: {_REINSTALL}"
        )
    if pinned and Version(found).public != Version(pinned).public:
        hint = f"tested with {pinned}; outputs may differ slightly: {_REINSTALL}"
        return Check(req.name, "warn", found, pinned, hint)
    return Check(req.name, "ok", found, expected)


def _check_kernel(timeout: float = 60) -> Check:
    """Start the notebooks' kernel (``python3``) and check it runs this environment's mlcourse."""
    name = "jupyter kernel"
    fix = "run `make install`; if a kernel from another Python is used, run `python -m ipykernel install --user`"
    try:
        from jupyter_client.manager import KernelManager
    except ImportError as exc:
        return Check(name, "FAIL", f"jupyter_client missing ({exc})", "kernel runs a cell", _REINSTALL)
    km = kc = None
    out: list[str] = []
    scratch = tempfile.TemporaryDirectory(prefix="mlcourse-doctor-")
    try:
        # IPC sockets in a private folder: no TCP port is opened, so ipykernel has nothing to warn about.
        km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(scratch.name) / "kernel"))
        km.start_kernel(cwd=scratch.name)
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=timeout)
        code = "import mlcourse, sys; print(6 * 7, mlcourse.__file__)"
        hook = lambda msg: out.append(msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None  # noqa: E731
        reply = kc.execute_interactive(code, timeout=timeout, output_hook=hook)
    except Exception as exc:  # any failure to start or talk to the kernel is the finding itself
        return Check(name, "FAIL", f"{type(exc).__name__}: {exc}"[:60], "kernel runs a cell", fix)
    finally:
        if kc is not None:
            kc.stop_channels()
        if km is not None and km.has_kernel:
            km.shutdown_kernel(now=True)
        scratch.cleanup()
    text = "".join(out).split()
    if reply["content"]["status"] != "ok" or not text or text[0] != "42":
        return Check(name, "FAIL", "cell did not run", "prints 42", fix)
    ours = str(Path(__import__("mlcourse").__file__).resolve())
    if len(text) < 2 or str(Path(text[1]).resolve()) != ours:
        return Check(name, "FAIL", "kernel imports another mlcourse", "this environment", fix)
    return Check(name, "ok", "python3", "runs a cell")


def _check_sandbox() -> Check:
    """Which sandbox ``mlcourse grade`` would put student code in here, and why (never a failure:
    only instructors grade, and only as root is there a sandbox to build)."""
    from mlcourse.grading import sandbox

    try:
        name, why = sandbox.engine()
    except sandbox.SandboxUnavailable as exc:
        return Check("grading sandbox", "warn", "unavailable", "bwrap or namespaces", str(exc))
    unsafe = sandbox.unsafe_import_paths() if name != "none" else []
    if unsafe:
        fix = f"{', '.join(unsafe)} on Python's import path can be written by other users: fix its permissions"
        return Check("grading sandbox", "warn", f"{name}, refused", "no writable import path", fix)
    return Check("grading sandbox", "ok", name, why[:60])


def _check_datasets() -> Check:
    try:
        import sklearn.datasets as skd

        for loader, shape in DATASETS.items():
            X = getattr(skd, loader)().data
            if X.shape != shape:
                return Check("datasets", "FAIL", f"{loader}: {X.shape}", str(shape), _REINSTALL)
    except Exception as exc:  # a broken install shows up here in many shapes
        return Check("datasets", "FAIL", f"{type(exc).__name__}"[:60], "5 bundled sets", _REINSTALL)
    return Check("datasets", "ok", f"{len(DATASETS)} bundled sets", f"{len(DATASETS)} bundled sets")
