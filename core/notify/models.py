"""Webhook endpoints a jurisdiction registers, and the delivery of each notification to each of them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, IdMixin, TimestampMixin, VersionedMixin, enum_type, utcnow
from core.enums import LabeledEnum


class DeliveryStatus(LabeledEnum):
    PENDING = ("pending", "待推送")
    DELIVERED = ("delivered", "已送达")
    FAILED = ("failed", "推送失败")
    DRY_RUN = ("dry_run", "演练（未实际发送）")


class WebhookEndpoint(IdMixin, TimestampMixin, VersionedMixin, Base):
    """An HTTP receiver (an intranet system or a WeCom/DingTalk robot) for a jurisdiction's notifications."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "name"),)

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    # Key of the HMAC-SHA256 signature header; never returned by the API nor written to the audit trail.
    secret: Mapped[str | None] = mapped_column(String(200))
    # Notification kinds (values of NotificationKind) to deliver; empty means every kind.
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class NotificationDelivery(IdMixin, TimestampMixin, Base):
    """One notification to one endpoint: claimed by a worker under a lease, retried with back-off."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "endpoint_id"),
        Index("ix_notification_deliveries_due", "status", "next_attempt_at"),
    )

    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    # The notification's jurisdiction, so the rows are scoped like every other table.
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(enum_type(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # A worker's lease: until then no other worker claims the row; a crashed worker's lease runs out.
    claimed_until: Mapped[dt.datetime | None] = mapped_column()
    # Which claim holds the lease, so a worker that outlived its lease cannot overwrite the next one's result.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    response_status: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[dt.datetime | None] = mapped_column()
