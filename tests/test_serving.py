"""mlcourse.serving: bundles (round trip, tamper refused, version warning, torch weights_only), the
schema-derived request validation (422s naming the field), /metrics against prometheus_client, and
the service on a real socket (``serve_in_background``, ``mlcourse serve``)."""

from __future__ import annotations

import json
import pickle
import re
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry
from prometheus_client import Counter as PCounter
from prometheus_client import Histogram as PHistogram
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_breast_cancer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlcourse import cli
from mlcourse.fingerprint import data_hash, file_sha256, library_versions
from mlcourse.serving import (
    BundleIntegrityError,
    Counter,
    Histogram,
    ModelBundle,
    SchemaValidationError,
    create_app,
    fit_scaling,
    infer_schema,
    serve_in_background,
    tabular_mlp,
    validate_records,
)
from tests.bundle_files import resign

with warnings.catch_warnings():
    # Starlette asks for the httpx2 fork; the TestClient works the same with httpx (a dependency).
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    return X, y, model


def mixed_frame(n: int = 120, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "income": rng.normal(50.0, 10.0, n),
            "age": rng.integers(18, 80, n),
            "smoker": rng.random(n) < 0.3,
            "region": pd.Categorical(rng.choice(["north", "south", "east"], n)),
            "debt": np.where(rng.random(n) < 0.1, np.nan, rng.normal(5.0, 2.0, n)),
        }
    )
    y = (X["income"] / 10 + (X["region"] == "south") + rng.normal(0, 1, n) > 6).astype(int).to_numpy()
    return X, y


@pytest.fixture(scope="module")
def mixed():
    X, y = mixed_frame()
    prep = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["region"]),
        (SimpleImputer(), ["debt"]),
        remainder="passthrough",
    )
    model = make_pipeline(prep, StandardScaler(), LogisticRegression()).fit(X, y)
    return X, y, model


@pytest.fixture(scope="module")
def cancer_bundle(cancer, tmp_path_factory):
    X, y, model = cancer
    bundle = ModelBundle.from_model(model, X, y, metrics={"roc_auc": 0.99}, version="3", name="cancer")
    return bundle, bundle.save(tmp_path_factory.mktemp("bundles") / "cancer")


@pytest.fixture(scope="module")
def mixed_bundle(mixed):
    X, y, model = mixed
    return ModelBundle.from_model(model, X, y, name="mixed", version="1")


@pytest.fixture(scope="module")
def mixed_client(mixed_bundle):
    with TestClient(create_app(mixed_bundle, max_batch=5)) as client:
        yield client


GOOD = {"income": 50.0, "age": 40, "smoker": False, "region": "north", "debt": 4.0}


