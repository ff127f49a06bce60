"""``mlcourse serve --workers N``: every connection without Nagle's delay, connections spread over the
workers, and ``/health`` answering while a 10,000-row request is being scored.

Over loopback, with bounded counts and times. No speed is asserted: only that answers are right,
that connections reach every worker, and liveness (``/health`` answers, within the Kubernetes
probe's timeout, while a slow request is in flight).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import psutil
import pytest
from sklearn.linear_model import LogisticRegression

from mlcourse import cli
from mlcourse.serving import ModelBundle, _process, serve_in_background

NAMES = ["x0", "x1", "x2", "x3", "x4"]
BIG = 10_000
#: How long the slow model sleeps on a big batch: long enough that a stalled event loop is obvious.
SLEEP_S = 3.0
#: The Deployment's probes give up after 2 s (deploy/k8s/deployment.yaml, timeoutSeconds).
PROBE_TIMEOUT_S = 2.0
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT spreads load on Linux")


class SlowOnBigBatches(LogisticRegression):
    """A logistic regression that sleeps before scoring a big batch, as an expensive model would take long.

    Saved in a bundle by reference to this module, which the server process imports to load it.
    """

    def predict_proba(self, X):
        if len(X) >= BIG // 2:
            time.sleep(SLEEP_S)
        return super().predict_proba(X)


def data(n=300):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, len(NAMES)))
    y = (X.sum(axis=1) + rng.normal(0, 0.5, n) > 0).astype(int)
    return X, y


def records(X) -> list[dict]:
    return [dict(zip(NAMES, row.tolist(), strict=True)) for row in X]


@pytest.fixture(scope="module")
def array_bundle(tmp_path_factory):
    X, y = data()
    bundle = ModelBundle.from_model(LogisticRegression().fit(X, y), X, y, name="scale", version="1")
    return bundle, bundle.save(tmp_path_factory.mktemp("scale") / "bundle"), X


# ---------------------------------------------------------------- TCP_NODELAY


def test_every_connection_gets_tcp_nodelay_even_on_a_socket_without_proto():
    """uvicorn binds ``socket.socket(family)`` for --workers: proto 0, so asyncio leaves Nagle on."""
    import uvicorn

    from mlcourse.serving._uvicorn import HTTP_PROTOCOL

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0, like uvicorn's bind_socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    assert listener.proto == 0
    server = uvicorn.Server(uvicorn.Config(app, http=HTTP_PROTOCOL, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
            time.sleep(0.01)
        with socket.create_connection(listener.getsockname(), timeout=10) as client:
            client.sendall(b"GET / HTTP/1.1\r\nhost: test\r\n\r\n")
            assert client.recv(4096).startswith(b"HTTP/1.1 200")
            (connection,) = server.server_state.connections
            server_side = connection.transport.get_extra_info("socket")
            assert server_side.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        listener.close()


def test_set_nodelay_leaves_other_sockets_alone():
    from mlcourse.serving._uvicorn import set_nodelay

    set_nodelay(None)
    if hasattr(socket, "AF_UNIX"):
        a, b = socket.socketpair(socket.AF_UNIX)
        with a, b:
            set_nodelay(a)  # no TCP option on a Unix socket: nothing happens, nothing raises


# ---------------------------------------------------------------- several workers


@linux_only
def test_each_worker_gets_its_own_socket_on_one_port_and_connections_reach_all():
    sockets = _process._worker_sockets("127.0.0.1", 0, None, 3)
    try:
        assert len({id(s) for s in sockets}) == 3
        assert len({s.getsockname() for s in sockets}) == 1, "one port"
        for s in sockets:
            s.settimeout(0.05)
        clients = [socket.create_connection(sockets[0].getsockname(), timeout=5) for _ in range(30)]
        accepted = [0, 0, 0]
        for i, s in enumerate(sockets):
            while True:
                try:
                    conn, _ = s.accept()
                except TimeoutError:
                    break
                conn.close()
                accepted[i] += 1
        for c in clients:
            c.close()
    finally:
        for s in sockets:
            s.close()
    assert sum(accepted) == 30
    assert all(accepted), f"the kernel spreads connections over every worker's socket: {accepted}"


@linux_only
def test_a_port_someone_already_listens_on_is_refused_even_with_reuse_port():
    with _process._listen("127.0.0.1", 0, reuse_port=True) as squatter:
        port = squatter.getsockname()[1]
        with pytest.raises(OSError):
            _process._worker_sockets("127.0.0.1", port, None, 2)


def test_two_workers_answer_every_connection_correctly(array_bundle, tmp_path):
    bundle, path, X = array_bundle
    expected = bundle.predict_proba(X)[:, 1]
    log = tmp_path / "server.log"
    with serve_in_background(path, workers=2, log_path=log) as url:
        host, port = url.removeprefix("http://").rsplit(":", 1)

        def client(k: int) -> list[tuple[int, float]]:
            conn = http.client.HTTPConnection(host, int(port), timeout=60)  # keep-alive: one connection
            answers = []
            try:
                for i in range(k, len(X), 8):
                    body = json.dumps({"record": records(X[i : i + 1])[0]})
                    conn.request("POST", "/predict", body=body, headers={"content-type": "application/json"})
                    r = conn.getresponse()
                    assert r.status == 200
                    answers.append((i, json.loads(r.read())["probabilities"][1]))
            finally:
                conn.close()
            return answers

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = [a for batch in pool.map(client, range(8)) for a in batch]
    assert sorted(i for i, _ in answers) == list(range(len(X)))
    got = np.array([p for _, p in sorted(answers)])
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    with socket.socket() as s:  # the supervisor and both workers have stopped
        assert s.connect_ex(("127.0.0.1", int(port))) != 0
    assert "Traceback" not in log.read_text()


def _serves_on(process: psutil.Process, port: str) -> bool:
    """Whether ``process`` is ``mlcourse serve --port port`` (False for a zombie: it has no command line)."""
    try:
        cmdline = process.cmdline()
    except psutil.Error:  # an earlier test's child that died and was not reaped yet
        return False
    return "mlcourse.cli" in cmdline and "--port" in cmdline and cmdline[cmdline.index("--port") + 1] == port


@linux_only
def test_a_worker_that_dies_is_replaced(array_bundle):
    with serve_in_background(array_bundle[1], workers=2) as url:
        port = url.rsplit(":", 1)[1]
        (supervisor,) = [p for p in psutil.Process().children() if _serves_on(p, port)]

        def workers() -> set[int]:
            """Live workers (not multiprocessing's resource tracker, not a dead one not yet reaped)."""
            found = set()
            for child in supervisor.children():
                with contextlib.suppress(psutil.Error):  # a zombie has no command line
                    if "spawn_main" in " ".join(child.cmdline()):
                        found.add(child.pid)
            return found

        deadline = time.monotonic() + 60
        while len(workers()) < 2:
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.1)
        victim = psutil.Process(min(workers()))
        victim.kill()
        while len(workers() - {victim.pid}) < 2:  # a new worker, on the dead one's socket
            assert time.monotonic() < deadline, "the dead worker was not replaced"
            time.sleep(0.1)
        X = array_bundle[2]
        for r in records(X[:20]):  # fresh connections: spread over both sockets, so both must answer
            assert httpx.post(f"{url}/predict", json={"record": r}, timeout=30).status_code == 200


