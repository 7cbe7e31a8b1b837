"""Targets in force (plugin defaults with administrators' overrides), margins and year-end projections.

Pure functions over numbers: the service hands in counts computed by SQL.

- **Margin**: how many more bad events (a lost case, a missed appearance, a new suit …) the value
  can absorb and still meet every bound of a target. Events are added one at a time to the
  numerator and denominator (see :class:`core.indicators.definitions.IndicatorSpec`) and the value
  is rounded as users see it, so "margin 0" means the very next such event breaks the target.
- **Recovery**: for a missed target, how many good events (a case not lost, an attended hearing)
  would meet it again; ``None`` when none can (a count already above its cap).
- **Projection**: the year-end value if the year-to-date run rate holds: counts are scaled by
  days in the year ÷ days elapsed; a rate keeps its year-to-date ratio.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.indicators.definitions import IndicatorKind, compute, display, round_cent, spec_of
from core.indicators.models import TargetOverride
from core.indicators.periods import Period, PeriodKind, year_progress
from core.indicators.types import (
    AT_RISK,
    MET,
    MISSED,
    STATUS_LABELS,
    BoundInfo,
    CitationInfo,
    ProjectionInfo,
    TargetInfo,
)
from core.policy.evaluate import TargetResult, TargetStatus, evaluate_target
from core.policy.types import Citation, Comparator, TargetSpec

SEARCH_CAP = 1_000_000
"""Beyond this many events a margin is reported as unbounded."""

_COMPARE: dict[Comparator, Callable[[Decimal, Decimal], bool]] = {
    Comparator.AT_MOST: operator.le,
    Comparator.BELOW: operator.lt,
    Comparator.AT_LEAST: operator.ge,
    Comparator.ABOVE: operator.gt,
}


@dataclass(frozen=True)
class ActiveTarget:
    """A target in force for one row, and where it comes from."""

    spec: TargetSpec
    origin: str  # "plugin" | "override"
    override_id: int | None = None


def citation_info(citation: Citation | None) -> CitationInfo | None:
    if citation is None:
        return None
    # ``source`` is what a reader looks up (《title》（文号）), never the internal file key.
    source = citation.document.reference if citation.document is not None else citation.source
    return CitationInfo(source, citation.section, citation.clause, citation.text)


def override_spec(o: TargetOverride, replaced: TargetSpec | None) -> TargetSpec:
    """The :class:`TargetSpec` an override stands for (it replaces the plugin's bounds entirely)."""
    who = "单位" if o.unit_id is not None else "辖区"
    when = f"{o.year}年" + (f"第{o.quarter}季度" if o.quarter else "")
    return TargetSpec(
        id=o.target_id,
        indicator=o.indicator,
        title_zh=o.title_zh or (replaced.title_zh if replaced else f"{spec_of(o.indicator).label_zh}目标"),
        title_en=replaced.title_en if replaced else f"{o.indicator} target set by an administrator",
        citation=Citation(source="管理员设定", section=f"{who}{when}目标调整", clause=o.reason),
        comparator=Comparator(o.comparator) if o.comparator else None,
        value=o.value,
        reference_level=o.reference_level,
        yoy_change=o.yoy_change,
        applies_to="unit" if o.unit_id is not None else (replaced.applies_to if replaced else "jurisdiction"),
    )


def targets_in_force(
    plugin_specs: Iterable[TargetSpec],
    overrides: Iterable[TargetOverride],
    *,
    year: int,
    quarter: int | None,
    unit_id: int | None,
) -> list[ActiveTarget]:
    """The targets for one row: the jurisdiction (``unit_id`` None) or a unit, for a year or quarter.

    Plugin targets with ``applies_to="jurisdiction"`` bind the jurisdiction and, as the default bar,
    each unit; ``applies_to="unit"`` ones bind units only. Overrides apply from the least to the most
    specific scope: jurisdiction-year, jurisdiction-quarter, unit-year, unit-quarter.
    """
    active: dict[str, ActiveTarget] = {}
    for spec in plugin_specs:
        if unit_id is None and spec.applies_to == "unit":
            continue
        active[spec.id] = ActiveTarget(spec, "plugin")
    matching = [
        o
        for o in overrides
        if o.year == year
        and (o.quarter is None or o.quarter == quarter)
        and (o.unit_id is None or o.unit_id == unit_id)
    ]
    matching.sort(key=lambda o: (o.unit_id is not None, o.quarter is not None, o.id or 0))
    for o in matching:
        if o.disabled:
            active.pop(o.target_id, None)
            continue
        replaced = active.get(o.target_id)
        spec = override_spec(o, replaced.spec if replaced else None)
        if unit_id is None and spec.applies_to == "unit":
            continue
        active[o.target_id] = ActiveTarget(spec, "override", o.id)
    return list(active.values())


# ---------------------------------------------------------------------------------------------
# Margins
# ---------------------------------------------------------------------------------------------


def _first_failure(holds: Callable[[int], bool]) -> int | None:
    """The smallest k ≥ 1 with ``holds(k)`` false, assuming it stays false after (None: none ≤ cap)."""
    lo, hi = 0, 1
    while hi <= SEARCH_CAP and holds(hi):
        lo, hi = hi, hi * 2
    if hi > SEARCH_CAP:
        if holds(SEARCH_CAP):
            return None
        hi = SEARCH_CAP
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if holds(mid):
            lo = mid
        else:
            hi = mid
    return hi


def _ok(indicator: str, comparator: Comparator, limit: Decimal) -> Callable[[int, int | None], bool]:
    compare = _COMPARE[comparator]

    def check(num: int, den: int | None) -> bool:
        value = compute(indicator, num, den)
        return value is not None and compare(value, limit)

    return check


def absorbable(
    indicator: str, num: int, den: int | None, comparator: Comparator, limit: Decimal
) -> tuple[int | None, bool]:
    """(bad events the bound can absorb, unbounded?); ``(None, False)`` when it does not hold now."""
    ok = _ok(indicator, comparator, limit)
    if not ok(num, den):
        return None, False
    step = spec_of(indicator).bad_step
    if step is None:
        return None, True
    dn, dd = step
    failure = _first_failure(lambda k: ok(num + k * dn, None if den is None else den + k * dd))
    if failure is None:
        return None, True
    return failure - 1, False


def recovery(indicator: str, num: int, den: int | None, comparator: Comparator, limit: Decimal) -> int | None:
    """Good events needed before the bound holds (0 when it holds; None when none can make it hold)."""
    ok = _ok(indicator, comparator, limit)
    if ok(num, den):
        return 0
    step = spec_of(indicator).good_step
    if step is None:
        return None
    gn, gd = step
    found = _first_failure(lambda k: not ok(num + k * gn, None if den is None else den + k * gd))
    return found


# ---------------------------------------------------------------------------------------------
# Projection
# ---------------------------------------------------------------------------------------------


def project(
    indicator: str, ytd_num: int, ytd_den: int | None, year: int, as_of: dt.date
) -> tuple[Decimal, Decimal | None, Decimal | None, int, int] | None:
    """(numerator, denominator, value, elapsed days, days in year) at year end, or None.

    None for a snapshot indicator (it has no run rate) or before the year has begun.
    """
    spec = spec_of(indicator)
    if spec.snapshot:
        return None
    elapsed, total = year_progress(year, as_of)
    if elapsed == 0:
        return None
    factor = Decimal(total) / Decimal(elapsed)
    num = Decimal(ytd_num) * factor
    if spec.kind is IndicatorKind.COUNT:
        whole = num.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return round_cent(num), None, whole, elapsed, total
    if spec.kind is IndicatorKind.PER_10K:
        per_10k = compute(indicator, num, ytd_den)
        return round_cent(num), None if ytd_den is None else Decimal(ytd_den), per_10k, elapsed, total
    den = Decimal(ytd_den or 0) * factor
    return round_cent(num), round_cent(den), compute(indicator, ytd_num, ytd_den), elapsed, total


# ---------------------------------------------------------------------------------------------
# Checking one target
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """What a target check needs: this period's counts, last year's value, the references."""

    num: int
    den: int | None
    previous: Decimal | None
    references: Mapping[str, Decimal | None]  # by level
    ytd_num: int | None = None
    ytd_den: int | None = None
    previous_year: Decimal | None = None  # last full year (the projection's year-on-year basis)


def check_target(
    target: ActiveTarget, counts: Counts, period: Period, as_of: dt.date
) -> tuple[TargetInfo, TargetResult]:
    """Evaluate one target for one row: the verdict, margin, recovery and projection."""
    spec = target.spec
    indicator = spec.indicator
    actual = compute(indicator, counts.num, counts.den)
    reference = counts.references.get(spec.reference_level) if spec.reference_level else None
    result = evaluate_target(spec, actual, counts.previous, reference)
    bounds = tuple(
        BoundInfo(c.bound, c.comparator.value, c.limit, c.status.value, c.reason_zh, c.reason_en)
        for c in result.checks
    )
    limited = [c for c in result.checks if c.limit is not None]
    margin: int | None = None
    unbounded = False
    recover: int | None = None
    if result.status is TargetStatus.MET and limited:
        margins = [absorbable(indicator, counts.num, counts.den, c.comparator, c.limit) for c in limited]  # type: ignore[arg-type]
        finite = [m for m, unb in margins if m is not None and not unb]
        unbounded = all(unb for _, unb in margins)
        margin = min(finite) if finite else None
    elif result.status is TargetStatus.MISSED:
        needed = [
            recovery(indicator, counts.num, counts.den, c.comparator, c.limit)  # type: ignore[arg-type]
            for c in limited
            if c.status is TargetStatus.MISSED
        ]
        recover = None if any(n is None for n in needed) else max((n or 0) for n in needed)
    projection = _projection(spec, counts, period, as_of, reference)
    status = result.status.value
    # A year to date is a partial year even when read after its last day.
    in_progress = as_of < period.end or (
        period.kind is PeriodKind.YTD and period.end < dt.date(period.year, 12, 31)
    )
    threatened = (margin == 0 and not unbounded) or (projection is not None and projection.status == MISSED)
    if status == MET and in_progress and threatened:
        status = AT_RISK
    ind_spec = spec_of(indicator)
    info = TargetInfo(
        target_id=spec.id,
        indicator=indicator,
        title_zh=spec.title_zh,
        title_en=spec.title_en,
        origin=target.origin,
        override_id=target.override_id,
        applies_to=spec.applies_to,
        status=status,
        status_label=STATUS_LABELS[status],
        bounds=bounds,
        margin=margin,
        margin_unbounded=unbounded,
        margin_event_zh=ind_spec.bad_zh,
        recovery=recover,
        recovery_event_zh=ind_spec.good_zh,
        projection=projection,
        citation=citation_info(spec.citation),
    )
    return info, result


def _projection(
    spec: TargetSpec, counts: Counts, period: Period, as_of: dt.date, reference: Decimal | None
) -> ProjectionInfo | None:
    if counts.ytd_num is None:
        return None
    on = min(as_of, dt.date(period.year, 12, 31))
    projected = project(spec.indicator, counts.ytd_num, counts.ytd_den, period.year, on)
    if projected is None:
        return None
    num, den, value, elapsed, total = projected
    verdict = evaluate_target(spec, value, counts.previous_year, reference)
    return ProjectionInfo(
        year=period.year,
        as_of=on,
        elapsed_days=elapsed,
        year_days=total,
        numerator=num,
        denominator=den,
        value=value,
        display=display(spec.indicator, value),
        status=verdict.status.value,
        reasons_zh=verdict.reasons_zh,
    )


def overall_status(statuses: Sequence[str]) -> str:
    """The worst status among an indicator's targets (``no_target`` when it has none)."""
    from core.indicators.types import NO_TARGET, STATUS_ORDER

    if not statuses:
        return NO_TARGET
    return min(statuses, key=lambda s: STATUS_ORDER.get(s, 9))
