"""/graphql over HTTP is answered by api/endpoint.py without strawberry's HTTP view (a repeated
operation byte for byte as the first time); streams, GraphiQL and WebSockets still go to the view."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.app import CaseloadGraphQL
from api.schema import CaseloadSchema
from tests.http_fixtures import GraphQLClient
from tests.support import make_org

JSON = {"content-type": "application/json"}


@pytest.fixture
def view_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The HTTP methods of the requests strawberry's view handled."""
    runs: list[str] = []
    run = CaseloadGraphQL.run

    async def counting(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        runs.append(request.method)
        return await run(self, request, *args, **kwargs)

    monkeypatch.setattr(CaseloadGraphQL, "run", counting)
    return runs


@pytest.fixture
def pipeline_runs(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The query texts that went through strawberry's whole pipeline."""
    runs: list[str | None] = []
    execute = CaseloadSchema.execute

    async def counting(self: Any, query: str | None, *args: Any, **kwargs: Any) -> Any:
        runs.append(query)
        return await execute(self, query, *args, **kwargs)

    monkeypatch.setattr(CaseloadSchema, "execute", counting)
    return runs


async def _post(http: httpx.AsyncClient, payload: bytes, **headers: str) -> httpx.Response:
    return await http.post("/graphql", content=payload, headers={**JSON, **headers})


def _same(first: httpx.Response, second: httpx.Response) -> None:
    assert (second.status_code, second.content) == (first.status_code, first.content)
    for name in ("content-type", "content-length"):
        assert second.headers.get(name) == first.headers.get(name)


async def test_a_known_operation_is_answered_as_the_first_time(
    client: GraphQLClient, view_runs: list[str], pipeline_runs: list[str | None], ctx: Any
) -> None:
    org = await make_org(ctx)
    await ctx.session.commit()
    payload = (
        b'{"query": "query U($j: ID) { units(jurisdictionId: $j) { id name kind } }", '
        b'"variables": {"j": "%d"}, "operationName": "U"}' % org.jurisdiction.id
    )
    first = await _post(client.http, payload)
    assert first.status_code == 200 and first.json()["data"]["units"] and len(pipeline_runs) == 1
    second = await _post(client.http, payload)
    _same(first, second)
    assert len(pipeline_runs) == 1  # the second request took the short way
    # An answer with errors (an id that is not one) is formatted the same on both ways.
    missing = b'{"query": "query D($id: ID!) { dispute(id: $id) { id title } }", "variables": {"id": "x"}}'
    first = await _post(client.http, missing)
    second = await _post(client.http, missing)
    assert first.json()["errors"] and len(pipeline_runs) == 2
    _same(first, second)
    assert view_runs == []  # strawberry's HTTP view answered none of them


async def test_a_refused_principal_is_refused_the_same_on_both_paths(
    client: GraphQLClient, view_runs: list[str]
) -> None:
    payload = b'{"query": "{ enumLabels { enum } }"}'
    assert (await _post(client.http, payload)).status_code == 200  # now known to the endpoint
    known = await _post(client.http, payload, authorization="Bearer not-a-token")
    unknown = await _post(client.http, b'{"query": "{ __typename }"}', authorization="Bearer not-a-token")
    assert known.status_code == unknown.status_code == 401
    assert known.text == unknown.text and "登录已过期" in known.text
    assert known.headers["content-type"] == unknown.headers["content-type"]


async def test_only_streams_and_graphiql_go_to_the_view(client: GraphQLClient, view_runs: list[str]) -> None:
    http = client.http
    query = "{ enumLabels { enum } }"
    assert (await client(query))["data"] and (await client(query))["data"]
    by_get = await http.get("/graphql", params={"query": query})
    assert by_get.status_code == 200 and by_get.json()["data"]["enumLabels"]
    batch = await _post(http, b'[{"query": "{ enumLabels { enum } }"}]')
    assert batch.status_code == 400 and "batch" in batch.json()["errors"][0]["extensions"]["messageEn"]
    assert view_runs == []
    multipart = await _post(http, b'{"query": "{ enumLabels { enum } }"}', accept="multipart/mixed")
    assert multipart.status_code == 200
    ide = await http.get("/graphql", headers={"accept": "text/html"})
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()
    assert view_runs == ["POST", "GET"]


async def test_operation_metrics_count_requests_the_endpoint_answered(client: GraphQLClient) -> None:
    from api.persisted import document_hash

    query = "query EndpointProbe { enumLabels { enum } }"
    apq = {"persistedQuery": {"version": 1, "sha256Hash": document_hash(query)}}
    for _ in range(3):  # a persisted query's name is a label /metrics keeps
        response = await client.http.post("/graphql", json={"query": query, "extensions": apq})
        assert response.json()["data"]
    metrics = (await client.http.get("/metrics")).text
    line = next(
        line
        for line in metrics.splitlines()
        if line.startswith("caseload_graphql_operations_total") and 'operation="EndpointProbe"' in line
    )
    assert line.endswith(" 3.0") and 'status="200"' in line


async def test_requests_beyond_the_concurrency_limit_wait_their_turn(
    settings: Any, registry: Any, session_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``max_concurrent_requests=1`` a second request starts only when the first is answered;
    a streamed subscription does not take a turn (it lasts as long as its client)."""
    import asyncio
    import dataclasses

    from api.app import create_app
    from core.clock import fixed_clock
    from tests.http_fixtures import NOW

    started: list[str] = []
    release = asyncio.Event()
    get_context = CaseloadGraphQL.get_context

    async def gated(self: Any, request: Any, response: Any) -> Any:
        name = request.headers.get("x-probe", "")
        started.append(name)
        if name == "first":
            await release.wait()
        return await get_context(self, request, response)

    monkeypatch.setattr(CaseloadGraphQL, "get_context", gated)
    one = dataclasses.replace(settings, max_concurrent_requests=1)
    app = create_app(one, registry=registry, clock=fixed_clock(NOW))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        payload = b'{"query": "{ __typename }"}'
        first = asyncio.ensure_future(_post(http, payload, **{"x-probe": "first"}))
        await asyncio.sleep(0.05)
        second = asyncio.ensure_future(_post(http, payload, **{"x-probe": "second"}))
        await asyncio.sleep(0.05)
        assert started == ["first"]  # the second waits for the first
        release.set()
        answers = await asyncio.gather(first, second)
        assert [a.status_code for a in answers] == [200, 200] and started == ["first", "second"]
    assert one.concurrency_limit == 1
    assert dataclasses.replace(settings, max_concurrent_requests=0).concurrency_limit == 0  # no limit
    assert dataclasses.replace(settings, db_pool_size=20).concurrency_limit == 10  # the default: half


async def test_a_served_process_leaves_what_start_up_built_out_of_garbage_collection(
    settings: Any, registry: Any
) -> None:
    """``freeze_gc_at_start`` (CASELOAD_GC_FREEZE, on when served): once started, the objects start-up
    built are in the collector's permanent generation, so a full collection no longer walks them; on
    shutdown they are handed back. Off, nothing is frozen."""
    import dataclasses
    import gc

    from api.app import create_app
    from core.clock import fixed_clock
    from tests.http_fixtures import NOW

    assert gc.get_freeze_count() == 0
    for freeze in (False, True):
        app = create_app(
            dataclasses.replace(settings, freeze_gc_at_start=freeze),
            registry=registry,
            clock=fixed_clock(NOW),
        )
        async with app.router.lifespan_context(app):
            state = app.state.caseload  # built by start-up
            walked = any(tracked is state for tracked in gc.get_objects())
            if freeze:
                assert gc.get_freeze_count() > 10_000  # the schema, the mappers, the plugins …
                assert not walked
            else:
                assert gc.get_freeze_count() == 0 and walked
        assert gc.get_freeze_count() == 0
        assert any(tracked is state for tracked in gc.get_objects())
