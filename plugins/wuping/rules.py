"""Wuping county's policy as data: source 001, 武政办〔2023〕47号 (the notice on agencies'
litigation response).

Every rule quotes its clause verbatim. "N日" is counted in calendar days and rolled past a
holiday (the procedure-law rule); "N个工作日" in working days. Rates are percentages.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core.calendar.rules import (
    calendar_days,
    day_of_month,
    fixed_date,
    immediate,
    months,
    working_days,
)
from core.enums import NotificationKind, OfficialRank, UnitKind
from core.policy.types import (
    Citation,
    Comparator,
    ConditionKind,
    DeadlineRule,
    EscalationChain,
    EscalationStep,
    EventKind,
    EventMatch,
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
    SubstitutePolicy,
    TargetSpec,
)

CODE = "wuping"
SOURCE = "001_65b9a4aea3f36102.txt"
DOCUMENT = SourceDocument(
    key=SOURCE,
    title="武平县人民政府办公室关于进一步做好行政机关行政应诉工作的通知",
    number="武政办〔2023〕47号",
    issuer="武平县人民政府办公室",
    date=dt.date(2023, 8, 28),
)


def _cite(section: str, clause: str) -> Citation:
    return Citation(source=SOURCE, section=section, clause=clause, document=DOCUMENT)


PROFILE = JurisdictionProfile(
    code=CODE,
    name="武平县",
    name_en="Wuping County",
    level="county",
    # The notice states no population. (Longyan's 7th census bulletin only says Wuping has fewer
    # than 300,000 residents.) An administrator enters the census figure before 万人成讼率 is shown.
    population=None,
    parent_name="龙岩市",
    province_name="福建省",
    # "高于全市平均水平" compares with Longyan's city average of 万人成讼率, which the notice does
    # not state: administrators enter it each year (set_reference_figure, level "city").
    references=(),
    citation=_cite("文号", "武平县人民政府办公室关于进一步做好行政机关行政应诉工作的通知"),
)

# ---------------------------------------------------------------------------------------------
# Escalation: agency → county justice bureau → county leader in charge → principal county leader
# ---------------------------------------------------------------------------------------------

ESCALATION = EscalationChain(
    id="wuping.escalation",
    title_zh="涉诉行政机关→县司法局→分管县领导督促→县政府主要领导约谈",
    # The notice names the steps but no intervals; the intervals are the national default chain's
    # (0, 1, 3 and 5 working days after the due date).
    steps=(
        EscalationStep(
            working_days(0), Recipient.UNIT, NotificationKind.REMINDER, "期限已届满，请涉诉行政机关立即办理"
        ),
        EscalationStep(
            working_days(1), Recipient.JUSTICE_BUREAU, NotificationKind.ESCALATION, "逾期未办，县司法局督办"
        ),
        EscalationStep(
            working_days(3),
            Recipient.COUNTY_LEADER_IN_CHARGE,
            NotificationKind.ESCALATION,
            "县司法局视情向相关分管县领导通报，由分管县领导协助督促",
        ),
        EscalationStep(
            working_days(5),
            Recipient.COUNTY_PRINCIPAL_LEADER,
            NotificationKind.INTERVIEW,
            "由县政府主要领导约谈",
        ),
    ),
    citation=_cite("五、强化监督管理", "县司法局视情向相关分管县领导通报,并由相关分管县领导协助督促"),
)

ESCALATION_CHAINS: tuple[EscalationChain, ...] = (ESCALATION,)

# ---------------------------------------------------------------------------------------------
# Deadlines
# ---------------------------------------------------------------------------------------------

_LETTER = EventMatch(EventKind.RESOLUTION_ASSIGNED, {"by_court_letter": True})
_CONCLUDED = (EventMatch(EventKind.RESOLUTION_SUCCEEDED), EventMatch(EventKind.RESOLUTION_FAILED))
_ORAL = {"source": "court_oral_notice"}

# The letter's period may be extended "在征得各方当事人同意后" with no limit on how often or how
# long: ``None`` for both limits (every party's consent and telling the court still apply).

_LETTER_PERIOD_CLAUSE = (
    "《委托协调化解函》的协调化解期限原则上为一个月,在征得各方当事人同意后可以延长,"
    "涉诉行政机关应及时将延长情况函告人民法院,并抄送县司法局"
)


def _annual_training(unit_kind: str, who_zh: str, who_en: str) -> DeadlineRule:
    # "各行政机关": agencies and townships (one rule per unit kind; the justice bureau and the
    # court units do not train themselves under this notice). Created when a year begins, due by
    # its last day; met by that year's report.
    return DeadlineRule(
        id=f"wuping.annual_response_training_{unit_kind}",
        trigger=EventMatch(EventKind.YEAR_START, {"scope": "unit", "unit_kind": unit_kind}),
        title_zh=f"{who_zh}每年开展一次以上行政应诉集中培训、旁听庭审等活动",
        title_en=f"Each {who_en}: at least one litigation-response training or court observation a year",
        due=fixed_date(12, 31, years_ahead=0),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.REPORT_SUBMITTED, {"report": "annual_response_training"}),),
        escalation=ESCALATION.id,
        citation=_cite("三、加强行政应诉能力建设", "每年开展一次以上集中培训、旁听庭审等活动"),
    )


DEADLINE_RULES: tuple[DeadlineRule, ...] = (
    DeadlineRule(
        id="wuping.oral_notice_feedback",
        trigger=EventMatch(EventKind.DISPUTE_RECORDED, _ORAL),
        title_zh="被口头通知行政起诉事项的，5日内向县司法局反馈协调化解情况",
        title_en="After the court's oral notice, report to the justice bureau within 5 days",
        # Counted from the oral notice (origin_date). The core has no dispute-level "feedback" event,
        # so the agency's recording of the notice with its coordination situation is the report:
        # met at once, late when recorded more than 5 days after the notice.
        anchor="origin_date",
        due=calendar_days(5),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.DISPUTE_RECORDED, _ORAL),),
        escalation=ESCALATION.id,
        citation=_cite(
            "一、（一）诉前协调化解",
            "涉诉行政机关被口头通知行政起诉事项的,应当自收到通知后5日内向县司法局反馈协调化解情况",
        ),
    ),
    DeadlineRule(
        id="wuping.oral_notice_forward",
        trigger=EventMatch(EventKind.DISPUTE_RECORDED, _ORAL),
        title_zh="县司法局收到法院口头通知后立即告知涉诉行政机关并报送分管县领导",
        title_en="Justice bureau forwards the court's oral notice to the agency and county leader at once",
        # No event of its own: the bureau marks it met by hand.
        anchor="origin_date",
        due=immediate(),
        owner=Owner.JUSTICE_BUREAU,
        urgent=True,
        escalation=ESCALATION.id,
        citation=_cite(
            "一、（一）诉前协调化解",
            "县司法局在收到人民法院尚未立案之前的口头通知行政起诉事项或《委托协调化解函》时,"
            "应立即告知涉诉行政机关并报送相关分管县领导",
        ),
    ),
    DeadlineRule(
        id="wuping.court_letter_forward",
        trigger=_LETTER,
        title_zh="县司法局收到《委托协调化解函》后及时告知涉诉行政机关并报送分管县领导",
        title_en="Justice bureau forwards a court coordination letter to the county leader in charge at once",
        # Assigning the effort tells the agency; reporting to the county leader is marked by hand.
        # Applies at every stage (诉前, 诉中, 宣判后 use the same wording).
        due=immediate(),
        owner=Owner.JUSTICE_BUREAU,
        escalation=ESCALATION.id,
        citation=_cite(
            "一、（二）诉中协调化解",
            "县司法局收到人民法院出具的《委托协调化解函》后,应及时告知涉诉行政机关并报送相关分管县领导,"
            "由相关分管县领导和县司法局共同督促涉诉行政机关协调化解",
        ),
    ),
    DeadlineRule(
        id="wuping.coordination_letter_period",
        trigger=_LETTER,
        title_zh="《委托协调化解函》协调化解期限一个月，届满前书面函告法院（经各方同意可延长）",
        title_en="Resolve a court coordination letter within one month and reply in writing before it ends",
        # Counted from the assignment of the letter to the agency. The written reply (反馈函) is the
        # conclusion of the effort; a failed effort's reply states the process, both sides' claims,
        # the point in dispute and why it failed (recorded by conclude_resolution).
        due=months(1),
        owner=Owner.UNIT,
        met_by=_CONCLUDED,
        escalation=ESCALATION.id,
        extension=ExtensionPolicy(
            max_extensions=None,
            max_extension=None,
            requires_applicant_consent=True,
            requires_all_parties=True,
            inform_court=True,
            citation=_cite("一、（一）诉前协调化解", _LETTER_PERIOD_CLAUSE),
        ),
        citation=_cite(
            "一、（一）诉前协调化解",
            "涉诉行政机关在协调化解期限届满前应及时将结果以《委托协调化解反馈函》书面函告人民法院,并抄送县司法局",
        ),
    ),
    DeadlineRule(
        id="wuping.coordination_weekly_progress",
        trigger=_LETTER,
        title_zh="收到《委托协调化解函》后每周向县司法局通报协调化解进展",
        title_en="Report coordination progress to the justice bureau every week while a letter is open",
        due=calendar_days(7),
        recurring=calendar_days(7),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.RESOLUTION_PROGRESS_REPORTED),),
        cancelled_by=_CONCLUDED,
        escalation=ESCALATION.id,
        citation=_cite(
            "五、强化监督管理", "涉诉行政机关收到《委托协调化解函》后,应每周向县司法局通报协调化解进展情况"
        ),
    ),
    DeadlineRule(
        id="wuping.response_notice_report",
        trigger=EventMatch(EventKind.RESPONSE_NOTICE_RECEIVED),
        title_zh="收到应诉通知书后3日内告知县司法局并向分管县领导报告",
        title_en="Tell the justice bureau and the county leader within 3 days of the response notice",
        due=calendar_days(3),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.RESPONSE_REPORTED),),
        escalation=ESCALATION.id,
        citation=_cite(
            "一、（二）诉中协调化解",
            "涉诉行政机关应在收到人民法院应诉通知书及相关材料后3日内告知县司法局并向相关分管县领导报告",
        ),
    ),
    DeadlineRule(
        id="wuping.head_appearance",
        trigger=EventMatch(EventKind.HEARING_SCHEDULED, {"head_required": True}),
        title_zh="法院要求负责人出庭的，主要负责人（县政府为被告的由分管副县长）必须出庭",
        title_en="When the court asks, the principal head (county government: deputy county head) appears",
        # Met when the hearing is held with a qualifying head present (see caseload_qualifying_head_ranks);
        # a hearing without one leaves the duty breached.
        anchor="hearing_date",
        due=calendar_days(0, roll=False),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.HEARING_HELD, {"head_attended": True}),),
        urgent=True,
        escalation=ESCALATION.id,
        citation=_cite(
            "二、依法履行行政机关负责人出庭应诉职责",
            "凡人民法院要求行政机关负责人出庭的,必须由涉诉行政机关的主要负责人出庭;以县政府为被告的案件由分管副县长出庭",
        ),
    ),
    DeadlineRule(
        id="wuping.judgment_filing",
        trigger=EventMatch(EventKind.JUDGMENT_EFFECTIVE),
        title_zh="裁判文书生效后7个工作日内向县司法局备案",
        title_en="File the effective judgment with the justice bureau within 7 working days",
        due=working_days(7),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.DUTY_SUBMITTED, {"duty_kind": "file_judgment"}),),
        escalation=ESCALATION.id,
        citation=_cite(
            "五、强化监督管理", "涉诉行政机关应当在收到行政裁判法律文书生效后的7个工作日内,向县司法局备案"
        ),
    ),
    DeadlineRule(
        id="wuping.loss_analysis_report",
        trigger=EventMatch(EventKind.JUDGMENT_EFFECTIVE, {"is_loss": True}),
        title_zh="败诉的，收到生效法律文书后30日内报送《行政案件败诉原因分析报告》",
        title_en="After a loss, submit the loss-cause analysis within 30 days of the effective judgment",
        due=calendar_days(30),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.DUTY_SUBMITTED, {"duty_kind": "loss_analysis"}),),
        escalation=ESCALATION.id,
        citation=_cite(
            "五、强化监督管理",
            "败诉行政机关还应当自收到生效法律文书后30日内形成《行政案件败诉原因分析报告》,报送县司法局",
        ),
    ),
    DeadlineRule(
        id="wuping.quarterly_bulletin",
        trigger=EventMatch(EventKind.QUARTER_END, {"scope": "jurisdiction"}),
        title_zh="按季度通报全县行政机关行政诉讼工作情况",
        title_en="Quarterly bulletin on all agencies' litigation work",
        # The bulletin on the quarter just ended, issued within the following quarter.
        due=day_of_month(31, months_ahead=3),
        owner=Owner.JUSTICE_BUREAU,
        met_by=(EventMatch(EventKind.REPORT_SUBMITTED, {"report": "quarterly_bulletin"}),),
        escalation=ESCALATION.id,
        citation=_cite("五、强化监督管理", "按季度通报全县行政机关行政诉讼工作情况"),
    ),
    _annual_training("agency", "行政执法单位", "agency"),
    _annual_training("township", "乡镇（街道）", "township"),
)

REMINDER_RULES: tuple[ReminderRule, ...] = ()

# ---------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------

_DOUBLE_DECLINE = _cite("序言", "实现行政诉讼败诉率、万人成讼率“双下降”目标")

TARGETS: tuple[TargetSpec, ...] = (
    TargetSpec(
        id="wuping.loss_rate_decline",
        indicator="loss_rate",
        title_zh="行政诉讼败诉率同比下降",
        title_en="Loss rate lower than the previous year",
        comparator=Comparator.BELOW,
        yoy_change=Decimal("0"),
        citation=_DOUBLE_DECLINE,
    ),
    TargetSpec(
        id="wuping.suits_per_10k_decline",
        indicator="suits_per_10k",
        title_zh="万人成讼率同比下降",
        title_en="Lawsuits per 10,000 residents lower than the previous year",
        comparator=Comparator.BELOW,
        yoy_change=Decimal("0"),
        citation=_DOUBLE_DECLINE,
    ),
    TargetSpec(
        id="wuping.head_appearance_full",
        indicator="head_appearance_rate",
        title_zh="行政机关负责人出庭应诉率达100%",
        title_en="Head appearance rate 100%",
        comparator=Comparator.AT_LEAST,
        value=Decimal("100"),
        citation=_cite("二、依法履行行政机关负责人出庭应诉职责", "确保我县行政机关负责人出庭应诉率达100%"),
    ),
    TargetSpec(
        id="wuping.suits_per_10k_not_above_city",
        indicator="suits_per_10k",
        title_zh="涉诉行政机关万人成讼率不高于全市平均水平",
        title_en="Each agency's lawsuits per 10,000 residents not above the city average",
        comparator=Comparator.AT_MOST,
        reference_level="city",
        applies_to="unit",
        citation=_cite("四、切实降低“万人成讼率”", "涉诉行政机关“万人成讼率”年度指标高于全市平均水平的"),
    ),
)

# ---------------------------------------------------------------------------------------------
# Penalties
# ---------------------------------------------------------------------------------------------

_SUITS_ABOVE_CITY = _cite(
    "四、切实降低“万人成讼率”",
    "涉诉行政机关“万人成讼率”年度指标高于全市平均水平的,在县对县直或县对乡镇绩效考评中,"
    "关于“行政诉讼万人成讼率”考核指标部分,不得分,同时取消涉诉行政机关及其主要领导相关评先评优资格,"
    "并视情作出通报批评",
)
_ABOVE_CITY = PenaltyCondition(
    ConditionKind.ABOVE_REFERENCE, indicator="suits_per_10k", reference_level="city"
)
_EFFICIENCY = _cite(
    "三、加强行政应诉能力建设",
    "行政机关未有效落实行政执法决定合法性审查导致行政案件败诉的,或在人民法院审理过程中已发现行政案件存在败诉风险,"
    "涉诉行政机关拒不纠错导致行政案件败诉的,由县效能办对败诉行政机关主要领导及其相关责任人员予以效能问责",
)

PENALTY_RULES: tuple[PenaltyRule, ...] = (
    PenaltyRule(
        id="wuping.head_appearance_zero_score",
        condition=PenaltyCondition(
            ConditionKind.BELOW_VALUE, indicator="head_appearance_rate", value=Decimal("100")
        ),
        penalty=PenaltyKind.ZERO_SCORE,
        indicator="head_appearance_rate",
        title_zh="负责人出庭应诉率未达到100%的，该项考核指标不得分",
        title_en="Head appearance rate below 100%: zero score on that indicator",
        citation=_cite(
            "二、依法履行行政机关负责人出庭应诉职责",
            "涉诉行政机关负责人出庭应诉率未达到100%的,在县对县直或县对乡镇绩效考评中关于“行政机关负责人出庭应诉率”"
            "考核指标部分,不得分",
        ),
    ),
    PenaltyRule(
        id="wuping.suits_per_10k_zero_score",
        condition=_ABOVE_CITY,
        penalty=PenaltyKind.ZERO_SCORE,
        indicator="suits_per_10k",
        title_zh="万人成讼率高于全市平均水平的，该项考核指标不得分",
        title_en="Lawsuits per 10,000 above the city average: zero score on that indicator",
        citation=_SUITS_ABOVE_CITY,
    ),
    PenaltyRule(
        id="wuping.suits_per_10k_award_ineligible",
        condition=_ABOVE_CITY,
        penalty=PenaltyKind.AWARD_INELIGIBLE,
        title_zh="万人成讼率高于全市平均水平的，取消单位及其主要领导评先评优资格",
        title_en="Lawsuits per 10,000 above the city average: unit and its head lose award eligibility",
        citation=_SUITS_ABOVE_CITY,
    ),
    PenaltyRule(
        id="wuping.suits_per_10k_criticism",
        condition=_ABOVE_CITY,
        penalty=PenaltyKind.CRITICISM,
        # "视情": the criticism is at the bureau's discretion; the assessment lists it as possible.
        title_zh="万人成讼率高于全市平均水平的，视情通报批评",
        title_en="Lawsuits per 10,000 above the city average: public criticism at discretion",
        citation=_SUITS_ABOVE_CITY,
    ),
    # "败诉率高或行政诉讼案件数量多" sets no threshold: the bureau records the fact.
    PenaltyRule(
        id="wuping.reminder_letter",
        condition=PenaltyCondition(ConditionKind.EVENT, fact="high_loss_rate_or_many_cases"),
        penalty=PenaltyKind.REMINDER_LETTER,
        period="quarter",
        title_zh="败诉率高或案件数量多的发《工作提醒函》",
        title_en="Reminder letter to agencies with a high loss rate or many cases",
        citation=_cite(
            "五、强化监督管理", "适时对败诉率高或行政诉讼案件数量多的涉诉行政机关发《工作提醒函》"
        ),
    ),
    PenaltyRule(
        id="wuping.principal_leader_interview",
        condition=PenaltyCondition(ConditionKind.EVENT, fact="reminder_letter_ignored_rates_high"),
        penalty=PenaltyKind.INTERVIEW,
        title_zh="未落实《工作提醒函》且败诉率、万人成讼率持续较高的，由县政府主要领导约谈",
        title_en="Reminder letter ignored and rates still high: interview by the principal county leader",
        citation=_cite(
            "五、强化监督管理",
            "涉诉行政机关未有效落实《工作提醒函》,且“败诉率”“万人成讼率”持续较高的,由县政府主要领导约谈",
        ),
    ),
    PenaltyRule(
        id="wuping.no_legality_review_accountability",
        condition=PenaltyCondition(ConditionKind.EVENT, fact="loss_without_legality_review"),
        penalty=PenaltyKind.ACCOUNTABILITY,
        title_zh="未落实合法性审查导致败诉的，对主要领导及相关责任人员效能问责",
        title_en="Loss caused by skipping the legality review: efficiency accountability",
        citation=_EFFICIENCY,
    ),
    PenaltyRule(
        id="wuping.refused_correction_accountability",
        condition=PenaltyCondition(ConditionKind.EVENT, fact="loss_after_refusing_correction"),
        penalty=PenaltyKind.ACCOUNTABILITY,
        title_zh="审理中已发现败诉风险拒不纠错导致败诉的，效能问责",
        title_en="Loss after refusing to correct a known defect during the suit: efficiency accountability",
        citation=_EFFICIENCY,
    ),
    PenaltyRule(
        id="wuping.loss_responsibility_accountability",
        condition=PenaltyCondition(ConditionKind.EVENT, fact="responsible_for_loss"),
        penalty=PenaltyKind.ACCOUNTABILITY,
        title_zh="对行政败诉案件负有责任的，按龙政办〔2022〕59号追责",
        title_en="Accountability under the Longyan loss-accountability measures for those responsible",
        citation=_cite(
            "五、强化监督管理",
            "对行政败诉案件负有责任的涉诉行政机关及其工作人员,严格按照《龙岩市人民政府办公室关于印发龙岩市行政案件"
            "败诉责任追究办法(试行)的通知》(龙政办〔2022〕59号)等规定进行追责",
        ),
    ),
)

# ---------------------------------------------------------------------------------------------
# Indicators and hearings
# ---------------------------------------------------------------------------------------------

INDICATOR_DEFINITIONS: dict[str, IndicatorDefinition] = {
    "suits_per_10k": IndicatorDefinition(
        indicator="suits_per_10k",
        description_zh=(
            "万人成讼率按年度、按涉诉行政机关分别计算：该机关当年新收一审行政诉讼案件数÷全县人口×10000，"
            "与全市平均水平比较"
        ),
        instances=frozenset({"first"}),
        citation=_cite("四、切实降低“万人成讼率”", "涉诉行政机关“万人成讼率”年度指标高于全市平均水平的"),
    ),
}

HEAD_RANKS_WHEN_COURT_ASKS: dict[str, list[str]] = {
    # "必须由涉诉行政机关的主要负责人出庭"
    UnitKind.AGENCY.value: [OfficialRank.PRINCIPAL_HEAD.value],
    UnitKind.TOWNSHIP.value: [OfficialRank.PRINCIPAL_HEAD.value],
    # "以县政府为被告的案件由分管副县长出庭"; the principal county leader, who outranks the
    # deputy, also satisfies the duty.
    UnitKind.COUNTY_GOVERNMENT.value: [
        OfficialRank.COUNTY_LEADER_IN_CHARGE.value,
        OfficialRank.COUNTY_PRINCIPAL_LEADER.value,
    ],
}
"""Qualifying ranks when the court asks for the head. Other unit kinds, and hearings where the
court did not ask, follow the national defaults."""

SUBSTITUTE_WHEN_COURT_ASKS = SubstitutePolicy(
    # "涉诉行政机关主要负责人有正当理由不能出庭的,经分管县领导同意后可以由分管领导出庭并告知县司法局":
    # the deputy head in charge, approved by the county leader in charge; recording the approval in
    # caseload is the notice to the justice bureau. Agencies and townships (the county government's
    # own rule names the deputy county head directly).
    ranks=frozenset({OfficialRank.DEPUTY_HEAD.value}),
    approver_ranks=frozenset({OfficialRank.COUNTY_LEADER_IN_CHARGE.value}),
    title_zh="主要负责人有正当理由不能出庭的，经分管县领导同意由分管领导出庭",
    citation=_cite(
        "二、依法履行行政机关负责人出庭应诉职责",
        "涉诉行政机关主要负责人有正当理由不能出庭的,经分管县领导同意后可以由分管领导出庭并告知县司法局",
    ),
)
SUBSTITUTE_UNIT_KINDS = frozenset({UnitKind.AGENCY.value, UnitKind.TOWNSHIP.value})
