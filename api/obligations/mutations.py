from __future__ import annotations

import datetime as dt

import strawberry

from api.common import Payload, gid, run_mutation
from api.context import Info
from api.obligations.types import Obligation, PeriodicReport
from core.obligations import service


@strawberry.input(description="定期报送（如每月28日前的争议排查，零报送时 isZero=true）")
class SubmitReportInput:
    jurisdiction_id: strawberry.ID
    kind: str
    period: str
    submitted_date: dt.date
    unit_id: strawberry.ID | None = None
    is_zero: bool = False
    content: str = ""


@strawberry.type
class ObligationMutation:
    @strawberry.mutation(description="标记期限事项已完成")
    async def mark_obligation_met(
        self, info: Info, id: strawberry.ID, met_date: dt.date, note: str = "", version: int | None = None
    ) -> Payload[Obligation]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.mark_obligation_met(
                ctx, gid(id, "id"), met_date=met_date, note=note, version=version
            ),
        )

    @strawberry.mutation(description="豁免期限事项（须说明理由）")
    async def waive_obligation(
        self, info: Info, id: strawberry.ID, reason: str, version: int | None = None
    ) -> Payload[Obligation]:
        return await run_mutation(  # type: ignore[no-any-return]
            info, lambda ctx: service.waive_obligation(ctx, gid(id, "id"), reason=reason, version=version)
        )

    @strawberry.mutation(description="定期报送")
    async def submit_report(self, info: Info, input: SubmitReportInput) -> Payload[PeriodicReport]:
        return await run_mutation(  # type: ignore[no-any-return]
            info,
            lambda ctx: service.submit_report(
                ctx,
                gid(input.jurisdiction_id, "jurisdictionId"),
                kind=input.kind,
                period=input.period,
                submitted_date=input.submitted_date,
                unit_id=gid(input.unit_id, "unitId") if input.unit_id is not None else None,
                is_zero=input.is_zero,
                content=input.content,
            ),
        )
