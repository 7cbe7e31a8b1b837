"""Small helpers shared by the domain services: scoped loading, optimistic locking, validation."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypeVar

from core.errors import Conflict, NotFound, ValidationFailed
from core.scoping import can_read

if TYPE_CHECKING:
    from core.context import ServiceContext

M = TypeVar("M")


async def get_visible(ctx: ServiceContext, model: type[M], ident: int, label_zh: str, field: str = "id") -> M:
    """Load a row the principal may read, or raise NotFound (never revealing that it exists)."""
    obj = await ctx.session.get(model, ident)
    table = getattr(model, "__tablename__", "")
    readable = obj is not None and (
        can_read(ctx.principal, getattr(obj, "jurisdiction_id", None), _unit_of(obj), table)
        or await _respondent(ctx, table, obj)
    )
    if not readable:
        raise NotFound(model.__name__, label_zh, ident, field)
    return obj  # type: ignore[return-value]


async def _respondent(ctx: ServiceContext, table: str, obj: Any) -> bool:
    """A unit clerk may read a dispute in which their unit is a further respondent."""
    if table != "disputes" or getattr(obj, "jurisdiction_id", None) != ctx.principal.jurisdiction_id:
        return False
    from sqlalchemy import select

    from core.disputes.models import DisputeRespondent

    found = await ctx.session.scalar(
        select(DisputeRespondent.id).where(
            DisputeRespondent.dispute_id == obj.id, DisputeRespondent.unit_id == ctx.principal.unit_id
        )
    )
    return found is not None


def _unit_of(obj: Any) -> int | None:
    return getattr(obj, "unit_id", None)


def check_version(obj: Any, expected: int | None, entity: str) -> None:
    """Optimistic locking: refuse to write over a version the caller has not seen."""
    if expected is not None and getattr(obj, "version", None) != expected:
        raise Conflict(entity, getattr(obj, "id", "?"))


def require_text(value: str | None, field: str, label_zh: str, *, max_len: int = 2000) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(field, f"{label_zh}不能为空", f"{field} must not be empty", "required")
    if len(text) > max_len:
        raise ValidationFailed(
            field,
            f"{label_zh}不能超过{max_len}个字符",
            f"{field} is longer than {max_len} characters",
            "too_long",
        )
    return text


def optional_text(value: str | None, field: str, label_zh: str, *, max_len: int = 2000) -> str | None:
    if value is None or not value.strip():
        return None
    return require_text(value, field, label_zh, max_len=max_len)


def require_not_future(day: dt.date, today: dt.date, field: str, label_zh: str) -> dt.date:
    if day > today:
        raise ValidationFailed(
            field,
            f"{label_zh}不能晚于今天（{today.isoformat()}）",
            f"{field} {day} is in the future",
            "future_date",
        )
    return day


def require_not_before(
    day: dt.date, earlier: dt.date | None, field: str, label_zh: str, other_zh: str
) -> dt.date:
    if earlier is not None and day < earlier:
        raise ValidationFailed(
            field,
            f"{label_zh}（{day.isoformat()}）不能早于{other_zh}（{earlier.isoformat()}）",
            f"{field} {day} is before {earlier}",
            "date_order",
        )
    return day


def require_positive(value: int | None, field: str, label_zh: str) -> int | None:
    if value is not None and value < 0:
        raise ValidationFailed(field, f"{label_zh}不能为负数", f"{field} must not be negative", "negative")
    return value
