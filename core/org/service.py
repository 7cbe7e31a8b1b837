"""Administering jurisdictions, units, officials and reference figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from core.audit.service import record as audit
from core.audit.service import snapshot
from core.common import check_version, get_visible, optional_text, require_text
from core.context import ServiceContext
from core.enums import JurisdictionLevel, OfficialRank, UnitKind
from core.errors import ValidationFailed
from core.org.models import Jurisdiction, Official, ReferenceFigure, Unit
from core.scoping import authorize


async def create_jurisdiction_from_plugin(ctx: ServiceContext, plugin: str) -> Jurisdiction:
    """Create (or return) the jurisdiction a plugin describes, with its reference averages."""
    authorize(ctx.principal, "jurisdiction.manage", None)
    if not ctx.registry.has(plugin):
        raise ValidationFailed(
            "plugin",
            f"未安装政策插件“{plugin}”",
            f"no plugin named {plugin!r} is installed",
            "unknown_plugin",
        )
    profile = ctx.registry.policy(plugin).profile
    if profile is None:
        raise ValidationFailed("plugin", f"插件“{plugin}”未提供辖区信息", f"plugin {plugin} has no profile")
    existing = await ctx.session.scalar(select(Jurisdiction).where(Jurisdiction.code == profile.code))
    if existing is not None:
        return existing
    jurisdiction = Jurisdiction(
        code=profile.code,
        name=profile.name,
        name_en=profile.name_en,
        level=JurisdictionLevel(profile.level),
        plugin=plugin,
        population=profile.population,
        parent_name=profile.parent_name,
        province_name=profile.province_name,
    )
    ctx.session.add(jurisdiction)
    await ctx.session.flush()
    for ref in profile.references:
        ctx.session.add(
            ReferenceFigure(
                jurisdiction_id=jurisdiction.id,
                indicator=ref.indicator,
                level=ref.level,
                year=ref.year,
                value=ref.value,
                source=str(ref.citation) if ref.citation else plugin,
            )
        )
    await audit(ctx, "jurisdiction.create", jurisdiction, None)
    return jurisdiction


async def update_jurisdiction(
    ctx: ServiceContext,
    jurisdiction_id: int,
    *,
    population: int | None = None,
    plugin: str | None = None,
    version: int | None = None,
) -> Jurisdiction:
    """Change a jurisdiction's population (its administrator) or the plugin whose policy applies
    (the system administrator)."""
    authorize(ctx.principal, "jurisdiction.settings", jurisdiction_id)
    if plugin is not None:
        authorize(ctx.principal, "jurisdiction.manage", jurisdiction_id)
    j = await ctx.jurisdiction(jurisdiction_id)
    check_version(j, version, "Jurisdiction")
    before = snapshot(j)
    if population is not None:
        if population <= 0:
            raise ValidationFailed("population", "人口数必须为正数", "population must be positive")
        j.population = population
    if plugin is not None:
        if not ctx.registry.has(plugin):
            raise ValidationFailed(
                "plugin", f"未安装政策插件“{plugin}”", f"no plugin {plugin!r}", "unknown_plugin"
            )
        j.plugin = plugin
    await audit(ctx, "jurisdiction.update", j, before)
    return j


async def set_go_live_date(
    ctx: ServiceContext, jurisdiction_id: int, *, go_live_date: dt.date | None, version: int | None = None
) -> Jurisdiction:
    """Set (or clear) the day the jurisdiction went live; audited.

    Duties due before it are history: the worker's scan never reminds, warns or escalates about
    them (``core.obligations.scan``); the indicators count them as they always did.
    """
    authorize(ctx.principal, "jurisdiction.settings", jurisdiction_id)
    j = await ctx.jurisdiction(jurisdiction_id)
    check_version(j, version, "Jurisdiction")
    if go_live_date is not None and go_live_date.year < 1990:
        raise ValidationFailed(
            "goLiveDate",
            f"上线日期（{go_live_date}）不合理：不得早于1990年",
            f"goLiveDate {go_live_date} is implausible: it cannot be before 1990",
        )
    before = snapshot(j)
    j.go_live_date = go_live_date
    await audit(ctx, "jurisdiction.go_live", j, before, jurisdiction_id=j.id)
    return j


async def set_reference_figure(
    ctx: ServiceContext,
    jurisdiction_id: int,
    *,
    indicator: str,
    level: str,
    year: int,
    value: Decimal,
    source: str,
) -> ReferenceFigure:
    """Enter or correct a city or provincial average of an indicator (audited)."""
    authorize(ctx.principal, "reference.manage", jurisdiction_id)
    j = await ctx.jurisdiction(jurisdiction_id)
    if not ctx.registry.policy(j.plugin).has_indicator(indicator):
        raise ValidationFailed("indicator", f"未知指标“{indicator}”", f"unknown indicator {indicator!r}")
    if level not in ("city", "province"):
        raise ValidationFailed(
            "level", "参照层级只能是市级（city）或省级（province）", "level must be city or province"
        )
    if not value.is_finite() or value < 0:
        raise ValidationFailed("value", "参照值须为非负数", "value must be a finite, non-negative number")
    row = await ctx.session.scalar(
        select(ReferenceFigure).where(
            ReferenceFigure.jurisdiction_id == jurisdiction_id,
            ReferenceFigure.indicator == indicator,
            ReferenceFigure.level == level,
            ReferenceFigure.year == year,
        )
    )
    before = snapshot(row) if row is not None else None
    if row is None:
        row = ReferenceFigure(jurisdiction_id=jurisdiction_id, indicator=indicator, level=level, year=year)
        ctx.session.add(row)
    row.value = value
    row.source = require_text(source, "source", "数据来源", max_len=200)
    await audit(ctx, "reference.set", row, before)
    return row


async def create_unit(ctx: ServiceContext, jurisdiction_id: int, *, name: str, kind: UnitKind) -> Unit:
    """Add a respondent unit to a jurisdiction."""
    authorize(ctx.principal, "unit.manage", jurisdiction_id)
    await ctx.jurisdiction(jurisdiction_id)
    clean = require_text(name, "name", "单位名称", max_len=120)
    dup = await ctx.session.scalar(
        select(Unit.id).where(Unit.jurisdiction_id == jurisdiction_id, Unit.name == clean)
    )
    if dup is not None:
        raise ValidationFailed(
            "name", f"本辖区已有名为“{clean}”的单位", f"unit {clean!r} exists", "duplicate"
        )
    unit = Unit(jurisdiction_id=jurisdiction_id, name=clean, kind=kind, active=True)
    ctx.session.add(unit)
    await audit(ctx, "unit.create", unit, None)
    return unit


async def update_unit(
    ctx: ServiceContext,
    unit_id: int,
    *,
    name: str | None = None,
    kind: UnitKind | None = None,
    active: bool | None = None,
    version: int | None = None,
) -> Unit:
    """Rename, re-classify or deactivate a unit."""
    unit = await get_visible(ctx, Unit, unit_id, "单位", "unitId")
    authorize(ctx.principal, "unit.manage", unit.jurisdiction_id)
    check_version(unit, version, "Unit")
    before = snapshot(unit)
    if name is not None:
        unit.name = require_text(name, "name", "单位名称", max_len=120)
    if kind is not None:
        unit.kind = kind
    if active is not None:
        unit.active = active
    await audit(ctx, "unit.update", unit, before)
    return unit


async def create_official(
    ctx: ServiceContext,
    unit_id: int,
    *,
    name: str,
    rank: OfficialRank,
    title: str = "",
    phone: str | None = None,
) -> Official:
    """Register a head or leader who may appear in court or receive escalations."""
    unit = await get_visible(ctx, Unit, unit_id, "单位", "unitId")
    authorize(ctx.principal, "official.manage", unit.jurisdiction_id)
    official = Official(
        jurisdiction_id=unit.jurisdiction_id,
        unit_id=unit.id,
        name=require_text(name, "name", "姓名", max_len=60),
        rank=rank,
        title=(title or "").strip(),
        phone=optional_text(phone, "phone", "联系电话", max_len=40),
        active=True,
    )
    ctx.session.add(official)
    await audit(ctx, "official.create", official, None)
    return official


async def update_official(
    ctx: ServiceContext,
    official_id: int,
    *,
    rank: OfficialRank | None = None,
    title: str | None = None,
    phone: str | None = None,
    active: bool | None = None,
    version: int | None = None,
) -> Official:
    """Change an official's rank, title, phone or mark them as having left."""
    official = await get_visible(ctx, Official, official_id, "人员", "officialId")
    authorize(ctx.principal, "official.manage", official.jurisdiction_id)
    check_version(official, version, "Official")
    before = snapshot(official)
    if rank is not None:
        official.rank = rank
    if title is not None:
        official.title = title.strip()
    if phone is not None:
        official.phone = optional_text(phone, "phone", "联系电话", max_len=40)
    if active is not None:
        official.active = active
    await audit(ctx, "official.update", official, before)
    return official
