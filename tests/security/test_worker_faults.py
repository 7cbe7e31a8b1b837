"""Workers never die of a dependency (issue 17, point 7): a round that meets a database outage is
logged naming the database, counted on /metrics and retried with back-off; when the database is back
the same worker resumes and sends what is due. On SQLite the database file becomes unreachable (its
directory is gone, as when a mount drops) and comes back; on PostgreSQL the real server is stopped
for longer than the worker's interval and started again."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from core.clock import fixed_clock
from core.config import Settings
from core.db import make_engine, make_session_factory
from core.obligations.models import Notification
from core.resilience import DEPENDENCY_ERRORS, Backoff
from core.worker import Worker
from tests.obligations.test_worker import EXPECTED, NOW, env, seed
from tests.security.test_faults import Postgres, postgres  # noqa: F401  (the fixture)


async def _count(factory) -> int:  # type: ignore[no-untyped-def]
    async with factory() as session:
        return int(await session.scalar(select(func.count(Notification.id))) or 0)


async def _until(condition, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_a_worker_rides_out_an_unreachable_database_and_resumes(
    make_ctx, settings: Settings, registry, tmp_path: Path
) -> None:
    if not settings.is_sqlite:
        pytest.skip("the PostgreSQL variant below stops the real server")
    await seed(make_ctx)
    source = make_url(settings.database_url).database
    assert source
    mount = tmp_path / "mount"  # absent: the database file cannot be opened
    engine = make_engine(Settings(database_url=f"sqlite+aiosqlite:///{mount / 'caseload.db'}"))
    factory = make_session_factory(engine)
    worker = Worker(
        settings=settings,
        session_factory=factory,
        registry=registry,
        clock=fixed_clock(dt.datetime.fromisoformat(NOW)),
    )
    errors = DEPENDENCY_ERRORS.labels("database", "worker")
    before = errors._value.get()
    task = asyncio.create_task(worker.run_forever(1.0, Backoff(first=0.05, cap=0.2)))
    try:

        async def failed_rounds() -> bool:
            assert not task.done(), task
            return errors._value.get() >= before + 3

        await _until(failed_rounds, 20)  # three rounds failed, backing off; the worker is still running
        mount.mkdir()
        with sqlite3.connect(source) as src, sqlite3.connect(mount / "caseload.db") as dst:
            src.backup(dst)  # the database is back, with the seeded duties

        async def sent() -> bool:
            assert not task.done(), task
            return await _count(factory) == EXPECTED

        await _until(sent, 30)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await engine.dispose()


async def test_a_worker_process_rides_out_a_postgres_stop_and_resumes(
    make_ctx,
    settings: Settings,
    session_factory,
    postgres: Postgres,  # noqa: F811
    tmp_path: Path,
) -> None:
    log = tmp_path / "worker.log"
    with log.open("wb") as stderr:
        worker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.obligations.worker_proc",
            NOW,
            "--forever",
            env=env(settings),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        await asyncio.sleep(3)  # a first good round on the empty database
        await asyncio.to_thread(postgres.stop)
        try:
            await asyncio.sleep(6)  # longer than the worker's 1 s interval: several failed rounds
            assert worker.returncode is None, log.read_text()[-3000:]
        finally:
            await asyncio.to_thread(postgres.start)
        text = log.read_text()
        assert "database is unavailable" in text and "retrying in" in text, text[-3000:]
        # Back: duties recorded now are found by the same worker process, which sends them.
        await seed(make_ctx)

        async def sent() -> bool:
            assert worker.returncode is None, log.read_text()[-3000:]
            return await _count(session_factory) == EXPECTED

        await _until(sent, 60)

        async def recovered() -> bool:  # logged when the round that sent them ends
            return "succeeded again after" in log.read_text()

        await _until(recovered, 30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            worker.kill()
        await worker.wait()
