"""How a deadline is counted: a small, serialisable description that plugins attach to their rules."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class DueKind(StrEnum):
    """The ways a period can be counted (see DOMAIN.md section 3, "Counting periods")."""

    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"
    DAY_OF_MONTH = "day_of_month"
    FIXED_DATE = "fixed_date"
    IMMEDIATE = "immediate"


@dataclass(frozen=True, slots=True)
class DueRule:
    """A deadline rule; ``amount`` is the count (or months/years ahead for fixed dates).

    A negative ``amount`` for working days, calendar days or months points to a date before the
    trigger (e.g. a reminder one week before a hearing).
    """

    kind: DueKind
    amount: int = 0
    day: int | None = None
    month: int | None = None
    roll: bool = True

    def __post_init__(self) -> None:
        """Reject rules that could not produce a date, so a bad plugin fails at import time."""
        # Accept the plain string too (e.g. DueRule("working_days", 3)) but store the enum.
        object.__setattr__(self, "kind", DueKind(self.kind))
        if self.day is not None and not 1 <= self.day <= 31:
            raise ValueError(f"day must be 1..31, got {self.day}")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1..12, got {self.month}")
        if self.kind is DueKind.DAY_OF_MONTH and self.day is None:
            raise ValueError("a day_of_month rule needs a day")
        if self.kind is DueKind.FIXED_DATE and (self.day is None or self.month is None):
            raise ValueError("a fixed_date rule needs a month and a day")
        if self.kind in (DueKind.DAY_OF_MONTH, DueKind.FIXED_DATE) and self.amount < 0:
            raise ValueError("months/years ahead cannot be negative")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict that ``from_dict`` turns back into an equal rule."""
        return {
            "kind": self.kind.value,
            "amount": self.amount,
            "day": self.day,
            "month": self.month,
            "roll": self.roll,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DueRule:
        """Build a rule from ``to_dict`` output; missing optional keys take their defaults."""
        day = data.get("day")
        month = data.get("month")
        return cls(
            kind=DueKind(data["kind"]),
            amount=int(data.get("amount", 0)),
            day=None if day is None else int(day),
            month=None if month is None else int(month),
            roll=bool(data.get("roll", True)),
        )

    def describe_zh(self) -> str:
        """Return the rule in Chinese as a user would read it, e.g. "3个工作日内" or "每月28日前"."""
        n = self.amount
        if self.kind is DueKind.WORKING_DAYS:
            return f"{n}个工作日内" if n >= 0 else f"提前{-n}个工作日"
        if self.kind is DueKind.CALENDAR_DAYS:
            text = f"{n}日内" if n >= 0 else f"提前{-n}日"
            return text if self.roll else f"{text}（不顺延）"
        if self.kind is DueKind.MONTHS:
            text = f"{n}个月内" if n >= 0 else f"提前{-n}个月"
            return text if self.roll else f"{text}（不顺延）"
        if self.kind is DueKind.DAY_OF_MONTH:
            prefix = {0: "每月", 1: "次月"}.get(n, f"{n}个月后")
            return f"{prefix}{self.day}日前"
        if self.kind is DueKind.FIXED_DATE:
            prefix = {0: "当年", 1: "次年"}.get(n, f"{n}年后")
            return f"{prefix}{self.month}月{self.day}日前"
        return "即时"

    def describe_en(self) -> str:
        """Return the rule in English for ``messageEn``, e.g. "30 working day(s)"."""
        n = self.amount
        if self.kind is DueKind.WORKING_DAYS:
            return f"{n} working day(s)" if n >= 0 else f"{-n} working day(s) before"
        if self.kind in (DueKind.CALENDAR_DAYS, DueKind.MONTHS):
            unit = "day(s)" if self.kind is DueKind.CALENDAR_DAYS else "month(s)"
            text = f"{n} {unit}" if n >= 0 else f"{-n} {unit} before"
            return text if self.roll else f"{text} (not rolled past holidays)"
        if self.kind is DueKind.DAY_OF_MONTH:
            prefix = {0: "of the same month", 1: "of the next month"}.get(n, f"{n} months later")
            return f"by day {self.day} {prefix}"
        if self.kind is DueKind.FIXED_DATE:
            prefix = {0: "of the same year", 1: "of the next year"}.get(n, f"{n} years later")
            return f"by {self.month}-{self.day} {prefix}"
        return "immediately"


def working_days(n: int) -> DueRule:
    """N working days after the event (the event day not counted)."""
    return DueRule(DueKind.WORKING_DAYS, n)


def calendar_days(n: int, roll: bool = True) -> DueRule:
    """N calendar days after the event; by default a last day that is not a working day is rolled."""
    return DueRule(DueKind.CALENDAR_DAYS, n, roll=roll)


def months(n: int) -> DueRule:
    """N months after the event: same date, or the month's last day; rolled like calendar days."""
    return DueRule(DueKind.MONTHS, n)


def day_of_month(day: int, months_ahead: int = 0) -> DueRule:
    """A fixed day of the event's month (or ``months_ahead`` later), e.g. the monthly report by the 28th."""
    return DueRule(DueKind.DAY_OF_MONTH, months_ahead, day=day, roll=False)


def fixed_date(month: int, day: int, years_ahead: int = 1) -> DueRule:
    """A fixed date of the event's year plus ``years_ahead``, e.g. 31 January of the next year."""
    return DueRule(DueKind.FIXED_DATE, years_ahead, day=day, month=month, roll=False)


def immediate() -> DueRule:
    """Due on the day of the event (即排即报)."""
    return DueRule(DueKind.IMMEDIATE)
