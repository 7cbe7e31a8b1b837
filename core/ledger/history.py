"""What a ledger records beyond the dispute: a litigation case's hearing, head appearance, outcome
and effective date, and a reconsideration's receipt, acceptance or refusal and decision, written
through the same case services as the desk so duties, events and audit are right.

The official who appeared must be on the respondent unit's roll. Ledgers of past years name people
who were never registered; with their post (出庭负责人职务) the import registers them, with the rank
the post implies (:func:`rank_for_post`), and says so in the row's report — never silently, and never
for a post whose rank cannot be told (that row is refused, naming the post).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from core.cases.models import Hearing, LitigationCase, Outcome, ReconsiderationCase
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
from core.enums import OfficialRank, OutcomeKind, ReconsiderationDecision, ReconsiderationStatus
from core.errors import ValidationFailed
from core.org.models import Official
from core.org.service import create_official

# Posts read from the end of the title (the office's own word), most specific first. County and
# prefecture leaders first: 副县长 is a county leader in charge, not a deputy head of a unit.
_LEADER_POSTS = (
    (("副县长", "副州长", "副市长", "副区长", "副旗长"), OfficialRank.COUNTY_LEADER_IN_CHARGE),
    (("县长", "州长", "市长", "区长", "旗长", "县委书记", "州委书记"), OfficialRank.COUNTY_PRINCIPAL_LEADER),
)
_STAFF_POSTS = ("科长", "股长", "科员", "办事员", "工作人员", "干部", "职员", "律师", "法律顾问", "联络员")
_HEAD_POSTS = (
    "局长",
    "主任",
    "书记",
    "镇长",
    "乡长",
    "院长",
    "所长",
    "站长",
    "队长",
    "社长",
    "行长",
    "经理",
    "主席",
    "部长",
    "处长",
    "负责人",
)


def rank_for_post(post: str) -> OfficialRank | None:
    """The rank a post on a ledger implies (局长 → 主要负责人, 副局长 or 分管… → 分管负责人, 副县长 →
    分管县领导, 科长 → 工作人员), or ``None`` when it cannot be told."""
    text = post.strip().replace(" ", "")
    for words, rank in _LEADER_POSTS:
        if any(text.endswith(w) for w in words):
            return rank
    if "办公室" in text and not text.startswith(("县政府办公室", "县人民政府办公室")):
        return None  # 办公室主任 heads a unit's office, or a whole 办公室 unit: it cannot be told
    if any(text.endswith(w) for w in _STAFF_POSTS):
        return OfficialRank.STAFF
    if any(text.endswith(w) for w in _HEAD_POSTS):
        deputy = "副" in text or "分管" in text or text.endswith("党组成员")
        return OfficialRank.DEPUTY_HEAD if deputy else OfficialRank.PRINCIPAL_HEAD
    if text.endswith("党组成员") or text.endswith("党委委员"):
        return OfficialRank.DEPUTY_HEAD
    return None


async def _official_for(
    ctx: ServiceContext, case: LitigationCase, name: str, post: str | None, notes: list[str]
) -> int:
    official_id = await ctx.session.scalar(
        select(Official.id).where(Official.unit_id == case.unit_id, Official.name == name)
    )
    if official_id is not None:
        return official_id
    if not post:
        raise ValidationFailed(
            "attendingOfficialId",
            f"被告单位没有名为“{name}”的在册人员：请先在“系统管理”中登记，"
            "或在台账中增加“出庭负责人职务”列（如 局长、副局长）以便导入时登记",
            f"no official named {name!r} in the respondent unit: register them first, or add a "
            "出庭负责人职务 (post) column so the import can register them",
            "not_found",
        )
    rank = rank_for_post(post)
    if rank is None:
        raise ValidationFailed(
            "rank",
            f"无法从职务“{post}”判断人员类别：请写明如 局长、副局长、主任、副县长、科长，"
            "或先在“系统管理”中登记该人员",
            f"cannot tell the rank from the post {post!r}: write e.g. 局长, 副局长, 副县长, 科长, "
            "or register the official first",
        )
    official = await create_official(ctx, case.unit_id, name=name, rank=rank, title=post.strip())
    await ctx.session.flush()
    notes.append(f"新登记出庭人员：{name}（{post.strip()}，{rank.label}）")
    return official.id


async def write_history(ctx: ServiceContext, case: LitigationCase, row: Mapping[str, Any]) -> list[str]:
    """The hearing, outcome and effective date a ledger records, through the same services as the
    desk; returns notes for the row's report (an official registered from the ledger)."""
    notes: list[str] = []
    hearing_day: dt.date | None = row.get("hearing_date")
    head_name: str | None = row.get("head_official")
    if hearing_day is not None:
        at = dt.datetime.combine(hearing_day, dt.time(9, 0), tzinfo=CHINA)
        hearing = await schedule_hearing(ctx, case.id, scheduled_at=at)
        # 负责人是否出庭 when the ledger says it (否 with a name: someone else appeared), else a name
        # under 出庭负责人 means the head appeared.
        appeared: bool | None = row.get("head_appeared")
        attended = appeared if appeared is not None else bool(head_name)
        official_id = None
        if attended:
            if not head_name:
                raise ValidationFailed(
                    "attendingOfficialId", "负责人出庭时请填写出庭负责人姓名", "who attended?", "required"
                )
            official_id = await _official_for(ctx, case, head_name, row.get("head_post"), notes)
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
    return notes


