"""Working-day calendar and due dates, checked by hand against the State Council holiday notices.

Holidays used below (国务院办公厅关于部分节假日安排的通知):
- 2024 Spring Festival: rest Feb 10-17; make-up working days Sun Feb 4 and Sun Feb 18. New Year's Eve
  (Fri Feb 9) is NOT a statutory holiday in 2024 (the notice only encourages leave).
- 2024 National Day: rest Oct 1-7; make-up Sun Sep 29 and Sat Oct 12.
- 2025 Spring Festival: rest Jan 28-Feb 4; make-up Sun Jan 26 and Sat Feb 8.
- 2025 National Day + Mid-Autumn: rest Oct 1-8; make-up Sun Sep 28 and Sat Oct 11.
- 2026 New Year: rest Jan 1-3; make-up Sun Jan 4.
"""

from __future__ import annotations

import json
import re
from datetime import date

import chinese_calendar
import pytest

from core.calendar.rules import (
    DueKind,
    DueRule,
    calendar_days,
    day_of_month,
    fixed_date,
    immediate,
    months,
    working_days,
)
from core.calendar.workdays import CalendarYearUnknown, WorkdayCalendar, known_years, library_version
from core.errors import DomainError

CAL = WorkdayCalendar()


# --- the library's data as we rely on it -------------------------------------------------------


