"""Operations: Prometheus metrics, request ids, the access log (written by api/logs.py), readiness.

Wiring (``api/app.py``)::

    from api.ops import OpsMiddleware, ops_routes
    routes = [..., *ops_routes()]                          # /metrics and /readyz
    Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(OpsMiddleware)])

and ``configure_logging()`` (api/logs.py) where each server process starts (``api/asgi.py``), with
``uvicorn.run(..., log_config=None)`` so that uvicorn keeps these handlers.

Metrics (text format at ``/metrics``):

- ``caseload_http_requests_total{method,route,status}`` and ``caseload_http_request_duration_seconds``;
- ``caseload_graphql_operations_total{operation,type,status}`` and
  ``caseload_graphql_operation_duration_seconds{operation,type}``, by GraphQL operation name
  (``operationName``, else the name in the document, else ``anonymous``) when the name is one
  people can alert on: an operation of the console's bundled scripts, of the trusted-documents
  manifest, or of a persisted query (at most :data:`MAX_PERSISTED_NAMES` of those); any other name
  is counted as ``other``, so made-up names cannot grow /metrics. ``status`` is the HTTP status;
- ``caseload_graphql_errors_total{code,kind}``: GraphQL errors by ``extensions.code`` (``validation``
  or ``parse_error`` for a document refused without one, ``field_error`` for a field's error without
  one), ``kind`` ``request`` (nothing ran), ``field`` (an error located on a field) or ``payload``
  (an error a mutation returned as data, when the client selected its ``code``);
- ``caseload_worker_backlog_obligations`` and ``caseload_worker_lag_seconds``: open obligations
  whose due date has passed but which no worker scan has marked overdue yet, and how long the
  oldest of them has waited (the worker's lag, read from the database at scrape time);
- ``caseload_cache_hits_total{cache}``, ``caseload_cache_misses_total{cache}`` and
  ``caseload_cache_hit_ratio{cache}`` for every cache on the app state that counts hits and misses.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from api.logs import REQUEST_ID, JsonFormatter, RequestIdFilter, configure_logging, log_access
from core.resilience import REGISTRY as RESILIENCE

# Structured logs live in api/logs.py; these names are kept here for the modules that import them.
__all__ = [
    "REQUEST_ID",
    "JsonFormatter",
    "OpsMiddleware",
    "RequestIdFilter",
    "configure_logging",
    "ops_routes",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("caseload.ops")
access_log = logging.getLogger("caseload.access")

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
MAX_PERSISTED_NAMES = 100
MAX_ERROR_CODES = 200
CONSOLE_SCRIPTS = Path(__file__).parent / "console" / "static" / "js"
REPORT_KEY = "caseload.graphql"  # scope entry the endpoint fills: error codes (api/endpoint.py)
MAX_BODY_FOR_NAME = 1024 * 1024  # bodies up to this size are parsed for the operation name
CHECK_TIMEOUT = 3.0

REGISTRY = CollectorRegistry(auto_describe=True)
HTTP_REQUESTS = Counter(
    "caseload_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=REGISTRY
)
HTTP_LATENCY = Histogram(
    "caseload_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
HTTP_IN_FLIGHT = Gauge("caseload_http_requests_in_flight", "HTTP requests being served", registry=REGISTRY)
GRAPHQL_OPERATIONS = Counter(
    "caseload_graphql_operations_total",
    "GraphQL operations over HTTP, by operation name",
    ["operation", "type", "status"],
    registry=REGISTRY,
)
GRAPHQL_LATENCY = Histogram(
    "caseload_graphql_operation_duration_seconds",
    "GraphQL operation latency, by operation name",
    ["operation", "type"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
GRAPHQL_ERRORS = Counter(
    "caseload_graphql_errors_total",
    "GraphQL errors over HTTP, by error code and where they were (request, field, payload)",
    ["code", "kind"],
    registry=REGISTRY,
)
DEPENDENCY_UP = Gauge(
    "caseload_dependency_up",
    "Whether a dependency answered the last readiness check (1) or not (0)",
    ["dependency"],
    registry=REGISTRY,
)
PLUGINS_BROKEN = Gauge(
    "caseload_plugin_broken",
    "1 for a policy plugin isolated at start-up (its jurisdictions answer plugin_unavailable)",
    ["plugin"],
    registry=REGISTRY,
)
WEBSOCKETS = Gauge("caseload_websocket_connections", "Open WebSocket connections", registry=REGISTRY)
WORKER_BACKLOG = Gauge(
    "caseload_worker_backlog_obligations",
    "Open obligations past their due date that no worker scan has marked overdue yet",
    registry=REGISTRY,
)
WORKER_LAG = Gauge(
    "caseload_worker_lag_seconds",
    "How long the oldest unmarked overdue obligation has been overdue (0 when none)",
    registry=REGISTRY,
)

_KNOWN_ROUTES = ("/graphql", "/metrics", "/readyz", "/healthz", "/")
_PREFIX_ROUTES = ("/console/", "/static/", "/export/")
_persisted_labels: set[str] = set()
_error_codes: set[str] = set()
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,60}$")


def route_label(path: str) -> str:
    """A bounded label for a path: known routes as they are, static trees by prefix, else ``other``."""
    if path in _KNOWN_ROUTES:
        return path
    for prefix in _PREFIX_ROUTES:
        if path.startswith(prefix):
            return prefix + "*"
    return "other"


@lru_cache(maxsize=1)
def console_operation_names() -> frozenset[str]:
    """The operations of the console's bundled scripts (named in their GraphQL text)."""
    pattern = re.compile(r"\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")
    names: set[str] = set()
    for script in sorted(CONSOLE_SCRIPTS.rglob("*.js")):
        names.update(pattern.findall(script.read_text(encoding="utf-8")))
    return frozenset(names)


