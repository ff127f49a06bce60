"""Names a package imports only when first used (PEP 562), so that ``import mlcourse`` stays light."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_getattr(
    package: str, attributes: Mapping[str, str] = {}, submodules: Iterable[str] = ()
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``attributes`` maps a name to the module that
    defines it; each of ``submodules`` is imported as ``package.name``; anything else is an
    ``AttributeError``, worded as Python's own.

    >>> getattr_ = lazy_getattr("mlcourse", {"setup_notebook": "mlcourse.notebook"}, ["data"])
    >>> getattr_("setup_notebook").__name__, getattr_("data").__name__
    ('setup_notebook', 'mlcourse.data')
    """
    attributes, submodules = dict(attributes), frozenset(submodules)

    def __getattr__(name: str) -> Any:
        if name in attributes:
            return getattr(importlib.import_module(attributes[name]), name)
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
