"""The ONNX kind of ModelBundle: lesson 11's breast-cancer pipeline exported with skl2onnx, and a
network exported with torch.onnx, saved, checked, loaded and served through the same HTTP app; their
answers equal the original models' within float32 tolerance."""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import numpy as np
import onnx
import pandas as pd
import pytest
import torch
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlcourse import data
from mlcourse.quantize import onnx_dynamic_int8, to_onnx
from mlcourse.serving import BundleIntegrityError, ModelBundle, _adapters, create_app
from mlcourse.serving._onnx import OnnxAdapter
from tests.bundle_files import resign

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def cancer():
    X, y = data.load("breast_cancer", return_X_y=True)  # 1 = malignant
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    return X, y, model


@pytest.fixture
def cancer_bundle(cancer, tmp_path):
    X, y, model = cancer
    bundle = ModelBundle.from_model(to_onnx(model, X), X, y, name="cancer-onnx", version="2")
    return bundle, bundle.save(tmp_path / "cancer")


class Net(torch.nn.Module):
    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(n_in, 32), torch.nn.ReLU(), torch.nn.Linear(32, n_out))

    def forward(self, x):
        return self.body(x)


def test_onnx_is_one_more_kind_of_model():
    assert issubclass(OnnxAdapter, _adapters.ModelAdapter) and _adapters.BY_FLAVOR["onnx"] is OnnxAdapter
    assert _adapters.adapter_for(onnx.ModelProto()) is OnnxAdapter
    assert _adapters.adapter_for(LogisticRegression()) is _adapters.SklearnAdapter


def test_the_pipeline_served_over_http_answers_as_the_pipeline(cancer, cancer_bundle):
    X, y, model = cancer
    bundle, path = cancer_bundle
    loaded = ModelBundle.load(path, expected_sha256=bundle.digest)
    meta = loaded.metadata
    assert meta["flavor"] == "onnx" and meta["model_file"] == "model.onnx" and sorted(path.iterdir())
    assert meta["target"]["classes"] == [0, 1] and meta["onnx"]["output"] == "label_proba"
    assert {"onnx", "onnxruntime"} <= set(meta["library_versions"])
    assert {p.name for p in path.iterdir()} == {"model.onnx", "metadata.json", "manifest.json"}
    with TestClient(create_app(loaded)) as client:
        assert client.get("/health").json() == {"status": "ok", "name": "cancer-onnx", "version": "2"}
        records = X.iloc[:50].to_dict("records")
        batch = client.post("/predict", json={"records": records}).json()
        one = client.post("/predict", json={"record": records[0]}).json()
        bad = client.post("/predict", json={"record": {**records[0], "mean radius": "big"}})
    assert batch["classes"] == [0, 1]
    np.testing.assert_allclose(batch["probabilities"], model.predict_proba(X.iloc[:50]), atol=1e-5)
    assert batch["predictions"] == model.predict(X.iloc[:50]).tolist()
    assert one["prediction"] == batch["predictions"][0]
    assert bad.status_code == 422 and "mean radius" in bad.json()["message"]
    # every row, in process: the same labels, probabilities within float32 rounding
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), atol=1e-5)
    assert (loaded.predict(X) == model.predict(X)).mean() == 1.0
    assert (loaded.predict(X.to_numpy()) == y.to_numpy()).mean() > 0.98


def test_a_torch_network_served_over_http_answers_as_the_network(tmp_path):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 4)), columns=["a", "b", "c", "d"])
    y = (X["a"] + X["b"] * X["c"] > 0).astype(int).map({0: "no", 1: "yes"})
    torch.manual_seed(0)
    net = Net(4, 2)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.05)
    Xt, yt = torch.tensor(X.to_numpy(), dtype=torch.float32), torch.tensor((y == "yes").to_numpy()).long()
    for _ in range(100):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(Xt), yt).backward()
        optimizer.step()
    with torch.no_grad():
        expected = torch.softmax(net(Xt), dim=1).numpy()
    bundle = ModelBundle.from_model(to_onnx(net, X), X, y, output="multiclass", name="net")
    loaded = ModelBundle.load(bundle.save(tmp_path / "net"), expected_sha256=bundle.digest)
    assert loaded.classes == ["no", "yes"]
    with TestClient(create_app(loaded)) as client:
        answer = client.post("/predict", json={"records": X.iloc[:20].to_dict("records")}).json()
    np.testing.assert_allclose(answer["probabilities"], expected[:20], atol=1e-5)
    assert answer["predictions"] == np.array(["no", "yes"])[expected[:20].argmax(1)].tolist()
    np.testing.assert_allclose(loaded.predict_proba(X), expected, atol=1e-5)

    binary = Net(4, 1)
    bundle = ModelBundle.from_model(to_onnx(binary, X), X, y, output="binary")
    with torch.no_grad():
        p = torch.sigmoid(binary(Xt)).numpy().ravel()
    np.testing.assert_allclose(bundle.predict_proba(X)[:, 1], p, atol=1e-6)
    regressor = ModelBundle.from_model(to_onnx(Net(4, 1), X), X, X["a"] * 2, output="regression")
    assert regressor.predict(X).shape == (300,) and regressor.classes is None


