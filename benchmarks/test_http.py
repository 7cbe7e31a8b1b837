"""caseload against the physical limit on the same data, in the same server process.

Timing: ``--benchmark-enable`` (pytest-benchmark groups each GraphQL operation with its plain
endpoint). Structure, asserted in every run and in CI: the plain endpoint returns the very document
GraphQL returns, and the nested page takes a constant number of SQL statements whatever its size.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select

from benchmarks.app import DASHBOARD, DASHBOARD_RANGE, PAGE, TRIVIAL, bench_today, make_app
from benchmarks.lifecycle import run_lifecycle
from core.config import Settings
from core.enums import OfficialRank, UnitKind
from core.org.models import Official, Unit
from core.policy.manager import PolicyRegistry

MAX_STATEMENTS = 6


def graphql(http: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = http.post("/graphql", json={"query": query, "variables": variables or {}})
    body: dict[str, Any] = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    return body


def canonical(value: Any) -> Any:
    """Lists sorted by id (ties in the loaders' ordering are free to come out either way)."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [canonical(v) for v in value]
        if items and all(isinstance(i, dict) and "id" in i for i in items):
            items.sort(key=lambda i: int(i["id"]))
        return items
    return value


# -- trivial query -------------------------------------------------------------------------------


@pytest.mark.benchmark(group="trivial")
def test_trivial_graphql(benchmark: Any, http: httpx.Client) -> None:
    body = benchmark(graphql, http, TRIVIAL)
    assert body == {"data": {"__typename": "Query"}}


@pytest.mark.benchmark(group="trivial")
def test_trivial_plain(benchmark: Any, http: httpx.Client) -> None:
    body = benchmark(lambda: http.get("/plain/trivial").json())
    assert body == {"data": {"__typename": "Query"}}


@pytest.mark.benchmark(group="trivial")
def test_trivial_plain_post(benchmark: Any, http: httpx.Client) -> None:
    """The plain route sent the same POST as GraphQL: it reads and parses the body."""
    body = benchmark(lambda: http.post("/plain/trivial", json={"query": TRIVIAL}).json())
    assert body == {"data": {"__typename": "Query"}}


# -- nested page ---------------------------------------------------------------------------------


@pytest.mark.benchmark(group="nested page of 50")
def test_page_graphql(benchmark: Any, http: httpx.Client, busiest_jurisdiction: int) -> None:
    body = benchmark(graphql, http, PAGE, {"first": 50, "j": str(busiest_jurisdiction)})
    assert len(body["data"]["disputes"]["nodes"]) == 50


@pytest.mark.benchmark(group="nested page of 50")
def test_page_plain(benchmark: Any, http: httpx.Client, busiest_jurisdiction: int) -> None:
    body = benchmark(lambda: http.get("/plain/page", params={"first": 50, "j": busiest_jurisdiction}).json())
    assert len(body["data"]["disputes"]["nodes"]) == 50


@pytest.mark.parametrize("first", [10, 50])
def test_page_plain_returns_what_graphql_returns(
    http: httpx.Client, busiest_jurisdiction: int, first: int
) -> None:
    ours = graphql(http, PAGE, {"first": first, "j": str(busiest_jurisdiction)})
    plain = http.get("/plain/page", params={"first": first, "j": busiest_jurisdiction}).json()
    assert canonical(ours) == canonical(plain)
    if first == 50:  # the oldest fifty have lived their whole story
        cases = [c for n in ours["data"]["disputes"]["nodes"] for c in n["litigationCases"]]
        assert cases and any(c["hearings"] for c in cases) and any(c["outcome"] for c in cases)


@pytest.fixture
async def inprocess(
    bench_settings: Settings, registry: PolicyRegistry
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    # No import runner polling in the background: the statement counts below are the page's own.
    app = make_app(dataclasses.replace(bench_settings, import_runner_setting="worker"), registry=registry)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
    ):
        yield app, client


async def test_page_statement_count_is_constant(
    inprocess: tuple[Any, httpx.AsyncClient], busiest_jurisdiction: int
) -> None:
    app, client = inprocess
    counts: dict[int, list[str]] = {}
    for first in (5, 20, 50):
        statements: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any, sink: list[str] = statements) -> None:
            sink.append(statement)

        event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
        try:
            response = await client.post(
                "/graphql",
                json={"query": PAGE, "variables": {"first": first, "j": str(busiest_jurisdiction)}},
            )
        finally:
            event.remove(app.state.engine.sync_engine, "before_cursor_execute", count)
        assert response.status_code == 200 and not response.json().get("errors")
        counts[first] = statements
    sizes = {first: len(s) for first, s in counts.items()}
    # A very small page may hold no case (fewer nested loads); from 20 on every level is hit.
    assert sizes[20] == sizes[50] and sizes[5] <= sizes[50], f"statements grow with the page size: {sizes}"
    assert sizes[50] <= MAX_STATEMENTS, "\n".join(counts[50])


