"""Quarterly bulletins (季度通报): build the content, freeze it when published, list differences.

The content is computed once from the database (the quarter and the year to date through the
quarter's end) into a :class:`BulletinContent` and stored as JSON in a :class:`Bulletin` row. The
stored JSON is what the API and the Excel and Word files show from then on: correcting data later
changes the next edition, never a published one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core.audit.service import record as audit
from core.common import get_visible, optional_text
from core.context import ServiceContext
from core.documents import numbers
from core.enums import JurisdictionLevel
from core.errors import ValidationFailed
from core.indicators import periods as P
from core.indicators import service
from core.indicators.definitions import display, spec_of
from core.indicators.models import Bulletin
from core.indicators.serial import load, to_json
from core.indicators.types import (
    STATUS_LABELS,
    DefinitionInfo,
    Figure,
    IndicatorResult,
    PenaltyInfo,
    RankingEntry,
)
from core.org.models import Jurisdiction
from core.scoping import authorize

# The indicators a bulletin reports, in the order of its table.
BULLETIN_INDICATORS = (
    "case_volume",
    "suits_per_10k",
    "loss_count",
    "loss_rate",
    "hidden_losses",
    "withdrawn_mediated_count",
    "withdrawn_mediated_rate",
    "head_appearance_rate",
    "correction_rate",
    "mediation_rate",
    "resolved_before_filing",
    "open_loss_risk",
    "obligations_on_time_rate",
)
TREND_INDICATORS = ("case_volume", "loss_rate", "head_appearance_rate", "correction_rate")


@dataclass(frozen=True)
class BulletinLine:
    """One indicator: this quarter and the year to date, each against the same period last year."""

    key: str
    indicator: str
    label_zh: str
    unit_zh: str
    quarter: Figure
    quarter_previous: Figure
    ytd: Figure
    ytd_previous: Figure
    change_zh: str
    status: str
    status_label: str
    targets_zh: tuple[str, ...] = ()
    references_zh: tuple[str, ...] = ()


@dataclass(frozen=True)
class BulletinUnit:
    """One unit's row (year to date, and new cases in the quarter)."""

    key: str
    unit_id: int
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


@dataclass(frozen=True)
class BulletinRanking:
    key: str
    indicator: str
    label_zh: str
    direction: str
    entries: tuple[RankingEntry, ...]


@dataclass(frozen=True)
class BulletinTarget:
    key: str
    title_zh: str
    indicator: str
    actual: str
    status: str
    status_label: str
    margin_zh: str
    projection_zh: str
    reasons_zh: tuple[str, ...]
    citation: str


@dataclass(frozen=True)
class BulletinPoint:
    key: str
    label_zh: str
    numerator: int
    denominator: int | None
    value: Decimal | None
    display: str


@dataclass(frozen=True)
class BulletinSeries:
    key: str
    indicator: str
    label_zh: str
    unit_zh: str
    points: tuple[BulletinPoint, ...]


@dataclass(frozen=True)
class BulletinContent:
    """Everything a quarterly bulletin shows; frozen as JSON when published."""

    title: str
    jurisdiction_id: int
    jurisdiction_name: str
    plugin: str
    year: int
    quarter: int
    period_label: str
    ytd_label: str
    data_as_of: dt.date
    summary: tuple[str, ...]
    indicators: tuple[BulletinLine, ...]
    units: tuple[BulletinUnit, ...]
    rankings: tuple[BulletinRanking, ...]
    targets: tuple[BulletinTarget, ...]
    penalties: tuple[PenaltyInfo, ...]  # the plugin's quarterly rules, on the quarter
    warnings: tuple[PenaltyInfo, ...]  # the annual rules, if the year ended with the year to date
    series: tuple[BulletinSeries, ...]
    definitions: tuple[DefinitionInfo, ...]
    # The 公文 parts (GB/T 9704): who issues it, its 发文字号 and date, given when it is published
    # (a preview has no number yet); defaults so bulletins frozen before them still load.
    issuing_authority: str = ""
    document_number: str = ""
    issued_on: dt.date | None = None

    def line(self, indicator: str) -> BulletinLine:
        return next(line for line in self.indicators if line.indicator == indicator)


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------


def _whole(j: Jurisdiction) -> str:
    return "全州" if j.level == JurisdictionLevel.PREFECTURE else "全县"


