"""Importing an Excel ledger (台账) of disputes and litigation cases through the real services.

Every row is checked first: its cells are parsed, then the row is recorded through
:func:`core.disputes.service.record_dispute` (and :func:`core.cases.service.file_litigation_case`)
inside a savepoint, so the services' own validation applies and a rejected row leaves nothing
behind. A rejected row is reported (row, column, problem in Chinese) and the next row is checked.
The report says whether every row passed (:attr:`ImportReport.ok`); the caller commits only then,
and otherwise rolls the whole import back. Rows already imported into the jurisdiction (same content
key) are skipped and reported as skipped, so importing the same file twice creates nothing new.

A row of a file this product exported (its 争议编号 is recorded and it files no new case) is not
imported again: it is compared with its record and updated through ``update_dispute`` (version
checked) when edited, and reported as updated, unchanged or refused. Unit cells resolve through the
county's aliases (core.ledger.aliases); hearings and outcomes are written by core.ledger.history.
A row whose 案号 (or 复议案号) is recorded — the county's own ledger, re-imported after it gained
outcomes, hearings or decisions — adds what the case lacks and is reported as updated; a result that
contradicts the record is refused.
The file is a little past 600 lines because checking, writing and updating a row share the same
row-level helpers (parsing, problem mapping); splitting them would only move the imports around.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import difflib
import hashlib
import inspect
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from core.audit.service import record as audit
from core.cases.models import LitigationCase, ReconsiderationCase
from core.cases.service import (
    file_litigation_case,
)
from core.context import ServiceContext
from core.disputes.models import Dispute
from core.disputes.service import DisputeInput, record_dispute, update_dispute
from core.enums import (
    ActionType,
    BatchKind,
    DisputeField,
    DisputeSource,
    Instance,
    LabeledEnum,
)
from core.errors import DomainError, ValidationFailed
from core.ledger.aliases import units_by_name
from core.ledger.history import (
    update_case_history,
    update_reconsideration,
    write_history,
    write_reconsideration,
)
from core.ledger.mapping import (
    FIELDS,
    FIELDS_BY_KEY,
    CellError,
    FieldKind,
    MappingError,
    cell_text,
    constants,
    parse_bool,
    parse_date,
    parse_enum,
    parse_int,
    parse_outcome,
    resolve_mapping,
    split_names,
    split_respondents,
)
from core.ledger.models import LedgerImport, LedgerImportRow
from core.ledger.reader import (
    MAX_ROWS,
    LedgerFileError,
    Sheet,
    SheetRow,
    read_ledger,
    refuse_missing_columns,
)
from core.org.models import Jurisdiction, Unit
from core.scoping import authorize

KEY_CHUNK = 400
PROGRESS_EVERY = 50  # rows between two progress reports

# on_progress(checked, written, total): rows checked so far, rows written so far, rows in the sheet.
ProgressCallback = Callable[[int, int, int], Any]


class RowStatus(StrEnum):
    IMPORTED = "imported"  # written (committed by the caller)
    VALID = "valid"  # passed every check; not written (dry run, or another row failed)
    SKIPPED = "skipped"  # imported before (or repeated in this file)
    INVALID = "invalid"  # rejected: see its problems
    UPDATED = "updated"  # an exported row, edited: the record was updated (or will be, in a dry run)
    UNCHANGED = "unchanged"  # an exported row matching its record

    @property
    def label(self) -> str:
        return {
            "imported": "已导入",
            "valid": "校验通过",
            "skipped": "已跳过",
            "invalid": "有错误",
            "updated": "已更新",
            "unchanged": "无变化",
        }[self.value]


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str | None  # the Excel column letter, when the problem is in one cell
    header: str | None
    field: str | None  # the ledger field key
    code: str
    message: str

    @property
    def text(self) -> str:
        where = f"第{self.row}行"
        if self.header and self.column:
            where += f" {self.header}（{self.column}列）"
        elif self.header:
            where += f" {self.header}"
        return f"{where}：{self.message}"


@dataclass
class RowResult:
    row: int
    status: RowStatus
    sequence: str = ""
    dispute_number: str | None = None
    case_number: str | None = None
    note: str = ""
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class ImportReport:
    file_hash: str
    file_name: str
    sheet_name: str
    header_row: int
    columns: list[tuple[str, str, str]]  # (header, field key, column letter)
    ignored_headers: list[str]
    dry_run: bool
    rows: list[RowResult]
    committed: bool = False
    import_id: int | None = None
    warnings: list[str] = field(default_factory=list)  # about the whole file (e.g. formula cells)

    def count(self, status: RowStatus) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def ok(self) -> bool:
        """Every row passed (or was skipped): the import may be committed."""
        return all(r.status != RowStatus.INVALID for r in self.rows)

    @property
    def problems(self) -> list[RowProblem]:
        return [p for r in self.rows for p in r.problems]

    @property
    def summary(self) -> str:
        total = len(self.rows)
        skipped = self.count(RowStatus.SKIPPED)
        written = self.count(RowStatus.IMPORTED) + self.count(RowStatus.UPDATED)
        if not self.ok and written:  # a batched import that failed half-way (core.ledger.batched)
            rows = "、".join(str(r.row) for r in self.rows if r.status == RowStatus.INVALID)
            return (
                f"共{total}行，第{rows}行写入时出错；此前的{written}行已写入，其余未写入；"
                "修改后重新导入同一文件，已写入的行会自动跳过"
            )
        if not self.ok:
            return f"共{total}行，{self.count(RowStatus.INVALID)}行有错误，未导入任何数据；请修改后重新导入"
        updated, unchanged = self.count(RowStatus.UPDATED), self.count(RowStatus.UNCHANGED)
        fresh = total - skipped - updated - unchanged
        tail = f"，更新{updated}行，{unchanged}行无变化" if updated or unchanged else ""
        if self.committed:
            return f"共{total}行，已导入{fresh}行，跳过已导入的{skipped}行{tail}"
        return f"共{total}行，校验通过；可导入{fresh}行，跳过已导入的{skipped}行{tail}（未写入）"


def file_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# ---------------------------------------------------------------------------------------------
# One row
# ---------------------------------------------------------------------------------------------


@dataclass
class ParsedRow:
    values: dict[str, Any]
    # A value taken from another column (原告 from 申请人, 收到日期 from 立案日期): where it came from.
    origin: dict[str, str]
    problems: list[tuple[str | None, str, str]]  # (field key, code, message)

    def get(self, key: str) -> Any:
        return self.values.get(key)


def row_key(cells: Mapping[str, Any]) -> str:
    """A hash of the row's content, independent of its position and of how dates and choices are written."""
    canonical: dict[str, str] = {}
    for key, raw in cells.items():
        spec = FIELDS_BY_KEY[key]
        text = cell_text(raw)
        if not spec.in_key or not text:
            continue
        try:
            if spec.kind == FieldKind.DATE:
                text = parse_date(raw).isoformat()
            elif spec.kind == FieldKind.ENUM and spec.enum is not None:
                text = parse_enum(raw, spec.enum).value
            elif spec.kind == FieldKind.BOOL:
                text = "1" if parse_bool(raw) else ""
            elif spec.kind == FieldKind.OUTCOME:
                text = parse_outcome(raw) or ""
        except CellError:
            pass  # an unparseable cell keeps its text; the row is rejected anyway
        if text:
            canonical[key] = text
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def parse_row(row: SheetRow, units: Mapping[str, Unit]) -> ParsedRow:
    values: dict[str, Any] = {}
    problems: list[tuple[str | None, str, str]] = []
    co_respondents: list[Unit] = []
    for key, raw in row.cells.items():
        spec = FIELDS_BY_KEY[key]
        if not cell_text(raw):
            continue
        try:
            if spec.kind == FieldKind.UNIT and len(names := split_respondents(raw)) > 1:
                # "A、B" in 被告: A is the respondent, B a co-respondent (as if listed in 其他被申请单位)
                values[key] = _unit(names[0], units)
                co_respondents.extend(_unit(name, units) for name in names[1:])
            else:
                values[key] = _parse_cell(spec.kind, spec.enum, raw, units)
        except CellError as exc:
            problems.append((key, exc.code, exc.message))
    if co_respondents:
        listed = values.get("other_units") or []
        values["other_units"] = [*co_respondents, *(u for u in listed if u not in co_respondents)]
    origin: dict[str, str] = {}
    if not values.get("applicant_name") and values.get("plaintiff_name"):
        values["applicant_name"] = values["plaintiff_name"]
        origin["applicant_name"] = "plaintiff_name"
    if not values.get("plaintiff_name") and values.get("applicant_name"):
        values["plaintiff_name"] = values["applicant_name"]
        origin["plaintiff_name"] = origin.get("applicant_name", "applicant_name")
    has_case = any(k in row.cells and cell_text(row.cells[k]) for k in ("case_number", "court", "filed_date"))
    if has_case and "source" not in values and "source" not in {p[0] for p in problems}:
        values["source"] = DisputeSource.LITIGATION
    elif values.get("recon_number") and "source" not in values and "source" not in {p[0] for p in problems}:
        values["source"] = DisputeSource.RECONSIDERATION
    if "received_date" not in values and isinstance(values.get("recon_received_date"), dt.date):
        values["received_date"] = values["recon_received_date"]
        origin["received_date"] = "recon_received_date"
    if "received_date" not in values and isinstance(values.get("filed_date"), dt.date):
        values["received_date"] = values["filed_date"]
        origin["received_date"] = "filed_date"
    failed = {p[0] for p in problems}
    linking = bool(values.get("dispute_number") or values.get("first_case_number"))
    required = ["case_number", "court", "filed_date"] if linking else [f.key for f in FIELDS if f.required]
    if not linking:
        required.append("source")
        required.append("received_date")
        if has_case:
            required += ["case_number", "court", "filed_date"]
    history = [k for k in ("hearing_date", "head_official", "outcome", "effective_date") if values.get(k)]
    if history and "case_number" not in values and "case_number" not in failed:
        label = FIELDS_BY_KEY[history[0]].label
        problems.append(("case_number", "required", f"填写了{label}，须同时填写案号"))
        failed.add("case_number")
    for key in dict.fromkeys(required):
        if key not in values and key not in failed:
            label = FIELDS_BY_KEY[key].label
            problems.append((key, "required", f"{label}不能为空"))
    return ParsedRow(values, origin, problems)


