"""Counters and histograms in Prometheus' text exposition format, written from scratch.

Prometheus scrapes ``GET /metrics`` and reads lines such as::

    # HELP mlcourse_requests_total HTTP requests handled.
    # TYPE mlcourse_requests_total counter
    mlcourse_requests_total{method="POST",path="/predict",status="200"} 1027

A histogram is cumulative buckets (``_bucket{le="0.005"}`` counts observations <= 5 ms), plus
``_sum`` and ``_count``; Prometheus computes quantiles such as p99 latency from the buckets.
Twin: the ``prometheus_client`` package (its parser reads this output; see the tests).

Labels are for a few known values (a route, a status code), never for free text such as a raw
URL path: every distinct label set is a new time series, and a scanner probing random URLs would
create millions of them.

Each metric holds a lock: requests are scored in worker threads, and ``x += 1`` on a dict entry is
not one step for Python.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left
from collections.abc import Sequence

#: Latency bucket upper bounds in seconds: 0.5 ms to 10 s.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    parts = [f'{n}="{_escape(str(v))}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _value(x: float) -> str:
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    if math.isnan(x):
        return "NaN"
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


class Counter:
    """A value that only goes up, one per label set.

    Examples
    --------
    >>> c = Counter("jobs_total", "Jobs done.", ["kind"])
    >>> c.inc(("a",)); c.inc(("a",), 2)
    >>> print(c.render())
    # HELP jobs_total Jobs done.
    # TYPE jobs_total counter
    jobs_total{kind="a"} 3
    """

    kind = "counter"

    def __init__(self, name: str, help: str, labelnames: Sequence[str] = ()):
        self.name, self.help, self.labelnames = name, help, tuple(labelnames)
        self.values: dict[tuple[str, ...], float] = {}
        self._lock = threading.Lock()

    def inc(self, labels: tuple[str, ...] = (), amount: float = 1.0) -> None:
        if amount < 0:
            raise ValueError(f"a counter only goes up; amount must be >= 0, got {amount}")
        if len(labels) != len(self.labelnames):
            raise ValueError(f"{self.name} takes labels {self.labelnames}, got {labels}")
        with self._lock:
            self.values[labels] = self.values.get(labels, 0.0) + amount

    def _samples(self) -> list[str]:
        with self._lock:
            items = sorted(self.values.items())
        return [f"{self.name}{_labels(self.labelnames, k)} {_value(v)}" for k, v in items]

    def render(self) -> str:
        head = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]
        return "\n".join(head + self._samples())


class Gauge(Counter):
    """A value that goes up and down (or is set)."""

    kind = "gauge"

    def set(self, labels: tuple[str, ...], value: float) -> None:
        if len(labels) != len(self.labelnames):
            raise ValueError(f"{self.name} takes labels {self.labelnames}, got {labels}")
        with self._lock:
            self.values[labels] = float(value)


class Histogram:
    """Observations counted into cumulative buckets, with their sum and count, per label set.

    Examples
    --------
    >>> h = Histogram("wait_seconds", "Wait.", buckets=(0.1, 1.0))
    >>> for x in (0.05, 0.5, 3.0): h.observe((), x)
    >>> print(h.render())
    # HELP wait_seconds Wait.
    # TYPE wait_seconds histogram
    wait_seconds_bucket{le="0.1"} 1
    wait_seconds_bucket{le="1.0"} 2
    wait_seconds_bucket{le="+Inf"} 3
    wait_seconds_sum 3.55
    wait_seconds_count 3
    """

    kind = "histogram"

    def __init__(
        self, name: str, help: str, labelnames: Sequence[str] = (), buckets: Sequence[float] = LATENCY_BUCKETS
    ):
        bounds = [float(b) for b in buckets]
        if not bounds or bounds != sorted(set(bounds)) or not all(math.isfinite(b) for b in bounds):
            raise ValueError(f"buckets must be finite, increasing and distinct, got {buckets}")
        self.name, self.help, self.labelnames = name, help, tuple(labelnames)
        self.bounds = bounds
        # per label set: [count in each bucket (not cumulative) + overflow, sum]
        self.series: dict[tuple[str, ...], tuple[list[int], list[float]]] = {}
        self._lock = threading.Lock()

    def observe(self, labels: tuple[str, ...], value: float) -> None:
        if len(labels) != len(self.labelnames):
            raise ValueError(f"{self.name} takes labels {self.labelnames}, got {labels}")
        with self._lock:
            counts, total = self.series.setdefault(labels, ([0] * (len(self.bounds) + 1), [0.0]))
            counts[bisect_left(self.bounds, value)] += 1  # le: a value equal to a bound goes in that bucket
            total[0] += value

    def render(self) -> str:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]
        with self._lock:
            series = [(labels, (list(counts), list(total))) for labels, (counts, total) in self.series.items()]
        for labels, (counts, total) in sorted(series):
            cumulative = 0
            for bound, count in zip([*self.bounds, math.inf], counts, strict=True):
                cumulative += count
                le = 'le="' + ("+Inf" if math.isinf(bound) else repr(bound)) + '"'
                lines.append(f"{self.name}_bucket{_labels(self.labelnames, labels, le)} {cumulative}")
            lines.append(f"{self.name}_sum{_labels(self.labelnames, labels)} {_value(total[0])}")
            lines.append(f"{self.name}_count{_labels(self.labelnames, labels)} {cumulative}")
        return "\n".join(lines)


class Registry:
    """The metrics one server exposes, rendered together for ``GET /metrics``."""

    #: The Content-Type of the text format.
    CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

    def __init__(self) -> None:
        self.metrics: list[Counter | Histogram] = []

    def add(self, metric):
        self.metrics.append(metric)
        return metric

    def render(self) -> str:
        return "\n".join(m.render() for m in self.metrics) + "\n"
