"""The worker's scan: periodic duties, overdue marking, warnings, escalation and hearing reminders.

A scan of one jurisdiction runs in one transaction and is idempotent: every notification carries a
``dedupe_key`` that is unique in the database and inserted with ON CONFLICT DO NOTHING, so two
workers scanning at once, or a scan repeated after a crash, never send anything twice. State that a
scan derives (a reminder is due) comes from the database, so a restarted worker loses nothing.

The scan is **set-based**: its number of statements does not depend on the number of obligations.
The calendar work is done once per scan, not once per obligation. A due date counted from a later
date is never earlier, so "step k of an escalation chain has fired for an obligation due on d" is
``d <= T_k`` for a threshold date ``T_k`` found by walking back from today, and "warning threshold t
is reached" is ``d <= W_t`` likewise. Then:

1. overdue marking is an ``UPDATE … RETURNING`` of at most :data:`BATCH` rows picked with
   ``ORDER BY due_date LIMIT``, repeated until nothing is left. The ``LIMIT`` makes PostgreSQL walk
   ``ix_obligations_status_due`` whatever it estimates: status and due date are correlated (after a
   scan nothing open is past due) and a plain ``UPDATE`` read the whole table (2–16 s at 1M rows
   with nothing to mark);
2. each (escalation chain, step k) is one ``INSERT INTO notifications … SELECT … FROM obligations …
   ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`` for the overdue obligations of the chain due on
   or before ``T_k`` with ``escalation_level < k``, followed by one ``UPDATE`` raising those
   obligations' ``escalation_level`` to k. ``ix_obligations_escalation`` (jurisdiction, status,
   escalation level, due date) keeps these to the few obligations that have not reached the step.
   Step k selects only obligations that have not also reached step k+1 (``T_{k+1} < d <= T_k``):
   one found overdue late (a first scan, a worker down for days, a duty entered after the fact)
   gets the step due now, once, never the steps it missed in one burst;
3. each band of due dates between two warning thresholds is one ``INSERT … SELECT``;
4. hearing reminders (a few hearings of the coming days) are planned in Python as before.

``escalation_level`` is the number of steps of the chain notified for the obligation's current due
date, and is raised only for notifications actually sent: a non-urgent step held back by quiet hours
leaves it alone, and the first scan outside quiet hours sends the step. Moving an obligation's due
date resets it to 0 (``core.obligations.models``), so a deadline that was extended and then missed
again is escalated again from the first step, with new dedupe keys. Lowering it is always safe:
a step whose notification exists is not sent twice (dedupe key), only its level is raised again.

Inserts select only rows whose dedupe key is absent (``NOT EXISTS``) besides ``ON CONFLICT``:
PostgreSQL draws an id from the sequence for every row an ``INSERT`` proposes, conflicting or not,
and re-proposing the obligations of a warning band every minute would burn the 32-bit ids in
about a year.

A duty due before the jurisdiction's go-live date (``Jurisdiction.go_live_date``) is history: it is
marked overdue like any other (the indicators count it from its dates) but never warned or
escalated, and hearings before that day get no reminders.

A dry run (``dry_run=True``) runs the same selections as ``SELECT`` statements and writes nothing:
it counts what would be marked overdue and lists what would be sent in ``ScanReport.would_send``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar.rules import DueRule
from core.calendar.workdays import CalendarYearUnknown, WorkdayCalendar
from core.cases.models import Hearing
from core.cases.statutory import lapse_appeal_windows
from core.clock import CHINA
from core.context import ServiceContext
from core.db import dialect_insert, utcnow
from core.enums import HearingStatus, NotificationKind, ObligationStatus, OfficialRank, Role
from core.notify.models import WebhookEndpoint
from core.notify.webhooks import enqueue_deliveries_by_id
from core.obligations.models import Notification, Obligation
from core.obligations.service import emit_periodic
from core.org.models import Official
from core.policy.manager import Policy
from core.policy.types import RECIPIENT_LABELS, EscalationChain, EscalationStep, Recipient

log = logging.getLogger("caseload.worker")

# Quiet hours: non-urgent messages wait for a working day between these times (China time).
WORKDAY_START = dt.time(8, 30)
WORKDAY_END = dt.time(18, 0)
# How far ahead a scan warns of due dates (the largest warning threshold fits well inside).
LOOKAHEAD_DAYS = 31
# Obligations marked overdue per statement (each batch is picked through an index, see above).
BATCH = 5000
# How far back a threshold date is looked for: far more than any chain's last step.
MAX_LOOKBACK_DAYS = 400

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
    judgments_effective: int = 0  # first-instance decisions whose appeal window lapsed
    marked_overdue: int = 0
    # Messages due now and not sent before: those sent (or, in a dry run, to be sent) and those
    # deferred by quiet hours.
    planned: int = 0
    deferred_quiet: int = 0
    sent: list[int] = field(default_factory=list)
    # Dry run only: what would be sent now.
    would_send: list[PlannedNotification] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        sent = len(self.would_send) if self.dry_run else len(self.sent)
        return (
            f"jurisdiction {self.jurisdiction_id}: {sent} sent, {self.planned} planned, "
            f"{self.deferred_quiet} deferred (quiet hours), {self.marked_overdue} newly overdue, "
            f"{self.periodic_created} periodic duties, {self.judgments_effective} judgments effective"
            + (" [dry run]" if self.dry_run else "")
        )


def is_quiet(now: dt.datetime, calendar: WorkdayCalendar) -> bool:
    """Outside working hours, or on a rest day or holiday."""
    local = now.astimezone(CHINA)
    try:
        working = calendar.is_working_day(local.date())
    except CalendarYearUnknown:
        working = local.weekday() < 5
    return not working or not (WORKDAY_START <= local.time() < WORKDAY_END)


# ---------------------------------------------------------------------------------------------
# Threshold dates: the calendar work, once per scan
# ---------------------------------------------------------------------------------------------


def latest_due_escalated(calendar: WorkdayCalendar, after: DueRule, today: dt.date) -> dt.date | None:
    """The latest due date ``d`` for which the period ``after`` counted from ``d`` ends on or before today."""
    day = today
    for _ in range(MAX_LOOKBACK_DAYS):
        try:
            if calendar.due_date(after, day) <= today:
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


def _chains(policy: Policy) -> list[tuple[EscalationChain, ColumnElement[bool]]]:
    """Each escalation chain in use, with the condition selecting the obligations it applies to."""
    rules_of: dict[str, list[str]] = {}
    chain_of: dict[str, EscalationChain] = {}
    for rule in policy.deadline_rules:
        chain = policy.escalation_chain(rule.escalation)
        rules_of.setdefault(chain.id, []).append(rule.id)
        chain_of[chain.id] = chain
    default = policy.escalation_chain(None)
    known = [r.id for r in policy.deadline_rules]
    # Obligations of rules the policy no longer has escalate along the default chain.
    orphans = Obligation.rule_id.not_in(known) if known else true()
    result: list[tuple[EscalationChain, ColumnElement[bool]]] = []
    for chain_id, rule_ids in rules_of.items():
        condition: ColumnElement[bool] = Obligation.rule_id.in_(rule_ids)
        if chain_id == default.id:
            condition = or_(condition, orphans)
        result.append((chain_of[chain_id], condition))
    if default.id not in rules_of:
        result.append((default, orphans))
    return result


# ---------------------------------------------------------------------------------------------
# The messages as SQL over the obligation row
# ---------------------------------------------------------------------------------------------


@dataclass
class _Source:
    """One kind of message: its notification columns over ``obligations`` and the rows it goes to."""

    columns: dict[str, Any]
    where: ColumnElement[bool]
    # For an escalation step: the level its obligations reach once notified.
    level: int | None = None


class _Sql:
    """Dialect-specific pieces of the statements."""

    def __init__(self, ctx: ServiceContext) -> None:
        bind = ctx.session.bind
        self.postgresql = bind is not None and bind.dialect.name == "postgresql"
        self.session = ctx.session

    def text(self, value: Any) -> Any:
        return cast(value, String)

    def date_text(self, value: Any) -> Any:
        # Python's str(date): PostgreSQL's own text form of a date follows the DateStyle setting.
        return func.to_char(value, "YYYY-MM-DD") if self.postgresql else cast(value, String)

    def insert(self) -> Any:
        return dialect_insert(self.session)

    @asynccontextmanager
    async def index_probes(self, session: AsyncSession) -> AsyncIterator[None]:
        """PostgreSQL: plan the escalation and warning statements without sequential scans.

        Every one of them is meant to read through an index: the obligations through
        ``ix_obligations_escalation`` or ``ix_obligations_status_due``, the dedupe check (see
        :func:`_not_sent`) through ``uq_notifications_dedupe_key``. The planner's estimates say
        otherwise exactly when it matters: statistics taken while the notifications table was empty
        (a new database, the benchmark's reset) make a sequential scan of it look free, and the
        backlog scan's first step then re-read the notifications it had just inserted once per
        obligation — quadratic, cancelled after minutes at 1M. JIT is off as well: the warning
        bands' estimated costs pass ``jit_above_cost``, and compiling them cost more than running them
        (steady scan at 1M: 4.96, 1.31, 0.64 s in a new connection with JIT, 0.73, 0.46, 0.53 s
        without). Both are set for the transaction (``set_config(…, true)``) and put back afterwards.
        """
        if not self.postgresql:
            yield
            return
        settings = ("enable_seqscan", "jit")
        # The current values are read before the new ones are set (target list order).
        row = (
            await session.execute(
                select(
                    *[func.current_setting(name) for name in settings],
                    *[func.set_config(name, "off", True) for name in settings],
                )
            )
        ).one()
        before = row[: len(settings)]
        try:
            yield
        finally:
            await session.execute(
                select(
                    *[
                        func.set_config(name, value, True)
                        for name, value in zip(settings, before, strict=True)
                    ]
                )
            )


class _Targets:
    """Recipients as SQL expressions over the obligation row (what ``_Recipients`` resolves per row)."""

    def __init__(self, ctx: ServiceContext, jurisdiction_id: int, recipients: _Recipients) -> None:
        self.ctx = ctx
        self.jurisdiction_id = jurisdiction_id
        self.recipients = recipients

    async def _heads(self) -> dict[int | None, int]:
        """Each unit's principal head (the lowest id, as ``_Recipients`` picks)."""
        rows = await self.ctx.session.execute(
            select(Official.unit_id, func.min(Official.id))
            .where(
                Official.jurisdiction_id == self.jurisdiction_id,
                Official.rank == OfficialRank.PRINCIPAL_HEAD,
                Official.active.is_(True),
            )
            .group_by(Official.unit_id)
        )
        return {unit_id: official_id for unit_id, official_id in rows.tuples()}

    async def of(self, recipient: Recipient, office: str | None = None) -> tuple[Any, Any, Any]:
        o = Obligation
        if recipient == Recipient.OFFICE and office is not None:
            # The unit (and official) the administrator mapped to the office; unmapped: the bureau.
            from core.org.offices import office_target

            target = await office_target(self.ctx, self.jurisdiction_id, office)
            if target is not None:
                return (
                    literal(Role.UNIT_CLERK.value, String),
                    literal(target[0], Integer),
                    literal(target[1], Integer),
                )
            return literal(Role.JUSTICE_STAFF.value, String), literal(None, Integer), literal(None, Integer)
        if recipient == Recipient.UNIT:
            role = case((o.unit_id.is_(None), Role.JUSTICE_STAFF.value), else_=Role.UNIT_CLERK.value)
            return role, o.unit_id, cast(null(), Integer)
        if recipient == Recipient.UNIT_PRINCIPAL_HEAD:
            # A county has a few dozen units: their heads as a CASE, not a subquery per obligation row.
            heads = await self._heads()
            anyone = min(heads.values()) if heads else None
            per_unit = {unit: head for unit, head in heads.items() if unit is not None}
            head: Any = case(
                (o.unit_id.is_(None), literal(anyone, Integer)),
                else_=case(per_unit, value=o.unit_id, else_=cast(null(), Integer))
                if per_unit
                else cast(null(), Integer),
            )
            return literal(Role.UNIT_CLERK.value, String), o.unit_id, head
        role_value, unit_id, official_id = await self.recipients.resolve(recipient, None)
        return (
            literal(role_value.value if role_value else None, String),
            literal(unit_id, Integer),
            literal(official_id, Integer),
        )


def _dedupe_key(sql: _Sql, prefix: str, suffix: str) -> Any:
    o = Obligation
    return (
        literal(f"{prefix}:", String)
        + sql.text(o.id)
        + literal(":", String)
        + sql.date_text(o.due_date)
        + literal(f":{suffix}", String)
    )


def _not_sent(key: Any) -> ColumnElement[bool]:
    """No notification has the dedupe key ``key`` (an expression over the obligation row).

    ``OFFSET 0`` keeps PostgreSQL from turning the ``NOT EXISTS`` into an anti-join, whose kind the
    planner picks from estimates (a hash or merge anti-join reads every notification however few
    obligations are selected): it stays one probe of ``uq_notifications_dedupe_key`` per selected
    obligation (with :meth:`_Sql.index_probes`). SQLite runs the subquery as written, a probe of the
    same index.
    """
    return ~exists(select(literal(1)).where(Notification.dedupe_key == key).offset(0))


async def _escalation_sources(
    sql: _Sql,
    policy: Policy,
    calendar: WorkdayCalendar,
    targets: _Targets,
    overdue: ColumnElement[bool],
    today: dt.date,
) -> list[_Source]:
    o = Obligation
    sources: list[_Source] = []
    for chain, in_chain in _chains(policy):
        # A step fires only after every earlier step has (the per-obligation walk stopped at the
        # first step not due yet): the threshold is the smallest of the chain's thresholds so far.
        reached: dt.date | None = None
        steps: list[tuple[int, EscalationStep, dt.date]] = []
        for level, step in enumerate(chain.steps, start=1):
            threshold = latest_due_escalated(calendar, step.after, today)
            if threshold is None:
                continue
            reached = threshold if reached is None else min(reached, threshold)
            steps.append((level, step, reached))
        for index, (level, step, reached) in enumerate(steps):
            role, unit_id, official_id = await targets.of(step.recipient, step.office)
            title = func.substr(
                literal(f"【{step.action.label}】", String)
                + o.title
                + literal("（到期日", String)
                + sql.date_text(o.due_date)
                + literal("）", String),
                1,
                200,
            )
            body = (
                literal(step.note_zh, String)
                if step.note_zh
                else literal("“", String) + o.title + literal("”已逾期，依据：", String) + o.citation
            )
            columns = {
                "recipient_role": role,
                "recipient_unit_id": unit_id,
                "recipient_official_id": official_id,
                "kind": literal(step.action.value, String),
                "title": title,
                "body": body,
                "dedupe_key": _dedupe_key(sql, "esc", str(level)),
            }
            due = and_(overdue, in_chain, o.due_date <= reached, o.escalation_level < level)
            # Only the step due now: an obligation that has also reached a later step (found
            # overdue late — a first scan, a worker down for days, a duty entered after the fact)
            # gets that one, not every step it missed in one burst. Steps due on the same day (a
            # chain that acts all at once, Qiannan's "一直达") are one step: all of them go out.
            later = next((r for _, _, r in steps[index + 1 :] if r < reached), None)
            if later is not None:
                due = and_(due, o.due_date > later)
            if step.interviewer is not None:
                # The interviewer's own message goes first and leaves the level alone; the
                # interviewee's (below) raises it, so both go out for the same rows.
                sources.append(await _interviewer_source(sql, targets, step, columns, due, level))
                who = RECIPIENT_LABELS[step.interviewer]
                columns["body"] = columns["body"] + literal(f"（约谈人：{who}）", String)
            sources.append(_Source(columns, due, level))
    return sources


async def _interviewer_source(
    sql: _Sql, targets: _Targets, step: EscalationStep, columns: dict[str, Any], due: Any, level: int
) -> _Source:
    """The interviewer's notice of an interview step: whom to interview, about which duty."""
    assert step.interviewer is not None
    o = Obligation
    role, unit_id, official_id = await targets.of(step.interviewer)
    whom = RECIPIENT_LABELS[step.recipient]
    body = literal(f"请约谈{whom}：“", String) + o.title + literal("”已逾期，依据：", String) + o.citation
    return _Source(
        {
            **columns,
            "recipient_role": role,
            "recipient_unit_id": unit_id,
            "recipient_official_id": official_id,
            "body": body,
            "dedupe_key": _dedupe_key(sql, "esc", f"{level}i"),
        },
        due,
        None,
    )


async def _warning_sources(
    sql: _Sql,
    policy: Policy,
    calendar: WorkdayCalendar,
    targets: _Targets,
    mine: ColumnElement[bool],
    today: dt.date,
) -> list[_Source]:
    """Only the nearest threshold reached: a warning at 3 days and another at 1 day, not both at once."""
    o = Obligation
    horizon = today + dt.timedelta(days=LOOKAHEAD_DAYS)
    leader = await targets.recipients.resolve(Recipient.COUNTY_LEADER_IN_CHARGE, None)
    sources: list[_Source] = []
    lower = today - dt.timedelta(days=1)
    for days in sorted(set(policy.warning_thresholds)):
        upper = latest_due_warned(calendar, days, today)
        if upper is None:
            continue
        upper = min(upper, horizon)
        if upper <= lower:
            continue
        when = case(
            (o.due_date == today, literal("今天到期", String)),
            else_=literal("将于", String) + sql.date_text(o.due_date) + literal("到期", String),
        )
        role = case(
            (o.unit_id.is_not(None), Role.UNIT_CLERK.value),
            (o.owner_role == "county_leader", Role.LEADER.value),
            else_=Role.JUSTICE_STAFF.value,
        )
        official = case(
            (and_(o.unit_id.is_(None), o.owner_role == "county_leader"), literal(leader[2], Integer)),
            else_=cast(null(), Integer),
        )
        columns = {
            "recipient_role": role,
            "recipient_unit_id": o.unit_id,
            "recipient_official_id": official,
            "kind": literal(NotificationKind.WARNING.value, String),
            "title": func.substr(literal("【临期预警】", String) + o.title + when, 1, 200),
            "body": literal("依据：", String) + o.citation,
            "dedupe_key": _dedupe_key(sql, "warn", str(days)),
        }
        where = and_(
            mine,
            o.status.in_((ObligationStatus.OPEN, ObligationStatus.OVERDUE)),
            o.due_date > lower,
            o.due_date <= upper,
        )
        sources.append(_Source(columns, where))
        lower = upper
    return sources


def _row_columns(source: _Source, jurisdiction_id: int, now: dt.datetime) -> dict[str, Any]:
    o = Obligation
    return {
        "jurisdiction_id": literal(jurisdiction_id, Integer),
        **source.columns,
        "obligation_id": o.id,
        "subject_type": o.subject_type,
        "subject_id": o.subject_id,
        "rule_id": o.rule_id,
        "created_at": literal(now, Notification.created_at.type),
    }


# ---------------------------------------------------------------------------------------------
# The scan
# ---------------------------------------------------------------------------------------------


async def scan_jurisdiction(
    ctx: ServiceContext, jurisdiction_id: int, *, dry_run: bool = False
) -> ScanReport:
    """Run every check for one jurisdiction at ``ctx.now()``; in dry-run mode write nothing."""
    report = ScanReport(jurisdiction_id=jurisdiction_id, dry_run=dry_run)
    session = ctx.session
    now = ctx.now()
    today = now.date()
    calendar = await ctx.calendar()
    policy = await ctx.policy(jurisdiction_id)
    if not dry_run:
        # First-instance decisions whose appeal window lapsed take effect before duties are counted,
        # so the post-judgment duties they start are due from today's scan on.
        report.judgments_effective = len(await lapse_appeal_windows(ctx, jurisdiction_id, today))
        report.periodic_created = len(await emit_periodic(ctx, jurisdiction_id, today))
    await session.flush()
    quiet = is_quiet(now, calendar)
    sql = _Sql(ctx)
    o = Obligation
    mine = and_(o.jurisdiction_id == jurisdiction_id, o.due_date.is_not(None))
    past_due = and_(mine, o.status == ObligationStatus.OPEN, o.due_date < today)

    # 1. Overdue marking.
    if dry_run:
        report.marked_overdue = await session.scalar(select(func.count()).where(past_due)) or 0
        overdue = and_(mine, o.status.in_((ObligationStatus.OPEN, ObligationStatus.OVERDUE)))
    else:
        report.marked_overdue = await _mark_overdue(ctx, past_due, jurisdiction_id)
        overdue = and_(mine, o.status == ObligationStatus.OVERDUE)
    overdue = and_(overdue, o.due_date < today)

    # A duty due before the go-live date is history: marked overdue above (the indicators count it
    # as met late or not met, from its dates) but never warned or escalated.
    go_live = (await ctx.jurisdiction(jurisdiction_id)).go_live_date
    live: ColumnElement[bool] = o.due_date >= go_live if go_live is not None else true()

    # 2–3. Escalations and warnings, one statement (two for an escalation step) per source.
    recipients = _Recipients(ctx, jurisdiction_id)
    targets = _Targets(ctx, jurisdiction_id, recipients)
    sources = await _escalation_sources(sql, policy, calendar, targets, and_(overdue, live), today)
    sources += await _warning_sources(sql, policy, calendar, targets, and_(mine, live), today)
    sent: list[int] = []
    async with sql.index_probes(session):
        for source in sources:
            if dry_run:
                await _plan(ctx, source, jurisdiction_id, now, quiet, report)
            else:
                sent += await _send(ctx, sql, source, jurisdiction_id, now, quiet, report)

    # 4. Hearing reminders: a few hearings of the coming days, planned one by one.
    reminders = await _hearing_reminders(ctx, policy, calendar, recipients, jurisdiction_id, today, go_live)
    reminders = await _not_yet_sent(ctx, reminders)
    to_send = [p for p in reminders if p.urgent or not quiet]
    report.planned += len(reminders)
    report.deferred_quiet += len(reminders) - len(to_send)
    if dry_run:
        report.would_send += to_send
        for p in report.would_send:
            log.info(
                "[dry run] would send %s to %s/%s: %s",
                p.kind.value,
                p.recipient_role,
                p.recipient_unit_id,
                p.title,
            )
        return report
    sent += await insert_notifications(ctx, jurisdiction_id, to_send)
    report.sent = sent
    await announce(ctx, jurisdiction_id, sent)
    return report


async def _mark_overdue(ctx: ServiceContext, past_due: ColumnElement[bool], jurisdiction_id: int) -> int:
    """Mark open obligations past their due date overdue, BATCH at a time; return how many."""
    o = Obligation
    marked = 0
    while True:
        batch = select(o.id).where(past_due).order_by(o.due_date).limit(BATCH).scalar_subquery()
        ids = list(
            await ctx.session.scalars(
                update(o)
                .where(o.id.in_(batch))
                .values(status=ObligationStatus.OVERDUE, version=o.version + 1, updated_at=utcnow())
                .returning(o.id),
                execution_options={"synchronize_session": "fetch"},
            )
        )
        marked += len(ids)
        for ident in ids:
            ctx.changed("obligations", ident, jurisdiction_id)
        if len(ids) < BATCH:
            return marked


async def _send(
    ctx: ServiceContext,
    sql: _Sql,
    source: _Source,
    jurisdiction_id: int,
    now: dt.datetime,
    quiet: bool,
    report: ScanReport,
) -> list[int]:
    """INSERT … SELECT the source's notifications not sent yet; raise the escalation level of their rows."""
    o = Obligation
    session = ctx.session
    key = source.columns["dedupe_key"]
    where = source.where
    if quiet:
        held = await session.scalar(select(func.count()).where(where, o.urgent.is_not(True), _not_sent(key)))
        report.deferred_quiet += held or 0
        report.planned += held or 0
        where = and_(where, o.urgent.is_(True))
    columns = _row_columns(source, jurisdiction_id, now)
    rows = select(*[value.label(name) for name, value in columns.items()]).where(where, _not_sent(key))
    stmt = (
        sql.insert()(Notification)
        .from_select(list(columns), rows)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notification.id)
    )
    ids = list(await session.scalars(stmt))
    report.planned += len(ids)
    if source.level is not None:
        # Every row of the step now has its notification (sent now or before): raise its level.
        await session.execute(
            update(o)
            .where(where)
            .values(
                escalation_level=source.level,
                last_escalated_at=now,
                version=o.version + 1,
                updated_at=utcnow(),
            ),
            execution_options={"synchronize_session": "fetch"},
        )
    return ids


