from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import or_, select

from api.common import (
    ActionType,
    BatchKind,
    Connection,
    DisputeField,
    DisputeSource,
    DisputeStatus,
    ResolutionStage,
    ResolutionStatus,
    gid,
    paginate,
)
from api.context import Info
from api.disputes.types import Dispute, ResolutionEffort
from api.pagination import asc, desc
from core.disputes import models as m


@strawberry.enum(description="争议排序")
class DisputeOrder(Enum):
    RECEIVED_DESC = "received_desc"
    RECEIVED_ASC = "received_asc"
    NUMBER_ASC = "number_asc"
    UPDATED_DESC = "updated_desc"


@strawberry.input(description="争议筛选条件（各条件同时满足）")
class DisputeFilter:
    jurisdiction_id: strawberry.ID | None = None
    unit_id: strawberry.ID | None = strawberry.field(default=None, description="任一被申请单位")
    status: list[DisputeStatus] | None = None
    field: list[DisputeField] | None = None
    action_type: list[ActionType] | None = None
    source: list[DisputeSource] | None = None
    batch_kind: list[BatchKind] | None = None
    loss_risk: bool | None = None
    is_major: bool | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    text: str | None = strawberry.field(default=None, description="编号、事项、申请人中包含的文字")


ORDERS = {
    DisputeOrder.RECEIVED_DESC: (desc(m.Dispute.received_date), desc(m.Dispute.id)),
    DisputeOrder.RECEIVED_ASC: (asc(m.Dispute.received_date), asc(m.Dispute.id)),
    DisputeOrder.NUMBER_ASC: (asc(m.Dispute.number), asc(m.Dispute.id)),
    DisputeOrder.UPDATED_DESC: (desc(m.Dispute.updated_at), desc(m.Dispute.id)),
}


def filter_disputes(stmt: Any, f: DisputeFilter | None) -> Any:
    if f is None:
        return stmt
    if f.jurisdiction_id is not None:
        stmt = stmt.where(m.Dispute.jurisdiction_id == gid(f.jurisdiction_id, "filter.jurisdictionId"))
    if f.unit_id is not None:
        unit = gid(f.unit_id, "filter.unitId")
        stmt = stmt.where(
            m.Dispute.id.in_(
                select(m.DisputeRespondent.dispute_id).where(m.DisputeRespondent.unit_id == unit)
            )
        )
    for values, column in (
        (f.status, m.Dispute.status),
        (f.field, m.Dispute.field),
        (f.action_type, m.Dispute.action_type),
        (f.source, m.Dispute.source),
        (f.batch_kind, m.Dispute.batch_kind),
    ):
        if values:
            stmt = stmt.where(column.in_(values))
    if f.loss_risk is not None:
        # The bare column (not ``IS true``), which PostgreSQL matches to the partial loss-risk index.
        stmt = stmt.where(m.Dispute.loss_risk if f.loss_risk else ~m.Dispute.loss_risk)
    if f.is_major is not None:
        stmt = stmt.where(m.Dispute.is_major.is_(f.is_major))
    if f.received_from is not None:
        stmt = stmt.where(m.Dispute.received_date >= f.received_from)
    if f.received_to is not None:
        stmt = stmt.where(m.Dispute.received_date <= f.received_to)
    if f.text and f.text.strip():
        like = f"%{f.text.strip()}%"
        stmt = stmt.where(
            or_(m.Dispute.number.like(like), m.Dispute.title.like(like), m.Dispute.applicant_name.like(like))
        )
    return stmt


@strawberry.type
class DisputeQuery:
    @strawberry.field(description="行政争议列表（分页）")
    async def disputes(
        self,
        info: Info,
        filter: DisputeFilter | None = None,
        order: DisputeOrder = DisputeOrder.RECEIVED_DESC,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Dispute]:
        stmt = filter_disputes(select(m.Dispute), filter)
        stmt = info.context.scoped(stmt, m.Dispute)
        return await paginate(info, stmt, ORDERS[order], first=first, after=after, last=last, before=before)

    @strawberry.field
    async def dispute(self, info: Info, id: strawberry.ID) -> Dispute | None:
        return await info.context.loaders.by_id(m.Dispute).load(gid(id, "id"))  # type: ignore[no-any-return]

    @strawberry.field(description="化解工作列表（分页）")
    async def resolution_efforts(
        self,
        info: Info,
        jurisdiction_id: strawberry.ID | None = None,
        unit_id: strawberry.ID | None = None,
        stage: list[ResolutionStage] | None = None,
        status: list[ResolutionStatus] | None = None,
        due_before: dt.date | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ResolutionEffort]:
        stmt = select(m.ResolutionEffort)
        if jurisdiction_id is not None:
            stmt = stmt.where(m.ResolutionEffort.jurisdiction_id == gid(jurisdiction_id, "jurisdictionId"))
        if unit_id is not None:
            stmt = stmt.where(m.ResolutionEffort.unit_id == gid(unit_id, "unitId"))
        if stage:
            stmt = stmt.where(m.ResolutionEffort.stage.in_(stage))
        if status:
            stmt = stmt.where(m.ResolutionEffort.status.in_(status))
        if due_before is not None:
            stmt = stmt.where(m.ResolutionEffort.due_date <= due_before)
        stmt = info.context.scoped(stmt, m.ResolutionEffort)
        order = (desc(m.ResolutionEffort.assigned_date), desc(m.ResolutionEffort.id))
        return await paginate(info, stmt, order, first=first, after=after, last=last, before=before)

    @strawberry.field
    async def resolution_effort(self, info: Info, id: strawberry.ID) -> ResolutionEffort | None:
        return await info.context.loaders.by_id(m.ResolutionEffort).load(gid(id, "id"))  # type: ignore[no-any-return]
