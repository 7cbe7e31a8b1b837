"""The conformance kit run on the four built-in plugins, meta-tests keeping rules, tests and docs in
step, and tests of the kit and of the pure evaluators themselves."""

from __future__ import annotations

import ast
import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest

from core.calendar.rules import calendar_days, working_days
from core.context import ServiceContext
from core.enums import NotificationKind
from core.org.service import create_jurisdiction_from_plugin
from core.policy import hookimpl
from core.policy.conformance import (
    EVENT_ATTRIBUTES,
    assert_conformant,
    check_plugin,
    collect_rules,
    drive,
    make_event,
)
from core.policy.evaluate import (
    INDICATOR_DIRECTION,
    Direction,
    TargetStatus,
    UnitResult,
    evaluate_penalties,
    evaluate_target,
    rank_worst_first,
)
from core.policy.manager import PolicyRegistry, build_registry
from core.policy.types import (
    INDICATORS,
    Citation,
    Comparator,
    ConditionKind,
    DeadlineRule,
    EscalationChain,
    EscalationStep,
    EventKind,
    EventMatch,
    JurisdictionProfile,
    Owner,
    PenaltyCondition,
    PenaltyKind,
    PenaltyRule,
    Recipient,
    ReminderRule,
    SourceDocument,
    TargetSpec,
)

PLUGINS = ("xx_county", "wuping", "wuyang", "qiannan")
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def sources_dir() -> Path | None:
    """The source documents: $CASELOAD_SOURCES, or the copies shipped in docs/sources."""
    configured = os.environ.get("CASELOAD_SOURCES")
    path = Path(configured) if configured else REPO / "docs" / "sources"
    return path if path.is_dir() else None


# ---------------------------------------------------------------------------------------------
# The kit on the four plugins
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PLUGINS)
def test_plugin_is_conformant(name: str, registry: PolicyRegistry) -> None:
    report = assert_conformant(name, registry=registry)
    assert report.code == name
    assert report.rule_counts["deadline"] > 0


@pytest.mark.parametrize("name", PLUGINS)
def test_plugin_quotes_are_verbatim_in_the_sources(name: str, registry: PolicyRegistry) -> None:
    sources = sources_dir()
    if sources is None:
        pytest.fail("source documents not found in docs/sources (or $CASELOAD_SOURCES)")
    assert_conformant(name, registry=registry, sources_dir=sources)


