"""Execute notebooks in place, reproducibly: ``python -m mlcourse.nbrun notebooks/*.ipynb``.

``make notebooks`` calls this to refresh every committed output with the pinned environment.
Running it twice on unchanged notebooks writes byte-identical files: no timing metadata is
recorded, execution counts restart at 1, and the kernel gets fixed thread counts and hash seed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from mlcourse._env import THREAD_VARS

#: Environment every course kernel runs with, so outputs do not depend on the machine: a fixed hash
#: seed, one thread per numerical library, and no debugger warning about frozen modules on stderr.
KERNEL_ENV = {
    "PYTHONHASHSEED": "0",
    **dict.fromkeys(THREAD_VARS, "1"),
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


def kernel_env() -> dict[str, str]:
    """This process's environment with :data:`KERNEL_ENV` laid over it."""
    return {**os.environ, **KERNEL_ENV}


def run_notebook(path: str | Path, *, timeout: int = 300, write: bool = True):
    """Execute one notebook top to bottom in a fresh kernel, in its own folder.

    Parameters
    ----------
    path : str or Path
        The ``.ipynb`` file.
    timeout : int, default=300
        Seconds any one cell may run.
    write : bool, default=True
        Write the executed notebook back to ``path``.

    Returns
    -------
    nb : nbformat.NotebookNode
        The executed notebook.
    """
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="mlcourse-kernel-") as sockets:
        # IPC sockets in a private folder: no TCP port is opened, so ipykernel has nothing to warn about.
        km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "kernel"))
        client = NotebookClient(
            nb,
            km=km,
            timeout=timeout,
            resources={"metadata": {"path": str(path.parent.resolve())}},
            record_timing=False,
            # A busy kernel may flush one print as two stream messages; merge them so the
            # stored notebook does not depend on machine load.
            coalesce_streams=True,
        )
        try:
            # nbclient passes extra keyword arguments through to the kernel manager's start_kernel.
            client.execute(env=kernel_env())
        finally:
            if km.has_kernel:  # nbclient only shuts down kernels it created itself
                km.shutdown_kernel(now=True)
    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)
    if write:
        nbformat.write(nb, path)
    return nb


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlcourse.nbrun", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="notebooks to execute in place")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell (default 300)")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.notebooks if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    for path in args.notebooks:
        start = time.perf_counter()
        run_notebook(path, timeout=args.timeout)
        print(f"{path}: executed in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
