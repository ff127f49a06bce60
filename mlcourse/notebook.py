"""One call that makes a notebook reproducible: seeds, thread counts, plot style, print precision."""

from __future__ import annotations

import os
import random
from numbers import Integral

import numpy as np

from mlcourse._env import THREAD_VARS
from mlcourse._validation import is_number

#: Number of threads every numerical library is limited to, so results (and float summation
#: order) are the same on a laptop, a 2-core CI runner and a 64-core JupyterHub node.
N_THREADS = 1

#: Read by Keras and TensorFlow when they are first imported (lesson 16), so set before that, unless
#: already set. Keras 3 runs on PyTorch (TensorFlow is an optional extra). TensorFlow's start-up log
#: lines go: TF_CPP_MIN_LOG_LEVEL=2 keeps its C++ info and warning messages out of the output, and
#: TF_ENABLE_ONEDNN_OPTS=0 turns off oneDNN's custom kernels, whose announcement comes before that
#: setting applies (and whose own summation order would change the last digits of results).
FRAMEWORK_ENV = {"KERAS_BACKEND": "torch", "TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}

#: Hugging Face's documented switches (lesson 17), set unless already set: never reach the hub (the
#: course's models ship inside installed packages), no progress bars on stderr, no telemetry.
HF_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "TOKENIZERS_PARALLELISM": "false",
}

_PLOT_STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "legend.frameon": False,
}


def setup_notebook(seed: int = 0, *, torch: bool = True, precision: int = 4) -> np.random.Generator:
    """Make a notebook's output identical on every machine and every run.

    Seeds Python's ``random``, numpy's global RNG and (if installed) PyTorch; limits BLAS,
    OpenMP and PyTorch to one thread; sets the matplotlib figure size, dpi and style; sets
    the print precision of numpy, pandas and PyTorch; and, where they are not set yet, the
    environment variables Keras and TensorFlow read on import (:data:`FRAMEWORK_ENV`: Keras on
    the torch backend, no TensorFlow start-up log) and Hugging Face's offline switches
    (:data:`HF_OFFLINE_ENV`: no hub, no progress bars, no telemetry).

    Parameters
    ----------
    seed : int, default=0
        Seed for every random number generator. Must be a non-negative integer.
    torch : bool, default=True
        Also seed and configure PyTorch (imports it, about 2 s). Pass ``False`` in lessons
        that never use it.
    precision : int, default=4
        Digits printed after the decimal point by numpy, pandas and PyTorch.

    Returns
    -------
    rng : numpy.random.Generator
        A fresh generator seeded with ``seed``; pass it to everything that draws random numbers.

    Examples
    --------
    >>> import mlcourse as mlc
    >>> rng = mlc.setup_notebook(seed=0, torch=False)
    >>> a = rng.normal(size=3)
    >>> rng = mlc.setup_notebook(seed=0, torch=False)
    >>> bool((a == rng.normal(size=3)).all())
    True
    """
    for name, value in (("seed", seed), ("precision", precision)):
        if not (is_number(value) and isinstance(value, Integral)) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    seed, precision = int(seed), int(precision)

    for var in THREAD_VARS:
        os.environ[var] = str(N_THREADS)
    for var, value in {**FRAMEWORK_ENV, **HF_OFFLINE_ENV}.items():
        os.environ.setdefault(var, value)
    from threadpoolctl import threadpool_limits

    # Called without `with`, the limit stays in force for the rest of the process.
    threadpool_limits(limits=N_THREADS)

    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - learners still meet code that uses the global RNG
    np.set_printoptions(precision=precision, suppress=True)

    _configure_pandas(precision)
    _configure_matplotlib()
    if torch:
        _configure_torch(seed, precision)
    return np.random.default_rng(seed)


def _configure_pandas(precision: int) -> None:
    import pandas as pd

    pd.set_option("display.precision", precision)
    pd.set_option("display.width", 120)
    pd.set_option("display.max_columns", 20)


def _configure_matplotlib() -> None:
    # pyplot first: in Jupyter its import activates the inline backend, which applies rc
    # settings of its own that would otherwise override ours.
    import matplotlib.pyplot as plt

    plt.rcParams.update(_PLOT_STYLE)


def _configure_torch(seed: int, precision: int) -> None:
    try:
        import torch
    except ImportError:  # the course runs without torch until a lesson needs it
        return
    torch.manual_seed(seed)
    torch.set_num_threads(N_THREADS)
    torch.use_deterministic_algorithms(True)
    torch.set_printoptions(precision=precision)