def test_serve_in_background_checks_workers(array_bundle):
    for bad, error in ((0, ValueError), (True, TypeError), (1.5, TypeError)):
        with pytest.raises(error, match="workers"):
            with serve_in_background(array_bundle[1], workers=bad):
                pass  # pragma: no cover


def test_workers_and_an_inherited_socket_are_accepted_together(array_bundle):
    args = cli.build_parser().parse_args(["serve", str(array_bundle[1]), "--workers", "2", "--fd", "3"])
    assert (args.workers, args.fd) == (2, 3)


# ---------------------------------------------------------------- /health during a big request


@pytest.mark.parametrize("workers", [1, 2])
def test_health_answers_while_a_10000_row_request_is_scored(tmp_path, workers):
    X, y = data()
    model = SlowOnBigBatches().fit(X, y)
    path = ModelBundle.from_model(model, X, y, name="slow").save(tmp_path / "bundle")
    big = json.dumps({"records": records(np.resize(X, (BIG, len(NAMES))))})
    done = threading.Event()
    result = {}

    with serve_in_background(path, max_batch=BIG, workers=workers) as url:

        def score_big() -> None:
            try:
                r = httpx.post(f"{url}/predict", content=big, headers={"content-type": "application/json"}, timeout=120)
                result["status"], result["n"] = r.status_code, len(r.json()["predictions"])
            finally:
                done.set()

        thread = threading.Thread(target=score_big)
        thread.start()
        latencies, during = [], 0
        with httpx.Client(base_url=url, timeout=30) as client:  # one keep-alive connection: one worker
            while not done.is_set():
                start = time.perf_counter()
                assert client.get("/health").status_code == 200
                latencies.append(time.perf_counter() - start)
                during += not done.is_set()
                time.sleep(0.05)
        thread.join()
    assert result == {"status": 200, "n": BIG}
    # Scoring sleeps SLEEP_S: with the model on the event loop, /health could not answer meanwhile.
    assert during >= 5, f"only {during} /health answers while the big request was in flight"
    assert max(latencies) < PROBE_TIMEOUT_S, f"/health took {max(latencies):.2f} s: a probe would have failed"


