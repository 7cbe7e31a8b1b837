"""The statutory deadlines every county must meet whatever its own notice says (national law).

Each rule quotes its clause verbatim from ``sources/national_law.txt`` (checked by
tests/plugins/test_national_law.py with the conformance kit's quote check). Ids start with
``national.``; a county plugin takes one's place only by naming it (``DeadlineRule.replaces``),
otherwise both apply. None names an escalation chain: each escalates along the county's own
``"default"`` chain (the national one where the county sets none).

Counting: 行政复议法第八十八条 makes its "五日""七日""十日" working days; its sixty and thirty days,
and the procedure law's fifteen days, are calendar periods whose last day is rolled past a holiday
(期间届满的最后一日是法定休假日的，以法定休假日后的第一日为期间届满的日期).
"""

from __future__ import annotations

import datetime as dt

from core.calendar.rules import calendar_days, working_days
from core.policy.types import (
    Citation,
    DeadlineRule,
    EventKind,
    EventMatch,
    ExtensionPolicy,
    Owner,
    SourceDocument,
)

SOURCE = "national_law.txt"

LITIGATION_LAW = SourceDocument(
    key=SOURCE,
    title="中华人民共和国行政诉讼法",
    issuer="全国人民代表大会常务委员会",
)
RECONSIDERATION_LAW = SourceDocument(
    key=SOURCE,
    title="中华人民共和国行政复议法",
    issuer="全国人民代表大会常务委员会",
    date=dt.date(2023, 9, 1),  # 第十四届全国人民代表大会常务委员会第五次会议修订
)


def _litigation(section: str, clause: str) -> Citation:
    return Citation(source=SOURCE, section=section, clause=clause, document=LITIGATION_LAW)


def _reconsideration(section: str, clause: str) -> Citation:
    return Citation(source=SOURCE, section=section, clause=clause, document=RECONSIDERATION_LAW)


# The events that end a reconsideration or a first instance: duties still open then are moot.
_RECON_ENDS = (
    EventMatch(EventKind.RECONSIDERATION_CONCLUDED),
    EventMatch(EventKind.RECONSIDERATION_REJECTED),
)
_CASE_ENDS = (EventMatch(EventKind.JUDGMENT_RECEIVED),)

APPEAL_JUDGMENT = _litigation(
    "第八十五条",
    "当事人不服人民法院第一审判决的，有权在判决书送达之日起十五日内向上一级人民法院提起上诉",
)
APPEAL_RULING = _litigation(
    "第八十五条",
    "当事人不服人民法院第一审裁定的，有权在裁定书送达之日起十日内向上一级人民法院提起上诉",
)
APPEAL_LAPSED = _litigation("第八十五条", "逾期不提起上诉的，人民法院的第一审判决或者裁定发生法律效力")
# The appeal window itself is the core's lifecycle (core/cases/appeal.py); these are its basis.

DECISION_EXTENSION = ExtensionPolicy(
    max_extensions=1,
    max_extension=calendar_days(30),
    # Approved by the head of the reconsideration office, with written notice to the parties: the
    # service asks for both (extendReconsideration); no applicant consent is needed.
    requires_applicant_consent=False,
    citation=_reconsideration(
        "第六十二条第一款",
        "情况复杂，不能在规定期限内作出行政复议决定的，经行政复议机构的负责人批准，可以适当延长，"
        "并书面告知当事人；但是延长期限最多不得超过三十日",
    ),
)

NATIONAL_RULES: tuple[DeadlineRule, ...] = (
    DeadlineRule(
        id="national.litigation_defence",
        trigger=EventMatch(EventKind.COMPLAINT_COPY_RECEIVED, {"instance": "first"}),
        title_zh="收到起诉状副本之日起15日内提交证据、规范性文件和答辩状",
        title_en="Submit the evidence, normative documents and defence within 15 days of the complaint copy",
        due=calendar_days(15),
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.DEFENCE_SUBMITTED),),
        cancelled_by=_CASE_ENDS,
        citation=_litigation(
            "第六十七条第一款",
            "被告应当在收到起诉状副本之日起十五日内向人民法院提交作出行政行为的证据和所依据的规范性文件，"
            "并提出答辩状",
        ),
    ),
    DeadlineRule(
        id="national.reconsideration_examination",
        trigger=EventMatch(EventKind.RECONSIDERATION_RECEIVED),
        title_zh="收到行政复议申请后5个工作日内审查，决定受理或者不予受理",
        title_en="Examine a reconsideration application within 5 working days: accept or reject it",
        due=working_days(5),
        owner=Owner.JUSTICE_BUREAU,
        met_by=(
            EventMatch(EventKind.RECONSIDERATION_ACCEPTED),
            EventMatch(EventKind.RECONSIDERATION_REJECTED),
        ),
        citation=_reconsideration("第三十条第一款", "行政复议机关收到行政复议申请后，应当在五日内进行审查"),
    ),
    DeadlineRule(
        id="national.reconsideration_copy",
        trigger=EventMatch(EventKind.RECONSIDERATION_ACCEPTED),
        title_zh="受理之日起7个工作日内将行政复议申请书副本发送被申请人",
        title_en="Send the application copy to the respondent within 7 working days of acceptance",
        due=working_days(7),
        owner=Owner.JUSTICE_BUREAU,
        met_by=(EventMatch(EventKind.APPLICATION_COPY_SENT),),
        cancelled_by=_RECON_ENDS,
        citation=_reconsideration(
            "第四十八条",
            "行政复议机构应当自行政复议申请受理之日起七日内，将行政复议申请书副本或者行政复议申请笔录复印件"
            "发送被申请人",
        ),
    ),
    DeadlineRule(
        id="national.reconsideration_reply",
        trigger=EventMatch(EventKind.APPLICATION_COPY_SENT),
        title_zh="收到行政复议申请书副本之日起10个工作日内提出书面答复并提交证据、依据",
        title_en="Reply in writing with evidence within 10 working days of receiving the application copy",
        due=working_days(10),
        # Counted from the day the respondent received the copy, not the day it was sent.
        anchor="copy_received_date",
        owner=Owner.UNIT,
        met_by=(EventMatch(EventKind.WRITTEN_REPLY_SUBMITTED),),
        cancelled_by=_RECON_ENDS,
        citation=_reconsideration(
            "第四十八条",
            "被申请人应当自收到行政复议申请书副本或者行政复议申请笔录复印件之日起十日内，提出书面答复，"
            "并提交作出行政行为的证据、依据和其他有关材料",
        ),
    ),
    DeadlineRule(
        id="national.reconsideration_decision",
        trigger=EventMatch(EventKind.RECONSIDERATION_ACCEPTED),
        title_zh="受理申请之日起60日内作出行政复议决定（经批准可延长一次，最多30日）",
        title_en="Decide within 60 days of acceptance (extendable once by at most 30 days with approval)",
        due=calendar_days(60),
        owner=Owner.JUSTICE_BUREAU,
        met_by=(EventMatch(EventKind.RECONSIDERATION_CONCLUDED),),
        extension=DECISION_EXTENSION,
        citation=_reconsideration(
            "第六十二条第一款",
            "适用普通程序审理的行政复议案件，行政复议机关应当自受理申请之日起六十日内作出行政复议决定",
        ),
    ),
)

NATIONAL_RULE_IDS = frozenset(r.id for r in NATIONAL_RULES)
