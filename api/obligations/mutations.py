from __future__ import annotations

import datetime as dt

import strawberry

from api.common import Payload, gid, run_mutation
from api.context import Info
from api.obligations.types import Notification, Obligation, PeriodicReport, PolicyEventRecord
from core.calendar import admin
from core.context import ServiceContext
from core.errors import ValidationFailed
from core.obligations import actions, inbox, policy_events, service


@strawberry.input(description="定期报送（如每月28日前的争议排查，零报送时 isZero=true）")
class SubmitReportInput:
    jurisdiction_id: strawberry.ID
    kind: str
    period: str
    submitted_date: dt.date
    unit_id: strawberry.ID | None = None
    is_zero: bool = False
    content: str = ""


@strawberry.input(description="记录辖区自定义事件（政策插件声明的事件类型；属性按声明校验）")
class RecordPolicyEventInput:
    jurisdiction_id: strawberry.ID
    kind: str = strawberry.field(description="插件声明的事件编号，如 henan_xx.urge_letter_sent")
    date: dt.date = strawberry.field(description="发生日期")
    subject_id: strawberry.ID | None = strawberry.field(
        default=None, description="所涉记录（庭审、案件、单位…）"
    )
    attributes: strawberry.scalars.JSON | None = strawberry.field(default=None, description="事件属性")


@strawberry.type
class ObligationBasicMutation:
    @strawberry.mutation(description="标记期限事项已完成")
    async def mark_obligation_met(
        self, info: Info, id: strawberry.ID, met_date: dt.date, note: str = "", version: int | None = None
    ) -> Payload[Obligation]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.mark_obligation_met(
                ctx, gid(id, "id"), met_date=met_date, note=note, version=version
            ),
        )

    @strawberry.mutation(description="豁免期限事项（须说明理由）")
    async def waive_obligation(
        self, info: Info, id: strawberry.ID, reason: str, version: int | None = None
    ) -> Payload[Obligation]:
        return await run_mutation(  # type: ignore[no-any-return]
            info, lambda ctx: service.waive_obligation(ctx, gid(id, "id"), reason=reason, version=version)
        )

    @strawberry.mutation(description="记录辖区自定义事件（如督促函已发出、被通报批评）")
    async def record_policy_event(
        self, info: Info, input: RecordPolicyEventInput
    ) -> Payload[PolicyEventRecord]:
        attributes: object = input.attributes if input.attributes is not None else {}
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: policy_events.record_policy_event(
                ctx,
                gid(input.jurisdiction_id, "jurisdictionId"),
                kind=input.kind,
                subject_id=gid(input.subject_id, "subjectId") if input.subject_id is not None else None,
                on=input.date,
                attributes=_attributes(attributes),
            ),
        )

    @strawberry.mutation(description="定期报送")
    async def submit_report(self, info: Info, input: SubmitReportInput) -> Payload[PeriodicReport]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.submit_report(
                ctx,
                gid(input.jurisdiction_id, "jurisdictionId"),
                kind=input.kind,
                period=input.period,
                submitted_date=input.submitted_date,
                unit_id=gid(input.unit_id, "unitId") if input.unit_id is not None else None,
                is_zero=input.is_zero,
                content=input.content,
            ),
        )


def _attributes(value: object) -> dict[str, object]:
    """The attributes object; anything else is refused naming the field (nothing is written)."""
    if not isinstance(value, dict):
        raise ValidationFailed("attributes", "事件属性须为对象（名称：值）", "attributes must be an object")
    return value


@strawberry.input(description="延长期限（规则允许时；须记录同意情况）")
class ExtendObligationInput:
    id: strawberry.ID
    new_due_date: dt.date
    reason: str
    applicant_consent: bool = False
    centre_consent: bool = False
    court_informed: bool = False
    version: int | None = None


@strawberry.type
class ObligationActionMutation:
    @strawberry.mutation(description="延长期限")
    async def extend_obligation(self, info: Info, input: ExtendObligationInput) -> Payload[Obligation]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: actions.extend_obligation(
                ctx,
                gid(input.id, "id"),
                new_due_date=input.new_due_date,
                reason=input.reason,
                applicant_consent=input.applicant_consent,
                centre_consent=input.centre_consent,
                court_informed=input.court_informed,
                version=input.version,
            ),
        )

    @strawberry.mutation(description="暂停期限（规则允许延期时）")
    async def pause_obligation(
        self, info: Info, id: strawberry.ID, since: dt.date, reason: str, version: int | None = None
    ) -> Payload[Obligation]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: actions.pause_obligation(
                ctx, gid(id, "id"), since=since, reason=reason, version=version
            ),
        )

    @strawberry.mutation(description="恢复已暂停的期限（暂停天数顺延）")
    async def resume_obligation(
        self, info: Info, id: strawberry.ID, on: dt.date, version: int | None = None
    ) -> Payload[Obligation]:
        return await run_mutation(  # type: ignore[no-any-return]
            info, lambda ctx: actions.resume_obligation(ctx, gid(id, "id"), on=on, version=version)
        )

    @strawberry.mutation(description="更正起算日期（到期日随之重算）")
    async def correct_obligation_trigger_date(
        self, info: Info, id: strawberry.ID, trigger_date: dt.date, reason: str, version: int | None = None
    ) -> Payload[Obligation]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: actions.correct_trigger_date(
                ctx, gid(id, "id"), trigger_date=trigger_date, reason=reason, version=version
            ),
        )

    @strawberry.mutation(description="通知已读")
    async def acknowledge_notification(self, info: Info, id: strawberry.ID) -> Payload[Notification]:
        return await run_mutation(info, lambda ctx: inbox.acknowledge(ctx, gid(id, "id")))  # type: ignore[no-any-return]

    @strawberry.mutation(description="设置法定节假日或调休上班日（系统管理员）；受影响的期限自动重算")
    async def set_calendar_day(
        self, info: Info, day: dt.date, is_working_day: bool, name: str = "", note: str = ""
    ) -> Payload[CalendarChange]:
        async def run(ctx: ServiceContext) -> CalendarChange:
            await admin.set_calendar_day(ctx, day=day, is_working_day=is_working_day, name=name, note=note)
            return await _recompute(ctx)

        return await run_mutation(info, run)  # type: ignore[no-any-return]

    @strawberry.mutation(description="取消对某日的人工设置；受影响的期限自动重算")
    async def clear_calendar_day(self, info: Info, day: dt.date) -> Payload[CalendarChange]:
        async def run(ctx: ServiceContext) -> CalendarChange:
            await admin.clear_calendar_day(ctx, day=day)
            return await _recompute(ctx)

        return await run_mutation(info, run)  # type: ignore[no-any-return]

    @strawberry.mutation(description="声明某年节假日已按国务院通知全部录入；待定期限自动计算")
    async def declare_calendar_year(self, info: Info, year: int, source: str) -> Payload[CalendarChange]:
        async def run(ctx: ServiceContext) -> CalendarChange:
            await admin.declare_calendar_year(ctx, year=year, source=source)
            return await _recompute(ctx)

        return await run_mutation(info, run)  # type: ignore[no-any-return]


@strawberry.type(description="日历调整的结果")
class CalendarChange:
    version: str = strawberry.field(description="新的日历版本")
    recomputed: int = strawberry.field(description="重新计算到期日的期限事项数")


async def _recompute(ctx: ServiceContext) -> CalendarChange:
    await ctx.session.flush()
    changed = await actions.recompute_obligations(ctx)
    return CalendarChange(version=(await ctx.calendar()).version, recomputed=changed)


@strawberry.type
class ObligationMutation(ObligationBasicMutation, ObligationActionMutation):
    pass