def copy_bundle(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for f in src.iterdir():
        (dst / f.name).write_bytes(f.read_bytes())
    return dst


def edit_metadata(directory: Path, **changes) -> None:
    """Change metadata.json and write a manifest that matches: an attacker who can rewrite every file."""
    meta = json.loads((directory / "metadata.json").read_text())
    meta.update(changes)
    (directory / "metadata.json").write_text(json.dumps(meta))
    resign(directory)


class RunsOnUnpickle:
    """Unpickling this creates a marker file: the stand-in for code an attacker wants to run."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


# ---------------------------------------------------------------- schema


def test_infer_schema_kinds_ranges_and_nullability(mixed):
    X, _, _ = mixed
    schema = {s["name"]: s for s in infer_schema(X, range_margin=0.5)}
    assert [s["kind"] for s in schema.values()] == ["float", "int", "bool", "category", "float"]
    assert schema["region"]["values"] == ["east", "north", "south"]
    income, age = schema["income"], schema["age"]
    width = income["max"] - income["min"]
    # widened by half the width, then rounded outwards to 4 significant digits
    assert income["min"] - 0.5 * width - 0.01 < income["low"] <= income["min"] - 0.5 * width
    assert income["max"] + 0.5 * width <= income["high"] < income["max"] + 0.5 * width + 0.01
    assert (age["min"], age["max"]) == (int(X["age"].min()), int(X["age"].max()))
    width = age["max"] - age["min"]  # an integer feature gets whole-number bounds, inside the margin
    assert (age["low"], age["high"]) == (int(np.ceil(age["min"] - 0.5 * width)), int(age["max"] + 0.5 * width))
    assert schema["debt"]["nullable"] and not schema["income"]["nullable"]
    json.dumps(list(schema.values()), allow_nan=False)  # plain JSON, no NaN


def test_infer_schema_from_array_and_without_ranges():
    schema = infer_schema(np.arange(6.0).reshape(3, 2), range_margin=None)
    assert [s["name"] for s in schema] == ["x0", "x1"]
    assert schema[0]["low"] is None and schema[0]["high"] is None
    assert validate_records([{"x0": 1e9, "x1": -1e9}], schema) == [{"x0": 1e9, "x1": -1e9}]


@pytest.mark.parametrize(
    ("X", "kwargs", "error", "match"),
    [
        (pd.DataFrame({"t": pd.to_datetime(["2024-01-01"])}), {}, TypeError, "'t'"),
        (pd.DataFrame({"a": [1.0]}), {"range_margin": -1}, ValueError, "range_margin"),
        (pd.DataFrame({"a": []}), {}, ValueError, "at least one row"),
        (np.zeros(3), {}, ValueError, "2-D"),
        (pd.DataFrame({"a": [np.inf, 1.0]}), {}, ValueError, "'a'"),
        (pd.DataFrame({"a": [np.nan, np.nan]}), {}, ValueError, "all missing"),
    ],
)
def test_infer_schema_rejects_bad_input(X, kwargs, error, match):
    with pytest.raises(error, match=match):
        infer_schema(X, **kwargs)


def test_constant_column_gets_a_nonzero_accepted_range():
    (spec,) = infer_schema(pd.DataFrame({"c": [2.0, 2.0]}))
    assert spec["low"] < 2.0 < spec["high"]


@given(st.data())
def test_values_inside_the_accepted_range_pass_and_outside_fail(data):
    schema = infer_schema(mixed_frame(seed=1)[0])
    record = {
        "income": data.draw(st.floats(schema[0]["low"], schema[0]["high"])),
        "age": data.draw(st.integers(int(np.ceil(schema[1]["low"])), int(np.floor(schema[1]["high"])))),
        "smoker": data.draw(st.booleans()),
        "region": data.draw(st.sampled_from(schema[3]["values"])),
        "debt": data.draw(st.none() | st.floats(schema[4]["low"], schema[4]["high"])),
    }
    assert validate_records([record], schema) == [record]
    field = data.draw(st.sampled_from(["income", "debt"]))
    spec = next(s for s in schema if s["name"] == field)
    bad = dict(record, **{field: spec["high"] + data.draw(st.floats(1e-6, 1e6))})
    with pytest.raises(SchemaValidationError) as info:
        validate_records([bad], schema)
    assert [e["loc"] for e in info.value.errors] == [[0, field]]
    assert field in str(info.value)


# ---------------------------------------------------------------- bundles


def test_round_trip_keeps_predictions_and_records_provenance(cancer, cancer_bundle):
    X, y, model = cancer
    _, path = cancer_bundle
    loaded = ModelBundle.load(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), rtol=0, atol=0)
    meta = loaded.metadata
    for key in ("name", "version", "created", "feature_schema", "metrics", "data_hash", "library_versions"):
        assert key in meta, key
    assert (meta["name"], meta["version"], meta["metrics"]) == ("cancer", "3", {"roc_auc": 0.99})
    assert meta["model_sha256"] == file_sha256(path / "model.pkl")
    assert meta["data_hash"] == data_hash(X, y)
    assert meta["library_versions"]["scikit-learn"] == library_versions(["scikit-learn"])["scikit-learn"]
    assert meta["target"] == {"name": "target", "task": "classification", "classes": [0, 1], "proba": True}
    assert [f["name"] for f in meta["feature_schema"]] == list(X.columns)
    json.loads((path / "metadata.json").read_text())  # strict JSON


def test_predict_accepts_frames_arrays_and_records(mixed, mixed_bundle):
    X, _, model = mixed
    expected = model.predict_proba(X.iloc[:3])
    records = X.iloc[:3].astype(object).where(X.iloc[:3].notna(), None).to_dict("records")
    np.testing.assert_allclose(mixed_bundle.predict_proba(records), expected)
    np.testing.assert_allclose(mixed_bundle.predict_proba(X.iloc[:3, ::-1]), expected)  # column order is fixed
    y_pred, y_proba = mixed_bundle.predict_with_proba(X)
    np.testing.assert_array_equal(y_pred, model.predict(X))
    np.testing.assert_allclose(y_proba, model.predict_proba(X))
    assert mixed_bundle.predict(dict(GOOD)).shape == (1,)
    with pytest.raises(ValueError, match="missing \\['debt'\\]"):
        mixed_bundle.predict(X.drop(columns="debt"))
    with pytest.raises(SchemaValidationError, match="age"):
        mixed_bundle.predict([dict(GOOD, age="forty")])


def test_predict_records_answers_as_predict_with_proba(mixed, mixed_bundle, torch_data):
    X, _, _ = mixed
    records = X.iloc[:6].astype(object).where(X.iloc[:6].notna(), None).to_dict("records")
    rows = validate_records(records, mixed_bundle.feature_schema, validator=mixed_bundle.validator)
    for got, expected in zip(
        mixed_bundle.predict_records(rows), mixed_bundle.predict_with_proba(X.iloc[:6]), strict=True
    ):
        np.testing.assert_array_equal(got, expected)
    rng = np.random.default_rng(0)
    Xa = rng.normal(size=(40, 2))
    regressor = ModelBundle.from_model(LinearRegression().fit(Xa, Xa[:, 0]), Xa, Xa[:, 0])
    rows = validate_records([{"x0": 0.5, "x1": 1.0}], regressor.feature_schema)
    y_pred, y_proba = regressor.predict_records(rows)
    assert y_proba is None and y_pred == pytest.approx(regressor.predict(np.array([[0.5, 1.0]])))
    Xt, yt, model = torch_data
    net = ModelBundle.from_model(model, Xt, yt, output="binary")
    rows = validate_records(Xt.iloc[:5].to_dict("records"), net.feature_schema)
    y_pred, y_proba = net.predict_records(rows)
    np.testing.assert_allclose(y_proba, net.predict_proba(Xt.iloc[:5]), rtol=1e-6)
    np.testing.assert_array_equal(y_pred, net.predict(Xt.iloc[:5]))


def test_one_adapter_per_kind_of_model(cancer_bundle, torch_data):
    from mlcourse.serving._adapters import BY_FLAVOR, SklearnAdapter, TorchAdapter, adapter_for
    from mlcourse.serving._onnx import OnnxAdapter

    assert BY_FLAVOR == {"sklearn": SklearnAdapter, "torch": TorchAdapter, "onnx": OnnxAdapter}
    assert adapter_for(torch_data[2]) is TorchAdapter and adapter_for(cancer_bundle[0].model) is SklearnAdapter
    with pytest.raises(ValueError, match="flavor"):
        ModelBundle(cancer_bundle[0].model, {**cancer_bundle[0].metadata, "flavor": "tensorflow"})


def test_errors_are_named_by_their_public_path_and_pickle():
    err = SchemaValidationError([{"loc": [0, "x"], "msg": "Field required", "type": "missing"}], truncated=True)
    again = pickle.loads(pickle.dumps(err))  # an error raised in a worker process travels pickled
    assert (again.errors, again.truncated, str(again)) == (err.errors, True, str(err))
    for cls in (SchemaValidationError, BundleIntegrityError):
        assert f"{cls.__module__}.{cls.__qualname__}" == f"mlcourse.serving.{cls.__name__}"
        assert issubclass(cls, ValueError)


def test_array_trained_models_get_arrays():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 3)), rng.normal(size=50)
    model = LinearRegression().fit(X, y)
    bundle = ModelBundle.from_model(model, X, y, range_margin=None)
    assert bundle.metadata["input"] == "array" and bundle.feature_names == ["x0", "x1", "x2"]
    np.testing.assert_allclose(bundle.predict(X), model.predict(X))
    np.testing.assert_allclose(bundle.predict([{"x0": 1.0, "x1": 2.0, "x2": 3.0}]), model.predict([[1.0, 2.0, 3.0]]))
    assert not bundle.has_proba
    with pytest.raises(AttributeError, match="predict_proba"):
        bundle.predict_proba(X)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"model": LogisticRegression()}, ValueError, "not fitted"),
        ({"model": object()}, TypeError, "predict"),
        ({"name": ""}, ValueError, "name"),
        ({"version": None}, ValueError, "version"),
        ({"metrics": {"auc": "high"}}, TypeError, "metrics"),
        ({"y": [0, 1]}, ValueError, "same length"),
    ],
)
def test_from_model_rejects_bad_arguments(cancer, kwargs, error, match):
    X, y, model = cancer
    args = {"model": model, "X": X, "y": y, **kwargs}
    with pytest.raises(error, match=match):
        ModelBundle.from_model(args.pop("model"), args.pop("X"), args.pop("y"), **args)


def test_tampered_model_file_is_refused_before_unpickling(cancer_bundle, tmp_path):
    _, path = cancer_bundle
    bundle = copy_bundle(path, tmp_path / "b")
    marker = tmp_path / "code-ran"
    (bundle / "model.pkl").write_bytes(pickle.dumps(RunsOnUnpickle(marker)))
    with pytest.raises(BundleIntegrityError, match=r"sha256 .* does not match"):
        ModelBundle.load(bundle)
    assert not marker.exists(), "the file was unpickled before its hash was checked"
    # The same pickle, loaded without the check, does run code: the check is what stopped it.
    pickle.loads((bundle / "model.pkl").read_bytes())
    assert marker.exists()


def test_one_flipped_byte_is_refused(cancer_bundle, tmp_path):
    _, path = cancer_bundle
    bundle = copy_bundle(path, tmp_path / "b")
    data = bytearray((bundle / "model.pkl").read_bytes())
    data[len(data) // 2] ^= 1
    (bundle / "model.pkl").write_bytes(bytes(data))
    with pytest.raises(BundleIntegrityError, match=r"model\.pkl"):
        ModelBundle.load(bundle)


def test_a_pinned_digest_catches_a_consistent_swap(cancer, cancer_bundle, tmp_path):
    X, y, _ = cancer
    _bundle_1, path = cancer_bundle
    pinned = ModelBundle.verify(path)
    other = ModelBundle.from_model(make_pipeline(StandardScaler(), LogisticRegression(C=0.01)).fit(X, y), X, y)
    swapped = other.save(tmp_path / "swapped")  # every file agrees with the others
    assert ModelBundle.load(swapped).digest == other.digest != pinned
    with pytest.raises(BundleIntegrityError, match="pinned"):
        ModelBundle.load(swapped, expected_sha256=pinned)
    assert ModelBundle.load(path, expected_sha256=pinned.upper()).digest == pinned


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"model_file": "../../etc/passwd"}, "model_file"),
        ({"format": "something-else/9"}, "format"),
        ({"model_sha256": "abc"}, "64"),
        ({"feature_schema": []}, "feature_schema"),
    ],
)
def test_malformed_metadata_is_refused(cancer_bundle, tmp_path, change, match):
    bundle = copy_bundle(cancer_bundle[1], tmp_path / "b")
    edit_metadata(bundle, **change)
    with pytest.raises(BundleIntegrityError, match=match):
        ModelBundle.load(bundle)


def test_missing_or_broken_files(cancer_bundle, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"manifest\.json: missing"):
        ModelBundle.load(tmp_path)
    bundle = copy_bundle(cancer_bundle[1], tmp_path / "b")
    (bundle / "metadata.json").write_text("{not json")
    with pytest.raises(BundleIntegrityError, match=r"metadata\.json: sha256 .* recorded in manifest\.json"):
        ModelBundle.load(bundle)
    resign(bundle)  # a manifest that vouches for the broken file: still refused, and never a raw error
    with pytest.raises(BundleIntegrityError, match="not valid JSON"):
        ModelBundle.load(bundle)
    (bundle / "model.pkl").unlink()
    with pytest.raises((FileNotFoundError, BundleIntegrityError)):
        ModelBundle.load(bundle)
    other = copy_bundle(cancer_bundle[1], tmp_path / "c")
    (other / "model.pkl").unlink()
    with pytest.raises(FileNotFoundError, match=r"model\.pkl: missing"):
        ModelBundle.load(other)


def test_library_version_mismatch_warns_and_still_loads(cancer_bundle, tmp_path):
    bundle = copy_bundle(cancer_bundle[1], tmp_path / "b")
    meta = json.loads((bundle / "metadata.json").read_text())
    edit_metadata(bundle, library_versions={**meta["library_versions"], "scikit-learn": "0.0.1"})
    here = library_versions(["scikit-learn"])["scikit-learn"]
    with pytest.warns(UserWarning, match=f"scikit-learn 0.0.1, this environment has scikit-learn {here}"):
        loaded = ModelBundle.load(bundle)
    assert loaded.metadata["name"] == "cancer"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ModelBundle.load(cancer_bundle[1])  # matching versions: silent


def test_save_overwrites_and_metadata_is_a_copy(cancer_bundle, tmp_path):
    bundle, _ = cancer_bundle
    path = bundle.save(tmp_path / "x")
    assert bundle.save(path) == path
    assert sorted(p.name for p in path.iterdir()) == ["manifest.json", "metadata.json", "model.pkl"]  # no temp files
    meta = bundle.metadata
    meta["name"] = "changed"
    assert bundle.metadata["name"] == "cancer"


# ---------------------------------------------------------------- torch


@pytest.fixture(scope="module")
def torch_data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)) * [1.0, 10.0, 0.1], columns=["a", "b", "c"])
    y = pd.Series((X["a"] + X["b"] / 10 > 0).astype(int), name="label")
    torch.manual_seed(0)
    model = fit_scaling(tabular_mlp(3, hidden_sizes=[8]), X)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    Xt, yt = torch.tensor(X.to_numpy(), dtype=torch.float32), torch.tensor(y.to_numpy(), dtype=torch.float32)
    for _ in range(150):
        opt.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(model(Xt).squeeze(1), yt).backward()
        opt.step()
    return X, y, model.eval()


def test_torch_bundle_round_trip(torch_data, tmp_path):
    X, y, model = torch_data
    bundle = ModelBundle.from_model(model, X, y, output="binary")
    path = bundle.save(tmp_path / "t")
    assert (path / "model.pt").exists() and not (path / "model.pkl").exists()
    loaded = ModelBundle.load(path)
    with torch.no_grad():
        p = torch.sigmoid(model(torch.tensor(X.to_numpy(), dtype=torch.float32))).squeeze(1).double().numpy()
    np.testing.assert_allclose(loaded.predict_proba(X)[:, 1], p, rtol=1e-6)
    assert (loaded.predict(X) == y).mean() > 0.95
    assert loaded.metadata["torch"]["factory"] == "mlcourse.serving._torch:tabular_mlp"
    np.testing.assert_allclose(loaded.model.input_scale.numpy(), X.std(ddof=0).to_numpy(), rtol=1e-5)


def test_torch_weights_file_holding_code_is_refused_even_with_a_matching_hash(torch_data, tmp_path):
    X, y, model = torch_data
    path = ModelBundle.from_model(model, X, y, output="binary").save(tmp_path / "t")
    marker = tmp_path / "code-ran"
    torch.save({**model.state_dict(), "evil": RunsOnUnpickle(marker)}, path / "model.pt")
    edit_metadata(path, model_sha256=file_sha256(path / "model.pt"))  # an attacker who rewrites both files
    with pytest.raises(BundleIntegrityError, match="more than tensors"):
        ModelBundle.load(path)
    assert not marker.exists()


def test_torch_multiclass_and_regression_outputs(tmp_path):
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(30, 2)), columns=["u", "v"])
    multi = tabular_mlp(2, [4], n_outputs=3)
    bundle = ModelBundle.from_model(multi, X, np.array(["a", "b", "c"] * 10), output="multiclass")
    loaded = ModelBundle.load(bundle.save(tmp_path / "m"))
    proba = loaded.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert set(loaded.predict(X)) <= {"a", "b", "c"} and loaded.classes == ["a", "b", "c"]
    reg = ModelBundle.from_model(tabular_mlp(2, [4]), X, rng.normal(size=30), output="regression")
    assert reg.predict(X).shape == (30,) and not reg.has_proba


def test_torch_bundle_needs_output_and_a_factory(torch_data):
    X, y, model = torch_data
    with pytest.raises(ValueError, match="output"):
        ModelBundle.from_model(model, X, y)
    with pytest.raises(ValueError, match="factory"):
        ModelBundle.from_model(torch.nn.Sequential(torch.nn.Linear(3, 1)), X, y, output="binary")
    with pytest.raises(ValueError, match="does not fit"):
        ModelBundle.from_model(model, X, y, output="binary", factory_kwargs={"n_features": 3, "hidden_sizes": [5]})
    with pytest.raises(ValueError, match="cannot be imported"):
        ModelBundle.from_model(model, X, y, output="binary", factory="nowhere.at_all:f")


def linear_net(n_features: int) -> torch.nn.Module:
    """A custom architecture factory, importable as ``tests.test_serving:linear_net``."""
    return torch.nn.Sequential(torch.nn.Linear(n_features, 1))


def test_the_loader_runs_only_factories_it_trusts(torch_data, tmp_path):
    X, y, model = torch_data
    path = ModelBundle.from_model(model, X, y, output="binary").save(tmp_path / "t")
    marker = tmp_path / "code-ran"
    # metadata.json is not covered by the model's hash: an attacker could name any function there.
    edit_metadata(
        path,
        torch={"factory": "subprocess:run", "factory_kwargs": {"args": ["touch", str(marker)]}, "output": "binary"},
    )
    with pytest.raises(BundleIntegrityError, match="not one this loader trusts"):
        ModelBundle.load(path)
    assert not marker.exists()

    custom = linear_net(3)
    bundle = ModelBundle.from_model(
        custom, X, y, output="binary", factory="tests.test_serving:linear_net", factory_kwargs={"n_features": 3}
    )
    saved = bundle.save(tmp_path / "custom")
    with pytest.raises(BundleIntegrityError, match=re.escape("factories=['tests.test_serving:linear_net']")):
        ModelBundle.load(saved)
    loaded = ModelBundle.load(saved, factories=["tests.test_serving:linear_net"])
    np.testing.assert_allclose(loaded.predict_proba(X), bundle.predict_proba(X), rtol=1e-6)


def test_no_serving_module_imports_one_that_imports_it_back():
    """The errors live in a module that imports nothing of the package: no import cycle can come back."""
    import ast

    import mlcourse.serving as serving

    folder = Path(serving.__file__).parent
    imports = {}
    for path in folder.glob("_*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):  # function-level imports count too
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mlcourse.serving"):
                names = [node.module.rsplit(".", 1)[-1]] if node.module != "mlcourse.serving" else []
                found |= {n for n in names + [a.name for a in node.names] if (folder / f"{n}.py").exists()}
        imports[path.stem] = found - {path.stem}
    assert imports["_errors"] == set()

    def reaches(start, goal, seen=()):
        return any(m == goal or (m not in seen and reaches(m, goal, (*seen, m))) for m in imports[start])

    assert not [m for m in imports if reaches(m, m)], imports


# ---------------------------------------------------------------- the app (in process)


def test_health_metadata_and_predict(cancer, cancer_bundle):
    X, _, model = cancer
    bundle, _ = cancer_bundle
    with TestClient(create_app(bundle)) as client:
        assert client.get("/health").json() == {"status": "ok", "name": "cancer", "version": "3"}
        assert client.get("/metadata").json() == {**bundle.metadata, "bundle_sha256": bundle.digest}
        records = X.iloc[:4].to_dict("records")
        batch = client.post("/predict", json={"records": records}).json()
        assert batch["predictions"] == model.predict(X.iloc[:4]).tolist()
        np.testing.assert_allclose(batch["probabilities"], model.predict_proba(X.iloc[:4]), rtol=1e-12)
        assert batch["classes"] == [0, 1] and (batch["name"], batch["version"]) == ("cancer", "3")
        one = client.post("/predict", json={"record": records[0]}).json()
        assert one["prediction"] == batch["predictions"][0]
        np.testing.assert_allclose(one["probabilities"], batch["probabilities"][0], rtol=1e-12)
        docs = client.get("/openapi.json").json()
        assert "records" in json.dumps(docs["paths"]["/predict"]["post"]["requestBody"])


def test_regressor_and_torch_responses(torch_data):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(40, 2)), columns=["u", "v"])
    y = X["u"] * 2 - X["v"]
    regressor = ModelBundle.from_model(LinearRegression().fit(X, y), X, y)
    with TestClient(create_app(regressor)) as client:
        answer = client.post("/predict", json={"records": [{"u": 1.0, "v": 0.5}]}).json()
    assert set(answer) == {"name", "version", "predictions"}
    assert answer["predictions"] == pytest.approx([1.5])

    Xt, yt, model = torch_data
    bundle = ModelBundle.from_model(model, Xt, yt, output="binary")
    with TestClient(create_app(bundle)) as client:
        answer = client.post("/predict", json={"record": {"a": 0.5, "b": 1.0, "c": 0.0}}).json()
        bad = client.post("/predict", json={"record": {"a": 0.5, "b": 1.0, "c": "0"}})
    np.testing.assert_allclose(
        answer["probabilities"],
        bundle.predict_proba(pd.DataFrame([[0.5, 1.0, 0.0]], columns=["a", "b", "c"]))[0],
        rtol=1e-6,
    )
    assert answer["prediction"] in (0, 1) and answer["classes"] == [0, 1]
    assert bad.status_code == 422 and "record.c" in bad.json()["message"]


@pytest.mark.parametrize(
    ("record", "field", "words"),
    [
        ({k: v for k, v in GOOD.items() if k != "income"}, "income", "Field required"),
        (dict(GOOD, income="50"), "income", "valid number"),
        (dict(GOOD, income=True), "income", "valid number"),
        (dict(GOOD, income=1e6), "income", "less than or equal"),
        (dict(GOOD, income=-1e6), "income", "greater than or equal"),
        (dict(GOOD, age=40.5), "age", "valid integer"),
        (dict(GOOD, age="40"), "age", "valid integer"),
        (dict(GOOD, smoker="yes"), "smoker", "valid boolean"),
        (dict(GOOD, region="west"), "region", "'east', 'north' or 'south'"),
        (dict(GOOD, income=None), "income", "valid number"),
        (dict(GOOD, colour="red"), "colour", "Extra inputs"),
    ],
)
def test_bad_fields_are_422_naming_the_field(mixed_client, record, field, words):
    for body, loc in (({"record": record}, ["record", field]), ({"records": [GOOD, record]}, ["records", 1, field])):
        r = mixed_client.post("/predict", json=body)
        assert r.status_code == 422, r.text
        assert field in r.json()["message"] and words in r.json()["message"]
        assert [e["loc"] for e in r.json()["detail"]] == [loc]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinity_are_422(mixed_client, literal):
    body = json.dumps({"record": GOOD}).replace('"income": 50.0', f'"income": {literal}')
    r = mixed_client.post("/predict", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422 and "income: Input should be a finite number" in r.json()["message"]


def test_null_is_accepted_only_where_training_data_had_missing_values(mixed_client, mixed_bundle):
    r = mixed_client.post("/predict", json={"record": dict(GOOD, debt=None)})
    assert r.status_code == 200
    np.testing.assert_allclose(r.json()["probabilities"], mixed_bundle.predict_proba([dict(GOOD, debt=None)])[0])


@pytest.mark.parametrize(
    ("content", "status", "words"),
    [
        (b'{"record": ', 400, "not valid JSON"),
        (b"\xff\xfe", 400, "not valid JSON"),
        (b"[" * 100_000, 400, "not valid JSON"),
        (b"", 400, "not valid JSON"),
        (b"[1, 2]", 422, '{"records"'),
        (b'{"records": [], "record": {}}', 422, '{"records"'),
        (b'{"rows": []}', 422, '{"records"'),
        (b'{"records": []}', 422, "non-empty list"),
        (b'{"records": {"a": 1}}', 422, "non-empty list"),
        (b'{"record": [1, 2]}', 422, "record: Input should be a valid dictionary"),
        (json.dumps({"records": [GOOD] * 6}).encode(), 413, "at most 5"),
    ],
)
def test_malformed_bodies_are_4xx_with_a_message(mixed_client, content, status, words):
    r = mixed_client.post("/predict", content=content, headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    assert words in r.json()["message"]


def test_oversized_body_is_413_without_parsing(mixed_bundle):
    with TestClient(create_app(mixed_bundle, max_body_bytes=200)) as client:
        r = client.post("/predict", json={"records": [GOOD] * 3})
        assert r.status_code == 413 and "larger than 200 bytes" in r.json()["message"]
        assert client.post("/predict", json={"record": GOOD}).status_code == 200


def test_create_app_checks_its_arguments(mixed_bundle):
    with pytest.raises(TypeError, match="ModelBundle"):
        create_app(object())
    with pytest.raises(ValueError, match="max_batch"):
        create_app(mixed_bundle, max_batch=0)
    with pytest.raises(ValueError, match="max_body_bytes"):
        create_app(mixed_bundle, max_body_bytes=-1)
    with pytest.raises(TypeError, match="max_batch must be an instance of Integral, not bool"):
        create_app(mixed_bundle, max_batch=True)
    with pytest.raises(TypeError, match="max_body_bytes"):
        create_app(mixed_bundle, max_body_bytes=1e6)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: tabular_mlp(0), ValueError, "n_features == 0"),
        (lambda: tabular_mlp(True), TypeError, "n_features must be an instance of Integral, not bool"),
        (lambda: tabular_mlp(3, n_outputs=0), ValueError, "n_outputs"),
        (lambda: tabular_mlp(3, hidden_sizes=[4, 0]), ValueError, r"hidden_sizes\[1\]"),
        (lambda: tabular_mlp(3, hidden_sizes=[True]), TypeError, r"hidden_sizes\[0\]"),
        (lambda: infer_schema(np.ones((2, 1)), range_margin=True), TypeError, "range_margin"),
        (lambda: infer_schema(np.ones((2, 1)), range_margin=float("nan")), ValueError, "range_margin"),
    ],
)
def test_number_arguments_refuse_bools_and_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_tabular_mlp_takes_numpy_integers_and_records_plain_ints():
    model = tabular_mlp(np.int64(3), hidden_sizes=np.array([4]), n_outputs=np.int32(2))
    assert json.dumps(model.factory_kwargs) == '{"n_features": 3, "hidden_sizes": [4], "n_outputs": 2}'


# ---------------------------------------------------------------- /metrics


def samples(text: str) -> dict[tuple, float]:
    """Every sample of a Prometheus text page, keyed by (name, sorted labels), as parsed by prometheus_client."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = {k: (str(float(v)) if k == "le" and v != "+Inf" else v) for k, v in s.labels.items()}
            out[(s.name, tuple(sorted(labels.items())))] = s.value
    return out


def test_metrics_count_requests_by_route_and_status(mixed_bundle):
    with TestClient(create_app(mixed_bundle)) as client:
        for _ in range(3):
            client.post("/predict", json={"records": [GOOD, GOOD]})
        client.post("/predict", json={"record": dict(GOOD, age="x")})
        client.get("/health")
        client.get("/no/such/page?x=1")
        got = samples(client.get("/metrics").text)
        r = client.get("/metrics")
        assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    key = ("mlcourse_requests_total", (("method", "POST"), ("path", "/predict"), ("status", "200")))
    assert got[key] == 3
    assert got[("mlcourse_requests_total", (("method", "POST"), ("path", "/predict"), ("status", "422")))] == 1
    assert got[("mlcourse_requests_total", (("method", "GET"), ("path", "other"), ("status", "404")))] == 1
    assert got[("mlcourse_predictions_total", (("name", "mixed"), ("version", "1")))] == 6
    assert got[("mlcourse_request_duration_seconds_count", (("path", "/predict"),))] == 4
    assert got[("mlcourse_request_duration_seconds_bucket", (("le", "+Inf"), ("path", "/predict")))] == 4
    assert got[("mlcourse_model_info", (("name", "mixed"), ("version", "1")))] == 1


@given(st.lists(st.tuples(st.sampled_from(["a", 'q"uote', "back\\slash", "new\nline"]), st.floats(0, 20)), max_size=30))
def test_text_format_parity_with_prometheus_client(observations):
    buckets = (0.5, 1.0, 2.5, 10.0)
    ours_c, ours_h = Counter("x_total", "X.", ["k"]), Histogram("y_seconds", "Y.", ["k"], buckets=buckets)
    registry = CollectorRegistry()
    theirs_c = PCounter("x", "X.", ["k"], registry=registry)
    theirs_h = PHistogram("y_seconds", "Y.", ["k"], buckets=buckets, registry=registry)
    for label, value in observations:
        ours_c.inc((label,), value)
        ours_h.observe((label,), value)
        theirs_c.labels(label).inc(value)
        theirs_h.labels(label).observe(value)
    ours = samples(ours_c.render() + "\n" + ours_h.render() + "\n")
    theirs = {k: v for k, v in samples(generate_latest(registry).decode()).items() if not k[0].endswith("_created")}
    assert ours.keys() == theirs.keys()
    for key, value in theirs.items():
        assert ours[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key


def test_metric_classes_reject_misuse():
    with pytest.raises(ValueError, match="only goes up"):
        Counter("c", "C.").inc((), -1)
    with pytest.raises(ValueError, match="labels"):
        Counter("c", "C.", ["a"]).inc(())
    with pytest.raises(ValueError, match="increasing"):
        Histogram("h", "H.", buckets=(2.0, 1.0))


# ---------------------------------------------------------------- on a real socket


def test_served_over_a_real_socket_matches_batch_scoring(mixed, mixed_bundle, tmp_path):
    X, _, _ = mixed
    path = mixed_bundle.save(tmp_path / "b")
    log = tmp_path / "server.log"
    records = X.iloc[:20].astype(object).where(X.iloc[:20].notna(), None).to_dict("records")
    pinned = mixed_bundle.digest  # set by save(): the value to pin
    with serve_in_background(path, log_path=log, expected_sha256=pinned) as url:
        host, port = url.removeprefix("http://").split(":")
        assert host == "127.0.0.1"
        with httpx.Client(base_url=url, timeout=10) as client:
            assert client.get("/health").json()["status"] == "ok"
            online = [client.post("/predict", json={"record": r}).json()["probabilities"] for r in records]
            batch = client.post("/predict", json={"records": records}).json()["probabilities"]
            bad = client.post("/predict", json={"record": dict(GOOD, region="west")})
    np.testing.assert_allclose(online, mixed_bundle.predict_proba(X.iloc[:20]), rtol=1e-12)
    np.testing.assert_allclose(batch, online, rtol=1e-12)
    assert bad.status_code == 422 and "region" in bad.json()["message"]
    with socket.socket() as s:  # stopped: nothing listens on the port any more
        assert s.connect_ex(("127.0.0.1", int(port))) != 0
    assert "Traceback" not in log.read_text()


def test_serving_a_tampered_bundle_fails_to_start(cancer_bundle, tmp_path):
    bundle = copy_bundle(cancer_bundle[1], tmp_path / "b")
    (bundle / "model.pkl").write_bytes(pickle.dumps({"not": "the model"}))
    with pytest.raises(RuntimeError, match=r"exited with code 1(.|\n)*does not match"):
        with serve_in_background(bundle, timeout=60):
            pass  # pragma: no cover - never reached


@pytest.mark.skipif(sys.platform == "win32", reason="the parent watch is POSIX only")
def test_the_server_does_not_outlive_a_killed_parent(cancer_bundle):
    script = (
        "import sys, time\n"
        "from mlcourse.serving import serve_in_background\n"
        "with serve_in_background(sys.argv[1]) as url:\n"
        "    print(url, flush=True)\n"
        "    time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script, str(cancer_bundle[1])], stdout=subprocess.PIPE, text=True)
    try:
        url = parent.stdout.readline().strip()
        assert httpx.get(f"{url}/health").status_code == 200
    finally:
        parent.kill()  # SIGKILL: no finally block, no context manager exit runs in the parent
        parent.wait()
        parent.stdout.close()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/health", timeout=0.5)
        except httpx.TransportError:
            return  # the orphaned server noticed and stopped
        time.sleep(0.1)
    pytest.fail("the server kept running after the process that started it was killed")


def test_a_wrong_pinned_hash_stops_the_start(cancer_bundle):
    with pytest.raises(RuntimeError, match="pinned"):
        with serve_in_background(cancer_bundle[1], expected_sha256="0" * 64):
            pass  # pragma: no cover


def test_serve_in_background_checks_its_arguments(cancer_bundle, tmp_path):
    with pytest.raises(FileNotFoundError, match="not a model bundle"):
        with serve_in_background(tmp_path):
            pass  # pragma: no cover
    with pytest.raises(ValueError, match="timeout"):
        with serve_in_background(cancer_bundle[1], timeout=0):
            pass  # pragma: no cover
    with pytest.raises(TypeError, match="timeout must be an instance of Real, not bool"):
        with serve_in_background(cancer_bundle[1], timeout=True):
            pass  # pragma: no cover


def test_mlcourse_serve_command_answers_on_the_given_port(cancer_bundle, tmp_path):
    _, path = cancer_bundle
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "mlcourse.cli", "serve", str(path), "--port", str(port), "--log-level", "warning"]
    with open(tmp_path / "log", "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "log").read_text()
                time.sleep(0.05)
        assert r.json()["name"] == "cancer"
    finally:
        proc.terminate()
        # uvicorn shuts down gracefully on SIGTERM, then re-raises it: exit by that signal (or 0).
        assert proc.wait(timeout=20) in (0, -signal.SIGTERM)


@pytest.mark.parametrize(
    "argv",
    [
        ["serve"],
        ["serve", "/no/such/folder"],
        ["serve", "{bundle}", "--port", "70000"],
        ["serve", "{bundle}", "--port", "eighty"],
        ["serve", "{bundle}", "--workers", "0"],
        ["serve", "{bundle}", "--sha256", "abc"],
        ["serve", "{bundle}", "--log-level", "loud"],
        ["serve", "{empty}"],
    ],
)
def test_serve_usage_errors_exit_2(argv, cancer_bundle, tmp_path, capsys):
    argv = [a.format(bundle=cancer_bundle[1], empty=tmp_path) for a in argv]
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert "mlcourse serve" in capsys.readouterr().err


def test_serve_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["serve", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--host", "--port", "--workers", "--sha256", "--trust-factory", "BUNDLE"):
        assert option in out
    assert "--fd" not in out


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_non_finite_metric_is_refused_naming_it(bad):
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
    y = [0, 0, 1, 1]
    with pytest.raises(ValueError, match=r"metrics\['auc'\] must be a finite number"):
        ModelBundle.from_model(LogisticRegression().fit(X, y), X, y, metrics={"auc": bad})
