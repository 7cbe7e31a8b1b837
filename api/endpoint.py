"""/graphql over HTTP as the GraphQL-over-HTTP specification describes it (GET and POST, media types,
status codes), answered without strawberry's HTTP view.

https://graphql.github.io/graphql-over-http/draft/ — what this endpoint does about it:

- **Response media type** by the ``Accept`` header: ``application/graphql-response+json`` when the
  client accepts it at least as much as ``application/json``, else ``application/json`` (also when
  ``Accept`` is missing, ``*/*``, or names neither: the legacy default).
- **Request errors** (nothing executed: unreadable JSON, a parameter of the wrong type, no query, a
  document that does not parse or validate, variables that do not coerce, an unknown operation
  name) are 400 under ``application/graphql-response+json``, without a ``data`` entry; under
  ``application/json`` the spec asks legacy clients to get 200 for a GraphQL error (parse,
  validation, coercion) and 400 only for a request that is not GraphQL at all. A mutation by GET is
  405 with ``Allow: POST``; a POST without a JSON body type is 415.
- Every error body is GraphQL's JSON shape (``errors[].message`` in Chinese, ``extensions.code``
  and ``extensions.messageEn``), so a client parses one shape whatever failed; a database outage
  is 503 with ``Retry-After``; a refused token stays the view's plain-text 401.

Strawberry's view keeps what is not a plain request: WebSockets, streamed answers (a multipart or
event-stream ``Accept``) and GraphiQL (a GET without a query from a browser).

Execution: a cached dashboard (api/indicators/document_cache.py), else an operation this process
has run before (api/prepared.py), else strawberry's whole pipeline (``schema.execute``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLRequestData, process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.hardening import (
    RETRY_AFTER_SECONDS,
    RateLimited,
    has_outage,
    rate_limited_response,
    unavailable_error,
)
from api.indicators.document_cache import cached_answer
from api.ops import REPORT_KEY, operation_of
from api.persisted import PersistedQueryError
from api.prepared import allowed_types, execute_prepared
from core.db import is_outage

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send
    from strawberry.schema.base import BaseSchema

    from api.app import CaseloadGraphQL
    from api.context import Context

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
PLAIN_JSON = frozenset(
    {b"application/json", b"application/json; charset=utf-8", b"application/json;charset=utf-8"}
)
log = logging.getLogger("caseload.api")


class RequestError(Exception):
    """A request the endpoint refuses before running anything (a 4xx), with the error to answer."""

    def __init__(
        self,
        status: int,
        message: str,
        message_en: str,
        code: str = "bad_request",
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.status = status
        self.message = message
        self.message_en = message_en
        self.code = code
        self.headers = headers or {}
        self.extensions = extensions or {}

    def body(self) -> dict[str, Any]:
        extensions = {"code": self.code, "messageEn": self.message_en, **self.extensions}
        return {"errors": [{"message": self.message, "extensions": extensions}]}


def _bad_parameter(name: str, expected_zh: str, expected_en: str) -> RequestError:
    return RequestError(
        400,
        f"请求参数 {name} 应为{expected_zh}",
        f"the request parameter `{name}` must be {expected_en}",
        extensions={"field": name},
    )


def _qualities(accept: str) -> dict[str, float]:
    """Media type (lower case) → its quality in an ``Accept`` header (1 unless ``q`` says otherwise)."""
    found: dict[str, float] = {}
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        found[media.lower()] = max(quality, found.get(media.lower(), 0.0))
    return found


def response_media_type(accept: str | None) -> str:
    """``application/graphql-response+json`` when asked for (by name, at least as much as
    ``application/json``), else ``application/json`` (the spec's default for legacy clients)."""
    if not accept or "graphql-response" not in accept:
        return APPLICATION_JSON
    qualities = _qualities(accept)
    wanted = qualities.get(GRAPHQL_RESPONSE_JSON, 0.0)
    legacy = max(
        qualities.get(APPLICATION_JSON, 0.0), qualities.get("application/*", 0.0), qualities.get("*/*", 0.0)
    )
    return GRAPHQL_RESPONSE_JSON if wanted > 0 and wanted >= legacy else APPLICATION_JSON


def _json_parameter(raw: str, name: str) -> Any:
    """A GET parameter holding JSON (``variables``, ``extensions``); empty means absent."""
    if raw == "":
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _bad_parameter(name, "JSON 对象", "a JSON object") from None


def request_parameters(
    method: str, query_string: bytes, content_type: str | None, body: bytes
) -> dict[str, Any]:
    """The request's GraphQL parameters (a JSON body for POST, the URL for GET), checked as a map."""
    if method == "GET":
        params: dict[str, Any] = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
        for name in ("variables", "extensions"):
            if name in params:
                params[name] = _json_parameter(params[name], name)
        return params
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != APPLICATION_JSON:
        raise RequestError(
            415,
            "请求内容类型应为 application/json",
            "a GraphQL POST must have Content-Type: application/json",
            code="unsupported_media_type",
        )
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise RequestError(
            400, "请求内容不是有效的 JSON", "the request body is not valid JSON (UTF-8)"
        ) from None
    if isinstance(data, list):
        raise RequestError(
            400,
            "不支持批量请求，请逐个发送",
            "batched requests are not supported: send one operation per request",
        )
    if not isinstance(data, dict):
        raise RequestError(400, "请求内容应为 JSON 对象", "the request body must be a JSON object")
    return data


def graphql_request(params: dict[str, Any]) -> GraphQLRequestData:
    """Type checks of the parameters (``query``, ``operationName``: strings; ``variables``,
    ``extensions``: maps; each may be null)."""
    query, name = params.get("query"), params.get("operationName")
    variables, extensions = params.get("variables"), params.get("extensions")
    if not isinstance(query, str | None):
        raise _bad_parameter("query", "字符串", "a string")
    if not isinstance(name, str | None):
        raise _bad_parameter("operationName", "字符串", "a string")
    if not isinstance(variables, dict | None):
        raise _bad_parameter("variables", "JSON 对象", "a map")
    if not isinstance(extensions, dict | None):
        raise _bad_parameter("extensions", "JSON 对象", "a map")
    return GraphQLRequestData(query, variables, name or None, extensions, "http")


def parse_operation(body: bytes) -> GraphQLRequestData | None:
    """One operation from a JSON body, or None when it is not one (the caller answers that)."""
    try:
        return graphql_request(request_parameters("POST", b"", APPLICATION_JSON, body))
    except RequestError:
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


async def execute(
    schema: BaseSchema, context: Context, operation: GraphQLRequestData, method: str
) -> ExecutionResult:
    """The operation's result by the shortest way that gives the same answer, or a RequestError."""
    answer = await answer_known(schema, context, operation, method)
    if answer is not None:
        return answer
    if not operation.query:
        raise RequestError(
            400, "请求缺少 query 参数（GraphQL 文档）", "the request has no `query` (GraphQL document)"
        )
    try:
        return await schema.execute(
            operation.query,
            variable_values=operation.variables,
            context_value=context,
            operation_name=operation.operation_name,
            allowed_operation_types=allowed_types(method),
            operation_extensions=operation.extensions,
        )
    except MissingQueryError:
        raise RequestError(
            400, "请求缺少 query 参数（GraphQL 文档）", "the request has no `query` (GraphQL document)"
        ) from None
    except CannotGetOperationTypeError as exc:
        # A GraphQL request error (GetOperation fails), not a malformed HTTP request: 200 for legacy
        # clients, 400 under the new media type, as for a validation error.
        name = exc.operation_name
        message = (
            f"文档中没有名为 {name} 的操作 / no operation named {name!r} in the document"
            if name
            else "文档含多个操作时须以 operationName 指明执行哪一个 / the document has several "
            "operations: name one in `operationName`"
        )
        error = GraphQLError(message, extensions={"code": "bad_request", "field": "operationName"})
        return ExecutionResult(data=None, errors=[error])
    except InvalidOperationTypeError as exc:
        if method == "GET" and exc.operation_type is OperationType.MUTATION:
            raise RequestError(
                405,
                "变更（mutation）只能用 POST 发送",
                "mutations must be sent by POST, not GET",
                code="method_not_allowed",
                headers={"Allow": "POST"},
            ) from None
        raise RequestError(
            400,
            "订阅（subscription）须经 WebSocket 或流式响应发送",
            "subscriptions are served over the WebSocket (graphql-transport-ws) or a streamed response",
        ) from None


def is_request_error(result: ExecutionResult) -> bool:
    """Errors raised before execution began (parse, validation, variable coercion, limits): no data,
    and no error located on a field."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
        and not any((error.extensions or {}).get("code") == "internal_error" for error in result.errors or ())
    )


def error_codes(result: ExecutionResult) -> list[tuple[str, str]]:
    """(code, kind) of each error for /metrics: the response's errors, and those a mutation's payload
    returned as data (``{field: {errors: [{code}]}}``, when the client selected the code)."""
    codes: list[tuple[str, str]] = []
    for error in result.errors or ():
        code = (error.extensions or {}).get("code")
        if error.path is None:
            fallback = "parse_error" if error.message.startswith("Syntax Error") else "validation"
            codes.append((str(code) if code else fallback, "request"))
        else:
            codes.append((str(code) if code else "field_error", "field"))
    if isinstance(result.data, dict):
        for value in result.data.values():
            payload_errors = value.get("errors") if isinstance(value, dict) else None
            if isinstance(payload_errors, list):
                for item in payload_errors:
                    code = item.get("code") if isinstance(item, dict) else None
                    codes.append((str(code) if code else "unspecified", "payload"))
    return codes


@dataclass
class Answer:
    """What goes back: status, body (GraphQL's JSON shape) and extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def answer_for(result: ExecutionResult, media_type: str) -> Answer:
    """The HTTP answer for a GraphQL result under the negotiated media type."""
    body: dict[str, Any] = dict(process_result(result))
    errors: list[GraphQLError] | None = result.errors
    if has_outage(errors):  # answered as an outage: retry later, not a bug
        return Answer(503, body, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    if is_request_error(result) and media_type == GRAPHQL_RESPONSE_JSON:
        body.pop("data", None)  # the spec: no data entry when execution did not start
        return Answer(400, body, {})
    return Answer(200, body, {})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _streamed(accept: str | None) -> bool:
    return bool(accept) and ("multipart" in accept or "event-stream" in accept)  # type: ignore[operator]


def _browser_wants_ide(scope: Scope, accept: str | None) -> bool:
    """strawberry's rule for GraphiQL: a GET with no query (nor a persisted query's hash) from a
    client accepting HTML."""
    if scope["method"] != "GET" or not accept or not ("text/html" in accept or "*/*" in accept):
        return False
    params = parse_qsl(bytes(scope.get("query_string", b"")).decode("latin-1"))
    return not any(key in ("query", "extensions") for key, _ in params)


async def _send(send: Send, status: int, body: bytes, media_type: str, headers: dict[str, str]) -> None:
    # JSON is UTF-8 by definition; the new media type is sent as the specification's examples send it.
    content_type = media_type if media_type == APPLICATION_JSON else media_type + "; charset=utf-8"
    raw = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *((key.lower().encode(), value.encode()) for key, value in headers.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class GraphQLEndpoint:
    """The ASGI app at /graphql: requests answered here, streams, WebSockets and GraphiQL by the view."""

    def __init__(self, view: CaseloadGraphQL) -> None:
        self.view = view

    @property
    def schema(self) -> BaseSchema:
        return self.view.schema

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.view(scope, receive, send)
            return
        accept = _header(scope, b"accept")
        streamed = _streamed(accept)
        if streamed or scope["method"] not in ("GET", "POST") or _browser_wants_ide(scope, accept):
            await self.view(scope, receive, send)
            return
        # Admission: at most Settings.concurrency_limit requests run at once in this process, the
        # others wait in arrival order (asyncio.Semaphore is first come, first served). Without it a
        # burst interleaves every request on one core and the database pool hands connections to
        # newcomers before earlier waiters: under 50 clients a page's p99 was three times its median.
        # A streamed subscription lives as long as its client, so it is not counted (it went above).
        admission = scope["app"].state.caseload.admission
        if admission is None:
            await self._http(scope, receive, send, accept)
            return
        async with admission:
            await self._http(scope, receive, send, accept)

    async def _http(self, scope: Scope, receive: Receive, send: Send, accept: str | None) -> None:
        media_type = response_media_type(accept)
        method = scope["method"]
        request = Request(scope, receive)
        context: Any = None
        report: dict[str, Any] = scope.get(REPORT_KEY, {})  # read by api/ops.py for /metrics
        try:
            context = await self.view.get_context(request, None)
            body = await request.body() if method == "POST" else b""
            params = request_parameters(
                method, scope.get("query_string", b""), _header(scope, b"content-type"), body
            )
            resolved = await context.app.persisted.resolve(graphql_request(params))
            if isinstance(resolved, ExecutionResult):  # PersistedQueryNotFound: the client resends
                result = resolved
            else:
                report["operation"] = operation_of(resolved.query, resolved.operation_name)
                result = await execute(self.view.schema, context, resolved, method)
        except PersistedQueryError as exc:
            error = RequestError(400, exc.message, exc.message_en, code=exc.code)
            report["errors"] = [(exc.code, "request")]
            await _send(send, 400, orjson.dumps(error.body()), media_type, {})
            return
        except RequestError as exc:
            report["errors"] = [(exc.code, "request")]
            await _send(send, exc.status, orjson.dumps(exc.body()), media_type, exc.headers)
            return
        except RateLimited as exc:
            report["errors"] = [("rate_limited", "request")]
            await rate_limited_response(exc)(scope, receive, send)
            return
        except HTTPException as exc:  # a refused token: as strawberry's view answers it
            report["errors"] = [("unauthenticated", "request")]
            await PlainTextResponse(exc.reason, status_code=exc.status_code)(scope, receive, send)
            return
        except Exception as exc:
            if not is_outage(exc):
                raise
            # The database failed before any resolver ran (signing the principal in, say).
            request_id = getattr(getattr(context, "principal", None), "request_id", None)
            log.error("database unavailable (request %s): %s", request_id or "-", exc)
            result = ExecutionResult(data=None, errors=[unavailable_error(request_id or "-")])
        report["errors"] = error_codes(result)
        answer = answer_for(result, media_type)
        await _send(send, answer.status, orjson.dumps(answer.body), media_type, answer.headers)
