"""Indicators a plugin adds (``caseload_indicators``): counted in SQL on hand-computed data, checked
when the plugin is loaded, and treated like the national indicators by targets, penalties, series,
references, assessments and bulletins.

"Addland" adds one indicator of every kind of record; the data below are recorded through the
services for the third quarter of 2024 and every figure is counted by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar.rules import working_days
from core.cases import service as cases
from core.clock import CHINA, fixed_clock
from core.context import ServiceContext
from core.disputes import service as disputes
from core.enums import (
    DisputeField,
    Instance,
    OutcomeKind,
    ReconsiderationDecision,
    ResolutionStage,
)
from core.errors import ValidationFailed
from core.indicators import bulletins, service
from core.indicators import periods as P
from core.org.service import set_reference_figure
from core.policy import catalog, hookimpl
from core.policy.manager import PolicyRegistry, build_registry, validate_plugin
from core.policy.types import (
    Citation,
    Comparator,
    ConditionKind,
    CountedRecords,
    CustomIndicator,
    DeadlineRule,
    EventKind,
    EventMatch,
    Exemption,
    IndicatorKind,
    JurisdictionProfile,
    Owner,
    PenaltyCondition,
    PenaltyKind,
    PenaltyRule,
    RecordFilter,
    TargetSpec,
)
from core.principal import SYSTEM
from tests.indicators.helpers import D, Recorder, at
from tests.support import Testland, make_org

CITE = Citation(source="tests/indicators/test_added_indicators.py", clause="测试用指标")
Q3 = P.quarter(2024, 3)
TODAY = D(2024, 10, 15)


def added(code: str, kind: IndicatorKind, records: CountedRecords, **kw: object) -> CustomIndicator:
    return CustomIndicator(
        code=f"addland.{code}",
        label_zh=f"测试指标{code}",
        description_zh="测试用新增指标",
        description_en=code,
        kind=kind,
        records=records,
        citation=CITE,
        **kw,  # type: ignore[arg-type]
    )


R = CountedRecords
ADDED = (
    added("filed_second", IndicatorKind.COUNT, R.CASES_FILED, instances=frozenset({"second"})),
    added(
        "changed_withdrawals",
        IndicatorKind.RATE,
        R.CASES_CONCLUDED,
        numerator=RecordFilter(agency_changed_act=True),
        denominator=RecordFilter(outcomes=frozenset({"withdrawal"})),
    ),
    added(
        "hearings_without_head",
        IndicatorKind.COUNT,
        R.HEARINGS_HELD,
        numerator=RecordFilter(head_attended=False),
        instances=frozenset({"first", "second", "retrial"}),
    ),
    added(
        "cases_heard_with_head",
        IndicatorKind.RATE,
        R.CASES_HEARD,
        numerator=RecordFilter(head_attended=True),
        denominator=RecordFilter(),
        higher_is_better=True,
    ),
    added(
        "rejected_share",
        IndicatorKind.RATE,
        R.RECONSIDERATIONS_RECEIVED,
        numerator=RecordFilter(statuses=frozenset({"rejected"})),
        denominator=RecordFilter(),
    ),
    added(
        "upheld",
        IndicatorKind.COUNT,
        R.RECONSIDERATIONS_CONCLUDED,
        numerator=RecordFilter(decisions=frozenset({"upheld", "dismissed"})),
        higher_is_better=True,
    ),
    added(
        "land_per_10k",
        IndicatorKind.PER_10K,
        R.DISPUTES_RECEIVED,
        numerator=RecordFilter(fields=frozenset({"land_expropriation"})),
    ),
    added("risky", IndicatorKind.COUNT, R.DISPUTES_RECEIVED, numerator=RecordFilter(loss_risk=True)),
    added(
        "accepted_on_time",
        IndicatorKind.RATE,
        R.OBLIGATIONS_DUE,
        numerator=RecordFilter(statuses=frozenset({"met"})),
        denominator=RecordFilter(rules=frozenset({"addland.accept"})),
        higher_is_better=True,
    ),
)


class Addland(Testland):
    """Testland's rules plus an acceptance deadline, the indicators above, a target and a penalty."""

    @hookimpl
    def caseload_jurisdiction_profile(self) -> JurisdictionProfile:
        return JurisdictionProfile(code="addland", name="新增指标县", name_en="Addland", population=200_000)

    @hookimpl
    def caseload_deadline_rules(self) -> list[DeadlineRule]:
        return [
            DeadlineRule(
                id="addland.accept",
                trigger=EventMatch(EventKind.RESOLUTION_ASSIGNED),
                title_zh="3个工作日内受理",
                title_en="accept within 3 working days",
                due=working_days(3),
                owner=Owner.UNIT,
                citation=CITE,
                met_by=(EventMatch(EventKind.RESOLUTION_ACCEPTED),),
            )
        ]

    @hookimpl
    def caseload_indicators(self) -> list[CustomIndicator]:
        return list(ADDED)

    @hookimpl
    def caseload_targets(self, year: int) -> list[TargetSpec]:
        return [
            TargetSpec(
                id="addland.filed_second_cap",
                indicator="addland.filed_second",
                title_zh="二审案件不超过1件",
                title_en="at most one appeal",
                citation=CITE,
                comparator=Comparator.AT_MOST,
                value=Decimal(1),
            )
        ]

    @hookimpl
    def caseload_penalty_rules(self) -> list[PenaltyRule]:
        return [
            PenaltyRule(
                id="addland.unlawful_loss_no_excellent",
                condition=PenaltyCondition(ConditionKind.EVENT, fact="loss_by_unlawful_conduct"),
                penalty=PenaltyKind.NO_EXCELLENT,
                title_zh="违法行政导致败诉的不得评为优秀",
                title_en="no excellent rating after a loss caused by unlawful conduct",
                citation=CITE,
                exemptions=(Exemption("due_diligence", "尽职免责", "due diligence", CITE),),
            ),
            PenaltyRule(
                id="addland.most_hearings_without_head",
                condition=PenaltyCondition(
                    ConditionKind.BOTTOM_N, indicator="addland.hearings_without_head", n=1
                ),
                penalty=PenaltyKind.CRITICISM,
                title_zh="负责人未出庭次数最多的单位通报批评",
                title_en="criticism of the unit with most hearings without its head",
                citation=CITE,
                period="quarter",
            ),
        ]


