"""Calendar corrections recompute open obligations (recording the calendar version); years the
calendar does not know leave deadlines pending with an explicit reason; pause, resume, extend and
correct an obligation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.calendar import admin
from core.disputes import service as disputes
from core.disputes.models import ResolutionEffort
from core.enums import ActionType, DisputeField, DisputeSource, ObligationStatus, ResolutionStage
from core.errors import DomainError, ValidationFailed
from core.obligations import actions
from core.obligations.models import Obligation
from tests.support import make_org

D = dt.date


async def effort_on(ctx, org, day: dt.date):
    d = await disputes.record_dispute(
        ctx,
        disputes.DisputeInput(
            unit_id=org.agency.id,
            title="争议",
            applicant_name="钱某",
            field=DisputeField.OTHER,
            action_type=ActionType.PENALTY,
            source=DisputeSource.SCREENING,
            received_date=day,
        ),
    )
    return await disputes.assign_resolution(
        ctx, d.id, unit_id=org.agency.id, stage=ResolutionStage.PRE_FILING, assigned_date=day
    )


async def accept_obligation(ctx) -> Obligation:
    ob = await ctx.session.scalar(select(Obligation).where(Obligation.rule_id == "testland.accept"))
    assert ob is not None
    return ob


async def test_spring_festival_and_a_calendar_correction(make_ctx):
    ctx = make_ctx(today=D(2025, 1, 24))
    org = await make_org(ctx)
    # Fri 24 Jan 2025: Sun 26 Jan is a make-up working day, Spring Festival runs 28 Jan – 4 Feb.
    await effort_on(ctx, org, D(2025, 1, 24))
    ob = await accept_obligation(ctx)
    assert ob.due_date == D(2025, 2, 5)  # 26 Jan, 27 Jan, then 5 Feb
    version = ob.calendar_version
    # An administrator declares 27 Jan a holiday too: the open obligation moves a working day later.
    await admin.set_calendar_day(ctx, day=D(2025, 1, 27), is_working_day=False, name="调整")
    assert await actions.recompute_obligations(ctx) == 1
    assert ob.due_date == D(2025, 2, 6)
    assert ob.calendar_version != version
    # Removing the correction restores the official calendar.
    await admin.clear_calendar_day(ctx, day=D(2025, 1, 27))
    await actions.recompute_obligations(ctx)
    assert ob.due_date == D(2025, 2, 5) and ob.calendar_version == version


async def test_a_year_the_calendar_does_not_know_is_pending_until_declared(make_ctx):
    ctx = make_ctx(today=D(2026, 12, 29))
    org = await make_org(ctx)
    await effort_on(ctx, org, D(2026, 12, 29))  # 3 working days reach into 2027
    ob = await accept_obligation(ctx)
    assert ob.due_date is None and ob.due_error is not None and "2027" in ob.due_error
    with pytest.raises(ValidationFailed):
        await admin.declare_calendar_year(ctx, year=1999, source="x")
    await admin.set_calendar_day(ctx, day=D(2027, 1, 1), is_working_day=False, name="元旦")
    await admin.declare_calendar_year(ctx, year=2027, source="国务院办公厅关于2027年部分节假日安排的通知")
    await actions.recompute_obligations(ctx)
    # Wed 30, Thu 31 Dec 2026, (Fri 1 Jan 2027 holiday), Mon 4 Jan 2027.
    assert ob.due_date == D(2027, 1, 4) and ob.due_error is None


async def test_pause_and_resume_add_the_paused_days(make_ctx):
    ctx = make_ctx(today=D(2024, 11, 20))
    org = await make_org(ctx)
    effort = await effort_on(ctx, org, D(2024, 11, 4))
    await disputes.accept_resolution(
        ctx, effort.id, accepted_date=D(2024, 11, 5), notice_delivered_date=D(2024, 11, 5)
    )
    resolve = await ctx.session.scalar(select(Obligation).where(Obligation.rule_id == "testland.resolve"))
    assert resolve is not None and resolve.due_date == D(2024, 12, 17)
    accept = await accept_obligation(ctx)
    with pytest.raises(ValidationFailed) as not_allowed:
        await actions.pause_obligation(ctx, accept.id, since=D(2024, 11, 5), reason="x")
    assert not_allowed.value.code == "not_extendable"
    await actions.pause_obligation(ctx, resolve.id, since=D(2024, 11, 10), reason="等待鉴定结论")
    assert resolve.status == ObligationStatus.PAUSED
    await actions.resume_obligation(ctx, resolve.id, on=D(2024, 11, 20))
    assert resolve.status == ObligationStatus.OPEN and resolve.due_date == D(2024, 12, 27)


async def test_extend_and_correct_an_obligation(make_ctx):
    ctx = make_ctx(today=D(2024, 11, 20))
    org = await make_org(ctx)
    effort = await effort_on(ctx, org, D(2024, 11, 4))
    await disputes.accept_resolution(
        ctx, effort.id, accepted_date=D(2024, 11, 5), notice_delivered_date=D(2024, 11, 5)
    )
    resolve = await ctx.session.scalar(select(Obligation).where(Obligation.rule_id == "testland.resolve"))
    assert resolve is not None
    # Through the obligation: a resolution effort's extension follows the effort's own rules.
    with pytest.raises(ValidationFailed) as consent:
        await actions.extend_obligation(
            ctx, resolve.id, new_due_date=D(2025, 1, 10), reason="补充调查", applicant_consent=True
        )
    assert consent.value.field == "centreConsent"
    await actions.extend_obligation(
        ctx,
        resolve.id,
        new_due_date=D(2025, 1, 10),
        reason="补充调查",
        applicant_consent=True,
        centre_consent=True,
    )
    assert resolve.due_date == D(2025, 1, 10) and effort.extensions_used == 1
    accept = await accept_obligation(ctx)
    with pytest.raises(DomainError):
        await actions.correct_trigger_date(ctx, accept.id, trigger_date=D(2024, 11, 1), reason="录入错误")
    # Correct an active one: the loss-analysis style rules count from the corrected date.
    effort2 = await effort_on(ctx, org, D(2024, 11, 18))
    ob2 = await ctx.session.scalar(
        select(Obligation).where(Obligation.rule_id == "testland.accept", Obligation.subject_id == effort2.id)
    )
    assert ob2 is not None and ob2.due_date == D(2024, 11, 21)
    await actions.correct_trigger_date(ctx, ob2.id, trigger_date=D(2024, 11, 15), reason="实际指派日期为15日")
    assert ob2.trigger_date == D(2024, 11, 15) and ob2.due_date == D(2024, 11, 20)


async def test_the_effort_due_date_follows_its_recomputed_obligation(make_ctx):
    """Issue 21 defect 2: after declaring 2027 the effort shows the obligation's new due date."""
    ctx = make_ctx(today=D(2026, 12, 29))
    org = await make_org(ctx)
    effort = await effort_on(ctx, org, D(2026, 12, 28))
    await disputes.accept_resolution(
        ctx, effort.id, accepted_date=D(2026, 12, 29), notice_delivered_date=D(2026, 12, 29)
    )
    resolve = await ctx.session.scalar(select(Obligation).where(Obligation.rule_id == "testland.resolve"))
    assert resolve is not None and resolve.due_date is None and effort.due_date is None
    await admin.set_calendar_day(ctx, day=D(2027, 1, 1), is_working_day=False, name="元旦")
    await admin.declare_calendar_year(ctx, year=2027, source="国务院办公厅关于2027年部分节假日安排的通知")
    await actions.recompute_obligations(ctx)
    assert resolve.due_date is not None
    assert effort.due_date == resolve.due_date
    # resolutionEfforts(dueBefore:) filters on the effort's column (api/disputes/queries.py).
    await ctx.session.flush()
    found = await ctx.session.scalars(
        select(ResolutionEffort.id).where(ResolutionEffort.due_date <= resolve.due_date)
    )
    assert effort.id in set(found)
