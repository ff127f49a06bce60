"""The service under a stream of 2,000 requests, 10% of them malformed, over a real socket.

Every malformed request must get a 4xx with a message (never a 5xx), every good one the model's
answer, and the server must still be up at the end. No timing is asserted.
"""

from __future__ import annotations

import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sklearn.linear_model import LogisticRegression

from mlcourse.serving import ModelBundle, serve_in_background

N_REQUESTS = 2000
MAX_BATCH = 50
NAMES = ["x0", "x1", "x2", "x3", "x4"]


def good_record(X: np.ndarray, i: int) -> dict:
    return dict(zip(NAMES, X[i % len(X)].tolist(), strict=True))


def malformed(k: int, X: np.ndarray) -> tuple[bytes, str | None]:
    """The k-th malformed body, and the field its error message must name (None: no field)."""
    rec = good_record(X, k)
    raw = json.dumps({"record": rec})
    cases = [
        (json.dumps({"record": {n: v for n, v in rec.items() if n != "x2"}}), "x2"),  # missing field
        (json.dumps({"record": {**rec, "x1": "0.5"}}), "x1"),  # a string for a number
        (raw.replace(f'"x3": {json.dumps(rec["x3"])}', '"x3": NaN'), "x3"),  # NaN
        (raw.replace(f'"x0": {json.dumps(rec["x0"])}', '"x0": -Infinity'), "x0"),  # infinity
        (json.dumps({"records": [rec] * (MAX_BATCH * 20)}), "records"),  # a huge batch
        (raw[: len(raw) // 2], None),  # invalid (truncated) JSON
        (json.dumps({"record": {**rec, "x4": True}}), "x4"),  # a bool for a number
        (json.dumps({"record": {**rec, "x1": 1e6}}), "x1"),  # far out of the training range
        (json.dumps({"record": {**rec, "x5": 1.0}}), "x5"),  # an unknown field
        (json.dumps([rec]), None),  # a list, not an object
        ("", None),  # no body at all
        ("\udcff", None),  # bytes that are not UTF-8
        ("[" * 50_000, None),  # nesting deep enough to break a recursive parser
        (json.dumps({"records": [rec, None]}), "records[1]"),  # a record that is not an object
    ]
    text, field = cases[k % len(cases)]
    return text.encode("utf-8", errors="surrogateescape"), field


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    rng = np.random.default_rng(0)
    # Trained on an array (features x0..x4): scikit-learn checks arrays much faster than DataFrames,
    # so the test spends its time on HTTP and validation, which is what it is about.
    X = rng.normal(size=(300, 5))
    y = (X.sum(axis=1) + rng.normal(0, 0.5, 300) > 0).astype(int)
    bundle = ModelBundle.from_model(LogisticRegression().fit(X, y), X, y, name="stress", version="7")
    path = bundle.save(tmp_path_factory.mktemp("stress") / "bundle")
    with serve_in_background(path, max_batch=MAX_BATCH) as url:
        yield url, X, bundle.predict_proba(X)[:, 1]


def test_2000_requests_with_10_percent_malformed(served):
    url, X, expected = served
    plan = []  # (body, field or None for a good request, row indices of a good request)
    for i in range(N_REQUESTS):
        if i % 10 == 9:
            body, field = malformed(i // 10, X)
            plan.append((body, field, None))
        elif i % 3:
            plan.append((json.dumps({"record": good_record(X, i)}).encode(), None, [i % len(X)]))
        else:
            rows = [(i + j) % len(X) for j in range(1 + i % 5)]
            plan.append((json.dumps({"records": [good_record(X, r) for r in rows]}).encode(), None, rows))

    # The standard library's keep-alive client, one connection per thread: a tenth of httpx's
    # overhead per request, so the 2,000 requests take seconds, not tens of seconds.
    host, port = url.removeprefix("http://").rsplit(":", 1)
    local, connections = threading.local(), []

    def send(item):
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection(host, int(port), timeout=60)
            connections.append(local.conn)
        local.conn.request("POST", "/predict", body=item[0], headers={"content-type": "application/json"})
        r = local.conn.getresponse()
        return r.status, json.loads(r.read())

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(send, plan))
    for conn in connections:
        conn.close()
    health = httpx.get(f"{url}/health")
    metrics = httpx.get(f"{url}/metrics").text

    n_bad = 0
    for (body, field, rows), (status, payload) in zip(plan, answers, strict=True):
        if rows is None:
            n_bad += 1
            assert 400 <= status < 500, (body[:80], status, payload)
            assert payload["message"], body[:80]
            if field is not None:
                assert field in payload["message"], (body[:80], payload["message"])
        else:
            assert status == 200, (body[:80], status, payload)
            got = [payload["probabilities"][1]] if "probabilities" in payload and "prediction" in payload else None
            got = got or [p[1] for p in payload["probabilities"]]
            np.testing.assert_allclose(got, expected[rows], rtol=1e-12)
    assert n_bad == N_REQUESTS // 10
    assert health.status_code == 200, "the server must still be up"

    counts = {}
    for family in text_string_to_metric_families(metrics):
        for s in family.samples:
            if s.name == "mlcourse_requests_total" and s.labels["path"] == "/predict":
                counts[s.labels["status"]] = s.value
    assert not any(status.startswith("5") for status in counts), counts
    assert sum(v for s, v in counts.items() if s.startswith("4")) == n_bad
    assert counts["200"] == N_REQUESTS - n_bad
