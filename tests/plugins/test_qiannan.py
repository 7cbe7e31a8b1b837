"""Qiannan prefecture (source 004): one test per rule, named after the rule id.

The hearing in these tests is set for Tue Oct 8 2024, the first working day after the National
Day holiday (Oct 1-7): "a week before" (Oct 1) and "the day before" (Oct 7) are holidays, so the
reminders fall back to the last working day before them, Mon Sep 30.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from core.cases.models import Hearing
from core.cases.service import (
    check_identity,
    designate_head,
    file_litigation_case,
    record_hearing,
    reject_reconsideration,
    reschedule_hearing,
    schedule_hearing,
)
from core.clock import CHINA
from core.context import ServiceContext
from core.disputes.models import Dispute
from core.disputes.service import (
    DisputeInput,
    accept_resolution,
    assign_leader,
    assign_resolution,
    conclude_resolution,
    record_dispute,
)
from core.enums import (
    ActionType,
    BatchKind,
    DisputeField,
    DisputeSource,
    Instance,
    NotificationKind,
    ObligationStatus,
    OfficialRank,
    OutcomeKind,
    ReconsiderationDecision,
    ResolutionResult,
    ResolutionStage,
    UnitKind,
)
from core.indicators import periods as P
from core.indicators import service as indicators
from core.indicators.definitions import resolve
from core.indicators.queries import Scope, tally
from core.obligations.models import Notification, Obligation
from core.obligations.service import emit_periodic
from core.org.models import Official, ReferenceFigure
from core.org.service import create_jurisdiction_from_plugin, create_official, create_unit
from core.policy.conformance import drive, make_event, normalise, obligations_on
from core.policy.evaluate import TargetStatus, UnitResult, evaluate_penalties, evaluate_target
from core.policy.types import EventKind, PenaltyKind, Recipient, TargetSpec
from plugins.qiannan import rules
from tests.indicators.helpers import Recorder
from tests.support import Org, make_org

d = dt.date
SOURCE = "004_ed825c3047b6dab0.txt"
SOURCES = Path(__file__).resolve().parents[2] / "docs" / "sources"
HEARING_DAY = d(2024, 10, 8)
CtxFactory = Callable[..., ServiceContext]


@dataclass
class Prefecture:
    jurisdiction_id: int
    agency_id: int
    county_id: int
    head: Official
    staff: Official
    leader: Official


@pytest.fixture
async def qn(ctx: ServiceContext) -> Prefecture:
    j = await create_jurisdiction_from_plugin(ctx, "qiannan")
    agency = await create_unit(ctx, j.id, name="黔南州人力资源和社会保障局", kind=UnitKind.AGENCY)
    county = await create_unit(ctx, j.id, name="都匀市人民政府", kind=UnitKind.COUNTY_GOVERNMENT)
    await ctx.session.flush()
    head = await create_official(ctx, agency.id, name="吴局长", rank=OfficialRank.PRINCIPAL_HEAD)
    staff = await create_official(ctx, agency.id, name="杨科员", rank=OfficialRank.STAFF)
    leader = await create_official(ctx, county.id, name="罗副市长", rank=OfficialRank.COUNTY_LEADER_IN_CHARGE)
    await ctx.session.flush()
    return Prefecture(j.id, agency.id, county.id, head, staff, leader)


async def one(ctx: ServiceContext, subject_type: str, subject_id: int, rule_id: str) -> Obligation:
    found = await obligations_on(ctx, subject_type, subject_id, rule_id)
    assert len(found) == 1, f"expected one {rule_id} obligation, found {len(found)}"
    return found[0]


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 30), tzinfo=CHINA)


async def record(
    ctx: ServiceContext,
    p: Prefecture,
    *,
    received: dt.date,
    source: DisputeSource = DisputeSource.SCREENING,
    origin: dt.date | None = None,
    major: bool = False,
    risk: bool = False,
    batch: BatchKind = BatchKind.SINGLE,
) -> Dispute:
    return await record_dispute(
        ctx,
        DisputeInput(
            unit_id=p.agency_id,
            title="易地扶贫搬迁安置补偿争议",
            applicant_name="王某等",
            field=DisputeField.POVERTY_RELOCATION,
            action_type=ActionType.FAILURE_TO_ACT,
            source=source,
            received_date=received,
            origin_date=origin,
            is_major=major,
            loss_risk=risk,
            batch_kind=batch,
        ),
    )


async def hearing_on(make_ctx: CtxFactory, p: Prefecture) -> Hearing:
    """A first-instance case filed Sep 2; the court sets the hearing for Oct 8 on Sep 20."""
    early = make_ctx(today=d(2024, 9, 20))
    dispute = await record(early, p, received=d(2024, 9, 2), source=DisputeSource.LITIGATION)
    case = await file_litigation_case(
        early,
        dispute.id,
        court="都匀市人民法院",
        case_number="（2024）黔2701行初5号",
        plaintiff_name="王某",
        filed_date=d(2024, 9, 2),
    )
    return await schedule_hearing(early, case.id, scheduled_at=at(HEARING_DAY))


def target(target_id: str) -> TargetSpec:
    return next(t for t in rules.TARGETS if t.id == target_id)


# ---------------------------------------------------------------------------------------------
# 两提两核一直达
# ---------------------------------------------------------------------------------------------


async def test_qiannan_hearing_designate_head_one_week_before(make_ctx: CtxFactory, qn: Prefecture) -> None:
    """004 两提: 「在行政訴訟開庭前一周,提醒填報出庭應訴行政機關負責人,并收集出庭人信息」

    Hearing Tue Oct 8: a week before is Oct 1, a holiday, so the duty falls due Mon Sep 30.
    """
    hearing = await hearing_on(make_ctx, qn)
    ctx = make_ctx(today=d(2024, 9, 30))
    ob = await one(ctx, "hearing", hearing.id, "qiannan.hearing_designate_head")
    assert (ob.owner_role, ob.unit_id, ob.trigger_date, ob.due_date) == (
        "unit",
        qn.agency_id,
        HEARING_DAY,
        d(2024, 9, 30),
    )
    await designate_head(ctx, hearing.id, official_id=qn.head.id)
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 9, 30))


async def test_qiannan_hearing_phone_reminder_day_before(make_ctx: CtxFactory, qn: Prefecture) -> None:
    """004 两提: 「開庭前一天,電話提醒應出庭應訴人員出庭應訴,遇到特殊情況預出庭應訴領導不能出庭的,
    及時通知更換符合相關規(guī)定行政機關負責人出庭應訴,做到100%通知率」

    The day before (Oct 7) is a holiday: the call is due Mon Sep 30; marked done by hand.
    """
    hearing = await hearing_on(make_ctx, qn)
    ctx = make_ctx(today=d(2024, 9, 30))
    ob = await one(ctx, "hearing", hearing.id, "qiannan.hearing_phone_reminder")
    assert (ob.owner_role, ob.unit_id, ob.due_date, ob.status) == (
        "justice_bureau",
        None,
        d(2024, 9, 30),
        ObligationStatus.OPEN,
    )
    rule = ctx.registry.policy("qiannan").deadline_rule(ob.rule_id)
    assert rule is not None and rule.met_by == ()


async def test_qiannan_hearing_identity_check(make_ctx: CtxFactory, qn: Prefecture) -> None:
    """004 两核: 「核實出庭人身份是否符合出庭應訴法定身份規(guī)定,發(fā)現(xiàn)不符合要求的立即通知行政機關更換人員,
    確保出庭應訴行政機關負責人身份合法」

    Due on the hearing day; a failed check (a clerk was named) does not meet it, the replacement's
    passed check does. Overdue, it escalates at once through the "一直达" chain.
    """
    hearing = await hearing_on(make_ctx, qn)
    ctx = make_ctx(today=d(2024, 9, 30))
    ob = await one(ctx, "hearing", hearing.id, "qiannan.hearing_identity_check")
    assert (ob.owner_role, ob.due_date, ob.urgent) == ("justice_bureau", HEARING_DAY, True)
    designate = await one(ctx, "hearing", hearing.id, "qiannan.hearing_designate_head")
    await designate_head(ctx, hearing.id, official_id=qn.staff.id)
    assert designate.status == ObligationStatus.MET
    await check_identity(ctx, hearing.id)
    assert ob.status == ObligationStatus.OPEN  # 不符合要求: replace the person
    # Issue 21 defect 3: the unit must name someone else, so its designation duty is open again,
    # and the unit is told at once (立即通知), not at the next escalation.
    assert (designate.status, designate.met_date) == (ObligationStatus.OPEN, None)
    assert designate.note == "出庭人员身份核验未通过：已办结事项须重新办理"
    told = list(
        await ctx.session.scalars(select(Notification).where(Notification.obligation_id == designate.id))
    )
    assert len(told) == 1 and told[0].recipient_unit_id == designate.unit_id
    assert told[0].title == f"请重新办理：{designate.title}"
    assert "出庭人员身份核验未通过" in told[0].body and "依据：" in told[0].body
    await designate_head(ctx, hearing.id, official_id=qn.head.id)
    await check_identity(ctx, hearing.id)
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 9, 30))
    assert designate.status == ObligationStatus.MET  # the replacement's designation met it again
    assert ctx.registry.policy("qiannan").deadline_rule(ob.rule_id).escalation == "qiannan.direct"  # type: ignore[union-attr]


async def test_qiannan_hearing_attendance_check(make_ctx: CtxFactory, qn: Prefecture) -> None:
    """004 两核: 「核實開庭前出庭應訴人是否實際到庭」 — recording the hearing (attended or not) is the check."""
    hearing = await hearing_on(make_ctx, qn)
    ctx = make_ctx(today=HEARING_DAY)
    ob = await one(ctx, "hearing", hearing.id, "qiannan.hearing_attendance_check")
    assert (ob.owner_role, ob.due_date) == ("justice_bureau", HEARING_DAY)
    await designate_head(ctx, hearing.id, official_id=qn.head.id)
    await record_hearing(
        ctx,
        hearing.id,
        held_at=at(HEARING_DAY, 9),
        head_attended=True,
        attending_official_id=qn.head.id,
        head_spoke=True,
    )
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, HEARING_DAY)


async def test_qiannan_hearing_duties_move_with_a_rescheduled_hearing(
    make_ctx: CtxFactory, qn: Prefecture
) -> None:
    """004 「兩提兩核」 apply to the hearing actually held: rescheduling waives the old duties and the new
    hearing (Oct 15) gets its own (a week before: Tue Oct 8)."""
    hearing = await hearing_on(make_ctx, qn)
    ctx = make_ctx(today=d(2024, 9, 30))
    old = await obligations_on(ctx, "hearing", hearing.id)
    assert len(old) == 4
    new = await reschedule_hearing(ctx, hearing.id, new_time=at(d(2024, 10, 15)), reason="法院调整排期")
    assert {o.status for o in old} == {ObligationStatus.WAIVED}
    designate = await one(ctx, "hearing", new.id, "qiannan.hearing_designate_head")
    assert designate.due_date == d(2024, 10, 8)


def test_qiannan_direct_escalation_chain() -> None:
    """004 一直达: 「如出現(xiàn)特殊緊急情況,黔南州委依法治州辦常務副主任直接通知縣(市)黨政一把手督辦安排行政負責人
    出庭應訴;…州委依法治州辦常務副主任及時向州委依法治州辦主任報告處理意見…」"""
    chain = rules.DIRECT_CHAIN
    assert [(s.recipient, s.action) for s in chain.steps] == [
        (Recipient.PREFECTURE_OFFICE, NotificationKind.ESCALATION),
        (Recipient.COUNTY_PRINCIPAL_LEADER, NotificationKind.ESCALATION),
        (Recipient.PREFECTURE_OFFICE, NotificationKind.INFO),
    ]
    assert {s.after.amount for s in chain.steps} == {0}  # at once: the hearing is imminent


def _reminder(rule_id: str) -> tuple[int, str]:
    r = next(r for r in rules.REMINDER_RULES if r.id == rule_id)
    assert r.citation.source == SOURCE
    return r.days_before, r.action


def test_qiannan_remind_designate_head() -> None:
    """004 两提: 「在行政訴訟開庭前一周,提醒填報出庭應訴行政機關負責人,并收集出庭人信息」 — 7 days before."""
    assert _reminder("qiannan.remind_designate_head") == (7, "designate")


def test_qiannan_remind_by_phone() -> None:
    """004 两提: 「開庭前一天,電話提醒應出庭應訴人員出庭應訴…」 — 1 day before."""
    assert _reminder("qiannan.remind_by_phone") == (1, "phone")


def test_qiannan_check_head_identity() -> None:
    """004 两核: 「核實出庭人身份是否符合出庭應訴法定身份規(guī)定…」"""
    assert _reminder("qiannan.check_head_identity") == (0, "identity_check")


def test_qiannan_check_head_attendance() -> None:
    """004 两核: 「核實開庭前出庭應訴人是否實際到庭」"""
    assert _reminder("qiannan.check_head_attendance") == (0, "attendance_check")


# ---------------------------------------------------------------------------------------------
# 一清两包
# ---------------------------------------------------------------------------------------------


async def test_qiannan_weekly_case_counts(ctx: ServiceContext, qn: Prefecture) -> None:
    """004 一清: 「“一清”,通過每周兩級政府復議機構、兩級法院收集黔南州行政復議和行政訴訟案件總數(shù)」

    Week 40 starts Mon Sep 30; due by its Sunday (Oct 6, not moved).
    """
    created = await emit_periodic(ctx, qn.jurisdiction_id, d(2024, 9, 30))
    ob = next(o for o in created if o.rule_id == "qiannan.weekly_case_counts")
    assert (ob.owner_role, ob.subject_type, ob.occurrence, ob.due_date) == (
        "justice_bureau",
        "jurisdiction",
        "2024W40",
        d(2024, 10, 6),
    )
    counts = make_event(
        EventKind.REPORT_SUBMITTED,
        qn.jurisdiction_id,
        d(2024, 9, 30),
        "jurisdiction",
        qn.jurisdiction_id,
        report="weekly_case_counts",
        period="2024W40",
    )
    await drive(ctx, qn.jurisdiction_id, counts)
    assert ob.status == ObligationStatus.MET


async def _package(ctx: ServiceContext, p: Prefecture, rule_id: str, dispute: Dispute) -> None:
    ob = await one(ctx, "dispute", dispute.id, rule_id)
    assert (ob.owner_role, ob.unit_id, ob.due_date) == ("county_leader", None, d(2024, 11, 20))
    assert ctx.registry.policy("qiannan").deadline_rule(rule_id).escalation == "qiannan.package_followup"  # type: ignore[union-attr]
    await assign_leader(
        ctx,
        dispute.id,
        official_id=p.leader.id,
        plan="组织专班协商化解",
        deadline=d(2024, 12, 31),
        task_team="包案专班",
    )
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 11, 20))


async def test_qiannan_county_leader_package(ctx: ServiceContext, qn: Prefecture) -> None:
    """004 两包·包案化解: 「對可能被糾錯、敗訴的案件進行綜合分析,主動采取措施,在作出行政復議決定和行政訴訟判決前,
    在復議機構、法院組織下積極有效協(xié)調(diào)化解,嚴防糾錯率上升」"""
    dispute = await record(ctx, qn, received=d(2024, 11, 20), risk=True)
    await _package(ctx, qn, "qiannan.county_leader_package", dispute)


async def test_qiannan_prefecture_leader_batch(ctx: ServiceContext, qn: Prefecture) -> None:
    """004 两包·包案督促: 「對于套案數(shù)量較大的重大復議訴訟案件、群體性復議訴訟案件,由案件涉及領域的州政府
    分管領導牽頭包辦督促化解,降低敗訴率」 — a major batch."""
    dispute = await record(ctx, qn, received=d(2024, 11, 20), batch=BatchKind.BATCH, major=True)
    await _package(ctx, qn, "qiannan.prefecture_leader_batch", dispute)
    small = await record(ctx, qn, received=d(2024, 11, 20), batch=BatchKind.BATCH)
    assert await obligations_on(ctx, "dispute", small.id, "qiannan.prefecture_leader_batch") == []


async def test_qiannan_prefecture_leader_series(ctx: ServiceContext, qn: Prefecture) -> None:
    """004 两包·包案督促: 「對于套案數(shù)量較大的重大復議訴訟案件…由…州政府分管領導牽頭包辦督促化解」 — a major series."""
    dispute = await record(ctx, qn, received=d(2024, 11, 20), batch=BatchKind.SERIES, major=True)
    await _package(ctx, qn, "qiannan.prefecture_leader_series", dispute)


async def test_qiannan_prefecture_leader_group(ctx: ServiceContext, qn: Prefecture) -> None:
    """004 两包·包案督促: 「…群體性復議訴訟案件,由案件涉及領域的州政府分管領導牽頭包辦督促化解」"""
    dispute = await record(ctx, qn, received=d(2024, 11, 20), batch=BatchKind.GROUP)
    await _package(ctx, qn, "qiannan.prefecture_leader_group", dispute)


async def test_qiannan_package_monthly_dispatch(ctx: ServiceContext, qn: Prefecture) -> None:
    """004 两包: 「領導小組對“兩包”案件按月調(diào)度,督促跟蹤到人」 — by the month's last day (Feb 29 in 2024)."""
    created = await emit_periodic(ctx, qn.jurisdiction_id, d(2024, 2, 1))
    dispatch = [o for o in created if o.rule_id == "qiannan.package_monthly_dispatch"]
    assert [(o.owner_role, o.subject_type, o.occurrence, o.due_date) for o in dispatch] == [
        ("justice_bureau", "jurisdiction", "2024-02", d(2024, 2, 29))
    ]


