"""``create_app``: a FastAPI service around a :class:`ModelBundle`.

Routes
------
``GET /health``    ``{"status": "ok", "name": ..., "version": ...}``: the model is loaded and answering
                   (Kubernetes' readiness and liveness probes, Docker's HEALTHCHECK).
``GET /metadata``  the bundle's metadata: schema, metrics, versions, hashes.
``POST /predict``  ``{"records": [{feature: value, ...}, ...]}`` (a batch of 1 to ``max_batch`` rows)
                   or ``{"record": {feature: value, ...}}`` (one row). Answers ``predictions`` (or
                   ``prediction``), and for classifiers ``probabilities`` with their ``classes``.
``GET /metrics``   request counts by route and status, latency histograms and rows scored, in
                   Prometheus' text format.

Every rejected request gets a JSON body ``{"message": str, "detail": [{"loc", "msg", "type"}]}``
whose ``loc`` names the field: 400 for a body that is not JSON, 413 for too many records or too
many bytes, 422 for a body of the wrong shape or a record that fails the schema (missing or unknown
field, wrong type, NaN or infinity, out of range), 500 when the model itself fails. All of them are
in the OpenAPI document (``/openapi.json``, ``/docs``).

Parsing, validating and scoring a request run in a worker thread, off the event loop, and cost
what the request's useful part costs: at most ``MAX_ERRORS`` errors are built, and a record with
more fields than the schema is refused from its first unknown ones. ``/health`` keeps answering
while a large request is being checked and scored. The one exception is a small body (at most
``INLINE_MAX_BYTES``) for a model measured to score it in under ``INLINE_BUDGET_S`` of CPU: it is
scored inline, because the trip to a thread and back through the GIL costs more than that.
"""

from __future__ import annotations

import json
import logging
import numbers
import os
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from mlcourse._validation import check_scalar
from mlcourse.serving._bundle import ModelBundle
from mlcourse.serving._errors import SchemaValidationError, format_errors
from mlcourse.serving._metrics import Counter, Gauge, Histogram, Registry
from mlcourse.serving._schema import validate_records

