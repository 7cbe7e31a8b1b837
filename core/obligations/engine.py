"""Turning events into obligations with the jurisdiction's rules, and fulfilling them.

Services call :func:`emit` after each state change. For the event's jurisdiction this:
1. marks open obligations on the same subject met when the event is one of their ``met_by``;
2. waives open obligations the event cancels (``cancelled_by``, or a hearing rescheduled/cancelled);
3. moves the due date of extendable obligations when a deadline is extended;
4. creates an obligation for every rule the event triggers (at most one per rule, subject and
   occurrence, so emitting the same periodic event twice creates nothing new).
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import Enum
from typing import TYPE_CHECKING

from sqlalchemy import select

from core.calendar.rules import DueRule
from core.calendar.workdays import CalendarYearUnknown, WorkdayCalendar
from core.enums import NotificationKind, ObligationStatus, Role
from core.obligations.models import DomainEvent, Notification, Obligation
from core.policy.manager import Policy
from core.policy.types import DeadlineRule, DeclaredKind, Event, EventKind, Owner, event_kind

if TYPE_CHECKING:
    from core.context import ServiceContext

ACTIVE = (ObligationStatus.OPEN, ObligationStatus.OVERDUE, ObligationStatus.PAUSED)
# Events that move the due date of the subject's extendable obligation to ``new_due_date``.
_EXTENSIONS = frozenset({EventKind.RESOLUTION_EXTENDED, EventKind.RECONSIDERATION_EXTENDED})
_SUBJECT_ENDS: dict[str, str] = {
    EventKind.HEARING_RESCHEDULED: "庭审已改期",
    EventKind.HEARING_CANCELLED: "庭审已取消",
}


async def emit(ctx: ServiceContext, event: Event) -> list[Obligation]:
    """Apply ``event`` to the obligations of its jurisdiction; return the obligations created."""
    _, created = await emit_recorded(ctx, event)
    return created


async def emit_recorded(ctx: ServiceContext, event: Event) -> tuple[DomainEvent, list[Obligation]]:
    """:func:`emit`, also returning the stored event (``recordPolicyEvent`` answers with it)."""
    row = DomainEvent(
        jurisdiction_id=event.jurisdiction_id,
        kind=event.kind.value,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        unit_id=event.unit_id,
        day=event.date,
        attributes={k: _plain(v) for k, v in event.attributes.items()},
    )
    ctx.session.add(row)
    declared = None
    if isinstance(event.kind, DeclaredKind) and "period" not in event.attributes:
        # Each recorded event of a plugin's own is its own occurrence: a unit criticised twice
        # owes two rectification plans (core events say theirs with a ``period`` attribute).
        await ctx.session.flush()
        declared = f"event {row.id}"
    created = await _apply(ctx, event, declared)
    return row, created


async def _apply(ctx: ServiceContext, event: Event, occurrence: str | None = None) -> list[Obligation]:
    policy = await ctx.policy(event.jurisdiction_id)
    calendar = await ctx.calendar()
    active = await _active_on_subject(ctx, event)
    for obligation in active:
        rule = policy.deadline_rule(obligation.rule_id)
        if rule is None:
            continue
        if any(m.matches(event) for m in rule.met_by) and _same_period(obligation, event):
            await _fulfil(ctx, policy, calendar, obligation, rule, event.date)
        elif event.kind in _SUBJECT_ENDS or any(m.matches(event) for m in rule.cancelled_by):
            _waive(obligation, _SUBJECT_ENDS.get(event.kind, f"{event.kind.value}：不再需要"), event.date)
        elif event.kind in _EXTENSIONS and rule.extension is not None:
            new_due = event.attributes.get("new_due_date")
            if isinstance(new_due, dt.date):
                obligation.due_date = new_due
                obligation.status = ObligationStatus.OPEN
                obligation.due_error = None
                obligation.due_overridden = True
                obligation.extensions_used += 1
    await _reopen(ctx, policy, event)
    created: list[Obligation] = []
    for rule in policy.rules_triggered_by(event):
        once = occurrence if rule.recurring is None else None
        new = await create_obligation(ctx, policy, calendar, rule, event, occurrence=once)
        if new is None:
            continue
        created.append(new)
        if any(m.matches(event) for m in rule.met_by):
            # The event is itself the report the rule asks for (e.g. a lawyer's report counted from
            # the day the firm took the case): met now, on time or late.
            await _fulfil(ctx, policy, calendar, new, rule, event.date)
        elif rule.met_by and (done_on := await _already_done(ctx, new, rule)) is not None:
            # The duty was done before the rule asked for it (a judgment filed before it took effect).
            await _fulfil(ctx, policy, calendar, new, rule, done_on)
    return created


async def _already_done(ctx: ServiceContext, obligation: Obligation, rule: DeadlineRule) -> dt.date | None:
    """The day an earlier event on the same subject already did what ``rule`` asks, if any.

    An event that already met another occurrence of the same rule is spent: one rectification
    plan filed after the first criticism does not answer a second one (issue 21, defect 1).
    """
    kinds = {m.kind.value for m in rule.met_by}
    spent: set[dt.date | None] = set(
        await ctx.session.scalars(
            select(Obligation.met_date).where(
                Obligation.jurisdiction_id == obligation.jurisdiction_id,
                Obligation.rule_id == obligation.rule_id,
                Obligation.subject_type == obligation.subject_type,
                Obligation.subject_id == obligation.subject_id,
                Obligation.id != obligation.id,
                Obligation.status.in_((ObligationStatus.MET, ObligationStatus.MET_LATE)),
                Obligation.met_date.is_not(None),
            )
        )
    )
    latest_spent = max((day for day in spent if day is not None), default=None)
    rows = await ctx.session.scalars(
        select(DomainEvent)
        .where(
            DomainEvent.subject_type == obligation.subject_type,
            DomainEvent.subject_id == obligation.subject_id,
            DomainEvent.kind.in_(kinds),
        )
        .order_by(DomainEvent.day, DomainEvent.id)
    )
    for row in rows:
        if latest_spent is not None and row.day <= latest_spent:
            continue  # on or before the day an earlier occurrence was met: that event was used
        past = Event(
            event_kind(row.kind),
            row.jurisdiction_id,
            row.day,
            row.subject_type,
            row.subject_id,
            row.unit_id,
            row.attributes,
        )
        if any(m.matches(past) for m in rule.met_by) and _same_period(obligation, past):
            return row.day
    return None


async def _reopen(ctx: ServiceContext, policy: Policy, event: Event) -> None:
    """Undo a met duty when ``event`` shows what met it does not count (``reopened_by``).

    E.g. Qiannan's identity check rejects the named person: the designation is to be done again
    ("发现不符合要求的立即通知行政机关更换人员"), so the designation duty is open again, and overdue
    when its day has passed, which the scan escalates (issue 21, defect 3).
    """
    rows = await ctx.session.scalars(
        select(Obligation).where(
            Obligation.jurisdiction_id == event.jurisdiction_id,
            Obligation.subject_type == event.subject_type,
            Obligation.subject_id == event.subject_id,
            Obligation.status.in_((ObligationStatus.MET, ObligationStatus.MET_LATE)),
        )
    )
    reopened: list[Notification] = []
    for obligation in rows:
        rule = policy.deadline_rule(obligation.rule_id)
        if rule is None or not any(m.matches(event) for m in rule.reopened_by):
            continue
        late = obligation.due_date is not None and obligation.due_date < event.date
        obligation.status = ObligationStatus.OVERDUE if late else ObligationStatus.OPEN
        obligation.met_date = None
        reason = _event_label(event)
        obligation.note = f"{reason}：已办结事项须重新办理"
        ctx.changed("obligations", obligation.id, obligation.jurisdiction_id)
        # The owner is told at once (Qiannan: 立即通知行政机关更换人员), not at the next escalation.
        reopened.append(
            Notification(
                jurisdiction_id=obligation.jurisdiction_id,
                recipient_role=Role.UNIT_CLERK if obligation.unit_id is not None else Role.JUSTICE_STAFF,
                recipient_unit_id=obligation.unit_id,
                kind=NotificationKind.REMINDER,
                title=f"请重新办理：{obligation.title}"[:200],
                body=f"“{obligation.title}”因{reason}须重新办理"
                + (f"，期限{obligation.due_date.isoformat()}" if obligation.due_date else "")
                + (f"。依据：{obligation.citation}" if obligation.citation else "。"),
                obligation_id=obligation.id,
                subject_type=obligation.subject_type,
                subject_id=obligation.subject_id,
                rule_id=obligation.rule_id,
                dedupe_key=f"reopen:{obligation.id}:{uuid.uuid4().hex}",
                created_at=ctx.now().astimezone(dt.UTC),
            )
        )
    if reopened:
        from core.notify.webhooks import enqueue_deliveries

        ctx.session.add_all(reopened)
        await ctx.session.flush()
        await enqueue_deliveries(ctx.session, reopened, now=ctx.now())
        for notification in reopened:
            ctx.changed("notifications", notification.id, notification.jurisdiction_id)


def _event_label(event: Event) -> str:
    """The event as users read it (the timeline's label), e.g. 出庭人员身份核验未通过."""
    from core.obligations.timeline import EVENT_LABELS

    kind = event.kind
    if kind == EventKind.HEARING_IDENTITY_CHECKED and event.attributes.get("verified") is False:
        return "出庭人员身份核验未通过"
    label = EVENT_LABELS.get(kind) if isinstance(kind, EventKind) else None
    return label or getattr(kind, "title_zh", None) or "相关事项变化"


def _plain(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


async def create_obligation(
    ctx: ServiceContext,
    policy: Policy,
    calendar: WorkdayCalendar,
    rule: DeadlineRule,
    event: Event,
    *,
    occurrence: str | None = None,
    trigger_date: dt.date | None = None,
) -> Obligation | None:
    """Create the obligation ``rule`` imposes for ``event`` unless it already exists."""
    occurrence = occurrence if occurrence is not None else _occurrence(rule, event)
    existing = await ctx.session.scalar(
        select(Obligation.id).where(
            Obligation.jurisdiction_id == event.jurisdiction_id,
            Obligation.rule_id == rule.id,
            Obligation.subject_type == event.subject_type,
            Obligation.subject_id == event.subject_id,
            Obligation.occurrence == occurrence,
        )
    )
    if existing is not None:
        return None
    start = trigger_date or event.anchor_date(rule.anchor)
    due = rule.recurring if (rule.recurring is not None and occurrence not in ("", "1")) else rule.due
    due_date, due_error = compute_due(calendar, due, start)
    waiting = False
    if rule.anchor_obligation is not None:
        found, other = await _anchor_date(
            ctx, policy, rule, event.jurisdiction_id, event.subject_type, event.subject_id
        )
        if found is not None:
            start = found
            due_date, due_error = compute_due(calendar, due, start)
        else:
            due_date, due_error, waiting = None, _waiting_text(policy, rule, other), True
    owner_unit = event.unit_id if rule.owner in (Owner.UNIT, Owner.COURT_LIAISON) else None
    owner_role = rule.owner.value
    if rule.owner is Owner.OFFICE and rule.owner_office is not None:
        # The unit the administrator mapped to the office owns it; unmapped, the justice bureau.
        from core.org.offices import office_target

        target = await office_target(ctx, event.jurisdiction_id, rule.owner_office)
        owner_unit = target[0] if target is not None else None
        owner_role = f"office:{rule.owner_office}"[:40]
    obligation = Obligation(
        jurisdiction_id=event.jurisdiction_id,
        unit_id=owner_unit,
        owner_role=owner_role,
        plugin=policy.name,
        rule_id=rule.id,
        title=rule.title_zh,
        title_en=rule.title_en,
        citation=str(rule.citation),
        event=event.kind.value,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        occurrence=occurrence,
        trigger_date=start,
        due_rule=due.to_dict(),
        due_date=due_date,
        due_error=due_error,
        calendar_version=calendar.version,
        status=ObligationStatus.OPEN,
        urgent=rule.urgent,
        # Waiting for another duty's date: not the calendar's to recompute from the trigger date.
        due_overridden=waiting,
    )
    ctx.session.add(obligation)
    await ctx.session.flush()
    ctx.changed("obligations", obligation.id, obligation.jurisdiction_id)
    await settle_followers(ctx, policy, calendar, obligation)
    return obligation


async def _anchor_date(
    ctx: ServiceContext,
    policy: Policy,
    rule: DeadlineRule,
    jurisdiction_id: int,
    subject_type: str,
    subject_id: int,
) -> tuple[dt.date | None, Obligation | None]:
    """The met or due date of the latest obligation ``rule`` is anchored on, on the same subject."""
    anchor = rule.anchor_obligation
    assert anchor is not None
    other = await ctx.session.scalar(
        select(Obligation)
        .where(
            Obligation.jurisdiction_id == jurisdiction_id,
            Obligation.rule_id == anchor.rule,
            Obligation.subject_type == subject_type,
            Obligation.subject_id == subject_id,
            Obligation.status != ObligationStatus.WAIVED,
        )
        .order_by(Obligation.id.desc())
        .limit(1)
    )
    if other is None:
        return None, None
    return (other.met_date if anchor.date == "met" else other.due_date), other


def _waiting_text(policy: Policy, rule: DeadlineRule, other: Obligation | None) -> str:
    assert rule.anchor_obligation is not None
    anchor = policy.deadline_rule(rule.anchor_obligation.rule)
    title = (
        other.title
        if other is not None
        else (anchor.title_zh if anchor is not None else rule.anchor_obligation.rule)
    )
    when = "办结" if rule.anchor_obligation.date == "met" else "确定期限"
    return f"待“{title}”{when}后起算"


async def settle_followers(
    ctx: ServiceContext, policy: Policy, calendar: WorkdayCalendar, obligation: Obligation
) -> None:
    """Give the obligations anchored on ``obligation`` their due dates once its date is known.

    Called when an obligation is created (for ``date="due"``) and when it is met, by its event or by
    hand (``date="met"``); the follower counts from that date (``trigger_date``) from then on.
    """
    for rule in policy.deadline_rules:
        anchor = rule.anchor_obligation
        if anchor is None or anchor.rule != obligation.rule_id:
            continue
        start = obligation.met_date if anchor.date == "met" else obligation.due_date
        if start is None:
            continue
        rows = await ctx.session.scalars(
            select(Obligation).where(
                Obligation.jurisdiction_id == obligation.jurisdiction_id,
                Obligation.rule_id == rule.id,
                Obligation.subject_type == obligation.subject_type,
                Obligation.subject_id == obligation.subject_id,
                Obligation.status.in_(ACTIVE),
                Obligation.due_date.is_(None),
            )
        )
        for follower in rows:
            follower.trigger_date = start
            follower.due_date, follower.due_error = compute_due(
                calendar, DueRule.from_dict(follower.due_rule), start
            )
            follower.due_overridden = False
            follower.calendar_version = calendar.version
            ctx.changed("obligations", follower.id, follower.jurisdiction_id)


def compute_due(
    calendar: WorkdayCalendar, rule: DueRule, start: dt.date
) -> tuple[dt.date | None, str | None]:
    """The due date, or ``None`` and the reason when the calendar does not know a year yet."""
    try:
        return calendar.due_date(rule, start), None
    except CalendarYearUnknown as exc:
        return None, exc.message_zh


_PERIODIC = frozenset(
    {
        EventKind.WEEK_START,
        EventKind.MONTH_START,
        EventKind.QUARTER_START,
        EventKind.HALF_YEAR_START,
        EventKind.YEAR_START,
        EventKind.QUARTER_END,
        EventKind.HALF_YEAR_END,
        EventKind.YEAR_END,
    }
)


def _same_period(obligation: Obligation, event: Event) -> bool:
    """A periodic duty is met only by the report for its own period (October's report is not September's)."""
    if obligation.event not in _PERIODIC:
        return True
    period = event.attributes.get("period")
    return period is None or str(period) == obligation.occurrence


def _occurrence(rule: DeadlineRule, event: Event) -> str:
    if rule.recurring is not None:
        return "1"
    period = event.attributes.get("period")
    return str(period) if period is not None else ""


async def _active_on_subject(ctx: ServiceContext, event: Event) -> list[Obligation]:
    rows = await ctx.session.scalars(
        select(Obligation).where(
            Obligation.jurisdiction_id == event.jurisdiction_id,
            Obligation.subject_type == event.subject_type,
            Obligation.subject_id == event.subject_id,
            Obligation.status.in_(ACTIVE),
        )
    )
    return list(rows)


async def _fulfil(
    ctx: ServiceContext,
    policy: Policy,
    calendar: WorkdayCalendar,
    obligation: Obligation,
    rule: DeadlineRule,
    on: dt.date,
) -> None:
    mark_met(obligation, on)
    await settle_followers(ctx, policy, calendar, obligation)
    ctx.changed("obligations", obligation.id, obligation.jurisdiction_id)
    if rule.recurring is not None and obligation.due_date is not None:
        # The next report of a recurring duty is counted from the previous due date.
        following = Event(
            kind=event_kind(obligation.event),
            jurisdiction_id=obligation.jurisdiction_id,
            date=obligation.due_date,
            subject_type=obligation.subject_type,
            subject_id=obligation.subject_id,
            unit_id=obligation.unit_id,
        )
        await create_obligation(
            ctx,
            policy,
            calendar,
            rule,
            following,
            occurrence=str(int(obligation.occurrence or "1") + 1),
            trigger_date=obligation.due_date,
        )


def mark_met(obligation: Obligation, on: dt.date) -> None:
    late = obligation.due_date is not None and on > obligation.due_date
    obligation.status = ObligationStatus.MET_LATE if late else ObligationStatus.MET
    obligation.met_date = on


def _waive(obligation: Obligation, reason: str, on: dt.date) -> None:
    obligation.status = ObligationStatus.WAIVED
    obligation.waived_reason = reason
    obligation.met_date = on