def test_qiannan_package_interview() -> None:
    """004 两包: 「對領導包案化解不到位的,采取電話提醒、約談等措施督促相關責任人落實包案化解」"""
    rule = rules.PENALTY_RULES[0]
    assert rule.id == "qiannan.package_interview"
    applied = evaluate_penalties(
        [rule], [UnitResult(1, {}), UnitResult(2, {})], {1: {"package_resolution_inadequate"}}
    )
    assert [(a.unit_id, a.penalty) for a in applied] == [(1, PenaltyKind.INTERVIEW)]
    assert [(s.recipient, s.action) for s in rules.PACKAGE_CHAIN.steps] == [
        (Recipient.COUNTY_LEADER_IN_CHARGE, NotificationKind.REMINDER),
        (Recipient.COUNTY_LEADER_IN_CHARGE, NotificationKind.INTERVIEW),
    ]


# ---------------------------------------------------------------------------------------------
# Major disputes before filing
# ---------------------------------------------------------------------------------------------


async def _major(
    ctx: ServiceContext, p: Prefecture, source: DisputeSource, origin: dt.date, rule_id: str, due: dt.date
) -> Obligation:
    dispute = await record(
        ctx, p, received=origin + dt.timedelta(days=1), origin=origin, source=source, major=True
    )
    ob = await one(ctx, "dispute", dispute.id, rule_id)
    assert (ob.owner_role, ob.unit_id, ob.trigger_date, ob.due_date) == ("unit", p.agency_id, origin, due)
    ordinary = await record(ctx, p, received=origin + dt.timedelta(days=1), origin=origin, source=source)
    assert await obligations_on(ctx, "dispute", ordinary.id, rule_id) == []  # only major disputes
    return ob


