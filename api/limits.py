"""Length limits on every string a request carries, checked before any resolver runs.

Every string argument and input field, written in the document or sent as a variable, is held to a
limit: a text filter to 200 characters (a longer LIKE pattern is refused by SQLite and slow
everywhere), a field stored in a column to that column's length (found from the models, so a new
column needs nothing here), anything else to ``DEFAULT_LIMIT``. File contents (``…Base64``) are
bounded by the request body limit instead. A refusal names the input path (``input.title``,
``filter.text``) and the limit, in Chinese and English, with code ``too_long``; nothing runs.

The limit is found by the innermost argument or input-field name, which is how the API names its
inputs after the columns they fill (``applicantName`` → ``applicant_name``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    ObjectFieldNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableNode,
    Visitor,
    visit,
)
from sqlalchemy import String, Text
from strawberry.extensions import SchemaExtension

from core.db import Base

TEXT_FILTER_LIMIT = 200
DEFAULT_LIMIT = 2_000
LONG_TEXT_LIMIT = 20_000
# Names that are filters over text, whatever column they search.
TEXT_FILTERS = frozenset({"text", "search", "q", "query"})
STRING_SCALARS = frozenset({"String", "ID"})


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _length(column: Any) -> int | None:
    kind = getattr(column.type, "impl_instance", column.type)
    if isinstance(kind, Text):
        return LONG_TEXT_LIMIT
    if isinstance(kind, String) and kind.length:
        return int(kind.length)
    return None


@cache
def _model_limits() -> dict[str, dict[str, int]]:
    """Each model's string columns and their lengths, by model class name (Text: LONG_TEXT_LIMIT)."""
    found: dict[str, dict[str, int]] = {}
    for mapper in Base.registry.mappers:
        lengths = {c.name: n for c in mapper.local_table.columns if (n := _length(c)) is not None}
        found[mapper.class_.__name__] = lengths
    return found


@cache
def limit_for(name: str, owner: str = "") -> int | None:
    """The most characters a string input called ``name`` may have (None: no limit of its own).

    ``owner`` is the input type it sits in (``CreateOfficialInput``): the column of the model its
    name contains (``Official``) decides; without one, the shortest column of that name anywhere."""
    if name.lower().endswith("base64"):
        return None  # file contents: bounded by the request body limit
    if name in TEXT_FILTERS:
        return TEXT_FILTER_LIMIT
    column = _snake(name)
    models = _model_limits()
    owners = sorted((m for m in models if m in owner and column in models[m]), key=len, reverse=True)
    if owners:
        return models[owners[0]][column]
    lengths = [cols[column] for cols in models.values() if column in cols]
    return min(lengths) if lengths else DEFAULT_LIMIT


def _too_long(path: str, length: int, limit: int) -> GraphQLError:
    return GraphQLError(
        f"{path}：内容过长（{length} 字，上限 {limit} 字）/ {path} is too long "
        f"({length} characters, at most {limit})",
        extensions={"code": "too_long", "field": path, "maxLength": limit},
    )


def _walk_value(value: Any, type_: Any, path: str, name: str, owner: str = "") -> Iterator[GraphQLError]:
    """Strings too long in a variable's value, walked along its declared input type."""
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if value is None:
        return
    if isinstance(type_, GraphQLList):
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            yield from _walk_value(item, type_.of_type, f"{path}[{i}]", name, owner)
        return
    if isinstance(type_, GraphQLInputObjectType) and isinstance(value, Mapping):
        for key, item in value.items():
            field = type_.fields.get(key)
            if field is not None:
                yield from _walk_value(item, field.type, f"{path}.{key}", key, type_.name)
        return
    if isinstance(type_, GraphQLScalarType) and type_.name in STRING_SCALARS and isinstance(value, str):
        limit = limit_for(name, owner)
        if limit is not None and len(value) > limit:
            yield _too_long(path, len(value), limit)


def _named(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


class _Lengths(Visitor):
    def __init__(self, type_info: TypeInfo, variables: Mapping[str, Any]) -> None:
        super().__init__()
        self.type_info = type_info
        self.variables = variables
        self.names: list[str] = []
        self.errors: list[GraphQLError] = []

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        self.names.append(node.name.value)

    def leave_argument(self, *_: Any) -> None:
        self.names.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        self.names.append(node.name.value)

    def leave_object_field(self, *_: Any) -> None:
        self.names.pop()

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if self.names:
            parent = self.type_info.get_parent_input_type()
            owner = getattr(_named(parent), "name", "") if parent is not None else ""
            limit = limit_for(self.names[-1], owner)
            if limit is not None and len(node.value) > limit:
                self.errors.append(_too_long(".".join(self.names), len(node.value), limit))

    def enter_variable(self, node: VariableNode, *_: Any) -> None:
        if not self.names:  # the variable's definition, not a use
            return
        type_: GraphQLInputType | None = self.type_info.get_input_type()
        name = node.name.value
        if type_ is not None and name in self.variables:
            path = ".".join(self.names)
            parent = self.type_info.get_parent_input_type()
            owner = getattr(_named(parent), "name", "") if parent is not None else ""
            self.errors.extend(_walk_value(self.variables[name], type_, path, self.names[-1], owner))


@cache
def shortest_limit() -> int:
    """No string shorter than this can be over any limit."""
    columns = [n for cols in _model_limits().values() for n in cols.values()]
    return min([TEXT_FILTER_LIMIT, DEFAULT_LIMIT, *columns])


def may_be_too_long(value: Any, shortest: int | None = None) -> bool:
    """Whether any string in a variables value is long enough to be over some limit: repeated
    operations skip the document walk when none is (ids, dates and short names)."""
    shortest = shortest_limit() if shortest is None else shortest
    if isinstance(value, str):
        return len(value) > shortest
    if isinstance(value, Mapping):
        return any(may_be_too_long(v, shortest) for v in value.values())
    if isinstance(value, list):
        return any(may_be_too_long(v, shortest) for v in value)
    return False


def input_length_errors(
    schema: Any, document: DocumentNode, variables: Mapping[str, Any] | None
) -> list[GraphQLError]:
    """Every string in ``document``'s arguments and in the variables it uses that is too long."""
    type_info = TypeInfo(schema)
    lengths = _Lengths(type_info, variables or {})
    visit(document, TypeInfoVisitor(type_info, lengths))
    return lengths.errors


class InputLengthLimit(SchemaExtension):
    """Refuse a request carrying a string over its limit, before it runs (see the module)."""

    def on_validate(self) -> Iterator[None]:
        # Placed after the validation cache (as CostLimit is): the document has been validated here.
        context = self.execution_context
        document = context.graphql_document
        if not context.pre_execution_errors and document is not None:
            errors = input_length_errors(context.schema._schema, document, context.variables)
            if errors:
                context.pre_execution_errors = errors
        yield
