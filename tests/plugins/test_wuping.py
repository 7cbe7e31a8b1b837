"""Wuping county (source 001, 武政办〔2023〕47号): one test per rule, named after the rule id.

Each test drives the core services and checks the exact obligation: rule, owner, due date (across
the 2024 National Day holiday, Oct 1-7, make-up working days Sun Sep 29 and Sat Oct 12; "N日" is
counted in calendar days and a last day in the holiday moves to Tue Oct 8) and fulfilment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from core.cases.models import LitigationCase
from core.cases.service import (
    approve_substitute,
    check_identity,
    file_litigation_case,
    mark_effective,
    record_hearing,
    record_outcome,
    record_response_notice,
    report_response,
    schedule_hearing,
    submit_duty,
)
from core.clock import CHINA
from core.context import ServiceContext
from core.disputes.models import Dispute
from core.disputes.service import (
    DisputeInput,
    accept_resolution,
    assign_resolution,
    conclude_resolution,
    extend_resolution,
    record_dispute,
    report_progress,
)
from core.enums import (
    ActionType,
    DisputeField,
    DisputeSource,
    DutyKind,
    IdentityCheck,
    ObligationStatus,
    OfficialRank,
    OutcomeKind,
    ResolutionStage,
    UnitKind,
)
from core.errors import ValidationFailed
from core.obligations.models import Obligation
from core.obligations.service import emit_periodic
from core.org.models import Official
from core.org.service import create_jurisdiction_from_plugin, create_official, create_unit
from core.policy.conformance import drive, make_event, obligations_on
from core.policy.evaluate import TargetStatus, UnitResult, evaluate_penalties, evaluate_target
from core.policy.types import EventKind, PenaltyKind, PenaltyRule, Recipient, TargetSpec
from plugins.wuping import rules

d = dt.date
SOURCE = "001_65b9a4aea3f36102.txt"


@dataclass
class County:
    jurisdiction_id: int
    agency_id: int
    township_id: int
    government_id: int
    head: Official
    deputy: Official
    county_leader: Official
    county_head: Official


@pytest.fixture
async def wp(ctx: ServiceContext) -> County:
    j = await create_jurisdiction_from_plugin(ctx, "wuping")
    agency = await create_unit(ctx, j.id, name="武平县人力资源和社会保障局", kind=UnitKind.AGENCY)
    town = await create_unit(ctx, j.id, name="平川街道", kind=UnitKind.TOWNSHIP)
    government = await create_unit(ctx, j.id, name="武平县人民政府", kind=UnitKind.COUNTY_GOVERNMENT)
    await ctx.session.flush()
    head = await create_official(ctx, agency.id, name="钟局长", rank=OfficialRank.PRINCIPAL_HEAD)
    deputy = await create_official(ctx, agency.id, name="林副局长", rank=OfficialRank.DEPUTY_HEAD)
    leader = await create_official(
        ctx, government.id, name="王副县长", rank=OfficialRank.COUNTY_LEADER_IN_CHARGE
    )
    county_head = await create_official(
        ctx, government.id, name="刘县长", rank=OfficialRank.COUNTY_PRINCIPAL_LEADER
    )
    await ctx.session.flush()
    return County(j.id, agency.id, town.id, government.id, head, deputy, leader, county_head)


async def record(
    ctx: ServiceContext,
    county: County,
    *,
    received: dt.date,
    source: DisputeSource = DisputeSource.OTHER,
    origin: dt.date | None = None,
    unit_id: int | None = None,
) -> Dispute:
    return await record_dispute(
        ctx,
        DisputeInput(
            unit_id=unit_id or county.agency_id,
            title="不服工伤认定决定",
            applicant_name="钟某",
            field=DisputeField.WORK_INJURY,
            action_type=ActionType.CONFIRMATION,
            source=source,
            received_date=received,
            origin_date=origin,
        ),
    )


async def one(ctx: ServiceContext, subject_type: str, subject_id: int, rule_id: str) -> Obligation:
    found = await obligations_on(ctx, subject_type, subject_id, rule_id)
    assert len(found) == 1, f"expected one {rule_id} obligation, found {len(found)}"
    return found[0]


async def case_for(
    ctx: ServiceContext, county: County, *, filed: dt.date, unit_id: int | None = None, number: str = "1"
) -> LitigationCase:
    dispute = await record(ctx, county, received=filed, source=DisputeSource.LITIGATION, unit_id=unit_id)
    return await file_litigation_case(
        ctx,
        dispute.id,
        court="武平县人民法院",
        case_number=f"（2024）闽0824行初{number}号",
        plaintiff_name="钟某",
        filed_date=filed,
    )


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 30), tzinfo=CHINA)


async def judged_case(ctx: ServiceContext, county: County, outcome: OutcomeKind) -> LitigationCase:
    """A first-instance case heard on Sep 10, decided Sep 20, effective (received) Fri Sep 27."""
    case = await case_for(ctx, county, filed=d(2024, 8, 1))
    hearing = await schedule_hearing(ctx, case.id, scheduled_at=at(d(2024, 9, 10)), head_required=False)
    await record_hearing(
        ctx,
        hearing.id,
        held_at=at(d(2024, 9, 10)),
        head_attended=True,
        attending_official_id=county.head.id,
        head_spoke=True,
    )
    await record_outcome(
        ctx, case.id, kind=outcome, decided_date=d(2024, 9, 20), received_date=d(2024, 9, 23)
    )
    await mark_effective(ctx, case.id, effective_date=d(2024, 9, 27))
    return case


def penalty(rule_id: str) -> PenaltyRule:
    return next(p for p in rules.PENALTY_RULES if p.id == rule_id)


def target(target_id: str) -> TargetSpec:
    return next(t for t in rules.TARGETS if t.id == target_id)


# ---------------------------------------------------------------------------------------------
# 一、诉前/诉中/宣判后协调化解
# ---------------------------------------------------------------------------------------------


async def test_wuping_oral_notice_feedback_within_5_days(ctx: ServiceContext, wp: County) -> None:
    """001 一（一）: 「涉诉行政机关被口头通知行政起诉事项的,应当自收到通知后5日内向县司法局反馈协调化解情况」

    Oral notice Fri Sep 27: day 5 is Oct 2, a holiday, so the period ends Tue Oct 8.
    """
    on_time = await record(
        ctx, wp, received=d(2024, 10, 8), origin=d(2024, 9, 27), source=DisputeSource.COURT_ORAL_NOTICE
    )
    ob = await one(ctx, "dispute", on_time.id, "wuping.oral_notice_feedback")
    assert (ob.owner_role, ob.unit_id, ob.trigger_date, ob.due_date) == (
        "unit",
        wp.agency_id,
        d(2024, 9, 27),
        d(2024, 10, 8),
    )
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 10, 8))
    late = await record(
        ctx, wp, received=d(2024, 10, 9), origin=d(2024, 9, 27), source=DisputeSource.COURT_ORAL_NOTICE
    )
    assert (
        await one(ctx, "dispute", late.id, "wuping.oral_notice_feedback")
    ).status == ObligationStatus.MET_LATE
    screening = await record(ctx, wp, received=d(2024, 10, 8), source=DisputeSource.SCREENING)
    assert await obligations_on(ctx, "dispute", screening.id, "wuping.oral_notice_feedback") == []


async def test_wuping_oral_notice_forward_immediately(ctx: ServiceContext, wp: County) -> None:
    """001 一（一）: 「县司法局在收到人民法院尚未立案之前的口头通知行政起诉事项或《委托协调化解函》时,
    应立即告知涉诉行政机关并报送相关分管县领导」 — a justice-bureau duty marked met by hand."""
    dispute = await record(
        ctx, wp, received=d(2024, 9, 27), origin=d(2024, 9, 27), source=DisputeSource.COURT_ORAL_NOTICE
    )
    ob = await one(ctx, "dispute", dispute.id, "wuping.oral_notice_forward")
    assert (ob.owner_role, ob.unit_id, ob.due_date, ob.urgent, ob.status) == (
        "justice_bureau",
        None,
        d(2024, 9, 27),
        True,
        ObligationStatus.OPEN,
    )


async def test_wuping_court_letter_forward_immediately(ctx: ServiceContext, wp: County) -> None:
    """001 一（二）: 「县司法局收到人民法院出具的《委托协调化解函》后,应及时告知涉诉行政机关并报送相关分管县领导,
    由相关分管县领导和县司法局共同督促涉诉行政机关协调化解」"""
    dispute = await record(ctx, wp, received=d(2024, 9, 6), source=DisputeSource.COURT_LETTER)
    effort = await assign_resolution(
        ctx,
        dispute.id,
        unit_id=wp.agency_id,
        stage=ResolutionStage.PRE_FILING,
        assigned_date=d(2024, 9, 6),
        by_court_letter=True,
    )
    ob = await one(ctx, "resolution_effort", effort.id, "wuping.court_letter_forward")
    assert (ob.owner_role, ob.due_date, ob.status) == ("justice_bureau", d(2024, 9, 6), ObligationStatus.OPEN)
    plain = await record(ctx, wp, received=d(2024, 9, 6))
    effort2 = await assign_resolution(
        ctx, plain.id, unit_id=wp.agency_id, stage=ResolutionStage.PRE_FILING, assigned_date=d(2024, 9, 6)
    )
    assert await obligations_on(ctx, "resolution_effort", effort2.id) == []  # no letter, no Wuping duty


async def test_wuping_coordination_letter_period_one_month(ctx: ServiceContext, wp: County) -> None:
    """001 一（一）: 「《委托协调化解函》的协调化解期限原则上为一个月,在征得各方当事人同意后可以延长,涉诉行政机关
    应及时将延长情况函告人民法院…」「涉诉行政机关在协调化解期限届满前应及时将结果以《委托协调化解反馈函》
    书面函告人民法院,并抄送县司法局」

    Letter assigned Fri Sep 6: one month ends Sun Oct 6 (holiday), so Tue Oct 8. An extension needs
    the parties' consent and the court to be told; the failed reply states process, claims,
    point in dispute and reasons.
    """
    dispute = await record(ctx, wp, received=d(2024, 9, 6), source=DisputeSource.COURT_LETTER)
    effort = await assign_resolution(
        ctx,
        dispute.id,
        unit_id=wp.agency_id,
        stage=ResolutionStage.PRE_FILING,
        assigned_date=d(2024, 9, 6),
        by_court_letter=True,
    )
    assert effort.due_date == d(2024, 10, 8)
    ob = await one(ctx, "resolution_effort", effort.id, "wuping.coordination_letter_period")
    assert (ob.owner_role, ob.unit_id, ob.due_date) == ("unit", wp.agency_id, d(2024, 10, 8))
    await accept_resolution(ctx, effort.id, accepted_date=d(2024, 9, 9), notice_delivered_date=d(2024, 9, 9))
    with pytest.raises(ValidationFailed) as court:
        await extend_resolution(
            ctx,
            effort.id,
            new_due_date=d(2024, 11, 8),
            reason="双方同意继续协商",
            applicant_consent=True,
            centre_consent=False,
            court_informed=False,
            granted_date=d(2024, 10, 8),
        )
    assert court.value.field == "courtInformed"
    with pytest.raises(ValidationFailed) as consent:
        await extend_resolution(
            ctx,
            effort.id,
            new_due_date=d(2024, 11, 8),
            reason="双方同意继续协商",
            applicant_consent=False,
            centre_consent=False,
            court_informed=True,
            granted_date=d(2024, 10, 8),
        )
    assert consent.value.field == "applicantConsent"
    await extend_resolution(
        ctx,
        effort.id,
        new_due_date=d(2024, 11, 8),
        reason="双方同意继续协商",
        applicant_consent=True,
        centre_consent=False,
        court_informed=True,
        granted_date=d(2024, 10, 8),
    )
    assert (ob.due_date, ob.status) == (d(2024, 11, 8), ObligationStatus.OPEN)
    # The source sets no limit on how often or how long: a second extension of over a year is allowed.
    await extend_resolution(
        ctx,
        effort.id,
        new_due_date=d(2026, 1, 30),
        reason="各方当事人再次同意延长",
        applicant_consent=True,
        centre_consent=False,
        court_informed=True,
        granted_date=d(2024, 11, 1),
    )
    assert (ob.due_date, effort.extensions_used) == (d(2026, 1, 30), 2)
    policy = ctx.registry.policy("wuping").deadline_rule("wuping.coordination_letter_period")
    assert policy is not None and policy.extension is not None
    assert (policy.extension.max_extensions, policy.extension.max_extension) == (None, None)
    await conclude_resolution(
        ctx,
        effort.id,
        succeeded=False,
        concluded_date=d(2024, 11, 7),
        failure_reason="申请人坚持全额赔偿",
        failure_process="三次组织协调",
        claims_summary="申请人要求撤销认定；局方坚持原决定",
        point_in_dispute="是否属于工作时间",
    )
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 11, 7))


async def test_wuping_coordination_weekly_progress(ctx: ServiceContext, wp: County) -> None:
    """001 五: 「涉诉行政机关收到《委托协调化解函》后,应每周向县司法局通报协调化解进展情况」

    Letter Fri Sep 6: first report due Fri Sep 13; each report opens the next week's duty; the
    effort's conclusion waives the open one.
    """
    dispute = await record(ctx, wp, received=d(2024, 9, 6), source=DisputeSource.COURT_LETTER)
    effort = await assign_resolution(
        ctx,
        dispute.id,
        unit_id=wp.agency_id,
        stage=ResolutionStage.PRE_FILING,
        assigned_date=d(2024, 9, 6),
        by_court_letter=True,
    )
    first = await one(ctx, "resolution_effort", effort.id, "wuping.coordination_weekly_progress")
    assert (first.owner_role, first.occurrence, first.due_date) == ("unit", "1", d(2024, 9, 13))
    await accept_resolution(ctx, effort.id, accepted_date=d(2024, 9, 9), notice_delivered_date=d(2024, 9, 9))
    await report_progress(ctx, effort.id, report_date=d(2024, 9, 13), content="已与申请人面谈")
    assert (first.status, first.met_date) == (ObligationStatus.MET, d(2024, 9, 13))
    weeks = await obligations_on(ctx, "resolution_effort", effort.id, "wuping.coordination_weekly_progress")
    second = weeks[1]
    assert (second.occurrence, second.trigger_date, second.due_date, second.status) == (
        "2",
        d(2024, 9, 13),
        d(2024, 9, 20),
        ObligationStatus.OPEN,
    )
    await conclude_resolution(
        ctx,
        effort.id,
        succeeded=False,
        concluded_date=d(2024, 9, 18),
        failure_reason="分歧较大",
        failure_process="两次协调",
        claims_summary="申请人要求补偿；局方认为无依据",
        point_in_dispute="补偿标准",
    )
    assert second.status == ObligationStatus.WAIVED


async def test_wuping_response_notice_report_within_3_days(ctx: ServiceContext, wp: County) -> None:
    """001 一（二）: 「涉诉行政机关应在收到人民法院应诉通知书及相关材料后3日内告知县司法局并向相关分管县领导报告」

    Notice received Mon Sep 30: day 3 is Oct 3, a holiday, so the period ends Tue Oct 8.
    """
    case = await case_for(ctx, wp, filed=d(2024, 9, 26))
    await record_response_notice(ctx, case.id, received_date=d(2024, 9, 30))
    ob = await one(ctx, "litigation_case", case.id, "wuping.response_notice_report")
    assert (ob.owner_role, ob.unit_id, ob.due_date) == ("unit", wp.agency_id, d(2024, 10, 8))
    await report_response(ctx, case.id, reported_date=d(2024, 10, 8))
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 10, 8))


# ---------------------------------------------------------------------------------------------
# 二、负责人出庭应诉
# ---------------------------------------------------------------------------------------------


async def test_wuping_head_appearance_when_court_asks(ctx: ServiceContext, wp: County) -> None:
    """001 二: 「凡人民法院要求行政机关负责人出庭的,必须由涉诉行政机关的主要负责人出庭;
    以县政府为被告的案件由分管副县长出庭」

    Due on the hearing day; only a qualifying head's attendance meets it. A deputy head does not
    qualify when the court asked for the head.
    """
    case = await case_for(ctx, wp, filed=d(2024, 9, 2))
    hearing = await schedule_hearing(ctx, case.id, scheduled_at=at(d(2024, 10, 8)), head_required=True)
    ob = await one(ctx, "hearing", hearing.id, "wuping.head_appearance")
    assert (ob.owner_role, ob.unit_id, ob.due_date, ob.urgent) == ("unit", wp.agency_id, d(2024, 10, 8), True)
    with pytest.raises(ValidationFailed) as deputy:
        await record_hearing(
            ctx,
            hearing.id,
            held_at=at(d(2024, 10, 8)),
            head_attended=True,
            attending_official_id=wp.deputy.id,
            head_spoke=True,
        )
    assert deputy.value.code == "not_qualifying"
    await record_hearing(
        ctx,
        hearing.id,
        held_at=at(d(2024, 10, 8)),
        head_attended=True,
        attending_official_id=wp.head.id,
        head_spoke=True,
    )
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 10, 8))

    absent_case = await case_for(ctx, wp, filed=d(2024, 9, 2), number="2")
    absent = await schedule_hearing(ctx, absent_case.id, scheduled_at=at(d(2024, 10, 9)), head_required=True)
    await record_hearing(
        ctx, absent.id, held_at=at(d(2024, 10, 9)), head_attended=False, excuse_reason="出差"
    )
    breached = await one(ctx, "hearing", absent.id, "wuping.head_appearance")
    assert breached.status == ObligationStatus.OPEN  # stays unmet: the appearance rate falls short

    optional_case = await case_for(ctx, wp, filed=d(2024, 9, 2), number="3")
    optional = await schedule_hearing(
        ctx, optional_case.id, scheduled_at=at(d(2024, 10, 10)), head_required=False
    )
    assert await obligations_on(ctx, "hearing", optional.id, "wuping.head_appearance") == []


async def test_wuping_qualifying_head_ranks(ctx: ServiceContext, wp: County) -> None:
    """001 二: 「凡人民法院要求行政机关负责人出庭的,必须由涉诉行政机关的主要负责人出庭;以县政府为被告的案件由分管副县长出庭」"""
    policy = ctx.registry.policy("wuping")
    assert policy.qualifying_head_ranks("agency", True) == ["principal_head"]
    assert policy.qualifying_head_ranks("township", True) == ["principal_head"]
    assert policy.qualifying_head_ranks("county_government", True) == [
        "county_leader_in_charge",
        "county_principal_leader",
    ]
    # When the court did not ask, the national defaults apply.
    assert policy.qualifying_head_ranks("agency", False) == ["principal_head", "deputy_head"]
    # Through the core: a suit against the county government is attended by the deputy county head.
    case = await case_for(ctx, wp, filed=d(2024, 9, 2), unit_id=wp.government_id)
    hearing = await schedule_hearing(ctx, case.id, scheduled_at=at(d(2024, 10, 8)), head_required=True)
    await record_hearing(
        ctx,
        hearing.id,
        held_at=at(d(2024, 10, 8)),
        head_attended=True,
        attending_official_id=wp.county_leader.id,
        head_spoke=True,
    )
    assert (await one(ctx, "hearing", hearing.id, "wuping.head_appearance")).status == ObligationStatus.MET


async def test_wuping_substitute_head_with_county_leader_approval(ctx: ServiceContext, wp: County) -> None:
    """001 二: 「涉诉行政机关主要负责人有正当理由不能出庭的,经分管县领导同意后可以由分管领导出庭并告知县司法局」

    With the county leader in charge's approval the deputy head in charge stands in: the identity
    check passes, the hearing counts as a head in court and the appearance duty is met. Without it
    (or approved by someone else, or for a rank the rule does not name) he does not count.
    """
    case = await case_for(ctx, wp, filed=d(2024, 9, 2))
    hearing = await schedule_hearing(ctx, case.id, scheduled_at=at(d(2024, 10, 8)), head_required=True)
    with pytest.raises(ValidationFailed) as wrong_approver:
        await approve_substitute(
            ctx, hearing.id, official_id=wp.deputy.id, approved_by_id=wp.head.id, reason="局长外出学习"
        )
    assert (wrong_approver.value.field, wrong_approver.value.code) == ("approvedById", "not_qualifying")
    staff = await create_official(ctx, wp.agency_id, name="科员小李", rank=OfficialRank.STAFF)
    with pytest.raises(ValidationFailed) as wrong_rank:
        await approve_substitute(
            ctx, hearing.id, official_id=staff.id, approved_by_id=wp.county_leader.id, reason="局长外出学习"
        )
    assert (wrong_rank.value.field, wrong_rank.value.code) == ("officialId", "not_qualifying")
    assert hearing.substitute_approved_by_id is None  # nothing written by the refusals
    await approve_substitute(
        ctx, hearing.id, official_id=wp.deputy.id, approved_by_id=wp.county_leader.id, reason="局长外出学习"
    )
    assert (hearing.designated_official_id, hearing.substitute_approved_by_id) == (
        wp.deputy.id,
        wp.county_leader.id,
    )
    await check_identity(ctx, hearing.id)
    assert hearing.identity_check == IdentityCheck.VERIFIED
    assert "经批准代为出庭" in (hearing.identity_note or "")
    await record_hearing(
        ctx,
        hearing.id,
        held_at=at(d(2024, 10, 8)),
        head_attended=True,
        attending_official_id=wp.deputy.id,
        head_spoke=True,
    )
    assert hearing.head_attended is True
    ob = await one(ctx, "hearing", hearing.id, "wuping.head_appearance")
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 10, 8))
    # A suit against the county government has its own rule (the deputy county head): no substitute.
    gov_case = await case_for(ctx, wp, filed=d(2024, 9, 2), number="9", unit_id=wp.government_id)
    gov_hearing = await schedule_hearing(
        ctx, gov_case.id, scheduled_at=at(d(2024, 10, 9)), head_required=True
    )
    with pytest.raises(ValidationFailed) as none:
        await approve_substitute(
            ctx, gov_hearing.id, official_id=wp.deputy.id, approved_by_id=wp.county_leader.id, reason="x"
        )
    assert none.value.code == "no_substitutes"
    policy = ctx.registry.policy("wuping")
    assert policy.substitute_heads("agency", False) is None  # the court did not ask: national defaults


# ---------------------------------------------------------------------------------------------
# 五、生效裁判备案和败诉分析
# ---------------------------------------------------------------------------------------------


async def test_wuping_judgment_filing_within_7_working_days(ctx: ServiceContext, wp: County) -> None:
    """001 五: 「涉诉行政机关应当在收到行政裁判法律文书生效后的7个工作日内,向县司法局备案」

    Effective Fri Sep 27: the 7th working day is the make-up Saturday Oct 12.
    """
    case = await judged_case(ctx, wp, OutcomeKind.CLAIM_DISMISSED)
    ob = await one(ctx, "litigation_case", case.id, "wuping.judgment_filing")
    assert (ob.owner_role, ob.unit_id, ob.due_date) == ("unit", wp.agency_id, d(2024, 10, 12))
    assert (
        await obligations_on(ctx, "litigation_case", case.id, "wuping.loss_analysis_report") == []
    )  # not lost
    await submit_duty(
        ctx, case.id, kind=DutyKind.FILE_JUDGMENT, content="判决书备案", submitted_date=d(2024, 10, 12)
    )
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 10, 12))


async def test_wuping_loss_analysis_report_within_30_days(ctx: ServiceContext, wp: County) -> None:
    """001 五: 「败诉行政机关还应当自收到生效法律文书后30日内形成《行政案件败诉原因分析报告》,报送县司法局」

    Effective Fri Sep 27: day 30 is Sun Oct 27, so the period ends Mon Oct 28.
    """
    case = await judged_case(ctx, wp, OutcomeKind.REVOKED)
    ob = await one(ctx, "litigation_case", case.id, "wuping.loss_analysis_report")
    assert (ob.owner_role, ob.due_date) == ("unit", d(2024, 10, 28))
    await submit_duty(
        ctx, case.id, kind=DutyKind.FILE_JUDGMENT, content="判决书备案", submitted_date=d(2024, 10, 8)
    )
    assert ob.status == ObligationStatus.OPEN  # filing the judgment is not the analysis
    await submit_duty(
        ctx, case.id, kind=DutyKind.LOSS_ANALYSIS, content="程序违法", submitted_date=d(2024, 10, 28)
    )
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 10, 28))


# ---------------------------------------------------------------------------------------------
# 三、五: periodic duties
# ---------------------------------------------------------------------------------------------


async def test_wuping_quarterly_bulletin(ctx: ServiceContext, wp: County) -> None:
    """001 五: 「按季度通报全县行政机关行政诉讼工作情况」 — Q3's bulletin due by the end of Q4."""
    created = await emit_periodic(ctx, wp.jurisdiction_id, d(2024, 10, 1))
    ob = next(o for o in created if o.rule_id == "wuping.quarterly_bulletin")
    assert (ob.owner_role, ob.subject_type, ob.occurrence, ob.trigger_date, ob.due_date) == (
        "justice_bureau",
        "jurisdiction",
        "2024Q3",
        d(2024, 9, 30),
        d(2024, 12, 31),
    )
    bulletin = make_event(
        EventKind.REPORT_SUBMITTED,
        wp.jurisdiction_id,
        d(2024, 10, 15),
        "jurisdiction",
        wp.jurisdiction_id,
        report="quarterly_bulletin",
        period="2024Q3",
    )
    await drive(ctx, wp.jurisdiction_id, bulletin)
    assert ob.status == ObligationStatus.MET


