from __future__ import annotations

import datetime as dt

import strawberry

from api.cases.types import Hearing, LitigationCase, Outcome, PostJudgmentDuty, ReconsiderationCase
from api.common import DutyKind, Instance, OutcomeKind, Payload, ReconsiderationDecision, gid, run_mutation
from api.context import Info
from core.cases import service, statutory


@strawberry.input(description="登记行政复议申请")
class ReceiveReconsiderationInput:
    dispute_id: strawberry.ID
    case_number: str
    received_date: dt.date
    unit_id: strawberry.ID | None = None


@strawberry.input(description="复议审结")
class ConcludeReconsiderationInput:
    case_id: strawberry.ID
    decision: ReconsiderationDecision
    concluded_date: dt.date
    note: str | None = None
    version: int | None = None


@strawberry.input(description="登记行政诉讼案件")
class FileLitigationCaseInput:
    dispute_id: strawberry.ID
    court: str
    case_number: str
    plaintiff_name: str
    filed_date: dt.date
    instance: Instance = Instance.FIRST
    parent_case_id: strawberry.ID | None = None
    unit_id: strawberry.ID | None = None


@strawberry.input(description="登记开庭")
class ScheduleHearingInput:
    case_id: strawberry.ID
    scheduled_at: dt.datetime
    court: str | None = None
    courtroom: str | None = None
    head_required: bool = True


@strawberry.input(description="登记庭审情况")
class RecordHearingInput:
    hearing_id: strawberry.ID
    held_at: dt.datetime
    head_attended: bool
    attending_official_id: strawberry.ID | None = None
    head_spoke: bool | None = None
    substitute_name: str | None = None
    substitute_approved_by_id: strawberry.ID | None = None
    excuse_reason: str | None = None
    excuse_proof: str | None = None
    excuse_sealed: bool | None = strawberry.field(
        default=None, description="情况说明已加盖行政机关印章或由主要负责人签字认可"
    )
    excuse_attachment_id: strawberry.ID | None = strawberry.field(
        default=None, description="情况说明附件（先以 attachFile 上传到本次庭审）"
    )
    version: int | None = None


@strawberry.input(description="登记裁判结果")
class RecordOutcomeInput:
    case_id: strawberry.ID
    kind: OutcomeKind
    decided_date: dt.date
    received_date: dt.date
    agency_changed_act: bool = False
    summary: str | None = None
    served_date: dt.date | None = strawberry.field(
        default=None, description="裁判文书送达最后一方当事人的日期（上诉期自次日起算；不填为收到日期）"
    )
    version: int | None = None


@strawberry.input(description="提交裁判后事项（报备生效裁判、败诉原因分析报告、整改措施、司法建议落实）")
class SubmitDutyInput:
    case_id: strawberry.ID
    kind: DutyKind
    content: str
    submitted_date: dt.date
    sequence: int = 1


@strawberry.input(description="经行政复议机构负责人批准，延长行政复议审理期限（最多一次、不超过30日）")
class ExtendReconsiderationInput:
    case_id: strawberry.ID
    new_due_date: dt.date
    reason: str
    approved_by: str = strawberry.field(description="批准延期的行政复议机构负责人")
    parties_notified: bool = strawberry.field(description="已书面告知当事人")
    approved_date: dt.date | None = None
    version: int | None = None


def _opt(value: strawberry.ID | None, field: str) -> int | None:
    return gid(value, field) if value is not None else None