def _parse_cell(kind: FieldKind, enum: type[LabeledEnum] | None, raw: Any, units: Mapping[str, Unit]) -> Any:
    if kind == FieldKind.DATE:
        return parse_date(raw)
    if kind == FieldKind.ENUM and enum is not None:
        return parse_enum(raw, enum)
    if kind == FieldKind.BOOL:
        return parse_bool(raw)
    if kind == FieldKind.INT:
        return parse_int(raw)
    if kind == FieldKind.OUTCOME:
        return parse_outcome(raw)
    if kind == FieldKind.UNIT:
        return _unit(cell_text(raw), units)
    if kind == FieldKind.UNITS:
        return [_unit(name, units) for name in split_names(raw)]
    return cell_text(raw)


def closest_units(name: str, units: Iterable[str], limit: int = 3) -> list[str]:
    """The unit names most like ``name`` (containment first, then difflib's ratio): suggestions only,
    never a match: 县住建局 is not taken for 武平县住房和城乡建设局 without the county saying so."""
    names = list(units)
    containing = [n for n in names if name in n or n in name]
    close = difflib.get_close_matches(name, names, n=limit, cutoff=0.4)
    return list(dict.fromkeys([*containing, *close]))[:limit]


def _unit(name: str, units: Mapping[str, Unit]) -> Unit:
    found = units.get(name)
    if found is not None:
        return found
    similar = closest_units(name, units)
    hint = f"；最接近的单位：{'、'.join(similar)}" if similar else "；请先在“系统管理”中新增该单位"
    raise CellError(f"本辖区没有名为“{name}”的单位{hint}", "unknown_unit")


