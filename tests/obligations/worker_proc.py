"""A worker process for the concurrency tests: ``python -m tests.obligations.worker_proc NOW [--hang]``.

Runs one scan of every jurisdiction with the test plugins, against DATABASE_URL / REDIS_URL.
With ``--hang`` it stops after inserting its notifications (when the scan announces them), before
committing, and waits to be killed (a worker crashing mid-scan). With ``--forever`` it runs rounds
every second (back-off from 0.2 s) until killed, as ``caseload worker`` does, logging to stderr.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys

from core.clock import fixed_clock
from core.config import Settings
from core.db import make_engine, make_session_factory
from core.obligations import scan
from core.policy.manager import build_registry
from core.worker import Worker, make_redis
from tests.support import Testland


async def main(now: str, hang: bool) -> None:
    settings = Settings.from_env()
    engine = make_engine(settings)
    redis = await make_redis(settings)
    if hang:
        original = scan.announce

        async def announce_then_hang(ctx, jurisdiction_id, ids):  # type: ignore[no-untyped-def]
            await original(ctx, jurisdiction_id, ids)
            await ctx.session.flush()
            print(f"inserted {len(ids)}", flush=True)
            await asyncio.sleep(600)

        scan.announce = announce_then_hang  # type: ignore[assignment]
    worker = Worker(
        settings=settings,
        session_factory=make_session_factory(engine),
        registry=build_registry(extra={"testland": Testland()}),
        clock=fixed_clock(dt.datetime.fromisoformat(now)),
        redis=redis,
        lock_seconds=float(os.environ.get("CASELOAD_WORKER_LOCK_SECONDS", "30")),
    )
    if "--forever" in sys.argv:
        import logging

        from core.resilience import Backoff

        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
        await worker.run_forever(1.0, Backoff(first=0.2, cap=1.0))
    reports = await worker.scan_all()
    print("sent", sum(len(r.sent) for r in reports), flush=True)
    if redis is not None:
        await redis.aclose()  # type: ignore[attr-defined]
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], "--hang" in sys.argv))
