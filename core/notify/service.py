"""Administering webhook endpoints, issuing notices by hand, and re-queueing failed deliveries."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from core.audit.models import AuditEntry
from core.audit.service import record as audit
from core.audit.service import snapshot
from core.common import check_version, get_visible, optional_text, require_text
from core.context import ServiceContext
from core.enums import NotificationKind, Role
from core.errors import ValidationFailed
from core.notify import egress
from core.notify.models import DeliveryStatus, NotificationDelivery, WebhookEndpoint
from core.notify.webhooks import enqueue_deliveries, mask_url
from core.obligations.models import Notification
from core.org.models import Unit
from core.scoping import authorize

MANAGE = "webhook.manage"
ISSUE = "notice.issue"
MAX_URL = 500


async def register_webhook(
    ctx: ServiceContext,
    jurisdiction_id: int,
    *,
    name: str,
    url: str,
    secret: str | None = None,
    kinds: Iterable[NotificationKind] = (),
    active: bool = True,
) -> WebhookEndpoint:
    """Register an endpoint that receives the jurisdiction's notifications."""
    authorize(ctx.principal, MANAGE, jurisdiction_id)
    await ctx.jurisdiction(jurisdiction_id)
    clean = require_text(name, "name", "名称", max_len=100)
    await _check_unique_name(ctx, jurisdiction_id, clean)
    endpoint = WebhookEndpoint(
        jurisdiction_id=jurisdiction_id,
        name=clean,
        url=await _check_url(url),
        secret=optional_text(secret, "secret", "签名密钥", max_len=200),
        kinds=_kinds(kinds),
        active=active,
    )
    ctx.session.add(endpoint)
    _redact(await audit(ctx, "webhook.register", endpoint, None))
    return endpoint


async def update_webhook(
    ctx: ServiceContext,
    endpoint_id: int,
    *,
    version: int,
    name: str | None = None,
    url: str | None = None,
    secret: str | None = None,
    clear_secret: bool = False,
    kinds: Iterable[NotificationKind] | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint (``version`` must be the one the caller read)."""
    endpoint = await get_visible(ctx, WebhookEndpoint, endpoint_id, "推送地址", "id")
    authorize(ctx.principal, MANAGE, endpoint.jurisdiction_id)
    check_version(endpoint, version, "WebhookEndpoint")
    if clear_secret and secret is not None:
        raise ValidationFailed(
            "clearSecret",
            "不能同时设置和清除签名密钥",
            "give either secret or clearSecret, not both",
            "conflicting_fields",
        )
    before = snapshot(endpoint)
    if name is not None:
        clean = require_text(name, "name", "名称", max_len=100)
        if clean != endpoint.name:
            await _check_unique_name(ctx, endpoint.jurisdiction_id, clean)
        endpoint.name = clean
    if url is not None:
        endpoint.url = await _check_url(url)
    if clear_secret:
        endpoint.secret = None
    elif secret is not None:
        endpoint.secret = require_text(secret, "secret", "签名密钥", max_len=200)
    if kinds is not None:
        endpoint.kinds = _kinds(kinds)
    if active is not None:
        endpoint.active = active
    _redact(await audit(ctx, "webhook.update", endpoint, before))
    return endpoint


async def issue_notice(
    ctx: ServiceContext,
    jurisdiction_id: int,
    *,
    kind: NotificationKind,
    title: str,
    body: str = "",
    recipient_unit_id: int | None = None,
    recipient_role: Role | None = None,
) -> Notification:
    """Send a notice (e.g. a reminder letter or public criticism) by hand; queue its webhook deliveries."""
    authorize(ctx.principal, ISSUE, jurisdiction_id)
    await ctx.jurisdiction(jurisdiction_id)
    if recipient_unit_id is not None:
        unit = await ctx.session.get(Unit, recipient_unit_id)
        if unit is None or unit.jurisdiction_id != jurisdiction_id:
            raise ValidationFailed(
                "recipientUnitId",
                f"单位（{recipient_unit_id}）不属于该辖区",
                f"unit {recipient_unit_id} is not in jurisdiction {jurisdiction_id}",
                "not_found",
            )
        recipient_role = recipient_role or Role.UNIT_CLERK
    notification = Notification(
        jurisdiction_id=jurisdiction_id,
        recipient_role=recipient_role,
        recipient_unit_id=recipient_unit_id,
        kind=kind,
        title=require_text(title, "title", "标题", max_len=200),
        body=(optional_text(body, "body", "正文", max_len=5000) or ""),
        dedupe_key=f"notice:{uuid.uuid4().hex}",
        created_at=ctx.now().astimezone(dt.UTC),  # SQLite keeps no offset: store UTC
    )
    ctx.session.add(notification)
    await ctx.session.flush()
    await enqueue_deliveries(ctx.session, [notification], now=ctx.now())
    ctx.changed("notifications", notification.id, jurisdiction_id)
    await audit(ctx, "notice.issue", notification, None)
    return notification


async def retry_delivery(ctx: ServiceContext, delivery_id: int) -> NotificationDelivery:
    """Queue a failed (or dry-run) delivery again, from its first attempt."""
    delivery = await get_visible(ctx, NotificationDelivery, delivery_id, "推送记录", "id")
    authorize(ctx.principal, MANAGE, delivery.jurisdiction_id)
    if delivery.status not in (DeliveryStatus.FAILED, DeliveryStatus.DRY_RUN):
        raise ValidationFailed(
            "id",
            f"推送记录当前状态为“{DeliveryStatus(delivery.status).label}”，只有推送失败或演练的记录可以重新推送",
            f"delivery {delivery_id} is {delivery.status}; only failed or dry-run deliveries can be retried",
            "invalid_transition",
        )
    before = snapshot(delivery)
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = ctx.now().astimezone(dt.UTC)
    delivery.claimed_until = None
    delivery.claim_token = None
    delivery.last_error = None
    delivery.response_status = None
    await audit(ctx, "webhook.retry_delivery", delivery, before)
    return delivery


async def _check_unique_name(ctx: ServiceContext, jurisdiction_id: int, name: str) -> None:
    dup = await ctx.session.scalar(
        select(WebhookEndpoint.id).where(
            WebhookEndpoint.jurisdiction_id == jurisdiction_id, WebhookEndpoint.name == name
        )
    )
    if dup is not None:
        raise ValidationFailed(
            "name", f"本辖区已有名为“{name}”的推送地址", f"webhook {name!r} exists", "duplicate"
        )


async def _check_url(url: str) -> str:
    """An absolute http(s) URL that reaches only where core/notify/egress.py allows."""
    clean = require_text(url, "url", "推送地址", max_len=MAX_URL)
    parts = urlsplit(clean)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(
            "url",
            "推送地址须为以 http:// 或 https:// 开头的完整网址",
            "url must be an absolute http(s) URL",
            "invalid_url",
        )
    try:
        await egress.check_url(clean, connect=False)
    except egress.EgressRefused as exc:
        raise ValidationFailed("url", exc.message_zh, exc.message_en, "address_refused") from None
    return clean


def _kinds(kinds: Iterable[NotificationKind]) -> list[str]:
    return sorted({NotificationKind(k).value for k in kinds})


def _redact(entry: AuditEntry) -> None:
    """Keep the signing key, and the access key robot URLs carry, out of the audit trail."""

    def clean(values: dict[str, Any] | None) -> dict[str, Any] | None:
        if values is None:
            return None
        out = dict(values)
        if out.get("secret"):
            out["secret"] = "***"
        if out.get("url"):
            out["url"] = mask_url(out["url"])
        return out

    entry.before = clean(entry.before)
    entry.after = clean(entry.after)