async def _training(ctx: ServiceContext, county: County, unit_kind: str, unit_id: int) -> None:
    created = await emit_periodic(ctx, county.jurisdiction_id, d(2024, 1, 1))  # year_start "2024"
    training = [o for o in created if o.rule_id.startswith("wuping.annual_response_training")]
    assert sorted(o.unit_id or 0 for o in training) == sorted([county.agency_id, county.township_id])
    ob = next(o for o in training if o.rule_id == f"wuping.annual_response_training_{unit_kind}")
    assert (ob.unit_id, ob.occurrence, ob.trigger_date, ob.due_date) == (
        unit_id,
        "2024",
        d(2024, 1, 1),
        d(2024, 12, 31),
    )
    done = make_event(
        EventKind.REPORT_SUBMITTED,
        county.jurisdiction_id,
        d(2024, 6, 5),
        "unit",
        unit_id,
        unit_id,
        report="annual_response_training",
        period="2024",
    )
    await drive(ctx, county.jurisdiction_id, done)
    assert ob.status == ObligationStatus.MET


async def test_wuping_annual_response_training_agency(ctx: ServiceContext, wp: County) -> None:
    """001 三: 「每年开展一次以上集中培训、旁听庭审等活动」 — an agency; due by the end of the year."""
    await _training(ctx, wp, "agency", wp.agency_id)


