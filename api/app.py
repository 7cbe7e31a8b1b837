"""The starlette application: GraphQL over HTTP and WebSocket, GraphiQL served offline, health."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from api.attachments.files import attachment_routes
from api.console.routes import console_routes
from api.context import AppState, Context, header_map, resolve_principal
from api.documents.files import document_routes
from api.endpoint import PLAIN_JSON, GraphQLEndpoint, answer_known, parse_operation
from api.hardening import (
    RETRY_AFTER_SECONDS,
    BodySizeLimit,
    IdempotencyKeys,
    RateLimited,
    RateLimiter,
    SecurityHeaders,
    has_outage,
    rate_limited_response,
)
from api.indicators.files import bulletin_routes
from api.indicators.wiring import install_indicator_cache
from api.ledger.runner import run_imports
from api.notify.subscriptions import apply_connection_params
from api.ops import OpsMiddleware, ops_routes
from api.persisted import build_persisted_queries
from api.schema import build_schema
from api.warmup import warm_up
from core.auth.service import auth_config
from core.clock import Clock, system_clock
from core.config import Settings, redacted_url
from core.db import make_engine, make_session_factory
from core.indicators.cache import IndicatorCache
from core.migrate import ensure_migrated
from core.notify.bus import Bus, make_bus, publish_changes
from core.policy.manager import PolicyRegistry, build_registry
from core.worker import Worker, make_redis

log = logging.getLogger("caseload")
STATIC = Path(__file__).parent / "static"
GRAPHIQL_HTML = (STATIC / "graphiql" / "index.html").read_text(encoding="utf-8")


class CaseloadGraphQL(GraphQL[Context, None]):
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # strawberry answers an HTTPException from get_context as plain text; a rate-limited
        # request gets GraphQL's JSON error shape instead (api.hardening.rate_limited_response).
        if scope["type"] == "http":
            try:
                response = await self.run(Request(scope=scope, receive=receive))
            except RateLimited as exc:
                response = rate_limited_response(exc)
            except HTTPException as exc:
                response = PlainTextResponse(exc.reason, status_code=exc.status_code)
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def get_context(self, request: Any, response: Any) -> Context:
        state: AppState = request.app.state.caseload
        client = getattr(request, "client", None)
        remote = client.host if client else None
        principal = await resolve_principal(state, header_map(request.scope), remote)
        if state.rate_limiter is not None and not await state.rate_limiter.allow(
            principal.user + "|" + (remote or "")
        ):
            raise RateLimited(state.rate_limiter.retry_after())
        return Context(state, principal, request, response)

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        # The usual request (a JSON POST of one operation, no streaming) without strawberry's general
        # content-type parsing; anything else, or anything malformed, takes strawberry's way (which
        # reads the same cached body and answers with its own errors).
        headers = request.headers
        accept = headers.get("accept") or ""
        if (
            request.method == "POST"
            and (headers.get("content-type") or "").encode() in PLAIN_JSON
            and "multipart" not in accept
            and "event-stream" not in accept
        ):
            operation = parse_operation(await request.get_body())
            if operation is not None:
                return operation
        return await super().parse_http_body(request)

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        # A cached dashboard, or an operation that has passed the whole pipeline before, is answered
        # without it (api/endpoint.py), unless the endpoint in front of this view already tried.
        answer = None
        if context.requested_operation is None:
            answer = await answer_known(self.schema, context, request_data, request_adapter.method)
        if answer is None:
            answer = await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        if has_outage(answer.errors):  # an outage is answered as one: retry later, not a bug
            sub_response.status_code = 503
            sub_response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return answer

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(GRAPHIQL_HTML)

    def decode_json(self, data: str | bytes) -> object:
        # orjson is faster, and rejects bytes that are not UTF-8 with a JSONDecodeError (→ HTTP 400).
        return orjson.loads(data)

    def encode_json(self, data: object) -> str:
        # Text, not bytes: WebSocket clients expect text frames (graphql-transport-ws).
        return orjson.dumps(data).decode()

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        await apply_connection_params(context)  # a principal in the connection_init payload wins
        return await super().on_ws_connect(context)


def validate_registry(registry: PolicyRegistry) -> None:
    """Isolate every plugin that fails validation: its jurisdictions get an error, the others serve.

    The conformance kit's further findings (``caseload plugins check``) are logged as warnings,
    each naming the rule, the hook and its ``file:line``.
    """
    from core.policy.conformance import check_plugin
    from core.policy.manager import PluginUnavailable

    for report in registry.check():
        if report.problems:
            registry.mark_broken(PluginUnavailable(report.name, "validation", "", "; ".join(report.problems)))
    for name, error in registry.broken.items():
        log.error("policy plugin %s isolated, its jurisdictions are unavailable: %s", name, error.message_en)
    for name in registry.plugin_names:
        if name in registry.broken:
            continue
        for problem in check_plugin(name, registry=registry).problems:
            log.warning("policy plugin %s: %s (caseload plugins check)", name, problem)


def create_app(
    settings: Settings | None = None,
    *,
    registry: PolicyRegistry | None = None,
    clock: Clock = system_clock,
    check_schema: bool = True,
) -> Starlette:
    """Build the ASGI app; resources are created in the lifespan, once per process."""
    settings = settings or Settings.from_env()
    schema = build_schema(production=settings.production)
    graphql = CaseloadGraphQL(schema, graphql_ide=None if settings.production else "graphiql")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = make_engine(settings)
        bus: Bus | None = None
        redis = await make_redis(settings)
        worker_task: asyncio.Task[None] | None = None
        import_task: asyncio.Task[None] | None = None
        warm_task: asyncio.Task[float | None] | None = None
        cache: IndicatorCache | None = None
        try:
            if check_schema:
                await ensure_migrated(engine)
            reg = registry or build_registry(isolate=True)
            validate_registry(reg)
            bus = make_bus(settings)
            app.state.caseload = AppState(
                settings=settings,
                session_factory=make_session_factory(engine),
                registry=reg,
                clock=clock,
                bus=bus,
                auth=auth_config(settings),
                rate_limiter=RateLimiter(settings.rate_limit_per_minute, redis),
                admission=asyncio.Semaphore(settings.concurrency_limit)
                if settings.concurrency_limit
                else None,
                persisted=build_persisted_queries(settings, redis),
            )
            app.state.caseload.after_commit.append(functools.partial(publish_changes, bus))
            cache = install_indicator_cache(app.state.caseload)
            app.state.engine = engine
            if settings.import_runner == "api":
                # Queued ledger imports run in this process (api/ledger/runner.py).
                app.state.caseload.import_wakeup = asyncio.Event()
                import_task = asyncio.create_task(run_imports(app.state.caseload))
            if settings.inprocess_worker:
                worker = Worker(
                    settings=settings,
                    session_factory=app.state.caseload.session_factory,
                    registry=reg,
                    clock=clock,
                    redis=redis,
                    after_commit=[functools.partial(publish_changes, bus)],
                )
                worker_task = asyncio.create_task(worker.run_forever(settings.worker_interval))
                log.info("deadline worker running in-process every %ss", settings.worker_interval)
            if settings.warm_up_at_start:
                # Off the request path: the lifespan ends, the process serves, the task runs meanwhile.
                warm_task = asyncio.create_task(warm_up(app.state.caseload, schema))
            app.state.warm_up = warm_task
            if settings.freeze_gc_at_start:
                # What start-up built lives as long as the process: leave it out of every collection
                # (Settings.freeze_gc_at_start). Start-up's own garbage is collected first.
                gc.collect()
                gc.freeze()
            log.info(
                "caseload ready: mode=%s database=%s redis=%s plugins=%s",
                settings.environment,
                engine.url.render_as_string(hide_password=True),
                redacted_url(settings.redis_url) if settings.redis_url else "in-process",
                reg.plugin_names,
            )
            if not settings.production:
                log.warning(
                    "DEVELOPMENT MODE: identity headers are trusted and an anonymous request acts as "
                    "a system administrator; never expose this process to a network"
                )
            yield
        finally:
            if settings.freeze_gc_at_start:
                gc.unfreeze()
            for task in (warm_task, worker_task, import_task):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if bus is not None:
                await bus.close()
            if cache is not None:
                await cache.close()
            if redis is not None:
                await redis.aclose()  # type: ignore[attr-defined]
            await engine.dispose()

    async def healthz(request: Request) -> JSONResponse:
        # Liveness only: the process answers. A dependency's outage is /readyz's to report; a probe
        # that restarted every instance during a database outage would make it worse.
        return JSONResponse({"status": "ok"})

    routes = [
        # First: starlette tries the routes in order, and nearly every request is for /graphql.
        Route("/graphql", GraphQLEndpoint(graphql), methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        *console_routes(),
        Route("/healthz", healthz),
        *ops_routes(),
        *bulletin_routes(),
        *attachment_routes(),
        *document_routes(),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(OpsMiddleware),  # outermost: a request id and metrics for every request
            Middleware(SecurityHeaders),  # type: ignore[arg-type]
            Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes),  # type: ignore[arg-type]
            Middleware(IdempotencyKeys),  # type: ignore[arg-type]
        ],
    )
