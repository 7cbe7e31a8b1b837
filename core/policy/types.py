"""The data a policy plugin returns: rules as plain frozen dataclasses.

Everything here is data so that the core can list, explain and test a jurisdiction's policy:
each rule has an ``id`` unique within its plugin, Chinese and English titles, and the
``Citation`` of the clause it encodes.

The file is past 600 lines because it is the whole data vocabulary of the plugin API (events,
offices, comparators and their Chinese words, rules, indicators): one module a county's developer
reads next to docs/plugins.md, with each type's behaviour documented where it is defined.
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
    # A letter issued from a record (attribute ``document``: relief_notice, coordination_feedback,
    # loss_analysis, reminder_letter, interview_notice, circular; ``version``), on that record.
    DOCUMENT_ISSUED = "document_issued"
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


class DeclaredKind(str):
    """The kind of an event a plugin declared (:class:`PolicyEvent`), e.g. ``"henan_xx.urge_letter_sent"``.

    A plain string with ``.value`` like :class:`EventKind`, so the engine stores, matches and shows
    both alike. Declared codes contain a dot and so never collide with a core kind.
    """

    __slots__ = ()

    @property
    def value(self) -> str:
        return str(self)


def event_kind(value: str) -> EventKind | DeclaredKind:
    """The kind of a stored event: a core :class:`EventKind`, else a plugin's declared kind."""
    try:
        return EventKind(value)
    except ValueError:
        return DeclaredKind(value)


class AttributeType(StrEnum):
    """The type of a declared event's attribute, checked when the event is recorded."""

    TEXT = "text"  # a non-empty string (at most 200 characters)
    DATE = "date"  # an ISO date; usable as a rule's ``anchor``
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CHOICE = "choice"  # one of ``choices``


class EventSubject(StrEnum):
    """What a declared event is about: the record whose obligations it can meet or trigger."""

    HEARING = "hearing"
    LITIGATION_CASE = "litigation_case"
    DISPUTE = "dispute"
    RECONSIDERATION_CASE = "reconsideration_case"
    UNIT = "unit"
    JURISDICTION = "jurisdiction"


@dataclass(frozen=True)
class EventAttribute:
    """One attribute of a declared event: its name (what ``when`` and ``anchor`` use), type and label."""

    name: str
    type: AttributeType
    label_zh: str
    required: bool = True
    choices: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PolicyEvent:
    """An event of the jurisdiction's own that the core does not emit (e.g. 督促函已发出, 被通报批评).

    Declared by :func:`core.policy.hookspecs.caseload_events` and recorded through the one generic
    ``recordPolicyEvent`` mutation (by the justice bureau or an administrator), which checks the
    attributes against ``attributes`` and emits it like a core event: rules use the declaration
    itself as a kind (``EventMatch(URGE_LETTER_SENT, {"channel": "post"})``) in ``trigger``,
    ``met_by``, ``cancelled_by`` and ``reopened_by``; a ``DATE`` attribute can be a rule's anchor.
    ``code`` starts with the plugin's code and a dot and is at most 60 characters.
    """

    code: str
    title_zh: str
    title_en: str
    subject: EventSubject
    citation: Citation
    attributes: tuple[EventAttribute, ...] = ()

    @property
    def value(self) -> str:
        """The stored kind, as :attr:`EventKind.value` is for a core event."""
        return self.code

    def attribute(self, name: str) -> EventAttribute | None:
        return next((a for a in self.attributes if a.name == name), None)


class Owner(StrEnum):
    """Who must act on an obligation."""

    UNIT = "unit"  # the respondent / assigned unit
    JUSTICE_BUREAU = "justice_bureau"
    COUNTY_LEADER = "county_leader"
    COURT_LIAISON = "court_liaison"
    LAW_FIRM = "law_firm"  # tracked by the justice bureau on the firm's behalf
    OFFICE = "office"  # the office a rule names in ``owner_office`` (e.g. 县政府办公室)


@dataclass(frozen=True)
class Office:
    """An office duties and messages are addressed to, mapped to a unit by the administrator.

    The national ones are :data:`NATIONAL_OFFICES`; a plugin names others with ``caseload_offices``
    (``code`` then starts with the plugin's code and a dot). ``assignOffice`` maps an office of a
    jurisdiction to one of its units (and optionally an official of it): a rule with
    ``owner=Owner.OFFICE, owner_office=...`` gives its duty to that unit, and an escalation step
    with ``recipient=Recipient.OFFICE, office=...`` tells that unit (and official). Until mapped,
    both fall back to the justice bureau's staff.
    """

    code: str
    name_zh: str
    name_en: str


NATIONAL_OFFICES: tuple[Office, ...] = (
    Office("county_government_office", "县政府办公室", "county government office"),
    Office("justice_bureau", "县司法局", "justice bureau"),
    Office("court_liaison", "法院联络人", "court liaison"),
)


