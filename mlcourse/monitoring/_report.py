"""A drift report: every feature of a current batch compared with the reference data, in one table.

Each column gets the check that its kind allows (:func:`mlcourse.monitoring.column_kind`), and the
report says which in its ``kind`` and ``test`` columns:

* **numeric** — the two-sample KS test (``"ks"``);
* **datetime** — the KS test too, on the time stamps as integers since the epoch (UTC where they have a
  time zone; :func:`~mlcourse.monitoring.time_numbers`). Time is ordered, so a shift of the
  range shows as a large KS statistic. An event time (when a row was recorded) moves on with every
  batch and so always drifts: leave it out, or turn it into features (weekday, hour) first;
* **categorical** (strings, booleans, pandas categories) — the chi-square test on the category counts
  (``"chi2"``) where its expected counts allow (:func:`~mlcourse.monitoring.cochran_rule`: all
  at least 1, at most 20 % below 5), and otherwise a permutation test of the same statistic
  (``"chi2_perm"``, :func:`~mlcourse.monitoring.chi2_permutation_test`). With small expected
  counts the chi-square distribution is a poor guide to the statistic's real distribution, and the
  p-value can be far off either way; the permutation test needs no approximation;
* **identifier** (labels that are nearly all distinct: IDs, UUIDs) — no test on counts of 0 and 1 is
  possible. The ``statistic`` is the share of current rows whose value never occurs in the reference
  (``"unseen"``); the p-value, PSI and Jensen–Shannon distance are NaN.

Numbers, times and categories also get the PSI and the Jensen–Shannon distance (base 2, so between 0 and
1) on the same bins: deciles of the reference for numbers and times, the categories themselves otherwise.

A test answers "is there *any* difference?" — and with thousands of rows, the answer is nearly
always yes. PSI answers "is the difference *big*?". A feature is flagged as drifted when both say so:
``p_value < alpha`` **and** ``psi >= psi_threshold``. Set ``psi_threshold=0`` to flag on the test
alone, or ``alpha=1`` to flag on PSI alone. An identifier is flagged when its unseen share is at least
``unseen_threshold``.
"""

from __future__ import annotations

import math

import numpy as np

