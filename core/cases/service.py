"""Reconsideration and litigation cases, hearings, outcomes and post-judgment duties."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.attachments.models import Attachment
from core.audit.service import record as audit
from core.audit.service import snapshot
from core.cases.appeal import RULINGS, appeal_window
from core.cases.models import Hearing, LitigationCase, Outcome, PostJudgmentDuty, ReconsiderationCase
from core.common import (
    check_version,
    get_visible,
    optional_text,
    require_not_before,
    require_not_future,
    require_text,
)
from core.context import ServiceContext
from core.disputes.models import Dispute
from core.disputes.service import load_unit, mark_escalated
from core.enums import (
    CaseStatus,
    DisputeStatus,
    DutyKind,
    DutyStatus,
    HearingStatus,
    IdentityCheck,
    Instance,
    OutcomeKind,
    ReconsiderationDecision,
    ReconsiderationStatus,
    UnitKind,
)
from core.errors import InvalidTransition, ValidationFailed
from core.obligations.engine import emit
from core.org.models import Official, Unit
from core.policy.types import Event, EventKind, SubstitutePolicy
from core.scoping import authorize

# ---------------------------------------------------------------------------------------------
# Reconsideration
# ---------------------------------------------------------------------------------------------


def recon_event(kind: EventKind, r: ReconsiderationCase, on: dt.date, **extra: object) -> Event:
    attrs: dict[str, object] = {
        "decision": r.decision.value if r.decision else None,
        "is_correction": bool(r.decision and r.decision.is_correction),
    }
    attrs.update(extra)
    return Event(kind, r.jurisdiction_id, on, "reconsideration_case", r.id, r.unit_id, attrs)


async def _dispute_for_case(
    ctx: ServiceContext, dispute_id: int, unit_id: int | None
) -> tuple[Dispute, Unit]:
    d = await get_visible(ctx, Dispute, dispute_id, "行政争议", "disputeId")
    unit = await load_unit(ctx, unit_id or d.unit_id)
    if unit.jurisdiction_id != d.jurisdiction_id:
        raise ValidationFailed(
            "unitId", "被申请单位必须属于该争议所在辖区", "unit belongs to another jurisdiction"
        )
    if d.status == DisputeStatus.CLOSED:
        raise InvalidTransition("Dispute", d.status, "get a new case", "争议已办结，不能再登记案件")
    return d, unit


async def receive_reconsideration(
    ctx: ServiceContext,
    dispute_id: int,
    *,
    case_number: str,
    received_date: dt.date,
    unit_id: int | None = None,
) -> ReconsiderationCase:
    """Register an application for reconsideration (行政复议) arising from a dispute."""
    d, unit = await _dispute_for_case(ctx, dispute_id, unit_id)
    authorize(ctx.principal, "reconsideration.record", d.jurisdiction_id, unit.id)
    require_not_future(received_date, ctx.today(), "receivedDate", "收到申请日期")
    require_not_before(received_date, d.received_date, "receivedDate", "收到申请日期", "争议收到日期")
    r = ReconsiderationCase(
        jurisdiction_id=d.jurisdiction_id,
        dispute_id=d.id,
        unit_id=unit.id,
        case_number=require_text(case_number, "caseNumber", "复议案号", max_len=60),
        received_date=received_date,
        status=ReconsiderationStatus.RECEIVED,
    )
    ctx.session.add(r)
    await ctx.session.flush()
    await audit(ctx, "reconsideration.receive", r, None)
    await mark_escalated(ctx, d)
    await emit(ctx, recon_event(EventKind.RECONSIDERATION_RECEIVED, r, received_date))
    return r


async def _recon(ctx: ServiceContext, ident: int, version: int | None) -> ReconsiderationCase:
    r = await get_visible(ctx, ReconsiderationCase, ident, "复议案件", "caseId")
    authorize(ctx.principal, "reconsideration.decide", r.jurisdiction_id, r.unit_id)
    check_version(r, version, "ReconsiderationCase")
    return r


async def accept_reconsideration(
    ctx: ServiceContext, case_id: int, *, accepted_date: dt.date, version: int | None = None
) -> ReconsiderationCase:
    """Accept an application for review."""
    r = await _recon(ctx, case_id, version)
    if r.status != ReconsiderationStatus.RECEIVED:
        raise InvalidTransition(
            "ReconsiderationCase", r.status, "be accepted", "只有待受理的复议申请可以受理"
        )
    require_not_future(accepted_date, ctx.today(), "acceptedDate", "受理日期")
    require_not_before(accepted_date, r.received_date, "acceptedDate", "受理日期", "收到申请日期")
    before = snapshot(r)
    r.status = ReconsiderationStatus.ACCEPTED
    r.accepted_date = accepted_date
    await audit(ctx, "reconsideration.accept", r, before)
    await emit(ctx, recon_event(EventKind.RECONSIDERATION_ACCEPTED, r, accepted_date))
    return r


async def reject_reconsideration(
    ctx: ServiceContext, case_id: int, *, rejected_date: dt.date, reason: str, version: int | None = None
) -> ReconsiderationCase:
    """Decline to accept an application (不予受理), with the reason."""
    r = await _recon(ctx, case_id, version)
    if r.status != ReconsiderationStatus.RECEIVED:
        raise InvalidTransition(
            "ReconsiderationCase", r.status, "be rejected", "只有待受理的复议申请可以不予受理"
        )
    require_not_future(rejected_date, ctx.today(), "rejectedDate", "不予受理日期")
    require_not_before(rejected_date, r.received_date, "rejectedDate", "不予受理日期", "收到申请日期")
    before = snapshot(r)
    r.status = ReconsiderationStatus.REJECTED
    r.rejected_date = rejected_date
    r.rejection_reason = require_text(reason, "reason", "不予受理理由")
    await audit(ctx, "reconsideration.reject", r, before)
    await emit(ctx, recon_event(EventKind.RECONSIDERATION_REJECTED, r, rejected_date))
    return r


async def conclude_reconsideration(
    ctx: ServiceContext,
    case_id: int,
    *,
    decision: ReconsiderationDecision,
    concluded_date: dt.date,
    note: str | None = None,
    version: int | None = None,
) -> ReconsiderationCase:
    """Record the reconsideration decision (维持、驳回、撤销、变更、确认违法、责令履行、调解、终止)."""
    r = await _recon(ctx, case_id, version)
    if r.status == ReconsiderationStatus.CONCLUDED:
        raise InvalidTransition(
            "ReconsiderationCase", r.status, "be concluded twice", "该复议案件已审结，不能重复审结"
        )
    if r.status != ReconsiderationStatus.ACCEPTED:
        raise InvalidTransition("ReconsiderationCase", r.status, "be concluded", "复议案件尚未受理，不能审结")
    require_not_future(concluded_date, ctx.today(), "concludedDate", "审结日期")
    require_not_before(concluded_date, r.accepted_date, "concludedDate", "审结日期", "受理日期")
    before = snapshot(r)
    r.status = ReconsiderationStatus.CONCLUDED
    r.decision = decision
    r.concluded_date = concluded_date
    r.decision_note = optional_text(note, "note", "决定说明")
    await audit(ctx, "reconsideration.conclude", r, before)
    await emit(ctx, recon_event(EventKind.RECONSIDERATION_CONCLUDED, r, concluded_date))
    return r


# ---------------------------------------------------------------------------------------------
# Litigation
# ---------------------------------------------------------------------------------------------


def case_event(
    kind: EventKind, c: LitigationCase, on: dt.date, unit: Unit | None = None, **attrs: object
) -> Event:
    base: dict[str, object] = {"instance": c.instance.value}
    if unit is not None:
        base["against_county_government"] = unit.kind == UnitKind.COUNTY_GOVERNMENT
    base.update(attrs)
    return Event(kind, c.jurisdiction_id, on, "litigation_case", c.id, c.unit_id, base)


async def file_litigation_case(
    ctx: ServiceContext,
    dispute_id: int,
    *,
    court: str,
    case_number: str,
    plaintiff_name: str,
    filed_date: dt.date,
    instance: Instance = Instance.FIRST,
    parent_case_id: int | None = None,
    unit_id: int | None = None,
) -> LitigationCase:
    """Register a lawsuit (行政诉讼) arising from a dispute; appeals and retrials link to the first."""
    d, unit = await _dispute_for_case(ctx, dispute_id, unit_id)
    authorize(ctx.principal, "case.file", d.jurisdiction_id, unit.id)
    require_not_future(filed_date, ctx.today(), "filedDate", "立案日期")
    number = require_text(case_number, "caseNumber", "案号", max_len=80)
    dup = await ctx.session.scalar(
        select(LitigationCase.id).where(
            LitigationCase.jurisdiction_id == d.jurisdiction_id, LitigationCase.case_number == number
        )
    )
    if dup is not None:
        raise ValidationFailed(
            "caseNumber", f"案号“{number}”已登记", f"case number {number} exists", "duplicate"
        )
    if instance == Instance.FIRST:
        if parent_case_id is not None:
            raise ValidationFailed(
                "parentCaseId", "一审案件不能关联上级案件", "a first-instance case has no parent"
            )
    else:
        if parent_case_id is None:
            raise ValidationFailed(
                "parentCaseId", "二审或再审案件须关联原审案件", "appeal/retrial needs the original"
            )
        parent = await get_visible(ctx, LitigationCase, parent_case_id, "原审案件", "parentCaseId")
        if parent.dispute_id != d.id:
            raise ValidationFailed(
                "parentCaseId", "原审案件不属于该争议", "parent case belongs to another dispute"
            )
        if parent.status not in (CaseStatus.CONCLUDED, CaseStatus.EFFECTIVE, CaseStatus.CLOSED):
            raise InvalidTransition(
                "LitigationCase", parent.status, "be appealed", "原审案件尚未裁判，不能登记二审或再审"
            )
        require_not_before(filed_date, parent.concluded_date, "filedDate", "立案日期", "原审裁判日期")
    c = LitigationCase(
        jurisdiction_id=d.jurisdiction_id,
        dispute_id=d.id,
        unit_id=unit.id,
        parent_case_id=parent_case_id,
        court=require_text(court, "court", "受理法院", max_len=120),
        case_number=number,
        instance=instance,
        plaintiff_name=require_text(plaintiff_name, "plaintiffName", "原告", max_len=120),
        filed_date=filed_date,
        status=CaseStatus.FILED,
    )
    ctx.session.add(c)
    await ctx.session.flush()
    await audit(ctx, "case.file", c, None)
    await mark_escalated(ctx, d)
    await emit(ctx, case_event(EventKind.CASE_FILED, c, filed_date, unit))
    if parent_case_id is not None and instance == Instance.SECOND:
        # Recording the appeal on the first instance stops its appeal window from lapsing.
        first = await ctx.session.get(LitigationCase, parent_case_id)
        assert first is not None
        await emit(ctx, case_event(EventKind.APPEAL_FILED, first, filed_date, appeal_case_id=c.id))
    return c


async def _case(ctx: ServiceContext, case_id: int, action: str, version: int | None) -> LitigationCase:
    c = await get_visible(ctx, LitigationCase, case_id, "诉讼案件", "caseId")
    authorize(ctx.principal, action, c.jurisdiction_id, c.unit_id)
    check_version(c, version, "LitigationCase")
    return c


async def record_response_notice(
    ctx: ServiceContext, case_id: int, *, received_date: dt.date, version: int | None = None
) -> LitigationCase:
    """The unit received the court's response notice (应诉通知书)."""
    c = await _case(ctx, case_id, "case.response_notice", version)
    if c.status != CaseStatus.FILED:
        raise InvalidTransition("LitigationCase", c.status, "receive a response notice", "应诉通知书已登记")
    require_not_future(received_date, ctx.today(), "receivedDate", "收到应诉通知书日期")
    require_not_before(received_date, c.filed_date, "receivedDate", "收到应诉通知书日期", "立案日期")
    before = snapshot(c)
    c.status = CaseStatus.NOTICE_RECEIVED
    c.response_notice_date = received_date
    await audit(ctx, "case.response_notice", c, before)
    await emit(ctx, case_event(EventKind.RESPONSE_NOTICE_RECEIVED, c, received_date))
    return c


