"""The real check: Qiannan's January–August 2021 figures (source 004) recorded through the services.

"全州行政复议案件收案181件……办结169件。行政机关被纠错14件，被纠错率8.28%……已结案行政应诉一审506件，一审败诉
110件，败诉率21.74%……已开庭行政应诉一审363件，行政机关负责人出庭应诉275件，出庭应诉率75.76%……
行政复议调解成功76件，调解成功率44.97%"
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from decimal import Decimal
from typing import Any

from core.enums import Instance, OutcomeKind, ReconsiderationDecision
from core.indicators import periods as P
from core.indicators import service
from core.indicators.definitions import resolve
from core.indicators.queries import Scope, tally
from plugins.qiannan.rules import REPORTED_FIGURES_2021_JAN_AUG
from tests.conftest import CtxFactory
from tests.indicators.helpers import D, Recorder, at
from tests.support import make_org

JAN_AUG_2021 = P.custom(D(2021, 1, 1), D(2021, 8, 31))


def day(i: int, first: dt.date, last: dt.date) -> dt.date:
    """Spread record ``i`` over working-week days between ``first`` and ``last``."""
    span = (last - first).days
    d = first + dt.timedelta(days=(i * 37) % (span + 1))
    while d.weekday() >= 5:
        d -= dt.timedelta(days=1)
    return max(d, first)


async def test_qiannan_january_to_august_2021(make_ctx: CtxFactory):
    started = time.monotonic()
    ctx = make_ctx(today=D(2021, 9, 1))
    org = await make_org(ctx, "qiannan")
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
    await ctx.session.commit()
    recorded = time.monotonic() - started

    board = await service.dashboard(ctx, org.jurisdiction.id, JAN_AUG_2021)
    expected = {
        "correction_rate": (14, 169, Decimal("8.28")),
        "loss_rate": (110, 506, Decimal("21.74")),
        "head_appearance_rate": (275, 363, Decimal("75.76")),
        "mediation_rate": (76, 169, Decimal("44.97")),
    }
    for code, (num, den, value) in expected.items():
        current = board.indicator(code).current
        assert (current.numerator, current.denominator, current.value) == (num, den, value), code
    for figure in REPORTED_FIGURES_2021_JAN_AUG:
        current = board.indicator(figure.indicator).current
        assert (current.numerator, current.denominator, current.value) == (
            figure.numerator,
            figure.denominator,
            figure.rate,
        )
    # Qiannan counts head appearance in first-instance cases only (the appeal is left out) and
    # says so; the loss rate keeps the national definition.
    # It counts cases ("已開庭行政應訴一審363件"), not hearings: 22 cases were heard twice.
    appearance = board.indicator("head_appearance_rate").definition
    assert appearance.source == "qiannan" and appearance.refined and appearance.instances == ("first",)
    assert appearance.per_case
    assert board.indicator("loss_rate").definition.source == "national"
    national = await tally(
        ctx.session,
        "head_appearance_rate",
        Scope((org.jurisdiction.id,), (JAN_AUG_2021,), resolve(None, "head_appearance_rate"), D(2021, 9, 1)),
    )
    # Per hearing and every instance: 22 more hearings without the head, and the appeal.
    assert national.total(0, org.jurisdiction.id) == (275, 386)
    # "一清": the counts Qiannan adds — 收案181件, 糾錯14件, 負責人出庭應訴275件.
    for code, count in (
        ("qiannan.reconsideration_received", 181),
        ("qiannan.correction_count", 14),
        ("qiannan.head_appearance_cases", 275),
        ("loss_count", 110),
    ):
        assert board.indicator(code).current.value == count, code
    # All three beat the provincial averages the plugin entered for 2021 (14.05%, 22.33%, 73.99%).
    for code, level_value in (
        ("correction_rate", "14.05"),
        ("loss_rate", "22.33"),
        ("head_appearance_rate", "73.99"),
    ):
        ref = next(r for r in board.indicator(code).references if r.level == "province")
        assert ref.value == Decimal(level_value) and ref.source == "entered"
        statuses = {t.target_id: t.status for t in board.indicator(code).targets}
        below_or_above = next(tid for tid in statuses if tid.endswith("province"))
        assert statuses[below_or_above] == "met", statuses
    # About 16,000 statements through the services: ~40 s on SQLite on an idle two-core machine,
    # PostgreSQL pays a round trip for each. The budget leaves room for a loaded CI runner.
    budget = 90 if ctx.session.bind.dialect.name == "sqlite" else 180
    assert recorded < budget, f"recording took {recorded:.1f}s"
