"""mlcourse: the helper library of an offline-first machine-learning-engineer course.

Everything here is written from scratch with numpy, next to the library twin it is tested
against. Importing the package is cheap: submodules (and the heavy libraries they use) load on
first attribute access, so ``import mlcourse as mlc`` never pulls in torch, scikit-learn,
matplotlib or pandas by itself.

Examples
--------
>>> import mlcourse as mlc
>>> rng = mlc.setup_notebook(seed=0)
>>> mlc.metrics.accuracy_score([0, 1], [0, 1])
1.0
"""

from __future__ import annotations

from mlcourse._lazy import lazy_getattr

__version__ = "0.1.0"

# Public submodules, loaded lazily on first use.
_SUBMODULES = frozenset(
    {
        "catalog",
        "cli",
        "data",
        "environment",
        "fairness",
        "fingerprint",
        "frameworks",
        "grading",
        "imbalance",
        "inspection",
        "linear",
        "metrics",
        "model_selection",
        "monitoring",
        "nbrun",
        "nn",
        "notebook",
        "optim",
        "pipeline",
        "plotting",
        "preprocessing",
        "serving",
        "text",
        "torch_utils",
        "tracking",
    }
)
# Functions re-exported at the top level, with the submodule that defines them.
_FUNCTIONS = {
    "setup_notebook": "mlcourse.notebook",
    "doctor": "mlcourse.environment",
}

__all__ = sorted(_SUBMODULES | set(_FUNCTIONS) | {"__version__"})


__getattr__ = lazy_getattr(__name__, _FUNCTIONS, _SUBMODULES)


def __dir__() -> list[str]:
    return __all__
