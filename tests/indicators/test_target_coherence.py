"""Issue 20: a bulletin never contradicts itself. Over every indicator × comparator × a grid of
figures and limits, a target's status, its margin, its recovery and its projection agree:

- met: no recovery; the margin m is exact (m more bad events still meet the bound, m + 1 miss it);
- missed: no margin; the recovery r is exact (r good events meet it, r - 1 do not);
- at risk only where the margin is zero or the year-end projection misses, and only in a period
  still running; never at risk with room left and a projection that meets;
- every reason states the two figures and their difference (相差…, or 两者持平).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from core.indicators.definitions import SPECS, compute, spec_of
from core.indicators.periods import Period, PeriodKind
from core.indicators.targets import ActiveTarget, Counts, check_target
from core.policy.evaluate import _COMPARE
from core.policy.types import Citation, Comparator, TargetSpec

CITATION = Citation(source="测试用目标", section="第一条", clause="测试")
# A year to date that is still running (the projection and the at-risk rule apply).
RUNNING = Period(PeriodKind.YTD, dt.date(2024, 1, 1), dt.date(2024, 6, 30))
AS_OF = dt.date(2024, 6, 30)
INDICATORS = [i for i, s in SPECS.items() if not s.snapshot]


def figures(indicator: str) -> list[tuple[int, int | None]]:
    kind = spec_of(indicator).kind.value
    if kind == "count":
        return [(n, None) for n in range(0, 9)]
    if kind == "per_10k":
        return [(n, 120_000) for n in range(0, 9)]
    return [(0, 0)] + [(n, d) for d in range(1, 7) for n in range(0, d + 1)]  # 0/0: no data


def limits(indicator: str) -> list[Decimal]:
    kind = spec_of(indicator).kind.value
    if kind == "count":
        return [Decimal(v) for v in (0, 1, 3, 5)]
    if kind == "per_10k":
        return [Decimal(v) for v in ("0.10", "0.25", "0.40")]
    return [Decimal(v) for v in (0, 20, 50, 80, 100)]


def holds(indicator: str, comparator: Comparator, limit: Decimal, num: int, den: int | None) -> bool:
    value = compute(indicator, num, den)
    return value is not None and _COMPARE[comparator](value, limit)


def moved(spec: TargetSpec, num: int, den: int | None, step: tuple[int, int], k: int) -> bool:
    """Whether the bound holds after ``k`` more events of ``step`` (numerator, denominator)."""
    assert spec.comparator is not None and spec.value is not None
    dn, dd = step
    later = None if den is None else den + k * dd
    return holds(spec.indicator, spec.comparator, spec.value, num + k * dn, later)


CASES = [
    (indicator, comparator, limit)
    for indicator in INDICATORS
    for comparator in Comparator
    for limit in limits(indicator)
]


@pytest.mark.parametrize(("indicator", "comparator", "limit"), CASES)
def test_status_margin_recovery_and_projection_agree(
    indicator: str, comparator: Comparator, limit: Decimal
) -> None:
    spec = TargetSpec(
        id="test.target",
        indicator=indicator,
        title_zh="测试目标",
        title_en="test",
        citation=CITATION,
        comparator=comparator,
        value=limit,
    )
    ind = spec_of(indicator)
    for num, den in figures(indicator):
        counts = Counts(num=num, den=den, previous=None, references={}, ytd_num=num, ytd_den=den)
        info, result = check_target(ActiveTarget(spec, "plugin"), counts, RUNNING, AS_OF)
        where = f"{indicator} {comparator.value} {limit} at {num}/{den}: {info}"
        ok = holds(indicator, comparator, limit, num, den)
        if compute(indicator, num, den) is None:
            assert info.status == "no_data", where
            continue
        assert (result.status.value == "met") == ok, where
        for reason in result.reasons_zh:
            assert "相差" in reason or "两者持平" in reason, where
        if ok:
            assert info.recovery is None and info.status in ("met", "at_risk"), where
            if info.margin is not None and ind.bad_step is not None:
                m = info.margin

                assert moved(spec, num, den, ind.bad_step, m) and not moved(
                    spec, num, den, ind.bad_step, m + 1
                ), where
            projected = info.projection
            risky = (info.margin == 0 and not info.margin_unbounded) or (
                projected is not None and projected.status == "missed"
            )
            assert (info.status == "at_risk") == risky, where
        else:
            assert info.margin is None and info.status == "missed", where
            if info.recovery is not None and ind.good_step is not None:
                r = info.recovery

                step = ind.good_step
                assert r >= 1 and moved(spec, num, den, step, r) and not moved(spec, num, den, step, r - 1), (
                    where
                )


def test_the_grid_covers_every_indicator_and_comparator() -> None:
    covered = {(i, c) for i, c, _ in CASES}
    assert covered == set(itertools.product(INDICATORS, Comparator))
    assert len(INDICATORS) >= 8


def test_the_grid_meets_every_status_margin_and_recovery() -> None:
    """The checks above are not vacuous: the grid holds met, at-risk, missed and no-data verdicts,
    finite margins above zero and recoveries above one."""
    statuses: set[str] = set()
    margins: set[int] = set()
    recoveries: set[int] = set()
    for indicator, comparator, limit in CASES:
        spec = TargetSpec(
            id="test.target",
            indicator=indicator,
            title_zh="测试目标",
            title_en="test",
            citation=CITATION,
            comparator=comparator,
            value=limit,
        )
        for num, den in figures(indicator):
            counts = Counts(num=num, den=den, previous=None, references={}, ytd_num=num, ytd_den=den)
            info, _ = check_target(ActiveTarget(spec, "plugin"), counts, RUNNING, AS_OF)
            statuses.add(info.status)
            margins |= {info.margin} if info.margin is not None else set()
            recoveries |= {info.recovery} if info.recovery is not None else set()
    assert statuses == {"met", "at_risk", "missed", "no_data"}
    assert max(margins) > 1 and max(recoveries) > 1