async def test_qiannan_major_expert_review_oral_notice(ctx: ServiceContext, qn: Prefecture) -> None:
    """004 化解时限: 「對于還未立案的案件,各縣(市)、黔南州直部門3日內(nèi)組織重大行政糾紛專家組審核」

    The court's oral notice Sat Sep 28: day 3 is Oct 1, a holiday, so Tue Oct 8. Marked met by hand.
    """
    ob = await _major(
        ctx,
        qn,
        DisputeSource.COURT_ORAL_NOTICE,
        d(2024, 9, 28),
        "qiannan.major_expert_review_oral_notice",
        HEARING_DAY,
    )
    assert ob.status == ObligationStatus.OPEN


async def test_qiannan_major_expert_review_court_letter(ctx: ServiceContext, qn: Prefecture) -> None:
    """004 化解时限: 「…3日內(nèi)組織重大行政糾紛專家組審核」 — under pre-filing coordination.

    Letter Thu Sep 26: day 3 is Sun Sep 29, a make-up working day, so it stays Sep 29.
    """
    await _major(
        ctx,
        qn,
        DisputeSource.COURT_LETTER,
        d(2024, 9, 26),
        "qiannan.major_expert_review_court_letter",
        d(2024, 9, 29),
    )


async def test_qiannan_major_plan_oral_notice(ctx: ServiceContext, qn: Prefecture) -> None:
    """004 化解时限: 「5日內(nèi)制作化解方案」 — Sep 28 + 5 = Oct 3 (holiday) → Tue Oct 8."""
    await _major(
        ctx,
        qn,
        DisputeSource.COURT_ORAL_NOTICE,
        d(2024, 9, 28),
        "qiannan.major_plan_oral_notice",
        HEARING_DAY,
    )