def operation_label(name: str, persisted: Any) -> str:
    """``name`` when people can alert on it (see the module docstring), else ``other``."""
    if name in ("anonymous", "invalid", "batch", "non_json", "large", "persisted"):
        return name
    if name in console_operation_names():
        return name
    if persisted is not None:
        if name in persisted.trusted_names:
            return name
        if persisted.remembered_names.get(name) is not None:
            if name in _persisted_labels:
                return name
            if len(_persisted_labels) < MAX_PERSISTED_NAMES:
                _persisted_labels.add(name)
                return name
    return "other"


def count_errors(codes: Iterable[tuple[str, str]]) -> None:
    """Count (code, kind) pairs; codes are the server's own, bounded by :data:`MAX_ERROR_CODES`."""
    for code, kind in codes:
        if not _CODE.match(code):
            code = "other"
        elif code not in _error_codes:
            if len(_error_codes) >= MAX_ERROR_CODES:
                code = "other"
            else:
                _error_codes.add(code)
        _child(GRAPHQL_ERRORS, code, kind).inc()


_OPERATION_RE = re.compile(r"^\s*(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?")


@lru_cache(maxsize=512)
def _document_operation(query: str) -> tuple[str, str]:
    """(type, name) of the first operation in a document, without a full parse."""
    text = re.sub(r"#[^\n]*", "", query)
    match = _OPERATION_RE.match(text)
    if match is None:
        return ("query", "anonymous") if text.lstrip().startswith("{") else ("unknown", "anonymous")
    return match.group(1), match.group(2) or "anonymous"


def operation_of(query: str | None, given: str | None) -> tuple[str, str]:
    """(type, name) of an operation: ``operationName`` wins over the document's first name."""
    return _operation(query, given)


def graphql_operation(payload: Any) -> tuple[str, str]:
    """(type, name) of a GraphQL request body (``operationName`` wins over the document's name)."""
    if isinstance(payload, list):
        return "batch", "batch"
    if not isinstance(payload, dict):
        return "unknown", "invalid"
    query, given = payload.get("query"), payload.get("operationName")
    return _operation(query if isinstance(query, str) else None, given if isinstance(given, str) else None)


