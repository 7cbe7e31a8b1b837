"""Recording the audit trail."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import LargeBinary, inspect

from core.audit.models import AuditEntry

if TYPE_CHECKING:
    from core.context import ServiceContext

_SKIP = frozenset({"created_at", "updated_at"})
# Never copied into the audit trail: hashes of passwords and tokens, webhook secrets.
_SECRET = frozenset({"password_hash", "token_hash", "secret"})


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):  # a kept file (a queued ledger import): its size, not its bytes
        return f"（{len(value)} 字节）"
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """A JSON-safe dict of a model's column values (what the audit trail stores)."""
    mapper = inspect(obj).mapper
    # File contents (LargeBinary) are never copied: the trail keeps their size and hash instead.
    return {
        c.key: _plain(getattr(obj, c.key))
        for c in mapper.column_attrs
        if c.key not in _SKIP | _SECRET and not isinstance(c.columns[0].type, LargeBinary)
    }


async def record(
    ctx: ServiceContext,
    action: str,
    entity: Any,
    before: dict[str, Any] | None,
    *,
    jurisdiction_id: int | None = None,
) -> AuditEntry:
    """Append who did ``action`` to ``entity``, with its state before and after."""
    await ctx.session.flush()
    after = snapshot(entity)
    if before is not None:
        changed = {k for k in after if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in changed}
        after = {k: after[k] for k in changed}
    entry = AuditEntry(
        at=ctx.now(),
        actor=ctx.principal.user,
        role=ctx.principal.role.value,
        jurisdiction_id=jurisdiction_id
        if jurisdiction_id is not None
        else getattr(entity, "jurisdiction_id", None),
        action=action,
        entity_type=type(entity).__tablename__,
        entity_id=getattr(entity, "id", None),
        before=before,
        after=after,
        request_id=ctx.principal.request_id,
        remote_addr=ctx.principal.remote_addr,
    )
    ctx.session.add(entry)
    ctx.changed(entry.entity_type, entry.entity_id or 0, entry.jurisdiction_id)
    return entry
