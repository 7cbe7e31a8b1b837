"""Caching computed dashboards, invalidated by the writes that change them.

Every key lives under a *generation*: a counter per jurisdiction (and one global counter for
changes that belong to no jurisdiction, such as the working-day calendar). A committed write bumps
the counters of the jurisdictions it touched (:meth:`IndicatorCache.invalidate`, called from the
app's after-commit hooks), so later readers look under new keys and never see an answer computed
before the write. A reader reads the generations *before* it queries the database, so an answer
computed while a write commits is filed under the old generation and never served afterwards.

Values are JSON-safe (see :mod:`core.indicators.serial`), so the in-process and the Redis
implementations are interchangeable. Results that depend on other jurisdictions (averages computed
from siblings) put those jurisdictions' generations into their key.
"""

from __future__ import annotations

import asyncio
import json
import logging
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import orjson
from redis.exceptions import LockError, RedisError

from core.redis_guard import DEFAULT_TIMEOUT as DEFAULT_REDIS_TIMEOUT
from core.redis_guard import connect, log_fallback

log = logging.getLogger("caseload.indicators.cache")

GLOBAL = 0
"""The generation slot for changes outside any jurisdiction (jurisdiction ids start at 1)."""

DEFAULT_TTL = 24 * 3600


def _encode(value: Any) -> str:
    """An answer as the API encodes it (orjson, compact): a cached answer is served as these bytes,
    so they are the bytes an uncached request gets."""
    return orjson.dumps(value).decode()


class IndicatorCache(ABC):
    """Async cache of JSON values keyed by (jurisdiction id, generation, key)."""

    @abstractmethod
    async def generations(self, jurisdiction_ids: Sequence[int]) -> dict[int, int]:
        """The current generation of each jurisdiction (0 for one never bumped)."""

    @abstractmethod
    async def bump_generation(self, jurisdiction_id: int) -> int:
        """Advance a jurisdiction's generation (``GLOBAL`` for changes outside any); return the new one."""

    async def get(self, jurisdiction_id: int, generation: str, key: str) -> Any | None:
        """The value stored under (jurisdiction, generation, key), or None."""
        raw = await self.get_raw(jurisdiction_id, generation, key)
        # A new copy on every read: callers may not mutate what others will read.
        return None if raw is None else json.loads(raw)

    @abstractmethod
    async def get_raw(self, jurisdiction_id: int, generation: str, key: str) -> str | None:
        """The JSON text stored under (jurisdiction, generation, key), or None."""

    @abstractmethod
    async def set(
        self, jurisdiction_id: int, generation: str, key: str, value: Any, ttl: int = DEFAULT_TTL
    ) -> None:
        """Store a JSON-safe ``value``; it expires after ``ttl`` seconds."""

    async def invalidate(self, jurisdiction_ids: Iterable[int | None]) -> None:
        """Bump the generation of every jurisdiction listed (``None``: the global one)."""
        for ident in sorted({GLOBAL if j is None else j for j in jurisdiction_ids}):
            await self.bump_generation(ident)

    async def stamp(self, jurisdiction_ids: Sequence[int]) -> str:
        """The generation part of a key: the global generation and those of ``jurisdiction_ids``."""
        ids = sorted({GLOBAL, *jurisdiction_ids})
        gens = await self.generations(ids)
        return ".".join(f"{j}:{gens.get(j, 0)}" for j in ids)

    @asynccontextmanager
    async def computing(self, jurisdiction_id: int, generation: str, key: str) -> AsyncIterator[str | None]:
        """Held while this process computes the value of a key, so that other processes sharing the
        cache wait for it instead of computing it too; yields the value when another process stored
        it meanwhile. In process there is no one to share with: the service's single flight
        (``core.indicators.service._single_flight``) already counts an answer once per process."""
        yield None

    async def close(self) -> None:  # noqa: B027 - optional for implementations
        """Release connections (nothing to do in process)."""


class InProcessCache(IndicatorCache):
    """A bounded LRU in this process (one worker; with several, use :class:`RedisCache`)."""

    def __init__(self, max_entries: int = 2048) -> None:
        self._generations: dict[int, int] = {}
        self._values: OrderedDict[tuple[int, str, str], Any] = OrderedDict()
        self._max = max_entries
        self._lock = asyncio.Lock()
        self.hits = 0
        self.misses = 0

    async def generations(self, jurisdiction_ids: Sequence[int]) -> dict[int, int]:
        return {j: self._generations.get(j, 0) for j in jurisdiction_ids}

    async def bump_generation(self, jurisdiction_id: int) -> int:
        async with self._lock:
            value = self._generations.get(jurisdiction_id, 0) + 1
            self._generations[jurisdiction_id] = value
            # Entries of older generations can never be read again.
            stale = [k for k in self._values if k[0] == jurisdiction_id or jurisdiction_id == GLOBAL]
            for k in stale:
                del self._values[k]
            return value

    async def get_raw(self, jurisdiction_id: int, generation: str, key: str) -> str | None:
        found: str | None = self._values.get((jurisdiction_id, generation, key))
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._values.move_to_end((jurisdiction_id, generation, key))
        return found

    async def set(
        self, jurisdiction_id: int, generation: str, key: str, value: Any, ttl: int = DEFAULT_TTL
    ) -> None:
        async with self._lock:
            self._values[(jurisdiction_id, generation, key)] = _encode(value)
            self._values.move_to_end((jurisdiction_id, generation, key))
            while len(self._values) > self._max:
                self._values.popitem(last=False)