class Recipient(StrEnum):
    """Who is told at an escalation step."""

    UNIT = "unit"  # the owning unit's clerks
    UNIT_PRINCIPAL_HEAD = "unit_principal_head"
    JUSTICE_BUREAU = "justice_bureau"
    COUNTY_LEADER_IN_CHARGE = "county_leader_in_charge"
    COUNTY_PRINCIPAL_LEADER = "county_principal_leader"
    PREFECTURE_OFFICE = "prefecture_office"  # e.g. Qiannan's prefecture rule-of-law office
    OFFICE = "office"  # the office the step names in ``office`` (mapped by the administrator)


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
    """An event kind (a core :class:`EventKind` or a plugin's :class:`PolicyEvent`), optionally
    narrowed by attribute values.

    Every ``when`` entry must hold: the attribute equals the value, or — when the value is a
    ``frozenset`` — is one of its members (e.g. ``{"unit_kind": frozenset({"agency", "township"})}``).
    """

    kind: EventKind | PolicyEvent
    when: Mapping[str, Any] = field(default_factory=dict)

    def matches(self, event: Event) -> bool:
        # A declared event matches by its code; a core kind by its value (the validation refuses
        # anything else, so a malformed kind here simply never matches).
        want = getattr(self.kind, "value", self.kind)
        return bool(getattr(event.kind, "value", event.kind) == want) and all(
            _holds(event.attributes.get(k), v) for k, v in self.when.items()
        )


def _holds(actual: Any, expected: Any) -> bool:
    if isinstance(expected, frozenset):
        return actual in expected
    return bool(actual == expected)


RECIPIENT_LABELS: dict[Recipient, str] = {
    Recipient.UNIT: "责任单位",
    Recipient.UNIT_PRINCIPAL_HEAD: "责任单位主要负责人",
    Recipient.JUSTICE_BUREAU: "县司法局",
    Recipient.COUNTY_LEADER_IN_CHARGE: "分管县领导",
    Recipient.COUNTY_PRINCIPAL_LEADER: "县主要领导",
    Recipient.PREFECTURE_OFFICE: "州（市）法治办",
    Recipient.OFFICE: "承办机构",
}
"""How a recipient is named in a message (e.g. 「由县主要领导约谈责任单位主要负责人」)."""


@dataclass(frozen=True)
class EscalationStep:
    """After ``after`` (counted from the due date), tell ``recipient`` by ``action``.

    An interview names both sides in one step: ``recipient`` is who is interviewed (被约谈) and
    ``interviewer`` who interviews (约谈人), e.g. Henan's 告诫约谈 of the unit's principal head by the
    county's principal leader. Both are told, each with a message naming the other; the step counts
    as one escalation level. ``interviewer`` is only for ``NotificationKind.INTERVIEW``.
    """

    after: DueRule
    recipient: Recipient
    action: NotificationKind
    note_zh: str = ""
    interviewer: Recipient | None = None
    # For ``Recipient.OFFICE``: the office's code (NATIONAL_OFFICES or the plugin's caseload_offices).
    office: str | None = None


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
class ObligationAnchor:
    """Count a deadline from another duty's date on the same subject, not from the trigger event.

    ``rule`` is the id of that duty's :class:`DeadlineRule`; ``date`` is ``"met"`` (the day it was
    done, by its event or by hand) or ``"due"`` (its due date). Henan's "收到督促函后2个工作日内确定
    出庭负责人": the unit's duty anchored on the office's letter duty, ``date="met"``, so a letter sent
    late still leaves the unit its 2 working days. Until that date exists (the letter duty is still
    open), the obligation has no due date and says what it waits for; it never escalates meanwhile.
    """

    rule: str
    date: str = "met"  # "met" | "due"


@dataclass(frozen=True)
class DeadlineRule:
    """An event creates an obligation for ``owner`` due by ``due`` counted from the anchor date.

    ``anchor`` names the event attribute holding the date counting starts from (default: the
    event's own date); e.g. ``"hearing_date"`` with ``calendar_days(-7)`` means a week before the
    hearing. ``anchor_obligation`` counts instead from another duty's met or due date on the same
    subject (:class:`ObligationAnchor`). ``met_by`` is the event on the same subject that fulfils
    it. ``recurring`` makes a new obligation each period until the subject closes (e.g. weekly
    progress reports).
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
    # Count ``due`` from another obligation's met or due date instead of the event (``anchor``).
    anchor_obligation: ObligationAnchor | None = None
    # For ``Owner.OFFICE``: the office whose duty it is (an Office code), e.g. the county government
    # office's 督促函; the unit the administrator mapped to it owns the obligation.
    owner_office: str | None = None
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
    """A threshold, read as 《中华人民共和国民法典》第一千二百五十九条 reads the Chinese words:
    "民法所称的'以上'、'以下'、'以内'、'届满'，包括本数；所称的'不满'、'超过'、'以外'，不包括本数。"

    So "两次以上" is ``AT_LEAST`` 2 (two counts), "超过两次" is ``ABOVE`` 2 (two does not).
    :data:`COMPARATOR_WORDS` lists the words each comparator may be quoted with; a target or a
    penalty condition names the source's word in ``word_zh`` and its reason then uses that word.
    """

    AT_MOST = "<="  # 以下、以内、不超过、不高于 (the number itself counts)
    BELOW = "<"  # 不满、低于、少于、未达到 (the number itself does not)
    AT_LEAST = ">="  # 以上、届满、达到、不低于、不少于 (the number itself counts)
    ABOVE = ">"  # 超过、以外、高于、多于 (the number itself does not)


COMPARATOR_WORDS: dict[Comparator, dict[str, str]] = {
    Comparator.AT_MOST: {
        "以下": "在{v}以下",
        "以内": "在{v}以内",
        "不超过": "不超过{v}",
        "不高于": "不高于{v}",
    },
    Comparator.BELOW: {"不满": "不满{v}", "低于": "低于{v}", "少于": "少于{v}", "未达到": "未达到{v}"},
    Comparator.AT_LEAST: {
        "以上": "在{v}以上",
        "届满": "{v}届满",
        "达到": "达到{v}",
        "不低于": "不低于{v}",
        "不少于": "不少于{v}",
    },
    Comparator.ABOVE: {"超过": "超过{v}", "以外": "在{v}以外", "高于": "高于{v}", "多于": "多于{v}"},
}
"""The Chinese words of each comparator and how a reason reads with each (``{v}``: the bound).

