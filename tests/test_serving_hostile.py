"""`mlcourse serve` and `ModelBundle` against hostile requests, tampered bundles and crashes.

One test per finding of the outside probe: a request whose cost is bounded by its useful size, work
off the event loop, closed label sets in /metrics, client disconnects that are not server errors,
a bundle trusted only whole, files the image's unprivileged user can read, and an OpenAPI document
that lists every status the app returns (checked by schemathesis, bounded). No timing is asserted.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from mlcourse.serving import BundleIntegrityError, ModelBundle, create_app, serve_in_background
from tests.bundle_files import resign
from tests.container import as_in_a_container

NAMES = ["x0", "x1", "x2"]


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=NAMES)
    y = (X.sum(axis=1) > 0).astype(int)
    bundle = ModelBundle.from_model(LogisticRegression().fit(X, y), X, y, name="hostile", version="1")
    return bundle, bundle.save(tmp_path_factory.mktemp("hostile") / "bundle")


def record(i: int = 0) -> dict:
    return {"x0": 0.1 * i, "x1": -0.2, "x2": 0.3}


# -- 1. a request's cost is bounded by its useful size, and it is paid off the event loop ----------
def test_a_record_with_700000_unknown_fields_is_refused_before_parsing(bundle_dir):
    bundle, _ = bundle_dir
    hostile = {**record(), **{f"{i:x}": 0 for i in range(700_000)}}
    body = json.dumps({"record": hostile}).encode()
    assert 7_000_000 < len(body) < 8 * 2**20
    client = TestClient(create_app(bundle))
    tracemalloc.start()
    try:
        response = client.post("/predict", content=body, headers={"content-type": "application/json"})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 422 and response.json()["detail"][0]["type"] == "too_many_fields"
    # The body itself and little more: parsing it would build a dict of 700,000 keys (about 100 MB),
    # and building an error per key cost over 1 GB before.
    assert peak < 60 * 2**20, f"peak {peak / 2**20:.0f} MB"


def test_unknown_fields_are_reported_from_the_first_50_without_building_the_rest(bundle_dir, monkeypatch):
    from mlcourse.serving import _schema

    bundle, _ = bundle_dir
    app = create_app(bundle)  # builds the validator once, for the OpenAPI document, as a server starting does
    built = []
    monkeypatch.setattr(_schema, "record_validator", lambda schema: built.append(1))  # must not be needed
    hostile = {**record(), **{f"u{i}": 0 for i in range(5_000)}}
    response = TestClient(app).post("/predict", json={"records": [record(1), hostile]})
    detail = response.json()["detail"]
    assert response.status_code == 422 and len(detail) == 50
    assert detail[0] == {
        "loc": ["records", 1, "u0"],
        "msg": "Extra inputs are not permitted",
        "type": "extra_forbidden",
    }
    assert "only the first ones are listed" in response.json()["message"] and built == []


class _Blocking:
    """A model whose predictions wait until the test says so."""

    def __init__(self, model, release: threading.Event, entered: threading.Event):
        self.model, self.release, self.entered = model, release, entered
        self.classes_ = model.classes_

    def predict_proba(self, X):
        self.entered.set()
        assert self.release.wait(20), "the test never released the model"
        return self.model.predict_proba(X)


def test_health_answers_while_a_request_is_being_scored(bundle_dir):
    """If scoring ran on the event loop, /health could not answer until predict returned: deadlock."""
    import uvicorn

    bundle, _ = bundle_dir
    release, entered = threading.Event(), threading.Event()
    slow = ModelBundle(_Blocking(bundle.model, release, entered), bundle.metadata)
    server = uvicorn.Server(uvicorn.Config(create_app(slow), host="127.0.0.1", port=0, log_level="warning"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        while not server.started:
            time.sleep(0.01)
        result = {}
        poster = threading.Thread(
            target=lambda: result.update(r=httpx.post(f"{url}/predict", json={"record": record()}, timeout=30))
        )
        poster.start()
        try:
            assert entered.wait(20)  # the model is busy with the request now
            assert httpx.get(f"{url}/health", timeout=10).status_code == 200
        finally:
            release.set()
            poster.join()
            server.should_exit = True
            thread.join()
    assert result["r"].status_code == 200


# -- 2. /metrics: closed label sets, and a client that hangs up is not a server error ---------------
def test_metric_labels_come_from_closed_sets(bundle_dir):
    client = TestClient(create_app(bundle_dir[0]))
    for i in range(200):
        client.request("X" * 1000 + str(i), "/predict")
        client.get(f"/scan/{i}")
    text = client.get("/metrics").text
    series = [line for line in text.splitlines() if line.startswith("mlcourse_requests_total{")]
    methods = {line.split('method="')[1].split('"')[0] for line in series}
    assert methods <= {"GET", "POST", "other"} and len(series) < 10
    assert 'method="other",path="/predict"' in text and 'path="other"' in text


def test_a_client_that_hangs_up_mid_upload_is_counted_499_and_logged_in_one_line(bundle_dir, tmp_path):
    _, path = bundle_dir
    log = tmp_path / "server.log"
    with serve_in_background(path, log_path=log) as url:
        host, port = url.removeprefix("http://").split(":")
        for _ in range(3):
            with socket.create_connection((host, int(port))) as sock:
                head = "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"
                sock.sendall(head.encode() + b'{"record": {"x0": ' + b"1" * 1000)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            metrics = httpx.get(f"{url}/metrics").text
            if metrics.count('status="499"'):
                break
            time.sleep(0.05)
    assert 'path="/predict",status="499"} 3' in metrics
    assert 'status="500"' not in metrics
    assert "Traceback" not in log.read_text()


def test_a_disconnect_is_one_log_line(bundle_dir, caplog):
    import asyncio

    app = create_app(bundle_dir[0])
    messages = iter([{"type": "http.request", "body": b'{"record": ', "more_body": True}, {"type": "http.disconnect"}])
    sent = []

    async def receive():
        return next(messages)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/predict", "headers": [], "query_string": b""}
    scope.update(asgi={"version": "3.0"}, http_version="1.1", scheme="http", server=("x", 80), root_path="")
    with caplog.at_level("INFO", logger="uvicorn.error"):
        asyncio.run(app(scope, receive, send))
    lines = [r for r in caplog.records if r.name == "uvicorn.error"]
    assert len(lines) == 1 and "client disconnected" in lines[0].getMessage() and not lines[0].exc_info
    assert sent[0]["status"] == 499


# -- 3. a bundle is trusted whole ----------------------------------------------------------------
def copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize("name", ["metadata.json", "manifest.json"])
def test_every_single_bit_flip_of_metadata_or_manifest_is_refused(bundle_dir, tmp_path, name):
    _, path = bundle_dir
    target = copy(path, tmp_path / "b") / name
    original = target.read_bytes()
    stride = 1 if name == "manifest.json" else 5  # every bit of the manifest; every fifth of the metadata
    refused = 0
    for bit in range(0, len(original) * 8, stride):
        data = bytearray(original)
        data[bit // 8] ^= 1 << (bit % 8)
        target.write_bytes(bytes(data))
        with pytest.raises(BundleIntegrityError):
            ModelBundle.load(target.parent)
        refused += 1
    assert refused > 500


def test_a_bundle_rewritten_whole_loads_only_without_its_pinned_digest(bundle_dir, tmp_path):
    bundle, path = bundle_dir
    pinned = bundle.digest
    evil = copy(path, tmp_path / "evil")
    marker = tmp_path / "code-ran"
    payload = f"cos\nsystem\n(S'touch {marker}'\ntR.".encode()  # a pickle that runs a shell command
    (evil / "model.pkl").write_bytes(payload)
    meta = json.loads((evil / "metadata.json").read_text())
    meta["model_sha256"] = hashlib.sha256(payload).hexdigest()
    (evil / "metadata.json").write_text(json.dumps(meta))
    resign(evil)
    with pytest.raises(BundleIntegrityError, match="pinned"):
        ModelBundle.load(evil, expected_sha256=pinned)
    assert not marker.exists(), "unpickled before the digest was checked"
    assert ModelBundle.verify(path, expected_sha256=pinned) == pinned


def test_a_flipped_class_label_is_refused_not_served(bundle_dir, tmp_path):
    _, path = bundle_dir
    bad = copy(path, tmp_path / "b")
    meta = json.loads((bad / "metadata.json").read_text())
    meta["target"]["classes"] = [0, 0]  # one bit: every prediction would be 0
    (bad / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(BundleIntegrityError, match=r"metadata\.json: sha256"):
        ModelBundle.load(bad)
    resign(bad)  # even re-signed by someone who can write the bundle, the metadata itself is checked
    with pytest.raises(BundleIntegrityError, match="a label twice"):
        ModelBundle.load(bad)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
KEYS = ["format", "name", "version", "flavor", "model_file", "model_sha256", "feature_schema", "input", "target"]


# A fuzz test of the bundle loader: more examples than the profile's. The fixture is a saved bundle that
# every example copies and never changes, so sharing it between examples is safe.
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from([*KEYS, "metrics", "torch"]), JSON, min_size=1, max_size=3))
def test_malformed_metadata_is_a_bundle_integrity_error_naming_the_file(bundle_dir, tmp_path_factory, changes):
    _, path = bundle_dir
    bad = copy(path, tmp_path_factory.mktemp("fuzz") / "b")
    meta = json.loads((bad / "metadata.json").read_text())
    meta.update(changes)
    (bad / "metadata.json").write_text(json.dumps(meta))
    resign(bad)
    try:
        ModelBundle.load(bad)
    except BundleIntegrityError as exc:
        assert "metadata.json" in str(exc) or "manifest.json" in str(exc)


def test_deeply_nested_metadata_is_refused_not_a_recursion_error(bundle_dir, tmp_path):
    bad = copy(bundle_dir[1], tmp_path / "b")
    (bad / "metadata.json").write_text("[" * 200_000 + "]" * 200_000)
    resign(bad)
    with pytest.raises(BundleIntegrityError, match="not valid JSON"):
        ModelBundle.load(bad)


def test_bundle_files_are_readable_by_everyone(bundle_dir):
    _, path = bundle_dir
    assert oct(path.stat().st_mode & 0o777) == "0o755"
    assert {oct(f.stat().st_mode & 0o777) for f in path.iterdir()} == {"0o644"}


def test_the_images_unprivileged_user_can_serve_a_saved_bundle(bundle_dir):
    if os.geteuid() != 0:
        pytest.skip("changing to the image's user 10001 needs root")
    bundle, _ = bundle_dir
    shared = Path(tempfile.mkdtemp(prefix="mlcourse-bundle-", dir="/tmp"))
    try:
        shared.chmod(0o755)
        bundle.save(shared / "bundle")  # as `docker build` copies it: root's files, read by user 10001
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        drop = (
            "import os, sys; os.setgroups([]); os.setgid(10001); os.setuid(10001); os.execv(sys.argv[1], sys.argv[1:])"
        )
        script = str(Path(sys.executable).with_name("mlcourse"))
        cmd = [sys.executable, "-c", drop, script, "serve", str(shared / "bundle"), "--port", str(port)]
        proc = subprocess.Popen(as_in_a_container(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            status = None
            for _ in range(300):
                if proc.poll() is not None:
                    break
                try:
                    status = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
        finally:
            proc.terminate()
            output = proc.communicate(timeout=20)[0]
        assert status == 200, output
        assert f"bundle digest {bundle.digest}" in output
    finally:
        shutil.rmtree(shared)


# -- 7. the OpenAPI document tells the truth -------------------------------------------------------
def test_openapi_documents_every_status_predict_returns(bundle_dir):
    spec = TestClient(create_app(bundle_dir[0])).get("/openapi.json").json()
    assert set(spec["paths"]["/predict"]["post"]["responses"]) >= {"200", "400", "413", "422", "500"}


def test_schemathesis_finds_nothing_the_spec_does_not_say(bundle_dir):
    """Every check schemathesis has (`--checks all`), on valid and invalid data, a bounded number of cases."""
    import schemathesis
    from schemathesis.checks import CHECKS
    from schemathesis.generation import GenerationMode

    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(bundle_dir[0], max_batch=20))
    checks = CHECKS.get_all()  # every check registered once an OpenAPI schema is loaded
    assert len(checks) > 10
    statuses = set()

    @settings(suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data, operation, mode):
        statuses.add(
            data.draw(operation.as_strategy(generation_mode=mode)).call_and_validate(checks=checks).status_code
        )

    for result in schema.get_all_operations():
        operation = result.ok()
        # Invalid data only where there is data to break: the GET routes take no parameters.
        negative = [GenerationMode.NEGATIVE] if operation.method.upper() == "POST" else []
        for mode in [GenerationMode.POSITIVE, *negative]:
            run(operation=operation, mode=mode)
    assert {200, 422} <= statuses
