"""Ledger queries: importable fields, the template, import history, and exporting lists to Excel."""

from __future__ import annotations

import base64
from typing import Any

import strawberry
from sqlalchemy import select

from api.common import gid
from api.context import Info
from api.ledger.export import export_list
from api.ledger.types import (
    ExportFile,
    ExportKind,
    LedgerFieldInfo,
    LedgerImportJobInfo,
    LedgerImportRecord,
    UnitAliasInfo,
)
from core.errors import NotFound
from core.ledger import jobs
from core.ledger import models as m
from core.ledger.aliases import list_unit_aliases
from core.ledger.export import XLSX_CONTENT_TYPE, template_workbook
from core.ledger.mapping import FIELDS
from core.org.models import Unit


@strawberry.type
class LedgerQuery:
    @strawberry.field(description="台账可导入的字段及默认识别的表头")
    def ledger_fields(self) -> list[LedgerFieldInfo]:
        return [LedgerFieldInfo.of(f) for f in FIELDS]

    @strawberry.field(description="空白台账模板（含下拉选项）")
    def ledger_template(self) -> ExportFile:
        content = template_workbook()
        return ExportFile(
            file_name="行政争议台账模板.xlsx",
            content_type=XLSX_CONTENT_TYPE,
            base64=base64.b64encode(content).decode(),
            row_count=0,
            truncated=False,
        )

    @strawberry.field(description="本辖区的单位别名（导入台账时使用）")
    async def unit_aliases(self, info: Info, jurisdiction_id: strawberry.ID) -> list[UnitAliasInfo]:
        jid = gid(jurisdiction_id, "jurisdictionId")

        async def load(ctx: Any) -> list[UnitAliasInfo]:
            rows = await list_unit_aliases(ctx, jid)
            names = dict(
                (
                    await ctx.session.execute(select(Unit.id, Unit.name).where(Unit.jurisdiction_id == jid))
                ).all()
            )
            return [UnitAliasInfo.of(r, names.get(r.unit_id, "")) for r in rows]

        return await info.context.read_ctx(load)

    @strawberry.field(description="已完成的台账导入（最新在前）")
    async def ledger_imports(
        self, info: Info, jurisdiction_id: strawberry.ID | None = None, limit: int = 20
    ) -> list[LedgerImportRecord]:
        stmt = select(m.LedgerImport)
        if jurisdiction_id is not None:
            stmt = stmt.where(m.LedgerImport.jurisdiction_id == gid(jurisdiction_id, "jurisdictionId"))
        stmt = info.context.scoped(stmt, m.LedgerImport)
        stmt = stmt.order_by(m.LedgerImport.id.desc()).limit(max(1, min(limit, 100)))
        return [LedgerImportRecord.of(row) for row in await info.context.scalars(stmt)]

    @strawberry.field(description="一次台账导入（后台任务）的状态、进度与问题；仅本辖区司法局人员可见")
    async def ledger_import(self, info: Info, id: strawberry.ID) -> LedgerImportJobInfo | None:
        job_id = gid(id, "id")

        async def load(ctx: Any) -> LedgerImportJobInfo | None:
            try:
                return LedgerImportJobInfo.of(await jobs.get_job(ctx, job_id))
            except NotFound:
                return None

        return await info.context.read_ctx(load)

    @strawberry.field(description="本辖区最近的台账导入任务（最新在前；仅司法局人员可见）")
    async def ledger_import_jobs(
        self, info: Info, jurisdiction_id: strawberry.ID, limit: int = 10
    ) -> list[LedgerImportJobInfo]:
        jid = gid(jurisdiction_id, "jurisdictionId")

        async def load(ctx: Any) -> list[LedgerImportJobInfo]:
            rows = await jobs.recent_jobs(ctx, jid, max(1, min(limit, 50)))
            return [LedgerImportJobInfo.of(r) for r in rows]

        return await info.context.read_ctx(load)

    @strawberry.field(
        description="把列表导出为 Excel：筛选条件与对应列表查询相同（disputes 的 DisputeFilter 等；"
        "庭审为 hearings 的参数），权限范围相同"
    )
    async def export_list(
        self, info: Info, kind: ExportKind, filter: strawberry.scalars.JSON | None = None
    ) -> ExportFile:
        given: Any = filter
        return await export_list(info, kind, given)
