"""The Alembic migrations create exactly the schema the models describe, and the app refuses an
unmigrated or outdated database with a message naming the command to run."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from core.config import Settings
from core.db import make_engine
from core.errors import ConfigurationError
from core.migrate import ensure_migrated, upgrade_database
from core.models import Base


async def test_migrated_schema_matches_the_models(engine: AsyncEngine):
    async with engine.connect() as conn:
        diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
    assert diff == [], f"models and migrations differ; generate a migration: {diff}"


async def test_unmigrated_database_is_refused(tmp_path: Path):
    engine = make_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"))
    try:
        with pytest.raises(ConfigurationError, match="caseload migrate"):
            await ensure_migrated(engine)
        await upgrade_database(engine, "base")
        await upgrade_database(engine)
        await ensure_migrated(engine)
    finally:
        await engine.dispose()


async def test_app_does_not_start_on_an_empty_database(tmp_path: Path, registry):
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"), registry=registry)
    with pytest.raises(ConfigurationError, match="caseload migrate"):
        async with app.router.lifespan_context(app):
            pass