# ---------------------------------------------------------------------------------------------
# The import
# ---------------------------------------------------------------------------------------------


async def call_progress(on_progress: ProgressCallback | None, checked: int, written: int, total: int) -> None:
    """Report progress, plain or async; what it raises (a cancelled job) aborts the import."""
    if on_progress is not None:
        outcome = on_progress(checked, written, total)
        if inspect.isawaitable(outcome):
            await outcome


async def prepare_import(
    ctx: ServiceContext,
    *,
    jurisdiction_id: int,
    content: bytes,
    file_name: str = "",
    mapping: Mapping[str, Any] | None = None,
    dry_run: bool = False,
    max_rows: int = MAX_ROWS,
) -> tuple[Jurisdiction, Sheet, ImportReport]:
    """Authorize, read the sheet (off the event loop), apply the mapping's constants; an empty report."""
    authorize(ctx.principal, "ledger.import", jurisdiction_id, None)
    jurisdiction = await ctx.jurisdiction(jurisdiction_id)
    try:
        # Unzipping and parsing is CPU work: in a thread, so other requests do not wait for it.
        fixed = constants(mapping)
        sheet = await asyncio.to_thread(read_ledger, content, resolve_mapping(mapping), max_rows)
    except MappingError as exc:
        raise ValidationFailed(
            "mapping", str(exc), "the column mapping is not usable", "invalid_mapping"
        ) from exc
    except LedgerFileError as exc:
        raise ValidationFailed("file", exc.message, "the file cannot be read as a ledger", exc.code) from exc
    if not any(c.key != "sequence" for c in sheet.columns):
        raise ValidationFailed("file", "表头中没有可导入的列", "no importable column", "no_header")
    present = {c.key for c in sheet.columns}
    for key, value in fixed.items():
        if key not in present:
            for row in sheet.rows:
                row.cells[key] = value
    refuse_missing_columns(sheet, present | set(fixed))
    digest = file_hash(content)
    report = ImportReport(
        file_hash=digest,
        file_name=file_name[:200],
        sheet_name=sheet.name,
        header_row=sheet.header_row,
        columns=[(c.header, c.key, c.letter) for c in sheet.columns],
        ignored_headers=sheet.ignored_headers,
        dry_run=dry_run,
        rows=[],
        warnings=list(sheet.warnings),
    )
    return jurisdiction, sheet, report


