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


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def known_revisions() -> set[str]:
    """Every revision this code's migrations know, old ones included."""
    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def newer_schema_error(current: set[str]) -> ConfigurationError | None:
    """The error for a database migrated by newer code than this (None when it is not)."""
    unknown = current - known_revisions()
    if not unknown:
        return None
    return ConfigurationError(
        f"数据库结构比本程序新（版本 {', '.join(sorted(unknown))}）：请升级程序到与数据库一致的版本，"
        f"或恢复与本程序相符的备份 / the database schema ({', '.join(sorted(unknown))}) is newer than "
        "this code: roll the code forward to the version that migrated it, or restore a backup "
        'made with this version (docs/operations.md, "Upgrade and rollback").'
    )


async def upgrade_database(engine: AsyncEngine, revision: str = "heads") -> None:
    """Bring the schema to ``revision`` (idempotent); refuses a schema newer than the code."""
    newer = newer_schema_error(await current_revisions(engine))
    if newer is not None:
        raise newer
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: command.upgrade(alembic_config(sync_conn), revision))


async def current_revisions(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        heads = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_heads())
    return set(heads)


async def ensure_migrated(engine: AsyncEngine) -> None:
    """Refuse to run on a database that is not at the code's schema revision."""
    current = await current_revisions(engine)
    heads = head_revisions()
    if not current:
        raise ConfigurationError(
            "数据库尚未初始化 / the database has no schema yet: run `caseload migrate` first."
        )
    newer = newer_schema_error(current)
    if newer is not None:
        raise newer
    if current != heads:
        raise ConfigurationError(
            f"数据库结构版本过旧 / the database schema is at revision {', '.join(sorted(current))}, "
            f"the code needs {', '.join(sorted(heads))}: run `caseload migrate`."
        )