HEARING_KEYS = ("hearing_date", "head_official", "head_post", "head_appeared")


async def update_case_history(
    ctx: ServiceContext, case: LitigationCase, row: Mapping[str, Any]
) -> tuple[list[str], list[str]]:
    """What a later version of a county's own ledger adds to a case already recorded (same 案号):
    the hearing, outcome and effective date not recorded yet, through the same services. Returns
    the labels of what changed and the report's notes. An outcome that differs from the recorded
    one is refused (corrected in the system, where it is audited), never overwritten."""
    outcome = await ctx.session.scalar(select(Outcome).where(Outcome.case_id == case.id))
    kind_value: str | None = row.get("outcome")
    if outcome is not None and kind_value is not None and outcome.kind.value != kind_value:
        raise ValidationFailed(
            "kind",
            f"案号{case.case_number}在系统中的审理结果为“{outcome.kind.label}”，台账为"
            f"“{OutcomeKind(kind_value).label}”：如需更正，请在系统中修改该案结果（留痕）",
            f"case {case.case_number}: the recorded outcome is {outcome.kind.value}, the ledger says "
            f"{kind_value}; correct it in the system",
            "conflict",
        )
    hearings = await ctx.session.scalar(select(func.count(Hearing.id)).where(Hearing.case_id == case.id))
    new = {k: v for k, v in row.items() if k not in HEARING_KEYS or not hearings}
    changed: list[str] = []
    if new.get("hearing_date") is not None:
        changed.append("庭审")
    if outcome is not None:
        new.pop("outcome", None)
        effective: dt.date | None = new.pop("effective_date", None)
        if effective is not None and case.effective_date is None:
            await mark_effective(ctx, case.id, effective_date=effective)
            changed.append("生效日期")
    elif new.get("outcome") is not None:
        changed.append("审理结果")
        if new.get("effective_date") is not None:
            changed.append("生效日期")
    else:
        new.pop("effective_date", None)
    notes = await write_history(ctx, case, new) if changed else []
    return changed, notes


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


async def update_reconsideration(
    ctx: ServiceContext, recon: ReconsiderationCase, row: Mapping[str, Any]
) -> tuple[list[str], list[str]]:
    """What a later version of a reconsideration ledger adds to a recorded case (same 复议案号):
    acceptance or refusal, then the decision, when not recorded yet. A decision that differs from
    the recorded one is refused, never overwritten. Returns what changed and (no) notes."""
    decision = row.get("recon_decision")
    if recon.decision is not None and decision is not None and recon.decision.value != decision.value:
        raise ValidationFailed(
            "decision",
            f"复议案号{recon.case_number}在系统中的复议决定为“{recon.decision.label}”，台账为"
            f"“{decision.label}”：如需更正，请在系统中修改（留痕）",
            f"reconsideration {recon.case_number}: recorded decision {recon.decision.value}, the "
            f"ledger says {decision.value}",
            "conflict",
        )
    changed: list[str] = []
    rejected: dt.date | None = row.get("recon_rejected_date")
    accepted: dt.date | None = row.get("recon_accepted_date")
    if recon.status == ReconsiderationStatus.RECEIVED:
        if rejected is not None:
            await reject_reconsideration(ctx, recon.id, rejected_date=rejected, reason="台账记载：不予受理")
            return ["不予受理"], []
        if accepted is not None:
            await accept_reconsideration(ctx, recon.id, accepted_date=accepted)
            changed.append("受理")
    if decision is not None and recon.decision is None:
        if recon.status != ReconsiderationStatus.ACCEPTED:
            raise ValidationFailed(
                "acceptedDate", "填写复议决定时须填写受理日期", "a decision needs acceptance", "required"
            )
        concluded: dt.date | None = row.get("recon_concluded_date")
        if concluded is None:
            raise ValidationFailed(
                "concludedDate", "填写复议决定时须填写复议决定日期", "a decision needs its date", "required"
            )
        await conclude_reconsideration(
            ctx, recon.id, decision=ReconsiderationDecision(decision.value), concluded_date=concluded
        )
        changed.append("复议决定")
    return changed, []