async def report_response(ctx: ServiceContext, case_id: int, *, reported_date: dt.date) -> LitigationCase:
    """The unit reported the lawsuit to the justice bureau (and leader in charge) as its rules require."""
    c = await _case(ctx, case_id, "case.response_reported", None)
    if c.response_notice_date is None:
        raise InvalidTransition("LitigationCase", c.status, "report before the notice", "尚未登记应诉通知书")
    require_not_future(reported_date, ctx.today(), "reportedDate", "报告日期")
    require_not_before(
        reported_date, c.response_notice_date, "reportedDate", "报告日期", "收到应诉通知书日期"
    )
    await audit(ctx, "case.response_reported", c, snapshot(c))
    await emit(ctx, case_event(EventKind.RESPONSE_REPORTED, c, reported_date))
    return c


def hearing_event(kind: EventKind, h: Hearing, on: dt.date, **attrs: object) -> Event:
    base: dict[str, object] = {"hearing_date": h.scheduled_at.date(), "head_required": h.head_required}
    base.update(attrs)
    return Event(kind, h.jurisdiction_id, on, "hearing", h.id, h.unit_id, base)


def _aware(moment: dt.datetime) -> dt.datetime:
    from core.clock import CHINA

    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)


def _china_day(moment: dt.datetime) -> dt.date:
    """The calendar day of ``moment`` in Beijing time (hearing days are court days in China)."""
    from core.clock import CHINA

    return _aware(moment).astimezone(CHINA).date()


