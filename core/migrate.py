"""Alembic migrations, run programmatically (``caseload migrate``) and checked at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from core.errors import ConfigurationError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Any = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade_database(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent)."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: command.upgrade(alembic_config(sync_conn), revision))


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


async def ensure_migrated(engine: AsyncEngine) -> None:
    """Refuse to run on a database that is not at the code's schema revision."""
    current = await current_revision(engine)
    head = head_revision()
    if current is None:
        raise ConfigurationError(
            "数据库尚未初始化 / the database has no schema yet: run `caseload migrate` first."
        )
    if current != head:
        raise ConfigurationError(
            f"数据库结构版本过旧 / the database schema is at revision {current}, the code needs {head}: "
            "run `caseload migrate`."
        )
