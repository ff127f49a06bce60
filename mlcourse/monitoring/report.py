"""A drift report: every feature of a current batch compared with the reference data, in one table.

Numeric features get the two-sample KS test, categorical ones (strings, booleans, pandas
categories) the chi-square test on their category counts. Every feature also gets the PSI and the
Jensen–Shannon distance (base 2, so between 0 and 1) on the same bins: deciles of the reference for
numbers, the categories themselves otherwise.

A test answers "is there *any* difference?" — and with thousands of rows, the answer is nearly
always yes. PSI answers "is the difference *big*?". A feature is flagged as drifted when both say so:
``p_value < alpha`` **and** ``psi >= psi_threshold``. Set ``psi_threshold=0`` to flag on the test
alone, or ``alpha=1`` to flag on PSI alone.
"""

from __future__ import annotations

import numpy as np

from mlcourse.monitoring.ks import ks_2samp
from mlcourse.monitoring.stats import (
    PSI_EPS,
    bin_fractions,
    category_counts,
    chi2_contingency,
    jensenshannon,
    psi_from_fractions,
    quantile_bins,
)

COLUMNS = ["kind", "test", "statistic", "p_value", "psi", "js_distance", "drifted"]


def _as_frame(X, name: str):
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        return X
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a DataFrame or a 2-D array, got shape {arr.shape}")
    return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])


def _is_categorical(column) -> bool:
    import pandas as pd

    dtype = column.dtype
    return not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)


def compare_feature(reference, current, *, categorical: bool, n_bins: int = 10, eps: float = PSI_EPS) -> dict:
    """The drift statistics of one feature: test, statistic, p-value, PSI and Jensen–Shannon distance.

    Parameters
    ----------
    reference, current : array-like of shape (n_samples,)
    categorical : bool
        Chi-square test on category counts if true, KS test and reference-decile bins otherwise.
    n_bins : int, default=10
    eps : float, default=PSI_EPS

    Returns
    -------
    dict
        With keys ``kind``, ``test``, ``statistic``, ``p_value``, ``psi``, ``js_distance``.

    Examples
    --------
    >>> row = compare_feature(["a", "a", "b"], ["b", "b", "b"], categorical=True)
    >>> row["test"], round(row["psi"], 3)
    ('chi2', 6.601)
    """
    if categorical:
        counts, _ = category_counts(np.asarray(reference).astype(str), np.asarray(current).astype(str))
        res = chi2_contingency(counts)
        ref_frac, cur_frac = counts[0] / counts[0].sum(), counts[1] / counts[1].sum()
        kind, test, statistic, p_value = "categorical", "chi2", res.statistic, res.pvalue
    else:
        cuts = quantile_bins(reference, n_bins)
        ref_frac, cur_frac = bin_fractions(reference, cuts), bin_fractions(current, cuts)
        res = ks_2samp(np.asarray(reference, dtype=float), np.asarray(current, dtype=float))
        kind, test, statistic, p_value = "numeric", "ks", res.statistic, res.pvalue
    return {
        "kind": kind,
        "test": test,
        "statistic": float(statistic),
        "p_value": float(p_value),
        "psi": psi_from_fractions(ref_frac, cur_frac, eps),
        "js_distance": float(jensenshannon(ref_frac, cur_frac, base=2)),
    }