async def _plan(
    ctx: ServiceContext,
    source: _Source,
    jurisdiction_id: int,
    now: dt.datetime,
    quiet: bool,
    report: ScanReport,
) -> None:
    """Dry run: the source's notifications not sent yet, as PlannedNotification (nothing written)."""
    o = Obligation
    columns = _row_columns(source, jurisdiction_id, now)
    key = source.columns["dedupe_key"]
    rows = await ctx.session.execute(
        select(*[value.label(name) for name, value in columns.items()], o.urgent.label("urgent")).where(
            source.where, _not_sent(key)
        )
    )
    for row in rows.mappings():
        report.planned += 1
        if quiet and not row["urgent"]:
            report.deferred_quiet += 1
            continue
        report.would_send.append(
            PlannedNotification(
                dedupe_key=row["dedupe_key"],
                kind=NotificationKind(row["kind"]),
                title=row["title"],
                body=row["body"],
                recipient_role=Role(row["recipient_role"]) if row["recipient_role"] else None,
                recipient_unit_id=row["recipient_unit_id"],
                recipient_official_id=row["recipient_official_id"],
                obligation_id=row["obligation_id"],
                subject_type=row["subject_type"],
                subject_id=row["subject_id"],
                rule_id=row["rule_id"],
                urgent=bool(row["urgent"]),
            )
        )


