"""Events a plugin declares (issue 22, point 4): 督促函已发出 and 被通报批评 of the Henan county's opinion.

Declared with typed attributes by ``caseload_events``, recorded by ``record_policy_event`` (the one
generic mutation), checked against the declaration with field-named bilingual errors, audited, and
usable as a rule's trigger and ``met_by``; the validation refuses a rule that uses one wrongly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.models import AuditEntry
from core.calendar.rules import calendar_days, working_days
from core.clock import CHINA, fixed_clock
from core.context import ServiceContext
from core.enums import ObligationStatus, Role, UnitKind
from core.errors import DomainError, Forbidden
from core.obligations.models import DomainEvent, Obligation
from core.obligations.policy_events import record_policy_event
from core.obligations.service import mark_obligation_met, submit_report
from core.org.service import create_jurisdiction_from_plugin, create_unit
from core.policy import hookimpl
from core.policy.conformance import check_plugin, drive, make_event
from core.policy.manager import build_registry
from core.policy.types import (
    AttributeType,
    Citation,
    DeadlineRule,
    EventAttribute,
    EventKind,
    EventMatch,
    EventSubject,
    JurisdictionProfile,
    ObligationAnchor,
    Owner,
    PolicyEvent,
    SourceDocument,
)
from core.principal import SYSTEM, Principal

SOURCE = "henan_opinion.txt"
TEXT = (
    "人民法院在开庭3个工作日前通知县政府办公室，县政府办公室向被诉行政机关发出督促函。"
    "被诉行政机关应当在收到督促函后2个工作日内确定出庭负责人。"
    "被通报批评的单位应当在5个工作日内提交整改方案。"
)
DOC = SourceDocument(
    key=SOURCE, title="某县关于行政机关负责人出庭应诉的实施意见", issuer="某县人民政府办公室"
)


def cite(clause: str) -> Citation:
    return Citation(source=SOURCE, clause=clause, document=DOC)


URGE_LETTER_SENT = PolicyEvent(
    "henan.urge_letter_sent",
    "督促函已发出",
    "urging letter sent",
    EventSubject.HEARING,
    cite("县政府办公室向被诉行政机关发出督促函"),
    (
        EventAttribute("letter_number", AttributeType.TEXT, "督促函文号"),
        EventAttribute(
            "delivery", AttributeType.CHOICE, "送达方式", required=False, choices=frozenset({"post", "hand"})
        ),
    ),
)
CRITICISED = PolicyEvent(
    "henan.criticised",
    "被通报批评",
    "publicly criticised",
    EventSubject.UNIT,
    cite("被通报批评的单位应当在5个工作日内提交整改方案"),
    (
        EventAttribute("bulletin", AttributeType.TEXT, "通报名称"),
        EventAttribute("issued_on", AttributeType.DATE, "通报日期"),
        EventAttribute("repeat", AttributeType.INTEGER, "第几次被通报", required=False),
        EventAttribute("public", AttributeType.BOOLEAN, "是否公开通报", required=False),
    ),
)
NAME_HEAD = DeadlineRule(
    id="henan.name_head",
    trigger=EventMatch(URGE_LETTER_SENT),
    title_zh="收到督促函后2个工作日内确定出庭负责人",
    title_en="name the appearing head within 2 working days of the letter",
    due=working_days(2),
    owner=Owner.UNIT,
    citation=cite("被诉行政机关应当在收到督促函后2个工作日内确定出庭负责人"),
    met_by=(EventMatch(EventKind.HEARING_HEAD_DESIGNATED),),
)
SEND_LETTER = DeadlineRule(
    id="henan.send_letter",
    trigger=EventMatch(EventKind.HEARING_SCHEDULED),
    title_zh="开庭3个工作日前通知县政府办公室发出督促函",
    title_en="the office sends the urging letter",
    due=calendar_days(-3),
    anchor="hearing_date",
    owner=Owner.JUSTICE_BUREAU,
    citation=cite("人民法院在开庭3个工作日前通知县政府办公室"),
    met_by=(EventMatch(URGE_LETTER_SENT),),
)
RECTIFY = DeadlineRule(
    id="henan.rectification_plan",
    trigger=EventMatch(CRITICISED, {"public": True}),
    title_zh="被通报批评后5个工作日内提交整改方案",
    title_en="rectification plan within 5 working days of a criticism",
    due=working_days(5),
    owner=Owner.UNIT,
    citation=cite("被通报批评的单位应当在5个工作日内提交整改方案"),
    met_by=(EventMatch(EventKind.REPORT_SUBMITTED, {"report": "rectification_plan"}),),
)


class Henan:
    """The Henan county's opinion as far as these tests need it."""

    def __init__(
        self, rules: list[DeadlineRule] | None = None, events: list[PolicyEvent] | None = None
    ) -> None:
        self.rules = rules if rules is not None else [NAME_HEAD, SEND_LETTER, RECTIFY]
        self.events = events if events is not None else [URGE_LETTER_SENT, CRITICISED]

    @hookimpl
    def caseload_jurisdiction_profile(self) -> JurisdictionProfile:
        return JurisdictionProfile(code="henan", name="豫县", name_en="Henan County", population=500_000)

    @hookimpl
    def caseload_events(self) -> list[PolicyEvent]:
        return self.events

    @hookimpl
    def caseload_deadline_rules(self) -> list[DeadlineRule]:
        return self.rules


