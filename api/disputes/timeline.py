"""The dispute timeline in GraphQL: the events the core recorded, for anyone who may read the dispute."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import strawberry

from api.context import Info
from core.context import ServiceContext
from core.obligations.timeline import TimelineEntry, dispute_timelines


@strawberry.type(description="时间线事件：系统记录的一个业务事件（何日、何事、涉及哪条记录）")
class TimelineEvent:
    id: strawberry.ID
    day: dt.date = strawberry.field(description="发生日期")
    kind: str = strawberry.field(description="事件类型（英文标识）")
    label_zh: str = strawberry.field(name="label", description="事件名称")
    detail_zh: str = strawberry.field(
        name="detail", description="要点（裁判结果、复议决定、负责人是否出庭等）"
    )
    subject_type: str = strawberry.field(description="dispute | resolution_effort | reconsideration_case | …")
    subject_label_zh: str = strawberry.field(name="subjectLabel", description="记录类别")
    subject_id: strawberry.ID
    unit_id: strawberry.ID | None
    attributes: strawberry.scalars.JSON = strawberry.field(description="规则所依据的事实（不含个人信息）")


def _to_type(e: TimelineEntry) -> TimelineEvent:
    return TimelineEvent(
        id=strawberry.ID(str(e.id)),
        day=e.day,
        kind=e.kind,
        label_zh=e.label_zh,
        detail_zh=e.detail_zh,
        subject_type=e.subject_type,
        subject_label_zh=e.subject_label_zh,
        subject_id=strawberry.ID(str(e.subject_id)),
        unit_id=strawberry.ID(str(e.unit_id)) if e.unit_id is not None else None,
        attributes=dict(e.attributes),  # type: ignore[arg-type]  # JSON is any JSON value
    )


async def timeline_of(info: Info, dispute_id: int) -> list[TimelineEvent]:
    """The dispute's timeline, batched across the disputes of a page (two statements per batch)."""
    context = info.context

    async def load(ids: Sequence[int]) -> list[list[TimelineEvent]]:
        async def read(ctx: ServiceContext) -> dict[int, list[TimelineEntry]]:
            async def declared(jurisdiction_id: int, kind: str) -> str | None:
                event = (await ctx.policy(jurisdiction_id)).declared_events.get(kind)
                return event.title_zh if event is not None else None

            return await dispute_timelines(ctx.session, ids, ctx.principal, declared)

        found = await context.read_ctx(read)
        return [[_to_type(e) for e in found.get(i, [])] for i in ids]

    result: list[TimelineEvent] = await context.loaders.keyed("dispute_timeline", load).load(dispute_id)
    return result
