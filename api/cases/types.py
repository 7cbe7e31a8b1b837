"""GraphQL types of reconsideration and litigation cases, hearings, outcomes and duties."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.attachments.types import AttachmentInfo, attachments_of, attachments_relation
from api.common import (
    CaseStatus,
    DutyKind,
    DutyStatus,
    HearingStatus,
    IdentityCheck,
    Instance,
    OutcomeKind,
    ReconsiderationDecision,
    ReconsiderationStatus,
    label_of,
)
from api.context import Info
from api.disputes.types import obligations_of, obligations_relation
from api.documents.types import IssuedDocument as IssuedDocumentT
from api.documents.types import documents_of, documents_relation
from api.loaders import then
from api.prefetch import by_id, many, relation
from core.cases import models as m
from core.disputes import models as dm
from core.org import models as orgm

if TYPE_CHECKING:
    from api.disputes.types import Dispute
    from api.obligations.types import Obligation
    from api.org.types import Official, Unit

OrgUnit = Annotated["Unit", strawberry.lazy("api.org.types")]
OrgOfficial = Annotated["Official", strawberry.lazy("api.org.types")]
DisputeT = Annotated["Dispute", strawberry.lazy("api.disputes.types")]
ObligationT = Annotated["Obligation", strawberry.lazy("api.obligations.types")]

# The loaders of the nested fields below: each resolver and its relation (end of module) use the same.
_units = by_id(orgm.Unit)
_officials = by_id(orgm.Official)
_disputes = by_id(dm.Dispute)
_litigation_cases = by_id(m.LitigationCase)
_hearings_of_case = many(m.Hearing, "case_id", order_by=m.Hearing.scheduled_at)
_outcomes_of_case = many(m.Outcome, "case_id")
_duties_of_case = many(m.PostJudgmentDuty, "case_id", order_by=m.PostJudgmentDuty.id)


def _first(rows: list[Any]) -> Any:
    return rows[0] if rows else None


@strawberry.type(description="行政复议案件")
class ReconsiderationCase:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    dispute_id: strawberry.ID
    unit_id: strawberry.ID
    case_number: str
    received_date: dt.date
    status: ReconsiderationStatus
    status_label: str | None = label_of("status")
    accepted_date: dt.date | None
    rejected_date: dt.date | None
    rejection_reason: str | None
    concluded_date: dt.date | None
    decision: ReconsiderationDecision | None
    decision_label: str | None = label_of("decision")
    decision_note: str | None
    copy_sent_date: dt.date | None = strawberry.field(description="向被申请人发送申请书副本日期")
    copy_received_date: dt.date | None = strawberry.field(description="被申请人收到申请书副本日期")
    reply_date: dt.date | None = strawberry.field(description="被申请人提交书面答复日期")
    extended_due_date: dt.date | None = strawberry.field(description="经批准延长后的审理期限")
    extension_approved_by: str | None = strawberry.field(description="批准延期的行政复议机构负责人")
    extension_reason: str | None = strawberry.field(description="延期理由")
    version: int

    @strawberry.field(description="是否纠错（撤销、变更、确认违法、责令履行）")
    def is_correction(self) -> bool:
        return bool(self.decision is not None and self.decision.is_correction)  # type: ignore[attr-defined]

    @strawberry.field
    def dispute(self, info: Info) -> DisputeT | None:
        return _disputes(info.context).get(int(self.dispute_id))  # type: ignore[no-any-return]

    @strawberry.field(description="被申请单位")
    def unit(self, info: Info) -> OrgUnit | None:
        return _units(info.context).get(int(self.unit_id))  # type: ignore[no-any-return]

    @strawberry.field
    def obligations(self, info: Info, open_only: bool = False) -> list[ObligationT]:
        return obligations_of(info, "reconsideration_case", int(self.id), open_only)  # type: ignore[no-any-return]

    @strawberry.field(description="附件（扫描的通知书、裁判文书、函件等）")
    def attachments(self, info: Info) -> list[AttachmentInfo]:
        return attachments_of(info, "reconsideration_case", int(self.id))  # type: ignore[no-any-return]


@strawberry.type(description="行政诉讼案件")
class LitigationCase:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    dispute_id: strawberry.ID
    unit_id: strawberry.ID
    parent_case_id: strawberry.ID | None
    court: str
    case_number: str = strawberry.field(description="案号")
    instance: Instance
    instance_label: str | None = label_of("instance")
    plaintiff_name: str
    filed_date: dt.date
    response_notice_date: dt.date | None
    complaint_copy_date: dt.date | None = strawberry.field(description="收到起诉状副本日期")
    defence_date: dt.date | None = strawberry.field(description="提交答辩状日期")
    status: CaseStatus
    status_label: str | None = label_of("status")
    concluded_date: dt.date | None
    effective_date: dt.date | None
    closed_date: dt.date | None
    version: int

    @strawberry.field
    def dispute(self, info: Info) -> DisputeT | None:
        return _disputes(info.context).get(int(self.dispute_id))  # type: ignore[no-any-return]

    @strawberry.field(description="被诉单位")
    def unit(self, info: Info) -> OrgUnit | None:
        return _units(info.context).get(int(self.unit_id))  # type: ignore[no-any-return]

    @strawberry.field(description="原审案件（二审、再审）")
    def parent_case(self, info: Info) -> LitigationCase | None:
        if self.parent_case_id is None:
            return None
        return _litigation_cases(info.context).get(int(self.parent_case_id))  # type: ignore[no-any-return]

    @strawberry.field(description="庭审")
    def hearings(self, info: Info) -> list[Hearing]:
        return _hearings_of_case(info.context).get(int(self.id))  # type: ignore[no-any-return]

    @strawberry.field(description="裁判结果")
    def outcome(self, info: Info) -> Outcome | None:
        return then(_outcomes_of_case(info.context).get(int(self.id)), _first)  # type: ignore[no-any-return]

    @strawberry.field(description="裁判后事项（报备、败诉分析、整改、司法建议）")
    def duties(self, info: Info) -> list[PostJudgmentDuty]:
        return _duties_of_case(info.context).get(int(self.id))  # type: ignore[no-any-return]

    @strawberry.field
    def obligations(self, info: Info, open_only: bool = False) -> list[ObligationT]:
        return obligations_of(info, "litigation_case", int(self.id), open_only)  # type: ignore[no-any-return]

    @strawberry.field(description="附件（扫描的通知书、裁判文书、函件等）")
    def attachments(self, info: Info) -> list[AttachmentInfo]:
        return attachments_of(info, "litigation_case", int(self.id))  # type: ignore[no-any-return]

    @strawberry.field(description="据此签发的文书（各版本，新版本在前）")
    def documents(self, info: Info) -> list[IssuedDocumentT]:
        return documents_of(info, "litigation_case", int(self.id))  # type: ignore[no-any-return]


@strawberry.type(description="庭审及负责人出庭情况")
class Hearing:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    case_id: strawberry.ID
    unit_id: strawberry.ID
    scheduled_at: dt.datetime
    court: str
    courtroom: str | None
    head_required: bool = strawberry.field(description="法院是否要求负责人出庭")
    status: HearingStatus
    status_label: str | None = label_of("status")
    designated_official_id: strawberry.ID | None
    designated_date: dt.date | None
    identity_check: IdentityCheck
    identity_check_label: str | None = label_of("identity_check")
    identity_note: str | None
    held_at: dt.datetime | None
    head_attended: bool | None
    attending_official_id: strawberry.ID | None
    head_spoke: bool | None = strawberry.field(description="出庭又出声")
    substitute_name: str | None
    substitute_approved_by_id: strawberry.ID | None
    excuse_reason: str | None
    excuse_proof: str | None
    excuse_sealed: bool | None = strawberry.field(
        description="负责人不能出庭的情况说明已加盖行政机关印章或由主要负责人签字认可（法释〔2020〕3号第九条）"
    )
    excuse_attachment_id: strawberry.ID | None = strawberry.field(description="情况说明附件")
    rescheduled_from_id: strawberry.ID | None
    cancel_reason: str | None
    version: int

    @strawberry.field
    def case(self, info: Info) -> LitigationCase | None:
        return _litigation_cases(info.context).get(int(self.case_id))  # type: ignore[no-any-return]

    @strawberry.field(description="被诉单位")
    def unit(self, info: Info) -> OrgUnit | None:
        return _units(info.context).get(int(self.unit_id))  # type: ignore[no-any-return]

    @strawberry.field(description="指定出庭负责人")
    def designated_official(self, info: Info) -> OrgOfficial | None:
        if self.designated_official_id is None:
            return None
        return _officials(info.context).get(int(self.designated_official_id))  # type: ignore[no-any-return]

    @strawberry.field(description="实际出庭负责人")
    def attending_official(self, info: Info) -> OrgOfficial | None:
        if self.attending_official_id is None:
            return None
        return _officials(info.context).get(int(self.attending_official_id))  # type: ignore[no-any-return]

    @strawberry.field
    def obligations(self, info: Info, open_only: bool = False) -> list[ObligationT]:
        return obligations_of(info, "hearing", int(self.id), open_only)  # type: ignore[no-any-return]

    @strawberry.field(description="附件（扫描的通知书、裁判文书、函件等）")
    def attachments(self, info: Info) -> list[AttachmentInfo]:
        return attachments_of(info, "hearing", int(self.id))  # type: ignore[no-any-return]

    @strawberry.field(
        description="可指定为出庭负责人的人员：按本辖区规则符合条件的负责人（及已经批准的代为出庭人员），"
        "即能通过身份核验的人 (eligible heads)"
    )
    async def eligible_heads(self, info: Info) -> list[OrgOfficial]:
        from core.cases.service import eligible_heads

        hearing: Any = self
        found: Any = await info.context.read_ctx(lambda ctx: eligible_heads(ctx, hearing))
        return found  # type: ignore[no-any-return]


@strawberry.type(description="裁判结果")
class Outcome:
    id: strawberry.ID
    case_id: strawberry.ID
    kind: OutcomeKind
    kind_label: str | None = label_of("kind")
    is_loss: bool = strawberry.field(description="是否败诉")
    decided_date: dt.date
    received_date: dt.date
    served_date: dt.date | None = strawberry.field(description="送达最后一方当事人的日期（上诉期起算）")
    agency_changed_act: bool = strawberry.field(description="机关改变行政行为后原告撤诉（隐性败诉）")
    summary: str | None


@strawberry.type(description="裁判后事项")
class PostJudgmentDuty:
    id: strawberry.ID
    case_id: strawberry.ID
    kind: DutyKind
    kind_label: str | None = label_of("kind")
    sequence: int
    status: DutyStatus
    status_label: str | None = label_of("status")
    content: str | None
    submitted_date: dt.date | None
    reviewed_date: dt.date | None
    review_note: str | None
    version: int


relation("ReconsiderationCase", "dispute", _disputes, key="dispute_id")
relation("ReconsiderationCase", "unit", _units, key="unit_id")
obligations_relation("ReconsiderationCase", "reconsideration_case")
attachments_relation("ReconsiderationCase", "reconsideration_case")
relation("LitigationCase", "dispute", _disputes, key="dispute_id")
relation("LitigationCase", "unit", _units, key="unit_id")
relation("LitigationCase", "parentCase", _litigation_cases, key="parent_case_id")
relation("LitigationCase", "hearings", _hearings_of_case)
relation("LitigationCase", "outcome", _outcomes_of_case)
relation("LitigationCase", "duties", _duties_of_case)
obligations_relation("LitigationCase", "litigation_case")
attachments_relation("LitigationCase", "litigation_case")
documents_relation("LitigationCase", "litigation_case")
relation("Hearing", "case", _litigation_cases, key="case_id")
relation("Hearing", "unit", _units, key="unit_id")
relation("Hearing", "designatedOfficial", _officials, key="designated_official_id")
relation("Hearing", "attendingOfficial", _officials, key="attending_official_id")
obligations_relation("Hearing", "hearing")
attachments_relation("Hearing", "hearing")