@pytest.mark.parametrize("name", PLUGINS)
def test_every_rule_has_its_own_test(name: str, registry: PolicyRegistry) -> None:
    """One test per rule, named ``test_<rule id with dots as underscores>[_…]``."""
    module = ast.parse((HERE / f"test_{name}.py").read_text(encoding="utf-8"))
    tests = [n.name for n in ast.walk(module) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    rules = collect_rules(registry, name)
    missing = [
        rule_id
        for rule_id in rules.rule_ids()
        if not any(
            t == f"test_{rule_id.replace('.', '_')}" or t.startswith(f"test_{rule_id.replace('.', '_')}_")
            for t in tests
        )
    ]
    assert missing == []


@pytest.mark.parametrize("name", PLUGINS)
def test_docs_table_lists_every_rule(name: str, registry: PolicyRegistry) -> None:
    """docs/plugins.md maps every rule id to its source, clause and test."""
    docs = (REPO / "docs" / "plugins.md").read_text(encoding="utf-8")
    rules = collect_rules(registry, name)
    missing = [rule_id for rule_id in rules.rule_ids() if f"`{rule_id}`" not in docs]
    missing += [c.id for c in rules.chains if f"`{c.id}`" not in docs]
    assert missing == []


# ---------------------------------------------------------------------------------------------
# The kit catches what it promises to catch
# ---------------------------------------------------------------------------------------------

BAD_DOC = SourceDocument(key="bad.txt", title="坏县行政应诉工作通知", issuer="坏县人民政府办公室")
GOOD = Citation(source="bad.txt", section="一", clause="收到应诉通知书后3日内报告", document=BAD_DOC)


class Broken:
    """A plugin with one of every mistake the kit looks for."""

    @hookimpl
    def caseload_jurisdiction_profile(self) -> JurisdictionProfile:
        return JurisdictionProfile(code="bad", name="Bad County", name_en="")

    @hookimpl
    def caseload_deadline_rules(self) -> list[DeadlineRule]:
        base = DeadlineRule(
            id="bad.report",
            trigger=EventMatch(EventKind.RESPONSE_NOTICE_RECEIVED),
            title_zh="报告",
            title_en="report",
            due=calendar_days(3),
            owner=Owner.UNIT,
            citation=GOOD,
        )
        return [
            base,
            DeadlineRule(
                id="other.prefix",
                trigger=EventMatch(EventKind.DISPUTE_RECORDED, {"sauce": "court_letter"}),
                title_zh="前缀错误",
                title_en="wrong prefix",
                due=working_days(2),
                owner=Owner.UNIT,
                citation=Citation(source="bad.txt", clause="这句话不在来源文件中"),
                anchor="received_date",
                escalation="bad.nowhere",
            ),
            DeadlineRule(
                id="bad.monthly",
                trigger=EventMatch(EventKind.MONTH_START),
                title_zh="每月报告",
                title_en="monthly",
                due=calendar_days(1500),  # lands in 2028, a year nobody has holidays for
                owner=Owner.UNIT,
                citation=Citation(source="missing.txt", clause="每月报告"),
                met_by=(EventMatch(EventKind.DUTY_SUBMITTED, {"duty_kind": "essay"}),),
            ),
            base,
        ]

    @hookimpl
    def caseload_hearing_reminders(self) -> list[ReminderRule]:
        return [ReminderRule("bad.sing", 1, "sing", "唱歌", "sing", GOOD)]

    @hookimpl
    def caseload_escalation_chains(self) -> list[EscalationChain]:
        return [
            EscalationChain(
                "elsewhere.chain", (EscalationStep(working_days(0), Recipient.UNIT, NotificationKind.INFO),)
            ),
            EscalationChain("bad.empty", ()),
        ]

    @hookimpl
    def caseload_targets(self) -> list[TargetSpec]:
        return [TargetSpec("bad.nothing", "loss_rate", "无界限", "no bound", GOOD)]

    @hookimpl
    def caseload_penalty_rules(self) -> list[PenaltyRule]:
        return [
            PenaltyRule(
                "bad.bottom",
                PenaltyCondition(ConditionKind.BOTTOM_N, indicator="loss_rate"),
                PenaltyKind.ZERO_SCORE,
                "倒数",
                "bottom",
                GOOD,
            )
        ]


def test_kit_reports_every_kind_of_mistake(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_text("一、收到应诉通知书后\n3日内报告。", encoding="utf-8")
    registry = build_registry(builtins=(), entry_points=False, extra={"bad": Broken()})
    report = check_plugin("bad", registry=registry, sources_dir=tmp_path)
    assert not report.ok
    text = "\n".join(report.problems)
    expected = [
        "duplicate rule ids: bad.report",
        "rule id 'other.prefix' must start with 'bad.'",
        "escalation chain id 'elsewhere.chain' must start with 'bad.'",
        "profile name must be the Chinese name",
        "profile has no English name",
        "clause not found verbatim in bad.txt",
        "source file 'missing.txt' not found",
        "dispute_recorded has no attribute 'sauce'",
        "duty_submitted.duty_kind = 'essay' is not a legal value",
        "a periodic trigger must say its scope",
        "anchor 'received_date' is not a date attribute",
        "cannot compute from 2024-09-27: CalendarYearUnknown",
        "unknown escalation chain 'bad.nowhere'",
        "chain bad.empty: has no steps",
        "target bad.nothing: sets no bound",
        "condition bottom_n needs n",
        "a zero score must name the indicator",
        "action 'sing' not one of",
        "deadline other.prefix: citation of bad.txt declares no source document",
    ]
    for fragment in expected:
        assert fragment in text, fragment
    # The quote split by a line break in the source still counts as verbatim.
    assert "deadline bad.report: clause not found" not in text
    assert "deadline bad.report: citation of" not in text
    with pytest.raises(AssertionError, match=r"other\.prefix"):
        assert_conformant("bad", registry=registry)


def test_event_contract_covers_every_event_kind() -> None:
    assert set(EVENT_ATTRIBUTES) == set(EventKind)


async def test_drive_emits_through_the_engine_in_the_given_jurisdiction(ctx: ServiceContext) -> None:
    j = await create_jurisdiction_from_plugin(ctx, "wuping")
    event = make_event(
        EventKind.QUARTER_END,
        0,
        dt.date(2024, 9, 30),
        "jurisdiction",
        j.id,
        scope="jurisdiction",
        period="2024Q3",
    )
    created = await drive(ctx, j.id, event)
    assert [(o.jurisdiction_id, o.rule_id) for o in created] == [(j.id, "wuping.quarterly_bulletin")]
    assert await drive(ctx, j.id, event) == []


# ---------------------------------------------------------------------------------------------
# The pure evaluators
# ---------------------------------------------------------------------------------------------

CITE = Citation(source="test", clause="测试")


def test_every_indicator_has_a_direction() -> None:
    assert set(INDICATOR_DIRECTION) == set(INDICATORS)
    assert INDICATOR_DIRECTION["head_appearance_rate"] is Direction.HIGHER_IS_BETTER
    for worse_when_higher in ("loss_rate", "case_volume", "correction_rate", "suits_per_10k"):
        assert INDICATOR_DIRECTION[worse_when_higher] is Direction.LOWER_IS_BETTER


def test_ranking_puts_the_worst_first_and_shares_ties() -> None:
    rows = [
        UnitResult(u, {"head_appearance_rate": Decimal(v)})
        for u, v in ((1, "100"), (2, "50"), (3, "50"), (4, "75"))
    ]
    ranked = rank_worst_first(rows, "head_appearance_rate")
    assert [(r.unit_id, r.rank, r.of) for r in ranked] == [(2, 1, 4), (3, 1, 4), (4, 3, 4), (1, 4, 4)]


def test_target_without_comparator_uses_the_indicators_direction() -> None:
    lower = TargetSpec("t.cap", "loss_rate", "上限", "cap", CITE, value=Decimal("10"))
    higher = TargetSpec("t.floor", "head_appearance_rate", "下限", "floor", CITE, value=Decimal("90"))
    assert evaluate_target(lower, Decimal("10"), None, None).status is TargetStatus.MET
    assert evaluate_target(higher, Decimal("89.99"), None, None).status is TargetStatus.MISSED


def test_a_failed_bound_wins_over_a_missing_one() -> None:
    spec = TargetSpec(
        "t.both",
        "loss_rate",
        "两项",
        "both",
        CITE,
        comparator=Comparator.AT_MOST,
        value=Decimal("8"),
        reference_level="province",
    )
    result = evaluate_target(spec, Decimal("9"), None, None)
    assert result.status is TargetStatus.MISSED
    assert [c.status for c in result.checks] == [TargetStatus.MISSED, TargetStatus.NO_DATA]
    unbounded = TargetSpec("t.none", "loss_rate", "无", "none", CITE)
    assert evaluate_target(unbounded, Decimal("1"), None, None).status is TargetStatus.NO_DATA


def test_jurisdiction_penalties_look_at_the_jurisdiction_row_only() -> None:
    rule = PenaltyRule(
        "t.county",
        PenaltyCondition(ConditionKind.ABOVE_VALUE, indicator="loss_rate", value=Decimal("8")),
        PenaltyKind.CRITICISM,
        "全县超标",
        "county above",
        CITE,
        applies_to="jurisdiction",
    )
    rows = [UnitResult(None, {"loss_rate": Decimal("9")}), UnitResult(1, {"loss_rate": Decimal("50")})]
    applied = evaluate_penalties([rule], rows)
    assert [(a.unit_id, a.penalty) for a in applied] == [(None, PenaltyKind.CRITICISM)]
    assert applied[0].reason_zh.startswith("本辖区败诉率9.00%，超过8.00%")