def change_zh(indicator: str, current: Figure, previous: Figure) -> str:
    """同比上升/下降 …: percentage points for a rate, per cent for a count."""
    if current.value is None:
        return "本期无数据"
    if previous.value is None:
        return "上年同期无数据"
    diff = current.value - previous.value
    if diff == 0:
        return "与上年同期持平"
    word = "上升" if diff > 0 else "下降"
    kind = spec_of(indicator).kind.value
    if kind == "rate":
        return f"同比{word}{abs(diff):.2f}个百分点"
    if previous.value == 0:
        return f"上年同期为0，本期{current.display}"
    relative = abs(diff) * 100 / previous.value
    return f"同比{word}{relative:.2f}%"


def _target_texts(result: IndicatorResult) -> tuple[str, ...]:
    return tuple(f"{t.title_zh}：{t.status_label}" for t in result.targets)


def _margin_zh(t: Any) -> str:
    if t.status in ("met", "at_risk"):
        if t.margin_unbounded:
            return "不受影响"
        if t.margin is not None:
            return (
                f"还可承受{t.margin}件{t.margin_event_zh}"
                if t.margin
                else f"再有1件{t.margin_event_zh}即未达标"
            )
        return ""
    if t.status == "missed":
        if t.recovery is not None and t.recovery_event_zh:
            return f"需再有{t.recovery}件{t.recovery_event_zh}方可达标"
        return "本年度已无法通过新增案件扭转"
    return ""


def _projection_zh(t: Any) -> str:
    p = t.projection
    if p is None:
        return ""
    verdict = STATUS_LABELS.get(p.status, p.status)
    return f"按目前进度，预计全年{spec_of(t.indicator).label_zh}为{p.display}（{verdict}）"