def test_known_years_and_version() -> None:
    assert known_years() == range(2004, 2027)
    assert library_version() == chinese_calendar.__version__
    assert re.fullmatch(rf"chinesecalendar-{re.escape(library_version())}\+[0-9a-f]{{10}}", CAL.version)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2024, 2, 4), True),  # Sunday make-up day
        (date(2024, 2, 9), True),  # 除夕 2024 is an ordinary Friday
        (date(2024, 2, 10), False),
        (date(2024, 2, 17), False),
        (date(2024, 2, 18), True),  # Sunday make-up day
        (date(2024, 9, 28), False),  # ordinary Saturday
        (date(2024, 9, 29), True),
        (date(2024, 10, 7), False),
        (date(2024, 10, 12), True),
        (date(2025, 1, 26), True),
        (date(2025, 1, 28), False),  # 除夕 2025 is a statutory holiday (amended rules)
        (date(2025, 2, 4), False),
        (date(2025, 2, 8), True),
        (date(2025, 9, 28), True),
        (date(2025, 10, 8), False),
        (date(2025, 10, 11), True),
    ],
)
def test_official_holidays_and_make_up_days(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working
    assert CAL.is_holiday_or_rest(day) is not working


# --- working days ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Fri Feb 9 = 1, Feb 10-17 holiday, Sun Feb 18 (make-up) = 2, Mon Feb 19 = 3.
        (date(2024, 2, 8), 3, date(2024, 2, 19)),
        # Sat Feb 3 rest, Sun Feb 4 make-up = 1.
        (date(2024, 2, 2), 1, date(2024, 2, 4)),
        # Sun Sep 29 = 1, Mon Sep 30 = 2, Oct 1-7 holiday, Tue Oct 8 = 3.
        (date(2024, 9, 27), 3, date(2024, 10, 8)),
        # ... Oct 9-11 = 4-6, Sat Oct 12 (make-up) = 7.
        (date(2024, 9, 27), 7, date(2024, 10, 12)),
        # 30 working days across National Day 2024: Sep 23-27 = 1-5, Sep 29-30 = 6-7, Oct 8-12 = 8-12,
        # Oct 14-18 = 13-17, Oct 21-25 = 18-22, Oct 28-Nov 1 = 23-27, Nov 4-6 = 28-30.
        (date(2024, 9, 20), 30, date(2024, 11, 6)),
        # Sun Jan 26 = 1, Mon Jan 27 = 2, Jan 28-Feb 4 holiday, Wed Feb 5 = 3.
        (date(2025, 1, 24), 3, date(2025, 2, 5)),
        # Feb 6 = 4, Feb 7 = 5, Sat Feb 8 (make-up) = 6.
        (date(2025, 1, 24), 6, date(2025, 2, 8)),
        # Sun Sep 28 = 1, Sep 29 = 2, Sep 30 = 3, Oct 1-8 holiday, Thu Oct 9 = 4.
        (date(2025, 9, 26), 4, date(2025, 10, 9)),
        # Oct 10 = 5, Sat Oct 11 (make-up) = 6.
        (date(2025, 9, 26), 6, date(2025, 10, 11)),
        # Across a year end: Dec 31 = 1, Jan 1 holiday, Jan 2 = 2, Jan 3 = 3.
        (date(2024, 12, 30), 3, date(2025, 1, 3)),
        # An event on a holiday: counting starts the next day all the same (Oct 8 = 1).
        (date(2024, 10, 3), 1, date(2024, 10, 8)),
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert CAL.add_working_days(start, n) == expected
    assert CAL.due_date(working_days(n), start) == expected


def test_add_working_days_backwards() -> None:
    # Sun Feb 18 (make-up) = 1, Feb 17-10 holiday, Fri Feb 9 = 2, Thu Feb 8 = 3.
    assert CAL.add_working_days(date(2024, 2, 19), -3) == date(2024, 2, 8)
    # Mon Jan 27 = 1 back from Wed Feb 5.
    assert CAL.add_working_days(date(2025, 2, 5), -1) == date(2025, 1, 27)


def test_zero_working_days() -> None:
    assert CAL.add_working_days(date(2024, 2, 8), 0) == date(2024, 2, 8)
    # The first working day after a holiday can be a Sunday make-up day.
    assert CAL.add_working_days(date(2024, 2, 12), 0) == date(2024, 2, 18)


def test_next_and_previous_working_day() -> None:
    assert CAL.next_working_day(date(2024, 10, 1)) == date(2024, 10, 8)
    assert CAL.next_working_day(date(2024, 10, 8)) == date(2024, 10, 8)
    assert CAL.previous_working_day(date(2024, 10, 7)) == date(2024, 9, 30)
    assert CAL.previous_working_day(date(2024, 10, 13)) == date(2024, 10, 12)  # Sat make-up


# --- calendar days and months ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "trigger", "expected"),
    [
        # Oct 1 is a holiday: rolled to the first working day after the holiday, Tue Oct 8.
        (calendar_days(5), date(2024, 9, 26), date(2024, 10, 8)),
        (calendar_days(5, roll=False), date(2024, 9, 26), date(2024, 10, 1)),
        # Jan 29 2025 is inside the Spring Festival: Wed Feb 5.
        (calendar_days(5), date(2025, 1, 24), date(2025, 2, 5)),
        # Sun Feb 18 2024 is a make-up working day: not rolled.
        (calendar_days(3), date(2024, 2, 15), date(2024, 2, 18)),
        # An ordinary Saturday rolls to Monday.
        (calendar_days(5), date(2024, 3, 4), date(2024, 3, 11)),
        # 30 days from Sep 8 2025 is Oct 8 (holiday): Thu Oct 9.
        (calendar_days(30), date(2025, 9, 8), date(2025, 10, 9)),
        # A reminder one week before a hearing on Tue Oct 8 2024 falls on Oct 1: moved back to Sep 30.
        (calendar_days(-7), date(2024, 10, 8), date(2024, 9, 30)),
        # One week before Sat Oct 19 2024 is Sat Oct 12, a make-up working day: kept.
        (calendar_days(-7), date(2024, 10, 19), date(2024, 10, 12)),
        # A month from Jan 31 ends on the month's last day.
        (months(1), date(2024, 1, 31), date(2024, 2, 29)),
        (months(1), date(2025, 1, 31), date(2025, 2, 28)),
        (months(1), date(2025, 8, 31), date(2025, 9, 30)),
        (months(12), date(2024, 2, 29), date(2025, 2, 28)),
        # Oct 1 2024 is a holiday: Oct 8.
        (months(1), date(2024, 9, 1), date(2024, 10, 8)),
        # Sat Jan 31 2026 rolls to Mon Feb 2.
        (months(1), date(2025, 12, 31), date(2026, 2, 2)),
        # Backwards month landing on Sun Sep 1 2024: previous working day Fri Aug 30.
        (months(-1), date(2024, 10, 1), date(2024, 8, 30)),
    ],
)
def test_calendar_periods(rule: DueRule, trigger: date, expected: date) -> None:
    assert CAL.due_date(rule, trigger) == expected


