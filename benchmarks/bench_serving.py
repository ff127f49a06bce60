"""Online scoring over HTTP: ``python benchmarks/bench_serving.py [--n 2000] [--concurrency 8]``.

Serves lesson 11's model (breast-cancer pipeline: StandardScaler + LogisticRegression, 30 features)
with ``mlcourse serve`` in a background process, sends N single-row ``POST /predict`` requests over
loopback from C keep-alive connections, and prints p50 and p99 latency, requests per second, and the
ratio of the HTTP p50 to calling ``predict_proba`` on one row directly in this process.
Targets: p50 <= 5 ms and >= 500 requests/s.

The client is a few lines of asyncio writing pre-encoded requests, so that the time measured is
the server's, not a client library's. Little's law ties the two targets together: with C requests
always in flight, mean latency = C / throughput, so p50 <= 5 ms at concurrency 8 needs about
1,600 requests/s from the one server process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mlcourse.serving import ModelBundle, serve_in_background  # noqa: E402


def bundles():
    """Lesson 11's model, trained on a DataFrame, and the same model trained on an array.

    scikit-learn checks a DataFrame's columns on every call, which costs more than the model itself
    for one row; the array twin shows what the HTTP layer costs when the model is cheap.
    """
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    frame_model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    array_model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X.to_numpy(), y)
    return [
        ("pipeline on a DataFrame (lesson 11)", ModelBundle.from_model(frame_model, X, y), X),
        ("pipeline on an array", ModelBundle.from_model(array_model, X.to_numpy(), y), X.to_numpy()),
    ]


def encode(body: bytes) -> bytes:
    head = f"POST /predict HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
    return status, await reader.readexactly(length)


async def load_test(host: str, port: int, requests: list[bytes], concurrency: int) -> tuple[list[float], float]:
    """Send ``requests`` from ``concurrency`` connections; return per-request latencies and wall time."""
    queue = list(reversed(requests))
    latencies: list[float] = []

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while queue:
                request = queue.pop()
                start = time.perf_counter()
                writer.write(request)
                status, body = await read_response(reader)
                latencies.append(time.perf_counter() - start)
                if status != 200:
                    raise RuntimeError(f"status {status}: {body[:200]!r}")
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - start


def direct_seconds(bundle: ModelBundle, X, n: int) -> float:
    """Median time of ``model.predict_proba`` on one row (as the model was trained: DataFrame or array)."""
    times = []
    for i in range(n):
        row = X.iloc[[i % len(X)]] if hasattr(X, "iloc") else X[i % len(X)][None, :]
        start = time.perf_counter()
        bundle.model.predict_proba(row)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_case(bundle: ModelBundle, X, n: int, concurrency: int) -> dict[str, float]:
    names = bundle.feature_names
    rows = X.to_numpy() if hasattr(X, "to_numpy") else X
    records = [dict(zip(names, row.tolist(), strict=True)) for row in rows]
    requests = [encode(json.dumps({"record": records[i % len(records)]}).encode()) for i in range(n)]
    direct = direct_seconds(bundle, X, 500) * 1e3
    with tempfile.TemporaryDirectory() as tmp, serve_in_background(bundle.save(Path(tmp) / "bundle")) as url:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        asyncio.run(load_test(host, int(port), requests[:200], concurrency))  # warm up
        one, _ = asyncio.run(load_test(host, int(port), requests[:500], 1))
        latencies, wall = asyncio.run(load_test(host, int(port), requests, concurrency))
    ms = np.array(latencies) * 1e3
    return {
        "direct": direct,
        "p50_1": float(np.median(one)) * 1e3,
        "p50": float(np.percentile(ms, 50)),
        "p99": float(np.percentile(ms, 99)),
        "rate": len(ms) / wall,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="requests to send (default 2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="connections in parallel (default 8)")
    args = parser.parse_args(argv)

    print(f"{args.n} single-row POST /predict over loopback at concurrency {args.concurrency} (times in ms)")
    print(f"{'model':<38}{'direct':>8}{'c=1 p50':>9}{'ratio':>7}{'p50':>8}{'p99':>8}{'req/s':>8}{'ratio':>7}")
    for name, bundle, X in bundles():
        r = run_case(bundle, X, args.n, args.concurrency)
        print(
            f"{name:<38}{r['direct']:>8.3f}{r['p50_1']:>9.3f}{r['p50_1'] / r['direct']:>7.1f}"
            f"{r['p50']:>8.2f}{r['p99']:>8.2f}{r['rate']:>8.0f}{r['p50'] / r['direct']:>7.1f}",
            flush=True,
        )
    print("direct: predict_proba on one row in this process; c=1: one connection (no queueing);")
    print(f"p50/p99/req/s: {args.concurrency} connections; ratio: HTTP p50 / direct. Targets: p50 <= 5, req/s >= 500.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
