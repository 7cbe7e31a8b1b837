"""The Redis guard against a real socket that accepts connections and never answers (what a
SIGSTOPped redis-server looks like from outside): no call waits longer than the timeout, the
breaker then skips Redis, and the rate limiter goes on counting in process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from redis.exceptions import RedisError

from api.hardening import RateLimiter
from core.redis_guard import CircuitBreaker, RedisSkipped, connect
from core.resilience import DEPENDENCY_ERRORS, REDIS_BREAKER_OPEN


@pytest.fixture
async def hung_redis() -> AsyncIterator[str]:
    held: list[asyncio.StreamWriter] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # keep the connection open, answer nothing

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"redis://127.0.0.1:{port}/0"
    for writer in held:
        writer.close()
    server.close()


async def test_a_hung_redis_costs_one_timeout_then_is_skipped(hung_redis: str) -> None:
    client = connect(hung_redis, timeout=0.25)
    started = time.monotonic()
    with pytest.raises(RedisError):
        await client.incr("k")
    assert time.monotonic() - started < 1.0  # the 0.25 s timeout, with room for a loaded machine
    assert client.breaker.is_open
    assert REDIS_BREAKER_OPEN.labels(client.breaker.name)._value.get() == 1
    started = time.monotonic()
    with pytest.raises(RedisSkipped):
        await client.get("k")
    assert time.monotonic() - started < 0.2  # skipped, not attempted
    await client.aclose()


async def test_the_rate_limiter_counts_in_process_while_redis_hangs(hung_redis: str) -> None:
    client = connect(hung_redis, timeout=0.25)
    errors = DEPENDENCY_ERRORS.labels("redis", client.breaker.name)
    before = errors._value.get()
    limiter = RateLimiter(3, client)
    started = time.monotonic()
    answers = [await limiter.allow("someone") for _ in range(5)]
    assert time.monotonic() - started < 1.1  # one timeout in all (five would be 1.25 s)
    assert answers == [True, True, True, False, False]
    assert errors._value.get() == before + 1
    await client.aclose()


def test_the_breaker_lets_one_probe_through_after_the_open_period() -> None:
    now = [0.0]
    breaker = CircuitBreaker("test", open_seconds=5, clock=lambda: now[0])
    assert breaker.allow()
    breaker.failed(ConnectionError("down"))
    assert not breaker.allow()
    now[0] = 5.1
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # only one at a time
    breaker.failed(ConnectionError("still down"))
    assert not breaker.allow()
    now[0] = 10.2
    assert breaker.allow()
    breaker.succeeded()
    assert not breaker.is_open and breaker.allow()
