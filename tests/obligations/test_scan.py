"""The worker's scan: overdue marking, warnings before a breach, escalation along the chain (in order,
once), hearing reminders, quiet hours and dry runs — with frozen time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.cases import service as cases
from core.clock import CHINA, fixed_clock
from core.disputes import service as disputes
from core.enums import (
    ActionType,
    DisputeField,
    DisputeSource,
    NotificationKind,
    ObligationStatus,
    ResolutionStage,
    Role,
)
from core.notify.models import NotificationDelivery, WebhookEndpoint
from core.obligations import actions
from core.obligations.models import Notification, Obligation
from core.obligations.scan import scan_jurisdiction
from tests.support import make_org

D = dt.date


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=CHINA)


async def assigned_effort(ctx, org, assigned: dt.date):
    d = await disputes.record_dispute(
        ctx,
        disputes.DisputeInput(
            unit_id=org.agency.id,
            title="补偿争议",
            applicant_name="孙某",
            field=DisputeField.LAND_EXPROPRIATION,
            action_type=ActionType.EXPROPRIATION,
            source=DisputeSource.SCREENING,
            received_date=assigned,
        ),
    )
    return await disputes.assign_resolution(
        ctx, d.id, unit_id=org.agency.id, stage=ResolutionStage.PRE_FILING, assigned_date=assigned
    )


async def scan(ctx, org, moment: dt.datetime, dry_run: bool = False):
    ctx.clock = fixed_clock(moment)
    report = await scan_jurisdiction(ctx, org.jurisdiction.id, dry_run=dry_run)
    await ctx.session.flush()
    return report


async def notifications(ctx, subject_type: str | None = None) -> list[Notification]:
    stmt = select(Notification).order_by(Notification.id)
    if subject_type is not None:
        stmt = stmt.where(Notification.subject_type == subject_type)
    return list(await ctx.session.scalars(stmt))


async def test_warnings_then_escalation_in_order_and_only_once(make_ctx):
    ctx = make_ctx(today=D(2024, 9, 27))
    org = await make_org(ctx)
    # Assigned Fri 27 Sep 2024: accept within 3 working days → Sun 29 Sep (make-up day) , Mon 30 Sep, Tue 8 Oct.
    await assigned_effort(ctx, org, D(2024, 9, 27))
    ob = await ctx.session.scalar(select(Obligation).where(Obligation.rule_id == "testland.accept"))
    assert ob is not None and ob.due_date == D(2024, 10, 8)

    # Three working days before 8 Oct is Sun 29 Sep (a make-up working day): the first warning.
    report = await scan(ctx, org, at(D(2024, 9, 29)))
    assert [n.kind for n in await notifications(ctx)] == [NotificationKind.WARNING]
    assert report.sent and (await notifications(ctx))[0].recipient_role == Role.UNIT_CLERK
    # Scanning again the same day sends nothing new.
    await scan(ctx, org, at(D(2024, 9, 29), 15))
    assert len(await notifications(ctx)) == 1
    # One working day before (Mon 30 Sep; National Day 1–7 Oct is no working day): the second warning.
    await scan(ctx, org, at(D(2024, 9, 30)))
    assert [n.dedupe_key.rsplit(":", 1)[1] for n in await notifications(ctx)] == ["3", "1"]

    # The day after the due date: overdue, the unit is reminded (first step of the default chain).
    report = await scan(ctx, org, at(D(2024, 10, 9)))
    assert report.marked_overdue == 1 and ob.status == ObligationStatus.OVERDUE
    kinds = [n.kind for n in await notifications(ctx)]
    assert kinds == [NotificationKind.WARNING, NotificationKind.WARNING, NotificationKind.REMINDER]
    # Two working days after (Thu 10 Oct): the justice bureau; five (Tue 15 Oct): the county leader in charge.
    await scan(ctx, org, at(D(2024, 10, 10)))
    await scan(ctx, org, at(D(2024, 10, 15)))
    sent = await notifications(ctx)
    assert [n.kind for n in sent][3:] == [NotificationKind.ESCALATION, NotificationKind.ESCALATION]
    assert sent[3].recipient_role == Role.JUSTICE_STAFF
    assert sent[4].recipient_role == Role.LEADER and sent[4].recipient_official_id == org.county_leader.id
    assert ob.escalation_level == 3
    # Ten working days after: the principal county leader's interview, once, however often we scan.
    for day in (D(2024, 10, 23), D(2024, 10, 24), D(2024, 10, 25)):
        await scan(ctx, org, at(day))
    sent = await notifications(ctx)
    assert [n.kind for n in sent].count(NotificationKind.INTERVIEW) == 1
    assert len({n.dedupe_key for n in sent}) == len(sent) == 6


async def test_quiet_hours_and_rest_days_defer_non_urgent_messages(make_ctx):
    ctx = make_ctx(today=D(2024, 11, 18))
    org = await make_org(ctx)
    await assigned_effort(ctx, org, D(2024, 11, 18))  # due Thu 21 Nov
    night = await scan(ctx, org, at(D(2024, 11, 18), 22))
    # ``planned`` counts the messages due and not yet sent (the set-based scan does not load each one).
    assert night.planned and night.deferred_quiet == night.planned and await notifications(ctx) == []
    saturday = await scan(ctx, org, at(D(2024, 11, 23), 10))
    assert saturday.deferred_quiet and await notifications(ctx) == []
    # A held-back escalation step does not count as reached: the level rises when the step is sent.
    ob = await ctx.session.scalar(select(Obligation).where(Obligation.rule_id == "testland.accept"))
    assert ob is not None and ob.status == ObligationStatus.OVERDUE and ob.escalation_level == 0
    monday = await scan(ctx, org, at(D(2024, 11, 25), 9))
    assert monday.sent and monday.deferred_quiet == 0
    # Due Thu 21 Nov: the steps of Fri 22 and Mon 25 Nov are both due by Monday; only the one due
    # now (Monday's) is sent, not the missed one with it (the warnings' days have passed).
    assert [n.dedupe_key for n in await notifications(ctx)] == [f"esc:{ob.id}:2024-11-21:2"]
    assert ob.escalation_level == 2


async def test_dry_run_writes_nothing(make_ctx):
    ctx = make_ctx(today=D(2024, 11, 1))
    org = await make_org(ctx)
    await assigned_effort(ctx, org, D(2024, 11, 1))
    report = await scan(ctx, org, at(D(2024, 11, 20)), dry_run=True)
    assert report.planned and report.marked_overdue == 1 and report.sent == []
    assert await notifications(ctx) == []
    ob = await ctx.session.scalar(select(Obligation).where(Obligation.rule_id == "testland.accept"))
    assert ob is not None and ob.status == ObligationStatus.OPEN and ob.escalation_level == 0
    # What it would send is what a real scan then sends.
    would = sorted(p.dedupe_key for p in report.would_send)
    assert len(would) == report.planned and any(k.startswith(f"esc:{ob.id}:") for k in would)
    real = await scan(ctx, org, at(D(2024, 11, 20)))
    assert sorted(n.dedupe_key for n in await notifications(ctx)) == would and len(real.sent) == len(would)


async def test_hearing_reminders_a_week_and_a_day_before(make_ctx):
    ctx = make_ctx(today=D(2024, 11, 4))
    org = await make_org(ctx)
    effort = await assigned_effort(ctx, org, D(2024, 11, 1))
    case = await cases.file_litigation_case(
        ctx,
        effort.dispute_id,
        court="县人民法院",
        case_number="(2024)行初3号",
        plaintiff_name="孙某",
        filed_date=D(2024, 11, 4),
    )
    await cases.schedule_hearing(ctx, case.id, scheduled_at=dt.datetime(2024, 11, 20, 9, 30))
    await scan(ctx, org, at(D(2024, 11, 12)))
    assert await notifications(ctx, "hearing") == []
    await scan(ctx, org, at(D(2024, 11, 13), 7))  # a week before, early morning: hearings are urgent
    sent = await notifications(ctx, "hearing")
    assert [n.rule_id for n in sent] == ["testland.hearing_designate"]
    assert "确定出庭应诉负责人" in sent[0].title
    await scan(ctx, org, at(D(2024, 11, 19)))
    sent = await notifications(ctx, "hearing")
    assert [n.rule_id for n in sent] == ["testland.hearing_designate", "testland.hearing_phone"]
    await scan(ctx, org, at(D(2024, 11, 19), 16))
    assert len(await notifications(ctx, "hearing")) == 2


async def test_a_moved_due_date_is_escalated_again_from_the_first_step(make_ctx):
    ctx = make_ctx(today=D(2024, 9, 27))
    org = await make_org(ctx)
    await assigned_effort(ctx, org, D(2024, 9, 27))  # accept due Tue 8 Oct
    ob = await ctx.session.scalar(select(Obligation).where(Obligation.rule_id == "testland.accept"))
    assert ob is not None
    await scan(ctx, org, at(D(2024, 10, 10)))
    assert ob.escalation_level == 2
    # The assignment date was mistyped: counted from Wed 9 Oct the duty is due Sat 12 Oct (a make-up
    # working day); its steps fire on Mon 14 and Tue 15 Oct.
    await actions.correct_trigger_date(ctx, ob.id, trigger_date=D(2024, 10, 9), reason="录入错误")
    await ctx.session.flush()
    assert ob.due_date == D(2024, 10, 12) and ob.status == ObligationStatus.OPEN and ob.escalation_level == 0
    await scan(ctx, org, at(D(2024, 10, 15)))
    keys = [n.dedupe_key for n in await notifications(ctx, "resolution_effort") if n.kind != "warning"]
    # Each time found past two steps, it gets the one due now (the second), for each due date.
    assert keys[-2:] == [f"esc:{ob.id}:2024-10-08:2", f"esc:{ob.id}:2024-10-12:2"]
    assert ob.status == ObligationStatus.OVERDUE and ob.escalation_level == 2


async def test_scan_statements_do_not_grow_with_the_obligations(make_ctx, count_statements):
    """The scan is set-based: twice the overdue obligations, the same statements (and no more rounds)."""
    ctx = make_ctx(today=D(2024, 10, 14))
    org = await make_org(ctx)
    moment = at(D(2024, 11, 20))
    await scan(ctx, org, moment)  # periodic duties of the day, created once
    runs = []
    for efforts in (2, 8):
        for _ in range(efforts):
            await assigned_effort(ctx, org, D(2024, 10, 14))
        await ctx.session.flush()
        ctx.clock = fixed_clock(moment)
        with count_statements() as counter:
            report = await scan_jurisdiction(ctx, org.jurisdiction.id)
        runs.append((counter.count, report.marked_overdue, len(report.sent)))
    (few, few_marked, few_sent), (many, many_marked, many_sent) = runs
    assert many_marked == 4 * few_marked > 0 and many_sent == 4 * few_sent > 0
    assert few == many, "the scan's statements grew with the number of obligations"


async def test_webhook_deliveries_are_queued_for_what_the_scan_sends(make_ctx):
    ctx = make_ctx(today=D(2024, 10, 14))
    org = await make_org(ctx)
    hook = WebhookEndpoint(jurisdiction_id=org.jurisdiction.id, name="值班群", url="http://10.0.0.5/hook")
    ctx.session.add(hook)
    for _ in range(3):
        await assigned_effort(ctx, org, D(2024, 10, 14))
    report = await scan(ctx, org, at(D(2024, 11, 20)))
    deliveries = list(await ctx.session.scalars(select(NotificationDelivery)))
    # Three obligations a month overdue: each gets the step due now, one notification apiece.
    assert len(report.sent) >= 3
    assert sorted((d.notification_id, d.endpoint_id) for d in deliveries) == [
        (i, hook.id) for i in sorted(report.sent)
    ]
