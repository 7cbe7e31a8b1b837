"""Delivering notifications to webhook endpoints: enqueue in the notification's transaction, deliver
from a background job.

:func:`enqueue_deliveries` is called in the transaction that creates notifications (it flushes,
never commits). :func:`deliver_due` is the job: it owns its short transactions —

1. claim up to ``batch`` due deliveries under a lease (``SELECT … FOR UPDATE SKIP LOCKED`` on
   PostgreSQL, a conditional ``UPDATE`` on SQLite, whose writers are serialised), and commit;
2. POST each one with no transaction open;
3. record each result at once, only if the claim still holds the lease.

A worker that crashes after claiming leaves ``claimed_until`` behind; once it passes, another run
claims the delivery again. A delivered row is never claimed again. Failures are retried after
1, 2, 4, 8 … minutes; the 8th failed attempt marks the delivery ``failed``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import ColumnElement, Integer, and_, exists, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import CHINA
from core.db import utcnow
from core.enums import NotificationKind
from core.notify import egress
from core.notify.models import DeliveryStatus, NotificationDelivery, WebhookEndpoint
from core.obligations.models import Notification
from core.org.models import Jurisdiction

if TYPE_CHECKING:  # httpx is imported where a delivery is sent, not at start-up
    import httpx

log = logging.getLogger("caseload.notify.webhooks")

MAX_ATTEMPTS = 8
FIRST_RETRY = dt.timedelta(minutes=1)
SIGNATURE_HEADER = "X-Caseload-Signature"
TIMESTAMP_HEADER = "X-Caseload-Timestamp"
DELIVERY_HEADER = "X-Caseload-Delivery"
USER_AGENT = "caseload-webhooks/1"
# Notifications whose deliveries are queued per statement (bind parameters stay well under the limits
# of PostgreSQL and SQLite).
ENQUEUE_CHUNK = 10_000


@dataclass
class DeliveryReport:
    """What one :func:`deliver_due` run did."""

    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    dry_run: int = 0
    # Results not recorded because the lease ran out and another run claimed the delivery.
    lease_lost: int = 0


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4, 8 … minutes."""
    return FIRST_RETRY * 2 ** max(attempts - 1, 0)


