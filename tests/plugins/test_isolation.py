"""Isolation (issue 22): a broken county plugin takes down only its own jurisdictions.

One plugin raises while it is validated (isolated at start-up), one raises only at run time; the
built-in 舞阳县 plugin keeps serving, /readyz and /metrics name the broken plugin, and the worker
skips its jurisdiction and says why.
"""

from __future__ import annotations

import datetime as dt
import inspect
from typing import Any

import httpx
import pytest

from api.app import validate_registry
from core.clock import CHINA, fixed_clock
from core.context import ServiceContext
from core.org.service import create_jurisdiction_from_plugin
from core.policy import hookimpl
from core.policy.manager import PluginUnavailable, PolicyRegistry, build_registry
from core.policy.types import DeadlineRule, JurisdictionProfile, TargetSpec
from core.principal import SYSTEM
from core.worker import Worker


class Raiser:
    """Breaks while its rules are read: validation at start-up isolates it."""

    @hookimpl
    def caseload_jurisdiction_profile(self) -> JurisdictionProfile:
        return JurisdictionProfile(code="raiser", name="出错县", name_en="Raiser County")

    @hookimpl
    def caseload_deadline_rules(self) -> list[DeadlineRule]:
        raise ValueError("rule table is malformed")


class Flaky:
    """Validates (its 2024 targets are fine) but raises when asked for 2025's."""

    @hookimpl
    def caseload_jurisdiction_profile(self) -> JurisdictionProfile:
        return JurisdictionProfile(code="flaky", name="偶错县", name_en="Flaky County")

    @hookimpl
    def caseload_targets(self, year: int) -> list[TargetSpec]:
        if year == 2025:
            raise KeyError("2025")
        return []


@pytest.fixture
def registry() -> PolicyRegistry:
    return build_registry(
        builtins=("wuyang",), entry_points=False, extra={"raiser": Raiser(), "flaky": Flaky()}
    )


def test_validation_isolates_only_the_broken_plugin(registry: PolicyRegistry) -> None:
    validate_registry(registry)  # what start-up runs: it no longer stops the server
    assert set(registry.broken) == {"raiser"}
    with pytest.raises(PluginUnavailable) as exc:
        registry.policy("raiser")
    assert "rule table is malformed" in exc.value.message_en
    assert "出错" in exc.value.message_zh and "raiser" in exc.value.message_zh
    assert registry.policy("wuyang").deadline_rules  # the others serve
    assert registry.policy("flaky").profile is not None


def test_a_hook_raising_at_run_time_names_plugin_hook_and_place(registry: PolicyRegistry) -> None:
    validate_registry(registry)
    with pytest.raises(PluginUnavailable) as exc:
        registry.policy("flaky").targets(2025)
    line = inspect.getsourcelines(Flaky.caseload_targets)[1]
    assert exc.value.plugin == "flaky"
    assert exc.value.hook == "caseload_targets"
    assert exc.value.place.startswith(f"{__file__}:")
    assert int(exc.value.place.rsplit(":", 1)[1]) > line  # the raising line inside that hook
    assert registry.policy("wuyang").targets(2025) is not None


async def test_broken_plugins_requests_fail_clearly_and_the_others_serve(
    make_ctx: Any, registry: PolicyRegistry
) -> None:
    ctx: ServiceContext = make_ctx()
    good = await create_jurisdiction_from_plugin(ctx, "wuyang")
    assert good.plugin == "wuyang"
    validate_registry(registry)
    with pytest.raises(PluginUnavailable, match="raiser"):
        await create_jurisdiction_from_plugin(ctx, "raiser")
    assert (await ctx.policy(good.id)).name == "wuyang"


async def test_readyz_and_metrics_name_the_broken_plugin(app: Any) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        ready = await http.get("/readyz")
        metrics = await http.get("/metrics")
    assert ready.status_code == 200  # the other jurisdictions serve
    assert "raiser" in ready.json()["brokenPlugins"]
    assert "rule table is malformed" in ready.json()["brokenPlugins"]["raiser"]
    assert 'caseload_plugin_broken{plugin="raiser"} 1.0' in metrics.text


async def test_worker_skips_and_reports_the_broken_plugins_jurisdiction(
    settings: Any, session_factory: Any, registry: PolicyRegistry
) -> None:
    moment = dt.datetime(2024, 11, 20, 10, 0, tzinfo=CHINA)
    async with session_factory() as session, session.begin():
        ctx = ServiceContext(session=session, principal=SYSTEM, registry=registry, clock=fixed_clock(moment))
        good = await create_jurisdiction_from_plugin(ctx, "wuyang")
        bad = await create_jurisdiction_from_plugin(ctx, "raiser")  # created before it broke
        good_id, bad_id = good.id, bad.id
    validate_registry(registry)
    worker = Worker(
        settings=settings, session_factory=session_factory, registry=registry, clock=fixed_clock(moment)
    )
    reports = await worker.scan_all()
    assert good_id in {r.jurisdiction_id for r in reports}
    assert bad_id in worker.skipped and "raiser" in worker.skipped[bad_id]