# -- dashboard -----------------------------------------------------------------------------------


@pytest.mark.benchmark(group="dashboard, cold")
def test_dashboard_graphql_cold(benchmark: Any, http: httpx.Client, busiest_jurisdiction: int) -> None:
    """Every round a different period end, so the dashboard cache never answers."""
    ends = itertools.count()

    def cold() -> dict[str, Any]:
        end = dt.date(bench_today().year - 1, 12, 31) - dt.timedelta(days=next(ends) % 300)
        variables = {"j": str(busiest_jurisdiction), "start": f"{end.year}-01-01", "end": end.isoformat()}
        return graphql(http, DASHBOARD_RANGE, variables)

    body = benchmark(cold)
    assert body["data"]["dashboard"]["indicators"]


@pytest.mark.benchmark(group="dashboard, cached")
def test_dashboard_graphql_cached(benchmark: Any, http: httpx.Client, busiest_jurisdiction: int) -> None:
    variables = {"j": str(busiest_jurisdiction), "year": bench_today().year - 1}
    graphql(http, DASHBOARD, variables)

    def fetch() -> bytes:  # bytes, as the floor returns them: the client decodes neither
        response = http.post("/graphql", json={"query": DASHBOARD, "variables": variables})
        assert response.status_code == 200
        return response.content

    body = json.loads(benchmark(fetch))
    assert body["data"]["dashboard"]["units"] and not body.get("errors")


@pytest.mark.benchmark(group="dashboard, cached")
def test_dashboard_plain_cached_bytes(benchmark: Any, http: httpx.Client, busiest_jurisdiction: int) -> None:
    """The floor under a cached dashboard: the cache entry's bytes, served by a plain endpoint."""
    variables = {"j": str(busiest_jurisdiction), "year": bench_today().year - 1}
    graphql(http, DASHBOARD, variables)
    params = {"j": busiest_jurisdiction, "year": bench_today().year - 1}

    def fetch() -> bytes:
        response = http.get("/plain/dashboard/cached", params=params)
        assert response.status_code == 200
        return response.content

    body = benchmark(fetch)
    assert b'"indicators"' in body


