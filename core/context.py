"""The unit of work a service runs in: session, principal, policies, calendar and clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar.service import load_calendar
from core.calendar.workdays import WorkdayCalendar
from core.clock import CHINA, Clock, system_clock
from core.errors import NotFound
from core.org.models import Jurisdiction
from core.policy.manager import Policy, PolicyRegistry
from core.principal import Principal


@dataclass
class ServiceContext:
    """Services receive this; they flush but never commit (the caller owns the transaction)."""

    session: AsyncSession
    principal: Principal
    registry: PolicyRegistry
    clock: Clock = system_clock
    # Records changed in this unit of work, for cache invalidation and live updates after commit.
    changes: list[tuple[str, int, int | None]] = field(default_factory=list)
    _calendar: WorkdayCalendar | None = None
    _jurisdictions: dict[int, Jurisdiction] = field(default_factory=dict)

    def now(self) -> dt.datetime:
        return self.clock().astimezone(CHINA)

    def today(self) -> dt.date:
        return self.now().date()

    async def calendar(self) -> WorkdayCalendar:
        if self._calendar is None:
            self._calendar = await load_calendar(self.session)
        return self._calendar

    def forget_calendar(self) -> None:
        self._calendar = None

    async def jurisdiction(self, jurisdiction_id: int) -> Jurisdiction:
        found = self._jurisdictions.get(jurisdiction_id)
        if found is None:
            found = await self.session.get(Jurisdiction, jurisdiction_id)
            if found is None:
                raise NotFound("Jurisdiction", "辖区", jurisdiction_id, "jurisdictionId")
            self._jurisdictions[jurisdiction_id] = found
        return found

    async def policy(self, jurisdiction_id: int) -> Policy:
        return self.registry.policy((await self.jurisdiction(jurisdiction_id)).plugin)

    def changed(self, entity_type: str, entity_id: int, jurisdiction_id: int | None) -> None:
        self.changes.append((entity_type, entity_id, jurisdiction_id))

    def extra(self) -> dict[str, Any]:
        return {}
