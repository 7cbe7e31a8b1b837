"""Recording disputes and driving their resolution efforts through their lifecycle."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, Text, cast, func, literal, select, update
from sqlalchemy.orm.attributes import set_committed_value

from core.audit.service import record as audit
from core.audit.service import snapshot
from core.calendar.rules import working_days
from core.common import (
    check_version,
    get_visible,
    optional_text,
    require_not_before,
    require_not_future,
    require_text,
)
from core.context import ServiceContext
from core.db import dialect_insert
from core.disputes.models import (
    Dispute,
    DisputeNumberCounter,
    DisputeRespondent,
    ResolutionEffort,
    ResolutionExtension,
    ResolutionHearing,
    ResolutionProgress,
)
from core.enums import (
    ActionType,
    BatchKind,
    DisputeField,
    DisputeSource,
    DisputeStatus,
    ObligationStatus,
    ResolutionResult,
    ResolutionStage,
    ResolutionStatus,
)
from core.errors import InvalidTransition, ValidationFailed
from core.obligations.engine import emit
from core.obligations.extension import check_extension
from core.obligations.models import Obligation
from core.org.models import Official, Unit
from core.policy.types import Event, EventKind, ExtensionPolicy
from core.scoping import authorize

OPEN_EFFORT = (ResolutionStatus.ASSIGNED, ResolutionStatus.ACCEPTED, ResolutionStatus.IN_PROGRESS)


@dataclass
class DisputeInput:
    unit_id: int
    title: str
    applicant_name: str
    field: DisputeField
    action_type: ActionType
    source: DisputeSource
    received_date: dt.date
    summary: str = ""
    other_unit_ids: tuple[int, ...] = ()
    applicant_id_number: str | None = None
    applicant_phone: str | None = None
    applicant_count: int = 1
    batch_kind: BatchKind = BatchKind.SINGLE
    is_major: bool = False
    loss_risk: bool = False
    origin_date: dt.date | None = None
    reported_by: str | None = None


async def load_unit(ctx: ServiceContext, unit_id: int, field: str = "unitId") -> Unit:
    unit = await get_visible(ctx, Unit, unit_id, "单位", field)
    if not unit.active:
        raise ValidationFailed(field, f"单位“{unit.name}”已停用", f"unit {unit_id} is inactive", "inactive")
    return unit


def dispute_event(kind: EventKind, d: Dispute, on: dt.date, **attrs: object) -> Event:
    base: dict[str, object] = {
        "source": d.source.value,
        "batch_kind": d.batch_kind.value,
        "is_major": d.is_major,
        "loss_risk": d.loss_risk,
        "field": d.field.value,
        "origin_date": d.origin_date or d.received_date,
    }
    base.update(attrs)
    return Event(kind, d.jurisdiction_id, on, "dispute", d.id, d.unit_id, base)


async def next_dispute_number(ctx: ServiceContext, jurisdiction_id: int, year: int) -> int:
    """Take the next dispute number of a jurisdiction and year (one upsert on its counter row)."""
    return int((await ctx.session.execute(_take_number(ctx, jurisdiction_id, year))).scalar_one())


def _take_number(ctx: ServiceContext, jurisdiction_id: int, year: int) -> Any:
    insert = dialect_insert(ctx.session)
    counter = DisputeNumberCounter
    return (
        insert(counter)
        .values(jurisdiction_id=jurisdiction_id, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[counter.jurisdiction_id, counter.year],
            set_={"last_number": counter.last_number + 1},
        )
        .returning(counter.last_number)
    )


def cast_table(table: Any) -> Table:
    """A mapped class's table, typed as the Table it is (``__table__`` is typed as any FROM clause)."""
    assert isinstance(table, Table)
    return table


