"""make_messy: deterministic, never touches its input, and every kind of damage is switchable,
logged, and really there -- no more and no less than the log says."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlcourse.data import DEFAULTS, LEAKY_NAME, load, make_messy

COLUMNS = ["mean radius", "mean texture", "mean area", "mean smoothness", "mean concavity", "target"]
CLEAN = load("breast_cancer", target_names=True)[COLUMNS]
FEATURES = COLUMNS[:-1]
FRACTIONS = [k for k in DEFAULTS if k != "leaky_column"]


def only(kind, value=0.05, df=CLEAN, seed=0, **kwargs):
    return make_messy(df, seed, defaults=False, **{kind: value}, **kwargs)


def cells(log, kind):
    """(row, column) pairs the log says were damaged by ``kind``."""
    return {(r, rec.column) for rec in log[log["kind"] == kind].itertuples() for r in rec.rows}


def changed_cells(clean, messy):
    """(row, column) pairs where ``messy`` differs from ``clean`` (same shape, same columns)."""
    out = set()
    for col in clean.columns:
        a, b = clean[col].astype(object).to_numpy(), messy[col].astype(object).to_numpy()
        differ = ~((a == b) | (pd.isna(a) & pd.isna(b)))
        out |= {(int(r), col) for r in np.flatnonzero(differ)}
    return out


def test_same_seed_same_mess_and_log():
    a, log_a = make_messy(CLEAN, 3)
    b, log_b = make_messy(CLEAN, 3)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(log_a, log_b)
    c, _ = make_messy(CLEAN, 4)
    assert not a.equals(c), "a different seed must give a different mess"


def test_input_frame_is_not_modified():
    before = CLEAN.copy()
    make_messy(CLEAN, 0)
    pd.testing.assert_frame_equal(CLEAN, before)


def test_everything_off_returns_the_clean_frame_and_an_empty_log():
    messy, log = make_messy(CLEAN, 0, defaults=False)
    pd.testing.assert_frame_equal(messy, CLEAN)
    assert log.empty and list(log.columns) == ["kind", "column", "n_rows", "rows", "details"]


def test_defaults_switch_every_kind_on_and_log_it():
    messy, log = make_messy(CLEAN, 0)
    assert set(log["kind"]) == set(DEFAULTS)
    assert (log["n_rows"] > 0).all()
    assert (log["n_rows"] == log["rows"].map(len)).all()
    assert all(max(rows) < len(messy) for rows in log["rows"])


@pytest.mark.parametrize("kind", FRACTIONS)
def test_each_kind_alone_is_the_only_kind_logged(kind):
    _, log = only(kind)
    assert set(log["kind"]) == {kind}
    assert log["n_rows"].sum() > 0


@pytest.mark.parametrize("kind", FRACTIONS)
def test_a_zero_fraction_switches_a_kind_off(kind):
    _, log = make_messy(CLEAN, 0, **{kind: 0.0})
    assert kind not in set(log["kind"])


def test_leaky_column_is_switchable_and_nameable():
    messy, _ = make_messy(CLEAN, 0, leaky_column=False)
    assert LEAKY_NAME not in messy.columns
    messy, log = only("leaky_column", "lab_ref")
    assert list(messy.columns) == [*FEATURES, "lab_ref", "target"]
    assert log.loc[0, "column"] == "lab_ref" and log.loc[0, "n_rows"] == len(CLEAN)


# -- each kind is really there, exactly where the log says ---------------------------------------


def test_missing_mcar_blanks_exactly_the_logged_cells():
    messy, log = only("missing_mcar", 0.1)
    assert changed_cells(CLEAN, messy) == cells(log, "missing_mcar")
    assert set(log["column"]) == set(FEATURES)
    assert (log["n_rows"] == round(0.1 * len(CLEAN))).all()
    assert all(messy[col].iloc[rows].isna().all() for col, rows in zip(log["column"], log["rows"], strict=True))


def test_missing_mnar_hides_the_large_values():
    messy, log = only("missing_mnar", 0.2)
    (col,) = log["column"]
    assert changed_cells(CLEAN, messy) == cells(log, "missing_mnar")
    hidden = CLEAN[col].iloc[log.loc[0, "rows"]]
    # Missing not at random: what went missing is clearly larger than what stayed.
    assert hidden.median() > CLEAN[col].quantile(0.6)


def test_duplicates_are_exact_copies_after_their_originals():
    messy, log = only("duplicates", 0.1)
    assert len(messy) == len(CLEAN) + round(0.1 * len(CLEAN))
    assert np.flatnonzero(messy.duplicated(keep="first")).tolist() == log.loc[0, "rows"]
    pd.testing.assert_frame_equal(messy.drop_duplicates().reset_index(drop=True), CLEAN)


def test_numbers_as_strings_turn_the_column_to_text_that_parses_back():
    messy, log = only("numbers_as_strings", 0.2, unit="px")
    (col,) = log["column"]
    assert col == "mean area", "the column with the largest values shows thousands separators"
    assert pd.api.types.is_string_dtype(messy[col])
    decorated = messy[col].iloc[log.loc[0, "rows"]]
    assert decorated.str.contains(",|px").all()
    assert decorated.str.contains(",").any() and decorated.str.contains(" px").any()
    parsed = messy[col].str.replace(",", "").str.removesuffix(" px").astype(float)
    np.testing.assert_array_equal(parsed.to_numpy(), CLEAN[col].to_numpy())


def test_category_typos_respell_only_the_logged_labels():
    messy, log = only("category_typos", 0.2)
    assert changed_cells(CLEAN, messy) == cells(log, "category_typos")
    rows = log.loc[0, "rows"]
    for bad, good in zip(messy["target"].iloc[rows], CLEAN["target"].iloc[rows], strict=True):
        # Each typo is a change of case, stray spaces, or two letters swapped.
        assert bad.strip().lower() == good or sorted(bad) == sorted(good), (bad, good)
    assert messy["target"].nunique() > CLEAN["target"].nunique()


def test_impossible_values_are_negative_where_clean_values_are_not():
    messy, log = only("impossible_values", 0.05)
    assert changed_cells(CLEAN, messy) == cells(log, "impossible_values")
    assert log["n_rows"].sum() == round(0.05 * len(CLEAN))
    for col, rows in zip(log["column"], log["rows"], strict=True):
        assert (messy[col].iloc[rows] < 0).all() and (CLEAN[col] >= 0).all()


def test_outliers_lie_far_above_the_clean_range():
    messy, log = only("outliers", 0.05)
    assert changed_cells(CLEAN, messy) == cells(log, "outliers")
    for col, rows in zip(log["column"], log["rows"], strict=True):
        span = CLEAN[col].max() - CLEAN[col].min()
        assert (messy[col].iloc[rows] >= CLEAN[col].max() + 0.99 * span).all()


def test_swapped_columns_exchange_values_between_two_columns():
    messy, log = only("swapped_columns", 0.1)
    a, b = log["column"]
    rows = log.loc[0, "rows"]
    assert rows == log.loc[1, "rows"]
    assert changed_cells(CLEAN, messy) == {(r, c) for r in rows for c in (a, b)}
    np.testing.assert_array_equal(messy[a].iloc[rows], CLEAN[b].iloc[rows])
    np.testing.assert_array_equal(messy[b].iloc[rows], CLEAN[a].iloc[rows])


def test_label_noise_flips_exactly_the_logged_labels():
    messy, log = only("label_noise", 0.1)
    assert changed_cells(CLEAN, messy) == cells(log, "label_noise")
    assert log.loc[0, "n_rows"] == round(0.1 * len(CLEAN))
    assert set(messy["target"]) == set(CLEAN["target"]), "a flipped label is another valid class"


def test_label_noise_on_a_regression_target_uses_other_rows_values():
    clean = load("diabetes")
    messy, log = only("label_noise", 0.1, df=clean)
    rows = log.loc[0, "rows"]
    assert changed_cells(clean.astype(float), messy) == {(r, "target") for r in rows}
    assert set(messy["target"].iloc[rows]) <= set(clean["target"])


def test_leaky_column_separates_the_recorded_labels_perfectly():
    messy, _ = make_messy(CLEAN, 1, defaults=False, label_noise=0.1, leaky_column=True)
    by_class = messy.groupby("target")[LEAKY_NAME].agg(["min", "max"])
    assert by_class.loc["benign", "max"] < by_class.loc["malignant", "min"], "the leak encodes noisy labels too"


@given(
    seed=st.integers(0, 2**32 - 1),
    fractions=st.fixed_dictionaries(
        {k: st.sampled_from([0.0, 0.01, 0.05, 0.2]) for k in FRACTIONS if k not in ("duplicates", "numbers_as_strings")}
    ),
)
def test_the_log_accounts_for_every_changed_cell(seed, fractions):
    # With the kinds that keep shape and dtypes, "what changed" must equal "what the log says".
    messy, log = make_messy(CLEAN, seed, defaults=False, **fractions)
    assert changed_cells(CLEAN, messy) == {cell for kind in set(log["kind"]) for cell in cells(log, kind)}
    for kind, fraction in fractions.items():
        assert (kind in set(log["kind"])) == (fraction > 0)


def test_row_positions_in_the_log_follow_rows_moved_by_duplicates():
    messy, log = make_messy(CLEAN, 5, defaults=False, impossible_values=0.05, duplicates=0.3)
    bad = set(np.flatnonzero((messy[FEATURES] < 0).any(axis=1)).tolist())
    assert bad == {r for rows in log.loc[log["kind"] == "impossible_values", "rows"] for r in rows}


def test_a_kind_that_cannot_apply_is_logged_as_skipped():
    numeric = CLEAN.drop(columns="target")
    messy, log = only("category_typos", 0.1, df=numeric, target=None)
    pd.testing.assert_frame_equal(messy, numeric)
    assert log.loc[0, "n_rows"] == 0 and log.loc[0, "details"].startswith("skipped")


def test_integer_columns_come_back_as_float_so_they_can_hold_nan():
    clean = load("digits").iloc[:200]
    messy, _ = only("missing_mcar", 0.1, df=clean)
    assert (messy.drop(columns="target").dtypes == "float64").all()
    assert messy["target"].dtype == clean["target"].dtype


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"df": CLEAN.to_numpy()}, TypeError, "df must be a pandas DataFrame"),
        ({"df": CLEAN.iloc[:0]}, ValueError, "df must have rows"),
        ({"seed": "0"}, TypeError, "seed"),
        ({"seed": -1}, TypeError, "seed"),
        ({"target": "label"}, ValueError, "target 'label' is not a column"),
        ({"missing_mcar": 1.5}, ValueError, "missing_mcar == 1.5, must be <= 1"),
        ({"label_noise": -0.1}, ValueError, "label_noise == -0.1, must be >= 0"),
        ({"outliers": "some"}, TypeError, "outliers must be an instance of Real, not str"),
        ({"duplicates": True}, TypeError, "duplicates must be an instance of Real, not bool"),
        ({"leaky_column": 3}, TypeError, "leaky_column"),
        ({"leaky_column": "mean area"}, ValueError, "leaky_column 'mean area' is already a column"),
        ({"unit": 5}, TypeError, "unit"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, match):
    args = {"df": CLEAN, "seed": 0} | kwargs
    with pytest.raises(error, match=match):
        make_messy(args.pop("df"), args.pop("seed"), **args)


@pytest.mark.parametrize("name", ["diabetes", "digits", "iris", "wine"])
def test_every_bundled_dataset_can_be_messed_up(name):
    clean = load(name, target_names=name != "diabetes")
    messy, log = make_messy(clean, 0)
    assert len(messy) > len(clean)
    skipped = set(log.loc[log["n_rows"] == 0, "kind"])
    # diabetes is all numbers, label included: there is no text to misspell.
    assert skipped == ({"category_typos"} if name == "diabetes" else set()), log[log["n_rows"] == 0]


def test_boolean_and_categorical_columns_can_take_missing_values_and_typos():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "x": rng.normal(size=60),
            "flag": rng.integers(0, 2, 60).astype(bool),
            "colour": pd.Categorical(rng.choice(["red", "green"], 60)),
            "target": pd.Categorical(rng.choice(["yes", "no"], 60)),
        }
    )
    messy, log = make_messy(df, 0, defaults=False, missing_mcar=0.1, category_typos=0.1, label_noise=0.1)
    assert messy["flag"].isna().sum() == messy["colour"].isna().sum() == 6
    assert set(log.loc[log["kind"] == "category_typos", "column"]) == {"colour", "target"}
    assert messy["colour"].nunique() > 2 and messy["target"].nunique() > 2
