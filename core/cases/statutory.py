"""The steps of the procedure laws the national deadlines hang on (issue 21).

行政诉讼法第六十七条: the complaint copy received, the defence submitted. 行政复议法第四十八条: the
application copy sent to the respondent, its written reply; 第六十二条: the decision period
extended once with approval. 行政诉讼法第八十五条: a first-instance decision unappealed when its
window ends takes effect (:func:`lapse_appeal_windows`, run by the worker's scan). Each step is
scoped, audited and emitted as an event, so the national rules in ``plugins.defaults.law`` create
and meet their obligations.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.audit.service import record as audit
from core.audit.service import snapshot
from core.calendar.workdays import CalendarYearUnknown
from core.cases.appeal import JUDGMENTS, RULINGS, appeal_window
from core.cases.models import LitigationCase, Outcome, ReconsiderationCase
from core.cases.service import case_event, mark_effective, recon_event
from core.common import check_version, get_visible, require_not_before, require_not_future, require_text
from core.context import ServiceContext
from core.enums import CaseStatus, Instance, ObligationStatus, ReconsiderationStatus
from core.errors import InvalidTransition, ValidationFailed
from core.obligations.engine import emit
from core.obligations.extension import check_extension
from core.obligations.models import Obligation
from core.policy.types import EventKind, ExtensionPolicy
from core.scoping import authorize

_OPEN_CASE = (CaseStatus.FILED, CaseStatus.NOTICE_RECEIVED, CaseStatus.IN_HEARING)


async def _case(ctx: ServiceContext, case_id: int, action: str, version: int | None) -> LitigationCase:
    c = await get_visible(ctx, LitigationCase, case_id, "诉讼案件", "caseId")
    authorize(ctx.principal, action, c.jurisdiction_id, c.unit_id)
    check_version(c, version, "LitigationCase")
    return c


async def _recon(ctx: ServiceContext, case_id: int, action: str, version: int | None) -> ReconsiderationCase:
    r = await get_visible(ctx, ReconsiderationCase, case_id, "复议案件", "caseId")
    authorize(ctx.principal, action, r.jurisdiction_id, r.unit_id)
    check_version(r, version, "ReconsiderationCase")
    return r


async def record_complaint_copy(
    ctx: ServiceContext, case_id: int, *, received_date: dt.date, version: int | None = None
) -> LitigationCase:
    """The defendant unit received the copy of the complaint (起诉状副本): the defence period starts."""
    c = await _case(ctx, case_id, "case.complaint_copy", version)
    if c.complaint_copy_date is not None:
        raise InvalidTransition("LitigationCase", c.status, "receive the complaint twice", "起诉状副本已登记")
    if c.status not in _OPEN_CASE:
        raise InvalidTransition(
            "LitigationCase", c.status, "receive a complaint copy", "案件已裁判，不能登记起诉状副本"
        )
    require_not_future(received_date, ctx.today(), "receivedDate", "收到起诉状副本日期")
    require_not_before(received_date, c.filed_date, "receivedDate", "收到起诉状副本日期", "立案日期")
    before = snapshot(c)
    c.complaint_copy_date = received_date
    await audit(ctx, "case.complaint_copy", c, before)
    await emit(ctx, case_event(EventKind.COMPLAINT_COPY_RECEIVED, c, received_date))
    return c


async def submit_defence(
    ctx: ServiceContext, case_id: int, *, submitted_date: dt.date, version: int | None = None
) -> LitigationCase:
    """The unit submitted its evidence, normative documents and statement of defence (答辩状) to the court."""
    c = await _case(ctx, case_id, "case.defence", version)
    if c.complaint_copy_date is None:
        raise InvalidTransition(
            "LitigationCase", c.status, "defend before the complaint", "尚未登记收到起诉状副本"
        )
    if c.defence_date is not None:
        raise InvalidTransition("LitigationCase", c.status, "defend twice", "答辩状已提交")
    require_not_future(submitted_date, ctx.today(), "submittedDate", "提交答辩状日期")
    require_not_before(
        submitted_date, c.complaint_copy_date, "submittedDate", "提交答辩状日期", "收到起诉状副本日期"
    )
    before = snapshot(c)
    c.defence_date = submitted_date
    await audit(ctx, "case.defence", c, before)
    await emit(ctx, case_event(EventKind.DEFENCE_SUBMITTED, c, submitted_date))
    return c


async def send_application_copy(
    ctx: ServiceContext,
    case_id: int,
    *,
    sent_date: dt.date,
    received_date: dt.date | None = None,
    version: int | None = None,
) -> ReconsiderationCase:
    """The reconsideration office sent the application copy to the respondent (received ``received_date``)."""
    r = await _recon(ctx, case_id, "reconsideration.decide", version)
    if r.status != ReconsiderationStatus.ACCEPTED:
        raise InvalidTransition(
            "ReconsiderationCase",
            r.status,
            "send the copy",
            "复议案件未受理或已审结，不能发送申请书副本",
        )
    if r.copy_sent_date is not None:
        raise InvalidTransition("ReconsiderationCase", r.status, "send the copy twice", "申请书副本已发送")
    today = ctx.today()
    require_not_future(sent_date, today, "sentDate", "发送申请书副本日期")
    require_not_before(sent_date, r.accepted_date, "sentDate", "发送申请书副本日期", "受理日期")
    received = received_date or sent_date
    require_not_future(received, today, "receivedDate", "被申请人收到副本日期")
    require_not_before(received, sent_date, "receivedDate", "被申请人收到副本日期", "发送日期")
    before = snapshot(r)
    r.copy_sent_date = sent_date
    r.copy_received_date = received
    await audit(ctx, "reconsideration.copy_sent", r, before)
    await emit(ctx, recon_event(EventKind.APPLICATION_COPY_SENT, r, sent_date, copy_received_date=received))
    return r


async def submit_written_reply(
    ctx: ServiceContext, case_id: int, *, submitted_date: dt.date, version: int | None = None
) -> ReconsiderationCase:
    """The respondent submitted its written reply (书面答复) with the evidence and grounds of its act."""
    r = await _recon(ctx, case_id, "reconsideration.reply", version)
    if r.copy_received_date is None:
        raise InvalidTransition(
            "ReconsiderationCase", r.status, "reply before the copy", "尚未发送申请书副本"
        )
    if r.reply_date is not None:
        raise InvalidTransition("ReconsiderationCase", r.status, "reply twice", "书面答复已提交")
    require_not_future(submitted_date, ctx.today(), "submittedDate", "提交书面答复日期")
    require_not_before(
        submitted_date, r.copy_received_date, "submittedDate", "提交书面答复日期", "收到申请书副本日期"
    )
    before = snapshot(r)
    r.reply_date = submitted_date
    await audit(ctx, "reconsideration.reply", r, before)
    await emit(ctx, recon_event(EventKind.WRITTEN_REPLY_SUBMITTED, r, submitted_date))
    return r


async def _decision_obligation(
    ctx: ServiceContext, r: ReconsiderationCase
) -> tuple[ExtensionPolicy, Obligation]:
    """The open obligation whose rule allows extending the decision period, with that rule's policy."""
    policy = await ctx.policy(r.jurisdiction_id)
    rows = await ctx.session.scalars(
        select(Obligation).where(
            Obligation.jurisdiction_id == r.jurisdiction_id,
            Obligation.subject_type == "reconsideration_case",
            Obligation.subject_id == r.id,
            Obligation.status.in_((ObligationStatus.OPEN, ObligationStatus.OVERDUE, ObligationStatus.PAUSED)),
        )
    )
    for ob in rows:
        rule = policy.deadline_rule(ob.rule_id)
        if rule is not None and rule.extension is not None:
            return rule.extension, ob
    raise ValidationFailed(
        "caseId", "该复议案件没有可以延长的审理期限", "the case has no open deadline that may be extended"
    )


