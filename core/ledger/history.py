"""What a ledger records beyond the dispute: a litigation case's hearing, head appearance, outcome
and effective date, and a reconsideration's receipt, acceptance or refusal and decision, written
through the same case services as the desk so duties, events and audit are right."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from core.cases.models import LitigationCase
from core.cases.service import (
    accept_reconsideration,
    conclude_reconsideration,
    mark_effective,
    receive_reconsideration,
    record_hearing,
    record_outcome,
    reject_reconsideration,
    schedule_hearing,
)
from core.clock import CHINA
from core.context import ServiceContext
from core.disputes.models import Dispute
from core.enums import OutcomeKind, ReconsiderationDecision
from core.errors import ValidationFailed
from core.org.models import Official


async def write_history(ctx: ServiceContext, case: LitigationCase, row: Mapping[str, Any]) -> None:
    """The hearing, outcome and effective date a ledger records, through the same services as the desk."""
    hearing_day: dt.date | None = row.get("hearing_date")
    head_name: str | None = row.get("head_official")
    if hearing_day is not None:
        at = dt.datetime.combine(hearing_day, dt.time(9, 0), tzinfo=CHINA)
        hearing = await schedule_hearing(ctx, case.id, scheduled_at=at)
        attended = bool(head_name) or bool(row.get("head_appeared"))
        official_id = None
        if attended:
            if not head_name:
                raise ValidationFailed(
                    "attendingOfficialId", "负责人出庭时请填写出庭负责人姓名", "who attended?", "required"
                )
            official_id = await ctx.session.scalar(
                select(Official.id).where(Official.unit_id == case.unit_id, Official.name == head_name)
            )
            if official_id is None:
                raise ValidationFailed(
                    "attendingOfficialId",
                    f"被告单位没有名为“{head_name}”的在册人员，请先在“系统管理”中登记",
                    "no such official in the respondent unit",
                    "not_found",
                )
        await record_hearing(
            ctx,
            hearing.id,
            held_at=at,
            head_attended=attended,
            attending_official_id=official_id,
            head_spoke=True if attended else None,
            excuse_reason=None if attended else "台账未载明",
        )
    kind_value: str | None = row.get("outcome")
    if kind_value is not None:
        decided: dt.date | None = row.get("concluded_date")
        if decided is None:
            raise ValidationFailed(
                "decidedDate", "填写审理结果时须填写结案日期", "a result needs its date", "required"
            )
        await record_outcome(
            ctx, case.id, kind=OutcomeKind(kind_value), decided_date=decided, received_date=decided
        )
        effective: dt.date | None = row.get("effective_date")
        if effective is not None:
            await mark_effective(ctx, case.id, effective_date=effective)


async def write_reconsideration(
    ctx: ServiceContext, dispute: Dispute, unit_id: int | None, row: Mapping[str, Any]
) -> None:
    """A reconsideration ledger's row: received, then accepted or refused (不予受理), then decided."""
    received: dt.date = row.get("recon_received_date") or dispute.received_date
    recon = await receive_reconsideration(
        ctx, dispute.id, case_number=row["recon_number"], received_date=received, unit_id=unit_id
    )
    rejected: dt.date | None = row.get("recon_rejected_date")
    accepted: dt.date | None = row.get("recon_accepted_date")
    decision = row.get("recon_decision")
    if rejected is not None:
        await reject_reconsideration(ctx, recon.id, rejected_date=rejected, reason="台账记载：不予受理")
        return
    if accepted is None and decision is not None:
        raise ValidationFailed(
            "acceptedDate", "填写复议决定时须填写受理日期", "a decision needs acceptance", "required"
        )
    if accepted is not None:
        await accept_reconsideration(ctx, recon.id, accepted_date=accepted)
    if decision is not None:
        concluded: dt.date | None = row.get("recon_concluded_date")
        if concluded is None:
            raise ValidationFailed(
                "concludedDate", "填写复议决定时须填写复议决定日期", "a decision needs its date", "required"
            )
        await conclude_reconsideration(
            ctx, recon.id, decision=ReconsiderationDecision(decision.value), concluded_date=concluded
        )
