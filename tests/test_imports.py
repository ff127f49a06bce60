"""What mlcourse imports, read from its source with ``ast`` (imports inside functions count too).

Every third-party module is a declared dependency, no chain of imports comes back to where it started,
and no package reaches into another package's private modules or names. Imports made by name at run
time (``importlib.import_module``, the lazy attributes of ``mlcourse`` and ``mlcourse.nn``) are not seen.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import NamedTuple

import pytest
from packaging.requirements import Requirement

from mlcourse.environment import normalize
from tests.conftest import REPO, pyproject

PACKAGE = REPO / "mlcourse"
#: Private modules every package may import: the helpers shared by the whole library.
SHARED = {"mlcourse._validation", "mlcourse._io", "mlcourse._plots", "mlcourse._env", "mlcourse._lazy"}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


class Import(NamedTuple):
    source: str  # the importing module
    target: str  # the module imported (the submodule, where a from-import names one)
    name: str | None  # the name imported from the target, if any
    line: int


def imports(module: str) -> list[Import]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: `from . import x`, `from ..y import z`
                parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parents, *([node.module] if node.module else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append(
                    Import(module, submodule, None, node.lineno)
                    if submodule in MODULES
                    else Import(module, base, alias.name, node.lineno)
                )
    return found


IMPORTS = [imp for module in MODULES for imp in imports(module)]


def package_of(module: str) -> str:
    """``mlcourse.fairness`` for the package and its modules; ``mlcourse`` for the top-level modules."""
    inside = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    return ".".join(inside.split(".")[:2])


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def test_every_third_party_module_mlcourse_imports_is_a_declared_dependency():
    declared = {normalize(Requirement(line).name) for line in pyproject()["project"]["dependencies"]}
    distributions = packages_distributions()  # import name -> the distributions that provide it
    undeclared = sorted(
        {
            (top, f"{imp.source}:{imp.line}")
            for imp in IMPORTS
            if (top := imp.target.split(".")[0]) != "mlcourse"
            and top not in sys.stdlib_module_names
            and not {normalize(d) for d in distributions.get(top, [top])} & declared
        }
    )
    assert not undeclared, f"imported but not in pyproject.toml's dependencies: {undeclared}"


def test_no_import_cycle():
    graph = {module: {imp.target for imp in imports(module) if imp.target in MODULES} for module in MODULES}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as err:
        pytest.fail(f"import cycle: {' -> '.join(err.args[1])}")


def test_no_package_imports_the_private_parts_of_another():
    wrong = []
    for imp in IMPORTS:
        if imp.target not in MODULES:
            continue
        private_module = imp.target not in SHARED and any(map(is_private, imp.target.split(".")))
        other_package = package_of(imp.target) != package_of(imp.source)
        if other_package and (private_module or (imp.name is not None and is_private(imp.name))):
            wrong.append(f"{imp.source}:{imp.line} imports {imp.target}{'.' + imp.name if imp.name else ''}")
    assert not wrong, "private parts of another package (make them public, or move them to a shared module):\n" + (
        "\n".join(wrong)
    )


def test_the_checks_see_function_level_and_cross_package_imports():
    """The walk finds what the three tests above rely on: lazy imports, and imports of another package."""
    lazy = {(imp.source, imp.target) for imp in IMPORTS}
    assert ("mlcourse.nbrun", "nbclient") in lazy  # imported inside a function
    assert ("mlcourse.fairness._metrics", "mlcourse.metrics") in lazy
    assert package_of("mlcourse.fairness._metrics") == "mlcourse.fairness" and package_of("mlcourse.cli") == "mlcourse"


def test_importing_any_module_has_no_side_effect(tmp_path):
    """Doctest collection imports every module: none may print, write a file or run anything on import."""
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)"
    done = subprocess.run([sys.executable, "-c", code, *MODULES], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("", "")
    assert list(tmp_path.iterdir()) == []
