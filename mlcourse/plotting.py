"""Plots the lessons share. Every function takes an optional ``ax=`` and returns the axes."""

from __future__ import annotations

import numpy as np


def _axes(ax, figsize=None):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_lifecycle(ax=None, stages=None):
    """Draw the machine-learning-engineer lifecycle as a loop of labelled boxes.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw; a new square figure by default.
    stages : sequence of str, optional
        Stage names in order; :data:`mlcourse.catalog.LIFECYCLE` by default. The last stage
        leads back to the first.

    Returns
    -------
    ax : matplotlib Axes
    """
    from mlcourse.catalog import LIFECYCLE

    stages = list(LIFECYCLE if stages is None else stages)
    if len(stages) < 2:
        raise ValueError(f"stages must name at least 2 stages, got {len(stages)}")
    ax = _axes(ax, figsize=(5, 5))
    n = len(stages)
    # Start at the top and go clockwise, like a clock face.
    angles = np.pi / 2 - 2 * np.pi * np.arange(n) / n
    xy = np.c_[np.cos(angles), np.sin(angles)]
    colors = [f"C{i}" for i in range(n)]
    for (x, y), name, color in zip(xy, stages, colors, strict=True):
        ax.text(
            x,
            y,
            name,
            ha="center",
            va="center",
            fontsize=12,
            color="white",
            fontweight="bold",
            bbox={"boxstyle": "round,pad=0.5", "facecolor": color, "edgecolor": "none"},
        )
    for i in range(n):
        start, end = xy[i], xy[(i + 1) % n]
        # Shorten each arrow so it runs between boxes, not through them.
        a, b = start + 0.28 * (end - start), end - 0.28 * (end - start)
        ax.annotate(
            "",
            xy=b,
            xytext=a,
            arrowprops={"arrowstyle": "-|>", "color": "0.3", "lw": 1.5, "connectionstyle": "arc3,rad=-0.2"},
        )
    ax.text(0, 0, "the ML engineer\nlifecycle\n(it never closes)", ha="center", va="center", fontsize=10, color="0.3")
    ax.set_xlim(-1.4, 1.4)
    ax.set_ylim(-1.4, 1.4)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
