"""Plots the lessons share. Every function takes an optional ``ax=`` and returns the axes."""

from __future__ import annotations

import numpy as np

from mlcourse._plots import axes


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
    ax = axes(ax, figsize=(5, 5))
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
    ax = axes(ax, figsize=(4, 4))
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
    ax = axes(ax, figsize=(4.5, 4.5))
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
    ax = axes(ax, figsize=(4.5, 4.5))
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
    ax = axes(ax, figsize=(6, 4))
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


def plot_loss_surface(f, xlim, ylim, ax=None, *, paths=None, levels=25, resolution=80, log_levels=True):
    """Contours of a loss of two parameters, with optimisation paths drawn over them.

    Parameters
    ----------
    f : callable
        ``f(w)`` returns the loss at ``w = [w0, w1]``.
    xlim, ylim : (float, float)
        Range of ``w0`` (horizontal) and ``w1`` (vertical).
    ax : matplotlib Axes, optional
    paths : dict of str to array of shape (n_steps, 2), optional
        Parameter values step by step (e.g. ``minimize(..., keep_path=True).path``), one line each.
    levels : int, default=25
    resolution : int, default=80
        Grid points per axis where ``f`` is evaluated.
    log_levels : bool, default=True
        Space the contour levels logarithmically, so the valley floor stays visible.

    Returns
    -------
    ax : matplotlib Axes
    """
    ax = axes(ax)
    w0, w1 = np.linspace(*xlim, resolution), np.linspace(*ylim, resolution)
    Z = np.array([[f(np.array([a, b])) for a in w0] for b in w1])
    lv = levels
    if log_levels:
        hi = Z.max()
        lo = Z.min() if Z.min() > 0 else 1e-4 * hi  # a minimum of exactly 0 has no logarithm
        lv = np.geomspace(lo, hi, levels)
    ax.contour(w0, w1, Z, levels=lv, cmap="viridis", linewidths=0.8)
    for i, (label, path) in enumerate((paths or {}).items()):
        path = np.asarray(path)
        ax.plot(path[:, 0], path[:, 1], "o-", color=f"C{i + 1}", ms=2.5, lw=1.2, label=label)
    if paths:
        ax.legend(loc="best")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$w_0$")
    ax.set_ylabel("$w_1$")
    return ax


def plot_loss_history(histories, ax=None, *, log=True, xlabel="epoch"):
    """Loss against epoch for one or more runs.

    Parameters
    ----------
    histories : dict of str to array_like
        One loss curve per label (e.g. ``model.loss_history_`` or ``result.loss_history``).
    ax : matplotlib Axes, optional
    log : bool, default=True
        Logarithmic loss axis: linear convergence shows as a straight line.
    xlabel : str, default="epoch"

    Returns
    -------
    ax : matplotlib Axes
    """
    ax = axes(ax)
    for label, history in histories.items():
        ax.plot(np.asarray(history, dtype=float), label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.legend(loc="best")
    return ax


def plot_decision_boundary(model, X, y, ax=None, *, resolution=200, padding=0.5):
    """A fitted classifier's regions over a 2-D feature space, with the data on top.

    Parameters
    ----------
    model : fitted classifier
        Anything with ``predict``; if it has ``predict_proba`` and two classes, the probability
        of the second class is shaded and the 0.5 contour drawn.
    X : array of shape (n_samples, 2)
    y : array of shape (n_samples,)
    ax : matplotlib Axes, optional
    resolution : int, default=200
    padding : float, default=0.5
        Margin around the data.

    Returns
    -------
    ax : matplotlib Axes
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have exactly 2 columns to draw a boundary, got shape {X.shape}")
    ax = axes(ax)
    a = np.linspace(X[:, 0].min() - padding, X[:, 0].max() + padding, resolution)
    b = np.linspace(X[:, 1].min() - padding, X[:, 1].max() + padding, resolution)
    A, B = np.meshgrid(a, b)
    grid = np.c_[A.ravel(), B.ravel()]
    classes = np.unique(y)
    if hasattr(model, "predict_proba") and len(classes) == 2:
        P = model.predict_proba(grid)[:, 1].reshape(A.shape)
        ax.contourf(A, B, P, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.35)
        ax.contour(A, B, P, levels=[0.5], colors="k", linewidths=1.5)
    else:
        index = np.searchsorted(classes, model.predict(grid)).reshape(A.shape)
        ax.contourf(A, B, index, levels=np.arange(len(classes) + 1) - 0.5, cmap="tab10", alpha=0.25)
    for i, c in enumerate(classes):
        ax.scatter(*X[y == c].T, s=12, color=f"C{i}", edgecolor="k", linewidth=0.3, label=str(c))
    ax.legend(loc="best")
    return ax


def plot_missing_values(df, ax=None):
    """Draw the fraction of missing values in each column of a DataFrame as horizontal bars.

    Parameters
    ----------
    df : pandas.DataFrame
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame) or df.shape[1] == 0:
        raise TypeError(f"df must be a pandas DataFrame with columns, got {type(df).__name__}")
    missing = df.isna().mean()
    ax = axes(ax)
    names = [str(c) for c in missing.index]
    ax.barh(names, missing.to_numpy(), color="C3")
    for y, value in enumerate(missing.to_numpy()):
        ax.text(value, y, f" {value:.0%}", va="center", fontsize=9)
    ax.invert_yaxis()  # first column at the top, as in the frame
    ax.set_xlim(0, max(0.1, 1.15 * missing.max()))
    ax.set_xlabel("fraction of values missing")
    return ax


