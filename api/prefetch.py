"""Loading a page's nested lists up front, so graphql-core completes the page without awaiting.

A nested field (``Dispute.litigationCases``, ``LitigationCase.hearings`` …) resolves through a
per-request loader keyed by its parent row (``api/loaders.py``). Resolved one parent at a time, a page
of 50 disputes costs one coroutine, one future and one gather per parent and field, and each level
waits for the one above. Instead, a connection (``paginate``) looks at what its nodes select and,
for every field registered here, loads the whole level in one call of that same loader, level by
level, priming it. The nested resolvers are synchronous and find their values already loaded
(``Loader.get``), so the page completes in one synchronous pass.

The statements are the loaders' own, scoped to the principal as they always are, and as many as the
nested fields would have issued (one per field and level); a field that is not registered, or that
a node reaches otherwise, still loads through its loader when it is resolved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSkipDirective,
    InlineFragmentNode,
    SelectionNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values

if TYPE_CHECKING:
    from graphql import GraphQLResolveInfo

    from api.context import Context
    from api.loaders import Loader


@dataclass(frozen=True, slots=True)
class Relation:
    """A nested field that can be loaded for many parents at once.

    ``loader(context, arguments)`` is the very loader the field's resolver uses (``arguments``: the
    field's coerced GraphQL arguments, by their GraphQL names); ``key`` is the parent row's attribute
    the resolver loads by (rows whose key is ``None`` are skipped, as the resolver skips them).
    """

    loader: Callable[[Context, dict[str, Any]], Loader[Any, Any]]
    key: str = "id"


# GraphQL type name -> GraphQL field name -> relation. Filled by the types modules.
RELATIONS: dict[str, dict[str, Relation]] = {}


def relation(
    type_name: str,
    field_name: str,
    loader: Callable[[Context, dict[str, Any]], Loader[Any, Any]],
    key: str = "id",
) -> None:
    """Register ``type_name.field_name`` (GraphQL names) as loadable for a whole page at once."""
    RELATIONS.setdefault(type_name, {})[field_name] = Relation(loader, key)


def _variables(info: GraphQLResolveInfo) -> VariableValues:
    """The operation's coerced variables as graphql-core's argument coercion takes them (strawberry's
    resolve info holds the plain dict)."""
    values: Any = info.variable_values
    if isinstance(values, VariableValues):
        return values
    return VariableValues(sources={}, coerced=dict(values or {}))


def _included(node: SelectionNode, variables: VariableValues) -> bool:
    if not node.directives:
        return True
    skip = get_directive_values(GraphQLSkipDirective, node, variables)
    if skip and skip["if"]:
        return False
    include = get_directive_values(GraphQLIncludeDirective, node, variables)
    return not (include and not include["if"])


def subfields(
    info: GraphQLResolveInfo, nodes: Iterable[FieldNode], variables: VariableValues
) -> Iterable[FieldNode]:
    """The fields selected under ``nodes``, through fragments, without those @skip/@include leave out."""
    stack: list[SelectionNode] = []
    for node in nodes:
        if node.selection_set:
            stack.extend(reversed(node.selection_set.selections))
    while stack:
        selection = stack.pop()
        if not _included(selection, variables):
            continue
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            stack.extend(reversed(selection.selection_set.selections))
        elif isinstance(selection, FragmentSpreadNode):
            fragment = info.fragments.get(selection.name.value)
            if fragment is not None:
                stack.extend(reversed(fragment.selection_set.selections))


async def prefetch(
    info: GraphQLResolveInfo,
    rows: Sequence[Any],
    type_: Any,
    nodes: Sequence[FieldNode],
    variables: VariableValues,
) -> None:
    """Load, for all ``rows`` (of GraphQL type ``type_``, selected by ``nodes``), every registered
    relation they select, and below it what the loaded rows select, one statement per loader."""
    relations = RELATIONS.get(getattr(type_, "name", ""))
    if not rows or not relations or not isinstance(type_, GraphQLObjectType):
        return
    context: Context = info.context
    # One entry per loader: two selections of a field with the same arguments (aliases, fragments)
    # share their loader, and what each selects below it is merged.
    plans: dict[int, tuple[Loader[Any, Any], Relation, Any, list[FieldNode]]] = {}
    for node in subfields(info, nodes, variables):
        name = node.name.value
        found = relations.get(name)
        if found is None:
            continue
        field = type_.fields[name]
        arguments = get_argument_values(field, node, variables) if field.args else {}
        loader = found.loader(context, arguments)
        plan = plans.setdefault(id(loader), (loader, found, get_named_type(field.type), []))
        plan[3].append(node)
    for loader, found, child_type, child_nodes in plans.values():
        keys = [k for k in (getattr(row, found.key) for row in rows) if k is not None]
        children: list[Any] = []
        for value in await loader.prefetch(keys):
            if isinstance(value, list):
                children.extend(value)
            elif value is not None:
                children.append(value)
        await prefetch(info, children, child_type, child_nodes, variables)


async def prefetch_connection(info: GraphQLResolveInfo, rows: Sequence[Any]) -> None:
    """``prefetch`` for the nodes of a connection field (``nodes`` and ``edges { node }``)."""
    if not rows or not RELATIONS:
        return
    connection = get_named_type(info.return_type)
    if not isinstance(connection, GraphQLObjectType) or "nodes" not in connection.fields:
        return
    variables = _variables(info)
    node_nodes: list[FieldNode] = []
    for field in subfields(info, info.field_nodes, variables):
        if field.name.value == "nodes":
            node_nodes.append(field)
        elif field.name.value == "edges":
            node_nodes.extend(f for f in subfields(info, [field], variables) if f.name.value == "node")
    if node_nodes:
        node_type = get_named_type(connection.fields["nodes"].type)
        await prefetch(info, rows, node_type, node_nodes, variables)


def many(model: Any, fk: str, **options: Any) -> Callable[..., Loader[int, list[Any]]]:
    """``context.loaders.many(model, fk, **options)`` as a function of the context: what a resolver
    calls and what its relation registers, so both reach the same loader."""

    def accessor(context: Context, arguments: dict[str, Any] | None = None) -> Loader[int, list[Any]]:
        return context.loaders.many(model, fk, **options)

    return accessor


def by_id(model: Any) -> Callable[..., Loader[int, Any]]:
    """``context.loaders.by_id(model)`` as a function of the context (see ``many``)."""

    def accessor(context: Context, arguments: dict[str, Any] | None = None) -> Loader[int, Any]:
        return context.loaders.by_id(model)

    return accessor
