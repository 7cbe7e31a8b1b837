"""Every Redis client of the process is built here: short timeouts and a circuit breaker, so that a
Redis that is down or hung (SIGSTOP, a full network link) costs a request at most the timeout once,
and then nothing while the breaker skips Redis and its users fall back to their in-process
behaviour (the rate limiter counts locally, dashboards are computed from the database, scans lock
with the database, live updates are not published).

* :func:`connect` — a :class:`GuardedRedis` for a URL: connect and socket timeouts
  (``Settings.redis_timeout``, 250 ms by default), no hidden retries, and a hard deadline on every
  command.
* :class:`CircuitBreaker` — one per Redis URL in the process, shared by all its clients: the first
  connection failure or timeout opens it for ``open_seconds``; then one call at a time probes Redis,
  and the first success closes it. Opening and closing are logged once each and counted
  (``caseload_redis_breaker_*`` in ``/metrics``).

A skipped call raises :class:`RedisSkipped`, a ``redis.exceptions.ConnectionError``: callers keep a
single ``except (RedisError, OSError)`` for "Redis is not there", and log at debug level when it is
a skip (:func:`is_skip`), since the breaker has already said so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.resilience import REDIS_BREAKER_OPEN, REDIS_BREAKER_OPENS, REDIS_SKIPPED, count_error

log = logging.getLogger("caseload.redis")

DEFAULT_TIMEOUT = 0.25
DEFAULT_OPEN_SECONDS = 5.0


class RedisSkipped(RedisConnectionError):
    """Raised instead of calling Redis while the circuit breaker is open."""


def is_skip(exc: BaseException) -> bool:
    """True when ``exc`` is the breaker skipping Redis (already logged once), not a new failure."""
    return isinstance(exc, RedisSkipped)


def _is_outage(exc: BaseException) -> bool:
    # Connection errors and timeouts mean Redis is unreachable; a ResponseError (wrong type, a script
    # missing from the cache) or a LockError is an answer from a working Redis.
    return isinstance(exc, RedisConnectionError | RedisTimeoutError | OSError | TimeoutError)


class CircuitBreaker:
    """Closed (use Redis) → open after a failure (skip Redis for ``open_seconds``) → half open (one
    call probes) → closed on its success, open again on its failure."""

    def __init__(
        self,
        name: str,
        open_seconds: float = DEFAULT_OPEN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.open_seconds = open_seconds
        self._clock = clock
        self._open_until: float | None = None
        self._probing = False

    @property
    def is_open(self) -> bool:
        """True while Redis is being skipped (open or half open)."""
        return self._open_until is not None

    def allow(self) -> bool:
        """May this call go to Redis? Once the open period is over, only one call at a time may."""
        if self._open_until is None:
            return True
        if self._clock() < self._open_until or self._probing:
            REDIS_SKIPPED.labels(self.name).inc()
            return False
        self._probing = True
        return True

    def succeeded(self) -> None:
        if self._open_until is not None:
            log.warning("redis %s reachable again: using it (circuit breaker closed)", self.name)
            REDIS_BREAKER_OPEN.labels(self.name).set(0)
        self._open_until = None
        self._probing = False

    def failed(self, exc: BaseException) -> None:
        count_error("redis", self.name)
        if self._open_until is None:
            log.warning(
                "redis %s unavailable (%s: %s): skipping Redis for %.0f s, in-process fallback "
                "(circuit breaker open)",
                self.name,
                type(exc).__name__,
                exc,
                self.open_seconds,
            )
            REDIS_BREAKER_OPENS.labels(self.name).inc()
            REDIS_BREAKER_OPEN.labels(self.name).set(1)
        self._open_until = self._clock() + self.open_seconds
        self._probing = False

    def abandoned(self) -> None:
        """A probe ended without an answer (cancelled): let the next call probe."""
        self._probing = False


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(url: str) -> CircuitBreaker:
    """The breaker shared by every client of ``url`` in this process (one outage, one log line)."""
    with _breakers_lock:
        found = _breakers.get(url)
        if found is None:
            found = _breakers[url] = CircuitBreaker(_display(url))
        return found


def _display(url: str) -> str:
    """The URL without credentials, for logs and metric labels."""
    scheme, sep, rest = url.partition("://")
    return scheme + sep + rest.rpartition("@")[2] if sep else url


class GuardedRedis:
    """A ``redis.asyncio.Redis`` whose every command passes the breaker and a hard deadline.

    Attribute access is forwarded to the client; a method whose call returns an awaitable (every
    command) is awaited under the breaker. ``lock()`` builds redis-py's ``Lock`` on this object, so
    the lock's own commands are guarded too.
    """

    def __init__(self, client: Redis, breaker: CircuitBreaker, timeout: float) -> None:
        self.client = client
        self.breaker = breaker
        self.timeout = timeout

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                return self._guarded(result)
            return result

        return call

    async def _guarded(self, pending: Awaitable[Any]) -> Any:
        if not self.breaker.allow():
            if asyncio.iscoroutine(pending):
                pending.close()
            raise RedisSkipped(f"redis {self.breaker.name} skipped (circuit breaker open)")
        try:
            # The socket timeouts bound each read and connect; this bounds the whole command.
            result = await asyncio.wait_for(pending, self.timeout)
        except BaseException as exc:
            if _is_outage(exc):
                self.breaker.failed(exc)
                if isinstance(exc, TimeoutError) and not isinstance(exc, RedisTimeoutError):
                    raise RedisTimeoutError(
                        f"redis {self.breaker.name}: no answer in {self.timeout}s"
                    ) from exc
            elif isinstance(exc, Exception):
                self.breaker.succeeded()  # Redis answered, with an error about the command
            else:
                self.breaker.abandoned()
            raise
        self.breaker.succeeded()
        return result

    def lock(self, name: str, **kwargs: Any) -> Lock:
        return Lock(self, name, **kwargs)  # type: ignore[arg-type]

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await self.client.aclose()


def connect(url: str, *, timeout: float = DEFAULT_TIMEOUT, **options: Any) -> GuardedRedis:
    """A guarded client for ``url``: connect and socket timeouts of ``timeout`` seconds, no retries
    (redis-py's default retries three times, multiplying the wait), the URL's shared breaker."""
    options.setdefault("socket_connect_timeout", timeout)
    options.setdefault("socket_timeout", timeout)
    options.setdefault("retry", Retry(NoBackoff(), 0))
    client = Redis.from_url(url, **options)
    return GuardedRedis(client, breaker_for(url), timeout)


def log_fallback(logger: logging.Logger, message: str, exc: BaseException) -> None:
    """Log a user's fallback (``message`` with ``%s`` for the error): a warning for a real failure,
    debug for a skip, which the breaker has already logged once for the whole outage."""
    logger.log(logging.DEBUG if is_skip(exc) else logging.WARNING, message, exc)
