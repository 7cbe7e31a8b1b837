"""JSON form of the indicator results (for the cache and for frozen bulletins), and back.

Dataclasses become objects, ``Decimal`` a string (exact), dates ISO strings, enums their value.
Reading back follows the dataclass annotations; unknown keys are ignored and missing ones take the
field's default, so a bulletin frozen by an older version still loads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def to_json(value: Any) -> Any:
    """A JSON-safe copy of ``value`` (dataclasses, Decimal, dates, enums, lists, tuples, dicts)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_json(tp: Any, data: Any) -> Any:
    """Rebuild a value of type ``tp`` from :func:`to_json` output."""
    if data is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return from_json(options[0], data) if len(options) == 1 else data
    if origin in (list, tuple):
        args = typing.get_args(tp)
        inner = args[0] if args else Any
        items = [from_json(inner, v) for v in data]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        _, value_type = typing.get_args(tp)
        return {k: from_json(value_type, v) for k, v in data.items()}
    if tp is Any:
        return data
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            hints = _hints(tp)
            kwargs = {
                f.name: from_json(hints[f.name], data[f.name])
                for f in dataclasses.fields(tp)
                if f.init and f.name in data
            }
            return tp(**kwargs)
        if issubclass(tp, enum.Enum):
            return tp(data)
        if tp is Decimal:
            return Decimal(str(data))
        if tp is dt.datetime:
            return dt.datetime.fromisoformat(data)
        if tp is dt.date:
            return dt.date.fromisoformat(data)
        if tp in (int, float, str, bool):
            return tp(data)
    return data


def load(cls: type[T], data: Any) -> T:
    """Typed wrapper of :func:`from_json` for a dataclass."""
    result: T = from_json(cls, data)
    return result