async def number_dispute(ctx: ServiceContext, dispute: Dispute, code: str, year: int) -> str:
    """Give a recorded dispute its number: call it as the LAST statement of the transaction.

    Numbers are gapless per jurisdiction and year, so the counter row stays locked from the moment
    a number is taken until the transaction ends (a rolled-back recording gives its number back by
    rolling back the counter too; a sequence could not). Taking it last, after the obligations,
    respondents and everything else are written, keeps that lock to the statement itself, the
    audit entry and the commit, instead of the whole recording: recordings in one county no longer
    queue behind each other's obligation engine. On PostgreSQL the number is taken and written in
    one statement (an upsert in a ``WITH`` feeding the ``UPDATE``), one round trip under the lock.
    """
    prefix = f"{code.upper()}-{year}-"
    disputes = cast_table(Dispute.__table__)
    if ctx.session.bind is not None and ctx.session.bind.dialect.name == "postgresql":
        counter = cast_table(DisputeNumberCounter.__table__)
        taken = (
            _take_number(ctx, dispute.jurisdiction_id, year).returning(counter.c.jurisdiction_id).cte("taken")
        )
        digits = cast(taken.c.last_number, Text)
        padded = func.lpad(digits, func.greatest(5, func.length(digits)), "0")
        statement = (
            update(disputes)
            .where(disputes.c.id == dispute.id, disputes.c.jurisdiction_id == taken.c.jurisdiction_id)
            .values(number=literal(prefix) + padded, updated_at=dispute.updated_at)
            .returning(disputes.c.number)
            .add_cte(taken)
        )
        number = str((await ctx.session.execute(statement)).scalar_one())
    else:  # SQLite: the database's write lock is already held since the transaction's first write
        number = f"{prefix}{await next_dispute_number(ctx, dispute.jurisdiction_id, year):05d}"
        await ctx.session.execute(
            update(disputes)
            .where(disputes.c.id == dispute.id)
            .values(number=number, updated_at=dispute.updated_at)
        )
    # ``updated_at`` is the insert's own (it is the same recording); the row already holds the
    # number: tell the ORM without a second UPDATE (or a version bump).
    set_committed_value(dispute, "number", number)
    return number


async def record_dispute(ctx: ServiceContext, data: DisputeInput) -> Dispute:
    """Record a new dispute against a unit (and optionally further respondents)."""
    unit = await load_unit(ctx, data.unit_id)
    authorize(ctx.principal, "dispute.record", unit.jurisdiction_id, unit.id)
    others: list[Unit] = []
    for i, other_id in enumerate(data.other_unit_ids):
        other = await load_unit(ctx, other_id, f"otherUnitIds[{i}]")
        if other.jurisdiction_id != unit.jurisdiction_id:
            raise ValidationFailed(
                f"otherUnitIds[{i}]", "被申请单位必须属于同一辖区", "respondents must share a jurisdiction"
            )
        if other.id != unit.id and other not in others:
            others.append(other)
    require_not_future(data.received_date, ctx.today(), "receivedDate", "收到日期")
    if data.origin_date is not None:
        require_not_before(data.received_date, data.origin_date, "receivedDate", "收到日期", "来源事件日期")
    if data.applicant_count < 1:
        raise ValidationFailed("applicantCount", "申请人数至少为1", "applicantCount must be at least 1")
    title = require_text(data.title, "title", "争议事项", max_len=200)
    applicant_name = require_text(data.applicant_name, "applicantName", "申请人", max_len=120)
    jurisdiction = await ctx.jurisdiction(unit.jurisdiction_id)
    dispute = Dispute(
        jurisdiction_id=unit.jurisdiction_id,
        unit_id=unit.id,
        # Unique until number_dispute() replaces it at the end of this transaction; never committed.
        number=f"pending-{uuid.uuid4().hex}",
        title=title,
        summary=(data.summary or "").strip(),
        applicant_name=applicant_name,
        applicant_id_number=optional_text(
            data.applicant_id_number, "applicantIdNumber", "身份证号", max_len=40
        ),
        applicant_phone=optional_text(data.applicant_phone, "applicantPhone", "联系电话", max_len=40),
        applicant_count=data.applicant_count,
        field=data.field,
        action_type=data.action_type,
        source=data.source,
        received_date=data.received_date,
        origin_date=data.origin_date,
        reported_by=optional_text(data.reported_by, "reportedBy", "报送单位", max_len=120),
        batch_kind=data.batch_kind,
        is_major=data.is_major,
        loss_risk=data.loss_risk,
        status=DisputeStatus.OPEN,
    )
    ctx.session.add(dispute)
    await ctx.session.flush()
    for u in [unit, *others]:
        ctx.session.add(DisputeRespondent(dispute_id=dispute.id, unit_id=u.id))
    await emit(ctx, dispute_event(EventKind.DISPUTE_RECORDED, dispute, data.received_date))
    await ctx.session.flush()
    # Last: the number (its counter row stays locked until commit), then the audit entry that shows it.
    await number_dispute(ctx, dispute, jurisdiction.code, data.received_date.year)
    await audit(ctx, "dispute.record", dispute, None)
    return dispute


