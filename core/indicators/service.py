"""Dashboards, time series, assessments and rankings, references, and administrators' targets.

The numbers come from :mod:`core.indicators.queries` (SQL aggregates); everything here works on
those counts: values, year-on-year changes, targets with margins and projections, ranks, and the
plugin's penalties through :func:`core.policy.evaluate.evaluate_penalties`. Services flush, never
commit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import logging
import weakref
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, TypeVar

from redis.exceptions import RedisError
from sqlalchemy import Integer, Select, bindparam, func, or_, select

from core.audit.models import AuditEntry
from core.audit.service import record as audit
from core.audit.service import snapshot
from core.common import check_version, get_visible, require_text
from core.context import ServiceContext
from core.enums import UnitKind
from core.errors import NotFound, ValidationFailed
from core.indicators import periods as P
from core.indicators.cache import IndicatorCache
from core.indicators.definitions import (
    IndicatorKind,
    ResolvedDefinition,
    compute,
    display,
    resolve,
    round_cent,
    spec_of,
)
from core.indicators.models import AssessmentFact, TargetOverride
from core.indicators.periods import Period
from core.indicators.queries import Scope, Tally, tally_many
from core.indicators.serial import load, to_json
from core.indicators.targets import (
    ActiveTarget,
    Counts,
    check_target,
    citation_info,
    overall_status,
    targets_in_force,
)
from core.indicators.types import (
    STATUS_LABELS,
    Assessment,
    AssessmentRow,
    Dashboard,
    DefinitionInfo,
    FactInfo,
    Figure,
    IndicatorResult,
    PenaltyInfo,
    Ranking,
    RankingEntry,
    ReferenceInfo,
    Series,
    SeriesPoint,
    TargetInfo,
    UnitRow,
    UnitValue,
)
from core.org.models import Jurisdiction, ReferenceFigure, Unit
from core.policy import catalog
from core.policy.evaluate import (
    Direction,
    TargetResult,
    UnitResult,
    direction_of,
    evaluate_penalties,
    rank_worst_first,
)
from core.policy.manager import Policy
from core.policy.types import Comparator, ConditionKind, PenaltyKind
from core.redis_guard import log_fallback
from core.scoping import authorize, can_read

log = logging.getLogger("caseload.indicators")
T = TypeVar("T")

RANKED_BY_DEFAULT = ("case_volume", "loss_rate", "suits_per_10k", "head_appearance_rate", "correction_rate")
NOT_RESPONDENTS = (UnitKind.JUSTICE_BUREAU, UnitKind.COURT)
LEVELS = ("city", "province")
LEVEL_ZH = {"city": "全市平均", "province": "全省平均"}

CURRENT, PREVIOUS, YTD, PREVIOUS_YEAR = range(4)


# ---------------------------------------------------------------------------------------------
# Counting
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """One period's slice of a :class:`Tally`."""

    tally: Tally
    bucket: int

    def unit(self, jurisdiction_id: int, unit_id: int | None) -> tuple[int, int | None]:
        return self.tally.get(self.bucket, jurisdiction_id, unit_id)

    def total(self, jurisdiction_id: int) -> tuple[int, int | None]:
        return self.tally.total(self.bucket, jurisdiction_id)

    def unit_ids(self, jurisdiction_id: int) -> set[int]:
        return {u for u in self.tally.units(self.bucket, jurisdiction_id) if u is not None}


async def views(
    ctx: ServiceContext,
    indicator: str,
    definition: ResolvedDefinition,
    periods: Sequence[Period],
    jurisdiction_ids: Sequence[int],
    *,
    as_of: dt.date,
    unit_id: int | None = None,
) -> list[View]:
    """Count ``indicator`` over each period in one statement (a period given twice is counted once)."""
    counted = await views_many(
        ctx, {indicator: definition}, periods, jurisdiction_ids, as_of=as_of, unit_id=unit_id
    )
    return counted[indicator]


async def views_many(
    ctx: ServiceContext,
    definitions: Mapping[str, ResolvedDefinition],
    periods: Sequence[Period],
    jurisdiction_ids: Sequence[int],
    *,
    as_of: dt.date,
    unit_id: int | None = None,
) -> dict[str, list[View]]:
    """Count each indicator over each period: one statement per indicator, or per family of them
    counted over the same records (:func:`core.indicators.queries.tally_many`)."""
    index: dict[tuple[dt.date, dt.date], int] = {}
    chosen: list[Period] = []
    for p in periods:
        if (p.start, p.end) not in index:
            index[(p.start, p.end)] = len(chosen)
            chosen.append(p)
    scopes = {
        ind: Scope(tuple(jurisdiction_ids), tuple(chosen), definition, as_of, unit_id)
        for ind, definition in definitions.items()
    }
    counted = await tally_many(ctx.session, scopes)
    return {ind: [View(counted[ind], index[(p.start, p.end)]) for p in periods] for ind in definitions}


def check_indicator(policy: Policy, indicator: str) -> None:
    """ValidationFailed naming ``indicator`` unless the jurisdiction of ``policy`` has it."""
    if not policy.has_indicator(indicator):
        raise ValidationFailed(
            "indicator",
            f"本辖区没有指标“{indicator}”（可选：{'、'.join(policy.indicator_codes)}）",
            f"unknown indicator {indicator!r} for this jurisdiction",
        )


def figure(indicator: str, counts: tuple[int, int | None]) -> Figure:
    num, den = counts
    value = compute(indicator, num, den)
    return Figure(num, den, value, display(indicator, value))


