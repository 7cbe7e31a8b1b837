from __future__ import annotations

import datetime as dt

import strawberry


@strawberry.type(description="操作留痕：谁、何时、对哪条记录、由什么改为什么")
class AuditEntry:
    id: strawberry.ID
    at: dt.datetime
    actor: str
    role: str
    jurisdiction_id: strawberry.ID | None
    action: str
    entity_type: str
    entity_id: strawberry.ID | None
    before: strawberry.scalars.JSON | None
    after: strawberry.scalars.JSON | None
    request_id: str | None
