"""Ledger imports as background jobs: queue, claim (once, across processes and hosts), run, cancel.

A 5,000-row import takes longer than a proxy waits for one request, so ``importLedger`` only queues
a job (the file is kept with it) and answers at once. A job is *claimed* by a row-level conditional
update (``… SET status='running' WHERE id=:id AND status='queued'``; on PostgreSQL the candidate is
picked with ``SELECT … FOR UPDATE SKIP LOCKED``), so however many workers and API processes poll,
each job runs once. It checks every row first and then writes in short transactions
(:mod:`core.ledger.batched`, which says what a failure half-way leaves): one long transaction would
hold, for the whole import, SQLite's single write lock and on PostgreSQL the county's dispute-number
counter row, so every colleague's registration would wait for it. A job can be cancelled until its
first batch is written.

Progress (rows total, checked, written, rows per second, problems so far) is kept in the process
running the job (:data:`LIVE`) and written to the job row from a second connection between batches
(about once a second while checking, after each committed batch), so a reader in another process
(a worker runs the job) sees it too. The finished job keeps its report (:func:`report_to_json`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import defer

from core.audit.service import record as audit
from core.clock import Clock, system_clock
from core.context import ServiceContext
from core.enums import Role
from core.errors import DomainError, NotFound, ValidationFailed
from core.ledger.batched import BATCH_SECONDS, LOCK_GAP_SECONDS, WRITE_BATCH, import_in_batches
from core.ledger.models import ImportJobStatus, LedgerImportJob
from core.ledger.service import ImportReport, RowProblem, RowStatus
from core.policy.manager import PolicyRegistry
from core.principal import Principal
from core.scoping import authorize

log = logging.getLogger("caseload.ledger")

# The problems kept on the job row (a ledger full of errors would otherwise make it huge).
MAX_ERRORS_KEPT = 500
# Rows of the report kept on the job row (the counts are of every row).
MAX_REPORT_ROWS = 5000
# How often (seconds) a running job on PostgreSQL writes its progress and reads a cancel request.
PERSIST_EVERY = 1.0
# A running job's process touches its row this often; a RUNNING job untouched for STALE_AFTER lost
# its process (killed, host gone) and is claimed again. Rows it had committed are skipped on the
# second run by their content keys, so nothing is written twice.
HEARTBEAT_SECONDS = 20.0
STALE_AFTER = dt.timedelta(minutes=2)

Changes = list[tuple[str, int, int | None]]
FINISHED = (ImportJobStatus.SUCCEEDED, ImportJobStatus.FAILED, ImportJobStatus.CANCELLED)

STATUS_LABELS = {
    ImportJobStatus.QUEUED: "排队中",
    ImportJobStatus.RUNNING: "导入中",
    ImportJobStatus.SUCCEEDED: "已完成",
    ImportJobStatus.FAILED: "未导入",
    ImportJobStatus.CANCELLED: "已取消",
}


@dataclass
class Live:
    """The progress of a job running in this process."""

    total: int = 0
    checked: int = 0
    written: int = 0
    started: float = 0.0
    cancel: bool = False

    @property
    def rows_per_second(self) -> float:
        elapsed = time.monotonic() - self.started
        return round(self.checked / elapsed, 1) if elapsed > 0 and self.checked else 0.0


LIVE: dict[int, Live] = {}


class JobCancelled(Exception):
    """Raised from the progress callback to abort a job whose cancellation was asked for."""


def rows_per_second(job: LedgerImportJob) -> float:
    """Rows checked per second: live in the process running the job, else from the job row."""
    live = LIVE.get(job.id)
    if live is not None:
        return live.rows_per_second
    if job.started_at is None or not job.rows_checked:
        return 0.0
    end = job.finished_at or dt.datetime.now(dt.UTC)
    elapsed = (end - job.started_at).total_seconds()
    return round(job.rows_checked / elapsed, 1) if elapsed > 0 else 0.0


def progress_of(job: LedgerImportJob) -> tuple[int, int, int]:
    """(total, checked, written): the live figures while this process runs the job."""
    live = LIVE.get(job.id)
    if live is not None and job.status == ImportJobStatus.RUNNING:
        return live.total, live.checked, live.written
    return job.rows_total, job.rows_checked, job.rows_written


# ---------------------------------------------------------------------------------------------
# What users call (through the API)
# ---------------------------------------------------------------------------------------------


async def enqueue_import(
    ctx: ServiceContext,
    *,
    jurisdiction_id: int,
    content: bytes,
    file_name: str = "",
    mapping: Mapping[str, Any] | None = None,
    dry_run: bool = False,
) -> LedgerImportJob:
    """Queue an import (or a dry run) of a ledger file; it runs as the one who queued it."""
    authorize(ctx.principal, "ledger.import", jurisdiction_id, None)
    await ctx.jurisdiction(jurisdiction_id)
    principal = ctx.principal
    job = LedgerImportJob(
        jurisdiction_id=jurisdiction_id,
        status=ImportJobStatus.QUEUED,
        dry_run=dry_run,
        actor=principal.user,
        actor_role=principal.role.value,
        actor_jurisdiction_id=principal.jurisdiction_id,
        actor_unit_id=principal.unit_id,
        file_name=file_name[:200],
        content=content,
        mapping=dict(mapping) if mapping is not None else None,
        errors=[],
        summary="",
    )
    ctx.session.add(job)
    await ctx.session.flush()
    await audit(ctx, "ledger.import_queue", job, None)
    ctx.changed("ledger_import_jobs", job.id, jurisdiction_id)
    return job


async def get_job(ctx: ServiceContext, job_id: int) -> LedgerImportJob:
    """A job the principal may see (its jurisdiction's importers); others look missing."""
    job = await ctx.session.get(LedgerImportJob, job_id)
    if job is None:
        raise NotFound("LedgerImport", "台账导入", job_id, "id")
    try:
        authorize(ctx.principal, "ledger.import", job.jurisdiction_id, None)
    except DomainError:
        raise NotFound("LedgerImport", "台账导入", job_id, "id") from None
    return job


async def recent_jobs(ctx: ServiceContext, jurisdiction_id: int, limit: int = 10) -> list[LedgerImportJob]:
    """The jurisdiction's latest jobs, for its importers (others see none)."""
    try:
        authorize(ctx.principal, "ledger.import", jurisdiction_id, None)
    except DomainError:
        return []
    stmt = (
        select(LedgerImportJob)
        .options(defer(LedgerImportJob.content))  # the queued file: not what a list shows
        .where(LedgerImportJob.jurisdiction_id == jurisdiction_id)
        .order_by(LedgerImportJob.id.desc())
        .limit(limit)
    )
    return list((await ctx.session.scalars(stmt)).all())


async def cancel_import(ctx: ServiceContext, job_id: int) -> LedgerImportJob:
    """Cancel a queued job, or ask a running one to stop (it has written nothing until it ends)."""
    job = await get_job(ctx, job_id)
    if job.status in FINISHED:
        label = STATUS_LABELS[job.status]
        raise ValidationFailed(
            "id",
            f"该导入已结束（{label}），无法取消",
            f"the import has already finished ({job.status.value}) and cannot be cancelled",
            "not_cancellable",
        )
    if progress_of(job)[2] > 0:
        raise ValidationFailed(
            "id",
            "该导入已开始写入数据，无法取消；请等待其结束",
            "the import has started writing and cannot be cancelled",
            "not_cancellable",
        )
    if job.status == ImportJobStatus.QUEUED:
        job.status = ImportJobStatus.CANCELLED
        job.finished_at = ctx.now()
        job.content = None
        job.summary = "已取消，未写入任何数据"
    else:
        job.cancel_requested = True
        live = LIVE.get(job.id)
        if live is not None:
            live.cancel = True
    await ctx.session.flush()
    await audit(ctx, "ledger.import_cancel", job, None)
    ctx.changed("ledger_import_jobs", job.id, job.jurisdiction_id)
    return job


# ---------------------------------------------------------------------------------------------
# Claiming and running (the worker, or the API process on the embedded default)
# ---------------------------------------------------------------------------------------------


async def claim(session_factory: async_sessionmaker[AsyncSession], job_id: int | None = None) -> int | None:
    """Mark one queued job (``job_id``, or the oldest) running and return its id; None if none is left.
    A job left running by a process that stopped (no heartbeat for :data:`STALE_AFTER`) is claimable.

    The update's ``status = 'queued'`` condition is what makes a job run once: of two processes
    claiming the same job, one updates a row and the other none.
    """
    for _ in range(5):  # another process may take the candidate between the SELECT and the UPDATE
        now = dt.datetime.now(dt.UTC)
        claimable = or_(
            LedgerImportJob.status == ImportJobStatus.QUEUED,
            and_(
                LedgerImportJob.status == ImportJobStatus.RUNNING,
                LedgerImportJob.updated_at < now - STALE_AFTER,
            ),
        )
        async with session_factory() as session, session.begin():
            postgresql = session.bind is not None and session.bind.dialect.name == "postgresql"
            pick = select(LedgerImportJob.id, LedgerImportJob.status).where(claimable)
            if job_id is not None:
                pick = pick.where(LedgerImportJob.id == job_id)
            pick = pick.order_by(LedgerImportJob.id).limit(1)
            if postgresql:
                pick = pick.with_for_update(skip_locked=True)
            found = (await session.execute(pick)).first()
            if found is None:
                return None
            candidate, was = found
            result = await session.execute(
                update(LedgerImportJob)
                .where(LedgerImportJob.id == candidate, claimable)
                .values(status=ImportJobStatus.RUNNING, started_at=now, updated_at=now)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                if was == ImportJobStatus.RUNNING:
                    log.warning("ledger import job %s: its process stopped; running it again", candidate)
                return int(candidate)
        if job_id is not None:
            return None
    return None


async def _heartbeat(session_factory: async_sessionmaker[AsyncSession], job_id: int) -> None:
    """Touch the running job's row, so no other process takes it for abandoned."""
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        try:
            async with session_factory() as session, session.begin():
                await session.execute(
                    update(LedgerImportJob)
                    .where(LedgerImportJob.id == job_id)
                    .values(updated_at=dt.datetime.now(dt.UTC))
                )
        except Exception:  # the database away a moment: the next beat, or the job's own end
            log.warning("ledger import job %s: heartbeat failed", job_id, exc_info=True)


def _principal(job: LedgerImportJob) -> Principal:
    return Principal(
        user=job.actor,
        role=Role(job.actor_role),
        jurisdiction_id=job.actor_jurisdiction_id,
        unit_id=job.actor_unit_id,
    )


def _errors(report: ImportReport) -> list[dict[str, Any]]:
    return [
        {
            "row": p.row,
            "column": p.column,
            "header": p.header,
            "field": p.field,
            "code": p.code,
            "message": p.text,
        }
        for p in report.problems[:MAX_ERRORS_KEPT]
    ]


async def run_job(
    session_factory: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    job_id: int,
    *,
    clock: Clock = system_clock,
    after_commit: list[Callable[[Changes], Awaitable[None]]] | None = None,
    batch_rows: int = WRITE_BATCH,
    batch_seconds: float = BATCH_SECONDS,
) -> ImportJobStatus:
    """Run a claimed job to its end and record how it ended; never raises for a bad file.

    Checked, then written, in short transactions (:mod:`core.ledger.batched`), so other users'
    writes go on.
    """
    async with session_factory() as session:
        job = await session.get(LedgerImportJob, job_id)
        if job is None or job.status != ImportJobStatus.RUNNING:
            return job.status if job is not None else ImportJobStatus.FAILED
        principal, content = _principal(job), job.content or b""
        jurisdiction_id, mapping, dry_run, file_name = (
            job.jurisdiction_id,
            job.mapping,
            job.dry_run,
            job.file_name,
        )
        postgresql = session.bind is not None and session.bind.dialect.name == "postgresql"
        cancelled = job.cancel_requested
    # SQLite's busy handler is no queue: leave its write lock free between batches. PostgreSQL's
    # row locks queue their waiters.
    gap = 0.0 if postgresql else LOCK_GAP_SECONDS
    live = LIVE.setdefault(job_id, Live(started=time.monotonic()))
    beating = asyncio.create_task(_heartbeat(session_factory, job_id))
    # Cancelled between the claim and the start (or in another process): stop at the first row.
    live.cancel = live.cancel or cancelled
    persisted = time.monotonic()

    async def on_progress(checked: int, written: int, total: int) -> None:
        nonlocal persisted
        live.checked, live.written, live.total = checked, written, total
        if written or time.monotonic() - persisted >= PERSIST_EVERY:
            persisted = time.monotonic()
            async with session_factory() as side, side.begin():
                await side.execute(
                    update(LedgerImportJob)
                    .where(LedgerImportJob.id == job_id)
                    .values(rows_total=total, rows_checked=checked, rows_written=written)
                )
                if await side.scalar(
                    select(LedgerImportJob.cancel_requested).where(LedgerImportJob.id == job_id)
                ):
                    live.cancel = True
        if live.cancel and not written:  # a committed batch: the import goes to its end
            raise JobCancelled

    status = ImportJobStatus.FAILED
    values: dict[str, Any] = {}
    changes: Changes = []
    try:
        report = await _run_batched(
            session_factory,
            registry,
            clock,
            principal,
            jurisdiction_id,
            content,
            file_name,
            mapping,
            on_progress,
            (batch_rows, batch_seconds, gap),
            changes,
            dry_run,
        )
        written = report.count(RowStatus.IMPORTED) + report.count(RowStatus.UPDATED)
        status = ImportJobStatus.SUCCEEDED if report.ok else ImportJobStatus.FAILED
        values = {
            "rows_total": len(report.rows),
            "rows_checked": len(report.rows),
            "rows_written": written if report.committed else 0,
            "errors": _errors(report),
            "summary": report.summary,
            "import_id": report.import_id if report.committed else None,
            "report": report_to_json(report),
        }
    except JobCancelled:
        status = ImportJobStatus.CANCELLED
        values = {"rows_written": 0, "summary": "已取消，未写入任何数据", "rows_checked": live.checked}
    except DomainError as exc:
        values = {
            "errors": [
                {
                    "row": None,
                    "column": None,
                    "header": None,
                    "field": exc.field,
                    "code": exc.code,
                    "message": exc.message_zh,
                }
            ],
            "summary": exc.message_zh,
        }
    except Exception:
        log.exception("ledger import job %s failed", job_id)
        values = {"summary": "导入时发生内部错误；请联系管理员"}
    finally:
        LIVE.pop(job_id, None)
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
    async with session_factory() as session, session.begin():
        await session.execute(
            update(LedgerImportJob)
            .where(LedgerImportJob.id == job_id)
            .values(status=status, finished_at=dt.datetime.now(dt.UTC), content=None, **values)
        )
    changes.append(("ledger_import_jobs", job_id, jurisdiction_id))
    for hook in after_commit or []:
        try:
            await hook(changes)
        except Exception:
            log.exception("after-commit hook failed")
    log.info("ledger import job %s: %s", job_id, status.value)
    return status


async def _run_batched(
    session_factory: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    clock: Clock,
    principal: Principal,
    jurisdiction_id: int,
    content: bytes,
    file_name: str,
    mapping: Mapping[str, Any] | None,
    on_progress: Callable[[int, int, int], Awaitable[None]],
    batch: tuple[int, float, float],
    changes: Changes,
    dry_run: bool,
) -> ImportReport:
    """An import in committed chunks (SQLite); ``changes`` gets what was committed."""
    outcome = await import_in_batches(
        session_factory,
        registry,
        principal,
        jurisdiction_id=jurisdiction_id,
        content=content,
        file_name=file_name,
        mapping=mapping,
        on_progress=on_progress,
        batch_rows=batch[0],
        batch_seconds=batch[1],
        lock_gap=batch[2],
        clock=clock,
        dry_run=dry_run,
    )
    changes.extend(outcome.changes)
    return outcome.report


def report_to_json(report: ImportReport) -> dict[str, Any]:
    """The report as ``ledgerImport.report`` shows it (rows beyond :data:`MAX_REPORT_ROWS` left out,
    the rows with problems kept first); the counts are of every row."""
    rows = [r for r in report.rows if r.problems]
    rows += [r for r in report.rows if not r.problems][: max(0, MAX_REPORT_ROWS - len(rows))]
    rows = sorted(rows[:MAX_REPORT_ROWS], key=lambda r: r.row)

    def problem(p: RowProblem) -> dict[str, Any]:
        return {
            "row": p.row,
            "column": p.column,
            "header": p.header,
            "field": p.field,
            "code": p.code,
            "message": p.message,
            "text": p.text,
        }

    return {
        "file_hash": report.file_hash,
        "file_name": report.file_name,
        "sheet_name": report.sheet_name,
        "header_row": report.header_row,
        "columns": [list(c) for c in report.columns],
        "ignored_headers": list(report.ignored_headers),
        "warnings": list(report.warnings),
        "dry_run": report.dry_run,
        "committed": report.committed,
        "ok": report.ok,
        "import_id": report.import_id,
        "total_rows": len(report.rows),
        "imported_rows": report.count(RowStatus.IMPORTED) + report.count(RowStatus.VALID),
        "skipped_rows": report.count(RowStatus.SKIPPED),
        "invalid_rows": report.count(RowStatus.INVALID),
        "updated_rows": report.count(RowStatus.UPDATED),
        "unchanged_rows": report.count(RowStatus.UNCHANGED),
        "summary": report.summary,
        "problems": [problem(p) for p in report.problems[:MAX_REPORT_ROWS]],
        "rows": [
            {
                "row": r.row,
                "status": r.status.value,
                "status_label": r.status.label,
                "sequence": r.sequence,
                "dispute_number": r.dispute_number,
                "case_number": r.case_number,
                "note": r.note,
                "problems": [problem(p) for p in r.problems],
            }
            for r in rows
        ],
    }


async def run_queued(
    session_factory: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    *,
    clock: Clock = system_clock,
    after_commit: list[Callable[[Changes], Awaitable[None]]] | None = None,
    limit: int = 10,
) -> list[int]:
    """Claim and run queued jobs one after another (a worker's round); return the ids run."""
    ran: list[int] = []
    while len(ran) < limit:
        job_id = await claim(session_factory)
        if job_id is None:
            break
        await run_job(session_factory, registry, job_id, clock=clock, after_commit=after_commit)
        ran.append(job_id)
    return ran
