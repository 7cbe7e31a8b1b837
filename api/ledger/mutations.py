"""The ``importLedger`` mutation: one transaction, committed only when every row passes."""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any

import strawberry
from sqlalchemy.exc import IntegrityError

from api.common import Payload, UserError, gid, run_mutation
from api.context import Info
from api.ledger.types import LedgerImportJobInfo, LedgerImportReport, UnitAliasInfo
from core.context import ServiceContext
from core.errors import DomainError, ValidationFailed
from core.ledger import aliases, jobs
from core.ledger.reader import MAX_BYTES
from core.ledger.service import ImportReport, import_ledger
from core.org.models import Unit

log = logging.getLogger("caseload.ledger")


@strawberry.type
class LedgerImportPayload:
    result: LedgerImportReport | None = strawberry.field(
        default=None, description="试导入（dryRun）的报告；正式导入为空，见 job"
    )
    job: LedgerImportJobInfo | None = strawberry.field(
        default=None,
        description="正式导入：已排队的导入任务（用 ledgerImport 或订阅 ledgerImportProgress 查看进度）",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="整个文件无法导入的原因（逐行问题见 result.problems）"
    )


@strawberry.type
class CancelLedgerImportPayload:
    result: LedgerImportJobInfo | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


class _RollBack(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__("roll back the ledger import")
        self.report = report


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
    async def cancel_ledger_import(self, info: Info, id: strawberry.ID) -> CancelLedgerImportPayload:
        async def cancel(ctx: ServiceContext) -> LedgerImportJobInfo:
            return LedgerImportJobInfo.of(await jobs.cancel_import(ctx, gid(id, "id")))

        done = await run_mutation(info, cancel)
        return CancelLedgerImportPayload(result=done.result, errors=done.errors)

    @strawberry.mutation(
        description="导入 Excel 台账（行政争议及诉讼案件）：dryRun 立即返回逐行校验报告、不写入；"
        "正式导入立即返回排队的导入任务（job），在后台逐行校验后写入，已导入过的行自动跳过"
    )
    async def import_ledger(
        self,
        info: Info,
        jurisdiction_id: strawberry.ID,
        file_base64: str,
        file_name: str = "",
        mapping: strawberry.scalars.JSON | None = None,
        dry_run: bool = False,
    ) -> LedgerImportPayload:
        context = info.context
        app = context.app
        changes: list[tuple[str, int, int | None]] = []
        try:
            jid = gid(jurisdiction_id, "jurisdictionId")
            content = decode_file(file_base64)
            if mapping is not None and not isinstance(mapping, dict):
                raise ValidationFailed(
                    "mapping", "列映射应为 {表头: 字段名} 形式的对象", "mapping must be an object"
                )
            given = mapping if isinstance(mapping, dict) else None
            if not dry_run:
                return await _enqueue(info, jid, content, file_name, given)
            async with app.session_factory() as session, session.begin():
                ctx = ServiceContext(
                    session=session, principal=context.principal, registry=app.registry, clock=app.clock
                )
                report = await import_ledger(
                    ctx,
                    jurisdiction_id=jid,
                    content=content,
                    file_name=file_name,
                    mapping=given,
                    dry_run=dry_run,
                )
                if dry_run or not report.ok:
                    raise _RollBack(report)
                await session.flush()
                changes = ctx.changes
            report.committed = True
        except _RollBack as rollback:
            return LedgerImportPayload(result=LedgerImportReport.of(rollback.report))
        except DomainError as exc:
            return LedgerImportPayload(errors=[UserError.of(exc)])
        except IntegrityError as exc:
            log.warning("ledger import conflict: %s", exc.orig)
            return LedgerImportPayload(
                errors=[
                    UserError(
                        field=None,
                        code="conflict",
                        message="同一台账正在被他人导入，或数据与已有记录冲突，请稍后重试",
                        message_en="a concurrent import or a conflicting record; retry",
                    )
                ]
            )
        for hook in app.after_commit:
            try:
                await hook(changes)
            except Exception:  # a failed cache invalidation must not turn a committed import into an error
                log.exception("after-commit hook failed")
        log.info(
            "ledger imported: jurisdiction=%s file=%s rows=%s import=%s",
            jid,
            report.file_name,
            len(report.rows),
            report.import_id,
        )
        return LedgerImportPayload(result=LedgerImportReport.of(report))


async def _enqueue(
    info: Info, jurisdiction_id: int, content: bytes, file_name: str, mapping: dict[str, Any] | None
) -> LedgerImportPayload:
    """Queue the import and answer with the job at once; the runner (or a worker) takes it."""

    async def queue(ctx: ServiceContext) -> LedgerImportJobInfo:
        job = await jobs.enqueue_import(
            ctx, jurisdiction_id=jurisdiction_id, content=content, file_name=file_name, mapping=mapping
        )
        await ctx.session.refresh(job)
        return LedgerImportJobInfo.of(job)

    payload = await run_mutation(info, queue)
    wakeup = info.context.app.import_wakeup
    if wakeup is not None and not payload.errors:
        wakeup.set()
    return LedgerImportPayload(job=payload.result, errors=payload.errors)
