"""A connection loads what its nodes select up front (api/prefetch.py): the same rows as resolving each
node on its own, under the same scoping, with no DataLoader batch left for the nested fields."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import strawberry.dataloader
from sqlalchemy import select

import api.common
from api.prefetch import RELATIONS
from api.schema import schema
from core.org.models import Unit
from tests.api.conftest import GraphQLClient
from tests.api.test_nested_queries import seed
from tests.conftest import StatementCounter
from tests.support import make_org

NODE = """fragment Node on Dispute {
  id number unit { name } jurisdiction { name } leaderInCharge { name }
  resolutionEfforts { id unit { name } progressReports { id } extensions { id } hearings { id }
                      dispute { id } obligations { ruleId status } }
  litigationCases { id caseNumber unit { name } dispute { id } parentCase { id }
                    hearings { id scheduledAt case { id } designatedOfficial { name } attendingOfficial { name }
                               obligations(openOnly: true) { ruleId } }
                    outcome { kind isLoss } duties { id kind }
                    open: obligations(openOnly: true) { id ruleId } all: obligations { id ruleId } }
  reconsiderationCases { id unit { name } dispute { id } obligations { ruleId } }
  obligations { id ruleId }
}"""

PAGE = "query { disputes(first: 20, order: RECEIVED_ASC) { nodes { ...Node } } }\n" + NODE
ONE = "query($id: ID!) { dispute(id: $id) { ...Node } }\n" + NODE


@pytest.fixture
def dispatches(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The DataLoader batches dispatched (a nested field that had to wait for its own load)."""
    seen: list[Any] = []
    dispatch = strawberry.dataloader.dispatch

    def counting(loader: Any, batch: Any) -> None:
        seen.append(loader)
        dispatch(loader, batch)

    monkeypatch.setattr(strawberry.dataloader, "dispatch", counting)
    yield seen


async def page_and_one_by_one(client: GraphQLClient, **headers: str) -> tuple[list[Any], list[Any]]:
    nodes = (await client.ok(PAGE, **headers))["disputes"]["nodes"]
    one_by_one = [(await client.ok(ONE, {"id": n["id"]}, **headers))["dispute"] for n in nodes]
    return nodes, one_by_one


async def test_a_prefetched_page_is_what_each_node_resolves_to_on_its_own(
    ctx: Any, client: GraphQLClient, dispatches: list[Any]
) -> None:
    await seed(ctx, 4)
    nodes, one_by_one = await page_and_one_by_one(client)
    assert len(nodes) == 4 and nodes == one_by_one
    case = nodes[0]["litigationCases"][0]
    assert case["outcome"] == {"kind": "REVOKED", "isLoss": True}
    assert case["hearings"][0]["designatedOfficial"] == {"name": "张局长"}
    assert case["open"] and case["all"] and nodes[0]["resolutionEfforts"][0]["obligations"]


async def test_prefetch_keeps_the_viewers_scope(ctx: Any, client: GraphQLClient) -> None:
    """A township clerk sees the disputes it is a respondent in and its own efforts, not the agency's
    cases below them, whether the page loads them up front or each dispute on its own."""
    await seed(ctx, 3)
    units = {u.name: u for u in await ctx.session.scalars(select(Unit))}
    other = await make_org(ctx, "wuping")  # another jurisdiction: none of its clerks sees the page
    await ctx.session.commit()
    township, agency = units["城关镇"], units["县自然资源局"]
    as_township = {
        "x-caseload-role": "unit_clerk",
        "x-caseload-jurisdiction": str(township.jurisdiction_id),
        "x-caseload-unit": str(township.id),
    }
    as_agency = {**as_township, "x-caseload-unit": str(agency.id)}

    nodes, one_by_one = await page_and_one_by_one(client, **as_township)
    assert len(nodes) == 3 and nodes == one_by_one
    for node in nodes:
        assert node["litigationCases"] == [] and node["obligations"] == []
        assert [e["unit"]["name"] for e in node["resolutionEfforts"]] == ["城关镇"]

    nodes, one_by_one = await page_and_one_by_one(client, **as_agency)
    assert len(nodes) == 3 and nodes == one_by_one
    for node in nodes:
        assert [c["unit"]["name"] for c in node["litigationCases"]] == ["县自然资源局"]
        assert node["resolutionEfforts"] == []

    stranger = {
        **as_agency,
        "x-caseload-jurisdiction": str(other.jurisdiction.id),
        "x-caseload-unit": str(other.agency.id),
    }
    assert (await client.ok(PAGE, **stranger))["disputes"]["nodes"] == []


