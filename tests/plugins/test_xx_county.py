"""XX county (sources 000 and 002): one test per rule, named after the rule id.

Each test drives the core (services, or ``emit`` for events whose service does not exist yet) and
checks the exact obligation: rule, owner, due date (across the 2024 National Day holiday, Oct 1-7
with make-up working days Sun Sep 29 and Sat Oct 12) and fulfilment. Targets and penalties are
checked with the pure evaluators on hand-made numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from core.context import ServiceContext
from core.disputes.models import Dispute
from core.disputes.service import (
    DisputeInput,
    accept_resolution,
    assign_leader,
    assign_resolution,
    conclude_resolution,
    extend_resolution,
    record_dispute,
    record_resolution_hearing,
    report_progress,
    request_judicial_confirmation,
)
from core.enums import (
    ActionType,
    BatchKind,
    DisputeField,
    DisputeSource,
    ObligationStatus,
    OfficialRank,
    ResolutionResult,
    ResolutionStage,
    UnitKind,
)
from core.errors import ValidationFailed
from core.obligations.models import Obligation
from core.obligations.service import emit_periodic
from core.org.service import create_jurisdiction_from_plugin, create_official, create_unit
from core.policy.conformance import drive, make_event, obligations_on
from core.policy.evaluate import (
    TargetStatus,
    UnitResult,
    evaluate_penalties,
    evaluate_target,
)
from core.policy.types import EventKind, PenaltyKind, PenaltyRule, TargetSpec
from plugins.xx_county import rules

d = dt.date
PLAN = "000_16b14d27ac04f059.txt"
RESOLUTION = "002_49ac75883d6868a7.txt"


@dataclass
class County:
    jurisdiction_id: int
    unit_id: int
    township_id: int
    government_id: int


@pytest.fixture
async def xx(ctx: ServiceContext) -> County:
    j = await create_jurisdiction_from_plugin(ctx, "xx_county")
    unit = await create_unit(ctx, j.id, name="县自然资源局", kind=UnitKind.AGENCY)
    town = await create_unit(ctx, j.id, name="城关镇", kind=UnitKind.TOWNSHIP)
    government = await create_unit(ctx, j.id, name="XX县人民政府", kind=UnitKind.COUNTY_GOVERNMENT)
    await ctx.session.flush()
    return County(j.id, unit.id, town.id, government.id)


async def record(
    ctx: ServiceContext,
    county: County,
    *,
    received: dt.date,
    source: DisputeSource = DisputeSource.SCREENING,
    origin: dt.date | None = None,
    batch: BatchKind = BatchKind.SINGLE,
    major: bool = False,
    risk: bool = False,
) -> Dispute:
    return await record_dispute(
        ctx,
        DisputeInput(
            unit_id=county.unit_id,
            title="不服征收补偿决定",
            applicant_name="张三",
            field=DisputeField.LAND_EXPROPRIATION,
            action_type=ActionType.EXPROPRIATION,
            source=source,
            received_date=received,
            origin_date=origin,
            batch_kind=batch,
            is_major=major,
            loss_risk=risk,
        ),
    )


async def one(ctx: ServiceContext, subject_type: str, subject_id: int, rule_id: str) -> Obligation:
    found = await obligations_on(ctx, subject_type, subject_id, rule_id)
    assert len(found) == 1, f"expected one {rule_id} obligation, found {len(found)}"
    return found[0]


def rule(rule_id: str) -> PenaltyRule:
    return next(p for p in rules.PENALTY_RULES if p.id == rule_id)


def target(target_id: str) -> TargetSpec:
    return next(t for t in rules.TARGETS if t.id == target_id)


async def effort_for(ctx: ServiceContext, county: County, assigned: dt.date) -> int:
    dispute = await record(ctx, county, received=assigned)
    effort = await assign_resolution(
        ctx, dispute.id, unit_id=county.unit_id, stage=ResolutionStage.PRE_FILING, assigned_date=assigned
    )
    return effort.id


# ---------------------------------------------------------------------------------------------
# 000: leader in charge ("一案一策一专班")
# ---------------------------------------------------------------------------------------------


async def _leader_case(ctx: ServiceContext, county: County, rule_id: str, **flags: object) -> None:
    dispute = await record(ctx, county, received=d(2024, 11, 18), **flags)  # type: ignore[arg-type]
    ob = await one(ctx, "dispute", dispute.id, rule_id)
    assert (ob.owner_role, ob.unit_id, ob.due_date, ob.status) == (
        "unit",
        county.unit_id,
        d(2024, 11, 18),
        ObligationStatus.OPEN,
    )
    leader = await create_official(ctx, county.unit_id, name="李局长", rank=OfficialRank.PRINCIPAL_HEAD)
    await ctx.session.flush()
    await assign_leader(
        ctx,
        dispute.id,
        official_id=leader.id,
        plan="逐户走访，一户一策",
        deadline=d(2024, 12, 31),
        task_team="征收专班",
    )
    # The leader was put in charge on "today" (Nov 20), two days after recording: met late.
    assert (ob.status, ob.met_date) == (ObligationStatus.MET_LATE, d(2024, 11, 20))


async def test_xx_county_leader_for_batch_case(ctx: ServiceContext, xx: County) -> None:
    """000 二（二）: 「特别是针对行政诉讼“批案”“系列案”以及可能败诉的案件,要实行领导包案化解…」"""
    await _leader_case(ctx, xx, "xx_county.leader_for_batch_case", batch=BatchKind.BATCH)
    single = await record(ctx, xx, received=d(2024, 11, 18))
    assert await obligations_on(ctx, "dispute", single.id, "xx_county.leader_for_batch_case") == []


async def test_xx_county_leader_for_series_case(ctx: ServiceContext, xx: County) -> None:
    """000 二（二）: 「…“系列案”…要实行领导包案化解,制定化解方案,做到“一案一策一专班”,明确化解期限」"""
    await _leader_case(ctx, xx, "xx_county.leader_for_series_case", batch=BatchKind.SERIES)


async def test_xx_county_leader_for_loss_risk_case(ctx: ServiceContext, xx: County) -> None:
    """000 二（二）: 「…以及可能败诉的案件,要实行领导包案化解…」"""
    await _leader_case(ctx, xx, "xx_county.leader_for_loss_risk_case", risk=True)


# ---------------------------------------------------------------------------------------------
# 002: the 纾解 procedure
# ---------------------------------------------------------------------------------------------


async def test_xx_county_resolution_acceptance_within_3_working_days(ctx: ServiceContext, xx: County) -> None:
    """002 二（三）二是: 「对县行政争议纾解中心分流指派的案件,应当在3个工作日内受理,并向行政相对人送达纾解告知书」

    Assigned Fri Sep 27: Sun Sep 29 (make-up) 1, Mon Sep 30 2, Tue Oct 8 3.
    """
    effort_id = await effort_for(ctx, xx, d(2024, 9, 27))
    ob = await one(ctx, "resolution_effort", effort_id, "xx_county.resolution_acceptance")
    assert (ob.owner_role, ob.unit_id, ob.due_date) == ("unit", xx.unit_id, d(2024, 10, 8))
    await accept_resolution(
        ctx, effort_id, accepted_date=d(2024, 10, 8), notice_delivered_date=d(2024, 10, 8)
    )
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 10, 8))


async def test_xx_county_resolution_progress_report_within_7_working_days(
    ctx: ServiceContext, xx: County
) -> None:
    """002 二（三）二是: 「7个工作日内向县行政纾解中心反馈纾解进展情况」

    Assigned Fri Sep 27; the 7th working day is the make-up Saturday Oct 12.
    """
    effort_id = await effort_for(ctx, xx, d(2024, 9, 27))
    ob = await one(ctx, "resolution_effort", effort_id, "xx_county.resolution_progress_report")
    assert (ob.owner_role, ob.due_date) == ("unit", d(2024, 10, 12))
    await accept_resolution(
        ctx, effort_id, accepted_date=d(2024, 9, 30), notice_delivered_date=d(2024, 9, 30)
    )
    assert ob.status == ObligationStatus.OPEN  # acceptance is not a progress report
    await report_progress(
        ctx, effort_id, report_date=d(2024, 10, 12), content="已约谈申请人，正在核实补偿标准"
    )
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 10, 12))


async def test_xx_county_resolution_period_30_working_days_extendable_once(
    ctx: ServiceContext, xx: County
) -> None:
    """002 二（三）二是: 「一般行政争议案件纾解期限为30个工作日,行政争议较为复杂的,经当事人和县纾解中心同意,
    可延长纾解期限,延长期限不超过30个工作日」

    Accepted Fri Sep 27: 30 working days (Sep 29 and Oct 12 count, Oct 1-7 do not) end Wed Nov 13.
    One extension of at most 30 working days from Nov 13 ends Wed Dec 25.
    """
    effort_id = await effort_for(ctx, xx, d(2024, 9, 27))
    effort = await accept_resolution(
        ctx, effort_id, accepted_date=d(2024, 9, 27), notice_delivered_date=d(2024, 9, 27)
    )
    ob = await one(ctx, "resolution_effort", effort_id, "xx_county.resolution_period")
    assert (ob.owner_role, ob.due_date) == ("unit", d(2024, 11, 13))
    assert effort.due_date == d(2024, 11, 13)

    with pytest.raises(ValidationFailed) as no_centre:
        await extend_resolution(
            ctx,
            effort_id,
            new_due_date=d(2024, 12, 20),
            reason="涉及多户",
            applicant_consent=True,
            centre_consent=False,
        )
    assert no_centre.value.field == "centreConsent"
    with pytest.raises(ValidationFailed) as too_long:
        await extend_resolution(
            ctx,
            effort_id,
            new_due_date=d(2024, 12, 26),
            reason="涉及多户",
            applicant_consent=True,
            centre_consent=True,
        )
    assert too_long.value.code == "extension_too_long"
    await extend_resolution(
        ctx,
        effort_id,
        new_due_date=d(2024, 12, 25),
        reason="涉及多户",
        applicant_consent=True,
        centre_consent=True,
        granted_date=d(2024, 11, 8),
    )
    assert (ob.due_date, ob.status) == (d(2024, 12, 25), ObligationStatus.OPEN)
    with pytest.raises(ValidationFailed) as second:
        await extend_resolution(
            ctx,
            effort_id,
            new_due_date=d(2024, 12, 31),
            reason="再延",
            applicant_consent=True,
            centre_consent=True,
        )
    assert second.value.code == "extension_limit"

    await conclude_resolution(
        ctx, effort_id, succeeded=True, concluded_date=d(2024, 11, 20), result=ResolutionResult.MEDIATED
    )
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 11, 20))


async def test_xx_county_resolution_hearing_for_complex_dispute(ctx: ServiceContext, xx: County) -> None:
    """002 二（三）四是: 「各镇(街道)、县各行政执法单位在化解复杂疑难行政争议时,要主动引入纾解听证程序」

    An extension marks the dispute as complex: a hearing is due by the extended deadline.
    """
    effort_id = await effort_for(ctx, xx, d(2024, 9, 27))
    await accept_resolution(
        ctx, effort_id, accepted_date=d(2024, 9, 27), notice_delivered_date=d(2024, 9, 27)
    )
    assert await obligations_on(ctx, "resolution_effort", effort_id, "xx_county.resolution_hearing") == []
    await extend_resolution(
        ctx,
        effort_id,
        new_due_date=d(2024, 12, 25),
        reason="争议复杂",
        applicant_consent=True,
        centre_consent=True,
        granted_date=d(2024, 11, 8),
    )
    ob = await one(ctx, "resolution_effort", effort_id, "xx_county.resolution_hearing")
    assert (ob.owner_role, ob.trigger_date, ob.due_date) == ("unit", d(2024, 12, 25), d(2024, 12, 25))
    await record_resolution_hearing(
        ctx, effort_id, held_date=d(2024, 11, 20), participants="人大代表、律师、法官", record="听证全程记录"
    )
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 11, 20))


async def test_xx_county_judicial_confirmation_window(ctx: ServiceContext, xx: County) -> None:
    """002 二（三）二是: 「纾解协议生效之日起三十个工作日内,双方可共同向行政争议有管辖权的人民法院申请司法确认」

    Agreement effective Fri Sep 27: 30 working days end Wed Nov 13. Optional ("可"): when the window
    passes only the unit is reminded.
    """
    effort_id = await effort_for(ctx, xx, d(2024, 9, 27))
    await accept_resolution(
        ctx, effort_id, accepted_date=d(2024, 9, 27), notice_delivered_date=d(2024, 9, 27)
    )
    await conclude_resolution(
        ctx,
        effort_id,
        succeeded=True,
        concluded_date=d(2024, 9, 27),
        result=ResolutionResult.AGREEMENT,
        agreement_effective_date=d(2024, 9, 27),
    )
    ob = await one(ctx, "resolution_effort", effort_id, "xx_county.judicial_confirmation_window")
    assert (ob.trigger_date, ob.due_date) == (d(2024, 9, 27), d(2024, 11, 13))
    await request_judicial_confirmation(ctx, effort_id, requested_date=d(2024, 10, 10))
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 10, 10))
    policy = ctx.registry.policy("xx_county")
    chain = policy.escalation_chain(policy.deadline_rule(ob.rule_id).escalation)  # type: ignore[union-attr]
    assert [s.recipient.value for s in chain.steps] == ["unit"]


# ---------------------------------------------------------------------------------------------
# 002: reporting
# ---------------------------------------------------------------------------------------------


async def _screening(ctx: ServiceContext, county: County, unit_kind: str) -> None:
    # The scheduler's run on Sep 1 emits month_start "2024-09" for the county and for every unit.
    created = await emit_periodic(ctx, county.jurisdiction_id, d(2024, 9, 1))
    screening = [o for o in created if o.rule_id.startswith("xx_county.monthly_screening_report")]
    # Only townships and enforcement agencies screen; the county government does not.
    assert sorted((o.rule_id, o.unit_id) for o in screening) == sorted(
        [
            ("xx_county.monthly_screening_report_agency", county.unit_id),
            ("xx_county.monthly_screening_report_township", county.township_id),
        ]
    )
    ob = next(o for o in screening if o.rule_id == f"xx_county.monthly_screening_report_{unit_kind}")
    # Sep 28 2024 is a Saturday: a fixed date does not move.
    assert (ob.owner_role, ob.occurrence, ob.due_date) == ("unit", "2024-09", d(2024, 9, 28))
    assert await emit_periodic(ctx, county.jurisdiction_id, d(2024, 9, 1)) == []  # idempotent
    zero_report = make_event(
        EventKind.REPORT_SUBMITTED,
        county.jurisdiction_id,
        d(2024, 9, 27),
        "unit",
        ob.unit_id or 0,
        ob.unit_id,
        report="monthly_screening",
        period="2024-09",
    )
    await drive(ctx, county.jurisdiction_id, zero_report)
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 9, 27))


async def test_xx_county_monthly_screening_report_agency_by_28th(ctx: ServiceContext, xx: County) -> None:
    """002 二（三）一是: 「各镇(街道)、县各行政执法单位每月开展一次行政争议信息排查,28日前将信息排查情况报送至
    县行政争议纾解中心,重大复杂行政争议实行即排即报,无争议信息的零报送」 — an enforcement agency."""
    await _screening(ctx, xx, "agency")


async def test_xx_county_monthly_screening_report_township_by_28th(ctx: ServiceContext, xx: County) -> None:
    """002 二（三）一是: 「各镇(街道)、县各行政执法单位每月开展一次行政争议信息排查,28日前…报送…」 — a township."""
    await _screening(ctx, xx, "township")


async def test_xx_county_monthly_screening_report_meets_only_its_own_month(
    ctx: ServiceContext, xx: County
) -> None:
    """002 二（三）一是: 「每月开展一次行政争议信息排查,28日前将信息排查情况报送…」 — one report per month."""
    await emit_periodic(ctx, xx.jurisdiction_id, d(2024, 9, 1))
    await emit_periodic(ctx, xx.jurisdiction_id, d(2024, 10, 1))
    september, october = await obligations_on(
        ctx, "unit", xx.unit_id, "xx_county.monthly_screening_report_agency"
    )
    assert (september.occurrence, october.occurrence) == ("2024-09", "2024-10")
    report = make_event(
        EventKind.REPORT_SUBMITTED,
        xx.jurisdiction_id,
        d(2024, 10, 20),
        "unit",
        xx.unit_id,
        xx.unit_id,
        report="monthly_screening",
        period="2024-10",
    )
    await drive(ctx, xx.jurisdiction_id, report)
    assert october.status == ObligationStatus.MET
    assert september.status == ObligationStatus.OPEN  # September's report is still missing


async def test_xx_county_major_dispute_immediate_report(ctx: ServiceContext, xx: County) -> None:
    """002 二（三）一是: 「重大复杂行政争议实行即排即报」

    Due on the day the dispute was found; recording it is the report (met at once, late if recorded
    after that day).
    """
    late = await record(ctx, xx, received=d(2024, 10, 8), origin=d(2024, 9, 27), major=True)
    ob = await one(ctx, "dispute", late.id, "xx_county.major_dispute_immediate_report")
    assert (ob.owner_role, ob.due_date, ob.urgent) == ("unit", d(2024, 9, 27), True)
    assert (ob.status, ob.met_date) == (ObligationStatus.MET_LATE, d(2024, 10, 8))
    prompt = await record(ctx, xx, received=d(2024, 10, 8), major=True)
    ob2 = await one(ctx, "dispute", prompt.id, "xx_county.major_dispute_immediate_report")
    assert (ob2.due_date, ob2.status) == (d(2024, 10, 8), ObligationStatus.MET)
    ordinary = await record(ctx, xx, received=d(2024, 10, 8))
    assert await obligations_on(ctx, "dispute", ordinary.id, "xx_county.major_dispute_immediate_report") == []


async def test_xx_county_law_firm_report_within_3_working_days(ctx: ServiceContext, xx: County) -> None:
    """002 二（三）一是: 「县律师事务所和基层法律服务所代理涉及本县行政案件须在3个工作日内向县行政争议纾解中心报备」

    Engaged Fri Sep 27: the 3rd working day is Tue Oct 8 (after the National Day holiday).
    """
    on_time = await record(
        ctx, xx, received=d(2024, 10, 8), origin=d(2024, 9, 27), source=DisputeSource.LAWYER_REPORT
    )
    ob = await one(ctx, "dispute", on_time.id, "xx_county.law_firm_report")
    assert (ob.owner_role, ob.unit_id, ob.due_date) == ("law_firm", None, d(2024, 10, 8))
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, d(2024, 10, 8))
    late = await record(
        ctx, xx, received=d(2024, 10, 9), origin=d(2024, 9, 27), source=DisputeSource.LAWYER_REPORT
    )
    ob_late = await one(ctx, "dispute", late.id, "xx_county.law_firm_report")
    assert ob_late.status == ObligationStatus.MET_LATE


async def _periodic(
    ctx: ServiceContext,
    county: County,
    scheduler_day: dt.date,
    period: str,
    rule_id: str,
    report: str,
    done_on: dt.date = d(2024, 11, 20),
) -> Obligation:
    created = await emit_periodic(ctx, county.jurisdiction_id, scheduler_day)
    ob = next(o for o in created if o.rule_id == rule_id)
    assert (ob.owner_role, ob.unit_id, ob.subject_type, ob.occurrence) == (
        "justice_bureau",
        None,
        "jurisdiction",
        period,
    )
    done = make_event(
        EventKind.REPORT_SUBMITTED,
        county.jurisdiction_id,
        done_on,
        "jurisdiction",
        county.jurisdiction_id,
        report=report,
        period=period,
    )
    await drive(ctx, county.jurisdiction_id, done)
    assert (ob.status, ob.met_date) == (ObligationStatus.MET, done_on)
    return ob


async def test_xx_county_half_year_joint_meeting(ctx: ServiceContext, xx: County) -> None:
    """002 二（三）三是: 「联席会议原则上每半年一次」 — created when H2 begins, due by its end."""
    ob = await _periodic(
        ctx, xx, d(2024, 7, 1), "2024H2", "xx_county.half_year_joint_meeting", "joint_meeting"
    )
    assert ob.due_date == d(2024, 12, 31)


async def test_xx_county_quarterly_inspection(ctx: ServiceContext, xx: County) -> None:
    """002 二（三）五是: 「每季度开展一次行政争议纾解和行政执法工作专项督查」 — within each quarter."""
    ob = await _periodic(
        ctx, xx, d(2024, 10, 1), "2024Q4", "xx_county.quarterly_inspection", "quarterly_inspection"
    )
    assert ob.due_date == d(2024, 12, 31)


async def test_xx_county_quarterly_enforcement_review(ctx: ServiceContext, xx: County) -> None:
    """002 二（四）四是: 「每季度集中开展一次行政执法评议」 — within each quarter."""
    ob = await _periodic(
        ctx,
        xx,
        d(2024, 4, 1),
        "2024Q2",
        "xx_county.quarterly_enforcement_review",
        "quarterly_enforcement_review",
        done_on=d(2024, 6, 28),
    )
    assert ob.due_date == d(2024, 6, 30)


# ---------------------------------------------------------------------------------------------
# 000: targets
# ---------------------------------------------------------------------------------------------


def test_xx_county_case_volume_decline() -> None:
    """000 一: 「努力实现2022年全县行政诉讼发案量较2021年同比下降10%」"""
    spec = target("xx_county.case_volume_decline")
    assert evaluate_target(spec, Decimal(89), Decimal(100), None).status is TargetStatus.MET
    assert evaluate_target(spec, Decimal(90), Decimal(100), None).status is TargetStatus.MET  # exactly 10 %
    missed = evaluate_target(spec, Decimal(91), Decimal(100), None)
    assert missed.status is TargetStatus.MISSED
    assert missed.reasons_zh == ("发案量91，高于上年同期（100）同比下降10%后的90，相差1，未达标",)
    assert evaluate_target(spec, Decimal(89), None, None).status is TargetStatus.NO_DATA
    assert [t.id for t in rules.targets_for(2021)] == []
    assert [t.id for t in rules.targets_for(2022)] == [
        "xx_county.case_volume_decline",
        "xx_county.loss_rate_cap",
    ]


def test_xx_county_loss_rate_cap() -> None:
    """000 一: 「行政诉讼败诉率控制在8%以内」 — 8.00 % is within the target."""
    spec = target("xx_county.loss_rate_cap")
    assert evaluate_target(spec, Decimal("8.00"), None, None).status is TargetStatus.MET
    result = evaluate_target(spec, Decimal("8.01"), None, None)
    assert result.status is TargetStatus.MISSED
    assert result.reasons_zh == ("败诉率8.01%，高于目标值8.00%，相差0.01个百分点，未达标",)
    assert evaluate_target(spec, None, None, None).status is TargetStatus.NO_DATA  # zero denominator


# ---------------------------------------------------------------------------------------------
# 000 / 002: penalties
# ---------------------------------------------------------------------------------------------


def _rows(indicator: str, values: dict[int, str | None]) -> list[UnitResult]:
    return [UnitResult(u, {indicator: None if v is None else Decimal(v)}) for u, v in values.items()]


def test_xx_county_volume_bottom_three_no_excellent() -> None:
    """000 二（四）: 「行政诉讼发案量和败诉率考核指标排名后三位的单位在年度法治XX(法治政府)建设考核不能给予“优秀”评级」

    The most cases is the worst; units tied with the third are in the bottom three.
    """
    rows = _rows("case_volume", {1: "12", 2: "3", 3: "9", 4: "9", 5: "1", 6: "0"})
    applied = evaluate_penalties([rule("xx_county.volume_bottom_three_no_excellent")], rows)
    assert [(a.unit_id, a.penalty) for a in applied] == [
        (1, PenaltyKind.NO_EXCELLENT),
        (3, PenaltyKind.NO_EXCELLENT),
        (4, PenaltyKind.NO_EXCELLENT),
    ]
    assert (
        applied[0].reason_zh
        == "单位1发案量12，排名倒数第1位（共6个单位），不得评为优秀（发案量排名后三位不得评为优秀）"
    )
    assert applied[0].citation.source == PLAN


def test_xx_county_loss_rate_bottom_three_no_excellent() -> None:
    """000 二（四）: 「…发案量和败诉率考核指标排名后三位的单位…不能给予“优秀”评级」 — a unit with no
    concluded case (no data) is not ranked."""
    rows = _rows("loss_rate", {1: "25.00", 2: None, 3: "0.00", 4: "12.50", 5: "30.00", 6: "5.00"})
    applied = evaluate_penalties([rule("xx_county.loss_rate_bottom_three_no_excellent")], rows)
    assert sorted(a.unit_id for a in applied if a.unit_id is not None) == [1, 4, 5]


def test_xx_county_target_failure_interview() -> None:
    """000 二（三）: 「县委依法治县办应对“双下降”目标落实不力的单位负责人进行约谈」"""
    volume = target("xx_county.case_volume_decline")
    loss = target("xx_county.loss_rate_cap")
    missed = evaluate_target(volume, Decimal(95), Decimal(100), None)
    met = evaluate_target(loss, Decimal("5"), None, None)
    rows = [
        UnitResult(1, {}, targets={volume.id: missed, loss.id: met}),
        UnitResult(2, {}, targets={loss.id: met}),
    ]
    applied = evaluate_penalties([rule("xx_county.target_failure_interview")], rows)
    assert [(a.unit_id, a.penalty) for a in applied] == [(1, PenaltyKind.INTERVIEW)]
    assert "未完成目标：行政诉讼发案量同比下降10%" in applied[0].reason_zh


def test_xx_county_rising_volume_rectification() -> None:
    """000 二（三）: 「督促存在案件发案量同比增长及败诉案件居多的相关单位落实整改措施」 — volume rising."""
    rows = [
        UnitResult(1, {"case_volume": Decimal(7)}, previous={"case_volume": Decimal(5)}),
        UnitResult(2, {"case_volume": Decimal(5)}, previous={"case_volume": Decimal(5)}),
        UnitResult(3, {"case_volume": Decimal(4)}, previous={}),
    ]
    applied = evaluate_penalties([rule("xx_county.rising_volume_rectification")], rows)
    assert [(a.unit_id, a.penalty) for a in applied] == [(1, PenaltyKind.RECTIFICATION)]


def _fact_rule_applies(rule_id: str, fact: str, penalty: PenaltyKind) -> None:
    rows = [UnitResult(1, {}), UnitResult(2, {})]
    applied = evaluate_penalties([rule(rule_id)], rows, {2: {fact}})
    assert [(a.rule_id, a.unit_id, a.penalty) for a in applied] == [(rule_id, 2, penalty)]


def test_xx_county_many_losses_rectification() -> None:
    """000 二（三）: 「督促存在…败诉案件居多的相关单位落实整改措施」 — the bureau records "many_losses"."""
    _fact_rule_applies("xx_county.many_losses_rectification", "many_losses", PenaltyKind.RECTIFICATION)


def test_xx_county_loss_fault_accountability() -> None:
    """000 二（四）: 「对行政机关及其工作人员因违法或消极等行为导致行政行为被人民法院判决败诉,…追究其行政过错责任」"""
    _fact_rule_applies(
        "xx_county.loss_fault_accountability",
        "loss_by_unlawful_or_passive_conduct",
        PenaltyKind.ACCOUNTABILITY,
    )


def test_xx_county_escalation_criticism() -> None:
    """002 二（三）五是: 「对因违法行使职权产生行政争议或纾解措施不力,导致争议激化升级的予以通报…」"""
    _fact_rule_applies(
        "xx_county.escalation_criticism", "dispute_escalated_by_misconduct", PenaltyKind.CRITICISM
    )


def test_xx_county_escalation_points_deducted() -> None:
    """002 二（三）五是: 「…导致争议激化升级的予以通报,并在法治政府建设目标考核中扣分」"""
    _fact_rule_applies(
        "xx_county.escalation_points_deducted", "dispute_escalated_by_misconduct", PenaltyKind.POINTS_DEDUCTED
    )


def test_xx_county_escalation_penalties_due_diligence_exemption() -> None:
    """002 三（四）强化责任查究: 「建立行政争议纾解尽职免责、失职问责工作制度。对行政机关主动纠正过错、有效防范和
    化解行政争议的,按照规定程序申请免责」 — a unit granted the exemption is listed as exempted from both of
    the resolution plan's measures for an escalated dispute; another unit is not."""
    rules_ = [rule("xx_county.escalation_criticism"), rule("xx_county.escalation_points_deducted")]
    rows = [UnitResult(1, {}), UnitResult(2, {})]
    facts = {
        1: {"dispute_escalated_by_misconduct"},
        2: {"dispute_escalated_by_misconduct", "due_diligence_exemption"},
    }
    applied = evaluate_penalties(rules_, rows, facts)
    assert [(a.rule_id, a.unit_id, a.exempted) for a in applied] == [
        ("xx_county.escalation_criticism", 1, False),
        ("xx_county.escalation_criticism", 2, True),
        ("xx_county.escalation_points_deducted", 1, False),
        ("xx_county.escalation_points_deducted", 2, True),
    ]
    exempted = applied[1]
    assert exempted.exemption is not None and exempted.exemption.fact == "due_diligence_exemption"
    assert exempted.reason_zh.endswith("；已认定尽职免责，不予通报批评")
    assert exempted.exemption.citation.source == RESOLUTION
    # The exemption alone imposes nothing.
    assert evaluate_penalties(rules_, rows, {2: {"due_diligence_exemption"}}) == []


def test_xx_county_failed_self_correction_accountability() -> None:
    """002 三（四）: 「对不能及时自我纠错、延误行政争议化解时机,导致行政案件被行政复议纠错或行政诉讼败诉的,
    依规依纪依法追究行政机关及有关人员的责任」"""
    _fact_rule_applies(
        "xx_county.failed_self_correction_accountability",
        "lost_or_corrected_after_failing_to_self_correct",
        PenaltyKind.ACCOUNTABILITY,
    )


def test_xx_county_profile() -> None:
    """000 标题: 「XX县行政诉讼发案量和败诉率“双下降”专项攻坚行动实施方案」"""
    assert (rules.PROFILE.code, rules.PROFILE.name, rules.PROFILE.level) == ("xx_county", "XX县", "county")
    assert rules.PROFILE.citation is not None and rules.PROFILE.citation.source == PLAN
    assert {r.citation.source for r in rules.DEADLINE_RULES} == {PLAN, RESOLUTION}
