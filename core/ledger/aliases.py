"""Unit aliases: the names a county's ledgers use for its units, kept by its justice-bureau staff.

An import resolves a unit cell by the unit's own name first, then by an alias; anything else is an
error that suggests the closest names (core.ledger.service.closest_units). Adding and removing an
alias is audited like any other change.
"""

from __future__ import annotations

from sqlalchemy import select

from core.audit.service import record as audit
from core.context import ServiceContext
from core.errors import NotFound, ValidationFailed
from core.ledger.models import UnitAlias
from core.org.models import Unit
from core.scoping import authorize

ACTION = "ledger.import"  # the people who import a county's ledgers keep its aliases


def normalise_alias(text: str) -> str:
    return " ".join(text.replace("\u3000", " ").split())


async def add_unit_alias(ctx: ServiceContext, jurisdiction_id: int, *, alias: str, unit_id: int) -> UnitAlias:
    authorize(ctx.principal, ACTION, jurisdiction_id, None)
    name = normalise_alias(alias)
    if not name:
        raise ValidationFailed("alias", "别名不能为空", "the alias is blank", "required")
    if len(name) > 200:
        raise ValidationFailed("alias", "别名不能超过200个字", "the alias is too long")
    unit = await ctx.session.get(Unit, unit_id)
    if unit is None or unit.jurisdiction_id != jurisdiction_id:
        raise ValidationFailed("unitId", "本辖区没有该单位", "no such unit in the jurisdiction", "not_found")
    same_name = await ctx.session.scalar(
        select(Unit.id).where(Unit.jurisdiction_id == jurisdiction_id, Unit.name == name)
    )
    if same_name is not None:
        raise ValidationFailed(
            "alias",
            f"“{name}”已是本辖区一个单位的全称，不能作为别名",
            "the alias is a unit's own name",
            "duplicate",
        )
    taken = await ctx.session.scalar(
        select(UnitAlias).where(UnitAlias.jurisdiction_id == jurisdiction_id, UnitAlias.alias == name)
    )
    if taken is not None:
        raise ValidationFailed(
            "alias", f"别名“{name}”已对应另一单位，请先删除原别名", "the alias is already in use", "duplicate"
        )
    row = UnitAlias(jurisdiction_id=jurisdiction_id, alias=name, unit_id=unit.id)
    ctx.session.add(row)
    await ctx.session.flush()
    await audit(ctx, "unit_alias.add", row, None)
    return row


async def remove_unit_alias(ctx: ServiceContext, alias_id: int) -> UnitAlias:
    row = await ctx.session.get(UnitAlias, alias_id)
    principal = ctx.principal
    if row is None or (not principal.is_admin and principal.jurisdiction_id != row.jurisdiction_id):
        raise NotFound("UnitAlias", "单位别名", alias_id)  # another county's alias looks missing
    authorize(ctx.principal, ACTION, row.jurisdiction_id, None)
    await audit(ctx, "unit_alias.remove", row, None)
    await ctx.session.delete(row)
    await ctx.session.flush()
    return row


async def list_unit_aliases(ctx: ServiceContext, jurisdiction_id: int) -> list[UnitAlias]:
    authorize(ctx.principal, ACTION, jurisdiction_id, None)
    rows = await ctx.session.scalars(
        select(UnitAlias).where(UnitAlias.jurisdiction_id == jurisdiction_id).order_by(UnitAlias.alias)
    )
    return list(rows)


async def units_by_name(ctx: ServiceContext, jurisdiction_id: int) -> dict[str, Unit]:
    """Every name an import accepts for a unit of the jurisdiction: full names, then aliases."""
    units = {
        u.name: u
        for u in await ctx.session.scalars(select(Unit).where(Unit.jurisdiction_id == jurisdiction_id))
    }
    by_id = {u.id: u for u in units.values()}
    for alias in await ctx.session.scalars(
        select(UnitAlias).where(UnitAlias.jurisdiction_id == jurisdiction_id)
    ):
        if alias.alias not in units and alias.unit_id in by_id:
            units[alias.alias] = by_id[alias.unit_id]
    return units