async def test_wuping_annual_response_training_township(ctx: ServiceContext, wp: County) -> None:
    """001 三: 「每年开展一次以上集中培训、旁听庭审等活动」 — a township (街道)."""
    await _training(ctx, wp, "township", wp.township_id)


def test_wuping_escalation_chain() -> None:
    """001 五: 「县司法局视情向相关分管县领导通报,并由相关分管县领导协助督促」 and 「由县政府主要领导约谈」:
    agency → county justice bureau → county leader in charge → principal county leader."""
    chain = rules.ESCALATION
    assert [s.recipient for s in chain.steps] == [
        Recipient.UNIT,
        Recipient.JUSTICE_BUREAU,
        Recipient.COUNTY_LEADER_IN_CHARGE,
        Recipient.COUNTY_PRINCIPAL_LEADER,
    ]
    assert chain.steps[-1].action.value == "interview"
    assert {r.escalation for r in rules.DEADLINE_RULES} == {"wuping.escalation"}


# ---------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------


def test_wuping_loss_rate_decline() -> None:
    """001 序言: 「实现行政诉讼败诉率、万人成讼率“双下降”目标」 — the loss rate must fall."""
    spec = target("wuping.loss_rate_decline")
    assert evaluate_target(spec, Decimal("4.90"), Decimal("5.00"), None).status is TargetStatus.MET
    assert evaluate_target(spec, Decimal("5.00"), Decimal("5.00"), None).status is TargetStatus.MISSED
    assert evaluate_target(spec, Decimal("4.90"), None, None).status is TargetStatus.NO_DATA


