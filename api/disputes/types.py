"""GraphQL types of disputes and resolution efforts."""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import and_

from api.attachments.types import AttachmentInfo, attachments_of, attachments_relation
from api.common import (
    ActionType,
    BatchKind,
    DisputeField,
    DisputeSource,
    DisputeStatus,
    ResolutionResult,
    ResolutionStage,
    ResolutionStatus,
    label_of,
    personal_field,
)
from api.context import Context, Info
from api.documents.types import IssuedDocument as IssuedDocumentT
from api.documents.types import documents_of, documents_relation
from api.loaders import Loader
from api.prefetch import by_id, many, relation
from core.cases import models as cm
from core.disputes import models as m
from core.obligations import models as om
from core.org import models as orgm

if TYPE_CHECKING:
    from api.cases.types import LitigationCase, ReconsiderationCase
    from api.disputes.timeline import TimelineEvent
    from api.obligations.types import Obligation
    from api.org.types import Jurisdiction, Official, Unit

OrgUnit = Annotated["Unit", strawberry.lazy("api.org.types")]
OrgOfficial = Annotated["Official", strawberry.lazy("api.org.types")]
OrgJurisdiction = Annotated["Jurisdiction", strawberry.lazy("api.org.types")]
CaseLitigation = Annotated["LitigationCase", strawberry.lazy("api.cases.types")]
CaseReconsideration = Annotated["ReconsiderationCase", strawberry.lazy("api.cases.types")]
ObligationT = Annotated["Obligation", strawberry.lazy("api.obligations.types")]
Timeline = Annotated["TimelineEvent", strawberry.lazy("api.disputes.timeline")]


@functools.cache
def _obligations_loader(subject_type: str, open_only: bool) -> tuple[str, Any]:
    """The loader name and SQL condition of a subject type's obligations, built once per process.

    Open-only is filtered in SQL under a loader of its own, not by loading every obligation and
    dropping the closed ones.
    """
    from core.obligations.engine import ACTIVE

    where = om.Obligation.subject_type == subject_type
    if open_only:
        return f"obligations:{subject_type}:open", and_(where, om.Obligation.status.in_(ACTIVE))
    return f"obligations:{subject_type}", where


_OBLIGATION_ORDER = (om.Obligation.due_date, om.Obligation.id)


def obligations_loader(context: Context, subject_type: str, open_only: bool) -> Loader[int, list[Any]]:
    name, where = _obligations_loader(subject_type, open_only)
    return context.loaders.many(
        om.Obligation, "subject_id", order_by=_OBLIGATION_ORDER, name=name, where=where
    )


def obligations_of(info: Info, subject_type: str, subject_id: int, open_only: bool) -> Any:
    """A subject's obligations: the list if already loaded, else its future (see ``Loader.get``)."""
    return obligations_loader(info.context, subject_type, open_only).get(subject_id)


def obligations_relation(type_name: str, subject_type: str) -> None:
    """Register ``type_name.obligations(openOnly)`` for loading a whole page at once."""
    relation(
        type_name,
        "obligations",
        lambda context, arguments: obligations_loader(context, subject_type, bool(arguments.get("openOnly"))),
    )


# The loaders of the nested fields below: each resolver and its relation (end of module) use the same.
_units = by_id(orgm.Unit)
_jurisdictions = by_id(orgm.Jurisdiction)
_officials = by_id(orgm.Official)
_disputes = by_id(m.Dispute)
_efforts_of_dispute = many(m.ResolutionEffort, "dispute_id", order_by=m.ResolutionEffort.id)
_litigation_of_dispute = many(cm.LitigationCase, "dispute_id", order_by=cm.LitigationCase.filed_date)
_reconsideration_of_dispute = many(
    cm.ReconsiderationCase, "dispute_id", order_by=cm.ReconsiderationCase.received_date
)
_progress_of_effort = many(m.ResolutionProgress, "effort_id", order_by=m.ResolutionProgress.report_date)
_extensions_of_effort = many(m.ResolutionExtension, "effort_id", order_by=m.ResolutionExtension.id)
_hearings_of_effort = many(m.ResolutionHearing, "effort_id", order_by=m.ResolutionHearing.held_date)


