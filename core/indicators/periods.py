"""Reporting periods: a month, a quarter, a year, the year to date or a custom range, and series of them.

A :class:`Period` is an inclusive range of calendar days in China Standard Time. Queries use it as
the half-open range ``[start, end_exclusive)`` so that a datetime column (a hearing's ``held_at``)
and a date column (a case's ``filed_date``) are cut at the same midnight.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from core.clock import CHINA
from core.errors import ValidationFailed

MAX_SERIES_POINTS = 120
MAX_CUSTOM_DAYS = 366 * 10


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    YTD = "ytd"
    CUSTOM = "custom"


class Granularity(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_NUMERALS = "一二三四"


@dataclass(frozen=True)
class Period:
    """An inclusive range of days with its kind; ``label_zh`` is what users read."""

    kind: PeriodKind
    start: dt.date
    end: dt.date

    @property
    def end_exclusive(self) -> dt.date:
        return self.end + dt.timedelta(days=1)

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def quarter(self) -> int | None:
        return (self.start.month - 1) // 3 + 1 if self.kind is PeriodKind.QUARTER else None

    @property
    def key(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year}-Q{self.quarter}"
        if self.kind is PeriodKind.YEAR:
            return str(self.year)
        if self.kind is PeriodKind.YTD:
            return f"{self.year}-YTD-{self.end:%m-%d}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def label_zh(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.year}年{self.start.month}月"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year}年第{_NUMERALS[(self.quarter or 1) - 1]}季度"
        if self.kind is PeriodKind.YEAR:
            return f"{self.year}年"
        if self.kind is PeriodKind.YTD:
            if self.end == _month_end(self.end.year, self.end.month):
                return f"{self.year}年1—{self.end.month}月"
            return f"{self.year}年1月1日至{self.end.month}月{self.end.day}日"
        return f"{self.start.isoformat()}至{self.end.isoformat()}"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def start_moment(self) -> dt.datetime:
        """Midnight (China time) at the start: the lower bound for datetime columns."""
        return dt.datetime.combine(self.start, dt.time(0), tzinfo=CHINA)

    def end_moment(self) -> dt.datetime:
        """Midnight (China time) after the last day: the exclusive upper bound for datetime columns."""
        return dt.datetime.combine(self.end_exclusive, dt.time(0), tzinfo=CHINA)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _check_year(year: int, field: str = "year") -> int:
    if not 1990 <= year <= 2100:
        raise ValidationFailed(field, "年份须在1990至2100之间", f"{field} must be between 1990 and 2100")
    return year


def month(year: int, number: int) -> Period:
    _check_year(year)
    if not 1 <= number <= 12:
        raise ValidationFailed("month", "月份须在1至12之间", "month must be between 1 and 12")
    return Period(PeriodKind.MONTH, dt.date(year, number, 1), _month_end(year, number))


def quarter(year: int, number: int) -> Period:
    _check_year(year)
    if not 1 <= number <= 4:
        raise ValidationFailed("quarter", "季度须在1至4之间", "quarter must be between 1 and 4")
    first = 3 * (number - 1) + 1
    return Period(PeriodKind.QUARTER, dt.date(year, first, 1), _month_end(year, first + 2))


def year(number: int) -> Period:
    _check_year(number)
    return Period(PeriodKind.YEAR, dt.date(number, 1, 1), dt.date(number, 12, 31))


def ytd(as_of: dt.date) -> Period:
    """1 January of ``as_of``'s year to ``as_of`` inclusive."""
    _check_year(as_of.year, "asOf")
    return Period(PeriodKind.YTD, dt.date(as_of.year, 1, 1), as_of)


def custom(start: dt.date, end: dt.date) -> Period:
    _check_year(start.year, "start")
    _check_year(end.year, "end")
    if end < start:
        raise ValidationFailed("end", "结束日期不能早于开始日期", "end is before start", "date_order")
    if (end - start).days > MAX_CUSTOM_DAYS:
        raise ValidationFailed("end", "统计区间不能超过十年", "a custom range may span at most ten years")
    return Period(PeriodKind.CUSTOM, start, end)