TODAY = dt.date(2024, 11, 20)


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    (tmp_path / SOURCE).write_text(TEXT, encoding="utf-8")
    return tmp_path


def _ctx(session: AsyncSession, principal: Principal = SYSTEM) -> ServiceContext:
    registry = build_registry(extra={"henan": Henan()})
    moment = dt.datetime.combine(TODAY, dt.time(10), tzinfo=CHINA)
    return ServiceContext(session=session, principal=principal, registry=registry, clock=fixed_clock(moment))


def test_the_plugin_with_its_events_is_conformant(sources: Path) -> None:
    registry = build_registry(builtins=(), entry_points=False, extra={"henan": Henan()})
    report = check_plugin("henan", registry=registry, sources_dir=sources)
    assert report.ok, report.problems
    assert report.rule_counts["event"] == 2


async def test_a_recorded_criticism_creates_its_duty_and_a_report_meets_it(session: AsyncSession) -> None:
    ctx = _ctx(session)
    j = await create_jurisdiction_from_plugin(ctx, "henan")
    unit = await create_unit(ctx, j.id, name="县市场监管局", kind=UnitKind.AGENCY)
    attrs = {"bulletin": "2024年第3期出庭应诉通报", "issued_on": "2024-11-18", "public": True}
    first = await record_policy_event(
        ctx, j.id, kind="henan.criticised", subject_id=unit.id, on=dt.date(2024, 11, 18), attributes=attrs
    )
    assert (first.subject_type, first.subject_id, first.unit_id) == ("unit", unit.id, unit.id)
    assert first.attributes == attrs  # the date stored as ISO text, as every event attribute is
    [duty] = first.obligations
    assert (duty.rule_id, duty.unit_id, duty.due_date) == (
        "henan.rectification_plan",
        unit.id,
        dt.date(2024, 11, 25),
    )
    # A second criticism is a second duty (each recorded event is its own occurrence).
    second = await record_policy_event(
        ctx, j.id, kind="henan.criticised", subject_id=unit.id, on=dt.date(2024, 11, 20), attributes=attrs
    )
    assert len(second.obligations) == 1 and second.obligations[0].id != duty.id
    # Narrowed on a declared attribute: a criticism not made public creates no duty.
    quiet = await record_policy_event(
        ctx,
        j.id,
        kind="henan.criticised",
        subject_id=unit.id,
        on=TODAY,
        attributes={**attrs, "public": False},
    )
    assert quiet.obligations == []
    await submit_report(
        ctx,
        j.id,
        kind="rectification_plan",
        period="2024-11",
        submitted_date=TODAY,
        unit_id=unit.id,
        content="整改方案",
    )
    await session.flush()
    assert duty.status == ObligationStatus.MET
    audit = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "policy_event.record")))
    assert len(audit) == 3


async def test_a_declared_event_meets_a_duty_and_triggers_one(session: AsyncSession) -> None:
    """The office's letter meets its own duty and starts the unit's 2 working days (not "1 day before")."""
    ctx = _ctx(session)
    j = await create_jurisdiction_from_plugin(ctx, "henan")
    unit = await create_unit(ctx, j.id, name="县市场监管局", kind=UnitKind.AGENCY)
    scheduled = make_event(
        EventKind.HEARING_SCHEDULED,
        j.id,
        dt.date(2024, 11, 1),
        "hearing",
        41,
        unit.id,
        hearing_date=dt.date(2024, 11, 15),
        head_required=True,
    )
    [letter_duty] = await drive(ctx, j.id, scheduled)
    assert letter_duty.rule_id == "henan.send_letter"
    # The letter goes out late, on 11-13: the unit still gets its 2 working days from the letter.
    sent = make_event(
        URGE_LETTER_SENT, j.id, dt.date(2024, 11, 13), "hearing", 41, unit.id, letter_number="豫督〔2024〕9号"
    )
    [name_head] = await drive(ctx, j.id, sent)
    assert letter_duty.status == ObligationStatus.MET_LATE
    assert (name_head.rule_id, name_head.due_date) == ("henan.name_head", dt.date(2024, 11, 15))
    stored = await session.scalar(select(DomainEvent).where(DomainEvent.kind == "henan.urge_letter_sent"))
    assert stored is not None and stored.attributes == {"letter_number": "豫督〔2024〕9号"}