async def build_content(
    ctx: ServiceContext, jurisdiction_id: int, year: int, quarter: int
) -> BulletinContent:
    """Compute the bulletin of ``quarter`` of ``year`` from the data as it stands."""
    j = await service.readable_jurisdiction(ctx, jurisdiction_id)
    period = P.quarter(year, quarter)
    today = ctx.today()
    if period.start > today:
        raise ValidationFailed(
            "quarter", f"{period.label_zh}尚未开始，不能生成通报", "the quarter has not begun"
        )
    as_of = min(today, period.end)
    ytd = P.Period(P.PeriodKind.YTD, dt.date(year, 1, 1), as_of)
    siblings = await service.sibling_ids(ctx, j)
    q_block = await service.build_block(ctx, j, period, as_of=as_of, siblings=siblings, quarter=quarter)
    y_block = await service.build_block(ctx, j, ytd, as_of=as_of, siblings=siblings)
    # The national indicators of a bulletin, then any the jurisdiction's plugin adds.
    shown = (*BULLETIN_INDICATORS, *(c.code for c in q_block.policy.custom_indicators))
    q_results = {ind: service.indicator_result(q_block, ind, None)[0] for ind in shown}
    y_results = {ind: service.indicator_result(y_block, ind, None)[0] for ind in shown}
    lines = []
    for ind in shown:
        qr, yr = q_results[ind], y_results[ind]
        lines.append(
            BulletinLine(
                key=ind,
                indicator=ind,
                label_zh=spec_of(ind).label_zh,
                unit_zh=spec_of(ind).unit_zh,
                quarter=qr.current,
                quarter_previous=qr.previous,
                ytd=yr.current,
                ytd_previous=yr.previous,
                change_zh=change_zh(ind, yr.current, yr.previous),
                status=yr.status,
                status_label=yr.status_label,
                targets_zh=_target_texts(yr),
                references_zh=tuple(f"{r.note_zh}：{r.display}" for r in yr.references),
            )
        )
    units = []
    for u in y_block.units:

        def n(ind: str, block: service.Block = y_block, uid: int = u.id) -> tuple[int, int | None]:
            return block.counts(ind, service.CURRENT, uid)

        lost, concluded = n("loss_rate")
        attended, hearings = n("head_appearance_rate")
        corrected, reconsiderations = n("correction_rate")
        units.append(
            BulletinUnit(
                key=str(u.id),
                unit_id=u.id,
                name=u.name,
                quarter_cases=q_block.counts("case_volume", service.CURRENT, u.id)[0],
                cases=n("case_volume")[0],
                loss_risk=n("open_loss_risk")[0],
                concluded=concluded or 0,
                lost=lost,
                withdrawn_mediated=n("withdrawn_mediated_rate")[0],
                hidden_losses=n("hidden_losses")[0],
                loss_rate=service.figure("loss_rate", (lost, concluded)),
                hearings=hearings or 0,
                attended=attended,
                appearance_rate=service.figure("head_appearance_rate", (attended, hearings)),
                reconsiderations=reconsiderations or 0,
                corrected=corrected,
                correction_rate=service.figure("correction_rate", (corrected, reconsiderations)),
            )
        )
    # The annual rules on the year to date (warnings), the quarterly rules on the quarter.
    annual = await service.assess(ctx, y_block, year=year, quarter=None, rules_period="year")
    quarterly = await service.assess(ctx, q_block, year=year, quarter=quarter, rules_period="quarter")
    rankings = tuple(
        BulletinRanking(r.indicator, r.indicator, r.label_zh, r.direction, r.entries) for r in annual.rankings
    )
    targets = tuple(
        BulletinTarget(
            key=t.target_id,
            title_zh=t.title_zh,
            indicator=t.indicator,
            actual=y_results[t.indicator].current.display
            if t.indicator in y_results
            else display(t.indicator, None),
            status=t.status,
            status_label=t.status_label,
            margin_zh=_margin_zh(t),
            projection_zh=_projection_zh(t),
            reasons_zh=tuple(b.reason_zh for b in t.bounds),
            citation=t.citation.text if t.citation else "",
        )
        for t in annual.jurisdiction.targets
    )
    trend_months = P.months_through(period)
    series = []
    for ind in TREND_INDICATORS:
        definition = q_block.definitions[ind]
        counted = await service.views(ctx, ind, definition, trend_months, [j.id], as_of=as_of)
        points = []
        for p, v in zip(trend_months, counted, strict=True):
            f = service.figure(ind, v.total(j.id))
            points.append(
                BulletinPoint(p.key, f"{p.start.month}月", f.numerator, f.denominator, f.value, f.display)
            )
        series.append(BulletinSeries(ind, ind, spec_of(ind).label_zh, spec_of(ind).unit_zh, tuple(points)))
    title = f"{j.name}{period.label_zh}行政复议与行政应诉工作情况通报"
    return BulletinContent(
        title=title,
        jurisdiction_id=j.id,
        jurisdiction_name=j.name,
        plugin=j.plugin,
        year=year,
        quarter=quarter,
        period_label=period.label_zh,
        ytd_label=ytd.label_zh,
        data_as_of=as_of,
        summary=_summary(j, period, ytd, q_results, y_results, annual.rankings),
        indicators=tuple(lines),
        units=tuple(units),
        rankings=rankings,
        targets=targets,
        penalties=quarterly.penalties,
        warnings=annual.penalties,
        series=tuple(series),
        definitions=tuple(y_results[ind].definition for ind in shown),
        issuing_authority=numbers.issuing_authority(j),
    )