class DriftReport:
    """Per-feature drift of ``current`` against ``reference``: statistic, p-value, PSI, drifted flag, plot.

    Parameters
    ----------
    reference : DataFrame or 2-D array
        The data the model was trained (or last validated) on.
    current : DataFrame or 2-D array
        A new batch with the same columns (extra columns are ignored).
    categorical : list of str, optional
        Columns to treat as categories; by default the non-numeric and boolean ones.
    alpha : float, default=0.05
        Significance level of the tests.
    psi_threshold : float, default=0.1
        Smallest PSI that counts as a shift worth acting on.
    n_bins : int, default=10
        Reference-quantile bins for numeric PSI and Jensen–Shannon distance.

    Attributes
    ----------
    results : DataFrame
        One row per feature (the index) with columns ``kind``, ``test`` (``"ks"`` or ``"chi2"``),
        ``statistic``, ``p_value``, ``psi``, ``js_distance`` and ``drifted``.
    drifted_features : list of str
    drift_share : float
        Fraction of features flagged.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"a": rng.normal(size=500), "b": rng.choice(["x", "y"], 500)})
    >>> cur = pd.DataFrame({"a": rng.normal(1.0, size=500), "b": rng.choice(["x", "y"], 500)})
    >>> report = DriftReport(ref, cur)
    >>> report.drifted_features, report.drift_share
    (['a'], 0.5)
    """

    def __init__(
        self,
        reference,
        current,
        *,
        categorical=None,
        alpha: float = 0.05,
        psi_threshold: float = 0.1,
        n_bins: int = 10,
    ):
        import pandas as pd

        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha <= 1:
            raise ValueError(f"alpha must be a number in (0, 1], got {alpha!r}")
        if isinstance(psi_threshold, bool) or not isinstance(psi_threshold, (int, float)) or psi_threshold < 0:
            raise ValueError(f"psi_threshold must be a non-negative number, got {psi_threshold!r}")
        reference, current = _as_frame(reference, "reference"), _as_frame(current, "current")
        missing = [c for c in reference.columns if c not in current.columns]
        if missing:
            raise ValueError(f"current lacks the reference columns {missing}")
        if len(reference.columns) == 0:
            raise ValueError("reference has no columns")
        categorical = set(categorical or [])
        unknown = categorical - set(reference.columns)
        if unknown:
            raise ValueError(f"categorical names columns not in reference: {sorted(unknown)}")
        self.alpha, self.psi_threshold, self.n_bins = alpha, psi_threshold, n_bins
        rows = {}
        for name in reference.columns:
            ref, cur = reference[name], current[name]
            for label, col in (("reference", ref), ("current", cur)):
                if col.isna().any():
                    raise ValueError(f"{label} column {name!r} has missing values; impute or drop them first")
            is_cat = name in categorical or _is_categorical(ref)
            rows[name] = compare_feature(ref.to_numpy(), cur.to_numpy(), categorical=is_cat, n_bins=n_bins)
        results = pd.DataFrame.from_dict(rows, orient="index")
        results["drifted"] = (results["p_value"] < alpha) & (results["psi"] >= psi_threshold)
        results.index.name = "feature"
        self.results = results[COLUMNS]

    @property
    def drifted_features(self) -> list[str]:
        return [str(f) for f in self.results.index[self.results["drifted"]]]

    @property
    def drift_share(self) -> float:
        return float(self.results["drifted"].mean())

    def __repr__(self) -> str:
        n, k = len(self.results), len(self.drifted_features)
        which = f": {', '.join(self.drifted_features)}" if k else ""
        return f"DriftReport({k} of {n} features drifted{which})"

    def plot(self, ax=None, *, title: str | None = None):
        """Horizontal bars of each feature's PSI, red when drifted, with the PSI threshold as a line.

        Each bar is labelled with its test's p-value. Returns the axes.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6.4, 0.45 * len(self.results) + 1.2))
        res = self.results.iloc[::-1]  # first feature on top
        colors = np.where(res["drifted"], "C3", "C0")
        y = np.arange(len(res))
        ax.barh(y, res["psi"], color=colors)
        ax.set_yticks(y, [str(f) for f in res.index])
        ax.axvline(self.psi_threshold, color="0.3", linestyle="--", linewidth=1)
        for yi, (p_value, value, test) in enumerate(zip(res["p_value"], res["psi"], res["test"], strict=True)):
            ax.text(value, yi, f"  {test} p={p_value:.2g}", va="center", fontsize=8)
        ax.set_xlim(0, max(float(res["psi"].max()), self.psi_threshold) * 1.45)
        ax.set_xlabel(f"PSI (dashed: threshold {self.psi_threshold:g}; red: drifted, p < {self.alpha:g})")
        ax.grid(axis="y", visible=False)
        ax.set_title(title or repr(self))
        return ax
