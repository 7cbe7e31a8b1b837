"""Acting on obligations by hand, periodic reports, and the periodic events of the calendar."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.audit.service import record as audit
from core.audit.service import snapshot
from core.common import check_version, get_visible, require_not_future, require_text
from core.context import ServiceContext
from core.enums import ObligationStatus, Role
from core.errors import Forbidden, InvalidTransition, ValidationFailed
from core.obligations.engine import ACTIVE, emit, mark_met, settle_followers
from core.obligations.models import Obligation, PeriodicReport
from core.org.models import Unit
from core.policy.types import Event, EventKind
from core.scoping import authorize


async def _obligation(ctx: ServiceContext, ident: int, action: str, version: int | None) -> Obligation:
    ob = await get_visible(ctx, Obligation, ident, "期限事项", "obligationId")
    authorize(ctx.principal, action, ob.jurisdiction_id, ob.unit_id)
    check_version(ob, version, "Obligation")
    if ob.status not in ACTIVE:
        raise InvalidTransition("Obligation", ob.status, action.split(".")[-1], f"该事项已{ob.status.label}")
    return ob


async def mark_obligation_met(
    ctx: ServiceContext, obligation_id: int, *, met_date: dt.date, note: str = "", version: int | None = None
) -> Obligation:
    """Record that a duty with no event of its own was done (e.g. an expert review)."""
    ob = await _obligation(ctx, obligation_id, "obligation.met", version)
    require_not_future(met_date, ctx.today(), "metDate", "完成日期")
    if met_date < ob.trigger_date and ob.due_rule.get("amount", 0) >= 0:
        raise ValidationFailed(
            "metDate", "完成日期不能早于起算日期", "metDate before the trigger date", "date_order"
        )
    before = snapshot(ob)
    mark_met(ob, met_date)
    if note.strip():
        ob.note = note.strip()
    await audit(ctx, "obligation.met", ob, before)
    # A duty anchored on this one's met date (ObligationAnchor) now has its due date.
    await settle_followers(ctx, await ctx.policy(ob.jurisdiction_id), await ctx.calendar(), ob)
    return ob


async def waive_obligation(
    ctx: ServiceContext, obligation_id: int, *, reason: str, version: int | None = None
) -> Obligation:
    """Waive a duty that no longer applies, with the reason (justice bureau only)."""
    ob = await _obligation(ctx, obligation_id, "obligation.waive", version)
    before = snapshot(ob)
    ob.status = ObligationStatus.WAIVED
    ob.waived_reason = require_text(reason, "reason", "豁免理由")
    ob.met_date = ctx.today()
    await audit(ctx, "obligation.waive", ob, before)
    return ob


async def submit_report(
    ctx: ServiceContext,
    jurisdiction_id: int,
    *,
    kind: str,
    period: str,
    submitted_date: dt.date,
    unit_id: int | None = None,
    is_zero: bool = False,
    content: str = "",
) -> PeriodicReport:
    """Submit a periodic report (e.g. the monthly screening, a zero report when nothing was found)."""
    unit: Unit | None = None
    if unit_id is not None:
        unit = await get_visible(ctx, Unit, unit_id, "单位", "unitId")
        if unit.jurisdiction_id != jurisdiction_id:
            raise ValidationFailed("unitId", "单位不属于该辖区", "unit belongs to another jurisdiction")
    if ctx.principal.role == Role.UNIT_CLERK and unit_id is None:
        raise Forbidden("只能报送本单位的报告", "a unit clerk reports for their own unit")
    authorize(ctx.principal, "report.submit", jurisdiction_id, unit_id)
    await ctx.jurisdiction(jurisdiction_id)
    require_text(kind, "kind", "报送类型", max_len=60)
    require_text(period, "period", "报送期间", max_len=20)
    require_not_future(submitted_date, ctx.today(), "submittedDate", "报送日期")
    if not is_zero and not content.strip():
        raise ValidationFailed(
            "content", "非零报送须填写报送内容", "content is required unless it is a zero report"
        )
    exists = await ctx.session.scalar(
        select(PeriodicReport.id).where(
            PeriodicReport.jurisdiction_id == jurisdiction_id,
            PeriodicReport.unit_id == unit_id if unit_id is not None else PeriodicReport.unit_id.is_(None),
            PeriodicReport.kind == kind,
            PeriodicReport.period == period,
        )
    )
    if exists is not None:
        raise ValidationFailed(
            "period", f"{period}的报送已提交", f"report for {period} already submitted", "duplicate"
        )
    report = PeriodicReport(
        jurisdiction_id=jurisdiction_id,
        unit_id=unit_id,
        kind=kind,
        period=period,
        submitted_date=submitted_date,
        is_zero=is_zero,
        content=content.strip(),
    )
    ctx.session.add(report)
    await ctx.session.flush()
    await audit(ctx, "report.submit", report, None)
    subject_type, subject_id = ("unit", unit_id) if unit_id is not None else ("jurisdiction", jurisdiction_id)
    await emit(
        ctx,
        Event(
            EventKind.REPORT_SUBMITTED,
            jurisdiction_id,
            submitted_date,
            subject_type,
            subject_id,
            unit_id,
            {"report": kind, "period": period, "is_zero": is_zero},
        ),
    )
    return report


PERIODIC = (
    EventKind.WEEK_START,
    EventKind.MONTH_START,
    EventKind.QUARTER_END,
    EventKind.HALF_YEAR_END,
    EventKind.YEAR_END,
)


def periods_starting(day: dt.date) -> list[tuple[EventKind, str, dt.date]]:
    """The periodic events that fall on ``day`` with their period labels and event dates.

    A week starts on Monday, a month on its first day. On the first day of a quarter, half year and
    year, the *_START event names the period beginning (dated that day) and the *_END event the
    period just ended (dated its last day).
    """
    out: list[tuple[EventKind, str, dt.date]] = []
    if day.weekday() == 0:
        iso = day.isocalendar()
        out.append((EventKind.WEEK_START, f"{iso.year}W{iso.week:02d}", day))
    if day.day == 1:
        out.append((EventKind.MONTH_START, f"{day.year}-{day.month:02d}", day))
        if day.month in (1, 4, 7, 10):
            out.append((EventKind.QUARTER_START, f"{day.year}Q{(day.month - 1) // 3 + 1}", day))
        if day.month in (1, 7):
            out.append((EventKind.HALF_YEAR_START, f"{day.year}H{1 if day.month == 1 else 2}", day))
        if day.month == 1:
            out.append((EventKind.YEAR_START, str(day.year), day))
        last = day - dt.timedelta(days=1)
        if day.month in (1, 4, 7, 10):
            out.append((EventKind.QUARTER_END, f"{last.year}Q{(last.month - 1) // 3 + 1}", last))
        if day.month in (1, 7):
            out.append((EventKind.HALF_YEAR_END, f"{last.year}H{1 if last.month <= 6 else 2}", last))
        if day.month == 1:
            out.append((EventKind.YEAR_END, str(last.year), last))
    return out


async def emit_periodic(ctx: ServiceContext, jurisdiction_id: int, day: dt.date) -> list[Obligation]:
    """Emit the periodic events of ``day`` for a jurisdiction and each of its active units (idempotent)."""
    created: list[Obligation] = []
    units = list(
        await ctx.session.scalars(
            select(Unit).where(Unit.jurisdiction_id == jurisdiction_id, Unit.active.is_(True))
        )
    )
    for kind, period, on in periods_starting(day):
        attrs = {"scope": "jurisdiction", "period": period}
        created += await emit(
            ctx, Event(kind, jurisdiction_id, on, "jurisdiction", jurisdiction_id, None, attrs)
        )
        for unit in units:
            unit_attrs = {"scope": "unit", "period": period, "unit_kind": unit.kind.value}
            created += await emit(ctx, Event(kind, jurisdiction_id, on, "unit", unit.id, unit.id, unit_attrs))
    return created
