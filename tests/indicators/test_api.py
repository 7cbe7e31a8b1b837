"""The GraphQL API and the bulletin downloads, over HTTP against the app."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.app import create_app
from api.indicators.files import bulletin_routes
from api.indicators.wiring import install_indicator_cache
from core.audit.models import AuditEntry
from core.clock import CHINA, fixed_clock
from core.config import Settings
from core.indicators.cache import InProcessCache
from core.policy.manager import PolicyRegistry
from tests.api.conftest import GraphQLClient
from tests.indicators.conftest import RECORDED_ON, Scenario

NOW = dt.datetime.combine(RECORDED_ON, dt.time(10, 0), tzinfo=CHINA)


@pytest.fixture
async def cache() -> InProcessCache:
    return InProcessCache()


@pytest.fixture
async def api(
    settings: Settings, registry: PolicyRegistry, session_factory: Any, cache: InProcessCache
) -> AsyncIterator[GraphQLClient]:
    application = create_app(settings, registry=registry, clock=fixed_clock(NOW))
    mounted = {getattr(r, "path", "") for r in application.router.routes}
    application.router.routes.extend(r for r in bulletin_routes() if r.path not in mounted)
    async with application.router.lifespan_context(application):
        install_indicator_cache(application.state.caseload, cache)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield GraphQLClient(http)


DASHBOARD = """
query($j: ID!, $p: PeriodInput!, $u: ID) {
  dashboard(jurisdictionId: $j, period: $p, unitId: $u) {
    period { kind key label start end }
    previousPeriod { key }
    asOf
    indicators {
      indicator label status statusLabel
      current { numerator denominator value display }
      previous { value }
      change changePercent
      withHiddenLosses { value }
      definition { source refined instances lossOutcomes description }
      targets { targetId title status margin marginEvent recovery projection { value status } }
    }
    units { name values { indicator rank rankFromBottom of figure { value } } }
  }
}
"""


def by_code(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["indicator"]: i for i in data["dashboard"]["indicators"]}


async def test_dashboard_over_graphql(api: GraphQLClient, scenario: Scenario):
    data = await api.ok(DASHBOARD, {"j": str(scenario.org.jurisdiction.id), "p": {"kind": "YEAR", "year": 2024}})
    board = data["dashboard"]
    assert board["period"] == {"kind": "YEAR", "key": "2024", "label": "2024年", "start": "2024-01-01", "end": "2024-12-31"}
    assert board["previousPeriod"]["key"] == "2023"
    codes = by_code(data)
    loss = codes["loss_rate"]
    assert loss["current"] == {"numerator": 2, "denominator": 5, "value": "40.00", "display": "40.00%"}
    assert loss["withHiddenLosses"]["value"] == "60.00"
    assert loss["definition"]["source"] == "national" and loss["definition"]["instances"] == ["first"]
    assert "revoked" in loss["definition"]["lossOutcomes"]
    assert codes["correction_rate"]["previous"]["value"] is None
    assert codes["case_volume"]["changePercent"] == "100.00"
    assert codes["loss_rate"]["status"] == "NO_TARGET"  # testland sets no target
    units = {u["name"]: u for u in board["units"]}
    township_loss = next(v for v in units["城关镇"]["values"] if v["indicator"] == "loss_rate")
    assert (township_loss["rank"], township_loss["rankFromBottom"], township_loss["of"]) == (2, 1, 2)


async def test_bad_period_names_the_field(api: GraphQLClient, scenario: Scenario):
    body = await api(DASHBOARD, {"j": str(scenario.org.jurisdiction.id), "p": {"kind": "QUARTER", "year": 2024}})
    error = body["errors"][0]
    assert error["extensions"]["field"] == "quarter" and error["extensions"]["code"] == "required"
    body = await api(DASHBOARD, {"j": str(scenario.org.jurisdiction.id), "p": {"kind": "QUARTER", "year": 2024, "quarter": 5}})
    assert body["errors"][0]["extensions"]["field"] == "quarter"
    body = await api(
        DASHBOARD,
        {"j": str(scenario.org.jurisdiction.id), "p": {"kind": "CUSTOM", "start": "2024-05-01", "end": "2024-04-01"}},
    )
    assert body["errors"][0]["extensions"]["field"] == "end"
