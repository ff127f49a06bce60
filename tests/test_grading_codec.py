"""Plain data across the boundary (no pickle), free names of test code, and the static forbidden-import check."""

from __future__ import annotations

import contextvars
import json
import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlcourse.grading import award, codec, recording_awards
from mlcourse.grading.grade import free_names
from mlcourse.grading.imports import forbidden_uses


@pytest.mark.parametrize(
    "value",
    [None, True, 3, -2.5, "text", [1, [2.0, "a"]], (1, (2, 3)), {"a": 1, 2: [None]}, {(1, 2): "tuple key"}],
)
def test_plain_values_round_trip(value):
    assert codec.loads(codec.dumps(value)) == value
    assert type(codec.loads(codec.dumps(value))) is type(value)


def test_non_finite_floats_and_numpy_round_trip():
    back = codec.loads(codec.dumps([math.nan, math.inf, -math.inf]))
    assert math.isnan(back[0]) and back[1:] == [math.inf, -math.inf]
    for array in (
        np.array([[1.5, np.nan], [np.inf, 0.0]]),
        np.arange(6, dtype=np.int32).reshape(2, 3),
        np.array([True, False]),
        np.array(["cat", "dog"]),
        np.zeros((0, 3)),
    ):
        got = codec.loads(codec.dumps(array))
        assert got.dtype == array.dtype and got.shape == array.shape
        np.testing.assert_array_equal(got, array)
    scalar = codec.loads(codec.dumps(np.float32(0.5)))
    assert type(scalar) is np.float32 and scalar == 0.5


def test_objects_are_refused_or_become_handles():
    class Model:
        pass

    with pytest.raises(codec.NotPlainData):
        codec.dumps(Model())
    with pytest.raises(codec.NotPlainData):
        codec.dumps(np.array([object()]))
    assert codec.dumps([Model()], refs=lambda obj: 7) == '[{"__ref__":7}]'


@pytest.mark.parametrize(
    "text",
    [
        '{"__pickle__": "gASV"}',
        '{"a": 1, "b": 2}',
        "NaN",
        '{"__ndarray__": ["|O", [1], [1]]}',
        '{"__ref__": 1}',
        "[" * 100_000,
    ],
)
def test_anything_but_the_wire_format_is_rejected(text):
    with pytest.raises(ValueError):
        codec.loads(text)


DTYPES = ["<f8", "<i8", "|b1", "<U4", "<U250000", "<U999999999", "|O", "V8", "<c16", "i4,i4", "<f16", 7, None]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=5))
SHAPES = st.lists(st.one_of(st.integers(-3, 2**40), st.booleans(), st.text(max_size=2)), max_size=4)
TAGGED = st.one_of(
    st.builds(
        lambda d, s, f: {"__ndarray__": [d, s, f]}, st.sampled_from(DTYPES), SHAPES, st.lists(SCALARS, max_size=6)
    ),
    st.builds(lambda d, v: {"__npscalar__": [d, v]}, st.sampled_from(DTYPES), SCALARS),
    st.builds(lambda v: {"__float__": v}, st.sampled_from(["nan", "inf", "-inf", "oops", 1])),
    st.builds(lambda v: {"__ref__": v}, SCALARS),
    st.builds(lambda k: {k: 1}, st.text(max_size=10)),
)
WIRE = st.recursive(
    st.one_of(SCALARS, TAGGED),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.builds(lambda v: {"__tuple__": v}, st.lists(inner, max_size=4)),
        st.builds(lambda v: {"__dict__": v}, st.lists(st.lists(inner, min_size=1, max_size=3), max_size=3)),
        st.dictionaries(st.sampled_from(["__ndarray__", "__tuple__", "x"]), inner, max_size=2),
    ),
    max_leaves=20,
)


# A fuzz test of what a hostile kernel may send: ten times the usual examples (a few milliseconds each).
@settings(max_examples=300)
@given(WIRE)
def test_the_decoder_takes_any_json_with_bounded_memory_and_only_codec_errors(data):
    text = json.dumps(data)
    tracemalloc.start()
    try:
        codec.loads(text)
    except codec.CodecError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 2 * codec.MAX_DECODED_BYTES


def test_a_reply_over_the_budget_is_refused_before_allocation():
    tracemalloc.start()
    try:
        for dtype, n in (("<U250000", 3000), ("<U16384", 3000), ("<f8", 10_000_000)):
            with pytest.raises(codec.CodecError):
                codec.loads(json.dumps({"__ndarray__": [dtype, [n], ["a"] * min(n, 3000)]}))
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 32 * 2**20


def test_free_names_of_test_code():
    code = "import numpy as np\nfrom math import isclose\nr = f(X)\nassert g(r) == [y for y in r], msg\ndef h(a):\n    return a"
    assert free_names(code) == {"f", "X", "g", "msg"}


@pytest.mark.parametrize(
    ("source", "hit"),
    [
        ("import sklearn.metrics", True),
        ("from sklearn.metrics import f1_score", True),
        ("from sklearn import metrics", True),
        ("import importlib\nm = importlib.import_module('sklearn.metrics')", True),
        ("m = __import__('sklearn.metrics')", True),
        ("import mlcourse as mlc\nmlc.metrics.f1_score([1], [1])", True),
        ("import sklearn.linear_model\nfrom sklearn import linear_model", False),
        ("import numpy as np\nnp.mean([1])", False),
        ("%timeit 1\nimport sklearn.metrics", True),
        ("import sys\nsys.modules['_mlcourse_agent'].trust(True)", True),
    ],
)
def test_static_forbidden_import_check(source, hit):
    uses = forbidden_uses(source, ("sklearn.metrics", "mlcourse.metrics"))
    assert bool(uses) is hit
    if hit:
        assert "forbidden module" in uses[0] or "grader's agent" in uses[0]


def test_award_validates_and_prints_outside_the_grader(capsys):
    award(0.5, "half")
    assert "50%" in capsys.readouterr().out
    with pytest.raises(ValueError, match="fraction"):
        award(1.5, "too much")
    with pytest.raises(TypeError, match="fraction"):
        award("all", "nope")
    with pytest.raises(TypeError, match="fraction"):
        award(True, "a bool is not a fraction")
    with pytest.raises(TypeError, match="reason"):
        award(0.5, 3)


def test_award_records_into_the_current_contexts_recorder_only(capsys):
    with recording_awards() as outer:
        award(0.25, "outer")
        with recording_awards() as inner:
            award(0.5, "inner")
        award(0.25, "outer again")
        # Another context (a thread started by a test, say) has no recorder of this cell's.
        contextvars.Context().run(award, 1.0, "elsewhere")
    assert outer == [(0.25, "outer"), (0.25, "outer again")] and inner == [(0.5, "inner")]
    award(1, "after")
    printed = capsys.readouterr().out
    assert "(elsewhere)" in printed and "(after)" in printed and "outer" not in printed
