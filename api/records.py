"""Rows read for GraphQL as plain read-only records instead of ORM instances.

A page of 50 disputes with their cases, hearings, outcomes and open obligations reads about 130
rows. Loaded as ORM instances, each costs SQLAlchemy an instance state, an identity-map entry and
one attribute write per column (``loading._populate_full``): about a tenth of the page's CPU
(``benchmarks/executor_ab.py --compare records``), for objects that GraphQL only reads and that
are discarded with the request's session.

The loaders (``api/loaders.py``) and the connections (``api.common.paginate``) run the same
``select(Model)`` on the read session's connection instead, which gives Core's rows of the model's
columns (already converted by the columns' types), and keep each row as a record. A record is an
instance of a class made once per model (``record_class``): a named tuple of the model's columns
(named as its attributes), with the model's ``__tablename__`` and its read-only
properties (``Unit.unit_id``), compared and hashed by identity as ORM instances are. Resolvers read
``record.status`` exactly as they read the instance's attribute, and the values are the same
(the columns' own result types: enum members, aware datetimes, JSON documents). A record cannot be
written to nor lazily load a relationship; neither could the read session's instances (the API
reads through the session only; writes go through the services' own sessions).

A statement that does not select exactly one plain entity, or a model whose columns are not named
as its attributes, is read as ORM instances, as before.
"""

from __future__ import annotations

import keyword
from collections import namedtuple
from typing import Any

from sqlalchemy import Select, inspect
from sqlalchemy.orm import Mapper

# model -> whether its rows can be read as records (computed once per model).
_FIT: dict[type, bool] = {}
# (model, the result's column names in order) -> its record class.
_CLASSES: dict[tuple[type, tuple[str, ...]], type] = {}


def record_model(stmt: Select[Any]) -> type | None:
    """The model ``stmt`` selects when its rows can be read as records, else None (read instances).

    That is a ``select(Model)`` of one plain (not aliased, not inherited) mapped class whose columns
    are named as its attributes, so that the result's column names are the attribute names."""
    descriptions = stmt.column_descriptions
    if len(descriptions) != 1:
        return None
    description = descriptions[0]
    entity = description.get("entity")
    if entity is None or description.get("type") is not entity or description.get("aliased"):
        return None
    fit = _FIT.get(entity)
    if fit is None:
        fit = _FIT[entity] = _fit(entity)
    return entity if fit else None


def _fit(model: type) -> bool:
    mapper: Mapper[Any] = inspect(model)
    if mapper.inherits is not None or mapper.polymorphic_on is not None or mapper.with_polymorphic:
        return False
    table = mapper.local_table
    for attribute in mapper.column_attrs:
        key = attribute.key
        if not key.isidentifier() or key.startswith("_") or keyword.iskeyword(key):
            return False
        if len(attribute.columns) != 1 or getattr(attribute.columns[0], "table", None) is not table:
            return False
        if attribute.columns[0].name != key:
            return False
    return bool(mapper.column_attrs)


def record_class(model: type, names: tuple[str, ...]) -> type:
    """The record class of ``model`` for a result with these column names (made once per pair)."""
    cls = _CLASSES.get((model, names))
    if cls is None:
        cls = _CLASSES[(model, names)] = _make(model, names)
    return cls


def _make(model: type, names: tuple[str, ...]) -> type:
    namespace: dict[str, Any] = {
        "__slots__": (),
        "__tablename__": getattr(model, "__tablename__", None),
        "__doc__": f"A read-only record of a {model.__name__} row (api/records.py).",
        # ORM instances compare and hash by identity; a named tuple would by value (and fail to hash
        # a JSON column's dict).
        "__eq__": object.__eq__,
        "__ne__": object.__ne__,
        "__hash__": object.__hash__,
    }
    for klass in reversed(model.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, property) and name not in names:
                namespace[name] = value
    base = namedtuple(f"{model.__name__}Record", names)  # type: ignore[misc]
    return type(f"{model.__name__}Record", (base,), namespace)
