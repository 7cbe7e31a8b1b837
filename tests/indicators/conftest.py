"""A hand-counted data set recorded through the services (see the table in ``scenario``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from core.cases.models import LitigationCase
from core.context import ServiceContext
from core.enums import Instance, OutcomeKind, ReconsiderationDecision, UnitKind
from core.org.models import Unit
from tests.conftest import CtxFactory
from tests.indicators.helpers import D, Recorder
from tests.support import Org, make_org

# Services refuse future dates: the scenario is recorded on this day.
RECORDED_ON = dt.date(2025, 1, 15)


@dataclass
class Scenario:
    ctx: ServiceContext
    org: Org
    rec: Recorder
    agency: Unit
    township: Unit
    government: Unit
    market: Unit
    appeal: LitigationCase


async def record_scenario(ctx: ServiceContext, plugin: str = "testland") -> Scenario:
    """Hand-counted figures (first instance unless noted), testland population 300,000.

    ========================  =========================================  =================
    unit                      records                                    counts toward
    ========================  =========================================  =================
    agency (自然资源局)        case filed 2023-03-01, revoked… varied     2023 volume, 2023 loss
                              (loss) 2023-06-01, head attended
                              case filed 2023-12-31, mediated 2024-01-02 2023 volume, 2024 concluded
                              case filed 2024-01-01, revoked (loss)      2024 volume, 2024 loss
                              2024-03-15, head attended
                              case filed 2024-05-10, claim dismissed      2024 volume
                              2024-07-01, head absent
                              case filed 2024-09-30, withdrawn after the  2024 volume, hidden loss
                              act was changed 2024-10-08 (no hearing)
                              appeal of the 2024-01-01 case filed         2nd instance: only the
                              2024-04-01, upheld 2024-06-01, head absent  appearance rate counts it
                              3 reconsiderations concluded 2024:
                              revoked 02-01, mediated 03-01, upheld 11-01
                              dispute 2024-06-01 resolved 06-20 (诉前)
                              loss-risk dispute received 2024-10-01
    township (城关镇)          case filed 2024-02-01, hearing 03-01        2024 volume, 2024 loss
                              rescheduled to 04-01, held with the head,
                              confirmed illegal (loss) 2024-04-01
                              reconsideration received 2024-05-01 (open)
    government, market        nothing
    ========================  =========================================  =================
    """
    org = await make_org(ctx, plugin)
    rec = await Recorder.start(ctx, org)
    market = await rec.unit("县市场监管局")
    agency, township = org.agency, org.township
    await rec.concluded_case(agency, D(2023, 3, 1), D(2023, 6, 1), OutcomeKind.VARIED, attended=True)
    await rec.concluded_case(agency, D(2023, 12, 31), D(2024, 1, 2), OutcomeKind.MEDIATION)
    first = await rec.concluded_case(
        agency, D(2024, 1, 1), D(2024, 3, 15), OutcomeKind.REVOKED, attended=True
    )
    await rec.concluded_case(
        agency, D(2024, 5, 10), D(2024, 7, 1), OutcomeKind.CLAIM_DISMISSED, attended=False
    )
    await rec.concluded_case(agency, D(2024, 9, 30), D(2024, 10, 8), OutcomeKind.WITHDRAWAL, changed_act=True)
    appeal = await rec.concluded_case(
        agency,
        D(2024, 4, 1),
        D(2024, 6, 1),
        OutcomeKind.APPEAL_UPHELD,
        attended=False,
        instance=Instance.SECOND,
        parent=first,
    )
    for concluded, decision in (
        (D(2024, 2, 1), ReconsiderationDecision.REVOKED),
        (D(2024, 3, 1), ReconsiderationDecision.MEDIATED),
        (D(2024, 11, 1), ReconsiderationDecision.UPHELD),
    ):
        await rec.reconsideration(agency, D(2024, 1, 20), concluded=concluded, decision=decision)
    await rec.resolved_before_filing(agency, D(2024, 6, 1), D(2024, 6, 20))
    await rec.dispute(agency, D(2024, 10, 1), loss_risk=True)
    township_case = await rec.case(township, D(2024, 2, 1))
    await rec.reschedule(township_case, D(2024, 3, 1), D(2024, 4, 1))
    await rec.hearing(township_case, D(2024, 4, 1), attended=True)
    await rec.outcome(township_case, OutcomeKind.CONFIRMED_ILLEGAL, D(2024, 4, 1))
    await rec.reconsideration(township, D(2024, 5, 1))
    await ctx.session.flush()
    assert org.government.kind == UnitKind.COUNTY_GOVERNMENT
    return Scenario(ctx, org, rec, agency, township, org.government, market, appeal)


@pytest.fixture
async def scenario(make_ctx: CtxFactory) -> Scenario:
    ctx = make_ctx(today=RECORDED_ON)
    s = await record_scenario(ctx)
    await ctx.session.commit()
    return s