#: A body this much larger than ``max_body_bytes`` is not even read to the end: the connection closes.
_DRAIN_FACTOR = 16
#: Bodies up to this size (a record of 30 features is about 1 KiB) may be scored on the event loop ...
INLINE_MAX_BYTES = 16 * 2**10
#: ... while scoring them costs less CPU than this, on average (seconds): see ``_Placement``.
INLINE_BUDGET_S = 0.002
#: A small request that held the event loop this long without using the CPU sends all to the pool.
_BLOCKED_S = 0.02
#: The HTTP methods counted by name in /metrics; any other becomes "other" (a label set must be closed).
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: nginx's status for "the client closed the connection before the answer": not a server error.
CLIENT_CLOSED = 499
#: uvicorn's own logger: its handlers and level are the server's, so one line reaches the server log.
_log = logging.getLogger("uvicorn.error")
_ERROR_BODY = {
    "type": "object",
    "required": ["message", "detail"],
    "properties": {
        "message": {"type": "string"},
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg", "type"],
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}
_REJECTIONS = {
    "400": "The body is not valid JSON.",
    "413": "The body is larger than max_body_bytes, or holds more than max_batch records.",
    "422": "The body has the wrong shape, or a record fails the feature schema; detail names each field.",
    "500": "The model failed on a valid input.",
}
#: How /predict documents each status it may answer with, in the OpenAPI document.
_PREDICT_RESPONSES = {
    code: {"description": text, "content": {"application/json": {"schema": _ERROR_BODY}}}
    for code, text in _REJECTIONS.items()
}


def create_app(bundle: ModelBundle, *, max_batch: int = 1000, max_body_bytes: int = 8 * 2**20) -> FastAPI:
    """A FastAPI application that serves ``bundle``.

    Parameters
    ----------
    bundle : ModelBundle
    max_batch : int, default=1000
        Most records one ``POST /predict`` may carry (more: 413).
    max_body_bytes : int, default=8 MiB
        Largest request body accepted (more: 413, without parsing it).

    Returns
    -------
    app : fastapi.FastAPI
        Run it with uvicorn (``mlcourse serve BUNDLE``) or test it with ``fastapi.testclient.TestClient``.

    Raises
    ------
    TypeError
        ``bundle`` is not a :class:`ModelBundle`, or a limit is not an integer (a bool is not).
    ValueError
        A limit is below 1.

    Examples
    --------
    >>> import pandas as pd
    >>> from fastapi.testclient import TestClient
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}); y = [0, 0, 1, 1]
    >>> bundle = ModelBundle.from_model(LogisticRegression().fit(X, y), X, y, name="demo")
    >>> client = TestClient(create_app(bundle))
    >>> client.post("/predict", json={"record": {"x": 2.5}}).json()["prediction"]
    1
    >>> client.post("/predict", json={"record": {"x": "2.5"}}).json()["message"]
    'record.x: Input should be a valid number'
    """
    if not isinstance(bundle, ModelBundle):
        raise TypeError(f"bundle must be a ModelBundle, got {type(bundle).__name__}")
    check_scalar(max_batch, "max_batch", numbers.Integral, min_val=1)
    check_scalar(max_body_bytes, "max_body_bytes", numbers.Integral, min_val=1)
    meta = bundle.metadata
    metrics = _ServiceMetrics(meta["name"], meta["version"])
    app = FastAPI(
        title=f"{meta['name']} (version {meta['version']})",
        version=meta["version"],
        description=meta.get("description") or "A model served by mlcourse.",
    )
    app.state.bundle = bundle
    app.state.registry = metrics.registry
    _add_info_routes(app, bundle, meta, metrics.registry)
    _add_predict_route(
        app, _Scorer(bundle, max_batch, metrics.rows), _request_schema(bundle, max_batch), max_body_bytes
    )
    paths = {route.path for route in app.routes}
    app.add_middleware(_MetricsMiddleware, requests_total=metrics.requests, latency=metrics.latency, paths=paths)
    return app


class _ServiceMetrics:
    """The metrics one app exposes at ``GET /metrics``, in one registry."""

    def __init__(self, name: str, version: str):
        self.registry = Registry()
        self.requests = self.registry.add(
            Counter(
                "mlcourse_requests_total",
                "HTTP requests handled, by method, route and status code.",
                ["method", "path", "status"],
            )
        )
        self.latency = self.registry.add(
            Histogram("mlcourse_request_duration_seconds", "Time from request to response, by route.", ["path"])
        )
        self.rows = self.registry.add(
            Counter("mlcourse_predictions_total", "Rows scored by the model.", ["name", "version"])
        )
        info = self.registry.add(
            Gauge("mlcourse_model_info", "The model being served (always 1).", ["name", "version"])
        )
        info.set((name, version), 1)


def _add_info_routes(app: FastAPI, bundle: ModelBundle, meta: dict[str, Any], registry: Registry) -> None:
    """``GET /health``, ``GET /metadata`` and ``GET /metrics``."""
    name, version = meta["name"], meta["version"]

    @app.get("/health")
    async def health() -> dict[str, str]:
        """Liveness and readiness: the model is loaded and the server answers."""
        return {"status": "ok", "name": name, "version": version}

    @app.get("/metadata")
    async def metadata() -> dict[str, Any]:
        """The bundle's metadata: feature schema, metrics, library versions, hashes, and the bundle's digest."""
        return {**meta, "bundle_sha256": bundle.digest}

    @app.get("/metrics", response_class=PlainTextResponse)
    async def metrics() -> Response:
        """Request counts, latency histograms and rows scored, in Prometheus text format."""
        return Response(registry.render(), media_type=Registry.CONTENT_TYPE)


def _add_predict_route(app: FastAPI, score: _Scorer, request_schema: dict[str, Any], max_body_bytes: int) -> None:
    """``POST /predict``: the body is read on the event loop; ``score`` runs in a worker thread, or inline
    for a small body while that costs less than the trip to a thread (see :class:`_Placement`)."""
    placement = app.state.placement = _Placement()

    @app.post(
        "/predict",
        responses=_PREDICT_RESPONSES,
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": request_schema}}}},
    )
    async def predict(request: Request) -> Response:
        """Score one record (``{"record": {...}}``) or a batch (``{"records": [...]}``)."""
        try:
            body = await _read_body(request, max_body_bytes)
        except ClientDisconnect:  # nobody is left to answer: not a server error, and one line in the log
            _log.info("POST /predict: the client disconnected before sending the whole body")
            return Response(status_code=CLIENT_CLOSED)
        if body is None:
            return _error(
                413,
                [{"loc": [], "msg": "body too large", "type": "too_large"}],
                f"request body is larger than {max_body_bytes} bytes; send fewer records per request",
            )
        small = len(body) <= INLINE_MAX_BYTES
        if small and placement.inline:
            start, cpu = time.perf_counter(), time.thread_time()
            response = score(body)
            placement.observe(time.thread_time() - cpu, time.perf_counter() - start)
            return response
        response, cpu = await run_in_threadpool(_timed, score, body)
        if small:
            placement.observe(cpu)
        return response


def _timed(score: _Scorer, body: bytes) -> tuple[Response, float]:
    """``score(body)`` and the CPU time it took this thread (time waiting for the GIL is not counted)."""
    start = time.thread_time()
    response = score(body)
    return response, time.thread_time() - start


class _Placement:
    """Where a small ``/predict`` body is scored: on the event loop while that is cheap, else in the thread pool.

    Handing a request to a worker thread and back costs two trips through the GIL: with the event
    loop busy with other connections, each can wait up to the interpreter's switch interval (5 ms).
    For a one-row request to a cheap model that is more than the model costs (measured at
    concurrency 8: about 30% fewer requests per second, and a p99 several times longer). So small
    bodies are scored inline while the moving average of their CPU cost stays under
    ``INLINE_BUDGET_S``; a model that costs more, and one that is seen to block (sleep, wait on I/O)
    while inline, goes to the thread pool for good. Large bodies always do, whatever the model.
    Used from the event loop only.
    """

    def __init__(self) -> None:
        self.cost: float | None = None  # unknown until measured in the pool: start there
        self.blocking = False

    @property
    def inline(self) -> bool:
        return not self.blocking and self.cost is not None and self.cost < INLINE_BUDGET_S

    def observe(self, cpu: float, wall: float | None = None) -> None:
        """Record one small request's CPU seconds (and wall seconds, when it ran on the event loop)."""
        self.cost = cpu if self.cost is None else 0.8 * self.cost + 0.2 * cpu
        if wall is not None and wall > _BLOCKED_S and wall > 4 * cpu:
            self.blocking = True  # it waited on something other than the CPU while holding the loop


def _error(status: int, errors: list[dict[str, Any]], message: str | None = None) -> JSONResponse:
    return JSONResponse({"message": message or format_errors(errors), "detail": errors}, status_code=status)


class _Rejected(Exception):
    """A request refused: raised by a step of :class:`_Scorer`, answered in one place."""

    def __init__(self, status: int, errors: list[dict[str, Any]], message: str | None = None):
        super().__init__(message)
        self.status, self.errors, self.message = status, errors, message

    def response(self) -> JSONResponse:
        return _error(self.status, self.errors, self.message)


class _Scorer:
    """Parse, check and score one ``POST /predict`` body: called in a worker thread (inline only for a small
    body and a model measured cheap, see :class:`_Placement`).

    Each step costs what the request's useful part costs: a body with far too many fields is refused
    before parsing, and validation builds at most ``MAX_ERRORS`` errors.
    """

    def __init__(self, bundle: ModelBundle, max_batch: int, rows_total: Counter):
        self.bundle, self.max_batch, self.rows_total = bundle, max_batch, rows_total
        meta = bundle.metadata
        self.name, self.version = meta["name"], meta["version"]
        self.classes = bundle.classes if bundle.has_proba else None
        self.schema = bundle.feature_schema
        # Every field of a valid request has a colon after its name: a body with far more colons than
        # max_batch full records have fields is refused before parsing, which holds the GIL throughout.
        self.max_colons = 4 * (max_batch * len(self.schema) + 1) + 16

    def __call__(self, body: bytes) -> Response:
        try:
            records, single = self._parse(body)
            rows = self._validate(records, single)
            y_pred, y_proba = self._predict(rows)
        except _Rejected as rejected:
            return rejected.response()
        self.rows_total.inc((self.name, self.version), len(rows))
        return self._answer(y_pred, y_proba, single)

    def _parse(self, body: bytes) -> tuple[list[Any], bool]:
        """The body's records, and whether it held a single ``record``."""
        if body.count(b":") > self.max_colons:
            raise _Rejected(
                422,
                [{"loc": [], "msg": "far more fields than max_batch records can have", "type": "too_many_fields"}],
                f"the body holds far more fields than {self.max_batch} records of {len(self.schema)} features: "
                "send only the model's features",
            )
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError; [[[[... nests too deep
            raise _Rejected(
                400,
                [{"loc": [], "msg": f"invalid JSON: {exc}", "type": "json_invalid"}],
                f"request body is not valid JSON: {exc}",
            ) from None
        if not isinstance(payload, dict) or len(payload) != 1 or not ({"records", "record"} & set(payload)):
            raise _Rejected(
                422,
                [{"loc": [], "msg": "expected one key, 'records' or 'record'", "type": "body_shape"}],
                'the body must be {"records": [{...}, ...]} or {"record": {...}}',
            )
        single = "record" in payload
        records = [payload["record"]] if single else payload["records"]
        if not isinstance(records, list) or not records:
            raise _Rejected(
                422, [{"loc": ["records"], "msg": "must be a non-empty list of objects", "type": "list_type"}]
            )
        if len(records) > self.max_batch:
            raise _Rejected(
                413,
                [{"loc": ["records"], "msg": f"{len(records)} records; at most {self.max_batch}", "type": "too_long"}],
                f"records: {len(records)} records in one request; at most {self.max_batch}, split the batch",
            )
        return records, single

    def _validate(self, records: list[Any], single: bool) -> list[dict[str, Any]]:
        """The records checked against the schema; errors located in the body (``record.x``, ``records[3].x``)."""
        try:
            return validate_records(records, self.schema, validator=self.bundle.validator)
        except SchemaValidationError as exc:
            if single:  # [0, field] -> [record, field]
                errors = [{**e, "loc": ["record", *e["loc"][1:]]} for e in exc.errors]
            else:
                errors = [{**e, "loc": ["records", *e["loc"]]} for e in exc.errors]
            more = " (and more: only the first ones are listed)" if exc.truncated else ""
            raise _Rejected(422, errors, format_errors(errors) + more) from None

    def _predict(self, rows: list[dict[str, Any]]) -> tuple[Any, Any]:
        try:
            return self.bundle.predict_records(rows)
        except Exception as exc:  # the model itself failed: a server error, but say what happened
            raise _Rejected(
                500,
                [{"loc": [], "msg": str(exc)[:500], "type": type(exc).__name__}],
                f"the model failed on this input: {type(exc).__name__}",
            ) from None

    def _answer(self, y_pred: Any, y_proba: Any, single: bool) -> Response:
        out: dict[str, Any] = {"name": self.name, "version": self.version}
        if single:
            out["prediction"] = y_pred.tolist()[0]
            if y_proba is not None:
                out["probabilities"], out["classes"] = y_proba[0].tolist(), self.classes
        else:
            out["predictions"] = y_pred.tolist()
            if y_proba is not None:
                out["probabilities"], out["classes"] = y_proba.tolist(), self.classes
        return Response(json.dumps(out, allow_nan=False), media_type="application/json")


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or ``None`` when it is longer than ``limit`` bytes.

    An oversized body is still read (and dropped) up to a hard cap, so that the client, which may
    still be sending, receives the 413 instead of a broken connection.
    """
    chunks, size = [], 0
    async for chunk in request.stream():  # ClientDisconnect if the client goes away mid-upload
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        elif size > _DRAIN_FACTOR * limit:
            break
    return b"".join(chunks) if size <= limit else None


class _MetricsMiddleware:
    """Counts every HTTP request by route and status and times it (pure ASGI: no per-request task)."""

    def __init__(self, app: Any, requests_total: Counter, latency: Histogram, paths: set[str]):
        self.app, self.requests_total, self.latency, self.paths = app, requests_total, latency, paths

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            # Labels come from closed sets: a scanner must not create a time series per URL or method.
            path = scope["path"] if scope["path"] in self.paths else "other"
            method = scope["method"] if scope["method"] in _METHODS else "other"
            self.requests_total.inc((method, path, str(status)))
            self.latency.observe((path,), time.perf_counter() - start)


def _request_schema(bundle: ModelBundle, max_batch: int) -> dict[str, Any]:
    """The /predict body as JSON Schema, for the interactive docs at /docs."""
    record = bundle.validator.json_schema()["$defs"]["Record"]
    return {
        "oneOf": [
            {
                "type": "object",
                "properties": {"records": {"type": "array", "items": record, "minItems": 1, "maxItems": max_batch}},
                "required": ["records"],
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {"record": record},
                "required": ["record"],
                "additionalProperties": False,
            },
        ]
    }


def app_from_env() -> FastAPI:
    """App factory for each worker process of ``mlcourse serve --workers N`` (and ``uvicorn --factory``).

    Reads ``MLCOURSE_BUNDLE`` (folder), and optionally ``MLCOURSE_BUNDLE_SHA256``, ``MLCOURSE_MAX_BATCH``
    and ``MLCOURSE_TRUSTED_FACTORIES`` (comma-separated).
    """
    directory = os.environ.get("MLCOURSE_BUNDLE")
    if not directory:
        raise RuntimeError("MLCOURSE_BUNDLE is not set: it must name a model bundle folder")
    factories = [f for f in os.environ.get("MLCOURSE_TRUSTED_FACTORIES", "").split(",") if f]
    bundle = ModelBundle.load(
        directory, expected_sha256=os.environ.get("MLCOURSE_BUNDLE_SHA256") or None, factories=factories
    )
    return create_app(bundle, max_batch=int(os.environ.get("MLCOURSE_MAX_BATCH", "1000")))
