"""The real check: Qiannan's January–August 2021 figures (source 004) recorded through the services.

"全州行政复议案件收案181件……办结169件。行政机关被纠错14件，被纠错率8.28%……已结案行政应诉一审506件，一审败诉
110件，败诉率21.74%……已开庭行政应诉一审363件，行政机关负责人出庭应诉275件，出庭应诉率75.76%……
行政复议调解成功76件，调解成功率44.97%"
"""

from __future__ import annotations

import time
from decimal import Decimal

from core.indicators import service
from core.indicators.definitions import resolve
from core.indicators.queries import Scope, tally
from plugins.qiannan.rules import REPORTED_FIGURES_2021_JAN_AUG
from tests.conftest import CtxFactory
from tests.indicators.helpers import D
from tests.indicators.qiannan_2021 import EXPECTED, JAN_AUG_2021, record_jan_aug_2021
from tests.support import make_org


async def test_qiannan_january_to_august_2021(make_ctx: CtxFactory):
    started = time.monotonic()
    ctx = make_ctx(today=D(2021, 9, 1))
    org = await make_org(ctx, "qiannan")
    await record_jan_aug_2021(ctx, org)
    await ctx.session.commit()
    recorded = time.monotonic() - started

    board = await service.dashboard(ctx, org.jurisdiction.id, JAN_AUG_2021)
    for code, (num, den, value) in EXPECTED.items():
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
