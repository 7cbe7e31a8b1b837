"""XX county's policy as data: sources 000 (the "double decline" action plan) and 002 (the dispute
resolution 纾解 plan).

Every rule quotes its clause verbatim (the conformance kit checks the quotes against the source
files). Where a source is vague the rule encodes what it says and a comment gives the reading.
Rates are percentages (``Decimal("8")`` is 8 %).

Periodic duties: the scheduler emits ``quarter_end``/``half_year_end``/``year_end`` on the last day
of the period. A duty "every quarter / half year" (an inspection, a joint meeting) is created when
a period ends and is due by the end of the following period, because the core has no
``quarter_start`` event and an obligation must exist before the meeting that meets it.
"""

from __future__ import annotations

from decimal import Decimal

from core.calendar.rules import day_of_month, immediate, working_days
from core.enums import NotificationKind
from core.policy.types import (
    Citation,
    Comparator,
    ConditionKind,
    DeadlineRule,
    EscalationChain,
    EscalationStep,
    EventKind,
    EventMatch,
    Exemption,
    ExtensionPolicy,
    IndicatorDefinition,
    JurisdictionProfile,
    Owner,
    PenaltyCondition,
    PenaltyKind,
    PenaltyRule,
    Recipient,
    ReminderRule,
    SourceDocument,
    TargetSpec,
)

CODE = "xx_county"
PLAN = "000_16b14d27ac04f059.txt"  # 双下降 action plan
PLAN_DOCUMENT = SourceDocument(
    key=PLAN,
    # The published text carries no 文号 or date.
    title="XX县行政诉讼发案量和败诉率“双下降”专项攻坚行动实施方案",
    issuer="XX县",  # the published text does not name the issuing office
)
RESOLUTION = "002_49ac75883d6868a7.txt"  # 纾解 plan
RESOLUTION_DOCUMENT = SourceDocument(
    key=RESOLUTION,
    title="XX县行政争议纾解工作实施方案",
    issuer="XX县",  # the published text does not name the issuing office
)


def _plan(section: str, clause: str) -> Citation:
    return Citation(source=PLAN, section=section, clause=clause, document=PLAN_DOCUMENT)


def _res(section: str, clause: str) -> Citation:
    return Citation(source=RESOLUTION, section=section, clause=clause, document=RESOLUTION_DOCUMENT)


PROFILE = JurisdictionProfile(
    code=CODE,
    name="XX县",
    name_en="XX County (anonymised)",
    level="county",
    # Neither source states a population, a parent city or a province (the county is anonymised);
    # an administrator enters the census population before 万人成讼率 can be computed.
    population=None,
    parent_name=None,
    province_name=None,
    references=(),
    citation=_plan("标题", "XX县行政诉讼发案量和败诉率“双下降”专项攻坚行动实施方案"),
)

# ---------------------------------------------------------------------------------------------
# Escalation
# ---------------------------------------------------------------------------------------------

_CONFIRMATION = _res(
    "二、（三）二是完善行政争议流转办理机制",
    # The clause runs over a page break of the source ("…申请司法确 / 5、认"); quoted up to it.
    "纾解协议生效之日起三十个工作日内,双方可共同向行政争议有管辖权的人民法院申请司法确",
)

WINDOW_CHAIN = EscalationChain(
    id="xx_county.window_reminder",
    title_zh="可选期限届满：仅提醒承办单位",
    # "可" (may): applying for judicial confirmation is the parties' choice, so a passed window is
    # told to the unit and escalated no further.
    steps=(
        EscalationStep(
            working_days(0),
            Recipient.UNIT,
            NotificationKind.REMINDER,
            "申请司法确认的期限已届满（可申请，非强制）",
        ),
    ),
    citation=_CONFIRMATION,
)

ESCALATION_CHAINS: tuple[EscalationChain, ...] = (WINDOW_CHAIN,)

# ---------------------------------------------------------------------------------------------
# Deadlines (source 000: leader in charge; source 002: the 纾解 procedure and reports)
# ---------------------------------------------------------------------------------------------

_LEADER_CLAUSE = _plan(
    "二、（二）建立领导包案化解制度",
    "特别是针对行政诉讼“批案”“系列案”以及可能败诉的案件,要实行领导包案化解,制定化解方案,"
    "做到“一案一策一专班”,明确化解期限",
)
_LEADER_MET = (EventMatch(EventKind.LEADER_ASSIGNED),)


