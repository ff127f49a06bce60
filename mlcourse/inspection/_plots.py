"""Plots for model inspection: permutation importances as box plots, partial dependence curves."""

from __future__ import annotations

import numpy as np

from mlcourse._plots import axes


def plot_permutation_importance(result, feature_names, ax=None, top=None):
    """Box plot of each feature's importances over the repeats, most important at the top.

    Parameters
    ----------
    result : Bunch
        From :func:`~mlcourse.inspection.permutation_importance` (or scikit-learn's).
    feature_names : sequence of str
        One name per feature, in column order.
    ax : matplotlib Axes, optional
    top : int, optional
        Show only the ``top`` features with the largest mean importance.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.utils import Bunch
    >>> result = Bunch(importances=np.array([[0.1, 0.2], [0.0, 0.01]]), importances_mean=np.array([0.15, 0.005]))
    >>> [t.get_text() for t in plot_permutation_importance(result, ["a", "b"]).get_yticklabels()]
    ['b', 'a']
    """
    names = np.asarray(feature_names, dtype=object)
    if len(names) != len(result["importances"]):
        raise ValueError(f"feature_names has {len(names)} names for {len(result['importances'])} features")
    order = np.argsort(result["importances_mean"], kind="stable")  # ascending: the largest ends on top
    if top is not None:
        order = order[-top:]
    ax = axes(ax, figsize=(6.4, 0.3 * len(order) + 1.2))
    ax.boxplot(result["importances"][order].T, orientation="horizontal", tick_labels=names[order].tolist())
    ax.axvline(0, color="0.5", linestyle=":")
    ax.set_xlabel("drop in score when the feature is shuffled")
    return ax


def plot_partial_dependence(result, feature_name, ax=None, output=0, n_individual=50, rng=None):
    """The partial dependence curve of one feature, with some individual (ICE) curves if present.

    Parameters
    ----------
    result : Bunch
        From :func:`~mlcourse.inspection.partial_dependence` (or scikit-learn's, one feature).
    feature_name : str
        Label of the x axis.
    ax : matplotlib Axes, optional
    output : int, default=0
        Which output (class, for a multiclass model) to draw.
    n_individual : int, default=50
        How many ICE curves to draw when ``result`` has ``"individual"``; they are drawn thin.
    rng : numpy.random.Generator, optional
        Picks the ICE curves shown; the first ``n_individual`` rows otherwise.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.utils import Bunch
    >>> result = Bunch(grid_values=[np.array([0.0, 1.0])], average=np.array([[0.2, 0.6]]))
    >>> plot_partial_dependence(result, "x").get_xlabel()
    'x'
    """
    ax = axes(ax)
    grid = result["grid_values"][0]
    if "individual" in result:
        curves = result["individual"][output]
        rows = np.arange(len(curves)) if rng is None else rng.permutation(len(curves))
        for row in rows[:n_individual]:
            ax.plot(grid, curves[row], color="C0", alpha=0.15, linewidth=0.8)
    if "average" in result:
        ax.plot(grid, result["average"][output], color="C3", linewidth=2.5, label="average (partial dependence)")
        ax.legend()
    ax.set_xlabel(feature_name)
    ax.set_ylabel("model output")
    return ax
