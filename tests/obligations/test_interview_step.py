"""An escalation step with an interviewer and an interviewee (issue 22, point 5: 告诫约谈 in one step).

Henan's opinion: a unit that misses its rectification plan is interviewed — the county's principal
leader interviews the unit's principal head. One step tells both, each naming the other, raises
the obligation's escalation level once, and is sent once however often the worker scans.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar.rules import working_days
from core.clock import CHINA, fixed_clock
from core.context import ServiceContext
from core.enums import NotificationKind, OfficialRank, Role
from core.obligations.models import Notification
from core.obligations.scan import scan_jurisdiction
from core.org.service import create_official
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
    Owner,
    Recipient,
)
from core.principal import SYSTEM
from tests.support import make_org

CITE = Citation(
    source="tests/obligations/test_interview_step.py",
    clause="逾期未提交整改方案的，由县主要领导约谈其主要负责人",
)
INTERVIEW = EscalationStep(
    working_days(1),
    Recipient.UNIT_PRINCIPAL_HEAD,
    NotificationKind.INTERVIEW,
    "逾期未提交整改方案，告诫约谈",
    interviewer=Recipient.COUNTY_PRINCIPAL_LEADER,
)


class Interviewland:
    def __init__(self, step: EscalationStep = INTERVIEW) -> None:
        self.step = step

    @hookimpl
    def caseload_jurisdiction_profile(self) -> JurisdictionProfile:
        return JurisdictionProfile(code="iland", name="约谈县", name_en="Interviewland")

    @hookimpl
    def caseload_deadline_rules(self) -> list[DeadlineRule]:
        return [
            DeadlineRule(
                id="iland.rectification_plan",
                trigger=EventMatch(EventKind.DUTY_REVIEWED, {"duty_kind": "rectification"}),
                title_zh="限期提交整改方案",
                title_en="rectification plan",
                due=working_days(5),
                owner=Owner.UNIT,
                citation=CITE,
                met_by=(EventMatch(EventKind.DUTY_SUBMITTED, {"duty_kind": "rectification"}),),
                escalation="iland.interview",
            )
        ]

    @hookimpl
    def caseload_escalation_chains(self) -> list[EscalationChain]:
        return [EscalationChain("iland.interview", (self.step,), CITE, "告诫约谈")]


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=CHINA)


async def test_one_step_tells_the_interviewer_and_the_interviewee(session: AsyncSession) -> None:
    registry = build_registry(extra={"iland": Interviewland()})
    ctx = ServiceContext(
        session=session, principal=SYSTEM, registry=registry, clock=fixed_clock(at(dt.date(2024, 11, 4)))
    )
    org = await make_org(ctx, "iland")
    principal = await create_official(
        ctx, org.government.id, name="钱县长", rank=OfficialRank.COUNTY_PRINCIPAL_LEADER
    )
    await session.flush()
    event = make_event(
        EventKind.DUTY_REVIEWED,
        org.jurisdiction.id,
        dt.date(2024, 11, 4),
        "litigation_case",
        5,
        org.agency.id,
        duty_kind="rectification",
    )
    [ob] = await drive(ctx, org.jurisdiction.id, event)
    assert ob.due_date == dt.date(2024, 11, 11)
    # One working day after the due date (Tue 11-12), twice: both told, once each.
    for _ in range(2):
        ctx.clock = fixed_clock(at(dt.date(2024, 11, 12)))
        await scan_jurisdiction(ctx, org.jurisdiction.id)
        await session.flush()
    sent = list(await session.scalars(select(Notification).order_by(Notification.id)))
    assert [n.kind for n in sent] == [NotificationKind.INTERVIEW, NotificationKind.INTERVIEW]
    interviewer, interviewee = sent
    assert (interviewer.recipient_role, interviewer.recipient_official_id) == (Role.LEADER, principal.id)
    assert interviewer.body.startswith("请约谈责任单位主要负责人：“限期提交整改方案”已逾期")
    assert (interviewee.recipient_role, interviewee.recipient_unit_id) == (Role.UNIT_CLERK, org.agency.id)
    assert interviewee.recipient_official_id == org.head.id
    assert interviewee.body == "逾期未提交整改方案，告诫约谈（约谈人：县主要领导）"
    assert ob.escalation_level == 1


def test_an_interviewer_needs_an_interview_and_another_person() -> None:
    for step, fragment in (
        (
            EscalationStep(
                working_days(1),
                Recipient.UNIT,
                NotificationKind.REMINDER,
                interviewer=Recipient.JUSTICE_BUREAU,
            ),
            "chain iland.interview step 1: an interviewer needs action INTERVIEW (约谈)",
        ),
        (
            EscalationStep(
                working_days(1),
                Recipient.JUSTICE_BUREAU,
                NotificationKind.INTERVIEW,
                interviewer=Recipient.JUSTICE_BUREAU,
            ),
            "chain iland.interview step 1: the interviewer is also the interviewee",
        ),
    ):
        registry = build_registry(builtins=(), entry_points=False, extra={"iland": Interviewland(step)})
        problems = check_escalations(collect_rules(registry, "iland"), registry.policy("iland"))
        assert problems == [fragment]
