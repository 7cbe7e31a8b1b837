"""GraphQL subscriptions over a real WebSocket (graphql-transport-ws) to uvicorn on loopback: a
committed mutation reaches its subscribers within a second, and nobody else."""

from __future__ import annotations

import time
from typing import Any

import httpx

from core.notify.bus import notifications_topic, obligations_topic
from tests.http_fixtures import GraphQLClient
from tests.notify.conftest import LiveApp, World, WsClient

NOTIFICATIONS = """subscription($j: ID) { notifications(jurisdictionId: $j) {
  id jurisdictionId recipientUnitId kind kindLabel title body createdAt } }"""
OBLIGATIONS = """subscription { obligationChanged { id ruleId title status dueDate unit { name } } }"""
ISSUE = """mutation($input: IssueNoticeInput!) { issueNotice(input: $input) {
  result { id title } errors { field code message } } }"""


async def issue(live: LiveApp, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as http:
        gql = GraphQLClient(http)
        gql.headers = headers
        return await gql.mutate(ISSUE, {"input": fields})


async def test_a_notice_reaches_a_subscriber_within_a_second(
    live_app: LiveApp, ws_client: WsClient, world: World
):
    # The principal comes in the connection_init payload, as a browser must send it.
    sub = await ws_client.subscribe(NOTIFICATIONS, init_payload=world.staff())
    await live_app.wait_subscribed(notifications_topic(world.jid))

    started = time.monotonic()
    notice = await issue(
        live_app,
        world.staff(),
        jurisdictionId=str(world.jid),
        kind="REMINDER_LETTER",
        title="关于按期报送月度排查情况的工作提醒函",
        body="请于本月28日前报送。",
        recipientUnitId=str(world.org.agency.id),
    )
    message = await sub.next(timeout=2)
    elapsed = time.monotonic() - started

    assert message["type"] == "next", message
    got = message["payload"]["data"]["notifications"]
    assert got["id"] == notice["id"]
    assert got["title"] == "关于按期报送月度排查情况的工作提醒函"
    assert got["kind"] == "REMINDER_LETTER" and got["kindLabel"] == "工作提醒函"
    assert got["jurisdictionId"] == str(world.jid)
    assert elapsed < 1.0, f"took {elapsed:.3f}s"


async def test_subscribers_of_another_jurisdiction_or_unit_receive_nothing(
    live_app: LiveApp, ws_client: WsClient, world: World
):
    org = world.org
    neighbour = await ws_client.subscribe(NOTIFICATIONS, init_payload=world.staff(world.other.id))
    township_clerk = await ws_client.subscribe(NOTIFICATIONS, headers=world.clerk(org.township.id))
    # The clerk of the addressed unit, principal from the handshake headers.
    agency_clerk = await ws_client.subscribe(NOTIFICATIONS, headers=world.clerk(org.agency.id))
    await live_app.wait_subscribed(notifications_topic(world.other.id))
    await live_app.wait_subscribed(notifications_topic(world.jid), count=2)

    await issue(
        live_app,
        world.staff(),
        jurisdictionId=str(world.jid),
        kind="CRITICISM",
        title="通报批评",
        recipientUnitId=str(org.agency.id),
    )
    message = await agency_clerk.next(timeout=2)
    assert message["payload"]["data"]["notifications"]["recipientUnitId"] == str(org.agency.id)
    assert await neighbour.nothing_within(0.5)
    assert await township_clerk.nothing_within(0.1)


async def test_subscribing_to_another_jurisdiction_is_refused(ws_client: WsClient, world: World):
    sub = await ws_client.subscribe(
        NOTIFICATIONS, {"j": str(world.jid)}, init_payload={"headers": world.staff(world.other.id)}
    )
    message = await sub.next(timeout=2)
    assert message["type"] == "error", message
    error = message["payload"][0]
    assert error["extensions"]["code"] == "forbidden"
    assert error["extensions"]["message"] == "无权订阅其他辖区的消息"


async def test_an_admin_must_name_the_jurisdiction(ws_client: WsClient, world: World):
    sub = await ws_client.subscribe(NOTIFICATIONS, init_payload={"x-caseload-role": "system_admin"})
    message = await sub.next(timeout=2)
    assert message["type"] == "error", message
    assert message["payload"][0]["extensions"]["field"] == "jurisdictionId"
    assert message["payload"][0]["extensions"]["message"] == "请指定要订阅的辖区"


async def test_obligation_changes_stream_as_obligations(live_app: LiveApp, ws_client: WsClient, world: World):
    org = world.org
    sub = await ws_client.subscribe(OBLIGATIONS, headers=world.clerk(org.agency.id))
    await live_app.wait_subscribed(obligations_topic(world.jid))

    async with httpx.AsyncClient(base_url=live_app.url, timeout=10) as http:
        gql = GraphQLClient(http)
        gql.headers = world.staff()
        dispute = await gql.mutate(
            """mutation($u: ID!) { recordDispute(input: {unitId: $u, title: "工伤认定争议",
            applicantName: "周某", field: WORK_INJURY, actionType: CONFIRMATION, source: SCREENING,
            receivedDate: "2024-11-18"}) { result { id } errors { field code message } } }""",
            {"u": str(org.agency.id)},
        )
        started = time.monotonic()
        await gql.mutate(
            """mutation($d: ID!, $u: ID!) { assignResolution(input: {disputeId: $d, unitId: $u,
            stage: PRE_FILING, assignedDate: "2024-11-19"}) { result { id } errors { field code message } } }""",
            {"d": dispute["id"], "u": str(org.agency.id)},
        )
    message = await sub.next(timeout=2)
    assert time.monotonic() - started < 1.0
    got = message["payload"]["data"]["obligationChanged"]
    assert got["ruleId"] == "testland.accept" and got["status"] == "OPEN"
    assert got["unit"] == {"name": "县自然资源局"}