async def import_ledger(
    ctx: ServiceContext,
    *,
    jurisdiction_id: int,
    content: bytes,
    file_name: str = "",
    mapping: Mapping[str, Any] | None = None,
    dry_run: bool = False,
    on_progress: ProgressCallback | None = None,
    max_rows: int = MAX_ROWS,
) -> ImportReport:
    """Check every row of a ledger and record the good ones; the caller commits only if ``report.ok``
    and this is not a dry run, and otherwise rolls back (everything written here goes with it).

    Raises :class:`ValidationFailed` for a file that cannot be read at all (field ``file`` or
    ``mapping``); row problems are in the report. ``on_progress(checked, written, total)`` is
    called (plain or async) as rows are checked (every :data:`PROGRESS_EVERY` rows) and once more
    when they are written, for a caller that shows progress (a background job); an exception it
    raises (a cancelled job) aborts the import before anything is kept.
    Background jobs (importLedger, ``caseload import``) check and write in short transactions
    instead (:mod:`core.ledger.batched`), through the same row dispatch (:func:`import_row`).
    """
    jurisdiction, sheet, report = await prepare_import(
        ctx,
        jurisdiction_id=jurisdiction_id,
        content=content,
        file_name=file_name,
        mapping=mapping,
        dry_run=dry_run,
        max_rows=max_rows,
    )
    digest = report.file_hash
    total = len(sheet.rows)

    async def progress(checked: int, written: int) -> None:
        await call_progress(on_progress, checked, written, total)

    # The bookkeeping row is written first: on SQLite (pysqlite's legacy transactions) the first
    # INSERT is what opens the real transaction, and the per-row savepoints below must nest inside
    # it (a savepoint that opened the transaction would commit it when released).
    batch = LedgerImport(
        jurisdiction_id=jurisdiction.id,
        file_hash=digest,
        file_name=report.file_name,
        sheet_name=sheet.name[:100],
        actor=ctx.principal.user,
        total_rows=len(sheet.rows),
    )
    ctx.session.add(batch)
    await ctx.session.flush()
    units = await units_by_name(ctx, jurisdiction.id)  # full names and the county's aliases
    keys = [row_key(row.cells) for row in sheet.rows]
    previous = await _imported_keys(ctx, jurisdiction.id, keys)
    seen_in_file: dict[str, int] = {}
    imported: list[tuple[SheetRow, str, Dispute, LitigationCase | None]] = []
    for number, reason in sheet.skipped:
        report.rows.append(RowResult(number, RowStatus.SKIPPED, note=reason))
    await progress(0, 0)
    for checked, (row, key) in enumerate(zip(sheet.rows, keys, strict=True)):
        if checked and checked % PROGRESS_EVERY == 0:
            await progress(checked, 0)
        sequence = cell_text(row.cells.get("sequence"))
        target = await _round_trip_target(ctx, jurisdiction.id, row)
        if target is None and (note := skip_note(row.number, key, previous, seen_in_file)):
            report.rows.append(RowResult(row.number, RowStatus.SKIPPED, sequence, note=note))
            continue
        result, written = await import_row(ctx, jurisdiction.id, sheet, row, units, target)
        result.sequence = sequence
        report.rows.append(result)
        if written is not None:
            imported.append((row, key, *written))
    report.rows.sort(key=lambda r: r.row)
    await progress(total, 0)
    if not report.ok or dry_run:
        return report  # the caller rolls back: nothing of this import is kept
    batch.imported_rows = len(imported)
    batch.skipped_rows = report.count(RowStatus.SKIPPED)
    for row, key, dispute, case in imported:
        ctx.session.add(
            LedgerImportRow(
                import_id=batch.id,
                jurisdiction_id=jurisdiction.id,
                row_key=key,
                row_number=row.number,
                dispute_id=dispute.id,
                litigation_case_id=case.id if case is not None else None,
            )
        )
    await audit(ctx, "ledger.import", batch, None)
    for result in report.rows:
        if result.status == RowStatus.VALID:
            result.status = RowStatus.IMPORTED
    report.import_id = batch.id
    await progress(total, len(imported))
    return report


