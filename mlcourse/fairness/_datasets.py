"""A synthetic lending data set with a sensitive attribute, a proxy for it, and biased historical labels.

Every number is drawn from a documented recipe, so a lesson can say exactly where the unfairness
comes from -- something no real data set allows:

- ``group`` ("A" or "B", about 30% B) is the sensitive attribute. It has no effect on whether an
  applicant *would* repay: the true repayment model uses the financial columns only.
- ``district`` is a proxy: the groups live in different districts (most of B in D7-D9), so a
  model can recover the group from it even when ``group`` is dropped.
- ``repaid``, the label, is historical and biased: a share of the B applicants who did repay were
  recorded as defaults (``label_bias``; think of a past collection practice that reported late
  payments as defaults in some districts). A model trained on it learns to penalise B.
- B's credit files are thinner: ``credit_history_years`` is shorter for the same creditworthiness
  and says less about it, so the model is also less sure about B.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd

from mlcourse._validation import is_number

#: The feature columns of :func:`make_lending`, in order (the label ``repaid`` comes last).
LENDING_FEATURES = (
    "group",
    "district",
    "income",
    "debt_to_income",
    "credit_history_years",
    "late_payments",
    "loan_amount",
)

# Share of each group living in districts D0..D9: A mostly in D0-D6, B mostly in D7-D9.
_DISTRICT_WEIGHTS = {
    "A": np.array([15, 15, 14, 14, 13, 12, 9, 4, 2, 2], dtype=float),
    "B": np.array([1, 1, 1, 1, 2, 3, 6, 20, 30, 35], dtype=float),
}


def make_lending(
    n_samples: int = 5000,
    seed: int = 0,
    *,
    share_b: float = 0.3,
    label_bias: float = 0.3,
    return_truth: bool = False,
) -> pd.DataFrame:
    """Simulated loan applications and their (biased) historical outcomes.

    Parameters
    ----------
    n_samples : int, default=5000
        Number of applications.
    seed : int, default=0
        Seed of every random draw: the same arguments give the same frame.
    share_b : float in (0, 1), default=0.3
        Expected share of group B.
    label_bias : float in [0, 1], default=0.3
        Share of group B's repaid loans recorded as defaults. 0 gives unbiased labels.
    return_truth : bool, default=False
        Add the column ``would_repay``: the outcome before the recording bias, which only a
        simulation can know.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LENDING_FEATURES`, then ``repaid`` (1 = repaid, the favourable outcome; int),
        then ``would_repay`` if asked for. ``group`` and ``district`` are strings; ``late_payments`` an
        integer count; the rest floats (income and loan amount in thousands).

    Examples
    --------
    >>> df = make_lending(1000, seed=0)
    >>> df.columns.tolist()[-2:]
    ['loan_amount', 'repaid']
    >>> bool(df.groupby("group")["repaid"].mean().loc["A"] > df.groupby("group")["repaid"].mean().loc["B"])
    True
    """
    n = _check_lending(n_samples, seed, share_b, label_bias)
    rng = np.random.default_rng(seed)
    is_b = rng.random(n) < share_b
    district = _districts(rng, is_b)
    finances = _finances(rng, is_b)
    would_repay = _would_repay(rng, finances)
    flipped = is_b & (would_repay == 1) & (rng.random(n) < label_bias)
    df = pd.DataFrame(
        {
            "group": np.where(is_b, "B", "A"),
            "district": district,
            **{name: finances[name] for name in LENDING_FEATURES[2:]},
            "repaid": np.where(flipped, 0, would_repay).astype(np.int64),
        }
    )
    if return_truth:
        df["would_repay"] = would_repay.astype(np.int64)
    return df


def _check_lending(n_samples, seed, share_b, label_bias) -> int:
    """``n_samples`` as an int, once every argument of :func:`make_lending` is checked."""
    if not (is_number(n_samples) and isinstance(n_samples, Integral)) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if not (is_number(seed) and isinstance(seed, Integral)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    for name, value, lo_open in (("share_b", share_b, True), ("label_bias", label_bias, False)):
        if not is_number(value) or not 0 <= value <= 1 or (lo_open and value in (0, 1)):
            interval = "(0, 1)" if lo_open else "[0, 1]"
            raise ValueError(f"{name} must be a number in {interval}, got {value!r}")
    return int(n_samples)


def _districts(rng: np.random.Generator, is_b: np.ndarray) -> np.ndarray:
    """Each applicant's district, drawn from the district shares of their group."""
    district = np.empty(len(is_b), dtype=object)
    for g, mask in (("A", ~is_b), ("B", is_b)):
        weights = _DISTRICT_WEIGHTS[g] / _DISTRICT_WEIGHTS[g].sum()
        district[mask] = np.array([f"D{i}" for i in range(10)])[rng.choice(10, size=mask.sum(), p=weights)]
    return district.astype(str)


def _finances(rng: np.random.Generator, is_b: np.ndarray) -> dict[str, np.ndarray]:
    """The financial columns, and ``worth``: the latent creditworthiness that drives all of them."""
    n = len(is_b)
    worth = rng.normal(size=n)
    income = np.round(np.exp(3.9 - 0.08 * is_b + 0.3 * worth + rng.normal(0, 0.25, n)), 1)  # B earns a little less
    debt_to_income = np.round(np.clip(rng.beta(2, 5, n) - 0.06 * worth, 0.0, 0.95), 3)
    true_history = np.clip(8 + 3 * worth + rng.normal(0, 3, n), 0.5, None)
    # Thin files: B's recorded history covers only part of the real one, with extra noise.
    recorded = np.where(is_b, 0.6 * true_history + rng.normal(0, 2, n), true_history)
    return {
        "worth": worth,
        "income": income,
        "debt_to_income": debt_to_income,
        "credit_history_years": np.round(np.clip(recorded, 0.0, None), 1),
        "late_payments": rng.poisson(np.exp(0.2 - 0.6 * worth)).astype(np.int64),
        "loan_amount": np.round(np.exp(2.6 + 0.3 * rng.normal(size=n) + 0.1 * worth), 1),
    }


def _would_repay(rng: np.random.Generator, finances: dict[str, np.ndarray]) -> np.ndarray:
    """The true outcome (1 = would repay), from the financial situation only: the group plays no part."""
    f = finances
    logit = (
        1.0
        + 2.0 * f["worth"]
        - 0.25 * f["late_payments"]
        - 1.5 * (f["debt_to_income"] - 0.28)
        - 0.8 * (np.log(f["loan_amount"]) - 2.6)
    )
    return (rng.random(len(logit)) < 1 / (1 + np.exp(-logit))).astype(int)
