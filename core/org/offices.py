"""Offices of a jurisdiction (县政府办公室, 县司法局, 法院联络人, or its plugin's own) and who acts as each.

A rule owns a duty or addresses an escalation by office; which unit (and official) that office is
in this county is the administrator's to say: :func:`assign_office` maps it, :func:`list_offices`
shows every office with its mapping, and :func:`office_target` is what the obligation engine and
the scan ask.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.audit.service import record as audit
from core.audit.service import snapshot
from core.common import get_visible
from core.context import ServiceContext
from core.errors import ValidationFailed
from core.org.models import OfficeAssignment, Official, Unit
from core.scoping import authorize, can_read

ACTION = "office.manage"


@dataclass(frozen=True)
class OfficeView:
    """One office of the jurisdiction and who acts as it (``None``: not mapped yet)."""

    jurisdiction_id: int
    code: str
    name_zh: str
    name_en: str
    unit_id: int | None
    official_id: int | None


async def assign_office(
    ctx: ServiceContext, jurisdiction_id: int, *, office: str, unit_id: int, official_id: int | None = None
) -> OfficeView:
    """Map ``office`` of the jurisdiction to one of its units (and optionally an official of it)."""
    authorize(ctx.principal, ACTION, jurisdiction_id)
    policy = await ctx.policy(jurisdiction_id)
    declared = policy.offices.get(office)
    if declared is None:
        known = "、".join(f"{o.code}（{o.name_zh}）" for o in policy.offices.values())
        raise ValidationFailed(
            "office",
            f"本辖区没有“{office}”这一机构（可选：{known}）",
            f"no office {office!r} here",
            "unknown_office",
        )
    unit = await get_visible(ctx, Unit, unit_id, "单位", "unitId")
    if unit.jurisdiction_id != jurisdiction_id:
        raise ValidationFailed("unitId", "单位不属于该辖区", "the unit belongs to another jurisdiction")
    if official_id is not None:
        official = await get_visible(ctx, Official, official_id, "人员", "officialId")
        if official.unit_id != unit.id:
            raise ValidationFailed(
                "officialId", f"该人员不属于“{unit.name}”", "the official does not belong to that unit"
            )
    row = await ctx.session.scalar(
        select(OfficeAssignment).where(
            OfficeAssignment.jurisdiction_id == jurisdiction_id, OfficeAssignment.office == office
        )
    )
    before = snapshot(row) if row is not None else None
    if row is None:
        row = OfficeAssignment(jurisdiction_id=jurisdiction_id, office=office, unit_id=unit.id)
        ctx.session.add(row)
    row.unit_id, row.official_id = unit.id, official_id
    await audit(ctx, "office.assign", row, before, jurisdiction_id=jurisdiction_id)
    return OfficeView(jurisdiction_id, office, declared.name_zh, declared.name_en, unit.id, official_id)


async def list_offices(ctx: ServiceContext, jurisdiction_id: int) -> list[OfficeView]:
    """Every office of the jurisdiction (national first, then the plugin's) with its mapping."""
    if not can_read(ctx.principal, jurisdiction_id, None, "jurisdictions"):
        return []
    policy = await ctx.policy(jurisdiction_id)
    rows = {
        r.office: r
        for r in await ctx.session.scalars(
            select(OfficeAssignment).where(OfficeAssignment.jurisdiction_id == jurisdiction_id)
        )
    }
    out = []
    for code, office in policy.offices.items():
        row = rows.get(code)
        out.append(
            OfficeView(
                jurisdiction_id,
                code,
                office.name_zh,
                office.name_en,
                row.unit_id if row is not None else None,
                row.official_id if row is not None else None,
            )
        )
    return out


async def office_target(
    ctx: ServiceContext, jurisdiction_id: int, office: str
) -> tuple[int, int | None] | None:
    """The unit and official acting as ``office`` in the jurisdiction, or ``None`` when unmapped."""
    row = await ctx.session.scalar(
        select(OfficeAssignment).where(
            OfficeAssignment.jurisdiction_id == jurisdiction_id, OfficeAssignment.office == office
        )
    )
    return (row.unit_id, row.official_id) if row is not None else None
