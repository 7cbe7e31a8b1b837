"""Dates and times in the jurisdictions' time zone (China Standard Time)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(CHINA)


def fixed_clock(moment: dt.datetime) -> Clock:
    """A clock frozen at ``moment`` (tests, replays)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=CHINA)
    return lambda: aware
