"""Operations endpoints: Prometheus metrics by GraphQL operation, request ids, JSON logs, readiness."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.ops import JsonFormatter, RequestIdFilter, graphql_operation, route_label
from core.clock import fixed_clock
from core.config import Settings
from core.policy.manager import PolicyRegistry
from tests.http_fixtures import NOW


@pytest.fixture
async def http(
    settings: Settings, registry: PolicyRegistry, session_factory: Any
) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings, registry=registry, clock=fixed_clock(NOW))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def _apq(text: str) -> dict[str, Any]:
    from api.persisted import document_hash

    return {"persistedQuery": {"version": 1, "sha256Hash": document_hash(text)}}


def sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    for line in metrics.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_count_graphql_operations_by_name(http: httpx.AsyncClient) -> None:
    before = sample(
        (await http.get("/metrics")).text, "caseload_graphql_operations_total", operation="OpsProbe"
    )
    probe = "query OpsProbe { enumLabels { enum } }"
    for _ in range(2):  # persisted (Apollo's APQ): a name /metrics labels
        response = await http.post("/graphql", json={"query": probe, "extensions": _apq(probe)})
        assert response.status_code == 200
    await http.post("/graphql", json={"query": "{ jurisdictions { id } }"})
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert (
        sample(text, "caseload_graphql_operations_total", operation="OpsProbe", type="query", status="200")
        == before + 2
    )
    assert sample(text, "caseload_graphql_operations_total", operation="anonymous", type="query") >= 1
    assert sample(text, "caseload_graphql_operation_duration_seconds_count", operation="OpsProbe") >= 2
    assert sample(text, "caseload_http_requests_total", method="POST", route="/graphql", status="200") >= 3
    assert "caseload_worker_backlog_obligations" in text and "caseload_worker_lag_seconds" in text


async def test_worker_lag_counts_unmarked_overdue_obligations(http: httpx.AsyncClient, ctx: Any) -> None:
    import datetime as dt

    from core.disputes.service import DisputeInput, assign_resolution, record_dispute
    from core.enums import ActionType, DisputeField, DisputeSource, ResolutionStage
    from tests.support import make_org

    org = await make_org(ctx)
    dispute = await record_dispute(
        ctx,
        DisputeInput(
            unit_id=org.agency.id,
            title="争议",
            applicant_name="陈某",
            field=DisputeField.OTHER,
            action_type=ActionType.OTHER,
            source=DisputeSource.SCREENING,
            received_date=dt.date(2024, 10, 1),
        ),
    )
    # Accepting is due 3 working days after 2024-10-08 (11 October); no worker has scanned since.
    await assign_resolution(
        ctx,
        dispute.id,
        unit_id=org.agency.id,
        stage=ResolutionStage.PRE_FILING,
        assigned_date=dt.date(2024, 10, 8),
    )
    await ctx.session.commit()
    text = (await http.get("/metrics")).text
    assert sample(text, "caseload_worker_backlog_obligations") == 1
    # Overdue since 12 October 00:00 (China); "now" is 20 November 10:00: 39 days and 10 hours.
    assert sample(text, "caseload_worker_lag_seconds") == (39 * 24 + 10) * 3600


async def test_request_ids_are_echoed_or_made(http: httpx.AsyncClient) -> None:
    given = await http.get("/readyz", headers={"x-request-id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await http.get("/readyz", headers={"x-request-id": "not ok; injected"})
    assert made.headers["x-request-id"] != "not ok; injected" and len(made.headers["x-request-id"]) == 32


async def test_readyz_checks_the_database(http: httpx.AsyncClient, settings: Settings) -> None:
    response = await http.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready" and body["checks"]["database"] == "ok"
    assert body["checks"]["schema"] == "ok" and body["degraded"] == []
    if settings.redis_url:
        assert body["checks"]["redis"] == "ok"
    else:
        assert "redis" not in body["checks"]


async def test_readyz_reports_an_unreachable_redis_as_degraded(
    settings: Settings, registry: PolicyRegistry, session_factory: Any
) -> None:
    from dataclasses import replace

    application = create_app(settings, registry=registry, clock=fixed_clock(NOW))
    async with application.router.lifespan_context(application):
        application.state.caseload.settings = replace(settings, redis_url="redis://127.0.0.1:1/0")
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/readyz")
    # Redis is optional at run time: the process serves without it, so it stays in service.
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "degraded" and body["degraded"] == ["redis"]
    assert body["checks"]["redis"] == "unavailable" and body["checks"]["database"] == "ok"


async def test_console_page_is_served_with_a_strict_policy(http: httpx.AsyncClient) -> None:
    page = await http.get("/")
    assert page.status_code == 200 and "行政争议化解工作平台" in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    script = await http.get("/console/js/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]


def test_json_log_lines_carry_the_request_id() -> None:
    from api.ops import REQUEST_ID

    record = logging.LogRecord("caseload.test", logging.INFO, __file__, 1, "导入 %s 行", (3,), None)
    record.operation = "ImportLedger"
    token = REQUEST_ID.set("req-42")
    try:
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        REQUEST_ID.reset(token)
    assert line["message"] == "导入 3 行" and line["request_id"] == "req-42"
    assert line["level"] == "info" and line["operation"] == "ImportLedger"


@pytest.fixture
def logging_restored() -> Any:
    """configure_logging() replaces the root handlers: put pytest's back afterwards."""
    from api.logs import flush_logs

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    flags = (logging.logThreads, logging.logProcesses, logging.logMultiprocessing)
    yield
    flush_logs()
    logging.logThreads, logging.logProcesses, logging.logMultiprocessing = flags
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