def _leader_rule(rule_id: str, when: dict[str, object], zh: str, en: str) -> DeadlineRule:
    # The plan sets no period for putting a leader in charge (the leader's plan sets the deadline
    # of the resolution itself), so the duty is due at once when the case is recorded.
    return DeadlineRule(
        id=rule_id,
        trigger=EventMatch(EventKind.DISPUTE_RECORDED, when),
        title_zh=zh,
        title_en=en,
        due=immediate(),
        owner=Owner.UNIT,
        citation=_LEADER_CLAUSE,
        met_by=_LEADER_MET,
    )


_CONCLUDED = (EventMatch(EventKind.RESOLUTION_SUCCEEDED), EventMatch(EventKind.RESOLUTION_FAILED))
_SCREENING = _res(
    "二、（三）一是完善行政争议排查报备机制",
    "各镇(街道)、县各行政执法单位每月开展一次行政争议信息排查,28日前将信息排查情况报送至县行政争议纾解中心,"
    "重大复杂行政争议实行即排即报,无争议信息的零报送",
)


def _monthly_screening(unit_kind: str, who_zh: str, who_en: str) -> DeadlineRule:
    # One rule per unit kind the clause names (townships, enforcement agencies): the county
    # government, the justice bureau and the court do not screen.
    return DeadlineRule(
        id=f"xx_county.monthly_screening_report_{unit_kind}",
        trigger=EventMatch(EventKind.MONTH_START, {"scope": "unit", "unit_kind": unit_kind}),
        title_zh=f"{who_zh}每月28日前报送行政争议信息排查情况（无争议信息的零报送）",
        title_en=f"Monthly dispute screening report of a {who_en} by the 28th (zero report if nothing)",
        due=day_of_month(28),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.REPORT_SUBMITTED, {"report": "monthly_screening"}),),
        citation=_SCREENING,
    )


