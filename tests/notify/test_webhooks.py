"""Webhook delivery against a real HTTP receiver on loopback and the real database: signed JSON,
retries with back-off, leases that outlive a crashed worker, concurrent workers, dry runs."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import CHINA
from core.config import Settings
from core.context import ServiceContext
from core.enums import NotificationKind, Role
from core.notify import service
from core.notify.models import DeliveryStatus, NotificationDelivery, WebhookEndpoint
from core.notify.webhooks import (
    MAX_ATTEMPTS,
    deliver_due,
    enqueue_deliveries,
    enqueue_deliveries_by_id,
    mask_url,
    retry_delay,
)
from core.obligations.models import Notification
from tests.notify.conftest import Receiver, World

NOW = dt.datetime(2024, 11, 20, 10, 0, tzinfo=CHINA)  # the ``ctx`` fixture's moment


async def endpoint(ctx: ServiceContext, world: World, url: str, **fields: Any) -> WebhookEndpoint:
    found = await service.register_webhook(
        ctx, world.jid, name=fields.pop("name", "县司法局值班群"), url=url, **fields
    )
    await ctx.session.commit()
    return found


async def notice(
    ctx: ServiceContext, world: World, title: str = "逾期未办，县司法局督办", **fields: Any
) -> Notification:
    found = await service.issue_notice(
        ctx,
        world.jid,
        kind=fields.pop("kind", NotificationKind.ESCALATION),
        title=title,
        body=fields.pop("body", "请于3个工作日内报送办理情况。"),
        recipient_unit_id=world.org.agency.id,
        **fields,
    )
    await ctx.session.commit()
    return found


async def deliveries(session_factory: async_sessionmaker[AsyncSession]) -> list[NotificationDelivery]:
    async with session_factory() as session:
        return list(await session.scalars(select(NotificationDelivery).order_by(NotificationDelivery.id)))


async def test_enqueue_matches_active_endpoints_of_the_jurisdiction_and_kind(
    ctx: ServiceContext, world: World, receiver: Receiver
):
    every = await endpoint(ctx, world, receiver.at("/ok"), name="全部")
    escalations = await endpoint(
        ctx, world, receiver.at("/ok"), name="仅督办", kinds=[NotificationKind.ESCALATION]
    )
    await endpoint(ctx, world, receiver.at("/ok"), name="已停用", active=False)
    ctx.session.add(
        WebhookEndpoint(jurisdiction_id=world.other.id, name="邻县", url=receiver.at("/ok"), kinds=[])
    )
    await ctx.session.commit()

    escalation = await notice(ctx, world)  # issue_notice enqueues in its own transaction
    info = await notice(ctx, world, "通知", kind=NotificationKind.INFO)
    pairs = {
        (d.notification_id, d.endpoint_id) for d in await ctx.session.scalars(select(NotificationDelivery))
    }
    assert pairs == {(escalation.id, every.id), (escalation.id, escalations.id), (info.id, every.id)}
    assert await enqueue_deliveries(ctx.session, [escalation, info]) == 0, "enqueueing twice adds nothing"
    assert await enqueue_deliveries_by_id(ctx.session, [escalation.id, info.id]) == 0


async def test_enqueue_by_id_for_notifications_inserted_by_the_scan(ctx: ServiceContext, world: World):
    hook = await endpoint(ctx, world, "http://10.0.0.5/hook")
    ids = []
    for n in range(2):
        row = Notification(
            jurisdiction_id=world.jid,
            kind=NotificationKind.WARNING,
            title="临期预警",
            dedupe_key=f"scan-{n}",
            created_at=NOW,
        )
        ctx.session.add(row)
        await ctx.session.flush()
        ids.append(row.id)
    assert await enqueue_deliveries_by_id(ctx.session, ids, now=NOW) == 2
    assert await enqueue_deliveries_by_id(ctx.session, []) == 0
    rows = list(await ctx.session.scalars(select(NotificationDelivery)))
    assert {(d.notification_id, d.endpoint_id, d.status) for d in rows} == {
        (i, hook.id, DeliveryStatus.PENDING) for i in ids
    }


async def test_delivered_once_as_signed_json_for_chat_robots(
    ctx: ServiceContext, world: World, receiver: Receiver, session_factory: async_sessionmaker[AsyncSession]
):
    await endpoint(ctx, world, receiver.at("/ok"), secret="s3cret")
    sent = await notice(ctx, world)

    async with httpx.AsyncClient(timeout=5) as http:
        report = await deliver_due(session_factory, now=NOW, http=http)
        again = await deliver_due(session_factory, now=NOW + dt.timedelta(hours=1), http=http)
    assert (report.claimed, report.delivered) == (1, 1)
    assert again.claimed == 0

    (request,) = receiver.received()
    body = request.json
    assert body["msgtype"] == "text"
    assert body["text"]["content"].startswith("【督办】逾期未办，县司法局督办\n请于3个工作日内报送办理情况。")
    assert body["notification"] == {
        "id": sent.id,
        "kind": "escalation",
        "kindLabel": "督办",
        "title": "逾期未办，县司法局督办",
        "body": "请于3个工作日内报送办理情况。",
        "jurisdictionId": world.jid,
        "jurisdictionCode": "testland",
        "jurisdictionName": "测试县",
        "recipientRole": "unit_clerk",
        "recipientUnitId": world.org.agency.id,
        "ruleId": None,
        "obligationId": None,
        "subjectType": None,
        "subjectId": None,
        "createdAt": "2024-11-20T10:00:00+08:00",
    }
    timestamp = request.headers["x-caseload-timestamp"]
    expected = hmac.new(b"s3cret", timestamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-caseload-signature"] == f"sha256={expected}"
    assert request.headers["x-caseload-delivery"] == str(body["deliveryId"])

    (row,) = await deliveries(session_factory)
    assert row.status == DeliveryStatus.DELIVERED and row.response_status == 200 and row.attempts == 1
    assert row.claimed_until is None and row.delivered_at is not None


async def test_failures_back_off_exponentially_then_fail(
    ctx: ServiceContext, world: World, receiver: Receiver, session_factory: async_sessionmaker[AsyncSession]
):
    await endpoint(ctx, world, receiver.at("/fail"))
    await notice(ctx, world)
    now = NOW
    waits: list[dt.timedelta] = []
    async with httpx.AsyncClient(timeout=5) as http:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            report = await deliver_due(session_factory, now=now, http=http)
            assert report.claimed == 1
            (row,) = await deliveries(session_factory)
            assert row.attempts == attempt and row.response_status == 500
            assert row.last_error == "HTTP 500"  # never the body
            if attempt == MAX_ATTEMPTS:
                assert row.status == DeliveryStatus.FAILED and report.failed == 1
                break
            assert row.status == DeliveryStatus.PENDING and report.retrying == 1
            due = (
                row.next_attempt_at.replace(tzinfo=dt.UTC)
                if row.next_attempt_at.tzinfo is None
                else row.next_attempt_at
            )
            waits.append(due - now)
            # Not before its time …
            early = await deliver_due(session_factory, now=due - dt.timedelta(seconds=1), http=http)
            assert early.claimed == 0
            now = due
        after = await deliver_due(session_factory, now=now + dt.timedelta(days=1), http=http)
    assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 64)]
    assert waits == [retry_delay(n) for n in range(1, MAX_ATTEMPTS)]
    assert after.claimed == 0
    assert len(receiver.received("/fail")) == MAX_ATTEMPTS


async def test_a_robot_errcode_is_a_failure(
    ctx: ServiceContext, world: World, receiver: Receiver, session_factory: async_sessionmaker[AsyncSession]
):
    await endpoint(ctx, world, receiver.at("/robot-error"))
    await notice(ctx, world)
    async with httpx.AsyncClient(timeout=5) as http:
        report = await deliver_due(session_factory, now=NOW, http=http)
    assert report.retrying == 1
    (row,) = await deliveries(session_factory)
    assert row.status == DeliveryStatus.PENDING and row.last_error == "errcode 93000"  # not the errmsg text


async def test_an_unreachable_receiver_is_retried(
    ctx: ServiceContext, world: World, session_factory: async_sessionmaker[AsyncSession]
):
    from tests.http_fixtures import free_port

    await endpoint(ctx, world, f"http://127.0.0.1:{free_port()}/hook")
    await notice(ctx, world)
    async with httpx.AsyncClient(timeout=5) as http:
        report = await deliver_due(session_factory, now=NOW, http=http)
    assert report.retrying == 1
    (row,) = await deliveries(session_factory)
    assert row.response_status is None and row.last_error == "无法连接 / connection failed"


async def test_a_crashed_workers_claim_is_delivered_once_after_its_lease(
    ctx: ServiceContext, world: World, receiver: Receiver, session_factory: async_sessionmaker[AsyncSession]
):
    await endpoint(ctx, world, receiver.at("/ok"))
    await notice(ctx, world)
    utc_now = NOW.astimezone(dt.UTC)
    # A worker claimed the delivery and died: its lease still runs …
    async with session_factory() as session, session.begin():
        await session.execute(
            update(NotificationDelivery).values(
                claimed_until=utc_now + dt.timedelta(seconds=30), claim_token="dead-worker"
            )
        )
    async with httpx.AsyncClient(timeout=5) as http:
        during = await deliver_due(session_factory, now=NOW, http=http)
        assert during.claimed == 0 and receiver.received() == []
        # … and, once it has run out, another run delivers it — once.
        first = await deliver_due(session_factory, now=NOW + dt.timedelta(seconds=31), http=http)
        second = await deliver_due(session_factory, now=NOW + dt.timedelta(minutes=10), http=http)
    assert (first.claimed, first.delivered, second.claimed) == (1, 1, 0)
    assert len(receiver.received()) == 1
    (row,) = await deliveries(session_factory)
    assert row.status == DeliveryStatus.DELIVERED and row.claim_token is None


async def test_dry_run_sends_nothing_and_logs_what_it_would_send(
    ctx: ServiceContext,
    world: World,
    receiver: Receiver,
    session_factory: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
):
    await endpoint(ctx, world, receiver.at("/ok?key=abc123"))
    await notice(ctx, world, "约谈通知")
    with caplog.at_level(logging.INFO, logger="caseload.notify.webhooks"):
        async with httpx.AsyncClient(timeout=5) as http:
            report = await deliver_due(session_factory, now=NOW, http=http, dry_run=True)
    assert (report.claimed, report.dry_run, report.delivered) == (1, 1, 0)
    assert receiver.received() == []
    assert "would POST" in caplog.text and "约谈通知" in caplog.text
    assert "abc123" not in caplog.text, "the robot's access key stays out of the log"
    (row,) = await deliveries(session_factory)
    assert row.status == DeliveryStatus.DRY_RUN and row.attempts == 0


async def test_a_disabled_endpoint_fails_its_pending_deliveries(
    ctx: ServiceContext, world: World, receiver: Receiver, session_factory: async_sessionmaker[AsyncSession]
):
    hook = await endpoint(ctx, world, receiver.at("/ok"))
    await notice(ctx, world)
    await service.update_webhook(ctx, hook.id, version=hook.version, active=False)
    await ctx.session.commit()
    async with httpx.AsyncClient(timeout=5) as http:
        report = await deliver_due(session_factory, now=NOW, http=http)
    assert report.failed == 1 and receiver.received() == []


async def test_concurrent_workers_deliver_each_notification_exactly_once(
    ctx: ServiceContext,
    world: World,
    receiver: Receiver,
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
):
    """Two workers at once: on PostgreSQL they claim with FOR UPDATE SKIP LOCKED (on SQLite, whose
    writers are serialised, with the conditional UPDATE)."""
    await endpoint(ctx, world, receiver.at("/ok"))
    sent = [await notice(ctx, world, f"督办通知{i}") for i in range(24)]
    receiver.delay = 0.01  # keep both workers busy at the same time

    async def worker() -> int:
        total = 0
        async with httpx.AsyncClient(timeout=5) as http:
            while True:
                report = await deliver_due(session_factory, now=NOW, http=http, batch=4)
                if report.claimed == 0:
                    return total
                assert report.lease_lost == 0
                total += report.delivered

    counts = await asyncio.gather(worker(), worker())
    assert sum(counts) == len(sent)
    if not settings.is_sqlite:
        assert all(counts), f"both workers should have had a share: {counts}"
    ids = sorted(r.json["notification"]["id"] for r in receiver.received())
    assert ids == sorted(n.id for n in sent), "each notification exactly once"
    assert {d.status for d in await deliveries(session_factory)} == {DeliveryStatus.DELIVERED}


def test_mask_url_hides_keys_and_passwords():
    assert (
        mask_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6&debug=1")
        == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***&debug=***"
    )
    assert mask_url("http://user:pw@10.0.0.5:8080/hook") == "http://***@10.0.0.5:8080/hook"


async def test_only_failed_or_dry_run_deliveries_can_be_requeued(
    ctx: ServiceContext, world: World, receiver: Receiver, session_factory: async_sessionmaker[AsyncSession]
):
    await endpoint(ctx, world, receiver.at("/ok"))
    await notice(ctx, world)
    (row,) = await deliveries(session_factory)
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        await service.retry_delivery(ctx, row.id)
    assert refused.value.field == "id"
    await ctx.session.rollback()
    async with httpx.AsyncClient(timeout=5) as http:
        await deliver_due(session_factory, now=NOW, http=http, dry_run=True)
        again = await service.retry_delivery(ctx, row.id)
        assert again.status == DeliveryStatus.PENDING
        await ctx.session.commit()
        report = await deliver_due(session_factory, now=NOW + dt.timedelta(seconds=1), http=http)
    assert report.delivered == 1 and len(receiver.received()) == 1


async def test_recipient_role_defaults_and_unit_must_belong_to_the_jurisdiction(
    ctx: ServiceContext, world: World
):
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        await service.issue_notice(
            ctx,
            world.other.id,
            kind=NotificationKind.INFO,
            title="通知",
            recipient_unit_id=world.org.agency.id,
        )
    assert refused.value.field == "recipientUnitId"
    to_bureau = await service.issue_notice(
        ctx, world.jid, kind=NotificationKind.INFO, title="通知", recipient_role=Role.JUSTICE_STAFF
    )
    assert to_bureau.recipient_role == Role.JUSTICE_STAFF and to_bureau.recipient_unit_id is None