async def test_no_nested_field_waits_for_a_load_of_its_own(
    ctx: Any, client: GraphQLClient, app: Any, dispatches: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prefetched, the page issues no more statements than resolving field by field (one per loader and
    level, keys already loaded skipped), whatever its size, and none of its fields waits for a batch."""
    await seed(ctx, 8)
    counts: dict[tuple[bool, int], int] = {}
    answers: dict[tuple[bool, int], Any] = {}
    for prefetching in (True, False):
        if not prefetching:
            monkeypatch.setattr(api.common, "prefetch_connection", skip_prefetch)
        for first in (3, 8):
            dispatches.clear()
            with StatementCounter(app.state.engine) as counter:
                data = await client.ok(PAGE.replace("first: 20", f"first: {first}"))
            assert len(data["disputes"]["nodes"]) == first
            assert (dispatches == []) == prefetching
            counts[prefetching, first] = counter.count
            answers[prefetching, first] = data
    assert answers[True, 8] == answers[False, 8] and answers[True, 3] == answers[False, 3]
    assert counts[True, 3] == counts[True, 8] <= counts[False, 8], counts


async def skip_prefetch(info: Any, rows: Any) -> None:
    return None


async def test_prefetch_follows_variables_aliases_fragments_and_skip(
    ctx: Any, client: GraphQLClient, app: Any, dispatches: list[Any]
) -> None:
    await seed(ctx, 3)
    query = """query($open: Boolean!, $skipCases: Boolean!) { disputes(first: 3, order: RECEIVED_ASC) {
      edges { node { id ... on Dispute { litigationCases @skip(if: $skipCases) {
        mine: obligations(openOnly: $open) { ruleId status } every: obligations { ruleId }
        ...Outcome } } } } }
    }
    fragment Outcome on LitigationCase { outcome { kind } }"""
    for open_only, skip in ((True, False), (False, False), (True, True)):
        with StatementCounter(app.state.engine) as counter:
            data = await client.ok(query, {"open": open_only, "skipCases": skip})
        assert dispatches == []
        cases_loaded = sum("FROM litigation_cases" in s for s in counter.statements)
        assert cases_loaded == (0 if skip else 1)
        for edge in data["disputes"]["edges"]:
            if skip:
                assert "litigationCases" not in edge["node"]
                continue
            (case,) = edge["node"]["litigationCases"]
            assert case["outcome"] == {"kind": "REVOKED"}
            assert case["every"] == [{"ruleId": "testland.loss_analysis"}]
            assert [o["ruleId"] for o in case["mine"]] == ["testland.loss_analysis"]
        # one statement for the open ones and one for all of them, or one for both when the same
        obligation_loads = sum("FROM obligations" in s for s in counter.statements)
        assert obligation_loads == (0 if skip else 2 if open_only else 1)


async def test_other_connections_prefetch_their_nodes_too(
    ctx: Any, client: GraphQLClient, app: Any, dispatches: list[Any]
) -> None:
    await seed(ctx, 6)
    query = """query($first: Int!) { litigationCases(first: $first) { nodes {
      caseNumber dispute { number } hearings { scheduledAt } outcome { kind } obligations(openOnly: true) { ruleId }
    } } }"""
    counts = []
    for first in (2, 6):
        with StatementCounter(app.state.engine) as counter:
            data = await client.ok(query, {"first": first})
        assert len(data["litigationCases"]["nodes"]) == first
        counts.append(counter.count)
    assert counts[0] == counts[1] and dispatches == []


def test_every_relation_is_a_synchronous_field_of_its_type() -> None:
    """A registered relation names a field that exists, and resolves without a coroutine of its own."""
    assert RELATIONS
    for type_name, fields in RELATIONS.items():
        definition = schema.get_type_by_name(type_name)
        assert definition is not None, type_name
        by_name = {schema.config.name_converter.get_graphql_name(f): f for f in definition.fields}  # type: ignore[union-attr]
        for field_name in fields:
            field = by_name.get(field_name)
            assert field is not None, f"{type_name}.{field_name}"
            assert field.base_resolver is not None and not field.is_async, f"{type_name}.{field_name}"
