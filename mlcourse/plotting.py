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


def _as_1d(name: str, values) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    return arr


def _same_length(**arrays: np.ndarray) -> None:
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"{' and '.join(lengths)} must have the same length, got {lengths}")


def plot_confusion_matrix(cm, labels=None, ax=None, *, normalize: bool = False, cmap: str = "Blues"):
    """Draw a confusion matrix as a heat map with the count (or rate) written in each cell.

    Rows are the true classes and columns the predicted ones, as in
    ``sklearn.metrics.confusion_matrix`` and ``mlcourse.metrics.confusion_matrix``.

    Parameters
    ----------
    cm : array-like of shape (n_classes, n_classes)
        The confusion matrix (counts, or rates if it was built with ``normalize=``).
    labels : sequence, optional
        Class names for the axes; ``0 .. n_classes - 1`` by default.
    ax : matplotlib Axes, optional
    normalize : bool, default=False
        Divide each row by its total, so each cell reads "of the true class, the fraction predicted as".
    cmap : str, default="Blues"

    Returns
    -------
    ax : matplotlib Axes
    """
    cm = np.asarray(cm, dtype=float)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.size == 0:
        raise ValueError(f"cm must be a square 2-D matrix, got shape {cm.shape}")
    labels = list(range(len(cm))) if labels is None else list(labels)
    if len(labels) != len(cm):
        raise ValueError(f"labels must name {len(cm)} classes, got {len(labels)}")
    if normalize:
        totals = cm.sum(axis=1, keepdims=True)
        cm = np.divide(cm, totals, out=np.zeros_like(cm), where=totals > 0)
    ax = _axes(ax, figsize=(4, 4))
    ax.imshow(cm, cmap=cmap, vmin=0)
    ax.grid(False)
    integral = np.allclose(cm, np.round(cm))
    threshold = cm.max() / 2 if cm.max() > 0 else 1
    for (i, j), value in np.ndenumerate(cm):
        text = f"{value:.0f}" if integral else f"{value:.2f}"
        ax.text(j, i, text, ha="center", va="center", color="white" if value > threshold else "black")
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks, [str(label) for label in labels])
    ax.set_yticks(ticks, [str(label) for label in labels])
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    return ax


def plot_roc_curve(fpr, tpr, ax=None, *, auc: float | None = None, label: str | None = None, chance: bool = True):
    """Draw an ROC curve (true-positive rate against false-positive rate).

    Parameters
    ----------
    fpr, tpr : array-like of shape (n_thresholds,)
        As returned by ``roc_curve`` (ours or scikit-learn's).
    ax : matplotlib Axes, optional
    auc : float, optional
        Area under the curve, added to the legend.
    label : str, optional
        Legend label for this curve.
    chance : bool, default=True
        Draw the diagonal a random classifier would follow.

    Returns
    -------
    ax : matplotlib Axes
    """
    fpr, tpr = _as_1d("fpr", fpr), _as_1d("tpr", tpr)
    _same_length(fpr=fpr, tpr=tpr)
    ax = _axes(ax, figsize=(4.5, 4.5))
    text = label or "ROC"
    if auc is not None:
        text += f" (AUC = {auc:.3f})"
    ax.plot(fpr, tpr, drawstyle="steps-post", label=text)
    if chance:
        ax.plot([0, 1], [0, 1], linestyle="--", color="0.6", label="chance")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel("false-positive rate (1 - specificity)")
    ax.set_ylabel("true-positive rate (recall)")
    ax.set_aspect("equal")
    ax.legend(loc="lower right")
    return ax


def plot_precision_recall_curve(
    precision, recall, ax=None, *, average_precision: float | None = None, label: str | None = None, prevalence=None
):
    """Draw a precision–recall curve (precision against recall).

    Parameters
    ----------
    precision, recall : array-like of shape (n_thresholds + 1,)
        As returned by ``precision_recall_curve`` (ours or scikit-learn's).
    ax : matplotlib Axes, optional
    average_precision : float, optional
        Added to the legend.
    label : str, optional
        Legend label for this curve.
    prevalence : float, optional
        Fraction of positives: the precision of a random classifier, drawn as a horizontal line.

    Returns
    -------
    ax : matplotlib Axes
    """
    precision, recall = _as_1d("precision", precision), _as_1d("recall", recall)
    _same_length(precision=precision, recall=recall)
    ax = _axes(ax, figsize=(4.5, 4.5))
    text = label or "PR"
    if average_precision is not None:
        text += f" (AP = {average_precision:.3f})"
    ax.plot(recall, precision, drawstyle="steps-post", label=text)
    if prevalence is not None:
        ax.axhline(prevalence, linestyle="--", color="0.6", label=f"chance ({prevalence:.2f})")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.legend(loc="lower left")
    return ax


def plot_threshold_tradeoff(precision, recall, thresholds, ax=None, *, chosen: float | None = None):
    """Draw precision, recall and F1 against the decision threshold.

    Parameters
    ----------
    precision, recall : array-like of shape (n_thresholds + 1,)
        As returned by ``precision_recall_curve``; the final point (recall 0, no threshold) is dropped.
    thresholds : array-like of shape (n_thresholds,)
    ax : matplotlib Axes, optional
    chosen : float, optional
        A threshold to mark with a vertical line.

    Returns
    -------
    ax : matplotlib Axes
    """
    precision, recall = _as_1d("precision", precision), _as_1d("recall", recall)
    thresholds = _as_1d("thresholds", thresholds)
    _same_length(precision=precision, recall=recall)
    if len(precision) != len(thresholds) + 1:
        raise ValueError(
            f"precision and recall must have one more point than thresholds "
            f"(as precision_recall_curve returns), got {len(precision)} and {len(thresholds)}"
        )
    p, r = precision[:-1], recall[:-1]
    f1 = np.divide(2 * p * r, p + r, out=np.zeros_like(p), where=(p + r) > 0)
    ax = _axes(ax, figsize=(6, 4))
    ax.plot(thresholds, p, label="precision")
    ax.plot(thresholds, r, label="recall")
    ax.plot(thresholds, f1, label="F1", linestyle="--")
    if chosen is not None:
        ax.axvline(chosen, color="0.3", linestyle=":", label=f"threshold = {chosen:.2f}")
    ax.set_xlabel("decision threshold")
    ax.set_ylabel("score")
    ax.set_ylim(-0.01, 1.01)
    ax.legend(loc="lower left")
    return ax
