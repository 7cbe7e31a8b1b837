"""What a litigation ledger records after filing (hearing, head appearance, outcome, effective
date), written through the same case services as the desk so duties, events and audit are right."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from core.cases.models import LitigationCase
from core.cases.service import mark_effective, record_hearing, record_outcome, schedule_hearing
from core.clock import CHINA
from core.context import ServiceContext
from core.enums import OutcomeKind
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
