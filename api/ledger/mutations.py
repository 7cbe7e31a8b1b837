"""The ledger mutations: ``importLedger`` queues an import or a dry run as a job and answers with it
at once; ``cancelLedgerImport`` stops one before it writes; the unit aliases imports use."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import strawberry

from api.common import Payload, gid, run_mutation
from api.context import Info
from api.ledger.types import LedgerImportJobInfo, UnitAliasInfo
from core.context import ServiceContext
from core.errors import ValidationFailed
from core.ledger import aliases, jobs
from core.ledger.reader import MAX_BYTES
from core.org.models import Unit


def decode_file(data: str) -> bytes:
    """The file from base64 (a ``data:`` URL prefix is accepted)."""
    text = data.split(",", 1)[1] if data.startswith("data:") and "," in data else data
    if len(text) > MAX_BYTES * 4 // 3 + 8:
        raise ValidationFailed(
            "fileBase64",
            f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，请分批导入",
            "file too large",
            "too_large",
        )
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed(
            "fileBase64", "文件内容不是有效的 base64 编码", "not base64", "invalid_file"
        ) from exc


async def _alias_info(ctx: ServiceContext, row: aliases.UnitAlias) -> UnitAliasInfo:
    unit = await ctx.session.get(Unit, row.unit_id)
    return UnitAliasInfo.of(row, unit.name if unit is not None else "")


@strawberry.type
class LedgerMutation:
    @strawberry.mutation(description="新增单位别名：导入台账时该写法视为对应单位（留痕）")
    async def add_unit_alias(
        self, info: Info, jurisdiction_id: strawberry.ID, alias: str, unit_id: strawberry.ID
    ) -> Payload[UnitAliasInfo]:
        async def add(ctx: ServiceContext) -> UnitAliasInfo:
            row = await aliases.add_unit_alias(
                ctx, gid(jurisdiction_id, "jurisdictionId"), alias=alias, unit_id=gid(unit_id, "unitId")
            )
            return await _alias_info(ctx, row)

        return await run_mutation(info, add)  # type: ignore[no-any-return]

    @strawberry.mutation(description="删除单位别名（留痕）")
    async def remove_unit_alias(self, info: Info, id: strawberry.ID) -> Payload[UnitAliasInfo]:
        async def remove(ctx: ServiceContext) -> UnitAliasInfo:
            row = await aliases.remove_unit_alias(ctx, gid(id, "id"))
            return UnitAliasInfo.of(row, "")

        return await run_mutation(info, remove)  # type: ignore[no-any-return]

    @strawberry.mutation(description="取消排队中或导入中的台账导入（尚未写入任何数据时；留痕）")
    async def cancel_ledger_import(self, info: Info, id: strawberry.ID) -> Payload[LedgerImportJobInfo]:
        async def cancel(ctx: ServiceContext) -> LedgerImportJobInfo:
            return LedgerImportJobInfo.of(await jobs.cancel_import(ctx, gid(id, "id")))

        return await run_mutation(info, cancel)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="导入 Excel 台账（行政争议、诉讼案件、复议案件）：立即返回排队的导入任务，在后台逐行"
        "校验后写入（dryRun 只校验、不写入）；用 ledgerImport 查询或订阅 ledgerImportProgress 查看进度"
        "和报告。已导入过的行自动跳过，导出后修改的行更新对应记录"
    )
    async def import_ledger(
        self,
        info: Info,
        jurisdiction_id: strawberry.ID,
        file_base64: str,
        file_name: str = "",
        mapping: strawberry.scalars.JSON | None = None,
        dry_run: bool = False,
    ) -> Payload[LedgerImportJobInfo]:
        async def queue(ctx: ServiceContext) -> LedgerImportJobInfo:
            if mapping is not None and not isinstance(mapping, dict):
                raise ValidationFailed(
                    "mapping", "列映射应为 {表头: 字段名} 形式的对象", "mapping must be an object"
                )
            given: dict[str, Any] | None = mapping if isinstance(mapping, dict) else None
            job = await jobs.enqueue_import(
                ctx,
                jurisdiction_id=gid(jurisdiction_id, "jurisdictionId"),
                content=decode_file(file_base64),
                file_name=file_name,
                mapping=given,
                dry_run=dry_run,
            )
            await ctx.session.refresh(job)
            return LedgerImportJobInfo.of(job)

        payload: Payload[LedgerImportJobInfo] = await run_mutation(info, queue)
        wakeup = info.context.app.import_wakeup
        if wakeup is not None and not payload.errors:
            wakeup.set()  # this process's runner takes it now (api/ledger/runner.py)
        return payload