@strawberry.type(description="行政争议")
class Dispute:
    id: strawberry.ID
    number: str = strawberry.field(description="争议编号")
    jurisdiction_id: strawberry.ID
    unit_id: strawberry.ID
    title: str
    summary: str
    applicant_name: str
    applicant_id_number: str | None = personal_field(
        "applicant_id_number", 6, 4, "身份证号（无权限时部分隐藏；查看完整号码留痕）"
    )
    applicant_phone: str | None = personal_field(
        "applicant_phone", 3, 4, "联系电话（无权限时部分隐藏；查看完整号码留痕）"
    )
    applicant_count: int
    field: DisputeField
    field_label: str | None = label_of("field")
    action_type: ActionType
    action_type_label: str | None = label_of("action_type")
    source: DisputeSource
    source_label: str | None = label_of("source")
    received_date: dt.date
    origin_date: dt.date | None
    reported_by: str | None
    batch_kind: BatchKind
    batch_kind_label: str | None = label_of("batch_kind")
    is_major: bool
    loss_risk: bool
    leader_plan: str | None
    leader_deadline: dt.date | None
    task_team: str | None
    status: DisputeStatus
    status_label: str | None = label_of("status")
    resolution_result: ResolutionResult | None
    resolution_result_label: str | None = label_of("resolution_result")
    resolved_date: dt.date | None
    closed_date: dt.date | None
    created_at: dt.datetime
    version: int
    leader_in_charge_id: strawberry.ID | None

    @strawberry.field(description="主要被申请/被诉单位")
    def unit(self, info: Info) -> OrgUnit | None:
        return _units(info.context).get(int(self.unit_id))  # type: ignore[no-any-return]

    @strawberry.field
    def jurisdiction(self, info: Info) -> OrgJurisdiction | None:
        return _jurisdictions(info.context).get(int(self.jurisdiction_id))  # type: ignore[no-any-return]

    @strawberry.field(description="全部被申请单位")
    async def respondents(self, info: Info) -> list[OrgUnit]:
        links = await info.context.loaders.many(m.DisputeRespondent, "dispute_id").load(int(self.id))
        units = await info.context.loaders.by_id(orgm.Unit).load_many([link.unit_id for link in links])
        return [u for u in units if u is not None]

    @strawberry.field(description="包案领导")
    def leader_in_charge(self, info: Info) -> OrgOfficial | None:
        if self.leader_in_charge_id is None:
            return None
        return _officials(info.context).get(int(self.leader_in_charge_id))  # type: ignore[no-any-return]

    @strawberry.field(description="化解工作")
    def resolution_efforts(self, info: Info) -> list[ResolutionEffort]:
        return _efforts_of_dispute(info.context).get(int(self.id))  # type: ignore[no-any-return]

    @strawberry.field(description="诉讼案件")
    def litigation_cases(self, info: Info) -> list[CaseLitigation]:
        return _litigation_of_dispute(info.context).get(int(self.id))  # type: ignore[no-any-return]

    @strawberry.field(description="复议案件")
    def reconsideration_cases(self, info: Info) -> list[CaseReconsideration]:
        return _reconsideration_of_dispute(info.context).get(int(self.id))  # type: ignore[no-any-return]

    @strawberry.field(description="期限事项")
    def obligations(self, info: Info, open_only: bool = False) -> list[ObligationT]:
        return obligations_of(info, "dispute", int(self.id), open_only)  # type: ignore[no-any-return]

    @strawberry.field(description="附件（扫描的通知书、裁判文书、函件等）")
    def attachments(self, info: Info) -> list[AttachmentInfo]:
        return attachments_of(info, "dispute", int(self.id))  # type: ignore[no-any-return]

    @strawberry.field(description="时间线：争议及其化解、复议、诉讼、庭审的全部业务事件，按日期排列")
    async def timeline(self, info: Info) -> list[Timeline]:
        from api.disputes.timeline import timeline_of

        return await timeline_of(info, int(self.id))  # type: ignore[return-value]


