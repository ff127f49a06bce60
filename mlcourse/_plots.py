"""Plot helpers shared by every package's ``_plots`` module."""

from __future__ import annotations

from typing import Any


def axes(ax: Any = None, figsize: tuple[float, float] | None = None) -> Any:
    """``ax`` itself, or the axes of a new figure of ``figsize`` when ``ax`` is None."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax
