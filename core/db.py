"""Database engine, session factory and the declarative base shared by every model."""

from __future__ import annotations

import asyncio
import datetime as dt
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, MetaData, TypeDecorator, event, func
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.pool import NullPool

from core.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware instant on every database: stored in UTC, read back aware.

    PostgreSQL's timestamptz does this natively; SQLite keeps text without a zone, so values are
    normalised to UTC on the way in (comparisons stay correct) and tagged UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dict[str, Any]: JSON,
        dt.datetime: UTCDateTime(),
    }


class IdMixin:
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class VersionedMixin:
    """Optimistic locking: every UPDATE checks and bumps ``version``; a stale write raises StaleDataError."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}  # type: ignore[attr-defined]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(settings: Settings, **kwargs: Any) -> AsyncEngine:
    url = settings.database_url
    if url.startswith("sqlite"):
        engine = create_async_engine(url, poolclass=NullPool if ":memory:" not in url else None, **kwargs)
        sync_engine: Engine = engine.sync_engine
        event.listen(sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
        **kwargs,
    )


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


# Engine → event loop → its gate (an asyncio lock belongs to one loop; tests run many).
_GATES: weakref.WeakKeyDictionary[Engine, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]]
_GATES = weakref.WeakKeyDictionary()


def _write_gate(factory: async_sessionmaker[AsyncSession]) -> asyncio.Lock | None:
    """This event loop's gate for SQLite writers of ``factory``'s engine; None on PostgreSQL."""
    bind = factory.kw.get("bind")
    if not isinstance(bind, AsyncEngine) or bind.dialect.name != "sqlite":
        return None
    loop = asyncio.get_running_loop()
    gates = _GATES.setdefault(bind.sync_engine, weakref.WeakKeyDictionary())
    gate = gates.get(loop)
    if gate is None:
        gate = gates[loop] = asyncio.Lock()
    return gate


@asynccontextmanager
async def write_turn(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[None]:
    """Wait for this process's turn to write, on SQLite; at once on PostgreSQL.

    SQLite has one write lock, and a writer that finds it taken sleeps in SQLite's busy handler and
    tries again (after 1, 2, 5 … up to 100 ms): no queue, so under ten concurrent writers some wait
    seconds while others come and go. Writers that take their turn here queue in arrival order
    (asyncio's lock is fair) and find the database lock free, so the wait is the queue's length,
    not luck. Mutations and ledger import batches take a turn; other writers (the audit of reads,
    sessions, the in-process worker) still meet the busy handler, which stays the fallback.
    """
    gate = _write_gate(factory)
    if gate is None:
        yield
        return
    async with gate:
        yield


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any exception."""
    async with factory() as session, session.begin():
        yield session


def dialect_insert(session: AsyncSession) -> Any:
    """The ``insert`` with ``ON CONFLICT`` support of the session's database (PostgreSQL or SQLite)."""
    bind = session.bind
    return pg_insert if bind is not None and bind.dialect.name == "postgresql" else sqlite_insert


def enum_type(enum_cls: type[Any]) -> SAEnum:
    """Store an enum as its stable string value (portable across SQLite and PostgreSQL)."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=40,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


# Errors that mean "the database cannot be reached right now", not a bug: a refused or dropped
# connection, a server shutting down or starting, a pool that cannot hand out a connection in time.
_OUTAGE_NAMES = frozenset(
    {
        "ConnectionDoesNotExistError",
        "CannotConnectNowError",
        "ConnectionFailureError",
        "InterfaceError",
        "AdminShutdownError",
        "CrashShutdownError",
        "TooManyConnectionsError",
    }
)


def is_outage(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) is the database being unreachable."""
    from sqlalchemy import exc as sa_exc

    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
            return True
        if isinstance(exc, sa_exc.InterfaceError | sa_exc.TimeoutError):  # pool exhausted or dropped
            return True
        if isinstance(exc, ConnectionError | TimeoutError) or type(exc).__name__ in _OUTAGE_NAMES:
            return True
        if isinstance(exc, OSError) and exc.errno is not None:  # refused, unreachable, reset
            return True
        if isinstance(exc, sa_exc.OperationalError) and "unable to open database" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False
