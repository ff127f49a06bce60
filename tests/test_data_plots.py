"""The data lesson's plot helpers return their axes, draw what they say, and reject bad input."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from mlcourse import plotting


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_missing_values_plot_has_one_bar_per_column_with_its_fraction():
    df = pd.DataFrame({"a": [1.0, np.nan, np.nan, 4.0], "b": ["x", None, "y", "z"], "c": [1, 2, 3, 4]})
    _, ax = plt.subplots()
    assert plotting.plot_missing_values(df, ax=ax) is ax
    assert [round(p.get_width(), 6) for p in ax.patches] == [0.5, 0.25, 0.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    with pytest.raises(TypeError, match="df must be a pandas DataFrame"):
        plotting.plot_missing_values(df.to_numpy())


def test_score_vs_damage_plots_the_mean_over_repeats():
    fractions = [0.0, 0.25, 0.5]
    scores = np.array([[0.9, 0.92], [0.8, 0.84], [0.5, 0.52]])
    ax = plotting.plot_score_vs_damage(fractions, scores, label="labels flipped")
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), [0.91, 0.82, 0.51])
    assert ax.get_legend().get_texts()[0].get_text() == "labels flipped"
    assert plotting.plot_score_vs_damage(fractions, scores[:, 0]) is not None
    with pytest.raises(ValueError, match=r"scores must have shape \(3,\)"):
        plotting.plot_score_vs_damage(fractions, scores[:2])