async def schedule_hearing(
    ctx: ServiceContext,
    case_id: int,
    *,
    scheduled_at: dt.datetime,
    court: str | None = None,
    courtroom: str | None = None,
    head_required: bool = True,
) -> Hearing:
    """Record a hearing date the court has set."""
    c = await _case(ctx, case_id, "hearing.schedule", None)
    if c.status not in (CaseStatus.FILED, CaseStatus.NOTICE_RECEIVED, CaseStatus.IN_HEARING):
        raise InvalidTransition("LitigationCase", c.status, "get a hearing", "案件已裁判，不能再安排庭审")
    at = _aware(scheduled_at)
    if at.date() < c.filed_date:
        raise ValidationFailed(
            "scheduledAt", "开庭时间不能早于立案日期", "hearing before filing", "date_order"
        )
    h = Hearing(
        jurisdiction_id=c.jurisdiction_id,
        case_id=c.id,
        unit_id=c.unit_id,
        scheduled_at=at,
        court=(court or c.court).strip(),
        courtroom=optional_text(courtroom, "courtroom", "法庭", max_len=60),
        head_required=head_required,
        status=HearingStatus.SCHEDULED,
    )
    ctx.session.add(h)
    await ctx.session.flush()
    await audit(ctx, "hearing.schedule", h, None)
    await emit(ctx, hearing_event(EventKind.HEARING_SCHEDULED, h, ctx.today()))
    return h


async def _hearing(ctx: ServiceContext, hearing_id: int, action: str, version: int | None) -> Hearing:
    h = await get_visible(ctx, Hearing, hearing_id, "庭审", "hearingId")
    authorize(ctx.principal, action, h.jurisdiction_id, h.unit_id)
    check_version(h, version, "Hearing")
    return h


