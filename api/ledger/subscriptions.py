"""The ``ledgerImportProgress`` subscription: a ledger import's progress until it ends.

It reads the job row (and, in the process running the job, its live figures) every
:data:`POLL_SECONDS` and sends it when something changed, the last time when the job has ended.
Polling rather than the bus: progress changes many times a second and only the watcher cares, and
the job row is what every process sees (a worker on another host may be running it).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import strawberry

from api.common import gid
from api.context import Info
from api.ledger.types import LedgerImportJobInfo
from core.context import ServiceContext
from core.ledger import jobs

POLL_SECONDS = 0.5


@strawberry.type
class LedgerSubscription:
    @strawberry.subscription(
        description="台账导入的进度（状态、已校验/已写入行数、每秒行数、问题），直到导入结束；"
        "仅本辖区司法局人员可订阅"
    )
    async def ledger_import_progress(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[LedgerImportJobInfo, None]:
        job_id = gid(id, "id")
        app = info.context.app
        principal = info.context.principal
        last: tuple[object, ...] | None = None
        while True:
            async with app.session_factory() as session:
                ctx = ServiceContext(
                    session=session, principal=principal, registry=app.registry, clock=app.clock
                )
                job = await jobs.get_job(ctx, job_id)  # NotFound for another jurisdiction's job
                shown = LedgerImportJobInfo.of(job)
            now = (shown.status, shown.rows_total, shown.rows_checked, shown.rows_written, len(shown.errors))
            if now != last:
                last = now
                yield shown
            if shown.finished:
                return
            await asyncio.sleep(POLL_SECONDS)