def test_wuping_suits_per_10k_decline() -> None:
    """001 序言: 「实现行政诉讼败诉率、万人成讼率“双下降”目标」 — 万人成讼率 must fall."""
    spec = target("wuping.suits_per_10k_decline")
    assert evaluate_target(spec, Decimal("1.10"), Decimal("1.25"), None).status is TargetStatus.MET
    assert evaluate_target(spec, Decimal("1.30"), Decimal("1.25"), None).status is TargetStatus.MISSED


def test_wuping_head_appearance_full() -> None:
    """001 二: 「确保我县行政机关负责人出庭应诉率达100%」"""
    spec = target("wuping.head_appearance_full")
    assert evaluate_target(spec, Decimal("100"), None, None).status is TargetStatus.MET
    result = evaluate_target(spec, Decimal("99.50"), None, None)
    assert result.status is TargetStatus.MISSED
    assert result.reasons_zh == ("出庭应诉率99.50%，低于目标值100.00%，相差0.50个百分点，未达标",)


def test_wuping_suits_per_10k_not_above_city() -> None:
    """001 四: 「涉诉行政机关“万人成讼率”年度指标高于全市平均水平的」 — compared with the city average."""
    spec = target("wuping.suits_per_10k_not_above_city")
    assert spec.applies_to == "unit"
    assert evaluate_target(spec, Decimal("1.20"), None, Decimal("1.20")).status is TargetStatus.MET
    assert evaluate_target(spec, Decimal("1.21"), None, Decimal("1.20")).status is TargetStatus.MISSED
    no_ref = evaluate_target(spec, Decimal("1.21"), None, None)
    assert no_ref.status is TargetStatus.NO_DATA
    assert no_ref.reasons_zh == ("万人成讼率：全市平均水平未录入，无法判断",)