def build(
    kind: PeriodKind,
    *,
    year_number: int | None = None,
    quarter_number: int | None = None,
    month_number: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.date | None = None,
) -> Period:
    """A period from API-style arguments, naming the missing field when one is required."""

    def need(value: int | dt.date | None, field: str, zh: str) -> int | dt.date:
        if value is None:
            raise ValidationFailed(
                field, f"请填写{zh}", f"{field} is required for a {kind.value} period", "required"
            )
        return value

    if kind is PeriodKind.MONTH:
        return month(int(need(year_number, "year", "年份")), int(need(month_number, "month", "月份")))  # type: ignore[arg-type]
    if kind is PeriodKind.QUARTER:
        return quarter(int(need(year_number, "year", "年份")), int(need(quarter_number, "quarter", "季度")))  # type: ignore[arg-type]
    if kind is PeriodKind.YEAR:
        return year(int(need(year_number, "year", "年份")))  # type: ignore[arg-type]
    if kind is PeriodKind.YTD:
        day = need(as_of, "asOf", "截止日期")
        assert isinstance(day, dt.date)
        return ytd(day)
    first, last = need(start, "start", "开始日期"), need(end, "end", "结束日期")
    assert isinstance(first, dt.date) and isinstance(last, dt.date)
    return custom(first, last)


def shift_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def previous_year(period: Period) -> Period:
    """The same period one year earlier (the basis of a year-on-year change)."""
    start = shift_years(period.start, -1)
    end = shift_years(period.end, -1)
    if period.kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR) or period.end == _month_end(
        period.end.year, period.end.month
    ):
        end = _month_end(end.year, end.month)
    return Period(period.kind, start, end)


def year_to_date_of(period: Period, as_of: dt.date) -> Period:
    """The year to date of ``period``'s year, up to the earlier of its end and ``as_of``."""
    last = min(period.end, as_of, dt.date(period.year, 12, 31))
    last = max(last, dt.date(period.year, 1, 1))
    return Period(PeriodKind.YTD, dt.date(period.year, 1, 1), last)


def split(start: dt.date, end: dt.date, granularity: Granularity) -> list[Period]:
    """Consecutive periods of ``granularity`` covering ``start``..``end``, the first and last clipped."""
    if end < start:
        raise ValidationFailed("end", "结束日期不能早于开始日期", "end is before start", "date_order")
    out: list[Period] = []
    cursor = start
    while cursor <= end:
        if granularity is Granularity.MONTH:
            whole = month(cursor.year, cursor.month)
        elif granularity is Granularity.QUARTER:
            whole = quarter(cursor.year, (cursor.month - 1) // 3 + 1)
        else:
            whole = year(cursor.year)
        piece_start, piece_end = max(whole.start, start), min(whole.end, end)
        if (piece_start, piece_end) == (whole.start, whole.end):
            out.append(whole)
        else:
            out.append(Period(PeriodKind.CUSTOM, piece_start, piece_end))
        cursor = whole.end_exclusive
        if len(out) > MAX_SERIES_POINTS:
            raise ValidationFailed(
                "granularity",
                f"时间序列最多{MAX_SERIES_POINTS}个时间点，请缩小区间或改用更粗的粒度",
                f"a series may have at most {MAX_SERIES_POINTS} points",
                "too_many_points",
            )
    return out


def months_through(period: Period) -> list[Period]:
    """The months from January of ``period``'s year through its end (a bulletin's trend lines)."""
    return split(dt.date(period.year, 1, 1), period.end, Granularity.MONTH)


def year_progress(period_year: int, as_of: dt.date) -> tuple[int, int]:
    """(days of ``period_year`` elapsed by ``as_of`` inclusive, days in the year)."""
    first, last = dt.date(period_year, 1, 1), dt.date(period_year, 12, 31)
    total = (last - first).days + 1
    if as_of < first:
        return 0, total
    return min((as_of - first).days + 1, total), total
