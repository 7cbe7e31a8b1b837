"""What each letter says, filled from its record: the six letters the county rules require.

Each builder reads one record (a resolution effort, a lost case, an overdue obligation) and returns
a :class:`Letter`: title, addressee, text and signature, plain data frozen as JSON when issued and
rendered to a GB/T 9704 page by :mod:`core.documents.render`. Which clause requires each letter is in
docs/documents.md. Letters name people, units, courts, case numbers (案号) and dates only: never a
rule id, a plugin code, a dispute's internal number or a file name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from core.cases.models import Hearing, LitigationCase, Outcome, PostJudgmentDuty, ReconsiderationCase
from core.clock import CHINA
from core.common import get_visible, optional_text, require_text
from core.context import ServiceContext
from core.disputes.models import Dispute, ResolutionEffort
from core.documents.gbt9704 import date_zh
from core.documents.numbers import issuing_authority
from core.enums import (
    DocumentKind,
    DutyKind,
    DutyStatus,
    LossCause,
    ObligationStatus,
    OfficialRank,
    ResolutionStatus,
)
from core.errors import InvalidTransition, ValidationFailed
from core.obligations.models import Obligation
from core.org.models import Jurisdiction, Official, Unit

# The record each kind is issued from (its subject type, as obligations and attachments name it).
SUBJECT_OF: dict[DocumentKind, str] = {
    DocumentKind.RELIEF_NOTICE: "resolution_effort",
    DocumentKind.COORDINATION_FEEDBACK: "resolution_effort",
    DocumentKind.LOSS_ANALYSIS: "litigation_case",
    DocumentKind.REMINDER_LETTER: "obligation",
    DocumentKind.INTERVIEW_NOTICE: "obligation",
    DocumentKind.CIRCULAR: "obligation",
}


@dataclass(frozen=True)
class Section:
    """A numbered part of a letter (一、…), or unheaded paragraphs when ``heading`` is empty."""

    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Letter:
    """Everything a letter shows, as issued (stored as JSON with the frozen Word file)."""

    kind: str
    title: str
    authority: str
    addressee: str
    sections: tuple[Section, ...]
    issued_on: dt.date
    number: str = ""
    # 信函 (letters between offices) have no "…文件" masthead; 通报 and 提醒函 from the bureau neither.
    copy_to: tuple[str, ...] = ()
    printed_by: str = ""

    def text(self) -> str:
        """The whole letter as plain text (what the frozen file says, for search and checks)."""
        lines = [self.authority, self.number, self.title, self.addressee]
        for s in self.sections:
            if s.heading:
                lines.append(s.heading)
            lines.extend(s.paragraphs)
        lines += [self.authority, date_zh(self.issued_on)]
        if self.copy_to:
            lines.append("抄送：" + "，".join(self.copy_to) + "。")
        if self.printed_by:
            lines.append(f"{self.printed_by} {date_zh(self.issued_on)}印发")
        return "\n".join(line for line in lines if line)


def letter_from_json(data: dict[str, Any]) -> Letter:
    """A frozen letter back from its stored JSON."""
    sections = tuple(Section(s["heading"], tuple(s["paragraphs"])) for s in data["sections"])
    return Letter(
        kind=data["kind"],
        title=data["title"],
        authority=data["authority"],
        addressee=data["addressee"],
        sections=sections,
        issued_on=dt.date.fromisoformat(data["issued_on"]),
        number=data.get("number", ""),
        copy_to=tuple(data.get("copy_to", ())),
        printed_by=data.get("printed_by", ""),
    )


def letter_text(data: dict[str, Any]) -> str:
    return letter_from_json(data).text()


@dataclass(frozen=True)
class LetterInput:
    """What the record does not hold and the issuer supplies (each optional unless the kind needs it)."""

    court: str | None = None
    process: str | None = None
    claims: str | None = None
    point_in_dispute: str | None = None
    failure_reason: str | None = None
    causes: Sequence[LossCause] = field(default_factory=tuple)
    cause_detail: str | None = None
    responsibility: str | None = None
    rectification: str | None = None
    interview_at: dt.datetime | None = None
    place: str | None = None
    convener: str | None = None
    reply_by: dt.date | None = None


_NUMERALS = "一二三四五六七八九十"


def _numbered(parts: Sequence[tuple[str, Sequence[str]]]) -> tuple[Section, ...]:
    return tuple(
        Section(f"{_NUMERALS[i]}、{heading}", tuple(p for p in paragraphs if p))
        for i, (heading, paragraphs) in enumerate(parts)
    )


def _time_zh(moment: dt.datetime) -> str:
    local = moment.astimezone(CHINA) if moment.tzinfo else moment
    minutes = f"{local.minute}分" if local.minute else ""
    return f"{date_zh(local.date())}{local.hour}时{minutes}"


async def _jurisdiction(ctx: ServiceContext, jurisdiction_id: int) -> Jurisdiction:
    j = await ctx.session.get(Jurisdiction, jurisdiction_id)
    assert j is not None  # every record belongs to a jurisdiction
    return j


async def _unit_name(ctx: ServiceContext, unit_id: int | None) -> str:
    unit = await ctx.session.get(Unit, unit_id) if unit_id is not None else None
    return unit.name if unit is not None else ""


# ---------------------------------------------------------------------------------------------
# 纾解告知书 and 委托协调化解反馈函: from a resolution effort
# ---------------------------------------------------------------------------------------------


async def relief_notice(ctx: ServiceContext, effort: ResolutionEffort, given: LetterInput) -> Letter:
    """纾解告知书: delivered to the applicant when the unit accepts the assigned dispute."""
    dispute = await ctx.session.get(Dispute, effort.dispute_id)
    assert dispute is not None
    unit = await _unit_name(ctx, effort.unit_id)
    accepted = effort.accepted_date or ctx.today()
    period = (
        f"本争议的纾解期限至{date_zh(effort.due_date)}届满。"
        if effort.due_date is not None
        else "本争议的纾解期限按规定自受理之日起计算。"
    )
    sections = _numbered(
        [
            (
                "纾解期限",
                [period + "争议较为复杂的，经你方同意，可以依规定延长纾解期限，延长情况将另行告知。"],
            ),
            (
                "你方的权利",
                [
                    "纾解遵循自愿、合法原则。你方可以陈述意见、提交证据材料，可以申请召开纾解听证；"
                    "经纾解达成协议的，双方可以依法共同向有管辖权的人民法院申请司法确认。",
                    "纾解不影响你方依法申请行政复议或者提起行政诉讼的权利，"
                    "请注意申请行政复议、提起行政诉讼的法定期限。",
                ],
            ),
            ("承办单位", [f"本争议由{unit}承办。如有疑问，请与承办单位联系。"]),
        ]
    )
    opening = Section(
        "",
        (
            f"你方与{unit}之间关于“{dispute.title}”的行政争议，经分流指派由本单位开展纾解工作，"
            f"本单位已于{date_zh(accepted)}受理。现将有关事项告知如下：",
        ),
    )
    return Letter(
        kind=DocumentKind.RELIEF_NOTICE.value,
        title="行政争议纾解告知书",
        authority=unit,
        addressee=f"{dispute.applicant_name}：",
        sections=(opening, *sections),
        issued_on=ctx.today(),
    )


async def coordination_feedback(ctx: ServiceContext, effort: ResolutionEffort, given: LetterInput) -> Letter:
    """委托协调化解反馈函: the result of a court-entrusted effort, in writing, copied to the justice bureau.

    A failed effort's letter states the process, both sides' claims, the point in dispute and why it
    failed (Wuping 001, 一、（一）); each comes from the effort's conclusion unless given here.
    """
    if effort.status not in (ResolutionStatus.SUCCEEDED, ResolutionStatus.FAILED):
        raise InvalidTransition(
            "ResolutionEffort",
            effort.status,
            "be reported to the court before it ends",
            "协调化解尚未结束，反馈函须载明化解结果",
        )
    dispute = await ctx.session.get(Dispute, effort.dispute_id)
    assert dispute is not None
    case = (
        await ctx.session.get(LitigationCase, effort.litigation_case_id)
        if effort.litigation_case_id is not None
        else None
    )
    court = optional_text(given.court, "court", "人民法院名称", max_len=120) or (
        case.court if case is not None else ""
    )
    if not court:
        raise ValidationFailed(
            "court", "请填写受函的人民法院", "court is required when the effort has no lawsuit", "required"
        )
    unit = await _unit_name(ctx, effort.unit_id)
    j = await _jurisdiction(ctx, effort.jurisdiction_id)
    case_zh = f"{case.case_number}案件中" if case is not None else ""
    opening = (
        f"贵院{case_zh}委托本单位协调化解的{dispute.applicant_name}与{unit}“{dispute.title}”行政争议，"
        f"本单位于{date_zh(effort.assigned_date)}收到《委托协调化解函》后即开展协调化解工作。现将结果函告如下："
    )
    concluded = date_zh(effort.concluded_date) if effort.concluded_date else date_zh(ctx.today())
    if effort.status == ResolutionStatus.SUCCEEDED:
        result = effort.result.label if effort.result is not None else "化解"
        sections: tuple[Section, ...] = (
            Section("", (opening,)),
            Section("", (f"经协调，双方已于{concluded}{result}，争议已化解。特此函告，请贵院依法处理。",)),
        )
    else:
        parts = [
            ("协调化解过程", given.process, effort.failure_process, "process", "协调化解过程"),
            ("双方诉求", given.claims, effort.claims_summary, "claims", "双方诉求"),
            ("争议焦点", given.point_in_dispute, effort.point_in_dispute, "pointInDispute", "争议焦点"),
            (
                "无法协调化解的原因",
                given.failure_reason,
                effort.failure_reason,
                "failureReason",
                "无法协调化解的原因",
            ),
        ]
        filled = []
        for heading, supplied, recorded, name, label in parts:
            text = optional_text(supplied, name, label) or (recorded or "").strip()
            if not text:
                raise ValidationFailed(
                    name,
                    f"化解失败的反馈函须写明{label}：化解记录中没有，请填写",
                    f"{name} is required: a failed effort's letter states it and the effort has none",
                    "required",
                )
            filled.append((heading, [text]))
        sections = (
            Section("", (opening, f"经协调，本争议未能化解（{concluded}终结）。具体情况如下：")),
            *_numbered(filled),
            Section("", ("本案请贵院依法处理。特此函告。",)),
        )
    return Letter(
        kind=DocumentKind.COORDINATION_FEEDBACK.value,
        title="委托协调化解反馈函",
        authority=unit,
        addressee=f"{court}：",
        sections=sections,
        issued_on=ctx.today(),
        copy_to=(issuing_authority(j),),
    )


# ---------------------------------------------------------------------------------------------
# 行政案件败诉原因分析报告: from a lost case
# ---------------------------------------------------------------------------------------------


async def loss_analysis(ctx: ServiceContext, case: LitigationCase, given: LetterInput) -> Letter:
    """败诉原因分析报告: the case, the judgment, the cause by category, responsibility and rectification."""
    outcome = await ctx.session.scalar(select(Outcome).where(Outcome.case_id == case.id))
    if outcome is None or not outcome.is_loss:
        raise InvalidTransition(
            "LitigationCase",
            case.status,
            "be analysed as a loss",
            "该案件未登记败诉的裁判结果，无需败诉原因分析报告",
        )
    if not given.causes:
        raise ValidationFailed(
            "causes", "请选择至少一项败诉原因类别", "causes must name at least one", "required"
        )
    detail = require_text(given.cause_detail, "causeDetail", "败诉原因分析")
    responsibility = require_text(given.responsibility, "responsibility", "责任分析")
    rectification = optional_text(given.rectification, "rectification", "整改措施", max_len=5000)
    if rectification is None:
        # The rectification measures the unit already filed on the case, when there are some.
        filed = await ctx.session.scalar(
            select(PostJudgmentDuty.content).where(
                PostJudgmentDuty.case_id == case.id,
                PostJudgmentDuty.kind == DutyKind.RECTIFICATION,
                PostJudgmentDuty.status != DutyStatus.PENDING,
            )
        )
        rectification = (filed or "").strip() or None
    if rectification is None:
        raise ValidationFailed(
            "rectification", "请填写整改措施", "rectification is required (none was filed)", "required"
        )
    dispute = await ctx.session.get(Dispute, case.dispute_id)
    assert dispute is not None
    unit = await _unit_name(ctx, case.unit_id)
    j = await _jurisdiction(ctx, case.jurisdiction_id)
    causes = "、".join(dict.fromkeys(c.label for c in given.causes))
    facts = (
        f"原告{case.plaintiff_name}诉{unit}“{dispute.title}”一案，{case.court}于{date_zh(case.filed_date)}立案"
        f"，案号{case.case_number}，{case.instance.label}。"
    )
    if dispute.summary.strip():
        facts += dispute.summary.strip()
    judgment = (
        f"{case.court}于{date_zh(outcome.decided_date)}作出裁判：{outcome.kind.label}。"
        f"本单位于{date_zh(outcome.received_date)}收到裁判文书。"
    )
    if (outcome.summary or "").strip():
        judgment += (outcome.summary or "").strip()
    sections = _numbered(
        [
            ("基本案情", [facts]),
            ("裁判结果", [judgment]),
            ("败诉原因", [f"经分析，本案败诉的原因属于：{causes}。", detail]),
            ("责任分析", [responsibility]),
            ("整改措施", [rectification]),
        ]
    )
    return Letter(
        kind=DocumentKind.LOSS_ANALYSIS.value,
        title="行政案件败诉原因分析报告",
        authority=unit,
        addressee=f"{issuing_authority(j)}：",
        sections=(Section("", (f"现将{case.case_number}行政案件败诉原因分析报告如下：",)), *sections),
        issued_on=ctx.today(),
    )


# ---------------------------------------------------------------------------------------------
# 工作提醒函, 约谈通知书, 通报: from an obligation of a unit
# ---------------------------------------------------------------------------------------------


async def describe_subject(ctx: ServiceContext, subject_type: str, subject_id: int) -> str:
    """The record an obligation is about, as a reader names it (title, 案号, hearing day)."""
    if subject_type == "dispute":
        d = await ctx.session.get(Dispute, subject_id)
        return f"“{d.title}”行政争议" if d else "行政争议"
    if subject_type == "resolution_effort":
        e = await ctx.session.get(ResolutionEffort, subject_id)
        d = await ctx.session.get(Dispute, e.dispute_id) if e else None
        return f"“{d.title}”行政争议的化解工作" if d else "行政争议化解工作"
    if subject_type == "litigation_case":
        c = await ctx.session.get(LitigationCase, subject_id)
        return f"{c.case_number}行政诉讼案件" if c else "行政诉讼案件"
    if subject_type == "hearing":
        h = await ctx.session.get(Hearing, subject_id)
        c = await ctx.session.get(LitigationCase, h.case_id) if h else None
        if h and c:
            return f"{c.case_number}行政诉讼案件{date_zh(h.scheduled_at.astimezone(CHINA).date())}的庭审"
        return "行政诉讼案件的庭审"
    if subject_type == "reconsideration_case":
        r = await ctx.session.get(ReconsiderationCase, subject_id)
        return f"{r.case_number}行政复议案件" if r else "行政复议案件"
    return "本单位"


async def _obligation_facts(ctx: ServiceContext, ob: Obligation) -> tuple[str, str, str]:
    """The unit, the facts of the duty (what, when due, how late) and its basis."""
    if ob.unit_id is None:
        raise ValidationFailed(
            "recordId",
            "该事项由县司法局或县领导负责，不是单位的事项，不能据此向单位发文",
            "the obligation has no responsible unit",
            "not_a_unit_duty",
        )
    unit = await _unit_name(ctx, ob.unit_id)
    what = await describe_subject(ctx, ob.subject_type, ob.subject_id)
    today = ctx.today()
    if ob.due_date is None:
        when = ""
    elif ob.status == ObligationStatus.MET_LATE and ob.met_date is not None:
        late = (ob.met_date - ob.due_date).days
        when = f"应于{date_zh(ob.due_date)}前完成，至{date_zh(ob.met_date)}方才完成，逾期{late}日"
    elif ob.due_date < today:
        late = (today - ob.due_date).days
        when = f"应于{date_zh(ob.due_date)}前完成，截至{date_zh(today)}仍未完成，已逾期{late}日"
    else:
        when = f"应于{date_zh(ob.due_date)}前完成，截至{date_zh(today)}尚未完成"
    facts = (
        f"你单位承办的{what}，“{ob.title}”事项{when}。"
        if when
        else f"你单位承办的{what}，“{ob.title}”事项尚未完成。"
    )
    basis = f"依据{ob.citation}" if ob.citation.strip() else ""
    return unit, facts, basis


def _require_late(ob: Obligation, kind: DocumentKind) -> None:
    if ob.status not in (ObligationStatus.OVERDUE, ObligationStatus.MET_LATE):
        raise InvalidTransition(
            "Obligation",
            ob.status,
            f"be the subject of a {kind.value}",
            f"该事项未逾期，不能据此签发{kind.label}",
        )


async def reminder_letter(ctx: ServiceContext, ob: Obligation, given: LetterInput) -> Letter:
    """工作提醒函: the bureau reminds a unit of a duty still open or overdue."""
    if ob.status not in (ObligationStatus.OPEN, ObligationStatus.OVERDUE, ObligationStatus.PAUSED):
        raise InvalidTransition("Obligation", ob.status, "be reminded of", "该事项已办结，无需提醒")
    if given.reply_by is not None and given.reply_by < ctx.today():
        raise ValidationFailed("replyBy", "回复期限不能早于今天", "replyBy is in the past", "past_date")
    j = await _jurisdiction(ctx, ob.jurisdiction_id)
    authority = issuing_authority(j)
    unit, facts, basis = await _obligation_facts(ctx, ob)
    reply = (
        f"请你单位高度重视，于{date_zh(given.reply_by)}前办结，并将办理情况书面报送{authority}。"
        if given.reply_by is not None
        else f"请你单位高度重视，抓紧办结，并将办理情况及时书面报送{authority}。"
    )
    basis_zh = f"{basis}，现予提醒。" if basis else "现予提醒。"
    return Letter(
        kind=DocumentKind.REMINDER_LETTER.value,
        title="工作提醒函",
        authority=authority,
        addressee=f"{unit}：",
        sections=(Section("", (facts, basis_zh, reply, "特此函告。")),),
        issued_on=ctx.today(),
    )


async def interview_notice(ctx: ServiceContext, ob: Obligation, given: LetterInput) -> Letter:
    """约谈通知书: the unit's principal head is summoned over an overdue duty."""
    _require_late(ob, DocumentKind.INTERVIEW_NOTICE)
    if given.interview_at is None:
        raise ValidationFailed("interviewAt", "请填写约谈时间", "interviewAt is required", "required")
    if given.interview_at.astimezone(CHINA).date() < ctx.today():
        raise ValidationFailed(
            "interviewAt", "约谈时间不能早于今天", "interviewAt is in the past", "past_date"
        )
    place = require_text(given.place, "place", "约谈地点", max_len=200)
    j = await _jurisdiction(ctx, ob.jurisdiction_id)
    authority = issuing_authority(j)
    convener = optional_text(given.convener, "convener", "约谈人", max_len=120) or authority
    unit, facts, basis = await _obligation_facts(ctx, ob)
    head = await ctx.session.scalar(
        select(Official.name).where(
            Official.unit_id == ob.unit_id, Official.rank == OfficialRank.PRINCIPAL_HEAD, Official.active
        )
    )
    addressee = f"{unit}主要负责人{head}同志：" if head else f"{unit}主要负责人："
    because = f"{basis}，" if basis else ""
    return Letter(
        kind=DocumentKind.INTERVIEW_NOTICE.value,
        title="约谈通知书",
        authority=authority,
        addressee=addressee,
        sections=(
            Section(
                "",
                (
                    facts,
                    f"{because}定于{_time_zh(given.interview_at)}在{place}，由{convener}对你单位主要负责人进行约谈。",
                    "请准时参加，并就事项未按期办理的原因、责任和整改措施作出书面说明，约谈时一并提交。",
                    "特此通知。",
                ),
            ),
        ),
        issued_on=ctx.today(),
    )


