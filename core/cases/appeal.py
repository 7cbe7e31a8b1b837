"""The appeal window of a first-instance decision (行政诉讼法第八十五条).

A judgment may be appealed within fifteen days of service, a ruling within ten; "逾期不提起上诉的，
人民法院的第一审判决或者裁定发生法律效力". The window is a calendar period counted from the day
after service, its last day rolled past a holiday. The worker's scan
(``core.cases.statutory.lapse_appeal_windows``) makes a decision effective the day after its window
ends when no appeal was recorded (recording an appeal is filing the second-instance case that links
to it), and the effective event starts the county's post-judgment duties. Withdrawal and mediation
are not appealable and stay manual.
"""

from __future__ import annotations

from core.calendar.rules import DueRule, calendar_days
from core.enums import OutcomeKind

JUDGMENTS = frozenset(
    {
        OutcomeKind.CLAIM_DISMISSED,
        OutcomeKind.REVOKED,
        OutcomeKind.CONFIRMED_ILLEGAL,
        OutcomeKind.CONFIRMED_INVALID,
        OutcomeKind.ORDERED_TO_PERFORM,
        OutcomeKind.VARIED,
        OutcomeKind.COMPENSATION,
    }
)
RULINGS = frozenset({OutcomeKind.SUIT_DISMISSED})  # 裁定驳回起诉
APPEAL_WINDOW_JUDGMENT = calendar_days(15)  # 判决书送达之日起十五日内
APPEAL_WINDOW_RULING = calendar_days(10)  # 裁定书送达之日起十日内


def appeal_window(kind: OutcomeKind) -> DueRule | None:
    """The window to appeal a first-instance decision of ``kind``; ``None`` when it is not appealable."""
    if kind in JUDGMENTS:
        return APPEAL_WINDOW_JUDGMENT
    if kind in RULINGS:
        return APPEAL_WINDOW_RULING
    return None