@pytest.fixture(scope="module")
def add_registry() -> PolicyRegistry:
    return build_registry(builtins=("qiannan",), entry_points=False, extra={"addland": Addland()})


CtxFactory = Callable[..., ServiceContext]


@pytest.fixture
def actx(session: AsyncSession, add_registry: PolicyRegistry) -> ServiceContext:
    moment = dt.datetime.combine(TODAY, dt.time(10, 0), tzinfo=CHINA)
    return ServiceContext(session=session, principal=SYSTEM, registry=add_registry, clock=fixed_clock(moment))


@pytest.fixture
async def recorded(actx: ServiceContext) -> AsyncIterator[tuple[ServiceContext, object]]:
    """The third quarter of 2024 in Addland (agency = 县自然资源局, township = 城关镇)."""
    ctx = actx
    org = await make_org(ctx, "addland")
    rec = await Recorder.start(ctx, org)
    agency, township = org.agency, org.township
    # One dispute received in March (outside every dispute count) carries the cases.
    base = await rec.dispute(agency, D(2024, 3, 1), field=DisputeField.WORK_INJURY)
    # Disputes received in Q3: land ×2 (agency, township), work injury; two flagged; one in October.
    d1 = await rec.dispute(agency, D(2024, 7, 5))
    d2 = await rec.dispute(township, D(2024, 8, 5), loss_risk=True)
    d3 = await rec.dispute(agency, D(2024, 8, 6), loss_risk=True, field=DisputeField.WORK_INJURY)
    await rec.dispute(agency, D(2024, 10, 2), loss_risk=True)
    # Cases. c1: heard twice (head absent, then present), withdrawn after the agency changed its act.
    c1 = await rec.case(agency, D(2024, 7, 1), dispute=base)
    await rec.hearing(c1, D(2024, 8, 1), attended=False)
    await rec.hearing(c1, D(2024, 8, 20), attended=True)
    await rec.outcome(c1, OutcomeKind.WITHDRAWAL, D(2024, 9, 2), changed_act=True)
    # c2: heard once without the head, withdrawn (the agency did not change its act).
    c2 = await rec.case(agency, D(2024, 7, 2), dispute=base)
    await rec.hearing(c2, D(2024, 8, 2), attended=False)
    await rec.outcome(c2, OutcomeKind.WITHDRAWAL, D(2024, 9, 3))
    # c3: mediated without a hearing. c6: the township's, heard without its head, pending.
    c3 = await rec.case(agency, D(2024, 7, 3), dispute=base)
    await rec.outcome(c3, OutcomeKind.MEDIATION, D(2024, 9, 4))
    c6 = await rec.case(township, D(2024, 7, 10), dispute=base)
    await rec.hearing(c6, at(D(2024, 8, 9), 15), attended=False)
    # An appeal filed in Q3 (its first instance ended in April), heard with the head.
    first = await rec.concluded_case(
        agency, D(2024, 1, 2), D(2024, 4, 1), OutcomeKind.REVOKED, attended=True, dispute=base
    )
    appeal = await rec.case(agency, D(2024, 8, 1), dispute=base, instance=Instance.SECOND, parent=first)
    await rec.hearing(appeal, D(2024, 9, 5), attended=True)
    # Reconsiderations: received Jul 1 (rejected), Jul 2 (upheld Aug 1), Jul 3 (revoked Aug 2), Jul 4
    # (waiting); and one received in June, dismissed on Jul 10.
    r1 = await rec.reconsideration(agency, D(2024, 7, 1), dispute=base)
    await cases.reject_reconsideration(ctx, r1.id, rejected_date=D(2024, 7, 5), reason="超过申请期限")
    for received, concluded, decision in (
        (D(2024, 7, 2), D(2024, 8, 1), ReconsiderationDecision.UPHELD),
        (D(2024, 7, 3), D(2024, 8, 2), ReconsiderationDecision.REVOKED),
        (D(2024, 6, 1), D(2024, 7, 10), ReconsiderationDecision.DISMISSED),
    ):
        await rec.reconsideration(agency, received, concluded=concluded, decision=decision, dispute=base)
    await rec.reconsideration(agency, D(2024, 7, 4), dispute=base)
    # Acceptance within 3 working days: d1 on time, d2 late, d3 never (open past its due date).
    for dispute, assigned, accepted in (
        (d1, D(2024, 7, 8), D(2024, 7, 9)),
        (d2, D(2024, 8, 5), D(2024, 8, 12)),
        (d3, D(2024, 9, 2), None),
    ):
        effort = await disputes.assign_resolution(
            ctx, dispute.id, unit_id=dispute.unit_id, stage=ResolutionStage.PRE_FILING, assigned_date=assigned
        )
        if accepted is not None:
            await disputes.accept_resolution(
                ctx, effort.id, accepted_date=accepted, notice_delivered_date=accepted
            )
    await ctx.session.commit()
    yield ctx, org


