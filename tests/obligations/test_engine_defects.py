"""Issue 21 defect 1: an event that already met one occurrence of a duty cannot meet a later one.

A unit criticised on 11-13 and again on 11-27 filed one rectification plan, on 11-18: the plan
meets the 11-13 duty, and the 11-27 duty stays open (it was met with the 11-18 plan before).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar.rules import working_days
from core.clock import CHINA, fixed_clock
from core.context import ServiceContext
from core.enums import ObligationStatus
from core.obligations.engine import emit
from core.obligations.models import Obligation
from core.org.service import create_jurisdiction_from_plugin
from core.policy import hookimpl
from core.policy.manager import build_registry
from core.policy.types import Citation, DeadlineRule, Event, EventKind, EventMatch, JurisdictionProfile, Owner
from core.principal import SYSTEM

CITE = Citation(source="tests/obligations/test_engine_defects.py", clause="被通报批评的单位限期提交整改方案")


class Critland:
    @hookimpl
    def caseload_jurisdiction_profile(self) -> JurisdictionProfile:
        return JurisdictionProfile(code="critland", name="通报县", name_en="Critland", population=100_000)

    @hookimpl
    def caseload_deadline_rules(self) -> list[DeadlineRule]:
        return [
            DeadlineRule(
                id="critland.rectification_plan",
                # Each criticism is its own occurrence (its ``period`` attribute: the day it was issued).
                trigger=EventMatch(EventKind.DUTY_REVIEWED, {"duty_kind": "criticism"}),
                title_zh="被通报批评后5个工作日内提交整改方案",
                title_en="rectification plan within 5 working days of a criticism",
                due=working_days(5),
                owner=Owner.UNIT,
                citation=CITE,
                met_by=(EventMatch(EventKind.DUTY_SUBMITTED, {"duty_kind": "rectification"}),),
            )
        ]


async def test_an_event_that_met_one_duty_does_not_meet_a_later_occurrence(session: AsyncSession) -> None:
    registry = build_registry(extra={"critland": Critland()})
    ctx = ServiceContext(
        session=session,
        principal=SYSTEM,
        registry=registry,
        clock=fixed_clock(dt.datetime(2026, 11, 27, 10, tzinfo=CHINA)),
    )
    j = await create_jurisdiction_from_plugin(ctx, "critland")

    def event(kind: EventKind, day: dt.date, **attributes: object) -> Event:
        return Event(kind, j.id, day, "unit", 1, None, attributes)

    await emit(
        ctx, event(EventKind.DUTY_REVIEWED, dt.date(2026, 11, 13), duty_kind="criticism", period="11-13")
    )
    await emit(ctx, event(EventKind.DUTY_SUBMITTED, dt.date(2026, 11, 18), duty_kind="rectification"))
    await emit(
        ctx, event(EventKind.DUTY_REVIEWED, dt.date(2026, 11, 27), duty_kind="criticism", period="11-27")
    )
    rows = {
        o.occurrence: o
        for o in await session.scalars(
            select(Obligation).where(Obligation.rule_id == "critland.rectification_plan")
        )
    }
    assert rows["11-13"].status == ObligationStatus.MET
    assert rows["11-13"].met_date == dt.date(2026, 11, 18)
    assert rows["11-27"].status == ObligationStatus.OPEN
    assert rows["11-27"].met_date is None
    # A new plan meets it.
    await emit(ctx, event(EventKind.DUTY_SUBMITTED, dt.date(2026, 11, 30), duty_kind="rectification"))
    assert rows["11-27"].status == ObligationStatus.MET
    assert rows["11-27"].met_date == dt.date(2026, 11, 30)