async def test_qiannan_major_plan_court_letter(ctx: ServiceContext, qn: Prefecture) -> None:
    """004 化解时限: 「5日內(nèi)制作化解方案」 — Sep 26 + 5 = Oct 1 (holiday) → Tue Oct 8."""
    await _major(
        ctx, qn, DisputeSource.COURT_LETTER, d(2024, 9, 26), "qiannan.major_plan_court_letter", HEARING_DAY
    )


async def test_qiannan_major_resolve_in_filing_review(ctx: ServiceContext, qn: Prefecture) -> None:
    """004 化解时限: 「利用法院審查的7天時間內(nèi)最大限度化解爭議」

    Sep 28 + 7 = Oct 5 (holiday) → Tue Oct 8; met when the dispute is resolved (a best-effort
    window: its chain only reminds the unit).
    """
    dispute = await record(
        ctx,
        qn,
        received=d(2024, 9, 29),
        origin=d(2024, 9, 28),
        source=DisputeSource.COURT_ORAL_NOTICE,
        major=True,
    )
    ob = await one(ctx, "dispute", dispute.id, "qiannan.major_resolve_in_filing_review")
    assert (ob.owner_role, ob.due_date) == ("unit", HEARING_DAY)
    effort = await assign_resolution(
        ctx, dispute.id, unit_id=qn.agency_id, stage=ResolutionStage.PRE_FILING, assigned_date=d(2024, 9, 29)
    )
    await accept_resolution(
        ctx, effort.id, accepted_date=d(2024, 9, 29), notice_delivered_date=d(2024, 9, 29)
    )
    await conclude_resolution(
        ctx, effort.id, succeeded=True, concluded_date=HEARING_DAY, result=ResolutionResult.WITHDRAWN
    )
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, HEARING_DAY)
    chain = ctx.registry.policy("qiannan").escalation_chain("qiannan.window")
    assert [s.recipient for s in chain.steps] == [Recipient.UNIT]


