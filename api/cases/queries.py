from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy import or_, select

from api.cases.types import Hearing, LitigationCase, ReconsiderationCase
from api.common import CaseStatus, Connection, HearingStatus, Instance, ReconsiderationStatus, gid, paginate
from api.context import Info
from api.pagination import asc, desc
from core.cases import models as m
from core.clock import CHINA
from core.errors import ValidationFailed


@strawberry.input(description="诉讼案件筛选条件")
class CaseFilter:
    jurisdiction_id: strawberry.ID | None = None
    unit_id: strawberry.ID | None = None
    dispute_id: strawberry.ID | None = None
    status: list[CaseStatus] | None = None
    instance: list[Instance] | None = None
    filed_from: dt.date | None = None
    filed_to: dt.date | None = None
    concluded_from: dt.date | None = None
    concluded_to: dt.date | None = None
    text: str | None = strawberry.field(default=None, description="案号、原告、法院中包含的文字")


@strawberry.type
class CaseQuery:
    @strawberry.field(description="行政诉讼案件（分页）")
    async def litigation_cases(
        self,
        info: Info,
        filter: CaseFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[LitigationCase]:
        stmt = select(m.LitigationCase)
        f = filter
        if f is not None:
            if f.jurisdiction_id is not None:
                stmt = stmt.where(
                    m.LitigationCase.jurisdiction_id == gid(f.jurisdiction_id, "filter.jurisdictionId")
                )
            if f.unit_id is not None:
                stmt = stmt.where(m.LitigationCase.unit_id == gid(f.unit_id, "filter.unitId"))
            if f.dispute_id is not None:
                stmt = stmt.where(m.LitigationCase.dispute_id == gid(f.dispute_id, "filter.disputeId"))
            if f.status:
                stmt = stmt.where(m.LitigationCase.status.in_(f.status))
            if f.instance:
                stmt = stmt.where(m.LitigationCase.instance.in_(f.instance))
            if f.filed_from:
                stmt = stmt.where(m.LitigationCase.filed_date >= f.filed_from)
            if f.filed_to:
                stmt = stmt.where(m.LitigationCase.filed_date <= f.filed_to)
            if f.concluded_from:
                stmt = stmt.where(m.LitigationCase.concluded_date >= f.concluded_from)
            if f.concluded_to:
                stmt = stmt.where(m.LitigationCase.concluded_date <= f.concluded_to)
            if f.text and f.text.strip():
                like = f"%{f.text.strip()}%"
                stmt = stmt.where(
                    or_(
                        m.LitigationCase.case_number.like(like),
                        m.LitigationCase.plaintiff_name.like(like),
                        m.LitigationCase.court.like(like),
                    )
                )
        stmt = info.context.scoped(stmt, m.LitigationCase)
        order = (desc(m.LitigationCase.filed_date), desc(m.LitigationCase.id))
        return await paginate(info, stmt, order, first=first, after=after, last=last, before=before)

    @strawberry.field
    async def litigation_case(self, info: Info, id: strawberry.ID) -> LitigationCase | None:
        return await info.context.loaders.by_id(m.LitigationCase).load(gid(id, "id"))  # type: ignore[no-any-return]

    @strawberry.field(description="行政复议案件（分页）")
    async def reconsideration_cases(
        self,
        info: Info,
        jurisdiction_id: strawberry.ID | None = None,
        unit_id: strawberry.ID | None = None,
        status: list[ReconsiderationStatus] | None = None,
        received_from: dt.date | None = None,
        received_to: dt.date | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ReconsiderationCase]:
        stmt = select(m.ReconsiderationCase)
        if jurisdiction_id is not None:
            stmt = stmt.where(m.ReconsiderationCase.jurisdiction_id == gid(jurisdiction_id, "jurisdictionId"))
        if unit_id is not None:
            stmt = stmt.where(m.ReconsiderationCase.unit_id == gid(unit_id, "unitId"))
        if status:
            stmt = stmt.where(m.ReconsiderationCase.status.in_(status))
        if received_from:
            stmt = stmt.where(m.ReconsiderationCase.received_date >= received_from)
        if received_to:
            stmt = stmt.where(m.ReconsiderationCase.received_date <= received_to)
        stmt = info.context.scoped(stmt, m.ReconsiderationCase)
        order = (desc(m.ReconsiderationCase.received_date), desc(m.ReconsiderationCase.id))
        return await paginate(info, stmt, order, first=first, after=after, last=last, before=before)

    @strawberry.field
    async def reconsideration_case(self, info: Info, id: strawberry.ID) -> ReconsiderationCase | None:
        return await info.context.loaders.by_id(m.ReconsiderationCase).load(gid(id, "id"))  # type: ignore[no-any-return]

    @strawberry.field(description="庭审列表；upcomingDays 给出今后若干天内待开庭的庭审")
    async def hearings(
        self,
        info: Info,
        jurisdiction_id: strawberry.ID | None = None,
        unit_id: strawberry.ID | None = None,
        status: list[HearingStatus] | None = None,
        upcoming_days: int | None = None,
        from_date: dt.date | None = None,
        to_date: dt.date | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Hearing]:
        stmt = select(m.Hearing)
        if jurisdiction_id is not None:
            stmt = stmt.where(m.Hearing.jurisdiction_id == gid(jurisdiction_id, "jurisdictionId"))
        if unit_id is not None:
            stmt = stmt.where(m.Hearing.unit_id == gid(unit_id, "unitId"))
        if status:
            stmt = stmt.where(m.Hearing.status.in_(status))
        if upcoming_days is not None:
            if upcoming_days < 0 or upcoming_days > 366:
                raise ValidationFailed("upcomingDays", "天数须在0到366之间", "upcomingDays must be 0..366")
            now = info.context.app.clock().astimezone(CHINA)
            stmt = stmt.where(
                m.Hearing.status == HearingStatus.SCHEDULED,  # type: ignore[arg-type]
                m.Hearing.scheduled_at >= now,
                m.Hearing.scheduled_at < now + dt.timedelta(days=upcoming_days),
            )
        if from_date is not None:
            stmt = stmt.where(
                m.Hearing.scheduled_at >= dt.datetime.combine(from_date, dt.time(), tzinfo=CHINA)
            )
        if to_date is not None and to_date < dt.date.max:
            end = dt.datetime.combine(to_date + dt.timedelta(days=1), dt.time(), tzinfo=CHINA)
            stmt = stmt.where(m.Hearing.scheduled_at < end)
        when = asc(m.Hearing.scheduled_at) if upcoming_days is not None else desc(m.Hearing.scheduled_at)
        stmt = info.context.scoped(stmt, m.Hearing)
        order = (when, asc(m.Hearing.id))
        return await paginate(info, stmt, order, first=first, after=after, last=last, before=before)

    @strawberry.field
    async def hearing(self, info: Info, id: strawberry.ID) -> Hearing | None:
        return await info.context.loaders.by_id(m.Hearing).load(gid(id, "id"))  # type: ignore[no-any-return]