def _summary(
    j: Jurisdiction,
    period: P.Period,
    ytd: P.Period,
    q: dict[str, IndicatorResult],
    y: dict[str, IndicatorResult],
    rankings: Any,
) -> tuple[str, ...]:
    whole = _whole(j)
    vol, vol_q = y["case_volume"], q["case_volume"]
    loss, hidden = y["loss_rate"], y["hidden_losses"]
    head, corr, med = y["head_appearance_rate"], y["correction_rate"], y["mediation_rate"]
    paragraphs = [
        f"{ytd.label_zh}，{whole}新收一审行政诉讼案件{vol.current.numerator}件，"
        f"{change_zh('case_volume', vol.current, vol.previous)}（上年同期{vol.previous.numerator}件）；"
        f"其中{period.label_zh}新收{vol_q.current.numerator}件。",
        f"审结一审行政诉讼案件{loss.current.denominator}件，败诉{loss.current.numerator}件，"
        f"败诉率{loss.current.display}，{change_zh('loss_rate', loss.current, loss.previous)}；"
        f"行政机关自行改变被诉行政行为后原告撤诉{hidden.current.numerator}件（隐性败诉，不计入败诉率），"
        f"计入后败诉率为{loss.with_hidden_losses.display if loss.with_hidden_losses else '—'}。",
        (
            f"已开庭审理的案件{head.current.denominator}件，行政机关负责人出庭应诉{head.current.numerator}件，"
            if head.definition.per_case
            else f"已开庭审理{head.current.denominator}次，行政机关负责人出庭应诉{head.current.numerator}次，"
        )
        + f"出庭应诉率{head.current.display}，"
        f"{change_zh('head_appearance_rate', head.current, head.previous)}。",
        f"审结行政复议案件{corr.current.denominator}件，被纠错{corr.current.numerator}件，"
        f"纠错率{corr.current.display}；调解结案{med.current.numerator}件，调解成功率{med.current.display}。",
    ]
    targets = [t for r in y.values() for t in r.targets]
    if targets:
        paragraphs.append(
            "目标完成情况：" + "；".join(f"{t.title_zh}，{t.status_label}" for t in targets) + "。"
        )
    for ranking in rankings:
        if ranking.indicator not in ("case_volume", "loss_rate"):
            continue
        worst = sorted(ranking.entries, key=lambda e: e.rank_from_bottom)[:3]
        worst = [e for e in worst if e.value > 0]
        if worst:
            names = "、".join(f"{e.unit_name}（{e.display}）" for e in worst)
            paragraphs.append(
                f"{ranking.label_zh}居前的单位：{names}，请相关单位认真分析原因，落实整改措施。"
            )
    return tuple(paragraphs)


# ---------------------------------------------------------------------------------------------
# Publishing, reading, comparing
# ---------------------------------------------------------------------------------------------


def content_of(bulletin: Bulletin) -> BulletinContent:
    """The frozen content of a published bulletin."""
    return load(BulletinContent, bulletin.content)


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


async def publish(
    ctx: ServiceContext, jurisdiction_id: int, year: int, quarter: int, *, note: str | None = None
) -> Bulletin:
    """Freeze the quarter's bulletin as it stands now as the next edition."""
    authorize(ctx.principal, "bulletin.publish", jurisdiction_id)
    content = await build_content(ctx, jurisdiction_id, year, quarter)
    j = await ctx.session.get(Jurisdiction, jurisdiction_id)
    assert j is not None  # build_content loaded it
    today = ctx.today()
    # Every edition is a document of its own, so each takes the next 发文字号 of the year it is issued.
    number = await numbers.next_document_number(ctx, j, today.year)
    content = replace(content, document_number=number, issued_on=today)
    data = to_json(content)
    last = await ctx.session.scalar(
        select(func.max(Bulletin.edition)).where(
            Bulletin.jurisdiction_id == jurisdiction_id, Bulletin.year == year, Bulletin.quarter == quarter
        )
    )
    bulletin = Bulletin(
        jurisdiction_id=jurisdiction_id,
        year=year,
        quarter=quarter,
        edition=(last or 0) + 1,
        title=content.title,
        document_number=number,
        content=data,
        content_hash=_hash(data),
        as_of=content.data_as_of,
        published_at=ctx.now(),
        published_by=ctx.principal.user,
        note=optional_text(note, "note", "发布说明") or "",
    )
    ctx.session.add(bulletin)
    await ctx.session.flush()
    await audit(ctx, "bulletin.publish", bulletin, None)
    return bulletin


async def get_bulletin(ctx: ServiceContext, bulletin_id: int, field: str = "id") -> Bulletin:
    return await get_visible(ctx, Bulletin, bulletin_id, "通报", field)


async def list_bulletins(
    ctx: ServiceContext, jurisdiction_id: int, *, year: int | None = None, quarter: int | None = None
) -> list[Bulletin]:
    """Published bulletins of a jurisdiction, newest first."""
    await service.readable_jurisdiction(ctx, jurisdiction_id)
    stmt = select(Bulletin).where(Bulletin.jurisdiction_id == jurisdiction_id)
    if year is not None:
        stmt = stmt.where(Bulletin.year == year)
    if quarter is not None:
        stmt = stmt.where(Bulletin.quarter == quarter)
    stmt = stmt.order_by(Bulletin.year.desc(), Bulletin.quarter.desc(), Bulletin.edition.desc())
    return list(await ctx.session.scalars(stmt))