A word under ``AT_MOST`` or ``AT_LEAST`` includes the number (民法典第一千二百五十九条: 以上、以下、
以内、届满); one under ``BELOW`` or ``ABOVE`` excludes it (不满、超过、以外). The validation rejects a
``word_zh`` quoted with a comparator it does not belong to (e.g. "以上" with ``ABOVE``), the mistake
that made "两次以上" read 超过1.
"""

DEFAULT_WORD: dict[Comparator, str] = {
    Comparator.AT_MOST: "不高于",
    Comparator.BELOW: "低于",
    Comparator.AT_LEAST: "不低于",
    Comparator.ABOVE: "高于",
}
"""The word a target's reason uses when it quotes none."""


def comparator_phrase(comparator: Comparator, word_zh: str | None, bound: str) -> str:
    """The bound as the source says it: ``("两次以上")`` reads 在2以上, 超过 reads 超过2."""
    word = word_zh or DEFAULT_WORD[comparator]
    template = COMPARATOR_WORDS[comparator].get(word, word + "{v}")
    return template.format(v=bound)


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
    # The source's word for the comparator (one of COMPARATOR_WORDS[comparator], e.g. "以下"); a
    # target that quotes one must name its comparator. None: the reason reads 不高于/不低于….
    word_zh: str | None = None


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
    # An indicator against ``value``; see :data:`CONDITION_COMPARATORS` for each one's Chinese words.
    BELOW_VALUE = "below_value"  # < value: 不满、低于、未达到 (the value itself does not count)
    ABOVE_VALUE = "above_value"  # > value: 超过、高于 (the value itself does not count)
    AT_LEAST_VALUE = "at_least_value"  # >= value: 以上、达到、不少于 ("两次以上" is at_least_value 2)
    AT_MOST_VALUE = "at_most_value"  # <= value: 以下、以内、不超过 (the value itself counts)
    RISING = "rising"  # year on year increase
    EVENT = "event"  # a recorded fact, e.g. a loss caused by unlawful conduct


CONDITION_COMPARATORS: dict[ConditionKind, Comparator] = {
    ConditionKind.BELOW_VALUE: Comparator.BELOW,
    ConditionKind.ABOVE_VALUE: Comparator.ABOVE,
    ConditionKind.AT_LEAST_VALUE: Comparator.AT_LEAST,
    ConditionKind.AT_MOST_VALUE: Comparator.AT_MOST,
}
"""The comparator of each value condition (民法典第一千二百五十九条: 以上 includes, 超过 excludes)."""

CONDITION_DEFAULT_WORD: dict[ConditionKind, str] = {
    ConditionKind.BELOW_VALUE: "未达到",
    ConditionKind.ABOVE_VALUE: "超过",
    ConditionKind.AT_LEAST_VALUE: "以上",
    ConditionKind.AT_MOST_VALUE: "以下",
}
"""The word a value condition's reason uses when the rule quotes none in ``word_zh``."""


@dataclass(frozen=True)
class PenaltyCondition:
    """When a penalty applies. A value condition compares ``indicator`` with ``value`` and may
    quote the source's word (``word_zh``, one of :data:`COMPARATOR_WORDS` for its comparator):
    "被通报批评两次以上" is ``AT_LEAST_VALUE`` with ``value=2`` and ``word_zh="以上"``, and its reason
    reads "……2，在2以上", never 超过1."""

    kind: ConditionKind
    indicator: str | None = None
    n: int | None = None
    value: Decimal | None = None
    reference_level: str | None = None
    fact: str | None = None  # for EVENT: the name of the fact
    word_zh: str | None = None


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

    kind: EventKind | DeclaredKind
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
