"""Prototype: the worker's scan as a handful of set-based statements (proposed for core/obligations/scan.py).

The current scan loads every open or overdue obligation due within 31 days as an ORM object, walks
each one's escalation chain with the calendar in Python, and inserts each planned notification with
its own ``INSERT … ON CONFLICT DO NOTHING`` — one round trip per notification, re-planned on every
scan, so its cost grows with the number of overdue obligations even when nothing new is due.

Here the calendar work is done once per scan, not once per obligation: because a due date counted
from a later date is never earlier, "step k of the chain has fired for an obligation due on d" is
``d <= T_k`` for a threshold date ``T_k`` found by walking back from today; the same holds for the
warning thresholds. Overdue marking is an ``UPDATE … RETURNING``; each (chain, step) is an ``INSERT …
SELECT … ON CONFLICT DO NOTHING RETURNING id`` for the obligations that reached the step and were
not yet notified of it (``escalation_level < k``), followed by an ``UPDATE`` raising their level;
each warning band is one ``INSERT … SELECT``. Marking goes in batches picked with ``ORDER BY …
LIMIT`` so PostgreSQL walks ix_obligations_status_due instead of trusting its row estimate (status
and due date are correlated: after a scan nothing open is past due, which the planner cannot know,
and a plain UPDATE read the whole table: 2-16 s at 1M with nothing to mark). The notifications are
the same rows the current scan writes (same dedupe keys, titles, bodies and recipients), which the
benchmarks check.

One deliberate difference: ``escalation_level`` is raised only for notifications actually sent, and
``escalation_level < k`` is what keeps a later scan from re-planning step k. (The current scan raises
it even when quiet hours defer a non-urgent message; with this prototype the deferred step is sent
at the first scan outside quiet hours, as now, because its level was not raised.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.calendar.rules import DueRule
from core.calendar.workdays import CalendarYearUnknown, WorkdayCalendar
from core.context import ServiceContext
from core.enums import NotificationKind, ObligationStatus, OfficialRank, Role
from core.obligations.models import Notification, Obligation
from core.obligations.scan import (
    ScanReport,
    _hearing_reminders,
    _Recipients,
    insert_notifications,
    is_quiet,
)
from core.obligations.service import emit_periodic
from core.org.models import Official
from core.policy.manager import Policy
from core.policy.types import EscalationChain, Recipient

# Obligations marked overdue per statement (each batch is picked through an index, see below).
BATCH = 5000
# How far back a threshold is looked for: far more than any chain's last step (10 working days).
MAX_LOOKBACK_DAYS = 400


def latest_due_for(calendar: WorkdayCalendar, rule: DueRule, today: dt.date) -> dt.date | None:
    """The latest due date ``d`` whose period ``rule`` counted from ``d`` ends on or before today."""
    day = today
    for _ in range(MAX_LOOKBACK_DAYS):
        try:
            if calendar.due_date(rule, day) <= today:
                return day
        except CalendarYearUnknown:
            pass
        day -= dt.timedelta(days=1)
    return None


def latest_due_warned(calendar: WorkdayCalendar, threshold: int, today: dt.date) -> dt.date | None:
    """The latest due date whose warning ``threshold`` working days before it is on or before today."""
    day = today + dt.timedelta(days=threshold * 3 + 30)
    for _ in range(MAX_LOOKBACK_DAYS):
        try:
            if calendar.add_working_days(day, -threshold) <= today:
                return day
        except CalendarYearUnknown:
            pass
        day -= dt.timedelta(days=1)
    return None


def _text(value: Any) -> Any:
    return cast(value, String)


async def _insert_select(ctx: ServiceContext, columns: dict[str, Any], where: Any) -> list[int]:
    """INSERT INTO notifications (…) SELECT … FROM obligations WHERE … ON CONFLICT DO NOTHING."""
    dialect = ctx.session.bind.dialect.name if ctx.session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    source = select(*[value.label(name) for name, value in columns.items()]).where(where)
    stmt = (
        insert(Notification)
        .from_select(list(columns), source)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notification.id)
    )
    return list(await ctx.session.scalars(stmt))


class _Targets:
    """Recipients as SQL expressions over the obligation row."""

    def __init__(self, ctx: ServiceContext, jurisdiction_id: int) -> None:
        self.ctx = ctx
        self.jurisdiction_id = jurisdiction_id
        self.recipients = _Recipients(ctx, jurisdiction_id)
        self._head_of: dict[int, int] | None = None

    async def _heads(self) -> dict[int, int]:
        """Each unit's principal head (the lowest id, as the current scan picks)."""
        if self._head_of is None:
            rows = await self.ctx.session.execute(
                select(Official.unit_id, func.min(Official.id))
                .where(
                    Official.jurisdiction_id == self.jurisdiction_id,
                    Official.rank == OfficialRank.PRINCIPAL_HEAD,
                    Official.active.is_(True),
                )
                .group_by(Official.unit_id)
            )
            self._head_of = {unit_id: official_id for unit_id, official_id in rows.tuples()}
        return self._head_of

    async def of(self, recipient: Recipient) -> tuple[Any, Any, Any]:
        o = Obligation
        if recipient == Recipient.UNIT:
            role = case((o.unit_id.is_(None), Role.JUSTICE_STAFF.value), else_=Role.UNIT_CLERK.value)
            return role, o.unit_id, literal(None)
        if recipient == Recipient.UNIT_PRINCIPAL_HEAD:
            # A county has a few dozen units: their heads as a CASE, not a subquery per obligation row.
            heads = await self._heads()
            fallback = min(heads.values()) if heads else None
            head = case(heads, value=o.unit_id, else_=literal(fallback)) if heads else literal(None)
            return literal(Role.UNIT_CLERK.value), o.unit_id, head
        role_value, unit_id, official_id = await self.recipients.resolve(recipient, None)
        return (
            literal(role_value.value if role_value else None),
            literal(unit_id),
            literal(official_id),
        )


