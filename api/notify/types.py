"""GraphQL types of webhook endpoints and notification deliveries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from api.common import NotificationKind, label_of
from api.context import Info
from api.obligations.types import Notification
from core.notify import models as m
from core.notify.models import DeliveryStatus
from core.notify.webhooks import mask_url

strawberry.enum(DeliveryStatus, description="推送状态")


def _kinds(root: strawberry.Parent[Any]) -> list[NotificationKind]:
    return [NotificationKind(kind) for kind in root.kinds or []]


def _masked_url(root: strawberry.Parent[Any]) -> str:
    """Query values (robot keys, tokens) and userinfo hidden in every read: staff read the list too."""
    return mask_url(root.url)


def _has_secret(root: strawberry.Parent[Any]) -> bool:
    return bool(root.secret)


@strawberry.type(description="Webhook 推送地址（内网系统或企业微信/钉钉群机器人）")
class WebhookEndpoint:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    name: str
    url: str = strawberry.field(
        resolver=_masked_url, description="接收地址（查询参数与用户名密码以 *** 隐去）"
    )
    has_secret: bool = strawberry.field(
        resolver=_has_secret, description="是否设置了签名密钥（密钥本身不返回）"
    )
    kinds: list[NotificationKind] = strawberry.field(
        resolver=_kinds, description="推送的通知类型；为空表示全部类型"
    )
    active: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


@strawberry.type(description="一条通知向一个推送地址的推送记录")
class NotificationDelivery:
    id: strawberry.ID
    notification_id: strawberry.ID
    endpoint_id: strawberry.ID
    jurisdiction_id: strawberry.ID
    status: DeliveryStatus
    status_label: str | None = label_of("status")
    attempts: int = strawberry.field(description="已尝试次数")
    next_attempt_at: dt.datetime = strawberry.field(description="下次尝试时间（待推送时）")
    last_error: str | None
    response_status: int | None = strawberry.field(description="接收方最近一次的 HTTP 状态码")
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @strawberry.field(description="推送地址")
    async def endpoint(self, info: Info) -> WebhookEndpoint | None:
        return await info.context.loaders.by_id(m.WebhookEndpoint).load(int(self.endpoint_id))  # type: ignore[no-any-return]


@strawberry.type(description="一条通知及其各推送地址的推送情况")
class NotificationDeliveryInfo:
    notification_id: strawberry.ID
    notification: Notification
    deliveries: list[NotificationDelivery]