def test_wuping_suits_per_10k_indicator_definition() -> None:
    """001 四: 「涉诉行政机关“万人成讼率”年度指标高于全市平均水平的」 — counted per agency, per year."""
    definition = rules.INDICATOR_DEFINITIONS["suits_per_10k"]
    assert definition.instances == frozenset({"first"})
    assert "按涉诉行政机关分别计算" in definition.description_zh


# ---------------------------------------------------------------------------------------------
# Penalties
# ---------------------------------------------------------------------------------------------


def test_wuping_head_appearance_zero_score() -> None:
    """001 二: 「涉诉行政机关负责人出庭应诉率未达到100%的,…关于“行政机关负责人出庭应诉率”考核指标部分,不得分」"""
    rows = [
        UnitResult(1, {"head_appearance_rate": Decimal("100")}),
        UnitResult(2, {"head_appearance_rate": Decimal("80")}),
        UnitResult(3, {"head_appearance_rate": None}),  # no hearing held: no data, no penalty
    ]
    applied = evaluate_penalties([penalty("wuping.head_appearance_zero_score")], rows)
    assert [(a.unit_id, a.penalty, a.indicator) for a in applied] == [
        (2, PenaltyKind.ZERO_SCORE, "head_appearance_rate")
    ]
    assert applied[0].reason_zh.startswith("单位2出庭应诉率80.00%，未达到100.00%，该项指标不得分")