async def qualifying_ranks(ctx: ServiceContext, h: Hearing) -> list[str]:
    unit = await ctx.session.get(Unit, h.unit_id)
    assert unit is not None
    policy = await ctx.policy(h.jurisdiction_id)
    return policy.qualifying_head_ranks(unit.kind.value, h.head_required)


async def eligible_heads(ctx: ServiceContext, h: Hearing) -> list[Official]:
    """The active officials who would pass the identity check at ``h``: qualifying heads of its unit
    (or county leaders, for a suit the county answers), and the substitute approved for it."""
    ranks = await qualifying_ranks(ctx, h)
    rows = await ctx.session.scalars(
        select(Official)
        .where(Official.jurisdiction_id == h.jurisdiction_id, Official.active.is_(True))
        .order_by(Official.id)
    )
    found = []
    for official in rows:
        same_unit = official.unit_id == h.unit_id or official.rank.value.startswith("county_")
        if (official.rank.value in ranks and same_unit) or await _approved_substitute(ctx, h, official):
            found.append(official)
    return found


async def substitutes(ctx: ServiceContext, h: Hearing) -> SubstitutePolicy | None:
    """Who may stand in for the head at this hearing with an approval (the jurisdiction's rule)."""
    unit = await ctx.session.get(Unit, h.unit_id)
    assert unit is not None
    policy = await ctx.policy(h.jurisdiction_id)
    return policy.substitute_heads(unit.kind.value, h.head_required)


async def _approved_substitute(ctx: ServiceContext, h: Hearing, official: Official) -> bool:
    """Whether ``official`` stands in for the head at ``h`` with the approval the rule needs."""
    allowed = await substitutes(ctx, h)
    if allowed is None or h.substitute_approved_by_id is None or h.designated_official_id != official.id:
        return False
    approver = await ctx.session.get(Official, h.substitute_approved_by_id)
    return (
        approver is not None
        and approver.rank.value in allowed.approver_ranks
        and official.rank.value in allowed.ranks
        and official.unit_id == h.unit_id
    )


async def approve_substitute(
    ctx: ServiceContext,
    hearing_id: int,
    *,
    official_id: int,
    approved_by_id: int,
    reason: str,
    version: int | None = None,
) -> Hearing:
    """Record that the head cannot appear and who stands in, with the approval the rule requires.

    E.g. Wuping: "主要负责人有正当理由不能出庭的,经分管县领导同意后可以由分管领导出庭并告知县司法局";
    recording it here is the notice to the justice bureau (it sees the hearing and its timeline).
    """
    h = await _hearing(ctx, hearing_id, "hearing.designate", version)
    if h.status != HearingStatus.SCHEDULED:
        raise InvalidTransition(
            "Hearing", h.status, "get a substitute", "只有待开庭的庭审可以批准他人代为出庭"
        )
    allowed = await substitutes(ctx, h)
    if allowed is None:
        raise ValidationFailed(
            "officialId",
            "本辖区规定未允许经批准由他人代替负责人出庭",
            "this jurisdiction's rules allow no approved substitute",
            "no_substitutes",
        )
    official = await get_visible(ctx, Official, official_id, "人员", "officialId")
    if official.unit_id != h.unit_id or not official.active:
        raise ValidationFailed(
            "officialId", "代为出庭的人员须为被诉单位在职人员", "official must be of the unit"
        )
    if official.rank.value not in allowed.ranks:
        raise ValidationFailed(
            "officialId",
            f"{official.name}（{official.rank.label}）不能代为出庭，须为："
            + "、".join(_rank_label(r) for r in sorted(allowed.ranks)),
            "this official's rank may not stand in",
            "not_qualifying",
        )
    approver = await get_visible(ctx, Official, approved_by_id, "人员", "approvedById")
    if approver.jurisdiction_id != h.jurisdiction_id or not approver.active:
        raise ValidationFailed(
            "approvedById", "批准人须为本辖区在职人员", "approver must be active and local"
        )
    if approver.rank.value not in allowed.approver_ranks:
        raise ValidationFailed(
            "approvedById",
            f"{approver.name}（{approver.rank.label}）无权批准，须经："
            + "、".join(_rank_label(r) for r in sorted(allowed.approver_ranks)),
            "this official may not approve a substitute",
            "not_qualifying",
        )
    before = snapshot(h)
    h.designated_official_id = official.id
    h.designated_date = ctx.today()
    h.substitute_approved_by_id = approver.id
    h.substitute_name = official.name
    h.excuse_reason = require_text(reason, "reason", "负责人不能出庭的理由")
    h.identity_check = IdentityCheck.UNCHECKED
    h.identity_note = None
    await audit(ctx, "hearing.substitute", h, before)
    await emit(ctx, hearing_event(EventKind.HEARING_HEAD_DESIGNATED, h, ctx.today(), substitute=True))
    return h


