"""Every indicator on hand-counted data: jurisdiction and units, empty periods, year boundaries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.indicators import periods as P
from core.indicators import service
from tests.indicators.conftest import Scenario
from tests.indicators.helpers import D

Y2024 = P.year(2024)


async def board(s: Scenario, period: P.Period, **kw):
    return await service.dashboard(s.ctx, s.org.jurisdiction.id, period, **kw)


def fig(b, code):
    f = b.indicator(code).current
    return f.numerator, f.denominator, f.value


async def test_year_figures_for_the_jurisdiction(scenario: Scenario):
    b = await board(scenario, Y2024)
    assert fig(b, "case_volume") == (4, None, Decimal(4))
    assert fig(b, "loss_rate") == (2, 5, Decimal("40.00"))
    assert fig(b, "loss_count") == (2, None, Decimal(2))
    assert fig(b, "hidden_losses") == (1, None, Decimal(1))
    assert b.indicator("loss_rate").with_hidden_losses.value == Decimal("60.00")
    assert fig(b, "withdrawn_mediated_rate") == (2, 5, Decimal("40.00"))
    assert fig(b, "withdrawn_mediated_count") == (2, None, Decimal(2))
    # National definition: hearings of every instance (the appeal's absent head counts).
    assert fig(b, "head_appearance_rate") == (2, 4, Decimal("50.00"))
    assert fig(b, "correction_rate") == (1, 3, Decimal("33.33"))
    assert fig(b, "mediation_rate") == (1, 3, Decimal("33.33"))
    assert fig(b, "suits_per_10k") == (4, 300_000, Decimal("0.13"))
    assert fig(b, "resolved_before_filing") == (1, None, Decimal(1))
    assert fig(b, "open_loss_risk") == (1, None, Decimal(1))
    assert fig(b, "hearing_reschedules") == (1, None, Decimal(1))


async def test_year_on_year_against_2023(scenario: Scenario):
    b = await board(scenario, Y2024)
    volume = b.indicator("case_volume")
    assert volume.previous.value == Decimal(2)
    assert (volume.change, volume.change_percent) == (Decimal(2), Decimal("100.00"))
    loss = b.indicator("loss_rate")
    assert (loss.previous.numerator, loss.previous.denominator) == (1, 1)
    assert loss.change == Decimal("-60.00")  # percentage points
    assert loss.change_percent == Decimal("-60.00")
    assert b.indicator("head_appearance_rate").previous.value == Decimal("100.00")
    # No reconsideration concluded in 2023: no data, no change, never 0 %.
    correction = b.indicator("correction_rate")
    assert correction.previous.value is None and correction.previous.display == "—"
    assert correction.change is None and correction.change_percent is None


async def test_unit_rows_and_ranks(scenario: Scenario):
    b = await board(scenario, Y2024)
    rows = {r.name: r for r in b.units}
    assert set(rows) == {"县自然资源局", "城关镇", "县人民政府", "县市场监管局"}
    agency, township, government = rows["县自然资源局"], rows["城关镇"], rows["县人民政府"]
    assert agency.value("case_volume").figure.value == Decimal(3)
    assert agency.value("loss_rate").figure.value == Decimal("25.00")
    assert township.value("loss_rate").figure.value == Decimal("100.00")
    assert government.value("loss_rate").figure.value is None  # nothing concluded: not ranked
    assert government.value("loss_rate").rank is None
    # Lower is better: the township is worst on the loss rate, the agency best.
    assert (township.value("loss_rate").rank, township.value("loss_rate").rank_from_bottom) == (2, 1)
    assert (agency.value("loss_rate").rank, agency.value("loss_rate").of) == (1, 2)
    # Volume: government and market (0) share first place; the agency (3) is last.
    assert government.value("case_volume").rank == 1 == rows["县市场监管局"].value("case_volume").rank
    assert agency.value("case_volume").rank == 4 and agency.value("case_volume").rank_from_bottom == 1
    # Per-unit 万人成讼率 divides the unit's cases by the jurisdiction's population.
    assert agency.value("suits_per_10k").figure.value == Decimal("0.10")


async def test_dashboard_for_one_unit(scenario: Scenario):
    b = await board(scenario, Y2024, unit_id=scenario.agency.id)
    assert b.unit_name == "县自然资源局" and b.units == ()
    assert fig(b, "case_volume") == (3, None, Decimal(3))
    assert fig(b, "loss_rate") == (1, 4, Decimal("25.00"))
    assert fig(b, "head_appearance_rate") == (1, 3, Decimal("33.33"))
    assert fig(b, "correction_rate") == (1, 3, Decimal("33.33"))
    township = await board(scenario, Y2024, unit_id=scenario.township.id)
    assert fig(township, "correction_rate") == (0, 0, None)


async def test_an_empty_period_is_no_data_not_zero(scenario: Scenario):
    b = await board(scenario, P.year(2022))
    assert fig(b, "case_volume") == (0, None, Decimal(0))
    for code in (
        "loss_rate",
        "head_appearance_rate",
        "correction_rate",
        "mediation_rate",
        "withdrawn_mediated_rate",
    ):
        current = b.indicator(code).current
        assert (current.numerator, current.denominator, current.value, current.display) == (0, 0, None, "—")
    assert b.indicator("loss_rate").with_hidden_losses.value is None
    assert b.indicator("case_volume").change_percent is None


async def test_year_boundaries(scenario: Scenario):
    dec = await board(scenario, P.month(2023, 12))
    jan = await board(scenario, P.month(2024, 1))
    assert fig(dec, "case_volume")[0] == 1  # filed 31 December
    assert fig(jan, "case_volume")[0] == 1  # filed 1 January
    # The case filed in 2023 and mediated on 2 January 2024 is concluded in January.
    assert fig(jan, "withdrawn_mediated_rate") == (1, 1, Decimal("100.00"))
    assert fig(dec, "withdrawn_mediated_rate") == (0, 0, None)
    assert (fig(jan, "withdrawn_mediated_count")[0], fig(dec, "withdrawn_mediated_count")[0]) == (1, 0)


async def test_quarter_month_ytd_and_custom(scenario: Scenario):
    q1 = await board(scenario, P.quarter(2024, 1))
    assert fig(q1, "case_volume")[0] == 2
    assert q1.indicator("case_volume").previous.value == Decimal(1)  # Q1 2023
    assert fig(q1, "loss_rate") == (1, 2, Decimal("50.00"))
    assert fig(q1, "hearing_reschedules")[0] == 1  # the hearing set for 1 March
    assert fig(q1, "open_loss_risk")[0] == 0  # the risky dispute arrived in October
    ytd = await board(scenario, P.ytd(D(2024, 4, 1)))
    assert fig(ytd, "loss_rate") == (2, 3, Decimal("66.67"))  # the township's loss on 1 April included
    custom = await board(scenario, P.custom(D(2023, 12, 31), D(2024, 1, 1)))
    assert fig(custom, "case_volume")[0] == 2


@pytest.mark.parametrize(
    ("granularity", "expected"),
    [
        (P.Granularity.MONTH, [1, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]),
        (P.Granularity.QUARTER, [2, 1, 1, 0]),
    ],
)
async def test_series_in_one_statement(scenario: Scenario, count_statements, granularity, expected):
    with count_statements() as counter:
        s = await service.series(
            scenario.ctx,
            scenario.org.jurisdiction.id,
            "case_volume",
            granularity=granularity,
            start=D(2024, 1, 1),
            end=D(2024, 12, 31),
        )
    assert [p.figure.numerator for p in s.points] == expected
    aggregate = [st for st in counter.statements if "litigation_cases" in st]
    assert len(aggregate) == 1
    assert "GROUP BY" in aggregate[0].upper()


async def test_series_of_a_rate_for_a_unit(scenario: Scenario):
    s = await service.series(
        scenario.ctx,
        scenario.org.jurisdiction.id,
        "head_appearance_rate",
        granularity=P.Granularity.QUARTER,
        start=D(2024, 1, 1),
        end=D(2024, 12, 31),
        unit_id=scenario.agency.id,
    )
    assert [(p.figure.numerator, p.figure.denominator) for p in s.points] == [(1, 1), (0, 1), (0, 1), (0, 0)]
    assert [p.figure.display for p in s.points] == ["100.00%", "0.00%", "0.00%", "—"]