def skip_note(number: int, key: str, previous: Mapping[str, str], seen_in_file: dict[str, int]) -> str:
    """Why a new row is skipped (imported before, or repeating an earlier row); "" to import it."""
    if key in previous:
        return f"已于{previous[key]}导入，跳过"
    if key in seen_in_file:
        return f"与第{seen_in_file[key]}行内容相同，跳过"
    seen_in_file[key] = number
    return ""


async def import_row(
    ctx: ServiceContext,
    jurisdiction_id: int,
    sheet: Sheet,
    row: SheetRow,
    units: Mapping[str, Unit],
    target: Dispute | None,
) -> tuple[RowResult, tuple[Dispute, LitigationCase | None] | None]:
    """One row through the services, as every import writes it: an exported row (``target``, its
    dispute) updates its record; a row whose 案号 or 复议案号 is recorded updates that case (the
    county's own ledger again); any other row is a new record. The second value is what a new
    row wrote (None otherwise)."""
    if target is not None:
        return await _update_row(ctx, sheet, row, target, units), None
    case = await _case_target(ctx, jurisdiction_id, row)
    recon = await _recon_target(ctx, jurisdiction_id, row) if case is None else None
    if case is not None or recon is not None:
        return await _update_record_row(ctx, sheet, row, units, case, recon), None
    return await _check_row(ctx, jurisdiction_id, sheet, row, units)


# The fields an edited export may change on a dispute, as update_dispute takes them.
UPDATABLE = ("title", "summary", "loss_risk", "is_major", "batch_kind", "field", "action_type")


async def _round_trip_target(ctx: ServiceContext, jurisdiction_id: int, row: SheetRow) -> Dispute | None:
    """The dispute an exported row stands for: its 争议编号 is recorded and the row files no new case."""
    number = cell_text(row.cells.get("dispute_number"))
    if not number:
        return None
    dispute = await ctx.session.scalar(
        select(Dispute).where(Dispute.jurisdiction_id == jurisdiction_id, Dispute.number == number)
    )
    if dispute is None:
        return None
    cases = set(split_respondents(row.cells.get("case_number")))
    if cases:
        known = set(
            await ctx.session.scalars(
                select(LitigationCase.case_number).where(LitigationCase.dispute_id == dispute.id)
            )
        )
        if not cases <= known:
            return None  # a new case for a recorded dispute: filed as before
    return dispute


