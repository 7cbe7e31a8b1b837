from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from api.common import mask
from api.context import Info
from core.audit import present
from core.auth.models import User
from core.org.models import Jurisdiction, Official, Unit

_NAMED_MODELS = {"units": Unit, "officials": Official, "jurisdictions": Jurisdiction}
# Service principals (the worker, imports, the demo) act under these names.
_SYSTEM_ACTORS = {"system": "系统", "worker": "系统（期限巡检）", "scheduler": "系统（定时任务）"}

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


@strawberry.type(description="留痕中的一项修改：字段及修改前后的值，均为中文表述 (audit change)")
class AuditChange:
    field: str = strawberry.field(description="字段（存储名）")
    label: str = strawberry.field(description="字段中文名")
    before: str = strawberry.field(description="修改前（中文表述；新建记录为空）")
    after: str = strawberry.field(description="修改后（中文表述）")


async def _names(info: Info, refs: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    found: dict[tuple[str, int], str] = {}
    for table, ident in refs:
        row = await info.context.loaders.by_id(_NAMED_MODELS[table]).get(ident)
        if row is not None:
            found[(table, ident)] = row.name
    return found


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

    @strawberry.field(description="操作（中文）")
    def action_label(self) -> str:
        return present.action_label(self.action)

    @strawberry.field(description="记录类别及其编号、案号或名称，如“诉讼案件（2024）闽0824行初12号”")
    async def entity_label(self, info: Info) -> str:
        kind = present.entity_label(self.entity_type)
        model = present.model_for(self.entity_type)
        if model is None or self.entity_id is None:
            return kind
        row = await info.context.loaders.by_id(model).get(int(self.entity_id))
        if row is None:
            return kind
        name = present.identify(row)
        moment = getattr(row, "scheduled_at", None)
        if not name and moment is not None:
            name = present.show(self.entity_type, "scheduled_at", moment.isoformat(), {})
        return f"{kind}（{name}）" if name else kind

    @strawberry.field(description="操作人姓名（账号的姓名；无姓名时为账号）")
    async def actor_name(self, info: Info) -> str:
        if self.actor in _SYSTEM_ACTORS:
            return _SYSTEM_ACTORS[self.actor]
        by_name: Any = info.context.loaders.many(User, "username")  # keyed by the login name
        users = await by_name.get(self.actor)
        return next((u.display_name for u in users if u.display_name), self.actor)

    @strawberry.field(description="修改内容，逐字段，中文表述（人员、单位以姓名、名称显示，时间为北京时间）")
    async def changes(self, info: Info) -> list[AuditChange]:
        row: Any = self  # the stored entry (``before``/``after`` here are its raw dicts)
        before, after = _masked(row.before, info), _masked(row.after, info)
        names = await _names(info, present.references(self.entity_type, before, after))
        return [
            AuditChange(field=c.field, label=c.label, before=c.before, after=c.after)
            for c in present.changes(self.entity_type, before, after, names)
        ]
