"""Relay connections page by position, not offset: a record inserted between two page requests
neither repeats a row nor hides one; ``last/before`` walks back over the same pages; hasNextPage and
hasPreviousPage are true in both directions; nullable keys sort last on both databases; a cursor of
another list or order is refused."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from sqlalchemy import update

from core.context import ServiceContext
from core.disputes import service as disputes
from core.enums import ActionType, DisputeField, DisputeSource, ResolutionStage
from core.obligations.models import Obligation
from tests.api.conftest import GraphQLClient
from tests.support import Org, make_org

PAGE = """query($first: Int, $after: String, $last: Int, $before: String) {
  disputes(first: $first, after: $after, last: $last, before: $before, order: RECEIVED_DESC) {
    totalCount edges { cursor node { title } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


async def record(ctx: ServiceContext, org: Org, title: str, day: dt.date) -> Any:
    return await disputes.record_dispute(
        ctx,
        disputes.DisputeInput(
            unit_id=org.agency.id,
            title=title,
            applicant_name="申请人",
            field=DisputeField.OTHER,
            action_type=ActionType.PENALTY,
            source=DisputeSource.SCREENING,
            received_date=day,
        ),
    )


async def seeded(ctx: ServiceContext, n: int) -> Org:
    org = await make_org(ctx)
    for i in range(n):
        await record(ctx, org, f"争议{i}", dt.date(2024, 3, 1) + dt.timedelta(days=i))
    await ctx.session.commit()
    return org


def titles(page: dict[str, Any]) -> list[str]:
    return [e["node"]["title"] for e in page["edges"]]


async def test_a_record_inserted_between_pages_neither_repeats_nor_hides_a_row(
    ctx: ServiceContext, client: GraphQLClient
) -> None:
    org = await seeded(ctx, 7)
    first = (await client.ok(PAGE, {"first": 3}))["disputes"]
    assert titles(first) == ["争议6", "争议5", "争议4"]
    # A colleague records a newer dispute: with offsets the next page would show 争议4 again.
    await record(ctx, org, "新登记的争议", dt.date(2024, 4, 1))
    await ctx.session.commit()
    second = (await client.ok(PAGE, {"first": 3, "after": first["pageInfo"]["endCursor"]}))["disputes"]
    assert titles(second) == ["争议3", "争议2", "争议1"]
    assert second["totalCount"] == 8
    assert second["pageInfo"]["hasPreviousPage"] and second["pageInfo"]["hasNextPage"]
    last = (await client.ok(PAGE, {"first": 3, "after": second["pageInfo"]["endCursor"]}))["disputes"]
    assert titles(last) == ["争议0"] and not last["pageInfo"]["hasNextPage"]


async def test_last_before_walks_back_over_the_same_pages(ctx: ServiceContext, client: GraphQLClient) -> None:
    await seeded(ctx, 7)
    forward: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await client.ok(PAGE, {"first": 3, "after": after}))["disputes"]
        forward.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert [titles(p) for p in forward] == [
        ["争议6", "争议5", "争议4"],
        ["争议3", "争议2", "争议1"],
        ["争议0"],
    ]
    assert [p["pageInfo"]["hasPreviousPage"] for p in forward] == [False, True, True]

    tail = (await client.ok(PAGE, {"last": 3}))["disputes"]
    assert titles(tail) == ["争议2", "争议1", "争议0"]
    assert tail["pageInfo"]["hasPreviousPage"] and not tail["pageInfo"]["hasNextPage"]
    back = (await client.ok(PAGE, {"last": 3, "before": forward[1]["pageInfo"]["startCursor"]}))["disputes"]
    assert titles(back) == titles(forward[0])
    assert not back["pageInfo"]["hasPreviousPage"] and back["pageInfo"]["hasNextPage"]
    # Both ends: the rows between two cursors.
    between = (
        await client.ok(
            PAGE,
            {
                "first": 10,
                "after": forward[0]["edges"][0]["cursor"],
                "before": forward[1]["edges"][2]["cursor"],
            },
        )
    )["disputes"]
    assert titles(between) == ["争议5", "争议4", "争议3", "争议2"]


async def test_rows_without_a_due_date_come_last_and_page_like_the_others(
    ctx: ServiceContext, client: GraphQLClient
) -> None:
    org = await seeded(ctx, 4)
    listed = await client.ok("{ disputes(first: 10) { nodes { id } } }")
    for n, node in enumerate(listed["disputes"]["nodes"]):
        await disputes.assign_resolution(
            ctx,
            int(node["id"]),
            unit_id=org.township.id,
            stage=ResolutionStage.PRE_FILING,
            assigned_date=dt.date(2024, 3, 10 + n),
        )
    await ctx.session.commit()
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
      obligations(first: $first, after: $after, last: $last, before: $before) {
        totalCount nodes { id dueDate } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } }"""
    everything = (await client.ok(query, {"first": 100}))["obligations"]
    ids = [int(n["id"]) for n in everything["nodes"]]
    assert len(ids) >= 4
    # A year whose holidays are not entered yet leaves a due date unknown (None): two such rows.
    await ctx.session.execute(update(Obligation).where(Obligation.id.in_(ids[:2])).values(due_date=None))
    await ctx.session.commit()
    expected = (await client.ok(query, {"first": 100}))["obligations"]["nodes"]
    assert [n["dueDate"] for n in expected][-2:] == [None, None]
    assert all(n["dueDate"] is not None for n in expected[:-2])
    walked: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await client.ok(query, {"first": 2, "after": after}))["obligations"]
        walked += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert walked == expected
    backward: list[dict[str, Any]] = []
    before = None
    while True:
        page = (await client.ok(query, {"last": 2, "before": before}))["obligations"]
        backward = page["nodes"] + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert backward == expected


async def test_a_cursor_of_another_list_or_an_old_offset_cursor_is_refused(
    ctx: ServiceContext, client: GraphQLClient
) -> None:
    await seeded(ctx, 3)
    page = (await client.ok(PAGE, {"first": 1}))["disputes"]
    cursor = page["pageInfo"]["endCursor"]
    other_order = await client(
        "query($after: String) { disputes(first: 1, after: $after, order: NUMBER_ASC) { totalCount } }",
        {"after": cursor},
    )
    old = base64.urlsafe_b64encode(b"o:1").decode()
    offset = await client(PAGE, {"first": 1, "after": old})
    for body in (other_order, offset):
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "invalid_cursor", error
        assert "分页游标无效" in error["extensions"]["message"] and error["extensions"]["field"] == "after"
    too_many = await client(PAGE, {"last": 101})
    assert too_many["errors"][0]["extensions"]["code"] == "invalid_page_size"
