"""Pausing, resuming, extending and recomputing obligations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.audit.service import record as audit
from core.audit.service import snapshot
from core.calendar.rules import DueRule
from core.common import check_version, get_visible, require_not_before, require_not_future, require_text
from core.context import ServiceContext
from core.disputes.models import ResolutionEffort
from core.enums import ObligationStatus
from core.errors import InvalidTransition, ValidationFailed
from core.obligations.engine import ACTIVE, compute_due
from core.obligations.extension import check_extension
from core.obligations.models import Obligation
from core.policy.types import ExtensionPolicy
from core.scoping import authorize


async def _sync_effort_due(ctx: ServiceContext, ob: Obligation) -> None:
    """A resolution effort shows the due date of its extendable obligation (the resolution period).

    The effort's column is a copy kept for ``resolutionEfforts(dueBefore:)``; every change of the
    obligation's due date is written through, or a recomputed deadline would be missed (issue 21,
    defect 2: after ``declareCalendarYear(2027)`` the effort kept null).
    """
    if ob.subject_type != "resolution_effort":
        return
    policy = await ctx.policy(ob.jurisdiction_id)
    rule = policy.deadline_rule(ob.rule_id)
    if rule is None or rule.extension is None:
        return
    effort = await ctx.session.get(ResolutionEffort, ob.subject_id)
    if effort is not None and effort.due_date != ob.due_date:
        effort.due_date = ob.due_date
        ctx.changed("resolution_efforts", effort.id, effort.jurisdiction_id)


async def _obligation(ctx: ServiceContext, ident: int, action: str, version: int | None) -> Obligation:
    ob = await get_visible(ctx, Obligation, ident, "期限事项", "id")
    authorize(ctx.principal, action, ob.jurisdiction_id, ob.unit_id)
    check_version(ob, version, "Obligation")
    return ob


async def recompute_obligations(ctx: ServiceContext, jurisdiction_id: int | None = None) -> int:
    """Recompute the due dates of active obligations computed with another calendar version."""
    await ctx.session.flush()
    ctx.forget_calendar()
    calendar = await ctx.calendar()
    stmt = select(Obligation).where(
        Obligation.status.in_(ACTIVE),
        Obligation.due_overridden.is_(False),
        Obligation.calendar_version != calendar.version,
    )
    if jurisdiction_id is not None:
        stmt = stmt.where(Obligation.jurisdiction_id == jurisdiction_id)
    changed = 0
    for ob in await ctx.session.scalars(stmt):
        due, error = compute_due(calendar, DueRule.from_dict(ob.due_rule), ob.trigger_date)
        if due != ob.due_date or error != ob.due_error:
            before = snapshot(ob)
            ob.due_date, ob.due_error = due, error
            if ob.status == ObligationStatus.OVERDUE and due is not None and due >= ctx.today():
                ob.status = ObligationStatus.OPEN
            ob.calendar_version = calendar.version
            await audit(ctx, "obligation.recompute", ob, before)
            await _sync_effort_due(ctx, ob)
            ctx.changed("obligations", ob.id, ob.jurisdiction_id)
            changed += 1
        else:
            ob.calendar_version = calendar.version
    return changed


async def correct_trigger_date(
    ctx: ServiceContext, obligation_id: int, *, trigger_date: dt.date, reason: str, version: int | None = None
) -> Obligation:
    """Correct the date a deadline counts from (e.g. a mistyped notice date); the due date follows."""
    ob = await _obligation(ctx, obligation_id, "obligation.correct", version)
    if ob.status not in ACTIVE:
        raise InvalidTransition(
            "Obligation", ob.status, "be corrected", f"该事项已{ob.status.label}，不能更正"
        )
    require_not_future(trigger_date, ctx.today(), "triggerDate", "起算日期")
    why = require_text(reason, "reason", "更正理由")
    calendar = await ctx.calendar()
    due, error = compute_due(calendar, DueRule.from_dict(ob.due_rule), trigger_date)
    before = snapshot(ob)
    ob.trigger_date = trigger_date
    ob.due_date, ob.due_error = due, error
    ob.calendar_version = calendar.version
    ob.due_overridden = False
    ob.note = why
    if ob.status == ObligationStatus.OVERDUE and due is not None and due >= ctx.today():
        ob.status = ObligationStatus.OPEN
    await audit(ctx, "obligation.correct", ob, before)
    await _sync_effort_due(ctx, ob)
    return ob


async def pause_obligation(
    ctx: ServiceContext, obligation_id: int, *, since: dt.date, reason: str, version: int | None = None
) -> Obligation:
    """Suspend a deadline that its rule allows to be extended (e.g. while an agreed suspension runs)."""
    ob = await _obligation(ctx, obligation_id, "obligation.pause", version)
    await _require_extendable(ctx, ob, "暂停")
    if ob.status not in (ObligationStatus.OPEN, ObligationStatus.OVERDUE):
        raise InvalidTransition("Obligation", ob.status, "be paused", f"该事项已{ob.status.label}，不能暂停")
    require_not_future(since, ctx.today(), "since", "暂停日期")
    require_not_before(since, ob.trigger_date, "since", "暂停日期", "起算日期")
    why = require_text(reason, "reason", "暂停理由")
    before = snapshot(ob)
    ob.status = ObligationStatus.PAUSED
    ob.paused_since = since
    ob.note = why
    await audit(ctx, "obligation.pause", ob, before)
    ctx.changed("obligations", ob.id, ob.jurisdiction_id)
    return ob


async def resume_obligation(
    ctx: ServiceContext, obligation_id: int, *, on: dt.date, version: int | None = None
) -> Obligation:
    """Resume a paused deadline; the days it was paused are added to its due date."""
    ob = await _obligation(ctx, obligation_id, "obligation.pause", version)
    if ob.status != ObligationStatus.PAUSED or ob.paused_since is None:
        raise InvalidTransition("Obligation", ob.status, "be resumed", "该事项未处于暂停状态")
    require_not_future(on, ctx.today(), "on", "恢复日期")
    require_not_before(on, ob.paused_since, "on", "恢复日期", "暂停日期")
    before = snapshot(ob)
    if ob.due_date is not None:
        ob.due_date = ob.due_date + (on - ob.paused_since)
        ob.due_overridden = True
    ob.paused_since = None
    ob.status = (
        ObligationStatus.OVERDUE
        if ob.due_date is not None and ob.due_date < ctx.today()
        else ObligationStatus.OPEN
    )
    await audit(ctx, "obligation.resume", ob, before)
    ctx.changed("obligations", ob.id, ob.jurisdiction_id)
    await _sync_effort_due(ctx, ob)
    return ob


async def extend_obligation(
    ctx: ServiceContext,
    obligation_id: int,
    *,
    new_due_date: dt.date,
    reason: str,
    applicant_consent: bool = False,
    centre_consent: bool = False,
    court_informed: bool = False,
    version: int | None = None,
) -> Obligation:
    """Extend a deadline within its rule's extension policy (resolution efforts keep their own record)."""
    ob = await _obligation(ctx, obligation_id, "obligation.extend", version)
    if ob.subject_type == "resolution_effort":
        from core.disputes.service import extend_resolution

        await extend_resolution(
            ctx,
            ob.subject_id,
            new_due_date=new_due_date,
            reason=reason,
            applicant_consent=applicant_consent,
            centre_consent=centre_consent,
            court_informed=court_informed,
        )
        # The engine moved this same (identity-mapped) obligation's due date.
        return ob
    policy = await _require_extendable(ctx, ob, "延期")
    if ob.status not in (ObligationStatus.OPEN, ObligationStatus.OVERDUE):
        raise InvalidTransition(
            "Obligation", ob.status, "be extended", f"该事项已{ob.status.label}，不能延期"
        )
    check_extension(
        policy,
        await ctx.calendar(),
        used=ob.extensions_used,
        current_due=ob.due_date,
        new_due=new_due_date,
        applicant_consent=applicant_consent,
        centre_consent=centre_consent,
        court_informed=court_informed,
    )
    before = snapshot(ob)
    why = require_text(reason, "reason", "延期理由")
    ob.note = why
    ob.due_date = new_due_date
    ob.due_overridden = True
    ob.extensions_used += 1
    ob.status = ObligationStatus.OPEN
    await audit(ctx, "obligation.extend", ob, before)
    ctx.changed("obligations", ob.id, ob.jurisdiction_id)
    await _sync_effort_due(ctx, ob)
    return ob


async def _require_extendable(ctx: ServiceContext, ob: Obligation, verb_zh: str) -> ExtensionPolicy:
    policy = await ctx.policy(ob.jurisdiction_id)
    rule = policy.deadline_rule(ob.rule_id)
    if rule is None or rule.extension is None:
        raise ValidationFailed(
            "id",
            f"规则“{ob.title}”不允许{verb_zh}",
            f"rule {ob.rule_id} allows no extension",
            "not_extendable",
        )
    return rule.extension
