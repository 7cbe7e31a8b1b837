"""Wuyang county's policy as data: source 003, 舞法办〔2023〕3号 (enforcement supervision for the
"double decline").

Every rule quotes its clause verbatim. Rates are percentages. Periodic duties are created when a
quarter or year ends (the scheduler dates ``quarter_end``/``year_end`` on the period's last day)
and are due by the end of the following period: the bulletin, ranking or information exchange of
the quarter just ended is issued during the next one.
"""

from __future__ import annotations

from decimal import Decimal

from core.calendar.rules import day_of_month, fixed_date, working_days
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

CODE = "wuyang"
SOURCE = "003_f595287a6d62f5c3.txt"
DOCUMENT = SourceDocument(
    key=SOURCE,
    title="舞阳县加强行政执法监督推动行政诉讼发案量和败诉率“双下降”行动方案",
    number="舞法办〔2023〕3号",
    issuer="中共舞阳县委全面依法治县委员会办公室",
)


def _cite(section: str, clause: str) -> Citation:
    return Citation(source=SOURCE, section=section, clause=clause, document=DOCUMENT)


PROFILE = JurisdictionProfile(
    code=CODE,
    name="舞阳县",
    name_en="Wuyang County",
    level="county",
    # The plan states no population; an administrator enters the census figure.
    population=None,
    # The plan names "市府院联席办" and "全省" (Henan, per 《河南省行政机关负责人出庭应诉工作规定》);
    # Wuyang county belongs to Luohe city.
    parent_name="漯河市",
    province_name="河南省",
    # The provincial averages the targets compare with are not stated in the plan; administrators
    # enter them each year (set_reference_figure, level "province").
    references=(),
    citation=_cite("标题", "舞阳县加强行政执法监督推动行政诉讼发案量和败诉率“双下降”行动方案"),
)

_RESPONSE_CLAUSE = (
    "涉诉行政执法单位在收到应诉材料之日起三个工作日内，向县司法行政部门报备；"
    "逾期未报备的，由县司法行政部门予以通报"
)

LATE_REPORT_CHAIN = EscalationChain(
    id="wuyang.late_report_criticism",
    title_zh="逾期未报备：由县司法行政部门予以通报",
    steps=(
        EscalationStep(
            working_days(0),
            Recipient.JUSTICE_BUREAU,
            NotificationKind.ESCALATION,
            "逾期未报备，请县司法行政部门予以通报",
        ),
        EscalationStep(working_days(0), Recipient.UNIT, NotificationKind.CRITICISM, "逾期未报备，予以通报"),
    ),
    citation=_cite("三、（二）3. 加强行政诉讼案件信息共享", _RESPONSE_CLAUSE),
)

ESCALATION_CHAINS: tuple[EscalationChain, ...] = (LATE_REPORT_CHAIN,)

# ---------------------------------------------------------------------------------------------
# Deadlines
# ---------------------------------------------------------------------------------------------

_LOSS_CLAUSE = _cite(
    "三、（二）3. 加强行政诉讼案件信息共享",
    "对于行政败诉案件，涉诉行政执法单位在收到裁判文书之日起五个工作日内，要将裁判文书、行政败诉原因分析报告和"
    "下一步整改措施向县司法行政部门报备",
)
_LOST = EventMatch(EventKind.JUDGMENT_RECEIVED, {"is_loss": True})


def _loss_rule(rule_id: str, duty_kind: str, zh: str, en: str) -> DeadlineRule:
    # Counted from the day the judgment was received (the event date), not from its effect.
    return DeadlineRule(
        id=rule_id,
        trigger=_LOST,
        title_zh=zh,
        title_en=en,
        due=working_days(5),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.DUTY_SUBMITTED, {"duty_kind": duty_kind}),),
        citation=_LOSS_CLAUSE,
    )


def _quarterly(rule_id: str, report: str, zh: str, en: str, citation: Citation) -> DeadlineRule:
    return DeadlineRule(
        id=rule_id,
        trigger=EventMatch(EventKind.QUARTER_END, {"scope": "jurisdiction"}),
        title_zh=zh,
        title_en=en,
        due=day_of_month(31, months_ahead=3),
        owner=Owner.JUSTICE_BUREAU,
        met_by=(EventMatch(EventKind.REPORT_SUBMITTED, {"report": report}),),
        citation=citation,
    )


def _non_exercise(unit_kind: str, who_zh: str, who_en: str) -> DeadlineRule:
    # "行政执法单位": enforcement agencies and townships (one rule per unit kind). The core cannot
    # tell which units exercised every duty, so each gets the duty; a unit with nothing to report
    # files a zero report (or the bureau waives it). 31 January is a fixed date and does not move
    # when it falls in the Spring Festival holiday.
    return DeadlineRule(
        id=f"wuyang.annual_non_exercise_report_{unit_kind}",
        trigger=EventMatch(EventKind.YEAR_END, {"scope": "unit", "unit_kind": unit_kind}),
        title_zh=f"{who_zh}一年内未实际履行行政执法职责的，次年1月31日前报告情况及原因",
        title_en=f"A {who_en} that did not exercise a duty during the year reports why by 31 January",
        due=fixed_date(1, 31, years_ahead=1),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.REPORT_SUBMITTED, {"report": "annual_non_exercise"}),),
        citation=_cite(
            "三、（三）2. 加强政府监督",
            "依法负有行政执法职责，但在一年内未实际履行相应职责的行政执法单位，要于次年1月31日前将有关情况及原因报告"
            "县司法行政部门",
        ),
    )


