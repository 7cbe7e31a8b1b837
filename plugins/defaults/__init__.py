"""National defaults, registered last: apply wherever a county plugin says nothing.

Source: ../shared/DOMAIN.md section 2 ("Escalation: reminder → justice bureau → county leader in
charge → principal county leader interview") and issue 4 (warnings three and one working day
before a breach).
"""

from __future__ import annotations

from core.calendar.rules import working_days
from core.enums import NotificationKind
from core.policy import hookimpl
from core.policy.types import Citation, EscalationChain, EscalationStep, Recipient

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
    citation=Citation(
        source="DOMAIN.md §2",
        section="Escalation 督办/约谈",
        clause=(
            "reminder → justice bureau → county leader in charge → principal county leader interview (约谈)"
        ),
    ),
)


@hookimpl(trylast=True)
def caseload_escalation_chains() -> list[EscalationChain]:
    return [DEFAULT_CHAIN]


@hookimpl(trylast=True)
def caseload_warning_thresholds() -> list[int]:
    return [3, 1]


@hookimpl(trylast=True)
def caseload_qualifying_head_ranks(unit_kind: str) -> list[str]:
    # 最高人民法院关于适用《行政诉讼法》的解释 第一百二十八条: 行政机关负责人，包括行政机关的正职、副职负责人
    # 以及其他参与分管的负责人。A county government is represented by its county leaders.
    if unit_kind == "county_government":
        return ["county_principal_leader", "county_leader_in_charge"]
    return ["principal_head", "deputy_head"]
