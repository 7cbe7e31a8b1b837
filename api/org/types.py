"""GraphQL types of jurisdictions, units, officials and the policy in force."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import strawberry
from sqlalchemy import select

from api.common import JurisdictionLevel, OfficialRank, UnitKind, label_of
from api.context import Info
from api.loaders import then
from api.prefetch import by_id, many, relation
from core.org import models as m
from core.policy.manager import RuleInfo

# The loaders of the nested fields below: each resolver and its relation (end of module) use the same.
_units = by_id(m.Unit)
_jurisdictions = by_id(m.Jurisdiction)
_figures_of_jurisdiction = many(m.ReferenceFigure, "jurisdiction_id", order_by=m.ReferenceFigure.year)
_units_of_jurisdiction = many(m.Unit, "jurisdiction_id", order_by=m.Unit.name)
_officials_of_unit = many(m.Official, "unit_id", order_by=m.Official.name)


@strawberry.type(description="政策规则：编号、中英文说明、来源条款、参数")
class PolicyRule:
    id: str
    kind: str = strawberry.field(description="deadline | hearing_reminder | target | penalty | escalation")
    title: str = strawberry.field(description="中文说明")
    title_en: str
    source: str = strawberry.field(description="来源文件")
    section: str = strawberry.field(description="来源章节")
    clause: str = strawberry.field(description="来源条款原文")
    parameters: strawberry.scalars.JSON

    @classmethod
    def of(cls, info: RuleInfo) -> PolicyRule:
        return cls(
            id=info.id,
            kind=info.kind,
            title=info.title_zh,
            title_en=info.title_en,
            source=info.source,
            section=info.section,
            clause=info.clause,
            parameters=dict(info.parameters),  # type: ignore[arg-type]
        )


@strawberry.type(description="本辖区适用的政策插件")
class PolicyPlugin:
    name: str
    rule_count: int
    rules: list[PolicyRule]


@strawberry.type(description="市级或省级参照平均值")
class ReferenceFigure:
    id: strawberry.ID
    indicator: str
    level: str
    year: int
    value: Decimal
    source: str


@strawberry.type(description="辖区（县/州）")
class Jurisdiction:
    id: strawberry.ID
    code: str
    name: str
    name_en: str
    level: JurisdictionLevel
    level_label: str | None = label_of("level")
    plugin: str = strawberry.field(description="适用的政策插件名称")
    population: int | None
    parent_name: str | None
    province_name: str | None
    go_live_date: dt.date | None = strawberry.field(
        description="上线日期：此前到期的义务为历史记录，计入指标，但不提醒、不预警、不督办"
    )
    version: int

    @strawberry.field(description="适用的政策插件及其全部规则（含来源条款）")
    def policy(self, info: Info, year: int | None = None) -> PolicyPlugin:
        plugin_name: str = self.plugin
        rules = info.context.registry.policy(plugin_name).rules(year or info.context.today().year)
        return PolicyPlugin(name=plugin_name, rule_count=len(rules), rules=[PolicyRule.of(r) for r in rules])

    @strawberry.field(description="参照平均值")
    def reference_figures(self, info: Info) -> list[ReferenceFigure]:
        return _figures_of_jurisdiction(info.context).get(int(self.id))  # type: ignore[no-any-return]

    @strawberry.field(description="本辖区的单位")
    def units(self, info: Info, include_inactive: bool = False) -> list[Unit]:
        rows = _units_of_jurisdiction(info.context).get(int(self.id))
        return then(rows, lambda rows: [u for u in rows if include_inactive or u.active])  # type: ignore[no-any-return]


@strawberry.type(description="单位（行政执法单位、乡镇/街道、县政府）")
class Unit:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    name: str
    kind: UnitKind
    kind_label: str | None = label_of("kind")
    active: bool
    version: int

    @strawberry.field
    def jurisdiction(self, info: Info) -> Jurisdiction | None:
        return _jurisdictions(info.context).get(int(self.jurisdiction_id))  # type: ignore[no-any-return]

    @strawberry.field(description="本单位人员（负责人）")
    def officials(self, info: Info) -> list[Official]:
        return _officials_of_unit(info.context).get(int(self.id))  # type: ignore[no-any-return]


@strawberry.type(description="负责人/工作人员")
class Official:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    unit_id: strawberry.ID
    name: str
    title: str
    rank: OfficialRank
    rank_label: str | None = label_of("rank")
    phone: str | None
    active: bool
    version: int

    @strawberry.field
    def unit(self, info: Info) -> Unit | None:
        return _units(info.context).get(int(self.unit_id))  # type: ignore[no-any-return]


relation("Jurisdiction", "referenceFigures", _figures_of_jurisdiction)
relation("Jurisdiction", "units", _units_of_jurisdiction)
relation("Unit", "jurisdiction", _jurisdictions, key="jurisdiction_id")
relation("Unit", "officials", _officials_of_unit)
relation("Official", "unit", _units, key="unit_id")


async def list_jurisdictions(info: Info) -> list[Any]:
    stmt = info.context.scoped(select(m.Jurisdiction), m.Jurisdiction).order_by(m.Jurisdiction.id)
    return await info.context.scalars(stmt)


@strawberry.type(
    description="承办机构：规则按机构指定责任主体或通知对象（县政府办公室、县司法局、法院联络人或插件声明的机构）"
)
class Office:
    jurisdiction_id: strawberry.ID
    code: str = strawberry.field(description="机构编号，如 county_government_office")
    name_zh: str = strawberry.field(name="name", description="机构名称")
    name_en: str
    unit_id: strawberry.ID | None = strawberry.field(
        description="承担该机构职责的单位（未指定时由县司法局承办）"
    )
    official_id: strawberry.ID | None = strawberry.field(description="指定的经办人（可选）")