async def update_dispute(
    ctx: ServiceContext,
    dispute_id: int,
    *,
    version: int | None = None,
    title: str | None = None,
    summary: str | None = None,
    loss_risk: bool | None = None,
    is_major: bool | None = None,
    batch_kind: BatchKind | None = None,
    field: DisputeField | None = None,
    action_type: ActionType | None = None,
) -> Dispute:
    """Correct or re-classify a dispute; raising its risk may create new duties."""
    d = await get_visible(ctx, Dispute, dispute_id, "行政争议", "disputeId")
    authorize(ctx.principal, "dispute.update", d.jurisdiction_id, d.unit_id)
    check_version(d, version, "Dispute")
    before = snapshot(d)
    was = (d.loss_risk, d.is_major, d.batch_kind)
    if title is not None:
        d.title = require_text(title, "title", "争议事项", max_len=200)
    if summary is not None:
        d.summary = summary.strip()
    if loss_risk is not None:
        d.loss_risk = loss_risk
    if is_major is not None:
        d.is_major = is_major
    if batch_kind is not None:
        d.batch_kind = batch_kind
    if field is not None:
        d.field = field
    if action_type is not None:
        d.action_type = action_type
    await audit(ctx, "dispute.update", d, before)
    await emit(
        ctx,
        dispute_event(
            EventKind.DISPUTE_UPDATED,
            d,
            ctx.today(),
            period=f"v{d.version}",
            # So a rule fires when a flag is raised, not on every later edit.
            loss_risk_raised=d.loss_risk and not was[0],
            major_raised=d.is_major and not was[1],
            batch_kind_changed=d.batch_kind != was[2],
        ),
    )
    return d


async def assign_leader(
    ctx: ServiceContext,
    dispute_id: int,
    *,
    official_id: int,
    plan: str,
    deadline: dt.date,
    task_team: str,
    version: int | None = None,
) -> Dispute:
    """Put a leader in charge of a dispute with a plan, a deadline and a task team (一案一策一专班)."""
    d = await get_visible(ctx, Dispute, dispute_id, "行政争议", "disputeId")
    authorize(ctx.principal, "dispute.leader", d.jurisdiction_id, None)
    check_version(d, version, "Dispute")
    leader = await get_visible(ctx, Official, official_id, "负责人", "officialId")
    if leader.jurisdiction_id != d.jurisdiction_id or not leader.active:
        raise ValidationFailed(
            "officialId", "包案领导必须是本辖区在职人员", "leader must be active and local"
        )
    require_not_before(deadline, ctx.today(), "deadline", "化解期限", "今天")
    before = snapshot(d)
    d.leader_in_charge_id = leader.id
    d.leader_plan = require_text(plan, "plan", "化解方案")
    d.leader_deadline = deadline
    d.task_team = require_text(task_team, "taskTeam", "工作专班")
    await audit(ctx, "dispute.leader", d, before)
    await emit(ctx, dispute_event(EventKind.LEADER_ASSIGNED, d, ctx.today()))
    return d


