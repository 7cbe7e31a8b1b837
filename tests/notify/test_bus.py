"""The pub/sub bus: in-process always; Redis when REDIS_URL is set; reconnecting after Redis restarts
(with a redis-server of our own, when the binary is installed)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from redis.asyncio import Redis

from core.config import Settings
from core.notify.bus import (
    Bus,
    InProcessBus,
    RedisBus,
    change_messages,
    make_bus,
    notifications_topic,
    obligations_topic,
    publish_changes,
)
from tests.http_fixtures import free_port

REDIS_URL = os.environ.get("REDIS_URL")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="REDIS_URL is not set: no Redis server to test against"
)


async def first(bus: Bus, topic: str, started: asyncio.Event, timeout: float = 2.0) -> dict[str, Any]:
    async with contextlib.aclosing(bus.subscribe(topic)) as messages:
        started.set()
        return await asyncio.wait_for(anext(messages), timeout)


async def numsub(url: str, topic: str) -> int:
    redis = Redis.from_url(url)
    try:
        return int(dict(await redis.pubsub_numsub(topic)).get(topic.encode(), 0))
    finally:
        await redis.aclose()


async def wait_for_subscriber(url: str, topic: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, Exception):
            if await numsub(url, topic) >= 1:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"nobody subscribed to {topic}")


# ---------------------------------------------------------------------------------------------
# In process
# ---------------------------------------------------------------------------------------------


async def test_in_process_round_trip_reaches_only_the_topic():
    bus = InProcessBus()
    mine = bus.subscribe("notifications:1")
    other = bus.subscribe("notifications:2")
    got_mine = asyncio.ensure_future(anext(mine))
    got_other = asyncio.ensure_future(anext(other))
    await asyncio.sleep(0)  # let both generators register
    assert bus.subscriber_count("notifications:1") == 1
    await bus.publish("notifications:1", {"type": "notification", "id": 7, "title": "督办"})
    assert await asyncio.wait_for(got_mine, 1) == {"type": "notification", "id": 7, "title": "督办"}
    await asyncio.sleep(0.05)
    assert not got_other.done()
    got_other.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await got_other
    await mine.aclose()
    await other.aclose()
    assert bus.subscriber_count("notifications:1") == 0 and bus.subscriber_count("notifications:2") == 0
    await bus.close()


async def test_in_process_every_subscriber_gets_its_own_copy():
    bus = InProcessBus()
    a, b = bus.subscribe("t"), bus.subscribe("t")
    fa, fb = asyncio.ensure_future(anext(a)), asyncio.ensure_future(anext(b))
    await asyncio.sleep(0)
    await bus.publish("t", {"ids": (1, 2)})
    ma, mb = await fa, await fb
    assert ma == mb == {"ids": [1, 2]}  # JSON, exactly as over Redis
    ma["ids"].append(3)
    assert mb == {"ids": [1, 2]}
    await a.aclose()
    await b.aclose()


async def test_in_process_close_ends_subscriptions():
    bus = InProcessBus()
    messages = bus.subscribe("t")
    pending = asyncio.ensure_future(anext(messages))
    await asyncio.sleep(0)
    await bus.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(pending, 1)


async def test_in_process_slow_subscriber_does_not_block_publishing():
    bus = InProcessBus(max_pending=2)
    messages = bus.subscribe("t")
    pending = asyncio.ensure_future(anext(messages))
    await asyncio.sleep(0)
    for i in range(5):
        await bus.publish("t", {"n": i})
    assert (await pending) == {"n": 0}
    await messages.aclose()


def test_make_bus_follows_the_settings():
    assert isinstance(make_bus(Settings()), InProcessBus)
    assert isinstance(make_bus(Settings(redis_url="redis://127.0.0.1:1/0")), RedisBus)


# ---------------------------------------------------------------------------------------------
# Messages for committed changes
# ---------------------------------------------------------------------------------------------


def test_change_messages_one_per_record_on_its_jurisdiction_topic():
    changes = [
        ("obligations", 5, 1),
        ("audit_entries", 9, 1),
        ("obligations", 5, 1),
        ("notifications", 3, 2),
        ("notifications", 4, None),
    ]
    assert change_messages(changes) == [
        (obligations_topic(1), {"type": "obligation_changed", "id": 5, "jurisdictionId": 1}),
        (notifications_topic(2), {"type": "notification", "id": 3, "jurisdictionId": 2}),
    ]


async def test_publish_changes_goes_through_the_bus():
    bus = InProcessBus()
    messages = bus.subscribe(notifications_topic(4))
    pending = asyncio.ensure_future(anext(messages))
    await asyncio.sleep(0)
    await publish_changes(bus, [("notifications", 11, 4), ("obligations", 12, 4)])
    assert await asyncio.wait_for(pending, 1) == {"type": "notification", "id": 11, "jurisdictionId": 4}
    await messages.aclose()


# ---------------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------------


@needs_redis
async def test_redis_round_trip():
    assert REDIS_URL
    bus = RedisBus(REDIS_URL)
    topic = f"notifications:test-{os.getpid()}-{time.monotonic_ns()}"
    started = asyncio.Event()
    received = asyncio.ensure_future(first(bus, topic, started))
    await wait_for_subscriber(REDIS_URL, topic)
    sent = time.monotonic()
    await bus.publish(topic, {"type": "notification", "id": 1, "title": "约谈通知"})
    assert await received == {"type": "notification", "id": 1, "title": "约谈通知"}
    assert time.monotonic() - sent < 1.0
    await asyncio.sleep(0.1)
    assert await numsub(REDIS_URL, topic) == 0, "closing the generator unsubscribes"
    await bus.close()


async def test_redis_down_publish_logs_and_returns(caplog: pytest.LogCaptureFixture):
    bus = RedisBus(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    started = time.monotonic()
    await bus.publish("notifications:1", {"type": "notification", "id": 1})
    assert time.monotonic() - started < 3
    assert "not published" in caplog.text
    await bus.close()


@pytest.fixture
def own_redis() -> Iterator[tuple[str, Any]]:
    """A redis-server of our own on a free port, which the test may stop and start again."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed: cannot restart Redis under a subscriber")
    port = free_port()
    workdir = tempfile.mkdtemp()
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                workdir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)

    def kill() -> None:
        proc = procs[-1]
        proc.terminate()
        proc.wait(timeout=10)

    class Control:
        url = f"redis://127.0.0.1:{port}/0"
        start_server = staticmethod(start)
        stop_server = staticmethod(kill)

    start()
    yield Control.url, Control
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)
    shutil.rmtree(workdir, ignore_errors=True)