_RANKING = _cite(
    "四、（四）严格督导考核",
    "实行行政败诉案件量和败诉率季度通报制度,每季度进行量化排名,对落后乡镇和部门开展专项督导",
)

DEADLINE_RULES: tuple[DeadlineRule, ...] = (
    DeadlineRule(
        id="wuyang.response_materials_report",
        trigger=EventMatch(EventKind.RESPONSE_NOTICE_RECEIVED),
        title_zh="收到应诉材料之日起3个工作日内向县司法行政部门报备",
        title_en="Report the response materials to the justice administration within 3 working days",
        due=working_days(3),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.RESPONSE_REPORTED),),
        escalation=LATE_REPORT_CHAIN.id,
        citation=_cite("三、（二）3. 加强行政诉讼案件信息共享", _RESPONSE_CLAUSE),
    ),
    _loss_rule(
        "wuyang.loss_judgment_filing",
        "file_judgment",
        "败诉案件收到裁判文书5个工作日内报备裁判文书",
        "Lost case: file the judgment within 5 working days of receiving it",
    ),
    _loss_rule(
        "wuyang.loss_analysis_report",
        "loss_analysis",
        "败诉案件收到裁判文书5个工作日内报备败诉原因分析报告",
        "Lost case: submit the loss-cause analysis within 5 working days of the judgment",
    ),
    _loss_rule(
        "wuyang.loss_rectification_measures",
        "rectification",
        "败诉案件收到裁判文书5个工作日内报备下一步整改措施",
        "Lost case: submit the rectification measures within 5 working days of the judgment",
    ),
    _quarterly(
        "wuyang.quarterly_case_info_sharing",
        "quarterly_case_info_sharing",
        "县法院、县司法行政部门每季度共享行政诉讼案件信息",
        "Court and justice bureau share litigation case information every quarter",
        _cite(
            "三、（二）3. 加强行政诉讼案件信息共享",
            "县法院、县司法行政等部门要相互沟通对接，每季度共享行政诉讼案件信息",
        ),
    ),
    _quarterly(
        "wuyang.quarterly_loss_ranking",
        "quarterly_loss_ranking",
        "行政败诉案件量和败诉率季度通报并量化排名",
        "Quarterly bulletin and ranking of units by losses and loss rate",
        _RANKING,
    ),
    _quarterly(
        "wuyang.quarterly_accountability_bulletin",
        "quarterly_accountability_bulletin",
        "每季度通报执法过错责任追究情况",
        "Quarterly bulletin of enforcement-fault accountability",
        _cite("三、（四）1. 严格执法过错责任追究", "县司法行政部门每季度要通报执法过错责任追究情况"),
    ),
    _quarterly(
        "wuyang.quarterly_onsite_supervision",
        "quarterly_onsite_supervision",
        "每季度上门监督",
        "On-site enforcement supervision every quarter",
        _cite("三、（三）2. 加强政府监督", "采取每季度上门监督、交叉监督、推磨式监督等方式"),
    ),
    DeadlineRule(
        id="wuyang.annual_special_supervision",
        trigger=EventMatch(EventKind.YEAR_END, {"scope": "jurisdiction"}),
        title_zh="每年度开展专项执法监督",
        title_en="Special enforcement supervision every year",
        # Created when a year ends, due by the end of the next year (no year_start event exists).
        due=fixed_date(12, 31, years_ahead=1),
        owner=Owner.JUSTICE_BUREAU,
        met_by=(EventMatch(EventKind.REPORT_SUBMITTED, {"report": "annual_special_supervision"}),),
        citation=_cite("三、（三）2. 加强政府监督", "每年度开展专项执法监督"),
    ),
    _non_exercise("agency", "行政执法部门", "enforcement agency"),
    _non_exercise("township", "乡镇", "township"),
)

REMINDER_RULES: tuple[ReminderRule, ...] = ()

# ---------------------------------------------------------------------------------------------
# Targets: "双下降" and not above the provincial average
# ---------------------------------------------------------------------------------------------

_GOAL = _cite("二、工作目标", "努力实现行政诉讼发案量和败诉率“双下降”且不高于全省平均水平")

