"""Operations run before are executed again without strawberry's pipeline (api/prepared.py), with
the same answers, limits, method rules and error handling as the first time."""

from __future__ import annotations

from typing import Any

import pytest

from api.hardening import MAX_COST, estimate_cost
from api.schema import CaseloadSchema
from tests.http_fixtures import GraphQLClient
from tests.support import make_org


@pytest.fixture
def executed(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The query texts that went through strawberry's whole pipeline."""
    calls: list[str | None] = []
    execute = CaseloadSchema.execute

    async def counting(self: Any, query: str | None, *args: Any, **kwargs: Any) -> Any:
        calls.append(query)
        return await execute(self, query, *args, **kwargs)

    monkeypatch.setattr(CaseloadSchema, "execute", counting)
    return calls


UNITS = "query($j: ID) { units(jurisdictionId: $j) { id name } }"


async def test_a_repeated_operation_skips_the_pipeline_and_answers_the_same(
    client: GraphQLClient, executed: list[str | None], ctx: Any
) -> None:
    org = await make_org(ctx)
    await ctx.session.commit()
    j = str(org.jurisdiction.id)
    first = await client.ok(UNITS, {"j": j})
    assert first["units"] and executed == [UNITS]
    assert await client.ok(UNITS, {"j": j}) == first
    assert executed == [UNITS]  # the second run did not go through strawberry's pipeline
    # New variables are coerced as usual: a bad id is refused with the field named.
    bad = await client(UNITS, {"j": "not-an-id"})
    assert bad["errors"][0]["extensions"]["field"] == "jurisdictionId"
    wrong_type = await client(UNITS, {"j": {"nested": 1}})
    assert "$j" in wrong_type["errors"][0]["message"] and executed == [UNITS]
    # A text that failed validation is never remembered: it fails the same way each time.
    invalid = "{ units { nosuchfield } }"
    for _ in range(2):
        assert "nosuchfield" in (await client(invalid))["errors"][0]["message"]
    assert executed == [UNITS, invalid, invalid]


async def test_the_cost_limit_still_applies_to_the_variables_of_a_remembered_operation(
    client: GraphQLClient, executed: list[str | None]
) -> None:
    from graphql import parse

    from api.schema import schema

    inner = "edges { node { litigationCases { hearings { id court } } obligations { id } } }"
    query = (
        "query($n: Int!) { " + " ".join(f"q{i}: disputes(first: $n) {{ {inner} }}" for i in range(25)) + " }"
    )
    document = parse(query)
    assert estimate_cost(schema._schema, document, None, {"n": 1}) <= MAX_COST
    assert estimate_cost(schema._schema, document, None, {"n": 100}) > MAX_COST
    assert not (await client(query, {"n": 1})).get("errors")
    assert not (await client(query, {"n": 1})).get("errors")
    assert len(executed) == 1
    refused = await client(query, {"n": 100})
    assert refused["errors"][0]["extensions"]["code"] == "query_too_costly" and len(executed) == 2


async def test_a_mutation_run_by_post_is_not_run_by_get(client: GraphQLClient, executed: list[str | None]):
    mutation = 'mutation { createJurisdiction(plugin: "no_such_plugin") { errors { field } } }'
    assert (await client(mutation))["data"] is not None
    assert (await client(mutation))["data"] is not None and len(executed) == 1
    response = await client.http.get("/graphql", params={"query": mutation})
    # The GraphQL-over-HTTP spec: 405 Method Not Allowed, naming the method that is.
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert "mutation" in response.text.lower()


async def test_an_unexpected_error_is_masked_and_logged_on_the_short_path(
    client: GraphQLClient, executed: list[str | None], monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    query = "{ enumLabels { enum } }"
    assert (await client.ok(query))["enumLabels"]

    def broken() -> list[Any]:
        raise RuntimeError("secret detail")

    monkeypatch.setattr("api.schema.enum_labels", broken)
    headers: dict[str, str] = {"x-request-id": "req-42"}
    body = await client(query, None, **headers)
    assert len(executed) == 1  # the short path ran it
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "internal_error", "requestId": "req-42"}
    assert "secret detail" not in error["message"]
    assert any("secret detail" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


async def test_malformed_bodies_are_refused_as_strawberry_refuses_them(client: GraphQLClient) -> None:
    http = client.http
    headers = {"content-type": "application/json"}
    assert (await http.post("/graphql", content=b"{not json", headers=headers)).status_code == 400
    wrong = await http.post(
        "/graphql", content=b'{"query": "{ __typename }", "variables": [1]}', headers=headers
    )
    assert wrong.status_code == 400 and "variables" in wrong.text
    number = await http.post("/graphql", content=b'{"query": 5}', headers=headers)
    assert number.status_code == 400 and "query" in number.text
    charset = {"content-type": "application/json; charset=utf-8"}
    ok = await http.post("/graphql", content=b'{"query": "{ __typename }"}', headers=charset)
    assert ok.status_code == 200 and ok.json() == {"data": {"__typename": "Query"}}
    typed = await http.post("/graphql", content=b"{ __typename }", headers={"content-type": "text/plain"})
    assert typed.status_code == 415 and "application/json" in typed.json()["errors"][0]["message"]


async def test_a_named_operation_sent_without_its_name_is_remembered_as_sent(
    client: GraphQLClient, executed: list[str | None]
) -> None:
    named = "query Labels { enumLabels { enum } }"
    first = await client.ok(named)  # no operationName in the request
    assert await client.ok(named) == first and len(executed) == 1
    body = await client.http.post("/graphql", json={"query": named, "operationName": "Labels"})
    assert body.json()["data"] == first and len(executed) == 2  # a different request: its own entry
    await client.http.post("/graphql", json={"query": named, "operationName": "Labels"})
    assert len(executed) == 2
