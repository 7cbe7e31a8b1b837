"""GraphQL subscriptions (graphql-transport-ws on the ``/graphql`` WebSocket).

The bus announces only which record changed; each subscriber loads it under its own principal's
scope, so nobody receives another jurisdiction's records, nor a unit clerk another unit's.

Who is subscribing: the development headers (``x-caseload-role``, ``x-caseload-jurisdiction``,
``x-caseload-unit``, ``x-caseload-user``) of the WebSocket handshake, overridden by the same keys in
the ``connection_init`` payload — at the top level or under ``"headers"`` — since browsers cannot
set handshake headers. See docs/notifications.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from typing import TypeVar, cast

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.common import gid
from api.context import Context, Info, principal_from_headers
from api.obligations.types import Notification, Obligation
from core.errors import DomainError, Forbidden, ValidationFailed
from core.notify.bus import notifications_topic, obligations_topic
from core.notify.queries import load_visible_notification, load_visible_obligation
from core.principal import Principal

T = TypeVar("T")
Loader = Callable[[async_sessionmaker[AsyncSession], Principal, int], Awaitable[T | None]]
PRINCIPAL_KEYS = (
    "x-caseload-role",
    "x-caseload-jurisdiction",
    "x-caseload-unit",
    "x-caseload-official",
    "x-caseload-user",
)


def apply_connection_params(context: Context) -> None:
    """Take the principal from the ``connection_init`` payload when it names one (see module docstring)."""
    params = getattr(context, "connection_params", None)
    if not isinstance(params, Mapping):
        return
    given: dict[str, str] = {}
    for source in (params, params.get("headers")):
        if isinstance(source, Mapping):
            given.update({str(k).lower(): str(v) for k, v in source.items() if v is not None})
    if not any(key in given for key in PRINCIPAL_KEYS):
        return
    request = context.request
    merged = {k.lower(): v for k, v in getattr(request, "headers", {}).items()}
    merged.update(given)
    client = getattr(request, "client", None)
    context.principal = principal_from_headers(merged, context.app.settings, client.host if client else None)


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


async def _stream(info: Info, topic: str, message_type: str, load: Loader[T]) -> AsyncGenerator[T, None]:
    context = info.context
    bus = context.app.bus
    if bus is None:
        raise DomainError("unavailable", "实时推送未启用", "the notification bus is not configured")
    async with contextlib.aclosing(bus.subscribe(topic)) as messages:
        async for message in messages:
            ident = message.get("id")
            if message.get("type") != message_type or not isinstance(ident, int):
                continue
            row = await load(context.app.session_factory, context.principal, ident)
            if row is None:
                continue
            yield row
            # The result has been sent: return the read session its nested fields used to the
            # pool, and forget cached rows, so the next event sees fresh data.
            await context.refresh()


@strawberry.type
class NotifySubscription:
    @strawberry.subscription(description="新通知（默认本人所在辖区；单位联络员只收到发给本单位的通知）")
    def notifications(
        self, info: Info, jurisdiction_id: strawberry.ID | None = None
    ) -> AsyncGenerator[Notification, None]:
        jid = subscribed_jurisdiction(info.context.principal, jurisdiction_id)
        stream = _stream(info, notifications_topic(jid), "notification", load_visible_notification)
        return cast("AsyncGenerator[Notification, None]", stream)  # rows resolve as the GraphQL type

    @strawberry.subscription(description="期限事项新增或变化（默认本人所在辖区；单位联络员只收到本单位的）")
    def obligation_changed(
        self, info: Info, jurisdiction_id: strawberry.ID | None = None
    ) -> AsyncGenerator[Obligation, None]:
        jid = subscribed_jurisdiction(info.context.principal, jurisdiction_id)
        stream = _stream(info, obligations_topic(jid), "obligation_changed", load_visible_obligation)
        return cast("AsyncGenerator[Obligation, None]", stream)
