"""Protections of the GraphQL endpoint: document limits, a cost limit, masked internal errors,
a request-body limit, per-principal rate limits and idempotency keys."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import re
import secrets
import time
import weakref
from collections import defaultdict
from collections.abc import Hashable, Iterator
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from redis.exceptions import RedisError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from api.pagination import MAX_PAGE
from core.db import is_outage
from core.errors import DomainError
from core.lru import LRU
from core.redis_guard import log_fallback
from core.requests.claims import CLAIM
from core.requests.models import IdempotencyKey

log = logging.getLogger("caseload.api")

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000
MAX_COST = 100_000


# ---------------------------------------------------------------------------------------------
# Document limits
# ---------------------------------------------------------------------------------------------


LIST_FACTOR = 5  # rows assumed for a nested list without a ``first`` argument (a case has a few hearings)


def estimate_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> int:
    """Fields × rows along each path: ``first: n`` returns n rows (variables resolved), another list
    field ``LIST_FACTOR`` rows; every field costs one unit per row it is resolved for."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == operation_name]
    variables = variables or {}

    def page_size(field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value in ("first", "last"):
                value: Any = None
                if isinstance(argument.value, IntValueNode):
                    value = int(argument.value.value)
                elif isinstance(argument.value, VariableNode):
                    value = variables.get(argument.value.name.value, MAX_PAGE)
                return max(1, min(value if isinstance(value, int) else MAX_PAGE, MAX_PAGE))
        return 1

    def cost(
        selection_set: SelectionSetNode | None, parent: Any, multiplier: int, seen: frozenset[str]
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                field_def = getattr(parent, "fields", {}).get(selection.name.value) if parent else None
                field_type = field_def.type if field_def is not None else None
                rows = page_size(selection)
                in_page = getattr(parent, "name", "").endswith("Connection")  # edges/nodes: rows counted
                if rows == 1 and not in_page and field_type is not None and _is_list(field_type):
                    rows = LIST_FACTOR
                named = get_named_type(field_type) if field_type is not None else None
                total += multiplier + cost(selection.selection_set, named, multiplier * rows, seen)
            elif isinstance(selection, InlineFragmentNode):
                total += cost(selection.selection_set, parent, multiplier, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is not None and name not in seen:
                    total += cost(fragment.selection_set, parent, multiplier, seen | {name})
        return total

    roots = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }
    return max(
        (cost(o.selection_set, roots.get(o.operation.value), 1, frozenset()) for o in operations), default=0
    )


def _is_list(graphql_type: Any) -> bool:
    while isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    return isinstance(graphql_type, GraphQLList)


class _CostMemo:
    """Estimated costs of recent operations, per schema (most requests repeat a few operations).

    A cost depends on the document, the operation chosen and the values of the variables given to
    ``first`` arguments; any other variable (or a non-integer one) counts as ``MAX_PAGE`` whatever
    its value. So the key is the query text, the operation name and the integer variables.
    """

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._costs: weakref.WeakKeyDictionary[GraphQLSchema, LRU[Hashable, int]] = (
            weakref.WeakKeyDictionary()
        )

    def cost(
        self,
        schema: GraphQLSchema,
        query: str | None,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> int:
        if query is None:
            return estimate_cost(schema, document, operation_name, variables)
        integers = tuple(sorted((k, v) for k, v in (variables or {}).items() if type(v) is int))
        key = (query, operation_name, integers)
        costs = self._costs.get(schema)
        if costs is None:
            costs = self._costs[schema] = LRU(self.maxsize)
        spent = costs.get(key)
        if spent is None:
            spent = estimate_cost(schema, document, operation_name, variables)
            costs.put(key, spent)
        return spent


_COSTS = _CostMemo()


class CostLimit(SchemaExtension):
    """Refuse an operation whose estimated cost exceeds ``MAX_COST`` (before it runs)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if not context.pre_execution_errors and document is not None:
            spent = _COSTS.cost(
                context.schema._schema, context.query, document, context.operation_name, context.variables
            )
            if spent > MAX_COST:
                context.pre_execution_errors = [
                    GraphQLError(
                        f"查询过于复杂（估算成本 {spent}，上限 {MAX_COST}）/ "
                        f"query too costly ({spent} > {MAX_COST}): request fewer rows or fewer nested lists",
                        extensions={"code": "query_too_costly", "cost": spent, "maxCost": MAX_COST},
                    )
                ]
        yield


UNAVAILABLE = "unavailable"
RETRY_AFTER_SECONDS = 5


def unavailable_error(request_id: str, nodes: Any = None, path: Any = None) -> GraphQLError:
    return GraphQLError(
        f"数据库暂时无法连接，请稍后重试（请求编号 {request_id}）/ the database is unavailable; "
        f"retry in a few seconds (request id {request_id})",
        nodes=nodes,
        path=path,
        extensions={"code": UNAVAILABLE, "dependency": "database", "requestId": request_id},
    )


def has_outage(errors: list[GraphQLError] | None) -> bool:
    """Whether a result's errors include the database outage (the HTTP answer is then 503)."""
    return any((e.extensions or {}).get("code") == UNAVAILABLE for e in errors or ())


def mask_internal_errors(errors: list[GraphQLError], request_id: str | None) -> list[GraphQLError]:
    """Unexpected errors replaced by a generic message with the request id (logged); expected ones kept;
    the database being unreachable answered as that (code ``unavailable``), not as a bug."""
    request_id = request_id or "-"
    masked: list[GraphQLError] = []
    for error in errors:
        original = error.original_error
        if original is None or isinstance(original, DomainError | GraphQLError):
            masked.append(error)
            continue
        if is_outage(original):
            log.error("database unavailable (request %s): %s", request_id, original)
            masked.append(unavailable_error(request_id, error.nodes, error.path))
            continue
        log.error("internal error (request %s)", request_id, exc_info=original)
        masked.append(
            GraphQLError(
                f"内部错误，请联系管理员（请求编号 {request_id}）/ internal error (request id {request_id})",
                nodes=error.nodes,
                path=error.path,
                extensions={"code": "internal_error", "requestId": request_id},
            )
        )
    return masked


_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def without_suggestions(errors: list[GraphQLError]) -> list[GraphQLError]:
    """graphql-core's "Did you mean …?" hints removed: in production they would map the schema that
    introspection keeps hidden, one guess at a time."""
    cleaned: list[GraphQLError] = []
    for error in errors:
        if "Did you mean" not in error.message:
            cleaned.append(error)
            continue
        cleaned.append(
            GraphQLError(
                _SUGGESTION.sub("", error.message),
                nodes=error.nodes,
                path=error.path,
                original_error=error.original_error,
                extensions=error.extensions,
            )
        )
    return cleaned


class HideSuggestions(SchemaExtension):
    """Production: no field, argument, type or enum suggestions in any error message."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = without_suggestions(result.errors or [])


class MaskInternalErrors(SchemaExtension):
    """Replace unexpected errors by a generic message with the request id; expected ones pass."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not getattr(result, "errors", None):
            return
        principal = getattr(self.execution_context.context, "principal", None)
        result.errors = mask_internal_errors(result.errors or [], getattr(principal, "request_id", None))


# Built once: ValidationCache keys its LRU on the validation rules, so rules created per request
# (each limiter builds a new validator class) would make every request validate from scratch.
_LIMIT_RULES = (
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
)


def hardening_extensions(production: bool) -> list[Any]:
    """Limits that validate the document (put before the validation cache); see ``CostLimit``."""
    extensions: list[Any] = [
        lambda: AddValidationRules(list(_LIMIT_RULES)),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        MaskInternalErrors,
    ]
    if production:
        extensions.extend([DisableIntrospection, HideSuggestions])
    return extensions


# ---------------------------------------------------------------------------------------------
# Request body limit
# ---------------------------------------------------------------------------------------------


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` with 413, whether or not Content-Length is sent."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _plain(send, 413, f"request body over {self.max_bytes} bytes / 请求内容过大")
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _plain(send, 413, f"request body over {self.max_bytes} bytes / 请求内容过大")


class _TooLarge(Exception):
    pass


async def _plain(send: Send, status: int, text: str, retry_after: int | None = None) -> None:
    body = json.dumps({"errors": [{"message": text}]}, ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# ---------------------------------------------------------------------------------------------
# Rate limits
# ---------------------------------------------------------------------------------------------


class RateLimited(HTTPException):
    """Raised while building a request's context when its principal is over the limit.

    Answered by :func:`rate_limited_response` (GraphQL's JSON error shape, not strawberry's plain
    text) so a GraphQL client doing a bulk load can parse it and wait ``Retry-After`` seconds.
    """

    def __init__(self, retry_after: int) -> None:
        super().__init__(429, "too many requests; slow down / 请求过于频繁，请稍后再试")
        self.retry_after = retry_after


def rate_limited_response(exc: RateLimited) -> JSONResponse:
    body = {
        "errors": [
            {
                "message": "请求过于频繁，请稍后再试",
                "extensions": {
                    "code": "rate_limited",
                    "messageEn": "too many requests; retry after the Retry-After header's seconds",
                    "retryAfter": exc.retry_after,
                },
            }
        ]
    }
    return JSONResponse(body, status_code=429, headers={"Retry-After": str(exc.retry_after)})


class RateLimiter:
    """Fixed-window request counts per principal: in Redis when configured, else in this process.

    If Redis is unreachable (or its circuit breaker is open, see core/redis_guard.py) the limiter
    counts in this process instead: each process then allows the limit on its own, availability
    first, and abuse by one caller is still bounded.
    """

    def __init__(self, limit_per_minute: int, redis: Any = None) -> None:
        self.limit = limit_per_minute
        self.redis = redis
        self._local: dict[tuple[str, int], int] = defaultdict(int)

    @staticmethod
    def retry_after() -> int:
        """Seconds until the current fixed window ends (at least 1)."""
        return max(1, 60 - int(time.time()) % 60)

    async def allow(self, who: str) -> bool:
        if self.limit <= 0:
            return True
        window = int(time.time() // 60)
        if self.redis is not None:
            key = f"caseload:rate:{who}:{window}"
            try:
                count = await self.redis.incr(key)
                if count == 1:
                    await self.redis.expire(key, 120)
                return bool(count <= self.limit)
            except (RedisError, OSError) as exc:
                log_fallback(log, "rate limiter: redis unavailable (%s); counting in this process", exc)
        self._local[(who, window)] += 1
        if len(self._local) > 10_000:
            for stale in [k for k in self._local if k[1] < window]:
                del self._local[stale]
        return self._local[(who, window)] <= self.limit


# ---------------------------------------------------------------------------------------------
# Idempotency keys
# ---------------------------------------------------------------------------------------------


class IdempotencyKeys:
    """``Idempotency-Key`` on a POST /graphql: a retried request gets the first response, not a
    second execution. Keys are scoped to the caller (token or development identity) and kept a day.

    A request holds its key under a lease (``LEASE_SECONDS``, renewed while it runs): a request that
    died (kill -9, a lost host) stops renewing, and a retry after the lease takes the key over
    instead of getting 409 for a day. Only final answers are kept — a result, or a domain error
    returned as data; an internal error, an outage (503), a rate limit (429) or a timeout releases
    the key so the retry runs. A mutation marks the key committed in its own transaction
    (core/requests/claims.py): a retry of a request that committed but whose answer was lost is told
    so (code ``idempotent_request_committed``), and never runs a second time.
    """

    HEADER = b"idempotency-key"
    TTL_SECONDS = 24 * 3600
    LEASE_SECONDS = 30.0  # default of CASELOAD_IDEMPOTENCY_LEASE
    # Error codes that are not the request's answer but a passing condition: the key is released.
    TRANSIENT_CODES = ("internal_error", "unavailable", "rate_limited", "timeout")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        key = headers.get(self.HEADER)
        if scope["type"] != "http" or scope.get("method") != "POST" or not key:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state.caseload
        body = await _read_body(receive)
        owner = hashlib.sha256(
            headers.get(b"authorization", b"") + b"|" + headers.get(b"x-caseload-user", b"")
        ).hexdigest()
        key_hash = hashlib.sha256(owner.encode() + b"|" + key).hexdigest()
        request_hash = hashlib.sha256(body).hexdigest()
        token = secrets.token_hex(16)
        lease = float(getattr(state.settings, "idempotency_lease", self.LEASE_SECONDS))
        if not await self._claim(state, send, key_hash, request_hash, token, lease):
            return
        captured: dict[str, Any] = {"status": 500, "body": b"", "headers": []}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        renew = asyncio.create_task(self._renew(state, key_hash, token, lease))
        claim = CLAIM.set((key_hash, token))
        try:
            await self.app(scope, _replay_body(body), capture)
        finally:
            CLAIM.reset(claim)
            renew.cancel()
            await asyncio.gather(renew, return_exceptions=True)
            await self._settle(state, key_hash, token, captured)

    async def _claim(
        self, state: Any, send: Send, key_hash: str, request_hash: str, token: str, lease: float
    ) -> bool:
        """Take the key for this request (True), or answer from it (False)."""
        now = time.time()
        async with state.session_factory() as session:
            try:
                async with session.begin():
                    await session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at < now))
                    session.add(
                        IdempotencyKey(
                            key_hash=key_hash,
                            request_hash=request_hash,
                            status_code=0,
                            response=None,
                            expires_at=now + self.TTL_SECONDS,
                            lease_token=token,
                            lease_until=now + lease,
                        )
                    )
                return True
            except IntegrityError:
                pass
            async with session.begin():
                existing = await session.scalar(
                    select(IdempotencyKey).where(IdempotencyKey.key_hash == key_hash)
                )
                if existing is None:  # released between our insert and this read: try once more
                    await _plain(
                        send, 409, "idempotency key busy, retry / 请求正在处理，请稍后重试", retry_after=1
                    )
                    return False
                if existing.request_hash != request_hash:
                    await _plain(
                        send,
                        422,
                        "Idempotency-Key reused with a different request / "
                        "幂等键（Idempotency-Key）已用于其他请求",
                    )
                    return False
                if existing.response is not None and existing.status_code:
                    await _replay(send, existing.status_code, existing.response)
                    return False
                lease_until = existing.lease_until or 0.0
                if lease_until > now:
                    wait = max(1, math.ceil(lease_until - now))
                    await _plain(
                        send,
                        409,
                        "the first request with this Idempotency-Key is still running / "
                        "请求正在处理，请稍后重试",
                        retry_after=wait,
                    )
                    return False
                if existing.committed_at is not None:
                    # It committed and died before its answer was stored: never run it again.
                    await _replay(send, 200, _COMMITTED_ANSWER)
                    return False
                # The first request died (its lease lapsed, nothing committed): this retry takes over.
                taken = await session.execute(
                    update(IdempotencyKey)
                    .where(
                        IdempotencyKey.key_hash == key_hash,
                        IdempotencyKey.lease_token.is_(existing.lease_token)
                        if existing.lease_token is None
                        else IdempotencyKey.lease_token == existing.lease_token,
                        IdempotencyKey.committed_at.is_(None),
                    )
                    .values(lease_token=token, lease_until=now + lease)
                    .execution_options(synchronize_session=False)
                )
                if getattr(taken, "rowcount", 1) == 0:
                    await _plain(
                        send, 409, "idempotency key busy, retry / 请求正在处理，请稍后重试", retry_after=1
                    )
                    return False
            return True

    async def _renew(self, state: Any, key_hash: str, token: str, lease: float) -> None:
        """Keep the lease while the request runs (a dead process stops renewing)."""
        while True:
            await asyncio.sleep(lease / 3)
            try:
                async with state.session_factory() as session, session.begin():
                    await session.execute(
                        update(IdempotencyKey)
                        .where(IdempotencyKey.key_hash == key_hash, IdempotencyKey.lease_token == token)
                        .values(lease_until=time.time() + lease)
                        .execution_options(synchronize_session=False)
                    )
            except Exception as exc:  # the database is away: the request itself will say so
                log.warning("idempotency lease not renewed: %s", exc)

    async def _settle(self, state: Any, key_hash: str, token: str, captured: dict[str, Any]) -> None:
        """Keep a final answer; release the key after a transient one (the retry runs for real)."""
        status = int(captured["status"])
        text = captured["body"].decode("utf-8", errors="replace")
        final = status < 500 and status != 429 and not any(f'"{c}"' in text for c in self.TRANSIENT_CODES)
        try:
            async with state.session_factory() as session, session.begin():
                row = await session.scalar(
                    select(IdempotencyKey).where(
                        IdempotencyKey.key_hash == key_hash, IdempotencyKey.lease_token == token
                    )
                )
                if row is None:
                    return  # taken over by a retry: its answer is the one kept
                if final:
                    row.status_code = status
                    row.response = text
                    row.lease_until = None
                elif row.committed_at is not None:
                    row.lease_until = None  # committed: a retry is told so at once
                else:
                    await session.delete(row)
        except Exception as exc:
            # Unstored, the key's lease lapses and a retry runs (or learns it committed).
            log.warning("idempotency answer not stored: %s", exc)


_BUSY = "idempotency key busy, retry / 请求正在处理，请稍后重试"
_COMMITTED_ANSWER = orjson.dumps(
    {
        "data": None,
        "errors": [
            {
                "message": "使用该幂等键的首次请求已提交，但其应答已丢失：请查询记录确认结果，勿再重复提交",
                "extensions": {
                    "code": "idempotent_request_committed",
                    "messageEn": "the first request with this Idempotency-Key was committed but its "
                    "answer was lost: read the records to see the result instead of resubmitting",
                },
            }
        ],
    }
).decode()


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay_body(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _replay(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"idempotent-replay", b"true"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# ---------------------------------------------------------------------------------------------
# Security headers
# ---------------------------------------------------------------------------------------------

# Every response: no MIME sniffing, no referrer sent onwards, never framed (clickjacking).
_ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"))
_NO_FRAMES = b"frame-ancestors 'none'"
# The console's own files may be cached (they set their own Cache-Control); nothing else may be:
# answers and downloads carry case data.
_CACHEABLE_PREFIXES = ("/console/", "/static/", "/favicon")


class SecurityHeaders:
    """Adds the headers above to every HTTP response, keeping any a route set itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope.get("path", "")).startswith(_CACHEABLE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in _ALWAYS if h[0] not in present)
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", _NO_FRAMES))
                if not cacheable:
                    headers = [(n, v) for n, v in headers if n.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                elif b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-cache"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
