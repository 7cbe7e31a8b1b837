"""The data a policy plugin returns: rules as plain frozen dataclasses.

Everything here is data so that the core can list, explain and test a jurisdiction's policy:
each rule has an ``id`` unique within its plugin, Chinese and English titles, and the
``Citation`` of the clause it encodes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from core.calendar.rules import DueRule
from core.enums import NotificationKind


class EventKind(StrEnum):
    """Events the core emits; rules are attached to them."""

    DISPUTE_RECORDED = "dispute_recorded"
    DISPUTE_UPDATED = "dispute_updated"
    LEADER_ASSIGNED = "leader_assigned"
    DISPUTE_RESOLVED = "dispute_resolved"
    RESOLUTION_ASSIGNED = "resolution_assigned"
    RESOLUTION_ACCEPTED = "resolution_accepted"
    RESOLUTION_PROGRESS_REPORTED = "resolution_progress_reported"
    RESOLUTION_EXTENDED = "resolution_extended"
    RESOLUTION_HEARING_HELD = "resolution_hearing_held"
    RESOLUTION_SUCCEEDED = "resolution_succeeded"
    RESOLUTION_FAILED = "resolution_failed"
    JUDICIAL_CONFIRMATION_REQUESTED = "judicial_confirmation_requested"
    RECONSIDERATION_RECEIVED = "reconsideration_received"
    RECONSIDERATION_ACCEPTED = "reconsideration_accepted"
    RECONSIDERATION_REJECTED = "reconsideration_rejected"
    RECONSIDERATION_CONCLUDED = "reconsideration_concluded"
    # 行政复议法第四十八条: the body sends the application copy; the respondent replies in writing.
    APPLICATION_COPY_SENT = "application_copy_sent"
    WRITTEN_REPLY_SUBMITTED = "written_reply_submitted"
    # 第六十二条: the decision period extended with approval (attribute ``new_due_date``).
    RECONSIDERATION_EXTENDED = "reconsideration_extended"
    CASE_FILED = "case_filed"
    RESPONSE_NOTICE_RECEIVED = "response_notice_received"
    RESPONSE_REPORTED = "response_reported"
    # 行政诉讼法第六十七条: the defendant receives the complaint copy and submits its defence.
    COMPLAINT_COPY_RECEIVED = "complaint_copy_received"
    DEFENCE_SUBMITTED = "defence_submitted"
    HEARING_SCHEDULED = "hearing_scheduled"
    HEARING_HEAD_DESIGNATED = "hearing_head_designated"
    HEARING_IDENTITY_CHECKED = "hearing_identity_checked"
    HEARING_HELD = "hearing_held"
    HEARING_RESCHEDULED = "hearing_rescheduled"
    HEARING_CANCELLED = "hearing_cancelled"
    JUDGMENT_RECEIVED = "judgment_received"
    JUDGMENT_EFFECTIVE = "judgment_effective"
    # 第八十五条: a first-instance judgment or ruling served (attribute ``ruling``), and an appeal
    # filed against it (on the first-instance case; attribute ``appeal_case_id``).
    JUDGMENT_SERVED = "judgment_served"
    APPEAL_FILED = "appeal_filed"
    DUTY_SUBMITTED = "duty_submitted"
    DUTY_REVIEWED = "duty_reviewed"
    CASE_CLOSED = "case_closed"
    # A periodic report (attribute ``report``: e.g. "monthly_screening") for a ``period``.
    REPORT_SUBMITTED = "report_submitted"
    # Periodic events, emitted by the scheduler once per jurisdiction (subject: the jurisdiction).
    # *_START: the period that begins (duties to do within it); *_END: the period just ended
    # (reports about it). The ``period`` attribute names that period.
    WEEK_START = "week_start"
    MONTH_START = "month_start"
    QUARTER_START = "quarter_start"
    HALF_YEAR_START = "half_year_start"
    YEAR_START = "year_start"
    QUARTER_END = "quarter_end"
    HALF_YEAR_END = "half_year_end"
    YEAR_END = "year_end"


class Owner(StrEnum):
    """Who must act on an obligation."""

    UNIT = "unit"  # the respondent / assigned unit
    JUSTICE_BUREAU = "justice_bureau"
    COUNTY_LEADER = "county_leader"
    COURT_LIAISON = "court_liaison"
    LAW_FIRM = "law_firm"  # tracked by the justice bureau on the firm's behalf


class Recipient(StrEnum):
    """Who is told at an escalation step."""

    UNIT = "unit"  # the owning unit's clerks
    UNIT_PRINCIPAL_HEAD = "unit_principal_head"
    JUSTICE_BUREAU = "justice_bureau"
    COUNTY_LEADER_IN_CHARGE = "county_leader_in_charge"
    COUNTY_PRINCIPAL_LEADER = "county_principal_leader"
    PREFECTURE_OFFICE = "prefecture_office"  # e.g. Qiannan's prefecture rule-of-law office


@dataclass(frozen=True)
class SourceDocument:
    """A document a plugin cites, as a reader looks it up: 《title》 and 文号.

    ``key`` is the file the conformance kit checks quotes against; it is internal and never shown.
    ``number`` and ``date`` are None where the document carries none (never invented).
    """

    key: str
    title: str
    issuer: str
    number: str | None = None
    date: dt.date | None = None

    @property
    def reference(self) -> str:
        """《title》（文号）, or just 《title》 when the document has no 文号."""
        return f"《{self.title}》（{self.number}）" if self.number else f"《{self.title}》"


@dataclass(frozen=True)
class Citation:
    """Where a rule comes from: the document and the clause, quoted in Chinese.

    ``source`` is the document's key (the file quotes are checked against); ``document`` is what a
    reader sees. A citation without a document (an administrator's adjustment, the product's own
    default) shows ``source`` as written, which must then itself be Chinese text.
    """

    source: str
    clause: str
    section: str = ""
    document: SourceDocument | None = None

    @property
    def text(self) -> str:
        """The user-facing text: 《title》（文号）section：「clause」."""
        name = self.document.reference if self.document is not None else self.source
        where = f"{name}{self.section}" if self.document is not None else f"{name} {self.section}".strip()
        return f"{where}：「{self.clause}」"

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class EventMatch:
    """An event kind, optionally narrowed by attribute values.

    Every ``when`` entry must hold: the attribute equals the value, or — when the value is a
    ``frozenset`` — is one of its members (e.g. ``{"unit_kind": frozenset({"agency", "township"})}``).
    """

    kind: EventKind
    when: Mapping[str, Any] = field(default_factory=dict)

    def matches(self, event: Event) -> bool:
        return event.kind == self.kind and all(
            _holds(event.attributes.get(k), v) for k, v in self.when.items()
        )


def _holds(actual: Any, expected: Any) -> bool:
    if isinstance(expected, frozenset):
        return actual in expected
    return bool(actual == expected)


@dataclass(frozen=True)
class EscalationStep:
    """After ``after`` (counted from the due date), tell ``recipient`` by ``action``."""

    after: DueRule
    recipient: Recipient
    action: NotificationKind
    note_zh: str = ""


@dataclass(frozen=True)
class EscalationChain:
    id: str
    steps: tuple[EscalationStep, ...]
    citation: Citation | None = None
    title_zh: str = ""


@dataclass(frozen=True)
class ExtensionPolicy:
    """How often, and by how much, a deadline may be extended, and whose consent it needs."""

    max_extensions: int | None  # None: the source states no limit on how often
    max_extension: DueRule | None  # None: nor on how long each extension may be
    requires_applicant_consent: bool = True
    requires_centre_consent: bool = False
    requires_all_parties: bool = False
    inform_court: bool = False
    citation: Citation | None = None


@dataclass(frozen=True)
class DeadlineRule:
    """An event creates an obligation for ``owner`` due by ``due`` counted from the anchor date.

    ``anchor`` names the event attribute holding the date counting starts from (default: the
    event's own date); e.g. ``"hearing_date"`` with ``calendar_days(-7)`` means a week before the
    hearing. ``met_by`` is the event on the same subject that fulfils it. ``recurring`` makes a new
    obligation each period until the subject closes (e.g. weekly progress reports).
    """

    id: str
    trigger: EventMatch
    title_zh: str
    title_en: str
    due: DueRule
    owner: Owner
    citation: Citation
    met_by: tuple[EventMatch, ...] = ()
    anchor: str | None = None
    escalation: str | None = None
    extension: ExtensionPolicy | None = None
    urgent: bool = False
    recurring: DueRule | None = None
    cancelled_by: tuple[EventMatch, ...] = ()
    # Events that undo a met obligation (it is open again, or overdue past its due date), e.g. an
    # identity check that rejects the head whose designation met the duty.
    reopened_by: tuple[EventMatch, ...] = ()
    # The id of a national rule (``plugins.defaults``) this county rule takes the place of. Without
    # it a county rule and the national rule on the same event both apply: a county can make the
    # law's deadline stricter only by saying which one it replaces.
    replaces: str | None = None


@dataclass(frozen=True)
class SubstitutePolicy:
    """Who may stand in for the qualifying head at a hearing, and whose approval that needs.

    An official of one of ``ranks`` (of the sued unit) counts as the head in court once an official
    of one of ``approver_ranks`` approved it (e.g. Wuping: the deputy head in charge, approved by the
    county leader in charge, "经分管县领导同意后可以由分管领导出庭").
    """

    ranks: frozenset[str]
    approver_ranks: frozenset[str]
    title_zh: str
    citation: Citation


@dataclass(frozen=True)
class ReminderRule:
    """A reminder or check before a hearing ("两提两核"): ``days_before`` the hearing date."""

    id: str
    days_before: int
    action: str  # "designate" | "phone" | "identity_check" | "attendance_check"
    title_zh: str
    title_en: str
    citation: Citation
    working_days: bool = False


class Comparator(StrEnum):
    """The Chinese threshold words, read as 《中华人民共和国民法典》第一千二百五十九条 says:
    "以上""以下""以内""届满" include the number; "不满""超过""以外" exclude it."""

    AT_MOST = "<="  # 以下、以内、不超过、不高于 (the number itself counts)
    BELOW = "<"  # 不满、低于 (the number itself does not)
    AT_LEAST = ">="  # 以上、达到、不低于 (the number itself counts)
    ABOVE = ">"  # 超过、高于 (the number itself does not)


@dataclass(frozen=True)
class TargetSpec:
    """A target for an indicator over a year: an absolute bound, a reference average, a change."""

    id: str
    indicator: str
    title_zh: str
    title_en: str
    citation: Citation
    comparator: Comparator | None = None
    value: Decimal | None = None
    reference_level: str | None = None  # "city" | "province": compare against that average
    yoy_change: Decimal | None = None  # e.g. Decimal("-0.10"): at least 10% below last year
    applies_to: str = "jurisdiction"  # "jurisdiction" | "unit"


class PenaltyKind(StrEnum):
    ZERO_SCORE = "zero_score"
    NO_EXCELLENT = "no_excellent"
    INTERVIEW = "interview"
    REMINDER_LETTER = "reminder_letter"
    CRITICISM = "criticism"
    AWARD_INELIGIBLE = "award_ineligible"
    RECTIFICATION = "rectification"
    ACCOUNTABILITY = "accountability"
    FOCUS_SUPERVISION = "focus_supervision"
    POINTS_DEDUCTED = "points_deducted"


PENALTY_LABELS: dict[PenaltyKind, str] = {
    PenaltyKind.ZERO_SCORE: "该项指标不得分",
    PenaltyKind.NO_EXCELLENT: "不得评为优秀",
    PenaltyKind.INTERVIEW: "约谈",
    PenaltyKind.REMINDER_LETTER: "发送工作提醒函",
    PenaltyKind.CRITICISM: "通报批评",
    PenaltyKind.AWARD_INELIGIBLE: "取消评先评优资格",
    PenaltyKind.RECTIFICATION: "限期整改",
    PenaltyKind.ACCOUNTABILITY: "追究责任",
    PenaltyKind.FOCUS_SUPERVISION: "列为重点监督单位",
    PenaltyKind.POINTS_DEDUCTED: "法治建设考核扣分",
}


class ConditionKind(StrEnum):
    BOTTOM_N = "bottom_n"  # ranked in the worst n on the indicator
    TARGET_MISSED = "target_missed"
    ABOVE_REFERENCE = "above_reference"  # indicator above a reference average
    BELOW_VALUE = "below_value"
    ABOVE_VALUE = "above_value"
    RISING = "rising"  # year on year increase
    EVENT = "event"  # a recorded fact, e.g. a loss caused by unlawful conduct


@dataclass(frozen=True)
class PenaltyCondition:
    kind: ConditionKind
    indicator: str | None = None
    n: int | None = None
    value: Decimal | None = None
    reference_level: str | None = None
    fact: str | None = None  # for EVENT: the name of the fact


@dataclass(frozen=True)
class Exemption:
    """A recorded fact that exempts a unit from a penalty (尽职免责, 容错免责).

    The fact is recorded against the unit for the assessment's year (or quarter) by the justice
    bureau once the exemption is granted; the penalty is then listed as exempted, with this clause,
    and does not count (it costs no "excellent" rating).
    """

    fact: str
    title_zh: str
    title_en: str
    citation: Citation


@dataclass(frozen=True)
class PenaltyRule:
    """When ``condition`` holds for a unit (or the jurisdiction) in an assessment, apply ``penalty``."""

    id: str
    condition: PenaltyCondition
    penalty: PenaltyKind
    title_zh: str
    title_en: str
    citation: Citation
    period: str = "year"  # "year" | "quarter"
    applies_to: str = "unit"
    indicator: str | None = None  # the indicator a zero score applies to
    exemptions: tuple[Exemption, ...] = ()  # facts that exempt a unit from it


@dataclass(frozen=True)
class IndicatorDefinition:
    """A jurisdiction's refinement of how an indicator is counted."""

    indicator: str
    description_zh: str
    loss_outcomes: frozenset[str] | None = None  # OutcomeKind values counted as a loss
    instances: frozenset[str] = frozenset({"first"})
    citation: Citation | None = None
    # Count cases rather than records: a case heard twice counts once (Qiannan's 出庭应诉率 counts
    # "已开庭一审363件，负责人出庭应诉275件"). Only hearing-based indicators have more records than cases.
    per_case: bool = False


class CountedRecords(StrEnum):
    """What a plugin-added indicator counts, and the date that places each record in a period."""

    CASES_FILED = "cases_filed"  # litigation cases, by filed date
    CASES_CONCLUDED = "cases_concluded"  # litigation cases with an outcome, by the decision date
    HEARINGS_HELD = "hearings_held"  # held hearings, by the day held
    CASES_HEARD = "cases_heard"  # litigation cases with a hearing held in the period (per case)
    RECONSIDERATIONS_RECEIVED = "reconsiderations_received"  # by received date
    RECONSIDERATIONS_CONCLUDED = "reconsiderations_concluded"  # by concluded date
    DISPUTES_RECEIVED = "disputes_received"  # by received date
    OBLIGATIONS_DUE = "obligations_due"  # obligations that fell due, by due date


@dataclass(frozen=True)
class RecordFilter:
    """Which counted records qualify: every field that is set must hold (``None`` = any).

    Fields apply to some :class:`CountedRecords` only (the registry rejects the others):
    ``outcomes`` and ``agency_changed_act`` to concluded cases (``core.enums.OutcomeKind`` values);
    ``decisions`` to concluded reconsiderations (``ReconsiderationDecision``); ``head_attended`` to
    hearings and heard cases (for a case: a qualifying head attended at least one of its hearings in
    the period); ``statuses`` to received reconsiderations (``ReconsiderationStatus``), received
    disputes (``DisputeStatus``) and obligations (``ObligationStatus``); ``fields``, ``loss_risk``
    and ``major`` to disputes (``DisputeField``); ``rules`` to obligations (deadline rule ids).
    """

    outcomes: frozenset[str] | None = None
    agency_changed_act: bool | None = None
    decisions: frozenset[str] | None = None
    head_attended: bool | None = None
    statuses: frozenset[str] | None = None
    fields: frozenset[str] | None = None
    loss_risk: bool | None = None
    major: bool | None = None
    rules: frozenset[str] | None = None

    def used(self) -> dict[str, Any]:
        """The fields that are set, by name."""
        return {k: v for k, v in vars(self).items() if v is not None}


class IndicatorKind(StrEnum):
    RATE = "rate"  # a percentage: numerator ÷ denominator × 100
    COUNT = "count"  # a number of records
    PER_10K = "per_10k"  # numerator ÷ population × 10,000


@dataclass(frozen=True)
class CustomIndicator:
    """An indicator a plugin adds to the national ones (DOMAIN.md §2 lists those).

    It counts ``records`` in the database like the national indicators do (one SQL aggregate, the
    same on SQLite and PostgreSQL): a ``COUNT`` of the records ``numerator`` matches; a ``RATE`` of
    the records matching both ``numerator`` and ``denominator`` among those matching
    ``denominator``; a ``PER_10K`` of the matching records per 10,000 residents. ``code`` must start
    with the plugin's name and a dot (``"qiannan.correction_count"``). Targets, penalties,
    reference figures, rankings and bulletins treat it like any other indicator.
    """

    code: str
    label_zh: str
    description_zh: str
    description_en: str
    kind: IndicatorKind
    records: CountedRecords
    citation: Citation
    numerator: RecordFilter = RecordFilter()
    denominator: RecordFilter | None = None
    instances: frozenset[str] = frozenset({"first"})  # litigation instances counted (case records)
    higher_is_better: bool = False
    unit_zh: str = "件"
    bad_zh: str = ""  # one more record that makes it worse, e.g. "败诉案件" (for margins)
    good_zh: str = ""


@dataclass(frozen=True)
class ReferenceAverage:
    indicator: str
    level: str  # "city" | "province"
    year: int
    value: Decimal
    citation: Citation | None = None


@dataclass(frozen=True)
class JurisdictionProfile:
    code: str
    name: str
    name_en: str
    level: str = "county"
    population: int | None = None
    parent_name: str | None = None
    province_name: str | None = None
    references: tuple[ReferenceAverage, ...] = ()
    citation: Citation | None = None


@dataclass(frozen=True)
class Event:
    """Something that happened in the core, passed to the obligation engine and to plugins."""

    kind: EventKind
    jurisdiction_id: int
    date: dt.date
    subject_type: str
    subject_id: int
    unit_id: int | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def anchor_date(self, name: str | None) -> dt.date:
        if name is None:
            return self.date
        value = self.attributes.get(name)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        raise KeyError(f"event {self.kind} has no date attribute {name!r}")


INDICATORS: dict[str, tuple[str, str]] = {
    "case_volume": ("发案量", "new litigation cases filed"),
    "loss_rate": ("败诉率", "lost ÷ concluded first-instance cases"),
    "suits_per_10k": ("万人成讼率", "new cases per 10,000 residents"),
    "head_appearance_rate": ("出庭应诉率", "hearings attended by a qualifying head ÷ hearings held"),
    "correction_rate": ("行政复议纠错率", "corrected ÷ concluded reconsideration cases"),
    "mediation_rate": ("行政复议调解成功率", "mediated ÷ concluded reconsideration cases"),
    "withdrawn_mediated_rate": ("调撤率", "withdrawn or mediated ÷ concluded cases"),
    "withdrawn_mediated_count": ("调撤案件数", "cases concluded by withdrawal or mediation"),
    "resolved_before_filing": ("诉前化解数", "disputes resolved before filing"),
    "obligations_on_time_rate": ("按期办结率", "obligations met on time ÷ obligations due"),
    "open_loss_risk": ("败诉风险案件数", "open cases flagged as likely to lose"),
    "hearing_reschedules": ("庭审改期数", "hearings rescheduled"),
    "hidden_losses": ("隐性败诉数", "withdrawals after the agency revoked or changed its act"),
    "loss_count": ("败诉案件数", "lost cases"),
}