async def circular(ctx: ServiceContext, ob: Obligation, given: LetterInput) -> Letter:
    """通报: a unit's overdue duty made known to all units, with what it must now do."""
    _require_late(ob, DocumentKind.CIRCULAR)
    j = await _jurisdiction(ctx, ob.jurisdiction_id)
    authority = issuing_authority(j)
    unit, facts, basis = await _obligation_facts(ctx, ob)
    facts = facts.replace("你单位承办的", f"{unit}承办的", 1)
    measures = optional_text(given.rectification, "rectification", "整改要求") or (
        f"请{unit}认真查找原因，立即整改，并将整改情况书面报送{authority}。"
    )
    basis_zh = f"{basis}，现予通报。" if basis else "现予通报。"
    return Letter(
        kind=DocumentKind.CIRCULAR.value,
        title=f"关于{unit}逾期未办结“{ob.title}”的通报",
        authority=authority,
        addressee="各有关单位：",
        sections=(
            Section("", (facts, basis_zh)),
            Section("", (measures, "各单位要引以为戒，严格按照规定时限办理有关事项。")),
        ),
        issued_on=ctx.today(),
        copy_to=(unit,),
        printed_by=f"{authority}办公室",
    )


BUILDERS = {
    DocumentKind.RELIEF_NOTICE: relief_notice,
    DocumentKind.COORDINATION_FEEDBACK: coordination_feedback,
    DocumentKind.LOSS_ANALYSIS: loss_analysis,
    DocumentKind.REMINDER_LETTER: reminder_letter,
    DocumentKind.INTERVIEW_NOTICE: interview_notice,
    DocumentKind.CIRCULAR: circular,
}

MODELS: dict[str, tuple[type, str]] = {
    "resolution_effort": (ResolutionEffort, "化解工作"),
    "litigation_case": (LitigationCase, "诉讼案件"),
    "obligation": (Obligation, "期限事项"),
}


async def record_of(ctx: ServiceContext, kind: DocumentKind, record_id: int) -> object:
    """The record a letter of ``kind`` is issued from, if the principal may read it (else NotFound)."""
    model, label = MODELS[SUBJECT_OF[kind]]
    return await get_visible(ctx, model, record_id, label, "recordId")


async def build(ctx: ServiceContext, kind: DocumentKind, record: object, given: LetterInput) -> Letter:
    """The letter of ``kind`` from ``record`` (its number is taken when it is issued)."""
    return await BUILDERS[kind](ctx, record, given)  # type: ignore[operator]
