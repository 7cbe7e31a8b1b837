"""Workers scale out: two worker processes scanning at once send every reminder exactly once, and a
worker killed mid-scan loses nothing (the next scan sends what it had not committed)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys

from sqlalchemy import func, select

from core.config import Settings
from core.disputes import service as disputes
from core.enums import ActionType, DisputeField, DisputeSource, ResolutionStage
from core.obligations.models import Notification
from core.worker import Worker
from tests.support import make_org

NOW = "2024-11-20T10:00:00+08:00"
# Five efforts assigned Mon 14 Oct 2024, never accepted: "accept within 3 working days" was due
# Thu 17 Oct; by 20 Nov every step of the default chain (1, 2, 5, 10 working days) is past, and a
# duty found overdue this late gets only the step due now (the interview), once: one each.
EXPECTED = 5 * 1


async def seed(make_ctx) -> None:
    ctx = make_ctx(today=dt.date(2024, 10, 14))
    org = await make_org(ctx)
    for i in range(5):
        d = await disputes.record_dispute(
            ctx,
            disputes.DisputeInput(
                unit_id=org.agency.id,
                title=f"争议{i}",
                applicant_name="冯某",
                field=DisputeField.OTHER,
                action_type=ActionType.PENALTY,
                source=DisputeSource.SCREENING,
                received_date=dt.date(2024, 10, 14),
            ),
        )
        await disputes.assign_resolution(
            ctx,
            d.id,
            unit_id=org.agency.id,
            stage=ResolutionStage.PRE_FILING,
            assigned_date=dt.date(2024, 10, 14),
        )
    await ctx.session.commit()


def env(settings: Settings) -> dict[str, str]:
    environment = dict(
        os.environ,
        DATABASE_URL=settings.database_url,
        PYTHONPATH=os.getcwd(),
        CASELOAD_WORKER_LOCK_SECONDS="1",
    )
    if settings.redis_url:
        environment["REDIS_URL"] = settings.redis_url
    return environment


async def start(settings: Settings, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.obligations.worker_proc",
        NOW,
        *extra,
        env=env(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def count(session_factory) -> tuple[int, int]:
    async with session_factory() as session:
        total = await session.scalar(select(func.count(Notification.id)))
        keys = await session.scalar(select(func.count(func.distinct(Notification.dedupe_key))))
    return total or 0, keys or 0


async def test_two_worker_processes_send_each_reminder_once(make_ctx, settings, session_factory):
    await seed(make_ctx)
    first, second = await start(settings), await start(settings)
    outs = await asyncio.gather(first.communicate(), second.communicate())
    assert first.returncode == 0 and second.returncode == 0, [o[1].decode()[-2000:] for o in outs]
    assert await count(session_factory) == (EXPECTED, EXPECTED)
    sent = [int(o[0].decode().split("sent")[-1]) for o in outs]
    assert sum(sent) == EXPECTED


async def test_a_worker_killed_mid_scan_loses_nothing(make_ctx, settings, session_factory):
    await seed(make_ctx)
    hanging = await start(settings, "--hang")
    assert hanging.stdout is not None
    line = await asyncio.wait_for(hanging.stdout.readline(), timeout=60)
    assert line.startswith(b"inserted"), line
    hanging.send_signal(signal.SIGKILL)
    await hanging.wait()
    # Nothing of the killed scan was committed …
    assert await count(session_factory) == (0, 0)
    # … and the next worker sends everything, once (once the dead worker's lock has lapsed).
    await asyncio.sleep(1.5)
    survivor = await start(settings)
    _out, err = await survivor.communicate()
    assert survivor.returncode == 0, err.decode()[-2000:]
    assert await count(session_factory) == (EXPECTED, EXPECTED)


async def test_worker_in_process_scans_every_jurisdiction(make_ctx, settings, session_factory, registry):
    await seed(make_ctx)
    from core.clock import fixed_clock

    worker = Worker(
        settings=settings,
        session_factory=session_factory,
        registry=registry,
        clock=fixed_clock(dt.datetime.fromisoformat(NOW)),
    )
    reports = await worker.scan_all()
    assert sum(len(r.sent) for r in reports) == EXPECTED
    again = await worker.scan_all()
    assert sum(len(r.sent) for r in again) == 0


async def test_embedded_default_runs_the_worker_inside_the_api_process(
    make_ctx, settings, session_factory, registry
):
    from api.app import create_app
    from core.clock import fixed_clock

    await seed(make_ctx)
    embedded = Settings(
        database_url=settings.database_url, redis_url=settings.redis_url, inprocess_worker=True
    )
    app = create_app(embedded, registry=registry, clock=fixed_clock(dt.datetime.fromisoformat(NOW)))
    async with app.router.lifespan_context(app):
        for _ in range(100):
            if (await count(session_factory))[0] == EXPECTED:
                break
            await asyncio.sleep(0.1)
    assert await count(session_factory) == (EXPECTED, EXPECTED)


async def test_a_cancellation_arriving_while_the_scan_lock_is_released_is_not_swallowed(
    settings, session_factory, registry
):
    """Shutdown cancels the worker; if that lands while the Redis scan lock's renewal is being
    stopped, the worker must still stop (it used to swallow it and the app's shutdown hung)."""
    import uuid

    import pytest

    from core.worker import make_redis

    redis = await make_redis(settings)
    if redis is None:
        pytest.skip("REDIS_URL is not set")
    worker = Worker(settings=settings, session_factory=session_factory, registry=registry, redis=redis)
    entered = asyncio.Event()

    async def scan_then_wait() -> None:
        async with worker._redis_lock(f"test:scan-lock:{uuid.uuid4().hex}"):
            entered.set()
        await asyncio.sleep(30)  # the next round's sleep: reached only if the cancellation was lost

    task = asyncio.create_task(scan_then_wait())
    await entered.wait()
    task.cancel()  # lands while the lock's finally awaits the renewal task
    try:
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)
    finally:
        await redis.aclose()  # type: ignore[attr-defined]
