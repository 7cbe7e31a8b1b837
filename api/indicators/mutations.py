"""Audited indicator mutations: target overrides, assessment facts, publishing bulletins."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from api.common import Payload, gid, run_mutation
from api.context import Info
from api.indicators.types import Bulletin, FactInfo, TargetOverride
from core.indicators import bulletins, service


@strawberry.input(description="调整目标：替换插件目标（填写其目标编号）、新增目标或停用插件目标")
class SetTargetInput:
    jurisdiction_id: strawberry.ID
    indicator: str
    year: int
    reason: str = strawberry.field(description="调整理由（记入审计）")
    quarter: int | None = strawberry.field(default=None, description="只调整该季度")
    unit_id: strawberry.ID | None = strawberry.field(default=None, description="只调整该单位")
    target_id: str | None = strawberry.field(default=None, description="插件目标编号；不填为 custom.<指标>")
    comparator: str | None = strawberry.field(default=None, description="<= | < | >= | >")
    value: Decimal | None = strawberry.field(default=None, description="目标值（比率为百分数）")
    reference_level: str | None = strawberry.field(default=None, description="city | province")
    yoy_change: Decimal | None = strawberry.field(default=None, description="同比变化，如 -0.10 为下降10%")
    disabled: bool = strawberry.field(default=False, description="停用该插件目标")
    title: str | None = None
    version: int | None = None


@strawberry.input(description="认定考核情形（如因违法行为导致败诉）")
class RecordFactInput:
    jurisdiction_id: strawberry.ID
    fact: str
    year: int
    note: str
    unit_id: strawberry.ID | None = None
    quarter: int | None = None


@strawberry.type(description="考核认定情形")
class AssessmentFactRecord:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    unit_id: strawberry.ID | None
    year: int
    quarter: int | None
    fact: str
    note: str


@strawberry.type
class IndicatorMutation:
    @strawberry.mutation(description="调整目标（管理员，记入审计）")
    async def set_target(self, info: Info, input: SetTargetInput) -> Payload[TargetOverride]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.set_target(
                ctx,
                gid(input.jurisdiction_id, "jurisdictionId"),
                indicator=input.indicator,
                year=input.year,
                reason=input.reason,
                quarter=input.quarter,
                unit_id=gid(input.unit_id, "unitId") if input.unit_id is not None else None,
                target_id=input.target_id,
                comparator=input.comparator,
                value=input.value,
                reference_level=input.reference_level,
                yoy_change=input.yoy_change,
                disabled=input.disabled,
                title=input.title,
                version=input.version,
            ),
        )

    @strawberry.mutation(description="撤销目标调整，恢复插件默认目标（记入审计）")
    async def clear_target(
        self, info: Info, id: strawberry.ID, version: int | None = None
    ) -> Payload[TargetOverride]:
        return await run_mutation(  # type: ignore[no-any-return]
            info, lambda ctx: service.clear_target(ctx, gid(id, "id"), version=version)
        )

    @strawberry.mutation(description="认定考核情形（记入审计）")
    async def record_assessment_fact(
        self, info: Info, input: RecordFactInput
    ) -> Payload[AssessmentFactRecord]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.record_fact(
                ctx,
                gid(input.jurisdiction_id, "jurisdictionId"),
                fact=input.fact,
                year=input.year,
                note=input.note,
                unit_id=gid(input.unit_id, "unitId") if input.unit_id is not None else None,
                quarter=input.quarter,
            ),
        )

    @strawberry.mutation(description="撤销考核认定情形（记入审计）")
    async def remove_assessment_fact(self, info: Info, id: strawberry.ID) -> Payload[AssessmentFactRecord]:
        return await run_mutation(info, lambda ctx: service.remove_fact(ctx, gid(id, "id")))  # type: ignore[no-any-return]

    @strawberry.mutation(description="发布季度通报：按当前数据生成并冻结为新版本")
    async def publish_bulletin(
        self, info: Info, jurisdiction_id: strawberry.ID, year: int, quarter: int, note: str | None = None
    ) -> Payload[Bulletin]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: bulletins.publish(
                ctx, gid(jurisdiction_id, "jurisdictionId"), year, quarter, note=note
            ),
        )


__all__ = ["AssessmentFactRecord", "FactInfo", "IndicatorMutation", "SetTargetInput"]