async def assign_resolution(
    ctx: ServiceContext,
    dispute_id: int,
    *,
    unit_id: int,
    stage: ResolutionStage,
    assigned_date: dt.date,
    by_court_letter: bool = False,
    litigation_case_id: int | None = None,
) -> ResolutionEffort:
    """Assign a dispute to a unit for resolution (分流指派) at a stage."""
    d = await get_visible(ctx, Dispute, dispute_id, "行政争议", "disputeId")
    authorize(ctx.principal, "resolution.assign", d.jurisdiction_id, None)
    unit = await load_unit(ctx, unit_id)
    if unit.jurisdiction_id != d.jurisdiction_id:
        raise ValidationFailed("unitId", "承办单位必须属于本辖区", "unit belongs to another jurisdiction")
    if d.status == DisputeStatus.CLOSED:
        raise InvalidTransition("Dispute", d.status, "be assigned", "争议已办结，不能再分流化解")
    if d.status == DisputeStatus.RESOLVED:
        raise InvalidTransition("Dispute", d.status, "be assigned", "争议已化解，无需再分流")
    require_not_future(assigned_date, ctx.today(), "assignedDate", "指派日期")
    require_not_before(assigned_date, d.received_date, "assignedDate", "指派日期", "收到争议日期")
    open_efforts = await ctx.session.scalar(
        select(func.count(ResolutionEffort.id)).where(
            ResolutionEffort.dispute_id == d.id, ResolutionEffort.status.in_(OPEN_EFFORT)
        )
    )
    if open_efforts:
        raise InvalidTransition(
            "Dispute", d.status, "get a second open effort", "该争议已有正在进行的化解工作"
        )
    if stage == ResolutionStage.PRE_FILING and d.status == DisputeStatus.ESCALATED:
        raise ValidationFailed("stage", "已进入诉讼的争议不能再进行诉前化解", "dispute already escalated")
    if stage != ResolutionStage.PRE_FILING and litigation_case_id is None:
        raise ValidationFailed("litigationCaseId", "诉中或宣判后化解须关联诉讼案件", "a case is required")
    if litigation_case_id is not None:
        from core.cases.models import LitigationCase

        case = await get_visible(ctx, LitigationCase, litigation_case_id, "诉讼案件", "litigationCaseId")
        if case.dispute_id != d.id:
            raise ValidationFailed(
                "litigationCaseId", "诉讼案件不属于该争议", "case belongs to another dispute"
            )
    effort = ResolutionEffort(
        jurisdiction_id=d.jurisdiction_id,
        dispute_id=d.id,
        unit_id=unit.id,
        stage=stage,
        status=ResolutionStatus.ASSIGNED,
        by_court_letter=by_court_letter,
        litigation_case_id=litigation_case_id,
        assigned_date=assigned_date,
    )
    ctx.session.add(effort)
    if d.status == DisputeStatus.OPEN:
        before = snapshot(d)
        d.status = DisputeStatus.IN_RESOLUTION
        await audit(ctx, "dispute.status", d, before)
    await ctx.session.flush()
    await audit(ctx, "resolution.assign", effort, None)
    created = await emit_effort(ctx, EventKind.RESOLUTION_ASSIGNED, effort, assigned_date)
    await _take_due_date(ctx, effort, created)
    return effort


def effort_event(
    kind: EventKind, e: ResolutionEffort, on: dt.date, *, is_major: bool = False, **attrs: object
) -> Event:
    base: dict[str, object] = {
        "stage": e.stage.value,
        "by_court_letter": e.by_court_letter,
        "is_major": is_major,
    }
    base.update(attrs)
    return Event(kind, e.jurisdiction_id, on, "resolution_effort", e.id, e.unit_id, base)


async def emit_effort(
    ctx: ServiceContext, kind: EventKind, e: ResolutionEffort, on: dt.date, **attrs: object
) -> list[Obligation]:
    """Emit an effort's event, with its dispute's flags (e.g. a major dispute's tighter rules)."""
    dispute = await ctx.session.get(Dispute, e.dispute_id)
    is_major = bool(dispute and dispute.is_major)
    return await emit(ctx, effort_event(kind, e, on, is_major=is_major, **attrs))


