from __future__ import annotations

import datetime as dt

import strawberry

from api.common import (
    ActionType,
    BatchKind,
    DisputeField,
    DisputeSource,
    Payload,
    ResolutionResult,
    ResolutionStage,
    gid,
    run_mutation,
)
from api.context import Info
from api.disputes.types import Dispute, ResolutionEffort, ResolutionHearing, ResolutionProgress
from core.disputes import service
from core.errors import ValidationFailed

MAX_RESPONDENTS = 50


@strawberry.input(description="登记行政争议")
class RecordDisputeInput:
    unit_id: strawberry.ID = strawberry.field(description="主要被申请单位")
    title: str
    applicant_name: str
    field: DisputeField
    action_type: ActionType
    source: DisputeSource
    received_date: dt.date
    summary: str = ""
    other_unit_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    applicant_id_number: str | None = None
    applicant_phone: str | None = None
    applicant_count: int = 1
    batch_kind: BatchKind = BatchKind.SINGLE
    is_major: bool = False
    loss_risk: bool = False
    origin_date: dt.date | None = strawberry.field(
        default=None, description="来源事件日期（法院口头通知、律师受托、委托函日期）"
    )
    reported_by: str | None = strawberry.field(default=None, description="报送单位（如律师事务所）")


@strawberry.input
class UpdateDisputeInput:
    id: strawberry.ID
    version: int | None = None
    title: str | None = None
    summary: str | None = None
    loss_risk: bool | None = None
    is_major: bool | None = None
    batch_kind: BatchKind | None = None
    field: DisputeField | None = None
    action_type: ActionType | None = None


@strawberry.input(description="领导包案：一案一策一专班")
class AssignLeaderInput:
    dispute_id: strawberry.ID
    official_id: strawberry.ID
    plan: str
    deadline: dt.date
    task_team: str
    version: int | None = None


@strawberry.input(description="分流指派化解")
class AssignResolutionInput:
    dispute_id: strawberry.ID
    unit_id: strawberry.ID
    stage: ResolutionStage
    assigned_date: dt.date
    by_court_letter: bool = False
    litigation_case_id: strawberry.ID | None = None


@strawberry.input(description="受理并送达纾解告知书")
class AcceptResolutionInput:
    effort_id: strawberry.ID
    accepted_date: dt.date
    notice_delivered_date: dt.date
    version: int | None = None


@strawberry.input
class ReportProgressInput:
    effort_id: strawberry.ID
    report_date: dt.date
    content: str
    reported_by: str = ""


@strawberry.input(description="延长化解期限（须记录同意情况）")
class ExtendResolutionInput:
    effort_id: strawberry.ID
    new_due_date: dt.date
    reason: str
    applicant_consent: bool
    centre_consent: bool
    court_informed: bool = False
    version: int | None = None


@strawberry.input
class ResolutionHearingInput:
    effort_id: strawberry.ID
    held_date: dt.date
    participants: str
    record: str


@strawberry.input(description="化解办结：成功须填结果，失败须填原因和过程")
class ConcludeResolutionInput:
    effort_id: strawberry.ID
    succeeded: bool
    concluded_date: dt.date
    result: ResolutionResult | None = None
    agreement_effective_date: dt.date | None = None
    failure_reason: str | None = None
    failure_process: str | None = None
    claims_summary: str | None = None
    point_in_dispute: str | None = None
    version: int | None = None


@strawberry.input(description="申请司法确认")
class JudicialConfirmationInput:
    effort_id: strawberry.ID
    requested_date: dt.date
    confirmed_date: dt.date | None = None
    version: int | None = None


def _unit_ids(ids: list[strawberry.ID]) -> tuple[int, ...]:
    if len(ids) > MAX_RESPONDENTS:
        raise ValidationFailed(
            "otherUnitIds", f"被申请单位不能超过{MAX_RESPONDENTS}个", f"at most {MAX_RESPONDENTS} respondents"
        )
    return tuple(gid(i, f"otherUnitIds[{n}]") for n, i in enumerate(ids))


