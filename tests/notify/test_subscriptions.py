"""GraphQL subscriptions over a real WebSocket (graphql-transport-ws) to uvicorn on loopback: a
committed mutation reaches its subscribers within a second, and nobody else."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from api.notify import subscriptions
from core.auth.service import create_api_token, create_user, revoke_api_token
from core.context import ServiceContext
from core.enums import Role
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
    # Warm up (first connections, caches) so the timing below is the steady state.
    await issue(live_app, world.staff(), jurisdictionId=str(world.jid), kind="INFO", title="预热")
    assert (await sub.next(timeout=5))["payload"]["data"]["notifications"]["title"] == "预热"

    notice = await issue(
        live_app,
        world.staff(),
        jurisdictionId=str(world.jid),
        kind="REMINDER_LETTER",
        title="关于按期报送月度排查情况的工作提醒函",
        body="请于本月28日前报送。",
        recipientUnitId=str(world.org.agency.id),
    )
    started = time.monotonic()  # from the committed mutation's answer (its own duration varies)
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
        await gql.mutate(
            """mutation($d: ID!, $u: ID!) { assignResolution(input: {disputeId: $d, unitId: $u,
            stage: PRE_FILING, assignedDate: "2024-11-19"}) { result { id } errors { field code message } } }""",
            {"d": dispute["id"], "u": str(org.agency.id)},
        )
        # Measured from the committed mutation's answer (its own duration depends on the machine).
        started = time.monotonic()
    message = await sub.next(timeout=2)
    assert time.monotonic() - started < 1.0
    got = message["payload"]["data"]["obligationChanged"]
    assert got["ruleId"] == "testland.accept" and got["status"] == "OPEN"
    assert got["unit"] == {"name": "县自然资源局"}


async def test_a_bearer_token_in_connection_init_identifies_the_subscriber_until_revoked(
    live_app: LiveApp, ws_client: WsClient, world: World, ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(subscriptions, "RECHECK_SECONDS", 0.0)  # re-validate the token at every event
    org = world.org
    user = await create_user(
        ctx,
        username="agency-clerk",
        password="Correct-horse-9",
        role=Role.UNIT_CLERK,
        jurisdiction_id=world.jid,
        unit_id=org.agency.id,
    )
    await ctx.session.flush()
    api_token, token = await create_api_token(ctx, user_id=user.id, name="大屏")
    await ctx.session.commit()

    # The token wins over development headers that claim more.
    sub = await ws_client.subscribe(
        NOTIFICATIONS,
        init_payload={"authorization": f"Bearer {token}", "x-caseload-role": "system_admin"},
    )
    await live_app.wait_subscribed(notifications_topic(world.jid))
    await issue(
        live_app,
        world.staff(),
        jurisdictionId=str(world.jid),
        kind="INFO",
        title="致本单位",
        recipientUnitId=str(org.agency.id),
    )
    got = (await sub.next())["payload"]["data"]["notifications"]
    assert got["title"] == "致本单位"
    await issue(
        live_app,
        world.staff(),
        jurisdictionId=str(world.jid),
        kind="INFO",
        title="致乡镇",
        recipientUnitId=str(org.township.id),
    )
    assert await sub.nothing_within(0.5), "a unit clerk's token does not see other units' notices"

    await revoke_api_token(ctx, api_token.id)
    await ctx.session.commit()
    await issue(
        live_app,
        world.staff(),
        jurisdictionId=str(world.jid),
        kind="INFO",
        title="令牌撤销之后",
        recipientUnitId=str(org.agency.id),
    )
    ended = await sub.next()
    assert ended["type"] == "next" and ended["payload"]["data"] is None, ended
    assert ended["payload"]["errors"][0]["extensions"]["code"] == "unauthenticated"
    assert "令牌撤销之后" not in json.dumps(ended, ensure_ascii=False)


async def test_an_invalid_token_rejects_the_connection(live_app: LiveApp, world: World):
    async with connect(live_app.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": "Bearer cl_forged"}})
        )
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_each_notification_streams_once_and_mine_keeps_only_my_inbox(
    live_app: LiveApp, ws_client: WsClient, world: World
):
    org = world.org
    everything = await ws_client.subscribe(NOTIFICATIONS, init_payload=world.staff())
    mine = await ws_client.subscribe(
        "subscription { notifications(mine: true) { title } }", init_payload=world.staff()
    )
    clerk = await ws_client.subscribe(NOTIFICATIONS, headers=world.clerk(org.agency.id))
    await live_app.wait_subscribed(notifications_topic(world.jid), count=3)

    to_unit = await issue(
        live_app,
        world.staff(),
        jurisdictionId=str(world.jid),
        kind="REMINDER",
        title="致单位",
        recipientUnitId=str(org.agency.id),
    )
    assert (await everything.next())["payload"]["data"]["notifications"]["title"] == "致单位"
    assert (await clerk.next())["payload"]["data"]["notifications"]["title"] == "致单位"

    # Acknowledging changes the notification: it is not streamed again as if it were new.
    async with httpx.AsyncClient(base_url=live_app.url, timeout=10) as http:
        gql = GraphQLClient(http)
        await gql.mutate(
            "mutation($id: ID!) { acknowledgeNotification(id: $id) { result { id } errors { field code message } } }",
            {"id": to_unit["id"]},
            **world.clerk(org.agency.id),
        )
    await issue(
        live_app,
        world.staff(),
        jurisdictionId=str(world.jid),
        kind="ESCALATION",
        title="致司法局",
        recipientRole="JUSTICE_STAFF",
    )
    assert (await everything.next())["payload"]["data"]["notifications"]["title"] == "致司法局"
    assert (await mine.next())["payload"]["data"]["notifications"]["title"] == "致司法局"

    # Every unit's clerks, as a role: a clerk sees it although it names no unit.
    await issue(
        live_app,
        world.staff(),
        jurisdictionId=str(world.jid),
        kind="INFO",
        title="致全体联络员",
        recipientRole="UNIT_CLERK",
    )
    assert (await clerk.next())["payload"]["data"]["notifications"]["title"] == "致全体联络员"
    assert (await everything.next())["payload"]["data"]["notifications"]["title"] == "致全体联络员"
    assert await mine.nothing_within(0.3)
    assert await everything.nothing_within(0.1)
