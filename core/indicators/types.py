"""The results the indicator services return: plain frozen dataclasses (JSON via core.indicators.serial)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from core.indicators.periods import Period

# Status of an indicator against its targets.
MET = "met"
AT_RISK = "at_risk"
MISSED = "missed"
NO_DATA = "no_data"
NO_TARGET = "no_target"

STATUS_LABELS = {
    MET: "达标",
    AT_RISK: "有风险",
    MISSED: "未达标",
    NO_DATA: "无数据",
    NO_TARGET: "未设目标",
}
STATUS_ORDER = {MISSED: 0, AT_RISK: 1, NO_DATA: 2, MET: 3, NO_TARGET: 4}


@dataclass(frozen=True)
class Figure:
    """One computed value with the counts behind it; ``value`` is ``None`` for "no data"."""

    numerator: int
    denominator: int | None
    value: Decimal | None
    display: str


@dataclass(frozen=True)
class CitationInfo:
    source: str
    section: str
    clause: str
    text: str


@dataclass(frozen=True)
class DefinitionInfo:
    """Which definition an indicator was computed with: national, or refined by the plugin."""

    indicator: str
    label_zh: str
    kind: str
    unit_zh: str
    direction: str
    description_zh: str
    source: str
    refined: bool
    instances: tuple[str, ...]
    loss_outcomes: tuple[str, ...] | None
    citation: CitationInfo | None = None
    per_case: bool = False  # counted per case rather than per record (hearing)
    added: bool = False  # added by the plugin (no national definition)


@dataclass(frozen=True)
class ReferenceInfo:
    """A city or provincial average: entered by an administrator or a plugin, or computed here."""

    indicator: str
    level: str
    year: int
    value: Decimal | None
    display: str
    source: str  # "entered" | "computed" | "none"
    jurisdictions: int = 0
    note_zh: str = ""


@dataclass(frozen=True)
class BoundInfo:
    bound: str  # "value" | "reference" | "yoy" | "actual" | "none"
    comparator: str
    limit: Decimal | None
    status: str
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class ProjectionInfo:
    """The year-end value if the year-to-date run rate holds (a rate keeps its year-to-date ratio)."""

    year: int
    as_of: dt.date
    elapsed_days: int
    year_days: int
    numerator: Decimal
    denominator: Decimal | None
    value: Decimal | None
    display: str
    status: str
    reasons_zh: tuple[str, ...] = ()


@dataclass(frozen=True)
class TargetInfo:
    """One target checked: status, the bounds, the margin and the year-end projection.

    ``margin`` is how many more bad events (``margin_event_zh``: lost cases, missed appearances,
    new suits …) the value can absorb and still meet the target; ``None`` when the target is not met
    or there is no data, with ``margin_unbounded`` when no number of such events can break it.
    ``recovery`` is, when missed, how many good events (``recovery_event_zh``) would meet it again
    (``None`` when no number can, e.g. a volume already above its cap).
    """

    target_id: str
    indicator: str
    title_zh: str
    title_en: str
    origin: str  # "plugin" | "override"
    override_id: int | None
    applies_to: str
    status: str
    status_label: str
    bounds: tuple[BoundInfo, ...]
    margin: int | None
    margin_unbounded: bool
    margin_event_zh: str
    recovery: int | None
    recovery_event_zh: str
    projection: ProjectionInfo | None
    citation: CitationInfo | None = None


@dataclass(frozen=True)
class IndicatorResult:
    """An indicator for a jurisdiction or unit over a period, with last year's and its targets."""

    indicator: str
    label_zh: str
    definition: DefinitionInfo
    current: Figure
    previous: Figure
    change: Decimal | None  # current − previous (percentage points for a rate)
    change_percent: Decimal | None  # relative change in % (None when last year was 0 or no data)
    status: str
    status_label: str
    targets: tuple[TargetInfo, ...] = ()
    references: tuple[ReferenceInfo, ...] = ()
    # For the loss rate: the rate if hidden losses (withdrawals after a changed act) counted as lost.
    with_hidden_losses: Figure | None = None


@dataclass(frozen=True)
class UnitValue:
    """A unit's value on one indicator and its place: ``rank`` 1 is best, ``rank_from_bottom`` 1 worst."""

    indicator: str
    figure: Figure
    rank: int | None
    rank_from_bottom: int | None
    of: int


@dataclass(frozen=True)
class UnitRow:
    unit_id: int
    name: str
    kind: str
    values: tuple[UnitValue, ...]

    def value(self, indicator: str) -> UnitValue | None:
        return next((v for v in self.values if v.indicator == indicator), None)


@dataclass(frozen=True)
class Dashboard:
    jurisdiction_id: int
    jurisdiction_name: str
    plugin: str
    unit_id: int | None
    unit_name: str | None
    period: Period
    previous_period: Period
    as_of: dt.date
    indicators: tuple[IndicatorResult, ...]
    units: tuple[UnitRow, ...] = ()

    def indicator(self, code: str) -> IndicatorResult:
        return next(i for i in self.indicators if i.indicator == code)


@dataclass(frozen=True)
class SeriesPoint:
    period: Period
    figure: Figure


@dataclass(frozen=True)
class Series:
    jurisdiction_id: int
    unit_id: int | None
    indicator: str
    label_zh: str
    granularity: str
    definition: DefinitionInfo
    points: tuple[SeriesPoint, ...]


@dataclass(frozen=True)
class PenaltyInfo:
    rule_id: str
    unit_id: int | None
    unit_name: str
    penalty: str
    label_zh: str
    indicator: str | None
    reason_zh: str
    reason_en: str
    citation: CitationInfo
    exempted: bool = False  # a recorded exemption (尽职免责, 容错免责) lifts it
    exemption_zh: str | None = None
    exemption_citation: CitationInfo | None = None
    # On a provisional assessment (预评估, the period not yet over) a sanction is shown but not applied.
    pending: bool = False


@dataclass(frozen=True)
class RankingEntry:
    unit_id: int
    unit_name: str
    value: Decimal
    display: str
    rank: int
    rank_from_bottom: int
    of: int


@dataclass(frozen=True)
class Ranking:
    indicator: str
    label_zh: str
    direction: str
    entries: tuple[RankingEntry, ...]


@dataclass(frozen=True)
class FactInfo:
    id: int
    unit_id: int | None
    unit_name: str
    year: int
    quarter: int | None
    fact: str
    note: str


@dataclass(frozen=True)
class AssessmentRow:
    """One unit (or, with ``unit_id`` ``None``, the jurisdiction) in an assessment."""

    unit_id: int | None
    name: str
    values: tuple[UnitValue, ...]
    targets: tuple[TargetInfo, ...]
    penalties: tuple[PenaltyInfo, ...]
    excellent_eligible: bool


@dataclass(frozen=True)
class Assessment:
    jurisdiction_id: int
    jurisdiction_name: str
    plugin: str
    year: int
    quarter: int | None
    period: Period
    as_of: dt.date
    jurisdiction: AssessmentRow
    rows: tuple[AssessmentRow, ...]
    rankings: tuple[Ranking, ...]
    penalties: tuple[PenaltyInfo, ...]
    facts: tuple[FactInfo, ...] = ()
    known_facts: tuple[str, ...] = field(default_factory=tuple)
    # 预评估: the period had not ended on ``as_of``; its sanctions are ``pending`` until it has.
    provisional: bool = False
