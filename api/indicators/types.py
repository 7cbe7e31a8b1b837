"""GraphQL types of dashboards, series, assessments, targets and bulletins.

Resolvers return the core's frozen dataclasses (core/indicators/types.py and bulletins.py) and the
ORM rows; these types read their attributes (Chinese fields are exposed without the ``_zh``
suffix: ``label``, ``title``, ``reason``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from core.indicators.periods import Granularity, PeriodKind

PeriodKindEnum = strawberry.enum(PeriodKind, name="PeriodKind", description="统计期间类型")
GranularityEnum = strawberry.enum(Granularity, name="SeriesGranularity", description="时间序列粒度")


@strawberry.enum(description="指标对照目标的状态")
class IndicatorStatus(Enum):
    MET = "met"
    AT_RISK = "at_risk"
    MISSED = "missed"
    NO_DATA = "no_data"
    NO_TARGET = "no_target"


@strawberry.input(description="统计期间：按类型填写年份、季度、月份、截止日期或起止日期")
class PeriodInput:
    kind: PeriodKind
    year: int | None = None
    quarter: int | None = None
    month: int | None = None
    as_of: dt.date | None = strawberry.field(default=None, description="年初至今的截止日期（含）")
    start: dt.date | None = None
    end: dt.date | None = None


@strawberry.type(name="IndicatorPeriod", description="统计期间")
class Period:
    kind: PeriodKind
    start: dt.date
    end: dt.date = strawberry.field(description="最后一天（含）")
    key: str
    label_zh: str = strawberry.field(name="label")


@strawberry.type(
    name="IndicatorFigure", description="指标值：分子、分母与数值（分母为零时数值为空，表示无数据）"
)
class Figure:
    numerator: int
    denominator: int | None = strawberry.field(description="计数类指标为空；万人成讼率为人口数")
    value: Decimal | None = strawberry.field(description="比率为百分数（保留两位小数，四舍五入）")
    display: str = strawberry.field(description="显示文本，如 21.74%；无数据为 —")


@strawberry.type(name="RuleCitation", description="来源条款")
class Citation:
    source: str = strawberry.field(description="来源文件：《标题》（文号）")
    section: str
    clause: str
    text: str


@strawberry.type(description="指标口径：全国通用口径、本辖区插件细化的口径或插件新增的指标")
class IndicatorDefinition:
    indicator: str
    label_zh: str = strawberry.field(name="label")
    kind: str = strawberry.field(description="rate | count | per_10k")
    unit_zh: str = strawberry.field(name="unit")
    direction: str = strawberry.field(description="lower_is_better | higher_is_better")
    description_zh: str = strawberry.field(name="description")
    source: str = strawberry.field(description="national，或细化口径的插件名称")
    refined: bool
    instances: list[str] = strawberry.field(description="计入的审级（first/second/retrial）")
    loss_outcomes: list[str] | None = strawberry.field(description="计为败诉的裁判结果（败诉类指标）")
    citation: Citation | None
    per_case: bool = strawberry.field(description="按案件计（同一案件多次开庭只计一次）")
    added: bool = strawberry.field(description="本辖区插件新增的指标（无全国通用口径）")


@strawberry.type(name="IndicatorReference", description="市级或省级参照平均值")
class Reference:
    indicator: str
    level: str
    year: int
    value: Decimal | None
    display: str
    source: str = strawberry.field(description="entered（录入）| computed（按本系统同级辖区计算）| none")
    jurisdictions: int = strawberry.field(description="计算所用辖区数")
    note_zh: str = strawberry.field(name="note")


@strawberry.type(name="TargetBound", description="目标的一项界限及其判断")
class Bound:
    bound: str = strawberry.field(description="value | reference | yoy | actual | none")
    comparator: str
    limit: Decimal | None
    status: str
    reason_zh: str = strawberry.field(name="reason")
    reason_en: str


@strawberry.type(name="TargetProjection", description="按年初至今进度推算的全年值")
class Projection:
    year: int
    as_of: dt.date
    elapsed_days: int
    year_days: int
    numerator: Decimal
    denominator: Decimal | None
    value: Decimal | None
    display: str
    status: IndicatorStatus
    reasons_zh: list[str] = strawberry.field(name="reasons")


@strawberry.type(name="IndicatorTarget", description="目标完成情况：状态、余量与全年预计")
class Target:
    target_id: str
    indicator: str
    title_zh: str = strawberry.field(name="title")
    title_en: str
    origin: str = strawberry.field(description="plugin（插件默认）| override（管理员调整）")
    override_id: strawberry.ID | None
    applies_to: str
    status: IndicatorStatus
    status_label: str
    bounds: list[Bound]
    margin: int | None = strawberry.field(description="达标状态下还可承受的不利事件数（见 marginEvent）")
    margin_unbounded: bool
    margin_event_zh: str = strawberry.field(name="marginEvent")
    recovery: int | None = strawberry.field(
        description="未达标时恢复达标所需的有利事件数（见 recoveryEvent）"
    )
    recovery_event_zh: str = strawberry.field(name="recoveryEvent")
    projection: Projection | None
    citation: Citation | None


@strawberry.type(description="一项指标：本期、上年同期、同比、目标与参照")
class IndicatorResult:
    indicator: str
    label_zh: str = strawberry.field(name="label")
    definition: IndicatorDefinition
    current: Figure
    previous: Figure
    change: Decimal | None = strawberry.field(description="本期减上年同期（比率为百分点）")
    change_percent: Decimal | None = strawberry.field(description="相对上年同期的变化（%）")
    status: IndicatorStatus
    status_label: str
    targets: list[Target]
    references: list[Reference]
    with_hidden_losses: Figure | None = strawberry.field(description="败诉率：计入隐性败诉后的比率")


@strawberry.type(description="单位在一项指标上的值与排名（rank 1 为最好，rankFromBottom 1 为最差）")
class UnitIndicatorValue:
    indicator: str
    figure: Figure
    rank: int | None
    rank_from_bottom: int | None
    of: int


@strawberry.type(description="单位各项指标")
class UnitIndicators:
    unit_id: strawberry.ID
    name: str
    kind: str
    values: list[UnitIndicatorValue]


@strawberry.type(description="指标看板")
class Dashboard:
    jurisdiction_id: strawberry.ID
    jurisdiction_name: str
    plugin: str
    unit_id: strawberry.ID | None
    unit_name: str | None
    period: Period
    previous_period: Period
    as_of: dt.date

    @strawberry.field(description="各项指标（可按指标代码筛选）")
    def indicators(
        self, root: strawberry.Parent[Any], codes: list[str] | None = None
    ) -> list[IndicatorResult]:
        return [i for i in root.indicators if codes is None or i.indicator in codes]

    @strawberry.field(description="各单位指标与排名（单位看板为空）")
    def units(self, root: strawberry.Parent[Any]) -> list[UnitIndicators]:
        return list(root.units)


@strawberry.type
class SeriesPoint:
    period: Period
    figure: Figure


@strawberry.type(description="指标时间序列")
class IndicatorSeries:
    jurisdiction_id: strawberry.ID
    unit_id: strawberry.ID | None
    indicator: str
    label_zh: str = strawberry.field(name="label")
    granularity: str
    definition: IndicatorDefinition
    points: list[SeriesPoint]


@strawberry.type(name="AppliedPenalty", description="触发的考核措施及所依据的规则")
class Penalty:
    rule_id: str
    unit_id: strawberry.ID | None
    unit_name: str
    penalty: str
    label_zh: str = strawberry.field(name="label")
    indicator: str | None
    reason_zh: str = strawberry.field(name="reason")
    reason_en: str
    citation: Citation
    exempted: bool = strawberry.field(description="已认定免责（尽职免责、容错免责），不予追究")
    exemption_zh: str | None = strawberry.field(name="exemption", description="免责情形")
    exemption_citation: Citation | None = strawberry.field(description="免责所依据的条款")
    pending: bool = strawberry.field(
        default=False, description="预评估中的措施：考核期未结束，期满后方生效，现不执行"
    )


@strawberry.type
class RankingEntry:
    unit_id: strawberry.ID
    unit_name: str
    value: Decimal
    display: str
    rank: int
    rank_from_bottom: int
    of: int


@strawberry.type(name="UnitRanking", description="单位排名")
class Ranking:
    indicator: str
    label_zh: str = strawberry.field(name="label")
    direction: str
    entries: list[RankingEntry]


@strawberry.type(name="AssessmentFact", description="考核认定情形（供“认定事实”类考核规则使用）")
class FactInfo:
    id: strawberry.ID
    unit_id: strawberry.ID | None
    unit_name: str
    year: int
    quarter: int | None
    fact: str
    note: str


@strawberry.type(description="考核表中的一行：单位（或 unitId 为空时的本辖区）")
class AssessmentRow:
    unit_id: strawberry.ID | None
    name: str
    values: list[UnitIndicatorValue]
    targets: list[Target]
    penalties: list[Penalty]
    excellent_eligible: bool = strawberry.field(description="是否仍可评为优秀")


@strawberry.type(description="年度（或季度）考核：指标、排名、目标与考核措施")
class Assessment:
    jurisdiction_id: strawberry.ID
    jurisdiction_name: str
    plugin: str
    year: int
    quarter: int | None
    period: Period
    as_of: dt.date
    jurisdiction: AssessmentRow
    rows: list[AssessmentRow]
    rankings: list[Ranking]
    penalties: list[Penalty]
    facts: list[FactInfo]
    known_facts: list[str] = strawberry.field(description="本辖区考核规则可认定的情形")
    provisional: bool = strawberry.field(
        default=False, description="预评估：考核期尚未结束（截至 asOf），考核措施暂不执行"
    )


@strawberry.type(description="管理员对目标的调整")
class TargetOverride:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    unit_id: strawberry.ID | None
    year: int
    quarter: int | None
    target_id: str
    indicator: str
    title_zh: str = strawberry.field(name="title")
    comparator: str | None
    value: Decimal | None
    reference_level: str | None
    yoy_change: Decimal | None
    disabled: bool
    reason: str
    version: int


# ---------------------------------------------------------------------------------------------
# Bulletins
# ---------------------------------------------------------------------------------------------


@strawberry.type
class BulletinLine:
    indicator: str
    label_zh: str = strawberry.field(name="label")
    unit_zh: str = strawberry.field(name="unit")
    quarter: Figure
    quarter_previous: Figure
    ytd: Figure
    ytd_previous: Figure
    change_zh: str = strawberry.field(name="change")
    status: IndicatorStatus
    status_label: str
    targets_zh: list[str] = strawberry.field(name="targets")
    references_zh: list[str] = strawberry.field(name="references")


@strawberry.type
class BulletinUnit:
    unit_id: strawberry.ID
    name: str
    quarter_cases: int
    cases: int
    loss_risk: int
    concluded: int
    lost: int
    withdrawn_mediated: int
    hidden_losses: int
    loss_rate: Figure
    hearings: int
    attended: int
    appearance_rate: Figure
    reconsiderations: int
    corrected: int
    correction_rate: Figure


@strawberry.type
class BulletinTarget:
    key: str
    title_zh: str = strawberry.field(name="title")
    indicator: str
    actual: str
    status: IndicatorStatus
    status_label: str
    margin_zh: str = strawberry.field(name="margin")
    projection_zh: str = strawberry.field(name="projection")
    reasons_zh: list[str] = strawberry.field(name="reasons")
    citation: str


@strawberry.type
class BulletinPoint:
    key: str
    label_zh: str = strawberry.field(name="label")
    numerator: int
    denominator: int | None
    value: Decimal | None
    display: str


@strawberry.type
class BulletinSeries:
    indicator: str
    label_zh: str = strawberry.field(name="label")
    unit_zh: str = strawberry.field(name="unit")
    points: list[BulletinPoint]


@strawberry.type(description="季度通报内容")
class BulletinContent:
    title: str
    jurisdiction_id: strawberry.ID
    jurisdiction_name: str
    plugin: str
    year: int
    quarter: int
    period_label: str
    ytd_label: str
    data_as_of: dt.date
    summary: list[str] = strawberry.field(description="通报正文各段")
    indicators: list[BulletinLine]
    units: list[BulletinUnit]
    rankings: list[Ranking]
    targets: list[BulletinTarget]
    penalties: list[Penalty] = strawberry.field(description="季度考核规则触发的措施")
    warnings: list[Penalty] = strawberry.field(description="按年度考核规则对年初至今数据的预警")
    series: list[BulletinSeries]
    definitions: list[IndicatorDefinition]


@strawberry.type(description="已发布的季度通报（内容发布时冻结）")
class Bulletin:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    year: int
    quarter: int
    edition: int = strawberry.field(description="版本号：同一季度再次发布为新版本")
    title: str
    as_of: dt.date
    published_at: dt.datetime
    published_by: str
    note: str
    content_hash: str

    @strawberry.field(description="冻结的通报内容")
    def content(self, root: strawberry.Parent[Any]) -> BulletinContent:
        from core.indicators.bulletins import content_of

        return content_of(root)  # type: ignore[return-value]

    @strawberry.field(description="冻结内容的原始 JSON")
    def raw(self, root: strawberry.Parent[Any]) -> strawberry.scalars.JSON:
        return root.content  # type: ignore[no-any-return]

    @strawberry.field(description="Excel 文件下载地址")
    def xlsx_url(self, root: strawberry.Parent[Any]) -> str:
        return f"/bulletins/{root.id}.xlsx"

    @strawberry.field(description="Word 文件下载地址")
    def docx_url(self, root: strawberry.Parent[Any]) -> str:
        return f"/bulletins/{root.id}.docx"


@strawberry.type(description="两版通报之间的差异")
class BulletinChange:
    path: str
    label_zh: str = strawberry.field(name="label")
    kind: str = strawberry.field(description="changed | added | removed")
    before: str | None
    after: str | None