def test_an_int8_network_and_a_regression_pipeline_bundle_too(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.3
    model = LinearRegression().fit(X, y)
    bundle = ModelBundle.from_model(to_onnx(model, X), X, y, output="regression")
    loaded = ModelBundle.load(bundle.save(tmp_path / "lin"))
    np.testing.assert_allclose(loaded.predict(X), model.predict(X), rtol=1e-4, atol=1e-4)
    with TestClient(create_app(loaded)) as client:
        answer = client.post("/predict", json={"record": {"x0": 1.0, "x1": 0.0, "x2": 0.0}}).json()
    assert answer["prediction"] == pytest.approx(1.3, abs=1e-4)
    torch.manual_seed(2)
    net = torch.nn.Sequential(torch.nn.Linear(3, 512), torch.nn.ReLU(), torch.nn.Linear(512, 1))
    float_model = to_onnx(net, X)
    int8 = ModelBundle.from_model(onnx_dynamic_int8(float_model), X, y, output="regression")
    path = int8.save(tmp_path / "int8")
    assert (path / "model.onnx").stat().st_size < 0.6 * len(float_model.SerializeToString())  # biases stay float
    with torch.no_grad():
        expected = net(torch.tensor(X, dtype=torch.float32)).numpy().ravel()
    np.testing.assert_allclose(ModelBundle.load(path).predict(X), expected, atol=0.05)


# ---------------------------------------------------------------- the same integrity checks


def test_a_changed_model_file_is_refused(cancer_bundle):
    _, path = cancer_bundle
    data = bytearray((path / "model.onnx").read_bytes())
    data[len(data) // 2] ^= 1
    (path / "model.onnx").write_bytes(bytes(data))
    with pytest.raises(BundleIntegrityError, match=r"model\.onnx"):
        ModelBundle.load(path)


def test_a_pinned_digest_catches_a_consistent_swap(cancer, cancer_bundle, tmp_path):
    X, y, _ = cancer
    bundle, _ = cancer_bundle
    other = make_pipeline(StandardScaler(), LogisticRegression(C=0.01)).fit(X, y)
    swapped = ModelBundle.from_model(to_onnx(other, X), X, y).save(tmp_path / "swapped")
    assert ModelBundle.load(swapped).digest != bundle.digest
    with pytest.raises(BundleIntegrityError, match="pinned"):
        ModelBundle.load(swapped, expected_sha256=bundle.digest)


def _rewrite(path: Path, model_bytes: bytes | None = None, **onnx_fields) -> None:
    """Change the model file and/or metadata's onnx fields, then make every hash agree again."""
    meta = json.loads((path / "metadata.json").read_text())
    if model_bytes is not None:
        (path / "model.onnx").write_bytes(model_bytes)
        meta["model_sha256"] = hashlib.sha256(model_bytes).hexdigest()
    meta["onnx"].update(onnx_fields)
    (path / "metadata.json").write_text(json.dumps(meta, indent=2))
    resign(path)


def test_a_consistent_bundle_whose_graph_is_not_the_recorded_one_is_refused(cancer_bundle):
    _, path = cancer_bundle
    _rewrite(path, input="features")
    with pytest.raises(BundleIntegrityError, match="recorded"):
        ModelBundle.load(path)


def test_a_consistent_bundle_whose_file_is_not_onnx_is_refused(cancer_bundle):
    _, path = cancer_bundle
    _rewrite(path, model_bytes=b"\x08\x01this is not a protobuf of a model")
    with pytest.raises(BundleIntegrityError, match="does not parse or check"):
        ModelBundle.load(path)


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"output": "logits"}, "onnx.input, dtype, output"),
        ({"dtype": "int8"}, "dtype"),
        ({"outputs": "label"}, "output"),
    ],
)
def test_malformed_onnx_metadata_is_refused(cancer_bundle, fields, match):
    _, path = cancer_bundle
    _rewrite(path, **fields)
    with pytest.raises(BundleIntegrityError, match=match):
        ModelBundle.verify(path)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"output": "binary"}, ValueError, "does not fit a graph"),
        ({"output": "softmax"}, ValueError, "output must be one of"),
    ],
)
def test_bad_options_are_named(cancer, kwargs, error, match):
    X, y, model = cancer
    with pytest.raises(error, match=match):
        ModelBundle.from_model(to_onnx(model, X), X, y, **kwargs)


def test_a_graph_that_does_not_fit_the_schema_is_refused(cancer):
    X, y, _ = cancer
    net = to_onnx(Net(4, 1), np.zeros((1, 4)))
    with pytest.raises(ValueError, match="matrix of 30 columns"):
        ModelBundle.from_model(net, X, y, output="binary")
    with pytest.raises(ValueError, match="output must be one of"):
        ModelBundle.from_model(to_onnx(Net(30, 1), X), X, y)
