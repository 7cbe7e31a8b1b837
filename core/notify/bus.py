"""A small publish/subscribe bus carrying "something changed" messages to live subscribers.

Messages are JSON objects naming a record (``{"type": "notification", "id": 7, ...}``); subscribers
load the record themselves, under their own principal's scope, so the bus never carries data a
subscriber might not be allowed to see.

Two implementations:

* :class:`InProcessBus` — asyncio queues inside one process (the embedded default: one uvicorn
  worker, no Redis). Bound to the event loop that uses it.
* :class:`RedisBus` — Redis pub/sub, used when ``Settings.redis_url`` is set, so every worker
  process (and the background worker) reaches every subscriber.

Delivery is at most once: a message published while a subscriber is disconnected is lost, so a
client that reconnects re-reads what it shows. Publishing never raises because Redis is down
(the write it announces is already committed): it logs and carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, Iterable
from typing import Any, Protocol

from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from core.config import Settings
from core.redis_guard import DEFAULT_TIMEOUT, connect, log_fallback

log = logging.getLogger("caseload.notify.bus")

Message = dict[str, Any]
Change = tuple[str, int, int | None]


def notifications_topic(jurisdiction_id: int) -> str:
    """The topic announcing new notifications of a jurisdiction."""
    return f"notifications:{jurisdiction_id}"


def obligations_topic(jurisdiction_id: int) -> str:
    """The topic announcing created or changed obligations of a jurisdiction."""
    return f"obligations:{jurisdiction_id}"


class Bus(Protocol):
    """Publish JSON messages to topics; subscribe to a topic as an async generator."""

    async def publish(self, topic: str, message: Message) -> None:
        """Send ``message`` (JSON-serialisable) to the current subscribers of ``topic``; never raises
        because the transport is unavailable."""
        ...

    def subscribe(self, topic: str) -> AsyncGenerator[Message, None]:
        """The messages published to ``topic`` from the first iteration on; closing the generator
        (``aclose()``, or leaving an ``async for`` wrapped in ``contextlib.aclosing``) unsubscribes.
        The generator ends when the bus is closed."""
        ...

    async def close(self) -> None:
        """End every subscription and release connections."""
        ...


def _encode(message: Message) -> str:
    """Both buses carry JSON, so subscribers of either receive the same thing."""
    if not isinstance(message, dict):
        raise TypeError("a bus message must be a JSON object")
    return json.dumps(message, ensure_ascii=False)


class InProcessBus:
    """Fan-out through asyncio queues within one process and one event loop."""

    def __init__(self, *, max_pending: int = 1000) -> None:
        self._max_pending = max_pending
        self._queues: dict[str, set[asyncio.Queue[Message | None]]] = {}
        self._closed = False

    def subscriber_count(self, topic: str) -> int:
        return len(self._queues.get(topic, ()))

    async def publish(self, topic: str, message: Message) -> None:
        data = _encode(message)
        for queue in list(self._queues.get(topic, ())):
            try:
                queue.put_nowait(json.loads(data))
            except asyncio.QueueFull:
                # A stuck subscriber must not hold up the mutation that publishes.
                log.warning("subscriber of %s is %d messages behind; message dropped", topic, queue.qsize())

    async def subscribe(self, topic: str) -> AsyncGenerator[Message, None]:
        if self._closed:
            return
        queue: asyncio.Queue[Message | None] = asyncio.Queue(self._max_pending)
        self._queues.setdefault(topic, set()).add(queue)
        try:
            while True:
                message = await queue.get()
                if message is None:
                    return
                yield message
        finally:
            queues = self._queues.get(topic)
            if queues is not None:
                queues.discard(queue)
                if not queues:
                    del self._queues[topic]

    async def close(self) -> None:
        self._closed = True
        for queues in self._queues.values():
            for queue in queues:
                while queue.full():
                    queue.get_nowait()
                queue.put_nowait(None)


class RedisBus:
    """Redis pub/sub: one shared client for publishing, one pub/sub connection per subscription."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        poll_interval: float = 0.5,
        reconnect_delays: tuple[float, float] = (0.1, 5.0),
    ) -> None:
        self.url = url
        self._poll_interval = poll_interval
        self._first_delay, self._max_delay = reconnect_delays
        # One quick retry covers a pooled connection that died with a Redis restart; beyond that a
        # publish gives up at once rather than delay the mutation that triggered it. The guarded
        # client bounds the whole publish by ``timeout`` and skips Redis while it is known down.
        self._client = connect(url, timeout=timeout, retry=Retry(NoBackoff(), 1), health_check_interval=15)
        self._closed = asyncio.Event()

    async def publish(self, topic: str, message: Message) -> None:
        data = _encode(message)
        try:
            await self._client.publish(topic, data)
        except (RedisError, OSError) as exc:
            log_fallback(log, f"redis unavailable, message to {topic} not published: %s", exc)

    async def subscribe(self, topic: str) -> AsyncGenerator[Message, None]:
        delay = self._first_delay
        while not self._closed.is_set():
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(topic)
                # A subscription made is proof Redis is back: publishers need not wait out the breaker.
                self._client.breaker.succeeded()
                if delay > self._first_delay:
                    log.info("redis subscription to %s restored", topic)
                delay = self._first_delay
                while not self._closed.is_set():
                    raw = await pubsub.get_message(timeout=self._poll_interval)
                    if raw is None or raw.get("type") != "message":
                        continue
                    message = _decode(topic, raw.get("data"))
                    if message is not None:
                        yield message
            except (RedisError, OSError) as exc:
                log.warning("redis subscription to %s lost (%s); retrying in %.1fs", topic, exc, delay)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.unsubscribe(topic)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), delay)
            delay = min(delay * 2, self._max_delay)

    async def close(self) -> None:
        self._closed.set()
        await self._client.aclose()


