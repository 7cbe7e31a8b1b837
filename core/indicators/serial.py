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
from collections.abc import Callable
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
    return _loader(tp)(data)


Loader = Callable[[Any], Any]


@cache
def _loader(tp: Any) -> Loader:
    """The function rebuilding values of ``tp``, worked out once per type (a cached dashboard is
    thousands of small values: inspecting the annotations for each of them cost more than the rest
    of the cache hit)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _loader(options[0]) if len(options) == 1 else _identity
    if origin in (list, tuple):
        args = typing.get_args(tp)
        inner_tp = args[0] if args else Any
        as_tuple = origin is tuple

        def sequence(data: Any) -> Any:
            if data is None:
                return None
            inner = _loader(inner_tp)
            items = [inner(v) for v in data]
            return tuple(items) if as_tuple else items

        return sequence
    if origin is dict:
        _, value_tp = typing.get_args(tp)

        def mapping(data: Any) -> Any:
            if data is None:
                return None
            inner = _loader(value_tp)
            return {k: inner(v) for k, v in data.items()}

        return mapping
    if tp is Any or not isinstance(tp, type):
        return _identity
    if dataclasses.is_dataclass(tp):
        return _dataclass_loader(tp)
    if issubclass(tp, enum.Enum):
        return _none_or(tp)
    if tp is Decimal:
        return _none_or(lambda v: Decimal(str(v)))
    if tp is dt.datetime:
        return _none_or(dt.datetime.fromisoformat)
    if tp is dt.date:
        return _none_or(dt.date.fromisoformat)
    if tp in (int, float, str, bool):
        return _none_or(tp)
    return _identity


def _identity(data: Any) -> Any:
    return data


def _none_or(convert: Loader) -> Loader:
    def load_value(data: Any) -> Any:
        return None if data is None else convert(data)

    return load_value


def _dataclass_loader(tp: type) -> Loader:
    fields: list[tuple[str, Loader]] = []  # filled on first use: a type may refer to itself

    def load_dataclass(data: Any) -> Any:
        if data is None:
            return None
        if not fields:
            hints = _hints(tp)
            fields.extend((f.name, _loader(hints[f.name])) for f in dataclasses.fields(tp) if f.init)
        return tp(**{name: load(data[name]) for name, load in fields if name in data})

    return load_dataclass


def load(cls: type[T], data: Any) -> T:
    """Typed wrapper of :func:`from_json` for a dataclass."""
    result: T = from_json(cls, data)
    return result