async def test_the_access_log_is_written_off_the_request_path_with_every_field(
    settings: Settings,
    registry: PolicyRegistry,
    session_factory: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    logging_restored: Any,
) -> None:
    """One JSON line per request (what an operator's log pipeline parses), written by the queue's
    listener thread: the request only hands the record over."""
    import threading

    from api.logs import FLUSH_SECONDS, configure_logging, flush_logs

    configure_logging("INFO", json_format=True)
    writers: set[str] = set()
    original = JsonFormatter.format

    def format(formatter: JsonFormatter, record: logging.LogRecord) -> str:
        if record.name == "caseload.access":
            writers.add(threading.current_thread().name)
        return original(formatter, record)

    monkeypatch.setattr(JsonFormatter, "format", format)
    application = create_app(settings, registry=registry, clock=fixed_clock(NOW))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post(
                "/graphql",
                json={"query": "query LogProbe { __typename }"},
                headers={"x-request-id": "req-log-1"},
            )
            assert response.status_code == 200
        await asyncio.sleep(FLUSH_SECONDS * 4)  # the writer's next batch
    flush_logs()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "caseload.access"]
    assert len(access) == 1, lines
    entry = access[0]
    assert entry["message"] == "POST /graphql 200" and entry["level"] == "info"
    assert entry["request_id"] == "req-log-1"
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/graphql", 200)
    assert entry["operation"] == "other" and entry["operation_type"] == "query"
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
    assert entry["time"].endswith("+00:00") and "T" in entry["time"]
    assert writers == {"caseload-log-writer"}


def test_a_queued_exception_keeps_its_traceback() -> None:
    from api.logs import _RecordQueueHandler

    handler = _RecordQueueHandler(__import__("queue").SimpleQueue())
    try:
        raise ValueError("坏数据")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "caseload.test", logging.ERROR, __file__, 1, "失败 %s", ("x",), sys.exc_info()
        )
    prepared = handler.prepare(record)
    line = json.loads(JsonFormatter().format(prepared))
    assert line["message"] == "失败 x" and "ValueError: 坏数据" in line["exception"]


def test_operation_names_and_routes_are_bounded() -> None:
    assert graphql_operation({"query": "mutation Save($a: Int) { x }"}) == ("mutation", "Save")
    assert graphql_operation({"query": "# c\n{ a }"}) == ("query", "anonymous")
    assert graphql_operation({"query": "query A { a } query B { b }", "operationName": "B"}) == ("query", "B")
    assert graphql_operation({"query": "{ a }", "operationName": "bad name!"})[1] == "invalid"
    assert graphql_operation([{"query": "{ a }"}]) == ("batch", "batch")
    assert route_label("/console/js/app.js") == "/console/*"
    assert route_label("/etc/passwd") == "other"


async def test_metrics_report_cache_hit_rate(
    settings: Settings, registry: PolicyRegistry, session_factory: Any
) -> None:
    from core.indicators.cache import InProcessCache

    application = create_app(settings, registry=registry, clock=fixed_clock(NOW))
    async with application.router.lifespan_context(application):
        cache = InProcessCache()
        application.state.caseload.indicator_cache = cache
        await cache.set(1, "g", "k", {"v": 1})
        for _ in range(3):
            await cache.get(1, "g", "k")
        await cache.get(1, "g", "missing")
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            text = (await client.get("/metrics")).text
    assert sample(text, "caseload_cache_hits_total", cache="indicator_cache") == 3
    assert sample(text, "caseload_cache_misses_total", cache="indicator_cache") == 1
    assert sample(text, "caseload_cache_hit_ratio", cache="indicator_cache") == 0.75


