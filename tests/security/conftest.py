"""Module-scoped fixtures of the security suite: one seeded world and one app per test module.

The suite's modules run many requests against one world (seeding it per test would take minutes),
so they do not use the function-scoped ``session_factory``/``app``/``client`` fixtures, which empty
the database after every test. Each module empties the database when it starts and when it ends.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from core.clock import fixed_clock
from core.config import Settings
from core.db import make_session_factory
from core.policy.manager import PolicyRegistry
from tests.http_fixtures import NOW, GraphQLClient
from tests.security.world import World, WriteProbe, security_registry, seed_world, truncate


def quiet(settings: Settings) -> Settings:
    """No per-minute limit (the suite sends hundreds of requests per principal in seconds; the limit
    itself is tested in tests/api/test_hardening.py), and no in-process worker or import runner
    writing in the background while a test checks that a refused mutation wrote nothing (queued
    ledger imports stay queued: importLedger's answer is the queued job)."""
    return dataclasses.replace(
        settings, rate_limit_per_minute=0, inprocess_worker=False, import_runner_setting="worker"
    )


@pytest.fixture(scope="module")
def sec_registry() -> PolicyRegistry:
    return security_registry()


@pytest.fixture(scope="module")
async def sec_db(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await truncate(engine)
    yield make_session_factory(engine)
    await truncate(engine)


@pytest.fixture(scope="module")
async def sec_app(
    settings: Settings, sec_registry: PolicyRegistry, sec_db: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Any]:
    application = create_app(quiet(settings), registry=sec_registry, clock=fixed_clock(NOW))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="module")
async def sec_client(sec_app: Any) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=sec_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield GraphQLClient(http)


@pytest.fixture(scope="module")
async def world(
    sec_app: Any, sec_db: async_sessionmaker[AsyncSession], sec_registry: PolicyRegistry
) -> World:
    w = World(session_factory=sec_db, registry=sec_registry, auth=sec_app.state.caseload.auth)
    await seed_world(w)
    return w


@pytest.fixture(scope="module")
def probe(sec_db: async_sessionmaker[AsyncSession]) -> Iterator[WriteProbe]:
    writes = WriteProbe(sec_db)
    yield writes
    writes.close()
