from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select

from api.common import UnitKind, gid
from api.context import Info
from api.org.types import Jurisdiction, Office, Official, Unit
from core.org import models as m
from core.org.offices import list_offices


@strawberry.type
class OrgQuery:
    @strawberry.field(description="可见的辖区")
    async def jurisdictions(self, info: Info) -> list[Jurisdiction]:
        stmt = info.context.scoped(select(m.Jurisdiction), m.Jurisdiction).order_by(m.Jurisdiction.id)
        return await info.context.scalars(stmt)  # type: ignore[return-value]

    @strawberry.field(description="按编号或代码查询辖区")
    async def jurisdiction(
        self, info: Info, id: strawberry.ID | None = None, code: str | None = None
    ) -> Jurisdiction | None:
        stmt = select(m.Jurisdiction)
        if id is not None:
            stmt = stmt.where(m.Jurisdiction.id == gid(id, "id"))
        elif code is not None:
            stmt = stmt.where(m.Jurisdiction.code == code)
        else:
            return None
        rows = await info.context.scalars(info.context.scoped(stmt, m.Jurisdiction))
        return rows[0] if rows else None

    @strawberry.field(description="辖区的承办机构及其对应单位")
    async def offices(self, info: Info, jurisdiction_id: strawberry.ID) -> list[Office]:
        ident = gid(jurisdiction_id, "jurisdictionId")
        views = await info.context.read_ctx(lambda ctx: list_offices(ctx, ident))

        def as_id(value: int | None) -> strawberry.ID | None:
            return strawberry.ID(str(value)) if value is not None else None

        return [
            Office(
                jurisdiction_id=strawberry.ID(str(v.jurisdiction_id)),
                code=v.code,
                name_zh=v.name_zh,
                name_en=v.name_en,
                unit_id=as_id(v.unit_id),
                official_id=as_id(v.official_id),
            )
            for v in views
        ]

    @strawberry.field(description="单位列表")
    async def units(
        self,
        info: Info,
        jurisdiction_id: strawberry.ID | None = None,
        kind: UnitKind | None = None,
        text: str | None = None,
        include_inactive: bool = False,
    ) -> list[Unit]:
        stmt = select(m.Unit)
        if jurisdiction_id is not None:
            stmt = stmt.where(m.Unit.jurisdiction_id == gid(jurisdiction_id, "jurisdictionId"))
        if kind is not None:
            stmt = stmt.where(m.Unit.kind == kind)
        if text:
            stmt = stmt.where(m.Unit.name.contains(text.strip()))
        if not include_inactive:
            stmt = stmt.where(m.Unit.active.is_(True))
        stmt = info.context.scoped(stmt, m.Unit).order_by(m.Unit.jurisdiction_id, m.Unit.name).limit(1000)
        return await info.context.scalars(stmt)  # type: ignore[return-value]

    @strawberry.field
    async def unit(self, info: Info, id: strawberry.ID) -> Unit | None:
        return await info.context.loaders.by_id(m.Unit).load(gid(id, "id"))  # type: ignore[no-any-return]

    @strawberry.field(description="负责人/人员列表")
    async def officials(
        self,
        info: Info,
        jurisdiction_id: strawberry.ID | None = None,
        unit_id: strawberry.ID | None = None,
        include_inactive: bool = False,
    ) -> list[Official]:
        stmt: Any = select(m.Official)
        if jurisdiction_id is not None:
            stmt = stmt.where(m.Official.jurisdiction_id == gid(jurisdiction_id, "jurisdictionId"))
        if unit_id is not None:
            stmt = stmt.where(m.Official.unit_id == gid(unit_id, "unitId"))
        if not include_inactive:
            stmt = stmt.where(m.Official.active.is_(True))
        stmt = info.context.scoped(stmt, m.Official).order_by(m.Official.unit_id, m.Official.name).limit(2000)
        return await info.context.scalars(stmt)  # type: ignore[return-value]