async def designate_head(
    ctx: ServiceContext, hearing_id: int, *, official_id: int, version: int | None = None
) -> Hearing:
    """Name the head who will appear in court (确定出庭负责人)."""
    h = await _hearing(ctx, hearing_id, "hearing.designate", version)
    if h.status != HearingStatus.SCHEDULED:
        raise InvalidTransition(
            "Hearing", h.status, "get a designated head", "只有待开庭的庭审可以确定出庭人员"
        )
    official = await get_visible(ctx, Official, official_id, "人员", "officialId")
    if official.jurisdiction_id != h.jurisdiction_id or not official.active:
        raise ValidationFailed(
            "officialId", "出庭人员须为本辖区在职人员", "official must be active and local"
        )
    before = snapshot(h)
    h.designated_official_id = official.id
    h.designated_date = ctx.today()
    h.identity_check = IdentityCheck.UNCHECKED
    h.identity_note = None
    await audit(ctx, "hearing.designate", h, before)
    await emit(ctx, hearing_event(EventKind.HEARING_HEAD_DESIGNATED, h, ctx.today()))
    return h


async def check_identity(ctx: ServiceContext, hearing_id: int, *, version: int | None = None) -> Hearing:
    """Check that the designated person is a qualifying head under the jurisdiction's rule (核身份)."""
    h = await _hearing(ctx, hearing_id, "hearing.identity", version)
    if h.status != HearingStatus.SCHEDULED:
        raise InvalidTransition("Hearing", h.status, "be checked", "只有待开庭的庭审可以核验出庭人员身份")
    if h.designated_official_id is None:
        raise ValidationFailed("officialId", "尚未确定出庭负责人", "no head designated yet", "required")
    official = await ctx.session.get(Official, h.designated_official_id)
    assert official is not None
    ranks = await qualifying_ranks(ctx, h)
    same_unit = official.unit_id == h.unit_id or official.rank.value.startswith("county_")
    substitute = await _approved_substitute(ctx, h, official)
    verified = ((official.rank.value in ranks and same_unit) or substitute) and official.active
    before = snapshot(h)
    h.identity_check = IdentityCheck.VERIFIED if verified else IdentityCheck.REJECTED
    if verified and substitute:
        h.identity_note = f"{official.name}（{official.rank.label}）经批准代为出庭，符合规定"
    elif verified:
        h.identity_note = f"{official.name}（{official.rank.label}）符合出庭负责人身份"
    else:
        h.identity_note = (
            f"{official.name}（{official.rank.label}）不符合出庭负责人身份，请更换为："
            + "、".join(_rank_label(r) for r in ranks)
        )
    await audit(ctx, "hearing.identity", h, before)
    await emit(ctx, hearing_event(EventKind.HEARING_IDENTITY_CHECKED, h, ctx.today(), verified=verified))
    return h


def _rank_label(value: str) -> str:
    from core.enums import OfficialRank

    try:
        return OfficialRank(value).label
    except ValueError:
        return value


async def record_hearing(
    ctx: ServiceContext,
    hearing_id: int,
    *,
    held_at: dt.datetime,
    head_attended: bool,
    attending_official_id: int | None = None,
    head_spoke: bool | None = None,
    substitute_name: str | None = None,
    substitute_approved_by_id: int | None = None,
    excuse_reason: str | None = None,
    excuse_proof: str | None = None,
    excuse_sealed: bool | None = None,
    excuse_attachment_id: int | None = None,
    version: int | None = None,
) -> Hearing:
    """Record that the hearing took place, and whether a qualifying head appeared and spoke."""
    h = await _hearing(ctx, hearing_id, "hearing.record", version)
    if h.status != HearingStatus.SCHEDULED:
        raise InvalidTransition("Hearing", h.status, "be held", "该庭审已开庭、改期或取消")
    at = _aware(held_at)
    if at > ctx.now():
        raise ValidationFailed("heldAt", "开庭时间不能晚于当前时间", "heldAt is in the future", "future_date")
    scheduled_day = _china_day(h.scheduled_at)
    if _china_day(at) < scheduled_day:
        # A hearing held earlier than the day it was set for is a mistyped time (or a changed date
        # that was never recorded): the schedule is corrected by rescheduling, not by the record.
        raise ValidationFailed(
            "heldAt",
            f"开庭时间早于排定的开庭日期（{scheduled_day.isoformat()}）；如已改期，请先登记改期",
            f"heldAt is before the scheduled day ({scheduled_day.isoformat()}); reschedule the hearing first",
            "before_scheduled",
        )
    before = snapshot(h)
    stood_in = False  # an approved substitute, not a qualifying head, was in court
    if head_attended and (excuse_sealed is not None or excuse_attachment_id is not None):
        raise ValidationFailed(
            "excuseSealed", "负责人已出庭，无需情况说明", "an explanation is for a head who did not appear"
        )
    if head_attended:
        official_id = attending_official_id or h.designated_official_id
        if official_id is None:
            raise ValidationFailed("attendingOfficialId", "请填写出庭的负责人", "who attended?", "required")
        official = await get_visible(ctx, Official, official_id, "人员", "attendingOfficialId")
        ranks = await qualifying_ranks(ctx, h)
        stood_in = official.rank.value not in ranks and await _approved_substitute(ctx, h, official)
        if official.rank.value not in ranks and not stood_in:
            raise ValidationFailed(
                "attendingOfficialId",
                f"{official.name}（{official.rank.label}）不是符合条件的负责人，不能计为负责人出庭",
                "the attending official is not a qualifying head",
                "not_qualifying",
            )
        if head_spoke is None:
            raise ValidationFailed("headSpoke", "请填写负责人是否出声", "headSpoke is required", "required")
        h.attending_official_id = official.id
        h.head_spoke = head_spoke
    else:
        h.excuse_reason = require_text(excuse_reason, "excuseReason", "负责人未出庭的理由")
        h.excuse_proof = optional_text(excuse_proof, "excuseProof", "证明材料")
        h.excuse_sealed = excuse_sealed
        if excuse_attachment_id is not None:
            attachment = await ctx.session.get(Attachment, excuse_attachment_id)
            if attachment is None or (attachment.subject_type, attachment.subject_id) != ("hearing", h.id):
                raise ValidationFailed(
                    "excuseAttachmentId",
                    "情况说明附件须先上传到本次庭审（attachFile）",
                    "the explanation must be an attachment of this hearing",
                    "not_found",
                )
            h.excuse_attachment_id = attachment.id
        h.substitute_name = optional_text(substitute_name, "substituteName", "委托出庭人员", max_len=120)
        if substitute_approved_by_id is not None:
            approver = await get_visible(
                ctx, Official, substitute_approved_by_id, "人员", "substituteApprovedById"
            )
            h.substitute_approved_by_id = approver.id
        h.head_spoke = None
    h.status = HearingStatus.HELD
    h.held_at = at
    h.head_attended = head_attended
    await audit(ctx, "hearing.record", h, before)
    c = await ctx.session.get(LitigationCase, h.case_id)
    assert c is not None
    if c.status in (CaseStatus.FILED, CaseStatus.NOTICE_RECEIVED):
        c_before = snapshot(c)
        c.status = CaseStatus.IN_HEARING
        await audit(ctx, "case.status", c, c_before)
    await emit(
        ctx,
        hearing_event(EventKind.HEARING_HELD, h, at.date(), head_attended=head_attended, substitute=stood_in),
    )
    return h