DEADLINE_RULES: tuple[DeadlineRule, ...] = (
    _leader_rule(
        "xx_county.leader_for_batch_case",
        {"batch_kind": "batch"},
        "批案实行领导包案化解（一案一策一专班）",
        "Batch case: put a leader in charge with a plan, deadline and task team",
    ),
    _leader_rule(
        "xx_county.leader_for_series_case",
        {"batch_kind": "series"},
        "系列案实行领导包案化解（一案一策一专班）",
        "Series case: put a leader in charge with a plan, deadline and task team",
    ),
    _leader_rule(
        "xx_county.leader_for_loss_risk_case",
        {"loss_risk": True},
        "可能败诉的案件实行领导包案化解（一案一策一专班）",
        "Case likely to be lost: put a leader in charge with a plan, deadline and task team",
    ),
    DeadlineRule(
        id="xx_county.resolution_acceptance",
        trigger=EventMatch(EventKind.RESOLUTION_ASSIGNED),
        title_zh="3个工作日内受理分流指派的争议并送达纾解告知书",
        title_en="Accept an assigned dispute and deliver the resolution notice within 3 working days",
        due=working_days(3),
        owner=Owner.UNIT,
        # Acceptance is recorded together with the day the notice was delivered (accept_resolution).
        met_by=(EventMatch(EventKind.RESOLUTION_ACCEPTED),),
        citation=_res(
            "二、（三）二是完善行政争议流转办理机制",
            "对县行政争议纾解中心分流指派的案件,应当在3个工作日内受理,并向行政相对人送达纾解告知书",
        ),
    ),
    DeadlineRule(
        id="xx_county.resolution_progress_report",
        trigger=EventMatch(EventKind.RESOLUTION_ASSIGNED),
        title_zh="7个工作日内向县行政纾解中心反馈纾解进展",
        title_en="Report resolution progress to the county centre within 7 working days",
        # Counted, like the 3 days in the same sentence, from the centre's assignment. A conclusion
        # reported within the period is the fullest progress report, so it also meets the duty.
        due=working_days(7),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.RESOLUTION_PROGRESS_REPORTED), *_CONCLUDED),
        citation=_res(
            "二、（三）二是完善行政争议流转办理机制", "7个工作日内向县行政纾解中心反馈纾解进展情况"
        ),
    ),
    DeadlineRule(
        id="xx_county.resolution_period",
        trigger=EventMatch(EventKind.RESOLUTION_ACCEPTED),
        title_zh="纾解期限30个工作日（复杂争议经同意可延长一次，不超过30个工作日）",
        title_en="Resolve within 30 working days (once extendable by at most 30 working days with consent)",
        # The resolution period (纾解期限) runs from acceptance (受理), when the unit takes the case.
        due=working_days(30),
        owner=Owner.UNIT,
        met_by=_CONCLUDED,
        extension=ExtensionPolicy(
            max_extensions=1,
            max_extension=working_days(30),
            requires_applicant_consent=True,
            requires_centre_consent=True,
            citation=_res(
                "二、（三）二是完善行政争议流转办理机制",
                "行政争议较为复杂的,经当事人和县纾解中心同意,可延长纾解期限,延长期限不超过30个工作日",
            ),
        ),
        citation=_res(
            "二、（三）二是完善行政争议流转办理机制",
            "一般行政争议案件纾解期限为30个工作日,行政争议较为复杂的,经当事人和县纾解中心同意,"
            "可延长纾解期限,延长期限不超过30个工作日",
        ),
    ),
    DeadlineRule(
        id="xx_county.resolution_hearing",
        trigger=EventMatch(EventKind.RESOLUTION_EXTENDED),
        title_zh="复杂疑难争议引入纾解听证（延期后的纾解期限届满前）",
        title_en="Hold a resolution hearing for a complex dispute before the extended deadline",
        # The core has no "complex" flag on an effort; an extension is granted only because the
        # dispute is complex (较为复杂), so an extended effort must hold a hearing before its new
        # deadline. A hearing held before the extension is marked met by hand; a dispute resolved
        # without one no longer needs it.
        anchor="new_due_date",
        due=immediate(),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.RESOLUTION_HEARING_HELD),),
        cancelled_by=(EventMatch(EventKind.RESOLUTION_SUCCEEDED),),
        citation=_res(
            "二、（三）四是完善行政争议纾解听证机制",
            "各镇(街道)、县各行政执法单位在化解复杂疑难行政争议时,要主动引入纾解听证程序",
        ),
    ),
    DeadlineRule(
        id="xx_county.judicial_confirmation_window",
        trigger=EventMatch(EventKind.RESOLUTION_SUCCEEDED, {"result": "agreement"}),
        title_zh="纾解协议生效之日起30个工作日内可申请司法确认",
        title_en="Judicial confirmation of the agreement may be requested within 30 working days",
        anchor="agreement_effective_date",
        due=working_days(30),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.JUDICIAL_CONFIRMATION_REQUESTED),),
        # An option ("可"), not a duty: when the window passes the unit is only told.
        escalation=WINDOW_CHAIN.id,
        citation=_CONFIRMATION,
    ),
    _monthly_screening("agency", "县各行政执法单位", "enforcement agency"),
    _monthly_screening("township", "各镇(街道)", "township or street"),
    DeadlineRule(
        id="xx_county.major_dispute_immediate_report",
        trigger=EventMatch(EventKind.DISPUTE_RECORDED, {"is_major": True}),
        title_zh="重大复杂行政争议即排即报",
        title_en="Report a major or complex dispute as soon as it is found",
        # Due on the day the dispute was found (origin_date); recording it is the report, so it is
        # met at once, late when recorded after that day.
        anchor="origin_date",
        due=immediate(),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.DISPUTE_RECORDED, {"is_major": True}),),
        urgent=True,
        citation=_res("二、（三）一是完善行政争议排查报备机制", "重大复杂行政争议实行即排即报"),
    ),
    DeadlineRule(
        id="xx_county.law_firm_report",
        trigger=EventMatch(EventKind.DISPUTE_RECORDED, {"source": "lawyer_report"}),
        title_zh="律师事务所代理涉及本县行政案件3个工作日内报备",
        title_en="A law firm taking a case against the county reports it within 3 working days",
        # Counted from the day the firm took the case (origin_date); the recording is the report.
        anchor="origin_date",
        due=working_days(3),
        owner=Owner.LAW_FIRM,
        met_by=(EventMatch(EventKind.DISPUTE_RECORDED, {"source": "lawyer_report"}),),
        citation=_res(
            "二、（三）一是完善行政争议排查报备机制",
            "县律师事务所和基层法律服务所代理涉及本县行政案件须在3个工作日内向县行政争议纾解中心报备",
        ),
    ),
    DeadlineRule(
        id="xx_county.half_year_joint_meeting",
        trigger=EventMatch(EventKind.HALF_YEAR_START, {"scope": "jurisdiction"}),
        title_zh="行政争议纾解联席会议（每半年一次）",
        title_en="Joint meeting on dispute resolution, once every half year",
        # Created when a half year begins, due by its last day (30 June / 31 December).
        due=day_of_month(31, months_ahead=5),
        owner=Owner.JUSTICE_BUREAU,
        met_by=(EventMatch(EventKind.REPORT_SUBMITTED, {"report": "joint_meeting"}),),
        citation=_res("二、（三）三是完善行政争议联席会商机制", "联席会议原则上每半年一次"),
    ),
    DeadlineRule(
        id="xx_county.quarterly_inspection",
        trigger=EventMatch(EventKind.QUARTER_START, {"scope": "jurisdiction"}),
        title_zh="行政争议纾解和行政执法工作专项督查（每季度一次）",
        title_en="Inspection of dispute resolution and enforcement, once every quarter",
        due=day_of_month(31, months_ahead=2),
        owner=Owner.JUSTICE_BUREAU,
        met_by=(EventMatch(EventKind.REPORT_SUBMITTED, {"report": "quarterly_inspection"}),),
        citation=_res(
            "二、（三）五是完善行政争议纾解督查机制", "每季度开展一次行政争议纾解和行政执法工作专项督查"
        ),
    ),
    DeadlineRule(
        id="xx_county.quarterly_enforcement_review",
        trigger=EventMatch(EventKind.QUARTER_START, {"scope": "jurisdiction"}),
        title_zh="行政执法评议（每季度集中开展一次）",
        title_en="Enforcement review, once every quarter",
        due=day_of_month(31, months_ahead=2),
        owner=Owner.JUSTICE_BUREAU,
        met_by=(EventMatch(EventKind.REPORT_SUBMITTED, {"report": "quarterly_enforcement_review"}),),
        citation=_res("二、（四）四是开展行政执法评议", "每季度集中开展一次行政执法评议"),
    ),
)

