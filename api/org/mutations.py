from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from api.common import OfficialRank, Payload, UnitKind, gid, run_mutation
from api.context import Info
from api.org.types import Jurisdiction, Office, Official, ReferenceFigure, Unit
from core.org import offices, service


@strawberry.input
class CreateUnitInput:
    jurisdiction_id: strawberry.ID
    name: str
    kind: UnitKind


@strawberry.input
class UpdateUnitInput:
    id: strawberry.ID
    version: int | None = None
    name: str | None = None
    kind: UnitKind | None = None
    active: bool | None = None


@strawberry.input
class CreateOfficialInput:
    unit_id: strawberry.ID
    name: str
    rank: OfficialRank
    title: str = ""
    phone: str | None = None


@strawberry.input
class UpdateOfficialInput:
    id: strawberry.ID
    version: int | None = None
    rank: OfficialRank | None = None
    title: str | None = None
    phone: str | None = None
    active: bool | None = None


@strawberry.input
class SetReferenceFigureInput:
    jurisdiction_id: strawberry.ID
    indicator: str
    level: str = strawberry.field(description="city | province")
    year: int
    value: Decimal
    source: str


@strawberry.type
class OrgMutation:
    @strawberry.mutation(description="按政策插件创建辖区（系统管理员）")
    async def create_jurisdiction(self, info: Info, plugin: str) -> Payload[Jurisdiction]:
        return await run_mutation(info, lambda ctx: service.create_jurisdiction_from_plugin(ctx, plugin))  # type: ignore[no-any-return]

    @strawberry.mutation(description="修改辖区常住人口（县级管理员）或适用插件（系统管理员）")
    async def update_jurisdiction(
        self,
        info: Info,
        id: strawberry.ID,
        population: int | None = None,
        plugin: str | None = None,
        version: int | None = None,
    ) -> Payload[Jurisdiction]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.update_jurisdiction(
                ctx, gid(id, "id"), population=population, plugin=plugin, version=version
            ),
        )

    @strawberry.mutation(
        description="设置辖区上线日期（系统管理员）：此前到期的义务只计入指标，不再提醒或督办；传 null 清除"
    )
    async def set_go_live_date(
        self,
        info: Info,
        id: strawberry.ID,
        go_live_date: dt.date | None,
        version: int | None = None,
    ) -> Payload[Jurisdiction]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.set_go_live_date(
                ctx, gid(id, "id"), go_live_date=go_live_date, version=version
            ),
        )

    @strawberry.mutation(description="录入市级或省级参照平均值")
    async def set_reference_figure(
        self, info: Info, input: SetReferenceFigureInput
    ) -> Payload[ReferenceFigure]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.set_reference_figure(
                ctx,
                gid(input.jurisdiction_id, "jurisdictionId"),
                indicator=input.indicator,
                level=input.level,
                year=input.year,
                value=input.value,
                source=input.source,
            ),
        )

    @strawberry.mutation(description="指定承办机构对应的单位（及经办人）（县级管理员）")
    async def assign_office(
        self,
        info: Info,
        jurisdiction_id: strawberry.ID,
        office: str,
        unit_id: strawberry.ID,
        official_id: strawberry.ID | None = None,
    ) -> Payload[Office]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: offices.assign_office(
                ctx,
                gid(jurisdiction_id, "jurisdictionId"),
                office=office,
                unit_id=gid(unit_id, "unitId"),
                official_id=gid(official_id, "officialId") if official_id is not None else None,
            ),
        )

    @strawberry.mutation(description="新增单位")
    async def create_unit(self, info: Info, input: CreateUnitInput) -> Payload[Unit]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.create_unit(
                ctx, gid(input.jurisdiction_id, "jurisdictionId"), name=input.name, kind=input.kind
            ),
        )

    @strawberry.mutation(description="修改或停用单位")
    async def update_unit(self, info: Info, input: UpdateUnitInput) -> Payload[Unit]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.update_unit(
                ctx,
                gid(input.id, "id"),
                name=input.name,
                kind=input.kind,
                active=input.active,
                version=input.version,
            ),
        )

    @strawberry.mutation(description="新增负责人/人员")
    async def create_official(self, info: Info, input: CreateOfficialInput) -> Payload[Official]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.create_official(
                ctx,
                gid(input.unit_id, "unitId"),
                name=input.name,
                rank=input.rank,
                title=input.title,
                phone=input.phone,
            ),
        )

    @strawberry.mutation(description="修改负责人信息或标记离任")
    async def update_official(self, info: Info, input: UpdateOfficialInput) -> Payload[Official]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.update_official(
                ctx,
                gid(input.id, "id"),
                rank=input.rank,
                title=input.title,
                phone=input.phone,
                active=input.active,
                version=input.version,
            ),
        )
