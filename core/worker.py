"""The background worker: scans every jurisdiction on a schedule (``caseload worker``).

Safe to run on several processes and hosts against one PostgreSQL and one Redis: a scan of a
jurisdiction takes a Redis lock (or, without Redis, a PostgreSQL advisory lock) so workers do not
repeat each other's work, and the database's unique dedupe keys make every notification exactly-once
even if two scans do overlap (a lock expiring mid-scan, Redis down). Each scan is one transaction:
a worker killed mid-scan leaves nothing half-written, and the next scan redoes the work.

A worker never dies of a dependency: a transient database error (unreachable, restarting, too many
connections — :func:`core.resilience.is_transient_database_error`) ends the round, is logged naming
the database and counted (``caseload_dependency_errors_total``), and the next round comes after a
capped exponential back-off instead of the interval; the first good round resets it. Redis errors
never end a round (its users fall back, see core/redis_guard.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock, system_clock
from core.config import Settings
from core.context import ServiceContext
from core.enums import Role
from core.ledger.jobs import run_queued
from core.notify.webhooks import DeliveryReport, deliver_due
from core.obligations.scan import ScanReport, scan_jurisdiction
from core.org.models import Jurisdiction
from core.policy.manager import PluginUnavailable, PolicyRegistry
from core.principal import Principal
from core.resilience import Backoff, DependencyUnavailable, count_error, is_transient_database_error

log = logging.getLogger("caseload.worker")
WORKER = Principal(user="worker", role=Role.SYSTEM_ADMIN)

Changes = list[tuple[str, int, int | None]]


@dataclass
class Worker:
    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    registry: PolicyRegistry
    clock: Clock = system_clock
    dry_run: bool = False
    redis: object | None = None
    # A scan's Redis lock expires this long after the worker stops renewing it (e.g. it crashed),
    # so another worker picks the jurisdiction up soon after.
    lock_seconds: float = 30.0
    # Called after each committed scan with what it changed (live updates, webhook delivery).
    after_commit: list[Callable[[Changes], Awaitable[None]]] = field(default_factory=list)
    # Jurisdictions the last rounds skipped because their plugin is broken: id -> the error.
    skipped: dict[int, str] = field(default_factory=dict)

    async def scan_all(self) -> list[ScanReport]:
        """Scan every jurisdiction once; a failing jurisdiction is logged and the others go on."""
        try:
            async with self.session_factory() as session:
                ids = list(await session.scalars(select(Jurisdiction.id).order_by(Jurisdiction.id)))
        except Exception as exc:
            if is_transient_database_error(exc):
                raise DependencyUnavailable("database", exc) from exc
            raise
        reports: list[ScanReport] = []
        for jurisdiction_id in ids:
            try:
                report = await self.scan_one(jurisdiction_id)
            except PluginUnavailable as exc:
                # Only this county's plugin is broken: skip it, say which plugin, hook and place.
                self.skipped[jurisdiction_id] = exc.message_en
                log.error("scan of jurisdiction %s skipped: %s", jurisdiction_id, exc.message_en)
                continue
            except Exception as exc:
                if is_transient_database_error(exc):
                    # The database went away mid-round: the other jurisdictions would fail alike.
                    raise DependencyUnavailable("database", exc) from exc
                log.exception("scan of jurisdiction %s failed; will retry next round", jurisdiction_id)
                continue
            if report is not None:
                reports.append(report)
                log.info(report.summary())
        return reports

    async def scan_one(self, jurisdiction_id: int) -> ScanReport | None:
        """Scan one jurisdiction under its lock; ``None`` if another worker holds it."""
        async with self._redis_lock(f"caseload:scan:{jurisdiction_id}") as acquired:
            if not acquired:
                return None
            changes: Changes = []
            async with self.session_factory() as session, session.begin():
                if not await self._advisory_lock(session, jurisdiction_id):
                    return None
                ctx = ServiceContext(
                    session=session, principal=WORKER, registry=self.registry, clock=self.clock
                )
                report = await scan_jurisdiction(ctx, jurisdiction_id, dry_run=self.dry_run)
                if self.dry_run:
                    await session.rollback()
                    return report
                changes = ctx.changes
            for hook in self.after_commit:
                try:
                    await hook(changes)
                except Exception:
                    log.exception("after-scan hook failed")
            return report

    @contextlib.asynccontextmanager
    async def _redis_lock(self, name: str) -> AsyncIterator[bool]:
        if self.redis is None:
            yield True
            return
        lock = self.redis.lock(name, timeout=self.lock_seconds, blocking=False)  # type: ignore[attr-defined]
        try:
            acquired = bool(await lock.acquire())
        except Exception as exc:  # Redis down: the database's dedupe keys still keep sends exactly-once
            log.warning("redis lock unavailable (%s); scanning without it", exc)
            yield True
            return
        renew = asyncio.create_task(self._renew(lock)) if acquired else None
        try:
            yield acquired
        finally:
            if renew is not None:
                renew.cancel()
                # gather, not ``suppress(CancelledError)``: the renewal's own cancellation is returned,
                # while a cancellation of this task arriving here (the app shutting down) still
                # propagates instead of being swallowed, which left run_forever looping and the
                # lifespan's shutdown waiting for it.
                await asyncio.gather(renew, return_exceptions=True)
            if acquired:
                with contextlib.suppress(Exception):
                    await lock.release()

    async def _renew(self, lock: object) -> None:
        """Keep the lock while the scan runs; a killed worker stops renewing and the lock lapses."""
        while True:
            await asyncio.sleep(self.lock_seconds / 3)
            try:
                await lock.reacquire()  # type: ignore[attr-defined]
            except Exception as exc:
                log.warning("could not renew scan lock: %s", exc)

    async def _advisory_lock(self, session: AsyncSession, jurisdiction_id: int) -> bool:
        """On PostgreSQL without Redis, a transaction-scoped advisory lock per jurisdiction."""
        if self.redis is not None or session.bind is None or session.bind.dialect.name != "postgresql":
            return True
        key = int.from_bytes(
            hashlib.sha1(f"caseload-scan-{jurisdiction_id}".encode()).digest()[:8], "big", signed=True
        )
        return bool(await session.scalar(text("select pg_try_advisory_xact_lock(:k)"), {"k": key}))

    async def deliver(self) -> DeliveryReport:
        """Send the webhook deliveries that are due (retries included)."""
        import httpx  # here, not at start-up: most processes never send one

        async with httpx.AsyncClient(timeout=10) as http:
            report = await deliver_due(
                self.session_factory, now=self.clock(), http=http, dry_run=self.dry_run
            )
        if report.claimed:
            log.info("webhooks: %s", report)
        return report

    async def tick(self) -> list[ScanReport]:
        """One round: scan every jurisdiction, then deliver webhooks; failures are logged, not raised."""
        reports = await self.scan_all()
        try:
            await self.deliver()
        except Exception as exc:
            if is_transient_database_error(exc):
                raise DependencyUnavailable("database", exc) from exc
            log.exception("webhook delivery round failed; will retry next round")
        if not self.dry_run and self.settings.import_runner == "worker":
            try:
                # Queued ledger imports: each claimed once, whatever the number of workers.
                await run_queued(
                    self.session_factory, self.registry, clock=self.clock, after_commit=self.after_commit
                )
            except Exception as exc:
                if is_transient_database_error(exc):
                    raise DependencyUnavailable("database", exc) from exc
                log.exception("ledger import jobs round failed; will retry next round")
        return reports

    async def run_forever(self, interval: float, backoff: Backoff | None = None) -> None:
        """Tick, sleep ``interval`` seconds, repeat (until cancelled). A round that meets a dependency
        outage is retried after a back-off (1 s doubling up to the interval, at most 60 s); any other
        error is logged and the next round comes as usual: nothing but cancellation ends the loop."""
        backoff = backoff or Backoff(first=1.0, cap=max(1.0, min(interval, 60.0)))
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                await self.tick()
            except DependencyUnavailable as exc:
                count_error(exc.dependency, "worker")
                delay = backoff.next_delay()
                log.warning(
                    "worker round stopped: %s is unavailable (%s: %s); retrying in %.1f s",
                    exc.dependency,
                    type(exc.error).__name__,
                    exc.error,
                    delay,
                )
                await asyncio.sleep(delay)
                continue
            except Exception:
                log.exception("worker round failed; the next round comes as usual")
            else:
                if backoff.failures:
                    log.warning("worker round succeeded again after %s failed rounds", backoff.failures)
                backoff.reset()
            elapsed = loop.time() - started
            await asyncio.sleep(max(1.0, interval - elapsed))


async def wait_for_database(probe: Callable[[], Awaitable[None]], backoff: Backoff | None = None) -> None:
    """Run ``probe`` (e.g. the schema check at start-up) until it passes a transient database error:
    a worker started while the database is restarting waits for it instead of exiting."""
    backoff = backoff or Backoff(first=1.0, cap=30.0)
    while True:
        try:
            await probe()
            return
        except Exception as exc:
            if not is_transient_database_error(exc):
                raise
            count_error("database", "worker")
            delay = backoff.next_delay()
            log.warning(
                "database unavailable at start (%s: %s); retrying in %.1f s", type(exc).__name__, exc, delay
            )
            await asyncio.sleep(delay)


async def make_redis(settings: Settings) -> object | None:
    """The guarded Redis client of the rate limiter and the scan locks (None without ``REDIS_URL``)."""
    if not settings.redis_url:
        return None
    from core.redis_guard import connect

    return connect(settings.redis_url, timeout=settings.redis_timeout)