# --- fixed dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "trigger", "expected"),
    [
        (day_of_month(28), date(2024, 2, 8), date(2024, 2, 28)),
        # Sat Sep 28 2024 is a rest day but a fixed date is not moved.
        (day_of_month(28), date(2024, 9, 5), date(2024, 9, 28)),
        (day_of_month(28, months_ahead=1), date(2024, 1, 30), date(2024, 2, 28)),
        # Clamped to the month end.
        (day_of_month(31, months_ahead=1), date(2024, 1, 15), date(2024, 2, 29)),
        # Not moved off 除夕 2025 (a holiday).
        (day_of_month(28, months_ahead=1), date(2024, 12, 10), date(2025, 1, 28)),
        # 31 January of the next year, inside the 2025 Spring Festival: kept.
        (fixed_date(1, 31), date(2024, 6, 1), date(2025, 1, 31)),
        (fixed_date(12, 31, years_ahead=0), date(2024, 6, 1), date(2024, 12, 31)),
        (immediate(), date(2024, 10, 3), date(2024, 10, 3)),
    ],
)
def test_fixed_dates(rule: DueRule, trigger: date, expected: date) -> None:
    assert CAL.due_date(rule, trigger) == expected


# --- overrides and the version -----------------------------------------------------------------


def test_override_changes_result_and_version() -> None:
    # Suppose the county gave Fri Feb 9 2024 off: Sun Feb 18 = 1, Mon Feb 19 = 2, Tue Feb 20 = 3.
    corrected = WorkdayCalendar({date(2024, 2, 9): False})
    assert corrected.is_working_day(date(2024, 2, 9)) is False
    assert corrected.add_working_days(date(2024, 2, 8), 3) == date(2024, 2, 20)
    assert CAL.add_working_days(date(2024, 2, 8), 3) == date(2024, 2, 19)
    assert corrected.version != CAL.version
    assert corrected.version.startswith(f"chinesecalendar-{library_version()}+")

    # A Saturday declared a working day stops the roll.
    saturday = WorkdayCalendar({date(2024, 3, 9): True})
    assert saturday.due_date(calendar_days(5), date(2024, 3, 4)) == date(2024, 3, 9)
    assert saturday.version not in (CAL.version, corrected.version)


def test_version_is_stable_and_order_independent() -> None:
    a = WorkdayCalendar({date(2024, 2, 9): False, date(2024, 3, 9): True}, frozenset({2027, 2028}))
    b = WorkdayCalendar({date(2024, 3, 9): True, date(2024, 2, 9): False}, frozenset({2028, 2027}))
    assert a.version == b.version
    assert (
        WorkdayCalendar({date(2024, 2, 9): True}).version
        != WorkdayCalendar({date(2024, 2, 9): False}).version
    )
    assert WorkdayCalendar(declared_years=frozenset({2027})).version != CAL.version


def test_overrides_are_copied() -> None:
    source = {date(2024, 2, 9): False}
    cal = WorkdayCalendar(source)
    version = cal.version
    source[date(2024, 2, 9)] = True
    assert cal.is_working_day(date(2024, 2, 9)) is False
    assert cal.version == version


# --- unknown years -----------------------------------------------------------------------------


def test_undeclared_2027_raises() -> None:
    with pytest.raises(CalendarYearUnknown) as caught:
        # Thu Dec 31 2026 = 1, then the count reaches Jan 1 2027.
        CAL.add_working_days(date(2026, 12, 30), 3)
    err = caught.value
    assert isinstance(err, DomainError)
    assert err.year == 2027
    assert err.code == "calendar_year_unknown"
    assert err.field == "date"
    assert "2027年" in err.message_zh
    assert "2027" in err.message_en
    with pytest.raises(CalendarYearUnknown):
        CAL.is_working_day(date(2027, 3, 1))
    with pytest.raises(CalendarYearUnknown):
        CAL.due_date(calendar_days(20), date(2026, 12, 20))
    # An override alone does not make the year complete.
    with pytest.raises(CalendarYearUnknown):
        WorkdayCalendar({date(2027, 1, 1): False}).is_working_day(date(2027, 1, 1))


