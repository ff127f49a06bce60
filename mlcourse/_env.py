"""Environment settings shared by the notebook setup, the notebook runner and the model server."""

from __future__ import annotations

#: Thread-count variables of the numerical libraries (OpenMP, OpenBLAS, MKL, Accelerate, numexpr).
#: Set to 1, results are the same on every machine and parallel workers do not oversubscribe the cores.
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