async def test_qiannan_major_resolve_pre_filing_window(ctx: ServiceContext, qn: Prefecture) -> None:
    """004 化解时限: 「對申請訴前協(xié)調(diào)的案件,利用訴前30天的時間化解一批」 — Sep 26 + 30 = Sat Oct 26 → Mon Oct 28."""
    dispute = await record(
        ctx, qn, received=d(2024, 9, 26), origin=d(2024, 9, 26), source=DisputeSource.COURT_LETTER, major=True
    )
    ob = await one(ctx, "dispute", dispute.id, "qiannan.major_resolve_pre_filing_window")
    assert (ob.owner_role, ob.due_date, ob.status) == ("unit", d(2024, 10, 28), ObligationStatus.OPEN)


# ---------------------------------------------------------------------------------------------
# 两降一升: targets against the provincial averages
# ---------------------------------------------------------------------------------------------

PROVINCE = {r.indicator: r.value for r in rules.PROFILE.references}


def test_qiannan_correction_rate_below_province() -> None:
    """004: 「黔南州行政復議行政機關被糾錯率8.28%(全省平均水平14.05%)」 — below the provincial average."""
    spec = target("qiannan.correction_rate_below_province")
    reference = PROVINCE["correction_rate"]
    assert reference == Decimal("14.05")
    assert evaluate_target(spec, Decimal("8.28"), None, reference).status is TargetStatus.MET
    assert evaluate_target(spec, Decimal("14.05"), None, reference).status is TargetStatus.MISSED  # not below


