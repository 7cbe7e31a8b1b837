"""Reading notifications and obligations for a live subscriber, within the principal's scope."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.enums import Role
from core.obligations.inbox import addressed_to
from core.obligations.models import Notification, Obligation
from core.principal import Principal
from core.scoping import scope

S = TypeVar("S", bound=Select[Any])


def scope_notifications(stmt: S, principal: Principal, *, addressed_only: bool = False) -> S:
    """Restrict a query over notifications to those ``principal`` may read.

    :func:`core.scoping.scope` limits a jurisdiction; notifications name their unit in
    ``recipient_unit_id``, so a unit clerk is further limited to those addressed to their unit, to
    clerks as a role, or to them by name (:func:`core.obligations.inbox.addressed_to`).
    ``addressed_only`` keeps only the principal's inbox for every role.
    """
    stmt = scope(stmt, Notification, principal)
    if addressed_only:
        return stmt.where(addressed_to(principal))
    if principal.role == Role.UNIT_CLERK:
        own_unit = (
            Notification.recipient_unit_id == principal.unit_id if principal.unit_id is not None else false()
        )
        stmt = stmt.where(or_(own_unit, addressed_to(principal)))
    return stmt


async def load_visible_notification(
    session_factory: async_sessionmaker[AsyncSession],
    principal: Principal,
    notification_id: int,
    *,
    addressed_only: bool = False,
) -> Notification | None:
    """The notification, freshly read in a short session, or ``None`` if ``principal`` may not read it."""
    async with session_factory() as session:
        stmt = scope_notifications(
            select(Notification).where(Notification.id == notification_id),
            principal,
            addressed_only=addressed_only,
        )
        return await session.scalar(stmt)


async def load_visible_obligation(
    session_factory: async_sessionmaker[AsyncSession], principal: Principal, obligation_id: int
) -> Obligation | None:
    """The obligation, freshly read in a short session, or ``None`` if ``principal`` may not read it."""
    async with session_factory() as session:
        stmt = scope(select(Obligation).where(Obligation.id == obligation_id), Obligation, principal)
        return await session.scalar(stmt)
