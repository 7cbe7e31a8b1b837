"""Operations this process has already run through the whole pipeline, executed again without it.

Strawberry runs every request through its schema extensions (parsing and validation caches, our
limits, error masking, closing the read session): about 30 hook calls and a quarter of a millisecond
before and after the resolvers even for ``{ __typename }``, which made a trivial query cost about
nine times a plain Starlette endpoint. Most requests repeat a few operations, so once an operation's
text has passed the whole pipeline in this process (parsed within the token limit, validated
against this schema with the depth, alias and introspection rules), its parsed document and type are
remembered, and the next request with the same text and operation name is executed by graphql-core
directly, with what the extensions would still do for it done here:

- the cost limit (it depends on the page sizes in the variables): over the limit, the request takes
  the whole pipeline, which refuses it with the usual error;
- the operation type against the HTTP method (a mutation is never run from a GET);
- errors logged by the schema (``process_errors``) and unexpected ones masked;
- the read session closed (and personal-data reads audited), and a dashboard stored in the cache
  when the HTTP view looked it up and missed (api/indicators/document_cache.py).

Variables are coerced by graphql-core as usual. Nothing is remembered from a failed parse or
validation, so a rejected text is rejected again the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import DocumentNode, GraphQLError, execute
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import SchemaExtension
from strawberry.schema._graphql_core import execution_context_class_kwargs
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.hardening import _COSTS, MAX_COST, mask_internal_errors, without_suggestions
from api.indicators.document_cache import store_answer
from api.limits import input_length_errors, may_be_too_long
from core.lru import LRU

if TYPE_CHECKING:
    from strawberry.schema.base import BaseSchema

    from api.context import Context

REMEMBERED_TYPES = frozenset({OperationType.QUERY, OperationType.MUTATION})


@dataclass(frozen=True)
class Prepared:
    document: DocumentNode
    kind: OperationType


class PreparedOperations(LRU[tuple[str, str | None], Prepared]):
    """(query text, operation name as the request gave it) → the document that passed the pipeline."""

    def __init__(self, maxsize: int = 512) -> None:
        super().__init__(maxsize)


class RememberPrepared(SchemaExtension):
    """Remember an operation that reached execution (it parsed, validated and passed the limits)."""

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        app = getattr(ec.context, "app", None)
        operations: PreparedOperations | None = getattr(app, "prepared", None)
        # The text and operation name as the HTTP request gave them (the view sets them; strawberry's
        # own ``operation_name`` is the document's when the request names none).
        requested = getattr(ec.context, "requested_operation", None)
        if operations is not None and requested is not None and ec.graphql_document is not None:
            query, name = requested
            try:
                kind = ec.operation_type
            except Exception:  # no such operation: graphql-core reports it
                kind = None
            if query == ec.query and kind in REMEMBERED_TYPES and not ec.pre_execution_errors:
                operations.put((query, name), Prepared(ec.graphql_document, kind))
        yield


def allowed_types(method: str) -> set[OperationType]:
    """What an HTTP method may run (strawberry's rule: queries by GET, anything by POST)."""
    return OperationType.from_http("GET" if method == "GET" else "POST")


async def execute_prepared(
    schema: BaseSchema,
    context: Context,
    query: str | None,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    method: str,
) -> ExecutionResult | None:
    """Run a remembered operation without the pipeline; None when it must take the pipeline."""
    operations: PreparedOperations = context.app.prepared
    prepared = operations.get((query, operation_name)) if query is not None else None
    if prepared is None or prepared.kind not in allowed_types(method):
        return None
    if may_be_too_long(variables) and input_length_errors(schema._schema, prepared.document, variables):  # type: ignore[attr-defined]
        return None  # the pipeline refuses it with the errors
    graphql_schema = schema._schema  # type: ignore[attr-defined]
    if _COSTS.cost(graphql_schema, query, prepared.document, operation_name, variables) > MAX_COST:
        return None
    try:
        # The arguments strawberry's Schema.execute gives graphql-core (strawberry/schema/schema.py).
        outcome: Any = execute(
            graphql_schema,
            prepared.document,
            root_value=None,
            variable_values=variables,
            operation_name=operation_name,
            context_value=context,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
            **execution_context_class_kwargs(schema.execution_context_class),  # type: ignore[attr-defined]
            operation_extensions=None,
        )
        result: GraphQLExecutionResult = await outcome if optimized_is_awaitable(outcome) else outcome
    finally:
        await context.close()  # what CloseReadSession does at the end of an operation
    errors: list[GraphQLError] | None = result.errors
    data = result.data
    if errors:
        schema.process_errors(errors)
        errors = mask_internal_errors(errors, context.principal.request_id)
        if context.app.settings.production:
            errors = without_suggestions(errors)
    elif context.document_plan is not None and data is not None:
        await store_answer(context.document_plan, data)
    return ExecutionResult(data=data, errors=errors)
