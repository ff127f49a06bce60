"""One small CNN in three frameworks: mlcourse.nn, PyTorch and Keras 3 (on the torch and the
TensorFlow backends), with the same weights copied across by mlcourse.frameworks: the same
predictions, and the same again after each framework's own save and reload (torch ``state_dict``
and ``torch.export``, ``.keras``, TensorFlow SavedModel).

Keras reads ``KERAS_BACKEND`` once, when it is first imported, so every Keras run happens in a
fresh interpreter with the backend set; that interpreter calls ``mlcourse.setup_notebook`` first,
as a lesson does, and must print nothing on stderr (no TensorFlow start-up log)."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from mlcourse import frameworks, nn
from tests.conftest import REPO

TOL = 1e-10  # float64 against float64: the same sums in another order
TOL_FLOAT32 = 1e-5  # float32 (Keras's default dtype, and its matmul precision) against float64
SUBPROCESS_TIMEOUT = 300  # importing keras and tensorflow takes 10-20 s each on a busy machine


def make_net(dtype=np.float64):
    """conv -> relu -> max pool -> flatten -> dense, for 1x8x8 digits, with non-zero biases."""
    rng = np.random.default_rng(0)
    net = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, rng=rng, dtype=dtype),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 10, rng=rng, dtype=dtype),
    )
    net[0].b[...] = 0.1 * rng.normal(size=4)
    net[4].b[...] = 0.1 * rng.normal(size=10)
    return net


def digits(n=64):
    X, _ = load_digits(return_X_y=True)
    return (X[:n] / 16).reshape(-1, 1, 8, 8)


# --- mlcourse.nn and PyTorch, in this process --------------------------------------------------


@pytest.mark.parametrize("dtype, tol", [(np.float64, TOL), (np.float32, TOL_FLOAT32)])
def test_torch_twin_predicts_like_the_numpy_net(dtype, tol):
    net, X = make_net(dtype), digits()
    model = frameworks.to_torch(net).eval()
    with torch.no_grad():
        y_pred = model(torch.from_numpy(X.astype(dtype))).numpy()
    assert y_pred.dtype == dtype
    np.testing.assert_allclose(y_pred, net(X), rtol=tol, atol=tol)


def test_torch_twin_of_every_supported_layer():
    rng = np.random.default_rng(1)
    net = nn.Sequential(
        nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=(1, 0), bias=False, rng=rng),
        nn.Tanh(),
        nn.MaxPool2d(2, stride=1, padding=1),
        nn.Flatten(),
        nn.Dropout(0.5),
        nn.Linear(3 * 5 * 8, 4, rng=rng),
        nn.Sigmoid(),
        nn.Sequential(nn.Linear(4, 2, bias=False, rng=rng)),  # nested: flattened
    ).eval()
    X = rng.normal(size=(3, 2, 8, 8))
    model = frameworks.to_torch(net)
    assert not model.training and len(model) == 8
    with torch.no_grad():
        np.testing.assert_allclose(model(torch.from_numpy(X)).numpy(), net(X), rtol=TOL, atol=TOL)


def test_torch_state_dict_and_torch_export_round_trips(tmp_path):
    net, X = make_net(), digits()
    model = frameworks.to_torch(net).eval()
    X_t = torch.from_numpy(X)
    with torch.no_grad():
        y_pred = model(X_t).numpy()

    torch.save(model.state_dict(), tmp_path / "cnn.pt")
    other = frameworks.to_torch(nn.Sequential(*make_net().layers[:4], nn.Linear(64, 10, rng=99))).eval()
    other.load_state_dict(torch.load(tmp_path / "cnn.pt"))
    with torch.no_grad():
        np.testing.assert_array_equal(other(X_t).numpy(), y_pred)

    torch.export.save(torch.export.export(model, (X_t,)), tmp_path / "cnn.pt2")
    reloaded = torch.export.load(tmp_path / "cnn.pt2").module()
    with torch.no_grad():
        np.testing.assert_allclose(reloaded(X_t).numpy(), y_pred, rtol=TOL, atol=TOL)


def test_bad_networks_are_refused_naming_the_problem():
    with pytest.raises(TypeError, match=r"net must be an mlcourse\.nn\.Sequential"):
        frameworks.to_torch(nn.Linear(2, 2))

    class Square(nn.Module):
        def forward(self, X):
            return X * X

        def backward(self, grad):
            return grad

    with pytest.raises(ValueError, match="Square has no twin here"):
        frameworks.to_torch(nn.Sequential(Square()))
    with pytest.raises(ValueError, match="input_shape must be"):
        frameworks.to_keras(make_net(), (8, 8))
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64'"):
        frameworks.to_keras(make_net(), (1, 8, 8), dtype="float16")


# --- Keras 3, in fresh interpreters -------------------------------------------------------------

KERAS_SCRIPT = """
import json, pickle, sys, time
from pathlib import Path
import numpy as np
import mlcourse as mlc

mlc.setup_notebook(seed=0, torch=False)  # what a lesson does first: sets KERAS_BACKEND unless set
start = time.perf_counter()
import keras
from mlcourse import frameworks

out = Path(sys.argv[1])
net = pickle.loads((out / "net.pkl").read_bytes())
X = np.load(out / "X.npy")
X_keras = X.transpose(0, 2, 3, 1)  # channels last
result = {{"backend": keras.backend.backend(), "import_s": time.perf_counter() - start}}


