"""National defaults, registered last: apply wherever a county plugin says nothing.

The escalation chain and the warning thresholds are the product's defaults, not law: a county's own
notice replaces them. The statutory deadlines (``law.py``) are law: they apply in every county, and a
county rule takes one's place only by naming it (``replaces``). The national law texts they cite are
package data in ``sources/national_law.txt`` (checked clause by clause; see docs/plugins.md).
"""

from __future__ import annotations

from core.calendar.rules import working_days
from core.enums import NotificationKind
from core.policy import hookimpl
from core.policy.types import Citation, DeadlineRule, EscalationChain, EscalationStep, Recipient
from plugins.defaults.law import NATIONAL_RULES

DEFAULT_CHAIN = EscalationChain(
    id="default",
    title_zh="逐级督办：提醒→司法局→分管县领导→县主要领导约谈",
    # ``after`` counts working days from the due date: 1 is the first working day after it.
    steps=(
        EscalationStep(working_days(1), Recipient.UNIT, NotificationKind.REMINDER, "期限已届满，请立即办理"),
        EscalationStep(
            working_days(2), Recipient.JUSTICE_BUREAU, NotificationKind.ESCALATION, "逾期未办，司法局督办"
        ),
        EscalationStep(
            working_days(5),
            Recipient.COUNTY_LEADER_IN_CHARGE,
            NotificationKind.ESCALATION,
            "逾期未办，报分管县领导",
        ),
        EscalationStep(
            working_days(10),
            Recipient.COUNTY_PRINCIPAL_LEADER,
            NotificationKind.INTERVIEW,
            "逾期未办，县主要领导约谈",
        ),
    ),
    # Not a law: what the product does where the county's notice sets no chain. Said so in Chinese,
    # since this is what a user reads as the chain's basis.
    citation=Citation(
        source="本系统默认督办流程（非法律规定）",
        clause="县里文件未规定督办流程的，逾期事项依次提醒责任单位、由司法局督办、报分管县领导、由县主要领导约谈",
    ),
)


@hookimpl(trylast=True)
def caseload_escalation_chains() -> list[EscalationChain]:
    return [DEFAULT_CHAIN]


@hookimpl(trylast=True)
def caseload_deadline_rules() -> list[DeadlineRule]:
    return list(NATIONAL_RULES)


@hookimpl(trylast=True)
def caseload_warning_thresholds() -> list[int]:
    return [3, 1]


@hookimpl(trylast=True)
def caseload_qualifying_head_ranks(unit_kind: str) -> list[str]:
    # 《最高人民法院关于行政机关负责人出庭应诉若干问题的规定》（法释〔2020〕3号）第二条第一款:
    # 被诉行政机关负责人，包括行政机关的正职、副职负责人、参与分管被诉行政行为实施工作的副职级别的负责人
    # 以及其他参与分管的负责人
    # (sources/national_law.txt). A county government is represented by its county leaders.
    if unit_kind == "county_government":
        return ["county_principal_leader", "county_leader_in_charge"]
    return ["principal_head", "deputy_head"]