async def test_every_kind_of_record_is_counted_as_hand_computed(recorded) -> None:
    ctx, org = recorded
    board = await service.dashboard(ctx, org.jurisdiction.id, Q3)
    expected = {
        "addland.filed_second": (1, None, Decimal(1)),  # the appeal
        "addland.changed_withdrawals": (1, 2, Decimal("50.00")),  # c1 of the withdrawals c1, c2
        "addland.hearings_without_head": (3, None, Decimal(3)),  # c1 Aug 1, c2, c6
        "addland.cases_heard_with_head": (1, 3, Decimal("33.33")),  # c1 of c1, c2, c6 (not the appeal)
        "addland.rejected_share": (1, 4, Decimal("25.00")),  # r1 of the four received in Q3
        "addland.upheld": (2, None, Decimal(2)),  # upheld Aug 1, dismissed Jul 10
        "addland.land_per_10k": (2, 200_000, Decimal("0.10")),  # d1, d2 (the base dispute is March)
        "addland.risky": (2, None, Decimal(2)),  # d2, d3 (not the October one)
        "addland.accepted_on_time": (1, 3, Decimal("33.33")),  # d1 of d1, d2 (late), d3 (open, due)
    }
    for code, (num, den, value) in expected.items():
        current = board.indicator(code).current
        assert (current.numerator, current.denominator, current.value) == (num, den, value), code
        assert board.indicator(code).definition.added and board.indicator(code).definition.source == "addland"
    # The same quarter a year earlier is empty: counts are 0, a rate is "no data" (never 0 %).
    for a in ADDED:
        previous = board.indicator(a.code).previous
        if a.kind is IndicatorKind.COUNT:
            assert (previous.value, previous.display) == (0, "0"), a.code
        elif a.kind is IndicatorKind.PER_10K:  # none per 10,000 of a known population
            assert (previous.value, previous.display) == (0, "0.00"), a.code
        else:
            assert (previous.value, previous.display) == (None, "—"), a.code
    assert board.indicator("addland.land_per_10k").current.display == "0.10"
    assert board.indicator("addland.rejected_share").current.display == "25.00%"
    # Per unit: the agency holds two of the three hearings without a head.
    rows = {r.name: {v.indicator: v for v in r.values} for r in board.units}
    assert rows["县自然资源局"]["addland.hearings_without_head"].figure.value == 2
    assert rows["城关镇"]["addland.hearings_without_head"].figure.value == 1
    # Fewer is better: the county government (none) first, the agency last of three.
    assert [
        rows[n]["addland.hearings_without_head"].rank for n in ("县人民政府", "城关镇", "县自然资源局")
    ] == [
        1,
        2,
        3,
    ]
    assert rows["县自然资源局"]["addland.land_per_10k"].figure.display == "0.05"
    # The national indicators are still there, first, and unchanged by the additions.
    codes = [r.indicator for r in board.indicators]
    assert codes[: len(catalog.INDICATORS)] == list(catalog.INDICATORS)
    assert codes[len(catalog.INDICATORS) :] == [a.code for a in ADDED]