@lru_cache(maxsize=512)
def _operation(query: str | None, given: str | None) -> tuple[str, str]:
    kind, name = _document_operation(query) if query is not None else ("unknown", "persisted")
    if given:
        name = given
        if query is not None:
            match = re.search(rf"\b(query|mutation|subscription)\s+{re.escape(given)}\b", query)
            if match:
                kind = match.group(1)
    if not re.fullmatch(r"[_A-Za-z][_0-9A-Za-z]{0,80}", name):
        name = "invalid"
    return kind, name


_children: dict[tuple[int, tuple[str, ...]], Any] = {}


def _child(metric: Counter | Histogram, *labels: str) -> Any:
    """``metric.labels(*labels)``, looked up once per label set (label values here are bounded)."""
    key = (id(metric), labels)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(*labels)
    return child


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class OpsMiddleware:
    """ASGI middleware: a request id for every request, access logs, and request/operation metrics.

    The request id comes from a well-formed ``X-Request-ID`` header or is generated; it is put back
    into the request headers (so the principal and the audit trail carry it), into a context
    variable (so every log line does), and into the response headers.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if given and _REQUEST_ID_OK.match(given) else uuid.uuid4().hex
        headers = [(k, v) for k, v in scope.get("headers") or [] if k.lower() != b"x-request-id"]
        headers.append((b"x-request-id", request_id.encode()))
        scope = {**scope, "headers": headers}
        token = REQUEST_ID.set(request_id)
        try:
            if scope["type"] == "websocket":
                WEBSOCKETS.inc()
                try:
                    await self.app(scope, receive, send)
                finally:
                    WEBSOCKETS.dec()
                return
            await self._http(scope, receive, send, request_id)
        finally:
            REQUEST_ID.reset(token)

    async def _http(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        method = str(scope.get("method", "GET"))
        path = str(scope.get("path", ""))
        route = route_label(path)
        operation: tuple[str, str] | None = None
        if path == "/graphql" and method == "POST":
            receive, operation = await _peek_graphql(receive)
        elif path == "/graphql" and method == "GET" and scope.get("query_string"):
            params = parse_qs(bytes(scope["query_string"]).decode("latin-1"))
            if "query" in params:
                names = params.get("operationName") or [""]
                operation = graphql_operation({"query": params["query"][0], "operationName": names[0]})
        status = 500
        start = time.perf_counter()
        report: dict[str, Any] = {}
        scope[REPORT_KEY] = report

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        HTTP_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            HTTP_IN_FLIGHT.dec()
            elapsed = time.perf_counter() - start
            _child(HTTP_REQUESTS, method, route, str(status)).inc()
            _child(HTTP_LATENCY, method, route).observe(elapsed)
            extra: dict[str, Any] = {
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": round(elapsed * 1000, 1),
            }
            operation = report.get("operation") or operation  # the endpoint's, when it resolved one
            if operation is not None:
                kind, name = operation
                state = getattr(getattr(scope.get("app"), "state", None), "caseload", None)
                name = operation_label(name, getattr(state, "persisted", None))
                _child(GRAPHQL_OPERATIONS, name, kind, str(status)).inc()
                _child(GRAPHQL_LATENCY, name, kind).observe(elapsed)
                extra["operation"] = name
                extra["operation_type"] = kind
            if report.get("errors"):
                count_errors(report["errors"])
            if route not in ("/metrics", "/readyz", "/healthz") and not route.endswith("*"):
                log_access(access_log, f"{method} {path} {status}", extra)


_HEAD_OPERATION = re.compile(
    rb'"query"\s*:\s*"\s*(?:#[^"\\n]*\\n\s*)*(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)'
)


async def _peek_graphql(receive: Receive) -> tuple[Receive, tuple[str, str] | None]:
    """Read the start of the request body to find the operation; the app gets a receive that replays it.

    At most :data:`MAX_BODY_FOR_NAME` bytes are read here (the app, and its body-size limit, read
    the rest): a small body is parsed as JSON, a large one (a ledger upload) is searched for the
    operation at its start.
    """
    chunks: list[bytes] = []
    size = 0
    messages: list[Message] = []
    complete = False
    while size <= MAX_BODY_FOR_NAME:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        body = message.get("body", b"")
        size += len(body)
        chunks.append(body)
        if not message.get("more_body", False):
            complete = True
            break
    operation: tuple[str, str] | None = None
    raw = b"".join(chunks)
    if complete:
        try:
            operation = graphql_operation(orjson.loads(raw or b"null"))
        except orjson.JSONDecodeError:
            operation = ("unknown", "non_json")  # e.g. a multipart upload
    else:
        match = _HEAD_OPERATION.search(raw[:65536])
        operation = (match.group(1).decode(), match.group(2).decode()) if match else ("unknown", "large")
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay, operation


# ---------------------------------------------------------------------------------------------
# Scrape-time figures: worker lag, caches
# ---------------------------------------------------------------------------------------------


async def update_worker_lag(app_state: Any, engine: Any) -> None:
    """Count open obligations past due that no scan has marked overdue, and the oldest one's wait."""
    from core.clock import CHINA
    from core.enums import ObligationStatus
    from core.obligations.models import Obligation

    now = app_state.clock().astimezone(CHINA)
    stmt = select(func.count(Obligation.id), func.min(Obligation.due_date)).where(
        Obligation.status == ObligationStatus.OPEN, Obligation.due_date < now.date()
    )
    async with engine.connect() as conn:
        count, oldest = (await conn.execute(stmt)).one()
    WORKER_BACKLOG.set(count or 0)
    if oldest is None:
        WORKER_LAG.set(0)
        return
    if isinstance(oldest, str):
        oldest = dt.date.fromisoformat(oldest)
    overdue_since = dt.datetime.combine(oldest + dt.timedelta(days=1), dt.time(), tzinfo=CHINA)
    WORKER_LAG.set(max(0.0, (now - overdue_since).total_seconds()))


