"""Qiannan prefecture's policy as data: source 004 (report on "两降一升", Jan–Aug 2021).

The source is published in traditional characters and carries conversion artefacts (e.g.
"規(guī)定" for 规定, "內(nèi)" for 内); the quotes keep them verbatim so the conformance kit
can find them. Rates are percentages. "N日" is counted in calendar days (rolled past a holiday;
a date before a hearing rolls back to the last working day before it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from core.calendar.rules import calendar_days, day_of_month, immediate, working_days
from core.enums import NotificationKind
from core.policy.types import (
    Citation,
    Comparator,
    ConditionKind,
    CountedRecords,
    CustomIndicator,
    DeadlineRule,
    EscalationChain,
    EscalationStep,
    EventKind,
    EventMatch,
    IndicatorDefinition,
    IndicatorKind,
    JurisdictionProfile,
    Owner,
    PenaltyCondition,
    PenaltyKind,
    PenaltyRule,
    Recipient,
    RecordFilter,
    ReferenceAverage,
    ReminderRule,
    SourceDocument,
    TargetSpec,
)

CODE = "qiannan"
SOURCE = "004_ed825c3047b6dab0.txt"
DOCUMENT = SourceDocument(
    key=SOURCE,
    # A news report, not a normative document: it has no 文号.
    title="黔南州司法局“三个加强”推动司法行政工作取得实效",
    issuer="法制生活报",
    date=dt.date(2021, 10, 8),
)


def _cite(section: str, clause: str) -> Citation:
    return Citation(source=SOURCE, section=section, clause=clause, document=DOCUMENT)


_FIGURES = "今年1月至8月"
_CORRECTION_AVG = _cite(_FIGURES, "黔南州行政復議行政機關被糾錯率8.28%(全省平均水平14.05%)")
_LOSS_AVG = _cite(_FIGURES, "行政訴訟行政機關敗訴率21.74%(全省平均水平22.33%)")
_APPEARANCE_AVG = _cite(_FIGURES, "行政機關負責人出庭應訴率75.76%(全省平均水平73.99%)")

# The source's figures are for January–August 2021; they are stored as the 2021 provincial
# averages (administrators replace them with full-year figures when published).
REFERENCE_YEAR = 2021

PROFILE = JurisdictionProfile(
    code=CODE,
    name="黔南州",
    name_en="Qiannan Buyei and Miao Autonomous Prefecture",
    level="prefecture",
    # The report states no population; an administrator enters the census figure.
    population=None,
    parent_name=None,  # a prefecture directly under the province
    province_name="贵州省",
    references=(
        ReferenceAverage("correction_rate", "province", REFERENCE_YEAR, Decimal("14.05"), _CORRECTION_AVG),
        ReferenceAverage("loss_rate", "province", REFERENCE_YEAR, Decimal("22.33"), _LOSS_AVG),
        ReferenceAverage(
            "head_appearance_rate", "province", REFERENCE_YEAR, Decimal("73.99"), _APPEARANCE_AVG
        ),
    ),
    citation=_cite("标题", "黔南州司法局“三個加強”推動司法行政工作取得實效"),
)


@dataclass(frozen=True)
class ReportedFigure:
    """A figure the report states with its numerator and denominator: a check on indicator code."""

    indicator: str
    numerator: int
    denominator: int
    rate: Decimal  # percent, two decimals, as printed
    citation: Citation


REPORTED_FIGURES_2021_JAN_AUG: tuple[ReportedFigure, ...] = (
    ReportedFigure(
        "correction_rate",
        14,
        169,
        Decimal("8.28"),
        _cite(_FIGURES, "辦結169件。行政機關被糾錯14件,被糾錯率8.28%"),
    ),
    ReportedFigure(
        "loss_rate",
        110,
        506,
        Decimal("21.74"),
        _cite(_FIGURES, "黔南州已結案行政應訴一審506件,一審敗訴110件,敗訴率21.74%"),
    ),
    ReportedFigure(
        "head_appearance_rate",
        275,
        363,
        Decimal("75.76"),
        _cite(_FIGURES, "全州已開庭行政應訴一審363件,行政機關負責人出庭應訴275件,出庭應訴率75.76%"),
    ),
    # The mediation rate's denominator is not printed next to it; 76 ÷ 169 concluded cases = 44.97%.
    ReportedFigure(
        "mediation_rate",
        76,
        169,
        Decimal("44.97"),
        _cite("加強行政調解提高調處效能", "黔南州行政復議調(diào)解成功76件,調(diào)解成功率44.97%"),
    ),
)

# ---------------------------------------------------------------------------------------------
# Escalation
# ---------------------------------------------------------------------------------------------

_DIRECT_CLAUSE = (
    "如出現(xiàn)特殊緊急情況,黔南州委依法治州辦常務副主任直接通知縣(市)黨政一把手督辦安排行政負責人出庭應訴;"
    "如出現(xiàn)行政機關負責人不配合,在開庭前一天或當天即將開庭前出現(xiàn)行政機關無法派人出庭情況時,"
    "州委依法治州辦常務副主任及時向州委依法治州辦主任報告處理意見,要求縣(市)黨政一把手安排行政機關負責人出庭應訴"
)

DIRECT_CHAIN = EscalationChain(
    id="qiannan.direct",
    title_zh="“一直达”：州委依法治州办常务副主任→县（市）党政一把手，并报告州委依法治州办主任",
    # All at once: the source acts "在开庭前一天或当天", there is no time to wait. Recipient
    # COUNTY_PRINCIPAL_LEADER stands for the county (city) party and government heads (党政一把手).
    steps=(
        EscalationStep(
            calendar_days(0),
            Recipient.PREFECTURE_OFFICE,
            NotificationKind.ESCALATION,
            "州委依法治州办常务副主任：无符合规定的负责人出庭，请直接通知县（市）党政一把手",
        ),
        EscalationStep(
            calendar_days(0),
            Recipient.COUNTY_PRINCIPAL_LEADER,
            NotificationKind.ESCALATION,
            "县（市）党政一把手督办安排行政机关负责人出庭应诉",
        ),
        EscalationStep(
            calendar_days(0),
            Recipient.PREFECTURE_OFFICE,
            NotificationKind.INFO,
            "常务副主任向州委依法治州办主任报告处理意见",
        ),
    ),
    citation=_cite("“两提两核一直达”", _DIRECT_CLAUSE),
)

_PACKAGE_CLAUSE = _cite(
    "“一清两包”", "對領導包案化解不到位的,采取電話提醒、約談等措施督促相關責任人落實包案化解"
)

PACKAGE_CHAIN = EscalationChain(
    id="qiannan.package_followup",
    title_zh="包案化解不到位：电话提醒→约谈",
    # The source names the measures, not their timing: the interview comes after the national
    # default chain's interval for an interview (5 working days).
    steps=(
        EscalationStep(
            working_days(0),
            Recipient.COUNTY_LEADER_IN_CHARGE,
            NotificationKind.REMINDER,
            "电话提醒包案领导落实包案化解",
        ),
        EscalationStep(
            working_days(5),
            Recipient.COUNTY_LEADER_IN_CHARGE,
            NotificationKind.INTERVIEW,
            "约谈相关责任人落实包案化解",
        ),
    ),
    citation=_PACKAGE_CLAUSE,
)

_WINDOWS = _cite("規(guī)定行政化解工作時限", "利用法院審查的7天時間內(nèi)最大限度化解爭議")

WINDOW_CHAIN = EscalationChain(
    id="qiannan.window",
    title_zh="诉前化解窗口届满：仅提醒承办单位",
    # "最大限度化解" / "化解一批" are best efforts within the court's windows, not duties whose
    # breach is escalated: when a window passes the unit is only told.
    steps=(
        EscalationStep(
            working_days(0), Recipient.UNIT, NotificationKind.REMINDER, "诉前化解的时间窗口已届满"
        ),
    ),
    citation=_WINDOWS,
)

ESCALATION_CHAINS: tuple[EscalationChain, ...] = (DIRECT_CHAIN, PACKAGE_CHAIN, WINDOW_CHAIN)

# ---------------------------------------------------------------------------------------------
# Deadlines: "两提两核" before every hearing
# ---------------------------------------------------------------------------------------------

_DESIGNATE_CLAUSE = _cite(
    "“两提两核一直达”", "在行政訴訟開庭前一周,提醒填報出庭應訴行政機關負責人,并收集出庭人信息"
)
_PHONE_CLAUSE = _cite(
    "“两提两核一直达”",
    "開庭前一天,電話提醒應出庭應訴人員出庭應訴,遇到特殊情況預出庭應訴領導不能出庭的,"
    "及時通知更換符合相關規(guī)定行政機關負責人出庭應訴,做到100%通知率",
)
_IDENTITY_CLAUSE = _cite(
    "“两提两核一直达”",
    "核實出庭人身份是否符合出庭應訴法定身份規(guī)定,發(fā)現(xiàn)不符合要求的立即通知行政機關更換人員,"
    "確保出庭應訴行政機關負責人身份合法",
)
_ATTENDANCE_CLAUSE = _cite("“两提两核一直达”", "核實開庭前出庭應訴人是否實際到庭")
_HEARING = EventMatch(EventKind.HEARING_SCHEDULED)

HEARING_RULES: tuple[DeadlineRule, ...] = (
    # Every hearing, not only those where the court asks: the goal is 100% appearance.
    DeadlineRule(
        id="qiannan.hearing_designate_head",
        trigger=_HEARING,
        title_zh="开庭前一周填报出庭应诉行政机关负责人",
        title_en="Name the appearing head one week before the hearing",
        anchor="hearing_date",
        due=calendar_days(-7),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.HEARING_HEAD_DESIGNATED),),
        # 两核: a rejected identity check means the unit must name someone else (立即通知行政机关更换人员).
        reopened_by=(EventMatch(EventKind.HEARING_IDENTITY_CHECKED, {"verified": False}),),
        citation=_DESIGNATE_CLAUSE,
    ),
    DeadlineRule(
        id="qiannan.hearing_phone_reminder",
        trigger=_HEARING,
        title_zh="开庭前一天电话提醒出庭应诉人员",
        title_en="Phone the appearing head the day before the hearing",
        # No event of its own: the office marks the call done by hand.
        anchor="hearing_date",
        due=calendar_days(-1),
        owner=Owner.JUSTICE_BUREAU,
        citation=_PHONE_CLAUSE,
    ),
    DeadlineRule(
        id="qiannan.hearing_identity_check",
        trigger=_HEARING,
        title_zh="核实出庭人身份是否符合出庭应诉法定身份规定",
        title_en="Check the named person is a qualifying head (replace if not)",
        # The source fixes no day; the check must be passed before the hearing opens, so it is due
        # on the hearing day. Only a passed check meets it: a failed one means "replace the person".
        anchor="hearing_date",
        due=calendar_days(0, roll=False),
        owner=Owner.JUSTICE_BUREAU,
        met_by=(EventMatch(EventKind.HEARING_IDENTITY_CHECKED, {"verified": True}),),
        escalation=DIRECT_CHAIN.id,
        urgent=True,
        citation=_IDENTITY_CLAUSE,
    ),
    DeadlineRule(
        id="qiannan.hearing_attendance_check",
        trigger=_HEARING,
        title_zh="核实开庭前出庭应诉人是否实际到庭",
        title_en="Check the head actually appeared at the hearing",
        # Recording the hearing as held (with whether the head attended) is the check.
        anchor="hearing_date",
        due=calendar_days(0, roll=False),
        owner=Owner.JUSTICE_BUREAU,
        met_by=(EventMatch(EventKind.HEARING_HELD),),
        escalation=DIRECT_CHAIN.id,
        urgent=True,
        citation=_ATTENDANCE_CLAUSE,
    ),
)

REMINDER_RULES: tuple[ReminderRule, ...] = (
    ReminderRule(
        id="qiannan.remind_designate_head",
        days_before=7,
        action="designate",
        title_zh="开庭前一周提醒填报出庭应诉负责人",
        title_en="Remind the unit to name the head a week ahead",
        citation=_DESIGNATE_CLAUSE,
    ),
    ReminderRule(
        id="qiannan.remind_by_phone",
        days_before=1,
        action="phone",
        title_zh="开庭前一天电话提醒出庭",
        title_en="Phone reminder the day before the hearing",
        citation=_PHONE_CLAUSE,
    ),
    ReminderRule(
        id="qiannan.check_head_identity",
        days_before=0,
        action="identity_check",
        title_zh="核实出庭人身份",
        title_en="Check the appearing person's identity",
        citation=_IDENTITY_CLAUSE,
    ),
    ReminderRule(
        id="qiannan.check_head_attendance",
        days_before=0,
        action="attendance_check",
        title_zh="核实出庭人是否实际到庭",
        title_en="Check the head actually appeared",
        citation=_ATTENDANCE_CLAUSE,
    ),
)

# ---------------------------------------------------------------------------------------------
# Deadlines: "一清两包" and major disputes before filing
# ---------------------------------------------------------------------------------------------

_PREFECTURE_PACKAGE = _cite(
    "“一清两包”·包案督促",
    "對于套案數(shù)量較大的重大復議訴訟案件、群體性復議訴訟案件,由案件涉及領域的州政府分管領導牽頭包辦督促化解,降低敗訴率",
)
_LEADER = (EventMatch(EventKind.LEADER_ASSIGNED),)


def _package(rule_id: str, when: dict[str, object], zh: str, en: str, citation: Citation) -> DeadlineRule:
    # The report sets no period for taking a case: due at once when it is recorded.
    return DeadlineRule(
        id=rule_id,
        trigger=EventMatch(EventKind.DISPUTE_RECORDED, when),
        title_zh=zh,
        title_en=en,
        due=immediate(),
        owner=Owner.COUNTY_LEADER,
        met_by=_LEADER,
        escalation=PACKAGE_CHAIN.id,
        citation=citation,
    )


_ORAL_MAJOR = {"source": "court_oral_notice", "is_major": True}
_LETTER_MAJOR = {"source": "court_letter", "is_major": True}
_EXPERT = _cite(
    "規(guī)定行政化解工作時限",
    "對于還未立案的案件,各縣(市)、黔南州直部門3日內(nèi)組織重大行政糾紛專家組審核",
)
_PLAN = _cite("規(guī)定行政化解工作時限", "5日內(nèi)制作化解方案")


def _major(
    rule_id: str, when: dict[str, object], days: int, zh: str, en: str, citation: Citation
) -> DeadlineRule:
    # "还未立案的案件": disputes the court told the government about before filing (oral notice
    # or coordination letter), counted from that day (origin_date). Marked met by hand.
    return DeadlineRule(
        id=rule_id,
        trigger=EventMatch(EventKind.DISPUTE_RECORDED, when),
        title_zh=zh,
        title_en=en,
        anchor="origin_date",
        due=calendar_days(days),
        owner=Owner.UNIT,
        citation=citation,
    )


OTHER_RULES: tuple[DeadlineRule, ...] = (
    DeadlineRule(
        id="qiannan.weekly_case_counts",
        trigger=EventMatch(EventKind.WEEK_START, {"scope": "jurisdiction"}),
        title_zh="“一清”：每周收集全州行政复议和行政诉讼案件总数",
        title_en="Collect the prefecture's reconsideration and litigation counts every week",
        # Due by the end of the week (week_start is dated Monday; Sunday is not rolled).
        due=calendar_days(6, roll=False),
        owner=Owner.JUSTICE_BUREAU,
        met_by=(EventMatch(EventKind.REPORT_SUBMITTED, {"report": "weekly_case_counts"}),),
        citation=_cite(
            "“一清两包”", "“一清”,通過每周兩級政府復議機構、兩級法院收集黔南州行政復議和行政訴訟案件總數(shù)"
        ),
    ),
    _package(
        "qiannan.county_leader_package",
        {"loss_risk": True},
        "可能被纠错、败诉的案件由县（市）领导包案化解",
        "A county leader takes a case that may be corrected or lost",
        _cite(
            "“一清两包”·包案化解",
            "對可能被糾錯、敗訴的案件進行綜合分析,主動采取措施,在作出行政復議決定和行政訴訟判決前,"
            "在復議機構、法院組織下積極有效協(xié)調(diào)化解,嚴防糾錯率上升",
        ),
    ),
    # "套案数量较大的重大…案件": a major batch or series (the core records no batch size).
    _package(
        "qiannan.prefecture_leader_batch",
        {"batch_kind": "batch", "is_major": True},
        "套案数量较大的重大批案由州政府分管领导包案督促",
        "A prefecture leader supervises a large major batch of cases",
        _PREFECTURE_PACKAGE,
    ),
    _package(
        "qiannan.prefecture_leader_series",
        {"batch_kind": "series", "is_major": True},
        "套案数量较大的重大系列案由州政府分管领导包案督促",
        "A prefecture leader supervises a large major series of cases",
        _PREFECTURE_PACKAGE,
    ),
    _package(
        "qiannan.prefecture_leader_group",
        {"batch_kind": "group"},
        "群体性复议诉讼案件由州政府分管领导包案督促",
        "A prefecture leader supervises a group case",
        _PREFECTURE_PACKAGE,
    ),
    DeadlineRule(
        id="qiannan.package_monthly_dispatch",
        trigger=EventMatch(EventKind.MONTH_START, {"scope": "jurisdiction"}),
        title_zh="领导小组对“两包”案件按月调度",
        title_en="Monthly follow-up of every leader-handled case by the leading group",
        due=day_of_month(31),  # the last day of the month
        owner=Owner.JUSTICE_BUREAU,
        met_by=(EventMatch(EventKind.REPORT_SUBMITTED, {"report": "package_cases_dispatch"}),),
        citation=_cite("“一清两包”", "領導小組對“兩包”案件按月調(diào)度,督促跟蹤到人"),
    ),
    _major(
        "qiannan.major_expert_review_oral_notice",
        _ORAL_MAJOR,
        3,
        "重大行政纠纷（法院口头告知、尚未立案）3日内组织专家组审核",
        "Major dispute notified orally by the court before filing: expert review within 3 days",
        _EXPERT,
    ),
    _major(
        "qiannan.major_expert_review_court_letter",
        _LETTER_MAJOR,
        3,
        "重大行政纠纷（申请诉前协调、尚未立案）3日内组织专家组审核",
        "Major dispute under pre-filing coordination: expert review within 3 days",
        _EXPERT,
    ),
    _major(
        "qiannan.major_plan_oral_notice",
        _ORAL_MAJOR,
        5,
        "重大行政纠纷（法院口头告知、尚未立案）5日内制作化解方案",
        "Major dispute notified orally by the court before filing: resolution plan within 5 days",
        _PLAN,
    ),
    _major(
        "qiannan.major_plan_court_letter",
        _LETTER_MAJOR,
        5,
        "重大行政纠纷（申请诉前协调、尚未立案）5日内制作化解方案",
        "Major dispute under pre-filing coordination: resolution plan within 5 days",
        _PLAN,
    ),
    DeadlineRule(
        id="qiannan.major_resolve_in_filing_review",
        trigger=EventMatch(EventKind.DISPUTE_RECORDED, _ORAL_MAJOR),
        title_zh="利用法院立案审查的7天时间最大限度化解争议",
        title_en="Resolve the dispute within the court's 7-day filing review if at all possible",
        anchor="origin_date",
        due=calendar_days(7),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.DISPUTE_RESOLVED),),
        escalation=WINDOW_CHAIN.id,
        citation=_WINDOWS,
    ),
    DeadlineRule(
        id="qiannan.major_resolve_pre_filing_window",
        trigger=EventMatch(EventKind.DISPUTE_RECORDED, _LETTER_MAJOR),
        title_zh="申请诉前协调的案件利用诉前30天时间化解",
        title_en="Resolve a case under pre-filing coordination within the 30 pre-filing days",
        anchor="origin_date",
        due=calendar_days(30),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.DISPUTE_RESOLVED),),
        escalation=WINDOW_CHAIN.id,
        citation=_cite(
            "規(guī)定行政化解工作時限", "對申請訴前協(xié)調(diào)的案件,利用訴前30天的時間化解一批"
        ),
    ),
)

DEADLINE_RULES: tuple[DeadlineRule, ...] = HEARING_RULES + OTHER_RULES

# ---------------------------------------------------------------------------------------------
# Targets: "两降一升" — below (above) the provincial average and improving year on year
# ---------------------------------------------------------------------------------------------

TARGETS: tuple[TargetSpec, ...] = (
    TargetSpec(
        id="qiannan.correction_rate_below_province",
        indicator="correction_rate",
        title_zh="行政复议被纠错率低于全省平均水平",
        title_en="Reconsideration correction rate below the provincial average",
        comparator=Comparator.BELOW,
        reference_level="province",
        citation=_CORRECTION_AVG,
    ),
    TargetSpec(
        id="qiannan.correction_rate_falling",
        indicator="correction_rate",
        title_zh="行政复议被纠错率同比下降",
        title_en="Reconsideration correction rate lower than the previous year",
        comparator=Comparator.BELOW,
        yoy_change=Decimal("0"),
        citation=_cite(_FIGURES, "行政機關被糾錯14件,被糾錯率8.28%,同比下降28.83個百分點"),
    ),
    TargetSpec(
        id="qiannan.loss_rate_below_province",
        indicator="loss_rate",
        title_zh="行政诉讼败诉率低于全省平均水平",
        title_en="Loss rate below the provincial average",
        comparator=Comparator.BELOW,
        reference_level="province",
        citation=_LOSS_AVG,
    ),
    TargetSpec(
        id="qiannan.loss_rate_falling",
        indicator="loss_rate",
        title_zh="行政诉讼败诉率同比下降",
        title_en="Loss rate lower than the previous year",
        comparator=Comparator.BELOW,
        yoy_change=Decimal("0"),
        citation=_cite(_FIGURES, "一審敗訴110件,敗訴率21.74%,與2020年同比下降12.67個百分點"),
    ),
    TargetSpec(
        id="qiannan.head_appearance_above_province",
        indicator="head_appearance_rate",
        title_zh="行政机关负责人出庭应诉率高于全省平均水平",
        title_en="Head appearance rate above the provincial average",
        comparator=Comparator.ABOVE,
        reference_level="province",
        citation=_APPEARANCE_AVG,
    ),
    TargetSpec(
        id="qiannan.head_appearance_rising",
        indicator="head_appearance_rate",
        title_zh="行政机关负责人出庭应诉率同比上升",
        title_en="Head appearance rate higher than the previous year",
        comparator=Comparator.ABOVE,
        yoy_change=Decimal("0"),
        citation=_cite(_FIGURES, "出庭應訴率75.76%,與2020年同比上升22.02%"),
    ),
    TargetSpec(
        id="qiannan.head_appearance_full",
        indicator="head_appearance_rate",
        title_zh="行政机关负责人出庭应诉率达100%",
        title_en="Head appearance rate 100%",
        comparator=Comparator.AT_LEAST,
        value=Decimal("100"),
        citation=_cite("“两提两核一直达”", "確保黔南州行政機關負責人出庭應訴率達100%"),
    ),
)

# ---------------------------------------------------------------------------------------------
# Penalties
# ---------------------------------------------------------------------------------------------

PENALTY_RULES: tuple[PenaltyRule, ...] = (
    # "化解不到位" sets no measure: the leading group records the fact.
    PenaltyRule(
        id="qiannan.package_interview",
        condition=PenaltyCondition(ConditionKind.EVENT, fact="package_resolution_inadequate"),
        penalty=PenaltyKind.INTERVIEW,
        title_zh="领导包案化解不到位的，约谈相关责任人",
        title_en="Interview of those responsible when a leader-handled case is not resolved properly",
        citation=_PACKAGE_CLAUSE,
    ),
)

# ---------------------------------------------------------------------------------------------
# Indicators
# ---------------------------------------------------------------------------------------------

INDICATOR_DEFINITIONS: dict[str, IndicatorDefinition] = {
    "head_appearance_rate": IndicatorDefinition(
        indicator="head_appearance_rate",
        description_zh="出庭应诉率 = 行政机关负责人出庭应诉的一审案件数 ÷ 已开庭的一审案件数（按案件计）",
        instances=frozenset({"first"}),
        citation=_cite(_FIGURES, "全州已開庭行政應訴一審363件,行政機關負責人出庭應訴275件,出庭應訴率75.76%"),
        # "363件 … 275件": cases, not hearings; a case heard twice counts once.
        per_case=True,
    ),
}

# "一清": each week the totals of reconsideration and litigation cases are collected and the numbers
# of corrections, losses and cases with a head in court are tracked. Losses are a national indicator
# (loss_count); the other three are added here.
_ONE_CLEAR = _cite(
    "“一清两包”",
    "精確掌握糾錯數(shù)、敗訴數(shù)、負責人出庭案件數(shù)",
)

INDICATORS: tuple[CustomIndicator, ...] = (
    CustomIndicator(
        code="qiannan.reconsideration_received",
        label_zh="行政复议收案数",
        description_zh="行政复议收案数：统计期内收到（按收到申请日期）的行政复议申请数，含不予受理的",
        description_en="reconsideration applications received",
        kind=IndicatorKind.COUNT,
        records=CountedRecords.RECONSIDERATIONS_RECEIVED,
        bad_zh="新收行政复议案件",
        citation=_cite(_FIGURES, "全州行政復議案件收案181件,受理149件,不予受理13件,辦結169件"),
    ),
    CustomIndicator(
        code="qiannan.correction_count",
        label_zh="行政复议被纠错数",
        description_zh="被纠错数：统计期内审结的行政复议案件中被撤销、变更、确认违法、责令履行的案件数",
        description_en="reconsiderations concluded with a correction",
        kind=IndicatorKind.COUNT,
        records=CountedRecords.RECONSIDERATIONS_CONCLUDED,
        numerator=RecordFilter(
            decisions=frozenset({"revoked", "varied", "confirmed_illegal", "ordered_to_perform"})
        ),
        bad_zh="被纠错的复议案件",
        citation=_ONE_CLEAR,
    ),
    CustomIndicator(
        code="qiannan.head_appearance_cases",
        label_zh="负责人出庭案件数",
        description_zh="负责人出庭案件数：统计期内开庭的一审案件中行政机关负责人出庭应诉的案件数（按案件计）",
        description_en="first-instance cases heard with a qualifying head in court (per case)",
        kind=IndicatorKind.COUNT,
        records=CountedRecords.CASES_HEARD,
        numerator=RecordFilter(head_attended=True),
        higher_is_better=True,
        bad_zh="负责人未出庭的案件",
        good_zh="负责人出庭的案件",
        citation=_ONE_CLEAR,
    ),
)