REMINDER_RULES: tuple[ReminderRule, ...] = ()

# ---------------------------------------------------------------------------------------------
# Targets (source 000)
# ---------------------------------------------------------------------------------------------

FIRST_TARGET_YEAR = 2022
"""The plan sets its targets for 2022 (against 2021); later years keep them as the county's
defaults until administrators override them. Years before 2022 have no target."""

TARGETS: tuple[TargetSpec, ...] = (
    TargetSpec(
        id="xx_county.case_volume_decline",
        indicator="case_volume",
        title_zh="行政诉讼发案量同比下降10%",
        title_en="Lawsuit volume at least 10% below the previous year",
        comparator=Comparator.AT_MOST,
        yoy_change=Decimal("-0.10"),
        citation=_plan("一、总体要求", "努力实现2022年全县行政诉讼发案量较2021年同比下降10%"),
    ),
    TargetSpec(
        id="xx_county.loss_rate_cap",
        indicator="loss_rate",
        title_zh="行政诉讼败诉率控制在8%以内",
        title_en="Loss rate at most 8%",
        comparator=Comparator.AT_MOST,  # "以内": 8 % itself is within the target
        value=Decimal("8"),
        citation=_plan("一、总体要求", "行政诉讼败诉率控制在8%以内"),
    ),
)


def targets_for(year: int) -> list[TargetSpec]:
    """The default targets of ``year``."""
    return list(TARGETS) if year >= FIRST_TARGET_YEAR else []


# ---------------------------------------------------------------------------------------------
# Penalties
# ---------------------------------------------------------------------------------------------

_BOTTOM_THREE = _plan(
    "二、（四）突出结果运用",
    "行政诉讼发案量和败诉率考核指标排名后三位的单位在年度法治XX(法治政府)建设考核不能给予“优秀”评级",
)
_RECTIFY = _plan("二、（三）加大通报力度", "督促存在案件发案量同比增长及败诉案件居多的相关单位落实整改措施")
_ESCALATED = _res(
    "二、（三）五是完善行政争议纾解督查机制",
    "对因违法行使职权产生行政争议或纾解措施不力,导致争议激化升级的予以通报,并在法治政府建设目标考核中扣分",
)
# 尽职免责: an agency that corrected its error itself and applied by the set procedure is exempt
# from the resolution plan's (002) measures for an escalated dispute. The bureau records the fact
# "due_diligence_exemption" against the unit once the exemption is granted.
DUE_DILIGENCE = Exemption(
    fact="due_diligence_exemption",
    title_zh="尽职免责",
    title_en="exemption for due diligence (the agency corrected itself)",
    citation=_res(
        "三、（四）强化责任查究",
        "对行政机关主动纠正过错、有效防范和化解行政争议的,按照规定程序申请免责",
    ),
)

