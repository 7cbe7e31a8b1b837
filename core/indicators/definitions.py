"""What each indicator counts: the national definitions, a plugin's refinements, and the arithmetic.

Every indicator is a numerator over a denominator (a count has no denominator; 万人成讼率 divides
by the population). A plugin refines a definition through
:meth:`core.policy.manager.Policy.indicator_definition` (which outcomes count as a loss, which
instances); :func:`resolve` merges the refinement over the national definition and says which was
used.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from core.enums import LOSS_OUTCOMES, Instance
from core.policy import catalog
from core.policy.evaluate import Direction, direction_of, format_value
from core.policy.manager import Policy
from core.policy.types import CustomIndicator, IndicatorDefinition, IndicatorKind

CENT = Decimal("0.01")
ALL_INSTANCES = frozenset(i.value for i in Instance)
FIRST_INSTANCE = frozenset({Instance.FIRST.value})
NATIONAL = "national"


@dataclass(frozen=True)
class IndicatorSpec:
    """How an indicator behaves: its kind, and which single event makes it worse or better.

    ``bad_step``/``good_step`` are the (numerator, denominator) increments of one more bad or good
    event (a lost case adds one to both numerator and denominator of the loss rate; a missed
    appearance adds one to the denominator of the appearance rate). Margins and recovery counts are
    computed by adding such events one at a time (see :mod:`core.indicators.targets`).
    """

    code: str
    kind: IndicatorKind
    unit_zh: str
    bad_step: tuple[int, int] | None
    bad_zh: str
    good_step: tuple[int, int] | None = None
    good_zh: str = ""
    snapshot: bool = False  # a state at the end of the period, not a flow during it
    inherits: str | None = None  # refined together with this indicator when not refined itself

    @property
    def label_zh(self) -> str:
        return catalog.label_zh(self.code)

    @property
    def description_en(self) -> str:
        return catalog.description_en(self.code)

    @property
    def direction(self) -> Direction:
        return direction_of(self.code)


SPECS: dict[str, IndicatorSpec] = {
    s.code: s
    for s in (
        IndicatorSpec("case_volume", IndicatorKind.COUNT, "件", (1, 0), "新收案件"),
        IndicatorSpec("loss_rate", IndicatorKind.RATE, "%", (1, 1), "败诉案件", (0, 1), "非败诉审结案件"),
        IndicatorSpec("suits_per_10k", IndicatorKind.PER_10K, "件/万人", (1, 0), "新收案件"),
        IndicatorSpec(
            "head_appearance_rate",
            IndicatorKind.RATE,
            "%",
            (0, 1),
            "负责人未出庭的庭审",
            (1, 1),
            "负责人出庭的庭审",
        ),
        IndicatorSpec(
            "correction_rate",
            IndicatorKind.RATE,
            "%",
            (1, 1),
            "被纠错的复议案件",
            (0, 1),
            "未被纠错的审结复议案件",
        ),
        IndicatorSpec(
            "mediation_rate",
            IndicatorKind.RATE,
            "%",
            (0, 1),
            "未调解结案的复议案件",
            (1, 1),
            "调解结案的复议案件",
        ),
        IndicatorSpec(
            "withdrawn_mediated_rate",
            IndicatorKind.RATE,
            "%",
            (0, 1),
            "判决或裁定结案的案件",
            (1, 1),
            "撤诉或调解结案的案件",
        ),
        IndicatorSpec(
            "resolved_before_filing", IndicatorKind.COUNT, "件", None, "", (1, 0), "诉前化解的争议"
        ),
        IndicatorSpec(
            "obligations_on_time_rate",
            IndicatorKind.RATE,
            "%",
            (0, 1),
            "逾期事项",
            (1, 1),
            "按期完成的事项",
        ),
        IndicatorSpec("open_loss_risk", IndicatorKind.COUNT, "件", (1, 0), "败诉风险案件", snapshot=True),
        IndicatorSpec("hearing_reschedules", IndicatorKind.COUNT, "次", (1, 0), "庭审改期"),
        IndicatorSpec(
            "hidden_losses", IndicatorKind.COUNT, "件", (1, 0), "隐性败诉案件", inherits="loss_rate"
        ),
        IndicatorSpec("loss_count", IndicatorKind.COUNT, "件", (1, 0), "败诉案件", inherits="loss_rate"),
        IndicatorSpec(
            "withdrawn_mediated_count",
            IndicatorKind.COUNT,
            "件",
            None,
            "",
            (1, 0),
            "撤诉或调解结案的案件",
            inherits="withdrawn_mediated_rate",
        ),
    )
}
"""One spec per indicator of :data:`core.policy.types.INDICATORS` (a test keeps them in step)."""


def spec_of(indicator: str) -> IndicatorSpec:
    """The spec of a national indicator or of one a plugin added; ``KeyError`` when unknown."""
    found = SPECS.get(indicator)
    if found is not None:
        return found
    added = catalog.custom(indicator)
    if added is None:
        raise KeyError(indicator)
    return _custom_spec(added)


@cache
def _custom_spec(c: CustomIndicator) -> IndicatorSpec:
    """One more bad record adds to the numerator (and to the denominator of a rate); likewise good."""
    bad_zh = c.bad_zh or f"计入{c.label_zh}的记录"
    good_zh = c.good_zh or ("未计入的记录" if c.kind is IndicatorKind.RATE else bad_zh)
    hit: tuple[int, int] = (1, 1) if c.kind is IndicatorKind.RATE else (1, 0)
    miss: tuple[int, int] | None = (0, 1) if c.kind is IndicatorKind.RATE else None
    if c.higher_is_better:
        return IndicatorSpec(c.code, c.kind, c.unit_zh, miss, good_zh if miss else "", hit, bad_zh)
    return IndicatorSpec(c.code, c.kind, c.unit_zh, hit, bad_zh, miss, good_zh if miss else "")


_LOSS = frozenset(o.value for o in LOSS_OUTCOMES)

NATIONAL_DEFINITIONS: dict[str, IndicatorDefinition] = {
    d.indicator: d
    for d in (
        IndicatorDefinition(
            "case_volume", "发案量：统计期内立案（按立案日期）的一审行政诉讼案件数", instances=FIRST_INSTANCE
        ),
        IndicatorDefinition(
            "loss_rate",
            "败诉率 = 统计期内审结（按裁判日期）的一审案件中败诉案件数 ÷ 审结案件数 × 100%；"
            "败诉指判决撤销、确认违法、确认无效、责令履行、变更、赔偿",
            loss_outcomes=_LOSS,
            instances=FIRST_INSTANCE,
        ),
        IndicatorDefinition(
            "suits_per_10k",
            "万人成讼率 = 统计期内新收一审行政诉讼案件数 ÷ 辖区人口 × 10000（单位按本单位案件数计算）",
            instances=FIRST_INSTANCE,
        ),
        IndicatorDefinition(
            "head_appearance_rate",
            "出庭应诉率 = 统计期内已开庭（按开庭日期）的庭审中符合条件的负责人出庭的次数"
            " ÷ 已开庭次数 × 100%（各审级）",
            instances=ALL_INSTANCES,
        ),
        IndicatorDefinition(
            "correction_rate",
            "纠错率 = 统计期内审结（按审结日期）的行政复议案件中被撤销、变更、确认违法、责令履行的案件数"
            " ÷ 审结案件数 × 100%",
            instances=frozenset(),
        ),
        IndicatorDefinition(
            "mediation_rate",
            "调解成功率 = 统计期内审结的行政复议案件中调解结案的案件数 ÷ 审结案件数 × 100%",
            instances=frozenset(),
        ),
        IndicatorDefinition(
            "withdrawn_mediated_rate",
            "调撤率 = 统计期内审结的一审案件中撤诉或调解结案的案件数 ÷ 审结案件数 × 100%",
            instances=FIRST_INSTANCE,
        ),
        IndicatorDefinition(
            "resolved_before_filing",
            "诉前化解数：统计期内化解成功（按化解日期）且未进入行政复议或行政诉讼的争议数",
            instances=frozenset(),
        ),
        IndicatorDefinition(
            "obligations_on_time_rate",
            "按期办结率 = 统计期内到期（按期限日期）的事项中按期完成的件数 ÷ 已到期事项数 × 100%"
            "（已豁免、暂停和尚未到期的事项不计）",
            instances=frozenset(),
        ),
        IndicatorDefinition(
            "open_loss_risk",
            "败诉风险案件数：统计期末仍未化解或办结、标记有败诉风险的争议数",
            instances=frozenset(),
        ),
        IndicatorDefinition(
            "hearing_reschedules",
            "庭审改期数：原定开庭时间在统计期内、后被改期的庭审次数（各审级）",
            instances=ALL_INSTANCES,
        ),
        IndicatorDefinition(
            "hidden_losses",
            "隐性败诉数：统计期内审结的一审案件中，行政机关自行撤销或改变被诉行政行为后原告撤诉的案件数"
            "（不计入败诉率，单独列示）",
            instances=FIRST_INSTANCE,
        ),
        IndicatorDefinition(
            "loss_count",
            "败诉案件数：统计期内审结的一审案件中败诉的案件数（与败诉率口径一致）",
            loss_outcomes=_LOSS,
            instances=FIRST_INSTANCE,
        ),
        IndicatorDefinition(
            "withdrawn_mediated_count",
            "调撤案件数：统计期内审结的一审案件中撤诉或调解结案的案件数（与调撤率口径一致）",
            instances=FIRST_INSTANCE,
        ),
    )
}


@dataclass(frozen=True)
class ResolvedDefinition:
    """The definition in force for one indicator in one jurisdiction, and where it came from."""

    definition: IndicatorDefinition
    source: str  # "national" or the plugin's name
    refined: bool
    added: CustomIndicator | None = None  # set for an indicator a plugin added

    @property
    def loss_outcomes(self) -> frozenset[str]:
        return self.definition.loss_outcomes if self.definition.loss_outcomes is not None else _LOSS


def resolve(policy: Policy | None, indicator: str) -> ResolvedDefinition:
    """The national definition of ``indicator`` with the plugin's refinement (if any) applied.

    A plugin-added indicator has no national definition: its own is in force, from its plugin.
    """
    added = catalog.custom(indicator)
    if added is not None and indicator not in NATIONAL_DEFINITIONS:
        own = IndicatorDefinition(
            indicator, added.description_zh, instances=added.instances, citation=added.citation
        )
        return ResolvedDefinition(own, added.code.split(".", 1)[0], False, added=added)
    national = NATIONAL_DEFINITIONS[indicator]
    if policy is None:
        return ResolvedDefinition(national, NATIONAL, False)
    refined = policy.indicator_definition(indicator)
    inherits = SPECS[indicator].inherits
    if refined is None and inherits is not None:
        parent = policy.indicator_definition(inherits)
        if parent is not None:
            # e.g. a refined loss rate also governs the loss count, so the two always agree.
            outcomes = national.loss_outcomes
            if outcomes is not None and parent.loss_outcomes is not None:
                outcomes = parent.loss_outcomes
            merged = replace(
                national, instances=parent.instances, loss_outcomes=outcomes, citation=parent.citation
            )
            return ResolvedDefinition(merged, policy.name, True)
    if refined is None:
        return ResolvedDefinition(national, NATIONAL, False)
    merged = replace(
        refined,
        loss_outcomes=refined.loss_outcomes if refined.loss_outcomes is not None else national.loss_outcomes,
        description_zh=refined.description_zh or national.description_zh,
    )
    return ResolvedDefinition(merged, policy.name, True)


def compute(indicator: str, numerator: int | Decimal, denominator: int | Decimal | None) -> Decimal | None:
    """The value users see, rounded half-up to two decimals; ``None`` ("no data") for a zero denominator.

    A rate never rounds to exactly 100 % or 0 % unless it is (see the comment below).
    """
    kind = spec_of(indicator).kind
    if kind is IndicatorKind.COUNT:
        return Decimal(numerator)
    if not denominator:
        return None
    scale = Decimal(100) if kind is IndicatorKind.RATE else Decimal(10000)
    value = (Decimal(numerator) * scale / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)
    if kind is IndicatorKind.RATE:
        # 100.00 % means every one and 0.00 % none: 19,999 of 20,000 is 99.99 %, not a rounded 100 %.
        if value == 100 and numerator != denominator:
            return Decimal("99.99")
        if value == 0 and numerator != 0:
            return CENT
    return value


def display(indicator: str, value: Decimal | None) -> str:
    """``8.28%`` for a rate, ``89`` for a count, ``1.25`` for 万人成讼率, ``—`` for no data."""
    if value is not None and spec_of(indicator).kind is IndicatorKind.PER_10K:
        return f"{value:.2f}"
    return format_value(indicator, value)


def round_cent(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