def definition_info(indicator: str, resolved: ResolvedDefinition) -> DefinitionInfo:
    spec = spec_of(indicator)
    d = resolved.definition
    uses_outcomes = indicator in ("loss_rate", "loss_count")
    return DefinitionInfo(
        indicator=indicator,
        label_zh=spec.label_zh,
        kind=spec.kind.value,
        unit_zh=spec.unit_zh,
        direction=spec.direction.value,
        description_zh=d.description_zh,
        source=resolved.source,
        refined=resolved.refined,
        instances=tuple(sorted(d.instances)),
        loss_outcomes=tuple(sorted(resolved.loss_outcomes)) if uses_outcomes else None,
        citation=citation_info(d.citation),
        per_case=d.per_case,
        added=resolved.added is not None,
    )


def change_of(current: Decimal | None, previous: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    """(difference, relative change in %) between this period and the same period last year."""
    if current is None or previous is None:
        return None, None
    diff = current - previous
    relative = round_cent(diff * 100 / previous) if previous != 0 else None
    return diff, relative


# ---------------------------------------------------------------------------------------------
# Jurisdictions, units, references
# ---------------------------------------------------------------------------------------------


async def readable_jurisdiction(ctx: ServiceContext, jurisdiction_id: int) -> Jurisdiction:
    """The jurisdiction if the principal may read it, else NotFound naming ``jurisdictionId``."""
    j = await ctx.session.get(Jurisdiction, jurisdiction_id)
    if j is None or not can_read(ctx.principal, jurisdiction_id):
        raise NotFound("Jurisdiction", "辖区", jurisdiction_id, "jurisdictionId")
    return j


async def respondent_units(ctx: ServiceContext, jurisdiction_id: int) -> list[Unit]:
    """Units that can be sued (not the justice bureau or the court), by name."""
    rows = await ctx.session.scalars(
        select(Unit)
        .where(Unit.jurisdiction_id == jurisdiction_id, Unit.kind.not_in(NOT_RESPONDENTS))
        .order_by(Unit.name, Unit.id)
    )
    return list(rows)


async def _unit_in(ctx: ServiceContext, j: Jurisdiction, unit_id: int) -> Unit:
    unit = await ctx.session.get(Unit, unit_id)
    if unit is None or unit.jurisdiction_id != j.id:
        raise NotFound("Unit", "单位", unit_id, "unitId")
    return unit


async def sibling_ids(ctx: ServiceContext, j: Jurisdiction) -> dict[str, list[int]]:
    """Jurisdictions of this deployment in the same city (``parent_name``) or province, self included."""
    out: dict[str, list[int]] = {}
    for level, column, name in (
        ("city", Jurisdiction.parent_name, j.parent_name),
        ("province", Jurisdiction.province_name, j.province_name),
    ):
        if name:
            rows = await ctx.session.scalars(
                select(Jurisdiction.id).where(column == name).order_by(Jurisdiction.id)
            )
            out[level] = list(rows)
        else:
            out[level] = [j.id]
    return out


async def references(
    ctx: ServiceContext,
    j: Jurisdiction,
    needed: Iterable[tuple[str, str]],
    period: Period,
    definitions: Mapping[str, ResolvedDefinition],
    siblings: Mapping[str, list[int]],
    as_of: dt.date,
) -> dict[tuple[str, str], ReferenceInfo]:
    """City and provincial averages for ``period``'s year.

    In order: the figure entered for that year; else the average computed from the sibling
    jurisdictions stored here (at least two, this one included) over the same period; else the most
    recent earlier figure entered (its year is shown); else none.
    """
    entered_rows = await ctx.session.execute(
        select(ReferenceFigure.indicator, ReferenceFigure.level, ReferenceFigure.year, ReferenceFigure.value)
        .where(ReferenceFigure.jurisdiction_id == j.id)
        .order_by(ReferenceFigure.year)
    )
    entered: dict[tuple[str, str], dict[int, Decimal]] = {}
    for ind, level, year, value in entered_rows.all():
        entered.setdefault((ind, level), {})[int(year)] = Decimal(value)
    pairs = set(needed) | {k for k, years in entered.items() if period.year in years}
    out: dict[tuple[str, str], ReferenceInfo] = {}
    for ind, level in sorted(pairs):
        if not catalog.is_known(ind):
            continue
        years = entered.get((ind, level), {})
        if period.year in years:
            entered_value = years[period.year]
            out[(ind, level)] = ReferenceInfo(
                ind,
                level,
                period.year,
                entered_value,
                display(ind, entered_value),
                "entered",
                0,
                f"{period.year}年{LEVEL_ZH[level]}（录入）",
            )
            continue
        ids = siblings.get(level, [j.id])
        if len(ids) >= 2:
            pooled = await _pooled(ctx, ind, definitions[ind], period, ids, as_of)
            out[(ind, level)] = ReferenceInfo(
                ind,
                level,
                period.year,
                pooled,
                display(ind, pooled),
                "computed",
                len(ids),
                f"{period.label_zh}{LEVEL_ZH[level]}（按本系统{len(ids)}个辖区计算）",
            )
            continue
        earlier = [y for y in years if y < period.year]
        if earlier:
            y = max(earlier)
            out[(ind, level)] = ReferenceInfo(
                ind,
                level,
                y,
                years[y],
                display(ind, years[y]),
                "entered",
                0,
                f"暂无{period.year}年数据，采用{y}年{LEVEL_ZH[level]}",
            )
            continue
        out[(ind, level)] = ReferenceInfo(
            ind, level, period.year, None, "—", "none", 0, f"{LEVEL_ZH[level]}未录入"
        )
    return out


async def _pooled(
    ctx: ServiceContext,
    indicator: str,
    definition: ResolvedDefinition,
    period: Period,
    jurisdiction_ids: list[int],
    as_of: dt.date,
) -> Decimal | None:
    """A pooled average: total numerator ÷ total denominator; a count is averaged per jurisdiction."""
    (view,) = await views(ctx, indicator, definition, [period], jurisdiction_ids, as_of=as_of)
    totals = [view.total(jid) for jid in jurisdiction_ids]
    if spec_of(indicator).kind is IndicatorKind.COUNT:
        return round_cent(Decimal(sum(n for n, _ in totals)) / Decimal(len(totals)))
    known = [(n, d) for n, d in totals if d]
    return compute(indicator, sum(n for n, _ in known), sum(d or 0 for _, d in known))


# ---------------------------------------------------------------------------------------------
# The block of numbers a dashboard or an assessment is built from
# ---------------------------------------------------------------------------------------------


@dataclass
class Block:
    """Everything counted for one jurisdiction and period: this period, last year's, the year to date."""

    j: Jurisdiction
    policy: Policy
    periods: tuple[Period, Period, Period, Period]  # current, previous, year to date, previous year
    as_of: dt.date
    definitions: dict[str, ResolvedDefinition]
    counted: dict[str, list[View]]
    refs: dict[tuple[str, str], ReferenceInfo]
    overrides: list[TargetOverride]
    units: list[Unit]
    quarter: int | None = None
    unit_names: dict[int, str] = field(default_factory=dict)

    @property
    def period(self) -> Period:
        return self.periods[CURRENT]

    @property
    def indicators(self) -> tuple[str, ...]:
        """The national indicators and those the jurisdiction's plugin adds."""
        return self.policy.indicator_codes

    def counts(self, indicator: str, role: int, unit_id: int | None) -> tuple[int, int | None]:
        view = self.counted[indicator][role]
        return view.total(self.j.id) if unit_id is None else view.unit(self.j.id, unit_id)

    def value(self, indicator: str, role: int, unit_id: int | None) -> Decimal | None:
        return compute(indicator, *self.counts(indicator, role, unit_id))

    def reference_values(self, indicator: str) -> dict[str, Decimal | None]:
        return {level: (r.value if (r := self.refs.get((indicator, level))) else None) for level in LEVELS}

    def targets_for(self, unit_id: int | None) -> list[ActiveTarget]:
        return targets_in_force(
            self.policy.targets(self.period.year),
            self.overrides,
            year=self.period.year,
            quarter=self.quarter,
            unit_id=unit_id,
        )

    def check(self, target: ActiveTarget, unit_id: int | None) -> tuple[TargetInfo, TargetResult]:
        ind = target.spec.indicator
        num, den = self.counts(ind, CURRENT, unit_id)
        ytd_num, ytd_den = self.counts(ind, YTD, unit_id)
        counts = Counts(
            num=num,
            den=den,
            previous=self.value(ind, PREVIOUS, unit_id),
            references=self.reference_values(ind),
            ytd_num=ytd_num,
            ytd_den=ytd_den,
            previous_year=self.value(ind, PREVIOUS_YEAR, unit_id),
        )
        return check_target(target, counts, self.period, self.as_of)


def counted_periods(period: Period, as_of: dt.date) -> tuple[Period, Period, Period, Period]:
    """What a dashboard counts: the period, the same period a year earlier, the year to date (up to
    ``as_of``, within the period's year) and the previous year."""
    start = dt.date(period.year, 1, 1)
    year_to_date = P.Period(P.PeriodKind.YTD, start, max(start, min(as_of, dt.date(period.year, 12, 31))))
    return (period, P.previous_year(period), year_to_date, P.year(period.year - 1))


async def build_block(
    ctx: ServiceContext,
    j: Jurisdiction,
    period: Period,
    *,
    as_of: dt.date,
    siblings: Mapping[str, list[int]],
    quarter: int | None = None,
) -> Block:
    """Count every indicator for ``period``, the same period last year and the year to date."""
    policy = ctx.registry.policy(j.plugin)
    roles = counted_periods(period, as_of)
    definitions = {ind: resolve(policy, ind) for ind in policy.indicator_codes}
    counted = await views_many(ctx, definitions, roles, [j.id], as_of=as_of)
    overrides = list(
        await ctx.session.scalars(
            select(TargetOverride)
            .where(TargetOverride.jurisdiction_id == j.id, TargetOverride.year == period.year)
            .order_by(TargetOverride.id)
        )
    )
    needed: set[tuple[str, str]] = set()
    for spec in policy.targets(period.year):
        if spec.reference_level:
            needed.add((spec.indicator, spec.reference_level))
    for o in overrides:
        if o.reference_level and not o.disabled:
            needed.add((o.indicator, o.reference_level))
    for rule in policy.penalty_rules:
        cond = rule.condition
        if cond.kind is ConditionKind.ABOVE_REFERENCE and cond.indicator:
            needed.add((cond.indicator, cond.reference_level or "city"))
    refs = await references(ctx, j, needed, period, definitions, siblings, as_of)
    units = await respondent_units(ctx, j.id)
    with_data: set[int] = set()
    for ind in policy.indicator_codes:
        with_data |= counted[ind][CURRENT].unit_ids(j.id)
    shown = [u for u in units if u.active or u.id in with_data]
    return Block(
        j=j,
        policy=policy,
        periods=roles,
        as_of=as_of,
        definitions=definitions,
        counted=counted,
        refs=refs,
        overrides=overrides,
        units=shown,
        quarter=quarter,
        unit_names={u.id: u.name for u in units},
    )


def rank_values(indicator: str, values: Mapping[int, Decimal | None]) -> dict[int, tuple[int, int, int]]:
    """unit id → (rank 1 = best, rank 1 = worst, units ranked); units with no data are not ranked."""
    rows = [UnitResult(unit_id=u, values={indicator: v}) for u, v in values.items()]
    worst_first = rank_worst_first(rows, indicator)
    better_high = direction_of(indicator) is Direction.HIGHER_IS_BETTER
    scored = [r.value for r in worst_first]
    out: dict[int, tuple[int, int, int]] = {}
    for r in worst_first:
        better = sum(1 for v in scored if (v > r.value if better_high else v < r.value))
        if r.unit_id is not None:
            out[r.unit_id] = (better + 1, r.rank, r.of)
    return out


def unit_rows(block: Block, indicators: Sequence[str] | None = None) -> list[UnitRow]:
    """Every unit's figures with its rank on each indicator (all of the block's by default)."""
    indicators = block.indicators if indicators is None else indicators
    ranks = {
        ind: rank_values(ind, {u.id: block.value(ind, CURRENT, u.id) for u in block.units})
        for ind in indicators
    }
    rows = []
    for u in block.units:
        values = []
        for ind in indicators:
            rank = ranks[ind].get(u.id)
            values.append(
                UnitValue(
                    ind,
                    figure(ind, block.counts(ind, CURRENT, u.id)),
                    rank[0] if rank else None,
                    rank[1] if rank else None,
                    rank[2] if rank else len(ranks[ind]),
                )
            )
        rows.append(UnitRow(u.id, u.name, u.kind.value, tuple(values)))
    return rows


def indicator_result(
    block: Block, indicator: str, unit_id: int | None
) -> tuple[IndicatorResult, dict[str, TargetResult]]:
    current = figure(indicator, block.counts(indicator, CURRENT, unit_id))
    previous = figure(indicator, block.counts(indicator, PREVIOUS, unit_id))
    diff, relative = change_of(current.value, previous.value)
    infos: list[TargetInfo] = []
    results: dict[str, TargetResult] = {}
    for target in block.targets_for(unit_id):
        if target.spec.indicator != indicator:
            continue
        info, result = block.check(target, unit_id)
        infos.append(info)
        results[target.spec.id] = result
    status = overall_status([t.status for t in infos])
    hidden: Figure | None = None
    if indicator == "loss_rate":
        lost, concluded = block.counts("loss_rate", CURRENT, unit_id)
        hidden_count, _ = block.counts("hidden_losses", CURRENT, unit_id)
        hidden = figure("loss_rate", (lost + hidden_count, concluded))
    refs = tuple(r for (ind, _level), r in sorted(block.refs.items()) if ind == indicator)
    return (
        IndicatorResult(
            indicator=indicator,
            label_zh=spec_of(indicator).label_zh,
            definition=definition_info(indicator, block.definitions[indicator]),
            current=current,
            previous=previous,
            change=diff,
            change_percent=relative,
            status=status,
            status_label=STATUS_LABELS[status],
            targets=tuple(infos),
            references=refs,
            with_hidden_losses=hidden,
        ),
        results,
    )


# ---------------------------------------------------------------------------------------------
# Dashboard and series
# ---------------------------------------------------------------------------------------------


async def dashboard(
    ctx: ServiceContext, jurisdiction_id: int, period: Period, *, unit_id: int | None = None
) -> Dashboard:
    """Every indicator for a jurisdiction (or one unit) over ``period``, against its targets."""
    j = await readable_jurisdiction(ctx, jurisdiction_id)
    unit = await _unit_in(ctx, j, unit_id) if unit_id is not None else None
    as_of = ctx.today()
    siblings = await sibling_ids(ctx, j)
    block = await build_block(ctx, j, period, as_of=as_of, siblings=siblings, quarter=period.quarter)
    results = tuple(indicator_result(block, ind, unit_id)[0] for ind in block.indicators)
    return Dashboard(
        jurisdiction_id=j.id,
        jurisdiction_name=j.name,
        plugin=j.plugin,
        unit_id=unit.id if unit else None,
        unit_name=unit.name if unit else None,
        period=period,
        previous_period=block.periods[PREVIOUS],
        as_of=as_of,
        indicators=results,
        units=tuple(unit_rows(block)) if unit is None else (),
    )


def dashboard_key(period: Period, unit_id: int | None, as_of: dt.date) -> str:
    return f"dashboard:{period.kind.value}:{period.key}:{unit_id or '-'}:{as_of.isoformat()}"


def assessment_key(year: int, quarter: int | None, as_of: dt.date) -> str:
    return f"assessment:{year}:{quarter or '-'}:{as_of.isoformat()}"


# ---------------------------------------------------------------------------------------------
# Caching
# ---------------------------------------------------------------------------------------------


async def cache_scope(ctx: ServiceContext, jurisdiction_id: int) -> list[int]:
    """The jurisdictions a cached result depends on: this one and its siblings (averages).

    Raises NotFound (``jurisdictionId``) when the principal may not read the jurisdiction, so a
    cached answer is never handed to someone who could not compute it.
    """
    j = await readable_jurisdiction(ctx, jurisdiction_id)
    siblings = await sibling_ids(ctx, j)
    return sorted({jid for ids in siblings.values() for jid in ids} | {j.id})


@functools.cache
def _stamp_statement() -> Select[Any]:
    """The statement of :func:`cache_stamp`, built once (it runs before every cached answer)."""
    J = Jurisdiction
    wanted = bindparam("jurisdiction_id", type_=Integer)

    def mine(column: Any) -> Any:
        return select(column).where(J.id == wanted).scalar_subquery()

    watermark = select(func.max(AuditEntry.id)).scalar_subquery()
    return select(J.id, watermark).where(
        or_(J.id == wanted, J.parent_name == mine(J.parent_name), J.province_name == mine(J.province_name))
    )


async def cache_stamp(cache: IndicatorCache, ctx: ServiceContext, jurisdiction_id: int) -> str:
    """The generation part of the key of a result about ``jurisdiction_id``, read in one statement.

    It names the jurisdictions the result depends on (this one and its siblings in the same city or
    province, whose figures make the averages) and the newest audit entry: every committed write is
    audited, so a write that could not bump the cache's generations (Redis was down) still changes
    the stamp. Raises NotFound (``jurisdictionId``) as :func:`cache_scope` does.
    """
    if not can_read(ctx.principal, jurisdiction_id):
        raise NotFound("Jurisdiction", "辖区", jurisdiction_id, "jurisdictionId")
    connection = await ctx.session.connection()  # a Core statement: no ORM execution state needed
    rows = (await connection.execute(_stamp_statement(), {"jurisdiction_id": jurisdiction_id})).all()
    ids = sorted(int(row[0]) for row in rows)
    if jurisdiction_id not in ids:
        raise NotFound("Jurisdiction", "辖区", jurisdiction_id, "jurisdictionId")
    return f"{await cache.stamp(ids)}.w{rows[0][1] or 0}"


async def read_through(
    cache: IndicatorCache | None,
    ctx: ServiceContext,
    fresh: Callable[[], AbstractAsyncContextManager[ServiceContext]],
    jurisdiction_id: int,
    key: str,
    cls: type[T],
    compute: Callable[[ServiceContext], Awaitable[T]],
) -> T:
    """``compute`` through ``cache``: never an answer older than a committed write.

    The generations are read before anything is counted, and the counting runs in a new session
    (``fresh``) whose snapshot therefore starts after that read: a write whose invalidation came
    before the read is in the snapshot; one that commits later bumps the generation past the key
    the answer is filed under. (Counting on ``ctx``'s session could see an older snapshot: a
    repeatable-read transaction keeps the one it began with.)
    """
    if cache is None:
        return await compute(ctx)
    try:
        stamp = await cache_stamp(cache, ctx, jurisdiction_id)
        found = await cache.get(jurisdiction_id, stamp, key)
    except (RedisError, OSError) as exc:  # the cache is down: answer from the database
        log_fallback(log, "indicator cache unavailable (%s); computing without it", exc)
        return await compute(ctx)
    if found is not None:
        return load(cls, found)

    async def compute_and_store() -> T:
        # Other processes sharing the cache (workers, hosts) wait for this one's answer, or this one
        # for theirs (cache.computing); within the process, _single_flight below.
        async with cache.computing(jurisdiction_id, stamp, key) as stored:
            if stored is not None:
                return load(cls, json.loads(stored))
            async with fresh() as new_ctx:
                result = await compute(new_ctx)
            try:
                await cache.set(jurisdiction_id, stamp, key, to_json(result))
            except (RedisError, OSError) as exc:
                log_fallback(log, "indicator cache unavailable (%s); answer not cached", exc)
            return result

    return await _single_flight((id(cache), jurisdiction_id, stamp, key), compute_and_store)


# Computations under way in this process, per event loop: a key → the task computing it.
_FLIGHTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, asyncio.Task[Any]]] = (
    weakref.WeakKeyDictionary()
)


