"""Administrators' queries: a jurisdiction's webhook endpoints, and where a notification was pushed."""

from __future__ import annotations

from typing import Any, cast

import strawberry
from sqlalchemy import select

from api.common import gid
from api.context import Info
from api.notify.types import NotificationDelivery, NotificationDeliveryInfo, WebhookEndpoint
from core.notify import models as m
from core.notify.queries import scope_notifications
from core.notify.service import MANAGE
from core.obligations.models import Notification
from core.scoping import authorize


@strawberry.type
class NotifyQuery:
    @strawberry.field(description="本辖区的 Webhook 推送地址（司法局工作人员、系统管理员）")
    async def webhooks(self, info: Info, jurisdiction_id: strawberry.ID) -> list[WebhookEndpoint]:
        jid = gid(jurisdiction_id, "jurisdictionId")
        authorize(info.context.principal, MANAGE, jid)
        stmt = info.context.scoped(
            select(m.WebhookEndpoint).where(m.WebhookEndpoint.jurisdiction_id == jid), m.WebhookEndpoint
        ).order_by(m.WebhookEndpoint.name, m.WebhookEndpoint.id)
        return cast(list[WebhookEndpoint], await info.context.scalars(stmt))

    @strawberry.field(description="一条通知向各推送地址的推送情况（通知不存在或无权查看时为空）")
    async def notification_deliveries(
        self, info: Info, notification_id: strawberry.ID
    ) -> NotificationDeliveryInfo | None:
        context = info.context
        nid = gid(notification_id, "notificationId")
        stmt = scope_notifications(select(Notification).where(Notification.id == nid), context.principal)
        notification: Any = await context.scalar(stmt)
        if notification is None:
            return None
        authorize(context.principal, MANAGE, notification.jurisdiction_id)
        deliveries = await context.scalars(
            context.scoped(
                select(m.NotificationDelivery).where(m.NotificationDelivery.notification_id == nid),
                m.NotificationDelivery,
            ).order_by(m.NotificationDelivery.id)
        )
        return NotificationDeliveryInfo(
            notification_id=strawberry.ID(str(nid)),
            notification=notification,
            deliveries=cast(list[NotificationDelivery], deliveries),
        )