class CacheCollector:
    """Hit and miss counters of every cache-like object on the app state (``hits`` and ``misses``)."""

    def __init__(self, app_state: Any) -> None:
        self.app_state = app_state

    def caches(self) -> Iterable[tuple[str, Any]]:
        seen: set[int] = set()
        for name, value in sorted(vars(self.app_state).items()):
            for candidate_name, candidate in ((name, value), *_nested_caches(name, value)):
                if id(candidate) in seen:
                    continue
                if isinstance(getattr(candidate, "hits", None), int) and isinstance(
                    getattr(candidate, "misses", None), int
                ):
                    seen.add(id(candidate))
                    yield candidate_name, candidate

    def collect(self) -> Iterable[Metric]:
        hits = CounterMetricFamily("caseload_cache_hits", "Cache hits", labels=["cache"])
        misses = CounterMetricFamily("caseload_cache_misses", "Cache misses", labels=["cache"])
        ratio = GaugeMetricFamily("caseload_cache_hit_ratio", "Cache hits / lookups", labels=["cache"])
        for name, cache in self.caches():
            h, m = int(cache.hits), int(cache.misses)
            hits.add_metric([name], h)
            misses.add_metric([name], m)
            ratio.add_metric([name], h / (h + m) if h + m else 0.0)
        yield hits
        yield misses
        yield ratio


def _nested_caches(name: str, value: Any) -> list[tuple[str, Any]]:
    """One level down (a service object holding its cache), for objects we own."""
    if value is None or isinstance(value, str | int | float | bool | list | dict | tuple):
        return []
    attrs = getattr(value, "__dict__", None)
    if not isinstance(attrs, dict):
        return []
    return [(f"{name}.{k}", v) for k, v in attrs.items() if hasattr(v, "hits") and hasattr(v, "misses")]


# ---------------------------------------------------------------------------------------------
# Routes
# ---------------------------------------------------------------------------------------------