async def _take_due_date(ctx: ServiceContext, effort: ResolutionEffort, created: list[Obligation]) -> None:
    """The effort's deadline is that of the rule that may be extended (the resolution period)."""
    policy = await ctx.policy(effort.jurisdiction_id)
    for ob in created:
        rule = policy.deadline_rule(ob.rule_id)
        if rule is not None and rule.extension is not None and ob.due_date is not None:
            effort.due_date = ob.due_date


async def _effort(ctx: ServiceContext, effort_id: int, action: str, version: int | None) -> ResolutionEffort:
    e = await get_visible(ctx, ResolutionEffort, effort_id, "化解工作", "effortId")
    authorize(ctx.principal, action, e.jurisdiction_id, e.unit_id)
    check_version(e, version, "ResolutionEffort")
    return e


async def accept_resolution(
    ctx: ServiceContext,
    effort_id: int,
    *,
    accepted_date: dt.date,
    notice_delivered_date: dt.date,
    version: int | None = None,
) -> ResolutionEffort:
    """The unit accepts the assignment and delivers the resolution notice (纾解告知书)."""
    e = await _effort(ctx, effort_id, "resolution.accept", version)
    if e.status != ResolutionStatus.ASSIGNED:
        raise InvalidTransition("ResolutionEffort", e.status, "be accepted", "该化解工作已受理或已结束")
    today = ctx.today()
    require_not_future(accepted_date, today, "acceptedDate", "受理日期")
    require_not_before(accepted_date, e.assigned_date, "acceptedDate", "受理日期", "指派日期")
    require_not_future(notice_delivered_date, today, "noticeDeliveredDate", "告知书送达日期")
    require_not_before(
        notice_delivered_date, accepted_date, "noticeDeliveredDate", "告知书送达日期", "受理日期"
    )
    before = snapshot(e)
    e.status = ResolutionStatus.ACCEPTED
    e.accepted_date = accepted_date
    e.notice_delivered_date = notice_delivered_date
    await audit(ctx, "resolution.accept", e, before)
    created = await emit_effort(ctx, EventKind.RESOLUTION_ACCEPTED, e, accepted_date)
    await _take_due_date(ctx, e, created)
    return e


async def report_progress(
    ctx: ServiceContext, effort_id: int, *, report_date: dt.date, content: str, reported_by: str = ""
) -> ResolutionProgress:
    """Record a progress report (进展反馈) on an effort."""
    e = await _effort(ctx, effort_id, "resolution.progress", None)
    if e.status not in (ResolutionStatus.ACCEPTED, ResolutionStatus.IN_PROGRESS):
        raise InvalidTransition(
            "ResolutionEffort", e.status, "take progress reports", "只有已受理且未结束的化解工作可以反馈进展"
        )
    require_not_future(report_date, ctx.today(), "reportDate", "反馈日期")
    require_not_before(report_date, e.accepted_date, "reportDate", "反馈日期", "受理日期")
    progress = ResolutionProgress(
        effort_id=e.id,
        report_date=report_date,
        content=require_text(content, "content", "进展情况"),
        reported_by=reported_by or ctx.principal.user,
    )
    ctx.session.add(progress)
    if e.status == ResolutionStatus.ACCEPTED:
        before = snapshot(e)
        e.status = ResolutionStatus.IN_PROGRESS
        await audit(ctx, "resolution.status", e, before)
    await ctx.session.flush()
    await audit(ctx, "resolution.progress", progress, None, jurisdiction_id=e.jurisdiction_id)
    await emit_effort(ctx, EventKind.RESOLUTION_PROGRESS_REPORTED, e, report_date)
    return progress