def _above_city(rule_id: str, kind: PenaltyKind) -> None:
    ref = {("suits_per_10k", "city"): Decimal("1.50")}
    rows = [
        UnitResult(1, {"suits_per_10k": Decimal("1.50")}, references=ref),
        UnitResult(2, {"suits_per_10k": Decimal("1.51")}, references=ref),
        UnitResult(3, {"suits_per_10k": Decimal("3.00")}),  # city average not entered: no penalty
    ]
    applied = evaluate_penalties([penalty(rule_id)], rows)
    assert [(a.unit_id, a.penalty) for a in applied] == [(2, kind)]
    assert applied[0].citation.source == SOURCE


def test_wuping_suits_per_10k_zero_score() -> None:
    """001 四: 「…“万人成讼率”年度指标高于全市平均水平的,…关于“行政诉讼万人成讼率”考核指标部分,不得分」"""
    _above_city("wuping.suits_per_10k_zero_score", PenaltyKind.ZERO_SCORE)


def test_wuping_suits_per_10k_award_ineligible() -> None:
    """001 四: 「…同时取消涉诉行政机关及其主要领导相关评先评优资格」"""
    _above_city("wuping.suits_per_10k_award_ineligible", PenaltyKind.AWARD_INELIGIBLE)


def test_wuping_suits_per_10k_criticism() -> None:
    """001 四: 「…并视情作出通报批评」 (at the bureau's discretion)"""
    _above_city("wuping.suits_per_10k_criticism", PenaltyKind.CRITICISM)


