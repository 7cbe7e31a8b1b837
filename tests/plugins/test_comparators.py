"""Comparators read as 民法典第一千二百五十九条 reads the Chinese words (issue 22, point 5).

"以上、以下、以内、届满" include the number; "不满、超过、以外" exclude it. Every comparator is tried
at its boundary value (the number itself), just inside and just outside, for targets and for
penalty conditions, and the reasons quote the source's word ("两次以上" reads 在2以上, never 超过1).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.policy.conformance import PluginRules, check_penalties, check_targets
from core.policy.evaluate import TargetStatus, UnitResult, evaluate_penalties, evaluate_target
from core.policy.types import (
    COMPARATOR_WORDS,
    CONDITION_COMPARATORS,
    Citation,
    Comparator,
    ConditionKind,
    PenaltyCondition,
    PenaltyKind,
    PenaltyRule,
    TargetSpec,
)

CITE = Citation(source="某县意见", clause="被通报批评两次以上的，由县政府约谈")


def rules_with(penalties: tuple[PenaltyRule, ...] = (), targets: tuple[TargetSpec, ...] = ()) -> PluginRules:
    return PluginRules("t", "t", (), (), (), penalties, {2024: targets})


# (comparator, value just below the bound, the bound itself, just above) -> holds?
BOUNDARY: dict[Comparator, tuple[bool, bool, bool]] = {
    Comparator.AT_LEAST: (False, True, True),  # 以上: the number counts
    Comparator.ABOVE: (False, False, True),  # 超过: it does not
    Comparator.AT_MOST: (True, True, False),  # 以下、以内: the number counts
    Comparator.BELOW: (True, False, False),  # 不满: it does not
}


@pytest.mark.parametrize("comparator", list(Comparator))
def test_every_target_comparator_at_its_boundary(comparator: Comparator) -> None:
    spec = TargetSpec("t.x", "loss_count", "败诉案件数目标", "losses", CITE, comparator, Decimal(2))
    got = tuple(evaluate_target(spec, Decimal(v), None, None).status is TargetStatus.MET for v in (1, 2, 3))
    assert got == BOUNDARY[comparator]


@pytest.mark.parametrize("kind", list(CONDITION_COMPARATORS))
def test_every_value_condition_at_its_boundary(kind: ConditionKind) -> None:
    rule = PenaltyRule(
        "t.p",
        PenaltyCondition(kind, "loss_count", value=Decimal(2)),
        PenaltyKind.INTERVIEW,
        "约谈",
        "i",
        CITE,
    )
    rows = [UnitResult(unit_id=v, values={"loss_count": Decimal(v)}, name=f"单位{v}") for v in (1, 2, 3)]
    applied = {p.unit_id for p in evaluate_penalties([rule], rows)}
    assert tuple(v in applied for v in (1, 2, 3)) == BOUNDARY[CONDITION_COMPARATORS[kind]]


def test_two_or_more_reads_with_the_sources_word() -> None:
    """ "被通报批评两次以上": at_least_value 2; a unit criticised exactly twice is interviewed."""
    rule = PenaltyRule(
        "t.criticised_twice",
        PenaltyCondition(ConditionKind.AT_LEAST_VALUE, "loss_count", value=Decimal(2), word_zh="以上"),
        PenaltyKind.INTERVIEW,
        "被通报批评两次以上约谈",
        "interview after two criticisms",
        CITE,
    )
    [applied] = evaluate_penalties([rule], [UnitResult(7, {"loss_count": Decimal(2)}, name="甲局")])
    assert applied.reason_zh.startswith("甲局败诉案件数2，在2以上，约谈")
    assert "超过" not in applied.reason_zh


@pytest.mark.parametrize(
    ("kind", "word", "value", "reads"),
    [
        (ConditionKind.ABOVE_VALUE, None, 1, "超过1"),  # the default word of a strict "above"
        (ConditionKind.ABOVE_VALUE, "以外", 1, "在1以外"),
        (ConditionKind.BELOW_VALUE, "不满", 3, "不满3"),
        (ConditionKind.AT_MOST_VALUE, "以内", 2, "在2以内"),
        (ConditionKind.AT_LEAST_VALUE, "达到", 2, "达到2"),
    ],
)
def test_reasons_use_the_quoted_word(kind: ConditionKind, word: str | None, value: int, reads: str) -> None:
    rule = PenaltyRule(
        "t.p",
        PenaltyCondition(kind, "loss_count", value=Decimal(value), word_zh=word),
        PenaltyKind.INTERVIEW,
        "约谈",
        "i",
        CITE,
    )
    [applied] = evaluate_penalties([rule], [UnitResult(1, {"loss_count": Decimal(2)}, name="甲局")])
    assert applied.reason_zh.startswith(f"甲局败诉案件数2，{reads}，")


def test_a_met_target_reads_with_the_quoted_word() -> None:
    spec = TargetSpec(
        "t.x",
        "loss_rate",
        "败诉率控制在8%以内",
        "loss rate",
        CITE,
        Comparator.AT_MOST,
        Decimal(8),
        word_zh="以内",
    )
    result = evaluate_target(spec, Decimal(8), None, None)
    assert result.met
    assert result.reasons_zh == ("败诉率8.00%，在目标值8.00%以内，两者持平，达标",)
    plain = evaluate_target(
        TargetSpec("t.y", "loss_rate", "败诉率", "loss rate", CITE, Comparator.AT_MOST, Decimal(8)),
        Decimal(9),
        None,
        None,
    )
    assert plain.reasons_zh == ("败诉率9.00%，高于目标值8.00%，相差1.00个百分点，未达标",)


def test_every_word_belongs_to_one_comparator() -> None:
    words = [w for table in COMPARATOR_WORDS.values() for w in table]
    assert len(words) == len(set(words))
    # 民法典第一千二百五十九条, word by word.
    for word in ("以上", "以下", "以内", "届满"):
        assert any(word in COMPARATOR_WORDS[c] for c in (Comparator.AT_LEAST, Comparator.AT_MOST))
    for word in ("不满", "超过", "以外"):
        assert any(word in COMPARATOR_WORDS[c] for c in (Comparator.BELOW, Comparator.ABOVE))


def test_a_word_quoted_with_the_wrong_comparator_is_refused() -> None:
    """ "两次以上" written as above_value (strict) is the mistake of issue 22: the kit names it."""
    wrong = PenaltyRule(
        "t.criticised_twice",
        PenaltyCondition(ConditionKind.ABOVE_VALUE, "loss_count", value=Decimal(1), word_zh="以上"),
        PenaltyKind.INTERVIEW,
        "约谈",
        "interview",
        CITE,
    )
    [problem] = check_penalties(rules_with(penalties=(wrong,)))
    assert "word '以上' includes the number" in problem and "not above_value" in problem
    target = TargetSpec(
        "t.x", "loss_rate", "败诉率不满8%", "loss", CITE, Comparator.AT_MOST, Decimal(8), word_zh="不满"
    )
    [problem] = check_targets(rules_with(targets=(target,)))
    assert "word '不满' excludes the number" in problem
    unnamed = TargetSpec("t.y", "loss_rate", "败诉率", "loss", CITE, None, Decimal(8), word_zh="以下")
    assert check_targets(rules_with(targets=(unnamed,))) == [
        "target t.y: quotes '以下' but names no comparator"
    ]
    unknown = PenaltyRule(
        "t.p",
        PenaltyCondition(ConditionKind.AT_LEAST_VALUE, "loss_count", value=Decimal(2), word_zh="好多"),
        PenaltyKind.INTERVIEW,
        "约谈",
        "interview",
        CITE,
    )
    [problem] = check_penalties(rules_with(penalties=(unknown,)))
    assert "word '好多' is not a comparator word" in problem
