"""Assessments officials would sign: ties at the best value are never bottom, units without data are not
ranked, "1224" competition ranks from the worst end, and 取消评先评优资格 also bars "excellent"."""

from __future__ import annotations

from decimal import Decimal

from core.indicators.service import excellent_eligible
from core.indicators.types import CitationInfo, PenaltyInfo
from core.policy.evaluate import UnitResult, evaluate_penalties
from core.policy.types import Citation, ConditionKind, PenaltyCondition, PenaltyKind, PenaltyRule

RULE = PenaltyRule(
    id="t.bottom_three",
    condition=PenaltyCondition(ConditionKind.BOTTOM_N, indicator="loss_rate", n=3),
    penalty=PenaltyKind.NO_EXCELLENT,
    title_zh="败诉率排名倒数前三",
    title_en="bottom three on loss rate",
    citation=Citation("《测试县考核方案》", "败诉率排名倒数前三名的单位不得评为优秀"),
)


def rows(values: dict[int, str | None]) -> list[UnitResult]:
    return [
        UnitResult(unit_id=u, values={"loss_rate": None if v is None else Decimal(v)}, name=f"单位{u}")
        for u, v in values.items()
    ]


def bottom(values: dict[int, str | None]) -> dict[int | None, str]:
    return {p.unit_id: p.reason_zh for p in evaluate_penalties([RULE], rows(values))}


def test_units_tied_at_the_best_value_are_never_bottom_three():
    # Seven units at 0.00 %, two with losses: only the two are bottom (XX县 2026's case).
    found = bottom({1: "0", 2: "0", 3: "0", 4: "0", 5: "0", 6: "0", 7: "0", 8: "50", 9: "20"})
    assert set(found) == {8, 9}
    assert "倒数第1位（共9个单位）" in found[8] and "倒数第2位" in found[9]


def test_all_tied_means_nobody_is_bottom_and_units_without_data_are_not_ranked():
    assert bottom({1: "0", 2: "0", 3: "0"}) == {}
    found = bottom({1: "10", 2: None, 3: "0", 4: None})
    assert set(found) == {1} and "共2个单位" in found[1]


def test_ties_in_the_worst_places_share_the_rank_1224():
    found = bottom({1: "40", 2: "30", 3: "30", 4: "20", 5: "10"})
    assert set(found) == {1, 2, 3}  # 4 is fourth (rank 4), past the bottom three
    assert "倒数第2位" in found[2] and "倒数第2位" in found[3]


def penalty(kind: PenaltyKind, exempted: bool = False) -> PenaltyInfo:
    cite = CitationInfo.__new__(CitationInfo)
    return PenaltyInfo("r", 1, "单位1", kind.value, "", None, "", "", cite, exempted=exempted)


def test_award_ineligibility_also_bars_excellent():
    assert excellent_eligible([penalty(PenaltyKind.AWARD_INELIGIBLE)]) is False
    assert excellent_eligible([penalty(PenaltyKind.NO_EXCELLENT)]) is False
    assert excellent_eligible([penalty(PenaltyKind.AWARD_INELIGIBLE, exempted=True)]) is True
    assert excellent_eligible([penalty(PenaltyKind.INTERVIEW)]) is True


async def test_an_assessment_of_a_year_not_over_is_provisional_and_applies_no_sanction(scenario):
    from core.indicators import service

    jid = scenario.org.jurisdiction.id
    today = scenario.ctx.today()
    closed = await service.assessment(scenario.ctx, jid, today.year - 1)
    assert closed.provisional is False and not any(p.pending for p in closed.penalties)
    open_year = await service.assessment(scenario.ctx, jid, today.year)
    assert open_year.provisional is (today < today.replace(month=12, day=31))
    assert all(p.pending for p in open_year.penalties) is True