async def _case_target(ctx: ServiceContext, jurisdiction_id: int, row: SheetRow) -> LitigationCase | None:
    """The recorded case a row without 争议编号 stands for, by its 案号 (re-importing the county's own
    ledger after it gained outcomes and hearings)."""
    number = cell_text(row.cells.get("case_number"))
    if not number or cell_text(row.cells.get("dispute_number")):
        return None
    return await ctx.session.scalar(
        select(LitigationCase).where(
            LitigationCase.jurisdiction_id == jurisdiction_id, LitigationCase.case_number == number
        )
    )


async def _recon_target(
    ctx: ServiceContext, jurisdiction_id: int, row: SheetRow
) -> ReconsiderationCase | None:
    """The recorded reconsideration a row without 争议编号 or 案号 stands for, by its 复议案号."""
    number = cell_text(row.cells.get("recon_number"))
    if not number or cell_text(row.cells.get("dispute_number")) or cell_text(row.cells.get("case_number")):
        return None
    return await ctx.session.scalar(
        select(ReconsiderationCase).where(
            ReconsiderationCase.jurisdiction_id == jurisdiction_id, ReconsiderationCase.case_number == number
        )
    )


async def _update_record_row(
    ctx: ServiceContext,
    sheet: Sheet,
    row: SheetRow,
    units: Mapping[str, Unit],
    case: LitigationCase | None,
    recon: ReconsiderationCase | None,
) -> RowResult:
    """Add what a row gives beyond a recorded case (案号: hearing, outcome, effective date) or
    reconsideration (复议案号: acceptance or refusal, decision)."""
    number = case.case_number if case is not None else recon.case_number if recon is not None else None
    result = RowResult(row.number, RowStatus.UNCHANGED, case_number=number)
    parsed = parse_row(row, units)
    if parsed.problems:
        result.status = RowStatus.INVALID
        result.problems = [_problem(sheet, row, parsed, k, code, msg) for k, code, msg in parsed.problems]
        return result
    try:
        async with ctx.session.begin_nested():
            if case is not None:
                await _check_parent(ctx, case, parsed.get("first_case_number"))
                changed, notes = await update_case_history(ctx, case, parsed.values)
            else:
                assert recon is not None
                changed, notes = await update_reconsideration(ctx, recon, parsed.values)
            await ctx.session.flush()
    except DomainError as exc:
        result.status = RowStatus.INVALID
        result.problems = [_problem(sheet, row, parsed, _field_key(exc.field), exc.code, exc.message_zh)]
        return result
    if not changed:
        result.note = "与系统记录一致"
        return result
    result.status = RowStatus.UPDATED
    result.note = "补录：" + "、".join(changed) + "".join(f"；{n}" for n in notes)
    return result


async def _check_parent(ctx: ServiceContext, case: LitigationCase, first_number: str | None) -> None:
    """A recorded later instance's 一审案号 must be the first instance it is linked to."""
    if not first_number:
        return
    parent = await ctx.session.scalar(
        select(LitigationCase).where(
            LitigationCase.jurisdiction_id == case.jurisdiction_id, LitigationCase.case_number == first_number
        )
    )
    if parent is None:
        raise ValidationFailed(
            "parentCaseId",
            f"本辖区没有案号为“{first_number}”的案件（一审案件须先登记或排在本行之前）",
            "no such first-instance case",
            "not_found",
        )
    if parent.id != case.parent_case_id:
        raise ValidationFailed(
            "parentCaseId",
            f"案号{case.case_number}在系统中不是“{first_number}”的后续审级：如需更正请在系统中修改",
            f"case {case.case_number} is not recorded as a later instance of {first_number}",
            "conflict",
        )


