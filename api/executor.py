"""graphql-core's executor with a short way through the fields that only read an attribute.

A page of 50 disputes completes about 700 fields, and four in five of them are plain attributes of a
row (``id``, ``status``, ``receivedDate``) serialised as a scalar or an enum. graphql-core runs each
through the whole field machinery: a response path, a ``GraphQLResolveInfo`` built by strawberry,
the argument check, strawberry's attribute getter, ``complete_value`` recursing once for a non-null
type, two awaitable checks, and for an enum a scan of its members. That was most of the executor's
share of the page.

For a field whose resolver is strawberry's attribute getter (a field with no resolver, no permission
classes or other field extensions, no exception handler: ``StrawberryField.is_basic_field``), with no
arguments and a leaf type (a scalar or an enum, nullable or not), and only when no middleware wraps
the resolvers (strawberry turns extensions with a ``resolve`` hook into middleware), this executor
reads the attribute with strawberry's own getter and coerces it with the type's own
``coerce_output_value``, building neither the path nor the info. An enum member is looked up in a
table of the names strawberry's scan gives each member, computed once; a str for graphql-core's
String or ID, a bool for its Boolean and an int for its ID are what those types make of them, without
the call. Whatever is unusual takes
graphql-core's own code from the point reached, so that errors, their paths and their messages are
graphql-core's: a getter that raises, a null for a non-null type, an exception, an awaitable, or a
value the coercion refuses.

Fields with a resolver never take this way: among them the personal-data fields, which mask or
audit in their resolver (``api.common.personal_field``).

What each field needs is worked out once per field of the schema (``LEAF_PLANS``), and once per
request for each selection set the executor meets (graphql-core memoises the collected subfields,
so the 50 disputes of a page share one).

The objects and lists of a page (about 140 and 120) took graphql-core seven calls each from the
value to its fields or items (``complete_value`` twice for a non-null type, then
``complete_object_value``, ``collect_and_execute_subfields``, ``execute_collected_subfields``; for a
list ``complete_list_value`` and, per item, ``complete_list_item_value`` and the same again), and a
look for ``@stream`` on every list. Here an object of an object type without ``is_type_of`` goes
straight to its fields, and a Python list of such objects is completed in one loop, when nothing
is deferred or streamed; null items, exceptions and awaitables take graphql-core's code.

A field with arguments (``obligations(openOnly: true)`` of every case) had its arguments coerced
from the document for every row; here they are coerced once per request and field, when every value
is an immutable scalar (variables do not change during a request).

A field with a resolver of its own (``litigationCases``, ``hearings``, ``outcome``: about 145 per
page) went through strawberry's wrapper: its Info, ``get_arguments`` (argument conversion and the
``self``/``root``/``parent``/``info`` parameters), an extension chain built with ``reduce`` and
``partial`` even when empty, and two more calls before the resolver. When the wrapper has nothing
but that to do (no permission classes or other field extensions, no exception handlers, no
middleware), this executor does the same itself (``call_resolver``): the same Info, the arguments
converted by strawberry's own ``convert_arguments`` (once per request when they are immutable), the
resolver called with them. Everything else, and every field when middleware is installed, goes
through strawberry's wrapper.

Together, on the benchmark's page (``benchmarks/executor_ab.py`` alternates this context and the
stock one in one process): about 29,000 Python function calls per request instead of 52,000, and
about a fifth less CPU per request; graphql-core's own code is 3% of the page's CPU.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
import weakref
from collections.abc import Callable
from typing import Any, NamedTuple

from graphql import (
    Executor,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import collect_iterator_awaitables, to_nodes
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path, UndefinedType, gather_with_cancel
from graphql.type.scalars import serialize_boolean, serialize_id, serialize_string
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver

# Values of these exact types are neither awaitables nor exceptions (no need to ask), nor mutable.
PLAIN_TYPES = frozenset(
    {str, int, float, bool, dt.date, dt.datetime, dt.time, dt.timedelta, decimal.Decimal, uuid.UUID}
)
IMMUTABLE_TYPES = PLAIN_TYPES | {type(None)}


class LeafPlan(NamedTuple):
    """How to read and serialise a basic leaf field."""

    field: StrawberryField  # its default_resolver (getattr) is what strawberry's getter calls
    attribute: str
    nullable: bool
    coerce: Callable[[Any], Any]
    same: type | None  # values of exactly this type are their own serialisation
    int_as_str: bool  # an int serialises as its str (graphql-core's ID)
    enum_class: type | None
    enum_names: dict[Any, str]


# id of a field of a schema → (a weak reference to the field, its plan). GraphQLField is not hashable;
# an entry goes with its field (tests build many schemas).
LEAF_PLANS: dict[int, tuple[weakref.ref[GraphQLField], LeafPlan | None]] = {}


def leaf_plan(field_def: GraphQLField) -> LeafPlan | None:
    """The plan of a field that may take the short way, or None (computed once per field)."""
    key = id(field_def)
    entry = LEAF_PLANS.get(key)
    if entry is not None and entry[0]() is field_def:
        return entry[1]
    plan = _leaf_plan(field_def)
    LEAF_PLANS[key] = (weakref.ref(field_def, lambda _ref: LEAF_PLANS.pop(key, None)), plan)
    return plan


def _leaf_plan(field_def: GraphQLField) -> LeafPlan | None:
    definition = (field_def.extensions or {}).get("strawberry-definition")
    resolve = field_def.resolve
    if (
        not isinstance(definition, StrawberryField)
        or not definition.is_basic_field
        or type(definition).get_result is not StrawberryField.get_result
        or definition.is_subscription
        or field_def.args
        or resolve is None
        or getattr(resolve, "__name__", None) != "_get_basic_result"
        or not getattr(resolve, "_is_default", False)
    ):
        return None
    return_type: GraphQLOutputType = field_def.type
    nullable = not isinstance(return_type, GraphQLNonNull)
    named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
    if not isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return None
    enum_class: type | None = None
    enum_names: dict[Any, str] = {}
    wrapped = getattr(named, "wrapped_cls", None)  # strawberry's CustomGraphQLEnumType
    if isinstance(named, GraphQLEnumType) and isinstance(wrapped, type) and issubclass(wrapped, enum.Enum):
        enum_class = wrapped
        for member in wrapped.__members__.values():
            try:
                name = named.coerce_output_value(member)
            except Exception:  # left to graphql-core, which reports it
                continue
            if isinstance(name, str):
                enum_names[member] = name
    # What graphql-core's own String, ID and Boolean give for these exact types.
    coerce = named.coerce_output_value
    same: type | None = None
    if coerce is serialize_string or coerce is serialize_id:
        same = str
    elif coerce is serialize_boolean:
        same = bool
    return LeafPlan(
        definition,
        definition.python_name,
        nullable,
        coerce,
        same,
        coerce is serialize_id,
        enum_class,
        enum_names,
    )


class ResolverPlan(NamedTuple):
    """How to call a field's own resolver as strawberry's wrapper would, without the wrapper."""

    field: StrawberryField
    call: Callable[..., Any]  # the resolver's function
    info_class: type
    pass_self: bool  # the source as the first positional argument (a method's ``self``)
    source_names: tuple[str, ...]  # keyword parameters given the source (``root``, ``parent``)
    info_name: str | None  # the keyword parameter given strawberry's Info
    arguments: list[Any]  # the field's StrawberryArguments
    config: Any
    scalar_registry: Any


# id of a field of a schema → (a weak reference to the field, its plan), as LEAF_PLANS.
RESOLVER_PLANS: dict[int, tuple[weakref.ref[GraphQLField], ResolverPlan | None]] = {}


def resolver_plan(field_def: GraphQLField, schema: Any) -> ResolverPlan | None:
    """The plan of a field whose resolver may be called directly, or None (computed once per field)."""
    key = id(field_def)
    entry = RESOLVER_PLANS.get(key)
    if entry is not None and entry[0]() is field_def:
        return entry[1]
    plan = _resolver_plan(field_def, schema)
    RESOLVER_PLANS[key] = (weakref.ref(field_def, lambda _ref: RESOLVER_PLANS.pop(key, None)), plan)
    return plan


def _resolver_plan(field_def: GraphQLField, schema: Any) -> ResolverPlan | None:
    definition = (field_def.extensions or {}).get("strawberry-definition")
    resolve = field_def.resolve
    strawberry_schema = getattr(schema, "_strawberry_schema", None)
    converter = getattr(strawberry_schema, "schema_converter", None)
    handlers = getattr(converter, "_get_field_exception_handlers", None)
    if (
        not isinstance(definition, StrawberryField)
        or definition.base_resolver is None
        or definition.extensions
        or type(definition).get_result is not StrawberryField.get_result
        or definition.is_subscription
        or resolve is None
        or getattr(resolve, "__qualname__", "").rpartition(".")[2] not in {"_resolver", "_async_resolver"}
        or ".from_resolver." not in getattr(resolve, "__qualname__", "")
        or handlers is None
        or handlers(definition)
    ):
        return None
    resolver = definition.base_resolver
    if type(resolver).__call__ is not StrawberryResolver.__call__ or not callable(resolver.wrapped_func):
        return None
    source_names = tuple(
        parameter.name
        for parameter in (resolver.parent_parameter, resolver.root_parameter)
        if parameter is not None
    )
    info_parameter = resolver.info_parameter
    assert strawberry_schema is not None and converter is not None
    return ResolverPlan(
        definition,
        resolver.wrapped_func,
        strawberry_schema.config.info_class,
        resolver.self_parameter is not None,
        source_names,
        info_parameter.name if info_parameter is not None else None,
        definition.arguments,
        strawberry_schema.config,
        converter.scalar_registry,
    )


# A selection set's fields as this executor runs them: response name, field details, the field's
# definition (None: not in the schema) and its leaf plan (None: graphql-core's way).
PlannedFields = list[tuple[str, FieldDetailsList, GraphQLField | None, LeafPlan | None]]


class StrawberryExecutor(Executor):
    """Strawberry's execution context (its resolve info, the operation's extensions) on graphql-core's
    plain executor rather than its incremental one.

    This schema declares neither ``@defer`` nor ``@stream`` (strawberry adds them only when its
    experimental incremental execution is enabled; ``tests/api/test_executor.py`` checks), so the
    incremental executor strawberry derives from had nothing to do but set up its bookkeeping: about
    10 µs of the 40 µs graphql-core spends on ``{ __typename }``. graphql-core's plain executor
    would execute a deferred fragment inline, which the incremental-delivery proposal allows.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        operation_extensions = kwargs.pop("operation_extensions", None)
        super().__init__(*args, **kwargs)
        self.operation_extensions = operation_extensions

    # strawberry's resolve info (with the operation's extensions), as the function itself: a wrapper
    # would cost a call for each of a page's fields.
    build_resolve_info: Any = StrawberryGraphQLCoreExecutionContext.build_resolve_info


