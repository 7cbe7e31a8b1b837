from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy import false, select

from api.audit.types import AuditEntry
from api.common import Connection, gid, paginate
from api.context import Info
from api.pagination import desc
from core.audit import models as m


@strawberry.type
class AuditQuery:
    @strawberry.field(description="操作留痕（分页，最新在前）")
    async def audit_trail(
        self,
        info: Info,
        entity_type: str | None = None,
        entity_id: strawberry.ID | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: dt.datetime | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AuditEntry]:
        principal = info.context.principal
        stmt = select(m.AuditEntry)
        if not (principal.is_admin or principal.is_bureau):
            # The trail shows every unit's records: the bureau and administrators read it.
            stmt = stmt.where(false())
        if entity_type:
            stmt = stmt.where(m.AuditEntry.entity_type == entity_type)
        if entity_id is not None:
            stmt = stmt.where(m.AuditEntry.entity_id == gid(entity_id, "entityId"))
        if actor:
            stmt = stmt.where(m.AuditEntry.actor == actor)
        if action:
            stmt = stmt.where(m.AuditEntry.action == action)
        if since is not None:
            stmt = stmt.where(m.AuditEntry.at >= since)
        stmt = info.context.scoped(stmt, m.AuditEntry)
        order = (desc(m.AuditEntry.id),)
        first = 50 if first is None and last is None else first
        return await paginate(info, stmt, order, first=first, after=after, last=last, before=before)