# ---------------------------------------------------------------- small requests: inline or in the pool


def test_placement_starts_in_the_pool_and_inlines_only_cheap_non_blocking_scoring():
    from mlcourse.serving._app import INLINE_BUDGET_S, _Placement

    placement = _Placement()
    assert not placement.inline, "nothing is known about the model yet: the pool"
    placement.observe(INLINE_BUDGET_S / 10)
    assert placement.inline
    for _ in range(20):
        placement.observe(INLINE_BUDGET_S * 5)  # the model turned out costly
    assert not placement.inline
    for _ in range(40):
        placement.observe(INLINE_BUDGET_S / 10)
    assert placement.inline
    placement.observe(0.0001, wall=1.0)  # held the event loop a second without using the CPU
    for _ in range(40):
        placement.observe(INLINE_BUDGET_S / 10)
    assert not placement.inline, "a model that blocks stays in the pool for good"


class SleepsOnEveryCall(LogisticRegression):
    """Cheap in CPU, slow in wall time: a model that waits on something (a feature store, a device)."""

    def predict_proba(self, X):
        time.sleep(0.05)
        return super().predict_proba(X)


@pytest.mark.parametrize(
    ("model", "inline"), [(LogisticRegression(), True), (SleepsOnEveryCall(), False)], ids=["cheap", "blocking"]
)
def test_small_requests_are_scored_inline_only_for_a_cheap_model(model, inline, monkeypatch):
    from fastapi.testclient import TestClient

    from mlcourse.serving import _app, create_app

    monkeypatch.setattr(_app, "INLINE_BUDGET_S", 0.05)  # "cheap" by a wide margin, on a busy machine too

    X, y = data()
    bundle = ModelBundle.from_model(model.fit(X, y), X, y, name="placement")
    app = create_app(bundle)
    expected = bundle.predict_proba(X[:30])[:, 1]
    with TestClient(app) as client:
        got = [client.post("/predict", json={"record": r}).json()["probabilities"][1] for r in records(X[:30])]
        big = client.post("/predict", json={"records": records(np.resize(X, (300, len(NAMES))))})
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert big.status_code == 200
    assert app.state.placement.inline is inline
