"""Ledger imports as background jobs (core): queued, claimed once, run with progress, cancelled."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.context import ServiceContext
from core.disputes.models import Dispute
from core.enums import Role
from core.ledger import jobs
from core.ledger.models import ImportJobStatus, LedgerImportJob
from core.principal import Principal
from tests.ledger.test_ledger_import import GOOD_ROWS, workbook
from tests.support import make_org


async def queued(ctx: ServiceContext, session_factory: Any, *, dry_run: bool = False) -> tuple[int, int]:
    org = await make_org(ctx)
    await ctx.session.commit()
    async with session_factory() as session, session.begin():
        staff = ServiceContext(
            session=session,
            principal=Principal(
                user="ledger-clerk", role=Role.JUSTICE_STAFF, jurisdiction_id=org.jurisdiction.id
            ),
            registry=ctx.registry,
            clock=ctx.clock,
        )
        job = await jobs.enqueue_import(
            staff,
            jurisdiction_id=org.jurisdiction.id,
            content=workbook(GOOD_ROWS),
            file_name="台账.xlsx",
            dry_run=dry_run,
        )
        assert job.status == ImportJobStatus.QUEUED
        return job.id, org.jurisdiction.id


async def disputes(session_factory: Any) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(Dispute)) or 0)


async def test_a_job_is_claimed_once_and_imports_with_progress(ctx, session_factory, registry) -> None:
    job_id, _ = await queued(ctx, session_factory)
    assert await jobs.claim(session_factory, job_id) == job_id
    assert await jobs.claim(session_factory, job_id) is None  # a second claimer gets nothing
    assert await jobs.claim(session_factory) is None
    seen: list[tuple[int, int, int]] = []
    name = "import_in_batches"  # every job checks, then writes, in short transactions
    original = getattr(jobs, name)

    async def spy(*args: Any, on_progress: Any = None, **kwargs: Any) -> Any:
        async def record(checked: int, written: int, total: int) -> None:
            seen.append((checked, written, total))
            await on_progress(checked, written, total)

        return await original(*args, on_progress=record, **kwargs)

    setattr(jobs, name, spy)
    try:
        status = await jobs.run_job(session_factory, registry, job_id)
    finally:
        setattr(jobs, name, original)
    assert status == ImportJobStatus.SUCCEEDED
    async with session_factory() as session:
        job = await session.get(LedgerImportJob, job_id)
        assert job is not None and job.content is None and job.import_id is not None
        assert (job.rows_total, job.rows_checked, job.rows_written) == (len(GOOD_ROWS),) * 3
    assert seen[-1][0] == seen[-1][2] == len(GOOD_ROWS)  # every row checked
    # Reported at the start, every PROGRESS_EVERY rows while checking, when checked and when written.
    assert seen[0] == (0, 0, len(GOOD_ROWS))
    assert [s[0] for s in seen] == sorted(s[0] for s in seen)
    assert await disputes(session_factory) == len(GOOD_ROWS)


async def test_cancelling_writes_nothing(ctx, session_factory, registry) -> None:
    job_id, _ = await queued(ctx, session_factory)
    assert await jobs.claim(session_factory, job_id) == job_id
    async with session_factory() as session, session.begin():
        admin = ServiceContext(session=session, principal=ctx.principal, registry=registry, clock=ctx.clock)
        await jobs.cancel_import(admin, job_id)
    assert await jobs.run_job(session_factory, registry, job_id) == ImportJobStatus.CANCELLED
    assert await disputes(session_factory) == 0
    # A queued job is cancelled at once and never runs.
    second, _ = await queued_again(ctx, session_factory)
    async with session_factory() as session, session.begin():
        admin = ServiceContext(session=session, principal=ctx.principal, registry=registry, clock=ctx.clock)
        assert (await jobs.cancel_import(admin, second)).status == ImportJobStatus.CANCELLED
    assert await jobs.run_queued(session_factory, registry) == []


async def queued_again(ctx: ServiceContext, session_factory: Any) -> tuple[int, int]:
    async with session_factory() as session, session.begin():
        jid = await session.scalar(select(LedgerImportJob.jurisdiction_id))
        staff = ServiceContext(
            session=session, principal=ctx.principal, registry=ctx.registry, clock=ctx.clock
        )
        job = await jobs.enqueue_import(staff, jurisdiction_id=jid, content=workbook(GOOD_ROWS))
        return job.id, jid


async def test_a_job_whose_process_stopped_is_claimed_again_once(ctx, session_factory, registry) -> None:
    """A process killed mid-import leaves its job RUNNING: after STALE_AFTER without a heartbeat
    another process takes it; a job whose process still beats is left alone."""
    import datetime as dt

    from sqlalchemy import update

    job_id, _ = await queued(ctx, session_factory)
    assert await jobs.claim(session_factory, job_id) == job_id
    assert await jobs.claim(session_factory) is None  # running, and its process alive
    async with session_factory() as session, session.begin():  # the process dies: no heartbeat since
        stopped = dt.datetime.now(dt.UTC) - jobs.STALE_AFTER - dt.timedelta(seconds=5)
        await session.execute(
            update(LedgerImportJob).where(LedgerImportJob.id == job_id).values(updated_at=stopped)
        )
    assert await jobs.claim(session_factory) == job_id
    assert await jobs.claim(session_factory) is None  # taken once
    assert await jobs.run_job(session_factory, registry, job_id) == ImportJobStatus.SUCCEEDED
    assert await disputes(session_factory) == len(GOOD_ROWS)