def test_qiannan_correction_rate_falling() -> None:
    """004: 「行政機關被糾錯14件,被糾錯率8.28%,同比下降28.83個百分點」 — lower than last year."""
    spec = target("qiannan.correction_rate_falling")
    assert evaluate_target(spec, Decimal("8.28"), Decimal("37.11"), None).status is TargetStatus.MET
    assert evaluate_target(spec, Decimal("9.00"), Decimal("8.28"), None).status is TargetStatus.MISSED


def test_qiannan_loss_rate_below_province() -> None:
    """004: 「行政訴訟行政機關敗訴率21.74%(全省平均水平22.33%)」"""
    spec = target("qiannan.loss_rate_below_province")
    reference = PROVINCE["loss_rate"]
    assert reference == Decimal("22.33")
    assert evaluate_target(spec, Decimal("21.74"), None, reference).status is TargetStatus.MET
    missed = evaluate_target(spec, Decimal("22.40"), None, reference)
    assert missed.reasons_zh == ("败诉率22.40%，不低于全省平均水平22.33%，相差0.07个百分点，未达标",)


def test_qiannan_loss_rate_falling() -> None:
    """004: 「一審敗訴110件,敗訴率21.74%,與2020年同比下降12.67個百分點」"""
    spec = target("qiannan.loss_rate_falling")
    assert evaluate_target(spec, Decimal("21.74"), Decimal("34.41"), None).status is TargetStatus.MET
    assert evaluate_target(spec, Decimal("21.74"), Decimal("21.74"), None).status is TargetStatus.MISSED


def test_qiannan_head_appearance_above_province() -> None:
    """004: 「行政機關負責人出庭應訴率75.76%(全省平均水平73.99%)」 — above the provincial average."""
    spec = target("qiannan.head_appearance_above_province")
    reference = PROVINCE["head_appearance_rate"]
    assert reference == Decimal("73.99")
    assert evaluate_target(spec, Decimal("75.76"), None, reference).status is TargetStatus.MET
    assert evaluate_target(spec, Decimal("73.99"), None, reference).status is TargetStatus.MISSED
    assert evaluate_target(spec, None, None, reference).status is TargetStatus.NO_DATA  # no hearing held


def test_qiannan_head_appearance_rising() -> None:
    """004: 「出庭應訴率75.76%,與2020年同比上升22.02%」"""
    spec = target("qiannan.head_appearance_rising")
    assert evaluate_target(spec, Decimal("75.76"), Decimal("53.74"), None).status is TargetStatus.MET
    assert evaluate_target(spec, Decimal("53.74"), Decimal("75.76"), None).status is TargetStatus.MISSED


def test_qiannan_head_appearance_full() -> None:
    """004 一直达: 「確保黔南州行政機關負責人出庭應訴率達100%」"""
    spec = target("qiannan.head_appearance_full")
    assert evaluate_target(spec, Decimal("100"), None, None).status is TargetStatus.MET
    assert evaluate_target(spec, Decimal("75.76"), None, None).status is TargetStatus.MISSED


