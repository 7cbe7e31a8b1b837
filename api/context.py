"""The per-request context: principal, a read session, fresh DataLoaders, and app services."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.types import Info as StrawberryInfo

from api.loaders import Loaders
from api.records import record_class, record_model
from core.clock import Clock, system_clock
from core.config import Settings
from core.context import ServiceContext
from core.enums import Role
from core.policy.manager import PolicyRegistry
from core.principal import Principal
from core.scoping import scope

if TYPE_CHECKING:
    from api.hardening import RateLimiter
    from api.indicators.document_cache import Plan, Shapes
    from api.persisted import PersistedQueries
    from api.prepared import PreparedOperations
    from core.auth.service import AuthConfig
    from core.indicators.cache import IndicatorCache
    from core.notify.bus import Bus

T = TypeVar("T")
log = logging.getLogger("caseload.api")


@dataclass
class AppState:
    """What the app builds once at start-up and shares with every request."""

    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    registry: PolicyRegistry
    clock: Clock = system_clock
    after_commit: list[Callable[[list[tuple[str, int, int | None]]], Awaitable[None]]] = field(
        default_factory=list
    )
    # Pub/sub for live updates (core/notify/bus.py); created in the app's lifespan.
    bus: Bus | None = None
    # Token signing (core/auth/service.py); created in the app's lifespan.
    auth: AuthConfig | None = None
    # Requests per minute per principal (api/hardening.py).
    rate_limiter: RateLimiter | None = None
    # Dashboard results (core/indicators/cache.py), invalidated after each committed write.
    indicator_cache: IndicatorCache | None = None
    # Dashboard-only operations this process has validated, answered from the cache before parsing.
    document_shapes: Shapes = field(default_factory=lambda: _shapes())
    # Operations this process has run through the whole pipeline (api/prepared.py).
    prepared: PreparedOperations = field(default_factory=lambda: _prepared())
    # GraphQL requests over HTTP running at once (Settings.concurrency_limit); None: no limit.
    admission: asyncio.Semaphore | None = None
    # Set when a ledger import is queued, to wake this process's import runner (api/ledger/runner.py).
    import_wakeup: asyncio.Event | None = None
    # Persisted queries (hash → text) and the trusted-documents manifest (api/persisted.py).
    persisted: PersistedQueries = field(default_factory=lambda: _persisted())


def _persisted() -> PersistedQueries:
    from api.persisted import PersistedQueries

    return PersistedQueries()


def _shapes() -> Shapes:
    from api.indicators.document_cache import Shapes

    return Shapes()


def _prepared() -> PreparedOperations:
    from api.prepared import PreparedOperations

    return PreparedOperations()


class Context:
    """Built per request by the GraphQL view; never shared between requests."""

    def __init__(
        self, app: AppState, principal: Principal, request: Any = None, response: Any = None
    ) -> None:
        self.app = app
        self.principal = principal
        self.request = request
        self.response = response
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self.loaders = Loaders(self)
        # Full personal-data values returned in this request: (table, id, field, jurisdiction_id).
        self.sensitive_reads: list[tuple[str, int, str, int | None]] = []
        # The graphql-transport-ws ``connection_init`` payload (a WebSocket lives in one Context).
        self.connection_params: dict[str, Any] | None = None
        # A cached dashboard the HTTP view looked up and missed: stored under it once computed.
        self.document_plan: Plan | None = None
        # The query text and operation name as an HTTP request gave them (api/prepared.py).
        self.requested_operation: tuple[str | None, str | None] | None = None

    @property
    def registry(self) -> PolicyRegistry:
        return self.app.registry

    def today(self) -> dt.date:
        return self.app.clock().date()

    async def _read_session(self) -> AsyncSession:
        if self._session is None:
            self._session = self.app.session_factory()
        return self._session

    async def scalars(self, stmt: Select[Any]) -> list[Any]:
        """Run a read query on the request's session (serialised: a session is not concurrent)."""
        async with self._lock:
            session = await self._read_session()
            return list((await session.scalars(stmt)).all())

    async def records(self, stmt: Select[Any]) -> list[Any]:
        """The rows of a ``select(Model)`` as read-only records (api/records.py), read as ``scalars``
        reads instances; a statement or model records cannot stand for is read as instances."""
        model = record_model(stmt)
        if model is None:
            return await self.scalars(stmt)
        async with self._lock:
            session = await self._read_session()
            # On the session's connection: Core's rows of the model's columns, no ORM loading.
            connection = await session.connection()
            result = await connection.execute(stmt)
            make = record_class(model, tuple(result.keys()))._make  # type: ignore[attr-defined]
            return [make(row) for row in result]

    async def execute(self, stmt: Any) -> list[Any]:
        async with self._lock:
            session = await self._read_session()
            return list((await session.execute(stmt)).all())

    async def scalar(self, stmt: Any) -> Any:
        async with self._lock:
            session = await self._read_session()
            return await session.scalar(stmt)

    def scoped(self, stmt: Select[Any], model: Any) -> Select[Any]:
        return scope(stmt, model, self.principal)

    async def read_ctx(self, fn: Callable[[ServiceContext], Awaitable[T]]) -> T:
        """Run a read-only service function on the request's session."""
        async with self._lock:
            session = await self._read_session()
            ctx = ServiceContext(
                session=session, principal=self.principal, registry=self.registry, clock=self.app.clock
            )
            return await fn(ctx)

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            try:
                await session.close()
            except Exception:  # a cancelled query can leave the connection unusable: discard it
                log.warning("read session not closed cleanly", exc_info=True)
                with contextlib.suppress(Exception):
                    await session.invalidate()
        if self.sensitive_reads:
            await self._audit_reads()

    async def _audit_reads(self) -> None:
        """Record who read which personal data (one audit entry per record and field)."""
        from core.audit.models import AuditEntry

        reads, self.sensitive_reads = sorted(set(self.sensitive_reads)), []
        now = self.app.clock()
        async with self.app.session_factory() as session, session.begin():
            for table, ident, field_name, jurisdiction_id in reads:
                session.add(
                    AuditEntry(
                        at=now,
                        actor=self.principal.user,
                        role=self.principal.role.value,
                        jurisdiction_id=jurisdiction_id,
                        action="personal_data.read",
                        entity_type=table,
                        entity_id=ident,
                        before=None,
                        after={"field": field_name},
                        request_id=self.principal.request_id,
                        remote_addr=self.principal.remote_addr,
                    )
                )

    async def refresh(self) -> None:
        """Between two events of a subscription: release the read session, start fresh DataLoaders."""
        async with self._lock:
            await self.close()
            self.loaders = Loaders(self)
        self.sensitive_reads = []


