"""Autogenerate an Alembic revision from the models: ``python -m core.migrations.autogen "message"``."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command

from core.config import Settings
from core.db import make_engine
from core.migrate import alembic_config


async def autogenerate(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Settings(database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'scratch.db'}"))
        try:
            async with engine.begin() as conn:
                await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "heads"))
                await conn.run_sync(
                    lambda c: command.revision(alembic_config(c), message=message, autogenerate=True)
                )
        finally:
            await engine.dispose()


if __name__ == "__main__":
    asyncio.run(autogenerate(" ".join(sys.argv[1:]) or "schema change"))