async def extension_policy(
    ctx: ServiceContext, e: ResolutionEffort
) -> tuple[ExtensionPolicy, Obligation | None]:
    """The extension rule governing this effort's resolution deadline (or the core default)."""
    policy = await ctx.policy(e.jurisdiction_id)
    rows = await ctx.session.scalars(
        select(Obligation).where(
            Obligation.subject_type == "resolution_effort",
            Obligation.subject_id == e.id,
            Obligation.status.in_((ObligationStatus.OPEN, ObligationStatus.OVERDUE, ObligationStatus.PAUSED)),
        )
    )
    for ob in rows:
        rule = policy.deadline_rule(ob.rule_id)
        if rule is not None and rule.extension is not None:
            return rule.extension, ob
    return ExtensionPolicy(max_extensions=1, max_extension=working_days(30)), None


async def extend_resolution(
    ctx: ServiceContext,
    effort_id: int,
    *,
    new_due_date: dt.date,
    reason: str,
    applicant_consent: bool,
    centre_consent: bool,
    court_informed: bool = False,
    granted_date: dt.date | None = None,
    version: int | None = None,
) -> ResolutionEffort:
    """Extend an effort's deadline, within the rule's limits and with the consents it requires."""
    e = await _effort(ctx, effort_id, "resolution.extend", version)
    if e.status not in (ResolutionStatus.ACCEPTED, ResolutionStatus.IN_PROGRESS):
        raise InvalidTransition(
            "ResolutionEffort", e.status, "be extended", "只有已受理且未结束的化解工作可以延期"
        )
    policy, obligation = await extension_policy(ctx, e)
    current_due = (obligation.due_date if obligation else None) or e.due_date
    check_extension(
        policy,
        await ctx.calendar(),
        used=e.extensions_used,
        current_due=current_due,
        new_due=new_due_date,
        applicant_consent=applicant_consent,
        centre_consent=centre_consent,
        court_informed=court_informed,
    )
    assert current_due is not None
    granted = granted_date or ctx.today()
    ctx.session.add(
        ResolutionExtension(
            effort_id=e.id,
            granted_date=granted,
            previous_due_date=current_due,
            new_due_date=new_due_date,
            reason=require_text(reason, "reason", "延期理由"),
            applicant_consent=applicant_consent,
            centre_consent=centre_consent,
            court_informed=court_informed,
        )
    )
    before = snapshot(e)
    e.extensions_used += 1
    e.due_date = new_due_date
    await audit(ctx, "resolution.extend", e, before)
    await emit_effort(ctx, EventKind.RESOLUTION_EXTENDED, e, granted, new_due_date=new_due_date)
    return e


async def record_resolution_hearing(
    ctx: ServiceContext, effort_id: int, *, held_date: dt.date, participants: str, record: str
) -> ResolutionHearing:
    """Record a resolution hearing (纾解听证) with its participants and full record."""
    e = await _effort(ctx, effort_id, "resolution.hearing", None)
    if e.status not in OPEN_EFFORT:
        raise InvalidTransition("ResolutionEffort", e.status, "hold a hearing", "化解工作已结束")
    require_not_future(held_date, ctx.today(), "heldDate", "听证日期")
    hearing = ResolutionHearing(
        effort_id=e.id,
        held_date=held_date,
        participants=require_text(participants, "participants", "参加人员"),
        record=require_text(record, "record", "听证记录", max_len=20000),
    )
    ctx.session.add(hearing)
    await ctx.session.flush()
    await audit(ctx, "resolution.hearing", hearing, None, jurisdiction_id=e.jurisdiction_id)
    await emit_effort(ctx, EventKind.RESOLUTION_HEARING_HELD, e, held_date)
    return hearing


