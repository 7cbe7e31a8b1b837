"""Whole dashboard answers from the indicator cache: the GraphQL document, not only the figures.

A cached dashboard still cost GraphQL the completion of every field of the answer (about 1,300 for a
county's year with its units: 20-30 ms of CPU) on top of rebuilding the figures. An operation whose
only root field is ``dashboard`` is a function of its text, its variables and the cached figures
(no field of a dashboard depends on who asks, once the jurisdiction may be read), so its ``data`` is
stored in the same cache, under the same generations as the figures, and served as it is.

Before every read the jurisdiction's readability is checked and the generations are read, exactly
as for the figures (:func:`core.indicators.service.read_through`), so an answer is never older than
a committed write nor handed to someone who could not compute it. Anything else (another root field
beside it, a fragment at the root, a subscription or mutation, an error) runs as usual and is not
stored.

Once this process has run such an operation through the whole pipeline (so its text parsed and
validated against this schema, and passed the limits), the operation's *shape* is remembered: the
text and operation name, and where its ``jurisdictionId`` comes from. The HTTP view then answers a
later request with the same text from the cache before strawberry parses, validates or executes
anything (:func:`cached_answer`): the principal, the rate limit, the readability check and the
generations are the same as above, and an entry exists only for variables that once ran without an
error, so the answer is the one the full pipeline would give. A miss hands its plan to the extension,
so the freshness statement runs once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import orjson
from graphql import ExecutionResult, FieldNode, OperationDefinitionNode, ValueNode
from graphql.language import StringValueNode, VariableNode
from redis.exceptions import RedisError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult as HTTPExecutionResult
from strawberry.types.graphql import OperationType

from api.common import gid
from core.clock import CHINA
from core.db import is_outage
from core.errors import DomainError
from core.indicators.cache import IndicatorCache
from core.indicators.service import cache_stamp
from core.lru import LRU
from core.redis_guard import log_fallback

if TYPE_CHECKING:
    from api.context import Context

log = logging.getLogger("caseload.indicators")

CACHED_ROOT_FIELDS = frozenset({"dashboard"})


def document_key(
    query: str, operation_name: str | None, variables: dict[str, Any] | None, today: dt.date
) -> str:
    """The cache key of one operation's answer: its text, operation name and variables, and today."""
    text = json.dumps([query, operation_name, variables or {}], sort_keys=True, ensure_ascii=False)
    return f"document:{hashlib.sha256(text.encode()).hexdigest()}:{today.isoformat()}"


def _root_field(operation: OperationDefinitionNode) -> FieldNode | None:
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    field = selections[0]
    return field if field.name.value in CACHED_ROOT_FIELDS and not field.directives else None


@dataclass(frozen=True)
class Shape:
    """Where a dashboard-only operation takes its ``jurisdictionId`` from: a variable or a literal."""

    variable: str | None
    literal: Any = None

    @classmethod
    def of(cls, field: FieldNode) -> Shape:
        for argument in field.arguments or ():
            if argument.name.value == "jurisdictionId":
                value: ValueNode = argument.value
                if isinstance(value, VariableNode):
                    return cls(value.name.value)
                if isinstance(value, StringValueNode):
                    return cls(None, value.value)
                return cls(None, getattr(value, "value", None))
        return cls(None)

    def jurisdiction(self, variables: dict[str, Any]) -> Any:
        return variables.get(self.variable) if self.variable is not None else self.literal


class Shapes(LRU[tuple[str, str | None], Shape]):
    """The shapes of the dashboard-only operations this process has validated, by (text, name)."""

    def __init__(self, maxsize: int = 256) -> None:
        super().__init__(maxsize)


@dataclass(frozen=True)
class Plan:
    cache: IndicatorCache
    jurisdiction_id: int
    stamp: str
    key: str


async def _plan_for(
    context: Context, shape: Shape, query: str, operation_name: str | None, variables: dict[str, Any]
) -> Plan | None:
    """Check readability and read the generations; None when the resolver must answer (an error)."""
    app = context.app
    cache = app.indicator_cache
    if cache is None:
        return None
    try:
        jurisdiction_id = gid(shape.jurisdiction(variables), "jurisdictionId")
        stamp = await context.read_ctx(lambda ctx: cache_stamp(cache, ctx, jurisdiction_id))
    except DomainError:  # not an id, or not readable: the resolver gives the answer and the error
        return None
    today = app.clock().astimezone(CHINA).date()
    return Plan(cache, jurisdiction_id, stamp, document_key(query, operation_name, variables, today))


