"""A person's and a role's inbox of notifications."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, or_, true

from core.audit.service import record as audit
from core.audit.service import snapshot
from core.common import get_visible
from core.context import ServiceContext
from core.enums import Role
from core.errors import NotFound
from core.obligations.models import Notification
from core.principal import Principal


def addressed_to(principal: Principal) -> Any:
    """SQL condition: notifications addressed to ``principal`` (by name, or to their role and unit)."""
    if principal.is_admin:
        return true()
    if principal.jurisdiction_id is None:
        return false()
    # The county's administrator receives what is addressed to the justice bureau's staff too.
    roles = (
        [principal.role, Role.JUSTICE_STAFF]
        if principal.role == Role.JURISDICTION_ADMIN
        else [principal.role]
    )
    by_role = and_(
        Notification.recipient_role.in_(roles),
        or_(Notification.recipient_unit_id.is_(None), Notification.recipient_unit_id == principal.unit_id),
    )
    personal = (
        Notification.recipient_official_id == principal.official_id
        if principal.official_id is not None
        else false()
    )
    return and_(Notification.jurisdiction_id == principal.jurisdiction_id, or_(personal, by_role))


async def acknowledge(ctx: ServiceContext, notification_id: int) -> Notification:
    """Mark a notification read (it stays in the inbox, with who read it in the audit trail)."""
    n = await get_visible(ctx, Notification, notification_id, "通知", "id")
    mine = await ctx.session.scalar(
        Notification.__table__.select()
        .with_only_columns(Notification.id)
        .where(Notification.id == n.id, addressed_to(ctx.principal))
    )
    if mine is None:
        raise NotFound("Notification", "通知", notification_id)
    if n.acknowledged_at is None:
        before = snapshot(n)
        n.acknowledged_at = ctx.now()
        await audit(ctx, "notification.acknowledge", n, before)
        ctx.changed("notifications", n.id, n.jurisdiction_id)
    return n