@strawberry.type
class DisputeMutation:
    @strawberry.mutation(description="登记行政争议")
    async def record_dispute(self, info: Info, input: RecordDisputeInput) -> Payload[Dispute]:
        def data() -> service.DisputeInput:
            return service.DisputeInput(
                unit_id=gid(input.unit_id, "unitId"),
                title=input.title,
                applicant_name=input.applicant_name,
                field=input.field,
                action_type=input.action_type,
                source=input.source,
                received_date=input.received_date,
                summary=input.summary,
                other_unit_ids=_unit_ids(input.other_unit_ids),
                applicant_id_number=input.applicant_id_number,
                applicant_phone=input.applicant_phone,
                applicant_count=input.applicant_count,
                batch_kind=input.batch_kind,
                is_major=input.is_major,
                loss_risk=input.loss_risk,
                origin_date=input.origin_date,
                reported_by=input.reported_by,
            )

        return await run_mutation(info, lambda ctx: service.record_dispute(ctx, data()))  # type: ignore[no-any-return]

    @strawberry.mutation(description="修改争议信息（含败诉风险标记）")
    async def update_dispute(self, info: Info, input: UpdateDisputeInput) -> Payload[Dispute]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.update_dispute(
                ctx,
                gid(input.id, "id"),
                version=input.version,
                title=input.title,
                summary=input.summary,
                loss_risk=input.loss_risk,
                is_major=input.is_major,
                batch_kind=input.batch_kind,
                field=input.field,
                action_type=input.action_type,
            ),
        )

    @strawberry.mutation(description="领导包案")
    async def assign_leader(self, info: Info, input: AssignLeaderInput) -> Payload[Dispute]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.assign_leader(
                ctx,
                gid(input.dispute_id, "disputeId"),
                official_id=gid(input.official_id, "officialId"),
                plan=input.plan,
                deadline=input.deadline,
                task_team=input.task_team,
                version=input.version,
            ),
        )

    @strawberry.mutation(description="分流指派化解")
    async def assign_resolution(self, info: Info, input: AssignResolutionInput) -> Payload[ResolutionEffort]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.assign_resolution(
                ctx,
                gid(input.dispute_id, "disputeId"),
                unit_id=gid(input.unit_id, "unitId"),
                stage=input.stage,
                assigned_date=input.assigned_date,
                by_court_letter=input.by_court_letter,
                litigation_case_id=(
                    gid(input.litigation_case_id, "litigationCaseId") if input.litigation_case_id else None
                ),
            ),
        )

    @strawberry.mutation(description="受理化解并送达纾解告知书")
    async def accept_resolution(self, info: Info, input: AcceptResolutionInput) -> Payload[ResolutionEffort]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.accept_resolution(
                ctx,
                gid(input.effort_id, "effortId"),
                accepted_date=input.accepted_date,
                notice_delivered_date=input.notice_delivered_date,
                version=input.version,
            ),
        )

    @strawberry.mutation(description="反馈化解进展")
    async def report_resolution_progress(
        self, info: Info, input: ReportProgressInput
    ) -> Payload[ResolutionProgress]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.report_progress(
                ctx,
                gid(input.effort_id, "effortId"),
                report_date=input.report_date,
                content=input.content,
                reported_by=input.reported_by,
            ),
        )

    @strawberry.mutation(description="延长化解期限")
    async def extend_resolution(self, info: Info, input: ExtendResolutionInput) -> Payload[ResolutionEffort]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.extend_resolution(
                ctx,
                gid(input.effort_id, "effortId"),
                new_due_date=input.new_due_date,
                reason=input.reason,
                applicant_consent=input.applicant_consent,
                centre_consent=input.centre_consent,
                court_informed=input.court_informed,
                version=input.version,
            ),
        )

    @strawberry.mutation(description="记录纾解听证")
    async def record_resolution_hearing(
        self, info: Info, input: ResolutionHearingInput
    ) -> Payload[ResolutionHearing]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.record_resolution_hearing(
                ctx,
                gid(input.effort_id, "effortId"),
                held_date=input.held_date,
                participants=input.participants,
                record=input.record,
            ),
        )

    @strawberry.mutation(description="化解办结（成功或失败）")
    async def conclude_resolution(
        self, info: Info, input: ConcludeResolutionInput
    ) -> Payload[ResolutionEffort]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.conclude_resolution(
                ctx,
                gid(input.effort_id, "effortId"),
                succeeded=input.succeeded,
                concluded_date=input.concluded_date,
                result=input.result,
                agreement_effective_date=input.agreement_effective_date,
                failure_reason=input.failure_reason,
                failure_process=input.failure_process,
                claims_summary=input.claims_summary,
                point_in_dispute=input.point_in_dispute,
                version=input.version,
            ),
        )

    @strawberry.mutation(description="纾解协议申请司法确认")
    async def request_judicial_confirmation(
        self, info: Info, input: JudicialConfirmationInput
    ) -> Payload[ResolutionEffort]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.request_judicial_confirmation(
                ctx,
                gid(input.effort_id, "effortId"),
                requested_date=input.requested_date,
                confirmed_date=input.confirmed_date,
                version=input.version,
            ),
        )

    @strawberry.mutation(description="争议办结")
    async def close_dispute(
        self, info: Info, id: strawberry.ID, closed_date: dt.date, version: int | None = None
    ) -> Payload[Dispute]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.close_dispute(ctx, gid(id, "id"), closed_date=closed_date, version=version),
        )
