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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import ExecutionResult, FieldNode, OperationDefinitionNode, ValueNode
from graphql.language import StringValueNode, VariableNode
from redis.exceptions import RedisError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from api.common import gid
from core.clock import CHINA
from core.errors import DomainError
from core.indicators.cache import IndicatorCache
from core.indicators.service import cache_stamp

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


def _argument(field: FieldNode, name: str, variables: dict[str, Any]) -> Any:
    for argument in field.arguments or ():
        if argument.name.value == name:
            value: ValueNode = argument.value
            if isinstance(value, VariableNode):
                return variables.get(value.name.value)
            if isinstance(value, StringValueNode):
                return value.value
            return getattr(value, "value", None)
    return None


class DashboardDocuments(SchemaExtension):
    """Serve a dashboard-only query's whole answer from the indicator cache (see the module)."""

    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        planned = await self._plan()
        if planned is None:
            yield
            return
        cache, jurisdiction_id, stamp, key = planned
        try:
            raw = await cache.get_raw(jurisdiction_id, stamp, key)
        except (RedisError, OSError) as exc:
            log.warning("indicator cache unavailable (%s); answering without it", exc)
            yield
            return
        if raw is not None:
            ec.result = ExecutionResult(data=json.loads(raw))
            yield
            return
        yield
        result = ec.result
        if isinstance(result, ExecutionResult) and not result.errors and result.data is not None:
            try:
                await cache.set(jurisdiction_id, stamp, key, result.data)
            except (RedisError, OSError) as exc:
                log.warning("indicator cache unavailable (%s); answer not cached", exc)

    async def _plan(self) -> tuple[IndicatorCache, int, str, str] | None:
        ec = self.execution_context
        context = ec.context
        app = getattr(context, "app", None)
        cache: IndicatorCache | None = getattr(app, "indicator_cache", None)
        document = ec.graphql_document
        if app is None or cache is None or document is None or ec.query is None or ec.pre_execution_errors:
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
        variables = ec.variables or {}
        raw_id = _argument(field, "jurisdictionId", variables)
        try:
            jurisdiction_id = gid(raw_id, "jurisdictionId")
            stamp = await context.read_ctx(lambda ctx: cache_stamp(cache, ctx, jurisdiction_id))
        except DomainError:  # not an id, or not readable: the resolver gives the answer and the error
            return None
        except (RedisError, OSError) as exc:
            log.warning("indicator cache unavailable (%s); answering without it", exc)
            return None
        today = app.clock().astimezone(CHINA).date()
        return cache, jurisdiction_id, stamp, document_key(ec.query, ec.operation_name, variables, today)