def plot_score_vs_damage(fractions, scores, ax=None, *, label: str | None = None, xlabel: str = "fraction damaged"):
    """Draw how a score falls as more of the data is damaged: the mean over repeats, +- one std.

    Parameters
    ----------
    fractions : array-like of shape (n_fractions,)
        How much damage each point had (e.g. the fraction of flipped labels).
    scores : array-like of shape (n_fractions,) or (n_fractions, n_repeats)
        The score at each fraction; one column per repeat (seed) when there are several.
    ax : matplotlib Axes, optional
    label : str, optional
        Legend entry for the line.
    xlabel : str, default="fraction damaged"

    Returns
    -------
    ax : matplotlib Axes
    """
    fractions = _as_1d("fractions", fractions)
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 1:
        scores = scores[:, None]
    if scores.ndim != 2 or scores.shape[0] != len(fractions) or scores.shape[1] == 0:
        raise ValueError(
            f"scores must have shape ({len(fractions)},) or ({len(fractions)}, n_repeats), got {scores.shape}"
        )
    mean, std = scores.mean(axis=1), scores.std(axis=1)
    ax = axes(ax)
    (line,) = ax.plot(fractions, mean, marker="o", label=label)
    if scores.shape[1] > 1:
        ax.fill_between(fractions, mean - std, mean + std, color=line.get_color(), alpha=0.2, linewidth=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("score")
    if label is not None:
        ax.legend()
    return ax


def plot_train_validation_scores(x, train_scores, test_scores, ax=None, *, xlabel: str = "", log_x: bool = False):
    """Draw training and validation scores (mean ± one standard deviation over folds) against ``x``.

    The picture of both a learning curve (``x`` = training-set size) and a validation curve
    (``x`` = a hyper-parameter): the gap between the lines is overfitting, two low lines underfitting.

    Parameters
    ----------
    x : array-like of shape (n_points,)
        Training sizes or parameter values.
    train_scores, test_scores : array-like of shape (n_points, n_folds)
        As returned by ``learning_curve``/``validation_curve`` (mlcourse's or scikit-learn's).
    ax : matplotlib Axes, optional
    xlabel : str, default=""
    log_x : bool, default=False
        Logarithmic x axis (for parameters such as a regularisation strength).

    Returns
    -------
    ax : matplotlib Axes
    """
    x = _as_1d("x", x)
    ax = axes(ax)
    for name, scores, color in (("training", train_scores, "C0"), ("validation", test_scores, "C1")):
        scores = np.asarray(scores, dtype=float)
        if scores.ndim != 2 or scores.shape[0] != len(x):
            raise ValueError(f"{name} scores must have shape ({len(x)}, n_folds), got {scores.shape}")
        mean, std = scores.mean(axis=1), scores.std(axis=1)
        ax.plot(x, mean, marker="o", color=color, label=name)
        ax.fill_between(x, mean - std, mean + std, color=color, alpha=0.2, linewidth=0)
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("score")
    ax.legend()
    return ax
