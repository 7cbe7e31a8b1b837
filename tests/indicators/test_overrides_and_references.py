"""Administrators' target overrides (audited, authorised, validated) and reference averages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.context import ServiceContext
from core.enums import OutcomeKind, Role
from core.errors import DomainError
from core.indicators import periods as P
from core.indicators import service
from core.indicators.models import TargetOverride
from core.org.service import set_reference_figure
from core.policy import hookimpl
from core.policy.manager import build_registry
from core.policy.types import JurisdictionProfile
from core.principal import SYSTEM, Principal
from tests.conftest import CtxFactory
from tests.indicators.helpers import D, Recorder
from tests.indicators.test_plugins import record_xx_county, target
from tests.support import Testland, make_org

CAP = "xx_county.loss_rate_cap"
VOLUME = "xx_county.case_volume_decline"


async def test_override_replaces_disables_and_adds_targets(make_ctx: CtxFactory):
    ctx, org, u = await record_xx_county(make_ctx)
    jid = org.jurisdiction.id
    row = await service.set_target(
        ctx,
        jid,
        indicator="loss_rate",
        year=2022,
        target_id=CAP,
        comparator="<=",
        value=Decimal("40"),
        reason="县政府常务会议调整",
    )
    await service.set_target(
        ctx,
        jid,
        indicator="case_volume",
        year=2022,
        unit_id=u["A"].id,
        target_id=VOLUME,
        disabled=True,
        reason="重大项目集中征收",
    )
    await service.set_target(
        ctx,
        jid,
        indicator="case_volume",
        year=2022,
        quarter=2,
        comparator="<=",
        value=Decimal("3"),
        reason="二季度控制目标",
    )
    await ctx.session.commit()

    year = await service.dashboard(ctx, jid, P.year(2022))
    cap = target(year.indicator("loss_rate"), CAP)
    assert (cap.origin, cap.override_id, cap.bounds[0].limit) == ("override", row.id, Decimal("40"))
    # 37.50 % meets 40 %, but 4 of 9 = 44.44 % would not: at risk while the year runs.
    assert (cap.status, cap.margin) == ("at_risk", 0)
    assert cap.title_zh == "行政诉讼败诉率控制在8%以内"  # the plugin's title is kept when none is given
    assert [t.target_id for t in year.indicator("case_volume").targets] == [
        VOLUME
    ]  # no quarter override in a year
    agency = await service.dashboard(ctx, jid, P.year(2022), unit_id=u["A"].id)
    assert [t.target_id for t in agency.indicator("case_volume").targets] == []
    township = await service.dashboard(ctx, jid, P.year(2022), unit_id=u["T"].id)
    assert [t.target_id for t in township.indicator("case_volume").targets] == [VOLUME]
    q2 = await service.dashboard(ctx, jid, P.quarter(2022, 2))
    custom = target(q2.indicator("case_volume"), "custom.case_volume")
    # 2 new cases in Q2 (agency 11 April, market 20 May) against at most 3: one more fits.
    assert q2.indicator("case_volume").current.value == Decimal(2)
    assert (custom.status, custom.margin, custom.origin) == ("met", 1, "override")

    # Setting the same scope again updates the row; the audit trail has both versions.
    again = await service.set_target(
        ctx,
        jid,
        indicator="loss_rate",
        year=2022,
        target_id=CAP,
        comparator="<=",
        value=Decimal("30"),
        reason="再次调整",
    )
    assert again.id == row.id
    await ctx.session.flush()
    entries = list(
        await ctx.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "target_overrides", AuditEntry.entity_id == row.id)
            .order_by(AuditEntry.id)
        )
    )
    assert [e.action for e in entries] == ["target.set", "target.set"]
    assert (
        entries[1].before["value"] in ("40", "40.0000")
        and entries[1].before["reason"] == "县政府常务会议调整"
    )
    assert entries[1].after["value"] == "30" and entries[1].after["reason"] == "再次调整"

    await service.clear_target(ctx, row.id)
    await ctx.session.commit()
    back = await service.dashboard(ctx, jid, P.year(2022))
    assert target(back.indicator("loss_rate"), CAP).origin == "plugin"
    cleared = await ctx.session.scalar(select(AuditEntry).where(AuditEntry.action == "target.clear"))
    assert cleared is not None and cleared.after is None and cleared.before["target_id"] == CAP
    assert await ctx.session.get(TargetOverride, row.id) is None


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"indicator": "happiness"}, "indicator", "invalid_value"),
        ({"comparator": "="}, "comparator", "invalid_value"),
        ({"value": None}, "value", "required"),
        ({"reference_level": "county"}, "referenceLevel", "invalid_value"),
        ({"value": Decimal("120")}, "value", "invalid_value"),
        ({"value": Decimal("-1")}, "value", "invalid_value"),
        ({"yoy_change": Decimal("-2")}, "yoyChange", "invalid_value"),
        ({"reason": "  "}, "reason", "required"),
        ({"quarter": 5}, "quarter", "invalid_value"),
        ({"target_id": "no.such.target", "disabled": True}, "targetId", "unknown_target"),
        ({"target_id": VOLUME}, "indicator", "invalid_value"),
        ({"unit_id": 999_999}, "unitId", "not_found"),
    ],
)
async def test_bad_overrides_name_the_field(make_ctx: CtxFactory, changes, field, code):
    ctx = make_ctx(today=D(2022, 7, 1))
    org = await make_org(ctx, "xx_county")
    args = {
        "indicator": "loss_rate",
        "year": 2022,
        "comparator": "<=",
        "value": Decimal("10"),
        "reason": "调整",
    }
    args.update(changes)
    with pytest.raises(DomainError) as err:
        await service.set_target(ctx, org.jurisdiction.id, **args)
    assert (err.value.field, err.value.code) == (field, code)


@pytest.mark.parametrize("role", [Role.JUSTICE_STAFF, Role.LEADER, Role.UNIT_CLERK, Role.COURT_LIAISON])
async def test_only_administrators_set_targets(make_ctx: CtxFactory, role):
    admin = make_ctx()
    org = await make_org(admin, "xx_county")
    who = make_ctx(Principal(user="u", role=role, jurisdiction_id=org.jurisdiction.id, unit_id=org.agency.id))
    with pytest.raises(DomainError) as err:
        await service.set_target(
            who, org.jurisdiction.id, indicator="loss_rate", year=2022, value=Decimal("5"), reason="x"
        )
    assert err.value.code == "forbidden"
    row = await service.set_target(
        admin, org.jurisdiction.id, indicator="loss_rate", year=2022, value=Decimal("5"), reason="x"
    )
    with pytest.raises(DomainError) as clear:
        await service.clear_target(who, row.id)
    assert clear.value.code in ("forbidden", "not_found")
    outsider = make_ctx(
        Principal(user="o", role=Role.JUSTICE_STAFF, jurisdiction_id=org.jurisdiction.id + 100)
    )
    # Reading is open to the jurisdiction, closed to others (as if it did not exist).
    with pytest.raises(DomainError) as hidden:
        await service.dashboard(outsider, org.jurisdiction.id, P.year(2022))
    assert (hidden.value.code, hidden.value.field) == ("not_found", "jurisdictionId")


# ---------------------------------------------------------------------------------------------
# References: entered, or computed from the sibling jurisdictions of this deployment
# ---------------------------------------------------------------------------------------------


class Sibling(Testland):
    def __init__(self, code: str, name: str, population: int) -> None:
        self.code, self.name, self.population = code, name, population

    @hookimpl
    def caseload_jurisdiction_profile(self) -> JurisdictionProfile:
        return JurisdictionProfile(
            code=self.code,
            name=self.name,
            name_en=self.code,
            population=self.population,
            parent_name="样例市",
            province_name="样例省",
        )


async def test_city_average_is_computed_from_siblings_unless_entered(session):
    registry = build_registry(
        builtins=(),
        entry_points=False,
        extra={"east": Sibling("east", "东县", 200_000), "west": Sibling("west", "西县", 300_000)},
    )
    import datetime as dt

    from core.clock import CHINA, fixed_clock

    ctx = ServiceContext(
        session=session,
        principal=SYSTEM,
        registry=registry,
        clock=fixed_clock(dt.datetime(2023, 1, 10, 10, tzinfo=CHINA)),
    )
    east = await make_org(ctx, "east")
    west = await make_org(ctx, "west")
    e, w = await Recorder.start(ctx, east), await Recorder.start(ctx, west)
    # East: 1 lost of 2; west: 0 lost of 2 and one pending → pooled 1 of 4 = 25 %; suits 2 + 3 over 500,000.
    await e.concluded_case(east.agency, D(2022, 1, 5), D(2022, 3, 1), OutcomeKind.REVOKED, attended=True)
    await e.concluded_case(east.agency, D(2022, 1, 6), D(2022, 3, 2), OutcomeKind.WITHDRAWAL)
    await w.concluded_case(
        west.agency, D(2022, 1, 7), D(2022, 3, 3), OutcomeKind.CLAIM_DISMISSED, attended=True
    )
    await w.concluded_case(west.agency, D(2022, 1, 8), D(2022, 3, 4), OutcomeKind.MEDIATION)
    await w.case(west.agency, D(2022, 5, 1))
    for j in (east, west):
        for indicator in ("loss_rate", "suits_per_10k", "case_volume"):
            await service.set_target(
                ctx,
                j.jurisdiction.id,
                indicator=indicator,
                year=2022,
                comparator="<=",
                reference_level="city",
                reason="不高于全市平均",
            )
    await session.commit()
    board = await service.dashboard(ctx, east.jurisdiction.id, P.year(2022))
    loss_ref = next(r for r in board.indicator("loss_rate").references if r.level == "city")
    assert (loss_ref.value, loss_ref.source, loss_ref.jurisdictions) == (Decimal("25.00"), "computed", 2)
    assert "2个辖区" in loss_ref.note_zh
    assert target(board.indicator("loss_rate"), "custom.loss_rate").status == "missed"  # 50 % > 25 %
    suits_ref = next(r for r in board.indicator("suits_per_10k").references if r.level == "city")
    assert suits_ref.value == Decimal("0.10")  # 5 ÷ 500,000 × 10,000
    volume_ref = next(r for r in board.indicator("case_volume").references if r.level == "city")
    assert volume_ref.value == Decimal("2.50")  # per jurisdiction: (2 + 3) ÷ 2
    west_board = await service.dashboard(ctx, west.jurisdiction.id, P.year(2022))
    assert target(west_board.indicator("loss_rate"), "custom.loss_rate").status == "met"  # 0 % ≤ 25 %

    await set_reference_figure(
        ctx,
        east.jurisdiction.id,
        indicator="loss_rate",
        level="city",
        year=2022,
        value=Decimal("60"),
        source="市局通报",
    )
    await session.commit()
    entered = await service.dashboard(ctx, east.jurisdiction.id, P.year(2022))
    loss_ref = next(r for r in entered.indicator("loss_rate").references if r.level == "city")
    assert (loss_ref.value, loss_ref.source) == (Decimal("60"), "entered")
    assert target(entered.indicator("loss_rate"), "custom.loss_rate").status == "met"


async def test_with_no_reference_the_target_has_no_data(make_ctx: CtxFactory):
    ctx = make_ctx(today=D(2023, 1, 10))
    org = await make_org(ctx, "wuyang")  # provincial averages are not entered
    rec = await Recorder.start(ctx, org)
    await rec.concluded_case(org.agency, D(2022, 1, 5), D(2022, 3, 1), OutcomeKind.REVOKED, attended=True)
    await ctx.session.commit()
    board = await service.dashboard(ctx, org.jurisdiction.id, P.year(2022))
    province = target(board.indicator("loss_rate"), "wuyang.loss_rate_not_above_province")
    assert province.status == "no_data" and province.margin is None
    assert any("未录入" in b.reason_zh for b in province.bounds)
    ref = next(r for r in board.indicator("loss_rate").references if r.level == "province")
    assert (ref.value, ref.source) == (None, "none")
