from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, IdMixin, TimestampMixin


class CalendarOverride(IdMixin, TimestampMixin, Base):
    """An administrator's correction of one day: a statutory holiday or an adjusted working day (调休上班).

    Overrides win over the library's tables; a year declared complete (``CalendarYear``) makes the
    calendar usable for a year the library does not know yet.
    """

    __tablename__ = "calendar_overrides"

    day: Mapped[dt.date] = mapped_column(unique=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class CalendarYear(IdMixin, TimestampMixin, Base):
    """A year whose holidays an administrator has entered in full (from the State Council notice)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, unique=True)
    source: Mapped[str] = mapped_column(Text, default="")