def _chains(policy: Policy) -> list[tuple[EscalationChain, Any]]:
    """Each escalation chain in use with the SQL condition selecting the obligations it applies to."""
    by_chain: dict[str, list[str]] = {}
    for rule in policy.deadline_rules:
        chain = policy.escalation_chain(rule.escalation)
        by_chain.setdefault(chain.id, []).append(rule.id)
    default = policy.escalation_chain(None)
    known = [r.id for r in policy.deadline_rules]
    result: list[tuple[EscalationChain, Any]] = []
    for chain_id, rule_ids in by_chain.items():
        chain = next(policy.escalation_chain(r.escalation) for r in policy.deadline_rules if r.id in rule_ids)
        condition: Any = Obligation.rule_id.in_(rule_ids)
        if chain_id == default.id:  # obligations of rules the policy no longer has use the default chain
            condition = or_(condition, Obligation.rule_id.not_in(known))
        result.append((chain, condition))
    if default.id not in by_chain:
        result.append((default, Obligation.rule_id.not_in(known)))
    return result


async def scan_jurisdiction_setbased(
    ctx: ServiceContext, jurisdiction_id: int, *, dry_run: bool = False
) -> ScanReport:
    """The same checks as ``core.obligations.scan.scan_jurisdiction``, set-based (dry run not supported)."""
    assert not dry_run, "the prototype writes"
    report = ScanReport(jurisdiction_id=jurisdiction_id)
    now = ctx.now()
    today = now.date()
    calendar = await ctx.calendar()
    policy = await ctx.policy(jurisdiction_id)
    report.periodic_created = len(await emit_periodic(ctx, jurisdiction_id, today))
    quiet = is_quiet(now, calendar)
    o = Obligation
    mine = and_(o.jurisdiction_id == jurisdiction_id, o.due_date.is_not(None))
    sendable = o.urgent.is_(True) if quiet else literal(True)

    # 1. Overdue marking: UPDATEs of at most BATCH rows picked in due-date order. ORDER BY … LIMIT
    # makes the planner walk ix_obligations_status_due whatever it estimates: with due dates and
    # statuses correlated (nothing open is overdue after a scan) its estimate is wildly off and a
    # plain UPDATE reads the whole table.
    marked: list[int] = []
    while True:
        batch = (
            select(o.id)
            .where(mine, o.status == ObligationStatus.OPEN, o.due_date < today)
            .order_by(o.due_date)
            .limit(BATCH)
        )
        ids = list(
            await ctx.session.scalars(
                update(o)
                .where(o.id.in_(batch.scalar_subquery()))
                .values(status=ObligationStatus.OVERDUE, version=o.version + 1, updated_at=now)
                .returning(o.id)
                .execution_options(synchronize_session=False)
            )
        )
        marked += ids
        if len(ids) < BATCH:
            break
    report.marked_overdue = len(marked)
    for ident in marked:
        ctx.changed("obligations", ident, jurisdiction_id)

    targets = _Targets(ctx, jurisdiction_id)
    sent: list[int] = []
    overdue = and_(mine, o.status == ObligationStatus.OVERDUE, sendable)
    # 2. Escalations: per chain and step, INSERT … SELECT for the obligations that reached the step
    # and have not been notified of it (escalation_level < step), then raise their level. (Batching
    # these like the marking was measured: at 1M the backlog scan went from 188 s to 633 s, as every
    # batch walked the index past the entries the previous batches had just made dead.)
    for chain, in_chain in _chains(policy):
        for level, step in enumerate(chain.steps, start=1):
            threshold = latest_due_for(calendar, step.after, today)
            if threshold is None:
                continue
            role, unit_id, official_id = await targets.of(step.recipient)
            title = func.substr(
                literal(f"【{step.action.label}】")
                + o.title
                + literal("（到期日")
                + _text(o.due_date)
                + literal("）"),
                1,
                200,
            )
            body = (
                literal(step.note_zh)
                if step.note_zh
                else literal("“") + o.title + literal("”已逾期，依据：") + o.citation
            )
            columns: dict[str, Any] = {
                "jurisdiction_id": literal(jurisdiction_id),
                "recipient_role": role,
                "recipient_unit_id": unit_id,
                "recipient_official_id": official_id,
                "kind": literal(step.action.value),
                "title": title,
                "body": body,
                "obligation_id": o.id,
                "subject_type": o.subject_type,
                "subject_id": o.subject_id,
                "rule_id": o.rule_id,
                "dedupe_key": literal("esc:")
                + _text(o.id)
                + literal(":")
                + _text(o.due_date)
                + literal(f":{level}"),
                "created_at": literal(now),
                "acknowledged_at": literal(None),
            }
            due = and_(overdue, in_chain, o.due_date <= threshold, o.escalation_level < level)
            sent += await _insert_select(ctx, columns, due)
            await ctx.session.execute(
                update(o)
                .where(due)
                .values(escalation_level=level, last_escalated_at=now, version=o.version + 1)
                .execution_options(synchronize_session=False)
            )

    # 3. Warnings: the nearest threshold reached, one INSERT … SELECT per band of due dates.
    bands: list[tuple[int, dt.date]] = []
    for days in sorted(policy.warning_thresholds):
        latest = latest_due_warned(calendar, days, today)
        if latest is not None and latest >= today:
            bands.append((days, latest))
    lower = today - dt.timedelta(days=1)
    leader = await targets.recipients.resolve(Recipient.COUNTY_LEADER_IN_CHARGE, None)
    for days, upper in bands:
        if upper <= lower:
            continue
        when = case(
            (o.due_date == today, literal("今天到期")),
            else_=literal("将于") + _text(o.due_date) + literal("到期"),
        )
        role = case(
            (o.unit_id.is_not(None), Role.UNIT_CLERK.value),
            (o.owner_role == "county_leader", Role.LEADER.value),
            else_=Role.JUSTICE_STAFF.value,
        )
        official = case((and_(o.unit_id.is_(None), o.owner_role == "county_leader"), leader[2]), else_=None)
        sent += await _insert_select(
            ctx,
            {
                "jurisdiction_id": literal(jurisdiction_id),
                "recipient_role": role,
                "recipient_unit_id": o.unit_id,
                "recipient_official_id": official,
                "kind": literal(NotificationKind.WARNING.value),
                "title": func.substr(literal("【临期预警】") + o.title + when, 1, 200),
                "body": literal("依据：") + o.citation,
                "obligation_id": o.id,
                "subject_type": o.subject_type,
                "subject_id": o.subject_id,
                "rule_id": o.rule_id,
                "dedupe_key": literal("warn:")
                + _text(o.id)
                + literal(":")
                + _text(o.due_date)
                + literal(f":{days}"),
                "created_at": literal(now),
                "acknowledged_at": literal(None),
            },
            and_(
                mine,
                o.status.in_((ObligationStatus.OPEN, ObligationStatus.OVERDUE)),
                o.due_date > lower,
                o.due_date <= upper,
                sendable,
            ),
        )
        lower = upper

    # 4. Hearing reminders: few rows (hearings of the next days); the current code as it is.
    hearing_planned = await _hearing_reminders(
        ctx, policy, calendar, targets.recipients, jurisdiction_id, today
    )
    report.planned = hearing_planned
    sent += await insert_notifications(
        ctx, jurisdiction_id, [p for p in hearing_planned if p.urgent or not quiet]
    )
    for ident in sent:
        ctx.changed("notifications", ident, jurisdiction_id)
    report.sent = sent
    return report


