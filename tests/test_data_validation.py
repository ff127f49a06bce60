"""validate() reports exactly the violations there are -- all of them, and nothing else -- and agrees
with pandas' own tools (isna, duplicated, comparisons) on what they can see."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlcourse.data import Column, Schema, infer_schema, load, make_messy, summarize, validate

SCHEMA = Schema(
    {
        "id": Column("integer", min=0, nullable=False, unique=True),
        "size": Column("number", min=0, max=100),
        "kind": Column("string", allowed=["a", "b", "c"], nullable=False),
        "flag": Column("bool"),
    }
)


def valid_frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(n)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "size": rng.uniform(0, 100, n).round(2),
            "kind": rng.choice(["a", "b", "c"], n).astype(object),
            "flag": rng.integers(0, 2, n).astype(bool),
        }
    ).astype({"size": object, "id": object, "flag": object})  # object columns can take any bad value


def found(report) -> set:
    return set(zip(report["row"], report["column"], report["rule"], strict=True))


# One way to break each rule: (column, bad value, rule it breaks). Bad ids depend on the row
# (a function of it), so two broken ids never repeat each other and break "unique" too.
BREAKS = [
    ("id", None, "not_null"),
    ("id", lambda row: -3 - row, "min"),
    ("id", lambda row: row + 0.5, "dtype"),
    ("size", -0.5, "min"),
    ("size", 250.0, "max"),
    ("size", "12 kg", "dtype"),
    ("kind", "A", "allowed"),
    ("kind", " b", "allowed"),
    ("kind", np.nan, "not_null"),
    ("flag", "yes", "dtype"),
    ("flag", 1, "dtype"),
]


def test_a_valid_frame_has_an_empty_report_with_the_documented_columns():
    report = validate(valid_frame(30), SCHEMA)
    assert report.empty
    assert list(report.columns) == ["row", "column", "rule", "value", "expected"]


@given(data=st.data(), n=st.integers(5, 40))
def test_validate_finds_exactly_the_injected_violations(data, n):
    df = valid_frame(n)
    # Distinct cells, each broken in one way; ids are never duplicated here, so rules do not overlap.
    picks = data.draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.sampled_from(BREAKS)), max_size=12, unique_by=lambda p: (p[0], p[1][0])
        )
    )
    expected = set()
    for row, (column, value, rule) in picks:
        df.loc[row, column] = value(row) if callable(value) else value
        expected.add((row, column, rule))
    report = validate(df, SCHEMA)
    assert found(report) == expected
    assert len(report) == len(expected), "each violation is reported once"


def test_integer_accepts_whole_floats_and_number_rejects_booleans():
    df = pd.DataFrame({"n": [1, 2.0, 2.5, np.int64(4)], "x": [1.5, True, 3, np.float32(2)]}, dtype=object)
    report = validate(df, Schema({"n": Column("integer"), "x": Column("number")}))
    assert found(report) == {(2, "n", "dtype"), (1, "x", "dtype")}


def test_unique_and_duplicate_rows_flag_every_repeat_after_the_first():
    df = pd.DataFrame({"id": [1, 2, 1, 3, 1, np.nan, np.nan], "v": [0, 0, 0, 5, 1, 0, 0]})
    report = validate(df, Schema({"id": Column(unique=True)}, unique_rows=True))
    assert found(report) == {
        (2, "id", "unique"),
        (4, "id", "unique"),
        (2, None, "duplicate_row"),
        (6, None, "duplicate_row"),
    }
    # The pandas twin counts the same repeats.
    assert (report["rule"] == "duplicate_row").sum() == df.duplicated().sum()


def test_missing_and_unexpected_columns():
    df = pd.DataFrame({"a": [1], "extra": [2]})
    schema = Schema({"a": Column(), "b": Column()}, allow_extra=False)
    assert found(validate(df, schema)) == {(None, "b", "missing_column"), (None, "extra", "unexpected_column")}
    assert validate(df, Schema({"a": Column()})).empty, "extra columns are allowed by default"


def test_report_rows_are_index_labels_not_positions():
    df = pd.DataFrame({"x": [1.0, -1.0]}, index=["first", "second"])
    assert found(validate(df, Schema({"x": Column(min=0)}))) == {("second", "x", "min")}


def test_report_keeps_the_offending_value_and_what_was_expected():
    df = pd.DataFrame({"x": [5.0, -2.0]})
    report = validate(df, Schema({"x": Column(min=0)}))
    assert report.loc[0, "value"] == -2.0 and report.loc[0, "expected"] == ">= 0"


def test_counts_match_the_pandas_twin_on_a_messy_frame():
    clean = load("wine", target_names=True)
    messy, _ = make_messy(clean, 2, numbers_as_strings=0)
    numeric = [c for c in clean.columns if c != "target"]
    schema = Schema(
        {c: Column("number", min=clean[c].min(), max=clean[c].max(), nullable=False) for c in numeric},
        unique_rows=True,
    )
    report = validate(messy, schema)
    per_rule = report.groupby(["column", "rule"]).size()
    for c in numeric:
        assert per_rule.get((c, "not_null"), 0) == messy[c].isna().sum()
        assert per_rule.get((c, "min"), 0) == (messy[c] < clean[c].min()).sum()
        assert per_rule.get((c, "max"), 0) == (messy[c] > clean[c].max()).sum()
    assert (report["rule"] == "duplicate_row").sum() == messy.duplicated().sum()


@pytest.mark.parametrize(
    ("kind", "rule"),
    [("impossible_values", "min"), ("outliers", "max"), ("duplicates", "duplicate_row"), ("category_typos", "allowed")],
)
def test_an_inferred_schema_catches_exactly_what_make_messy_injected(kind, rule):
    clean = load("wine", target_names=True)
    messy, log = make_messy(clean, 7, defaults=False, **{kind: 0.1})
    report = validate(messy, infer_schema(clean))
    logged = {r for rows in log["rows"] for r in rows}
    assert set(report["row"]) == logged
    assert set(report["rule"]) == {rule}


def test_numbers_stored_as_text_are_dtype_violations():
    clean = load("wine")
    messy, log = make_messy(clean, 0, defaults=False, numbers_as_strings=0.1)
    report = validate(messy, infer_schema(clean))
    assert set(report["rule"]) == {"dtype"} and set(report["column"]) == {log.loc[0, "column"]}
    assert len(report) == len(messy), "every value of a text column fails a number rule"


def test_infer_schema_learns_types_ranges_categories_and_nulls():
    df = pd.DataFrame({"n": [3, 1, 2], "x": [0.5, np.nan, 2.0], "c": ["b", "a", "b"], "f": [True, False, True]})
    schema = infer_schema(df)
    assert schema.columns["n"] == Column("integer", min=1, max=3, nullable=False)
    assert schema.columns["x"] == Column("number", min=0.5, max=2.0, nullable=True)
    assert schema.columns["c"] == Column("string", allowed=("a", "b"), nullable=False)
    assert schema.columns["f"] == Column("bool", nullable=False)
    assert schema.unique_rows, "no repeated rows in the reference: repeats are forbidden"
    assert validate(df, schema).empty
    assert not infer_schema(pd.concat([df, df])).unique_rows, "the reference had repeats: they are allowed"
    assert infer_schema(df, max_categories=1).columns["c"].allowed is None


def test_summarize_counts_per_column_and_rule():
    df = pd.DataFrame({"x": [-1.0, -2.0, 500.0, np.nan, 1.0, 1.0]})
    report = validate(df, Schema({"x": Column(min=0, max=10, nullable=False)}, unique_rows=True))
    summary = summarize(report)
    assert summary[["column", "rule", "n_violations"]].values.tolist() == [
        ["x", "min", 2],
        ["x", "not_null", 1],
        ["x", "max", 1],
        [None, "duplicate_row", 1],
    ]
    assert summary.loc[0, "examples"] == "-1.0, -2.0"
    assert summarize(validate(pd.DataFrame({"x": [1.0]}), Schema({"x": Column()}))).empty


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: Column("float"), ValueError, "dtype must be one of"),
        (lambda: Column(min=5, max=1), ValueError, "min must not exceed max"),
        (lambda: Column(min="0"), TypeError, "min must be an instance of Real, not str"),
        (lambda: Column(allowed="abc"), TypeError, "allowed must be a collection"),
        (lambda: Column(nullable="no"), TypeError, "nullable must be True or False"),
        (lambda: Schema(["a"]), TypeError, "columns must be a mapping"),
        (lambda: Schema({"a": "number"}), TypeError, r"columns\['a'\] must be a Column"),
        (lambda: validate({"a": [1]}, SCHEMA), TypeError, "df must be a pandas DataFrame"),
        (lambda: validate(pd.DataFrame(), {"a": Column()}), TypeError, "schema must be a Schema"),
        (lambda: summarize(pd.DataFrame({"a": [1]})), TypeError, "report must be a DataFrame returned by validate"),
        (lambda: infer_schema(pd.DataFrame(), max_categories=-1), ValueError, "max_categories"),
    ],
)
def test_bad_input_names_the_argument(make, error, match):
    with pytest.raises(error, match=match):
        make()
