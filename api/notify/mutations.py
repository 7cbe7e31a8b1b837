"""Administrators' mutations: webhook endpoints, hand-issued notices, re-queueing a failed delivery."""

from __future__ import annotations

import strawberry

from api.common import NotificationKind, Payload, Role, gid, run_mutation
from api.context import Info
from api.notify.types import NotificationDelivery, WebhookEndpoint
from api.obligations.types import Notification
from core.notify import service


@strawberry.input(description="登记 Webhook 推送地址")
class RegisterWebhookInput:
    jurisdiction_id: strawberry.ID
    name: str
    url: str = strawberry.field(description="http(s) 接收地址，如企业微信群机器人地址")
    secret: str | None = strawberry.field(
        default=None, description="签名密钥：设置后每次推送带 X-Caseload-Signature 头"
    )
    kinds: list[NotificationKind] = strawberry.field(
        default_factory=list, description="只推送这些类型的通知；为空表示全部"
    )
    active: bool = True


@strawberry.input(description="修改 Webhook 推送地址（须提供读取时的 version）")
class UpdateWebhookInput:
    id: strawberry.ID
    version: int
    name: str | None = None
    url: str | None = None
    secret: str | None = strawberry.field(default=None, description="新的签名密钥（不修改则不填）")
    clear_secret: bool = strawberry.field(default=False, description="清除签名密钥")
    kinds: list[NotificationKind] | None = None
    active: bool | None = None


@strawberry.input(description="手工发出通知（如工作提醒函、通报批评）")
class IssueNoticeInput:
    jurisdiction_id: strawberry.ID
    kind: NotificationKind
    title: str
    body: str = ""
    recipient_unit_id: strawberry.ID | None = strawberry.field(default=None, description="接收单位")
    recipient_role: Role | None = strawberry.field(
        default=None, description="接收角色（指定单位时默认单位联络员）"
    )


@strawberry.type
class NotifyMutation:
    @strawberry.mutation(description="登记 Webhook 推送地址")
    async def register_webhook(self, info: Info, input: RegisterWebhookInput) -> Payload[WebhookEndpoint]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.register_webhook(
                ctx,
                gid(input.jurisdiction_id, "jurisdictionId"),
                name=input.name,
                url=input.url,
                secret=input.secret,
                kinds=input.kinds,
                active=input.active,
            ),
        )

    @strawberry.mutation(description="修改、停用 Webhook 推送地址")
    async def update_webhook(self, info: Info, input: UpdateWebhookInput) -> Payload[WebhookEndpoint]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.update_webhook(
                ctx,
                gid(input.id, "id"),
                version=input.version,
                name=input.name,
                url=input.url,
                secret=input.secret,
                clear_secret=input.clear_secret,
                kinds=input.kinds,
                active=input.active,
            ),
        )

    @strawberry.mutation(description="手工发出通知（实时推送给订阅者，并按推送地址推送）")
    async def issue_notice(self, info: Info, input: IssueNoticeInput) -> Payload[Notification]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.issue_notice(
                ctx,
                gid(input.jurisdiction_id, "jurisdictionId"),
                kind=input.kind,
                title=input.title,
                body=input.body,
                recipient_unit_id=(
                    gid(input.recipient_unit_id, "recipientUnitId") if input.recipient_unit_id else None
                ),
                recipient_role=input.recipient_role,
            ),
        )

    @strawberry.mutation(description="重新推送失败（或演练）的推送记录")
    async def retry_notification_delivery(
        self, info: Info, id: strawberry.ID
    ) -> Payload[NotificationDelivery]:
        return await run_mutation(info, lambda ctx: service.retry_delivery(ctx, gid(id, "id")))  # type: ignore[no-any-return]
