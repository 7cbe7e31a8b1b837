from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy import select

from api.common import Connection, ObligationStatus, gid, paginate
from api.context import Info
from api.obligations.types import Obligation
from core.obligations import models as m


@strawberry.input(description="期限事项筛选条件")
class ObligationFilter:
    jurisdiction_id: strawberry.ID | None = None
    unit_id: strawberry.ID | None = strawberry.field(default=None, description="责任单位")
    owner_role: str | None = None
    status: list[ObligationStatus] | None = None
    rule_id: str | None = None
    due_before: dt.date | None = None
    due_after: dt.date | None = None
    overdue: bool | None = strawberry.field(default=None, description="仅看已逾期（或仅看未逾期）")
    subject_type: str | None = None
    subject_id: strawberry.ID | None = None


@strawberry.type
class ObligationQuery:
    @strawberry.field(description="期限事项（分页，按到期日排序）")
    async def obligations(
        self, info: Info, filter: ObligationFilter | None = None, first: int = 20, after: str | None = None
    ) -> Connection[Obligation]:
        stmt = select(m.Obligation)
        f = filter
        if f is not None:
            if f.jurisdiction_id is not None:
                stmt = stmt.where(
                    m.Obligation.jurisdiction_id == gid(f.jurisdiction_id, "filter.jurisdictionId")
                )
            if f.unit_id is not None:
                stmt = stmt.where(m.Obligation.unit_id == gid(f.unit_id, "filter.unitId"))
            if f.owner_role:
                stmt = stmt.where(m.Obligation.owner_role == f.owner_role)
            if f.status:
                stmt = stmt.where(m.Obligation.status.in_(f.status))
            if f.rule_id:
                stmt = stmt.where(m.Obligation.rule_id == f.rule_id)
            if f.due_before:
                stmt = stmt.where(m.Obligation.due_date <= f.due_before)
            if f.due_after:
                stmt = stmt.where(m.Obligation.due_date >= f.due_after)
            if f.subject_type:
                stmt = stmt.where(m.Obligation.subject_type == f.subject_type)
            if f.subject_id is not None:
                stmt = stmt.where(m.Obligation.subject_id == gid(f.subject_id, "filter.subjectId"))
            if f.overdue is not None:
                today = info.context.today()
                open_states = (ObligationStatus.OPEN, ObligationStatus.OVERDUE)
                late = (m.Obligation.status == ObligationStatus.OVERDUE) | (
                    m.Obligation.status.in_(open_states) & (m.Obligation.due_date < today)
                )
                stmt = stmt.where(late if f.overdue else ~late)
        stmt = info.context.scoped(stmt, m.Obligation).order_by(m.Obligation.due_date.asc(), m.Obligation.id)
        return await paginate(info, stmt, first=first, after=after)

    @strawberry.field
    async def obligation(self, info: Info, id: strawberry.ID) -> Obligation | None:
        return await info.context.loaders.by_id(m.Obligation).load(gid(id, "id"))  # type: ignore[no-any-return]
