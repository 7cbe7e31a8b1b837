"""CPU per trivial request: caseload's /graphql endpoint against strawberry's view behind it, alternated.

    python -m benchmarks.endpoint_ab --database-url postgresql://…/bench1m [--rounds 10 --requests 300]

One app, one process, ASGI calls without sockets (so uvicorn's share, the same for every route, is
left out): the /graphql route's app is switched between ``api.endpoint.GraphQLEndpoint`` and the
strawberry view it wraps, and the plain endpoint takes its turn in every round, so the noise of a
shared machine falls on all three alike. Every answer is checked.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.routing import Route

from benchmarks.app import TRIVIAL, make_app
from core.config import Settings, normalise_database_url
from core.policy.manager import build_registry

BODY = b'{"query": "' + TRIVIAL.encode() + b'"}'


def _scope(method: str, path: str, body: bytes) -> dict[str, Any]:
    headers = [(b"host", b"bench"), (b"content-length", str(len(body)).encode())]
    if body:
        headers.append((b"content-type", b"application/json"))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }


async def call(app: Any, method: str, path: str, body: bytes = b"") -> None:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    out: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        out.append(message)

    await app(_scope(method, path, body), receive, send)
    assert out[0]["status"] == 200 and b'"Query"' in out[1]["body"], out


async def measure(url: str, rounds: int, requests: int) -> dict[str, float]:
    settings = Settings(
        database_url=normalise_database_url(url), rate_limit_per_minute=0, environment="development"
    )
    app = make_app(settings, registry=build_registry())
    route = next(r for r in app.routes if isinstance(r, Route) and r.path == "/graphql")
    endpoint = route.app
    view = endpoint.view  # type: ignore[attr-defined]

    async def through(target: Any) -> None:
        route.app = target
        await call(app, "POST", "/graphql", BODY)

    operations: dict[str, Callable[[], Awaitable[None]]] = {
        "endpoint": lambda: through(endpoint),
        "view": lambda: through(view),
        "plain": lambda: call(app, "GET", "/plain/trivial"),
    }
    spent = dict.fromkeys(operations, 0.0)
    async with app.router.lifespan_context(app):
        for operation in operations.values():
            for _ in range(200):
                await operation()
        for _ in range(rounds):
            for name, operation in operations.items():
                start = time.process_time()
                for _ in range(requests):
                    await operation()
                spent[name] += time.process_time() - start
        route.app = endpoint
    return {name: total / (rounds * requests) * 1e6 for name, total in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description="CPU per trivial request: endpoint, view and plain")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    micros = asyncio.run(measure(args.database_url, args.rounds, args.requests))
    for name, value in micros.items():
        print(f"{name:<9} {value:6.0f} µs of CPU per request ({value / micros['plain']:.2f}× plain)")


if __name__ == "__main__":
    main()
