"""Administrators correct the holiday calendar; open obligations it affects are recomputed."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select

from core.audit.service import record as audit
from core.audit.service import snapshot
from core.calendar.models import CalendarOverride, CalendarYear
from core.calendar.workdays import known_years
from core.common import require_text
from core.errors import ValidationFailed
from core.scoping import authorize

if TYPE_CHECKING:
    from core.context import ServiceContext

YEAR_RANGE = range(2000, 2101)


def _check_year(year: int, field: str) -> None:
    if year not in YEAR_RANGE:
        raise ValidationFailed(field, "年份须在2000年至2100年之间", "year must be between 2000 and 2100")


async def set_calendar_day(
    ctx: ServiceContext, *, day: dt.date, is_working_day: bool, name: str = "", note: str = ""
) -> CalendarOverride:
    """Declare a day a statutory holiday (休) or an adjusted working day (班), overriding the library."""
    authorize(ctx.principal, "calendar.manage", None)
    _check_year(day.year, "day")
    row = await ctx.session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
    before = snapshot(row) if row is not None else None
    if row is None:
        row = CalendarOverride(day=day)
        ctx.session.add(row)
    row.is_working_day = is_working_day
    row.name = name.strip()[:60]
    row.note = note.strip()
    await audit(ctx, "calendar.set_day", row, before)
    return row


async def clear_calendar_day(ctx: ServiceContext, *, day: dt.date) -> CalendarOverride:
    """Remove an override: the day follows the library (or the weekend rule) again."""
    authorize(ctx.principal, "calendar.manage", None)
    row = await ctx.session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
    if row is None:
        raise ValidationFailed("day", f"{day.isoformat()}没有人工设置", f"no override on {day}", "not_found")
    await audit(ctx, "calendar.clear_day", row, snapshot(row))
    await ctx.session.delete(row)
    await ctx.session.flush()
    return row


async def declare_calendar_year(ctx: ServiceContext, *, year: int, source: str) -> CalendarYear:
    """Declare a year's holidays fully entered (from the State Council notice) so deadlines can use it."""
    authorize(ctx.principal, "calendar.manage", None)
    _check_year(year, "year")
    existing = await ctx.session.scalar(select(CalendarYear).where(CalendarYear.year == year))
    if existing is not None:
        raise ValidationFailed("year", f"{year}年已录入", f"{year} is already declared", "duplicate")
    row = CalendarYear(year=year, source=require_text(source, "source", "依据（国务院办公厅通知）"))
    ctx.session.add(row)
    await audit(ctx, "calendar.declare_year", row, None)
    return row


def library_years() -> range:
    return known_years()