def predict(model, X):
    # Calling the model keeps X's dtype; model.predict() would cast it to float32 (keras.config.floatx()).
    return np.asarray(keras.ops.convert_to_numpy(model(X, training=False)))


arrays = {{}}
for dtype in ("float32", "float64"):
    model = frameworks.to_keras(net, (1, 8, 8), dtype=dtype)
    arrays[dtype] = predict(model, X_keras.astype(dtype))
model.save(out / "cnn_{backend}.keras")  # the float64 one
arrays["reloaded"] = predict(keras.models.load_model(out / "cnn_{backend}.keras"), X_keras)
for name in sys.argv[2:]:  # .keras files written on the other backend: the same model, loaded here
    arrays["from_" + name] = predict(keras.models.load_model(out / name), X_keras)
if keras.backend.backend() == "tensorflow":
    import tensorflow as tf

    model.export(out / "saved_model", format="tf_saved_model", verbose=False)
    served = tf.saved_model.load(str(out / "saved_model"))
    arrays["saved_model"] = served.serve(X_keras).numpy()
np.savez(out / "predictions_{backend}.npz", **arrays)
print(json.dumps(result))
"""


def run_keras(backend, out, *load):
    """KERAS_SCRIPT on ``backend`` in a fresh interpreter: its predictions, and what it printed."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")
    }
    # The backend of this run; setup_notebook() sets the rest. Keras keeps its config file here.
    env.update(KERAS_BACKEND=backend, KERAS_HOME=str(out / "keras_home"))
    proc = subprocess.run(
        [sys.executable, "-c", KERAS_SCRIPT.format(backend=backend), str(out), *load],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    assert info["backend"] == backend
    with np.load(out / f"predictions_{backend}.npz") as npz:
        return {name: npz[name] for name in npz.files}, proc.stderr


@pytest.fixture(scope="module")
def keras_runs(tmp_path_factory):
    """The torch backend first (it writes cnn_torch.keras), then TensorFlow, which loads that file."""
    if not _installed("keras"):  # (importing it here would fix this process's backend for good)
        pytest.skip("keras is not installed")
    out = tmp_path_factory.mktemp("keras")
    net, X = make_net(), digits()
    (out / "net.pkl").write_bytes(pickle.dumps(net))
    np.save(out / "X.npy", X)
    runs = {"expected": net(X), "torch": run_keras("torch", out)}
    if _installed("tensorflow"):
        runs["tensorflow"] = run_keras("tensorflow", out, "cnn_torch.keras")
    return runs


def _installed(module):
    import importlib.util

    return importlib.util.find_spec(module) is not None


@pytest.mark.slow
def test_keras_on_torch_predicts_like_the_numpy_net_and_reloads(keras_runs):
    predictions, stderr = keras_runs["torch"]
    expected = keras_runs["expected"]
    assert stderr == ""
    np.testing.assert_allclose(predictions["float32"], expected, rtol=TOL_FLOAT32, atol=TOL_FLOAT32)
    # Even with float64 layers, Keras 3 on the torch backend multiplies matrices in float32 (its type
    # promotion follows JAX's default: 64-bit results become 32-bit), so Dense agrees to float32
    # precision only (4e-7 here; on TensorFlow the same float64 model agrees to 1e-15).
    np.testing.assert_allclose(predictions["float64"], expected, rtol=TOL_FLOAT32, atol=TOL_FLOAT32)
    np.testing.assert_array_equal(predictions["reloaded"], predictions["float64"])


@pytest.mark.slow
def test_keras_on_tensorflow_predicts_the_same_and_every_format_reloads(keras_runs):
    # `make test` installs the tensorflow extra (Makefile); a plain install may lack it.
    if "tensorflow" not in keras_runs:
        if os.environ.get("CI") == "true":
            pytest.fail("TensorFlow is not installed: `make test` installs the tensorflow extra")
        pytest.skip("TensorFlow is an optional extra: make lab EXTRAS=tensorflow")
    predictions, stderr = keras_runs["tensorflow"]
    expected = keras_runs["expected"]
    assert stderr == "", "TensorFlow logged on start-up: setup_notebook's FRAMEWORK_ENV should stop that"
    np.testing.assert_allclose(predictions["float32"], expected, rtol=TOL_FLOAT32, atol=TOL_FLOAT32)
    np.testing.assert_allclose(predictions["float64"], expected, rtol=TOL, atol=TOL)  # TensorFlow keeps float64
    # the very model the torch backend saved, run by TensorFlow
    np.testing.assert_allclose(predictions["from_cnn_torch.keras"], expected, rtol=TOL, atol=TOL)
    np.testing.assert_array_equal(predictions["reloaded"], predictions["float64"])
    np.testing.assert_allclose(predictions["saved_model"], expected, rtol=TOL, atol=TOL)


def test_setup_notebook_sets_the_framework_environment_only_where_unset():
    code = (
        "import os, json, mlcourse as mlc; mlc.setup_notebook(torch=False); "
        "print(json.dumps({k: os.environ[k] for k in mlc.notebook.FRAMEWORK_ENV}))"
    )
    env = {key: value for key, value in os.environ.items() if key not in ("KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL")}
    env["TF_ENABLE_ONEDNN_OPTS"] = "1"  # a learner's own choice stays
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout) == {
        "KERAS_BACKEND": "torch",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_ENABLE_ONEDNN_OPTS": "1",
    }
