"""HTTP fixtures (a plugin of tests/conftest.py): an app wired to the test database, served in-process (httpx ASGI) or on loopback (uvicorn)."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from api.app import create_app
from core.clock import CHINA, fixed_clock
from core.config import Settings
from core.policy.manager import PolicyRegistry

NOW = dt.datetime(2024, 11, 20, 10, 0, tzinfo=CHINA)


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.headers: dict[str, str] = {}

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, **headers: str
    ) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={**self.headers, **headers},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def ok(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:
        """Execute and fail the test on any GraphQL error; return ``data``."""
        body = await self(query, variables, **headers)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def mutate(
        self, query: str, variables: dict[str, Any] | None = None, **headers: str
    ) -> dict[str, Any]:
        """Execute a mutation and fail on errors-as-data; return its ``result``."""
        data = await self.ok(query, variables, **headers)
        (payload,) = data.values()
        assert payload["errors"] == [], payload["errors"]
        result: dict[str, Any] = payload["result"]
        return result


@pytest.fixture
async def app(settings: Settings, registry: PolicyRegistry, session_factory: Any) -> AsyncIterator[Any]:
    application = create_app(settings, registry=registry, clock=fixed_clock(NOW))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield GraphQLClient(http)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(settings: Settings, registry: PolicyRegistry, session_factory: Any) -> Iterator[str]:
    """The app under uvicorn on a loopback port, in a thread; yields its base URL."""
    application = create_app(settings, registry=registry, clock=fixed_clock(NOW))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
