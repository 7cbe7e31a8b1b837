"""Calendar readiness (issue 19, point 6): from 1 November, when next year's holidays are not entered,
the API says so with the number of open deadlines that wait for them; entering the year clears it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from api.app import create_app
from core.calendar.workdays import known_years
from core.clock import CHINA, fixed_clock
from core.enums import ObligationStatus
from core.obligations.models import Obligation
from tests.support import make_org

READINESS = """query($j: ID) { calendarReadiness(jurisdictionId: $j) {
  year declared warn undatedObligations message } }"""


async def test_next_year_not_declared_is_announced_with_the_waiting_deadlines(
    ctx: Any, settings: Any, registry: Any, session_factory: Any
) -> None:
    year = max(known_years()) + 1  # a year the calendar library does not know yet
    org = await make_org(ctx)
    ctx.session.add(
        Obligation(
            jurisdiction_id=org.jurisdiction.id,
            owner_role="unit",
            plugin="testland",
            rule_id="testland.x",
            title="化解期限",
            event="resolution_accepted",
            subject_type="dispute",
            subject_id=1,
            occurrence="",
            trigger_date=dt.date(year - 1, 12, 20),
            due_rule={"kind": "working_days", "amount": 30},
            status=ObligationStatus.OPEN,
            due_date=None,
            due_error=f"{year}年节假日安排尚未公布",
        )
    )
    await ctx.session.commit()

    async def ask(today: dt.date) -> dict[str, Any]:
        clock = fixed_clock(dt.datetime.combine(today, dt.time(10), tzinfo=CHINA))
        app = create_app(settings, registry=registry, clock=clock)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
        ):
            body = (
                await http.post(
                    "/graphql", json={"query": READINESS, "variables": {"j": str(org.jurisdiction.id)}}
                )
            ).json()
        assert "errors" not in body, body
        return body["data"]["calendarReadiness"]

    november = await ask(dt.date(year - 1, 11, 2))
    assert november["year"] == year and not november["declared"] and november["warn"]
    assert november["undatedObligations"] == 1
    assert f"{year}年节假日安排尚未录入" in november["message"] and "1 项" in november["message"]
    october = await ask(dt.date(year - 1, 10, 20))
    assert october["year"] == year - 1 and october["declared"]
