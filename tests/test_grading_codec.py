"""Plain data across the boundary (no pickle), free names of test code, and the static forbidden-import check."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlcourse.grading import award, codec
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