async def _update_row(
    ctx: ServiceContext, sheet: Sheet, row: SheetRow, dispute: Dispute, units: Mapping[str, Unit]
) -> RowResult:
    """Update a recorded dispute from its exported (and edited) row, through update_dispute."""
    result = RowResult(row.number, RowStatus.UNCHANGED, dispute_number=dispute.number)
    values: dict[str, Any] = {}
    problems: list[tuple[str | None, str, str]] = []
    for key in (*UPDATABLE, "version"):
        raw = row.cells.get(key)
        if key not in row.cells or not cell_text(raw):
            continue
        spec = FIELDS_BY_KEY[key]
        try:
            values[key] = _parse_cell(spec.kind, spec.enum, raw, units)
        except CellError as exc:
            problems.append((key, exc.code, exc.message))
    parsed = ParsedRow(values, {}, problems)
    if problems:
        result.status = RowStatus.INVALID
        result.problems = [_problem(sheet, row, parsed, k, code, msg) for k, code, msg in problems]
        return result
    changes: dict[str, Any] = {}
    for key in UPDATABLE:
        if key not in values:
            continue
        new = values[key]
        old = getattr(dispute, key)
        if isinstance(new, LabeledEnum):
            new = type(old)(new.value) if old is not None else new
        if new != old:
            changes[key] = new
    if not changes:
        result.note = "与系统记录一致"
        return result
    try:
        async with ctx.session.begin_nested():
            await update_dispute(ctx, dispute.id, version=values.get("version"), **changes)
            await ctx.session.flush()
    except DomainError as exc:
        result.status = RowStatus.INVALID
        at = "version" if exc.code == "conflict" else _field_key(exc.field)
        message = exc.message_zh
        if exc.code == "conflict":
            message = (
                f"争议{dispute.number}在导出后已被他人修改（当前版本{dispute.version}），请重新导出后再修改"
            )
        result.problems = [_problem(sheet, row, parsed, at, exc.code, message)]
        return result
    result.status = RowStatus.UPDATED
    result.note = "更新：" + "、".join(FIELDS_BY_KEY[k].label for k in changes)
    return result


async def _imported_keys(ctx: ServiceContext, jurisdiction_id: int, keys: Sequence[str]) -> dict[str, str]:
    """Row keys already imported into the jurisdiction → when (for the report)."""
    found: dict[str, str] = {}
    unique = sorted(set(keys))
    for start in range(0, len(unique), KEY_CHUNK):
        chunk = unique[start : start + KEY_CHUNK]
        rows = await ctx.session.execute(
            select(LedgerImportRow.row_key, LedgerImport.created_at, LedgerImport.file_name)
            .join(LedgerImport, LedgerImport.id == LedgerImportRow.import_id)
            .where(LedgerImportRow.jurisdiction_id == jurisdiction_id, LedgerImportRow.row_key.in_(chunk))
        )
        for key, created, name in rows:
            when = created.date().isoformat() if created else ""
            found[key] = f"{when}（{name}）" if name else when
    return found


async def _check_row(
    ctx: ServiceContext, jurisdiction_id: int, sheet: Sheet, row: SheetRow, units: Mapping[str, Unit]
) -> tuple[RowResult, tuple[Dispute, LitigationCase | None] | None]:
    parsed = parse_row(row, units)
    result = RowResult(row.number, RowStatus.VALID)
    if parsed.problems:
        result.status = RowStatus.INVALID
        result.problems = [_problem(sheet, row, parsed, key, code, msg) for key, code, msg in parsed.problems]
        return result, None
    try:
        async with ctx.session.begin_nested():
            dispute, case, notes = await _write_row(ctx, jurisdiction_id, parsed)
    except DomainError as exc:
        result.status = RowStatus.INVALID
        key = _field_key(exc.field)
        result.problems = [_problem(sheet, row, parsed, key, exc.code, exc.message_zh)]
        return result, None
    result.dispute_number = dispute.number
    result.case_number = case.case_number if case is not None else None
    result.note = "登记争议" if parsed.get("dispute_number") is None else "关联已有争议"
    if case is not None:
        result.note += "及诉讼案件"
    if notes:
        result.note += "；" + "；".join(notes)
    return result, (dispute, case)


