"""History without false alarms: a jurisdiction's go-live date, and duties found overdue late.

A duty due before the go-live date counts in the indicators but is never warned or escalated; a duty
found overdue late (entered after the fact, a first scan, a worker down for days) gets the escalation
step due now, once, never every step it missed in one burst.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.cases.models import Hearing
from core.clock import fixed_clock
from core.enums import ObligationStatus
from core.errors import ValidationFailed
from core.indicators import service as indicators
from core.obligations.models import Notification, Obligation
from core.obligations.scan import scan_jurisdiction
from core.org.service import set_go_live_date
from tests.conftest import CtxFactory
from tests.indicators.qiannan_2021 import EXPECTED, JAN_AUG_2021, record_jan_aug_2021
from tests.obligations.test_scan import assigned_effort, at, notifications, scan
from tests.support import make_org

D = dt.date


async def test_a_late_entry_gets_only_the_step_due_now_once_per_scan(make_ctx: CtxFactory):
    ctx = make_ctx(today=D(2024, 11, 20))
    org = await make_org(ctx)
    await set_go_live_date(ctx, org.jurisdiction.id, go_live_date=D(2024, 10, 1))
    # Entered on Wed 20 Nov after the fact: assigned Mon 14 Oct, accepting was due Thu 17 Oct — more
    # than ten working days ago, so every step of the default chain is past.
    old = await assigned_effort(ctx, org, D(2024, 10, 14))
    # Assigned Wed 13 Nov: due Mon 18 Nov; by Wed 20 Nov the second step (two working days) is due.
    recent = await assigned_effort(ctx, org, D(2024, 11, 13))
    await ctx.session.flush()

    def accept_duty(effort_id: int) -> Obligation:
        return next(o for o in duties if o.subject_id == effort_id and o.rule_id == "testland.accept")

    duties = list(await ctx.session.scalars(select(Obligation)))
    old_duty, recent_duty = accept_duty(old.id), accept_duty(recent.id)
    assert (old_duty.due_date, recent_duty.due_date) == (D(2024, 10, 17), D(2024, 11, 18))

    async def steps_sent(duty: Obligation) -> list[str]:
        return [
            n.dedupe_key.rsplit(":", 1)[1]
            for n in await notifications(ctx)
            if n.obligation_id == duty.id and n.dedupe_key.startswith("esc:")
        ]

    await scan(ctx, org, at(D(2024, 11, 20)))
    # One notification each: the old one the principal leader's interview, the recent one step 2.
    assert await steps_sent(old_duty) == ["4"]
    assert await steps_sent(recent_duty) == ["2"]
    assert (old_duty.escalation_level, recent_duty.escalation_level) == (4, 2)
    # Scanning again sends nothing; later scans send each later step on its day, one at a time.
    await scan(ctx, org, at(D(2024, 11, 20), 15))
    assert await steps_sent(recent_duty) == ["2"]
    await scan(ctx, org, at(D(2024, 11, 25)))  # five working days after 18 Nov
    assert await steps_sent(recent_duty) == ["2", "3"]
    await scan(ctx, org, at(D(2024, 12, 2)))  # ten working days after
    assert await steps_sent(recent_duty) == ["2", "3", "4"]
    assert await steps_sent(old_duty) == ["4"]


async def test_duties_due_before_go_live_are_history(make_ctx: CtxFactory):
    ctx = make_ctx(today=D(2024, 11, 20))
    org = await make_org(ctx)
    await set_go_live_date(ctx, org.jurisdiction.id, go_live_date=D(2024, 10, 1))
    await assigned_effort(ctx, org, D(2024, 9, 2))  # accepting due Thu 5 Sep, before go-live
    await ctx.session.flush()
    duty = await ctx.session.scalar(select(Obligation).where(Obligation.rule_id == "testland.accept"))
    assert duty is not None
    for moment in (at(D(2024, 11, 20)), at(D(2024, 11, 21)), at(D(2024, 12, 2))):
        await scan(ctx, org, moment)
    # Overdue (the indicators count it as not met on time) but nobody is told about it.
    assert duty.status == ObligationStatus.OVERDUE and duty.escalation_level == 0
    assert [n for n in await notifications(ctx) if n.obligation_id == duty.id] == []
    # Without a go-live date the same duty is escalated: the date is what holds the alarms back.
    await set_go_live_date(ctx, org.jurisdiction.id, go_live_date=None)
    await scan(ctx, org, at(D(2024, 12, 3)))
    assert [n.dedupe_key for n in await notifications(ctx) if n.obligation_id == duty.id] == [
        f"esc:{duty.id}:2024-09-05:4"
    ]


async def test_setting_the_go_live_date_is_audited_and_checked(make_ctx: CtxFactory):
    ctx = make_ctx(today=D(2024, 11, 20))
    org = await make_org(ctx)
    j = await set_go_live_date(ctx, org.jurisdiction.id, go_live_date=D(2024, 10, 1))
    await ctx.session.flush()
    assert j.go_live_date == D(2024, 10, 1)
    entry = await ctx.session.scalar(select(AuditEntry).where(AuditEntry.action == "jurisdiction.go_live"))
    assert entry is not None and entry.entity_id == j.id and entry.jurisdiction_id == j.id
    assert entry.before is not None and entry.after is not None
    assert entry.before["go_live_date"] is None and entry.after["go_live_date"] == "2024-10-01"
    with pytest.raises(ValidationFailed) as refused:
        await set_go_live_date(ctx, org.jurisdiction.id, go_live_date=D(1980, 1, 1))
    assert refused.value.field == "goLiveDate" and "上线日期" in refused.value.message_zh
    assert j.go_live_date == D(2024, 10, 1)


async def test_qiannan_jan_aug_2021_loaded_at_go_live_sends_nothing_about_2021(make_ctx: CtxFactory):
    """The issue's check: the figures entered case by case after go-live (2021-10-01) alarm nobody."""
    ctx = make_ctx(today=D(2021, 10, 8))
    org = await make_org(ctx, "qiannan")
    await record_jan_aug_2021(ctx, org)
    await ctx.session.flush()
    go_live = D(2021, 10, 1)
    before = await indicators.dashboard(ctx, org.jurisdiction.id, JAN_AUG_2021)

    # Without a go-live date the first scan would send a burst about 2021's deadlines.
    ctx.clock = fixed_clock(at(D(2021, 10, 8)))
    dry = await scan_jurisdiction(ctx, org.jurisdiction.id, dry_run=True)
    assert len(dry.would_send) > 100

    await set_go_live_date(ctx, org.jurisdiction.id, go_live_date=go_live)
    for moment in (at(D(2021, 10, 8)), at(D(2021, 10, 9)), at(D(2021, 10, 15)), at(D(2021, 11, 15))):
        await scan(ctx, org, moment)
    sent = await notifications(ctx)
    due_of = {o.id: o.due_date for o in await ctx.session.scalars(select(Obligation))}
    hearing_day = {h.id: h.scheduled_at.date() for h in await ctx.session.scalars(select(Hearing))}
    about_history = [
        n
        for n in sent
        if (n.obligation_id is not None and due_of[n.obligation_id] < go_live)
        or (n.subject_type == "hearing" and hearing_day[n.subject_id] < go_live)
    ]
    assert about_history == []
    # The history is still there: overdue duties of 2021 that were never reminded.
    history = await ctx.session.scalar(
        select(Obligation.id).where(
            Obligation.due_date < go_live, Obligation.status == ObligationStatus.OVERDUE
        )
    )
    assert history is not None
    assert not list(
        await ctx.session.scalars(select(Notification.id).where(Notification.obligation_id == history))
    )

    after = await indicators.dashboard(ctx, org.jurisdiction.id, JAN_AUG_2021)
    for code, (num, den, value) in EXPECTED.items():
        for board in (before, after):
            current = board.indicator(code).current
            assert (current.numerator, current.denominator, current.value) == (num, den, value), code