TARGETS: tuple[TargetSpec, ...] = (
    TargetSpec(
        id="wuyang.case_volume_falling",
        indicator="case_volume",
        title_zh="行政诉讼发案量同比下降",
        title_en="Lawsuit volume lower than the previous year",
        comparator=Comparator.BELOW,
        yoy_change=Decimal("0"),
        citation=_GOAL,
    ),
    TargetSpec(
        id="wuyang.loss_rate_falling",
        indicator="loss_rate",
        title_zh="行政诉讼败诉率同比下降",
        title_en="Loss rate lower than the previous year",
        comparator=Comparator.BELOW,
        yoy_change=Decimal("0"),
        citation=_GOAL,
    ),
    # For the volume, "全省平均水平" is the provincial average per county, entered by administrators.
    TargetSpec(
        id="wuyang.case_volume_not_above_province",
        indicator="case_volume",
        title_zh="行政诉讼发案量不高于全省平均水平",
        title_en="Lawsuit volume not above the provincial average",
        comparator=Comparator.AT_MOST,
        reference_level="province",
        citation=_GOAL,
    ),
    TargetSpec(
        id="wuyang.loss_rate_not_above_province",
        indicator="loss_rate",
        title_zh="行政诉讼败诉率不高于全省平均水平",
        title_en="Loss rate not above the provincial average",
        comparator=Comparator.AT_MOST,
        reference_level="province",
        citation=_GOAL,
    ),
)

# ---------------------------------------------------------------------------------------------
# Penalties
# ---------------------------------------------------------------------------------------------

PENALTY_RULES: tuple[PenaltyRule, ...] = (
    PenaltyRule(
        id="wuyang.top_three_loss_rate_no_excellent",
        condition=PenaltyCondition(ConditionKind.BOTTOM_N, indicator="loss_rate", n=3),
        penalty=PenaltyKind.NO_EXCELLENT,
        title_zh="年度行政败诉率排列前三位的，不得评为法治政府考核优秀等次",
        title_en="The three units with the highest loss rate cannot be rated excellent",
        citation=_cite("四、（四）严格督导考核", "年度行政败诉率排列前三位的,不得评为法治政府考核优秀等次"),
    ),
    # "落后" sets no rank: the bureau records which units lag in the quarterly ranking.
    PenaltyRule(
        id="wuyang.quarterly_lagging_supervision",
        condition=PenaltyCondition(ConditionKind.EVENT, fact="lagging_in_quarterly_ranking"),
        penalty=PenaltyKind.FOCUS_SUPERVISION,
        period="quarter",
        title_zh="季度排名落后的乡镇和部门开展专项督导",
        title_en="Special supervision of units lagging in the quarterly ranking",
        citation=_RANKING,
    ),
    # "败诉案件数量较多" sets no number: the bureau records the fact.
    PenaltyRule(
        id="wuyang.many_losses_focus_supervision",
        condition=PenaltyCondition(ConditionKind.EVENT, fact="many_losses"),
        penalty=PenaltyKind.FOCUS_SUPERVISION,
        title_zh="败诉案件数量较多的乡镇或执法部门作为重点监督对象，开展“驻站式”执法监督",
        title_en="Units with many losses become focus units for on-site supervision",
        citation=_cite(
            "三、（一）2. 开展“驻站式”执法监督",
            "对败诉案件数量较多的乡镇或执法部门作为重点监督对象，开展现场检查、执法培训、案卷评查等活动",
        ),
    ),
    # 容错免责: the bureau records "fault_tolerance_exemption" against the unit once the error has
    # been found tolerable by the set procedure; the accountability is then listed as exempted.
    PenaltyRule(
        id="wuyang.enforcement_fault_accountability",
        condition=PenaltyCondition(ConditionKind.EVENT, fact="loss_by_enforcement_fault"),
        penalty=PenaltyKind.ACCOUNTABILITY,
        title_zh="因行政执法过错导致败诉的，严格执法过错责任追究",
        title_en="Accountability for a loss caused by an enforcement error",
        citation=_cite(
            "三、（四）1. 严格执法过错责任追究",
            "对于因行政执法过错导致败诉的案件以及执法监督发现的违法或者不当的行政执法行为，要严格按照"
            "《河南省行政执法过错责任追究办法》，加强个案监督和责任追究",
        ),
        exemptions=(
            Exemption(
                fact="fault_tolerance_exemption",
                title_zh="执法容错免责",
                title_en="fault-tolerance exemption for enforcement errors",
                citation=_cite(
                    "三、（四）2. 推行执法容错免责机制",
                    "对执法过错行为进行客观、科学、综合分析，严格认定标准，严把认定程序",
                ),
            ),
        ),
    ),
    PenaltyRule(
        id="wuyang.weak_progress_supervision",
        condition=PenaltyCondition(ConditionKind.EVENT, fact="weak_double_decline_progress"),
        penalty=PenaltyKind.FOCUS_SUPERVISION,
        title_zh="“双下降”工作抓得不紧、推进不力的单位重点跟踪督办",
        title_en="Follow-up supervision of units that push the double decline weakly",
        citation=_cite("三、（五）2. 加强督察督导", "对工作抓得不紧、推进不力的单位进行重点跟踪督办"),
    ),
)

INDICATOR_DEFINITIONS: dict[str, IndicatorDefinition] = {}
"""The plan counts no indicator differently from the national definitions, and adds none: its
"调撤案件数" (三、（五）2.) is the national ``withdrawn_mediated_count``."""