async def reschedule_hearing(
    ctx: ServiceContext, hearing_id: int, *, new_time: dt.datetime, reason: str, version: int | None = None
) -> Hearing:
    """Move a hearing: the old one is marked rescheduled and a new one scheduled (designation kept)."""
    h = await _hearing(ctx, hearing_id, "hearing.reschedule", version)
    if h.status != HearingStatus.SCHEDULED:
        raise InvalidTransition("Hearing", h.status, "be rescheduled", "只有待开庭的庭审可以改期")
    at = _aware(new_time)
    if at == h.scheduled_at:
        raise ValidationFailed("newTime", "新的开庭时间与原时间相同", "new time equals the old one")
    before = snapshot(h)
    h.status = HearingStatus.RESCHEDULED
    h.cancel_reason = require_text(reason, "reason", "改期原因")
    await audit(ctx, "hearing.reschedule", h, before)
    await emit(ctx, hearing_event(EventKind.HEARING_RESCHEDULED, h, ctx.today()))
    new = Hearing(
        jurisdiction_id=h.jurisdiction_id,
        case_id=h.case_id,
        unit_id=h.unit_id,
        scheduled_at=at,
        court=h.court,
        courtroom=h.courtroom,
        head_required=h.head_required,
        status=HearingStatus.SCHEDULED,
        designated_official_id=h.designated_official_id,
        designated_date=h.designated_date,
        rescheduled_from_id=h.id,
    )
    ctx.session.add(new)
    await ctx.session.flush()
    await audit(ctx, "hearing.schedule", new, None)
    await emit(ctx, hearing_event(EventKind.HEARING_SCHEDULED, new, ctx.today()))
    return new


async def cancel_hearing(
    ctx: ServiceContext, hearing_id: int, *, reason: str, version: int | None = None
) -> Hearing:
    """Cancel a scheduled hearing (e.g. the suit was withdrawn)."""
    h = await _hearing(ctx, hearing_id, "hearing.cancel", version)
    if h.status != HearingStatus.SCHEDULED:
        raise InvalidTransition("Hearing", h.status, "be cancelled", "只有待开庭的庭审可以取消")
    before = snapshot(h)
    h.status = HearingStatus.CANCELLED
    h.cancel_reason = require_text(reason, "reason", "取消原因")
    await audit(ctx, "hearing.cancel", h, before)
    await emit(ctx, hearing_event(EventKind.HEARING_CANCELLED, h, ctx.today()))
    return h


