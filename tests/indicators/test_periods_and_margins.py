"""Periods, the arithmetic of values, margins, recoveries and projections (pure functions)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from core.indicators import periods as P
from core.indicators import queries
from core.indicators.definitions import NATIONAL_DEFINITIONS, SPECS, compute, display
from core.indicators.serial import load, to_json
from core.indicators.targets import absorbable, project, recovery
from core.indicators.types import Dashboard, Figure
from core.policy.evaluate import INDICATOR_DIRECTION
from core.policy.types import INDICATORS, Comparator

D = dt.date


def test_every_indicator_has_a_spec_a_definition_and_a_query():
    assert set(SPECS) == set(INDICATORS) == set(NATIONAL_DEFINITIONS) == set(queries.QUERIES)
    assert set(INDICATOR_DIRECTION) == set(INDICATORS)


@pytest.mark.parametrize(
    ("period", "key", "label", "start", "end"),
    [
        (P.month(2024, 2), "2024-02", "2024年2月", D(2024, 2, 1), D(2024, 2, 29)),
        (P.quarter(2024, 3), "2024-Q3", "2024年第三季度", D(2024, 7, 1), D(2024, 9, 30)),
        (P.year(2023), "2023", "2023年", D(2023, 1, 1), D(2023, 12, 31)),
        (P.ytd(D(2021, 8, 31)), "2021-YTD-08-31", "2021年1—8月", D(2021, 1, 1), D(2021, 8, 31)),
        (P.ytd(D(2021, 8, 15)), "2021-YTD-08-15", "2021年1月1日至8月15日", D(2021, 1, 1), D(2021, 8, 15)),
        (
            P.custom(D(2023, 12, 31), D(2024, 1, 1)),
            "2023-12-31..2024-01-01",
            "2023-12-31至2024-01-01",
            D(2023, 12, 31),
            D(2024, 1, 1),
        ),
    ],
)
def test_periods(period, key, label, start, end):
    assert (period.key, period.label_zh, period.start, period.end) == (key, label, start, end)
    assert period.end_exclusive == end + dt.timedelta(days=1)
    assert period.start_moment().utcoffset() == dt.timedelta(hours=8)


def test_previous_year_keeps_month_ends():
    assert P.previous_year(P.month(2024, 2)).end == D(2023, 2, 28)
    assert P.previous_year(P.month(2023, 2)).end == D(2022, 2, 28)
    leap = P.previous_year(P.custom(D(2025, 2, 1), D(2025, 2, 28)))
    assert leap.end == D(2024, 2, 29)  # a month-end stays a month-end
    assert P.previous_year(P.ytd(D(2024, 8, 31))).end == D(2023, 8, 31)
    assert P.previous_year(P.custom(D(2024, 3, 5), D(2024, 3, 20))) == P.Period(
        P.PeriodKind.CUSTOM, D(2023, 3, 5), D(2023, 3, 20)
    )


def test_split_clips_the_ends():
    parts = P.split(D(2024, 2, 15), D(2024, 5, 10), P.Granularity.MONTH)
    assert [(p.kind, p.start, p.end) for p in parts] == [
        (P.PeriodKind.CUSTOM, D(2024, 2, 15), D(2024, 2, 29)),
        (P.PeriodKind.MONTH, D(2024, 3, 1), D(2024, 3, 31)),
        (P.PeriodKind.MONTH, D(2024, 4, 1), D(2024, 4, 30)),
        (P.PeriodKind.CUSTOM, D(2024, 5, 1), D(2024, 5, 10)),
    ]
    assert [p.key for p in P.split(D(2023, 1, 1), D(2024, 12, 31), P.Granularity.YEAR)] == ["2023", "2024"]
    with pytest.raises(ValidationFailed) as too_many:
        P.split(D(2000, 1, 1), D(2024, 12, 31), P.Granularity.MONTH)
    assert too_many.value.field == "granularity"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": P.PeriodKind.MONTH, "year_number": 2024}, "month"),
        ({"kind": P.PeriodKind.MONTH, "year_number": 2024, "month_number": 13}, "month"),
        ({"kind": P.PeriodKind.QUARTER, "quarter_number": 1}, "year"),
        ({"kind": P.PeriodKind.YTD}, "asOf"),
        ({"kind": P.PeriodKind.CUSTOM, "start": D(2024, 1, 1)}, "end"),
        ({"kind": P.PeriodKind.CUSTOM, "start": D(2024, 1, 2), "end": D(2024, 1, 1)}, "end"),
        ({"kind": P.PeriodKind.YEAR, "year_number": 1850}, "year"),
    ],
)
def test_bad_periods_name_the_field(kwargs, field):
    kind = kwargs.pop("kind")
    with pytest.raises(ValidationFailed) as err:
        P.build(kind, **kwargs)
    assert err.value.field == field and err.value.message_zh


def test_values_round_half_up_and_no_data_is_none():
    assert compute("correction_rate", 14, 169) == Decimal("8.28")
    assert compute("loss_rate", 110, 506) == Decimal("21.74")
    assert compute("head_appearance_rate", 275, 363) == Decimal("75.76")
    assert compute("mediation_rate", 76, 169) == Decimal("44.97")
    assert compute("loss_rate", 1, 8) == Decimal("12.50")
    assert compute("loss_rate", 1, 800) == Decimal("0.13")  # 0.125 rounds up
    assert compute("loss_rate", 0, 0) is None
    assert display("loss_rate", None) == "—"
    assert compute("suits_per_10k", 3, None) is None
    assert compute("suits_per_10k", 35, 312_000) == Decimal("1.12")
    assert compute("case_volume", 7, None) == Decimal(7)
    # A rate is 100 % only when every one, 0 % only when none.
    assert compute("head_appearance_rate", 19_999, 20_000) == Decimal("99.99")
    assert compute("loss_rate", 1, 20_001) == Decimal("0.01")
    assert compute("head_appearance_rate", 3, 3) == Decimal("100.00")


def test_margins_count_events_at_the_displayed_precision():
    # Loss rate 1 of 13 (7.69 %) under "at most 8 %": one more loss gives 2 of 14 = 14.29 %.
    assert absorbable("loss_rate", 1, 13, Comparator.AT_MOST, Decimal("8")) == (0, False)
    # 1 of 30 (3.33 %): 2 more losses give 3 of 32 = 9.38 %; 1 more gives 2 of 31 = 6.45 %.
    assert absorbable("loss_rate", 1, 30, Comparator.AT_MOST, Decimal("8")) == (1, False)
    # Appearance 9 of 10 "above 73.99 %": 9 of 12 = 75 % still above, 9 of 13 = 69.23 % not.
    assert absorbable("head_appearance_rate", 9, 10, Comparator.ABOVE, Decimal("73.99")) == (2, False)
    # Volume at most 7.2: 5 can take 2 more.
    assert absorbable("case_volume", 5, None, Comparator.AT_MOST, Decimal("7.2")) == (2, False)
    # 万人成讼率 at most 1.00 with 200,000 residents: 20 cases is 1.00, 21 is 1.05.
    assert absorbable("suits_per_10k", 17, 200_000, Comparator.AT_MOST, Decimal("1.00")) == (3, False)
    # A loss rate under "below 100 %" can never break.
    assert absorbable("loss_rate", 1, 2, Comparator.BELOW, Decimal("100")) == (None, True)
    # Already broken: nothing to absorb.
    assert absorbable("loss_rate", 1, 2, Comparator.AT_MOST, Decimal("8")) == (None, False)
    # A minimum count has no bad event.
    assert absorbable("resolved_before_filing", 5, None, Comparator.AT_LEAST, Decimal("3")) == (None, True)


def test_recovery_counts_good_events_or_says_none():
    assert recovery("loss_rate", 3, 8, Comparator.AT_MOST, Decimal("8")) == 30  # 3 of 38 = 7.89 %
    assert recovery("head_appearance_rate", 6, 10, Comparator.AT_LEAST, Decimal("80")) == 10  # 16 of 20
    assert recovery("head_appearance_rate", 3, 4, Comparator.AT_LEAST, Decimal("100")) is None
    assert recovery("case_volume", 9, None, Comparator.AT_MOST, Decimal("7.2")) is None
    assert recovery("resolved_before_filing", 1, None, Comparator.AT_LEAST, Decimal("4")) == 3
    assert recovery("loss_rate", 0, 4, Comparator.AT_MOST, Decimal("8")) == 0


def test_projection_scales_counts_and_keeps_ratios():
    # 7 suits by 1 July (182 days of 365): 14.04 → 14 by December.
    num, den, value, elapsed, total = project("case_volume", 7, None, 2022, D(2022, 7, 1))
    assert (num, den, value, elapsed, total) == (Decimal("14.04"), None, Decimal(14), 182, 365)
    num, den, value, *_ = project("loss_rate", 3, 8, 2024, D(2024, 3, 31))  # 91 of 366 days
    assert value == Decimal("37.50") and den == Decimal("32.18")
    assert project("suits_per_10k", 10, 100_000, 2023, D(2023, 12, 31))[2] == Decimal("1.00")
    assert project("open_loss_risk", 3, None, 2023, D(2023, 6, 30)) is None  # a snapshot has no run rate
    assert project("case_volume", 3, None, 2023, D(2022, 12, 31)) is None  # the year has not begun


def test_results_survive_json():
    figure = Figure(2, 5, Decimal("40.00"), "40.00%")
    assert load(Figure, to_json(figure)) == figure
    board = Dashboard(
        jurisdiction_id=1,
        jurisdiction_name="测试县",
        plugin="testland",
        unit_id=None,
        unit_name=None,
        period=P.quarter(2024, 1),
        previous_period=P.quarter(2023, 1),
        as_of=D(2024, 4, 2),
        indicators=(),
    )
    assert load(Dashboard, to_json(board)) == board
    assert to_json(board)["period"] == {"kind": "quarter", "start": "2024-01-01", "end": "2024-03-31"}
