"""The working-day calendar (statutory holidays, make-up working days) and due-date computation.

Holiday data come from ``chinesecalendar`` for the years it knows, corrected by an administrator's
overrides; a year the library does not know is usable only once an administrator has declared it
complete. Anything else raises ``CalendarYearUnknown``: a deadline is never guessed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from calendar import monthrange
from collections.abc import Mapping
from functools import cache

import chinese_calendar

from core.calendar.rules import DueKind, DueRule
from core.errors import DomainError

ONE_DAY = dt.timedelta(days=1)


class CalendarYearUnknown(DomainError):
    """A computation needs a year whose holidays neither the library nor an administrator has entered."""

    def __init__(self, year: int) -> None:
        super().__init__(
            "calendar_year_unknown",
            f"{year}年的法定节假日安排尚未录入，请管理员先录入该年度节假日",
            f"the statutory holidays of {year} are not known yet; an administrator must enter that year",
            "date",
        )
        self.year = year


def library_version() -> str:
    """Return the installed ``chinesecalendar`` version."""
    return str(chinese_calendar.__version__)


@cache
def known_years() -> range:
    """Return the years the library has holiday data for (inclusive range)."""
    # The library validates dates against the span of its own holiday table, so reading that span
    # gives exactly the years it accepts, without hard-coding them for each release.
    years = [day.year for day in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def _add_months(d: dt.date, n: int) -> dt.date:
    """Return the same date ``n`` months later, or that month's last day if it has no such date."""
    index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(d.day, monthrange(year, month)[1]))


def _clamped(year: int, month: int, day: int) -> dt.date:
    """Return ``date(year, month, day)``, moved to the month's last day when the month is shorter."""
    return dt.date(year, month, min(day, monthrange(year, month)[1]))


class WorkdayCalendar:
    """Working days from the library's tables, corrected by administrator overrides."""

    def __init__(
        self, overrides: Mapping[dt.date, bool] | None = None, declared_years: frozenset[int] = frozenset()
    ) -> None:
        # Copy so a caller mutating its dict cannot change dates already computed (or the version).
        self._overrides: dict[dt.date, bool] = dict(overrides or {})
        self._declared_years = frozenset(declared_years)
        self._version = self._compute_version()

    @property
    def overrides(self) -> Mapping[dt.date, bool]:
        """The administrator's day corrections (True = working day)."""
        return dict(self._overrides)

    @property
    def declared_years(self) -> frozenset[int]:
        """Years an administrator has entered in full."""
        return self._declared_years

    @property
    def version(self) -> str:
        """Identify the data behind computed dates; changes whenever an override or declared year does."""
        return self._version

    def _compute_version(self) -> str:
        """Hash the overrides and declared years together with the library version."""
        lines = [f"{day.isoformat()}={int(working)}" for day, working in sorted(self._overrides.items())]
        lines.append("years=" + ",".join(str(y) for y in sorted(self._declared_years)))
        digest = hashlib.sha1("\n".join(lines).encode(), usedforsecurity=False).hexdigest()[:10]
        return f"chinesecalendar-{library_version()}+{digest}"

    def is_year_known(self, year: int) -> bool:
        """True when the library knows ``year`` or an administrator declared it."""
        return year in known_years() or year in self._declared_years

    def _check_year(self, d: dt.date) -> None:
        """Raise ``CalendarYearUnknown`` for a day whose year nobody has holiday data for."""
        # An override alone is not enough: a year is usable only once it is complete, otherwise a
        # count running through it would silently miss the holidays nobody entered.
        if not self.is_year_known(d.year):
            raise CalendarYearUnknown(d.year)

    def is_working_day(self, d: dt.date) -> bool:
        """True when ``d`` is a working day (including a make-up working day, 调休上班)."""
        self._check_year(d)
        if d in self._overrides:
            return self._overrides[d]
        if d.year in known_years():
            return bool(chinese_calendar.is_workday(d))
        # A declared year the library does not know: the administrator entered every holiday and
        # make-up day as overrides, so the rest follows the ordinary week.
        return d.weekday() < 5

    def is_holiday_or_rest(self, d: dt.date) -> bool:
        """True when ``d`` is a statutory holiday or a rest day."""
        return not self.is_working_day(d)

    def next_working_day(self, d: dt.date) -> dt.date:
        """Return ``d`` if it is a working day, else the first working day after it."""
        while not self.is_working_day(d):
            d += ONE_DAY
        return d

    def previous_working_day(self, d: dt.date) -> dt.date:
        """Return ``d`` if it is a working day, else the last working day before it."""
        while not self.is_working_day(d):
            d -= ONE_DAY
        return d

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """Return the n-th working day after ``start`` (before it when n < 0); ``start`` is not counted."""
        if n == 0:
            return self.next_working_day(start)
        step = ONE_DAY if n > 0 else -ONE_DAY
        remaining = abs(n)
        d = start
        while remaining:
            d += step
            if self.is_working_day(d):
                remaining -= 1
        return d

    def _roll(self, d: dt.date, backwards: bool) -> dt.date:
        """Move a last day that is not a working day to the next (or, backwards, previous) working day."""
        return self.previous_working_day(d) if backwards else self.next_working_day(d)

    def due_date(self, rule: DueRule, trigger: dt.date) -> dt.date:
        """Return the date a period counted by ``rule`` from the event on ``trigger`` ends."""
        kind = rule.kind
        if kind is DueKind.WORKING_DAYS:
            return self.add_working_days(trigger, rule.amount)
        if kind is DueKind.CALENDAR_DAYS or kind is DueKind.MONTHS:
            if kind is DueKind.CALENDAR_DAYS:
                end = trigger + dt.timedelta(days=rule.amount)
            else:
                end = _add_months(trigger, rule.amount)
            # 期间届满的最后一日是法定休假日的，以法定休假日后的第一日为期间届满的日期; a date
            # before the trigger (a reminder) must not move later, so it goes back instead.
            return self._roll(end, backwards=rule.amount < 0) if rule.roll else end
        if kind is DueKind.DAY_OF_MONTH:
            assert rule.day is not None  # guaranteed by DueRule.__post_init__
            first = _add_months(trigger.replace(day=1), rule.amount)
            return _clamped(first.year, first.month, rule.day)
        if kind is DueKind.FIXED_DATE:
            assert rule.month is not None and rule.day is not None  # guaranteed by DueRule.__post_init__
            # Clamped so 29 February stays valid in a common year.
            return _clamped(trigger.year + rule.amount, rule.month, rule.day)
        return trigger
