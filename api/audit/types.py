from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from api.common import mask
from api.context import Info

PERSONAL = {"applicant_id_number": (6, 4), "applicant_phone": (3, 4)}


def _masked(values: dict[str, Any] | None, info: Info) -> dict[str, Any] | None:
    """Personal numbers in an audited change are masked, as everywhere, for those not allowed them."""
    if values is None or info.context.principal.sees_personal_data:
        return values
    return {
        k: mask(v, *PERSONAL[k]) if k in PERSONAL and isinstance(v, str) else v for k, v in values.items()
    }


def _before(root: strawberry.Parent[Any], info: Info) -> strawberry.scalars.JSON | None:
    return _masked(root.before, info)  # type: ignore[return-value]


def _after(root: strawberry.Parent[Any], info: Info) -> strawberry.scalars.JSON | None:
    return _masked(root.after, info)  # type: ignore[return-value]


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
    before: strawberry.scalars.JSON | None = strawberry.field(resolver=_before, description="修改前")
    after: strawberry.scalars.JSON | None = strawberry.field(resolver=_after, description="修改后")
    request_id: str | None
