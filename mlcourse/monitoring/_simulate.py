"""A year of simulated production for a credit-risk model: drift of three kinds, and labels that come late.

Each month a batch of loan applications arrives; whether each loan defaults (the label) is only known
``label_delay`` months later. Three things change over the year:

* **gradual covariate drift** — incomes grow a little every month (``gradual_drift`` in log-income);
* **a sudden shift** — from ``shift_month`` on, a partner channel brings many applicants with higher
  debt ratios and more late payments (the mix of inputs jumps);
* **concept drift** — from ``concept_month`` on, the rule linking inputs to defaults changes (a
  downturn: income no longer protects, online applicants default more). The inputs look the same;
  only the labels, once they arrive, reveal it.

The default probability is ``sigmoid(z)`` with, before the concept drift,
``z = -1.3 + 4 (debt_ratio - 0.3) + 0.6 late_payments - 1.5 tanh((income - 40) / 20) - 0.02 (age - 41)``
and after it
``z = -1.3 + 4 (debt_ratio - 0.3) + 0.2 late_payments + 0.03 (age - 41) + 1.0 [channel == "web"]``.
The ``tanh`` makes the income effect level off, which a linear model cannot follow once incomes drift
beyond what it was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from mlcourse._validation import is_number
from mlcourse.monitoring._checks import check_int

CHANNELS = ("branch", "web", "partner")
FEATURES = ("income", "age", "debt_ratio", "late_payments", "channel")


class Batch(NamedTuple):
    """One month of production: inputs ``X``, labels ``y``, and the month when ``y`` becomes known."""

    month: int
    X: object  # pandas.DataFrame
    y: np.ndarray
    label_available_at: int


@dataclass(frozen=True)
class Production:
    """The simulated year. Iterating over it yields the monthly :class:`Batch` es in order.

    Attributes
    ----------
    reference : Batch
        Month 0: the labelled data the first model is trained on.
    batches : list of Batch
        Months 1 to ``n_months``.
    events : dict
        ``{"sudden shift": month, "concept drift": month}`` for the events that happen.
    """

    reference: Batch
    batches: list = field(repr=False)
    events: dict

    def __iter__(self):
        return iter(self.batches)

    def __len__(self) -> int:
        return len(self.batches)


def _month(month: int, n: int, rng: np.random.Generator, *, gradual_drift: float, shifted: bool, concept: bool):
    import pandas as pd

    channel = rng.choice(CHANNELS, n, p=[0.30, 0.30, 0.40] if shifted else [0.55, 0.40, 0.05])
    partner = channel == "partner"
    income = np.round(np.exp(rng.normal(np.log(40) + gradual_drift * month, 0.4, n)), 1)
    age = np.clip(np.round(rng.normal(41, 12, n)), 18, 80)
    debt_ratio = np.where(partner, rng.beta(4, 3, n), rng.beta(2, 5, n)).round(3)
    late_payments = rng.poisson(np.where(partner, 1.0, 0.5))
    if concept:
        z = -1.3 + 4.0 * (debt_ratio - 0.3) + 0.2 * late_payments + 0.03 * (age - 41) + 1.0 * (channel == "web")
    else:
        z = (
            -1.3
            + 4.0 * (debt_ratio - 0.3)
            + 0.6 * late_payments
            - 1.5 * np.tanh((income - 40) / 20)
            - 0.02 * (age - 41)
        )
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    X = pd.DataFrame(
        {"income": income, "age": age, "debt_ratio": debt_ratio, "late_payments": late_payments, "channel": channel}
    )
    return X, y


def simulate_production(
    n_months: int = 12,
    batch_size: int = 1000,
    *,
    n_reference: int = 2000,
    gradual_drift: float = 0.04,
    shift_month: int | None = 6,
    concept_month: int | None = 9,
    label_delay: int = 1,
    seed: int = 0,
) -> Production:
    """Simulate ``n_months`` of loan applications after a labelled reference month (month 0).

    Parameters
    ----------
    n_months : int, default=12
    batch_size : int, default=1000
        Applications per month.
    n_reference : int, default=2000
        Size of the labelled training data (month 0).
    gradual_drift : float, default=0.04
        Monthly growth of mean log-income (0.04 is about 4 % a month). 0 turns it off.
    shift_month : int or None, default=6
        First month of the sudden shift in the applicant mix; None for none.
    concept_month : int or None, default=9
        First month of the new default rule; None for none.
    label_delay : int, default=1
        Months until a batch's labels are known.
    seed : int, default=0
        The same seed gives the same year; a longer year starts with the same months.

    Returns
    -------
    Production

    Examples
    --------
    >>> prod = simulate_production(n_months=3, batch_size=50, n_reference=100, seed=1)
    >>> len(prod), prod.reference.X.shape, prod.batches[0].month, prod.batches[0].label_available_at
    (3, (100, 5), 1, 2)
    """
    n_months = check_int(n_months, "n_months", 1)
    batch_size = check_int(batch_size, "batch_size", 1)
    n_reference = check_int(n_reference, "n_reference", 1)
    label_delay = check_int(label_delay, "label_delay", 0)
    seed = check_int(seed, "seed", 0)
    for name, value in (("shift_month", shift_month), ("concept_month", concept_month)):
        if value is not None:
            check_int(value, name, 1)
    if not is_number(gradual_drift) or not np.isfinite(gradual_drift):
        raise ValueError(f"gradual_drift must be a finite number, got {gradual_drift!r}")
    rng = np.random.default_rng(seed)

    def batch(month: int, n: int) -> Batch:
        X, y = _month(
            month,
            n,
            rng,
            gradual_drift=gradual_drift,
            shifted=shift_month is not None and month >= shift_month,
            concept=concept_month is not None and month >= concept_month,
        )
        return Batch(month, X, y, month if month == 0 else month + label_delay)

    reference = batch(0, n_reference)
    batches = [batch(month, batch_size) for month in range(1, n_months + 1)]
    events = {
        name: month
        for name, month in (("sudden shift", shift_month), ("concept drift", concept_month))
        if month is not None and month <= n_months
    }
    return Production(reference, batches, events)
