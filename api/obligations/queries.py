from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy import select

from api.common import Connection, NotificationKind, ObligationStatus, gid, paginate
from api.context import Info
from api.obligations.types import Notification, Obligation
from api.pagination import asc, desc
from core.calendar.models import CalendarOverride
from core.calendar.workdays import known_years
from core.context import ServiceContext
from core.enums import ObligationStatus as Status
from core.errors import ValidationFailed
from core.obligations import models as m
from core.obligations.inbox import addressed_to

NEWEST_FIRST = (desc(m.Notification.id),)


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
class ObligationListQuery:
    @strawberry.field(description="期限事项（分页，按到期日排序）")
    async def obligations(
        self,
        info: Info,
        filter: ObligationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
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
                # Open (or marked overdue) and either marked overdue or past its due date: the same
                # rows as "marked overdue, or open past due", written so the partial index of open
                # obligations (jurisdiction, due date) serves it, the page in due-date order.
                open_states = (ObligationStatus.OPEN, ObligationStatus.OVERDUE)
                late = m.Obligation.status.in_(open_states) & (
                    (m.Obligation.status == ObligationStatus.OVERDUE) | (m.Obligation.due_date < today)
                )
                stmt = stmt.where(late if f.overdue else ~late)
        stmt = info.context.scoped(stmt, m.Obligation)
        order = (asc(m.Obligation.due_date), asc(m.Obligation.id))
        return await paginate(info, stmt, order, first=first, after=after, last=last, before=before)

    @strawberry.field
    async def obligation(self, info: Info, id: strawberry.ID) -> Obligation | None:
        return await info.context.loaders.by_id(m.Obligation).load(gid(id, "id"))  # type: ignore[no-any-return]


@strawberry.type(description="工作日历信息")
class CalendarInfo:
    version: str = strawberry.field(description="当前日历版本（期限记录计算所用版本）")
    library_years: list[int] = strawberry.field(description="节假日库已知的年份")
    declared_years: list[int] = strawberry.field(description="管理员录入完整的年份")
    overrides: list[CalendarDay]


@strawberry.type(description="人工设置的日期（法定节假日或调休上班日）")
class CalendarDay:
    day: dt.date
    is_working_day: bool
    name: str
    note: str


@strawberry.type
class InboxQuery:
    @strawberry.field(description="我的通知（按角色、单位和本人）")
    async def inbox(
        self,
        info: Info,
        unread_only: bool = False,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Notification]:
        stmt = select(m.Notification).where(addressed_to(info.context.principal))
        if unread_only:
            stmt = stmt.where(m.Notification.acknowledged_at.is_(None))
        stmt = info.context.scoped(stmt, m.Notification)
        return await paginate(info, stmt, NEWEST_FIRST, first=first, after=after, last=last, before=before)

    @strawberry.field(description="本辖区全部通知（司法局、管理员）")
    async def notifications(
        self,
        info: Info,
        jurisdiction_id: strawberry.ID | None = None,
        obligation_id: strawberry.ID | None = None,
        kind: list[NotificationKind] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Notification]:
        stmt = select(m.Notification)
        if jurisdiction_id is not None:
            stmt = stmt.where(m.Notification.jurisdiction_id == gid(jurisdiction_id, "jurisdictionId"))
        if obligation_id is not None:
            stmt = stmt.where(m.Notification.obligation_id == gid(obligation_id, "obligationId"))
        if kind:
            stmt = stmt.where(m.Notification.kind.in_(kind))
        principal = info.context.principal
        if not principal.is_admin and not principal.is_bureau:
            stmt = stmt.where(addressed_to(principal))
        stmt = info.context.scoped(stmt, m.Notification)
        return await paginate(info, stmt, NEWEST_FIRST, first=first, after=after, last=last, before=before)

    @strawberry.field(description="某日是否为工作日（含调休上班日）")
    async def is_working_day(self, info: Info, date: dt.date) -> bool:
        return await info.context.read_ctx(lambda ctx: _is_working(ctx, date))

    @strawberry.field(description="某日之后第N个工作日（事件当日不计）")
    async def add_working_days(self, info: Info, date: dt.date, days: int) -> dt.date:
        if abs(days) > 3650:
            raise ValidationFailed("days", "天数过大", "days must be within ±3650")
        return await info.context.read_ctx(lambda ctx: _add(ctx, date, days))

    @strawberry.field(description="工作日历：版本、已知年份、人工设置")
    async def calendar_info(self, info: Info, year: int | None = None) -> CalendarInfo:
        if year is not None and not 2000 <= year <= 2100:
            raise ValidationFailed("year", "年份须在2000年至2100年之间", "year must be between 2000 and 2100")
        stmt = select(CalendarOverride).order_by(CalendarOverride.day)
        if year is not None:
            stmt = stmt.where(
                CalendarOverride.day >= dt.date(year, 1, 1), CalendarOverride.day <= dt.date(year, 12, 31)
            )
        rows = await info.context.scalars(stmt)
        calendar = await info.context.read_ctx(lambda ctx: ctx.calendar())
        return CalendarInfo(
            version=calendar.version,
            library_years=list(known_years()),
            declared_years=sorted(calendar.declared_years),
            overrides=[
                CalendarDay(day=r.day, is_working_day=r.is_working_day, name=r.name, note=r.note)
                for r in rows
            ],
        )


@strawberry.type(description="下一年度节假日是否已公布，及因此暂无到期日的期限事项 (calendar readiness)")
class CalendarReadiness:
    year: int = strawberry.field(description="需要准备的年度（今年11月1日起为下一年）")
    declared: bool = strawberry.field(description="该年节假日安排是否已有（日历库自带或管理员已公布）")
    warn: bool = strawberry.field(description="是否应提醒管理员：11月1日起下一年尚未公布")
    undated_obligations: int = strawberry.field(description="因节假日未公布而暂无到期日的未完成期限事项数")
    message: str = strawberry.field(description="给用户看的提示（中文）")


@strawberry.type
class CalendarReadinessQuery:
    @strawberry.field(description="工作日历准备情况：下一年度节假日未公布时提醒，并统计暂无到期日的期限事项")
    async def calendar_readiness(
        self, info: Info, jurisdiction_id: strawberry.ID | None = None
    ) -> CalendarReadiness:
        from sqlalchemy import func

        today = info.context.app.clock().date()
        # From 1 November the State Council's notice for next year is due (it usually comes in
        # late October or November); before that the current year is the one that matters.
        year = today.year + 1 if today.month >= 11 else today.year
        calendar = await info.context.read_ctx(lambda ctx: ctx.calendar())
        declared = year in known_years() or year in calendar.declared_years
        stmt = select(func.count(m.Obligation.id)).where(
            m.Obligation.due_date.is_(None),
            m.Obligation.due_error.is_not(None),
            m.Obligation.status.in_([Status.OPEN, Status.PAUSED]),
        )
        if jurisdiction_id is not None:
            stmt = stmt.where(m.Obligation.jurisdiction_id == gid(jurisdiction_id, "jurisdictionId"))
        undated = int(await info.context.scalar(info.context.scoped(stmt, m.Obligation)) or 0)
        warn = not declared and (today.month >= 11 or undated > 0)
        if declared:
            message = f"{year}年节假日安排已录入"
        else:
            message = (
                f"{year}年节假日安排尚未录入：按工作日计算、落在{year}年的期限暂无法确定到期日"
                f"（目前 {undated} 项）。国务院办公厅公布后，请系统管理员在“系统管理 · 工作日历”中录入。"
            )
        return CalendarReadiness(
            year=year, declared=declared, warn=warn, undated_obligations=undated, message=message
        )


async def _is_working(ctx: ServiceContext, day: dt.date) -> bool:
    return (await ctx.calendar()).is_working_day(day)


async def _add(ctx: ServiceContext, day: dt.date, n: int) -> dt.date:
    return (await ctx.calendar()).add_working_days(day, n)


@strawberry.type
class ObligationQuery(ObligationListQuery, InboxQuery, CalendarReadinessQuery):
    pass
