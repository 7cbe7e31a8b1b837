"""Riding out outages of the database and Redis: which errors are transient, how long to wait before
trying again (capped exponential back-off), and the counters that make an outage visible in
``/metrics``.

The counters live in their own Prometheus registry here in ``core`` (workers and the Redis guard
count without importing the API); ``api/ops.py`` appends it to every scrape, and ``caseload worker
--metrics-port`` serves it for a worker process of its own.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

log = logging.getLogger("caseload.resilience")

REGISTRY = CollectorRegistry(auto_describe=True)
DEPENDENCY_ERRORS = Counter(
    "caseload_dependency_errors_total",
    "Transient errors of a dependency (database, redis), by the component that met them",
    ["dependency", "component"],
    registry=REGISTRY,
)
REDIS_BREAKER_OPEN = Gauge(
    "caseload_redis_breaker_open",
    "1 while the circuit breaker skips Redis (the in-process fallback is used), by client",
    ["client"],
    registry=REGISTRY,
)
REDIS_BREAKER_OPENS = Counter(
    "caseload_redis_breaker_opens_total",
    "Times the circuit breaker started skipping Redis after a failure, by client",
    ["client"],
    registry=REGISTRY,
)
REDIS_SKIPPED = Counter(
    "caseload_redis_skipped_total",
    "Redis calls not attempted because the circuit breaker was open, by client",
    ["client"],
    registry=REGISTRY,
)

# SQLSTATE classes of errors that go away by themselves: 08 connection exception, 53 insufficient
# resources (too many connections), 57P operator intervention (admin shutdown, starting up), 40001
# serialization failure and 40P01 deadlock (retrying the transaction is the documented answer).
_TRANSIENT_SQLSTATES = ("08", "53", "57P", "40001", "40P01")


def count_error(dependency: str, component: str) -> None:
    """Count one transient error of ``dependency`` ("database" or "redis") met by ``component``."""
    DEPENDENCY_ERRORS.labels(dependency, component).inc()


def is_transient_database_error(exc: BaseException) -> bool:
    """True for an error that says the database is unreachable or busy, not that the query is wrong:
    a retry later can succeed. Programming errors (a bad column, a violated constraint) are False."""
    if isinstance(exc, DisconnectionError | PoolTimeoutError | OperationalError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OSError | TimeoutError | ConnectionError):
        return True
    # asyncpg errors reach us wrapped (DBAPIError.orig, then its __cause__); look down the chain.
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 5:
        state = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(state, str) and state.startswith(_TRANSIENT_SQLSTATES):
            return True
        if type(current).__module__.startswith("asyncpg") and "Connection" in type(current).__name__:
            return True
        current = getattr(current, "orig", None) or current.__cause__
        seen += 1
    return False


@dataclass
class Backoff:
    """Capped exponential back-off with jitter: ``first``, then twice as long each failure, at most
    ``cap`` seconds; ``reset()`` after a success. Jitter (±20 %) keeps several workers that lost the
    same database from reconnecting in lock-step."""

    first: float = 1.0
    cap: float = 60.0
    factor: float = 2.0
    failures: int = field(default=0, init=False)

    def next_delay(self) -> float:
        delay = min(self.first * self.factor**self.failures, self.cap)
        self.failures += 1
        return delay * random.uniform(0.8, 1.2)

    def reset(self) -> None:
        self.failures = 0


class DependencyUnavailable(Exception):
    """A dependency is unreachable: the round stops here and is tried again after a back-off."""

    def __init__(self, dependency: str, error: BaseException) -> None:
        super().__init__(f"{dependency} unavailable ({type(error).__name__}: {error})")
        self.dependency = dependency
        self.error = error
