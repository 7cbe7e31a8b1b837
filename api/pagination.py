"""Relay connections with keyset cursors: ``first/after`` and ``last/before`` over any ordered list.

A cursor is the position of a row in its ordering — the values of the ordering's keys for that row
(base64 JSON, with a short digest of the ordering so a cursor of another list or order is refused)
— not an offset, so a page does not repeat or skip rows when records are inserted or deleted
between two requests (an offset shifts by one for every row inserted before it). The next page is
``WHERE (keys) > (cursor's keys)`` in the ordering's directions; nullable keys sort last on both
databases (SQLite and PostgreSQL disagree on where NULL goes otherwise). The ordering must end in a
unique key (the id).

``hasNextPage`` and ``hasPreviousPage`` are true answers, paging forward or backward: a page reads
one row more than asked in its own direction, and one row on the other side of its cursor.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Select, and_, false, func, or_, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from core.errors import DomainError

MAX_PAGE = 100  # rows a page may ask for (the cost limit, api/hardening.py, counts the same)
VERSION = "k1"


@dataclass(frozen=True)
class Key:
    """One key of an ordering: a mapped attribute and its direction."""

    attribute: InstrumentedAttribute[Any]
    descending: bool = False

    @property
    def name(self) -> str:
        return str(self.attribute.key)

    @property
    def nullable(self) -> bool:
        columns = getattr(self.attribute.property, "columns", ())
        return bool(columns and columns[0].nullable)


def asc(attribute: InstrumentedAttribute[Any]) -> Key:
    return Key(attribute)


def desc(attribute: InstrumentedAttribute[Any]) -> Key:
    return Key(attribute, descending=True)


def order_clauses(keys: Sequence[Key], reverse: bool = False) -> list[ColumnElement[Any]]:
    """ORDER BY for ``keys`` (or the opposite order): NULLs after every value, on both databases.
    An ascending key is then PostgreSQL's default order (``ASC NULLS LAST``), which its indexes serve."""
    clauses: list[ColumnElement[Any]] = []
    for key in keys:
        descending = key.descending != reverse
        clause = key.attribute.desc() if descending else key.attribute.asc()
        if key.nullable:  # explicit: the databases' defaults differ (SQLite ≥ 3.30 has the syntax)
            clause = clause.nulls_first() if reverse else clause.nulls_last()
        clauses.append(clause)
    return clauses


def _digest(keys: Sequence[Key]) -> str:
    spec = ",".join(f"{k.attribute.class_.__name__}.{k.name}{'-' if k.descending else '+'}" for k in keys)
    return hashlib.sha256(spec.encode()).hexdigest()[:8]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, int | str):  # an enum
        return value.value
    return value


