"""Owners and recipients by office (issue 22, point 5): the county government office's 督促函 is its
own duty, not the justice bureau's, once the county's administrator says which unit the office is."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar.rules import working_days
from core.clock import CHINA, fixed_clock
from core.context import ServiceContext
from core.enums import NotificationKind, OfficialRank, Role, UnitKind
from core.errors import DomainError, Forbidden
from core.obligations.models import Notification
from core.obligations.scan import scan_jurisdiction
from core.org.offices import assign_office, list_offices
from core.org.service import create_jurisdiction_from_plugin, create_official, create_unit
from core.policy import hookimpl
from core.policy.conformance import check_escalations, collect_rules, drive, make_event
from core.policy.manager import build_registry
from core.policy.types import (
    Citation,
    DeadlineRule,
    EscalationChain,
    EscalationStep,
    EventKind,
    EventMatch,
    JurisdictionProfile,
    Office,
    Owner,
    Recipient,
)
from core.principal import SYSTEM, Principal

CITE = Citation(source="tests/obligations/test_offices.py", clause="由县政府办公室向被诉行政机关发出督促函")
LETTER = DeadlineRule(
    id="offland.urge_letter",
    trigger=EventMatch(EventKind.HEARING_SCHEDULED),
    title_zh="发出督促函",
    title_en="send the urging letter",
    due=working_days(1),
    owner=Owner.OFFICE,
    owner_office="county_government_office",
    citation=CITE,
    escalation="offland.office",
)
STEP = EscalationStep(
    working_days(1),
    Recipient.OFFICE,
    NotificationKind.REMINDER,
    "督促函逾期未发",
    office="offland.supervision",
)


class Offland:
    def __init__(self, rule: DeadlineRule = LETTER, step: EscalationStep = STEP) -> None:
        self.rule, self.step = rule, step

    @hookimpl
    def caseload_jurisdiction_profile(self) -> JurisdictionProfile:
        return JurisdictionProfile(code="offland", name="机构县", name_en="Offland")

    @hookimpl
    def caseload_offices(self) -> list[Office]:
        return [Office("offland.supervision", "县委依法治县办", "rule-of-law office")]

    @hookimpl
    def caseload_deadline_rules(self) -> list[DeadlineRule]:
        return [self.rule]

    @hookimpl
    def caseload_escalation_chains(self) -> list[EscalationChain]:
        return [EscalationChain("offland.office", (self.step,), CITE, "督促县政府办公室")]


def _ctx(session: AsyncSession, day: dt.date, principal: Principal = SYSTEM) -> ServiceContext:
    registry = build_registry(extra={"offland": Offland()})
    moment = dt.datetime.combine(day, dt.time(10), tzinfo=CHINA)
    return ServiceContext(session=session, principal=principal, registry=registry, clock=fixed_clock(moment))


def _hearing(jurisdiction_id: int, ident: int, unit_id: int) -> object:
    return make_event(
        EventKind.HEARING_SCHEDULED,
        jurisdiction_id,
        dt.date(2024, 11, 4),
        "hearing",
        ident,
        unit_id,
        hearing_date=dt.date(2024, 11, 20),
        head_required=True,
    )


async def test_a_duty_and_a_message_go_to_the_unit_mapped_to_the_office(session: AsyncSession) -> None:
    ctx = _ctx(session, dt.date(2024, 11, 4))
    j = await create_jurisdiction_from_plugin(ctx, "offland")
    agency = await create_unit(ctx, j.id, name="县市场监管局", kind=UnitKind.AGENCY)
    office = await create_unit(ctx, j.id, name="县人民政府办公室", kind=UnitKind.AGENCY)
    supervision = await create_unit(ctx, j.id, name="县委依法治县办", kind=UnitKind.AGENCY)
    await session.flush()
    clerk = await create_official(ctx, supervision.id, name="周主任", rank=OfficialRank.PRINCIPAL_HEAD)
    await session.flush()
    # Not mapped yet: the duty is the office's, handled by the justice bureau meanwhile.
    [unmapped] = await drive(ctx, j.id, _hearing(j.id, 1, agency.id))
    assert (unmapped.owner_role, unmapped.unit_id) == ("office:county_government_office", None)
    await assign_office(ctx, j.id, office="county_government_office", unit_id=office.id)
    await assign_office(ctx, j.id, office="offland.supervision", unit_id=supervision.id, official_id=clerk.id)
    [mapped] = await drive(ctx, j.id, _hearing(j.id, 2, agency.id))
    assert (mapped.owner_role, mapped.unit_id) == ("office:county_government_office", office.id)
    listed = {v.code: v for v in await list_offices(ctx, j.id)}
    assert list(listed) == [
        "county_government_office",
        "justice_bureau",
        "court_liaison",
        "offland.supervision",
    ]
    assert (listed["offland.supervision"].name_zh, listed["offland.supervision"].unit_id) == (
        "县委依法治县办",
        supervision.id,
    )
    assert listed["justice_bureau"].unit_id is None
    # Overdue (due 11-05): the step tells the unit mapped to the supervision office, and its official.
    ctx.clock = fixed_clock(dt.datetime(2024, 11, 7, 10, tzinfo=CHINA))
    await scan_jurisdiction(ctx, j.id)
    await session.flush()
    sent = list(
        await session.scalars(select(Notification).where(Notification.kind == NotificationKind.REMINDER))
    )
    assert {(n.recipient_role, n.recipient_unit_id, n.recipient_official_id) for n in sent} == {
        (Role.UNIT_CLERK, supervision.id, clerk.id)
    }
    assert len(sent) == 2  # one per overdue letter duty


async def test_assigning_an_office_is_checked_and_the_administrators(session: AsyncSession) -> None:
    ctx = _ctx(session, dt.date(2024, 11, 4))
    j = await create_jurisdiction_from_plugin(ctx, "offland")
    unit = await create_unit(ctx, j.id, name="县人民政府办公室", kind=UnitKind.AGENCY)
    other = await create_unit(ctx, j.id, name="县司法局", kind=UnitKind.AGENCY)
    await session.flush()
    stranger = await create_official(ctx, other.id, name="吴科长", rank=OfficialRank.STAFF)
    await session.flush()
    with pytest.raises(DomainError) as caught:
        await assign_office(ctx, j.id, office="mayor_office", unit_id=unit.id)
    assert caught.value.field == "office" and "本辖区没有“mayor_office”这一机构" in caught.value.message_zh
    with pytest.raises(DomainError) as caught:
        await assign_office(
            ctx, j.id, office="county_government_office", unit_id=unit.id, official_id=stranger.id
        )
    assert (
        caught.value.field == "officialId"
        and caught.value.message_en == "the official does not belong to that unit"
    )
    staff = Principal(user="staff", role=Role.JUSTICE_STAFF, jurisdiction_id=j.id)
    with pytest.raises(Forbidden):
        await assign_office(
            _ctx(session, dt.date(2024, 11, 4), staff),
            j.id,
            office="county_government_office",
            unit_id=unit.id,
        )


def test_an_office_must_be_one_the_jurisdiction_has() -> None:
    for plugin, fragment in (
        (
            Offland(rule=dataclasses.replace(LETTER, owner_office="mayor_office")),
            "rule offland.urge_letter: Owner.OFFICE needs owner_office, one of county_government_office",
        ),
        (
            Offland(rule=dataclasses.replace(LETTER, owner=Owner.UNIT)),
            "rule offland.urge_letter: owner_office is only for Owner.OFFICE",
        ),
        (
            Offland(step=dataclasses.replace(STEP, office=None)),
            "chain offland.office step 1: Recipient.OFFICE needs an office of",
        ),
    ):
        registry = build_registry(builtins=(), entry_points=False, extra={"offland": plugin})
        problems = check_escalations(collect_rules(registry, "offland"), registry.policy("offland"))
        assert any(fragment in p for p in problems), problems
