"""GraphQL subscriptions (graphql-transport-ws on the ``/graphql`` WebSocket).

The bus announces only which record changed; each subscriber loads it under its own principal's
scope, so nobody receives another jurisdiction's records, nor a unit clerk another unit's.

Who is subscribing: the ``authorization: Bearer …`` token or, in development, the ``x-caseload-*``
headers of the WebSocket handshake, overridden by the same keys in the ``connection_init`` payload —
at the top level or under ``"headers"`` — since browsers cannot set handshake headers. A bearer token
is checked again, at most every ``RECHECK_SECONDS``, before an event is sent: once it has expired or
been revoked the subscription ends with an ``unauthenticated`` error. See docs/notifications.md.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from typing import TypeVar, cast

import strawberry
from cross_web import HTTPException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.exceptions import ConnectionRejectionError

from api.common import gid
from api.context import Context, Info, resolve_principal
from api.obligations.types import Notification, Obligation
from core.errors import DomainError, Forbidden, ValidationFailed
from core.notify.bus import notifications_topic, obligations_topic
from core.notify.queries import load_visible_notification, load_visible_obligation
from core.obligations.models import Notification as NotificationRow
from core.principal import Principal

T = TypeVar("T")
# How often a long-lived subscription re-validates its bearer token (checked when an event arrives).
RECHECK_SECONDS = 60.0
MAX_REMEMBERED = 10_000
Loader = Callable[[async_sessionmaker[AsyncSession], Principal, int], Awaitable[T | None]]
PRINCIPAL_KEYS = (
    "authorization",
    "x-caseload-role",
    "x-caseload-jurisdiction",
    "x-caseload-unit",
    "x-caseload-official",
    "x-caseload-user",
)


def _given(context: Context) -> dict[str, str]:
    """Credentials in the ``connection_init`` payload (top level or under ``headers``), keys lower-cased."""
    params = getattr(context, "connection_params", None)
    given: dict[str, str] = {}
    if isinstance(params, Mapping):
        for source in (params, params.get("headers")):
            if isinstance(source, Mapping):
                given.update({str(k).lower(): str(v) for k, v in source.items() if isinstance(v, str | int)})
    return {k: v for k, v in given.items() if k in PRINCIPAL_KEYS}


def _credentials(context: Context) -> dict[str, str]:
    request = context.request
    merged = {str(k).lower(): str(v) for k, v in getattr(request, "headers", {}).items()}
    merged.update(_given(context))
    return merged


async def _resolve(context: Context) -> Principal:
    client = getattr(context.request, "client", None)
    return await resolve_principal(context.app, _credentials(context), client.host if client else None)


async def apply_connection_params(context: Context) -> None:
    """Take the principal from the ``connection_init`` payload when it names one (see module docstring).

    The payload's keys override the handshake's headers, then the principal is resolved as for any
    request: a bearer token (``authorization``) wins over the development headers. A bad token
    rejects the connection (close code 4403).
    """
    if not _given(context):
        return
    try:
        context.principal = await _resolve(context)
    except HTTPException as exc:
        raise ConnectionRejectionError({"message": exc.reason}) from exc


async def recheck_principal(context: Context) -> None:
    """Re-validate a bearer token (expired? revoked?) and take the account's current role."""
    if not _credentials(context).get("authorization", "").lower().startswith("bearer "):
        return  # development headers do not expire
    try:
        context.principal = await _resolve(context)
    except HTTPException as exc:
        raise DomainError(
            "unauthenticated",
            "登录已过期或令牌已撤销，请重新连接",
            "the token expired or was revoked; reconnect with a fresh one",
        ) from exc


def subscribed_jurisdiction(principal: Principal, jurisdiction_id: strawberry.ID | None) -> int:
    """The jurisdiction to listen to: the one asked for, or the principal's own."""
    if jurisdiction_id is not None:
        jid = gid(jurisdiction_id, "jurisdictionId")
    elif principal.jurisdiction_id is not None:
        jid = principal.jurisdiction_id
    else:
        raise ValidationFailed(
            "jurisdictionId",
            "请指定要订阅的辖区",
            "jurisdictionId is required for this principal",
            "required",
        )
    if not principal.is_admin and jid != principal.jurisdiction_id:
        raise Forbidden("无权订阅其他辖区的消息", f"jurisdiction {jid} is not yours")
    return jid


async def _stream(
    info: Info,
    topic: str,
    message_type: str,
    load: Loader[T],
    *,
    accept: Callable[[T], bool] | None = None,
    once: bool = False,
) -> AsyncGenerator[T, None]:
    """Load and yield the record each message names; ``once``: never the same record twice."""
    context = info.context
    bus = context.app.bus
    if bus is None:
        raise DomainError("unavailable", "实时推送未启用", "the notification bus is not configured")
    checked = time.monotonic()
    sent: dict[int, None] = {}  # insertion-ordered, so the oldest are forgotten first
    async with contextlib.aclosing(bus.subscribe(topic)) as messages:
        async for message in messages:
            ident = message.get("id")
            if message.get("type") != message_type or not isinstance(ident, int) or ident in sent:
                continue
            if time.monotonic() - checked >= RECHECK_SECONDS:
                await recheck_principal(context)
                checked = time.monotonic()
            row = await load(context.app.session_factory, context.principal, ident)
            if row is None or (accept is not None and not accept(row)):
                continue
            if once:
                sent[ident] = None
                if len(sent) > MAX_REMEMBERED:
                    del sent[next(iter(sent))]
            yield row
            # The result has been sent: return the read session its nested fields used to the
            # pool, and forget cached rows, so the next event sees fresh data.
            await context.refresh()


def _unread(row: NotificationRow) -> bool:
    return row.acknowledged_at is None


@strawberry.type
class NotifySubscription:
    @strawberry.subscription(
        description="新通知（默认本人所在辖区；单位联络员只收到发给本单位的通知；mine=true 只收发给本人的）"
    )
    def notifications(
        self, info: Info, jurisdiction_id: strawberry.ID | None = None, mine: bool = False
    ) -> AsyncGenerator[Notification, None]:
        jid = subscribed_jurisdiction(info.context.principal, jurisdiction_id)

        async def load(
            factory: async_sessionmaker[AsyncSession], principal: Principal, ident: int
        ) -> NotificationRow | None:
            return await load_visible_notification(factory, principal, ident, addressed_only=mine)

        # Notifications change after creation too (acknowledged): stream each new one once.
        stream = _stream(info, notifications_topic(jid), "notification", load, accept=_unread, once=True)
        return cast("AsyncGenerator[Notification, None]", stream)  # rows resolve as the GraphQL type

    @strawberry.subscription(description="期限事项新增或变化（默认本人所在辖区；单位联络员只收到本单位的）")
    def obligation_changed(
        self, info: Info, jurisdiction_id: strawberry.ID | None = None
    ) -> AsyncGenerator[Obligation, None]:
        jid = subscribed_jurisdiction(info.context.principal, jurisdiction_id)
        stream = _stream(info, obligations_topic(jid), "obligation_changed", load_visible_obligation)
        return cast("AsyncGenerator[Obligation, None]", stream)