@pytest.mark.parametrize(
    ("kind", "attributes", "field", "zh", "en"),
    [
        ("henan.warned", {}, "kind", "本辖区的政策未声明事件类型“henan.warned”", "declares no event kind"),
        (
            "henan.criticised",
            {"issued_on": "2024-11-18"},
            "attributes.bulletin",
            "请填写“通报名称”",
            "bulletin is required",
        ),
        (
            "henan.criticised",
            {"bulletin": "通报", "issued_on": "2024-11-18", "court": "x"},
            "attributes.court",
            "事件“被通报批评”没有属性“court”",
            "has no attribute 'court'",
        ),
        (
            "henan.criticised",
            {"bulletin": "通报", "issued_on": "11月18日"},
            "attributes.issued_on",
            "“通报日期”须为日期",
            "must be an ISO date",
        ),
        (
            "henan.criticised",
            {"bulletin": "通报", "issued_on": "2024-11-18", "repeat": "2"},
            "attributes.repeat",
            "须为整数",
            "must be an integer",
        ),
        (
            "henan.criticised",
            {"bulletin": "通报", "issued_on": "2024-11-18", "public": "yes"},
            "attributes.public",
            "须为是或否",
            "must be true or false",
        ),
        (
            "henan.criticised",
            {"bulletin": 3, "issued_on": "2024-11-18"},
            "attributes.bulletin",
            "须为文字",
            "must be text",
        ),
    ],
)
async def test_a_bad_event_is_refused_naming_the_field_and_writes_nothing(
    session: AsyncSession, kind: str, attributes: dict[str, object], field: str, zh: str, en: str
) -> None:
    ctx = _ctx(session)
    j = await create_jurisdiction_from_plugin(ctx, "henan")
    unit = await create_unit(ctx, j.id, name="县市场监管局", kind=UnitKind.AGENCY)
    await session.flush()
    with pytest.raises(DomainError) as caught:
        await record_policy_event(ctx, j.id, kind=kind, subject_id=unit.id, on=TODAY, attributes=attributes)
    assert caught.value.field == field
    assert zh in caught.value.message_zh
    assert en in caught.value.message_en
    await session.flush()
    assert await session.scalar(select(func.count()).select_from(DomainEvent)) == 0
    assert await session.scalar(select(func.count()).select_from(Obligation)) == 0


async def test_a_choice_outside_the_declaration_and_a_missing_subject_are_refused(
    session: AsyncSession,
) -> None:
    ctx = _ctx(session)
    j = await create_jurisdiction_from_plugin(ctx, "henan")
    with pytest.raises(DomainError) as caught:
        await record_policy_event(
            ctx, j.id, kind="henan.urge_letter_sent", subject_id=None, on=TODAY, attributes={}
        )
    assert caught.value.field == "subjectId" and "须指定所涉庭审" in caught.value.message_zh
    with pytest.raises(DomainError) as caught:
        await record_policy_event(
            ctx, j.id, kind="henan.urge_letter_sent", subject_id=999, on=TODAY, attributes={}
        )
    assert caught.value.code == "not_found" and caught.value.field == "subjectId"
    with pytest.raises(DomainError) as caught:
        await record_policy_event(
            ctx,
            j.id,
            kind="henan.criticised",
            subject_id=None,
            on=TODAY + dt.timedelta(days=1),
            attributes={},
        )
    assert caught.value.field == "date"
    from core.obligations.policy_events import check_attributes

    with pytest.raises(DomainError) as caught:
        check_attributes(URGE_LETTER_SENT, {"letter_number": "豫督9号", "delivery": "fax"})
    assert (
        caught.value.field == "attributes.delivery" and "须为以下之一：hand、post" in caught.value.message_zh
    )


async def test_a_unit_clerk_cannot_record_one(session: AsyncSession) -> None:
    ctx = _ctx(session)
    j = await create_jurisdiction_from_plugin(ctx, "henan")
    unit = await create_unit(ctx, j.id, name="县市场监管局", kind=UnitKind.AGENCY)
    clerk = Principal(user="clerk", role=Role.UNIT_CLERK, jurisdiction_id=j.id, unit_id=unit.id)
    with pytest.raises(Forbidden):
        await record_policy_event(
            _ctx(session, clerk),
            j.id,
            kind="henan.criticised",
            subject_id=unit.id,
            on=TODAY,
            attributes={"bulletin": "通报", "issued_on": "2024-11-18"},
        )


