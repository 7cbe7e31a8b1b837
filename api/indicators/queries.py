"""Indicator queries: definitions, dashboards, series, assessments, target overrides, bulletins."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import strawberry

from api.common import gid
from api.context import Info
from api.indicators.types import (
    Assessment,
    Bulletin,
    BulletinChange,
    BulletinContent,
    Dashboard,
    IndicatorDefinition,
    IndicatorSeries,
    PeriodInput,
    TargetOverride,
)
from core.clock import CHINA
from core.context import ServiceContext
from core.indicators import bulletins, service
from core.indicators import periods as P
from core.indicators.cache import IndicatorCache
from core.indicators.types import Assessment as AssessmentResult
from core.indicators.types import Dashboard as DashboardResult


def indicator_cache(info: Info) -> IndicatorCache | None:
    """The app's indicator cache (``AppState.indicator_cache``), if the app installed one."""
    return getattr(info.context.app, "indicator_cache", None)


def fresh_context(info: Info) -> Callable[[], AbstractAsyncContextManager[ServiceContext]]:
    """A service context on a new read session (its snapshot starts when it is opened)."""
    context = info.context

    @asynccontextmanager
    async def open_ctx() -> AsyncIterator[ServiceContext]:
        async with context.app.session_factory() as session:
            yield ServiceContext(
                session=session,
                principal=context.principal,
                registry=context.registry,
                clock=context.app.clock,
            )

    return open_ctx


async def cached(info: Info, jurisdiction_id: int, key: str, cls: type[Any], compute: Any) -> Any:
    """``compute`` through the app's cache (see :func:`core.indicators.service.read_through`)."""

    async def run(ctx: ServiceContext) -> Any:
        return await service.read_through(
            indicator_cache(info), ctx, fresh_context(info), jurisdiction_id, key, cls, compute
        )

    return await read(info, run)


async def read(info: Info, fn: Callable[[ServiceContext], Awaitable[Any]]) -> Any:
    """Run a read-only service on the request's session (the result is one of the core's dataclasses)."""
    return await info.context.read_ctx(fn)


def today(info: Info) -> dt.date:
    """Today in China, as the services count it (the cache key's date)."""
    return info.context.app.clock().astimezone(CHINA).date()


def period_of(value: PeriodInput) -> P.Period:
    return P.build(
        P.PeriodKind(value.kind),
        year_number=value.year,
        quarter_number=value.quarter,
        month_number=value.month,
        start=value.start,
        end=value.end,
        as_of=value.as_of,
    )


def _optional_id(value: strawberry.ID | None, field: str) -> int | None:
    return gid(value, field) if value is not None else None


@strawberry.type
class IndicatorQuery:
    @strawberry.field(description="本辖区各项指标的口径（全国通用或插件细化）")
    async def indicator_definitions(
        self, info: Info, jurisdiction_id: strawberry.ID
    ) -> list[IndicatorDefinition]:
        jid = gid(jurisdiction_id, "jurisdictionId")
        return await read(info, lambda ctx: service.definitions(ctx, jid))

    @strawberry.field(description="指标看板：辖区或单位在一个统计期间的全部指标、目标与排名")
    async def dashboard(
        self,
        info: Info,
        jurisdiction_id: strawberry.ID,
        period: PeriodInput,
        unit_id: strawberry.ID | None = None,
    ) -> Dashboard:
        jid = gid(jurisdiction_id, "jurisdictionId")
        uid = _optional_id(unit_id, "unitId")
        chosen = period_of(period)
        key = service.dashboard_key(chosen, uid, today(info))

        async def compute(ctx: ServiceContext) -> Any:
            return await service.dashboard(ctx, jid, chosen, unit_id=uid)

        return await cached(info, jid, key, DashboardResult, compute)

    @strawberry.field(description="指标时间序列（按月、季度或年）")
    async def indicator_series(
        self,
        info: Info,
        jurisdiction_id: strawberry.ID,
        indicator: str,
        granularity: P.Granularity,
        start: dt.date,
        end: dt.date,
        unit_id: strawberry.ID | None = None,
    ) -> IndicatorSeries:
        jid = gid(jurisdiction_id, "jurisdictionId")
        uid = _optional_id(unit_id, "unitId")

        async def run(ctx: ServiceContext) -> Any:
            return await service.series(
                ctx, jid, indicator, granularity=P.Granularity(granularity), start=start, end=end, unit_id=uid
            )

        return await read(info, run)

    @strawberry.field(description="年度考核（填写季度则为季度考核）：指标、排名、目标与考核措施")
    async def assessment(
        self, info: Info, jurisdiction_id: strawberry.ID, year: int, quarter: int | None = None
    ) -> Assessment:
        jid = gid(jurisdiction_id, "jurisdictionId")
        key = service.assessment_key(year, quarter, today(info))

        async def compute(ctx: ServiceContext) -> Any:
            return await service.assessment(ctx, jid, year, quarter)

        return await cached(info, jid, key, AssessmentResult, compute)

    @strawberry.field(description="管理员对目标的调整")
    async def target_overrides(
        self, info: Info, jurisdiction_id: strawberry.ID, year: int | None = None
    ) -> list[TargetOverride]:
        jid = gid(jurisdiction_id, "jurisdictionId")
        return await read(info, lambda ctx: service.target_overrides(ctx, jid, year))

    @strawberry.field(description="已发布的季度通报（新的在前）")
    async def bulletins(
        self, info: Info, jurisdiction_id: strawberry.ID, year: int | None = None, quarter: int | None = None
    ) -> list[Bulletin]:
        jid = gid(jurisdiction_id, "jurisdictionId")

        async def run(ctx: ServiceContext) -> Any:
            return await bulletins.list_bulletins(ctx, jid, year=year, quarter=quarter)

        return await read(info, run)

    @strawberry.field(description="一期已发布的通报")
    async def bulletin(self, info: Info, id: strawberry.ID) -> Bulletin:
        ident = gid(id, "id")
        return await read(info, lambda ctx: bulletins.get_bulletin(ctx, ident))

    @strawberry.field(description="按当前数据生成的通报预览（不保存）")
    async def bulletin_preview(
        self, info: Info, jurisdiction_id: strawberry.ID, year: int, quarter: int
    ) -> BulletinContent:
        jid = gid(jurisdiction_id, "jurisdictionId")
        return await read(info, lambda ctx: bulletins.build_content(ctx, jid, year, quarter))

    @strawberry.field(description="两版通报之间的差异")
    async def bulletin_diff(
        self, info: Info, from_id: strawberry.ID, to_id: strawberry.ID
    ) -> list[BulletinChange]:
        first, second = gid(from_id, "fromId"), gid(to_id, "toId")
        return await read(info, lambda ctx: bulletins.compare(ctx, first, second))