async def extend_reconsideration(
    ctx: ServiceContext,
    case_id: int,
    *,
    new_due_date: dt.date,
    reason: str,
    approved_by: str,
    parties_notified: bool,
    approved_date: dt.date | None = None,
    version: int | None = None,
) -> ReconsiderationCase:
    """Extend the decision period once, approved by the office's head, with written notice to the parties."""
    r = await _recon(ctx, case_id, "reconsideration.extend", version)
    if r.status != ReconsiderationStatus.ACCEPTED:
        raise InvalidTransition(
            "ReconsiderationCase", r.status, "be extended", "只有已受理、尚未审结的复议案件可以延长审理期限"
        )
    approver = require_text(approved_by, "approvedBy", "批准延期的行政复议机构负责人", max_len=120)
    why = require_text(reason, "reason", "延期理由（情况复杂的具体情形）")
    if not parties_notified:
        raise ValidationFailed(
            "partiesNotified", "延长行政复议期限须书面告知当事人", "the parties must be told in writing"
        )
    approved = approved_date or ctx.today()
    require_not_future(approved, ctx.today(), "approvedDate", "批准延期日期")
    require_not_before(approved, r.accepted_date, "approvedDate", "批准延期日期", "受理日期")
    policy, obligation = await _decision_obligation(ctx, r)
    check_extension(
        policy,
        await ctx.calendar(),
        used=obligation.extensions_used,
        current_due=obligation.due_date,
        new_due=new_due_date,
        applicant_consent=True,
        centre_consent=True,
        court_informed=True,
    )
    before = snapshot(r)
    r.extended_due_date = new_due_date
    r.extension_approved_by = approver
    r.extension_reason = why
    await audit(ctx, "reconsideration.extend", r, before)
    await emit(ctx, recon_event(EventKind.RECONSIDERATION_EXTENDED, r, approved, new_due_date=new_due_date))
    return r


async def lapse_appeal_windows(ctx: ServiceContext, jurisdiction_id: int, today: dt.date) -> list[int]:
    """Make effective every first-instance decision whose appeal window ended before ``today`` unappealed.

    Returns the ids of the cases made effective. A window whose year the calendar does not know yet
    waits (the scan tries again once the year is declared).
    """
    appealed = select(LitigationCase.parent_case_id).where(LitigationCase.parent_case_id.is_not(None))
    rows = await ctx.session.execute(
        select(LitigationCase.id, Outcome.kind, Outcome.served_date, Outcome.received_date)
        .join(Outcome, Outcome.case_id == LitigationCase.id)
        .where(
            LitigationCase.jurisdiction_id == jurisdiction_id,
            LitigationCase.status == CaseStatus.CONCLUDED,
            LitigationCase.instance == Instance.FIRST,
            Outcome.kind.in_(JUDGMENTS | RULINGS),
            LitigationCase.id.not_in(appealed),
        )
        .order_by(LitigationCase.id)
    )
    calendar = await ctx.calendar()
    done: list[int] = []
    for case_id, kind, served, received in rows.all():
        window = appeal_window(kind)
        assert window is not None
        try:
            # Each party's window runs from its own service: the decision lapses after the last one.
            last_day = calendar.due_date(window, max(served or received, received))
        except CalendarYearUnknown:
            continue
        if last_day >= today:
            continue
        await mark_effective(ctx, case_id, effective_date=last_day + dt.timedelta(days=1), automatic=True)
        done.append(case_id)
    return done