UNDECLARED = PolicyEvent("henan.warned", "告诫", "warned", EventSubject.UNIT, cite("被通报批评的单位"))


@pytest.mark.parametrize(
    ("rules", "events", "fragment"),
    [
        (
            [dataclasses.replace(RECTIFY, trigger=EventMatch(UNDECLARED))],
            None,
            "rule henan.rectification_plan trigger: event 'henan.warned' is not declared by caseload_events",
        ),
        (
            [dataclasses.replace(RECTIFY, trigger=EventMatch(CRITICISED, {"court": "x"}))],
            None,
            "rule henan.rectification_plan trigger: henan.criticised has no attribute 'court'",
        ),
        (
            [dataclasses.replace(NAME_HEAD, trigger=EventMatch(URGE_LETTER_SENT, {"delivery": "fax"}))],
            None,
            "henan.urge_letter_sent.delivery = 'fax' is not a legal choice",
        ),
        (
            [dataclasses.replace(RECTIFY, anchor="bulletin")],
            None,
            "rule henan.rectification_plan: anchor 'bulletin' is not a date attribute of henan.criticised",
        ),
        (
            [dataclasses.replace(RECTIFY, trigger=EventMatch("henan.criticised"))],  # type: ignore[arg-type]
            None,
            "event kind given as the string 'henan.criticised': use its PolicyEvent declaration",
        ),
        (
            [],
            [dataclasses.replace(CRITICISED, code="criticised")],
            "rule id 'criticised' must start with 'henan.'",
        ),
        (
            [],
            [
                dataclasses.replace(
                    CRITICISED, attributes=(EventAttribute("kind", AttributeType.CHOICE, "类别"),)
                )
            ],
            "event henan.criticised attribute 'kind': choices are given exactly when the type is choice",
        ),
        ([], [dataclasses.replace(CRITICISED, subject="bureau")], "subject 'bureau' is not an EventSubject"),
    ],
)
def test_the_validation_refuses_a_declared_event_used_wrongly(
    sources: Path, rules: list[DeadlineRule], events: list[PolicyEvent] | None, fragment: str
) -> None:
    plugin = Henan(rules, events)
    registry = build_registry(builtins=(), entry_points=False, extra={"henan": plugin})
    report = check_plugin("henan", registry=registry, sources_dir=sources)
    assert any(fragment in p for p in report.problems), report.problems


# ---------------------------------------------------------------------------------------------
# Deadlines anchored on another obligation (issue 22, point 5: "2 working days after the 督促函")
# ---------------------------------------------------------------------------------------------

MANUAL_LETTER = dataclasses.replace(SEND_LETTER, met_by=())  # the office's letter, marked done by hand
AFTER_LETTER = dataclasses.replace(
    NAME_HEAD,
    id="henan.name_head_after_letter",
    trigger=EventMatch(EventKind.HEARING_SCHEDULED),
    anchor_obligation=ObligationAnchor("henan.send_letter", "met"),
)
REVIEW_AFTER_DUE = dataclasses.replace(
    NAME_HEAD,
    id="henan.review_after_due",
    trigger=EventMatch(EventKind.HEARING_SCHEDULED),
    met_by=(),
    due=working_days(1),
    anchor_obligation=ObligationAnchor("henan.send_letter", "due"),
)


