"""Settings from the environment: the database pool, read by the engine, and the concurrency limit."""

from __future__ import annotations

from core.config import Settings
from core.db import make_engine


async def test_the_pool_size_comes_from_the_environment():
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://caseload@127.0.0.1:1/none",
            "CASELOAD_DB_POOL_SIZE": "7",
            "CASELOAD_DB_MAX_OVERFLOW": "3",
            "CASELOAD_MAX_CONCURRENT_REQUESTS": "4",
        }
    )
    assert (settings.db_pool_size, settings.db_max_overflow) == (7, 3)
    assert settings.concurrency_limit == 4
    engine = make_engine(settings)  # no connection is opened until one is asked for
    try:
        pool = engine.sync_engine.pool
        assert (pool.size(), pool._max_overflow) == (7, 3)  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
    defaults = Settings.from_env({})
    assert (defaults.db_pool_size, defaults.db_max_overflow) == (20, 10)
    assert defaults.concurrency_limit == 10  # half the pool: a request can hold two connections
    assert defaults.freeze_gc_at_start  # a served process freezes what start-up built
    assert not Settings.from_env({"CASELOAD_GC_FREEZE": "0"}).freeze_gc_at_start
    assert not Settings(database_url="sqlite+aiosqlite:///x.db").freeze_gc_at_start  # apps built in code
