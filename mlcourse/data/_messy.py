"""Turn a clean DataFrame into a realistically messy one, and log every piece of damage done.

Real data is damaged in ways that hide in plain sight: a column read as text because a few
entries carry a unit, a label typed ``"Benign "`` by one clinic, a record sent twice, a sensor
that reported nonsense. :func:`make_messy` injects each of these on purpose, so a learner can hunt
for them and then check the hunt against the log of what was really done.
"""

from __future__ import annotations

import numbers
from collections import Counter

import numpy as np
import pandas as pd

from mlcourse._validation import check_scalar, is_number

#: Fraction (or switch) for each kind of damage when ``defaults=True`` and the argument is not given.
DEFAULTS = {
    "missing_mcar": 0.03,
    "missing_mnar": 0.15,
    "duplicates": 0.02,
    "numbers_as_strings": 0.1,
    "category_typos": 0.1,
    "impossible_values": 0.01,
    "outliers": 0.01,
    "swapped_columns": 0.02,
    "label_noise": 0.03,
    "leaky_column": True,
}

#: Name given to the leaky column when ``leaky_column=True``: it sounds innocent, as they always do.
LEAKY_NAME = "followup_code"

LOG_COLUMNS = ["kind", "column", "n_rows", "rows", "details"]


def make_messy(
    df: pd.DataFrame,
    seed: int,
    *,
    target: str | None = "target",
    defaults: bool = True,
    missing_mcar: float | None = None,
    missing_mnar: float | None = None,
    duplicates: float | None = None,
    numbers_as_strings: float | None = None,
    category_typos: float | None = None,
    impossible_values: float | None = None,
    outliers: float | None = None,
    swapped_columns: float | None = None,
    label_noise: float | None = None,
    leaky_column: bool | str | None = None,
    unit: str = "mm",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return a messy copy of ``df`` and a log of every kind of damage it contains.

    Each kind of damage has its own argument: a fraction in [0, 1] (0 switches it off), or for
    ``leaky_column`` a switch. An argument left as ``None`` takes its value from :data:`DEFAULTS`,
    or is off when ``defaults=False`` -- so ``make_messy(df, 0, defaults=False, label_noise=0.2)``
    does nothing but flip 20% of the labels. No cell is damaged twice, so every logged change can be
    seen in the result.

    Parameters
    ----------
    df : pandas.DataFrame
        The clean data; not modified. Feature columns are every column except ``target``.
    seed : int
        Seed of the random choices: the same seed gives the same mess.
    target : str or None, default="target"
        The label column. Classification when it holds integers, booleans or strings, regression
        when it holds floats. ``None``: no label, so no label noise and no leaky column.
    defaults : bool, default=True
        Whether arguments left as ``None`` take the values in :data:`DEFAULTS` (True) or are off.
    missing_mcar : float, optional
        Missing completely at random: this fraction of every feature column becomes NaN.
    missing_mnar : float, optional
        Missing not at random: this fraction of one numeric feature column becomes NaN, and the
        larger a value the more likely it goes missing (like a scale that cannot weigh heavy loads).
    duplicates : float, optional
        This fraction of rows is sent twice: exact copies, each inserted somewhere after its original.
    numbers_as_strings : float, optional
        The numeric feature column with the largest values is stored as text (dtype ``str``), and
        this fraction of its entries is written with a thousands separator and/or a unit
        (``"1,001.5"``, ``"1001.5 mm"``, ``"1,001.5 mm"``).
    category_typos : float, optional
        In every text column (the label included): this fraction of entries is re-spelled -- other
        case, stray spaces, two letters swapped.
    impossible_values : float, optional
        This fraction of rows gets one physically impossible value: a negative number in a numeric
        feature column whose clean values are all non-negative.
    outliers : float, optional
        This fraction of rows gets one wild value, 1 to 4 column-ranges above the column's maximum.
    swapped_columns : float, optional
        In this fraction of rows, the values of two numeric feature columns of very different scale
        are swapped (one source system sent its fields in another order).
    label_noise : float, optional
        This fraction of labels is wrong: another class (classification) or another row's value
        (regression).
    leaky_column : bool or str, optional
        Add a feature column that encodes the label (as recorded, after label noise) plus a little
        noise: a model that uses it looks perfect until it is deployed, where the column does not
        exist yet. A string names the column; ``True`` names it :data:`LEAKY_NAME`.
    unit : str, default="mm"
        The unit written after some numbers stored as strings.

    Returns
    -------
    messy : pandas.DataFrame
        The damaged copy, with a fresh ``RangeIndex``. Numeric feature columns are float64 (NaN
        needs a float column); boolean feature columns and categorical columns become ``object``
        (to hold NaN and new spellings).
    log : pandas.DataFrame
        One row per kind of damage and column, with columns ``kind``, ``column`` (None for
        duplicates), ``n_rows``, ``rows`` (positions in ``messy`` where the damage shows, copies of
        damaged rows included) and ``details``. A kind that was asked for but cannot apply (no text
        column to misspell, say) is logged with ``n_rows=0`` and the reason.

    Raises
    ------
    TypeError
        If ``df`` is not a DataFrame, ``seed`` not a non-negative integer, a fraction not a number.
    ValueError
        If ``df`` is empty, ``target`` is not one of its columns, a fraction is outside [0, 1],
        or the leaky column's name is taken.

    Examples
    --------
    >>> from mlcourse.data import load, make_messy
    >>> clean = load("iris", target_names=True)
    >>> messy, log = make_messy(clean, seed=0)
    >>> len(messy) > len(clean), messy["target"].nunique() > 3
    (True, True)
    >>> log.loc[log["kind"] == "duplicates", "n_rows"].item()
    3
    >>> only_noise, log = make_messy(clean, seed=0, defaults=False, label_noise=0.1)
    >>> log[["kind", "column", "n_rows"]].values.tolist()
    [['label_noise', 'target', 15]]
    """
    _check_input(df, seed, target, unit)
    given = {
        "missing_mcar": missing_mcar,
        "missing_mnar": missing_mnar,
        "duplicates": duplicates,
        "numbers_as_strings": numbers_as_strings,
        "category_typos": category_typos,
        "impossible_values": impossible_values,
        "outliers": outliers,
        "swapped_columns": swapped_columns,
        "label_noise": label_noise,
    }
    frac = {kind: _fraction(kind, value, DEFAULTS[kind] if defaults else 0.0) for kind, value in given.items()}
    return _damage(df, target, int(seed), frac, _leak_name(leaky_column, defaults, df.columns), unit)


def _check_input(df, seed, target, unit) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0 or df.shape[1] == 0:
        raise ValueError(f"df must have rows and columns, got shape {df.shape}")
    # A negative seed is a TypeError too, as it always was here (numpy calls it a ValueError).
    if not (is_number(seed) and isinstance(seed, numbers.Integral)) or seed < 0:
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
    if target is not None and target not in df.columns:
        raise ValueError(f"target {target!r} is not a column of df; columns are {list(df.columns)}")
    if not isinstance(unit, str):
        raise TypeError(f"unit must be a string, got {type(unit).__name__}")


def _damage(df, target, seed: int, frac: dict, leak_name: str | None, unit: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply every kind of damage in its fixed order; return the messy frame and the log."""
    mess = _Mess(df, target, np.random.default_rng(seed), text_column=frac["numbers_as_strings"] > 0)
    mess.label_noise(frac["label_noise"])
    if leak_name is not None:
        mess.leaky_column(leak_name)
    mess.swapped_columns(frac["swapped_columns"])
    mess.impossible_values(frac["impossible_values"])
    mess.outliers(frac["outliers"])
    mess.missing_mnar(frac["missing_mnar"])
    mess.missing_mcar(frac["missing_mcar"])
    mess.category_typos(frac["category_typos"])
    mess.numbers_as_strings(frac["numbers_as_strings"], unit)
    # Last, so that a copy repeats whatever damage its original got and stays an exact duplicate.
    mess.duplicates(frac["duplicates"])
    # object dtype keeps None (not NaN) in "column" for duplicates, and lists intact in "rows".
    log = pd.DataFrame(mess.log, columns=LOG_COLUMNS, dtype=object).astype({"n_rows": "int64"})
    return mess.df, log


def _fraction(name: str, value, default: float) -> float:
    """``value`` as a fraction in [0, 1]; ``default`` when it is None."""
    if value is None:
        return float(default)
    return float(check_scalar(value, name, numbers.Real, min_val=0, max_val=1))


def _leak_name(leaky_column, defaults: bool, columns) -> str | None:
    if leaky_column is None:
        leaky_column = DEFAULTS["leaky_column"] if defaults else False
    if not isinstance(leaky_column, (bool, str)):
        raise TypeError(f"leaky_column must be a bool or a column name, got {leaky_column!r}")
    name = LEAKY_NAME if leaky_column is True else (leaky_column or None)
    if name is not None and name in columns:
        raise ValueError(f"leaky_column {name!r} is already a column of df")
    return name


def _decimals(series: pd.Series) -> int:
    """How many decimals the column's values are written with (at most 6), so new values look alike."""
    values = series.dropna().to_numpy(dtype=float)
    for d in range(6):
        if np.allclose(np.round(values, d), values, rtol=0, atol=1e-9):
            return d
    return 6


def _is_text(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


class _Mess:
    """The frame being damaged, the cells already damaged, and the log so far."""

    def __init__(self, df: pd.DataFrame, target: str | None, rng: np.random.Generator, text_column: bool):
        self.df = df.copy()  # the caller's frame is never touched
        self.clean = df  # read only: ranges and scales come from the clean values, not damaged ones
        self.target = target
        self.rng = rng
        self.n = len(df)
        self.log: list[list] = []
        self.features = [c for c in df.columns if c != target]
        self.numeric = [
            c for c in self.features if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        ]
        for col in self.numeric:
            self.df[col] = self.df[col].astype("float64")
        # Categorical columns cannot take a new spelling, boolean ones cannot take NaN: make them
        # plain object columns, as they would be when read back from a CSV file.
        for col in df.columns:
            if isinstance(df[col].dtype, pd.CategoricalDtype) or (
                col != target and pd.api.types.is_bool_dtype(df[col])
            ):
                self.df[col] = self.df[col].astype(object)
        self.text = [c for c in df.columns if _is_text(df[c])]
        # One flag per cell: a cell is damaged at most once, so every logged change stays visible.
        self.touched = {col: np.zeros(self.n, dtype=bool) for col in df.columns}
        # The numeric column that will be stored as text: the one with the largest values, where
        # thousands separators show. Chosen now so that no other kind picks it as its showcase.
        self.string_column = None
        if text_column and self.numeric:
            self.string_column = self.df[self.numeric].abs().median().sort_values(kind="stable").index[-1]

    # -- helpers ---------------------------------------------------------------------------------
    def _count(self, fraction: float) -> int:
        # Round, but never to zero: a kind that was switched on always shows up at least once.
        return 0 if fraction == 0 else max(1, round(fraction * self.n))

    def _pick(self, candidates: np.ndarray, k: int) -> np.ndarray:
        pool = np.flatnonzero(candidates)
        k = min(k, len(pool))
        return np.sort(self.rng.choice(pool, size=k, replace=False)) if k else np.array([], dtype=int)

    def _record(self, kind: str, column, rows, details: str) -> None:
        rows = [int(r) for r in rows]
        self.log.append([kind, column, len(rows), rows, details])

    def _skip(self, kind: str, why: str) -> None:
        self._record(kind, None, [], f"skipped: {why}")

    def _free(self, col: str) -> np.ndarray:
        return ~self.touched[col] & self.df[col].notna().to_numpy()

    def _set(self, col: str, rows: np.ndarray, values) -> None:
        pos = self.df.columns.get_loc(col)
        self.df.iloc[rows, pos] = values
        self.touched[col][rows] = True

    def _classification(self) -> bool:
        return not pd.api.types.is_float_dtype(self.df[self.target])

    # -- the kinds of damage, in the order make_messy applies them ----------------------------------
    def label_noise(self, fraction: float) -> None:
        if fraction == 0:
            return
        if self.target is None:
            return self._skip("label_noise", "no target column")
        y = self.df[self.target]
        if y.nunique() < 2:
            return self._skip("label_noise", "the target has a single value")
        rows = self._pick(self._free(self.target), self._count(fraction))
        if self._classification():
            classes = sorted(y.dropna().unique().tolist())
            new = []
            for old in y.iloc[rows]:
                others = [c for c in classes if c != old]
                new.append(others[self.rng.integers(len(others))])
            details = "label replaced by another class"
        else:
            values = y.to_numpy()
            new = []
            for r in rows:
                # Another row's label, drawn until it differs (at least two distinct values exist).
                j = r
                while values[j] == values[r] or np.isnan(values[j]):
                    j = self.rng.integers(self.n)
                new.append(values[j])
            details = "label replaced by another row's label"
        self._set(self.target, rows, new)
        self._record("label_noise", self.target, rows, details)

    def leaky_column(self, name: str) -> None:
        if self.target is None:
            return self._skip("leaky_column", "no target column")
        y = self.df[self.target]
        if self._classification():
            codes = {c: i for i, c in enumerate(sorted(y.dropna().unique().tolist()))}
            base = y.map(codes).to_numpy(dtype=float)
            # Classes sit 1 apart and the noise is +-0.3: the column separates them perfectly.
            leak = np.round(base + self.rng.uniform(-0.3, 0.3, self.n), 2)
            details = f"class code {codes} + uniform noise in [-0.3, 0.3]"
        else:
            base = y.to_numpy(dtype=float)
            leak = base + self.rng.normal(0, 0.05 * base.std(), self.n)
            details = "target + normal noise of 5% of its standard deviation"
        self.df.insert(self.df.columns.get_loc(self.target), name, leak)
        self.touched[name] = np.ones(self.n, dtype=bool)  # the whole column is the damage
        self._record("leaky_column", name, range(self.n), details)

    def swapped_columns(self, fraction: float) -> None:
        if fraction == 0:
            return
        cols = [c for c in self.numeric if self.df[c].nunique() > 1 and c != self.string_column]
        if len(cols) < 2:
            return self._skip("swapped_columns", "fewer than two numeric feature columns")
        # The two columns whose typical sizes differ the most, so a swap can be spotted.
        scale = self.df[cols].abs().median().sort_values(kind="stable")
        a, b = scale.index[-1], scale.index[0]
        values = self.df[[a, b]].to_numpy()
        candidates = self._free(a) & self._free(b) & (values[:, 0] != values[:, 1])
        rows = self._pick(candidates, self._count(fraction))
        self._set(a, rows, values[rows, 1])
        self._set(b, rows, values[rows, 0])
        self._record("swapped_columns", a, rows, f"value swapped with '{b}'")
        self._record("swapped_columns", b, rows, f"value swapped with '{a}'")

    def _one_cell_per_row(self, kind: str, fraction: float, cols: list[str], make) -> None:
        """Damage ``fraction`` of the rows, one cell each in a random column of ``cols``."""
        if fraction == 0:
            return
        if not cols:
            return self._skip(kind, "no numeric feature column it applies to")
        free = np.column_stack([self._free(c) for c in cols])
        rows = self._pick(free.any(axis=1), self._count(fraction))
        chosen: dict[str, list[int]] = {c: [] for c in cols}
        for r in rows:
            options = np.flatnonzero(free[r])
            chosen[cols[options[self.rng.integers(len(options))]]].append(r)
        for col, col_rows in chosen.items():
            if col_rows:
                col_rows = np.array(col_rows)
                new, details = make(col, self.df[col].to_numpy()[col_rows])
                self._set(col, col_rows, new)
                self._record(kind, col, col_rows, details)

    def impossible_values(self, fraction: float) -> None:
        cols = [c for c in self.numeric if self.clean[c].min() >= 0 and self.clean[c].max() > 0]

        def negate(col, values):
            # A negative length or count; zeros get a negative value of the column's typical size.
            typical = self.clean[col][self.clean[col] > 0].median()
            return np.where(values > 0, -values, -typical), "negative value in a column that cannot be negative"

        self._one_cell_per_row("impossible_values", fraction, cols, negate)

    def outliers(self, fraction: float) -> None:
        cols = [c for c in self.numeric if self.clean[c].nunique() > 1]

        def wild(col, values):
            lo, hi = self.clean[col].min(), self.clean[col].max()
            new = np.round(hi + self.rng.uniform(1, 4, len(values)) * (hi - lo), _decimals(self.clean[col]))
            return new, f"value 1 to 4 ranges above the maximum ({hi:.4g})"

        self._one_cell_per_row("outliers", fraction, cols, wild)

    def missing_mnar(self, fraction: float) -> None:
        if fraction == 0:
            return
        cols = [c for c in self.numeric if self.df[c].nunique() > 1]
        if not cols:
            return self._skip("missing_mnar", "no numeric feature column")
        col = cols[self.rng.integers(len(cols))]
        free = self._free(col)
        pool = np.flatnonzero(free)
        k = min(self._count(fraction), len(pool))
        # Probability of going missing grows with the 4th power of the value's rank: big values hide,
        # clearly enough to see in a histogram, yet a few small ones go missing too.
        rank = pd.Series(self.df[col].to_numpy()[pool]).rank(method="first").to_numpy()
        weights = rank**4 / (rank**4).sum()
        rows = np.sort(self.rng.choice(pool, size=k, replace=False, p=weights))
        self._set(col, rows, np.nan)
        self._record("missing_mnar", col, rows, "the larger the value, the more likely it is missing")

    def missing_mcar(self, fraction: float) -> None:
        if fraction == 0:
            return
        for col in self.features:
            rows = self._pick(self._free(col), self._count(fraction))
            self._set(col, rows, np.nan)
            self._record("missing_mcar", col, rows, "missing completely at random")

    def category_typos(self, fraction: float) -> None:
        if fraction == 0:
            return
        if not self.text:
            return self._skip("category_typos", "no text column")
        for col in self.text:
            series = self.df[col]
            rows = self._pick(self._free(col), self._count(fraction))
            new = [self._respell(str(v)) for v in series.iloc[rows]]
            changes = Counter(f"{old!r}->{n!r}" for old, n in zip(series.iloc[rows], new, strict=True))
            self._set(col, rows, new)
            self._record("category_typos", col, rows, ", ".join(f"{c} x{k}" for c, k in sorted(changes.items())))

    def _respell(self, word: str) -> str:
        variants = {word.upper(), word.lower(), word.title(), f" {word}", f"{word} ", f"{word}  "}
        if len(word) >= 4:
            i = int(self.rng.integers(1, len(word) - 2))
            variants.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
        variants.discard(word)
        variants = sorted(variants)  # a set's order depends on string hashing; sorted does not
        return variants[self.rng.integers(len(variants))]

    def numbers_as_strings(self, fraction: float, unit: str) -> None:
        if fraction == 0:
            return
        if self.string_column is None:
            return self._skip("numbers_as_strings", "no numeric feature column")
        col = self.string_column
        values = self.df[col].to_numpy()
        rows = self._pick(self._free(col), self._count(fraction))
        text = [None if np.isnan(v) else str(v) for v in values]
        for r in rows:
            v = float(values[r])
            styles = [f"{v} {unit}"] + ([f"{v:,}", f"{v:,} {unit}"] if abs(v) >= 1000 else [])
            text[r] = styles[self.rng.integers(len(styles))]
        self.df[col] = pd.Series(text, index=self.df.index, dtype="str")
        self.touched[col][rows] = True
        self._record("numbers_as_strings", col, rows, f"column stored as text; thousands separators and ' {unit}'")

    def duplicates(self, fraction: float) -> None:
        copies = self._pick(np.ones(self.n, dtype=bool), self._count(fraction))
        # Sort keys: original i sits at i; a copy of row s lands after s (s+0.5 .. n-0.5), so
        # keep="first" keeps the original.
        keys = np.r_[np.arange(self.n), self.rng.integers(copies, self.n) + 0.5] if len(copies) else np.arange(self.n)
        sources = np.r_[np.arange(self.n), -1 - copies]
        order = sources[np.argsort(keys, kind="stable")]
        self.df = self.df.iloc[np.where(order >= 0, order, -1 - order)].reset_index(drop=True)
        # Positions in the new frame: of each original, and of every row (original or copy) from it.
        is_copy = order < 0
        source = np.where(is_copy, -1 - order, order)
        shown_at: dict[int, list[int]] = {}
        for pos, src in enumerate(source):
            shown_at.setdefault(int(src), []).append(pos)
        for record in self.log:
            record[3] = sorted(p for r in record[3] for p in shown_at[r])
            record[2] = len(record[3])
        if fraction > 0:
            first = {int(src): shown_at[int(src)][0] for src in copies}
            copy_rows = np.flatnonzero(is_copy)
            self._record("duplicates", None, copy_rows, f"exact copies of rows {[first[s] for s in source[copy_rows]]}")