async def test_a_deadline_counts_from_another_duty_met_late(session: AsyncSession) -> None:
    registry = build_registry(extra={"henan": Henan([AFTER_LETTER, MANUAL_LETTER, REVIEW_AFTER_DUE])})
    moment = dt.datetime.combine(TODAY, dt.time(10), tzinfo=CHINA)
    ctx = ServiceContext(session=session, principal=SYSTEM, registry=registry, clock=fixed_clock(moment))
    j = await create_jurisdiction_from_plugin(ctx, "henan")
    unit = await create_unit(ctx, j.id, name="县市场监管局", kind=UnitKind.AGENCY)
    scheduled = make_event(
        EventKind.HEARING_SCHEDULED,
        j.id,
        dt.date(2024, 11, 1),
        "hearing",
        41,
        unit.id,
        hearing_date=dt.date(2024, 11, 15),
        head_required=True,
    )
    created = {o.rule_id: o for o in await drive(ctx, j.id, scheduled)}
    waiting = created["henan.name_head_after_letter"]
    # The letter duty is open: the unit's duty waits, saying for what, and has no due date to miss.
    assert waiting.due_date is None
    assert waiting.due_error == "待“开庭3个工作日前通知县政府办公室发出督促函”办结后起算"
    # Anchored on the letter duty's due date (11-12): one working day later, whichever came first.
    assert created["henan.review_after_due"].due_date == dt.date(2024, 11, 13)
    # The office sends the letter late, on 11-13 (marked by hand): the unit's 2 working days run from then.
    letter = created["henan.send_letter"]
    await mark_obligation_met(ctx, letter.id, met_date=dt.date(2024, 11, 13))
    assert letter.status == ObligationStatus.MET_LATE
    assert (waiting.trigger_date, waiting.due_date, waiting.due_error) == (
        dt.date(2024, 11, 13),
        dt.date(2024, 11, 15),
        None,
    )
    assert waiting.due_overridden is False  # the calendar recomputes it from now on
    # The rules listing (``rules`` query, ``plugins check``) shows what it counts from.
    info = registry.policy("henan").rule_info("henan.name_head_after_letter")
    assert info is not None
    assert info.parameters["anchorObligation"] == {"rule": "henan.send_letter", "date": "met"}
    assert info.parameters["event"] == "hearing_scheduled"


def test_an_obligation_anchor_must_name_a_rule_of_the_plugin(sources: Path) -> None:
    wrong = [
        dataclasses.replace(AFTER_LETTER, anchor_obligation=ObligationAnchor("henan.sent_leter")),
        dataclasses.replace(MANUAL_LETTER, anchor_obligation=ObligationAnchor("henan.send_letter")),
        dataclasses.replace(
            REVIEW_AFTER_DUE,
            anchor="hearing_date",
            anchor_obligation=ObligationAnchor("henan.send_letter", "done"),
        ),
    ]
    registry = build_registry(builtins=(), entry_points=False, extra={"henan": Henan(wrong)})
    problems = check_plugin("henan", registry=registry, sources_dir=sources).problems
    for fragment in (
        "rule henan.name_head_after_letter: anchor_obligation names no deadline rule of the plugin: 'henan.sent_leter'",
        "rule henan.send_letter: anchor_obligation names the rule itself",
        "rule henan.review_after_due: anchor_obligation date must be 'met' or 'due', got 'done'",
        "rule henan.review_after_due: give either anchor (an event date) or anchor_obligation, not both",
    ):
        assert any(fragment in p for p in problems), (fragment, problems)


async def test_a_recorded_letter_on_a_real_hearing_shows_its_title_on_the_timeline(
    session: AsyncSession,
) -> None:
    from core.cases import service as cases
    from core.disputes import service as disputes
    from core.enums import ActionType, DisputeField, DisputeSource
    from core.obligations.timeline import dispute_timelines

    ctx = _ctx(session)
    j = await create_jurisdiction_from_plugin(ctx, "henan")
    unit = await create_unit(ctx, j.id, name="县市场监管局", kind=UnitKind.AGENCY)
    await session.flush()
    d = await disputes.record_dispute(
        ctx,
        disputes.DisputeInput(
            unit_id=unit.id,
            title="处罚争议",
            applicant_name="吴某",
            field=DisputeField.MARKET_REGULATION,
            action_type=ActionType.PENALTY,
            source=DisputeSource.SCREENING,
            received_date=dt.date(2024, 10, 8),
        ),
    )
    case = await cases.file_litigation_case(
        ctx,
        d.id,
        court="县人民法院",
        case_number="(2024)豫行初9号",
        plaintiff_name="吴某",
        filed_date=dt.date(2024, 10, 9),
    )
    hearing = await cases.schedule_hearing(ctx, case.id, scheduled_at=dt.datetime(2024, 12, 2, 9))
    recorded = await record_policy_event(
        ctx,
        j.id,
        kind="henan.urge_letter_sent",
        subject_id=hearing.id,
        on=TODAY,
        attributes={"letter_number": "豫督〔2024〕9号", "delivery": "hand"},
    )
    assert (recorded.subject_type, recorded.unit_id) == ("hearing", unit.id)
    [letter] = await session.scalars(select(Obligation).where(Obligation.rule_id == "henan.send_letter"))
    assert letter.status == ObligationStatus.MET  # met by the recorded letter, before its due date

    async def declared(jurisdiction_id: int, kind: str) -> str | None:
        event = (await ctx.policy(jurisdiction_id)).declared_events.get(kind)
        return event.title_zh if event is not None else None

    timeline = (await dispute_timelines(session, [d.id], None, declared))[d.id]
    assert [e.label_zh for e in timeline if e.kind == "henan.urge_letter_sent"] == ["督促函已发出"]
