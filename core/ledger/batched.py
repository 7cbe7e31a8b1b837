"""A ledger import written in short transactions (every background job).

An import in one transaction would make other users wait for all of it: on SQLite for its single
write lock (past the busy timeout: "database is locked"), on PostgreSQL for the county's
dispute-number counter row every registration updates. So a job works in chunks
(:data:`WRITE_BATCH` rows or :data:`BATCH_SECONDS`, whichever comes first), each in its own short
transaction:

1. **Check** every row as a dry run does — written through the same services, then rolled back —
   a chunk per transaction. A row naming its first instance (一审案号) in an earlier chunk is
   checked with that row written before it, as in one pass. If any row fails, nothing is written
   and the report lists every problem, as before.
2. **Write**, a chunk per committed transaction, and the import's record and audit entry last.

So what the user sees stays all-or-nothing for everything the file itself gets wrong. What only
the write can find — another user registering the same 案号, or editing an exported record, between
the check and the write — stops the import at that row: the chunks before it are kept and listed
as imported, the chunk holding it is rolled back, the rest is not written, and the job ends FAILED
saying so. Importing the corrected file again skips the rows already written (each written row's
content key is recorded). See docs/ledger.md.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.service import record as audit
from core.clock import Clock, system_clock
from core.context import ServiceContext
from core.db import write_turn
from core.ledger.aliases import units_by_name
from core.ledger.mapping import cell_text
from core.ledger.models import LedgerImport, LedgerImportRow
from core.ledger.reader import JOB_MAX_ROWS
from core.ledger.service import (
    ImportReport,
    ProgressCallback,
    RowResult,
    RowStatus,
    Sheet,
    SheetRow,
    _imported_keys,
    _round_trip_target,
    call_progress,
    import_row,
    prepare_import,
    row_key,
    skip_note,
)
from core.policy.manager import PolicyRegistry
from core.principal import Principal

# A chunk ends at WRITE_BATCH rows or after BATCH_SECONDS, whichever comes first: another user's
# write then waits for the write lock a fraction of a second at most, however loaded the machine
# (a row costs 5–40 ms: a dispute, its obligations, its audit entry), and commits stay few.
WRITE_BATCH = 200
BATCH_SECONDS = 0.4
# After each chunk the job leaves the write lock free this long. SQLite's busy handler is no queue:
# a waiting writer sleeps (up to 100 ms between tries) and a job that takes the lock again at once
# would starve it past its busy timeout ("database is locked"). A gap longer than the handler's
# longest sleep lets every waiting writer in.
LOCK_GAP_SECONDS = 0.12

Changes = list[tuple[str, int, int | None]]


@dataclass
class Outcome:
    report: ImportReport
    changes: Changes = field(default_factory=list)  # what was committed (for cache invalidation)


@dataclass
class _Plan:
    """What the check left to write: the rows in order, and which earlier row each one needs."""

    rows: list[tuple[SheetRow, str, str]]  # (row, content key, 序号)
    needs: dict[int, list[int]]  # index in rows → indexes of the rows it links to (一审案号)


async def import_in_batches(
    session_factory: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    principal: Principal,
    *,
    jurisdiction_id: int,
    content: bytes,
    file_name: str = "",
    mapping: Mapping[str, Any] | None = None,
    on_progress: ProgressCallback | None = None,
    batch_rows: int = WRITE_BATCH,
    batch_seconds: float = BATCH_SECONDS,
    max_rows: int = JOB_MAX_ROWS,
    clock: Clock = system_clock,
    dry_run: bool = False,
    lock_gap: float = LOCK_GAP_SECONDS,
) -> Outcome:
    """Check every row, then write them in committed chunks (see the module's docstring); a dry
    run stops after the check.

    ``on_progress(checked, written, total)`` is called between transactions only (never while one
    holds the write lock); what it raises before the first chunk is written (a cancelled job)
    aborts with nothing written.
    """
    batch_rows = max(1, batch_rows)

    def context(session: AsyncSession) -> ServiceContext:
        return ServiceContext(session=session, principal=principal, registry=registry, clock=clock)

    async with session_factory() as session:
        ctx = context(session)
        _, sheet, report = await prepare_import(
            ctx,
            jurisdiction_id=jurisdiction_id,
            content=content,
            file_name=file_name,
            mapping=mapping,
            dry_run=dry_run,
            max_rows=max_rows,
        )
        total = len(sheet.rows)
        for number, reason in sheet.skipped:
            report.rows.append(RowResult(number, RowStatus.SKIPPED, note=reason))
        plan = await _plan(ctx, jurisdiction_id, sheet, report)
    await call_progress(on_progress, 0, 0, total)
    left_out = total - len(plan.rows)  # skipped: imported before, or repeated

    # 1. Check, a chunk per transaction, rolled back.
    checked: dict[int, RowResult] = {}
    start = 0
    while start < len(plan.rows):
        began, i = time.monotonic(), start
        rewritten: set[int] = set()
        async with write_turn(session_factory), session_factory() as session:
            ctx = context(session)
            await _open(ctx, jurisdiction_id, sheet, report, total)
            units = await units_by_name(ctx, jurisdiction_id)
            while i < len(plan.rows) and not _full(i - start, began, batch_rows, batch_seconds):
                for n in sorted(_needed(plan, i) - rewritten):
                    if n < start:  # an earlier chunk's row this one links to: written again, first
                        await _write(ctx, jurisdiction_id, sheet, plan.rows[n][0], units)
                        rewritten.add(n)
                row, _key, sequence = plan.rows[i]
                result = await _write(ctx, jurisdiction_id, sheet, row, units)
                result.sequence = sequence
                checked[i] = result
                i += 1
            await session.rollback()
        start = i
        await call_progress(on_progress, min(total, left_out + start), 0, total)
        await asyncio.sleep(lock_gap)
    await call_progress(on_progress, total, 0, total)
    if dry_run or any(r.status == RowStatus.INVALID for r in checked.values()):
        report.rows.extend(checked.values())
        report.rows.sort(key=lambda r: r.row)
        return Outcome(report)  # nothing written

    # 2. Write, a chunk per committed transaction; the import's record opens the first.
    outcome = Outcome(report)
    record_id: int | None = None
    imported = 0
    written: list[RowResult] = []
    failed = False
    start = 0
    while start < len(plan.rows):
        results: list[RowResult] = []
        began, i = time.monotonic(), start
        async with write_turn(session_factory), session_factory() as session:
            ctx = context(session)
            record_id = await _open(ctx, jurisdiction_id, sheet, report, total, record_id, imported)
            units = await units_by_name(ctx, jurisdiction_id)
            rows: list[LedgerImportRow] = []
            while i < len(plan.rows) and not _full(i - start, began, batch_rows, batch_seconds):
                row, key, sequence = plan.rows[i]
                i += 1
                result = await _write(ctx, jurisdiction_id, sheet, row, units, rows, record_id, key)
                result.sequence = sequence
                results.append(result)
                if result.status == RowStatus.INVALID:
                    failed = True
                    break
            if failed:
                await session.rollback()
            else:
                session.add_all(rows)
                await session.commit()
                outcome.changes.extend(ctx.changes)
                imported += len(rows)
        if failed:
            for result in results:
                if result.status != RowStatus.INVALID:
                    result.status, result.note = RowStatus.VALID, "本批因出错未写入"
            written.extend(results)
            seen = {r.row for r in written}
            written += [
                RowResult(r.number, RowStatus.VALID, s, note="未写入")
                for r, _, s in plan.rows
                if r.number not in seen
            ]
            break
        start = i
        for result in results:
            if result.status == RowStatus.VALID:
                result.status = RowStatus.IMPORTED
        written.extend(results)
        so_far = sum(1 for r in written if r.status in (RowStatus.IMPORTED, RowStatus.UPDATED))
        await call_progress(on_progress, total, so_far, total)
        await asyncio.sleep(lock_gap)
    report.rows.extend(written)
    report.rows.sort(key=lambda r: r.row)
    if failed and not imported and not report.count(RowStatus.UPDATED):
        return outcome  # the first chunk failed: its rollback took the import's record too
    # The last transaction: the import's counts and its audit entry.
    async with write_turn(session_factory), session_factory() as session:
        ctx = context(session)
        if record_id is None:  # nothing to write (every row skipped): the record still says so
            record_id = await _open(ctx, jurisdiction_id, sheet, report, total)
        else:
            await session.execute(
                update(LedgerImport)
                .where(LedgerImport.id == record_id)
                .values(imported_rows=imported, skipped_rows=report.count(RowStatus.SKIPPED))
            )
        saved = await session.get(LedgerImport, record_id)
        assert saved is not None
        await audit(ctx, "ledger.import", saved, None)
        await session.commit()
        outcome.changes.extend(ctx.changes)
    report.import_id = record_id
    report.committed = True
    return outcome


async def _plan(ctx: ServiceContext, jurisdiction_id: int, sheet: Sheet, report: ImportReport) -> _Plan:
    """Skip what was imported before or repeats a row (an exported row is compared with its record
    instead); note which rows link to which (一审案号)."""
    keys = [row_key(row.cells) for row in sheet.rows]
    previous = await _imported_keys(ctx, jurisdiction_id, keys)
    rows: list[tuple[SheetRow, str, str]] = []
    seen_in_file: dict[str, int] = {}
    for row, key in zip(sheet.rows, keys, strict=True):
        sequence = cell_text(row.cells.get("sequence"))
        if await _round_trip_target(ctx, jurisdiction_id, row) is None and (
            note := skip_note(row.number, key, previous, seen_in_file)
        ):
            report.rows.append(RowResult(row.number, RowStatus.SKIPPED, sequence, note=note))
            continue
        rows.append((row, key, sequence))
    by_case: dict[str, int] = {}
    needs: dict[int, list[int]] = {}
    for i, (row, _key, _sequence) in enumerate(rows):
        first = cell_text(row.cells.get("first_case_number"))
        if first and first in by_case:
            needs[i] = [by_case[first]]
        number = cell_text(row.cells.get("case_number"))
        if number:
            by_case.setdefault(number, i)
    return _Plan(rows, needs)


def _full(rows: int, began: float, batch_rows: int, batch_seconds: float) -> bool:
    """The chunk is done: ``batch_rows`` rows, or ``batch_seconds`` holding the write lock."""
    return rows >= batch_rows or (rows > 0 and time.monotonic() - began >= batch_seconds)


def _needed(plan: _Plan, i: int) -> set[int]:
    """The rows row ``i`` links to, and theirs (a 再审 → its 二审 → its 一审)."""
    found: set[int] = set()
    todo = list(plan.needs.get(i, []))
    while todo:
        n = todo.pop()
        if n not in found:
            found.add(n)
            todo.extend(plan.needs.get(n, []))
    return found


async def _open(
    ctx: ServiceContext,
    jurisdiction_id: int,
    sheet: Sheet,
    report: ImportReport,
    total: int,
    record_id: int | None = None,
    imported: int = 0,
) -> int:
    """Open the transaction with a write, so the per-row savepoints nest inside it (pysqlite opens a
    transaction at the first write; a savepoint that opened it would commit it when released): the
    import's record is inserted (the first chunk; rolled back by a check), or its count updated."""
    if record_id is not None:
        await ctx.session.execute(
            update(LedgerImport).where(LedgerImport.id == record_id).values(imported_rows=imported)
        )
        return record_id
    record = LedgerImport(
        jurisdiction_id=jurisdiction_id,
        file_hash=report.file_hash,
        file_name=report.file_name,
        sheet_name=sheet.name[:100],
        actor=ctx.principal.user,
        total_rows=total,
    )
    ctx.session.add(record)
    await ctx.session.flush()
    return record.id


async def _write(
    ctx: ServiceContext,
    jurisdiction_id: int,
    sheet: Sheet,
    row: SheetRow,
    units: Mapping[str, Any],
    keep: list[LedgerImportRow] | None = None,
    record_id: int | None = None,
    key: str = "",
) -> RowResult:
    """One row through the services as every import writes it (:func:`import_row`)."""
    target = await _round_trip_target(ctx, jurisdiction_id, row)
    result, written = await import_row(ctx, jurisdiction_id, sheet, row, units, target)
    if written is not None and keep is not None and record_id is not None:
        dispute, case = written
        keep.append(
            LedgerImportRow(
                import_id=record_id,
                jurisdiction_id=jurisdiction_id,
                row_key=key,
                row_number=row.number,
                dispute_id=dispute.id,
                litigation_case_id=case.id if case is not None else None,
            )
        )
    return result
