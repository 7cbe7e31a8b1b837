"""GraphQL hardening: depth, alias, token and cost limits; body size; masked internal errors;
rate limits; idempotency keys; introspection off in production."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from api.app import create_app
from api.hardening import MAX_ALIASES, MAX_DEPTH, RateLimiter
from core.clock import fixed_clock
from core.config import Settings
from core.disputes.models import Dispute
from tests.http_fixtures import NOW, GraphQLClient
from tests.support import make_org


async def test_depth_alias_and_cost_limits(client: GraphQLClient):
    deep = (
        "{ units { "
        + "jurisdiction { units { " * (MAX_DEPTH // 2)
        + "id"
        + " } }" * (MAX_DEPTH // 2)
        + " } }"
    )
    body = await client(deep)
    assert "depth" in body["errors"][0]["message"]
    aliases = "{ " + " ".join(f"a{i}: enumLabels {{ enum }}" for i in range(MAX_ALIASES + 1)) + " }"
    assert "aliases" in (await client(aliases))["errors"][0]["message"].lower()
    costly = """{ disputes(first: 100) { edges { node { litigationCases { hearings { id } }
                 obligations { id } } } } a: litigationCases(first: 100) { edges { node { hearings { id } } } }
                 b: obligations(first: 100) { edges { node { id } } } c: hearings(first: 100) { edges { node { id } } } }"""
    fine = await client(costly)
    assert not fine.get("errors"), fine
    too_costly = (
        "{ "
        + " ".join(
            f"q{i}: disputes(first: 100) {{ edges {{ node {{ litigationCases {{ hearings {{ id court }} }} }} }} }}"
            for i in range(25)
        )
        + " }"
    )
    error = (await client(too_costly))["errors"][0]
    assert error["extensions"]["code"] == "query_too_costly"


async def test_request_body_limit(settings: Settings, registry, session_factory):
    small = Settings(environment="development", database_url=settings.database_url, max_body_bytes=2000)
    app = create_app(small, registry=registry, clock=fixed_clock(NOW))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        big = await http.post("/graphql", json={"query": "{ enumLabels { enum } }", "pad": "x" * 5000})
        assert big.status_code == 413
        ok = await http.post("/graphql", json={"query": "{ enumLabels { enum } }"})
        assert ok.status_code == 200


async def test_internal_errors_are_masked_with_a_request_id(client: GraphQLClient, monkeypatch):
    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret detail: password=hunter2 at /srv/db")

    from api import context as context_module

    monkeypatch.setattr(context_module.Context, "scalars", broken)
    body = await client("{ jurisdictions { id } }", **{"x-request-id": "req-42"})
    error = body["errors"][0]
    assert error["extensions"] == {"code": "internal_error", "requestId": "req-42"}
    assert "secret" not in str(body) and "hunter2" not in str(body)


async def test_rate_limit_per_principal():
    limiter = RateLimiter(3)
    assert [await limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert await limiter.allow("b")


async def test_rate_limited_requests_get_429(settings: Settings, registry, session_factory):
    limited = Settings(environment="development", database_url=settings.database_url, rate_limit_per_minute=2)
    app = create_app(limited, registry=registry, clock=fixed_clock(NOW))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        answers = [await http.post("/graphql", json={"query": "{ enumLabels { enum } }"}) for _ in range(3)]
        # strawberry's own view (a GET query) is limited the same way, in the same shape
        via_view = await http.get("/graphql", params={"query": "{ enumLabels { enum } }"})
    assert [a.status_code for a in answers] == [200, 200, 429]
    for limited in (answers[2], via_view):
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        body = limited.json()  # a GraphQL client can parse it
        assert body["errors"][0]["extensions"]["code"] == "rate_limited"
        assert body["errors"][0]["message"] == "请求过于频繁，请稍后再试"
        assert body["errors"][0]["extensions"]["messageEn"]


async def test_idempotency_key_replays_instead_of_creating_twice(ctx, client: GraphQLClient, session_factory):
    org = await make_org(ctx)
    await ctx.session.commit()
    mutation = """mutation($u: ID!) { recordDispute(input: {unitId: $u, title: "重复提交", applicantName: "陈某",
        field: OTHER, actionType: PENALTY, source: SCREENING, receivedDate: "2024-11-01"}) { result { number } errors { code } } }"""
    payload = {"query": mutation, "variables": {"u": str(org.agency.id)}}
    first = await client.http.post("/graphql", json=payload, headers={"idempotency-key": "abc-1"})
    again = await client.http.post("/graphql", json=payload, headers={"idempotency-key": "abc-1"})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and again.headers.get("idempotent-replay") == "true"
    other = await client.http.post(
        "/graphql",
        json={**payload, "variables": {"u": str(org.township.id)}},
        headers={"idempotency-key": "abc-1"},
    )
    assert other.status_code == 422
    async with session_factory() as s:
        assert await s.scalar(select(func.count(Dispute.id))) == 1
    fresh = await client.http.post("/graphql", json=payload, headers={"idempotency-key": "abc-2"})
    assert fresh.json()["data"]["recordDispute"]["result"]["number"].endswith("00002")


async def test_introspection_and_graphiql_are_off_in_production(
    settings: Settings, registry, session_factory, monkeypatch
):
    monkeypatch.setenv("CASELOAD_SECRET_KEY", "x" * 48)
    production = Settings(database_url=settings.database_url, environment="production")
    app = create_app(production, registry=registry, clock=fixed_clock(NOW))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        body = (await http.post("/graphql", json={"query": "{ __schema { types { name } } }"})).json()
        assert "introspection" in body["errors"][0]["message"].lower()
        page = await http.get("/graphql", headers={"accept": "text/html"})
        assert "graphiql" not in page.text.lower()
        anonymous = (
            await http.post(
                "/graphql",
                json={"query": "{ jurisdictions { id } }"},
                headers={"x-caseload-role": "system_admin"},
            )
        ).json()
        assert anonymous == {"data": {"jurisdictions": []}}


def test_the_cost_memo_keys_on_the_page_sizes_given_by_variables():
    """Costs are remembered per query text, but a different ``first`` gives a different cost."""
    from graphql import parse

    from api.hardening import _CostMemo, estimate_cost
    from api.schema import schema

    graphql_schema = schema._schema
    query = "query($n: Int!) { disputes(first: $n) { nodes { litigationCases { hearings { id } } } } }"
    document = parse(query)
    memo = _CostMemo(maxsize=2)
    small = memo.cost(graphql_schema, query, document, None, {"n": 1})
    large = memo.cost(graphql_schema, query, document, None, {"n": 100})
    assert small < large
    assert small == estimate_cost(graphql_schema, document, None, {"n": 1})
    assert large == estimate_cost(graphql_schema, document, None, {"n": 100})
    assert memo.cost(graphql_schema, query, document, None, {"n": 1}) == small
    # A variable that is not an integer counts as a full page, whatever it holds.
    assert memo.cost(graphql_schema, query, document, None, {"n": "many"}) == estimate_cost(
        graphql_schema, document, None, {"n": 100}
    )


async def test_production_hides_suggestions_metrics_and_sets_safe_headers(
    settings: Settings, registry, session_factory, monkeypatch
):
    monkeypatch.setenv("CASELOAD_SECRET_KEY", "x" * 48)
    production = Settings(
        database_url=settings.database_url, environment="production", metrics_token="m" * 40
    )
    app = create_app(production, registry=registry, clock=fixed_clock(NOW))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        # A misspelt field or enum value gets no "Did you mean …?" (first and repeated requests).
        for _ in range(2):
            body = (await http.post("/graphql", json={"query": "{ disputs { totalCount } }"})).json()
            assert "Cannot query field 'disputs'" in body["errors"][0]["message"]
            assert "Did you mean" not in str(body)
        typo = {
            "query": "query($s: [DisputeStatus!]) { disputes(filter: {status: $s}) { totalCount } }",
            "variables": {"s": ["OPENN"]},
        }
        for _ in range(2):
            assert "Did you mean" not in (await http.post("/graphql", json=typo)).text
        # /metrics: only with the scraper's token.
        assert (await http.get("/metrics")).status_code == 401
        assert (await http.get("/metrics", headers={"authorization": "Bearer wrong"})).status_code == 401
        scraped = await http.get("/metrics", headers={"authorization": "Bearer " + "m" * 40})
        assert scraped.status_code == 200 and "caseload" in scraped.text
        # Headers on API answers, downloads and the console.
        answer = await http.post("/graphql", json={"query": "{ __typename }"})
        for response in (answer, await http.get("/bulletins/1.xlsx"), await http.get("/healthz")):
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        asset = await http.get("/console/js/app.js")
        assert asset.status_code == 200 and asset.headers["x-content-type-options"] == "nosniff"
        assert asset.headers["cache-control"] != "no-store"


async def test_development_keeps_suggestions_and_open_metrics(app, client) -> None:
    body = await client("{ disputs { totalCount } }")
    assert "Did you mean 'dispute' or 'disputes'?" in str(body)
    assert (await client.http.get("/metrics")).status_code == 200


async def test_a_database_outage_is_answered_as_an_outage(registry, monkeypatch) -> None:
    """PostgreSQL not reachable (connection refused on a loopback port nobody listens on): GraphQL
    answers 503 with Retry-After and code `unavailable`, first request and repeated; /readyz says
    503, /healthz (liveness) stays 200 so no orchestrator restarts every instance."""
    from tests.http_fixtures import free_port

    down = Settings(
        database_url=f"postgresql+asyncpg://caseload@127.0.0.1:{free_port()}/caseload",
        environment="development",
    )
    app = create_app(down, registry=registry, clock=fixed_clock(NOW), check_schema=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        for _ in range(2):
            response = await http.post("/graphql", json={"query": "{ disputes(first: 1) { totalCount } }"})
            assert response.status_code == 503, response.text
            assert response.headers["retry-after"].isdigit()
            [error] = response.json()["errors"]
            assert error["extensions"]["code"] == "unavailable"
            assert "数据库暂时无法连接" in error["message"] and "retry" in error["message"]
        ready = await http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"] == "unavailable"
        assert (await http.get("/healthz")).status_code == 200