class CaseloadExecutionContext(StrawberryExecutor):
    """Strawberry's execution context: basic leaf fields read and serialised directly, objects and
    lists of objects completed without graphql-core's intermediate steps, arguments coerced once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._short_way = manager is None or not manager.middlewares
        # (parent type, selection set) → the planned fields; shared with sub-executors (copies).
        self._planned: dict[tuple[int, int], tuple[Any, Any, PlannedFields]] = {}
        # id of an output type → (the type, what completes its values directly: an object type, a list's
        # item type, or None), and the field groups known not to be streamed; both shared likewise.
        self._shapes: dict[int, tuple[Any, Any, Any]] = {}
        self._not_streamed: dict[int, FieldDetailsList] = {}
        # id of a field's details → (the details, its field, its argument values) when they are all
        # immutable: a field of a page's rows is given the same arguments for every row.
        # The fourth item: the arguments strawberry's conversion gave, when they are immutable too.
        self._arguments: dict[int, list[Any]] = {}

    def planned_fields(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> PlannedFields:
        key = (id(parent_type), id(grouped_field_set))
        cached = self._planned.get(key)
        if cached is not None:
            return cached[2]
        get_field = self.schema.get_field
        planned: PlannedFields = []
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            field_def = get_field(parent_type, node.name.value)
            plan = leaf_plan(field_def) if field_def is not None and not node.arguments else None
            planned.append((response_name, field_details_list, field_def, plan))
        # Keep the keys' objects alive with the entry, so that their ids are not reused meanwhile.
        self._planned[key] = (parent_type, grouped_field_set, planned)
        return planned

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        # The root's fields (path None) have resolvers: planning them would only cost a small query.
        if path is None or not self._short_way:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        # graphql-core's execute_fields, with the short way for basic leaf fields.
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        parent_name = parent_type.name
        try:
            for response_name, field_details_list, field_def, plan in self.planned_fields(
                parent_type, grouped_field_set
            ):
                if plan is not None:
                    try:
                        value = plan.field.default_resolver(source_value, plan.attribute)
                    except Exception as raw_error:
                        # What execute_field does when the resolver raises.
                        assert field_def is not None
                        self.handle_field_error(
                            raw_error,
                            field_def.type,
                            field_details_list,
                            Path(path, response_name, parent_name),
                        )
                        results[response_name] = None
                        continue
                    if value is None or value is Undefined:
                        if plan.nullable:
                            results[response_name] = None
                            continue
                    elif type(value) is plan.same:
                        results[response_name] = value
                        continue
                    elif type(value) is plan.enum_class:
                        name = plan.enum_names.get(value)
                        if name is not None:
                            results[response_name] = name
                            continue
                    elif type(value) is int and plan.int_as_str:
                        results[response_name] = str(value)
                        continue
                    elif type(value) in PLAIN_TYPES or not (
                        isinstance(value, Exception) or is_awaitable(value)
                    ):
                        try:
                            coerced = plan.coerce(value)
                        except Exception:
                            coerced = None  # graphql-core coerces it again and reports the error
                        if coerced is not None and coerced is not Undefined:
                            results[response_name] = coerced
                            continue
                    assert field_def is not None
                    result = self.complete_resolved(
                        parent_type,
                        field_def,
                        field_details_list,
                        Path(path, response_name, parent_name),
                        value,
                        position_context,
                    )
                else:
                    result = self.execute_field(
                        parent_type,
                        source_value,
                        field_details_list,
                        Path(path, response_name, parent_name),
                        position_context,
                    )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise

        if not awaitable_fields:
            return results
        return self.gather_fields(results, awaitable_fields)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> AwaitableOrValue[Any] | UndefinedType:
        """graphql-core's execute_field, with the argument values computed once per request."""
        first_field_details = field_details_list[0]
        first_field_node = first_field_details.node
        field_name = first_field_node.name.value
        field_def = self.schema.get_field(parent_type, field_name)
        if not field_def:
            return Undefined

        return_type = field_def.type
        resolve_fn = field_def.resolve or self.field_resolver

        if self.middleware_manager:
            resolve_fn = self.middleware_manager.get_field_resolver(resolve_fn)

        info = self.build_resolve_info(field_def, to_nodes(field_details_list), parent_type, path)
        plan = resolver_plan(field_def, self.schema) if self._short_way else None

        try:
            remembered = None
            if field_def.args or first_field_node.arguments:
                remembered = self._arguments.get(id(first_field_details))
                if remembered is not None and remembered[1] is field_def:
                    args = remembered[2]
                else:
                    remembered = None
                    args = get_argument_values(
                        field_def,
                        first_field_node,
                        self.variable_values,
                        first_field_details.fragment_variable_values,
                        self.hide_suggestions,
                    )
                    if all(type(value) in IMMUTABLE_TYPES for value in args.values()):
                        remembered = self._arguments[id(first_field_details)] = [
                            first_field_details,
                            field_def,
                            args,
                            None,
                        ]
            else:
                args = {}

            if plan is None:
                result = resolve_fn(source, info, **args)
            else:
                result = self.call_resolver(plan, source, info, args, remembered)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        return self.complete_result(return_type, field_details_list, info, path, result, position_context)

    def call_resolver(
        self,
        plan: ResolverPlan,
        source: Any,
        info: GraphQLResolveInfo,
        args: dict[str, Any],
        remembered: list[Any] | None,
    ) -> Any:
        """What strawberry's wrapper around the resolver does (``get_arguments``, then the resolver with
        the source, its Info and the converted arguments), without the wrapper's layers: its
        extension chain is empty for these fields. The converted arguments are kept with the
        remembered argument values when they are immutable too (an enum member, a scalar)."""
        strawberry_info = plan.info_class(_raw_info=info, _field=plan.field)
        converted = remembered[3] if remembered is not None else None
        if converted is None:
            converted = (
                convert_arguments(
                    args,
                    plan.arguments,
                    scalar_registry=plan.scalar_registry,
                    config=plan.config,
                    info=strawberry_info,
                )
                if plan.arguments
                else {}
            )
            if remembered is not None and all(
                type(value) in IMMUTABLE_TYPES or isinstance(value, enum.Enum) for value in converted.values()
            ):
                remembered[3] = converted
        kwargs = dict(converted)
        for name in plan.source_names:
            kwargs[name] = source
        if plan.info_name is not None:
            kwargs[plan.info_name] = strawberry_info
        if plan.pass_self:
            return plan.call(source, **kwargs)
        return plan.call(**kwargs)

    async def gather_fields(self, results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
        """graphql-core's ``get_results`` in execute_fields."""
        if len(awaitable_fields) == 1:
            field = awaitable_fields[0]
            results[field] = await results[field]
        else:
            awaited_results = await gather_with_cancel(*(results[field] for field in awaitable_fields))
            results.update(zip(awaitable_fields, awaited_results, strict=True))
        return results

    def complete_resolved(
        self,
        parent_type: GraphQLObjectType,
        field_def: GraphQLField,
        field_details_list: FieldDetailsList,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        """The rest of graphql-core's execute_field, once the resolver has returned ``result``."""
        info = self.build_resolve_info(field_def, to_nodes(field_details_list), parent_type, path)
        return self.complete_result(field_def.type, field_details_list, info, path, result, position_context)

    def complete_result(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        """graphql-core's execute_field from the resolver's result on: complete it, an error located on
        the field (null for a nullable field, raised on for a non-null one)."""
        try:
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, path, result, position_context
                )
            completed = self.complete_value(
                return_type, field_details_list, info, path, result, position_context
            )
            if self.is_awaitable(completed):

                async def await_completed() -> Any:
                    try:
                        return await completed
                    except Exception as raw_error:
                        self.handle_field_error(raw_error, return_type, field_details_list, path)
                        return None

                return await_completed()
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        return completed

    def shape(self, return_type: GraphQLOutputType) -> tuple[Any, Any, Any]:
        """(the type, its object type or None, its list item type or None), once per request."""
        shape = self._shapes.get(id(return_type))
        if shape is None:
            named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
            object_type = named if isinstance(named, GraphQLObjectType) and named.is_type_of is None else None
            item_type = named.of_type if isinstance(named, GraphQLList) else None
            shape = self._shapes[id(return_type)] = (return_type, object_type, item_type)
        return shape

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        """graphql-core's complete_value, straight to the end for an object or a list.

        An object of an object type without ``is_type_of`` (possibly non-null, not deferred) goes
        straight to its fields, which is where complete_object_value leads; a Python list straight to
        complete_iterable_value, where complete_list_value leads. Any other value or type, null and
        exceptions included, takes graphql-core's way.
        """
        _, object_type, item_type = self.shape(return_type)
        if result is not None and result is not Undefined:
            if object_type is not None:
                if position_context is None and not isinstance(result, Exception):
                    grouped_field_set, new_defer_usages, _ = self.collect_subfields(
                        object_type, field_details_list
                    )
                    if not new_defer_usages:
                        return self.execute_fields(object_type, result, path, grouped_field_set, None)
            elif item_type is not None and type(result) is list:
                return self.complete_iterable_value(
                    item_type, field_details_list, info, path, result, position_context
                )
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        items: Any,
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        """graphql-core's complete_iterable_value, with a list of objects completed in the loop.

        Only for a Python list of an object type without ``is_type_of``, not streamed nor deferred;
        an item that is null, an exception or an awaitable is completed by graphql-core's own code.
        """
        object_type = self.shape(item_type)[1]
        if object_type is None or type(items) is not list or position_context is not None:
            return super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
        if id(field_details_list) not in self._not_streamed:
            if self.get_stream_usage(field_details_list, path) is not None:
                return super().complete_iterable_value(
                    item_type, field_details_list, info, path, items, position_context
                )
            if not isinstance(path.key, int):  # get_stream_usage looked at the directive
                self._not_streamed[id(field_details_list)] = field_details_list
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, field_details_list)
        if new_defer_usages:
            return super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
        is_awaitable = self.is_awaitable
        execute_fields = self.execute_fields
        completed_results: list[Any] = []
        append_completed = completed_results.append
        awaitable_indices: list[int] = []
        iterator = iter(items)
        index = 0
        try:
            for item in iterator:
                item_path = Path(path, index, None)
                if item is None or item is Undefined or isinstance(item, Exception) or is_awaitable(item):
                    if is_awaitable(item):
                        append_completed(
                            self.complete_awaitable_list_item_value(
                                item, item_type, field_details_list, info, item_path, None
                            )
                        )
                        awaitable_indices.append(index)
                    elif self.complete_list_item_value(
                        item, completed_results, item_type, field_details_list, info, item_path, None
                    ):
                        awaitable_indices.append(index)
                else:
                    # complete_list_item_value, with complete_value's way for an object.
                    try:
                        completed = execute_fields(object_type, item, item_path, grouped_field_set, None)
                    except Exception as raw_error:
                        self.handle_field_error(raw_error, item_type, field_details_list, item_path)
                        append_completed(None)
                    else:
                        if is_awaitable(completed):
                            append_completed(
                                self.await_item(completed, item_type, field_details_list, item_path)
                            )
                            awaitable_indices.append(index)
                        else:
                            append_completed(completed)
                index += 1
        except Exception:
            # As graphql-core: settle the awaitables made so far and those left in the list.
            maybe_awaitables = [completed_results[index] for index in awaitable_indices]
            maybe_awaitables.extend(collect_iterator_awaitables(iterator, is_awaitable))
            if maybe_awaitables:
                self.settle_in_background(maybe_awaitables)
            raise

        if not awaitable_indices:
            return completed_results
        return self.gather_items(completed_results, awaitable_indices)

    async def await_item(
        self, completed: Any, item_type: GraphQLOutputType, field_details_list: FieldDetailsList, path: Path
    ) -> Any:
        """``await_completed`` in graphql-core's complete_list_item_value."""
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, item_type, field_details_list, path)
            return None

    async def gather_items(self, completed_results: list[Any], awaitable_indices: list[int]) -> list[Any]:
        """``get_completed_results`` in graphql-core's complete_iterable_value."""
        if len(awaitable_indices) == 1:
            index = awaitable_indices[0]
            completed_results[index] = await completed_results[index]
        else:
            awaited_results = await gather_with_cancel(
                *(completed_results[index] for index in awaitable_indices)
            )
            for index, sub_result in zip(awaitable_indices, awaited_results, strict=True):
                completed_results[index] = sub_result
        return completed_results
