"""A ledger import written in short transactions (background jobs on SQLite).

SQLite has one write lock for the whole database: an import written in one transaction makes every
other user's write wait for it, and past the busy timeout fail with "database is locked". So a job
on SQLite checks every row first *without writing* (the cell checks of :func:`parse_row`: required
fields, dates, wordings, units and aliases; repeated and already imported rows), and refuses the
file as a whole, nothing written, if any row fails them. Only then does it write, ``batch_rows``
rows per transaction, each committed by the caller's ``commit``.

What the user sees stays all-or-nothing for everything a ledger can get wrong in its cells. A
refusal that only writing finds (a 案号 registered by someone else in the meantime, an edited
export whose record changed since: optimistic locking) stops the import at that row: the batches
before it are kept and listed as imported, the batch holding it is rolled back, the rest is not
written, and the job ends FAILED. Importing the corrected file again skips the rows already written
(each written row's content key is recorded with its batch). See docs/ledger.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy import update

from core.audit.service import record as audit
from core.context import ServiceContext
from core.ledger.aliases import units_by_name
from core.ledger.mapping import cell_text
from core.ledger.models import LedgerImport, LedgerImportRow
from core.ledger.reader import JOB_MAX_ROWS
from core.ledger.service import (
    PROGRESS_EVERY,
    ImportReport,
    ProgressCallback,
    RowResult,
    RowStatus,
    SheetRow,
    _check_row,
    _imported_keys,
    _problem,
    _round_trip_target,
    _update_row,
    call_progress,
    parse_row,
    prepare_import,
    row_key,
)

# Rows per transaction: short enough that another user's write waits well under a second for the
# write lock (a few hundred rows take a fraction of a second), long enough to keep commits rare.
WRITE_BATCH = 200


async def import_in_batches(
    ctx: ServiceContext,
    *,
    jurisdiction_id: int,
    content: bytes,
    commit: Callable[[], Awaitable[None]],
    file_name: str = "",
    mapping: Mapping[str, Any] | None = None,
    on_progress: ProgressCallback | None = None,
    batch_rows: int = WRITE_BATCH,
    max_rows: int = JOB_MAX_ROWS,
) -> ImportReport:
    """Check every row, then write them in committed batches; the caller commits the last one.

    ``on_progress(checked, written, total)`` is called while checking and after each committed
    batch (never while a batch holds the write lock); what it raises before the first batch is
    written (a cancelled job) aborts with nothing written.
    """
    jurisdiction, sheet, report = await prepare_import(
        ctx,
        jurisdiction_id=jurisdiction_id,
        content=content,
        file_name=file_name,
        mapping=mapping,
        max_rows=max_rows,
    )
    total = len(sheet.rows)
    units = await units_by_name(ctx, jurisdiction.id)
    keys = [row_key(row.cells) for row in sheet.rows]
    previous = await _imported_keys(ctx, jurisdiction.id, keys)
    seen_in_file: dict[str, int] = {}
    for number, reason in sheet.skipped:
        report.rows.append(RowResult(number, RowStatus.SKIPPED, note=reason))
    await call_progress(on_progress, 0, 0, total)

    # 1. Check, writing nothing (reads only: on SQLite's WAL they block no writer).
    to_write: list[tuple[SheetRow, str, str, Any]] = []  # (row, key, sequence, round-trip target)
    for checked, (row, key) in enumerate(zip(sheet.rows, keys, strict=True)):
        if checked and checked % PROGRESS_EVERY == 0:
            await call_progress(on_progress, checked, 0, total)
        sequence = cell_text(row.cells.get("sequence"))
        target = await _round_trip_target(ctx, jurisdiction.id, row)
        if target is None:
            if key in previous:
                note = f"已于{previous[key]}导入，跳过"
                report.rows.append(RowResult(row.number, RowStatus.SKIPPED, sequence, note=note))
                continue
            if key in seen_in_file:
                note = f"与第{seen_in_file[key]}行内容相同，跳过"
                report.rows.append(RowResult(row.number, RowStatus.SKIPPED, sequence, note=note))
                continue
            seen_in_file[key] = row.number
            parsed = parse_row(row, units)
            if parsed.problems:
                problems = [_problem(sheet, row, parsed, k, code, msg) for k, code, msg in parsed.problems]
                report.rows.append(RowResult(row.number, RowStatus.INVALID, sequence, problems=problems))
                continue
        to_write.append((row, key, sequence, target))
    await call_progress(on_progress, total, 0, total)
    if not report.ok:
        for row, _key, sequence, _target in to_write:
            report.rows.append(RowResult(row.number, RowStatus.VALID, sequence, note="未写入"))
        report.rows.sort(key=lambda r: r.row)
        return report  # the caller rolls back what little there is (nothing was written)

    # 2. Write, a batch per transaction. The bookkeeping row's INSERT (and, in later batches, the
    # UPDATE of its counts) opens each transaction, so the per-row savepoints nest inside it.
    record = LedgerImport(
        jurisdiction_id=jurisdiction.id,
        file_hash=report.file_hash,
        file_name=report.file_name,
        sheet_name=sheet.name[:100],
        actor=ctx.principal.user,
        total_rows=total,
    )
    ctx.session.add(record)
    await ctx.session.flush()
    record_id = record.id
    imported = 0
    failed = False
    for start in range(0, len(to_write), batch_rows):
        chunk = to_write[start : start + batch_rows]
        if start:
            await ctx.session.execute(
                update(LedgerImport).where(LedgerImport.id == record_id).values(imported_rows=imported)
            )
        results: list[RowResult] = []
        written_rows: list[LedgerImportRow] = []
        for row, key, sequence, target in chunk:
            if target is not None:
                result = await _update_row(ctx, sheet, row, target, units)
            else:
                result, written = await _check_row(ctx, jurisdiction.id, sheet, row, units)
                if written is not None:
                    dispute, case = written
                    written_rows.append(
                        LedgerImportRow(
                            import_id=record_id,
                            jurisdiction_id=jurisdiction.id,
                            row_key=key,
                            row_number=row.number,
                            dispute_id=dispute.id,
                            litigation_case_id=case.id if case is not None else None,
                        )
                    )
            result.sequence = sequence
            results.append(result)
            if result.status == RowStatus.INVALID:
                failed = True
                break
        if failed:
            # This batch goes; what the earlier ones wrote stays (and is listed as imported).
            await ctx.session.rollback()
            for result in results:
                if result.status != RowStatus.INVALID:
                    result.status, result.note = RowStatus.VALID, "本批因出错未写入"
            report.rows.extend(results)
            done = {r.row for r in report.rows}
            for row, _key, sequence, _target in to_write:
                if row.number not in done:
                    report.rows.append(RowResult(row.number, RowStatus.VALID, sequence, note="未写入"))
            if not start:  # the first batch: nothing at all was written (its bookkeeping row went too)
                report.rows.sort(key=lambda r: r.row)
                return report
            break
        ctx.session.add_all(written_rows)
        for result in results:
            if result.status == RowStatus.VALID:
                result.status = RowStatus.IMPORTED
        imported += len(written_rows)
        report.rows.extend(results)
        if start + batch_rows < len(to_write):
            await ctx.session.flush()
            await commit()
            written = sum(1 for r in report.rows if r.status in (RowStatus.IMPORTED, RowStatus.UPDATED))
            await call_progress(on_progress, total, written, total)
    report.rows.sort(key=lambda r: r.row)
    # The last transaction (the caller commits it): the counts and the audit trail of the import.
    await ctx.session.execute(
        update(LedgerImport)
        .where(LedgerImport.id == record_id)
        .values(imported_rows=imported, skipped_rows=report.count(RowStatus.SKIPPED))
    )
    saved = await ctx.session.get(LedgerImport, record_id, populate_existing=True)
    assert saved is not None
    if imported or report.count(RowStatus.UPDATED) or not failed:
        await audit(ctx, "ledger.import", saved, None)
        report.import_id = record_id
    await ctx.session.flush()
    return report
