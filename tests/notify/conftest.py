"""Fixtures for live notifications: the app on loopback with a handle on its bus, a GraphQL
WebSocket client (graphql-transport-ws), and a webhook receiver under uvicorn on loopback."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from websockets.asyncio.client import ClientConnection, connect

from api.app import create_app
from core.clock import fixed_clock
from core.config import Settings
from core.context import ServiceContext
from core.notify.bus import InProcessBus, RedisBus
from core.org.models import Jurisdiction
from core.policy.manager import PolicyRegistry
from tests.http_fixtures import NOW, free_port
from tests.support import Org, make_org


def serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, int]:
    """Run ``app`` under uvicorn on a free loopback port, in a daemon thread."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    return server, thread, port


def stop(server: uvicorn.Server, thread: threading.Thread) -> None:
    server.should_exit = True
    thread.join(timeout=10)


@dataclass
class LiveApp:
    url: str
    app: Any

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/graphql"

    async def wait_subscribed(self, topic: str, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until ``count`` subscribers listen to ``topic`` on the server's bus."""
        bus = self.app.state.caseload.bus
        deadline = time.monotonic() + timeout
        redis = Redis.from_url(bus.url) if isinstance(bus, RedisBus) else None
        try:
            while time.monotonic() < deadline:
                if isinstance(bus, InProcessBus):
                    current = bus.subscriber_count(topic)  # a dict lookup: safe from this thread
                else:
                    assert redis is not None
                    current = dict(await redis.pubsub_numsub(topic)).get(topic.encode(), 0)
                if current >= count:
                    return
                await asyncio.sleep(0.02)
        finally:
            if redis is not None:
                await redis.aclose()
        raise AssertionError(f"no subscriber on {topic} after {timeout}s")


@pytest.fixture
def live_app(settings: Settings, registry: PolicyRegistry, session_factory: Any) -> Iterator[LiveApp]:
    """Like ``live_server`` (tests/api/conftest.py), but also hands the test the app (to see its bus)."""
    application = create_app(settings, registry=registry, clock=fixed_clock(NOW))
    server, thread, port = serve(application)
    yield LiveApp(f"http://127.0.0.1:{port}", application)
    stop(server, thread)


@dataclass
class World:
    org: Org
    other: Jurisdiction

    @property
    def jid(self) -> int:
        return self.org.jurisdiction.id

    def staff(self, jurisdiction_id: int | None = None) -> dict[str, str]:
        """Headers of justice-bureau staff of a jurisdiction (default: the org's)."""
        return {
            "x-caseload-role": "justice_staff",
            "x-caseload-jurisdiction": str(jurisdiction_id or self.jid),
            "x-caseload-user": "staff",
        }

    def clerk(self, unit_id: int) -> dict[str, str]:
        return {
            "x-caseload-role": "unit_clerk",
            "x-caseload-jurisdiction": str(self.jid),
            "x-caseload-unit": str(unit_id),
            "x-caseload-user": "clerk",
        }


@pytest.fixture
async def world(ctx: ServiceContext) -> World:
    """Testland's organisation, and a second jurisdiction ("邻县"), committed."""
    org = await make_org(ctx)
    other = Jurisdiction(code="neighbour", name="邻县", name_en="Neighbour", plugin="testland")
    ctx.session.add(other)
    await ctx.session.commit()
    return World(org, other)


class Subscriber:
    """One graphql-transport-ws connection with one subscription on it."""

    def __init__(self, ws: ClientConnection, operation_id: str = "1") -> None:
        self.ws = ws
        self.operation_id = operation_id

    async def next(self, timeout: float = 2.0) -> dict[str, Any]:
        """The next ``next``/``error``/``complete`` message of the operation (answers pings)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no message")
            message = json.loads(await asyncio.wait_for(self.ws.recv(), remaining))
            if message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
                continue
            return dict(message)

    async def nothing_within(self, seconds: float) -> bool:
        try:
            message = await self.next(seconds)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected message: {message}")


@dataclass
class WsClient:
    live: LiveApp
    _stack: list[ClientConnection] = field(default_factory=list)

    async def subscribe(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        init_payload: dict[str, Any] | None = None,
    ) -> Subscriber:
        ws = await connect(
            self.live.ws_url, subprotocols=["graphql-transport-ws"], additional_headers=headers or {}
        )
        self._stack.append(ws)
        assert ws.subprotocol == "graphql-transport-ws"
        init: dict[str, Any] = {"type": "connection_init"}
        if init_payload is not None:
            init["payload"] = init_payload
        await ws.send(json.dumps(init))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert ack["type"] == "connection_ack", ack
        await ws.send(
            json.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}
            )
        )
        return Subscriber(ws)

    async def close(self) -> None:
        for ws in self._stack:
            await ws.close()


@pytest.fixture
async def ws_client(live_app: LiveApp) -> AsyncIterator[WsClient]:
    client = WsClient(live_app)
    yield client
    await client.close()


# ---------------------------------------------------------------------------------------------
# A webhook receiver: a tiny starlette app under uvicorn on loopback
# ---------------------------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def at(self, path: str) -> str:
        return f"{self.url}{path}"

    def received(self, path: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """``/ok`` answers 200, ``/fail`` 500, ``/robot-error`` 200 with a WeCom-style ``errcode``."""
    state = Receiver(url="")

    async def hook(request: Request) -> Response:
        body = await request.body()
        with state.lock:
            state.requests.append(Received(request.url.path, dict(request.headers), body))
        if state.delay:
            await asyncio.sleep(state.delay)
        path = request.path_params["name"]
        if path == "fail":
            return JSONResponse({"error": "boom"}, status_code=500)
        if path == "robot-error":
            return JSONResponse({"errcode": 93000, "errmsg": "invalid webhook url"})
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    app = Starlette(routes=[Route("/{name}", hook, methods=["POST"])])
    server, thread, port = serve(app)
    state.url = f"http://127.0.0.1:{port}"
    yield state
    stop(server, thread)
