"""POST /graphql of an operation this process already knows, answered without strawberry's HTTP view.

Once an operation has passed the whole pipeline in this process, its execution skips strawberry's
schema extensions (api/prepared.py) and a dashboard's answer comes from the cache
(api/indicators/document_cache.py). What remained of a trivial request's cost was strawberry's HTTP
view around them (request adapter, sub-response, batching and streaming checks, result processing,
a runtime ``Protocol`` check on the result, a starlette ``Response``): about 40% of the request.

This endpoint sits in front of the view. For a JSON POST of one operation it builds the context the
way the view does (:meth:`api.app.CaseloadGraphQL.get_context`: the principal and the rate limit)
and, when the operation is known, answers itself with what the view would send: the same JSON
document (``data``, and ``errors`` formatted by graphql-core), status 200, ``application/json``; a
refused principal or rate limit is the same plain-text status. Everything else goes to strawberry's
view unchanged: a GET, a WebSocket, another content type, a multipart or event-stream ``Accept``,
a batch or malformed body, an operation not seen yet, one over the cost limit. A JSON POST that
falls through is handed to the view with its body already read and its context already built, so a
bearer token is checked once and the rate limit counted once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from strawberry.http import GraphQLRequestData, process_result
from strawberry.types import ExecutionResult

from api.hardening import (
    RETRY_AFTER_SECONDS,
    RateLimited,
    has_outage,
    rate_limited_response,
    unavailable_error,
)
from api.indicators.document_cache import cached_answer
from api.prepared import execute_prepared
from core.db import is_outage

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send
    from strawberry.schema.base import BaseSchema

    from api.app import CaseloadGraphQL
    from api.context import Context

PLAIN_JSON = frozenset(
    {b"application/json", b"application/json; charset=utf-8", b"application/json;charset=utf-8"}
)
log = logging.getLogger("caseload.api")
_JSON_HEADERS = [(b"content-type", b"application/json")]


def parse_operation(body: bytes) -> GraphQLRequestData | None:
    """One operation from a JSON body, or None when strawberry's parsing should judge it."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    query, variables = data.get("query"), data.get("variables")
    name, extensions = data.get("operationName"), data.get("extensions")
    if (
        isinstance(query, str | None)
        and isinstance(variables, dict | None)
        and isinstance(extensions, dict | None)
        and isinstance(name, str | None)
    ):
        return GraphQLRequestData(query, variables, name, extensions, "http")
    return None


async def answer_known(
    schema: BaseSchema, context: Context, operation: GraphQLRequestData, method: str
) -> ExecutionResult | None:
    """A cached dashboard, or a remembered operation run without the pipeline; None: the pipeline.

    Tried once per request: the context records the operation, and the view does not try again.
    """
    query, name, variables = operation.query, operation.operation_name, operation.variables
    context.requested_operation = (query, name)
    answer = await cached_answer(context, query, name, variables)
    if answer is None:
        answer = await execute_prepared(schema, context, query, name, variables, method)
    return answer


def _kind(scope: Scope) -> tuple[bool, bool]:
    """(a POST of plain JSON, a streamed answer asked for: multipart or event-stream ``Accept``)."""
    content_type = accept = b""
    for key, value in scope["headers"]:
        if key == b"content-type":
            content_type = value
        elif key == b"accept":
            accept = value
    streamed = b"multipart" in accept or b"event-stream" in accept
    return scope["method"] == "POST" and content_type in PLAIN_JSON and not streamed, streamed


class GraphQLEndpoint:
    """The ASGI app at /graphql: known JSON POSTs answered here, anything else by strawberry's view."""

    def __init__(self, view: CaseloadGraphQL) -> None:
        self.view = view

    @property
    def schema(self) -> BaseSchema:
        return self.view.schema

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.view(scope, receive, send)
            return
        plain_json, streamed = _kind(scope)
        # Admission: at most Settings.concurrency_limit requests run at once in this process, the
        # others wait in arrival order (asyncio.Semaphore is first come, first served). Without it a
        # burst interleaves every request on one core and the database pool hands connections to
        # newcomers before earlier waiters: under 50 clients a page's p99 was three times its median.
        # A streamed subscription lives as long as its client, so it is not counted.
        admission = scope["app"].state.caseload.admission
        if admission is None or streamed:
            await self._http(scope, receive, send, plain_json)
            return
        async with admission:
            await self._http(scope, receive, send, plain_json)

    async def _http(self, scope: Scope, receive: Receive, send: Send, plain_json: bool) -> None:
        if not plain_json:
            await self.view(scope, receive, send)
            return
        request = Request(scope, receive)
        context: Any = None
        try:
            context = await self.view.get_context(request, None)
            answer: Any = None
            operation = parse_operation(await request.body())
            if operation is not None:
                answer = await answer_known(self.view.schema, context, operation, "POST")
            if answer is None:
                response = await self.view.run(request, context=context)
                await response(scope, receive, send)
                return
        except RateLimited as exc:
            await rate_limited_response(exc)(scope, receive, send)
            return
        except HTTPException as exc:  # as strawberry's view answers it
            await PlainTextResponse(exc.reason, status_code=exc.status_code)(scope, receive, send)
            return
        except Exception as exc:
            if not is_outage(exc):
                raise
            # The database failed before any resolver ran (signing the principal in, say).
            request_id = getattr(getattr(context, "principal", None), "request_id", None)
            log.error("database unavailable (request %s): %s", request_id or "-", exc)
            answer = ExecutionResult(data=None, errors=[unavailable_error(request_id or "-")])
        body = orjson.dumps(process_result(answer))
        outage = has_outage(answer.errors)
        retry = [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())] if outage else []
        await send(
            {
                "type": "http.response.start",
                "status": 503 if outage else 200,
                "headers": [(b"content-length", str(len(body)).encode()), *_JSON_HEADERS, *retry],
            }
        )
        await send({"type": "http.response.body", "body": body})