def _fact(rule_id: str, fact: str, kind: PenaltyKind) -> None:
    rows = [UnitResult(1, {}), UnitResult(2, {})]
    applied = evaluate_penalties([penalty(rule_id)], rows, {1: {fact}})
    assert [(a.rule_id, a.unit_id, a.penalty) for a in applied] == [(rule_id, 1, kind)]


def test_wuping_reminder_letter() -> None:
    """001 五: 「适时对败诉率高或行政诉讼案件数量多的涉诉行政机关发《工作提醒函》」 — quarterly."""
    _fact("wuping.reminder_letter", "high_loss_rate_or_many_cases", PenaltyKind.REMINDER_LETTER)
    rows = [UnitResult(1, {})]
    facts = {1: {"high_loss_rate_or_many_cases"}}
    assert evaluate_penalties([penalty("wuping.reminder_letter")], rows, facts, period="year") == []


def test_wuping_principal_leader_interview() -> None:
    """001 五: 「涉诉行政机关未有效落实《工作提醒函》,且“败诉率”“万人成讼率”持续较高的,由县政府主要领导约谈」"""
    _fact("wuping.principal_leader_interview", "reminder_letter_ignored_rates_high", PenaltyKind.INTERVIEW)


def test_wuping_no_legality_review_accountability() -> None:
    """001 三: 「行政机关未有效落实行政执法决定合法性审查导致行政案件败诉的,…予以效能问责」"""
    _fact(
        "wuping.no_legality_review_accountability", "loss_without_legality_review", PenaltyKind.ACCOUNTABILITY
    )


def test_wuping_refused_correction_accountability() -> None:
    """001 三: 「…在人民法院审理过程中已发现行政案件存在败诉风险,涉诉行政机关拒不纠错导致行政案件败诉的,…效能问责」"""
    _fact(
        "wuping.refused_correction_accountability",
        "loss_after_refusing_correction",
        PenaltyKind.ACCOUNTABILITY,
    )


def test_wuping_loss_responsibility_accountability() -> None:
    """001 五: 「对行政败诉案件负有责任的涉诉行政机关及其工作人员,严格按照…(龙政办〔2022〕59号)等规定进行追责」"""
    _fact("wuping.loss_responsibility_accountability", "responsible_for_loss", PenaltyKind.ACCOUNTABILITY)


def test_wuping_profile() -> None:
    """001: 「武平县人民政府办公室关于进一步做好行政机关行政应诉工作的通知」"""
    p = rules.PROFILE
    assert (p.code, p.name, p.level, p.parent_name, p.province_name) == (
        "wuping",
        "武平县",
        "county",
        "龙岩市",
        "福建省",
    )