def encode_cursor(keys: Sequence[Key], row: Any, digest: str | None = None) -> str:
    """``row``'s cursor; ``digest`` is the ordering's (:func:`_digest`), given once per page."""
    values = [_plain(getattr(row, key.name)) for key in keys]
    raw = orjson.dumps([VERSION, digest or _digest(keys), values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid(field: str) -> DomainError:
    return DomainError(
        "invalid_cursor",
        "分页游标无效（可能来自其他列表或其他排序），请从第一页重新加载",
        f"{field} is not a valid cursor",
        field,
    )


def _python_type(column_type: Any) -> type[Any]:
    """The Python type a column holds, looking through a TypeDecorator (UTCDateTime, enum types)."""
    found: type[Any] = column_type.python_type
    if found is object and isinstance(column_type, TypeDecorator):
        found = column_type.impl_instance.python_type
    return found


def _typed(key: Key, value: Any, field: str) -> Any:
    if value is None:
        if not key.nullable:
            raise _invalid(field)
        return None
    python_type = _python_type(key.attribute.type)
    try:
        if python_type is dt.datetime:
            return dt.datetime.fromisoformat(value)
        if python_type is dt.date:
            return dt.date.fromisoformat(value)
        if issubclass(python_type, int) and not issubclass(python_type, bool):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(value)
            return value
        if issubclass(python_type, str):
            if not isinstance(value, str):
                raise ValueError(value)
            return python_type(value)
        return python_type(value)
    except (TypeError, ValueError) as exc:
        raise _invalid(field) from exc


def decode_cursor(keys: Sequence[Key], cursor: str, field: str) -> list[Any]:
    """The key values a cursor holds; a cursor of another ordering, or no cursor at all, is refused."""
    if len(cursor) > 2000:
        raise _invalid(field)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, digest, values = orjson.loads(raw)
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise _invalid(field) from exc
    if version != VERSION or digest != _digest(keys) or not isinstance(values, list):
        raise _invalid(field)
    if len(values) != len(keys):
        raise _invalid(field)
    return [_typed(key, value, field) for key, value in zip(keys, values, strict=True)]


def beyond(keys: Sequence[Key], values: Sequence[Any], *, backward: bool = False) -> ColumnElement[bool]:
    """Rows strictly after the position ``values`` in the ordering (before it when ``backward``)."""
    if not keys:
        return false()
    if len({k.descending for k in keys}) == 1 and not any(k.nullable for k in keys):
        # One direction, no NULLs: a row-value comparison, which the ordering's index answers as a
        # range (PostgreSQL; SQLite since 3.15) where the expanded OR form may not be.
        row, at = tuple_(*(k.attribute for k in keys)), tuple_(*values)
        return row < at if keys[0].descending != backward else row > at
    key, value, rest = keys[0], values[0], beyond(keys[1:], values[1:], backward=backward)
    column = key.attribute
    if value is None:  # NULLs come last: after a NULL only NULLs; before it every value
        if backward:
            return or_(column.is_not(None), and_(column.is_(None), rest))
        return and_(column.is_(None), rest)
    later = column < value if key.descending != backward else column > value
    if not key.nullable:
        return or_(later, and_(column == value, rest))
    if backward:
        return or_(and_(column.is_not(None), later), and_(column == value, rest))
    return or_(later, column.is_(None), and_(column == value, rest))


def page_size(value: int | None, field: str) -> int | None:
    if value is not None and (value < 0 or value > MAX_PAGE):
        raise DomainError(
            "invalid_page_size",
            f"每页条数须在0到{MAX_PAGE}之间",
            f"{field} must be between 0 and {MAX_PAGE}",
            field,
        )
    return value


@dataclass
class Page:
    rows: list[Any]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    total: int


async def read_page(
    context: Any,
    stmt: Select[Any],
    keys: Sequence[Key],
    *,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> Page:
    """One page of ``stmt`` (filtered and scoped, not ordered) in the ordering ``keys``.

    ``first``/``after`` pages forward, ``last``/``before`` backward; both may be given, as Relay
    allows (the page is then cut from both ends). ``first`` defaults to 20 when neither is given.
    """
    first, last = page_size(first, "first"), page_size(last, "last")
    if first is None and last is None:
        first = 20
    start = decode_cursor(keys, after, "after") if after is not None else None
    end = decode_cursor(keys, before, "before") if before is not None else None
    window = stmt
    if start is not None:
        window = window.where(beyond(keys, start))
    if end is not None:
        window = window.where(beyond(keys, end, backward=True))
    total = await context.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    if last is not None and first is None:
        rows = list(
            await context.records(window.order_by(*order_clauses(keys, reverse=True)).limit(last + 1))
        )
        has_previous = len(rows) > last
        rows = rows[:last][::-1]
        has_next = end is not None and await _reached(context, stmt, keys, end, backward=False)
    else:
        assert first is not None
        rows = list(await context.records(window.order_by(*order_clauses(keys)).limit(first + 1)))
        has_next = len(rows) > first
        rows = rows[:first]
        if last is not None and len(rows) > last:
            rows, has_previous = rows[-last:], True
        else:
            has_previous = start is not None and await _reached(context, stmt, keys, start, backward=True)
    digest = _digest(keys)
    cursors = [encode_cursor(keys, row, digest) for row in rows]
    return Page(rows, cursors, has_next, has_previous, int(total or 0))


async def _reached(
    context: Any, stmt: Select[Any], keys: Sequence[Key], values: Sequence[Any], *, backward: bool
) -> bool:
    """Whether any row lies at the position ``values`` or beyond it in that direction (the cursor's
    own row counts: it is on the other side of the page)."""
    at = and_(
        *(k.attribute.is_(None) if v is None else k.attribute == v for k, v in zip(keys, values, strict=True))
    )
    condition = or_(beyond(keys, values, backward=backward), at)
    found = await context.scalar(select(stmt.order_by(None).where(condition).exists()))
    return bool(found)