from mlcourse._validation import is_number
from mlcourse.monitoring._checks import check_int, check_share
from mlcourse.monitoring._kinds import IDENTIFIER_SHARE, KINDS, _column_kind, _object_kind, time_numbers
from mlcourse.monitoring._ks import ks_2samp
from mlcourse.monitoring._plots import plot_report
from mlcourse.monitoring._stats import (
    PSI_EPS,
    bin_fractions,
    category_counts,
    chi2_contingency,
    chi2_permutation_test,
    cochran_rule,
    jensenshannon,
    psi_from_fractions,
    quantile_bins,
    unseen_share,
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


def _labels(values, name: str) -> np.ndarray:
    """Category labels as strings; objects that are not labels (lists, dicts...) are refused, not stringified."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {arr.shape}")
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} holds complex numbers ({arr.dtype}); they are not category labels")
    if arr.dtype.kind == "O":
        _object_kind(arr, name)
    return arr.astype(str)


def _numbers(values, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind in "biuf":
        return arr.astype(float)
    if arr.dtype.kind == "O":
        try:
            return arr.astype(float)
        except (TypeError, ValueError):
            pass
    raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")


def compare_feature(
    reference,
    current,
    *,
    kind: str,
    n_bins: int = 10,
    eps: float = PSI_EPS,
    n_permutations: int = 1999,
    random_state=0,
) -> dict:
    """The drift statistics of one feature: test, statistic, p-value, PSI and Jensen–Shannon distance.

    Parameters
    ----------
    reference, current : array-like of shape (n_samples,)
    kind : {"numeric", "categorical", "identifier", "datetime"}
        The check to run (see the module docstring and :func:`mlcourse.monitoring.column_kind`).
        ``"numeric"`` also takes ``timedelta64`` durations; ``"datetime"`` takes ``datetime64`` values
        (with or without a time zone) or ``date`` and ``datetime`` objects.
    n_bins : int, default=10
    eps : float, default=PSI_EPS
    n_permutations : int, default=1999
        Random splits of the permutation test, for categories whose expected counts are too small.
    random_state : int, numpy Generator or None, default=0
        Seed or generator of the permutation test.

    Returns
    -------
    dict
        With keys ``kind``, ``test`` (``"ks"``, ``"chi2"``, ``"chi2_perm"`` or ``"unseen"``),
        ``statistic``, ``p_value``, ``psi``, ``js_distance`` (NaN where the kind has none).

    Examples
    --------
    >>> row = compare_feature(["a"] * 20 + ["b"] * 10, ["a"] * 10 + ["b"] * 20, kind="categorical")
    >>> row["test"], round(row["p_value"], 4), round(row["psi"], 3)
    ('chi2', 0.0201, 0.462)

    Expected counts of 1 and 2 are too small for the chi-square distribution: a permutation test
    estimates the exact p-value (0.4) from 1999 random splits:

    >>> row = compare_feature(["a", "a", "b"], ["b", "b", "b"], kind="categorical")
    >>> row["test"], round(row["p_value"], 2)
    ('chi2_perm', 0.43)
    >>> compare_feature(["u1", "u2", "u3", "u4"], ["u4", "u5"], kind="identifier")["statistic"]
    0.5
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}, got {kind!r}")
    nan = math.nan
    if kind == "identifier":
        share = unseen_share(_labels(reference, "reference"), _labels(current, "current"))
        return {"kind": kind, "test": "unseen", "statistic": share, "p_value": nan, "psi": nan, "js_distance": nan}
    if kind == "categorical":
        counts, _ = category_counts(_labels(reference, "reference"), _labels(current, "current"))
        res, test = chi2_contingency(counts), "chi2"
        if res.dof > 0 and not cochran_rule(res.expected_freq):
            res = chi2_permutation_test(counts, n_permutations=n_permutations, random_state=random_state)
            test = "chi2_perm"
        ref_frac, cur_frac = counts[0] / counts[0].sum(), counts[1] / counts[1].sum()
    else:
        if kind == "datetime" or np.asarray(reference).dtype.kind == "m":
            reference, current = time_numbers(reference, current)  # exact integers: ties stay ties
        else:
            reference, current = _numbers(reference, "reference"), _numbers(current, "current")
        cuts = quantile_bins(reference, n_bins)
        ref_frac, cur_frac = bin_fractions(reference, cuts), bin_fractions(current, cuts)
        res, test = ks_2samp(reference, current), "ks"
    return {
        "kind": kind,
        "test": test,
        "statistic": float(res.statistic),
        "p_value": float(res.pvalue),
        "psi": psi_from_fractions(ref_frac, cur_frac, eps),
        "js_distance": float(jensenshannon(ref_frac, cur_frac, base=2)),
    }


def _names(value, name: str) -> list:
    if value is None:
        return []
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a list of column names, got the string {value!r}; write [{value!r}]")
    return list(value)


def _check_options(alpha, psi_threshold, n_bins, identifier_share, unseen_threshold, n_permutations) -> None:
    check_share(alpha, "alpha")
    if not is_number(psi_threshold) or psi_threshold < 0:
        raise ValueError(f"psi_threshold must be a non-negative number, got {psi_threshold!r}")
    check_int(n_bins, "n_bins", 2)
    check_share(identifier_share, "identifier_share", allow_none=True)
    check_share(unseen_threshold, "unseen_threshold")
    check_int(n_permutations, "n_permutations", 1)