PENALTY_RULES: tuple[PenaltyRule, ...] = (
    # "发案量和败诉率考核指标排名后三位": read as the bottom three on either indicator.
    PenaltyRule(
        id="xx_county.volume_bottom_three_no_excellent",
        condition=PenaltyCondition(ConditionKind.BOTTOM_N, indicator="case_volume", n=3),
        penalty=PenaltyKind.NO_EXCELLENT,
        title_zh="发案量排名后三位不得评为优秀",
        title_en="Bottom three on lawsuit volume cannot be rated excellent",
        citation=_BOTTOM_THREE,
    ),
    PenaltyRule(
        id="xx_county.loss_rate_bottom_three_no_excellent",
        condition=PenaltyCondition(ConditionKind.BOTTOM_N, indicator="loss_rate", n=3),
        penalty=PenaltyKind.NO_EXCELLENT,
        title_zh="败诉率排名后三位不得评为优秀",
        title_en="Bottom three on loss rate cannot be rated excellent",
        citation=_BOTTOM_THREE,
    ),
    PenaltyRule(
        id="xx_county.target_failure_interview",
        condition=PenaltyCondition(ConditionKind.TARGET_MISSED),
        penalty=PenaltyKind.INTERVIEW,
        title_zh="“双下降”目标落实不力的单位负责人约谈",
        title_en="Heads of units that miss the double-decline targets are interviewed",
        citation=_plan(
            "二、（三）加大法治督察力度", "县委依法治县办应对“双下降”目标落实不力的单位负责人进行约谈"
        ),
    ),
    PenaltyRule(
        id="xx_county.rising_volume_rectification",
        condition=PenaltyCondition(ConditionKind.RISING, indicator="case_volume"),
        penalty=PenaltyKind.RECTIFICATION,
        title_zh="发案量同比增长的单位落实整改措施",
        title_en="Units whose lawsuit volume rose must carry out rectification",
        citation=_RECTIFY,
    ),
    # "败诉案件居多" sets no number: the justice bureau records the fact "many_losses".
    PenaltyRule(
        id="xx_county.many_losses_rectification",
        condition=PenaltyCondition(ConditionKind.EVENT, fact="many_losses"),
        penalty=PenaltyKind.RECTIFICATION,
        title_zh="败诉案件居多的单位落实整改措施",
        title_en="Units with many lost cases must carry out rectification",
        citation=_RECTIFY,
    ),
    PenaltyRule(
        id="xx_county.loss_fault_accountability",
        condition=PenaltyCondition(ConditionKind.EVENT, fact="loss_by_unlawful_or_passive_conduct"),
        penalty=PenaltyKind.ACCOUNTABILITY,
        title_zh="因违法或消极等行为导致败诉的追究行政过错责任",
        title_en="Fault accountability for a loss caused by unlawful or passive conduct",
        citation=_plan(
            "二、（四）加大败诉案件过错责任追究力度",
            "对行政机关及其工作人员因违法或消极等行为导致行政行为被人民法院判决败诉,按照干部管理权限,追究其行政过错责任",
        ),
    ),
    PenaltyRule(
        id="xx_county.escalation_criticism",
        condition=PenaltyCondition(ConditionKind.EVENT, fact="dispute_escalated_by_misconduct"),
        penalty=PenaltyKind.CRITICISM,
        title_zh="违法行使职权或纾解不力导致争议激化升级的予以通报",
        title_en="Public criticism when unlawful conduct or weak handling escalated a dispute",
        citation=_ESCALATED,
        exemptions=(DUE_DILIGENCE,),
    ),
    PenaltyRule(
        id="xx_county.escalation_points_deducted",
        condition=PenaltyCondition(ConditionKind.EVENT, fact="dispute_escalated_by_misconduct"),
        penalty=PenaltyKind.POINTS_DEDUCTED,
        title_zh="违法行使职权或纾解不力导致争议激化升级的在法治政府建设目标考核中扣分",
        title_en="Assessment points deducted when unlawful conduct or weak handling escalated a dispute",
        citation=_ESCALATED,
        exemptions=(DUE_DILIGENCE,),
    ),
    # 失职问责, the counterpart of 尽职免责: recorded only when the unit did not correct itself.
    PenaltyRule(
        id="xx_county.failed_self_correction_accountability",
        condition=PenaltyCondition(
            ConditionKind.EVENT, fact="lost_or_corrected_after_failing_to_self_correct"
        ),
        penalty=PenaltyKind.ACCOUNTABILITY,
        title_zh="不能及时自我纠错导致被复议纠错或诉讼败诉的失职问责",
        title_en="Accountability when failing to correct itself led to a correction or a loss",
        citation=_res(
            "三、（四）强化责任查究",
            "对不能及时自我纠错、延误行政争议化解时机,导致行政案件被行政复议纠错或行政诉讼败诉的,"
            "依规依纪依法追究行政机关及有关人员的责任",
        ),
    ),
)

INDICATOR_DEFINITIONS: dict[str, IndicatorDefinition] = {}
"""Neither source counts an indicator differently from the national definitions."""