class RedisCache(IndicatorCache):
    """Shared by every worker: generations are Redis counters (INCR), values JSON strings with a TTL."""

    def __init__(
        self,
        client: Any,
        prefix: str = "caseload:indicators",
        *,
        flight_timeout: float = 60.0,
        flight_wait: float = 30.0,
    ) -> None:
        self._redis = client
        self._prefix = prefix
        # A computing lock expires after ``flight_timeout`` seconds (its holder may have died); a
        # process waits at most ``flight_wait`` seconds for another's answer before computing its own.
        self.flight_timeout = flight_timeout
        self.flight_wait = flight_wait

    @classmethod
    def from_url(
        cls, url: str, prefix: str = "caseload:indicators", *, timeout: float = DEFAULT_REDIS_TIMEOUT
    ) -> RedisCache:
        """A cache on the URL's guarded client (timeouts and the shared circuit breaker)."""
        return cls(connect(url, timeout=timeout, decode_responses=True), prefix)

    def _gen_key(self, jurisdiction_id: int) -> str:
        return f"{self._prefix}:gen:{jurisdiction_id}"

    async def generations(self, jurisdiction_ids: Sequence[int]) -> dict[int, int]:
        if not jurisdiction_ids:
            return {}
        values = await self._redis.mget([self._gen_key(j) for j in jurisdiction_ids])
        return {j: int(v) if v is not None else 0 for j, v in zip(jurisdiction_ids, values, strict=True)}

    async def bump_generation(self, jurisdiction_id: int) -> int:
        return int(await self._redis.incr(self._gen_key(jurisdiction_id)))

    def _value_key(self, jurisdiction_id: int, generation: str, key: str) -> str:
        return f"{self._prefix}:v:{jurisdiction_id}:{generation}:{key}"

    async def get_raw(self, jurisdiction_id: int, generation: str, key: str) -> str | None:
        raw: str | None = await self._redis.get(self._value_key(jurisdiction_id, generation, key))
        return raw

    async def set(
        self, jurisdiction_id: int, generation: str, key: str, value: Any, ttl: int = DEFAULT_TTL
    ) -> None:
        raw = _encode(value)
        await self._redis.set(self._value_key(jurisdiction_id, generation, key), raw, ex=ttl)

    @asynccontextmanager
    async def computing(self, jurisdiction_id: int, generation: str, key: str) -> AsyncIterator[str | None]:
        """A Redis lock per value key (redis-py's ``Lock``: SET NX with an expiry, released only by
        its holder). Several workers and hosts missing the same dashboard at once count it once: the
        first computes, the others wait for the lock and then read what it stored. Redis failing
        here only costs the sharing: the caller computes, as it would without the lock."""
        name = self._value_key(jurisdiction_id, generation, key) + ":computing"
        lock = self._redis.lock(
            name,
            timeout=self.flight_timeout,
            sleep=0.02,
            blocking_timeout=self.flight_wait,
            thread_local=False,
        )
        acquired = False
        found: str | None = None
        try:
            acquired = await lock.acquire()
            # Whoever held the lock before has usually stored the value by now.
            found = await self.get_raw(jurisdiction_id, generation, key)
        except (RedisError, OSError) as exc:
            log_fallback(log, "indicator cache lock unavailable (%s); computing without it", exc)
        try:
            yield found
        finally:
            if acquired:
                try:
                    await lock.release()
                except (LockError, RedisError, OSError) as exc:  # expired, or Redis went away
                    log_fallback(log, "indicator cache lock not released (%s)", exc)

    async def close(self) -> None:
        await self._redis.aclose()


def build_cache(redis_url: str | None, timeout: float = DEFAULT_REDIS_TIMEOUT) -> IndicatorCache:
    """Redis when a URL is configured (several workers share it), else in process."""
    return RedisCache.from_url(redis_url, timeout=timeout) if redis_url else InProcessCache()


Change = tuple[str, int, int | None]


def invalidation_hook(cache: IndicatorCache) -> Callable[[list[Change]], Awaitable[None]]:
    """An after-commit hook bumping the generation of every jurisdiction a committed write touched."""

    async def hook(changes: list[Change]) -> None:
        if changes:
            await cache.invalidate(j for _entity, _id, j in changes)

    return hook