async def test_targets_margins_and_penalties_on_added_indicators(recorded) -> None:
    ctx, org = recorded
    board = await service.dashboard(ctx, org.jurisdiction.id, P.year(2024))
    [cap] = board.indicator("addland.filed_second").targets
    # One appeal against "at most 1": met, and no further appeal can be absorbed.
    assert (cap.status, cap.margin) == ("at_risk", 0)
    assert cap.margin_event_zh == "计入测试指标filed_second的记录"
    assessment = await service.assessment(ctx, org.jurisdiction.id, 2024, quarter=3)
    ranked = {r.indicator for r in assessment.rankings}
    assert "addland.hearings_without_head" in ranked  # named by a penalty rule, so ranked
    [criticism] = [p for p in assessment.penalties if p.rule_id == "addland.most_hearings_without_head"]
    assert criticism.unit_name == "县自然资源局" and criticism.penalty == "criticism"
    assert "测试指标hearings_without_head" in criticism.reason_zh


async def test_series_references_overrides_and_bulletins(recorded) -> None:
    ctx, org = recorded
    jid = org.jurisdiction.id
    monthly = await service.series(
        ctx,
        jid,
        "addland.hearings_without_head",
        granularity=P.Granularity.MONTH,
        start=D(2024, 7, 1),
        end=D(2024, 9, 30),
    )
    assert [p.figure.value for p in monthly.points] == [0, 3, 0]
    # A reference figure and an administrator's target on an added indicator.
    await set_reference_figure(
        ctx, jid, indicator="addland.risky", level="city", year=2024, value=Decimal(1), source="市司法局通报"
    )
    await service.set_target(
        ctx, jid, indicator="addland.risky", year=2024, reason="压降风险案件", reference_level="city"
    )
    await ctx.session.commit()
    board = await service.dashboard(ctx, jid, Q3)
    risky = board.indicator("addland.risky")
    assert [r.value for r in risky.references if r.level == "city"] == [Decimal(1)]
    assert [(t.target_id, t.status) for t in risky.targets] == [("custom.addland.risky", "missed")]
    # Another jurisdiction's indicator is not this one's: the field is named.
    with pytest.raises(ValidationFailed) as exc:
        await service.set_target(
            ctx, jid, indicator="qiannan.correction_count", year=2024, reason="x", value=Decimal(1)
        )
    assert exc.value.field == "indicator"
    # The bulletin lists the added indicators after the national ones.
    content = await bulletins.build_content(ctx, jid, 2024, 3)
    lines = {line.indicator: line for line in content.indicators}
    assert lines["addland.upheld"].quarter.value == 2
    assert lines["addland.upheld"].label_zh == "测试指标upheld"


