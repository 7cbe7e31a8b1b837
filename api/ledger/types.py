"""GraphQL types of ledger imports and exports."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry

from core.ledger import models as m
from core.ledger.jobs import FINISHED, STATUS_LABELS, progress_of, rows_per_second
from core.ledger.mapping import DEFAULT_MAPPING, OUTCOME_WORDINGS, FieldKind, LedgerField
from core.ledger.service import ImportReport, RowProblem, RowResult


@strawberry.enum(description="可导出的列表")
class ExportKind(Enum):
    DISPUTES = "disputes"
    LITIGATION_CASES = "litigation_cases"
    OBLIGATIONS = "obligations"
    HEARINGS = "hearings"


@strawberry.type(description="台账可导入的字段")
class LedgerFieldInfo:
    key: str = strawberry.field(description="字段名（列映射的值）")
    label: str = strawberry.field(description="中文名称")
    kind: str = strawberry.field(description="text | date | enum | int | bool | unit | units | outcome")
    required: bool = strawberry.field(description="登记争议时必填")
    help: str
    headers: list[str] = strawberry.field(description="默认识别的表头")
    choices: list[str] = strawberry.field(description="可选值（中文）")

    @classmethod
    def of(cls, spec: LedgerField) -> LedgerFieldInfo:
        choices: list[str] = []
        if spec.kind == FieldKind.ENUM and spec.enum is not None:
            choices = [member.label for member in spec.enum]
        elif spec.kind == FieldKind.BOOL:
            choices = ["是", "否"]
        elif spec.kind == FieldKind.OUTCOME:
            choices = list(OUTCOME_WORDINGS)
        return cls(
            key=spec.key,
            label=spec.label,
            kind=spec.kind.value,
            required=spec.required,
            help=spec.help,
            headers=[h for h, k in DEFAULT_MAPPING.items() if k == spec.key],
            choices=choices,
        )


@strawberry.type(description="台账中识别出的列")
class LedgerColumn:
    header: str
    field: str
    column: str = strawberry.field(description="Excel 列号，如 C")


@strawberry.type(description="某一行的问题：第几行、哪一列、什么问题")
class LedgerRowProblem:
    row: int = strawberry.field(description="Excel 行号")
    column: str | None = strawberry.field(description="Excel 列号")
    header: str | None = strawberry.field(description="表头")
    field: str | None = strawberry.field(description="字段名")
    code: str
    message: str = strawberry.field(description="问题说明（中文）")
    text: str = strawberry.field(description="完整说明，如“第5行 收到日期（H列）：…”")

    @classmethod
    def of(cls, p: RowProblem) -> LedgerRowProblem:
        return cls(
            row=p.row,
            column=p.column,
            header=p.header,
            field=p.field,
            code=p.code,
            message=p.message,
            text=p.text,
        )


@strawberry.type(description="每一行的处理结果")
class LedgerRowResult:
    row: int
    status: str = strawberry.field(description="imported | valid | skipped | invalid | updated | unchanged")
    status_label: str
    sequence: str = strawberry.field(description="台账序号")
    dispute_number: str | None
    case_number: str | None
    note: str
    problems: list[LedgerRowProblem]

    @classmethod
    def of(cls, r: RowResult) -> LedgerRowResult:
        return cls(
            row=r.row,
            status=r.status.value,
            status_label=r.status.label,
            sequence=r.sequence,
            dispute_number=r.dispute_number,
            case_number=r.case_number,
            note=r.note,
            problems=[LedgerRowProblem.of(p) for p in r.problems],
        )


@strawberry.type(description="台账导入报告：全部通过才导入，否则逐行列出问题且不导入任何数据")
class LedgerImportReport:
    file_hash: str
    file_name: str
    sheet_name: str
    header_row: int
    columns: list[LedgerColumn]
    ignored_headers: list[str] = strawberry.field(description="未导入的列")
    warnings: list[str] = strawberry.field(description="关于整个文件的提示（如公式单元格按计算结果读取）")
    dry_run: bool = strawberry.field(description="仅校验，未写入")
    committed: bool = strawberry.field(description="已写入数据库")
    ok: bool = strawberry.field(description="全部行通过校验")
    import_id: strawberry.ID | None
    total_rows: int
    imported_rows: int = strawberry.field(description="已导入（或校验通过、可导入）的行数")
    skipped_rows: int = strawberry.field(description="已导入过、跳过的行数")
    invalid_rows: int
    updated_rows: int = strawberry.field(description="按争议编号更新的行数（导出后修改再导入）")
    unchanged_rows: int = strawberry.field(description="与系统记录一致、无需更新的行数")
    summary: str
    problems: list[LedgerRowProblem]
    rows: list[LedgerRowResult]

    @classmethod
    def of(cls, report: ImportReport) -> LedgerImportReport:
        from core.ledger.service import RowStatus

        return cls(
            file_hash=report.file_hash,
            file_name=report.file_name,
            sheet_name=report.sheet_name,
            header_row=report.header_row,
            columns=[LedgerColumn(header=h, field=k, column=c) for h, k, c in report.columns],
            ignored_headers=report.ignored_headers,
            warnings=report.warnings,
            dry_run=report.dry_run,
            committed=report.committed,
            ok=report.ok,
            import_id=strawberry.ID(str(report.import_id)) if report.import_id else None,
            total_rows=len(report.rows),
            imported_rows=report.count(RowStatus.IMPORTED) + report.count(RowStatus.VALID),
            skipped_rows=report.count(RowStatus.SKIPPED),
            invalid_rows=report.count(RowStatus.INVALID),
            updated_rows=report.count(RowStatus.UPDATED),
            unchanged_rows=report.count(RowStatus.UNCHANGED),
            summary=report.summary,
            problems=[LedgerRowProblem.of(p) for p in report.problems],
            rows=[LedgerRowResult.of(r) for r in report.rows],
        )


@strawberry.type(description="一次已完成的台账导入")
class LedgerImportRecord:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    file_name: str
    file_hash: str
    sheet_name: str
    actor: str
    total_rows: int
    imported_rows: int
    skipped_rows: int
    created_at: dt.datetime

    @classmethod
    def of(cls, row: m.LedgerImport) -> LedgerImportRecord:
        return cls(
            id=strawberry.ID(str(row.id)),
            jurisdiction_id=strawberry.ID(str(row.jurisdiction_id)),
            file_name=row.file_name,
            file_hash=row.file_hash,
            sheet_name=row.sheet_name,
            actor=row.actor,
            total_rows=row.total_rows,
            imported_rows=row.imported_rows,
            skipped_rows=row.skipped_rows,
            created_at=row.created_at,
        )


@strawberry.type(description="生成的 Excel 文件（base64）")
class ExportFile:
    file_name: str
    content_type: str
    base64: str
    row_count: int
    truncated: bool = strawberry.field(description="超过导出上限，仅含前若干行")


@strawberry.type(description="单位别名：台账中对本辖区单位的其他写法（如“县住建局”）")
class UnitAliasInfo:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    alias: str
    unit_id: strawberry.ID
    unit_name: str

    @classmethod
    def of(cls, row: m.UnitAlias, unit_name: str) -> UnitAliasInfo:
        return cls(
            id=strawberry.ID(str(row.id)),
            jurisdiction_id=strawberry.ID(str(row.jurisdiction_id)),
            alias=row.alias,
            unit_id=strawberry.ID(str(row.unit_id)),
            unit_name=unit_name,
        )


@strawberry.enum(name="LedgerImportStatus", description="台账导入任务的状态")
class LedgerImportStatus(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@strawberry.type(name="LedgerImportError", description="导入任务记录的问题（逐行问题或整个文件的问题）")
class LedgerImportError:
    row: int | None = strawberry.field(description="Excel 行号（整个文件的问题为空）")
    column: str | None
    header: str | None
    field: str | None
    code: str
    message: str = strawberry.field(description="问题说明（中文）")


def report_of(data: dict[str, Any]) -> LedgerImportReport:
    """The report a finished job kept (core.ledger.jobs.report_to_json), as its GraphQL type."""

    def problem(p: dict[str, Any]) -> LedgerRowProblem:
        return LedgerRowProblem(**p)

    return LedgerImportReport(
        file_hash=data["file_hash"],
        file_name=data["file_name"],
        sheet_name=data["sheet_name"],
        header_row=data["header_row"],
        columns=[LedgerColumn(header=h, field=k, column=c) for h, k, c in data["columns"]],
        ignored_headers=data["ignored_headers"],
        warnings=data["warnings"],
        dry_run=data["dry_run"],
        committed=data["committed"],
        ok=data["ok"],
        import_id=strawberry.ID(str(data["import_id"])) if data["import_id"] else None,
        total_rows=data["total_rows"],
        imported_rows=data["imported_rows"],
        skipped_rows=data["skipped_rows"],
        invalid_rows=data["invalid_rows"],
        updated_rows=data["updated_rows"],
        unchanged_rows=data["unchanged_rows"],
        summary=data["summary"],
        problems=[problem(p) for p in data["problems"]],
        rows=[
            LedgerRowResult(**{**r, "problems": [problem(p) for p in r["problems"]]}) for r in data["rows"]
        ],
    )


@strawberry.type(
    name="LedgerImport",
    description="一次台账导入（后台任务）：排队、导入中、已完成、未导入或已取消；含进度与问题",
)
class LedgerImportJobInfo:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    status: LedgerImportStatus
    status_label: str = strawberry.field(description="状态（中文）")
    dry_run: bool
    file_name: str
    actor: str = strawberry.field(description="提交人")
    rows_total: int = strawberry.field(description="台账数据行数（读完文件后才知道；此前为 0）")
    rows_checked: int = strawberry.field(description="已校验的行数")
    rows_written: int = strawberry.field(description="已写入的行数")
    rows_per_second: float = strawberry.field(description="每秒校验的行数")
    finished: bool = strawberry.field(description="已结束（已完成、未导入或已取消）")
    cancel_requested: bool = strawberry.field(description="已请求取消")
    cancellable: bool = strawberry.field(description="仍可取消（尚未写入任何数据）")
    errors: list[LedgerImportError] = strawberry.field(description="到目前为止发现的问题（最多 500 条）")
    summary: str
    import_id: strawberry.ID | None = strawberry.field(description="写入的导入记录（成功后）")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    report: LedgerImportReport | None = strawberry.field(description="结束后的完整报告（逐行结果）")

    @classmethod
    def of(cls, job: m.LedgerImportJob) -> LedgerImportJobInfo:
        total, checked, written = progress_of(job)
        finished = job.status in FINISHED
        return cls(
            id=strawberry.ID(str(job.id)),
            jurisdiction_id=strawberry.ID(str(job.jurisdiction_id)),
            status=LedgerImportStatus(job.status.value),
            status_label=STATUS_LABELS[job.status],
            dry_run=job.dry_run,
            file_name=job.file_name,
            actor=job.actor,
            rows_total=total,
            rows_checked=checked,
            rows_written=written,
            rows_per_second=rows_per_second(job),
            finished=finished,
            cancel_requested=job.cancel_requested,
            cancellable=not finished and written == 0,
            errors=[LedgerImportError(**e) for e in (job.errors or [])],
            summary=job.summary,
            import_id=strawberry.ID(str(job.import_id)) if job.import_id else None,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            report=report_of(job.report) if job.report else None,
        )