async def conclude_resolution(
    ctx: ServiceContext,
    effort_id: int,
    *,
    succeeded: bool,
    concluded_date: dt.date,
    result: ResolutionResult | None = None,
    agreement_effective_date: dt.date | None = None,
    failure_reason: str | None = None,
    failure_process: str | None = None,
    claims_summary: str | None = None,
    point_in_dispute: str | None = None,
    version: int | None = None,
) -> ResolutionEffort:
    """Close an effort as succeeded (with its result) or failed (with the written reasons)."""
    e = await _effort(ctx, effort_id, "resolution.conclude", version)
    if e.status not in OPEN_EFFORT:
        raise InvalidTransition(
            "ResolutionEffort", e.status, "be concluded twice", "该化解工作已结束，不能重复办结"
        )
    if e.status == ResolutionStatus.ASSIGNED:
        raise InvalidTransition(
            "ResolutionEffort", e.status, "be concluded before acceptance", "化解工作尚未受理"
        )
    require_not_future(concluded_date, ctx.today(), "concludedDate", "办结日期")
    require_not_before(concluded_date, e.accepted_date, "concludedDate", "办结日期", "受理日期")
    # Validate everything before changing anything.
    if succeeded:
        if result is None:
            raise ValidationFailed(
                "result", "化解成功须填写化解结果", "result is required on success", "required"
            )
        if result == ResolutionResult.AGREEMENT and agreement_effective_date is None:
            raise ValidationFailed(
                "agreementEffectiveDate",
                "达成纾解协议须填写协议生效日期",
                "agreement date required",
                "required",
            )
        reasons: tuple[str | None, ...] = (None, None, None, None)
    else:
        # A court letter is answered in writing: the process, both sides' claims, the point in dispute
        # and why it failed (the court needs all four to proceed).
        detail = require_text if e.by_court_letter else optional_text
        reasons = (
            require_text(failure_reason, "failureReason", "化解不成的原因"),
            require_text(failure_process, "failureProcess", "化解过程"),
            detail(claims_summary, "claimsSummary", "双方诉求"),
            detail(point_in_dispute, "pointInDispute", "争议焦点"),
        )
    before = snapshot(e)
    e.concluded_date = concluded_date
    if succeeded:
        e.status = ResolutionStatus.SUCCEEDED
        e.result = result
        if result == ResolutionResult.AGREEMENT:
            e.agreement_effective_date = agreement_effective_date
    else:
        e.status = ResolutionStatus.FAILED
        e.failure_reason, e.failure_process, e.claims_summary, e.point_in_dispute = reasons
    await audit(ctx, "resolution.conclude", e, before)
    kind = EventKind.RESOLUTION_SUCCEEDED if succeeded else EventKind.RESOLUTION_FAILED
    attrs: dict[str, object] = {"result": result.value if result else None}
    if e.agreement_effective_date is not None:
        attrs["agreement_effective_date"] = e.agreement_effective_date
    await emit_effort(ctx, kind, e, concluded_date, **attrs)
    d = await ctx.session.get(Dispute, e.dispute_id)
    assert d is not None
    d_before = snapshot(d)
    if succeeded and d.status in (DisputeStatus.OPEN, DisputeStatus.IN_RESOLUTION):
        d.status = DisputeStatus.RESOLVED
        d.resolution_result = result
        d.resolved_date = concluded_date
        await audit(ctx, "dispute.status", d, d_before)
        await emit(ctx, dispute_event(EventKind.DISPUTE_RESOLVED, d, concluded_date, stage=e.stage.value))
    elif not succeeded and d.status == DisputeStatus.IN_RESOLUTION:
        d.status = DisputeStatus.OPEN
        await audit(ctx, "dispute.status", d, d_before)
    return e