async def record_outcome(
    ctx: ServiceContext,
    case_id: int,
    *,
    kind: OutcomeKind,
    decided_date: dt.date,
    received_date: dt.date,
    agency_changed_act: bool = False,
    summary: str | None = None,
    served_date: dt.date | None = None,
    version: int | None = None,
) -> Outcome:
    """Record the court's decision; a loss opens the loss-analysis and rectification duties."""
    c = await _case(ctx, case_id, "outcome.record", version)
    if c.status in (CaseStatus.CONCLUDED, CaseStatus.EFFECTIVE, CaseStatus.CLOSED):
        raise InvalidTransition(
            "LitigationCase", c.status, "be concluded twice", "该案件已有裁判结果，不能重复登记"
        )
    today = ctx.today()
    require_not_future(decided_date, today, "decidedDate", "裁判日期")
    require_not_before(decided_date, c.filed_date, "decidedDate", "裁判日期", "立案日期")
    require_not_future(received_date, today, "receivedDate", "收到裁判文书日期")
    require_not_before(received_date, decided_date, "receivedDate", "收到裁判文书日期", "裁判日期")
    if kind.needs_hearing:
        held = await ctx.session.scalar(
            select(func.count(Hearing.id)).where(
                Hearing.case_id == c.id, Hearing.status == HearingStatus.HELD
            )
        )
        if not held:
            raise ValidationFailed(
                "kind",
                f"“{kind.label}”须在开庭审理后作出，请先登记庭审情况（撤诉、调解、驳回起诉除外）",
                "a judgment needs a held hearing (withdrawal, mediation or dismissal excepted)",
                "hearing_required",
            )
    if served_date is not None:
        require_not_future(served_date, today, "servedDate", "裁判文书送达日期")
        require_not_before(served_date, decided_date, "servedDate", "裁判文书送达日期", "裁判日期")
    if kind == OutcomeKind.APPEAL_UPHELD and c.instance == Instance.FIRST:
        raise ValidationFailed("kind", "“二审维持原判”只适用于二审案件", "appeal_upheld only on appeal")
    if agency_changed_act and kind != OutcomeKind.WITHDRAWAL:
        raise ValidationFailed(
            "agencyChangedAct",
            "“机关改变行政行为后撤诉”只适用于撤诉结果",
            "only a withdrawal can follow a changed act",
        )
    is_loss = kind.is_loss
    outcome = Outcome(
        jurisdiction_id=c.jurisdiction_id,
        case_id=c.id,
        unit_id=c.unit_id,
        kind=kind,
        is_loss=is_loss,
        decided_date=decided_date,
        received_date=received_date,
        served_date=served_date,
        agency_changed_act=agency_changed_act,
        summary=optional_text(summary, "summary", "裁判要旨", max_len=5000),
    )
    ctx.session.add(outcome)
    before = snapshot(c)
    c.status = CaseStatus.CONCLUDED
    c.concluded_date = decided_date
    await ctx.session.flush()
    await audit(ctx, "outcome.record", outcome, None)
    await audit(ctx, "case.status", c, before)
    duties = [DutyKind.FILE_JUDGMENT]
    if is_loss:
        duties += [DutyKind.LOSS_ANALYSIS, DutyKind.RECTIFICATION]
    for duty_kind in duties:
        duty = PostJudgmentDuty(
            jurisdiction_id=c.jurisdiction_id,
            case_id=c.id,
            unit_id=c.unit_id,
            kind=duty_kind,
            sequence=1,
            status=DutyStatus.PENDING,
        )
        ctx.session.add(duty)
        await ctx.session.flush()
        await audit(ctx, "duty.create", duty, None)
    # Pending hearings of a decided case will not take place.
    pending = await ctx.session.scalars(
        select(Hearing).where(Hearing.case_id == c.id, Hearing.status == HearingStatus.SCHEDULED)
    )
    for h in pending:
        h_before = snapshot(h)
        h.status = HearingStatus.CANCELLED
        h.cancel_reason = f"案件已{kind.label}"
        await audit(ctx, "hearing.cancel", h, h_before)
        await emit(ctx, hearing_event(EventKind.HEARING_CANCELLED, h, received_date))
    await emit(
        ctx,
        case_event(EventKind.JUDGMENT_RECEIVED, c, received_date, outcome=kind.value, is_loss=is_loss),
    )
    if c.instance == Instance.FIRST and appeal_window(kind) is not None:
        # 第八十五条: the appeal window runs from service; the scan makes it effective when it lapses.
        await emit(
            ctx,
            case_event(
                EventKind.JUDGMENT_SERVED,
                c,
                max(served_date or received_date, received_date),
                outcome=kind.value,
                is_loss=is_loss,
                ruling=kind in RULINGS,
            ),
        )
    return outcome


async def mark_effective(
    ctx: ServiceContext,
    case_id: int,
    *,
    effective_date: dt.date,
    version: int | None = None,
    automatic: bool = False,
) -> LitigationCase:
    """The judgment took effect (appeal window passed, or the second instance decided).

    ``automatic``: the worker found the appeal window lapsed (core.cases.statutory).
    """
    c = await _case(ctx, case_id, "case.effective", version)
    if c.status != CaseStatus.CONCLUDED:
        raise InvalidTransition(
            "LitigationCase", c.status, "become effective", "只有已裁判的案件可以登记生效"
        )
    require_not_future(effective_date, ctx.today(), "effectiveDate", "生效日期")
    require_not_before(effective_date, c.concluded_date, "effectiveDate", "生效日期", "裁判日期")
    outcome = await ctx.session.scalar(select(Outcome).where(Outcome.case_id == c.id))
    before = snapshot(c)
    c.status = CaseStatus.EFFECTIVE
    c.effective_date = effective_date
    await audit(ctx, "case.effective", c, before)
    await emit(
        ctx,
        case_event(
            EventKind.JUDGMENT_EFFECTIVE,
            c,
            effective_date,
            is_loss=bool(outcome and outcome.is_loss),
            outcome=outcome.kind.value if outcome else None,
            automatic=automatic,
        ),
    )
    return c


