"""CPU time per request, GraphQL against the plain endpoint, in one process (no sockets).

    python -m benchmarks.cpu --database-url sqlite:///bench.db --jurisdiction 1 --requests 100

On a shared machine wall-clock latency mostly measures the neighbours; the CPU time this process
spends per request (``time.process_time``: the event loop and the database driver's threads, client
and server together — the client's part is the same for both endpoints) is what caseload's layers
cost. Prints one line per operation with the ratio to its plain endpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx

from benchmarks.app import PAGE, TRIVIAL, make_app
from core.config import Settings, normalise_database_url
from core.policy.manager import build_registry


async def measure(url: str, jurisdiction: int, requests: int) -> dict[str, tuple[float, float]]:
    settings = Settings(
        database_url=normalise_database_url(url), rate_limit_per_minute=0, environment="development"
    )
    app = make_app(settings, registry=build_registry())
    results: dict[str, tuple[float, float]] = {}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
    ):
        page = {"query": PAGE, "variables": {"first": 50, "j": str(jurisdiction)}}
        operations: dict[str, Callable[[], Awaitable[httpx.Response]]] = {
            "trivial-graphql": lambda: client.post("/graphql", json={"query": TRIVIAL}),
            "trivial-plain": lambda: client.get("/plain/trivial"),
            "page50-graphql": lambda: client.post("/graphql", json=page),
            "page50-plain": lambda: client.get("/plain/page", params={"first": 50, "j": jurisdiction}),
        }
        for operation in operations.values():
            for _ in range(5):
                await operation()
        for name, operation in operations.items():
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(requests):
                response = await operation()
                assert response.status_code == 200, response.text
            results[name] = (
                (time.process_time() - cpu) / requests * 1000,
                (time.perf_counter() - wall) / requests * 1000,
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="CPU time per request: GraphQL against plain endpoints")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--jurisdiction", type=int, default=1)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    results = asyncio.run(measure(args.database_url, args.jurisdiction, args.requests))
    for name, (cpu, wall) in results.items():
        plain = results[name.replace("graphql", "plain")][0]
        print(
            f"{name:<16} cpu {cpu:7.2f} ms/request  wall {wall:7.2f} ms/request"
            f"  cpu x{cpu / plain:.2f} of plain"
        )


if __name__ == "__main__":
    main()