def _reraise_outage(exc: Exception) -> None:
    """An OSError from the database (a refused connection while planning) is the database's outage,
    answered as one, not the cache's: only Redis errors are the cache being unavailable."""
    if not isinstance(exc, RedisError) and is_outage(exc):
        raise exc


async def cached_answer(
    context: Context, query: str | None, operation_name: str | None, variables: dict[str, Any] | None
) -> HTTPExecutionResult | None:
    """The cached answer of an operation this process has validated before, or None (run it)."""
    if query is None or context.app.indicator_cache is None:
        return None
    shape = context.app.document_shapes.get((query, operation_name))
    if shape is None:
        return None
    try:
        plan = await _plan_for(context, shape, query, operation_name, variables or {})
        if plan is None:
            return None
        raw = await plan.cache.get_raw(plan.jurisdiction_id, plan.stamp, plan.key)
    except (RedisError, OSError) as exc:
        _reraise_outage(exc)
        log_fallback(log, "indicator cache unavailable (%s); answering without it", exc)
        return None
    if raw is None:
        context.document_plan = plan  # the extension stores the answer under it
        return None
    await context.close()  # what CloseReadSession does at the end of an operation
    # The stored JSON goes into the response as it is: the view encodes with orjson, which embeds a
    # Fragment without decoding it (decoding a county's dashboard costs about half a millisecond).
    return HTTPExecutionResult(data=cast("dict[str, Any]", orjson.Fragment(raw)), errors=None)


async def store_answer(plan: Plan, data: dict[str, Any]) -> None:
    """Keep an answer computed without errors under the plan it was looked up with."""
    try:
        await plan.cache.set(plan.jurisdiction_id, plan.stamp, plan.key, data)
    except (RedisError, OSError) as exc:
        _reraise_outage(exc)
        log_fallback(log, "indicator cache unavailable (%s); answer not cached", exc)


class DashboardDocuments(SchemaExtension):
    """Serve a dashboard-only query's whole answer from the indicator cache (see the module)."""

    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        try:
            planned = await self._plan()
        except (RedisError, OSError) as exc:
            _reraise_outage(exc)
            log_fallback(log, "indicator cache unavailable (%s); answering without it", exc)
            planned = None
        if planned is None:
            yield
            return
        plan, looked_up = planned
        if not looked_up:
            try:
                raw = await plan.cache.get_raw(plan.jurisdiction_id, plan.stamp, plan.key)
            except (RedisError, OSError) as exc:
                _reraise_outage(exc)
                log_fallback(log, "indicator cache unavailable (%s); answering without it", exc)
                yield
                return
            if raw is not None:
                ec.result = ExecutionResult(data=orjson.loads(raw))
                yield
                return
        yield
        result = ec.result
        if isinstance(result, ExecutionResult) and not result.errors and result.data is not None:
            await store_answer(plan, result.data)

    async def _plan(self) -> tuple[Plan, bool] | None:
        """The plan, and whether the HTTP view already looked it up in the cache (and missed)."""
        ec = self.execution_context
        context = ec.context
        app = getattr(context, "app", None)
        document = ec.graphql_document
        if app is None or app.indicator_cache is None or document is None or ec.query is None:
            return None
        if ec.pre_execution_errors:
            return None
        try:
            operation = ec.operation_type
        except Exception:
            return None
        if operation is not OperationType.QUERY:
            return None
        definitions = [
            d
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
            and (ec.operation_name is None or (d.name is not None and d.name.value == ec.operation_name))
        ]
        if len(definitions) != 1:
            return None
        field = _root_field(definitions[0])
        if field is None:
            return None
        shape = Shape.of(field)
        # Keyed by what the request named (strawberry fills in the document's only operation's name
        # when none is given), as the HTTP view will look it up.
        requested = getattr(context, "requested_operation", None)
        name = requested[1] if requested is not None and requested[0] == ec.query else ec.operation_name
        app.document_shapes.put((ec.query, name), shape)
        looked_up: Plan | None = getattr(context, "document_plan", None)
        if looked_up is not None:
            return looked_up, True
        plan = await _plan_for(context, shape, ec.query, name, ec.variables or {})
        return (plan, False) if plan is not None else None