def metrics_allowed(request: Request, settings: Any) -> bool:
    """Development: anyone. Production: only a scraper that sends ``CASELOAD_METRICS_TOKEN``
    (operation names, error rates and cache sizes describe the service to an attacker)."""
    if settings is None or not settings.production:
        return True
    token = settings.metrics_token
    given = request.headers.get("authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


async def metrics(request: Request) -> Response:
    state = getattr(request.app.state, "caseload", None)
    if not metrics_allowed(request, getattr(state, "settings", None)):
        return PlainTextResponse(
            "metrics need `Authorization: Bearer <CASELOAD_METRICS_TOKEN>` in production\n",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    engine = getattr(request.app.state, "engine", None)
    body = b""
    if state is not None and engine is not None:
        try:
            await asyncio.wait_for(update_worker_lag(state, engine), CHECK_TIMEOUT)
        except Exception as exc:  # a slow or failed database must not break the scrape
            log.warning("worker lag not measured: %s", exc)
        for name in state.registry.broken:
            PLUGINS_BROKEN.labels(name).set(1)
        scratch = CollectorRegistry(auto_describe=False)
        scratch.register(CacheCollector(state))
        body = generate_latest(scratch)
    # core.resilience counts dependency errors and the Redis breaker without importing the API.
    body += generate_latest(RESILIENCE)
    return Response(generate_latest(REGISTRY) + body, media_type=CONTENT_TYPE_LATEST)


async def _check_database(engine: Any) -> None:
    from sqlalchemy import text

    async with engine.connect() as conn:
        await conn.execute(text("select 1"))


async def _check_redis(url: str) -> None:
    import redis.asyncio as aioredis

    client = aioredis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT)
    try:
        await client.ping()
    finally:
        await client.aclose()


async def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers at the code's schema revision (else 503). Redis is optional at
    run time: when it is down the process still serves (from its in-process fallbacks), so the answer
    stays 200 with ``degraded`` naming it, and ``caseload_dependency_up{dependency="redis"}`` is 0."""
    from core.migrate import current_revisions, head_revisions

    checks: dict[str, str] = {}
    engine = getattr(request.app.state, "engine", None)
    state = getattr(request.app.state, "caseload", None)
    if engine is None:
        checks["database"] = "not started"
    else:
        try:
            await asyncio.wait_for(_check_database(engine), CHECK_TIMEOUT)
            current = await asyncio.wait_for(current_revisions(engine), CHECK_TIMEOUT)
            checks["database"] = "ok"
            checks["schema"] = "ok" if current == head_revisions() else "outdated"
        except Exception as exc:
            log.warning("readiness: database unavailable: %s", exc)
            checks["database"] = "unavailable"
    DEPENDENCY_UP.labels("database").set(1 if checks.get("database") == "ok" else 0)
    degraded: list[str] = []
    redis_url = getattr(getattr(state, "settings", None), "redis_url", None)
    if redis_url:
        try:
            await asyncio.wait_for(_check_redis(redis_url), CHECK_TIMEOUT)
            checks["redis"] = "ok"
        except Exception as exc:
            log.warning("readiness: redis unavailable (serving without it): %s", exc)
            checks["redis"] = "unavailable"
            degraded.append("redis")
        DEPENDENCY_UP.labels("redis").set(0 if degraded else 1)
    ready = all(checks.get(k) == "ok" for k in ("database", "schema"))
    status = "not_ready" if not ready else "degraded" if degraded else "ready"
    body: dict[str, object] = {"status": status, "checks": checks, "degraded": degraded}
    broken = getattr(getattr(state, "registry", None), "broken", None)
    if broken:
        # Still ready: the other jurisdictions serve. The broken plugins are named for the operator.
        body["brokenPlugins"] = {name: error.message_en for name, error in broken.items()}
    return JSONResponse(body, status_code=200 if ready else 503)


def ops_routes() -> list[BaseRoute]:
    """``/metrics`` (Prometheus text format) and ``/readyz`` (database and Redis)."""
    return [Route("/metrics", metrics, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]
