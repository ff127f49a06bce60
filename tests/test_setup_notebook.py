"""`mlc.setup_notebook` makes every random stream, thread count and plot setting reproducible."""

from __future__ import annotations

import random

import numpy as np
import pytest

import mlcourse as mlc


def _draws(rng: np.random.Generator) -> list[float]:
    import torch

    return [float(rng.normal()), random.random(), float(np.random.rand()), float(torch.rand(1))]  # noqa: NPY002


def test_calling_twice_gives_identical_random_streams():
    first = _draws(mlc.setup_notebook(seed=0))
    second = _draws(mlc.setup_notebook(seed=0))
    assert first == second


def test_different_seeds_give_different_streams():
    assert _draws(mlc.setup_notebook(seed=0)) != _draws(mlc.setup_notebook(seed=1))


def test_returns_a_generator_seeded_like_default_rng():
    rng = mlc.setup_notebook(seed=7, torch=False)
    assert isinstance(rng, np.random.Generator)
    assert rng.random() == np.random.default_rng(7).random()


def test_fixes_threads_plot_style_and_precision():
    import matplotlib.pyplot as plt
    import pandas as pd
    import torch
    from threadpoolctl import threadpool_info

    mlc.setup_notebook(seed=0, precision=3)
    assert torch.get_num_threads() == 1
    assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    assert tuple(plt.rcParams["figure.figsize"]) == (6.4, 4.0)
    assert plt.rcParams["figure.dpi"] == 80
    assert np.get_printoptions()["precision"] == 3
    assert pd.get_option("display.precision") == 3


@pytest.mark.parametrize("seed", [-1, 1.5, "0", None, True])
def test_bad_seed_is_rejected_with_its_name(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        mlc.setup_notebook(seed=seed, torch=False)
