"""Start-up warm-up (api/warmup.py): the first dashboard a user opens is prepared in the background."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import httpx

from api.app import create_app
from api.warmup import console_dashboard_document
from core.clock import CHINA, fixed_clock
from core.config import Settings
from core.policy.manager import PolicyRegistry
from tests.indicators.conftest import RECORDED_ON, Scenario

NOW = dt.datetime.combine(RECORDED_ON, dt.time(10, 0), tzinfo=CHINA)


async def _console_dashboard(
    settings: Settings, registry: PolicyRegistry, j: int
) -> tuple[Any, int, int, bytes]:
    """(warm-up result, figure-cache misses and hits of the first request, its answer).

    The process's own figure cache (no Redis): its counters say whether the first request computed."""
    local = dataclasses.replace(settings, redis_url=None)
    application = create_app(local, registry=registry, clock=fixed_clock(NOW))
    async with application.router.lifespan_context(application):
        warmed = await application.state.warm_up if application.state.warm_up is not None else None
        cache = application.state.caseload.indicator_cache
        misses, hits = cache.misses, cache.hits
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            variables = {"j": str(j), "period": {"kind": "YTD", "asOf": RECORDED_ON.isoformat()}}
            response = await http.post(
                "/graphql", json={"query": console_dashboard_document(), "variables": variables}
            )
        assert response.status_code == 200 and b'"errors"' not in response.content, response.text
        return warmed, cache.misses - misses, cache.hits - hits, response.content


async def test_the_first_dashboard_after_start_is_prepared_off_the_request_path(
    settings: Settings, registry: PolicyRegistry, scenario: Scenario, session_factory: Any
) -> None:
    j = scenario.org.jurisdiction.id
    cold = await _console_dashboard(settings, registry, j)
    assert cold[0] is None and cold[1] > 0  # no warm-up: the first request computes its figures
    warm = await _console_dashboard(dataclasses.replace(settings, warm_up_at_start=True), registry, j)
    seconds, misses, hits, body = warm
    assert isinstance(seconds, float)
    assert misses == 0 and hits == 1  # the first request is the console's answer, prepared whole
    assert body == cold[3]  # and the same answer, byte for byte


def test_the_warm_up_runs_the_console_document() -> None:
    assert console_dashboard_document().startswith("query ConsoleDashboard(")


async def test_the_charts_fonts_are_prepared_at_start_not_in_the_first_download(
    settings: Settings, registry: PolicyRegistry
) -> None:
    """Issue 20: the font cache is built at start-up. The bulletin charts' CJK font lookup (which
    makes matplotlib read every installed font the first time) is done by the warm-up."""
    from core.indicators.render import cjk_font

    cjk_font.cache_clear()
    application = create_app(
        dataclasses.replace(settings, warm_up_at_start=True, redis_url=None),
        registry=registry,
        clock=fixed_clock(NOW),
    )
    async with application.router.lifespan_context(application):
        await application.state.warm_up
        assert cjk_font.cache_info().currsize == 1
