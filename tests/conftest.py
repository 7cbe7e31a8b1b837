"""Shared fixtures: one real database per test session (SQLite by default, PostgreSQL when
``DATABASE_URL`` is set), emptied after every test; a plugin registry built once."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import delete, event, inspect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.clock import CHINA, fixed_clock
from core.config import Settings, normalise_database_url
from core.context import ServiceContext
from core.db import Base, make_engine, make_session_factory
from core.migrate import upgrade_database
from core.policy.manager import PolicyRegistry, build_registry
from core.principal import SYSTEM, Principal
from tests.support import Testland

pytest_plugins = ["tests.http_fixtures"]

# A fixed "today" for services: a Wednesday with no holiday around it.
TODAY = dt.date(2024, 11, 20)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    url = os.environ.get("DATABASE_URL")
    if url:
        database_url = normalise_database_url(url)
    else:
        database_url = f"sqlite+aiosqlite:///{Path(tmp_path_factory.mktemp('db')) / 'test.db'}"
    # Development mode: the tests name their principal with the X-Caseload-* headers; production's
    # own behaviour is tested with settings that say so. Ledger import jobs run in the app under
    # test on both databases (CASELOAD_IMPORT_RUNNER=api); the worker's runner has its own tests.
    return Settings(
        database_url=database_url,
        redis_url=os.environ.get("REDIS_URL") or None,
        environment="development",
        import_runner_setting="api",
    )


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(settings)
    if not settings.is_sqlite:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    await upgrade_database(engine)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def registry() -> PolicyRegistry:
    """The four built-in plugins plus "testland", a small plugin for core tests (tests/support.py)."""
    return build_registry(extra={"testland": Testland()})


# Webhook targets the tests use (core/notify/egress.py refuses anything else that is not public):
# the loopback receiver of the delivery tests, a private receiver, and names that do not resolve
# here. Tests of the refusals pass their own allow-list.
os.environ.setdefault(
    "CASELOAD_WEBHOOK_ALLOW", "127.0.0.1/32, 10.0.0.5/32, hooks.example.invalid, qyapi.weixin.qq.com"
)


@pytest.fixture
async def session_factory(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    yield make_session_factory(engine)
    async with engine.begin() as conn:
        # Only tables the migrations created (test_migrations checks they are all of them).
        existing = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in existing:
                await conn.execute(delete(table))


@pytest.fixture
async def session(session_factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session


CtxFactory = Callable[..., ServiceContext]


@pytest.fixture
def make_ctx(session: AsyncSession, registry: PolicyRegistry) -> CtxFactory:
    """Build a ServiceContext on the test session, as ``principal``, on ``today``."""

    def factory(principal: Principal = SYSTEM, today: dt.date = TODAY) -> ServiceContext:
        moment = dt.datetime.combine(today, dt.time(10, 0), tzinfo=CHINA)
        return ServiceContext(
            session=session, principal=principal, registry=registry, clock=fixed_clock(moment)
        )

    return factory


@pytest.fixture
def ctx(make_ctx: CtxFactory) -> ServiceContext:
    return make_ctx()


class StatementCounter:
    """Counts SQL statements an engine executes (to prove nested queries do not N+1)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._on)

    def _on(self, conn: object, cursor: object, statement: str, *args: object) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(engine: AsyncEngine) -> Callable[[], StatementCounter]:
    return lambda: StatementCounter(engine)
