"""Settings from the environment: the database pool, read by the engine."""

from __future__ import annotations

from core.config import Settings
from core.db import make_engine


async def test_the_pool_size_comes_from_the_environment():
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://caseload@127.0.0.1:1/none",
            "CASELOAD_DB_POOL_SIZE": "7",
            "CASELOAD_DB_MAX_OVERFLOW": "3",
        }
    )
    assert (settings.db_pool_size, settings.db_max_overflow) == (7, 3)
    engine = make_engine(settings)  # no connection is opened until one is asked for
    try:
        pool = engine.sync_engine.pool
        assert (pool.size(), pool._max_overflow) == (7, 3)  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
    defaults = Settings.from_env({})
    assert (defaults.db_pool_size, defaults.db_max_overflow) == (20, 10)