Info = StrawberryInfo[Context, None]


def header_map(scope: Any) -> dict[str, str]:
    """A request's headers by lowercase name, the first of repeated ones winning (as starlette's
    ``Headers.get``), decoded once: the principal reads seven of them."""
    headers: dict[str, str] = {}
    for key, value in scope["headers"]:
        name = key.decode("latin-1").lower()
        if name not in headers:
            headers[name] = value.decode("latin-1")
    return headers


async def resolve_principal(state: AppState, headers: Any, remote_addr: str | None) -> Principal:
    """Who is asking: a bearer token (JWT or API token); else, in development only, the dev headers.

    An invalid or expired token is refused with HTTP 401 rather than silently treated as anonymous.
    """
    authorization = headers.get("authorization") or ""
    if authorization.lower().startswith("bearer ") and state.auth is not None:
        from cross_web import HTTPException  # what strawberry's ASGI view turns into a status code

        from core.auth.service import principal_for_bearer

        request_id = headers.get("x-request-id") or uuid.uuid4().hex
        async with state.session_factory() as session, session.begin():
            principal = await principal_for_bearer(
                session,
                state.auth,
                authorization[7:].strip(),
                now=state.clock(),
                request_id=request_id,
                remote_addr=remote_addr,
            )
        if principal is None:
            raise HTTPException(401, "invalid or expired token / 登录已过期，请重新登录")
        return principal
    return principal_from_headers(headers, state.settings, remote_addr)


def principal_from_headers(headers: Any, settings: Settings, remote_addr: str | None) -> Principal:
    """The development principal, from ``X-Caseload-*`` headers (replaced by real auth in production)."""
    request_id = headers.get("x-request-id") or uuid.uuid4().hex
    if settings.production:
        return Principal(user="anonymous", role=Role.LEADER, request_id=request_id, remote_addr=remote_addr)
    role_value = headers.get("x-caseload-role") or settings.dev_default_role
    try:
        role = Role(role_value)
    except ValueError:
        role = Role.LEADER

    def _int(name: str) -> int | None:
        value = headers.get(name)
        return int(value) if value and value.isdigit() else None

    return Principal(
        user=headers.get("x-caseload-user") or "dev",
        role=role,
        jurisdiction_id=_int("x-caseload-jurisdiction"),
        unit_id=_int("x-caseload-unit"),
        official_id=_int("x-caseload-official"),
        request_id=request_id,
        remote_addr=remote_addr,
    )