async def _write_row(
    ctx: ServiceContext, jurisdiction_id: int, row: ParsedRow
) -> tuple[Dispute, LitigationCase | None, list[str]]:
    number = row.get("dispute_number")
    first_number = row.get("first_case_number")
    first: LitigationCase | None = None
    if first_number:
        # A later instance (二审/再审) belongs to its first instance's dispute: linked by 案号.
        first = await ctx.session.scalar(
            select(LitigationCase).where(
                LitigationCase.jurisdiction_id == jurisdiction_id, LitigationCase.case_number == first_number
            )
        )
        if first is None:
            raise ValidationFailed(
                "parentCaseId",
                f"本辖区没有案号为“{first_number}”的案件（一审案件须先登记或排在本行之前）",
                "no such first-instance case",
                "not_found",
            )
        linked = await ctx.session.get(Dispute, first.dispute_id)
        assert linked is not None
        dispute = linked
    elif number:
        found = await ctx.session.scalar(
            select(Dispute).where(Dispute.jurisdiction_id == jurisdiction_id, Dispute.number == number)
        )
        if found is None:
            raise ValidationFailed(
                "disputeId", f"本辖区没有编号为“{number}”的争议", "no such dispute", "not_found"
            )
        dispute = found
    else:
        unit: Unit = row.get("unit")
        others: list[Unit] = row.get("other_units") or []
        dispute = await record_dispute(
            ctx,
            DisputeInput(
                unit_id=unit.id,
                title=row.get("title"),
                applicant_name=row.get("applicant_name"),
                field=_enum(row, "field", DisputeField),
                action_type=_enum(row, "action_type", ActionType),
                source=_enum(row, "source", DisputeSource),
                received_date=row.get("received_date"),
                summary=row.get("summary") or "",
                other_unit_ids=tuple(u.id for u in others),
                applicant_id_number=row.get("applicant_id_number"),
                applicant_phone=row.get("applicant_phone"),
                applicant_count=row.get("applicant_count") or 1,
                batch_kind=_enum(row, "batch_kind", BatchKind, BatchKind.SINGLE),
                is_major=bool(row.get("is_major")),
                loss_risk=bool(row.get("loss_risk")),
                origin_date=row.get("origin_date"),
                reported_by=row.get("reported_by"),
            ),
        )
    case: LitigationCase | None = None
    if row.get("case_number"):
        instance = _enum(row, "instance", Instance, Instance.SECOND if first else Instance.FIRST)
        parent_id = first.id if first is not None else None
        if instance != Instance.FIRST and parent_id is None:
            parent_id = await ctx.session.scalar(
                select(LitigationCase.id)
                .where(LitigationCase.dispute_id == dispute.id)
                .order_by(LitigationCase.filed_date.desc(), LitigationCase.id.desc())
                .limit(1)
            )
        unit_for_case: Unit | None = row.get("unit")
        case = await file_litigation_case(
            ctx,
            dispute.id,
            court=row.get("court"),
            case_number=row.get("case_number"),
            plaintiff_name=row.get("plaintiff_name") or dispute.applicant_name,
            filed_date=row.get("filed_date"),
            instance=instance,
            parent_case_id=parent_id,
            unit_id=unit_for_case.id if unit_for_case is not None else None,
        )
    notes: list[str] = []
    if case is not None:
        notes = await write_history(ctx, case, row.values)
    if row.get("recon_number"):
        unit_for_recon: Unit | None = row.get("unit")
        await write_reconsideration(ctx, dispute, unit_for_recon.id if unit_for_recon else None, row.values)
    await ctx.session.flush()
    return dispute, case, notes


def _enum(row: ParsedRow, key: str, enum: type[Any], default: Any = None) -> Any:
    value = row.get(key)
    return enum(value.value) if value is not None else default


_API_FIELDS: dict[str, str] = {}
for _spec in FIELDS:
    for _api in _spec.api_fields:
        _API_FIELDS.setdefault(_api, _spec.key)  # the first field naming an input field owns it


def _field_key(api_field: str | None) -> str | None:
    if not api_field:
        return None
    return _API_FIELDS.get(api_field.split("[", 1)[0])


def _problem(
    sheet: Sheet, row: SheetRow, parsed: ParsedRow, key: str | None, code: str, message: str
) -> RowProblem:
    if key is not None:
        key = parsed.origin.get(key, key)
    column = sheet.column(key) if key else None
    if column is None and key is not None and key not in row.cells:
        label = FIELDS_BY_KEY[key].label
        if code == "required":
            message = f"{message}（台账中没有“{label}”列，请增加该列或在列映射中指定）"
        return RowProblem(row.number, None, label, key, code, message)
    return RowProblem(
        row.number,
        column.letter if column else None,
        column.header if column else None,
        key,
        code,
        message,
    )


def problems_text(problems: Iterable[RowProblem]) -> str:
    return "\n".join(p.text for p in problems)