def _check_frames(reference, current):
    """``reference`` and ``current`` as DataFrames with unique column names, rows, and every reference column."""
    reference, current = _as_frame(reference, "reference"), _as_frame(current, "current")
    for label, frame in (("reference", reference), ("current", current)):
        duplicated = list(dict.fromkeys(frame.columns[frame.columns.duplicated()]))
        if duplicated:
            raise ValueError(f"{label} has duplicate column names {duplicated}; give each column its own name")
    missing = [c for c in reference.columns if c not in current.columns]
    if missing:
        raise ValueError(f"current lacks the reference columns {missing}")
    if len(reference.columns) == 0:
        raise ValueError("reference has no columns")
    for label, frame in (("reference", reference), ("current", current)):
        if len(frame) == 0:
            raise ValueError(f"{label} has no rows")
    return reference, current


def _forced_kinds(categorical, identifier, columns) -> dict:
    """``{column: kind}`` for the columns the caller named in ``categorical`` or ``identifier``."""
    forced = {"categorical": _names(categorical, "categorical"), "identifier": _names(identifier, "identifier")}
    for option, names in forced.items():
        unknown = [c for c in names if c not in columns]
        if unknown:
            raise ValueError(f"{option} names columns not in reference: {unknown}")
    both = [c for c in forced["categorical"] if c in forced["identifier"]]
    if both:
        raise ValueError(f"columns {both} are named both in categorical and in identifier")
    return {column: kind for kind, names in forced.items() for column in names}