async def test_qiannan_reference_averages_stored(ctx: ServiceContext, qn: Prefecture) -> None:
    """004: the three provincial averages are stored with the jurisdiction (2021, level "province")."""
    rows = await ctx.session.scalars(
        select(ReferenceFigure).where(ReferenceFigure.jurisdiction_id == qn.jurisdiction_id)
    )
    stored = {(r.indicator, r.level, r.year): r.value for r in rows}
    assert stored == {
        ("correction_rate", "province", 2021): Decimal("14.05"),
        ("loss_rate", "province", 2021): Decimal("22.33"),
        ("head_appearance_rate", "province", 2021): Decimal("73.99"),
    }


def test_qiannan_head_appearance_indicator_definition() -> None:
    """004: 「全州已開庭行政應訴一審363件,行政機關負責人出庭應訴275件,出庭應訴率75.76%」 — first instance, by case."""
    definition = rules.INDICATOR_DEFINITIONS["head_appearance_rate"]
    assert definition.instances == frozenset({"first"})


def test_qiannan_reported_figures_check_the_formulas() -> None:
    """004: the Jan–Aug 2021 figures are reproduced by the national formulas (numerator ÷ denominator),
    shown to two decimals: 14/169 = 8.28%, 110/506 = 21.74%, 275/363 = 75.76%, 76/169 = 44.97%."""
    for figure in rules.REPORTED_FIGURES_2021_JAN_AUG:
        rate = (Decimal(figure.numerator) * 100 / Decimal(figure.denominator)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        assert rate == figure.rate, figure.indicator
        if SOURCES.is_dir():
            text = normalise((SOURCES / figure.citation.source).read_text(encoding="utf-8"))
            assert normalise(figure.citation.clause) in text


def test_qiannan_profile() -> None:
    """004: 「黔南州司法局“三個加強”推動司法行政工作取得實效」"""
    p = rules.PROFILE
    assert (p.code, p.name, p.level, p.province_name) == ("qiannan", "黔南州", "prefecture", "贵州省")


# ---------------------------------------------------------------------------------------------
# 一清: the counts Qiannan tracks besides the three rates (indicators the plugin adds)
# ---------------------------------------------------------------------------------------------

H2_2024 = P.custom(d(2024, 7, 1), d(2024, 12, 31))


async def _counted(make_ctx: CtxFactory) -> tuple[ServiceContext, Org, Recorder]:
    ctx = make_ctx(today=d(2025, 1, 10))
    org = await make_org(ctx, "qiannan")
    return ctx, org, await Recorder.start(ctx, org)


async def test_qiannan_reconsideration_received(make_ctx: CtxFactory) -> None:
    """004 今年1月至8月: 「全州行政復議案件收案181件,受理149件,不予受理13件,辦結169件」 — every application
    received counts, whatever became of it (accepted, rejected, concluded, still waiting)."""
    ctx, org, rec = await _counted(make_ctx)
    for received in (d(2024, 7, 3), d(2024, 9, 9), d(2024, 12, 31)):  # waiting, in the period
        await rec.reconsideration(org.agency, received)
    await rec.reconsideration(
        org.township, d(2024, 8, 1), concluded=d(2024, 10, 8), decision=ReconsiderationDecision.UPHELD
    )
    rejected = await rec.reconsideration(org.agency, d(2024, 11, 4))
    await reject_reconsideration(ctx, rejected.id, reason="超过申请期限", rejected_date=d(2024, 11, 8))
    await rec.reconsideration(org.agency, d(2024, 6, 28))  # received before the period
    await rec.reconsideration(org.agency, d(2025, 1, 2))  # and after it
    await ctx.session.commit()
    board = await indicators.dashboard(ctx, org.jurisdiction.id, H2_2024)
    received = board.indicator("qiannan.reconsideration_received")
    assert (received.label_zh, received.current.value, received.current.display) == ("行政复议收案数", 5, "5")
    assert received.definition.added and received.definition.source == "qiannan"
    assert received.definition.citation is not None and "收案181件" in received.definition.citation.clause
    units = {row.name: v for row in board.units for v in row.values if v.indicator == received.indicator}
    assert (units["县自然资源局"].figure.value, units["城关镇"].figure.value) == (4, 1)


async def test_qiannan_correction_count(make_ctx: CtxFactory) -> None:
    """004 一清: 「精確掌握糾錯數(shù)、敗訴數(shù)、負責人出庭案件數(shù)」 — the corrections counted are the numerator of
    the correction rate: revoked, varied, confirmed illegal, ordered to perform."""
    ctx, org, rec = await _counted(make_ctx)
    decisions = [
        ReconsiderationDecision.REVOKED,
        ReconsiderationDecision.VARIED,
        ReconsiderationDecision.CONFIRMED_ILLEGAL,
        ReconsiderationDecision.ORDERED_TO_PERFORM,
        ReconsiderationDecision.UPHELD,
        ReconsiderationDecision.MEDIATED,
        ReconsiderationDecision.DISMISSED,
    ]
    for i, decision in enumerate(decisions):
        await rec.reconsideration(
            org.agency, d(2024, 8, 1 + i), concluded=d(2024, 9, 2 + i), decision=decision
        )
    await rec.reconsideration(  # concluded in the first half: not counted
        org.agency, d(2024, 5, 6), concluded=d(2024, 6, 28), decision=ReconsiderationDecision.REVOKED
    )
    await ctx.session.commit()
    board = await indicators.dashboard(ctx, org.jurisdiction.id, H2_2024)
    corrections = board.indicator("qiannan.correction_count").current
    rate = board.indicator("correction_rate").current
    assert corrections.value == rate.numerator == 4 and rate.denominator == 7
    assert board.indicator("qiannan.correction_count").definition.direction == "lower_is_better"


async def test_qiannan_head_appearance_cases(make_ctx: CtxFactory) -> None:
    """004 一清: 「精確掌握糾錯數(shù)、敗訴數(shù)、負責人出庭案件數(shù)」 — cases, not hearings: a first-instance case heard
    twice with the head in court once counts once; an appeal heard with the head does not count."""
    ctx, org, rec = await _counted(make_ctx)
    twice = await rec.case(org.agency, d(2024, 7, 1))
    await rec.hearing(twice, d(2024, 8, 5), attended=False)
    await rec.hearing(twice, d(2024, 9, 9), attended=True)
    also = await rec.case(org.agency, d(2024, 7, 2))
    await rec.hearing(also, d(2024, 8, 6), attended=True)
    await rec.hearing(also, d(2024, 10, 8), attended=True)
    without = await rec.case(org.township, d(2024, 7, 3))
    await rec.hearing(without, d(2024, 8, 7), attended=False)
    first = await rec.concluded_case(
        org.agency, d(2024, 1, 2), d(2024, 4, 1), OutcomeKind.REVOKED, attended=True
    )
    appeal = await rec.case(
        org.agency,
        d(2024, 7, 8),
        instance=Instance.SECOND,
        parent=first,
        dispute=await ctx.session.get(Dispute, first.dispute_id),
    )
    await rec.hearing(appeal, d(2024, 9, 10), attended=True)
    await ctx.session.commit()
    board = await indicators.dashboard(ctx, org.jurisdiction.id, H2_2024)
    cases_with_head = board.indicator("qiannan.head_appearance_cases")
    assert cases_with_head.current.value == 2
    assert cases_with_head.definition.direction == "higher_is_better"


async def test_qiannan_head_appearance_rate_counted_per_case(make_ctx: CtxFactory) -> None:
    """004 今年1月至8月: 「全州已開庭行政應訴一審363件,行政機關負責人出庭應訴275件,出庭應訴率75.76%」 — the
    rate is over cases heard (件), so Qiannan's definition counts per case; the national one per hearing."""
    ctx, org, rec = await _counted(make_ctx)
    adjourned = await rec.case(org.agency, d(2024, 7, 1))
    await rec.hearing(adjourned, d(2024, 8, 5), attended=False)  # adjourned, head absent
    await rec.hearing(adjourned, d(2024, 9, 9), attended=True)  # continued with the head
    absent = await rec.case(org.township, d(2024, 7, 3))
    await rec.hearing(absent, d(2024, 8, 7), attended=False)
    await rec.hearing(absent, d(2024, 8, 21), attended=False)
    await ctx.session.commit()
    board = await indicators.dashboard(ctx, org.jurisdiction.id, H2_2024)
    rate = board.indicator("head_appearance_rate")
    assert (rate.current.numerator, rate.current.denominator, rate.current.value) == (1, 2, Decimal("50.00"))
    assert rate.definition.per_case and rate.definition.source == "qiannan"
    national = await tally(
        ctx.session,
        "head_appearance_rate",
        Scope((org.jurisdiction.id,), (H2_2024,), resolve(None, "head_appearance_rate"), d(2025, 1, 10)),
    )
    assert national.total(0, org.jurisdiction.id) == (1, 4)  # per hearing: 1 of 4
    # A quarter counts the cases heard in it: the adjourned case is in Q3 once, with the head.
    q3 = await indicators.dashboard(ctx, org.jurisdiction.id, P.quarter(2024, 3))
    assert q3.indicator("head_appearance_rate").current.numerator == 1
    assert q3.indicator("head_appearance_rate").current.denominator == 2