@strawberry.type(description="化解进展反馈")
class ResolutionProgress:
    id: strawberry.ID
    report_date: dt.date
    content: str
    reported_by: str


@strawberry.type(description="化解期限延长")
class ResolutionExtension:
    id: strawberry.ID
    granted_date: dt.date
    previous_due_date: dt.date | None
    new_due_date: dt.date
    reason: str
    applicant_consent: bool
    centre_consent: bool
    court_informed: bool


@strawberry.type(description="纾解听证")
class ResolutionHearing:
    id: strawberry.ID
    held_date: dt.date
    participants: str
    record: str


@strawberry.type(description="协调化解/纾解工作")
class ResolutionEffort:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    dispute_id: strawberry.ID
    unit_id: strawberry.ID
    litigation_case_id: strawberry.ID | None
    stage: ResolutionStage
    stage_label: str | None = label_of("stage")
    status: ResolutionStatus
    status_label: str | None = label_of("status")
    by_court_letter: bool
    assigned_date: dt.date
    accepted_date: dt.date | None
    notice_delivered_date: dt.date | None
    due_date: dt.date | None
    extensions_used: int
    result: ResolutionResult | None
    result_label: str | None = label_of("result")
    concluded_date: dt.date | None
    failure_reason: str | None
    failure_process: str | None
    claims_summary: str | None
    point_in_dispute: str | None
    agreement_effective_date: dt.date | None
    confirmation_requested_date: dt.date | None
    confirmation_date: dt.date | None
    version: int

    @strawberry.field
    def dispute(self, info: Info) -> Dispute | None:
        return _disputes(info.context).get(int(self.dispute_id))  # type: ignore[no-any-return]

    @strawberry.field(description="承办单位")
    def unit(self, info: Info) -> OrgUnit | None:
        return _units(info.context).get(int(self.unit_id))  # type: ignore[no-any-return]

    @strawberry.field
    def progress_reports(self, info: Info) -> list[ResolutionProgress]:
        return _progress_of_effort(info.context).get(int(self.id))  # type: ignore[no-any-return]

    @strawberry.field
    def extensions(self, info: Info) -> list[ResolutionExtension]:
        return _extensions_of_effort(info.context).get(int(self.id))  # type: ignore[no-any-return]

    @strawberry.field
    def hearings(self, info: Info) -> list[ResolutionHearing]:
        return _hearings_of_effort(info.context).get(int(self.id))  # type: ignore[no-any-return]

    @strawberry.field(description="期限事项")
    def obligations(self, info: Info, open_only: bool = False) -> list[ObligationT]:
        return obligations_of(info, "resolution_effort", int(self.id), open_only)  # type: ignore[no-any-return]

    @strawberry.field(description="据此签发的文书（各版本，新版本在前）")
    def documents(self, info: Info) -> list[IssuedDocumentT]:
        return documents_of(info, "resolution_effort", int(self.id))  # type: ignore[no-any-return]


relation("Dispute", "unit", _units, key="unit_id")
relation("Dispute", "jurisdiction", _jurisdictions, key="jurisdiction_id")
relation("Dispute", "leaderInCharge", _officials, key="leader_in_charge_id")
relation("Dispute", "resolutionEfforts", _efforts_of_dispute)
relation("Dispute", "litigationCases", _litigation_of_dispute)
relation("Dispute", "reconsiderationCases", _reconsideration_of_dispute)
obligations_relation("Dispute", "dispute")
attachments_relation("Dispute", "dispute")
relation("ResolutionEffort", "dispute", _disputes, key="dispute_id")
relation("ResolutionEffort", "unit", _units, key="unit_id")
relation("ResolutionEffort", "progressReports", _progress_of_effort)
relation("ResolutionEffort", "extensions", _extensions_of_effort)
relation("ResolutionEffort", "hearings", _hearings_of_effort)
obligations_relation("ResolutionEffort", "resolution_effort")
documents_relation("ResolutionEffort", "resolution_effort")