async def test_an_exempted_penalty_is_listed_and_costs_no_excellent_rating(recorded) -> None:
    """Addland also carries a "no excellent" rule with an exemption (尽职免责)."""
    ctx, org = recorded
    j = org.jurisdiction.id
    for unit in (org.agency, org.township):
        await service.record_fact(
            ctx, j, fact="loss_by_unlawful_conduct", year=2024, note="违法", unit_id=unit.id
        )
    await service.record_fact(
        ctx, j, fact="due_diligence", year=2024, note="经申请免责", unit_id=org.township.id
    )
    await ctx.session.commit()
    a = await service.assessment(ctx, j, 2024)
    rows = {r.name: r for r in a.rows}
    assert not rows["县自然资源局"].excellent_eligible
    assert rows["城关镇"].excellent_eligible  # exempted
    [exempt] = [p for p in rows["城关镇"].penalties if p.rule_id == "addland.unlawful_loss_no_excellent"]
    assert exempt.exempted and exempt.exemption_zh == "尽职免责"


class Badland(Testland):
    @hookimpl
    def caseload_jurisdiction_profile(self) -> JurisdictionProfile:
        return JurisdictionProfile(code="badland", name="错误县", name_en="Badland")

    @hookimpl
    def caseload_indicators(self) -> list[object]:
        good = CustomIndicator(
            "badland.ok", "正常指标", "正常", "ok", IndicatorKind.COUNT, R.CASES_FILED, CITE
        )
        return [
            good,
            CustomIndicator("other.code", "指标", "说明", "x", IndicatorKind.COUNT, R.CASES_FILED, CITE),
            CustomIndicator(
                "badland.rate_without_denominator",
                "指标",
                "说明",
                "x",
                IndicatorKind.RATE,
                R.CASES_FILED,
                CITE,
            ),
            CustomIndicator(
                "badland.wrong_field",
                "指标",
                "说明",
                "x",
                IndicatorKind.COUNT,
                R.CASES_FILED,
                CITE,
                numerator=RecordFilter(decisions=frozenset({"upheld"})),
            ),
            CustomIndicator(
                "badland.unknown_value",
                "指标",
                "说明",
                "x",
                IndicatorKind.COUNT,
                R.CASES_CONCLUDED,
                CITE,
                numerator=RecordFilter(outcomes=frozenset({"won_big"})),
            ),
            CustomIndicator(
                "badland.unknown_rule",
                "指标",
                "说明",
                "x",
                IndicatorKind.COUNT,
                R.OBLIGATIONS_DUE,
                CITE,
                numerator=RecordFilter(rules=frozenset({"badland.nothing"})),
            ),
            good,
            "not an indicator",
        ]

    @hookimpl
    def caseload_targets(self, year: int) -> list[TargetSpec]:
        return [
            TargetSpec("badland.t", "badland.wrong_field", "目标", "target", CITE, value=Decimal(1)),
        ]


def test_a_plugin_indicator_with_problems_is_named_and_left_out() -> None:
    registry = build_registry(builtins=(), entry_points=False, extra={"badland": Badland()})
    report = validate_plugin(registry, "badland")
    problems = "\n".join(report.problems)
    assert "indicator 'other.code': the code must be 'badland.<name>'" in problems
    assert "'badland.rate_without_denominator': a rate needs a denominator" in problems
    assert "'badland.wrong_field': numerator.decisions does not apply to cases_filed" in problems
    assert "'badland.unknown_value': numerator.outcomes has unknown values ['won_big']" in problems
    assert "'badland.unknown_rule': numerator.rules has unknown values ['badland.nothing']" in problems
    assert "'badland.ok': added twice" in problems
    assert "expected CustomIndicator, got str" in problems
    assert "target badland.t: unknown indicator 'badland.wrong_field'" in problems
    policy = registry.policy("badland")
    assert [c for c in policy.indicator_codes if c.startswith("badland.")] == ["badland.ok"]
    assert report.rule_counts["indicator"] == 1