class DriftReport:
    """Per-feature drift of ``current`` against ``reference``: kind, test, p-value, PSI, drifted flag, plot.

    Each reference column is classified (:func:`mlcourse.monitoring.column_kind`) and checked as its
    kind allows; see the module docstring for the checks and the ``drifted`` rule.

    Parameters
    ----------
    reference : DataFrame or 2-D array
        The data the model was trained (or last validated) on. Column names must be unique.
    current : DataFrame or 2-D array
        A new batch with the same columns (extra columns are ignored). Column names must be unique.
    categorical : list of str, optional
        Columns to treat as categories whatever their type, never as identifiers. By default booleans
        and label columns (strings, objects, pandas categories) with fewer than ``identifier_share``
        distinct values.
    identifier : list of str, optional
        Columns to treat as identifiers whatever their type (say, numeric customer IDs, which would
        otherwise get the KS test).
    alpha : float, default=0.05
        Significance level of the tests.
    psi_threshold : float, default=0.1
        Smallest PSI that counts as a shift worth acting on.
    n_bins : int, default=10
        Reference-quantile bins for numeric PSI and Jensen–Shannon distance.
    identifier_share : float in (0, 1] or None, default=0.9
        A label column with at least this share of distinct values among its reference rows is an
        identifier. ``None`` switches the detection off (then only ``identifier`` names them).
    unseen_threshold : float in (0, 1], default=0.5
        An identifier is flagged as drifted when at least this share of the current rows hold values
        the reference never had. An ID column of new customers is flagged every time: drop it from
        the report, or raise this to 1, if new IDs are normal rather than a sign of trouble.
    n_permutations : int, default=1999
        Random splits of the permutation test used for categories whose expected counts fail
        Cochran's rule; the smallest p-value it can give is ``1 / (n_permutations + 1)``.
    random_state : int, numpy Generator or None, default=0
        Seed of the permutation tests (one generator for the whole report), so that a report is
        reproducible; ``None`` for fresh entropy.

    Attributes
    ----------
    results : DataFrame
        One row per feature (the index) with columns ``kind`` (``"numeric"``, ``"categorical"``,
        ``"identifier"`` or ``"datetime"``), ``test`` (``"ks"``, ``"chi2"``, ``"chi2_perm"`` or
        ``"unseen"``), ``statistic``, ``p_value``, ``psi``, ``js_distance`` and ``drifted``.
    drifted_features : list of str
    drift_share : float
        Fraction of features flagged.

    Raises
    ------
    ValueError
        On duplicate column names, reference columns missing from ``current``, missing values or empty
        frames, naming the columns.
    TypeError
        On a column whose values cannot be compared (complex numbers, lists, numbers in one frame and
        text in the other...), naming the column.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"a": rng.normal(size=500), "b": rng.choice(["x", "y"], 500)})
    >>> cur = pd.DataFrame({"a": rng.normal(1.0, size=500), "b": rng.choice(["x", "y"], 500)})
    >>> report = DriftReport(ref, cur)
    >>> report.drifted_features, report.drift_share
    (['a'], 0.5)

    Identifiers and time stamps are recognised and checked as such:

    >>> ref["id"], cur["id"] = [f"c{i}" for i in range(500)], [f"c{i}" for i in range(400, 900)]
    >>> ref["day"] = pd.date_range("2024-01-01", periods=500, freq="h")
    >>> cur["day"] = pd.date_range("2024-02-01", periods=500, freq="h")
    >>> results = DriftReport(ref, cur).results
    >>> results[["kind", "test", "statistic", "drifted"]].round(3)  # doctest: +NORMALIZE_WHITESPACE
                    kind    test  statistic  drifted
    feature
    a            numeric      ks      0.394     True
    b        categorical    chi2      0.676    False
    id        identifier  unseen      0.800     True
    day         datetime      ks      1.000     True
    """

    def __init__(
        self,
        reference,
        current,
        *,
        categorical=None,
        identifier=None,
        alpha: float = 0.05,
        psi_threshold: float = 0.1,
        n_bins: int = 10,
        identifier_share: float | None = IDENTIFIER_SHARE,
        unseen_threshold: float = 0.5,
        n_permutations: int = 1999,
        random_state=0,
    ):
        import pandas as pd

        _check_options(alpha, psi_threshold, n_bins, identifier_share, unseen_threshold, n_permutations)
        try:
            rng = np.random.default_rng(random_state)
        except (TypeError, ValueError) as err:
            raise TypeError(
                f"random_state must be None, an integer or a numpy Generator, got {random_state!r}"
            ) from err
        reference, current = _check_frames(reference, current)
        forced = _forced_kinds(categorical, identifier, reference.columns)
        self.categorical, self.identifier = categorical, identifier
        self.alpha, self.psi_threshold, self.n_bins = alpha, psi_threshold, n_bins
        self.identifier_share, self.unseen_threshold = identifier_share, unseen_threshold
        self.n_permutations, self.random_state = n_permutations, random_state
        rows = {
            name: self._row(name, reference[name], current[name], forced.get(name), rng) for name in reference.columns
        }
        results = pd.DataFrame.from_dict(rows, orient="index")
        results["drifted"] = results["drifted"].astype(bool)
        results.index.name = "feature"
        self.results = results[COLUMNS]

    def _row(self, name, ref, cur, kind: str | None, rng) -> dict:
        """The results row of column ``name``, checked as ``kind`` (detected from ``ref`` when None)."""
        for label, col in (("reference", ref), ("current", cur)):
            if col.isna().any():
                raise ValueError(f"{label} column {name!r} has missing values; impute or drop them first")
        if kind is None:
            kind = _column_kind(ref, self.identifier_share, f"reference column {name!r}")
        try:
            row = compare_feature(
                ref, cur, kind=kind, n_bins=self.n_bins, n_permutations=self.n_permutations, random_state=rng
            )
        except (TypeError, ValueError) as err:  # say which column, whatever the statistic complained about
            raise (TypeError if isinstance(err, TypeError) else ValueError)(f"column {name!r} ({kind}): {err}") from err
        if kind == "identifier":
            row["drifted"] = row["statistic"] >= self.unseen_threshold
        else:
            row["drifted"] = row["p_value"] < self.alpha and row["psi"] >= self.psi_threshold
        return row

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

        Each bar is labelled with its test's p-value; an identifier (no PSI) gets an empty bar labelled
        with its unseen share. Returns the axes.
        """
        return plot_report(self, ax, title=title)