async def _hearing_reminders(
    ctx: ServiceContext,
    policy: Policy,
    calendar: WorkdayCalendar,
    recipients: _Recipients,
    jurisdiction_id: int,
    today: dt.date,
    go_live: dt.date | None = None,
) -> list[PlannedNotification]:
    rules = policy.hearing_reminders
    if not rules:
        return []
    horizon = max(r.days_before * (2 if r.working_days else 1) for r in rules) + 1
    # Hearings before the go-live date are history, like the duties due before it.
    first_day = max(today, go_live) if go_live is not None else today
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=CHINA)
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


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _not_yet_sent(ctx: ServiceContext, planned: list[PlannedNotification]) -> list[PlannedNotification]:
    """The planned notifications whose dedupe key is not in the database, each key once."""
    sent: set[str] = set()
    keys = [p.dedupe_key for p in planned]
    for chunk in _chunks(keys, 500):
        sent.update(
            await ctx.session.scalars(
                select(Notification.dedupe_key).where(Notification.dedupe_key.in_(chunk))
            )
        )
    return list({p.dedupe_key: p for p in planned if p.dedupe_key not in sent}.values())


async def insert_notifications(
    ctx: ServiceContext, jurisdiction_id: int, planned: list[PlannedNotification]
) -> list[int]:
    """Insert each planned notification unless its dedupe key exists; return the ids inserted now.

    The caller announces them (:func:`announce`) once the scan's inserts are done.
    """
    planned = await _not_yet_sent(ctx, planned)
    if not planned:
        return []
    insert = _Sql(ctx).insert()
    now = ctx.now()
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
        for p in planned
    ]
    # ON CONFLICT DO NOTHING still guards against another worker inserting the same key meanwhile.
    stmt = (
        insert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(Notification.id)
    )
    return list(await ctx.session.scalars(stmt, rows))


async def announce(ctx: ServiceContext, jurisdiction_id: int, ids: list[int]) -> None:
    """Record the scan's new notifications for live updates and queue their webhook deliveries.

    Deliveries are queued in the scan's transaction: a notification is never without them.
    """
    if not ids:
        return
    for ident in ids:
        ctx.changed("notifications", ident, jurisdiction_id)
    endpoints = await ctx.session.scalar(
        select(
            exists().where(
                WebhookEndpoint.jurisdiction_id == jurisdiction_id, WebhookEndpoint.active.is_(True)
            )
        )
    )
    if endpoints:
        await enqueue_deliveries_by_id(ctx.session, ids, now=ctx.now())


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
        if recipient == Recipient.OFFICE:  # an office without its code: the justice bureau
            return Role.JUSTICE_STAFF, None, None
        return Role.LEADER, None, None