def test_declared_2027_works() -> None:
    cal = WorkdayCalendar(
        {date(2027, 1, 1): False, date(2027, 1, 9): True},  # a holiday and a Saturday make-up day
        frozenset({2027}),
    )
    # Thu Dec 31 2026 = 1, Fri Jan 1 2027 holiday, weekend, Mon Jan 4 = 2, Tue Jan 5 = 3.
    assert cal.add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 5)
    assert cal.is_working_day(date(2027, 1, 9)) is True
    assert cal.is_working_day(date(2027, 3, 6)) is False  # ordinary Saturday
    assert cal.is_working_day(date(2027, 3, 8)) is True  # ordinary Monday
    assert cal.due_date(calendar_days(1), date(2026, 12, 31)) == date(2027, 1, 4)


def test_declaring_a_library_year_keeps_library_holidays() -> None:
    # Declaring a year the library knows does not drop its holidays: overrides only correct it.
    cal = WorkdayCalendar(declared_years=frozenset({2026}))
    assert cal.is_working_day(date(2026, 1, 2)) is False
    assert cal.is_working_day(date(2026, 1, 4)) is True  # Sunday make-up day


def test_fixed_dates_do_not_need_the_calendar() -> None:
    # A fixed date is not moved, so it needs no holiday data for its year.
    assert CAL.due_date(fixed_date(1, 31), date(2026, 3, 1)) == date(2027, 1, 31)
    assert CAL.due_date(day_of_month(28, months_ahead=1), date(2026, 12, 5)) == date(2027, 1, 28)


# --- DueRule -----------------------------------------------------------------------------------

ALL_RULES = [
    working_days(3),
    working_days(-2),
    calendar_days(5),
    calendar_days(-7),
    calendar_days(30, roll=False),
    months(1),
    day_of_month(28),
    day_of_month(28, months_ahead=1),
    fixed_date(1, 31),
    fixed_date(12, 31, years_ahead=0),
    immediate(),
]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.describe_zh())
def test_rule_round_trip(rule: DueRule) -> None:
    data = json.loads(json.dumps(rule.to_dict()))
    assert DueRule.from_dict(data) == rule
    assert isinstance(DueRule.from_dict(data).kind, DueKind)


def test_rule_dict_shape() -> None:
    assert fixed_date(1, 31).to_dict() == {
        "kind": "fixed_date",
        "amount": 1,
        "day": 31,
        "month": 1,
        "roll": False,
    }
    assert DueRule.from_dict({"kind": "working_days", "amount": 7}) == working_days(7)


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (working_days(3), "3个工作日内"),
        (working_days(-2), "提前2个工作日"),
        (calendar_days(5), "5日内"),
        (calendar_days(-7), "提前7日"),
        (calendar_days(30, roll=False), "30日内（不顺延）"),
        (months(1), "1个月内"),
        (day_of_month(28), "每月28日前"),
        (day_of_month(28, months_ahead=1), "次月28日前"),
        (fixed_date(1, 31), "次年1月31日前"),
        (fixed_date(12, 31, years_ahead=0), "当年12月31日前"),
        (immediate(), "即时"),
    ],
)
def test_describe_zh(rule: DueRule, text: str) -> None:
    assert rule.describe_zh() == text


def test_invalid_rules_rejected() -> None:
    with pytest.raises(ValueError):
        DueRule(DueKind.FIXED_DATE, 1)
    with pytest.raises(ValueError):
        day_of_month(32)
    with pytest.raises(ValueError):
        fixed_date(13, 1)
    with pytest.raises(ValueError):
        DueRule.from_dict({"kind": "fortnights", "amount": 1})
