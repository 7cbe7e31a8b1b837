"""A dispute's timeline: every event the core recorded for it and for its efforts, cases and hearings.

The events are the ones the obligation engine stored (:class:`core.obligations.models.DomainEvent`):
what happened, on which day, to which record, with the facts the rules look at (an outcome, a
decision, whether the head attended). Unlike the audit trail (who changed which field, readable by
the justice bureau and administrators), the timeline is for anyone who may read the dispute; its
attributes carry no personal data (enums, dates and flags only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from core.cases.models import Hearing, LitigationCase, ReconsiderationCase
from core.disputes.models import ResolutionEffort
from core.enums import (
    DocumentKind,
    DutyKind,
    Instance,
    OutcomeKind,
    ReconsiderationDecision,
    ResolutionStage,
)
from core.obligations.models import DomainEvent
from core.policy.types import EventKind
from core.principal import Principal
from core.scoping import scope

EVENT_LABELS: Mapping[EventKind, str] = {
    EventKind.DISPUTE_RECORDED: "登记行政争议",
    EventKind.DISPUTE_UPDATED: "更新争议信息",
    EventKind.LEADER_ASSIGNED: "确定包案领导",
    EventKind.DISPUTE_RESOLVED: "争议化解",
    EventKind.RESOLUTION_ASSIGNED: "分流指派化解",
    EventKind.RESOLUTION_ACCEPTED: "受理化解并送达纾解告知书",
    EventKind.RESOLUTION_PROGRESS_REPORTED: "反馈化解进展",
    EventKind.RESOLUTION_EXTENDED: "化解期限延长",
    EventKind.RESOLUTION_HEARING_HELD: "召开纾解听证",
    EventKind.RESOLUTION_SUCCEEDED: "化解成功",
    EventKind.RESOLUTION_FAILED: "化解失败",
    EventKind.JUDICIAL_CONFIRMATION_REQUESTED: "申请司法确认",
    EventKind.RECONSIDERATION_RECEIVED: "收到行政复议申请",
    EventKind.RECONSIDERATION_ACCEPTED: "受理行政复议",
    EventKind.RECONSIDERATION_REJECTED: "不予受理行政复议",
    EventKind.RECONSIDERATION_CONCLUDED: "行政复议审结",
    EventKind.APPLICATION_COPY_SENT: "向被申请人发送复议申请书副本",
    EventKind.WRITTEN_REPLY_SUBMITTED: "被申请人提交书面答复",
    EventKind.RECONSIDERATION_EXTENDED: "延长行政复议审理期限",
    EventKind.CASE_FILED: "法院立案",
    EventKind.RESPONSE_NOTICE_RECEIVED: "收到应诉通知书",
    EventKind.RESPONSE_REPORTED: "报告应诉情况",
    EventKind.COMPLAINT_COPY_RECEIVED: "收到起诉状副本",
    EventKind.DEFENCE_SUBMITTED: "提交答辩状",
    EventKind.HEARING_SCHEDULED: "确定开庭时间",
    EventKind.HEARING_HEAD_DESIGNATED: "确定出庭负责人",
    EventKind.HEARING_IDENTITY_CHECKED: "核验出庭人身份",
    EventKind.HEARING_HELD: "开庭",
    EventKind.HEARING_RESCHEDULED: "庭审改期",
    EventKind.HEARING_CANCELLED: "庭审取消",
    EventKind.JUDGMENT_RECEIVED: "收到裁判文书",
    EventKind.JUDGMENT_EFFECTIVE: "裁判生效",
    EventKind.JUDGMENT_SERVED: "一审裁判文书送达",
    EventKind.APPEAL_FILED: "提起上诉",
    EventKind.DUTY_SUBMITTED: "提交裁判后事项",
    EventKind.DUTY_REVIEWED: "审核裁判后事项",
    EventKind.CASE_CLOSED: "案件办结",
    EventKind.DOCUMENT_ISSUED: "签发文书",
    EventKind.REPORT_SUBMITTED: "提交定期报告",
    EventKind.WEEK_START: "新的一周",
    EventKind.MONTH_START: "新的一月",
    EventKind.QUARTER_START: "新的季度",
    EventKind.HALF_YEAR_START: "新的半年",
    EventKind.YEAR_START: "新的一年",
    EventKind.QUARTER_END: "季度结束",
    EventKind.HALF_YEAR_END: "半年结束",
    EventKind.YEAR_END: "年度结束",
}
"""What users read for each event kind (a test keeps it complete)."""

SUBJECT_LABELS: Mapping[str, str] = {
    "dispute": "行政争议",
    "resolution_effort": "化解工作",
    "reconsideration_case": "行政复议",
    "litigation_case": "行政诉讼",
    "hearing": "庭审",
}


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    day: dt.date
    kind: str
    label_zh: str
    detail_zh: str
    subject_type: str
    subject_label_zh: str
    subject_id: int
    unit_id: int | None
    attributes: Mapping[str, Any]


def _detail(kind: str, attributes: Mapping[str, Any]) -> str:
    """The facts of an event in a few Chinese words (an outcome, a decision, the head in court)."""
    parts: list[str] = []
    enums: tuple[tuple[str, Any], ...] = (
        ("outcome", OutcomeKind),
        ("decision", ReconsiderationDecision),
        ("duty_kind", DutyKind),
        ("stage", ResolutionStage),
        ("instance", Instance),
    )
    for key, enum in enums:
        value = attributes.get(key)
        if isinstance(value, str) and value in enum._value2member_map_:
            parts.append(enum(value).label)
    if kind == EventKind.HEARING_HELD.value and "head_attended" in attributes:
        parts.append("负责人出庭" if attributes["head_attended"] else "负责人未出庭")
    if attributes.get("substitute"):
        parts.append("经批准代为出庭")
    if kind == EventKind.HEARING_IDENTITY_CHECKED.value and "verified" in attributes:
        parts.append("身份符合" if attributes["verified"] else "身份不符")
    if attributes.get("is_loss"):
        parts.append("败诉")
    document = attributes.get("document")
    if isinstance(document, str) and document in DocumentKind._value2member_map_:
        version = attributes.get("version")
        parts.append(DocumentKind(document).label + (f"（第{version}版）" if version else ""))
    new_due = attributes.get("new_due_date")
    if isinstance(new_due, str):
        parts.append(f"延至{new_due}")
    return "，".join(parts)


async def dispute_timelines(
    session: AsyncSession,
    dispute_ids: Sequence[int],
    principal: Principal | None = None,
    declared: Callable[[int, str], Awaitable[str | None]] | None = None,
) -> dict[int, list[TimelineEntry]]:
    """The timeline of each dispute, oldest first, in two statements whatever the number of disputes.

    With ``principal``, the records under a dispute are those it may read (a unit clerk sees the
    events of the dispute and of its own unit's efforts, cases and hearings, not another unit's):
    the same rule as every nested field (core/scoping.py). ``declared(jurisdiction_id, kind)`` names
    an event a plugin declared (its ``PolicyEvent.title_zh``); without it such an event shows its code."""
    ids = sorted(set(dispute_ids))
    out: dict[int, list[TimelineEntry]] = {d: [] for d in ids}
    if not ids:
        return out

    def visible(stmt: Any, model: Any) -> Any:
        return stmt if principal is None else scope(stmt, model, principal)

    subjects = union_all(
        visible(
            select(
                literal("resolution_effort").label("t"),
                ResolutionEffort.id.label("i"),
                ResolutionEffort.dispute_id.label("d"),
            ).where(ResolutionEffort.dispute_id.in_(ids)),
            ResolutionEffort,
        ),
        visible(
            select(
                literal("reconsideration_case"), ReconsiderationCase.id, ReconsiderationCase.dispute_id
            ).where(ReconsiderationCase.dispute_id.in_(ids)),
            ReconsiderationCase,
        ),
        visible(
            select(literal("litigation_case"), LitigationCase.id, LitigationCase.dispute_id).where(
                LitigationCase.dispute_id.in_(ids)
            ),
            LitigationCase,
        ),
        visible(
            select(literal("hearing"), Hearing.id, LitigationCase.dispute_id)
            .join(LitigationCase, LitigationCase.id == Hearing.case_id)
            .where(LitigationCase.dispute_id.in_(ids)),
            Hearing,
        ),
    )
    owner: dict[tuple[str, int], int] = {("dispute", d): d for d in ids}
    for subject_type, subject_id, of_dispute in (await session.execute(subjects)).all():
        owner[(str(subject_type), int(subject_id))] = int(of_dispute)
    by_type: dict[str, list[int]] = {}
    for subject_type, subject_id in owner:
        by_type.setdefault(subject_type, []).append(subject_id)
    stmt = (
        select(DomainEvent)
        .where(
            or_(
                *(
                    and_(DomainEvent.subject_type == t, DomainEvent.subject_id.in_(sorted(s)))
                    for t, s in by_type.items()
                )
            )
        )
        .order_by(DomainEvent.day, DomainEvent.id)
    )
    for e in await session.scalars(stmt):
        found = owner.get((e.subject_type, e.subject_id))
        if found is None:
            continue
        try:
            label = EVENT_LABELS[EventKind(e.kind)]
        except ValueError:
            title = await declared(e.jurisdiction_id, e.kind) if declared is not None else None
            label = title or e.kind
        attributes = dict(e.attributes or {})
        out[found].append(
            TimelineEntry(
                id=e.id,
                day=e.day,
                kind=e.kind,
                label_zh=label,
                detail_zh=_detail(e.kind, attributes),
                subject_type=e.subject_type,
                subject_label_zh=SUBJECT_LABELS.get(e.subject_type, e.subject_type),
                subject_id=e.subject_id,
                unit_id=e.unit_id,
                attributes=attributes,
            )
        )
    return out
