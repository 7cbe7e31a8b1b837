"""Targets, margins, projections, rankings and penalties for each county's plugin, on hand-counted data."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal

from core.enums import OutcomeKind, UnitKind
from core.indicators import bulletins, render, service
from core.indicators import periods as P
from core.indicators.types import Assessment, IndicatorResult
from core.org.service import set_reference_figure, update_jurisdiction
from tests.conftest import CtxFactory
from tests.indicators.helpers import D, Recorder
from tests.support import make_org

K = OutcomeKind


def target(result: IndicatorResult, target_id: str):
    return next(t for t in result.targets if t.target_id == target_id)


def penalties(a: Assessment) -> set[tuple[str, str]]:
    return {(p.rule_id, p.unit_name) for p in a.penalties}


# ---------------------------------------------------------------------------------------------
# xx_county: volume 10 % below last year, loss rate at most 8 %, bottom three cannot be excellent
# ---------------------------------------------------------------------------------------------


async def record_xx_county(make_ctx: CtxFactory):
    """As of 1 July 2022.

    ======  ==========================================  =========================================
    unit    filed 2021 (→ decided 2022)                 filed 2022 (→ decided 2022)
    ======  ==========================================  =========================================
    A 自然资源局  03-01 → revoked 03-01 (loss), 05-01 →   02-10, 03-10, 04-11 (pending)
            dismissed 03-05, 08-02, 10-08 (pending)
    T 城关镇  04-01 → dismissed 02-10, 09-01 → withdrawn  02-15 → confirmed illegal 05-10 (loss),
            02-20                                       03-15 → suit dismissed 05-20
    M 市场监管局 06-01 → withdrawn 01-20                   03-21, 05-20 (pending)
    H 住建局  11-01 → varied 04-01 (loss)
    G 县政府  —                                           —
    ======  ==========================================  =========================================
    Volume 2021: 8 (Jan–Jul 1: 4); 2022 so far: 7. Loss rate 2022: 3 lost of 8 concluded.
    """
    ctx = make_ctx(today=D(2022, 7, 1))
    org = await make_org(ctx, "xx_county")
    rec = await Recorder.start(ctx, org)
    a, t, g = org.agency, org.township, org.government
    m = await rec.unit("县市场监管局")
    h = await rec.unit("县住建局")
    await rec.concluded_case(a, D(2021, 3, 1), D(2022, 3, 1), K.REVOKED, attended=True)
    await rec.concluded_case(a, D(2021, 5, 1), D(2022, 3, 5), K.CLAIM_DISMISSED, attended=True)
    await rec.case(a, D(2021, 8, 2))
    await rec.case(a, D(2021, 10, 8))
    await rec.concluded_case(t, D(2021, 4, 1), D(2022, 2, 10), K.CLAIM_DISMISSED, attended=False)
    await rec.concluded_case(t, D(2021, 9, 1), D(2022, 2, 20), K.WITHDRAWAL)
    await rec.concluded_case(m, D(2021, 6, 1), D(2022, 1, 20), K.WITHDRAWAL)
    await rec.concluded_case(h, D(2021, 11, 1), D(2022, 4, 1), K.VARIED, attended=True)
    for day in (D(2022, 2, 10), D(2022, 3, 10), D(2022, 4, 11)):
        await rec.case(a, day)
    await rec.concluded_case(t, D(2022, 2, 15), D(2022, 5, 10), K.CONFIRMED_ILLEGAL, attended=True)
    await rec.concluded_case(t, D(2022, 3, 15), D(2022, 5, 20), K.SUIT_DISMISSED)
    await rec.case(m, D(2022, 3, 21))
    await rec.case(m, D(2022, 5, 20))
    await ctx.session.commit()
    return ctx, org, {"A": a, "T": t, "M": m, "H": h, "G": g}


async def test_xx_county_targets_margin_and_projection(make_ctx: CtxFactory):
    ctx, org, _ = await record_xx_county(make_ctx)
    board = await service.dashboard(ctx, org.jurisdiction.id, P.year(2022))
    volume = target(board.indicator("case_volume"), "xx_county.case_volume_decline")
    # 7 so far against 2021's 8 × 0.9 = 7.2: met, but the next suit breaks it, and the run rate
    # (7 × 365 / 182 days = 14) would miss it by December.
    assert volume.bounds[0].limit == Decimal("7.20")
    assert (volume.margin, volume.margin_unbounded) == (0, False)
    assert volume.margin_event_zh == "新收案件"
    assert volume.projection is not None
    assert (volume.projection.elapsed_days, volume.projection.year_days) == (182, 365)
    assert volume.projection.value == Decimal(14) and volume.projection.status == "missed"
    assert volume.status == "at_risk"
    loss = target(board.indicator("loss_rate"), "xx_county.loss_rate_cap")
    # 3 ÷ 8 = 37.50 % > 8 %: 30 more concluded cases without a loss would bring it to 3 ÷ 38 = 7.89 %.
    assert board.indicator("loss_rate").current.value == Decimal("37.50")
    assert loss.status == "missed" and loss.recovery == 30 and loss.margin is None
    assert loss.recovery_event_zh == "非败诉审结案件"
    assert board.indicator("loss_rate").status == "missed"
    # Year to date against the same months of 2021 (4): no number of new events can recover it.
    ytd = await service.dashboard(ctx, org.jurisdiction.id, P.ytd(D(2022, 7, 1)))
    ytd_volume = target(ytd.indicator("case_volume"), "xx_county.case_volume_decline")
    assert ytd.indicator("case_volume").previous.value == Decimal(4)
    assert ytd_volume.status == "missed" and ytd_volume.recovery is None
    # 2021 has no target in the plan (it starts in 2022).
    assert (await service.dashboard(ctx, org.jurisdiction.id, P.year(2021))).indicator(
        "loss_rate"
    ).targets == ()


async def test_xx_county_ranking_and_penalties(make_ctx: CtxFactory):
    ctx, org, u = await record_xx_county(make_ctx)
    await service.record_fact(
        ctx, org.jurisdiction.id, fact="many_losses", year=2022, note="败诉案件居多", unit_id=u["H"].id
    )
    await ctx.session.commit()
    a = await service.assessment(ctx, org.jurisdiction.id, 2022)
    volume = next(r for r in a.rankings if r.indicator == "case_volume")
    assert [(e.unit_name, e.rank, e.rank_from_bottom) for e in volume.entries] == [
        ("县人民政府", 1, 4),
        ("县住建局", 1, 4),
        ("县市场监管局", 3, 2),
        ("城关镇", 3, 2),
        ("县自然资源局", 5, 1),
    ]
    loss = next(r for r in a.rankings if r.indicator == "loss_rate")
    assert [(e.unit_name, e.display) for e in loss.entries] == [
        ("县市场监管局", "0.00%"),
        ("城关镇", "25.00%"),
        ("县自然资源局", "50.00%"),
        ("县住建局", "100.00%"),
    ]
    assert penalties(a) == {
        ("xx_county.volume_bottom_three_no_excellent", "县自然资源局"),
        ("xx_county.volume_bottom_three_no_excellent", "城关镇"),
        ("xx_county.volume_bottom_three_no_excellent", "县市场监管局"),
        ("xx_county.loss_rate_bottom_three_no_excellent", "县住建局"),
        ("xx_county.loss_rate_bottom_three_no_excellent", "县自然资源局"),
        ("xx_county.loss_rate_bottom_three_no_excellent", "城关镇"),
        # Units missing a target: the agency and the township (loss rate), the market bureau
        # (2 suits against 1 last year, above 0.9) and the housing bureau (loss rate).
        ("xx_county.target_failure_interview", "县自然资源局"),
        ("xx_county.target_failure_interview", "城关镇"),
        ("xx_county.target_failure_interview", "县市场监管局"),
        ("xx_county.target_failure_interview", "县住建局"),
        ("xx_county.rising_volume_rectification", "县市场监管局"),
        ("xx_county.many_losses_rectification", "县住建局"),
    }
    eligible = {r.name for r in a.rows if r.excellent_eligible}
    assert eligible == {"县人民政府"}
    p = next(
        p
        for p in a.penalties
        if p.rule_id == "xx_county.volume_bottom_three_no_excellent" and p.unit_name == "县自然资源局"
    )
    assert "排名后三位" in p.citation.clause and p.label_zh == "不得评为优秀"
    assert "倒数第1位" in p.reason_zh
    assert [f.fact for f in a.facts] == ["many_losses"] and "many_losses" in a.known_facts
    assert a.jurisdiction.name == org.jurisdiction.name
    assert u["G"].kind == UnitKind.COUNTY_GOVERNMENT


# ---------------------------------------------------------------------------------------------
# wuping: loss rate and 万人成讼率 falling, appearance 100 %, each unit not above the city average
# ---------------------------------------------------------------------------------------------


async def test_wuping_targets_and_penalties(make_ctx: CtxFactory):
    """Population 100,000; 2021: 4 new cases, 1 lost of 2; 2022 (complete): 3 new cases (agency 2,
    township 1), 1 lost of 4 concluded, heads at 3 of 4 hearings (the agency missed one); the city
    average of 万人成讼率 entered as 0.15."""
    ctx = make_ctx(today=D(2023, 1, 10))
    org = await make_org(ctx, "wuping")
    rec = await Recorder.start(ctx, org)
    a, t = org.agency, org.township
    await update_jurisdiction(ctx, org.jurisdiction.id, population=100_000)
    await set_reference_figure(
        ctx,
        org.jurisdiction.id,
        indicator="suits_per_10k",
        level="city",
        year=2022,
        value=Decimal("0.15"),
        source="龙岩市通报",
    )
    await rec.concluded_case(a, D(2021, 3, 1), D(2021, 6, 1), K.REVOKED, attended=True)
    await rec.concluded_case(a, D(2021, 4, 1), D(2021, 7, 1), K.CLAIM_DISMISSED, attended=True)
    await rec.concluded_case(a, D(2021, 5, 3), D(2022, 3, 1), K.REVOKED, attended=True)
    await rec.case(t, D(2021, 6, 1))
    await rec.concluded_case(a, D(2022, 2, 10), D(2022, 5, 10), K.CLAIM_DISMISSED, attended=True)
    await rec.concluded_case(a, D(2022, 3, 10), D(2022, 6, 10), K.CLAIM_DISMISSED, attended=False)
    await rec.concluded_case(t, D(2022, 4, 11), D(2022, 7, 11), K.CLAIM_DISMISSED, attended=True)
    await service.record_fact(
        ctx,
        org.jurisdiction.id,
        fact="high_loss_rate_or_many_cases",
        year=2022,
        quarter=2,
        note="二季度案件较多",
        unit_id=a.id,
    )
    await ctx.session.commit()

    board = await service.dashboard(ctx, org.jurisdiction.id, P.year(2022))
    suits = board.indicator("suits_per_10k")
    assert suits.definition.source == "wuping" and suits.definition.refined
    assert (suits.current.numerator, suits.current.denominator, suits.current.value) == (
        3,
        100_000,
        Decimal("0.30"),
    )
    assert suits.previous.value == Decimal("0.40")
    falling = target(suits, "wuping.suits_per_10k_decline")
    assert falling.status == "met" and falling.margin == 0  # a fourth suit would equal last year's 0.40
    assert [t.target_id for t in suits.targets] == [
        "wuping.suits_per_10k_decline"
    ]  # the city bound is per unit
    loss = target(board.indicator("loss_rate"), "wuping.loss_rate_decline")
    assert board.indicator("loss_rate").current.value == Decimal("25.00")
    assert loss.status == "met" and loss.margin == 1  # 2 ÷ 5 = 40 % < 50 %, 3 ÷ 6 = 50 % is not
    appearance = target(board.indicator("head_appearance_rate"), "wuping.head_appearance_full")
    assert board.indicator("head_appearance_rate").current.value == Decimal("75.00")
    assert appearance.status == "missed" and appearance.recovery is None  # 100 % cannot come back this year
    city = next(r for r in suits.references if r.level == "city")
    assert (city.value, city.source) == (Decimal("0.15"), "entered")

    agency_board = await service.dashboard(ctx, org.jurisdiction.id, P.year(2022), unit_id=a.id)
    not_above = target(agency_board.indicator("suits_per_10k"), "wuping.suits_per_10k_not_above_city")
    assert agency_board.indicator("suits_per_10k").current.value == Decimal("0.20")
    assert not_above.status == "missed"
    township_board = await service.dashboard(ctx, org.jurisdiction.id, P.year(2022), unit_id=t.id)
    township_city = target(township_board.indicator("suits_per_10k"), "wuping.suits_per_10k_not_above_city")
    assert (township_city.status, township_city.margin) == ("met", 0)

    annual = await service.assessment(ctx, org.jurisdiction.id, 2022)
    assert penalties(annual) == {
        ("wuping.head_appearance_zero_score", "县自然资源局"),
        ("wuping.suits_per_10k_zero_score", "县自然资源局"),
        ("wuping.suits_per_10k_award_ineligible", "县自然资源局"),
        ("wuping.suits_per_10k_criticism", "县自然资源局"),
    }
    zero = next(p for p in annual.penalties if p.rule_id == "wuping.head_appearance_zero_score")
    assert zero.indicator == "head_appearance_rate" and "100%" in zero.citation.clause
    quarterly = await service.assessment(ctx, org.jurisdiction.id, 2022, quarter=2)
    assert penalties(quarterly) == {("wuping.reminder_letter", "县自然资源局")}
    assert quarterly.period.key == "2022-Q2"


# ---------------------------------------------------------------------------------------------
# wuyang: volume and loss rate falling and not above the provincial average; quarterly ranking
# ---------------------------------------------------------------------------------------------


async def test_wuyang_quarterly_ranking_and_annual_penalties(make_ctx: CtxFactory):
    """Provincial averages for 2022 entered: 5 new cases, 20 % loss rate. As of 15 July 2022."""
    ctx = make_ctx(today=D(2022, 7, 15))
    org = await make_org(ctx, "wuyang")
    rec = await Recorder.start(ctx, org)
    a, t = org.agency, org.township
    m = await rec.unit("县市场监管局")
    h = await rec.unit("县住建局")
    for indicator, value in (("case_volume", "5"), ("loss_rate", "20")):
        await set_reference_figure(
            ctx,
            org.jurisdiction.id,
            indicator=indicator,
            level="province",
            year=2022,
            value=Decimal(value),
            source="省厅通报",
        )
    await rec.concluded_case(a, D(2021, 2, 1), D(2021, 5, 6), K.REVOKED, attended=True)
    await rec.concluded_case(t, D(2021, 3, 1), D(2022, 6, 6), K.CONFIRMED_ILLEGAL, attended=True)
    await rec.concluded_case(t, D(2021, 4, 1), D(2022, 3, 1), K.CLAIM_DISMISSED, attended=True)
    await rec.case(a, D(2022, 1, 10))
    await rec.case(a, D(2022, 2, 10))
    await rec.concluded_case(a, D(2022, 4, 11), D(2022, 6, 1), K.REVOKED, attended=True)
    await rec.concluded_case(t, D(2022, 5, 10), D(2022, 6, 15), K.CLAIM_DISMISSED, attended=True)
    await rec.concluded_case(m, D(2022, 5, 20), D(2022, 6, 20), K.VARIED, attended=True)
    await rec.concluded_case(m, D(2022, 5, 23), D(2022, 6, 21), K.CLAIM_DISMISSED, attended=True)
    await rec.concluded_case(h, D(2022, 6, 1), D(2022, 6, 27), K.WITHDRAWAL)
    await service.record_fact(
        ctx,
        org.jurisdiction.id,
        fact="lagging_in_quarterly_ranking",
        year=2022,
        quarter=2,
        note="二季度排名落后",
        unit_id=a.id,
    )
    await ctx.session.commit()

    q2 = await service.dashboard(ctx, org.jurisdiction.id, P.quarter(2022, 2))
    volume = q2.indicator("case_volume")
    assert (volume.current.value, volume.previous.value) == (Decimal(5), Decimal(1))
    assert target(volume, "wuyang.case_volume_falling").status == "missed"
    at_average = target(volume, "wuyang.case_volume_not_above_province")
    assert (at_average.status, at_average.margin) == ("met", 0)
    loss = q2.indicator("loss_rate")
    assert (loss.current.numerator, loss.current.denominator, loss.previous.value) == (
        3,
        6,
        Decimal("100.00"),
    )
    falling = target(loss, "wuyang.loss_rate_falling")
    assert (
        falling.status == "met" and falling.margin is None and falling.margin_unbounded
    )  # never reaches 100 %
    province = target(loss, "wuyang.loss_rate_not_above_province")
    assert province.status == "missed" and province.recovery == 9  # 3 ÷ 15 = 20.00 %

    quarterly = await service.assessment(ctx, org.jurisdiction.id, 2022, quarter=2)
    loss_rank = next(r for r in quarterly.rankings if r.indicator == "loss_rate")
    assert [(e.unit_name, e.rank_from_bottom) for e in loss_rank.entries] == [
        ("县住建局", 4),
        ("县市场监管局", 2),
        ("城关镇", 2),
        ("县自然资源局", 1),
    ]
    # Quarterly rules only: the lagging unit is supervised; the annual "top three" rule waits.
    assert penalties(quarterly) == {("wuyang.quarterly_lagging_supervision", "县自然资源局")}
    annual = await service.assessment(ctx, org.jurisdiction.id, 2022)
    assert penalties(annual) == {
        ("wuyang.top_three_loss_rate_no_excellent", "县自然资源局"),
        ("wuyang.top_three_loss_rate_no_excellent", "县市场监管局"),
        ("wuyang.top_three_loss_rate_no_excellent", "城关镇"),
    }
    assert {r.name for r in annual.rows if r.excellent_eligible} == {"县住建局", "县人民政府"}


# ---------------------------------------------------------------------------------------------
# qiannan: "两降一升" against the provincial averages and last year
# ---------------------------------------------------------------------------------------------


async def test_qiannan_targets_against_province_and_last_year(make_ctx: CtxFactory):
    ctx = make_ctx(today=D(2023, 1, 10))
    org = await make_org(ctx, "qiannan")
    rec = await Recorder.start(ctx, org)
    a, t = org.agency, org.township
    # 2021: heads at 1 of 2 hearings, nothing lost; 1 of 2 reconsiderations corrected.
    await rec.concluded_case(a, D(2021, 3, 1), D(2021, 5, 6), K.CLAIM_DISMISSED, attended=True)
    await rec.concluded_case(t, D(2021, 4, 1), D(2021, 6, 1), K.CLAIM_DISMISSED, attended=False)
    from core.enums import ReconsiderationDecision as R

    await rec.reconsideration(a, D(2021, 4, 1), concluded=D(2021, 5, 1), decision=R.REVOKED)
    await rec.reconsideration(a, D(2021, 5, 1), concluded=D(2021, 6, 1), decision=R.UPHELD)
    # 2022: heads at 4 of 5 hearings, 1 lost of 5; no reconsideration corrected, 1 of 4 mediated.
    await rec.concluded_case(a, D(2022, 2, 1), D(2022, 4, 1), K.REVOKED, attended=True)
    await rec.concluded_case(a, D(2022, 2, 15), D(2022, 4, 15), K.CLAIM_DISMISSED, attended=True)
    await rec.concluded_case(t, D(2022, 3, 1), D(2022, 5, 6), K.CLAIM_DISMISSED, attended=True)
    await rec.concluded_case(t, D(2022, 3, 15), D(2022, 5, 16), K.CLAIM_DISMISSED, attended=True)
    await rec.concluded_case(a, D(2022, 4, 1), D(2022, 6, 1), K.CLAIM_DISMISSED, attended=False)
    for decision in (R.UPHELD, R.UPHELD, R.DISMISSED, R.MEDIATED):
        await rec.reconsideration(a, D(2022, 3, 1), concluded=D(2022, 5, 1), decision=decision)
    await service.record_fact(
        ctx,
        org.jurisdiction.id,
        fact="package_resolution_inadequate",
        year=2022,
        note="包案化解不到位",
        unit_id=a.id,
    )
    await ctx.session.commit()

    board = await service.dashboard(ctx, org.jurisdiction.id, P.year(2022))
    correction = board.indicator("correction_rate")
    assert correction.current.value == Decimal("0.00") and correction.previous.value == Decimal("50.00")
    # No 2022 provincial figure: the 2021 one entered from the report is used, and said so.
    ref = next(r for r in correction.references if r.level == "province")
    assert (ref.year, ref.value, ref.source) == (2021, Decimal("14.05"), "entered")
    assert "采用2021年" in ref.note_zh
    below = target(correction, "qiannan.correction_rate_below_province")
    assert (below.status, below.margin) == ("met", 0)  # 1 ÷ 5 = 20 % would exceed 14.05 %
    assert target(correction, "qiannan.correction_rate_falling").margin == 3  # 3 ÷ 7 = 42.86 % < 50 %
    loss = board.indicator("loss_rate")
    assert loss.current.value == Decimal("20.00")
    assert target(loss, "qiannan.loss_rate_below_province").margin == 0
    falling = target(loss, "qiannan.loss_rate_falling")
    assert falling.status == "missed" and falling.recovery is None  # last year was 0 %
    head = board.indicator("head_appearance_rate")
    assert head.current.value == Decimal("80.00") and head.definition.source == "qiannan"
    assert target(head, "qiannan.head_appearance_above_province").margin == 0
    assert target(head, "qiannan.head_appearance_rising").margin == 2  # 4 ÷ 7 = 57.14 % > 50 %
    assert target(head, "qiannan.head_appearance_full").status == "missed"
    assert head.status == "missed" and head.status_label == "未达标"
    assert board.indicator("mediation_rate").current.value == Decimal("25.00")

    annual = await service.assessment(ctx, org.jurisdiction.id, 2022)
    assert penalties(annual) == {("qiannan.package_interview", "县自然资源局")}
    assert annual.penalties[0].citation.source == "《黔南州司法局“三个加强”推动司法行政工作取得实效》"
    assert ".txt" not in annual.penalties[0].citation.text
    # The bulletin a bureau sends out names the document too: no file name anywhere in the Word XML.
    edition = await bulletins.publish(ctx, org.jurisdiction.id, 2022, 4)
    with zipfile.ZipFile(io.BytesIO(render.docx(bulletins.content_of(edition)))) as docx:
        xml = "".join(docx.read(n).decode("utf-8") for n in docx.namelist() if n.endswith(".xml"))
    assert "《黔南州司法局“三个加强”推动司法行政工作取得实效》" in xml
    assert not re.search(r"\d{3}_[0-9a-f]{16}\.txt|\.txt", xml)


async def test_xx_county_due_diligence_exemption_in_the_assessment(make_ctx: CtxFactory):
    """002 三（四）: 尽职免责 — the bureau records that 县住建局 corrected itself and was granted the
    exemption; its escalation measures are listed as exempted, 县市场监管局's are not."""
    ctx, org, u = await record_xx_county(make_ctx)
    j = org.jurisdiction.id
    for unit in (u["H"], u["M"]):
        await service.record_fact(
            ctx,
            j,
            fact="dispute_escalated_by_misconduct",
            year=2022,
            note="纾解不力致争议升级",
            unit_id=unit.id,
        )
    await service.record_fact(
        ctx, j, fact="due_diligence_exemption", year=2022, note="主动纠正，经申请免责", unit_id=u["H"].id
    )
    await ctx.session.commit()
    a = await service.assessment(ctx, j, 2022)
    assert "due_diligence_exemption" in a.known_facts
    escalation = {
        (p.rule_id, p.unit_name): p for p in a.penalties if p.rule_id.startswith("xx_county.escalation_")
    }
    assert {(rule, name, p.exempted) for (rule, name), p in escalation.items()} == {
        ("xx_county.escalation_criticism", "县住建局", True),
        ("xx_county.escalation_points_deducted", "县住建局", True),
        ("xx_county.escalation_criticism", "县市场监管局", False),
        ("xx_county.escalation_points_deducted", "县市场监管局", False),
    }
    exempted = escalation[("xx_county.escalation_criticism", "县住建局")]
    assert exempted.exemption_zh == "尽职免责"
    assert exempted.exemption_citation is not None and "主动纠正过错" in exempted.exemption_citation.text
    assert "不予通报批评" in exempted.reason_zh