async def request_judicial_confirmation(
    ctx: ServiceContext,
    effort_id: int,
    *,
    requested_date: dt.date,
    confirmed_date: dt.date | None = None,
    version: int | None = None,
) -> ResolutionEffort:
    """Record that an agreement went to court for judicial confirmation (司法确认), and when confirmed."""
    e = await _effort(ctx, effort_id, "resolution.confirm", version)
    if e.status != ResolutionStatus.SUCCEEDED or e.result != ResolutionResult.AGREEMENT:
        raise InvalidTransition(
            "ResolutionEffort",
            e.status,
            "be judicially confirmed",
            "只有达成纾解协议的化解工作可以申请司法确认",
        )
    require_not_future(requested_date, ctx.today(), "requestedDate", "申请司法确认日期")
    require_not_before(
        requested_date, e.agreement_effective_date, "requestedDate", "申请日期", "协议生效日期"
    )
    if confirmed_date is not None:
        require_not_before(confirmed_date, requested_date, "confirmedDate", "司法确认日期", "申请日期")
        require_not_future(confirmed_date, ctx.today(), "confirmedDate", "司法确认日期")
    before = snapshot(e)
    e.confirmation_requested_date = requested_date
    e.confirmation_date = confirmed_date
    await audit(ctx, "resolution.confirm", e, before)
    await emit_effort(ctx, EventKind.JUDICIAL_CONFIRMATION_REQUESTED, e, requested_date)
    return e


async def close_dispute(
    ctx: ServiceContext, dispute_id: int, *, closed_date: dt.date, version: int | None = None
) -> Dispute:
    """Close a dispute once it is resolved or all its cases are finished."""
    from core.cases.models import LitigationCase, ReconsiderationCase
    from core.enums import CaseStatus, ReconsiderationStatus

    d = await get_visible(ctx, Dispute, dispute_id, "行政争议", "disputeId")
    authorize(ctx.principal, "dispute.close", d.jurisdiction_id, d.unit_id)
    check_version(d, version, "Dispute")
    if d.status == DisputeStatus.CLOSED:
        raise InvalidTransition("Dispute", d.status, "be closed twice", "争议已办结")
    if d.status in (DisputeStatus.OPEN, DisputeStatus.IN_RESOLUTION):
        raise InvalidTransition(
            "Dispute", d.status, "be closed while unresolved", "争议尚未化解或进入复议诉讼，不能办结"
        )
    open_cases = await ctx.session.scalar(
        select(func.count(LitigationCase.id)).where(
            LitigationCase.dispute_id == d.id, LitigationCase.status != CaseStatus.CLOSED
        )
    )
    open_recons = await ctx.session.scalar(
        select(func.count(ReconsiderationCase.id)).where(
            ReconsiderationCase.dispute_id == d.id,
            ReconsiderationCase.status.in_((ReconsiderationStatus.RECEIVED, ReconsiderationStatus.ACCEPTED)),
        )
    )
    if open_cases or open_recons:
        raise InvalidTransition(
            "Dispute", d.status, "be closed with open cases", "该争议仍有未办结的复议或诉讼案件"
        )
    require_not_future(closed_date, ctx.today(), "closedDate", "办结日期")
    before = snapshot(d)
    d.status = DisputeStatus.CLOSED
    d.closed_date = closed_date
    await audit(ctx, "dispute.close", d, before)
    return d


async def mark_escalated(ctx: ServiceContext, d: Dispute) -> None:
    """A reconsideration or lawsuit was filed: the dispute leaves pre-filing resolution."""
    if d.status in (DisputeStatus.OPEN, DisputeStatus.IN_RESOLUTION, DisputeStatus.RESOLVED):
        before = snapshot(d)
        d.status = DisputeStatus.ESCALATED
        await audit(ctx, "dispute.status", d, before)
    # A pre-filing effort still open when the case is filed has failed to prevent it.
    efforts = await ctx.session.scalars(
        select(ResolutionEffort).where(
            ResolutionEffort.dispute_id == d.id,
            ResolutionEffort.stage == ResolutionStage.PRE_FILING,
            ResolutionEffort.status.in_(OPEN_EFFORT),
        )
    )
    for e in efforts:
        e_before = snapshot(e)
        e.status = ResolutionStatus.FAILED
        e.concluded_date = ctx.today()
        e.failure_reason = e.failure_reason or "争议已进入复议或诉讼程序"
        await audit(ctx, "resolution.conclude", e, e_before)
        await emit_effort(ctx, EventKind.RESOLUTION_FAILED, e, ctx.today(), result=None)