@pytest.mark.benchmark(group="dashboard, cold")
def test_dashboard_plain_sql(benchmark: Any, http: httpx.Client, busiest_jurisdiction: int) -> None:
    """The floor under a cold dashboard: the same figures for the same periods, in raw SQL aggregates.

    Like the cold GraphQL benchmark, every round asks a different period end."""
    ends = itertools.count()

    def fetch() -> dict[str, Any]:
        end = dt.date(bench_today().year - 1, 12, 31) - dt.timedelta(days=next(ends) % 300)
        params: dict[str, str | int] = {
            "j": busiest_jurisdiction,
            "start": f"{end.year}-01-01",
            "end": end.isoformat(),
        }
        response = http.get("/plain/dashboard", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    body = benchmark(fetch)
    assert body["data"]["dashboard"]["indicators"]


def figures_only(value: Any) -> Any:
    """A dashboard without what the floor does not compute: display texts, target statuses and ranks."""
    if isinstance(value, dict):
        return {k: figures_only(v) for k, v in value.items() if k not in ("display", "status", "rank")}
    if isinstance(value, list):
        return [figures_only(v) for v in value]
    return value


@pytest.fixture(scope="session")
def dashboard_jurisdictions(bench_settings: Settings, busiest_jurisdiction: int) -> list[int]:
    """The busiest jurisdiction, and the first of each plugin that adds indicators of its own (Qiannan)."""
    import asyncio

    from core.db import make_engine
    from core.org.models import Jurisdiction

    async def find() -> list[int]:
        engine = make_engine(bench_settings)
        try:
            async with engine.connect() as conn:
                rows = (
                    await conn.execute(
                        select(func.min(Jurisdiction.id))
                        .where(Jurisdiction.plugin == "qiannan")
                        .group_by(Jurisdiction.plugin)
                    )
                ).all()
        finally:
            await engine.dispose()
        return sorted({busiest_jurisdiction, *(int(r[0]) for r in rows)})

    return asyncio.run(find())


def test_dashboard_plain_returns_what_graphql_returns(
    http: httpx.Client, dashboard_jurisdictions: list[int]
) -> None:
    """The floor counts what the dashboard shows (every indicator, the plugin's own included, its value a
    year earlier and every unit's figures), so the two cannot drift apart."""
    year = bench_today().year - 1
    codes: set[str] = set()
    for jurisdiction in dashboard_jurisdictions:
        for variables in (
            {"start": f"{year}-01-01", "end": f"{year}-08-31"},  # four periods: none is another's copy
            {"start": f"{year + 1}-01-01", "end": bench_today().isoformat()},  # this year, up to today
            {"year": year},
        ):
            query = DASHBOARD if "year" in variables else DASHBOARD_RANGE
            ours = graphql(http, query, {"j": str(jurisdiction), **variables})
            response = http.get("/plain/dashboard", params={"j": jurisdiction, **variables})
            assert response.status_code == 200, response.text
            plain = response.json()
            assert figures_only(ours) == plain, (jurisdiction, variables)
            indicators = plain["data"]["dashboard"]["indicators"]
            assert any(i["current"]["numerator"] for i in indicators)
            assert plain["data"]["dashboard"]["units"]
            codes |= {i["indicator"] for i in indicators}
    assert "qiannan.head_appearance_cases" in codes, "no jurisdiction with a plugin's own indicators"


# -- lifecycle by mutations ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def agency_and_head(bench_settings: Settings, busiest_jurisdiction: int) -> tuple[int, int]:
    import asyncio

    from core.db import make_engine

    async def find() -> tuple[int, int]:
        engine = make_engine(bench_settings)
        try:
            async with engine.connect() as conn:
                row = (
                    await conn.execute(
                        select(Unit.id, Official.id)
                        .join(Official, Official.unit_id == Unit.id)
                        .where(
                            Unit.jurisdiction_id == busiest_jurisdiction,
                            Unit.kind == UnitKind.AGENCY,
                            Official.rank == OfficialRank.PRINCIPAL_HEAD,
                        )
                        .order_by(Unit.id)
                        .limit(1)
                    )
                ).one()
                return int(row[0]), int(row[1])
        finally:
            await engine.dispose()

    return asyncio.run(find())


LIFECYCLE_SEQ = itertools.count(int(dt.datetime.now().timestamp()))


@pytest.mark.benchmark(group="lifecycle (18 mutations)")
def test_lifecycle_mutations(benchmark: Any, http: httpx.Client, agency_and_head: tuple[int, int]) -> None:
    unit_id, official_id = agency_and_head

    def lifecycle() -> int:
        return run_lifecycle(
            http, today=bench_today(), unit_id=unit_id, official_id=official_id, seq=next(LIFECYCLE_SEQ)
        )

    assert benchmark.pedantic(lifecycle, rounds=5, iterations=1) == 18


@pytest.mark.benchmark(group="lifecycle (18 mutations)")
def test_lifecycle_plain_writes(benchmark: Any, http: httpx.Client) -> None:
    """The floor: 18 one-row write transactions over HTTP."""

    def writes() -> int:
        for i in range(18):
            assert http.post("/plain/write", params={"id": 1 + i}).status_code == 200
        return 18

    assert benchmark.pedantic(writes, rounds=5, iterations=1) == 18