async def test_a_large_body_is_named_from_its_start_and_passed_on_whole(http: httpx.AsyncClient) -> None:
    padding = "x" * (2 * 1024 * 1024)
    query = "query BigProbe($pad: String) { jurisdiction(code: $pad) { id } }"
    response = await http.post(
        "/graphql", json={"query": query, "variables": {"pad": padding}, "extensions": _apq(query)}
    )
    assert response.status_code == 200, response.text
    # Passed on whole: the server read the whole variable (and refused it as too long for a code).
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "too_long" and error["extensions"]["field"] == "code"
    assert f"{len(padding)} characters" in error["message"]
    text = (await http.get("/metrics")).text
    assert sample(text, "caseload_graphql_operations_total", operation="BigProbe", type="query") >= 1


async def test_peeking_stops_early_and_replays_every_chunk() -> None:
    from api.ops import MAX_BODY_FOR_NAME, _peek_graphql

    body = json.dumps(
        {
            "query": "mutation ImportLedger($f: String!) { x }",
            "variables": {"f": "A" * (3 * MAX_BODY_FOR_NAME)},
        }
    )
    data = body.encode()
    size = 64 * 1024
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)
    ]
    read = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        return messages[read - 1]

    replay, operation = await _peek_graphql(receive)
    assert operation == ("mutation", "ImportLedger")
    assert read < len(messages) // 2, "the peek reads only the start of a large body"
    replayed = [await replay() for _ in messages]
    assert b"".join(m["body"] for m in replayed) == data


async def test_metrics_show_the_redis_breaker_and_dependency_errors(http: httpx.AsyncClient) -> None:
    """An operator alerts on Redis being skipped and on dependency errors: both are on /metrics
    (counted in core.resilience, outside the API's own registry)."""
    from core.redis_guard import breaker_for

    breaker = breaker_for("redis://metrics-probe.invalid:6379/0")
    breaker.failed(ConnectionError("refused"))
    try:
        text = (await http.get("/metrics")).text
        assert sample(text, "caseload_redis_breaker_open", client=breaker.name) == 1
        assert sample(text, "caseload_redis_breaker_opens_total", client=breaker.name) >= 1
        assert (
            sample(text, "caseload_dependency_errors_total", dependency="redis", component=breaker.name) >= 1
        )
    finally:
        breaker.succeeded()
    text = (await http.get("/metrics")).text
    assert sample(text, "caseload_redis_breaker_open", client=breaker.name) == 0


async def test_made_up_operation_names_do_not_grow_metrics(http: httpx.AsyncClient) -> None:
    """Only names people can alert on are labels: the console's, trusted or persisted ones."""
    await http.post("/graphql", json={"query": "query Warmup { __typename }"})
    before = len((await http.get("/metrics")).content)
    for index in range(260):
        await http.post("/graphql", json={"query": f"query MadeUp{index} {{ __typename }}"})
    text = (await http.get("/metrics")).text
    assert "MadeUp" not in text
    assert len(text.encode()) - before < 2000  # one "other" series, whatever the count
    assert sample(text, "caseload_graphql_operations_total", operation="other", type="query") >= 260
    # A console operation is labelled by its name without being registered anywhere.
    console = "query ConsoleCapabilities { __typename }"
    await http.post("/graphql", json={"query": console})
    text = (await http.get("/metrics")).text
    assert sample(text, "caseload_graphql_operations_total", operation="ConsoleCapabilities") >= 1


async def test_graphql_errors_are_counted_by_code(http: httpx.AsyncClient) -> None:
    def errors(text: str, code: str, kind: str) -> float:
        return sample(text, "caseload_graphql_errors_total", code=code, kind=kind)

    before = (await http.get("/metrics")).text
    await http.post("/graphql", json={"query": "{ noSuchField }"})  # validation, HTTP 200
    await http.post("/graphql", json={"query": "{"})
    await http.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
    await http.post(
        "/graphql",
        json={"query": 'mutation { createJurisdiction(plugin: "no_such_plugin") { errors { code } } }'},
    )
    after = (await http.get("/metrics")).text
    assert errors(after, "validation", "request") == errors(before, "validation", "request") + 1
    assert errors(after, "parse_error", "request") == errors(before, "parse_error", "request") + 1
    assert errors(after, "bad_request", "request") == errors(before, "bad_request", "request") + 1
    payload = [
        line
        for line in after.splitlines()
        if line.startswith("caseload_graphql_errors_total") and 'kind="payload"' in line
    ]
    assert payload, "a mutation's error returned as data is counted by its code"
    # The HTTP status stays its own label: the validation error was answered 200.
    assert sample(after, "caseload_graphql_operations_total", operation="anonymous", status="200") >= 1