async def wait_for_ping(url: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        redis = Redis.from_url(url)
        try:
            if await redis.ping():
                return
        except Exception:
            await asyncio.sleep(0.05)
        finally:
            await redis.aclose()
    raise AssertionError("redis did not start")


@pytest.fixture
async def reconnecting_bus(own_redis: tuple[str, Any]) -> AsyncIterator[tuple[RedisBus, str, Any]]:
    url, control = own_redis
    await wait_for_ping(url)
    bus = RedisBus(url, poll_interval=0.1, reconnect_delays=(0.05, 0.5))
    yield bus, url, control
    await bus.close()


async def test_redis_subscriber_reconnects_after_a_restart(reconnecting_bus: tuple[RedisBus, str, Any]):
    bus, url, control = reconnecting_bus
    topic = "obligations:1"
    received: list[dict[str, Any]] = []

    async def listen() -> None:
        async with contextlib.aclosing(bus.subscribe(topic)) as messages:
            async for message in messages:
                received.append(message)

    task = asyncio.ensure_future(listen())
    await wait_for_subscriber(url, topic)
    await bus.publish(topic, {"n": 1})

    control.stop_server()
    await bus.publish(topic, {"n": "lost"})  # Redis is down: logged, not raised
    await asyncio.sleep(0.3)
    control.start_server()
    await wait_for_ping(url)
    await wait_for_subscriber(url, topic)  # the subscriber came back by itself
    await bus.publish(topic, {"n": 2})
    deadline = time.monotonic() + 5
    while len(received) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert received == [{"n": 1}, {"n": 2}]
