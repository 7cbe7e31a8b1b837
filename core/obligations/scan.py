"""The worker's scan: periodic duties, overdue marking, warnings, escalation and hearing reminders.

A scan of one jurisdiction runs in one transaction and is idempotent: every notification carries a
``dedupe_key`` that is unique in the database and inserted with ON CONFLICT DO NOTHING, so two
workers scanning at once, or a scan repeated after a crash, never send anything twice. State that a
scan derives (a reminder is due) comes from the database, so a restarted worker loses nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.calendar.workdays import CalendarYearUnknown, WorkdayCalendar
from core.cases.models import Hearing
from core.clock import CHINA
from core.context import ServiceContext
from core.enums import HearingStatus, NotificationKind, ObligationStatus, OfficialRank, Role
from core.notify.webhooks import enqueue_deliveries_by_id
from core.obligations.models import Notification, Obligation
from core.obligations.service import emit_periodic
from core.org.models import Official
from core.policy.manager import Policy
from core.policy.types import EscalationStep, Recipient

log = logging.getLogger("caseload.worker")

# Quiet hours: non-urgent messages wait for a working day between these times (China time).
WORKDAY_START = dt.time(8, 30)
WORKDAY_END = dt.time(18, 0)
# How far ahead a scan looks for due dates (the largest warning threshold fits well inside).
LOOKAHEAD_DAYS = 31

REMINDER_TEXT = {
    "designate": "请确定出庭应诉负责人",
    "phone": "开庭提醒：请出庭负责人按时出庭",
    "identity_check": "请核验出庭人员是否为符合条件的负责人",
    "attendance_check": "请核实负责人是否实际出庭",
}


@dataclass
class PlannedNotification:
    dedupe_key: str
    kind: NotificationKind
    title: str
    body: str
    recipient_role: Role | None
    recipient_unit_id: int | None
    recipient_official_id: int | None
    obligation_id: int | None = None
    subject_type: str | None = None
    subject_id: int | None = None
    rule_id: str | None = None
    urgent: bool = False


@dataclass
class ScanReport:
    jurisdiction_id: int
    periodic_created: int = 0
    marked_overdue: int = 0
    planned: list[PlannedNotification] = field(default_factory=list)
    deferred_quiet: int = 0
    sent: list[int] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        return (
            f"jurisdiction {self.jurisdiction_id}: {len(self.sent)} sent, {len(self.planned)} planned, "
            f"{self.deferred_quiet} deferred (quiet hours), {self.marked_overdue} newly overdue, "
            f"{self.periodic_created} periodic duties" + (" [dry run]" if self.dry_run else "")
        )


def is_quiet(now: dt.datetime, calendar: WorkdayCalendar) -> bool:
    """Outside working hours, or on a rest day or holiday."""
    local = now.astimezone(CHINA)
    try:
        working = calendar.is_working_day(local.date())
    except CalendarYearUnknown:
        working = local.weekday() < 5
    return not working or not (WORKDAY_START <= local.time() < WORKDAY_END)


async def scan_jurisdiction(
    ctx: ServiceContext, jurisdiction_id: int, *, dry_run: bool = False
) -> ScanReport:
    """Run every check for one jurisdiction at ``ctx.now()``; in dry-run mode write nothing."""
    report = ScanReport(jurisdiction_id=jurisdiction_id, dry_run=dry_run)
    now = ctx.now()
    today = now.date()
    calendar = await ctx.calendar()
    policy = await ctx.policy(jurisdiction_id)
    if not dry_run:
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
    for ob in obligations:
        assert ob.due_date is not None
        if ob.due_date < today:
            if ob.status == ObligationStatus.OPEN:
                report.marked_overdue += 1
                if not dry_run:
                    ob.status = ObligationStatus.OVERDUE
                    ctx.changed("obligations", ob.id, ob.jurisdiction_id)
            report.planned += await _escalations(ctx, policy, calendar, recipients, ob, today, dry_run)
        else:
            report.planned += await _warnings(policy, calendar, recipients, ob, today)
    report.planned += await _hearing_reminders(ctx, policy, calendar, recipients, jurisdiction_id, today)
    quiet = is_quiet(now, calendar)
    to_send = [p for p in report.planned if p.urgent or not quiet]
    report.deferred_quiet = len(report.planned) - len(to_send)
    if dry_run:
        for p in to_send:
            log.info(
                "[dry run] would send %s to %s/%s: %s",
                p.kind.value,
                p.recipient_role,
                p.recipient_unit_id,
                p.title,
            )
        return report
    report.sent = await insert_notifications(ctx, jurisdiction_id, to_send)
    return report


async def _escalations(
    ctx: ServiceContext,
    policy: Policy,
    calendar: WorkdayCalendar,
    recipients: _Recipients,
    ob: Obligation,
    today: dt.date,
    dry_run: bool,
) -> list[PlannedNotification]:
    assert ob.due_date is not None
    rule = policy.deadline_rule(ob.rule_id)
    chain = policy.escalation_chain(rule.escalation if rule else None)
    planned: list[PlannedNotification] = []
    for level, step in enumerate(chain.steps, start=1):
        try:
            fires_on = calendar.due_date(step.after, ob.due_date)
        except CalendarYearUnknown:
            continue
        if today < fires_on:
            break
        planned += await _notify_step(recipients, ob, step, level)
        if not dry_run and ob.escalation_level < level:
            ob.escalation_level = level
            ob.last_escalated_at = ctx.now()
    return planned


async def _notify_step(
    recipients: _Recipients, ob: Obligation, step: EscalationStep, level: int
) -> list[PlannedNotification]:
    days_late = f"（到期日{ob.due_date}）"
    title = f"【{step.action.label}】{ob.title}{days_late}"
    body = step.note_zh or f"“{ob.title}”已逾期，依据：{ob.citation}"
    role, unit_id, official_id = await recipients.resolve(step.recipient, ob.unit_id)
    return [
        PlannedNotification(
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
    ]


async def _warnings(
    policy: Policy, calendar: WorkdayCalendar, recipients: _Recipients, ob: Obligation, today: dt.date
) -> list[PlannedNotification]:
    assert ob.due_date is not None
    planned: list[PlannedNotification] = []
    # Only the nearest threshold already reached: a warning at 3 days and another at 1 day, not both at once.
    reached: list[int] = []
    for threshold in sorted(policy.warning_thresholds, reverse=True):
        try:
            warn_on = calendar.add_working_days(ob.due_date, -threshold)
        except CalendarYearUnknown:
            continue
        if today >= warn_on:
            reached.append(threshold)
    if reached:
        threshold = min(reached)
        role, unit_id, official_id = await recipients.resolve(_owner_recipient(ob), ob.unit_id)
        when = "今天到期" if ob.due_date == today else f"将于{ob.due_date}到期"
        planned.append(
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
        )
    return planned


def _owner_recipient(ob: Obligation) -> Recipient:
    if ob.unit_id is not None:
        return Recipient.UNIT
    if ob.owner_role == "county_leader":
        return Recipient.COUNTY_LEADER_IN_CHARGE
    return Recipient.JUSTICE_BUREAU


async def _hearing_reminders(
    ctx: ServiceContext,
    policy: Policy,
    calendar: WorkdayCalendar,
    recipients: _Recipients,
    jurisdiction_id: int,
    today: dt.date,
) -> list[PlannedNotification]:
    rules = policy.hearing_reminders
    if not rules:
        return []
    horizon = max(r.days_before * (2 if r.working_days else 1) for r in rules) + 1
    start = dt.datetime.combine(today, dt.time(), tzinfo=CHINA)
    hearings = await ctx.session.scalars(
        select(Hearing).where(
            Hearing.jurisdiction_id == jurisdiction_id,
            Hearing.status == HearingStatus.SCHEDULED,
            Hearing.scheduled_at >= start,
            Hearing.scheduled_at < start + dt.timedelta(days=horizon + 1),
        )
    )
    planned: list[PlannedNotification] = []
    for hearing in hearings:
        hearing_day = hearing.scheduled_at.astimezone(CHINA).date()
        for rule in rules:
            try:
                remind_on = (
                    calendar.add_working_days(hearing_day, -rule.days_before)
                    if rule.working_days
                    else hearing_day - dt.timedelta(days=rule.days_before)
                )
            except CalendarYearUnknown:
                continue
            if not (remind_on <= today <= hearing_day):
                continue
            if rule.action == "designate" and hearing.designated_official_id is not None:
                continue
            recipient_official = hearing.designated_official_id if rule.action == "phone" else None
            role, unit_id, official_id = await recipients.resolve(Recipient.UNIT, hearing.unit_id)
            what = REMINDER_TEXT.get(rule.action, rule.title_zh)
            planned.append(
                PlannedNotification(
                    dedupe_key=f"hearing:{hearing.id}:{hearing_day}:{rule.id}",
                    kind=NotificationKind.REMINDER,
                    title=f"【庭审提醒】{hearing_day} {hearing.court}：{what}"[:200],
                    body=f"{rule.title_zh}。依据：{rule.citation}",
                    recipient_role=role,
                    recipient_unit_id=unit_id,
                    recipient_official_id=recipient_official or official_id,
                    subject_type="hearing",
                    subject_id=hearing.id,
                    rule_id=rule.id,
                    urgent=True,  # a hearing does not wait for office hours
                )
            )
    return planned


async def insert_notifications(
    ctx: ServiceContext, jurisdiction_id: int, planned: list[PlannedNotification]
) -> list[int]:
    """Insert each planned notification unless its dedupe key exists; return the ids inserted now."""
    if not planned:
        return []
    session = ctx.session
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = ctx.now()
    # Most planned messages of a repeated scan were sent before: one lookup instead of one insert each.
    sent: set[str] = set()
    keys = [p.dedupe_key for p in planned]
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        sent.update(
            await session.scalars(select(Notification.dedupe_key).where(Notification.dedupe_key.in_(chunk)))
        )
    rows: list[dict[str, Any]] = [
        {
            "jurisdiction_id": jurisdiction_id,
            "recipient_role": p.recipient_role,
            "recipient_unit_id": p.recipient_unit_id,
            "recipient_official_id": p.recipient_official_id,
            "kind": p.kind,
            "title": p.title,
            "body": p.body,
            "obligation_id": p.obligation_id,
            "subject_type": p.subject_type,
            "subject_id": p.subject_id,
            "rule_id": p.rule_id,
            "dedupe_key": p.dedupe_key,
            "created_at": now,
        }
        for p in {p.dedupe_key: p for p in planned if p.dedupe_key not in sent}.values()
    ]
    created: list[int] = []
    if rows:
        # ON CONFLICT DO NOTHING still guards against another worker inserting the same key meanwhile.
        stmt = (
            insert(Notification)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Notification.id)
        )
        created = list(await session.scalars(stmt, rows))
        for new_id in created:
            ctx.changed("notifications", new_id, jurisdiction_id)
    if created:
        # Webhook deliveries are queued in the same transaction: a notification is never without them.
        await enqueue_deliveries_by_id(session, created, now=now)
    return created


class _Recipients:
    """Resolves escalation recipients to a role, a unit and (where one exists) a named official."""

    def __init__(self, ctx: ServiceContext, jurisdiction_id: int) -> None:
        self._ctx = ctx
        self._jurisdiction_id = jurisdiction_id
        self._officials: dict[tuple[OfficialRank, int | None], int | None] = {}

    async def _official(self, rank: OfficialRank, unit_id: int | None) -> int | None:
        key = (rank, unit_id)
        if key not in self._officials:
            stmt = select(Official.id).where(
                Official.jurisdiction_id == self._jurisdiction_id,
                Official.rank == rank,
                Official.active.is_(True),
            )
            if unit_id is not None:
                stmt = stmt.where(Official.unit_id == unit_id)
            self._officials[key] = await self._ctx.session.scalar(stmt.order_by(Official.id).limit(1))
        return self._officials[key]

    async def resolve(
        self, recipient: Recipient, unit_id: int | None
    ) -> tuple[Role | None, int | None, int | None]:
        if recipient == Recipient.UNIT:
            return (
                (Role.UNIT_CLERK, unit_id, None) if unit_id is not None else (Role.JUSTICE_STAFF, None, None)
            )
        if recipient == Recipient.UNIT_PRINCIPAL_HEAD:
            return Role.UNIT_CLERK, unit_id, await self._official(OfficialRank.PRINCIPAL_HEAD, unit_id)
        if recipient == Recipient.JUSTICE_BUREAU:
            return Role.JUSTICE_STAFF, None, None
        if recipient == Recipient.COUNTY_LEADER_IN_CHARGE:
            return Role.LEADER, None, await self._official(OfficialRank.COUNTY_LEADER_IN_CHARGE, None)
        if recipient == Recipient.COUNTY_PRINCIPAL_LEADER:
            return Role.LEADER, None, await self._official(OfficialRank.COUNTY_PRINCIPAL_LEADER, None)
        return Role.LEADER, None, None
