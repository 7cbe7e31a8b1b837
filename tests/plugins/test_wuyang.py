"""Wuyang county (source 003, 舞法办〔2023〕3号): one test per rule, named after the rule id.

Working days across the 2024 National Day holiday (Oct 1-7; make-up working days Sun Sep 29 and
Sat Oct 12); fixed dates (31 January) do not move even inside the 2025 Spring Festival holiday.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from core.calendar.workdays import WorkdayCalendar
from core.cases.models import LitigationCase
from core.cases.service import (
    file_litigation_case,
    record_hearing,
    record_outcome,
    record_response_notice,
    report_response,
    schedule_hearing,
    submit_duty,
)
from core.clock import CHINA
from core.context import ServiceContext
from core.disputes.service import DisputeInput, record_dispute
from core.enums import (
    ActionType,
    DisputeField,
    DisputeSource,
    DutyKind,
    NotificationKind,
    ObligationStatus,
    OfficialRank,
    OutcomeKind,
    UnitKind,
)
from core.obligations.models import Obligation
from core.obligations.service import emit_periodic
from core.org.service import create_jurisdiction_from_plugin, create_official, create_unit
from core.policy.conformance import drive, make_event, obligations_on
from core.policy.evaluate import TargetStatus, UnitResult, evaluate_penalties, evaluate_target
from core.policy.types import EventKind, PenaltyKind, PenaltyRule, Recipient, TargetSpec
from plugins.wuyang import rules

d = dt.date
SOURCE = "003_f595287a6d62f5c3.txt"


@dataclass
class County:
    jurisdiction_id: int
    agency_id: int
    township_id: int
    head_id: int


@pytest.fixture
async def wy(ctx: ServiceContext) -> County:
    j = await create_jurisdiction_from_plugin(ctx, "wuyang")
    agency = await create_unit(ctx, j.id, name="舞阳县市场监督管理局", kind=UnitKind.AGENCY)
    town = await create_unit(ctx, j.id, name="北舞渡镇", kind=UnitKind.TOWNSHIP)
    await create_unit(ctx, j.id, name="舞阳县司法局", kind=UnitKind.JUSTICE_BUREAU)
    await ctx.session.flush()
    head = await create_official(ctx, agency.id, name="孙局长", rank=OfficialRank.PRINCIPAL_HEAD)
    await ctx.session.flush()
    return County(j.id, agency.id, town.id, head.id)


async def one(ctx: ServiceContext, subject_type: str, subject_id: int, rule_id: str) -> Obligation:
    found = await obligations_on(ctx, subject_type, subject_id, rule_id)
    assert len(found) == 1, f"expected one {rule_id} obligation, found {len(found)}"
    return found[0]


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 30), tzinfo=CHINA)


async def case_for(ctx: ServiceContext, county: County, *, filed: dt.date) -> LitigationCase:
    dispute = await record_dispute(
        ctx,
        DisputeInput(
            unit_id=county.agency_id,
            title="不服行政处罚决定",
            applicant_name="某商贸公司",
            field=DisputeField.MARKET_REGULATION,
            action_type=ActionType.PENALTY,
            source=DisputeSource.LITIGATION,
            received_date=filed,
        ),
    )
    return await file_litigation_case(
        ctx,
        dispute.id,
        court="舞阳县人民法院",
        case_number="（2024）豫1121行初8号",
        plaintiff_name="某商贸公司",
        filed_date=filed,
    )


async def lost_case(
    ctx: ServiceContext, county: County, outcome: OutcomeKind = OutcomeKind.REVOKED
) -> LitigationCase:
    """A case heard Sep 10 and decided Sep 20; the judgment was received Fri Sep 27."""
    case = await case_for(ctx, county, filed=d(2024, 8, 1))
    hearing = await schedule_hearing(ctx, case.id, scheduled_at=at(d(2024, 9, 10)))
    await record_hearing(
        ctx,
        hearing.id,
        held_at=at(d(2024, 9, 10)),
        head_attended=True,
        attending_official_id=county.head_id,
        head_spoke=True,
    )
    await record_outcome(
        ctx, case.id, kind=outcome, decided_date=d(2024, 9, 20), received_date=d(2024, 9, 27)
    )
    return case


def penalty(rule_id: str) -> PenaltyRule:
    return next(p for p in rules.PENALTY_RULES if p.id == rule_id)


def target(target_id: str) -> TargetSpec:
    return next(t for t in rules.TARGETS if t.id == target_id)


# ---------------------------------------------------------------------------------------------
# 三（二）3: reporting of cases and losses
# ---------------------------------------------------------------------------------------------


async def test_wuyang_response_materials_report_within_3_working_days(
    ctx: ServiceContext, wy: County
) -> None:
    """003 三（二）3: 「涉诉行政执法单位在收到应诉材料之日起三个工作日内，向县司法行政部门报备；
    逾期未报备的，由县司法行政部门予以通报」

    Materials received Fri Sep 27: Sun Sep 29 (make-up), Mon Sep 30, Tue Oct 8. A late report is
    met late, and the rule's chain has the bureau issue a criticism.
    """
    case = await case_for(ctx, wy, filed=d(2024, 9, 20))
    await record_response_notice(ctx, case.id, received_date=d(2024, 9, 27))
    ob = await one(ctx, "litigation_case", case.id, "wuyang.response_materials_report")
    assert (ob.owner_role, ob.unit_id, ob.due_date) == ("unit", wy.agency_id, d(2024, 10, 8))
    await report_response(ctx, case.id, reported_date=d(2024, 10, 9))
    assert (ob.status, ob.met_date) == (ObligationStatus.MET_LATE, d(2024, 10, 9))
    chain = ctx.registry.policy("wuyang").escalation_chain("wuyang.late_report_criticism")
    assert [(s.recipient, s.action) for s in chain.steps] == [
        (Recipient.JUSTICE_BUREAU, NotificationKind.ESCALATION),
        (Recipient.UNIT, NotificationKind.CRITICISM),
    ]


async def _loss_duty(ctx: ServiceContext, county: County, rule_id: str, kind: DutyKind) -> None:
    case = await lost_case(ctx, county)
    ob = await one(ctx, "litigation_case", case.id, rule_id)
    # Received Fri Sep 27: Sep 29 (make-up) 1, Sep 30 2, Oct 8 3, Oct 9 4, Oct 10 5.
    assert (ob.owner_role, ob.unit_id, ob.trigger_date, ob.due_date) == (
        "unit",
        county.agency_id,
        d(2024, 9, 27),
        d(2024, 10, 10),
    )
    others = [
        k for k in (DutyKind.FILE_JUDGMENT, DutyKind.LOSS_ANALYSIS, DutyKind.RECTIFICATION) if k != kind
    ]
    for other in others:
        await submit_duty(ctx, case.id, kind=other, content="已报备", submitted_date=d(2024, 10, 8))
    assert ob.status == ObligationStatus.OPEN  # each of the three items is its own duty
    await submit_duty(ctx, case.id, kind=kind, content="已报备", submitted_date=d(2024, 10, 10))
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 10, 10))


async def test_wuyang_loss_judgment_filing(ctx: ServiceContext, wy: County) -> None:
    """003 三（二）3: 「对于行政败诉案件，涉诉行政执法单位在收到裁判文书之日起五个工作日内，要将裁判文书、…
    向县司法行政部门报备」"""
    await _loss_duty(ctx, wy, "wuyang.loss_judgment_filing", DutyKind.FILE_JUDGMENT)


async def test_wuyang_loss_analysis_report(ctx: ServiceContext, wy: County) -> None:
    """003 三（二）3: 「…五个工作日内，要将…行政败诉原因分析报告…向县司法行政部门报备」"""
    await _loss_duty(ctx, wy, "wuyang.loss_analysis_report", DutyKind.LOSS_ANALYSIS)


async def test_wuyang_loss_rectification_measures(ctx: ServiceContext, wy: County) -> None:
    """003 三（二）3: 「…五个工作日内，要将…下一步整改措施向县司法行政部门报备」 — only for a lost case."""
    await _loss_duty(ctx, wy, "wuyang.loss_rectification_measures", DutyKind.RECTIFICATION)


async def test_wuyang_no_loss_duties_when_the_agency_wins(ctx: ServiceContext, wy: County) -> None:
    """003 三（二）3: 「对于行政败诉案件…」 — a judgment for the agency creates none of the three duties."""
    case = await case_for(ctx, wy, filed=d(2024, 8, 1))
    hearing = await schedule_hearing(ctx, case.id, scheduled_at=at(d(2024, 9, 10)))
    await record_hearing(
        ctx,
        hearing.id,
        held_at=at(d(2024, 9, 10)),
        head_attended=True,
        attending_official_id=wy.head_id,
        head_spoke=True,
    )
    await record_outcome(
        ctx,
        case.id,
        kind=OutcomeKind.CLAIM_DISMISSED,
        decided_date=d(2024, 9, 20),
        received_date=d(2024, 9, 27),
    )
    assert [o.rule_id for o in await obligations_on(ctx, "litigation_case", case.id)] == []


# ---------------------------------------------------------------------------------------------
# Quarterly and annual duties of the justice administration
# ---------------------------------------------------------------------------------------------


async def _quarterly(ctx: ServiceContext, county: County, rule_id: str, report: str) -> None:
    created = await emit_periodic(ctx, county.jurisdiction_id, d(2024, 10, 1))  # quarter_end 2024Q3
    ob = next(o for o in created if o.rule_id == rule_id)
    assert (ob.owner_role, ob.subject_type, ob.occurrence, ob.trigger_date, ob.due_date) == (
        "justice_bureau",
        "jurisdiction",
        "2024Q3",
        d(2024, 9, 30),
        d(2024, 12, 31),
    )
    done = make_event(
        EventKind.REPORT_SUBMITTED,
        county.jurisdiction_id,
        d(2024, 11, 20),
        "jurisdiction",
        county.jurisdiction_id,
        report=report,
        period="2024Q3",
    )
    await drive(ctx, county.jurisdiction_id, done)
    assert ob.status == ObligationStatus.MET


async def test_wuyang_quarterly_case_info_sharing(ctx: ServiceContext, wy: County) -> None:
    """003 三（二）3: 「县法院、县司法行政等部门要相互沟通对接，每季度共享行政诉讼案件信息」"""
    await _quarterly(ctx, wy, "wuyang.quarterly_case_info_sharing", "quarterly_case_info_sharing")


async def test_wuyang_quarterly_loss_ranking(ctx: ServiceContext, wy: County) -> None:
    """003 四（四）: 「实行行政败诉案件量和败诉率季度通报制度,每季度进行量化排名,对落后乡镇和部门开展专项督导」"""
    await _quarterly(ctx, wy, "wuyang.quarterly_loss_ranking", "quarterly_loss_ranking")


async def test_wuyang_quarterly_accountability_bulletin(ctx: ServiceContext, wy: County) -> None:
    """003 三（四）1: 「县司法行政部门每季度要通报执法过错责任追究情况」"""
    await _quarterly(ctx, wy, "wuyang.quarterly_accountability_bulletin", "quarterly_accountability_bulletin")


async def test_wuyang_quarterly_onsite_supervision(ctx: ServiceContext, wy: County) -> None:
    """003 三（三）2: 「采取每季度上门监督、交叉监督、推磨式监督等方式」"""
    await _quarterly(ctx, wy, "wuyang.quarterly_onsite_supervision", "quarterly_onsite_supervision")


async def test_wuyang_annual_special_supervision(ctx: ServiceContext, wy: County) -> None:
    """003 三（三）2: 「每年度开展专项执法监督」 — created when 2024 ends, due by the end of 2025."""
    created = await emit_periodic(ctx, wy.jurisdiction_id, d(2025, 1, 1))  # year_end "2024"
    ob = next(o for o in created if o.rule_id == "wuyang.annual_special_supervision")
    assert (ob.owner_role, ob.occurrence, ob.trigger_date, ob.due_date) == (
        "justice_bureau",
        "2024",
        d(2024, 12, 31),
        d(2025, 12, 31),
    )


async def _non_exercise(ctx: ServiceContext, county: County, unit_kind: str, unit_id: int) -> None:
    created = await emit_periodic(ctx, county.jurisdiction_id, d(2025, 1, 1))  # year_end "2024"
    reports = [o for o in created if o.rule_id.startswith("wuyang.annual_non_exercise_report")]
    # Enforcement agencies and townships only: the justice bureau's own unit gets none.
    assert sorted(o.unit_id or 0 for o in reports) == sorted([county.agency_id, county.township_id])
    ob = next(o for o in reports if o.rule_id == f"wuyang.annual_non_exercise_report_{unit_kind}")
    # 31 Jan 2025 falls in the Spring Festival holiday (Jan 28-Feb 4); a fixed date does not move.
    assert not WorkdayCalendar().is_working_day(d(2025, 1, 31))
    assert (ob.owner_role, ob.unit_id, ob.occurrence, ob.due_date) == (
        "unit",
        unit_id,
        "2024",
        d(2025, 1, 31),
    )
    report = make_event(
        EventKind.REPORT_SUBMITTED,
        county.jurisdiction_id,
        d(2025, 1, 27),
        "unit",
        unit_id,
        unit_id,
        report="annual_non_exercise",
        period="2024",
    )
    await drive(ctx, county.jurisdiction_id, report)
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2025, 1, 27))


async def test_wuyang_annual_non_exercise_report_agency(ctx: ServiceContext, wy: County) -> None:
    """003 三（三）2: 「依法负有行政执法职责，但在一年内未实际履行相应职责的行政执法单位，要于次年1月31日前
    将有关情况及原因报告县司法行政部门」 — an enforcement agency."""
    await _non_exercise(ctx, wy, "agency", wy.agency_id)


async def test_wuyang_annual_non_exercise_report_township(ctx: ServiceContext, wy: County) -> None:
    """003 三（三）2: 「…要于次年1月31日前将有关情况及原因报告县司法行政部门」 — a township."""
    await _non_exercise(ctx, wy, "township", wy.township_id)


# ---------------------------------------------------------------------------------------------
# Targets: "双下降" and not above the provincial average
# ---------------------------------------------------------------------------------------------


def test_wuyang_case_volume_falling() -> None:
    """003 二: 「努力实现行政诉讼发案量和败诉率“双下降”且不高于全省平均水平」 — volume falls."""
    spec = target("wuyang.case_volume_falling")
    assert evaluate_target(spec, Decimal(41), Decimal(42), None).status is TargetStatus.MET
    assert evaluate_target(spec, Decimal(42), Decimal(42), None).status is TargetStatus.MISSED


def test_wuyang_loss_rate_falling() -> None:
    """003 二: 「…行政诉讼发案量和败诉率“双下降”…」 — the loss rate falls."""
    spec = target("wuyang.loss_rate_falling")
    assert evaluate_target(spec, Decimal("10.00"), Decimal("12.50"), None).status is TargetStatus.MET
    assert evaluate_target(spec, Decimal("12.50"), Decimal("12.50"), None).status is TargetStatus.MISSED


def test_wuyang_case_volume_not_above_province() -> None:
    """003 二: 「…且不高于全省平均水平」 — volume against the provincial average (entered by administrators)."""
    spec = target("wuyang.case_volume_not_above_province")
    assert evaluate_target(spec, Decimal(40), None, Decimal(40)).status is TargetStatus.MET
    assert evaluate_target(spec, Decimal(41), None, Decimal(40)).status is TargetStatus.MISSED
    assert evaluate_target(spec, Decimal(41), None, None).status is TargetStatus.NO_DATA


def test_wuyang_loss_rate_not_above_province() -> None:
    """003 二: 「…且不高于全省平均水平」 — the loss rate against the provincial average."""
    spec = target("wuyang.loss_rate_not_above_province")
    assert evaluate_target(spec, Decimal("15.00"), None, Decimal("15.00")).status is TargetStatus.MET
    missed = evaluate_target(spec, Decimal("15.01"), None, Decimal("15.00"))
    assert missed.reasons_zh == ("败诉率15.01%，高于全省平均水平15.00%，相差0.01个百分点，未达标",)


# ---------------------------------------------------------------------------------------------
# Penalties
# ---------------------------------------------------------------------------------------------


def test_wuyang_top_three_loss_rate_no_excellent() -> None:
    """003 四（四）: 「年度行政败诉率排列前三位的,不得评为法治政府考核优秀等次」 — highest loss rates."""
    rates = {1: "40.00", 2: "0.00", 3: "25.00", 4: "33.33", 5: "10.00", 6: None}
    rows = [UnitResult(u, {"loss_rate": None if v is None else Decimal(v)}) for u, v in rates.items()]
    applied = evaluate_penalties([penalty("wuyang.top_three_loss_rate_no_excellent")], rows)
    assert [(a.unit_id, a.penalty) for a in applied] == [
        (1, PenaltyKind.NO_EXCELLENT),
        (3, PenaltyKind.NO_EXCELLENT),
        (4, PenaltyKind.NO_EXCELLENT),
    ]
    assert applied[0].reason_zh.startswith("单位1败诉率40.00%，排名倒数第1位（共5个单位），不得评为优秀")


def _fact(rule_id: str, fact: str, kind: PenaltyKind, period: str = "year") -> None:
    rows = [UnitResult(1, {}), UnitResult(2, {})]
    applied = evaluate_penalties([penalty(rule_id)], rows, {2: {fact}}, period=period)
    assert [(a.rule_id, a.unit_id, a.penalty) for a in applied] == [(rule_id, 2, kind)]
    assert applied[0].citation.source == SOURCE


def test_wuyang_quarterly_lagging_supervision() -> None:
    """003 四（四）: 「…每季度进行量化排名,对落后乡镇和部门开展专项督导」 — a quarterly measure."""
    _fact(
        "wuyang.quarterly_lagging_supervision",
        "lagging_in_quarterly_ranking",
        PenaltyKind.FOCUS_SUPERVISION,
        "quarter",
    )


def test_wuyang_many_losses_focus_supervision() -> None:
    """003 三（一）2: 「对败诉案件数量较多的乡镇或执法部门作为重点监督对象，开展现场检查、执法培训、案卷评查等活动」"""
    _fact("wuyang.many_losses_focus_supervision", "many_losses", PenaltyKind.FOCUS_SUPERVISION)


def test_wuyang_enforcement_fault_accountability() -> None:
    """003 三（四）1: 「对于因行政执法过错导致败诉的案件…要严格按照《河南省行政执法过错责任追究办法》，
    加强个案监督和责任追究」"""
    _fact("wuyang.enforcement_fault_accountability", "loss_by_enforcement_fault", PenaltyKind.ACCOUNTABILITY)


def test_wuyang_enforcement_fault_accountability_fault_tolerance() -> None:
    """003 三（四）2. 推行执法容错免责机制: 「对执法过错行为进行客观、科学、综合分析，严格认定标准，严把认定程序」
    — an enforcement error found tolerable exempts the unit from the fault accountability."""
    rows = [UnitResult(1, {}), UnitResult(2, {})]
    facts = {1: {"loss_by_enforcement_fault"}, 2: {"loss_by_enforcement_fault", "fault_tolerance_exemption"}}
    applied = evaluate_penalties([penalty("wuyang.enforcement_fault_accountability")], rows, facts)
    assert [(a.unit_id, a.penalty, a.exempted) for a in applied] == [
        (1, PenaltyKind.ACCOUNTABILITY, False),
        (2, PenaltyKind.ACCOUNTABILITY, True),
    ]
    assert applied[1].exemption is not None and applied[1].exemption.title_zh == "执法容错免责"
    assert "已认定执法容错免责，不予追究责任" in applied[1].reason_zh
    assert applied[1].exemption.citation.source == SOURCE


def test_wuyang_weak_progress_supervision() -> None:
    """003 三（五）2: 「对工作抓得不紧、推进不力的单位进行重点跟踪督办」"""
    _fact("wuyang.weak_progress_supervision", "weak_double_decline_progress", PenaltyKind.FOCUS_SUPERVISION)


def test_wuyang_profile() -> None:
    """003: 「舞阳县加强行政执法监督推动行政诉讼发案量和败诉率“双下降”行动方案」"""
    p = rules.PROFILE
    assert (p.code, p.name, p.level, p.province_name) == ("wuyang", "舞阳县", "county", "河南省")