def main() -> None:
    """Time scans of one jurisdiction on an existing data set (``benchmarks/test_scan.py`` builds one)."""
    import argparse
    import asyncio
    import time

    from benchmarks.app import bench_clock_moment
    from core.clock import fixed_clock
    from core.config import Settings, normalise_database_url
    from core.db import make_engine, make_session_factory
    from core.obligations.scan import scan_jurisdiction
    from core.policy.manager import build_registry
    from core.principal import SYSTEM

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--jurisdiction", type=int, required=True)
    parser.add_argument("--current", action="store_true", help="time core/obligations/scan.py instead")
    parser.add_argument("--times", type=int, default=3, help="consecutive scans (default 3)")
    args = parser.parse_args()
    scan = scan_jurisdiction if args.current else scan_jurisdiction_setbased

    async def run() -> None:
        engine = make_engine(Settings(database_url=normalise_database_url(args.database_url)))
        registry = build_registry()
        try:
            for _ in range(max(1, min(args.times, 20))):
                started = time.perf_counter()
                async with make_session_factory(engine)() as session, session.begin():
                    ctx = ServiceContext(
                        session=session,
                        principal=SYSTEM,
                        registry=registry,
                        clock=fixed_clock(bench_clock_moment()),
                    )
                    report = await scan(ctx, args.jurisdiction)
                print(
                    f"{scan.__name__}: {time.perf_counter() - started:.2f} s, "
                    f"{report.marked_overdue} marked overdue, {len(report.sent)} sent"
                )
        finally:
            await engine.dispose()

    asyncio.run(run())


if __name__ == "__main__":
    main()
