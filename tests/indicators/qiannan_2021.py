"""Qiannan's January–August 2021 figures (source 004) recorded through the services, for the tests
that check them: the indicator check itself and the go-live check (history sends no alarms).

"全州行政复议案件收案181件……办结169件。行政机关被纠错14件，被纠错率8.28%……已结案行政应诉一审506件，一审败诉
110件，败诉率21.74%……已开庭行政应诉一审363件，行政机关负责人出庭应诉275件，出庭应诉率75.76%……
行政复议调解成功76件，调解成功率44.97%"
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from core.context import ServiceContext
from core.enums import Instance, OutcomeKind, ReconsiderationDecision
from core.indicators import periods as P
from tests.indicators.helpers import D, Recorder, at
from tests.support import Org

JAN_AUG_2021 = P.custom(D(2021, 1, 1), D(2021, 8, 31))

# The four rates the bulletin reports: (numerator, denominator, value).
EXPECTED: dict[str, tuple[int, int, Decimal]] = {
    "correction_rate": (14, 169, Decimal("8.28")),
    "loss_rate": (110, 506, Decimal("21.74")),
    "head_appearance_rate": (275, 363, Decimal("75.76")),
    "mediation_rate": (76, 169, Decimal("44.97")),
}


def day(i: int, first: dt.date, last: dt.date) -> dt.date:
    """Spread record ``i`` over working-week days between ``first`` and ``last``."""
    span = (last - first).days
    d = first + dt.timedelta(days=(i * 37) % (span + 1))
    while d.weekday() >= 5:
        d -= dt.timedelta(days=1)
    return max(d, first)


async def record_jan_aug_2021(ctx: ServiceContext, org: Org) -> None:
    """Record the period's cases and reconsiderations (and a few outside it) for a Qiannan org."""
    rec = await Recorder.start(ctx, org)
    units = [org.agency, org.township, org.government, await rec.unit("州市场监管局")]
    cycle = itertools.cycle(units)
    losses = itertools.cycle(
        [
            OutcomeKind.REVOKED,
            OutcomeKind.CONFIRMED_ILLEGAL,
            OutcomeKind.ORDERED_TO_PERFORM,
            OutcomeKind.VARIED,
        ]
    )
    without_hearing = itertools.cycle(
        [OutcomeKind.WITHDRAWAL, OutcomeKind.MEDIATION, OutcomeKind.SUIT_DISMISSED]
    )
    # Cases come in series of eight per dispute (系列案), which keeps recording under a minute.
    disputes: dict[int, Any] = {}

    async def dispute_for(i: int, unit: Any) -> Any:
        if i // 8 not in disputes:
            disputes[i // 8] = await rec.dispute(unit, D(2020, 10, 1))
        return disputes[i // 8]

    # 506 first-instance cases concluded in the period: 363 after a hearing (275 with the head in
    # court), 110 of them lost; 143 withdrawn, mediated or dismissed without a hearing.
    for i in range(506):
        decided = day(i, D(2021, 1, 4), D(2021, 8, 31))
        filed = decided - dt.timedelta(days=20 + i % 60)
        unit = units[(i // 8) % len(units)]
        d = await dispute_for(i, unit)
        if i < 363:
            kind = next(losses) if i < 110 else OutcomeKind.CLAIM_DISMISSED
            attended = i % 33 < 25  # 11 × 25 = 275 of 363
            if i % 33 in (0, 30):  # 22 cases heard twice: adjourned without the head, then decided
                c = await rec.case(unit, filed, dispute=d)
                await rec.hearing(c, at(decided, 8), attended=False)
                await rec.hearing(c, at(decided, 15), attended=attended)
                await rec.outcome(c, kind, decided)
                continue
            await rec.concluded_case(unit, filed, decided, kind, attended=attended, dispute=d)
        else:
            await rec.concluded_case(unit, filed, decided, next(without_hearing), dispute=d)
    # Outside the figures: concluded in 2020, still pending, and an appeal heard without the head.
    first = await rec.concluded_case(
        org.agency, D(2020, 9, 1), D(2020, 12, 30), OutcomeKind.REVOKED, attended=False
    )
    await rec.case(org.township, D(2021, 8, 20))
    await rec.concluded_case(
        org.agency,
        D(2021, 3, 1),
        D(2021, 5, 10),
        OutcomeKind.APPEAL_UPHELD,
        attended=False,
        instance=Instance.SECOND,
        parent=first,
    )
    # 169 reconsiderations concluded: 14 corrected, 76 mediated, 79 upheld or dismissed.
    decisions = (
        [ReconsiderationDecision.REVOKED, ReconsiderationDecision.VARIED] * 7
        + [ReconsiderationDecision.MEDIATED] * 76
        + [ReconsiderationDecision.UPHELD, ReconsiderationDecision.DISMISSED] * 39
        + [ReconsiderationDecision.TERMINATED]
    )
    assert len(decisions) == 169
    for i, decision in enumerate(decisions):
        concluded = day(i, D(2021, 1, 15), D(2021, 8, 31))
        unit = units[(1000 + i // 8) % len(units)]
        d = await dispute_for(1000 + i, unit)
        await rec.reconsideration(
            unit, concluded - dt.timedelta(days=10), concluded=concluded, decision=decision, dispute=d
        )
    for i in range(12):  # received in the period, not concluded in it
        await rec.reconsideration(next(cycle), day(i, D(2021, 6, 1), D(2021, 8, 31)))