async def submit_duty(
    ctx: ServiceContext,
    case_id: int,
    *,
    kind: DutyKind,
    content: str,
    submitted_date: dt.date,
    sequence: int = 1,
) -> PostJudgmentDuty:
    """File a judgment, a loss-cause analysis, rectification measures or a judicial-suggestion follow-up."""
    c = await _case(ctx, case_id, "duty.submit", None)
    if c.status not in (CaseStatus.CONCLUDED, CaseStatus.EFFECTIVE):
        raise InvalidTransition(
            "LitigationCase", c.status, "take post-judgment duties", "案件尚未裁判或已办结"
        )
    require_not_future(submitted_date, ctx.today(), "submittedDate", "提交日期")
    require_not_before(submitted_date, c.concluded_date, "submittedDate", "提交日期", "裁判日期")
    duty = await ctx.session.scalar(
        select(PostJudgmentDuty).where(
            PostJudgmentDuty.case_id == c.id,
            PostJudgmentDuty.kind == kind,
            PostJudgmentDuty.sequence == sequence,
        )
    )
    if duty is None:
        if kind != DutyKind.JUDICIAL_SUGGESTION:
            raise ValidationFailed(
                "kind", f"该案件无需提交“{kind.label}”", f"case has no {kind} duty", "not_required"
            )
        duty = PostJudgmentDuty(
            jurisdiction_id=c.jurisdiction_id,
            case_id=c.id,
            unit_id=c.unit_id,
            kind=kind,
            sequence=sequence,
            status=DutyStatus.PENDING,
        )
        ctx.session.add(duty)
        await ctx.session.flush()
    if duty.status != DutyStatus.PENDING:
        raise InvalidTransition(
            "PostJudgmentDuty", duty.status, "be submitted twice", f"“{kind.label}”已提交"
        )
    before = snapshot(duty)
    duty.status = DutyStatus.SUBMITTED
    duty.content = require_text(content, "content", kind.label, max_len=50000)
    duty.submitted_date = submitted_date
    await audit(ctx, "duty.submit", duty, before)
    await emit(ctx, case_event(EventKind.DUTY_SUBMITTED, c, submitted_date, duty_kind=kind.value))
    return duty


async def review_duty(
    ctx: ServiceContext, duty_id: int, *, reviewed_date: dt.date, note: str, version: int | None = None
) -> PostJudgmentDuty:
    """The justice bureau reviews a submitted report (e.g. the loss-cause analysis)."""
    duty = await get_visible(ctx, PostJudgmentDuty, duty_id, "裁判后事项", "dutyId")
    authorize(ctx.principal, "duty.review", duty.jurisdiction_id, None)
    check_version(duty, version, "PostJudgmentDuty")
    if duty.status != DutyStatus.SUBMITTED:
        raise InvalidTransition("PostJudgmentDuty", duty.status, "be reviewed", "只有已提交的材料可以审核")
    require_not_before(reviewed_date, duty.submitted_date, "reviewedDate", "审核日期", "提交日期")
    before = snapshot(duty)
    duty.status = DutyStatus.REVIEWED
    duty.reviewed_date = reviewed_date
    duty.review_note = require_text(note, "note", "审核意见")
    await audit(ctx, "duty.review", duty, before)
    c = await ctx.session.get(LitigationCase, duty.case_id)
    assert c is not None
    await emit(ctx, case_event(EventKind.DUTY_REVIEWED, c, reviewed_date, duty_kind=duty.kind.value))
    return duty


async def close_case(
    ctx: ServiceContext, case_id: int, *, closed_date: dt.date, version: int | None = None
) -> LitigationCase:
    """Close a case once its judgment is effective and every post-judgment duty is submitted."""
    c = await _case(ctx, case_id, "case.close", version)
    if c.status == CaseStatus.CLOSED:
        raise InvalidTransition("LitigationCase", c.status, "be closed twice", "案件已办结")
    if c.status != CaseStatus.EFFECTIVE:
        raise InvalidTransition("LitigationCase", c.status, "be closed", "裁判尚未生效，不能办结")
    pending = await ctx.session.scalars(
        select(PostJudgmentDuty).where(
            PostJudgmentDuty.case_id == c.id, PostJudgmentDuty.status == DutyStatus.PENDING
        )
    )
    missing = [d.kind.label for d in pending]
    if missing:
        raise InvalidTransition(
            "LitigationCase",
            c.status,
            "be closed with pending duties",
            f"尚有未提交的事项：{'、'.join(missing)}",
        )
    require_not_future(closed_date, ctx.today(), "closedDate", "办结日期")
    before = snapshot(c)
    c.status = CaseStatus.CLOSED
    c.closed_date = closed_date
    await audit(ctx, "case.close", c, before)
    await emit(ctx, case_event(EventKind.CASE_CLOSED, c, closed_date))
    return c
