"""``caseload.testing``: the pytest plugin (entry point ``pytest11``) a county plugin's package tests with.

Installed with caseload (``pip install caseload[testing]`` brings pytest and pytest-asyncio), so an
outside package needs no conftest of its own. Every fixture is prefixed ``caseload_`` so it never
clashes with a package's own. Name the plugin under test in the package's pytest configuration::

    [tool.pytest.ini_options]
    caseload_plugin = "henan_xx"
    asyncio_mode = "auto"

or override the ``caseload_plugin_name`` fixture; a plugin that is not installed can be given as an
object by overriding ``caseload_extra_plugins`` (``{"henan_xx": module}``).

Fixtures: ``caseload_database_url`` (a temporary SQLite file, or ``CASELOAD_TEST_DATABASE_URL``,
e.g. a PostgreSQL URL, which is emptied first), ``caseload_engine`` (migrated), ``caseload_today`` /
``caseload_clock`` (fixed: Wednesday 2024-11-20, 10:00 China time), ``caseload_registry``,
``caseload_ctx`` (a system-principal service context on one session, rolled back afterwards),
``caseload_jurisdiction`` (created from the plugin under test), ``caseload_drive`` (emit an event
through the core obligation engine), the read-outs ``caseload_obligations``, ``caseload_dashboard``
and ``caseload_assessment``, and ``caseload_conformance`` (the conformance kit, one call).
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.metadata
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from core.clock import CHINA, Clock, fixed_clock
from core.config import Settings, normalise_database_url
from core.context import ServiceContext
from core.db import Base, make_engine, make_session_factory
from core.migrate import upgrade_database
from core.policy.conformance import ConformanceReport, assert_conformant, drive, obligations_on
from core.policy.manager import ENTRY_POINT_GROUP, PolicyRegistry, build_registry
from core.policy.types import Event
from core.principal import SYSTEM

TODAY = dt.date(2024, 11, 20)
"""The fixed "today" of every fixture: a Wednesday with no holiday around it."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("caseload_plugin", "the caseload policy plugin (entry point name) these tests are about")
    parser.addini("caseload_plugin_module", "its module, registered when the plugin is not installed")


@pytest.fixture
def caseload_plugin_name(request: pytest.FixtureRequest) -> str:
    name = str(request.config.getini("caseload_plugin") or "")
    if not name:
        pytest.fail("set caseload_plugin in [tool.pytest.ini_options] or override caseload_plugin_name")
    return name


@pytest.fixture
def caseload_extra_plugins(request: pytest.FixtureRequest) -> dict[str, object]:
    """Plugins given as objects rather than installed entry points (override to add others).

    When the plugin under test is not installed but ``caseload_plugin_module`` names its module in
    the pytest configuration, that module is imported and registered: so a package's tests also
    run from its source tree (``PYTHONPATH=.``) before ``pip install``.
    """
    name = str(request.config.getini("caseload_plugin") or "")
    module = str(request.config.getini("caseload_plugin_module") or "")
    installed = {ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    if name and module and name not in installed:
        return {name: importlib.import_module(module)}
    return {}


@pytest.fixture
def caseload_registry(caseload_extra_plugins: dict[str, object]) -> PolicyRegistry:
    """The built-in plugins, every installed entry point, and ``caseload_extra_plugins``."""
    return build_registry(extra=caseload_extra_plugins)


@pytest.fixture
def caseload_database_url(tmp_path: Path) -> str:
    url = os.environ.get("CASELOAD_TEST_DATABASE_URL")
    return normalise_database_url(url) if url else f"sqlite+aiosqlite:///{tmp_path / 'caseload.db'}"


@pytest_asyncio.fixture
async def caseload_engine(caseload_database_url: str) -> AsyncIterator[Any]:
    settings = Settings(database_url=caseload_database_url)
    engine = make_engine(settings)
    if not settings.is_sqlite:  # a PostgreSQL test database is emptied, then migrated from nothing
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    await upgrade_database(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def caseload_today() -> dt.date:
    return TODAY


@pytest.fixture
def caseload_clock(caseload_today: dt.date) -> Clock:
    return fixed_clock(dt.datetime.combine(caseload_today, dt.time(10, 0), tzinfo=CHINA))


@pytest_asyncio.fixture
async def caseload_ctx(
    caseload_engine: Any, caseload_registry: PolicyRegistry, caseload_clock: Clock
) -> AsyncIterator[ServiceContext]:
    async with make_session_factory(caseload_engine)() as session:
        yield ServiceContext(
            session=session, principal=SYSTEM, registry=caseload_registry, clock=caseload_clock
        )
        await session.rollback()


@pytest_asyncio.fixture
async def caseload_jurisdiction(caseload_ctx: ServiceContext, caseload_plugin_name: str) -> Any:
    """The jurisdiction the plugin under test describes (``createJurisdiction(plugin: …)``)."""
    from core.org.service import create_jurisdiction_from_plugin

    jurisdiction = await create_jurisdiction_from_plugin(caseload_ctx, caseload_plugin_name)
    await caseload_ctx.session.flush()
    return jurisdiction


@pytest.fixture
def caseload_drive(
    caseload_ctx: ServiceContext, caseload_jurisdiction: Any
) -> Callable[[Event], Awaitable[list[Any]]]:
    """``await caseload_drive(event)``: emit it in the jurisdiction; returns the obligations created."""

    async def run(event: Event) -> list[Any]:
        return await drive(caseload_ctx, caseload_jurisdiction.id, event)

    return run


@pytest.fixture
def caseload_obligations(caseload_ctx: ServiceContext) -> Callable[..., Awaitable[list[Any]]]:
    """``await caseload_obligations(subject_type, subject_id, rule_id=None)``, oldest first."""

    async def read(subject_type: str, subject_id: int, rule_id: str | None = None) -> list[Any]:
        return await obligations_on(caseload_ctx, subject_type, subject_id, rule_id)

    return read


@pytest.fixture
def caseload_dashboard(
    caseload_ctx: ServiceContext, caseload_jurisdiction: Any
) -> Callable[..., Awaitable[Any]]:
    """``await caseload_dashboard(year)``: every indicator of the jurisdiction for that year."""
    from core.indicators import periods, service

    async def read(year: int, unit_id: int | None = None) -> Any:
        return await service.dashboard(
            caseload_ctx, caseload_jurisdiction.id, periods.year(year), unit_id=unit_id
        )

    return read


@pytest.fixture
def caseload_assessment(
    caseload_ctx: ServiceContext, caseload_jurisdiction: Any
) -> Callable[..., Awaitable[Any]]:
    """``await caseload_assessment(year, quarter=None)``: ranks, targets and penalties per unit."""
    from core.indicators import service

    async def read(year: int, quarter: int | None = None) -> Any:
        return await service.assessment(caseload_ctx, caseload_jurisdiction.id, year, quarter)

    return read


@pytest.fixture
def caseload_conformance(
    caseload_registry: PolicyRegistry, caseload_plugin_name: str
) -> Callable[..., ConformanceReport]:
    """``caseload_conformance(sources_dir=None)``: the whole kit; fails listing every problem."""

    def run(sources_dir: Path | None = None) -> ConformanceReport:
        return assert_conformant(caseload_plugin_name, registry=caseload_registry, sources_dir=sources_dir)

    return run
