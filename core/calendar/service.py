"""Loading the working-day calendar from the database."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar.models import CalendarOverride, CalendarYear
from core.calendar.workdays import WorkdayCalendar


async def load_calendar(session: AsyncSession) -> WorkdayCalendar:
    """Build the calendar from the administrator's overrides and declared years."""
    overrides = (await session.execute(select(CalendarOverride.day, CalendarOverride.is_working_day))).all()
    years = (await session.scalars(select(CalendarYear.year))).all()
    return WorkdayCalendar(
        overrides={day: is_working for day, is_working in overrides},
        declared_years=frozenset(years),
    )