@strawberry.type
class CaseMutation:
    @strawberry.mutation(description="登记行政复议申请")
    async def receive_reconsideration(
        self, info: Info, input: ReceiveReconsiderationInput
    ) -> Payload[ReconsiderationCase]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.receive_reconsideration(
                ctx,
                gid(input.dispute_id, "disputeId"),
                case_number=input.case_number,
                received_date=input.received_date,
                unit_id=_opt(input.unit_id, "unitId"),
            ),
        )

    @strawberry.mutation(description="受理复议申请")
    async def accept_reconsideration(
        self, info: Info, case_id: strawberry.ID, accepted_date: dt.date, version: int | None = None
    ) -> Payload[ReconsiderationCase]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.accept_reconsideration(
                ctx, gid(case_id, "caseId"), accepted_date=accepted_date, version=version
            ),
        )

    @strawberry.mutation(description="不予受理复议申请")
    async def reject_reconsideration(
        self,
        info: Info,
        case_id: strawberry.ID,
        rejected_date: dt.date,
        reason: str,
        version: int | None = None,
    ) -> Payload[ReconsiderationCase]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.reject_reconsideration(
                ctx, gid(case_id, "caseId"), rejected_date=rejected_date, reason=reason, version=version
            ),
        )

    @strawberry.mutation(description="复议审结")
    async def conclude_reconsideration(
        self, info: Info, input: ConcludeReconsiderationInput
    ) -> Payload[ReconsiderationCase]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.conclude_reconsideration(
                ctx,
                gid(input.case_id, "caseId"),
                decision=input.decision,
                concluded_date=input.concluded_date,
                note=input.note,
                version=input.version,
            ),
        )

    @strawberry.mutation(description="登记已向被申请人发送行政复议申请书副本（及被申请人收到日期）")
    async def send_application_copy(
        self,
        info: Info,
        case_id: strawberry.ID,
        sent_date: dt.date,
        received_date: dt.date | None = None,
        version: int | None = None,
    ) -> Payload[ReconsiderationCase]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: statutory.send_application_copy(
                ctx, gid(case_id, "caseId"), sent_date=sent_date, received_date=received_date, version=version
            ),
        )

    @strawberry.mutation(description="登记被申请人已提出书面答复并提交证据、依据")
    async def submit_written_reply(
        self, info: Info, case_id: strawberry.ID, submitted_date: dt.date, version: int | None = None
    ) -> Payload[ReconsiderationCase]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: statutory.submit_written_reply(
                ctx, gid(case_id, "caseId"), submitted_date=submitted_date, version=version
            ),
        )

    @strawberry.mutation(description="延长行政复议审理期限（经行政复议机构负责人批准并书面告知当事人）")
    async def extend_reconsideration(
        self, info: Info, input: ExtendReconsiderationInput
    ) -> Payload[ReconsiderationCase]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: statutory.extend_reconsideration(
                ctx,
                gid(input.case_id, "caseId"),
                new_due_date=input.new_due_date,
                reason=input.reason,
                approved_by=input.approved_by,
                parties_notified=input.parties_notified,
                approved_date=input.approved_date,
                version=input.version,
            ),
        )

    @strawberry.mutation(description="登记行政诉讼案件")
    async def file_litigation_case(
        self, info: Info, input: FileLitigationCaseInput
    ) -> Payload[LitigationCase]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.file_litigation_case(
                ctx,
                gid(input.dispute_id, "disputeId"),
                court=input.court,
                case_number=input.case_number,
                plaintiff_name=input.plaintiff_name,
                filed_date=input.filed_date,
                instance=input.instance,
                parent_case_id=_opt(input.parent_case_id, "parentCaseId"),
                unit_id=_opt(input.unit_id, "unitId"),
            ),
        )

    @strawberry.mutation(description="登记收到应诉通知书")
    async def record_response_notice(
        self, info: Info, case_id: strawberry.ID, received_date: dt.date, version: int | None = None
    ) -> Payload[LitigationCase]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.record_response_notice(
                ctx, gid(case_id, "caseId"), received_date=received_date, version=version
            ),
        )

    @strawberry.mutation(description="登记收到起诉状副本（答辩期自次日起算）")
    async def record_complaint_copy(
        self, info: Info, case_id: strawberry.ID, received_date: dt.date, version: int | None = None
    ) -> Payload[LitigationCase]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: statutory.record_complaint_copy(
                ctx, gid(case_id, "caseId"), received_date=received_date, version=version
            ),
        )

    @strawberry.mutation(description="登记已向人民法院提交证据、规范性文件和答辩状")
    async def submit_defence(
        self, info: Info, case_id: strawberry.ID, submitted_date: dt.date, version: int | None = None
    ) -> Payload[LitigationCase]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: statutory.submit_defence(
                ctx, gid(case_id, "caseId"), submitted_date=submitted_date, version=version
            ),
        )

    @strawberry.mutation(description="登记已向司法局（及分管领导）报告应诉情况")
    async def report_response(
        self, info: Info, case_id: strawberry.ID, reported_date: dt.date
    ) -> Payload[LitigationCase]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.report_response(ctx, gid(case_id, "caseId"), reported_date=reported_date),
        )

    @strawberry.mutation(description="登记开庭时间")
    async def schedule_hearing(self, info: Info, input: ScheduleHearingInput) -> Payload[Hearing]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.schedule_hearing(
                ctx,
                gid(input.case_id, "caseId"),
                scheduled_at=input.scheduled_at,
                court=input.court,
                courtroom=input.courtroom,
                head_required=input.head_required,
            ),
        )

    @strawberry.mutation(description="确定出庭负责人")
    async def designate_hearing_head(
        self, info: Info, hearing_id: strawberry.ID, official_id: strawberry.ID, version: int | None = None
    ) -> Payload[Hearing]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.designate_head(
                ctx, gid(hearing_id, "hearingId"), official_id=gid(official_id, "officialId"), version=version
            ),
        )

    @strawberry.mutation(
        description="负责人不能出庭时，登记经批准代为出庭的人员（如经分管县领导同意由分管领导出庭）"
    )
    async def approve_substitute_head(
        self,
        info: Info,
        hearing_id: strawberry.ID,
        official_id: strawberry.ID,
        approved_by_id: strawberry.ID,
        reason: str,
        version: int | None = None,
    ) -> Payload[Hearing]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.approve_substitute(
                ctx,
                gid(hearing_id, "hearingId"),
                official_id=gid(official_id, "officialId"),
                approved_by_id=gid(approved_by_id, "approvedById"),
                reason=reason,
                version=version,
            ),
        )

    @strawberry.mutation(description="核验出庭负责人身份")
    async def check_hearing_identity(
        self, info: Info, hearing_id: strawberry.ID, version: int | None = None
    ) -> Payload[Hearing]:
        return await run_mutation(  # type: ignore[no-any-return]
            info, lambda ctx: service.check_identity(ctx, gid(hearing_id, "hearingId"), version=version)
        )

    @strawberry.mutation(description="登记庭审情况（负责人是否出庭、是否出声）")
    async def record_hearing(self, info: Info, input: RecordHearingInput) -> Payload[Hearing]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.record_hearing(
                ctx,
                gid(input.hearing_id, "hearingId"),
                held_at=input.held_at,
                head_attended=input.head_attended,
                attending_official_id=_opt(input.attending_official_id, "attendingOfficialId"),
                head_spoke=input.head_spoke,
                substitute_name=input.substitute_name,
                substitute_approved_by_id=_opt(input.substitute_approved_by_id, "substituteApprovedById"),
                excuse_reason=input.excuse_reason,
                excuse_proof=input.excuse_proof,
                excuse_sealed=input.excuse_sealed,
                excuse_attachment_id=_opt(input.excuse_attachment_id, "excuseAttachmentId"),
                version=input.version,
            ),
        )

    @strawberry.mutation(description="庭审改期")
    async def reschedule_hearing(
        self,
        info: Info,
        hearing_id: strawberry.ID,
        new_time: dt.datetime,
        reason: str,
        version: int | None = None,
    ) -> Payload[Hearing]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.reschedule_hearing(
                ctx, gid(hearing_id, "hearingId"), new_time=new_time, reason=reason, version=version
            ),
        )

    @strawberry.mutation(description="取消庭审")
    async def cancel_hearing(
        self, info: Info, hearing_id: strawberry.ID, reason: str, version: int | None = None
    ) -> Payload[Hearing]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.cancel_hearing(
                ctx, gid(hearing_id, "hearingId"), reason=reason, version=version
            ),
        )

    @strawberry.mutation(description="登记裁判结果")
    async def record_outcome(self, info: Info, input: RecordOutcomeInput) -> Payload[Outcome]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.record_outcome(
                ctx,
                gid(input.case_id, "caseId"),
                kind=input.kind,
                decided_date=input.decided_date,
                received_date=input.received_date,
                agency_changed_act=input.agency_changed_act,
                summary=input.summary,
                served_date=input.served_date,
                version=input.version,
            ),
        )

    @strawberry.mutation(description="登记裁判生效")
    async def mark_judgment_effective(
        self, info: Info, case_id: strawberry.ID, effective_date: dt.date, version: int | None = None
    ) -> Payload[LitigationCase]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.mark_effective(
                ctx, gid(case_id, "caseId"), effective_date=effective_date, version=version
            ),
        )

    @strawberry.mutation(description="提交裁判后事项")
    async def submit_post_judgment_duty(
        self, info: Info, input: SubmitDutyInput
    ) -> Payload[PostJudgmentDuty]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.submit_duty(
                ctx,
                gid(input.case_id, "caseId"),
                kind=input.kind,
                content=input.content,
                submitted_date=input.submitted_date,
                sequence=input.sequence,
            ),
        )

    @strawberry.mutation(description="司法局审核裁判后事项（如败诉原因分析报告）")
    async def review_post_judgment_duty(
        self,
        info: Info,
        duty_id: strawberry.ID,
        reviewed_date: dt.date,
        note: str,
        version: int | None = None,
    ) -> Payload[PostJudgmentDuty]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.review_duty(
                ctx, gid(duty_id, "dutyId"), reviewed_date=reviewed_date, note=note, version=version
            ),
        )

    @strawberry.mutation(description="诉讼案件办结")
    async def close_litigation_case(
        self, info: Info, case_id: strawberry.ID, closed_date: dt.date, version: int | None = None
    ) -> Payload[LitigationCase]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.close_case(
                ctx, gid(case_id, "caseId"), closed_date=closed_date, version=version
            ),
        )
