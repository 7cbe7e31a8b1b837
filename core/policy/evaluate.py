"""Pure evaluation of a plugin's targets and penalties: numbers in, verdicts with reasons out.

The assessment engine computes indicator values in SQL and hands them here; tests call these
functions with hand-made numbers. Nothing in this module touches the database, the clock or a
plugin manager.

Conventions (shared with the plugins and the API):

- Rates are **percentages** as ``Decimal`` (``Decimal("8.28")`` means 8.28 %), counts are plain
  numbers (``Decimal(89)``), 万人成讼率 is cases per 10,000 residents.
- ``None`` is "no data" (a rate with a zero denominator, a figure nobody entered). It is never
  treated as zero: a target with no data is ``no_data``, and a unit with no data is not ranked and
  attracts no penalty on that indicator.
- Whether a high value is good or bad is fixed per indicator in :data:`INDICATOR_DIRECTION`; it
  decides the default comparator of a target and who is "worst" when units are ranked.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from core.policy import catalog
from core.policy.types import (
    CONDITION_COMPARATORS,
    CONDITION_DEFAULT_WORD,
    PENALTY_LABELS,
    Citation,
    Comparator,
    ConditionKind,
    Exemption,
    PenaltyKind,
    PenaltyRule,
    TargetSpec,
    comparator_phrase,
)

# ---------------------------------------------------------------------------------------------
# Direction of each indicator
# ---------------------------------------------------------------------------------------------


class Direction(StrEnum):
    """Whether an indicator improves by going down or up."""

    LOWER_IS_BETTER = "lower_is_better"
    HIGHER_IS_BETTER = "higher_is_better"


INDICATOR_DIRECTION: dict[str, Direction] = {
    "case_volume": Direction.LOWER_IS_BETTER,
    "loss_rate": Direction.LOWER_IS_BETTER,
    "suits_per_10k": Direction.LOWER_IS_BETTER,
    "head_appearance_rate": Direction.HIGHER_IS_BETTER,
    "correction_rate": Direction.LOWER_IS_BETTER,
    "mediation_rate": Direction.HIGHER_IS_BETTER,
    "withdrawn_mediated_rate": Direction.HIGHER_IS_BETTER,
    "withdrawn_mediated_count": Direction.HIGHER_IS_BETTER,
    "resolved_before_filing": Direction.HIGHER_IS_BETTER,
    "obligations_on_time_rate": Direction.HIGHER_IS_BETTER,
    "open_loss_risk": Direction.LOWER_IS_BETTER,
    "hearing_reschedules": Direction.LOWER_IS_BETTER,
    "hidden_losses": Direction.LOWER_IS_BETTER,
    "loss_count": Direction.LOWER_IS_BETTER,
}
"""One row per indicator of :data:`core.policy.types.INDICATORS` (a test keeps them in step)."""


def direction_of(indicator: str) -> Direction:
    """The direction of ``indicator`` (national or plugin-added); ``ValueError`` when unknown."""
    found = catalog.custom(indicator)
    if found is not None:
        return Direction.HIGHER_IS_BETTER if found.higher_is_better else Direction.LOWER_IS_BETTER
    try:
        return INDICATOR_DIRECTION[indicator]
    except KeyError:
        raise ValueError(f"unknown indicator {indicator!r}") from None


def default_comparator(indicator: str) -> Comparator:
    """The comparator a target uses when it names none: "at most" when lower is better."""
    return Comparator.AT_MOST if direction_of(indicator) is Direction.LOWER_IS_BETTER else Comparator.AT_LEAST


def format_value(indicator: str, value: Decimal | None) -> str:
    """Format a value as users read it: ``8.28%`` for a rate, ``89`` for a count, ``—`` for no data."""
    if value is None:
        return "—"
    if catalog.is_percent(indicator):
        return f"{value:.2f}%"
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value:.2f}"


_COMPARE: dict[Comparator, Callable[[Decimal, Decimal], bool]] = {
    Comparator.AT_MOST: operator.le,
    Comparator.BELOW: operator.lt,
    Comparator.AT_LEAST: operator.ge,
    Comparator.ABOVE: operator.gt,
}
# What the actual value is when a comparison fails ("at most 8%" fails: it is above 8%).
_FAILED_ZH: dict[Comparator, str] = {
    Comparator.AT_MOST: "高于",
    Comparator.BELOW: "不低于",
    Comparator.AT_LEAST: "低于",
    Comparator.ABOVE: "不高于",
}
_FAILED_EN: dict[Comparator, str] = {
    Comparator.AT_MOST: "above",
    Comparator.BELOW: "not below",
    Comparator.AT_LEAST: "below",
    Comparator.ABOVE: "not above",
}
_COMPARATOR_EN: dict[Comparator, str] = {
    Comparator.AT_MOST: "at most",
    Comparator.BELOW: "below",
    Comparator.AT_LEAST: "at least",
    Comparator.ABOVE: "above",
}
_LEVEL_ZH = {"province": "全省平均水平", "city": "全市平均水平"}
_LEVEL_EN = {"province": "the provincial average", "city": "the city average"}


def _label(indicator: str) -> str:
    return catalog.label_zh(indicator)


# ---------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------


class TargetStatus(StrEnum):
    MET = "met"
    MISSED = "missed"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class TargetCheck:
    """One bound of a target checked against the actual value.

    ``bound`` is ``"value"`` (an absolute bound), ``"reference"`` (a city or provincial average)
    or ``"yoy"`` (last year's value changed by ``yoy_change``); ``limit`` is the number compared
    against (``None`` when the reference or last year's value is missing).
    """

    bound: str
    comparator: Comparator
    limit: Decimal | None
    status: TargetStatus
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class TargetResult:
    """The verdict on one target: ``met`` only when every bound holds.

    ``missed`` when any bound fails (even if another has no data); ``no_data`` when the actual
    value, a needed reference or last year's value is missing and nothing failed.
    """

    target_id: str
    indicator: str
    title_zh: str
    status: TargetStatus
    actual: Decimal | None
    checks: tuple[TargetCheck, ...]

    @property
    def met(self) -> bool:
        return self.status is TargetStatus.MET

    @property
    def missed(self) -> bool:
        return self.status is TargetStatus.MISSED

    @property
    def reasons_zh(self) -> tuple[str, ...]:
        return tuple(c.reason_zh for c in self.checks)

    @property
    def reasons_en(self) -> tuple[str, ...]:
        return tuple(c.reason_en for c in self.checks)


def evaluate_target(
    spec: TargetSpec,
    actual: Decimal | None,
    previous: Decimal | None,
    reference: Decimal | None,
) -> TargetResult:
    """Check ``actual`` against every bound ``spec`` sets.

    - ``value``: ``actual <comparator> value``.
    - ``reference_level``: ``actual <comparator> reference`` (the city or provincial average the
      caller looked up for that level and year).
    - ``yoy_change``: ``actual <comparator> previous × (1 + yoy_change)``; ``Decimal("-0.10")``
      with "at most" means at least 10 % below last year, ``Decimal("0")`` with "below" means
      strictly lower than last year.

    The comparator is ``spec.comparator``, or the indicator's natural one ("at most" when lower is
    better, "at least" otherwise). Rates are percentages, so a year-on-year change is relative to
    last year's value, not in percentage points.
    """
    comparator = spec.comparator or default_comparator(spec.indicator)
    label = _label(spec.indicator)
    fmt = _formatter(spec.indicator)
    checks: list[TargetCheck] = []
    if actual is None:
        checks.append(
            TargetCheck(
                "actual",
                comparator,
                None,
                TargetStatus.NO_DATA,
                f"{label}无数据（分母为零或尚未录入），无法判断是否达标",
                f"{spec.indicator} has no data (zero denominator or not entered)",
            )
        )
    else:
        if spec.value is not None:
            checks.append(
                _check(
                    "value", comparator, actual, spec.value, label, fmt, "目标值", "the target", spec.word_zh
                )
            )
        if spec.reference_level is not None:
            level_zh = _LEVEL_ZH.get(spec.reference_level, spec.reference_level)
            level_en = _LEVEL_EN.get(spec.reference_level, spec.reference_level)
            if reference is None:
                checks.append(
                    _missing(
                        "reference", comparator, label, f"{level_zh}未录入", f"{level_en} is not entered"
                    )
                )
            else:
                checks.append(
                    _check(
                        "reference",
                        comparator,
                        actual,
                        reference,
                        label,
                        fmt,
                        level_zh,
                        level_en,
                        spec.word_zh,
                    )
                )
        if spec.yoy_change is not None:
            if previous is None:
                checks.append(
                    _missing("yoy", comparator, label, "上年同期无数据", "last year's value is missing")
                )
            else:
                limit = previous * (Decimal(1) + spec.yoy_change)
                change = spec.yoy_change
                if change == 0:
                    what_zh, what_en = f"上年同期（{fmt(previous)}）", f"last year ({fmt(previous)})"
                else:
                    pct = f"{(abs(change) * 100).normalize():f}%"
                    word_zh, word_en = ("下降", "less") if change < 0 else ("上升", "more")
                    what_zh = f"上年同期（{fmt(previous)}）同比{word_zh}{pct}后的"
                    what_en = f"last year ({fmt(previous)}) {pct} {word_en}, i.e."
                checks.append(
                    _check("yoy", comparator, actual, limit, label, fmt, what_zh, what_en, spec.word_zh)
                )
        if not checks:
            checks.append(
                TargetCheck(
                    "none",
                    comparator,
                    None,
                    TargetStatus.NO_DATA,
                    "该目标未设定任何考核界限",
                    "the target sets no bound",
                )
            )
    statuses = {c.status for c in checks}
    if TargetStatus.MISSED in statuses:
        status = TargetStatus.MISSED
    elif TargetStatus.NO_DATA in statuses:
        status = TargetStatus.NO_DATA
    else:
        status = TargetStatus.MET
    return TargetResult(spec.id, spec.indicator, spec.title_zh, status, actual, tuple(checks))


def _formatter(indicator: str) -> Callable[[Decimal | None], str]:
    return lambda v: format_value(indicator, v)


def _check(
    bound: str,
    comparator: Comparator,
    actual: Decimal,
    limit: Decimal,
    label: str,
    fmt: Callable[[Decimal | None], str],
    what_zh: str,
    what_en: str,
    word_zh: str | None = None,
) -> TargetCheck:
    """One bound checked; a met bound reads with the source's word (``word_zh``: 以下, 以内 …)."""
    ok = _COMPARE[comparator](actual, limit)
    cmp_en = _COMPARATOR_EN[comparator]
    gap_zh, gap_en = _gap(fmt, actual, limit)
    if ok:
        phrase = comparator_phrase(comparator, word_zh, what_zh + fmt(limit))
        zh = f"{label}{fmt(actual)}，{phrase}，{gap_zh}，达标"
        en = f"{fmt(actual)} is {cmp_en} {what_en} {fmt(limit)} ({gap_en}): met"
    else:
        zh = f"{label}{fmt(actual)}，{_FAILED_ZH[comparator]}{what_zh}{fmt(limit)}，{gap_zh}，未达标"
        en = f"{fmt(actual)} is {_FAILED_EN[comparator]} {what_en} {fmt(limit)} ({gap_en}): missed"
    return TargetCheck(bound, comparator, limit, TargetStatus.MET if ok else TargetStatus.MISSED, zh, en)


def _gap(fmt: Callable[[Decimal | None], str], actual: Decimal, limit: Decimal) -> tuple[str, str]:
    """The difference a reader wants next to the two figures: 相差2.50个百分点 (a rate's difference is
    in percentage points, not a percentage), 相差3 (a count), 与目标值持平 when there is none."""
    difference = abs(actual - limit)
    if difference == 0:
        return "两者持平", "equal"
    shown = fmt(difference)
    if shown.endswith("%"):
        shown = shown[:-1]
        return f"相差{shown}个百分点", f"{shown} percentage points apart"
    return f"相差{shown}", f"{shown} apart"


def _missing(bound: str, comparator: Comparator, label: str, why_zh: str, why_en: str) -> TargetCheck:
    return TargetCheck(
        bound,
        comparator,
        None,
        TargetStatus.NO_DATA,
        f"{label}：{why_zh}，无法判断",
        f"{why_en}: cannot judge",
    )


# ---------------------------------------------------------------------------------------------
# Ranking and penalties
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitResult:
    """One row of an assessment: a unit (or, with ``unit_id=None``, the jurisdiction as a whole).

    ``values`` and ``previous`` hold this period's and last year's indicator values (``None`` for
    no data); ``targets`` the :class:`TargetResult` of each target id evaluated on this row;
    ``references`` the city or provincial averages keyed by ``(indicator, level)``.
    """

    unit_id: int | None
    values: Mapping[str, Decimal | None]
    previous: Mapping[str, Decimal | None] = field(default_factory=dict)
    targets: Mapping[str, TargetResult] = field(default_factory=dict)
    references: Mapping[tuple[str, str], Decimal | None] = field(default_factory=dict)
    name: str = ""


@dataclass(frozen=True)
class RankedUnit:
    """A unit's place on an indicator: ``rank`` 1 is the worst; tied units share a rank."""

    unit_id: int | None
    value: Decimal
    rank: int
    of: int


@dataclass(frozen=True)
class AppliedPenalty:
    """A penalty that applies to a unit, with the Chinese reason and the clause imposing it."""

    rule_id: str
    unit_id: int | None
    penalty: PenaltyKind
    label_zh: str
    indicator: str | None
    reason_zh: str
    reason_en: str
    citation: Citation
    exemption: Exemption | None = None  # set when a recorded fact exempts the unit

    @property
    def exempted(self) -> bool:
        return self.exemption is not None


def rank_worst_first(rows: Iterable[UnitResult], indicator: str) -> list[RankedUnit]:
    """Rank the rows that have a value for ``indicator``, worst first (competition ranking).

    Worst is the highest value when lower is better (loss rate, case volume, correction rate,
    万人成讼率) and the lowest when higher is better (head appearance rate). Units tied on a value
    share the better-placed rank, so "bottom three" includes everyone tied with the third.
    """
    worst_high = direction_of(indicator) is Direction.LOWER_IS_BETTER
    scored = [(r.unit_id, v) for r in rows if (v := r.values.get(indicator)) is not None]
    scored.sort(key=lambda item: item[1], reverse=worst_high)
    ranked: list[RankedUnit] = []
    for unit_id, value in scored:
        worse = sum(1 for _, other in scored if (other > value if worst_high else other < value))
        ranked.append(RankedUnit(unit_id, value, worse + 1, len(scored)))
    return ranked


def evaluate_penalties(
    rules: Sequence[PenaltyRule],
    rows: Sequence[UnitResult],
    facts: Mapping[int | None, Collection[str]] | None = None,
    *,
    period: str | None = None,
) -> list[AppliedPenalty]:
    """Return every penalty whose condition holds, in rule order then row order.

    ``facts`` maps a unit id to the facts recorded against it (e.g. ``"loss_by_unlawful_conduct"``)
    for :attr:`ConditionKind.EVENT` conditions and for the rules' exemptions: a penalty whose unit
    has an exemption's fact is still returned, with ``exemption`` set and the reason saying so, so
    the record shows both why it would apply and why it does not. ``period`` (``"year"`` or
    ``"quarter"``) keeps only the rules of that assessment period. A rule with
    ``applies_to="unit"`` looks at rows with a unit id, one with ``"jurisdiction"`` at the row
    whose ``unit_id`` is ``None``. Missing data never triggers a penalty.
    """
    facts = facts or {}
    applied: list[AppliedPenalty] = []
    for rule in rules:
        if period is not None and rule.period != period:
            continue
        scope = [r for r in rows if (r.unit_id is None) == (rule.applies_to == "jurisdiction")]
        reasons = _condition_reasons(rule, scope, facts)
        for row in scope:
            reason = reasons.get(row.unit_id)
            if reason is None:
                continue
            zh, en = reason
            label = PENALTY_LABELS[rule.penalty]
            reason_zh = f"{_who(row)}{zh}，{label}（{rule.title_zh}）"
            reason_en = f"{_who_en(row)}{en}: {rule.penalty.value} ({rule.title_en})"
            recorded = facts.get(row.unit_id, ())
            exemption = next((e for e in rule.exemptions if e.fact in recorded), None)
            if exemption is not None:
                reason_zh += f"；已认定{exemption.title_zh}，不予{label}"
                reason_en += f"; exempted: {exemption.title_en}"
            applied.append(
                AppliedPenalty(
                    rule_id=rule.id,
                    unit_id=row.unit_id,
                    penalty=rule.penalty,
                    label_zh=label,
                    indicator=rule.indicator,
                    reason_zh=reason_zh,
                    reason_en=reason_en,
                    citation=rule.citation,
                    exemption=exemption,
                )
            )
    return applied


def _who(row: UnitResult) -> str:
    if row.name:
        return row.name
    return "本辖区" if row.unit_id is None else f"单位{row.unit_id}"


def _who_en(row: UnitResult) -> str:
    if row.unit_id is None:
        return "the jurisdiction "
    return f"unit {row.unit_id} "


def _condition_reasons(
    rule: PenaltyRule, rows: Sequence[UnitResult], facts: Mapping[int | None, Collection[str]]
) -> dict[int | None, tuple[str, str]]:
    """For each row the condition holds on, the (Chinese, English) reason."""
    cond = rule.condition
    ind = cond.indicator
    out: dict[int | None, tuple[str, str]] = {}
    if cond.kind is ConditionKind.BOTTOM_N:
        assert ind is not None and cond.n is not None, f"{rule.id}: bottom_n needs an indicator and n"
        label = _label(ind)
        ranked_units = rank_worst_first(rows, ind)
        # "倒数前N名" reads, in every seed plan, as the N worst performers. Ranks are standard competition
        # ranks from the worst end ("1224": tied units share the worse-placed rank), units without data
        # are not ranked, and a unit tied with the best value is never "bottom" (when most units sit at
        # 0.00% nobody among them did worse than anyone); so if all units tie, nobody is bottom.
        best = ranked_units[-1].value if ranked_units else None
        for ranked in ranked_units:
            if ranked.rank <= cond.n and ranked.value != best:
                shown = format_value(ind, ranked.value)
                out[ranked.unit_id] = (
                    f"{label}{shown}，排名倒数第{ranked.rank}位（共{ranked.of}个单位）",
                    f"ranked {ranked.rank} worst of {ranked.of} on {ind} ({shown})",
                )
        return out
    for row in rows:
        reason = _row_reason(cond.kind, rule, row, facts.get(row.unit_id, ()))
        if reason is not None:
            out[row.unit_id] = reason
    return out


def _row_reason(
    kind: ConditionKind, rule: PenaltyRule, row: UnitResult, unit_facts: Collection[str]
) -> tuple[str, str] | None:
    cond = rule.condition
    ind = cond.indicator
    if kind is ConditionKind.EVENT:
        assert cond.fact is not None, f"{rule.id}: an event condition needs a fact"
        if cond.fact in unit_facts:
            return f"经认定存在情形“{rule.title_zh}”", f"recorded fact {cond.fact!r}"
        return None
    if kind is ConditionKind.TARGET_MISSED:
        missed = [t for t in row.targets.values() if t.missed and (ind is None or t.indicator == ind)]
        if not missed:
            return None
        names = "、".join(t.title_zh or t.target_id for t in missed)
        return f"未完成目标：{names}", "missed " + ", ".join(t.target_id for t in missed)
    assert ind is not None, f"{rule.id}: condition {kind.value} needs an indicator"
    value = row.values.get(ind)
    if value is None:
        return None
    label, shown = _label(ind), format_value(ind, value)
    if kind is ConditionKind.ABOVE_REFERENCE:
        level = cond.reference_level or "city"
        ref = row.references.get((ind, level))
        if ref is not None and value > ref:
            return (
                f"{label}{shown}，高于{_LEVEL_ZH.get(level, level)}{format_value(ind, ref)}",
                f"{ind} {shown} above {_LEVEL_EN.get(level, level)} {format_value(ind, ref)}",
            )
        return None
    if kind in CONDITION_COMPARATORS:
        assert cond.value is not None, f"{rule.id}: {kind.value} needs a value"
        comparator = CONDITION_COMPARATORS[kind]
        if _COMPARE[comparator](value, cond.value):
            word = cond.word_zh or CONDITION_DEFAULT_WORD[kind]
            bound = format_value(ind, cond.value)
            return (
                f"{label}{shown}，{comparator_phrase(comparator, word, bound)}",
                f"{ind} {shown} {_COMPARATOR_EN[comparator]} {cond.value}",
            )
        return None
    if kind is ConditionKind.RISING:
        prev = row.previous.get(ind)
        if prev is not None and value > prev:
            return (
                f"{label}{shown}，较上年同期{format_value(ind, prev)}上升",
                f"{ind} rose from {format_value(ind, prev)} to {shown}",
            )
        return None
    raise ValueError(f"{rule.id}: unknown condition kind {kind!r}")