def _decode(topic: str, data: Any) -> Message | None:
    try:
        message = json.loads(data)
    except (TypeError, ValueError):
        log.warning("ignored a message on %s that is not JSON: %r", topic, data)
        return None
    if not isinstance(message, dict):
        log.warning("ignored a message on %s that is not a JSON object: %r", topic, message)
        return None
    return message


def make_bus(settings: Settings) -> Bus:
    """Redis pub/sub when ``settings.redis_url`` is set, otherwise the in-process bus."""
    if settings.redis_url:
        return RedisBus(settings.redis_url, timeout=settings.redis_timeout)
    return InProcessBus()


def change_messages(changes: Iterable[Change]) -> list[tuple[str, Message]]:
    """The (topic, message) pairs announcing committed ``changes`` (each record once, in order)."""
    seen: set[tuple[str, int]] = set()
    out: list[tuple[str, Message]] = []
    for entity_type, entity_id, jurisdiction_id in changes:
        if jurisdiction_id is None or (entity_type, entity_id) in seen:
            continue
        if entity_type == "obligations":
            topic = obligations_topic(jurisdiction_id)
            message: Message = {
                "type": "obligation_changed",
                "id": entity_id,
                "jurisdictionId": jurisdiction_id,
            }
        elif entity_type == "notifications":
            topic = notifications_topic(jurisdiction_id)
            message = {"type": "notification", "id": entity_id, "jurisdictionId": jurisdiction_id}
        else:
            continue
        seen.add((entity_type, entity_id))
        out.append((topic, message))
    return out


async def publish_changes(bus: Bus, changes: Iterable[Change]) -> None:
    """Announce committed changes of obligations and notifications on ``bus``.

    Call it after the transaction that made the changes has committed (the API's ``after_commit``
    hook does; a background job calls it itself), so a subscriber that loads the record finds it.
    """
    for topic, message in change_messages(changes):
        try:
            await bus.publish(topic, message)
        except Exception:  # one bad message must not stop the others
            log.exception("could not publish %s to %s", message, topic)