def _utc(moment: dt.datetime) -> dt.datetime:
    # SQLite stores datetimes without an offset: always write and compare UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def mask_url(url: str) -> str:
    """The URL with its password and query values hidden (robot URLs carry their access key there)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = "&".join(
        f"{pair.split('=', 1)[0]}=***" if "=" in pair else pair for pair in parts.query.split("&") if pair
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value: ``sha256=`` and the hex HMAC-SHA256 of ``"{timestamp}." + body``."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Enqueueing (inside the caller's transaction)
# ---------------------------------------------------------------------------------------------


async def enqueue_deliveries(
    session: AsyncSession, notifications: Sequence[Notification], *, now: dt.datetime | None = None
) -> int:
    """Create a pending delivery of each notification to each matching active endpoint; return how many."""
    if not notifications:
        return 0
    if any(n.id is None for n in notifications):
        await session.flush()
    return await enqueue_deliveries_by_id(session, [n.id for n in notifications], now=now)


async def enqueue_deliveries_by_id(
    session: AsyncSession, notification_ids: Sequence[int], *, now: dt.datetime | None = None
) -> int:
    """:func:`enqueue_deliveries` for notifications inserted without ORM objects (e.g. by the scan).

    Set-based: one ``INSERT … SELECT`` per :data:`ENQUEUE_CHUNK` notifications pairs each with every
    matching endpoint (active, same jurisdiction, kind listed or no kinds listed) that has no delivery
    of it yet. The endpoints are read first (a jurisdiction has a few); the scan's backlog of a
    million notifications is then a few hundred statements, not a million ORM objects.
    """
    if not notification_ids:
        return 0
    due = _utc(now or dt.datetime.now(dt.UTC))
    n, e, d = Notification, WebhookEndpoint, NotificationDelivery
    ids = list(dict.fromkeys(notification_ids))
    # Every active endpoint (a few per jurisdiction); the join below keeps those of each notification's.
    endpoints = list(await session.execute(select(e.id, e.kinds).where(e.active.is_(True)).order_by(e.id)))
    known = {kind.value for kind in NotificationKind}
    matching: list[ColumnElement[bool]] = []
    for endpoint_id, kinds in endpoints:
        if not kinds:
            matching.append(e.id == endpoint_id)
        elif wanted := sorted(known.intersection(kinds)):
            matching.append(and_(e.id == endpoint_id, n.kind.in_(wanted)))
    if not matching:
        return 0
    created = utcnow()
    count = 0
    for chunk in _chunks(ids, ENQUEUE_CHUNK):
        rows = (
            select(
                n.id,
                e.id,
                n.jurisdiction_id,
                literal(DeliveryStatus.PENDING, d.status.type),
                literal(0, Integer),
                literal(due, d.next_attempt_at.type),
                literal(created, d.created_at.type),
                literal(created, d.updated_at.type),
            )
            .join(e, e.jurisdiction_id == n.jurisdiction_id)
            .where(
                n.id.in_(chunk),
                or_(*matching),
                ~exists().where(d.notification_id == n.id, d.endpoint_id == e.id),
            )
            .order_by(n.id, e.id)
        )
        result = await session.execute(
            insert(d).from_select(
                [
                    "notification_id",
                    "endpoint_id",
                    "jurisdiction_id",
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "created_at",
                    "updated_at",
                ],
                rows,
            )
        )
        count += max(getattr(result, "rowcount", 0), 0)
    return count


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------------------------
# The payload
# ---------------------------------------------------------------------------------------------


def build_payload(notification: Notification, jurisdiction: Jurisdiction, delivery_id: int) -> dict[str, Any]:
    """The JSON body: the notification, plus ``msgtype``/``text`` for WeCom and DingTalk robots."""
    kind = NotificationKind(notification.kind)
    created = _utc(notification.created_at).astimezone(CHINA)
    lines = [f"【{kind.label}】{notification.title}"]
    if notification.body:
        lines.append(notification.body)
    lines.append(f"{jurisdiction.name} · {created:%Y-%m-%d %H:%M}")
    return {
        "msgtype": "text",
        "text": {"content": "\n".join(lines)},
        "event": "notification",
        "deliveryId": delivery_id,
        "notification": {
            "id": notification.id,
            "kind": kind.value,
            "kindLabel": kind.label,
            "title": notification.title,
            "body": notification.body,
            "jurisdictionId": jurisdiction.id,
            "jurisdictionCode": jurisdiction.code,
            "jurisdictionName": jurisdiction.name,
            "recipientRole": notification.recipient_role.value if notification.recipient_role else None,
            "recipientUnitId": notification.recipient_unit_id,
            "ruleId": notification.rule_id,
            "obligationId": notification.obligation_id,
            "subjectType": notification.subject_type,
            "subjectId": notification.subject_id,
            "createdAt": created.isoformat(),
        },
    }


# ---------------------------------------------------------------------------------------------
# Delivering (the background job)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    delivery_id: int
    attempts: int
    endpoint_name: str
    url: str
    secret: str | None
    active: bool
    payload: dict[str, Any]


@dataclass(frozen=True)
class _Outcome:
    status: DeliveryStatus | None  # None: failed, to be retried or given up by attempt count
    response_status: int | None = None
    error: str | None = None


async def deliver_due(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    now: dt.datetime,
    http: httpx.AsyncClient,
    dry_run: bool = False,
    batch: int = 50,
    lease: dt.timedelta = dt.timedelta(minutes=2),
    concurrency: int = 8,
) -> DeliveryReport:
    """Claim the deliveries due at ``now``, POST them (or, in a dry run, log them) and record the results."""
    now = _utc(now)
    token = uuid.uuid4().hex
    jobs = await _claim(session_factory, now=now, batch=batch, lease=lease, token=token)
    report = DeliveryReport(claimed=len(jobs))
    limit = asyncio.Semaphore(max(concurrency, 1))

    async def run(job: _Job) -> None:
        async with limit:
            if not job.active:
                outcome = _Outcome(DeliveryStatus.FAILED, error="接收地址已停用 / endpoint disabled")
            elif dry_run:
                log.info(
                    "dry run: would POST delivery %d to %s (%s): %s",
                    job.delivery_id,
                    job.endpoint_name,
                    mask_url(job.url),
                    json.dumps(job.payload, ensure_ascii=False),
                )
                outcome = _Outcome(DeliveryStatus.DRY_RUN)
            else:
                outcome = await _post(http, job)
            try:
                await _record(session_factory, job, outcome, now=now, token=token, report=report)
            except Exception:  # keep going: the lease runs out and the delivery is tried again
                log.exception("could not record the result of delivery %d", job.delivery_id)

    await asyncio.gather(*(run(job) for job in jobs))
    if jobs:
        log.info("webhook deliveries: %s", report)
    return report


async def _claim(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    now: dt.datetime,
    batch: int,
    lease: dt.timedelta,
    token: str,
) -> list[_Job]:
    d = NotificationDelivery
    due = (
        (d.status == DeliveryStatus.PENDING)
        & (d.next_attempt_at <= now)
        & or_(d.claimed_until.is_(None), d.claimed_until <= now)
    )
    claim = {"claimed_until": now + lease, "claim_token": token}
    async with session_factory() as session, session.begin():
        connection = await session.connection()
        candidates = select(d.id).where(due).order_by(d.next_attempt_at, d.id).limit(batch)
        if connection.dialect.name == "postgresql":
            ids = list(await session.scalars(candidates.with_for_update(skip_locked=True)))
            if not ids:
                return []
            stmt = update(d).where(d.id.in_(ids)).values(**claim)
        else:
            # SQLite serialises writers: re-checking "due" in the UPDATE makes the claim exclusive.
            stmt = update(d).where(d.id.in_(candidates.scalar_subquery()), due).values(**claim)
        await session.execute(stmt.execution_options(synchronize_session=False))
        rows = await session.execute(
            select(d, Notification, WebhookEndpoint, Jurisdiction)
            .join(Notification, Notification.id == d.notification_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == d.endpoint_id)
            .join(Jurisdiction, Jurisdiction.id == d.jurisdiction_id)
            .where(d.claim_token == token)
            .order_by(d.id)
        )
        return [
            _Job(
                delivery_id=delivery.id,
                attempts=delivery.attempts,
                endpoint_name=endpoint.name,
                url=endpoint.url,
                secret=endpoint.secret,
                active=endpoint.active,
                payload=build_payload(notification, jurisdiction, delivery.id),
            )
            for delivery, notification, endpoint, jurisdiction in rows
        ]


async def _post(http: httpx.AsyncClient, job: _Job) -> _Outcome:
    import httpx

    body = json.dumps(job.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        DELIVERY_HEADER: str(job.delivery_id),
        TIMESTAMP_HEADER: timestamp,
    }
    if job.secret:
        headers[SIGNATURE_HEADER] = sign(job.secret, timestamp, body)
    # Checked again at every delivery, after resolution, and connected to the address checked (DNS
    # rebinding gains nothing). Only a status and a classified reason are stored: never the body,
    # which would be a read channel into whatever answered.
    try:
        target = await egress.check_url(job.url)
    except egress.EgressRefused:
        return _Outcome(None, error="地址不允许 / address refused")
    url, host, extensions = egress.pinned_request(target)
    try:
        response = await http.post(url, content=body, headers={**headers, **host}, extensions=extensions)
    except httpx.TimeoutException:
        return _Outcome(None, error="连接超时 / timeout")
    except httpx.ConnectError:
        return _Outcome(None, error="无法连接 / connection failed")
    except httpx.HTTPError as exc:
        return _Outcome(None, error=f"请求失败 / request failed ({type(exc).__name__})")
    if not response.is_success:
        return _Outcome(None, response.status_code, f"HTTP {response.status_code}")
    robot_error = _robot_error(response)
    if robot_error is not None:
        return _Outcome(None, response.status_code, robot_error)
    return _Outcome(DeliveryStatus.DELIVERED, response.status_code)


def _robot_error(response: httpx.Response) -> str | None:
    """WeCom and DingTalk robots answer HTTP 200 with ``{"errcode": n, "errmsg": …}``; n != 0 is a failure."""
    try:
        data = response.json()
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("errcode"), int) and data["errcode"] != 0:
        return f"errcode {data['errcode']}"  # not errmsg: nothing of the answer's text is kept
    return None


async def _record(
    session_factory: async_sessionmaker[AsyncSession],
    job: _Job,
    outcome: _Outcome,
    *,
    now: dt.datetime,
    token: str,
    report: DeliveryReport,
) -> None:
    d = NotificationDelivery
    values: dict[str, Any] = {
        "claimed_until": None,
        "claim_token": None,
        "response_status": outcome.response_status,
        "last_error": outcome.error,
    }
    if outcome.status is DeliveryStatus.DRY_RUN:
        values["status"] = DeliveryStatus.DRY_RUN
    elif outcome.status is DeliveryStatus.DELIVERED:
        values.update(status=DeliveryStatus.DELIVERED, attempts=job.attempts + 1, delivered_at=now)
    elif outcome.status is DeliveryStatus.FAILED:
        values.update(status=DeliveryStatus.FAILED)
    else:
        attempts = job.attempts + 1
        values["attempts"] = attempts
        if attempts >= MAX_ATTEMPTS:
            values["status"] = DeliveryStatus.FAILED
        else:
            values["next_attempt_at"] = now + retry_delay(attempts)
    async with session_factory() as session, session.begin():
        result = await session.execute(
            update(d)
            .where(d.id == job.delivery_id, d.claim_token == token, d.status == DeliveryStatus.PENDING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    if getattr(result, "rowcount", 0) != 1:
        report.lease_lost += 1
        log.warning("delivery %d: lease lost before its result was recorded", job.delivery_id)
        return
    final = values.get("status")
    if final is DeliveryStatus.DELIVERED:
        report.delivered += 1
    elif final is DeliveryStatus.DRY_RUN:
        report.dry_run += 1
    elif final is DeliveryStatus.FAILED:
        report.failed += 1
        log.warning(
            "delivery %d to %s failed for good: %s", job.delivery_id, job.endpoint_name, outcome.error
        )
    else:
        report.retrying += 1
        log.info("delivery %d to %s failed, retrying: %s", job.delivery_id, job.endpoint_name, outcome.error)