@dataclass(frozen=True)
class BulletinChange:
    """One difference between two editions: where, in words, and the values before and after."""

    path: str
    label_zh: str
    kind: str  # "changed" | "added" | "removed"
    before: str | None
    after: str | None


FIELD_ZH = {
    "title": "标题",
    "summary": "正文",
    "indicators": "指标",
    "units": "单位",
    "rankings": "排名",
    "targets": "目标",
    "penalties": "季度考核",
    "warnings": "年度考核预警",
    "series": "趋势",
    "quarter": "本季度",
    "quarter_previous": "上年同季度",
    "ytd": "年初至今",
    "ytd_previous": "上年同期",
    "numerator": "分子",
    "denominator": "分母",
    "value": "数值",
    "change_zh": "同比",
    "status_label": "目标状态",
    "targets_zh": "目标",
    "references_zh": "参照",
    "quarter_cases": "本季度新收案件",
    "cases": "新收案件",
    "loss_risk": "败诉风险案件",
    "concluded": "审结案件",
    "lost": "败诉案件",
    "withdrawn_mediated": "调撤案件",
    "hidden_losses": "隐性败诉",
    "loss_rate": "败诉率",
    "hearings": "开庭次数",
    "attended": "负责人出庭次数",
    "appearance_rate": "出庭应诉率",
    "reconsiderations": "审结复议案件",
    "corrected": "被纠错",
    "correction_rate": "纠错率",
    "entries": "名次",
    "rank": "名次",
    "rank_from_bottom": "倒数名次",
    "actual": "实际值",
    "margin_zh": "余量",
    "projection_zh": "全年预计",
    "reasons_zh": "说明",
    "points": "数据点",
    "reason_zh": "原因",
    "label_zh": "名称",
}
# Redundant or derived fields: their changes show up through the fields they are derived from.
SKIP = frozenset(
    {"display", "data_as_of", "definitions", "key", "label_zh", "unit_zh", "reason_en", "citation"}
)


def _name_of(item: dict[str, Any]) -> str:
    for k in ("name", "unit_name", "label_zh", "title_zh", "rule_id"):
        if isinstance(item.get(k), str):
            return str(item[k])
    return str(item.get("key", ""))


def _flatten(data: Any, path: str, label: str) -> Iterator[tuple[str, str, str]]:
    if isinstance(data, dict):
        for k, v in data.items():
            if k in SKIP:
                continue
            name = FIELD_ZH.get(str(k), str(k))
            yield from _flatten(v, f"{path}.{k}" if path else str(k), f"{label} · {name}" if label else name)
        return
    if isinstance(data, list):
        keyed = all(isinstance(x, dict) and ("key" in x or "rule_id" in x) for x in data) and data
        for i, item in enumerate(data):
            if keyed:
                ident = item.get("key") or f"{item.get('rule_id')}@{item.get('unit_id')}"
                yield from _flatten(item, f"{path}[{ident}]", f"{label}“{_name_of(item)}”")
            elif isinstance(item, dict) and "unit_id" in item:
                yield from _flatten(item, f"{path}[{item['unit_id']}]", f"{label}“{_name_of(item)}”")
            else:
                yield from _flatten(item, f"{path}[{i}]", f"{label}第{i + 1}项")
        return
    yield path, label, "" if data is None else str(data)


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[BulletinChange]:
    """The differences between two bulletins' content, in content order."""
    old = {p: (label, v) for p, label, v in _flatten(before, "", "")}
    new = {p: (label, v) for p, label, v in _flatten(after, "", "")}
    changes: list[BulletinChange] = []
    for p, (label, value) in new.items():
        if p not in old:
            changes.append(BulletinChange(p, label, "added", None, value))
        elif old[p][1] != value:
            changes.append(BulletinChange(p, label, "changed", old[p][1], value))
    for p, (label, value) in old.items():
        if p not in new:
            changes.append(BulletinChange(p, label, "removed", value, None))
    return changes


async def compare(ctx: ServiceContext, from_id: int, to_id: int) -> list[BulletinChange]:
    """What changed between two published bulletins the principal may read."""
    first = await get_bulletin(ctx, from_id, "fromId")
    second = await get_bulletin(ctx, to_id, "toId")
    return diff(first.content, second.content)