async def _single_flight(key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
    """Run ``make`` once for concurrent callers of the same key; each gets its (immutable) result.

    A county's first dashboard after a write costs hundreds of milliseconds of counting at a
    million cases; fifty viewers opening it at that moment would otherwise count it fifty times at
    once (measured: a p99 of 6.8 s on a worker whose cache was cold). The key carries the cache stamp,
    so a caller after a committed write never joins a computation that began before it. The
    computation runs in a task of its own, shielded: a caller that goes away does not cancel it for
    the others. Each caller has passed the readability check before it gets here.
    """
    flights = _FLIGHTS.setdefault(asyncio.get_running_loop(), {})
    task = flights.get(key)
    if task is None:
        task = asyncio.ensure_future(make())
        flights[key] = task
        task.add_done_callback(lambda done: flights.pop(key) if flights.get(key) is done else None)
    result: T = await asyncio.shield(task)
    return result


async def series(
    ctx: ServiceContext,
    jurisdiction_id: int,
    indicator: str,
    *,
    granularity: P.Granularity,
    start: dt.date,
    end: dt.date,
    unit_id: int | None = None,
) -> Series:
    """An indicator month by month (quarter by quarter, year by year) in one grouped statement."""
    j = await readable_jurisdiction(ctx, jurisdiction_id)
    policy = ctx.registry.policy(j.plugin)
    check_indicator(policy, indicator)
    if unit_id is not None:
        await _unit_in(ctx, j, unit_id)
    buckets = P.split(start, end, granularity)
    definition = resolve(policy, indicator)
    counted = await views(ctx, indicator, definition, buckets, [j.id], as_of=ctx.today(), unit_id=unit_id)
    points = tuple(
        SeriesPoint(p, figure(indicator, v.total(j.id) if unit_id is None else v.unit(j.id, unit_id)))
        for p, v in zip(buckets, counted, strict=True)
    )
    return Series(
        jurisdiction_id=j.id,
        unit_id=unit_id,
        indicator=indicator,
        label_zh=spec_of(indicator).label_zh,
        granularity=granularity.value,
        definition=definition_info(indicator, definition),
        points=points,
    )


async def definitions(ctx: ServiceContext, jurisdiction_id: int) -> list[DefinitionInfo]:
    """The definition in force for every indicator of a jurisdiction (national or refined)."""
    j = await readable_jurisdiction(ctx, jurisdiction_id)
    policy = ctx.registry.policy(j.plugin)
    return [definition_info(ind, resolve(policy, ind)) for ind in policy.indicator_codes]


# ---------------------------------------------------------------------------------------------
# Assessments and rankings
# ---------------------------------------------------------------------------------------------


def ranked_indicators(policy: Policy, year: int) -> list[str]:
    """The indicators an assessment ranks: the usual five and any the plugin's rules name."""
    named = {t.indicator for t in policy.targets(year)}
    named |= {r.condition.indicator for r in policy.penalty_rules if r.condition.indicator}
    return [ind for ind in policy.indicator_codes if ind in RANKED_BY_DEFAULT or ind in named]


def known_facts(policy: Policy) -> list[str]:
    """The facts the plugin's penalty rules look for: conditions and exemptions."""
    facts = {
        r.condition.fact
        for r in policy.penalty_rules
        if r.condition.kind is ConditionKind.EVENT and r.condition.fact
    }
    return sorted(facts | {e.fact for r in policy.penalty_rules for e in r.exemptions})


def penalty_info(p: object, names: Mapping[int, str]) -> PenaltyInfo:
    from core.policy.evaluate import AppliedPenalty

    assert isinstance(p, AppliedPenalty)
    cite = citation_info(p.citation)
    assert cite is not None
    return PenaltyInfo(
        rule_id=p.rule_id,
        unit_id=p.unit_id,
        unit_name=names.get(p.unit_id, "本辖区") if p.unit_id is not None else "本辖区",
        penalty=p.penalty.value,
        label_zh=p.label_zh,
        indicator=p.indicator,
        reason_zh=p.reason_zh,
        reason_en=p.reason_en,
        citation=cite,
        exempted=p.exempted,
        exemption_zh=p.exemption.title_zh if p.exemption else None,
        exemption_citation=citation_info(p.exemption.citation) if p.exemption else None,
    )


# Penalties that bar "excellent": 不得评为优秀 itself, and 取消评先评优资格, since a unit that may not
# be put forward for any award may not be rated excellent either.
BARS_EXCELLENT = frozenset({PenaltyKind.NO_EXCELLENT.value, PenaltyKind.AWARD_INELIGIBLE.value})


def excellent_eligible(penalties: Iterable[PenaltyInfo]) -> bool:
    """Whether the figures so far leave the unit eligible for "excellent" (a provisional assessment's
    pending penalties count: it says what the year would bring if it ended now)."""
    return not any(p.penalty in BARS_EXCELLENT and not p.exempted for p in penalties)


async def assessment(
    ctx: ServiceContext, jurisdiction_id: int, year: int, quarter: int | None = None
) -> Assessment:
    """Per unit for a year (or a quarter): values, ranks, targets, and the plugin's penalties."""
    j = await readable_jurisdiction(ctx, jurisdiction_id)
    period = P.quarter(year, quarter) if quarter is not None else P.year(year)
    siblings = await sibling_ids(ctx, j)
    block = await build_block(ctx, j, period, as_of=ctx.today(), siblings=siblings, quarter=quarter)
    return await assess(ctx, block, year=year, quarter=quarter, rules_period="quarter" if quarter else "year")


async def assess(
    ctx: ServiceContext, block: Block, *, year: int, quarter: int | None, rules_period: str
) -> Assessment:
    """Rank the units of ``block``, check their targets and apply the plugin's ``rules_period`` penalties.

    Facts recorded for ``quarter`` (or, without one, for any time of ``year``) feed the rules that
    look for a recorded fact.
    """
    j = block.j
    period = block.period
    as_of = block.as_of
    policy = block.policy
    ranked = ranked_indicators(policy, year)
    fact_stmt = select(AssessmentFact).where(
        AssessmentFact.jurisdiction_id == j.id, AssessmentFact.year == year
    )
    if quarter is not None:
        fact_stmt = fact_stmt.where(AssessmentFact.quarter == quarter)
    fact_rows = list(await ctx.session.scalars(fact_stmt.order_by(AssessmentFact.id)))
    facts: dict[int | None, set[str]] = {}
    for f in fact_rows:
        facts.setdefault(f.unit_id, set()).add(f.fact)

    def unit_result(unit_id: int | None, name: str) -> tuple[UnitResult, list[TargetInfo]]:
        infos: list[TargetInfo] = []
        results: dict[str, TargetResult] = {}
        for target in block.targets_for(unit_id):
            info, result = block.check(target, unit_id)
            infos.append(info)
            results[target.spec.id] = result
        refs = {(ind, lvl): v for ind in block.indicators for lvl, v in block.reference_values(ind).items()}
        row = UnitResult(
            unit_id=unit_id,
            values={ind: block.value(ind, CURRENT, unit_id) for ind in block.indicators},
            previous={ind: block.value(ind, PREVIOUS, unit_id) for ind in block.indicators},
            targets=results,
            references=refs,
            name=name,
        )
        return row, infos

    evaluated = [unit_result(u.id, u.name) for u in block.units]
    county_row, county_targets = unit_result(None, j.name)
    applied = evaluate_penalties(
        policy.penalty_rules,
        [county_row, *(r for r, _ in evaluated)],
        facts,
        period=rules_period,
    )
    names = {u.id: u.name for u in block.units} | block.unit_names
    # A year (or quarter) not yet over is assessed provisionally (预评估): the figures so far say who
    # would be sanctioned, but no interview, letter or other sanction applies until the period closes.
    provisional = as_of < period.end
    penalties = tuple(replace(penalty_info(p, names), pending=provisional) for p in applied)
    table = {r.unit_id: r for r in unit_rows(block, ranked)}
    rows = []
    for (_row, infos), u in zip(evaluated, block.units, strict=True):
        mine = tuple(p for p in penalties if p.unit_id == u.id)
        rows.append(
            AssessmentRow(
                unit_id=u.id,
                name=u.name,
                values=table[u.id].values,
                targets=tuple(infos),
                penalties=mine,
                excellent_eligible=excellent_eligible(mine),
            )
        )
    county_values = tuple(
        UnitValue(ind, figure(ind, block.counts(ind, CURRENT, None)), None, None, 0) for ind in ranked
    )
    county_penalties = tuple(p for p in penalties if p.unit_id is None)
    rankings = []
    for ind in ranked:
        entries = []
        for row in rows:
            uv = next(v for v in row.values if v.indicator == ind)
            if uv.rank is None or uv.figure.value is None or row.unit_id is None:
                continue
            entries.append(
                RankingEntry(
                    row.unit_id,
                    row.name,
                    uv.figure.value,
                    uv.figure.display,
                    uv.rank,
                    uv.rank_from_bottom or 0,
                    uv.of,
                )
            )
        entries.sort(key=lambda e: (e.rank, e.unit_name))
        rankings.append(Ranking(ind, spec_of(ind).label_zh, spec_of(ind).direction.value, tuple(entries)))
    return Assessment(
        jurisdiction_id=j.id,
        jurisdiction_name=j.name,
        plugin=j.plugin,
        year=year,
        quarter=quarter,
        period=period,
        as_of=as_of,
        jurisdiction=AssessmentRow(
            unit_id=None,
            name=j.name,
            values=county_values,
            targets=tuple(county_targets),
            penalties=county_penalties,
            excellent_eligible=excellent_eligible(county_penalties),
        ),
        rows=tuple(rows),
        rankings=tuple(rankings),
        penalties=penalties,
        facts=tuple(
            FactInfo(
                f.id,
                f.unit_id,
                names.get(f.unit_id, "本辖区") if f.unit_id else "本辖区",
                f.year,
                f.quarter,
                f.fact,
                f.note,
            )
            for f in fact_rows
        ),
        known_facts=tuple(known_facts(policy)),
        provisional=provisional,
    )


# ---------------------------------------------------------------------------------------------
# Targets set by administrators (audited)
# ---------------------------------------------------------------------------------------------


def authorize_targets(ctx: ServiceContext, jurisdiction_id: int, unit_id: int | None) -> None:
    """Targets are set by administrators (DOMAIN.md: "overridable by administrators"): the system's,
    or the county's own for its jurisdiction (core/scoping.py decides)."""
    authorize(ctx.principal, "target.manage", jurisdiction_id, unit_id)


def _check_year_quarter(year: int, quarter: int | None) -> None:
    if not 1990 <= year <= 2100:
        raise ValidationFailed("year", "年份须在1990至2100之间", "year must be between 1990 and 2100")
    if quarter is not None and not 1 <= quarter <= 4:
        raise ValidationFailed("quarter", "季度须在1至4之间", "quarter must be between 1 and 4")


async def set_target(
    ctx: ServiceContext,
    jurisdiction_id: int,
    *,
    indicator: str,
    year: int,
    reason: str,
    quarter: int | None = None,
    unit_id: int | None = None,
    target_id: str | None = None,
    comparator: str | None = None,
    value: Decimal | None = None,
    reference_level: str | None = None,
    yoy_change: Decimal | None = None,
    disabled: bool = False,
    title: str | None = None,
    version: int | None = None,
) -> TargetOverride:
    """Override (or switch off) a target for a jurisdiction or unit, for a year or a quarter."""
    authorize_targets(ctx, jurisdiction_id, unit_id)
    j = await readable_jurisdiction(ctx, jurisdiction_id)
    check_indicator(ctx.registry.policy(j.plugin), indicator)
    _check_year_quarter(year, quarter)
    if unit_id is not None:
        await _unit_in(ctx, j, unit_id)
    plugin_specs = {t.id: t for t in ctx.registry.policy(j.plugin).targets(year)}
    tid = (target_id or "").strip() or f"custom.{indicator}"
    if len(tid) > 80:
        raise ValidationFailed(
            "targetId", "目标编号不能超过80个字符", "targetId is longer than 80 characters"
        )
    replaced = plugin_specs.get(tid)
    if replaced is not None and replaced.indicator != indicator:
        raise ValidationFailed(
            "indicator",
            f"目标“{tid}”考核的是{spec_of(replaced.indicator).label_zh}，不是{spec_of(indicator).label_zh}",
            f"target {tid} is about {replaced.indicator}, not {indicator}",
        )
    cmp_value: str | None = None
    if comparator is not None:
        try:
            cmp_value = Comparator(comparator).value
        except ValueError:
            raise ValidationFailed(
                "comparator",
                "比较方式只能是 <=、<、>=、>",
                f"comparator {comparator!r} is not one of <=, <, >=, >",
            ) from None
    if reference_level is not None and reference_level not in LEVELS:
        raise ValidationFailed(
            "referenceLevel",
            "参照层级只能是市级（city）或省级（province）",
            "referenceLevel must be city or province",
        )
    if value is not None and (not value.is_finite() or value < 0):
        raise ValidationFailed("value", "目标值须为非负数", "value must be a finite, non-negative number")
    if yoy_change is not None and not yoy_change.is_finite():
        raise ValidationFailed("yoyChange", "同比变化须为有效数字", "yoyChange must be a finite number")
    if value is not None and spec_of(indicator).kind is IndicatorKind.RATE and value > 100:
        raise ValidationFailed("value", "比率目标不能超过100%", "a rate target cannot exceed 100")
    if yoy_change is not None and not Decimal(-1) <= yoy_change <= Decimal(10):
        raise ValidationFailed(
            "yoyChange", "同比变化须在-1（-100%）至10之间", "yoyChange must be between -1 and 10"
        )
    if disabled:
        if replaced is None:
            raise ValidationFailed(
                "targetId",
                "只能停用插件设定的目标（请填写其目标编号）",
                "only a plugin target can be disabled",
                "unknown_target",
            )
    elif value is None and reference_level is None and yoy_change is None:
        raise ValidationFailed(
            "value",
            "请至少设定目标值、参照平均值或同比变化之一",
            "set a value, a reference level or a year-on-year change",
            "required",
        )
    text = require_text(reason, "reason", "调整理由")
    scope_key = f"{unit_id or '-'}:{year}:{quarter or '-'}:{tid}"
    row = await ctx.session.scalar(
        select(TargetOverride).where(
            TargetOverride.jurisdiction_id == j.id, TargetOverride.scope_key == scope_key
        )
    )
    before = None
    if row is None:
        row = TargetOverride(
            jurisdiction_id=j.id,
            unit_id=unit_id,
            year=year,
            quarter=quarter,
            target_id=tid,
            scope_key=scope_key,
        )
        ctx.session.add(row)
    else:
        check_version(row, version, "TargetOverride")
        before = snapshot(row)
    row.indicator = indicator
    row.title_zh = (title or "").strip()[:200]
    row.comparator = cmp_value
    row.value = value
    row.reference_level = reference_level
    row.yoy_change = yoy_change
    row.disabled = disabled
    row.reason = text
    await audit(ctx, "target.set", row, before)
    return row


async def clear_target(
    ctx: ServiceContext, override_id: int, *, version: int | None = None
) -> TargetOverride:
    """Remove an override: the plugin's default target applies again (the audit trail keeps it)."""
    row = await get_visible(ctx, TargetOverride, override_id, "目标调整", "id")
    authorize_targets(ctx, row.jurisdiction_id, row.unit_id)
    check_version(row, version, "TargetOverride")
    entry = await audit(ctx, "target.clear", row, None)
    entry.before, entry.after = entry.after, None
    await ctx.session.delete(row)
    await ctx.session.flush()
    return row


async def target_overrides(
    ctx: ServiceContext, jurisdiction_id: int, year: int | None = None
) -> list[TargetOverride]:
    """The overrides of a jurisdiction (of one year)."""
    await readable_jurisdiction(ctx, jurisdiction_id)
    stmt = select(TargetOverride).where(TargetOverride.jurisdiction_id == jurisdiction_id)
    if year is not None:
        stmt = stmt.where(TargetOverride.year == year)
    return list(await ctx.session.scalars(stmt.order_by(TargetOverride.year, TargetOverride.id)))


# ---------------------------------------------------------------------------------------------
# Facts recorded for assessments (audited)
# ---------------------------------------------------------------------------------------------


async def record_fact(
    ctx: ServiceContext,
    jurisdiction_id: int,
    *,
    fact: str,
    year: int,
    note: str,
    unit_id: int | None = None,
    quarter: int | None = None,
) -> AssessmentFact:
    """Record a fact a penalty rule looks for (e.g. a loss caused by unlawful conduct) against a unit."""
    authorize(ctx.principal, "assessment.manage", jurisdiction_id, unit_id)
    j = await readable_jurisdiction(ctx, jurisdiction_id)
    _check_year_quarter(year, quarter)
    if unit_id is not None:
        await _unit_in(ctx, j, unit_id)
    facts = known_facts(ctx.registry.policy(j.plugin))
    if fact not in facts:
        raise ValidationFailed(
            "fact",
            f"“{fact}”不是本辖区考核规则认定的情形（可选：{'、'.join(facts) or '无'}）",
            f"{fact!r} is not a fact of this jurisdiction's rules",
            "unknown_fact",
        )
    row = AssessmentFact(
        jurisdiction_id=j.id,
        unit_id=unit_id,
        year=year,
        quarter=quarter,
        fact=fact,
        note=require_text(note, "note", "认定依据"),
    )
    ctx.session.add(row)
    await audit(ctx, "assessment.fact", row, None)
    return row


async def remove_fact(ctx: ServiceContext, fact_id: int) -> AssessmentFact:
    """Withdraw a recorded fact (the audit trail keeps it)."""
    row = await get_visible(ctx, AssessmentFact, fact_id, "考核认定情形", "id")
    authorize(ctx.principal, "assessment.manage", row.jurisdiction_id, row.unit_id)
    entry = await audit(ctx, "assessment.fact_removed", row, None)
    entry.before, entry.after = entry.after, None
    await ctx.session.delete(row)
    await ctx.session.flush()
    return row
