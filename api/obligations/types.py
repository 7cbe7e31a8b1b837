"""GraphQL types of obligations (deadlines), notifications and periodic reports."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.attachments.types import AttachmentInfo, attachments_of, attachments_relation
from api.common import NotificationKind, ObligationStatus, label_of
from api.context import Info
from api.documents.types import IssuedDocument as IssuedDocumentT
from api.documents.types import documents_of, documents_relation
from api.prefetch import by_id, relation
from core.org import models as orgm

if TYPE_CHECKING:
    from api.org.types import PolicyRule, Unit

OrgUnit = Annotated["Unit", strawberry.lazy("api.org.types")]
PolicyRuleT = Annotated["PolicyRule", strawberry.lazy("api.org.types")]


_units = by_id(orgm.Unit)


@strawberry.type(description="期限事项：由政策规则在事件发生时生成")
class Obligation:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    unit_id: strawberry.ID | None
    owner_role: str = strawberry.field(description="责任主体：unit / justice_bureau / county_leader / …")
    plugin: str
    rule_id: str = strawberry.field(description="产生该事项的规则编号")
    title: str
    title_en: str
    citation: str = strawberry.field(description="规则来源条款")
    event: str
    subject_type: str
    subject_id: strawberry.ID
    occurrence: str
    trigger_date: dt.date = strawberry.field(description="起算日期")
    due_date: dt.date | None = strawberry.field(description="到期日（日历未录入时为空，见 dueError）")
    due_error: str | None
    calendar_version: str
    status: ObligationStatus
    status_label: str | None = label_of("status")
    met_date: dt.date | None
    waived_reason: str | None
    note: str | None = strawberry.field(description="最近一次办理说明（完成、暂停、延期、更正）")
    urgent: bool
    escalation_level: int
    version: int
    due_rule: strawberry.Private[dict[str, object]]

    @strawberry.field(description="期限计算方式（中文）")
    def due_rule_text(self) -> str:
        from core.calendar.rules import DueRule

        return DueRule.from_dict(self.due_rule).describe_zh()

    @strawberry.field(description="产生该事项的政策规则（含来源条款）")
    def rule(self, info: Info) -> PolicyRuleT | None:
        from api.org.types import PolicyRule

        registry = info.context.registry
        if not registry.has(self.plugin):
            return None
        found = registry.policy(self.plugin).rule_info(self.rule_id)
        return PolicyRule.of(found) if found is not None else None

    @strawberry.field(description="责任单位")
    def unit(self, info: Info) -> OrgUnit | None:
        if self.unit_id is None:
            return None
        return _units(info.context).get(int(self.unit_id))  # type: ignore[no-any-return]

    @strawberry.field(description="附件（扫描的通知书、裁判文书、函件等）")
    def attachments(self, info: Info) -> list[AttachmentInfo]:
        return attachments_of(info, "obligation", int(self.id))  # type: ignore[no-any-return]

    @strawberry.field(description="据此签发的文书（各版本，新版本在前）")
    def documents(self, info: Info) -> list[IssuedDocumentT]:
        return documents_of(info, "obligation", int(self.id))  # type: ignore[no-any-return]


relation("Obligation", "unit", _units, key="unit_id")
attachments_relation("Obligation", "obligation")
documents_relation("Obligation", "obligation")


@strawberry.type(description="通知（提醒、预警、督办、约谈……）")
class Notification:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    recipient_unit_id: strawberry.ID | None
    recipient_official_id: strawberry.ID | None
    kind: NotificationKind
    kind_label: str | None = label_of("kind")
    title: str
    body: str
    obligation_id: strawberry.ID | None
    rule_id: str | None
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None

    @strawberry.field(
        description="通知所涉记录：类别、编号，及其所属的行政争议和诉讼案件（供前端跳转；无权查看时为空）"
    )
    async def record(self, info: Info) -> NotificationRecord | None:
        return await record_of(info, self)  # type: ignore[arg-type]


@strawberry.type(description="通知所涉的记录 (the record a notification is about)")
class NotificationRecord:
    subject_type: str = strawberry.field(
        description="记录类别：dispute | resolution_effort | litigation_case | …"
    )
    subject_id: strawberry.ID = strawberry.field(description="记录编号")
    dispute_id: strawberry.ID | None = strawberry.field(description="所属行政争议")
    case_id: strawberry.ID | None = strawberry.field(
        description="所属诉讼案件（庭审、裁判后事项、诉讼案件本身）"
    )


async def record_of(info: Info, notification: Any) -> NotificationRecord | None:
    """The record behind a notification (its own subject, else its obligation's), read through the
    request's scoped loaders: a reader who may not see it gets None."""
    from core.cases import models as cm
    from core.disputes import models as dm
    from core.obligations import models as om

    loaders = info.context.loaders
    subject_type, subject_id = notification.subject_type, notification.subject_id
    if subject_type is None and notification.obligation_id is not None:
        obligation = await loaders.by_id(om.Obligation).load(int(notification.obligation_id))
        if obligation is None:
            return None
        subject_type, subject_id = obligation.subject_type, obligation.subject_id
    models = {
        "dispute": dm.Dispute,
        "resolution_effort": dm.ResolutionEffort,
        "litigation_case": cm.LitigationCase,
        "reconsideration_case": cm.ReconsiderationCase,
        "hearing": cm.Hearing,
        "post_judgment_duty": cm.PostJudgmentDuty,
    }
    model = models.get(subject_type or "")
    if model is None or subject_id is None:
        return None
    row = await loaders.by_id(model).load(int(subject_id))
    if row is None:
        return None
    case_id = row.id if model is cm.LitigationCase else getattr(row, "case_id", None)
    dispute_id = row.id if model is dm.Dispute else getattr(row, "dispute_id", None)
    if dispute_id is None and case_id is not None:
        case = await loaders.by_id(cm.LitigationCase).load(int(case_id))
        dispute_id = case.dispute_id if case is not None else None
    return NotificationRecord(
        subject_type=str(subject_type),
        subject_id=strawberry.ID(str(subject_id)),
        dispute_id=strawberry.ID(str(dispute_id)) if dispute_id is not None else None,
        case_id=strawberry.ID(str(case_id)) if case_id is not None else None,
    )


@strawberry.type(description="定期报送（如月度排查、零报送）")
class PeriodicReport:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    unit_id: strawberry.ID | None
    kind: str
    period: str
    submitted_date: dt.date
    is_zero: bool
    content: str


@strawberry.type(description="辖区自定义事件（政策插件声明的事件，如督促函已发出、被通报批评）")
class PolicyEventRecord:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    kind: str = strawberry.field(description="事件类型（插件声明的编号）")
    title_zh: str = strawberry.field(name="title", description="事件名称")
    subject_type: str = strawberry.field(description="hearing | litigation_case | dispute | unit | …")
    subject_id: strawberry.ID
    unit_id: strawberry.ID | None
    day: dt.date = strawberry.field(description="发生日期")
    attributes: strawberry.scalars.JSON = strawberry.field(description="事件属性（按插件声明校验）")
    obligations: list[Obligation] = strawberry.field(description="该事件产生的期限事项")
