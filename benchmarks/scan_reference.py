"""The worker's scan as it was before it became set-based: one obligation at a time, in Python.

Kept as the reference the set-based scan (``core/obligations/scan.py``) is checked against
(``benchmarks/test_scan.py``: both write the same notifications and leave the obligations in the
same state) and timed against. It loads every open or overdue obligation due within 31 days as an
ORM object, walks each overdue one's escalation chain with the calendar, and re-plans the escalation step
due now on every scan (one found overdue late gets that step only, never the
steps it missed), warnings on every scan (a repeated scan sends nothing new: the sent dedupe keys are
looked up in one query per 500 keys). Duties due before the go-live date are marked overdue but
never warned or escalated.

Differences from the core scan, by design: it raises ``escalation_level`` for steps that quiet hours
held back, and its ``ScanReport.planned`` counts every message re-planned, sent before or not.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.calendar.workdays import CalendarYearUnknown, WorkdayCalendar
from core.context import ServiceContext
from core.enums import NotificationKind, ObligationStatus
from core.obligations.models import Obligation
from core.obligations.scan import (
    LOOKAHEAD_DAYS,
    PlannedNotification,
    ScanReport,
    _hearing_reminders,
    _Recipients,
    announce,
    insert_notifications,
    is_quiet,
)
from core.obligations.service import emit_periodic
from core.policy.manager import Policy
from core.policy.types import EscalationStep, Recipient


async def scan_jurisdiction_reference(
    ctx: ServiceContext, jurisdiction_id: int, *, dry_run: bool = False
) -> ScanReport:
    """The per-obligation scan (dry run not supported)."""
    assert not dry_run, "the reference scan writes"
    report = ScanReport(jurisdiction_id=jurisdiction_id)
    now = ctx.now()
    today = now.date()
    calendar = await ctx.calendar()
    policy = await ctx.policy(jurisdiction_id)
    report.periodic_created = len(await emit_periodic(ctx, jurisdiction_id, today))
    recipients = _Recipients(ctx, jurisdiction_id)
    obligations = await ctx.session.scalars(
        select(Obligation).where(
            Obligation.jurisdiction_id == jurisdiction_id,
            Obligation.status.in_((ObligationStatus.OPEN, ObligationStatus.OVERDUE)),
            Obligation.due_date.is_not(None),
            Obligation.due_date <= today + dt.timedelta(days=LOOKAHEAD_DAYS),
        )
    )
    planned: list[PlannedNotification] = []
    go_live = (await ctx.jurisdiction(jurisdiction_id)).go_live_date
    for ob in obligations:
        assert ob.due_date is not None
        history = go_live is not None and ob.due_date < go_live
        if ob.due_date < today:
            if ob.status == ObligationStatus.OPEN:
                report.marked_overdue += 1
                ob.status = ObligationStatus.OVERDUE
                ctx.changed("obligations", ob.id, ob.jurisdiction_id)
            if not history:
                planned += await _escalations(ctx, policy, calendar, recipients, ob, today)
        elif not history:
            planned += await _warnings(policy, calendar, recipients, ob, today)
    planned += await _hearing_reminders(ctx, policy, calendar, recipients, jurisdiction_id, today, go_live)
    quiet = is_quiet(now, calendar)
    to_send = [p for p in planned if p.urgent or not quiet]
    report.planned = len(planned)
    report.deferred_quiet = len(planned) - len(to_send)
    await ctx.session.flush()
    report.sent = await insert_notifications(ctx, jurisdiction_id, to_send)
    await announce(ctx, jurisdiction_id, report.sent)
    return report


async def _escalations(
    ctx: ServiceContext,
    policy: Policy,
    calendar: WorkdayCalendar,
    recipients: _Recipients,
    ob: Obligation,
    today: dt.date,
) -> list[PlannedNotification]:
    assert ob.due_date is not None
    rule = policy.deadline_rule(ob.rule_id)
    chain = policy.escalation_chain(rule.escalation if rule else None)
    current: tuple[int, EscalationStep] | None = None
    for level, step in enumerate(chain.steps, start=1):
        try:
            fires_on = calendar.due_date(step.after, ob.due_date)
        except CalendarYearUnknown:
            continue
        if today < fires_on:
            break
        current = (level, step)
    if current is None:
        return []
    # Only the step due now: one found overdue late gets that step, not every step it missed.
    level, step = current
    if ob.escalation_level < level:
        ob.escalation_level = level
        ob.last_escalated_at = ctx.now()
    return [await _notify_step(recipients, ob, step, level)]


async def _notify_step(
    recipients: _Recipients, ob: Obligation, step: EscalationStep, level: int
) -> PlannedNotification:
    title = f"【{step.action.label}】{ob.title}（到期日{ob.due_date}）"
    body = step.note_zh or f"“{ob.title}”已逾期，依据：{ob.citation}"
    role, unit_id, official_id = await recipients.resolve(step.recipient, ob.unit_id)
    return PlannedNotification(
        dedupe_key=f"esc:{ob.id}:{ob.due_date}:{level}",
        kind=step.action,
        title=title[:200],
        body=body,
        recipient_role=role,
        recipient_unit_id=unit_id,
        recipient_official_id=official_id,
        obligation_id=ob.id,
        subject_type=ob.subject_type,
        subject_id=ob.subject_id,
        rule_id=ob.rule_id,
        urgent=ob.urgent,
    )


async def _warnings(
    policy: Policy, calendar: WorkdayCalendar, recipients: _Recipients, ob: Obligation, today: dt.date
) -> list[PlannedNotification]:
    assert ob.due_date is not None
    reached: list[int] = []
    for threshold in sorted(policy.warning_thresholds, reverse=True):
        try:
            warn_on = calendar.add_working_days(ob.due_date, -threshold)
        except CalendarYearUnknown:
            continue
        if today >= warn_on:
            reached.append(threshold)
    if not reached:
        return []
    threshold = min(reached)
    if ob.unit_id is not None:
        owner = Recipient.UNIT
    elif ob.owner_role == "county_leader":
        owner = Recipient.COUNTY_LEADER_IN_CHARGE
    else:
        owner = Recipient.JUSTICE_BUREAU
    role, unit_id, official_id = await recipients.resolve(owner, ob.unit_id)
    when = "今天到期" if ob.due_date == today else f"将于{ob.due_date}到期"
    return [
        PlannedNotification(
            dedupe_key=f"warn:{ob.id}:{ob.due_date}:{threshold}",
            kind=NotificationKind.WARNING,
            title=f"【临期预警】{ob.title}{when}"[:200],
            body=f"依据：{ob.citation}",
            recipient_role=role,
            recipient_unit_id=unit_id,
            recipient_official_id=official_id,
            obligation_id=ob.id,
            subject_type=ob.subject_type,
            subject_id=ob.subject_id,
            rule_id=ob.rule_id,
            urgent=ob.urgent,
        )
    ]
